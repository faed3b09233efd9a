"""Source first: a figure whose document embeds the diagram's own source (a Visio, draw.io,
PowerPoint or PlantUML file) is described from that source, exactly, before any geometry.
Whether the source is the better reading is judged on its glue (mostly loose connectors: the
geometry reads more); a Visio source found usable is then read as drawn
(``read_source(as_drawn=True)``): a connector whose end the drawer left on a shape's outline
without gluing it is the link a reader of the page sees (TS 38.300 Figure 16.1.3-1's PDCP
arrows to its RLC entities).

Used by the ``structural`` describer; :func:`describe_from_source` never raises: when the
source cannot be used it returns ``None`` and the warnings that say why, and the describer goes
on with the figure's vector or raster geometry.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..document import Description, FigureType

if TYPE_CHECKING:
    from ..diagram import Diagram
    from ..sources import SourceDiagram
    from .base import FigureRequest

__all__ = ["describe_from_source", "prefetch_sources", "source_figure_type"]

_HINTS = (FigureType.flowchart, FigureType.state, FigureType.topology, FigureType.architecture,
          FigureType.protocol_stack)


def source_figure_type(d: Diagram, hint: FigureType | None = None) -> FigureType:
    """The figure type of an exactly read diagram, by the rules the geometry reader uses
    (``classify.decide_graph_kind``): sequence and state from the source's own kind; otherwise
    mostly undirected links -> topology, groups with few directed links -> architecture,
    directed links -> flowchart; no links -> architecture when shapes sit in groups."""
    if d.kind == "sequence":
        return FigureType.sequence
    if d.kind == "state":
        return FigureType.state
    if hint in _HINTS:
        return hint
    if not d.edges:
        if d.groups and len(d.nodes) >= 3:
            return FigureType.architecture
        return FigureType.other
    directed = sum(1 for e in d.edges if e.directed)
    if directed <= 0.3 * len(d.edges):
        return FigureType.topology
    if d.groups and directed < 0.5 * len(d.edges):
        return FigureType.architecture
    return FigureType.flowchart


_FLOW_KINDS = ("flowchart", "topology", "architecture", "protocol_stack")


def _pick(parts: list[SourceDiagram], want: str | None) -> tuple[SourceDiagram, list[str]]:
    if want is not None:
        for p in parts:
            if p.part == want or p.part.strip() == want.strip():
                return p, []
        return parts[0], [f"source part {want!r} not found; read the first part {parts[0].part!r}"]
    if len(parts) > 1:
        return parts[0], [f"the source has {len(parts)} parts; read the first, {parts[0].part!r}"]
    return parts[0], []


def describe_from_source(r: FigureRequest, describer_id: str) -> tuple[Description | None, list[str]]:
    """(Description read from ``r.source_data``, []) or (None, warnings) when it cannot be used."""
    if not r.source_data or not r.source_format:
        return None, []
    from ._geometry.describe_text import GRAPH_TYPES, reading_prose

    fmt = r.source_format
    try:
        parts = _read_cached(r.source_data, fmt)
    except Exception as err:  # noqa: BLE001 - the geometry path still reads the figure
        why = f"{type(err).__name__}: {err}"
        return None, [f"embedded {fmt} source could not be read ({why}); read from the figure's "
                      + "geometry instead"]
    if not parts:
        return None, [f"embedded {fmt} source has no page; read from the figure's geometry instead"]
    part, notes = _pick(parts, r.source_part)
    d = part.diagram
    if not (d.nodes or d.messages):
        return None, [*notes, f"embedded {fmt} source part {part.part!r} has no labelled shape; "
                      + "read from the figure's geometry instead"]
    fmt = part.format  # an OLE container given as "vsd" may hold a .vsdx package, read exactly
    if fmt == "vsd" and part.connectors_drawn:
        # the labels are exact but LibreOffice drops the glue: the geometry reads the links
        return None, [*notes, f"embedded .vsd source read: {len(d.nodes)} labelled shape(s), but "
                      + "its connector glue is lost in conversion; links read from the figure's geometry"]
    if _mostly_loose(part) and (r.drawings or r.image):
        # 3GPP message charts and many Visio pages draw lines that are not glued to shapes:
        # the source knows the labels but not the links, and the figure's geometry reads more
        return None, [*notes, f"embedded {fmt} source: {part.loose_connectors} of "
                      + f"{part.connectors_drawn} connectors are not glued to shapes; read from "
                      + "the figure's geometry instead"]
    if part.format == "vsdx" and part.loose_connectors:
        # the glue says the source is the better reading; read the page as drawn, so that the
        # connectors left unglued on a shape's outline count too (no LibreOffice run: a .vsdx,
        # or the .vsdx package inside an OLE container)
        drawn = next((p for p in _read_cached(r.source_data, r.source_format, True) if p.part == part.part), None)
        if drawn is not None:
            part, d = drawn, drawn.diagram
    ftype = source_figure_type(d, r.figure_type)
    if ftype is FigureType.other and not d.messages and (r.drawings or r.image):
        # labels with no glued connector and no group: the source knows no structure, and the
        # figure's geometry may read one from the lines drawn (TS 29.244 Figure 4.1-1, two
        # protocol stacks whose peer lines Visio does not glue, came out as a label list at 1.0)
        return None, [*notes, f"embedded {fmt} source part {part.part!r} has labelled shapes "
                      + "but no glued connector or group; read from the figure's geometry instead"]
    graph = ftype in GRAPH_TYPES
    if ftype.value in _FLOW_KINDS and d.kind != ftype.value:  # the prose speaks of the type
        d = d.model_copy(update={"kind": ftype.value})
    return Description(
        text=reading_prose(ftype, d if graph else d.model_copy(update={"notes": _labels(d)}),
                           None, r.caption),
        diagram=d if graph else None, mermaid=d.to_mermaid() if graph else None,
        # (a source read exactly but with no structure in it tells labels only)
        figure_type=ftype, confidence=part.confidence if graph else min(part.confidence, 0.45),
        describer=f"{describer_id}:source-{fmt}",
        warnings=notes + [f"read from the embedded {fmt} source, part {part.part!r}"] + part.warnings,
    ), []


def _mostly_loose(part: SourceDiagram) -> bool:
    """Fewer than half of the connectors drawn on the part are glued at both ends."""
    return part.connectors_drawn > 0 and part.loose_connectors > part.connectors_drawn / 2


_CACHE: OrderedDict[tuple[str, str, bool], list[SourceDiagram] | Exception] = OrderedDict()
_CACHE_SIZE = 64


def _key(data: bytes, fmt: str, as_drawn: bool = False) -> tuple[str, str, bool]:
    return hashlib.sha256(data).hexdigest(), fmt, as_drawn


def _remember(key: tuple[str, str, bool], value: list[SourceDiagram] | Exception) -> None:
    _CACHE[key] = value
    _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def _read_cached(data: bytes, fmt: str, as_drawn: bool = False) -> list[SourceDiagram]:
    """The parts of a source, remembered for the last sources read: a multi-page file gives one
    figure per page, each carrying the whole file, and a .vsd costs a LibreOffice run."""
    from ..sources import read_source

    key = _key(data, fmt, as_drawn)
    if key not in _CACHE:
        try:
            _remember(key, read_source(data, format=fmt, name=f"embedded {fmt}", as_drawn=key[2]))
        except Exception as err:  # noqa: BLE001 - remembered too: the same source fails once
            _remember(key, err)
    value = _CACHE[key]
    if isinstance(value, Exception):
        raise value
    return value


def prefetch_sources(requests: Sequence[FigureRequest]) -> None:
    """Read the binary Visio (.vsd) sources of a batch of requests in one LibreOffice run,
    so that a spec's many embedded .vsd do not each start LibreOffice."""
    from ..sources import read_sources

    todo: dict[tuple[str, str], bytes] = {}
    for r in requests:
        if r.source_data and r.source_format == "vsd":
            key = _key(r.source_data, "vsd")
            if key not in _CACHE:
                todo[key] = r.source_data
    if len(todo) < 2:
        return  # one source: read on demand
    for key, value in zip(todo, read_sources(list(todo.values()), format="vsd")):
        _remember(key, value)


def _labels(d: Diagram) -> list[str]:
    return [n.label for n in d.nodes if n.label] + list(d.notes)
