"""Command-line flags generated from pydantic option models: one flag per field.

Every command (``convert``'s ingest and Ray options, the ``synth`` steps) builds its flags here,
so a field's type, choices, default and description reach the CLI the same way everywhere, and
a new option field needs no CLI code. Flags that are not given are absent from the namespace
(``argparse.SUPPRESS``), so the model's own default applies.
"""

from __future__ import annotations

import argparse
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

__all__ = ["add_model_flags", "flag_kwargs", "model_values"]


def _unwrap_optional(ann: Any) -> Any:
    """``X | None`` -> ``X``; other unions are left as they are (read as a string)."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return ann


def flag_kwargs(name: str, field: Any) -> dict[str, Any] | None:
    """argparse keywords for one field; None for fields a flag cannot carry (dicts, models)."""
    ann = _unwrap_optional(field.annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if ann is dict or origin is dict or (isinstance(ann, type) and issubclass(ann, BaseModel)):
        return None
    kw: dict[str, Any] = {"help": field.description or "", "default": argparse.SUPPRESS}
    if ann is bool:
        kw["action"] = argparse.BooleanOptionalAction
    elif origin is typing.Literal:
        kw["choices"] = list(args)
    elif origin in (list, tuple):
        kw["type"] = lambda s: [x.strip() for x in s.split(",") if x.strip()]
        kw["metavar"] = "A,B,..."
    elif ann in (int, float, Path):
        kw["type"] = ann
    if "action" not in kw and "choices" not in kw and "metavar" not in kw:
        kw["metavar"] = name.upper()
    if field.is_required():
        kw["required"] = True
        kw.pop("default")
    else:
        default = field.get_default(call_default_factory=True)
        if isinstance(default, (list, tuple)):
            default = ",".join(map(str, default))
        elif isinstance(default, bool):  # --flag / --no-flag: say it as the command line does
            default = "on" if default else "off"
        if default is not None and default != "":
            kw["help"] += f" (default: {default})"
    return kw


def add_model_flags(parser: Any, model: type[BaseModel], *, prefix: str = "", flag_prefix: str = "",
                    only: tuple[str, ...] | None = None) -> None:
    """Add ``--<flag_prefix><field>`` for each field of ``model`` (or only those named) to
    ``parser`` (or a group); values land in ``args.<prefix><field>``."""
    for name, field in model.model_fields.items():
        if only is not None and name not in only:
            continue
        kw = flag_kwargs(name, field)
        if kw is not None:
            flag = "--" + flag_prefix + name.replace("_", "-")
            parser.add_argument(flag, dest=prefix + name, **kw)


def model_values(args: argparse.Namespace, model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """The fields of ``model`` that were given on the command line (by their field names)."""
    values = vars(args)
    return {name: values[prefix + name] for name in model.model_fields if prefix + name in values}
