"""DOCX and PPTX ingest: the package read directly, every figure found.

    >>> from dicmodel.ingest.office import ingest_office
    >>> doc = ingest_office("23501-i00.docx")
    >>> [(f.kind, f.caption, f.source_format) for f in doc.figures]

The result uses the same :class:`~dicmodel.document.Document` types as the PDF ingest: blocks in
reading order (headings with their clause numbers, list items, Markdown tables, code), figures
with caption, label, section, citing sentences, a PNG crop and, for metafiles, vector drawings
and text spans read from LibreOffice's PDF rendering. See ``docs/office.md``. Needs the
``office`` extra (python-docx, python-pptx, lxml) and, for EMF/WMF figures and slide crops,
LibreOffice (``apt-get install libreoffice-draw libreoffice-impress``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError, EmptyDocumentError, EncryptedDocumentError, UnsupportedFormatError

if TYPE_CHECKING:
    from ...document import Document

__all__ = ["OFFICE_SUFFIXES", "ingest_office"]

OFFICE_SUFFIXES = (".docx", ".pptx")
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ingest_office(source: str | os.PathLike[str] | bytes, options: Any = None, *,
                  suffix: str | None = None) -> Document:
    """Read a DOCX or PPTX (a path, or bytes with ``suffix``) into a Document.

    ``options`` is an :class:`~dicmodel.ingest.IngestOptions` (``dpi``, ``render_crops``,
    ``context_sentences`` apply, and ``pages`` selects slides of a PPTX). Raises :class:`~dicmodel.errors.UnsupportedFormatError`,
    :class:`~dicmodel.errors.EmptyDocumentError`, :class:`~dicmodel.errors.CorruptDocumentError`,
    :class:`~dicmodel.errors.EncryptedDocumentError`, :class:`~dicmodel.errors.ConfigError`
    and :class:`~dicmodel.errors.MissingExtraError`; a figure that cannot be read is an
    ItemError in ``Document.errors`` instead.
    """
    from ..options import IngestOptions

    opts = options if options is not None else IngestOptions()
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "<bytes>"
        kind = (suffix or _sniff(data)).lower()
    else:
        path = Path(source)
        if not path.is_file():
            raise UnsupportedFormatError(f"{path}: no such file")
        data, name, kind = path.read_bytes(), str(path), (suffix or path.suffix).lower()
    kind = "." + kind.lstrip(".")
    if not data:
        raise EmptyDocumentError(f"{name}: the file is empty")
    if kind not in OFFICE_SUFFIXES:
        raise UnsupportedFormatError(f"{name}: expected {' or '.join(OFFICE_SUFFIXES)}, got {kind!r}")
    if data[:8] == _CFB:  # an OLE compound file: an encrypted package or a legacy binary .doc/.ppt
        raise EncryptedDocumentError(f"{name}: a password-protected (or legacy binary) Office file; "
                                     "save it unprotected as .docx/.pptx")
    if opts.password is not None:
        raise ConfigError("password: only PDFs take a password; Office packages are read unencrypted")
    if opts.pages is not None and kind == ".docx":
        raise ConfigError("pages: a DOCX has no fixed pages (its layout is made by whoever opens it); "
                          "pages selects slides of a PPTX or pages of a PDF")
    sha = hashlib.sha256(data).hexdigest()
    if kind == ".docx":
        from .docx import ingest_docx

        return ingest_docx(data, name, sha, opts)
    from .pptx import ingest_pptx

    return ingest_pptx(data, name, sha, opts)


def _sniff(data: bytes) -> str:
    """docx or pptx from the zip's part names (bytes carry no suffix)."""
    import io
    import zipfile

    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile as err:
        raise UnsupportedFormatError("bytes are not an Office (zip) package") from err
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    raise UnsupportedFormatError("the zip holds neither word/ nor ppt/ parts")
