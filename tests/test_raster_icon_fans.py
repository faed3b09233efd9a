"""A fan of links from one device picture, each labelled along its slant (``raster/icons.py``,
``ocr._slanted``, ``raster._erase_slanted``, the icon-aware bounce in ``graph``).

Kubernetes' snapshot-permissions figure (draw.io SVG): a service-account picture (a blue
heptagon with a white shield on it) sends a fan of arrows to resource pictures, one of them
inside a namespace frame, each arrow labelled "GET" or "CREATE" written along it. The shield
read as an ellipse kept the picture from being an icon, so did the frame round the resource;
the slanted labels' upright boxes took in each other and the lines, and were cut out of them,
so one "GET GET GET CREATE CREATE" node stood in the middle of the fan; and two strokes of the
fan meeting just outside the picture were traced as one V between two resources.
Fixed word boxes (with the detector's quads), so no OCR engine runs.
"""

from __future__ import annotations

import math

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry._util import text_blocks
from dicmodel.describe._geometry.classify import read_figure
from dicmodel.describe._geometry.ocr import _word as ocr_word
from dicmodel.describe._geometry.primitives import Word

from _raster_draw import INK, canvas, png  # noqa: E402

BLUE = (230, 120, 40)  # BGR


def _picture(img: np.ndarray, cx: int, cy: int, r: int = 34, shield: bool = False) -> None:
    """A filled heptagon, with a white shield-like oval on its face if ``shield``."""
    pts = np.array([(cx + r * math.sin(2 * math.pi * k / 7), cy - r * math.cos(2 * math.pi * k / 7))
                    for k in range(7)], np.int32)
    cv2.fillPoly(img, [pts], BLUE)
    if shield:
        cv2.ellipse(img, (cx, cy), (13, 17), 0, 0, 360, (255, 255, 255), -1)


def _name(img: np.ndarray, text: str, cx: float, top: float) -> Word:
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    x0 = int(cx - tw / 2)
    cv2.putText(img, text, (x0, int(top) + th + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, INK, 1)
    return Word(text=text, bbox=(x0 - 1.0, top, x0 + tw + 1.0, top + th + 6.0), size=th + 6.0)


def _slanted_label(img: np.ndarray, text: str, a: tuple[int, int], b: tuple[int, int], at: float,
                   lift: float = 12.0) -> Word:
    """``text`` drawn along the line a-b (``at`` of the way), ``lift`` px off it on its upper
    side; the word as the detector gives it: its quad, and its upright box."""
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    ux, uy = math.cos(ang), math.sin(ang)
    nx, ny = uy, -ux  # the upper side (y grows down)
    if ny > 0:
        nx, ny = -nx, -ny
    cx = a[0] + at * (b[0] - a[0]) + lift * nx
    cy = a[1] + at * (b[1] - a[1]) + lift * ny
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    patch = np.full((60, 120), 255, np.uint8)
    cv2.putText(patch, text, (60 - tw // 2, 30 + th // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 40, 1)
    rot = cv2.getRotationMatrix2D((60, 30), -math.degrees(ang), 1.0)
    patch = cv2.warpAffine(patch, rot, (120, 60), borderValue=255)
    x0, y0 = int(round(cx)) - 60, int(round(cy)) - 30
    region = img[y0:y0 + 60, x0:x0 + 120]
    np.minimum(region, patch[:, :, None], out=region)
    hw, hh = tw / 2 + 3, th / 2 + 4
    corners = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]  # along the text, top then bottom
    quad = [(cx + dx * ux - dy * nx, cy + dx * uy - dy * ny) for dx, dy in corners]
    return ocr_word(text, quad, 0.95)


def _fan(monkeypatch: pytest.MonkeyPatch):
    img = canvas(720, 520)
    _picture(img, 110, 260, shield=True)
    words = [_name(img, "Driver", 110, 300)]
    corner = (146, 260)
    verbs = ("READ", "LIST", "WATCH", "CREATE")
    for k, (cy, verb) in enumerate(zip((50, 170, 350, 470), verbs)):
        name = f"Res{k + 1}"
        if k == 0:  # a resource inside a namespace frame
            cv2.rectangle(img, (470, 10), (680, 112), (120, 120, 120), 2)
            words.append(_name(img, "namespace", 620, 14))
        _picture(img, 575, cy + 10, r=28)
        words.append(_name(img, name, 575, cy + 42))
        end = (540, cy + 10)
        cv2.line(img, corner, end, BLUE, 2)
        d = np.subtract(end, corner) / np.hypot(*np.subtract(end, corner))
        tip = np.array(end, float)
        base = tip - 14 * d
        side = np.array([-d[1], d[0]]) * 6
        cv2.fillPoly(img, [np.array([tip, base + side, base - side], np.int32)], BLUE)
        words.append(_slanted_label(img, verb, corner, end, 0.45))
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    return raster.extract_raster(png(img), ocr="rapidocr")


def test_a_detector_quad_off_level_is_a_slanted_word_and_stays_a_block_of_its_own():
    level = ocr_word("GET", [(10, 10), (50, 10), (50, 26), (10, 26)], 0.9)
    assert level.quad is None and level.size == 16
    up = ocr_word("GET", [(10, 40), (45, 20), (53, 34), (18, 54)], 0.9)  # ~30 degrees
    assert up.quad is not None
    assert up.size == pytest.approx(math.dist((45, 20), (53, 34)))  # the letters' height, not the box's
    plumb = ocr_word("abcdef", [(10, 10), (26, 10), (26, 90), (10, 90)], 0.9)
    assert plumb.quad is None and plumb.vertical
    # two slanted labels whose upright boxes overlap are two blocks, not one two-line label
    other = ocr_word("SET", [(12, 58), (47, 38), (55, 52), (20, 72)], 0.9)
    assert len(text_blocks([up, other])) == 2


def test_icons_with_a_mark_on_them_or_a_frame_round_them_are_pictures(monkeypatch):
    prims = _fan(monkeypatch)
    icons = [s.bbox for s in prims.shapes if s.kind == "icon"]
    assert any(b[0] < 110 < b[2] and b[1] < 260 < b[3] for b in icons)  # the shielded one
    assert any(b[0] < 575 < b[2] and b[1] < 60 < b[3] for b in icons)  # the framed one


def test_each_link_of_the_fan_is_its_own_edge_with_its_slanted_label(monkeypatch):
    r = read_figure(_fan(monkeypatch))
    d = r.diagram
    labels = {n.label for n in d.nodes}
    assert not labels & {"READ", "LIST", "WATCH", "CREATE"}  # no label is a node
    links = {(d.label_of(e.source), d.label_of(e.target)): e.label for e in d.edges}
    for k, verb in enumerate(("READ", "LIST", "WATCH", "CREATE")):
        assert links.get(("Driver", f"Res{k + 1}")) == verb, links
    assert len(d.edges) == 4
