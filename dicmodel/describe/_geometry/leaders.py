"""Callout leaders and tick marks: lines that tie a note to a connector, not to a node.

Visio and PowerPoint callouts (a box of metadata, a reference-point name) are tied to the link
they describe by a plain line that stops on that link: on its body (a T) or where its
arrowhead starts. A connector never stops there: it ends at a node's outline, and where two
connectors meet end to end they continue each other. So a straight headless line that
ends across a directed line (on its body, or at the base of its arrowhead) is a leader; it
joins no nodes, even when the arrowhead's node is within snapping distance of its end. (Only
directed lines count: headless strokes also draw the sides of icons and devices.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from . import _util as U
from .primitives import Point, Rect

__all__ = ["leader_lines", "tick_crossings"]

_ON = 1.0        # points: an end this close to a line lies on it
_CLEAR = 3.0     # ... and in its body when this far from both of its ends (a quarter of a
                 # short line's length)
_OFF = 0.5       # an end farther than this from every shape touches none
_ACROSS = 0.5    # a leader meets the line at 60 degrees or more (|cos| below this)


class _Line(Protocol):
    points: list[Point]
    arrow_start: bool
    arrow_end: bool


def _lands_on(p: Point, inward: Point, other: _Line, off_shapes: bool = False) -> bool:
    """Whether an end at ``p``, arriving along ``inward``, stops across a directed line.
    ``off_shapes``: the end touches no shape, so it may also stop on the line near either of
    its ends (a short link between close boxes has little body)."""
    pts = other.points
    if not (other.arrow_start or other.arrow_end):
        return False  # undirected lines meet in drawings of other things (a device's sides)
    at_head = ((other.arrow_start and U.dist(p, pts[0]) <= _ON)
               or (other.arrow_end and U.dist(p, pts[-1]) <= _ON))
    clear = max(1.5 * _ON, min(_CLEAR, 0.25 * U.poly_len(pts)))  # short links: their middle
    body = (U.poly_dist(p, pts) <= _ON and U.dist(p, pts[0]) > clear
            and U.dist(p, pts[-1]) > clear)
    near = (off_shapes and U.poly_dist(p, pts) <= _ON
            and min(U.dist(p, pts[0]), U.dist(p, pts[-1])) > 0.5 * _ON)
    return (at_head or body or near) and _across(inward, _direction_at(p, pts))


def _direction_at(p: Point, pts: list[Point]) -> Point:
    k = min(range(len(pts) - 1), key=lambda i: U.seg_dist(p, pts[i], pts[i + 1]))
    a, b = pts[k], pts[k + 1]
    n = U.dist(a, b) or 1.0
    return ((b[0] - a[0]) / n, (b[1] - a[1]) / n)


def _across(u: Point, v: Point) -> bool:
    """Two directions at 60 degrees or more (a stroke painted twice runs along itself, and
    curved connectors that converge on a node meet at a slant)."""
    return abs(u[0] * v[0] + u[1] * v[1]) < _ACROSS


def _straight(pts: list[Point]) -> bool:
    """A leader is one straight stroke (connectors bend and curve)."""
    a, b = pts[0], pts[-1]
    return U.dist(a, b) > 2 * _ON and all(U.seg_dist(q, a, b) <= _ON for q in pts)


def leader_lines(lines: Sequence[_Line], shapes: Sequence[Rect] = ()) -> set[int]:
    """Indices of the headless lines that end on another line (see the module doc). An end
    that stays off every one of ``shapes`` (the nodes' outlines; a connector glued beside
    another at a node ends on the node) is a leader's wherever it stops across a directed
    line: Visio callouts are tied to short links between close boxes, whose only stretch of
    body lies within an arrowhead's length of either end."""
    boxes = [U.expand(U._bbox_pts(c.points), _ON) for c in lines]
    grid = _grid(boxes)
    outlines = _Shapes(shapes)
    out: set[int] = set()
    for i, c in enumerate(lines):
        if c.arrow_start or c.arrow_end or not _straight(c.points):
            continue
        for p, inward in ((c.points[0], U.heading(c.points[::-1], 1)),
                          (c.points[-1], U.heading(c.points, 1))):
            off = outlines.off(p)
            if any(j != i and U.inside(p, boxes[j]) and _lands_on(p, inward, lines[j], off)
                   for j in grid.near((p[0], p[1], p[0], p[1]))):
                out.add(i)
                break
    return out


_CELL = 24.0  # points: the grid the lines are filed under (a figure has up to ~3,000 of them)


def _grid(boxes: list[Rect]) -> U.Grid:
    """The lines' boxes filed by cell: a line's end or a tick can only meet a line whose
    box (grown by ``_ON``) it lies in or crosses."""
    grid = U.Grid(_CELL)
    for j, r in enumerate(boxes):
        grid.add(j, r)
    return grid


class _Shapes:
    """The nodes' outlines, filed by cell for :meth:`off`."""

    def __init__(self, shapes: Sequence[Rect]) -> None:
        self.shapes = list(shapes)
        self.grid = _grid([U.expand(r, _OFF) for r in self.shapes])

    def off(self, p: Point) -> bool:
        """An end that touches none of the shapes (False when no shapes are known)."""
        return bool(self.shapes) and all(U.rect_dist(p, self.shapes[k]) > _OFF
                                         for k in self.grid.near((p[0], p[1], p[0], p[1])))


_TICK_SPAN = 2.0     # a tick is at most this many text heights long
_LONG_TICK = 3.0     # ... or this many, when neither end touches a shape
_TICK_RATIO = 1.5    # ... and the line it marks at least this many times longer
_TICK_ROW = 3        # a longer stroke across this many lines, ending on nothing, is a row of ticks


def tick_crossings(lines: Sequence[_Line], h: float, shapes: Sequence[Rect] = ()) -> dict[int, list[int]]:
    """Tick mark -> the lines it marks. 3GPP and TikZ figures mark a reference point (N2,
    F1-C) with a tick and write its name beside it, often an address at the other end; the
    tick joins nothing, the names label the line it marks. A tick is a short headless straight
    stroke (at most ``2 h`` long, ``h`` the text height, or ``3 h`` with both ends on nothing
    of ``shapes``) at 60 degrees or more to a line at
    least 1.5 times its length, that it crosses or touches: across the line (a vertex of the
    line counts, where Visio split it at the tick) or from one side, its other end on nothing
    of ``shapes`` (the nodes' outlines; a short drop from a box to a bus touches a box). A
    longer straight stroke whose two ends touch no shape and that crosses three or more lines
    longer than a tick is a row of ticks drawn as one line (TS 23.214's Gx, Gy, Gz, Gw, S6b)."""
    out: dict[int, list[int]] = {}
    grid = _grid([U.expand(U._bbox_pts(c.points), _ON) for c in lines])
    outlines = _Shapes(shapes)
    lens = [U.poly_len(c.points) for c in lines]
    for i, c in enumerate(lines):
        if c.arrow_start or c.arrow_end or not _straight(c.points):
            continue
        a, b = c.points[0], c.points[-1]
        n = U.dist(a, b)
        if n == 0.0:
            continue
        u = ((b[0] - a[0]) / n, (b[1] - a[1]) / n)
        free = [outlines.off(a), outlines.off(b)]
        # (in index order: a tick marks the first line it meets, as before the grid)
        near = sorted(grid.near((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))))
        # (a longer tick, TS 23.203's S9 and S9a at 2.5 text heights, has both ends on nothing)
        if n <= _TICK_SPAN * h or (n <= _LONG_TICK * h and all(free)):
            for j in near:
                if j != i and lens[j] >= _TICK_RATIO * n and _marks(a, b, u, lines[j], free):
                    out[i] = [j]
                    break
        elif all(free):
            # the lines a row crosses are long ones (a line through an ER diagram's bar
            # markers crosses strokes of tick size: it is the relationship, not a row)
            crossed = [j for j in near if j != i and lens[j] > _TICK_SPAN * h
                       and _crosses(a, b, u, lines[j].points, 0.05)]
            if len(crossed) >= _TICK_ROW and _tight(a, b, [lines[j].points for j in crossed], _TICK_SPAN * h):
                out[i] = crossed
    return out


def _tight(a: Point, b: Point, crossed: list[list[Point]], overhang: float) -> bool:
    """A row of ticks stops within a tick's length past the first and the last line it
    crosses; a layer boundary or a bus runs on across the figure."""
    return all(min(U.poly_dist(p, pts) for pts in crossed) <= overhang for p in (a, b))


def _marks(a: Point, b: Point, u: Point, other: _Line, free: list[bool]) -> bool:
    """Whether the short stroke ab (direction u) crosses the line, or touches it with one end
    while its other end is free."""
    if _crosses(a, b, u, other.points, 0.15):
        return True
    pts = other.points
    for end, far_free in ((a, free[1]), (b, free[0])):
        if far_free and U.poly_dist(end, pts) <= _ON and min(U.dist(end, pts[0]), U.dist(end, pts[-1])) > _ON \
                and _across(u, _direction_at(end, pts)):
            return True
    return False


def _crosses(a: Point, b: Point, u: Point, pts: list[Point], margin: float) -> bool:
    """ab crosses the polyline away from ab's ends (``margin`` of its length) and away from
    the polyline's own ends, at 60 degrees or more; a crossing at one of its vertices counts."""
    for k in range(len(pts) - 1):
        hit = U.segment_cross(a, b, pts[k], pts[k + 1])
        if hit is None or not margin <= hit[0] <= 1.0 - margin:
            continue
        if (k == 0 and hit[1] < 1e-6) or (k == len(pts) - 2 and hit[1] > 1.0 - 1e-6):
            continue  # at the line's own end: a T onto its end, not a crossing
        if _across(u, _direction_at(a, [pts[k], pts[k + 1]])):
            return True
    return False
