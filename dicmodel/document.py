"""The types that flow through dicmodel (pydantic v2).

``source -> ingest -> Document(with Figures) -> describe -> Document(with Descriptions) -> export``

Coordinates are PDF points with the origin at the top-left of the (unrotated) page, which is
PyMuPDF's convention. Page numbers are 1-based everywhere (``Page.number``, ``Block.page``,
``Figure.page``, ``ItemError.page``), as a reader cites them; schema 1.x counted from 0 and
:meth:`Document.from_json` shifts such files on reading. Everything here is light: no PyMuPDF,
no torch, and no exporter (``Document.to_markdown``/``chunks`` reach ``dicmodel.export``
through :data:`EXPORTERS`, which that package fills when it is imported).
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .diagram import Diagram

__all__ = [
    "SCHEMA_VERSION",
    "BBox",
    "BlockType",
    "FigureKind",
    "FigureType",
    "TextSpan",
    "Block",
    "Description",
    "Figure",
    "Page",
    "ItemError",
    "Chunk",
    "Document",
    "figure_id",
    "EXPORTERS",
]

SCHEMA_VERSION = "2.0"
# 1.x counted pages from 0; 2.0 counts from 1 (from_json shifts 1.x files on reading)
_ZERO_BASED_MAJOR = "1"


class BBox(BaseModel):
    """A rectangle in PDF points, origin top-left (PyMuPDF's convention)."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"BBox corners must be ordered (x0<=x1, y0<=y1), got {self.as_tuple()}")
        return self

    @classmethod
    def of(cls, rect: Any) -> BBox:
        """From any 4-sequence or object with x0..y1 (a fitz.Rect, a tuple)."""
        if hasattr(rect, "x0"):
            return cls(x0=rect.x0, y0=rect.y0, x1=rect.x1, y1=rect.y1)
        x0, y0, x1, y1 = rect
        return cls(x0=x0, y0=y0, x1=x1, y1=y1)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def intersection(self, other: BBox) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def contains(self, other: BBox, tol: float = 1.0) -> bool:
        return (other.x0 >= self.x0 - tol and other.y0 >= self.y0 - tol
                and other.x1 <= self.x1 + tol and other.y1 <= self.y1 + tol)

    def iou(self, other: BBox) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


class BlockType(str, Enum):
    text = "text"
    heading = "heading"
    list_item = "list_item"
    table = "table"
    figure = "figure"
    caption = "caption"
    code = "code"


class FigureKind(str, Enum):
    raster = "raster"
    vector = "vector"
    mixed = "mixed"


class FigureType(str, Enum):
    flowchart = "flowchart"
    sequence = "sequence"
    state = "state"
    topology = "topology"
    architecture = "architecture"
    protocol_stack = "protocol_stack"
    chart = "chart"
    table = "table"
    photo = "photo"
    logo = "logo"
    other = "other"


class TextSpan(BaseModel):
    """A run of text with its box (one PyMuPDF span, or one OCR word/line)."""

    text: str
    bbox: BBox
    size: float = 0.0
    font: str = ""
    # writing direction (cos, sin) as PyMuPDF reports it; (1, 0) is horizontal left-to-right
    dir: tuple[float, float] = (1.0, 0.0)
    confidence: float = 1.0

    @classmethod
    def of_span(cls, s: dict[str, Any], dir: tuple[float, float] = (1.0, 0.0)) -> TextSpan:
        """A PyMuPDF ``dict`` span as the page holds it: its text keeps the blanks at its ends
        (and its box their width), so the vector reader can tell a run that began or ended
        with its space ("address " before a bold "MUST", PlantUML's " delete cluster" after a
        bold autonumber "1") from one that runs on into the next. Readers strip the text."""
        return cls(text=s["text"], bbox=BBox.of(s["bbox"]), size=float(s["size"]),
                   font=s.get("font", ""), dir=dir)


class Block(BaseModel):
    """One unit of the document body in reading order."""

    type: BlockType
    page: int = Field(ge=1, description="1-based page number (the first page is 1)")
    bbox: BBox
    order: int = Field(ge=0, description="reading-order index over the whole document")
    text: str = ""
    level: int = Field(0, ge=0, le=6, description="heading level (1..6), 0 for non-headings")
    figure_id: str | None = None
    # for tables: the Markdown rendering (PyMuPDF find_tables -> to_markdown)
    markdown: str | None = None
    section: str | None = Field(None, description="the nearest heading above this block")


class Description(BaseModel):
    """What a describer made of one figure: the logical text, and the structure when it found one."""

    text: str = Field(description="the logical text (prose) that replaces the figure")
    diagram: Diagram | None = None
    mermaid: str | None = None
    figure_type: FigureType = FigureType.other
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    describer: str = Field("", description="backend:model-id:prompt-version")
    warnings: list[str] = Field(default_factory=list)
    # wall time is kept in memory for summaries/benchmarks but not serialised, so that the same
    # input always gives byte-identical JSON (clean diffs, identical Ray and local outputs)
    seconds: float = Field(0.0, ge=0.0, exclude=True)


class Figure(BaseModel):
    """A figure found in a document: where it is, what surrounds it, and (later) its description."""

    id: str
    page: int = Field(ge=1, description="1-based page number (the first page is 1)")
    bbox: BBox
    kind: FigureKind
    caption: str | None = None
    label: str | None = Field(None, description="the figure's number as written, e.g. '3', '4-2'")
    section: str | None = None
    context: list[str] = Field(default_factory=list, description="sentences that cite the figure")
    spans: list[TextSpan] = Field(default_factory=list, description="text inside the figure")
    image_hash: str | None = None
    image_path: str | None = None
    duplicate_of: str | None = None
    # the diagram's own source when the container embeds it (an embedded Visio object, a
    # draw.io PNG/SVG, a PowerPoint slide's shapes): read exactly by dicmodel.sources.
    # source_format is one of dicmodel.sources' format names ("vsdx", "vsd", "drawio",
    # "pptx", "plantuml", ...); the bytes stay in memory only.
    source_format: str | None = None
    source_part: str | None = Field(None, description="page/slide/block of the source this figure shows")
    description: Description | None = None
    # Rendered crop (PNG bytes) and plain-data vector drawings: kept in memory for describers,
    # never serialised (the crop is written as a file by export when asked).
    image: bytes | None = Field(None, exclude=True, repr=False)
    drawings: list[dict[str, Any]] = Field(default_factory=list, exclude=True, repr=False)
    source_data: bytes | None = Field(None, exclude=True, repr=False)

    @property
    def text(self) -> str:
        """The labels inside the figure, in reading order."""
        return " ".join(s.text.strip() for s in self.spans)


class Page(BaseModel):
    number: int = Field(ge=1, description="1-based page number (the first page is 1)")
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    rotation: int = 0


class ItemError(BaseModel):
    """A per-item failure recorded instead of aborting the batch."""

    stage: str
    message: str
    page: int | None = Field(None, ge=1, description="1-based page number, when the error has one")
    figure_id: str | None = None
    error_type: str = ""


class Chunk(BaseModel):
    """A retrieval unit: text plus the metadata a RAG index keeps."""

    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class Document(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source: str
    sha256: str
    pages: list[Page] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    errors: list[ItemError] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    # seconds per stage step; in memory only, so the same input gives byte-identical JSON
    timings: dict[str, float] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # A 1.x file counted pages from 0: shift every page number so old JSON reads as 2.x.
        if isinstance(data, dict) and str(data.get("schema_version", "")).split(".")[0] == _ZERO_BASED_MAJOR:
            data = _shift_pages(data)
        return data

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, v: str) -> str:
        if v.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"schema_version {v!r} is not readable by this dicmodel "
                             f"(reads {_ZERO_BASED_MAJOR}.x and {SCHEMA_VERSION.split('.')[0]}.x)")
        return v

    def figure(self, fig_id: str) -> Figure:
        for f in self.figures:
            if f.id == fig_id:
                return f
        raise KeyError(f"no figure with id {fig_id!r} in {self.source}")

    # Exporters live in dicmodel.export; these are the convenience entry points. The types do
    # not import their exporters (data flows one way): dicmodel.export registers itself in
    # EXPORTERS when imported, and these methods import it by name on first use.
    def to_markdown(self, **options: Any) -> str:
        return _exporter("markdown")(self, **options)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Document:
        """Read a Document's JSON; schema 1.x files (0-based pages) are shifted to 1-based."""
        return cls.model_validate_json(text)

    def chunks(self, max_tokens: int = 512, **options: Any) -> list[Chunk]:
        return list(_exporter("chunks")(self, max_tokens=max_tokens, **options))


# name -> exporter(Document, **options); dicmodel.export fills it when it is imported
EXPORTERS: dict[str, Callable[..., Any]] = {}


def _exporter(name: str) -> Callable[..., Any]:
    if name not in EXPORTERS:
        importlib.import_module(".export", __package__)
    return EXPORTERS[name]


def _shift_pages(data: dict[str, Any]) -> dict[str, Any]:
    """A schema 1.x Document (0-based pages) as a 2.x one (1-based)."""
    def plus_one(items: Any, key: str) -> list[Any]:
        return [{**it, key: it[key] + 1} if isinstance(it, dict) and isinstance(it.get(key), int) else it
                for it in items or []]

    out = dict(data, schema_version=SCHEMA_VERSION)
    out["pages"] = plus_one(data.get("pages"), "number")
    for key in ("blocks", "figures", "errors"):
        out[key] = plus_one(data.get(key), "page")
    return out


def figure_id(doc_sha256: str, page: int, bbox: BBox | tuple[float, ...]) -> str:
    """Stable figure id: hash of document + page + rounded bbox.

    ``page`` is whatever number the producer hashes consistently; the PDF and image ingest
    pass the 0-based page index, as in schema 1.x, so figure ids did not change with 2.0."""
    b = bbox.as_tuple() if isinstance(bbox, BBox) else tuple(bbox)
    key = f"{doc_sha256}:{page}:" + ",".join(f"{v:.0f}" for v in b)
    return "fig-" + hashlib.sha256(key.encode()).hexdigest()[:12]


