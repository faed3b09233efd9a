"""Strokes painted as bitmaps (``describe/_geometry/mixed.py``): ETSI call flows paint their
lifelines and message arrows as thin 1-bit image masks, not vector lines. Generated here with
PIL and PyMuPDF; without the mechanism the chart has names and no lines, and reads as a label
list."""

from __future__ import annotations

import pytest

from dicmodel.document import FigureType

pymupdf = pytest.importorskip("pymupdf")

PX = 8  # pixels per point of the masks (~600 dpi, as the ETSI files hold)


def _stroke_bits(length: float, level: bool, head: str = "") -> tuple[bytes, int, int]:
    """A 1 pt line in a 3 pt band with an optional arrowhead ('start' or 'end'), 1-bit."""
    from PIL import Image, ImageDraw

    n, t = int(length * PX), 3 * PX
    img = Image.new("1", (n, t), 1)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, t // 2 - PX // 2, n - 1, t // 2 + PX // 2), fill=0)
    if head:
        tip, base = (n - 1, n - 1 - 3 * t) if head == "end" else (0, 3 * t)
        draw.polygon([(tip, t // 2), (base, 0), (base, t - 1)], fill=0)
    if not level:
        img = img.transpose(Image.Transpose.ROTATE_90)
    return img.tobytes(), img.width, img.height


def _etsi_call_flow() -> bytes:
    from dicmodel._pdfgen import _mask_label, paint_mask

    doc = pymupdf.open()
    page = doc.new_page()
    xs = {"UE": 120.0, "gNB": 320.0, "AMF": 480.0}
    for name, x in xs.items():
        page.draw_rect((x - 35, 100, x + 35, 120), color=(0, 0, 0), width=0.5)
        _mask_label(doc, page, (x - 35, 100, x + 35, 120), name)
        paint_mask(doc, page, (x - 1.5, 120, x + 1.5, 400), *_stroke_bits(280, level=False))
    for y, a, b, text in ((170, "UE", "gNB", "RRC Setup Request"), (240, "gNB", "AMF", "Initial UE Message"),
                          (310, "AMF", "gNB", "Context Setup")):
        x0, x1 = sorted((xs[a], xs[b]))
        head = "end" if xs[b] > xs[a] else "start"
        paint_mask(doc, page, (x0, y - 1.5, x1, y + 1.5), *_stroke_bits(x1 - x0, level=True, head=head))
        _mask_label(doc, page, (x0, y - 16, x1, y - 4), text)
    page.insert_text((100, 440), "Figure 9.2-1: Registration", fontsize=9)
    return doc.tobytes()


def test_a_call_flow_painted_as_bitmaps_reads_as_a_sequence_with_its_directions():
    pytest.importorskip("rapidocr")
    from dicmodel import convert

    [fig] = convert(_etsi_call_flow()).figures
    d = fig.description
    assert d.figure_type is FigureType.sequence, d.text
    names = {n.id: n.label for n in d.diagram.nodes}
    got = [(names[m.source], names[m.target]) for m in d.diagram.messages]
    assert got == [("UE", "gNB"), ("gNB", "AMF"), ("AMF", "gNB")]
    assert "strokes painted as bitmaps" in " ".join(d.warnings) or \
        "stroke(s) painted as bitmaps" in " ".join(d.warnings)
