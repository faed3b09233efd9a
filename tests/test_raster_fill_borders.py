"""Straight strokes between two different fills are the edges of filled areas, not links.

ONAP's NF-simulator figure (draw.io PNG): the boxes of the SMO/ONAP components sit across the
lower edge of a pink band; between the boxes that edge read as links ("CDS is linked with
SDNR", "VES Collector is linked with CDS"), the graded sample's one wrong reading. Fixed word
boxes, so no OCR engine runs.
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.classify import build_diagram
from dicmodel.describe._geometry.primitives import Word

from _raster_draw import canvas, png  # noqa: E402

PINK = (204, 206, 248)  # BGR
EDGE = (120, 110, 200)


def _word(text: str, cx: int, top: int, h: int = 16) -> Word:
    w = 9 * len(text)
    return Word(text=text, bbox=(float(cx - w / 2), float(top), float(cx + w / 2), float(top + h)),
                size=float(h))


def _read(monkeypatch: pytest.MonkeyPatch, band: bool):
    img = canvas(760, 300)
    names = ((180, "VES Collector"), (380, "CDS"), (580, "SDNR"))
    words = []
    if band:  # a pink band whose lower edge (y=120) runs through the middle of the boxes
        cv2.rectangle(img, (60, 30), (700, 120), PINK, -1)
        cv2.rectangle(img, (60, 30), (700, 120), EDGE, 1)
        words.append(_word("SMO/ONAP", 380, 40))
    else:  # the control: real links between the same boxes, on white
        for x0, x1 in ((245, 325), (435, 525)):
            cv2.line(img, (x0, 120), (x1, 120), (40, 40, 40), 1)
    for cx, name in names:
        cv2.rectangle(img, (cx - 65, 100), (cx + 65, 140), (235, 245, 235), -1)
        cv2.rectangle(img, (cx - 65, 100), (cx + 65, 140), (80, 80, 80), 1)
        words.append(_word(name, cx, 112))
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    prims = raster.extract_raster(png(img), ocr="rapidocr")
    return build_diagram(prims).diagram


def _links(d):
    label = {n.id: n.label for n in d.nodes}
    return {frozenset((label[e.source], label[e.target])) for e in d.edges}


def test_the_edge_of_a_band_the_boxes_sit_across_is_no_link(monkeypatch):
    assert _links(_read(monkeypatch, band=True)) == set()


def test_links_between_the_same_boxes_on_white_are_kept(monkeypatch):
    assert _links(_read(monkeypatch, band=False)) == {frozenset(("VES Collector", "CDS")),
                                                      frozenset(("CDS", "SDNR"))}
