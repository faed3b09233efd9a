"""Callout leaders: lines that tie a note to a connector, not to a node.

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
from .primitives import Point

__all__ = ["leader_lines"]

_ON = 1.0        # points: an end this close to a line lies on it
_CLEAR = 3.0     # ... and in its body when this far from both of its ends (a quarter of a
                 # short line's length)
_ACROSS = 0.5    # a leader meets the line at 60 degrees or more (|cos| below this)


class _Line(Protocol):
    points: list[Point]
    arrow_start: bool
    arrow_end: bool


def _lands_on(p: Point, inward: Point, other: _Line) -> bool:
    """Whether an end at ``p``, arriving along ``inward``, stops across a directed line."""
    pts = other.points
    if not (other.arrow_start or other.arrow_end):
        return False  # undirected lines meet in drawings of other things (a device's sides)
    at_head = ((other.arrow_start and U.dist(p, pts[0]) <= _ON)
               or (other.arrow_end and U.dist(p, pts[-1]) <= _ON))
    clear = max(1.5 * _ON, min(_CLEAR, 0.25 * U.poly_len(pts)))  # short links: their middle
    body = (U.poly_dist(p, pts) <= _ON and U.dist(p, pts[0]) > clear
            and U.dist(p, pts[-1]) > clear)
    return (at_head or body) and _across(inward, _direction_at(p, pts))


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


def leader_lines(lines: Sequence[_Line]) -> set[int]:
    """Indices of the headless lines that end on another line (see the module doc)."""
    boxes = [U.expand(U._bbox_pts(c.points), _ON) for c in lines]
    out: set[int] = set()
    for i, c in enumerate(lines):
        if c.arrow_start or c.arrow_end or not _straight(c.points):
            continue
        for p, inward in ((c.points[0], U.heading(c.points[::-1], 1)),
                          (c.points[-1], U.heading(c.points, 1))):
            if any(j != i and U.inside(p, boxes[j]) and _lands_on(p, inward, lines[j])
                   for j in range(len(lines))):
                out.add(i)
                break
    return out
