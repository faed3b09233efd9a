"""Joining traced pieces into whole connectors: across labels that sit on a line, across
dashed gaps, word boxes and shape borders, and through small rings; lines are straightened
and aligned, glued to arrowheads, and their loose ends carried on to the shape they point at.
Straight undirected strokes between two different fills are the edges of filled areas, not
connectors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .._util import center, poly_dist, poly_len, rect_dist
from ..primitives import Arrowhead, Path, Point, Rect, Shape
from .frame import _Frame, _inside


def _glue_arrows(paths: list[Path], heads: list[Arrowhead], f: _Frame) -> None:
    """Mark the path end nearest each arrowhead's base (within reach) as arrowed."""
    for a in heads:
        size = max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1])
        base = (a.tip[0] - a.direction[0] * size, a.tip[1] - a.direction[1] * size)
        reach = size + 3 * f.stroke + 4
        # a dashed line can stop a whole gap short of its head (the last dash fused with it)
        gap = 2.0 * max(6.0, 4.0 * f.stroke)
        best, best_d = None, reach + gap
        for p in paths:
            for end, q in ((0, p.points[0]), (1, p.points[-1])):
                d = math.hypot(q[0] - base[0], q[1] - base[1])
                if d < best_d and (d <= reach or p.dashed):
                    best, best_d = (p, end), d
        if best is not None:
            # extend the line into the head, so the end touches it as in a vector drawing
            inner = (a.tip[0] - a.direction[0] * 0.5 * size, a.tip[1] - a.direction[1] * 0.5 * size)
            if best[1] == 0:
                best[0].arrow_start = True
                best[0].points.insert(0, inner)
            else:
                best[0].arrow_end = True
                best[0].points.append(inner)


def _label_blocks(words: list[Rect], h: float) -> list[Rect]:
    """Word boxes that touch (lines of one label) merged into one box each."""
    blocks: list[Rect] = []
    pad = 0.35 * h
    for b in sorted(words, key=lambda r: (r[1], r[0])):
        for k, o in enumerate(blocks):
            # lines of one label sit under each other; words side by side are separate labels
            if b[0] < o[2] and o[0] < b[2] and b[1] - pad <= o[3] and o[1] - pad <= b[3]:
                blocks[k] = (min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3]))
                break
        else:
            blocks.append(b)
    return blocks


def _bridge_labels(paths: list[Path], words: list[Rect], badges: list[Rect], f: _Frame,
                   heads: list[Arrowhead] = (), shapes: list[Shape] = ()) -> list[Path]:
    """Rejoin a connector that a label sits on (its background hides the line under the text).

    Exactly two path ends, of different paths, touching one label block on opposite sides
    are the two halves of one connector.
    """
    if not words or not paths:
        return paths
    reach = max(4.0, 2.0 * f.stroke + 3.0)
    # a dotted line's last dash can stop a dash gap short of the label
    dash_reach = reach + 2.0 * f.stroke + 4.0
    for blk in _label_blocks(words, f.text_h or 10.0) + badges:
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if rect_dist(p.points[e], blk) <= (dash_reach if p.dashed else reach)]
        if len(ends) == 1 and heads:
            _to_head_across(paths[ends[0][0]], ends[0][1], blk, heads, reach, f)
            continue
        if 2 < len(ends) <= 4 and not any(_inside(blk, sh.bbox) for sh in shapes):
            # (a node's own label, boxed or not, is where its edges end: not a label on a line)
            ends = _through_pair(ends, paths, blk)
        if len(ends) != 2 or ends[0][0] == ends[1][0]:
            continue
        if _dot_dir(*_facing(paths, ends[0], ends[1])) < 0.0:
            continue  # they must continue each other, not double back
        paths = _splice(paths, ends[0], ends[1])
    return paths


_THROUGH_COS = 0.9  # two ends on either side of a label that line up as one straight line
# two pieces that stop inside one word box or at a shape's border: stricter, since nothing
# but their alignment says they are one line
_STRAIGHT_COS = 0.97
_BEND_COS = 0.3  # two dash rows of one dotted polyline turn by less than ~70 degrees


def _through_pair(ends: list[tuple[int, int]], paths: list[Path], blk: Rect) -> list[tuple[int, int]]:
    """Among several ends at a label (a dotted line's dashes beside its text, a second line
    passing), the two that are one line running through it: on opposite sides of the label,
    each heading at the other. Empty when no pair, or more than one, lines up."""
    cx, cy = center(blk)
    found = []
    for ea, eb in _end_pairs(ends):
        pa, pb = _facing(paths, ea, eb)
        a, b = pa[-1], pb[0]
        if (a[0] - cx) * (b[0] - cx) + (a[1] - cy) * (b[1] - cy) >= 0:
            continue  # same side of the label
        if _lined_up(pa, pb, _THROUGH_COS):
            found.append((ea, eb))
    return list(found[0]) if len(found) == 1 else []


def _to_head_across(p: Path, end: int, blk: Rect, heads: list[Arrowhead], reach: float,
                    f: _Frame) -> None:
    """A line that reaches a label from one side, with a head just past the other side (the
    stretch between label and head was too short to keep): carry the line on to the head."""
    pts = p.points if end == -1 else p.points[::-1]
    if len(pts) < 2:
        return
    (ax, ay), (bx, by) = pts[-2], pts[-1]
    n = math.hypot(bx - ax, by - ay)
    if n < 1e-6:
        return
    u = ((bx - ax) / n, (by - ay) / n)
    for a in heads:
        size = max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1])
        base = (a.tip[0] - a.direction[0] * size, a.tip[1] - a.direction[1] * size)
        if rect_dist(base, blk) > reach + size or u[0] * a.direction[0] + u[1] * a.direction[1] < 0.5:
            continue
        # the head lies beyond the label, ahead of the line
        if (base[0] - bx) * u[0] + (base[1] - by) * u[1] <= 0:
            continue
        if end == -1:
            p.points.append(base)
        else:
            p.points.insert(0, base)
        return


def _bridge_in_words(paths: list[Path], words: list[Rect], f: _Frame) -> list[Path]:
    """Two pieces of one straight line that stop facing each other inside one word box (a
    label, or a marker the OCR read as a letter, was erased from the middle of the line)."""
    for b in words:
        pad = 2.0
        box = (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if len(p.points) >= 2 and _inside((*p.points[e], *p.points[e]), box, margin=0.0)]
        best = None
        for ea, eb in _end_pairs(ends):
            pa, pb = _facing(paths, ea, eb)
            n = math.dist(pa[-1], pb[0])
            if n < 1e-6:
                continue
            # both pieces point along the gap: one straight line broken in the middle
            if _lined_up(pa, pb, _STRAIGHT_COS) and (best is None or n < best[0]):
                best = (n, ea, eb)
        if best is None:
            continue
        paths = _splice(paths, best[1], best[2])
    return paths


def _close_dashed_gaps(paths: list[Path], shapes: list[Shape], f: _Frame) -> list[Path]:
    """Two dashed pieces that stop facing each other across a short gap are one dotted line
    (a longer gap between dashes, or a dash lost to a label's edge or to the text erasing); so
    are two that nearly meet at a bend (the dash rows of one dotted polyline, each straight)."""
    reach = max(12.0, 4.0 * f.stroke, 1.2 * f.text_h)
    bend = max(12.0, 4.0 * f.stroke, 0.6 * f.text_h)
    near = 2.0 * f.stroke + 2.0  # an end this close to a shape is attached to it
    while True:
        ends = [(i, e) for i, p in enumerate(paths) if p.dashed and len(p.points) >= 2
                for e in (0, -1) if not (p.arrow_start if e == 0 else p.arrow_end)
                and not any(rect_dist(p.points[e], sh.bbox) <= near for sh in shapes)]
        best = None
        for ea, eb in _end_pairs(ends):
            pa, pb = _facing(paths, ea, eb)
            n = math.dist(pa[-1], pb[0])
            if n < 1e-6 or n > reach or (best is not None and n >= best[0]):
                continue
            if _lined_up(pa, pb, _THROUGH_COS) or (n <= bend and _dot_dir(pa, pb) >= _BEND_COS):
                best = (n, ea, eb)
        if best is None:
            return paths
        paths = _splice(paths, best[1], best[2])


def _end_pairs(ends: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """Every pair of (path, end) entries that belong to two different paths, in list order."""
    for a in range(len(ends)):
        for b in range(a + 1, len(ends)):
            if ends[a][0] != ends[b][0]:
                yield ends[a], ends[b]


def _facing(paths: list[Path], end_a: tuple[int, int], end_b: tuple[int, int]
            ) -> tuple[list[Point], list[Point]]:
    """The points of two paths oriented to meet: ``end_a``'s end last, ``end_b``'s end first
    (an end is -1 for the last point, 0 for the first)."""
    (i, ei), (j, ej) = end_a, end_b
    pa = paths[i].points if ei == -1 else paths[i].points[::-1]
    pb = paths[j].points if ej == 0 else paths[j].points[::-1]
    return pa, pb


def _lined_up(pa: list[Point], pb: list[Point], cos: float) -> bool:
    """Both pieces point along the gap between ``pa``'s last point and ``pb``'s first: one
    straight line broken there."""
    return _dot_dir(pa, [pa[-1], pb[0]]) >= cos and _dot_dir([pa[-1], pb[0]], pb) >= cos


def _splice(paths: list[Path], end_a: tuple[int, int], end_b: tuple[int, int]) -> list[Path]:
    """Join path ``i`` at end ``ei`` (-1 last point, 0 first) to path ``j`` at end ``ej`` into
    one path (arrowheads kept at the outer ends); the two pieces leave the list."""
    (i, ei), (j, ej) = end_a, end_b
    a, b = paths[i], paths[j]
    pa, pb = _facing(paths, end_a, end_b)
    sa = a.arrow_start if ei == -1 else a.arrow_end
    eb = b.arrow_end if ej == 0 else b.arrow_start
    merged = Path(points=pa + pb, dashed=a.dashed and b.dashed, width=a.width,
                  arrow_start=sa, arrow_end=eb)
    return [p for k, p in enumerate(paths) if k not in (i, j)] + [merged]


def _across_borders(paths: list[Path], shapes: list[Shape], f: _Frame) -> list[Path]:
    """A connector that crosses a container's border (into a subgraph, to a node inside) was
    cut where the border was taken out as an outline: rejoin the piece outside with the piece
    inside when they continue each other straight across the border."""
    gap_max = 2.0 * (2.0 * f.stroke + 3.0) + 4.0
    boxes = [s.bbox for s in shapes if any(o is not s and _inside(o.bbox, s.bbox) for o in shapes)]
    if not boxes:
        return paths
    changed = True
    while changed:
        changed = False
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1) if len(p.points) >= 2
                and any(_border_dist(p.points[e], b) <= gap_max for b in boxes)]
        for a in range(len(ends)):
            i, ei = ends[a]
            q = paths[i].points[ei]
            for c in range(a + 1, len(ends)):
                j, ej = ends[c]
                r = paths[j].points[ej]
                if i == j or math.hypot(q[0] - r[0], q[1] - r[1]) > gap_max:
                    continue
                if not any(_inside((*q, *q), b, 0.0) != _inside((*r, *r), b, 0.0) for b in boxes):
                    continue  # both on one side of every border
                pa, pb = _facing(paths, ends[a], ends[c])
                if math.hypot(q[0] - r[0], q[1] - r[1]) < 1e-6 or not _lined_up(pa, pb, _STRAIGHT_COS):
                    continue
                paths = _splice(paths, ends[a], ends[c])
                changed = True
                break
            if changed:
                break
    return paths


def _border_dist(q: Point, r: Rect) -> float:
    """Distance from a point to the outline of a box (inside or out)."""
    if r[0] <= q[0] <= r[2] and r[1] <= q[1] <= r[3]:
        return min(q[0] - r[0], r[2] - q[0], q[1] - r[1], r[3] - q[1])
    return rect_dist(q, r)


def _dot_dir(pa: list[Point], pb: list[Point]) -> float:
    """Cosine between the direction pa arrives with and the direction pb leaves with."""
    (ax, ay), (bx, by) = pa[max(0, len(pa) - 2)], pa[-1]
    (cx, cy), (dx, dy) = pb[0], pb[min(1, len(pb) - 1)]
    u, v = (bx - ax, by - ay), (dx - cx, dy - cy)
    nu, nv = math.hypot(*u), math.hypot(*v)
    if nu < 1e-6 or nv < 1e-6:
        return 1.0
    return (u[0] * v[0] + u[1] * v[1]) / (nu * nv)


def _straighten(pts: list[Point], stroke: float) -> None:
    """Make nearly vertical/horizontal segments exact (pixel skeletons wobble by a pixel)."""
    for k in range(len(pts) - 1):
        (ax, ay), (bx, by) = pts[k], pts[k + 1]
        if abs(ax - bx) <= max(1.5, 0.6 * stroke, 0.03 * abs(ay - by)) and abs(ay - by) > abs(ax - bx):
            x = (ax + bx) / 2.0
            pts[k], pts[k + 1] = (x, ay), (x, by)
        elif abs(ay - by) <= max(1.5, 0.6 * stroke, 0.03 * abs(ax - bx)) and abs(ax - bx) > abs(ay - by):
            y = (ay + by) / 2.0
            pts[k], pts[k + 1] = (ax, y), (bx, y)


def _align_columns(paths: list[Path], stroke: float) -> None:
    """Vertical segments within a line width of each other share one x (lifelines are drawn
    as many pieces between messages; their pixel centres wander by a pixel)."""
    segs = []  # (x, length, path index, point index)
    for i, p in enumerate(paths):
        for k in range(len(p.points) - 1):
            (ax, ay), (bx, by) = p.points[k], p.points[k + 1]
            if ax == bx and ay != by:
                segs.append((ax, abs(by - ay), i, k))
    segs.sort()
    tol = max(2.0, stroke)
    start = 0
    for j in range(1, len(segs) + 1):
        if j == len(segs) or segs[j][0] - segs[j - 1][0] > tol:
            group = segs[start:j]
            x = sum(s[0] * s[1] for s in group) / max(1e-9, sum(s[1] for s in group))
            for _, _, i, k in group:
                pts = paths[i].points
                pts[k], pts[k + 1] = (x, pts[k][1]), (x, pts[k + 1][1])
            start = j


def _through_rings(paths: list[Path], f: _Frame) -> list[Path]:
    """A line threaded through a small ring (its outline was erased) runs on through it: the
    two pieces on opposite sides become one path; a single piece is extended across."""
    for cx, cy, r in f.rings:
        reach = r + 2.0 * f.stroke + 4.0
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if math.hypot(p.points[e][0] - cx, p.points[e][1] - cy) <= reach]
        pair = None
        for (i, ei), (j, ej) in _end_pairs(ends):
            u = (paths[i].points[ei][0] - cx, paths[i].points[ei][1] - cy)
            v = (paths[j].points[ej][0] - cx, paths[j].points[ej][1] - cy)
            nu, nv = math.hypot(*u) or 1.0, math.hypot(*v) or 1.0
            cos = (u[0] * v[0] + u[1] * v[1]) / (nu * nv)
            if cos < -0.5 and (pair is None or cos < pair[0]):
                pair = (cos, (i, ei), (j, ej))
        if pair is not None:
            paths = _splice(paths, pair[1], pair[2])
        elif len(ends) == 1:
            i, e = ends[0]
            q = paths[i].points[e]
            d = math.hypot(q[0] - cx, q[1] - cy) or 1.0
            far = (cx - (q[0] - cx) / d * (r + f.stroke), cy - (q[1] - cy) / d * (r + f.stroke))
            if e == 0:
                paths[i].points.insert(0, far)
            else:
                paths[i].points.append(far)
    return paths


def _reach_shapes(paths: list[Path], shapes: list[Shape], f: _Frame) -> None:
    """Extend a path end that stops just short of a shape (its outline was erased) onto it."""
    reach = 2.0 * f.stroke + 6.0
    for p in paths:
        for end in (0, -1):
            if (end == 0 and p.arrow_start) or (end == -1 and p.arrow_end):
                continue
            q = p.points[end]
            best, best_d = None, reach
            for sh in shapes:
                b = sh.bbox
                cx, cy = min(max(q[0], b[0]), b[2]), min(max(q[1], b[1]), b[3])
                d = math.hypot(q[0] - cx, q[1] - cy)
                if 0.0 < d < best_d:
                    best, best_d = (cx, cy), d
            if best is None and not any(0.0 < rect_dist(q, sh.bbox) <= reach for sh in shapes):
                best = _ray_to_shape(p, end, paths, shapes, f)
            if best is not None:
                if end == 0:
                    p.points.insert(0, best)
                else:
                    p.points.append(best)


def _ray_to_shape(p: Path, end: int, paths: list[Path], shapes: list[Shape], f: _Frame
                  ) -> Point | None:
    """A loose end that points at a shape a little further on (end markers such as ER bars
    and crow's feet break the last stretch of the line into pieces too short to keep): the
    point where the line, carried on straight, enters that shape."""
    pts = p.points if end == -1 else p.points[::-1]
    if len(pts) < 2:
        return None
    q = pts[-1]
    a = pts[-2]
    n = math.hypot(q[0] - a[0], q[1] - a[1])
    if n < max(4.0, 2.0 * f.stroke):
        return None
    ux, uy = (q[0] - a[0]) / n, (q[1] - a[1]) / n
    hit = _ray_hit(q, (ux, uy), shapes, f)
    if hit is None:
        return None
    near = 2.0 * f.stroke + 2.0
    for o in paths:  # an end that meets another line is a joint (a short tick is a marker)
        if o is not p and poly_dist(q, o.points) <= near and poly_len(o.points) > f.text_h:
            return None
    return hit


def _ray_hit(q: Point, u: Point, shapes: list[Shape], f: _Frame) -> Point | None:
    """Where a ray from ``q`` first enters a shape that ``q`` is not already in (within reach)."""
    far = max(2.0 * f.stroke + 6.0, 0.8 * f.text_h)
    inside = [sh for sh in shapes if rect_dist(q, sh.bbox) == 0.0]
    step = max(1.0, f.stroke)
    t = step
    while t <= far:
        x, y = q[0] + u[0] * t, q[1] + u[1] * t
        for sh in shapes:
            if sh in inside:
                continue
            b = sh.bbox
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                return (x, y)
        t += step
    return None


# a straight stroke with different fills on its two sides is the edge of a filled area (a
# coloured band the boxes sit on), not a connector: sampled this often along its middle, the
# two sides differ (summed |dB|+|dG|+|dR|) by more than _SIDE_DELTA at this share of the
# samples where neither side is ink
_SIDE_SAMPLES = 12
_SIDE_DELTA = 60
_SIDE_SHARE = 0.75


def _fill_borders(paths: list[Path], img: Any, f: _Frame) -> list[Path]:
    """Drop the undirected paths every segment of which runs along the border between two
    different fills: the bottom edge of a coloured band that boxes sit across reads, between
    the boxes, as links from box to box (ONAP NF-simulator: "CDS is linked with SDNR", the
    SMO/ONAP band's lower edge)."""
    keep = []
    for p in paths:
        # (the short stubs a path keeps where it meets a shape are not weighed)
        segs = [(a, b) for a, b in zip(p.points, p.points[1:])
                if math.dist(a, b) >= max(8.0, 4.0 * f.stroke)]
        if p.arrow_start or p.arrow_end or not segs or not all(
                _between_fills(a, b, img, f) for a, b in segs):
            keep.append(p)
    return keep


def _between_fills(a: Point, b: Point, img: Any, f: _Frame) -> bool:
    """Whether an axis-parallel segment a-b separates two different fills (a slanted one
    never does: only boxes and bands have straight level and plumb edges)."""
    np = f.np
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    if min(abs(dx), abs(dy)) > 0.05 * length:
        return False
    off = 2.0 * f.stroke + 3.0
    nx, ny = (0.0, 1.0) if abs(dx) >= abs(dy) else (1.0, 0.0)
    h, w = f.ink.shape
    differ = valid = 0
    for k in range(_SIDE_SAMPLES):
        t = 0.1 + 0.8 * k / (_SIDE_SAMPLES - 1)
        x, y = a[0] + t * dx, a[1] + t * dy
        p1 = (int(round(x - nx * off)), int(round(y - ny * off)))
        p2 = (int(round(x + nx * off)), int(round(y + ny * off)))
        if not all(0 <= q[0] < w and 0 <= q[1] < h for q in (p1, p2)):
            continue
        if f.ink[p1[1], p1[0]] or f.ink[p2[1], p2[0]]:
            continue
        valid += 1
        c1 = img[p1[1], p1[0]].astype(np.int32)
        c2 = img[p2[1], p2[0]].astype(np.int32)
        differ += int(np.abs(c1 - c2).sum() > _SIDE_DELTA)
    return valid >= 4 and differ >= _SIDE_SHARE * valid
