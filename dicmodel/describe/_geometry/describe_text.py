"""Prose for what the engine read: diagrams through ``Diagram.to_prose()``, and honest text
for figures that are not graphs (charts, tables, photos/screenshots, logos, label lists).

Every sentence comes from something read in the figure; nothing is guessed. Deterministic.
"""

from __future__ import annotations

import re

from ...diagram import Diagram
from ...document import FigureType
from . import _util as U
from .primitives import Primitives, Word

__all__ = ["GRAPH_TYPES", "chart_prose", "reading_prose"]

GRAPH_TYPES = (FigureType.flowchart, FigureType.sequence, FigureType.state, FigureType.topology,
               FigureType.architecture, FigureType.protocol_stack)


def _quote_list(items: list[str], limit: int = 60) -> str:
    shown = [f'"{t}"' for t in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(shown) + more


_UNNAMED = {"fork": "a fork/join bar", "choice": "a choice point",
            "circle": "an unlabelled circle", "ellipse": "an unlabelled ellipse",
            "diamond": "an unlabelled diamond", "state": "an unlabelled state"}


def _named_for_prose(d: Diagram) -> Diagram:
    """The ids the reader made up ("n3", "g1") mean nothing to a reader of the prose: an
    element with no text on the figure is named by what it looks like. (Start and end markers
    are phrased by the prose itself.) The Diagram and its Mermaid keep the ids."""
    if all(n.label or n.shape in ("start", "end") for n in d.nodes) and all(g.label for g in d.groups):
        return d  # nothing to name: no copy
    c = d.model_copy(deep=True)
    k = 0
    for n in c.nodes:
        if n.shape == "participant" and not n.label:  # told apart by their order, left to right
            k += 1
            n.label = f"Participant {k} (unnamed)"
        elif not n.label and n.shape not in ("start", "end"):
            n.label = _UNNAMED.get(n.shape, "an unlabelled box")
    for g in c.groups:
        if not g.label:
            g.label = "an unlabelled group"
    return c


def _headed_for_prose(d: Diagram) -> tuple[Diagram, list[str]]:
    """A box that prints a name over a block of content (a Visio SAI pipeline's "FDB Table {
    match : ... action : ... default : ... }") is called by its name in the sentences, and its
    content is said once at the end, so a link reads "FDB Table leads to Egress vBridge STP
    Table" and not two tables' full text. Only when every such name is told apart from the
    others; the Diagram and its Mermaid keep the full labels."""
    heads: dict[str, tuple[str, str]] = {}
    for n in d.nodes:
        hb = U.head_and_body(n.label)
        if hb:
            heads[n.id] = hb
    names = [h for h, _ in heads.values()]
    if not heads or len(set(names)) < len(names) or any(
            n.label in names for n in d.nodes if n.id not in heads):
        return d, []
    c = d.model_copy(deep=True)
    for n in c.nodes:
        if n.id in heads:
            n.label = heads[n.id][0]
    return c, [f"{h} {body}" for h, body in heads.values()]


def reading_prose(figure_type: FigureType, diagram: Diagram, prose: str | None = None,
                  caption: str | None = None) -> str:
    """The logical text of one figure."""
    if prose:
        return prose
    if figure_type in GRAPH_TYPES and (diagram.nodes or diagram.messages):
        named = _named_for_prose(diagram)
        named, details = _headed_for_prose(named)
        text = named.to_prose()
        if named is not diagram:  # a sentence may now open with "an unlabelled ..."
            text = re.sub(r"(^|[.] )(an? (?:unlabelled|fork/join|choice))",
                          lambda m: m.group(1) + m.group(2)[0].upper() + m.group(2)[1:], text)
        if details:
            text += " What each holds: " + "; ".join(details) + "."
        return text
    texts = [t for t in diagram.notes if t]
    if figure_type is FigureType.logo:
        return ("A logo or icon" + (f" reading {_quote_list(texts)}" if texts else "")
                + "; it carries no diagram content.")
    if figure_type is FigureType.photo:
        return ("A photograph or screenshot" + (f"; visible text: {_quote_list(texts)}" if texts
                                                 else " with no readable text") + ".")
    lead = f"Figure ({caption.rstrip('.')})" if caption else "A figure"
    if not texts:
        return f"{lead} with no structure or text that could be read."
    return f"{lead} whose structure could not be read; its labels are {_quote_list(texts)}."


# ---- charts (built where the geometry is still at hand; tables: table.py) --------------------------------

def chart_prose(prims: Primitives, axis_x: tuple[float, float, float] | None,
                axis_y: tuple[float, float, float] | None) -> str:
    """Title, axis tick values, axis titles and legend/other text of a chart."""
    words = list(prims.words)
    title = _title(words)
    parts = ["A chart" + (f' titled "{title}"' if title else "") + "."]
    used = {id(w) for w in words if title and w.text in title}
    if axis_x is not None:
        y, x0, x1 = axis_x
        ticks = [w for w in words if w.bbox[1] >= y - 2 and w.bbox[1] <= y + 3 * _h(words)
                 and x0 - 10 <= U.center(w.bbox)[0] <= x1 + 10]
        ticks.sort(key=lambda w: w.bbox[0])
        used |= {id(w) for w in ticks}
        if ticks:
            parts.append(f"Along the horizontal axis: {', '.join(w.text for w in ticks)}.")
    if axis_y is not None:
        x, y0, y1 = axis_y
        ticks = [w for w in words if w.bbox[2] <= x + 2 and w.bbox[2] >= x - 6 * _h(words)
                 and y0 - 10 <= U.center(w.bbox)[1] <= y1 + 10 and not w.vertical]
        ticks.sort(key=lambda w: -w.bbox[1])
        used |= {id(w) for w in ticks}
        if ticks:
            parts.append(f"Along the vertical axis (bottom to top): {', '.join(w.text for w in ticks)}.")
    rest = [U.block_text(b) for b in U.text_blocks([w for w in words if id(w) not in used])]
    if rest:
        parts.append(f"Other text (axis titles, legend): {_quote_list(rest)}.")
    return " ".join(parts)


def _h(words: list[Word]) -> float:
    return U.median_height(words)


def _title(words: list[Word]) -> str | None:
    """The largest text near the top, when it stands out."""
    sized = [w for w in words if w.size > 0]
    if not sized:
        return None
    sizes = sorted(w.size for w in sized)
    median = sizes[len(sizes) // 2]
    big = [w for w in sized if w.size >= 1.2 * median]
    if not big:
        return None
    top = min(big, key=lambda w: w.bbox[1])
    return top.text
