"""LangChain document loader and blob parser backed by dicmodel.

Figures become their logical text, so a retriever can answer from what a diagram says::

    from dicmodel.integrations.langchain import DICModelLoader

    docs = DICModelLoader("spec.pdf", mode="elements", describer="structural").load()
    figures = [d for d in docs if d.metadata["category"] == "figure"]

Modes:

- ``page``: one Document per page (Markdown of the page, figures replaced in place).
- ``single``: one Document for the whole file.
- ``chunks``: the project's section-aware chunker (``Document.chunks``); each figure its own chunk.
- ``elements``: one Document per block; each figure is its own Document whose ``page_content``
  is the logical text and whose metadata carries source, page, bbox, figure_id, figure_type,
  caption and describer.

Metadata values are only str, int, float, bool or lists of those (bbox is a 4-list; enums
such as ``category``, ``figure_kind`` and ``figure_type`` are their str values), which is what
vector stores (Chroma, FAISS, pgvector, ...) accept.

The keys of LangChain's ``PyPDFLoader`` keep its meaning, so retrieval code written for it
runs unchanged: ``source``, ``total_pages``, ``producer``, ``creator``, ``creationdate`` (and
``moddate``, ``title``, ``author``... when the PDF has them), ``page`` = the **0-based** page
index and ``page_label`` = the page's label (the 1-based number as a string unless the PDF
labels its pages otherwise). ``page_number`` is the 1-based page number that every other
dicmodel output (JSON, chunks, Markdown) uses; a text chunk over several pages lists them in
``page_numbers`` (1-based).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._extras import require
from ..document import Block, BlockType, Document, Figure, ItemError
from ..errors import ConfigError, DicmodelError
from ._common import figure_text

# This module is the LangChain integration itself, so it needs langchain-core at import; a
# missing install raises MissingExtraError naming the extra. `import dicmodel` never loads it.
_loaders = require("langchain_core.document_loaders", "the LangChain loader")
_documents = require("langchain_core.documents", "the LangChain loader")
BaseLoader, BaseBlobParser, Blob = _loaders.BaseLoader, _loaders.BaseBlobParser, _loaders.Blob
LCDocument = _documents.Document

__all__ = [
    "DICModelLoader",
    "DICModelParser",
    "LoaderOptions",
    "figure_text",
    "to_langchain_documents",
]

Mode = Literal["page", "single", "chunks", "elements"]


class LoaderOptions(BaseModel):
    """How a dicmodel Document becomes LangChain Documents (and how the file is converted)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    mode: Mode = Field("page", description="page | single | chunks | elements")
    describer: Any = Field("structural", description="describer name or Describer instance")
    describer_options: dict[str, Any] = Field(default_factory=dict,
                                              description="options for the describer factory")
    include_figures: bool = Field(True, description="False drops figures (for comparison runs)")
    on_error: Literal["raise", "skip"] = Field(
        "raise", description="a file that fails to convert: raise, or skip it and record the "
                             "error in loader.errors (the other files still load)")
    include_mermaid: bool = Field(True, description="append the Mermaid source to figure text")
    max_tokens: int = Field(512, ge=16, description="chunk size in 'chunks' mode")
    convert_options: dict[str, Any] = Field(default_factory=dict,
                                            description="other dicmodel.convert options (dpi, ...)")


def _options(**kwargs: Any) -> LoaderOptions:
    try:
        return LoaderOptions(**kwargs)
    except ValidationError as err:
        first = err.errors()[0]
        raise ConfigError(f"DICModelLoader option {first['loc'][0]!r}: {first['msg']} "
                          f"(got {first.get('input')!r}); allowed options: "
                          f"{sorted(LoaderOptions.model_fields)}") from err


def _split_options(kwargs: dict[str, Any]) -> LoaderOptions:
    """Loader options by name; every other keyword goes to ``dicmodel.convert``."""
    own = {k: kwargs.pop(k) for k in list(kwargs) if k in LoaderOptions.model_fields}
    own.setdefault("convert_options", {}).update(kwargs)
    return _options(**own)


class DICModelLoader(BaseLoader):
    """Load PDF (and DOCX/PPTX/HTML) files as LangChain Documents with figures as logical text.

    ``file_path`` is one path or a list of paths; every option is keyword-only. Options that
    are not the loader's own (``dpi=150``, ...) are passed to :func:`dicmodel.convert`.
    """

    def __init__(self, file_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                 mode: Mode = "page", describer: Any = "structural",
                 describer_options: dict[str, Any] | None = None, **options: Any) -> None:
        paths = [file_path] if isinstance(file_path, (str, os.PathLike)) else list(file_path)
        if not paths:
            raise ConfigError("file_path must name at least one file, got an empty list")
        self.file_paths = [Path(p) for p in paths]
        self.errors: list[ItemError] = []
        self.options = _split_options({"mode": mode, "describer": describer,
                                       "describer_options": describer_options or {}, **options})

    def lazy_load(self) -> Iterator[LCDocument]:
        for path in self.file_paths:
            try:
                doc = _convert(path, self.options)
            except (DicmodelError, OSError, ValueError) as err:
                if self.options.on_error == "raise":
                    raise
                self.errors.append(ItemError(stage="load", error_type=type(err).__name__,
                                             message=f"{path}: {' '.join(str(err).split())}"))
                continue
            yield from to_langchain_documents(doc, **_export_kwargs(self.options))


class DICModelParser(BaseBlobParser):
    """A LangChain ``BaseBlobParser``: parses blobs (PDF bytes, or files by path) with dicmodel.

    Composes with any blob loader: ``for blob in loader.yield_blobs(): parser.lazy_parse(blob)``.
    """

    def __init__(self, *, mode: Mode = "page", describer: Any = "structural",
                 describer_options: dict[str, Any] | None = None, **options: Any) -> None:
        self.options = _split_options({"mode": mode, "describer": describer,
                                       "describer_options": describer_options or {}, **options})

    def lazy_parse(self, blob: Blob) -> Iterator[LCDocument]:
        doc = _convert_blob(blob, self.options)
        for lc in to_langchain_documents(doc, **_export_kwargs(self.options)):
            lc.metadata = {**_clean(blob.metadata or {}), **lc.metadata}
            yield lc

    def parse(self, blob: Blob) -> list[LCDocument]:
        return list(self.lazy_parse(blob))


def _convert(path: Path, opts: LoaderOptions) -> Document:
    from .. import convert

    return convert(path, describer=opts.describer, describer_options=opts.describer_options,
                   **opts.convert_options)


def _convert_blob(blob: Blob, opts: LoaderOptions) -> Document:
    """A blob with a readable path is converted from the path (keeps its suffix for routing)."""
    path = Path(blob.source) if blob.source else None
    if path is not None and blob.data is None and path.is_file():
        return _convert(path, opts)
    data = blob.as_bytes()
    suffix = path.suffix if path is not None else ""
    if suffix.lower() in ("", ".pdf"):
        from .. import convert

        doc = convert(data, describer=opts.describer, describer_options=opts.describer_options,
                      **opts.convert_options)
        return doc.model_copy(update={"source": str(path) if path else doc.source})
    # Office/HTML ingest reads files: spill the bytes to a temporary file with the right suffix
    with tempfile.TemporaryDirectory(prefix="dicmodel-blob-") as tmp:
        spill = Path(tmp) / f"blob{suffix}"
        spill.write_bytes(data)
        doc = _convert(spill, opts)
    return doc.model_copy(update={"source": str(path)})


def _export_kwargs(opts: LoaderOptions) -> dict[str, Any]:
    return {"mode": opts.mode, "include_figures": opts.include_figures,
            "include_mermaid": opts.include_mermaid, "max_tokens": opts.max_tokens}


def to_langchain_documents(doc: Document, *, mode: Mode = "page", include_figures: bool = True,
                           include_mermaid: bool = True, max_tokens: int = 512) -> Iterator[LCDocument]:
    """LangChain Documents from an already converted dicmodel Document."""
    if mode not in ("page", "single", "chunks", "elements"):
        raise ConfigError(f"mode must be one of 'page', 'single', 'chunks', 'elements', got {mode!r}")
    if not include_figures:
        doc = without_figures(doc)
    LCDoc = LCDocument
    if mode == "single":
        text = doc.to_markdown(mermaid=include_mermaid, provenance=False)
        yield LCDoc(page_content=text, metadata=_doc_meta(doc))
    elif mode == "page":
        yield from _pages(doc, LCDoc, include_mermaid)
    elif mode == "chunks":
        for chunk in doc.chunks(max_tokens=max_tokens, include_mermaid=include_mermaid):
            yield LCDoc(page_content=chunk.text, metadata=_chunk_meta(doc, chunk.metadata))
    else:
        yield from _elements(doc, LCDoc, include_mermaid)


def without_figures(doc: Document) -> Document:
    """The same Document with its figures (and their blocks) removed; captions stay as text."""
    blocks = [b for b in doc.blocks if b.type != BlockType.figure]
    return doc.model_copy(update={"blocks": blocks, "figures": []})


def _pages(doc: Document, LCDoc: Any, include_mermaid: bool) -> Iterator[Any]:
    numbers = sorted({p.number for p in doc.pages} | {b.page for b in doc.blocks})
    for number in numbers:
        blocks = [b for b in doc.blocks if b.page == number]
        fig_ids = {b.figure_id for b in blocks if b.figure_id}
        page_doc = doc.model_copy(update={
            "blocks": blocks, "figures": [f for f in doc.figures if f.id in fig_ids]})
        text = page_doc.to_markdown(mermaid=include_mermaid, provenance=False).strip()
        if text:
            yield LCDoc(page_content=text, metadata=_doc_meta(
                doc, **_page_meta(doc, number), figure_ids=sorted(fig_ids)))


def _elements(doc: Document, LCDoc: Any, include_mermaid: bool) -> Iterator[Any]:
    figures = {f.id: f for f in doc.figures}
    for block in sorted(doc.blocks, key=lambda b: b.order):
        fig = figures.get(block.figure_id or "") if block.type == BlockType.figure else None
        if fig is not None:
            yield LCDoc(page_content=figure_text(fig, include_mermaid), metadata=figure_metadata(doc, fig))
        elif block.type != BlockType.figure and (block.markdown or block.text).strip():
            yield LCDoc(page_content=(block.markdown or block.text).strip(),
                        metadata=_block_meta(doc, block))


def figure_metadata(doc: Document, fig: Figure) -> dict[str, Any]:
    desc = fig.description
    return _clean({
        **_doc_meta(doc), "category": "figure", **_page_meta(doc, fig.page), "bbox": list(fig.bbox.as_tuple()),
        "figure_id": fig.id, "figure_kind": fig.kind,
        "figure_type": desc.figure_type if desc else "other", "caption": fig.caption or "",
        "describer": desc.describer if desc else "", "confidence": desc.confidence if desc else 0.0,
        "section": fig.section or "", "has_mermaid": bool(desc and desc.mermaid)})


def _block_meta(doc: Document, block: Block) -> dict[str, Any]:
    return _clean({**_doc_meta(doc), "category": block.type, **_page_meta(doc, block.page),
                   "bbox": list(block.bbox.as_tuple()), "order": block.order,
                   "section": block.section or ""})


def _doc_meta(doc: Document, **extra: Any) -> dict[str, Any]:
    """PyPDFLoader's document keys (producer, creator, creationdate always; the PDF's other
    info when present), then source, total_pages, title and sha256."""
    meta: dict[str, Any] = {"producer": "", "creator": "", "creationdate": "",
                            **(doc.metadata.get("pdf_info") or {})}
    meta.update(source=doc.source, sha256=doc.sha256,
                total_pages=int(doc.metadata.get("page_count") or len(doc.pages)))
    if doc.metadata.get("title"):
        meta["title"] = doc.metadata["title"]
    return _clean({**meta, **extra})


def _page_meta(doc: Document, page: int) -> dict[str, Any]:
    """``page`` 0-based and ``page_label`` as PyPDFLoader gives them; ``page_number`` 1-based."""
    labels = doc.metadata.get("page_labels") or {}
    return {"page": page - 1, "page_label": str(labels.get(str(page), page)), "page_number": page}


def _chunk_meta(doc: Document, meta: dict[str, Any]) -> dict[str, Any]:
    """A chunk's metadata (1-based ``page``, ``pages``) with the loader's page keys."""
    rest = {k: v for k, v in meta.items() if k not in ("page", "pages")}
    if "pages" in meta:
        rest["page_numbers"] = meta["pages"]
    return _clean({**_doc_meta(doc), **rest, **_page_meta(doc, int(meta["page"]))})


_SCALARS = (str, int, float, bool)


def _clean(meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata vector stores accept: scalars and lists of scalars; None dropped."""
    return {str(k): v for k, v in ((k, _value(v)) for k, v in meta.items()) if v is not None}


def _value(v: Any) -> Any:
    if isinstance(v, Enum):  # before the scalar test: a str enum is a str, but str() gives 'X.y'
        return _value(v.value)
    if v is None or type(v) in _SCALARS:
        return v
    for t in _SCALARS:  # a subclass of a scalar type: its plain value
        if isinstance(v, t):
            return t(v)
    if isinstance(v, (list, tuple, set)) and all(type(x) in _SCALARS for x in v):
        return list(v)
    if isinstance(v, Iterable) and not isinstance(v, (dict, bytes)):
        items = [_value(x) for x in v]
        if all(type(x) in _SCALARS for x in items):
            return items
    return json.dumps(v, default=str, sort_keys=True)
