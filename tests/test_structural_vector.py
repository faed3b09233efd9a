"""The vector extractor: PyMuPDF drawings + spans -> shapes, paths, arrowheads, words."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.vector import extract_vector, page_inputs  # noqa: E402
from dicmodel.document import BBox, TextSpan  # noqa: E402

BLACK = (0, 0, 0)


def _prims(draw, width=400, height=300, rotation=0, **kw):
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    draw(page)
    if rotation:
        page.set_rotation(rotation)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    return extract_vector(drawings, spans, (0, 0, page.rect.width, page.rect.height),
                          page_rotation=rotation, **kw)


def test_closed_outlines_are_classified():
    def draw(page):
        page.draw_rect(pymupdf.Rect(10, 10, 90, 50), color=BLACK)
        page.draw_rect(pymupdf.Rect(110, 10, 190, 50), color=BLACK, radius=0.3)
        page.draw_circle((240, 30), 20, color=BLACK)
        page.draw_oval(pymupdf.Rect(280, 10, 380, 50), color=BLACK)
        page.draw_polyline([(50, 80), (90, 110), (50, 140), (10, 110)], color=BLACK, closePath=True)
        page.draw_polyline([(130, 80), (190, 80), (170, 120), (110, 120)], color=BLACK, closePath=True)
        page.draw_polyline([(220, 100), (235, 80), (265, 80), (280, 100), (265, 120), (235, 120)],
                           color=BLACK, closePath=True)

    kinds = sorted((round(s.bbox[1]) > 70, round(s.bbox[0]), s.kind) for s in _prims(draw).shapes)
    assert [k for *_, k in kinds] == ["rect", "round_rect", "circle", "ellipse", "diamond",
                                      "parallelogram", "hexagon"]


def test_filled_triangle_is_an_arrowhead_with_its_tip():
    def draw(page):
        page.draw_line((20, 100), (192, 100), color=BLACK)
        page.draw_polyline([(200, 100), (190, 95), (190, 105)], color=BLACK, fill=BLACK,
                           closePath=True)

    p = _prims(draw)
    [head] = p.arrowheads
    assert head.tip == pytest.approx((200, 100), abs=0.6)
    assert head.direction[0] == pytest.approx(1.0, abs=0.05)
    [path] = p.paths
    assert path.points[0] == pytest.approx((20, 100), abs=0.6)
    assert not p.shapes  # the head is not a node candidate


def test_dashes_curves_and_fill_drawn_lines():
    def draw(page):
        page.draw_line((20, 50), (300, 50), color=BLACK, dashes="[4 2] 0")
        page.draw_bezier((20, 100), (100, 40), (200, 160), (300, 100), color=BLACK)
        # Chromium paints a dashed rule as one fill made of thin rectangles
        shape = page.new_shape()
        for x in range(20, 300, 10):
            shape.draw_rect(pymupdf.Rect(x, 200, x + 5, 201))
        shape.finish(fill=BLACK, color=None)
        shape.commit()

    p = _prims(draw)
    dashed = [q for q in p.paths if q.dashed]
    assert len(dashed) == 2
    curve = max(p.paths, key=lambda q: len(q.points))
    assert len(curve.points) > 4  # flattened Bezier
    assert min(y for _, y in curve.points) < 90 and max(y for _, y in curve.points) > 110


def test_spans_merge_into_line_words_and_vertical_text_is_flagged():
    spans = [TextSpan(text="Attach", bbox=BBox(x0=10, y0=10, x1=40, y1=20), size=10),
             TextSpan(text="Request", bbox=BBox(x0=43, y0=10, x1=80, y1=20), size=10),
             TextSpan(text="Other", bbox=BBox(x0=10, y0=60, x1=40, y1=70), size=10),
             TextSpan(text="up", bbox=BBox(x0=200, y0=10, x1=210, y1=40), size=10, dir=(0.0, -1.0))]
    p = extract_vector([], spans, (0, 0, 300, 100))
    texts = {w.text: w for w in p.words}
    assert set(texts) == {"Attach Request", "Other", "up"}
    assert texts["up"].vertical and not texts["Other"].vertical


def test_rotated_page_turns_the_frame_so_text_reads_left_to_right():
    def draw(page):
        page.draw_rect(pymupdf.Rect(20, 20, 120, 60), color=BLACK)
        page.insert_text((40, 45), "Router", fontsize=12)

    p = _prims(draw, rotation=90)
    [word] = p.words
    assert word.text == "Router" and not word.vertical
    [box] = p.shapes
    # the word sits inside its box in the turned frame as it did on the page
    assert box.bbox[0] <= word.bbox[0] and word.bbox[2] <= box.bbox[2]
    assert box.bbox[2] - box.bbox[0] > box.bbox[3] - box.bbox[1]


def test_too_many_items_keeps_only_the_words():
    def draw(page):
        for i in range(60):
            page.draw_line((i, 0), (i, 50), color=BLACK)
        page.insert_text((20, 80), "Legend", fontsize=10)

    p = _prims(draw, max_items=50)
    assert p.truncated and not p.paths and not p.shapes
    assert [w.text for w in p.words] == ["Legend"]
    assert "max_items" in p.warnings[0]


def test_a_figure_of_thousands_of_outlines_is_read_for_its_labels_only():
    """Graph recovery grows faster than linearly with the outlines (a fuzzed page of 15,000
    squares took a minute): past max_items/10 shapes and lines the describer keeps the labels."""
    doc = pymupdf.open()
    page = doc.new_page(width=600, height=500)
    shape = page.new_shape()
    for i in range(1200):
        x, y = 20 + (i % 60) * 9, 40 + (i // 60) * 9
        shape.draw_rect(pymupdf.Rect(x, y, x + 5, y + 5))
        shape.finish(color=BLACK)
    shape.commit()
    page.insert_text((20, 30), "Halftone legend", fontsize=10)
    d = _describe_page(doc)
    assert any("exceed max_items/10=1000" in w for w in d.warnings)
    assert "Halftone legend" in d.text and d.diagram is None


def test_a_figure_whose_pictures_are_drawn_in_thousands_of_strokes_is_still_read():
    """TS 38.300 Figure 4.7.1-1 as EMF: each antenna and server drawn in hundreds of short
    strokes (2,758 lines, 92 shapes) went past max_items/10 and was read for its labels only,
    though graph recovery took 0.2 s. A line counts as a quarter of a shape."""
    doc = pymupdf.open()
    page = doc.new_page(width=600, height=500)
    shape = page.new_shape()
    for cx in (100, 450):  # two device boxes, each shaded with 700 short hatching strokes
        for i in range(700):
            x, y = cx - 35 + (i % 35) * 2, 200 + (i // 35) * 2
            shape.draw_line((x, y), (x + 1.5, y + 1.5))
        shape.finish(color=BLACK, width=0.3)
        shape.draw_rect(pymupdf.Rect(cx - 40, 195, cx + 40, 245))
        shape.finish(color=BLACK, width=1)
    shape.commit()
    page.draw_line((140, 220), (410, 220), color=BLACK)
    page.insert_text((85, 262), "gNB", fontsize=10)
    page.insert_text((435, 262), "AMF", fontsize=10)
    page.insert_text((265, 212), "NG", fontsize=10)
    d = _describe_page(doc)
    assert not any("labels only" in w for w in d.warnings)


def _describe_page(doc):
    """The structural reading (no OCR, max_items 10,000) of a one-page document's whole page."""
    from dicmodel.describe.base import FigureRequest, get_describer
    from dicmodel.document import FigureKind

    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    req = FigureRequest(figure_id="f", kind=FigureKind.vector, bbox=BBox(x0=0, y0=0, x1=page.rect.width,
                        y1=page.rect.height), drawings=drawings, spans=spans)
    [d] = get_describer("structural", ocr="none", max_items=10000).describe([req])
    return d
    assert d.diagram is not None and len(d.diagram.edges) >= 1
