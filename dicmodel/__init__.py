"""dicmodel: turn the figures of ICT documents into logical text for RAG and domain LLMs.

``import dicmodel`` is light: it loads pydantic types only. PyMuPDF, torch, transformers and
the other heavy parts load inside the functions that need them.

    >>> import dicmodel
    >>> doc = dicmodel.convert("spec.pdf")            # offline, structural describer
    >>> print(doc.to_markdown())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._offline import quiet_environment

# before any dependency is imported: telemetry off, no implicit downloads (see dicmodel._offline)
quiet_environment()

from .diagram import Diagram, Edge, Group, Message, Node, parse_mermaid
from .document import (
    BBox,
    Block,
    Chunk,
    Description,
    Document,
    Figure,
    FigureKind,
    FigureType,
    ItemError,
    Page,
    TextSpan,
)
from .errors import DicmodelError

if TYPE_CHECKING:
    from os import PathLike

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "convert",
    "BBox",
    "Block",
    "Chunk",
    "Description",
    "Diagram",
    "DicmodelError",
    "Document",
    "Edge",
    "Figure",
    "FigureKind",
    "FigureType",
    "Group",
    "ItemError",
    "Message",
    "Node",
    "Page",
    "TextSpan",
    "parse_mermaid",
]


def convert(source: str | PathLike[str] | bytes, describer: Any = "structural", **options: Any) -> Document:
    """Convert one document (a path or PDF bytes) into a :class:`Document` with described figures.

    ``describer`` is a registry name ("structural", "text", "hf", "openai", "hybrid") or a
    Describer instance. Options are those of :class:`dicmodel.pipeline.ConvertOptions`
    (e.g. ``dpi=150``, ``describer_options={...}``).
    """
    from .pipeline import convert as _convert

    return _convert(source, describer=describer, **options)
