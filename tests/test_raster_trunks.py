"""Edges that share a trunk (orthogonal connectors overlapping on their way into one node),
read from a generated raster figure: one edge per terminal, not one tree of pieces."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.graph import recover_graph
from dicmodel.describe._geometry.raster import extract_raster

from _raster_draw import INK, canvas, png  # noqa: E402

TOPS = (60, 200, 340)  # x centres of the three boxes on top
HUB = 270  # x centre of the box below (off any drop: a four-way meeting reads as a crossing)


def _bus(head: bool) -> np.ndarray:
    img = canvas(420, 300)
    for x in TOPS:
        cv2.rectangle(img, (x - 45, 20), (x + 45, 70), INK, 2)
        cv2.line(img, (x, 71), (x, 130), INK, 2)  # each box drops to the bus
    cv2.rectangle(img, (HUB - 45, 220), (HUB + 45, 270), INK, 2)
    cv2.line(img, (TOPS[0], 130), (TOPS[-1], 130), INK, 2)  # the shared bus
    end = 206 if head else 219
    cv2.line(img, (HUB, 130), (HUB, end), INK, 2)  # the trunk into the box below
    if head:
        cv2.fillPoly(img, [np.array([[HUB, 222], [HUB - 7, 206], [HUB + 7, 206]], np.int32)], INK)
    return img


def _pairs(img: np.ndarray) -> list[tuple[float, float, bool]]:
    parts = recover_graph(extract_raster(png(img), ocr=None))
    out = []
    for s, t, c, _ in parts.edges:
        a, b = parts.nodes[s].bbox, parts.nodes[t].bbox
        out.append(((a[0] + a[2]) / 2, (b[0] + b[2]) / 2, c.arrow_end or c.arrow_start))
    return out


def _is_hub(x: float) -> bool:
    return abs(x - HUB) < 10


def test_three_boxes_on_one_bus_each_link_to_the_box_on_the_other_side():
    pairs = _pairs(_bus(head=False))
    assert len(pairs) == 3, pairs
    # every edge joins a top box and the box below (which of the two is the source is not drawn)
    tops = sorted(a if not _is_hub(a) or _is_hub(b) and a < b else b for a, b, _ in pairs)
    assert all(_is_hub(a) or _is_hub(b) for a, b, _ in pairs)
    assert len({round(t / 50) for t in tops}) == 3


def test_a_head_on_the_trunk_makes_every_other_end_a_source():
    pairs = _pairs(_bus(head=True))
    assert len(pairs) == 3, pairs
    assert all(d for _a, _b, d in pairs)
    assert sorted(round(a) // 50 for a, _b, _d in pairs) == [1, 4, 6]  # the three top boxes
