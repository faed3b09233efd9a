"""Whole figures that a vector-only reader lost: captioned figures typed 'logo' and dropped,
labels painted as bitmap masks (ETSI), a raster diagram under a vector frame, lettering drawn
as glyph outlines, one-row drawings under 40 pt, drawings over ``max_items``.

Every figure is generated (``dicmodel._pdfgen.mixed_figures_pdf`` and the helpers below)."""

from __future__ import annotations

import pytest

from dicmodel.describe.base import FigureRequest
from dicmodel.describe.structural import StructuralDescriber
from dicmodel.document import BBox, Description, Figure, FigureKind, FigureType, TextSpan
from dicmodel.export.markdown import figure_markdown, to_markdown

pymupdf = pytest.importorskip("pymupdf")


@pytest.fixture(scope="module")
def mixed_doc():
    pytest.importorskip("rapidocr")
    from dicmodel import convert
    from dicmodel._pdfgen import mixed_figures_pdf

    gen = mixed_figures_pdf()
    return gen, convert(gen.data)


def _labels(fig: Figure) -> set[str]:
    d = fig.description.diagram
    return {n.label for n in d.nodes} if d is not None else set()


# ---- no captioned figure dropped, never 'logo' with a caption ------------------------------------

def test_markdown_keeps_a_captioned_figure_described_as_logo():
    fig = Figure(id="f1", page=1, bbox=BBox(x0=0, y0=0, x1=90, y1=90), kind=FigureKind.vector,
                 caption="Figure 3: Dual connectivity",
                 description=Description(text="A logo.", figure_type=FigureType.logo))
    assert "Figure 3: Dual connectivity" in figure_markdown(fig)
    uncaptioned = fig.model_copy(update={"caption": None})
    assert figure_markdown(uncaptioned) == ""  # a bare logo is still left out


def test_chunks_keep_a_captioned_figure_described_as_logo():
    from dicmodel.document import Block, BlockType, Document, Page

    fig = Figure(id="f1", page=1, bbox=BBox(x0=0, y0=0, x1=90, y1=90), kind=FigureKind.vector,
                 caption="Figure 3: Dual connectivity",
                 description=Description(text="A logo.", figure_type=FigureType.logo))
    bare = fig.model_copy(update={"id": "f2", "caption": None})
    doc = Document(source="x.pdf", sha256="0", pages=[Page(number=1, width=100, height=100)],
                   figures=[fig, bare],
                   blocks=[Block(type=BlockType.figure, page=1, bbox=f.bbox, order=k, figure_id=f.id)
                           for k, f in enumerate((fig, bare))])
    texts = [c.text for c in doc.chunks()]
    assert any("Dual connectivity" in t for t in texts)
    assert len([c for c in doc.chunks() if c.metadata.get("figure_id")]) == 1


def test_structural_never_types_a_captioned_figure_logo():
    # wordless art: two rings (the reader calls such art a logo)
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_circle((150, 150), 30, color=(0, 0, 1), width=3)
    page.draw_circle((190, 150), 30, color=(1, 0, 0), width=3)
    from dicmodel.describe._geometry.vector import page_inputs

    drawings, _ = page_inputs(page)
    bbox = BBox(x0=115, y0=115, x1=225, y1=185)
    d = StructuralDescriber(ocr="none")
    [bare] = d.describe([FigureRequest("a", kind=FigureKind.vector, bbox=bbox, drawings=drawings)])
    [named] = d.describe([FigureRequest("b", kind=FigureKind.vector, bbox=bbox, drawings=drawings,
                                        caption="Figure 3: Dual connectivity")])
    assert bare.figure_type is FigureType.logo
    assert named.figure_type is FigureType.other
    assert "logo" not in named.text.lower()
    assert any("not 'logo'" in w for w in named.warnings)


def test_every_captioned_figure_reaches_the_markdown(mixed_doc):
    gen, doc = mixed_doc
    md = to_markdown(doc)
    assert len(doc.figures) == len(gen.truth.figures) == 3
    for truth in gen.truth.figures:
        assert truth.caption in md
    assert all(f.description.figure_type is not FigureType.logo for f in doc.figures)


# ---- mixed figures ------------------------------------------------------------------------------

def test_bitmap_mask_labels_are_read_and_merged(mixed_doc):
    gen, doc = mixed_doc
    fig = next(f for f in doc.figures if f.caption.startswith("Figure 1"))
    assert fig.kind is FigureKind.mixed
    assert not fig.spans  # no text in the PDF: every label is a 1-bit image mask
    assert _labels(fig) == set(gen.truth.figures[0].labels)
    edges = {(e.source, e.target) for e in fig.description.diagram.edges}
    ids = {n.label: n.id for n in fig.description.diagram.nodes}
    assert (ids["Transform"], ids["Mapping"]) in edges and (ids["IFFT"], ids["Insertion"]) in edges


def test_raster_diagram_under_a_vector_frame_is_read(mixed_doc):
    gen, doc = mixed_doc
    fig = next(f for f in doc.figures if f.caption.startswith("Figure 2"))
    assert fig.kind is FigureKind.mixed
    assert set(gen.truth.figures[1].labels) <= _labels(fig)
    assert len(fig.description.diagram.edges) >= 3
    assert not fig.description.diagram.groups  # the thin frame is the picture's border


def _glyph_outline_page():
    """Boxes joined by an arrow whose labels are drawn as filled glyph outlines (no text)."""
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")
    from PIL import Image, ImageDraw, ImageFont

    doc = pymupdf.open()
    page = doc.new_page()
    font = ImageFont.load_default(size=60)
    for k, (word, x) in enumerate((("Gateway", 100), ("Server", 300))):
        page.draw_rect((x, 100, x + 150, 160), color=(0, 0, 0), width=1)
        img = Image.new("L", (300, 90), 255)
        ImageDraw.Draw(img).text((10, 5), word, font=font, fill=0)
        contours, _ = cv2.findContours(255 - np.asarray(img), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        s = 0.2  # 60 px letters -> 12 pt
        for c in contours:
            pts = [(x + 12 + float(p[0][0]) * s, 112 + float(p[0][1]) * s) for p in c]
            if len(pts) >= 3:
                page.draw_polyline(pts, color=None, fill=(0, 0, 0), closePath=True)
    page.draw_line((250, 130), (292, 130), color=(0, 0, 0))
    page.draw_polyline([(300, 130), (292, 126), (292, 134)], color=(0, 0, 0), fill=(0, 0, 0), closePath=True)
    return doc, page


def test_lettering_drawn_as_outlines_is_read_from_the_crop():
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry.vector import page_inputs

    _doc, page = _glyph_outline_page()
    clip = (90, 90, 460, 170)
    drawings, spans = page_inputs(page, clip)
    assert not spans
    png = page.get_pixmap(dpi=150, clip=clip).tobytes("png")
    req = FigureRequest("g", image=png, kind=FigureKind.vector, bbox=BBox.of(clip), drawings=drawings)
    [d] = StructuralDescriber().describe([req])
    labels = {n.label for n in d.diagram.nodes}
    assert {"Gateway", "Server"} <= labels
    assert len(d.diagram.nodes) == 2  # the letters' outlines left the geometry
    assert [(e.source, e.target) for e in d.diagram.edges] == [
        (next(n.id for n in d.diagram.nodes if n.label == "Gateway"),
         next(n.id for n in d.diagram.nodes if n.label == "Server"))]


# ---- ingest and reading bugs ---------------------------------------------------------------------

def _row(page, top: float, height: float, arrows: bool) -> None:
    for k in range(4):
        x = 80 + k * 120
        page.draw_rect((x, top, x + 80, top + height), color=(0, 0, 0), width=0.8)
        page.insert_text((x + 10, top + height / 2 + 3), f"Stage {k}", fontsize=9)
        if k and arrows:
            page.draw_line((x - 40, top + height / 2), (x - 6, top + height / 2), color=(0, 0, 0))
            page.draw_polyline([(x, top + height / 2), (x - 7, top + height / 2 - 3),
                                (x - 7, top + height / 2 + 3)], color=(0, 0, 0), fill=(0, 0, 0),
                               closePath=True)


@pytest.mark.parametrize("height", [31.0, 36.0])
def test_a_one_row_drawing_under_40pt_is_a_figure(height):
    from dicmodel.ingest import ingest
    from dicmodel.ingest.options import IngestOptions

    doc = pymupdf.open()
    page = doc.new_page()
    _row(page, 100, height, arrows=True)
    _row(page, 300, height, arrows=False)  # boxes side by side with nothing joining them
    found = ingest(doc.tobytes(), IngestOptions(render_crops=False)).figures
    assert len(found) == 1
    assert found[0].bbox.y0 < 150 and found[0].bbox.height < 40


def test_a_drawing_over_max_items_keeps_its_pdf_text():
    np = pytest.importorskip("numpy")
    pytest.importorskip("cv2")
    from tests._raster_draw import canvas, png

    drawings = [{"type": "s", "color": (0, 0, 0), "width": 1.0, "rect": (x, 10.0, x + 1, 11.0),
                 "items": [("l", (x, 10.0), (x + 1, 11.0))]} for x in np.arange(0, 300, 0.5)]
    spans = [TextSpan(text="Core Network", bbox=BBox(x0=20, y0=40, x1=90, y1=50)),
             TextSpan(text="Radio Access", bbox=BBox(x0=150, y0=40, x1=220, y1=50))]
    req = FigureRequest("t", image=png(canvas(600, 120)), kind=FigureKind.vector,
                        bbox=BBox(x0=0, y0=0, x1=300, y1=60), drawings=drawings, spans=spans)
    [d] = StructuralDescriber(ocr="none", max_items=100).describe([req])
    assert "Core Network" in d.text and "Radio Access" in d.text


def test_bitmap_lettering_above_a_drawing_joins_its_figure():
    """ETSI call flows: the actors' names are bitmap masks some way above the arrows."""
    from dicmodel._pdfgen import _arrow, _mask_label
    from dicmodel.ingest import ingest
    from dicmodel.ingest.options import IngestOptions

    doc = pymupdf.open()
    page = doc.new_page()
    _mask_label(doc, page, (100, 100, 160, 115), "UE")
    _mask_label(doc, page, (400, 100, 480, 115), "ProSe Function")
    _arrow(page, (130, 150), (440, 150))
    _arrow(page, (440, 180), (130, 180))
    page.insert_text((100, 230), "Figure 7.2.6-1: UE-initiated deregistration", fontsize=9)
    [fig] = ingest(doc.tobytes(), IngestOptions(render_crops=False)).figures
    assert fig.kind is FigureKind.mixed
    assert fig.bbox.y0 <= 106 and fig.bbox.x1 >= 470  # both names are inside the figure
    assert sum(1 for d in fig.drawings if d.get("role") == "text") == 2


def _picture_page(pixels: tuple[int, int], label_inside: bool = False) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", pixels, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, pixels[0] - 20, pixels[1] - 20), outline="black", width=4)
    buf = __import__("io").BytesIO()
    img.save(buf, "PNG")
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image((100, 100, 460, 325), stream=buf.getvalue())  # 360 x 225 pt
    if label_inside:  # a text label sticking out of the picture makes the figure larger
        page.insert_text((90, 96), "eNB", fontsize=9)
    page.insert_text((100, 345), "Figure 1: A raster diagram", fontsize=9)
    return doc.tobytes()


@pytest.mark.parametrize("label_inside", [False, True])
def test_a_raster_figure_is_read_at_its_own_resolution(label_inside):
    from PIL import Image

    from dicmodel.ingest import ingest

    [fig] = ingest(_picture_page((1200, 750), label_inside)).figures  # 240 dpi embedded
    w, h = Image.open(__import__("io").BytesIO(fig.image)).size
    if not label_inside:
        assert (w, h) == (1200, 750)  # the embedded image itself
    else:
        assert abs(w / fig.bbox.width * 72 - 240) < 3  # rendered at the picture's resolution


def test_a_coarse_picture_is_still_rendered_at_the_crop_dpi():
    from PIL import Image

    from dicmodel.ingest import ingest

    [fig] = ingest(_picture_page((300, 188))).figures  # 60 dpi embedded
    w, _ = Image.open(__import__("io").BytesIO(fig.image)).size
    assert abs(w - 360 / 72 * 150) <= 2


# ---- prose by figure type ------------------------------------------------------------------------

def test_prose_fits_the_figure_type():
    from dicmodel.diagram import Diagram, Edge, Node

    nodes = [Node(id="a", label="Router A"), Node(id="b", label="Switch")]
    link = [Edge(source="a", target="b", label="eth0", directed=True)]
    for kind in ("topology", "architecture"):
        text = Diagram(kind=kind, nodes=nodes, edges=link).to_prose()
        assert 'Router A connects to Switch via "eth0".' in text
        assert "when" not in text and "leads to" not in text
    flow = Diagram(kind="flowchart", nodes=[Node(id="a", label="Check"), Node(id="b", label="Retry")],
                   edges=[Edge(source="a", target="b", label="failed", directed=True)]).to_prose()
    assert 'Check leads to Retry when "failed".' in flow
    state = Diagram(kind="state", nodes=[Node(id="i", label="Idle"), Node(id="c", label="Connected")],
                    edges=[Edge(source="i", target="c", label="attach", directed=True)]).to_prose()
    assert 'From Idle, on "attach" the machine goes to Connected.' in state


def test_the_demo_topology_is_a_topology_not_a_flowchart():
    from dicmodel import convert
    from dicmodel._pdfgen import sample_report

    doc = convert(sample_report().data, describer_options={"ocr": "none"})
    fig = next(f for f in doc.figures if f.kind is FigureKind.vector and "topology" in (f.caption or ""))
    assert fig.description.figure_type is FigureType.topology
    assert 'Router A connects to Switch via "eth0"' in fig.description.text
    assert "leads to" not in fig.description.text


def test_a_labelled_flowchart_stays_a_flowchart():
    from dicmodel.describe._geometry.classify import _network_like
    from dicmodel.describe._geometry.graph import _N

    steps = [_N(bbox=(0, 0, 10, 10), kind="rect", label=t) for t in ("Start", "Validate", "Store")]
    assert not _network_like(steps, [(0, 1, None, "ok"), (1, 2, None, "valid")])
    devices = [_N(bbox=(0, 0, 10, 10), kind="rect", label=t) for t in ("gNB", "AMF", "UPF")]
    assert _network_like(devices, [(0, 1, None, "N2"), (0, 2, None, "N3")])
    assert _network_like(devices, [(0, 1, None, "N2"), (0, 2, None, "")])  # devices + one interface


# ---- reading bugs of real figures (graph engine) ---------------------------------------------------

def test_pale_activation_bars_are_not_fork_bars():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(40, 40, 140, 80, "Client")
    f.box(300, 40, 400, 80, "Server")
    f.box(200, 120, 208, 220, fill=(0.95, 0.95, 0.95))  # an activation bar: pale, tall, thin
    f.arrow((140, 60), (300, 60))
    f.arrow((90, 80), (90, 170), (200, 170))
    shapes = {n.shape for n in read(f).diagram.nodes}
    assert "fork" not in shapes
    g = Fig()  # the same figure with a solid black bar is a fork/join
    g.box(40, 40, 140, 80, "Client")
    g.box(300, 40, 400, 80, "Server")
    g.box(200, 120, 208, 220, fill=(0, 0, 0))
    g.arrow((140, 60), (300, 60))
    g.arrow((90, 80), (90, 170), (200, 170))
    assert "fork" in {n.shape for n in read(g).diagram.nodes}


def test_service_access_point_dots_are_not_state_markers():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    layers = ["Application", "Transport", "Network"]
    for k, name in enumerate(layers):
        f.box(100, 60 + 50 * k, 400, 100 + 50 * k, name)
        if k:  # SAPs: small black dots on the boundary between two layers
            for x in (180, 250, 320):
                f.circle(x, 60 + 50 * k - 5, 3, fill=(0, 0, 0))
    f.arrow((40, 80), (100, 80))  # one link from outside, so the figure is a graph
    r = read(f)
    assert r.figure_type is not FigureType.state
    assert not any(n.shape == "start" for n in r.diagram.nodes)


def test_an_edge_ending_on_a_subgraph_border_is_attached_to_the_subgraph():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(250, 60, 520, 260)  # the subgraph's outline
    f.text("Core", 385, 72)
    f.box(253, 140, 353, 180, "AMF")  # an inner node 3 pt inside the left border
    f.box(400, 140, 500, 180, "SMF")
    f.box(40, 140, 140, 180, "gNB")
    f.arrow((140, 160), (250, 160))  # stops on the subgraph's border, just before the AMF
    d = read(f).diagram
    group = next(g for g in d.groups if g.label == "Core")
    [edge] = d.edges
    assert d.label_of(edge.source) == "gNB" and edge.target == group.id


# ---- honest non-graph figures ----------------------------------------------------------------------

def test_a_tdd_slot_chart_is_a_chart_not_a_flowchart():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    for k, slot in enumerate("DDDSUDDDSU"):  # ten touching slots of a TDD pattern
        f.box(40 + 40 * k, 100, 80 + 40 * k, 130, slot)
    f.arrow((40, 160), (240, 160), tail=True)  # a span marker: "0.5 ms slot"
    f.text("5 ms period", 140, 175)
    r = read(f)
    assert r.figure_type is FigureType.chart
    assert r.confidence < 0.5
    assert "leads to" not in r.prose and "slot" in r.prose


def test_a_timeline_axis_with_ticks_is_a_chart():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.arrow((40, 200), (560, 200))  # the time axis
    for k in range(6):
        f.page.draw_line((60 + 90 * k, 196), (60 + 90 * k, 204), color=(0, 0, 0))
        f.text(f"{k * 10} ms", 60 + 90 * k, 215)
    f.box(60, 120, 240, 150, "Attach")  # phases drawn as boxes above the axis
    f.box(240, 120, 420, 150, "Session setup")
    f.arrow((150, 150), (150, 196))
    r = read(f)
    assert r.figure_type is FigureType.chart
    assert '"Attach"' in r.prose and "tick labels" in r.prose


def test_a_shaded_illustration_gets_no_graph_prose():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    for k in range(48):  # a gradient: bands of slowly changing colour, no outlines
        c = 0.2 + 0.015 * k
        f.page.draw_rect((100 + 6 * k, 100, 106 + 6 * k, 220), color=None, fill=(c, c, 0.9))
    for k, name in enumerate(("Radome", "Feed horn", "Reflector")):  # callouts beside it
        f.text(name, 460, 120 + 40 * k)
    r = read(f)
    assert r.figure_type is FigureType.other
    assert r.prose.startswith('An illustration with labels: "Radome"') and "leads to" not in r.prose


def test_shaded_device_icons_in_a_network_keep_the_graph_with_a_doubt():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    for x, name in ((60, "Server A"), (360, "Server B")):
        for k in range(24):  # each icon shaded in bands, its name inside it
            c = 0.3 + 0.02 * k
            f.page.draw_rect((x, 100 + 4 * k, x + 120, 104 + 4 * k), color=None, fill=(c, c, c + 0.05))
        f.box(x, 100, x + 120, 196, name)
    f.arrow((180, 148), (360, 148), head=False)
    r = read(f)
    assert r.figure_type is not FigureType.other and r.confidence <= 0.45
    assert any("shaded" in w for w in r.warnings)


def test_graphs_keep_their_reading():
    """The features must not touch an ordinary flowchart with a few numbers in it."""
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(50, 40, 150, 80, "Start")
    f.box(50, 160, 150, 200, "Retry 3")
    f.box(250, 160, 350, 200, "Done")
    f.arrow((100, 80), (100, 160))
    f.arrow((150, 180), (250, 180))
    r = read(f)
    assert r.figure_type is FigureType.flowchart and r.confidence > 0.5


def test_markdown_marks_low_confidence_figures():
    fig = Figure(id="f", page=1, bbox=BBox(x0=0, y0=0, x1=90, y1=90), kind=FigureKind.vector,
                 caption="Figure 9: TDD pattern",
                 description=Description(text="A chart with labels: \"D\".", figure_type=FigureType.chart,
                                         confidence=0.3, warnings=[("not read as a graph: a row of "
                                                                    "10 adjacent slots")]))
    md = figure_markdown(fig)
    assert "*(low confidence 0.30: not read as a graph: a row of 10 adjacent slots)*" in md
    sure = fig.model_copy(update={"description": fig.description.model_copy(update={"confidence": 0.9})})
    assert "low confidence" not in figure_markdown(sure)


def _icon_row(f) -> None:
    """Six icons drawn from shapes (a box, a disc on top, a bar inside), joined left to right."""
    for k in range(6):
        x = 40 + 90 * k
        f.box(x, 100, x + 30, 140)
        f.circle(x + 15, 90, 6)
        f.box(x + 5, 110, x + 25, 115)
        if k:
            f.arrow((x - 60, 120), (x, 120), head=False)


def test_many_unlabelled_elements_cap_the_confidence():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    _icon_row(f)  # icons drawn from shapes, joined by links, named by one caption each
    f.text("Core network", 300, 40)
    r = read(f)
    assert r.confidence <= 0.45
    # no link reaches a named element: not told as a graph at all, its words are listed
    assert r.figure_type is FigureType.other
    assert any("none of its 5 connections" in w for w in r.warnings)


def test_a_small_graph_of_mostly_unnamed_elements_is_doubted():
    # NIST SP 800-207 Figure 11 (raster): two databases and five pieces of people-and-computer
    # pictograms, linked: 2 of 7 elements named, read at 0.62. Under 40 % named among five or
    # more elements caps the confidence as ten or more under 30 % always did
    from dicmodel.describe._geometry.nongraph import Features, judge

    v = judge(Features(nodes=7, edges=8, labelled=2 / 7, named_links=0.5, n_words=4))
    assert v.figure_type is None and v.cap <= 0.45
    assert any("2" in d or "29 %" in d for d in v.doubts)
    assert judge(Features(nodes=7, edges=8, labelled=3 / 7, named_links=0.9, n_words=6)).cap == 1.0
    assert judge(Features(nodes=4, edges=3, labelled=0.25, named_links=0.7, n_words=2)).cap == 1.0


def test_a_graph_whose_links_mostly_join_unnamed_elements_is_not_told_as_one():
    # NIST SP 800-207 Figure 8 (raster): people and routers round an "Internet" cloud; the
    # links were read between the pictures: 3 of 5 join two unnamed elements, 3 of 7 named.
    # Half or fewer blind links (Figure 11 above) stay a doubted graph
    from dicmodel.describe._geometry.nongraph import Features, judge

    v = judge(Features(nodes=7, edges=5, labelled=3 / 7, named_links=0.4, n_words=5))
    assert v.figure_type is FigureType.other and "3 of its 5 connections" in v.reason
    assert judge(Features(nodes=7, edges=5, labelled=4 / 7, named_links=0.4, n_words=5)).figure_type is None
    assert judge(Features(nodes=7, edges=3, labelled=3 / 7, named_links=0.0, n_words=5)).figure_type is None


def test_the_clip_of_an_embedded_page_is_honoured():
    """A call flow placed as an embedded page with a clip: its lifelines run on to the bottom
    of the source page, hidden by the clip; the figure and its drawings stop at the clip."""
    from dicmodel._pdfgen import call_flow
    from dicmodel.ingest import ingest
    from dicmodel.ingest.options import IngestOptions

    src = pymupdf.open()
    sp = src.new_page(width=595, height=842)
    bbox, _ = call_flow(sp, 40)
    for x in (110, 297.5, 485):  # the lifelines run on far below the chart
        sp.draw_line((x, bbox[3]), (x, 800), color=(0.3, 0.3, 0.3), width=0.8)
    doc = pymupdf.open()
    page = doc.new_page()
    shown = pymupdf.Rect(60, 100, 560, 100 + 500 * (bbox[3] + 5 - 30) / 535)
    page.show_pdf_page(shown, src, 0, clip=pymupdf.Rect(50, 30, 585, bbox[3] + 5))
    page.insert_text((60, shown.y1 + 20), "Figure 1: Attach", fontsize=9)
    [fig] = ingest(doc.tobytes(), IngestOptions(render_crops=False)).figures
    assert fig.bbox.y1 <= shown.y1 + 5  # (without the clip: ~ 800 pt)
    assert all(d["rect"][3] <= shown.y1 + 5 for d in fig.drawings)


def test_a_protocol_stack_with_a_peer_arrow_is_a_stack():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(100, 30, 220, 60, "User Plane PDUs")
    for k, layer in enumerate(("GTP-U", "UDP", "IP", "Data Link Layer", "Physical Layer")):
        f.box(100, 110 + 30 * k, 220, 140 + 30 * k, layer)
    f.arrow((160, 60), (160, 110), tail=True)
    r = read(f)
    assert r.figure_type is FigureType.protocol_stack
    # top to bottom as drawn: the peer box above the stack first (it came last before, so the
    # prose said "from top to bottom: GTP-U, ..., Physical Layer and User Plane PDUs")
    assert [n.label for n in r.diagram.nodes] == ["User Plane PDUs", "GTP-U", "UDP", "IP",
                                                  "Data Link Layer", "Physical Layer"]


def test_clips_cut_strokes_and_leave_fills_whole():
    from dicmodel.describe._geometry.pdfplain import honour_clips

    page_fill = {"type": "f", "level": 1, "rect": (0.0, 0.0, 600.0, 800.0), "fill": (0.9, 0.9, 0.9),
                 "items": [("re", (0.0, 0.0, 600.0, 800.0), -1)]}
    line = {"type": "s", "level": 1, "width": 0.0, "rect": (20.0, 0.0, 20.0, 800.0),
            "items": [("l", (20.0, 0.0), (20.0, 800.0))]}
    after = {"type": "s", "level": 0, "width": 0.0, "rect": (5.0, 500.0, 90.0, 500.0),
             "items": [("l", (5.0, 500.0), (90.0, 500.0))]}  # painted after the clip is gone
    out = honour_clips([{"type": "clip", "level": 0, "scissor": (10.0, 10.0, 50.0, 30.0)},
                        page_fill, line, after])
    assert out[0] is page_fill  # a cell's shading painted as a clipped page fill: a background
    assert out[1]["items"][0][1][1] == pytest.approx(9.5) and out[1]["items"][0][2][1] == pytest.approx(30.5)
    assert out[2] is after


def test_a_clipped_outline_keeps_only_the_sides_the_clip_shows():
    # draw.io's SVG, converted to PDF, strokes a frame 30 pt round its clipped canvas: cut as
    # an area it became a box the size of the clip, a container named after a nearby label
    from dicmodel.describe._geometry.pdfplain import honour_clips

    frame = {"type": "s", "level": 1, "width": 1.0, "rect": (-30.0, -30.0, 130.0, 80.0),
             "items": [("re", (-30.0, -30.0, 130.0, 80.0), 1)]}
    half = {"type": "s", "level": 1, "width": 1.0, "rect": (50.0, 10.0, 150.0, 40.0),
            "items": [("re", (50.0, 10.0, 150.0, 40.0), 1)]}
    out = honour_clips([{"type": "clip", "level": 0, "scissor": (0.0, 0.0, 100.0, 50.0)}, frame, half])
    assert len(out) == 1  # the frame shows nothing
    sides = out[0]["items"]
    assert all(it[0] == "l" for it in sides) and len(sides) == 3  # top, bottom and the left side
    assert max(max(it[1][0], it[2][0]) for it in sides) == pytest.approx(101.5)


def test_self_loops_cap_the_confidence():
    from dicmodel.describe._geometry.nongraph import Features, judge

    v = judge(Features(nodes=3, edges=2, self_loops=2, n_words=5))
    assert v.figure_type is None and v.cap <= 0.45 and "loop back" in v.doubts[0]
    assert judge(Features(nodes=3, edges=4, self_loops=1, n_words=5)).cap == 1.0


def test_a_call_flow_with_long_message_labels_is_a_figure():
    from dicmodel._pdfgen import _arrow, _box
    from dicmodel.ingest import ingest
    from dicmodel.ingest.options import IngestOptions

    doc = pymupdf.open()
    page = doc.new_page()
    xs = (110, 480)
    for x, name in zip(xs, ("UE", "AMF")):
        _box(page, (x - 28, 80, x + 28, 102), name)
        page.draw_line((x, 102), (x, 300), color=(0.3, 0.3, 0.3), width=0.8, dashes="[3 2] 0")
    texts = ["Registration Request with the SUCI and the requested network slice list",
             "Authentication Request carrying the RAND and AUTN values for the UE",
             "Authentication Response carrying the RES star value computed by the USIM",
             "Registration Accept with the allowed slices and the new 5G GUTI assigned"]
    for k, text in enumerate(texts):
        a, b = (0, 1) if k % 2 == 0 else (1, 0)
        _arrow(page, (xs[a], 130 + 40 * k), (xs[b], 130 + 40 * k), text)
    page.insert_text((110, 330), "Figure 4: Registration", fontsize=9)
    figs = ingest(doc.tobytes(), IngestOptions(render_crops=False)).figures
    assert len(figs) == 1 and figs[0].bbox.y0 <= 82


def test_stacks_whose_layers_talk_to_their_peers_are_a_protocol_stack():
    """3GPP's protocol stack figures: stacks side by side in named boxes, a two-headed arrow
    from each layer to the layer of the same name in the other stack. They were typed
    flowchart with 'NAS leads to NAS' prose; they are stacks with peer layers."""
    from dicmodel._prose import diagram_prose
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(20, 20, 200, 300)
    f.text("UE", 40, 35)
    f.box(360, 20, 540, 300)
    f.text("gNB", 385, 35)
    layers = ("RRC", "PDCP", "RLC", "MAC", "PHY")
    for k, layer in enumerate(layers):
        y = 60 + 45 * k
        f.box(50, y, 170, y + 30, layer)
        f.box(390, y, 510, y + 30, layer)
        f.arrow((170, y + 15), (390, y + 15), tail=True)
    r = read(f)
    assert r.figure_type is FigureType.protocol_stack
    groups = {g.label: [r.diagram.label_of(m) for m in g.members] for g in r.diagram.groups}
    assert groups == {"UE": list(layers), "gNB": list(layers)}
    text = diagram_prose(r.diagram)
    assert "UE has, from top to bottom: RRC, PDCP, RLC, MAC and PHY." in text
    assert "talks to its peer: RRC between UE and gNB, PDCP between UE and gNB" in text
    assert "leads to" not in text


def test_a_reference_point_tick_joins_nothing_and_its_name_labels_the_link():
    """TS 38.401 / TikZ style: a short tick across a link, the reference point's name at one
    end of it and an address at the other. The tick made the two texts nodes linked to each
    other ('NG-C/N2 connects to GNB_IPV4_ADDRESS'); the name labels the link it crosses."""
    from dicmodel._prose import diagram_prose
    from tests.test_structural_engine import Fig, read

    f = Fig()
    f.box(40, 100, 140, 140, "CU-CP")
    f.box(400, 100, 500, 140, "AMF")
    f.box(40, 260, 140, 300, "CU-UP")
    f.arrow((140, 120), (400, 120), head=False)
    f.arrow((90, 140), (90, 260), head=False)
    f.page.draw_line((270, 115), (270, 125), color=(0, 0, 0), width=0.8)  # the tick
    f.text("NG-C/N2", 270, 108, size=8)
    f.text("ADDRESS_FOR_NG_AMF:38412", 270, 133, size=7)
    r = read(f)
    labels = {(r.diagram.label_of(e.source), r.diagram.label_of(e.target)): e.label
              for e in r.diagram.edges}
    assert set(labels) == {("CU-CP", "AMF"), ("CU-CP", "CU-UP")}
    assert "NG-C/N2" in labels[("CU-CP", "AMF")]
    assert "NG-C/N2 connects to" not in diagram_prose(r.diagram)


def test_dashed_messages_drawn_dash_by_dash_are_messages():
    """Word/LibreOffice draw the dashed lines of EMF call flows (TS 38.300 Figure 7.3-1) as one
    stroke per dash; each dash alone joined nothing, so only the solid messages were read."""
    from tests.test_structural_engine import Fig, read

    f = Fig(400, 330)
    for x, name in ((60, "UE"), (300, "gNB")):
        f.box(x - 25, 10, x + 25, 30, name)
        f.page.draw_line((x, 30), (x, 320), color=(0, 0, 0), width=0.7)
    f.arrow((300, 60), (60, 60))
    f.text("MIB", 180, 52, size=8)
    for k, y in enumerate((100, 140, 180, 220)):
        for x in range(70, 290, 8):  # 4 pt dashes, 4 pt gaps, each its own stroke
            f.page.draw_line((x, y), (x + 4, y), color=(0, 0, 0), width=0.7)
        f.head((61, y), (70, y))
        f.text(f"SIB{k + 2}", 180, y - 8, size=8)
    # a label with underscores drawn as strokes (spaced by its words) stays text
    f.text("GNB_IPV4_ADDRESS_FOR_NG", 180, 300, size=7)
    for x in (158, 170, 199, 214):
        f.page.draw_line((x, 302), (x + 1.6, 302), color=(0, 0, 0), width=0.5)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    names = {n.id: n.label for n in r.diagram.nodes}
    got = [(names[m.source], names[m.target], m.text) for m in r.diagram.messages]
    assert got == [("gNB", "UE", "MIB")] + [("gNB", "UE", f"SIB{k}") for k in range(2, 6)]


def test_underscores_drawn_as_strokes_are_no_dashed_line():
    from dicmodel.describe._geometry.primitives import Path
    from dicmodel.describe._geometry.vector import join_dash_rows

    words = [Path(points=[(x, 50.0), (x + 1.6, 50.0)]) for x in (10, 22, 51, 66, 90)]
    assert join_dash_rows(list(words)) == words
    dashes = [Path(points=[(x, 80.0), (x + 4.0, 80.0)]) for x in range(0, 80, 8)]
    [line] = join_dash_rows(dashes)
    assert line.dashed and line.points == [(-4.0, 80.0), (80.0, 80.0)]  # ends within a gap


def test_an_arrow_painted_twice_is_one_message():
    """EMF call flows (TS 23.203 Figure 7.7.2-2) paint each arrow as a stroke and again as a
    thin fill with its head: each message was read twice, the copy without text ('H-PCRF sends
    a message to GW(BBERF)'). An arrow off the figure's edge goes to a party the chart does not
    draw, said as such."""
    from tests.test_structural_engine import Fig, read

    f = Fig(420, 260)
    xs = (80, 220, 360)
    for x, name in zip(xs, ("GW", "V-PCRF", "H-PCRF")):
        f.box(x - 35, 10, x + 35, 30, name)
        f.page.draw_line((x, 30), (x, 250), color=(0.5, 0.5, 0.5), width=0.6)
    for y, a, b, text in ((80, 360, 80, "2. Termination"), (200, 80, 360, "6. Termination Ack")):
        f.arrow((a, y), (b, y))
        d = 1 if b > a else -1
        # the same line again as a thin filled outline ending in its head
        f.page.draw_rect(pymupdf.Rect(min(a, b - 8 * d), y - 0.4, max(a, b - 8 * d), y + 0.4),
                         color=None, fill=(0, 0, 0))
        f.text(text, 220, y - 8, size=8)
    f.arrow((80, 130), (2, 130))  # to a party outside the figure
    f.text("4. Removal Request", 40, 122, size=7)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    names = {n.id: n.label for n in r.diagram.nodes}
    assert [(names[m.source], names[m.target], m.text) for m in r.diagram.messages] == [
        ("H-PCRF", "GW", "2. Termination"), ("GW", "Off-figure party (left)", "4. Removal Request"),
        ("GW", "H-PCRF", "6. Termination Ack")]


def test_a_label_longer_than_its_short_arrow_inside_a_frame_is_its_text():
    """TS 23.214 Figure 6.3.3.2-1: an Sx request between two neighbouring lifelines, its label
    three times the arrow's length, on the first line of a frame: the label went to the notes
    as the frame's header and the message had no text."""
    from tests.test_structural_engine import Fig, read

    f = Fig(520, 260)
    xs = (60, 180, 300, 360)
    for x, name in zip(xs, ("UE", "MME", "PGW-C", "PGW-U")):
        f.box(x - 26, 10, x + 26, 30, name, size=8)
        f.page.draw_line((x, 30), (x, 250), color=(0, 0, 0), width=0.6)
    f.arrow((60, 60), (180, 60))
    f.text("1. Attach", 120, 53, size=8)
    f.page.draw_rect(pymupdf.Rect(40, 100, 500, 180), color=(0, 0, 0), width=0.8)  # a frame
    f.arrow((300, 116), (360, 116))
    f.page.insert_text((305, 113), "3. Sx Session Establishment Request", fontsize=8)
    f.arrow((360, 150), (300, 150))
    f.page.insert_text((305, 147), "4. Sx Session Establishment Response", fontsize=8)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    names = {n.id: n.label for n in r.diagram.nodes}
    got = [(names[m.source], names[m.target], m.text) for m in r.diagram.messages]
    assert ("PGW-C", "PGW-U", "3. Sx Session Establishment Request") in got


def test_few_labelled_elements_cap_the_confidence_when_some_links_reach_them():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    _icon_row(f)  # the same icons; every other one carries its name, so every link is named
    for x, name in ((47, "AMF"), (227, "SMF"), (407, "UPF")):
        f.text(name, x, 132)
    f.text("Core network", 300, 40)
    r = read(f)
    assert r.figure_type is not FigureType.other
    assert r.confidence <= 0.45
    assert any("carry a label" in w for w in r.warnings)


def test_one_named_link_among_blind_ones_is_not_told_as_a_graph():
    from tests.test_structural_engine import Fig, read

    f = Fig()
    _icon_row(f)  # the same icons; only the first carries its name: one link of five named
    f.text("AMF", 47, 132)
    f.text("Core network", 300, 40)
    r = read(f)
    assert r.figure_type is FigureType.other and r.confidence <= 0.45
    assert any("join two unlabelled elements" in w for w in r.warnings)


def _reference_model(row: bool):
    """A TS 23.214-style reference model: two gateways linked by Sxa (a tick across the link,
    the line split at the tick as Visio leaves it), S11 and S4 stubs up from the upper one to
    elements the figure does not draw, each marked by a tick; ``row``: three more stubs
    (Gx, Gy, Gz) whose ticks are one stroke across all three."""
    from tests.test_structural_engine import Fig

    f = Fig(420, 330)
    f.box(60, 120, 180, 170, "SGW-C")
    f.box(60, 250, 180, 300, "SGW-U")
    f.arrow((120, 170), (120, 210), head=False)  # Sxa, split at its tick
    f.arrow((120, 210), (120, 250), head=False)
    f.page.draw_line((114, 210), (126, 210), color=(0, 0, 0), width=0.8)
    f.text("Sxa", 95, 213, size=9)
    for x, name in ((80, "S11"), (160, "S4")):
        f.arrow((x, 120), (x, 40), head=False)
        f.page.draw_line((x - 6, 70), (x + 6, 70), color=(0, 0, 0), width=0.8)
        f.text(name, x - 28, 73, size=9)
    if row:
        f.box(260, 120, 380, 170, "PGW-C")
        for x in (290, 320, 350):
            f.arrow((x, 120), (x, 40), head=False)
        f.page.draw_line((282, 80), (358, 80), color=(0, 0, 0), width=0.8)  # three ticks, one stroke
        for x, name in ((290, "Gx"), (320, "Gy"), (350, "Gz")):
            f.text(name, x - 6, 68, size=9)
    return f


def test_reference_point_stubs_towards_elements_not_drawn_are_named_links_not_nodes():
    """TS 23.214 Figure 4.2.1-1: a reference point that leaves a node and ends on nothing
    (S11 towards an MME the figure does not draw) was read as a link to its name ('S11
    connects to SGW-C'), or dropped as a loose line. It is the node's reference point: a link
    to an element not shown, labelled with the name by its tick."""
    from dicmodel._prose import diagram_prose
    from tests.test_structural_engine import read

    r = read(_reference_model(row=False))
    d = r.diagram
    names = {n.label for n in d.nodes if n.shape != "external"}
    assert names == {"SGW-C", "SGW-U"}
    links = {(d.label_of(e.source), d.label_of(e.target)): e.label for e in d.edges
             if d.node(e.source).shape != "external" and d.node(e.target).shape != "external"}
    assert list(links.values()) == ["Sxa"]
    stubs = sorted(e.label for e in d.edges if "external" in (d.node(e.source).shape, d.node(e.target).shape))
    assert stubs == ["S11", "S4"]
    text = diagram_prose(d)
    assert 'SGW-C has reference points "S11" and "S4" towards elements not shown.' in text
    assert "1 connection and 2 reference points" in text
    assert "S11 connects" not in text and "connects to S11" not in text
    assert r.diagram.to_mermaid().count('((" "))') == 2


def test_a_tick_of_nearly_two_line_heights_still_marks_its_link():
    """TS 23.203 Figure P.4.2.6-1 (Visio): the ticks of Sp and Sd are 15 points long, about 1.7
    line heights of its text; at most 1.5 they were taken for strokes of their own and their
    names became loose elements."""
    from tests.test_structural_engine import Fig, read

    f = Fig(400, 260)
    f.box(40, 20, 140, 60, "SPR", size=7)
    f.box(150, 150, 330, 190, "PCRF", size=7)
    f.page.draw_polyline([(140, 40), (240, 40), (240, 150)], color=(0, 0, 0), width=0.8)
    f.page.draw_line((200, 32), (200, 48), color=(0, 0, 0), width=0.8)  # a 16-point tick
    f.text("Sp", 196, 25, size=7)
    r = read(f)
    assert sorted(n.label for n in r.diagram.nodes) == ["PCRF", "SPR"]
    assert [(r.diagram.label_of(e.source), r.diagram.label_of(e.target), e.label)
            for e in r.diagram.edges] == [("SPR", "PCRF", "Sp")]


def test_a_row_of_ticks_drawn_as_one_stroke_marks_each_line_it_crosses():
    from tests.test_structural_engine import read

    r = read(_reference_model(row=True))
    d = r.diagram
    stubs = {e.label for e in d.edges if "external" in (d.node(e.source).shape, d.node(e.target).shape)}
    assert {"Gx", "Gy", "Gz"} <= stubs
    assert not any(n.label in ("Gx", "Gy", "Gz") for n in d.nodes)


def test_a_line_through_an_er_diagrams_bar_markers_is_no_row_of_ticks():
    """Crow's-foot bars are strokes of tick size across a relationship line: the line is the
    relationship between the two entities, not a row of ticks."""
    from tests.test_structural_engine import Fig, read

    f = Fig(420, 200)
    f.box(40, 80, 140, 120, "ORDER")
    f.box(280, 80, 380, 120, "ITEM")
    f.arrow((140, 100), (280, 100), head=False)
    for x in (148, 152, 270):
        f.page.draw_line((x, 93), (x, 107), color=(0, 0, 0), width=0.8)
    r = read(f)
    d = r.diagram
    assert [(d.label_of(e.source), d.label_of(e.target)) for e in d.edges] in (
        [("ORDER", "ITEM")], [("ITEM", "ORDER")])
    assert not any(n.shape == "external" for n in d.nodes)


def test_a_label_just_beside_a_drawing_joins_its_figure():
    """PowerPoint text boxes right of a drawing ("On-Switch" beside a dashed group) are the
    figure's, not body text; a line of the next column, a gutter away, is not."""
    from dicmodel._pdfgen import _arrow
    from dicmodel.ingest import ingest
    from dicmodel.ingest.options import IngestOptions

    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(60, 100, 200, 300), color=(0, 0, 0), width=0.8, dashes="[3 2] 0")
    for y, name in ((120, "Agent"), (240, "SDK")):
        page.draw_rect(pymupdf.Rect(80, y, 180, y + 40), color=(0, 0, 0), width=0.8)
        page.insert_text((110, y + 24), name, fontsize=9)
    _arrow(page, (130, 160), (130, 240))
    page.insert_text((204, 200), "On-Switch", fontsize=11)
    page.insert_text((330, 150), "Body text of the next", fontsize=11)
    page.insert_text((60, 330), "Figure 1: The switch stack", fontsize=9)
    [fig] = ingest(doc.tobytes(), IngestOptions(render_crops=False)).figures
    assert fig.bbox.x1 >= 250  # the label is inside the figure
    assert fig.bbox.x1 < 330  # the next column's line is not


def test_two_stacks_in_one_node_box_each_under_its_heading_are_two_stacks():
    """TS 38.300 Figure 4.7.2-1: IAB-node 1's box holds its IAB-DU's and its IAB-MT's layers,
    side by side under the two headings, its name printed over the box. Read as one stack
    they came out 'IAB-DU has: BAP, BAP, RLC, RLC, ...' and the peer lines ran between the
    wrong stacks."""
    from dicmodel._prose import diagram_prose
    from tests.test_structural_engine import Fig, read

    f = Fig(560, 300)
    f.text("IAB-node", 110, 14, size=11)
    f.box(20, 24, 200, 290)
    f.text("IAB-DU", 65, 40, size=9)
    f.text("IAB-MT", 155, 40, size=9)
    f.text("IAB-donor", 450, 14, size=11)
    f.box(360, 24, 540, 290)
    f.text("DU", 450, 40, size=9)
    layers = ("BAP", "RLC", "MAC", "PHY")
    for k, layer in enumerate(layers):
        y = 120 + 40 * k
        f.box(30, y, 100, y + 28, layer)
        f.box(120, y, 190, y + 28, layer)
        f.box(410, y, 490, y + 28, layer)
        f.arrow((190, y + 14), (410, y + 14), head=False)
    r = read(f)
    assert r.figure_type is FigureType.protocol_stack
    groups = {g.label: [r.diagram.label_of(m) for m in g.members] for g in r.diagram.groups
              if g.members}
    assert groups == {"IAB-node IAB-DU": list(layers), "IAB-node IAB-MT": list(layers),
                      "IAB-donor DU": list(layers)}
    text = diagram_prose(r.diagram)
    assert "BAP between IAB-node IAB-MT and IAB-donor DU" in text
    assert "IAB-node IAB-DU and IAB-donor" not in text
