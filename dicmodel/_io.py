"""Crash-safe file writes shared by batch conversion, synth, train, eval and the describe cache.

Stdlib only: low-level modules import this without pulling in the batch or pipeline modules.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = ["atomic_open", "atomic_write", "open_append"]

_TAIL_CHUNK = 1 << 16


@contextlib.contextmanager
def atomic_open(path: Path, *, fsync: bool = True) -> Iterator[BinaryIO]:
    """A binary handle on a unique temporary file beside ``path``, renamed into place when the
    block ends without an error (and removed when it raises): write large outputs as a stream.

    Readers see the old content or the new, never a partial file; concurrent writers (threads
    or processes) of the same path do not collide, the last rename wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: str | bytes, *, fsync: bool = True) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` through :func:`atomic_open`."""
    with atomic_open(path, fsync=fsync) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def open_append(path: Path) -> TextIO:
    """Open a JSONL file for appending, first cutting a torn last line (a crash mid-write):
    a record appended after it would be glued to the fragment and lost on the next read.

    Only the file's tail is read (the training logger opens its log on every step)."""
    if path.is_file():
        with path.open("rb+") as f:
            end = f.seek(0, os.SEEK_END)
            if end:
                f.seek(end - 1)
                if f.read(1) != b"\n":
                    f.truncate(_after_last_newline(f, end))
    return path.open("a", encoding="utf-8")


def _after_last_newline(f: TextIO | object, end: int) -> int:
    """Offset just past the last newline before ``end`` (0 when there is none)."""
    pos = end
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        f.seek(pos)  # type: ignore[attr-defined]
        k = f.read(step).rfind(b"\n")  # type: ignore[attr-defined]
        if k >= 0:
            return pos + k + 1
    return 0
