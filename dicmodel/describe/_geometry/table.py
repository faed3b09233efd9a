"""Tables drawn as pictures: ruled grids of text, told apart from diagrams that also have
long horizontal and vertical strokes (call flows, records, framed drawings).

A table is found from its rulings, vector strokes and the edges of rectangles alike (a cell
drawn as its own box gives four edges; collinear pieces that touch are joined into one rule):

- three or more horizontal rules with the same left and right ends (the row rules), and
  vertical rules at both ends that close the frame from the first to the last row rule;
- no vertical stroke crosses the frame's top or bottom rule inside it (a call flow's
  lifelines run on past the bars drawn across them) and no arrowhead lies inside it;
- two or more rows hold text, and the text stands in two or more columns in at least half of
  them; the columns are the vertical rules inside the frame or, where a table has none (a
  scan that lost its thin column rules), the gaps that run through the text of every row;
- a top band with text that no column rule cuts, over rows that are cut (or, with no column
  rules, whose text fills one cell only), is a record's title (an ER entity, a UML class), not
  a table's header row.

The figure is a table when its tables hold most of its text and little drawing lies outside
them (captions such as "(a) Direct table." may). Cells are read between the rules, and the
prose carries each table as a Markdown table: what a table can honestly say, with no graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _util as U
from .primitives import Primitives, Rect, Word

__all__ = ["Table", "find_tables", "table_figure", "tables_prose"]

Seg = tuple[float, float, float]  # (position across, start, end)


@dataclass
class Table:
    box: Rect
    rows: list[float]  # row rules, top to bottom
    cols: list[float]  # column bounds, left to right (frame sides included)
    cells: list[list[str]] = field(default_factory=list)  # rows with text, top to bottom


def _tol(prims: Primitives) -> float:
    return max(2.0, 0.3 * U.median_height(prims.words))


def _join(segs: list[Seg], tol: float) -> list[Seg]:
    """Collinear pieces that touch or overlap become one rule."""
    out: list[Seg] = []
    for pos, a, b in sorted(segs):
        for k, (p2, a2, b2) in enumerate(out):
            if abs(p2 - pos) <= tol and a <= b2 + tol and b >= a2 - tol:
                out[k] = ((p2 + pos) / 2, min(a, a2), max(b, b2))
                break
        else:
            out.append((pos, a, b))
    return out


def rulings(prims: Primitives, tol: float) -> tuple[list[Seg], list[Seg]]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules: straight strokes and the edges
    of rectangles, collinear pieces joined."""
    hs: list[Seg] = []
    vs: list[Seg] = []
    for p in prims.paths:
        for a, b in zip(p.points, p.points[1:]):
            if abs(a[1] - b[1]) <= 0.5 * tol and abs(a[0] - b[0]) > tol:
                hs.append(((a[1] + b[1]) / 2, min(a[0], b[0]), max(a[0], b[0])))
            elif abs(a[0] - b[0]) <= 0.5 * tol and abs(a[1] - b[1]) > tol:
                vs.append(((a[0] + b[0]) / 2, min(a[1], b[1]), max(a[1], b[1])))
    for s in prims.shapes:
        if s.kind != "rect" or not s.stroked:
            continue
        x0, y0, x1, y1 = s.bbox
        hs += [(y0, x0, x1), (y1, x0, x1)]
        vs += [(x0, y0, y1), (x1, y0, y1)]
    return _join(hs, tol), _join(vs, tol)


def _dedupe(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _closed(vs: list[Seg], x: float, top: float, bottom: float, tol: float) -> bool:
    return any(abs(v[0] - x) <= tol and v[1] <= top + tol and v[2] >= bottom - tol for v in vs)


def _text_bounds(words: list[Word], lo: float, hi: float, gap: float, axis: int) -> list[float]:
    """Bounds of the columns (``axis`` 0) or rows (1) that the text leaves open between
    ``lo`` and ``hi`` (projection gaps at least ``gap`` wide)."""
    spans = sorted((max(lo, w.bbox[axis]), min(hi, w.bbox[axis + 2])) for w in words)
    bounds, reach = [lo], lo
    for a, b in spans:
        if a - reach >= gap and reach > lo:
            bounds.append((a + reach) / 2)
        reach = max(reach, b)
    return bounds + [hi]


def _grid(prims: Primitives, frame: Rect, rows: list[float], vs: list[Seg], tol: float
          ) -> Table | None:
    x0, top, x1, bottom = frame
    if any(U.inside(U.center(a.bbox), frame) for a in prims.arrowheads):
        return None
    inner = [v for v in vs if x0 + tol < v[0] < x1 - tol and v[2] > top + tol and v[1] < bottom - tol]
    if any(v[1] < top - 2 * tol or v[2] > bottom + 2 * tol for v in inner):
        return None  # a line runs on through the frame: lifelines under bars, not column rules
    words = [w for w in prims.words if U.inside(U.center(w.bbox), frame)]
    h = U.median_height(words)
    if inner:
        cols = [x0] + _dedupe([v[0] for v in inner], 3 * tol) + [x1]
    else:
        cols = _text_bounds(words, x0, x1, max(tol, 0.3 * h), 0)
    bands = list(zip(rows, rows[1:]))
    cells = [[U.block_text([w for w in words if a <= U.center(w.bbox)[1] <= b
                            and c0 <= U.center(w.bbox)[0] <= c1]) for c0, c1 in zip(cols, cols[1:])]
             for a, b in bands]
    texted = [r for r in cells if any(r)]
    if len(cols) < 3 or len(texted) < 2 or sum(1 for r in texted if sum(1 for c in r if c) >= 2) < 0.5 * len(texted):
        return None
    if any(cells[0]) and (_titled(inner, bands, tol) if inner else
                          sum(1 for c in cells[0] if c) == 1 and len(texted) > 1):
        return None  # a record's title over its rows (an ER entity, a UML class)
    return Table(box=frame, rows=rows, cols=cols, cells=texted)


def _empty_frame_rows(prims: Primitives, frame: Rect, hs: list[Seg], vs: list[Seg], tol: float
                      ) -> list[float]:
    """Row bounds of a frame that holds nothing but text and shading (its rows told apart by
    shading alone), from the gaps between its lines of text; [] when anything else is drawn
    inside."""
    inner = U.expand(frame, -2 * tol)
    if any(inner[1] < y < inner[3] and x1 > inner[0] and x0 < inner[2] for y, x0, x1 in hs) or \
            any(inner[0] < x < inner[2] and y1 > inner[1] and y0 < inner[3] for x, y0, y1 in vs) or \
            any(s.stroked and U.contains(inner, s.bbox, 0) for s in prims.shapes):
        return []
    words = [w for w in prims.words if U.inside(U.center(w.bbox), frame)]
    return _text_bounds(words, frame[1], frame[3], 0.5 * U.median_height(words), 1)


def _titled(inner: list[Seg], bands: list[tuple[float, float]], tol: float) -> bool:
    """No column rule cuts the top band, while some cut the bands below: a record's title."""
    top = bands[0]
    cut_top = any(v[1] < top[1] - tol and v[2] > top[0] + tol for v in inner)
    return not cut_top and len(bands) > 1


def find_tables(prims: Primitives) -> list[Table]:
    """The ruled tables of a figure (see the module docstring), top to bottom."""
    tol = _tol(prims)
    h = U.median_height(prims.words)
    hs, vs = rulings(prims, tol)
    hs = [s for s in hs if s[2] - s[1] >= 3 * h]
    groups: list[list[Seg]] = []
    for s in sorted(hs, key=lambda s: (s[1], s[2], s[0])):
        for g in groups:
            if abs(g[0][1] - s[1]) <= 2 * tol and abs(g[0][2] - s[2]) <= 2 * tol:
                g.append(s)
                break
        else:
            groups.append([s])
    out = []
    for g in groups:
        rows = _dedupe([s[0] for s in g], tol)
        x0, x1 = min(s[1] for s in g), max(s[2] for s in g)
        if len(rows) < 2 or not (_closed(vs, x0, rows[0], rows[-1], 2 * tol)
                                 and _closed(vs, x1, rows[0], rows[-1], 2 * tol)):
            continue
        if len(rows) == 2:  # a frame with shaded rows and no rules inside: rows from the text
            rows = _empty_frame_rows(prims, (x0, rows[0], x1, rows[1]), hs, vs, tol)
            if len(rows) < 3:
                continue
        t = _grid(prims, (x0, rows[0], x1, rows[-1]), rows, vs, tol)
        if t is not None and not any(U.contains(o.box, t.box, tol) for o in out):
            out = [o for o in out if not U.contains(t.box, o.box, tol)] + [t]
    return sorted(out, key=lambda t: (round(t.box[1] / (4 * tol)), t.box[0]))


def table_figure(prims: Primitives) -> list[Table]:
    """The figure's tables when the figure is a table (or a few side by side): they hold most
    of its text and no more than two long strokes lie outside them; else []."""
    tables = find_tables(prims)
    if not tables:
        return []
    tol = _tol(prims)
    boxes = [U.expand(t.box, tol) for t in tables]
    inside = sum(1 for w in prims.words if any(U.inside(U.center(w.bbox), b) for b in boxes))
    if inside < 0.7 * len(prims.words):
        return []
    hs, vs = rulings(prims, tol)
    h = U.median_height(prims.words)
    loose = [r for r in [(x0, y, x1, y) for y, x0, x1 in hs] + [(x, y0, x, y1) for x, y0, y1 in vs]
             if max(r[2] - r[0], r[3] - r[1]) >= 3 * h and not _border(r, prims, tol)
             and not any(U.contains(b, r, 0) for b in boxes)]
    if len(loose) > 2 or any(not any(U.inside(U.center(a.bbox), b) for b in boxes) for a in prims.arrowheads):
        return []
    return tables


def _border(r: Rect, prims: Primitives, tol: float) -> bool:
    """A rule on the figure's own edge (a frame round the whole figure)."""
    return (r[2] - r[0] < tol and min(r[0], prims.width - r[0]) <= 2 * tol) or \
        (r[3] - r[1] < tol and min(r[1], prims.height - r[1]) <= 2 * tol)


def _markdown(cells: list[list[str]]) -> str:
    def row(r: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") or " " for c in r) + " |"

    return "\n".join([row(cells[0]), "|" + "---|" * len(cells[0])] + [row(r) for r in cells[1:]])


def tables_prose(prims: Primitives, tables: list[Table]) -> str:
    """Each table's size and its cells as a Markdown table (first row as the header), then the
    text outside the tables (captions, notes)."""
    parts = []
    for k, t in enumerate(tables):
        name = f"Table {k + 1} of {len(tables)}" if len(tables) > 1 else "A table"
        parts.append(f"{name} drawn as a picture, with {len(t.cells)} rows and {len(t.cols) - 1} "
                     f"columns (cells read from its rules and the gaps in its text):\n\n{_markdown(t.cells)}\n")
    rest = [w for w in prims.words if not any(U.inside(U.center(w.bbox), t.box) for t in tables)]
    texts = [U.block_text(b) for b in U.text_blocks(rest)]
    if texts:
        parts.append("Text outside the tables: " + "; ".join(f'"{t}"' for t in texts) + ".")
    return "\n".join(parts).strip()
