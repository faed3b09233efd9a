"""Page ranges clamp to the document; Symbol/Wingdings bullets are list items, never headings
(issue 19 point 12)."""

from __future__ import annotations

import pytest

from dicmodel.ingest import layout
from dicmodel.ingest.options import IngestOptions
from dicmodel.ingest.pdf import Line


def _line(text: str, y: float, size: float = 10.0, x: float = 72.0, block: int = 0) -> Line:
    box = (x, y, x + 6 * len(text), y + size * 1.2)
    return Line(bbox=box, text=text, size=size, bold=False, font="Arial", block=block, dir=(1.0, 0.0), rbox=box)


@pytest.mark.parametrize("glyph", ["\uf0b7", "\uf0a7", "\uf0d8", "\ufffd", "\u2022", "\u25aa", "\u27a4", "\u2219"])
def test_symbol_font_bullets_are_list_items_even_when_set_larger(glyph: str) -> None:
    lines = [_line(f"{glyph} Registration is mandatory", 100, size=12.5, block=0),  # bullet set larger
             _line(f"{glyph}\tThe AMF selects the SMF", 120, size=10.0, block=1),
             _line("Plain body text of the clause that follows the list.", 150, block=2)]
    paras = layout.paragraphs(lines)
    kinds = [layout.classify(p, 10.0, False) for p in paras]
    assert kinds == ["list_item", "list_item", "text"]
    assert [p.text for p in paras[:2]] == ["\u2022 Registration is mandatory", "\u2022 The AMF selects the SMF"]


def test_a_bullet_on_a_line_of_its_own_joins_its_text() -> None:
    lines = [_line("\uf0b7", 100, size=12.0, x=72, block=0), _line("Session continuity", 101, x=90, block=0)]
    (para,) = layout.paragraphs(lines)
    assert layout.classify(para, 10.0, False) == "list_item" and para.text == "\u2022 Session continuity"


def test_a_numbered_heading_in_a_larger_font_stays_a_heading() -> None:
    (para,) = layout.paragraphs([_line("4. Session management", 100, size=14.0)])
    assert layout.classify(para, 10.0, False) == "heading"


def test_page_ranges_clamp_to_the_document_with_a_note() -> None:
    opts = IngestOptions(pages="1-30")
    assert opts.page_indices(3) == [0, 1, 2]
    assert "4-30" in opts.pages_note(3) and "3 pages" in opts.pages_note(3)
    assert IngestOptions(pages="2-").page_indices(3) == [1, 2] and IngestOptions(pages="2-").pages_note(3) is None


def test_a_short_pdf_converts_with_pages_past_its_end() -> None:
    pytest.importorskip("pymupdf")
    from dicmodel import _pdfgen
    from dicmodel.ingest import ingest

    doc = ingest(_pdfgen.sample_report().data, IngestOptions(pages="2-30", render_crops=False))
    assert [p.number for p in doc.pages] == [2, 3]
    assert any("4-30" in w for w in doc.metadata["warnings"])
