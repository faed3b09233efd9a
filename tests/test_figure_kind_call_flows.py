"""Call flows the sequence reader used to give up on: one cut under its header row
(``sequence._cut_under_header``: messages between participants named by their order) and one
whose header boxes differ in height (``sequence._aligned_heads``)."""

from __future__ import annotations

import pytest

from dicmodel.document import FigureType

pymupdf = pytest.importorskip("pymupdf")

from tests.test_structural_engine import BLACK, Fig, read


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


def test_header_boxes_of_different_heights_with_level_tops_are_one_row_of_participants():
    f = Fig(400, 260)
    f.box(20, 10, 120, 50)  # a three-line header: its lifeline starts 25 pt lower than UE's
    for k, line in enumerate(("Cell A", "Phy-CID=3", "Global-CID=17")):
        f.text(line, 70, 20 + 12 * k, size=8)
    f.box(300, 10, 340, 25, "UE")
    f.page.draw_line((70, 50), (70, 250), color=BLACK)
    f.page.draw_line((320, 25), (320, 250), color=BLACK)
    for y, (a, b), text in ((90, (320, 70), "1. Report"), (140, (70, 320), "2. Report Global-CID Request"),
                            (190, (320, 70), "3. Report Global-CID=19")):
        f.arrow((a, y), (b, y))
        f.text(text, 195, y - 8, size=8)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    names = {n.id: n.label for n in r.diagram.nodes}
    assert [(names[m.source], m.text) for m in r.diagram.messages] == [
        ("UE", "1. Report"), ("Cell A Phy-CID=3 Global-CID=17", "2. Report Global-CID Request"),
        ("UE", "3. Report Global-CID=19")]
