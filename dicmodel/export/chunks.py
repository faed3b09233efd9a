"""Document -> retrieval chunks, section-aware; each figure is its own unsplittable chunk.

Text blocks are packed into chunks of at most ``max_tokens`` (counted by ``token_counter``,
by default an estimate of 4/3 tokens per word, which tracks BPE tokenizers on English prose);
a heading closes the current chunk, and each text chunk starts with its section title so it
stands on its own in an index. Figures and tables are never split or merged: a figure chunk
holds the caption, the logical text and (optionally) the Mermaid source.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..document import BlockType, Chunk, FigureType
from ..errors import ConfigError
from .markdown import _BULLET, owned_captions

if TYPE_CHECKING:
    from ..document import Document, Figure

__all__ = ["chunk_document", "chunks_to_jsonl", "estimate_tokens", "figure_text"]


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.split()) * 4 / 3)


def chunk_document(doc: Document, max_tokens: int = 512, *, include_mermaid: bool = True,
                   drop_logos: bool = True,
                   token_counter: Callable[[str], int] = estimate_tokens) -> Iterator[Chunk]:
    if max_tokens < 16:
        raise ConfigError(f"max_tokens must be >= 16, got {max_tokens}")
    figures = {f.id: f for f in doc.figures}
    owned = owned_captions(doc)
    packer = _Packer(doc, max_tokens, token_counter)
    for block in sorted(doc.blocks, key=lambda b: b.order):
        if block.type == BlockType.heading:
            yield from packer.flush()
            packer.section = block.text.strip()
        elif block.type == BlockType.figure:
            fig = figures.get(block.figure_id or "")
            if fig is not None and not (drop_logos and _is_logo(fig)):
                yield from packer.flush()
                yield _figure_chunk(doc, fig, block.section or packer.section, include_mermaid)
        elif block.type == BlockType.table:
            yield from packer.flush()
            yield Chunk(text=(block.markdown or block.text).strip(),
                        metadata=_meta(doc, "table", block.page, block.section or packer.section,
                                       bbox=list(block.bbox.as_tuple())))
        elif block.type == BlockType.caption and block.text.strip() in owned:
            continue
        else:
            text = block.text.strip()
            if block.type == BlockType.list_item:
                text = "- " + _BULLET.sub("", text, count=1)
            yield from packer.add(text, block.page)
    yield from packer.flush()


def _is_logo(fig: Figure) -> bool:
    return fig.description is not None and fig.description.figure_type == FigureType.logo


def _meta(doc: Document, kind: str, page: int, section: str | None, **extra: Any) -> dict[str, Any]:
    meta = {"source": doc.source, "sha256": doc.sha256, "chunk_type": kind, "page": page,
            "section": section or ""}
    meta.update(extra)
    return meta


def figure_text(fig: Figure, include_mermaid: bool = True) -> str:
    """The figure's logical text: caption, description, and Mermaid when one was recovered."""
    desc = fig.description
    parts = [fig.caption.strip()] if fig.caption else []
    if desc is not None and desc.text.strip():
        parts.append(desc.text.strip())
    elif fig.spans:
        parts.append("Labels in the figure: " + "; ".join(s.text for s in fig.spans) + ".")
    if include_mermaid and desc is not None and desc.mermaid:
        parts.append("```mermaid\n" + desc.mermaid.strip() + "\n```")
    return "\n\n".join(parts) or "(figure without readable content)"


def _figure_chunk(doc: Document, fig: Figure, section: str | None, include_mermaid: bool) -> Chunk:
    desc = fig.description
    meta = _meta(doc, "figure", fig.page, section or fig.section,
                 bbox=list(fig.bbox.as_tuple()), figure_id=fig.id, figure_kind=fig.kind.value,
                 figure_type=desc.figure_type.value if desc else "other",
                 caption=fig.caption or "", describer=desc.describer if desc else "",
                 confidence=desc.confidence if desc else 0.0)
    return Chunk(text=figure_text(fig, include_mermaid), metadata=meta)


class _Packer:
    """Accumulates text blocks of one section into chunks of at most max_tokens."""

    def __init__(self, doc: Document, max_tokens: int, count: Callable[[str], int]):
        self.doc, self.max_tokens, self.count = doc, max_tokens, count
        self.section: str | None = None
        self.parts: list[str] = []
        self.pages: list[int] = []
        self.tokens = 0

    def add(self, text: str, page: int) -> Iterator[Chunk]:
        if not text:
            return
        for piece in self._split(text):
            n = self.count(piece)
            if self.parts and self.tokens + n > self.max_tokens:
                yield from self.flush()
            self.parts.append(piece)
            self.pages.append(page)
            self.tokens += n

    def _split(self, text: str) -> list[str]:
        """A block longer than max_tokens is cut at sentence (then word) boundaries."""
        if self.count(text) <= self.max_tokens:
            return [text]
        words, out, cur = text.split(), [], []
        for w in words:
            cur.append(w)
            if self.count(" ".join(cur)) >= self.max_tokens - 2 or (
                    w.endswith((".", "?", "!")) and self.count(" ".join(cur)) > self.max_tokens * 0.8):
                out.append(" ".join(cur))
                cur = []
        if cur:
            out.append(" ".join(cur))
        return out

    def flush(self) -> Iterator[Chunk]:
        if not self.parts:
            return
        head = f"{self.section}\n\n" if self.section else ""
        yield Chunk(text=head + "\n\n".join(self.parts),
                    metadata=_meta(self.doc, "text", self.pages[0], self.section,
                                   pages=sorted(set(self.pages))))
        self.parts, self.pages, self.tokens = [], [], 0


def chunks_to_jsonl(chunks: Iterator[Chunk] | list[Chunk]) -> str:
    return "".join(json.dumps(c.model_dump(), ensure_ascii=False) + "\n" for c in chunks)
