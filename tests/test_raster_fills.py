"""Node shapes the raster stages used to miss, on generated images: dark fills that carry
light lettering or a light symbol (white text on a blue cylinder, a filled icon), and a shape
drawn flush with the crop's edge."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from _raster_draw import canvas

from dicmodel.describe._geometry.ocr import ink_mask
from dicmodel.describe._geometry.raster import frame, ink, shapes

BLUE = (200, 120, 60)  # BGR, grey ~112: ink against white
WHITE = (255, 255, 255)


def _read(img: np.ndarray, words: list) -> tuple[list, np.ndarray]:
    """The ink stages (fills, text erasure) and the shape stage, at scale 1."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, bg = ink_mask(gray, np, frame._INK_DELTA)
    mask, bare = ink._fills_to_outlines(mask, gray, words, np, cv2)
    mask, _ = ink._erase_text(mask, words, np, cv2)
    f = frame._Frame(np, cv2, 1.0, mask, ink._stroke_width(mask, np, cv2), frame._median_h(words),
                     bare, ink_mask(gray, np, 150)[0], words, [], [])
    found, _outline = shapes._shapes(f, gray, bg)
    return found, bare


def _covers(s, box, tol: float = 8.0) -> bool:
    return all(abs(s.bbox[k] - box[k]) <= tol for k in range(4))


def _cylinder_with_white_text(img: np.ndarray, x: int, y: int) -> tuple[int, int, int, int]:
    """A blue cylinder 110 x 100 whose white two-line label runs over its bottom edge."""
    w, h, lid = 110, 100, 14
    cv2.rectangle(img, (x, y + lid), (x + w, y + h - lid), BLUE, -1)
    cv2.ellipse(img, (x + w // 2, y + lid), (w // 2, lid), 0, 0, 360, BLUE, -1)
    cv2.ellipse(img, (x + w // 2, y + h - lid), (w // 2, lid), 0, 0, 360, BLUE, -1)
    cv2.putText(img, "Ma", (x + 22, y + 52), cv2.FONT_HERSHEY_SIMPLEX, 1.3, WHITE, 4)
    # the second line's descender runs out through the rim, as an overflowing label does
    cv2.putText(img, "p", (x + 42, y + 86), cv2.FONT_HERSHEY_SIMPLEX, 1.3, WHITE, 4)
    cv2.line(img, (x + 45, y + 80), (x + 45, y + h + 4), WHITE, 4)
    return (x, y, x + w, y + h)


def test_a_dark_cylinder_cut_by_its_white_label_is_one_closed_shape():
    img = canvas(300, 200)
    box = _cylinder_with_white_text(img, 90, 40)
    words = [(110.0, 55.0, 170.0, 95.0), (128.0, 95.0, 160.0, 134.0)]  # "Ma", "p"
    found, bare = _read(img, words)
    assert any(_covers(s, box) for s in found), [s.bbox for s in found]
    # white lettering of its own: a node, not the background of an edge label
    assert not bare[90, 145]


def test_a_filled_icon_with_a_white_symbol_is_a_shape():
    img = canvas(260, 220)
    cx, cy, r = 130, 90, 40
    pts = np.array([(cx + r * np.cos(a), cy + r * np.sin(a))
                    for a in np.linspace(-np.pi / 2, 1.5 * np.pi, 7, endpoint=False)], np.int32)
    cv2.fillPoly(img, [pts], BLUE)
    # a white symbol that nearly reaches the rim (a puzzle piece, a person)
    cv2.circle(img, (cx, cy - 8), 15, WHITE, -1)
    cv2.rectangle(img, (cx - 20, cy + 2), (cx + 20, cy + 20), WHITE, -1)
    cv2.putText(img, "TokenRequest", (62, 165), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 2)
    words = [(60.0, 148.0, 200.0, 170.0)]
    found, _bare = _read(img, words)
    icon = [s for s in found if s.bbox[0] < cx < s.bbox[2] and s.bbox[1] < cy < s.bbox[3]]
    assert icon and all(s.bbox[3] < 140 for s in icon), [s.bbox for s in found]


def test_a_light_box_with_its_label_on_a_dark_fill_stays_a_box_of_its_own():
    img = canvas(420, 300)
    cv2.rectangle(img, (30, 30), (390, 270), (0, 120, 0), -1)  # a dark green zone
    cv2.rectangle(img, (220, 150), (360, 220), (170, 210, 250), -1)  # a light box on it
    cv2.putText(img, "PM Server", (232, 192), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (20, 20, 20), 2)
    words = [(230.0, 172.0, 350.0, 198.0)]
    found, _bare = _read(img, words)
    assert any(_covers(s, (220, 150, 360, 220)) for s in found), [s.bbox for s in found]


def test_an_ellipse_drawn_flush_with_the_crop_is_still_a_shape():
    from _raster_draw import png

    from dicmodel.describe._geometry.raster import extract_raster

    img = canvas(360, 260)
    # the crop cut off the top of the outline: its interior meets the image's top edge
    cv2.ellipse(img, (180, 45), (80, 47), 0, 0, 360, (190, 140, 100), 2, cv2.LINE_AA)
    cv2.rectangle(img, (110, 170), (250, 230), (60, 60, 60), 2)
    cv2.line(img, (180, 93), (180, 169), (60, 60, 60), 2)
    found = extract_raster(png(img), ocr=None).shapes
    assert any(abs(s.bbox[0] - 100) <= 6 and abs(s.bbox[2] - 260) <= 6 and s.bbox[3] > 85 for s in found), \
        [s.bbox for s in found]
    # the background around the drawing, which meets the edges all along, is no shape
    assert not any(s.bbox[2] - s.bbox[0] > 300 for s in found)
