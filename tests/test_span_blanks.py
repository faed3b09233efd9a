"""A PDF span's blanks: a figure's spans keep them as the page holds them (the vector reader
strips them and reads from them where a word ends), so the next word does not glue on:
PlantUML's bold autonumber "1" before " delete cluster", "address " before a bold "MUST".
The figure's spans (the product path, ``ingest``) and ``page_inputs`` (the benchmarks' path)
build them the same way, through ``TextSpan.of_span``."""

from __future__ import annotations

import pytest

from dicmodel.document import TextSpan

pymupdf = pytest.importorskip("pymupdf")


def _spans(runs):
    """The spans of one line written as (text, bold) runs, each right after the other."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=120)
    tw = pymupdf.TextWriter(page.rect)
    bold, plain = pymupdf.Font("hebo"), pymupdf.Font("helv")
    end = (26, 84)
    for text, strong in runs:
        _, end = tw.append(end, text, font=bold if strong else plain, fontsize=10)
    tw.write_text(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    return [TextSpan.of_span(s, tuple(ln["dir"])) for b in page.get_text("dict")["blocks"]
            for ln in b.get("lines", []) for s in ln["spans"] if s["text"].strip()]


def test_a_span_keeps_its_blanks_as_the_page_holds_them():
    s = TextSpan.of_span({"text": " delete cluster", "bbox": (32.0, 75.0, 100.0, 86.0), "size": 10.0,
                          "font": "Helvetica"})
    assert s.text == " delete cluster" and s.bbox.x0 == 32.0


@pytest.mark.parametrize("runs, want", [
    ([("1", True), (" delete cluster", False)], "1 delete cluster"),
    ([("source address ", False), ("MUST", True), (" be ignored", False)], "source address MUST be ignored"),
])
def test_a_bold_run_and_its_neighbours_read_as_separate_words(runs, want):
    from dicmodel.describe._geometry.vector import _words

    spans = _spans(runs)
    assert [s.text.strip() for s in spans] == [t.strip() for t, _ in runs]
    assert [w.text for w in _words(spans)] == [want]
