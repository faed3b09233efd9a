"""Ink-mask stages: what counts as a stroke before shapes and lines are looked for.

Solid number discs threaded on a line (sequence autonumbers) are found and erased; pale boxes
whose border is too faint for ink get it drawn in; filled boxes become their outlines (a fill
drawn without an outline is a label badge); ink inside OCR word boxes is erased, so letters
never become shapes or connectors (a stroke that merely crosses a word box is kept); and the
typical stroke width is measured.
"""

from __future__ import annotations

import math
from typing import Any

from ..ocr import ink_mask
from ..primitives import Path, Rect
from .frame import _INK_DELTA, _Frame, _median_h, _rim

# inside a fill, ink is a thin stroke this much darker than the fill on both sides of it
# (a grey link on a grey box inside an orange zone: ~40 levels at full size, ~20 shrunk)
_FILL_DELTA = 20


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
    left = ink[min(rows):max(rows) + 1, max(0, xi - int(r)):xi - 3]
    right = ink[min(rows):max(rows) + 1, xi + 4:min(ww, xi + int(r) + 1)]
    # a line, not the side of a wider blob: ink near x on every row, little ink further out,
    # and no plumb band beside it on one side only (the edge of an activation bar with its
    # shadow: a blob where a message leaves the bar is no disc; a self-message's loop beside
    # a disc inks a few rows, no whole column)
    plumb = [int((side.mean(axis=0) > 0.9).sum()) if side.size else 0 for side in (left, right)]
    return bool(band.max(axis=1).mean() > 0.9) and float(wide.mean()) < 0.5 and abs(plumb[0] - plumb[1]) < 3


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


Fill = tuple[tuple[int, int, int, int], Any, bool]  # (x, y, w, h), 0/1 mask in that box, stroked


def _fills_to_outlines(ink: Any, gray: Any, words: list[Rect], np: Any, cv2: Any,
                       fills: list[Fill] | None = None, bands: Any = None) -> tuple[Any, Any]:
    """Large solid dark areas are node fills, not strokes: keep only their outline.

    A red router or a grey switch filled darker than the ink threshold would otherwise be one
    blob of ink, with no enclosed region to find and its text fused into it. Arrowheads and
    start markers are far smaller than a label line, so they stay ink. Each fill (its box,
    its area with the holes of its letters filled, whether an outline is drawn round it) is
    added to ``fills``: the shape stage falls back on it where lines drawn over the fill cut
    its inside into pieces. The borders between touching bands of a fill that each hold text
    (:func:`_tone_borders`) are ink, and are marked in ``bands`` too: a band's word box can
    reach over its border, and the border must outlive the erasing of text.
    """
    h = _median_h(words, 12.0)
    k = max(7, int(0.45 * h) | 1)
    light = _light_text(ink, gray, words, np)
    solid = cv2.morphologyEx(ink | light, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
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
        border = _tone_borders(g, inner, [b for b in words if x <= (b[0] + b[2]) / 2 < x + w
                                         and y <= (b[1] + b[3]) / 2 < y + h_], (x, y), np, cv2)
        if border is not None:
            sub[border] = 1
            if bands is not None:
                bands[y:y + h_, x:x + w][border] = 1
        # (a fill no bigger than the text on it is a label's background, whatever its rim: the
        # letters reach it)
        stroked = not _text_sized((x, y, x + w, y + h_), words, h) and _stroked(comp, gray, x, y, tone, np, cv2)
        if not stroked:
            bare[y:y + h_, x:x + w][comp > 0] = 1
        if fills is not None:
            contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            whole = cv2.drawContours(np.zeros_like(comp), contours, -1, 1, thickness=-1)
            fills.append(((x, y, w, h_), whole, stroked))
    return out, bare


_PALE_DELTA = 5  # a pale fill: this many grey levels below the background and more


_BAND_DELTA = 30  # grey levels between two touching bands of a fill that each hold text


def _tone_borders(g: Any, inner: Any, words: list[Rect], origin: tuple[int, int], np: Any,
                  cv2: Any) -> Any:
    """The borders between flat areas of different tone inside one fill where each area holds
    text of its own: bands drawn touching (a protocol stack's layers, a legend's coloured
    rows) are all darker than the ink threshold and come out as one fill, their labels as one.
    A border is a straight run of tone change two text lines long (a letter's edges are not),
    between two areas that each hold most of a word's box; areas without text are not split
    off (an icon or a shadow on a node). ``None`` where the fill is one area."""
    if len(words) < 2:
        return None
    ox, oy = origin
    hh, ww = g.shape
    # the fill's inside with the holes of its letters filled (a letter clipped by the next
    # band would break the border)
    contours, _ = cv2.findContours(inner.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    inner = cv2.drawContours(np.zeros(g.shape, np.uint8), contours, -1, 1, thickness=-1) > 0
    edge = ((cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > _BAND_DELTA)
            & inner).astype(np.uint8)
    # straight runs two lines of text long: a band's edge, not a letter's
    h = _median_h(words, 12.0)
    run = max(15, int(2 * h)) | 1  # (odd: an even kernel shifts the run)
    edge = (cv2.morphologyEx(edge, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
            | cv2.morphologyEx(edge, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))) > 0
    if not edge.any():
        return None
    boxes = [(max(0, int(b[0]) - ox), max(0, int(b[1]) - oy), min(ww, int(b[2]) - ox),
              min(hh, int(b[3]) - oy)) for b in words]
    _n, lab = cv2.connectedComponents((inner & ~edge).astype(np.uint8), connectivity=4)
    held: dict[int, list[tuple[int, int, int, int]]] = {}
    for bx in boxes:  # the area most of a word's box lies on (its letters are holes)
        x0, y0, x1, y1 = bx
        ks = lab[y0:y1, x0:x1][lab[y0:y1, x0:x1] > 0]
        if ks.size:
            held.setdefault(int(np.bincount(ks).argmax()), []).append(bx)
    if len(held) < 2 or not all(_one_label(ws, h) for ws in held.values()):
        return None  # (a band of several cells, each named, is a row of boxes this does not split)
    count = np.zeros(g.shape, np.uint8)
    for k in held:
        count += cv2.dilate((lab == k).astype(np.uint8), np.ones((5, 5), np.uint8))  # (a 2 px edge)
    border = edge & (count >= 2)
    return border if border.any() else None


def _one_label(boxes: list[tuple[int, int, int, int]], h: float) -> bool:
    """Word boxes that read as one label: words on a line close together, at most three lines."""
    lines: list[list[tuple[int, int, int, int]]] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        line = next((ln for ln in lines if min(b[3], ln[-1][3]) - max(b[1], ln[-1][1]) > 0.5 * h), None)
        if line is None:
            lines.append([b])
        elif b[0] - line[-1][2] > 1.5 * h:
            return False
        else:
            line.append(b)
    return len(lines) <= 3


def _light_text(ink: Any, gray: Any, words: list[Rect], np: Any, rim: float = 0.9) -> Any:
    """The boxes of light words on a dark fill (white text on a blue bar or a grey cloud): a
    word box whose rim, a few pixels out, is nearly all ink, a tenth of whose pixels are far
    lighter than that rim and hardly any darker (dark text on a fill is ink already). The
    letters are holes in the fill, and a bar no taller than its text would come apart at them."""
    out = np.zeros_like(ink)
    hh, ww = ink.shape
    for b in words:
        p = max(2, int(0.15 * (b[3] - b[1])))
        x0, y0 = max(0, int(b[0]) - p), max(0, int(b[1]) - p)
        x1, y1 = min(ww, int(b[2]) + p + 1), min(hh, int(b[3]) + p + 1)
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        if float(_rim(np, ink, x0, y0, x1, y1).mean()) < rim:
            continue
        g = gray[y0:y1, x0:x1]
        tone = float(np.median(_rim(np, gray, x0, y0, x1, y1)))
        # (and hardly any darker: dark letters on a pale box inside a coloured band are not)
        if float(np.mean(g > tone + _INK_DELTA)) >= 0.1 and float(np.mean(g < tone - _INK_DELTA)) < 0.02:
            out[y0:y1, x0:x1] = 1
    return out


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


def _text_sized(box: tuple[int, int, int, int], words: list[Rect], h: float) -> bool:
    """The words on a box cover it to within a quarter of a text line on every side."""
    x0, y0, x1, y1 = box
    on = [b for b in words if x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1]
    if not on:
        return False
    pad = max(2.0, 0.25 * h)
    return (min(b[0] for b in on) - pad <= x0 and min(b[1] for b in on) - pad <= y0
            and max(b[2] for b in on) + pad >= x1 and max(b[3] for b in on) + pad >= y1)


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
    # A vertical stroke that runs on past the box (the side of a note the OCR box overhangs,
    # the side of a box whose text starts at its corner) is no letter: its columns stay.
    for b in boxes:
        m = 0.15 * (b[3] - b[1])
        y0, y1 = int(b[1] + m), math.ceil(b[3] - m)
        x0, x1 = int(b[0] + m), math.ceil(b[2] - m)
        if y1 <= y0 or x1 <= x0:
            continue
        keep_rows = ink[y0:y1, x0:x1].mean(axis=1) > 0.9  # a line drawn right through the label
        through = _stroke_columns(ink, b, (x0, y0, x1, y1), np)
        before = out[y0:y1, x0:x1].copy()
        out[y0:y1, x0:x1] *= through[None, :].astype(np.uint8) | keep_rows[:, None].astype(np.uint8)
        out[y0:y1, x0:x1] |= _corner_cuts(before, out[y0:y1, x0:x1], 0.1 * (b[3] - b[1]) + 1.0, np, cv2)
    return out, n


def _corner_cuts(before: Any, after: Any, band: float, np: Any, cv2: Any) -> Any:
    """What clearing a word's core took off a slanted outline that only cuts across a corner
    of it (a diamond's or an ellipse's side passing the first or last letters): a piece that
    lies along the core's rim and runs from one side to the next. Letters fused to a line lie
    inside the core or against one side only; they stay cleared."""
    cut = (before & (1 - after)).astype(np.uint8)
    hh, ww = cut.shape
    back = np.zeros_like(cut)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        left, right, top, bottom = x <= 1, x + w >= ww - 1, y <= 1, y + h >= hh - 1
        if not ((left or right) and (top or bottom)):
            continue
        # along the rim: every pixel of the piece near the corner it cuts
        cx = x + w if left else ww - x
        cy = y + h if top else hh - y
        if cx <= 3.0 * band and cy <= 3.0 * band:
            back |= (labels == i).astype(np.uint8)
    return back


def _stroke_columns(ink: Any, b: Rect, core: tuple[int, int, int, int], np: Any) -> Any:
    """Columns of a word box's core that a vertical stroke runs through, on past the padded
    box at one end at least. A letter's stem stays inside its line; a box side fused with the
    first letters runs on below a word set in the box's top corner (its top edge turns off
    there), so both ends cannot be asked for."""
    x0, y0, x1, y1 = core
    pad = max(2, int(0.2 * (b[3] - b[1])))
    ya, yb = int(b[1]) - pad, math.ceil(b[3]) + pad
    if ya < 0 or yb > ink.shape[0]:
        return np.zeros(x1 - x0, dtype=bool)
    cols = ink[y0:y1, x0:x1].all(axis=0)
    return cols & (ink[ya:y0, x0:x1].all(axis=0) | ink[y1:yb, x0:x1].all(axis=0))


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
