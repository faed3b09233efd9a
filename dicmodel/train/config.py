"""Training recipes as data: a :class:`Recipe` is a base model plus an ordered list of :class:`Stage`.

Everything is validated here, before any model or tokenizer loads, so a typo in a 3-stage
recipe fails in milliseconds instead of after an hour of stage 1. Errors are
:class:`~dicmodel.errors.ConfigError` and name the field (``stages[1].lr.vision``), what arrived
and what is allowed.

    recipe = load_recipe("dicmodel/recipes/tiny-cpu.yaml")
    recipe.stages[0].lr.language      # 1e-3

Each stage maps 1:1 onto ``transformers.TrainingArguments`` (see :meth:`Stage.training_arguments`)
plus what the Trainer has no field for: per-component learning rates, LoRA, datasets and mixing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError

__all__ = [
    "COMPONENTS",
    "ComponentLR",
    "DatasetSpec",
    "EvalSpec",
    "LoraSpec",
    "Recipe",
    "Stage",
    "load_recipe",
    "recipe_from_dict",
]

COMPONENTS = ("vision", "projector", "language")


class _Strict(BaseModel):
    # unknown keys are errors: a misspelt "learning_rate:" must not be silently ignored
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DatasetSpec(_Strict):
    path: str = Field(
        description="conversation JSONL ({'images': [...], 'messages': [...]}); relative "
        "paths resolve against the recipe file"
    )
    weight: float = Field(
        1.0,
        gt=0,
        le=100,
        description="records drawn per epoch = weight x dataset size "
        "(0.5 keeps a random half, 2 repeats every record twice)",
    )


class ComponentLR(_Strict):
    """Learning rate per model component; 0 freezes that component."""

    vision: float = Field(0.0, ge=0, le=1, description="vision tower (ViT blocks, patch embedding)")
    projector: float = Field(0.0, ge=0, le=1, description="vision-language merger / projector")
    language: float = Field(1e-4, ge=0, le=1, description="language model incl. embeddings and lm_head")

    def active(self) -> dict[str, float]:
        return {c: getattr(self, c) for c in COMPONENTS if getattr(self, c) > 0}


class LoraSpec(_Strict):
    r: int = Field(16, ge=1, le=1024, description="LoRA rank")
    alpha: int = Field(32, ge=1, description="LoRA alpha (scale = alpha / r)")
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear",
        description="leaf names of the Linear layers to adapt (q_proj, v_proj, ...), or "
        "'all-linear'; only layers inside components with lr > 0 are adapted; lm_head never is",
    )
    after_stage: Literal["merge", "continue"] = Field(
        "merge",
        description="merge the adapter into the weights at the end of the stage, or keep it "
        "and continue training it in the next stage",
    )


class EvalSpec(_Strict):
    path: str = Field(description="held-out conversation JSONL")
    every: int = Field(0, ge=0, description="eval-loss every N optimizer steps (0: only at stage end)")
    max_samples: int = Field(64, ge=1, description="records used for the generation metrics")
    max_new_tokens: int = Field(128, ge=1, le=8192)


class Stage(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="also the output sub-folder")
    datasets: list[DatasetSpec] = Field(min_length=1)
    epochs: float | None = Field(None, gt=0, description="passes over the mixed data (or max_steps)")
    max_steps: int | None = Field(None, gt=0, description="optimizer steps; overrides epochs")
    batch_size: int = Field(1, ge=1, le=4096, description="per-device batch size")
    grad_accum: int = Field(1, ge=1, le=4096, description="gradient accumulation steps")
    lr: ComponentLR = Field(default_factory=ComponentLR)
    lora: LoraSpec | None = Field(
        None, description="LoRA settings; absent = full fine-tuning of the components with lr > 0"
    )
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = "cosine"
    weight_decay: float = Field(0.0, ge=0, le=1)
    max_grad_norm: float = Field(1.0, gt=0)
    max_seq_len: int = Field(
        2048,
        ge=16,
        le=262144,
        description="tokens; the text tail is cut, never "
        "image tokens; samples whose image tokens alone exceed it are skipped",
    )
    min_pixels: int | None = Field(None, ge=1, description="image pixel budget (Qwen-VL processors)")
    max_pixels: int | None = Field(None, ge=1)
    bf16: bool | Literal["auto"] = Field("auto", description="'auto': bf16 when a CUDA device supports it")
    gradient_checkpointing: bool = False
    eval: EvalSpec | None = None
    save_steps: int = Field(
        0, ge=0, description="Trainer checkpoint every N steps for --resume (0: per epoch)"
    )
    logging_steps: int = Field(1, ge=1)
    dataloader_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="processes that open and encode images "
        "(0: in the training process; raise it on GPU machines)",
    )
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> Stage:
        if self.epochs is None and self.max_steps is None:
            raise ValueError("set epochs or max_steps (neither was given)")
        if not self.lr.active():
            raise ValueError(
                "every component has lr 0, so nothing would train; give at least one of "
                "lr.vision / lr.projector / lr.language a value > 0"
            )
        if self.min_pixels and self.max_pixels and self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels ({self.min_pixels}) must be <= max_pixels ({self.max_pixels})")
        return self

    @property
    def is_lora(self) -> bool:
        return self.lora is not None

    @property
    def learning_rate(self) -> float:
        """The Trainer's nominal lr (the largest component lr); the groups carry their own."""
        return max(self.lr.active().values())

    def training_arguments(
        self,
        output_dir: str | Path,
        *,
        bf16: bool,
        report_to: list[str],
        eval_steps: int | None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Keyword arguments for ``transformers.TrainingArguments`` (field for field)."""
        kw: dict[str, Any] = dict(
            output_dir=str(output_dir),
            per_device_train_batch_size=self.batch_size,
            per_device_eval_batch_size=self.batch_size,
            gradient_accumulation_steps=self.grad_accum,
            learning_rate=self.learning_rate,
            lr_scheduler_type=self.scheduler,
            warmup_steps=self.warmup_ratio,
            weight_decay=self.weight_decay,
            max_grad_norm=self.max_grad_norm,
            num_train_epochs=self.epochs or 1.0,
            max_steps=self.max_steps or -1,
            bf16=bf16,
            activation_checkpointing=self.gradient_checkpointing,
            logging_steps=self.logging_steps,
            save_strategy="steps" if self.save_steps else "epoch",
            save_steps=self.save_steps or 500,
            save_total_limit=2,
            seed=self.seed,
            data_seed=self.seed,
            remove_unused_columns=False,
            report_to=report_to,
            include_num_input_tokens_seen="non_padding",
            dataloader_num_workers=self.dataloader_workers,
            disable_tqdm=True,
            save_only_model=False,
        )
        if self.gradient_checkpointing:
            # transformers 5 renamed gradient_checkpointing to activation_checkpointing
            kw["activation_checkpointing_kwargs"] = {"use_reentrant": False}
        if eval_steps:
            kw.update(eval_strategy="steps", eval_steps=eval_steps)
        kw.update(overrides)
        return kw


class Recipe(_Strict):
    name: str = Field(min_length=1)
    base_model: str = Field(
        min_length=1,
        description="local checkpoint path, or 'tiny:<model_type>' "
        "(qwen2_vl | qwen2_5_vl | qwen3_vl) for a random tiny model built from a config",
    )
    tiny: dict[str, Any] = Field(
        default_factory=dict,
        description="keyword arguments for dicmodel.models.tiny.build_tiny_vlm when base_model is tiny:*",
    )
    output_dir: str = Field("runs/dicmodel", description="relative paths resolve against the recipe file")
    stages: list[Stage] = Field(min_length=1)
    base_dir: str | None = Field(None, description="where relative paths resolve; set by load_recipe")

    @field_validator("base_model")
    @classmethod
    def _base(cls, v: str) -> str:
        if v.startswith("tiny:"):
            from ..models.tiny import MODEL_TYPES

            if v[5:] not in MODEL_TYPES:
                raise ValueError(f"tiny model type must be one of {MODEL_TYPES}, got {v[5:]!r}")
        return v

    @model_validator(mode="after")
    def _chain(self) -> Recipe:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        for i, s in enumerate(self.stages):
            if not (s.is_lora and s.lora and s.lora.after_stage == "continue") or i + 1 == len(self.stages):
                continue
            nxt = self.stages[i + 1]
            same = (
                nxt.is_lora
                and nxt.lora
                and (nxt.lora.r, nxt.lora.alpha, nxt.lora.target_modules)
                == (s.lora.r, s.lora.alpha, s.lora.target_modules)
            )
            if not same:
                raise ValueError(
                    f"stages[{i}].lora.after_stage is 'continue', so stage {nxt.name!r} must be a "
                    "LoRA stage with the same r, alpha and target_modules; use 'merge' otherwise"
                )
        return self

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() or self.base_dir is None else Path(self.base_dir) / p

    @property
    def out(self) -> Path:
        return self.resolve(self.output_dir)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise ConfigError(f"--stage must be one of {[s.name for s in self.stages]}, got {name!r}")


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "recipe"


def recipe_from_dict(data: dict[str, Any], base_dir: str | Path | None = None) -> Recipe:
    """Validate a recipe mapping; raise ConfigError naming every bad field."""
    if not isinstance(data, dict):
        raise ConfigError(f"a recipe must be a mapping, got {type(data).__name__}")
    if base_dir is not None:
        data = {**data, "base_dir": str(base_dir)}
    try:
        return Recipe.model_validate(data)
    except ValidationError as err:
        lines = [f"{_field_path(e['loc'])}: {e['msg']} (got {e.get('input')!r})"[:300] for e in err.errors()]
        raise ConfigError("invalid recipe:\n  " + "\n  ".join(lines)) from err


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a YAML recipe; relative paths in it resolve against its folder."""
    from .._extras import require

    yaml = require("yaml", "training recipes")
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"recipe file not found: {str(p)!r}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"recipe {str(p)!r} is not valid YAML: {err}") from err
    return recipe_from_dict(data, base_dir=p.resolve().parent)
