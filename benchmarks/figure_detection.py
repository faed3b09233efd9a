"""Figure detection recall/precision on generated documents whose figure boxes are known.

Diagrams from ../shared/devset/mermaid/*.mmd and ../shared/devset/dot/* are rendered once
(Mermaid in a kept-open Chromium, Graphviz; the shared render cache outside the repo, through
``_render_cache.py``) and placed among
paragraphs, headings, running headers/footers and captions: as VECTOR figures
(``show_pdf_page`` of the rendered PDF) in one document and as RASTER figures
(``insert_image`` of the rendered PNG) in another. The ground-truth box is the rectangle the
diagram was placed in. A detection matches a ground-truth figure at IoU >= 0.5 (one-to-one,
greedy by IoU). Captions are checked too.

    python benchmarks/figure_detection.py [--limit N] [--render] [--show-misses]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _render_cache as rc

W, H, M = 595.0, 842.0, 60.0
MAX_W, MAX_H = W - 2 * M, 330.0
FILLER = ("The control plane and the user plane are separated so that each can scale on its own. "
          "Operators deploy the functions on a shared cloud infrastructure and connect them over "
          "service-based interfaces. ")


@dataclass
class Placed:
    page: int
    rect: tuple[float, float, float, float]
    caption: str
    name: str


def _sources(limit: int | None, render: bool) -> list[Path]:
    srcs = rc.devset_sources("mermaid") + rc.devset_sources("dot")
    if render:
        rc.warm()
    ok = [s for s in srcs if all(p.exists() for p in rc.cached_paths(s).values())]
    return ok[:limit] if limit else ok


def _size(w: float, h: float) -> tuple[float, float]:
    s = min(MAX_W / w, MAX_H / h, 1.5)
    return w * s, h * s


def build(srcs: list[Path], kind: str) -> tuple[bytes, list[Placed], list[str]]:
    """One document with every diagram placed as ``kind`` (vector | raster) figures."""
    import pymupdf

    doc = pymupdf.open()
    placed: list[Placed] = []
    skipped: list[str] = []
    page, y = None, H
    for n, src in enumerate(srcs, 1):
        paths = rc.cached_paths(src)
        try:
            if kind == "vector":
                art = pymupdf.open(paths["pdf"])
                w, h = art[0].rect.width, art[0].rect.height
            else:
                pix = pymupdf.Pixmap(str(paths["png"]))
                w, h = pix.width / 2, pix.height / 2  # rendered at scale 2
        except Exception as err:  # noqa: BLE001 - an unreadable render is skipped and counted
            skipped.append(f"{src.name}: {err}")
            continue
        fw, fh = _size(w, h)
        if fw < 45 or fh < 45:
            skipped.append(f"{src.name}: too small ({fw:.0f}x{fh:.0f} pt)")
            continue
        need = fh + 110
        if page is None or y + need > H - 60:
            page = doc.new_page(width=W, height=H)
            page.insert_text((M, 40), "Figure detection benchmark - generated", fontsize=8)
            page.insert_text((W - M - 10, H - 30), str(doc.page_count), fontsize=8)
            y = 70.0
        y = _para(page, y, f"{n}. Section {n}", 13, "hebo")
        y = _para(page, y, FILLER + f"Figure {n} shows the {src.stem} diagram.", 10, "helv")
        caption = f"Figure {n}: {src.stem.replace('_', ' ')}"
        above = n % 3 == 0
        if above:
            y = _para(page, y + 2, caption, 9, "helv")
        x0 = M + (MAX_W - fw) / 2
        rect = pymupdf.Rect(x0, y + 4, x0 + fw, y + 4 + fh)
        if kind == "vector":
            page.show_pdf_page(rect, art, 0)
        else:
            page.insert_image(rect, filename=str(paths["png"]))
        y = rect.y1 + 6
        if not above:
            y = _para(page, y, caption, 9, "helv")
        y += 8
        placed.append(Placed(doc.page_count, tuple(rect), caption, src.name))  # 1-based, as Figure.page
    return doc.tobytes(garbage=3, deflate=True), placed, skipped


def _para(page, y: float, text: str, size: float, font: str) -> float:
    import pymupdf

    r = pymupdf.Rect(M, y, W - M, y + 200)
    left = page.insert_textbox(r, text, fontsize=size, fontname=font)
    return y + (200 - left) + 4


def score(data: bytes, placed: list[Placed]) -> dict:
    from dicmodel.document import BBox
    from dicmodel.ingest import IngestOptions, ingest

    t0 = time.perf_counter()
    doc = ingest(data, IngestOptions(render_crops=False))
    seconds = time.perf_counter() - t0
    pairs = []
    for gi, g in enumerate(placed):
        gb = BBox.of(g.rect)
        for fi, f in enumerate(doc.figures):
            if f.page == g.page:
                iou = f.bbox.iou(gb)
                if iou >= 0.5:
                    pairs.append((iou, gi, fi))
    pairs.sort(reverse=True)
    used_g, used_f, matched = set(), set(), {}
    for iou, gi, fi in pairs:
        if gi in used_g or fi in used_f:
            continue
        used_g.add(gi)
        used_f.add(fi)
        matched[gi] = (fi, iou)
    tp = len(matched)
    captions_ok = sum(1 for gi, (fi, _) in matched.items() if doc.figures[fi].caption == placed[gi].caption)
    return {"n": len(placed), "detected": len(doc.figures), "tp": tp,
            "recall": tp / len(placed) if placed else 0.0,
            "precision": tp / len(doc.figures) if doc.figures else 0.0,
            "mean_iou": sum(i for _, i in matched.values()) / tp if tp else 0.0,
            "captions": captions_ok, "pages": len(doc.pages), "seconds": seconds,
            "misses": [placed[g].name for g in range(len(placed)) if g not in matched],
            "false": [(f.page, [round(v) for v in f.bbox.as_tuple()]) for i, f in enumerate(doc.figures)
                      if i not in used_f]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="use only the first N diagrams")
    ap.add_argument("--render", action="store_true", help="render diagrams missing from the cache (slow)")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    srcs = _sources(args.limit, args.render)
    if not srcs:
        print("no rendered diagrams in the cache; run with --render (or benchmarks/_render_cache.py)")
        return 1
    print(f"diagrams with both renders cached: {len(srcs)} "
          f"({sum(s.suffix == '.mmd' for s in srcs)} mermaid, {sum(s.suffix != '.mmd' for s in srcs)} dot)")
    print(f"{'kind':7s} {'n':>4s} {'detected':>8s} {'TP':>4s} {'recall':>7s} {'precision':>9s} "
          f"{'meanIoU':>7s} {'captions':>8s} {'pages':>5s} {'s':>6s}")
    worst = 1.0
    for kind in ("vector", "raster"):
        data, placed, skipped = build(srcs, kind)
        r = score(data, placed)
        worst = min(worst, r["recall"], r["precision"])
        print(f"{kind:7s} {r['n']:4d} {r['detected']:8d} {r['tp']:4d} {r['recall']:7.3f} {r['precision']:9.3f} "
              f"{r['mean_iou']:7.3f} {r['captions']:8d} {r['pages']:5d} {r['seconds']:6.2f}")
        if skipped:
            print(f"  skipped {len(skipped)}: " + "; ".join(skipped[:5]))
        if args.show_misses:
            print("  misses:", r["misses"][:30])
            print("  false :", r["false"][:30])
    print(f"target recall and precision >= 0.95: {'met' if worst >= 0.95 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
