"""The Describer protocol, the request it takes, and a registry of describers by name.

A describer turns figures into :class:`~dicmodel.document.Description` objects, in batches::

    class Describer(Protocol):
        name: str
        def describe(self, requests: Sequence[FigureRequest]) -> list[Description]: ...

It must return one Description per request, in order, and must not raise for one bad figure:
a figure it cannot read gets a Description with ``confidence=0`` and a warning (the pipeline
also records it in ``Document.errors``). Backends register a factory under a name::

    register_describer("structural", lambda **kw: StructuralDescriber(**kw))
    get_describer("structural", ocr=False)

Factories import their heavy dependencies lazily, so the registry itself is light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..document import BBox, Description, Figure, FigureKind, FigureType, TextSpan
from ..errors import ConfigError

__all__ = [
    "FigureRequest",
    "Describer",
    "register_describer",
    "get_describer",
    "available_describers",
    "TextDescriber",
    "request_from_figure",
]


@dataclass
class FigureRequest:
    """Everything a describer may use for one figure.

    ``image`` is the rendered crop (PNG bytes). ``drawings`` are the figure's vector paths as
    plain data (PyMuPDF ``get_drawings()`` dicts with points as ``(x, y)`` tuples and rects as
    ``(x0, y0, x1, y1)``, page coordinates), empty for raster figures. ``spans`` are the text
    spans inside the figure (page coordinates). ``bbox`` is the figure's box on the page.
    """

    figure_id: str
    image: bytes | None = None
    kind: FigureKind = FigureKind.raster
    bbox: BBox | None = None
    drawings: list[dict[str, Any]] = field(default_factory=list)
    spans: list[TextSpan] = field(default_factory=list)
    caption: str | None = None
    section: str | None = None
    context: list[str] = field(default_factory=list)
    figure_type: FigureType | None = None  # a hint, e.g. from a previous structural pass
    image_hash: str | None = None
    page_rotation: int = 0
    # the diagram's own source, when the document embeds it (see Figure.source_format)
    source_format: str | None = None
    source_data: bytes | None = None
    source_part: str | None = None


def request_from_figure(fig: Figure, page_rotation: int = 0) -> FigureRequest:
    return FigureRequest(
        figure_id=fig.id, image=fig.image, kind=fig.kind, bbox=fig.bbox, drawings=fig.drawings,
        spans=list(fig.spans), caption=fig.caption, section=fig.section, context=list(fig.context),
        figure_type=fig.description.figure_type if fig.description else None,
        image_hash=fig.image_hash, page_rotation=page_rotation, source_format=fig.source_format,
        source_data=fig.source_data, source_part=fig.source_part)


@runtime_checkable
class Describer(Protocol):
    name: str

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        ...


_REGISTRY: dict[str, Callable[..., Describer]] = {}
# built-in describers register on first lookup (module path, so the registry stays light)
_BUILTIN = {
    "text": "dicmodel.describe.base",
    "structural": "dicmodel.describe.structural",
    "hf": "dicmodel.describe.hf",
    "openai": "dicmodel.describe.openai",
    "hybrid": "dicmodel.describe.hybrid",
}


def register_describer(name: str, factory: Callable[..., Describer]) -> None:
    _REGISTRY[name] = factory


def available_describers() -> list[str]:
    return sorted(set(_REGISTRY) | set(_BUILTIN))


def get_describer(name: str | Describer, **options: Any) -> Describer:
    """A describer instance by registry name (or the instance itself, passed through)."""
    if not isinstance(name, str):
        if not isinstance(name, Describer):
            raise ConfigError(f"describer must be a name or an object with .describe(), got "
                              f"{type(name).__name__}")
        return name
    if name not in _REGISTRY and name in _BUILTIN:
        try:
            importlib.import_module(_BUILTIN[name])
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("dicmodel"):
                raise ConfigError(f"describer {name!r} is not available in this build") from err
            raise
    if name not in _REGISTRY:
        raise ConfigError(f"describer must be one of {available_describers()}, got {name!r}")
    return _REGISTRY[name](**options)


class TextDescriber:
    """The simplest honest describer: the caption plus the labels found inside the figure.

    No structure is recovered; confidence reflects only whether any text was found.
    """

    name = "text"

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        return [self._one(r) for r in requests]

    def _one(self, r: FigureRequest) -> Description:
        # the caption is not repeated here: exporters print Figure.caption beside the text
        labels = text_lines(r.spans)
        text = ("Labels in the figure: " + "; ".join(labels) + ".") if labels else \
            "Figure with no readable text."
        return Description(text=text, figure_type=r.figure_type or FigureType.other,
                           confidence=0.3 if labels else 0.0, describer="text",
                           warnings=[] if labels else ["no text found inside the figure"])


def text_lines(spans: Sequence[TextSpan]) -> list[str]:
    """Spans joined into lines: PDFs often store each word of a label as its own span."""
    lines: list[list[TextSpan]] = []
    for s in sorted((s for s in spans if s.text.strip()), key=lambda s: (s.bbox.y0, s.bbox.x0)):
        h = max(1.0, s.bbox.height)
        for line in lines:
            last = line[-1]
            same_row = abs((last.bbox.y0 + last.bbox.y1) / 2 - (s.bbox.y0 + s.bbox.y1) / 2) < 0.5 * h
            if same_row and -0.5 * h < s.bbox.x0 - last.bbox.x1 < 1.2 * h:
                line.append(s)
                break
        else:
            lines.append([s])
    return [" ".join(s.text.strip() for s in line) for line in lines]


register_describer("text", lambda **_: TextDescriber())
