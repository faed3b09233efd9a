"""One way for every describer to validate its options and word the error."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError

__all__ = ["validate_options"]

M = TypeVar("M", bound=BaseModel)


def validate_options(model: type[M], kw: dict[str, Any], describer: str,
                     *, secrets: frozenset[str] = frozenset()) -> M:
    """``model(**kw)``, or a :class:`ConfigError` naming each bad option, what arrived (never
    for the fields in ``secrets``: an API key must not reach a log) and what is allowed."""
    try:
        return model(**kw)
    except ValidationError as err:
        problems = "; ".join(_problem(e, secrets) for e in err.errors(include_url=False))
        msg = f"invalid options for the {describer!r} describer: {problems}"
        if secrets & kw.keys():
            raise ConfigError(msg) from None  # the chained error would print the secret
        raise ConfigError(msg) from err


def _problem(e: Any, secrets: frozenset[str]) -> str:
    where = ".".join(map(str, e["loc"])) or "options"
    if e["type"] == "missing" and len(e["loc"]) == 1:  # name the option and its CLI flag
        return f"option {where!r} is required (command line: --{str(where).replace('_', '-')})"
    if e["loc"] and e["loc"][0] in secrets:
        return f"{where}: {e['msg']}"
    return f"{where}: {e['msg']}, got {e.get('input')!r}"
