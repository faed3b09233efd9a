"""Training data factory: synthetic ICT diagrams, renderers, targets, questions, AdaMLLM tools.

Submodules load on first attribute access so ``import dicmodel.synth`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "render_mermaid": "render", "render_dot": "render", "render_mmdc": "render",
    "MermaidRenderer": "render", "MermaidStyle": "render", "MermaidJob": "render",
    "RenderResult": "render", "RendererNotInstalledError": "render",
}

__all__ = ["MermaidJob", "MermaidRenderer", "MermaidStyle", "RenderResult", "RendererNotInstalledError",
           "render_dot", "render_mermaid", "render_mmdc"]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'dicmodel.synth' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{mod}", __name__), name)
