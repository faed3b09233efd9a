"""Build and export the synthetic dataset: render, caption, split, write conversation JSONL.

Layout of a dataset folder (every path inside a record is relative to this folder)::

    DIR/
      images/<id>.png (.pdf)      rendered diagrams
      items.jsonl                 one line per diagram that rendered: structure, Mermaid, caption,
                                  style, split, image paths (the source of truth, append-only)
      failures.jsonl              diagrams that failed to render (skipped and counted)
      captions.{train,validation,test}.jsonl     stage-1 conversation records
      questions.jsonl             VQA / multiple-choice items with their split (``synth questions``)
      vqa.{train,validation,test}.jsonl          stage-3 conversation records
      README.md                   dataset card: counts by type, family, language, split, renderer

Conversation records have the shape TRL and LLaMA-Factory read, with list-of-parts content::

    {"images": ["images/s0-000001.png"],
     "messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "..."}]},
                  {"role": "assistant", "content": [{"type": "text", "text": "..."}]}],
     "id": "...", "kind": "sequence", "family": "callflow.sip_invite", "task": "caption"}

The image part is in the first user turn only. Building is resumable: items already in
``items.jsonl`` or ``failures.jsonl`` are skipped, images are written to ``*.part`` and renamed,
and the JSONL exports and card are rewritten whole through a temporary file.
Splits are drawn from a hash of the diagram id, so a diagram (and every question about it)
lives in exactly one of train / validation / test.
"""

from __future__ import annotations

import hashlib
import json
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from .._io import atomic_open, atomic_write, open_append
from ..errors import RenderError
from .generator import GenOptions, SynthDiagram, generate_one, mermaid_text, to_dot
from .render import MermaidJob, MermaidRenderer, MermaidStyle, RenderResult, render_dot
from .targets import TargetFormat, caption, caption_prompt, target_text

__all__ = [
    "SPLITS",
    "BuildOptions",
    "BuildSummary",
    "QuestionOptions",
    "build_diagrams",
    "build_questions",
    "conversation",
    "export_captions",
    "read_jsonl",
    "split_of",
    "write_card",
    "write_jsonl",
]

SPLITS = ("train", "validation", "test")


class BuildOptions(BaseModel):
    """Options of ``dicmodel synth diagrams`` (the CLI flags map onto these fields)."""

    n: int = Field(100, ge=1, le=1_000_000, description="number of diagrams to generate")
    out: Path = Field(Path("synth-data"), description="dataset folder")
    seed: int = Field(0, description="run seed: item i depends only on (seed, i)")
    lang: Literal["en", "zh", "mixed"] = Field("en", description="label language")
    formats: list[Literal["png", "pdf", "svg"]] = Field(default_factory=lambda: ["png"],
                                                         description="image formats to render")
    target_format: TargetFormat = Field("prose+mermaid", description="assistant text of caption records")
    workers: int = Field(1, ge=1, le=16, description="renderer processes (one Chromium each)")
    val_fraction: float = Field(0.05, ge=0, le=0.5, description="share of diagrams in validation")
    test_fraction: float = Field(0.05, ge=0, le=0.5, description="share of diagrams in test")
    families: list[str] | None = Field(None, description="restrict to these generator families")
    render_timeout: float = Field(60.0, gt=0, description="seconds before a render is abandoned")
    retry_failed: bool = Field(False, description="render again the items recorded in failures.jsonl "
                               "(e.g. timeouts on a loaded machine)")
    progress: bool = Field(True, description="show a tqdm progress bar")


class BuildSummary(BaseModel):
    out: Path
    requested: int
    skipped_existing: int = 0
    rendered: int = 0
    failed: int = 0
    seconds: float = 0.0
    render_seconds: dict[str, float] = Field(default_factory=dict, description="renderer -> busy seconds")
    render_count: dict[str, int] = Field(default_factory=dict, description="renderer -> images rendered")
    by_kind: dict[str, int] = Field(default_factory=dict)

    def rate(self, renderer: str) -> float:
        """Images per busy second of one renderer process."""
        s = self.render_seconds.get(renderer, 0.0)
        return self.render_count.get(renderer, 0) / s if s else 0.0


# =========================================================================================
# small I/O helpers
# =========================================================================================

def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a torn last line (an interrupted append) is skipped."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically (streamed to a temporary file, then renamed); returns the count."""
    n = 0
    with atomic_open(path) as fh:
        for r in records:
            fh.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
    return n


def split_of(item_id: str, val_fraction: float = 0.05, test_fraction: float = 0.05) -> str:
    """Deterministic split of a diagram id (all records about one diagram share it)."""
    h = int(hashlib.sha256(item_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < test_fraction:
        return "test"
    if h < test_fraction + val_fraction:
        return "validation"
    return "train"


def conversation(images: list[str], turns: list[tuple[str, str]], **meta: Any) -> dict[str, Any]:
    """A conversation record; the image parts go in front of the first user turn."""
    messages: list[dict[str, Any]] = []
    for i, (user, assistant) in enumerate(turns):
        parts: list[dict[str, Any]] = [{"type": "image"} for _ in images] if i == 0 else []
        parts.append({"type": "text", "text": user})
        messages.append({"role": "user", "content": parts})
        messages.append({"role": "assistant", "content": [{"type": "text", "text": assistant}]})
    return {"images": list(images), "messages": messages, **meta}


# =========================================================================================
# building
# =========================================================================================

def _mermaid_style(sd: SynthDiagram) -> MermaidStyle:
    s = sd.style
    return MermaidStyle(theme=s.theme, background=s.background, font_family=s.font_family, curve=s.curve,
                        scale=s.scale, width=s.width)


def _record(sd: SynthDiagram, images: dict[str, str], opts: BuildOptions) -> dict[str, Any]:
    rng = random.Random(f"target:{sd.id}")
    d = sd.diagram
    code = mermaid_text(d)
    return {"id": sd.id, "seed": sd.seed, "index": sd.index, "family": sd.family, "kind": sd.kind,
            "lang": sd.lang, "split": split_of(sd.id, opts.val_fraction, opts.test_fraction),
            "title": d.title, "mermaid": code, "diagram": d.model_dump(mode="json"),
            "style": sd.style.model_dump(mode="json"), "images": images,
            "caption": caption(d, sd.kind, rng),
            "prompt": caption_prompt(opts.target_format, rng),
            "target": target_text(d, sd.kind, opts.target_format, rng, mermaid=code)}


class _Worker(threading.Thread):
    """One renderer process; renders its share of indices and reports per-item outcomes."""

    def __init__(self, indices: list[int], opts: BuildOptions, gen: GenOptions, out_q: queue.Queue):
        super().__init__(daemon=True)
        self.indices, self.opts, self.gen, self.out_q = indices, opts, gen, out_q
        self.busy: Counter[str] = Counter()
        self.count: Counter[str] = Counter()
        self.reported: set[str] = set()

    def _put(self, msg: tuple) -> None:
        self.reported.add(msg[1] if isinstance(msg[1], str) else msg[1].id)
        self.out_q.put(msg)

    def run(self) -> None:
        t0 = time.monotonic()
        try:
            with MermaidRenderer(timeout=self.opts.render_timeout) as renderer:
                waiting: dict[str, tuple[SynthDiagram, set[str], list[str]]] = {}
                for res in renderer.render_many(self._jobs(waiting)):
                    self._mermaid_done(res, waiting)
            # jobs are pipelined, so per-job latencies overlap: Mermaid's busy time is the
            # worker's wall time (browser start included) minus the time spent in Graphviz
            self.busy["mermaid"] = time.monotonic() - t0 - self.busy["graphviz"]
        except Exception as err:  # noqa: BLE001 -- the renderer died: every item not yet reported fails
            for i in self.indices:
                sid = f"s{self.opts.seed}-{i:06d}"
                if sid not in self.reported:
                    self._put(("fail", sid, f"renderer: {err}"))
        finally:
            self.out_q.put(("worker_done", self.busy, self.count))

    def _jobs(self, waiting: dict) -> Iterator[MermaidJob]:
        img_dir = self.opts.out / "images"
        for i in self.indices:
            try:
                sd = generate_one(self.opts.seed, i, self.gen)
                text = mermaid_text(sd.diagram)
            except Exception as err:  # noqa: BLE001 -- a generator bug costs one item, not the run
                self._put(("fail", f"s{self.opts.seed}-{i:06d}", f"generator: {err}"))
                continue
            if sd.style.renderer == "graphviz":
                self._graphviz(sd, img_dir)
                continue
            waiting[sd.id] = (sd, set(self.opts.formats), [])
            for fmt in self.opts.formats:
                yield MermaidJob(text, img_dir / f"{sd.id}.{fmt}", fmt, _mermaid_style(sd),
                                 id=f"{sd.id}|{fmt}")

    def _graphviz(self, sd: SynthDiagram, img_dir: Path) -> None:
        text = to_dot(sd.diagram, sd.style)
        t0 = time.monotonic()
        try:
            for fmt in self.opts.formats:
                render_dot(text, img_dir / f"{sd.id}.{fmt}", fmt, engine=sd.style.engine, dpi=sd.style.dpi,
                           timeout=self.opts.render_timeout)
                self.count["graphviz"] += 1
        except RenderError as err:
            self._put(("fail", sd.id, str(err)))
            return
        finally:
            self.busy["graphviz"] += time.monotonic() - t0
        self._put(("ok", sd, {f: f"images/{sd.id}.{f}" for f in self.opts.formats}))

    def _mermaid_done(self, res: RenderResult, waiting: dict) -> None:
        sid, fmt = res.id.split("|")
        sd, left, errors = waiting[sid]
        left.discard(fmt)
        if res.ok:
            self.count["mermaid"] += 1
        else:
            errors.append(f"{fmt}: {res.error}")
        if left:
            return
        del waiting[sid]
        if errors:
            for f in self.opts.formats:  # never leave half an item on disk
                (self.opts.out / "images" / f"{sid}.{f}").unlink(missing_ok=True)
            self._put(("fail", sid, "; ".join(errors)))
        else:
            self._put(("ok", sd, {f: f"images/{sid}.{f}" for f in self.opts.formats}))


def _done_ids(out: Path) -> set[str]:
    return {r["id"] for name in ("items.jsonl", "failures.jsonl") for r in read_jsonl(out / name) if "id" in r}


def build_diagrams(opts: BuildOptions) -> BuildSummary:
    """Generate, render and caption ``opts.n`` diagrams into ``opts.out`` (resumable)."""
    out = opts.out
    (out / "images").mkdir(parents=True, exist_ok=True)
    gen = GenOptions(lang=opts.lang, families=opts.families)
    if opts.retry_failed:  # forget past failures so they are attempted again
        write_jsonl(out / "failures.jsonl", [])
    done = _done_ids(out)
    todo = [i for i in range(opts.n) if f"s{opts.seed}-{i:06d}" not in done]
    summary = BuildSummary(out=out, requested=opts.n, skipped_existing=opts.n - len(todo))
    t0 = time.monotonic()
    if todo:
        _run_workers(todo, opts, gen, summary)
    summary.seconds = time.monotonic() - t0
    items = list(read_jsonl(out / "items.jsonl"))
    summary.by_kind = dict(Counter(r["kind"] for r in items))
    export_captions(out, opts.target_format)
    write_card(out)
    return summary


def _run_workers(todo: list[int], opts: BuildOptions, gen: GenOptions, summary: BuildSummary) -> None:
    out_q: queue.Queue = queue.Queue()
    workers = [_Worker(todo[k::opts.workers], opts, gen, out_q) for k in range(opts.workers)]
    for w in workers:
        w.start()
    bar = _progress(len(todo), opts.progress)
    running = len(workers)
    with open_append(opts.out / "items.jsonl") as items, open_append(opts.out / "failures.jsonl") as fails:
        while running:
            msg = out_q.get()
            if msg[0] == "worker_done":
                running -= 1
                for k, v in msg[1].items():
                    summary.render_seconds[k] = summary.render_seconds.get(k, 0.0) + v
                for k, v in msg[2].items():
                    summary.render_count[k] = summary.render_count.get(k, 0) + v
                continue
            if msg[0] == "ok":
                items.write(json.dumps(_record(msg[1], msg[2], opts), ensure_ascii=False) + "\n")
                items.flush()
                summary.rendered += 1
            else:
                fails.write(json.dumps({"id": msg[1], "error": msg[2][:2000]}, ensure_ascii=False) + "\n")
                fails.flush()
                summary.failed += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(ok=summary.rendered, failed=summary.failed, refresh=False)
    if bar is not None:
        bar.close()


def _progress(total: int, enabled: bool, desc: str = "synth diagrams") -> Any:
    """A tqdm bar over diagrams, or None when progress is off."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="diagram", desc=desc)


# =========================================================================================
# exports
# =========================================================================================

def export_captions(out: Path, target_format: TargetFormat | None = None,
                    use_rewrites: bool = False) -> dict[str, int]:
    """Write captions.{split}.jsonl from items.jsonl; returns counts by split.

    ``use_rewrites`` puts accepted fluency rewrites (rewrites.jsonl) in place of the template
    prose; the template stays in each record as ``reference``.
    """
    fluent = {r["id"]: r["caption_fluent"] for r in read_jsonl(out / "rewrites.jsonl")
              if r.get("accepted")} if use_rewrites else {}
    by_split: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in read_jsonl(out / "items.jsonl"):
        png = r["images"].get("png") or next(iter(r["images"].values()))
        target = r["target"]
        if r["id"] in fluent:
            target = target_text_from_record({**r, "caption": fluent[r["id"]]}, target_format or "prose+mermaid")
        elif target_format is not None and target_format != "prose+mermaid":
            target = target_text_from_record(r, target_format)
        by_split[r["split"]].append(conversation([png], [(r["prompt"], target)], id=r["id"], kind=r["kind"],
                                                 family=r["family"], lang=r["lang"], task="caption",
                                                 reference=r["caption"]))
    return {s: write_jsonl(out / f"captions.{s}.jsonl", recs) for s, recs in by_split.items()}


def target_text_from_record(r: dict[str, Any], fmt: TargetFormat) -> str:
    if fmt == "mermaid":
        return f"```mermaid\n{r['mermaid'].rstrip()}\n```"
    if fmt == "prose":
        return r["caption"]
    return f"{r['caption']}\n\n```mermaid\n{r['mermaid'].rstrip()}\n```"


def _table(title: str, counts: Counter) -> str:
    rows = "\n".join(f"| {k} | {v} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))
    return f"### {title}\n\n| value | count |\n|---|---|\n{rows}\n"


def write_card(out: Path) -> Path:
    """README.md dataset card with counts by type, family, language, split, renderer and task."""
    items = list(read_jsonl(out / "items.jsonl"))
    fails = list(read_jsonl(out / "failures.jsonl"))
    qs = list(read_jsonl(out / "questions.jsonl"))
    parts = [
        "# dicmodel synthetic ICT diagrams\n",
        ("Generated by `dicmodel synth` (dicmodel.synth): diagrams built from a domain vocabulary, rendered "
         "with mermaid-cli (Chromium) or Graphviz, captioned from their known structure. Every caption, "
         "question and answer is derived from the structure stored in `items.jsonl`.\n"),
        f"- diagrams rendered: **{len(items)}**; render failures skipped: **{len(fails)}**",
        f"- questions: **{len(qs)}** ({sum(1 for q in qs if q.get('options'))} multiple choice)\n",
        ("Conversation files (`captions.*.jsonl`, `vqa.*.jsonl`) use "
         '`{"images": [...], "messages": [...]}` with list-of-parts content; image paths are relative to this '
         "folder. Splits come from a hash of the diagram id: no diagram is shared across splits.\n"),
        _table("By figure type", Counter(r["kind"] for r in items)),
        _table("By family", Counter(r["family"] for r in items)),
        _table("By label language", Counter(r["lang"] for r in items)),
        _table("By split", Counter(r["split"] for r in items)),
        _table("By renderer", Counter(r["style"]["renderer"] for r in items)),
        _table("By theme", Counter(r["style"]["theme"] for r in items)),
    ]
    if qs:
        parts.append(_table("Questions by type", Counter(q["qtype"] for q in qs)))
        parts.append(_table("Multiple-choice correct option", Counter(
            "ABCD"[q["answer_index"]] for q in qs if q.get("answer_index") is not None)))
    path = out / "README.md"
    atomic_write(path, "\n".join(parts))
    return path


# =========================================================================================
# questions
# =========================================================================================

class QuestionOptions(BaseModel):
    """Options of ``dicmodel synth questions``."""

    data: Path = Field(description="dataset folder written by `synth diagrams`")
    per_diagram: int = Field(3, ge=1, le=20, description="VQA items per diagram (distinct types first)")
    mcq_fraction: float = Field(0.5, ge=0, le=1, description="share of items turned into 4-option multiple choice")
    seed: int = Field(0, description="seed for question choice and option positions")


def build_questions(opts: QuestionOptions) -> dict[str, int]:
    """questions.jsonl (every item with its split and image) and vqa.{split}.jsonl conversations.

    Open items answer with the composed AdaMLLM form (informative, then "So the answer is
    ..."); multiple-choice items answer with the letter and the option.
    """
    from ..diagram import Diagram
    from .answers import compose_answer
    from .questions import OptionBalancer, make_mcq, vqa_items

    balancer = OptionBalancer(opts.seed)
    rows: list[dict[str, Any]] = []
    convs: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in read_jsonl(opts.data / "items.jsonl"):
        d = Diagram.model_validate(r["diagram"])
        rng = random.Random(f"questions:{opts.seed}:{r['id']}")
        png = r["images"].get("png") or next(iter(r["images"].values()))
        lang = "zh" if r["lang"] == "zh" else "en"
        for q in vqa_items(d, r["kind"], r["id"], rng, k=opts.per_diagram, lang=lang):
            if rng.random() < opts.mcq_fraction:
                pos = balancer.next()
                m = make_mcq(q, pos, rng)
                if m is None:
                    balancer.give_back(pos)
                else:
                    q = m
            answer_text = compose_answer(q.informative, q.answer_text(), q.lang)
            rows.append({**q.model_dump(), "split": r["split"], "image": png, "kind": r["kind"],
                         "family": r["family"]})
            convs[r["split"]].append(conversation([png], [(q.prompt(), answer_text)], id=q.id, kind=r["kind"],
                                                  family=r["family"], task="mcq" if q.options else "vqa",
                                                  qtype=q.qtype))
    counts = {"questions": write_jsonl(opts.data / "questions.jsonl", rows)}
    for s, recs in convs.items():
        counts[s] = write_jsonl(opts.data / f"vqa.{s}.jsonl", recs)
    write_card(opts.data)
    return counts
