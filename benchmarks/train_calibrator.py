"""Fit the structural describer's confidence calibrator on generated diagrams.

1. ``build``: :func:`dicmodel.synth.export.build_diagrams` generates each batch of
   ``--batches`` (``SEED:LANG:N``: a fixed seed, English / Chinese / mixed labels; call flows, state machines, topologies, architectures, stacks, flowcharts
   in random themes, fonts and sizes) and renders each as a vector PDF and a raster PNG.
2. ``read``: every figure goes through the ``structural`` describer with ``calibrate=False``
   (vector: the PDF page's drawings and spans, as ``bench_structural.py`` reads them; raster:
   the PNG, half of them first shrunk to 45-80 % to add low-resolution crops). Each reading's
   evidence (:func:`dicmodel.describe._geometry.calibrate.evidence`), its hand-made score and
   whether it is right (:func:`dicmodel.eval.calibration.is_right` of its score against the
   generator's source) go to ``readings.jsonl`` (resumable).
3. ``fit``: a logistic regression (scikit-learn, here only) on standardised features; its
   weights go to ``dicmodel/describe/_geometry/calibration.json``, which the describer applies
   in plain Python.

The devset and the real-figure benchmark are never read here: they measure the result.

Usage::

    python benchmarks/train_calibrator.py [--batches 2718:en:500,2719:mixed:250] [--data DIR]
        [--steps build,read,fit] [--C 0.3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]


def build(data: Path, n: int, seed: int, lang: str) -> None:
    from dicmodel.synth.export import BuildOptions, build_diagrams

    s = build_diagrams(BuildOptions(n=n, out=data, seed=seed, lang=lang, formats=["pdf", "png"],
                                    progress=False))
    print(f"built {s.rendered} (failed {s.failed}, kept {s.skipped_existing}) in {s.seconds:.0f} s")


def truth(rec: dict[str, Any]) -> Any:
    """The ground truth as the benchmarks take it: the renderer's source, parsed."""
    from dicmodel.diagram import Diagram, parse_mermaid
    from dicmodel.dot import parse_dot
    from dicmodel.synth.generator import Style, to_dot

    if rec["style"]["renderer"] == "graphviz":
        return parse_dot(to_dot(Diagram.model_validate(rec["diagram"]), Style(**rec["style"])))
    return parse_mermaid(rec["mermaid"])


class Reader:
    """The structural describer without calibration, keeping each reading's evidence."""

    def __init__(self) -> None:
        from dicmodel.describe._geometry import classify
        from dicmodel.describe.base import get_describer

        self.describer = get_describer("structural", time_budget=600.0, calibrate=False)
        self.reading: Any = None
        orig = classify.build_diagram

        def keep(*a: Any, **kw: Any) -> Any:
            self.reading = orig(*a, **kw)
            return self.reading

        classify.build_diagram = keep

    def read(self, req: Any) -> tuple[Any, float, dict[str, float] | None]:
        self.reading = None
        d = self.describer.describe([req])[0]
        ev = self.reading.evidence if self.reading is not None else None
        return d.diagram, d.confidence, ev


def vector_request(pdf: Path) -> Any:
    import pymupdf

    from dicmodel.describe._geometry.vector import page_inputs
    from dicmodel.describe.base import FigureRequest
    from dicmodel.document import BBox, FigureKind

    with pymupdf.open(pdf) as doc:
        pg = doc[0]
        drawings, spans = page_inputs(pg)
        return FigureRequest(figure_id=pdf.name, kind=FigureKind.vector, bbox=BBox.of(pg.rect),
                             drawings=drawings, spans=spans, page_rotation=pg.rotation)


def raster_request(png: Path, shrink: float) -> Any:
    from PIL import Image

    from dicmodel.describe.base import FigureRequest
    from dicmodel.document import FigureKind

    data = png.read_bytes()
    if shrink < 1.0:
        im = Image.open(io.BytesIO(data)).convert("RGB")
        im = im.resize((max(1, round(im.width * shrink)), max(1, round(im.height * shrink))),
                       Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, "PNG")
        data = buf.getvalue()
    return FigureRequest(figure_id=png.name, kind=FigureKind.raster, image=data)


def read(data: Path) -> None:
    from dicmodel.diagram import Diagram
    from dicmodel.eval.bench import unscorable
    from dicmodel.eval.calibration import is_right
    from dicmodel.eval.structure import score_structure

    out = data / "readings.jsonl"
    done = set()
    if out.exists():
        done = {(r["id"], r["kind"]) for r in map(json.loads, out.read_text().splitlines())}
    reader = Reader()
    recs = [json.loads(line) for line in (data / "items.jsonl").read_text().splitlines()]
    with open(out, "a", encoding="utf-8") as fh:
        for rec in sorted(recs, key=lambda r: r["id"]):
            try:
                gt = truth(rec)
            except Exception as err:  # noqa: BLE001 - a source the parsers refuse is skipped
                print(f"{rec['id']}: no ground truth ({type(err).__name__})")
                continue
            fmt = "dot" if rec["style"]["renderer"] == "graphviz" else "mermaid"
            if unscorable(gt, rec["mermaid"], fmt) or not (gt.nodes or gt.messages):
                continue
            rng = random.Random(f"calibrator:{rec['id']}")
            shrink = rng.uniform(0.45, 0.8) if rng.random() < 0.5 else 1.0
            for kind in ("vector", "raster"):
                if (rec["id"], kind) in done:
                    continue
                img = data / rec["images"]["pdf" if kind == "vector" else "png"]
                req = vector_request(img) if kind == "vector" else raster_request(img, shrink)
                diagram, hand, ev = reader.read(req)
                if ev is None:
                    continue  # no engine reading (an unreadable figure keeps its fixed score)
                right = is_right(score_structure(diagram or Diagram(), gt))
                fh.write(json.dumps({"id": rec["id"], "kind": kind, "family": rec["family"],
                                     "hand": hand, "right": right, "evidence": ev}) + "\n")
                fh.flush()


def fit(batches: list[Path], out: Path, c: float) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.metrics import roc_auc_score

    from dicmodel.describe._geometry.calibrate import FEATURES, feature_vector

    rows = [json.loads(line) for data in batches
            for line in (data / "readings.jsonl").read_text().splitlines()]
    x = np.array([feature_vector(r["evidence"], r["hand"]) for r in rows])
    y = np.array([bool(r["right"]) for r in rows])
    groups = [r["id"] for r in rows]  # a diagram's vector and raster readings stay together
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    model = LogisticRegression(C=c, max_iter=2000)
    cv = cross_val_predict(model, z, y, cv=GroupKFold(5), groups=groups, method="predict_proba")[:, 1]
    hand = x[:, FEATURES.index("hand")]
    print(f"{len(rows)} readings, {int(y.sum())} right; AUROC hand-made {roc_auc_score(y, hand):.3f}, "
          f"calibrator (5-fold by diagram) {roc_auc_score(y, cv):.3f}")
    for kind in ("vector", "raster"):
        k = np.array([r["kind"] == kind for r in rows])
        if 0 < y[k].sum() < k.sum():
            print(f"  {kind}: {int(k.sum())} readings, {int(y[k].sum())} right; AUROC hand-made "
                  f"{roc_auc_score(y[k], hand[k]):.3f}, calibrator {roc_auc_score(y[k], cv[k]):.3f}")
    model.fit(z, y)
    spec = {"features": list(FEATURES), "lo": [round(float(v), 6) for v in x.min(0)],
            "hi": [round(float(v), 6) for v in x.max(0)], "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale],
            "coef": [round(float(v), 6) for v in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "trained_on": f"{len(rows)} readings of generated diagrams "
                          f"({', '.join(d.name for d in batches)}), "
                          f"{int(y.sum())} right; L2 C={c}"}
    out.write_text(json.dumps(spec, indent=1) + "\n")
    for name, w in sorted(zip(FEATURES, spec["coef"]), key=lambda t: -abs(t[1])):
        print(f"  {name:16s} {w:+.3f}")
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", default="2718:en:500,2719:mixed:250",
                    help="comma list of SEED:LANG:N generated batches (LANG: en, zh, mixed)")
    ap.add_argument("--data", type=Path, default=Path.home() / ".cache" / "dicmodel-bench" / "calibrator",
                    help="one folder per batch is made here")
    ap.add_argument("--steps", default="build,read,fit")
    ap.add_argument("--C", type=float, default=0.3, help="inverse L2 strength")
    ap.add_argument("--out", type=Path,
                    default=REPO / "dicmodel" / "describe" / "_geometry" / "calibration.json")
    args = ap.parse_args(argv)
    steps = args.steps.split(",")
    dirs = []
    for batch in args.batches.split(","):
        seed, lang, n = batch.split(":")
        dirs.append(args.data / f"s{seed}-{lang}")
        if "build" in steps:
            build(dirs[-1], int(n), int(seed), lang)
        if "read" in steps:
            read(dirs[-1])
    if "fit" in steps:
        fit(dirs, args.out, args.C)
    return 0


if __name__ == "__main__":
    sys.exit(main())
