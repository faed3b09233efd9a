"""The real-figure benchmark scores raster readings against the labels their render shows."""

import sys
from pathlib import Path

import pymupdf

from dicmodel.diagram import Diagram, Edge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _visible import hidden_labels, visible_lines, visible_truth  # noqa: E402


def _page() -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.draw_rect(pymupdf.Rect(10, 10, 140, 60), color=(0, 0, 0))
    page.insert_text((20, 40), "Ingress table", fontsize=11, color=(0, 0, 0))
    page.draw_rect(pymupdf.Rect(150, 10, 290, 60), color=(0, 0, 0))
    # near-white on white, as LibreOffice draws Visio text whose theme fill it drops
    page.insert_text((160, 40), "Egress table", fontsize=11, color=(254 / 255, 1, 1))
    page.draw_rect(pymupdf.Rect(10, 100, 140, 150), color=(0, 0, 0), fill=(0, 0, 0))
    page.insert_text((20, 130), "ACL table", fontsize=11, color=(1, 1, 1))  # white on black
    return doc


def test_text_coloured_like_its_background_is_hidden():
    doc = _page()
    page = doc[0]
    d = Diagram()
    for nid, label in (("a", "Ingress table"), ("b", "Egress table"), ("c", "ACL table"),
                       ("d", "Drawn as paths")):
        d.add_node(nid, label)
    d.edges += [Edge(source="a", target="b"), Edge(source="a", target="c")]
    hidden = hidden_labels(d, visible_lines(page, page.rect))
    assert hidden == {"b"}  # white on black is visible; a label no text line spells is kept
    v = visible_truth(d, hidden)
    assert [n.id for n in v.nodes] == ["a", "c", "d"]
    assert [(e.source, e.target) for e in v.edges] == [("a", "c")]
    assert len(d.nodes) == 4  # the truth itself is not changed


def test_text_off_the_clip_is_hidden():
    doc = _page()
    page = doc[0]
    d = Diagram()
    d.add_node("a", "Ingress table")
    d.add_node("c", "ACL table")
    assert hidden_labels(d, visible_lines(page, pymupdf.Rect(0, 0, 300, 80))) == {"c"}


def test_words_printed_in_other_shapes_count_for_their_own_shape():
    # one visible table and three invisible ones (near-white on white), all printing "match :",
    # "action :", "default :", "drop": the hidden shapes' copies of those words must not hide
    # the visible table, whose lines spell its label one after another
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=200)
    body = ("match :", "action :", "default :", "drop")
    for k, name in enumerate(("Egress", "Ingress", "Router")):
        for j, text in enumerate((name,) + body):
            page.insert_text((110 + 95 * k, 40 + 15 * j), text, fontsize=11, color=(254 / 255, 1, 1))
    page.draw_rect(pymupdf.Rect(5, 20, 100, 120), color=(0, 0, 0), fill=(0, 1, 1))
    for j, text in enumerate(("Tunnel",) + body):
        page.insert_text((10, 40 + 15 * j), text, fontsize=11, color=(0, 0, 0))
    d = Diagram()
    d.add_node("t", "Tunnel { match : action : default : drop }")
    d.add_node("e", "Egress { match : action : default : drop }")
    lines = visible_lines(page, page.rect)
    assert hidden_labels(d, lines) == {"e"}
    # a text printed in several shapes, hidden in some and shown in one: shown
    d2 = Diagram()
    d2.add_node("m", "match")
    assert hidden_labels(d2, lines) == set()


def test_a_label_a_text_layer_render_does_not_hold_is_hidden_even_where_its_words_are():
    # LibreOffice's Visio export drops or cuts off some shapes; their words ("Metadata",
    # "port") still appear in other shapes. In a render that writes all text as text the label
    # is not on the page; in a render that may draw text as paths (no page_text) it is kept
    from _visible import page_text

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for y, text in ((40, "Metadata"), (55, "Out_port=K")):
        page.insert_text((20, y), text, fontsize=11)
    page.insert_text((160, 40), "bridge port", fontsize=11)
    d = Diagram()
    d.add_node("k", "Metadata Out_port=K")
    d.add_node("n", "Metadata Ingress_bridge_port =N")  # not on the page
    lines = visible_lines(page, page.rect, colour=False)
    assert hidden_labels(d, lines, page_text(page)) == {"n"}
    assert hidden_labels(d, lines) == set()


def test_without_colour_a_near_white_label_on_the_page_is_visible():
    # a vector reading takes the PDF's text whatever its colour: only what is off the page
    # (or outside the clip) is hidden from it
    doc = _page()
    page = doc[0]
    d = Diagram()
    d.add_node("b", "Egress table")
    assert hidden_labels(d, visible_lines(page, page.rect, colour=False)) == set()
    assert hidden_labels(d, visible_lines(page, page.rect)) == {"b"}


def test_a_label_painted_over_by_a_later_card_is_hidden_to_both_readers():
    # draw.io's stacked "PDPs" cards: each card is painted over the last one's label
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for k in range(3):
        r = pymupdf.Rect(40 + 6 * k, 40 + 6 * k, 140 + 6 * k, 80 + 6 * k)
        page.draw_rect(r, color=(0.7, 0.2, 0.2), fill=(0.97, 0.8, 0.8))
        page.insert_text((r.x0 + 30, r.y0 + 24), f"PDP {k}", fontsize=11)
    d = Diagram()
    for k in range(3):
        d.add_node(f"p{k}", f"PDP {k}")
    for colour in (True, False):
        assert hidden_labels(d, visible_lines(page, page.rect, colour=colour)) == {"p0", "p1"}
