"""Each stage module of the raster extractor run on its own, on a generated image.

The stages (``frame``, ``ink``, ``heads``, ``shapes``, ``trace``, ``bridge``) are fed a working
frame built here by hand, so a failure points at one stage rather than at the whole pipeline.
"""

from __future__ import annotations

import math

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.ocr import ink_mask
from dicmodel.describe._geometry.primitives import Arrowhead, Path, Shape
from dicmodel.describe._geometry.raster import bridge, frame, heads, ink, shapes, trace

from _raster_draw import INK, canvas  # noqa: E402


def _frame(img: np.ndarray, stroke: float = 2.0, text_h: float = 0.0, words: list | None = None
           ) -> tuple[frame._Frame, np.ndarray, int]:
    """A working frame at scale 1 for a drawn image (the stroke width given, not measured)."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, bg = ink_mask(gray, np, frame._INK_DELTA)
    dark = ink_mask(gray, np, 150)[0]
    f = frame._Frame(np, cv2, 1.0, mask, stroke, text_h, np.zeros_like(mask), dark, words or [], [], [])
    return f, gray, bg


def _near(p: tuple[float, float], q: tuple[float, float], tol: float = 6.0) -> bool:
    return math.dist(p, q) <= tol


def test_frame_leaf_shapes_and_scaling_back_to_the_original_pixels():
    group = Shape(kind="rect", bbox=(10.0, 10.0, 300.0, 200.0))
    node = Shape(kind="rect", bbox=(40.0, 40.0, 120.0, 90.0))
    assert frame._leaf_shapes([group, node]) == [node]
    assert frame._median_h([(0, 0, 5, 10), (0, 0, 5, 20), (0, 0, 5, 30)]) == 20
    half = frame._scale_path(Path(points=[(10.0, 20.0), (30.0, 40.0)], width=2.0, arrow_end=True), 0.5)
    assert half.points == [(5.0, 10.0), (15.0, 20.0)] and half.width == 1.0 and half.arrow_end
    head = frame._scale_head(Arrowhead(tip=(10.0, 10.0), direction=(1.0, 0.0), bbox=(0, 0, 10, 10)), 2.0)
    assert head.tip == (20.0, 20.0) and head.bbox == (0, 0, 20, 20)
    assert frame._scale_shape(node, 2.0).bbox == (80.0, 80.0, 240.0, 180.0)


def test_ink_erases_the_letters_in_a_word_box_but_keeps_the_line_crossing_it():
    img = canvas(420, 200)
    cv2.putText(img, "label", (160, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.8, INK, 2, cv2.LINE_AA)
    cv2.line(img, (20, 160), (400, 160), INK, 3)  # a line well clear of the word
    cv2.line(img, (150, 40), (150, 180), INK, 3)  # a line running past the word's left side
    mask, _bg = ink_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np, frame._INK_DELTA)
    word = (158.0, 88.0, 236.0, 114.0)
    out, n_comp = ink._erase_text(mask.copy(), [word], np, cv2)
    assert n_comp >= 3  # the letters and the two lines were counted
    assert out[92:112, 162:232].sum() == 0  # no letter ink left in the box
    assert out[160, 20:400].all() and out[40:180, 150].all()  # both lines kept whole
    drawn = int(out[120:200, 300].sum())  # how thick the line came out
    assert abs(ink._stroke_width(out, np, cv2) - drawn) <= 1.0


def test_ink_mask_is_what_is_delta_darker_or_lighter_than_the_commonest_grey():
    # a pale page with a grey box and black strokes, its dark-theme negative, a strided view
    # of it (not contiguous) and flat images where no pixel is ink whatever the delta
    img = canvas(300, 200)
    cv2.rectangle(img, (40, 30), (200, 150), (200, 200, 200), -1)
    cv2.putText(img, "eth0", (60, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.9, INK, 2, cv2.LINE_AA)
    cv2.line(img, (10, 180), (290, 20), INK, 1, cv2.LINE_AA)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    flat = np.full((6, 9), 3, np.uint8)
    for g in (gray, 255 - gray, gray[::2, 1::3], flat, 255 - flat):
        counts = np.bincount(g.ravel(), minlength=256)
        for delta in (0, 40, 150, 255):
            mask, bg = ink_mask(g, np, delta)
            assert bg == int(counts.argmax())
            want = (g > bg + delta) if bg < 110 else (g < bg - delta)
            assert mask.dtype == np.uint8 and mask.shape == g.shape
            assert np.array_equal(mask, want.astype(np.uint8))
    # a page of more than 2**24 pixels (counted in bands) whose two greys differ by two pixels
    big = np.full((4200, 4000), 200, np.uint8)
    big[:2100] = 201
    big[0, 0] = 200
    assert big.size > 1 << 24 and ink_mask(big, np, 60)[1] == 200


def test_shapes_finds_a_rectangle_and_an_ellipse_and_their_outlines():
    img = canvas(420, 240)
    cv2.rectangle(img, (30, 40), (170, 120), INK, 2)
    cv2.ellipse(img, (300, 140), (80, 50), 0, 0, 360, INK, 2, cv2.LINE_AA)
    f, gray, bg = _frame(img)
    found, outline = shapes._shapes(f, gray, bg)
    kinds = sorted((s.kind, tuple(round(v / 10) for v in s.bbox)) for s in found)
    assert [k for k, _ in kinds] == ["ellipse", "rect"]
    rect = next(s for s in found if s.kind == "rect")
    assert all(abs(a - b) <= 4 for a, b in zip(rect.bbox, (30, 40, 170, 120)))
    assert outline[40, 100] and outline[80, 30] and not outline[80, 100]  # the border, not the inside


def test_heads_finds_a_filled_arrowhead_at_the_end_of_a_line_and_its_direction():
    img = canvas(420, 200)
    cv2.line(img, (30, 100), (330, 100), INK, 2)
    cv2.fillPoly(img, [np.array([(330, 88), (354, 100), (330, 112)], np.int32)], INK, cv2.LINE_AA)
    f, _gray, _bg = _frame(img)
    found, lines = heads._arrowheads(f, f.ink.copy())
    assert len(found) == 1
    assert _near(found[0].tip, (354, 100)) and found[0].direction[0] > 0.95
    assert lines[100, 40:300].all() and not lines[100, 340:350].any()  # the head left the line mask


def test_trace_follows_an_l_shaped_line_into_one_polyline_and_a_dashed_row_into_a_dashed_path():
    img = canvas(420, 300)
    cv2.line(img, (40, 40), (40, 200), INK, 2)
    cv2.line(img, (40, 200), (300, 200), INK, 2)
    for x in range(60, 340, 16):  # a dashed row: 8 px dashes, 8 px gaps
        cv2.line(img, (x, 260), (x + 8, 260), INK, 2)
    f, _gray, _bg = _frame(img)
    paths = trace._paths(f, f.ink.copy(), [])
    solid = [p for p in paths if not p.dashed]
    dashed = [p for p in paths if p.dashed]
    assert len(solid) == 1 and len(dashed) == 1
    pts = solid[0].points
    assert {_near(pts[0], (40, 40)), _near(pts[-1], (40, 40))} == {True, False}
    assert _near(pts[0], (300, 200)) or _near(pts[-1], (300, 200))
    assert any(_near(q, (40, 200)) for q in pts[1:-1])  # the corner is a vertex
    xs = sorted(q[0] for q in dashed[0].points)
    assert xs[0] <= 64 and xs[-1] >= 330


def test_bridge_rejoins_a_line_cut_by_its_label_and_carries_its_end_on_to_a_box():
    img = canvas(520, 200)
    cv2.line(img, (20, 100), (190, 100), INK, 2)  # the label's background hides the line here
    cv2.line(img, (290, 100), (420, 100), INK, 2)  # and it stops short of the box
    f, _gray, _bg = _frame(img, text_h=20.0)
    pieces = trace._paths(f, f.ink.copy(), [])
    assert len(pieces) == 2
    label = (195.0, 90.0, 285.0, 110.0)
    [one] = bridge._bridge_labels(pieces, [label], [], f)
    xs = sorted(q[0] for q in one.points)
    assert xs[0] <= 24 and xs[-1] >= 416
    box = Shape(kind="rect", bbox=(432.0, 60.0, 500.0, 140.0))
    bridge._reach_shapes([one], [box], f)
    assert max(q[0] for q in one.points) == pytest.approx(432.0, abs=2.0)


def test_ink_keeps_the_side_of_a_box_whose_text_starts_in_its_corner():
    # Visio tables set their text flush with the box's top-left corner: the first word's box
    # reaches over the top edge and its letters touch the left side. The side runs on below
    # the word (the top edge turns off above it), so it is a stroke, not a letter, and the box
    # stays closed.
    img = canvas(420, 260)
    cv2.rectangle(img, (40, 40), (300, 220), INK, 2)
    cv2.putText(img, "Next hop", (41, 62), cv2.FONT_HERSHEY_SIMPLEX, 0.7, INK, 2, cv2.LINE_AA)
    mask, _bg = ink_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np, frame._INK_DELTA)
    assert mask[45:62, 41].all()  # the letters are fused with the side
    word = (35.0, 38.0, 150.0, 64.0)  # the OCR box overhangs the corner
    out, _n = ink._erase_text(mask.copy(), [word], np, cv2)
    assert out[40:220, 40:42].any(axis=1).all()  # the left side is whole
    assert out[50:60, 60:140].sum() == 0  # the letters are gone


def _closed(mask: np.ndarray, inside: tuple[int, int]) -> bool:
    """Whether the background around ``inside`` is cut off from the image's corner."""
    fill = (1 - mask).astype(np.uint8) * 255
    cv2.floodFill(fill, None, inside, 128)
    return bool(fill[0, 0] == 255)


def test_ink_keeps_a_diamond_side_that_cuts_across_a_corner_of_a_word_box():
    # a decision's text fills the diamond: the OCR box of its last line overhangs the slanted
    # side at one corner, and clearing the box's core opened the outline there
    img = canvas(320, 200)
    cv2.polylines(img, [np.array([(60, 100), (160, 40), (260, 100), (160, 160)], np.int32)], True,
                  INK, 2, cv2.LINE_AA)
    cv2.putText(img, "Found?", (114, 128), cv2.FONT_HERSHEY_SIMPLEX, 0.6, INK, 2, cv2.LINE_AA)
    mask, _bg = ink_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np, frame._INK_DELTA)
    assert _closed(mask, (160, 90))  # the letters stay clear of the side
    out, _n = ink._erase_text(mask.copy(), [(104.0, 110.0, 190.0, 134.0)], np, cv2)
    assert _closed(out, (160, 90))
    assert out[114:130, 114:180].sum() == 0  # the letters are gone


def test_a_mark_read_as_a_cjk_character_in_a_latin_figure_is_no_word():
    """RapidOCR reads a lone drawn up-head as '个': in a figure whose labels are Latin it is a
    mark, not a label (it became a node '个' of the draw.io lifecycle figure); in a Chinese
    figure the same character is text and stays."""
    from dicmodel.describe._geometry.primitives import Word
    from dicmodel.describe._geometry.raster import _drop_marks

    def w(t: str) -> Word:
        return Word(text=t, bbox=(0.0, 0.0, 10.0, 10.0), size=10.0)

    latin = [w("propose"), w("approve"), w("□ Editable"), w("Draft"), w("个"), w("reject")]
    assert [x.text for x in _drop_marks(latin)] == ["propose", "approve", "□ Editable", "Draft",
                                                    "reject"]
    chinese = [w("用户"), w("网关"), w("个"), w("核心网"), w("AMF")]
    assert _drop_marks(chinese) == chinese


def test_an_ellipse_drawn_flush_with_the_crop_is_still_a_shape():
    """draw.io PNG exports put start/end ellipses right at the image's edge: the crop cuts
    the outline's outermost pixels, so the ellipse's inside meets the edge along a short
    stretch, unlike the space around the drawing, which meets it all along."""
    from dicmodel.describe._geometry.raster import extract_raster

    from _raster_draw import png

    img = canvas(360, 260)
    cv2.ellipse(img, (180, 45), (80, 47), 0, 0, 360, (190, 140, 100), 2, cv2.LINE_AA)
    cv2.rectangle(img, (110, 170), (250, 230), (60, 60, 60), 2)
    cv2.line(img, (180, 93), (180, 169), (60, 60, 60), 2)
    found = extract_raster(png(img), ocr=None).shapes
    assert any(abs(s.bbox[0] - 100) <= 6 and abs(s.bbox[2] - 260) <= 6 and s.bbox[3] > 85
               for s in found), [s.bbox for s in found]
    assert not any(s.bbox[2] - s.bbox[0] > 300 for s in found)


def _filled_frame(img: np.ndarray, words: list, text_h: float = 30.0) -> tuple:
    """(frame, grey, background, fills) after the fill stage, as ``_geometry`` builds them."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, bg = ink_mask(gray, np, frame._INK_DELTA)
    fills: list = []
    out, bare = ink._fills_to_outlines(mask, gray, words, np, cv2, fills)
    f = frame._Frame(np, cv2, 1.0, out, 2.0, text_h, bare, ink_mask(gray, np, 150)[0], words, [], [])
    return f, gray, bg, fills


def test_a_filled_box_cut_into_pieces_by_lines_drawn_over_it_is_still_one_shape():
    """A grey box (a PowerPoint cylinder, a Visio table) that two connectors cross: drawn over
    the fill, they cut its inside into pieces that each fit no shape, and its label was left
    with no node (ops-figures slide 7, "Config Repo"). The fill itself is the shape."""
    img = canvas(520, 320)
    cv2.rectangle(img, (180, 90), (340, 230), (150, 150, 150), -1)
    cv2.rectangle(img, (180, 90), (340, 230), (90, 90, 90), 2)
    cv2.line(img, (20, 200), (300, 200), (120, 60, 20), 2)   # enters from the left, ends inside
    cv2.line(img, (300, 200), (300, 228), (120, 60, 20), 2)  # ... and turns down to the bottom
    cv2.line(img, (500, 20), (250, 180), (120, 60, 20), 2)   # another one ends in its middle
    word = (215.0, 120.0, 300.0, 150.0)
    f, gray, bg, fills = _filled_frame(img, [word])
    assert len(fills) == 1 and fills[0][2]  # one fill, outlined
    found, _outline = shapes._shapes(f, gray, bg)
    # (no region holds the label; the frame its outline draws is found from its sides, unfilled)
    assert not any(s.filled and s.bbox[0] <= 257 <= s.bbox[2] and s.bbox[1] <= 135 <= s.bbox[3] for s in found)
    f, gray, bg, fills = _filled_frame(img, [word])
    found, _outline = shapes._shapes(f, gray, bg, fills)
    holding = [s for s in found if s.bbox[0] <= 257 <= s.bbox[2] and s.bbox[1] <= 135 <= s.bbox[3]]
    assert len(holding) == 1 and holding[0].kind == "rect" and holding[0].filled
    assert all(abs(a - b) <= 4 for a, b in zip(holding[0].bbox, (180, 90, 341, 231)))


def test_a_filled_box_found_whole_gets_no_second_shape_from_its_fill():
    img = canvas(420, 260)
    cv2.rectangle(img, (100, 60), (300, 200), (150, 150, 150), -1)
    cv2.rectangle(img, (100, 60), (300, 200), (90, 90, 90), 2)
    cv2.line(img, (10, 130), (100, 130), (120, 60, 20), 2)  # a connector ending at its side
    f, gray, bg, fills = _filled_frame(img, [(150.0, 115.0, 250.0, 145.0)])
    found, _outline = shapes._shapes(f, gray, bg, fills)
    assert len([s for s in found if s.bbox[0] <= 200 <= s.bbox[2] and s.bbox[1] <= 130 <= s.bbox[3]]) == 1


def test_a_dark_bar_no_taller_than_its_white_text_stays_one_fill():
    """A blue bar with white text nearly as tall as the bar ("Provisioning API (GCP)"): the
    opening that keeps only solid areas of ink broke the bar apart at the letters, and its
    pieces became three nodes. The word box, ringed by ink, is filled before the opening."""
    img = canvas(520, 200)
    cv2.rectangle(img, (40, 70), (480, 122), (192, 112, 0), -1)  # (BGR) a dark blue bar
    cv2.putText(img, "Provisioning API", (70, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3,
                cv2.LINE_AA)
    _f, _gray, _bg, fills = _filled_frame(img, [(66.0, 76.0, 420.0, 116.0)])
    boxes = [b for b, _m, _s in fills]
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert abs(x - 40) <= 3 and abs(x + w - 481) <= 3 and abs(y - 70) <= 3 and abs(y + h - 123) <= 3


@pytest.mark.parametrize("box, word, badge", [
    ((120, 60, 300, 200), (175.0, 115.0, 245.0, 145.0), False),  # a borderless node, text small in it
    ((170, 112, 250, 148), (175.0, 115.0, 245.0, 145.0), True),   # a label's badge, tight round it
])
def test_a_borderless_fill_is_a_label_badge_only_when_it_fits_its_text(box, word, badge):
    """A fill without an outline is a label's background when it hugs its text; a grey
    cylinder or a slide's borderless box, far larger than its name, is a node (ops-figures
    slide 7: "Image Repo" read as a badge, and the connectors into it joined through it)."""
    img = canvas(420, 260)
    cv2.rectangle(img, box[:2], box[2:], (150, 150, 150), -1)
    f, gray, bg, _fills = _filled_frame(img, [word])
    found, _outline = shapes._shapes(f, gray, bg)
    held = [s for s in found if s.bbox[0] <= 210 <= s.bbox[2] and s.bbox[1] <= 130 <= s.bbox[3]]
    assert len(held) == 1 and held[0].stroked is (not badge)


def _cloud_outline(cx: int, cy: int, rx: int, ry: int, bumps: int = 9) -> np.ndarray:
    """A cloud's outline: circles set round an ellipse, as clip-art and PowerPoint draw it."""
    pts = []
    for k in range(bumps):
        a = 2 * math.pi * k / bumps
        pts.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return pts


def test_a_cloud_is_a_shape_and_the_white_letters_on_a_grey_one_are_no_markers():
    """A cloud (the Internet, a provider network) outlines as bulges round an oval; it fitted
    no shape, so its name was a loose label (or the figure's title). On a grey cloud, white
    letters such as "a" are small light rings with fill all round them, not end markers."""
    img = canvas(520, 320)
    mask = np.zeros(img.shape[:2], np.uint8)
    for x, y in _cloud_outline(260, 160, 150, 80):
        cv2.circle(mask, (int(x), int(y)), 55, 1, -1)
    cv2.ellipse(mask, (260, 160), (150, 80), 0, 0, 360, 1, -1)
    img[mask > 0] = (160, 160, 160)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(img, contours, -1, (90, 90, 90), 2)
    cv2.putText(img, "o", (250, 175), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 3, cv2.LINE_AA)
    word = (190.0, 90.0, 240.0, 120.0)  # a word read elsewhere in the cloud
    f, gray, bg, _fills = _filled_frame(img, [word], text_h=24.0)
    found, _outline = shapes._shapes(f, gray, bg)
    assert [s.kind for s in found] == ["cloud"]
    b = found[0].bbox
    assert b[0] < 70 and b[2] > 450 and b[1] < 40 and b[3] > 280


def test_plain_boxes_and_ellipses_are_no_clouds():
    img = canvas(520, 320)
    cv2.rectangle(img, (30, 30), (230, 150), INK, 2)
    cv2.ellipse(img, (380, 200), (110, 70), 0, 0, 360, INK, 2, cv2.LINE_AA)
    cv2.rectangle(img, (40, 200), (200, 290), INK, 2)
    cv2.rectangle(img, (60, 220), (180, 270), INK, 2)
    f, gray, bg = _frame(img, text_h=20.0)
    found, _outline = shapes._shapes(f, gray, bg)
    assert sorted(s.kind for s in found) == ["ellipse", "rect", "rect", "rect"]


def _banded(tones: list[tuple[int, int, int]], words: list) -> list[Shape]:
    """The shapes of a stack of touching bands, one tone each, as ``_geometry`` runs the stages:
    fills to outlines, text erased, the band borders kept."""
    img = canvas(520, 360)
    for k, tone in enumerate(tones):
        cv2.rectangle(img, (100, 60 + 70 * k), (420, 60 + 70 * (k + 1)), tone, -1)
    for b in words:  # white letters on each band
        cv2.putText(img, "word", (int(b[0]) + 10, int(b[3]) - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (255, 255, 255), 2, cv2.LINE_AA)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, bg = ink_mask(gray, np, frame._INK_DELTA)
    bands = np.zeros_like(mask)
    out, bare = ink._fills_to_outlines(mask, gray, words, np, cv2, [], bands)
    out, _n = ink._erase_text(out, words, np, cv2)
    out |= bands
    f = frame._Frame(np, cv2, 1.0, out, 2.0, 30.0, bare, ink_mask(gray, np, 150)[0], words, [], [])
    return shapes._shapes(f, gray, bg)[0]


def _holding(found: list[Shape], b: tuple) -> list[Shape]:
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    return [s for s in found if s.bbox[0] <= cx <= s.bbox[2] and s.bbox[1] <= cy <= s.bbox[3]
            and s.bbox[3] - s.bbox[1] < 100]


def test_touching_bands_of_different_tones_are_one_shape_each():
    """A legend or a protocol stack drawn as bands that touch, each a colour of its own and all
    darker than the ink threshold, came out as one fill: one box whose label ran the three
    words together (SAI pipeline pages, "bridge router tunnel"). Each band holds its word;
    OCR boxes of white text reach over the band's edge, and the edge must survive them."""
    words = [(150.0, 58.0, 300.0, 134.0), (150.0, 128.0, 300.0, 204.0), (150.0, 198.0, 300.0, 272.0)]
    found = _banded([(80, 176, 0), (0, 192, 255), (160, 48, 112)], words)
    held = [_holding(found, b) for b in words]
    assert all(len(h) == 1 for h in held), [s.bbox for s in found]
    assert len({h[0].bbox for h in held}) == 3
    # three boxes, not a record (a UML class's title over its fields) around them
    assert not any(s.bbox[1] <= 96 and s.bbox[3] >= 235 for s in found), [s.bbox for s in found]


def test_a_fill_of_one_tone_is_not_split_between_its_lines():
    """Two lines of text on one flat fill are one node's label: no border between them."""
    words = [(150.0, 70.0, 300.0, 110.0), (150.0, 140.0, 300.0, 180.0)]
    found = _banded([(80, 176, 0), (80, 176, 0), (80, 176, 0)], words)
    assert not _holding(found, words[0]) and not _holding(found, words[1]), [s.bbox for s in found]
    assert any(s.bbox[1] <= 90 and s.bbox[3] >= 160 for s in found)  # the one box holds both


def test_a_filled_label_no_bigger_than_its_text_is_a_badge_not_a_node():
    """A label with a coloured background on a line (draw.io's "1. Event" on a blue badge):
    the letters reach the badge's rim, which then looks outlined, and the badge was read as a
    node that cut the connector in two. A fill the text covers to its edges is a badge."""
    img = canvas(520, 300)
    cv2.line(img, (20, 150), (500, 150), INK, 2)
    cv2.rectangle(img, (210, 134), (330, 166), (235, 196, 169), -1)
    for y in (134, 165):  # the letters' tops and feet along the rim, as dark as an outline
        cv2.rectangle(img, (210, y), (330, y + 1), (60, 50, 40), -1)
    cv2.putText(img, "1.EVENT", (214, 162), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (60, 50, 40), 3)
    word = (209.0, 133.0, 331.0, 167.0)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, _bg = ink_mask(gray, np, frame._INK_DELTA)
    _out, bare = ink._fills_to_outlines(mask, gray, [word], np, cv2, [])
    assert bare[150, 270] == 1
    # the same fill round a node's label, with room to spare, outlined: a node
    img = canvas(520, 300)
    cv2.rectangle(img, (150, 90), (370, 210), (235, 196, 169), -1)
    cv2.rectangle(img, (150, 90), (370, 210), (90, 60, 40), 2)
    cv2.putText(img, "NODE", (215, 160), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (60, 50, 40), 2)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mask, _bg = ink_mask(gray, np, frame._INK_DELTA)
    _out, bare = ink._fills_to_outlines(mask, gray, [(212.0, 135.0, 300.0, 163.0)], np, cv2, [])
    assert bare[150, 260] == 0


def test_bands_holding_rows_of_named_cells_are_not_split():
    """A layered architecture drawn as blocks of bands (CNCF's security whitepaper, Figure 5):
    each band holds a row of cells, each cell named, the cells parted by thin light lines.
    Split at the band borders alone, each band became one element whose name ran four cells'
    words together. A band is split off only when what it holds reads as one label."""
    words = [(110.0, 70.0, 170.0, 110.0), (330.0, 70.0, 400.0, 110.0),
             (150.0, 128.0, 300.0, 204.0), (150.0, 198.0, 300.0, 272.0)]
    found = _banded([(80, 176, 0), (0, 192, 255), (160, 48, 112)], words)
    assert not any(len(_holding(found, b)) == 1 for b in words), [s.bbox for s in found]
