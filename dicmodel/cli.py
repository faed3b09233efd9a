"""``dicmodel`` command line: convert | describe | synth | train | eval | bench.

Each area registers its own sub-command from a small ``_cli`` module, so this file stays a
router and ``dicmodel --help`` imports nothing heavy. A module exposes
``register(subparsers) -> None`` and sets ``func`` on its parser(s); ``func(args) -> int`` is
the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# area modules in the order their commands are listed
_AREAS = (
    "dicmodel._cli_convert",
    "dicmodel.describe._cli",
    "dicmodel.synth._cli",
    "dicmodel.train._cli",
    "dicmodel.eval._cli",
)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="dicmodel",
        description="Turn the figures of ICT documents into logical text; train and evaluate DICModels.")
    parser.add_argument("--version", action="version", version=f"dicmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # that area is not part of this build
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .errors import DicmodelError

    try:
        return int(args.func(args) or 0)
    except DicmodelError as err:  # a user error: one line naming the fix, no traceback
        print(f"dicmodel {_command(args)}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _command(args: argparse.Namespace) -> str:
    """'convert', 'bench describe', 'eval captions'...: the words the user typed."""
    words = [args.command]
    for key in ("bench_command", "eval_command", "synth_command", "train_command"):
        if getattr(args, key, None):
            words.append(getattr(args, key))
    return " ".join(w for w in words if w)


if __name__ == "__main__":
    sys.exit(main())
