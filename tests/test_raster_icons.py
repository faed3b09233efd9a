"""Solid device icons in a raster network drawing (``raster/icons.py``).

FRR's DMVPN figure (draw.io PNG): routers drawn as blue pucks with white arrows on them, each
named under it, links running to the puck's edge or stopping at the interface name printed
beside it ("eth0"). The pucks held no clean region, so no node was found: the links ended on
the port names, a stray dot read as a start marker and the figure came out a state diagram
with no link right. Fixed word boxes, so no OCR engine runs.
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.classify import read_figure
from dicmodel.describe._geometry.primitives import Word
from dicmodel.document import FigureType

from _raster_draw import canvas, png  # noqa: E402

BLUE = (180, 110, 30)  # BGR


def _router(img: np.ndarray, cx: int, cy: int) -> None:
    cv2.ellipse(img, (cx, cy), (40, 22), 0, 0, 360, BLUE, -1)
    for dx in (-18, 18):  # the white arrows on its face
        cv2.line(img, (cx + dx - 8, cy - 6), (cx + dx + 8, cy + 6), (255, 255, 255), 3)
        cv2.line(img, (cx + dx - 8, cy + 6), (cx + dx + 8, cy - 6), (255, 255, 255), 3)


def _word(text: str, cx: int, top: int, h: int = 16) -> Word:
    w = 9 * len(text)
    return Word(text=text, bbox=(float(cx - w / 2), float(top), float(cx + w / 2), float(top + h)),
                size=float(h))


def _read(monkeypatch: pytest.MonkeyPatch):
    img = canvas(700, 300)
    words = []
    for cx, name in ((120, "HUB"), (580, "Spoke 1")):
        _router(img, cx, 120)
        words.append(_word(name, cx, 150))
    cv2.line(img, (160, 120), (515, 120), (40, 40, 40), 2)  # stops short of Spoke 1 ...
    words.append(_word("eth0", 535, 98))                     # ... at its interface name
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    return raster.extract_raster(png(img), ocr="rapidocr")


def test_solid_pucks_are_icon_shapes_with_no_strokes_traced_inside(monkeypatch):
    prims = _read(monkeypatch)
    icons = [s for s in prims.shapes if s.kind == "icon"]
    assert len(icons) == 2
    for s in icons:  # no connector runs inside a puck (its white marks are no lines)
        assert not any(all(s.bbox[0] + 4 < x < s.bbox[2] - 4 and s.bbox[1] + 4 < y < s.bbox[3] - 4
                           for x, y in p.points) for p in prims.paths)


def test_routers_are_named_devices_and_the_link_ends_on_them_past_the_port_name(monkeypatch):
    r = read_figure(_read(monkeypatch))
    assert r.figure_type is FigureType.topology
    label = {n.id: n.label for n in r.diagram.nodes}
    links = {frozenset((label[e.source], label[e.target])) for e in r.diagram.edges}
    assert frozenset(("HUB", "Spoke 1")) in links
    assert not any(n.label == "eth0" for n in r.diagram.nodes)
