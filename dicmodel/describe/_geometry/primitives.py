"""The shared intermediate form between the extractors and the diagram engine.

Both extractors (``vector.py``: PyMuPDF drawings + text spans; ``raster/``: OCR words +
OpenCV contours) produce a :class:`Primitives` in one coordinate frame (PDF points for vector
figures, pixels for raster ones; origin top-left, y down). The engine (``graph.py``) reads only
this, so every recovery rule serves both kinds of figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

ShapeKind = Literal["rect", "round_rect", "ellipse", "circle", "diamond", "hexagon",
                    "parallelogram", "polygon", "cylinder", "icon"]


@dataclass
class Shape:
    """A closed outline that can be a node (or a group, when it contains other shapes)."""

    kind: ShapeKind
    bbox: Rect
    filled: bool = False
    stroked: bool = True
    dashed: bool = False
    fill: tuple[float, float, float] | None = None
    tone: tuple[float, float, float] | None = None  # raster: the colour measured inside it


@dataclass
class Path:
    """An open connector candidate: a polyline (curves flattened), in drawing order."""

    points: list[Point]
    dashed: bool = False
    width: float = 1.0
    arrow_start: bool = False  # set by an extractor that saw an arrowhead glued to the path
    arrow_end: bool = False


@dataclass
class Arrowhead:
    """A small filled (or open) triangle/chevron; ``tip`` is where it points."""

    tip: Point
    direction: Point  # unit vector from the base toward the tip
    bbox: Rect


@dataclass
class Word:
    """A text run (PDF span or OCR line) with its box."""

    text: str
    bbox: Rect
    size: float = 0.0
    confidence: float = 1.0
    vertical: bool = False
    # which way vertical text reads: 1 top to bottom (turned clockwise: the lines of a label
    # stack right to left), 3 bottom to top (lines stack left to right), 0 level or not known
    turn: int = 0
    # the four corners of a slanted OCR line (a label written along a diagonal connector); None
    # for level and vertical text, whose ``bbox`` is its outline
    quad: tuple[Point, Point, Point, Point] | None = None


RasterRole = Literal["text", "raster"]


@dataclass
class RasterPart:
    """A picture inside a vector figure that is not a node: ``text`` is lettering painted as a
    bitmap (ETSI PDFs draw labels as tiny per-word image masks; glyphs drawn as paths are read
    the same way), ``raster`` a picture that holds diagram content of its own (a raster diagram
    under a vector frame or callout). Both are read from the crop and merged into the
    primitives (see ``mixed.py``)."""

    bbox: Rect
    role: RasterRole = "raster"


@dataclass
class Primitives:
    source: Literal["vector", "raster"]
    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    arrowheads: list[Arrowhead] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the extractor gave up on geometry (too many items): labels only
    rasters: list[RasterPart] = field(default_factory=list)  # pictures still to be read (vector)
    quarter_turns: int = 0  # vector: the figure was turned this many quarters to read its text
    # raster: the level and plumb strokes read straight from the ink, with their heads (same
    # words and shapes): what the sequence reader reads a raster call flow from (raster/level.py)
    level: Primitives | None = None
    # raster: the share of the pixels in the image's eight commonest colours (4 bits a channel);
    # drawings are a few flat colours (0.83 or more on the labelled devset crops), a photograph
    # or a shaded rendering is not (the ETSI cover's globe: 0.53)
    palette_share: float = 1.0


PHOTO_PALETTE = 0.7  # under this palette share an image is continuous tone, not a drawing
