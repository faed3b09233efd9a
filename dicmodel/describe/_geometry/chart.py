"""Charts: the drawing conventions that say "this figure measures something", and a reader for
the values a bar chart prints or draws.

Measurable features (each is a convention of charts and timing drawings, rare in graphs):

- :func:`span_markers`: dimension lines: a level (or upright) line with an arrowhead at each
  end whose tips rest on extension lines (short strokes across the line's ends that run on
  past the tip, shorter than a lifeline), often cut in two halves by its label ("|<-- DRX Cycle -->|"); a timing or
  frequency drawing marks durations and bandwidths this way, a graph's double arrows end at
  boxes instead;
- :func:`arrow_axes`: two long axes meeting at the bottom-left corner, each ending in an
  arrowhead at its far end (a chart's axes with no tick labels);
- :func:`time_lanes`: a timing chart: one long level time axis with an arrowhead at its right
  end only, and two or more lines beside it as long as it, each lane named by the text at its
  left end (3GPP's charging-interval and DRX drawings);
- :func:`read_bars`: bars standing on the horizontal axis of a chart with a numbered vertical
  axis: each bar's category (the text under it) and value (its top read against the tick
  labels, or the number printed on or above it), as a Markdown table.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _util as U
from .primitives import Point, Primitives, Word
from .table import Seg, _join

__all__ = ["Bar", "TimeLanes", "arrow_axes", "bars_markdown", "read_bars", "span_markers", "time_lanes"]


def _lines(prims: Primitives, tol: float) -> tuple[list[Seg], list[Seg]]:
    """Level (y, x0, x1) and upright (x, y0, y1) strokes of the paths (collinear pieces that
    touch, such as a dimension line's two halves or a dotted line's dashes, joined)."""
    hs: list[Seg] = []
    vs: list[Seg] = []
    for p in prims.paths:
        for a, b in zip(p.points, p.points[1:]):
            if abs(a[1] - b[1]) <= 1.0 and abs(a[0] - b[0]) > 1.0:
                hs.append(((a[1] + b[1]) / 2, min(a[0], b[0]), max(a[0], b[0])))
            elif abs(a[0] - b[0]) <= 1.0 and abs(a[1] - b[1]) > 1.0:
                vs.append(((a[0] + b[0]) / 2, min(a[1], b[1]), max(a[1], b[1])))
    return _join(hs, tol), _join(vs, tol)


def _tip(p: Point, prims: Primitives, reach: float) -> Point | None:
    near = [a for a in prims.arrowheads if U.rect_dist(p, a.bbox) <= reach]
    return min(near, key=lambda a: U.rect_dist(p, a.bbox)).tip if near else None


def _on_extension(tip: Point, across: list[Seg], level: bool, run: float, tol: float,
                  most: float) -> bool:
    """A stroke across the line at ``tip`` that runs on at least ``run`` past it and is at most
    ``most`` long (a call flow's lifelines run the figure's whole height: no extension lines)."""
    along, at = (tip[0], tip[1]) if level else (tip[1], tip[0])
    for pos, a, b in across:
        if abs(pos - along) <= tol and a - tol <= at <= b + tol and max(b - at, at - a) >= run \
                and b - a <= most:
            return True
    return False


def _across_labels(lines: list[Seg], words: list[Word], level: bool) -> list[Seg]:
    """Collinear lines whose gap holds a label centred on them are one line (a dimension
    line is often drawn in two halves, broken by its label)."""
    out = sorted(lines, key=lambda s: (round(s[0]), s[1]))
    k = 0
    while k < len(out) - 1:
        (p, a, b), (q, c, d) = out[k], out[k + 1]
        gap = (b, p, c, q) if level else (p, b, q, c)  # the gap as a box
        box = (min(gap[0], gap[2]), min(gap[1], gap[3]) - 1, max(gap[0], gap[2]), max(gap[1], gap[3]) + 1)
        if abs(p - q) <= 1.0 and c > b and any(U.inside(U.center(w.bbox), U.expand(box, 2.0))
                                               for w in words):
            out[k:k + 2] = [((p + q) / 2, a, d)]
            continue
        k += 1
    return out


def span_markers(prims: Primitives) -> int:
    """How many dimension lines the figure has (see the module docstring)."""
    h = U.median_height(prims.words)
    tol = 3.0
    hs, vs = _lines(prims, tol)
    hs, vs = _across_labels(hs, prims.words, True), _across_labels(vs, prims.words, False)
    n = 0
    for level, lines, across in ((True, hs, vs), (False, vs, hs)):
        for pos, a, b in lines:
            if b - a < 2 * h:
                continue
            ends = [(a, pos), (b, pos)] if level else [(pos, a), (pos, b)]
            tips = [_tip(e, prims, 3.0) for e in ends]
            most = 0.6 * (prims.height if level else prims.width)
            if all(t is not None and _on_extension(t, across, level, 0.5 * h, tol, most) for t in tips):
                n += 1
    return n


def arrow_axes(prims: Primitives) -> bool:
    """Two long axes (half the figure's width and height) meeting at the bottom-left corner,
    each with an arrowhead at its far end and none at the corner."""
    hs, vs = _lines(prims, 2.5)
    for y, x0, x1 in hs:
        if x1 - x0 < 0.5 * prims.width:
            continue
        for x, y0, y1 in vs:
            if y1 - y0 < 0.5 * prims.height or not (x0 - 12 <= x <= x0 + 0.2 * (x1 - x0)):
                continue
            if not (y1 - 0.2 * (y1 - y0) <= y <= y1 + 12):
                continue
            right, top = _tip((x1, y), prims, 4.0), _tip((x, y0), prims, 4.0)
            if right is not None and top is not None and right[0] > x1 - 2 and top[1] < y0 + 2:
                return True
    return False


@dataclass
class TimeLanes:
    axis: str  # the time axis's own label, at its tip ("Time", "t"), or ""
    lanes: list[str]  # lane names top to bottom (the axis's lane included)


def _head_at(p: Point, prims: Primitives, reach: float, least: float) -> bool:
    """An arrowhead of at least ``least`` across near ``p`` (a line's 1-point round cap is none)."""
    return any(U.rect_dist(p, a.bbox) <= reach and max(a.bbox[2] - a.bbox[0], a.bbox[3] - a.bbox[1]) >= least
               for a in prims.arrowheads)


def _left_name(y: float, x0: float, blocks: list[list[Word]], h: float) -> str:
    """The text block that ends just left of a line's start at the line's height."""
    best = ""
    for b in blocks:
        r = U.block_rect(b)
        if r[2] <= x0 + 0.5 * h and x0 - r[2] <= 6 * h and r[1] - 0.8 * h <= y <= r[3] + 0.8 * h:
            best = U.block_text(b)
    return best


def time_lanes(prims: Primitives) -> TimeLanes | None:
    """A timing chart (see the module docstring), or None."""
    if not prims.words:
        return None
    h = U.median_height(prims.words)
    hs, _vs = _lines(prims, 2.5)
    least = max(4.0, 0.5 * h)
    blocks: list[list[Word]] | None = None  # (grouped only for a figure that has a time axis)
    for y, x0, x1 in hs:
        if x1 - x0 < 0.5 * prims.width:
            continue
        if not _head_at((x1, y), prims, 4.0, least) or _head_at((x0, y), prims, 4.0, least):
            continue
        lanes = [(q, a, b) for q, a, b in hs if abs(q - y) >= 1.5 * h and b - a >= 0.7 * (x1 - x0)
                 and min(b, x1) - max(a, x0) >= 0.7 * (x1 - x0)
                 and not _head_at((a, q), prims, 4.0, least) and not _head_at((b, q), prims, 4.0, least)]
        if len(lanes) < 2:
            continue
        blocks = blocks if blocks is not None else U.text_blocks(prims.words)
        names = [(q, _left_name(q, a, blocks, h)) for q, a, _b in lanes + [(y, x0, x1)]]
        named = [n for _q, n in sorted(names) if n]
        if len(named) < 3:
            continue
        tip = [b for b in blocks if U.rect_dist((x1, y), U.block_rect(b)) <= 3 * h]
        return TimeLanes(axis=U.block_text(tip[0]) if tip else "", lanes=named)
    return None


# ---- bar values ---------------------------------------------------------------------------------

@dataclass
class Bar:
    category: str
    value: str  # as printed, or read against the axis ("~42")
    x: float


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("%", "").strip())
    except ValueError:
        return None


def _scale(ticks: list[Word]) -> tuple[float, float] | None:
    """value = a * y + b from the vertical axis's tick labels (least squares on their centres)."""
    pts = [(U.center(w.bbox)[1], v) for w in ticks if (v := _number(w.text)) is not None]
    if len(pts) < 2:
        return None
    my = sum(p[0] for p in pts) / len(pts)
    mv = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - my) ** 2 for p in pts)
    if den <= 0:
        return None
    a = sum((p[0] - my) * (p[1] - mv) for p in pts) / den
    return (a, mv - a * my) if a < 0 else None  # values grow upwards


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 else f"{v:.2g}"


def read_bars(prims: Primitives, axis_x: tuple[float, float, float],
              axis_y: tuple[float, float, float]) -> list[Bar]:
    """Filled bars standing on the horizontal axis, left to right, with their category and
    value (the number printed on or just above the bar when there is one, else the bar's top
    read against the vertical axis's tick labels, marked '~')."""
    y_axis, x0, x1 = axis_x
    x_axis = axis_y[0]
    h = U.median_height(prims.words)
    ticks = [w for w in prims.words if w.bbox[2] <= x_axis + 2 and _number(w.text) is not None]
    scale = _scale(ticks)
    bars = [s for s in prims.shapes if s.kind == "rect" and s.filled and abs(s.bbox[3] - y_axis) <= 2
            and s.bbox[0] >= x_axis - 1 and s.bbox[3] - s.bbox[1] > 1 and s.bbox[2] - s.bbox[0] < 0.5 * (x1 - x0)]
    out = []
    for s in sorted(bars, key=lambda s: s.bbox[0]):
        bx0, top, bx1, _ = s.bbox
        under = [w for w in prims.words if bx0 - h <= U.center(w.bbox)[0] <= bx1 + h
                 and y_axis <= w.bbox[1] <= y_axis + 2.5 * h]
        printed = [w for w in prims.words if bx0 - 2 <= U.center(w.bbox)[0] <= bx1 + 2
                   and top - 2 * h <= U.center(w.bbox)[1] <= top + 2 * h and _number(w.text) is not None
                   and w not in ticks]
        if printed:
            value = printed[0].text
        elif scale is not None:
            value = "~" + _fmt(scale[0] * top + scale[1])
        else:
            value = "?"
        out.append(Bar(category=U.block_text(under), value=value, x=(bx0 + bx1) / 2))
    return out


def bars_markdown(bars: list[Bar], value_title: str = "value") -> str:
    rows = [f"| {b.category or '(unnamed)'} | {b.value} |" for b in bars]
    return "\n".join([f"| category | {value_title} |", "|---|---|"] + rows)
