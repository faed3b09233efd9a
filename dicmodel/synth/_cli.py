"""``dicmodel synth``: build the synthetic training data.

    dicmodel synth diagrams --n 7000 --out DIR --seed 0 --lang mixed --formats png,pdf --workers 2
    dicmodel synth questions --data DIR --per-diagram 3 --mcq-fraction 0.5
    dicmodel synth instructions --data DIR --synthesizer rule|openai|hf [--model M --base-url URL]
    dicmodel synth filter --data DIR --judge rule|openai [--model M --base-url URL]
    dicmodel synth rewrite --data DIR --backend openai|hf --model M [--base-url URL]   (optional)

Flags are generated from the option models (``BuildOptions``, ``QuestionOptions``,
``InstructionOptions``, ``FilterOptions``): one flag per field, the field's description as help.
Every command is resumable or idempotent; progress bars go to stderr, a JSON summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

# the --help text: the examples above, without the developer notes and reStructuredText markup
_HELP = """Build the synthetic training data, step by step:

    dicmodel synth diagrams --n 7000 --out DIR --seed 0 --lang mixed --formats png,pdf --workers 2
    dicmodel synth questions --data DIR --per-diagram 3 --mcq-fraction 0.5
    dicmodel synth instructions --data DIR --synthesizer rule|openai|hf [--model M --base-url URL]
    dicmodel synth filter --data DIR --judge rule|openai [--model M --base-url URL]
    dicmodel synth rewrite --data DIR --backend openai|hf --model M [--base-url URL]   (optional)

Every step is resumable or idempotent; progress bars go to stderr, a JSON summary to stdout.
'dicmodel synth STEP --help' lists a step's flags."""

from pydantic import BaseModel, ValidationError

from .._cli_util import add_model_flags, model_values

__all__ = ["register"]


def _options(model: type[BaseModel], args: argparse.Namespace) -> BaseModel:
    return model(**model_values(args, model))


def _emit(obj: Any) -> int:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))
    return 0


def _diagrams(args: argparse.Namespace) -> int:
    from .export import BuildOptions, build_diagrams

    s = build_diagrams(_options(BuildOptions, args))  # type: ignore[arg-type]
    out = s.model_dump(mode="json")
    out["mermaid_images_per_second_per_process"] = round(s.rate("mermaid"), 3)
    out["graphviz_images_per_second"] = round(s.rate("graphviz"), 3)
    return _emit(out)


def _questions(args: argparse.Namespace) -> int:
    from .export import QuestionOptions, build_questions

    return _emit(build_questions(_options(QuestionOptions, args)))  # type: ignore[arg-type]


def _instructions(args: argparse.Namespace) -> int:
    from .adamllm import InstructionOptions, run_instructions

    return _emit(run_instructions(_options(InstructionOptions, args)))  # type: ignore[arg-type]


def _filter(args: argparse.Namespace) -> int:
    from .filter import FilterOptions, run_filter

    return _emit(run_filter(_options(FilterOptions, args)))  # type: ignore[arg-type]


def _rewrite(args: argparse.Namespace) -> int:
    from .rewrite import RewriteOptions, run_rewrite

    return _emit(run_rewrite(_options(RewriteOptions, args)))  # type: ignore[arg-type]


def _safe(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from ..errors import DicmodelError

        try:
            return fn(args)
        except ValidationError as err:
            print(f"dicmodel synth: invalid option: {err}", file=sys.stderr)
            return 2
        except DicmodelError as err:
            print(f"dicmodel synth: {err}", file=sys.stderr)
            return 1

    return run


def register(subparsers: Any) -> None:
    from .adamllm import InstructionOptions
    from .export import BuildOptions, QuestionOptions
    from .filter import FilterOptions
    from .rewrite import RewriteOptions

    p = subparsers.add_parser("synth", help="build synthetic training data (diagrams, questions, AdaMLLM tasks)",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="synth_command", metavar="STEP")
    steps = [
        ("diagrams", "generate, render and caption diagrams (resumable)", BuildOptions, _diagrams),
        ("questions", "VQA and multiple-choice items from the diagrams' structure", QuestionOptions,
         _questions),
        ("instructions", "AdaMLLM task synthesis: (instruction, precise, informative)", InstructionOptions,
         _instructions),
        ("filter", "AdaMLLM consistency filter and single-stage mixed records", FilterOptions, _filter),
        ("rewrite", "optional fluency rewrite of captions by a text LLM (template kept)", RewriteOptions,
         _rewrite),
    ]
    for name, help_text, model, fn in steps:
        step = sub.add_parser(name, help=help_text)
        add_model_flags(step, model)
        step.set_defaults(func=_safe(fn))
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
