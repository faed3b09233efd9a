"""EMF/WMF metafiles (and OLE previews) -> vector PDF pages through LibreOffice, batched.

Off Windows nothing in Python decodes EMF/WMF; LibreOffice's Draw import does, and its PDF
export keeps the metafile's lines, fills and text as vector drawings and text (not pixels).
One ``soffice --headless --convert-to pdf`` call serves a whole document: its start-up costs
seconds, a file costs milliseconds. The user profile lives in ``/tmp/dicmodel-lo-<uid>`` so
later runs start warm, and a file lock there keeps two processes from sharing it at once.

:func:`vector_page` then reads one converted page the way the PDF ingest reads a vector figure:
PyMuPDF drawings (as plain data) and text spans in the page's own coordinates, cropped to what
the metafile draws, plus a PNG crop.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import DicmodelError

__all__ = ["LIBREOFFICE_HINT", "Conversion", "LibreOfficeError", "VectorPage", "convert_batch",
           "find_soffice", "metafile_ext", "vector_page"]

LIBREOFFICE_HINT = "apt-get install libreoffice-draw libreoffice-impress"
_CACHE_SIZE = 256  # converted PDFs kept per process (content hash -> bytes)
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_LOCK = threading.Lock()
_RETRIES = 3  # files retried alone after a batch that converted none


class LibreOfficeError(DicmodelError, RuntimeError):
    """LibreOffice is missing, timed out, or could not convert a file."""


@dataclass
class Conversion:
    """The PDFs of one batch: content hash -> PDF bytes, and hash -> why it failed."""

    pdfs: dict[str, bytes] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def find_soffice() -> str | None:
    """The LibreOffice binary, or None (``DICMODEL_SOFFICE`` overrides the search)."""
    env = os.environ.get("DICMODEL_SOFFICE")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def metafile_ext(data: bytes) -> str | None:
    """'emf', 'wmf' or None, from the magic numbers (a file's name is not to be trusted)."""
    if len(data) >= 44 and data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
        return "emf"
    if data[:4] == b"\xd7\xcd\xc6\x9a" or data[:6] in (b"\x01\x00\x09\x00\x00\x03", b"\x02\x00\x09\x00\x00\x03"):
        return "wmf"
    return None


def _profile_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"dicmodel-lo-{uid}"


@contextlib.contextmanager
def _profile_lock() -> Iterator[Path]:
    """One soffice per profile at a time: in this process (a lock) and across processes (flock)."""
    prof = _profile_dir()
    prof.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(prof.parent / f"{prof.name}.lock", "w") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # Windows: the thread lock is all we have
            pass
        yield prof


def _run_soffice(soffice: str, files: list[Path], outdir: Path, timeout: float, prof: Path) -> str:
    cmd = [soffice, "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={prof.as_uri()}", "--convert-to", "pdf", "--outdir", str(outdir),
           *map(str, files)]
    try:
        res = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                             env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    except subprocess.TimeoutExpired:
        return f"LibreOffice timed out after {timeout:.0f} s"
    except OSError as err:
        return f"LibreOffice could not start: {err}"
    return "" if res.returncode == 0 else \
        f"LibreOffice exited with {res.returncode}: {res.stderr.decode(errors='replace')[-300:]}"


def convert_batch(items: Iterable[tuple[bytes, str]], *, timeout: float = 120.0,
                  per_file_timeout: float = 30.0) -> Conversion:
    """Convert many (bytes, extension) files to PDF with one LibreOffice process.

    Files already converted in this process come from the cache. A file LibreOffice cannot
    convert is retried alone (so one corrupt metafile costs only itself) and then reported in
    ``Conversion.failed``. Raises :class:`LibreOfficeError` when LibreOffice is not installed.
    """
    import time

    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError(f"LibreOffice (soffice) is not installed; install it with: {LIBREOFFICE_HINT}")
    out = Conversion()
    todo: dict[str, tuple[bytes, str]] = {}
    for data, ext in items:
        key = hashlib.sha256(data).hexdigest()
        if key in _CACHE:
            out.pdfs[key] = _CACHE[key]
            _CACHE.move_to_end(key)
        else:
            todo.setdefault(key, (data, ext))
    if not todo:
        return out
    t0 = time.perf_counter()
    with _profile_lock() as prof, tempfile.TemporaryDirectory(prefix="dicmodel-lo-") as tmp:
        src, dst = Path(tmp, "in"), Path(tmp, "out")
        src.mkdir()
        dst.mkdir()
        paths = {}
        for key, (data, ext) in todo.items():
            paths[key] = src / f"{key[:32]}.{ext}"
            paths[key].write_bytes(data)
        problem = _run_soffice(soffice, list(paths.values()), dst, timeout + 0.5 * len(paths), prof)
        missing = [k for k in todo if not (dst / f"{k[:32]}.pdf").exists()]
        for i, key in enumerate(missing):
            # alone, so a corrupt file (or a crash mid-batch) costs only itself; a batch that
            # lost everything is not retried file by file beyond a few (LibreOffice is broken)
            why = problem or "LibreOffice wrote no PDF (unreadable metafile)"
            if i < _RETRIES or len(missing) < len(todo):
                why = _run_soffice(soffice, [paths[key]], dst, per_file_timeout, prof) or why
            if not (dst / f"{key[:32]}.pdf").exists():
                out.failed[key] = why
        for key in todo:
            pdf = dst / f"{key[:32]}.pdf"
            if pdf.exists():
                out.pdfs[key] = pdf.read_bytes()
                _remember(key, out.pdfs[key])
    out.seconds = time.perf_counter() - t0
    return out


def _remember(key: str, pdf: bytes) -> None:
    _CACHE[key] = pdf
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


@dataclass
class VectorPage:
    """One converted page read as a figure, in the page's own coordinates."""

    bbox: tuple[float, float, float, float]
    drawings: list[dict[str, Any]]
    spans: list[dict[str, Any]]  # PyMuPDF spans with "dir" added
    images: int
    png: bytes | None
    kind: str  # vector, raster or mixed
    size: tuple[float, float] = (0.0, 0.0)


def vector_page(pdf: bytes, dpi: int = 150, page_no: int = 0, render: bool = True) -> VectorPage:
    """Drawings, text and a crop of one page, clipped to what is drawn on it.

    LibreOffice puts a metafile on a page with a white background rectangle: fills covering
    nearly the whole page with no stroke are dropped, so the figure's box is its content.
    Raises :class:`LibreOfficeError` when the page holds nothing (an unreadable metafile).
    """
    import pymupdf

    from ...describe._geometry.pdfplain import image_drawings, plain_drawings
    from ..hidden import hidden_spans
    from ..pdf import page_lines

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        if doc.page_count <= page_no:
            raise LibreOfficeError(f"the converted PDF has no page {page_no + 1}")
        page = doc[page_no]
        full = page.rect
        drawings = [d for d in page.get_drawings() if not _background(d, full)]
        lines = page_lines(page)
        images = [tuple(info["bbox"]) for info in page.get_image_info() if info["bbox"][2] > info["bbox"][0]]
        box = pymupdf.Rect()
        for d in drawings:
            box |= d["rect"]
        for ln in lines:
            for s in ln.spans:
                box |= pymupdf.Rect(s["bbox"])
        for r in images:
            box |= pymupdf.Rect(r)
        if box.is_empty:
            raise LibreOfficeError("the metafile converted to an empty page (nothing drawn)")
        box = (box + (-2, -2, 2, 2)) & full
        bbox = (box.x0, box.y0, box.x1, box.y1)
        spans = [{**s, "dir": tuple(ln.dir)} for ln in lines for s in ln.spans]
        gone = hidden_spans(page, drawings, spans)  # painted over (a cloud's shadow on a copy)
        spans = [s for k, s in enumerate(spans) if k not in gone]
        plain = plain_drawings(drawings)
        if plain and images:
            plain += image_drawings(images, bbox)
        png = page.get_pixmap(dpi=dpi, clip=box).tobytes("png") if render else None
        kind = "mixed" if drawings and images else ("raster" if images and not drawings else "vector")
        return VectorPage(bbox=bbox, drawings=plain, spans=spans, images=len(images), png=png, kind=kind,
                          size=(full.width, full.height))


def _background(d: dict[str, Any], full: Any) -> bool:
    r = d["rect"]
    return d.get("color") is None and r.width * r.height >= 0.9 * full.width * full.height
