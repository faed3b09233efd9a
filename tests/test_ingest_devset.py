"""Smoke tests on real ICT PDFs from ../shared/devset (skipped when it is absent)."""

from __future__ import annotations

import pytest

pytest.importorskip("pymupdf")

from dicmodel.document import BlockType, FigureKind
from dicmodel.ingest import IngestOptions, ingest


@pytest.mark.parametrize("name", ["d04_e1-archi.pdf", "d05_test_bgp_features.pdf"])
def test_vector_figure_pages(devset, name):
    doc = ingest(devset / "pdfs" / name, IngestOptions(dpi=72))
    assert len(doc.figures) == 1
    fig = doc.figures[0]
    assert fig.kind == FigureKind.vector
    assert fig.drawings and fig.spans  # geometry and labels for the structural describer
    assert fig.image and fig.image.startswith(b"\x89PNG")
    page = doc.pages[0]
    # the figure is the page's content: no body paragraph repeats its labels
    assert fig.bbox.area > 0.3 * page.width * page.height
    assert not any(b.type == BlockType.text and b.bbox.intersection(fig.bbox) > 0 for b in doc.blocks)


def test_raster_figures_with_captions(devset):
    # NIST SP 800-207: raster architecture figures captioned "Figure N: ..." (pages 14-35)
    doc = ingest(devset / "pdfs" / "d09_NIST.SP.800-207.pdf", IngestOptions(pages="14-35", render_crops=False))
    captioned = [f for f in doc.figures if f.kind == FigureKind.raster and f.caption]
    assert len(captioned) >= 10
    assert all(f.caption.startswith("Figure") and f.label for f in captioned)
    assert len({f.label for f in captioned}) == len(captioned)
    assert any(f.context for f in captioned)  # the body cites them
    body = " ".join(b.text for b in doc.blocks)
    assert not any(f.caption in body for f in captioned)
