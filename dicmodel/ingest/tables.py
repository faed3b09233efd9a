"""Ruled tables -> Markdown table blocks (PyMuPDF ``find_tables``), gated to stay fast.

``find_tables`` costs tens to hundreds of milliseconds per page even when a page holds no
table (it rebuilds every character in Python), and in PyMuPDF 2 it also runs the layout network
unless told not to. Ruled tables need rules, so it is only called on pages whose drawings hold
at least two horizontal and two vertical rules, and only inside the region those rules cover.
Candidates that hold arrowheads or curves (a sequence chart's lifelines and messages also form a
grid) or whose cells are mostly empty are left to figure detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .pdf import Rect

__all__ = ["Table", "find_tables", "is_grid_like", "markdown_table", "rules"]

_MIN_RULE = 12.0  # pt: shorter segments are glyph parts, arrowheads or ticks


@dataclass
class Table:
    bbox: Rect  # unrotated frame (as PyMuPDF reports it)
    markdown: str
    rows: int
    cols: int


def rules(drawings: list[dict[str, Any]]) -> tuple[list[Rect], list[Rect]]:
    """Axis-parallel horizontal and vertical rules (as thin rects) among the drawings."""
    hs: list[Rect] = []
    vs: list[Rect] = []
    for d in drawings:
        for it in d["items"]:
            op = it[0]
            if op == "l":
                (x0, y0), (x1, y1) = it[1], it[2]
                _add_segment(hs, vs, x0, y0, x1, y1)
            elif op == "re":
                x0, y0, x1, y1 = it[1]
                if abs(y1 - y0) < 2.5:  # a thin filled bar is a rule
                    _add_segment(hs, vs, x0, y0, x1, y0)
                elif abs(x1 - x0) < 2.5:
                    _add_segment(hs, vs, x0, y0, x0, y1)
                else:
                    for seg in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                        _add_segment(hs, vs, *seg)
    return hs, vs


def _add_segment(hs: list[Rect], vs: list[Rect], x0: float, y0: float, x1: float, y1: float) -> None:
    if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= _MIN_RULE:
        hs.append((min(x0, x1), y0, max(x0, x1), y0))
    elif abs(x1 - x0) < 0.5 and abs(y1 - y0) >= _MIN_RULE:
        vs.append((x0, min(y0, y1), x0, max(y0, y1)))


def find_tables(page: Any, drawings: list[dict[str, Any]], regions: list[Rect],
                spans: list[tuple[Rect, str]]) -> list[Table]:
    """Tables inside ``regions`` (boxes of rule-only drawing clusters); PyMuPDF runs only there.

    The line strategy needs vertical rules between columns; tables ruled only between rows (RFC
    and booktabs style) are retried with columns found from the text alignment.
    """
    out: list[Table] = []
    for region in regions:
        hs, vs = rules([d for d in drawings if _within(d["rect"], region)])
        rows = _full_rows(hs, region)
        if rows < 2:
            continue
        clip = (region[0] - 2, region[1] - 2, region[2] + 2, region[3] + 2)
        # without rules between columns the line strategy cannot succeed: skip that (costly) try
        inner = any(region[0] + 3 < v[0] < region[2] - 3 for v in vs)
        found = page.find_tables(clip=clip, use_layout=False).tables if inner else []
        if not found and rows >= 3:
            found = page.find_tables(clip=clip, use_layout=False, vertical_strategy="text").tables
        for tab in found:
            table = _accept(tab, drawings, spans)
            if table is not None:
                out.append(table)
    return out


def _within(r: Any, box: Rect, tol: float = 2.0) -> bool:
    return r[0] >= box[0] - tol and r[1] >= box[1] - tol and r[2] <= box[2] + tol and r[3] <= box[3] + tol


def _full_rows(hs: list[Rect], region: Rect) -> int:
    """How many y positions carry horizontal rules covering most of the region's width."""
    width = max(region[2] - region[0], 1.0)
    cover: dict[int, float] = {}
    for x0, y, x1, _ in hs:
        key = round(y)
        cover[key] = cover.get(key, 0.0) + (x1 - x0)
    merged: list[tuple[int, float]] = []
    for key in sorted(cover):
        if merged and key - merged[-1][0] <= 1:
            merged[-1] = (merged[-1][0], merged[-1][1] + cover[key])
        else:
            merged.append((key, cover[key]))
    return sum(1 for _, c in merged if c >= 0.8 * width)


def is_grid_like(inks: list[Any]) -> bool:
    """A cluster of axis-parallel art only (rules, cell borders, shadings): maybe a table."""
    if any(k.curved for k in inks):
        return False
    return sum(k.axis_rects for k in inks) >= 4


def _accept(tab: Any, drawings: list[dict[str, Any]], spans: list[tuple[Rect, str]]) -> Table | None:
    rows, cols = tab.row_count, tab.col_count
    if rows < 2 or cols < 2:
        return None
    cells = _cell_texts(tab, spans)
    filled = sum(1 for row in cells for c in row if c and str(c).strip())
    if filled < 0.5 * rows * cols:
        return None
    bbox = tuple(tab.bbox)
    if _has_diagram_marks(bbox, drawings):
        return None
    return Table(bbox=bbox, markdown=to_markdown(cells), rows=rows, cols=cols)  # type: ignore[arg-type]


def _cell_texts(tab: Any, spans: list[tuple[Rect, str]]) -> list[list[str]]:
    """Cell text from the page's spans (centre in cell), in reading order.

    PyMuPDF's ``extract`` rebuilds text from characters and can lose word spaces; the spans the
    page scan already holds keep them and cost nothing more.
    """
    out: list[list[str]] = []
    for row in tab.rows:
        texts = []
        for c in row.cells:
            if c is None:
                texts.append("")
                continue
            inside = [(b, t) for b, t in spans
                      if c[0] <= (b[0] + b[2]) / 2 <= c[2] and c[1] <= (b[1] + b[3]) / 2 <= c[3]]
            inside.sort(key=lambda s: (round(s[0][1]), s[0][0]))
            texts.append(" ".join(t.strip() for _, t in inside))
        out.append(texts)
    return out


def to_markdown(cells: list[list[Any]]) -> str:
    """GitHub Markdown table; the first row is the header (PyMuPDF's own header guess can pull
    in the text line above the table, so it is not used)."""
    def cell(c: Any) -> str:
        return " ".join(str(c or "").split()).replace("|", "\\|")

    width = max(len(r) for r in cells)
    rows = [[cell(c) for c in r] + [""] * (width - len(r)) for r in cells]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def _has_diagram_marks(bbox: tuple[float, ...], drawings: list[dict[str, Any]]) -> bool:
    """Curves, diagonals or filled triangles inside: a diagram drawn on a grid, not a table."""
    x0, y0, x1, y1 = bbox
    marks = 0
    for d in drawings:
        r = d["rect"]
        if r[0] < x0 - 1 or r[1] < y0 - 1 or r[2] > x1 + 1 or r[3] > y1 + 1:
            continue
        for it in d["items"]:
            if it[0] == "c":
                marks += 1
            elif it[0] == "l":
                (ax, ay), (bx, by) = it[1], it[2]
                if abs(ax - bx) > 0.5 and abs(ay - by) > 0.5:
                    marks += 1
        if marks >= 3:
            return True
    return False


def markdown_table(rows: list[list[str]]) -> str | None:
    """Rows of cell texts -> a Markdown table (first row as header); None when empty."""
    rows = [[" ".join(c.split()).replace("|", "\\|") for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)
