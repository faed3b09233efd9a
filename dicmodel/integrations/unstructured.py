"""DOCX, PPTX and HTML through unstructured's partitioners, and Documents out as unstructured Elements.

Ingest (``dicmodel.convert`` routes ``.docx``, ``.pptx``, ``.html`` here)::

    from dicmodel.integrations.unstructured import ingest_office
    doc = ingest_office("slides.pptx")              # blocks in order, figures with PNG bytes
    doc = dicmodel.convert("slides.pptx")            # the same, then figures described

Export::

    elements = to_elements(doc)    # Title / NarrativeText / ListItem / Table / FigureCaption /
                                   # Image (text = the figure's logical text)

Offline. unstructured classifies text with spaCy's ``en_core_web_sm`` and, when that model is not
installed, downloads it from GitHub on first use (and fails without a network); it also sends a
usage ping on import unless ``DO_NOT_TRACK`` is set. This module:

1. sets ``DO_NOT_TRACK=1``, ``SCARF_NO_ANALYTICS=1`` and ``UNSTRUCTURED_DISABLE_NOTICE=1`` (only
   where the user has not set them) before unstructured is imported;
2. when ``en_core_web_sm`` is installed, lets unstructured use it unchanged;
3. otherwise gives unstructured, for the duration of the partition call only, a local spaCy
   pipeline: the one at ``spacy_model`` (a path, e.g. an unpacked ``en_core_web_sm`` wheel you
   carried into the air gap), or a small rule-based English pipeline built here (sentencizer +
   a verb lexicon for the part-of-speech check). The rule-based pipeline only feeds
   unstructured's narrative-vs-title heuristic; dicmodel's own block types come from document
   structure (Word heading styles, slide title placeholders, HTML tags), so the loss is small.
   It is reported in ``Document.metadata["unstructured_nlp"]``.

Embedded images are taken from the files themselves (python-docx / python-pptx parts, HTML
``data:`` URLs and local ``src`` files) through unstructured's picture-partitioner hooks, so
they stay in reading order. Remote image URLs are never fetched: those figures are kept
without pixels and an item error says why.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._extras import require
from ..document import BBox, Block, BlockType, Document, Figure, FigureKind, ItemError, Page, figure_id
from ..errors import ConfigError, CorruptDocumentError, MissingExtraError, UnsupportedFormatError
from ..ingest.captions import caption_label, is_caption_start
from ..ingest.figures import link_duplicates
from ._common import figure_text

__all__ = [
    "OFFICE_SUFFIXES",
    "OfficeOptions",
    "ingest_office",
    "offline_nlp",
    "partition_office",
    "to_elements",
]

OFFICE_SUFFIXES = (".docx", ".pptx", ".html", ".htm")
_EMU_PER_PT = 12700
_LETTER = (612.0, 792.0)
_LOCK = threading.RLock()


class OfficeOptions(BaseModel):
    """Options of the Office/HTML ingest."""

    model_config = ConfigDict(extra="ignore")

    spacy_model: str | None = Field(
        None, description="path (or installed name) of a spaCy pipeline for unstructured's text "
                          "heuristics; None: en_core_web_sm when installed, else a local rule-based one")
    include_slide_notes: bool = Field(False, description="PPTX: also read speaker notes")
    min_image_px: int = Field(16, ge=1, description="images smaller than this (either side) are "
                                                   "decorations, not figures")


# --------------------------------------------------------------------------------------------
# offline setup
# --------------------------------------------------------------------------------------------

def _quiet_env() -> None:
    """No usage ping, no banner: must run before the first `import unstructured`."""
    for key in ("DO_NOT_TRACK", "SCARF_NO_ANALYTICS", "UNSTRUCTURED_DISABLE_NOTICE"):
        os.environ.setdefault(key, "1")


def _import(module: str) -> Any:
    _quiet_env()
    return require(module, "Office/HTML ingest (unstructured)")


_VERB_STEMS = """
accept access acknowledge activate add allocate allow apply assign attach authenticate authorize
become begin bind block broadcast build buffer call carry change check choose close compute
configure confirm connect contain continue control convert create decode define delete deliver
deploy derive describe detect determine drop enable encode encrypt end establish exchange
execute expire fail fetch find follow forward generate get give go handle hold identify include
indicate initiate inspect install keep know learn leave let limit listen load look maintain make
manage map match measure migrate modify monitor move need notify obtain open operate perform
place process protect provide publish query read receive record redirect reject release reload
remain remove reply report request require reset resolve respond restart restore retransmit
retry return route run schedule see select send serve set share show start stop store subscribe
support switch synchronize take terminate transfer transmit trigger try update upgrade use
validate verify wait want write
""".split()  # noqa: SIM905 - a word list reads better as text
_VERB_FORMS_IRREGULAR = """
is are was were be been being am has have had do does did done can could may might must shall
should will would sent sends made built began begun chose chosen found gave given got gotten
went gone held kept knew known led left ran seen saw took taken wrote written sets puts put read
run
""".split()  # noqa: SIM905 - a word list reads better as text


def _verb_forms() -> list[str]:
    forms = set(_VERB_FORMS_IRREGULAR)
    for v in _VERB_STEMS:
        forms.add(v)
        forms.add(v + "es" if v.endswith(("s", "sh", "ch", "x")) else
                  v[:-1] + "ies" if v.endswith("y") and v[-2] not in "aeiou" else v + "s")
        stem = v.removesuffix("e")
        forms.add(stem + "ed" if not (v.endswith("y") and v[-2] not in "aeiou") else v[:-1] + "ied")
        forms.add(stem + "ing")
    return sorted(forms)


def rule_based_nlp() -> Any:
    """A spaCy English pipeline built offline: sentence boundaries and a verb lexicon (TAG=VB).

    It is what unstructured's heuristics need (sentence count, 'contains a verb'); no weights.
    """
    spacy = require("spacy", "Office/HTML ingest (unstructured)", extra="unstructured")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add(patterns=[[{"LOWER": {"IN": _verb_forms()}}]], attrs={"TAG": "VB", "POS": "VERB"})
    return nlp


_NLP_CACHE: dict[str, Any] = {}


def _resolve_nlp(spacy_model: str | None) -> tuple[Any | None, str]:
    """(pipeline to inject or None to leave unstructured alone, a label for the metadata)."""
    spacy = require("spacy", "Office/HTML ingest (unstructured)", extra="unstructured")
    if spacy_model is None and spacy.util.is_package("en_core_web_sm"):
        return None, "en_core_web_sm"
    key = spacy_model or "<rule-based>"
    if key not in _NLP_CACHE:
        if spacy_model is None:
            _NLP_CACHE[key] = rule_based_nlp()
        else:
            try:
                _NLP_CACHE[key] = spacy.load(spacy_model, exclude=["ner", "lemmatizer"])
            except OSError as err:
                raise ConfigError(f"spacy_model must be an installed spaCy package or a pipeline "
                                  f"folder, got {spacy_model!r}: {err}") from err
    return _NLP_CACHE[key], ("rule-based" if spacy_model is None else str(spacy_model))


@contextlib.contextmanager
def offline_nlp(spacy_model: str | None = None) -> Iterator[str]:
    """While active, unstructured's text heuristics use a local spaCy pipeline, never a download.

    Yields the name of the pipeline in use. unstructured's tokenizer caches are cleared on the
    way in and out, so results computed with one pipeline never leak into calls with another.
    """
    nlp, label = _resolve_nlp(spacy_model)
    tok = _import("unstructured.nlp.tokenize")
    if nlp is None:
        yield label
        return
    if not hasattr(tok, "_get_nlp"):
        raise ConfigError(f"this unstructured version ({_version()}) has no spaCy loader hook; "
                          "install en_core_web_sm offline (pip install <wheel>) to use it offline")
    with _LOCK:
        original = tok._get_nlp
        tok._get_nlp = lambda: nlp
        _clear_caches(tok)
        try:
            yield label
        finally:
            tok._get_nlp = original
            _clear_caches(tok)


def _clear_caches(tok: Any) -> None:
    for name in ("_process_cached", "word_tokenize", "pos_tag", "_tokenize_for_cache"):
        fn = getattr(tok, name, None)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


def _version() -> str:
    try:
        return importlib.import_module("unstructured.__version__").__version__
    except Exception:  # noqa: BLE001 - only for a message
        return "unknown"


# --------------------------------------------------------------------------------------------
# pictures: taken from the file through unstructured's picture-partitioner hooks
# --------------------------------------------------------------------------------------------

@dataclass
class _Picture:
    """One embedded image as found in the file."""

    data: bytes | None
    mime: str | None = None
    alt: str = ""
    size_pt: tuple[float, float] | None = None  # width, height
    pos_pt: tuple[float, float] | None = None  # left, top (PPTX only)
    problem: str | None = None


_FILENAME_ALT = re.compile(r"^[\w\-. ]+\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp)$", re.IGNORECASE)


def _image_element(pic: _Picture, opts: Any) -> Any:
    elements = _import("unstructured.documents.elements")
    meta = elements.ElementMetadata(
        image_base64=base64.b64encode(pic.data).decode() if pic.data else None,
        image_mime_type=pic.mime, page_number=getattr(opts, "page_number", None))
    meta.dicmodel_picture = pic  # ad-hoc field: carried to our converter, never serialised by us
    return elements.Image(text=pic.alt, metadata=meta)


class _DocxPictures:
    """unstructured DOCX picture partitioner: one Image element per picture in a paragraph."""

    _BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
    _EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
    _WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"

    @classmethod
    def iter_elements(cls, paragraph: Any, opts: Any) -> Iterator[Any]:
        for drawing in paragraph._p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}drawing"):
            for blip in drawing.iter(cls._BLIP):
                yield _image_element(cls._picture(paragraph, drawing, blip.get(cls._EMBED)), opts)

    @classmethod
    def _picture(cls, paragraph: Any, drawing: Any, rid: str | None) -> _Picture:
        extent = next(drawing.iter(cls._WP + "extent"), None)
        doc_pr = next(drawing.iter(cls._WP + "docPr"), None)
        alt = (doc_pr.get("descr") or doc_pr.get("title") or "") if doc_pr is not None else ""
        size = ((int(extent.get("cx", 0)) / _EMU_PER_PT, int(extent.get("cy", 0)) / _EMU_PER_PT)
                if extent is not None else None)
        part = paragraph.part.related_parts.get(rid) if rid else None
        if part is None:  # a linked (external) picture: nothing embedded to read
            return _Picture(None, alt=alt, size_pt=size, problem=f"picture {rid!r} is not embedded")
        return _Picture(part.blob, getattr(part, "content_type", None), alt, size)


class _PptxPictures:
    """unstructured PPTX picture partitioner: one Image element per Picture shape."""

    @classmethod
    def iter_elements(cls, picture: Any, opts: Any) -> Iterator[Any]:
        yield _image_element(cls._picture(picture), opts)

    @staticmethod
    def _picture(shape: Any) -> _Picture:
        alt = ""
        with contextlib.suppress(Exception):
            alt = shape._element.nvPicPr.cNvPr.get("descr") or ""
        size = (shape.width / _EMU_PER_PT, shape.height / _EMU_PER_PT) if shape.width else None
        pos = ((shape.left or 0) / _EMU_PER_PT, (shape.top or 0) / _EMU_PER_PT)
        try:
            image = shape.image
        except Exception as err:  # noqa: BLE001 - linked or missing media
            return _Picture(None, alt=alt, size_pt=size, pos_pt=pos, problem=f"no image data: {err}")
        return _Picture(image.blob, image.content_type, alt, size, pos)


_PICTURE_HOOKS = {".docx": ("unstructured.partition.docx", "DocxPartitionerOptions", _DocxPictures),
                  ".pptx": ("unstructured.partition.pptx", "PptxPartitionerOptions", _PptxPictures)}


@contextlib.contextmanager
def _picture_hooks(suffix: str) -> Iterator[None]:
    """Register our picture partitioner for this format for one call, then restore.

    Only the format being read: an HTML file must not import (or need) python-docx/python-pptx.
    """
    if suffix not in _PICTURE_HOOKS:  # HTML images come from unstructured's own <img> handling
        yield
        return
    module_name, options_cls, hook = _PICTURE_HOOKS[suffix]
    module = _import(module_name)
    options = getattr(module, options_cls)
    with _LOCK:
        saved = options._PicturePartitionerCls
        module.register_picture_partitioner(hook)
        try:
            yield
        finally:
            options._PicturePartitionerCls = saved


# --------------------------------------------------------------------------------------------
# HTML: unstructured drops <figure> (and with it the <img> and <figcaption>); unwrap it first
# --------------------------------------------------------------------------------------------

def _prepare_html(html: str) -> tuple[str, list[str | None]]:
    """HTML with <figure> unwrapped, and the figcaption of each <img> in document order."""
    lxml_html = _import("lxml.html")
    root = lxml_html.fromstring(html) if html.strip() else lxml_html.fromstring("<html></html>")
    captions: list[str | None] = []
    for img in root.iter("img"):
        fig = next((a for a in img.iterancestors() if a.tag == "figure"), None)
        cap = fig.find(".//figcaption") if fig is not None else None
        captions.append(" ".join(cap.text_content().split()) if cap is not None else None)
    for fig in list(root.iter("figure")):
        fig.tag = "div"
    for cap in list(root.iter("figcaption")):
        cap.tag = "p"
    return lxml_html.tostring(root, encoding="unicode"), captions


def _html_picture(element: Any, base_dir: Path | None) -> _Picture:
    meta = element.metadata
    if meta.image_base64:
        return _Picture(base64.b64decode(meta.image_base64), meta.image_mime_type, element.text or "")
    url = meta.image_url or ""
    if re.match(r"^[a-z][a-z0-9+.\-]*://", url, re.IGNORECASE) and not url.lower().startswith("file://"):
        return _Picture(None, alt=element.text or "", problem=f"remote image not fetched (offline): {url}")
    local = Path(url[7:] if url.lower().startswith("file://") else url)
    if not local.is_absolute() and base_dir is not None:
        local = base_dir / local
    if not local.is_file():
        return _Picture(None, alt=element.text or "", problem=f"image file not found: {url}")
    return _Picture(local.read_bytes(), None, element.text or "")


# --------------------------------------------------------------------------------------------
# partition and convert
# --------------------------------------------------------------------------------------------

def partition_office(path: str | os.PathLike[str], options: OfficeOptions | None = None) -> tuple[list[Any], dict[str, Any]]:
    """unstructured Elements of a DOCX/PPTX/HTML file, offline, with pictures as Image elements.

    Returns (elements, info); info says which NLP pipeline was used and, for HTML, the captions.
    """
    opts = options or OfficeOptions()
    src = Path(path)
    suffix = src.suffix.lower()
    if suffix not in OFFICE_SUFFIXES:
        raise UnsupportedFormatError(f"{src}: ingest_office reads {', '.join(OFFICE_SUFFIXES)}, "
                                     f"got {suffix!r}")
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such file")
    info: dict[str, Any] = {}
    with offline_nlp(opts.spacy_model) as nlp_name, _picture_hooks(suffix):
        info["unstructured_nlp"] = nlp_name
        try:
            elements = _partition(src, suffix, opts, info)
        except (MissingExtraError, ConfigError):
            raise
        except Exception as err:  # zip, XML, HTML errors of many kinds: one clear type
            raise CorruptDocumentError(f"{src}: unstructured could not read this {suffix} file: "
                                       f"{type(err).__name__}: {err}") from err
    return list(elements), info


def _partition(src: Path, suffix: str, opts: OfficeOptions, info: dict[str, Any]) -> list[Any]:
    if suffix == ".docx":
        return _import("unstructured.partition.docx").partition_docx(filename=str(src))
    if suffix == ".pptx":
        return _import("unstructured.partition.pptx").partition_pptx(
            filename=str(src), include_slide_notes=opts.include_slide_notes)
    html, info["captions"] = _prepare_html(src.read_text(encoding="utf-8", errors="replace"))
    # data: URLs survive only when image payloads are asked for
    return _import("unstructured.partition.html").partition_html(
        text=html, extract_image_block_to_payload=True, extract_image_block_types=["Image"])


def ingest_office(source: str | os.PathLike[str], options: Any = None) -> Document:
    """DOCX / PPTX / HTML -> Document: blocks in reading order, figures with PNG crops.

    ``options`` may be :class:`OfficeOptions`, a dict, or any options object (e.g. the PDF
    ingest options that ``dicmodel.convert`` passes): fields this ingest does not know are ignored.
    """
    opts = _office_options(options)
    src = Path(source)
    data = src.read_bytes() if src.is_file() else b""
    elements, info = partition_office(src, opts)
    builder = _Builder(src, hashlib.sha256(data).hexdigest(), opts, info.get("captions"))
    for element in elements:
        builder.add(element)
    return builder.document(info)


def _office_options(options: Any) -> OfficeOptions:
    if options is None:
        return OfficeOptions()
    if isinstance(options, OfficeOptions):
        return options
    if isinstance(options, dict):
        return OfficeOptions(**options)
    if isinstance(options, BaseModel):
        return OfficeOptions(**options.model_dump())
    raise ConfigError(f"options must be OfficeOptions, a dict or None, got {type(options).__name__}")


_TEXT_TYPES = {"Title": BlockType.heading, "ListItem": BlockType.list_item, "Table": BlockType.table,
               "FigureCaption": BlockType.caption, "CodeSnippet": BlockType.code}
_SKIP_TYPES = {"Header", "Footer", "PageBreak", "PageNumber"}


@dataclass
class _Builder:
    """Accumulates unstructured Elements into dicmodel blocks and figures."""

    src: Path
    sha: str
    opts: OfficeOptions
    html_captions: list[str | None] | None
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    pages: dict[int, tuple[float, float]] = field(default_factory=dict)
    section: str | None = None
    images_seen: int = 0
    slide_size: tuple[float, float] | None = None
    cursor: float = 0.0  # synthetic vertical position where a format has no coordinates

    def add(self, element: Any) -> None:
        kind = type(element).__name__
        page = max(1, element.metadata.page_number or 1)  # 1-based, as unstructured counts
        if page not in self.pages:
            self.pages[page] = self._page_size()
        if kind == "Image":
            self._add_figure(element, page)
        elif kind not in _SKIP_TYPES and (element.text or "").strip():
            self._add_text(element, kind, page)

    def _page_size(self) -> tuple[float, float]:
        if self.src.suffix.lower() != ".pptx":
            return _LETTER
        if self.slide_size is None:
            pres = _import("pptx").Presentation(str(self.src))
            self.slide_size = (pres.slide_width / _EMU_PER_PT, pres.slide_height / _EMU_PER_PT)
        return self.slide_size

    def _next_box(self, height: float, width: float = _LETTER[0] - 144) -> BBox:
        box = BBox(x0=72, y0=self.cursor, x1=72 + max(1.0, width), y1=self.cursor + max(1.0, height))
        self.cursor += max(1.0, height) + 6
        return box

    def _add_text(self, element: Any, kind: str, page: int) -> None:
        text = element.text.strip()
        btype = _TEXT_TYPES.get(kind, BlockType.text)
        if btype == BlockType.text and is_caption_start(text) and self._last_figure_uncaptioned():
            btype = BlockType.caption
        if btype == BlockType.text and self.html_captions and text in self._html_caption_texts:
            btype = BlockType.caption
        level = 0
        if btype == BlockType.heading:
            level = min(6, (element.metadata.category_depth or 0) + 1)
            self.section = text
        if btype == BlockType.caption and self.figures and not self.figures[-1].caption:
            self.figures[-1].caption = text
            self.figures[-1].label = caption_label(text)
        markdown = _table_markdown(element) if btype == BlockType.table else None
        self.blocks.append(Block(type=btype, page=page, bbox=self._next_box(14 * (1 + len(text) // 90)),
                                 order=len(self.blocks), text=text, level=level, markdown=markdown,
                                 section=None if btype == BlockType.heading else self.section))

    def _last_figure_uncaptioned(self) -> bool:
        return bool(self.blocks) and self.blocks[-1].type == BlockType.figure and \
            not self.figures[-1].caption

    @functools.cached_property
    def _html_caption_texts(self) -> frozenset[str]:
        # built once per document, not once per text element (html_captions never changes)
        return frozenset(c for c in (self.html_captions or []) if c)

    def _add_figure(self, element: Any, page: int) -> None:
        pic = getattr(element.metadata, "dicmodel_picture", None)
        if pic is None:  # HTML images come from unstructured's own <img> handling
            pic = _html_picture(element, self.src.parent)
        caption = None
        if self.html_captions is not None and self.images_seen < len(self.html_captions):
            caption = self.html_captions[self.images_seen]
        self.images_seen += 1
        png, size_px, problem = _to_png(pic.data) if pic.data else (None, None, pic.problem)
        if size_px and min(size_px) < self.opts.min_image_px:
            return  # a bullet, spacer or icon, not a figure
        box = self._figure_box(pic, size_px)
        # no page coordinates in DOCX/HTML: the reading-order index keeps ids unique per document
        fid = figure_id(self.sha + f":{len(self.blocks)}", page - 1, box)  # ids as in schema 1.x
        fig = Figure(id=fid, page=page, bbox=box, kind=FigureKind.raster, caption=caption,
                     section=self.section, context=_alt_context(pic.alt),
                     image=png, image_hash=hashlib.sha256(png).hexdigest() if png else None)
        if problem:
            self.errors.append(ItemError(stage="ingest", page=page, figure_id=fid,
                                         error_type="ImageError", message=problem))
        self.figures.append(fig)
        self.blocks.append(Block(type=BlockType.figure, page=page, bbox=box, order=len(self.blocks),
                                 figure_id=fid, section=self.section))

    def _figure_box(self, pic: _Picture, size_px: tuple[int, int] | None) -> BBox:
        w, h = pic.size_pt or (size_px if size_px else (200.0, 100.0))
        if pic.pos_pt is not None:
            x, y = pic.pos_pt
            return BBox(x0=x, y0=y, x1=x + max(1.0, w), y1=y + max(1.0, h))
        return self._next_box(h, w)

    def document(self, info: dict[str, Any]) -> Document:
        link_duplicates(self.figures)  # a logo on every slide is described once
        pages = [Page(number=n, width=w, height=h) for n, (w, h) in sorted(self.pages.items())]
        meta = {"format": self.src.suffix.lower().lstrip("."), "ingest": "unstructured",
                "unstructured_nlp": info.get("unstructured_nlp", "")}
        return Document(source=str(self.src), sha256=self.sha, pages=pages or [Page(number=1, width=_LETTER[0], height=_LETTER[1])],
                        blocks=self.blocks, figures=self.figures, errors=self.errors, metadata=meta)


def _alt_context(alt: str) -> list[str]:
    """Alt text is context for the describer, unless it is only the file name the tool stored."""
    alt = " ".join(alt.split())
    return [f"alt text: {alt}"] if alt and not _FILENAME_ALT.match(alt) else []


def _to_png(data: bytes) -> tuple[bytes | None, tuple[int, int] | None, str | None]:
    """Any raster PIL reads -> PNG bytes; vector formats (EMF/WMF/SVG) are reported, not guessed."""
    from .._images import to_png
    from ..errors import ImageError

    try:
        png, size = to_png(data)
    except ImageError as err:
        return None, None, f"image cannot be decoded ({err.__cause__ or err}); figure kept without pixels"
    return png, size, None


def _table_markdown(element: Any) -> str | None:
    html = getattr(element.metadata, "text_as_html", None)
    if not html:
        return None
    lxml_html = _import("lxml.html")
    from ..ingest.tables import markdown_table

    return markdown_table([[c.text_content() for c in tr.iter("td", "th")]
                           for tr in lxml_html.fromstring(html).iter("tr")])


# --------------------------------------------------------------------------------------------
# export: dicmodel Document -> unstructured Elements
# --------------------------------------------------------------------------------------------

_ELEMENT_OF = {BlockType.heading: "Title", BlockType.text: "NarrativeText",
               BlockType.list_item: "ListItem", BlockType.table: "Table",
               BlockType.caption: "FigureCaption", BlockType.code: "CodeSnippet"}


def to_elements(doc: Document, *, include_images: bool = False, include_mermaid: bool = True) -> list[Any]:
    """The Document as unstructured Elements in reading order.

    Figures become ``Image`` elements whose ``text`` is the logical text (caption, description,
    Mermaid), with figure_id, figure_type, describer and confidence in the metadata; with
    ``include_images`` the PNG crop travels as ``image_base64``.
    """
    elements = _import("unstructured.documents.elements")
    figures = {f.id: f for f in doc.figures}
    owned = {f.caption.strip() for f in doc.figures if f.caption}  # printed with their figure
    out: list[Any] = []
    for block in sorted(doc.blocks, key=lambda b: b.order):
        if block.type == BlockType.caption and block.text.strip() in owned:
            continue
        meta = elements.ElementMetadata(filename=Path(doc.source).name, page_number=block.page)
        if block.type == BlockType.figure:
            fig = figures.get(block.figure_id or "")
            if fig is not None:
                out.append(_figure_element(elements, fig, meta, include_images, include_mermaid))
            continue
        text = (block.markdown if block.type == BlockType.table and block.markdown else block.text).strip()
        if text:
            cls = getattr(elements, _ELEMENT_OF.get(block.type, "NarrativeText"))
            out.append(cls(text=text, metadata=meta))
    return out


def _figure_element(elements: Any, fig: Figure, meta: Any, include_images: bool,
                    include_mermaid: bool) -> Any:
    desc = fig.description
    meta.figure_id = fig.id
    meta.figure_type = desc.figure_type.value if desc else "other"
    meta.describer = desc.describer if desc else ""
    meta.confidence = desc.confidence if desc else 0.0
    meta.caption = fig.caption or ""
    meta.bbox = list(fig.bbox.as_tuple())
    if include_images and fig.image:
        meta.image_base64 = base64.b64encode(fig.image).decode()
        meta.image_mime_type = "image/png"
    return elements.Image(text=figure_text(fig, include_mermaid), metadata=meta)

