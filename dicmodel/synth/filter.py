"""Consistency filter (AdaMLLM step c): keep a task only when its two answers agree.

Two judges, one interface ``judge(triplet-like) -> "Yes" | "No" | "Open"``:

- :class:`RuleJudge` for programmatic items (VQA built from a diagram's structure): exact.
  The precise answer must equal the answer recomputed from the diagram
  (:func:`dicmodel.synth.questions.answer`) and appear in the informative answer.
  Without a diagram it checks only that the informative answer contains the precise one.
- :class:`OpenAIJudge`: an LLM behind an OpenAI-compatible chat endpoint, asked with a
  few-shot prompt whether the precise and informative responses agree; it answers Yes, No or
  Open (open-ended: no single answer to compare). Only "Yes" is kept, as in AdaMLLM.

:func:`consistency_filter` runs a judge over items and returns what it kept, what it dropped
and the verdict counts; a judge error counts as a drop with the error recorded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ..diagram import Diagram
from ..errors import ConfigError
from .questions import answer

__all__ = [
    "FEW_SHOT",
    "FilterOptions",
    "FilterResult",
    "Judge",
    "OpenAIJudge",
    "RuleJudge",
    "Verdict",
    "consistency_filter",
    "judge_prompt",
    "parse_verdict",
    "run_filter",
]

Verdict = Literal["Yes", "No", "Open"]


class Judge(Protocol):
    def __call__(self, item: dict[str, Any]) -> Verdict: ...


def _norm(text: str) -> str:
    return re.sub(r"[\s.,;:!?\"'`]+", " ", str(text)).strip().casefold()


class RuleJudge:
    """Exact judge for items that carry ``qtype``/``args`` and the diagram they were asked about."""

    def __call__(self, item: dict[str, Any]) -> Verdict:
        precise, informative = item.get("precise", ""), item.get("informative", "")
        if not _norm(precise) or _norm(precise) not in _norm(informative):
            return "No"
        diagram = item.get("diagram")
        if diagram is None or not item.get("qtype"):
            return "Yes"
        d = diagram if isinstance(diagram, Diagram) else Diagram.model_validate(diagram)
        try:
            truth = answer(d, item["qtype"], item.get("args") or {})
        except (StopIteration, ValueError, IndexError, KeyError, TypeError):
            return "No"  # the question does not apply to this diagram
        return "Yes" if _norm(truth) == _norm(precise) else "No"


FEW_SHOT = [
    ("Which message follows ClientHello?", "ServerHello",
     "The server answers the ClientHello with a ServerHello, so ServerHello comes next.", "Yes"),
    ("How many spine switches are shown?", "4",
     "The figure shows two spine switches connected to every leaf.", "No"),
    ("What could be improved in this network design?", "Add redundancy",
     "Several changes are possible, such as adding a second core switch or separating management traffic.",
     "Open"),
    ("Which interface connects the gNB and the AMF?", "N2",
     "The gNB reaches the AMF over the N2 interface, which carries NGAP signalling.", "Yes"),
]


def judge_prompt(instruction: str, precise: str, informative: str) -> str:
    """Few-shot prompt asking whether two responses to one instruction agree."""
    shots = "\n\n".join(f"Instruction: {q}\nPrecise response: {p}\nInformative response: {i}\nAnswer: {a}"
                        for q, p, i, a in FEW_SHOT)
    return ("You check synthetic training tasks. For each instruction you get a precise response and an "
            "informative response. Answer Yes if both reach the same conclusion, No if they contradict or "
            "differ, and Open if the instruction is open-ended with no single answer to compare. Reply with "
            f"one word: Yes, No or Open.\n\n{shots}\n\nInstruction: {instruction}\nPrecise response: {precise}\n"
            f"Informative response: {informative}\nAnswer:")


def parse_verdict(text: str) -> Verdict:
    """The first Yes/No/Open word of a judge's reply; anything else counts as No."""
    m = re.search(r"\b(yes|no|open)\b", text or "", re.IGNORECASE)
    return m.group(1).capitalize() if m else "No"  # type: ignore[return-value]


class OpenAIJudge:
    """LLM judge over an OpenAI-compatible chat endpoint, through the ``openai`` describer's
    transport (``retries`` on 429/5xx/timeouts with backoff)."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 60.0,
                 retries: int = 2):
        from ..describe.openai import OpenAIDescriber

        if retries < 0:
            raise ConfigError(f"retries must be >= 0, got {retries}")
        self.client = OpenAIDescriber(base_url=base_url, model=model, api_key=api_key, timeout=timeout,
                                      max_retries=retries, max_new_tokens=4, temperature=0.0)

    def __call__(self, item: dict[str, Any]) -> Verdict:
        prompt = judge_prompt(item.get("instruction") or item.get("question", ""), item.get("precise", ""),
                              item.get("informative", ""))
        return parse_verdict(self.client.chat(prompt))


class FilterResult(BaseModel):
    kept: list[dict[str, Any]] = Field(default_factory=list)
    dropped: list[dict[str, Any]] = Field(default_factory=list)
    verdicts: dict[str, int] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)


def consistency_filter(items: Iterable[dict[str, Any]], judge: Judge, *, concurrency: int = 4) -> FilterResult:
    """Judge every item; keep the "Yes" ones. Dropped items carry their ``verdict``."""
    if concurrency < 1:
        raise ConfigError(f"concurrency must be >= 1, got {concurrency}")
    items = list(items)

    def run(it: dict[str, Any]) -> tuple[str, str]:
        try:
            return judge(it), ""
        except Exception as err:  # noqa: BLE001 -- one failed judgement drops one item
            return "Error", f"{it.get('id', '?')}: {err}"

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(run, items))
    res = FilterResult(verdicts=dict(Counter(v for v, _ in results)))
    for it, (verdict, err) in zip(items, results):
        if verdict == "Yes":
            res.kept.append(it)
        else:
            res.dropped.append({**it, "verdict": verdict})
        if err:
            res.errors.append(err)
    return res


# =========================================================================================
# dataset-level run (the `dicmodel synth filter` command)
# =========================================================================================

class FilterOptions(BaseModel):
    """Options of ``dicmodel synth filter``."""

    data: Path = Field(description="dataset folder with triplets.jsonl (from `synth instructions`)")
    judge: str = Field("rule", pattern="^(rule|openai)$", description="rule (exact, programmatic items) or "
                       "openai (LLM judge on an OpenAI-compatible endpoint)")
    model: str | None = Field(None, description="judge model name (openai)")
    base_url: str | None = Field(None, description="OpenAI-compatible base URL of the judge")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the API key")
    concurrency: int = Field(4, ge=1, le=64, description="judge requests in flight")
    seed: int = Field(0, description="seed for caption-first/last in single-stage records")


def _judge_for(opts: FilterOptions) -> Judge:
    import os

    if opts.judge == "rule":
        return RuleJudge()
    if not opts.base_url or not opts.model:
        raise ConfigError("judge 'openai' needs base_url and model (--base-url, --model)")
    return OpenAIJudge(opts.base_url, opts.model, api_key=os.environ.get(opts.api_key_env))


def run_filter(opts: FilterOptions) -> dict[str, Any]:
    """triplets.filtered.jsonl / triplets.dropped.jsonl and single-stage mixed.{split}.jsonl."""
    from .adamllm import mixed_records
    from .export import SPLITS, read_jsonl, write_jsonl

    items = {r["id"]: r for r in read_jsonl(opts.data / "items.jsonl")}
    triplets = []
    for t in read_jsonl(opts.data / "triplets.jsonl"):
        src = items.get(t.get("diagram_id", ""))
        triplets.append({**t, "diagram": src["diagram"]} if src and t.get("qtype") else t)
    res = consistency_filter(triplets, _judge_for(opts), concurrency=opts.concurrency)
    strip = (lambda t: {k: v for k, v in t.items() if k != "diagram"})
    write_jsonl(opts.data / "triplets.filtered.jsonl", map(strip, res.kept))
    write_jsonl(opts.data / "triplets.dropped.jsonl", map(strip, res.dropped))
    by_diagram: dict[str, list[dict[str, Any]]] = {}
    for t in res.kept:
        by_diagram.setdefault(t["diagram_id"], []).append(t)
    groups = {s: [] for s in SPLITS}
    for did, ts in by_diagram.items():
        r = items.get(did)
        if r is None:
            continue
        groups[r["split"]].append({"id": did, "image": ts[0]["image"], "caption": r["caption"],
                                   "caption_prompt": r.get("prompt"), "tasks": ts})
    counts: dict[str, Any] = {"kept": len(res.kept), "dropped": len(res.dropped), "verdicts": res.verdicts,
                              "errors": len(res.errors)}
    for s, its in groups.items():
        counts[f"mixed.{s}"] = write_jsonl(opts.data / f"mixed.{s}.jsonl", mixed_records(its, seed=opts.seed))
    return counts
