"""Straight connectors that cross each other at shallow angles (a fan of links crossed by
another link), read from a generated raster figure: tracing breaks the lines at the
crossings, yet each straight run of ink from one box to another is still an edge."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.graph import recover_graph
from dicmodel.describe._geometry.raster import extract_raster

from _raster_draw import INK, canvas, png  # noqa: E402

TOPS = (150, 750)  # x centres of the upper boxes
LOWS = (100, 350, 600, 850)  # x centres of the lower boxes


def _fan() -> np.ndarray:
    img = canvas(900, 320)
    for x in TOPS:
        cv2.rectangle(img, (x - 60, 10), (x + 60, 60), INK, 2)
    for x in LOWS:
        cv2.rectangle(img, (x - 45, 240), (x + 45, 290), INK, 2)
    for x in LOWS:  # the left upper box fans out to every lower box
        cv2.line(img, (TOPS[0], 61), (x, 239), INK, 1, cv2.LINE_AA)
    cv2.line(img, (TOPS[1], 61), (LOWS[0], 239), INK, 1, cv2.LINE_AA)  # crossing the fan
    return img


def test_a_line_broken_at_shallow_crossings_is_still_one_edge():
    parts = recover_graph(extract_raster(png(_fan()), ocr=None))
    got = set()
    for s, t, _c, _ in parts.edges:
        xs = sorted(round((parts.nodes[k].bbox[0] + parts.nodes[k].bbox[2]) / 2) for k in (s, t))
        got.add(tuple(xs))
    assert (TOPS[0], LOWS[2]) in got, sorted(got)  # the line that crosses the long one twice
    assert len(got) >= 3
