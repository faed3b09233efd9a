"""Raster shapes in small print and tight layouts, on generated images whose geometry is known.

Graphviz at 96 dpi stacks boxes a few pixels apart (``nodesep=.05``) and runs its curves into
them along their sides; a large diagram shrunk to fit draws 1 px lines that the shrinking
splits over two pixel rows; a box can sit right at the image's edge. Each of these once lost
its node (the last one only while the corner probes were being changed).
"""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.primitives import Shape
from dicmodel.describe._geometry.raster.bridge import _bridge_labels
from dicmodel.describe._geometry.raster.frame import _Frame

from _raster_draw import INK  # noqa: E402
from _raster_draw import canvas as _canvas  # noqa: E402
from _raster_draw import png as _png  # noqa: E402


def _rects(prims) -> list[tuple[float, ...]]:
    return sorted(s.bbox for s in prims.shapes if s.kind == "rect")


def test_column_of_close_boxes_fed_along_their_sides_is_one_box_each():
    img = _canvas(420, 260)
    x0, x1, tops = 300, 372, list(range(20, 240, 28))  # 22 px boxes, 6 px apart
    for t in tops:
        cv2.rectangle(img, (x0, t), (x1, t + 22), INK, 1)
    # the connectors from a node on the left arrive at the boxes' corners and run down their
    # left sides, so that side reads as one line past both ends of every box
    cv2.rectangle(img, (40, 110), (120, 140), INK, 1)
    cv2.line(img, (x0, tops[0]), (x0, tops[-1] + 22), INK, 1)
    for t in tops:
        cv2.line(img, (121, 125), (x0, t), INK, 1)
    rects = _rects(raster.extract_raster(_png(img), ocr=None))
    column = [r for r in rects if abs(r[0] - x0) <= 3]
    assert len(column) == len(tops)
    assert all(abs(r[1] - t) <= 3 and abs(r[3] - (t + 22)) <= 3 for r, t in zip(column, tops))


def test_gap_between_lines_crossing_past_two_corners_is_still_no_box():
    # a note's bottom edge that runs on past both lifelines above, lifelines below a message
    img = _canvas(300, 300)
    cv2.line(img, (40, 100), (260, 100), INK, 2)    # the note's lower edge, wider than the gap
    cv2.line(img, (100, 60), (100, 280), INK, 2)    # two lifelines through both
    cv2.line(img, (200, 60), (200, 280), INK, 2)
    cv2.line(img, (100, 200), (200, 200), INK, 2)   # a message between them
    assert raster.extract_raster(_png(img), ocr=None).shapes == []


def test_hairline_boxes_survive_shrinking():
    # 1 px mid-grey lines (Mermaid's purple borders), shrunk by 0.59: wherever a line falls
    # between two rows of the smaller grid it fades to near the background, and a grey
    # threshold alone breaks the outline there
    img = _canvas(1200, 500)
    boxes = [(60 + 230 * k, 100 + 37 * k, 60 + 230 * k + 120, 100 + 37 * k + 50) for k in range(5)]
    for b in boxes:
        cv2.rectangle(img, b[:2], b[2:], (150, 150, 150), 1)
    rects = _rects(raster.extract_raster(_png(img), ocr=None, scale=0.59))
    assert len(rects) == len(boxes)
    for r, b in zip(rects, boxes):
        assert all(abs(u - v) <= 4 for u, v in zip(r, b))


def test_box_at_the_image_edge_is_a_box():
    # a 2 px outline whose right side ends in the image's last column: a corner probe cut
    # short there sees nothing but that stroke, which once made both right corners run on
    img = _canvas(200, 80)
    cv2.rectangle(img, (120, 20), (198, 60), INK, 2)
    cv2.line(img, (10, 40), (119, 40), INK, 2)
    rects = _rects(raster.extract_raster(_png(img), ocr=None))
    assert len(rects) == 1 and abs(rects[0][0] - 120) <= 3



def test_gap_between_two_walls_that_run_on_is_no_box():
    # two tall node sides with two links strung between them: the space between the links
    # is bounded by straight walls that run on far past its top corners
    img = _canvas(300, 220)
    cv2.line(img, (100, 10), (100, 130), INK, 2)
    cv2.line(img, (200, 10), (200, 130), INK, 2)
    cv2.line(img, (100, 90), (200, 90), INK, 2)
    cv2.line(img, (100, 130), (200, 130), INK, 2)
    rects = _rects(raster.extract_raster(_png(img), ocr=None))
    assert not any(abs(r[1] - 90) <= 3 and abs(r[3] - 130) <= 3 for r in rects)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_graphviz_fan_out_in_small_print_reads_every_edge():
    # a directory-tree layout at 96 dpi (the devset's dirgraph renders): one node fans out to
    # ten stacked boxes, one of which fans out again. The fans graze the corners of the boxes
    # they leave (once read as a gap between crossing lines, losing the box), and curves that
    # converge on one point of a side thin to one V-shaped stroke between two far boxes
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry.classify import build_diagram

    kids = ["mme", "sgw", "pgw", "hss", "pcrf", "bss", "ofcs", "dns", "nrf", "smf"]
    src = ('graph G { nodesep=.1; rankdir=LR; node [height=.15, shape=box, fontname="Helvetica", '
           'fontsize=8]; core -- epc; ' + " ".join(f"epc -- {k};" for k in kids)
           + " hss -- hlr; hss -- auc; hss -- eir; }")
    png = subprocess.run(["dot", "-Tpng"], input=src.encode(), capture_output=True, check=True).stdout
    d = build_diagram(raster.extract_raster(png)).diagram
    label = {n.id: n.label for n in d.nodes}
    got = {frozenset((label[e.source], label[e.target])) for e in d.edges}
    want = ({frozenset(("core", "epc"))} | {frozenset(("epc", k)) for k in kids}
            | {frozenset(("hss", k)) for k in ("hlr", "auc", "eir")})
    assert got == want


def test_flat_ellipse_over_another_is_two_nodes_and_a_lid_on_a_body_is_a_cylinder():
    # Graphviz stacks wide ellipse nodes (rankdir=LR) less than one ellipse height apart;
    # only a lid whose lower arc bounds a body below it makes a database cylinder
    img = _canvas(640, 360)
    for cy in (60, 120):
        cv2.ellipse(img, (150, cy), (90, 20), 0, 0, 360, INK, 1, cv2.LINE_AA)
    cv2.ellipse(img, (450, 60), (90, 20), 0, 0, 360, INK, 1, cv2.LINE_AA)  # lid
    cv2.line(img, (360, 60), (360, 300), INK, 1)
    cv2.line(img, (540, 60), (540, 300), INK, 1)
    cv2.ellipse(img, (450, 300), (90, 20), 0, 0, 180, INK, 1, cv2.LINE_AA)  # bottom
    shapes = raster.extract_raster(_png(img), ocr=None).shapes
    left = sorted((s.kind, round(s.bbox[1])) for s in shapes if s.bbox[2] < 300)
    right = [s.kind for s in shapes if s.bbox[0] > 300]
    assert [k for k, _ in left] == ["ellipse", "ellipse"]
    assert right == ["cylinder"]


def test_an_ellipse_a_rank_above_a_box_of_its_width_is_no_cylinder_lid():
    # devset 010_bgp-ecmp-topo1: the subnet ellipse "s3" sits one rank above the box "peer20"
    # of about its width, a short link between them; its lower arc bounds nothing
    img = _canvas(400, 300)
    cv2.ellipse(img, (200, 60), (90, 28), 0, 0, 360, INK, 1, cv2.LINE_AA)
    cv2.rectangle(img, (110, 124), (290, 200), INK, 1)  # top 1.15 ellipse heights below its middle
    cv2.line(img, (200, 88), (200, 124), INK, 1)
    kinds = sorted(s.kind for s in raster.extract_raster(_png(img), ocr=None).shapes)
    assert kinds == ["ellipse", "rect"]


def test_dotted_polyline_with_bends_is_one_connector():
    # a dotted link bends twice on its way: each straight stretch is a row of dashes of its
    # own, and the rows end a dash apart at the bends, pointing different ways (it also loses
    # a few dashes before the box it reaches, as under the edge of a label)
    from dicmodel.describe._geometry.graph import recover_graph

    img = _canvas(520, 240)
    cv2.rectangle(img, (20, 160), (100, 200), INK, 2)
    cv2.rectangle(img, (420, 20), (500, 60), INK, 2)
    route = [(101, 180), (180, 180), (260, 40)] + [(x, 40) for x in range(260, 420, 2)]
    pts = []
    for (x0, y0), (x1, y1) in zip(route, route[1:]):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0)))
        pts += [(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n) for t in range(n)]
    for k in range(0, len(pts) - 6, 10):
        if 330 <= pts[k][0] <= 352 and pts[k][1] < 50:
            continue  # the lost dashes: a 22 px gap
        a, b = pts[k], pts[k + 5]
        cv2.line(img, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), INK, 2)
    parts = recover_graph(raster.extract_raster(_png(img), ocr=None))
    boxes = [n.bbox for n in parts.nodes]
    assert len(boxes) == 2
    assert len(parts.edges) == 1 and {parts.edges[0][0], parts.edges[0][1]} == {0, 1}
    assert parts.edges[0][2].dashed


def test_line_through_a_label_is_rejoined_past_a_stray_dash_beside_the_text():
    # a dotted link's label: the two halves of the line stop at either side of the text, and
    # one dash next to the text survived the erasing as a third loose end there
    from dicmodel.describe._geometry.primitives import Path

    f = _Frame(np, cv2, 1.0, np.zeros((100, 320), np.uint8), 2.0, 20.0)
    label = (100.0, 40.0, 160.0, 60.0)
    halves = [Path(points=[(0.0, 50.0), (95.0, 50.0)], dashed=True),
              Path(points=[(166.0, 50.0), (300.0, 50.0)], dashed=True, arrow_end=True)]
    stray = Path(points=[(94.0, 63.0), (99.0, 70.0)], dashed=True)
    out = _bridge_labels(halves + [stray], [label], [], f)
    joined = [p for p in out if len(p.points) >= 4]
    assert len(joined) == 1 and joined[0].arrow_end
    assert joined[0].points[0] == (0.0, 50.0) and joined[0].points[-1] == (300.0, 50.0)
    # a boxed node's label is where its edges end, never a line running through it
    box = Shape(kind="rect", bbox=(90.0, 30.0, 170.0, 70.0))
    out = _bridge_labels(halves + [stray], [label], [], f, shapes=[box])
    assert not [p for p in out if len(p.points) >= 4]
