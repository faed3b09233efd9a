"""Figure candidates on one page: raster images, vector drawing clusters, and both merged.

Works in the unrotated frame (PyMuPDF's drawings, images and span boxes all use it). What is
*not* a figure is removed before clustering (invisible fills, page backgrounds and borders,
underlines, table rules) or after it (frames and shadings with no inner structure, anything
smaller than ``min_figure_size``). Logos repeated on most pages are rejected later, at document
level, from the :attr:`Candidate.signature` each candidate carries.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .._unionfind import DisjointSet
from .options import IngestOptions
from .pdf import Line, Rect

__all__ = ["Candidate", "Ink", "cluster_inks", "content_hash", "detect_figures", "group_box", "images_of", "inks_of",
           "link_duplicates"]

_GRID = 48.0  # pt: bucket size of the clustering grid
_MERGE_GAP = 60.0  # pt: blank space that may separate the islands of one vector diagram


@dataclass
class Ink:
    """One visible drawing (a PyMuPDF path) reduced to what clustering needs."""

    index: int  # position in the page's drawing list
    rect: Rect
    items: int
    curved: bool  # holds curves or diagonal segments (arrows, ellipses): not a table/frame
    axis_rects: int  # number of 're' items and of axis-parallel segments


@dataclass
class Img:
    rect: Rect
    xref: int
    digest: str  # sha256 of the embedded image stream, "" for inline images
    mask: bool = False  # a 1-bit stencil (ETSI PDFs paint figure labels as such masks)
    pixels: tuple[int, int] = (0, 0)  # the image's own width and height in pixels
    plain: bool = False  # placed upright and unflipped, with no soft mask: extractable as is
    smask: int = 0  # xref of its soft mask (0: none)
    upright: bool = False  # placed upright, unflipped and wholly on the page (masked or not)
    shape: dict[str, Any] | None = None  # a box painted as a picture (``painted.painted_shape``)


@dataclass
class Candidate:
    bbox: Rect
    kind: str  # raster | vector | mixed
    inks: list[Ink] = field(default_factory=list)
    images: list[Img] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # indices into the page's lines
    signature: str = ""  # for logo detection across pages

    @property
    def items(self) -> int:
        return sum(i.items for i in self.inks)


# ---------------------------------------------------------------- inputs
def inks_of(drawings: list[dict[str, Any]], page_rect: Rect, lines: list[Line],
            blocked: list[Rect]) -> list[Ink]:
    """Visible drawings minus backgrounds, page borders, underlines and what lies in ``blocked``."""
    px0, py0, px1, py1 = page_rect
    page_area = (px1 - px0) * (py1 - py0)
    out: list[Ink] = []
    for i, d in enumerate(drawings):
        r = _clip(d["rect"], page_rect, pad=(d.get("width") or 0) / 2)
        if r is None or _invisible(d):
            continue
        area = (r[2] - r[0]) * (r[3] - r[1])
        if area >= 0.6 * page_area:  # full-page background or page border
            continue
        if any(_inside(r, b, 2.0) for b in blocked):
            continue
        ink = _ink(i, r, d["items"])
        if ink.items == 1 and not ink.curved and _is_underline(r, lines):
            continue
        out.append(ink)
    return out


def _clip(r: Any, page: Rect, pad: float) -> Rect | None:
    x0, y0, x1, y1 = (min(r[0], r[2]) - pad, min(r[1], r[3]) - pad,
                      max(r[0], r[2]) + pad, max(r[1], r[3]) + pad)
    x0, y0, x1, y1 = max(x0, page[0]), max(y0, page[1]), min(x1, page[2]), min(y1, page[3])
    if x1 - x0 < 0 or y1 - y0 < 0 or (x1 - x0) + (y1 - y0) < 0.5:
        return None
    return (x0, y0, x1, y1)


def _invisible(d: dict[str, Any]) -> bool:
    stroke = d.get("color") if d.get("type") in ("s", "fs") else None
    fill = d.get("fill") if d.get("type") in ("f", "fs") else None
    if stroke is not None and (d.get("stroke_opacity") or 1.0) > 0:
        return False
    if fill is None or (d.get("fill_opacity") if d.get("fill_opacity") is not None else 1.0) == 0:
        return True
    return all(c >= 0.97 for c in fill)  # white paint on white paper


def _ink(index: int, r: Rect, items: list[tuple]) -> Ink:
    curved = False
    axis = 0
    for it in items:
        op = it[0]
        if op == "c":
            curved = True
        elif op == "l":
            (ax, ay), (bx, by) = it[1], it[2]
            if abs(ax - bx) > 0.5 and abs(ay - by) > 0.5:
                curved = True
            else:
                axis += 1
        elif op == "re":
            axis += 1
        elif op == "qu":
            curved = True
    return Ink(index=index, rect=r, items=len(items), curved=curved, axis_rects=axis)


def _is_underline(r: Rect, lines: list[Line]) -> bool:
    """A thin horizontal stroke just under a text line and not wider than it."""
    if r[3] - r[1] > 2.5 or r[2] - r[0] < 2:
        return False
    for ln in lines:
        b = ln.rbox
        if b[3] - 4 <= r[1] <= b[3] + 4 and r[0] >= b[0] - 4 and r[2] <= b[2] + 4:
            return True
    return False


def _inside(r: Rect, outer: Rect, tol: float) -> bool:
    return r[0] >= outer[0] - tol and r[1] >= outer[1] - tol and r[2] <= outer[2] + tol and r[3] <= outer[3] + tol


def images_of(page: Any, doc: Any, page_rect: Rect, digests: dict[int, str]) -> list[Img]:
    """Embedded images on the page (clipped), with a content digest cached per xref."""
    out: list[Img] = []
    px0, py0, px1, py1 = page_rect
    page_area = (px1 - px0) * (py1 - py0)
    listed = page.get_images(full=True)
    smasks = {int(item[0]): int(item[1] or 0) for item in listed}
    for info in _image_info(page, listed):
        r = _clip(info["bbox"], page_rect, 0.0)
        if r is None or (r[2] - r[0]) * (r[3] - r[1]) < 4.0:
            continue
        if (r[2] - r[0]) * (r[3] - r[1]) >= 0.85 * page_area:
            continue  # a page background or a scanned page, not a figure
        xref = int(info.get("xref") or 0)
        if xref and xref not in digests:
            digests[xref] = hashlib.sha256(doc.xref_stream_raw(xref) or b"").hexdigest()
        mask = info.get("bpc") == 1 and not info.get("colorspace")
        pixels = (int(info.get("width") or 0), int(info.get("height") or 0))
        a, b, c, d = (tuple(info.get("transform") or (0, 0, 0, 0)) + (0, 0, 0, 0))[:4]
        upright = a > 0 and d > 0 and abs(b) < 1e-6 and abs(c) < 1e-6
        whole = all(abs(u - v) < 0.01 for u, v in zip(r, tuple(info["bbox"])))
        out.append(Img(rect=r, xref=xref, digest=digests.get(xref, ""), mask=mask, pixels=pixels,
                       plain=upright and not info.get("has-mask"), smask=smasks.get(xref, 0),
                       upright=upright and whole))
    return out


def _image_info(page: Any, listed: list[tuple]) -> list[dict[str, Any]]:
    """get_image_info with xrefs, without its cost when the page's images are unambiguous.

    ``xrefs=True`` decodes and hashes every image to pair placements with xrefs; when each
    listed image has a distinct pixel size, the size pairs them as well.
    """
    by_size: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item in listed:
        if item[0] not in by_size[(item[2], item[3])]:
            by_size[(item[2], item[3])].append(item[0])
    if any(len(v) > 1 for v in by_size.values()):
        return _paired_by_name(page, listed) or page.get_image_info(xrefs=True)
    infos = page.get_image_info()
    if infos and not listed:
        return page.get_image_info(xrefs=True)  # images inside form XObjects are not listed
    for info in infos:
        xrefs = by_size.get((info.get("width"), info.get("height")))
        if xrefs is None:
            return page.get_image_info(xrefs=True)  # a size we cannot pair: ask PyMuPDF
        info["xref"] = xrefs[0]
    return infos


def _paired_by_name(page: Any, listed: list[tuple]) -> list[dict[str, Any]] | None:
    """Placements paired with xrefs by the name the content stream paints them by, when
    every listed image has a name of its own (a browser's print: dozens of same-sized
    shadowed boxes, where hashing every decoded image cost a second a page). None when a
    name is shared or the placements do not line up (PyMuPDF then hashes)."""
    import pymupdf

    xref_of: dict[str, set[int]] = defaultdict(set)
    for item in listed:
        xref_of[item[7]].add(int(item[0]))
    if any(len(v) > 1 for v in xref_of.values()):
        return None
    try:  # PyMuPDF's own pairing for Page.get_image_bbox: (name, quad) per placement, in order
        placed = pymupdf.JM_image_reporter(page._pdf_page())
    except Exception:  # noqa: BLE001 - an internal helper: any failure means "hash instead"
        return None
    infos = page.get_image_info()
    if not placed or len(placed) != len(infos):
        return None
    for info, (name, quad) in zip(infos, placed):
        r = pymupdf.Quad(quad).rect
        if name not in xref_of or any(abs(a - b) > 0.5 for a, b in zip(r, info["bbox"])):
            return None
        info["xref"] = next(iter(xref_of[name]))
    return infos


# ---------------------------------------------------------------- clustering
def _cluster(rects: list[Rect], gap: float) -> list[list[int]]:
    """Union-find over boxes closer than ``gap``; a grid of levels keeps it near-linear.

    Each box is filed in the level whose cells (48 pt, then 4x coarser per level) are at least
    its size, so it touches at most 2x2 cells whatever the page size (one flat 48-pt grid
    listed every cell a box covers: gigabytes for a drawing on a 1e6-pt page). Boxes are
    taken largest first and each looks in its own level and the coarser ones, where every
    larger box already sits.
    """
    sets = DisjointSet(len(rects))
    find = sets.find
    h = gap / 2
    grown = [(x0 - h, y0 - h, x1 + h, y1 + h) for x0, y0, x1, y1 in rects]
    levels: dict[int, dict[tuple[int, int], list[int]]] = defaultdict(lambda: defaultdict(list))
    for i in sorted(range(len(rects)), key=lambda k: -_extent(grown[k])):
        own = _level(_extent(grown[i]))
        for lvl in [k for k in levels if k >= own]:
            for cell in _cells(grown[i], lvl):
                # boxes already joined skip the distance test (a dense cell, a halftone of
                # thousands of marks, compares most pairs)
                for j in levels[lvl].get(cell, ()):
                    if find(i) != find(j) and _near(rects[i], rects[j], gap):
                        sets.union(i, j)
        for cell in _cells(grown[i], own):
            levels[own][cell].append(i)
    return sets.groups()


def _extent(r: Rect) -> float:
    return max(r[2] - r[0], r[3] - r[1], 0.0)


def _level(size: float) -> int:
    lvl = 0
    while _GRID * 4 ** lvl < size and lvl < 60:  # 60: a bound for inf/nan sizes
        lvl += 1
    return lvl


def _cells(r: Rect, lvl: int) -> list[tuple[int, int]]:
    s = _GRID * 4 ** lvl
    return [(cx, cy) for cx in range(int(r[0] // s), int(r[2] // s) + 1)
            for cy in range(int(r[1] // s), int(r[3] // s) + 1)]


def _near(a: Rect, b: Rect, gap: float) -> bool:
    return a[0] <= b[2] + gap and b[0] <= a[2] + gap and a[1] <= b[3] + gap and b[1] <= a[3] + gap


def _union(rects: Any) -> Rect:
    rs = list(rects)
    return (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs), max(r[3] for r in rs))


def _merge_overlapping(cands: list[Candidate], gap: float) -> list[Candidate]:
    """Merge candidates whose boxes touch (a legend beside its chart, an overlay on an image)."""
    changed = True
    while changed:
        changed = False
        out: list[Candidate] = []
        for c in cands:
            for o in out:
                if _near(c.bbox, o.bbox, gap):
                    o.bbox = _union([o.bbox, c.bbox])
                    o.inks += c.inks
                    o.images += c.images
                    changed = True
                    break
            else:
                out.append(c)
        cands = out
    for c in cands:
        c.kind = "mixed" if c.inks and c.images else ("raster" if c.images else "vector")
    return cands


# ---------------------------------------------------------------- the page
def cluster_inks(inks: list[Ink], gap: float) -> list[list[Ink]]:
    """Drawings grouped by proximity (each group a vector figure or table candidate)."""
    return [[inks[i] for i in group] for group in _cluster([k.rect for k in inks], gap)]


def group_box(group: list[Ink]) -> Rect:
    return _union(k.rect for k in group)


def detect_figures(groups: list[list[Ink]], images: list[Img], lines: list[Line], captions: set[int],
                   opts: IngestOptions, page_rect: Rect) -> list[Candidate]:
    """Figure candidates of one page (before the document-level logo check)."""
    cands = [Candidate(bbox=group_box(g), kind="vector", inks=g) for g in groups]
    for img in images:
        cands.append(Candidate(bbox=img.rect, kind="raster", images=[img]))
    cands = _merge_overlapping(cands, opts.cluster_gap)
    _attach_text(cands, lines, captions)
    cands = _stack_arrows(cands, lines, captions, _MERGE_GAP)
    cands = _merge_across_gaps(cands, lines, _MERGE_GAP)
    kept = [c for c in cands if _is_figure(c, opts) and not (_prose_inside(c, lines) and not _drawn(c))
            and not _edge_decoration(c, page_rect) and not _shaded_heading(c, lines)]
    kept = _merge_overlapping(kept, 0.0)
    kept = [c for c in kept if _big_enough(c.bbox, opts.min_figure_size)
            or _one_row_diagram(c, opts.min_figure_size)]
    _attach_lines_beside(kept, lines, captions)
    for c in kept:
        _end_at_caption(c, lines, captions)
        c.lines = sorted(set(c.lines))
        c.signature = _signature(c)
    return kept


def _end_at_caption(c: Candidate, lines: list[Line], captions: set[int]) -> None:
    """A figure ends above its caption. A picture that spills past the caption (an ETSI
    label mask whose box runs on below its glyphs) stretched the figure over the caption and
    the headings after it, which then left the body as figure text. When a caption line lies
    in the lower half of the box and nothing drawn starts below it, the box stops over the
    caption and the text lines under it go back to the body."""
    x0, y0, x1, y1 = c.bbox
    tops = [lines[i].rbox[1] for i in captions
            if lines[i].dir[0] > 0.99
            and min(x1, lines[i].rbox[2]) - max(x0, lines[i].rbox[0]) >= 0.5 * min(
                x1 - x0, lines[i].rbox[2] - lines[i].rbox[0])
            and y0 + 0.5 * (y1 - y0) < lines[i].rbox[1] < y1]
    if not tops:
        return
    cut = min(tops)
    starts = [k.rect[1] for k in c.inks] + [im.rect[1] for im in c.images]
    if any(t >= cut for t in starts):
        return  # drawn below the caption too: a caption inside the figure's frame
    c.bbox = (x0, y0, x1, cut - 1.0)
    c.lines = [i for i in c.lines if lines[i].rbox[1] < cut]


def _shaded_heading(c: Candidate, lines: list[Line]) -> bool:
    """A band of axis-parallel art no taller than two lines of its text, holding one line: a
    section title set on a shaded bar (NIST SP 800-207's 'References', white on black), with
    the first line of text under it attached. It draws nothing but the bar."""
    if c.images or not c.inks or any(k.curved for k in c.inks):
        return False
    _, y0, _, y1 = _union([k.rect for k in c.inks])
    inside = [lines[i] for i in c.lines if y0 - 1 <= (lines[i].rbox[1] + lines[i].rbox[3]) / 2 <= y1 + 1]
    return len(inside) == 1 and y1 - y0 <= 2.0 * (inside[0].rbox[3] - inside[0].rbox[1])


def _prose_inside(c: Candidate, lines: list[Line]) -> bool:
    """Running sentences inside: a text box, a shaded note or a picture behind text, not a figure.

    Diagram labels are short (a few words per line); prose lines carry many words.
    """
    texts = [lines[i].text for i in c.lines]
    if not texts:
        return False
    words = [len(t.split()) for t in texts]
    return sum(words) >= 15 and sum(words) / len(words) >= 5.5


def _drawn(c: Candidate) -> bool:
    """Much more drawing than a frame or a shading behind text: six or more drawings, three of
    them with curves or slanted segments (arrowheads). A call flow whose messages carry long
    labels reads like prose line by line, but it is drawn."""
    return len(c.inks) >= 6 and sum(1 for k in c.inks if k.curved) >= 3


def _edge_decoration(c: Candidate, page: Rect) -> bool:
    """A picture touching two page edges: a corner logo, a banner or a side bar (bleed art)."""
    if c.inks or not c.images:
        return False
    x0, y0, x1, y1 = c.bbox
    edges = (x0 <= page[0] + 1) + (y0 <= page[1] + 1) + (x1 >= page[2] - 1) + (y1 >= page[3] - 1)
    return edges >= 2


def _arrow_strip(c: Candidate) -> bool:
    """A level arrow alone (with its label, when one was attached): thin, long, with a head
    (a curved or slanted ink)."""
    if c.images or not c.inks:
        return False
    x0, y0, x1, y1 = _union([k.rect for k in c.inks])
    return y1 - y0 <= 14.0 and x1 - x0 >= 60.0 and any(k.curved for k in c.inks)


def _rule(c: Candidate) -> bool:
    """A thin level line with no head (the dashed 'OR' separator of a NAS chart)."""
    return not c.images and c.bbox[3] - c.bbox[1] <= 3.0 and not any(k.curved for k in c.inks)


def _label_like(text: str) -> bool:
    """A message name, a timer ('Start T3410') or an 'OR': a few words, no sentence."""
    words = text.split()
    return 0 < len(words) <= 8 and not text.rstrip().endswith((".", ";", ","))


def _stack_arrows(cands: list[Candidate], lines: list[Line], captions: set[int],
                  gap: float) -> list[Candidate]:
    """Message charts drawn without lifelines (3GPP NAS procedures, TS 24.301/24.334): level
    arrows stacked one above the other, the message names, timers and the participants' names
    between and around them. Each arrow alone is too thin for a figure, and the labels between
    them keep ``_merge_across_gaps`` from joining them: two or more stacked arrows whose
    surrounding text lines are all short labels are one figure, and those lines its text."""
    # the dashed 'OR' rules between alternatives carry the stack across their wider gaps
    strips = sorted((c for c in cands if _arrow_strip(c) or _rule(c)), key=lambda c: c.bbox[1])
    groups: list[list[Candidate]] = []
    for c in strips:
        g = _union([x.bbox for x in groups[-1]]) if groups else None
        if g is not None and c.bbox[1] - g[3] <= gap and \
                min(c.bbox[2], g[2]) - max(c.bbox[0], g[0]) >= 0.5 * min(c.bbox[2] - c.bbox[0], g[2] - g[0]):
            groups[-1].append(c)  # below the stack (or beside it: the two halves of an OR rule)
        else:
            groups.append([c])
    merged: list[Candidate] = []
    gone: set[int] = set()
    groups = [g for g in groups if sum(_arrow_strip(c) for c in g) >= 2]
    owned = {i for c in cands for i in c.lines}
    for g in groups:
        box = _union([c.bbox for c in g])
        if any(not any(c is x for x in g) and _near(c.bbox, box, 0.5 * gap) and not _rule(c) for c in cands):
            continue  # part of a larger drawing (lifelines, boxes): _merge_across_gaps decides
        around = [i for i, ln in enumerate(lines) if i not in owned and i not in captions
                  and box[1] - gap <= ln.rbox[1] and ln.rbox[3] <= box[3] + 12.0
                  and ln.rbox[2] >= box[0] - 150.0 and ln.rbox[0] <= box[2] + 150.0]
        inner = [i for i in around if box[1] <= lines[i].rbox[3] and lines[i].rbox[1] <= box[3]]
        if any(not _label_like(lines[i].text) for i in inner):
            continue  # prose between the arrows: not one chart
        # above the first arrow: the participants' names, up to the first line that is prose
        above = sorted((i for i in around if lines[i].rbox[3] < box[1]), key=lambda i: -lines[i].rbox[1])
        head: list[int] = []
        for i in above:
            if not _label_like(lines[i].text):
                break
            head.append(i)
        take = inner + head
        merged.append(Candidate(bbox=_union([box] + [lines[i].rbox for i in take]), kind="vector",
                                inks=[k for c in g for k in c.inks], lines=take))
        gone.update(id(c) for c in g)
    return [c for c in cands if id(c) not in gone] + merged


def _merge_across_gaps(cands: list[Candidate], lines: list[Line], gap: float) -> list[Candidate]:
    """Join vector parts separated by blank space only (a diagram drawn as several islands).

    Two parts merge when they are within ``gap`` and no text outside both (body text, a
    caption) lies in the box they would make together.
    """
    owned = {i for c in cands for i in c.lines}
    free = [ln.rbox for i, ln in enumerate(lines) if i not in owned]
    out: list[Candidate] = []
    todo = [c for c in cands if c.inks]
    # labels painted as bitmap masks (ETSI) join the drawing they label, like its text would
    letters = [c for c in cands if not c.inks and c.images and all(i.mask for i in c.images)]
    for c in cands:
        if not c.inks and not any(c is x for x in letters):
            out.append(c)  # pictures alone stay apart: two photos side by side are two figures
    while todo:
        ca = todo.pop(0)
        grown = True
        while grown:  # absorb every neighbour, then look again from the grown box
            grown = _absorb(ca, todo, free, gap) | _absorb(ca, letters, free, gap)
        out.append(ca)
    return out + letters


def _absorb(ca: Candidate, others: list[Candidate], free: list[Rect], gap: float) -> bool:
    """Move into ``ca`` every candidate of ``others`` within ``gap`` with no free text between."""
    grown = False
    for b in range(len(others) - 1, -1, -1):
        cb = others[b]
        if not _near(ca.bbox, cb.bbox, gap):
            continue
        box = _union([ca.bbox, cb.bbox])
        if _text_in(box, free):
            continue
        ca.bbox, ca.inks, ca.lines = box, ca.inks + cb.inks, ca.lines + cb.lines
        ca.images += cb.images
        ca.kind = "mixed" if ca.images else "vector"
        del others[b]
        grown = True
    return grown


def _text_in(box: Rect, rects: list[Rect]) -> bool:
    x0, y0, x1, y1 = box
    for r in rects:
        if r[0] < x1 and r[2] > x0 and r[1] < y1 and r[3] > y0:
            return True
    return False


def _is_figure(c: Candidate, opts: IngestOptions) -> bool:
    if c.images:
        # small images count when vector art surrounds them (icons in a topology)
        return _big_enough(c.bbox, opts.min_figure_size) or _one_row_diagram(c, opts.min_figure_size)
    if c.items < opts.min_vector_items or not _big_enough(c.bbox, opts.min_figure_size * 0.5):
        return False
    if any(k.curved for k in c.inks):
        return True
    return _has_inner_structure(c) and not _row_ruled(c)


def _row_ruled(c: Candidate) -> bool:
    """Axis-parallel art whose rules span the whole width: a table PyMuPDF could not split."""
    x0, x1 = c.bbox[0], c.bbox[2]
    width = max(x1 - x0, 1.0)
    rows: dict[int, float] = {}
    for k in c.inks:
        r = k.rect
        if r[3] - r[1] <= 2.5:
            rows[round(r[1] / 2)] = rows.get(round(r[1] / 2), 0.0) + (r[2] - r[0])
    return sum(1 for v in rows.values() if v >= 0.8 * width) >= 3


def _has_inner_structure(c: Candidate) -> bool:
    """Axis-parallel art only: a frame or a shaded box has nothing away from its own border."""
    x0, y0, x1, y1 = c.bbox
    tol = 2.5
    inner = 0
    for k in c.inks:
        r = k.rect
        on_border = ((abs(r[0] - x0) < tol or abs(r[2] - x1) < tol) and (r[2] - r[0]) < tol * 2) or \
                    ((abs(r[1] - y0) < tol or abs(r[3] - y1) < tol) and (r[3] - r[1]) < tol * 2) or \
                    (abs(r[0] - x0) < tol and abs(r[1] - y0) < tol and abs(r[2] - x1) < tol and abs(r[3] - y1) < tol)
        if not on_border:
            inner += 1
            if inner >= 2:
                return True
    return False


def _one_row_diagram(c: Candidate, size: float) -> bool:
    """A row of boxes joined by connectors, less than ``size`` tall (a transmitter chain or a
    protocol pipeline is often 31-36 pt): kept when it is at least 0.6 ``size`` tall and three
    ``size`` wide, holds two boxes side by side (each at least half the row's height) and a
    connector in the gap between two of them. A table row, a button bar or a rule has no
    connector between its boxes, so it stays out."""
    x0, y0, x1, y1 = c.bbox
    height = y1 - y0
    if not c.inks or height < 0.6 * size or x1 - x0 < 3 * size:
        return False
    boxes = sorted((k.rect for k in c.inks if k.axis_rects and k.rect[3] - k.rect[1] >= 0.5 * height
                    and 12.0 <= k.rect[2] - k.rect[0] <= 0.6 * (x1 - x0)), key=lambda r: r[0])
    gaps = [(a[2], b[0]) for a, b in zip(boxes, boxes[1:]) if b[0] - a[2] >= 4.0]
    for k in c.inks:
        r = k.rect
        if r[3] - r[1] > 0.5 * height:
            continue  # a box (or a tall stroke), not a connector
        cx = (r[0] + r[2]) / 2
        if any(g0 - 1.0 <= cx <= g1 + 1.0 for g0, g1 in gaps):
            return True
    return False


def _big_enough(r: Rect, size: float) -> bool:
    return (r[2] - r[0]) >= size and (r[3] - r[1]) >= size


def _attach_text(cands: list[Candidate], lines: list[Line], captions: set[int]) -> None:
    """Lines mostly inside a figure belong to it; short labels sticking out extend its box,
    and so do short lines that touch a drawing from outside: a label's text that runs past
    the bottom of its box (Visio and LibreOffice do not clip it), line after line."""
    order = sorted(enumerate(lines), key=lambda x: x[1].rbox[1])
    for c in cands:
        grown = c.bbox
        width = c.bbox[2] - c.bbox[0]
        taken = set(c.lines)
        # (top to bottom, then again while the box grows: a label's second line that reaches
        # out past the drawing, "«OAuth2»" under "consents" beside a curve, brings the first
        # line inside the box only after the first was looked at)
        for _ in range(3):
            before = len(taken)
            for i, ln in order:
                if i in captions or i in taken:
                    continue
                b = ln.rbox
                inter = _intersection(b, c.bbox)
                short = (b[2] - b[0]) < 0.5 * width
                if inter <= 0 and not (short and c.inks and _touches(b, grown)):
                    continue
                area = max((b[2] - b[0]) * (b[3] - b[1]), 1e-6)
                if inter >= 0.5 * area or short:
                    c.lines.append(i)
                    taken.add(i)
                    grown = _union([grown, b])
            if len(taken) == before:
                break
        c.bbox = grown


def _touches(line: Rect, box: Rect) -> bool:
    """A text line less than three quarters of its height from the box (the leading of a
    paragraph; captions and body text stand further off)."""
    pad = 0.75 * (line[3] - line[1])
    return (line[0] < box[2] and line[2] > box[0]
            and box[1] - pad <= line[3] and line[1] <= box[3] + pad)


def _attach_lines_beside(cands: list[Candidate], lines: list[Line], captions: set[int]) -> None:
    """Every finished figure takes the short labels just beside it (``_lines_beside``) unless
    they would make it reach another figure. (After the figures are put together: labels
    taken earlier would stand between the parts of one drawing as its own text, and keep
    them apart.)"""
    taken = {i for c in cands for i in c.lines}
    for c in cands:
        if not c.inks:
            continue
        side = [i for i in _lines_beside(c, lines, captions) if i not in taken]
        if not side:
            continue
        grown = _union([c.bbox] + [lines[i].rbox for i in side])
        if any(o is not c and _intersection(grown, o.bbox) > 0 for o in cands):
            continue
        c.lines += side
        c.bbox = grown
        taken.update(side)


def _lines_beside(c: Candidate, lines: list[Line], captions: set[int]) -> list[int]:
    """Short labels set just left or right of a drawing (PowerPoint's "On-Switch" text box
    beside a dashed group, "UE 1 / connected / to NCGI 5" left of its row), each with the
    rest of its text block."""
    width = c.bbox[2] - c.bbox[0]
    own = set(c.lines)

    def label(i: int) -> bool:
        ln = lines[i]
        return (i not in captions and i not in own and _label_like(ln.text)
                and (ln.rbox[2] - ln.rbox[0]) < 0.5 * width)

    side = {i for i in range(len(lines)) if label(i) and _beside(lines[i].rbox, c.bbox, lines[i].size)}
    blocks = {lines[i].block for i in side}
    return sorted(side | {i for i, ln in enumerate(lines) if ln.block in blocks and label(i)})


def _beside(line: Rect, box: Rect, size: float) -> bool:
    """A text line left or right of the box, its middle within the box's height, less than
    three quarters of its print size away (a column gap or a margin note stands further off;
    the size, not the line's height: a line of vertical text is tall)."""
    pad = 0.75 * size
    mid = (line[1] + line[3]) / 2
    return (box[1] <= mid <= box[3]
            and (box[2] <= line[0] <= box[2] + pad or box[0] - pad <= line[2] <= box[0]))


def _intersection(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _signature(c: Candidate) -> str:
    """Same art at the same place: a logo or a decoration when it repeats on most pages."""
    box = ",".join(f"{v / 4:.0f}" for v in c.bbox)  # 4 pt buckets absorb tiny shifts
    art = "|".join(sorted(i.digest or str(i.xref) for i in c.images)) + f"|{c.items}"
    return hashlib.sha1(f"{box}|{art}".encode()).hexdigest()


def content_hash(c: Candidate, lines: list[Line]) -> str:
    """sha256 of what the figure shows, independent of where it sits (for dedupe).

    Raster: the embedded image streams. Vector: the drawing geometry relative to the figure's
    corner (0.5 pt grid) plus its text, so the same diagram placed twice hashes the same.
    """
    h = hashlib.sha256()
    for img in sorted(c.images, key=lambda i: (i.digest, i.xref)):
        h.update((img.digest or f"xref{img.xref}").encode())
    if c.inks:
        x0, y0 = c.bbox[0], c.bbox[1]
        for k in sorted(c.inks, key=lambda k: k.index):
            r = k.rect
            h.update(f"{(r[0] - x0) * 2:.0f},{(r[1] - y0) * 2:.0f},{(r[2] - x0) * 2:.0f},"
                     f"{(r[3] - y0) * 2:.0f},{k.items};".encode())
        for i in c.lines:
            h.update(lines[i].text.encode())
    return h.hexdigest()


def link_duplicates(figures: Iterable[Any]) -> None:
    """Point each figure whose ``image_hash`` was seen before at the first one (``duplicate_of``),
    so the describe stage describes a repeated image (a logo on every page) once."""
    first: dict[str, str] = {}
    for fig in figures:
        if not fig.image_hash:
            continue
        if fig.image_hash in first:
            fig.duplicate_of = first[fig.image_hash]
        else:
            first[fig.image_hash] = fig.id
