"""Exporters: Document -> Markdown, JSON (``Document.to_json``), RAG chunks (JSONL).

Importing this package registers the exporters behind ``Document.to_markdown()`` and
``Document.chunks()`` (:data:`dicmodel.document.EXPORTERS`), so that the types never import
their exporters.
"""

from ..document import EXPORTERS
from .chunks import chunk_document, chunks_to_jsonl, estimate_tokens, get_token_counter
from .markdown import MarkdownOptions, figure_markdown, to_markdown

EXPORTERS.update(markdown=to_markdown, chunks=chunk_document)

__all__ = ["MarkdownOptions", "to_markdown", "figure_markdown", "chunk_document", "chunks_to_jsonl",
           "estimate_tokens", "get_token_counter"]
