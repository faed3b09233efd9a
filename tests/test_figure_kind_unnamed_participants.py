"""A call flow cut under its header row (``sequence._cut_under_header``): its messages are read
between participants named only by their order."""

from __future__ import annotations

import pytest

from dicmodel.document import FigureType

pymupdf = pytest.importorskip("pymupdf")

from tests.test_structural_engine import BLACK, Fig, read  # noqa: E402


def test_a_call_flow_cut_under_its_header_row_keeps_its_messages_with_unnamed_participants():
    # lifelines from the figure's top edge to its bottom edge and no names: the lower part of
    # a chart split across pages; the messages between the lifelines are still a call flow
    from dicmodel.describe._geometry.describe_text import reading_prose

    f = Fig(300, 200)
    for x in (40, 260):
        f.page.draw_line((x, 0), (x, 200), color=BLACK)
    for y, (a, b), text in ((50, (260, 40), "RA Preamble assignment"), (100, (40, 260), "Random Access Preamble"),
                            (150, (260, 40), "Random Access Response")):
        f.arrow((a, y), (b, y))
        f.text(text, 150, y - 8, size=8)
    r = read(f)
    assert r.figure_type is FigureType.sequence and r.confidence < 0.5
    assert [m.text for m in r.diagram.messages] == ["RA Preamble assignment", "Random Access Preamble",
                                                    "Random Access Response"]
    prose = reading_prose(r.figure_type, r.diagram)
    assert 'Participant 2 (unnamed) sends "RA Preamble assignment" to Participant 1 (unnamed)' in prose
