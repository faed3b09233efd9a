"""Node labels in the graph engine: which lines of text belong to which shape."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from dicmodel.describe._geometry.vector import extract_vector, page_inputs  # noqa: E402

BLACK = (0, 0, 0)
ORANGE = (1.0, 0.75, 0.0)


def _diagram(draw, width=420, height=220):
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    draw(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    prims = extract_vector(drawings, spans, (0, 0, width, height))
    return build_diagram(prims, None).diagram


def test_text_that_overflows_a_box_stays_its_label_but_a_caption_below_an_icon_does_not():
    # a Visio table: text set from the top corner of a box too small for it runs on past the
    # bottom edge; a device box with its label centred (padding all round) has a caption below
    table = ["Router table", "match : prefix", "action : forward", "default:", "drop"]

    def draw(page):
        page.draw_rect(pymupdf.Rect(30, 40, 170, 88), color=None, fill=ORANGE)
        for k, line in enumerate(table):
            page.insert_text((32, 51 + 12 * k), line, fontsize=10)
        page.draw_rect(pymupdf.Rect(250, 40, 350, 88), color=BLACK, fill=ORANGE)
        page.insert_text((280, 68), "Server", fontsize=10)
        page.insert_text((275, 104), "rack 2", fontsize=10)
        page.draw_line((170, 64), (250, 64), color=BLACK)

    labels = sorted(n.label for n in _diagram(draw).nodes)
    assert labels == ["Router table match : prefix action : forward default: drop", "Server"]
