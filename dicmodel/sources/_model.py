"""The result type every source reader returns, and the helpers the readers share."""

from __future__ import annotations

import html
import re

from pydantic import BaseModel, Field

from ..diagram import Diagram

__all__ = ["SourceDiagram", "clean_text", "finish", "html_text"]


class SourceDiagram(BaseModel):
    """One part of a diagram source file (a page, a slide, an ``@startuml`` block), read exactly."""

    format: str = Field(description="vsdx, vsd, drawio, pptx or plantuml")
    part: str = Field(description="page name (draw.io, Visio), 'slide-N' (PowerPoint, N = the "
                      "slide's 1-based position in the deck) or the @startuml name ('block-N' "
                      "when the block has none)")
    diagram: Diagram = Field(description="nodes = labelled shapes, edges = connectors glued at "
                             "both ends to labelled shapes; messages for a sequence diagram")
    connectors_drawn: int = Field(0, ge=0, description="every connector/arrow drawn on the part, "
                                  "glued or not (sequence diagrams: every message)")
    loose_connectors: int = Field(0, ge=0, description="connectors drawn that are not edges: an end "
                                  "not glued, or glued to an unlabelled shape or another connector; "
                                  "reported, never guessed")
    confidence: float = Field(1.0, ge=0.0, le=1.0, description="from glue: 1.0 when every "
                              "connector is an edge, down to 0.5 when none is")
    warnings: list[str] = Field(default_factory=list)

    @property
    def labelled_nodes(self) -> int:
        return sum(1 for n in self.diagram.nodes if n.label.strip())


def glue_confidence(drawn: int, edges: int) -> float:
    """1.0 when every drawn connector is glued at both ends; half weight on the glued share."""
    if drawn <= 0:
        return 1.0
    return round(0.5 + 0.5 * min(edges, drawn) / drawn, 4)


def finish(fmt: str, part: str, diagram: Diagram, drawn: int, warnings: list[str] | None = None,
           loose_detail: dict[str, int] | None = None) -> SourceDiagram:
    """Wrap a read part: loose connectors = drawn - edges, with the reasons as warnings."""
    glued = len(diagram.messages) if diagram.kind == "sequence" else len(diagram.edges)
    loose = max(0, drawn - glued)
    notes = list(warnings or [])
    for why, n in (loose_detail or {}).items():
        if n:
            notes.append(f"{n} connector(s) {why}: not read as edges")
    return SourceDiagram(format=fmt, part=part, diagram=diagram, connectors_drawn=drawn,
                         loose_connectors=loose, confidence=glue_confidence(drawn, glued),
                         warnings=notes)


_WS = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return _WS.sub(" ", text or "").strip()


_BREAK = re.compile(r"<\s*br\s*/?\s*>|</\s*(?:div|p|li|tr|h\d)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_text(value: str | None) -> str:
    """A draw.io label with ``html=1``: tags dropped, line breaks kept as spaces, entities decoded."""
    text = _BREAK.sub(" ", value or "")
    text = _TAG.sub("", text)
    return clean_text(html.unescape(text).replace("\xa0", " "))
