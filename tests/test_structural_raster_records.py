"""Raster extractor: ruled boxes (UML classes, ER tables, composite states), open heads, rings
threaded on lines, bullseye end markers and anti-aliased diagonals, on small generated images.

All geometry only (no OCR), so they run fast and offline.
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from _raster_draw import INK, canvas  # noqa: E402
from _raster_draw import png as _png  # noqa: E402

from dicmodel.describe._geometry.graph import recover_graph
from dicmodel.describe._geometry.raster import extract_raster

EDGE = (200, 110, 150)  # a purple box outline, as Mermaid draws it
FILL = (255, 236, 236)  # a pale lavender fill


def _canvas(w: int = 420, h: int = 320) -> np.ndarray:
    return canvas(w, h)


def _class_box(img: np.ndarray, x0: int, y0: int, x1: int, rules: list[int], y1: int) -> None:
    """A filled box with full-width rules at the given heights (a UML class)."""
    cv2.rectangle(img, (x0, y0), (x1, y1), FILL, -1)
    cv2.rectangle(img, (x0, y0), (x1, y1), EDGE, 2)
    for y in rules:
        cv2.line(img, (x0, y), (x1, y), EDGE, 2)


def _nodes(prims):
    parts = recover_graph(prims)
    return parts, [n for n in parts.nodes if not n.is_group]


def test_ruled_box_is_one_shape_with_rows():
    img = _canvas()
    _class_box(img, 100, 40, 300, [90, 160], 240)
    prims = extract_raster(_png(img), ocr=None)
    outer = [s for s in prims.shapes if s.bbox[3] - s.bbox[1] > 180]
    assert len(outer) == 1
    x0, y0, x1, y1 = outer[0].bbox
    assert abs(x0 - 100) <= 3 and abs(x1 - 300) <= 3 and abs(y0 - 40) <= 3 and abs(y1 - 240) <= 3
    rows = [s for s in prims.shapes if s is not outer[0]]
    assert len(rows) == 3 and all(abs(r.bbox[0] - x0) < 1 and abs(r.bbox[2] - x1) < 1 for r in rows)
    # the rules between the compartments are not connectors
    assert not prims.paths
    _, nodes = _nodes(prims)
    assert len(nodes) == 1 and len(nodes[0].rows) == 3


def test_table_of_cells_is_one_record():
    img = _canvas()
    _class_box(img, 60, 40, 360, [90, 140, 190], 240)
    for x in (150, 280):  # column rules below the header (an ER entity's attribute table)
        cv2.line(img, (x, 90), (x, 240), EDGE, 2)
    prims = extract_raster(_png(img), ocr=None)
    _, nodes = _nodes(prims)
    assert len(nodes) == 1
    assert len(nodes[0].rows) == 4
    assert not prims.paths


def test_gaps_between_crossing_lines_are_no_record():
    # lifelines crossed by messages: the cells' sides run on past the grid
    img = _canvas()
    for x in (100, 220, 340):
        cv2.line(img, (x, 20), (x, 300), INK, 2)
    for y in (80, 150, 220):
        cv2.line(img, (100, y), (340, y), INK, 2)
    prims = extract_raster(_png(img), ocr=None)
    assert not any(s.bbox[2] - s.bbox[0] > 200 for s in prims.shapes)


def test_composite_state_is_one_container_around_its_states():
    img = _canvas(420, 360)
    # title bar over a body, one outline; a state inside the body
    cv2.rectangle(img, (60, 30), (360, 330), EDGE, 2)
    cv2.rectangle(img, (62, 32), (358, 70), FILL, -1)
    cv2.line(img, (60, 70), (360, 70), EDGE, 2)
    cv2.rectangle(img, (160, 160), (260, 220), FILL, -1)
    cv2.rectangle(img, (160, 160), (260, 220), EDGE, 2)
    prims = extract_raster(_png(img), ocr=None)
    parts, nodes = _nodes(prims)
    groups = [n for n in parts.nodes if n.is_group]
    assert len(groups) == 1
    gx0, gy0, gx1, gy1 = groups[0].bbox
    assert abs(gy0 - 30) <= 3 and abs(gy1 - 330) <= 3
    assert len(nodes) == 1 and abs(nodes[0].bbox[0] - 160) <= 3


def _hollow_triangle(img: np.ndarray, tip: tuple[int, int], size: int = 22) -> int:
    """An empty triangle pointing up with its tip at ``tip``; returns the y of its base."""
    x, y = tip
    tri = np.array([(x, y), (x - size // 2, y + size), (x + size // 2, y + size)], np.int32)
    cv2.fillPoly(img, [tri], (255, 255, 255))
    cv2.polylines(img, [tri], True, INK, 1, cv2.LINE_AA)
    return y + size


def test_hollow_triangle_gives_the_edge_its_direction():
    img = _canvas()
    _class_box(img, 140, 30, 280, [70], 110)       # parent
    _class_box(img, 140, 220, 280, [260], 300)     # child
    base = _hollow_triangle(img, (210, 111))
    cv2.line(img, (210, base), (210, 219), INK, 1, cv2.LINE_AA)
    prims = extract_raster(_png(img), ocr=None)
    heads = [a for a in prims.arrowheads if a.direction[1] < -0.9]
    assert len(heads) == 1 and abs(heads[0].tip[0] - 210) <= 3 and abs(heads[0].tip[1] - 111) <= 4
    parts, nodes = _nodes(prims)
    assert len(nodes) == 2 and len(parts.edges) == 1
    src, dst, chain, _ = parts.edges[0]
    top = min(range(len(parts.nodes)), key=lambda k: parts.nodes[k].bbox[1])
    # the head sits at the parent: the edge runs child -> parent
    assert (dst == top and chain.arrow_end) or (src == top and chain.arrow_start)


def test_line_through_a_small_ring_stays_one_connector():
    img = _canvas()
    cv2.rectangle(img, (20, 120), (120, 180), EDGE, 2)
    cv2.rectangle(img, (300, 120), (400, 180), EDGE, 2)
    cv2.line(img, (121, 150), (198, 150), INK, 1, cv2.LINE_AA)
    cv2.circle(img, (207, 150), 9, INK, 1, cv2.LINE_AA)
    cv2.line(img, (216, 150), (299, 150), INK, 1, cv2.LINE_AA)
    prims = extract_raster(_png(img), ocr=None)
    parts, nodes = _nodes(prims)
    assert len(nodes) == 2  # the ring is no node
    assert len(parts.edges) == 1 and parts.edges[0][0] != parts.edges[0][1]


def test_bullseye_is_an_end_marker():
    img = _canvas()
    cv2.rectangle(img, (150, 40), (270, 100), EDGE, 2)
    cv2.line(img, (210, 101), (210, 230), INK, 2, cv2.LINE_AA)
    cv2.circle(img, (210, 250), 10, INK, 3, cv2.LINE_AA)
    cv2.circle(img, (210, 250), 5, (200, 100, 150), -1, cv2.LINE_AA)
    prims = extract_raster(_png(img), ocr=None)
    parts, _ = _nodes(prims)
    assert [n.marker for n in parts.nodes if n.marker] == ["end"]


def test_anti_aliased_diagonal_is_one_connector():
    img = _canvas(520, 420)
    cv2.rectangle(img, (20, 20), (120, 80), EDGE, 2)
    cv2.rectangle(img, (380, 320), (500, 380), EDGE, 2)
    # a shallow diagonal, anti-aliased, 2 px: its skeleton is a staircase of short runs
    cv2.line(img, (121, 81), (379, 319), INK, 2, cv2.LINE_AA)
    prims = extract_raster(_png(img), ocr=None)
    long = [p for p in prims.paths
            if abs(p.points[0][0] - p.points[-1][0]) > 200]
    assert len(long) == 1
    parts, _ = _nodes(prims)
    assert len(parts.edges) == 1


def test_slanted_dashed_line_is_one_dashed_connector():
    img = _canvas(520, 420)
    cv2.rectangle(img, (20, 20), (140, 80), EDGE, 2)
    cv2.rectangle(img, (360, 320), (500, 380), EDGE, 2)
    a, b = np.array([141.0, 81.0]), np.array([359.0, 319.0])
    v = (b - a) / np.linalg.norm(b - a)
    t = 0.0
    while t < np.linalg.norm(b - a):  # 8 px dashes, 6 px gaps, along a diagonal
        p, q = a + v * t, a + v * min(t + 8.0, np.linalg.norm(b - a))
        cv2.line(img, tuple(int(round(c)) for c in p), tuple(int(round(c)) for c in q), INK, 1, cv2.LINE_AA)
        t += 14.0
    cv2.line(img, tuple(int(c) for c in b - v * 8.0), tuple(int(c) for c in b), INK, 1, cv2.LINE_AA)
    prims = extract_raster(_png(img), ocr=None)
    dashed = [p for p in prims.paths if p.dashed]
    assert len(dashed) == 1
    xs = [q[0] for q in dashed[0].points]
    assert min(xs) < 170 and max(xs) > 330
    parts, _ = _nodes(prims)
    assert len(parts.edges) == 1 and parts.edges[0][2].dashed


def test_line_under_a_label_is_carried_on_to_the_head_beyond_it():
    from types import SimpleNamespace

    from dicmodel.describe._geometry.primitives import Arrowhead, Path
    from dicmodel.describe._geometry.raster.bridge import _to_head_across

    f = SimpleNamespace(stroke=1.0)
    label = (90.0, 100.0, 150.0, 120.0)
    # a line comes up from below to the label's bottom; a head points up just above it
    line = Path(points=[(120.0, 300.0), (120.0, 122.0)])
    head = Arrowhead(tip=(120.0, 80.0), direction=(0.0, -1.0), bbox=(113.0, 80.0, 127.0, 94.0))
    _to_head_across(line, -1, label, [head], 5.0, f)
    assert line.points[-1] == (120.0, 94.0)
    # a head pointing back at the line, or off to the side, is not this line's
    other = Path(points=[(120.0, 300.0), (120.0, 122.0)])
    back = Arrowhead(tip=(120.0, 94.0), direction=(0.0, 1.0), bbox=(113.0, 80.0, 127.0, 94.0))
    aside = Arrowhead(tip=(300.0, 80.0), direction=(0.0, -1.0), bbox=(293.0, 80.0, 307.0, 94.0))
    _to_head_across(other, -1, label, [back, aside], 5.0, f)
    assert other.points[-1] == (120.0, 122.0)


def test_a_ring_just_under_an_edge_label_still_carries_the_line_across_the_label(monkeypatch):
    from dicmodel.describe._geometry import raster
    from dicmodel.describe._geometry.primitives import Word

    # Mermaid ER: CUSTOMER ||--o{ ORDER : places, the 'o' ring right under the label
    img = _canvas(420, 360)
    cv2.rectangle(img, (150, 20), (270, 80), EDGE, 2)
    cv2.rectangle(img, (150, 260), (270, 320), EDGE, 2)
    cv2.line(img, (210, 81), (210, 142), INK, 1, cv2.LINE_AA)
    cv2.putText(img, "places", (180, 158), cv2.FONT_HERSHEY_SIMPLEX, 0.5, INK, 1, cv2.LINE_AA)
    cv2.circle(img, (210, 178), 9, INK, 1, cv2.LINE_AA)
    cv2.line(img, (210, 187), (210, 259), INK, 1, cv2.LINE_AA)
    words = [Word(text="places", bbox=(178.0, 144.0, 242.0, 164.0), size=20.0)]
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    parts, nodes = _nodes(extract_raster(_png(img), ocr="rapidocr"))
    assert len(nodes) == 2  # the label is no node
    assert [(lab, {s, t} == {0, 1}) for s, t, _c, lab in parts.edges] == [("places", True)]


def test_a_dotted_link_whose_last_dash_stops_short_of_its_label_is_rejoined_across_it():
    from dicmodel.describe._geometry.primitives import Path
    from dicmodel.describe._geometry.raster.bridge import _bridge_labels
    from dicmodel.describe._geometry.raster.frame import _Frame

    # devset 226.mmd: H -.->|m.edit| E; the dash rhythm leaves about one dash of gap between
    # the label and the last dash on one side (10 px here, with 2 px strokes)
    f = _Frame(np, cv2, 1.0, np.zeros((300, 520), np.uint8), 2.0, 20.0)
    label = [(220.0, 138.0, 298.0, 162.0)]

    def pieces(dashed: bool) -> list:
        return [Path(points=[(121.0, 150.0), (210.0, 150.0)], dashed=dashed),
                Path(points=[(300.0, 150.0), (399.0, 150.0)], dashed=dashed)]

    [one] = _bridge_labels(pieces(True), label, [], f)
    assert {one.points[0][0], one.points[-1][0]} == {121.0, 399.0}
    # a solid line stopping that far from a label is not taken to run on through it
    assert len(_bridge_labels(pieces(False), label, [], f)) == 2
