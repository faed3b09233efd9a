"""Call flows of procedure steps only (3GPP TS 23.203 Annex P's S9a charts): named lifelines,
no message, and each step drawn across them as a box or a double-headed block arrow. They
read as a sequence diagram whose steps, top to bottom, say which participants they span;
and the notes of any call flow come top to bottom, not in drawing order."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel._prose import diagram_prose  # noqa: E402
from dicmodel.document import FigureType  # noqa: E402
from tests.test_structural_engine import BLACK, Fig, read  # noqa: E402

XS = (40, 150, 330)
NAMES = ("BPCF", "HNB GW", "PCRF")


def _lifelines(f: Fig) -> None:
    for x, name in zip(XS, NAMES):
        f.box(x - 28, 10, x + 28, 32, name)
        f.page.draw_line((x, 32), (x, 290), color=BLACK)


def _block_arrow(f: Fig, x0: float, x1: float, y0: float, y1: float, text: str) -> None:
    """A double-headed block arrow from lifeline to lifeline, tips a few points short: ten
    corners, its heads wider than its shaft."""
    ym, a, b = (y0 + y1) / 2, 14, 6
    pts = [(x0, ym), (x0 + a, y0), (x0 + a, y0 + b), (x1 - a, y0 + b), (x1 - a, y0), (x1, ym),
           (x1 - a, y1), (x1 - a, y1 - b), (x0 + a, y1 - b), (x0 + a, y1), (x0, ym)]
    f.page.draw_polyline(pts, color=BLACK, fill=(1, 1, 1), closePath=True)
    f.text(text, (x0 + x1) / 2, ym, size=9)


def test_steps_drawn_across_lifelines_read_as_a_sequence_of_steps():
    f = Fig(380, 300)
    _lifelines(f)
    f.box(120, 60, 360, 100, fill=(1, 1, 1))
    f.text("1. S15 session establishment", 240, 80, size=9)
    _block_arrow(f, XS[0] + 4, XS[2] - 4, 150, 200, "2. Gateway Control Session Establishment")
    r = read(f)
    assert r.figure_type is FigureType.sequence
    assert [n.label for n in r.diagram.nodes] == list(NAMES) and not r.diagram.messages
    assert r.diagram.notes == ["1. S15 session establishment (across HNB GW and PCRF)",
                               "2. Gateway Control Session Establishment (between BPCF and PCRF)"]
    prose = diagram_prose(r.diagram)
    assert prose.startswith("The sequence diagram draws no messages between its 3 participants")
    assert "Its steps, top to bottom: 1. S15" in prose


def _one_lifeline_note(f: Fig) -> None:
    # a note beside one lifeline spans no two participants: nothing to read as steps
    f.box(300, 120, 360, 160, fill=(1, 1, 1))
    f.text("timer", 330, 140, size=9)


def _label_fills(f: Fig) -> None:
    # TS 23.203 Figure 7.9.1: message labels on white fills across both lifelines, over thick
    # bars the reader does not take for messages; they are no procedure steps
    for y, text in ((110, "2. Initial Spending Limit Report Request"), (170, "3. Response")):
        f.page.draw_rect(pymupdf.Rect(30, y - 8, 340, y + 8), color=None, fill=(1, 1, 1))
        f.text(text, 185, y, size=9)


@pytest.mark.parametrize("draw", [_one_lifeline_note, _label_fills])
def test_boxes_that_are_no_steps_make_no_step_chart(draw) -> None:
    f = Fig(380, 300)
    _lifelines(f)
    draw(f)
    assert read(f).figure_type is not FigureType.sequence


def test_notes_of_a_call_flow_come_top_to_bottom():
    f = Fig(380, 300)
    _lifelines(f)
    # drawn bottom first, as an editor may store them
    for y, text in ((230, "3. Policy applied"), (70, "1. Session found")):
        f.box(120, y - 15, 360, y + 15, fill=(1, 1, 1))
        f.text(text, 240, y, size=9)
    f.arrow((XS[0], 130), (XS[1], 130))
    f.text("2. Request", 95, 124, size=9)
    f.arrow((XS[1], 170), (XS[2], 170))
    f.text("Answer", 240, 164, size=9)
    r = read(f)
    assert r.figure_type is FigureType.sequence and len(r.diagram.messages) == 2
    assert r.diagram.notes == ["1. Session found", "3. Policy applied"]


def test_a_message_name_over_a_tall_stack_of_parameter_lines_is_kept():
    # the Default Bearer charts (vendor call flows after 3GPP TS 29.272): the message's name
    # heads five or six lines of its parameters; the name lay past the label's reach and was
    # lost ('MME APP sends "PLMN Id, IMSI, ..." to S6A')
    f = Fig(380, 330)
    _lifelines(f)
    f.arrow((XS[1], 180), (XS[2], 180))
    lines = ["Authentication Information Request", "PLMN Id, IMSI,", "Destination Host,",
             "Destination Realm", "Supported Features,", "Number of vectors=1"]
    for k, text in enumerate(reversed(lines)):
        f.text(text, 240, 172 - 11 * k, size=9)
    f.arrow((XS[2], 240), (XS[1], 240))
    f.text("Authentication Information Answer", 240, 232, size=9)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    assert [m.text for m in r.diagram.messages] == [" ".join(lines), "Authentication Information Answer"]


def test_a_step_box_under_a_header_on_its_lifeline_is_a_note_not_part_of_the_header():
    # TS 23.203 Figure 7.7.4-1: "1. Decision to send an Event Trigger ..." sits on H-PCRF's
    # lifeline a few points under its header box; it was taken into the header's stack and lost
    f = Fig(380, 300)
    _lifelines(f)
    f.box(XS[2] - 60, 40, XS[2] + 45, 68, fill=(1, 1, 1))
    f.text("1. Decision to send", XS[2] - 8, 54, size=8)
    f.arrow((XS[2], 110), (XS[0], 110))
    f.text("2. Provision", 190, 104, size=8)
    f.arrow((XS[0], 160), (XS[2], 160))
    f.text("3. Ack", 190, 154, size=8)
    r = read(f)
    assert r.figure_type is FigureType.sequence
    assert [n.label for n in r.diagram.nodes] == list(NAMES)
    assert r.diagram.notes == ["1. Decision to send"]
