"""The structural reading's confidence: a small learned calibrator over the reading's evidence.

The hand-made score of :mod:`.classify` (attached ends, attached text, labelled elements,
capped by the doubts of :mod:`.nongraph`) ranks readings, but three rounds of hand rules left it
weak at telling a right reading from a wrong one. The calibrator weighs that score together
with the other evidence the engine already has -- vector or raster, OCR certainty, how much of
the figure's text the reading used, loose connector ends and unattached arrowheads, the shares of
labelled elements and of labelled links, the figure type -- in a logistic regression, and its probability is the
confidence the describer reports when ``StructuralOptions.calibrate`` is set (off by default:
it ranks real figures worse than the hand-made score; see docs/structural.md).

Its weights (``calibration.json`` beside this module) were fitted by
``benchmarks/train_calibrator.py`` on generated diagrams only (:mod:`dicmodel.synth`, rendered
as vector PDFs and raster PNGs, each reading labelled with
:func:`dicmodel.eval.calibration.is_right`); the devset and the real-figure benchmark are kept
out for measuring it. Applying it needs plain Python: no scikit-learn at run time.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...document import FigureType
from .primitives import Primitives

__all__ = ["EVIDENCE", "FEATURES", "Calibrator", "calibrated_confidence", "evidence", "feature_vector",
           "load_calibrator"]

WEIGHTS = Path(__file__).with_name("calibration.json")

_GRAPH = (FigureType.flowchart, FigureType.state, FigureType.topology, FigureType.architecture,
          FigureType.protocol_stack)

# the evidence weighed on raster readings; a weight on a raw count would be extrapolated far
# outside what it was fitted on (generated diagrams are smaller than a 40-message call flow or a
# 50-box Visio pipeline), so these are shares and flags, each also clipped to its training range
EVIDENCE = (
    "sequence", "graph", "ocr_mean", "ocr_low", "links_per_node", "labelled", "link_texted",
    "self_links", "text_coverage", "loose_share", "loose_heads", "text_nodes", "words_attached",
    "directed",
)
# the order of the weights in calibration.json: the hand-made score, the raster flag, and the
# raster reading's evidence (``r_`` names: the feature times the raster flag). Vector readings
# of generated diagrams are almost all right (16 wrong of 750), too few to learn evidence
# weights from, so a vector reading's probability is a monotone map of its hand-made score.
FEATURES = ("hand", "raster", "r_hand") + tuple(f"r_{name}" for name in EVIDENCE)


def evidence(prims: Primitives, reading: Any) -> dict[str, float]:
    """The features of one reading (all but ``hand``, the score it ends with): what the
    figure held and how much of it the reading accounts for."""
    d, parts = reading.diagram, reading.parts
    words = prims.words
    conf = [w.confidence for w in words]
    links = d.messages if reading.figure_type is FigureType.sequence else d.edges
    texts = [n.label for n in d.nodes] + [g.label for g in d.groups] + \
        [getattr(k, "text", None) or getattr(k, "label", "") for k in links]
    used = sum(len(t.replace(" ", "")) for t in texts if t)
    chars = sum(len(w.text.replace(" ", "")) for w in words)
    n_nodes, n_links = len(d.nodes), len(links)
    f = {
        "raster": float(prims.source == "raster"),
        "sequence": float(reading.figure_type is FigureType.sequence),
        "graph": float(reading.figure_type in _GRAPH),
        "ocr_mean": sum(conf) / len(conf) if conf else 1.0,
        "ocr_low": sum(1 for c in conf if c < 0.6) / len(conf) if conf else 0.0,
        "links_per_node": min(4.0, n_links / max(1, n_nodes)),
        "labelled": sum(1 for n in d.nodes if n.label) / n_nodes if n_nodes else 0.0,
        "link_texted": sum(1 for k in links if getattr(k, "text", None) or getattr(k, "label", ""))
        / n_links if n_links else 0.0,
        "self_links": sum(1 for k in links if k.source == k.target) / n_links if n_links else 0.0,
        "text_coverage": min(1.0, used / chars) if chars else 0.0,
    }
    if parts is not None:
        edges = parts.edges
        f["loose_share"] = parts.n_loose / max(1, parts.n_loose + len(edges))
        f["loose_heads"] = parts.n_loose_heads / max(1, len(prims.arrowheads) + parts.n_loose_heads)
        f["text_nodes"] = sum(1 for n in parts.nodes if n.text_only) / max(1, len(parts.nodes))
        f["words_attached"] = parts.n_words_used / parts.n_words if parts.n_words else 0.5
        f["directed"] = sum(1 for e in edges if e[2].arrow_start or e[2].arrow_end) / len(edges) \
            if edges else 0.0
    return f


def feature_vector(ev: dict[str, float], hand: float) -> list[float]:
    """The features in :data:`FEATURES` order; a feature the reading has no evidence for is 0."""
    values = {**ev, "hand": hand}
    raster = float(values.get("raster", 0.0))
    return [raster * float(values.get(name[2:], 0.0)) if name.startswith("r_")
            else float(values.get(name, 0.0)) for name in FEATURES]


class Calibrator:
    """A logistic regression on standardised features, each first clipped to its training range
    ``[lo, hi]``: ``p = 1 / (1 + exp(-(b + w . z)))``."""

    def __init__(self, spec: dict[str, Any]):
        if tuple(spec["features"]) != FEATURES:
            raise ValueError(f"calibration weights are for {spec['features']}, not {FEATURES}")
        self.lo = [float(x) for x in spec["lo"]]
        self.hi = [float(x) for x in spec["hi"]]
        self.mean = [float(x) for x in spec["mean"]]
        self.scale = [float(x) or 1.0 for x in spec["scale"]]
        self.coef = [float(x) for x in spec["coef"]]
        self.intercept = float(spec["intercept"])

    def __call__(self, x: list[float]) -> float:
        x = [min(hi, max(lo, v)) for v, lo, hi in zip(x, self.lo, self.hi)]
        z = self.intercept + sum(w * (v - m) / s for w, v, m, s in
                                 zip(self.coef, x, self.mean, self.scale))
        z = max(-40.0, min(40.0, z))
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_calibrator(path: str | None = None) -> Calibrator:
    with open(path or WEIGHTS, encoding="utf-8") as fh:
        return Calibrator(json.load(fh))


def calibrated_confidence(ev: dict[str, float], hand: float) -> float:
    """The probability that the reading is right, from its evidence and its hand-made score
    (rounded to 3 places, as every confidence is)."""
    return round(load_calibrator()(feature_vector(ev, hand)), 3)
