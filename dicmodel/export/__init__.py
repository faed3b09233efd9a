"""Exporters: Document -> Markdown, JSON (``Document.to_json``), RAG chunks (JSONL)."""

from .chunks import chunk_document, chunks_to_jsonl
from .markdown import MarkdownOptions, figure_markdown, to_markdown

__all__ = ["MarkdownOptions", "to_markdown", "figure_markdown", "chunk_document", "chunks_to_jsonl"]
