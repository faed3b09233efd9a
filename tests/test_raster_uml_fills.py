"""UML multiplicities, stacked inheritance heads, dark containers cut by their links, and
flowchart 'document' boxes in raster figures.

Measured on ONAP's policy class diagram and NF-simulator figure and OpenShift's OIDC figure
(draw.io): a multiplicity ("1", "1..n") by a relation's end became a node that the relation
ended on; three inheritance heads drawn over one another at a base class read as a state
diagram's end marker; a dark green container that links cross was cut into nameless pieces
that the links ended on, its title a loose note; documents (boxes with a wavy bottom) were no
shapes, so their links ended on their bare text.
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.classify import build_diagram, read_figure
from dicmodel.describe._geometry.primitives import Path, Primitives, Shape, Word
from dicmodel.describe._geometry.raster.shapes import _round_hole

from _raster_draw import INK, canvas, png  # noqa: E402


def _word(text: str, box: tuple[float, float, float, float]) -> Word:
    return Word(text=text, bbox=box, size=box[3] - box[1])


def _label(img: np.ndarray, text: str, x: int, y: int, colour=INK) -> Word:
    """``text`` printed with its top-left corner at (x, y); its word box."""
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    cv2.putText(img, text, (x, y + th + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
    return Word(text=text, bbox=(x - 1.0, float(y), x + tw + 1.0, y + th + 6.0), size=th + 6.0)


def _extract(img: np.ndarray, words: list[Word], monkeypatch: pytest.MonkeyPatch) -> Primitives:
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    return raster.extract_raster(png(img), ocr="rapidocr")


def test_a_multiplicity_by_a_relation_end_is_no_node_and_the_end_reaches_its_box():
    # the end stops short of "Order" (past an aggregation diamond the tracer left out), right
    # by the "1" written there; "1..n" sits by the other end
    prims = Primitives(source="raster", width=300.0, height=320.0)
    prims.shapes = [Shape(kind="rect", bbox=(60.0, 40.0, 200.0, 90.0)),
                    Shape(kind="rect", bbox=(60.0, 260.0, 200.0, 310.0))]
    prims.words = [_word("Order", (105, 56, 155, 74)), _word("Item", (110, 276, 150, 294)),
                   _word("1", (136, 100, 144, 116)), _word("1..n", (136, 236, 166, 252))]
    prims.paths = [Path(points=[(130.0, 112.0), (130.0, 260.0)], arrow_end=True)]
    d = build_diagram(prims, None).diagram
    assert sorted(n.label for n in d.nodes) == ["Item", "Order"]
    assert [(d.label_of(e.source), d.label_of(e.target)) for e in d.edges] == [("Order", "Item")]


def test_the_inside_of_stacked_open_heads_is_no_end_marker_but_a_ring_round_a_dot_is():
    tri = np.zeros((12, 14), np.uint8)
    for y in range(12):  # the inside of an open triangle: narrowing to its tip
        half = (12 - y) * 7 // 12
        tri[y, 7 - half:7 + half] = 1
    assert not _round_hole(tri)
    yy, xx = np.mgrid[0:15, 0:15]
    r = np.hypot(yy - 7, xx - 7)
    ring = ((r >= 4) & (r <= 7)).astype(np.uint8)  # between an outer ring and its dot
    assert _round_hole(ring)


def _dark_zone(monkeypatch: pytest.MonkeyPatch):
    """A dark green zone titled "Simulator" holding "Client"; links from "CLI" below and from
    "Peer" at the left cross the zone's border to "Client"."""
    img = canvas(520, 380)
    green = (0, 128, 0)
    cv2.rectangle(img, (120, 40), (460, 230), green, -1)
    cv2.rectangle(img, (120, 40), (460, 230), (0, 90, 0), 2)
    words = [_label(img, "Simulator", 330, 60, colour=(255, 255, 255))]
    black = (0, 0, 0)
    cv2.rectangle(img, (170, 90), (290, 140), (255, 255, 255), -1)
    cv2.rectangle(img, (170, 90), (290, 140), black, 2)
    words.append(_label(img, "Client", 205, 106))
    cv2.rectangle(img, (190, 300), (290, 340), black, 2)
    words.append(_label(img, "CLI", 225, 312))
    cv2.rectangle(img, (10, 100), (80, 140), black, 2)
    words.append(_label(img, "Peer", 25, 112))
    cv2.line(img, (240, 300), (240, 142), black, 2)  # up through the zone's bottom border
    cv2.fillPoly(img, [np.array([(240, 141), (234, 153), (246, 153)], np.int32)], black)
    cv2.line(img, (80, 120), (168, 120), black, 2)
    cv2.line(img, (200, 142), (200, 230), black, 2)  # a link down to the zone's edge ...
    cv2.line(img, (120, 190), (200, 190), black, 2)  # ... and one across: they cut the fill
    return _extract(img, words, monkeypatch)


def test_a_dark_zone_cut_by_its_links_is_one_container_with_its_title(monkeypatch):
    prims = _dark_zone(monkeypatch)
    zone = [s for s in prims.shapes if s.bbox[0] <= 124 and s.bbox[2] >= 456 and s.bbox[1] <= 44]
    assert zone, [(s.kind, s.bbox) for s in prims.shapes]
    # no nameless piece of the zone is a shape of its own
    named = [w.bbox for w in prims.words]
    inner = [s for s in prims.shapes if s not in zone and s.bbox[0] >= 118 and s.bbox[2] <= 462
             and s.bbox[1] >= 38 and s.bbox[3] <= 232]
    assert all(any(s.bbox[0] <= (b[0] + b[2]) / 2 <= s.bbox[2] and s.bbox[1] <= (b[1] + b[3]) / 2 <= s.bbox[3]
                   for b in named) for s in inner), [(s.kind, s.bbox) for s in inner]


def test_the_links_across_a_dark_zone_reach_the_node_inside_it(monkeypatch):
    d = read_figure(_dark_zone(monkeypatch)).diagram
    links = {frozenset((d.label_of(e.source), d.label_of(e.target))) for e in d.edges}
    assert frozenset(("CLI", "Client")) in links
    assert any(g.label == "Simulator" for g in d.groups)


def _document(img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """draw.io's 'document': a box whose bottom edge is one wave."""
    wave = [(x, int(y1 - 8 + 8 * np.sin(2 * np.pi * (x - x0) / (x1 - x0)))) for x in range(x0, x1 + 1, 2)]
    pts = [(x0, y0), (x1, y0)] + wave[::-1]
    cv2.polylines(img, [np.array(pts, np.int32)], True, INK, 2)


def test_a_document_box_is_a_node_its_links_end_on(monkeypatch):
    img = canvas(460, 220)
    _document(img, 40, 60, 170, 130)
    words = [_label(img, "Config", 80, 78)]
    cv2.rectangle(img, (300, 60), (420, 120), INK, 2)
    words.append(_label(img, "Observer", 325, 80))
    cv2.line(img, (172, 90), (286, 90), INK, 2)
    cv2.fillPoly(img, [np.array([(298, 90), (286, 84), (286, 96)], np.int32)], INK)
    prims = _extract(img, words, monkeypatch)
    assert any(s.kind == "rect" and abs(s.bbox[0] - 40) <= 4 and abs(s.bbox[1] - 60) <= 4 for s in prims.shapes)
    d = read_figure(prims).diagram
    assert [(d.label_of(e.source), d.label_of(e.target)) for e in d.edges] == [("Config", "Observer")]


def _package(monkeypatch: pytest.MonkeyPatch):
    """A PlantUML package: a frame with its name in a tab on its top-left corner, holding
    "API" and "etcd". "Provider" (outside, above) links down to both through the frame's top,
    which cuts the frame's inside into pieces; "ctl" just left of the frame links to "API"
    across the frame's left side. (A link crossing a frame's side at a shallow slant loses a
    long stretch where the side is taken out, and is not rejoined across it.)"""
    img = canvas(620, 330)
    black = (0, 0, 0)
    cv2.rectangle(img, (90, 100), (420, 300), black, 2)
    cv2.rectangle(img, (90, 76), (200, 100), black, 2)
    words = [_label(img, "Cluster", 110, 80)]
    for (x0, x1), name in (((130, 230), "API"), ((290, 390), "etcd")):
        cv2.rectangle(img, (x0, 200), (x1, 250), black, 2)
        words.append(_label(img, name, x0 + 30, 216))
    cv2.rectangle(img, (220, 5), (350, 40), black, 2)
    words.append(_label(img, "Provider", 250, 14))
    for tip in ((180, 198), (340, 198)):
        cv2.line(img, (285, 40), (tip[0], 160), black, 2)
        cv2.line(img, (tip[0], 160), (tip[0], tip[1] - 10), black, 2)
        cv2.fillPoly(img, [np.array([tip, (tip[0] - 6, tip[1] - 12), (tip[0] + 6, tip[1] - 12)], np.int32)], black)
    cv2.rectangle(img, (5, 210), (70, 240), black, 2)
    words.append(_label(img, "ctl", 25, 216))
    cv2.line(img, (70, 225), (118, 225), black, 2)
    cv2.fillPoly(img, [np.array([(128, 225), (116, 219), (116, 231)], np.int32)], black)
    return _extract(img, words, monkeypatch)


def test_a_frame_whose_inside_its_links_cut_is_found_from_its_sides(monkeypatch):
    prims = _package(monkeypatch)
    assert any(abs(s.bbox[0] - 90) <= 4 and abs(s.bbox[1] - 100) <= 4 and abs(s.bbox[2] - 420) <= 4
               and abs(s.bbox[3] - 300) <= 4 for s in prims.shapes)
    assert not any(abs(s.bbox[1] - 76) <= 4 and abs(s.bbox[3] - 100) <= 4 for s in prims.shapes)  # no tab


def test_a_package_is_a_group_named_by_its_tab_and_its_links_reach_the_nodes_in_it(monkeypatch):
    d = read_figure(_package(monkeypatch)).diagram
    assert [g.label for g in d.groups] == ["Cluster"]
    links = sorted((d.label_of(e.source), d.label_of(e.target)) for e in d.edges)
    assert links == [("Provider", "API"), ("Provider", "etcd"), ("ctl", "API")]


def test_a_link_cut_at_two_frames_side_by_side_is_one_link():
    # Graphviz clusters side by side (FRR's OSPF area figures): a link from a router in one
    # cluster to a switch in the next loses a stretch at each cluster's outline
    prims = Primitives(source="raster", width=520.0, height=300.0)
    prims.shapes = [Shape(kind="rect", bbox=(10.0, 10.0, 240.0, 290.0)),
                    Shape(kind="rect", bbox=(260.0, 10.0, 500.0, 290.0)),
                    Shape(kind="rect", bbox=(60.0, 60.0, 160.0, 100.0)),
                    Shape(kind="rect", bbox=(330.0, 200.0, 450.0, 240.0))]
    prims.words = [_word("area 1", (90, 16, 150, 32)), _word("area 2", (350, 16, 410, 32)),
                   _word("r1", (100, 70, 120, 88)), _word("sw2", (375, 210, 405, 228))]
    # from r1 to the first outline, and from the second outline on to sw2: one straight line
    prims.paths = [Path(points=[(160.0, 90.0), (240.0, 127.0)]),
                   Path(points=[(260.0, 136.0), (340.0, 173.0), (360.0, 200.0)])]
    d = build_diagram(prims, None).diagram
    assert sorted(g.label for g in d.groups) == ["area 1", "area 2"]
    assert [sorted((d.label_of(e.source), d.label_of(e.target))) for e in d.edges] == [["r1", "sw2"]]


def test_a_heading_and_an_edge_label_just_under_it_off_its_middle_are_two_blocks():
    from dicmodel.describe._geometry._util import text_blocks

    heading = _word("Use Case Diagram: Property Manager", (54, 0, 576, 23))
    label = _word("client of", (212, 32, 273, 54))
    assert len(text_blocks([heading, label])) == 2
    # the lines of one label, centred or left-aligned, stay one block
    centred = [_word("Policy Type", (100, 40, 200, 58)), _word("Design", (122, 60, 178, 78))]
    left = [_word("Metadata", (10, 100, 90, 118)), _word("STP state=fwd", (10, 120, 130, 138))]
    assert len(text_blocks(centred)) == 1 and len(text_blocks(left)) == 1
