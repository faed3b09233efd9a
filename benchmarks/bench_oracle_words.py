"""How much of the raster describer's error is OCR, and how much is geometry?

Each Mermaid and Graphviz figure of the devset is rendered to a vector PDF; its page is
rasterized at the size of the benchmark's own PNG of that figure, and the raster describer
reads that image twice:

- ``ocr``: as in use, with RapidOCR words;
- ``pdf-text``: with a perfect reader on the same detector: every OCR line box gets the exact
  string of the PDF text lines inside it, the PDF lines the detector missed are added (see
  :func:`perfect_words`), and empty shapes are not re-read (there is nothing left to find).

Everything after the words (ink masks, shapes, arrowheads, connector tracing, graph building)
is the same code in both runs, so the difference between the two rows is what a perfect text
reader would add, and what remains under ``pdf-text`` is the geometry's share. This is a
diagnostic for developers: the ``pdf-text`` path does not exist in the library.

Usage::

    python benchmarks/bench_oracle_words.py [--only REGEX] [--out docs/...md] [--json X.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_structural as bs

from dicmodel.eval.structure import PRF, score_structure


class _Words:
    """While ``active``, the raster reader's OCR words are corrected with the PDF's text lines
    (:func:`perfect_words`)."""

    def __init__(self) -> None:
        from dicmodel.describe._geometry import raster

        self.active = False
        self.lines: list[Any] = []
        orig_ocr, orig_read = raster.ocr_words, raster.read_lines

        def ocr_words(image: Any, engine: str = "rapidocr") -> list[Any]:
            words = orig_ocr(image, engine)
            return perfect_words(words, self.lines) if self.active else words

        def read_lines(images: list[Any], engine: str = "rapidocr") -> list[tuple[str, float]]:
            return [("", 0.0)] * len(images) if self.active else orig_read(images, engine)

        raster.ocr_words, raster.read_lines = ocr_words, read_lines


def pdf_page_and_lines(pdf: Path, page: int, width_px: int) -> tuple[bytes, list[Any]]:
    """The page rasterized to ``width_px`` wide, and its text lines as :class:`Word` boxes in
    that image's pixels."""
    import pymupdf

    from dicmodel.describe._geometry.primitives import Word

    with pymupdf.open(pdf) as doc:
        pg = doc[page]
        z = width_px / pg.rect.width
        pix = pg.get_pixmap(matrix=pymupdf.Matrix(z, z))
        png = pix.tobytes("png")
        gray = _gray(pix)
        words = []
        for block in pg.get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                text = " ".join("".join(s["text"] for s in line["spans"]).split())
                if text:
                    x0, y0, x1, y1 = _tight(gray, [v * z for v in line["bbox"]])
                    words.append(Word(text=text, bbox=(x0, y0, x1, y1), size=y1 - y0, confidence=1.0))
    return png, words


def _tight(gray: Any, box: list[float]) -> tuple[float, float, float, float]:
    """A text line's box as the OCR would give it: shrunk to its letters' ink (a PDF line box
    spans the font's whole ascent and descent), then grown by the detector's margin."""
    import numpy as np

    from dicmodel.describe._geometry.ocr import ink_mask

    h, w = gray.shape
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, int(box[2]) + 1), min(h, int(box[3]) + 1)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return tuple(box)  # type: ignore[return-value]
    ys, xs = np.nonzero(ink_mask(crop, np, 60)[0])  # (the OCR's own letter threshold)
    if len(xs) == 0:
        return tuple(box)  # type: ignore[return-value]
    return (float(x0 + xs.min()), float(y0 + ys.min()), float(x0 + xs.max() + 1), float(y0 + ys.max() + 1))


def perfect_words(ocr: list[Any], lines: list[Any]) -> list[Any]:
    """The OCR's own line boxes with the PDF's exact strings in them, plus the PDF lines the
    detector missed: a perfect reader on this detector's boxes.

    An OCR box holding the centre of one or more PDF lines takes their text; an OCR box holding
    none keeps its own (detector noise stays noise). A PDF line in no OCR box is added with its
    letters' box grown by the median margin the detector left around the lines it did find."""
    from dicmodel.describe._geometry.primitives import Word

    out, used, margins = [], set(), []
    for w in ocr:
        inside = [k for k, ln in enumerate(lines) if k not in used and _holds(w.bbox, ln.bbox)]
        if not inside:
            out.append(w)
            continue
        used.update(inside)
        if len(inside) == 1:
            t = lines[inside[0]].bbox
            margins.append(min(t[0] - w.bbox[0], t[1] - w.bbox[1], w.bbox[2] - t[2], w.bbox[3] - t[3]))
        text = " ".join(lines[k].text for k in sorted(inside, key=lambda k: (lines[k].bbox[1], lines[k].bbox[0])))
        out.append(Word(text=text, bbox=w.bbox, size=w.size, confidence=1.0, vertical=w.vertical))
    pad = sorted(margins)[len(margins) // 2] if margins else 2.0
    for k, ln in enumerate(lines):
        if k not in used:
            b = ln.bbox
            box = (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
            out.append(Word(text=ln.text, bbox=box, size=box[3] - box[1], confidence=1.0))
    return out


def _holds(box: Any, inner: Any) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _gray(pix: Any) -> Any:
    import numpy as np

    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
    return img[:, :, :3].mean(axis=2).astype(np.uint8) if pix.n >= 3 else img[:, :, 0]


def _png_width(path: Path) -> int:
    import struct

    with open(path, "rb") as fh:
        head = fh.read(24)
    return struct.unpack(">I", head[16:20])[0]  # the IHDR width


def main() -> int:
    ap = argparse.ArgumentParser(description="OCR against geometry: the raster describer with "
                                             "perfect words")
    ap.add_argument("--only", default="", help="regex on file names")
    ap.add_argument("--out", default="", help="write the Markdown table here")
    ap.add_argument("--json", default="", help="per-figure rows as JSON lines")
    args = ap.parse_args()
    skips = bs.Skips()
    items = [it for it in bs.mermaid_items(skips) + bs.dot_items(skips)
             if it.pdf and it.png and not it.nodes_only and re.search(args.only, it.name)]
    words = _Words()
    runner = bs.Runner("rapidocr")
    totals: dict[tuple[str, str], dict[str, PRF]] = defaultdict(lambda: {"nodes": PRF(), "edges": PRF(),
                                                                        "messages": PRF()})
    rows = []
    t0 = time.perf_counter()
    for k, it in enumerate(items):
        try:
            png, lines = pdf_page_and_lines(it.pdf, it.page, _png_width(it.png))
        except Exception:  # noqa: BLE001 - one figure's failure is recorded
            traceback.print_exc(limit=2)
            continue
        row: dict[str, Any] = {"name": it.name, "type": it.dtype}
        for mode in ("ocr", "pdf-text"):
            words.active, words.lines = mode == "pdf-text", lines
            try:
                diagram, _ft = runner.raster(png, it.name)
                s = score_structure(diagram or bs.Diagram(), it.gt)
            except Exception as err:  # noqa: BLE001
                row[mode] = {"error": f"{type(err).__name__}: {err}"}
                continue
            for key in ("nodes", "edges", "messages"):
                prf = getattr(s, key)
                for group in (it.dtype, "ALL"):
                    totals[(group, mode)][key] = totals[(group, mode)][key] + prf
            row[mode] = {key: getattr(s, key).model_dump() for key in ("nodes", "edges", "messages")}
        rows.append(row)
        print(f"[{k + 1}/{len(items)}] {it.name}", file=sys.stderr, flush=True)
    table = _table(totals)
    print(table)
    print(f"{len(rows)} figures in {time.perf_counter() - t0:.0f} s")
    if args.out:
        Path(args.out).write_text(table + "\n")
    if args.json:
        with open(args.json, "w") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    return 0


def _table(totals: dict[tuple[str, str], dict[str, PRF]]) -> str:
    lines = ["| type | words | node R | edge P | edge R | edge F1 | found / ref / predicted edges | msg F1 |",
             "|---|---|---|---|---|---|---|---|"]
    order = {t: i for i, t in enumerate((*bs.TYPES, "ALL"))}
    for (group, mode), t in sorted(totals.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        n, e, m = t["nodes"], t["edges"], t["messages"]
        msg = f"{m.f1:.2f}" if m.applies else "-"
        lines.append(f"| {group} | {mode} | {n.recall:.3f} | {e.precision:.3f} | {e.recall:.3f} | "
                     f"{e.f1:.3f} | {e.tp} / {e.n_ref} / {e.n_pred} | {msg} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
