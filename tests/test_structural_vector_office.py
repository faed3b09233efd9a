"""Office-drawn vector figures (Visio, PowerPoint and draw.io printed to PDF): conventions of
those tools, drawn with PyMuPDF so that the structure is known exactly."""

from __future__ import annotations

import math

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from _vector_draw import vector_prims  # noqa: E402

BLACK = (0, 0, 0)
GREY = (0.5, 0.5, 0.5)


def _read(draw, width=600, height=400):
    return build_diagram(vector_prims(draw, width, height)).diagram


def _box(page, r, label=""):
    page.draw_rect(pymupdf.Rect(*r), color=BLACK, width=0.8)
    if label:
        w = pymupdf.get_text_length(label, fontsize=9)
        page.insert_text(((r[0] + r[2] - w) / 2, (r[1] + r[3]) / 2 + 3), label, fontsize=9)


def _two_states(page, states, width, height, ys, name_dx):
    """Two named ellipses side by side (top at y=100), an arrow from the first to the second at
    ``ys[0]`` and one back at ``ys[1]``, each running between the ellipses' facing sides."""
    (xa, _), (xb, _) = states
    for x0, name in states:
        page.draw_oval(pymupdf.Rect(x0, 100, x0 + width, 100 + height), color=BLACK, width=0.8)
        page.insert_text((x0 + name_dx, 100 + height / 2 + 3), name, fontsize=9)
    inset = 10 if height > 80 else 0  # (tall ellipses: the arrows meet their sides further in)
    _arrow(page, (xa + width - inset, ys[0]), (xb + inset, ys[0]))
    _arrow(page, (xb + inset, ys[1]), (xa + width - inset, ys[1]))


def _arrow(page, a, b, size=6.0):
    """A line from a to b whose filled head ends at b (the line stops at the head's base)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy)
    ux, uy = dx / n, dy / n
    base = (b[0] - ux * size, b[1] - uy * size)
    page.draw_line(a, base, color=BLACK, width=0.8)
    left = (base[0] - uy * size * 0.4, base[1] + ux * size * 0.4)
    right = (base[0] + uy * size * 0.4, base[1] - ux * size * 0.4)
    page.draw_polyline([b, left, right], color=BLACK, fill=BLACK, closePath=True)
    return base


def _edges(d):
    return {(d.label_of(e.source), d.label_of(e.target), e.directed) for e in d.edges}


TABLE = ["Ingress table", "{", "match :", "in port", "action :", "set LAG id", "set l2_if",
         "default :", "drop", "}"]


def test_text_that_runs_past_the_bottom_of_its_box_is_still_its_label():
    """Visio and LibreOffice do not clip a shape's text: a table of small print longer than
    its box goes on below it, in the same column and line pitch."""
    def draw(page):
        _box(page, (40, 60, 110, 100), "Port")
        _box(page, (200, 60, 280, 104))
        for k, line in enumerate(TABLE):  # ten lines at a 7 pt pitch: six fit the box
            page.insert_text((203, 67 + 7 * k), line, fontsize=6)
        _box(page, (380, 60, 460, 100), "ACL table")
        _arrow(page, (110, 80), (200, 80))
        _arrow(page, (280, 80), (380, 80))
        page.insert_text((300, 200), "Note: ports are numbered from zero", fontsize=6)

    d = _read(draw)
    labels = {n.label for n in d.nodes}
    assert " ".join(TABLE) in labels
    assert _edges(d) == {("Port", " ".join(TABLE), True), (" ".join(TABLE), "ACL table", True)}
    assert "Note" in " ".join(d.notes + [d.title or ""])  # text further off stays apart


def test_a_caption_below_a_box_is_not_taken_for_overflow():
    def draw(page):
        _box(page, (200, 60, 280, 100))
        page.insert_text((203, 72), "Edge router", fontsize=6)
        page.insert_text((203, 79), "(site A)", fontsize=6)
        page.insert_text((203, 120), "rack 4", fontsize=6)  # well below: its own text
        _box(page, (40, 60, 110, 100), "Core")
        _arrow(page, (110, 80), (200, 80))

    d = _read(draw)
    assert "Edge router (site A)" in {n.label for n in d.nodes}


def test_a_callout_leader_drawn_to_an_arrowhead_is_not_the_connector():
    """A Visio callout's leader often ends where a connector's arrowhead starts; joining the
    two would turn the connector into a line from its source to the callout."""
    def draw(page):
        _box(page, (40, 100, 120, 140), "Ingress")
        _box(page, (200, 100, 280, 140), "Egress")
        base = _arrow(page, (120, 120), (200, 120))
        _box(page, (150, 20, 230, 50), "Metadata")
        page.draw_line((base[0], 50), base, color=GREY, width=1.2)

    d = _read(draw)
    assert ("Ingress", "Egress", True) in _edges(d)
    assert not any("Metadata" in (s, t) for s, t, _ in _edges(d))


def test_a_leader_that_stops_on_a_connector_beside_a_node_joins_no_nodes():
    """A callout's leader that ends across an arrow's line is tied to that link; though its
    end is within snapping reach of the arrow's source, it is no edge to the source."""
    def draw(page):
        _box(page, (40, 100, 120, 140), "Ingress")
        _box(page, (200, 100, 280, 140), "Egress")
        _arrow(page, (120, 120), (200, 120))
        _box(page, (100, 20, 180, 50), "Metadata")
        page.draw_line((123.5, 50), (123.5, 120), color=GREY, width=1.2)

    d = _read(draw)
    assert _edges(d) == {("Ingress", "Egress", True)}


def test_overflowing_text_between_two_rows_does_not_split_the_figure():
    """Figure detection joins a diagram's islands unless text outside them lies between; the
    lines that run past the bottom of a box belong to the drawing, not to the page."""
    import dicmodel

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(56, 50, 539, 110), "4.2 Overview\nThe pipeline below "
                        "is described in this clause, table by table.", fontsize=10)
    for k, x in enumerate((60, 200, 340)):  # top row: the middle table runs past its box
        _box(page, (x, 130, x + 90, 150), "" if k == 1 else f"Stage {k + 1}")
    for k, line in enumerate(TABLE):
        page.insert_text((203, 135 + 3 * k), line, fontsize=2.5)
    _arrow(page, (150, 140), (200, 140))
    _arrow(page, (290, 140), (340, 140))
    for k, x in enumerate((60, 200, 340)):  # bottom row, under the overflow
        _box(page, (x, 163, x + 90, 183), f"Step {k + 1}")
    _arrow(page, (150, 173), (200, 173))
    _arrow(page, (290, 173), (340, 173))
    page.insert_textbox(pymupdf.Rect(56, 195, 539, 220), "Figure 1: The pipeline", fontsize=9)
    out = dicmodel.convert(doc.tobytes())
    [fig] = out.figures
    assert fig.bbox.y0 <= 131 and fig.bbox.y1 >= 182
    assert "Figure 1" in (fig.caption or "")


def test_a_centred_label_that_spills_over_both_edges_of_a_low_box_is_whole():
    """A one-line box too low for its three centred lines: the first and last lines sit
    outside, above and below, at the line pitch."""
    def draw(page):
        _box(page, (40, 100, 110, 120), "Port")
        page.draw_rect(pymupdf.Rect(200, 104, 260, 116), color=BLACK, width=0.8)
        for k, line in enumerate((".1D", "Bridge", "Port<n>")):
            w = pymupdf.get_text_length(line, fontsize=8)
            page.insert_text((230 - w / 2, 102 + 9 * k), line, fontsize=8)
        _arrow(page, (110, 110), (200, 110))

    d = _read(draw)
    assert _edges(d) == {("Port", ".1D Bridge Port<n>", True)}


def test_cards_stacked_with_an_offset_keep_their_own_names():
    """Three copies of a box drawn one over another, each shifted a little (n instances):
    each name goes to the card it is centred in, not all to the first."""
    def draw(page):
        for k in range(3):
            x, y = 200 + 6 * k, 100 + 6 * k
            page.draw_rect(pymupdf.Rect(x, y, x + 60, y + 30), color=BLACK, fill=(1, 0.8, 0),
                           width=0.8)
            w = pymupdf.get_text_length("RIF<n>", fontsize=8)
            page.insert_text((x + 30 - w / 2, y + 18), "RIF<n>", fontsize=8)

    d = _read(draw)
    assert [n.label for n in d.nodes] == ["RIF<n>"] * 3


def test_boxes_closer_than_an_arrowhead_are_joined_by_the_head_alone():
    """Two tables drawn a few points apart: the connector between them is no longer than its
    head, so only the head is seen, its base on one box and its tip on the other."""
    def draw(page):
        _box(page, (40, 100, 110, 140), "Learning FDB")
        _box(page, (115, 100, 185, 140), "L3 interface")
        page.draw_polyline([(110.3, 120), (114.7, 117.5), (114.7, 122.5)], color=BLACK,
                           fill=BLACK, closePath=True)  # tip on the left box, base on the right

    d = _read(draw)
    assert _edges(d) == {("L3 interface", "Learning FDB", True)}


def test_a_leader_onto_a_short_link_between_close_boxes_joins_no_nodes():
    """Tables drawn a few points apart have links barely longer than their heads; a callout's
    leader that stops across such a link still ties the callout to the link only."""
    def draw(page):
        _box(page, (40, 100, 110, 140), "Ingress STP")
        _box(page, (126, 100, 196, 140), "Egress STP")
        _arrow(page, (126, 120), (110, 120), size=5)  # 16 pt long, head included
        _box(page, (95, 40, 150, 60), "Metadata")
        page.draw_line((123.0, 60), (123.0, 120), color=GREY, width=1.0)

    d = _read(draw)
    assert _edges(d) == {("Egress STP", "Ingress STP", True)}


def _pc(page, x, y, name="", below=58, wide=50):
    """A Visio stencil's PC as LibreOffice prints it: a background box of the shape's own
    and a dozen overlapping filled pieces (case, screen, keyboard, shading), no outline
    around the whole; the name is printed below it."""
    page.draw_rect(pymupdf.Rect(x, y, x + wide, y + 46), color=None, fill=(0.55, 0.65, 0.85))
    page.draw_rect(pymupdf.Rect(x + 4, y + 2, x + 40, y + 30), color=None, fill=(0.6, 0.6, 0.55))
    page.draw_rect(pymupdf.Rect(x + 8, y + 5, x + 34, y + 25), color=None, fill=(1, 1, 1))
    page.draw_polyline([(x + 40, y + 2), (x + 46, y - 1), (x + 46, y + 27), (x + 40, y + 30)],
                       color=None, fill=(0.4, 0.4, 0.35), closePath=True)
    page.draw_rect(pymupdf.Rect(x + 2, y + 32, x + 48, y + 44), color=None, fill=(0.75, 0.75, 0.7))
    page.draw_rect(pymupdf.Rect(x + 30, y + 36, x + 44, y + 38), color=None, fill=(0, 0, 0))
    page.draw_rect(pymupdf.Rect(x + 44, y + 33, x + 49, y + 42), color=(0, 0.6, 0), width=0.5)
    page.draw_line((x + 10, y + 30), (x + 10, y + 32), color=BLACK, width=0.5)
    if name:
        w = pymupdf.get_text_length(name, fontsize=9)
        page.insert_text((x + 25 - w / 2, y + below), name, fontsize=9)


def test_a_device_drawn_as_many_pieces_is_one_node_named_below():
    """Network drawings built from stencils: each icon is a pile of unlabelled pieces. The
    pile is one node (named by the text below it), and the connectors join the devices, not
    the pieces of one device to each other."""
    def draw(page):
        _pc(page, 40, 40, "h1")
        _pc(page, 40, 140, "h2")
        _pc(page, 300, 90, "s1")
        page.draw_polyline([(90, 60), (200, 60), (200, 110), (300, 110)], color=GREY, width=0.8)
        page.draw_polyline([(90, 160), (200, 160), (200, 125), (300, 125)], color=GREY, width=0.8)

    d = _read(draw, 400, 240)
    assert sorted(n.label for n in d.nodes) == ["h1", "h2", "s1"]
    assert {(d.label_of(e.source), d.label_of(e.target)) for e in d.edges} == {("h1", "s1"), ("h2", "s1")}


def test_in_a_column_of_devices_the_name_below_one_is_not_taken_by_the_next():
    """Names sit below their icons; the name below the upper icon is as close to the top of
    the lower one, which has its own name below."""
    def draw(page):
        for k, name in enumerate(["h4", "h5", "h6"]):
            # a name ends just above the next icon (and the lower icons are looked at first)
            _pc(page, 300, 20 + 61 * k, name, below=60, wide=50 + 3 * k)
            page.draw_line((100, 40 + 61 * k), (300, 40 + 61 * k), color=GREY, width=0.8)
        _box(page, (40, 20, 100, 200), "s2")

    d = _read(draw, 400, 240)
    assert {d.label_of(e.target) for e in d.edges} | {d.label_of(e.source) for e in d.edges} == \
        {"s2", "h4", "h5", "h6"}
    assert sorted(n.label for n in d.nodes) == ["h4", "h5", "h6", "s2"]


def test_clip_art_fills_over_the_item_budget_do_not_blank_the_figure():
    """LibreOffice prints a gradient as dozens of nested polygons of many straight pieces
    each. Over the item budget those fills are read as their boxes (a picture), so the
    boxes and connectors around them are still read, not only the labels."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=200)
    _box(page, (20, 60, 100, 100), "Client")
    _box(page, (280, 60, 360, 100), "Server")
    _arrow(page, (100, 80), (280, 80))
    for k in range(12):  # a shaded disc: 12 rings of 120 segments
        r = 24 - 2 * k
        pts = [(190 + r * math.cos(t * math.pi / 60), 150 + r * math.sin(t * math.pi / 60))
               for t in range(120)]
        page.draw_polyline(pts, color=None, fill=(0.1, 0.3 + 0.05 * k, 0.8), closePath=True)
    assert _edges(_read_over_budget(doc)) == {("Client", "Server", True)}


def test_a_gradient_of_many_small_bands_over_the_item_budget_does_not_blank_the_figure():
    """An EMF gradient painted as thousands of curved bands of a dozen pieces each (the
    antennas of TS 38.300 Figure 4.1-1 as the DOCX ships it: 2,820 bands, 24,166 pieces): the
    bands of one gradient become one box and the links are still read."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=200)
    _box(page, (20, 60, 100, 100), "gNB")
    _box(page, (280, 60, 360, 100), "AMF")
    _arrow(page, (100, 80), (280, 80))
    for k in range(150):  # a shaded mast: 150 thin bands of 12 pieces each, drawn in a run
        y = 120 + 0.4 * k
        pts = [(180 + 2 * t, y + 0.2 * math.sin(t)) for t in range(7)] + \
              [(192 - 2 * t, y + 0.6 + 0.2 * math.sin(t)) for t in range(7)]
        page.draw_polyline(pts, color=None, fill=(0.2, 0.3, 0.4 + 0.003 * k), closePath=True)
    assert _edges(_read_over_budget(doc)) == {("gNB", "AMF", True)}


def _read_over_budget(doc):
    """The diagram of a 400 x 200 page read with a budget of 1000 drawing items, which its
    clip-art exceeds: the geometry must still be read (not truncated to labels)."""
    from dicmodel.describe._geometry.vector import extract_vector, page_inputs

    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    prims = extract_vector(drawings, spans, (0, 0, 400, 200), max_items=1000)
    assert not prims.truncated
    return build_diagram(prims).diagram


def _hollow_diamond(page, top, size=7.0):
    """UML's aggregation end: a small diamond drawn as an outline only (a quad, as the PDF
    of a draw.io drawing has it), its top point on the whole's outline."""
    x, y = top
    q = pymupdf.Quad((x, y), (x + size * 0.3, y + size / 2), (x - size * 0.3, y + size / 2),
                     (x, y + size))
    page.draw_quad(q, color=BLACK, width=0.5)


def test_a_hollow_diamond_end_joins_the_line_to_the_box_it_touches():
    """draw.io's class diagrams: the aggregation line stops at the diamond's far point, a
    diamond length short of the whole; the diamond, not the line, touches the box."""
    def draw(page):
        _box(page, (100, 40, 200, 80), "Group")
        _box(page, (100, 200, 200, 240), "SubGroup")
        _hollow_diamond(page, (150, 80))
        page.draw_line((150, 87), (150, 200), color=GREY, width=0.5)

    d = _read(draw, 300, 300)
    assert {(d.label_of(e.source), d.label_of(e.target)) for e in d.edges} <= \
        {("Group", "SubGroup"), ("SubGroup", "Group")}
    assert len(d.edges) == 1


def test_a_picture_inside_a_container_keeps_its_name_below_it():
    """A picture (an outline with a symbol in it, no words) inside a container, its name
    printed below it near the container's lower edge: the name is the picture's, not the
    container's, and connectors to the picture join the named node."""
    def draw(page):
        page.draw_rect(pymupdf.Rect(200, 30, 330, 130), color=(0.6, 0.6, 0.9), width=0.8)
        page.draw_polyline([(265, 45), (290, 55), (295, 80), (265, 100), (235, 80), (240, 55)],
                           color=None, fill=(0.2, 0.4, 0.9), closePath=True)
        page.draw_rect(pymupdf.Rect(252, 60, 278, 86), color=None, fill=(1, 1, 1))
        w = pymupdf.get_text_length("VolumeSnapshot", fontsize=8)
        page.insert_text((265 - w / 2, 120), "VolumeSnapshot", fontsize=8)
        _box(page, (20, 55, 110, 90), "Backup")
        _arrow(page, (110, 72), (235, 72))

    d = _read(draw, 360, 160)
    assert _edges(d) == {("Backup", "VolumeSnapshot", True)}


def _backed_text(page, x, y, text):
    """A Visio text line as LibreOffice prints it: a white box exactly round the text."""
    w = pymupdf.get_text_length(text, fontsize=9)
    page.draw_rect(pymupdf.Rect(x, y - 8.5, x + w, y + 2.5), color=None, fill=(1, 1, 1))
    page.insert_text((x, y), text, fontsize=9)


def _servers(page, x, y):
    """A stencil of two servers drawn over each other: each an L of two pieces; the second's
    pieces lie over the first's box but touch none of its pieces."""
    grey, dark = (0.75, 0.75, 0.75), (0.3, 0.3, 0.3)
    page.draw_rect(pymupdf.Rect(x, y, x + 30, y + 10), color=None, fill=grey)
    page.draw_rect(pymupdf.Rect(x, y + 5, x + 10, y + 40), color=None, fill=dark)
    page.draw_rect(pymupdf.Rect(x + 15, y + 15, x + 45, y + 25), color=None, fill=grey)
    page.draw_rect(pymupdf.Rect(x + 35, y + 15, x + 45, y + 50), color=None, fill=dark)


def test_stacked_pictures_are_one_device_named_by_backed_text_below():
    """Stencil pictures drawn over one another are one device; its name, printed in white
    boxes that fit each line and overlap the picture's lower edge, is the device's label."""
    def draw(page):
        page.draw_line((122, 70), (122, 150), color=GREY, width=0.8)  # masked under the name
        _servers(page, 100, 20)
        _backed_text(page, 100, 74, "AppSrv.O")
        _backed_text(page, 115, 86, "dd")
        _servers(page, 100, 150)
        _backed_text(page, 100, 204, "T1.AppSrv")

    d = _read(draw, 300, 240)
    assert {(d.label_of(e.source), d.label_of(e.target)) for e in d.edges} in (
        {("AppSrv.O dd", "T1.AppSrv")}, {("T1.AppSrv", "AppSrv.O dd")})


def test_a_filled_diamond_end_points_away_from_its_line_not_sideways():
    """A composition end: a filled diamond drawn as four lines. It has no tip of its own (its
    largest triangle would point sideways, at the multiplicity printed beside it); it points
    away from its line, at the box it sits on."""
    def draw(page):
        _box(page, (100, 40, 200, 80), "Whole")
        _box(page, (100, 200, 200, 240), "Part")
        page.draw_polyline([(152.1, 84), (150, 87.5), (147.9, 84), (150, 80.5)], color=BLACK,
                           fill=BLACK, width=0.5, closePath=True)
        page.draw_line((150, 87.5), (150, 200), color=BLACK, width=0.5)
        _backed_text(page, 156, 89, "1")

    d = _read(draw, 300, 300)
    assert {(d.label_of(e.source), d.label_of(e.target)) for e in d.edges} <= \
        {("Whole", "Part"), ("Part", "Whole")}
    assert len(d.edges) == 1


def test_overlapping_unlabelled_shapes_stay_apart_in_a_raster_reading():
    """Piles of unlabelled pieces are one picture in a vector drawing (stencil clip-art), but a
    raster reading's unlabelled shapes are nodes whose small print OCR missed (a dense
    Graphviz graph's ellipses touch): grouping them cost 18 of 112 nodes on the devset's
    065_bsdkernel raster."""
    from dicmodel.describe._geometry.graph import recover_graph
    from dicmodel.describe._geometry.primitives import Primitives, Shape, Word

    def prims(source: str) -> Primitives:
        p = Primitives(source=source, width=400.0, height=200.0)
        p.shapes = [Shape(kind="ellipse", bbox=(40.0 + 30 * k, 60.0, 90.0 + 30 * k, 90.0))
                    for k in range(4)]
        p.words = [Word(text="kernel", bbox=(300.0, 150.0, 340.0, 160.0), size=10.0)]
        return p

    raster = [n for n in recover_graph(prims("raster")).nodes if not n.is_group]
    assert len(raster) >= 4
    vector = [n for n in recover_graph(prims("vector")).nodes if not n.is_group]
    assert len(vector) < len(raster)


def test_links_between_unnamed_elements_are_not_told_as_a_graph():
    """Device icons drawn as bare outlines with their names elsewhere (ETSI TS 138 300 Figure
    4.7.1-1): every link joins two unnamed elements, and "an unlabelled box connects to an
    unlabelled box" six times says nothing. The figure is told by what can be read (its
    words), not as a graph."""
    centres = [(100 + 80 * k, 120 + (40 if k % 2 else 0)) for k in range(6)]

    def draw(page):
        for x, y in centres:
            page.draw_rect(pymupdf.Rect(x - 14, y - 10, x + 14, y + 10), color=BLACK, width=0.8)
        for a, b in zip(centres, centres[1:] + centres[:1]):
            page.draw_line(a, b, color=GREY, width=0.8)
        for k, name in enumerate(["AMF/UPF", "MME/S-GW", "IAB-donor"]):  # named, unlinked
            _box(page, (100 + 150 * k, 300, 180 + 150 * k, 330), name)

    reading = build_diagram(vector_prims(draw, 600, 400))
    assert reading.figure_type.value == "other" and reading.confidence <= 0.3
    assert any("none of its 6 connections" in w for w in reading.warnings)
    assert all(name in reading.prose for name in ("AMF/UPF", "MME/S-GW", "IAB-donor"))
    assert reading.prose.startswith("A diagram whose links could not be read")


def _tile(page, r, shade):
    """One tile of a gradient painted as pictures (a shaded shape exported as images)."""
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 8, 16), False)
    pix.clear_with(shade)
    page.insert_image(pymupdf.Rect(*r), pixmap=pix)


def _antenna(page, x, y, name):
    """ETSI TS 138 300 Figure 4.1-1's base station: a grey disk, a mast shaded by four
    picture tiles (2 x 2, the lower ones running on behind the name), a small picture on top
    joined to the body by two strokes, and the name printed over the lower tiles."""
    page.draw_oval(pymupdf.Rect(x - 32, y + 16, x + 32, y + 28), color=None, fill=(0.87, 0.87, 0.87))
    for i, (dx, dy) in enumerate(((-13, 0), (0, 0), (-13, 24), (0, 24))):
        _tile(page, (x + dx, y + dy, x + dx + 13, y + dy + 24), 120 + 30 * i)
    page.draw_rect(pymupdf.Rect(x - 6, y, x + 5, y + 24), color=BLACK, width=0.5, radius=0.3)
    _tile(page, (x - 2, y - 16, x + 2, y - 11), 90)
    for dx in (-0.3, 0.3):
        page.draw_line((x + dx, y - 11), (x + dx, y), color=BLACK, width=0.5)
    w = pymupdf.get_text_length(name, fontsize=9)
    page.insert_text((x - w / 2, y + 37), name, fontsize=9)


def test_a_device_shaded_by_picture_tiles_under_its_name_is_one_named_node():
    # (it read as 'an unlabelled ellipse connects to an unlabelled box' many times over: the
    # tile under the name held a word, so the pieces were never taken as one picture, and the
    # tip on its mast made 'gNB connects to an unlabelled box')
    def draw(page):
        _antenna(page, 80, 150, "gNB-1")
        _antenna(page, 320, 150, "gNB-2")
        _pc(page, 175, 20, "AMF")
        page.draw_line((115, 170), (285, 170), color=(0, 0, 0.8), width=1)
        page.draw_line((175, 50), (87, 152), color=(0, 0.6, 0), width=1)
        page.draw_line((225, 50), (313, 152), color=(0, 0.6, 0), width=1)

    d = _read(draw, 400, 240)
    assert sorted(n.label for n in d.nodes) == ["AMF", "gNB-1", "gNB-2"]
    assert {frozenset((d.label_of(e.source), d.label_of(e.target))) for e in d.edges} == \
        {frozenset(p) for p in (("gNB-1", "gNB-2"), ("AMF", "gNB-1"), ("AMF", "gNB-2"))}


def test_a_title_over_a_labelled_link_is_the_title_not_part_of_the_label():
    # PlantUML's use-case charts: the title sits over the top row, within a label's reach
    # of the link between the top boxes (it read 'via "Use Case Diagram: Property Manager
    # client of"'); in a render the title's print size is not known, only where it sits (a
    # vector reading goes by print size alone: the first line of a long transition label over
    # a state chart's top row sits there too)
    def draw(page):
        page.insert_text((120, 36), "Use Case Diagram: Property Manager", fontsize=9)
        _box(page, (40, 42, 140, 72), "NetworkOperator")
        _box(page, (260, 42, 360, 72), "3rd-Party Client")
        _arrow(page, (260, 57), (140, 57))
        page.insert_text((180, 53), "client of", fontsize=9)
        _box(page, (150, 300, 250, 330), "Subscriber")
        _arrow(page, (90, 72), (170, 300))
        page.insert_text((140, 190), "services", fontsize=9)

    prims = vector_prims(draw, 400, 400)
    prims.source = "raster"  # as OCR reads a render: print sizes are the boxes' heights
    for w in prims.words:
        w.size = w.bbox[3] - w.bbox[1]
    d = build_diagram(prims).diagram
    assert d.title == "Use Case Diagram: Property Manager"
    assert {(d.label_of(e.source), d.label_of(e.target), e.label) for e in d.edges} == \
        {("3rd-Party Client", "NetworkOperator", "client of"), ("NetworkOperator", "Subscriber", "services")}


def test_a_link_name_over_small_print_at_the_links_end_names_the_link():
    # the O-RAN E1 drawing (d04_e1-archi): "F1-C" on its tick over the link DU - CU-CP, and
    # right above it in smaller print the address at the link's CU-CP end; the two stacked
    # lines were one block, "local s address:38472 F1-C", that the underscores (drawn as
    # strokes) made an element of its own
    def draw(page):
        _box(page, (20, 100, 80, 130), "DU")
        _box(page, (300, 40, 380, 70), "CU-CP")
        page.draw_line((80, 115), (300, 55), color=BLACK, width=0.8)
        page.draw_line((190, 79), (194, 92), color=BLACK, width=0.8)  # the tick
        page.insert_text((212, 60), "local s address:38472", fontsize=5)
        page.insert_text((214, 70), "F1-C", fontsize=7)
        page.insert_text((84, 126), "to remote n address:38472", fontsize=5)
        for x, y in ((225, 60), (229, 60), (91, 126), (99, 126), (110, 126)):  # the '_' drawn as strokes
            page.draw_line((x, y), (x + 2, y), color=BLACK, width=0.3)

    d = _read(draw, 400, 160)
    assert sorted(n.label for n in d.nodes) == ["CU-CP", "DU"]
    assert len(d.edges) == 1 and "F1-C" in d.edges[0].label


def test_a_text_frame_inside_its_box_names_the_box():
    # TS 23.203 Figure P.4.2.6-1 (Visio through LibreOffice): the SPR box and, 7-8 points
    # inside its sides, the frame of its text block; the connector reaches the outer box, the
    # name sat on the inner one ('An unlabelled box connects to PCRF', SPR left unconnected)
    def draw(page):
        page.draw_rect(pymupdf.Rect(88, 2, 183, 59), color=BLACK, width=0.8)
        _box(page, (95, 2, 175, 59), "SPR")
        _box(page, (148, 120, 333, 160), "PCRF")
        page.draw_polyline([(183, 30), (240, 30), (240, 120)], color=BLACK, width=0.8)

    d = _read(draw, 400, 200)
    assert sorted(n.label for n in d.nodes) == ["PCRF", "SPR"]
    assert {frozenset((d.label_of(e.source), d.label_of(e.target))) for e in d.edges} == {frozenset(("SPR", "PCRF"))}


def test_a_piece_of_line_painted_twice_makes_no_label_an_element():
    # TS 29.244 Figure D.1-1 (EMF): the dashed SMF - PSA1 line has a piece near PSA1 painted a
    # second time; that piece's loose top end made the link's name "N4" an element
    # ('N4 connects to PSA1') beside the real link
    def draw(page):
        _box(page, (250, 10, 310, 35), "SMF")
        _box(page, (240, 100, 320, 130), "PSA1")
        page.draw_line((280, 35), (280, 100), color=BLACK, width=0.8, dashes="[3 2] 0")
        page.draw_line((280, 78), (280, 100), color=BLACK, width=0.8, dashes="[3 2] 0")
        page.insert_text((262, 66), "N4", fontsize=8)

    d = _read(draw, 400, 160)
    assert sorted(n.label for n in d.nodes) == ["PSA1", "SMF"]
    assert [(d.label_of(e.source), d.label_of(e.target), e.label) for e in d.edges] == [("SMF", "PSA1", "N4")]


def test_a_wordless_shape_the_flow_passes_through_is_no_element():
    # a Visio SAI pipeline's demultiplexer: one arrow from 'l2 type table' into an empty
    # trapezoid, labelled arrows out of it to the branch tables; it read "l2 type table leads
    # to an unlabelled box" and the branches from the box
    def draw(page):
        _box(page, (20, 150, 140, 210), "l2 type table")
        page.draw_polyline([(160, 140), (190, 150), (190, 210), (160, 220)], color=(0, 0, 0),
                           closePath=True, width=1)
        _arrow(page, (140, 180), (160, 180))
        for y, name, tag in ((80, "Bridge Port", ".1D"), (180, "RIF", ".1Q"), (280, "Tunnel", ".1R")):
            _box(page, (320, y - 25, 440, y + 25), name)
            _arrow(page, (190, 180 + (y - 180) * 0.2), (320, y))
            page.insert_text((230, 180 + (y - 180) * 0.55 - 6), tag, fontsize=9)
    d = _read(draw)
    assert not any(not n.label for n in d.nodes)
    label = {n.id: n.label for n in d.nodes}
    links = {(label[e.source], label[e.target]) for e in d.edges}
    assert links == {("l2 type table", "Bridge Port"), ("l2 type table", "RIF"),
                     ("l2 type table", "Tunnel")}


def test_transition_triggers_on_white_backgrounds_label_their_arrows():
    # TS 24.301 Figure 6.1.3.3.7.1: two states, an arrow each way; each trigger is printed on
    # a white fill without an outline that hugs its text, one over the upper arrow and one two
    # and a half lines under the lower one. The fills were read as elements ("Unconnected
    # elements: network initiated ESM procedure request ...") and the triggers lost
    def draw(page):
        _two_states(page, ((20, "INACTIVE"), (380, "PENDING")), 200, 100, (110, 190), 70)
        for y, text in ((96, "network initiated request"), (214, "response by the UE")):
            w = pymupdf.get_text_length(text, fontsize=9)
            page.draw_rect(pymupdf.Rect(300 - w / 2 - 1, y - 8, 300 + w / 2 + 1, y + 3),
                           color=None, fill=(1, 1, 1))
            page.insert_text((300 - w / 2, y), text, fontsize=9)
    d = _read(draw)
    assert sorted(n.label for n in d.nodes) == ["INACTIVE", "PENDING"]
    label = {n.id: n.label for n in d.nodes}
    assert {(label[e.source], label[e.target], e.label) for e in d.edges} == {
        ("INACTIVE", "PENDING", "network initiated request"),
        ("PENDING", "INACTIVE", "response by the UE")}


def test_named_diamonds_make_a_flowchart_even_without_heads():
    # the DCAE workflow PNG: its small heads unseen, decisions and branches read as a "network
    # topology ... connects to ... via NO", and the prose said every box was where it starts
    from dicmodel.describe._geometry.classify import build_diagram as build
    from dicmodel.document import FigureType

    def diamond(page, cx, cy, text):
        page.draw_polyline([(cx, cy - 30), (cx + 60, cy), (cx, cy + 30), (cx - 60, cy)],
                           color=BLACK, closePath=True, width=0.8)
        w = pymupdf.get_text_length(text, fontsize=9)
        page.insert_text((cx - w / 2, cy + 3), text, fontsize=9)

    def draw(page):
        _box(page, (240, 20, 360, 60), "Listen")
        diamond(page, 300, 130, "Distributed?")
        diamond(page, 300, 250, "Valid?")
        _box(page, (460, 230, 580, 270), "Report error")
        _box(page, (240, 330, 360, 370), "Deploy")
        page.draw_line((300, 60), (300, 100), color=BLACK, width=0.8)
        page.draw_line((300, 160), (300, 220), color=BLACK, width=0.8)
        page.draw_line((360, 250), (460, 250), color=BLACK, width=0.8)
        page.insert_text((400, 244), "NO", fontsize=9)
        page.draw_line((300, 280), (300, 330), color=BLACK, width=0.8)
        page.insert_text((306, 308), "YES", fontsize=9)
    r = build(vector_prims(draw, 600, 400))
    assert r.figure_type is FigureType.flowchart
    assert "It starts at" not in r.diagram.to_prose()


def test_state_self_loops_keep_their_wide_triggers_and_make_a_state_diagram():
    # TS 24.301 Figure 6.1.3.2.2.1: two named ellipses, an arrow each way, and a U-shaped
    # self-loop under each state whose trigger is printed under the loop, wider than it. The
    # lower trigger was out of reach of the loop (measured from the block's centre and edge
    # midpoints), became the figure's title, the loop had no trigger, the figure was typed
    # flowchart and the loops taken for call-flow messages between missed lifelines (0.45)
    from dicmodel.describe._geometry.classify import build_diagram as build
    from dicmodel.document import FigureType

    def loop(page, x0, y0):
        # out of the ellipse's bottom and back in, an arrowhead at the end
        pts = [(x0, y0), (x0 + 8, y0 + 22), (x0 + 18, y0 + 34), (x0 + 30, y0 + 36),
               (x0 + 40, y0 + 28), (x0 + 44, y0 + 12)]
        page.draw_polyline(pts[:-1], color=BLACK, width=0.8)
        _arrow(page, pts[-2], (x0 + 46, y0 + 1))

    def draw(page):
        _two_states(page, ((40, "INACTIVE"), (360, "ACTIVE")), 160, 60, (118, 142), 50)
        page.insert_text((230, 112), "ACTIVATE ACCEPT", fontsize=9)
        page.insert_text((230, 156), "DEACTIVATE ACCEPT", fontsize=9)
        loop(page, 90, 158)
        loop(page, 410, 158)
        page.insert_text((50, 212), "ACTIVATE REJECT or MODIFY REJECT", fontsize=9)
        page.insert_text((340, 212), "MODIFY ACCEPT including cause value /= 43", fontsize=9)
    r = build(vector_prims(draw, 600, 260))
    assert r.figure_type is FigureType.state
    assert r.diagram.title in (None, "")
    label = {n.id: n.label for n in r.diagram.nodes}
    assert {(label[e.source], label[e.target], e.label) for e in r.diagram.edges} == {
        ("INACTIVE", "ACTIVE", "ACTIVATE ACCEPT"), ("ACTIVE", "INACTIVE", "DEACTIVATE ACCEPT"),
        ("INACTIVE", "INACTIVE", "ACTIVATE REJECT or MODIFY REJECT"),
        ("ACTIVE", "ACTIVE", "MODIFY ACCEPT including cause value /= 43")}
    assert r.confidence >= 0.8


def test_a_bullseye_that_an_arrow_leaves_is_no_end_marker():
    # NIST SP 800-207 Figure 11: a person pictogram's head (a ring round a dot) with an arrow
    # leaving it read as a state machine's end marker, and the figure as "a state diagram ...
    # From end, the machine goes to ...". An end marker takes arrows in; one that only sends
    # them out is some picture's dot, and leaves the graph with its lines
    from dicmodel.describe._geometry.classify import build_diagram as build
    from dicmodel.document import FigureType

    def draw(page, ring_out: bool):
        _box(page, (40, 60, 160, 100), "Client")
        _box(page, (360, 60, 480, 100), "Server")
        _arrow(page, (160, 80), (360, 80))
        page.draw_circle((420, 200), 9, color=BLACK, width=1.0)
        page.draw_circle((420, 200), 5, color=BLACK, fill=BLACK)
        if ring_out:
            _arrow(page, (420, 190), (420, 100))  # from the ring up into Server
        else:
            _arrow(page, (420, 100), (420, 190))  # from Server down into the ring
    out = build(vector_prims(lambda p: draw(p, True), 600, 260))
    assert out.figure_type is not FigureType.state
    assert not any(n.shape in ("end", "start") for n in out.diagram.nodes)
    kept = build(vector_prims(lambda p: draw(p, False), 600, 260))  # a true end marker stays
    assert any(n.shape == "end" for n in kept.diagram.nodes)


def _can(page, x0, x1, top, bottom, lid=12.0):
    """A PowerPoint can: the body (sides from the lid's middle, arcs below) and its lighter
    lid, an ellipse drawn over it: two paths."""
    mid = top + lid / 2
    k = 0.55 * lid / 2
    shape = page.new_shape()
    shape.draw_line((x0, mid), (x0, bottom))
    shape.draw_bezier((x0, bottom), (x0, bottom + k), (x1, bottom + k), (x1, bottom))
    shape.draw_line((x1, bottom), (x1, mid))
    shape.draw_bezier((x1, mid), (x1, mid + k), (x0, mid + k), (x0, mid))
    shape.finish(color=GREY, fill=(0.65, 0.65, 0.65), width=0.8, closePath=True)
    shape.commit()
    page.draw_oval(pymupdf.Rect(x0, top, x1, top + lid), color=GREY, fill=(0.8, 0.8, 0.8), width=0.8)


def test_a_can_drawn_as_body_and_lid_is_one_node_with_its_whole_name():
    """Text wrapped into the lid ("Invento" / "ry Repo") is the can's: the lid is no node of
    its own, and the arrow from the can's side leaves the can."""
    def draw(page):
        _can(page, 40, 100, 60, 140)
        page.insert_text((50, 70), "Invento", fontsize=9)
        page.insert_text((50, 95), "ry Repo", fontsize=9)
        _box(page, (220, 80, 320, 120), "edgeconfig")
        _arrow(page, (100, 100), (220, 100))

    d = _read(draw)
    assert [n.label for n in d.nodes if n.label.startswith("Invento")] == ["Invento ry Repo"]
    assert _edges(d) == {("Invento ry Repo", "edgeconfig", True)}


def test_an_unnamed_dashed_group_is_named_by_the_label_just_beside_it():
    """PowerPoint's text box right of a dashed container names it; a label beside a plain box
    stays a note, and one a connector passes is not taken."""
    def draw(page):
        _box(page, (60, 30, 160, 60), "Controller")
        page.insert_text((175, 48), "Off-Switch", fontsize=9)
        page.draw_rect(pymupdf.Rect(40, 80, 180, 260), color=BLACK, width=0.8, dashes="[3 2] 0")
        _box(page, (60, 100, 160, 140), "Agent")
        _box(page, (60, 200, 160, 240), "SDK")
        _arrow(page, (110, 60), (110, 100))
        _arrow(page, (110, 140), (110, 200))
        page.insert_text((190, 200), "On-Switch", fontsize=9)

    d = _read(draw)
    assert [g.label for g in d.groups] == ["On-Switch"]
    assert {d.label_of(m) for m in d.groups[0].members} == {"Agent", "SDK"}
    assert "Off-Switch" in d.notes


def _brace(page, x, top, bottom, tip=4.0):
    """A right curly bracket '}' from ``top`` to ``bottom`` at ``x``, its point at ``x + tip``
    half-way down: one stroked path of lines and little curves, as PowerPoint draws it."""
    mid, c = (top + bottom) / 2, tip / 2
    shape = page.new_shape()
    shape.draw_bezier((x, top), (x + c, top), (x + c, top), (x + c, top + c))
    shape.draw_line((x + c, top + c), (x + c, mid - c))
    shape.draw_bezier((x + c, mid - c), (x + c, mid), (x + c, mid), (x + tip, mid))
    shape.draw_bezier((x + tip, mid), (x + c, mid), (x + c, mid), (x + c, mid + c))
    shape.draw_line((x + c, mid + c), (x + c, bottom - c))
    shape.draw_bezier((x + c, bottom - c), (x + c, bottom), (x + c, bottom), (x, bottom))
    shape.finish(color=BLACK, width=1.0, closePath=False)
    shape.commit()


def test_a_curly_bracket_between_two_boxes_is_no_link():
    """TS-style slides put '} gNMI' beside the links between two tiers: the bracket spans the
    gap from one box to the other and is no connector; its name is a note."""
    def draw(page):
        _box(page, (60, 40, 300, 90), "Service Orchestration")
        _box(page, (60, 150, 140, 190), "SD-RAN")
        _box(page, (220, 150, 300, 190), "SD-Core")
        _arrow(page, (100, 90), (100, 150))
        _arrow(page, (260, 90), (260, 150))
        _brace(page, 300, 92, 148)
        page.insert_text((310, 123), "gNMI", fontsize=9)

    d = _read(draw)
    assert _edges(d) == {("Service Orchestration", "SD-RAN", True),
                         ("Service Orchestration", "SD-Core", True)}
    assert "gNMI" in d.notes


def test_a_connector_that_detours_round_a_box_is_still_a_link():
    """The same narrow, sideways shape with its far side held along the whole run is a line
    routed round something, not a bracket."""
    def draw(page):
        _box(page, (60, 40, 160, 80), "Alpha")
        _box(page, (60, 200, 160, 240), "Beta")
        page.draw_polyline([(160, 60), (170, 60), (170, 220)], color=BLACK, width=0.8)
        _arrow(page, (170, 220), (160, 220))

    d = _read(draw)
    assert _edges(d) == {("Alpha", "Beta", True)}


def test_a_message_that_hops_over_a_lifeline_is_no_bracket():
    """TS 38.300 16.21.3.1-1 draws messages that jump the middle lifeline with a little arc:
    narrow, its bump in the middle third, but running on the line of its ends."""
    from dicmodel.describe._geometry.vector import _brace

    line = [(100.0, 200.0), (245.0, 200.0)]
    hop = [(245 + 5 * (1 - math.cos(math.pi * k / 8)), 200 - 5 * math.sin(math.pi * k / 8))
           for k in range(9)]
    assert not _brace(line + hop + [(400.0, 200.0)])
    # the same span drawn as a bracket
    brace = [(100.0, 200.0), (102.0, 198.0), (102.0, 198.0), (248.0, 198.0), (250.0, 195.0),
             (252.0, 198.0), (398.0, 198.0), (400.0, 200.0)]
    assert _brace([(y, x) for x, y in brace])  # (turned upright, as drawn beside a span)
    assert _brace(brace)


def test_a_subscript_joins_its_word():
    """TS 38.300 6.1-3 writes UE with a smaller, lower "n": sorted by line it fell a row apart
    and "n connects to QoS flow handling"; small print elsewhere on the line stays apart."""
    from dicmodel.describe._geometry.vector import _words
    from dicmodel.document import BBox, TextSpan

    def span(text, x0, y0, x1, y1, size):
        return TextSpan(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), size=size)

    spans = [span("Access link UE", 421.5, 502.7, 449.9, 507.0, 4.3),
             span("n", 449.9, 504.4, 451.4, 507.3, 2.8),
             span("Backhaul link", 207.2, 502.6, 232.3, 506.9, 4.3),
             span("UE", 100.0, 300.0, 106.0, 304.3, 4.3),
             span("1", 106.1, 299.0, 107.5, 302.0, 2.8),  # a superscript
             span("x", 140.0, 301.0, 141.5, 304.0, 2.8)]  # small print a gap away
    assert sorted(w.text for w in _words(spans)) == ["Access link UEn", "Backhaul link", "UE1", "x"]


def test_a_speck_of_closed_outline_is_no_element():
    """TS 23.203 S.8.2's dashed PLMN boundary ends in a piece of its rounded corner closed on
    itself, 4 x 1.4 points: an "unlabelled box" that the boundary joined to the "HPLMN" label.
    A small ring (a junction, 6 points across) is still one."""
    def draw(page):
        _box(page, (60, 60, 160, 100), "HPLMN")
        page.draw_oval(pymupdf.Rect(300, 200, 304, 201.4), color=BLACK, width=0.5)
        page.draw_oval(pymupdf.Rect(300, 300, 306, 306), color=BLACK, width=0.5)

    prims = vector_prims(draw, 600, 400)
    small = sorted(round(s.bbox[2] - s.bbox[0]) for s in prims.shapes if s.bbox[2] - s.bbox[0] < 20)
    assert small == [6]


def test_a_loop_back_into_a_wordless_junction_passes_through_it_too():
    # TS-style SAI egress: 'Egress RIF' into an empty demultiplexer, and 'Port' (one of its
    # branches) looping back into it; with two arrows in, the junction stayed an unlabelled
    # element with five links
    def draw(page):
        _box(page, (20, 150, 140, 210), "Egress RIF")
        page.draw_polyline([(160, 140), (190, 150), (190, 210), (160, 220)], color=BLACK,
                           closePath=True, width=1)
        _arrow(page, (140, 180), (160, 180))
        for y, name in ((80, "Bridge Port"), (280, "Port")):
            _box(page, (320, y - 25, 440, y + 25), name)
            _arrow(page, (190, 180 + (y - 180) * 0.2), (320, y))
        page.draw_line((380, 305), (380, 340), color=BLACK, width=0.8)
        page.draw_line((380, 340), (175, 340), color=BLACK, width=0.8)
        _arrow(page, (175, 340), (175, 217))
    d = _read(draw)
    assert sorted(n.label for n in d.nodes) == ["Bridge Port", "Egress RIF", "Port"]
    label = {n.id: n.label for n in d.nodes}
    assert {(label[e.source], label[e.target]) for e in d.edges} == {
        ("Egress RIF", "Bridge Port"), ("Egress RIF", "Port"), ("Port", "Bridge Port")}


@pytest.mark.parametrize("rotate", [90, 270])
def test_a_label_turned_a_quarter_reads_its_lines_in_order(rotate):
    # a Visio 'Packet type / {MC,UNI}' trapezoid drawn sideways read "{MC,UNI} Packet type":
    # turned clockwise the lines of a label stack right to left, the other way left to right
    def draw(page):
        _box(page, (20, 100, 120, 160), "L3 table")
        page.draw_rect(pymupdf.Rect(200, 60, 250, 200), color=BLACK, width=0.8)
        first, second = (236, 238) if rotate == 270 else (214, 212)
        # (insert_text's point is the start of the baseline: the top for text turned
        # clockwise, the bottom for text turned the other way)
        y = 90 if rotate == 270 else 170
        page.insert_text((first, y), "Packet type", fontsize=9, rotate=rotate)
        page.insert_text((first - 12 if rotate == 270 else first + 12, y), "{MC,UNI}", fontsize=9, rotate=rotate)
        _arrow(page, (120, 130), (200, 130))
        # (most of the figure's text is level: the figure is not read turned as a whole)
        for k, name in enumerate(("MC FDB table", "Unknown multicast")):
            _box(page, (330, 40 + 100 * k, 450, 100 + 100 * k), name)
            _arrow(page, (250, 100 + 60 * k), (330, 70 + 100 * k))
    d = _read(draw)
    assert "Packet type {MC,UNI}" in {n.label for n in d.nodes}


def test_a_name_on_the_foot_of_its_shape_takes_its_second_line_from_under_it():
    # a Visio users icon: "125" centred over the foot of the picture, "Users" just under it;
    # they read as two elements, "125" and "Users"
    def draw(page):
        _box(page, (20, 40, 120, 80), "AppStd")
        page.draw_rect(pymupdf.Rect(240, 40, 280, 82), color=None, fill=(0.2, 0.2, 0.6))
        w = pymupdf.get_text_length("125", fontsize=9)
        page.insert_text((260 - w / 2, 83), "125", fontsize=9, color=(1, 1, 1))
        w = pymupdf.get_text_length("Users", fontsize=9)
        page.insert_text((260 - w / 2, 94), "Users", fontsize=9)
        _arrow(page, (120, 60), (240, 60))
    d = _read(draw, 400, 160)
    assert sorted(n.label for n in d.nodes) == ["125 Users", "AppStd"]


def test_a_deck_of_cards_is_that_many_copies_of_its_top_card():
    # ONAP's policy framework (draw.io): six 'PDPs' cards stacked with a diagonal step, the
    # text of all but the top one hidden under the next, a double-headed arrow from PAP to
    # each; the hidden cards were read as clip-art, "PAP connects to an unlabelled element"
    def draw(page):
        _box(page, (20, 150, 100, 180), "PAP")
        pink = (0.97, 0.81, 0.8)
        for k in range(4):
            x, y = 200 + 6 * k, 60 + 6 * k
            page.draw_rect(pymupdf.Rect(x, y, x + 60, y + 24), color=(0.7, 0.3, 0.3), fill=pink, width=0.8)
        page.insert_text((218 + 18, 60 + 18 + 16), "PDPs", fontsize=9)
        for k in range(4):  # (each to its card's bottom edge, clear of the card over it)
            _arrow(page, (100, 165), (203 + 6 * k, 84 + 6 * k))
    d = _read(draw, 400, 200)
    assert sorted(n.label for n in d.nodes) == ["PAP", "PDPs", "PDPs", "PDPs", "PDPs"]
    label = {n.id: n.label for n in d.nodes}
    assert len({e.target for e in d.edges}) == 4
    assert all(label[e.source] == "PAP" and label[e.target] == "PDPs" for e in d.edges)


def test_cards_of_a_deck_whose_names_all_show_keep_one_name_each():
    # TS 23.203 Figure 7.6-1: three PCRF boxes stacked with a step, each name showing; the
    # front card (the smallest) holds every name's middle and read "PCRF PCRF PCRF"
    def draw(page):
        _box(page, (20, 100, 100, 130), "DRA")
        for k, w in enumerate((62, 61, 60)):
            x, y = 200 + 8 * k, 60 + 8 * k
            page.draw_rect(pymupdf.Rect(x, y, x + w, y + 24), color=BLACK, fill=(0.9, 0.9, 1.0), width=0.8)
            page.insert_text((x + 20, y + 16), "PCRF", fontsize=8)
        _arrow(page, (100, 115), (216, 100))
    d = _read(draw, 400, 200)
    assert sorted(n.label for n in d.nodes) == ["DRA", "PCRF", "PCRF", "PCRF"]


def test_a_line_between_two_cards_of_a_deck_is_no_link_between_copies():
    # ONAP's PDP stack: a double-headed arrow from PAP ends where one card's edge meets the
    # next, and its other end was snapped to a card too: 'PDPs is linked both ways with PDPs'
    from dicmodel.describe._geometry.graph import _N, _Chain, _not_between_copies

    cards = [_N(bbox=(200 + 6 * k, 60 + 6 * k, 260 + 6 * k, 84 + 6 * k), kind="rect") for k in range(3)]
    for c in cards:
        c.deck = cards
    other = [_N(bbox=(200, 120, 260, 144), kind="rect"), _N(bbox=(20, 150, 100, 180), kind="rect")]
    nodes = [*other, *cards]
    line = _Chain(points=[(0.0, 0.0), (1.0, 1.0)], dashed=False)
    edges = [(1, 2, line, ""), (2, 4, line, ""), (3, 4, line, ""), (0, 1, line, "")]
    assert _not_between_copies(edges, nodes) == [(1, 2, line, ""), (0, 1, line, "")]


def _named_tick(page, a, b, name, at, size=8):
    """A reference point's tick from a to b and its name written at ``at``."""
    page.draw_line(a, b, color=BLACK, width=0.4)
    page.insert_text(at, name, fontsize=size)


def test_a_reference_points_name_at_its_ticks_end_names_the_line_the_tick_marks():
    # TS 23.203 Figure P.4.2.2-1: "S9" written over the top of a long tick (2.5 text heights)
    # on the V-PCRF - H-PCRF line, nearer to the RCAF - H-PCRF line above than to its own
    # line; it was loose, then read as the RCAF link's ("Np S9")
    def draw(page):
        _box(page, (20, 150, 120, 190), "V-PCRF")
        _box(page, (200, 100, 320, 190), "H-PCRF")
        _box(page, (20, 118, 100, 142), "RCAF")
        page.draw_line((120, 170), (200, 170), color=BLACK, width=0.6)
        _named_tick(page, (140, 158), (140, 183), "S9", (134, 150))  # the long tick
        page.draw_line((100, 130), (200, 130), color=BLACK, width=0.6)
        _named_tick(page, (180, 125), (180, 135), "Np", (174, 122))
    d = _read(draw, 400, 220)
    label = {n.id: n.label for n in d.nodes}
    assert {(frozenset((label[e.source], label[e.target])), e.label) for e in d.edges} == {
        (frozenset(("V-PCRF", "H-PCRF")), "S9"), (frozenset(("RCAF", "H-PCRF")), "Np")}


def test_a_link_named_at_both_ticks_is_named_once():
    # TS 38.300 Figure 4.10.1-1: each NG-C line carries a tick and "NG-C" near both ends;
    # the link read 'via "NG-C NG-C"'
    def draw(page):
        _box(page, (20, 80, 100, 140), "Femto node")
        _box(page, (340, 60, 380, 200), "5GC")
        page.draw_line((100, 110), (340, 110), color=BLACK, width=0.6)
        for x in (140, 300):
            _named_tick(page, (x, 104), (x, 116), "NG-C", (x - 8, 101))
    d = _read(draw, 400, 220)
    assert [e.label for e in d.edges] == ["NG-C"]


def test_a_name_given_by_its_tick_counts_when_the_other_names_are_given_out():
    # d04 E1 architecture: "NG-U/N3" is given to its line by the tick; the CU-UP address at
    # the foot of the E1AP line then went to the NG-U/N3 line, which looked unlabelled
    def draw(page):
        _box(page, (200, 20, 260, 45), "CU-CP")
        _box(page, (200, 100, 260, 125), "CU-UP")
        _box(page, (340, 100, 400, 125), "UPF")
        page.draw_line((230, 45), (230, 100), color=BLACK, width=0.6)
        _named_tick(page, (225, 72), (235, 72), "E1AP", (238, 75), size=7)
        page.insert_text((232, 58), "ipv4_cucp:38462", fontsize=5)
        page.insert_text((232, 97), "ipv4_cuup:38462", fontsize=5)
        page.draw_line((260, 112), (340, 112), color=BLACK, width=0.6)
        _named_tick(page, (300, 107), (300, 117), "NG-U/N3", (290, 105), size=7)
    d = _read(draw, 420, 140)
    label = {n.id: n.label for n in d.nodes}
    got = {frozenset((label[e.source], label[e.target])): e.label for e in d.edges}
    assert got[frozenset(("CU-UP", "UPF"))] == "NG-U/N3"
    assert "ipv4_cuup:38462" in got[frozenset(("CU-CP", "CU-UP"))]
