"""Protocol stacks side by side in one box: a node's box holding two stacks, each under its
own heading (TS 38.300 Figure 4.7.2-1: IAB-node 1 holds its IAB-DU's and its IAB-MT's layers,
BAP to PHY twice; the IAB-donor its DU's and its CU's). Read as one stack, the layers of both
came out interleaved ("BAP, BAP, RLC, RLC, ..."), under the first heading only, and the peer
lines ran between the wrong stacks."""

from __future__ import annotations

from . import _util as U
from .graph import _N, GraphParts
from .primitives import Primitives, Word

_HEAD_ROW = 1.5  # heading row: within this many text heights (+6 pt) of the box's top


def split_columns(parts: GraphParts, prims: Primitives) -> None:
    """Each container whose layer boxes stand in two or more columns, each column under a
    heading of its own in the container's top row, becomes one group per column (named by
    the container's title printed above it and the column's heading), nested in the
    container, which keeps the title. Containers that do not read so are left alone."""
    h = U.median_height(prims.words) or 8.0
    nodes = parts.nodes
    whole: list[_N] = []  # containers of one stack
    split = False
    for g in range(len(nodes)):
        box = nodes[g]
        if not box.is_group or box.parent is not None:
            continue
        # (layers carry names; an unnamed shape across both stacks, a crossing drawn over
        # two peer layers, stays the container's)
        kids = [k for k in box.children if not nodes[k].is_group and nodes[k].words]
        cols = _columns(kids, nodes)
        if len(cols) < 2 or any(len(c) < 2 for c in cols):
            whole.append(box)
            continue
        heads = [_heading(c, box, nodes, prims.words, h) for c in cols]
        if any(not hd for hd in heads) or len({U.block_text(hd) for hd in heads}) < len(heads):
            whole.append(box)
            continue
        title = _title_of(box, parts, nodes, prims.words, h)
        box.words = list(title)
        for hd in heads:  # (a heading left as a free note, see graph._group_labels)
            _unsay(parts, hd)
        # an unnamed shape left over is drawn across the stacks (a crossing over two peer
        # layers): no layer of the node's own
        for k in box.children:
            if k not in kids and not nodes[k].is_group:
                nodes[k].parent = None
        box.children = [k for k in box.children if nodes[k].is_group]
        for col, hd in zip(cols, heads):
            rects = [nodes[k].bbox for k in col] + [w.bbox for w in hd]
            r = (min(q[0] for q in rects), min(q[1] for q in rects),
                 max(q[2] for q in rects), max(q[3] for q in rects))
            j = len(nodes)
            nodes.append(_N(bbox=r, kind="rect", is_group=True, words=list(title) + list(hd),
                            children=list(col), parent=g, stroked=False))
            for k in col:
                nodes[k].parent = j
        split = True
    # where the figure names its nodes over their boxes, a box of one stack is named so too
    # ("IAB-donor DU" beside "IAB-node 1 IAB-MT")
    for box in whole if split else ():
        title = _title_of(box, parts, nodes, prims.words, h) if box.words else []
        box.words = list(title) + box.words


def _title_of(box: _N, parts: GraphParts, nodes: list[_N], words: list[Word], h: float) -> list[Word]:
    """The container's title printed over it, taken out of the figure's notes."""
    title = _title_above(box, nodes, words, h)
    _unsay(parts, title)
    return title


def _unsay(parts: GraphParts, words: list[Word]) -> None:
    """The figure's notes without the text of ``words`` (now a stack's name)."""
    said = U.block_text(words) if words else None
    parts.notes = [n for n in parts.notes if n != said]


def _columns(kids: list[int], nodes: list[_N]) -> list[list[int]]:
    """The boxes in columns: a box joins the column whose span it shares most of its width
    with; columns left to right, each top to bottom."""
    cols: list[list[int]] = []
    spans: list[tuple[float, float]] = []
    for k in sorted(kids, key=lambda k: nodes[k].bbox[0]):
        x0, _y0, x1, _y1 = nodes[k].bbox
        for c, (a, b) in enumerate(spans):
            if min(b, x1) - max(a, x0) >= 0.5 * min(b - a, x1 - x0):
                cols[c].append(k)
                spans[c] = (min(a, x0), max(b, x1))
                break
        else:
            cols.append([k])
            spans.append((x0, x1))
    return [sorted(c, key=lambda k: nodes[k].bbox[1]) for c in cols]


def _free(w: Word, nodes: list[_N]) -> bool:
    c = U.center(w.bbox)
    return not any(not n.is_group and U.inside(c, n.bbox, 0.5) for n in nodes)


def _heading(col: list[int], box: _N, nodes: list[_N], words: list[Word], h: float) -> list[Word]:
    """The words in the container's top row over the column (its heading)."""
    x0 = min(nodes[k].bbox[0] for k in col)
    x1 = max(nodes[k].bbox[2] for k in col)
    top = min(nodes[k].bbox[1] for k in col)
    pad = 0.25 * (x1 - x0)
    g = box.bbox
    return [w for w in words
            if U.inside(U.center(w.bbox), g, 0.5) and _free(w, nodes)
            and w.bbox[1] - g[1] <= _HEAD_ROW * h + 6 and w.bbox[3] <= top + 1
            and x0 - pad <= U.center(w.bbox)[0] <= x1 + pad]


def _title_above(box: _N, nodes: list[_N], words: list[Word], h: float) -> list[Word]:
    """The words printed right above the container, over its width (its node's name)."""
    g = box.bbox
    return [w for w in words if _free(w, nodes) and g[1] - 3 * h <= w.bbox[3] <= g[1] + 1
            and g[0] <= U.center(w.bbox)[0] <= g[2]]
