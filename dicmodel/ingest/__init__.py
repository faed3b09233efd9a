"""Ingest: a PDF (path or bytes) -> :class:`~dicmodel.document.Document`.

    >>> from dicmodel.ingest import ingest, IngestOptions
    >>> doc = ingest("spec.pdf", IngestOptions(dpi=200))
    >>> [(f.kind, f.caption) for f in doc.figures]

Body blocks come in reading order (columns, headings, list items, Markdown tables); running
headers, footers and page numbers are dropped; figures (raster, vector, mixed) carry their
caption, label, section, citing sentences, the text inside them, their vector drawings and a PNG
crop. A figure's caption is moved onto :attr:`Figure.caption` and is *not* kept as a body block;
the text inside a figure is on :attr:`Figure.spans` only. Importing this package is light:
PyMuPDF loads when :func:`ingest` runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .options import IngestOptions

if TYPE_CHECKING:
    from ..document import Document

__all__ = ["IngestOptions", "ingest"]


def ingest(source: str | os.PathLike[str] | bytes, options: IngestOptions | None = None) -> Document:
    """Read a PDF (a path or its bytes) into a Document; see :class:`IngestOptions`.

    Raises :class:`~dicmodel.errors.UnsupportedFormatError` (not a PDF),
    :class:`~dicmodel.errors.CorruptDocumentError` (unparseable or truncated beyond repair),
    :class:`~dicmodel.errors.EncryptedDocumentError` (no or wrong password) and
    :class:`~dicmodel.errors.EmptyDocumentError` (zero bytes or zero pages). Problems on one page
    or one figure are recorded in ``Document.errors`` instead.
    """
    from ._run import ingest as _ingest

    return _ingest(source, options)
