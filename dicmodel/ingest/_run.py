"""The PDF ingest stage: bytes -> :class:`~dicmodel.document.Document` (two passes).

Pass 1 scans each page once (text lines, drawings, images, gated table detection, figure
candidates). Pass 2 works across pages: running headers/footers and repeated logos are judged
on the whole document, then each page's body is laid out (paragraphs, captions, reading order),
and figures get captions, context, crops and hashes. A page that fails is recorded as an
:class:`~dicmodel.document.ItemError` and the rest continues.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .._progress import bar
from ..describe._geometry.pdfplain import honour_clips, image_drawings, plain_drawings
from ..document import (
    BBox,
    Block,
    BlockType,
    Document,
    Figure,
    FigureKind,
    ItemError,
    Page,
    TextSpan,
    figure_id,
)
from . import captions as cap
from . import layout
from .crops import figure_png
from .figures import (
    Candidate,
    cluster_inks,
    content_hash,
    detect_figures,
    group_box,
    images_of,
    inks_of,
    link_duplicates,
)
from .hidden import hidden_spans
from .options import IngestOptions
from .painted import painted_shadow, painted_shape
from .pdf import Line, Rect, open_pdf, out_of_memory, page_lines, read_source, typed_errors
from .tables import Table, find_tables, is_grid_like

__all__ = ["ingest"]


@dataclass
class _Scan:
    """What pass 1 learned about one page."""

    number: int  # 0-based index into the PDF
    width: float  # unrotated
    height: float
    rotation: int
    display: Rect  # the page as shown (rotation applied)
    reading_rot: int = 0  # rotation that makes the page's text run left to right
    frame: Rect = (0.0, 0.0, 0.0, 0.0)  # the page box in that reading frame
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    cands: list[Candidate] = field(default_factory=list)
    drawings: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)  # embedded images: rect, mask
    hidden: set[tuple[int, int]] = field(default_factory=set)  # (line, span) the page does not show
    failed: bool = False
    too_busy: int = 0  # drawings on the page when over max_drawings_per_page (not searched)

    @property
    def page(self) -> int:
        """The 1-based page number the Document uses (``number`` is PyMuPDF's 0-based index)."""
        return self.number + 1


@dataclass
class _Timer:
    spent: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, since: float) -> float:
        now = time.perf_counter()
        self.spent[key] += now - since
        return now


def ingest(source: str | os.PathLike[str] | bytes, options: IngestOptions | None = None) -> Document:
    """Read a PDF (path or bytes) into a Document: body blocks in reading order, figures found."""
    opts = options if options is not None else IngestOptions()
    timer = _Timer()
    start = time.perf_counter()
    src = read_source(source)
    with typed_errors(src.name):
        pdf, warnings = open_pdf(src, opts.password)
        timer.add("open", start)
        try:
            indices = opts.page_indices(pdf.page_count)
            errors: list[ItemError] = []
            digests: dict[int, str] = {}  # xref -> sha256 of the image stream, shared by all pages
            with bar(len(indices), "pages", "page") as pages:
                scans = []
                for pno in indices:
                    scans.append(_scan_or_record(pdf, pno, opts, errors, timer, digests))
                    pages.update(1)
            doc = _assemble(pdf, src, scans, opts, errors, timer)
        finally:
            pdf.close()
    note = opts.pages_note(doc.metadata.get("page_count", 0))
    doc.metadata["warnings"] = warnings + ([note] if note else [])
    doc.timings = {k: round(v, 4) for k, v in timer.spent.items()}
    doc.timings["total"] = round(time.perf_counter() - start, 4)
    return doc


# ---------------------------------------------------------------- pass 1
def _scan_or_record(pdf: Any, pno: int, opts: IngestOptions, errors: list[ItemError], timer: _Timer,
                    digests: dict[int, str]) -> _Scan:
    t = time.perf_counter()
    try:
        scan = _scan(pdf, pno, opts, timer, digests)
        if scan.too_busy:  # said, not silent: the page's vector art was not looked at
            errors.append(ItemError(
                stage="ingest", page=pno + 1, error_type="TooManyDrawings",
                message=f"page {pno + 1} has {scan.too_busy} drawings, more than "
                        f"max_drawings_per_page={opts.max_drawings_per_page}: its vector figures "
                        "were not searched (embedded pictures were)"))
        return scan
    except Exception as err:  # noqa: BLE001 - one bad page must not sink the document
        if out_of_memory(err):
            raise  # over the memory budget: the document fails (typed_errors names it)
        errors.append(ItemError(stage="ingest", page=pno + 1, message=f"page {pno + 1} could not be read: {err}",
                                error_type=type(err).__name__))
        return _Scan(number=pno, width=612, height=792, rotation=0, display=(0, 0, 612, 792),
                     frame=(0, 0, 612, 792), failed=True)
    finally:
        timer.add("scan", t)


def _scan(pdf: Any, pno: int, opts: IngestOptions, timer: _Timer, digests: dict[int, str]) -> _Scan:
    page = pdf[pno]
    rot = page.rotation
    d = page.rect
    w, h = (d.height, d.width) if rot in (90, 270) else (d.width, d.height)
    scan = _Scan(number=pno, width=w, height=h, rotation=rot, display=(d.x0, d.y0, d.x1, d.y1))
    scan.lines = page_lines(page)
    _to_reading_frame(scan)
    if not (opts.detect_figures or opts.tables):
        return scan
    # extended: with the clips in force, so paths hidden by a clip (an embedded page's
    # lifelines running on below the part shown) are cut where the page cuts them
    drawings = honour_clips(page.get_cdrawings(extended=True))
    if len(drawings) > opts.max_drawings_per_page:
        scan.too_busy = len(drawings)
        drawings = []  # too busy to cluster (maps, dense plots); raster images are still found
    t = time.perf_counter()
    unrot = (0.0, 0.0, scan.width, scan.height)
    inks = inks_of(drawings, unrot, scan.lines, [])
    groups = cluster_inks(inks, opts.cluster_gap)
    if opts.tables:
        scan.tables = _tables(page, drawings, groups, scan.lines)
        t = timer.add("tables", t)
        blocked = [tb.bbox for tb in scan.tables]
        groups = [g for g in groups if not any(_center_in(group_box(g), b) for b in blocked)]
    if opts.detect_figures:
        images = images_of(page, pdf, unrot, digests)
        if groups or images:
            scan.cands = detect_figures(groups, images, scan.lines, _caption_lines(scan.lines), opts, unrot)
        timer.add("figures", t)
        if scan.cands:
            scan.drawings = drawings
            scan.images = [_image_entry(pdf, im, scan.cands) for im in images]
            scan.hidden = _hidden_in_figures(page, drawings, scan)
    return scan


def _hidden_in_figures(page: Any, drawings: list[dict[str, Any]], scan: _Scan) -> set[tuple[int, int]]:
    """(line, span) pairs of the figures' text that the page paints over (see ``hidden``)."""
    keys = sorted({(i, j) for c in scan.cands for i in c.lines for j in range(len(scan.lines[i].spans))})
    if not keys:
        return set()
    gone = hidden_spans(page, drawings, [scan.lines[i].spans[j] for i, j in keys])
    return {keys[k] for k in gone}


def _image_entry(pdf: Any, im: Any, cands: list[Candidate]) -> dict[str, Any]:
    """An image's box and kind; in a drawing, a box painted as a picture with a soft shadow
    carries its outline (``painted.painted_shape``; the crop's resolution ignores it)."""
    entry: dict[str, Any] = {"rect": im.rect, "mask": im.mask}
    if im.smask and im.upright and any(c.kind != "raster" and _contains(c.bbox, im.rect, 2.0)
                                       for c in cands):
        im.shape = painted_shape(pdf, im.xref, im.smask, im.rect)
        if im.shape is not None:
            entry["shape"] = im.shape
        elif painted_shadow(pdf, im.xref, im.smask):
            entry["shadow"] = True
    return entry


def _to_reading_frame(scan: _Scan) -> None:
    """Turn line boxes so that the page's text runs left to right (layout is judged there).

    A /Rotate'd page usually holds sideways text that the rotation makes upright, but a
    landscape figure page can also hold upright text on a rotated page; the text decides.
    """
    weight: Counter[int] = Counter()
    for ln in scan.lines:
        angle = round(math.degrees(math.atan2(ln.dir[1], ln.dir[0])) / 90) % 4 * 90
        weight[angle] += len(ln.text)
    # text running at angle a (y down) reads upright after turning the page by -a
    scan.reading_rot = (360 - weight.most_common(1)[0][0]) % 360 if weight else 0
    if scan.reading_rot:
        m = _rotation_matrix(scan.reading_rot, scan.width, scan.height)
        for ln in scan.lines:
            ln.bbox = _apply(ln.rbox, m)
        x0, y0, x1, y1 = _apply((0, 0, scan.width, scan.height), m)
        scan.frame = (x0, y0, x1, y1)
    else:
        scan.frame = (0.0, 0.0, scan.width, scan.height)


def _apply(r: Rect, m: Any) -> Rect:
    import pymupdf

    t = pymupdf.Rect(r) * m
    return (t.x0, t.y0, t.x1, t.y1)


def _tables(page: Any, drawings: list[dict[str, Any]], groups: list[list[Any]], lines: list[Line]) -> list[Table]:
    """Ruled tables, looked for only where a cluster of drawings is made of rules alone."""
    regions = [group_box(g) for g in groups if is_grid_like(g)]
    if not regions:
        return []
    spans = [(tuple(s["bbox"]), s["text"]) for ln in lines for s in ln.spans]
    return find_tables(page, drawings, regions, spans)


def _caption_lines(lines: list[Line]) -> set[int]:
    """Indices of lines that belong to caption-looking paragraphs (kept out of figures)."""
    out: set[int] = set()
    start = None
    for i, ln in enumerate(lines):
        if i and lines[i - 1].block != ln.block:
            start = None
        if cap.is_caption_start(ln.text):
            start = ln.block
        if start is not None and ln.block == start:
            out.add(i)
    return out


# ---------------------------------------------------------------- pass 2
def _assemble(pdf: Any, src: Any, scans: list[_Scan], opts: IngestOptions, errors: list[ItemError],
              timer: _Timer) -> Document:
    t = time.perf_counter()
    _drop_repeated_art(scans, opts)
    heights = [s.frame[3] - s.frame[1] for s in scans]
    if opts.drop_headers_footers:
        running = layout.running_lines([s.lines for s in scans], heights, opts.repeated_fraction)
    else:
        running = [set() for _ in scans]
    for scan, drop in zip(scans, running):
        drop.update(_owned_lines(scan))
    # body style from body lines only: figure labels and table cells are small and numerous
    body_size, body_mono = layout.body_style([[ln for i, ln in enumerate(s.lines) if i not in drop]
                                              for s, drop in zip(scans, running)])
    doc = Document(source=src.name, sha256=src.sha256,
                   pages=[Page(number=s.page, width=s.width, height=s.height, rotation=s.rotation)
                          for s in scans])
    doc.errors.extend(errors)
    captions: dict[tuple[int, int], tuple[str, str]] = {}
    entries: list[tuple[str, Any, _Scan]] = []
    for scan, drop in zip(scans, running):
        entries += _page_entries(scan, drop, body_size, body_mono, opts, captions)
    t = timer.add("layout", t)
    _emit(doc, pdf, entries, captions, body_size, opts, timer)
    doc.metadata.update(page_count=pdf.page_count, pages_read=len(scans),
                        title=_title(pdf, doc), figures=len(doc.figures),
                        pdf_info=_pdf_info(pdf), page_labels=_page_labels(pdf, scans))
    return doc


def _drop_repeated_art(scans: list[_Scan], opts: IngestOptions) -> None:
    """A candidate repeated at the same place on most pages is a logo or a page decoration."""
    n = len(scans)
    if n < 2:
        return
    need = n if n == 2 else max(3, math.ceil(opts.repeated_fraction * n))
    seen = Counter(sig for s in scans for sig in {c.signature for c in s.cands})
    for s in scans:
        s.cands = [c for c in s.cands if seen[c.signature] < need]


def _page_entries(scan: _Scan, drop: set[int], body_size: float, body_mono: bool, opts: IngestOptions,
                  captions: dict[tuple[int, int], tuple[str, str]]) -> list[tuple[str, Any, _Scan]]:
    """One page's body in reading order: ("para", (kind, Para)), ("table", Table), ("figure", i).

    ``drop``: the lines that are not body (running lines, figure text, table cells)."""
    paras = layout.paragraphs([ln for i, ln in enumerate(scan.lines) if i not in drop])
    paras = _take_captions(scan, paras, opts, captions)
    items: list[tuple[str, Any, Rect]] = [("para", p, p.bbox) for p in paras]
    items += [("table", tb, _to_display(scan, tb.bbox)) for tb in scan.tables]
    items += [("figure", i, _to_display(scan, c.bbox)) for i, c in enumerate(scan.cands)]
    ordered = layout.reading_order(items, lambda it: it[2])
    out: list[tuple[str, Any, _Scan]] = []
    for kind, obj, _ in ordered:
        if kind == "para":
            obj = (layout.classify(obj, body_size, body_mono), obj)
        out.append((kind, obj, scan))
    return out


def _owned_lines(scan: _Scan) -> set[int]:
    """Lines that belong to a figure or a table rather than to the body."""
    used: set[int] = set()
    for c in scan.cands:
        used.update(c.lines)
    for tb in scan.tables:
        used.update(i for i, ln in enumerate(scan.lines) if _center_in(ln.rbox, tb.bbox))
    return used


def _take_captions(scan: _Scan, paras: list[layout.Para], opts: IngestOptions,
                   captions: dict[tuple[int, int], tuple[str, str]]) -> list[layout.Para]:
    """Caption paragraphs leave the body; their text goes to the figure (keyed by page, figure)."""
    if not scan.cands:
        return paras
    figs = [_to_display(scan, c.bbox) for c in scan.cands]
    info = [(p.bbox, p.text, [ln.text for ln in p.lines]) for p in paras]
    rest: dict[int, layout.Para | None] = {}
    for m in cap.match_captions(figs, info, opts.caption_distance):
        para = paras[m.para]
        captions[(scan.number, m.figure)] = (layout.join_lines(ln.text for ln in para.lines[:m.lines]), m.label)
        rest[m.para] = layout.Para(para.lines[m.lines:]) if m.lines < len(para.lines) else None
    out = []
    for i, p in enumerate(paras):
        if i not in rest:
            out.append(p)
        elif rest[i] is not None:
            out.append(rest[i])  # type: ignore[arg-type]
    return out


def _center_in(r: Rect, box: Rect) -> bool:
    cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _to_display(scan: _Scan, r: Rect) -> Rect:
    """Unrotated box -> the page's reading frame (where layout and captions are judged)."""
    if not scan.reading_rot:
        return r
    return _apply(r, _rotation_matrix(scan.reading_rot, scan.width, scan.height))


def _to_shown(scan: _Scan, r: Rect) -> Rect:
    """Unrotated box -> the page as displayed (/Rotate applied): the frame of get_pixmap's clip."""
    if not scan.rotation:
        return r
    return _apply(r, _rotation_matrix(scan.rotation, scan.width, scan.height))


def _rotation_matrix(rot: int, w: float, h: float) -> Any:
    # the same matrix as pymupdf.Page.rotation_matrix, for a page we no longer hold
    import pymupdf

    if rot == 90:
        return pymupdf.Matrix(0, 1, -1, 0, h, 0)
    if rot == 180:
        return pymupdf.Matrix(-1, 0, 0, -1, w, h)
    if rot == 270:
        return pymupdf.Matrix(0, -1, 1, 0, 0, w)
    return pymupdf.Matrix(1, 0, 0, 1, 0, 0)


# ---------------------------------------------------------------- blocks and figures
def _emit(doc: Document, pdf: Any, entries: list[tuple[str, Any, _Scan]],
          captions: dict[tuple[int, int], tuple[str, str]], body_size: float, opts: IngestOptions,
          timer: _Timer) -> None:
    levels = iter(layout.heading_levels(
        [(p.text, max(ln.size for ln in p.lines)) for kind, obj, _ in entries if kind == "para"
         for k, p in [obj] if k == "heading"], body_size))
    section: str | None = None
    pending: list[tuple[Figure, _Scan, Candidate]] = []
    for kind, obj, scan in entries:
        order = len(doc.blocks)
        if kind == "para":
            ptype, para = obj
            block = _para_block(ptype, para, scan, order, section, levels)
            if ptype == "heading":
                section = block.text
            doc.blocks.append(block)
        elif kind == "table":
            doc.blocks.append(Block(type=BlockType.table, page=scan.page, bbox=BBox.of(obj.bbox),
                                    order=order, text=obj.markdown, markdown=obj.markdown, section=section))
        else:
            cand = scan.cands[obj]
            fig = _figure(doc.sha256, scan, obj, cand, captions.get((scan.number, obj)), section)
            doc.figures.append(fig)
            doc.blocks.append(Block(type=BlockType.figure, page=scan.page, bbox=fig.bbox, order=order,
                                    figure_id=fig.id, section=section))
            pending.append((fig, scan, cand))
    body = [b.text for b in doc.blocks if b.type in (BlockType.text, BlockType.list_item)]
    for fig, _, _ in pending:
        if fig.label:
            fig.context = cap.citing_sentences(fig.label, body, opts.context_sentences)
    t = time.perf_counter()
    _render(doc, pdf, pending, opts)
    timer.add("crops", t)


def _para_block(ptype: str, para: layout.Para, scan: _Scan, order: int, section: str | None,
                levels: Any) -> Block:
    rbox = layout.union_rect(ln.rbox for ln in para.lines)
    text = para.text if ptype != "code" else "\n".join(ln.text for ln in para.lines)
    level = next(levels) if ptype == "heading" else 0
    return Block(type=BlockType(ptype), page=scan.page, bbox=BBox.of(rbox), order=order, text=text,
                 level=level, section=section)


def _figure(sha: str, scan: _Scan, index: int, cand: Candidate, caption: tuple[str, str] | None,
            section: str | None) -> Figure:
    bbox = BBox.of(cand.bbox)
    spans = [TextSpan.of_span(s, tuple(scan.lines[i].dir))
             for i in cand.lines for j, s in enumerate(scan.lines[i].spans) if (i, j) not in scan.hidden]
    inside = plain_drawings([d for d in scan.drawings if _contains(cand.bbox, d["rect"], 2.0)])
    if inside:  # a drawing's embedded pictures (device icons) are nodes of its diagram
        inside += image_drawings([im for im in scan.images if _contains(cand.bbox, im["rect"], 2.0)],
                                 cand.bbox)
    # the id still hashes the 0-based index, so ids stay those of schema 1.x
    return Figure(id=figure_id(sha, scan.number, bbox), page=scan.page, bbox=bbox, kind=FigureKind(cand.kind),
                  caption=caption[0] if caption else None, label=caption[1] if caption else None,
                  section=section, spans=spans, drawings=inside,
                  image_hash=content_hash(cand, scan.lines))


def _contains(outer: Rect, r: Any, tol: float) -> bool:
    x0, y0, x1, y1 = min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])
    return x0 >= outer[0] - tol and y0 >= outer[1] - tol and x1 <= outer[2] + tol and y1 <= outer[3] + tol


def _render(doc: Document, pdf: Any, pending: list[tuple[Figure, _Scan, Candidate]], opts: IngestOptions) -> None:
    """Crops (PNG at opts.dpi) and duplicate links; a figure that fails to render keeps no image."""
    link_duplicates(fig for fig, _, _ in pending)
    if not opts.render_crops:
        return
    for fig, scan, cand in pending:
        try:
            clip = _to_shown(scan, fig.bbox.as_tuple())
            fig.image = figure_png(pdf[scan.number], pdf, clip, fig, cand, opts,
                                   turned=bool(scan.rotation))
        except Exception as err:  # noqa: BLE001 - a broken image stream must not cost the other figures
            if out_of_memory(err):
                raise
            doc.errors.append(ItemError(stage="ingest", page=scan.page, figure_id=fig.id,
                                        message=f"crop could not be rendered: {err}",
                                        error_type=type(err).__name__))




# the PDF's info dictionary under the lowercase keys LangChain's PDF loaders use
_INFO_KEYS = {"producer": "producer", "creator": "creator", "creationDate": "creationdate",
              "modDate": "moddate", "author": "author", "subject": "subject", "keywords": "keywords"}


def _pdf_info(pdf: Any) -> dict[str, str]:
    info = pdf.metadata or {}
    return {key: _pdf_date(str(info[k])) if key.endswith("date") else str(info[k])
            for k, key in _INFO_KEYS.items() if info.get(k)}


def _pdf_date(text: str) -> str:
    """'D:20240102030405+01'00'' -> ISO 8601, as LangChain's loaders give it; else unchanged."""
    from datetime import datetime

    for fmt in ("D:%Y%m%d%H%M%S%z", "D:%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(text.replace("'", ""), fmt).isoformat("T")
        except ValueError:
            continue
    return text


def _page_labels(pdf: Any, scans: list[_Scan]) -> dict[str, str]:
    """{1-based page number: label} for the pages read, only when the PDF defines page labels."""
    if not pdf.get_page_labels():
        return {}
    return {str(s.page): pdf[s.number].get_label() for s in scans}


def _title(pdf: Any, doc: Document) -> str | None:
    title = (pdf.metadata or {}).get("title") or ""
    if title.strip():
        return title.strip()
    for b in doc.blocks:
        if b.type == BlockType.heading:
            return b.text
    return None
