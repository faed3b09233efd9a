"""The structural describer's learned confidence calibrator (``_geometry/calibrate.py``)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from dicmodel.describe._geometry.calibrate import (
    EVIDENCE,
    calibrated_confidence,
    feature_vector,
    load_calibrator,
)

pymupdf = pytest.importorskip("pymupdf")

BLACK = (0, 0, 0)


def _random_evidence(rng: random.Random) -> dict[str, float]:
    ev = {name: rng.uniform(-1.0, 1.0) * rng.choice([1.0, 5.0, 100.0]) for name in EVIDENCE}
    ev["raster"] = rng.choice([0.0, 1.0])
    return ev


def test_the_calibrator_maps_any_features_into_0_1():
    rng = random.Random(7)
    for _ in range(500):
        p = calibrated_confidence(_random_evidence(rng), rng.uniform(0.0, 1.0))
        assert 0.0 <= p <= 1.0
    assert 0.0 <= calibrated_confidence({}, 0.0) <= 1.0  # no evidence at all: every feature 0


def test_a_higher_hand_made_score_never_lowers_the_calibrated_one():
    rng = random.Random(11)
    cal = load_calibrator()
    for _ in range(200):
        ev = {k: max(0.0, min(1.0, abs(v))) for k, v in _random_evidence(rng).items()}
        ps = [cal(feature_vector(ev, h / 20)) for h in range(21)]
        assert all(a <= b + 1e-12 for a, b in zip(ps, ps[1:]))


def test_the_weights_load_and_apply_without_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "from dicmodel.describe._geometry.calibrate import calibrated_confidence\n"
            "p = calibrated_confidence({'graph': 1.0, 'labelled': 1.0}, 0.9)\n"
            "assert 0.0 <= p <= 1.0 and 'sklearn' not in [m for m in sys.modules if sys.modules[m]]\n"
            "print(p)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


def _box(page, x, y, label, inside=True):
    page.draw_rect(pymupdf.Rect(x, y, x + 80, y + 40), color=BLACK)
    tx, ty = (x + 10, y + 25) if inside else (x + 5, y + 70)
    page.insert_text((tx, ty), label, fontsize=10)


def _arrow(page, a, b):
    """A line from a to b (horizontal, left to right) with a filled head at b."""
    page.draw_line(a, (b[0] - 8, b[1]), color=BLACK)
    page.draw_polyline([b, (b[0] - 9, b[1] - 4), (b[0] - 9, b[1] + 4)], color=BLACK, fill=BLACK,
                       closePath=True)


def _describe(draw):
    from dicmodel.describe._geometry.vector import page_inputs
    from dicmodel.describe.base import FigureRequest, get_describer
    from dicmodel.document import BBox, FigureKind

    doc = pymupdf.open()
    page = doc.new_page(width=420, height=200)
    draw(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    req = FigureRequest(figure_id="f", kind=FigureKind.vector, bbox=BBox.of(page.rect),
                        drawings=drawings, spans=spans)
    return get_describer("structural", ocr="none", calibrate=True).describe([req])[0]


def test_a_broken_reading_scores_lower_than_a_clean_one():
    def clean(page):
        for k, label in enumerate(("AMF", "SMF", "UPF")):
            _box(page, 20 + 140 * k, 60, label)
        _arrow(page, (100, 80), (160, 80))
        _arrow(page, (240, 80), (300, 80))

    def broken(page):
        # the same boxes, but their labels sit apart from them, the connectors stop short of
        # any box and a few words float free: little of the figure is accounted for
        for k, label in enumerate(("AMF", "SMF", "UPF")):
            _box(page, 20 + 140 * k, 60, label, inside=False)
        _arrow(page, (110, 150), (150, 170))
        _arrow(page, (250, 20), (290, 40))
        page.draw_polyline([(200, 180), (191, 176), (191, 184)], color=BLACK, fill=BLACK,
                           closePath=True)
        for k, word in enumerate(("N11", "N4", "Nsmf", "PDU", "session", "release")):
            page.insert_text((30 + 60 * k, 195), word, fontsize=8)

    good, bad = _describe(clean), _describe(broken)
    assert good.diagram is not None and len(good.diagram.edges) == 2
    assert bad.confidence < good.confidence
    assert good.confidence >= 0.8 > bad.confidence
