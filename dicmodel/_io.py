"""Crash-safe file writes shared by batch conversion, synth, train, eval and the describe cache.

Stdlib only: low-level modules import this without pulling in the batch or pipeline modules.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = ["atomic_open", "atomic_write", "open_append", "read_input", "check_regular_file", "display_name"]

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
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get what open() would give
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask. Linux shows it in /proc; elsewhere reading it means setting it and
    setting it straight back (a short window in which another thread could see 022)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as printable UTF-8 text: bytes that are not UTF-8 (kept by the OS as surrogate
    escapes) are shown as ``\\xNN`` so summaries, JSON and terminals accept any file name."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def check_regular_file(path: str | os.PathLike[str]) -> None:
    """Raise unless ``path`` is a regular file (or a link to one): reading a FIFO blocks forever
    and a device never ends, so such inputs are refused before anything opens them."""
    from .errors import SourceNotFoundError, UnsupportedFormatError

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError as err:
        raise SourceNotFoundError(f"{display_name(path)}: no such file") from err
    except OSError as err:  # a symlink loop, a name too long, no permission
        raise UnsupportedFormatError(f"{display_name(path)}: cannot be read: {err.strerror}") from err
    what = _not_regular(mode)
    if what:
        raise UnsupportedFormatError(f"{display_name(path)}: {what}, not a regular file")


def read_input(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an input file, refusing FIFOs, sockets, devices and folders without
    blocking (the type is checked on the opened descriptor, so a swapped path cannot slip by)."""
    from .errors import SourceNotFoundError, UnsupportedFormatError

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as err:
        raise SourceNotFoundError(f"{display_name(path)}: no such file") from err
    except OSError as err:
        raise UnsupportedFormatError(f"{display_name(path)}: cannot be read: {err.strerror}") from err
    with os.fdopen(fd, "rb") as fh:
        what = _not_regular(os.fstat(fd).st_mode)
        if what:
            raise UnsupportedFormatError(f"{display_name(path)}: {what}, not a regular file")
        return fh.read()
