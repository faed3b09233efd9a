"""Text that a line runs straight through: the line's own text.

Visio (and LibreOffice printing a Visio page) puts the text of a 1-D shape at the middle of
the line and draws the line through it when the text has no background: a selector line
under a multiplexer, a signal named on its wire. Such a word is the line's, even when it
happens to lie inside the bounding box of a shape the line starts from (a trapezoid's box
holds its slanted corner's empty space): the word's middle sits on the line, and the line
goes on past the word on both sides. A shape's own text is not crossed by lines: connectors
stop at the outline, and underlines run below the text, strike-throughs no farther than it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from . import _util as U
from .primitives import Point, Rect, Word

__all__ = ["pierced_words", "runs_through"]

_ON_MIDDLE = 0.25   # the line passes within this fraction of the word's height of its middle
_PAST = 0.5         # ... and goes on this many word heights beyond the word on both sides
_MIDDLE = 0.2       # ... and the word sits in the middle of the line, where the tools put
                    # a line's text (a guide or separator crossing the page crosses text anywhere)


def runs_through(w: Word, pts: Sequence[Point]) -> bool:
    x0, y0, x1, y1 = w.bbox
    h = y1 - y0
    c = U.center(w.bbox)
    total = U.poly_len(pts)
    done = 0.0  # length of the line before the segment
    for a, b in pairwise(pts):
        step = U.dist(a, b)
        done += step
        if U.seg_dist(c, a, b) > _ON_MIDDLE * h:
            continue
        vx, vy = b[0] - a[0], b[1] - a[1]
        n = (vx * vx + vy * vy) ** 0.5
        if n == 0:
            continue
        ux, uy = vx / n, vy / n
        # the word's half extent along the line, and how far the segment reaches either way
        half = 0.5 * (abs(ux) * (x1 - x0) + abs(uy) * h)
        t_a = (a[0] - c[0]) * ux + (a[1] - c[1]) * uy
        t_b = (b[0] - c[0]) * ux + (b[1] - c[1]) * uy
        at = done - step - t_a  # where along the line the word's middle lies
        if t_a <= -(half + _PAST * h) and t_b >= half + _PAST * h \
                and abs(at - 0.5 * total) <= _MIDDLE * total:
            return True
    return False


def _runs_out(pts: Sequence[Point], box: Rect, h: float) -> bool:
    a_in, b_in = U.inside(pts[0], box, 1.0), U.inside(pts[-1], box, 1.0)
    out = pts[-1] if a_in else pts[0]
    return a_in != b_in and U.rect_dist(out, box) >= h


def pierced_words(words: Sequence[Word], lines: Sequence[Sequence[Point]],
                  boxes: Sequence[Rect]) -> set[int]:
    """Indices of the (horizontal) words that one of ``lines`` runs straight through. A word
    inside one of ``boxes`` (the shapes' outlines) is the line's only when the line runs out
    of that box (one end in it, the other a word's height or more outside it): a line that
    crosses the whole shape (a guide, a lane separator, a connector drawn over it) or stays
    inside it (hatching, whose strokes overshoot the outline a little) leaves the shape its
    text. A word that two distinct lines run through (hatching) stays where it is."""
    grid = U.Grid(cell=40.0)
    for k, pts in enumerate(lines):
        grid.add(k, U._bbox_pts(pts))
    out = set()
    for i, w in enumerate(words):
        if w.vertical:
            continue
        c = U.center(w.bbox)
        home = [b for b in boxes if U.inside(c, b)]
        through = [lines[k] for k in sorted(grid.near(w.bbox)) if runs_through(w, lines[k])]
        if through and all(_same_line(through[0], t) for t in through[1:]) \
                and all(_runs_out(through[0], b, w.bbox[3] - w.bbox[1]) for b in home):
            out.add(i)
    return out


def _same_line(a: Sequence[Point], b: Sequence[Point]) -> bool:
    """One line stroked twice (its ends within 2 pt, either way round); two distinct lines
    through one word are hatching or a crossing, not a line and its text."""
    ends = (a[0], a[-1])
    return any(U.dist(ends[0], p) <= 2.0 and U.dist(ends[1], q) <= 2.0
               for p, q in ((b[0], b[-1]), (b[-1], b[0])))
