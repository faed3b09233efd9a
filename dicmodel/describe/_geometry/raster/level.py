"""Axis-parallel strokes read straight from the ink, for the sequence reader.

A raster call flow (PlantUML, Mermaid, a spec's message chart) is drawn almost wholly with
level and plumb strokes: dashed or solid lifelines, thin level message lines with a small head
at one end, frames and notes. The general tracer (``trace``) thins the ink to a skeleton, and
where a thin message line meets a dashed lifeline, an activation bar or a frame side the
skeleton forks and the line comes back in pieces whose heads the opening missed. Here the
strokes are read directly with morphology instead:

- ink: thin dark strokes against their local background (a black top-hat), so a coloured
  participant band is no ink; letters removed piece by piece inside the OCR word boxes, but
  not the dashes and dots of lines that a label's box covers;
- plumb strokes: the ink closed upwards over a dash gap, then opened with a tall kernel; the
  runs of each column, side by side runs over the same stretch taken as one stroke; each is a
  piece of a lifeline (or a frame or box side, which the sequence reader tells apart by its
  corners); an activation bar's two sides become its middle;
- level strokes: the same across, with a kernel a little longer than a head; a message line
  that runs through other lifelines stays one piece;
- heads: at each end of a level stroke, ink both above and below the line within a head's
  length (the lifeline or bar side the tip touches is left out: it fills the whole window
  height right at the tip);
- self-messages: two level strokes, one under the other, whose same-side ends a short plumb
  stroke joins, become one path out, down and back.

The result is a second :class:`Primitives` (words and shapes shared with the general one)
that :func:`~dicmodel.describe._geometry.sequence.read_sequence` reads like a vector chart's.
"""

from __future__ import annotations

from typing import Any

from ..ocr import ink_mask
from ..primitives import Arrowhead, Path, Rect
from .frame import _INK_DELTA, _Frame, _median_h, _scale_head, _scale_path, _scaled_box
from .ink import _stroke_width

_SOLID = 0.8  # share of a level stroke's length in ink above which it is solid, not dashed


def level_primitives(img: Any, work: Any, s: float, words: list[Rect], np: Any, cv2: Any,
                     discs: list[tuple[float, float, float]] = ()) -> tuple[list[Path], list[Arrowhead]]:
    """Plumb and level strokes of the figure with their heads, in the original pixels.

    Read at full size even where the general geometry runs on a smaller copy: shrunk, a thin
    dotted reply line turns so pale that no grey threshold keeps it (an enlarged copy of a
    small-print figure, ``s > 1``, is used as it is). ``discs`` are the step-number discs the
    general geometry found, in its working pixels: cleared, so no line end reads a disc as a
    head."""
    k = max(1.0, s)
    gray = cv2.cvtColor(work if s > 1.0 else img, cv2.COLOR_BGR2GRAY)
    boxes = [_scaled_box(b, k) for b in words]
    raw = _local_ink(gray, _median_h(boxes, 12.0), np, cv2)
    ink = _letters_out(raw, boxes, np, cv2)
    for cx, cy, r in discs:  # step-number discs (working pixels at ``s``): no heads
        q = k / s
        cv2.circle(ink, (int(round(cx * q)), int(round(cy * q))), int(r * q + 2), 0, -1)
    stroke = _stroke_width(ink, np, cv2)
    f = _Frame(np, cv2, k, ink, stroke, _median_h(boxes), words=boxes)
    paths, heads = level_strokes(f)
    if k == 1.0:
        return paths, heads
    return [_scale_path(p, 1.0 / k) for p in paths], [_scale_head(a, 1.0 / k) for a in heads]


def _local_ink(gray: Any, th: float, np: Any, cv2: Any) -> Any:
    """Thin dark strokes against their local background (a black top-hat a text height wide):
    the lifelines and messages inside a coloured participant band (PlantUML's ``box``) are
    darker than its fill, which a threshold against the page's white takes for ink."""
    ink, bg = ink_mask(gray, np, _INK_DELTA)
    if bg < 110:  # a dark theme: ink is lighter than the page
        return ink
    k = int(th) | 1
    hat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return (hat > _INK_DELTA).astype(np.uint8)


def _letters_out(raw: Any, boxes: list[Rect], np: Any, cv2: Any) -> Any:
    """The ink without the letters: each piece of ink that lies inside a (padded) word box,
    unless it is flat or plumb (a dash of a dotted reply drawn close under its label, of a
    dashed lifeline that a label starting at it covers). Unlike the general text removal, a
    word box's core is not cleared: the leg of a self-message runs right under its label."""
    _n, lab, stats, _c = cv2.connectedComponentsWithStats(raw, connectivity=8)
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    drop = np.zeros(len(stats), dtype=bool)
    for b in boxes:
        pad = 0.25 * (b[3] - b[1]) + 1
        drop |= (x >= b[0] - pad) & (y >= b[1] - pad) & (x + w <= b[2] + pad) & (y + h <= b[3] + pad)
    flat = (h <= 4) & (w >= h)
    drop &= ~flat & ~((w <= 4) & (h >= 2 * w) & (h >= 3))
    drop[0] = True
    drop &= ~_on_a_dotted_row(x, y, w, h, drop, flat, boxes, np)
    return (~drop)[lab].astype(np.uint8)


def _on_a_dotted_row(x: Any, y: Any, w: Any, h: Any, drop: Any, flat: Any, boxes: list[Rect],
                     np: Any) -> Any:
    """Pieces in a word box that carry on a dotted line at their middle row: the head at the
    end of a dotted reply drawn under its label, or a dot fused with a dashed lifeline where
    the reply crosses it. The line's dots within a text height either side of the piece, a
    dot's gap from it, make up a text height of ink (a hyphen beside a letter does not)."""
    th = float(np.median([b[3] - b[1] for b in boxes])) if boxes else 12.0
    fx, fw, fy = x[flat], w[flat], y[flat] + h[flat] / 2.0
    keep = np.zeros(len(x), dtype=bool)
    for i in np.nonzero(drop[1:])[0] + 1:  # (0: the background)
        ym = y[i] + h[i] / 2.0
        row = np.abs(fy - ym) <= 1.5
        left = row & (fx + fw <= x[i]) & (fx + fw >= x[i] - th)
        right = row & (fx >= x[i] + w[i]) & (fx <= x[i] + w[i] + th)
        near = (left & (fx + fw >= x[i] - 8)) | (right & (fx <= x[i] + w[i] + 8))
        keep[i] = bool(near.any()) and float(fw[left].sum() + fw[right].sum()) >= 0.5 * th
    return keep


def level_strokes(f: _Frame) -> tuple[list[Path], list[Arrowhead]]:
    """Plumb and level strokes, with the heads of the level ones, in working pixels, from
    the letter-free ink."""
    np, cv2, ink = f.np, f.cv2, f.ink
    th = f.text_h or 12.0
    st = max(1.0, f.stroke)
    gap = int(round(max(6.0, 3.0 * st))) + 1  # dash gaps closed (PlantUML: 4-5 px, replies 2 px)
    posts = _runs(ink, np, cv2, gap, int(max(0.8 * th, 8)), plumb=True)
    long = [v for v in posts if v[2] - v[1] >= 2.0 * th]
    paths = _plumb_paths(f, long, _runs(ink, np, cv2, gap, int(max(0.4 * th, 6)), plumb=True))
    heads: list[Arrowhead] = []
    segs = []
    thick = 2.5 * st + 1
    level = _across_posts(_runs(ink, np, cv2, gap, int(max(1.2 * th, 12)), plumb=False), posts, th,
                          lambda r: _dashed(ink, r[0], r[1], r[2], False, np))
    for y, x0, x1, t in level:
        if t > 2 * thick:
            continue
        # (a bold frame edge is kept, headless, for its corners)
        ends = [_end_head(f, ink, x, y, t, d, posts) if t <= thick else None for x, d in ((x0, -1), (x1, 1))]
        if ends[0] is not None and ends[1] is not None:
            ends = [None, None]  # ink at both ends: a frame's divider meeting its dashed sides
        heads += [hd for hd in ends if hd is not None]
        x0 = ends[0].tip[0] if ends[0] is not None else x0
        x1 = ends[1].tip[0] if ends[1] is not None else x1
        segs.append((y, x0, x1, ends[0] is not None, ends[1] is not None))
    paths += [p for p in _join_loops(segs, ink, [v[:3] for v in long], th, np)
              if len(p.points) > 2 or p.points[-1][0] - p.points[0][0] >= (2 if _headed(p, heads) else 4) * th]
    return paths, heads


def _across_posts(runs: list[tuple[float, ...]], posts: list[tuple[float, ...]], th: float,
                  dashed: Any) -> list[tuple[float, ...]]:
    """Dotted level runs one behind the other on one row, a plumb stroke passing through the
    short gap between them, joined: a dotted message crossing a dashed lifeline under its
    label loses the dash and dot that cross (one piece of ink shaped like a letter, removed
    with the label's letters), and its far part alone is too short to read as a message.
    (Solid runs stay apart: a frame's edge ends at its side, a corner that tells the side from
    a lifeline.)"""
    out: list[tuple[float, ...]] = []
    reach = 0.5 * th  # (the lifeline loses its dash there too: it may stop that short of the row)
    for r in sorted(runs, key=lambda r: (round(r[0]), r[1])):
        prev = out[-1] if out else None
        if prev is not None and abs(prev[0] - r[0]) <= 1.0 and 0 < r[1] - prev[2] <= 0.6 * th and \
                dashed(prev) and dashed(r) and \
                any(prev[2] - 2 <= x <= r[1] + 2 and y0 - reach <= r[0] <= y1 + reach
                    for x, y0, y1, _w in posts):
            out[-1] = (prev[0], prev[1], r[2], max(prev[3], r[3]))
            continue
        out.append(r)
    return out


def _plumb_paths(f: _Frame, long: list[tuple[float, ...]], bits: list[tuple[float, ...]]) -> list[Path]:
    """Lifeline pieces: the long plumb runs (bars as their middles), with the short stretches
    on their columns (a lifeline's top between its header and the bar a first message starts,
    or a dash or two between an actor's name and a frame drawn over its line), each column
    cut below its name."""
    np, ink = f.np, f.ink
    th = f.text_h or 12.0
    st = max(1.0, f.stroke)
    thick = 2.5 * st + 1
    # (a bar's side with its grey shadow reads wider than a line)
    vert = _bars([v for v in long if v[3] <= 2 * thick], ink, th, np)
    vert = _snap(vert + [v for v in bits if v[2] - v[1] < 2.0 * th and v[3] <= thick
                         and any(abs(v[0] - c[0]) <= st + 2 for c in vert)], st)
    return [Path(points=[(x, y0), (x, y1)], dashed=_dashed(ink, x, y0, y1, True, np), width=st)
            for x, y0, y1, _w in _clear_of_words(vert, f.words or [], th) if y1 - y0 >= 0.4 * th]


def _headed(p: Path, heads: list[Arrowhead]) -> bool:
    """A level stroke with a head: a message, at least two text heights long (a glyph's bar
    under an entity or a control symbol is shorter). Without one only a long stroke is kept
    (a frame's top or bottom, whose corners tell its sides from lifelines); a short one is the
    side of a box or a tab, or an underline, whose end would pass for a frame corner."""
    return any(hd.tip in (p.points[0], p.points[-1]) for hd in heads)


def _bars(vert: list[tuple[float, ...]], ink: Any, th: float, np: Any) -> list[tuple[float, ...]]:
    """Activation bars (two solid plumb strokes less than a text height apart, side by side
    over the same stretch) as one stroke down their middle: the lifeline they cover."""
    solid = [k for k, v in enumerate(vert) if not _dashed(ink, v[0], v[1], v[2], True, np)]
    gone: set[int] = set()
    out = []
    for i in solid:
        for j in solid:
            a, b = vert[i], vert[j]
            if i in gone or j in gone or not 3.0 < b[0] - a[0] <= th:
                continue
            over = min(a[2], b[2]) - max(a[1], b[1])
            if over >= 0.8 * min(a[2] - a[1], b[2] - b[1]):
                y0, y1 = min(a[1], b[1]), max(a[2], b[2])
                # the bar's grey shadow beside it goes with it
                gone.update(k for k, v in enumerate(vert) if a[0] - 2 <= v[0] <= b[0] + 4
                            and min(v[2], y1) - max(v[1], y0) >= 0.8 * (v[2] - v[1]))
                out.append(((a[0] + b[0]) / 2, y0, y1, 1.0))
    return out + [v for k, v in enumerate(vert) if k not in gone]


def _snap(vert: list[tuple[float, ...]], stroke: float) -> list[tuple[float, ...]]:
    """Plumb runs a stroke apart put on one column (at the longest run's x): a lifeline's
    dashed stretches and the middles of its activation bars come out a pixel apart."""
    out = []
    for v in sorted(vert):
        if out and v[0] - out[-1][0][0] <= stroke + 2:
            out[-1].append(v)
        else:
            out.append([v])
    snapped = []
    for col in out:
        x = max(col, key=lambda v: v[2] - v[1])[0]
        snapped += [(x,) + tuple(v[1:]) for v in col]
    return snapped


def _clear_of_words(vert: list[tuple[float, ...]], words: list[Rect], th: float
                    ) -> list[tuple[float, ...]]:
    """Each column's runs cut below the name centred on it near its top (above the one near
    its bottom): a lifeline closed onto the letters of its name, or run on up through an
    actor or entity symbol and its name. A message's label starts at a lifeline, or sits
    between two, never centred on one so near its end."""
    cols: dict[float, list[tuple[float, ...]]] = {}
    for v in vert:
        cols.setdefault(v[0], []).append(v)
    out = []
    for x, runs in cols.items():
        top, end = min(v[1] for v in runs), max(v[2] for v in runs)
        y0, y1 = top, end
        on = [b for b in words if abs((b[0] + b[2]) / 2 - x) <= 0.1 * (b[2] - b[0]) + 3
              and b[3] >= top - th and b[1] <= end + th]
        # the first name from each end only (a frame's tab can follow, centred by chance)
        heads = [b for b in on if b[1] <= top + 5 * th]  # (an actor's figure is ~3 high)
        feet = [b for b in on if b[3] >= end - 5 * th]
        if heads:
            y0 = min(b[3] for b in heads) + 1
        if feet:
            y1 = max(b[1] for b in feet) - 1
        out += [(x, max(v[1], y0), min(v[2], y1)) + tuple(v[3:]) for v in runs
                if min(v[2], y1) > max(v[1], y0)]
    return out


def _runs(ink: Any, np: Any, cv2: Any, gap: int, length: int, plumb: bool) -> list[tuple[float, ...]]:
    """Straight runs (across ``plumb``: x, y0, y1, width; else y, x0, x1, thickness)."""
    k_gap = (1, gap) if plumb else (gap, 1)
    k_len = (1, length) if plumb else (length, 1)
    m = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, k_gap))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, k_len))
    if plumb:
        return _strokes(m, np)
    n, _lab, stats, cents = cv2.connectedComponentsWithStats(m, connectivity=8)
    return [(float(cents[i][1]), float(stats[i][0]), float(stats[i][0] + stats[i][2] - 1), float(stats[i][3]))
            for i in range(1, n) if stats[i][2] >= length]


def _strokes(m: Any, np: Any) -> list[tuple[float, ...]]:
    """The plumb strokes of a mask that holds only plumb runs: each column's runs, side by
    side runs over the same stretch (within a pixel or two) taken as one stroke. Pieces
    that merely touch (a letter against a line, a frame crossing a lifeline) stay apart,
    where connected components would chain a whole chart into one."""
    pad = np.zeros((1, m.shape[1]), m.dtype)
    d = np.diff(np.vstack([pad, m, pad]).astype(np.int8), axis=0)
    ys0, xs0 = np.nonzero(d == 1)
    ys1, xs1 = np.nonzero(d == -1)
    o0, o1 = np.lexsort((ys0, xs0)), np.lexsort((ys1, xs1))
    runs = zip(xs0[o0].tolist(), ys0[o0].tolist(), (ys1[o1] - 1).tolist())
    open_: dict[tuple[int, int], list[int]] = {}  # (y0, y1) -> [x first, x last, y0, y1]
    done: list[list[int]] = []
    for x, y0, y1 in runs:
        g = None
        for dy0 in (0, -1, 1, -2, 2):
            for dy1 in (0, -1, 1, -2, 2):
                c = open_.get((y0 + dy0, y1 + dy1))
                if c is not None and c[1] == x - 1:
                    g = c
                    break
            if g is not None:
                break
        if g is None:
            g = [x, x, y0, y1]
            done.append(g)
        else:
            del open_[(g[2], g[3])]
            g[1], g[2], g[3] = x, min(g[2], y0), max(g[3], y1)
        open_[(g[2], g[3])] = g
    return [((g[0] + g[1]) / 2, float(g[2]), float(g[3]), float(g[1] - g[0] + 1)) for g in done]


def _dashed(ink: Any, c: float, a: float, b: float, plumb: bool, np: Any) -> bool:
    """Less than :data:`_SOLID` of the stroke's length is ink (on its best of three lines)."""
    ci, ia, ib = int(round(c)), int(a), int(b) + 1
    lo, hi = max(0, ci - 1), ci + 2
    band = ink[ia:ib, lo:hi] if plumb else ink[lo:hi, ia:ib]
    if band.size == 0:
        return False
    cover = band.max(axis=1 if plumb else 0).mean()
    return bool(cover < _SOLID)


def _end_head(f: _Frame, ink: Any, xe: float, y: float, t: float, d: int,
              posts: list[tuple[float, ...]]) -> Arrowhead | None:
    """The head at a level stroke's end, or where a plumb stroke crosses the stroke less than
    a text height before it: a message that reaches an activation bar at its top (or bottom)
    corner runs on along the bar's edge to its far side."""
    hd = _head(f, ink, xe, y, t, d)
    if hd is not None:
        return hd
    reach = f.text_h or 12.0
    for x, y0, y1, _w in posts:
        if 2.0 < d * (xe - x) <= reach and y0 - 2 <= y <= y1 + 2:
            hd = _head(f, ink, x, y, t, d)
            if hd is not None:
                return hd
    return None


def _head(f: _Frame, ink: Any, xe: float, y: float, t: float, d: int) -> Arrowhead | None:
    """A head at the end ``xe`` of a level stroke at ``y`` (``d``: +1 right end, -1 left end):
    ink above and below the line within a head's length back from the tip, outside the stroke
    that the tip touches (a lifeline, a bar's side)."""
    np = f.np
    th = f.text_h or 12.0
    hl = int(round(max(5.0, 0.6 * th)))  # head length
    hw = int(round(max(3.0, 0.4 * th)))  # head half height
    xi = int(round(xe))
    top = int(y - (t - 1) / 2 + 0.01)  # the line's first and last rows
    bot = top + int(t) - 1
    near = int(f.stroke) + 2  # the columns of the stroke the tip touches
    h_, w_ = ink.shape
    cols = [x for x in range(xi - d * near, xi - d * hl, -d) if 0 <= x < w_]
    if len(cols) < 2:
        return None
    c0, c1 = min(cols), max(cols) + 1
    # only ink joined to the line counts (a neighbour's head or a frame's dots nearby do not)
    ya, yb = max(0, top - hw), min(h_, bot + 1 + hw)
    xa, xb = (c0, min(w_, xi + 1)) if d > 0 else (max(0, xi), c1)
    win = np.array(ink[ya:yb, xa:xb])
    if win.size == 0 or top - ya < 1 or yb - bot < 2:
        return None
    # the lifeline the tip touches joins everything near it: off the line, cut it out
    post = win.all(axis=0)
    win[:top - ya, post] = 0
    win[bot + 1 - ya:, post] = 0
    _n, lab = f.cv2.connectedComponents(win, connectivity=8)
    on = np.unique(lab[top - ya:bot + 1 - ya][win[top - ya:bot + 1 - ya] > 0])
    joined = np.isin(lab, on[on > 0]).astype(np.uint8)
    above = joined[:top - ya, c0 - xa:c1 - xa]
    below = joined[bot + 1 - ya:, c0 - xa:c1 - xa]
    if above.size == 0 or below.size == 0:
        return None
    # a head spreads to both sides of the line in the same columns, and tapers: a column
    # filled over the whole window on either side is a plumb stroke passing by (a lifeline, a
    # box's side at a corner), not part of a head
    full = (above.min(axis=0) > 0) | (below.min(axis=0) > 0)
    both = (above.max(axis=0) > 0) & (below.max(axis=0) > 0) & ~full
    if int(both.sum()) < 3:
        return None
    x0, x1 = (xi - hl, xi) if d > 0 else (xi, xi + hl)
    bbox: Rect = (float(x0), float(top - hw), float(x1), float(bot + hw))
    return Arrowhead(tip=(float(xe), float(y)), direction=(float(d), 0.0), bbox=bbox)


def _join_loops(segs: list[tuple[float, float, float, bool, bool]], ink: Any,
                posts: list[tuple[float, float, float]], th: float, np: Any) -> list[Path]:
    """Level strokes as paths; a self-message's two legs joined through its short plumb side
    (a long plumb stroke there is a lifeline or a bar's side the legs leave from, no turn)."""
    used: set[int] = set()
    out: list[Path] = []
    order = sorted(range(len(segs)), key=lambda k: segs[k][0])
    for i in order:
        if i in used:
            continue
        ya, a0, a1, ha0, ha1 = segs[i]
        for j in order:
            if ha0 or ha1:
                break  # the leg out of a self-message has no head
            yb, b0, b1, hb0, hb1 = segs[j]
            if j == i or j in used or not 0.3 * th < yb - ya <= 3.0 * th:
                continue
            for side in (1, 0):  # loop on the right (PlantUML, Mermaid) or the left
                xa, xb = (a1, b1) if side else (a0, b0)
                # the leg back carries the head, at its far end from the turn
                back = hb0 if side else hb1
                xt = (xa + xb) / 2
                if back and abs(xa - xb) <= 3 and _plumb_ink(ink, xt, ya, yb, np) and \
                        not any(abs(x - xt) <= 3 and y0 < ya and y1 > yb for x, y0, y1 in posts):
                    fa, fb = (a0, b0) if side else (a1, b1)
                    out.append(Path(points=[(fa, ya), (xt, ya), (xt, yb), (fb, yb)],
                                    dashed=_dashed(ink, yb, min(b0, b1), max(b0, b1), False, np)))
                    used.update((i, j))
                    break
            if i in used:
                break
        if i not in used:
            out.append(Path(points=[(a0, ya), (a1, ya)],
                            dashed=_dashed(ink, ya, a0, a1, False, np)))
            used.add(i)
    return out


def _plumb_ink(ink: Any, x: float, ya: float, yb: float, np: Any) -> bool:
    xi = int(round(x))
    band = ink[int(ya):int(yb) + 1, max(0, xi - 1):xi + 2]
    return band.size > 0 and float(band.max(axis=1).mean()) >= _SOLID
