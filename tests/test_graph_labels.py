"""Node labels in the graph engine: which lines of text belong to which shape."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from _vector_draw import vector_prims  # noqa: E402

BLACK = (0, 0, 0)
ORANGE = (1.0, 0.75, 0.0)
GREY = (0.5, 0.5, 0.5)


def _diagram(draw, width=420, height=220):
    return build_diagram(vector_prims(draw, width, height), None).diagram


def _box(page, rect, text, at, fontsize=10, fill=ORANGE):
    """A box outlined in black with its name printed from ``at``."""
    page.draw_rect(pymupdf.Rect(*rect), color=BLACK, fill=fill)
    page.insert_text(at, text, fontsize=fontsize)


def test_text_that_overflows_a_box_stays_its_label_but_a_caption_below_an_icon_does_not():
    # a Visio table: text set from the top corner of a box too small for it runs on past the
    # bottom edge; a device box with its label centred (padding all round) has a caption below
    table = ["Router table", "match : prefix", "action : forward", "default:", "drop"]

    def draw(page):
        page.draw_rect(pymupdf.Rect(30, 40, 170, 88), color=None, fill=ORANGE)
        for k, line in enumerate(table):
            page.insert_text((32, 51 + 12 * k), line, fontsize=10)
        page.draw_rect(pymupdf.Rect(250, 40, 350, 88), color=BLACK, fill=ORANGE)
        page.insert_text((280, 68), "Server", fontsize=10)
        page.insert_text((275, 104), "rack 2", fontsize=10)
        page.draw_line((170, 64), (250, 64), color=BLACK)

    labels = sorted(n.label for n in _diagram(draw).nodes)
    assert labels == ["Router table match : prefix action : forward default: drop", "Server"]


def test_a_fill_only_box_of_many_lines_on_a_connector_is_a_node_but_a_label_background_is_not():
    # Visio draws table boxes without an outline and runs the pipeline's arrow through them;
    # a one-line edge label on its own fill is the label of the line it sits on
    table = ["Learning FDB", "Table", "match : src_MAC", "action : learn"]

    def draw(page):
        page.draw_rect(pymupdf.Rect(20, 60, 80, 100), color=BLACK)
        page.insert_text((34, 84), "Port", fontsize=10)
        page.draw_polyline([(80, 80), (100, 80), (240, 66), (380, 80)], color=BLACK)  # not a row rule
        page.draw_rect(pymupdf.Rect(120, 40, 220, 120), color=None, fill=ORANGE)
        for k, line in enumerate(table):
            page.insert_text((124, 56 + 14 * k), line, fontsize=10)
        page.draw_rect(pymupdf.Rect(262, 62, 298, 78), color=None, fill=ORANGE)
        page.insert_text((266, 74), "hit", fontsize=10)
        page.draw_rect(pymupdf.Rect(380, 60, 410, 100), color=BLACK)
        page.insert_text((384, 84), "ACL", fontsize=10)

    labels = sorted(n.label for n in _diagram(draw, width=430).nodes)
    assert labels == ["ACL", "Learning FDB Table match : src_MAC action : learn", "Port"]


def test_a_small_label_just_above_a_box_whose_text_keeps_clear_of_its_edge_is_not_overflow():
    # an address printed over a device box: the box's own name stops short of the top edge,
    # so nothing overflows and the address is no part of the name
    def draw(page):
        page.insert_text((62, 39), "10.1.1.5", fontsize=9)
        _box(page, (50, 42, 130, 62), "Server", (70, 55))
        _box(page, (250, 42, 330, 62), "Router", (270, 55))
        page.draw_line((130, 52), (250, 52), color=BLACK)

    labels = sorted(n.label for n in _diagram(draw).nodes)
    assert "Server" in labels and "Router" in labels


# a Visio table set out as an indented listing; its box holds the first seven lines and the
# rest run on past the bottom edge (x offsets are the indents)
LISTING = [(0, "Next hop table"), (0, "{"), (6, "match :"), (18, "next hop"), (6, "action :"),
           (6, "{set_rif(ERIF),"), (6, "set_dst(NH)}"), (6, "default:"), (18, "drop"), (0, "}")]


def _named_box(page, x0, y0, x1, y1, name):
    page.draw_rect(pymupdf.Rect(x0, y0, x1, y1), color=BLACK, fill=ORANGE)
    page.insert_text((x0 + 16, (y0 + y1) / 2 + 4), name, fontsize=10)


def _listing(page, x, y, lines=LISTING):
    for k, (dx, line) in enumerate(lines):
        page.insert_text((x + 2 + dx, y + 11 + 12 * k), line, fontsize=10)


def test_an_indented_listing_that_runs_past_the_bottom_of_its_box_is_all_its_label():
    def draw(page):
        _named_box(page, 20, 30, 80, 70, "Port")
        page.draw_rect(pymupdf.Rect(140, 30, 260, 116), color=None, fill=ORANGE)
        _listing(page, 140, 30)
        _named_box(page, 320, 30, 400, 70, "ERIF")
        page.draw_line((80, 50), (140, 50), color=BLACK)
        page.draw_line((260, 50), (320, 50), color=BLACK)

    labels = sorted(n.label for n in _diagram(draw).nodes)
    assert labels == ["ERIF", " ".join(line for _, line in LISTING), "Port"]


def test_the_label_of_a_connector_leaving_a_full_box_downwards_is_not_its_overflow():
    # the same listing, all inside its box, whose connector goes down from the bottom edge
    # with its label beside it where a next line of the listing would be
    def draw(page):
        page.draw_rect(pymupdf.Rect(140, 20, 260, 142), color=None, fill=ORANGE)
        _listing(page, 140, 20)
        page.draw_line((190, 142), (190, 200), color=BLACK)
        page.insert_text((194, 153), "miss", fontsize=10)
        _named_box(page, 150, 200, 230, 230, "Flood")
        _named_box(page, 20, 60, 80, 100, "Port")
        page.draw_line((80, 80), (140, 80), color=BLACK)

    d = _diagram(draw, height=260)
    assert " ".join(line for _, line in LISTING) in {n.label for n in d.nodes}
    assert not any("miss" in n.label for n in d.nodes)


def test_text_beside_the_overflow_in_the_right_half_of_the_box_is_not_part_of_it():
    # another shape's text (a callout not read as a node) starts past the middle of the box,
    # level with the listing's closing lines: it is no line of the listing
    def draw(page):
        _named_box(page, 20, 30, 80, 70, "Port")
        page.draw_rect(pymupdf.Rect(140, 30, 260, 116), color=None, fill=ORANGE)
        _listing(page, 140, 30)
        page.insert_text((215, 161), "STP", fontsize=10)
        page.insert_text((215, 173), "state", fontsize=10)
        page.draw_line((80, 50), (140, 50), color=BLACK)

    labels = {n.label for n in _diagram(draw).nodes}
    assert " ".join(line for _, line in LISTING) in labels
    assert not any("STP" in label for label in labels)


def test_notes_under_a_box_with_a_centred_label_are_not_its_overflow():
    """A slide's box: a centred title over a centred body line, as OCR reads them (line
    heights scatter), and bullet notes set under the box. A centred label is no indented
    listing, so the notes stay free (camara slide 4 of the real-figure bench)."""
    from dicmodel.describe._geometry.overflow import claim_overflow
    from dicmodel.describe._geometry.primitives import Word

    box = (664.0, 475.0, 1157.0, 701.0)
    label = [Word("Github issue #12", (719, 538, 1101, 586), 48.0),
             Word("Change for APIBacklog", (709, 603, 1106, 654), 51.0)]
    notes = [Word("Consolidate one single table for the", (682, 729, 1099, 759), 30.0),
             Word("API backlog. This backlog shall capture", (695, 756, 1144, 793), 37.0)]
    words = list(label)
    free = claim_overflow([(box, words)], list(notes), ocr=True)
    assert words == label and free == notes


def test_a_word_wrapped_letter_by_letter_runs_over_both_edges_of_its_box_as_ocr_reads_it():
    """PowerPoint through LibreOffice breaks "Continuous Innovation (Dev Team)" inside a narrow
    box as "Continuou / s / Innovatio / n / (Dev / Team)", centred, over both edges. OCR boxes
    are as tall as their glyphs: the lone "s" and "n" are 24-27 px against 35-39 for the
    others, so their tops fall off the pitch and their heights off the font size; the lines'
    middles and the full lines' size still show one centred label (ops-figures slide 7)."""
    from dicmodel.describe._geometry.overflow import claim_overflow
    from dicmodel.describe._geometry.primitives import Word

    box = (14.0, 269.0, 194.0, 392.0)
    inside = [Word("S", (92, 277, 116, 301), 24.0), Word("Innovatio", (39, 297, 167, 336), 39.0),
              Word("n", (90, 334, 116, 361), 27.0), Word("(Dev", (68, 359, 142, 395), 36.0)]
    over = [Word("Continuou", (33, 236, 173, 275), 39.0), Word("Team)", (63, 389, 145, 424), 35.0)]
    other = Word("Code Repo", (300, 300, 400, 330), 30.0)
    words = list(inside)
    free = claim_overflow([(box, words)], over + [other], ocr=True)
    assert free == [other]
    assert sorted(w.text for w in words) == sorted(w.text for w in inside + over)


def test_a_centred_title_above_a_box_is_not_ocr_overflow_of_its_label():
    """A group title ("Egress Bridge") centred just above a box whose two-line label sits in
    the box's middle: taken as overflow, the label would no longer be centred on the box
    (SAI multi-NPU pipeline)."""
    from dicmodel.describe._geometry.overflow import claim_overflow
    from dicmodel.describe._geometry.primitives import Word

    box = (736.0, 1162.0, 873.0, 1253.0)
    label = [Word("Egress Vlan", (728, 1176, 879, 1214), 38.0), Word("table", (766, 1209, 835, 1246), 37.0)]
    title = Word("Egress Bridge", (719, 1121, 887, 1158), 37.0)
    words = list(label)
    assert claim_overflow([(box, words)], [title], ocr=True) == [title] and words == label


def test_two_arrows_meeting_on_one_side_of_a_box_traced_as_one_stroke_are_two_edges():
    """Two connectors from two boxes above end close together on the top of a box below; their
    heads merge into one blob and the raster tracer returns one stroke down to the box and
    back up. It touches the box, heading in and then away: two edges, not one from A to B."""
    from dicmodel.describe._geometry.graph import recover_graph
    from dicmodel.describe._geometry.primitives import Path, Primitives, Shape, Word

    shapes = [Shape(kind="rect", bbox=(15, 13, 462, 137)), Shape(kind="rect", bbox=(584, 14, 1031, 138)),
              Shape(kind="rect", bbox=(585, 286, 1031, 340))]
    words = [Word("Terraform", (150, 60, 330, 95), 35.0), Word("Fleet", (760, 60, 860, 95), 35.0),
             Word("Rancher", (730, 295, 880, 330), 35.0)]
    stroke = Path(points=[(263, 137), (263, 142), (804, 283), (807, 283), (807, 143), (807, 138)])
    prims = Primitives(source="raster", width=1047, height=575, shapes=shapes, words=words, paths=[stroke])
    parts = recover_graph(prims)
    label = {i: " ".join(w.text for w in n.words) for i, n in enumerate(parts.nodes)}
    pairs = sorted(tuple(sorted((label[s], label[t]))) for s, t, _c, _l in parts.edges)
    assert pairs == [("Fleet", "Rancher"), ("Rancher", "Terraform")]


def test_ocr_line_boxes_of_one_label_overlap_yet_stay_one_block():
    # RapidOCR's line boxes (measured on a SAI pipeline page at 150 dpi): a bold name set on
    # three centred lines in a circle, each box overlapping the one above by up to 40 % of a
    # line ("bridge" has a descender, "flow" ascenders); boxes overlapping by more than half a
    # line are not two lines of one label
    from dicmodel.describe._geometry import _util as U
    from dicmodel.describe._geometry.primitives import Word

    stacked = [Word(".1D", (3598, 524, 3665, 569)), Word("bridge", (3567, 552, 3691, 613)),
               Word("flow", (3581, 592, 3675, 644))]
    assert [U.block_text(b) for b in U.text_blocks(stacked)] == [".1D bridge flow"]
    overprinted = [Word("eth0", (100, 50, 150, 70)), Word("eth1", (100, 61, 150, 81))]
    assert len(U.text_blocks(overprinted)) == 2


def test_a_glyph_the_font_maps_to_no_character_is_left_out_of_the_label():
    # Chromium's PDF of a draw.io SVG writes the emoji of "Draft 🔓 Editable" as NUL, which came
    # out as "Draft � Editable"; an emoji that maps stays
    from dicmodel.describe._geometry.vector import _words
    from dicmodel.document import BBox, TextSpan

    spans = [TextSpan(text="Draft", bbox=BBox(x0=10, y0=10, x1=40, y1=20), size=10),
             TextSpan(text="\x00 Editable", bbox=BBox(x0=10, y0=22, x1=60, y1=32), size=10),
             TextSpan(text="\ufffd", bbox=BBox(x0=10, y0=34, x1=16, y1=44), size=10),
             TextSpan(text="\U0001f512 Immutable", bbox=BBox(x0=100, y0=22, x1=160, y1=32), size=10)]
    assert [w.text for w in _words(spans)] == ["Draft", "Editable", "\U0001f512 Immutable"]


def test_a_grey_drop_shadow_under_a_shape_is_no_element_but_a_deck_of_copies_stays():
    # TS 23.203 Figure A.1: the IP-CAN cloud (orange) over its grey shadow, set off by 7 points,
    # read as an extra 'unlabelled ellipse'; cards stacked in their own colour are copies
    def draw(page):
        page.draw_oval(pymupdf.Rect(87, 47, 257, 127), color=(0.5, 0.5, 0.5), fill=(0.5, 0.5, 0.5))
        page.draw_oval(pymupdf.Rect(80, 40, 250, 120), color=BLACK, fill=ORANGE)
        page.insert_text((130, 84), "IP-CAN", fontsize=12)
        page.draw_rect(pymupdf.Rect(300, 60, 380, 100), color=BLACK, fill=(1, 1, 1))
        page.insert_text((320, 84), "PDN GW", fontsize=10)
        page.draw_line((250, 80), (300, 80), color=BLACK)

    d = _diagram(draw)
    assert sorted(n.label for n in d.nodes) == ["IP-CAN", "PDN GW"]

    def deck(page):
        for k in (2, 1, 0):
            page.draw_rect(pymupdf.Rect(80 + 6 * k, 40 + 6 * k, 160 + 6 * k, 80 + 6 * k),
                           color=BLACK, fill=(0.6, 0.6, 0.6))
        page.insert_text((100, 64), "PDP", fontsize=10)

    assert len(_diagram(deck).nodes) >= 2


def test_a_white_fill_without_outline_behind_other_shapes_is_no_element():
    # the 5G OTA bench (an SVG printed to PDF): gradients painted under clips as white boxes
    # far larger than the antennas they shade; the links from 'n78' to its antennas lay inside
    # such a box and were dropped as strokes of it
    def draw(page):
        page.draw_rect(pymupdf.Rect(120, 10, 360, 200), color=None, fill=(1, 1, 1))  # the backdrop
        _box(page, (80, 60, 140, 90), "n78", (98, 80), fill=(1, 1, 1))
        _box(page, (250, 40, 290, 70), "Ant 1", (257, 58), fontsize=9)
        _box(page, (250, 90, 290, 120), "Ant 2", (257, 108), fontsize=9)
        page.draw_line((140, 70), (250, 55), color=BLACK)
        page.draw_line((140, 80), (250, 105), color=BLACK)

    d = _diagram(draw)
    assert sorted(n.label for n in d.nodes) == ["Ant 1", "Ant 2", "n78"]
    assert len(d.edges) == 2 and not d.groups


def test_rows_of_boxes_over_an_axis_arrow_are_no_message_chart():
    # TS 38.300 Figure B.2-1 (bandwidth parts over a 'Frequency' axis, names above): read as a
    # lineless message chart at 0.95, 'UE 2 sends "Dedicated BWP2 Frequency" to SSB4'
    def draw(page):
        page.insert_text((40, 30), "UE 1", fontsize=10)
        page.insert_text((360, 30), "SSB4", fontsize=10)
        for k, (x0, x1, name) in enumerate([(50, 200, "Initial BWP"), (50, 300, "Dedicated BWP1"),
                                             (300, 400, "Dedicated BWP2"), (120, 260, "Initial BWP")]):
            y = 45 + 28 * k
            page.draw_rect(pymupdf.Rect(x0, y, x1, y + 20), color=GREY, fill=(0.85, 0.9, 0.85))
            page.insert_text((x0 + 10, y + 14), name, fontsize=9)
        page.insert_text((200, 188), "Frequency", fontsize=9)
        page.draw_line((50, 195), (392, 195), color=BLACK)
        page.draw_polyline([(392, 191), (400, 195), (392, 199), (392, 191)], color=BLACK, fill=BLACK)

    r = build_diagram(vector_prims(draw, 420, 220), None)
    assert r.figure_type.value != "sequence"


def test_a_stray_line_of_a_two_line_label_goes_back_to_its_own_link():
    # Graphviz's bgp-ecmp topology: "eth0 / .105" labels a peer's link, and r1's link to s1
    # passes right by ".105": that link, already labelled "eth0 / .1", took it ("eth0 .105 .1")
    from dicmodel.describe._geometry.graph import _strays
    from dicmodel.describe._geometry.primitives import Word

    def w(text, x, y):
        return Word(text=text, bbox=(x, y, x + 20, y + 10), size=10)

    r1_name, r1_addr = w("eth0", 300, 100), w(".1", 300, 112)
    peer_name, peer_addr = w("eth0", 200, 100), w(".105", 200, 112)
    label_of = {0: [[r1_name], [r1_addr], [peer_addr]], 1: [[peer_name]]}
    _strays(label_of)
    assert [[x.text for x in b] for b in label_of[0]] == [["eth0"], [".1"]]
    assert sorted(x.text for b in label_of[1] for x in b) == [".105", "eth0"]
    # labels stacked between two links, one line each, stay where they went
    a, b = w("request", 100, 50), w("response", 100, 62)
    stacked = {0: [[a]], 1: [[b]]}
    _strays(stacked)
    assert stacked == {0: [[a]], 1: [[b]]}
