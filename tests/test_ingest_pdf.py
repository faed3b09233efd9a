"""PDF ingest on generated documents whose ground truth is known (dicmodel._pdfgen)."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("pymupdf")

from dicmodel import _pdfgen as gen
from dicmodel.document import BBox, BlockType, FigureKind
from dicmodel.ingest import IngestOptions, ingest


@pytest.fixture(scope="module")
def report():
    pdf = gen.sample_report()
    return pdf, ingest(pdf.data, IngestOptions(dpi=100))


def _match(doc, truth_fig):
    """The detected figure with the best IoU against a ground-truth figure."""
    want = BBox.of(truth_fig.bbox)
    cands = [f for f in doc.figures if f.page == truth_fig.page]
    return max(cands, key=lambda f: f.bbox.iou(want), default=None)


def _body(doc):
    return " ".join(b.text for b in doc.blocks if b.type != BlockType.figure)


def test_document_basics(report):
    _, doc = report
    assert doc.source == "<bytes>"
    assert len(doc.sha256) == 64
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.metadata["page_count"] == 3
    assert doc.metadata["title"] == "dicmodel sample report"
    assert "total" in doc.timings and "timings" not in doc.to_json()
    assert [b.order for b in doc.blocks] == list(range(len(doc.blocks)))
    assert not doc.errors


def test_every_figure_found_with_kind_and_bbox(report):
    pdf, doc = report
    assert len(doc.figures) == len(pdf.truth.figures)
    for truth in pdf.truth.figures:
        fig = _match(doc, truth)
        assert fig is not None and fig.bbox.iou(BBox.of(truth.bbox)) >= 0.9, truth
        assert fig.kind == FigureKind(truth.kind)


def test_captions_labels_context_and_section(report):
    pdf, doc = report
    for truth in pdf.truth.figures:
        fig = _match(doc, truth)
        assert fig.caption == truth.caption
        assert fig.label == truth.label
        if truth.label:
            assert pdf.truth.citations[truth.label] in fig.context
    assert _match(doc, pdf.truth.figures[0]).section == "1 Attach procedure"
    assert _match(doc, pdf.truth.figures[2]).section == "3 Network topology"


def test_captions_leave_the_body(report):
    pdf, doc = report
    body = _body(doc)
    for truth in pdf.truth.figures:
        if truth.caption:
            assert truth.caption not in body


def test_figure_text_is_on_the_figure_not_in_the_body(report):
    pdf, doc = report
    body = _body(doc)
    for truth in pdf.truth.figures:
        if truth.kind != "vector":
            continue
        fig = _match(doc, truth)
        for label in truth.labels:
            assert label in fig.text
            if len(label) >= 5:  # short names (UE, BGP) also occur in the prose on purpose
                assert label not in body, label
        # no body block overlaps the figure: its text went to the figure only
        assert not any(b.bbox.intersection(fig.bbox) > 0 for b in doc.blocks
                       if b.type != BlockType.figure and b.page == fig.page)
        # only the drawings inside the figure, as plain data
        assert fig.drawings and all(isinstance(d["items"], list) for d in fig.drawings)
        for d in fig.drawings:
            x0, y0, x1, y1 = d["rect"]
            assert fig.bbox.contains(BBox(x0=min(x0, x1), y0=min(y0, y1), x1=max(x0, x1), y1=max(y0, y1)), tol=3)


def test_headings_levels_and_reading_order(report):
    pdf, doc = report
    heads = [(b.text, b.level) for b in doc.blocks if b.type == BlockType.heading]
    assert [h for h, _ in heads] == pdf.truth.headings
    assert dict(heads)["2.1 Interfaces"] == 2 and dict(heads)["1 Attach procedure"] == 1
    texts = [b.text for b in doc.blocks if b.type == BlockType.text]
    assert texts == pdf.truth.paragraphs
    # the figure block sits between the paragraph that precedes it and the list that follows
    kinds = [b.type for b in doc.blocks if b.page == 1]
    assert kinds.index(BlockType.figure) < kinds.index(BlockType.list_item)


def test_list_items(report):
    pdf, doc = report
    items = [b.text for b in doc.blocks if b.type == BlockType.list_item]
    assert [i.lstrip("- ") for i in items] == pdf.truth.list_items


def test_table_as_markdown(report):
    pdf, doc = report
    tables = [b for b in doc.blocks if b.type == BlockType.table]
    assert len(tables) == 1
    md = tables[0].markdown.splitlines()
    assert md[0] == "| " + " | ".join(pdf.truth.table[0]) + " |"
    assert md[1].startswith("|---")
    assert md[2:] == ["| " + " | ".join(r) + " |" for r in pdf.truth.table[1:]]
    # cell text is not repeated as body paragraphs
    assert not any("S1-MME" in b.text for b in doc.blocks if b.type == BlockType.text)


def test_running_headers_footers_page_numbers_and_logo_dropped(report):
    pdf, doc = report
    body = [b.text for b in doc.blocks]
    for s in pdf.truth.running:
        assert not any(s in t for t in body), s
    assert not any(t.strip() in {"1", "2", "3"} for t in body)
    # the logo is on every page at the same place: never a figure
    assert all(f.bbox.y0 > 60 for f in doc.figures)


def test_logo_is_a_figure_when_not_repeated():
    pdf = gen.sample_report()
    one_page = ingest(pdf.data, IngestOptions(pages="1", render_crops=False))
    assert any(f.bbox.y1 <= 60 for f in one_page.figures)  # a single page cannot show repetition


def test_repeated_image_deduplicated(report):
    _, doc = report
    rasters = [f for f in doc.figures if f.kind == FigureKind.raster]
    assert len(rasters) == 2
    assert rasters[0].image_hash == rasters[1].image_hash
    assert rasters[0].duplicate_of is None and rasters[1].duplicate_of == rasters[0].id
    vectors = [f for f in doc.figures if f.kind == FigureKind.vector]
    assert len({f.image_hash for f in vectors}) == 2


def test_stable_ids(report):
    pdf, doc = report
    again = ingest(pdf.data, IngestOptions(render_crops=False))
    assert [f.id for f in again.figures] == [f.id for f in doc.figures]
    assert len({f.id for f in doc.figures}) == len(doc.figures)


def test_crops_are_png_at_requested_dpi(report):
    from PIL import Image

    pdf, doc = report
    for fig in doc.figures:
        img = Image.open(io.BytesIO(fig.image))
        assert img.format == "PNG"
        if fig.kind.value == "vector":
            assert abs(img.width - fig.bbox.width * 100 / 72) <= 2
            assert abs(img.height - fig.bbox.height * 100 / 72) <= 2
        else:  # a picture is read at its own resolution, never below the requested dpi
            assert img.width >= fig.bbox.width * 100 / 72 - 2
    assert all(f.image is None for f in ingest(pdf.data, IngestOptions(render_crops=False)).figures)


def test_options_turn_parts_off(report):
    pdf, _ = report
    doc = ingest(pdf.data, IngestOptions(detect_figures=False, tables=False, drop_headers_footers=False))
    assert not doc.figures
    assert not any(b.type == BlockType.table for b in doc.blocks)
    assert any("Company confidential" in b.text for b in doc.blocks)


def test_page_selection():
    pdf = gen.sample_report()
    doc = ingest(pdf.data, IngestOptions(pages="2-3", render_crops=False))
    assert [p.number for p in doc.pages] == [2, 3]
    assert {b.page for b in doc.blocks} == {2, 3}
    assert IngestOptions(pages=[1, 3]).page_indices(3) == [0, 2]


def test_two_columns_read_column_by_column():
    pdf = gen.two_column_pdf()
    doc = ingest(pdf.data)
    texts = [b.text for b in doc.blocks if b.type == BlockType.text]
    assert texts == pdf.truth.paragraphs
    assert doc.blocks[0].type == BlockType.heading


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_page(rotation):
    pdf = gen.rotated_pdf(rotation)
    doc = ingest(pdf.data, IngestOptions(dpi=72))
    assert doc.pages[0].rotation == rotation
    truth = pdf.truth.figures[0]
    assert len(doc.figures) == 1
    fig = doc.figures[0]
    assert fig.bbox.iou(BBox.of(truth.bbox)) >= 0.9  # unrotated frame, like PyMuPDF
    assert fig.caption == truth.caption and fig.label == "7"
    assert [b.text for b in doc.blocks if b.type == BlockType.text] == pdf.truth.paragraphs
    from PIL import Image

    img = Image.open(io.BytesIO(fig.image))
    # the crop shows the page as displayed: width and height swap on a quarter turn
    assert abs(img.width - fig.bbox.height) <= 2 and abs(img.height - fig.bbox.width) <= 2


def test_generator_is_deterministic():
    assert gen.sample_report().data == gen.sample_report().data


def test_options_are_validated():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="dpi"):
        IngestOptions(dpi=20)
    with pytest.raises(ValidationError, match="pages"):
        IngestOptions(pages="a-b")
    with pytest.raises(ValidationError):
        IngestOptions(unknown=1)
    with pytest.raises(ValueError, match="selects no page"):
        IngestOptions(pages="9").page_indices(3)


def test_decorations_are_not_figures():
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.draw_rect((0, 0, 595, 842), color=None, fill=(0.98, 0.97, 0.9))  # page background
    page.draw_rect((20, 20, 575, 822), color=(0, 0, 0), width=1)  # page border
    note = "Note: the framed paragraph is a text box with several words on each of its lines."
    page.draw_rect((60, 80, 535, 140), color=(0, 0, 0), fill=(0.9, 0.9, 0.9))  # framed, shaded note
    page.insert_textbox((70, 90, 525, 135), note, fontsize=10)
    page.insert_text((60, 180), "A link that is underlined", fontsize=10)
    page.draw_line((60, 182), (180, 182), color=(0, 0, 1), width=0.8)  # underline
    page.draw_line((60, 220), (535, 220), color=(0, 0, 0), width=0.5)  # horizontal rule
    page.insert_image((70, 300, 82, 312), stream=gen.topology_png(24, 24))  # tiny icon
    out = ingest(doc.tobytes())
    assert out.figures == []
    body = " ".join(b.text for b in out.blocks)
    assert "framed paragraph" in body and "underlined" in body


def test_link_duplicates_points_repeats_at_the_first_and_skips_unhashed():
    from dicmodel.document import Figure
    from dicmodel.ingest.figures import link_duplicates

    box = BBox(x0=0, y0=0, x1=10, y1=10)
    figs = [Figure(id=f"f{i}", page=1, bbox=box, kind=FigureKind.raster, image_hash=h)
            for i, h in enumerate(["a", None, "a", "b", None, "b"])]
    link_duplicates(figs)
    assert [f.duplicate_of for f in figs] == [None, None, "f0", None, None, "f3"]


def test_a_picture_spilling_past_the_caption_does_not_swallow_the_text_after_it():
    """ETSI PDFs paint labels as image masks whose boxes can run on below their glyphs, past
    the caption: the figure stretched over the caption and the next headings, which then left
    the body as figure text. The figure ends over its caption; the headings stay body text."""
    import pymupdf
    from PIL import Image

    doc = pymupdf.open()
    page = doc.new_page()
    for k in range(3):
        page.draw_rect(pymupdf.Rect(100 + 140 * k, 100, 200 + 140 * k, 140), color=(0, 0, 0))
        page.insert_text((115 + 140 * k, 125), f"Node {k}", fontsize=10)
        if k:
            page.draw_line((200 + 140 * (k - 1), 120), (100 + 140 * k, 120), color=(0, 0, 0))
    buf = io.BytesIO()
    Image.new("RGB", (8, 64), "white").save(buf, "PNG")
    page.insert_image(pymupdf.Rect(300, 130, 316, 290), stream=buf.getvalue())  # runs on below
    page.insert_text((100, 200), "Figure 1: Three nodes in a row", fontsize=9)
    page.insert_text((72, 240), "4.7.3 User-plane Aspects", fontsize=13)
    page.insert_text((72, 270), "4.7.3.1 Backhaul transport", fontsize=12)
    out = ingest(doc.tobytes(), IngestOptions(render_crops=False))
    [fig] = out.figures
    assert fig.caption.startswith("Figure 1")
    assert fig.bbox.y1 < 195
    body = " ".join(b.text for b in out.blocks if b.text)
    assert "User-plane Aspects" in body and "Backhaul transport" in body


def test_a_shaded_heading_band_is_no_figure():
    """NIST SP 800-207 sets section titles white on a black band (a table cell's shading); the
    band with the first reference line under it was taken for a figure ('structure could not
    be read'), because the text widened the candidate past the band's border."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    # the band and its cell borders, piece by piece as the PDF draws them (13 fills)
    for r in ((67, 74, 545, 90), (66, 73, 67, 74), (66, 73, 67, 74), (67, 73, 545, 74),
              (545, 73, 546, 74), (545, 73, 546, 74), (66, 90, 67, 90.5), (66, 90, 67, 90.5),
              (67, 90, 545, 90.5), (545, 90, 546, 90.5), (545, 90, 546, 90.5), (66, 74, 67, 90),
              (545, 74, 546, 90)):
        page.draw_rect(pymupdf.Rect(*r), color=None, fill=(0, 0, 0))
    page.insert_text((72, 86), "References", fontsize=12, color=(1, 1, 1))
    page.insert_text((77, 113), "[ACT-IAC]", fontsize=12)  # the key and its entry: two lines
    page.insert_text((167, 113), "American Council for Technology and Industry Advisory",
                     fontsize=10)
    page.draw_line((167, 112), (466, 112), color=(0, 0, 1), width=0.6)  # a link's underline
    page.insert_text((77, 160), "[Anderson]  Anderson B, McGrew D (2017) Machine Learning for "
                     "Encrypted Malware Traffic", fontsize=10)
    out = ingest(doc.tobytes(), IngestOptions(render_crops=False))
    assert out.figures == []
    body = " ".join(b.text for b in out.blocks if b.text)
    assert "American Council" in body


def test_a_labels_first_line_beside_a_curve_stays_with_the_figure():
    # PlantUML's use-case diagram: "consents" / "«OAuth2»" beside a curve that bulges out at
    # the second line only; the first line, looked at before the box grew over the second,
    # fell out of the figure into the body text and the link lost the word
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "The architecture below is described in this clause.", fontsize=10)
    page.draw_rect(pymupdf.Rect(100, 150, 260, 190), color=(0, 0, 0), width=1)
    page.insert_text((140, 175), "Client", fontsize=11)
    page.draw_rect(pymupdf.Rect(100, 360, 260, 400), color=(0, 0, 0), width=1)
    page.insert_text((140, 385), "Subscriber", fontsize=11)
    page.draw_rect(pymupdf.Rect(100, 250, 220, 290), color=(0, 0, 0), width=1)
    page.insert_text((120, 275), "Manager", fontsize=11)
    page.draw_line((160, 190), (160, 250), color=(0, 0, 0), width=1)
    page.draw_line((160, 290), (160, 360), color=(0, 0, 0), width=1)
    # the curve (flattened: a drawn curve's box is its control points') reaches x 381 at the
    # height of the label's second line
    curve = [((1 - t) ** 3 * 250 + 3 * (1 - t) ** 2 * t * 420 + 3 * (1 - t) * t * t * 430 + t ** 3 * 250,
              (1 - t) ** 3 * 360 + 3 * (1 - t) ** 2 * t * 330 + 3 * (1 - t) * t * t * 220 + t ** 3 * 190)
             for t in (k / 20 for k in range(21))]
    page.draw_polyline(curve, color=(0, 0, 0), width=1)
    page.insert_text((384, 262), "consents", fontsize=10)
    page.insert_text((370, 276), "OAuth2", fontsize=10)
    page.insert_text((60, 460), "Figure 1: Use case", fontsize=9)
    got = ingest(doc.tobytes())
    [fig] = got.figures
    assert "consents" in [s.text for s in fig.spans]
    assert all("consents" not in b.text for b in got.blocks if b.type is not BlockType.figure)
