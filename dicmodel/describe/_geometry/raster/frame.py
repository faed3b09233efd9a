"""The working frame of raster geometry: the :class:`_Frame` of masks at the geometry scale,
and small helpers every stage shares (word heights, box containment, scaling back to the
original pixels)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..primitives import Arrowhead, Path, Point, Rect, Shape

_INK_DELTA = 40  # grey levels below the background that count as ink (thin anti-aliased lines reach ~bg-50)


def _median_h(boxes: list[Rect], default: float = 0.0) -> float:
    """Median height of word boxes (``default`` when there are none)."""
    hs = sorted(b[3] - b[1] for b in boxes)
    return hs[len(hs) // 2] if hs else default


@dataclass
class _Frame:
    """The working image for geometry: masks at scale ``s`` of the original pixels."""

    np: Any
    cv2: Any
    s: float
    ink: Any  # [h, w] uint8 0/1: strokes, arrows (text removed)
    stroke: float  # typical line width in working pixels
    text_h: float  # median word height in working pixels (0 when no words)
    bare: Any = None  # [h, w] 0/1: fills drawn without an outline (label badges)
    dark: Any = None  # [h, w] 0/1: near-black pixels (the solid core of heads and strokes)
    words: list = None  # type: ignore[assignment]  # OCR word boxes in working pixels
    hollow: list = None  # type: ignore[assignment]  # open heads found among the regions
    rings: list = None  # type: ignore[assignment]  # small empty rings on lines: (cx, cy, r)
    tint: Any = None  # [h, w] 0/1: clearly coloured pixels (not black, grey or white)


def _rim(np: Any, a: Any, x0: int, y0: int, x1: int, y1: int) -> Any:
    """The pixels on the border of ``a[y0:y1, x0:x1]``, as one flat array."""
    win = a[y0:y1, x0:x1]
    return np.concatenate([win[[0, -1]].ravel(), win[:, [0, -1]].ravel()])


def _scaled_box(b: Rect, s: float) -> Rect:
    return (b[0] * s, b[1] * s, b[2] * s, b[3] * s)


def _leaf_shapes(shapes: list[Shape]) -> list[Shape]:
    """The shapes that hold no other shape: nodes, not groups."""
    return [s for s in shapes if not any(o is not s and _inside(o.bbox, s.bbox) for o in shapes)]


def _inside(a: Rect, b: Rect, margin: float = 1.0) -> bool:
    return a[0] >= b[0] - margin and a[1] >= b[1] - margin and a[2] <= b[2] + margin and a[3] <= b[3] + margin


def _sc(p: Point, k: float) -> Point:
    return (p[0] * k, p[1] * k)


def _scale_shape(s: Shape, k: float) -> Shape:
    b = s.bbox
    return replace(s, bbox=(b[0] * k, b[1] * k, b[2] * k, b[3] * k))


def _scale_head(a: Arrowhead, k: float) -> Arrowhead:
    b = a.bbox
    return Arrowhead(tip=_sc(a.tip, k), direction=a.direction, bbox=(b[0] * k, b[1] * k, b[2] * k, b[3] * k))


def _scale_path(p: Path, k: float) -> Path:
    return Path(points=[_sc(q, k) for q in p.points], dashed=p.dashed, width=p.width * k,
                arrow_start=p.arrow_start, arrow_end=p.arrow_end)
