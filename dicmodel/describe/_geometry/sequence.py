"""Sequence diagrams (call flows): participants, lifelines, messages in time order.

Lifelines are long vertical lines (solid or dashed, possibly drawn as many dash pieces at one
x). A participant is the box whose bottom (or top, for the repeated footer) meets a lifeline,
or the text just above the lifeline when there is no box (actors). Messages are non-vertical
connectors that carry an arrowhead (or a cross) and whose two ends land on lifelines; a
connector that leaves a lifeline and comes back to it is a self-message. Each message takes
the text just above it; the list is ordered top to bottom. Activation boxes (narrow bars on a
lifeline) are ignored because ends snap to the nearest lifeline within a bar's half width.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ...diagram import Diagram, Message, Node
from . import _util as U
from .overflow import _lines as text_lines
from .primitives import Path, Point, Primitives, Rect, Shape, Word

__all__ = ["Lifeline", "find_lifelines", "read_lineless", "read_sequence"]


@dataclass
class Lifeline:
    x: float
    y0: float
    y1: float
    label: str = ""
    boxes: list[Rect] = field(default_factory=list)
    long: bool = True  # spans a large part of the figure (not only hanging from a box)
    headed: bool = False  # ends at an arrowhead (a vertical graph edge, or an actor icon)
    name_box: Rect | None = None  # the head's name with its box, or the icon above it


def _vertical_segments(paths: list[Path]) -> list[tuple[float, float, float]]:
    out = []
    for p in paths:
        for k in range(len(p.points) - 1):
            a, b = p.points[k], p.points[k + 1]
            # plumb, or nearly: an EMF lifeline can lean 2-3 points over its 200-230 (TS 23.203
            # Figures P.7.5.1 and P.7.5.4)
            if abs(a[0] - b[0]) < max(1.0, 0.02 * abs(a[1] - b[1])) and abs(a[1] - b[1]) > 2.0:
                out.append(((a[0] + b[0]) / 2, min(a[1], b[1]), max(a[1], b[1])))
    return out


def _box_sides(prims: Primitives, u: float) -> tuple[list[float], list[tuple[float, float, float]]]:
    """The left and right sides (x, y0, y1) of the boxes, sorted by x, and their xs."""
    sides = sorted((x, s.bbox[1], s.bbox[3]) for s in prims.shapes for x in (s.bbox[0], s.bbox[2]))
    return [sd[0] for sd in sides], sides


def _on_side(seg: tuple[float, float, float], sides: tuple[list[float], list[tuple[float, float, float]]],
             u: float) -> bool:
    """A vertical stroke on a box's side (an activation bar's edge stroked apart from its
    fill) belongs to the box, not to a lifeline."""
    xs, rows = sides
    x, y0, y1 = seg
    for k in range(bisect.bisect_left(xs, x - 0.75 * u), bisect.bisect_right(xs, x + 0.75 * u)):
        if rows[k][1] - u <= y0 and y1 <= rows[k][2] + u:
            return True
    return False


def find_lifelines(prims: Primitives, u: float) -> list[Lifeline]:
    """Columns of vertical strokes that cover a large part of the figure height.

    ``u`` scales the fixed tolerances (1 for PDF points; larger for a raster figure whose
    text is taller than a PDF's, see :func:`_unit`).
    """
    sides = _box_sides(prims, u)
    segs = sorted(s for s in _vertical_segments(prims.paths) if not _on_side(s, sides, u))
    cols: list[list[tuple[float, float, float]]] = []
    for s in segs:
        if cols and abs(cols[-1][-1][0] - s[0]) < 1.0 * u:
            cols[-1].append(s)
        else:
            cols.append([s])
    lines = []
    raster = prims.source == "raster"
    # vector: a frame's side meets a stroke that runs on across the chart; the short stubs
    # LibreOffice draws at the ends of Mscgen lifelines (16 pt) are not frame corners
    # (an end that carries an arrowhead is a message arriving at the line, not a corner: a
    # lifeline read only from its first message down, under an activation bar, starts there)
    corners = [c for c in _horizontal_ends(prims.paths, 10.0 if raster else 20.0 * u)
               if not any(U.rect_dist(c, a.bbox) < 2.0 * u for a in prims.arrowheads)]
    for col in cols:
        y0 = min(s[1] for s in col)
        y1 = max(s[2] for s in col)
        covered = sum(s[2] - s[1] for s in col)
        x = sum(s[0] for s in col) / len(col)
        long = y1 - y0 >= 0.35 * prims.height
        if _enclosed(prims, x, y0, y1, u):
            continue  # hatching or a rule inside a box, not a line hanging from one
        if covered >= 0.3 * (y1 - y0) and (long or (y1 - y0 >= 20 * u and _anchored(prims, x, y0, u))):
            # a frame side (loop/alt/opt box) meets a horizontal stroke at its corner
            # (a dashed side's corner dash fuses with a lifeline it crosses, so the top
            # can stop a little short of the side)
            # A line hanging from the middle of a header box is a lifeline whatever meets its
            # lower end (a message leaving a step-number disc there)
            if not _hangs(prims, x, y0, u) and \
                    any(_corner(c, x, y0, u, raster) or _corner(c, x, y1, u, raster) for c in corners):
                continue
            # a lifeline never ends in an arrowhead; a vertical graph edge does
            headed = any(U.rect_dist((x, y), a.bbox) < 2.0 * u for a in prims.arrowheads
                         for y in (y0, y1))
            lines.append(Lifeline(x=x, y0=y0, y1=y1, long=long, headed=headed))
    return _dedupe(lines, u)


def _enclosed(prims: Primitives, x: float, y0: float, y1: float, u: float) -> bool:
    """The stroke runs from top to bottom of a box that is not the figure's border: the
    hatching or a divider of a table cell. A lifeline starts under its header, also inside a
    box that groups participants (Mermaid's 'box'), so it never spans such a box exactly."""
    big = 0.5 * prims.width * prims.height
    for sh in prims.shapes:
        b = sh.bbox
        if (b[0] + u < x < b[2] - u and abs(y0 - b[1]) <= 2 * u and abs(y1 - b[3]) <= 2 * u
                and U.area(b) < big):
            return True
    return False


def _hangs(prims: Primitives, x: float, y0: float, u: float) -> bool:
    if prims.source != "raster":
        return False  # vector figures: the corner rule alone has served well
    for sh in prims.shapes:
        b = sh.bbox
        if abs(b[3] - y0) < 4.0 * u and abs((b[0] + b[2]) / 2 - x) < max(3.0 * u, 0.1 * (b[2] - b[0])):
            return True
    return False


def _corner(c: Point, x: float, y: float, u: float, raster: bool) -> bool:
    if not raster:
        return U.dist(c, (x, y)) < 2.5
    return abs(c[1] - y) < 2.5 * u and abs(c[0] - x) < 12.0 * u


def _anchored(prims: Primitives, x: float, y0: float, u: float) -> bool:
    """A short lifeline (created or destroyed participant, actor) hangs from a box or a name."""
    for r in [s.bbox for s in prims.shapes] + [w.bbox for w in prims.words]:
        cx = (r[0] + r[2]) / 2
        if abs(cx - x) < max(3.0 * u, 0.2 * (r[2] - r[0])) and -2.0 * u <= y0 - r[3] <= 14.0 * u:
            return True
    return False


def _horizontal_ends(paths: list[Path], min_len: float = 10.0) -> list[Point]:
    out = []
    for p in paths:
        for k in range(len(p.points) - 1):
            a, b = p.points[k], p.points[k + 1]
            if abs(a[1] - b[1]) < 1.0 and abs(a[0] - b[0]) > min_len:
                out += [a, b]
    return out


def _dedupe(lines: list[Lifeline], u: float) -> list[Lifeline]:
    out: list[Lifeline] = []
    for ln in sorted(lines, key=lambda ln: ln.x):
        if out and ln.x - out[-1].x < 4.0 * u:
            prev = out[-1]
            prev.y0, prev.y1 = min(prev.y0, ln.y0), max(prev.y1, ln.y1)
            continue
        out.append(ln)
    return out


def _heads(prims: Primitives, lines: list[Lifeline], h: float, u: float) -> list[Rect]:
    """Name every lifeline from its header box (or the text above it); return the boxes used."""
    used = []
    raster = prims.source == "raster"
    # a note drawn over several lifelines is not a header; the lifelines run on behind it
    # (their top is the note's bottom when the gap above it is too short to trace)
    xs = [ln.x for ln in lines]
    spans = [s.bbox for s in prims.shapes if _spans(s.bbox, xs)]
    names = _split_names(prims.words, xs) if raster else prims.words
    # names drawn in no box (an actor's, under its icon) may have their line traced through them
    bare = {id(w) for w in names if raster and not any(U.inside(U.center(w.bbox), s.bbox) for s in prims.shapes)}
    for ln in lines:
        top, bottom = _see_through(ln.y0, ln.y1, spans, 12 * u)
        # boxes on this lifeline's column (a box over several lifelines is a note)
        column = [s.bbox for s in prims.shapes
                  if s.bbox[0] - 1 <= ln.x <= s.bbox[2] + 1 and s.bbox[2] - s.bbox[0] > 12 * u
                  and s.bbox not in spans and (not raster or _centred(s.bbox, ln.x))]
        # the header box meets the lifeline's top, or (vector) the line is drawn through it
        # from above (Mscgen through LibreOffice) or from inside it (3GPP EMF call flows:
        # behind its fill, from a few points under its top; a box as tall as a highlight band
        # behind the column is no header)
        boxes = sorted((b for b in column if abs(b[3] - top) < 12 * u or abs(b[1] - bottom) < 12 * u
                        or (not raster and b[1] - 12 * u <= top <= b[3] and _centred(b, ln.x)
                            and (top <= b[1] or b[3] - b[1] <= 4 * h))),
                       key=lambda b: b[1])
        # a note over this participant alone can sit right under its header, the lifeline
        # running on behind it: the header is the box on top of that stack
        boxes = [_stack_top(b, column, prims.words, u) if abs(b[3] - top) < 12 * u else b for b in boxes]
        for k, b in enumerate(boxes):
            words = _words_in(prims.words, b)
            if words:
                ln.label = U.block_text(words)
                ln.name_box = _union(b, U.block_rect(words))  # a name wider than its icon
                # a box lower down the line with other text is a step or note under the header
                # (TS 23.203 Figure 7.7.4-1's "1. Decision to send ..." under H-PCRF); the same
                # name again is the participant's box at the foot of its line
                boxes = boxes[:k + 1] + [o for o in boxes[k + 1:] if o[1] <= b[3] + 1.0
                                         or U.block_text(_words_in(prims.words, o)) in ("", ln.label)]
                break
        ln.boxes = boxes
        used += boxes
        if not ln.label:
            # a frame's tab ('opt', 'loop') can sit on a lifeline right under an actor's name
            outside = [w for w in names if not any(U.inside(U.center(w.bbox), b) for b in spans)]
            words = _label_near_end(outside, ln, h, bare) or _label_near_end(names, ln, h, bare)
            ln.label = U.block_text(words)
            used += [w.bbox for w in words]
            if words:
                ln.name_box = _with_icon(U.block_rect(words), prims.shapes, h)
    # two lines under one header box (the lifeline and the side of a highlight band or
    # frame beside it): the one nearer the box's centre is the lifeline
    for ln in lines:
        if not ln.boxes and raster and any(o.boxes and o.boxes[0][0] < ln.x < o.boxes[0][2]
                                             for o in lines if o is not ln):
            ln.label = ""  # under another participant's header: a frame side beside its line
            continue
        for other in lines:
            if other is not ln and ln.boxes and other.label and set(ln.boxes) & set(other.boxes):
                c = U.center(ln.boxes[0])[0]
                if abs(other.x - c) < abs(ln.x - c):
                    ln.label = ""
                    break
    return used


def _split_names(words: list[Word], xs: list[float]) -> list[Word]:
    """Words as the names of boxless participants: a text line that OCR ran across two or
    more lifelines (actor names set close side by side, one over each line) split between
    the lines, each word going to the line its estimated position lies over. Kept whole
    unless every line under it gets words centred over it (a title over the row is not)."""
    out = []
    for w in words:
        under = [x for x in xs if w.bbox[0] < x < w.bbox[2]]
        tokens = w.text.split()
        pieces = _pieces(w, tokens, under) if len(under) >= 2 and len(tokens) >= 2 else None
        out += pieces or [w]
    return out


def _pieces(w: Word, tokens: list[str], under: list[float]) -> list[Word] | None:
    """The line's words grouped by the lifeline nearest each one's estimated centre (its
    characters' share of the box width), or None when a line gets no group centred on it."""
    per = (w.bbox[2] - w.bbox[0]) / max(1, len(w.text))
    groups: dict[int, list[tuple[float, float, str]]] = {}
    at = 0
    for t in tokens:
        start = w.text.index(t, at)
        at = start + len(t)
        x0, x1 = w.bbox[0] + start * per, w.bbox[0] + at * per
        k = min(range(len(under)), key=lambda i: abs(under[i] - (x0 + x1) / 2))
        groups.setdefault(k, []).append((x0, x1, t))
    if len(groups) != len(under) or sorted(groups) != list(range(len(under))):
        return None
    out = []
    for k, g in sorted(groups.items()):
        x0, x1 = g[0][0], g[-1][1]
        if abs((x0 + x1) / 2 - under[k]) > 0.25 * (x1 - x0) + 4:
            return None
        out.append(Word(text=" ".join(t for _a, _b, t in g), bbox=(x0, w.bbox[1], x1, w.bbox[3]),
                        size=w.size, confidence=w.confidence))
    return out


def _with_icon(name: Rect, shapes: list[Shape], h: float) -> Rect:
    """A name box grown by the icon drawn right above the name (UML entity, control and
    boundary heads: a circle over the participant's name)."""
    for s in shapes:
        b = s.bbox
        if name[0] <= U.center(b)[0] <= name[2] and 0 <= name[1] - b[3] <= 1.5 * h \
                and b[2] - b[0] <= 4 * h:
            name = _union(name, b)
    return name


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _stack_top(b: Rect, column: list[Rect], words: list[Word], u: float) -> Rect:
    """The topmost of the labelled boxes of one column stacked edge to edge above ``b``."""
    for _ in range(4):
        above = [r for r in column if r != b and 0 <= b[1] - r[3] < 12 * u and _words_in(words, r)]
        if not above:
            break
        b = max(above, key=lambda r: r[3])
    return b


def _words_in(words: list[Word], box: Rect) -> list[Word]:
    return [w for w in words if U.inside(U.center(w.bbox), box, 0.5)]


def _centred(b: Rect, x: float) -> bool:
    """A header box sits centred on its lifeline (a frame's label tab sits at its corner)."""
    return abs((b[0] + b[2]) / 2 - x) <= 0.25 * (b[2] - b[0])


def _spans(b: Rect, xs: list[float]) -> bool:
    """The box covers two lifelines far apart (a note over both; a header box can also hold
    a frame side close to its own lifeline)."""
    inside = [x for x in xs if b[0] < x < b[2]]
    return len(inside) >= 2 and max(inside) - min(inside) > 0.4 * (b[2] - b[0])


def _see_through(y0: float, y1: float, spans: list[Rect], tol: float) -> tuple[float, float]:
    """The lifeline's ends moved past the notes that cover them."""
    for _ in range(len(spans)):
        hit = [b for b in spans if abs(b[3] - y0) < tol]
        if not hit:
            break
        y0 = min(b[1] for b in hit)
    for _ in range(len(spans)):
        hit = [b for b in spans if abs(b[1] - y1) < tol]
        if not hit:
            break
        y1 = max(b[3] for b in hit)
    return y0, y1


def _label_near_end(words: list[Word], ln: Lifeline, h: float,
                    bare: Collection[int] = frozenset()) -> list[Word]:
    """Actor-style heads: the text centred on the lifeline just above its top (or below its end);
    a word in ``bare`` (no box around it) also where the line runs on into it."""
    cands = []
    for w in words:
        cx, _ = U.center(w.bbox)
        if abs(cx - ln.x) > max(30.0, (w.bbox[2] - w.bbox[0]) / 2 + 4):
            continue
        # (or across the end, centred on it: a line traced on through the letters of its name;
        # a message's label starts at the line)
        across = id(w) in bare and abs(cx - ln.x) <= 0.25 * (w.bbox[2] - w.bbox[0]) + 4
        if ln.y0 - 6 * h <= w.bbox[3] <= ln.y0 + (2 * h if across else 2) and \
                w.bbox[1] <= ln.y0 + (0.5 * h if across else 2):
            cands.append((abs(ln.y0 - w.bbox[3]), w))
        elif ln.y1 - (0.5 * h if across else 2) <= w.bbox[1] <= ln.y1 + 6 * h and \
                w.bbox[3] >= ln.y1 - (2 * h if across else 2):
            cands.append((w.bbox[1] - ln.y1 + 1000, w))
    if not cands:
        return []
    cands.sort(key=lambda c: c[0])
    first = cands[0][0]
    return [w for d, w in cands if abs(d - first) < 3 * h]


def _nearest_line(p: Point, lines: list[Lifeline], tol: float, u: float) -> int | None:
    best = None
    for k, ln in enumerate(lines):
        d = abs(p[0] - ln.x)
        # a lifeline drawn down to its last message may stop a little above it (d02 Default
        # Bearer Figure 5: S6A's line ends 3.6 pt above "Update Location Answer")
        if d <= tol and ln.y0 - 4 * u <= p[1] <= ln.y1 + 8 * u and (best is None or d < best[0]):
            best = (d, k)
    if best is None and tol > 3.0 * u:
        # a message that creates a participant points at its header box, not its lifeline
        for k, ln in enumerate(lines):
            for b in ln.boxes + ([ln.name_box] if ln.name_box else []):
                d = U.rect_dist(p, b)
                if d <= 8.0 * u and (best is None or d < best[0]):
                    best = (d, k)
    return best[1] if best else None


_LEFT, _RIGHT = -1, -2  # a message end off the figure's left or right edge
_OUTSIDE = {_LEFT: ("out_left", "Off-figure party (left)"), _RIGHT: ("out_right", "Off-figure party (right)")}


def _participants(labels: list[str]) -> list[Node]:
    """The participants p1, p2, ... of a chart, left to right."""
    return [Node(id=f"p{k + 1}", label=label, shape="participant") for k, label in enumerate(labels)]


@dataclass
class _Msg:
    src: int
    dst: int
    y: float
    x0: float
    x1: float
    dashed: bool
    arrow: str
    text: str = ""
    layers: tuple[Rect, ...] = ()  # boxes on the lifelines the ends stop at (see _layer_box_line)


def _back(pts: list[Point], d: float) -> Point:
    """The first point at least ``d`` back from the last one (skipping a pixel jog)."""
    q = pts[-1]
    for p in reversed(pts[:-1]):
        if abs(p[0] - q[0]) + abs(p[1] - q[1]) >= d:
            return p
    return pts[0]


def _arrow_at(p: Point, prims: Primitives, reach: float = 3.0, prev: Point | None = None
              ) -> tuple[bool, Point | None]:
    """The head at the end ``p`` (the line arrives from ``prev``). In a raster figure a head
    that points across the line's last stretch belongs to another line that ends there (a
    message reaching the corner of an activation bar), not to this one."""
    near = sorted((U.rect_dist(p, a.bbox), k) for k, a in enumerate(prims.arrowheads))
    for dist, k in near:
        if dist > reach:
            break
        a = prims.arrowheads[k]
        if prev is not None:
            dx, dy = p[0] - prev[0], p[1] - prev[1]
            n = (dx * dx + dy * dy) ** 0.5
            along = (dx * a.direction[0] + dy * a.direction[1]) / n if n > 1e-6 else 0.0
            if n > 1e-6 and prims.source == "raster":
                if abs(along) < 0.5:
                    continue
            # (a vector head pointing back along the line is the head of the message that
            # ends where this one starts: 23.203 P.7.5.4 relays V-PCRF -> H-PCRF dashed
            # from the tip of the solid message that reaches V-PCRF)
            elif n > 1e-6 and (_off_line(a.bbox, p, (dx / n, dy / n)) or along < -0.5):
                continue
        return True, a.tip
    return False, None


def _off_line(head: Rect, p: Point, d: Point) -> bool:
    """A vector head whose centre lies off the line's axis by more than its own half size
    belongs to a neighbouring message (small-print charts stack messages a few points apart,
    closer than the reach)."""
    cx, cy = U.center(head)
    perp = abs((cx - p[0]) * d[1] - (cy - p[1]) * d[0])
    return perp > 0.6 * max(head[2] - head[0], head[3] - head[1]) + 0.5


def _short_strokes(prims: Primitives, u: float) -> list[Rect]:
    return [U.expand(U._bbox_pts(q.points), 4.0 * u) for q in prims.paths
            if len(q.points) == 2 and U.poly_len(q.points) < 12 * u]


def _cross_at(p: Point, shorts: list[Rect]) -> bool:
    """Mermaid's '-x' end: two short strokes crossing near the end."""
    return sum(1 for r in shorts if U.inside(p, r)) >= 2


def _cross_centre(p: Point, shorts: list[Rect]) -> Point:
    """Where the cross's strokes meet (the line can stop at its near tip)."""
    cs = [U.center(r) for r in shorts if U.inside(p, r)]
    return (sum(c[0] for c in cs) / len(cs), sum(c[1] for c in cs) / len(cs))


def _box_head(p: Point, prims: Primitives, u: float, away: Point) -> Point | None:
    """Where a head was that LibreOffice turned into a small square: Mscgen charts in 3GPP
    specs lose their arrowheads in conversion, and a box of the head's size sits between the
    line's end ``p`` and the lifeline it points at. Returns the box's side away from ``away``,
    the line's other end (the tip; also where a dashed line's last dash ends inside the box)."""
    for s in prims.shapes:
        b = s.bbox
        if b[2] - b[0] > 12 * u or b[3] - b[1] > 12 * u or not b[1] - 1 <= p[1] <= b[3] + 1:
            continue
        if U.rect_dist(p, b) <= 1.0 * u:
            return (b[2] if abs(b[0] - away[0]) < abs(b[2] - away[0]) else b[0], p[1])
    return None


def _elbow_at(p: Point, prims: Primitives, u: float) -> bool:
    """A vertical stroke starts at ``p``: the free end of the arrowed leg of a self-message
    drawn as three separate strokes (PlantUML: out, down, back to the lifeline)."""
    for q in prims.paths:
        for e in (q.points[0], q.points[-1]):
            if abs(e[0] - p[0]) <= 1.5 * u and abs(e[1] - p[1]) <= 1.5 * u:
                bx = U._bbox_pts(q.points)
                if bx[2] - bx[0] <= 1.0 * u and bx[3] - bx[1] >= 1.5 * u:
                    return True
    return False


def _on_lines(a: Point, b: Point, lines: list[Lifeline], u: float) -> bool:
    """Mermaid's '->' has no head: accept a solid stroke whose both ends sit on lifelines."""
    ia = _nearest_line(a, lines, 3.0 * u, u)
    ib = _nearest_line(b, lines, 3.0 * u, u)
    return ia is not None and ib is not None and ia != ib and abs(a[1] - b[1]) < 1.0 * u


def _box_side(pts: list[Point], box: Rect, shapes: list[Shape], grid: U.Grid, u: float) -> bool:
    """The stroke runs along the outline of a box (its ends and middle on the box's sides)."""
    probes = pts + [((p[0] + q[0]) / 2, (p[1] + q[1]) / 2) for p, q in zip(pts, pts[1:])]
    for k in grid.near(box):
        r = shapes[k].bbox
        if box[3] - box[1] >= 0.8 * (r[3] - r[1]) and box[2] - box[0] >= 0.8 * (r[2] - r[0]):
            continue  # the stroke draws the box itself: a self-message closed by its bar's side
        if U.contains(r, box, 1.0 * u) and all(U.boundary_dist(p, r) <= 0.75 * u for p in probes):
            return True
    return False


def _layer_box_line(p: Point, lines: list[Lifeline], shapes: list[Shape], grid: U.Grid,
                    u: float) -> tuple[int, Rect] | None:
    """The lifeline through a box the end touches: a call flow that names the protocol layer of
    each message draws a small box on the lifeline at both ends ("RRC", "S1AP" in the d02
    Default Bearer chart) and its arrows stop at the box's side, half a box from the line."""
    best = None
    for k in grid.near((p[0] - 2 * u, p[1] - 2 * u, p[0] + 2 * u, p[1] + 2 * u)):
        b = shapes[k].bbox
        if U.rect_dist(p, b) > 2.0 * u or b[2] - b[0] > 120 * u or b[3] - b[1] > 40 * u:
            continue
        mid = (b[0] + b[2]) / 2
        for i, ln in enumerate(lines):
            # (the line runs down to the box from above, a box height at least: a column rule
            # inside a table's rows is no lifeline through them; it may stop at the top of the
            # last such box, HSS's in d02)
            if (abs(mid - ln.x) <= 0.15 * (b[2] - b[0]) + u
                    and ln.y0 + max(2 * u, b[3] - b[1]) <= b[1] <= ln.y1 + 2 * u
                    and (best is None or abs(p[0] - ln.x) < best[0])):
                best = (abs(p[0] - ln.x), i, b)
    return (best[1], best[2]) if best else None


def _messages(prims: Primitives, lines: list[Lifeline], u: float) -> tuple[list[_Msg], int]:
    """Messages in time order, and how many arrow-carrying connectors there were in all."""
    # an end may stop short of its lifeline (TS 29.244 Figure C.2.1.1-2 draws replies from 12
    # points left of the CP function's line, 15 u); lifelines far apart allow a wider miss
    xs = sorted(ln.x for ln in lines)
    spacing = min((b - a for a, b in zip(xs, xs[1:])), default=0.0)
    tol = max(12.0 * u, min(18.0 * u, 0.1 * spacing))
    raster = prims.source == "raster"
    out = []
    shorts = _short_strokes(prims, u)
    boxes = U.Grid(32.0)
    for k, sh in enumerate(prims.shapes):
        boxes.add(k, sh.bbox)
    n_arrowed = 0
    for p in prims.paths:
        pts = p.points
        a, b = pts[0], pts[-1]
        box = U._bbox_pts(pts)
        if box[2] - box[0] < 6 * u:  # vertical: a lifeline or a frame side
            continue
        if len(pts) == 2 and U.poly_len(pts) < 12 * u and abs(a[1] - b[1]) > 0.5 * abs(a[0] - b[0]):
            continue  # a stroke of a cross mark
        if _box_side(pts, box, prims.shapes, boxes, u):
            continue  # the top or bottom of an activation bar, stroked apart from its fill
        # where the line comes from tells a head of its own from a neighbour's (see _arrow_at)
        ha, ta = _arrow_at(a, prims, 3.0 * u, _back(pts[::-1], 8.0 * u))
        hb, tb = _arrow_at(b, prims, 3.0 * u, _back(pts, 8.0 * u))
        arrow = "filled"
        if not (ha or hb) and not raster:
            ta2, tb2 = _box_head(a, prims, u, b), _box_head(b, prims, u, a)
            if (ta2 is None) != (tb2 is None):
                ha, ta, hb, tb = ta2 is not None, ta2, tb2 is not None, tb2
            elif ta2 is not None and tb2 is not None and _on_lines(ta2, tb2, lines, u):
                # a square at both ends (TS 38.300 A.6-1's "6. UP Data" pairs): which was the
                # head is lost; a solid line that runs between two lifelines is read as
                # headless, as one with no square (a dashed one is not: its direction would
                # be a guess, and RRC reconfiguration runs right to left)
                a, b = ta2, tb2
        if not (ha or hb):
            if _cross_at(b, shorts):
                hb, arrow, tb = True, "cross", _cross_centre(b, shorts)
            elif _cross_at(a, shorts):
                ha, arrow, ta = True, "cross", _cross_centre(a, shorts)
            elif not p.dashed and _on_lines(a, b, lines, u):
                arrow = "open"
            else:
                continue
        n_arrowed += 1
        # a traced dashed line can stop up to a dash period short of where it is drawn to
        t = 2.0 * tol if p.dashed and raster else tol
        ia = _nearest_line(ta or a, lines, t, u) if ha else _nearest_line(a, lines, t, u)
        ib = _nearest_line(tb or b, lines, t, u) if hb else _nearest_line(b, lines, t, u)
        if ia is None:
            ia = _nearest_line(a, lines, t, u)
        if ib is None:
            ib = _nearest_line(b, lines, t, u)
        layers = []
        if ia is None and (hit := _layer_box_line(ta or a, lines, prims.shapes, boxes, u)):
            ia = hit[0]
            layers.append(hit[1])
        if ib is None and (hit := _layer_box_line(tb or b, lines, prims.shapes, boxes, u)):
            ib = hit[0]
            layers.append(hit[1])
        if (ia is None) != (ib is None) and _elbow_at(b if ib is None else a, prims, u):
            ia = ib = ia if ia is not None else ib  # the arrowed leg of a three-stroke self-message
        if (ia is None) != (ib is None) and abs(a[1] - b[1]) <= 3.0 * u:
            # to or from a party outside the figure, off its edge (TS 23.203 Figure 7.7.4-1's
            # "4. IP-CAN Bearer Signaling" leaves GW(BBERF) to the left edge), or out past
            # the outermost lifeline (7.7.1.2-1: "6. IP-CAN Bearer Signaling" runs on across
            # Source GW(BBERF)'s line to the left)
            # (past the lifelines: vector only, a raster chart's traced strokes and notes stop
            # short of their lines)
            loose = (a if ia is None else b)[0]
            side = None
            if loose <= 10.0 * u or (not raster and loose < xs[0] - tol):
                side = _LEFT
            elif prims.width - loose <= 10.0 * u or (not raster and loose > xs[-1] + tol):
                side = _RIGHT
            if side is not None:
                ia, ib = (side, ib) if ia is None else (ia, side)
        if ia is None or ib is None:
            continue
        if ia == ib and box[2] - box[0] < 8 * u and not _elbow_at(b if ha and not hb else a, prims, u):
            continue
        if ia != ib and abs(a[1] - b[1]) > max(3.0 * u, 0.05 * abs(a[0] - b[0])):
            continue  # messages run level between lifelines; a slanted connector is a graph edge
        src, dst = (ib, ia) if ha and not hb else (ia, ib)
        out.append(_Msg(src=src, dst=dst, y=box[1] if ia == ib else (a[1] + b[1]) / 2,
                        x0=box[0], x1=box[2], dashed=p.dashed, arrow=arrow, layers=tuple(layers)))
    out.sort(key=lambda m: (m.y, m.x0))
    once = _read_once(out, u)
    return once, n_arrowed - (len(out) - len(once))


def _boxed_labels(msgs: list[_Msg], prims: Primitives, h: float, u: float) -> set[int]:
    """A label printed in a box that its message line runs through, between the message's
    ends, over, on and under the line (TS 23.214 Figure 6.3.2.3: "2.Sx Session /
    Modification / Request", the arrow broken by the middle line), is all that message's: the
    words under the line are neither a note nor the next message's label. Sets those
    messages' texts; returns the ids of the words so taken."""
    taken: set[int] = set()
    for m in msgs:
        for sh in prims.shapes:
            b = sh.bbox
            if not (b[1] + 0.3 * h < m.y < b[3] - 0.3 * h and b[3] - b[1] <= 6 * h
                    and m.x0 - 2 * u <= b[0] and b[2] <= m.x1 + 2 * u):
                continue
            words = [w for w in _words_in(prims.words, b) if id(w) not in taken]
            if words:
                m.text = U.block_text(words)
                taken.update(id(w) for w in words)
                break
    return taken


def _read_once(msgs: list[_Msg], u: float) -> list[_Msg]:
    """One arrow drawn twice (an EMF line painted as a stroke and again as a thin fill with
    its head) is one message: two between the same lifelines, either way, at the same height
    over the same span. The one whose head was found decides the direction."""
    out: list[_Msg] = []
    for m in msgs:
        twin = next((o for o in reversed(out[-3:]) if {o.src, o.dst} == {m.src, m.dst}
                     and o.src != o.dst and abs(o.y - m.y) <= 1.5 * u
                     and min(o.x1, m.x1) - max(o.x0, m.x0) >= 0.8 * max(o.x1 - o.x0, m.x1 - m.x0)),
                    None)
        if twin is None:
            out.append(m)
        elif twin.arrow == "open" and m.arrow != "open":
            out[out.index(twin)] = m
    return out


_STEP = re.compile(r"\s*\(?(\d+)[a-z]?[.)']")  # "3. RETRIEVE ...": a step of its own, not a label's last line
_GUARD = re.compile(r"\[[^\[\]]+\]")  # a whole line in brackets: a UML operand's guard


def _is_guard(w: Word) -> bool:
    return bool(_GUARD.fullmatch(w.text.strip()))


_PARAM_PRINT = 0.87  # parameter lines under a message's name: at most this share of its print size


def _texts(msgs: list[_Msg], words: list[Word | None], h: float, u: float, split: bool = True) -> set[int]:
    """Each message takes the text block right above it, within its horizontal span; returns
    the indices (into ``words``) of the words taken."""
    taken: set[int] = set()
    for m in msgs:
        if m.text:  # read from the box its line runs through (_boxed_labels)
            continue
        cands = []
        for k, w in enumerate(words):
            if k in taken or w is None:
                continue
            lo, hi = m.x0 - 25 * u, m.x1 + 25 * u
            # a self-message's text is centred over its loop (Mermaid) or starts right of it
            # and runs far beyond (PlantUML)
            cx = U.center(w.bbox)[0]
            if not (lo <= cx <= hi or (m.src == m.dst and lo <= w.bbox[0] <= hi)):
                continue
            gap = m.y - w.bbox[3]
            # (a 3GPP message's name heads a stack of parameter lines: up to a dozen lines up,
            # as long as the lines stack without a gap; a line with another message between,
            # a row up in lanes this one mostly shares, is that one's, while a relay in the
            # next lane or the other half of a message drawn on in the same row is no bar)
            if -0.6 * h <= gap <= 12 * h and not any(
                    o is not m and w.bbox[3] < o.y < m.y - 0.5 * h
                    and min(o.x1, m.x1) - max(o.x0, m.x0) > 0.3 * min(o.x1 - o.x0, m.x1 - m.x0)
                    for o in msgs):
                cands.append((gap, k))
        if not cands:
            # a long label may start over the first quarter of its arrow and run on past its
            # end (TS 23.214 6.3.4.3-1's "3a.Sx Session Establishment Request" out past
            # PGW-U): one line right above, under whose middle no other arrow lies
            k = _starting_over(m, msgs, words, taken, h, u)
            if k is not None:
                taken.add(k)
                m.text = words[k].text
            continue
        cands.sort()
        # a UML guard ('[PDP Mode should be SAFE]') under an operand's separator heads the
        # operand, not the label of its first message: the stack of label lines stops there
        # (and so does what lies above it: the last line of a note in the operand before)
        guard = next((i for i, (_, k) in enumerate(cands) if _is_guard(words[k])), None)
        if guard is not None:
            cands = cands[:guard]
        if not cands or cands[0][0] > 4 * h + 6:  # the nearest line must lie where a label lies
            continue
        chosen = [cands[0][1]]
        top = words[cands[0][1]].bbox[1]
        for gap, k in cands[1:]:
            w = words[k]
            if w.bbox[3] >= top - 0.5 * h:
                chosen.append(k)
                top = min(top, w.bbox[1])
        taken.update(chosen)
        m.text = _name_and_parameters([words[k] for k in chosen]) if split \
            else U.block_text([words[k] for k in chosen])
    # a message with nothing over it may carry its text right under it (TS 29.244 C.2.1.1-2
    # prints "1'. Granted Quota 100" under the OCS's reply); what is left there once every
    # message took the text over it is no other message's label
    for m in msgs:
        if m.text:
            continue
        span = [k for k, w in enumerate(words) if k not in taken and w is not None
                and m.x0 - 2 * u <= U.center(w.bbox)[0] <= m.x1 + 2 * u]
        under = sorted((words[k].bbox[1] - m.y, k) for k in span
                       if -0.3 * h <= words[k].bbox[1] - m.y <= 0.8 * h)
        if under:
            k = under[0][1]
            chosen = [k] + [j for j in span if j != k and abs(words[j].bbox[1] - words[k].bbox[1]) <= 0.3 * h]
            taken.update(chosen)
            m.text = U.block_text([words[j] for j in chosen])
    # a label whose arrow runs between its lines (Word's TS 38.300 9.2.3.2.1-1: "5. HANDOVER
    # REQUEST" over the line, "ACKNOWLEDGE" right under it) ends under the line, where no
    # other message's label lies (that one would stand right over its own line; ``split``
    # is off for raster charts, where that other message's line may have gone unseen)
    if not split:
        return taken
    ends = {k for k, w in enumerate(words) if k not in taken and w is not None
            and not _STEP.match(w.text) and w.text.strip() != "OR"
            and not any(0 <= o.y - w.bbox[3] <= 1.5 * h for o in msgs)}
    for m in msgs:
        if not m.text:
            continue
        under = [k for k in ends if k not in taken and m.x0 <= U.center(words[k].bbox)[0] <= m.x1
                 and -0.3 * h <= words[k].bbox[1] - m.y <= 0.6 * h]
        if under:
            taken.update(under)
            m.text = f"{m.text} {U.block_text([words[k] for k in under])}"
    return taken


def _name_and_parameters(words: list[Word]) -> str:
    """A message's name over lines of its parameters in smaller print (d02 Default Bearer:
    "New Data Indication" over "IN Stream, Association ID, Payload, Payload Length" and
    "S1-MME eNB IP address") reads "name (parameters)", each printed line a parameter list of
    its own; a label in one print size is its lines joined."""
    rows = text_lines(words)
    sizes = [max(w.size for w in r) for r in rows]
    if len(rows) < 2 or min(sizes) <= 0:
        return U.block_text(words)
    cut = next((k for k, z in enumerate(sizes) if z < _PARAM_PRINT * sizes[0]), len(rows))
    name = U.block_text([w for r in rows[:cut] for w in r])
    if cut == len(rows) or any(z >= _PARAM_PRINT * min(sizes[:cut]) for z in sizes[cut:]) \
            or sum(c.isalnum() for c in name) < 4:
        return U.block_text(words)  # (an "OR" or a step letter over a message is no name)
    params = ""
    for r in rows[cut:]:
        line = U.block_text(r)
        params += ("" if not params else " " if params.endswith((",", ":", "(", "{", "[")) else "; ") + line
    return f"{name} ({params})"


def _starting_over(m: _Msg, msgs: list[_Msg], words: list[Word | None], taken: set[int], h: float,
                   u: float) -> int | None:
    """The index of the one line that starts over the first quarter of ``m``'s arrow, right
    above it, and runs on past its end, with no other arrow under its middle as near; None if
    none."""
    best = None
    for k, w in enumerate(words):
        if k in taken or w is None:
            continue
        gap = m.y - w.bbox[3]
        cx = U.center(w.bbox)[0]
        # (over a short arrow, the first quarter is less than the indent a label starts at:
        # TS 29.244 D.2.7-1's "14. PFCP Session Deletion Request/Response" over one lane)
        start = max(0.25 * (m.x1 - m.x0), 1.5 * h)
        if not (-0.3 * h <= gap <= 1.5 * h and m.x0 - 2 * u <= w.bbox[0] <= m.x0 + start and cx > m.x1):
            continue
        # (an arrow under its middle between it and this one's line, or no further below this
        # line than the label is above it, may own it; one further down owns the line right
        # over itself: TS 23.203 7.7.2-1's "1. Remove Gateway Control Session Request" runs on
        # over message 2, three lines lower)
        if any(o is not m and o.x0 <= cx <= o.x1 and w.bbox[3] - 0.3 * h <= o.y <= m.y + gap + 0.5 * h
               for o in msgs):
            continue
        if best is None or gap < best[0]:
            best = (gap, k)
    return None if best is None else best[1]


def _aligned_heads(lines: list[Lifeline], u: float) -> bool:
    """At least two long lifelines start at the same height, or hang from header boxes whose
    tops are level (participants in one row; a header of three lines is taller than one of
    one, so its lifeline starts lower)."""
    tops = sorted(ln.y0 for ln in lines if ln.long)
    boxed = sorted(ln.boxes[0][1] for ln in lines if ln.long and ln.boxes)
    if any(b - a <= 10.0 * u for a, b in zip(boxed, boxed[1:])):
        return True
    return any(b - a <= 10.0 * u for a, b in zip(tops, tops[1:]))


def _unit(prims: Primitives, h: float) -> float:
    """Scale of the fixed tolerances: 1 for vector figures with ~9 pt text or larger (PDF
    points), less for small print; for a raster figure, its text height over a PDF's (a 2x
    render of 16 px text is ~40 px tall).
    A scale only: small-print raster figures get 1 too, so the raster-only rules ask
    ``prims.source``, never ``u == 1``."""
    if h <= 0:
        return 1.0
    if prims.source != "raster":
        # small print (a wide chart scaled down to fit the page: 3-4 pt text) shrinks the
        # tolerances with it, or a self-message's 10-pt legs read as the strokes of a cross
        return max(0.3, min(1.0, h / 9.0))
    return max(1.0, min(4.0, h / 16.0))


def read_sequence(prims: Primitives) -> Diagram | None:
    """A sequence Diagram, or None when the figure has no lifelines with messages."""
    h = U.median_height(prims.words)
    u = _unit(prims, h)
    lines = find_lifelines(prims, u)
    if len(lines) < 2:
        return read_lineless(prims, h, u)
    if sum(ln.headed for ln in lines) > len(lines) / 2:
        return None
    boxes = _heads(prims, lines, h, u)
    if not any(ln.label for ln in lines) and _cut_under_header(prims, lines):
        pass  # a chart cut out under its header row: the participants stay unnamed
    else:
        lines = [ln for ln in lines if ln.label]
        if len(lines) < 2 or not _aligned_heads(lines, u):
            return None
    msgs, n_arrowed = _messages(prims, lines, u)
    if not msgs and not n_arrowed:
        return _steps_only(prims, lines, boxes, u)
    # most arrows of a call flow run between lifelines; a flowchart with a few long vertical
    # strokes has most of its arrows elsewhere
    if not msgs or len(msgs) < 0.6 * n_arrowed:
        return None
    if all(min(m.src, m.dst) < 0 for m in msgs):
        return None  # no message between two drawn lifelines: the columns are no call flow
    frames = _frames(prims, msgs, lines, u)
    # words inside header boxes, notes and markers are not message text; inside a frame
    # (alt/loop/opt, which holds messages) only its header line is not
    # (a word right over a message line is its label, also on a frame's first line, as
    # PlantUML puts the first message of a frame beside the tab, and also in a region that
    # the message line itself closes at the bottom)
    stacks = {id(w): b for b in U.text_blocks(prims.words) for w in b}
    free = [w for w in prims.words
            if not any(U.inside(U.center(w.bbox), s.bbox, 0.5) for s in prims.shapes
                       if s.bbox not in frames and not _labels_line(w, s.bbox[3], msgs, h)
                       and ((s.stroked and U.area(s.bbox) < 0.25 * prims.width * prims.height)
                            or max(s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]) < 3 * h))
            and not any(U.inside(U.center(w.bbox), b, 0.5) for b in boxes)
            and not any(_in_header(w, f, h) and not _labels_line(w, f[3], msgs, h)
                        and not _heads_stack(w, stacks, f[3], msgs, h)
                        and not _over_label(w, prims.words, f[3], msgs, h) for f in frames)]
    boxed = _boxed_labels(msgs, prims, h, u)
    took = _texts(msgs, [w if id(w) not in boxed else None for w in free], h, u,
                  split=prims.source != "raster")
    said = boxed | {id(free[k]) for k in took}
    layered = [b for m in msgs for b in m.layers]
    for m in msgs:
        # both ends on a box of the same protocol layer: the message is that layer's
        names = {U.block_text(_words_in(prims.words, b)) for b in m.layers}
        if len(m.layers) == 2 and len(names) == 1 and (name := names.pop()) and name not in m.text:
            m.text = f"{m.text} [{name}]".strip()
    d = Diagram(kind="sequence", nodes=_participants([ln.label for ln in lines]))
    ids = {k: f"p{k + 1}" for k in range(len(lines))}
    ends = {k for m in msgs for k in (m.src, m.dst)}
    for side, (pid, label) in _OUTSIDE.items():
        if side in ends:  # a party off the left edge first, off the right edge last
            at = 0 if side == _LEFT else len(d.nodes)
            d.nodes.insert(at, Node(id=pid, label=label, shape="participant"))
        ids[side] = pid
    for m in _by_step(msgs, u):
        d.messages.append(Message(source=ids[m.src], target=ids[m.dst], text=m.text,
                                  reply=m.dashed, arrow=m.arrow))  # type: ignore[arg-type]
    # guards of operands whose frame was not found stand alone, top to bottom
    guards = sorted((w for w in free if id(w) not in said and _is_guard(w)
                     and not any(U.inside(U.center(w.bbox), f) for f in frames)), key=lambda w: w.bbox[1])
    notes = (_frame_labels([w for w in prims.words if id(w) not in said], frames, h,
                           [w for w in free if id(w) not in said], prims.shapes, msgs)
             + _notes(prims, boxes, u, skip=frames + layered, said=said)
             + [f"guard {w.text.strip()}" for w in guards])
    d.notes = list(dict.fromkeys(notes))  # a box drawn twice (a frame and a note) once
    return d


def _by_step(msgs: list[_Msg], u: float) -> list[_Msg]:
    """Messages in time order; messages drawn on one row in different lanes (TS 29.244 Figure
    E.2.2-1: "3. SYN+ACK" from the server to the proxy right of "4. SYN+ACK, MPC" from the proxy
    to UE) follow their step numbers where each carries one, not left to right."""
    out = list(msgs)
    i = 0
    while i < len(out):
        j = i + 1
        while j < len(out) and abs(out[j].y - out[i].y) <= 2.0 * u:
            j += 1
        row = out[i:j]
        steps = [_STEP.match(m.text) for m in row]  # ("3." / "3a." / "(3)")
        if len(row) > 1 and all(steps):
            nos = [int(st.group(1)) for st in steps if st]
            out[i:j] = [m for _, m in sorted(zip(nos, row), key=lambda p: p[0])]
        i = j
    return out


def _cut_under_header(prims: Primitives, lines: list[Lifeline]) -> bool:
    """Every lifeline runs the figure's whole height, from its top edge to its bottom edge,
    and none has a name: the part of a call flow below its header row (a figure split across
    pages, or a crop of a larger chart)."""
    return len(lines) >= 2 and all(ln.y0 <= 0.03 * prims.height and ln.y1 >= 0.97 * prims.height
                                   for ln in lines)


def _frames(prims: Primitives, msgs: list[_Msg], lines: list[Lifeline], u: float) -> list[Rect]:
    """Combined fragments (alt, loop, opt, par; UML and PlantUML draw them as a stroked box
    with a label tab): boxes that hold a whole message line. A fragment can hold only a
    self-message on one lifeline ('opt: do nothing'); a note or header box holds none. A
    fill without an outline is a background (PlantUML shades an 'else' part apart), and
    the first line under its top edge is a message's text, not a fragment's header."""
    out = []
    for s in prims.shapes:
        b = s.bbox
        # (or a box a message runs right across: an 'optional procedure' frame drawn narrower
        # than the lines it holds, d02 Default Bearer Figure 2; a note never sits on a line)
        if s.stroked and any(b[1] < m.y < b[3] and (b[0] - 3 * u <= m.x0 and m.x1 <= b[2] + 3 * u
                                                    or m.x0 <= b[0] + 3 * u and b[2] - 3 * u <= m.x1)
                             for m in msgs):
            out.append(b)
    return out


def _labels_line(w: Word, bottom: float, msgs: list[_Msg], h: float) -> bool:
    """A message line runs right under the word, within its region (whose lower edge is at
    ``bottom``): the word is that message's label."""
    cx = U.center(w.bbox)[0]
    # (or over most of a short message line: a label longer than its arrow runs past its end)
    return any((m.x0 - h <= cx <= m.x1 + h
                or min(w.bbox[2], m.x1) - max(w.bbox[0], m.x0) >= 0.6 * (m.x1 - m.x0))
               and -0.4 * h <= m.y - w.bbox[3] <= 0.6 * h and m.y <= bottom + 2
               for m in msgs)


def _heads_stack(w: Word, stacks: dict[int, list[Word]], bottom: float, msgs: list[_Msg],
                 h: float) -> bool:
    """The word is the first line of a label stacked right over a message line: a frame that
    holds a call flow's steps (d02 Default Bearer's shaded procedures, named at their right
    edge) starts with the first message's label, "UL-SCH: RRC Connection Request" over
    "(Initial UE identity, Cause)"; an operator tab and its guard stand apart from it."""
    block = stacks.get(id(w), [w])
    lowest = max(block, key=lambda v: v.bbox[3])
    if lowest is w or not _labels_line(lowest, bottom, msgs, h):
        return False
    line = [v for v in block if abs(U.center(v.bbox)[1] - U.center(w.bbox)[1]) < 0.5 * h]
    if U.block_text(line).startswith("["):
        return False  # a UML guard ('[ok]') over the fragment's first message is the frame's
    low = U.block_rect([v for v in block if abs(U.center(v.bbox)[1] - U.center(lowest.bbox)[1]) < 0.5 * h])
    return _one_label(U.block_rect(line), low, h)


def _one_label(top: Rect, low: Rect, h: float) -> bool:
    """Two lines are of one label: centred on each other, or left-aligned and of a like length
    (a tab's short "(B)" over the left end of "B.1. BPCF-triggered ...", TS 23.203 P.7.4.3, is
    the frame's name)."""
    return (abs(U.center(top)[0] - U.center(low)[0]) <= 1.5 * h
            or (abs(top[0] - low[0]) <= h and top[2] - top[0] >= 0.4 * (low[2] - low[0])))


def _over_label(w: Word, words: list[Word], bottom: float, msgs: list[_Msg], h: float) -> bool:
    """The word is the first line of a two-line label: right under it, starting where it
    starts, stands a line that labels a message (PlantUML's "Subscribe to event" / "with
    EventSubscription" under a group's "[Subscribe to publishing events]", whose OCR boxes
    overlap, so they make no block of their own). A guard ('[...]') stays the frame's."""
    if w.text.lstrip().startswith("["):
        return False
    return any(v is not w and 0 < v.bbox[1] - w.bbox[1] and v.bbox[1] - w.bbox[3] <= 0.5 * h
               and abs(v.bbox[0] - w.bbox[0]) <= h and _one_label(w.bbox, v.bbox, h)
               and _labels_line(v, bottom, msgs, h) for v in words)


def _in_header(w: Word, frame: Rect, h: float) -> bool:
    """The word sits on a frame's first line: its operator tab ('alt') and guard ('[ok]')."""
    cx, cy = U.center(w.bbox)
    return frame[0] <= cx <= frame[2] and frame[1] <= cy <= frame[1] + 1.5 * h


def _frame_labels(words: list[Word], frames: list[Rect], h: float,
                  loose: list[Word] | None = None, shapes: list[Shape] = (),
                  msgs: list[_Msg] = ()) -> list[str]:
    """Each frame's header line; a frame with none may be named by a text block inside it,
    in no box, that no message took and that stands beside the frame's messages (``loose``):
    d02 Default Bearer names its shaded procedures ("Random Access", "Authentication
    procedure") at their right edge."""
    out = []
    for f in sorted(frames, key=lambda b: (b[1], b[0])):
        # (a note box at the frame's top says its own text: TS 23.214 Figure 6.3.3.2-1's
        # step "2. PDN connection establishment ..." opens frame (A))
        # (not the operator's tab in the frame's corner: 'opt', 'loop')
        boxed = [s.bbox for s in shapes if s.bbox != f and U.contains(f, s.bbox, 0.5)
                 and s.bbox not in frames and not (abs(s.bbox[0] - f[0]) <= 0.5 * h
                                                   and abs(s.bbox[1] - f[1]) <= 0.5 * h
                                                   and s.bbox[2] - s.bbox[0] <= 0.4 * (f[2] - f[0]))]
        text = U.block_text([w for w in words if _in_header(w, f, h)
                             and not any(U.inside(U.center(w.bbox), g) for g in boxed)])
        # the guards of the frame's further operands, on their separators ("[PDP Mode should
        # be SAFE]"): what each operand is for, in order; a guard of a frame nested inside
        # is that frame's
        inner = [g for g in frames if g != f and U.contains(f, g, 0.5)]
        guards = sorted((w for w in words if _is_guard(w) and not _in_header(w, f, h)
                         and U.inside(U.center(w.bbox), f)
                         and not any(U.inside(U.center(w.bbox), g) for g in inner)),
                        key=lambda w: w.bbox[1])
        if text and guards:
            text = f"{text}; " + "; ".join(f"else {w.text.strip()}" for w in guards)
        if not text and loose:
            spans = [(m.x0, m.x1) for m in msgs if f[1] < m.y < f[3]]
            blocks = U.text_blocks([w for w in loose if U.inside(U.center(w.bbox), f)
                                    and not any(U.inside(U.center(w.bbox), g) for g in boxed)])
            rects = [U.block_rect(b) for b in blocks]
            text = "; ".join(U.block_text(b) for b, r in zip(blocks, rects)
                             if not any(min(x1, r[2]) > max(x0, r[0]) for x0, x1 in spans))
        if text:
            out.append(text)
    return out


def _steps_only(prims: Primitives, lines: list[Lifeline], boxes: list[Rect], u: float
                ) -> Diagram | None:
    """Named lifelines with no message but procedure steps drawn across them: 3GPP's charts
    that refer to procedures defined elsewhere (TS 23.203 Figure P.8.1-1: a box "1. S15
    session establishment ..." across HNB GW and (V-)PCRF, a double-headed block arrow "2.
    Gateway Control Session Establishment ..." from BPCF to (V-)PCRF). Each step, top to
    bottom, says which participants it spans; None when no text box spans two lifelines."""
    # a call flow's lifelines are parties with names of their own, drawn down the whole chart
    # (the short channel lines of a layer-2 drawing, each under its 'HARQ' box, are none)
    labels = [ln.label for ln in lines]
    if len(set(labels)) < len(labels) or any(ln.y1 - ln.y0 < 0.6 * prims.height for ln in lines):
        return None
    steps = []
    tol = max(2 * u, U.median_height(prims.words))
    arrows = {s.bbox for s in prims.shapes if s.kind in ("polygon", "hexagon")}
    outlined = [s.bbox for s in prims.shapes if s.stroked]
    for b, text in _note_boxes(prims, boxes, u, most=0.6):
        # a step is drawn as an outlined box or block arrow; a fill without an outline is the
        # background of a label (23.203 Figure 7.9.1's messages are thick bars under such
        # labels, no step)
        if not any(max(abs(x - y) for x, y in zip(b, o)) <= 1.0 for o in outlined):
            continue
        # (a block arrow's tips stop short of the lifelines it joins, by up to a letter's height)
        spanned = [ln.label for ln in lines if b[0] - tol <= ln.x <= b[2] + tol]
        if len(spanned) < 2:
            continue
        if b in arrows:  # a block arrow runs between the lifelines at its tips
            steps.append(f"{text} (between {spanned[0]} and {spanned[-1]})")
        else:
            steps.append(f"{text} (across {', '.join(spanned[:-1])} and {spanned[-1]})")
    if not steps:
        return None
    return Diagram(kind="sequence", nodes=_participants(labels), notes=steps)


def _notes(prims: Primitives, boxes: list[Rect], u: float, skip: list[Rect] = (),
           said: set[int] = frozenset()) -> list[str]:
    """The note boxes' texts; the boxes of ``skip`` (frames, layer boxes) are no notes, but a
    note inside a frame is (TS 23.203 Figure P.7.4.3's step "A.5. PCRF-Init IP-CAN Session
    Modification ..." inside frame (A)). Words a message took (ids in ``said``) are its label,
    not a note's text, though the box drawn round the note reaches over them."""
    out = []
    for b, _ in _note_boxes(prims, boxes, u):
        if not any(U.contains(b, k, 0.5) and U.contains(k, b, 0.5) for k in skip):
            text = U.block_text([w for w in _words_in(prims.words, b) if id(w) not in said])
            if text:
                out.append(text)
    return out


def _note_boxes(prims: Primitives, boxes: list[Rect], u: float, most: float = 0.25
                ) -> list[tuple[Rect, str]]:
    """Boxes of text that are not header boxes (notes, step boxes), top to bottom, each at
    most ``most`` of the figure's area (a bigger one is a frame round the chart; a step
    drawn across a small chart of steps only may fill half of it)."""
    notes: list[tuple[Rect, str]] = []
    for s in sorted(prims.shapes, key=lambda s: (round(s.bbox[1]), s.bbox[0])):
        if any(U.contains(b, s.bbox, 0.5) for b in boxes) or s.bbox[2] - s.bbox[0] < 15 * u:
            continue
        if U.area(s.bbox) > most * prims.width * prims.height:
            continue
        words = _words_in(prims.words, s.bbox)
        if words and not any(U.contains(s.bbox, b, 0.5) for b in boxes):
            text = U.block_text(words)
            if all(text != t for _, t in notes):  # a box painted twice (fill, then outline) is one note
                notes.append((s.bbox, text))
    return notes


# ---- message charts without lifelines -------------------------------------------------------

def read_lineless(prims: Primitives, h: float, u: float) -> Diagram | None:
    """A message chart drawn without lifelines, as the 3GPP NAS specifications draw their
    procedures (TS 24.301, 24.334, 24.501): the participants' names in a row on top, one long
    level arrow per message between their columns with the message name above it, timers and
    'OR' separators beside. None unless the arrows run in open space between two or more
    columns, every one with a single head (a flowchart's arrows end at boxes)."""
    arrows = _level_arrows(prims, u)
    if not arrows or len(prims.arrowheads) > 1.5 * len(arrows) + 1:
        return None
    # one message alone (TS 24.301's EMM INFORMATION, paging, notification procedures) is
    # read when its arrow runs most of the width, from under one name to under the other
    single = len(arrows) == 1
    if single and arrows[0].x1 - arrows[0].x0 < 0.6 * prims.width:
        return None
    ends = [e for m in arrows for e in ((m.x0, m.y), (m.x1, m.y))]
    if sum(any(U.rect_dist(e, s.bbox) <= 3 * u for s in prims.shapes if s.stroked) for e in ends) > len(ends) / 4:
        return None
    cols = _columns([x for m in arrows for x in (m.x0, m.x1)], 0.08 * prims.width)
    first = min(arrows, key=lambda m: m.y)
    limit = first.y - 2.5 * h  # names lie above this
    # the names sit over the first message's label; where they are printed larger than the
    # labels (TS 24.301), a line height of their own print puts them within 2.5 label heights
    # of the arrow, so the label's block, not a count of lines, marks where names end
    over = [b for b in U.text_blocks([w for w in prims.words if first.x0 <= U.center(w.bbox)[0] <= first.x1])
            if 0 <= first.y - U.block_rect(b)[3] <= 2 * h]
    if over:
        label_top = U.block_rect(min(over, key=lambda b: first.y - U.block_rect(b)[3]))[1]
        limit = max(limit, label_top - 0.3 * h)
    names = _header_blocks([w for w in prims.words if U.center(w.bbox)[1] < limit])
    if len(cols) < 2 or len(names) < 2 or (len(names) != len(cols) and len(cols) > 2):
        return None
    if len(names) > len(cols):  # two columns: the outermost names
        names = [names[0], names[-1]]
    if single and len(names) != 2:
        return None
    # the arrows run in open space under the names: a chart of boxes between them (TS 38.300
    # Figure B.2-1's rows of bandwidth parts over a 'Frequency' axis) is no message chart
    region = (min(m.x0 for m in arrows), max(U.block_rect(b)[3] for b in names),
              max(m.x1 for m in arrows), max(m.y for m in arrows))
    boxes = [sh for sh in prims.shapes if U.area(sh.bbox) > 4 * h * h and U.inside(U.center(sh.bbox), region)]
    if len(boxes) >= 3:
        return None
    # each column under its name (the sides of stacked boxes that a dotted frame crosses are
    # no messages between the names above them: book-rpc slide 1's 'Server 1/2/n' boxes)
    if not all(abs(U.center(U.block_rect(blk))[0] - x) <= 0.2 * prims.width
               for blk, x in zip(names, (arrows[0].x0, arrows[0].x1) if single else cols)):
        return None
    msgs = []
    for m in arrows:
        a, b = _col_of(m.x0, cols), _col_of(m.x1, cols)
        if a == b:
            continue
        src, dst = (a, b) if m.arrow == "right" else (b, a)
        msgs.append(_Msg(src=src, dst=dst, y=m.y, x0=m.x0, x1=m.x1, dashed=m.dashed, arrow="filled"))
    if len(msgs) < (1 if single else 2):
        return None
    header = {id(w) for blk in names for w in blk}
    free = [w for w in prims.words if id(w) not in header]
    taken = _texts(msgs, free, h, u, split=prims.source != "raster")
    d = Diagram(kind="sequence", nodes=_participants([U.block_text(blk) for blk in names]))
    for m in msgs:
        d.messages.append(Message(source=f"p{m.src + 1}", target=f"p{m.dst + 1}", text=m.text,
                                  reply=m.dashed))
    used = header | {id(free[k]) for k in taken}
    d.notes = [U.block_text(b) for b in U.text_blocks([w for w in prims.words if id(w) not in used])]
    return d


def _level_arrows(prims: Primitives, u: float) -> list[_Msg]:
    """Long level strokes with one head: (y, x0, x1, arrow='right'|'left')."""
    out = []
    for p in prims.paths:
        pts = p.points
        box = U._bbox_pts(pts)
        w = box[2] - box[0]
        if w < 0.25 * prims.width or box[3] - box[1] > max(2.0 * u, 0.03 * w):
            continue
        a, b = pts[0], pts[-1]
        ha, _ = _arrow_at(a, prims, 3.0 * u, _back(pts[::-1], 8.0 * u))
        hb, _ = _arrow_at(b, prims, 3.0 * u, _back(pts, 8.0 * u))
        if ha == hb:
            continue  # no head (a separator) or two
        right = (hb and a[0] <= b[0]) or (ha and a[0] > b[0])
        out.append(_Msg(src=0, dst=0, y=(a[1] + b[1]) / 2, x0=box[0], x1=box[2], dashed=p.dashed,
                        arrow="right" if right else "left"))
    return sorted(out, key=lambda m: (m.y, m.x0))


def _columns(xs: list[float], tol: float) -> list[float]:
    """Cluster arrow-end abscissas into the participants' columns."""
    cols: list[list[float]] = []
    for x in sorted(xs):
        if cols and x - cols[-1][-1] <= tol:
            cols[-1].append(x)
        else:
            cols.append([x])
    return [sum(c) / len(c) for c in cols]


def _col_of(x: float, cols: list[float]) -> int:
    return min(range(len(cols)), key=lambda k: abs(cols[k] - x))


def _header_blocks(words: list[Word]) -> list[list[Word]]:
    """The participants' names: the text blocks above the first message, left to right."""
    blocks = U.text_blocks(words)
    return sorted(blocks, key=lambda b: min(w.bbox[0] for w in b))
