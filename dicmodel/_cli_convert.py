"""``dicmodel convert``: documents in, Markdown / JSON / chunk files out.

Ingest flags are generated from :class:`dicmodel.ingest.IngestOptions`' fields, so the CLI and
the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._cli_util import add_model_flags, model_values
from .ingest import IngestOptions  # light: PyMuPDF loads only when a document is ingested

__all__ = ["register"]


def register(sub: Any) -> None:
    # a short usage line: the full one lists ~60 flags, and argparse prints it above every error
    p = sub.add_parser("convert", help="convert PDFs (and DOCX/PPTX/HTML/images) to Markdown, JSON, chunks",
                       usage="dicmodel convert [options] INPUT [INPUT ...]  (dicmodel convert -h lists them)",
                       description="Convert documents; every figure is replaced in place by its "
                                   "logical text (prose + Mermaid).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    out = p.add_argument_group("outputs")
    out.add_argument("-o", "--output", default="out", help="output folder (default: ./out)")
    out.add_argument("--format", default="md", type=_formats, metavar="md,json,jsonl",
                     help="outputs to write, comma-separated: md (Markdown), json (the Document), "
                          "jsonl (RAG chunks) (default: md)")
    out.add_argument("--overwrite", action="store_true", help="convert documents whose outputs exist")
    out.add_argument("--images", action="store_true", help="write figure crops and link them")
    out.add_argument("--max-tokens", type=int, default=512,
                     help="largest chunk in the jsonl output, in tokens (estimated; default: 512)")
    run_ = p.add_argument_group("run")
    run_.add_argument("--workers", type=int, default=1, help="parallel worker processes (default: 1)")
    run_.add_argument("--engine", choices=("local", "ray"), default="local",
                      help="local process pool, or Ray Data (needs dicmodel[ray]) (default: local)")
    run_.add_argument("--strict", action="store_true",
                      help="exit with status 1 when any document failed or recorded item errors")
    run_.add_argument("-q", "--quiet", action="store_true",
                      help="no progress bars (they are drawn only on a terminal anyway)")
    from .batch import BatchOptions

    add_model_flags(run_, BatchOptions, prefix="batch__", only=("recursive", "doc_timeout", "doc_memory"))
    from .describe._cli import add_model_describer_flags

    add_model_describer_flags(p)  # the same typed flags as `dicmodel describe`
    add_model_flags(p.add_argument_group("ingest options"), IngestOptions, prefix="ingest__")
    from .integrations.ray import add_cli_flags  # imports no Ray until a conversion runs

    add_cli_flags(p)
    p.set_defaults(func=run)


_FORMATS = ("md", "json", "jsonl")


def _formats(text: str) -> str:
    """--format: a comma list of known outputs, refused with the allowed values otherwise."""
    names = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in names if f not in _FORMATS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown output format {', '.join(map(repr, bad)) or repr(text)}; use a comma list of "
            f"{', '.join(_FORMATS)}, e.g. --format md,json")
    return ",".join(names)


def run(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, convert_many
    from .describe._cli import model_describer_options
    from .errors import DicmodelError

    options = dict(formats=args.format, describer=args.describer,
                   describer_options=model_describer_options(args), workers=args.workers,
                   overwrite=args.overwrite, images=args.images, max_tokens=args.max_tokens,
                   ingest=model_values(args, IngestOptions, "ingest__"))
    try:
        if args.engine == "ray":
            from .integrations.ray import convert_corpus, options_from_args

            if options["workers"] == 1:  # the local default; Ray then sizes by the CPUs it has
                options.pop("workers")
            summary = convert_corpus(args.inputs, args.output, **options, **options_from_args(args))
        else:
            from ._progress import show_progress

            # bars only on a terminal: the document bar, and pages/figures inside each document
            tty = not args.quiet and sys.stderr.isatty()
            with show_progress(tty):
                summary = convert_many(args.inputs, args.output, progress=tty, **options,
                                       **model_values(args, BatchOptions, "batch__"))
    except (DicmodelError, ValueError) as err:  # the run as a whole (options, workers that cannot start)
        print(f"dicmodel convert: {err}", file=sys.stderr)
        return 2
    print(summary.table())
    print(f"outputs in {args.output}/")
    # a failed document always fails the run; --strict also fails it on per-figure errors
    return 1 if summary.failed or (args.strict and summary.item_errors) else 0
