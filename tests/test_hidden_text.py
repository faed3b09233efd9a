"""Text a page holds but does not show is no word of its figure: painted over by a later
opaque fill (TS 23.203 Figure D.2.1 paints "WiMAX IP-CAN" twice, one copy under the cloud's
shadow; the hidden copy split the cloud's name as "-CAN"), or drawn invisible."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.ingest import ingest  # noqa: E402
from dicmodel.ingest.hidden import hidden_spans  # noqa: E402

BLACK, GREY, ORANGE = (0, 0, 0), (0.5, 0.5, 0.5), (1.0, 0.7, 0.4)


def _cloud(page, x, y, w, h, fill):
    """A bumpy closed outline (Bezier lobes round an ellipse), filled."""
    s = page.new_shape()
    s.draw_oval(pymupdf.Rect(x, y, x + w, y + h))
    s.finish(color=None, fill=fill, closePath=True)
    s.commit()


def _page() -> tuple[bytes, list[str]]:
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=320)
    page.insert_text((50, 40), "A figure of an access network and its policy server.", fontsize=10)
    # the figure: a policy server box linked to a gateway box that sits in a cloud
    page.draw_rect(pymupdf.Rect(250, 70, 330, 100), color=BLACK, width=1)
    page.insert_text((265, 90), "PCRF", fontsize=11)
    page.draw_line((290, 100), (290, 170), color=BLACK, width=1)
    page.insert_text((60, 222), "WiMAX IP-CAN", fontsize=14)  # the copy under the shadow
    _cloud(page, 44, 166, 270, 100, GREY)  # the shadow, painted over that copy
    _cloud(page, 40, 160, 270, 100, ORANGE)
    page.insert_text((62, 214), "WiMAX IP-CAN", fontsize=14)  # the copy on top
    # a label the gateway's white box is painted over (TS 23.203 Figure 6.1.7-1's "PDN GW"
    # under "PCEF"), in the same place as the box's own label
    page.insert_text((252, 190), "PDN", fontsize=11)
    page.draw_rect(pymupdf.Rect(240, 170, 300, 200), color=BLACK, fill=(1, 1, 1), width=1)
    page.insert_text((250, 190), "PCEF", fontsize=11)
    page.insert_text((40, 120), "Invisible", fontsize=10, render_mode=3)
    page.insert_text((40, 300), "Figure 1: WiMAX IP-CAN and PCC", fontsize=10)
    return doc.tobytes(), ["PCRF", "WiMAX IP-CAN", "PCEF"]


def test_spans_painted_over_or_invisible_are_hidden_and_the_others_are_not():
    data, _ = _page()
    page = pymupdf.open("pdf", data)[0]
    spans = [s for b in page.get_text("dict")["blocks"] for ln in b.get("lines", [])
             for s in ln["spans"] if s["text"].strip()]
    gone = hidden_spans(page, page.get_drawings(), spans)
    hidden = sorted((spans[k]["text"], round(spans[k]["bbox"][1])) for k in gone)
    assert [t for t, _ in hidden] == ["Invisible", "PDN", "WiMAX IP-CAN"]
    # the copy under the shadow (its top lower on the page), not the one on top
    top_copy = min(s["bbox"][1] for s in spans if s["text"] == "WiMAX IP-CAN")
    assert all(y > top_copy + 2 for t, y in hidden if t == "WiMAX IP-CAN")


def test_a_figure_takes_no_word_from_text_it_paints_over():
    data, labels = _page()
    doc = ingest(data)
    [fig] = doc.figures
    words = [s.text for s in fig.spans]
    assert sorted(words) == sorted(labels)


def test_text_painted_again_in_the_same_place_is_one_word():
    # TS 23.203 Figure 6.1.7-1 stacks Visio shapes on copies of themselves: each label is
    # painted up to four times in one place, and read "UE UE UE UE"
    from dicmodel.describe._geometry.vector import extract_vector
    from dicmodel.document import BBox, TextSpan

    ue = TextSpan(text="UE", bbox=BBox(x0=20, y0=20, x1=32, y1=30), size=9)
    pcef = TextSpan(text="PCEF", bbox=BBox(x0=20, y0=60, x1=44, y1=70), size=9)
    prims = extract_vector([], [ue, ue, ue, pcef, ue.model_copy()], (0, 0, 100, 100))
    assert sorted(w.text for w in prims.words) == ["PCEF", "UE"]
