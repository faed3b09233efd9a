"""Validated options of the PDF ingest stage (light: pydantic only)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ConfigError

__all__ = ["IngestOptions", "parse_page_ranges"]

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)?\s*)?$")


class IngestOptions(BaseModel):
    """How a PDF becomes a :class:`~dicmodel.document.Document`. CLI flags map 1:1 onto these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dpi: int = Field(150, ge=36, le=600, description="resolution of rendered figure crops (dots per inch)")
    detect_figures: bool = Field(True, description="find raster and vector figures")
    render_crops: bool = Field(True, description="render each figure to PNG bytes (Figure.image)")
    min_figure_size: float = Field(
        40.0, ge=0.0, le=2000.0,
        description="smallest figure width and height in points; smaller images and drawings are "
                    "treated as icons/decoration")
    drop_headers_footers: bool = Field(
        True, description="remove running headers, footers and page numbers from the body text")
    tables: bool = Field(True, description="detect ruled tables (PyMuPDF find_tables) as Markdown table blocks")
    password: str | None = Field(None, description="password of an encrypted PDF")
    pages: str | None = Field(
        None, description="pages to read, 1-based ranges as in a print dialog, e.g. '1-3,7' or '5-' "
                          "(default: all pages)")
    cluster_gap: float = Field(
        6.0, ge=0.0, le=100.0,
        description="drawings closer than this many points belong to the same vector figure")
    min_vector_items: int = Field(
        4, ge=1, le=1000, description="fewest drawing operations (lines, curves, rects) a vector figure has")
    max_drawings_per_page: int = Field(
        20000, ge=100, le=10_000_000,
        description="pages with more drawings than this are not searched for vector figures, and "
                    "say so in the document's errors (a guard against maps, halftones and plots "
                    "with tens of thousands of paths; the devset and 3GPP PDFs have at most 1,807)")
    caption_distance: float = Field(
        72.0, ge=0.0, le=400.0, description="largest gap in points between a figure and its caption "
        "(3GPP figures often carry an inch of white space under their drawing)")
    context_sentences: int = Field(
        4, ge=0, le=100, description="most body sentences citing a figure kept as its context")
    repeated_fraction: float = Field(
        0.5, gt=0.0, le=1.0,
        description="a header/footer line or a logo must repeat on at least this fraction of pages "
                    "(and on 3 pages, or every page of a 2-page document) to be dropped")

    @field_validator("pages", mode="before")
    @classmethod
    def _pages_text(cls, v: object) -> object:
        # Accept a list of 1-based page numbers too: [1, 3] -> "1,3".
        if isinstance(v, (list, tuple)):
            if not all(isinstance(p, int) and p >= 1 for p in v):
                raise ValueError(f"pages must be 1-based page numbers (ints >= 1), got {v!r}")
            return ",".join(str(p) for p in v)
        if isinstance(v, str):
            parse_page_ranges(v, None)  # syntax check now, bounds when the page count is known
        return v

    def page_indices(self, page_count: int) -> list[int]:
        """The 0-based page indices to read, in document order; a range past the document's end
        is clamped to it (``--pages 1-30`` on a 12-page file reads 12 pages; see :meth:`pages_note`)."""
        if self.pages is None:
            return list(range(page_count))
        return parse_page_ranges(self.pages, page_count)

    def pages_note(self, page_count: int) -> str | None:
        """A note when the selection named pages past the end (they were left out), else None."""
        if self.pages is None:
            return None
        beyond = sorted(p + 1 for p in parse_page_ranges(self.pages, None) if p >= page_count)
        if not beyond:
            return None
        span = f"{beyond[0]}-{beyond[-1]}" if len(beyond) > 1 else str(beyond[0])
        return f"pages {self.pages!r}: the document has {page_count} pages; page(s) {span} left out"


def parse_page_ranges(text: str, page_count: int | None) -> list[int]:
    """'1-3,7,9-' -> [0, 1, 2, 6, 8, ...] (0-based, sorted, unique). With a known page count,
    pages past the end are left out (an open range '9-' runs to the end); a selection with no
    page in the document is a ConfigError."""
    out: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        m = _RANGE.match(part)
        if not m:
            raise ConfigError(f"pages: cannot read {part.strip()!r} in {text!r}; "
                              "allowed: 1-based numbers and ranges like '1-3,7' or '5-'")
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else (first if "-" not in part else (page_count or first))
        if first < 1 or last < first:
            raise ConfigError(f"pages: range {part.strip()!r} is empty or not 1-based")
        out.update(range(first - 1, last))
    if page_count is not None:
        out = {p for p in out if p < page_count}
        if not out:
            raise ConfigError(f"pages: {text!r} selects no page of this {page_count}-page document")
    if not out:
        raise ConfigError(f"pages: {text!r} selects no page")
    return sorted(out)
