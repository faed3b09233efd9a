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
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..._extras import require
from ...errors import ConfigError
from ._util import center, heading, inside, poly_dist, poly_len, rect_dist
from .ocr import ENGINES, decode_image, ink_mask, ocr_words, read_lines
from .primitives import Arrowhead, Path, Point, Primitives, Rect, Shape, Word

__all__ = ["GEOMETRY_MAX_SIDE", "extract_raster"]

GEOMETRY_MAX_SIDE = 1400  # geometry runs on an image at most this many pixels on its long side
_INK_DELTA = 40  # grey levels below the background that count as ink (thin anti-aliased lines reach ~bg-50)
# inside a fill, ink is a thin stroke this much darker than the fill on both sides of it
# (a grey link on a grey box inside an orange zone: ~40 levels at full size, ~20 shrunk)
_FILL_DELTA = 20
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
    words = [w for w in (ocr_words(img, ocr) if ocr else []) if not _GLYPH.fullmatch(w.text.strip())]
    s = scale if scale is not None else _geometry_scale(words, h, w)
    prims = Primitives(source="raster", width=float(w), height=float(h), words=words)
    _geometry(img, s, prims)
    if ocr is not None and not prims.truncated:
        prims.words += _read_bare_shapes(img, prims, ocr)
    return prims


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


def _geometry_scale(words: list, h: int, w: int) -> float:
    """Downscale large images; upscale small-print ones (a 96 dpi Graphviz PNG: 1 px lines,
    ~6 px heads that no opening can tell from a line) until their text is ~24 px tall."""
    s = min(1.0, GEOMETRY_MAX_SIDE / max(h, w))
    med = _median_h([wd.bbox for wd in words])
    if s == 1.0 and 0 < med < 20.0:
        s = max(1.0, min(2.0, 24.0 / med, GEOMETRY_MAX_SIDE / max(h, w)))
    return s


def _median_h(boxes: list[Rect], default: float = 0.0) -> float:
    """Median height of word boxes (``default`` when there are none)."""
    hs = sorted(b[3] - b[1] for b in boxes)
    return hs[len(hs) // 2] if hs else default


# ---- frame and masks ------------------------------------------------------------------------

@dataclass
class _Frame:
    """The working image for geometry: masks at scale ``s`` of the original pixels."""

    np: Any
    cv2: Any
    s: float
    ink: Any  # [h, w] uint8 0/1: strokes, arrows (text removed)
    stroke: float  # typical line width in working pixels
    text_h: float  # median word height in working pixels (0 when no words)
    bare: Any = None  # [h, w] 0/1: fills drawn without an outline (label badges)
    dark: Any = None  # [h, w] 0/1: near-black pixels (the solid core of heads and strokes)
    words: list = None  # type: ignore[assignment]  # OCR word boxes in working pixels
    hollow: list = None  # type: ignore[assignment]  # open heads found among the regions
    rings: list = None  # type: ignore[assignment]  # small empty rings on lines: (cx, cy, r)


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
    words = [_scaled_box(wd.bbox, s) for wd in prims.words]
    discs = _number_discs(ink, words, np, cv2)
    ink |= _faint_outlines(ink, gray, words, np, cv2)
    ink, bare = _fills_to_outlines(ink, gray, words, np, cv2)
    ink, bare2 = _fills_to_outlines(ink, gray, words, np, cv2)  # a filled node in a filled group
    bare |= bare2
    discs += _number_discs(ink, words, np, cv2)  # discs on a highlighted band show only now
    if discs:
        # the number inside a disc is a step counter, not a label
        keep = [k for k, b in enumerate(words) if not any(_in_disc(b, d) for d in discs)]
        prims.words = [prims.words[k] for k in keep]
        words = [words[k] for k in keep]
    ink, n_comp = _erase_text(ink, words, np, cv2)
    if n_comp > _MAX_COMPONENTS:
        prims.truncated = True
        prims.warnings.append(f"{n_comp} separate ink pieces: too busy for geometry, labels only")
        return
    f = _Frame(np, cv2, s, ink, _stroke_width(ink, np, cv2), _median_h(words), bare,
               ink_mask(gray, np, _DARK_DELTA)[0], words, [], [])
    shapes, outline = _shapes(f, gray, bg)
    conn = ink & ~outline
    heads, conn = _arrowheads(f, conn)
    heads += f.hollow
    badges = [sh.bbox for sh in shapes if not sh.stroked]
    paths = _bridge_labels(_paths(f, conn, shapes), words, badges, f, heads, shapes)
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
    paths += _crosses(f, conn)
    inv = 1.0 / s
    prims.shapes = [_scale_shape(sh, inv) for sh in shapes]
    prims.arrowheads = [_scale_head(a, inv) for a in heads]
    prims.paths = [_scale_path(p, inv) for p in paths]


Disc = tuple[float, float, float]  # centre x, centre y, radius (working pixels)


def _number_discs(ink: Any, words: list[Rect], np: Any, cv2: Any) -> list[Disc]:
    """Find and erase solid discs threaded on a vertical line (sequence autonumber markers).

    A message starts at the disc's rim and the lifeline runs through it; left in place, the
    disc is read as an arrowhead, a node or (hollowed as a fill) a loop. A start marker of a
    state diagram is a disc too, but no line runs straight through it top to bottom.
    """
    if not words:
        return []  # sized by the text: without text there is no scale to tell a disc by
    h = _median_h(words)
    c = max(3, int(0.2 * h) | 1)  # close the white number inside first
    solid = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (c, c)))
    # disc centres: far from the background (an arrowhead or a line never is), and a
    # local peak of that distance
    dist = cv2.distanceTransform(solid, cv2.DIST_L2, 5)
    peak = ((dist >= 0.35 * h) & (dist <= 1.3 * h) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))))
    n, labels, stats, cents = cv2.connectedComponentsWithStats(peak.astype(np.uint8), connectivity=8)
    hh, ww = ink.shape
    out: list[Disc] = []
    for i in range(1, n):
        if max(int(stats[i][2]), int(stats[i][3])) > 3:
            continue  # a ridge (a thick bar), not the single centre of a disc
        cx, cy = float(cents[i][0]), float(cents[i][1])
        r = float(dist[round(cy), round(cx)]) + 1.0
        if any(math.hypot(cx - d[0], cy - d[1]) < d[2] for d in out):
            continue
        if not (_thin_ring(solid, cx, cy, r + 3, np) and _line_at(ink, cx, cy - r, -1, r, np)
                and _line_at(ink, cx, cy + r, 1, r, np)):
            continue
        out.append((cx, cy, r))
    for cx, cy, r in out:
        cv2.circle(ink, (round(cx), round(cy)), math.ceil(r + 2), 0, -1)
    return out


def _thin_ring(mask: Any, cx: float, cy: float, r: float, np: Any) -> bool:
    """Little ink on a circle just outside the disc: only the lines that leave it cross."""
    hh, ww = mask.shape
    t = np.linspace(0.0, 2.0 * math.pi, 64, endpoint=False)
    xs, ys = np.round(cx + r * np.cos(t)).astype(int), np.round(cy + r * np.sin(t)).astype(int)
    if xs.min() < 0 or ys.min() < 0 or xs.max() >= ww or ys.max() >= hh:
        return False
    return float(mask[ys, xs].mean()) < 0.4


def _line_at(ink: Any, x: float, y: float, sy: int, r: float, np: Any) -> bool:
    """A thin vertical line leaves the point (x, y) in direction ``sy`` for half a radius."""
    hh, ww = ink.shape
    xi = round(x)
    rows = [round(y + sy * d) for d in range(3, max(5, int(0.6 * r)))]
    if not rows or min(rows) < 0 or max(rows) >= hh or xi - 3 < 0 or xi + 4 > ww:
        return False
    band = ink[min(rows):max(rows) + 1, xi - 3:xi + 4]
    wide = ink[min(rows):max(rows) + 1, max(0, xi - int(r)):min(ww, xi + int(r) + 1)]
    # a line, not the side of a wider blob: ink near x on every row, little ink further out
    return bool(band.max(axis=1).mean() > 0.9) and float(wide.mean()) < 0.5


def _in_disc(b: Rect, d: Disc) -> bool:
    """The word is the disc's number (a message label centred over the disc is wider)."""
    cx, cy = (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0
    return math.hypot(cx - d[0], cy - d[1]) <= d[2] and b[2] - b[0] <= 2.4 * d[2]


def _to_disc_centres(paths: list[Path], discs: list[Disc], f: _Frame) -> None:
    """Path ends at an erased disc's rim continue to its centre (on the lifeline)."""
    for cx, cy, r in discs:
        reach = r + 2.0 * f.stroke + 4.0
        for p in paths:
            for end in (0, -1):
                q = p.points[end]
                if math.hypot(q[0] - cx, q[1] - cy) <= reach:
                    # horizontal messages keep their height; lifeline pieces meet at the centre
                    tgt = (cx, q[1]) if abs(q[1] - cy) <= r else (cx, cy)
                    if end == 0:
                        p.points.insert(0, tgt)
                    else:
                        p.points.append(tgt)


def _fills_to_outlines(ink: Any, gray: Any, words: list[Rect], np: Any, cv2: Any
                       ) -> tuple[Any, Any]:
    """Large solid dark areas are node fills, not strokes: keep only their outline.

    A red router or a grey switch filled darker than the ink threshold would otherwise be one
    blob of ink, with no enclosed region to find and its text fused into it. Arrowheads and
    start markers are far smaller than a label line, so they stay ink.
    """
    h = _median_h(words, 12.0)
    k = max(7, int(0.45 * h) | 1)
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    big = np.zeros(n, dtype=bool)
    big[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(300, int(h * h))
    bare = np.zeros_like(ink)
    if not big.any():
        return ink, bare
    # the fill's own edge becomes the outline (1-2 px); inside, ink is what is darker than
    # the fill itself (lifelines and arrows drawn over a highlighted band, text on a router)
    # and thin lines darker than what they cross
    out = ink.copy()
    for i in np.nonzero(big)[0]:
        x, y, w, h_, _ = (int(v) for v in stats[i])
        comp = (labels[y:y + h_, x:x + w] == i).astype(np.uint8)
        inner = _erode2(comp, np, cv2) > 0
        g = gray[y:y + h_, x:x + w]
        tone = float(np.median(g[inner])) if inner.any() else 0.0
        sub = out[y:y + h_, x:x + w]
        # a fill can hold flat areas of other tones (a grey box on an orange zone): a thin line
        # on any of them is darker than the area on both sides of it (a black-hat), while the
        # border between two flat areas is not a line
        hat = cv2.morphologyEx(g, cv2.MORPH_BLACKHAT, np.ones((7, 7), np.uint8))
        sub[inner] = ((g[inner] < tone - _INK_DELTA) | (hat[inner] > _FILL_DELTA)).astype(np.uint8)
        if not _stroked(comp, gray, x, y, tone, np, cv2):
            bare[y:y + h_, x:x + w][comp > 0] = 1
    return out, bare


_PALE_DELTA = 5  # a pale fill: this many grey levels below the background and more


def _faint_outlines(ink: Any, gray: Any, words: list[Rect], np: Any, cv2: Any) -> Any:
    """The outlines of pale boxes drawn with a border too faint to be ink (a cream box with a
    beige edge, Mermaid's "base" theme): a large pale area whose rim is darker than its inside
    is a node, and its rim is drawn as ink. A pale area with no darker rim (an edge label's
    background) is left alone."""
    pale, _bg = ink_mask(gray, np, _PALE_DELTA)
    pale &= 1 - ink
    h = _median_h(words, 12.0)
    # (the opening takes off the pale anti-aliased fringes of lines, which would join areas)
    solid = cv2.morphologyEx(pale, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=4)
    out = np.zeros_like(ink)
    for i in range(1, n):
        x, y, w, h_, area = (int(v) for v in stats[i])
        if area < max(300, int(h * h)):
            continue
        # the pale pixels around this area's box, the border among them
        x0, y0, x1, y1 = max(0, x - 2), max(0, y - 2), min(gray.shape[1], x + w + 2), min(gray.shape[0], y + h_ + 2)
        comp = cv2.dilate((labels[y0:y1, x0:x1] == i).astype(np.uint8), np.ones((5, 5), np.uint8))
        comp &= pale[y0:y1, x0:x1]
        # its outer edge only (the letters inside are holes with a fill-toned rim)
        contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        comp = cv2.drawContours(np.zeros_like(comp), contours, -1, 1, thickness=-1)
        inner = _erode2(comp, np, cv2) > 0
        rim = (comp > 0) & ~inner
        g = gray[y0:y1, x0:x1]
        if not inner.any() or not rim.any():
            continue
        tone = float(np.median(g[inner]))
        # the darkest grey next to each rim pixel (a shrunk border spreads over two pixels);
        # a border that is ink already needs nothing
        darker = cv2.erode(g, np.ones((3, 3), np.uint8)) < tone - _PALE_DELTA
        darker &= cv2.dilate(ink[y0:y1, x0:x1], np.ones((3, 3), np.uint8)) == 0
        if float(np.mean(darker[rim])) > 0.5:
            out[y0:y1, x0:x1][rim] = 1
    return out


def _erode2(mask: Any, np: Any, cv2: Any) -> Any:
    # outside the crop counts as empty, so a component touching its box edge still erodes there
    return cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=2,
                     borderType=cv2.BORDER_CONSTANT, borderValue=0)


def _stroked(comp: Any, gray: Any, x: int, y: int, tone: float, np: Any, cv2: Any) -> bool:
    """Whether a fill has a darker outline drawn around it (a node) or none (a label badge)."""
    edge = comp - _erode2(comp, np, cv2)
    g = gray[y:y + comp.shape[0], x:x + comp.shape[1]]
    vals = g[edge > 0]
    return bool(vals.size) and float(np.mean(vals < tone - 25)) > 0.5


def _scaled_box(b: Rect, s: float) -> Rect:
    return (b[0] * s, b[1] * s, b[2] * s, b[3] * s)


def _erase_text(ink: Any, boxes: list[Rect], np: Any, cv2: Any) -> tuple[Any, int]:
    """Remove ink components lying inside a (padded) word box, and specks; count components."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = np.ones(n, dtype=bool)
    keep[0] = False
    x, y, w, h, area = (stats[:, i] for i in range(5))
    keep &= area >= 3
    cx, cy = x + w / 2.0, y + h / 2.0
    for b in boxes:
        pad = 0.25 * (b[3] - b[1]) + 1
        inside = (x >= b[0] - pad) & (y >= b[1] - pad) & (x + w <= b[2] + pad) & (y + h <= b[3] + pad)
        # the pad catches letter parts the box clips; a dash of a dotted line running just
        # under (or beside) the label has its centre outside the box and stays
        bh = b[3] - b[1]
        m = 0.05 * bh
        inside &= (cx >= b[0] - m) & (cx <= b[2] + m) & (cy >= b[1] - m) & (cy <= b[3] + m)
        # ... and so does one running along the box's bottom or top edge (a tall glyph
        # stretched the box over it): flat, and in the outer fifth of the box
        dash = inside & (h <= max(2.0, 0.15 * bh)) & (w > h) & ((cy >= b[3] - 0.2 * bh) | (cy <= b[1] + 0.2 * bh))
        for i in np.nonzero(dash)[0]:
            # a row of dashes runs on past the label; an underscore does not
            yc = int(cy[i])
            band = ink[max(0, yc - 1):yc + 2]
            left = band[:, max(0, int(b[0] - bh)):max(0, int(b[0]) - 1)]
            right = band[:, int(b[2]) + 2:int(b[2] + bh)]
            if not (left.any() or right.any()):
                dash[i] = False
        keep &= ~(inside & ~dash)
    out = keep[labels].astype(np.uint8)
    # a line drawn through a label fuses with its letters: clear the core of the word box
    # (shrunk, so a node outline grazing the text survives); the connector is rejoined later.
    # A vertical stroke that runs on past the box at both ends (the side of a note the
    # OCR box overhangs) is no letter: its columns stay.
    hh = ink.shape[0]
    for b in boxes:
        m = 0.15 * (b[3] - b[1])
        y0, y1 = int(b[1] + m), math.ceil(b[3] - m)
        x0, x1 = int(b[0] + m), math.ceil(b[2] - m)
        if y1 <= y0 or x1 <= x0:
            continue
        pad = max(2, int(0.2 * (b[3] - b[1])))
        ya, yb = int(b[1]) - pad, math.ceil(b[3]) + pad
        keep_rows = ink[y0:y1, x0:x1].mean(axis=1) > 0.9  # a line drawn right through the label
        if ya >= 0 and yb <= hh:
            through = ink[ya:yb, x0:x1].all(axis=0)
            out[y0:y1, x0:x1] *= through[None, :].astype(np.uint8) | keep_rows[:, None].astype(np.uint8)
        else:
            out[y0:y1, x0:x1] *= keep_rows[:, None].astype(np.uint8)
    return out, n


def _stroke_width(ink: Any, np: Any, cv2: Any) -> float:
    """Typical line width: on a line's ridge the distance to the background is (width + 1) / 2."""
    if not ink.any():
        return 1.0
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)))
    vals = dist[ridge]
    if vals.size == 0:
        return 1.0
    return float(max(1.0, min(8.0, 2.0 * float(np.median(vals)) - 1.0)))


# ---- shapes --------------------------------------------------------------------------------

def _shapes(f: _Frame, gray: Any, bg: int) -> tuple[list[Shape], Any]:
    """Closed shapes from enclosed background regions, and the mask of their outlines."""
    np, cv2 = f.np, f.cv2
    free = (1 - f.ink).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    hh, ww = f.ink.shape
    outline = np.zeros_like(f.ink)
    min_side = max(8.0, 4.0 * f.stroke, 0.6 * f.text_h)
    found: list[tuple[Shape, Any]] = []
    hollow: list[Arrowhead] = []  # open triangles and diamonds at the end of a relation
    cells: list[int] = []  # box-filling regions of any size: the cells of a record or table
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + w >= ww or y + h >= hh:
            continue
        if area >= 0.9 * w * h and area >= 4:
            cells.append(i)
        small = max(8.0, 3.0 * f.stroke, 0.25 * f.text_h) <= max(w, h) <= max(24.0, 1.6 * f.text_h) \
            and min(w, h) >= 4
        if (min(w, h) < min_side or area < 60) and not small:
            continue
        region = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        kind, contour = _classify(region, f)
        # a small region with a word in it is a tiny node, never a head or a line-end ring
        small = small and not any(_inside(b, (x, y, x + w, y + h), margin=2.0) for b in f.words)
        if small and kind in (None, "diamond", "polygon"):
            head = _hollow_head(f, region, (x, y))
            if head is not None:
                hollow.append(head)
                cv2.drawContours(outline, [contour + np.array([[x, y]])], -1, 1,
                                 thickness=int(2 * f.stroke + 3))
                continue
        cfill = (cv2.contourArea(contour) + 0.5 * cv2.arcLength(contour, True)) / float(w * h)
        roundish = 0.8 <= w / h <= 1.25 and (kind == "circle" or 0.6 <= cfill <= 0.9)
        if small and roundish and max(w, h) <= max(18.0, 1.0 * f.text_h):
            cx, cy = x + w / 2.0, y + h / 2.0
            if float(region.sum()) < 0.8 * w * h * math.pi / 4.0:
                # a ring around a dot: a state diagram's end marker (outer ring + inner disc)
                pad = f.stroke + 0.5
                found.append((Shape(kind="circle", bbox=(x - pad, y - pad, x + w + pad, y + h + pad)), contour))
                r_in = 0.3 * min(w, h)
                found.append((Shape(kind="circle", bbox=(cx - r_in, cy - r_in, cx + r_in, cy + r_in),
                                    filled=True), contour))
            else:
                # a small empty ring threaded on a line (an ER cardinality, a flowchart 'o' end)
                f.rings.append((cx, cy, max(w, h) / 2.0 + f.stroke))
            cv2.drawContours(outline, [contour + np.array([[x, y]])], -1, 1, thickness=int(2 * f.stroke + 3))
            continue
        if min(w, h) < min_side or area < 60 or kind is None:
            continue
        tint = abs(float(np.median(gray[y:y + h, x:x + w][region > 0])) - bg) > 4
        if kind in ("rect", "round_rect", "hexagon") and _crossing_gap(f, (x, y, x + w, y + h), tint):
            continue
        if kind in ("polygon", "parallelogram") and not tint:
            continue  # irregular unfilled regions are mostly loops of connectors
        if kind == "diamond" and not tint and f.words \
                and not any(inside(center(b), (x, y, x + w, y + h)) for b in f.words):
            # in a figure with text, an empty unfilled diamond is the gap between four
            # crossing connectors (a decision diamond holds its question)
            continue
        contour = contour + np.array([[x, y]])
        pad = f.stroke * 0.5 + 0.5
        cy, cx = int(y + h / 2), int(x + w / 2)
        badge = bool(f.bare is not None and f.bare[cy, cx])
        found.append((Shape(kind=kind, bbox=(x - pad, y - pad, x + w + pad, y + h + pad),
                            filled=tint, stroked=not badge), contour))
        # the hull, not the contour: a connector that runs into a group's region from its
        # border (and on to a node inside) dents the contour, and is no outline
        cv2.drawContours(outline, [cv2.convexHull(contour)], -1, 1, thickness=int(2 * f.stroke + 3))
    for r in _records(f, labels, stats, cells, [s for s, _ in found], gray, bg):
        found = [(s, c) for s, c in found if not any(_same_box(s.bbox, cb, f.stroke * 0.5 + 0.5)
                                                     for cb in r.cells)]
        th = int(2 * f.stroke + 3)
        for x0, y0, x1, y1 in r.cells:  # the rules between cells are no connectors
            cv2.rectangle(outline, (x0, y0), (x1, y1), 1, th)
        found.append((Shape(kind="rect" if r.rows else "round_rect", bbox=r.box, filled=r.tint), None))
        found += [(Shape(kind="rect", bbox=b, filled=r.tint), None) for b in r.rows]
    shapes = _cylinders([s for s, _ in found])
    shapes += _discs(f, outline)
    f.hollow = hollow
    return shapes, outline


def _hollow_head(f: _Frame, region: Any, at: tuple[int, int]) -> Arrowhead | None:
    """An empty triangle (UML inheritance) or small diamond (aggregation) with a line leaving
    one corner or side: a head that points away from where the line attaches."""
    np, cv2 = f.np, f.cv2
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    c = max(contours, key=cv2.contourArea)
    h, w = region.shape
    fill = float(region.sum()) / float(w * h)
    poly = cv2.approxPolyDP(c, 0.08 * cv2.arcLength(c, True), True).reshape(-1, 2).astype(float)
    poly += np.array(at, float)
    centre = poly.mean(axis=0)
    reach = (int(2 * f.stroke + 3), int(4 * f.stroke + 10))
    if len(poly) == 3 and 0.35 <= fill <= 0.65:
        # the line leaves the middle of the base, opposite the tip
        cand = []
        for i in range(3):
            mid = (poly[(i + 1) % 3] + poly[(i + 2) % 3]) / 2.0
            cand.append((_probe_ink(f, mid, mid - poly[i], reach), i, mid))
    elif len(poly) == 4 and 0.35 <= fill <= 0.65 and max(w, h) >= 1.3 * min(w, h):
        # a diamond: the line leaves one corner, the head points at the opposite one
        cand = [(_probe_ink(f, poly[(i + 2) % 4], poly[(i + 2) % 4] - centre, reach), i, poly[(i + 2) % 4])
                for i in range(4)]
    else:
        return None
    cand.sort(key=lambda t: -t[0])
    if cand[0][0] < 0.6 * (reach[1] - reach[0]) or (len(cand) > 1 and cand[1][0] >= 0.6 * (reach[1] - reach[0])):
        return None  # no line, or lines on two sides (a loop of connectors)
    _, i, base = cand[0]
    tip = poly[i]
    d = tip - base
    n = float(np.hypot(d[0], d[1]))
    if n < 1e-6:
        return None
    x, y = at
    pad = f.stroke + 1.0
    return Arrowhead(tip=(float(tip[0]), float(tip[1])), direction=(float(d[0] / n), float(d[1] / n)),
                     bbox=(x - pad, y - pad, x + w + pad, y + h + pad))


def _probe_ink(f: _Frame, start: Any, outward: Any, reach: tuple[int, int]) -> int:
    n = math.hypot(float(outward[0]), float(outward[1]))
    if n < 1e-6:
        return 0
    ux, uy = float(outward[0]) / n, float(outward[1]) / n
    hh, ww = f.ink.shape
    hits = 0
    for k in range(*reach):
        px, py = round(start[0] + ux * k), round(start[1] + uy * k)
        if 0 <= px < ww and 0 <= py < hh and f.ink[max(0, py - 1):py + 2, max(0, px - 1):px + 2].any():
            hits += 1
        elif any(b[0] <= px <= b[2] and b[1] <= py <= b[3] for b in f.words):
            hits += 1  # the line runs on under a label that sits right against the head
    return hits


@dataclass
class _Record:
    box: Rect  # the outer box (working pixels, padded like other shapes)
    rows: list[Rect]  # full-width bands, top to bottom (empty for a composite)
    cells: list[Rect]  # the ruled cells (unpadded region boxes)
    tint: bool
    composite: bool  # cells hold other boxes: a composite state or a titled group


def _records(f: _Frame, labels: Any, stats: Any, cells: list[int], shapes: list[Shape],
             gray: Any, bg: int) -> list[_Record]:
    """Boxes ruled into cells (a UML class's compartments, an ER entity's attribute table, a
    record, a composite state's title bar over its body): the box and its full-width rows,
    as the vector drawing gives them.

    The cells tile one rectangle whose corners are closed (the gaps between crossing
    lifelines and messages are bounded by lines that run on); the inner rules make each cell
    look like a box whose sides run on, so they are read here, together. When a cell holds
    other boxes, the whole is one container (its title is the text of the top band).
    """
    np, cv2 = f.np, f.cv2
    if len(cells) < 2:
        return []
    lut = np.zeros(len(stats), np.uint8)
    lut[cells] = 1
    union = lut[labels]
    k = int(2 * f.stroke + 3) | 1
    closed = cv2.morphologyEx(union, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    # a cell's holes (the boxes inside a composite) are part of it
    cs, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_side = max(8.0, 4.0 * f.stroke, 0.6 * f.text_h)
    pad = f.stroke * 0.5 + 0.5
    box_of = {i: (int(stats[i][0]), int(stats[i][1]), int(stats[i][0] + stats[i][2]),
                  int(stats[i][1] + stats[i][3])) for i in cells}
    out: list[_Record] = []
    for c in cs:
        x, y, w, h = cv2.boundingRect(c)
        if min(w, h) < min_side or cv2.contourArea(c) + 0.5 * cv2.arcLength(c, True) < 0.97 * w * h:
            continue
        mine = [i for i in cells if _inside(box_of[i], (x, y, x + w, y + h), margin=0.0)]
        top_level = [i for i in mine if not any(j != i and _inside(box_of[i], box_of[j], margin=0.0)
                                                for j in mine)]
        if len(top_level) < 2:
            continue
        if _lines_run_on(f, (x, y, x + w, y + h)) > 2:
            continue  # (a relation's head may touch a corner or two)
        bands: list[list[float]] = []
        for i in sorted(top_level, key=lambda i: box_of[i][1]):
            a, b = float(box_of[i][1]), float(box_of[i][3])
            for band in bands:
                if min(b, band[1]) - max(a, band[0]) > 0.5 * min(b - a, band[1] - band[0]):
                    band[0], band[1] = min(a, band[0]), max(b, band[1])
                    break
            else:
                bands.append([a, b])
        if len(bands) < 2:
            continue
        box = (x - pad, y - pad, x + w + pad, y + h + pad)
        cell_boxes = [box_of[i] for i in top_level]
        inner = [sh for sh in shapes if _inside(sh.bbox, box, margin=-2.0)
                 and not any(_same_box(sh.bbox, cb, pad) for cb in cell_boxes)]
        composite = len(mine) > len(top_level) or bool(inner)
        top = min(top_level, key=lambda i: (box_of[i][1], box_of[i][0]))
        tint = abs(float(np.median(gray[labels == top])) - bg) > 4
        rows = [] if composite else [(box[0], a - pad, box[2], b + pad) for a, b in bands]
        out.append(_Record(box, rows, cell_boxes, tint, composite))
    return out


def _same_box(b: Rect, cell: Rect, pad: float) -> bool:
    return all(abs(b[k] - cell[k] + (pad if k < 2 else -pad)) <= 1.5 for k in range(4))


def _run_ons(f: _Frame, box: tuple[int, int, int, int], far: float = 1.0) -> list[tuple[bool, bool]]:
    """Per corner (top-left, top-right, bottom-left, bottom-right): whether a line runs on
    past it vertically and horizontally.

    A drawn box closes at its corners; the rectangle left between two lifelines and two
    messages is bounded by lines that carry on beyond it. The run must start at the corner
    and have no gap: a neighbouring box stacked a few pixels away (Graphviz's nodesep=.05
    columns) has its own side there, past a strip of background.
    """
    x0, y0, x1, y1 = box
    hh, ww = f.ink.shape
    sw = f.stroke
    reach = int(far * (int(sw + 3) + int(2 * sw + 6)))
    ok = _unbroken if far == 1.0 else _mostly_ink  # far on, erased text may cut a wall
    out = []
    for cx, cy, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        lx, ly = int(cx + sx * sw / 2), int(cy + sy * sw / 2)  # the corner of the stroke
        ya, yb = sorted((ly + sy, ly + sy * reach))
        xa, xb = sorted((lx + sx, lx + sx * reach))
        vert = f.ink[max(0, ya):min(hh, yb), max(0, lx - 1):min(ww, lx + 2)]
        horiz = f.ink[max(0, ly - 1):min(hh, ly + 2), max(0, xa):min(ww, xb)]
        # a probe cut short by the image's edge sees only the box's own stroke
        out.append((vert.shape[0] >= reach - 1 and vert.shape[1] > 0 and ok(vert.max(axis=1)),
                    horiz.shape[1] >= reach - 1 and horiz.shape[0] > 0 and ok(horiz.max(axis=0))))
    return out


def _unbroken(run: Any) -> bool:
    """Mostly ink, and never two background pixels in a row."""
    return float(run.mean()) > 0.8 and not bool(((run[1:] == 0) & (run[:-1] == 0)).any())


def _mostly_ink(run: Any) -> bool:
    return float(run.mean()) > 0.6


def _lines_run_on(f: _Frame, box: tuple[int, int, int, int]) -> int:
    """How many corners of a region have a side that runs on past the corner."""
    return sum(1 for v, h in _run_ons(f, box) if v or h)


def _crossing_gap(f: _Frame, box: tuple[int, int, int, int], tint: bool) -> bool:
    """A box-like gap between crossing lines (lifelines and messages), not a drawn box.

    Lines run on past three or four of its corners, or past two that do not share a side.
    Two corners of one side are a box's when connectors arrive along that side (Graphviz's
    curves into a column of boxes), or when curves leave it near both ends (a fan grazing its
    corners), which bend away where the straight sides of a gap (two nodes' walls, lifelines)
    run on. Inside a highlight band the gap is tinted by the band, so tint alone does not make
    it a box.
    """
    runs = _run_ons(f, box)
    (tlv, tlh), (trv, trh), (blv, blh), (brv, brh) = runs
    corners = sum(1 for v, h in runs if v or h)
    if corners >= 3:
        return True
    if corners != 2 or tint:
        return False
    if (tlv and blv) or (trv and brv) or (tlh and trh) or (blh and brh):
        return False
    across = (tlh and blh) or (trh and brh) or (tlv and trv) or (blv and brv)
    if not across:
        return True  # opposite corners
    # both lines still straight on at three times the reach: the walls of a gap
    return sum(1 for v, h in _run_ons(f, box, far=3.0) if v or h) == 2


def _classify(region: Any, f: _Frame) -> tuple[str | None, Any]:
    """Shape kind of one enclosed region (a 0/1 mask in its own box), or None when none fits."""
    np, cv2 = f.np, f.cv2
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    c = max(contours, key=cv2.contourArea)
    h, w = region.shape
    if h < 3 or w < 3:
        return None, c  # a sliver: the corner probes below would fall outside it
    area = float(cv2.contourArea(c)) + 0.5 * cv2.arcLength(c, True)  # contour runs on pixel centres
    hull = float(cv2.contourArea(cv2.convexHull(c))) + 0.5 * cv2.arcLength(c, True)
    fill = area / float(w * h)
    solidity = area / max(hull, 1.0)
    if solidity < 0.9:
        return None, c
    n = len(cv2.approxPolyDP(c, 0.04 * cv2.arcLength(c, True), True))
    corners = sum(int(region[yy, xx]) for yy, xx in ((1, 1), (1, w - 2), (h - 2, 1), (h - 2, w - 2)))
    if fill >= 0.93:
        return ("rect" if corners == 4 else "round_rect"), c
    if fill >= 0.85 and corners == 0 and float(region[h // 2].mean()) >= 0.97 \
            and float(region[:, w // 2].mean()) >= 0.97:
        return "round_rect", c  # a small box with large rounded corners
    if 0.72 <= fill <= 0.84 and corners == 0 and _elliptic(c, w, h, np):
        return ("circle" if 0.85 <= w / h <= 1.18 else "ellipse"), c
    if 0.42 <= fill <= 0.6 and n == 4:
        return "diamond", c
    if 0.7 <= fill < 0.93 and n == 6:
        return "hexagon", c
    if 0.55 <= fill < 0.93 and n == 4:
        return "parallelogram", c
    if fill >= 0.6 and solidity >= 0.95:
        return "polygon", c
    return None, c


def _elliptic(c: Any, w: int, h: int, np: Any) -> bool:
    """Contour points lie on the ellipse inscribed in the region's box (radius within 12%)."""
    pts = c.reshape(-1, 2).astype(float)
    a, b = max(w / 2.0, 1.0), max(h / 2.0, 1.0)
    r = np.hypot((pts[:, 0] + 0.5 - a) / a, (pts[:, 1] + 0.5 - b) / b)
    return float(np.mean(np.abs(r - 1.0) < 0.12)) > 0.9


def _cylinders(shapes: list[Shape]) -> list[Shape]:
    """A flat ellipse sitting on a box of the same width is the lid of a cylinder: merge them."""
    out: list[Shape] = []
    used: set[int] = set()
    for i, lid in enumerate(shapes):
        x0, y0, x1, y1 = lid.bbox
        if lid.kind != "ellipse" or (x1 - x0) < 2.0 * (y1 - y0):
            continue
        tol = 0.08 * (x1 - x0) + 2
        for j, body in enumerate(shapes):
            b = body.bbox
            # the body's sides start at the lid's middle, so its region starts under the lid's
            # lower arc, between its middle and its bottom (the devset's cylinders: 0.1-0.5 lid
            # heights below the middle); a box further down is the next node (an ellipse on a
            # Graphviz rank above a box of the same width: 1.2), and an ellipse below another
            # is a second node (Graphviz stacks them ranksep apart)
            if j != i and j not in used and body.kind not in ("ellipse", "circle") \
                    and abs(b[0] - x0) <= tol and abs(b[2] - x1) <= tol \
                    and 0 <= b[1] - (y0 + y1) / 2 <= 0.6 * (y1 - y0) + 2 and b[3] > y1:
                used.update((i, j))
                out.append(Shape(kind="cylinder", bbox=(min(x0, b[0]), y0, max(x1, b[2]), b[3])))
                break
    return out + [s for k, s in enumerate(shapes) if k not in used]


def _discs(f: _Frame, outline: Any) -> list[Shape]:
    """Solid round ink blobs (start/end markers); their pixels join the outline mask."""
    np, cv2 = f.np, f.cv2
    k = max(5, round(2 * f.stroke) | 1)
    solid = cv2.morphologyEx(f.ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if min(w, h) < max(8, 3 * f.stroke) or not (0.8 <= w / h <= 1.25):
            continue
        # judge the original ink under the blob: an opening rounds small triangles into discs
        y0, x0 = max(0, y - k), max(0, x - k)
        grown = cv2.dilate((labels[y0:y + h + k, x0:x + w + k] == i).astype(np.uint8), np.ones((k, k), np.uint8))
        under = (grown > 0) & (f.ink[y0:y + h + k, x0:x + w + k] > 0)
        ys, xs = np.nonzero(under)
        bw, bh = int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
        # (a line stub left on the disc lowers the fill of its box below a bare disc's 0.79)
        if 0.6 <= len(xs) / float(bw * bh) <= 0.88 and _round_blob(under, f):
            out.append(Shape(kind="circle", bbox=(x, y, x + w, y + h), filled=True))
            cv2.rectangle(outline, (x - 2, y - 2), (x + w + 2, y + h + 2), 1, -1)
    return out


def _round_blob(blob: Any, f: _Frame) -> bool:
    """Fills most of its enclosing circle: a disc does (~1.0), a triangle cannot (<= 0.42)."""
    cs, _ = f.cv2.findContours(blob.astype(f.np.uint8), f.cv2.RETR_EXTERNAL, f.cv2.CHAIN_APPROX_NONE)
    c = max(cs, key=f.cv2.contourArea)
    _, r = f.cv2.minEnclosingCircle(c)
    return r > 0 and float(blob.sum()) / (math.pi * r * r) > 0.75


# ---- arrowheads ----------------------------------------------------------------------------

def _arrowheads(f: _Frame, conn: Any) -> tuple[list[Arrowhead], Any]:
    """Filled heads: blobs that survive an opening wider than a line. Returns heads, lines."""
    np, cv2 = f.np, f.cv2
    # wider than any line (anti-aliased diagonals of a 1 px line are 2-3 px wide)
    k = max(5, math.ceil(f.stroke * 1.6) + 1)
    hair = f.stroke <= 1.25 and f.dark is not None
    if hair:
        # hairline drawings have heads of ~6 px that a 5 px opening erases; their solid dark
        # core survives a 3 px one, which the grey fringes of a thin curve never fill
        k = 3
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        blobs = cv2.morphologyEx(conn & f.dark, cv2.MORPH_OPEN, kernel)
    else:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        blobs = cv2.morphologyEx(conn, cv2.MORPH_OPEN, kernel)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    found: list[tuple[Arrowhead, Any]] = []
    lines = conn.copy()
    big = max(60.0, 3.0 * f.text_h)
    # heads are drawn at about half the text height; the knot where two lines of different
    # widths cross also survives the opening, but is only as big as the wider line
    small = max(2 * f.stroke + 2, (0.2 if hair else 0.3) * f.text_h)
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) < small or area < 8:
            continue
        if max(w, h) > 2.2 * min(w, h):
            # a thick line (a bold link) survives the opening whole, with its head on it
            part = _thick_head(labels, i, (x, y, w, h), np)
            if part is None:
                continue  # no head on it: it stays a line
            blob, (x, y, w, h) = part
            if max(w, h) > big:
                continue
        elif max(w, h) > big or area < 0.2 * max(w, h) ** 2:
            continue  # too big, or a thick curved run of line (a head is compact)
        else:
            blob = (labels == i).astype(np.uint8)
        ys, xs = np.nonzero(blob[y:y + h, x:x + w])
        head = _one_head(f, conn, blob, (x, y, w, h), (float(xs.mean() + x), float(ys.mean() + y)))
        if head is None:
            continue  # a thick bend of a line (anti-aliased curve) stays part of the line
        found.append((head, blob))
    # two "heads" tip to tip are the knot where two lines cross at a slant, split in two by
    # the opening (real heads at the two ends of one line are a line's length apart)
    near = max(3.0 * f.stroke, 8.0)
    knot = {k for i, (a, _) in enumerate(found) for k, (b, _) in enumerate(found) if k != i
            and math.dist(a.tip, b.tip) <= near
            and a.direction[0] * b.direction[0] + a.direction[1] * b.direction[1] < -0.8}
    heads: list[Arrowhead] = []
    for k, (head, blob) in enumerate(found):
        if k not in knot:
            lines[cv2.dilate(blob, kernel) > 0] = 0
            heads.append(head)
    return heads, lines


def _thick_head(labels: Any, i: int, box: tuple[int, int, int, int], np: Any
                ) -> tuple[Any, tuple[int, int, int, int]] | None:
    """The head at one end of a thick straight line: where it is clearly wider than the line.

    Returns the head's own mask (full frame) and box, or None for a line without one.
    """
    x, y, w, h = box
    crop = labels[y:y + h, x:x + w] == i
    vertical = h >= w
    prof = crop.sum(axis=1 if vertical else 0)
    t = float(np.median(prof[prof > 0]))
    wide = np.nonzero(prof > 1.35 * t)[0]
    if wide.size == 0:
        return None
    n = len(prof)
    a, b = (int(wide.min()), n) if wide.mean() > n / 2 else (0, int(wide.max()) + 1)
    if b - a > 3.0 * float(prof.max()) or b - a >= 0.8 * n:
        return None  # not a compact head at one end
    blob = np.zeros(labels.shape, np.uint8)
    if vertical:
        blob[y + a:y + b, x:x + w] = crop[a:b]
        return blob, (x, y + a, w, b - a)
    blob[y:y + h, x + a:x + b] = crop[:, a:b]
    return blob, (x + a, y, b - a, h)


def _crosses(f: _Frame, conn: Any) -> list[Path]:
    """Small 'x' marks (a message that ends in a cross): two short diagonal strokes each.

    Thinning breaks an 'x' fused with a line end into burrs too short to keep, so its two
    strokes are found directly: what survives an opening with a short diagonal line in each
    direction, where both directions meet in a mark smaller than a line of text.
    """
    np, cv2 = f.np, f.cv2
    if f.text_h <= 0:
        return []
    # longer than the diagonal across the corner where two thick lines meet (~2 widths)
    n_ = max(4, round(0.25 * f.text_h), math.ceil(2.5 * f.stroke) + 1)
    diag = np.eye(n_, dtype=np.uint8)
    a = cv2.morphologyEx(conn, cv2.MORPH_OPEN, diag)
    b = cv2.morphologyEx(conn, cv2.MORPH_OPEN, diag[:, ::-1].copy())
    if not a.any() or not b.any():
        return []
    out: list[Path] = []
    # where the strokes cross, a mark is about a line thick; a filled head or a bold bend
    # that also holds both diagonals is much thicker
    dist = cv2.distanceTransform(conn, cv2.DIST_L2, 3)
    thin = max(2.5, 1.2 * f.stroke + 1.0)
    na, la, sa, _ = cv2.connectedComponentsWithStats(a, connectivity=8)
    nb, lb, sb, _ = cv2.connectedComponentsWithStats(b, connectivity=8)
    limit = 1.0 * f.text_h
    for i in range(1, na):
        x, y, w, h, ar = (int(v) for v in sa[i])
        if max(w, h) > limit:
            continue  # a diagonal connector, not a mark
        if ar > max(w, h) * (3.0 * f.stroke + 2.0):
            continue  # the bend of a thick line holds a wide diagonal band, a mark a thin one
        hits = set(lb[y:y + h, x:x + w][la[y:y + h, x:x + w] == i].tolist()) - {0}
        grown = lb[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2]
        hits |= set(grown.ravel().tolist()) - {0}
        for j in sorted(hits):
            x2, y2, w2, h2, ar2 = (int(v) for v in sb[j])
            if max(w2, h2) > limit or ar2 > max(w2, h2) * (3.0 * f.stroke + 2.0) or abs((x + w / 2) - (x2 + w2 / 2)) > 2 + 0.3 * w \
                    or abs((y + h / 2) - (y2 + h2 / 2)) > 2 + 0.3 * h:
                continue
            cx, cy = (x + w // 2 + x2 + w2 // 2) // 2, (y + h // 2 + y2 + h2 // 2) // 2
            if float(dist[max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2].max()) > thin:
                continue
            out.append(Path(points=[(float(x), float(y)), (float(x + w), float(y + h))], width=f.stroke))
            out.append(Path(points=[(float(x2 + w2), float(y2)), (float(x2), float(y2 + h2))], width=f.stroke))
            break
    return out


def _one_head(f: _Frame, conn: Any, blob: Any, box: tuple[int, int, int, int],
              centre: Point) -> Arrowhead | None:
    """Tip and direction of one blob: the vertex whose opposite side has the line attached.

    The line leaves a filled head at the middle of its base; probing outward from the middle
    of each side of the enclosing triangle finds it. (A lifeline or node outline touching the
    tip does not fool this, unlike the centre of all nearby ink.)
    """
    np, cv2 = f.np, f.cv2
    x, y, w, h = box
    contours, _ = cv2.findContours(blob[y:y + h, x:x + w], cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    c = (max(contours, key=cv2.contourArea).reshape(-1, 2) + (x, y)).astype(np.float32)
    if float(blob.sum()) / float(w * h) > 0.9:  # solid squares are not arrowheads
        return None
    _, tri = cv2.minEnclosingTriangle(c.reshape(-1, 1, 2))
    t = tri.reshape(3, 2).astype(float)
    scores = []
    for i in range(3):
        mid = (t[(i + 1) % 3] + t[(i + 2) % 3]) / 2.0
        side = float(np.linalg.norm(t[(i + 1) % 3] - t[(i + 2) % 3]))
        scores.append((_probe(conn, mid, mid - t[i], f), -side, i))
    _, _, apex = max(scores)
    mid = (t[(apex + 1) % 3] + t[(apex + 2) % 3]) / 2.0
    dx, dy = t[apex][0] - mid[0], t[apex][1] - mid[1]
    norm = math.hypot(dx, dy)
    if norm < 1e-6:
        return None
    d = (dx / norm, dy / norm)
    proj = c.astype(float) @ np.array(d)
    tip = c[int(proj.argmax())]
    return Arrowhead(tip=(float(tip[0]), float(tip[1])), direction=d,
                     bbox=(float(x), float(y), float(x + w), float(y + h)))


def _probe(mask: Any, start: Any, outward: Any, f: _Frame) -> int:
    """Ink pixels met walking outward from ``start`` for a few line widths."""
    n = math.hypot(float(outward[0]), float(outward[1]))
    if n < 1e-6:
        return 0
    ux, uy = float(outward[0]) / n, float(outward[1]) / n
    hh, ww = mask.shape
    hits = 0
    for k in range(2, int(3 * f.stroke + 6)):
        px, py = round(start[0] + ux * k), round(start[1] + uy * k)
        if 0 <= px < ww and 0 <= py < hh and mask[py, px]:
            hits += 1
    return hits


# ---- connectors ----------------------------------------------------------------------------

def _paths(f: _Frame, conn: Any, shapes: list[Shape]) -> list[Path]:
    dashed, conn = _dashes(f, conn)
    skel = _thin(conn, f.np, f.cv2)
    boxes = [sh.bbox for sh in shapes]
    paths = [Path(points=pts) for poly in _trace(skel, f) for pts in _split_at_boxes(poly, boxes, f)]
    min_len = max(6.0, 2.5 * f.stroke)
    paths = [p for p in paths if poly_len(p.points) >= min_len]
    return _drop_inside(paths + dashed, shapes)


def _dashes(f: _Frame, conn: Any) -> tuple[list[Path], Any]:
    """Rows of short axis-aligned dashes -> dashed straight paths (removed from ``conn``)."""
    np, cv2 = f.np, f.cv2
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(conn, connectivity=8)
    dash_max = max(12.0, 8 * f.stroke)
    ws, hs = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    small = (np.maximum(ws, hs) <= dash_max) & (np.minimum(ws, hs) <= 2 * f.stroke + 2)
    small[0] = False
    mask = small[labels].astype(np.uint8)
    if not mask.any():
        return [], conn
    gap = int(max(6, 4 * f.stroke))
    out: list[Path] = []
    rest = conn.copy()
    for kernel, horizontal in ((np.ones((1, gap), np.uint8), True), (np.ones((gap, 1), np.uint8), False)):
        joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        m, jl, js, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        for j in range(1, m):
            x, y, w, h, _a = (int(v) for v in js[j])
            along, across = (w, h) if horizontal else (h, w)
            if along < 4 * across or along < 3 * gap:
                continue
            here = jl[y:y + h, x:x + w] == j  # this component, in its own box
            pieces = len(set(np.unique(labels[y:y + h, x:x + w][here]).tolist()) - {0})
            if pieces < 3:
                continue
            if horizontal:
                pts = [(float(x), y + h / 2.0), (float(x + w), y + h / 2.0)]
            else:
                pts = [(x + w / 2.0, float(y)), (x + w / 2.0, float(y + h))]
            out.append(Path(points=pts, dashed=True, width=f.stroke))
            rest[y:y + h, x:x + w][here & (mask[y:y + h, x:x + w] > 0)] = 0
            mask[y:y + h, x:x + w][here] = 0
    out = _join_dashed(out, max(3.0 * gap + 4.0 * f.stroke, 1.2 * f.text_h), f.stroke)
    return out + _slanted_dashes(f, rest, gap, dash_max), rest


def _slanted_dashes(f: _Frame, rest: Any, gap: int, dash_max: float) -> list[Path]:
    """Dashes left over by the row/column passes: a dashed diagonal or curve (a dotted
    flowchart link, a UML dependency, a non-identifying ER relation). Close the gaps in every
    direction; a long chain of three or more dashes is traced as one dashed path."""
    np, cv2 = f.np, f.cv2
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    if n <= 3:
        return []
    side = np.maximum(stats[:, 2], stats[:, 3])
    # short thin pieces in any direction (a slanted dash's box is square, its ink is not)
    small = (side <= dash_max) & (stats[:, 4] <= (1.5 * f.stroke + 1.5) * side) & (stats[:, 4] >= 3)
    small[0] = False
    if small.sum() < 3:
        return []
    mask = small[labels].astype(np.uint8)
    # grow each dash by about half a gap (a closing would open the thin bridges again)
    k = gap | 1
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    m, jl, js, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out: list[Path] = []
    for j in range(1, m):
        x, y, w, h, _a = (int(v) for v in js[j])
        if max(w, h) < 3 * gap:
            continue
        crop = (jl[y:y + h, x:x + w] == j) & (mask[y:y + h, x:x + w] > 0)
        pieces = len(set(labels[y:y + h, x:x + w][crop].tolist()) - {0})
        if pieces < 3:
            continue
        comp = np.zeros((h + 2, w + 2), np.uint8)
        comp[1:-1, 1:-1] = (jl[y:y + h, x:x + w] == j)
        polys = _trace(_thin(comp, np, cv2), f)
        if not polys:
            continue
        best = max(polys, key=poly_len)
        if poly_len(best) < 3 * gap:
            continue
        out.append(Path(points=[(px + x - 1, py + y - 1) for px, py in best], dashed=True, width=f.stroke))
        rest[y:y + h, x:x + w][crop] = 0
    return out


def _join_dashed(paths: list[Path], reach: float, stroke: float) -> list[Path]:
    """Collinear dashed runs with a short gap between them are one line.

    A dashed message crossing a lifeline loses the dashes that touch the lifeline (they join
    its ink), which splits the row in two at every crossing.
    """
    tol = max(2.0, stroke)
    for axis in (0, 1):  # 0: horizontal runs (same y), 1: vertical runs (same x)
        runs = sorted((p for p in paths if p.points[0][1 - axis] == p.points[-1][1 - axis]),
                      key=lambda p: (p.points[0][1 - axis], p.points[0][axis]))
        others = [p for p in paths if all(p is not r for r in runs)]
        merged: list[Path] = []
        for p in sorted(runs, key=lambda p: p.points[0][axis]):
            for q in merged:
                if abs(q.points[0][1 - axis] - p.points[0][1 - axis]) <= tol \
                        and 0 <= p.points[0][axis] - q.points[-1][axis] <= reach:
                    q.points[-1] = p.points[-1]
                    break
            else:
                merged.append(Path(points=list(p.points), dashed=True, width=p.width))
        paths = others + merged
    return paths


_REVERSAL_COS = -0.8  # a turn sharper than ~145 degrees: the line went back the way it came


def _split_at_boxes(poly: list[Point], boxes: list[Rect], f: _Frame) -> list[list[Point]]:
    """Cut a traced line where it doubles back at a box: two curves that converge on one point
    of a node's side (a Graphviz fan) are one V-shaped stroke to the thinning, and a connector
    never turns back on itself at a node. The turn is measured over a few strokes either side
    of a vertex (simplification spreads a blunt apex over two or three vertices)."""
    if len(poly) < 3 or not boxes:
        return [poly]
    near, reach = 2.0 * f.stroke + 2.0, 3.0 * f.stroke + 6.0
    turn = [1.0] * len(poly)
    for k in range(1, len(poly) - 1):
        b = poly[k]
        a, c = _vertex_along(poly, k, -1, reach), _vertex_along(poly, k, 1, reach)
        u, v = (b[0] - a[0], b[1] - a[1]), (c[0] - b[0], c[1] - b[1])
        nu, nv = math.hypot(*u), math.hypot(*v)
        if nu > 1e-6 and nv > 1e-6:
            turn[k] = (u[0] * v[0] + u[1] * v[1]) / (nu * nv)
    cuts = [k for k in range(1, len(poly) - 1)
            if turn[k] <= _REVERSAL_COS and turn[k] <= turn[k - 1] and turn[k] < turn[k + 1]
            and any(rect_dist(poly[k], r) <= near for r in boxes)]
    out, start = [], 0
    for k in cuts:
        out.append(poly[start:k + 1])
        start = k
    return out + [poly[start:]]


def _vertex_along(poly: list[Point], k: int, step: int, reach: float) -> Point:
    """The vertex about ``reach`` away from vertex ``k`` along the polyline (step -1 or +1)."""
    j = k
    while 0 < j < len(poly) - 1 and math.dist(poly[j], poly[k]) < reach:
        j += step
    return poly[j]


def _thin(mask: Any, np: Any, cv2: Any) -> Any:
    """Zhang-Suen thinning, vectorised; lines here are a few pixels wide so it ends quickly."""
    img = mask.astype(np.uint8).copy()
    img[0, :] = img[-1, :] = img[:, 0] = img[:, -1] = 0
    for _ in range(40):
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
            b = sum(p)
            seq = p + [p[0]]
            a = sum(((seq[k] == 0) & (seq[k + 1] == 1)).astype(np.uint8) for k in range(8))
            if step == 0:
                c1, c2 = p[0] * p[2] * p[4], p[2] * p[4] * p[6]
            else:
                c1, c2 = p[0] * p[2] * p[6], p[0] * p[4] * p[6]
            kill = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & (c1 == 0) & (c2 == 0)
            if kill.any():
                img[kill] = 0
                changed = True
        if not changed:
            break
    return img


_NB = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _trace(skel: Any, f: _Frame) -> list[list[Point]]:
    """Skeleton -> polylines between ends and junctions, rejoined straight through crossings."""
    np, cv2 = f.np, f.cv2
    nb = cv2.filter2D(skel, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - skel
    nb = nb * skel
    # a fork has three or more separate runs of neighbours around it; a staircase pixel of a
    # diagonal (three neighbours, two of them touching) is no fork
    p = [np.roll(np.roll(skel, -dy, 0), -dx, 1) for dy, dx in
         ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
    runs = sum(((p[k] == 0) & (p[(k + 1) % 8] == 1)).astype(np.uint8) for k in range(8))
    junction = (((runs >= 3) | (nb >= 5)) & (skel > 0)).astype(np.uint8)
    jgrow = cv2.dilate(junction, np.ones((3, 3), np.uint8))
    body = (skel > 0) & (jgrow == 0)
    branches = _walk_components(body.astype(np.uint8), np, cv2)
    jl = cv2.connectedComponents(jgrow, connectivity=8)[1]
    # forks a stroke or so apart: two lines crossing at a slant thin to two forks side by side
    k = 2 * round(f.stroke) + 3
    near = cv2.connectedComponents(cv2.dilate(junction, np.ones((k, k), np.uint8)), connectivity=8)[1]
    ys, xs = np.nonzero(jl)
    big = dict(zip(jl[ys, xs].tolist(), near[ys, xs].tolist()))
    return _rejoin(branches, jl, big, f)


def _walk_components(body: Any, np: Any, cv2: Any) -> list[list[tuple[int, int]]]:
    _n, labels = cv2.connectedComponents(body, connectivity=8)
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    # neighbours of each pixel within its branch (8-connected: all of them are in it)
    deg = (cv2.filter2D(body, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT)
           - body)[ys, xs]
    idx = np.lexsort((deg, lab))  # by branch, then fewest neighbours (row-major among equals)
    ys, xs, lab = ys[idx].tolist(), xs[idx].tolist(), lab[idx]
    cuts = (np.flatnonzero(np.diff(lab)) + 1).tolist()
    bounds = zip([0] + cuts, cuts + [len(ys)])
    # each branch's walk starts at its first pixel: an end (one neighbour), topmost-leftmost
    return [_order(list(zip(ys[a:b], xs[a:b]))) for a, b in bounds if b > a]


def _order(pix: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Order the pixels of one branch from its first pixel to the other end (a walk over
    8-neighbours)."""
    pts = set(pix)
    start = pix[0]
    path, seen, cur = [start], {start}, start
    while True:
        nxt = [(cur[0] + dy, cur[1] + dx) for dy, dx in _NB if (cur[0] + dy, cur[1] + dx) in pts
               and (cur[0] + dy, cur[1] + dx) not in seen]
        if not nxt:
            return path
        # prefer 4-neighbours so diagonal shortcuts do not skip pixels of the curve
        cur = min(nxt, key=lambda q: (abs(q[0] - cur[0]) + abs(q[1] - cur[1]), q))
        seen.add(cur)
        path.append(cur)


def _rejoin(branches: list[list[tuple[int, int]]], jl: Any, big: dict[int, int], f: _Frame
            ) -> list[list[Point]]:
    """Join branch pairs that leave one junction in opposite directions (a crossing)."""
    np = f.np
    ends: dict[int, list[tuple[int, int]]] = {}  # junction label -> [(branch, end 0/1)]
    h, w = jl.shape
    for bi, br in enumerate(branches):
        for e, p in ((0, br[0]), (1, br[-1])):
            lab = _junction_near(jl, p, h, w)
            if lab:
                ends.setdefault(lab, []).append((bi, e))
    orig = [[(float(x), float(y)) for y, x in br] for br in branches]
    polys = [list(p) for p in orig]
    parent = list(range(len(polys)))
    # a spur: a short branch with a free end (a pixel burr where a curve bends or a line
    # thickens); a junction with only two real branches besides spurs is a bend, not a fork
    min_len = max(3.0, f.stroke)
    at_junction = {it for items in ends.values() for it in items}
    spur = {bi for bi, br in enumerate(orig)
            if poly_len(br) < min_len and not ((bi, 0) in at_junction and (bi, 1) in at_junction)}
    pairs, inner, done = _close_forks(ends, orig, spur, big, f)
    for bi in inner:
        polys[bi] = []
    for a, b in pairs:
        polys, parent = _merge(polys, orig, parent, a, b)
    for lab, items in sorted(ends.items()):
        if lab in done:
            continue
        real = [it for it in items if it[0] not in spur]
        if len(real) == 2 and real[0][0] != real[1][0]:
            polys, parent = _merge(polys, orig, parent, real[0], real[1])
            continue
        for a, b in _opposite_pairs(items, orig, np):
            polys, parent = _merge(polys, orig, parent, a, b)
    return [_simplify(p, f) for i, p in enumerate(polys) if p and parent[i] == i]


_SHALLOW_COS = -0.7  # two lines crossing at a shallow angle each run on nearly straight


def _close_forks(ends: dict[int, list[tuple[int, int]]], orig: list[list[Point]], spur: set[int],
                 big: dict[int, int], f: _Frame
                 ) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], list[int], set[int]]:
    """Two lines crossing at a slant (or touching for a while) thin to two forks a stroke or
    so apart, or joined by a short shared piece, and neither fork alone has a straight way
    through. Taken together the forks have four outer branches: when they pair off into two
    nearly straight runs, each is one line and the shared piece (if any) belongs to both.
    ``big`` maps each fork to its cluster of forks that lie close together. Returns the
    branch-end pairs to join, the shared pieces to drop, and the forks handled."""
    reach = max(6.0 * f.stroke + 6.0, 1.5 * f.text_h)
    where = {it: lab for lab, items in ends.items() for it in items}
    group = {lab: lab for lab in ends}

    def root(x: int) -> int:
        while group[x] != x:
            x = group[x]
        return x
    first: dict[int, int] = {}
    for lab in ends:
        if lab in big:
            g = first.setdefault(big[lab], lab)
            group[root(lab)] = root(g)
    for bi, br in enumerate(orig):  # forks joined by a short piece
        ja, jb = where.get((bi, 0)), where.get((bi, 1))
        if ja is not None and jb is not None and ja != jb and poly_len(br) <= reach:
            group[root(ja)] = root(jb)
    members: dict[int, list[int]] = {}
    for lab in ends:
        members.setdefault(root(lab), []).append(lab)
    pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    inner: list[int] = []
    done: set[int] = set()
    for labs in members.values():
        if len(labs) < 2:
            continue
        items = [it for lab in labs for it in ends[lab]]
        both = {bi for bi, n in Counter(bi for bi, _ in items).items() if n == 2}  # inside the group
        outer = [it for it in items if it[0] not in both and it[0] not in spur]
        if len(outer) != 4 or len({bi for bi, _ in outer}) != 4:
            continue
        d = {it: _end_dir(orig[it[0]], it[1]) for it in outer}
        o = outer
        cos = [[(a, b, d[a][0] * d[b][0] + d[a][1] * d[b][1]) for a, b in pp]
               for pp in (((o[0], o[1]), (o[2], o[3])), ((o[0], o[2]), (o[1], o[3])),
                          ((o[0], o[3]), (o[1], o[2])))]
        best = min(cos, key=lambda pp: pp[0][2] + pp[1][2])
        if max(best[0][2], best[1][2]) > _SHALLOW_COS:
            continue  # not two lines running through
        pairs += [(a, b) for a, b, _c in best]
        inner += [bi for bi in both if poly_len(orig[bi]) <= reach]
        done.update(labs)
    return pairs, inner, done


def _junction_near(jl: Any, p: tuple[int, int], h: int, w: int) -> int:
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            y, x = p[0] + dy, p[1] + dx
            if 0 <= y < h and 0 <= x < w and jl[y, x]:
                return int(jl[y, x])
    return 0


def _end_dir(poly: list[Point], end: int) -> Point:
    return heading(poly if end == 1 else poly[::-1], 9)


def _opposite_pairs(items: list[tuple[int, int]], polys: list[list[Point]], np: Any
                    ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    dirs = {it: _end_dir(polys[it[0]], it[1]) for it in items}
    pairs = []
    cand = sorted(((dirs[a][0] * dirs[b][0] + dirs[a][1] * dirs[b][1], a, b)
                   for i, a in enumerate(items) for b in items[i + 1:] if a[0] != b[0]))
    used: set[tuple[int, int]] = set()
    for dot, a, b in cand:
        if dot > -0.8:  # outward directions must be nearly opposite (a straight run)
            break
        if a not in used and b not in used:
            used.update((a, b))
            pairs.append((a, b))
    return pairs


def _merge(polys: list[list[Point]], orig: list[list[Point]], parent: list[int],
           a: tuple[int, int], b: tuple[int, int]) -> tuple[list[list[Point]], list[int]]:
    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i
    ra, rb = root(a[0]), root(b[0])
    if ra == rb:
        return polys, parent
    pa, pb = polys[ra], polys[rb]
    # orient so that a's junction end is last and b's junction end is first
    pa = pa if _touches(pa[-1], orig[a[0]], a[1]) else pa[::-1]
    pb = pb if _touches(pb[0], orig[b[0]], b[1]) else pb[::-1]
    polys[ra], polys[rb] = pa + pb, []
    parent[rb] = ra
    return polys, parent


def _touches(p: Point, branch: list[Point], end: int) -> bool:
    q = branch[-1] if end == 1 else branch[0]
    return abs(p[0] - q[0]) + abs(p[1] - q[1]) <= 4


def _simplify(poly: list[Point], f: _Frame) -> list[Point]:
    np, cv2 = f.np, f.cv2
    if len(poly) <= 2:
        return poly
    arr = np.array(poly, dtype=np.float32).reshape(-1, 1, 2)
    approx = cv2.approxPolyDP(arr, max(1.0, 0.6 * f.stroke), False).reshape(-1, 2)
    return [(float(x), float(y)) for x, y in approx]


def _leaf_shapes(shapes: list[Shape]) -> list[Shape]:
    """The shapes that hold no other shape: nodes, not groups."""
    return [s for s in shapes if not any(o is not s and _inside(o.bbox, s.bbox) for o in shapes)]


def _drop_inside(paths: list[Path], shapes: list[Shape]) -> list[Path]:
    """Strokes wholly inside a leaf shape are decoration or unread text, not connectors."""
    leaves = [s.bbox for s in _leaf_shapes(shapes)]
    out = []
    for p in paths:
        xs, ys = [q[0] for q in p.points], [q[1] for q in p.points]
        box = (min(xs), min(ys), max(xs), max(ys))
        if not any(_inside(box, leaf, margin=-2.0) for leaf in leaves):
            out.append(p)
    return out


def _inside(a: Rect, b: Rect, margin: float = 1.0) -> bool:
    return a[0] >= b[0] - margin and a[1] >= b[1] - margin and a[2] <= b[2] + margin and a[3] <= b[3] + margin


def _glue_arrows(paths: list[Path], heads: list[Arrowhead], f: _Frame) -> None:
    """Mark the path end nearest each arrowhead's base (within reach) as arrowed."""
    for a in heads:
        size = max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1])
        base = (a.tip[0] - a.direction[0] * size, a.tip[1] - a.direction[1] * size)
        reach = size + 3 * f.stroke + 4
        # a dashed line can stop a whole gap short of its head (the last dash fused with it)
        gap = 2.0 * max(6.0, 4.0 * f.stroke)
        best, best_d = None, reach + gap
        for p in paths:
            for end, q in ((0, p.points[0]), (1, p.points[-1])):
                d = math.hypot(q[0] - base[0], q[1] - base[1])
                if d < best_d and (d <= reach or p.dashed):
                    best, best_d = (p, end), d
        if best is not None:
            # extend the line into the head, so the end touches it as in a vector drawing
            inner = (a.tip[0] - a.direction[0] * 0.5 * size, a.tip[1] - a.direction[1] * 0.5 * size)
            if best[1] == 0:
                best[0].arrow_start = True
                best[0].points.insert(0, inner)
            else:
                best[0].arrow_end = True
                best[0].points.append(inner)


def _label_blocks(words: list[Rect], h: float) -> list[Rect]:
    """Word boxes that touch (lines of one label) merged into one box each."""
    blocks: list[Rect] = []
    pad = 0.35 * h
    for b in sorted(words, key=lambda r: (r[1], r[0])):
        for k, o in enumerate(blocks):
            # lines of one label sit under each other; words side by side are separate labels
            if b[0] < o[2] and o[0] < b[2] and b[1] - pad <= o[3] and o[1] - pad <= b[3]:
                blocks[k] = (min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3]))
                break
        else:
            blocks.append(b)
    return blocks


def _bridge_labels(paths: list[Path], words: list[Rect], badges: list[Rect], f: _Frame,
                   heads: list[Arrowhead] = (), shapes: list[Shape] = ()) -> list[Path]:
    """Rejoin a connector that a label sits on (its background hides the line under the text).

    Exactly two path ends, of different paths, touching one label block on opposite sides
    are the two halves of one connector.
    """
    if not words or not paths:
        return paths
    reach = max(4.0, 2.0 * f.stroke + 3.0)
    # a dotted line's last dash can stop a dash gap short of the label
    dash_reach = reach + 2.0 * f.stroke + 4.0
    for blk in _label_blocks(words, f.text_h or 10.0) + badges:
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if rect_dist(p.points[e], blk) <= (dash_reach if p.dashed else reach)]
        if len(ends) == 1 and heads:
            _to_head_across(paths[ends[0][0]], ends[0][1], blk, heads, reach, f)
            continue
        if 2 < len(ends) <= 4 and not any(_inside(blk, sh.bbox) for sh in shapes):
            # (a node's own label, boxed or not, is where its edges end: not a label on a line)
            ends = _through_pair(ends, paths, blk)
        if len(ends) != 2 or ends[0][0] == ends[1][0]:
            continue
        if _dot_dir(*_facing(paths, ends[0], ends[1])) < 0.0:
            continue  # they must continue each other, not double back
        paths = _splice(paths, ends[0], ends[1])
    return paths


_THROUGH_COS = 0.9  # two ends on either side of a label that line up as one straight line
# two pieces that stop inside one word box or at a shape's border: stricter, since nothing
# but their alignment says they are one line
_STRAIGHT_COS = 0.97
_BEND_COS = 0.3  # two dash rows of one dotted polyline turn by less than ~70 degrees


def _through_pair(ends: list[tuple[int, int]], paths: list[Path], blk: Rect) -> list[tuple[int, int]]:
    """Among several ends at a label (a dotted line's dashes beside its text, a second line
    passing), the two that are one line running through it: on opposite sides of the label,
    each heading at the other. Empty when no pair, or more than one, lines up."""
    cx, cy = center(blk)
    found = []
    for ea, eb in _end_pairs(ends):
        pa, pb = _facing(paths, ea, eb)
        a, b = pa[-1], pb[0]
        if (a[0] - cx) * (b[0] - cx) + (a[1] - cy) * (b[1] - cy) >= 0:
            continue  # same side of the label
        if _lined_up(pa, pb, _THROUGH_COS):
            found.append((ea, eb))
    return list(found[0]) if len(found) == 1 else []


def _to_head_across(p: Path, end: int, blk: Rect, heads: list[Arrowhead], reach: float,
                    f: _Frame) -> None:
    """A line that reaches a label from one side, with a head just past the other side (the
    stretch between label and head was too short to keep): carry the line on to the head."""
    pts = p.points if end == -1 else p.points[::-1]
    if len(pts) < 2:
        return
    (ax, ay), (bx, by) = pts[-2], pts[-1]
    n = math.hypot(bx - ax, by - ay)
    if n < 1e-6:
        return
    u = ((bx - ax) / n, (by - ay) / n)
    for a in heads:
        size = max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1])
        base = (a.tip[0] - a.direction[0] * size, a.tip[1] - a.direction[1] * size)
        if rect_dist(base, blk) > reach + size or u[0] * a.direction[0] + u[1] * a.direction[1] < 0.5:
            continue
        # the head lies beyond the label, ahead of the line
        if (base[0] - bx) * u[0] + (base[1] - by) * u[1] <= 0:
            continue
        if end == -1:
            p.points.append(base)
        else:
            p.points.insert(0, base)
        return


def _bridge_in_words(paths: list[Path], words: list[Rect], f: _Frame) -> list[Path]:
    """Two pieces of one straight line that stop facing each other inside one word box (a
    label, or a marker the OCR read as a letter, was erased from the middle of the line)."""
    for b in words:
        pad = 2.0
        box = (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if len(p.points) >= 2 and _inside((*p.points[e], *p.points[e]), box, margin=0.0)]
        best = None
        for ea, eb in _end_pairs(ends):
            pa, pb = _facing(paths, ea, eb)
            n = math.dist(pa[-1], pb[0])
            if n < 1e-6:
                continue
            # both pieces point along the gap: one straight line broken in the middle
            if _lined_up(pa, pb, _STRAIGHT_COS) and (best is None or n < best[0]):
                best = (n, ea, eb)
        if best is None:
            continue
        paths = _splice(paths, best[1], best[2])
    return paths


def _close_dashed_gaps(paths: list[Path], shapes: list[Shape], f: _Frame) -> list[Path]:
    """Two dashed pieces that stop facing each other across a short gap are one dotted line
    (a longer gap between dashes, or a dash lost to a label's edge or to the text erasing); so
    are two that nearly meet at a bend (the dash rows of one dotted polyline, each straight)."""
    reach = max(12.0, 4.0 * f.stroke, 1.2 * f.text_h)
    bend = max(12.0, 4.0 * f.stroke, 0.6 * f.text_h)
    near = 2.0 * f.stroke + 2.0  # an end this close to a shape is attached to it
    while True:
        ends = [(i, e) for i, p in enumerate(paths) if p.dashed and len(p.points) >= 2
                for e in (0, -1) if not (p.arrow_start if e == 0 else p.arrow_end)
                and not any(rect_dist(p.points[e], sh.bbox) <= near for sh in shapes)]
        best = None
        for ea, eb in _end_pairs(ends):
            pa, pb = _facing(paths, ea, eb)
            n = math.dist(pa[-1], pb[0])
            if n < 1e-6 or n > reach or (best is not None and n >= best[0]):
                continue
            if _lined_up(pa, pb, _THROUGH_COS) or (n <= bend and _dot_dir(pa, pb) >= _BEND_COS):
                best = (n, ea, eb)
        if best is None:
            return paths
        paths = _splice(paths, best[1], best[2])


def _end_pairs(ends: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """Every pair of (path, end) entries that belong to two different paths, in list order."""
    for a in range(len(ends)):
        for b in range(a + 1, len(ends)):
            if ends[a][0] != ends[b][0]:
                yield ends[a], ends[b]


def _facing(paths: list[Path], end_a: tuple[int, int], end_b: tuple[int, int]
            ) -> tuple[list[Point], list[Point]]:
    """The points of two paths oriented to meet: ``end_a``'s end last, ``end_b``'s end first
    (an end is -1 for the last point, 0 for the first)."""
    (i, ei), (j, ej) = end_a, end_b
    pa = paths[i].points if ei == -1 else paths[i].points[::-1]
    pb = paths[j].points if ej == 0 else paths[j].points[::-1]
    return pa, pb


def _lined_up(pa: list[Point], pb: list[Point], cos: float) -> bool:
    """Both pieces point along the gap between ``pa``'s last point and ``pb``'s first: one
    straight line broken there."""
    return _dot_dir(pa, [pa[-1], pb[0]]) >= cos and _dot_dir([pa[-1], pb[0]], pb) >= cos


def _splice(paths: list[Path], end_a: tuple[int, int], end_b: tuple[int, int]) -> list[Path]:
    """Join path ``i`` at end ``ei`` (-1 last point, 0 first) to path ``j`` at end ``ej`` into
    one path (arrowheads kept at the outer ends); the two pieces leave the list."""
    (i, ei), (j, ej) = end_a, end_b
    a, b = paths[i], paths[j]
    pa, pb = _facing(paths, end_a, end_b)
    sa = a.arrow_start if ei == -1 else a.arrow_end
    eb = b.arrow_end if ej == 0 else b.arrow_start
    merged = Path(points=pa + pb, dashed=a.dashed and b.dashed, width=a.width,
                  arrow_start=sa, arrow_end=eb)
    return [p for k, p in enumerate(paths) if k not in (i, j)] + [merged]


def _across_borders(paths: list[Path], shapes: list[Shape], f: _Frame) -> list[Path]:
    """A connector that crosses a container's border (into a subgraph, to a node inside) was
    cut where the border was taken out as an outline: rejoin the piece outside with the piece
    inside when they continue each other straight across the border."""
    gap_max = 2.0 * (2.0 * f.stroke + 3.0) + 4.0
    boxes = [s.bbox for s in shapes if any(o is not s and _inside(o.bbox, s.bbox) for o in shapes)]
    if not boxes:
        return paths
    changed = True
    while changed:
        changed = False
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1) if len(p.points) >= 2
                and any(_border_dist(p.points[e], b) <= gap_max for b in boxes)]
        for a in range(len(ends)):
            i, ei = ends[a]
            q = paths[i].points[ei]
            for c in range(a + 1, len(ends)):
                j, ej = ends[c]
                r = paths[j].points[ej]
                if i == j or math.hypot(q[0] - r[0], q[1] - r[1]) > gap_max:
                    continue
                if not any(_inside((*q, *q), b, 0.0) != _inside((*r, *r), b, 0.0) for b in boxes):
                    continue  # both on one side of every border
                pa, pb = _facing(paths, ends[a], ends[c])
                if math.hypot(q[0] - r[0], q[1] - r[1]) < 1e-6 or not _lined_up(pa, pb, _STRAIGHT_COS):
                    continue
                paths = _splice(paths, ends[a], ends[c])
                changed = True
                break
            if changed:
                break
    return paths


def _border_dist(q: Point, r: Rect) -> float:
    """Distance from a point to the outline of a box (inside or out)."""
    if r[0] <= q[0] <= r[2] and r[1] <= q[1] <= r[3]:
        return min(q[0] - r[0], r[2] - q[0], q[1] - r[1], r[3] - q[1])
    return rect_dist(q, r)


def _dot_dir(pa: list[Point], pb: list[Point]) -> float:
    """Cosine between the direction pa arrives with and the direction pb leaves with."""
    (ax, ay), (bx, by) = pa[max(0, len(pa) - 2)], pa[-1]
    (cx, cy), (dx, dy) = pb[0], pb[min(1, len(pb) - 1)]
    u, v = (bx - ax, by - ay), (dx - cx, dy - cy)
    nu, nv = math.hypot(*u), math.hypot(*v)
    if nu < 1e-6 or nv < 1e-6:
        return 1.0
    return (u[0] * v[0] + u[1] * v[1]) / (nu * nv)


def _straighten(pts: list[Point], stroke: float) -> None:
    """Make nearly vertical/horizontal segments exact (pixel skeletons wobble by a pixel)."""
    for k in range(len(pts) - 1):
        (ax, ay), (bx, by) = pts[k], pts[k + 1]
        if abs(ax - bx) <= max(1.5, 0.6 * stroke, 0.03 * abs(ay - by)) and abs(ay - by) > abs(ax - bx):
            x = (ax + bx) / 2.0
            pts[k], pts[k + 1] = (x, ay), (x, by)
        elif abs(ay - by) <= max(1.5, 0.6 * stroke, 0.03 * abs(ax - bx)) and abs(ax - bx) > abs(ay - by):
            y = (ay + by) / 2.0
            pts[k], pts[k + 1] = (ax, y), (bx, y)


def _align_columns(paths: list[Path], stroke: float) -> None:
    """Vertical segments within a line width of each other share one x (lifelines are drawn
    as many pieces between messages; their pixel centres wander by a pixel)."""
    segs = []  # (x, length, path index, point index)
    for i, p in enumerate(paths):
        for k in range(len(p.points) - 1):
            (ax, ay), (bx, by) = p.points[k], p.points[k + 1]
            if ax == bx and ay != by:
                segs.append((ax, abs(by - ay), i, k))
    segs.sort()
    tol = max(2.0, stroke)
    start = 0
    for j in range(1, len(segs) + 1):
        if j == len(segs) or segs[j][0] - segs[j - 1][0] > tol:
            group = segs[start:j]
            x = sum(s[0] * s[1] for s in group) / max(1e-9, sum(s[1] for s in group))
            for _, _, i, k in group:
                pts = paths[i].points
                pts[k], pts[k + 1] = (x, pts[k][1]), (x, pts[k + 1][1])
            start = j


def _through_rings(paths: list[Path], f: _Frame) -> list[Path]:
    """A line threaded through a small ring (its outline was erased) runs on through it: the
    two pieces on opposite sides become one path; a single piece is extended across."""
    for cx, cy, r in f.rings:
        reach = r + 2.0 * f.stroke + 4.0
        ends = [(i, e) for i, p in enumerate(paths) for e in (0, -1)
                if math.hypot(p.points[e][0] - cx, p.points[e][1] - cy) <= reach]
        pair = None
        for (i, ei), (j, ej) in _end_pairs(ends):
            u = (paths[i].points[ei][0] - cx, paths[i].points[ei][1] - cy)
            v = (paths[j].points[ej][0] - cx, paths[j].points[ej][1] - cy)
            nu, nv = math.hypot(*u) or 1.0, math.hypot(*v) or 1.0
            cos = (u[0] * v[0] + u[1] * v[1]) / (nu * nv)
            if cos < -0.5 and (pair is None or cos < pair[0]):
                pair = (cos, (i, ei), (j, ej))
        if pair is not None:
            paths = _splice(paths, pair[1], pair[2])
        elif len(ends) == 1:
            i, e = ends[0]
            q = paths[i].points[e]
            d = math.hypot(q[0] - cx, q[1] - cy) or 1.0
            far = (cx - (q[0] - cx) / d * (r + f.stroke), cy - (q[1] - cy) / d * (r + f.stroke))
            if e == 0:
                paths[i].points.insert(0, far)
            else:
                paths[i].points.append(far)
    return paths


def _reach_shapes(paths: list[Path], shapes: list[Shape], f: _Frame) -> None:
    """Extend a path end that stops just short of a shape (its outline was erased) onto it."""
    reach = 2.0 * f.stroke + 6.0
    for p in paths:
        for end in (0, -1):
            if (end == 0 and p.arrow_start) or (end == -1 and p.arrow_end):
                continue
            q = p.points[end]
            best, best_d = None, reach
            for sh in shapes:
                b = sh.bbox
                cx, cy = min(max(q[0], b[0]), b[2]), min(max(q[1], b[1]), b[3])
                d = math.hypot(q[0] - cx, q[1] - cy)
                if 0.0 < d < best_d:
                    best, best_d = (cx, cy), d
            if best is None and not any(0.0 < rect_dist(q, sh.bbox) <= reach for sh in shapes):
                best = _ray_to_shape(p, end, paths, shapes, f)
            if best is not None:
                if end == 0:
                    p.points.insert(0, best)
                else:
                    p.points.append(best)


def _ray_to_shape(p: Path, end: int, paths: list[Path], shapes: list[Shape], f: _Frame
                  ) -> Point | None:
    """A loose end that points at a shape a little further on (end markers such as ER bars
    and crow's feet break the last stretch of the line into pieces too short to keep): the
    point where the line, carried on straight, enters that shape."""
    pts = p.points if end == -1 else p.points[::-1]
    if len(pts) < 2:
        return None
    q = pts[-1]
    a = pts[-2]
    n = math.hypot(q[0] - a[0], q[1] - a[1])
    if n < max(4.0, 2.0 * f.stroke):
        return None
    ux, uy = (q[0] - a[0]) / n, (q[1] - a[1]) / n
    hit = _ray_hit(q, (ux, uy), shapes, f)
    if hit is None:
        return None
    near = 2.0 * f.stroke + 2.0
    for o in paths:  # an end that meets another line is a joint (a short tick is a marker)
        if o is not p and poly_dist(q, o.points) <= near and poly_len(o.points) > f.text_h:
            return None
    return hit


def _ray_hit(q: Point, u: Point, shapes: list[Shape], f: _Frame) -> Point | None:
    """Where a ray from ``q`` first enters a shape that ``q`` is not already in (within reach)."""
    far = max(2.0 * f.stroke + 6.0, 0.8 * f.text_h)
    inside = [sh for sh in shapes if rect_dist(q, sh.bbox) == 0.0]
    step = max(1.0, f.stroke)
    t = step
    while t <= far:
        x, y = q[0] + u[0] * t, q[1] + u[1] * t
        for sh in shapes:
            if sh in inside:
                continue
            b = sh.bbox
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                return (x, y)
        t += step
    return None


# ---- back to the original frame ------------------------------------------------------------

def _sc(p: Point, k: float) -> Point:
    return (p[0] * k, p[1] * k)


def _scale_shape(s: Shape, k: float) -> Shape:
    b = s.bbox
    return Shape(kind=s.kind, bbox=(b[0] * k, b[1] * k, b[2] * k, b[3] * k), filled=s.filled,
                 stroked=s.stroked, dashed=s.dashed, fill=s.fill)


def _scale_head(a: Arrowhead, k: float) -> Arrowhead:
    b = a.bbox
    return Arrowhead(tip=_sc(a.tip, k), direction=a.direction, bbox=(b[0] * k, b[1] * k, b[2] * k, b[3] * k))


def _scale_path(p: Path, k: float) -> Path:
    return Path(points=[_sc(q, k) for q in p.points], dashed=p.dashed, width=p.width * k,
                arrow_start=p.arrow_start, arrow_end=p.arrow_end)

