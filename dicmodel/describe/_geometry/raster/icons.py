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
from ..primitives import Path, Rect, Shape
from .frame import _Frame, _median_h
from .ink import _light_text

_MIN_SIDE = 1.2  # text heights: an icon is larger than a head, a marker or a letter ...
_MAX_SIDE = 6.0  # ... and smaller than a highlight band or a zone behind other shapes
_MAX_ASPECT = 3.0  # a long solid bar is a thick line or a band, not a picture
_MIN_FILL = 0.45  # share of its box the solid area covers (a diagonal thick line covers less)
_LIGHT_RIM = 0.7  # share of ink round a light word that puts it on a fill
_COVERED = 0.5  # overlap (of the smaller box) with a found shape that makes it that shape
_CLEAR = 0.25  # text heights round a picture where no ink is a connector
_MARK_AREA = 0.6  # a shape centred in the blob and smaller than this share of it is a mark on it
_FRAME_AREA = 6.0  # ... unless the shape holds the blob and is this many times its area: a frame


def solid_blobs(ink: Any, words: list[Rect], np: Any, cv2: Any, gray: Any = None) -> list[Rect]:
    """Boxes (working pixels) of compact solid ink areas larger than a text line is tall, with
    no word inside: candidate icons, found before fills are turned into outlines. Light words
    on a dark fill count as fill (``gray`` given): a column of white letters down a grey
    cylinder would otherwise cut it into two text-less halves, each taken for a picture."""
    h = _median_h(words, 12.0)
    k = max(7, int(0.45 * h) | 1)  # the opening of _fills_to_outlines: no line survives it
    if gray is not None:
        # (stacked white lines on a fill: each line's rim takes in the letters of the next)
        ink = ink | _light_text(ink, gray, words, np, rim=_LIGHT_RIM)
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


def icon_shapes(blobs: list[Rect], shapes: list[Shape], conn: Any, f: _Frame, solid: Any = None
                ) -> tuple[list[Shape], Any, list[Path]]:
    """Each blob no found shape accounts for becomes an ``icon`` shape; shapes inside it (the
    gaps between its marks) go, and its ink is no longer connector ink. A blob shaped like a
    block arrow (a shaft of even width, then a head that narrows to a point) is a connector
    instead: it comes back as a line from the shaft's end to the tip, headed there (``solid``:
    the ink before fills were turned into their outlines)."""
    if not blobs:
        return shapes, conn, []
    m = max(2.0, 1.5 * f.stroke)  # the outline drawn round the fill lies just outside it
    icons = [b for b in blobs if not any(_accounts(s, b) for s in shapes)]
    if not icons:
        return shapes, conn, []
    conn = conn.copy()
    arrows, pics = [], []
    for b in icons:
        found = _block_arrow(f, solid, conn, b) if solid is not None else None
        if found is None:
            pics.append(b)
        else:
            arrows.append(found)
    # (a block arrow's fill was turned into its outline too, a region the shapes took for a box)
    bodies = [body for _, body in arrows]
    kept = [s for s in shapes if not any(U.contains(U.expand(b, m), s.bbox, 0.0) for b in pics)
            and not any(U.overlap_area(b, s.bbox) >= 0.5 * U.area(s.bbox) for b in bodies)]
    hh, ww = conn.shape
    # (the opening that found the picture rounds its corners off: a fan of links meeting at a
    # corner meets a little outside the box, and the knot there would join them in pairs)
    clear = max(m, _CLEAR * f.text_h)
    for b in pics:
        x0, y0, x1, y1 = U.expand(b, clear)
        conn[max(0, int(y0)):min(hh, int(y1) + 1), max(0, int(x0)):min(ww, int(x1) + 1)] = 0
    return (kept + [Shape(kind="icon", bbox=b, filled=True, stroked=False) for b in pics], conn,
            [path for path, _ in arrows])


def _block_arrow(f: _Frame, solid: Any, conn: Any, b: Rect) -> tuple[Path, Rect] | None:
    """The connector a block arrow stands for, or None. The blob's ink (its thin tips included:
    the blob itself was found after an opening) is profiled along each axis, each way: from
    the tail, a shaft of even width (30-75 % of the head's), at least a quarter of the length,
    then the head at its widest, narrowing to under a third of that at the tip. Its ink is
    taken out of ``conn`` (the tips would read as heads of their own)."""
    np, cv2 = f.np, f.cv2
    x0, y0, x1, y1 = (int(v) for v in b)
    pad = max(x1 - x0, y1 - y0)
    hh, ww = solid.shape
    X0, Y0, X1, Y1 = max(0, x0 - pad), max(0, y0 - pad), min(ww, x1 + pad), min(hh, y1 + pad)
    _n, lab, _st, _ = cv2.connectedComponentsWithStats(solid[Y0:Y1, X0:X1], connectivity=8)
    c = lab[(y0 + y1) // 2 - Y0, (x0 + x1) // 2 - X0]
    if c == 0:
        return None
    blob = (lab == c).astype(np.uint8)
    for axis in (0, 1):  # 0: the profile runs along x (the arrow points left or right)
        # (a line the tip touches runs across the profile: an opening along it takes it out)
        kernel = np.ones((1, 5) if axis == 0 else (5, 1), np.uint8)
        opened = cv2.morphologyEx(blob, cv2.MORPH_OPEN, kernel)
        _m, lab2, st2, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
        c2 = lab2[(y0 + y1) // 2 - Y0, (x0 + x1) // 2 - X0]
        if c2 == 0:
            continue
        cx, cy, cw, ch = (int(v) for v in st2[c2][:4])
        mask = (lab2[cy:cy + ch, cx:cx + cw] == c2)
        prof = mask.sum(axis=axis).astype(float)
        for flip in (False, True):
            p = prof[::-1] if flip else prof
            if not _arrow_profile(p, np):
                continue
            span = mask.any(axis=1 - axis)  # the rows (columns) the shaft and head take
            mid = (np.nonzero(span)[0].min() + np.nonzero(span)[0].max()) / 2.0
            a, z = (len(p) - 1.0, 0.0) if flip else (0.0, len(p) - 1.0)
            if axis == 0:
                tail, tip = (X0 + cx + a, Y0 + cy + mid), (X0 + cx + z, Y0 + cy + mid)
            else:
                tail, tip = (X0 + cx + mid, Y0 + cy + a), (X0 + cx + mid, Y0 + cy + z)
            grown = cv2.dilate((lab2 == c2).astype(np.uint8), np.ones((5, 5), np.uint8))
            conn[Y0:Y1, X0:X1][grown > 0] = 0
            body = (float(X0 + cx), float(Y0 + cy), float(X0 + cx + cw), float(Y0 + cy + ch))
            # the line runs to the tip with its head on (glued here: the head-gluing stage
            # measures a head by its longer side, across the arrow for a stout one)
            return Path(points=[tail, tip], arrow_end=True), body
    return None


def _arrow_profile(p: Any, np: Any) -> bool:
    """A block arrow's width along its length, tail first (see ``_block_arrow``)."""
    n = len(p)
    if n < 8:
        return False
    k = int(np.argmax(p))
    top = p[k]
    shaft, head = p[:k], p[k:]
    if len(shaft) < 0.25 * n or len(head) < 3 or head[-1] > 0.3 * top:
        return False
    t = float(np.median(shaft))
    if not 0.3 * top <= t <= 0.75 * top or np.any(np.abs(shaft - t) > 0.15 * t + 1):
        return False
    steps = np.diff(head)
    return bool(np.all(steps <= 0.05 * top + 1))  # it only narrows towards the tip


def _accounts(s: Shape, blob: Rect) -> bool:
    """Whether a found shape is the solid blob itself (its outline, read as a box), so that no
    icon is made of it. A mark inside the picture (a shield's white face, read as an ellipse)
    is not, and neither is a frame drawn round it with room to spare (a namespace box round a
    resource's picture)."""
    if s.kind == "icon" or U.contains(blob, s.bbox, 0.0):
        return False
    # (tested by its centre: the opening that found the blob may have cut a tip off its outline)
    if U.inside(U.center(s.bbox), blob) and U.area(s.bbox) < _MARK_AREA * U.area(blob):
        return False
    if U.contains(s.bbox, blob, 0.0) and U.area(s.bbox) > _FRAME_AREA * U.area(blob):
        return False
    return _share(blob, s.bbox) >= _COVERED


def _share(a: Rect, b: Rect) -> float:
    """The overlap of two boxes as a share of the smaller one."""
    small = min(U.area(a), U.area(b))
    return U.overlap_area(a, b) / small if small > 0 else 0.0
