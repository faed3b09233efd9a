"""Split a VLM's parameters into vision tower, projector and language model, by module name.

Module names checked in transformers 5.23 (also under a peft wrapper, which only prefixes them):

- Qwen2-VL / Qwen2.5-VL: ``model.visual.{patch_embed,blocks}`` (vision),
  ``model.visual.merger`` (projector), ``model.language_model.*`` + ``lm_head`` (language).
- Qwen3-VL: as above, plus ``model.visual.pos_embed`` (vision) and
  ``model.visual.deepstack_merger_list`` (projector: the DeepStack taps feed the LM).
- LLaVA-style: ``vision_tower`` / ``multi_modal_projector``; Idefics3/SmolVLM: ``vision_model`` /
  ``connector``. Anything not matched is the language model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .config import COMPONENTS

__all__ = [
    "apply_freezing",
    "component_of",
    "count_parameters",
    "lora_target_names",
    "param_groups",
    "split_parameters",
]

# projector first: the Qwen merger lives *inside* ``visual``
_PROJECTOR = re.compile(
    r"(^|\.)(visual\.(merger|deepstack_merger_list)|multi_modal_projector|connector"
    r"|mm_projector)(\.|$)"
)
_VISION = re.compile(r"(^|\.)(visual|vision_tower|vision_model|vision_encoder)(\.|$)")


def component_of(name: str) -> str:
    """'vision' | 'projector' | 'language' for a parameter or module name."""
    if _PROJECTOR.search(name):
        return "projector"
    if _VISION.search(name):
        return "vision"
    return "language"


def split_parameters(model: Any) -> dict[str, list[tuple[str, Any]]]:
    """{component: [(name, parameter), ...]} over every parameter of ``model``."""
    out: dict[str, list[tuple[str, Any]]] = {c: [] for c in COMPONENTS}
    for name, p in model.named_parameters():
        out[component_of(name)].append((name, p))
    return out


def apply_freezing(model: Any, lrs: dict[str, float], *, lora: bool) -> None:
    """Set ``requires_grad``: components with lr 0 freeze; under LoRA only adapter weights train."""
    for name, p in model.named_parameters():
        trainable = lrs.get(component_of(name), 0.0) > 0
        if lora:
            trainable = trainable and "lora_" in name
        p.requires_grad_(trainable)


def _is_no_decay(name: str) -> bool:
    # biases and norm scales take no weight decay (the usual AdamW practice)
    leaf = name.rsplit(".", 1)[-1]
    return leaf == "bias" or "norm" in name.lower() or "ln_" in name


def param_groups(model: Any, lrs: dict[str, float], weight_decay: float) -> list[dict[str, Any]]:
    """AdamW parameter groups: one per (component, decay/no-decay), each with its own lr."""
    groups: list[dict[str, Any]] = []
    for comp, named in split_parameters(model).items():
        lr = lrs.get(comp, 0.0)
        if lr <= 0:
            continue
        for no_decay in (False, True):
            params = [p for n, p in named if p.requires_grad and _is_no_decay(n) == no_decay]
            if params:
                groups.append(
                    {
                        "params": params,
                        "lr": lr,
                        "weight_decay": 0.0 if no_decay else weight_decay,
                        "component": comp,
                    }
                )
    return groups


def lora_target_names(model: Any, lrs: dict[str, float], targets: Iterable[str] | str) -> list[str]:
    """Full names of the Linear modules to adapt: leaf name in ``targets`` ('all-linear': any) and
    inside a component that trains. Full names keep adapters off frozen components (Qwen2.5-VL's
    vision MLP reuses the LM's ``gate_proj``/``up_proj`` leaf names)."""
    import torch

    wanted = None if targets == "all-linear" else set(targets)
    out = []
    for name, mod in model.named_modules():
        if not isinstance(mod, torch.nn.Linear) or name.endswith("lm_head"):
            continue
        if lrs.get(component_of(name), 0.0) <= 0:
            continue
        if wanted is None or name.rsplit(".", 1)[-1] in wanted:
            out.append(name)
    return out


def count_parameters(model: Any) -> dict[str, dict[str, int]]:
    """{component: {"total": n, "trainable": n}} for logs and metrics.json."""
    out = {}
    for comp, named in split_parameters(model).items():
        out[comp] = {
            "total": sum(p.numel() for _, p in named),
            "trainable": sum(p.numel() for _, p in named if p.requires_grad),
        }
    return out
