"""``dicmodel bench describe``: describers and peers side by side on rendered devset figures.

The devset's Mermaid files are the ground truth: each graph-like file (flowchart, sequence,
state by default) is parsed into a :class:`~dicmodel.diagram.Diagram` and rendered once with
:mod:`dicmodel.synth.render` to a vector PDF and a raster PNG, cached outside the repository
(``~/.cache/dicmodel-bench/eval``, or ``DICMODEL_BENCH_CACHE``), keyed by a hash of the text.

Systems run over the same figures:

- ``structural/vector``: the structural describer on the PDF page (drawings + text spans);
- ``structural/raster``: the structural describer on the PNG (OCR + OpenCV);
- ``hf`` / ``openai``: the model describers on the PNG, when ``--model`` / ``--base-url`` is given;
- peers ``pymupdf4llm`` (the PDF page's text as pymupdf4llm extracts it) and ``ocr`` (the PNG's
  raw RapidOCR text): no structure, text only.

Per system: caption BLEU / chrF / ROUGE-L of the description text against the ground truth's
``Diagram.to_prose()``; node recall, edge F1 and message F1 (micro) of the described diagram
against the ground truth (for text-only peers, node recall is the share of ground-truth labels
their text mentions, and edge/message F1 do not apply); seconds per figure (describe call only,
rendering and input preparation excluded); figures that failed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..diagram import Diagram, parse_mermaid
from ..errors import DicmodelError, MermaidSyntaxError

__all__ = [
    "BenchFigure",
    "BenchOptions",
    "PNG_SCALE",
    "SystemResult",
    "bench_markdown",
    "cache_path",
    "default_cache",
    "default_devset",
    "load_figures",
    "render_figures",
    "render_sources",
    "run_bench",
    "source_render_path",
    "unscorable",
]


def default_devset() -> Path:
    """``../shared/devset`` beside the repository (a source checkout), or DICMODEL_DEVSET."""
    env = os.environ.get("DICMODEL_DEVSET")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "devset"


def default_cache() -> Path:
    """The render cache every benchmark shares: ``~/.cache/dicmodel-bench/eval``, or
    ``$DICMODEL_BENCH_CACHE/eval``."""
    root = os.environ.get("DICMODEL_BENCH_CACHE") or str(Path.home() / ".cache" / "dicmodel-bench")
    return Path(root) / "eval"


class BenchOptions(BaseModel):
    devset: str | None = Field(None, description="devset folder (default: ../shared/devset)")
    cache_dir: str | None = Field(None, description="render cache (default: ~/.cache/dicmodel-bench/eval)")
    kinds: list[str] = Field(default_factory=lambda: ["flowchart", "sequence", "state"],
                             description="ground-truth diagram kinds to include")
    limit: int | None = Field(None, ge=1, description="at most this many figures")
    systems: list[str] = Field(
        default_factory=lambda: ["structural/vector", "structural/raster", "pymupdf4llm", "ocr"],
        description="systems to run; hf and openai are added when --model / --base-url is set")
    model: str | None = Field(None, description="hf: local checkpoint folder; openai: served model name")
    base_url: str | None = Field(None, description="openai-compatible server root (adds 'openai')")
    batch_size: int = Field(8, ge=1, description="figures per describe() call")
    describer_options: dict[str, Any] = Field(
        default_factory=dict, description="options for the NAME/vector and NAME/raster describers, "
        "e.g. {'time_budget': 120} so a loaded machine does not degrade figures to label lists")
    render_timeout: float = Field(60.0, gt=0, description="seconds per Mermaid render")


@dataclass
class BenchFigure:
    name: str
    truth: Diagram
    source: str
    pdf: Path | None = None
    png: Path | None = None
    errors: list[str] = field(default_factory=list)


class SystemResult(BaseModel):
    system: str
    n: int = 0
    failed: int = 0
    bleu: float | None = None
    chrf: float | None = None
    rouge_l: float | None = None
    node_recall: float | None = None
    edge_f1: float | None = None
    message_f1: float | None = None
    seconds_per_figure: float | None = Field(None, description="wall time of the describe calls")
    cpu_seconds_per_figure: float | None = Field(None, description="CPU time of the describe calls")
    note: str = ""
    errors: list[str] = Field(default_factory=list)


# ---- figures -------------------------------------------------------------------------------

def unscorable(truth: Diagram, source: str, fmt: str = "mermaid") -> str | None:
    """Why a parsed source (``fmt``: ``"mermaid"`` or ``"dot"``) cannot be scored by label
    matching, or None when it can.

    - KaTeX labels (``$$...$$``): the figure shows rendered symbols, the source holds LaTeX;
      no label of one matches the other, although the structure is there.
    - Graphviz nodes that are all ``label=""``: nothing on the figure names them. (A Mermaid
      node without a label shows its id, so this does not apply there.)
    """
    if "$$" in source:
        return "labels are KaTeX math ($$...$$), not scored"
    if fmt == "dot" and truth.nodes and all(not n.label.strip() for n in truth.nodes):
        return (f"no node carries a visible label ({len(truth.nodes)} nodes, "
                f"{len(truth.edges)} edges; not scored)")
    return None


def load_figures(opts: BenchOptions) -> list[BenchFigure]:
    """Ground truths from the devset Mermaid files of the chosen kinds (files that parse and
    that label matching can score: see :func:`unscorable`)."""
    root = Path(opts.devset) if opts.devset else default_devset()
    folder = root / "mermaid"
    if not folder.is_dir():
        raise DicmodelError(f"devset Mermaid folder {str(folder)!r} does not exist: pass --devset DIR "
                            f"(a folder holding mermaid/*.mmd) or set DICMODEL_DEVSET")
    figures = []
    for path in sorted(folder.glob("*.mmd")):
        text = path.read_text(encoding="utf-8")
        try:
            truth = parse_mermaid(text)
        except MermaidSyntaxError:
            continue  # other diagram kinds (pie, C4, ...): no graph ground truth
        if truth.kind in opts.kinds and (truth.nodes or truth.messages) and \
                unscorable(truth, text) is None:
            figures.append(BenchFigure(name=path.name, truth=truth, source=text))
        if opts.limit and len(figures) >= opts.limit:
            break
    return figures


PNG_SCALE = 2  # Mermaid PNGs at twice the CSS pixel size (as `mmdc -s 2`); Graphviz at its 96 dpi


def source_render_path(name: str, text: str, fmt: str, cache: Path) -> Path:
    """Where the render of one diagram source lives: its name + a hash of its text (so an
    edited source renders again). One cache serves every benchmark."""
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    scale = f"@{PNG_SCALE}x" if fmt == "png" and name.endswith(".mmd") else ""  # DOT: 96 dpi
    return cache / f"{Path(name).stem}-{key}{scale}.{fmt}"


def cache_path(f: BenchFigure, fmt: str, cache: Path) -> Path:
    """Where a figure's render lives (see :func:`source_render_path`)."""
    return source_render_path(f.name, f.source, fmt, cache)


def render_sources(sources: Sequence[tuple[str, str]], cache: Path | None = None, *,
                   formats: Sequence[str] = ("pdf", "png"), timeout: float = 60.0,
                   log: Callable[[str], None] = lambda s: None) -> dict[str, dict[str, str]]:
    """Render ``(file name, text)`` diagram sources into the cache, skipping what is there:
    ``.mmd`` through one kept-open browser (:class:`~dicmodel.synth.render.MermaidRenderer`),
    ``.dot``/``.gv`` through Graphviz. Returns ``{name: {fmt: error}}`` for the failures; one
    bad source never stops the others."""
    from ..synth.render import MermaidJob, MermaidRenderer, MermaidStyle, render_dot

    cache = cache or default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    todo = [(name, text, fmt, source_render_path(name, text, fmt, cache))
            for name, text in sources for fmt in formats]
    todo = [t for t in todo if not t[3].exists()]
    failures: dict[str, dict[str, str]] = {}
    if not todo:
        return failures
    log(f"rendering {len(todo)} figure files into {cache}")
    mermaid = {str(i): t for i, t in enumerate(todo) if t[0].endswith(".mmd")}
    for name, text, fmt, out in todo:
        if name.endswith((".dot", ".gv")):
            try:
                render_dot(text, out, fmt, timeout=timeout)  # Graphviz's own 96 dpi PNG
            except DicmodelError as err:
                failures.setdefault(name, {})[fmt] = str(err)[-300:]  # a tool's error ends with its cause
        elif not name.endswith(".mmd"):
            failures.setdefault(name, {})[fmt] = "not a diagram source (.mmd, .dot or .gv)"
    if mermaid:
        with MermaidRenderer(concurrency=2, timeout=timeout) as r:
            jobs = [MermaidJob(text=t[1], out=t[3], fmt=t[2], id=i,
                               style=MermaidStyle(scale=PNG_SCALE if t[2] == "png" else 1.0))
                    for i, t in mermaid.items()]
            for res in r.render_many(jobs):
                if not res.ok:
                    name, _, fmt, _ = mermaid[res.id]
                    failures.setdefault(name, {})[fmt] = res.error[-300:]
    return failures


def render_figures(figures: list[BenchFigure], opts: BenchOptions,
                   log: Callable[[str], None] = lambda s: None) -> None:
    """Fill ``pdf``/``png`` of each figure from the cache, rendering what is missing."""
    cache = Path(opts.cache_dir) if opts.cache_dir else default_cache()
    failures = render_sources([(f.name, f.source) for f in figures], cache,
                              timeout=opts.render_timeout, log=log)
    for f in figures:
        for fmt in ("pdf", "png"):
            err = failures.get(f.name, {}).get(fmt)
            if err:
                f.errors.append(f"{fmt} render failed: {err}")
            setattr(f, fmt, None if err else cache_path(f, fmt, cache))


# ---- inputs for the systems ----------------------------------------------------------------

def _vector_request(f: BenchFigure) -> Any:
    from .._offline import import_pymupdf

    pymupdf = import_pymupdf()

    from ..describe._geometry.vector import page_inputs
    from ..describe.base import FigureRequest
    from ..document import BBox, FigureKind

    with pymupdf.open(f.pdf) as doc:
        page = doc[0]
        drawings, spans = page_inputs(page)
        image = page.get_pixmap(dpi=144).tobytes("png")
        r = page.rect
    return FigureRequest(figure_id=f.name, image=image, kind=FigureKind.vector,
                         bbox=BBox(x0=r.x0, y0=r.y0, x1=r.x1, y1=r.y1), drawings=drawings, spans=spans)


def _raster_request(f: BenchFigure) -> Any:
    from ..describe.base import FigureRequest
    from ..document import FigureKind

    return FigureRequest(figure_id=f.name, image=Path(f.png).read_bytes(), kind=FigureKind.raster)


@dataclass
class _Output:
    text: str = ""
    diagram: Diagram | None = None
    error: str | None = None


def _run_describer(name: str, figures: list[BenchFigure], make_request: Callable[[BenchFigure], Any],
                   need: str, opts: BenchOptions, log: Callable[[str], None] = lambda s: None,
                   **options: Any) -> tuple[list[_Output | None], tuple[float, float], str]:
    from ..describe.base import get_describer

    try:
        describer = get_describer(name, **options)
    except Exception as err:  # noqa: BLE001 - not built, or a missing extra: the row says so
        return [None] * len(figures), (0.0, 0.0), f"unavailable: {err}"
    outs: list[_Output | None] = [None] * len(figures)
    ready: list[tuple[int, Any]] = []
    for i, f in enumerate(figures):
        if getattr(f, need) is None:
            continue
        try:
            ready.append((i, make_request(f)))
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded, the rest runs
            outs[i] = _Output(error=f"input: {type(err).__name__}: {err}")
    seconds = cpu = 0.0
    for k in range(0, len(ready), opts.batch_size):
        chunk = ready[k:k + opts.batch_size]
        t0, c0 = time.perf_counter(), _cpu()
        try:
            descs = describer.describe([req for _, req in chunk])
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded, the rest runs
            descs = [None] * len(chunk)
            for i, _ in chunk:
                outs[i] = _Output(error=f"describe: {type(err).__name__}: {err}")
        seconds += time.perf_counter() - t0
        cpu += _cpu() - c0
        log(f"  {min(k + opts.batch_size, len(ready))}/{len(ready)} figures, {seconds:.0f} s")
        for (i, _), d in zip(chunk, descs):
            if d is not None:
                failed = d.confidence == 0 and not d.diagram and d.warnings
                outs[i] = _Output(text=d.text or "", diagram=d.diagram,
                                  error="; ".join(d.warnings)[:200] if failed else None)
    return outs, (seconds, cpu), ""


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child)."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _run_peer(name: str, figures: list[BenchFigure], log: Callable[[str], None] = lambda s: None
              ) -> tuple[list[_Output | None], tuple[float, float], str]:
    fn: Callable[[BenchFigure], str]
    if name == "pymupdf4llm":
        fn, need = _pymupdf4llm_text, "pdf"
    elif name == "ocr":
        fn, need = _ocr_text, "png"
    else:
        return [None] * len(figures), (0.0, 0.0), f"unknown peer {name!r}"
    outs: list[_Output | None] = [None] * len(figures)
    seconds = cpu = 0.0
    for i, f in enumerate(figures):
        if getattr(f, need) is None:
            continue
        t0, c0 = time.perf_counter(), _cpu()
        try:
            outs[i] = _Output(text=fn(f))
        except Exception as err:  # noqa: BLE001 - one figure's failure is recorded, the rest runs
            outs[i] = _Output(error=f"{type(err).__name__}: {err}")
        seconds += time.perf_counter() - t0
        cpu += _cpu() - c0
        if (i + 1) % 25 == 0:
            log(f"  {i + 1}/{len(figures)} figures, {seconds:.0f} s")
    return outs, (seconds, cpu), ""


def _pymupdf4llm_text(f: BenchFigure) -> str:
    import pymupdf4llm

    # the page has real text: OCR would only add time (and noise) to this peer
    return pymupdf4llm.to_markdown(str(f.pdf), show_progress=False, use_ocr=False)


def _ocr_text(f: BenchFigure) -> str:
    from ..describe._geometry.ocr import ocr_words

    return " ".join(w.text for w in ocr_words(Path(f.png).read_bytes()))


# ---- scoring --------------------------------------------------------------------------------

def _score_system(system: str, figures: list[BenchFigure], outs: list[_Output | None],
                  times: tuple[float, float], note: str, structured: bool) -> SystemResult:
    from .captions import CaptionOptions, score_captions
    from .structure import PRF, aggregate, label_recall_in_text, score_structure

    res = SystemResult(system=system, n=len(figures), note=note)
    done = [(f, o) for f, o in zip(figures, outs) if o is not None and o.error is None]
    res.failed = len(figures) - len(done)
    res.errors = [f"{f.name}: {o.error}" for f, o in zip(figures, outs) if o is not None and o.error][:20]
    if not done:
        return res
    # every figure counts: one that failed scores as an empty answer, so a system cannot
    # look better by failing on the hard ones
    texts = [o.text if o is not None and o.error is None else "" for o in outs]
    caps = score_captions(texts, [f.truth.to_prose() for f in figures], CaptionOptions(bootstrap=0))
    res.bleu, res.chrf, res.rouge_l = caps.bleu, caps.chrf, caps.rouge_l
    ran = [o for o in outs if o is not None]
    if ran:
        res.seconds_per_figure = times[0] / len(ran)
        res.cpu_seconds_per_figure = times[1] / len(ran)
    if structured:
        scores = [score_structure(o.diagram if o is not None and o.diagram else Diagram(), f.truth)
                  for f, o in zip(figures, outs)]
        agg = aggregate(scores)
        res.node_recall = agg.micro["nodes"].recall
        res.edge_f1 = agg.micro["edges"].f1 if agg.micro["edges"].applies else None
        res.message_f1 = agg.micro["messages"].f1 if agg.micro["messages"].applies else None
    else:
        total = sum((label_recall_in_text(t, f.truth) for t, f in zip(texts, figures)), PRF())
        res.node_recall = total.recall
    return res


def run_bench(opts: BenchOptions, log: Callable[[str], None] | None = None) -> list[SystemResult]:
    say = log or (lambda s: print(s, file=sys.stderr))
    figures = load_figures(opts)
    say(f"{len(figures)} ground-truth figures ({', '.join(opts.kinds)})")
    render_figures(figures, opts, say)
    systems = list(opts.systems)
    if opts.model and opts.base_url and "openai" not in systems:
        systems.append("openai")
    elif opts.model and not opts.base_url and "hf" not in systems:
        systems.append("hf")
    results = []
    for system in systems:
        say(f"running {system}")
        results.append(_run_system(system, figures, opts, say))
    return results


def _run_system(system: str, figures: list[BenchFigure], opts: BenchOptions,
                log: Callable[[str], None] = lambda s: None) -> SystemResult:
    """'NAME/vector' or 'NAME/raster' runs a registered describer; hf/openai read the PNG."""
    if system == "hf":
        outs, secs, note = _run_describer("hf", figures, _raster_request, "png", opts, log,
                                          model=opts.model, batch_size=opts.batch_size)
    elif system == "openai":
        outs, secs, note = _run_describer("openai", figures, _raster_request, "png", opts, log,
                                          base_url=opts.base_url, model=opts.model)
    elif system.endswith("/vector"):
        outs, secs, note = _run_describer(system[:-7], figures, _vector_request, "pdf", opts, log,
                                          **opts.describer_options)
    elif system.endswith("/raster"):
        outs, secs, note = _run_describer(system[:-7], figures, _raster_request, "png", opts, log,
                                          **opts.describer_options)
    else:
        outs, secs, note = _run_peer(system, figures, log)
        return _score_system(system, figures, outs, secs, note, structured=False)
    return _score_system(system, figures, outs, secs, note, structured=True)


COLUMNS = ["system", "n", "failed", "bleu", "chrf", "rouge_l", "node_recall", "edge_f1",
           "message_f1", "seconds_per_figure", "cpu_seconds_per_figure", "note"]
HEADERS = {"bleu": "BLEU", "chrf": "chrF", "rouge_l": "ROUGE-L", "node_recall": "node recall",
           "edge_f1": "edge F1", "message_f1": "message F1", "seconds_per_figure": "wall s/fig",
           "cpu_seconds_per_figure": "CPU s/fig"}


def bench_markdown(results: Sequence[SystemResult]) -> str:
    from .report import markdown_table

    rows = [r.model_dump() for r in results]
    return markdown_table(rows, COLUMNS, digits=3, headers=HEADERS)
