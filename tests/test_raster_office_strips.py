"""Office pages read as pictures (a Visio pipeline rendered by LibreOffice): connectors in a
light theme colour with filled heads, and long strips of boxes that the long-side limit
would shrink until their text, heads and gaps are a few pixels. Generated with PIL."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.graph import recover_graph
from dicmodel.describe._geometry.primitives import Word
from dicmodel.describe._geometry.raster import extract_raster

BLUE = (91, 155, 213)  # the Office theme's connector colour (RGB): no dark core
BLACK = (0, 0, 0)


def _png(im) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _arrow(d, x0: int, x1: int, y: int, width: int, head: tuple[int, int]) -> None:
    """A level connector from x0 to a filled head whose tip is at x1."""
    hl, hw = head
    d.line([(x0, y), (x1 - hl + 1, y)], fill=BLUE, width=width)
    d.polygon([(x1, y), (x1 - hl, y - hw // 2), (x1 - hl, y + hw // 2)], fill=BLUE)


def test_a_light_blue_filled_head_on_a_hairline_connector_is_a_head():
    im = Image.new("RGB", (420, 180), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([20, 60, 110, 120], outline=BLACK, width=1)
    d.rectangle([300, 60, 390, 120], outline=BLACK, width=1)
    _arrow(d, 111, 299, 90, 1, (14, 12))
    prims = extract_raster(_png(im), ocr=None)
    heads = [a for a in prims.arrowheads if a.direction[0] > 0.95 and abs(a.tip[0] - 299) <= 4
             and abs(a.tip[1] - 90) <= 3]
    assert heads, prims.arrowheads


def test_a_light_blue_disc_and_a_grey_corner_are_no_heads():
    im = Image.new("RGB", (420, 180), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([20, 60, 110, 120], outline=BLACK, width=1)
    d.rectangle([300, 60, 390, 120], outline=BLACK, width=1)
    d.line([(111, 90), (280, 90)], fill=BLUE, width=1)
    d.ellipse([280, 83, 294, 97], fill=BLUE)  # a round line-end marker, not a head
    prims = extract_raster(_png(im), ocr=None)
    assert not [a for a in prims.arrowheads if 270 <= a.tip[0] <= 300], prims.arrowheads


def _strip(n: int = 8) -> tuple[bytes, list[Word], list[tuple[int, int, int, int]]]:
    """A pipeline page: n filled boxes in a row across a 150 dpi render, each with a few
    lines of text, joined left to right by short blue connectors with filled heads."""
    bw, bh, gap, top = 520, 420, 110, 300
    im = Image.new("RGB", (60 + n * (bw + gap), 1000), "white")
    d = ImageDraw.Draw(im)
    words: list[Word] = []
    boxes = []
    for k in range(n):
        x = 40 + k * (bw + gap)
        boxes.append((x, top, x + bw, top + bh))
        d.rectangle([x, top, x + bw, top + bh], fill=(0, 176, 80))
        for j in range(5):  # lines of dark text, ~45 px tall, drawn as bars of letters
            y = top + 30 + j * 75
            ln = 300 if j % 2 else 420
            for c in range(0, ln, 28):
                d.rectangle([x + 30 + c, y, x + 30 + c + 18, y + 40], fill=BLACK)
            words.append(Word(text=f"t{k}{j}", bbox=(x + 26.0, y - 3.0, x + 34.0 + ln, y + 44.0)))
        if k:
            _arrow(d, x - gap + 1, x - 1, top + bh // 2, 3, (28, 22))
    return _png(im), words, boxes


def test_a_long_strip_of_boxes_keeps_its_short_connectors(monkeypatch):
    data, words, boxes = _strip()
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    prims = extract_raster(data)
    parts = recover_graph(prims)

    def box_of(i: int) -> int | None:
        b = parts.nodes[i].bbox
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        return next((k for k, r in enumerate(boxes) if r[0] <= cx <= r[2] and r[1] <= cy <= r[3]), None)

    links = {(box_of(s), box_of(t)) for s, t, _c, _l in parts.edges}
    assert {(k, k + 1) for k in range(len(boxes) - 1)} <= links, links


def test_the_geometry_scale_keeps_a_long_strips_text_legible():
    words = [Word(text="w", bbox=(0.0, 0.0, 100.0, 45.0))] * 5
    s = raster._geometry_scale(words, 2000, 6000)
    assert 45 * s >= 19.5  # not 1400/6000 (text ~10 px)
    assert s * s * 2000 * 6000 <= raster.GEOMETRY_MAX_PIXELS * 1.001
    # a square page of small print keeps the long-side limit (its text is tall enough)
    assert raster._geometry_scale([Word(text="w", bbox=(0.0, 0.0, 50.0, 24.0))] * 5, 2000, 2000) == 0.7
    # without words there is nothing to keep legible
    assert raster._geometry_scale([], 2000, 6000) == pytest.approx(1400 / 6000)


GREY = (128, 128, 128)


def _callout_page(monkeypatch):
    """Two tables joined by a blue arrow; a grey "Metadata" callout above hangs on the arrow by
    a thick grey leader that stops on the arrow's body."""
    im = Image.new("RGB", (620, 320), "white")
    d = ImageDraw.Draw(im)
    for x0 in (30, 400):
        d.rectangle([x0, 150, x0 + 180, 260], fill=(0, 255, 255))
    d.rectangle([230, 20, 380, 70], fill=(235, 235, 235), outline=(200, 200, 200))
    _arrow(d, 211, 399, 205, 4, (26, 22))
    d.line([(300, 71), (300, 203)], fill=GREY, width=5)
    words = [Word(text="Ingress table", bbox=(60.0, 195.0, 180.0, 215.0), size=20.0),
             Word(text="Egress table", bbox=(430.0, 195.0, 550.0, 215.0), size=20.0),
             Word(text="Metadata", bbox=(260.0, 35.0, 350.0, 55.0), size=20.0)]
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    parts = recover_graph(extract_raster(_png(im), ocr="rapidocr"))
    name = {k: " ".join(w.text for w in n.words) for k, n in enumerate(parts.nodes)}
    return {(name[a], name[b]) for a, b, _, _ in parts.edges}


def test_a_grey_callout_leader_that_stops_on_a_blue_arrow_joins_no_boxes(monkeypatch):
    """SAI pipelines (Visio through LibreOffice): traced as one skeleton with the blue arrow
    it stops on, the grey leader made the callout "lead to" the next table."""
    assert _callout_page(monkeypatch) == {("Ingress table", "Egress table")}

