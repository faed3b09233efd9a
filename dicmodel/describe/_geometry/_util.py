"""Small geometry helpers shared by the engine modules (graph, sequence, classify)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from .primitives import Point, Rect, Shape, Word

__all__ = ["dist", "rect_dist", "clip_segment", "boundary_dist", "inside", "contains", "area", "center",
           "seg_dist", "poly_dist", "poly_len", "heading", "text_blocks", "block_text", "expand",
           "median_height", "Grid", "head_and_body"]



_LONG = 48  # characters: a label this long is a box's whole content, not its name
_HEAD = re.compile(r"^(?P<head>[^{}]{3,60}?)\s*(?P<body>\{.*)$", re.S)


def head_and_body(label: str) -> tuple[str, str] | None:
    """A long label that prints a name over a block of content (a Visio SAI pipeline's "FDB
    Table { match : ... action : ... }"): its name and its content; None for other labels."""
    m = _HEAD.match(label) if len(label) >= _LONG else None
    return (m.group("head").strip(), m.group("body").strip()) if m else None

def dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def area(r: Rect) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def overlap_area(a: Rect, b: Rect) -> float:
    """The area the two rectangles share (0 when they do not meet)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def center(r: Rect) -> Point:
    return ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2)


def expand(r: Rect, m: float) -> Rect:
    return (r[0] - m, r[1] - m, r[2] + m, r[3] + m)


def inside(p: Point, r: Rect, tol: float = 0.0) -> bool:
    return r[0] - tol <= p[0] <= r[2] + tol and r[1] - tol <= p[1] <= r[3] + tol


def contains(outer: Rect, inner: Rect, tol: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def rect_dist(p: Point, r: Rect) -> float:
    """Distance from a point to a rectangle (0 inside)."""
    dx = max(r[0] - p[0], 0.0, p[0] - r[2])
    dy = max(r[1] - p[1], 0.0, p[1] - r[3])
    return math.hypot(dx, dy)


def boundary_dist(p: Point, r: Rect) -> float:
    """Distance from a point to the outline of a rectangle (also when inside)."""
    if inside(p, r):
        return min(p[0] - r[0], r[2] - p[0], p[1] - r[1], r[3] - p[1])
    return rect_dist(p, r)


def seg_dist(p: Point, a: Point, b: Point) -> float:
    vx, vy = b[0] - a[0], b[1] - a[1]
    n = vx * vx + vy * vy
    if n == 0:
        return dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) / n))
    return dist(p, (a[0] + t * vx, a[1] + t * vy))


def poly_dist(p: Point, pts: Sequence[Point]) -> float:
    if len(pts) == 1:
        return dist(p, pts[0])
    return min(seg_dist(p, pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def poly_len(pts: Sequence[Point]) -> float:
    return sum(dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def halfway(pts: Sequence[Point]) -> Point:
    """The point halfway along a polyline (its last point when it has no length)."""
    half, run = poly_len(pts) / 2.0, 0.0
    for a, b in zip(pts, pts[1:]):
        step = dist(a, b)
        if run + step >= half and step > 0:
            t = (half - run) / step
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        run += step
    return pts[-1]


def heading(pts: Sequence[Point], back: int) -> Point:
    """Unit direction in which a polyline arrives at its last point, taken from the point
    ``back`` steps before it (or its first point); (0, 0) for a polyline that does not move."""
    a, b = pts[max(0, len(pts) - 1 - back)], pts[-1]
    n = dist(a, b) or 1.0
    return ((b[0] - a[0]) / n, (b[1] - a[1]) / n)


def median_height(words: Sequence[Word], default: float = 10.0) -> float:
    hs = sorted(w.bbox[3] - w.bbox[1] for w in words if not w.vertical)
    return hs[len(hs) // 2] if hs else default


def _aligned(a: Rect, b: Rect) -> bool:
    """Left edges, centres or right edges in line, to within most of the smaller line's
    height: the lines of one label are; a figure's heading and an edge label that happens to
    sit just under it, off its middle, are not."""
    m = 0.75 * min(a[3] - a[1], b[3] - b[1])
    return abs(a[0] - b[0]) <= m or abs((a[0] + a[2]) - (b[0] + b[2])) / 2.0 <= m or abs(a[2] - b[2]) <= m


def text_blocks(words: Sequence[Word]) -> list[list[Word]]:
    """Words stacked as the lines of one label (left/centre aligned, small gap) -> blocks."""
    order = sorted(words, key=lambda w: (w.bbox[1], w.bbox[0]))
    blocks: list[list[Word]] = []
    for w in order:
        h = w.bbox[3] - w.bbox[1]
        home = None
        # (a slanted label is one line along its connector: its box, far taller than its
        # letters, would take in the labels of the next connectors of a fan)
        for b in (blocks if w.quad is None else ()):
            if b[-1].quad is not None:
                continue
            last = b[-1]
            lh = last.bbox[3] - last.bbox[1]
            gap = w.bbox[1] - last.bbox[3]
            overlap = min(w.bbox[2], last.bbox[2]) - max(w.bbox[0], last.bbox[0])
            # (OCR line boxes of a centred label overlap by up to 40 % of a line: a word
            # with ascenders under one with descenders; words of one line overlap wholly)
            if -0.4 * max(h, lh) < gap < 0.45 * max(h, lh) and overlap > -0.1 * h \
                    and _aligned(w.bbox, last.bbox):
                home = b
                break
        if home is None:
            blocks.append([w])
        else:
            home.append(w)
    return blocks


# a line that is only this, under a line ending in a letter, is the tail of a word the box
# was too narrow for ("Mode" / "l", "Switc" / "h"); short words that stand alone are not
_TAIL = re.compile(r"[a-z]{1,2}")
_SHORT_WORDS = frozenset("a i an as at be by do go he if in is it me my no of on or so to up us we "
                         "ok id ip".split())


def block_text(words: Sequence[Word]) -> str:
    """Lines top to bottom, words of a line left to right, joined by spaces; a line of one or
    two lower-case letters that make no word of their own ends the word above it. Text turned
    a quarter (every word vertical, its reading direction known) reads in its own frame: the
    lines of a label turned clockwise run right to left, of one turned the other way left to
    right (a Visio "Packet type / {MC,UNI}" drawn sideways is not "{MC,UNI} Packet type")."""
    turns = {w.turn for w in words}
    if len(turns) == 1 and 0 not in turns:
        down = turns == {1}
        turned = sorted(words, key=lambda w: (round((w.bbox[0] + w.bbox[2]) / 2 / 3) * (-1 if down else 1),
                                              w.bbox[1] if down else -w.bbox[3]))
        return " ".join(w.text for w in turned).strip()
    order = sorted(words, key=lambda w: (round((w.bbox[1] + w.bbox[3]) / 2 / 3), w.bbox[0]))
    line = [round((w.bbox[1] + w.bbox[3]) / 2 / 3) for w in order]
    out = ""
    for i, w in enumerate(order):
        alone = (i == len(order) - 1 or line[i + 1] != line[i]) and i > 0 and line[i - 1] != line[i]
        if alone and _TAIL.fullmatch(w.text) and w.text not in _SHORT_WORDS and out[-1:].isalpha() \
                and out[-1:].islower():
            out += w.text
        else:
            out += (" " if out else "") + w.text
    return out.strip()


def block_rect(words: Sequence[Word]) -> Rect:
    return (min(w.bbox[0] for w in words), min(w.bbox[1] for w in words),
            max(w.bbox[2] for w in words), max(w.bbox[3] for w in words))


def _bbox_pts(points: Sequence[Point]) -> Rect:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def segment_cross(a: Point, b: Point, c: Point, d: Point) -> tuple[float, float] | None:
    """Where segments ab and cd cross: (t along ab, strictly inside; v along cd, its ends
    included: a tick at a vertex of the line), or None."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return None
    q = (c[0] - a[0], c[1] - a[1])
    t = (q[0] * s[1] - q[1] * s[0]) / den
    v = (q[0] * r[1] - q[1] * r[0]) / den
    return (t, v) if 0.0 < t < 1.0 and -1e-6 <= v <= 1.0 + 1e-6 else None


def clip_segment(a: tuple[float, float], b: tuple[float, float], box: tuple[float, float, float, float]
                 ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment a-b inside ``box`` (Liang-Barsky), or None."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (a[0] + t0 * dx, a[1] + t0 * dy), (a[0] + t1 * dx, a[1] + t1 * dy)


class Grid:
    """Boxes filed under the square cells they cover: what lies near a box, without
    testing every pair (figures reach 2,000 outlines and 2,000 words). A box over more
    than ``_MAX_CELLS`` cells (or with coordinates out of range) is near everything."""

    _MAX_CELLS = 256

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.everywhere: list[int] = []

    def _span(self, r: Rect) -> tuple[range, range] | None:
        c = self.cell
        try:
            xs = range(int(r[0] // c), int(r[2] // c) + 1)
            ys = range(int(r[1] // c), int(r[3] // c) + 1)
        except (OverflowError, ValueError):  # inf or nan
            return None
        return (xs, ys) if len(xs) * len(ys) <= self._MAX_CELLS else None

    def add(self, k: int, r: Rect) -> None:
        span = self._span(r)
        if span is None:
            self.everywhere.append(k)
            return
        for i in span[0]:
            for j in span[1]:
                self.cells[(i, j)].append(k)

    def near(self, r: Rect) -> set[int]:
        span = self._span(r)
        if span is None:
            return set(self.everywhere).union(*self.cells.values())
        return set(self.everywhere).union(
            *(self.cells.get((i, j), ()) for i in span[0] for j in span[1]))


def merge_cylinders(shapes: list[Shape]) -> list[Shape]:
    """A flat ellipse sitting on a box of the same width is the lid of a cylinder: merge them.

    Raster regions and vector outlines alike: PowerPoint draws a can as its body and a lighter
    lid, two paths; the merged shape keeps the body's fill."""
    out: list[Shape | None] = list(shapes)  # the can takes its body's place in drawing order
    used: set[int] = set()
    for i, lid in enumerate(shapes):
        x0, y0, x1, y1 = lid.bbox
        if lid.kind != "ellipse" or (x1 - x0) < 2.0 * (y1 - y0):
            continue
        tol = 0.08 * (x1 - x0) + 2
        for j, body in enumerate(shapes):
            b = body.bbox
            # the body's sides start at the lid's middle, so its region starts under the lid's
            # lower arc, between its middle (a vector body: there, within a point) and its
            # bottom (the devset's raster cylinders: 0.1-0.5 lid heights below the middle); a
            # box further down is the next node (an ellipse on a Graphviz rank above a box of
            # the same width: 1.2), and an ellipse below another is a second node (Graphviz
            # stacks them ranksep apart)
            if j != i and j not in used and body.kind not in ("ellipse", "circle") \
                    and abs(b[0] - x0) <= tol and abs(b[2] - x1) <= tol \
                    and -1 <= b[1] - (y0 + y1) / 2 <= 0.6 * (y1 - y0) + 2 and b[3] > y1:
                used.update((i, j))
                out[j] = replace(body, kind="cylinder", bbox=(min(x0, b[0]), y0, max(x1, b[2]), b[3]))
                out[i] = None
                break
    return [s for s in out if s is not None]
