"""The ``structural`` describer: the offline default. No weights, no network.

It rebuilds the diagram from what the page holds:

- a figure whose document embeds its source (``FigureRequest.source_data``: Visio, draw.io,
  PowerPoint, PlantUML) is read from that source first, exactly (:mod:`dicmodel.sources`;
  the describer string ends ``:source-<format>``); when it cannot be, the geometry below reads
  it and a warning says why;
- vector figures (PyMuPDF drawings + text spans) go through
  :func:`~dicmodel.describe._geometry.vector.extract_vector`;
- raster figures (a PNG crop) go through the raster extractor (OCR words + OpenCV shapes),
  which needs the ``[ocr]`` extra; without it the figure gets a low-confidence description
  and a warning instead of an error.

Both yield :class:`~dicmodel.describe._geometry.primitives.Primitives`; one engine
(:func:`~dicmodel.describe._geometry.classify.build_diagram`) recovers nodes, edges, groups,
messages and the figure type, and the prose comes from the recovered
:class:`~dicmodel.diagram.Diagram`. Usage::

    from dicmodel.describe.base import get_describer
    d = get_describer("structural", ocr="none")
    [desc] = d.describe([request])
    print(desc.figure_type, desc.text, desc.mermaid, desc.confidence, desc.warnings)

One bad figure never fails the batch: it gets ``confidence=0`` and a warning.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..document import Description, FigureKind, FigureType
from ..errors import MissingExtraError
from ._options import validate_options
from .base import FigureRequest, register_describer, text_lines

__all__ = ["StructuralOptions", "StructuralDescriber", "VERSION"]

VERSION = "0.2"  # 0.2: records, hand-drawn look, cardinality marks, raster call flows


class StructuralOptions(BaseModel):
    """Options of the ``structural`` describer (validated; unknown names are refused)."""

    model_config = ConfigDict(extra="forbid")

    ocr: Literal["rapidocr", "tesseract", "none"] = Field(
        "rapidocr", description="OCR engine for raster figures (rapidocr ships its models in the "
        "wheel; tesseract needs the system binary); 'none' reads geometry only")
    max_items: int = Field(20000, ge=10, le=10_000_000,
                           description="drawing items per vector figure before it degrades to a "
                           "label list")
    time_budget: float = Field(30.0, gt=0, le=3600,
                               description="seconds per figure; when extraction alone took longer "
                               "and left much geometry, the figure degrades to a label list")
    calibrate: bool = Field(False, description="report the learned calibrator's probability "
                            "that the reading is right as its confidence (fitted on generated "
                            "diagrams; off by default: it ranks real figures worse than the "
                            "hand-made score, see docs/structural.md)")


def _options(kw: dict[str, Any]) -> StructuralOptions:
    return validate_options(StructuralOptions, kw, "structural")


class StructuralDescriber:
    """Geometry and text in, logical text out (see the module docstring)."""

    name = "structural"

    def __init__(self, **options: Any):
        self.options = _options(options)
        self.describer_id = f"structural:{VERSION}"

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        from ._source import prefetch_sources

        try:  # all embedded .vsd of the batch in one LibreOffice run
            prefetch_sources(requests)
        except Exception:  # noqa: BLE001, S110 - each figure then reads (or fails) on its own
            pass
        return [self._safe(r) for r in requests]

    # ---- one figure -------------------------------------------------------------------------
    def _safe(self, r: FigureRequest) -> Description:
        from ._source import describe_from_source

        t0 = time.perf_counter()
        # source first: an embedded Visio/draw.io/PowerPoint/PlantUML source is read exactly
        notes: list[str] = []
        try:
            d, notes = describe_from_source(r, self.describer_id)
            d = d or self._one(r, t0)
        except Exception as err:  # one unreadable figure must not fail the batch
            d = self._unreadable(r, [f"structural reading failed: {type(err).__name__}: {err}"],
                                 confidence=0.0)
        d.warnings[:0] = notes
        d.seconds = round(time.perf_counter() - t0, 4)
        return d

    def _one(self, r: FigureRequest, t0: float) -> Description:
        from ._geometry.calibrate import calibrated_confidence
        from ._geometry.classify import build_diagram
        from ._geometry.describe_text import GRAPH_TYPES, reading_prose

        prims, warnings = self._primitives(r)
        if prims is None:
            return self._unreadable(r, warnings)
        # OCR time on a loaded machine says nothing about the engine's cost: only a slow
        # extraction that also left a lot of geometry degrades
        # (outlines cost more than lines: 4,000 random small boxes took 20 s to read, 6,000
        # short lines 1.5 s, once the leader and tick tests filed the lines by cell; TS 38.300
        # Figure 4.7.1-1 as EMF, its antennas and servers drawn in 2,758 strokes, 0.2 s)
        n_geometry = len(prims.shapes) + len(prims.paths) // 4
        heavy = n_geometry > self.options.max_items // 10
        if time.perf_counter() - t0 > self.options.time_budget and heavy and not prims.truncated:
            prims.truncated = True
            prims.warnings.append(f"extraction took longer than time_budget="
                                  f"{self.options.time_budget}s: labels only")
        elif n_geometry > self.options.max_items // 10 and not prims.truncated:
            # graph recovery grows faster than linearly with the outlines: 15,000 small squares
            # (a fuzzed page, a halftone drawn as vectors) took a minute and 3,900 took 12 s; the
            # largest devset diagram has 1,508 (a gallery of Mermaid's shapes)
            prims.truncated = True
            prims.warnings.append(f"{len(prims.shapes)} shapes and {len(prims.paths)} lines (a "
                                  "line counted as a quarter of a shape) exceed max_items/10="
                                  f"{self.options.max_items // 10}: labels only")
        reading = build_diagram(prims, r.figure_type)
        if _captioned_logo(reading.figure_type, r):
            # a captioned figure is content: say what could be read, never drop it as a logo
            reading.figure_type = FigureType.other
            reading.confidence = min(reading.confidence, 0.2)
            reading.warnings.append(_NOT_LOGO)
        if self.options.calibrate:
            reading.confidence = calibrated_confidence(reading.evidence, reading.confidence)
        diagram = reading.diagram
        graph = reading.figure_type in GRAPH_TYPES and bool(diagram.nodes or diagram.messages)
        return Description(
            text=reading_prose(reading.figure_type, diagram, reading.prose, r.caption),
            diagram=diagram if graph else None,
            mermaid=diagram.to_mermaid() if graph else None,
            figure_type=reading.figure_type, confidence=reading.confidence,
            describer=self.describer_id, warnings=warnings + reading.warnings)

    def _primitives(self, r: FigureRequest) -> tuple[Any, list[str]]:
        """Vector when the figure has drawings (or only text), raster when it has only a crop."""
        from ._geometry.vector import extract_vector

        vector_ok = bool(r.drawings) or (r.kind is not FigureKind.raster and bool(r.spans))
        if vector_ok:
            prims = extract_vector(r.drawings, r.spans, r.bbox, page_rotation=r.page_rotation,
                                   max_items=self.options.max_items)
            if prims.truncated and r.spans:
                return prims, []  # the PDF's own text beats OCR of a crop too busy to draw
            if prims.shapes or prims.paths or r.image is None:
                return self._with_raster_parts(prims, r), []
        if r.image is None:
            if r.spans:
                return extract_vector([], r.spans, r.bbox, page_rotation=r.page_rotation), []
            return None, ["the figure has neither vector drawings, text nor an image"]
        return self._raster(r.image)

    def _with_raster_parts(self, prims: Any, r: FigureRequest) -> Any:
        """Bitmap lettering, glyph outlines and pictures inside a vector figure, read from the
        crop and merged into its primitives (``_geometry/mixed.py``)."""
        from ._geometry.mixed import merge_raster_parts, needs_crop

        if r.image is None or r.page_rotation or not needs_crop(prims, r.drawings):
            return prims
        ocr = None if self.options.ocr == "none" else self.options.ocr
        try:
            merge_raster_parts(prims, r.image, ocr)
        except (MissingExtraError, ImportError) as err:
            prims.warnings.append(f"raster parts of the figure not read: the [ocr] extra is "
                                  f"needed ({err})")
        return prims

    def _raster(self, image: bytes) -> tuple[Any, list[str]]:
        try:
            from ._geometry.raster import extract_raster
        except ImportError as err:  # the raster extractor or its extra is not installed
            return None, [f"raster figures need the [ocr] extra ({err})"]
        ocr = None if self.options.ocr == "none" else self.options.ocr
        try:
            return extract_raster(image, ocr=ocr), []
        except (MissingExtraError, ImportError) as err:
            return None, [f"raster figures need the [ocr] extra: {err}"]

    def _unreadable(self, r: FigureRequest, warnings: list[str], confidence: float = 0.05) -> Description:
        """The figure's text as a label list; spans joined into lines (a PDF often stores each
        word of a label as its own span), as the ``text`` describer does."""
        labels = text_lines(r.spans)
        text = ("Labels in the figure: " + "; ".join(labels) + ".") if labels else \
            "The figure could not be read by the structural describer."
        ftype = r.figure_type or FigureType.other
        if _captioned_logo(ftype, r):  # a 'logo' hint from an earlier pass: captioned, so content
            ftype, warnings = FigureType.other, warnings + [_NOT_LOGO]
        return Description(text=text, figure_type=ftype,
                           confidence=confidence if labels else 0.0, describer=self.describer_id,
                           warnings=warnings)


_NOT_LOGO = "captioned figure with no diagram or text recovered: typed 'other', not 'logo'"


def _captioned_logo(ftype: FigureType | None, r: FigureRequest) -> bool:
    """A figure the document captions is content, never a logo to drop."""
    return ftype is FigureType.logo and bool((r.caption or "").strip())


register_describer("structural", lambda **kw: StructuralDescriber(**kw))
