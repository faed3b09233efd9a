"""A figure's colour key is read as its legend, not as unconnected elements."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel._prose import diagram_prose  # noqa: E402
from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from dicmodel.describe._geometry.legend import colour_name  # noqa: E402
from _vector_draw import vector_prims  # noqa: E402

BLACK = (0, 0, 0)
GREEN = (0.0, 0.69, 0.31)
YELLOW = (1.0, 0.75, 0.0)
PURPLE = (0.44, 0.19, 0.63)


def _pipeline(page, legend=(("bridge", GREEN), ("router", YELLOW), ("tunnel", PURPLE)),
              stages=(("Port", GREEN), ("FDB", GREEN), ("LPM", YELLOW), ("Neigh", YELLOW))):
    """A pipeline of coloured stages, and a colour key in the corner no arrow reaches."""
    for k, (name, colour) in enumerate(stages):
        x = 20 + 100 * k
        page.draw_rect(pymupdf.Rect(x, 120, x + 70, 160), color=BLACK, fill=colour)
        page.insert_text((x + 8, 144), name, fontsize=10)
        if k:
            page.draw_line((x - 30, 140), (x, 140), color=BLACK)
            page.draw_polyline([(x - 6, 136), (x, 140), (x - 6, 144)], color=BLACK, fill=BLACK,
                               closePath=True)
    page.insert_text((330, 104), "legend", fontsize=9)  # its title, under the key
    for k, (name, colour) in enumerate(legend):
        y = 40 + 18 * k
        page.draw_rect(pymupdf.Rect(330, y, 390, y + 16), color=None, fill=colour)
        page.insert_text((336, y + 12), name, fontsize=9)


def _read(draw):
    return build_diagram(vector_prims(draw, 420, 200), None)


def test_a_colour_key_is_the_legend_and_says_which_elements_carry_each_colour():
    r = _read(_pipeline)
    d = r.diagram
    legend = [g for g in d.groups if g.id == "legend"]
    assert len(legend) == 1
    assert {"bridge", "router", "tunnel"} <= {d.label_of(m) for m in legend[0].members}
    note = next(n for n in d.notes if n.startswith("Legend:"))
    assert "bridge (green): Port, FDB" in note and "router (yellow): LPM, Neigh" in note
    assert "tunnel (purple)" in note
    text = diagram_prose(d)
    assert "Unconnected elements" not in text and "Legend contains" not in text
    # the entries stay elements of the figure (they are its labelled shapes)
    assert {"bridge", "router", "tunnel"} <= {n.label for n in d.nodes}
    assert len(d.edges) == 3


def test_boxes_whose_colours_key_nothing_are_not_a_legend():
    # the same column of boxes, but no stage wears their colours: loose elements, no key
    grey = (0.8, 0.8, 0.8)

    def draw(page):
        _pipeline(page, stages=(("Port", grey), ("FDB", grey), ("Router", grey)))

    d = _read(draw).diagram
    assert not [g for g in d.groups if g.id == "legend"]
    assert not any(n.startswith("Legend:") for n in d.notes)


def test_two_unlike_loose_boxes_in_a_row_are_not_a_key():
    # a tall black table and a small grey port whose link was not read (a LibreOffice render
    # of a Visio pipeline): colours that recur, but no key
    black, grey = (0.05, 0.05, 0.05), (0.5, 0.5, 0.5)

    def draw(page):
        _pipeline(page, legend=(), stages=(("ACL", black), ("Port M", grey), ("Trap", black)))
        page.draw_rect(pymupdf.Rect(300, 20, 340, 80), color=None, fill=black)
        page.insert_text((304, 50), "ACL2", fontsize=9, color=(1, 1, 1))
        page.draw_rect(pymupdf.Rect(360, 40, 400, 60), color=None, fill=grey)
        page.insert_text((364, 54), "Port K", fontsize=9)

    d = _read(draw).diagram
    assert not any(n.startswith("Legend:") for n in d.notes)


@pytest.mark.parametrize("linked", [True, False])
def test_peer_layers_of_the_same_name_in_the_same_colour_are_not_a_key(linked):
    # two protocol stacks side by side, each layer coloured as its peer: no layer keys the
    # other (linked: the stacks' unlinked layers sit right beside a linked one; unlinked: no
    # graph is read, so there is nothing for a key to key)
    layers = (("IP", GREEN), ("MAC", YELLOW), ("PHY", PURPLE))

    def draw(page):
        for x in (40, 240):
            for k, (name, colour) in enumerate(layers):
                y = 40 + 24 * k
                page.draw_rect(pymupdf.Rect(x, y, x + 80, y + 22), color=None, fill=colour)
                page.insert_text((x + 10, y + 15), name, fontsize=10)
        if linked:
            page.draw_line((120, 99), (240, 99), color=BLACK)  # the physical link between them

    d = _read(draw).diagram
    assert len(d.edges) == int(linked)
    assert not [g for g in d.groups if g.id == "legend"]
    assert not any(n.startswith("Legend:") for n in d.notes)


def test_a_raster_colour_key_is_measured_from_the_pixels():
    pytest.importorskip("cv2")
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry.raster import extract_raster

    doc = pymupdf.open()
    page = doc.new_page(width=420, height=200)
    _pipeline(page)
    png = page.get_pixmap(dpi=144).tobytes("png")
    d = build_diagram(extract_raster(png), None).diagram
    note = next((n for n in d.notes if n.startswith("Legend:")), "")
    assert "bridge (green)" in note and "router (yellow)" in note
    assert "Port" in note.split("router")[0]


@pytest.mark.parametrize("rgb,name", [((0.0, 0.69, 0.31), "green"), ((1.0, 0.75, 0.0), "yellow"),
                                      ((0.44, 0.19, 0.63), "purple"), ((0.86, 0.91, 0.99), "light blue"),
                                      ((0.5, 0.5, 0.5), "grey"), ((1.0, 1.0, 1.0), "white"),
                                      ((0.97, 0.81, 0.8), "light red")])
def test_colour_names(rgb, name):
    assert colour_name(rgb) == name


# ---- callouts ------------------------------------------------------------------------------

GREY = (0.93, 0.93, 0.93)


def _callout_pipeline(page, leader_to=(150, 140)):
    """Port -> LAG -> VLAN, with a metadata box above the first link and a plain line from the
    box down to that link (a Visio callout)."""
    for k, name in enumerate(("Port", "LAG", "VLAN")):
        x = 20 + 130 * k
        page.draw_rect(pymupdf.Rect(x, 120, x + 80, 160), color=BLACK)
        page.insert_text((x + 10, 144), name, fontsize=10)
        if k:
            page.draw_line((x - 50, 140), (x, 140), color=BLACK)
            page.draw_polyline([(x - 6, 136), (x, 140), (x - 6, 144)], color=BLACK, fill=BLACK,
                               closePath=True)
    page.draw_rect(pymupdf.Rect(110, 40, 200, 80), color=None, fill=GREY)
    page.insert_text((114, 54), "Metadata", fontsize=9)
    page.insert_text((114, 68), "LAG ID = M", fontsize=9)
    page.draw_line((150, 80), leader_to, color=(0.5, 0.5, 0.5))


def test_a_callout_whose_leader_stops_on_a_link_describes_that_link():
    d = _read(_callout_pipeline).diagram
    note = [n for n in d.nodes if n.shape == "note"]
    assert [n.label for n in note] == ["Metadata LAG ID = M"]
    assert "On the link from Port to LAG: Metadata LAG ID = M" in d.notes
    assert sorted((d.label_of(e.source), d.label_of(e.target)) for e in d.edges) == \
        [("LAG", "VLAN"), ("Port", "LAG")]
    text = diagram_prose(d)
    assert "Unconnected elements" not in text
    # the callout is said once, where it belongs, and survives Mermaid both ways
    from dicmodel.diagram import parse_mermaid

    back = parse_mermaid(d.to_mermaid())
    assert [n.shape for n in back.nodes if n.label == "Metadata LAG ID = M"] == ["note"]


def test_a_box_whose_line_stops_short_of_every_link_is_no_callout():
    d = _read(lambda page: _callout_pipeline(page, leader_to=(150, 110))).diagram
    assert not [n for n in d.nodes if n.shape == "note"]
    assert not any(n.startswith("On the link") for n in d.notes)


# ---- a figure that is only a key --------------------------------------------------------------

def _key(page):
    page.draw_rect(pymupdf.Rect(4, 4, 300, 100), color=BLACK)
    page.draw_rect(pymupdf.Rect(12, 12, 26, 26), color=BLACK, dashes="[2] 0")
    page.insert_text((40, 23), "Optional procedure", fontsize=10)
    page.insert_text((15, 52), "*", fontsize=10)
    page.insert_text((40, 52), "Sent on SRB1 if SRB2 is not established yet", fontsize=10)
    page.draw_line((10, 78), (26, 78), color=(1, 0, 0), dashes="[2] 0")
    page.draw_polyline([(21, 75), (26, 78), (21, 81)], color=(1, 0, 0), fill=(1, 0, 0), closePath=True)
    page.insert_text((40, 82), "Abstraction link", fontsize=10)


def test_a_figure_that_is_only_a_key_says_what_each_symbol_stands_for():
    r = build_diagram(vector_prims(_key, 320, 110), None)
    assert r.prose == ('A key to the symbols of the figures: a dashed box stands for "Optional '
                       'procedure"; "*" stands for "Sent on SRB1 if SRB2 is not established yet"; '
                       'a dashed arrow stands for "Abstraction link".')
    assert r.confidence >= 0.8


def test_a_short_flowchart_or_a_list_is_not_a_key():
    def flow(page):
        page.draw_rect(pymupdf.Rect(10, 10, 60, 40), color=BLACK)
        page.insert_text((14, 28), "Start", fontsize=10)
        page.draw_line((60, 25), (90, 25), color=BLACK)
        page.insert_text((92, 28), "Check the request", fontsize=10)
        page.draw_rect(pymupdf.Rect(10, 60, 60, 90), color=BLACK)
        page.insert_text((14, 78), "Stop", fontsize=10)

    r = build_diagram(vector_prims(flow, 320, 110), None)
    assert not (r.prose or "").startswith("A key")
    # symbols are told apart: the same small box before every line is no key
    def boxes(page):
        for k, text in enumerate(("first item", "second item", "third item")):
            page.draw_rect(pymupdf.Rect(10, 10 + 20 * k, 18, 18 + 20 * k), color=BLACK)
            page.insert_text((30, 18 + 20 * k), text, fontsize=10)

    r = build_diagram(vector_prims(boxes, 320, 110), None)
    assert not (r.prose or "").startswith("A key")


def test_an_arrow_from_a_free_label_to_a_link_is_a_callout_on_that_link():
    # "Optional 10ms Delay" under a link, a dotted arrow from it up to the link
    def draw(page):
        for x, name in ((20, "Switch"), (260, "Receiver")):
            page.draw_rect(pymupdf.Rect(x, 40, x + 80, 80), color=BLACK)
            page.insert_text((x + 10, 64), name, fontsize=10)
        page.draw_line((100, 60), (260, 60), color=BLACK)
        page.draw_polyline([(254, 56), (260, 60), (254, 64)], color=BLACK, fill=BLACK, closePath=True)
        page.draw_line((180, 110), (180, 64), color=BLACK, dashes="[1 2] 0")
        page.draw_polyline([(176, 70), (180, 64), (184, 70)], color=BLACK, fill=BLACK, closePath=True)
        page.insert_text((140, 124), "Optional 10ms Delay", fontsize=10)

    d = _read(draw).diagram
    assert "On the link from Switch to Receiver: Optional 10ms Delay" in d.notes
    assert [(d.label_of(e.source), d.label_of(e.target)) for e in d.edges] == [("Switch", "Receiver")]
    assert "Unconnected" not in diagram_prose(d)


# ---- lines that are no links ------------------------------------------------------------------

def test_a_v_drawn_as_one_line_from_two_boxes_to_a_third_is_two_links():
    # TS 38.300 Figure 4.7.1-2: two parent nodes' lines meet on the child's top side, drawn as
    # one polyline (it read "IAB-DU connects to IAB-DU")
    def draw(page):
        for x, name in ((20, "Parent A"), (200, "Parent B"), (110, "Child")):
            y = 150 if name == "Child" else 20
            page.draw_rect(pymupdf.Rect(x, y, x + 70, y + 30), color=BLACK)
            page.insert_text((x + 8, y + 19), name, fontsize=10)
        page.draw_polyline([(55, 50), (145, 150), (235, 50)], color=BLACK)

    d = _read(draw).diagram
    pairs = sorted(tuple(sorted((d.label_of(e.source), d.label_of(e.target)))) for e in d.edges)
    assert pairs == [("Child", "Parent A"), ("Child", "Parent B")]


def test_an_arrow_beside_its_label_is_no_self_link():
    # "upstream" written beside a short arrow up, both ends near the word
    def draw(page):
        for x, name in ((20, "Parent"), (20, "Child")):
            y = 20 if name == "Parent" else 140
            page.draw_rect(pymupdf.Rect(x, y, x + 70, y + 30), color=BLACK)
            page.insert_text((x + 8, y + 19), name, fontsize=10)
        page.draw_line((55, 50), (55, 140), color=BLACK)
        page.draw_line((200, 110), (200, 80), color=BLACK)
        page.draw_polyline([(196, 86), (200, 80), (204, 86)], color=BLACK, fill=BLACK, closePath=True)
        page.insert_text((206, 98), "upstream", fontsize=10)

    d = _read(draw).diagram
    assert not [e for e in d.edges if e.source == e.target]
    assert "upstream connects to upstream" not in diagram_prose(d)


def test_a_graph_whose_elements_mostly_join_nothing_is_not_read_with_confidence():
    # a call flow whose messages were not found: one link among many named, loose elements
    def draw(page):
        page.draw_rect(pymupdf.Rect(10, 10, 80, 34), color=BLACK)
        page.insert_text((14, 26), "Remote UE", fontsize=9)
        page.draw_rect(pymupdf.Rect(150, 10, 220, 34), color=BLACK)
        page.insert_text((154, 26), "gNB", fontsize=9)
        page.draw_line((80, 22), (150, 22), color=BLACK)
        page.draw_polyline([(144, 18), (150, 22), (144, 26)], color=BLACK, fill=BLACK, closePath=True)
        for k, step in enumerate(("1. Measurement", "2. Decision", "3. RRC Reconfiguration",
                                  "4. Complete", "5. Data", "6. Release")):
            x, y = 10 + 140 * (k % 3), 70 + 50 * (k // 3)
            page.draw_rect(pymupdf.Rect(x, y, x + 120, y + 20), color=BLACK)
            page.insert_text((x + 4, y + 14), step, fontsize=9)

    r = _read(draw)
    assert len(r.diagram.edges) == 1
    assert r.confidence <= 0.45
    assert any("joined to nothing" in w for w in r.warnings)
