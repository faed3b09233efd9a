"""Raster extractor on small generated images whose geometry is known.

Images are drawn with OpenCV: boxes, an ellipse, a diamond, arrows with filled heads, crossing
lines, a dashed line. Geometry tests run without OCR (fast); OCR tests are marked slow.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.raster import extract_raster
from dicmodel.errors import ConfigError, ImageError

from _raster_draw import INK  # noqa: E402
from _raster_draw import canvas as _canvas  # noqa: E402
from _raster_draw import png as _png  # noqa: E402


def _arrow(img: np.ndarray, a: tuple[int, int], b: tuple[int, int], head: int = 14) -> None:
    """A line from a to b with a filled triangular head whose tip is at b."""
    v = np.array(b, float) - np.array(a, float)
    v /= np.linalg.norm(v)
    n = np.array([-v[1], v[0]])
    base = np.array(b, float) - v * head
    cv2.line(img, a, tuple(int(t) for t in base), INK, 2)
    tri = np.array([b, base + n * head * 0.45, base - n * head * 0.45], np.int32)
    cv2.fillPoly(img, [tri], INK)


def _near(box, want, tol=4.0) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(box, want))


def _flowchart() -> np.ndarray:
    img = _canvas()
    cv2.rectangle(img, (20, 40), (140, 100), INK, 2)
    cv2.ellipse(img, (320, 70), (70, 35), 0, 0, 360, INK, 2)
    cv2.polylines(img, [np.array([(80, 170), (140, 210), (80, 250), (20, 210)], np.int32)], True, INK, 2)
    _arrow(img, (141, 70), (249, 70))     # box -> ellipse, head on the right
    _arrow(img, (80, 168), (80, 102))     # diamond -> box, head pointing up
    return img


def test_closed_shapes_found_with_their_boxes():
    prims = extract_raster(_png(_flowchart()), ocr=None)
    kinds = {s.kind: s.bbox for s in prims.shapes}
    assert prims.source == "raster" and (prims.width, prims.height) == (420.0, 300.0)
    assert set(kinds) == {"rect", "ellipse", "diamond"}
    assert _near(kinds["rect"], (20, 40, 140, 100))
    assert _near(kinds["ellipse"], (250, 35, 390, 105))
    assert _near(kinds["diamond"], (20, 170, 140, 250))


def test_arrowheads_give_tip_and_direction():
    prims = extract_raster(_png(_flowchart()), ocr=None)
    heads = sorted(prims.arrowheads, key=lambda a: a.tip[0])
    assert len(heads) == 2
    up, right = heads
    assert right.direction[0] > 0.95 and abs(right.tip[0] - 249) <= 4 and abs(right.tip[1] - 70) <= 3
    assert up.direction[1] < -0.95 and abs(up.tip[1] - 102) <= 4


def test_connectors_end_at_their_shapes_with_the_arrow_at_the_head_end():
    prims = extract_raster(_png(_flowchart()), ocr=None)
    assert len(prims.paths) == 2
    horiz = next(p for p in prims.paths if abs(p.points[0][1] - p.points[-1][1]) < 3)
    start, end = (horiz.points[0], horiz.points[-1]) if horiz.arrow_end else (horiz.points[-1], horiz.points[0])
    assert horiz.arrow_end != horiz.arrow_start
    assert start[0] <= 150 and end[0] >= 235  # from the box's right side into the ellipse's head


def test_reversed_arrow_points_the_other_way():
    img = _canvas()
    cv2.rectangle(img, (20, 40), (140, 100), INK, 2)
    cv2.rectangle(img, (260, 40), (380, 100), INK, 2)
    _arrow(img, (259, 70), (142, 70))
    prims = extract_raster(_png(img), ocr=None)
    assert len(prims.arrowheads) == 1
    assert prims.arrowheads[0].direction[0] < -0.95


def test_crossing_lines_stay_two_straight_connectors():
    img = _canvas(300, 300)
    cv2.line(img, (30, 150), (270, 150), INK, 2)
    cv2.line(img, (150, 30), (150, 270), INK, 2)
    prims = extract_raster(_png(img), ocr=None)
    assert len(prims.paths) == 2
    spans = sorted(max(abs(p.points[0][0] - p.points[-1][0]), abs(p.points[0][1] - p.points[-1][1]))
                   for p in prims.paths)
    assert spans[0] > 200  # each one runs through the crossing
    assert prims.shapes == []


@pytest.mark.parametrize("angle", [20, 30, 40, 50])
def test_lines_crossing_at_a_slant_stay_two_straight_connectors(angle):
    # anti-aliased 3 px lines crossing at a slant thin to two forks a pixel or two apart, each
    # with no straight way through (at 40-50 degrees this came out as 3 paths, one a V); at
    # 20-30 degrees their overlap is a thick knot that the opening split into two "heads"
    # tip to tip (4 paths, with heads in the middle)
    img = _canvas(420, 300)
    c, half = np.array([210.0, 150.0]), 130.0
    drawn = []
    for sgn in (1, -1):
        a = np.radians(90 + sgn * angle / 2)
        u = np.array([np.cos(a), -np.sin(a)]) * half
        p, q = tuple(int(v) for v in c + u), tuple(int(v) for v in c - u)
        cv2.line(img, p, q, INK, 3, cv2.LINE_AA)
        drawn.append((p, q))
    prims = extract_raster(_png(img), ocr=None)
    assert len(prims.paths) == 2 and prims.arrowheads == []
    for p, q in drawn:  # one traced path runs from each drawn end to the other
        assert any(min(max(np.hypot(*np.subtract(path.points[0], a)), np.hypot(*np.subtract(path.points[-1], b)))
                       for a, b in ((p, q), (q, p))) < 12 for path in prims.paths)


def test_gap_between_crossing_connectors_is_not_a_box():
    img = _canvas(300, 300)
    for k in (100, 200):  # a '#' pattern: the middle square is bounded by lines that run on
        cv2.line(img, (20, k), (280, k), INK, 2)
        cv2.line(img, (k, 20), (k, 280), INK, 2)
    assert extract_raster(_png(img), ocr=None).shapes == []


def test_empty_diamond_between_crossing_connectors_is_no_node_in_a_figure_with_text(monkeypatch):
    from dicmodel.describe._geometry import raster
    from dicmodel.describe._geometry.primitives import Word

    img = _canvas(420, 300)
    for a, b in (((40, 40), (380, 260)), ((40, 260), (380, 40)), ((140, 40), (380, 195)),
                 ((140, 260), (380, 105))):
        cv2.line(img, a, b, INK, 2)  # four long diagonals cross around a diamond-shaped gap
    cv2.polylines(img, [np.array([(80, 110), (140, 150), (80, 190), (20, 150)], np.int32)], True, INK, 2)
    # OCR stand-in: the decision diamond on the left holds a word, the gap holds none
    word = Word(text="ok?", bbox=(66.0, 143.0, 94.0, 157.0), size=14.0)
    monkeypatch.setattr(raster, "ocr_words", lambda im, eng: [word])
    monkeypatch.setattr(raster, "read_lines", lambda crops, eng: [("", 0.0)] * len(crops))
    shapes = extract_raster(_png(img), ocr="rapidocr").shapes
    assert [s.kind for s in shapes] == ["diamond"]
    assert _near(shapes[0].bbox, (20, 110, 140, 190))
    # without any text (geometry only) an empty diamond is still taken as a node
    assert "diamond" in [s.kind for s in extract_raster(_png(img), ocr=None).shapes]


def test_filled_box_between_lines_is_a_box():
    img = _canvas(300, 200)
    cv2.rectangle(img, (100, 60), (200, 140), (255, 230, 230), -1)
    cv2.rectangle(img, (100, 60), (200, 140), INK, 2)
    kinds = [s.kind for s in extract_raster(_png(img), ocr=None).shapes]
    assert kinds == ["rect"]


def test_pale_boxes_with_a_faint_border_are_boxes_and_a_bare_label_background_is_not():
    # Mermaid's "base" theme: cream fill, beige border, both far too light to be ink
    img = _canvas(460, 200)
    cream, beige = (221, 244, 255), (188, 223, 238)
    for x0 in (20, 300):
        cv2.rectangle(img, (x0, 60), (x0 + 140, 140), cream, -1)
        cv2.rectangle(img, (x0, 60), (x0 + 140, 140), beige, 2)
    _arrow(img, (161, 100), (299, 100))
    cv2.rectangle(img, (200, 88), (250, 112), (232, 232, 232), -1)  # a label's background
    prims = extract_raster(_png(img), ocr=None)
    boxes = sorted(s.bbox for s in prims.shapes)
    assert len(boxes) == 2, boxes
    assert _near(boxes[0], (20, 60, 160, 140), tol=5) and _near(boxes[1], (300, 60, 440, 140), tol=5)
    assert all(s.filled for s in prims.shapes)


def test_dashed_line_becomes_one_dashed_path():
    img = _canvas(400, 120)
    for x in range(30, 370, 12):
        cv2.line(img, (x, 60), (x + 6, 60), INK, 2)
    prims = extract_raster(_png(img), ocr=None)
    dashed = [p for p in prims.paths if p.dashed]
    assert len(dashed) == 1
    xs = [q[0] for q in dashed[0].points]
    assert min(xs) <= 35 and max(xs) >= 365


def test_downscaled_geometry_comes_back_in_original_pixels():
    big = cv2.resize(_flowchart(), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    prims = extract_raster(_png(big), ocr=None, scale=0.5)
    rect = next(s for s in prims.shapes if s.kind == "rect")
    assert _near(rect.bbox, (40, 80, 280, 200), tol=8)


def test_bad_image_bytes_raise_image_error():
    with pytest.raises(ImageError, match="cannot be decoded"):
        extract_raster(b"not a png at all", ocr=None)
    with pytest.raises(ImageError):
        extract_raster(b"", ocr=None)


def test_bad_options_raise_config_error():
    png = _png(_canvas(50, 50))
    with pytest.raises(ConfigError, match="ocr"):
        extract_raster(png, ocr="abbyy")
    with pytest.raises(ConfigError, match="scale"):
        extract_raster(png, ocr=None, scale=0.0)


# ---- with OCR (model load + inference: slow) ---------------------------------------------------

def _labelled(right: str = "BETA", x: int = 335) -> np.ndarray:
    img = _canvas(480, 200)
    cv2.rectangle(img, (20, 50), (180, 130), INK, 2)
    cv2.rectangle(img, (300, 50), (460, 130), INK, 2)
    cv2.putText(img, "ALPHA", (45, 102), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    cv2.putText(img, right, (x, 102), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    _arrow(img, (181, 90), (299, 90))
    return img


@pytest.mark.slow
def test_rapidocr_words_sit_inside_their_boxes_and_letters_are_not_shapes():
    pytest.importorskip("rapidocr")
    prims = extract_raster(_png(_labelled()), ocr="rapidocr")
    words = {w.text.upper(): w.bbox for w in prims.words}
    assert "ALPHA" in words and "BETA" in words
    assert 20 < words["ALPHA"][0] and words["ALPHA"][2] < 180
    assert 300 < words["BETA"][0] and words["BETA"][2] < 460
    assert sorted(s.kind for s in prims.shapes) == ["rect", "rect"]  # no 'A' or 'P' holes
    assert len(prims.paths) == 1 and len(prims.arrowheads) == 1


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_tesseract_engine_reads_the_same_labels():
    pytest.importorskip("pytesseract")
    prims = extract_raster(_png(_labelled()), ocr="tesseract")
    texts = {w.text.upper() for w in prims.words}
    assert {"ALPHA", "BETA"} <= texts


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_rendered_graphviz_png_reads_back_as_its_graph(tmp_path):
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry.classify import build_diagram

    src = 'digraph { rankdir=LR; node [shape=box]; MME -> SGW -> PGW; MME -> HSS; }'
    png = subprocess.run(["dot", "-Tpng", "-Gdpi=144"], input=src.encode(), capture_output=True,
                         check=True).stdout
    reading = build_diagram(extract_raster(png))
    d = reading.diagram
    label = {n.id: n.label for n in d.nodes}
    got = {(label[e.source], label[e.target]) for e in d.edges if e.directed}
    assert {"MME", "SGW", "PGW", "HSS"} <= set(label.values())
    assert got == {("MME", "SGW"), ("SGW", "PGW"), ("MME", "HSS")}


# ---- fills, OCR line splitting, offline models, missing extras ----------------------------------

def test_dark_filled_node_is_a_filled_shape_and_lines_over_a_band_survive():
    img = _canvas(500, 400)
    cv2.rectangle(img, (20, 20), (250, 300), (150, 190, 200), -1)  # a dark highlight band
    cv2.rectangle(img, (60, 60), (180, 120), (60, 60, 200), -1)     # a red router, no outline
    cv2.line(img, (215, 30), (215, 290), (30, 30, 30), 2)           # a lifeline over the band
    prims = extract_raster(_png(img), ocr=None)
    router = [s for s in prims.shapes if _near(s.bbox, (60, 60, 180, 120), tol=5)]
    assert router and router[0].filled
    assert any(abs(p.points[0][0] - 215) <= 3 and abs(p.points[0][1] - p.points[-1][1]) > 200
               for p in prims.paths)


def test_grey_link_on_a_grey_box_inside_an_orange_zone_is_a_connector():
    # a Mermaid network diagram: an orange zone holds a light grey subgraph box, and a 1 px grey
    # link runs across that box between two lavender nodes; no darker than the zone's orange
    img = _canvas(900, 600)
    cv2.rectangle(img, (10, 10), (590, 390), (0, 165, 255), -1)     # orange zone (BGR)
    cv2.rectangle(img, (60, 120), (540, 280), (211, 211, 211), -1)  # grey box inside it
    cv2.rectangle(img, (60, 120), (540, 280), (100, 100, 100), 1)
    for x in (100, 400):
        cv2.rectangle(img, (x, 170), (x + 90, 230), (255, 236, 236), -1)  # lavender nodes
        cv2.rectangle(img, (x, 170), (x + 90, 230), (219, 112, 147), 1)
    cv2.line(img, (191, 200), (399, 200), (139, 139, 139), 1)
    prims = extract_raster(_png(img), ocr=None)
    assert any(min(p.points[0][0], p.points[-1][0]) <= 196 and max(p.points[0][0], p.points[-1][0]) >= 394
               and all(abs(y - 200) <= 3 for _x, y in p.points) for p in prims.paths)


@pytest.mark.slow
def test_a_label_the_detector_skipped_is_read_inside_its_shape(monkeypatch):
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry import raster

    img = _labelled("G", 368)
    # the detector, run small on a large page, misses a lone letter (devset 222.mmd's "G")
    detected = raster.ocr_words
    monkeypatch.setattr(raster, "ocr_words", lambda im, eng: [w for w in detected(im, eng) if w.text != "G"])
    prims = extract_raster(_png(img), ocr="rapidocr")
    words = {w.text.upper(): w.bbox for w in prims.words}
    assert "G" in words and 300 < words["G"][0] and words["G"][2] < 460
    assert [w.text.upper() for w in prims.words].count("ALPHA") == 1  # a labelled shape is not re-read


def test_ocr_line_is_split_where_a_stroke_runs_between_two_words():
    from dicmodel.describe._geometry.ocr import _split_at_strokes
    from dicmodel.describe._geometry.primitives import Word

    img = _canvas(200, 40)
    a, b = Word("eth1", (10, 10, 60, 30)), Word("eth0", (80, 10, 130, 30))
    assert [w.text for w in _split_at_strokes([a, b], img)] == ["eth1 eth0"]
    cv2.line(img, (70, 0), (70, 39), INK, 2)  # a link passes between the two labels
    assert [w.text for w in _split_at_strokes([a, b], img)] == ["eth1", "eth0"]


def test_rapidocr_models_come_from_the_wheel_and_a_missing_one_is_an_error(monkeypatch, tmp_path):
    rapidocr = pytest.importorskip("rapidocr")
    from pathlib import Path

    from dicmodel.describe._geometry import ocr
    from dicmodel.errors import BackendUnavailableError

    files = ocr._rapidocr_model_files()
    wheel = Path(rapidocr.__file__).resolve().parent
    assert all(p.is_file() and wheel in p.parents for p in files.values())
    monkeypatch.setattr(rapidocr, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(BackendUnavailableError, match="missing"):
        ocr._rapidocr_model_files()


def test_missing_opencv_names_the_ocr_extra(monkeypatch):
    import sys

    from dicmodel.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    with pytest.raises(MissingExtraError, match=r"dicmodel\[ocr\]"):
        extract_raster(b"\x89PNG\r\n\x1a\n", ocr=None)


def test_a_one_pixel_sliver_region_is_no_shape_and_no_crash():
    # a real NIST figure crashed here: a region one pixel high reached the corner probes
    import types

    from dicmodel.describe._geometry.raster.shapes import _classify

    f = types.SimpleNamespace(np=np, cv2=cv2)
    assert _classify(np.ones((1, 40), np.uint8), f)[0] is None
    assert _classify(np.ones((40, 2), np.uint8), f)[0] is None



def _ring_of_boxes() -> np.ndarray:
    """Six boxes round a ring (a SONET or token ring), each joined to the next by a line."""
    import math

    img = _canvas(520, 460)
    cx, cy, r = 260, 230, 170
    pts = [(int(cx + r * math.cos(math.radians(a))), int(cy + r * math.sin(math.radians(a))))
           for a in range(0, 360, 60)]
    for x, y in pts:
        cv2.rectangle(img, (x - 36, y - 20), (x + 36, y + 20), INK, 2)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        d = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        t = min(36 / abs(ux) if ux else 1e9, 20 / abs(uy) if uy else 1e9)  # box border
        cv2.line(img, (int(x0 + ux * t), int(y0 + uy * t)), (int(x1 - ux * t), int(y1 - uy * t)), INK, 2)
    return img


def test_the_inside_of_a_ring_of_boxes_is_no_shape_and_its_links_stay():
    # the background the ring closes in was read as a circle node, and its outline took the
    # six links out of the ink (a draw.io flowchart's loop of connectors between a decision,
    # an action, a decision and a circle did the same, as a hexagon)
    prims = extract_raster(_png(_ring_of_boxes()), ocr=None)
    assert sorted(s.kind for s in prims.shapes) == ["rect"] * 6
    assert len(prims.paths) == 6
