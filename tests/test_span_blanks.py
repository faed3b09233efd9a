"""A PDF span's blanks: stripped from its text, but the gap they stood for is kept, so the
next word does not glue on (PlantUML's bold autonumber "1" before " delete cluster")."""

from __future__ import annotations

import pytest

from dicmodel.document import TextSpan

pymupdf = pytest.importorskip("pymupdf")


def _span(text: str, x0: float, x1: float, size: float = 10.0) -> dict:
    return {"text": text, "bbox": (x0, 75.0, x1, 86.0), "size": size, "font": "Helvetica"}


def test_a_leading_blank_is_stripped_and_its_width_taken_off_the_box():
    s = TextSpan.of_span(_span(" delete cluster", 32.0, 100.0))
    assert s.text == "delete cluster"
    assert s.bbox.x0 == pytest.approx(34.5) and s.bbox.x1 == pytest.approx(100.0)
    # vertical text keeps its box: its blanks run along y, and nothing is guessed there
    v = TextSpan.of_span(_span(" up", 32.0, 42.0), dir=(0.0, -1.0))
    assert v.text == "up" and v.bbox.x0 == 32.0


def test_a_bold_autonumber_and_its_message_read_as_two_words():
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=120)
    tw = pymupdf.TextWriter(page.rect)
    bold, plain = pymupdf.Font("hebo"), pymupdf.Font("helv")
    _, end = tw.append((26, 84), "1", font=bold, fontsize=11)
    tw.append(end, " delete cluster", font=plain, fontsize=10)
    tw.write_text(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    spans = [TextSpan.of_span(s, tuple(ln["dir"])) for b in page.get_text("dict")["blocks"]
             for ln in b.get("lines", []) for s in ln["spans"] if s["text"].strip()]
    assert [s.text for s in spans] == ["1", "delete cluster"]

    from dicmodel.describe._geometry.vector import _words

    assert [w.text for w in _words(spans)] == ["1 delete cluster"]
