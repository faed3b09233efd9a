"""Caption rules met in 3GPP/ETSI specifications."""

from __future__ import annotations

import pytest

from dicmodel.ingest.captions import caption_label

pymupdf = pytest.importorskip("pymupdf")


@pytest.mark.parametrize("text,label", [
    ("Figure 6.2.2.2.1: Announce request procedure", "6.2.2.2.1"),
    ("Figure 5.1-1: Transmitter block diagram", "5.1-1"),
    ("Fig. 3. The network", "3"),
    ("Figure 4-2 Overview", "4-2"),
    # a sentence that cites the figure is no caption, however many levels its number has
    ("Figure 6.2.2.2.1 illustrates the interaction of the UE and the ProSe Function.", None),
    ("Figure 3 shows the attach.", None),
])
def test_caption_labels(text, label):
    assert caption_label(text) == label


def test_a_caption_an_inch_below_the_drawing_is_taken_not_the_citing_sentence_above():
    """ETSI renditions of 3GPP figures keep the metafile's white space under the drawing: the
    caption sits ~65 pt below the last line, and the sentence citing the figure ~20 pt above."""
    import dicmodel

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((56, 80), "Figure 6.2.2.2.1 illustrates the interaction of the UE and the "
                               "ProSe Function.", fontsize=10)
    for k, y in enumerate((130, 190, 250)):
        page.draw_rect(pymupdf.Rect(90 + 150 * k, y, 200 + 150 * k, y + 30), color=(0, 0, 0))
        page.insert_text((100 + 150 * k, y + 20), f"Node {k}", fontsize=10)
    page.draw_line((200, 145), (240, 205), color=(0, 0, 0))
    page.draw_line((350, 205), (390, 265), color=(0, 0, 0))
    page.insert_text((190, 346), "Figure 6.2.2.2.1: Announce request procedure", fontsize=10)
    page.insert_text((56, 400), "The next clause describes the procedure in detail.", fontsize=10)
    [fig] = dicmodel.convert(doc.tobytes(), describe=False).figures
    assert fig.caption == "Figure 6.2.2.2.1: Announce request procedure"
    assert fig.label == "6.2.2.2.1"


def test_a_page_too_busy_to_search_says_so():
    """Past max_drawings_per_page the page's vector figures are not searched: an ItemError says
    so instead of the figure vanishing in silence."""
    import dicmodel

    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    shape = page.new_shape()
    for i in range(150):
        x, y = 10 + (i % 15) * 25, 10 + (i // 15) * 25
        shape.draw_rect(pymupdf.Rect(x, y, x + 10, y + 10))
        shape.finish(color=(0, 0, 0))
    shape.commit()
    out = dicmodel.convert(doc.tobytes(), describe=False, max_drawings_per_page=100)
    [err] = [e for e in out.errors if e.error_type == "TooManyDrawings"]
    assert err.page == 1 and "150 drawings" in err.message and not out.figures
    assert dicmodel.convert(doc.tobytes(), describe=False).figures  # under the default: found


def _boxes_then_caption(caption_y: float, body_between: bool) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((56, 80), "4.2 Overview of the functions and their interfaces.", fontsize=10)
    for k in range(3):
        page.draw_rect(pymupdf.Rect(90 + 150 * k, 130, 200 + 150 * k, 160), color=(0, 0, 0))
        page.insert_text((100 + 150 * k, 150), f"Table {k}", fontsize=10)
    page.draw_line((200, 145), (240, 145), color=(0, 0, 0))
    page.draw_line((350, 145), (390, 145), color=(0, 0, 0))
    if body_between:
        page.insert_text((56, 230), "The tables are looked up one after the other for each packet.",
                         fontsize=10)
    page.insert_text((56, caption_y), "Figure 1: Class-based forwarding", fontsize=10)
    return doc.tobytes()


def test_a_caption_under_white_space_below_the_drawing_is_still_its_caption():
    """A Visio page exported with its margin leaves 150 pt of white under the drawing before the
    caption: nothing lies between them, so the caption is the figure's, not a body paragraph."""
    import dicmodel

    out = dicmodel.convert(_boxes_then_caption(330, body_between=False), describe=False)
    [fig] = out.figures
    assert fig.caption == "Figure 1: Class-based forwarding"
    assert not any("Class-based" in (b.text or "") for b in out.blocks if b.type.value == "text")


def test_a_far_caption_with_body_text_between_is_not_taken():
    """The same gap with a body sentence between: the caption may belong to something else, and
    the figure is not given it past ``caption_distance``."""
    import dicmodel

    out = dicmodel.convert(_boxes_then_caption(330, body_between=True), describe=False)
    [fig] = out.figures
    assert fig.caption is None
    assert any("Class-based forwarding" in (b.text or "") for b in out.blocks)


def test_notes_hanging_under_the_boxes_do_not_cut_the_figure_from_its_far_caption():
    """A slide (CAMARA onboarding, LibreOffice export): bullet lists in small print under each
    of three boxes, then white space, then the caption. The lists are no body text between the
    figure and its caption; a full-width sentence there still is (test above)."""
    import dicmodel

    doc = pymupdf.open(stream=_boxes_then_caption(330, body_between=False))
    page = doc[0]
    for k in range(3):
        for j, line in enumerate(("- Specify the steps", "- Write a template")):
            page.insert_text((92 + 150 * k, 176 + 9 * j), line, fontsize=7)
    out = dicmodel.convert(doc.tobytes(), describe=False)
    [fig] = out.figures
    assert fig.caption == "Figure 1: Class-based forwarding"


def test_a_far_caption_is_matched_whatever_its_index_beside_other_figures_captions():
    """Paragraph indices and figure indices are different numberings: a far caption that is
    paragraph 0 is still matched across white space while figure 0 has a caption close by."""
    from dicmodel.ingest.captions import match_captions

    figures = [(300.0, 100.0, 500.0, 200.0), (50.0, 100.0, 250.0, 200.0)]
    paras = [((50.0, 400.0, 250.0, 412.0), "Figure 2: Far below its drawing", ["Figure 2: Far below its drawing"]),
             ((300.0, 210.0, 500.0, 222.0), "Figure 1: Just below", ["Figure 1: Just below"])]
    got = {(m.figure, m.para) for m in match_captions(figures, paras, 72.0)}
    assert got == {(0, 1), (1, 0)}
