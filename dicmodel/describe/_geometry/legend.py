"""Legends: the key of a figure's colours, not elements of its graph.

A vendor or Visio diagram often keys its colours in a corner: a few small boxes, each filled
with one of the figure's colours and holding a word or two ("bridge", "router", "tunnel"). The
engine reads them as boxes like any other, and since no connector reaches them they ended up
as "Unconnected elements: bridge, router, tunnel" -- which tells a reader nothing and hides
what the key says: which elements are bridges and which are routers.

A legend is recognised from what makes it one, measured, not from its words:

- two or more boxes no connector reaches, each with a short label (a legend names a class),
- lined up in one column or one row, close together (a key is one compact block),
- each filled with a colour of its own (distinct from each other; one may be the paper's white),
- set apart: no other element right beside the block, nothing else in a container it is in,
- and the colours recur: at least two of them fill elements of the graph itself (a colour
  key keys something; a row of loose boxes that merely share a tint keys nothing).

What it gives: the entries stay nodes (they are labelled shapes of the figure) but are
grouped as the legend; the reading's notes say each entry's colour, and which elements of the
graph carry it ("bridge (green): Ingress vlan filtering Table, ...").
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import _util as U
from .primitives import Arrowhead, Path, Primitives, Rect, Shape, Word

__all__ = ["Legend", "colour_name", "find_legend", "read_key"]

RGB = tuple[float, float, float]

_MAX_WORDS = 4       # a legend entry names a class: a word or a few
_MAX_CHARS = 32
_SAME = 0.10         # two fills this close (largest channel difference, 0-1) are one colour
_DISTINCT = 0.15     # legend entries differ from each other by more than this
_GAP = 1.6           # entries are at most this many entry heights apart (edge to edge)
_ALIGN = 0.35        # ... and line up within this share of an entry's size
_ALIKE = 0.2         # ... and differ in size by at most this share (twice it the other way)


class _Box(Protocol):
    bbox: Rect
    words: list[Word]
    is_group: bool
    note: bool
    text_only: bool
    parent: int | None
    children: list[int]
    colour: RGB | None


@dataclass
class Legend:
    """The entries (node indices, in reading order), per entry the graph's elements that carry
    its colour, and free lines of text right beside the key (its title, "legend")."""

    entries: list[int]
    keyed: dict[int, list[int]]
    titles: list[int] = field(default_factory=list)


def colour_name(c: RGB) -> str:
    """A plain name for a fill colour ("green", "light blue", "dark grey")."""
    h, s, v = colorsys.rgb_to_hsv(*c)
    if max(c) - min(c) < 0.08 or v < 0.12:  # (chroma: draw.io's pastels are faint but coloured)
        if v >= 0.92:
            return "white"
        if v < 0.2:
            return "black"
        return "light grey" if v >= 0.7 else "dark grey" if v < 0.4 else "grey"
    hue = h * 360.0
    for top, name in ((15, "red"), (40, "orange"), (70, "yellow"), (165, "green"), (195, "teal"),
                      (255, "blue"), (290, "purple"), (345, "pink"), (361, "red")):
        if hue < top:
            break
    if v < 0.45:
        return f"dark {name}"
    if s < 0.4 and v >= 0.8:
        return f"light {name}"
    return name


def _same(a: RGB, b: RGB, tol: float) -> bool:
    return max(abs(x - y) for x, y in zip(a, b)) <= tol


def _blank(c: RGB) -> bool:
    """White or nearly: the paper, not a colour a key could name."""
    return min(c) >= 0.94


def _entry(n: _Box) -> bool:
    if n.is_group or n.note or not n.words or n.colour is None:
        return False
    text = U.block_text(n.words)
    return len(text.split()) <= _MAX_WORDS and len(text) <= _MAX_CHARS and \
        sum(ch.isalpha() for ch in text) >= 2


def _runs(idx: list[int], nodes: Sequence[_Box]) -> list[list[int]]:
    """Columns and rows of candidate boxes, each a run of close, lined-up neighbours."""
    out: list[list[int]] = []
    for axis in (1, 0):  # columns (stacked top to bottom), then rows (left to right)
        other = 1 - axis
        seen: set[int] = set()
        for k in sorted(idx, key=lambda i: nodes[i].bbox[axis]):
            if k in seen:
                continue
            run = [k]
            while True:
                last = nodes[run[-1]].bbox
                size = last[axis + 2] - last[axis]
                span = last[other + 2] - last[other]
                # (a key's entries are alike: the same width down a column, the same height
                # along a row, and about the same size the other way)
                nxt = [j for j in idx if j not in run and j not in seen
                       and 0 <= nodes[j].bbox[axis] - last[axis + 2] + 1.0 <= _GAP * size + 1.0
                       and abs(U.center(nodes[j].bbox)[other] - U.center(last)[other]) <= _ALIGN * span
                       and abs((nodes[j].bbox[other + 2] - nodes[j].bbox[other]) - span) <= _ALIKE * span
                       and abs((nodes[j].bbox[axis + 2] - nodes[j].bbox[axis]) - size) <= 2 * _ALIKE * size]
                if not nxt:
                    break
                run.append(min(nxt, key=lambda j: nodes[j].bbox[axis]))
            if len(run) >= 2:
                seen.update(run)
                out.append(run)
    return out


def _block(run: list[int], nodes: Sequence[_Box]) -> tuple[Rect, float]:
    """The key's block and its entries' least height."""
    return (_extent([nodes[k].bbox for k in run]),
            min(nodes[k].bbox[3] - nodes[k].bbox[1] for k in run))


def _set_apart(run: list[int], nodes: Sequence[_Box]) -> bool:
    """A key is a block of its own: no other element sits right beside it (cells of a grid
    coloured by column are not a key of the rest), and a container it is drawn in holds
    nothing else."""
    box, h = _block(run, nodes)
    near = U.expand(box, h)
    for j, m in enumerate(nodes):
        if j in run or m.is_group or m.note or m.text_only:
            continue  # (a free line of text beside it is its title: "legend", "key")
        if U.overlap_area(near, m.bbox) > 0 and not U.contains(m.bbox, box):
            return False
    parents = {nodes[k].parent for k in run} - {None}
    return not any(c not in run and not nodes[c].note for p in parents for c in nodes[p].children)


def find_legend(nodes: Sequence[_Box], linked: set[int]) -> Legend | None:
    """The figure's colour key, if it has one (see the module doc). ``linked``: indices of the
    nodes some connector reaches."""
    idx = [k for k, n in enumerate(nodes) if k not in linked and _entry(n)]
    best: Legend | None = None
    for run in _runs(idx, nodes):
        if not _set_apart(run, nodes):
            continue
        # (a key may have a plain white entry, "Port/general" for what is drawn uncoloured)
        colours = [c for k in run if (c := nodes[k].colour) is not None and not _blank(c)]
        if len(colours) < 2 or any(_same(a, b, _DISTINCT) for i, a in enumerate(colours)
                                   for b in colours[i + 1:]):
            continue
        keyed: dict[int, list[int]] = {}
        for k in run:
            c = nodes[k].colour
            if c is None or _blank(c):
                continue
            keyed[k] = [j for j, m in enumerate(nodes) if j not in run and not m.note and m.words
                        and m.colour is not None and _same(m.colour, c, _SAME)
                        and not any(U.contains(m.bbox, nodes[e].bbox) for e in run)]
        if sum(1 for v in keyed.values() if v) >= 2 and (best is None or len(run) > len(best.entries)):
            box, h = _block(run, nodes)
            titles = [j for j, m in enumerate(nodes) if m.text_only and m.words
                      and len(U.block_text(m.words).split()) <= 2 and U.contains(U.expand(box, h), m.bbox)]
            best = Legend(sorted(run, key=lambda k: (nodes[k].bbox[1], nodes[k].bbox[0])), keyed, titles)
    return best


# ---- a figure that is a key of symbols ----------------------------------------------------

_SYMBOL_NAME = {"rect": "box", "round_rect": "rounded box", "ellipse": "ellipse", "circle": "circle",
                "diamond": "diamond", "hexagon": "hexagon", "cylinder": "cylinder", "cloud": "cloud",
                "parallelogram": "parallelogram", "polygon": "shape", "icon": "picture"}


def read_key(prims: Primitives) -> list[tuple[str, str]] | None:
    """A figure that is nothing but a key (3GPP call flows print one under the flow: a dashed
    box = "Optional procedure", "*" = "Sent on SRB1 ...", a dashed arrow = "Abstraction
    link"): its rows, each (the symbol in words, the text it stands for), top to bottom; None
    when the figure is anything else.

    Every line of text must have one symbol right before it on its row (a small shape, a
    short line or arrow, or a mark of one or two characters), the symbols in one column and
    the texts in another, two rows or more, and nothing else drawn but a frame round it all."""
    h = U.median_height(prims.words)
    texts = [w for w in prims.words if len(w.text.strip()) >= 3]
    marks = [w for w in prims.words if 0 < len(w.text.strip()) < 3]
    if len(texts) < 2 or len(texts) > 12:
        return None
    everything = _extent([w.bbox for w in prims.words] + [s.bbox for s in prims.shapes]
                         + [U._bbox_pts(p.points) for p in prims.paths])
    frame = [s for s in prims.shapes if U.contains(s.bbox, everything, tol=2.0)]
    shapes = [s for s in prims.shapes if s not in frame]
    if any(max(s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]) > 3.0 * h for s in shapes) or \
            any(U.poly_len(p.points) > 6.0 * h for p in prims.paths):
        return None  # something bigger than a symbol: a drawing, not a key
    symbols: list[tuple[Rect, str]] = [(s.bbox, _shape_words(s)) for s in shapes]
    symbols += [(U._bbox_pts(p.points), _line_words(p, prims.arrowheads, h)) for p in prims.paths]
    symbols += [(w.bbox, f'"{w.text.strip()}"') for w in marks]
    rows: list[tuple[float, str, str]] = []
    used: set[int] = set()
    for t in texts:
        cy = (t.bbox[1] + t.bbox[3]) / 2
        before = [k for k, (b, _) in enumerate(symbols) if k not in used and b[2] <= t.bbox[0] + 1.0
                  and t.bbox[0] - b[2] <= 4.0 * h and b[1] - 0.6 * h <= cy <= b[3] + 0.6 * h]
        if len(before) != 1:
            return None
        used.add(before[0])
        rows.append((cy, symbols[before[0]][1], t.text.strip()))
    if len(used) != len(symbols):
        return None  # a symbol with no text: not a key
    lefts = [t.bbox[0] for t in texts]
    if max(lefts) - min(lefts) > h:
        return None
    if len({sym for _, sym, _ in rows}) < len(rows):
        return None  # a key tells its symbols apart (the same bullet before every line is a list)
    return [(sym, text) for _, sym, text in sorted(rows)]


def _extent(boxes: list[Rect]) -> Rect:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _shape_words(s: Shape) -> str:
    colour = colour_name(s.fill) if s.filled and s.fill is not None else ""
    colour = "" if colour in ("white", "") else colour + " "
    return f"a {'dashed ' if s.dashed else ''}{colour}{_SYMBOL_NAME.get(s.kind, 'shape')}"


def _line_words(p: Path, heads: list[Arrowhead], h: float) -> str:
    ends = (p.points[0], p.points[-1])
    arrow = p.arrow_start or p.arrow_end or any(
        min(U.dist(a.tip, e) for e in ends) <= 0.5 * h for a in heads)
    return f"a {'dashed ' if p.dashed else ''}{'arrow' if arrow else 'line'}"
