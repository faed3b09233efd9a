"""Helpers shared by the integrations (no third-party imports)."""

from __future__ import annotations

from ..document import Figure

__all__ = ["figure_text"]


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
