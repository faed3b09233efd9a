"""Visio conventions around unlabelled shapes, callout leaders and the text of lines, drawn
with PyMuPDF: a multiplexer (a trapezoid with no text) whose selector line carries a name, a
guide line that crosses a labelled box, a leader onto a short link."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from test_structural_vector_office import GREY, _arrow, _box, _edges, _read  # noqa: E402


@pytest.mark.parametrize("x", [121.5, 125.0])
def test_a_leader_near_either_end_of_a_short_link_joins_no_nodes(x):
    """Visio draws a callout's leader to wherever the link is: on a link barely longer than
    its head it lands 1.5 pt before the head's base, or 1 pt from the box the link leaves.
    An end that stops across the link, clear of every box, is a leader's: no edge to the box
    the link starts from."""
    def draw(page):
        _box(page, (40, 100, 110, 140), "Ingress STP")
        _box(page, (126, 100, 196, 140), "Egress STP")
        _arrow(page, (126, 120), (110, 120), size=10)  # the line runs 126 -> 120, head to 110
        _box(page, (95, 40, 150, 60), "Metadata")
        page.draw_line((x, 60), (x, 120), color=GREY, width=1.0)

    d = _read(draw)
    assert _edges(d) == {("Egress STP", "Ingress STP", True)}

