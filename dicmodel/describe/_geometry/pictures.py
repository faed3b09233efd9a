"""Clip-art: a device picture drawn as many unlabelled pieces is one node.

Visio stencils, and LibreOffice's export of them, draw a router, a PC or a server as dozens
of filled outlines (the body, the screen, the keyboard, the shading), often on a background
box of the shape's own. Each piece would otherwise be a node, and the strokes between them
edges. A picture is told by what a diagram's boxes never are: pieces that overlap each other
(or sit inside one box) with no word anywhere in them. Such a cluster becomes one outline
(an ``icon``), named like any device icon by the text just below or above it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..._unionfind import DisjointSet
from . import _util as U
from .primitives import Point, Rect

__all__ = ["picture_clusters"]

_MIN_PIECES = 2      # an empty outline with an empty shape in it is a picture already
_OVERLAP = 0.5       # points both ways: pieces that overlap, not boxes that share a side
_MARGIN = 0.2       # of a picture's width and height: its rim, where its name may overlap it
_MAX_SHARE = 0.25    # of the figure's area: a picture is a mark in the figure, not its body


def _overlap(a: Rect, b: Rect) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > _OVERLAP and min(a[3], b[3]) - max(a[1], b[1]) > _OVERLAP


def _inner(r: Rect) -> Rect:
    """The middle of a box: a device's name may be printed over its picture's lower edge,
    while a word amid the pieces means they frame a label (a border drawn as four bars)."""
    mx, my = _MARGIN * (r[2] - r[0]), _MARGIN * (r[3] - r[1])
    return (r[0] + mx, r[1] + my, r[2] - mx, r[3] - my)


def picture_clusters(boxes: Sequence[Rect], centres: Sequence[Point], figure_area: float,
                     images: Sequence[bool] | None = None) -> list[tuple[Rect, list[int]]]:
    """Groups of two or more wordless boxes that overlap one another (nesting included)
    and whose joint extent holds no word in its middle: (extent, indices of the boxes).

    ``images`` marks the boxes that are embedded pictures. A picture's box is its image's
    rectangle, not what it paints: a gradient clipped to an antenna's outline is a few tiles
    whose lower ones run on behind the device's name. Such a tile may hold a word, and the
    word is looked for in the middle of the outlines only."""
    images = images or [False] * len(boxes)
    words = U.Grid(32.0)
    for k, q in enumerate(centres):
        words.add(k, (q[0], q[1], q[0], q[1]))

    def has_words(r: Rect) -> bool:
        return any(U.inside(centres[k], r) for k in words.near(r))

    empty = [k for k, b in enumerate(boxes) if images[k] or not has_words(b)]
    out = []
    for comp in _overlapping([boxes[k] for k in empty]):
        members = sorted(empty[i] for i in comp)
        if len(members) < _MIN_PIECES:
            continue
        ext = _extent([boxes[k] for k in members])
        outlines = [boxes[k] for k in members if not images[k]]
        if not outlines or has_words(_inner(_extent(outlines))) or U.area(ext) > _MAX_SHARE * figure_area:
            continue
        out.append((ext, members))
    return _merge_overlapping(out)


def _merge_overlapping(pics: list[tuple[Rect, list[int]]]) -> list[tuple[Rect, list[int]]]:
    """Pictures drawn over one another (three servers stacked in one stencil) are one."""
    while True:
        comps = _overlapping([ext for ext, _ in pics])
        if len(comps) == len(pics):
            return pics
        pics = [(_extent([pics[k][0] for k in g]), sorted(i for k in g for i in pics[k][1]))
                for g in comps]


def _extent(rects: Sequence[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def _overlapping(rects: Sequence[Rect]) -> list[list[int]]:
    """Indices of ``rects`` in groups linked by overlaps (union-find over a grid)."""
    grid = U.Grid(32.0)
    for k, r in enumerate(rects):
        grid.add(k, r)
    sets = DisjointSet(len(rects))
    for k, r in enumerate(rects):
        for j in grid.near(r):
            if j != k and _overlap(r, rects[j]):
                sets.union(j, k)
    return sets.groups()
