"""A figure that is sentences in a frame (RFC 9293's requirement boxes) is a text panel: its
sentences in reading order, not a diagram. Grouped into text blocks, the bold MUST of each
sentence tore it into pieces listed out of order (graded seed 1211 #12)."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from dicmodel.document import FigureType  # noqa: E402
from _vector_draw import vector_prims  # noqa: E402


def _sentence(page, x, y, parts):
    """Write the parts of one line left to right, the ones in capitals in bold, each with the
    space after it (as a PDF's spans carry it)."""
    for text in parts:
        font = "hebo" if text.isupper() else "helv"
        page.insert_text((x, y), text + " ", fontsize=10, fontname=font)
        x += pymupdf.get_text_length(text + " ", fontsize=10, fontname=font)


def test_sentences_in_a_frame_are_a_text_panel_in_reading_order():
    def draw(page):
        page.draw_rect(pymupdf.Rect(10, 10, 520, 110), color=(0.8, 0.8, 0.8), width=0.8)
        _sentence(page, 20, 35, ["An incoming SYN with an invalid source address", "MUST",
                                 "be ignored either by TCP or by"])
        _sentence(page, 20, 50, ["the IP layer (see Section 3.2.1.3)."])
        _sentence(page, 20, 80, ["A TCP implementation", "MUST", "silently discard an incoming SYN"])
        _sentence(page, 20, 95, ["segment addressed to a broadcast address."])
    r = build_diagram(vector_prims(draw, 540, 130))
    assert r.figure_type is FigureType.other
    assert r.prose is not None and r.prose.startswith("A text panel, not a diagram")
    assert r.diagram.notes == [
        "An incoming SYN with an invalid source address MUST be ignored either by TCP or by "
        "the IP layer (see Section 3.2.1.3).",
        "A TCP implementation MUST silently discard an incoming SYN segment addressed to a "
        "broadcast address."]
    assert r.confidence <= 0.45


def test_a_box_diagram_with_short_labels_is_no_text_panel():
    def draw(page):
        for x0, name in ((20, "Client"), (220, "Proxy"), (420, "Server")):
            page.draw_rect(pymupdf.Rect(x0, 40, x0 + 100, 80), color=(0, 0, 0), width=0.8)
            page.insert_text((x0 + 25, 64), name, fontsize=10)
    r = build_diagram(vector_prims(draw, 540, 130))
    assert not (r.prose or "").startswith("A text panel")


def test_one_line_labels_and_rows_of_box_names_are_no_text_panel():
    # TS 24.334's unread chart (two message names, each one line) and a CNCF pipeline whose
    # box names stand in rows: grouped into lines they would read as run-on nonsense
    def labels(page):
        page.draw_rect(pymupdf.Rect(10, 10, 520, 110), color=(0.8, 0.8, 0.8), width=0.8)
        page.insert_text((20, 40), "PC5_DISCOVERY message for Group Member Discovery Solicitation",
                         fontsize=10)
        page.insert_text((20, 90), "PC5_DISCOVERY message for Group Member Discovery Response",
                         fontsize=10)

    def rows(page):
        for k, name in enumerate(("Build Container Image", "Push to Registry", "Unit Tests",
                                  "Sign Images", "Vulnerability Scan")):
            page.insert_text((20 + 100 * k, 40), name, fontsize=8)
            page.insert_text((20 + 100 * k, 52), "Security Testing", fontsize=8)
    for draw in (labels, rows):
        r = build_diagram(vector_prims(draw, 540, 130))
        assert not (r.prose or "").startswith("A text panel"), draw.__name__
