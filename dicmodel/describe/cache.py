"""A disk cache of model descriptions, so a rerun over a corpus costs nothing for seen figures.

Key: the image's SHA-256, the model's identity, the adapter's identity, the prompt version,
the generation settings, and the prompt's context (caption, section, citing sentences, type
hint, the figure's text spans; they change the prompt, so they change the answer). One JSON file per entry,
``<dir>/<key[:2]>/<key>.json``, written atomically (temporary file + ``os.replace``) so that
parallel workers and interrupted runs never leave a half-written entry.

Model and adapter identity: a hub-style id is used as is; a local folder is fingerprinted
by its path and each file's name, size and modification time, so retraining an adapter in
place invalidates its entries without hashing gigabytes of weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..document import Description
from .base import FigureRequest

__all__ = ["DescriptionCache", "cache_key", "image_sha256", "path_fingerprint"]


def image_sha256(req: FigureRequest) -> str:
    """The request's image hash: the one ingest computed, or the SHA-256 of the bytes."""
    if req.image_hash:
        return req.image_hash
    return hashlib.sha256(req.image or b"").hexdigest()


def path_fingerprint(path: str | os.PathLike[str] | None) -> str:
    """A cheap identity for a local model/adapter folder (or the string itself if not local)."""
    if path is None:
        return ""
    p = Path(path)
    if not p.exists():
        return str(path)
    h = hashlib.sha256(str(p.resolve()).encode())
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(p) if f != p else f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def cache_key(req: FigureRequest, *, model_id: str, adapter_id: str = "", prompt_version: str,
              settings: dict[str, Any]) -> str:
    """Hex key of one figure under one model + prompt + generation configuration."""
    parts = {
        "image": image_sha256(req),
        "model": model_id,
        "adapter": adapter_id,
        "prompt_version": prompt_version,
        "settings": settings,
        "context": [req.caption, req.section, list(req.context),
                    req.figure_type.value if req.figure_type else None, [s.text for s in req.spans]],
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


class DescriptionCache:
    """Description JSON files under ``directory``; ``hits`` and ``misses`` count look-ups."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory).expanduser()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Description | None:
        path = self._path(key)
        try:
            desc = Description.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            # absent, unreadable, corrupt or of an older schema: a miss (rewritten after the model runs)
            self.misses += 1
            return None
        self.hits += 1
        return desc

    def put(self, key: str, desc: Description) -> None:
        from .._io import atomic_write

        # readers see the old entry or the new, never half; no fsync: a lost entry is a miss
        atomic_write(self._path(key), desc.model_dump_json(), fsync=False)

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json"))
