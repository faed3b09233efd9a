"""The engine: :class:`Primitives` -> :class:`Diagram` (nodes, groups, edges, labels).

Both extractors feed it, so the rules speak only of shapes, open paths, arrowheads and words:

1. Shapes are cleaned (a fill and a stroke of the same outline become one shape; concentric
   circles become a double circle or an end marker; a small filled circle without text is a
   start marker; fill-only boxes that a connector runs through are edge-label backgrounds).
2. A shape that contains other shapes is a group; the others are nodes. Words inside a node
   are its label (lines top to bottom).
3. Open paths are connectors: arrowheads are glued to the path end they touch, paths that meet
   end to end away from any node are joined (so polylines drawn as segments are followed, while
   crossing edges stay apart), and each end is snapped to the node whose outline it touches
   (the arrowhead tip counts). An end that touches nothing may land on a free label, which
   then becomes a text-only node; otherwise the edge is dropped with a "loose end" warning.
4. Free text: a block at the top edge of a group is the group's label; a block beside a
   connector is that edge's label; the rest is kept as notes with a warning.

The kind of figure (sequence, state, topology, ...) is decided in :mod:`.classify`, which also
holds the entry point ``build_diagram`` (this module never imports it: data flows one way);
sequence diagrams are read by :mod:`.sequence`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from ...diagram import Diagram, Edge, Group, Node, split_stereotype
from ...document import FigureType
from . import _util as U
from .chords import straight_chords
from .leaders import leader_lines, tick_crossings
from .legend import Legend, colour_name, find_legend
from .linetext import pierced_words, runs_through
from .overflow import claim_overflow
from .pictures import picture_clusters
from .primitives import Arrowhead, Path, Point, Primitives, Rect, Shape, Word
from .trunks import split_trunks

__all__ = ["GraphParts", "Reading", "recover_graph"]

_SHAPE_NAME = {"rect": "box", "round_rect": "round", "ellipse": "ellipse", "circle": "circle",
               "diamond": "diamond", "hexagon": "hexagon", "parallelogram": "parallelogram",
               "polygon": "box", "cylinder": "cylinder", "icon": "device", "external": "external",
               "cloud": "round"}


# Font Awesome codes that Mermaid prints as text when the icon font is missing
_ICON_CODE = re.compile(r"\bfa[bsrl]?:fa-[\w-]+\s*")


@dataclass
class Reading:
    """What the engine read from one figure."""

    diagram: Diagram
    figure_type: FigureType
    confidence: float
    warnings: list[str] = field(default_factory=list)
    prose: str | None = None  # set for figures that are not graphs (charts, tables)
    parts: GraphParts | None = None  # the recovered graph, for a graph reading
    evidence: dict[str, float] = field(default_factory=dict)  # the calibrator's features


@dataclass
class _N:
    """A node or group candidate while the graph is being built."""

    bbox: Rect
    kind: str
    filled: bool = False
    stroked: bool = True
    marker: str = ""  # "start" / "end" for state pseudo-states, "double" for a double circle
    words: list[Word] = field(default_factory=list)
    children: list[int] = field(default_factory=list)
    parent: int | None = None
    is_group: bool = False
    text_only: bool = False
    note: bool = False  # a comment box tied to a node by dashed lines (not part of the graph)
    id: str = ""
    label: str = ""
    fill: tuple[float, float, float] | None = None  # fill colour (vector figures)
    colour: tuple[float, float, float] | None = None  # fill colour, vector or measured (raster)
    legend: bool = False  # an entry of the figure's colour key (see .legend)
    on_link: tuple[int, int] | None = None  # a callout: the (source, target) of the link it describes
    rows: list[Rect] = field(default_factory=list)  # compartments of a record / entity / class
    fields: list[str] = field(default_factory=list)  # their texts, below the header
    deck: list[_N] | None = None  # the cards of the deck it is one of (see _decks), itself included


@dataclass
class _Chain:
    points: list[Point]
    dashed: bool
    arrow_start: bool = False
    arrow_end: bool = False
    tip_start: Point | None = None
    tip_end: Point | None = None


@dataclass
class GraphParts:
    """The recovered graph before it is typed (classify decides the kind)."""

    nodes: list[_N]
    edges: list[tuple[int, int, _Chain, str]]  # (source index, target index, path, label)
    notes: list[str]
    warnings: list[str]
    n_chains: int = 0
    n_loose: int = 0
    n_words: int = 0
    n_words_used: int = 0
    n_loose_heads: int = 0  # arrowheads attached to no connector (evidence for the calibrator)
    title: str | None = None
    legend: Legend | None = None  # the figure's colour key (node indices)


# ---- 1. shapes ---------------------------------------------------------------------------

def _iou(a: Rect, b: Rect) -> float:
    inter = U.overlap_area(a, b)
    return inter / (U.area(a) + U.area(b) - inter) if inter else 0.0


def _merge_duplicates(shapes: list[Shape]) -> list[_N]:
    """One candidate per outline: a fill and a stroke of the same box are one shape."""
    out: list[_N] = []
    for s in sorted(shapes, key=lambda s: (-U.area(s.bbox), s.bbox)):
        if max(s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]) < 3.0:
            continue
        twin = next((n for n in out if _iou(n.bbox, s.bbox) > 0.85 or _title_body(n, s)), None)
        if twin is not None:
            if s.stroked and not twin.stroked and _iou(twin.bbox, s.bbox) > 0.85:
                twin.kind = s.kind  # the outline tells the shape (a choice diamond's fill is round)
            elif twin.kind in ("rect", "polygon") and s.kind not in ("rect", "polygon"):
                twin.kind = s.kind
            twin.filled |= s.filled
            twin.stroked |= s.stroked
            twin.colour = twin.colour or _colour(s)
            continue
        out.append(_N(bbox=s.bbox, kind=s.kind, filled=s.filled, stroked=s.stroked,
                      fill=s.fill if s.filled else None, colour=_colour(s)))
    return out


def _colour(s: Shape) -> tuple[float, float, float] | None:
    """The colour a shape is filled with: drawn (vector) or measured inside it (raster)."""
    return s.fill if s.filled and s.fill is not None else s.tone


def _title_body(outer: _N, inner: Shape) -> bool:
    """A composite state / titled container: a body box inside the frame, same width."""
    o, i = outer.bbox, inner.bbox
    return (abs(o[0] - i[0]) < 2.0 and abs(o[2] - i[2]) < 2.0 and U.contains(o, i, 1.0)
            and _iou(o, i) > 0.6 and inner.kind in ("rect", "round_rect"))


def _round(n: _N) -> bool:
    return n.kind in ("circle", "ellipse")


def _concentric(nodes: list[_N]) -> list[_N]:
    """Double outlines (double circle, graphviz doubleoctagon) and bullseye end markers: keep
    the outer outline, remember what the inner one meant."""
    drop: set[int] = set()
    for i, a in enumerate(nodes):
        if i in drop:
            continue
        ca = U.center(a.bbox)
        ax0, ay0, ax1, ay1 = a.bbox
        for j, b in enumerate(nodes):
            bx0, by0, bx1, by1 = b.bbox
            if bx0 < ax0 - 1 or by0 < ay0 - 1 or bx1 > ax1 + 1 or by1 > ay1 + 1:
                continue  # not inside a (the cheap test first: this loop is quadratic)
            if j == i or j in drop or U.area(b.bbox) >= U.area(a.bbox):
                continue
            if U.dist(ca, U.center(b.bbox)) >= 2.0:
                continue
            margin = max(b.bbox[0] - a.bbox[0], a.bbox[2] - b.bbox[2],
                         b.bbox[1] - a.bbox[1], a.bbox[3] - b.bbox[3])
            if _round(a) and _round(b):
                drop.add(j)
                a.marker = "end_candidate" if b.filled else "double"
            elif a.kind == b.kind and margin <= 6.0:
                drop.add(j)
                a.filled |= b.filled
                a.marker = "double"
            elif a.kind == b.kind and U.area(b.bbox) >= 0.7 * U.area(a.bbox):
                # a text frame filling most of its box, no second outline: Visio's SPR in TS
                # 23.203 Figure P.4.2.6-1 has its text block drawn 7-8 points inside its
                # sides; the connector reached the outer box and the name sat on the inner one
                drop.add(j)
                a.filled |= b.filled
    return [n for k, n in enumerate(nodes) if k not in drop]


def _crossed(n: _N, paths: list[Path]) -> bool:
    """A path runs through the box (not just ends at it): an edge-label background. The box
    sits on the curve, and a curve flattened to a few points may only graze its edge."""
    inner = U.expand(n.bbox, 1.0)
    near = U.expand(n.bbox, 4.0)
    for p in paths:
        pts = p.points
        if U.inside(pts[0], near) or U.inside(pts[-1], near):
            continue
        for k in range(len(pts) - 1):
            if _seg_hits_rect(pts[k], pts[k + 1], inner):
                return True
    return False


def _seg_hits_rect(a: Point, b: Point, r: Rect) -> bool:
    """Whether segment a-b passes through rectangle r."""
    return U.clip_segment(a, b, r) is not None


def _compartments(nodes: list[_N], paths: list[Path]) -> list[_N]:
    """Rows that run the full width of a box are its compartments (an ER entity, a UML class,
    a record): one node, whose text is all of theirs. A subgraph's nodes stand clear of its
    sides."""
    drop: set[int] = set()
    for i, a in enumerate(nodes):
        x0, y0, x1, y1 = a.bbox
        rows = [j for j, b in enumerate(nodes) if j != i and b.kind == "rect"
                and abs(b.bbox[0] - x0) <= 2.5 and abs(b.bbox[2] - x1) <= 2.5
                and b.bbox[1] >= y0 - 1.0 and b.bbox[3] <= y1 + 1.0
                and U.area(b.bbox) < 0.9 * U.area(a.bbox)]
        if len(rows) >= 2 or (rows and a.kind == "rect" and len(rows) == 1
                              and nodes[rows[0]].bbox[1] > y0 + 1.0):
            drop.update(rows)
            a.rows = sorted(nodes[j].bbox for j in rows)
        elif a.kind == "rect" and not rows:
            a.rows = _ruled_rows(a.bbox, paths)
    return [n for k, n in enumerate(nodes) if k not in drop]


def _ruled_rows(box: Rect, paths: list[Path]) -> list[Rect]:
    """A box cut by rules that run from side to side (a UML class's compartment lines): the
    bands below the first rule."""
    x0, y0, x1, y1 = box
    w = x1 - x0
    if w <= 0:
        return []
    ys = sorted({round(p.points[0][1], 1) for p in paths if len(p.points) == 2
                 and abs(p.points[0][1] - p.points[1][1]) < 0.5 and y0 + 3 < p.points[0][1] < y1 - 3
                 and min(p.points[0][0], p.points[1][0]) <= x0 + 0.05 * w
                 and max(p.points[0][0], p.points[1][0]) >= x1 - 0.05 * w})
    ys = [y for k, y in enumerate(ys) if k == 0 or y - ys[k - 1] > 2.0]
    return [(x0, y, x1, ys[k + 1] if k + 1 < len(ys) else y1) for k, y in enumerate(ys)]


def _split_record(n: _N) -> None:
    """A record's label is its header (the text above the first row, or the first row); the
    rows below are its fields (an entity's attributes, a class's members)."""
    rows = [r for r in n.rows if any(U.inside(U.center(w.bbox), r) for w in n.words)]
    if not rows:
        return
    above = [w for w in n.words if U.center(w.bbox)[1] < rows[0][1]]
    if not above:
        above = [w for w in n.words if U.inside(U.center(w.bbox), rows[0])]
        rows = rows[1:]
    n.label = _ICON_CODE.sub("", U.block_text(above)).strip()
    for r in rows:
        text = U.block_text([w for w in n.words if U.inside(U.center(w.bbox), r)])
        if text:
            n.fields.append(text)


_LABEL_LINES = 3  # an edge label's background holds at most this many lines of text


def _drop_shadows(shapes: list[Shape]) -> list[Shape]:
    """Shapes less the drop shadows drawn under them: a grey copy of a later shape of the same
    kind and size, set off by a few points (TS 23.203 Figure A.1's IP-CAN cloud over its grey
    shadow, an 'unlabelled ellipse'). A deck of copies in the card's own colour stays."""
    grid = _filed([s.bbox for s in shapes])
    out = []
    for i, s in enumerate(shapes):
        f = s.fill
        grey = s.filled and f is not None and max(f) - min(f) < 0.05 and max(f) < 0.9
        if grey and any(j > i and _casts(s, shapes[j]) for j in grid.near(s.bbox)):
            continue
        out.append(s)
    return out


def _filed(boxes: list[Rect]) -> U.Grid:
    """``boxes`` filed by cell (figures reach thousands of outlines: gradients drawn as bands)."""
    grid = U.Grid(32.0)
    for k, r in enumerate(boxes):
        grid.add(k, r)
    return grid


def _casts(shadow: Shape, s: Shape) -> bool:
    """``shadow`` is the drop shadow of ``s``: same kind and size, off by a small diagonal, in
    a different fill."""
    w, h = s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]
    if s.kind != shadow.kind or min(w, h) <= 0 or s.fill == shadow.fill:
        return False
    sw, sh = shadow.bbox[2] - shadow.bbox[0], shadow.bbox[3] - shadow.bbox[1]
    dx, dy = shadow.bbox[0] - s.bbox[0], shadow.bbox[1] - s.bbox[1]
    return (abs(sw - w) <= 0.04 * w and abs(sh - h) <= 0.04 * h and dx != 0 and dy != 0
            and abs(dx) <= 0.15 * min(w, h) and abs(dy) <= 0.15 * min(w, h))


def _candidates(prims: Primitives) -> list[_N]:
    nodes = _compartments(_concentric(_merge_duplicates(_drop_shadows(prims.shapes))), prims.paths)
    keep = []
    centres = [U.center(w.bbox) for w in prims.words]
    boxes = _filed([n.bbox for n in nodes])
    for n in nodes:
        # fill-only boxes under a connector are label backgrounds, not nodes; a background
        # fits its label (a line or two), while a fill-only node (Visio draws boxes without
        # an outline) can hold a whole table of lines that a connector is carried across
        if n.filled and not n.stroked and n.kind in ("rect", "round_rect") and _crossed(n, prims.paths) \
                and sum(U.inside(c, n.bbox) for c in centres) <= _LABEL_LINES:
            continue
        if _end_marker(n, prims.paths, centres):
            continue
        if _blank_backdrop(n, nodes, boxes):
            continue
        # a white fill without an outline that hugs its text and that no connector reaches is
        # the background of a free label (a transition's trigger above its arrow, TS 24.301
        # Figure 6.1.3.3.7.1), not an element
        if prims.source == "vector" and _text_backing(n, prims.words) and not any(
                U.rect_dist(q, n.bbox) <= 3.0 for p in prims.paths for q in (p.points[0], p.points[-1])):
            continue
        keep.append(n)
    keep = _without_decorations(keep, centres)
    if prims.source != "vector":
        return keep  # (measured on vector Office figures only; raster clip-art is not outlines)
    decked = _decks(keep, centres)
    return _pictures(keep, prims.words, prims.width * prims.height, decked)


def _blank_backdrop(n: _N, nodes: list[_N], grid: U.Grid) -> bool:
    """A white fill with no outline behind other shapes is no element: on the white page it
    shows neither a box nor a container (an SVG's gradients painted under clips as white
    boxes far larger than the antennas they shade, 97 by 138 points for a 6-point antenna:
    the 5G OTA bench's links to its antennas were taken for lines drawn inside a box). A white
    tile behind an icon is that icon's element (draw.io's Kubernetes and shield icons): what it
    holds is more than a twentieth of it. (``grid`` files the nodes' boxes.)"""
    if not n.filled or n.stroked or n.fill is None or min(n.fill) < 0.97:
        return False
    held = [U.area(o.bbox) for o in (nodes[k] for k in grid.near(n.bbox))
            if o is not n and U.contains(n.bbox, o.bbox)]
    return bool(held) and max(held) < 0.05 * U.area(n.bbox)


_DECK_SIZE = 0.04  # the cards of one deck: widths and heights within 4 %
_DECK_STEP = 0.5   # each card set off from the one drawn before it by at most half its smaller side
_DECK_MOST = 300   # shapes of one kind and fill looked at for decks


def _decks(nodes: list[_N], centres: list[Point]) -> set[int]:
    """Cards stacked with a diagonal step, each drawn over the one before (a 'PDPs' or 'UEs'
    deck: copies of one element, the text of all but the top card hidden under the next):
    runs of shapes of one kind, size and fill, each set off from the previous one by the
    same small diagonal step, with text in one of them and no other shape inside any (stacked
    frames round a group of shapes are a group's copies, not cards). Each card's ``deck`` is set (the
    cards are dealt their label once words are assigned, see ``_deal_decks``); returns their
    indices, which are no clip-art."""
    grid = _filed([n.bbox for n in nodes])
    alike: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for k, n in enumerate(nodes):
        w, h = n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]
        if not n.is_group and min(w, h) > 0:
            alike[(n.kind, n.fill)].append(k)
    out: set[int] = set()
    for ks in alike.values():
        if len(ks) > _DECK_MOST:
            continue  # (bands of a gradient, cells of a grid: no deck is drawn so)
        ks.sort(key=lambda k: (nodes[k].bbox[0], nodes[k].bbox[1]))
        runs: list[list[int]] = []
        for k in ks:
            b = nodes[k].bbox
            for run in runs:
                last = nodes[run[-1]].bbox
                lw, lh = last[2] - last[0], last[3] - last[1]
                if abs(b[2] - b[0] - lw) > _DECK_SIZE * lw or abs(b[3] - b[1] - lh) > _DECK_SIZE * lh:
                    continue
                side = min(lw, lh)
                d = (b[0] - last[0], b[1] - last[1])
                first = nodes[run[0]].bbox
                step = ((last[0] - first[0]) / (len(run) - 1), (last[1] - first[1]) / (len(run) - 1)) \
                    if len(run) > 1 else None
                if min(abs(d[0]), abs(d[1])) >= 0.5 and max(abs(d[0]), abs(d[1])) <= _DECK_STEP * side \
                        and (step is None or (abs(d[0] - step[0]) <= 1.0 and abs(d[1] - step[1]) <= 1.0)):
                    run.append(k)
                    break
            else:
                runs.append([k])
        for run in runs:
            if len(run) < 2 or not any(U.inside(c, nodes[k].bbox) for k in run for c in centres):
                continue
            if any(_holds_other(nodes, k, run, grid) for k in run):
                continue  # stacked frames round other shapes (TS 38.300's band combinations)
            cards = [nodes[k] for k in run]
            for k in run:
                nodes[k].deck = cards
            out.update(run)
    return out


def _not_between_copies(edges: list[tuple[int, int, _Chain, str]], nodes: list[_N]
                        ) -> list[tuple[int, int, _Chain, str]]:
    """The edges less those between two cards of one deck: the cards overlap, and a line from
    one to another is a link to the deck running over its cards, not a link between copies
    ('PDPs is linked both ways with PDPs')."""
    return [e for e in edges if nodes[e[0]].deck is None or nodes[e[0]].deck is not nodes[e[1]].deck]


def _holds_other(nodes: list[_N], k: int, run: list[int], grid: U.Grid) -> bool:
    """Node ``k`` holds a shape that is not one of the cards ``run``."""
    box = nodes[k].bbox
    return any(j not in run and U.contains(box, nodes[j].bbox, 0.5) for j in grid.near(box))


def _deal_decks(nodes: list[_N]) -> None:
    """The cards of a deck whose text is on one card only (the top one: the rest is hidden
    under it) take a copy of that label at their own place: a stack of "PDPs" is that many
    PDPs, and each link to a card is a link to one of them."""
    seen: set[int] = set()
    for n in nodes:
        if n.deck is None or id(n.deck) in seen:
            continue
        seen.add(id(n.deck))
        # the labels of cards still visible go each to its own card (the one whose middle is
        # nearest): a stack of three "PCRF" boxes, each name showing, is no "PCRF PCRF PCRF"
        pool = [w for c in n.deck for w in c.words]
        for c in n.deck:
            c.words = []
        for w in pool:
            q = U.center(w.bbox)
            min(n.deck, key=lambda c: U.dist(q, U.center(c.bbox))).words.append(w)
        held = [c for c in n.deck if c.words]
        if len(held) != 1:
            continue
        top = held[0]
        for c in n.deck:
            if c is not top:
                dx, dy = c.bbox[0] - top.bbox[0], c.bbox[1] - top.bbox[1]
                c.words = [replace(w, bbox=(w.bbox[0] + dx, w.bbox[1] + dy, w.bbox[2] + dx, w.bbox[3] + dy))
                           for w in top.words]


def _pictures(nodes: list[_N], words: list[Word], figure_area: float, decked: Collection[int] = ()) -> list[_N]:
    """Clip-art drawn piece by piece becomes one icon node (see :mod:`.pictures`). The white
    boxes that back the lines of its name (LibreOffice paints a Visio text's background
    exactly round the text) go: the name is free text, to be given to the picture. The cards
    of a deck (``decked``) are none of it."""
    centres = [U.center(w.bbox) for w in words]
    rest = [k for k in range(len(nodes)) if k not in decked]
    found = picture_clusters([nodes[k].bbox for k in rest], centres, figure_area,
                             [nodes[k].kind == "icon" for k in rest])
    clusters = [(ext, [rest[i] for i in members]) for ext, members in found]
    if not clusters:
        return nodes
    drop = {k for _, members in clusters for k in members}
    h = U.median_height(words)
    for k, n in enumerate(nodes):
        if k not in drop and any(ext[0] <= U.center(n.bbox)[0] <= ext[2]
                                 and ext[1] < n.bbox[1] <= ext[3] + 2.0 * h
                                 for ext, _ in clusters) and _text_backing(n, words):
            drop.add(k)
    return [n for k, n in enumerate(nodes) if k not in drop] + \
        [_N(bbox=ext, kind="icon", filled=True, stroked=False) for ext, _ in clusters]


_HUG = 2.5  # points: a text's backing reaches no farther than this past the text


def _text_backing(n: _N, words: list[Word]) -> bool:
    """A white box without an outline that fits its text (no margin) backs that text."""
    if not n.filled or n.stroked or n.kind != "rect" or n.fill is None or min(n.fill) < 0.97:
        return False
    inner = [w for w in words if U.inside(U.center(w.bbox), n.bbox)]
    return bool(inner) and all(abs(a - b) <= _HUG for a, b in zip(n.bbox, U.block_rect(inner)))


def _without_decorations(nodes: list[_N], centres: list[Point]) -> list[_N]:
    """Small empty boxes on the outline of a labelled box are part of its drawing, not nodes
    of their own: the two tabs of a UML component, the icon in its corner, a port. (A line
    that ends on one then ends on the box.) Dark bars (forks) stay."""
    words = U.Grid(32.0)
    for k, q in enumerate(centres):
        words.add(k, (q[0], q[1], q[0], q[1]))

    def has_words(r: Rect) -> bool:
        return any(U.inside(centres[k], r) for k in words.near(r))

    hosts = U.Grid(64.0)
    for k, n in enumerate(nodes):
        if has_words(n.bbox):
            hosts.add(k, n.bbox)
    out = []
    for n in nodes:
        w, h = n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]
        c = U.center(n.bbox)
        if n.kind in ("rect", "round_rect") and not _bar(n) and not has_words(n.bbox) \
                and any(U.area(n.bbox) < 0.1 * U.area(nodes[k].bbox)
                        and U.inside(c, nodes[k].bbox, 1.0)
                        and U.boundary_dist(c, nodes[k].bbox) <= max(w, h)
                        for k in hosts.near((c[0], c[1], c[0], c[1]))):
            continue
        out.append(n)
    return out


def _end_marker(n: _N, paths: list[Path], centres: list[Point]) -> bool:
    """An ER/UML cardinality mark (a ring, a crow's foot) threaded on a connector: a small
    empty shape whose middle the line runs through. A node's connector stops at its edge."""
    w, h = n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]
    if not 6.0 <= max(w, h) <= 30.0 or n.kind not in ("circle", "ellipse"):
        return False
    if any(U.inside(q, n.bbox) for q in centres):
        return False
    c = U.center(n.bbox)
    return any(U.poly_dist(c, p.points) < 1.5 for p in paths
               if U.poly_len(p.points) > max(w, h) * 1.5)


# ---- 2. groups and labels -----------------------------------------------------------------

def _nest(nodes: list[_N], words: list[Word]) -> None:
    """Parent = the smallest candidate that contains this one (and is clearly larger)."""
    order = sorted(range(len(nodes)), key=lambda k: U.area(nodes[k].bbox))
    for pos, k in enumerate(order):
        a = nodes[k]
        for j in order[pos + 1:]:
            b = nodes[j]
            if U.area(b.bbox) > 1.3 * U.area(a.bbox) and U.contains(b.bbox, a.bbox, tol=1.0):
                a.parent = j
                b.children.append(k)
                break
    centres = [U.center(w.bbox) for w in words]
    for n in nodes:
        n.is_group = bool(n.children) and n.marker == "" and not _is_icon_like(n, nodes, centres)


def _is_icon_like(n: _N, nodes: list[_N], centres: list[Point]) -> bool:
    # a box holding only tiny decorations (a cylinder's rim, a record's cells with no text);
    # small boxes with text in them are nodes, and the box around them is a group
    return all(U.area(nodes[c].bbox) < 0.02 * U.area(n.bbox)
               and not any(U.inside(q, nodes[c].bbox) for q in centres) for c in n.children)


def _owner(p: Point, nodes: list[_N], groups: bool) -> int | None:
    """The smallest candidate holding the point; among boxes of one size (cards stacked with
    an offset), the one whose middle is nearest."""
    best, best_key = None, (0.0, 0.0)
    for k, n in enumerate(nodes):
        if n.is_group != groups or not U.inside(p, n.bbox, 0.5):
            continue
        key = (round(U.area(n.bbox), -1), U.dist(p, U.center(n.bbox)))
        if best is None or key < best_key:
            best, best_key = k, key
    return best


def _assign_words(words: list[Word], nodes: list[_N]) -> list[Word]:
    """Words inside a node become its label; the rest come back (free text)."""
    free = []
    for w in words:
        k = _owner(U.center(w.bbox), nodes, groups=False)
        if k is None:
            free.append(w)
        else:
            nodes[k].words.append(w)
    return free


def _markers(nodes: list[_N], median_h: float) -> None:
    for n in nodes:
        small = max(n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]) <= max(24.0, 2.2 * median_h)
        if n.words or n.is_group or not small:
            if n.marker == "end_candidate":
                n.marker = "double"
            continue
        if n.marker == "end_candidate":
            n.marker = "end"
        elif _round(n) and n.filled and n.marker == "":
            n.marker = "start"


# ---- 3. connectors ---------------------------------------------------------------------------

def _decoration(p: Path, nodes: list[_N]) -> bool:
    """A path wholly inside one node (a cylinder rim, a subroutine bar, an outline stroked
    apart from its fill) is not a connector. An outline that touches the middle of every side
    turns a fill-only round node into a diamond (mermaid's choice pseudo-state)."""
    pb = U._bbox_pts(p.points)
    for n in nodes:
        if n.is_group:
            continue
        inner = U.expand(n.bbox, 2.0)
        if U.contains(inner, pb, 0.0):
            if _round(n) and not n.stroked and _touches_mids(p.points, n.bbox):
                n.kind = "diamond"
            return True
    return False


def _touches_mids(points: list[Point], r: Rect) -> bool:
    cx, cy = U.center(r)
    mids = [(cx, r[1]), (r[2], cy), (cx, r[3]), (r[0], cy)]
    tol = 0.12 * max(r[2] - r[0], r[3] - r[1]) + 1.0
    return sum(1 for m in mids if any(U.dist(m, q) < tol for q in points)) >= 3


def _attach_arrows(chains: list[_Chain], heads: list[Arrowhead], reach: float) -> list[Arrowhead]:
    """Glue every arrowhead to the closest path end that touches it; returns those left loose."""
    loose = []
    for a in heads:
        best = None
        for ci, c in enumerate(chains):
            for end in (0, 1):
                p = c.points[0] if end == 0 else c.points[-1]
                d = U.rect_dist(p, U.expand(a.bbox, 0.0))
                if d <= reach and (best is None or d < best[0]):
                    best = (d, ci, end)
        if best is None:
            loose.append(a)
            continue
        _, ci, end = best
        c = chains[ci]
        p = c.points[0] if end == 0 else c.points[-1]
        tip = _far_corner(a, p)
        if end == 0:
            c.arrow_start, c.tip_start = True, tip
        else:
            c.arrow_end, c.tip_end = True, tip
    return loose


def _head_bridges(heads: list[Arrowhead], nodes: list[_N], tol: float) -> list[_Chain]:
    """Boxes drawn closer together than an arrowhead is long: the connector between them
    hides under its head. A loose head whose tip touches one node and whose base touches
    another is that connector."""
    out = []
    for a in heads:
        dx, dy = a.direction
        if dx == 0 and dy == 0:
            continue
        length = abs(dx) * (a.bbox[2] - a.bbox[0]) + abs(dy) * (a.bbox[3] - a.bbox[1])
        base = (a.tip[0] - dx * length, a.tip[1] - dy * length)
        to = _snap(a.tip, None, nodes, tol)
        frm = _snap(base, None, nodes, tol)
        if to is None or frm is None or to == frm or nodes[to].is_group or nodes[frm].is_group:
            continue
        mid = U.center(a.bbox)
        if U.inside(mid, nodes[to].bbox) or U.inside(mid, nodes[frm].bbox) or \
                _iou(nodes[to].bbox, nodes[frm].bbox) > 0 or not (nodes[to].words and nodes[frm].words):
            continue  # a mark among the pieces of an icon, not a head between two named boxes
        out.append(_Chain(points=[base, a.tip], dashed=False, arrow_end=True, tip_end=a.tip))
    return out


def _far_corner(a: Arrowhead, p: Point) -> Point:
    """The point of the arrowhead farthest from the path end it is glued to (its tip).

    The raster glue carries a line half a head into its head, so an end that far from the
    tip (less a rounding) still sees the tip as found. A marker without a direction (a
    diamond: its 'tip' is its middle) reaches as far past its middle as the path end is
    short of it."""
    if a.direction != (0.0, 0.0) and \
            U.dist(a.tip, p) >= 0.4 * max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1]):
        return a.tip
    cx, cy = U.center(a.bbox)
    dx, dy = cx - p[0], cy - p[1]
    return (cx + dx, cy + dy)


def _bounced(chains: list[_Chain], boxes: list[Rect], tol: float) -> list[_Chain]:
    """Traced chains cut where they come in to a box's side and go back out from it: two
    connectors whose arrowheads meet close together on one side of a box (both heads read as
    one ink blob) are traced as one stroke that touches the box and turns back. A stroke
    that runs along a side, or past a corner, never heads into the box and then away."""
    out: list[_Chain] = []
    for c in chains:  # (in order: what follows depends on it)
        cut = _bounce_at(c.points, boxes, tol)
        while cut is not None:
            i, j = cut
            out.append(_Chain(points=c.points[:i + 1], dashed=c.dashed, arrow_start=c.arrow_start,
                              tip_start=c.tip_start))
            c = _Chain(points=c.points[j:], dashed=c.dashed, arrow_end=c.arrow_end, tip_end=c.tip_end)
            cut = _bounce_at(c.points, boxes, tol)
        out.append(c)
    return out


_THROUGH_GAP = 4.0  # pt: the least length of line between two boxes a line runs through


def _through_boxes(chains: list[_Chain], nodes: list[_N]) -> list[_Chain]:
    """A straight stretch of plain line (no arrowhead) from one named box to another that runs
    right through a third, in at one side and out at the opposite one, was drawn behind that
    box (the box painted over it): TS 38.300 Figure 6.1-2 draws one line from ROHC down
    through Security to Segm. ARQ. It is cut there, into a link to the box and one from it."""
    named = [n for n in nodes if not n.is_group and n.words and n.stroked and not n.note]
    boxes = [n.bbox for n in named]
    if not boxes:
        return chains
    out: list[_Chain] = []
    for c in chains:
        # (one straight level or plumb stroke, as a column of layers is drawn: a routed link
        # that passes behind a node on its way, Mermaid's curves, is a link past it; and no
        # arrow: one drawn through a box carries it as its label, 24.301's state transitions
        # run through their trigger boxes)
        if len(c.points) != 2 or not _plumb_or_level(*c.points) or c.arrow_start or c.arrow_end:
            out.append(c)
            continue
        # (only a line from one named box to another, each end on its box's side and the line
        # leaving it: a lifeline drawn behind a procedure's step boxes runs on to no box, a
        # table's rule runs from a side into its box, and a line between two layers of one
        # name is a peer link drawn across the stacks between them)
        a, b = (next((n for n in named if U.rect_dist(p, n.bbox) <= 3.0
                      and _runs_inside(p, q, n.bbox) <= 3.0), None)
                for p, q in ((c.points[0], c.points[1]), (c.points[1], c.points[0])))
        if a is None or b is None or a is b or U.block_text(a.words) == U.block_text(b.words):
            out.append(c)
            continue
        pieces = []
        whole = c
        cut = _box_crossing(c.points, boxes)
        while cut is not None:
            i, a, b = cut
            pieces.append(_Chain(points=c.points[:i + 1] + [a], dashed=c.dashed,
                                 arrow_start=c.arrow_start, tip_start=c.tip_start))
            c = _Chain(points=[b] + c.points[i + 1:], dashed=c.dashed, arrow_end=c.arrow_end,
                       tip_end=c.tip_end)
            cut = _box_crossing(c.points, boxes)
        pieces.append(c)
        # (a line across boxes that touch, a table's rule through its header cells, is cut
        # into nothing: the boxes of a column stand apart, with a link's length between)
        out += pieces if all(U.poly_len(q.points) >= _THROUGH_GAP for q in pieces) else [whole]
    return out


def _boundary_names(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]], chains: list[_Chain],
                    tol: float) -> list[tuple[int, int, _Chain, str]]:
    """A free label at the end of a level dashed line that links nothing names the links
    crossing that line, what they pass through: TS 38.300's Layer 2 structures draw one per
    service access point ("Radio Bearers", "RLC Channels") across the links between two layers.
    Those links take the name (when they have none) and the label is no element."""
    linked = {k for e in edges for k in e[:2]}
    out = list(edges)
    for k, n in enumerate(nodes):
        # (a free label, or one on a fill with no outline that hides the line's end)
        if not (n.text_only or not n.stroked) or n.is_group or k in linked or not n.words:
            continue
        lines = [c for c in chains if c.dashed and len(c.points) == 2 and _level(c.points)
                 and min(U.rect_dist(c.points[0], n.bbox), U.rect_dist(c.points[-1], n.bbox)) <= tol]
        hit = [j for j, e in enumerate(out) if not e[3] and any(_crosses_line(e[2].points, c.points) for c in lines)]
        if len(hit) < 1:
            continue
        name = U.block_text(n.words)
        for j in hit:
            s, t, c, _ = out[j]
            out[j] = (s, t, c, name)
        n.note = True
    return out


def _level(pts: list[Point]) -> bool:
    dx, dy = abs(pts[-1][0] - pts[0][0]), abs(pts[-1][1] - pts[0][1])
    return dx >= 20.0 and dy <= 0.05 * dx


def _crosses_line(pts: list[Point], line: list[Point]) -> bool:
    """Some segment of ``pts`` crosses the segment ``line``."""
    return any(U.segment_cross(line[0], line[-1], p, q) for p, q in zip(pts, pts[1:]))


def _plumb_or_level(p: Point, q: Point) -> bool:
    dx, dy = abs(q[0] - p[0]), abs(q[1] - p[1])
    return dx <= 0.02 * dy or dy <= 0.02 * dx


def _runs_inside(p: Point, q: Point, box: Rect) -> float:
    """How far the segment p-q runs inside ``box``."""
    seg = U.clip_segment(p, q, box)
    return U.dist(*seg) if seg else 0.0


def _box_crossing(pts: list[Point], boxes: list[Rect]) -> tuple[int, Point, Point] | None:
    """(segment index, entry point, exit point) of the first box a segment of ``pts`` runs
    right through, side to opposite side, with both of the line's ends outside it."""
    for i, (p, q) in enumerate(zip(pts, pts[1:])):
        for b in boxes:
            if U.inside(pts[0], b, 1.0) or U.inside(pts[-1], b, 1.0):
                continue
            seg = U.clip_segment(p, q, b)
            if seg is None:
                continue
            a, e = seg
            across = abs(e[0] - a[0]) >= 0.95 * (b[2] - b[0]) or abs(e[1] - a[1]) >= 0.95 * (b[3] - b[1])
            if across and U.dist(a, p) > 1.0 and U.dist(e, q) > 1.0:
                return i, a, e
    return None


def _captioned(boxes: list[Rect], nodes: list[_N], free: list[Word], h: float) -> list[Rect]:
    """``boxes`` and, for each empty icon, its box reaching down over the text block printed
    right under it (its name, as ``_caption_labels`` gives it out)."""
    icons = [n for n in nodes if n.kind == "icon" and not n.words and not n.is_group]
    if not icons:
        return boxes
    rects = [U.block_rect(b) for b in U.text_blocks(free)]
    out = list(boxes)
    for n in icons:
        under = [r for r in rects if _name_below(n.bbox, r, h)]
        if under:
            r = min(under, key=lambda r: r[1])
            out.append((min(n.bbox[0], r[0]), n.bbox[1], max(n.bbox[2], r[2]), r[3]))
    return out


def _over_icon(icon: Rect, r: Rect) -> bool:
    """The block ``r`` is centred on the icon, within 30 % of its width either side."""
    w = icon[2] - icon[0]
    return icon[0] - 0.3 * w <= (r[0] + r[2]) / 2 <= icon[2] + 0.3 * w


def _name_below(icon: Rect, r: Rect, h: float) -> bool:
    """The block ``r`` is the icon's name printed just under it."""
    return _over_icon(icon, r) and -2 <= r[1] - icon[3] <= 1.8 * h


def _bounce_at(pts: list[Point], boxes: list[Rect], tol: float) -> tuple[int, int] | None:
    """(first, last) index of a run of inner points on one box's side that the line heads
    into and leaves away from, its ends off that box; None when there is none."""
    n = len(pts)
    for b in boxes:
        if U.rect_dist(pts[0], b) <= tol or U.rect_dist(pts[-1], b) <= tol:
            continue
        i = 1
        while i < n - 1:
            if U.rect_dist(pts[i], b) > tol:
                i += 1
                continue
            j = i
            while j + 1 < n - 1 and U.rect_dist(pts[j + 1], b) <= tol:
                j += 1
            side = _side_normal(pts[i], b)
            u = (pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1])
            v = (pts[j + 1][0] - pts[j][0], pts[j + 1][1] - pts[j][1])
            into = -(u[0] * side[0] + u[1] * side[1])
            away = v[0] * side[0] + v[1] * side[1]
            if into >= 0.2 * math.hypot(*u) and away >= 0.2 * math.hypot(*v) \
                    and math.hypot(*u) >= 2 * tol and math.hypot(*v) >= 2 * tol:
                return i, j
            i = j + 1
    return None


def _side_normal(p: Point, b: Rect) -> Point:
    """The outward normal of the side of ``b`` nearest ``p``."""
    d = [(abs(p[0] - b[0]), (-1.0, 0.0)), (abs(p[0] - b[2]), (1.0, 0.0)),
         (abs(p[1] - b[1]), (0.0, -1.0)), (abs(p[1] - b[3]), (0.0, 1.0))]
    return min(d)[1]


def _join(chains: list[_Chain], nodes: list[_N], tol: float) -> list[_Chain]:
    """Follow polylines drawn as separate segments: join ends that meet away from nodes.

    Only a meeting of exactly two ends is joined, so crossing edges (whose strokes meet at a
    point where four ends or none meet) stay apart, and an end that carries an arrowhead is
    never joined (a callout's leader drawn to a connector's head is not its continuation).
    Linear in the number of paths.
    """
    partner = _partners(chains, nodes, tol)
    out: list[_Chain] = []
    seen: set[int] = set()
    # walk from chains with a free end first, then whatever is left (closed rings)
    starts = [ci for ci in range(len(chains)) if (ci, 0) not in partner or (ci, 1) not in partner]
    for ci in starts + list(range(len(chains))):
        if ci in seen:
            continue
        out.append(_walk(ci, chains, partner, seen))
    return out


def _without_doubles(chains: list[_Chain]) -> list[_Chain]:
    """A straight piece lying on a longer line (an EMF dash run painted twice: TS 29.244
    Figure D.1-1 paints a piece of the SMF-PSA1 line again near PSA1) is no connector of its
    own; its loose end would make the nearest label ("N4") an element."""
    boxes = [U._bbox_pts(c.points) for c in chains]
    lens = [U.poly_len(c.points) for c in chains]
    grid = U.Grid(64.0)
    for k, b in enumerate(boxes):
        grid.add(k, b)
    out = []
    for k, c in enumerate(chains):
        if len(c.points) == 2 and not (c.arrow_start or c.arrow_end):
            if any(j != k and lens[j] > lens[k] and U.contains(boxes[j], boxes[k], 1.0)
                   and all(U.poly_dist(p, chains[j].points) <= 1.0 for p in c.points)
                   for j in grid.near(boxes[k])):
                continue
        out.append(c)
    return out


def _partners(chains: list[_Chain], nodes: list[_N], tol: float) -> dict[tuple[int, int], tuple[int, int]]:
    buckets: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for ci, c in enumerate(chains):
        for e, p in ((0, c.points[0]), (1, c.points[-1])):
            buckets[(round(p[0] / tol), round(p[1] / tol))].append((ci, e))
    partner: dict[tuple[int, int], tuple[int, int]] = {}
    for ci, c in enumerate(chains):
        for e in (0, 1):
            if (ci, e) in partner or (e == 0 and c.arrow_start) or (e == 1 and c.arrow_end):
                continue
            p = c.points[0] if e == 0 else c.points[-1]
            near = _near_ends(buckets, p, chains, tol)
            if len(near) != 2:
                continue
            other = near[0] if near[1] == (ci, e) else near[1]
            oc = chains[other[0]]
            if other[0] == ci or other in partner or (other[1] == 0 and oc.arrow_start) or \
                    (other[1] == 1 and oc.arrow_end):
                continue
            if any(not n.is_group and U.rect_dist(p, n.bbox) < 2.0 for n in nodes):
                continue
            partner[(ci, e)] = other
            partner[other] = (ci, e)
    return partner


def _near_ends(buckets, p: Point, chains: list[_Chain], tol: float) -> list[tuple[int, int]]:
    kx, ky = round(p[0] / tol), round(p[1] / tol)
    out = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for ci, e in buckets.get((kx + dx, ky + dy), ()):
                q = chains[ci].points[0 if e == 0 else -1]
                if U.dist(p, q) <= tol:
                    out.append((ci, e))
    return out


def _walk(ci: int, chains: list[_Chain], partner: dict, seen: set[int]) -> _Chain:
    """Concatenate the chain ``ci`` with its partners, starting from its free end if any."""
    c = chains[ci]
    if (ci, 0) in partner and (ci, 1) not in partner:
        pts, exit_end, arrow_start = c.points[::-1], 0, c.arrow_end
    else:
        pts, exit_end, arrow_start = list(c.points), 1, c.arrow_start
    tip_start = c.tip_end if exit_end == 0 else c.tip_start
    dashed = c.dashed
    arrow_end = c.arrow_end if exit_end == 1 else c.arrow_start
    tip_end = c.tip_end if exit_end == 1 else c.tip_start
    seen.add(ci)
    cur = (ci, exit_end)
    while cur in partner:
        nj, ne = partner[cur]
        if nj in seen:
            break
        seen.add(nj)
        n = chains[nj]
        seg = n.points if ne == 0 else n.points[::-1]
        pts += seg[1:]
        dashed = dashed and n.dashed
        arrow_end = n.arrow_end if ne == 0 else n.arrow_start
        tip_end = n.tip_end if ne == 0 else n.tip_start
        cur = (nj, 1 - ne)
    return _Chain(points=pts, dashed=dashed, arrow_start=arrow_start, arrow_end=arrow_end,
                  tip_start=tip_start, tip_end=tip_end)


def _snap(p: Point, tip: Point | None, nodes: list[_N], tol: float) -> int | None:
    """The node (or group outline) an end touches; nodes win over groups, small over big,
    except that an end lying on a group's outline that touches no node belongs to the group
    (an edge to a subgraph, not to the inner node that happens to sit near its border)."""
    best = None
    on_group = None
    probes = (p, tip) if tip is not None else (p,)
    for k, n in enumerate(nodes):
        x0, y0, x1, y1 = n.bbox
        for q in probes:
            if q[0] < x0 - tol or q[0] > x1 + tol or q[1] < y0 - tol or q[1] > y1 + tol:
                continue
            d = U.boundary_dist(q, n.bbox) if n.is_group else U.rect_dist(q, n.bbox)
            if d > tol:
                continue
            rank = (d + (tol if n.is_group else 0.0), U.area(n.bbox))
            if best is None or rank < best[0]:
                best = (rank, k)
            if n.is_group and d <= _ON_OUTLINE and (on_group is None or d < on_group[0]):
                on_group = (d, k)
    if best is not None and on_group is not None and not nodes[best[1]].is_group \
            and best[0][0] > on_group[0] + 2.0 * _ON_OUTLINE:
        return on_group[1]  # the nearest node is not touched: the end stops on the group
    return best[1] if best else None


_ON_OUTLINE = 1.0  # an end this close to a group's outline stops on it


# ---- 4. free text -------------------------------------------------------------------------------

def _group_labels(blocks: list[list[Word]], nodes: list[_N], h: float) -> list[list[Word]]:
    """A container's name is the free block nearest its top or bottom edge inside it; failing
    that, the one free block inside it, wherever it sits (a cloud with the box of its API on
    its rim and its name in the middle). Two or more free blocks in the middle are notes."""
    rest = []
    claimed: dict[int, tuple[float, list[Word]]] = {}
    inside: dict[int, list[int]] = defaultdict(list)
    for b in blocks:
        r = U.block_rect(b)
        k = _owner(U.center(r), nodes, groups=True)
        if k is None:
            k = _tab_owner(r, nodes, h)
            if k is None:
                rest.append(b)
                continue
        g = nodes[k].bbox
        gap = max(0.0, min(r[1] - g[1], g[3] - r[3]))
        if gap <= 1.5 * h + 6 and (k not in claimed or gap < claimed[k][0]):
            if k in claimed:
                inside[k].append(len(rest))
                rest.append(claimed[k][1])
            claimed[k] = (gap, b)
        else:
            inside[k].append(len(rest))
            rest.append(b)
    lone = {k: js[0] for k, js in inside.items() if k not in claimed and len(js) == 1}
    for k, j in lone.items():
        claimed[k] = (0.0, rest[j])
    for k, (_, b) in claimed.items():
        nodes[k].words.extend(b)
    gone = set(lone.values())
    return [b for j, b in enumerate(rest) if j not in gone]


def _tab_owner(r: Rect, nodes: list[_N], h: float) -> int | None:
    """The container on whose top-left corner a block sits from outside: a UML package's
    name in the tab over its frame (PlantUML, draw.io)."""
    for k, n in enumerate(nodes):
        g = n.bbox
        if n.is_group and 0.0 <= g[1] - r[3] <= 0.8 * h and -0.5 * h <= r[0] - g[0] <= 2.0 * h \
                and r[2] < g[2]:
            return k
    return None


def _side_labels(blocks: list[list[Word]], nodes: list[_N], chains: list[_Chain],
                 h: float) -> list[list[Word]]:
    """A container left unnamed is named by a free block just outside its left or right side,
    within its height (PowerPoint's "On-Switch" text box beside a dashed group), when that
    block is nearer the container than any other element and no connector passes by it (then
    it may be the link's label)."""
    rest = list(blocks)
    for k, n in enumerate(nodes):
        if not n.is_group or n.words:
            continue
        g = n.bbox
        best = None
        for j, b in enumerate(rest):
            if sum(ch.isalnum() for ch in U.block_text(b)) < 2:
                continue  # a dash or a dot beside the box names nothing
            r = U.block_rect(b)
            gap = r[0] - g[2] if r[0] >= g[2] - 1 else g[0] - r[2]
            if not (-1 <= gap <= 1.5 * h + 6 and g[1] <= r[1] and r[3] <= g[3]):
                continue
            if any(m is not n and U.overlap_area(U.expand(r, gap + 1), m.bbox) > 0 for m in nodes):
                continue
            reach = max(r[2] - r[0], r[3] - r[1]) / 2 + h
            if any(U.poly_dist(U.center(r), c.points) <= reach for c in chains):
                continue
            if best is None or gap < best[0]:
                best = (gap, j)
        if best is not None:
            n.words.extend(rest.pop(best[1]))
    return rest


def _bar(n: _N) -> bool:
    """A solid bar: a state machine's or activity diagram's fork/join. Raster bars at 2x are
    ~12 px thick, so a thicker bar must be proportionally longer."""
    w, h = n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]
    thin, long = min(w, h), max(w, h)
    # fork/join bars are solid dark; a pale bar is a UML activation bar on a lifeline
    dark = n.fill is None or max(n.fill) <= 0.45
    return n.filled and dark and (thin <= 10 and long >= 3 * thin or thin <= 16 and long >= 5 * thin)


def _caption_labels(blocks: list[list[Word]], nodes: list[_N], h: float) -> list[list[Word]]:
    """A device icon (or any small empty shape that is no marker) is named by the text just
    below it, or else just above it, as network drawings label their routers and servers.
    Every name below an icon is given out first (nearest pairs first): in a column of icons
    the name below one is also just above the next."""
    rest = list(blocks)
    icons = [n for n in nodes if not (n.is_group or n.words or n.marker or _bar(n)
                                      or (n.kind != "icon" and max(n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1]) > 80))]
    taken: set[int] = set()
    for below in (True, False):
        pairs = []
        for i, n in enumerate(icons):
            for k, b in enumerate(rest):
                r = U.block_rect(b)
                if k in taken or not _over_icon(n.bbox, r):
                    continue
                above = n.bbox[1] - r[3] + 0.5 * h
                if below and _name_below(n.bbox, r, h):
                    pairs.append((r[1] - n.bbox[3], i, k))
                elif not below and r[1] - n.bbox[3] < -2 and above <= 1.8 * h:
                    pairs.append((above, i, k))
        for _, i, k in sorted(pairs):
            if k not in taken and not icons[i].words:
                icons[i].words.extend(rest[k])
                taken.add(k)
    return [b for k, b in enumerate(rest) if k not in taken]


def _heading(lines: list[list[Word]], nodes: list[_N], chains: list[_Chain], prims: Primitives,
             h: float) -> list[list[Word]]:
    """The figure's title: lines above every element, either in a larger print than the
    figure's own or, where print sizes are not known (OCR boxes of a render), at the top edge
    and clear of every connector (PlantUML's "Use Case Diagram: Property Manager" over a link
    labelled "client of"). A link's label sits close to its line; a title is no link's label
    however close the link runs. (Not by position alone where sizes are known: the first line
    of a long transition label over a state chart's top row is no title, TS 24.301 4.3.2.1.2.)"""
    boxes = [n.bbox for n in nodes if not n.is_group]
    if not boxes:
        return []
    top = min(b[1] for b in boxes)
    median = _median_size(prims.words)
    out = []
    for ln in lines:
        r = U.block_rect(ln)
        if r[3] > top + 1:
            continue
        if median > 0 and min(w.size for w in ln) >= 1.3 * median:
            out.append(ln)
        elif prims.source != "vector" and r[1] <= 0.1 * prims.height \
                and all(p[1] >= r[3] + 0.8 * h for c in chains for p in c.points):
            out.append(ln)
    return out


_TICK_REACH = 1.2  # text heights from a tick's end to the name written there


def _probe(r: Rect) -> list[Point]:
    """The points a text block is measured from against a line: its middle and the middles
    of its sides."""
    c = U.center(r)
    return [c, (r[0], c[1]), (r[2], c[1]), (c[0], r[1]), (c[0], r[3])]


def _tick_labels(lines: list[list[Word]], marks: list[tuple[Point, Point, Point]],
                 edge_chains: list[_Chain], h: float) -> tuple[dict[int, list[list[Word]]], list[list[Word]]]:
    """A reference point's name written at the end of its tick (TS 23.203's "S9" over the tick
    on the V-PCRF - H-PCRF line) names the line the tick marks, though another line may pass
    nearer the name (the RCAF line above took it: "Np S9"). ``marks``: each tick's two ends
    and the middle of the line it marks (the edge whose line passes there). Returns the lines
    given out (by edge index) and the rest: each line goes to the tick end nearest it, within
    ``_TICK_REACH`` text heights and nearer than any line."""
    ends: list[tuple[float, float, int]] = []
    for a, b, mid in marks:
        k = min(range(len(edge_chains)), key=lambda i: U.poly_dist(mid, edge_chains[i].points), default=None)
        if k is not None and U.poly_dist(mid, edge_chains[k].points) <= 1.0:
            ends += [(a[0], a[1], k), (b[0], b[1], k)]
    if not ends:
        return {}, lines
    out: dict[int, list[list[Word]]] = defaultdict(list)
    rest = []
    for ln in lines:
        r = U.block_rect(ln)
        d, k = min((U.rect_dist((x, y), r), k) for x, y, k in ends)
        # (a name right beside a line, nearer to it than to any tick's end, is that line's:
        # the address at the end of E1AP's line over CU-UP, by NG-U/N3's tick)
        if d <= _TICK_REACH * h and d < min((U.poly_dist(q, ch.points) for ch in edge_chains
                                             for q in _probe(r)), default=math.inf):
            out[k].append(ln)
        else:
            rest.append(ln)
    return dict(out), rest


def _edge_labels(blocks: list[list[Word]], chains: list[_Chain], h: float, elements: Sequence[Rect] = (),
                 loops: Sequence[bool] = (), given: dict[int, list[list[Word]]] | None = None
                 ) -> tuple[dict[int, list[list[Word]]], list[list[Word]]]:
    """Each block goes to the nearest connector within reach. When that connector already has
    a label and another one, nearly as close from the block's centre, has none, the block goes
    there (Graphviz puts the labels of A->B and B->A between the two curves). A self-loop
    (``loops``) is measured from the block's nearest point too: its label sits beyond the
    loop's outer curve and is often wider than the loop, so the block's centre and edge
    midpoints are out of reach (TS 24.301 Figure 6.1.3.2.2.1, the trigger under the lower loop
    of BEARER CONTEXT ACTIVE). ``given``: labels already given out (by a tick), which count
    as the connector's label from the start."""
    labels: dict[int, list[list[Word]]] = defaultdict(list, {k: list(v) for k, v in (given or {}).items()})
    rest = []
    reach = max(12.0, 2.2 * h)
    ranked = []
    boxes = [U.expand(U._bbox_pts(ch.points), reach) for ch in chains]
    for b in blocks:
        r = U.block_rect(b)
        c = U.center(r)
        probe = _probe(r)
        # only connectors whose box comes within reach of the block can be its edge
        near = [ci for ci, bx in enumerate(boxes)
                if bx[0] <= r[2] and r[0] <= bx[2] and bx[1] <= r[3] and r[1] <= bx[3]]
        cands = sorted((min([U.poly_dist(q, chains[ci].points) for q in probe]
                            + [U.rect_dist(p, r) for p in chains[ci].points
                               if ci < len(loops) and loops[ci]]),
                        U.poly_dist(c, chains[ci].points), ci) for ci in near)
        cands = [x for x in cands if x[0] <= reach]
        if not cands:
            rest.append(b)
            continue
        ranked.append((cands[0][0], cands, b))
    ranked.sort(key=lambda x: (x[0], U.block_rect(x[2])[1], U.block_rect(x[2])[0]))
    for _, cands, b in ranked:
        choice = cands[0][2]
        if choice in labels and len(cands) > 1:
            alt = next((x for x in cands[1:] if x[2] not in labels), None)
            if alt is not None and alt[1] <= 1.3 * cands[0][1] + 2.0:
                choice = alt[2]
        labels[choice].append(b)
    return labels, _under_level(rest, chains, labels, h, elements)


def _under_level(rest: list[list[Word]], chains: list[_Chain], labels: dict[int, list[list[Word]]],
                 h: float, elements: Sequence[Rect] = ()) -> list[list[Word]]:
    """A block beyond reach that sits over or under the middle of a level arrow with no
    label, nothing else between, is that arrow's label (TS 24.301 Figure 6.1.3.3.7.1 prints
    "ESM procedure response by the UE" two and a half lines under its arrow)."""
    out = []
    cboxes = [U._bbox_pts(ch.points) for ch in chains]
    for b in rest:
        r = U.block_rect(b)
        cx = (r[0] + r[2]) / 2
        best = None
        if max(w.bbox[3] - w.bbox[1] for w in b) > 1.2 * h:
            out.append(b)  # a heading printed larger (a column's 'AMF') labels no arrow
            continue
        for ci, ch in enumerate(chains):
            box = cboxes[ci]
            span = box[2] - box[0]
            # (over the middle of the line, as a label is centred on its arrow)
            if (ci in labels or not (ch.arrow_start or ch.arrow_end) or box[3] - box[1] > 0.5 * h
                    or not box[0] + 0.2 * span < cx < box[2] - 0.2 * span):
                continue
            y = (box[1] + box[3]) / 2
            gap = r[1] - y if r[1] >= y else y - r[3]
            if gap > 3.0 * h or r[0] < box[0] - 0.5 * h or r[2] > box[2] + 0.5 * h:
                continue
            mid = (r[1] + r[3]) / 2
            if any(cj != ci and o[0] < cx < o[2] and min(y, mid) < (o[1] + o[3]) / 2 < max(y, mid)
                   for cj, o in enumerate(cboxes)):
                continue  # another line runs between: the block is not this one's
            lo, hi = min(y, r[1]), max(y, r[3])
            q = 0.25 * (r[2] - r[0])  # (the middle of the block: its ends may graze a state's curve)
            if any(bx[0] < r[2] - q and r[0] + q < bx[2] and lo < bx[3] and bx[1] < hi for bx in elements):
                continue  # so does an element (PSA Figure 2's loop label 'CE2E' under a box)
            if best is None or gap < best[0]:
                best = (gap, ci)
        if best is None:
            out.append(b)
        else:
            labels[best[1]].append(b)
    return out


def _text_node(end: Point, blocks: list[list[Word]], tol: float) -> int | None:
    best = None
    for k, b in enumerate(blocks):
        d = U.rect_dist(end, U.expand(U.block_rect(b), 2.0))
        if d <= tol and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


# ---- assembly ---------------------------------------------------------------------------------

def recover_graph(prims: Primitives) -> GraphParts:
    """Nodes, groups, edges and their labels; no decision yet about the kind of figure."""
    warnings: list[str] = []
    h = U.median_height(prims.words)
    nodes = _candidates(prims)
    _nest(nodes, prims.words)
    # (vector only: traced raster strokes run through the glyphs they were traced from)
    crossed = pierced_words(prims.words, [p.points for p in prims.paths if len(p.points) >= 2],
                            [n.bbox for n in nodes if not n.is_group]) \
        if prims.source == "vector" else set()
    free = _assign_words([w for i, w in enumerate(prims.words) if i not in crossed], nodes)
    _deal_decks(nodes)
    paths = [p for p in prims.paths if not _decoration(p, nodes)]
    free = claim_overflow([(n.bbox, n.words) for n in nodes if not (n.is_group or n.rows)], free,
                          [p.points for p in paths], ocr=prims.source != "vector")
    _markers(nodes, h)
    reach = 3.0
    # arrowheads first: the joining must know which ends carry one
    chains = [_Chain(points=list(p.points), dashed=p.dashed, arrow_start=p.arrow_start,
                     arrow_end=p.arrow_end) for p in paths if len(p.points) >= 2]
    loose_heads = _attach_arrows(chains, prims.arrowheads, reach)
    chains = _join(chains, nodes, tol=1.0)
    chains = _without_doubles(chains)
    boxes = [n.bbox for n in nodes if not n.is_group]
    if prims.source == "raster":
        # (a device picture's box is the solid part an opening found, its tips cut off: a fan
        # of links from one of its corners meets a little way out, where two of the fan's
        # strokes are traced as one V)
        chains = _bounced(chains, [U.expand(n.bbox, 0.5 * h) if n.kind == "icon" else n.bbox
                                   for n in nodes if not n.is_group], max(3.0, 0.25 * h))
    else:  # a V drawn as one polyline from two boxes to the side of a third is two links
        # (the third may be an icon, the V's point on the name printed under it: TS 38.300
        # Figure 4.7.1-1's NG links from gNB and IAB-donor up to AMF/UPF)
        if any(len(ch.points) == 3 for ch in chains):
            named = _captioned(boxes, nodes, free, h)
            chains = [c for ch in chains for c in (_bounced([ch], named, 1.0) if len(ch.points) == 3 else [ch])]
        chains = _through_boxes(chains, nodes)  # a line drawn behind a column of boxes
    # (vector only: traced raster strokes meet at chance T-junctions, and their labels'
    # leader lines are what makes those labels nodes)
    ticks = tick_crossings(chains, h, boxes) if prims.source == "vector" else {}
    leaders = leader_lines(chains, boxes) | set(ticks) if prims.source == "vector" else set()
    ticked = {id(chains[j]) for js in ticks.values() for j in js if j not in leaders}
    # (the chains are joined and split below: each tick kept as its two ends and the middle
    # of the line it marks)
    tick_marks = [(chains[t].points[0], chains[t].points[-1], U.halfway(chains[js[0]].points))
                  for t, js in ticks.items() if len(js) == 1]
    callout_leaders = [c for k, c in enumerate(chains) if k in leaders and k not in ticks]
    chains = [c for k, c in enumerate(chains) if k not in leaders]
    bridges = _head_bridges(loose_heads, nodes, tol=max(2.0, 0.2 * h))
    chains += bridges
    if len(loose_heads) > len(bridges):
        warnings.append(f"{len(loose_heads) - len(bridges)} arrowhead(s) not attached to any "
                        "connector")
    blocks = U.text_blocks(free)
    # a picture's name just below it is its own even inside a container, whose label would
    # otherwise be any block at its lower edge
    blocks = _caption_labels(blocks, [n for n in nodes if n.kind == "icon"], h)
    blocks = _group_labels(blocks, nodes, h)
    blocks = _caption_labels(blocks, nodes, h)
    blocks = _side_labels(blocks, nodes, chains, h)
    tol = max(4.0, 0.4 * h)
    if prims.source == "raster":
        # overlapping strokes of edges that share a trunk were traced as one tree
        chains = split_trunks(chains, [n.bbox for n in nodes if not n.is_group],
                              lambda p, tip: _snap(p, tip, nodes, tol), tol=max(3.0, 0.25 * h))
    edges, n_loose, pointers = _connect(chains, nodes, blocks, tol=tol, ticked=ticked,
                                        raster=prims.source == "raster")
    edges = _not_between_copies(edges, nodes)
    if prims.source == "raster" and n_loose:
        edges += _chords(chains, nodes, prims, tol)
    if prims.source == "raster":
        edges = _across_group_borders(edges, nodes, tol)
    # edge labels go line by line: two labels stacked between a pair of edges (A->B above,
    # B->A below) look like one block but belong to different edges
    lines = [[w] for b in blocks for w in b]
    edge_chains = [e[2] for e in edges]
    heading = _heading(lines, nodes, edge_chains, prims, h)
    titled = {id(ln[0]) for ln in heading}
    marked, lines = _tick_labels([ln for ln in lines if id(ln[0]) not in titled], tick_marks,
                                 edge_chains, h)
    label_of, rest_lines = _edge_labels(lines, edge_chains, h,
                                        [n.bbox for n in nodes if n.stroked and not n.is_group],
                                        [e[0] == e[1] and len(e[2].points) > 2 for e in edges], given=marked)
    _strays(label_of)
    _crossed_labels([prims.words[i] for i in sorted(crossed)], edges, label_of, rest_lines)
    rest = U.text_blocks(_wrapped_labels(label_of, rest_lines) + [w for ln in heading for w in ln])
    named = [(s, t, c, U.block_text([w for b in _once(label_of.get(k, [])) for w in b]))
             for k, (s, t, c, _) in enumerate(edges)]
    if prims.source == "vector":
        named = _boundary_names(nodes, named, chains, tol)
    notes = _notes(nodes, named)
    _lone_dots(nodes, named, chains)
    _contradicted_markers(nodes, named, raster=prims.source == "raster")
    _picture_parts(nodes, named)
    if prims.source == "vector":  # (raster: an empty box may be a label the OCR missed)
        named = _through_junctions(nodes, named)
    named = [e for e in named if not nodes[e[0]].note and not nodes[e[1]].note]
    used = {id(e[2]) for e in edges}
    _callouts(nodes, named, callout_leaders, [c for c in chains if id(c) not in used], tol)
    legend = find_legend(nodes, {k for e in named for k in e[:2]})
    for k in legend.entries if legend else ():
        nodes[k].legend = True
    # (a pointer, see _connect, is a line the graph does not account for: it lowers the
    # confidence like a loose one, though the chords above look only for lines with a free end)
    parts = GraphParts(nodes=nodes, edges=named, notes=notes, warnings=warnings,
                       n_chains=len(chains), n_loose=n_loose + len(pointers),
                       n_loose_heads=max(0, len(loose_heads) - len(bridges)), legend=legend)
    _finish_text(parts, rest, prims, h)
    return parts


def _callouts(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]], leaders: list[_Chain],
              loose: list[_Chain], tol: float) -> None:
    """A box of text whose leader (a headless line, see :mod:`.leaders`, or a line or arrow
    that joins nothing else) stops on a link, and that no connector joins, describes that
    link: the metadata a Visio pipeline carries from one table to the next, "Optional 10ms
    Delay" pointed at the link it delays. It is a callout on the link, not an unconnected
    element."""
    linked = {k for e in edges for k in e[:2]}
    leader_ids = {id(c) for c in leaders}
    # (a loose line needs a head that points at the link: headless strokes that stop near a
    # line are ticks and drawings of other things, and a leader is already known as one)
    for c in leaders + [c for c in loose if c.arrow_start != c.arrow_end]:
        first, last = c.tip_start or c.points[0], c.tip_end or c.points[-1]
        ends = [(first, last), (last, first)]
        if c.arrow_end != c.arrow_start:  # an arrow points from the callout at the link
            ends = ends[:1] if c.arrow_end else ends[1:]
        for p, q in ends:
            # (a leader was seen to stop on its line; a loose arrow may stop a little short of
            # it, and start a little off its label, as the label nodes at loose ends do)
            k = _snap(p, None, nodes, tol if id(c) in leader_ids else tol + 6.0)
            if k is None or k in linked or nodes[k].is_group or not nodes[k].words \
                    or nodes[k].on_link is not None:
                continue
            reach = 1.5 if id(c) in leader_ids else tol + 6.0
            on = [e for e in edges if U.poly_dist(q, e[2].points) <= reach and k not in e[:2]
                  and e[0] != e[1]]
            if on:
                e = min(on, key=lambda e: U.poly_dist(q, e[2].points))
                nodes[k].on_link = (e[0], e[1]) if not (e[2].arrow_start and not e[2].arrow_end) \
                    else (e[1], e[0])
                break


def _crossed_labels(words: list[Word], edges: list[tuple[int, int, _Chain, str]],
                    label_of: dict[int, list[list[Word]]], rest_lines: list[list[Word]]) -> None:
    """Words a line runs through are that line's: the label of the edge it became, or free
    text when it joined no two nodes (a selector line, a callout leader)."""
    for w in words:
        k = next((k for k, e in enumerate(edges) if runs_through(w, e[2].points)), None)
        if k is None:
            rest_lines.append([w])
        else:
            label_of[k].append([w])


def _once(blocks: list[list[Word]]) -> list[list[Word]]:
    """An edge's label lines, each text once: a link marked at both ends with the same name
    (TS 38.300 Figure 4.10.1-1 writes "NG-C" over both ticks of each NG-C line) is named once."""
    seen: set[str] = set()
    out = []
    for b in blocks:
        text = U.block_text(b)
        if text not in seen:
            seen.add(text)
            out.append(b)
    return out


def _strays(label_of: dict[int, list[list[Word]]]) -> None:
    """A line of one label's block that went to a neighbouring edge, which has a label of its
    own from another block, goes back to the edge that took the rest of its block (Graphviz's
    two-line "eth0 / .105": another link passing right by ".105" took it, and read
    "eth0 .105 .1"). A block split between two edges that hold nothing else (labels stacked
    between two edges) stays as it is."""
    owner = {id(w): k for k, bs in label_of.items() for b in bs for w in b}
    blocks = U.text_blocks([w for bs in label_of.values() for b in bs for w in b])
    block_of = {id(w): i for i, blk in enumerate(blocks) for w in blk}
    held = defaultdict(set)  # edge -> the blocks it holds lines of
    for w_id, k in owner.items():
        held[k].add(block_of[w_id])
    for i, blk in enumerate(blocks):
        edges = {owner[id(w)] for w in blk}
        if len(edges) != 2:
            continue
        k, m = sorted(edges, key=lambda e: len(held[e]), reverse=True)
        if len(held[k]) < 2 or held[m] != {i}:
            continue  # the stray's edge has no label of its own, or the other edge holds more
        move = {id(w) for w in blk if owner[id(w)] == k}
        label_of[k] = [b for b in ([w for w in b if id(w) not in move] for b in label_of[k]) if b]
        label_of[m].append([w for w in blk if id(w) in move])
        held[k].discard(i)


def _wrapped_labels(label_of: dict[int, list[list[Word]]], rest_lines: list[list[Word]]) -> list[Word]:
    """A label wrapped over several lines: the lines of its block that reached no connector
    (the lower lines of "customer of & / consents / «OAuth2»" lie farther from the line)
    join the edge that took the others, unless the block's lines went to two edges (labels
    stacked between two edges). Returns the words still free."""
    owner = {id(w): k for k, bs in label_of.items() for b in bs for w in b}
    left = {id(w) for b in rest_lines for w in b}
    free: list[Word] = []
    for blk in U.text_blocks([w for bs in label_of.values() for b in bs for w in b]
                             + [w for b in rest_lines for w in b]):
        mine = [w for w in blk if id(w) in left]
        edges = {owner[id(w)] for w in blk if id(w) in owner}
        if mine and len(edges) == 1:
            label_of[edges.pop()].append(mine)
        else:
            free += mine
    return free


def _chords(chains: list[_Chain], nodes: list[_N], prims: Primitives, tol: float
            ) -> list[tuple[int, int, _Chain, str]]:
    """Edges along straight connectors that crossings broke into pieces (raster only)."""
    boxes = [(0.0, 0.0, 0.0, 0.0) if n.is_group else n.bbox for n in nodes]  # groups are crossed
    out = []
    for c in straight_chords(chains, boxes, lambda p, tip: _snap(p, tip, nodes, tol),
                             (prims.width, prims.height), tol=max(2.5, 0.15 * tol)):
        a, b = _snap(c.points[0], c.tip_start, nodes, tol), _snap(c.points[-1], c.tip_end, nodes, tol)
        if a is not None and b is not None and a != b:
            out.append((a, b, c, ""))
    return out


def _lone_dots(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]],
               chains: list[_Chain]) -> None:
    """A solid dot (start-marker shape) that no connector reaches, not even loosely, is a dot
    of some other drawing (the service access points of a layered reference model, a
    bullet): not a pseudo-state. It leaves the graph (like a note) instead of making the
    figure a state machine. (A bullseye end marker is distinctive enough to stay.)"""
    touched = {k for s_, t, _, _ in edges for k in (s_, t)}
    ends = [p for c in chains for p in (c.points[0], c.points[-1])]
    for k, n in enumerate(nodes):
        if n.marker != "start" or k in touched or n.words:
            continue
        reach = max(12.0, 2.0 * (n.bbox[2] - n.bbox[0]))
        if not any(U.rect_dist(p, n.bbox) <= reach for p in ends):
            n.marker = ""
            n.note = True


def _contradicted_markers(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]],
                          raster: bool) -> None:
    """A start marker that arrows only point into, or an end marker that arrows only leave,
    is no pseudo-state: it is a dot or a ring of some picture (a person pictogram's head read
    as a bullseye, NIST SP 800-207 Figure 11, made the figure "a state diagram ... From end,
    the machine goes to ..."). In a raster figure a marker no connector joins is such a dot or
    ring too (a start dot near a line's end stays in a vector figure, where such dots are
    drawn on purpose). It leaves the graph, with its lines, as a lone dot does."""
    for k, n in enumerate(nodes):
        if n.marker not in ("start", "end") or n.words:
            continue
        at = [e for e in edges if k in (e[0], e[1])]
        touched = bool(at)
        into = any(_arrow_into(e, k) for e in at)
        out = any(_arrow_into(e, e[1] if e[0] == k else e[0]) for e in at)
        wrong = (n.marker == "start" and into and not out) or (n.marker == "end" and out and not into)
        if wrong or (raster and not touched):
            n.marker = ""
            n.note = True


def _picture_parts(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]]) -> None:
    """A small wordless picture whose every line runs to one named picture beside it is a
    piece of that picture (an antenna's tip on its mast above the mast's body): it leaves the
    graph with its lines instead of making "gNB connects to an unlabelled box" twice."""
    links: dict[int, set[int]] = {}
    for s_, t, _, _ in edges:
        links.setdefault(s_, set()).add(t)
        links.setdefault(t, set()).add(s_)
    for k, n in enumerate(nodes):
        if n.kind != "icon" or n.words or n.is_group or n.note:
            continue
        near = links.get(k, set()) - {k}
        if len(near) != 1:
            continue
        m = nodes[next(iter(near))]
        reach = 0.5 * max(m.bbox[2] - m.bbox[0], m.bbox[3] - m.bbox[1])
        gap = max(m.bbox[0] - n.bbox[2], n.bbox[0] - m.bbox[2], m.bbox[1] - n.bbox[3], n.bbox[1] - m.bbox[3])
        if m.kind == "icon" and m.words and U.area(n.bbox) <= 0.25 * U.area(m.bbox) and gap <= reach:
            n.note = True


_MOST_THROUGH = 6  # a wordless shape with more in x out pairs is a hub, not a junction


def _through_junctions(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]]
                       ) -> list[tuple[int, int, _Chain, str]]:
    """A wordless shape that the flow only passes through (arrows in, arrows out: the
    demultiplexer a Visio SAI pipeline draws between 'Ingress l2 interface type table' and its
    '.1D' / '.1Q' branches, a loop back into it included) is no element: each way through it
    becomes one edge from where the flow comes to where it goes, with the branch's label,
    instead of "leads to an unlabelled box". The Visio source reader passes the flow through
    such shapes the same way (``sources.vsdx``)."""
    out = list(edges)
    for k, n in enumerate(nodes):
        # (a choice diamond, a fork bar or a round pseudo-state is an element of its own)
        if (n.words or n.marker or n.is_group or n.note or n.rows or _bar(n) or _round(n)
                or n.kind in ("icon", "external", "diamond")):
            continue
        at = [e for e in out if k in (e[0], e[1])]
        into = [e for e in at if _head_at(e, k) and e[0] != e[1]]
        away = [e for e in at if _head_at(e, e[1] if e[0] == k else e[0]) and e[0] != e[1]]
        if not into or not away or len(into) * len(away) > _MOST_THROUGH or len(into) + len(away) != len(at):
            continue
        for a, b, c, lab in into:
            src = a if b == k else b
            pin = c.points if b == k else c.points[::-1]
            for e in away:
                dst = e[1] if e[0] == k else e[0]
                if dst == src:
                    continue
                pout = e[2].points if e[0] == k else e[2].points[::-1]
                out.append((src, dst, _Chain(points=pin + pout, dashed=e[2].dashed, arrow_end=True),
                            e[3] or lab))
        out = [e for e in out if k not in (e[0], e[1])]
        n.note = True
    return out


def _arrow_into(e: tuple[int, int, _Chain, str], k: int) -> bool:
    """The edge has a head at node ``k`` (a head at the chain's end points at its target, one
    at its start at its source)."""
    s_, t, c, _ = e
    return (t == k and c.arrow_end) or (s_ == k and c.arrow_start)


def _head_at(e: tuple[int, int, _Chain, str], k: int) -> bool:
    """The edge's only head is at node ``k``."""
    other = e[1] if e[0] == k else e[0]
    return _arrow_into(e, k) and not _arrow_into(e, other)


def _notes(nodes: list[_N], edges: list[tuple[int, int, _Chain, str]]) -> list[str]:
    """Boxes of prose tied to the graph only by dashed, headless lines are notes."""
    touching: dict[int, list[_Chain]] = defaultdict(list)
    for s_, t, c, _ in edges:
        touching[s_].append(c)
        touching[t].append(c)
    out = []
    for k, n in enumerate(nodes):
        cs = touching.get(k)
        if n.is_group or not cs or not n.words:
            continue
        if all(c.dashed and not (c.arrow_start or c.arrow_end) for c in cs) and \
                len(U.block_text(n.words).split()) >= 4:
            n.note = True
            out.append(U.block_text(n.words))
    return out


def _connect(chains: list[_Chain], nodes: list[_N], blocks: list[list[Word]], tol: float,
             ticked: Collection[int] = (), raster: bool = False
             ) -> tuple[list[tuple[int, int, _Chain, str]], int, list[_Chain]]:
    """Snap both ends of every chain; free blocks at a loose end become text-only nodes.

    A reference-point stub (a line marked with a tick, ``id`` in ``ticked``, that leaves a
    node and ends on nothing: 3GPP's S11 or N6 towards an element the figure does not draw)
    ends on an ``external`` node instead: the name written by its tick or its free end is the
    link's label, not an element at its end."""
    edges = []
    loose = 0
    pointers: list[_Chain] = []  # chains that only point beside a free label
    taken: dict[int, int] = {}
    for c in chains:
        ends: list[int | None] = []
        tips = ((c.points[0], c.tip_start), (c.points[-1], c.tip_end))
        # a ticked line's two ends are snapped first: whether it is a stub depends on both
        snaps = [_snap(p, tip, nodes, tol) for p, tip in tips] if id(c) in ticked else None
        stub = _stub_end(snaps, nodes) if snaps else 0
        for end, (p, tip) in enumerate(tips):
            k = snaps[end] if snaps else _snap(p, tip, nodes, tol)
            if k is None and stub == end + 1:
                nodes.append(_N(bbox=(p[0], p[1], p[0], p[1]), kind="external", stroked=False))
                k = len(nodes) - 1
            elif k is None and (k := _past_port_label(tip or p, nodes, 6.0 * tol)) is not None:
                pass
            elif k is None and U.poly_len(c.points) >= tol:
                # (a stroke shorter than that is part of the text: an underscore that the
                # PDF draws as a line, "local_s_address", makes no label a node)
                b = _text_node(tip or p, blocks, tol + 6.0)
                if raster and b is not None and _MULTIPLICITY.fullmatch(U.block_text(blocks[b]).strip()):
                    # a UML multiplicity ("1", "0..n") is written at a relation's end, by the
                    # box it reaches (past an aggregation diamond the tracer stopped short of):
                    # no element of its own where a box is that near. (Raster only: a vector
                    # end is where it was drawn, and TS 38.300's SSB chart draws its spans
                    # between subcarrier numbers beside the PBCH boxes.)
                    k = _snap(tip or p, None, nodes, _MULTIPLICITY_REACH * tol)
                if k is None and b is not None:
                    if b not in taken:
                        nodes.append(_N(bbox=U.block_rect(blocks[b]), kind="rect", stroked=False,
                                        words=list(blocks[b]), text_only=True))
                        taken[b] = len(nodes) - 1
                    k = taken[b]
            if k is not None and nodes[k].is_group and tip is None:
                other = tips[1 - end]
                o = _snap(other[0], other[1], nodes, tol)
                if o is not None and not nodes[o].is_group:  # (a link, not an outline's stub)
                    k = _past_border(c.points, end, nodes, k, tol, o)
            ends.append(k)
        a, b = ends
        if a is None or b is None:
            if a is not None or b is not None or c.arrow_start or c.arrow_end:
                loose += 1
            continue
        # (a free label at both ends of one arrow is what the arrow points out, "upstream"
        # beside an arrow up: no link to itself, and a line the graph does not account for)
        if a == b and nodes[a].text_only:
            pointers.append(c)
            continue
        if a == b and not _real_loop(c, nodes[a]):
            continue
        edges.append((a, b, c, ""))
    # a label node that a directed line runs straight through is that line's label: its block
    # goes back to the free text (edge labels are assigned from it) and the node goes
    absorbed: dict[int, int] = {}
    for b, k in taken.items():
        if _through_label(edges, k, nodes[k].bbox):  # (merges the two edges in place)
            absorbed[b] = k
    if absorbed:
        # text nodes were appended after every other node, so removing them moves no other
        keep = [i for i in range(len(nodes)) if i not in absorbed.values()]
        new = {old: i for i, old in enumerate(keep)}
        nodes[:] = [nodes[i] for i in keep]
        edges = [(new[a], new[b], c, lab) for a, b, c, lab in edges]
    for b in sorted(set(taken) - set(absorbed), reverse=True):
        del blocks[b]
    return edges, loose, pointers


_MULTIPLICITY = re.compile(r"(\d{1,2}|[*nm])(\s*\.\.\s*(\d{1,2}|[*nm]))?", re.IGNORECASE)
_MULTIPLICITY_REACH = 4.0  # snapping tolerances an end by a multiplicity may lie from its box
# (two digits at most: a plain-text node "1972" in a timeline graph is a node)


def _across_group_borders(edges: list[tuple[int, int, _Chain, str]], nodes: list[_N], tol: float
                          ) -> list[tuple[int, int, _Chain, str]]:
    """A link that crosses container outlines was cut where each outline was taken out: its
    pieces run from a node to an outline (its own container's from inside, or another's from
    outside), from one outline to the next, and from an outline on to the next node. Two
    pieces whose outline ends face each other along one straight line a short way apart are
    one, its heads as the pieces had them, until no two are left to join. (A piece drawn to a
    container itself ends on its outline too, with no piece carrying on in line beyond it.)"""
    def oriented(e: tuple[int, int, _Chain, str], end: int) -> tuple[int, list[Point], bool, bool]:
        """(the node at the other end, points running to ``end``, head at the other end,
        head at ``end``)."""
        a, b, c, _ = e
        if end == 1:
            return a, list(c.points), c.arrow_start, c.arrow_end
        return b, c.points[::-1], c.arrow_end, c.arrow_start

    def heading(pts: list[Point]) -> Point | None:
        far = pts[-1]
        for q in reversed(pts[:-1]):  # the last stretch at least a few tolerances long
            if U.dist(q, far) >= 2.0 * tol:
                d = U.dist(q, far)
                return ((far[0] - q[0]) / d, (far[1] - q[1]) / d)
        return None

    out = list(edges)
    while True:
        # every end that stops on a container's outline, pointing the way it runs there
        ends = []
        for k, e in enumerate(out):
            for end, g in ((0, e[0]), (1, e[1])):
                if nodes[g].is_group:
                    other, pts, h_other, _h_end = oriented(e, end)
                    d = heading(pts)
                    if d is not None:
                        ends.append((k, end, other, pts, h_other, d))
        best = None
        for m, (i, ei, x, pa, hx, da) in enumerate(ends):
            for j, ej, y, pb, hy, db in ends[m + 1:]:
                if j == i or da[0] * db[0] + da[1] * db[1] > -_BORDER_COS:
                    continue  # the two outline ends must point at each other
                p, q = pa[-1], pb[-1]
                gap = U.dist(p, q)
                if gap > _BORDER_GAP * tol:
                    continue
                # q lies ahead of p along the piece's line (or a little behind: each piece
                # may end on the far one of two outlines side by side), off it by little
                ahead = (q[0] - p[0]) * da[0] + (q[1] - p[1]) * da[1]
                off = abs((q[0] - p[0]) * da[1] - (q[1] - p[1]) * da[0])
                if ahead < -2.0 * tol or off > tol:
                    continue
                if best is None or gap < best[0]:
                    best = (gap, i, j, x, y, pa, pb, hx, hy)
        if best is None:
            break
        _, i, j, x, y, pa, pb, hx, hy = best
        joined = _Chain(points=pa + pb[::-1], dashed=out[i][2].dashed and out[j][2].dashed,
                        arrow_start=hx, arrow_end=hy)
        label = out[i][3] or out[j][3]
        out = [e for k, e in enumerate(out) if k not in (i, j)]
        if x != y or _real_loop(joined, nodes[x]):
            out.append((x, y, joined, label))
    return [_from_member(e, nodes, tol) for e in out]


_BORDER_GAP = 8.0  # snapping tolerances between the two pieces' ends across outlines
_BORDER_COS = 0.9  # the two pieces' last stretches point at each other this straight


def _from_member(e: tuple[int, int, _Chain, str], nodes: list[_N], tol: float) -> tuple[int, int, _Chain, str]:
    """A piece from a container's outline to a node outside it whose end on the outline lies
    right by a node inside (the stretch between them went with the outline): that node's."""
    a, b, c, lab = e
    for g, y, p in ((a, b, c.points[0]), (b, a, c.points[-1])):
        if not nodes[g].is_group or nodes[y].is_group or U.contains(nodes[g].bbox, nodes[y].bbox, 1.0):
            continue
        near = [(U.rect_dist(p, n.bbox), x) for x, n in enumerate(nodes)
                if x not in (g, y) and not n.is_group and U.contains(nodes[g].bbox, n.bbox, 1.0)]
        near = [t for t in near if t[0] <= _MEMBER_REACH * tol]
        if near:
            x = min(near)[1]
            return (x, b, c, lab) if g == a else (a, x, c, lab)
    return e


_MEMBER_REACH = 3.0  # snapping tolerances from the outline to the member node


_BORDER_GAP = 8.0  # snapping tolerances between the two pieces' ends across outlines
_BORDER_COS = 0.9  # the two pieces' last stretches point at each other this straight


def _past_border(pts: list[Point], end: int, nodes: list[_N], k: int, tol: float, other: int) -> int:
    """A plain end (no head) on a group's outline whose line, carried on straight across the
    outline, reaches a node just past it (outside, or inside next to the outline): the line
    was cut where the outline was taken out (a link from a box beside a frame to a node
    inside it; its head, left by itself inside, is bridged to that node), not drawn to the
    group."""
    p, q = (pts[0], pts[1]) if end == 0 else (pts[-1], pts[-2])
    dx, dy = p[0] - q[0], p[1] - q[1]
    norm = math.hypot(dx, dy)
    if norm < 1e-6 or U.boundary_dist(p, nodes[k].bbox) > tol:
        return k
    dx, dy = dx / norm, dy / norm
    best = None
    for j, n in enumerate(nodes):
        if n.is_group or j in (k, other):
            continue
        for step in range(1, int(_PAST_BORDER * tol) + 1):
            if U.rect_dist((p[0] + dx * step, p[1] + dy * step), n.bbox) <= 1.0:
                if best is None or step < best[0]:
                    best = (step, j)
                break
    return k if best is None else best[1]


_PAST_BORDER = 3.5  # snapping tolerances a cut line is carried on past a group's outline


def _past_port_label(p: Point, nodes: list[_N], reach: float) -> int | None:
    """The device picture a link ends just short of: network drawings stop a link at the
    interface name printed by the picture's edge ("eth0" between the line and the router in
    FRR's DMVPN figure), so the end lies a word's length from the icon, not on it."""
    best = None
    for k, n in enumerate(nodes):
        if n.kind == "icon" and not n.is_group:
            d = U.rect_dist(p, n.bbox)
            if d <= reach and (best is None or d < best[0]):
                best = (d, k)
    return best[1] if best else None


def _stub_end(snaps: list[int | None], nodes: list[_N]) -> int:
    """1 or 2 when only a chain's start or end (``snaps``: the nodes its ends snapped to) is
    free and the other end is on a drawn node (a box, not a text label); 0 otherwise."""
    a, b = snaps
    if (a is None) == (b is None):
        return 0
    k = a if a is not None else b
    if nodes[k].text_only or nodes[k].kind == "external":
        return 0
    return 1 if a is None else 2


_THROUGH_LABEL_COS = -0.5  # the two pieces of a line broken by its label arrive from opposite sides


def _to_end(c: _Chain, end: int) -> _Chain:
    """The chain turned, if need be, so that its given end (0 start, 1 end) is its last point."""
    if end == 1:
        return c
    return _Chain(points=c.points[::-1], dashed=c.dashed, arrow_start=c.arrow_end,
                  arrow_end=c.arrow_start, tip_start=c.tip_end, tip_end=c.tip_start)


def _through_label(edges: list[tuple[int, int, _Chain, str]], k: int, box: Rect) -> bool:
    """A free label that exactly two pieces of line reach, from opposite sides, in line with
    each other through its middle, with an arrowhead at one far end and none at the label,
    sits in the middle of one connector (an edge label on its own background, which broke
    the line): the two pieces become one edge, in ``edges``, and the label is its label. A
    node whose outline was not found is reached from any two sides, not straight through.
    Returns whether the edges were merged."""
    inc = [i for i, e in enumerate(edges) if k in (e[0], e[1])]
    if len(inc) != 2:
        return False
    (a1, b1, c1, _), (a2, b2, c2, _) = edges[inc[0]], edges[inc[1]]
    far1, far2 = (a1 if b1 == k else b1), (a2 if b2 == k else b2)
    if a1 == b1 or a2 == b2 or far1 == far2:
        return False
    # both pieces turned to run from their far node to the label
    t1, t2 = _to_end(c1, 1 if b1 == k else 0), _to_end(c2, 1 if b2 == k else 0)
    if t1.arrow_end or t2.arrow_end:
        return False  # a head at the label: the label is a node the line points at
    if not (t1.arrow_start or t2.arrow_start):
        # an undirected line through a name may as well be two links of a node whose outline
        # was not found (a Chen relationship diamond): only a directed one is taken as broken
        return False
    u, v = U.heading(t1.points, 3), U.heading(t2.points, 3)
    if u[0] * v[0] + u[1] * v[1] > _THROUGH_LABEL_COS:
        return False
    if U.seg_dist(U.center(box), t1.points[-1], t2.points[-1]) > 0.3 * (box[3] - box[1]):
        return False
    merged = _Chain(points=t1.points + t2.points[::-1], dashed=t1.dashed and t2.dashed,
                    arrow_start=t1.arrow_start, arrow_end=t2.arrow_start,
                    tip_start=t1.tip_start, tip_end=t2.tip_start)
    edges[inc[0]] = (far1, far2, merged, "")
    del edges[inc[1]]
    return True


def _real_loop(c: _Chain, n: _N) -> bool:
    """A self-loop leaves its node well clear and comes back (hatching strokes and a box's
    shadow do not; a device picture is never linked to itself: such strokes are the picture's
    own)."""
    if not (c.arrow_start or c.arrow_end) or n.kind == "icon":
        return False  # an undirected stroke from a node back to itself is decoration
    out = sum(1 for p in c.points if not U.inside(p, n.bbox, 0.5))
    reach = max(U.rect_dist(p, n.bbox) for p in c.points)
    # (a box's drop shadow or double border, a few pixels off its side, is no loop: a large
    # box's loop stands off it by more than a sliver of its size)
    side = min(n.bbox[2] - n.bbox[0], n.bbox[3] - n.bbox[1])
    return out >= 0.5 * len(c.points) and reach >= max(5.0, 0.06 * side) and U.poly_len(c.points) > 12


def _finish_text(parts: GraphParts, rest: list[list[Word]], prims: Primitives, h: float) -> None:
    for b in rest:
        parts.notes.append(U.block_text(b))
    if rest:
        parts.warnings.append(f"{len(rest)} text block(s) not attached to any node or connector")
    parts.n_words = len(prims.words)
    parts.n_words_used = len(prims.words) - sum(len(b) for b in rest)
    parts.title = _title(rest, parts.nodes, prims)
    if parts.title:
        parts.notes.remove(parts.title)


_PANEL = re.compile(r"\(?[a-zA-Z0-9]\)|[a-z]\.")


def _title(rest: list[list[Word]], nodes: list[_N], prims: Primitives) -> str | None:
    """A free block in a larger font, or alone above (below) every node, is the title."""
    # a panel's letter ("a)", "(b)") names a part of the figure, not the whole
    rest = [b for b in rest if not _PANEL.fullmatch(U.block_text(b))]
    if not rest:
        return None
    median = max(1.0, _median_size(prims.words))
    big = [b for b in rest if max(w.size for w in b) >= 1.3 * median]
    if big:
        return U.block_text(min(big, key=lambda b: U.block_rect(b)[1]))
    boxes = [n.bbox for n in nodes]
    if not boxes:
        return None
    top = min(b[1] for b in boxes)
    bottom = max(b[3] for b in boxes)
    above = [b for b in rest if U.block_rect(b)[3] <= top + 1]
    below = [b for b in rest if U.block_rect(b)[1] >= bottom - 1]
    if len(above) == 1:
        return U.block_text(above[0])
    if len(below) == 1 and not above:
        return U.block_text(below[0])
    return None


def _median_size(words: list[Word]) -> float:
    s = sorted(w.size for w in words if w.size > 0)
    return s[len(s) // 2] if s else 0.0


# ---- to a Diagram ---------------------------------------------------------------------------

def _ids(parts: GraphParts) -> None:
    order = sorted(range(len(parts.nodes)),
                   key=lambda k: (round(parts.nodes[k].bbox[1] / 4), parts.nodes[k].bbox[0]))
    gi = ni = 0
    for k in order:
        n = parts.nodes[k]
        n.label = _ICON_CODE.sub("", U.block_text(n.words)).strip()
        if n.rows:
            _split_record(n)
        if n.is_group:
            gi += 1
            n.id = f"g{gi}"
        else:
            ni += 1
            n.id = f"n{ni}"
        if n.marker in ("start", "end"):
            n.label = n.marker


def _node_shape(n: _N, state: bool) -> str:
    if n.marker in ("start", "end"):
        return n.marker
    if n.marker == "double" and _round(n):
        return "double_circle"
    if n.text_only:
        return "box"
    if not n.words and _bar(n):
        return "fork"  # a solid bar: fork/join of a state machine or activity diagram
    if state and n.kind == "diamond" and not n.words:
        return "choice"  # an empty diamond in a state machine is a choice pseudo-state
    if state and n.kind in ("round_rect", "rect", "circle", "ellipse"):
        return "state"
    return _SHAPE_NAME.get(n.kind, "box")


def to_diagram(parts: GraphParts, kind: str) -> Diagram:
    """Typed Diagram from the recovered graph (kind decided by the classifier)."""
    _ids(parts)
    nodes = parts.nodes
    d = Diagram(kind=kind, title=parts.title)  # type: ignore[arg-type]
    state = kind == "state"
    order = sorted(range(len(nodes)), key=lambda k: (round(nodes[k].bbox[1] / 4), nodes[k].bbox[0]))
    about: list[str] = []  # per node: its stereotype and fields, as a note
    for k in order:
        n = nodes[k]
        if n.is_group:
            continue
        label, stereotype = split_stereotype(n.label)  # (a UML header read as one line)
        if not n.note:
            d.nodes.append(Node(id=n.id, label=label,
                                shape="note" if n.on_link else _node_shape(n, state)))
        if stereotype or n.fields:
            about.append(f"{label}: {'; '.join(([stereotype] if stereotype else []) + n.fields)}")
    for k in order:
        n = nodes[k]
        if n.is_group:
            # members as drawn, top to bottom then left to right (a stack's layers in order)
            kids = sorted(n.children, key=lambda c: (round(nodes[c].bbox[1] / 4), nodes[c].bbox[0]))
            members = [nodes[c].id for c in kids if nodes[c].id and not nodes[c].note]
            parent = nodes[n.parent].id if n.parent is not None else None
            d.groups.append(Group(id=n.id, label=n.label, members=members, parent=parent))
    undirected_kind = kind in ("topology",)
    for s, t, c, label in parts.edges:
        directed = c.arrow_start or c.arrow_end
        src, dst = (t, s) if c.arrow_start and not c.arrow_end else (s, t)
        d.edges.append(Edge(source=nodes[src].id, target=nodes[dst].id, label=label,
                            directed=directed and not (undirected_kind and not directed),
                            bidirectional=c.arrow_start and c.arrow_end,
                            style="dotted" if c.dashed else "solid"))
    d.notes = about + list(parts.notes)
    d.notes += [f"On the link from {_name_of(nodes[n.on_link[0]])} to {_name_of(nodes[n.on_link[1]])}: "
                f"{n.label}"
                for k in order if (n := nodes[k]).on_link is not None and not n.note and n.id]
    if parts.legend is not None and kind != "other":  # (no graph read: nothing to key)
        _legend_to_diagram(parts, d)
    d.direction = _direction(parts)
    return d


def _legend_to_diagram(parts: GraphParts, d: Diagram) -> None:
    """The colour key as a group of its entries (they stay elements: they are labelled
    shapes of the figure) and one note that says each entry's colour and what carries it."""
    assert parts.legend is not None
    nodes = parts.nodes
    entries = [nodes[k] for k in parts.legend.entries if nodes[k].id and not nodes[k].note]
    if len(entries) < 2:
        return
    titles = [nodes[k] for k in parts.legend.titles if nodes[k].id and not nodes[k].note]
    ids = {n.id for n in entries + titles}
    for g in d.groups:  # an entry is a member of the legend only (Mermaid draws a node once)
        g.members = [m for m in g.members if m not in ids]
    d.groups.append(Group(id="legend", label="Legend", members=[n.id for n in entries + titles]))
    keys = []
    for k in parts.legend.entries:
        n = nodes[k]
        if n.id not in ids or n.colour is None:
            continue
        carried = [_name_of(nodes[j]) for j in parts.legend.keyed.get(k, [])
                   if nodes[j].id and not nodes[j].note]
        key = f"{n.label} ({colour_name(n.colour)})"
        keys.append(f"{key}: {', '.join(c for c in carried if c)}" if carried else key)
    d.notes.append("Legend: " + "; ".join(keys))


def _name_of(n: _N) -> str:
    """An element's name: a box of content (see :func:`._util.head_and_body`) is called by
    the name it prints over its content, as the prose calls it."""
    hb = U.head_and_body(n.label)
    if hb:
        return hb[0]
    if len(n.label) >= 48 and n.label.find(":") >= 3:  # (OCR drops the braces: up to the first field)
        return n.label[:n.label.find(":")].strip()
    return n.label or "an unlabelled element"


def _direction(parts: GraphParts) -> str:
    dx = dy = 0.0
    for s, t, c, _ in parts.edges:
        a, b = U.center(parts.nodes[s].bbox), U.center(parts.nodes[t].bbox)
        if c.arrow_start and not c.arrow_end:
            a, b = b, a
        dx += b[0] - a[0]
        dy += b[1] - a[1]
    if abs(dx) > abs(dy):
        return "LR" if dx >= 0 else "RL"
    return "TD" if dy >= 0 else "BT"


def graph_confidence(parts: GraphParts) -> float:
    if not parts.nodes:
        return 0.1
    attach = 1.0 - parts.n_loose / max(1, parts.n_loose + len(parts.edges))
    text = parts.n_words_used / parts.n_words if parts.n_words else 0.5
    drawn = [n for n in parts.nodes if n.kind != "external"] or parts.nodes  # stubs' far ends
    labelled = sum(1 for n in drawn if n.words or n.marker) / len(drawn)
    conf = 0.2 + 0.3 * attach + 0.25 * text + 0.2 * labelled
    # a link to a device picture with no name says little ("an unlabelled box connects to an
    # unlabelled box": routers whose names the OCR missed); an unnamed junction box of a
    # pipeline is no such loss
    named = [bool(n.words or n.kind != "icon") for n in parts.nodes]
    blind = sum(1 for a, b, *_ in parts.edges if not (named[a] and named[b]))
    conf -= 0.25 * blind / max(1, len(parts.edges))
    if not parts.edges:
        conf -= 0.2
    return round(max(0.05, min(0.95, conf)), 3)
