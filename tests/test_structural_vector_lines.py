"""Visio conventions around unlabelled shapes and the text of lines, drawn with PyMuPDF: a
multiplexer (a trapezoid with no text) whose selector line carries a name, a guide line that
crosses a labelled box."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from test_structural_vector_office import GREY, _arrow, _box, _edges, _read  # noqa: E402


def _mux(page, select: bool = True):
    """Lookup table -> unlabelled trapezoid -> two ports; the trapezoid's selector line runs
    down from inside its box, through its name "sel type" (text at the line's middle)."""
    _box(page, (40, 100, 120, 140), "Lookup table")
    x0, y0, x1, y1 = 170, 80, 190, 160
    page.draw_polyline([(x0, y0 + 20), (x1, y0), (x1, y1), (x0, y1 - 20)], color=GREY,
                       width=0.5, closePath=True)
    _arrow(page, (120, 120), (170, 120))
    _box(page, (260, 70, 340, 100), "Bridge port")
    _box(page, (260, 140, 340, 170), "Router port")
    _arrow(page, (190, 85), (260, 85))
    _arrow(page, (190, 155), (260, 155))
    if select:
        page.draw_line((180, y1 - 12), (180, y1 + 14), color=GREY, width=1.5)
        for k, t in enumerate(("sel", "type")):
            w = pymupdf.get_text_length(t, fontsize=6)
            page.insert_text((180 - w / 2, y1 - 1 + 6 * k), t, fontsize=6)


def test_the_name_a_line_runs_through_is_the_lines_not_the_shape_it_starts_in():
    """The selector's name lies inside the trapezoid's bounding box (in the empty corner under
    its slanted side) but the selector line runs through its middle: it names the line. It
    is neither the trapezoid's label nor a node of its own at the line's end."""
    d = _read(_mux)
    labels = {n.label for n in d.nodes}
    assert not any("sel" in x or "type" in x for x in labels)
    assert any("sel type" in x for x in d.notes)


def test_a_guide_line_crossing_a_box_leaves_the_box_its_label():
    """A lane separator or page guide that crosses a labelled box through its text (in the
    middle of the guide) does not take the box's text: only a line that starts or ends in the
    box can carry text inside its outline."""
    def draw(page):
        _box(page, (40, 100, 120, 140), "Ingress")
        _box(page, (200, 100, 280, 140), "Egress")
        _arrow(page, (120, 120), (200, 120))
        page.draw_line((240, 20), (240, 220), color=GREY, width=0.5, dashes="[2 2] 0")

    d = _read(draw)
    assert {n.label for n in d.nodes} == {"Ingress", "Egress"}
    assert _edges(d) == {("Ingress", "Egress", True)}


def test_a_label_a_connector_runs_through_is_its_label():
    """Text at the middle of a connector, drawn over the line with no background, labels it."""
    def draw(page):
        _box(page, (40, 100, 120, 140), "Ingress")
        _box(page, (240, 100, 320, 140), "Egress")
        _arrow(page, (120, 120), (240, 120))
        w = pymupdf.get_text_length(".1Q", fontsize=7)
        page.insert_text((180 - w / 2, 122.5), ".1Q", fontsize=7)

    d = _read(draw)
    assert [(d.label_of(e.source), d.label_of(e.target), e.label) for e in d.edges] == \
        [("Ingress", "Egress", ".1Q")]


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

