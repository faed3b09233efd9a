"""Page layout: running headers/footers, paragraphs, headings, list items, reading order.

All boxes are in the display frame (see :mod:`.pdf`). Reading order is a recursive cut: a
region splits into columns where a vertical gutter crosses all of it; otherwise into bands at
horizontal gaps, where consecutive bands that together still have a gutter are merged first so a
two-column region is read column by column (L1 L2 R1 R2), not row by row (L1 R1 L2 R2).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .pdf import Line, Rect

__all__ = ["Para", "body_style", "classify", "paragraphs", "reading_order", "running_lines"]

T = TypeVar("T")

_BAND = 0.1  # top/bottom fraction of the page where running headers and footers live
_PAGE_NO = re.compile(r"^(?:page\s*)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?"
                      r"(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[•◦▪▫‣●○■□◆◇►▶➢✓✔\-–—*·]\s+|\(?(?:\d{1,2}|[a-z])[.)]\s+)")
# A bullet drawn with a symbol font: Symbol/Wingdings glyphs land in the private use area
# (U+F0B7 Symbol bullet, U+F0A7 Wingdings square, U+F0D8 arrow, U+F0FC check...) or come out
# as U+FFFD when the font has no Unicode map; plus the Unicode bullet variants. At a line start
# they are list markers, written as "• " so that every exporter reads one bullet.
_GLYPH_BULLET = re.compile("^[\ue000-\uf8ff\ufffd\u2022\u2023\u2043\u2219\u25aa\u25ab\u25cf\u25cb"
                           "\u25a0\u25a1\u25c6\u25c7\u25e6\u2666\u25ba\u25b6\u27a2\u27a4\u2713"
                           "\u2714\u2756\u2981\u29be\u29bf\u00b7]\\s*")
_NUMBERED_HEADING = re.compile(r"^(?:(?:chapter|section|annex|appendix)\s+)?(\d+(?:\.\d+){0,5}|[A-Z](?:\.\d+){0,5})"
                               r"\.?\s+\S", re.IGNORECASE)
_COL_GAP = 8.0  # narrowest gutter (pt) that separates two columns


@dataclass
class Para:
    lines: list[Line]

    @property
    def bbox(self) -> Rect:
        return union_rect(ln.bbox for ln in self.lines)

    @property
    def text(self) -> str:
        return join_lines(ln.text for ln in self.lines)


def union_rect(rects: object) -> Rect:
    xs0, ys0, xs1, ys1 = zip(*rects)  # type: ignore[misc]
    return (min(xs0), min(ys0), max(xs1), max(ys1))


def join_lines(texts: object) -> str:
    """Join wrapped lines; a hyphen at a line end joins the word halves."""
    out = ""
    for t in texts:  # type: ignore[attr-defined]
        t = t.strip()
        if not out:
            out = t
        elif out.endswith("-") and t[:1].islower() and not out.endswith(" -"):
            out = out[:-1] + t
        else:
            out += " " + t
    return out


# ---------------------------------------------------------------- running headers and footers
def _running_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def running_lines(pages: Sequence[Sequence[Line]], heights: Sequence[float],
                  fraction: float) -> list[set[int]]:
    """For each page, the indices of its lines that are running headers/footers/page numbers."""
    n = len(pages)
    need = n if n <= 2 else max(3, math.ceil(fraction * n))
    seen: Counter[tuple[str, str]] = Counter()
    keyed: list[list[tuple[int, tuple[str, str]]]] = []
    for lines, h in zip(pages, heights):
        here: list[tuple[int, tuple[str, str]]] = []
        for i, ln in enumerate(lines):
            band = _band(ln.bbox, h)
            if band:
                here.append((i, (band, _running_key(ln.text))))
        seen.update({k for _, k in here})
        keyed.append(here)
    out: list[set[int]] = []
    for lines, here in zip(pages, keyed):
        drop = {i for i, k in here if (n >= 2 and seen[k] >= need) or _PAGE_NO.match(lines[i].text.strip())}
        out.append(drop)
    return out


def _band(bbox: Rect, height: float) -> str:
    if bbox[3] <= height * _BAND:
        return "top"
    if bbox[1] >= height * (1 - _BAND):
        return "bottom"
    return ""


# ---------------------------------------------------------------- paragraphs and their kinds
def body_style(pages: Sequence[Sequence[Line]]) -> tuple[float, bool]:
    """The body font size (most characters) and whether the body is monospaced (RFC-style text)."""
    sizes: Counter[float] = Counter()
    mono = 0
    total = 0
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
            total += len(ln.text)
            mono += len(ln.text) if ln.mono else 0
    if not sizes:
        return 10.0, False
    return sizes.most_common(1)[0][0], mono > total / 2


def paragraphs(lines: Sequence[Line]) -> list[Para]:
    """Group lines into paragraphs: MuPDF's block, split at list markers, style changes and gaps."""
    out: list[Para] = []
    cur: list[Line] = []
    for ln in _bullets_normalised(lines):
        if cur and _breaks(cur[-1], ln):
            out.append(Para(cur))
            cur = []
        cur.append(ln)
    if cur:
        out.append(Para(cur))
    return out


def _bullets_normalised(lines: Sequence[Line]) -> list[Line]:
    """Symbol-font bullets as "• "; a bullet that MuPDF put on a line of its own joins the text
    beside it (same baseline band, to its right)."""
    out: list[Line] = []
    pending: Line | None = None
    for ln in lines:
        m = _GLYPH_BULLET.match(ln.text)
        if m and m.end() == len(ln.text):  # a lone bullet glyph
            pending = ln
            continue
        if m:
            ln.text = "\u2022 " + ln.text[m.end():]
        elif pending is not None and _beside(pending, ln):
            ln.text = "\u2022 " + ln.text
            ln.bbox = union_rect([pending.bbox, ln.bbox])
        pending = None
        out.append(ln)
    return out


def _beside(bullet: Line, ln: Line) -> bool:
    mid = (ln.bbox[1] + ln.bbox[3]) / 2
    return bullet.bbox[1] - 2 <= mid <= bullet.bbox[3] + 2 and bullet.bbox[0] < ln.bbox[0]


def _breaks(prev: Line, ln: Line) -> bool:
    if ln.block != prev.block:
        return True
    if _BULLET.match(ln.text):
        return True
    if abs(ln.size - prev.size) > 0.6 or ln.bold != prev.bold:
        return True
    height = max(prev.bbox[3] - prev.bbox[1], 1.0)
    gap = ln.bbox[1] - prev.bbox[3]
    # a big vertical gap, or the next line starts left of / above the previous one in another column
    return gap > 0.9 * height or gap < -0.5 * height


def classify(para: Para, body_size: float, body_mono: bool) -> str:
    """'heading' | 'list_item' | 'code' | 'text'."""
    text = para.text
    first = para.lines[0]
    bigger = max(ln.size for ln in para.lines) >= body_size * 1.15
    # a bullet glyph marks a list item whatever its size (a Symbol bullet is often set larger
    # than the text); only a number or letter ("1.", "a)") in a larger font may head a section
    glyph = bool(first.text) and not first.text[0].isalnum() and first.text[0] != "("
    if _BULLET.match(first.text) and len(text) > 2 and (glyph or not (bigger and len(para.lines) <= 2)):
        return "list_item"
    if not body_mono and all(ln.mono for ln in para.lines):
        return "code"
    if len(para.lines) <= 3 and 1 < len(text) <= 200 and not text.endswith((",", ";")):
        size = max(ln.size for ln in para.lines)
        if size >= body_size * 1.15 and any(c.isalpha() for c in text):
            return "heading"
        if all(ln.bold for ln in para.lines) and size >= body_size * 0.95 and not text.endswith("."):
            return "heading"
        if body_mono and _NUMBERED_HEADING.match(text) and len(para.lines) == 1 and not text.endswith("."):
            # monospaced documents (RFCs) have no size or weight cues: numbered, unindented lines
            return "heading" if first.bbox[0] <= _left_margin_hint(para) else "text"
    return "text"


def _left_margin_hint(para: Para) -> float:
    # an RFC section title starts at the left margin; body text is indented by 3 characters
    return para.lines[0].bbox[0] + 0.5


def heading_levels(headings: Sequence[tuple[str, float]], body_size: float) -> list[int]:
    """Levels 1..6 for (text, size) headings: section numbers first, else size rank."""
    sizes = sorted({round(s) for _, s in headings}, reverse=True)
    levels = []
    for text, size in headings:
        m = _NUMBERED_HEADING.match(text)
        if m and re.match(r"^\d", m.group(1)):
            levels.append(min(6, m.group(1).count(".") + 1))
        else:
            levels.append(min(6, sizes.index(round(size)) + 1))
    return levels


# ---------------------------------------------------------------- reading order
def reading_order(items: Sequence[T], box: Callable[[T], Rect]) -> list[T]:
    """Items (paragraphs, figures, tables of one page) in reading order."""
    return _order(list(items), box)


def _order(items: list[T], box: Callable[[T], Rect]) -> list[T]:
    if len(items) <= 1:
        return items
    cols = _split(items, box, axis=0, gap=_COL_GAP)
    if len(cols) > 1:
        return [it for col in cols for it in _order(col, box)]
    bands = _split(items, box, axis=1, gap=0.1)
    if len(bands) == 1:
        return sorted(items, key=lambda it: (box(it)[1], box(it)[0]))
    merged = _merge_column_bands(bands, box)
    if len(merged) == 1:
        # every band merged into one multi-column region: cut it into columns
        cols = _split(merged[0], box, axis=0, gap=_COL_GAP)
        if len(cols) > 1:
            return [it for col in cols for it in _order(col, box)]
        return sorted(merged[0], key=lambda it: (box(it)[1], box(it)[0]))
    return [it for band in merged for it in _order(band, box)]


def _split(items: list[T], box: Callable[[T], Rect], axis: int, gap: float) -> list[list[T]]:
    """Groups separated by empty stripes along an axis (0: x, columns; 1: y, bands)."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    srt = sorted(items, key=lambda it: box(it)[lo])
    groups: list[list[T]] = [[srt[0]]]
    end = box(srt[0])[hi]
    for it in srt[1:]:
        b = box(it)
        if b[lo] > end + gap:
            groups.append([it])
        else:
            groups[-1].append(it)
        end = max(end, b[hi])
    return groups


def _merge_column_bands(bands: list[list[T]], box: Callable[[T], Rect]) -> list[list[T]]:
    """Merge consecutive bands while the merged region still has a column gutter."""
    out: list[list[T]] = [bands[0]]
    for band in bands[1:]:
        both = out[-1] + band
        columns = _has_columns(out[-1], box) or _has_columns(band, box)
        if columns and len(_split(both, box, axis=0, gap=_COL_GAP)) > 1:
            out[-1] = both
            continue
        out.append(band)
    return out


def _has_columns(items: list[T], box: Callable[[T], Rect]) -> bool:
    # a single item has no gutter; it joins a neighbouring band that has one (see above)
    return len(items) > 1 and len(_split(items, box, axis=0, gap=_COL_GAP)) > 1
