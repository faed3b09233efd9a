"""Sequence charts drawn the way PlantUML draws them, read from vector geometry.

PlantUML (and UML tools in general) draw notched four-point arrowheads, self-messages as three
separate strokes (out, down, back with the head), and combined fragments (alt/loop/opt) as a
box over the lifelines with a label tab and a guard. Placed in a document, a wide chart is
scaled down until its text is 3-4 points tall. Each test draws one such chart at a given
scale and checks the messages read from it.
"""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.sequence import read_sequence  # noqa: E402
from dicmodel.describe._geometry.vector import extract_vector, page_inputs  # noqa: E402

BLACK = (0, 0, 0)
XS = (60, 200, 340)  # lifelines at full scale
NAMES = ("Client", "Gateway", "Store")


def _head(page, tip, left: bool, k: float) -> None:
    """PlantUML's notched head: tip, two barbs, a notch on the axis."""
    x, y = tip
    s = -1 if left else 1
    pts = [(x, y), (x - s * 10 * k, y - 4 * k), (x - s * 6 * k, y), (x - s * 10 * k, y + 4 * k)]
    page.draw_polyline(pts, color=BLACK, fill=BLACK, closePath=True, width=0.5 * k)


def _text(page, x, y, text, k):
    page.insert_text((x, y), text, fontsize=9 * k)


def _chart(k: float, frame: bool = True, self_msg: bool = True, bar: bool = False,
           solo_frame: bool = False, long_bar: bool = False, shaded_else: bool = False) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=420 * k + 40, height=330 * k + 40)
    o = 20

    def X(i):
        return o + XS[i] * k

    def Y(v):
        return o + v * k

    for i, name in enumerate(NAMES):
        page.draw_rect(pymupdf.Rect(X(i) - 30 * k, Y(0), X(i) + 30 * k, Y(20)), color=BLACK, width=0.6 * k)
        _text(page, X(i) - 20 * k, Y(14), name, k)
        page.draw_line((X(i), Y(20)), (X(i), Y(320)), color=BLACK, width=0.5 * k, dashes=f"[{5 * k} {5 * k}] 0")

    def msg(a, b, y, text, dashed=False):
        page.draw_line((X(a), Y(y)), (X(b), Y(y)), color=BLACK, width=0.6 * k,
                       dashes=f"[{2 * k} {2 * k}] 0" if dashed else None)
        _head(page, (X(b), Y(y)), left=X(b) < X(a), k=k)
        _text(page, min(X(a), X(b)) + 8 * k, Y(y - 3), text, k)

    msg(0, 1, 50, "connect")
    if frame:
        page.draw_rect(pymupdf.Rect(X(0) - 15 * k, Y(70), X(2) + 15 * k, Y(190)), color=BLACK, width=0.8 * k)
        page.draw_polyline([(X(0) - 15 * k, Y(82)), (X(0) + 10 * k, Y(82)), (X(0) + 14 * k, Y(78)),
                            (X(0) + 14 * k, Y(70))], color=BLACK, width=0.6 * k)
        _text(page, X(0) - 12 * k, Y(79), "alt", k)
        _text(page, X(0) + 20 * k, Y(79), "[session valid]", k)
    bars = ([pymupdf.Rect(X(2) - 5 * k, Y(100), X(2) + 5 * k, Y(165))] if bar else []) + \
        ([pymupdf.Rect(X(1) - 5 * k, Y(45), X(1) + 5 * k, Y(300))] if long_bar else [])
    for r in bars:  # an activation bar: a white fill, then its four sides stroked one by one
        page.draw_rect(r, color=None, fill=(1, 1, 1))
        for a, b in ((r.tl, r.tr), (r.tr, r.br), (r.br, r.bl), (r.bl, r.tl)):
            page.draw_line(a, b, color=BLACK, width=0.4 * k)
    msg(1, 2, 100, "lookup session")
    if solo_frame:  # an 'opt' fragment around the self-message alone, on one lifeline
        page.draw_rect(pymupdf.Rect(X(2) - 20 * k, Y(98), X(2) + 75 * k, Y(140)), color=BLACK,
                       width=0.8 * k)
        _text(page, X(2) - 17 * k, Y(107), "opt", k)
        _text(page, X(2) + 5 * k, Y(107), "[stale]", k)
    if self_msg:  # out, down, back with a head: three strokes
        page.draw_line((X(2), Y(120)), (X(2) + 30 * k, Y(120)), color=BLACK, width=0.6 * k)
        page.draw_line((X(2) + 30 * k, Y(120)), (X(2) + 30 * k, Y(132)), color=BLACK, width=0.6 * k)
        page.draw_line((X(2) + 30 * k, Y(132)), (X(2) + 2 * k, Y(132)), color=BLACK, width=0.6 * k)
        _head(page, (X(2), Y(132)), left=True, k=k)
        _text(page, X(2) + 34 * k, Y(126), "check expiry", k)
    if frame and shaded_else:  # the 'else' part: its own fill (no outline) under a dashed rule
        page.draw_rect(pymupdf.Rect(X(0) - 15 * k, Y(147), X(2) + 15 * k, Y(190)), color=None,
                       fill=(1, 1, 1))
        page.draw_line((X(0) - 15 * k, Y(147)), (X(2) + 15 * k, Y(147)), color=BLACK,
                       width=0.5 * k, dashes=f"[{2 * k} {2 * k}] 0")
    msg(2, 1, 160, "session found", dashed=True)
    msg(1, 0, 230, "accepted", dashed=True)
    return doc.tobytes()


def _read(pdf: bytes):
    page = pymupdf.open("pdf", pdf)[0]
    drawings, spans = page_inputs(page)
    return read_sequence(extract_vector(drawings, spans, (0, 0, page.rect.width, page.rect.height)))


def _messages(d):
    label = {n.id: n.label for n in d.nodes}
    return [(label[m.source], label[m.target], m.text) for m in d.messages]


EXPECTED = [("Client", "Gateway", "connect"), ("Gateway", "Store", "lookup session"),
            ("Store", "Store", "check expiry"), ("Store", "Gateway", "session found"),
            ("Gateway", "Client", "accepted")]


@pytest.mark.parametrize("k", [1.0, 0.35])
def test_notched_heads_self_message_and_frame_at_full_and_small_print(k):
    d = _read(_chart(k))
    assert d is not None and d.kind == "sequence"
    assert _messages(d) == EXPECTED
    assert any("session valid" in n for n in d.notes)  # the guard is kept as a note


@pytest.mark.parametrize("k", [1.0, 0.35])
def test_the_sides_of_an_activation_bar_are_no_messages(k):
    """A message that stops at the corner of an activation bar puts its head at the end of
    the bar's top side: that side is part of the bar, not a self-message."""
    d = _read(_chart(k, bar=True))
    assert _messages(d) == EXPECTED


@pytest.mark.parametrize("k", [1.0, 0.35])
def test_the_long_sides_of_an_activation_bar_are_no_lifelines(k):
    d = _read(_chart(k, long_bar=True))
    assert [n.label for n in d.nodes] == list(NAMES)
    assert _messages(d) == EXPECTED


@pytest.mark.parametrize("k", [1.0, 0.35])
def test_the_text_of_the_first_message_of_a_shaded_else_part_is_read(k):
    d = _read(_chart(k, shaded_else=True))
    assert _messages(d) == EXPECTED


@pytest.mark.parametrize("k", [1.0, 0.35])
def test_a_fragment_around_one_lifeline_keeps_its_self_message_text(k):
    d = _read(_chart(k, solo_frame=True))
    assert _messages(d) == EXPECTED
    assert any("stale" in n for n in d.notes)


def test_words_inside_a_frame_are_message_text_and_the_guard_is_not():
    d = _read(_chart(1.0))
    texts = [m.text for m in d.messages]
    assert "lookup session" in texts
    assert not any("valid" in t or "alt" in t.split() for t in texts)


def test_a_notched_head_at_small_print_is_a_head_not_a_box():
    page = pymupdf.open("pdf", _chart(0.35))[0]
    drawings, spans = page_inputs(page)
    prims = extract_vector(drawings, spans, (0, 0, page.rect.width, page.rect.height))
    assert len(prims.arrowheads) == 5  # every message's head, none read as a tiny 'rect' node


# ---- 3GPP NAS style: no lifelines ------------------------------------------------------------

def _nas_chart(with_boxes: bool = False) -> bytes:
    """TS 24.301's procedure figures: names on top, level arrows, timers beside, an OR rule."""
    doc = pymupdf.open()
    page = doc.new_page(width=540, height=380)
    page.insert_text((20, 30), "UE", fontsize=14)
    page.insert_text((460, 30), "MME", fontsize=14)

    def arrow(y, right, text, timer_left="", timer_right=""):
        x0, x1 = 120, 420
        page.draw_line((x0, y), (x1, y), color=BLACK, width=0.7)
        tip = (x1, y) if right else (x0, y)
        s = 1 if right else -1
        page.draw_polyline([tip, (tip[0] - s * 9, y - 3), (tip[0] - s * 9, y + 3)], color=BLACK,
                           fill=BLACK, closePath=True)
        page.insert_text((200, y - 6), text, fontsize=10)
        if timer_left:
            page.insert_text((15, y + 3), timer_left, fontsize=12)
        if timer_right:
            page.insert_text((440, y + 3), timer_right, fontsize=12)
        if with_boxes:
            page.draw_rect(pymupdf.Rect(x1, y - 10, x1 + 60, y + 10), color=BLACK)
            page.draw_rect(pymupdf.Rect(x0 - 60, y - 10, x0, y + 10), color=BLACK)

    arrow(80, True, "ATTACH REQUEST", timer_left="Start T3410")
    arrow(140, False, "ATTACH ACCEPT", timer_left="Stop T3410", timer_right="Start T3450")
    arrow(200, True, "ATTACH COMPLETE", timer_right="Stop T3450")
    page.draw_line((5, 240), (240, 240), color=BLACK, width=0.5, dashes="[3 3] 0")
    page.insert_text((255, 244), "OR", fontsize=12)
    page.draw_line((290, 240), (535, 240), color=BLACK, width=0.5, dashes="[3 3] 0")
    arrow(300, False, "ATTACH REJECT", timer_left="Stop T3410")
    return doc.tobytes()


def test_a_message_chart_without_lifelines_reads_as_a_sequence():
    d = _read(_nas_chart())
    assert d is not None and [n.label for n in d.nodes] == ["UE", "MME"]
    assert _messages(d) == [("UE", "MME", "ATTACH REQUEST"), ("MME", "UE", "ATTACH ACCEPT"),
                            ("UE", "MME", "ATTACH COMPLETE"), ("MME", "UE", "ATTACH REJECT")]
    assert "Start T3410" in d.notes and "OR" in d.notes


def _nas_short(messages: list[tuple[float, bool, str]], names=("UE", "MME"), width=500.0) -> bytes:
    """TS 24.301's short procedures (EMM INFORMATION, transaction related request/response):
    the names in a larger print than the labels, right over the first message's label."""
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=120)
    page.insert_text((2, 20), names[0], fontsize=18)
    page.insert_text((width - 50, 24), names[1], fontsize=18)
    for y, right, text in messages:
        x0, x1 = 17, width - 85
        page.draw_line((x0 + 8, y), (x1 - 8, y), color=BLACK, width=0.7)
        tip = (x1, y) if right else (x0, y)
        s = 1 if right else -1
        page.draw_polyline([tip, (tip[0] - s * 9, y - 3), (tip[0] - s * 9, y + 3)], color=BLACK,
                           fill=BLACK, closePath=True)
        page.insert_text((140, y - 9), text, fontsize=11)
    return doc.tobytes()


def test_a_one_message_chart_without_lifelines_reads_as_a_sequence():
    # (TS 24.301 Figure 5.4.5.2.1: it was "structure could not be read" at 0.1)
    d = _read(_nas_short([(65, False, "EMM INFORMATION")]))
    assert d is not None and [n.label for n in d.nodes] == ["UE", "MME"]
    assert _messages(d) == [("MME", "UE", "EMM INFORMATION")]


def test_names_printed_larger_than_the_labels_close_over_them_are_still_the_names():
    # (TS 24.301 Figure 6.3.2.2: the names' line height put them within 2.5 label heights of
    # the first arrow, so no name was found)
    d = _read(_nas_short([(55, False, "transaction related request"),
                          (95, True, "transaction related response")]))
    assert d is not None and [n.label for n in d.nodes] == ["UE", "MME"]
    assert _messages(d) == [("MME", "UE", "transaction related request"),
                            ("UE", "MME", "transaction related response")]


def test_one_short_arrow_under_two_names_is_no_message_chart():
    # one arrow over a third of the width: a drawing's pointer, not a message between the two
    d = _read(_short_pointer())
    assert d is None


def _short_pointer() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=120)
    page.insert_text((2, 20), "UE", fontsize=18)
    page.insert_text((450, 24), "MME", fontsize=18)
    page.draw_line((200, 65), (330, 65), color=BLACK, width=0.7)
    page.draw_polyline([(340, 65), (331, 62), (331, 68)], color=BLACK, fill=BLACK, closePath=True)
    page.insert_text((220, 56), "pointer", fontsize=11)
    return doc.tobytes()


def test_long_arrows_between_boxes_are_not_a_lineless_chart():
    assert _read(_nas_chart(with_boxes=True)) is None


def test_level_arrows_away_from_the_names_over_them_are_not_a_lineless_chart():
    # PowerPoint's book-rpc slide 1 at 150 dpi: the sides of stacked 'Server 1/2/n' boxes,
    # crossed by a dotted frame, read as two level arrows under the names "Server Process" and
    # "Service" (a sequence at 0.85); a message chart's columns stand under their names
    doc = pymupdf.open()
    page = doc.new_page(width=540, height=300)
    page.insert_text((20, 30), "Server Process", fontsize=12)
    page.insert_text((150, 30), "Service", fontsize=12)
    for y in (120, 200):
        page.draw_line((300, y), (520, y), color=BLACK, width=0.7)
        page.draw_polyline([(300, y), (309, y - 3), (309, y + 3)], color=BLACK, fill=BLACK,
                           closePath=True)
        page.insert_text((380, y - 6), f"Server {y // 80}", fontsize=10)
    assert _read(doc.tobytes()) is None


# ---- Mscgen charts as LibreOffice converts them (3GPP TS 38.300) -------------------------------

def _mscgen_chart() -> bytes:
    """What LibreOffice makes of an Mscgen WMF: each lifeline one polyline with short stubs at
    its ends, drawn from above its name box right through it; every arrowhead a small square
    between the line's end and the lifeline it points at."""
    doc = pymupdf.open()
    page = doc.new_page(width=480, height=240)
    xs = {"UE": 62, "Source gNB": 187, "Target gNB": 411}
    for name, x in xs.items():
        page.draw_polyline([(x + 16, 2), (x, 2), (x, 222), (x - 16, 222)], color=BLACK, width=0.5)
        w = 4.5 * len(name) + 8
        page.draw_rect(pymupdf.Rect(x - w / 2, 10, x + w / 2, 25), color=BLACK, fill=(1, 1, 1))
        page.insert_text((x - w / 2 + 4, 21), name, fontsize=8)

    def msg(a, b, y, text):
        xa, xb = xs[a], xs[b]
        s = 1 if xb > xa else -1
        page.draw_line((xa + s * 0.5, y), (xb - s * 8.5, y), color=BLACK, width=0.5)
        sq = (xb - 8.5, y - 4, xb, y + 4) if s > 0 else (xb, y - 4, xb + 8.5, y + 4)
        page.draw_rect(pymupdf.Rect(*sq), color=(0.8, 0.8, 0.8), width=0.3)
        page.insert_text((min(xa, xb) + 30, y - 4), text, fontsize=10)

    msg("Source gNB", "Target gNB", 60, "1. HANDOVER REQUEST")
    page.draw_rect(pymupdf.Rect(366, 74, 456, 92), color=BLACK)
    page.insert_text((372, 86), "Admission Control", fontsize=9)
    msg("Target gNB", "Source gNB", 112, "2. HANDOVER REQUEST ACKNOWLEDGE")
    msg("Source gNB", "UE", 138, "3. RRCReconfiguration")
    msg("UE", "Target gNB", 190, "4. RRCReconfigurationComplete")
    return doc.tobytes()


def test_mscgen_chart_through_libreoffice_keeps_direction_from_its_squared_heads():
    d = _read(_mscgen_chart())
    assert d is not None and [n.label for n in d.nodes] == ["UE", "Source gNB", "Target gNB"]
    assert _messages(d) == [("Source gNB", "Target gNB", "1. HANDOVER REQUEST"),
                            ("Target gNB", "Source gNB", "2. HANDOVER REQUEST ACKNOWLEDGE"),
                            ("Source gNB", "UE", "3. RRCReconfiguration"),
                            ("UE", "Target gNB", "4. RRCReconfigurationComplete")]
    assert d.notes.count("Admission Control") == 1


def test_a_nas_chart_on_a_page_is_one_figure_with_its_names_and_caption():
    """Each arrow of a chart without lifelines is too thin to be a figure, and the labels
    between them kept the islands apart: the stack is one figure, read as a call flow."""
    import dicmodel

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(56, 40, 540, 90), "The UE shall start timer T3410 when it sends "
                        "the request. Figure 5.5.1.2.2.1 shows the procedure.", fontsize=10)
    page.show_pdf_page(pymupdf.Rect(30, 100, 570, 480), pymupdf.open("pdf", _nas_chart()), 0)
    page.insert_text((180, 455), "Figure 5.5.1.2.2.1: Attach procedure", fontsize=10)
    page.insert_textbox(pymupdf.Rect(56, 560, 540, 620), "The network then completes the procedure "
                        "as described in the following clause.", fontsize=10)
    [fig] = dicmodel.convert(doc.tobytes()).figures
    assert fig.caption == "Figure 5.5.1.2.2.1: Attach procedure"
    d = fig.description
    assert d.figure_type.value == "sequence" and len(d.diagram.messages) == 4
    assert [n.label for n in d.diagram.nodes] == ["UE", "MME"]


# ---- a participant created mid-chart, with an entity head (a circle over its name) -------------

def _created_chart() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=340)
    for x, name in ((60, "Client"), (200, "Gateway")):
        page.draw_rect(pymupdf.Rect(x - 30, 20, x + 30, 40), color=BLACK, width=0.6)
        _text(page, x - 20, 34, name, 1.0)
        page.draw_line((x, 40), (x, 320), color=BLACK, width=0.5, dashes="[5 5] 0")
    cx = 330  # the created one: a circle, its (wider) name below, its lifeline from there on
    page.draw_circle((cx, 110), 7, color=BLACK, fill=(1, 1, 0.8), width=0.8)
    _text(page, cx - 34, 130, "SessionRecord", 1.0)
    page.draw_line((cx, 134), (cx, 320), color=BLACK, width=0.5, dashes="[5 5] 0")

    def msg(xa, xb, y, text):
        page.draw_line((xa, y), (xb, y), color=BLACK, width=0.6)
        _head(page, (xb, y), left=xb < xa, k=1.0)
        _text(page, min(xa, xb) + 8, y - 3, text, 1.0)

    msg(60, 200, 70, "connect")
    msg(200, cx - 36, 118, "<<create>>")  # stops at the name's edge, well left of the circle
    msg(cx, 60, 200, "stored")
    return doc.tobytes()


def test_a_create_message_reaches_the_name_of_a_head_drawn_as_an_icon():
    d = _read(_created_chart())
    assert [n.label for n in d.nodes] == ["Client", "Gateway", "SessionRecord"]
    assert _messages(d) == [("Client", "Gateway", "connect"), ("Gateway", "SessionRecord", "<<create>>"),
                            ("SessionRecord", "Client", "stored")]


def test_3gpp_emf_call_flow_with_lifelines_from_inside_the_headers():
    """TS 23.214 Figure 6.2.2-1 (EMF through LibreOffice): each lifeline is drawn from a few
    points under its header's top, behind the box's fill, and every message line starts with a
    1-point speck. The headers were not found (the line did not meet their bottom), so the chart
    was 'structure could not be read'; the specks read as arrowheads turned the request
    around."""
    from dicmodel.document import FigureType
    from tests.test_structural_engine import Fig, read

    f = Fig(380, 170)
    for x in (57, 288):
        f.page.draw_line((x, 8), (x, 156), color=(0, 0, 0), width=0.7)
    f.box(2, 2, 115, 23, "UP function", fill=(1, 1, 1))
    f.box(225, 2, 348, 22, "CP function", fill=(1, 1, 1))
    f.box(211, 27, 366, 55, "1. Trigger", fill=(1, 1, 1))
    for y, a, b, text in ((83, 288, 57, "2. Sx Session Establishment Request"),
                          (108, 57, 288, "3. Sx Session Establishment Response")):
        f.arrow((a, y), (b, y))
        f.text(text, 160, y - 10, size=9)
        # the round cap at the line's start, as LibreOffice paints it (copied from the
        # figure): a filled 11-point outline 1.02 x 0.99 points
        cap = [(1.02, 0.992), (1.02, 0.0), (0.51, 0.0), (0.312, 0.029), (0.141, 0.142),
               (0.056, 0.312), (0.0, 0.482), (0.056, 0.68), (0.141, 0.851), (0.312, 0.964),
               (0.51, 0.992)]
        f.page.draw_polyline([(a - 0.5 + dx, y - 0.5 + dy) for dx, dy in cap], color=None,
                             fill=(0, 0, 0), width=0, closePath=True)
    r = f.request()
    heads = extract_vector(r.drawings, r.spans, r.bbox).arrowheads
    assert len(heads) == 2  # the caps are no arrowheads
    reading = read(f)
    d = reading.diagram
    assert reading.figure_type is FigureType.sequence
    assert [n.label for n in d.nodes] == ["UP function", "CP function"]
    got = [(d.label_of(m.source), d.label_of(m.target), m.text) for m in d.messages]
    assert got == [("CP function", "UP function", "2. Sx Session Establishment Request"),
                   ("UP function", "CP function", "3. Sx Session Establishment Response")]


def test_a_two_line_label_under_a_group_guard_is_not_the_frames_header():
    # the ONAP rApp chart (PlantUML PNG): under the group's guard "[Subscribe to publishing
    # events]" the first message's label runs over two lines whose OCR boxes overlap, so they
    # make no text block; its first line sat in the frame's header band and went to the frame
    # ("with EventSubscription" alone named the message). The guard stays the frame's
    from dicmodel.describe._geometry.primitives import Word
    from dicmodel.describe._geometry.sequence import _Msg, _over_label

    guard = Word(text="[Subscribe to publishing events]", bbox=(368.0, 551.0, 585.0, 573.0), size=22.0)
    first = Word(text="Subscribe to event", bbox=(370.0, 573.0, 499.0, 592.0), size=19.0)
    second = Word(text="with EventSubscription", bbox=(368.0, 584.0, 524.0, 609.0), size=25.0)
    msgs = [_Msg(src=0, dst=4, y=607.0, x0=366.0, x1=1596.0, dashed=False, arrow="end")]
    words = [guard, first, second]
    assert _over_label(first, words, 900.0, msgs, 22.0)
    assert not _over_label(guard, words, 900.0, msgs, 22.0)
    assert not _over_label(first, [guard, first], 900.0, msgs, 22.0)  # nothing under it
    tab = Word(text="(B)", bbox=(370.0, 573.0, 392.0, 592.0), size=19.0)  # a frame's tab
    assert not _over_label(tab, [tab, second], 900.0, msgs, 22.0)
