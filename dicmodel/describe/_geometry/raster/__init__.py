"""Raster figure -> :class:`Primitives` (pixel frame): OCR words plus OpenCV shapes, lines, arrows.

The steps, each a small function:

1. decode (bad bytes -> :class:`~dicmodel.errors.ImageError`) and OCR the full image;
2. downscale for geometry when the image is large (time is bounded by the pixel count);
3. ink mask: pixels clearly darker than the background (the most common grey), so pale node
   fills and label backgrounds are not ink but strokes, arrows and text are; a pale box whose
   border is darker than its fill but too faint for ink gets that border drawn in;
4. text removal: ink components that sit inside an OCR word box are erased, so letters never
   become shapes or connectors (a stroke that merely crosses a word box is kept);
5. closed shapes: the enclosed regions of the non-ink mask (components not touching the image
   border) are node interiors; each is classified by how it fills its box and by its polygon
   (rect, rounded rect, ellipse/circle, diamond, hexagon, parallelogram, cylinder, polygon);
   regions that fit no shape (the gap between two edges and a box) are dropped. Small solid
   ink discs are kept as filled circles (state-diagram start/end markers). Regions that tile
   one closed box between rules (a UML class's compartments, an ER entity's table, a
   composite state's title bar over its body) are read together: the outer box plus its
   full-width rows, or the outer box alone when a cell holds other boxes. Small empty
   triangles and diamonds with a line at one side are open heads (UML inheritance,
   aggregation); a small ring is a line-end marker the line runs through, or with a dot
   inside, a state diagram's end marker;
6. connectors: ink minus the shape outlines. Arrowheads are the parts that survive a
   morphological opening wider than a line (filled triangles); their tip and direction come
   from where the line attaches. The rest is thinned to a one-pixel skeleton and traced into
   polylines between ends and forks (three or more separate runs of neighbours: a diagonal's
   staircase is no fork); straight runs through a crossing are rejoined (forks a stroke
   apart, where two lines cross at a slant, count as one crossing, and so does the thick knot
   of a shallow one, which the opening would otherwise take for two heads tip to tip);
   rows of short collinear dashes become one dashed path.

Everything is deterministic (no random sampling) and bounded: a drawing with too many ink
components is returned as words only, with ``truncated=True`` and a warning.

The stages live in their own modules, each importing only from the ones before it:
``frame`` (the working masks and shared helpers), ``ink`` (steps 3-4), ``heads`` and
``shapes`` (step 5 and the heads of step 6), ``icons`` (solid device pictures no shape
accounts for), ``trace`` (the rest of step 6) and ``bridge``
(pieces joined into whole connectors across labels, gaps and borders, and carried to the
shapes they point at); this module decodes, reads and runs them in order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ...._extras import require
from ....errors import ConfigError
from .._util import center, inside, median_height
from ..ocr import ENGINES, decode_image, ink_mask, ocr_mosaic, ocr_words, read_lines
from ..primitives import PHOTO_PALETTE, Primitives, Word
from .bridge import (
    _across_borders,
    _align_columns,
    _bridge_in_words,
    _bridge_labels,
    _close_dashed_gaps,
    _fill_borders,
    _glue_arrows,
    _reach_shapes,
    _straighten,
    _through_rings,
)
from .frame import (
    _INK_DELTA,
    _Frame,
    _leaf_shapes,
    _median_h,
    _scale_head,
    _scale_path,
    _scale_shape,
    _scaled_box,
)
from .heads import _arrowheads, _crosses, _open_heads
from .ink import (
    _erase_text,
    _faint_outlines,
    _fills_to_outlines,
    _in_disc,
    _number_discs,
    _stroke_width,
    _to_disc_centres,
)
from .icons import icon_shapes, solid_blobs
from .level import level_primitives
from .shapes import _shapes, fill_tone
from .trace import _paths

__all__ = ["GEOMETRY_MAX_SIDE", "extract_raster"]

GEOMETRY_MAX_SIDE = 1400  # geometry runs on an image at most this many pixels on its long side
GEOMETRY_MAX_PIXELS = 3.0e6  # ... or, to keep its text legible, at most this many pixels
_TEXT_MIN = 16.0  # median word height (working pixels) under which a downscale is eased ...
_TEXT_FLOOR = 20.0  # ... to keep this height, as far as the pixel budget allows
_TINT_SAT = 80  # HSV saturation (0-255) of a coloured stroke (an Office theme's blue is ~125)
_DARK_DELTA = 150  # grey levels below the background of a solid fill (not an anti-aliased edge)
# a drawn head or line-end marker read as text: '△', '>', an ER ring 'o' (or 'Q', '0' when the
# detector runs small), bars '十', '‡'
_GLYPH = re.compile(r"[\u2190-\u21ff\u25a0-\u25ff<>^vVoOQ0十卄丰‡†|+]?")
_MAX_COMPONENTS = 20000  # beyond this many ink pieces the figure is a photo/texture: words only


def extract_raster(png: bytes, *, ocr: str | None = "rapidocr", scale: float | None = None
                   ) -> Primitives:
    """Primitives of a raster figure, in the pixel frame of the given image.

    ``ocr`` picks the OCR engine (``"rapidocr"``, ``"tesseract"``) or ``None`` for geometry
    only. ``scale`` forces the geometry scale factor (default: downscale so the long side is at
    most :data:`GEOMETRY_MAX_SIDE`); coordinates are always returned in the original pixels.
    """
    if ocr is not None and ocr not in ENGINES:
        raise ConfigError(f"ocr must be one of {list(ENGINES)} or None, got {ocr!r}")
    if scale is not None and not (0.05 <= scale <= 4.0):
        raise ConfigError(f"scale must be between 0.05 and 4.0, got {scale!r}")
    img = decode_image(png)
    h, w = img.shape[:2]
    share = palette_share(img)
    words = [wd for wd in (ocr_words(img, ocr) if ocr else []) if not _GLYPH.fullmatch(wd.text.strip())]
    if share < PHOTO_PALETTE:  # a photograph or a shaded rendering: its words, no geometry
        return Primitives(source="raster", width=float(w), height=float(h), words=words,
                          palette_share=share)
    words = _drop_marks(words)
    s = scale if scale is not None else _geometry_scale(words, h, w)
    prims = Primitives(source="raster", width=float(w), height=float(h), words=words,
                       palette_share=share)
    _geometry(img, s, prims)
    if ocr is not None and not prims.truncated:
        names = _read_icon_names(img, prims, ocr)
        if names:  # their letters were traced as strokes: read the geometry again without them
            prims = Primitives(source="raster", width=float(w), height=float(h),
                               words=words + names, palette_share=share)
            _geometry(img, s, prims)
        prims.words += _read_bare_shapes(img, prims, ocr)
        prims.words += _read_bare_arrows(img, prims, ocr)
    return prims


_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u2e80-\u9fff\u3130-\u318f\uac00-\ud7af]{1,2}")


def _erase_slanted(quads: list[Any], ink: Any, s: float, np: Any, cv2: Any) -> None:
    """Clear the letters of slanted labels (their quads, in original pixels) from the working
    mask: the ink pieces lying (almost) wholly inside a quad. The connector a label is written
    along runs beside it, often through the detector's padded quad, and goes on past it: it
    stays, with any letter that touches it."""
    if not quads:
        return
    area = np.zeros_like(ink)
    for q in quads:
        cv2.fillPoly(area, [np.round(np.array(q, dtype=np.float64) * s).astype(np.int32)], 1)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    within = np.bincount(labels[area > 0], minlength=n)
    letters = within >= _SLANT_INSIDE * stats[:, cv2.CC_STAT_AREA]
    letters[0] = False
    ink[letters[labels]] = 0


_SLANT_INSIDE = 0.9  # share of an ink piece inside a slanted label's quad that makes it a letter


def _drop_marks(words: list[Word]) -> list[Word]:
    """A drawn mark read as text: the recogniser (trained on Chinese and English) returns a
    lone arrowhead, tick or bar as one or two CJK characters ('个' for an up head). In a figure
    whose text is Latin, such a word is a mark, not a label: it goes, so the geometry keeps
    the ink (a head erased as a word leaves its line without a direction)."""
    latin = sum(1 for w in words if _LATIN.search(w.text))
    if latin < 0.8 * len(words) or latin < 3:
        return words
    return [w for w in words if not _CJK.fullmatch(w.text.strip())]


_REREAD_SCORE = 0.9  # a re-read label this sure: below it single strokes come back as 'I', '1', '7'
_REREAD_MAX = 16  # at most this many shapes re-read per figure (each ~20 ms)


def _read_bare_shapes(img: Any, prims: Primitives, engine: str) -> list[Word]:
    """Words for node shapes that the text detector left without one but that hold ink: the
    detector skips labels of one or two characters ("G", "(", "C++") and some tiny print, which
    recognition alone, run on the shape's inside, still reads."""
    np = require("numpy", "raster figure geometry", extra="ocr")
    cv2 = require("cv2", "raster figure geometry")
    centres = [center(wd.bbox) for wd in prims.words]
    crops: list[Any] = []
    boxes: list[tuple[int, int, int, int]] = []
    for sh in _leaf_shapes(prims.shapes):  # (a group's title is not in its middle)
        x0, y0, x1, y1 = sh.bbox
        if sh.kind == "icon" or any(inside(c, sh.bbox) for c in centres):
            continue
        m = max(3.0, 0.12 * min(x1 - x0, y1 - y0))  # clear of the outline
        cx0, cy0, cx1, cy1 = int(x0 + m), int(y0 + m), int(x1 - m), int(y1 - m)
        if cx1 - cx0 < 6 or cy1 - cy0 < 6:
            continue
        crop = img[cy0:cy1, cx0:cx1]
        ink, _bg = ink_mask(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), np, 60)
        if int(ink.sum()) < 5:
            continue
        ys, xs = np.nonzero(ink)
        bx0, by0 = max(0, int(xs.min()) - 4), max(0, int(ys.min()) - 4)
        bx1, by1 = min(crop.shape[1], int(xs.max()) + 5), min(crop.shape[0], int(ys.max()) + 5)
        crops.append(crop[by0:by1, bx0:bx1])
        boxes.append((cx0 + bx0, cy0 + by0, cx0 + bx1, cy0 + by1))
        if len(crops) == _REREAD_MAX:
            break
    out: list[Word] = []
    for box, (text, score) in zip(boxes, read_lines(crops, engine)):
        # a lone stroke (a cylinder's rim) comes back as a CJK character such as '一'
        if score >= _REREAD_SCORE and not _GLYPH.fullmatch(text) and any(ord(c) < 0x2E80 for c in text):
            out.append(Word(text=text, bbox=tuple(float(v) for v in box), size=float(box[3] - box[1]),
                            confidence=score))
    return out


def _read_bare_arrows(img: Any, prims: Primitives, engine: str) -> list[Word]:
    """A second look over level arrows that came out of the first pass with no text over
    them. On a whole sequence chart the detector can pass over a short label that sits right
    on its line (PlantUML's "status" replies, three of them on one chart, all read from a strip
    of the chart); the strip over each such arrow is read again at its own pixels, all strips
    in one detection pass (``ocr_mosaic``)."""
    h = median_height(prims.words, 20.0)
    ww = img.shape[1]
    centres = [center(wd.bbox) for wd in prims.words]
    # (the level strokes read straight from the ink, see ``level.py``, are where a sequence
    # chart's message lines come out whole: the general tracing breaks them at their labels
    # and offsets them to the letters' baseline)
    src = prims.level if prims.level is not None else prims
    tips = [a.tip for a in src.arrowheads]
    crops: list[tuple[int, int, int, int]] = []
    seen: list[tuple[float, float, float]] = []
    for p in src.paths:
        (x0, y0), (x1, y1) = p.points[0], p.points[-1]
        if abs(x1 - x0) < 3 * h or abs(y1 - y0) > 0.05 * abs(x1 - x0):
            continue
        headed = p.arrow_start or p.arrow_end or any(
            math.dist(t, e) <= 1.5 * h for t in tips for e in (p.points[0], p.points[-1]))
        if not headed:
            continue
        lo, hi, y = min(x0, x1), max(x0, x1), min(y0, y1)
        if any(lo <= cx <= hi and y - 2.5 * h <= cy <= y + 0.5 * h for cx, cy in centres):
            continue  # it has its text
        if any(abs(y - sy) <= 0.5 * h and min(hi, shi) - max(lo, slo) > 0 for slo, shi, sy in seen):
            continue  # the same line, traced twice
        seen.append((lo, hi, y))
        box = (max(0, int(lo)), max(0, int(y - 1.4 * h)),
               min(ww, int(hi) + 1), max(0, int(y - 1.5)))  # (its text may sit right on it)
        if _inked(img, box, 20):
            crops.append(box)
            if len(crops) == _REREAD_MAX:
                break
    # (a lifeline's dashes crossing the strip come back as 'I' or '|')
    return _read_strips(img, crops, engine, lambda wd: sum(c.isalnum() for c in wd.text) >= 2)


def _inked(img: Any, box: tuple[int, int, int, int], least: int) -> bool:
    """A strip of the image at least 8 pixels each way that holds ``least`` ink pixels."""
    np = require("numpy", "raster figure geometry", extra="ocr")
    cv2 = require("cv2", "raster figure geometry")
    x0, y0, x1, y1 = box
    if y1 - y0 < 8 or x1 - x0 < 8:
        return False
    return int(ink_mask(cv2.cvtColor(img[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY), np, 60)[0].sum()) >= least


def _read_strips(img: Any, boxes: list[tuple[int, int, int, int]], engine: str,
                 keep: Callable[[Word], bool]) -> list[Word]:
    """The words of several strips of the image read in one detection pass
    (``ocr_mosaic``), in the image's pixels; those read surely and that ``keep`` accepts."""
    if not boxes:
        return []
    out: list[Word] = []
    found = ocr_mosaic([img[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes], engine)
    for (ox, oy, _x1, _y1), words in zip(boxes, found):
        for wd in words:
            if wd.confidence >= _NAME_SCORE and keep(wd):
                out.append(replace(wd, bbox=(wd.bbox[0] + ox, wd.bbox[1] + oy, wd.bbox[2] + ox,
                                             wd.bbox[3] + oy)))
    return out


def palette_share(img: Any) -> float:
    """The share of the pixels in the image's eight commonest colours, 4 bits a channel
    (counted on every other pixel each way: a native-size page is millions of them)."""
    np = require("numpy", "raster figure geometry", extra="ocr")
    q = (img[::2, ::2, :3] >> 4).astype(np.int32)
    counts = np.bincount((q[:, :, 0] * 256 + q[:, :, 1] * 16 + q[:, :, 2]).ravel(), minlength=4096)
    return float(np.sort(counts)[-8:].sum() / max(1, counts.sum()))


_NAME_SCORE = 0.85  # a device name read a second time, this sure


def _read_icon_names(img: Any, prims: Primitives, engine: str) -> list[Word]:
    """A second look below device pictures that came out of the first pass unnamed. The whole
    figure is read at the size its print suggests, where a short light-grey name ("h1" under a
    PC) can fade out; the strip under each such picture is read again at its own pixels, all
    strips in one detection pass (``ocr_mosaic``)."""
    icons = [sh for sh in prims.shapes if sh.kind == "icon"]
    if not icons:
        return []
    h = median_height(prims.words, 20.0)
    hh, ww = img.shape[:2]
    crops: list[tuple[int, int, int, int]] = []
    for ic in icons:
        x0, y0, x1, y1 = ic.bbox
        w = x1 - x0
        band = (x0 - 0.3 * w, y1, x1 + 0.3 * w, y1 + min(0.6 * (y1 - y0), 2.5 * h))
        if any(inside(center(wd.bbox), band) or inside(center(wd.bbox), ic.bbox)
               for wd in prims.words):
            continue  # named already
        # the strip stops at the next shape down
        bottom = min([sh.bbox[1] for sh in prims.shapes if sh is not ic and sh.bbox[1] > y1
                      and sh.bbox[0] < band[2] and sh.bbox[2] > band[0]] + [band[3]])
        box = (max(0, int(band[0])), max(0, int(y1) + 1), min(ww, int(band[2])), min(hh, int(bottom)))
        if _inked(img, box, 5):
            crops.append(box)
    return _read_strips(img, crops, engine, lambda wd: not _GLYPH.fullmatch(wd.text.strip()))


def _geometry_scale(words: list, h: int, w: int) -> float:
    """Downscale large images; upscale small-print ones (a 96 dpi Graphviz PNG: 1 px lines,
    ~6 px heads that no opening can tell from a line) until their text is ~24 px tall.

    A long strip (a pipeline of boxes across a wide page) shrunk to the long-side limit
    would leave its text, heads and the gaps between boxes a few pixels across: when its
    text would end under :data:`_TEXT_MIN` px, it is shrunk only until its text is
    :data:`_TEXT_FLOOR` px tall, within the pixel budget of :data:`GEOMETRY_MAX_PIXELS`
    (time is bounded by the pixel count, not the side)."""
    s = min(1.0, GEOMETRY_MAX_SIDE / max(h, w))
    med = _median_h([wd.bbox for wd in words])
    if s == 1.0 and 0 < med < 20.0:
        s = max(1.0, min(2.0, 24.0 / med, GEOMETRY_MAX_SIDE / max(h, w)))
    elif s < 1.0 and 0 < med * s < _TEXT_MIN:
        s = max(s, min(1.0, _TEXT_FLOOR / med, math.sqrt(GEOMETRY_MAX_PIXELS / (h * w))))
    return s


def _geometry(img: Any, s: float, prims: Primitives) -> None:
    np = require("numpy", "raster figure geometry", extra="ocr")
    cv2 = require("cv2", "raster figure geometry")
    work = img if s == 1.0 else cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
    ink, bg = ink_mask(gray, np, _INK_DELTA)
    if s < 1.0:
        # a 1 px line shrunk onto the pixel grid turns half-grey wherever it falls between two
        # rows, and a grey threshold breaks it there: shrink the full-size ink mask instead and
        # keep any pixel it covers by nearly half of what a 1 px line split over two covers
        fgray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        full = ink_mask(fgray, np, _INK_DELTA)[0].astype(np.float32)
        ink |= (cv2.resize(full, (ink.shape[1], ink.shape[0]), interpolation=cv2.INTER_AREA)
                > 0.45 * s).astype(np.uint8)
    # a slanted label's letters are cleared along its quad, here; its upright box, which takes
    # in the connector it is written along, plays no part in the geometry
    upright = [k for k, wd in enumerate(prims.words) if wd.quad is None]
    _erase_slanted([wd.quad for wd in prims.words if wd.quad is not None], ink, s, np, cv2)
    words = [_scaled_box(prims.words[k].bbox, s) for k in upright]
    discs = _number_discs(ink, words, np, cv2)
    ink |= _faint_outlines(ink, gray, words, np, cv2)
    blobs = solid_blobs(ink, words, np, cv2, gray)
    solid = ink.copy() if blobs else None  # (block arrows are profiled before fills go hollow)
    fills: list = []
    bands = np.zeros_like(ink)
    ink, bare = _fills_to_outlines(ink, gray, words, np, cv2, fills, bands)
    ink, bare2 = _fills_to_outlines(ink, gray, words, np, cv2, fills, bands)  # a filled node in a filled group
    bare |= bare2
    discs += _number_discs(ink, words, np, cv2)  # discs on a highlighted band show only now
    if discs:
        # the number inside a disc is a step counter, not a label
        keep = [k for k, b in enumerate(words) if not any(_in_disc(b, d) for d in discs)]
        dropped = set(upright) - {upright[k] for k in keep}
        prims.words = [wd for k, wd in enumerate(prims.words) if k not in dropped]
        words = [words[k] for k in keep]
    ink, n_comp = _erase_text(ink, words, np, cv2)
    ink |= bands
    if n_comp > _MAX_COMPONENTS:
        prims.truncated = True
        prims.warnings.append(f"{n_comp} separate ink pieces: too busy for geometry, labels only")
        return
    f = _Frame(np, cv2, s, ink, _stroke_width(ink, np, cv2), _median_h(words), bare,
               ink_mask(gray, np, _DARK_DELTA)[0], words, [], [],
               tint=(cv2.cvtColor(work, cv2.COLOR_BGR2HSV)[:, :, 1] >= _TINT_SAT).astype(np.uint8))
    shapes, outline = _shapes(f, gray, bg, fills)
    shapes, conn, blocks = icon_shapes(blobs, shapes, ink & ~outline, f, solid)
    heads, conn = _arrowheads(f, conn, [sh.bbox for sh in shapes if sh.kind == "icon"])
    # a hollow triangle found among the outlines inside a device picture (a PC's keyboard, a
    # router's arrows) is the picture's own
    pics = [sh.bbox for sh in shapes if sh.kind == "icon"]
    heads += [a for a in f.hollow if not any(inside(a.tip, b, 2.0) for b in pics)]
    # (a device picture is where its links end, however well two of them line up across it)
    badges = [sh.bbox for sh in shapes if not sh.stroked and sh.kind != "icon"]
    heads, paths = _open_heads(f, _paths(f, conn, shapes) + blocks, heads)
    paths = _bridge_labels(paths, words, badges, f, heads, shapes)
    paths = _bridge_in_words(paths, words, f)
    paths = _close_dashed_gaps(paths, shapes, f)
    paths = _across_borders(paths, shapes, f)
    for p in paths:
        _straighten(p.points, f.stroke)
    _align_columns(paths, f.stroke)
    _glue_arrows(paths, heads, f)
    _to_disc_centres(paths, discs, f)
    paths = _through_rings(paths, f)
    if f.rings:  # a ring just under a label: the piece carried across it now reaches the label
        # (not a node's own label: a cap of a small cylinder read as a ring must not carry a
        # line through the node)
        nodes = [sh.bbox for sh in shapes if sh.stroked]
        loose = [b for b in words if not any(inside(center(b), r) for r in nodes)]
        paths = _bridge_labels(paths, loose, badges, f, heads, shapes)
    _reach_shapes(paths, shapes, f)
    paths = _fill_borders(paths, work, f)
    paths += _crosses(f, conn)
    inv = 1.0 / s
    for sh in shapes:
        sh.tone = fill_tone(work, sh.bbox, np)
    prims.shapes = [_scale_shape(sh, inv) for sh in shapes]
    prims.arrowheads = [_scale_head(a, inv) for a in heads]
    prims.paths = [_scale_path(p, inv) for p in paths]
    lpaths, lheads = level_primitives(img, work, s, [wd.bbox for wd in prims.words], np, cv2, discs)
    prims.level = Primitives(source="raster", width=prims.width, height=prims.height,
                             shapes=prims.shapes, words=prims.words, paths=lpaths, arrowheads=lheads)
