"""A diagram's own source -> :class:`~dicmodel.diagram.Diagram`, exactly as the file declares it.

One reader per format, one :class:`SourceDiagram` per part (page, slide, ``@startuml`` block)::

    from dicmodel.sources import read_source
    for part in read_source("network.vsdx"):
        print(part.part, len(part.diagram.nodes), len(part.diagram.edges), part.loose_connectors)

=============  ==========================================================================
format         where the structure is read
=============  ==========================================================================
``vsdx``       ``visio/pages/pageN.xml``: shapes, text, ``<Connects>`` glue (:mod:`.vsdx`)
``vsd``        binary Visio, through LibreOffice headless to ODG: text and lines only, glue
               inferred from geometry (:mod:`.vsd`); ``oleObject*.bin`` containers unwrapped
``drawio``     ``.drawio``/``.dio``/``.xml``, ``.drawio.png`` chunk, ``.drawio.svg`` attribute
``pptx``       ``p:sp`` shapes and ``p:cxnSp`` connectors with ``stCxn``/``endCxn`` glue
``plantuml``   ``@startuml`` text: sequence and component/deployment/use-case diagrams
=============  ==========================================================================

Nodes are labelled shapes, edges are connectors glued at both ends to labelled shapes;
``connectors_drawn`` counts every connector and ``loose_connectors`` the ones that are not
edges, which are reported and never guessed. This module imports nothing heavy: zip and XML
parsing happen inside the readers.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, UnsupportedFormatError
from ._model import SourceDiagram

__all__ = [
    "SOURCE_FORMATS",
    "SOURCE_SUFFIXES",
    "SourceDiagram",
    "detect_format",
    "is_source_path",
    "read_source",
    "read_sources",
]

SOURCE_FORMATS = ("vsdx", "vsd", "drawio", "pptx", "plantuml")

# suffix -> format; the compound suffixes are checked first
SOURCE_SUFFIXES: dict[str, str] = {
    ".drawio.png": "drawio", ".drawio.svg": "drawio", ".dio.png": "drawio", ".dio.svg": "drawio",
    ".drawio": "drawio", ".dio": "drawio", ".vsdx": "vsdx", ".vsdm": "vsdx", ".vsd": "vsd",
    ".puml": "plantuml", ".plantuml": "plantuml", ".pu": "plantuml", ".iuml": "plantuml",
    ".wsd": "plantuml", ".pptx": "pptx",
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _suffix_format(name: str) -> str | None:
    low = name.lower()
    for suffix in sorted(SOURCE_SUFFIXES, key=len, reverse=True):
        if low.endswith(suffix):
            return SOURCE_SUFFIXES[suffix]
    return None


def is_source_path(path: str | os.PathLike[str]) -> bool:
    """True for a file the pipeline reads as a diagram source (``.pptx`` stays a document there;
    a ``.png``/``.svg``/``.xml``/``.txt`` counts when it carries a draw.io model or @startuml)."""
    p = Path(path)
    fmt = _suffix_format(p.name)
    if fmt == "pptx":
        return False
    if fmt is not None:
        return True
    if p.suffix.lower() in (".png", ".svg", ".xml", ".txt") and p.is_file():
        with open(p, "rb") as fh:
            head = fh.read(1 << 16)
        return detect_format(head, p.name) in ("drawio", "plantuml")
    return False


def detect_format(source: str | os.PathLike[str] | bytes, name: str = "") -> str | None:
    """The source format of a path or bytes (suffix first, then content), or None."""
    if not isinstance(source, (bytes, bytearray)):
        name = name or str(source)
        fmt = _suffix_format(name)
        if fmt is not None or not Path(source).is_file():
            return fmt
        with open(source, "rb") as fh:
            source = fh.read(1 << 16)
    else:
        fmt = _suffix_format(name) if name else None
        if fmt is not None:
            return fmt
    return _content_format(bytes(source))


def _content_format(data: bytes) -> str | None:
    from .drawio import has_mxfile

    if data.startswith(b"PK"):
        head = data[:1 << 16]
        if b"visio/" in head:
            return "vsdx"
        if b"ppt/" in head:
            return "pptx"
        return None
    if data.startswith(_OLE):
        # a .vsd has a VisioDocument stream; an OLE container may hold a .vsdx as "Package"
        # (vsd.py opens it and tells); any other OLE file (a .doc, an equation) is not a source
        names = ("VisioDocument".encode("utf-16-le"), "Package".encode("utf-16-le"))
        return "vsd" if any(n in data for n in names) else None
    if has_mxfile(data):
        return "drawio"
    if b"@startuml" in data[:1 << 16].lower():
        return "plantuml"
    return None


def load(source: str | os.PathLike[str] | bytes, name: str = "") -> tuple[bytes, str]:
    """(bytes, display name) of a path or bytes; :class:`InputError` when the file cannot be read."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "<bytes>"
    try:
        return Path(source).read_bytes(), name or str(source)
    except OSError as err:
        raise InputError(f"cannot read {source}: {err}") from err


def read_source(source: str | os.PathLike[str] | bytes, format: str | None = None,
                name: str = "", *, as_drawn: bool = False) -> list[SourceDiagram]:
    """Every part of one diagram source (path or bytes), read exactly.

    ``format`` is one of :data:`SOURCE_FORMATS` (detected from the name or content when None).
    ``as_drawn`` reads a Visio page as a person sees it: connector ends left unglued on a
    shape's outline glued to it, the flow passed through unlabelled junctions (see
    :mod:`.vsdx`); the default is the file's glue alone. Other formats ignore it.
    Raises :class:`~dicmodel.errors.UnsupportedFormatError` for something that is not a source,
    :class:`~dicmodel.errors.CorruptDocumentError` for a damaged one and
    :class:`~dicmodel.errors.MissingExtraError` when ``vsd`` needs LibreOffice and it is absent.
    """
    data, name = load(source, name)
    fmt = format or detect_format(data, name if name != "<bytes>" else "")
    if fmt is None:
        raise UnsupportedFormatError(f"{name}: not a diagram source; formats read: "
                                     f"{', '.join(SOURCE_FORMATS)}")
    if fmt in ("vsdx", "vsd"):
        return _reader(fmt)(data, name, as_drawn=as_drawn)
    return _reader(fmt)(data, name)


def read_sources(sources: list[str | os.PathLike[str] | bytes], format: str | None = None,
                 *, as_drawn: bool = False) -> list[list[SourceDiagram] | Exception]:
    """Many sources at once: all ``.vsd`` among them share one LibreOffice run. One result per
    source, in order: its parts, or the exception that source raised (one bad file never
    stops the others). ``as_drawn``: see :func:`read_source`."""
    from .vsd import read_vsd_many

    fmts = [format or detect_format(s) for s in sources]
    out: list[list[SourceDiagram] | Exception] = [[] for _ in sources]
    vsd = [i for i, f in enumerate(fmts) if f == "vsd"]
    if vsd:
        for i, res in zip(vsd, read_vsd_many([sources[i] for i in vsd], as_drawn=as_drawn)):
            out[i] = res
    for i, src in enumerate(sources):
        if i in vsd:
            continue
        try:
            out[i] = read_source(src, fmts[i], as_drawn=as_drawn)
        except Exception as err:  # noqa: BLE001 - recorded per source, the batch goes on
            out[i] = err
    return out


def _reader(fmt: str):
    if fmt == "drawio":
        from .drawio import read_drawio as reader
    elif fmt == "vsdx":
        from .vsdx import read_vsdx as reader
    elif fmt == "vsd":
        from .vsd import read_vsd as reader
    elif fmt == "pptx":
        from .pptx import read_pptx as reader
    elif fmt == "plantuml":
        from .plantuml import read_plantuml as reader
    else:
        raise UnsupportedFormatError(f"unknown source format {fmt!r}; formats read: "
                                     f"{', '.join(SOURCE_FORMATS)}")
    return reader
