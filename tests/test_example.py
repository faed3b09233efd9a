"""The bundled example converts as the README promises (the main job, end to end)."""

from pathlib import Path

import dicmodel
from dicmodel._pdfgen import sample_report

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ict_example.pdf"


def test_bundled_example_is_the_generated_one():
    assert EXAMPLE.read_bytes() == sample_report().data, "run python examples/make_example.py"


def test_example_to_markdown_replaces_figures_in_place():
    doc = dicmodel.convert(EXAMPLE, describer="text")
    md = doc.to_markdown()
    truth = sample_report().truth
    # every captioned figure is replaced in place by a block carrying its caption
    for fig in truth.figures:
        if fig.caption:
            assert md.count(f"**{fig.caption}**") == 1
    # reading order: heading, then the figure that follows it
    assert md.index("# 1 Attach procedure") < md.index("**Figure 1:") < md.index("# 2 Zero trust")
    # running header/footer lines are not in the body
    for line in truth.running:
        assert line not in md
    assert "| S1-MME | eNB and MME | S1AP |" in md
