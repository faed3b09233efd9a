"""One stage's model side: where it starts, how it is made trainable, how its output is saved.

A stage starts from a :class:`StartPoint`: a model directory, plus an adapter directory when the
previous stage kept its LoRA adapter (``after_stage: continue``). Its output is a directory the
``hf`` describer loads: a full model (full fine-tuning, or LoRA merged) or a peft adapter, in
both cases with the processor, the recipe and stage that made it, ``metrics.json`` and
``dicmodel_checkpoint.json`` (``{"model": dir, "adapter": dir | null}``, what to load).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._extras import require
from .._io import atomic_write
from ..errors import ConfigError
from .components import apply_freezing, lora_target_names
from .config import Recipe, Stage

__all__ = [
    "CHECKPOINT_FILE",
    "METRICS_FILE",
    "StartPoint",
    "forget_completion",
    "load_start",
    "materialize_base",
    "prepare_model",
    "read_start_of",
    "save_pretrained_whole",
    "save_stage_output",
]

log = logging.getLogger(__name__)

CHECKPOINT_FILE = "dicmodel_checkpoint.json"
METRICS_FILE = "metrics.json"  # with "completed": true, the marker resume trusts


@dataclass(frozen=True)
class StartPoint:
    model: str
    adapter: str | None = None


def materialize_base(recipe: Recipe, out: Path) -> StartPoint:
    """The recipe's base as a directory: a ``tiny:*`` base is built once and saved under
    ``out/base`` so adapters and later stages can point at a loadable path."""
    if not recipe.base_model.startswith("tiny:"):
        path = recipe.resolve(recipe.base_model)
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"base_model must be a local checkpoint directory with config.json or "
                f"'tiny:<type>', got {recipe.base_model!r} (resolved to {str(path)!r})"
            )
        return StartPoint(str(path))
    base = out / "base"
    if not (base / "config.json").is_file():
        from ..models.tiny import build_tiny_vlm

        save_pretrained_whole(base, *build_tiny_vlm(recipe.base_model[5:], **recipe.tiny))
    return StartPoint(str(base))


def save_pretrained_whole(path: Path, *parts: Any) -> None:
    """``save_pretrained`` each part into ``path`` so that ``path`` appears only when complete.

    save_pretrained writes config.json before the weights; saved in place, a crash between the
    two would leave a directory that a ``config.json`` check trusts on the next run."""
    part_dir = path.with_name(path.name + ".part")
    shutil.rmtree(part_dir, ignore_errors=True)
    for obj in parts:
        obj.save_pretrained(part_dir)
    shutil.rmtree(path, ignore_errors=True)
    os.replace(part_dir, path)


def _dtype(bf16: bool) -> Any:
    torch = require("torch", "training", extra="hf")
    return torch.bfloat16 if bf16 else torch.float32


def load_start(start: StartPoint, *, bf16: bool, trainable_adapter: bool) -> tuple[Any, Any]:
    """(model, processor) for a stage's start; an adapter is attached (trainable or merged)."""
    from ..models.compat import patch_processors_without_torchvision

    patch_processors_without_torchvision()
    tf = require("transformers", "training", extra="hf")
    model = tf.AutoModelForImageTextToText.from_pretrained(start.model, dtype=_dtype(bf16))
    processor = tf.AutoProcessor.from_pretrained(start.adapter or start.model)
    if start.adapter:
        peft = require("peft", "LoRA training", extra="hf")
        model = peft.PeftModel.from_pretrained(model, start.adapter, is_trainable=trainable_adapter)
        if not trainable_adapter:
            model = model.merge_and_unload()
    return model, processor


def prepare_model(model: Any, stage: Stage, *, continuing_adapter: bool) -> Any:
    """Wrap in LoRA when the stage asks (unless an adapter is being continued) and freeze by lr."""
    lrs = stage.lr.active()
    if stage.is_lora and not continuing_adapter:
        peft = require("peft", "LoRA training", extra="hf")
        targets = lora_target_names(model, lrs, stage.lora.target_modules)
        if not targets:
            raise ConfigError(
                f"stage {stage.name!r}: lora.target_modules {stage.lora.target_modules!r} match "
                f"no Linear layer in the components that train ({sorted(lrs)})"
            )
        cfg = peft.LoraConfig(
            r=stage.lora.r,
            lora_alpha=stage.lora.alpha,
            lora_dropout=stage.lora.dropout,
            target_modules=targets,
            bias="none",
            task_type="CAUSAL_LM",
        )
        model = peft.get_peft_model(model, cfg)
    apply_freezing(model, lrs, lora=stage.is_lora)
    if stage.gradient_checkpointing and hasattr(model, "enable_input_require_grads"):
        # frozen embeddings would otherwise cut the graph before the checkpointed blocks
        model.enable_input_require_grads()
    return model


def save_stage_output(
    model: Any,
    processor: Any,
    stage: Stage,
    recipe: Recipe,
    start: StartPoint,
    out_dir: Path,
    metrics: dict[str, Any],
) -> StartPoint:
    """Write the stage's loadable output and return where the next stage starts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    forget_completion(out_dir)  # it comes back last, once everything else is written
    keep_adapter = stage.is_lora and stage.lora.after_stage == "continue"
    if stage.is_lora and not keep_adapter:
        model = model.merge_and_unload()
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    nxt = StartPoint(start.model, str(out_dir)) if keep_adapter else StartPoint(str(out_dir))
    atomic_write(out_dir / "recipe.json", recipe.model_dump_json(indent=2))
    atomic_write(out_dir / "stage.json", stage.model_dump_json(indent=2))
    atomic_write(out_dir / CHECKPOINT_FILE, json.dumps(asdict(nxt), indent=2))
    atomic_write(out_dir / METRICS_FILE, json.dumps({**metrics, "completed": True}, indent=2))
    return nxt


def forget_completion(out_dir: Path) -> None:
    """Remove a stage directory's completion marker. A marker left by an earlier run must not
    vouch for weights this run is about to overwrite (or, after a crash, never wrote)."""
    (out_dir / METRICS_FILE).unlink(missing_ok=True)


def read_start_of(stage_dir: Path) -> StartPoint | None:
    """The next stage's start recorded by a completed stage, or None when it did not complete."""
    try:
        done = json.loads((stage_dir / METRICS_FILE).read_text(encoding="utf-8")).get("completed")
        ref = json.loads((stage_dir / CHECKPOINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return StartPoint(ref["model"], ref.get("adapter")) if done else None
