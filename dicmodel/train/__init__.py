"""Progressive SFT of domain VLMs (DICModel's three stages, AdaMLLM's single mixed stage).

Stages are data (:mod:`.config`), loss falls only on assistant turns (:mod:`.collator`), each
component of the model gets its own learning rate or is frozen (:mod:`.components`), and
every stage writes a directory the ``hf`` describer loads (:mod:`.stages`, :mod:`.runner`).

    from dicmodel.train import load_recipe, train
    results = train(load_recipe("dicmodel/recipes/tiny-cpu.yaml"))

Importing this package is light; torch, transformers and peft load when training starts.
"""

from __future__ import annotations

from typing import Any

from . import config as _config
from .config import *  # re-exports exactly config.__all__, which lists those names once

# these load from .runner on first access, so importing the package skips torch
_LAZY = frozenset({"StageResult", "evaluate_generation", "generate", "run_stage", "train"})
__all__ = [*sorted(_LAZY), "recipe_path", *_config.__all__]  # the config names are listed there


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'dicmodel.train' has no attribute {name!r}")


def recipe_path(name: str) -> str:
    """Path of a recipe shipped with the package: 'tiny-cpu', 'dicmodel-qwen2.5-vl-7b', ..."""
    from pathlib import Path

    p = Path(__file__).resolve().parents[1] / "recipes" / f"{name.removesuffix('.yaml')}.yaml"
    if not p.is_file():
        from ..errors import ConfigError

        names = sorted(q.stem for q in p.parent.glob("*.yaml"))
        raise ConfigError(f"recipe name must be one of {names}, got {name!r}")
    return str(p)
