"""Text that runs past the edge of its box.

Visio, LibreOffice and PowerPoint never clip a shape's text: a table of small print that does
not fit its box goes on below the box (and above it too, when the text is centred
vertically). Those lines are still the shape's label. They are recognised by how they
continue the label: the label reaches the box's edge, and the next line sits in the same
column, in the same font size, one line pitch (or one blank line) further on.

A label set out as an indented listing (a table's "match :" and "action :" over their
indented values) forms no single column; its overflow is the block of lines that goes on
below the box at the same pitch, each starting at or right of the label's left margin (and
left of the box's middle: it is left-set text) and within the box's width, none covered by
another box nor run through by a connector (the text beside a connector is its label).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from statistics import median_high

from . import _util as U
from .primitives import Point, Rect, Word

__all__ = ["claim_overflow"]

_SIZE_TOL = 0.15     # same font: sizes within 15%
_ALIGN_TOL = 0.6     # same column: left edges (or centres) within 0.6 line heights
_EDGE_TOL = 0.6      # the label reaches the box edge: its last line within 0.6 pitch of it
_PITCH_TOL = 0.2     # the next line one or two pitches on (a blank line between), +-20%
# OCR measures each line's box from its own glyphs (ascenders, descenders, brackets): its
# heights and line positions scatter further than a PDF's font sizes and baselines
_OCR_SIZE_TOL = 0.5
_OCR_PITCH_TOL = 0.3
_COVERED = 0.25      # a line a quarter under another box is that box's, or hidden by it


def _lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into lines (centres within half a line height), top to bottom."""
    out: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        cy = (w.bbox[1] + w.bbox[3]) / 2
        h = w.bbox[3] - w.bbox[1]
        if out:
            last = out[-1][0]
            if abs(cy - (last.bbox[1] + last.bbox[3]) / 2) < 0.5 * max(h, last.bbox[3] - last.bbox[1]):
                out[-1].append(w)
                continue
        out.append([w])
    return out


def _pitch(lines: list[list[Word]]) -> float:
    # line middles, not tops: an OCR box is as tall as its own glyphs ("n" against "(Dev")
    mids = [_mid(ln) for ln in lines]
    steps = sorted(b - a for a, b in pairwise(mids) if b > a)
    return steps[len(steps) // 2]


def _on_pitch(step: float, pitch: float, tol: float) -> bool:
    """One line on, or two (a blank line between), to within ``tol`` of the pitch."""
    return any(abs(step - k * pitch) <= tol * pitch for k in (1, 2))


def _label_size(lines: list[list[Word]]) -> float:
    """The label's font size: the median over its lines of three or more characters (an OCR
    box of one or two letters is only as tall as those glyphs: "n" is half of "(Dev")."""
    full = [w.size for ln in lines for w in ln if len(w.text.strip()) >= 3]
    return median_high(full or [w.size for ln in lines for w in ln])


def _column(lines: list[list[Word]]) -> int | None:
    """How the label's lines line up: 0 on their left edges, 1 on their centres (None: they
    form no single column, as the cells of a table row do not)."""
    if any(len(ln) > 1 for ln in lines):
        return None
    h = max(w.bbox[3] - w.bbox[1] for ln in lines for w in ln)
    for k in (0, 1):
        xs = [_x(ln[0], k) for ln in lines]
        if max(xs) - min(xs) <= _ALIGN_TOL * h:
            return k
    return None


def _x(w: Word, column: int) -> float:
    return w.bbox[0] if column == 0 else (w.bbox[0] + w.bbox[2]) / 2


def _continues(w: Word, ref: Word, column: int, size: float, h: float, tol: float = _SIZE_TOL) -> bool:
    """Same font size (within ``tol``) and same column as the reference line."""
    if w.vertical or abs(w.size - size) > tol * max(size, 1e-6):
        return False
    return abs(_x(w, column) - _x(ref, column)) <= _ALIGN_TOL * h


def _grow(box: Rect, lines: list[list[Word]], column: int, free: list[Word], down: bool,
          taken: set[int], ocr: bool = False) -> list[Word]:
    """Free lines that continue the label past the bottom (``down``) or the top of ``box``."""
    size_tol, pitch_tol = (_OCR_SIZE_TOL, _OCR_PITCH_TOL) if ocr else (_SIZE_TOL, _PITCH_TOL)
    pitch = _pitch(lines)
    ref = lines[-1][0] if down else lines[0][0]
    if (box[3] - ref.bbox[3] if down else ref.bbox[1] - box[1]) > _EDGE_TOL * pitch:
        return []  # the label stops short of the edge: nothing ran over it
    size = _label_size(lines)
    h = max(ref.bbox[3] - ref.bbox[1], size) if ocr else ref.bbox[3] - ref.bbox[1]
    got: list[Word] = []
    while True:
        mid = _mid([ref])
        nxt = [i for i, w in enumerate(free) if i not in taken
               and _continues(w, ref, column, size, h, size_tol)
               and _on_pitch((_mid([w]) - mid) if down else (mid - _mid([w])), pitch, pitch_tol)
               and w.bbox[0] < box[2] and w.bbox[2] > box[0]]
        if not nxt:
            return got
        first = min(nxt, key=lambda i: abs(_mid([free[i]]) - mid))
        taken.add(first)
        ref = free[first]
        got.append(ref)


def _centred_over_both(box: Rect, line: Word, free: list[Word], taken: set[int]
                       ) -> list[list[Word]] | None:
    """A one-line label whose centred text spills over both edges of a low box: a free line
    just above the box and one just below, centred on it, at the same pitch. Returns the
    three lines (the two free ones claimed), or None."""
    h = line.bbox[3] - line.bbox[1]

    def near(up: bool) -> list[tuple[float, int]]:
        out = []
        for i, w in enumerate(free):
            step = (line.bbox[1] - w.bbox[1]) if up else (w.bbox[1] - line.bbox[1])
            cy = (w.bbox[1] + w.bbox[3]) / 2
            outside = cy < box[1] if up else cy > box[3]
            if i not in taken and outside and 0.7 * h <= step <= 1.6 * h \
                    and _continues(w, line, 1, line.size, h):
                out.append((step, i))
        return out

    for s_up, i in near(True):
        for s_down, j in near(False):
            if abs(s_up - s_down) <= _PITCH_TOL * max(s_up, s_down):
                taken.update((i, j))
                return [[free[i]], [line], [free[j]]]
    return None


def _second_line(box: Rect, line: Word, free: list[Word], taken: set[int], scene: _Scene) -> list[Word]:
    """A one-line label centred on its box and reaching its bottom edge (a name printed over
    the foot of a Visio picture, "125" on the users icon) whose second line went on below
    it: the free line just under it, centred on it in the same print, no connector's label
    (a colour key's entry set left in its swatch, with the key's title under it, is not). Returns it
    (claimed), or nothing."""
    h = line.bbox[3] - line.bbox[1]
    cx = (line.bbox[0] + line.bbox[2]) / 2
    if box[3] - line.bbox[3] > 0.1 * h or abs(cx - (box[0] + box[2]) / 2) > h / 3:
        return []  # the label stops short of the bottom edge, or is not centred on the box
    near = [(w.bbox[1] - line.bbox[3], i) for i, w in enumerate(free)
            if i not in taken and not w.vertical and abs(w.size - line.size) <= _SIZE_TOL * max(line.size, 1e-6)
            and -0.4 * h <= w.bbox[1] - line.bbox[3] <= 0.6 * h and (w.bbox[1] + w.bbox[3]) / 2 > box[3]
            and abs((w.bbox[0] + w.bbox[2]) / 2 - cx) <= _ALIGN_TOL * h]
    if not near:
        return []
    _, i = min(near)
    if not scene.clear([free[i]], box, h):
        return []
    taken.add(i)
    return [free[i]]


def _mid(words: Sequence[Word]) -> float:
    return (min(w.bbox[1] for w in words) + max(w.bbox[3] for w in words)) / 2


class _Scene:
    """What a line below a box must keep clear of: the other boxes and the connectors."""

    def __init__(self, boxes: Sequence[Rect], connectors: Sequence[Sequence[Point]]) -> None:
        self.boxes = boxes
        self.lines = [(U.poly_len(pts), list(pairwise(pts))) for pts in connectors]

    def clear(self, line: list[Word], own: Rect, h: float) -> bool:
        """No other box covers the line, and no connector (a line longer than two text
        lines: shorter strokes are glyphs traced from a raster) runs within half a line of it."""
        r = U.block_rect(line)
        if any(b is not own and U.overlap_area(r, b) > _COVERED * U.area(r) for b in self.boxes):
            return False
        near = U.expand(r, 0.5 * h)
        return not any(length >= 2 * h and any(U.clip_segment(a, b, near) for a, b in segs)
                       for length, segs in self.lines)


def _centred(box: Rect, lines: list[list[Word]]) -> bool:
    """Every line centred on the box's middle (within a third of a line height), as a slide's
    or a shape's centred text is; an indented listing's lines start at one margin instead."""
    middle = (box[0] + box[2]) / 2
    for ln in lines:
        r = U.block_rect(ln)
        if abs((r[0] + r[2]) / 2 - middle) > (r[3] - r[1]) / 3:
            return False
    return True


def _first_run(row: list[Word], gap: float) -> list[Word]:
    """The words of a row from its left end up to the first gap wider than ``gap`` (what lies
    beyond is other text on the same level)."""
    row = sorted(row, key=lambda w: w.bbox[0])
    for k in range(1, len(row)):
        if row[k].bbox[0] - max(w.bbox[2] for w in row[:k]) > gap:
            return row[:k]
    return row


def _indented_block(box: Rect, lines: list[list[Word]], free: list[Word], taken: set[int],
                    scene: _Scene, ocr: bool) -> list[Word]:
    """Free lines that carry an indented label on past the bottom of ``box``: each one pitch
    (or a blank line) below the last, starting between the label's left margin and the
    middle of the box, inside the box's width, in the label's font size, covered by no
    other box and clear of connectors."""
    size_tol, pitch_tol = (_OCR_SIZE_TOL, _OCR_PITCH_TOL) if ocr else (_SIZE_TOL, _PITCH_TOL)
    if _centred(box, lines):
        return []  # a centred label (a slide's title over its body) is no listing
    mids = [_mid(ln) for ln in lines]
    steps = sorted(b - a for a, b in pairwise(mids) if b > a)
    if not steps:
        return []
    pitch = steps[len(steps) // 4]  # listings leave blank lines: the lower steps are the pitch
    if box[3] - max(w.bbox[3] for w in lines[-1]) > (1 + _EDGE_TOL) * pitch:
        return []  # the label stops short of the bottom edge (by more than a blank line)
    h = median_high([max(w.bbox[3] for w in ln) - min(w.bbox[1] for w in ln) for ln in lines])
    size = median_high([w.size for ln in lines for w in ln])
    left = min(w.bbox[0] for ln in lines for w in ln) - _ALIGN_TOL * h
    right = box[2] + _ALIGN_TOL * h
    cands = [i for i, w in enumerate(free) if i not in taken and not w.vertical
             and (w.bbox[1] + w.bbox[3]) / 2 > box[3] and left <= w.bbox[0] < box[2]
             and w.bbox[2] <= right and abs(w.size - size) <= size_tol * max(size, 1e-6)]
    rows = _lines([free[i] for i in cands])
    index = {id(free[i]): i for i in cands}
    got: list[Word] = []
    y = mids[-1]
    middle = (box[0] + box[2]) / 2
    for words in rows:
        row = _first_run(words, 2 * h)
        step = _mid(row) - y
        if not any(abs(step - k * pitch) <= pitch_tol * pitch for k in (1, 2)):
            break  # a gap in the block (or a line out of step): the overflow ended
        if row[0].bbox[0] > middle or not scene.clear(row, box, h):
            break  # a left-set line starts in the box's left half; past it is other text
        taken.update(index[id(w)] for w in row)
        got.extend(row)
        y = _mid(row)
    return got


def _centred_in(box: Rect, words: list[Word], pitch: float) -> bool:
    """The words' lines centred on the box's middle, to within half a line pitch."""
    mid = (min(w.bbox[1] for w in words) + max(w.bbox[3] for w in words)) / 2
    return abs(mid - (box[1] + box[3]) / 2) <= 0.5 * pitch


def _one_font(lines: list[list[Word]], ocr: bool) -> bool:
    """All lines in one font size: within 15 %, or for OCR boxes (as tall as their glyphs)
    the lines of three or more characters within OCR's size tolerance of their median."""
    if not ocr:
        sizes = [w.size for ln in lines for w in ln]
        return max(sizes) <= (1 + _SIZE_TOL) * min(sizes)
    size = _label_size(lines)
    return all(abs(w.size - size) <= _OCR_SIZE_TOL * size
               for ln in lines for w in ln if len(w.text.strip()) >= 3)


def claim_overflow(boxes: Sequence[tuple[Rect, list[Word]]], free: list[Word],
                   connectors: Sequence[Sequence[Point]] = (), ocr: bool = False) -> list[Word]:
    """Give each box's label the free lines that run over its edge; the rest come back.

    ``boxes`` pairs each node's outline with its label words (extended in place);
    ``connectors`` are the lines drawn between them (polylines), whose labels are not
    overflow; ``ocr`` says the words were read from pixels (their sizes are measured).
    """
    taken: set[int] = set()
    scene = _Scene([b for b, _ in boxes], connectors)
    for box, words in boxes:
        if not words or any(w.vertical for w in words):
            continue
        lines = _lines(words)
        if len(lines) == 1 and len(lines[0]) == 1:
            spilt = _centred_over_both(box, lines[0][0], free, taken)
            if spilt:
                words.extend((spilt[0][0], spilt[2][0]))
                lines = spilt
            else:
                words.extend(_second_line(box, lines[0][0], free, taken, scene))
        if len(lines) < 2:
            continue  # one line gives no pitch to follow (and a short label fits its box)
        column = _column(lines)
        # a mixed-font label (a title over a body) forms no single column to follow
        if column is not None and _one_font(lines, ocr):
            below = _grow(box, lines, column, free, True, taken, ocr)
            # text runs over the top only when it is centred (in the middle of its box, it
            # runs over both edges, and over the top alone when the box sits low)
            above = _grow(box, lines, column, free, False, taken, ocr) if below or column == 1 else []
            if ocr and above and not _centred_in(box, words + below + above, _pitch(lines)):
                # (OCR's looser size and pitch match lets a centred title above the box pass
                # for overflow: text run over both edges stays centred on the box)
                taken.difference_update(i for i, w in enumerate(free) if any(w is a for a in above))
                above = []
            words.extend(below + above)
            if below or column == 1:
                continue  # (a centred label's overflow is centred too)
        words.extend(_indented_block(box, lines, free, taken, scene, ocr))
    return [w for i, w in enumerate(free) if i not in taken]
