"""``dicmodel train RECIPE.yaml [--stage NAME] [--resume] [--output-dir DIR]``.

The flags map 1:1 onto :func:`dicmodel.train.runner.train` keyword arguments. RECIPE is a YAML
path or the name of a shipped recipe (``tiny-cpu``, ``dicmodel-qwen2.5-vl-7b``,
``adamllm-single-stage``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="run a training recipe (progressive SFT stages)",
        description="Train a VLM through the stages of a YAML recipe; each stage writes a "
        "checkpoint the hf describer loads.",
    )
    p.add_argument("recipe", help="recipe YAML path, or a shipped recipe name")
    p.add_argument(
        "--stage", default=None, help="run only this stage (it starts from the previous stage's output)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip completed stages and resume the interrupted one from its last checkpoint",
    )
    p.add_argument("--output-dir", default=None, help="override the recipe's output_dir")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (on a loaded CPU machine, 1 can be much faster than the default)",
    )
    p.add_argument("--check", action="store_true", help="validate the recipe and its data paths, then exit")
    p.set_defaults(func=_run)


def _recipe_file(arg: str) -> Path:
    p = Path(arg)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    from . import recipe_path

    return Path(recipe_path(arg))


def _run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from .config import load_recipe

    try:
        recipe = load_recipe(_recipe_file(args.recipe))
        if args.stage:
            recipe.stage(args.stage)
    except ConfigError as err:
        print(f"dicmodel train: {err}", file=sys.stderr)
        return 2
    if args.check:
        return _check(recipe)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from .runner import train

    results = train(recipe, stage=args.stage, resume=args.resume, output_dir=args.output_dir)
    for r in results:
        m = r.metrics
        print(
            json.dumps(
                {
                    "stage": r.stage,
                    "output_dir": str(r.output_dir),
                    "skipped": r.skipped,
                    "global_step": m.get("global_step"),
                    "train_loss": m.get("train_loss"),
                    "eval_loss": m.get("eval_loss"),
                    "eval": {k: v for k, v in (m.get("eval") or {}).items() if k != "examples"},
                }
            )
        )
    return 0


def _check(recipe: Any) -> int:
    missing = [
        f"stages[{i}] {s.name}: {d.path}"
        for i, s in enumerate(recipe.stages)
        for d in s.datasets
        if not recipe.resolve(d.path).is_file()
    ]
    for line in missing:
        print(f"missing dataset: {line}", file=sys.stderr)
    print(
        f"recipe {recipe.name!r}: {len(recipe.stages)} stage(s), "
        f"{'ok' if not missing else f'{len(missing)} missing dataset(s)'}"
    )
    return 1 if missing else 0
