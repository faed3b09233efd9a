"""Figures that are not graphs, told apart from graphs by measurable features.

The graph engine finds boxes and lines in anything: a TDD slot chart became "0.5ms slot leads
to 0.5ms slot", a drawing shaded with gradients "68 elements and 1074 connections". Before a
recovered graph is typed, these features of the figure and of the graph are measured:

- ``tick_axis``: a long horizontal rule with four or more numbers in a row just under it (a
  timeline's or a chart's axis with tick labels);
- ``numeric_share``: the share of the figure's words that are numbers or quantities
  ("0.5ms", "10 MHz", "25%");
- ``slot_row``: the longest row of boxes that touch side by side, and the share of those
  with a label of at most three characters (the D/U/S slots of a TDD pattern, a bit field);
- ``fills``: filled, unstroked shapes and their distinct colours (gradient shading is drawn
  as many bands of slightly different colour);
- ``edge_ratio``: connections per element;
- ``text_attached``: the share of the words that ended up in a node or on an edge;
- ``labelled``: the share of the elements that carry text (icons drawn from many shapes
  give dozens of unlabelled elements);
- ``self_loops``: connections from an element back to itself (a call flow whose lifelines
  were not found reads its messages as loops); a labelled curve drawn out and back, a state's
  self-transition, is no such doubt;
- ``named_links``: the share of the connections with a labelled element (or a marker) at
  one end at least: a graph of "an unlabelled box connects to an unlabelled ellipse" says
  nothing (device icons drawn from many shapes, their names beside them, not on them);
- ``spans``: dimension lines (arrowheads at both ends resting on extension lines) and
  ``arrow_axes``: two axes with arrowheads meeting at the bottom-left;
- ``numeric_links``: the share of the connections whose two ends are labelled by numbers (the
  dimension arrows of a time-frequency grid, "192 <-> 239", read as links);
- ``time_lanes``: a time axis (a long line with an arrowhead at its right end only) with lines
  as long beside it, each named at its left: a timing chart, see :mod:`.chart`.

:func:`judge` turns them into a verdict: a figure type that is not a graph (``chart`` or
``other`` for an illustration) with the reason, or a confidence cap with the reason when the
graph is kept but doubtful. Thresholds are conservative: a real diagram rarely has a row of
touching boxes, a numbered axis, bands of fills or four connections per element.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ...document import FigureType
from . import _util as U
from .chart import TimeLanes, arrow_axes, span_markers, time_lanes
from .primitives import Primitives, Rect, Word

__all__ = ["Features", "Verdict", "honest_prose", "judge", "measure", "numeric_links"]

_QUANTITY = re.compile(r"^[-+~]?\d+(?:[.,:]\d+)*\s*(?:%|ms|us|µs|ns|s|min|h|hz|khz|mhz|ghz|db|dbm|"
                       r"kb|mb|gb|kbps|mbps|gbps|x|k|m)?$", re.IGNORECASE)


def _is_number(text: str) -> bool:
    return bool(_QUANTITY.match(text.strip()))


@dataclass
class Features:
    tick_axis: int = 0  # numbers under the best long horizontal rule
    numeric_share: float = 0.0
    n_words: int = 0
    slot_row: int = 0  # boxes touching side by side in the longest such row
    slot_short: float = 0.0  # share of that row's boxes with a label of <= 3 characters
    fills: int = 0
    fill_colours: int = 0
    nodes: int = 0
    edges: int = 0
    text_attached: float = 1.0
    labelled: float = 1.0  # share of the elements that carry text (or are markers)
    self_loops: int = 0  # connections from an element back to itself
    named_links: float = 1.0  # share of the connections with a labelled element at an end
    spans: int = 0  # dimension lines marking a duration or a bandwidth
    arrow_axes: bool = False  # two axes with arrowheads meeting at the bottom-left
    time_lanes: TimeLanes | None = None  # a time axis with named lanes beside it
    numeric_links: float = 0.0  # share of the connections whose two ends are labelled by numbers
    lonely: int = 0  # named elements in no container that no connection reaches
    repeats: int = 0  # the most connections between one pair of elements


@dataclass
class Verdict:
    figure_type: FigureType | None = None  # set: not a graph; None: keep the graph
    reason: str = ""
    cap: float = 1.0  # confidence cap for a graph that is kept
    doubts: list[str] = field(default_factory=list)
    what: str = ""  # how the prose names a figure that is not read as a graph ("" by its type)
    along: bool = False  # its boxes stand along a horizontal axis: say them left to right


def _drawn_loop(pts: list) -> bool:
    """A connector drawn out and back: its path at least 1.4 times as long as the gap between its
    ends (a message line read between two points of one element is straight)."""
    return len(pts) >= 3 and U.poly_len(pts) >= 1.4 * U.dist(pts[0], pts[-1]) + 1.0


def measure(prims: Primitives, nodes: list, edges: list, words_used: float,
            named_links: float = 1.0, numeric_links: float = 0.0) -> Features:
    """The features of a figure and of the graph read from it (``nodes`` without groups)."""
    f = Features(nodes=len(nodes), edges=len(edges), text_attached=words_used,
                 named_links=named_links, numeric_links=numeric_links)
    f.n_words = len(prims.words)
    f.self_loops = sum(1 for e in edges if e[0] == e[1] and not (e[3] and _drawn_loop(e[2].points)))
    pairs = Counter(frozenset(e[:2]) for e in edges if e[0] != e[1])
    f.repeats = max(pairs.values(), default=0)
    if nodes:
        f.labelled = sum(1 for n in nodes if n.words or n.marker) / len(nodes)
    if f.n_words:
        f.numeric_share = sum(1 for w in prims.words if _is_number(w.text)) / f.n_words
    f.tick_axis = _tick_axis(prims)
    f.spans = span_markers(prims)
    f.arrow_axes = arrow_axes(prims)
    f.time_lanes = time_lanes(prims)
    f.slot_row, f.slot_short = _slot_row(nodes)
    filled = [s for s in prims.shapes if s.filled and not s.stroked and s.fill is not None]
    f.fills = len(filled)
    f.fill_colours = len({tuple(round(c, 2) for c in s.fill) for s in filled})  # type: ignore[union-attr]
    return f


def numeric_links(nodes: list, edges: list) -> float:
    """The share of the connections both of whose ends (indices into ``nodes``) are free text
    starting with a number (no outline drawn round it: numbered states or steps in circles
    stay a graph)."""
    if not edges:
        return 0.0

    def numeric(k: int) -> bool:
        words = U.block_text(nodes[k].words).split()
        return nodes[k].text_only and bool(words) and _is_number(words[0])
    return sum(1 for e in edges if numeric(e[0]) and numeric(e[1])) / len(edges)


def _tick_axis(prims: Primitives) -> int:
    """Most numbers lying in one row just under a horizontal rule spanning 60 % of the width."""
    h = U.median_height(prims.words)
    nums = [w for w in prims.words if _is_number(w.text)]
    best = 0
    for p in prims.paths:
        for a, b in zip(p.points, p.points[1:]):
            if abs(a[1] - b[1]) > 0.8 or abs(a[0] - b[0]) < 0.6 * prims.width:
                continue
            y, x0, x1 = a[1], min(a[0], b[0]), max(a[0], b[0])
            under = [w for w in nums if y - 2 <= w.bbox[1] <= y + 2.5 * h
                     and x0 - h <= U.center(w.bbox)[0] <= x1 + h]
            best = max(best, len(under))
    return best


def _slot_row(nodes: list) -> tuple[int, float]:
    """The longest run of boxes side by side that touch (gap <= 2 pt, same top and bottom)."""
    boxes = sorted((n for n in nodes if n.kind in ("rect", "round_rect") and not n.is_group),
                   key=lambda n: n.bbox[0])
    best: list = []
    for i, start in enumerate(boxes):
        run = [start]
        for n in boxes[i + 1:]:
            a, b = run[-1].bbox, n.bbox
            if -1.0 <= b[0] - a[2] <= 2.0 and abs(a[1] - b[1]) <= 2.0 and abs(a[3] - b[3]) <= 2.0:
                run.append(n)
        if len(run) > len(best):
            best = run
    if not best:
        return 0, 0.0
    short = sum(1 for n in best if 0 < len(U.block_text(n.words).replace(" ", "")) <= 3)
    return len(best), short / len(best)


def judge(f: Features) -> Verdict:
    """Not a graph (with the reason), or a confidence cap for a doubtful one."""
    if f.tick_axis >= 4:
        return Verdict(FigureType.chart, f"an axis with {f.tick_axis} numeric tick labels")
    if f.arrow_axes:
        return Verdict(FigureType.chart, "two axes with arrowheads meet at the bottom-left corner",
                       along=True)
    if f.time_lanes and f.edges <= max(2.0, 0.3 * f.nodes):
        t = f.time_lanes
        axis = f' "{t.axis}"' if t.axis else ""
        lanes = ", ".join(f'"{n}"' for n in t.lanes)
        return Verdict(FigureType.chart, f"a long line with an arrowhead at one end only (a time "
                                         f"axis{axis}) and lines as long beside it, each named at its "
                                         f"left ({len(t.lanes)} lanes)",
                       what=f"A timing chart with the lanes {lanes} along the time axis{axis},")
    if f.edges >= 2 and f.numeric_links >= 0.75:
        return Verdict(FigureType.chart, f"{round(100 * f.numeric_links)} % of its {f.edges} "
                                         "connections run between numbers (spans along a numbered axis)")
    if f.spans and f.edges <= max(1.0, 0.3 * f.nodes):
        return Verdict(FigureType.chart, f"{f.spans} dimension line(s) mark a span between extension "
                                         f"lines, and {f.edges} connection(s) join {f.nodes} elements "
                                         "(a timing or frequency chart)")
    if f.slot_row >= 6 and f.slot_short >= 0.6:
        return Verdict(FigureType.chart, f"a row of {f.slot_row} adjacent slots with short labels "
                                         "(a slot chart or timeline)")
    # (a network with no text at all has nothing better to tell than its wiring: kept)
    if f.edges >= 5 and f.named_links < 0.1 and f.n_words:
        return Verdict(FigureType.other, f"none of its {f.edges} connections reaches a labelled "
                                         "element (icons whose names stand beside them?)",
                       what="A diagram whose links could not be read,")
    # most links between two unnamed elements, most elements unnamed: "an unlabelled box
    # connects to an unlabelled box" three times over tells a reader nothing (NIST SP 800-207
    # Figure 8: people and routers round a cloud, their links read between the pictures)
    if f.edges >= 4 and f.named_links < 0.5 and f.labelled < 0.5 and f.n_words:
        blind = round(f.edges * (1 - f.named_links))
        return Verdict(FigureType.other, f"{blind} of its {f.edges} connections join two unlabelled "
                                         "elements (pictures whose names stand beside them?)",
                       what="A diagram whose links could not be read,")
    if f.edges >= 30 and f.edges > 4 * max(1, f.nodes):
        return Verdict(FigureType.other, f"{f.edges} connections among {f.nodes} elements "
                                         "(an illustration, not a network)")
    shaded = f.fills >= 40 and f.fill_colours >= 12 and f.fills >= 2 * max(1, f.edges)
    if shaded and f.text_attached < 0.5:  # (labels inside shapes: shaded device icons)
        return Verdict(FigureType.other, f"{f.fills} filled shapes in {f.fill_colours} colours "
                                         "(a shaded illustration)")
    # (a call flow's numbered step discs make half of a short label list numbers: need more)
    if f.n_words >= 8 and f.numeric_share >= 0.6 and f.edges == 0:
        return Verdict(FigureType.chart, f"{round(100 * f.numeric_share)} % of the labels are "
                                         "numbers and nothing is connected")
    v = Verdict()
    if f.n_words >= 10 and f.text_attached < 0.35:
        v.cap = 0.45
        v.doubts.append(f"only {round(100 * f.text_attached)} % of the text belongs to an element "
                        "or a connection")
    if shaded:
        v.cap = 0.45
        v.doubts.append(f"{f.fills} filled shapes in {f.fill_colours} colours: shaded icons or "
                        "artwork read as elements")
    if f.nodes >= 5 and f.labelled < 0.4:  # (ten or more under 30 % falls in it too)
        v.cap = min(v.cap, 0.45)
        v.doubts.append(f"only {round(100 * f.labelled)} % of the {f.nodes} elements carry a label "
                        "(icons or artwork drawn from many shapes?)")
    if f.edges and f.self_loops >= max(1, 0.5 * f.edges):
        v.cap = min(v.cap, 0.45)
        v.doubts.append(f"{f.self_loops} of {f.edges} connections loop back to their own element "
                        "(messages between lifelines that were not found?)")
    if f.nodes >= 6 and f.lonely >= 0.6 * f.nodes:
        v.cap = min(v.cap, 0.45)
        v.doubts.append(f"{f.lonely} of the {f.nodes} elements are joined to nothing and held by "
                        "nothing (the links between them were not read?)")
    if f.repeats >= 4:
        v.cap = min(v.cap, 0.45)
        v.doubts.append(f"{f.repeats} connections join the same two elements (lines of a bundle "
                        "or a brace read one by one?)")
    if f.numeric_share >= 0.4 and f.n_words >= 6:
        v.cap = min(v.cap, 0.45)
        v.doubts.append(f"{round(100 * f.numeric_share)} % of the labels are numbers")
    return v


def honest_prose(kind: FigureType, words: list[Word], reason: str, what: str = "",
                 boxes: list[tuple[Rect, str]] | None = None) -> str:
    """What can be read, and what the figure is not (``what`` names it; by default by its type).
    ``boxes`` (box, label), left to right, are said in that order before the other labels
    (a bandwidth-part chart: which part follows which along the time axis)."""
    what = what or ("A chart" if kind is FigureType.chart else "An illustration")
    if boxes:
        rest = [w for w in words if not any(U.inside(U.center(w.bbox), b) for b, _ in boxes)]
        others = _quoted([U.block_text(b) for b in U.text_blocks(rest)])
        order = _quoted([label for _, label in boxes])
        return (f"{what} with, left to right along its horizontal axis: {order}"
                + (f"; its other labels: {others}" if others else "")
                + f". It is not read as a diagram: {reason}.")
    shown = _quoted([U.block_text(b) for b in U.text_blocks(words)])
    labels = f" with labels: {shown}" if shown else " with no readable labels"
    return f"{what}{labels}. It is not read as a diagram: {reason}."


def _quoted(texts: list[str], most: int = 60) -> str:
    """'"a"; "b"' for the first ``most`` texts, then how many more there are."""
    return "; ".join(f'"{t}"' for t in texts[:most]) + (f" and {len(texts) - most} more"
                                                      if len(texts) > most else "")
