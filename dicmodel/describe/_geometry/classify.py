"""The figure-type decision, and the entry point that reads a figure of that type.

Order of the tests (cheapest and most specific first):

1. truncated geometry -> ``other`` with a label list;
2. no geometry at all -> ``logo`` when there is little or no text, else ``other``;
3. a chart (two long axes meeting at a corner, numbers along one of them) or a table (ruled
   grids of text, :mod:`.table`) is not forced into a graph;
4. lifelines with messages -> ``sequence``;
5. otherwise the graph is recovered and typed (a few words, one half the figure tall, make
   a logo's wordmark): start/end markers or circle states with
   labelled transitions -> ``state``; boxes stacked edge to edge with no connectors ->
   ``protocol_stack``; mostly undirected links -> ``topology``; groups with few directed edges
   -> ``architecture``; directed edges -> ``flowchart``; nothing connected -> ``other``.

A caller's ``hint`` (e.g. from a caption) breaks ties: it is used when the geometry supports it.
"""

from __future__ import annotations

import re
from typing import Any

from ...diagram import Diagram, Node
from ...document import FigureType
from . import _util as U
from .calibrate import evidence
from .chart import bars_markdown, read_bars
from .describe_text import chart_prose
from .graph import GraphParts, Reading, graph_confidence, recover_graph, to_diagram
from .legend import read_key
from .nongraph import Verdict, honest_prose, judge, measure, numeric_links
from .overflow import _lines as text_lines
from .primitives import PHOTO_PALETTE, Primitives, Rect, Word
from .sequence import read_sequence
from .stacks import split_columns
from .table import table_figure, tables_prose

__all__ = [
    "build_diagram",
    "chart_axes",
    "decide_graph_kind",
    "looks_like_chart",
    "read_figure",
]

_NO_GRAPH = (FigureType.chart, FigureType.table, FigureType.photo, FigureType.logo)


def build_diagram(prims: Primitives, hint: FigureType | None = None) -> Reading:
    """Read one figure's primitives into a typed Diagram (the rules are in :mod:`.graph`),
    with the evidence the confidence calibrator weighs (:mod:`.calibrate`)."""
    reading = read_figure(prims, hint)
    reading.evidence = evidence(prims, reading)
    return reading


def read_figure(prims: Primitives, hint: FigureType | None = None) -> Reading:
    warnings = list(prims.warnings)
    if prims.truncated:
        return _label_list(prims, warnings)
    if prims.source == "raster" and prims.palette_share < PHOTO_PALETTE:
        return _plain(prims, FigureType.photo, warnings + [
            f"continuous tone: the eight commonest colours cover {round(100 * prims.palette_share)} % "
            "of the image (a photograph or a shaded rendering, not a drawing)"], 0.5)
    geometry = prims.shapes or prims.paths or prims.arrowheads
    if not geometry:
        # (a wordmark: "3GPP" over "A GLOBAL INITIATIVE" on every 3GPP cover, no strokes)
        kind = FigureType.logo if sum(len(w.text) for w in prims.words) <= 12 or _wordmark(prims) \
            else FigureType.other
        if hint in _NO_GRAPH:
            kind = hint
        return _plain(prims, kind, warnings, 0.4 if kind is FigureType.logo else 0.2)
    if hint in _NO_GRAPH:
        return _plain(prims, hint, warnings, 0.5)
    rules = _Rulings.of(prims)
    axes = chart_axes(prims, rules)
    if axes is not None:
        r = _plain(prims, FigureType.chart, warnings, 0.5)
        r.prose = chart_prose(prims, *axes)
        bars = read_bars(prims, *axes)
        if bars:  # the value column is named by the vertical axis's title, when it has one
            title = next((w.text for w in prims.words if w.vertical and w.bbox[2] <= axes[1][0]), "value")
            r.prose += (f"\n\n{len(bars)} bars (values as printed, or read against the vertical "
                        f"axis where marked '~'):\n\n{bars_markdown(bars, title)}\n")
        return r
    key = read_key(prims)
    if key:  # a figure that is only a key of symbols: what each symbol stands for
        r = _plain(prims, FigureType.other, warnings, 0.8)
        r.diagram.notes = [f"{sym}: {text}" for sym, text in key]
        r.prose = ("A key to the symbols of the figures: "
                   + "; ".join(f'{sym} stands for "{text}"' for sym, text in key) + ".")
        return r
    tables = table_figure(prims)
    if tables:
        r = _plain(prims, FigureType.table, warnings, 0.5)
        r.prose = tables_prose(prims, tables)
        return r
    seq = _read_sequence(prims)
    if seq is not None and _good_sequence(seq):
        conf = _sequence_confidence(seq)
        if not any(n.label for n in seq.nodes):
            conf = min(conf, 0.45)
            warnings.append("participants not named in the figure (a chart cut under its header "
                            "row): named by their order from the left")
        return Reading(diagram=seq, figure_type=FigureType.sequence, confidence=conf,
                       warnings=warnings)
    parts = recover_graph(prims)
    warnings += parts.warnings
    kind = FigureType.logo if _wordless_art(prims, parts) or _wordmark(prims) \
        else decide_graph_kind(parts, hint)
    if kind is FigureType.logo:
        return _plain(prims, kind, warnings, 0.4)
    verdict = _verdict(prims, parts, kind)
    if verdict.figure_type is not None:  # boxes and lines, but not a graph: say what it is
        r = _plain(prims, verdict.figure_type, warnings + [f"not read as a graph: {verdict.reason}"], 0.3)
        boxes = _along_axis(parts) if verdict.along else None
        r.prose = honest_prose(verdict.figure_type, prims.words, verdict.reason, verdict.what, boxes)
        return r
    warnings += [f"low confidence: {d}" for d in verdict.doubts]
    if kind is FigureType.protocol_stack:
        split_columns(parts, prims)  # two stacks in one node's box, each under its heading
    diagram = to_diagram(parts, _DIAGRAM_KIND[kind])
    cap = verdict.cap
    if kind is FigureType.other:  # no graph to tell: its prose gives every text block instead
        diagram.notes = _texts(prims)
        cap = min(cap, 0.45)  # "its structure could not be read" is no confident reading
        paragraphs = _text_panel(prims, parts)
        if paragraphs:
            diagram.notes = paragraphs
            return Reading(diagram=diagram, figure_type=kind, parts=parts, confidence=cap,
                           warnings=warnings + ["a text panel: its sentences, not a diagram"],
                           prose="A text panel, not a diagram; it reads: "
                                 + " ".join(f'"{t}"' for t in paragraphs))
    if kind is FigureType.protocol_stack:
        _order_layers(diagram, parts)
    if parts.n_loose:
        warnings.append(f"{parts.n_loose} connector(s) with a loose end were dropped")
    return Reading(diagram=diagram, figure_type=kind, parts=parts,
                   confidence=min(graph_confidence(parts), cap), warnings=warnings)


def _along_axis(parts: GraphParts) -> list[tuple[Rect, str]] | None:
    """The labelled boxes of a chart, left to right (its axis titles are text-only nodes)."""
    boxes = sorted((n for n in parts.nodes if n.words and not (n.is_group or n.note or n.text_only)),
                   key=lambda n: (U.center(n.bbox)[0], n.bbox[1]))
    if len(boxes) < 2:
        return None
    return [(n.bbox, U.block_text(n.words)) for n in boxes]


def _verdict(prims: Primitives, parts: GraphParts, kind: FigureType | None = None) -> Verdict:
    # (a reference point's far end is no element of the figure: it carries no label)
    nodes = [n for n in parts.nodes if not n.is_group and not n.note and n.kind != "external"]
    attached = parts.n_words_used / parts.n_words if parts.n_words else 1.0
    f = measure(prims, nodes, parts.edges, attached, _named_links(parts),
                numeric_links(parts.nodes, parts.edges))
    linked = {k for e in parts.edges for k in e[:2]}
    # (a legend's entries and callouts are no part of the graph: nothing should reach them;
    # nor do lines join the layers of one protocol stack)
    if kind is not FigureType.protocol_stack:
        f.lonely = sum(1 for k, n in enumerate(parts.nodes) if k not in linked and n.words
                       and not n.is_group and not n.note and n.kind != "external"
                       and n.parent is None and not n.legend and n.on_link is None)
    return judge(f)


def _named_links(parts: GraphParts) -> float:
    """The share of the connections with a labelled element (or a marker) at one end at least."""
    if not parts.edges:
        return 1.0
    named = [bool(n.words or n.marker) for n in parts.nodes]
    return sum(1 for s, t, _c, _lab in parts.edges if named[s] or named[t]) / len(parts.edges)


_DIAGRAM_KIND = {FigureType.flowchart: "flowchart", FigureType.state: "state",
                 FigureType.topology: "topology", FigureType.architecture: "architecture",
                 FigureType.protocol_stack: "protocol_stack", FigureType.other: "other",
                 FigureType.sequence: "flowchart"}


# ---- non-graph figures --------------------------------------------------------------------------

def _text_panel(prims: Primitives, parts: GraphParts) -> list[str] | None:
    """The paragraphs of a figure that is sentences in a frame (an RFC's requirement box, a
    slide's bullet panel), in reading order: lines top to bottom, words left to right, a new
    paragraph where the gap between lines is wider than a line. None unless one frame holds
    the text, nothing is connected, most words stand in lines of five words or more, the
    words of a line follow each other, and some sentence runs on over a line. (Grouped into
    blocks, the bold MUSTs of RFC 9293's boxes tore each sentence into pieces out of order.)"""
    words = [w for w in prims.words if not w.vertical]

    def count(ws: list[Word]) -> int:  # (a vector "word" is a span: count its words)
        return sum(len(w.text.split()) for w in ws)
    # (one frame round the text, no lines, no second box: the labels of a chart whose
    # arrows went unread are no panel)
    frames = [n for n in parts.nodes if not n.note]
    if count(words) < 12 or parts.edges or len(prims.paths) > 2 or len(frames) != 1 or \
            sum(1 for w in words if U.inside(U.center(w.bbox), frames[0].bbox)) < 0.9 * len(words):
        return None
    h = max(1.0, U.median_height(words))
    lines = text_lines(words)
    if sum(count(ln) for ln in lines if count(ln) >= 5) < 0.6 * count(words) or len(lines) < 2:
        return None
    for ln in lines:
        ln.sort(key=lambda w: w.bbox[0])
        # words of a sentence follow each other; labels of boxes in a row stand apart
        if any(b.bbox[0] - a.bbox[2] > 1.5 * h for a, b in zip(ln, ln[1:])):
            return None
    paragraphs: list[list[str]] = []
    bottom = None
    for ln in lines:
        top = min(w.bbox[1] for w in ln)
        if bottom is None or top - bottom > 1.0 * h:
            paragraphs.append([])
        paragraphs[-1].append(" ".join(w.text for w in ln))
        bottom = max(w.bbox[3] for w in ln)
    if all(len(p) == 1 for p in paragraphs):  # sentences run on over lines; a list of
        return None                             # one-line labels is no panel
    return [" ".join(p) for p in paragraphs]


def _texts(prims: Primitives) -> list[str]:
    return [U.block_text(b) for b in U.text_blocks(prims.words)]


def _plain(prims: Primitives, kind: FigureType, warnings: list[str], conf: float) -> Reading:
    d = Diagram(kind="other", notes=_texts(prims))
    return Reading(diagram=d, figure_type=kind, confidence=conf, warnings=warnings)


def _label_list(prims: Primitives, warnings: list[str]) -> Reading:
    d = Diagram(kind="other", notes=_texts(prims))
    return Reading(diagram=d, figure_type=FigureType.other, confidence=0.1, warnings=warnings)


def _long_lines(prims: Primitives, horizontal: bool, frac: float) -> list[tuple[float, float, float]]:
    """Straight axis-parallel strokes longer than ``frac`` of the figure: (pos, start, end)."""
    out = []
    span = prims.width if horizontal else prims.height
    for p in prims.paths:
        for k in range(len(p.points) - 1):
            a, b = p.points[k], p.points[k + 1]
            if horizontal and abs(a[1] - b[1]) < 0.8 and abs(a[0] - b[0]) >= frac * span:
                out.append((a[1], min(a[0], b[0]), max(a[0], b[0])))
            if not horizontal and abs(a[0] - b[0]) < 0.8 and abs(a[1] - b[1]) >= frac * span:
                out.append((a[0], min(a[1], b[1]), max(a[1], b[1])))
    for s in prims.shapes:  # ruling drawn as boxes (table cells, grid rectangles)
        x0, y0, x1, y1 = s.bbox
        if s.kind == "rect":
            if horizontal and x1 - x0 >= frac * span:
                out += [(y0, x0, x1), (y1, x0, x1)]
            if not horizontal and y1 - y0 >= frac * span:
                out += [(x0, y0, y1), (x1, y0, y1)]
    return out


class _Rulings:
    """The figure's axis-parallel strokes at least a fifth of its width (height) long, found
    once: the chart, table and record tests each want a different minimum length."""

    _MIN = 0.2

    def __init__(self, prims: Primitives) -> None:
        self.h = _long_lines(prims, True, self._MIN)
        self.v = _long_lines(prims, False, self._MIN)
        self.width, self.height = prims.width, prims.height

    @classmethod
    def of(cls, prims: Primitives, given: _Rulings | None = None) -> _Rulings:
        return given if given is not None else cls(prims)

    def longer(self, horizontal: bool, frac: float) -> list[tuple[float, float, float]]:
        """Those at least ``frac`` (>= 0.2) of the figure's width (horizontal) or height."""
        lines, span = (self.h, self.width) if horizontal else (self.v, self.height)
        return [ln for ln in lines if ln[2] - ln[1] >= frac * span]


def _numeric(text: str) -> bool:
    t = text.replace(",", "").replace("%", "").replace(".", "", 1).replace("-", "", 1).strip()
    return t.isdigit()


Axis = tuple[float, float, float]


def chart_axes(prims: Primitives, rules: _Rulings | None = None) -> tuple[Axis, Axis] | None:
    """(x axis, y axis) when two long axes meet at the bottom-left with three numbers along one."""
    rules = _Rulings.of(prims, rules)
    hs = rules.longer(True, 0.5)
    vs = rules.longer(False, 0.5)
    if not hs or not vs or len(prims.arrowheads) > 2:
        return None
    nums = [w for w in prims.words if _numeric(w.text)]
    for y, x0, x1 in hs:
        for x, y0, y1 in vs:
            if abs(x - x0) < 4 and abs(y - y1) < 4:  # an L at the bottom-left
                left = [w for w in nums if w.bbox[2] <= x + 2]
                below = [w for w in nums if w.bbox[1] >= y - 2]
                if len(left) >= 3 or len(below) >= 3:
                    return (y, x0, x1), (x, y0, y1)
    return None


def looks_like_chart(prims: Primitives) -> bool:
    return chart_axes(prims) is not None


# ---- graph kinds --------------------------------------------------------------------------------

def _read_sequence(prims: Primitives) -> Diagram | None:
    """The sequence reading of the general primitives, or of a raster figure's level strokes
    read straight from the ink (``raster/level.py``) when that finds clearly more messages."""
    seq = read_sequence(prims)
    if prims.level is None:
        return seq
    alt = read_sequence(prims.level)
    if alt is None or not _good_sequence(alt):
        return seq
    # the general reading, where it holds, is the better one unless the level strokes find
    # clearly more (a frame's dotted divider with a stray head should not tip the balance)
    n = len(seq.messages) if seq is not None and _good_sequence(seq) else -1
    if len(alt.messages) > n + max(1.0, 0.2 * n):
        return alt
    # ... or the same participants and more, with no fewer messages: a dashed lifeline the
    # general tracing broke up (PlantUML's actor 'User' at the left edge and its message)
    if n >= 0 and len(alt.messages) >= n:
        mine = {x.label for x in seq.nodes if x.label}
        theirs = {x.label for x in alt.nodes if x.label}
        if mine < theirs:
            return alt
    return seq


def _good_sequence(d: Diagram) -> bool:
    named = sum(1 for n in d.nodes if n.label)
    # a call flow has messages between participants: only self-messages (a table's column
    # rules, or the vertical links of an architecture under its device icons read as lifelines,
    # each "message" a label beside one) is no call flow. Three between suffice: a raster
    # reading can add many spurious self-messages to a real call flow
    between = sum(1 for m in d.messages if m.source != m.target)
    # participants all unnamed: a chart cut under its header row (sequence._cut_under_header),
    # kept when two or more messages run between them
    unnamed = named == 0 and between >= 2
    if not d.messages:  # named lifelines with procedure steps across them (sequence._steps_only)
        return named >= 2 and bool(d.notes)
    return len(d.nodes) >= 2 and (named >= 2 or unnamed) and \
        between >= min(3, max(1, 0.4 * len(d.messages)))


def _sequence_confidence(d: Diagram) -> float:
    named = sum(1 for n in d.nodes if n.label) / max(1, len(d.nodes))
    texted = sum(1 for m in d.messages if m.text) / max(1, len(d.messages))
    return round(min(0.95, 0.35 + 0.3 * named + 0.3 * texted), 3)


def _stacked(parts: GraphParts) -> list[int]:
    """Indices of boxes that form one vertical stack (same column, edge to edge), top first."""
    boxes = [k for k, n in enumerate(parts.nodes) if not n.is_group and n.words
             and n.kind in ("rect", "round_rect")]
    boxes.sort(key=lambda k: parts.nodes[k].bbox[1])
    best: list[int] = []
    for start in range(len(boxes)):
        run = [boxes[start]]
        for k in boxes[start + 1:]:
            a, b = parts.nodes[run[-1]].bbox, parts.nodes[k].bbox
            overlap = min(a[2], b[2]) - max(a[0], b[0])
            gap = b[1] - a[3]
            if overlap >= 0.8 * min(a[2] - a[0], b[2] - b[0]) and -1.5 <= gap <= 6:
                run.append(k)
        if len(run) > len(best):
            best = run
    return best


def _wordless_art(prims: Primitives, parts: GraphParts) -> bool:
    """No text at all (lettering drawn as outlines, a seal, a wordmark) and either small, like
    a logo on a cover page, or shapes that hardly connect: artwork, not a diagram. A large
    unlabelled network with many links is still read as a graph."""
    if prims.words or prims.source != "vector":
        return False  # a raster figure without words may just be one OCR could not read
    nodes = [n for n in parts.nodes if not n.is_group]
    small = max(prims.width, prims.height) <= 160.0
    return small or len(parts.edges) <= 0.2 * len(nodes)


def _wordmark(prims: Primitives) -> bool:
    """A few words, one of them at least half the figure's height: lettering that big is a
    logo's wordmark ("3GPP", "5G"), not a diagram's label (a one-row drawing's labels fill a
    third of its height, inside their boxes)."""
    if not prims.words or len(prims.words) > 6:
        return False
    tallest = max(w.bbox[3] - w.bbox[1] for w in prims.words if not w.vertical) \
        if any(not w.vertical for w in prims.words) else 0.0
    return tallest >= prims.height / 2


def _peer_layers(parts: GraphParts) -> bool:
    """Two or more protocol stacks side by side whose links all join a layer to its peer: the
    box of the same name in another stack (NAS to NAS, RRC to RRC; 3GPP's protocol stack
    figures). The stacks are the groups the boxes sit in, or their columns."""
    if len(parts.edges) < 2:
        return False
    peers = 0
    for s, t, _c, _lab in parts.edges:
        a, b = parts.nodes[s], parts.nodes[t]
        same = _name(a) == _name(b) != ""
        apart = (a.parent != b.parent if a.parent is not None or b.parent is not None
                 else a.bbox[2] < b.bbox[0] or b.bbox[2] < a.bbox[0])
        peers += same and apart
    return peers >= 0.8 * len(parts.edges)


def _name(n: Any) -> str:
    return " ".join((n.label or U.block_text(n.words)).split()).lower()


def decide_graph_kind(parts: GraphParts, hint: FigureType | None = None) -> FigureType:
    nodes = [n for n in parts.nodes if not n.is_group and not n.note]
    edges = parts.edges
    if _peer_layers(parts):
        return FigureType.protocol_stack
    markers = sum(1 for n in nodes if n.marker in ("start", "end"))
    if 0 < len(edges) <= max(1, 0.2 * len(nodes)):  # a stack with a peer arrow above it
        stack = _stacked(parts)
        if len(stack) >= 4 and len(stack) >= 0.6 * len(nodes):
            return FigureType.protocol_stack
    if not edges:
        stack = _stacked(parts)
        if len(stack) >= 3 and len(stack) >= 0.6 * len(nodes):
            return FigureType.protocol_stack
        if not nodes:
            return FigureType.logo if len(parts.notes) <= 1 else FigureType.other
        if any(n.rows for n in nodes):
            return FigureType.architecture  # classes / entities without relations: a data model
        if any(n.is_group for n in parts.nodes) and len(nodes) >= 3:
            return FigureType.architecture
        return hint if hint in (FigureType.architecture, FigureType.protocol_stack,
                                FigureType.topology) else FigureType.other
    directed = sum(1 for _, _, c, _ in edges if c.arrow_start or c.arrow_end)
    labelled = sum(1 for *_, lab in edges if lab)
    circles = sum(1 for n in nodes if n.kind == "circle" or (n.marker == "double"
                                                             and n.kind in ("circle", "ellipse")))
    if hint in (FigureType.flowchart, FigureType.state, FigureType.topology,
                FigureType.architecture):
        return hint
    # device pictures (routers, hosts drawn as icons) joined by links: a network drawing,
    # whatever stray dot passes for a start marker
    if sum(1 for n in nodes if n.kind == "icon") >= max(2, 0.4 * len(nodes)):
        return FigureType.architecture if any(n.is_group for n in parts.nodes) else FigureType.topology
    if markers and directed:
        return FigureType.state
    if circles >= 0.5 * len(nodes) and directed >= 0.8 * len(edges) and labelled >= 0.5 * len(edges):
        return FigureType.state
    # named ellipses joined by labelled arrows, a labelled arrow looping back to its own
    # ellipse, no decision: states and their triggers (3GPP TS 24.301's state overviews; a
    # flowchart's ovals are its few terminators, and its steps do not loop to themselves)
    ovals = sum(1 for n in nodes if n.kind == "ellipse" and n.words)
    if (ovals + circles >= 0.5 * len(nodes) and directed >= 0.8 * len(edges)
            and labelled >= 0.5 * len(edges) and not any(n.kind == "diamond" for n in nodes)
            and any(s == t and lab for s, t, _, lab in edges)):
        return FigureType.state
    if directed <= 0.3 * len(edges):
        # decisions (named diamonds whose branches say yes / no) make a flowchart even where
        # its small heads were not seen (the DCAE workflow PNG: "network topology ... via NO")
        if any(n.kind == "diamond" and n.words for n in nodes) and sum(
                1 for *_, lab in edges if _BRANCH.fullmatch(lab.strip().lower())) >= 2:
            return FigureType.flowchart
        return FigureType.topology
    if any(n.is_group for n in parts.nodes) and directed < 0.5 * len(edges):
        return FigureType.architecture
    if _network_like(nodes, edges):  # arrows between devices over interfaces: a topology
        return FigureType.architecture if any(n.is_group for n in parts.nodes) else FigureType.topology
    return FigureType.flowchart


_BRANCH = re.compile(r"yes|no|true|false|ok|nok|success|fail(?:ure)?")  # a decision's branches
# interface, port, protocol and 3GPP reference-point names that label links, not conditions
_LINK_LABEL = re.compile(
    r"^(?:(?i:(?:eth|ens|eno|enp|ge|xe|et|gi|fa|te|hu|lo|wlan|port|p|if|bond|veth|vlan|tun)"
    r"[-_/]?\d[\w/.:-]*)|(?:\d{1,3}\.){3}\d{1,3}(?:/\d+)?|[0-9a-fA-F:]+::?[0-9a-fA-F:]*/\d+|"
    r"(?:N|S|X|F|E|PC|Nx|Iu|Nn|Sx)\d+[a-z]?(?:-[A-Za-z]+)?|Xn|Uu|Iub|Iur|Gn|Gp|SGi|NG|Gx|Gy|Rx|"
    r"(?i:BGP|OSPF|IS-IS|RIP|LDP|MPLS|VXLAN|GRE|IPsec|GTP(?:-[UC])?|SCTP|HTTP/?2?|TCP|UDP|PFCP|"
    r"VLAN\s*\d*|trunk|uplink|downlink|WAN|LAN|SBI))$")
# words naming network elements and devices
_DEVICE = re.compile(
    r"(?i)\b(?:router|switch|server|host|firewall|gateway|gw|load ?balancer|spine|leaf|hub|"
    r"modem|access point|ap|bridge|nat|proxy|ue|gnb|enb|ng-enb|amf|smf|upf|mme|sgw|pgw|hss|"
    r"udm|pcf|nrf|ausf|nssf|nef|cu|du|ru|core|internet|cloud|dn|pe|ce|bng|olt|onu|dns|dhcp|"
    r"r\d+|sw\d+|h\d+|s\d+|pe\d+|ce\d+|rr\d*)\b")


def _network_like(nodes: list[Any], edges: list[Any]) -> bool:
    """Directed links that are network connections rather than control flow: no decision
    diamonds or start/end markers, and either most link labels name an interface, port,
    address or protocol (eth0, ge-0/0/1, N2, BGP) or most named nodes are devices or
    network functions with at least one such link label."""
    if any(n.kind == "diamond" or n.marker for n in nodes):
        return False
    labels = [lab.strip() for *_, lab in edges if lab and lab.strip()]
    linkish = sum(1 for lab in labels if _LINK_LABEL.match(lab))
    named = [n.label or U.block_text(n.words) for n in nodes]
    named = [t for t in named if t]
    devices = sum(1 for t in named if _DEVICE.search(t))
    if labels and linkish >= 0.5 * len(labels):
        return True
    return linkish >= 1 and len(named) >= 2 and devices >= 0.6 * len(named)


def _order_layers(d: Diagram, parts: GraphParts) -> None:
    """Protocol stack: the boxes top to bottom become the node order, a peer box drawn above
    the stack (the PDUs an arrow joins to its top layer) first; within the stack, its order."""
    stack = [parts.nodes[k].id for k in _stacked(parts)]
    rank = {nid: i for i, nid in enumerate(stack)}
    top = {n.id: n.bbox[1] for n in parts.nodes}
    first = min((top[i] for i in stack), default=0.0)
    d.nodes.sort(key=lambda n: (top.get(n.id, first) >= first, rank.get(n.id, len(rank)),
                                top.get(n.id, first)))
    if not d.nodes:
        d.nodes = [Node(id="n1")]
