"""Connectors that share a trunk: several edges drawn into one tree of strokes.

Orthogonal routing (draw.io, Visio, PowerPoint elbow connectors) lets edges into one node
overlap on their last stretch; in a raster figure the overlapping strokes are one ink tree,
traced as pieces that meet three at a time at T-junctions. Each such tree is a bundle of
edges between the nodes at its free ends (its terminals):

- with arrowheads, every headless terminal sends to every headed one (fan-in, fan-out);
- without, the lines meet on a bus (the junctions lie on one horizontal or vertical line):
  when exactly one terminal lies on its own side of the bus (or on the bus itself, past its
  end) and the others together on one other side, that one is the hub every other terminal
  links to (the tree drawn to connect several nodes to one).

Anything else (a bus with terminals spread on both sides) is left as it was. The pieces of
a bundle are replaced by one chain per edge, from terminal to terminal through the tree's
junctions.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..._unionfind import DisjointSet
from . import _util as U
from .primitives import Point, Rect

__all__ = ["split_trunks"]

Snap = Callable[[Point, "Point | None"], "int | None"]


def split_trunks(chains: list[Any], boxes: list[Rect], snap: Snap, tol: float) -> list[Any]:
    """``chains`` with every trunk tree replaced by its edges (see the module docstring).

    ``boxes`` are the node outlines (a junction is never on one), ``snap`` maps a chain end
    (and its arrow tip) to a node index or None."""
    pieces, origin = _split_at_touches(chains, boxes, tol)
    joints = _junctions(pieces, boxes, tol)
    if not joints:
        return chains
    out: list[Any] = []
    used: set[int] = set()
    for members, js in _nets(pieces, joints):
        made = _bundle(pieces, members, js, joints, snap)
        if made is not None:
            out += made
            used.update(origin[k] for k in members)
    return [c for i, c in enumerate(chains) if i not in used] + out


def _split_at_touches(chains: list[Any], boxes: list[Rect], tol: float) -> tuple[list[Any], list[int]]:
    """Chains cut where the free end of another chain touches their middle (the tracer runs a
    straight line on through a T, so the stem ends on the bar); with each piece's original."""
    pieces, origin = list(chains), list(range(len(chains)))
    for ci, c in enumerate(chains):
        for e in (0, 1):
            p = c.points[0] if e == 0 else c.points[-1]
            if len(c.points) < 2 or _arrowed(c, e) or any(U.rect_dist(p, b) <= tol for b in boxes):
                continue
            for k, o in enumerate(pieces):
                if origin[k] == ci or len(o.points) < 2 or o.dashed != c.dashed:
                    continue  # (a dashed line that stops on a solid one is a connector of its own)
                cut = _cut(o.points, p, tol)
                if cut is not None:
                    first, second = cut
                    pieces[k] = dataclasses.replace(o, points=first, arrow_end=False, tip_end=None)
                    pieces.append(dataclasses.replace(o, points=second, arrow_start=False, tip_start=None))
                    origin.append(origin[k])
                    break
    return pieces, origin


def _cut(pts: list[Point], p: Point, tol: float) -> tuple[list[Point], list[Point]] | None:
    """The polyline split at the point of it nearest ``p``, when ``p`` touches its middle."""
    if U.dist(pts[0], p) <= 2 * tol or U.dist(pts[-1], p) <= 2 * tol:
        return None
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        if U.seg_dist(p, a, b) <= tol:
            dx, dy = b[0] - a[0], b[1] - a[1]
            n2 = dx * dx + dy * dy or 1.0
            t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / n2))
            q = (a[0] + t * dx, a[1] + t * dy)
            return list(pts[:i + 1]) + [q], [q] + list(pts[i + 1:])
    return None


def _junctions(chains: list[Any], boxes: list[Rect], tol: float) -> dict[tuple[int, int], int]:
    """(chain, end) -> junction id, for the points where three or more headless ends meet
    away from every node."""
    ends = [(ci, e, c.points[0] if e == 0 else c.points[-1]) for ci, c in enumerate(chains)
            for e in (0, 1) if len(c.points) >= 2]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (_ci, _e, p) in enumerate(ends):
        buckets[(round(p[0] / tol), round(p[1] / tol))].append(k)
    joint: dict[tuple[int, int], int] = {}
    nid = 0
    for k, (ci, e, p) in enumerate(ends):
        if (ci, e) in joint:
            continue
        kx, ky = round(p[0] / tol), round(p[1] / tol)
        near = [m for dx in (-1, 0, 1) for dy in (-1, 0, 1) for m in buckets.get((kx + dx, ky + dy), ())
                if U.dist(ends[m][2], p) <= tol]
        if len({ends[m][0] for m in near}) < 3 or any((ends[m][0], ends[m][1]) in joint for m in near):
            continue
        if any(_arrowed(chains[ends[m][0]], ends[m][1]) for m in near):
            continue  # a head at a meeting point: an edge that ends on another line
        if len({chains[ends[m][0]].dashed for m in near}) > 1:
            continue  # dashed and solid lines that meet are different connectors
        if any(U.rect_dist(p, b) <= tol for b in boxes):
            continue
        for m in near:
            joint[(ends[m][0], ends[m][1])] = nid
        nid += 1
    return joint


def _arrowed(c: Any, end: int) -> bool:
    return c.arrow_start if end == 0 else c.arrow_end


def _nets(chains: list[Any], joints: dict[tuple[int, int], int]) -> list[tuple[list[int], set[int]]]:
    """Chains tied together through junctions: (chain indices, junction ids) per tree."""
    sets = DisjointSet(len(chains))
    first: dict[int, int] = {}
    for (ci, _e), j in joints.items():
        if j in first:
            sets.union(ci, first[j])
        else:
            first[j] = ci
    return [(m, {j for (ci, _e), j in joints.items() if ci in m})
            for m in sets.groups({ci for ci, _e in joints})]


def _bundle(chains: list[Any], members: list[int], js: set[int], joints: dict[tuple[int, int], int],
            snap: Snap) -> list[Any] | None:
    """The edges of one trunk tree, as chains; None when the tree cannot be read as a bundle."""
    terms = []  # (chain, end, node, arrowed, point)
    for ci in members:
        c = chains[ci]
        for e in (0, 1):
            if (ci, e) in joints:
                continue
            p, tip = (c.points[0], c.tip_start) if e == 0 else (c.points[-1], c.tip_end)
            terms.append((ci, e, snap(p, tip), _arrowed(c, e), p))
    if len(terms) < 3 or any(t[2] is None for t in terms) or len({t[2] for t in terms}) != len(terms):
        return None  # a loose end or a node reached twice: not a clean bundle
    heads = [t for t in terms if t[3]]
    if heads:
        tails = [t for t in terms if not t[3]]
        if not tails:
            return None
        pairs = [(a, b) for a in tails for b in heads]
    else:
        hub = _hub(terms, [_joint_point(chains, joints, j) for j in js])
        if hub is None:
            return None
        pairs = [(a, hub) for a in terms if a is not hub]
    return [_edge_chain(chains, a, b, directed=bool(heads)) for a, b in pairs]


def _joint_point(chains: list[Any], joints: dict[tuple[int, int], int], j: int) -> Point:
    pts = [chains[ci].points[0 if e == 0 else -1] for (ci, e), k in joints.items() if k == j]
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def _hub(terms: list[tuple], jpts: list[Point]) -> tuple | None:
    """The terminal alone on its side of the bus (or on the bus line past its end)."""
    xs, ys = [p[0] for p in jpts], [p[1] for p in jpts]
    if len(jpts) == 1:
        # one T: the bus is the line through the junction that two terminals flank
        jx, jy = jpts[0]
        horiz = sum(abs(t[4][0] - jx) > abs(t[4][1] - jy) for t in terms) >= 2
    else:
        horiz = max(xs) - min(xs) >= max(ys) - min(ys)
        if min(max(xs) - min(xs), max(ys) - min(ys)) > 0.25 * max(max(xs) - min(xs), max(ys) - min(ys)) + 3:
            return None  # the junctions do not lie on one line
    level = sum(ys) / len(ys) if horiz else sum(xs) / len(xs)
    span = (max(ys) - min(ys)) if horiz else (max(xs) - min(xs))
    side: dict[int, list[tuple]] = defaultdict(list)
    for t in terms:
        off = (t[4][1] if horiz else t[4][0]) - level
        side[0 if abs(off) <= span / 2 + 3 else (1 if off > 0 else -1)].append(t)
    singles = [v[0] for v in side.values() if len(v) == 1]
    if len(singles) == 1 and len(side) == 2:
        return singles[0]
    return None


def _edge_chain(chains: list[Any], a: tuple, b: tuple, directed: bool) -> Any:
    """A chain from terminal ``a`` to terminal ``b``: ``a``'s piece from its end, then ``b``'s
    piece into its end (the trunk between is left out: only the ends matter downstream)."""
    ca, cb = chains[a[0]], chains[b[0]]
    pa = ca.points if a[1] == 0 else ca.points[::-1]  # from a's terminal to its junction
    pb = cb.points[::-1] if b[1] == 0 else cb.points  # from b's junction to its terminal
    tip_a = ca.tip_start if a[1] == 0 else ca.tip_end
    tip_b = cb.tip_start if b[1] == 0 else cb.tip_end
    return dataclasses.replace(ca, points=list(pa) + list(pb), dashed=ca.dashed and cb.dashed,
                               arrow_start=False, arrow_end=directed, tip_start=tip_a, tip_end=tip_b)
