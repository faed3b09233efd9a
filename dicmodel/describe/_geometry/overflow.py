"""Text that runs past the edge of its box.

Visio, LibreOffice and PowerPoint never clip a shape's text: a table of small print that does
not fit its box goes on below the box (and above it too, when the text is centred
vertically). Those lines are still the shape's label. They are recognised by how they
continue the label: the label reaches the box's edge, and the next line sits in the same
column, in the same font size, one line pitch (or one blank line) further on.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from .primitives import Rect, Word

__all__ = ["claim_overflow"]

_SIZE_TOL = 0.15     # same font: sizes within 15%
_ALIGN_TOL = 0.6     # same column: left edges (or centres) within 0.6 line heights
_EDGE_TOL = 0.6      # the label reaches the box edge: its last line within 0.6 pitch of it
_PITCH_TOL = 0.2     # the next line one or two pitches on (a blank line between), +-20%


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
    tops = [min(w.bbox[1] for w in ln) for ln in lines]
    steps = sorted(b - a for a, b in pairwise(tops) if b > a)
    return steps[len(steps) // 2]


def _on_pitch(step: float, pitch: float) -> bool:
    """One line on, or two (a blank line between), to within a fifth of the pitch."""
    return any(abs(step - k * pitch) <= _PITCH_TOL * pitch for k in (1, 2))


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


def _continues(w: Word, ref: Word, column: int, size: float, h: float) -> bool:
    """Same font size and same column as the reference line."""
    if w.vertical or abs(w.size - size) > _SIZE_TOL * max(size, 1e-6):
        return False
    return abs(_x(w, column) - _x(ref, column)) <= _ALIGN_TOL * h


def _grow(box: Rect, lines: list[list[Word]], column: int, free: list[Word], down: bool,
          taken: set[int]) -> list[Word]:
    """Free lines that continue the label past the bottom (``down``) or the top of ``box``."""
    pitch = _pitch(lines)
    ref = lines[-1][0] if down else lines[0][0]
    if (box[3] - ref.bbox[3] if down else ref.bbox[1] - box[1]) > _EDGE_TOL * pitch:
        return []  # the label stops short of the edge: nothing ran over it
    size = lines[0][0].size
    h = ref.bbox[3] - ref.bbox[1]
    got: list[Word] = []
    while True:
        top = ref.bbox[1]
        nxt = [i for i, w in enumerate(free) if i not in taken
               and _continues(w, ref, column, size, h)
               and _on_pitch((w.bbox[1] - top) if down else (top - w.bbox[1]), pitch)
               and w.bbox[0] < box[2] and w.bbox[2] > box[0]]
        if not nxt:
            return got
        first = min(nxt, key=lambda i: abs(free[i].bbox[1] - top))
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


def claim_overflow(boxes: Sequence[tuple[Rect, list[Word]]], free: list[Word]) -> list[Word]:
    """Give each box's label the free lines that run over its edge; the rest come back.

    ``boxes`` pairs each node's outline with its label words (extended in place).
    """
    taken: set[int] = set()
    for box, words in boxes:
        if not words or any(w.vertical for w in words):
            continue
        lines = _lines(words)
        if len(lines) == 1 and len(lines[0]) == 1:
            spilt = _centred_over_both(box, lines[0][0], free, taken)
            if spilt:
                words.extend((spilt[0][0], spilt[2][0]))
                lines = spilt
        column = _column(lines)
        if len(lines) < 2 or column is None:
            continue  # one line gives no pitch to follow (and a short label fits its box)
        sizes = {round(w.size, 1) for w in words}
        if max(sizes) > (1 + _SIZE_TOL) * min(sizes):
            continue  # a mixed-font label (a title over a body): no single column to follow
        below = _grow(box, lines, column, free, True, taken)
        # text runs over the top only when it is centred (in the middle of its box, it
        # runs over both edges, and over the top alone when the box sits low)
        above = _grow(box, lines, column, free, False, taken) if below or column == 1 else []
        words.extend(below + above)
    return [w for i, w in enumerate(free) if i not in taken]
