"""Figure-kind accuracy on labelled real crops (issue 18's figure-kind decision).

``benchmarks/data/figure_kinds.tsv`` labels 211 figures that the PDF ingest finds in the
devset PDFs (``../shared/devset/pdfs``) and the two ETSI PDFs (``../shared/3gpp``), each by
looking at its crop: ``diagram`` (any graph-like drawing: flowchart, message sequence chart,
state machine, topology, architecture, protocol stack, tree), ``chart`` (axes, timelines,
time-frequency grids), ``table`` (a table drawn as a picture), ``text`` (a text panel or a
legend), ``logo`` (logos, seals, cover banners), ``illustration`` (a drawing that is not a
graph) and ``fragment`` (a crop that cuts a figure apart or holds a lone glyph: an ingest
error). Pages are 1-based; boxes are PDF points.

Each PDF is converted with the structural describer; a labelled box takes the figure whose
box overlaps it most (IoU >= 0.5), or else the figure that holds it (at least 90 % of the
labelled box inside it) when no other labelled box of the page matches that figure: the ingest
now joins the pieces of a split figure (a message chart's arrows and the participant names
above them), so a box labelled around one piece lies inside the joined figure. The
describer's ``figure_type`` is checked against the types each label accepts (``ACCEPT``). Reported: accuracy overall and per label, the
confusion, and how many labelled figures were no longer found.

Usage::

    python benchmarks/bench_figure_kinds.py [--pdfs d07,ETSI] [--out F.md]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from dicmodel.eval.bench import default_devset

DATA = Path(__file__).resolve().parent / "data" / "figure_kinds.tsv"
GRAPH = {"flowchart", "sequence", "state", "topology", "architecture", "protocol_stack"}
ACCEPT = {
    "diagram": GRAPH,
    "chart": {"chart"},
    "table": {"table"},
    "text": {"other", "table"},
    "logo": {"logo", "photo", "other"},
    "illustration": {"other", "photo"},
    "fragment": {"other", "logo"},
}


def load_labels() -> dict[str, list[dict]]:
    by_pdf: dict[str, list[dict]] = defaultdict(list)
    with open(DATA, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            r["page"] = int(r["page"])
            r["box"] = tuple(float(r[k]) for k in ("x0", "y0", "x1", "y1"))
            by_pdf[r["pdf"]].append(r)
    return by_pdf


def _iou(a: tuple, b: tuple) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = w * h if w > 0 and h > 0 else 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _inside(a: tuple, b: tuple) -> float:
    """The share of box ``a`` that lies inside box ``b``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def match(figures: list, labels: list[dict]) -> list:
    """The figure each labelled box (all on one page) stands for, or None: the best IoU >= 0.5,
    else the one figure that holds the box (>= 90 % inside) and no other box of the page."""
    out = []
    for lab in labels:
        best = max(figures, key=lambda f: _iou(f.bbox.as_tuple(), lab["box"]), default=None)
        if best is not None and _iou(best.bbox.as_tuple(), lab["box"]) >= 0.5:
            out.append(best)
            continue
        holders = [f for f in figures if _inside(lab["box"], f.bbox.as_tuple()) >= 0.9
                   and not any(o is not lab and _inside(o["box"], f.bbox.as_tuple()) >= 0.5
                               for o in labels)]
        out.append(holders[0] if len(holders) == 1 else None)
    return out


def _pdf_path(devset: Path, name: str) -> Path:
    p = devset / "pdfs" / name
    return p if p.exists() else devset.parent / "3gpp" / name


def _page_base(doc) -> int:
    """1 if the Document counts pages from 1 (schema 2), else 0 (older schema)."""
    return 1 if doc.pages and doc.pages[0].number == 1 else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=default_devset(), help="the devset folder")
    ap.add_argument("--pdfs", default="", help="comma list of PDF name prefixes (default: all)")
    ap.add_argument("--out", type=Path, help="write the Markdown report here")
    ap.add_argument("--verbose", action="store_true", help="print each labelled figure's type")
    args = ap.parse_args(argv)
    import dicmodel

    labels = load_labels()
    names = [n for n in labels if not args.pdfs or any(n.startswith(p) for p in args.pdfs.split(","))]
    confusion: Counter = Counter()
    right: Counter = Counter()
    total: Counter = Counter()
    missing = 0
    for name in names:
        path = _pdf_path(args.devset, name)
        if not path.exists():
            print(f"skip {name}: not found", file=sys.stderr)
            continue
        doc = dicmodel.convert(str(path))
        shift = 1 - _page_base(doc)
        pages = sorted({lab["page"] for lab in labels[name]})
        found = {}
        for page in pages:
            labs = [lab for lab in labels[name] if lab["page"] == page]
            figs = [f for f in doc.figures if f.page + shift == page]
            found.update({id(lab): f for lab, f in zip(labs, match(figs, labs))})
        for lab in labels[name]:
            total[lab["label"]] += 1
            best = found[id(lab)]
            if args.verbose:
                got = best.description.figure_type.value if best and best.description else "(not found)"
                print(f"{name} p{lab['page']} {lab['box']} {lab['label']} -> {got}", file=sys.stderr)
            if best is None:
                missing += 1
                confusion[(lab["label"], "(not found)")] += 1
                continue
            ftype = best.description.figure_type.value if best.description else "(none)"
            confusion[(lab["label"], ftype)] += 1
            right[lab["label"]] += ftype in ACCEPT[lab["label"]]
        print(f"{name}: {len(labels[name])} labelled", file=sys.stderr, flush=True)
    n = sum(total.values())
    lines = [f"Figure-kind accuracy: {sum(right.values())}/{n} = "
             f"{sum(right.values()) / max(n, 1):.3f} ({missing} labelled figures not found)", "",
             "| label | figures | right | accuracy | described as |", "|---|---|---|---|---|"]
    for lab in sorted(total, key=lambda k: -total[k]):
        got = ", ".join(f"{t} {c}" for (l, t), c in confusion.most_common() if l == lab)
        lines.append(f"| {lab} | {total[lab]} | {right[lab]} | {right[lab] / total[lab]:.2f} | {got} |")
    md = "\n".join(lines)
    print(md)
    if args.out:
        args.out.write_text(md + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
