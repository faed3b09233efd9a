"""OCR behind one function: image -> line-level :class:`Word` boxes in pixel coordinates.

Two engines:

- ``rapidocr`` (default, ``[ocr]`` extra): PP-OCR ONNX models that ship inside the wheel. The
  model files are passed to RapidOCR by explicit path, so a missing file is an error here and
  never a download. One engine instance is kept per process (loading costs ~1-4 s).
- ``tesseract``: the ``tesseract`` binary through ``pytesseract`` (Debian/Ubuntu package
  ``tesseract-ocr``); its word boxes are grouped back into lines.

Diagram labels are short lines; a box with a two-line label gives two :class:`Word` lines one
above the other, which the diagram engine joins by containment. RapidOCR's detector already
finds lines (and keeps two labels 4 px apart separate, which matters for interface labels
side by side); Tesseract's word boxes are joined into runs on one line when the gap is under
about one text height.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from ..._extras import require
from ..._offline import quiet_onnxruntime
from ...errors import BackendUnavailableError, ConfigError, ImageError
from .primitives import Word

__all__ = ["ENGINES", "OcrEngine", "decode_image", "ink_mask", "ocr_words", "read_lines"]

OcrEngine = Literal["rapidocr", "tesseract"]
ENGINES = ("rapidocr", "tesseract")

# RapidOCR scores below this are mostly noise on line art (arrow tips read as "->", "<")
_MIN_SCORE = 0.5
# det input: the longest side is capped here (cost grows with area; labels stay legible)
_DET_MAX_SIDE = 1600
_DET_MIN_SIDE = 640
# ... unless the print is so small that the cap would shrink letters below this many pixels:
# then det runs larger (up to the image, at most _DET_SMALL_PRINT_SIDE) to make them
# _DET_SMALL_PRINT_LETTER_PX tall.
# A wide Mermaid network diagram fitted to 1184 px has ~5 px letters at 2x: at 1600 the
# detector missed 36 of 94 lines of devset 162.mmd and 21 of 54 of 160.mmd
_DET_SMALL_PRINT_PX = 4.8
_DET_SMALL_PRINT_LETTER_PX = 6.0
_DET_SMALL_PRINT_SIDE = 3000
_LETTER_FLOOR = 4  # the smallest piece _letter_height counts: an estimate there is mostly dashes
# below the cap, det runs at the scale that makes letters about this many pixels tall: the
# detector finds lines of that size as well as larger ones, at a fraction of the cost (a 2x
# render of a diagram has ~16 px letters; recognition still reads full-resolution crops).
# 8 against 9 on the devset's PNGs: 11% less OCR time on sequence diagrams, 5% on the rest,
# the same labels read but one of 2220
_DET_LETTER_PX = 8.0
# recognition input: lines are at least this wide (48 px high), and go in batches of this many.
# Measured on the devset's 224 rendered PNGs: 21% less OCR time than RapidOCR's 320 and 6, the
# same labels read (1754 of 2220); 160 px saved 28% but lost 5 labels
_REC_MIN_WIDTH = 224
_REC_BATCH = 2
_LOCK = threading.Lock()


def decode_image(image: Any) -> Any:
    """Encoded bytes or an array -> a BGR uint8 array (``[H, W, 3]``); bad input -> ImageError."""
    np = require("numpy", "image decoding", extra="ocr")
    cv2 = require("cv2", "image decoding")
    if isinstance(image, (bytes, bytearray, memoryview)):
        buf = np.frombuffer(bytes(image), dtype=np.uint8)
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if buf.size else None
        if img is None:
            raise ImageError(f"image bytes cannot be decoded ({len(buf)} bytes; expected PNG, "
                             "JPEG, BMP, TIFF or WebP)")
    elif isinstance(image, np.ndarray):
        img = image
    else:
        raise ImageError(f"image must be encoded bytes or a numpy array, got {type(image).__name__}")
    return _to_bgr(img, np, cv2)


def _to_bgr(img: Any, np: Any, cv2: Any) -> Any:
    if img.ndim not in (2, 3) or img.shape[0] < 2 or img.shape[1] < 2:
        raise ImageError(f"image must be a 2-D grey or 3-D colour array of at least 2x2, got shape "
                         f"{tuple(img.shape)}")
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:  # composite transparency over white, as a viewer shows it
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        rgb = img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return rgb.astype(np.uint8)
    if img.shape[2] == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return img[:, :, :3]


def ocr_words(image: Any, engine: OcrEngine = "rapidocr") -> list[Word]:
    """Line-level words of ``image`` (encoded bytes or a BGR/grey array), in reading order.

    Boxes are pixel coordinates of the given image; ``size`` is the line height in pixels.
    """
    if engine not in ENGINES:
        raise ConfigError(f"ocr engine must be one of {list(ENGINES)}, got {engine!r}")
    img = decode_image(image)
    if engine == "rapidocr":
        words = _rapidocr_words(img)
    else:
        words = _tesseract_words(img)
    return sorted(words, key=lambda w: (round(w.bbox[1] / 4), w.bbox[0]))


def ocr_mosaic(images: list[Any], engine: OcrEngine = "rapidocr", pad: int = 16) -> list[list[Word]]:
    """The words of several small BGR crops, read in one pass: the crops are stacked into one
    white image (``pad`` pixels apart) so detection runs once, at a size that suits small
    crops, and each word comes back in its own crop's pixels. A word straddling two crops
    cannot happen: the padding is blank."""
    np = require("numpy", "OCR of raster figures", extra="ocr")
    out: list[list[Word]] = [[] for _ in images]
    if not images:
        return out
    width = max(im.shape[1] for im in images) + 2 * pad
    height = sum(im.shape[0] + pad for im in images) + pad
    sheet = np.full((height, width, 3), 255, np.uint8)
    tops, y = [], pad
    for im in images:
        sheet[y:y + im.shape[0], pad:pad + im.shape[1]] = im
        tops.append(y)
        y += im.shape[0] + pad
    for w in ocr_words(sheet, engine):
        k = max(0, bisect_right(tops, (w.bbox[1] + w.bbox[3]) / 2 + pad / 2) - 1)
        dx, dy = pad, tops[k]
        out[k].append(replace(w, bbox=(w.bbox[0] - dx, w.bbox[1] - dy, w.bbox[2] - dx,
                                       w.bbox[3] - dy)))
    return out


def read_lines(images: list[Any], engine: OcrEngine = "rapidocr") -> list[tuple[str, float]]:
    """(text, confidence) for each of several BGR images holding one short line of text each,
    with no detection pass: the detector skips a label of one or two characters ("G", "(",
    "C++") that recognition still reads. Only RapidOCR exposes recognition alone; with
    Tesseract (or a RapidOCR without it) every answer is ``("", 0.0)``."""
    none = [("", 0.0)] * len(images)
    if engine != "rapidocr" or not images:
        return none
    rec = getattr(_rapidocr_engine(), "recognize_txt", None)
    if rec is None:
        return none
    with _LOCK:
        out = rec(list(images))
    return [(_plain(str(t).strip()), float(sc)) for t, sc in zip(out.txts, out.scores)]


# ---- RapidOCR -----------------------------------------------------------------------------

def _rapidocr_model_files() -> dict[str, Path]:
    rapidocr = require("rapidocr", "OCR of raster figures")
    models = Path(rapidocr.__file__).resolve().parent / "models"
    files = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx",
             "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx"}
    paths = {k: models / v for k, v in files.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        # never let RapidOCR fall back to downloading: this library runs air-gapped
        raise BackendUnavailableError(f"RapidOCR model files are missing from the wheel: {missing}; "
                                      "reinstall rapidocr (the models ship inside it)")
    return paths


@functools.lru_cache(maxsize=2)
def _rapidocr_engine() -> Any:
    rapidocr = require("rapidocr", "OCR of raster figures")
    quiet_onnxruntime()  # before the first session (ORT_DISABLE_TELEMETRY is set too)
    paths = _rapidocr_model_files()
    params = {
        "Global.log_level": "error",
        # diagram text is upright; the angle classifier costs time and flips short labels
        "Global.use_cls": False,
        "Det.model_path": str(paths["Det"]),
        "Rec.model_path": str(paths["Rec"]),
        "Cls.model_path": str(paths["Cls"]),
        # the default 'min' mode upsamples small images to 736 px on the short side
        "Det.limit_type": "max",
        "Det.limit_side_len": _DET_MAX_SIDE,
        # recognition pads every line to at least 320 px wide (a 6.7:1 line) and a batch to its
        # widest line; diagram labels are mostly a word or two, so most of that is padding
        "Rec.rec_img_shape": [3, 48, _REC_MIN_WIDTH],
        "Rec.rec_batch_num": _REC_BATCH,
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    return rapidocr.RapidOCR(params=params)


def ink_mask(gray: Any, np: Any, delta: int) -> tuple[Any, int]:
    """(0/1 uint8 mask of what is ``delta`` grey levels darker than the background, the
    background level). The background is the commonest grey; on a dark theme (below 110) ink is
    what is that much lighter."""
    cv2 = require("cv2", "raster figure geometry")
    bg = _commonest_grey(gray, np, cv2)
    # OpenCV's histogram and threshold: the same mask as numpy's bincount and compare, in a
    # fraction of the time (six calls per figure on full-size pages)
    if bg < 110:
        return cv2.threshold(gray, bg + delta, 1, cv2.THRESH_BINARY)[1], bg
    return cv2.threshold(gray, bg - delta - 1, 1, cv2.THRESH_BINARY_INV)[1], bg


def _commonest_grey(gray: Any, np: Any, cv2: Any) -> int:
    # calcHist counts in float32, exact below 2**24 pixels: a larger page (a Visio page at
    # 150 dpi is ~17 M) is counted in bands of rows and the counts added as integers
    rows = max(1, ((1 << 24) - 1) // max(1, gray.shape[1]))
    hist = np.zeros(256, dtype=np.int64)
    for y in range(0, gray.shape[0], rows):
        hist += cv2.calcHist([gray[y:y + rows]], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    return int(hist.argmax())


def _letter_height(img: Any) -> float:
    """Median height of the letter-shaped ink pieces of an image (0 when there are none)."""
    np = require("numpy", "OCR of raster figures", extra="ocr")
    cv2 = require("cv2", "OCR of raster figures")
    ink, _bg = ink_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np, 60)
    _n, _l, st, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    hs, ws = st[1:, cv2.CC_STAT_HEIGHT], st[1:, cv2.CC_STAT_WIDTH]
    letter = (hs >= _LETTER_FLOOR) & (hs <= 120) & (ws <= 1.5 * hs) & (ws >= 0.2 * hs)
    return float(np.median(hs[letter])) if letter.sum() >= 3 else 0.0


def _det_side(img: Any) -> int:
    """The detector's input size (long side) for this image."""
    side = max(img.shape[:2])
    lh = _letter_height(img)
    if lh <= 0:
        return _DET_MAX_SIDE
    want = side * min(1.0, _DET_LETTER_PX / lh)
    cap = _DET_MAX_SIDE
    if lh > _LETTER_FLOOR and lh * cap / side < _DET_SMALL_PRINT_PX:
        cap = int(min(side, _DET_SMALL_PRINT_SIDE, side * _DET_SMALL_PRINT_LETTER_PX / lh))
    return int(min(cap, max(_DET_MIN_SIDE, want)))


def _rapidocr_words(img: Any) -> list[Word]:
    engine = _rapidocr_engine()
    det = engine._load_det_model() if hasattr(engine, "_load_det_model") else None
    _float32_det_input(det)
    # a full-size pass over the image: only worth it where the detector takes the size
    side = _det_side(img) if det is not None and hasattr(det, "limit_side_len") else None
    with _LOCK:  # one ONNX session per process; the engine is not re-entrant
        if side is not None:
            det.limit_side_len = side  # read on every call (RapidOCR 3.x)
        out = engine(img, return_word_box=True)
    if out.txts is None or out.boxes is None:
        return []
    words: list[Word] = []
    for k, (quad, text, score) in enumerate(zip(out.boxes, out.txts, out.scores)):
        text = str(text).strip()
        if not text or float(score) < _MIN_SCORE:
            continue
        line = [(float(p[0]), float(p[1])) for p in quad]
        parts = _word_parts(out.word_results[k] if k < len(out.word_results) else ())
        # (a slanted line's word boxes are not level: the test for a stroke between them is)
        runs = _split_at_strokes(parts, img) if len(parts) > 1 and not _slanted(line) else []
        if len(runs) > 1:
            # the detector can run two labels into one line ("eth1 eth0" on both sides of a
            # link): split where a stroke runs through the gap between two words
            words.extend(runs)
            continue
        words.append(_word(text, line, float(score)))
    return words


def _float32_det_input(det: Any) -> None:
    """Make the detector normalise its input in float32. RapidOCR's ``DetPreProcess`` scales the
    image with float64 mean/std arrays, so every pixel goes through float64 and back (~0.13 CPU s
    of a 1075x1705 PlantUML PNG, 5% of its whole reading); float32 gives the same input to within
    one rounding step."""
    make = getattr(det, "get_preprocess", None)
    if make is None or getattr(det, "_dicmodel_float32", False):
        return

    def get_preprocess() -> Any:
        op = make()
        if all(hasattr(op, k) for k in ("normalize", "mean", "std", "scale")):
            op.normalize = functools.partial(_normalize_float32, op)
        return op

    det.get_preprocess = get_preprocess
    det._dicmodel_float32 = True


def _normalize_float32(op: Any, img: Any) -> Any:
    np = require("numpy", "OCR of raster figures", extra="ocr")
    std = np.asarray(op.std, dtype=np.float32)
    gain = np.float32(op.scale) / std
    offset = -np.asarray(op.mean, dtype=np.float32) / std
    return img.astype(np.float32) * gain + offset


# a line whose baseline runs this many degrees off level (and as many off plumb) is slanted
_SLANT_DEG = 12.0


# an accented Latin letter the recogniser puts on an English word ("Updatè", "Policiès",
# "ACTIVÉ" in a PlantUML chart): its dictionary is multilingual and a stroke or a dash beside
# the last letter reads as an accent
_ACCENTED = re.compile(r"[À-ÖØ-öø-ÿ]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _plain(text: str) -> str:
    """The text with each accented Latin letter that stands alone in an otherwise plain-ASCII
    line turned into its base letter; a line with two or more accents, or with any other
    letter outside ASCII (CJK labels, real French or German words), is left as it is."""
    accents = _ACCENTED.findall(text)
    if len(accents) != 1 or any(ord(c) > 127 and c not in accents and c.isalpha() for c in text) \
            or not _ASCII_LETTER.search(text):
        return text
    base = unicodedata.normalize("NFKD", accents[0])[0]
    return text.replace(accents[0], base) if base.isascii() else text


def _word(text: str, pts: list[tuple[float, float]], score: float) -> Word:
    text = _plain(text)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    bbox = (min(xs), min(ys), max(xs), max(ys))
    quad = _slanted(pts)
    # (a slanted line's box is far taller than its letters: its size is the quad's short side)
    size = math.dist(pts[1], pts[2]) if quad else bbox[3] - bbox[1]
    return Word(text=text, bbox=bbox, size=size, confidence=score,
                vertical=not quad and _is_vertical(bbox, text), quad=quad)


def _slanted(pts: list[tuple[float, float]]) -> tuple[Any, Any, Any, Any] | None:
    """The detector's quad (top-left, top-right, bottom-right, bottom-left along the text)
    when its baseline is slanted, else None."""
    if len(pts) != 4:
        return None
    (x0, y0), (x1, y1) = pts[0], pts[1]
    deg = abs(math.degrees(math.atan2(y1 - y0, x1 - x0))) % 180.0
    deg = min(deg, 180.0 - deg)  # 0 level, 90 plumb
    if _SLANT_DEG <= deg <= 90.0 - _SLANT_DEG and math.dist(pts[0], pts[1]) > math.dist(pts[1], pts[2]):
        return (pts[0], pts[1], pts[2], pts[3])
    return None


def _split_at_strokes(parts: list[Word], img: Any) -> list[Word]:
    runs = [parts[0]]
    for w in parts[1:]:
        if _stroke_between(runs[-1], w, img):
            runs.append(w)
        else:
            runs[-1] = _join(runs[-1], w)
    return runs


def _stroke_between(a: Word, b: Word, img: Any) -> bool:
    """A dark column spanning the line height inside the gap between two words."""
    x0, x1 = int(a.bbox[2]) + 1, int(b.bbox[0])
    y0, y1 = int(max(a.bbox[1], b.bbox[1])), int(min(a.bbox[3], b.bbox[3]))
    if x1 - x0 < 2 or y1 - y0 < 4:
        return False
    lx0, lx1 = int(a.bbox[0]), int(b.bbox[2]) + 1
    line = img[y0:y1, lx0:lx1].astype("float32") @ [0.114, 0.587, 0.299]  # [h, w] grey (BGR)
    gap = line[:, x0 - lx0:x1 - lx0]
    # darker than the label's own background (the fill of its box) by a stroke's contrast
    dark = gap < float(_median(line)) - 80
    return bool((dark.mean(axis=0) > 0.8).any())


def _median(a: Any) -> float:
    flat = sorted(a.ravel().tolist())
    return flat[len(flat) // 2]


def _word_parts(results: Any) -> list[Word]:
    """RapidOCR's per-word boxes of one line, left to right (empty when it gave none)."""
    parts = []
    for item in results or ():
        if len(item) < 3 or item[2] is None or not str(item[0]).strip():
            return []
        parts.append(_word(str(item[0]).strip(), [(float(p[0]), float(p[1])) for p in item[2]],
                           float(item[1])))
    return sorted(parts, key=lambda w: w.bbox[0])


def _is_vertical(bbox: tuple[float, float, float, float], text: str) -> bool:
    w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
    return len(text) > 2 and h > 2.5 * w


# ---- Tesseract ----------------------------------------------------------------------------

def _tesseract_words(img: Any) -> list[Word]:
    pytesseract = require("pytesseract", "OCR with Tesseract")
    # psm 11 (sparse text) suits scattered labels; on a few images it finds nothing at all,
    # where the automatic layout (psm 3) still reads them
    for psm in (11, 3):
        words = _tesseract_pass(pytesseract, img, psm)
        if words:
            return words
    return []


def _tesseract_pass(pytesseract: Any, img: Any, psm: int) -> list[Word]:
    try:
        data = pytesseract.image_to_data(img[:, :, ::-1], config=f"--psm {psm}",
                                         output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as err:
        raise BackendUnavailableError("the tesseract binary is not installed (Debian/Ubuntu: "
                                      "apt-get install tesseract-ocr); use ocr='rapidocr'") from err
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 30:
            continue
        x, y, w, h = (float(data[k][i]) for k in ("left", "top", "width", "height"))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(Word(text=text, bbox=(x, y, x + w, y + h), size=h,
                                              confidence=conf / 100.0))
    out = []
    for parts in lines.values():
        out.extend(_join_line(sorted(parts, key=lambda w: w.bbox[0]), max_gap=1.2))
    return out


# ---- grouping -----------------------------------------------------------------------------

def _same_line(a: Word, b: Word) -> bool:
    top, bottom = max(a.bbox[1], b.bbox[1]), min(a.bbox[3], b.bbox[3])
    return bottom - top > 0.6 * min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])


def _join(a: Word, b: Word) -> Word:
    box = (min(a.bbox[0], b.bbox[0]), min(a.bbox[1], b.bbox[1]),
           max(a.bbox[2], b.bbox[2]), max(a.bbox[3], b.bbox[3]))
    return Word(text=f"{a.text} {b.text}", bbox=box, size=max(a.size, b.size),
                confidence=min(a.confidence, b.confidence))


def _join_line(parts: list[Word], max_gap: float) -> list[Word]:
    """Words of one line, left to right -> runs split where the gap exceeds ``max_gap`` heights."""
    runs: list[Word] = []
    for w in parts:
        if runs:
            prev = runs[-1]
            h = min(prev.bbox[3] - prev.bbox[1], w.bbox[3] - w.bbox[1])
            if _same_line(prev, w) and w.bbox[0] - prev.bbox[2] <= max_gap * h:
                runs[-1] = _join(prev, w)
                continue
        runs.append(w)
    return runs
