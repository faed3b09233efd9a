"""Conversation JSONL datasets and their weighted mixture.

A record is ``{"images": ["fig1.png"], "messages": [{"role": "user", "content": ...}, ...]}``
(the shape TRL and LLaMA-Factory read, and what ``dicmodel synth`` writes). ``content`` is a
string, where ``<image>`` marks an image, or a list of parts ``{"type": "image"}`` /
``{"type": "text", "text": ...}``. Image paths resolve against the JSONL file's folder and are
opened only when a sample is encoded (lazily), so a 10K-record dataset costs no image I/O to build.

Malformed lines are recorded in ``dataset.errors`` and skipped; they never abort the load.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError

__all__ = ["ConversationDataset", "MixtureDataset", "jsonl_lines", "load_image", "normalize_messages"]

log = logging.getLogger(__name__)

_IMAGE_TAG = re.compile(r"(<image>)")
_ROLES = {"system", "user", "assistant"}


def _parts_of(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        parts = []
        for piece in _IMAGE_TAG.split(content):
            if piece == "<image>":
                parts.append({"type": "image"})
            elif piece:
                parts.append({"type": "text", "text": piece})
        return parts
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append({"type": "text", "text": part})
            elif isinstance(part, dict) and (part.get("type") == "image" or "image" in part):
                out.append({"type": "image"})
            elif isinstance(part, dict) and "text" in part:
                out.append({"type": "text", "text": str(part["text"])})
            else:
                raise ValueError(f"unknown content part {part!r}")
        return out
    raise ValueError(f"message content must be a string or a list of parts, got {type(content).__name__}")


def normalize_messages(messages: Any, n_images: int) -> list[dict[str, Any]]:
    """Messages with list-of-parts content and exactly ``n_images`` image parts.

    Records that list images but mark none in the text get them in front of the first user
    turn (the LLaVA convention)."""
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    out = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            raise ValueError(f"each message needs a role in {sorted(_ROLES)}, got {m!r}"[:200])
        out.append({"role": m["role"], "content": _parts_of(m.get("content", ""))})
    marked = sum(p["type"] == "image" for m in out for p in m["content"])
    if marked == 0 and n_images:
        first_user = next((m for m in out if m["role"] == "user"), None)
        if first_user is None:
            raise ValueError("images given but there is no user turn to attach them to")
        first_user["content"] = [{"type": "image"}] * n_images + first_user["content"]
    elif marked != n_images:
        raise ValueError(f"{marked} image placeholders but {n_images} images")
    if not any(m["role"] == "assistant" for m in out):
        raise ValueError("no assistant turn, so there is nothing to learn")
    return out


def jsonl_lines(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object or the exception) for each non-blank line: a training file
    is checked line by line and a bad line is reported with its number (unlike
    :func:`dicmodel.synth.export.read_jsonl`, which skips a torn last line of a resumable log)."""
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as err:
                    yield lineno, err


def load_image(path: str | Path) -> Any:
    """Open an image as RGB (called at encode time, never at dataset build time)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, ValueError) as err:
        from ..errors import ImageError

        raise ImageError(f"cannot read image {str(path)!r}: {err}") from err


class ConversationDataset:
    """Records of one JSONL file; ``ds[i]`` -> {"images": [abs paths], "messages": [...], "source"}."""

    def __init__(self, path: str | Path, *, check_images: bool = True):
        self.path = Path(path)
        if not self.path.is_file():
            raise ConfigError(f"dataset path not found: {str(self.path)!r}")
        self.records: list[dict[str, Any]] = []
        self.errors: list[str] = []
        root = self.path.parent
        for lineno, obj in jsonl_lines(self.path):
            where = f"{self.path.name}:{lineno}"
            try:
                self.records.append(self._record(obj, root, where, check_images))
            except (ValueError, InputError) as err:
                self.errors.append(f"{where}: {err}")
        if self.errors:
            log.warning(
                "%s: skipped %d malformed records (first: %s)", self.path, len(self.errors), self.errors[0]
            )
        if not self.records:
            raise ConfigError(
                f"dataset {str(self.path)!r} has no usable records"
                + (f"; first error: {self.errors[0]}" if self.errors else "")
            )

    @staticmethod
    def _record(obj: Any, root: Path, where: str, check_images: bool) -> dict[str, Any]:
        if isinstance(obj, Exception):
            raise ValueError(f"not JSON: {obj}")
        if not isinstance(obj, dict):
            raise ValueError("a record must be a JSON object")
        images = obj.get("images") or []
        if isinstance(images, str):
            images = [images]
        paths = [str(p if Path(p).is_absolute() else root / p) for p in images]
        if check_images:
            missing = [p for p in paths if not Path(p).is_file()]
            if missing:
                raise ValueError(f"image not found: {missing[0]}")
        rec = {k: v for k, v in obj.items() if k not in ("images", "messages")}
        rec.update(images=paths, messages=normalize_messages(obj.get("messages"), len(paths)), source=where)
        return rec

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.records[i]


class MixtureDataset:
    """Several datasets drawn ``weight x size`` records each per epoch, shuffled together.

    The draw is fixed by ``seed``, so a resumed run sees the same order; weight 0.5 keeps a
    random half, 2.0 repeats each record twice, 1.5 repeats all once plus a random half."""

    def __init__(self, datasets: Sequence[ConversationDataset], weights: Sequence[float], seed: int = 0):
        if len(datasets) != len(weights):
            raise ConfigError(f"got {len(datasets)} datasets but {len(weights)} weights")
        rng = random.Random(seed)
        self.datasets = list(datasets)
        self.index: list[tuple[int, int]] = []
        for d, (ds, w) in enumerate(zip(datasets, weights)):
            n = max(1, round(w * len(ds)))
            whole, rest = divmod(n, len(ds))
            picks = list(range(len(ds))) * whole + rng.sample(range(len(ds)), rest)
            self.index.extend((d, i) for i in picks)
        rng.shuffle(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict[str, Any]:
        d, j = self.index[i]
        return self.datasets[d][j]
