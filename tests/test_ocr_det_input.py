"""The text detector's input is built in float32 (RapidOCR's own preprocessing goes through
float64), on a generated diagram: the same tensor to within one rounding step, so the same
lines are found."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")
pytest.importorskip("rapidocr")

from dicmodel.describe._geometry import ocr  # noqa: E402

from _raster_draw import INK  # noqa: E402
from _raster_draw import canvas as _canvas  # noqa: E402


def _figure():
    img = _canvas(520, 200)
    for x, label in ((30, "Client"), (300, "Server")):
        cv2.rectangle(img, (x, 40), (x + 180, 100), INK, 2)
        cv2.putText(img, label, (x + 40, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.8, INK, 2, cv2.LINE_AA)
    cv2.arrowedLine(img, (210, 70), (300, 70), INK, 2)
    cv2.putText(img, "request", (200, 150), cv2.FONT_HERSHEY_SIMPLEX, 0.7, INK, 2, cv2.LINE_AA)
    return img


def test_detector_input_is_float32_and_matches_the_float64_normalisation():
    img = _figure()
    words = ocr.ocr_words(img)  # installs the float32 input on the shared detector
    assert {"Client", "Server", "request"} <= {w.text for w in words}
    det = ocr._rapidocr_engine()._load_det_model()
    op = det.get_preprocess()
    got = op.normalize(img)
    assert got.dtype == np.float32
    ref = (img.astype("float32") * op.scale - np.array(op.mean)) / np.array(op.std)  # RapidOCR's
    assert ref.dtype == np.float64
    assert float(np.abs(got - ref).max()) < 1e-6


def test_float32_input_is_installed_once():
    det = ocr._rapidocr_engine()._load_det_model()
    ocr._float32_det_input(det)
    first = det.get_preprocess
    ocr._float32_det_input(det)
    assert det.get_preprocess is first


def test_a_lone_accent_on_an_english_line_is_the_recogniser_s_not_the_text_s():
    from dicmodel.describe._geometry.ocr import _plain

    assert _plain("2 Updatè Policies on PDP") == "2 Update Policies on PDP"
    assert _plain("Set PDP mode as ACTIVÉ") == "Set PDP mode as ACTIVE"
    assert _plain("UÉ") == "UE"
    # two accents, a lone letter or another script: left as read
    assert _plain("Café crème") == "Café crème"
    assert _plain("à") == "à"
    assert _plain("数据 é") == "数据 é"
