"""Run a recipe: stages in order, each a ``transformers.Trainer`` run that starts from the last.

    results = train(load_recipe("dicmodel/recipes/tiny-cpu.yaml"))
    results[-1].output_dir      # load it with the hf describer

Layout under ``recipe.output_dir``: ``base/`` (a ``tiny:*`` base, saved once), then one folder
per stage with the loadable output, ``metrics.json``, ``log.jsonl`` (loss, lr, samples/s,
tokens/s), ``checkpoints/`` (Trainer checkpoints for ``resume=True``) and ``tensorboard/``
when TensorBoard is installed.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._extras import require
from ..errors import ConfigError
from .callbacks import JsonlLogger
from .collator import ConversationEncoder, VLMCollator, set_pixel_budget
from .components import count_parameters, param_groups
from .config import Recipe, Stage
from .data import ConversationDataset, MixtureDataset
from .stages import (
    METRICS_FILE,
    StartPoint,
    forget_completion,
    load_start,
    materialize_base,
    prepare_model,
    read_start_of,
    save_stage_output,
)

__all__ = ["EncodedDataset", "StageResult", "evaluate_generation", "generate", "run_stage", "train"]

log = logging.getLogger(__name__)


@dataclass
class StageResult:
    stage: str
    output_dir: Path
    next_start: StartPoint
    metrics: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False


class EncodedDataset:
    """Encodes records on access; a sample that cannot fit is replaced by the next one that does,
    so a skipped sample never leaves a batch empty (skips are counted and warned about)."""

    def __init__(self, records: Any, encoder: ConversationEncoder):
        self.records, self.encoder, self.skipped = records, encoder, set()

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> dict[str, Any]:
        n = len(self.records)
        for k in range(n):
            feats = self.encoder.encode(self.records[(i + k) % n])
            if feats is not None:
                return feats
            self.skipped.add((i + k) % n)
        raise ConfigError(
            f"no record fits max_seq_len={self.encoder.max_seq_len}; raise it or lower max_pixels"
        )


def _bf16(stage: Stage) -> bool:
    if stage.bf16 != "auto":
        return bool(stage.bf16)
    torch = require("torch", "training", extra="hf")
    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def _cuda() -> bool:
    return bool(require("torch", "training", extra="hf").cuda.is_available())


def _trainer_class() -> type:
    tf = require("transformers", "training", extra="hf")

    class ComponentLRTrainer(tf.Trainer):
        """Trainer whose AdamW has one parameter group per component (own lr, decay split)."""

        def __init__(self, *a: Any, component_lrs: dict[str, float], **kw: Any):
            self.component_lrs = component_lrs
            super().__init__(*a, **kw)

        def create_optimizer(self, model: Any = None) -> Any:
            if self.optimizer is None:
                torch = require("torch", "training", extra="hf")
                groups = param_groups(model or self.model, self.component_lrs, self.args.weight_decay)
                self.optimizer = torch.optim.AdamW(
                    groups, lr=self.args.learning_rate, betas=(0.9, 0.999), eps=1e-8
                )
            return self.optimizer

    return ComponentLRTrainer


def _datasets(recipe: Recipe, stage: Stage) -> MixtureDataset:
    sets = [ConversationDataset(recipe.resolve(d.path)) for d in stage.datasets]
    return MixtureDataset(sets, [d.weight for d in stage.datasets], seed=stage.seed)


def _last_checkpoint(ckpt_dir: Path) -> str | None:
    if not ckpt_dir.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(ckpt_dir))


def run_stage(
    recipe: Recipe,
    stage: Stage,
    start: StartPoint,
    out_dir: Path,
    *,
    resume: bool = False,
    callbacks: Sequence[Any] = (),
    trainer_overrides: dict[str, Any] | None = None,
) -> StageResult:
    """Train one stage from ``start`` and save its output in ``out_dir``."""
    tf = require("transformers", "training", extra="hf")
    # this run replaces any earlier output here: if it crashes, resume must retrain the stage
    # rather than skip it on the strength of the earlier run's completion marker
    forget_completion(out_dir)
    bf16 = _bf16(stage)
    continuing = start.adapter is not None and stage.is_lora
    model, processor = load_start(start, bf16=bf16, trainable_adapter=continuing)
    set_pixel_budget(processor, stage.min_pixels, stage.max_pixels)
    model = prepare_model(model, stage, continuing_adapter=continuing)
    encoder = ConversationEncoder(processor, stage.max_seq_len)
    train_ds = EncodedDataset(_datasets(recipe, stage), encoder)
    eval_records = ConversationDataset(recipe.resolve(stage.eval.path)) if stage.eval else None
    eval_ds = EncodedDataset(eval_records, encoder) if eval_records else None
    report = ["tensorboard"] if importlib.util.find_spec("tensorboard") else []
    kw = stage.training_arguments(
        out_dir / "checkpoints",
        bf16=bf16,
        report_to=report,
        eval_steps=stage.eval.every if stage.eval else None,
        **{"dataloader_pin_memory": bf16 or _cuda(), **(trainer_overrides or {})},
    )
    args = tf.TrainingArguments(**kw)
    log_cb = JsonlLogger(out_dir / "log.jsonl", stage.name, stage.batch_size * stage.grad_accum)
    trainer = _trainer_class()(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=VLMCollator(processor, stage.max_seq_len),
        processing_class=processor,
        callbacks=[log_cb, *callbacks],
        component_lrs=stage.lr.active(),
    )
    ckpt = _last_checkpoint(out_dir / "checkpoints") if resume else None
    t0 = time.perf_counter()
    out = trainer.train(resume_from_checkpoint=ckpt)
    metrics = {
        "stage": stage.name,
        "start": vars(start),
        "resumed_from": ckpt,
        "global_step": trainer.state.global_step,
        "train_loss": out.training_loss,
        "train_seconds": time.perf_counter() - t0,
        "records": len(train_ds),
        "skipped_records": len(train_ds.skipped),
        "parameters": count_parameters(model),
        "bf16": bf16,
        "log_history": trainer.state.log_history,
    }
    if eval_records is not None:
        metrics["eval_loss"] = trainer.evaluate().get("eval_loss")
        metrics["eval"] = evaluate_generation(
            model, processor, eval_records, stage.eval.max_samples, stage.eval.max_new_tokens
        )
        metrics["eval"].pop("predictions")  # the examples are enough in metrics.json
    nxt = save_stage_output(trainer.model, processor, stage, recipe, start, out_dir, metrics)
    return StageResult(stage.name, out_dir, nxt, metrics)


def train(
    recipe: Recipe,
    *,
    stage: str | None = None,
    resume: bool = False,
    output_dir: str | Path | None = None,
    callbacks: Sequence[Any] = (),
    trainer_overrides: dict[str, Any] | None = None,
) -> list[StageResult]:
    """Run every stage (or only ``stage``), each starting from the previous stage's output.

    ``resume``: stages whose output is complete are skipped; the interrupted one restarts from its
    last Trainer checkpoint (same global step, optimizer and scheduler state)."""
    out = Path(output_dir) if output_dir else recipe.out
    wanted = recipe.stage(stage).name if stage else None
    start = materialize_base(recipe, out)
    results: list[StageResult] = []
    for i, st in enumerate(recipe.stages):
        stage_dir = out / st.name
        done = read_start_of(stage_dir)
        if wanted and st.name != wanted:
            if done is None and i < _index(recipe, wanted):
                raise ConfigError(
                    f"--stage {wanted!r} starts from stage {st.name!r}, whose output "
                    f"{str(stage_dir)!r} is missing or incomplete; run that stage first"
                )
            start = done or start
            continue
        if resume and done is not None:
            results.append(StageResult(st.name, stage_dir, done, _read_metrics(stage_dir), skipped=True))
            start = done
            continue
        res = run_stage(
            recipe,
            st,
            start,
            stage_dir,
            resume=resume,
            callbacks=callbacks,
            trainer_overrides=trainer_overrides,
        )
        results.append(res)
        start = res.next_start
        if wanted:
            break
    return results


def _index(recipe: Recipe, name: str) -> int:
    return [s.name for s in recipe.stages].index(name)


def _read_metrics(stage_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((stage_dir / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# ---- generation-based evaluation ---------------------------------------------------------------
def _prompt_and_reference(record: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    msgs = record["messages"]
    last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
    ref = "".join(p.get("text", "") for p in msgs[last]["content"] if p["type"] == "text")
    return msgs[:last], ref


def generate(
    model: Any,
    processor: Any,
    records: Sequence[dict[str, Any]],
    max_new_tokens: int = 128,
    batch_size: int = 8,
) -> list[str]:
    """Greedy answers to each record's last assistant turn (prompt = the turns before it)."""
    torch = require("torch", "generation", extra="hf")
    from .data import load_image

    tok = processor.tokenizer
    side, tok.padding_side = tok.padding_side, "left"  # decoder-only batched generation pads left
    was_training = model.training
    model.eval()
    outs: list[str] = []
    try:
        for b in range(0, len(records), batch_size):
            chunk = records[b : b + batch_size]
            prompts = [
                processor.apply_chat_template(
                    _prompt_and_reference(r)[0], tokenize=False, add_generation_prompt=True
                )
                for r in chunk
            ]
            images = [load_image(p) for r in chunk for p in r.get("images", [])]
            inputs = processor(text=prompts, images=images or None, return_tensors="pt", padding=True)
            inputs = inputs.to(next(model.parameters()).device)
            with torch.no_grad():
                gen = model.generate(
                    **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id
                )
            outs.extend(
                processor.batch_decode(gen[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
            )
    finally:
        tok.padding_side = side
        model.train(was_training)
    return [o.strip() for o in outs]


def _bleu(predictions: list[str], references: list[str]) -> tuple[float, str, dict[str, float]]:
    """Corpus BLEU (+ chrF, ROUGE-L), scored the way ``dicmodel eval`` scores captions."""
    from ..eval.captions import CaptionOptions, score_captions

    rep = score_captions(predictions, references, CaptionOptions(bootstrap=0))  # no intervals mid-training
    return rep.bleu, "dicmodel.eval.captions.score_captions", {"chrf": rep.chrf, "rouge_l": rep.rouge_l}


def evaluate_generation(
    model: Any,
    processor: Any,
    records: Sequence[dict[str, Any]],
    max_samples: int = 64,
    max_new_tokens: int = 128,
) -> dict[str, Any]:
    """BLEU and exact match of greedy answers against the records' last assistant turns."""
    chosen = list(records)[:max_samples]
    refs = [_prompt_and_reference(r)[1] for r in chosen]
    preds = generate(model, processor, chosen, max_new_tokens)
    bleu, how, more = _bleu(preds, refs)
    exact = sum(p.strip().lower() == r.strip().lower() for p, r in zip(preds, refs)) / max(1, len(refs))
    return {
        "bleu": bleu,
        "bleu_impl": how,
        **more,
        "exact_match": exact,
        "n": len(refs),
        "examples": [{"prediction": p, "reference": r} for p, r in list(zip(preds, refs))[:3]],
        "predictions": preds,
        "mean_prediction_words": sum(len(p.split()) for p in preds) / max(1, len(preds))
        if preds
        else math.nan,
    }
