"""Straight connectors that the tracer broke apart, found again as straight runs of ink.

In a raster figure, lines that fan out of one point and cross each other at shallow angles (a
spine-leaf mesh, a full mesh of links) thin into many short pieces between forks, and the
pieces cannot all be paired through each crossing. Each broken line still leaves two
things: a piece that ends on a node (a loose end on the other side), and ink all the way
along the straight run between its two nodes. So a straight segment from a node end of a
loose piece to a node end on another node, covered by traced strokes along its whole
length and crossing no third node, is that connector.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from ..._extras import require
from . import _util as U
from .primitives import Point, Rect

__all__ = ["straight_chords"]

_COVER = 0.95  # share of the segment that must lie on traced strokes


def straight_chords(chains: list[Any], boxes: list[Rect], snap: Callable[[Point, Any], int | None],
                    size: tuple[float, float], tol: float) -> list[Any]:
    """New chains, one per straight connector between two nodes that no chain joins whole.

    ``boxes`` are the node outlines (a chord may not cross a third one), ``snap`` maps a chain
    end (and its arrow tip) to a node index (into ``boxes``) or None, ``size`` is the
    figure's (width, height) and ``tol`` how far from a stroke the segment may run."""
    ends = []  # (node, point, arrowed, tip, loose)
    joined: set[tuple[int, int]] = set()
    for c in chains:
        a = snap(c.points[0], c.tip_start)
        b = snap(c.points[-1], c.tip_end)
        if a is not None and b is not None:
            joined.add((min(a, b), max(a, b)))
        for k, p, arr, tip, other in ((a, c.points[0], c.arrow_start, c.tip_start, b),
                                      (b, c.points[-1], c.arrow_end, c.tip_end, a)):
            if k is not None:
                ends.append((k, p, arr, tip, other is None))
    if not any(e[4] for e in ends) or not chains:
        return []
    ink = _stroke_mask(chains, size, tol)
    best: dict[tuple[int, int], tuple[float, Any]] = {}
    for i, e1 in enumerate(ends):
        for e2 in ends[i + 1:]:
            pair = (min(e1[0], e2[0]), max(e1[0], e2[0]))
            if e1[0] == e2[0] or pair in joined or not (e1[4] or e2[4]):
                continue
            if U.dist(e1[1], e2[1]) < 3 * tol or not _on_ink(ink, e1[1], e2[1]):
                continue
            cover = _coverage(ink, e1[1], e2[1])
            if cover < _COVER or (pair in best and cover <= best[pair][0]):
                continue
            if not _crosses_other(e1[1], e2[1], boxes, pair, tol):
                best[pair] = (cover, (e1, e2))
    out = []
    for _cover, (e1, e2) in best.values():
        out.append(dataclasses.replace(chains[0], points=[e1[1], e2[1]], dashed=False,
                                       arrow_start=e1[2], arrow_end=e2[2],
                                       tip_start=e1[3], tip_end=e2[3]))
    return out


def _stroke_mask(chains: list[Any], size: tuple[float, float], tol: float) -> Any:
    np = require("numpy", "raster figure geometry", extra="ocr")
    cv2 = require("cv2", "raster figure geometry")
    w, h = int(math.ceil(size[0])) + 1, int(math.ceil(size[1])) + 1
    mask = np.zeros((h, w), np.uint8)
    polys = [np.round(np.array(c.points, np.float64)).astype(np.int32) for c in chains if len(c.points) >= 2]
    cv2.polylines(mask, polys, False, 1, thickness=max(1, int(round(2 * tol))) + 1)
    return mask


def _on_ink(mask: Any, a: Point, b: Point) -> bool:
    """A quick look before the full measure: the quarter points lie on strokes."""
    h, w = mask.shape
    for t in (0.25, 0.5, 0.75):
        x, y = round(a[0] + t * (b[0] - a[0])), round(a[1] + t * (b[1] - a[1]))
        if not (0 <= x < w and 0 <= y < h) or not mask[y, x]:
            return False
    return True


def _coverage(mask: Any, a: Point, b: Point) -> float:
    np = require("numpy", "raster figure geometry", extra="ocr")
    n = max(2, int(U.dist(a, b) / 2.0))
    t = np.linspace(0.0, 1.0, n)
    xs = np.clip(np.round(a[0] + t * (b[0] - a[0])).astype(int), 0, mask.shape[1] - 1)
    ys = np.clip(np.round(a[1] + t * (b[1] - a[1])).astype(int), 0, mask.shape[0] - 1)
    return float(mask[ys, xs].mean())


def _crosses_other(a: Point, b: Point, boxes: list[Rect], pair: tuple[int, int], tol: float) -> bool:
    for k, r in enumerate(boxes):
        if k in pair:
            continue
        inner = (r[0] + tol, r[1] + tol, r[2] - tol, r[3] - tol)
        if inner[0] < inner[2] and inner[1] < inner[3] and U.clip_segment(a, b, inner) is not None:
            return True
    return False
