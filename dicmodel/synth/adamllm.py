"""AdaMLLM tools: synthesizer tuning data, task synthesis, answer composition, single-stage mixing.

(a) :func:`synthesizer_records`: conversations that teach a visual instruction synthesizer:
    a caption turn, then for each known task the question with "Answer with a precise
    response." and with "Answer with an informative response.", then a turn that asks for a new
    task as a parseable triplet block. About 10% of records get a blank image, so the
    synthesizer learns to lean on the caption's domain knowledge.
(b) :func:`synthesize`: run any synthesizer through a small callable
    ``generate(image_path, prompt) -> str`` (:func:`describer_generate` adapts the ``hf`` and
    ``openai`` describers; :func:`openai_generate` talks to an OpenAI-compatible server
    directly) on user (image, caption) pairs and parse the answer into :class:`Triplet`s.
(d) :func:`compose_answer` (defined in :mod:`.answers`): "{informative} So the answer is
    {precise}." unless the informative response already concludes with the answer.
(e) :func:`mixed_records`: single-stage post-training records: the caption turn and the
    synthetic task in one conversation, caption first or last at random (seeded by the id).

The consistency filter (c) is in :mod:`dicmodel.synth.filter`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import ConfigError, DescriberError
from .answers import compose_answer
from .export import conversation

__all__ = [
    "INFORMATIVE",
    "PRECISE",
    "TASK_PROMPT",
    "GenerateFn",
    "InstructionOptions",
    "Triplet",
    "blank_image",
    "compose_answer",
    "describer_generate",
    "mixed_records",
    "openai_generate",
    "parse_triplets",
    "run_instructions",
    "synthesis_prompt",
    "synthesize",
    "synthesizer_records",
    "write_synthesizer_tuning",
]

PRECISE = "Answer with a precise response."
INFORMATIVE = "Answer with an informative response."
CAPTION_PROMPT = "Describe the image."
TASK_PROMPT = ("Write one question a domain expert could ask about this image, then answer it twice. "
               "Reply in exactly this format:\nInstruction: <the question>\nPrecise response: <a short, "
               "exact answer>\nInformative response: <an explanatory answer that reaches the same conclusion>")

GenerateFn = Callable[[str, str], str]


class Triplet(BaseModel):
    """One synthetic task: an instruction with a precise and an informative response."""

    id: str
    image: str
    caption: str = ""
    instruction: str
    precise: str
    informative: str
    source: str = Field("synthesizer", description="synthesizer | rule")


# =========================================================================================
# (a) synthesizer tuning records
# =========================================================================================

def blank_image(folder: Path, size: tuple[int, int] = (448, 448)) -> Path:
    """A white PNG used in place of the image for the blank-image share of records."""
    import io

    from PIL import Image

    from .._io import atomic_write

    path = folder / "blank.png"
    if not path.is_file():  # an existing file is reused, so it must never be a torn one
        buf = io.BytesIO()
        Image.new("RGB", size, "white").save(buf, format="PNG")
        atomic_write(path, buf.getvalue())
    return path


def triplet_block(instruction: str, precise: str, informative: str) -> str:
    return f"Instruction: {instruction}\nPrecise response: {precise}\nInformative response: {informative}"


def synthesizer_records(items: Iterable[dict[str, Any]], *, blank_ratio: float = 0.1, seed: int = 0,
                        blank_path: str = "blank.png") -> Iterator[dict[str, Any]]:
    """Synthesizer-tuning conversations from items ``{"id", "image", "caption", "tasks":
    [{"instruction", "precise", "informative"}, ...]}``.

    Turns: caption; each task's question + PRECISE -> precise, + INFORMATIVE -> informative;
    then TASK_PROMPT -> the last task as a triplet block (what :func:`synthesize` parses).
    """
    if not 0 <= blank_ratio <= 1:
        raise ConfigError(f"blank_ratio must be between 0 and 1, got {blank_ratio}")
    for it in items:
        tasks = it.get("tasks") or []
        if not tasks:
            continue
        rng = random.Random(f"synth-tune:{seed}:{it['id']}")
        blank = rng.random() < blank_ratio
        turns = [(CAPTION_PROMPT, it["caption"])]
        for t in tasks[:-1]:
            turns.append((f"{t['instruction']}\n{PRECISE}", t["precise"]))
            turns.append((f"{t['instruction']}\n{INFORMATIVE}", t["informative"]))
        last = tasks[-1]
        turns.append((TASK_PROMPT, triplet_block(last["instruction"], last["precise"], last["informative"])))
        yield conversation([blank_path if blank else it["image"]], turns, id=it["id"], task="synthesizer",
                           blank=blank)


# =========================================================================================
# (b) synthesis
# =========================================================================================

def synthesis_prompt(caption: str) -> str:
    """Single-turn form of the tuning conversation: the caption as context, then the task ask."""
    return f"Description of the image:\n{caption.strip()}\n\n{TASK_PROMPT}"


_FIELD = re.compile(r"^\W*(instruction|question|precise(?: response| answer)?|informative(?: response| answer)?)"
                    r"\W*\s*[:：]\s*(.*)$", re.IGNORECASE)


def parse_triplets(text: str) -> list[tuple[str, str, str]]:
    """(instruction, precise, informative) triplets from a synthesizer's answer.

    Reads ``Instruction:`` / ``Precise response:`` / ``Informative response:`` fields (any
    case, markdown bold, full-width colons, continuation lines); incomplete triplets are dropped.
    """
    out: list[tuple[str, str, str]] = []
    cur: dict[str, str] = {}
    key = None
    for raw in (text or "").splitlines():
        line = raw.strip().replace("**", "")
        m = _FIELD.match(line)
        if m:
            name = m.group(1).lower().split()[0]
            name = "instruction" if name == "question" else name
            if name == "instruction" and cur:
                _flush(cur, out)
                cur = {}
            key = name
            cur[key] = m.group(2).strip()
        elif key and line:
            cur[key] = (cur[key] + " " + line).strip()
    _flush(cur, out)
    return out


def _flush(cur: dict[str, str], out: list[tuple[str, str, str]]) -> None:
    if all(cur.get(k) for k in ("instruction", "precise", "informative")):
        out.append((cur["instruction"], cur["precise"], cur["informative"]))


def synthesize(pairs: Iterable[dict[str, Any]], generate: GenerateFn, *,
               errors: list[dict[str, str]] | None = None) -> Iterator[Triplet]:
    """Triplets for ``{"id", "image", "caption"}`` pairs; a failing call or an unparseable
    answer is recorded in ``errors`` (if given) and skipped: the batch continues."""
    for p in pairs:
        try:
            text = generate(p["image"], synthesis_prompt(p["caption"]))
        except Exception as err:  # noqa: BLE001 -- backend failure: this pair only
            if errors is not None:
                errors.append({"id": p["id"], "error": f"{type(err).__name__}: {err}"})
            continue
        found = parse_triplets(text)
        if not found and errors is not None:
            errors.append({"id": p["id"], "error": f"no triplet in answer: {text[:200]!r}"})
        for k, (ins, prec, info) in enumerate(found):
            yield Triplet(id=f"{p['id']}-t{k}", image=p["image"], caption=p["caption"], instruction=ins,
                          precise=prec, informative=info)


def describer_generate(describer: Any) -> GenerateFn:
    """Adapt a ``hf`` or ``openai`` describer (their batched ``_generate`` over neutral chat
    turns) into ``generate(image_path, prompt) -> str``."""
    gen = getattr(describer, "_generate", None)
    if gen is None:
        raise ConfigError(f"describer {type(describer).__name__} cannot generate free text; use 'hf' or 'openai'")

    def generate(image_path: str, prompt: str) -> str:
        conv = [{"role": "user", "content": [{"type": "image", "image": Path(image_path).read_bytes()},
                                             {"type": "text", "text": prompt}]}]
        out = gen([conv])[0]
        if out.error or out.text is None:
            raise DescriberError(out.error or "no text generated")
        return out.text

    return generate


def openai_generate(base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120.0,
                    max_tokens: int = 512, temperature: float = 0.0) -> GenerateFn:
    """``generate(image_path, prompt)`` against an OpenAI-compatible chat endpoint (vLLM, SGLang...),
    through the ``openai`` describer's transport (retries, backoff, Retry-After)."""
    from ..describe.openai import OpenAIDescriber

    client = OpenAIDescriber(base_url=base_url, model=model, api_key=api_key, timeout=timeout,
                             max_new_tokens=max_tokens, temperature=temperature)
    return lambda image_path, prompt: client.chat(prompt, Path(image_path).read_bytes())


# =========================================================================================
# (e) single-stage mixing
# =========================================================================================

def mixed_records(items: Sequence[dict[str, Any]], *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """One conversation per item ``{"id", "image", "caption", "tasks": [...]}``: the caption turn
    and the tasks (answers composed) together, caption first or last at random by id."""
    for it in items:
        tasks = it.get("tasks") or []
        rng = random.Random(f"mix:{seed}:{it['id']}")
        cap = (it.get("caption_prompt") or CAPTION_PROMPT, it["caption"])
        task_turns = [(t["instruction"], compose_answer(t["informative"], t["precise"])) for t in tasks]
        first = rng.random() < 0.5
        turns = [cap] + task_turns if first else task_turns + [cap]
        yield conversation([it["image"]], turns, id=it["id"], task="mixed", caption_first=first)


# =========================================================================================
# dataset-level runs (the `dicmodel synth instructions` command)
# =========================================================================================

class InstructionOptions(BaseModel):
    """Options of ``dicmodel synth instructions``."""

    data: Path = Field(description="dataset folder (items.jsonl with image and caption per diagram)")
    synthesizer: str = Field("rule", pattern="^(rule|openai|hf)$", description="rule (tasks from the known "
                             "structure), openai (OpenAI-compatible server) or hf (local transformers VLM)")
    model: str | None = Field(None, description="model name (openai) or local checkpoint path (hf)")
    base_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the API key")
    limit: int | None = Field(None, ge=1, description="synthesize for at most this many diagrams")
    tuning_records: bool = Field(False, description="also write synthesizer_tune.jsonl (AdaMLLM step a) "
                                 "from the rule tasks")
    blank_ratio: float = Field(0.1, ge=0, le=1, description="share of tuning records with a blank image")
    seed: int = Field(0, description="seed for blank images and task choice")
    progress: bool = Field(True, description="show a tqdm progress bar")


def _rule_tasks(r: dict[str, Any], k: int = 3) -> list[dict[str, Any]]:
    from ..diagram import Diagram
    from .questions import vqa_items

    d = Diagram.model_validate(r["diagram"])
    return [{"instruction": q.question, "precise": q.precise, "informative": q.informative, "qtype": q.qtype,
             "args": q.args} for q in vqa_items(d, r["kind"], r["id"], random.Random(f"tasks:{r['id']}"), k=k)]


def _generator_for(opts: InstructionOptions) -> GenerateFn:
    import os

    if opts.synthesizer == "openai":
        if not opts.base_url or not opts.model:
            raise ConfigError("synthesizer 'openai' needs base_url and model (--base-url, --model)")
        return openai_generate(opts.base_url, opts.model, api_key=os.environ.get(opts.api_key_env))
    if not opts.model:
        raise ConfigError("synthesizer 'hf' needs model: a local checkpoint path (--model)")
    from ..describe.base import get_describer

    return describer_generate(get_describer("hf", model=opts.model))


def run_instructions(opts: InstructionOptions) -> dict[str, int]:
    """Write triplets.jsonl (resumable: diagrams already done are skipped)."""
    from .._io import open_append
    from .export import _progress, read_jsonl

    out = opts.data / "triplets.jsonl"
    err_path = opts.data / "triplets.errors.jsonl"
    done = {t["diagram_id"] for t in read_jsonl(out)} | {e["id"] for e in read_jsonl(err_path)}
    items = [r for r in read_jsonl(opts.data / "items.jsonl") if r["id"] not in done][: opts.limit]
    gen = None if opts.synthesizer == "rule" else _generator_for(opts)
    counts = {"diagrams": 0, "triplets": 0, "errors": 0}
    bar = _progress(len(items), opts.progress, "synth instructions")
    with open_append(out) as f, open_append(err_path) as ef:
        for r in items:
            errors: list[dict[str, str]] = []
            rows = _triplets_for(r, opts, gen, errors)
            # one write per diagram: a diagram with some of its rows on disk counts as done
            f.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
            for e in errors:
                ef.write(json.dumps(e, ensure_ascii=False) + "\n")
            f.flush()
            counts["diagrams"] += 1
            counts["triplets"] += len(rows)
            counts["errors"] += len(errors)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    if opts.tuning_records:
        counts["tuning_records"] = write_synthesizer_tuning(opts.data, opts.blank_ratio, opts.seed)
    return counts


def _triplets_for(r: dict[str, Any], opts: InstructionOptions, gen: GenerateFn | None,
                  errors: list[dict[str, str]]) -> list[dict[str, Any]]:
    png = r["images"].get("png") or next(iter(r["images"].values()))
    if gen is None:
        return [{"id": f"{r['id']}-t{k}", "diagram_id": r["id"], "image": png, "caption": r["caption"],
                 "source": "rule", "split": r["split"], **t} for k, t in enumerate(_rule_tasks(r))]
    pair = {"id": r["id"], "image": str(opts.data / png), "caption": r["caption"]}
    return [{**t.model_dump(), "image": png, "diagram_id": r["id"], "split": r["split"]}
            for t in synthesize([pair], gen, errors=errors)]


def write_synthesizer_tuning(data: Path, blank_ratio: float = 0.1, seed: int = 0) -> int:
    """synthesizer_tune.jsonl: AdaMLLM step (a) records from the rule tasks of every diagram."""
    from .export import read_jsonl, write_jsonl

    blank_image(data)
    items = ({"id": r["id"], "image": r["images"].get("png") or next(iter(r["images"].values())),
              "caption": r["caption"], "tasks": _rule_tasks(r)} for r in read_jsonl(data / "items.jsonl"))
    return write_jsonl(data / "synthesizer_tune.jsonl",
                       synthesizer_records(items, blank_ratio=blank_ratio, seed=seed, blank_path="blank.png"))
