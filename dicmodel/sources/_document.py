"""A diagram source file given directly to ``dicmodel convert``: one vector figure per part."""

from __future__ import annotations

import hashlib
import os

from ..document import BBox, Block, BlockType, Document, Figure, FigureKind, Page, figure_id

__all__ = ["source_document"]


def source_document(source: str | os.PathLike[str] | bytes, name: str = "") -> Document:
    """A Document with one figure per page/slide/@startuml block of a diagram source file.

    Pages are 1-based (part k is page k); each figure is ``vector`` with no crop, carries the
    source (``source_format``, ``source_part``, ``source_data``) for the describer, and the
    part name as its caption.
    """
    from . import detect_format, load, read_sources

    data, name = load(source, name)
    fmt = detect_format(data, name if name != "<bytes>" else "")
    [parts] = read_sources([data], format=fmt)
    if isinstance(parts, Exception):
        raise parts
    sha = hashlib.sha256(data).hexdigest()
    pages, blocks, figures = [], [], []
    box = BBox(x0=0, y0=0, x1=1, y1=1)  # a source has no page geometry: a unit box
    for k, part in enumerate(parts, 1):
        fid = figure_id(sha, k, BBox(x0=0, y0=0, x1=k, y1=k))  # distinct per part
        figures.append(Figure(id=fid, page=k, bbox=box, kind=FigureKind.vector, caption=part.part,
                              source_format=fmt, source_part=part.part, source_data=data))
        blocks.append(Block(type=BlockType.figure, page=k, bbox=box, order=k - 1, figure_id=fid))
        pages.append(Page(number=k, width=1, height=1))
    return Document(source=name, sha256=sha, pages=pages, blocks=blocks, figures=figures)
