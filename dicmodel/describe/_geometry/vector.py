"""Vector extractor: plain PyMuPDF drawings + text spans -> :class:`Primitives`.

Every drawing is split into subpaths (runs of items whose ends meet). A closed subpath is a
shape (rect, rounded rect, ellipse/circle from Bezier curves, diamond, hexagon, parallelogram,
polygon, cylinder) unless it is small, filled and triangular, when it is an arrowhead; an open
subpath is a connector candidate (curves flattened). Renderers disagree on how they paint a
stroke: Chromium (mermaid-cli) paints dashed lines as a fill made of many thin rectangles, so a
thin filled outline is read back as a (dashed) line. Coordinates are shifted to the figure box
and, when the text runs vertically (a rotated page), turned so that text reads left to right.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ...document import BBox, TextSpan
from . import _util as U
from .primitives import Arrowhead, Path, Point, Primitives, RasterPart, Rect, Shape, Word

__all__ = ["extract_vector", "DEFAULT_MAX_ITEMS"]

DEFAULT_MAX_ITEMS = 20000
_EPS = 0.75  # points: ends closer than this meet
_ARROW_MAX = 16.0  # largest side of an arrowhead, in points
_CURVE_STEPS = 8


# ---- geometry helpers --------------------------------------------------------------------

def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _bbox(points: Sequence[Point]) -> Rect:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _bezier(p0: Point, c1: Point, c2: Point, p3: Point, steps: int = _CURVE_STEPS) -> list[Point]:
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        out.append((u ** 3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t ** 3 * p3[0],
                    u ** 3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t ** 3 * p3[1]))
    return out


def _simplify(points: list[Point], tol: float = 0.6) -> list[Point]:
    """Drop repeated and collinear middle points (so a 4-segment box has 4 corners). One pass."""
    pts: list[Point] = []
    for p in points:
        if not pts or abs(p[0] - pts[-1][0]) + abs(p[1] - pts[-1][1]) > 0.05:
            pts.append(p)
    if len(pts) <= 2:
        return pts
    out = [pts[0]]
    for i in range(1, len(pts) - 1):
        a, b, c = out[-1], pts[i], pts[i + 1]
        ac = math.hypot(c[0] - a[0], c[1] - a[1])
        if ac == 0 or abs((c[0] - a[0]) * (b[1] - a[1]) - (c[1] - a[1]) * (b[0] - a[0])) / ac >= tol:
            out.append(b)
    out.append(pts[-1])
    return out


# ---- subpaths ------------------------------------------------------------------------------

class _Sub:
    """One run of connected items: its points, whether it closes, and what it was made of."""

    __slots__ = ("points", "closed", "curves", "lines", "kind", "straight")

    def __init__(self) -> None:
        self.points: list[Point] = []
        self.closed = False
        self.curves = 0
        self.lines = 0
        self.kind = ""  # "re" or "qu" for PDF rectangles and quads
        self.straight = 0.0  # total length of the straight items


def _subpaths(items: list[tuple], close_path: bool) -> list[_Sub]:
    """Runs of connected items; ``close_path`` closes every run of 3+ points (a fill is
    always painted closed, whatever its last item)."""
    subs: list[_Sub] = []
    cur: _Sub | None = None
    for it in items:
        op = it[0]
        if op in ("re", "qu"):
            s = _Sub()
            if op == "re":
                x0, y0, x1, y1 = it[1]
                s.points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            else:
                ul, ur, ll, lr = it[1]
                s.points = [ul, ur, lr, ll]
            s.closed, s.kind, s.lines = True, op, 4
            subs.append(s)
            cur = None
            continue
        start = it[1]
        if cur is None or _dist(cur.points[-1], start) > _EPS:
            cur = _Sub()
            cur.points = [start]
            subs.append(cur)
        if op == "l":
            cur.straight += _dist(cur.points[-1], it[2])
            cur.points.append(it[2])
            cur.lines += 1
        elif op == "c":
            cur.points.extend(_bezier(it[1], it[2], it[3], it[4]))
            cur.curves += 1
    for s in subs:
        if s.kind:
            continue
        if len(s.points) > 2 and (_dist(s.points[0], s.points[-1]) <= _EPS or close_path):
            s.closed = True
            if _dist(s.points[0], s.points[-1]) <= _EPS:
                s.points = s.points[:-1]
    return subs


# ---- shape classification --------------------------------------------------------------------

def _polygon_kind(corners: list[Point], box: Rect, tol: float = 1.0) -> str:
    """rect / diamond / parallelogram / hexagon / polygon from the simplified corners (a rect's
    corners lie within ``tol`` of its box's corners; a tiny outline, such as a small-print
    chart's 2-pt arrowhead, gets a tolerance of a quarter of its size, or every corner would
    be near a box corner)."""
    w, h = box[2] - box[0], box[3] - box[1]
    tol = min(tol, 0.25 * min(w, h))
    n = len(corners)
    if n == 4:
        if all(_at_box_corner(p, box, tol) for p in corners):
            return "rect"
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        mids = sum(1 for p in corners if abs(p[0] - cx) < 0.15 * w or abs(p[1] - cy) < 0.15 * h)
        if mids == 4:
            return "diamond"
        return "parallelogram"
    if n == 6:
        return "hexagon"
    return "polygon"


def _at_box_corner(p: Point, box: Rect, tol: float) -> bool:
    return min(abs(p[0] - box[0]), abs(p[0] - box[2])) < tol and min(abs(p[1] - box[1]), abs(p[1] - box[3])) < tol


def _gather(ends: list[Point], tol: float) -> tuple[list[int], list[Point]]:
    """Ends that lie within ``tol`` of a cluster's first end join it: the cluster of each end,
    and each cluster's mean point."""
    groups: list[list[Point]] = []
    which = []
    for e in ends:
        k = next((k for k, g in enumerate(groups) if _dist(g[0], e) <= tol), None)
        if k is None:
            groups.append([e])
            k = len(groups) - 1
        else:
            groups[k].append(e)
        which.append(k)
    return which, [(sum(p[0] for p in g) / len(g), sum(p[1] for p in g) / len(g)) for g in groups]


def _adjacency(links: list[tuple[int, int]]) -> dict[int, set[int]]:
    near: dict[int, set[int]] = defaultdict(set)
    for a, b in links:
        if a != b:
            near[a].add(b)
            near[b].add(a)
    return near


def _connected(near: dict[int, set[int]]) -> bool:
    start = next(iter(near))
    seen, todo = {start}, [start]
    while todo:
        for m in near[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return len(seen) == len(near)


def _bfs_route(near: dict[int, set[int]], a: int, b: int) -> list[int]:
    back = {a: a}
    todo = [a]
    while todo and b not in back:
        nxt = []
        for k in todo:
            for m in sorted(near[k]):
                if m not in back:
                    back[m] = k
                    nxt.append(m)
        todo = nxt
    if b not in back:
        return []
    route = [b]
    while route[-1] != a:
        route.append(back[route[-1]])
    return route[::-1]


def _sketch_kind(corners: list[Point], box: Rect, tol: float) -> str:
    """The kind of a hand-drawn outline from where its sides meet (corners are loose): many
    corners, none at the box's corners, make a round shape; the rest as for a clean polygon."""
    w, h = box[2] - box[0], box[3] - box[1]
    if len(corners) >= 8 and not any(_at_box_corner(p, box, tol) for p in corners):
        return "circle" if 0.85 < h / max(w, 1e-6) < 1.18 else "ellipse"
    return _polygon_kind(corners, box, tol)


def _curved_kind(s: _Sub, box: Rect) -> str:
    w, h = box[2] - box[0], box[3] - box[1]
    if s.lines == 0 or s.straight < 0.1 * (w + h):  # straight bits too short to be sides
        if s.curves >= 2:
            return "circle" if w > 0 and 0.85 < h / w < 1.18 else "ellipse"
    corners = _simplify(s.points, tol=0.3)
    # a cylinder: two vertical sides joined by elliptic arcs at top and bottom
    if s.curves >= 2 and s.lines in (2, 3):
        return "cylinder"
    if s.curves >= 4 and s.lines >= 2:
        return "round_rect"
    return "round_rect" if len(corners) > 8 else _polygon_kind(corners, box)


_BAR_MAX = 2.6  # pt: a closed outline no thicker than this, and long, is a thick line
_BAR_ASPECT = 8.0


def _axis(box: Rect) -> list[Point]:
    """The long centre line of a thin box."""
    w, h = box[2] - box[0], box[3] - box[1]
    if w >= h:
        mid = (box[1] + box[3]) / 2
        return [(box[0], mid), (box[2], mid)]
    mid = (box[0] + box[2]) / 2
    return [(mid, box[1]), (mid, box[3])]


def _is_triangle_head(corners: list[Point], box: Rect) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    if len(corners) == 4 and _polygon_kind(corners, box) == "rect":
        return False  # a small box (label background, legend swatch) is not an arrowhead
    return len(corners) in (3, 4) and max(w, h) <= _ARROW_MAX and min(w, h) > 0.5


def _polygonal_arc(points: list[Point], box: Rect) -> bool:
    """A closed outline of many sides, most of them short against the box: an arc drawn in
    straight pieces (a round line cap), not an arrowhead's three sides."""
    if len(points) < 7:
        return False
    m = max(box[2] - box[0], box[3] - box[1])
    sides = [_dist(points[i - 1], points[i]) for i in range(len(points))]
    return sum(1 for d in sides if d < 0.35 * m) >= 0.6 * len(sides)


def _size(b: Rect) -> float:
    return max(b[2] - b[0], b[3] - b[1])


def _head_piece(s: _Sub) -> bool:
    """A closed straight-sided triangle no bigger than an arrowhead."""
    if not s.closed or s.curves:
        return False
    corners = _simplify(s.points)
    return len(corners) == 3 and _is_triangle_head(corners, _bbox(s.points))


def _arrowhead(corners: list[Point], box: Rect) -> Arrowhead:
    """Tip = where the two sides of most nearly equal length meet (an arrowhead is isosceles:
    the vertex opposite the shortest side of a slim one, opposite the longest of a wide one)."""
    pts = corners[:3] if len(corners) == 3 else _triangle_of(corners)
    sides = [_dist(pts[(i + 1) % 3], pts[(i + 2) % 3]) for i in range(3)]  # side i faces vertex i
    # the pair of sides closest in length leaves out the base; the tip faces the base
    k = min(range(3), key=lambda i: abs(sides[(i + 1) % 3] - sides[(i + 2) % 3]))
    tip = pts[k]
    base = [p for j, p in enumerate(pts) if j != k]
    mid = ((base[0][0] + base[1][0]) / 2, (base[0][1] + base[1][1]) / 2)
    d = _dist(tip, mid) or 1.0
    return Arrowhead(tip=tip, direction=((tip[0] - mid[0]) / d, (tip[1] - mid[1]) / d), bbox=box)


def _triangle_of(corners: list[Point]) -> list[Point]:
    # a 4-corner "arrowhead" (graphviz 'normal' with a notch, or a kite): keep the 3 corners
    # that span the largest triangle
    best, tri = -1.0, corners[:3]
    n = len(corners)
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                a, b, c = corners[i], corners[j], corners[k]
                area = abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]))
                if area > best:
                    best, tri = area, [a, b, c]
    return tri


# ---- one drawing -----------------------------------------------------------------------------

def _is_dashed(d: dict[str, Any]) -> bool:
    dashes = d.get("dashes") or ""
    return bool(dashes) and dashes.strip() not in ("[] 0", "[] 0.0", "[]")


def _near_white(c: tuple | None) -> bool:
    return c is not None and min(c) > 0.97


class _Collector:
    def __init__(self, prims: Primitives):
        self.p = prims

    def drawing(self, d: dict[str, Any]) -> None:
        kind = d.get("type") or "s"
        if kind == "image":  # an embedded picture (a device icon): a node, whatever it shows
            painted = d.get("shape") if d.get("role") == "shape" else None
            if painted:  # a box painted as a picture (a drop shadow): the box it shows
                fill = tuple(painted["fill"]) if painted.get("fill") else None
                self.p.shapes.append(Shape(kind=painted["kind"], bbox=tuple(painted["rect"]),
                                           filled=True, stroked=True, fill=fill))
            elif d.get("rect") and d.get("role", "icon") == "icon":
                self.p.shapes.append(Shape(kind="icon", bbox=tuple(d["rect"]), filled=True,
                                           stroked=False))
            elif d.get("rect"):  # lettering or a raster diagram: read from the crop later
                self.p.rasters.append(RasterPart(bbox=tuple(d["rect"]), role=d["role"]))
            return
        filled = "f" in kind and d.get("fill") is not None
        stroked = "s" in kind
        dashed = _is_dashed(d)
        subs = _subpaths(d.get("items") or [], bool(d.get("closePath")) or filled)
        if filled and not stroked and (self._thin_fill(subs, d) or self._dash_run(subs)
                                       or self._stroke_outline(subs)):
            return
        if stroked and not filled and (self._sketched_outline(d.get("items") or [], dashed)
                                       or self._sketched_line(d, dashed)):
            return
        for s in subs:
            if s.closed:
                self.closed(s, d, filled, stroked, dashed)
            elif stroked:
                self.open(s, d, dashed)

    def _thin_fill(self, subs: list[_Sub], d: dict[str, Any]) -> bool:
        """A fill that is really a line: thin in one direction (dash runs, hairline rects)."""
        if not subs:
            return False
        box = _bbox([p for s in subs for p in s.points])
        w, h = box[2] - box[0], box[3] - box[1]
        if min(w, h) > _BAR_MAX or max(w, h) < 8:
            return False
        # a dash pattern paints many separate pieces; a solid hairline paints one
        pieces = sum(1 for s in subs if len(s.points) >= 3)
        self.p.paths.append(Path(points=_axis(box), dashed=pieces > 2, width=min(w, h)))
        return True

    def _stroke_outline(self, subs: list[_Sub]) -> bool:
        """A stroke that the renderer painted as a filled outline (a slanted or curved line):
        a long, thin region. Its centre line is the mean of the outline's two long sides."""
        if not subs or len(subs) > 4:
            return False
        pts = [p for s in subs for p in s.points]
        if len(pts) < 4:
            return False
        area = abs(sum(pts[i][0] * pts[i - 1][1] - pts[i - 1][0] * pts[i][1]
                       for i in range(len(pts)))) / 2
        perimeter = sum(_dist(pts[i], pts[i - 1]) for i in range(len(pts)))
        width = 2 * area / perimeter if perimeter else 0.0
        length = perimeter / 2
        box = _bbox(pts)
        span = math.hypot(box[2] - box[0], box[3] - box[1])
        if span < 14.0 or width > 3.0 or length < 5 * max(width, 0.5):
            return False  # marker blobs and arrowheads are compact, strokes are long
        if max(box[2] - box[0], box[3] - box[1]) <= _ARROW_MAX and _thickness(pts) > 3.0:
            return False  # a notched arrowhead (PlantUML's) is thin only by area: wide across
        self.p.paths.append(Path(points=_centre_line(pts), width=width))
        return True

    def _sketched_outline(self, items: list[tuple], dashed: bool) -> bool:
        """Mermaid's hand-drawn look (rough.js) strokes each side of a shape twice, as loose
        curves that only nearly meet. Open pieces whose ends gather at corners that link up in
        one ring, drawn about twice over, are one closed outline. (A double-stroked connector
        is a chain, not a ring; hatching is far longer than twice its outline.)"""
        if len(items) < 2 or any(it[0] != "c" for it in items):
            return False
        pieces = [[tuple(it[1])] + _bezier(it[1], it[2], it[3], it[4]) for it in items]
        box = _bbox([p for x in pieces for p in x])
        w, h = box[2] - box[0], box[3] - box[1]
        if min(w, h) < 8.0:
            return False
        tol = max(3.0, 0.08 * max(w, h))
        which, corners = _gather([e for x in pieces for e in (x[0], x[-1])], tol)
        links = list(zip(which[0::2], which[1::2]))
        length = sum(_dist(a, b) for x in pieces for a, b in zip(x, x[1:]))
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        if all(a == b for a, b in links):
            if len(corners) > 2:
                return False
            kind, outline = ("circle" if 0.85 < h / w < 1.18 else "ellipse"), math.pi * (w + h) / 2
        else:
            near = _adjacency(links)
            if len(corners) < 3 or len(near) != len(corners) or \
                    any(len(v) != 2 for v in near.values()) or not _connected(near):
                return False
            pts = sorted(corners, key=lambda p: math.atan2(p[1] - centre[1], p[0] - centre[0]))
            kind = _sketch_kind(pts, box, tol)
            outline = sum(_dist(pts[i], pts[i - 1]) for i in range(len(pts)))
        if not 1.4 * outline <= length <= 2.8 * outline:
            return False
        self.p.shapes.append(Shape(kind=kind, bbox=box, filled=False, stroked=True,
                                   dashed=dashed))  # type: ignore[arg-type]
        return True

    def _sketched_line(self, d: dict[str, Any], dashed: bool) -> bool:
        """A hand-drawn connector: the same line stroked twice as loose, broken curves. Their
        ends gather at a few points along the line; one path runs from the farthest free end
        through those points to the other free end."""
        items = d.get("items") or []
        if len(items) < 2 or any(it[0] != "c" for it in items):
            return False
        if all(_dist(a[4], b[1]) <= _EPS for a, b in zip(items, items[1:])):
            return False  # one continuous curve: the ordinary reading handles it
        which, mean = _gather([tuple(e) for it in items for e in (it[1], it[4])], 3.0)
        near = _adjacency(list(zip(which[0::2], which[1::2])))
        if len(near) < 2 or len(near) != len(mean) or not _connected(near):
            return False
        free = [k for k, v in near.items() if len(v) == 1] or list(near)
        a, b = max(((i, j) for i in free for j in free if i < j),
                   key=lambda ij: _dist(mean[ij[0]], mean[ij[1]]), default=(free[0], free[0]))
        route = _bfs_route(near, a, b)
        if len(route) < 2:
            return False
        self.p.paths.append(Path(points=[mean[k] for k in route], dashed=dashed,
                                 width=float(d.get("width") or 1.0)))
        return True

    def _dash_run(self, subs: list[_Sub]) -> bool:
        """A slanted or curved dashed line painted as a fill of many small pieces: one dashed
        path through the pieces' centres, in painting order. Its arrowhead may be painted in
        the same fill, before or after the dashes (Visio's dashed 3GPP messages): set apart."""
        heads = [s for s in (subs[:1] + subs[-1:]) if _head_piece(s)] if len(subs) > 3 else []
        if heads:
            # (a head is bigger than a dash: a dash of a curve cut to a triangle is a dash)
            sizes = sorted(_size(_bbox(s.points)) for s in subs if not any(s is h for h in heads))
            heads = [h for h in heads if _size(_bbox(h.points)) >= 1.2 * sizes[len(sizes) // 2]]
        subs = [s for s in subs if not any(s is h for h in heads)]
        if len(subs) < 3:
            return False
        centres = []
        for s in subs:
            b = _bbox(s.points)
            if max(b[2] - b[0], b[3] - b[1]) > 8.0:
                return False
            centres.append(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2))
        if any(_dist(a, b) > 15.0 for a, b in zip(centres, centres[1:])):
            return False
        box = _bbox(centres)
        if math.hypot(box[2] - box[0], box[3] - box[1]) < 20.0:
            return False  # a compact cluster of pieces is a marker, not a line
        if _dist(centres[0], centres[-1]) <= 15.0 and min(box[2] - box[0], box[3] - box[1]) > 10:
            # the dashes go all the way round: a dashed box (a region, a zone), not a line
            self.p.shapes.append(Shape(kind="rect", bbox=box, filled=False, stroked=True,
                                       dashed=True))
            return True
        line = _simplify(centres, tol=0.8)
        for h in heads:
            head = _arrowhead(_simplify(h.points), _bbox(h.points))
            self.p.arrowheads.append(head)
            # the line runs on to the head's tip, from the end nearer to it
            if _dist(line[-1], head.tip) <= _dist(line[0], head.tip):
                line.append(head.tip)
            else:
                line.insert(0, head.tip)
        self.p.paths.append(Path(points=line, dashed=True))
        return True

    def closed(self, s: _Sub, d: dict[str, Any], filled: bool, stroked: bool, dashed: bool) -> None:
        box = _bbox(s.points)
        w, h = box[2] - box[0], box[3] - box[1]
        if max(w, h) < 1.0:
            return
        if filled and not stroked and not s.curves:
            # white fills only erase what is below (backgrounds, label boxes): keep big ones
            # out, they would swallow the whole figure as a group; a coloured fill under
            # nearly all of the figure is its background colour (Graphviz bgcolor)
            share = w * h / max(1e-6, self.p.width * self.p.height)
            if share > (0.5 if _near_white(d.get("fill")) else 0.6):
                return
        if min(w, h) < 1.2 and max(w, h) > 4:  # a degenerate closed path is a line
            self.p.paths.append(Path(points=[(box[0], box[1]), (box[2], box[3])], dashed=dashed))
            return
        if min(w, h) <= _BAR_MAX and max(w, h) >= max(8.0, _BAR_ASPECT * min(w, h)):
            # a bar as thin as a thick stroke, filled or outlined (a 3GPP message arrow drawn
            # as a filled outline with its head in the same path): its centre line
            self.p.paths.append(Path(points=_axis(box), dashed=dashed, width=min(w, h)))
            return
        if not filled and max(w, h) < 5.0 and min(w, h) < 3.0:
            return  # a speck of outline (a dashed curve's piece closed on itself): no element
        corners = _simplify(s.points) if not s.curves else s.points
        if not s.curves and s.kind != "re" and len(corners) == 4 and max(w, h) <= _ARROW_MAX \
                and _polygon_kind(corners, box) == "diamond":
            # a small diamond (UML's aggregation / composition end, as a quad or four lines):
            # a marker with no tip of its own; it points away from its line
            self.p.arrowheads.append(Arrowhead(tip=((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                                               direction=(0.0, 0.0), bbox=box))
            return
        # (a round cap of a thick line, painted as a half disc of many short sides, simplifies
        # to a triangle too: TS 29.244 Figure E.2.2-1's caps pointed every message both ways)
        if not s.curves and not s.kind and (filled or stroked) and _is_triangle_head(corners, box) \
                and not _polygonal_arc(s.points, box):
            self.p.arrowheads.append(_arrowhead(corners, box))
            return
        if s.kind == "re":
            shape = "rect"
        elif s.curves:
            shape = _curved_kind(s, box)
        else:
            shape = _polygon_kind(corners, box)
        fill = tuple(d["fill"]) if filled and d.get("fill") is not None else None
        self.p.shapes.append(Shape(kind=shape, bbox=box, filled=filled, stroked=stroked,
                                   dashed=dashed, fill=fill))  # type: ignore[arg-type]

    def open(self, s: _Sub, d: dict[str, Any], dashed: bool) -> None:
        if _brace(s.points):
            return  # a curly bracket marks a span for the text beside it: no connector
        pts = _simplify(s.points, tol=0.25)
        if len(pts) < 2:
            return
        box = _bbox(pts)
        if len(pts) == 3 and max(box[2] - box[0], box[3] - box[1]) <= _ARROW_MAX * 0.8:
            # an open chevron "->" : two short strokes meeting at the tip
            a, tip, b = pts
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            dd = _dist(tip, mid)
            if dd > 0.8 and _dist(a, tip) < 14 and _dist(b, tip) < 14:
                self.p.arrowheads.append(Arrowhead(tip=tip, direction=((tip[0] - mid[0]) / dd,
                                                                       (tip[1] - mid[1]) / dd),
                                                   bbox=box))
                return
        self.p.paths.append(Path(points=pts, dashed=dashed, width=float(d.get("width") or 1.0)))


def _brace(pts: list[Point]) -> bool:
    """A curly bracket ("}" beside a span, its name at the point): long along one axis and
    narrow across it, both ends on one side, its tip on the other side in the middle third, the
    only place it gets that far out (a connector that detours round a box keeps its distance
    along a whole side), and most of its length away from the line of its ends."""
    if len(pts) < 5:
        return False
    box = _bbox(pts)
    w, h = box[2] - box[0], box[3] - box[1]
    along, across = (1, 0) if h >= w else (0, 1)
    span, wide = max(w, h), min(w, h)
    if not (1.5 <= wide <= 12.0 and span >= 4 * wide):
        return False
    a, b = pts[0][across], pts[-1][across]
    if abs(a - b) > 0.25 * wide:
        return False
    side = (a + b) / 2
    far = max(pts, key=lambda p: abs(p[across] - side))
    if abs(far[across] - side) < 0.75 * wide:
        return False
    lo, reach = box[along], abs(far[across] - side)
    out = [p[along] for p in pts if abs(p[across] - side) >= 0.9 * reach]
    if not (all(lo + span / 3 <= t <= lo + 2 * span / 3 for t in out)
            and max(out) - min(out) <= 0.15 * span):
        return False
    # a bracket runs its whole length off the line of its ends, curling back at them; a line
    # that hops over a lifeline with a little arc runs on that line but for the hop
    off = sum(_dist(a, b) for a, b in zip(pts, pts[1:])
              if min(abs(a[across] - side), abs(b[across] - side)) >= 0.3 * reach)
    return off >= 0.6 * U.poly_len(pts)


def _thickness(pts: list[Point]) -> float:
    """The least width of the points' convex hull over its edge directions (a stroke's
    outline is as thin as the stroke, an arrowhead as wide as its base)."""
    pts = sorted(set(pts))
    if len(pts) < 3:
        return 0.0

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    hull: list[Point] = []
    for seq in (pts, pts[::-1]):  # Andrew's monotone chain: lower, then upper half
        half: list[Point] = []
        for p in seq:
            while len(half) >= 2 and cross(half[-2], half[-1], p) <= 0:
                half.pop()
            half.append(p)
        hull += half[:-1]
    best = math.inf
    for i in range(len(hull)):
        a, b = hull[i], hull[(i + 1) % len(hull)]
        d = _dist(a, b)
        if d > 1e-9:
            best = min(best, max(abs(cross(a, b, q)) / d for q in hull))
    return 0.0 if best == math.inf else best


def _centre_line(pts: list[Point], n: int = 12) -> list[Point]:
    """Split a closed thin outline at its two far ends and average the two sides."""
    i0 = max(range(len(pts)), key=lambda i: _dist(pts[i], pts[0]))
    i1 = max(range(len(pts)), key=lambda i: _dist(pts[i], pts[i0]))
    a, b = sorted((i0, i1))
    side1 = pts[a:b + 1]
    side2 = (pts[b:] + pts[:a + 1])[::-1]
    s1, s2 = _resample(side1, n), _resample(side2, n)
    mid = [((p[0] + q[0]) / 2, (p[1] + q[1]) / 2) for p, q in zip(s1, s2)]
    return _simplify(mid, tol=0.5)


def _resample(pts: list[Point], n: int) -> list[Point]:
    lengths = [0.0]
    for i in range(1, len(pts)):
        lengths.append(lengths[-1] + _dist(pts[i - 1], pts[i]))
    total = lengths[-1] or 1.0
    out, j = [], 0
    for k in range(n):
        t = total * k / (n - 1)
        while j < len(pts) - 2 and lengths[j + 1] < t:
            j += 1
        seg = (lengths[j + 1] - lengths[j]) or 1.0
        u = min(1.0, max(0.0, (t - lengths[j]) / seg))
        out.append((pts[j][0] + u * (pts[j + 1][0] - pts[j][0]),
                    pts[j][1] + u * (pts[j + 1][1] - pts[j][1])))
    return out


# ---- text ------------------------------------------------------------------------------------

_UNMAPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")


def _words(spans: Sequence[TextSpan]) -> list[Word]:
    """Spans -> words, with spans of one line that touch merged (fonts split PDF lines)."""
    # (word, its span began with a space, its span ended with one: the box holds that space)
    items: list[tuple[Word, bool, bool]] = []
    seen: set[tuple[str, int, int, int, int]] = set()
    for s in spans:
        # (a glyph the font maps to no character comes back as NUL or U+FFFD: Chromium's PDF
        # of a draw.io SVG writes the emoji in "Draft 🔓 Editable" so; it says nothing)
        t = _UNMAPPED.sub("", s.text).strip()
        if not t:
            continue
        # the same text painted again in the same place (a Visio shape stacked on copies of
        # itself, TS 23.203 Figure 6.1.7-1's "UE UE UE UE") is one word
        key = (t, *(round(v) for v in s.bbox.as_tuple()))
        if key in seen:
            continue
        seen.add(key)
        vertical = abs(s.dir[1]) > 0.5
        turn = (1 if s.dir[1] > 0 else 3) if vertical else 0
        items.append((Word(text=t, bbox=s.bbox.as_tuple(), size=s.size, confidence=s.confidence,
                           vertical=vertical, turn=turn), s.text[:1].isspace(), s.text[-1:].isspace()))
    items = _join_subscripts(items)
    items.sort(key=lambda it: (round(it[0].bbox[1], 0), it[0].bbox[0]))
    out: list[Word] = []
    trail = False  # the last span merged into out[-1] ended with a space
    for w, lead, end in items:
        prev = out[-1] if out else None
        if prev is not None and not w.vertical and not prev.vertical and _same_line(prev, w):
            # (a span that ends with its space -- "address " before a bold "MUST" -- has the
            # space inside its box: no gap, yet two words)
            tight = w.bbox[0] - prev.bbox[2] < 0.15 * max(w.size, 1) and not trail and not lead
            prev.text = prev.text + ("" if tight else " ") + w.text
            prev.bbox = (min(prev.bbox[0], w.bbox[0]), min(prev.bbox[1], w.bbox[1]),
                         max(prev.bbox[2], w.bbox[2]), max(prev.bbox[3], w.bbox[3]))
        else:
            out.append(w)
        trail = end
    return out


def _join_subscripts(items: list[tuple[Word, bool, bool]]) -> list[tuple[Word, bool, bool]]:
    """A span in smaller print that starts where a word ends and sits low (or high) on its line
    is that word's subscript (superscript): TS 38.300's "UE" + "n", "UE" + "1". It joins the
    word with no space; sorted by line, it fell a row apart and became an element "n". Words
    are looked up by where they end (whole points), not scanned for each short span."""
    if not items:
        return items
    out = list(items)
    reach = 0.15 * max(w.size for w, _, _ in out) + 1
    ends: dict[int, list[int]] = defaultdict(list)
    for j, (o, _, _) in enumerate(out):
        ends[int(o.bbox[2])].append(j)
    gone: set[int] = set()
    for k, (w, _, w_end) in enumerate(out):
        if w.vertical or len(w.text) > 3:
            continue
        near = (j for x in range(int(w.bbox[0] - reach), int(w.bbox[0] + reach) + 1)
                for j in ends.get(x, ()))
        host = next((j for j in near if j != k and j not in gone and _subscript_of(w, *out[j])), None)
        if host is None:
            continue
        o, lead, _ = out[host]
        o.text += w.text
        o.bbox = (o.bbox[0], min(o.bbox[1], w.bbox[1]), max(o.bbox[2], w.bbox[2]), max(o.bbox[3], w.bbox[3]))
        out[host] = (o, lead, w_end)
        ends[int(o.bbox[2])].append(host)
        gone.add(k)
    return [it for k, it in enumerate(out) if k not in gone]


def _subscript_of(w: Word, o: Word, _lead: bool, end: bool) -> bool:
    """``w`` in smaller print starts where ``o`` ends (no space after ``o``), its middle low or
    high on ``o``'s line."""
    if o.vertical or end or w.size > 0.8 * o.size:
        return False
    gap = w.bbox[0] - o.bbox[2]
    oh, mid = o.bbox[3] - o.bbox[1], (w.bbox[1] + w.bbox[3]) / 2
    return (-0.1 * o.size <= gap <= 0.15 * o.size and o.bbox[1] - 0.2 * oh <= mid <= o.bbox[3] + 0.2 * oh
            and abs(mid - (o.bbox[1] + o.bbox[3]) / 2) >= 0.15 * oh)


def _same_line(a: Word, b: Word) -> bool:
    ha, hb = a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]
    cy_a, cy_b = (a.bbox[1] + a.bbox[3]) / 2, (b.bbox[1] + b.bbox[3]) / 2
    gap = b.bbox[0] - a.bbox[2]
    size = max(a.size, b.size, 1.0)
    return abs(cy_a - cy_b) < 0.3 * max(ha, hb) and -0.25 * size < gap < 0.6 * size


# ---- frame -----------------------------------------------------------------------------------

def _frame(spans: Sequence[TextSpan], bbox: Rect, page_rotation: int) -> int:
    """Quarter turns (0..3) that make the figure's dominant text read left to right."""
    votes = [0, 0, 0, 0]
    for s in spans:
        c, si = s.dir
        q = 0 if c > 0.7 else 2 if c < -0.7 else 1 if si > 0.7 else 3 if si < -0.7 else -1
        if q >= 0:
            votes[q] += max(1, len(s.text.strip()))
    if sum(votes) == 0:
        return (page_rotation // 90) % 4
    best = max(range(4), key=lambda q: (votes[q], -q))
    return best if votes[best] > 1.5 * votes[0] else 0


def _turn(p: Point, q: int, w: float, h: float) -> Point:
    """Rotate a point (figure frame) so that direction q becomes left-to-right."""
    x, y = p
    if q == 1:  # text runs downwards: rotate counter-clockwise
        return (y, w - x)
    if q == 2:
        return (w - x, h - y)
    if q == 3:
        return (h - y, x)
    return p


def _turn_rect(r: Rect, q: int, w: float, h: float) -> Rect:
    a = _turn((r[0], r[1]), q, w, h)
    b = _turn((r[2], r[3]), q, w, h)
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))


def _transform(prims: Primitives, dx: float, dy: float, q: int) -> None:
    w, h = prims.width, prims.height

    def pt(p: Point) -> Point:
        return _turn((p[0] - dx, p[1] - dy), q, w, h)

    def rc(r: Rect) -> Rect:
        return _turn_rect((r[0] - dx, r[1] - dy, r[2] - dx, r[3] - dy), q, w, h)

    for s in prims.shapes:
        s.bbox = rc(s.bbox)
    for p in prims.paths:
        p.points = [pt(x) for x in p.points]
    for a in prims.arrowheads:
        a.tip, a.bbox = pt(a.tip), rc(a.bbox)
        a.direction = _turn_dir(a.direction, q)
    for r in prims.rasters:
        r.bbox = rc(r.bbox)
    if q in (1, 3):
        prims.width, prims.height = h, w


def _turn_dir(v: Point, q: int) -> Point:
    x, y = v
    return [(x, y), (y, -x), (-x, -y), (-y, x)][q]


# ---- dashes drawn one by one --------------------------------------------------------------------

_DASH_MAX = 10.0   # points: a dash is at most this long ...
_DASH_RUN = 4      # ... and a dashed line has at least this many of them
_DASH_SPAN = 30.0  # ... over at least this length


def join_dash_rows(paths: list[Path]) -> list[Path]:
    """Rows of short level (or plumb) strokes drawn one by one, evenly spaced, as one dashed
    line. Word and LibreOffice draw the dashed lines of EMF figures (3GPP call flows) as a
    separate stroke per dash; each dash alone is too short to join anything. Spacing must be
    even (the underscores of a label drawn as strokes are spaced by its words). Paths keep
    their drawing order (a joined line takes its first dash's place)."""
    rows: dict[tuple[bool, float], list[tuple[float, float, int]]] = defaultdict(list)
    for k, p in enumerate(paths):
        a, b = p.points[0], p.points[-1]
        level, plumb = abs(a[1] - b[1]) < 0.3, abs(a[0] - b[0]) < 0.3
        n = _dist(a, b)
        if len(p.points) == 2 and (level or plumb) and 0.5 < n <= _DASH_MAX and not p.dashed:
            lo, hi = (min(a[0], b[0]), max(a[0], b[0])) if level else (min(a[1], b[1]), max(a[1], b[1]))
            rows[(level, round(a[1] if level else a[0], 0))].append((lo, hi, k))
    put: dict[int, Path] = {}
    gone: set[int] = set()
    for (level, c), pieces in rows.items():
        pieces.sort(key=lambda t: t[0])
        run = [pieces[0]]
        for piece in pieces[1:] + [None]:  # type: ignore[list-item]
            if piece is not None and _next_dash(run, piece):
                run.append(piece)
                continue
            if len(run) >= _DASH_RUN and run[-1][1] - run[0][0] >= _DASH_SPAN:
                # the line runs on to where the next dash would start: a dash pattern's
                # line ends within one gap of its last dash (at the lifeline, on the link)
                gap = (run[-1][0] - run[0][1] - sum(t[1] - t[0] for t in run[1:-1])) / (len(run) - 1)
                lo, hi = run[0][0] - gap, run[-1][1] + gap
                pts = [(lo, c), (hi, c)] if level else [(c, lo), (c, hi)]
                first = min(t[2] for t in run)
                put[first] = Path(points=pts, dashed=True, width=paths[first].width)
                gone.update(t[2] for t in run)
            if piece is not None:
                run = [piece]
    if not put:
        return paths
    return [put.get(k, p) for k, p in enumerate(paths) if k in put or k not in gone]


def _next_dash(run: list[tuple[float, float, int]], piece: tuple[float, float, int]) -> bool:
    last = run[-1]
    gap = piece[0] - last[1]
    size = last[1] - last[0]
    if not (0.2 < gap <= 2.5 * max(size, 1.0)) or abs((piece[1] - piece[0]) - size) > 0.35 * size + 0.3:
        return False
    if len(run) >= 2:
        prev = last[0] - run[-2][1]
        return abs(gap - prev) <= 0.25 * max(prev, gap) + 0.3  # evenly spaced
    return True


# ---- entry point -----------------------------------------------------------------------------

def extract_vector(drawings: Sequence[dict[str, Any]], spans: Sequence[TextSpan],
                   bbox: BBox | Rect | None = None, *, page_rotation: int = 0,
                   max_items: int = DEFAULT_MAX_ITEMS) -> Primitives:
    """Shapes, connectors, arrowheads and words of one vector figure.

    ``drawings`` are plain PyMuPDF drawings (``pdfplain``), ``spans`` the figure's text in page
    coordinates, ``bbox`` the figure box (defaults to the union of everything). Above
    ``max_items`` drawing items the geometry is skipped and only the words come back
    (``truncated=True`` and a warning), so a pathological drawing cannot stall a batch.
    """
    box = _figure_box(drawings, spans, bbox)
    prims = Primitives(source="vector", width=box[2] - box[0], height=box[3] - box[1])
    if _n_items(drawings) > max_items:
        drawings = _dense_fills_as_boxes(drawings)
    if _n_items(drawings) > max_items:
        # still over: a gradient painted as thousands of curved bands of a dozen pieces each
        # (the antennas of TS 38.300 Figure 4.1-1 as EMF: 2,820 bands, 24,166 pieces)
        drawings = _merge_band_runs(_dense_fills_as_boxes(drawings, _BAND_FILL))
    n_items = _n_items(drawings)
    if n_items > max_items:
        prims.truncated = True
        prims.warnings.append(f"{n_items} drawing items exceed max_items={max_items}: "
                              "geometry skipped, labels only")
    else:
        col = _Collector(prims)
        for d in drawings:
            col.drawing(d)
        prims.shapes = U.merge_cylinders(prims.shapes)
        prims.paths = join_dash_rows(prims.paths)
    _marker_blobs(prims)
    q = _frame(spans, box, page_rotation)
    prims.words = _words(spans)
    _transform(prims, box[0], box[1], q)
    w0, h0 = box[2] - box[0], box[3] - box[1]
    for w in prims.words:
        w.bbox = _turn_rect((w.bbox[0] - box[0], w.bbox[1] - box[1], w.bbox[2] - box[0],
                             w.bbox[3] - box[1]), q, w0, h0)
        if q in (1, 3):
            w.vertical = not w.vertical
    prims.quarter_turns = q
    if q:
        prims.warnings.append(f"text runs at {q * 90} degrees: figure turned to read it")
    return prims


def _n_items(drawings: Sequence[dict[str, Any]]) -> int:
    return sum(len(d.get("items") or ()) for d in drawings)


_DENSE_FILL = 64  # straight pieces: more than this in one fill is a flattened curve or bitmap
_BAND_FILL = 8  # second pass, still over budget: a gradient's band is a curve of a dozen pieces


def _dense_fills_as_boxes(drawings: Sequence[dict[str, Any]], most: int = _DENSE_FILL
                          ) -> list[dict[str, Any]]:
    """Over the item budget, fills of more than ``most`` pieces (clip-art: a gradient exported
    as dozens of nested polygons, a bitmap traced into outlines) are read as their boxes: their
    outline is no connector, and the picture they make is found from the boxes."""
    out = []
    for d in drawings:
        items = d.get("items") or ()
        if len(items) > most and d.get("type") == "f" and d.get("rect"):
            r = tuple(d["rect"])
            d = {**d, "items": [("re", r, 1)]}
        out.append(d)
    return out


def _merge_band_runs(drawings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive fill-only boxes that overlap, the bands of one gradient painted one after
    the other, become one box: the picture is found from its pieces, and a few pieces do."""
    out: list[dict[str, Any]] = []
    for d in drawings:
        r = tuple(d["rect"]) if d.get("rect") else None
        prev = out[-1] if out else None
        if r is not None and prev is not None and d.get("type") == "f" and prev.get("type") == "f" \
                and len(d.get("items") or ()) == 1 and len(prev.get("items") or ()) == 1 \
                and d["items"][0][0] == "re" and prev["items"][0][0] == "re":
            p = tuple(prev["rect"])
            if U.overlap_area(p, r) > 0:
                u = (min(p[0], r[0]), min(p[1], r[1]), max(p[2], r[2]), max(p[3], r[3]))
                out[-1] = {**prev, "rect": u, "items": [("re", u, 1)]}
                continue
        out.append(d)
    return out


_DOT = 2.0  # points: a marker-sized outline smaller than this across is a speck, no marker


def _marker_blobs(prims: Primitives) -> None:
    """Small filled outlines at an arrowhead are a second paint of the same marker (Chromium
    strokes the marker outline as a fill): drop them; a lone one is itself an arrowhead."""
    keep = []
    for s in prims.shapes:
        x0, y0, x1, y1 = s.bbox
        tiny = max(x1 - x0, y1 - y0) <= 10.0
        # (an arrowhead is at most _ARROW_MAX across: what lies within its box is as small)
        over = any(a.bbox[0] - 1.5 <= x0 and a.bbox[1] - 1.5 <= y0
                            and x1 <= a.bbox[2] + 1.5 and y1 <= a.bbox[3] + 1.5
                            for a in prims.arrowheads)
        if over and s.filled != s.stroked:
            # a piece of the marker's fill (it may split into small "rects"), or its outline
            # stroked apart from the fill (PlantUML: a filled polygon, then a stroked quad)
            continue
        small = tiny and s.kind in ("polygon", "parallelogram", "hexagon", "diamond")
        if small and max(x1 - x0, y1 - y0) < _DOT:
            continue  # a speck (EMF call flows paint one where each message line starts)
        if not small:
            keep.append(s)
            continue
        if not over and s.filled:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            prims.arrowheads.append(Arrowhead(tip=(cx, cy), direction=(0.0, 0.0), bbox=s.bbox))
    prims.shapes = keep
    # strokes of a marker's own outline are not connectors
    prims.paths = [p for p in prims.paths if not any(
        all(a.bbox[0] - 1.5 <= x <= a.bbox[2] + 1.5 and a.bbox[1] - 1.5 <= y <= a.bbox[3] + 1.5
            for x, y in p.points) for a in prims.arrowheads)]


def _figure_box(drawings: Sequence[dict[str, Any]], spans: Sequence[TextSpan],
                bbox: BBox | Rect | None) -> Rect:
    if bbox is not None:
        return bbox.as_tuple() if isinstance(bbox, BBox) else tuple(bbox)  # type: ignore[return-value]
    rects = [tuple(d["rect"]) for d in drawings if d.get("rect")]
    rects += [s.bbox.as_tuple() for s in spans]
    if not rects:
        return (0.0, 0.0, 1.0, 1.0)
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def page_inputs(page: Any, clip: Rect | None = None) -> tuple[list[dict[str, Any]], list[TextSpan]]:
    """A PyMuPDF page's plain drawings and text spans (optionally inside ``clip``).

    A convenience for tests and benchmarks that start from a PDF page instead of an ingested
    :class:`~dicmodel.document.Figure`.
    """
    from ._util import contains
    from .pdfplain import image_drawings, plain_drawings

    drawings = plain_drawings(page.get_drawings())
    area = clip or tuple(page.rect)
    images = [{"rect": tuple(i["bbox"]), "mask": i.get("bpc") == 1 and not i.get("colorspace")}
              for i in page.get_image_info()]
    drawings += image_drawings([im for im in images if contains(area, im["rect"], 2.0)], area)
    spans = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            for s in line["spans"]:
                if not s["text"].strip():
                    continue
                spans.append(TextSpan.of_span(s, tuple(line["dir"])))
    if clip is not None:
        drawings = [d for d in drawings if d.get("rect") and _overlaps(d["rect"], clip)]
        spans = [s for s in spans if _overlaps(s.bbox.as_tuple(), clip)]
    return drawings, spans


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
