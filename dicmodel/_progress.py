"""Progress bars inside a document (pages read, figures described), for the command line.

The CLI turns them on with :func:`show_progress`; library calls (``dicmodel.convert``) stay
silent unless they do the same. A bar is drawn only when its stream is a terminal (tqdm's
``disable=None``), so logs, pipes and CI output get no bar lines.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

__all__ = ["show_progress", "bar"]

_STREAM: ContextVar[IO[str] | None] = ContextVar("dicmodel_progress_stream", default=None)


@contextmanager
def show_progress(enabled: bool = True, stream: IO[str] | None = None) -> Iterator[None]:
    """Within the block, stages draw bars on ``stream`` (default: stderr) when it is a terminal."""
    token = _STREAM.set((stream or sys.stderr) if enabled else None)
    try:
        yield
    finally:
        _STREAM.reset(token)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def bar(total: int, desc: str, unit: str, leave: bool = False) -> Any:
    """A tqdm bar (closed by ``with``) when progress is on and the stream is a terminal, else a
    silent stand-in with the same methods. ``leave=False`` (a document's inner bars) clears the
    bar when it is done."""
    stream = _STREAM.get()
    if stream is None or total <= 0 or not _is_tty(stream):
        return _Silent()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=stream, leave=leave, dynamic_ncols=True,
                mininterval=0.2)


def _is_tty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
