"""Raster call flows read from their level and plumb strokes (``raster/level.py``).

Generated PlantUML-style charts (1 px lines, dashed lifelines, small notched heads, a dotted
reply, an activation bar, a self-message, a frame) with fixed word boxes, so no OCR engine
runs: the sequence reader must get every message's sender, receiver and label.
"""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry import raster
from dicmodel.describe._geometry.classify import read_figure
from dicmodel.describe._geometry.primitives import Rect, Word
from dicmodel.describe._geometry.sequence import read_sequence
from dicmodel.describe._geometry.raster.level import level_primitives

from _raster_draw import canvas, png  # noqa: E402

LINE = (54, 0, 168)  # PlantUML's crimson (BGR)
XS = (80, 300, 520)  # lifelines
NAMES = ("Client", "Server", "Store")


def _extract(img: np.ndarray, words: list[Word], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(raster, "ocr_words", lambda _img, _engine: list(words))
    monkeypatch.setattr(raster, "read_lines", lambda crops, _engine: [("", 0.0)] * len(crops))
    return raster.extract_raster(png(img), ocr="rapidocr")


def _word(text: str, x: int, y_bottom: int, h: int = 16) -> Word:
    return Word(text=text, bbox=(float(x), float(y_bottom - h), float(x + 9 * len(text)), float(y_bottom)),
                size=float(h))


def _plumb_dashes(img: np.ndarray, x: int, y0: int, y1: int) -> None:
    for y in range(y0, y1, 10):
        cv2.line(img, (x, y), (x, min(y + 5, y1)), LINE, 1)


def _level(img: np.ndarray, y: int, x0: int, x1: int, dotted: bool = False) -> None:
    if not dotted:
        cv2.line(img, (x0, y), (x1, y), LINE, 1)
        return
    for x in range(min(x0, x1), max(x0, x1), 4):
        cv2.line(img, (x, y), (x + 1, y), LINE, 1)


def _head(img: np.ndarray, x: int, y: int, d: int, open_: bool = False) -> None:
    """PlantUML's notched head (or its open '>>' head of two strokes), tip at (x, y)."""
    if open_:
        for s in (-1, 1):
            cv2.line(img, (x, y), (x - d * 9, y + s * 5), LINE, 1)
        return
    pts = np.array([(x, y), (x - d * 10, y - 5), (x - d * 6, y), (x - d * 10, y + 5)], np.int32)
    cv2.fillPoly(img, [pts], LINE)


def _message(img, words, y, a, b, text, dotted=False, open_=False):
    xa, xb = a, b
    d = 1 if xb > xa else -1
    _level(img, y, xa, xb - d, dotted)
    _head(img, xb - d, y, d, open_)
    words.append(_word(text, min(xa, xb) + 12, y - 4))


def _chart(band: bool = False, server_from: int = 57) -> tuple[np.ndarray, list[Word]]:
    img = canvas(620, 520)
    words: list[Word] = []
    if band:  # a coloured participant band (PlantUML's 'box') behind the server
        cv2.rectangle(img, (XS[1] - 70, 5), (XS[1] + 70, 515), (144, 238, 144), -1)
    for x, name in zip(XS, NAMES):
        for top in (20, 460):  # header and footer boxes
            cv2.rectangle(img, (x - 45, top), (x + 45, top + 36), LINE, 1)
            words.append(_word(name, x - 27, top + 27))
        _plumb_dashes(img, x, server_from if x == XS[1] else 57, 459)
    # an activation bar on the server from the first call to its answer
    cv2.rectangle(img, (XS[1] - 2, 113), (XS[1] + 8, 333), (200, 200, 200), -1)  # its shadow
    cv2.rectangle(img, (XS[1] - 5, 110), (XS[1] + 5, 330), (255, 255, 255), -1)
    cv2.rectangle(img, (XS[1] - 5, 110), (XS[1] + 5, 330), LINE, 1)
    _message(img, words, 110, XS[0], XS[1] - 5, "login")
    _message(img, words, 170, XS[1] + 5, XS[2], "lookup")
    _message(img, words, 220, XS[2], XS[1] + 5, "record", dotted=True, open_=True)
    # a self-message: out, down, back to the bar with the head
    cv2.line(img, (XS[1] + 5, 260), (XS[1] + 40, 260), LINE, 1)
    cv2.line(img, (XS[1] + 40, 260), (XS[1] + 40, 275), LINE, 1)
    cv2.line(img, (XS[1] + 40, 275), (XS[1] + 6, 275), LINE, 1)
    _head(img, XS[1] + 6, 275, -1)
    words.append(_word("check", XS[1] + 14, 256))
    # an 'opt' frame around the answer
    cv2.rectangle(img, (30, 300), (590, 380), (0, 0, 0), 2)
    words.append(_word("opt", 36, 318))
    _message(img, words, 350, XS[1] - 5, XS[0], "welcome", dotted=True)
    return img, words


def test_plantuml_style_call_flow_reads_every_message(monkeypatch):
    img, words = _chart()
    prims = _extract(img, words, monkeypatch)
    reading = read_figure(prims)
    d = reading.diagram
    assert d is not None and d.kind == "sequence"
    names = {n.id: n.label for n in d.nodes}
    assert sorted(names.values()) == sorted(NAMES)
    got = [(names[m.source], names[m.target], m.text, m.reply) for m in d.messages]
    assert got == [("Client", "Server", "login", False), ("Server", "Store", "lookup", False),
                   ("Store", "Server", "record", True), ("Server", "Server", "check", False),
                   ("Server", "Client", "welcome", True)]


def test_lifeline_seen_only_from_its_first_message_down_is_no_frame_side(monkeypatch):
    """The server's line shows only from the first call down (PlantUML draws it under a frame's
    border and an activation bar): the call arriving at its top with a head is a message, not
    the top edge of a frame meeting its side."""
    img, words = _chart(server_from=111)
    d = read_sequence(_extract(img, words, monkeypatch).level)
    assert d is not None
    names = {n.id: n.label for n in d.nodes}
    assert sorted(names.values()) == sorted(NAMES)
    assert ("Client", "Server", "login") in [(names[m.source], names[m.target], m.text)
                                            for m in d.messages]


def test_call_flow_inside_a_coloured_band_reads_the_same(monkeypatch):
    img, words = _chart(band=True)
    d = read_sequence(_extract(img, words, monkeypatch).level)
    names = {n.id: n.label for n in d.nodes}
    assert [(names[m.source], names[m.target], m.text) for m in d.messages] == [
        ("Client", "Server", "login"), ("Server", "Store", "lookup"), ("Store", "Server", "record"),
        ("Server", "Server", "check"), ("Server", "Client", "welcome")]


def test_frame_tab_on_an_actor_line_is_not_its_name(monkeypatch):
    """An actor (a name, no box) whose line runs into a frame whose tab sits on the line."""
    img = canvas(520, 300)
    words = [_word("User", 62, 40), _word("Server", 272, 40)]
    cv2.rectangle(img, (255, 14), (345, 50), LINE, 1)
    words[1] = _word("Server", 273, 40)
    _plumb_dashes(img, 80, 44, 290)
    _plumb_dashes(img, 300, 51, 290)
    cv2.rectangle(img, (40, 60), (480, 200), (0, 0, 0), 2)  # the frame, its tab over the line
    cv2.rectangle(img, (40, 60), (120, 78), (0, 0, 0), 1)
    words.append(_word("loop", 62, 76))
    for y, a, b, t in ((110, 80, 300, "ping"), (150, 300, 80, "pong"), (240, 80, 300, "bye")):
        _message(img, words, y, a, b, t)
    d = read_figure(_extract(img, words, monkeypatch)).diagram
    assert d is not None and d.kind == "sequence"
    assert sorted(n.label for n in d.nodes) == ["Server", "User"]


def test_bar_sides_make_one_lifeline_and_heads_point_the_right_way(monkeypatch):
    img, words = _chart()
    prims = _extract(img, words, monkeypatch)
    lv = prims.level
    plumb = sorted({round(p.points[0][0]) for p in lv.paths
                    if abs(p.points[0][0] - p.points[-1][0]) < 1 and abs(p.points[-1][1] - p.points[0][1]) > 100})
    # the bar's two sides are read as the lifeline down its middle, the frame's sides stay
    assert not [x for x in plumb if 3 < abs(x - XS[1]) <= 8]
    assert any(abs(x - XS[1]) <= 1 for x in plumb)
    tips = sorted((round(a.tip[1]), int(a.direction[0])) for a in lv.arrowheads)
    assert tips == [(110, 1), (170, 1), (220, -1), (275, -1), (350, -1)]


def test_no_head_on_a_box_edge_or_a_bare_line(monkeypatch):
    img = canvas(400, 200)
    cv2.rectangle(img, (40, 40), (200, 90), LINE, 1)  # a box: its edges end in corners
    cv2.line(img, (40, 150), (360, 150), LINE, 1)  # a level line without a head
    prims = _extract(img, [], monkeypatch)
    assert prims.level is not None and prims.level.arrowheads == []


def test_level_strokes_keep_a_dotted_line_under_its_label():
    """The dots of a reply drawn close under its label are inside the label's box."""
    img, words = _chart()
    paths, _heads = level_primitives(img, img, 1.0, [w.bbox for w in words], np, cv2)
    dotted = [p for p in paths if p.dashed and abs(p.points[0][1] - 220) <= 1]
    assert len(dotted) == 1
    xs = sorted((dotted[0].points[0][0], dotted[0].points[-1][0]))
    assert xs[0] <= XS[1] + 8 and xs[1] >= XS[2] - 3


def test_plumb_strokes_stay_apart_where_pieces_only_touch():
    """A lifeline with a shorter plumb piece against it (a letter, a frame's side) is still one
    1 px stroke over its own length; connected components would merge the two."""
    from dicmodel.describe._geometry.raster.level import _strokes

    m = np.zeros((200, 60), np.uint8)
    m[10:190, 30] = 1  # the lifeline
    m[50:80, 31] = 1  # a piece touching it over part of its length
    m[20:180, 45:47] = 1  # a 2 px line of its own
    got = sorted((round(x, 1), y0, y1, w) for x, y0, y1, w in _strokes(m, np))
    assert got == [(30.0, 10.0, 189.0, 1.0), (31.0, 50.0, 79.0, 1.0), (45.5, 20.0, 179.0, 2.0)]


def test_ink_near_a_line_end_but_apart_from_it_is_no_head():
    """A neighbour's head just over a frame's edge, a dot of the frame's side just under it:
    ink on both sides of the line's end, but not joined to the line."""
    from dicmodel.describe._geometry.raster.frame import _Frame
    from dicmodel.describe._geometry.raster.level import level_strokes

    ink = np.zeros((120, 200), np.uint8)
    ink[60, 10:150] = 1  # the frame's edge
    ink[50:58, 136:146] = 1  # a head above, two rows clear of it
    ink[63:70, 136:146] = 1  # a dot of the side below, two rows clear
    f = _Frame(np, cv2, 1.0, ink, 1.0, 16.0, words=[])
    _paths, heads = level_strokes(f)
    assert heads == []
    ink[50:58], ink[63:70] = 0, 0
    cv2.fillPoly(ink, [np.array([(149, 60), (139, 55), (139, 65)], np.int32)], 1)  # a real head
    _paths, heads = level_strokes(_Frame(np, cv2, 1.0, ink, 1.0, 16.0, words=[]))
    assert [(round(a.tip[0]), a.direction[0]) for a in heads] == [(149, 1.0)]


def _reply_under_a_wide_label(cross: bool) -> tuple[np.ndarray, list[Rect]]:
    """A dotted reply from the right lifeline to the left one, its label's box (as OCR gives
    it: generous) reaching down over the line and left over the head; with ``cross`` a dashed
    2 px lifeline between the two passes under the label, a dash of it fused with a dot of
    the reply and a letter above into one piece."""
    img = canvas(480, 200)
    for x in (60, 262, 420) if cross else (60, 420):
        for y in range(20, 190, 12):
            cv2.line(img, (x, y), (x, y + 5), LINE, 1)
    for x in range(61, 418, 6):  # the reply's 3 px dots, 3 px apart
        cv2.line(img, (x, 100), (x + 2, 100), LINE, 1)
    if cross:  # the lifeline's dash over a dot, run up into a letter of the label
        cv2.rectangle(img, (262, 86), (263, 102), LINE, -1)
        cv2.rectangle(img, (256, 80), (268, 88), (0, 0, 0), 2)
    _head(img, 61, 100, -1)
    words = [(58.0, 76.0, 400.0, 101.0)]
    return img, words


def test_head_of_a_dotted_reply_inside_its_label_box_is_not_a_letter():
    img, words = _reply_under_a_wide_label(cross=False)
    paths, heads = level_primitives(img, img, 1.0, words, np, cv2)
    assert len(heads) == 1 and abs(heads[0].tip[0] - 61) <= 2 and heads[0].direction[0] == -1.0
    dotted = [p for p in paths if p.dashed and abs(p.points[0][1] - 100) <= 1]
    assert len(dotted) == 1 and dotted[0].points[0][0] <= 63


def test_dotted_reply_crossing_a_lifeline_under_its_label_stays_one_line():
    img, words = _reply_under_a_wide_label(cross=True)
    paths, _heads = level_primitives(img, img, 1.0, words, np, cv2)
    level = [p for p in paths if abs(p.points[0][1] - 100) <= 1 and abs(p.points[-1][1] - 100) <= 1]
    assert len(level) == 1
    assert level[0].points[0][0] <= 63 and level[0].points[-1][0] >= 415


def test_the_level_reading_wins_when_it_finds_a_participant_more(monkeypatch):
    # PlantUML's actor 'User' at the left edge: its dashed lifeline broke up in the general
    # tracing, so that reading had 7 participants and 12 messages; the level strokes had all 8
    # and 13, not 'clearly more' messages, and the actor and its messages were lost
    from types import SimpleNamespace

    from dicmodel.describe._geometry import classify
    from dicmodel.diagram import Diagram, Message, Node

    def chart(names, n):
        nodes = [Node(id=f"p{k}", label=x, shape="participant") for k, x in enumerate(names)]
        msgs = [Message(source="p0", target=f"p{1 + k % (len(names) - 1)}", text=f"m{k}") for k in range(n)]
        return Diagram(kind="sequence", nodes=nodes, messages=msgs)

    names = ["API", "Operator", "Agent", "Proxy"]
    general, level = SimpleNamespace(level=None), SimpleNamespace()
    general.level = level
    readings = {id(general): chart(names, 12), id(level): chart(["User"] + names, 13)}
    monkeypatch.setattr(classify, "read_sequence", lambda p: readings[id(p)])
    assert [n.label for n in classify._read_sequence(general).nodes][0] == "User"
    readings[id(level)] = chart(["User"] + names, 11)  # fewer messages: the general one stays
    assert [n.label for n in classify._read_sequence(general).nodes][0] == "API"
