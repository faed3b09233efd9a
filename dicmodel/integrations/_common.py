"""Helpers shared by the integrations (no third-party imports)."""

from __future__ import annotations

from ..export.chunks import figure_text

__all__ = ["figure_text"]
