"""Closed shapes: the enclosed regions of the non-ink mask are node interiors, each classified
by how it fills its box and by its polygon (rect, rounded rect, ellipse/circle, diamond,
hexagon, parallelogram, cylinder, polygon). Regions that tile one closed box between rules
(a UML class's compartments, an ER entity's table) are read together as records; small solid
ink discs are filled circles (state-diagram markers).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from .._util import area, center, contains, inside, merge_cylinders, overlap_area
from ..primitives import Arrowhead, Rect, Shape
from .frame import _INK_DELTA, _Frame, _inside, _rim
from .heads import _hollow_head
from .ink import _BAND_DELTA


def _shapes(f: _Frame, gray: Any, bg: int, fills: list | None = None) -> tuple[list[Shape], Any]:
    """Closed shapes from enclosed background regions, and the mask of their outlines; a
    filled area whose inside lines cut into pieces is a shape of its own (``fills``)."""
    np, cv2 = f.np, f.cv2
    free = (1 - f.ink).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    hh, ww = f.ink.shape
    outline = np.zeros_like(f.ink)
    min_side = max(8.0, 4.0 * f.stroke, 0.6 * f.text_h)
    found: list[tuple[Shape, Any]] = []
    hollow: list[Arrowhead] = []  # open triangles and diamonds at the end of a relation
    cells: list[int] = []  # box-filling regions of any size: the cells of a record or table
    regions: set[int] = set()  # the shapes of enclosed regions, outlined once all are known
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if (x == 0 or y == 0 or x + w >= ww or y + h >= hh) and not _grazes_edge(labels, i, (x, y, w, h)):
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
            if _in_fill(gray, bg, (x, y, w, h), np):
                continue  # a light letter ("a", "o") on a dark fill, not a marker or a ring
            cx, cy = x + w / 2.0, y + h / 2.0
            if float(region.sum()) < 0.8 * w * h * math.pi / 4.0 and _round_hole(region):
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
        if kind == "cloud" and not tint:
            # (an unfilled region of bulges is as often a loop of curved connectors: it is
            # read as before clouds were told apart)
            kind, contour = _classify(region, f, clouds=False)
            if kind is None:
                continue
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
        badge = bool(f.bare is not None and f.bare[cy, cx]) and _tight((x, y, x + w, y + h), f.words or [])
        shape = Shape(kind=kind, bbox=(x - pad, y - pad, x + w + pad, y + h + pad), filled=tint,
                      stroked=not badge)
        found.append((shape, contour))
        regions.add(id(shape))
    every = [s for s, _ in found]
    found = [(s, c) for s, c in found if s.filled or not _between_shapes(s, every)]
    for s, c in found:
        if id(s) in regions:
            # the hull, not the contour: a connector that runs into a group's region from its
            # border (and on to a node inside) dents the contour, and is no outline
            cv2.drawContours(outline, [cv2.convexHull(c)], -1, 1, thickness=int(2 * f.stroke + 3))
    for r in _records(f, labels, stats, cells, [s for s, _ in found], gray, bg):
        found = [(s, c) for s, c in found if not any(_same_box(s.bbox, cb, f.stroke * 0.5 + 0.5)
                                                     for cb in r.cells)]
        th = int(2 * f.stroke + 3)
        for x0, y0, x1, y1 in r.cells:  # the rules between cells are no connectors
            cv2.rectangle(outline, (x0, y0), (x1, y1), 1, th)
        if not r.stack:
            found.append((Shape(kind="rect" if r.rows else "round_rect", bbox=r.box, filled=r.tint), None))
        found += [(Shape(kind="rect", bbox=b, filled=r.tint), None) for b in r.rows]
    cut = _cut_fills(f, fills or [], [s for s, _ in found], outline)
    if cut:
        # the pieces the fill's lines cut it into are no shapes of their own
        found = [(s, c) for s, c in found if not any(_piece_of(s, o, gray, f) for o, _ in cut)]
    found += cut
    frames = _line_frames(f, [s.bbox for s, _ in found], outline)
    if frames:
        # a package frame's tab (its name's box on its top-left corner) is no node: its
        # name is the frame's
        found = [(s, c) for s, c in found if not any(_tab_of(s.bbox, fr.bbox, f) for fr, _ in frames)]
        found += frames
    shapes = merge_cylinders([s for s, _ in found])
    shapes += _discs(f, outline)
    f.hollow = hollow
    return shapes, outline


def _line_frames(f: _Frame, boxes: list[Rect], outline: Any) -> list[tuple[Shape, Any]]:
    """Containers drawn as four straight sides round shapes found inside them, found from their
    sides rather than from their inside: two links from outside to one node inside a frame
    close in the space between them, so the frame's inside is no one region and the region
    stage finds no frame (PlantUML's package frames, draw.io's groups). A pair of long level
    lines of the same extent, joined at both ends by plumb ink (within a rounded corner's reach
    of their ends), is a frame when it holds a shape and is none of the shapes found. (One
    that holds only text is left to the region stage: a container whose nodes were not found
    would become one node named by all of them.)"""
    np, cv2 = f.np, f.cv2
    ink = f.ink
    th = max(8.0, f.text_h)
    span = int(max(30.0, 4.0 * th))
    level = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, span), np.uint8))
    n, _lab, st, _ = cv2.connectedComponentsWithStats(level, connectivity=8)
    thick = max(3.0, 2.5 * f.stroke)
    runs = [(int(st[i, 0]), int(st[i, 0] + st[i, 2] - 1), float(st[i, 1] + st[i, 3] / 2.0))
            for i in range(1, n) if st[i, 3] <= thick]
    runs.sort(key=lambda r: r[2])
    tol = 2.0 * f.stroke + 3.0
    reach = int(1.5 * th)  # a rounded corner's radius at most
    band = 1  # (a side is found to the pixel: its outline is then taken out round it)
    out: list[tuple[Shape, Any]] = []
    taken: list[Rect] = []
    for a, top in enumerate(runs):
        for bottom in runs[a + 1:]:
            if bottom[2] - top[2] < 2.0 * th:
                continue
            if abs(top[0] - bottom[0]) > tol or abs(top[1] - bottom[1]) > tol:
                continue
            y0, y1 = round(top[2]), round(bottom[2])
            left = _plumb_side(ink, min(top[0], bottom[0]), -1, reach, band, y0, y1, np)
            right = _plumb_side(ink, max(top[1], bottom[1]), +1, reach, band, y0, y1, np)
            if left is None or right is None:
                continue
            box = (float(left), float(y0), float(right), float(y1))
            if _runs_on(ink, left, right, y0, y1, th, band, np) or _crossed_through(ink, left, right, y0, y1, f):
                continue  # lifelines and the messages between them, or a band they cross
            inner = [b for b in boxes if _holds(box, b)]
            if sum(area(b) for b in inner) >= 0.85 * area(box):
                continue  # shapes that tile it (stacked bands, a record's rows): their outline
            if not inner or any(
                    max(abs(b[k] - box[k]) for k in range(4)) <= tol + 2.0 for b in boxes + taken):
                continue
            taken.append(box)
            out.append((Shape(kind="rect", bbox=box), None))
            cv2.rectangle(outline, (left, y0), (right, y1), 1, int(2 * f.stroke + 3))
            break  # (the nearest bottom of this extent closes this top)
    return out


def _runs_on(ink: Any, left: int, right: int, y0: int, y1: int, th: float, band: int, np: Any) -> bool:
    """Both plumb sides go on past the top corners, or past the bottom ones: two lifelines do,
    past the messages between them. (One side may: a package's tab stands on its frame's
    left side.)"""
    hh = ink.shape[0]
    far = int(th)
    for a, b in ((y0 - far - 3, y0 - 3), (y1 + 3, y1 + far + 3)):
        a, b = max(0, a), min(hh, b)
        if b - a >= far // 2 and all(float(ink[a:b, max(0, x - band):x + band + 1].max(axis=1).mean()) >= 0.9
                                     for x in (left, right)):
            return True
    return False


def _crossed_through(ink: Any, left: int, right: int, y0: int, y1: int, f: _Frame) -> bool:
    """A plumb line crosses the box from top to bottom away from its sides (lifelines through
    a highlighted band). (A level one from side to side is a title bar's rule or a lane's.)"""
    m = int(max(3.0, 2.0 * f.stroke)) + 2
    inner = ink[y0 + 1:y1, left + m:right - m + 1]
    return inner.size > 0 and bool((inner.mean(axis=0) >= 0.97).any())


def _tab_of(tab: Rect, frame: Rect, f: _Frame) -> bool:
    """A package's tab on the frame's top-left corner, or a title bar across the frame's top
    (a composite state's name compartment): the frame's name, no node of its own."""
    tol = 2.0 * f.stroke + 3.0
    low = tab[3] - tab[1] <= 3.0 * max(8.0, f.text_h)
    on_corner = abs(tab[3] - frame[1]) <= tol and abs(tab[0] - frame[0]) <= tol \
        and tab[2] - tab[0] < 0.8 * (frame[2] - frame[0])
    title_bar = abs(tab[1] - frame[1]) <= tol and abs(tab[0] - frame[0]) <= tol \
        and abs(tab[2] - frame[2]) <= tol and tab[3] - tab[1] < 0.5 * (frame[3] - frame[1])
    return low and (on_corner or title_bar)


def _plumb_side(ink: Any, x: int, out: int, reach: int, band: int, y0: int, y1: int, np: Any) -> int | None:
    """The column at or just outside ``x`` (towards ``out``: -1 left, +1 right) that is ink over
    nine tenths of the rows from y0 to y1 (the middle of a side, its rounded corners aside)."""
    ww = ink.shape[1]
    m = max(1, (y1 - y0) // 8)
    best = None
    for dx in range(reach + 1):
        xx = x + out * dx
        if xx - band < 0 or xx + band >= ww:
            break
        col = ink[y0 + m:y1 - m, xx - band:xx + band + 1].max(axis=1)
        cover = float(col.mean()) if col.size else 0.0
        if cover >= 0.9 and (best is None or cover > best[0]):
            best = (cover, xx)  # (the nearest of equals: a frame next to it is further out)
    return None if best is None else best[1]


def _holds(outer: Rect, inner: Rect) -> bool:
    """``inner`` lies in ``outer`` and is clearly smaller (not the same box found twice)."""
    return contains(outer, inner) and area(inner) < 0.8 * area(outer)


def _between_shapes(s: Shape, shapes: list[Shape]) -> bool:
    """An unfilled region whose box cuts into two or more other shapes' (neither holds the
    other) is the background closed in by them and the connectors between them, no node: a
    flowchart's loop from a decision through an action back round to a circle, traced as a
    hexagon between the four (measured on a draw.io flowchart's 'No' labels, read as a node)."""
    cut = 0
    for o in shapes:
        if o is s:
            continue
        common = overlap_area(s.bbox, o.bbox)
        if common <= 0.1 * area(o.bbox) or common >= 0.9 * min(area(o.bbox), area(s.bbox)):
            continue  # apart, touching, or one inside the other
        cut += 1
        if cut >= 2:
            return True
    return False


def _cut_fills(f: _Frame, fills: list, found: list[Shape], outline: Any) -> list[tuple[Shape, Any]]:
    """Filled areas (a grey cylinder, a coloured box) whose inside no enclosed region covers
    but which hold a line of text no shape holds: lines drawn over the fill (a connector
    passing across a shape, one ending in its middle) cut its inside into pieces that each
    fit no shape. The fill's own area, the holes of its letters filled, is the shape."""
    np, cv2 = f.np, f.cv2
    out: list[tuple[Shape, Any]] = []
    for (x, y, w, h), whole, stroked in fills:
        box = (float(x), float(y), float(x + w), float(y + h))
        text = [b for b in (f.words or []) if inside(center(b), box)]
        if not text or min(w, h) < max(8.0, 0.6 * f.text_h):
            continue
        # its text is a region's already (the fill was found whole, or the nodes on it were):
        # a fill that also holds text of its own is a container, the zone its title names
        if all(any(inside(center(b), s.bbox) for s in found + [o for o, _ in out]) for b in text):
            continue
        if _run_through(f.ink[y:y + h, x:x + w], whole, f.stroke, np):
            continue  # a band that lifelines cross from top to bottom is no node
        kind, contour = _classify(whole, f)
        if kind is None:
            continue
        contour = contour + np.array([[x, y]])
        pad = f.stroke * 0.5 + 0.5
        out.append((Shape(kind=kind, bbox=(x - pad, y - pad, x + w + pad, y + h + pad), filled=True,
                          stroked=stroked), contour))
        cv2.drawContours(outline, [cv2.convexHull(contour)], -1, 1, thickness=int(2 * f.stroke + 3))
    return out


def _piece_of(s: Shape, fill: Shape, gray: Any, f: _Frame) -> bool:
    """A region with no text, inside a fill found whole, of the fill's own tone: a piece of
    that fill that the connectors drawn over it closed in (a node on the fill has a tone of
    its own, or its name)."""
    if not _inside(s.bbox, fill.bbox, margin=1.0) or any(inside(center(b), s.bbox) for b in f.words or []):
        return False
    return abs(_tone(gray, s.bbox, f.np) - _tone(gray, fill.bbox, f.np)) <= _PIECE_TONE


_PIECE_TONE = 12  # grey levels between a piece of a fill and the fill


def _tone(gray: Any, box: Rect, np: Any) -> float:
    x0, y0, x1, y1 = (round(v) for v in box)
    return float(np.median(gray[max(0, y0):max(0, y1), max(0, x0):max(0, x1)]))


def _tight(box: Rect, words: list[Rect]) -> bool:
    """A fill drawn without an outline is a label's badge when it fits its text closely (its
    text covers nearly half of it or more); a larger one (a slide's borderless box, a grey
    cylinder with its name in it) is a node."""
    text = sum(overlap_area(b, box) for b in words if inside(center(b), box))
    return text >= 0.45 * (box[2] - box[0]) * (box[3] - box[1])


def _run_through(ink: Any, whole: Any, stroke: float, np: Any) -> bool:
    """A straight line of ink crosses the fill from side to side (or top to bottom) away from
    its edges: the lifelines through a sequence chart's highlighted band."""
    m = int(max(3.0, 2.0 * stroke)) + 1
    on = (ink > 0) & (whole > 0)
    for axis in (0, 1):
        span = whole.sum(axis=axis)
        cover = on.sum(axis=axis)
        inner = slice(m, max(m, len(span) - m))
        if bool(((cover[inner] >= 0.95 * span[inner]) & (span[inner] > 0)).any()):
            return True
    return False


def _grazes_edge(labels: Any, i: int, box: tuple[int, int, int, int]) -> bool:
    """A region that meets the image's edge along a short stretch of one side only: a shape
    drawn flush with the crop, whose outline's outermost pixels the crop cut off (the top of
    an ellipse). The space around the drawing, or between a box and the edge, meets it along
    its whole length."""
    x, y, w, h = box
    hh, ww = labels.shape
    sides = [(y == 0, labels[0, x:x + w], w), (y + h >= hh, labels[hh - 1, x:x + w], w),
             (x == 0, labels[y:y + h, 0], h), (x + w >= ww, labels[y:y + h, ww - 1], h)]
    touching = [(run, extent) for hit, run, extent in sides if hit]
    return len(touching) == 1 and int((touching[0][0] == i).sum()) < 0.3 * touching[0][1]


@dataclass
class _Record:
    box: Rect  # the outer box (working pixels, padded like other shapes)
    rows: list[Rect]  # full-width bands, top to bottom (empty for a composite)
    cells: list[Rect]  # the ruled cells (unpadded region boxes)
    tint: bool
    composite: bool  # cells hold other boxes: a composite state or a titled group
    stack: bool = False  # bands of tones of their own: each band a box, no record around them


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
        stack = not composite and _stack_of_tones(top_level, labels, gray, box_of, np)
        out.append(_Record(box, rows, cell_boxes, tint, composite, stack))
    return out


def _stack_of_tones(cells: list[int], labels: Any, gray: Any, box_of: dict, np: Any) -> bool:
    """Three or more cells stacked in one box, each a tone of its own (a legend's coloured rows,
    a protocol stack's layers drawn as touching bands): separate boxes, not a record's title
    and fields (a UML class's compartments share one fill, or its title alone differs)."""
    if len(cells) < 3:
        return False
    ordered = sorted(cells, key=lambda i: (box_of[i][1], box_of[i][0]))
    tones = [float(np.median(gray[labels == i])) for i in ordered]
    return all(abs(a - b) > _BAND_DELTA for a, b in itertools.pairwise(tones))


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


def _classify(region: Any, f: _Frame, clouds: bool = True) -> tuple[str | None, Any]:
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
    # (a cloud holds a name: at least two text lines high)
    if clouds and solidity < 0.97 and min(w, h) >= 2.0 * max(f.text_h, 8.0) and _cloud(c, w, h, hull, cv2):
        return "cloud", c
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
    if fill >= 0.75 and region[1, 1] and region[1, w - 2] and _document(region):
        return "rect", c  # a document (a box whose bottom edge is a wave): a box like any other
    if 0.42 <= fill <= 0.6 and n == 4:
        return "diamond", c
    if 0.7 <= fill < 0.93 and n == 6:
        return "hexagon", c
    if 0.55 <= fill < 0.93 and n == 4:
        return "parallelogram", c
    if fill >= 0.6 and solidity >= 0.95:
        return "polygon", c
    return None, c


def _document(region: Any) -> bool:
    """Full width from its square top down through most of its height, then a bottom edge
    that rises and falls: the flowchart 'document' shape (draw.io, Visio)."""
    h = region.shape[0]
    rows = region.mean(axis=1)
    top, low = rows[:int(0.6 * h)], rows[int(0.8 * h):]
    return bool(len(top) and len(low) and (top >= 0.9).mean() >= 0.9 and 0.3 <= low.mean() <= 0.9)


def _in_fill(gray: Any, bg: int, box: tuple[int, int, int, int], np: Any) -> bool:
    """A small light region with fill all round it well beyond its own rim: a hole in a
    dark fill (a white letter on a grey cloud). A state marker's ring is thin, with the
    page's background just outside it."""
    x, y, w, h = box
    m = int(0.6 * max(w, h)) + 2
    hh, ww = gray.shape
    x0, y0, x1, y1 = x - m, y - m, x + w + m + 1, y + h + m + 1
    if x0 < 0 or y0 < 0 or x1 > ww or y1 > hh:
        return False
    rim = _rim(np, gray, x0, y0, x1, y1).astype(np.int16)
    # (half: the rim runs through the next light letters; past a marker it is bare page,
    # but for the lines that meet it)
    return float(np.mean(np.abs(rim - bg) > _INK_DELTA)) >= 0.5


def _cloud(c: Any, w: int, h: int, hull: float, cv2: Any) -> bool:
    """A cloud (the Internet, a provider's network): an oval hull whose outline dips in
    between five or more bulges, each dip a few percent of the shape's size deep."""
    if not (0.3 <= w / h <= 3.5) or hull < 0.65 * w * h or len(c) < 12:
        return False
    try:
        idx = cv2.convexHull(c, returnPoints=False)
        defects = cv2.convexityDefects(c, idx)
    except cv2.error:  # (a self-touching contour has no defects to give)
        return False
    if defects is None:
        return False
    deep = [d for d in defects.reshape(-1, 4) if 0.03 * min(w, h) <= d[3] / 256.0 <= 0.3 * min(w, h)]
    return len(deep) >= 5


def _elliptic(c: Any, w: int, h: int, np: Any) -> bool:
    """Contour points lie on the ellipse inscribed in the region's box (radius within 12%)."""
    pts = c.reshape(-1, 2).astype(float)
    a, b = max(w / 2.0, 1.0), max(h / 2.0, 1.0)
    r = np.hypot((pts[:, 0] + 0.5 - a) / a, (pts[:, 1] + 0.5 - b) / b)
    return float(np.mean(np.abs(r - 1.0) < 0.12)) > 0.9


def _round_hole(region: Any) -> bool:
    """A region that rings its middle: the space between an end marker's outer ring and its
    dot. (The inside of a small open triangle, or of three inheritance heads drawn over one
    another, fills its box as thinly and has nothing in its middle.)"""
    h, w = region.shape
    cy, cx = h // 2, w // 2
    if region[cy, cx]:
        return False
    return bool(region[cy, :cx].any() and region[cy, cx:].any() and region[:cy, cx].any()
                and region[cy:, cx].any())


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


def fill_tone(img: Any, box: Rect, np: Any) -> tuple[float, float, float] | None:
    """The colour a shape is filled with: the commonest colour inside it, its rim and its
    text left out (the text and lines are a minority of a filled box's pixels)."""
    x0, y0, x1, y1 = (round(v) for v in box)
    pad = max(2, int(0.1 * min(x1 - x0, y1 - y0)))
    crop = img[max(0, y0 + pad):max(0, y1 - pad), max(0, x0 + pad):max(0, x1 - pad)]
    if crop.size == 0 or crop.shape[0] * crop.shape[1] < 16:
        return None
    pixels = crop.reshape(-1, 3)
    q = (pixels // 16).astype(np.int32)
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    counts = np.bincount(keys, minlength=4096)
    top = int(counts.argmax())
    if counts[top] < 0.3 * len(keys):
        return None  # no one colour fills it: a picture or an empty outline over a pattern
    b, g, r = (pixels[keys == top].mean(axis=0) / 255.0).tolist()
    return (round(r, 3), round(g, 3), round(b, 3))
