"""Solid device icons of a raster figure: a router's coloured puck, a switch's filled block.

Network drawings (draw.io's Cisco stencils, PowerPoint clip-art) show their devices as solid
coloured pictures with a name printed under them and the links running to their edge. The ink
stage turns a large solid fill into its outline (:func:`.ink._fills_to_outlines`), which serves
a filled box with a label in it; a picture, though, has marks of its own inside (a router's
white arrows), so its inside is no clean region, no shape is found, and the outline and the
marks are traced as a knot of short lines. Here a compact solid area that no shape accounts
for becomes one ``icon`` shape, the ink inside it stops being connectors, and the graph stage
names it by the text just under or over it (``graph._caption_labels``), as it names the
pictures of a vector figure.
"""

from __future__ import annotations

from typing import Any

from .. import _util as U
from ..primitives import Rect, Shape
from .frame import _Frame, _median_h

_MIN_SIDE = 1.2  # text heights: an icon is larger than a head, a marker or a letter ...
_MAX_SIDE = 6.0  # ... and smaller than a highlight band or a zone behind other shapes
_MAX_ASPECT = 3.0  # a long solid bar is a thick line or a band, not a picture
_MIN_FILL = 0.45  # share of its box the solid area covers (a diagonal thick line covers less)
_COVERED = 0.5  # overlap (of the smaller box) with a found shape that makes it that shape


def solid_blobs(ink: Any, words: list[Rect], np: Any, cv2: Any) -> list[Rect]:
    """Boxes (working pixels) of compact solid ink areas larger than a text line is tall, with
    no word inside: candidate icons, found before fills are turned into outlines."""
    h = _median_h(words, 12.0)
    k = max(7, int(0.45 * h) | 1)  # the opening of _fills_to_outlines: no line survives it
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, hh, area = (int(v) for v in stats[i])
        box = (float(x), float(y), float(x + w), float(y + hh))
        if (min(w, hh) < _MIN_SIDE * h or max(w, hh) > _MAX_SIDE * h
                or max(w, hh) > _MAX_ASPECT * min(w, hh)
                or area < _MIN_FILL * w * hh or area < max(300, h * h)):
            continue
        if any(U.inside(U.center(b), box) for b in words):
            continue  # a filled node with its label: the outline stage reads it
        out.append(box)
    return _merged(out, 0.25 * h)


def _merged(boxes: list[Rect], gap: float) -> list[Rect]:
    """Solid parts that touch are one picture (a router's top face over its side band, each
    a fill of its own shade)."""
    out: list[Rect] = []
    for b in boxes:
        # a box that takes in a neighbour may now reach another one: merge until none is near
        while (k := next((i for i, a in enumerate(out) if U.overlap_area(U.expand(a, gap), b) > 0),
                         None)) is not None:
            a = out.pop(k)
            b = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
        out.append(b)
    return out


def icon_shapes(blobs: list[Rect], shapes: list[Shape], conn: Any, f: _Frame
                ) -> tuple[list[Shape], Any]:
    """Each blob no found shape accounts for becomes an ``icon`` shape; shapes inside it (the
    gaps between its marks) go, and its ink is no longer connector ink."""
    if not blobs:
        return shapes, conn
    icons = [b for b in blobs if not any(_share(b, s.bbox) >= _COVERED for s in shapes
                                         if s.kind != "icon" and not U.contains(b, s.bbox, 0.0))]
    if not icons:
        return shapes, conn
    m = max(2.0, 1.5 * f.stroke)  # the outline drawn round the fill lies just outside it
    kept = [s for s in shapes if not any(U.contains(U.expand(b, m), s.bbox, 0.0) for b in icons)]
    conn = conn.copy()
    hh, ww = conn.shape
    for b in icons:
        x0, y0, x1, y1 = U.expand(b, m)
        conn[max(0, int(y0)):min(hh, int(y1) + 1), max(0, int(x0)):min(ww, int(x1) + 1)] = 0
    return kept + [Shape(kind="icon", bbox=b, filled=True, stroked=False) for b in icons], conn


def _share(a: Rect, b: Rect) -> float:
    """The overlap of two boxes as a share of the smaller one."""
    small = min(U.area(a), U.area(b))
    return U.overlap_area(a, b) / small if small > 0 else 0.0
