"""``dicmodel convert``: documents in, Markdown / JSON / chunk files out.

Ingest flags are generated from :class:`dicmodel.ingest.IngestOptions`' fields, so the CLI and
the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from typing import Any

from pydantic import BaseModel

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("convert", help="convert PDFs (and DOCX/PPTX/HTML/images) to Markdown, JSON, chunks",
                       description="Convert documents; every figure is replaced in place by its "
                                   "logical text (prose + Mermaid).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    p.add_argument("-o", "--output", default="out", help="output folder (default: ./out)")
    p.add_argument("--format", default="md", help="comma list of md,json,jsonl (default: md)")
    p.add_argument("--workers", type=int, default=1, help="parallel worker processes")
    p.add_argument("--overwrite", action="store_true", help="convert documents whose outputs exist")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 when any document failed or recorded item errors")
    p.add_argument("--images", action="store_true", help="write figure crops and link them")
    p.add_argument("--max-tokens", type=int, default=512, help="chunk size for jsonl")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local process pool, or Ray Data (needs dicmodel[ray])")
    from .describe._cli import add_model_describer_flags

    add_model_describer_flags(p)  # the same typed flags as `dicmodel describe`
    _add_model_flags(p, _ingest_model(), group="ingest options")
    from .integrations.ray import add_cli_flags  # imports no Ray until a conversion runs

    add_cli_flags(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _ingest_model() -> type[BaseModel] | None:
    try:
        from .ingest import IngestOptions
    except ImportError:
        return None
    return IngestOptions


def _flag_type(annotation: Any) -> Any:
    """The argparse type for a field annotation (Optional[X] -> X); None for complex types."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _flag_type(args[0]) if len(args) == 1 else None
    return annotation if annotation in (int, float, str, bool) else None


def _add_model_flags(p: argparse.ArgumentParser, model: type[BaseModel] | None, group: str) -> None:
    if model is None:
        return
    g = p.add_argument_group(group)
    for name, field in model.model_fields.items():
        typ = _flag_type(field.annotation)
        if typ is None:
            continue
        flag = "--" + name.replace("_", "-")
        help_text = (field.description or "") + f" (default: {field.default})"
        if typ is bool:
            g.add_argument(flag, dest=f"ingest__{name}", action=argparse.BooleanOptionalAction,
                           default=None, help=help_text)
        else:
            g.add_argument(flag, dest=f"ingest__{name}", type=typ, default=None,
                           metavar=name.upper(), help=help_text)


def _ingest_from_args(args: argparse.Namespace) -> dict[str, Any]:
    return {k[len("ingest__"):]: v for k, v in vars(args).items()
            if k.startswith("ingest__") and v is not None}


def run(args: argparse.Namespace) -> int:
    from .batch import convert_many
    from .describe._cli import model_describer_options
    from .errors import ConfigError

    options = dict(formats=args.format, describer=args.describer,
                   describer_options=model_describer_options(args), workers=args.workers,
                   overwrite=args.overwrite, images=args.images, max_tokens=args.max_tokens,
                   ingest=_ingest_from_args(args))
    try:
        if args.engine == "ray":
            from .integrations.ray import convert_corpus, options_from_args

            if options["workers"] == 1:  # the local default; Ray then sizes by the CPUs it has
                options.pop("workers")
            summary = convert_corpus(args.inputs, args.output, **options, **options_from_args(args))
        else:
            summary = convert_many(args.inputs, args.output, progress=not args.quiet, **options)
    except (ConfigError, ValueError) as err:
        print(f"dicmodel convert: {err}", file=sys.stderr)
        return 2
    print(summary.table())
    print(f"outputs in {args.output}/")
    # a failed document always fails the run; --strict also fails it on per-figure errors
    return 1 if summary.failed or (args.strict and summary.item_errors) else 0
