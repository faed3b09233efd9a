"""Open arrowheads of raster connectors drawn as two strokes (a 'V'), on generated images."""

from __future__ import annotations

import math

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.raster import extract_raster

from _raster_draw import INK, canvas, png  # noqa: E402


def _boxes(img: np.ndarray, colour: tuple[int, int, int]) -> None:
    cv2.rectangle(img, (20, 60), (110, 120), colour, 1)
    cv2.rectangle(img, (300, 60), (390, 120), colour, 1)


def _heads_pointing_right(prims) -> list:
    return [a for a in prims.arrowheads if a.direction[0] > 0.98 and 285 <= a.tip[0] <= 302
            and 82 <= a.tip[1] <= 98]


def test_an_open_v_head_of_two_strokes_gives_the_line_its_direction():
    img = canvas(420, 180)
    _boxes(img, INK)
    # the point stops just short of the box (touching it, the 'V' and the box outline would
    # close a small triangle, which reads as a hollow head already)
    cv2.line(img, (111, 90), (295, 90), INK, 1, cv2.LINE_AA)
    for dy in (-7, 7):  # the barbs run back from the point, one on each side of the line
        cv2.line(img, (295, 90), (284, 90 + dy), INK, 1, cv2.LINE_AA)
    prims = extract_raster(png(img), ocr=None)
    heads = _heads_pointing_right(prims)
    assert heads, prims.arrowheads
    # the barbs are no connectors of their own
    assert not [p for p in prims.paths if math.dist(p.points[0], p.points[-1]) < 20]


def test_a_fork_of_two_long_lines_is_no_open_head():
    img = canvas(420, 220)
    cv2.rectangle(img, (20, 80), (110, 140), INK, 1)
    cv2.line(img, (111, 110), (250, 110), INK, 2)
    for y in (30, 190):  # a line that branches to two boxes far away is a fork, not a head
        cv2.line(img, (250, 110), (380, y), INK, 2)
    prims = extract_raster(png(img), ocr=None)
    assert not [a for a in prims.arrowheads if 240 <= a.tip[0] <= 260]
