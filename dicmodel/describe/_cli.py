"""``dicmodel describe``: describe figure images (or every figure of PDFs) with any describer.

    dicmodel describe fig1.png fig2.png --describer hf --model runs/dicmodel-7b --adapter runs/lora
    dicmodel describe spec.pdf --describer openai --base-url http://localhost:8000/v1 --model dicmodel
    dicmodel describe *.png --describer hybrid --model runs/dicmodel-7b --threshold 0.6 --format json

Images are described directly (one figure each); PDFs and other documents go through
``dicmodel.convert``. The describer flags map 1:1 onto the option fields of the ``hf``,
``openai`` and ``hybrid`` describers; a flag that the chosen describer does not take is an error,
not silently dropped.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "add_model_describer_flags", "model_describer_options", "run"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")

# fields that get no flag: a key on the command line ends up in shell history (use
# --api-key-env), and nested dicts/instances are Python-API options
_NO_FLAG = {"api_key", "extra_body", "structural", "structural_options", "model_options"}


@functools.cache  # parser set-up and option reading both ask; the option models do not change
def _flag_table() -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """dest -> (describers that take it, argparse settings), generated from the option models.

    hybrid passes every hf/openai option on to its model describer, so it takes them all. The
    help text joins each backend's field description, so shared wording shows once.
    """
    from .._cli_util import flag_kwargs
    from .hf import HFOptions
    from .hybrid import HybridOptions
    from .openai import OpenAIOptions

    table: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}
    helps: dict[str, dict[str, list[str]]] = {}
    for backend, model in (("hf", HFOptions), ("openai", OpenAIOptions), ("hybrid", HybridOptions)):
        for name, field in model.model_fields.items():
            kw = None if name in _NO_FLAG else flag_kwargs(name, field)
            if kw is None:
                continue
            kw.pop("required", None)  # required by one backend only; the model says so when missing
            if name == "model_describer":  # typed Any (an instance is allowed from Python)
                from .hybrid import MODEL_DESCRIBERS
                kw["choices"] = list(MODEL_DESCRIBERS)
            users, first = table.get(name, ((), kw))
            table[name] = ((*users, backend), first)
            helps.setdefault(name, {}).setdefault(kw["help"], []).append(backend)
    for name, (users, kw) in table.items():
        users = users if "hybrid" in users else (*users, "hybrid")
        kw = {**kw, "default": argparse.SUPPRESS,
              "help": "; ".join(f"{'/'.join(b)}: {t}" for t, b in helps[name].items())}
        table[name] = (users, kw)
    return table


def add_model_describer_flags(p: argparse.ArgumentParser) -> None:
    """The describer flags (``--describer`` and every hf/openai/hybrid option)."""
    g = p.add_argument_group("describer")
    g.add_argument("--describer", default="structural",
                   help="structural (default, offline), hf, openai, hybrid, text, or a registered name")
    for dest, (_, kw) in _flag_table().items():
        g.add_argument("--" + dest.replace("_", "-"), dest=dest, **kw)
    g.add_argument("--describer-option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other describer option (repeatable); values parsed as JSON when they can be")


def model_describer_options(args: argparse.Namespace) -> dict[str, Any]:
    """Options for ``args.describer`` from the flags that were given; refuses flags it does not take."""
    name = args.describer
    opts: dict[str, Any] = {}
    for dest, (users, _) in _flag_table().items():
        if not hasattr(args, dest):
            continue
        value = getattr(args, dest)
        if name in ("hf", "openai", "hybrid") and name not in users:
            raise SystemExit(f"dicmodel: --{dest.replace('_', '-')} does not apply to the "
                             f"{name!r} describer (it is for {', '.join(users)})")
        opts[dest] = value
    for item in args.describer_option:
        key, sep, raw = item.partition("=")
        if not sep:
            raise SystemExit(f"dicmodel: --describer-option must be KEY=VALUE, got {item!r}")
        try:
            opts[key.strip().replace("-", "_")] = json.loads(raw)
        except json.JSONDecodeError:
            opts[key.strip().replace("-", "_")] = raw
    return opts


def register(sub: Any) -> None:
    p = sub.add_parser("describe", help="describe figure images (or the figures of PDFs) with a describer",
                       description="Describe figure images (or every figure of PDFs) with any describer.")
    p.add_argument("inputs", nargs="+", metavar="IMAGE_OR_PDF",
                   help="figure images (PNG, JPEG, ...) or documents (PDF, DOCX, ...)")
    p.add_argument("--format", choices=("md", "json"), default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--caption", help="caption given as context for image inputs")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar (bars are drawn only on a terminal anyway)")
    add_model_describer_flags(p)
    p.set_defaults(func=run)


def _image_request(path: Path, caption: str | None) -> Any:
    from .base import FigureRequest

    data = path.read_bytes()
    return FigureRequest(figure_id=path.name, image=data, caption=caption,
                         image_hash=hashlib.sha256(data).hexdigest())


def _describe(paths: list[Path], describer: Any, caption: str | None) -> list[dict[str, Any]]:
    """Results in input order: images in one describer batch, documents through convert()."""
    import dicmodel

    from .._progress import bar

    images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]
    descs: list[Any] = []
    step = max(1, int(getattr(getattr(describer, "options", None), "batch_size", 8) or 8))
    with bar(len(images), "describe", "fig", leave=True) as progress:
        for start in range(0, len(images), step):  # batches as the describer takes them
            batch = images[start:start + step]
            progress.set_postfix_str(batch[0].name)
            descs += describer.describe([_image_request(p, caption) for p in batch])
            progress.update(len(batch))
    by_image = dict(zip(images, descs))
    results = []
    for p in paths:
        if p in by_image:
            results.append({"source": str(p), "figure_id": p.name,
                            "description": by_image[p].model_dump(mode="json")})
        else:  # the same describer instance: a loaded model serves every document
            results.append({"source": str(p), "document": dicmodel.convert(str(p), describer=describer)})
    return results


def _markdown(results: list[dict[str, Any]]) -> str:
    parts = []
    for r in results:
        if "document" in r:
            parts.append(r["document"].to_markdown())
            continue
        d = r["description"]
        block = [f"## {r['figure_id']}", "", d["text"] or "_(no description)_"]
        if d.get("mermaid"):
            block += ["", "```mermaid", d["mermaid"].rstrip(), "```"]
        block += [""] + [f"> warning: {w}" for w in d["warnings"]]
        block += [f"<!-- {d['describer']} figure_type={d['figure_type']} "
                  f"confidence={d['confidence']:.2f} -->"]
        parts.append("\n".join(block))
    return "\n\n".join(parts) + "\n"


def _json(results: list[dict[str, Any]]) -> str:
    rows = [{"source": r["source"], "document": r["document"].model_dump(mode="json")} if "document" in r
            else r for r in results]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    from ..errors import DicmodelError
    from .base import get_describer

    paths = [Path(p) for p in args.inputs]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"dicmodel describe: no such file(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    from .._progress import show_progress

    try:
        describer = get_describer(args.describer, **model_describer_options(args))
        with show_progress(not args.quiet):
            results = _describe(list(dict.fromkeys(paths)), describer, args.caption)
    except DicmodelError as err:
        print(f"dicmodel describe: {err}", file=sys.stderr)
        return 2
    text = _json(results) if args.format == "json" else _markdown(results)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
