"""Open and validate a PDF; extract text lines in one pass per page.

Everything here works in the *display* frame (the page as a reader sees it, rotation applied)
so that reading order, columns and header/footer bands are judged as a human would; the
run module maps boxes back to the unrotated frame that :class:`~dicmodel.document.BBox` uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._extras import require
from .._io import display_name, read_input
from ..errors import (
    CorruptDocumentError,
    DicmodelError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InternalError,
    ResourceLimitError,
    UnsupportedFormatError,
)

__all__ = ["Line", "Source", "open_pdf", "page_lines", "read_source", "typed_errors", "out_of_memory"]

Rect = tuple[float, float, float, float]

# Leading bytes of formats people hand to a PDF reader by mistake -> the name we report.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP container (DOCX/PPTX/XLSX?)",
    b"\xd0\xcf\x11\xe0": "an OLE2 file (legacy DOC/PPT/XLS)",
    b"{\\rtf": "an RTF document",
    b"%!PS": "a PostScript file",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}
_TEXT_FLAGS = None  # filled lazily: pymupdf constants


@dataclass
class Source:
    data: bytes
    name: str
    sha256: str


@dataclass
class Line:
    """One text line (display frame) with its spans; the unit that layout and figures move around."""

    bbox: Rect  # display frame (rotation applied): for reading order, bands, captions
    text: str
    size: float
    bold: bool
    font: str
    block: int  # MuPDF block number on the page: lines of one block are one paragraph candidate
    dir: tuple[float, float]
    spans: list[dict[str, Any]] = field(default_factory=list)  # raw spans (unrotated bboxes)
    mono: bool = False
    rbox: Rect = (0.0, 0.0, 0.0, 0.0)  # unrotated frame: the frame of figures, drawings and BBox


def read_source(source: str | os.PathLike[str] | bytes) -> Source:
    """Bytes + a printable name + sha256, with the format checked before PyMuPDF sees it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "<bytes>"
    elif isinstance(source, (str, os.PathLike)):
        data, name = read_input(source), display_name(source)  # refuses FIFOs, devices, folders
    else:
        raise TypeError(f"source must be a path or PDF bytes, got {type(source).__name__}")
    if not data:
        raise EmptyDocumentError(f"{name}: the file is empty (0 bytes)")
    _check_magic(data, name)
    return Source(data=data, name=name, sha256=hashlib.sha256(data).hexdigest())


@contextlib.contextmanager
def typed_errors(name: str) -> Iterator[None]:
    """Let only DicmodelErrors out, each naming the file. MuPDF reports damage with its own
    ``FzError*`` family (``code=7: Invalid number of pages``) or RuntimeError/ValueError; out
    of memory (a worker's budget) is a ResourceLimitError; anything else is a bug, wrapped as
    InternalError with its type."""
    try:
        yield
    except DicmodelError:
        raise
    except Exception as err:  # noqa: BLE001 - typed for the caller; the cause stays chained
        if out_of_memory(err):
            raise ResourceLimitError(f"{name}: out of memory while reading the PDF "
                                     f"({_short(err)})") from err
        if isinstance(err, (RuntimeError, ValueError)) or _from_mupdf(err):
            raise CorruptDocumentError(f"{name}: PDF cannot be read: {_short(err)}") from err
        raise InternalError(f"{name}: unexpected {type(err).__name__} while reading the PDF: "
                            f"{_short(err)}") from err


def _from_mupdf(err: BaseException) -> bool:
    return type(err).__module__.split(".")[0] in ("pymupdf", "fitz")


def out_of_memory(err: BaseException) -> bool:
    """MemoryError, or MuPDF's failed allocation (``code=2: malloc (N bytes) failed``)."""
    return isinstance(err, MemoryError) or (_from_mupdf(err) and "malloc" in str(err))


def _short(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


def _check_magic(data: bytes, name: str) -> None:
    # The PDF spec allows junk before the header; readers accept it within the first KiB.
    if b"%PDF-" in data[:1024]:
        return
    head = data[:8]
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise UnsupportedFormatError(f"{name}: this is {what}, not a PDF (no %PDF- header)")
    if data.lstrip()[:1] == b"<":
        raise UnsupportedFormatError(f"{name}: this looks like HTML/XML, not a PDF (no %PDF- header)")
    raise UnsupportedFormatError(f"{name}: not a PDF (no %PDF- header in the first 1024 bytes; "
                                 f"starts with {data[:16]!r})")


def open_pdf(src: Source, password: str | None) -> tuple[Any, list[str]]:
    """A pymupdf.Document, authenticated; plus warnings (repairs) to record on the Document."""
    pymupdf = require("pymupdf", "reading PDF files")
    pymupdf.TOOLS.mupdf_display_errors(False)  # we report problems ourselves, not on stderr
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        doc = pymupdf.open(stream=src.data, filetype="pdf")
    except Exception as err:  # MuPDF raises its own FileDataError/RuntimeError family
        if out_of_memory(err):
            raise
        raise CorruptDocumentError(f"{src.name}: PDF cannot be parsed: {err}") from err
    warnings = _repair_warnings(doc, src, pymupdf.TOOLS.mupdf_warnings())
    if doc.needs_pass:
        if password is None:
            raise EncryptedDocumentError(f"{src.name}: the PDF is encrypted; give its password "
                                         "(CLI: --password PASSWORD; Python: password=...)")
        if not doc.authenticate(password):
            raise EncryptedDocumentError(f"{src.name}: password rejected (the given password does not "
                                         "open this PDF)")
    if doc.page_count == 0:
        if warnings:
            raise CorruptDocumentError(f"{src.name}: no readable page ({'; '.join(warnings)})")
        raise EmptyDocumentError(f"{src.name}: the PDF has no pages")
    return doc, warnings


def _repair_warnings(doc: Any, src: Source, mupdf_log: str) -> list[str]:
    out: list[str] = []
    if b"%%EOF" not in src.data[-2048:]:
        out.append("the file looks truncated (no %%EOF marker at its end)")
    if getattr(doc, "is_repaired", False):
        detail = " ".join(mupdf_log.split())[:200]
        out.append("MuPDF repaired a damaged cross-reference table" + (f" ({detail})" if detail else ""))
    return out


def text_flags() -> int:
    global _TEXT_FLAGS
    if _TEXT_FLAGS is None:
        pymupdf = require("pymupdf", "reading PDF files")
        _TEXT_FLAGS = (pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES
                       | pymupdf.TEXT_MEDIABOX_CLIP)
    return _TEXT_FLAGS


def page_lines(page: Any) -> list[Line]:
    """Text lines of a page in its unrotated frame (the caller turns them); empty lines dropped."""
    raw = page.get_text("dict", flags=text_flags())
    lines: list[Line] = []
    for bno, block in enumerate(raw["blocks"]):
        if block.get("type", 0) != 0:
            continue
        for ln in block["lines"]:
            line = _line(ln, bno)
            if line is not None:
                lines.append(line)
    return lines


def _line(ln: dict[str, Any], bno: int) -> Line | None:
    spans = [s for s in ln["spans"] if s["text"].strip()]
    if not spans:
        return None
    text = "".join(s["text"] for s in ln["spans"]).strip()
    main = max(spans, key=lambda s: len(s["text"].strip()))
    rbox = tuple(ln["bbox"])
    # MuPDF flags: bit 4 = bold, bit 3 = monospaced; font names also say "Bold"/"Mono".
    bold = all((s["flags"] & 16) or "bold" in s["font"].lower() for s in spans)
    mono = all((s["flags"] & 8) or "mono" in s["font"].lower() or "courier" in s["font"].lower()
               for s in spans)
    return Line(bbox=rbox, text=text, size=round(float(main["size"]), 1), bold=bool(bold),
                font=main["font"], block=bno, dir=tuple(ln["dir"]), spans=spans, mono=bool(mono),
                rbox=rbox)
