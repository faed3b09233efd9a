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


def _row_of_three(monkeypatch: pytest.MonkeyPatch, mosaic):
    """Three pucks in a row joined by two links; the middle one's name "R2" is printed under
    it (in a light grey) but left out of the first OCR pass, as the detector at the figure's
    print size lost it. ``mosaic`` stands in for the second look at the strips."""
    img = canvas(760, 260)
    words = []
    for cx, name in ((120, "R1"), (380, "R2"), (640, "R3")):
        _router(img, cx, 100)
        if name == "R2":
            cv2.putText(img, name, (cx - 18, 150), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (150, 150, 150), 2)
        else:
            words.append(_word(name, cx, 130))
    cv2.line(img, (160, 100), (340, 100), (40, 40, 40), 2)
    cv2.line(img, (420, 100), (600, 100), (40, 40, 40), 2)
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    monkeypatch.setattr(raster, "ocr_mosaic", mosaic, raising=False)
    return raster.extract_raster(png(img), ocr="rapidocr")


def test_an_unnamed_device_gets_its_name_from_a_second_look_below_it(monkeypatch):
    strips = []

    def mosaic(crops, _engine):
        strips.extend(crops)
        # the name, where putText drew it, in the strip's own pixels (the strip starts at the
        # puck's bottom and spans 30 % of its width either side)
        return [[Word(text="R2", bbox=(30.0, 3.0, 70.0, 28.0), size=25.0, confidence=0.99)]
                for _ in crops]

    prims = _row_of_three(monkeypatch, mosaic)
    assert len(strips) == 1  # only the unnamed puck is looked at again
    [r2] = [w for w in prims.words if w.text == "R2"]
    assert 350 < (r2.bbox[0] + r2.bbox[2]) / 2 < 410 and r2.bbox[1] > 120
    # the letters were not traced as strokes: the geometry was read again without them
    assert not any(all(r2.bbox[0] - 2 <= x <= r2.bbox[2] + 2 and r2.bbox[1] - 2 <= y <= r2.bbox[3] + 2
                       for x, y in p.points) for p in prims.paths)
    d = read_figure(prims).diagram
    label = {n.id: n.label for n in d.nodes}
    links = {frozenset((label[e.source], label[e.target])) for e in d.edges}
    assert links == {frozenset(("R1", "R2")), frozenset(("R2", "R3"))}


def test_links_that_meet_at_a_device_are_not_one_link_through_it(monkeypatch):
    """A device picture is no label background: a link into its side and one out of its
    bottom end there (a Visio topology's s5 - s3 - h3 came out as s5 - h3)."""
    img = canvas(560, 320)
    words = []
    for cx, cy, name in ((120, 80, "S5"), (400, 80, "S3"), (120, 240, "H3")):
        _router(img, cx, cy)
        words.append(_word(name, cx, cy + 28))
    cv2.line(img, (160, 80), (360, 80), (40, 40, 40), 1)  # S5 to S3's left side
    # out of S3's bottom and round to H3's right side
    cv2.polylines(img, [np.array([(425, 98), (425, 240), (160, 240)], np.int32)], False,
                  (40, 40, 40), 1)
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    d = read_figure(raster.extract_raster(png(img), ocr="rapidocr")).diagram
    label = {n.id: n.label for n in d.nodes}
    links = {frozenset((label[e.source], label[e.target])) for e in d.edges}
    assert links == {frozenset(("S5", "S3")), frozenset(("S3", "H3"))}


def _block(img: np.ndarray, tail: tuple, tip: tuple, shaft: int = 16, head: int = 34,
           head_len: int = 18) -> None:
    """A solid block arrow (a PowerPoint 'right arrow') from ``tail`` to ``tip``, level or plumb."""
    (x0, y0), (x1, y1) = tail, tip
    if y0 == y1:  # level
        s = 1 if x1 > x0 else -1
        bx = x1 - s * head_len
        pts = [(x0, y0 - shaft // 2), (bx, y0 - shaft // 2), (bx, y0 - head // 2), (x1, y0),
               (bx, y0 + head // 2), (bx, y0 + shaft // 2), (x0, y0 + shaft // 2)]
    else:
        s = 1 if y1 > y0 else -1
        by = y1 - s * head_len
        pts = [(x0 - shaft // 2, y0), (x0 - shaft // 2, by), (x0 - head // 2, by), (x0, y1),
               (x0 + head // 2, by), (x0 + shaft // 2, by), (x0 + shaft // 2, y0)]
    cv2.fillPoly(img, [np.array(pts, np.int32)], (30, 30, 30))


def test_solid_block_arrows_between_boxes_are_directed_links(monkeypatch):
    """NIST SP 800-207 Figure 12: stages joined by short, stout block arrows (a shaft half as
    tall as the head); each arrow was a device picture (an ``icon`` node) with two stray heads
    at its corners, and no stage led on to the next."""
    img = canvas(700, 420)
    words = []
    for x0, name in ((30, "Assess"), (250, "Deploy"), (470, "Operate")):
        cv2.rectangle(img, (x0, 40), (x0 + 170, 180), (40, 40, 40), 2)
        words.append(Word(text=name, bbox=(float(x0 + 55), 100.0, float(x0 + 115), 118.0), size=18.0))
    _block(img, (204, 110), (246, 110), shaft=28, head=56, head_len=14)
    _block(img, (424, 110), (466, 110), shaft=28, head=56, head_len=14)
    cv2.rectangle(img, (470, 230), (640, 380), (40, 40, 40), 2)
    words.append(Word(text="Report", bbox=(525.0, 296.0, 585.0, 314.0), size=18.0))
    _block(img, (555, 184), (555, 226), shaft=28, head=56, head_len=14)  # plumb, pointing down
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    prims = raster.extract_raster(png(img), ocr="rapidocr")
    assert not any(s.kind == "icon" for s in prims.shapes)
    d = read_figure(prims).diagram
    label = {n.id: n.label for n in d.nodes}
    links = {(label[e.source], label[e.target], e.directed) for e in d.edges}
    assert links == {("Assess", "Deploy", True), ("Deploy", "Operate", True), ("Operate", "Report", True)}


def test_a_grey_store_with_a_column_of_white_letters_is_no_pair_of_pictures():
    """PowerPoint's "Inventory Repo (NetBox)" cylinder (ops-figures slide 20): a grey fill with
    its name in white, wrapped into short lines whose letters line up in a column down its
    middle. The opening cut the fill in two at that column, and each text-less half became a
    device picture; the name then went to neither. Light words on a fill count as fill."""
    from dicmodel.describe._geometry.ocr import ink_mask
    from dicmodel.describe._geometry.raster.frame import _INK_DELTA
    from dicmodel.describe._geometry.raster.icons import solid_blobs

    img = canvas(300, 220)
    cv2.rectangle(img, (40, 30), (200, 190), (166, 166, 166), -1)
    words = []
    for k, text in enumerate(("Invento", "ry", "Repo", "(NetBo", "x)")):
        y = 62 + 30 * k
        size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.9, 2)
        x = 120 - size[0] // 2
        cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2)
        words.append((float(x - 2), float(y - size[1] - 4), float(x + size[0] + 2), float(y + 6)))
    cv2.line(img, (120, 34), (120, 186), (255, 255, 255), 9)  # the letters' column, made plain
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, _bg = ink_mask(gray, np, _INK_DELTA)
    assert len(solid_blobs(mask, words, np, cv2)) == 2  # without the grey image: two halves
    assert solid_blobs(mask, words, np, cv2, gray) == []  # one fill, holding its name
