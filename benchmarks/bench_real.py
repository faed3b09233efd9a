"""Real-figure benchmark: draw.io, Visio, PowerPoint and PlantUML diagrams as users meet them.

Ground truth is what each source file declares, read exactly by :mod:`dicmodel.sources` (the
rows of ``../shared/devset/real/manifest.tsv``). Each diagram is rendered the way a reader of
a document meets it and placed in a one-page PDF among text, with a caption:

- ``drawio_png``: the PNG the repository ships (raster);
- ``drawio_svg`` and PlantUML: the SVG printed to a vector PDF by headless Chromium (vector),
  and that page rasterized at 150 dpi (raster); PlantUML's own PNG when ``plantuml`` is
  installed (raster, replaces the rasterized page);
- ``vsdx`` / ``pptx``: LibreOffice's PDF of the page or slide (vector), rasterized at 150 dpi
  (raster);
- plain ``.drawio`` files have no render here (the draw.io application is needed): counted as
  not rendered.

Each PDF goes through ``dicmodel.convert`` with the structural describer (ingest and figure
detection included). The figure overlapping the placed picture most is scored against the
truth with :mod:`dicmodel.eval.structure` (node-label recall, edge F1, message F1); a figure
not found scores zero. Also reported: whether the caption survived, the figure type, and the
AUROC of the describer's confidence against "right" (node recall >= 0.9 and edge/message F1 >=
0.8), the check that ``--describer hybrid`` routing depends on.

Renders are cached under ``~/.cache/dicmodel-bench/real`` (or ``DICMODEL_BENCH_CACHE``/real).

Usage::

    python benchmarks/bench_real.py [--kinds vector,raster] [--formats vsdx,pptx,...]
                                    [--limit N] [--out docs/benchmarks_real.md] [--json F]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from dicmodel.describe.hybrid import HybridOptions
from dicmodel.diagram import Diagram
from dicmodel.eval.bench import default_cache, default_devset
from dicmodel.eval.calibration import RIGHT_LINK_F1, RIGHT_NODE_RECALL, auroc, is_right, split_at
from dicmodel.eval.structure import PRF, score_structure

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _visible import hidden_labels, page_text, visible_lines, visible_truth  # noqa: E402

RASTER_DPI = 150


@dataclass
class Row:
    file: str
    format: str
    part: str
    kind: str
    nodes: int
    edges: int
    license: str


@dataclass
class Result:
    row: Row
    kind: str                      # vector | raster
    status: str                    # ok | not-rendered | no-truth | failed
    found: bool = False
    caption_kept: bool = False
    figure_type: str = ""
    confidence: float = 0.0
    nodes: PRF = field(default_factory=PRF)
    edges: PRF = field(default_factory=PRF)
    messages: PRF = field(default_factory=PRF)
    seconds: float = 0.0
    note: str = ""
    hidden: int = 0                # truth nodes the render does not show (raster: not scored)
    labels_anywhere: int = 0       # truth node labels the reading carries in any role
    full: Any = None               # raster: the StructureScore against the full truth
    drawn: Any = None              # Visio: the StructureScore against the page as drawn

    @property
    def right(self) -> bool:
        return self.found and is_right(self)  # one definition of "right" (dicmodel.eval.calibration)


def read_manifest(devset: Path) -> list[Row]:
    with open(devset / "real" / "manifest.tsv", newline="", encoding="utf-8") as fh:
        return [Row(file=r["file"], format=r["format"], part=r["part"], kind=r["kind"],
                    nodes=int(r["nodes"]), edges=int(r["edges"]), license=r["license"])
                for r in csv.DictReader(fh, delimiter="\t")]


# ---- truth ------------------------------------------------------------------------------

def truth_for(row: Row, path: Path, memo: dict[str, list[Any]]) -> tuple[Diagram | None, int]:
    """The part's exact Diagram and its page/slide index (0-based) in the file's render."""
    from dicmodel.sources import read_source

    if row.file not in memo:
        memo[row.file] = read_source(path)
    parts = memo[row.file]
    for i, p in enumerate(parts):
        if p.part == row.part:
            return p.diagram, i
    m = re.fullmatch(r"slide-(\d+)", row.part)
    if m:
        return None, int(m.group(1)) - 1
    return None, 0


def drawn_truth(row: Row, path: Path) -> Diagram | None:
    """A Visio page as a person sees it (``read_vsdx(as_drawn=True)``: unglued connector ends
    that lie on a shape's outline glued to it, the flow passed through unlabelled junctions).
    The devset's truth is the glue alone; this second truth only measures how many of the
    links a reader finds beyond the glue are connectors drawn on the page. None for the rest."""
    if row.format != "vsdx":
        return None
    from dicmodel.sources.vsdx import read_vsdx

    return next((p.diagram for p in read_vsdx(path.read_bytes(), path.name, as_drawn=True)
                 if p.part == row.part), None)


# ---- rendering --------------------------------------------------------------------------

def _run(cmd: list[str], timeout: int = 300) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=timeout)


def _svg_size(svg: str) -> tuple[float, float]:
    head = svg[:4000]
    w = re.search(r'\bwidth="([\d.]+)(?:px)?"', head)
    h = re.search(r'\bheight="([\d.]+)(?:px)?"', head)
    if w and h:
        return float(w.group(1)), float(h.group(1))
    vb = re.search(r'viewBox="[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)"', head)
    if vb:
        return float(vb.group(1)), float(vb.group(2))
    return 1000.0, 800.0


def svg_to_pdf(svg_path: Path, out: Path) -> None:
    """Headless Chromium prints the SVG inline in a page of its own size: vectors, text as text."""
    svg = svg_path.read_text(encoding="utf-8", errors="replace")
    svg = re.sub(r"^<\?xml[^>]*>", "", svg.lstrip("\ufeff").lstrip())
    w, h = _svg_size(svg)
    html = (f"<!doctype html><html><head><style>@page {{ size: {w + 8:.0f}px {h + 8:.0f}px; "
            f"margin: 0 }} html, body {{ margin: 0; padding: 0; overflow: hidden }} "
            f"svg {{ display: block }}</style></head><body>{svg}</body></html>")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        _run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
              f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()], timeout=120)


def office_to_pdf(src: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/lo", "--convert-to",
              "pdf", "--outdir", tmp, str(src)])
        shutil.move(str(Path(tmp) / (src.stem + ".pdf")), out)


def plantuml_render(src: Path, out_dir: Path) -> None:
    """SVG and PNG by PlantUML; on an error (this PlantUML may not know a newer source's
    syntax, e.g. !theme) PlantUML still writes an error picture: those are removed and the
    failure is remembered, so the benchmark never scores an error picture."""
    try:
        _run(["plantuml", "-tsvg", "-o", str(out_dir), str(src)])
        _run(["plantuml", "-tpng", "-o", str(out_dir), str(src)])
    except subprocess.CalledProcessError:
        for f in list(out_dir.glob("*.svg")) + list(out_dir.glob("*.png")):
            f.unlink()
        (out_dir / "plantuml-failed").write_text("PlantUML could not render this source\n")
        raise


def _label_set(diagram: Diagram) -> set[str]:
    return {" ".join(n.label.split()).lower() for n in diagram.nodes if n.label.strip()}


def _best_page(doc: Any, truth: Diagram, guess: int, parts: list[Any] | None = None) -> int:
    """The exported page showing the part: most of the truth's labels in its text.

    LibreOffice leaves out hidden slides and Visio background pages, so the part's index in
    the source need not be its page in the PDF; the guess breaks ties. Pages of one file share
    many labels (the SAI pipelines redraw most tables on every page), so with ``parts`` (all
    parts of the file) each part gets its own page: pairs (part, page) are taken greedily by
    label hits, a page going to one part only. Without it, a part can land on a sibling page
    that repeats more of its labels than its own (SAI v2 'vBridge': 22 hits on 'vxlan encap',
    18 on its own page).
    """
    texts = [" ".join(doc[i].get_text().split()).lower() for i in range(doc.page_count)]
    if not texts:
        return guess

    def hits(labels: set[str], i: int, g: int) -> tuple[int, int]:
        return sum(lab in texts[i] for lab in labels), -abs(i - g)

    if parts:
        labels_of = [_label_set(p.diagram) for p in parts]
        pairs = sorted(((hits(labels, i, k), k, i)
                        for k, labels in enumerate(labels_of) for i in range(len(texts))), reverse=True)
        owner: dict[int, int] = {}
        taken: set[int] = set()
        for (n, _), k, i in pairs:
            if n and k not in owner and i not in taken:
                owner[k] = i
                taken.add(i)
        for k, p in enumerate(parts):
            if p.diagram is truth and k in owner:
                return owner[k]
    labels = _label_set(truth)
    return max(range(len(texts)), key=lambda i: hits(labels, i, guess))


def renders(row: Row, src: Path, page_index: int, truth: Diagram, cache: Path,
            parts: list[Any] | None = None) -> dict[str, Any]:
    """{'vector': (pdf_path, page_index) | None, 'raster': png_bytes | None, 'note': str}."""
    import pymupdf

    sha = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    d = cache / f"{src.stem}-{sha}"
    d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"vector": None, "raster": None, "note": ""}
    fmt = row.format
    if fmt == "drawio_png":
        out["raster"] = src.read_bytes()
        return out
    if fmt == "drawio":
        out["note"] = "no render (plain .drawio needs the draw.io application)"
        return out
    pdf = d / "render.pdf"
    if fmt == "drawio_svg":
        if not pdf.exists():
            svg_to_pdf(src, pdf)
    elif fmt in ("vsdx", "pptx"):
        if not pdf.exists():
            office_to_pdf(src, pdf)
    elif fmt == "plantuml":
        if (d / "plantuml-failed").exists():
            out["note"] = "no render (this PlantUML cannot render the source)"
            return out
        svgs = sorted(d.glob("*.svg"))
        if not svgs and shutil.which("plantuml"):
            plantuml_render(src, d)
            svgs = sorted(d.glob("*.svg"))
        if not svgs:
            out["note"] = "no render (plantuml not installed)"
            return out
        if not pdf.exists():
            svg_to_pdf(svgs[0], pdf)
        pngs = sorted(d.glob("*.png"))
        if pngs:
            out["raster"] = pngs[0].read_bytes()
        page_index = 0
    with pymupdf.open(pdf) as doc:
        if fmt in ("vsdx", "pptx"):
            page_index = _best_page(doc, truth, page_index, parts)
        if page_index >= doc.page_count:
            out["note"] = f"render has {doc.page_count} pages, part is page {page_index + 1}"
            return out
        out["vector"] = (pdf, page_index)
        if out["raster"] is None:
            out["raster_from_pdf"] = True
            out["raster"] = doc[page_index].get_pixmap(dpi=RASTER_DPI, clip=_content(doc[page_index])).tobytes("png")
    return out


def _content(page: Any) -> Any:
    """The box of what is drawn or written on a page (renders carry wide empty margins)."""
    import pymupdf

    box = pymupdf.Rect()
    full = page.rect.get_area()
    for dr in page.get_drawings():
        if dr["rect"].get_area() < 0.8 * full:  # not a page background
            box |= dr["rect"]
    for w in page.get_text("words"):
        box |= pymupdf.Rect(w[:4])
    for info in page.get_image_info():
        box |= pymupdf.Rect(info["bbox"])
    box = (box + (-4, -4, 4, 4)) & page.rect
    if box.is_empty or box.width < 10 or box.height < 10:
        return page.rect
    return box


# ---- the document a reader meets ----------------------------------------------------------

LOREM = ("The architecture below is described in this clause. Each function is deployed as a "
         "separate service and the interfaces between them are defined in the following clauses.")


def place(render: Any, kind: str, caption: str) -> tuple[bytes, Any]:
    """A one-page A4 PDF: a paragraph, the figure, its caption, a paragraph that cites it."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(56, 50, 539, 110), "4.2 Overview\n" + LOREM, fontsize=10)
    if kind == "vector":
        pdf, index = render
        with pymupdf.open(pdf) as src:
            clip = _content(src[index])
            w, h = clip.width, clip.height
        scale = min(483 / w, 560 / h, 1.5)
        rect = pymupdf.Rect(56, 120, 56 + w * scale, 120 + h * scale)
        page.show_pdf_page(rect, pymupdf.open(pdf), index, clip=clip)
    else:
        pix = pymupdf.Pixmap(render)
        w, h = pix.width * 72 / RASTER_DPI, pix.height * 72 / RASTER_DPI
        scale = min(483 / w, 560 / h, 1.0)
        rect = pymupdf.Rect(56, 120, 56 + w * scale, 120 + h * scale)
        page.insert_image(rect, stream=render)
    page.insert_textbox(pymupdf.Rect(56, rect.y1 + 8, 539, rect.y1 + 40), caption, fontsize=9)
    page.insert_textbox(pymupdf.Rect(56, rect.y1 + 44, 539, rect.y1 + 110),
                        "As Figure 1 shows, the functions exchange messages over the interfaces "
                        "named there.", fontsize=10)
    return doc.tobytes(), rect


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def read_one(pdf: bytes, rect: Any, truth: Diagram, res: Result, hidden: set[str] | None = None,
             drawn: Diagram | None = None) -> None:
    import dicmodel
    from dicmodel.document import BBox

    res.note = ""
    t0 = _cpu()
    doc = dicmodel.convert(pdf)
    res.seconds = _cpu() - t0
    placed = BBox(x0=rect.x0, y0=rect.y0, x1=rect.x1, y1=rect.y1)
    best = max(doc.figures, key=lambda f: f.bbox.intersection(placed), default=None)
    # found: the figure covers a good part of the placed render, or it carries the caption
    # and lies mostly inside it (a Visio page whose drawing is a thin strip in a wide, mostly
    # empty page: the strip is the figure)
    if best is None or (best.bbox.intersection(placed) < 0.3 * placed.area and not (
            best.caption and "Figure 1" in best.caption
            and best.bbox.intersection(placed) >= 0.5 * best.bbox.area)):
        res.note = f"figure not found ({len(doc.figures)} figures on the page)"
        pred = Diagram()
    else:
        res.found = True
        res.caption_kept = bool(best.caption and "Figure 1" in best.caption)
        d = best.description
        pred = d.diagram if d and d.diagram else Diagram()
        if d:
            res.figure_type = d.figure_type.value
            res.confidence = d.confidence
    s = score_structure(pred, visible_truth(truth, hidden or set()))
    res.nodes, res.edges, res.messages = s.nodes, s.edges, s.messages
    res.hidden = len(hidden or ())
    res.labels_anywhere = labels_anywhere(pred, visible_truth(truth, hidden or set()))
    if hidden:
        res.full = score_structure(pred, truth)
    if drawn is not None:
        res.drawn = score_structure(pred, visible_truth(drawn, hidden or set()))
    res.status = "ok"


def labels_anywhere(pred: Diagram, truth: Diagram) -> int:
    """Truth node labels the reading carries as a node, a group, a link label or a note.

    The sources count every labelled shape as a node, free text boxes included; a reader that
    writes such a text as a link's label ("when Intents") or a note has read it, in another
    role. One-to-one, with the scorer's label matching (``match_labels``, threshold 80)."""
    from dicmodel.eval.structure import match_labels

    texts = ([n.label for n in pred.nodes] + [g.label for g in pred.groups]
             + [e.label for e in pred.edges] + [m.text for m in pred.messages] + list(pred.notes))
    texts = [t for t in texts if t and t.strip()]
    ref = [n.label for n in truth.nodes if n.label.strip()]
    return len(match_labels(texts, ref, 80.0)) if texts and ref else 0


def hidden_in_render(rend: dict[str, Any], truth: Diagram, kind: str = "raster") -> set[str]:
    """Truth nodes whose label the render does not show (see ``_visible``): for a raster
    reading, labels drawn invisibly or off the page; for a vector reading, labels off the page
    (a reader of the PDF's text takes text of any colour)."""
    if rend.get("vector") is None or rend.get("raster_from_pdf") is not True:
        return set()
    import pymupdf

    pdf, index = rend["vector"]
    with pymupdf.open(pdf) as doc:
        page = doc[index]
        return hidden_labels(truth, visible_lines(page, _content(page), colour=kind == "raster"),
                             page_text(page))


# ---- report ---------------------------------------------------------------------------------

def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(results: list[Result]) -> str:
    groups: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in results:
        groups[(r.row.format, r.kind)].append(r)
        groups[("all", r.kind)].append(r)
    lines = ["| format | kind | parts | scored | found | caption kept | node R | edge P | edge R | "
             "edge F1 | msg F1 | right | CPU s/fig | label R any role |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (fmt, kind), rs in sorted(groups.items(), key=lambda kv: (kv[0][0] == "all", kv[0])):
        ok = [r for r in rs if r.status == "ok"]
        nodes = sum((r.nodes for r in ok), PRF())
        edges = sum((r.edges for r in ok), PRF())
        msgs = sum((r.messages for r in ok), PRF())
        cpu = sum(r.seconds for r in ok) / len(ok) if ok else None
        lines.append(
            f"| {fmt} | {kind} | {len(rs)} | {len(ok)} | {sum(r.found for r in ok)} | "
            f"{sum(r.caption_kept for r in ok)} | {_f(nodes.recall if nodes.n_ref else None)} | "
            f"{_f(edges.precision if edges.n_ref else None)} | {_f(edges.recall if edges.n_ref else None)} | "
            f"{_f(edges.f1 if edges.n_ref else None)} | {_f(msgs.f1 if msgs.n_ref else None)} | "
            f"{sum(r.right for r in ok)} | {_f(cpu)} | "
            f"{_f(sum(r.labels_anywhere for r in ok) / nodes.n_ref if nodes.n_ref else None)} |")
    ok = [r for r in results if r.status == "ok"]
    conf, right = [r.confidence for r in ok], [r.right for r in ok]
    t = HybridOptions.model_fields["threshold"].default
    sp = split_at(conf, right, t)
    lines += ["", f"Confidence AUROC against 'right' (node recall >= {RIGHT_NODE_RECALL}, edge or "
              f"message F1 >= {RIGHT_LINK_F1}): {_f(auroc(conf, right))} over {len(ok)} scored "
              f"figures ({sum(right)} right). At `--describer hybrid`'s threshold {t}: kept "
              f"{sp['kept_right']} right and {sp['kept_wrong']} wrong, routed to the model "
              f"{sp['routed_right']} right and {sp['routed_wrong']} wrong."]
    for kind, how in (("raster", "drawn invisibly by the renderer (text colour on a background "
                                 "of the same colour) or clipped off the page"),
                      ("vector", "clipped off the page")):
        hid = [r for r in ok if r.hidden and r.kind == kind]
        if not hid:
            continue
        full = [r.full if r.full else r for r in ok if r.kind == kind]
        nodes = sum((f.nodes for f in full), PRF())
        edges = sum((f.edges for f in full), PRF())
        lines += ["", f"{kind.capitalize()} rows are scored against the labels their render shows: "
                  f"{sum(r.hidden for r in hid)} truth nodes in {len(hid)} figures are {how} "
                  f"(`benchmarks/_visible.py`) and are left out with their links. Against the "
                  f"full truth, {kind} node R {_f(nodes.recall if nodes.n_ref else None)}, edge F1 "
                  f"{_f(edges.f1 if edges.n_ref else None)}."]
    for kind in ("vector", "raster"):
        vis = [r for r in ok if r.kind == kind and r.drawn is not None]
        if not vis:
            continue
        glued = sum((r.edges for r in vis), PRF())
        drawn = sum((r.drawn.edges for r in vis), PRF())
        lines += ["", f"{kind.capitalize()} Visio rows against the pages as drawn "
                  f"(`read_vsdx(as_drawn=True)`: "
                  f"connector ends left unglued on a shape's outline glued to it, the flow passed "
                  f"through unlabelled junctions; {drawn.n_ref} links instead of the glue's "
                  f"{glued.n_ref}): edge P {_f(drawn.precision)}, R {_f(drawn.recall)}, F1 "
                  f"{_f(drawn.f1)} (against the glue: {_f(glued.precision)} / {_f(glued.recall)} / "
                  f"{_f(glued.f1)}). The scores above use the glue, the devset's truth."]
    skipped = [r for r in results if r.status != "ok"]
    if skipped:
        why: dict[str, int] = defaultdict(int)
        for r in skipped:
            why[f"{r.status}: {r.note}"] += 1
        lines += ["", "Not scored: " + "; ".join(f"{n} x {w}" for w, n in sorted(why.items()))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=default_devset(), help="the devset folder")
    ap.add_argument("--kinds", default="vector,raster", help="comma list of vector, raster")
    ap.add_argument("--formats", default="", help="comma list of manifest formats (default: all)")
    ap.add_argument("--limit", type=int, default=0, help="at most N manifest rows (0: all)")
    ap.add_argument("--out", type=Path, help="write the Markdown table here")
    ap.add_argument("--json", type=Path, help="write per-figure results here")
    args = ap.parse_args(argv)
    if not (args.devset / "real" / "manifest.tsv").exists():
        print(f"no real-figure devset at {args.devset}/real (set --devset)", file=sys.stderr)
        return 2
    rows = read_manifest(args.devset)
    if args.formats:
        rows = [r for r in rows if r.format in args.formats.split(",")]
    if args.limit:
        rows = rows[:args.limit]
    kinds = args.kinds.split(",")
    cache = default_cache().parent / "real"
    memo: dict[str, list[Any]] = {}
    results: list[Result] = []
    for i, row in enumerate(rows, 1):
        src = args.devset / "real" / row.file
        try:
            truth, index = truth_for(row, src, memo)
        except Exception as err:  # noqa: BLE001 - a benchmark reports, it does not stop
            truth, index = None, 0
            print(f"  truth failed for {row.file}: {err}", file=sys.stderr)
        if truth is None:
            results += [Result(row, k, "no-truth", note=f"part {row.part!r} not read") for k in kinds]
            continue
        try:
            rend = renders(row, src, index, truth, cache, memo.get(row.file))
        except Exception as err:  # noqa: BLE001
            rend = {"vector": None, "raster": None, "note": f"render failed: {err}"}
        for kind in kinds:
            res = Result(row, kind, "not-rendered", note=rend["note"] or f"no {kind} render")
            if rend.get(kind) is not None:
                try:
                    pdf, rect = place(rend[kind], kind, f"Figure 1: {row.part}")
                    hidden = hidden_in_render(rend, truth, kind)
                    read_one(pdf, rect, truth, res, hidden, drawn_truth(row, src))
                except Exception as err:  # noqa: BLE001
                    res.status, res.note = "failed", f"{type(err).__name__}: {err}"
            results.append(res)
            print(f"[{i}/{len(rows)}] {row.file} {row.part} {kind}: {res.status} "
                  f"nodes {res.nodes.tp}/{res.nodes.n_ref} edges {res.edges.tp}/{res.edges.n_ref} "
                  f"msgs {res.messages.tp}/{res.messages.n_ref} conf {res.confidence:.2f} "
                  f"{res.figure_type} {res.note}", file=sys.stderr, flush=True)
    md = table(results)
    print(md)
    if args.out:
        args.out.write_text(md + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([{
            "file": r.row.file, "part": r.row.part, "format": r.row.format, "kind": r.kind,
            "status": r.status, "found": r.found, "caption_kept": r.caption_kept,
            "figure_type": r.figure_type, "confidence": r.confidence, "right": r.right,
            "nodes": r.nodes.model_dump(), "edges": r.edges.model_dump(),
            "messages": r.messages.model_dump(), "cpu_s": r.seconds, "note": r.note, "hidden": r.hidden,
            "labels_anywhere": r.labels_anywhere,
            "edges_as_drawn": r.drawn.edges.model_dump() if r.drawn is not None else None}
            for r in results], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
