"""Two ways a box's own drawing was read as structure (TCP congestion slides, PowerPoint
rendered to PNG): a drop shadow a few pixels off a large box's sides traced as a loop from the
box to itself ("Sender 1 leads to Sender 1"), and a name wrapped inside its word ("Switc" /
"h", "Mode" / "l") read as two words."""

from __future__ import annotations

from dicmodel.describe._geometry import _util as U
from dicmodel.describe._geometry.primitives import Word


def _word(text: str, x: float, top: float, h: float = 18.0) -> Word:
    return Word(text=text, bbox=(x, top, x + 11 * len(text), top + h), size=h)


def test_a_large_boxs_drop_shadow_is_no_loop():
    # the stroke traced along Sender 1's thick lower border in the tcpcc slide's PNG: out of
    # the box's lower-left corner, 5 px under its bottom side, back in at the right, an
    # arrowhead-like corner at its end. A real loop on a box this size stands well clear
    from dicmodel.describe._geometry.graph import _Chain, _N, _real_loop

    box = _N(bbox=(14.0, 13.0, 390.0, 240.0), kind="rect")
    shadow = _Chain(points=[(14.0, 237.0), (12.0, 237.0), (12.0, 245.0), (377.0, 245.0), (392.0, 242.0)],
                    dashed=False, arrow_end=True)
    assert not _real_loop(shadow, box)
    loop = _Chain(points=[(300.0, 240.0), (300.0, 275.0), (360.0, 275.0), (360.0, 241.0)],
                  dashed=False, arrow_end=True)
    assert _real_loop(loop, box)
    small = _N(bbox=(14.0, 13.0, 60.0, 40.0), kind="round_rect")  # a state: 5 px is a loop
    assert _real_loop(_Chain(points=[(20.0, 40.0), (20.0, 46.0), (50.0, 46.0), (50.0, 41.0)],
                             dashed=False, arrow_end=True), small)


def _lines(*rows: str) -> list[Word]:
    out = []
    for k, row in enumerate(rows):
        x = 10.0
        for t in row.split():
            out.append(_word(t, x, 10.0 + 22 * k))
            x += 11 * len(t) + 6
    return out


def test_a_word_wrapped_inside_a_narrow_box_is_joined_again():
    assert U.block_text(_lines("Switc", "h")) == "Switch"
    assert U.block_text(_lines("Data", "Mode", "l")) == "Data Model"
    # short words that stand on their own stay words
    assert U.block_text(_lines("Create", "a", "Cluster")) == "Create a Cluster"
    assert U.block_text(_lines("Type", "of", "Service")) == "Type of Service"
    assert U.block_text(_lines("Router", "R1")) == "Router R1"
    assert U.block_text(_lines("eth0 up")) == "eth0 up"
