"""Connector lines: rows of short collinear dashes become one dashed path; the rest is thinned
to a one-pixel skeleton and traced into polylines between ends and forks; straight runs
through a crossing are rejoined, and each polyline is simplified and split where it turns
back at a box.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from .._util import heading, poly_len, rect_dist
from ..primitives import Path, Point, Rect, Shape
from .frame import _Frame, _inside, _leaf_shapes


def _paths(f: _Frame, conn: Any, shapes: list[Shape]) -> list[Path]:
    dashed, conn = _dashes(f, conn)
    parts = _by_colour(f, conn)  # traced apart: where strokes of two colours touch, they part
    paths = [p for part in parts for p in _traced(f, part, shapes)]
    return _drop_inside(paths + dashed, shapes)


_COLOUR_SHARE = 0.15  # each of the coloured and the grey strokes holds this share of the ink


def _by_colour(f: _Frame, conn: Any) -> list[Any]:
    """The connector ink as one mask, or as its coloured and its grey strokes when both are
    plentiful: a Visio pipeline's grey callout leaders stop on its blue arrows, and traced as
    one skeleton the two became one line (a callout box "leading to" the next table). A
    coloured stroke is seeded by coloured pixels away from any near-black one (the fringe
    where a black line runs over a coloured fill is tinted too) and widened by a pixel or two
    so that its own pale fringe stays with it."""
    if f.tint is None or f.dark is None:
        return [conn]
    np, cv2 = f.np, f.cv2
    total = int(conn.sum())
    if total == 0:
        return [conn]
    seeds = f.tint & conn & (1 - cv2.dilate(f.dark, np.ones((5, 5), np.uint8)))
    tinted = conn & cv2.dilate(seeds, np.ones((5, 5), np.uint8))
    grey = conn & (1 - tinted)
    if min(int(tinted.sum()), int(grey.sum())) < _COLOUR_SHARE * total:
        return [conn]
    return [tinted, grey]


def _traced(f: _Frame, conn: Any, shapes: list[Shape]) -> list[Path]:
    skel = _thin(conn, f.np, f.cv2)
    boxes = [sh.bbox for sh in shapes]
    paths = [Path(points=pts) for poly in _trace(skel, f) for pts in _split_at_boxes(poly, boxes, f)]
    min_len = max(6.0, 2.5 * f.stroke)
    return [p for p in paths if poly_len(p.points) >= min_len]


def _dashes(f: _Frame, conn: Any) -> tuple[list[Path], Any]:
    """Rows of short axis-aligned dashes -> dashed straight paths (removed from ``conn``)."""
    np, cv2 = f.np, f.cv2
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(conn, connectivity=8)
    dash_max = max(12.0, 8 * f.stroke)
    ws, hs = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    small = (np.maximum(ws, hs) <= dash_max) & (np.minimum(ws, hs) <= 2 * f.stroke + 2)
    small[0] = False
    mask = small[labels].astype(np.uint8)
    if not mask.any():
        return [], conn
    gap = int(max(6, 4 * f.stroke))
    out: list[Path] = []
    rest = conn.copy()
    for kernel, horizontal in ((np.ones((1, gap), np.uint8), True), (np.ones((gap, 1), np.uint8), False)):
        joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        m, jl, js, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        for j in range(1, m):
            x, y, w, h, _a = (int(v) for v in js[j])
            along, across = (w, h) if horizontal else (h, w)
            if along < 4 * across or along < 3 * gap:
                continue
            here = jl[y:y + h, x:x + w] == j  # this component, in its own box
            pieces = len(set(np.unique(labels[y:y + h, x:x + w][here]).tolist()) - {0})
            if pieces < 3:
                continue
            if horizontal:
                pts = [(float(x), y + h / 2.0), (float(x + w), y + h / 2.0)]
            else:
                pts = [(x + w / 2.0, float(y)), (x + w / 2.0, float(y + h))]
            out.append(Path(points=pts, dashed=True, width=f.stroke))
            rest[y:y + h, x:x + w][here & (mask[y:y + h, x:x + w] > 0)] = 0
            mask[y:y + h, x:x + w][here] = 0
    out = _join_dashed(out, max(3.0 * gap + 4.0 * f.stroke, 1.2 * f.text_h), f.stroke)
    return out + _slanted_dashes(f, rest, gap, dash_max), rest


def _slanted_dashes(f: _Frame, rest: Any, gap: int, dash_max: float) -> list[Path]:
    """Dashes left over by the row/column passes: a dashed diagonal or curve (a dotted
    flowchart link, a UML dependency, a non-identifying ER relation). Close the gaps in every
    direction; a long chain of three or more dashes is traced as one dashed path."""
    np, cv2 = f.np, f.cv2
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    if n <= 3:
        return []
    side = np.maximum(stats[:, 2], stats[:, 3])
    # short thin pieces in any direction (a slanted dash's box is square, its ink is not)
    small = (side <= dash_max) & (stats[:, 4] <= (1.5 * f.stroke + 1.5) * side) & (stats[:, 4] >= 3)
    small[0] = False
    if small.sum() < 3:
        return []
    mask = small[labels].astype(np.uint8)
    # grow each dash by about half a gap (a closing would open the thin bridges again)
    k = gap | 1
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    m, jl, js, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out: list[Path] = []
    for j in range(1, m):
        x, y, w, h, _a = (int(v) for v in js[j])
        if max(w, h) < 3 * gap:
            continue
        crop = (jl[y:y + h, x:x + w] == j) & (mask[y:y + h, x:x + w] > 0)
        pieces = len(set(labels[y:y + h, x:x + w][crop].tolist()) - {0})
        if pieces < 3:
            continue
        comp = np.zeros((h + 2, w + 2), np.uint8)
        comp[1:-1, 1:-1] = (jl[y:y + h, x:x + w] == j)
        polys = _trace(_thin(comp, np, cv2), f)
        if not polys:
            continue
        best = max(polys, key=poly_len)
        if poly_len(best) < 3 * gap:
            continue
        out.append(Path(points=[(px + x - 1, py + y - 1) for px, py in best], dashed=True, width=f.stroke))
        rest[y:y + h, x:x + w][crop] = 0
    return out


def _join_dashed(paths: list[Path], reach: float, stroke: float) -> list[Path]:
    """Collinear dashed runs with a short gap between them are one line.

    A dashed message crossing a lifeline loses the dashes that touch the lifeline (they join
    its ink), which splits the row in two at every crossing.
    """
    tol = max(2.0, stroke)
    for axis in (0, 1):  # 0: horizontal runs (same y), 1: vertical runs (same x)
        runs = sorted((p for p in paths if p.points[0][1 - axis] == p.points[-1][1 - axis]),
                      key=lambda p: (p.points[0][1 - axis], p.points[0][axis]))
        others = [p for p in paths if all(p is not r for r in runs)]
        merged: list[Path] = []
        for p in sorted(runs, key=lambda p: p.points[0][axis]):
            for q in merged:
                if abs(q.points[0][1 - axis] - p.points[0][1 - axis]) <= tol \
                        and 0 <= p.points[0][axis] - q.points[-1][axis] <= reach:
                    q.points[-1] = p.points[-1]
                    break
            else:
                merged.append(Path(points=list(p.points), dashed=True, width=p.width))
        paths = others + merged
    return paths


_REVERSAL_COS = -0.8  # a turn sharper than ~145 degrees: the line went back the way it came


def _split_at_boxes(poly: list[Point], boxes: list[Rect], f: _Frame) -> list[list[Point]]:
    """Cut a traced line where it doubles back at a box: two curves that converge on one point
    of a node's side (a Graphviz fan) are one V-shaped stroke to the thinning, and a connector
    never turns back on itself at a node. The turn is measured over a few strokes either side
    of a vertex (simplification spreads a blunt apex over two or three vertices)."""
    if len(poly) < 3 or not boxes:
        return [poly]
    near, reach = 2.0 * f.stroke + 2.0, 3.0 * f.stroke + 6.0
    turn = [1.0] * len(poly)
    for k in range(1, len(poly) - 1):
        b = poly[k]
        a, c = _vertex_along(poly, k, -1, reach), _vertex_along(poly, k, 1, reach)
        u, v = (b[0] - a[0], b[1] - a[1]), (c[0] - b[0], c[1] - b[1])
        nu, nv = math.hypot(*u), math.hypot(*v)
        if nu > 1e-6 and nv > 1e-6:
            turn[k] = (u[0] * v[0] + u[1] * v[1]) / (nu * nv)
    cuts = [k for k in range(1, len(poly) - 1)
            if turn[k] <= _REVERSAL_COS and turn[k] <= turn[k - 1] and turn[k] < turn[k + 1]
            and any(rect_dist(poly[k], r) <= near for r in boxes)]
    out, start = [], 0
    for k in cuts:
        out.append(poly[start:k + 1])
        start = k
    return out + [poly[start:]]


def _vertex_along(poly: list[Point], k: int, step: int, reach: float) -> Point:
    """The vertex about ``reach`` away from vertex ``k`` along the polyline (step -1 or +1)."""
    j = k
    while 0 < j < len(poly) - 1 and math.dist(poly[j], poly[k]) < reach:
        j += step
    return poly[j]


def _thin(mask: Any, np: Any, cv2: Any) -> Any:
    """Zhang-Suen thinning, vectorised; lines here are a few pixels wide so it ends quickly."""
    img = mask.astype(np.uint8).copy()
    img[0, :] = img[-1, :] = img[:, 0] = img[:, -1] = 0
    for _ in range(40):
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
            b = sum(p)
            seq = p + [p[0]]
            a = sum(((seq[k] == 0) & (seq[k + 1] == 1)).astype(np.uint8) for k in range(8))
            if step == 0:
                c1, c2 = p[0] * p[2] * p[4], p[2] * p[4] * p[6]
            else:
                c1, c2 = p[0] * p[2] * p[6], p[0] * p[4] * p[6]
            kill = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & (c1 == 0) & (c2 == 0)
            if kill.any():
                img[kill] = 0
                changed = True
        if not changed:
            break
    return img


_NB = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _trace(skel: Any, f: _Frame) -> list[list[Point]]:
    """Skeleton -> polylines between ends and junctions, rejoined straight through crossings."""
    np, cv2 = f.np, f.cv2
    nb = cv2.filter2D(skel, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - skel
    nb = nb * skel
    # a fork has three or more separate runs of neighbours around it; a staircase pixel of a
    # diagonal (three neighbours, two of them touching) is no fork
    p = [np.roll(np.roll(skel, -dy, 0), -dx, 1) for dy, dx in
         ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
    runs = sum(((p[k] == 0) & (p[(k + 1) % 8] == 1)).astype(np.uint8) for k in range(8))
    junction = (((runs >= 3) | (nb >= 5)) & (skel > 0)).astype(np.uint8)
    jgrow = cv2.dilate(junction, np.ones((3, 3), np.uint8))
    body = (skel > 0) & (jgrow == 0)
    branches = _walk_components(body.astype(np.uint8), np, cv2)
    jl = cv2.connectedComponents(jgrow, connectivity=8)[1]
    # forks a stroke or so apart: two lines crossing at a slant thin to two forks side by side
    k = 2 * round(f.stroke) + 3
    near = cv2.connectedComponents(cv2.dilate(junction, np.ones((k, k), np.uint8)), connectivity=8)[1]
    ys, xs = np.nonzero(jl)
    big = dict(zip(jl[ys, xs].tolist(), near[ys, xs].tolist()))
    return _rejoin(branches, jl, big, f)


def _walk_components(body: Any, np: Any, cv2: Any) -> list[list[tuple[int, int]]]:
    _n, labels = cv2.connectedComponents(body, connectivity=8)
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    # neighbours of each pixel within its branch (8-connected: all of them are in it)
    deg = (cv2.filter2D(body, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT)
           - body)[ys, xs]
    idx = np.lexsort((deg, lab))  # by branch, then fewest neighbours (row-major among equals)
    ys, xs, lab = ys[idx].tolist(), xs[idx].tolist(), lab[idx]
    cuts = (np.flatnonzero(np.diff(lab)) + 1).tolist()
    bounds = zip([0] + cuts, cuts + [len(ys)])
    # each branch's walk starts at its first pixel: an end (one neighbour), topmost-leftmost
    return [_order(list(zip(ys[a:b], xs[a:b]))) for a, b in bounds if b > a]


def _order(pix: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Order the pixels of one branch from its first pixel to the other end (a walk over
    8-neighbours)."""
    pts = set(pix)
    start = pix[0]
    path, seen, cur = [start], {start}, start
    while True:
        nxt = [(cur[0] + dy, cur[1] + dx) for dy, dx in _NB if (cur[0] + dy, cur[1] + dx) in pts
               and (cur[0] + dy, cur[1] + dx) not in seen]
        if not nxt:
            return path
        # prefer 4-neighbours so diagonal shortcuts do not skip pixels of the curve
        cur = min(nxt, key=lambda q: (abs(q[0] - cur[0]) + abs(q[1] - cur[1]), q))
        seen.add(cur)
        path.append(cur)


def _rejoin(branches: list[list[tuple[int, int]]], jl: Any, big: dict[int, int], f: _Frame
            ) -> list[list[Point]]:
    """Join branch pairs that leave one junction in opposite directions (a crossing)."""
    np = f.np
    ends: dict[int, list[tuple[int, int]]] = {}  # junction label -> [(branch, end 0/1)]
    h, w = jl.shape
    for bi, br in enumerate(branches):
        for e, p in ((0, br[0]), (1, br[-1])):
            lab = _junction_near(jl, p, h, w)
            if lab:
                ends.setdefault(lab, []).append((bi, e))
    orig = [[(float(x), float(y)) for y, x in br] for br in branches]
    polys = [list(p) for p in orig]
    parent = list(range(len(polys)))
    # a spur: a short branch with a free end (a pixel burr where a curve bends or a line
    # thickens); a junction with only two real branches besides spurs is a bend, not a fork
    min_len = max(3.0, f.stroke)
    at_junction = {it for items in ends.values() for it in items}
    spur = {bi for bi, br in enumerate(orig)
            if poly_len(br) < min_len and not ((bi, 0) in at_junction and (bi, 1) in at_junction)}
    pairs, inner, done = _close_forks(ends, orig, spur, big, f)
    for bi in inner:
        polys[bi] = []
    for a, b in pairs:
        polys, parent = _merge(polys, orig, parent, a, b)
    for lab, items in sorted(ends.items()):
        if lab in done:
            continue
        real = [it for it in items if it[0] not in spur]
        if len(real) == 2 and real[0][0] != real[1][0]:
            polys, parent = _merge(polys, orig, parent, real[0], real[1])
            continue
        for a, b in _opposite_pairs(items, orig, np):
            polys, parent = _merge(polys, orig, parent, a, b)
    return [_simplify(p, f) for i, p in enumerate(polys) if p and parent[i] == i]


_SHALLOW_COS = -0.7  # two lines crossing at a shallow angle each run on nearly straight


def _close_forks(ends: dict[int, list[tuple[int, int]]], orig: list[list[Point]], spur: set[int],
                 big: dict[int, int], f: _Frame
                 ) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], list[int], set[int]]:
    """Two lines crossing at a slant (or touching for a while) thin to two forks a stroke or
    so apart, or joined by a short shared piece, and neither fork alone has a straight way
    through. Taken together the forks have four outer branches: when they pair off into two
    nearly straight runs, each is one line and the shared piece (if any) belongs to both.
    ``big`` maps each fork to its cluster of forks that lie close together. Returns the
    branch-end pairs to join, the shared pieces to drop, and the forks handled."""
    reach = max(6.0 * f.stroke + 6.0, 1.5 * f.text_h)
    where = {it: lab for lab, items in ends.items() for it in items}
    group = {lab: lab for lab in ends}

    def root(x: int) -> int:
        while group[x] != x:
            x = group[x]
        return x
    first: dict[int, int] = {}
    for lab in ends:
        if lab in big:
            g = first.setdefault(big[lab], lab)
            group[root(lab)] = root(g)
    for bi, br in enumerate(orig):  # forks joined by a short piece
        ja, jb = where.get((bi, 0)), where.get((bi, 1))
        if ja is not None and jb is not None and ja != jb and poly_len(br) <= reach:
            group[root(ja)] = root(jb)
    members: dict[int, list[int]] = {}
    for lab in ends:
        members.setdefault(root(lab), []).append(lab)
    pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    inner: list[int] = []
    done: set[int] = set()
    for labs in members.values():
        if len(labs) < 2:
            continue
        items = [it for lab in labs for it in ends[lab]]
        both = {bi for bi, n in Counter(bi for bi, _ in items).items() if n == 2}  # inside the group
        outer = [it for it in items if it[0] not in both and it[0] not in spur]
        if len(outer) != 4 or len({bi for bi, _ in outer}) != 4:
            continue
        d = {it: _end_dir(orig[it[0]], it[1]) for it in outer}
        o = outer
        cos = [[(a, b, d[a][0] * d[b][0] + d[a][1] * d[b][1]) for a, b in pp]
               for pp in (((o[0], o[1]), (o[2], o[3])), ((o[0], o[2]), (o[1], o[3])),
                          ((o[0], o[3]), (o[1], o[2])))]
        best = min(cos, key=lambda pp: pp[0][2] + pp[1][2])
        if max(best[0][2], best[1][2]) > _SHALLOW_COS:
            continue  # not two lines running through
        pairs += [(a, b) for a, b, _c in best]
        inner += [bi for bi in both if poly_len(orig[bi]) <= reach]
        done.update(labs)
    return pairs, inner, done


def _junction_near(jl: Any, p: tuple[int, int], h: int, w: int) -> int:
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            y, x = p[0] + dy, p[1] + dx
            if 0 <= y < h and 0 <= x < w and jl[y, x]:
                return int(jl[y, x])
    return 0


def _end_dir(poly: list[Point], end: int) -> Point:
    return heading(poly if end == 1 else poly[::-1], 9)


def _opposite_pairs(items: list[tuple[int, int]], polys: list[list[Point]], np: Any
                    ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    dirs = {it: _end_dir(polys[it[0]], it[1]) for it in items}
    pairs = []
    cand = sorted(((dirs[a][0] * dirs[b][0] + dirs[a][1] * dirs[b][1], a, b)
                   for i, a in enumerate(items) for b in items[i + 1:] if a[0] != b[0]))
    used: set[tuple[int, int]] = set()
    for dot, a, b in cand:
        if dot > -0.8:  # outward directions must be nearly opposite (a straight run)
            break
        if a not in used and b not in used:
            used.update((a, b))
            pairs.append((a, b))
    return pairs


def _merge(polys: list[list[Point]], orig: list[list[Point]], parent: list[int],
           a: tuple[int, int], b: tuple[int, int]) -> tuple[list[list[Point]], list[int]]:
    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i
    ra, rb = root(a[0]), root(b[0])
    if ra == rb:
        return polys, parent
    pa, pb = polys[ra], polys[rb]
    # orient so that a's junction end is last and b's junction end is first
    pa = pa if _touches(pa[-1], orig[a[0]], a[1]) else pa[::-1]
    pb = pb if _touches(pb[0], orig[b[0]], b[1]) else pb[::-1]
    polys[ra], polys[rb] = pa + pb, []
    parent[rb] = ra
    return polys, parent


def _touches(p: Point, branch: list[Point], end: int) -> bool:
    q = branch[-1] if end == 1 else branch[0]
    return abs(p[0] - q[0]) + abs(p[1] - q[1]) <= 4


def _simplify(poly: list[Point], f: _Frame) -> list[Point]:
    np, cv2 = f.np, f.cv2
    if len(poly) <= 2:
        return poly
    arr = np.array(poly, dtype=np.float32).reshape(-1, 1, 2)
    approx = cv2.approxPolyDP(arr, max(1.0, 0.6 * f.stroke), False).reshape(-1, 2)
    return [(float(x), float(y)) for x, y in approx]


def _drop_inside(paths: list[Path], shapes: list[Shape]) -> list[Path]:
    """Strokes wholly inside a leaf shape are decoration or unread text, not connectors."""
    leaves = [s.bbox for s in _leaf_shapes(shapes)]
    out = []
    for p in paths:
        xs, ys = [q[0] for q in p.points], [q[1] for q in p.points]
        box = (min(xs), min(ys), max(xs), max(ys))
        if not any(_inside(box, leaf, margin=-2.0) for leaf in leaves):
            out.append(p)
    return out
