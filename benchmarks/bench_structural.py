"""Benchmark of the structural describer on the devset: vector PDFs and raster PNGs.

Every ``../shared/devset/mermaid/*.mmd`` and ``../shared/devset/dot/*`` file is rendered both as
a vector PDF and as a raster PNG (Mermaid in a kept-open Chromium, Graphviz; the one render cache
of :func:`dicmodel.eval.bench.render_sources`, through ``_render_cache.py``), plus the devset PDFs whose figure sources are in ``pdfs/gt`` (d05, d06:
Graphviz, exact ground truth; d03, d04: TikZ, node labels only). Ground truth comes from the
sources: :func:`dicmodel.diagram.parse_mermaid` (kinds it does not model are skipped and
counted) and :func:`dicmodel.dot.parse_dot`.

Each figure goes through ``get_describer("structural")`` as a :class:`FigureRequest` (vector:
the page's plain drawings and text spans; raster: PNG bytes) and is scored with
:mod:`dicmodel.eval.structure`. The peer line puts pymupdf4llm's Markdown of the same PDF
(vector) and the raw OCR words of the PNG (raster) through the same node-label test
(:func:`label_recall_in_text`, a text can only be scored for recall).

Times: ``cpu`` is the process CPU time of the describe call (ONNX and OpenCV run on one
thread here), ``wall`` the elapsed time on this (shared) machine.

Usage::

    python benchmarks/bench_structural.py [--kinds vector,raster] [--limit N] [--out docs/...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _render_cache as rc

from dicmodel.diagram import Diagram, Node, parse_mermaid
from dicmodel.document import FigureKind
from dicmodel.dot import parse_dot
from dicmodel.errors import MermaidSyntaxError, UnsupportedDiagramError
from dicmodel.eval.bench import PNG_SCALE, unscorable
from dicmodel.eval.structure import PRF, StructureScore, label_recall_in_text, score_structure

REPO = Path(__file__).resolve().parents[1]
DEVSET = rc.DEVSET
TYPES = ("flowchart", "sequence", "state", "class", "er", "dot graph", "pdf (dot)", "pdf (tikz)",
         "pdf (pptx)")


@dataclass
class Item:
    name: str
    dtype: str
    gt: Diagram
    pdf: Path | None
    png: Path | None
    page: int = 0
    nodes_only: bool = False  # labels-only ground truth (TikZ, PowerPoint): no edges


@dataclass
class Row:
    name: str
    dtype: str
    kind: str
    score: StructureScore | None = None
    peer: PRF | None = None
    cpu: float = 0.0
    wall: float = 0.0
    figure_type: str = ""
    error: str = ""
    nodes_only: bool = False
    confidence: float = 0.0


@dataclass
class Skips:
    unsupported: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unrendered: list[str] = field(default_factory=list)
    bad_source: list[str] = field(default_factory=list)


# ---- ground truth and renders ---------------------------------------------------------------

def mermaid_items(skips: Skips) -> list[Item]:
    return _source_items("mermaid", skips)


def dot_items(skips: Skips) -> list[Item]:
    return _source_items("dot", skips)


def _source_items(fmt: str, skips: Skips) -> list[Item]:
    """An item per devset source of ``fmt`` ("mermaid", "dot") that parses, can be scored and
    was rendered; every other source is counted in ``skips``."""
    mermaid = fmt == "mermaid"
    # a Graphviz source the DOT reader cannot take is counted; a Mermaid one only for syntax
    # (any other exception there is a parser bug and should stop the run)
    bad: tuple[type[BaseException], ...] = (MermaidSyntaxError,) if mermaid else (Exception,)
    items = []
    for src in rc.devset_sources(fmt):
        text = src.read_text(errors="replace")
        try:
            gt = parse_mermaid(text) if mermaid else parse_dot(text)
        except UnsupportedDiagramError as err:
            skips.unsupported[str(err.text or "other")] += 1
            continue
        except bad as err:
            skips.bad_source.append(f"{src.name}: {err}")
            continue
        why = unscorable(gt, text, fmt)
        if why:
            skips.bad_source.append(f"{src.name}: {why}")
            continue
        item = _with_renders(src, gt.kind if mermaid else "dot graph", gt, skips)
        if item is not None:
            items.append(item)
    return items


def _with_renders(src: Path, dtype: str, gt: Diagram, skips: Skips) -> Item | None:
    paths = rc.cached_paths(src)
    pdf, png = paths["pdf"], paths["png"]
    if not pdf.exists() and not png.exists():
        skips.unrendered.append(src.name)
        return None
    return Item(src.name, dtype, gt, pdf if pdf.exists() else None, png if png.exists() else None)


_TIKZ_NODE = re.compile(r"\\node\b[^;{]*\{([^{}]*)\}\s*(?:edge[^;]*)?;")


def tikz_labels(tex: str) -> list[str]:
    """Node texts of ``\\node ... {text};`` statements (macros and empty texts dropped)."""
    out = []
    for m in _TIKZ_NODE.finditer(tex):
        text = re.sub(r"\\\\", " ", m.group(1))
        text = re.sub(r"\\[a-zA-Z]+\*?", " ", text).replace("$", " ").strip()
        if text and "#" not in text:
            out.append(" ".join(text.split()))
    return out


def _labels_only(labels: list[str]) -> Diagram:
    """A ground truth (or a reading) that is a list of labels: one node each."""
    return Diagram(nodes=[Node(id=f"t{k}", label=lab) for k, lab in enumerate(labels)])


def pdf_items(skips: Skips, with_pptx: bool = True) -> list[Item]:
    """Devset PDFs with sources: d05/d06 from DOT (exact), d03/d04 from TikZ (node labels),
    and (``with_pptx``, raster only) d07's PowerPoint figures."""
    gtdir = DEVSET / "pdfs" / "gt"
    items = []
    for pdf in sorted((DEVSET / "pdfs").glob("d0[3-6]_*.pdf")):
        sid = pdf.name[:3]
        srcs = sorted((gtdir / sid).glob("*"))
        dots = [s for s in srcs if s.suffix in (".dot", ".gv")]
        texs = [s for s in srcs if s.suffix == ".tex"]
        if dots:
            items.append(Item(pdf.name, "pdf (dot)", parse_dot(dots[0].read_text()), pdf, None))
        elif texs:
            gt = _labels_only(tikz_labels(texs[0].read_text(errors="replace")))
            items.append(Item(pdf.name, "pdf (tikz)", gt, pdf, None, nodes_only=True))
    if with_pptx:
        items += pptx_items(skips)
    skips.bad_source.append("d02_DefaultBearer.pdf: TikZ message charts over 6 pages, not "
                            "mapped to pages cheaply (not scored)")
    return items


def pptx_labels(path: Path) -> list[str]:
    """Texts of a slide's shapes (groups walked): the node labels of a figure drawn in
    PowerPoint. Its connectors mostly end at free points (bus lines, elbows), so they are not
    turned into edges: these figures are scored for node labels only."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    def walk(shapes: Any) -> list[str]:
        out = []
        for sh in shapes:
            if sh.shape_type == MSO_SHAPE_TYPE.GROUP:
                out += walk(sh.shapes)
            elif sh.has_text_frame and sh.text_frame.text.strip():
                out.append(" ".join(sh.text_frame.text.split()))
        return out

    return [t for slide in Presentation(str(path)).slides for t in walk(slide.shapes)]


# d07's two PowerPoint sources and the caption of the (raster) figure each became in the PDF
_D07 = {"psa-packet-paths-figure.pptx": "Figure 2", "psa-instantiation-tree-figure.pptx": "Figure 3"}


def pptx_items(skips: Skips) -> list[Item]:
    """d07 (P4 PSA spec): two raster figures whose PowerPoint sources are in pdfs/gt/d07. The
    crops come from dicmodel's own ingest (the figure with that caption), cached as PNGs named
    by the PDF's hash, so a rerun ingests nothing."""
    import hashlib

    pdf = next(iter(sorted((DEVSET / "pdfs").glob("d07_*.pdf"))), None)
    if pdf is None:
        return []
    tag = hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]
    pngs = {src: rc.CACHE / f"d07-{Path(src).stem}-{tag}.png" for src in _D07}
    if all(p.is_file() for p in pngs.values()):
        return [_pptx_item(pdf, src, caption, pngs[src]) for src, caption in _D07.items()]
    try:
        from dicmodel.ingest import ingest

        doc = ingest(pdf)
    except Exception as err:  # noqa: BLE001 - a missing extra or a bad file is reported, not fatal
        skips.bad_source.append(f"{pdf.name}: ingest failed ({type(err).__name__}: {err})")
        return []
    items = []
    for src, caption in _D07.items():
        fig = next((f for f in doc.figures if (f.caption or "").startswith(caption + ".")), None)
        if fig is None or fig.image is None:
            skips.bad_source.append(f"{pdf.name}: no figure captioned {caption!r} (not scored)")
            continue
        pngs[src].parent.mkdir(parents=True, exist_ok=True)
        pngs[src].write_bytes(fig.image)
        items.append(_pptx_item(pdf, src, caption, pngs[src]))
    return items


def _pptx_item(pdf: Path, src: str, caption: str, png: Path) -> Item:
    gt = _labels_only(pptx_labels(DEVSET / "pdfs" / "gt" / "d07" / src))
    return Item(f"{pdf.name} {caption}", "pdf (pptx)", gt, None, png, nodes_only=True)


def page_png(pdf: Path, page: int, zoom: float = 2.0) -> bytes:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return doc[page].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom)).tobytes("png")


# ---- describing ------------------------------------------------------------------------------

class Runner:
    """The registered ``structural`` describer, one request per figure."""

    def __init__(self, ocr: str):
        from dicmodel.describe.base import get_describer

        # the wall-clock budget would cut figures short on a loaded shared machine; time is
        # measured and reported instead
        self.describer = get_describer("structural", ocr=ocr, time_budget=600.0)

    def vector(self, pdf: Path, page: int) -> tuple[Diagram | None, str, float]:
        import pymupdf

        from dicmodel.describe._geometry.vector import page_inputs
        from dicmodel.describe.base import FigureRequest
        from dicmodel.document import BBox

        with pymupdf.open(pdf) as doc:
            pg = doc[page]
            drawings, spans = page_inputs(pg)
            rect, rot = BBox.of(pg.rect), pg.rotation
        return self._describe(FigureRequest(figure_id=pdf.name, kind=FigureKind.vector, bbox=rect,
                                            drawings=drawings, spans=spans, page_rotation=rot))

    def raster(self, png: bytes, name: str) -> tuple[Diagram | None, str, float]:
        from dicmodel.describe.base import FigureRequest

        return self._describe(FigureRequest(figure_id=name, kind=FigureKind.raster, image=png))

    def _describe(self, req: Any) -> tuple[Diagram | None, str, float]:
        d = self.describer.describe([req])[0]
        return d.diagram, str(getattr(d.figure_type, "value", d.figure_type)), d.confidence


def _scored(d: Diagram | None, it: Item) -> Diagram:
    """What is scored against the ground truth. A labels-only truth (TikZ node texts, a slide's
    text shapes) mixes node and connector labels, so there every label the reading put out
    counts: node and group labels, edge labels, message texts and notes."""
    d = d or Diagram()
    if not it.nodes_only:
        return d
    texts = ([n.label for n in d.nodes] + [g.label for g in d.groups] + [e.label for e in d.edges]
             + [m.text for m in d.messages] + list(d.notes))
    return _labels_only([t for t in texts if t])


def _timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    c0, t0 = _cpu(), time.perf_counter()
    out = fn(*args)
    return out, _cpu() - c0, time.perf_counter() - t0


def _cpu() -> float:
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)  # tesseract runs as a child process
    return time.process_time() + ch.ru_utime + ch.ru_stime


def run_vector(items: list[Item], runner: Runner) -> list[Row]:
    import pymupdf4llm

    rows = []
    for it in items:
        if it.pdf is None:
            continue
        row = Row(it.name, it.dtype, "vector", nodes_only=it.nodes_only)
        try:
            (diagram, ftype, row.confidence), row.cpu, row.wall = _timed(runner.vector, it.pdf, it.page)
            row.figure_type = ftype
            row.score = score_structure(_scored(diagram, it), it.gt)
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded, the run goes on
            row.error = f"{type(err).__name__}: {err}"
            traceback.print_exc(limit=2)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # it prints parser banners
                md = pymupdf4llm.to_markdown(str(it.pdf), use_ocr=False)
            row.peer = label_recall_in_text(md, it.gt)
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded
            row.error = row.error or f"peer: {type(err).__name__}: {err}"
        rows.append(row)
        _progress(row)
    return rows


def vector_throughput(items: list[Item], repeats: int = 2) -> str:
    """One-core speed of the vector path, split in two: PyMuPDF's drawing and span extraction
    (``page_inputs``, which convert's ingest pays anyway) and the describer on those inputs
    (best of ``repeats`` passes, after a warm-up call that pays the imports)."""
    import pymupdf

    from dicmodel.describe._geometry.vector import page_inputs
    from dicmodel.describe.base import FigureRequest, get_describer
    from dicmodel.document import BBox

    reqs = []
    c0 = time.process_time()
    for it in items:
        if it.pdf is None:
            continue
        with pymupdf.open(it.pdf) as doc:
            pg = doc[it.page]
            drawings, spans = page_inputs(pg)
            reqs.append(FigureRequest(figure_id=it.name, kind=FigureKind.vector, bbox=BBox.of(pg.rect),
                                      drawings=drawings, spans=spans, page_rotation=pg.rotation))
    extract = time.process_time() - c0
    if not reqs:
        return "no vector figures"
    d = get_describer("structural", time_budget=600.0)
    d.describe(reqs[:2])
    best = float("inf")
    for _ in range(repeats):
        c0 = time.process_time()
        d.describe(reqs)
        best = min(best, time.process_time() - c0)
    n = len(reqs)
    return (f"{n} vector figures, one core: extraction (`page_inputs`) {1000 * extract / n:.1f} ms "
            f"per figure, describer {1000 * best / n:.1f} ms per figure ({n / best:.0f} figures/s); "
            f"both together {n / (best + extract):.0f} figures/s.")


class _LastWords:
    """Keeps the words of the describer's own OCR call, so the peer line costs no second OCR."""

    def __init__(self) -> None:
        from dicmodel.describe._geometry import raster

        self.words: list[Any] = []
        self._orig = raster.ocr_words

        def recording(image: Any, engine: str = "rapidocr") -> list[Any]:
            self.words = self._orig(image, engine)
            return self.words

        raster.ocr_words = recording


def run_raster(items: list[Item], runner: Runner) -> list[Row]:
    last = _LastWords()
    rows = []
    for it in items:
        if it.png is not None:
            png = it.png.read_bytes()
        elif it.pdf is not None:
            png = page_png(it.pdf, it.page)
        else:
            continue
        row = Row(it.name, it.dtype, "raster", nodes_only=it.nodes_only)
        last.words = []
        try:
            (diagram, ftype, row.confidence), row.cpu, row.wall = _timed(runner.raster, png, it.name)
            row.figure_type = ftype
            row.score = score_structure(_scored(diagram, it), it.gt)
            row.peer = label_recall_in_text("\n".join(w.text for w in last.words), it.gt)
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded
            row.error = f"{type(err).__name__}: {err}"
            traceback.print_exc(limit=2)
        rows.append(row)
        _progress(row)
    return rows


def _progress(row: Row) -> None:
    s = row.score
    brief = (f"nodesR={s.nodes.recall:.2f} edgeF1={s.edges.f1:.2f} msgF1={s.messages.f1:.2f}"
             if s else row.error[:80])
    print(f"{row.kind:6s} {row.dtype:10s} {row.name:40s} {row.figure_type:10s} {brief} "
          f"cpu={row.cpu:.2f}s", file=sys.stderr, flush=True)


# ---- report --------------------------------------------------------------------------------

def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def summarize(rows: list[Row]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        groups[(r.dtype, r.kind)].append(r)
        groups[("ALL", r.kind)].append(r)
    out = []
    order = {t: i for i, t in enumerate((*TYPES, "ALL"))}
    for (dtype, kind), rs in sorted(groups.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], 99))):
        ok = [r for r in rs if r.score is not None]
        graph = [r for r in ok if not r.nodes_only]
        nodes = sum((r.score.nodes for r in ok), PRF())
        # TikZ references list only labelled nodes: their precision would mean nothing
        nodes_p = sum((r.score.nodes for r in graph), PRF())
        edges = sum((r.score.edges for r in graph), PRF())
        msgs = sum((r.score.messages for r in graph), PRF())
        orders = [r.score.message_order for r in graph if r.score.message_order is not None]
        peer = sum((r.peer for r in rs if r.peer is not None), PRF())
        out.append({
            "type": dtype, "kind": kind, "n": len(rs), "errors": len(rs) - len(ok),
            "node_R": nodes.recall if nodes.n_ref else None,
            "node_P": nodes_p.precision if nodes_p.n_pred else None,
            "edge_P": edges.precision if edges.applies else None,
            "edge_R": edges.recall if edges.applies else None,
            "edge_F1": edges.f1 if edges.applies else None,
            "msg_F1": msgs.f1 if msgs.applies else None,
            "order": sum(orders) / len(orders) if orders else None,
            "cpu_s": sum(r.cpu for r in ok) / len(ok) if ok else None,
            "wall_s": sum(r.wall for r in ok) / len(ok) if ok else None,
            "peer_node_R": peer.recall if peer.n_ref else None,
        })
    return out


def table(summary: list[dict[str, Any]]) -> str:
    head = ("| kind | type | n | err | node R | node P | edge P | edge R | edge F1 | msg F1 | "
            "order | cpu s/fig | wall s/fig | peer node R |")
    lines = [head, "|" + "---|" * 14]
    for s in summary:
        lines.append(
            f"| {s['kind']} | {s['type']} | {s['n']} | {s['errors']} | {_fmt(s['node_R'])} | "
            f"{_fmt(s['node_P'])} | {_fmt(s['edge_P'])} | {_fmt(s['edge_R'])} | "
            f"{_fmt(s['edge_F1'])} | {_fmt(s['msg_F1'])} | {_fmt(s['order'])} | "
            f"{_fmt(s['cpu_s'])} | {_fmt(s['wall_s'])} | {_fmt(s['peer_node_R'])} |")
    return "\n".join(lines)


def write_report(path: Path, summary: list[dict[str, Any]], skips: Skips, args: Any,
                 rows: list[Row], speed: str = "") -> None:
    errs = [f"- {r.kind} {r.name}: {r.error}" for r in rows if r.error]
    unsupported = ", ".join(f"{k} x{v}" for k, v in sorted(skips.unsupported.items()))
    text = f"""# Structural describer benchmark (devset)

Produced by `python benchmarks/bench_structural.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};
OCR engine: {args.ocr}; kinds: {args.kinds}; limit per source: {args.limit or 'none'};
per type: {args.per_type or 'all'}; from earlier runs: {_names(args.from_json) or 'no'}).

Renders (`dicmodel.eval.bench.render_sources`, the cache `dicmodel bench describe` shares): the
Mermaid of mermaid-cli {args.mmdc} in one kept-open Chromium (PDF fit to the diagram, PNG at
{PNG_SCALE}x) and Graphviz `dot -Tpdf/-Tpng` (96 dpi).
Ground truth from the sources (`parse_mermaid`, `parse_dot`; TikZ node texts for d03/d04).
Metrics from `dicmodel.eval.structure` (micro over figures: labels fuzzy-matched at 80,
edges need the right direction; messages need sender, receiver and text). `order` is the mean
message-order agreement. `cpu` is process CPU (incl. child processes) per figure, one ONNX
thread; `wall` is elapsed time on a shared 2-core machine. `peer node R`: reference labels
found in pymupdf4llm's Markdown of the PDF (vector) or in the raw OCR words (raster).

{table(summary)}

{calibration(rows)}

Vector speed: {speed or 'not measured in this run'}

Skipped: Mermaid kinds not modelled as graphs: {unsupported or 'none'};
not rendered: {len(skips.unrendered)} {', '.join(skips.unrendered[:10])};
unreadable or unscored sources: {len(skips.bad_source)}.
{chr(10).join('- ' + s for s in skips.bad_source)}

Per-figure errors ({len(errs)}):
{chr(10).join(errs) or '- none'}
"""
    path.write_text(text)


def calibration(rows: list[Row]) -> str:
    """AUROC of the confidence against 'right', per kind, and the split at hybrid's default
    threshold (graph figures only: a labels-only truth has no links to be right about)."""
    from dicmodel.describe.hybrid import HybridOptions
    from dicmodel.eval.calibration import RIGHT_LINK_F1, RIGHT_NODE_RECALL, auroc, is_right, split_at

    t = HybridOptions.model_fields["threshold"].default
    out = [f"Confidence against 'right' (node recall >= {RIGHT_NODE_RECALL}, edge or message F1 "
           f">= {RIGHT_LINK_F1}); split at `--describer hybrid`'s threshold {t}:", ""]
    for kind in sorted({r.kind for r in rows}):
        ok = [r for r in rows if r.kind == kind and r.score is not None and not r.nodes_only]
        conf, right = [r.confidence for r in ok], [is_right(r.score) for r in ok]
        a, sp = auroc(conf, right), split_at(conf, right, t)
        out.append(f"- {kind}: AUROC {_fmt(a)} over {len(ok)} figures ({sum(right)} right); "
                   f"kept (>= {t}): {sp['kept_right']} right, {sp['kept_wrong']} wrong; "
                   f"routed (< {t}): {sp['routed_right']} right, {sp['routed_wrong']} wrong")
    return "\n".join(out)


def _names(paths: str) -> str:
    return ", ".join(Path(p).name for p in paths.split(",") if p)


def main() -> int:
    ap = argparse.ArgumentParser(description="structural describer benchmark on the devset")
    ap.add_argument("--kinds", default="vector,raster")
    ap.add_argument("--limit", type=int, default=0, help="at most N files per source folder")
    ap.add_argument("--ocr", default="rapidocr", choices=["rapidocr", "tesseract"])
    ap.add_argument("--only", default="", help="regex on file names")
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks_structural.md"))
    ap.add_argument("--json", default="", help="also write per-figure rows as JSON lines here")
    ap.add_argument("--no-render", action="store_true", help="use only what is cached")
    ap.add_argument("--per-type", type=int, default=0,
                    help="at most N figures per diagram type (first by file name), to bound time")
    ap.add_argument("--from-json", default="",
                    help="comma-separated JSON-lines files of earlier runs: report them, run nothing")
    args = ap.parse_args()
    if not DEVSET.is_dir():
        print(f"devset not found at {DEVSET}", file=sys.stderr)
        return 2
    if not args.no_render:
        rc.warm()
    args.mmdc = _mmdc_version()
    skips = Skips()
    items = mermaid_items(skips)
    dots = dot_items(skips)
    if args.limit:
        items, dots = items[:args.limit], dots[:args.limit]
    kinds = args.kinds.split(",")
    # d07's crops come from an ingest of its PDF: only a raster run scores them
    items += dots + pdf_items(skips, with_pptx="raster" in kinds and not args.from_json)
    if args.only:
        items = [i for i in items if re.search(args.only, i.name)]
    if args.per_type:
        seen: dict[str, int] = defaultdict(int)
        kept = []
        for it in items:
            seen[it.dtype] += 1
            if seen[it.dtype] <= args.per_type:
                kept.append(it)
        items = kept
    rows: list[Row] = []
    speed = ""
    if args.from_json:
        rows = [r for f in args.from_json.split(",") for r in load_rows(Path(f))]
    else:
        runner = Runner(args.ocr)
        if "vector" in kinds:
            rows += run_vector(items, runner)
            speed = vector_throughput(items)
            print(speed)
        if "raster" in kinds:
            rows += run_raster(items, runner)
    summary = summarize(rows)
    print(table(summary))
    print(calibration(rows))
    write_report(Path(args.out), summary, skips, args, rows, speed)
    if args.json:
        with open(args.json, "w") as fh:
            fh.writelines(json.dumps({"name": r.name, "type": r.dtype, "kind": r.kind,
                                     "figure_type": r.figure_type, "cpu": r.cpu, "wall": r.wall,
                                     "error": r.error, "nodes_only": r.nodes_only,
                                     "confidence": r.confidence,
                                     "score": r.score.model_dump(exclude={"mapping"}) if r.score else None,
                                     "peer": r.peer.model_dump() if r.peer else None}) + "\n" for r in rows)
    return 0


def _prf(d: dict[str, Any]) -> PRF:
    return PRF(tp=d["tp"], n_pred=d["n_pred"], n_ref=d["n_ref"])


def load_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text().splitlines():
        j = json.loads(line)
        score = None
        if j["score"]:
            sc = j["score"]
            score = StructureScore(nodes=_prf(sc["nodes"]), edges=_prf(sc["edges"]),
                                   messages=_prf(sc["messages"]), message_order=sc["message_order"])
        rows.append(Row(j["name"], j["type"], j["kind"], score=score,
                        peer=_prf(j["peer"]) if j["peer"] else None, cpu=j["cpu"], wall=j["wall"],
                        figure_type=j["figure_type"], error=j["error"],
                        nodes_only=j.get("nodes_only", False),
                        confidence=j.get("confidence", 0.0)))
    return rows


def _mmdc_version() -> str:
    import subprocess

    try:
        return subprocess.run(["mmdc", "--version"], capture_output=True, text=True,
                              check=False, timeout=60).stdout.strip()
    except Exception:  # noqa: BLE001 - reported as unknown
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
