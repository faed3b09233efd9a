"""Vector figures drawn with PyMuPDF for tests: the page goes through a save and reload (so
the drawings are what a real PDF gives) and comes back as the vector reader's primitives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def vector_prims(draw: Callable[[Any], None], width: float = 400, height: float = 300) -> Any:
    import pymupdf

    from dicmodel.describe._geometry.vector import extract_vector, page_inputs

    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    draw(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    drawings, spans = page_inputs(page)
    return extract_vector(drawings, spans, (0, 0, width, height))
