"""Short text lines read several to a recognition input (``ocr_pack``), on generated labels."""

from __future__ import annotations

import pytest

from dicmodel.describe._geometry.ocr_pack import pack


def test_pack_places_lines_first_fit_on_the_output_grid_and_never_overlaps():
    widths = [100, 60, 150, 30, 200, 90]
    strips = pack(widths, capacity=448, gap=24, stride=8)
    placed = sorted(i for s in strips for i, _x in s)
    assert placed == list(range(len(widths)))
    for strip in strips:
        spans = sorted((x, x + widths[i]) for i, x in strip)
        assert all(x % 8 == 0 for x, _e in spans)
        assert spans[-1][1] <= 448
        assert all(b[0] - a[1] >= 24 for a, b in zip(spans, spans[1:]))
    assert len(strips) == 2  # 630 px of lines and gaps need two 448 px strips, not six


def test_a_line_wider_than_a_strip_gets_a_strip_of_its_own():
    strips = pack([500, 40], capacity=448, gap=24, stride=8)
    assert [(0, 0)] in strips and len(strips) == 2


np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")


def _label(text: str):
    img = np.full((30, 12 + 17 * len(text), 3), 255, np.uint8)
    cv2.putText(img, text, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (30, 30, 30), 2, cv2.LINE_AA)
    return img


def test_short_labels_read_packed_as_they_read_one_by_one():
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry import ocr
    from dicmodel.describe._geometry.ocr_pack import PackedRecognizer

    engine = ocr._rapidocr_engine()
    rec = engine._load_rec_model()
    assert isinstance(rec, PackedRecognizer)
    labels = ["Leaf", "Spine", "DNS", "etcd", "Router 2", "API Server Gateway Cluster"]
    crops = [_label(t) for t in labels]
    packed = ocr.read_lines(crops)
    alone = [ocr.read_lines([c, _label("a much longer line of text here")])[0] for c in crops]
    assert [t for t, _s in packed] == labels
    assert [t for t, _s in alone] == labels
    assert all(abs(s - a) < 0.05 for (_t, s), (_u, a) in zip(packed, alone))


def test_packed_lines_keep_their_places_and_word_boxes_in_a_figure():
    pytest.importorskip("rapidocr")
    from dicmodel.describe._geometry import ocr

    img = np.full((260, 520, 3), 255, np.uint8)
    spots = {"Leaf": (30, 40), "Spine": (300, 40), "DNS": (30, 140), "etcd": (300, 140)}
    for text, (x, y) in spots.items():
        cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 2, cv2.LINE_AA)
    # two interface labels on both sides of a link: one detected line, split at the stroke by
    # the per-word boxes, which for a packed line come from its own output steps
    cv2.putText(img, "eth1", (200, 225), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 2, cv2.LINE_AA)
    cv2.putText(img, "eth0", (290, 225), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 2, cv2.LINE_AA)
    cv2.line(img, (275, 190), (275, 250), (30, 30, 30), 2)
    words = {w.text: w.bbox for w in ocr.ocr_words(img)}
    for text, (x, y) in spots.items():
        x0, y0, x1, y1 = words[text]
        assert x0 - 4 <= x <= x0 + 12 and y0 < y < y1 + 6
    assert words["eth1"][2] < 275 < words["eth0"][0]
