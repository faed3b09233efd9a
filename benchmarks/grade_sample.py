"""A random sample of real figures, crop beside the text dicmodel wrote, for grading by eye.

Issue 18 asks for a graded sample of real figures ("a figure counts as read when a person who
looks at the crop agrees with the text we wrote for it"). This script draws the sample with a
seed, converts each figure with the default structural describer, and writes

- ``OUT/sheet_NN.png``: three figures a sheet, the crop on the left, type, confidence and the
  description on the right;
- ``OUT/grades.tsv``: one row a figure (id, source, kind, type, confidence) with an empty
  ``grade`` column to fill in: 2 = right and useful, 1 = partly, 0 = wrong or misleading.

``--score grades.tsv`` then reports the right / partly / wrong shares and the AUROC of the
confidence against "right" (grade 2), the calibration check on the graded set.
``--rescore grades.tsv`` draws the same sample again (same ``--seed`` and ``--n``) with the
current code and scores the graded rows against its confidences (rows matched by source; a
row whose figure type changed is reported, since its grade may no longer hold).

The sample, in equal thirds: figures of the real-figure benchmark (draw.io, Visio,
PowerPoint, PlantUML renders, vector and raster alternating; see ``bench_real.py``), figures
found in the devset PDFs and the first 40 pages of ETSI TS 138 300, and figures of the 3GPP
DOCX specs of ``../shared/3gpp``. Figures typed ``logo`` without a caption are not drawn.

Usage::

    python benchmarks/grade_sample.py --seed 2026 --n 30 --out /tmp/grade30
    python benchmarks/grade_sample.py --score /tmp/grade30/grades.tsv
    python benchmarks/grade_sample.py --rescore benchmarks/data/graded_seed2026.tsv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import textwrap
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dicmodel.eval.bench import default_cache, default_devset
from dicmodel.eval.calibration import auroc

FIELDS = ["id", "source", "kind", "type", "confidence", "grade", "why"]


def _described(f: Any) -> bool:
    d = f.description
    return bool(f.image and d and (f.caption or d.figure_type.value != "logo"))


def bench_figures(devset: Path, n: int, rng: random.Random) -> list[dict[str, Any]]:
    import bench_real as b

    import dicmodel
    from dicmodel.document import BBox

    rows = [r for r in b.read_manifest(devset) if r.format != "drawio"]
    out: list[dict[str, Any]] = []
    memo: dict[str, list[Any]] = {}
    for row in rng.sample(rows, len(rows)):
        if len(out) >= n:
            break
        src = devset / "real" / row.file
        truth, i = b.truth_for(row, src, memo)
        if truth is None:
            continue
        rend = b.renders(row, src, i, truth, default_cache().parent / "real", memo.get(row.file))
        kind = "vector" if len(out) % 2 == 0 and rend.get("vector") else "raster"
        if not rend.get(kind):
            continue
        pdf, rect = b.place(rend[kind], kind, f"Figure 1: {row.part}")
        doc = dicmodel.convert(pdf)
        placed = BBox(x0=rect.x0, y0=rect.y0, x1=rect.x1, y1=rect.y1)
        f = max(doc.figures, key=lambda f: f.bbox.intersection(placed), default=None)
        if f is not None and f.image:
            out.append(_item(f, f"{row.file} [{row.part}] {kind}"))
    return out


def document_figures(paths: list[tuple[Path, str | None]], n: int, rng: random.Random
                     ) -> list[dict[str, Any]]:
    import dicmodel

    figs = []
    for path, pages in paths:
        doc = dicmodel.convert(str(path), pages=pages) if pages else dicmodel.convert(str(path))
        figs += [(path.name, f) for f in doc.figures if _described(f)]
    return [_item(f, f"{name} p{f.page} {f.caption or ''}") for name, f in rng.sample(figs, min(n, len(figs)))]


def _item(f: Any, source: str) -> dict[str, Any]:
    d = f.description
    return {"source": source[:160], "kind": f.kind.value, "type": d.figure_type.value,
            "confidence": round(d.confidence, 3), "text": d.text, "image": f.image}


def write_sample(items: list[dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.tsv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, FIELDS, delimiter="\t", extrasaction="ignore")
        w.writeheader()
        for k, it in enumerate(items):
            it["id"] = k
            (out / f"fig_{k:02d}.png").write_bytes(it["image"])
            w.writerow({**it, "grade": "", "why": ""})
    sheets(items, out)


def sheets(items: list[dict[str, Any]], out: Path, per: int = 3) -> None:
    import io

    from PIL import Image, ImageDraw, ImageFont

    try:
        font: Any = ImageFont.truetype("DejaVuSans.ttf", 13)
    except OSError:
        font = ImageFont.load_default()
    w, h = 1500, 430
    for s in range(0, len(items), per):
        chunk = items[s:s + per]
        im = Image.new("RGB", (w, h * len(chunk)), "white")
        d = ImageDraw.Draw(im)
        for k, it in enumerate(chunk):
            y = k * h
            crop = Image.open(io.BytesIO(it["image"])).convert("RGB")
            crop.thumbnail((720, h - 30))
            im.paste(crop, (5, y + 25))
            d.text((5, y + 4), f"#{it['id']} {it['source']}"[:150], fill="blue", font=font)
            head = f"{it['kind']} type={it['type']} confidence={it['confidence']}"
            lines = [head, ""] + [ln for para in it["text"].split("\n")
                                  for ln in (textwrap.wrap(para, 95) or [""])]
            d.multiline_text((740, y + 25), "\n".join(lines[:26]), fill="black", font=font, spacing=2)
            d.line([(0, y + h - 1), (w, y + h - 1)], fill="red", width=2)
        im.save(out / f"sheet_{s // per:02d}.png")


def _graded(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if r["grade"].strip()]


def rescore(path: Path, items: list[dict[str, Any]]) -> str:
    """The graded rows' grades against the confidences of a fresh draw of the sample."""
    # (a page may hold two figures without captions under one source name: d02 p4's call
    # flow and a strip cut off it; they are matched in the order they were drawn)
    fresh: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        fresh.setdefault(it["source"], []).append(it)
    pairs, notes = [], []
    for r in _graded(path):
        same = fresh.get(r["source"])
        it = same.pop(0) if same else None
        if it is None:
            notes.append(f"#{r['id']} not drawn again")
            continue
        if it["type"] != r["type"]:
            notes.append(f"#{r['id']} type {r['type']} -> {it['type']}")
        pairs.append((it["confidence"], int(r["grade"]) == 2))
    a = auroc([c for c, _ in pairs], [y for _, y in pairs])
    return (f"{len(pairs)} graded figures drawn again; confidence AUROC against right: "
            f"{'-' if a is None else f'{a:.2f}'}" + ("; " + "; ".join(notes) if notes else ""))


def score(path: Path) -> str:
    rows = _graded(path)
    if not rows:
        return f"{path}: no grades filled in"
    grades = [int(r["grade"]) for r in rows]
    conf = [float(r["confidence"]) for r in rows]
    n = len(grades)
    a = auroc(conf, [g == 2 for g in grades])
    return (f"{n} graded: right {grades.count(2)} ({grades.count(2) / n:.0%}), partly "
            f"{grades.count(1)} ({grades.count(1) / n:.0%}), wrong {grades.count(0)} "
            f"({grades.count(0) / n:.0%}); confidence AUROC against right: "
            f"{'-' if a is None else f'{a:.2f}'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=default_devset(), help="the devset folder")
    ap.add_argument("--seed", type=int, default=2026, help="the sample's random seed")
    ap.add_argument("--n", type=int, default=30, help="figures in the sample (a third per source)")
    ap.add_argument("--out", type=Path, help="write sheets and grades.tsv here")
    ap.add_argument("--score", type=Path, help="report the grades of a filled-in grades.tsv")
    ap.add_argument("--rescore", type=Path, help="draw the sample again and score a graded "
                    "grades.tsv against the current confidences")
    args = ap.parse_args(argv)
    if args.score:
        print(score(args.score))
        return 0
    if not args.out and not args.rescore:
        ap.error("--out is needed to draw a sample (or --score to report one)")
    items = draw(args)
    if args.rescore:
        print(rescore(args.rescore, items))
        return 0
    write_sample(items, args.out)
    print(f"{len(items)} figures: {args.out}/sheet_*.png; grade them in {args.out}/grades.tsv")
    return 0


def draw(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The sample of ``args.n`` figures drawn with ``args.seed``, each converted."""
    rng = random.Random(args.seed)
    third = args.n // 3
    shared = args.devset.parent
    pdfs = [(p, None) for p in sorted((args.devset / "pdfs").glob("d*.pdf"))]
    pdfs.append((shared / "3gpp" / "ETSI_TS138300_v19.02.00.pdf", "1-40"))
    docx = [(p, None) for p in sorted((shared / "3gpp").glob("*.docx"))]
    return (bench_figures(args.devset, third, rng)
            + document_figures(pdfs, third, rng)
            + document_figures(docx, args.n - 2 * third, rng))


if __name__ == "__main__":
    sys.exit(main())
