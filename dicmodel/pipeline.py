"""The main job: source -> ingest -> describe -> Document.

``convert()`` routes a source to its ingest stage by type (PDF bytes or path, DOCX/PPTX through
:mod:`dicmodel.ingest.office`, HTML through unstructured, a single image), then runs the describe stage. Each stage takes and returns a
Document; the describe stage never aborts on one figure (failures are recorded in
``Document.errors`` and the figure falls back to the ``text`` describer so nothing is lost).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._images import MAX_IMAGE_PIXELS, to_png
from ._io import check_regular_file, display_name, read_input
from ._progress import bar
from .describe.base import Describer, TextDescriber, get_describer, request_from_figure
from .document import (
    BBox,
    Block,
    BlockType,
    Description,
    Document,
    Figure,
    FigureKind,
    ItemError,
    Page,
    figure_id,
)
from .errors import ConfigError, UnsupportedFormatError

__all__ = ["ConvertOptions", "convert", "describe_document", "source_kind", "to_png", "SUPPORTED_SUFFIXES",
           "readable_suffixes", "MAX_IMAGE_PIXELS"]

PDF_SUFFIXES = (".pdf",)
OFFICE_SUFFIXES = (".docx", ".pptx", ".html", ".htm")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
# diagram sources read exactly by dicmodel.sources (a .drawio.png is a .png; a .drawio.svg is
# accepted by supported() from its content)
SOURCE_SUFFIXES = (".drawio", ".dio", ".vsdx", ".vsdm", ".vsd", ".puml", ".plantuml", ".pu", ".iuml",
                   ".wsd")
SUPPORTED_SUFFIXES = PDF_SUFFIXES + OFFICE_SUFFIXES + IMAGE_SUFFIXES + SOURCE_SUFFIXES
# Modules the reader of a suffix imports beyond the core install (a route's optional extra);
# folder inputs keep a suffix only when these import (see readable_suffixes).
SUFFIX_NEEDS: dict[str, tuple[str, ...]] = {
    ".docx": ("docx", "lxml"), ".pptx": ("pptx", "lxml"),
    ".html": ("unstructured",), ".htm": ("unstructured",), ".vsd": ("olefile",)}


class ConvertOptions(BaseModel):
    """Options of the pipeline itself; ingest options are given flat beside them (``dpi=...``)."""

    model_config = ConfigDict(extra="forbid")

    describer: Any = Field("structural", description="describer name or instance")
    describer_options: dict[str, Any] = Field(default_factory=dict,
                                              description="options passed to the describer factory")
    describe: bool = Field(True, description="run the describe stage (False: figures are only found)")
    batch_size: int = Field(8, ge=1, le=1024, description="figures per describer call")


def _ingest_options(options: dict[str, Any]) -> Any:
    from .ingest import IngestOptions

    try:
        return IngestOptions(**options)
    except ValidationError as err:
        allowed = sorted(IngestOptions.model_fields) + sorted(ConvertOptions.model_fields)
        raise ConfigError(f"invalid convert option(s): {err.errors()[0]['loc'][0]!r}: "
                          f"{err.errors()[0]['msg']}; allowed options: {allowed}") from err


def source_kind(source: str | os.PathLike[str] | bytes) -> str:
    """'pdf', 'office', 'image' or 'source' (a diagram source: Visio, draw.io, PlantUML), from the
    suffix or (for bytes) the magic number; a PNG/SVG carrying a draw.io model is a source."""
    from .sources import detect_format, is_source_path

    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:8])
        if detect_format(bytes(source)) not in (None, "pptx"):
            return "source"
        if head.startswith(b"\x89PNG") or head[:3] == b"\xff\xd8\xff":
            return "image"
        if head.startswith(b"PK\x03\x04"):
            return "office"  # a DOCX/PPTX zip; the Office ingest tells which from its parts
        return "pdf"  # the PDF ingest gives a clear error for anything that is not a PDF
    if is_source_path(source):
        return "source"
    suffix = Path(source).suffix.lower()
    if suffix in OFFICE_SUFFIXES:
        return "office"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "pdf"


def convert(source: str | os.PathLike[str] | bytes, describer: Any = "structural",
            **options: Any) -> Document:
    """Convert one document into a :class:`Document` whose figures carry descriptions."""
    pipe_keys = set(ConvertOptions.model_fields) - {"describer"}
    pipe = ConvertOptions(describer=describer, **{k: options.pop(k) for k in list(options)
                                                   if k in pipe_keys})
    if not isinstance(source, (bytes, bytearray)):
        check_regular_file(source)  # a FIFO or device would block every route's reader
    kind = source_kind(source)
    if kind == "image":
        if options:
            raise ConfigError(f"options {sorted(options)} do not apply to an image source")
        doc = image_document(source)
    elif kind == "source":
        from .sources._document import source_document

        if options:
            raise ConfigError(f"options {sorted(options)} do not apply to a diagram source")
        doc = source_document(source)
    elif kind == "office":
        doc = _office(source, _ingest_options(options))
    else:
        from .ingest import ingest

        doc = ingest(source, _ingest_options(options))
    if pipe.describe:
        doc = describe_document(doc, pipe.describer, batch_size=pipe.batch_size,
                                **pipe.describer_options)
    return doc


def _office(source: str | os.PathLike[str] | bytes, options: Any) -> Document:
    """DOCX/PPTX through dicmodel's own Office ingest, HTML through unstructured."""
    if isinstance(source, (bytes, bytearray)) or Path(source).suffix.lower() in (".docx", ".pptx"):
        from .ingest.office import ingest_office as read_office

        return read_office(source, options)
    from .integrations.unstructured import ingest_office

    return ingest_office(source, options)


def image_document(source: str | os.PathLike[str] | bytes) -> Document:
    """A one-page Document holding one raster figure: the image itself."""
    data = source if isinstance(source, (bytes, bytearray)) else read_input(source)
    png, (w, h) = to_png(data, _name(source))
    sha = hashlib.sha256(data).hexdigest()
    box = BBox(x0=0, y0=0, x1=w, y1=h)
    fid = figure_id(sha, 0, box)  # 0 as in schema 1.x, so the id is unchanged
    fig = Figure(id=fid, page=1, bbox=box, kind=FigureKind.raster, image=png, image_hash=sha)
    block = Block(type=BlockType.figure, page=1, bbox=box, order=0, figure_id=fid)
    return Document(source=_name(source), sha256=sha, pages=[Page(number=1, width=w, height=h)],
                    blocks=[block], figures=[fig])


def _name(source: Any) -> str:
    return "<bytes>" if isinstance(source, (bytes, bytearray)) else display_name(source)


def describe_document(doc: Document, describer: str | Describer = "structural", *,
                      batch_size: int = 8, **describer_options: Any) -> Document:
    """Return a new Document whose figures carry a Description each.

    Duplicates (``Figure.duplicate_of``) reuse the first occurrence's description when they
    carry the same caption; the same picture under another caption (a report that shows one
    image as Figure 3 and again as Figure 4) is described on its own, as the prose names its
    caption. A batch that
    raises is retried figure by figure; a figure that still fails gets the ``text`` describer's
    description, a warning, and an :class:`ItemError` in ``Document.errors``.
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
    engine = get_describer(describer, **describer_options)
    rotation = {p.number: p.rotation for p in doc.pages}
    figures = [f.model_copy() for f in doc.figures]
    errors = list(doc.errors)
    # a description read from the file's own data (chart series, SmartArt tree) is exact: kept
    by_id = {f.id: f for f in figures}
    reused = {f.id for f in figures
              if f.duplicate_of in by_id and by_id[f.duplicate_of].caption == f.caption}
    todo = [f for f in figures if f.id not in reused and not _from_file(f)]
    with bar(len(todo), "figures", "fig") as progress:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            for fig, desc in zip(batch, _describe_batch(engine, batch, rotation, errors)):
                fig.description = desc
            progress.update(len(batch))
    for f in figures:
        if f.id in reused:
            f.description = by_id[f.duplicate_of].description
    return doc.model_copy(update={"figures": figures, "errors": errors})


def _from_file(fig: Figure) -> bool:
    return fig.description is not None and fig.description.describer.startswith("ingest:")


def _describe_batch(engine: Describer, batch: Sequence[Figure], rotation: dict[int, int],
                    errors: list[ItemError]) -> list[Description]:
    requests = [request_from_figure(f, rotation.get(f.page, 0)) for f in batch]
    t0 = time.perf_counter()
    try:
        out = engine.describe(requests)
        if len(out) != len(requests):
            raise RuntimeError(f"describer {engine.name!r} returned {len(out)} descriptions "
                               f"for {len(requests)} figures")
    except Exception as err:  # noqa: BLE001 - isolate the failing figure(s) one by one
        if len(requests) > 1:
            return [_describe_batch(engine, [f], rotation, errors)[0] for f in batch]
        return [_fallback(engine, batch[0], requests[0], err, errors)]
    per = (time.perf_counter() - t0) / max(1, len(out))
    return [d if d.seconds else d.model_copy(update={"seconds": per}) for d in out]


def _fallback(engine: Describer, fig: Figure, request: Any, err: Exception,
              errors: list[ItemError]) -> Description:
    errors.append(ItemError(stage="describe", page=fig.page, figure_id=fig.id,
                            error_type=type(err).__name__,
                            message=f"describer {getattr(engine, 'name', '?')!r} failed: {err}"))
    desc = TextDescriber().describe([request])[0]
    desc.warnings.append(f"fell back to the text describer: {type(err).__name__}: {err}")
    return desc


def readable_suffixes() -> dict[str, str | None]:
    """Each supported suffix -> None when the installed packages read it, else why not (the
    missing module and the extra that installs it). Nothing is imported to find out."""
    from importlib.util import find_spec

    from ._extras import EXTRA_OF

    out: dict[str, str | None] = {}
    for suffix in SUPPORTED_SUFFIXES:
        missing = [m for m in SUFFIX_NEEDS.get(suffix, ()) if find_spec(m) is None]
        out[suffix] = (f"need {missing[0]} (pip install 'dicmodel[{EXTRA_OF.get(missing[0], 'all')}]')"
                       if missing else None)
    return out


def supported(path: Path) -> bool:
    from .sources import is_source_path

    return path.suffix.lower() in SUPPORTED_SUFFIXES or is_source_path(path)


def _unsupported(path: Path) -> UnsupportedFormatError:
    return UnsupportedFormatError(f"{path}: unsupported file type {path.suffix!r}; "
                                  f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
