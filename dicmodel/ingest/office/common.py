"""What the DOCX and PPTX readers share: the Document builder, pictures, captions, tables.

:class:`Builder` collects blocks and figures in reading order and then, in :meth:`Builder.finish`,
converts every metafile of the document with one LibreOffice call, attaches citing sentences
as context and records every figure caption that found no figure as an ItemError (a figure is
never dropped in silence).

Office files have no page layout to read (a DOCX is reflowed by whoever opens it): text blocks
of a DOCX carry an empty box, and a figure's box is the figure's own size in points (for a
metafile, the box of its converted page). PPTX shapes have real positions on their slide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..._extras import require
from ...document import (
    BBox,
    Block,
    BlockType,
    Description,
    Document,
    Figure,
    FigureKind,
    ItemError,
    Page,
    TextSpan,
    figure_id,
)
from ..captions import caption_label, citing_sentences
from ..figures import link_duplicates
from ..options import IngestOptions
from ..tables import markdown_table
from . import metafile

__all__ = ["INGEST_DESCRIBER", "Builder", "markdown_table", "office_module"]

# describer name of descriptions read from the file itself (chart data, SmartArt): the describe
# stage keeps them, since no describer reading pixels can do better than the file's own data
INGEST_DESCRIBER = "ingest:office"
_EMPTY = BBox(x0=0, y0=0, x1=0, y1=0)
_NEAR = 3  # paragraphs between a figure and its caption (3GPP: figure, then the TF paragraph)


def office_module(name: str) -> Any:
    """python-docx / python-pptx / lxml, or MissingExtraError naming ``dicmodel[office]``."""
    return require(name, "DOCX/PPTX ingest", extra="office")


@dataclass
class _Pending:
    """A metafile figure waiting for the document's one LibreOffice batch."""

    fig: Figure
    key: str
    data: bytes
    ext: str


@dataclass
class _Caption:
    block: Block
    para: int
    tf: bool


@dataclass
class Builder:
    """Blocks and figures of one Office document, in reading order."""

    source: str
    sha: str
    opts: IngestOptions
    fmt: str
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    section: str | None = None
    para: int = 0  # paragraphs seen (captions pair with figures within _NEAR of them)
    _recent: list[tuple[Figure, int]] = field(default_factory=list)
    _waiting: _Caption | None = None  # a caption written before its figure
    _captioned: tuple[list[Figure], int] = ([], -10)  # the figures that took the last numbered caption
    _orphans: list[_Caption] = field(default_factory=list)
    _dropped: set[int] = field(default_factory=set)  # ids of caption blocks moved onto figures
    _pending: list[_Pending] = field(default_factory=list)
    _last_kinds: list[tuple[BlockType, int]] = field(default_factory=list)
    routes: dict[str, int] = field(default_factory=dict)
    # a deck rendered in the same LibreOffice call as its metafiles: (bytes, ext, [(figure,
    # slide number, shapes)]); each slide-diagram figure gets its slide's rendering as crop
    deck: tuple[bytes, str, list[tuple[Figure, int, Any]]] | None = None
    _pages_hint: list[Page] = field(default_factory=list)
    lo_seconds: float = 0.0  # LibreOffice's share of the ingest time (0 when it was not needed)

    # ---------------------------------------------------------------- text
    def text(self, btype: BlockType, text: str, page: int, *, level: int = 0, markdown: str | None = None,
             bbox: BBox = _EMPTY) -> Block | None:
        text = text.strip()
        if not text and btype != BlockType.table:
            return None
        if btype == BlockType.heading:
            self.section = text
        block = Block(type=btype, page=page, bbox=bbox, order=len(self.blocks), text=text,
                      level=min(6, max(level, 1)) if btype == BlockType.heading else 0, markdown=markdown,
                      section=None if btype == BlockType.heading else self.section)
        self.blocks.append(block)
        self._last_kinds.append((btype, self.para))
        return block

    def new_page(self) -> None:
        """Captions do not reach across slides."""
        self._recent.clear()
        self._waiting = None

    def touch(self, btype: BlockType) -> None:
        """Say that a block of this type ends here (a table ends after its cells were read)."""
        self._last_kinds.append((btype, self.para))

    def caption(self, text: str, page: int, *, tf: bool = False, bbox: BBox = _EMPTY) -> None:
        """A figure title: onto the figure just before it, or (not 3GPP) the next one."""
        text = " ".join(text.split())
        label = caption_label(text)
        # a figure takes the caption next to it; a numbered title also replaces an unnumbered
        # sub-title taken just before ("a) ... b) ..." then "Figure 9.2.6-1: ...")
        last, at = self._captioned
        if label is None and tf and last and self.para - at <= 1:
            for fig in last:  # a sub-title line under a numbered title ("a) ..., b) ...")
                fig.caption = f"{fig.caption} {text}"
            self._captioned = (last, self.para)
            return
        near = [f for f, p in self._recent if self.para - p <= _NEAR
                and (not f.caption or (label is not None and f.label is None))]
        if near:
            for fig in near:  # a figure drawn as several pictures: every piece is that figure
                fig.caption = f"{text} {fig.caption}" if fig.caption else text
                fig.label = label
            if label is not None:
                self._recent.clear()
                self._captioned = (near, self.para)
            return
        block = self.text(BlockType.caption, text, page, bbox=bbox)
        if block is None:
            return
        cap = _Caption(block, self.para, tf)
        if not tf:  # 3GPP (TF) captions always follow their figure; others may precede it
            self._waiting = cap
        if label is not None or tf:
            self._orphans.append(cap)

    # ---------------------------------------------------------------- figures
    def figure(self, page: int, kind: FigureKind, size: tuple[float, float], *,
               bbox: BBox | None = None, image: bytes | None = None, image_hash: str | None = None,
               spans: list[TextSpan] | None = None, drawings: list[dict[str, Any]] | None = None,
               route: str = "raster") -> Figure:
        box = bbox or BBox(x0=0, y0=0, x1=max(1.0, size[0]), y1=max(1.0, size[1]))
        fid = figure_id(f"{self.sha}:{len(self.figures)}", page, box)
        fig = Figure(id=fid, page=page, bbox=box, kind=kind, section=self.section, image=image,
                     image_hash=image_hash, spans=spans or [], drawings=drawings or [])
        self.figures.append(fig)
        self.blocks.append(Block(type=BlockType.figure, page=page, bbox=box, order=len(self.blocks),
                                 figure_id=fid, section=self.section))
        self._last_kinds.append((BlockType.figure, self.para))
        self._recent = [(f, p) for f, p in self._recent if self.para - p <= _NEAR] + [(fig, self.para)]
        w = self._waiting
        if w is not None and self.para - w.para <= _NEAR and w.block.order not in self._dropped:
            fig.caption, fig.label = w.block.text, caption_label(w.block.text)
            self._dropped.add(w.block.order)
            self._recent = [(f, p) for f, p in self._recent if f is not fig]
            self._waiting = None
        self.routes[route] = self.routes.get(route, 0) + 1
        return fig

    def picture(self, page: int, data: bytes | None, size: tuple[float, float], *, name: str = "",
                bbox: BBox | None = None) -> Figure | None:
        """An embedded picture: a metafile (vector, through LibreOffice at the end) or a raster."""
        if data is None:
            fig = self.figure(page, FigureKind.raster, size, bbox=bbox)
            self.error(fig, "ImageError", f"picture {name or '?'} is linked, not embedded: no pixels to read")
            return fig
        ext = metafile.metafile_ext(data)
        digest = hashlib.sha256(data).hexdigest()
        if ext is not None:
            fig = self.figure(page, FigureKind.vector, size, bbox=bbox, image_hash=digest, route="metafile")
            self._pending.append(_Pending(fig, digest, data, ext))
            return fig
        png, px, problem = _raster(data, name)
        if px is not None and min(px) < 16 and min(size) < 12:
            return None  # a bullet, spacer or inline icon, not a figure
        fig = self.figure(page, FigureKind.raster, size, bbox=bbox, image=png, image_hash=digest)
        if problem:
            self.error(fig, "ImageError", problem)
        return fig

    def shapes_figure(self, page: int, tree: Any, size: tuple[float, float] | None, pictures: dict[str, bytes],
                      route: str) -> Figure | None:
        """A drawing made of shapes (Word group/canvas, slide shapes): one vector figure."""
        from .shapes import render_png

        box = tree.bbox()
        if box is None:
            return None
        png = render_png(tree, box, self.opts.dpi, pictures) if self.opts.render_crops else None
        own = size or (box[2] - box[0], box[3] - box[1])
        fig = self.figure(page, FigureKind.vector, own, bbox=BBox.of(box), image=png, spans=tree.spans,
                          drawings=tree.drawings, route=route)
        # what it shows, not where: the same drawing pasted twice is described once
        fig.image_hash = hashlib.sha256(repr((tree.drawings, [s.text for s in tree.spans])).encode()).hexdigest()
        return fig

    def described(self, page: int, size: tuple[float, float], desc: Description, *, route: str,
                  spans: list[TextSpan] | None = None, bbox: BBox | None = None) -> Figure:
        """A figure whose content the file states itself (chart data, SmartArt tree)."""
        fig = self.figure(page, FigureKind.vector, size, bbox=bbox, spans=spans, route=route)
        fig.description = desc
        fig.image_hash = hashlib.sha256(desc.text.encode()).hexdigest()
        return fig

    def error(self, fig: Figure | None, error_type: str, message: str, page: int | None = None) -> None:
        self.errors.append(ItemError(stage="ingest", page=fig.page if fig else page,
                                     figure_id=fig.id if fig else None, error_type=error_type,
                                     message=message))

    # ---------------------------------------------------------------- the end
    def finish(self, pages: list[Page], metadata: dict[str, Any]) -> Document:
        self._pages_hint = pages
        self._convert_metafiles()
        self._report_orphans()
        kept = [b for b in self.blocks if b.order not in self._dropped]
        blocks = [b.model_copy(update={"order": i}) for i, b in enumerate(kept)]
        body = [b.text for b in blocks if b.type in (BlockType.text, BlockType.list_item)]
        for fig in self.figures:
            if fig.label:
                fig.context = citing_sentences(fig.label, body, self.opts.context_sentences)
        link_duplicates(self.figures)
        meta = {"format": self.fmt, "ingest": "dicmodel.office", "figures": len(self.figures),
                "figure_routes": dict(self.routes), "libreoffice_seconds": self.lo_seconds, **metadata}
        return Document(source=self.source, sha256=self.sha, pages=pages, blocks=blocks,
                        figures=self.figures, errors=self.errors, metadata=meta)

    def _convert_metafiles(self) -> None:
        if not self._pending and self.deck is None:
            return
        items = [(p.data, p.ext) for p in self._pending] + ([self.deck[:2]] if self.deck else [])
        try:
            conv = metafile.convert_batch(items)
        except metafile.LibreOfficeError as err:
            for p in self._pending:
                self.error(p.fig, "MissingToolError",
                           f"{p.ext.upper()} figure kept without crop or drawings: {err}")
            return  # slide diagrams keep the crop drawn from their shapes
        self.lo_seconds = round(conv.seconds, 2)
        for p in self._pending:
            if p.key in conv.failed:
                self.error(p.fig, "MetafileError", f"{p.ext.upper()} could not be converted: {conv.failed[p.key]}")
                continue
            try:
                vp = metafile.vector_page(conv.pdfs[p.key], dpi=self.opts.dpi, render=self.opts.render_crops)
            except Exception as err:  # noqa: BLE001 - one unreadable metafile costs only its figure
                self.error(p.fig, type(err).__name__, f"{p.ext.upper()} could not be read: {err}")
                continue
            _fill_vector(p.fig, vp)
        if self.deck is not None:
            self._slide_crops(conv)

    def _slide_crops(self, conv: metafile.Conversion) -> None:
        assert self.deck is not None
        key = hashlib.sha256(self.deck[0]).hexdigest()
        pdf = conv.pdfs.get(key)
        if pdf is None:
            why = conv.failed.get(key, "no PDF")
            self.error(None, "MetafileError", f"the slides could not be rendered by LibreOffice ({why}); "
                       "slide diagrams keep a crop drawn from their shapes", page=1)
            return
        import pymupdf

        with pymupdf.open(stream=pdf, filetype="pdf") as rendered:
            for fig, n, _ in self.deck[2]:
                if n > rendered.page_count:
                    continue
                page = rendered[n - 1]
                pages = {p.number: p for p in self._pages_hint}
                scale = page.rect.width / pages[n].width if n in pages and pages[n].width else 1.0
                clip = pymupdf.Rect(fig.bbox.as_tuple()) * scale
                fig.image = page.get_pixmap(dpi=self.opts.dpi, clip=clip & page.rect).tobytes("png")

    def _report_orphans(self) -> None:
        for cap in self._orphans:
            if cap.block.order in self._dropped:
                continue
            before = [k for k, p in self._last_kinds if cap.para - _NEAR <= p < cap.para]
            if BlockType.table in before:
                why = "the figure is drawn as a Word table (kept as a table block)"
            elif BlockType.code in before:
                why = "the figure is ASCII art (kept as a code block)"
            else:
                why = "no picture, drawing or embedded object was found next to it"
            self.errors.append(ItemError(stage="ingest", page=cap.block.page, error_type="FigureNotFound",
                                         message=f"caption {cap.block.text[:80]!r}: {why}"))


def _fill_vector(fig: Figure, vp: metafile.VectorPage) -> None:
    """A converted metafile page becomes the figure's geometry, text and crop (its own frame)."""
    fig.bbox = BBox.of(vp.bbox)
    fig.kind = FigureKind(vp.kind)
    fig.drawings = vp.drawings
    fig.spans = [TextSpan.of_span(s, tuple(s["dir"])) for s in vp.spans if s["text"].strip()]
    fig.image = vp.png


def _raster(data: bytes, name: str) -> tuple[bytes | None, tuple[int, int] | None, str | None]:
    from ..._images import to_png
    from ...errors import ImageError

    try:
        png, size = to_png(data, name or "<picture>")
    except ImageError as err:
        return None, None, f"picture {name or '?'} cannot be decoded ({err.__cause__ or err}); kept without pixels"
    return png, size, None

