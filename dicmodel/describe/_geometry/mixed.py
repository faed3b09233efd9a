"""Mixed figures: the raster parts of a vector figure, read from the crop and merged.

A vector figure may hold content that is not vector: lettering painted as bitmaps (ETSI PDFs
of 3GPP specs draw most labels as tiny per-word 1-bit image masks), lettering drawn as glyph
outlines (paths, no text), or a whole raster diagram under a vector frame or callout. The
vector reader sees boxes with no words (or no diagram at all); this stage reads those parts
from the rendered crop and adds them to the same :class:`Primitives`, in the figure's point
frame, so one engine recovers one diagram:

- lettering (``RasterPart.role == "text"``, or every glyph-path figure with no text at all):
  OCR words whose centre lies on such a part join ``prims.words``; shapes and paths that lie
  inside a read word were its glyph outlines and leave the geometry;
- a raster picture (``role == "raster"``): the raster reader (OCR + OpenCV) runs on its part
  of the crop, and its shapes, connectors, arrowheads and words join the vector ones;
- a thin, long mask (at most 6 pt across, eight times as long) is a stroke painted as a
  bitmap (ETSI call flows paint their lifelines and message arrows this way): it becomes a
  path along its ink, dashed where the ink breaks, with an arrowhead at each end where the ink
  is much thicker than along the shaft (:func:`_mask_lines`).

Words already present as PDF text are never duplicated. Only figures read in the page's own
frame are merged (a turned figure's crop does not line up with its geometry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _util as U
from .primitives import Arrowhead, Path, Primitives, RasterPart, Rect, Shape, Word

__all__ = ["merge_raster_parts", "needs_crop"]

_PAD = 2.0  # pt: an OCR line may stick out of the bitmap that holds its letters
# a glyph-path figure: at least this many drawn outlines and no PDF text at all
_GLYPH_MIN_SHAPES = 6
_GLYPH_MAX = 24.0
_ART_SIDE = 160.0  # pt: wordless drawings this small are logos and seals (classify._wordless_art)  # pt: the largest side of a glyph outline


def needs_crop(prims: Primitives, drawings: Sequence[dict[str, Any]] = ()) -> bool:
    """Does this vector figure hold content only the crop shows? Pictures that are not icons,
    or no text at all beside many outlines (glyphs drawn as paths: small filled shapes, most
    of which the vector reader drops as fills or marker pieces)."""
    if prims.truncated or prims.quarter_turns:
        return False
    if prims.rasters:
        return True
    if prims.words or max(prims.width, prims.height) <= _ART_SIDE:
        return False  # small wordless art (a seal, a wordmark) stays art: its letters are no labels
    glyphs = sum(1 for d in drawings if d.get("fill") is not None and d.get("rect")
                 and max(d["rect"][2] - d["rect"][0], d["rect"][3] - d["rect"][1]) <= _GLYPH_MAX)
    return glyphs + len(prims.shapes) + len(prims.paths) >= _GLYPH_MIN_SHAPES


def merge_raster_parts(prims: Primitives, image: bytes, engine: str | None) -> None:
    """Read the crop's raster parts and merge them into ``prims`` (in place)."""
    from .ocr import decode_image

    img = decode_image(image)
    h, w = img.shape[:2]
    sx, sy = w / max(prims.width, 1e-6), h / max(prims.height, 1e-6)
    parts = list(prims.rasters)
    if not prims.rasters:  # no text and no pictures: the lettering is drawn as outlines
        parts = [RasterPart(bbox=(0.0, 0.0, prims.width, prims.height), role="text")]
    pictures = [p for p in parts if p.role == "raster"]
    for p in pictures:
        _merge_picture(prims, img, p.bbox, sx, sy, engine)
    strokes = _mask_lines(prims, img, [p.bbox for p in parts if p.role == "text"], sx, sy)
    lettering = [p.bbox for p in parts if p.role == "text" and p.bbox not in strokes]
    if lettering and engine is not None:
        _merge_lettering(prims, img, lettering, pictures, sx, sy, engine)
    n_text, n_pic = len(lettering), len(pictures)
    prims.warnings.append(f"mixed figure: {n_text} bitmap/outline text part(s), {len(strokes)} "
                          f"stroke(s) painted as bitmaps and {n_pic} picture(s) read from the crop"
                          + ("" if engine else " (geometry only: OCR off)"))
    prims.rasters = []


_STROKE_MAX = 6.0  # pt: the most a stroke painted as a mask is across (with its arrowheads)


def _mask_lines(prims: Primitives, img: Any, parts: list[Rect], sx: float, sy: float) -> list[Rect]:
    """Thin, long masks become paths (and arrowheads) in ``prims``; returns the parts used."""
    import numpy as np

    gray = img.min(axis=2) if img.ndim == 3 else img
    used = []
    for b in parts:
        thin, long = min(b[2] - b[0], b[3] - b[1]), max(b[2] - b[0], b[3] - b[1])
        if thin > _STROKE_MAX or long < max(20.0, 8 * thin):
            continue
        level = b[2] - b[0] > b[3] - b[1]
        x0, y0 = max(0, int(b[0] * sx)), max(0, int(b[1] * sy))
        x1, y1 = min(gray.shape[1], round(b[2] * sx) + 1), min(gray.shape[0], round(b[3] * sy) + 1)
        ink = gray[y0:y1, x0:x1] < 192  # hairlines render light grey
        if ink.size == 0 or not ink.any():
            continue
        crossing = _crossing(gray < 192, (x0, y0, x1, y1), level)
        ink = ink if level else ink.T  # rows across the stroke, columns along it
        along = ink.sum(axis=0)
        along[crossing] = 0  # a line crossing the stroke (a lifeline at its end) is no head
        on = np.flatnonzero(along)
        if on.size == 0:
            continue
        first, last = int(on[0]), int(on[-1])
        across = float((ink.sum(axis=1) * np.arange(ink.shape[0])).sum() / ink.sum())
        inked = along[first:last + 1][along[first:last + 1] > 0]
        shaft = float(np.median(inked)) if inked.size else 0.0
        scale, off, cross, coff = (sx, x0, sy, y0) if level else (sy, y0, sx, x0)
        a_pt, b_pt, c_pt = (off + first) / scale, (off + last + 1) / scale, (coff + across + 0.5) / cross
        end = max(3, int(2 * thin * scale))
        # a head is thick over several positions; a line crossing the end is thick over one or two
        heads = [int((along[first:first + end] >= shaft + 2).sum()) >= 3,
                 int((along[max(first, last + 1 - end):last + 1] >= shaft + 2).sum()) >= 3]
        gaps = float(((along[first:last + 1] == 0) & ~crossing[first:last + 1]).mean())
        pts = [(a_pt, c_pt), (b_pt, c_pt)] if level else [(c_pt, a_pt), (c_pt, b_pt)]
        prims.paths.append(Path(points=pts, dashed=gaps > 0.15))
        size = max(1.0, thin)
        for tip, other, head in ((pts[0], pts[1], heads[0]), (pts[1], pts[0], heads[1])):
            if head and not (heads[0] and heads[1] and long < 3 * size):
                d = ((tip[0] - other[0]) / long, (tip[1] - other[1]) / long)
                box = (min(tip[0], tip[0] - d[0] * 2 * size) - abs(d[1]) * size / 2,
                       min(tip[1], tip[1] - d[1] * 2 * size) - abs(d[0]) * size / 2,
                       max(tip[0], tip[0] - d[0] * 2 * size) + abs(d[1]) * size / 2,
                       max(tip[1], tip[1] - d[1] * 2 * size) + abs(d[0]) * size / 2)
                prims.arrowheads.append(Arrowhead(tip=tip, direction=d, bbox=box))
        used.append(b)
    return used


def _crossing(ink: Any, box: tuple[int, int, int, int], level: bool) -> Any:
    """Positions along a stroke's band where ink runs on just outside the band on both sides:
    a line crossing it there."""
    x0, y0, x1, y1 = box
    if not level:
        ink, (x0, y0, x1, y1) = ink.T, (y0, x0, y1, x1)
    above = ink[max(0, y0 - 3), x0:x1] if y0 >= 3 else ink[0, x0:x1] & False
    below = ink[min(ink.shape[0] - 1, y1 + 2), x0:x1] if y1 + 2 < ink.shape[0] else ink[0, x0:x1] & False
    return above & below


def _to_pt(r: Rect, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> Rect:
    return (dx + r[0] / sx, dy + r[1] / sy, dx + r[2] / sx, dy + r[3] / sy)


def _merge_lettering(prims: Primitives, img: Any, parts: list[Rect], pictures: list[RasterPart],
                     sx: float, sy: float, engine: str) -> None:
    from .ocr import ocr_words

    have = [wd.bbox for wd in prims.words]
    added: list[Word] = []
    for wd in ocr_words(img, engine):  # type: ignore[arg-type]
        box = _to_pt(wd.bbox, sx, sy)
        c = U.center(box)
        if not any(U.inside(c, p, _PAD) for p in parts):
            continue
        if any(U.inside(c, pic.bbox) for pic in pictures) or any(U.inside(c, b, 1.0) for b in have):
            continue  # read with its picture, or already text in the PDF
        if _arrow_glyph(wd.text, box, prims):
            continue
        added.append(Word(text=wd.text, bbox=box, size=wd.size / sy, confidence=wd.confidence,
                          vertical=wd.vertical))
    _drop_glyph_outlines(prims, added)
    prims.words += added


def _arrow_glyph(text: str, box: Rect, prims: Primitives) -> bool:
    """A vector arrowhead read as a letter ('A', 'V', '>', a triangle sign)."""
    if len(text.strip()) > 2:
        return False
    return any(U.inside(U.center(a.bbox), U.expand(box, 1.0)) for a in prims.arrowheads)


def _drop_glyph_outlines(prims: Primitives, words: list[Word]) -> None:
    """Outlines and strokes wholly inside a word that OCR read were its letters."""
    if not words:
        return
    boxes = [U.expand(wd.bbox, 1.0) for wd in words]

    def letter(r: Rect) -> bool:
        return any(U.contains(b, r, 0.0) for b in boxes)

    prims.shapes = [s for s in prims.shapes if not letter(s.bbox)]
    prims.paths = [p for p in prims.paths if not letter(_bbox(p.points))]
    prims.arrowheads = [a for a in prims.arrowheads if not letter(a.bbox)]


def _bbox(points: list[tuple[float, float]]) -> Rect:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _merge_picture(prims: Primitives, img: Any, part: Rect, sx: float, sy: float,
                   engine: str | None) -> None:
    """The raster reader on the picture's own pixels, its primitives moved into the figure."""
    from .raster import extract_raster

    h, w = img.shape[:2]
    x0, y0 = max(0, int(part[0] * sx)), max(0, int(part[1] * sy))
    x1, y1 = min(w, round(part[2] * sx)), min(h, round(part[3] * sy))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return
    rp = extract_raster(img[y0:y1, x0:x1], ocr=engine)
    dx, dy = x0 / sx, y0 / sy
    # the vector frame drawn round the picture is its border, not a node around its content
    prims.shapes = [s for s in prims.shapes if not _same_box(s.bbox, part)]
    for s in rp.shapes:
        prims.shapes.append(Shape(kind=s.kind, bbox=_to_pt(s.bbox, sx, sy, dx, dy), filled=s.filled,
                                  stroked=s.stroked, dashed=s.dashed, fill=s.fill))
    for p in rp.paths:
        prims.paths.append(Path(points=[(dx + x / sx, dy + y / sy) for x, y in p.points],
                                dashed=p.dashed, width=p.width / sx, arrow_start=p.arrow_start,
                                arrow_end=p.arrow_end))
    for a in rp.arrowheads:
        prims.arrowheads.append(Arrowhead(tip=(dx + a.tip[0] / sx, dy + a.tip[1] / sy),
                                          direction=a.direction, bbox=_to_pt(a.bbox, sx, sy, dx, dy)))
    have = [wd.bbox for wd in prims.words]
    for wd in rp.words:
        box = _to_pt(wd.bbox, sx, sy, dx, dy)
        if not any(U.inside(U.center(box), b, 1.0) for b in have):
            prims.words.append(Word(text=wd.text, bbox=box, size=wd.size / sy,
                                    confidence=wd.confidence, vertical=wd.vertical))
    prims.warnings += [f"picture: {m}" for m in rp.warnings]


def _same_box(a: Rect, b: Rect, tol: float = 8.0) -> bool:
    """``a`` frames ``b``: the same box give or take ``tol`` on every side."""
    return all(abs(a[i] - b[i]) <= tol for i in range(4))
