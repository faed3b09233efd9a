"""The result type every source reader returns, and the helpers the readers share."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


_BLOCKS = frozenset({"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "col", "area", "source"})
# inline styles under which a browser draws nothing: draw.io keeps text pasted with its
# clipboard payload in zero-size, fully transparent spans, which no reader of the picture sees
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?\s*(?:px|pt|em|%)?\s*(?:;|$)"
    r"|(?<![-\w])color\s*:\s*(?:transparent|rgba\s*\([^)]*,\s*0(?:\.0+)?\s*\))",
    re.IGNORECASE)


class _VisibleText(HTMLParser):
    """The text of an HTML fragment a browser would show: hidden elements dropped, blocks spaced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hidden) of each open element

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        if tag in _VOID:
            return
        style = " ".join(v or "" for k, v in attrs if k == "style")
        self._open.append((tag, bool(_HIDDEN_STYLE.search(style))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        for i in range(len(self._open) - 1, -1, -1):  # close up to the matching open tag
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def html_text(value: str | None) -> str:
    """A draw.io label with ``html=1``: the text a browser shows, line breaks kept as spaces.

    Tags are dropped and entities decoded; text inside an element styled invisible (zero font
    size, fully transparent colour, ``display: none``) is left out, as the render shows none of it.
    """
    parser = _VisibleText()
    parser.feed(value or "")
    parser.close()
    return clean_text("".join(parser.parts).replace("\xa0", " "))
