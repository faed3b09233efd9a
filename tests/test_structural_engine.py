"""The structural engine on figures drawn with PyMuPDF whose structure is known exactly."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

pymupdf = pytest.importorskip("pymupdf")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from dicmodel.describe._geometry.vector import extract_vector, page_inputs  # noqa: E402
from dicmodel.describe.base import FigureRequest, get_describer  # noqa: E402
from dicmodel.document import BBox, FigureKind, FigureType  # noqa: E402
from dicmodel.errors import ConfigError  # noqa: E402

BLACK = (0, 0, 0)


# ---- drawing helpers -----------------------------------------------------------------------

class Fig:
    """A one-page PDF figure built with PyMuPDF, read back as a FigureRequest."""

    def __init__(self, width: float = 600, height: float = 400):
        self.doc = pymupdf.open()
        self.page = self.doc.new_page(width=width, height=height)

    def box(self, x0, y0, x1, y1, label="", rounded=False, fill=None, size=10):
        r = pymupdf.Rect(x0, y0, x1, y1)
        self.page.draw_rect(r, color=BLACK, fill=fill, width=1, radius=0.2 if rounded else None)
        if label:
            self.text(label, (x0 + x1) / 2, (y0 + y1) / 2, size)
        return r

    def circle(self, cx, cy, r, label="", fill=None):
        self.page.draw_circle((cx, cy), r, color=BLACK, fill=fill, width=1)
        if label:
            self.text(label, cx, cy)

    def text(self, s, cx, cy, size=10, rotate=0):
        w = pymupdf.get_text_length(s, fontsize=size)
        self.page.insert_text((cx - w / 2, cy + size * 0.35), s, fontsize=size, rotate=rotate)

    def head(self, tip, frm, size=8):
        """A filled triangle arrowhead at ``tip`` pointing away from ``frm``."""
        dx, dy = tip[0] - frm[0], tip[1] - frm[1]
        n = math.hypot(dx, dy)
        ux, uy = dx / n, dy / n
        bx, by = tip[0] - ux * size, tip[1] - uy * size
        left = (bx - uy * size * 0.4, by + ux * size * 0.4)
        right = (bx + uy * size * 0.4, by - ux * size * 0.4)
        self.page.draw_polyline([tip, left, right], color=BLACK, fill=BLACK, closePath=True)

    def arrow(self, *points, dashed=False, head=True, tail=False):
        """A polyline connector; the head sits at the last point."""
        end = points[-1]
        prev = points[-2]
        stop = _back(end, prev, 8) if head else end
        pts = list(points[:-1]) + [stop]
        if tail:
            pts[0] = _back(points[0], points[1], 8)
        self.page.draw_polyline(pts, color=BLACK, width=1, dashes="[3 3] 0" if dashed else None)
        if head:
            self.head(end, prev)
        if tail:
            self.head(points[0], points[1])

    def curve(self, p0, c1, c2, p3, head=True):
        stop = _back(p3, c2, 8) if head else p3
        self.page.draw_bezier(p0, c1, c2, stop, color=BLACK, width=1)
        if head:
            self.head(p3, c2)

    def request(self, rotation: int = 0) -> FigureRequest:
        if rotation:
            self.page.set_rotation(rotation)
        doc = pymupdf.open("pdf", self.doc.tobytes())
        page = doc[0]
        drawings, spans = page_inputs(page)
        return FigureRequest(figure_id="t", kind=FigureKind.vector, drawings=drawings,
                             spans=spans, bbox=BBox(x0=0, y0=0, x1=page.rect.width,
                                                    y1=page.rect.height),
                             page_rotation=rotation)


def _back(tip, frm, d):
    dx, dy = tip[0] - frm[0], tip[1] - frm[1]
    n = math.hypot(dx, dy)
    return (tip[0] - dx / n * d, tip[1] - dy / n * d)


def read(fig: Fig, rotation: int = 0):
    r = fig.request(rotation)
    return build_diagram(extract_vector(r.drawings, r.spans, r.bbox,
                                        page_rotation=r.page_rotation), r.figure_type)


def edges_by_label(d):
    return {(d.label_of(e.source), d.label_of(e.target), e.directed) for e in d.edges}


# ---- flowcharts ------------------------------------------------------------------------------

def test_boxes_and_arrows_become_directed_edges_with_labels():
    f = Fig()
    f.box(50, 40, 150, 80, "Start")
    f.box(50, 160, 150, 200, "Check")
    f.box(300, 160, 400, 200, "Done")
    f.arrow((100, 80), (100, 160))
    f.arrow((150, 180), (300, 180))
    f.text("yes", 225, 172, size=8)
    reading = read(f)
    d = reading.diagram
    assert reading.figure_type is FigureType.flowchart
    assert {n.label for n in d.nodes} == {"Start", "Check", "Done"}
    assert edges_by_label(d) == {("Start", "Check", True), ("Check", "Done", True)}
    [labelled] = [e for e in d.edges if e.label]
    assert labelled.label == "yes" and d.label_of(labelled.target) == "Done"
    assert "Start" in d.to_mermaid() and "yes" in d.to_prose()


def test_a_label_that_breaks_its_line_labels_one_edge_but_a_bare_name_reached_around_is_a_node():
    f = Fig(640, 400)
    f.box(40, 80, 140, 120, "Core")
    f.box(480, 80, 580, 120, "Edge")
    f.page.draw_line((140, 100), (296, 100), color=BLACK)  # the line stops at its label ...
    f.text("10G", 310, 100, size=10)
    f.arrow((324, 100), (480, 100))                        # ... and goes on after it
    f.box(40, 280, 140, 320, "Left")
    f.box(250, 180, 350, 220, "Top")
    f.text("Hub", 300, 300, size=10)                       # a name with no outline, reached
    f.page.draw_line((140, 300), (283, 300), color=BLACK)  # from the left and from above
    f.page.draw_line((300, 220), (300, 292), color=BLACK)
    d = read(f).diagram
    [through] = [e for e in d.edges if e.label == "10G"]
    assert (d.label_of(through.source), d.label_of(through.target), through.directed) == ("Core", "Edge", True)
    assert "10G" not in {n.label for n in d.nodes} and "Hub" in {n.label for n in d.nodes}
    assert {frozenset((d.label_of(e.source), d.label_of(e.target))) for e in d.edges if not e.label} \
        >= {frozenset(("Left", "Hub")), frozenset(("Top", "Hub"))}


def test_crossing_edges_stay_apart():
    f = Fig()
    f.box(40, 40, 120, 80, "A")
    f.box(400, 40, 480, 80, "B")
    f.box(40, 300, 120, 340, "C")
    f.box(400, 300, 480, 340, "D")
    f.arrow((120, 80), (400, 300))  # A -> D
    f.arrow((400, 80), (120, 300))  # B -> C, crossing the first
    d = read(f).diagram
    assert edges_by_label(d) == {("A", "D", True), ("B", "C", True)}


def test_polyline_drawn_as_separate_segments_is_followed():
    f = Fig()
    f.box(40, 40, 120, 80, "Client")
    f.box(400, 200, 480, 240, "Server")
    # an elbow connector drawn as three separate line objects
    f.page.draw_line((120, 60), (250, 60), color=BLACK)
    f.page.draw_line((250, 60), (250, 220), color=BLACK)
    f.page.draw_line((250, 220), (392, 220), color=BLACK)
    f.head((400, 220), (250, 220))
    d = read(f).diagram
    assert edges_by_label(d) == {("Client", "Server", True)}


def test_curved_connector_and_self_loop():
    f = Fig()
    f.box(60, 150, 160, 190, "Idle")
    f.box(400, 150, 500, 190, "Busy")
    f.curve((160, 160), (250, 60), (320, 60), (400, 160))
    # a loop that leaves the top of Busy and comes back to its right side
    f.curve((470, 150), (480, 90), (560, 110), (500, 170))
    d = read(f).diagram
    assert edges_by_label(d) == {("Idle", "Busy", True), ("Busy", "Busy", True)}


def test_bidirectional_and_undirected_links():
    f = Fig()
    f.box(40, 40, 120, 80, "A")
    f.box(300, 40, 380, 80, "B")
    f.box(300, 200, 380, 240, "C")
    f.arrow((120, 60), (300, 60), tail=True)
    f.page.draw_line((340, 80), (340, 200), color=BLACK)
    d = read(f).diagram
    both = [e for e in d.edges if e.bidirectional]
    plain = [e for e in d.edges if not e.directed]
    assert len(both) == 1 and {d.label_of(both[0].source), d.label_of(both[0].target)} == {"A", "B"}
    assert len(plain) == 1 and {d.label_of(plain[0].source), d.label_of(plain[0].target)} == {"B", "C"}


def test_nested_groups_with_labels_and_members():
    f = Fig(600, 420)
    f.box(20, 20, 580, 400)
    f.text("Core network", 300, 34)
    f.box(40, 60, 300, 380)
    f.text("Control plane", 170, 74)
    f.box(80, 120, 200, 160, "AMF")
    f.box(80, 260, 200, 300, "SMF")
    f.box(400, 200, 520, 240, "UPF")
    f.arrow((140, 160), (140, 260))
    f.arrow((200, 280), (400, 220))
    d = read(f).diagram
    groups = {g.label: g for g in d.groups}
    assert set(groups) == {"Core network", "Control plane"}
    inner, outer = groups["Control plane"], groups["Core network"]
    assert inner.parent == outer.id
    assert {d.label_of(m) for m in inner.members} == {"AMF", "SMF"}
    assert "UPF" in {d.label_of(m) for m in outer.members}
    assert edges_by_label(d) == {("AMF", "SMF", True), ("SMF", "UPF", True)}


def test_rotated_page_reads_the_same_graph():
    f = Fig()
    f.box(50, 40, 150, 80, "Source")
    f.box(50, 200, 150, 240, "Sink")
    f.arrow((100, 80), (100, 200))
    straight = edges_by_label(read(f).diagram)
    g = Fig()
    g.box(50, 40, 150, 80, "Source")
    g.box(50, 200, 150, 240, "Sink")
    g.arrow((100, 80), (100, 200))
    turned = read(g, rotation=90)
    assert edges_by_label(turned.diagram) == straight == {("Source", "Sink", True)}


# ---- sequence, state, topology, stack --------------------------------------------------------

def _call_flow() -> Fig:
    f = Fig(600, 420)
    xs = {"UE": 100, "eNB": 300, "MME": 500}
    for name, x in xs.items():
        f.box(x - 40, 20, x + 40, 50, name)
        f.page.draw_line((x, 50), (x, 400), color=(0.4, 0.4, 0.4), dashes="[4 2] 0")
    rows = [("UE", "eNB", "RRC Connection Request", False), ("eNB", "MME", "Initial UE Message", False),
            ("MME", "eNB", "Initial Context Setup", True), ("eNB", "UE", "RRC Reconfiguration", False)]
    y = 100
    for a, b, text, dashed in rows:
        f.arrow((xs[a], y), (xs[b], y), dashed=dashed)
        f.text(text, (xs[a] + xs[b]) / 2, y - 8, size=9)
        y += 60
    # a self-message on the MME
    f.page.draw_polyline([(500, y), (540, y), (540, y + 20), (508, y + 20)], color=BLACK)
    f.head((500, y + 20), (540, y + 20))
    f.text("Authenticate", 545, y - 8, size=9)
    return f


def test_call_flow_messages_in_order_with_texts():
    reading = read(_call_flow())
    d = reading.diagram
    assert reading.figure_type is FigureType.sequence
    assert [n.label for n in d.nodes] == ["UE", "eNB", "MME"]
    got = [(d.label_of(m.source), d.label_of(m.target), m.text, m.reply) for m in d.messages]
    assert got == [("UE", "eNB", "RRC Connection Request", False),
                   ("eNB", "MME", "Initial UE Message", False),
                   ("MME", "eNB", "Initial Context Setup", True),
                   ("eNB", "UE", "RRC Reconfiguration", False),
                   ("MME", "MME", "Authenticate", False)]
    assert "UE sends" in d.to_prose()


def test_state_machine_with_start_and_end_markers():
    f = Fig(600, 300)
    f.circle(40, 150, 7, fill=BLACK)  # start
    f.box(100, 130, 200, 170, "Idle", rounded=True)
    f.box(320, 130, 420, 170, "Connected", rounded=True)
    f.circle(540, 150, 9)  # end: bullseye
    f.circle(540, 150, 5, fill=BLACK)
    f.arrow((47, 150), (100, 150))
    f.arrow((200, 140), (320, 140))
    f.text("attach", 260, 130, size=8)
    f.arrow((320, 162), (200, 162))
    f.text("detach", 260, 176, size=8)
    f.arrow((420, 150), (531, 150))
    reading = read(f)
    d = reading.diagram
    assert reading.figure_type is FigureType.state
    shapes = {n.shape for n in d.nodes}
    assert {"start", "end"} <= shapes
    trans = {(d.label_of(e.source), d.label_of(e.target), e.label) for e in d.edges}
    assert trans == {("start", "Idle", ""), ("Idle", "Connected", "attach"),
                     ("Connected", "Idle", "detach"), ("Connected", "end", "")}
    assert "[*] -->" in d.to_mermaid()


def test_topology_links_are_undirected_with_interface_labels():
    f = Fig(600, 300)
    f.box(40, 120, 140, 170, "R1")
    f.box(260, 120, 360, 170, "SW1")
    f.box(460, 120, 560, 170, "R2")
    f.page.draw_line((140, 145), (260, 145), color=BLACK)
    f.page.draw_line((360, 145), (460, 145), color=BLACK)
    f.text("eth0", 170, 137, size=8)
    f.text("eth1", 430, 137, size=8)
    reading = read(f)
    d = reading.diagram
    assert reading.figure_type is FigureType.topology
    assert all(not e.directed for e in d.edges)
    assert {frozenset((d.label_of(e.source), d.label_of(e.target))) for e in d.edges} == {
        frozenset(("R1", "SW1")), frozenset(("SW1", "R2"))}
    assert {e.label for e in d.edges} == {"eth0", "eth1"}


def test_protocol_stack_layers_top_to_bottom():
    f = Fig(300, 300)
    for i, name in enumerate(["NAS", "RRC", "PDCP", "RLC", "MAC", "PHY"]):
        f.box(50, 30 + i * 40, 250, 70 + i * 40, name)
    reading = read(f)
    assert reading.figure_type is FigureType.protocol_stack
    assert [n.label for n in reading.diagram.nodes] == ["NAS", "RRC", "PDCP", "RLC", "MAC", "PHY"]
    assert "from top to bottom" in reading.diagram.to_prose()


def test_chart_is_not_forced_into_a_graph():
    f = Fig(400, 300)
    f.page.draw_line((50, 250), (350, 250), color=BLACK)
    f.page.draw_line((50, 30), (50, 250), color=BLACK)
    for i, v in enumerate(["0", "10", "20", "30"]):
        f.text(v, 40, 250 - i * 60, size=8)
    for i, q in enumerate(["Q1", "Q2", "Q3"]):
        f.page.draw_rect(pymupdf.Rect(90 + i * 90, 150 - i * 40, 130 + i * 90, 250), fill=(0.3, 0.3, 0.8))
        f.text(q, 110 + i * 90, 262, size=8)
    f.text("Throughput per quarter", 200, 20, size=14)
    desc = get_describer("structural", ocr="none").describe([f.request()])[0]
    assert desc.figure_type is FigureType.chart
    assert desc.mermaid is None and desc.diagram is None
    assert "Throughput per quarter" in desc.text and "Q1, Q2, Q3" in desc.text


# ---- the describer ---------------------------------------------------------------------------

def test_describer_is_registered_and_validates_options():
    d = get_describer("structural")
    assert d.name == "structural"
    with pytest.raises(ConfigError, match="max_items"):
        get_describer("structural", max_items=0)
    with pytest.raises(ConfigError, match="ocr"):
        get_describer("structural", ocr="easyocr")


def test_batch_survives_a_bad_figure_and_is_deterministic():
    good = _call_flow().request()
    bad = FigureRequest(figure_id="bad", kind=FigureKind.vector,
                        drawings=[{"type": "s", "items": [("l", "not", "points")]}])
    raster = FigureRequest(figure_id="img", kind=FigureKind.raster, image=b"not a png")
    d = get_describer("structural", ocr="none")
    out = d.describe([good, bad, raster])
    assert len(out) == 3
    assert out[0].figure_type is FigureType.sequence and out[0].confidence > 0.5
    assert out[0].mermaid and out[0].mermaid.startswith("sequenceDiagram")
    assert out[0].describer.startswith("structural:")
    for failed in out[1:]:
        assert failed.confidence == 0.0 and failed.warnings
    again = d.describe([good])[0]
    assert again.text == out[0].text and again.mermaid == out[0].mermaid


def test_a_failed_figure_keeps_its_text_as_lines_of_words():
    from dicmodel.document import BBox, TextSpan

    words = [("Serving", 10, 58), ("Gateway", 60, 110), ("MME", 10, 40)]
    spans = [TextSpan(text=w, bbox=BBox(x0=x0, y0=y, x1=x1, y1=y + 10))
             for (w, x0, x1), y in zip(words, (10, 10, 40))]
    bad = FigureRequest(figure_id="bad", kind=FigureKind.vector, spans=spans,
                        drawings=[{"type": "s", "items": [("l", "not", "points")]}])
    out = get_describer("structural", ocr="none").describe([bad])[0]
    assert out.confidence == 0.0 and "structural reading failed" in out.warnings[0]
    # a PDF stores each word as a span: the label list joins the words of a line
    assert out.text == "Labels in the figure: Serving Gateway; MME."


def test_pathological_drawing_degrades_to_labels():
    from dicmodel.document import TextSpan

    items = [("l", (float(i % 500), 0.0), (float(i % 500), 10.0)) for i in range(100_000)]
    spans = [TextSpan(text="Label A", bbox=BBox(x0=10, y0=20, x1=50, y1=30), size=9)]
    req = FigureRequest(figure_id="big", kind=FigureKind.vector,
                        drawings=[{"type": "s", "items": items, "rect": (0, 0, 500, 10)}],
                        spans=spans, bbox=BBox(x0=0, y0=0, x1=500, y1=40))
    desc = get_describer("structural").describe([req])[0]
    assert any("max_items" in w for w in desc.warnings)
    assert "Label A" in desc.text and desc.mermaid is None


# ---- real renderers ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_pdf_round_trip(tmp_path):
    src = tmp_path / "g.dot"
    src.write_text('digraph { rankdir=LR; UE -> eNB [label="attach"]; eNB -> MME; MME -> SGW; '
                   'SGW -> PGW; eNB -> UE [label="paging"]; }')
    pdf = tmp_path / "g.pdf"
    subprocess.run(["dot", "-Tpdf", str(src), "-o", str(pdf)], check=True)
    page = pymupdf.open(pdf)[0]
    drawings, spans = page_inputs(page)
    reading = build_diagram(extract_vector(drawings, spans, tuple(page.rect)))
    d = reading.diagram
    assert {(d.label_of(e.source), d.label_of(e.target)) for e in d.edges} == {
        ("UE", "eNB"), ("eNB", "MME"), ("MME", "SGW"), ("SGW", "PGW"), ("eNB", "UE")}
    assert {e.label for e in d.edges} >= {"attach", "paging"}


# ---- drawings seen in the wild (devset renders) -------------------------------------------

def _wobbly(shape, a, b, k):
    """One loose stroke from a to b, bowed a little (rough.js draws each side twice)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    c1 = (a[0] + dx / 3 + k * 0.8, a[1] + dy / 3 - k * 0.6)
    c2 = (a[0] + 2 * dx / 3 - k * 0.5, a[1] + 2 * dy / 3 + k * 0.7)
    shape.draw_bezier(a, c1, c2, b)


def _sketch_box(f, x0, y0, x1, y1, label):
    s = f.page.new_shape()
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        _wobbly(s, (a[0] + 0.8, a[1] - 0.5), (b[0] - 0.6, b[1] + 0.4), 1)
        _wobbly(s, (a[0] - 0.5, a[1] + 0.7), (b[0] + 0.9, b[1] - 0.3), -1)
    s.finish(color=BLACK, width=1, closePath=False)
    s.commit()
    h = f.page.new_shape()  # hachure fill: many short strokes inside the box
    for x in range(int(x0) + 4, int(x1) - 4, 5):
        h.draw_line((x, y0 + 2), (x + 3, y1 - 2))
    h.finish(color=(0.2, 0.2, 0.2), width=2, closePath=False)
    h.commit()
    f.text(label, (x0 + x1) / 2, (y0 + y1) / 2)


def test_hand_drawn_look_reads_as_boxes_and_one_arrow():
    f = Fig(400, 300)
    _sketch_box(f, 40, 40, 160, 90, "Client")
    _sketch_box(f, 240, 180, 360, 230, "Server")
    s = f.page.new_shape()  # a connector stroked twice, in pieces that do not quite meet
    _wobbly(s, (100, 90), (101, 140), 1)
    _wobbly(s, (100.6, 90.4), (99.4, 141), -1)
    _wobbly(s, (101, 140), (290, 141), 1)
    _wobbly(s, (99.8, 141.5), (290.5, 139.6), -1)
    _wobbly(s, (290, 141), (300, 172), 1)
    _wobbly(s, (290.5, 139.6), (300.4, 171.5), -1)
    s.finish(color=BLACK, width=1, closePath=False)
    s.commit()
    f.head((300, 180), (300, 172))
    d = read(f).diagram
    assert sorted(n.label for n in d.nodes) == ["Client", "Server"]
    assert edges_by_label(d) == {("Client", "Server", True)}


def test_wide_group_around_small_labelled_nodes_is_a_group():
    f = Fig(800, 420)
    f.box(10, 10, 790, 410)
    f.text("Data centre", 400, 24)
    f.box(40, 200, 80, 220, "A", size=8)
    f.box(700, 200, 740, 220, "B", size=8)
    f.arrow((80, 210), (700, 210))
    d = read(f).diagram
    [g] = d.groups
    assert g.label == "Data centre"
    assert {d.label_of(m) for m in g.members} == {"A", "B"}
    assert edges_by_label(d) == {("A", "B", True)}


def test_rows_that_span_a_box_are_one_record_node():
    f = Fig(500, 300)
    f.box(40, 40, 200, 120)  # the entity's frame, then its rows
    f.box(320, 40, 460, 95)
    f.box(40, 40, 200, 70, "CUSTOMER")
    f.box(40, 70, 200, 95, "string name", size=8)
    f.box(40, 95, 200, 120, "int id", size=8)
    f.box(320, 40, 460, 70, "ORDER")
    f.box(320, 70, 460, 95, "int number", size=8)
    f.arrow((200, 80), (320, 80))
    # a crow's foot / ring threaded on the relation line is a cardinality mark, not a node
    f.page.draw_circle((260, 80), 4, color=BLACK, fill=(1, 1, 1))
    d = read(f).diagram
    assert not d.groups
    assert sorted(n.label for n in d.nodes) == ["CUSTOMER", "ORDER"]
    assert "CUSTOMER: string name; int id" in d.notes
    assert edges_by_label(d) == {("CUSTOMER", "ORDER", True)}


def test_marker_outline_pieces_are_not_nodes():
    f = Fig(400, 200)
    f.box(20, 80, 120, 120, "eNB")
    f.box(260, 80, 360, 120, "MME")
    f.arrow((120, 100), (260, 100))
    # Chromium also paints the marker's outline as a fill, split into small pieces
    f.page.draw_rect(pymupdf.Rect(252.5, 96.5, 256, 103.5), color=None, fill=BLACK)
    f.page.draw_rect(pymupdf.Rect(255.5, 97.5, 259.5, 102.5), color=None, fill=BLACK)
    d = read(f).diagram
    assert sorted(n.label for n in d.nodes) == ["MME", "eNB"]
    assert edges_by_label(d) == {("eNB", "MME", True)}


def test_class_box_ruled_into_compartments_is_named_by_its_header():
    f = Fig(500, 300)
    for x0, name, members in ((40, "Animal", ["+int age", "+mate()"]),
                              (300, "Duck", ["+String beak", "+swim()"])):
        f.box(x0, 40, x0 + 140, 160)
        f.text(name, x0 + 70, 55)
        f.page.draw_line((x0, 70), (x0 + 140, 70), color=BLACK)  # rules between compartments
        f.page.draw_line((x0, 110), (x0 + 140, 110), color=BLACK)
        f.text(members[0], x0 + 40, 90, size=8)
        f.text(members[1], x0 + 40, 130, size=8)
    f.arrow((300, 100), (180, 100))
    d = read(f).diagram
    assert sorted(n.label for n in d.nodes) == ["Animal", "Duck"]
    assert edges_by_label(d) == {("Duck", "Animal", True)}
    assert "Animal: +int age; +mate()" in d.notes


def test_coloured_background_is_not_a_node_that_swallows_the_graph():
    f = Fig(500, 300)
    f.page.draw_rect(pymupdf.Rect(30, 30, 470, 270), color=None, fill=(0.5, 0.5, 0.5))  # bgcolor
    f.circle(110, 140, 15)  # unlabelled nodes (Graphviz label=""): nothing marks a group
    f.circle(390, 140, 15)
    f.arrow((125, 140), (375, 140))
    d = read(f).diagram
    assert len(d.nodes) == 2 and not d.groups
    [e] = d.edges
    assert e.directed and {e.source, e.target} == {n.id for n in d.nodes}


def test_prose_names_unlabelled_elements_by_their_look_not_by_made_up_ids():
    f = Fig(500, 200)
    f.box(20, 80, 120, 120, "Parser")
    f.circle(300, 100, 20)
    f.arrow((120, 100), (280, 100))
    [desc] = get_describer("structural").describe([f.request()])
    assert "Parser leads to an unlabelled circle" in desc.text
    assert " n2" not in desc.text and "n2" in desc.mermaid  # the Mermaid keeps its ids


def test_wordless_artwork_is_a_logo_but_an_unlabelled_network_is_a_graph():
    seal = Fig(120, 120)  # a seal drawn as outlines: rings, a shield, glyph shapes, no text
    seal.page.draw_circle((60, 60), 50, color=BLACK)
    seal.page.draw_circle((60, 60), 40, color=BLACK)
    for k in range(12):
        a = 2 * math.pi * k / 12
        seal.page.draw_rect(pymupdf.Rect(60 + 45 * math.cos(a) - 2, 60 + 45 * math.sin(a) - 2,
                                         60 + 45 * math.cos(a) + 2, 60 + 45 * math.sin(a) + 2),
                            color=BLACK, fill=BLACK)
    seal.page.draw_polyline([(45, 40), (75, 40), (75, 70), (60, 85), (45, 70)], color=BLACK,
                            closePath=True)
    assert read(seal).figure_type is FigureType.logo

    net = Fig(400, 300)  # label="" nodes: no text, but every node is wired
    for x in (60, 200, 340):
        net.circle(x, 60, 14)
        net.circle(x, 240, 14)
        net.page.draw_line((x, 74), (x, 226), color=BLACK)
    net.page.draw_line((74, 60), (186, 60), color=BLACK)
    net.page.draw_line((214, 240), (326, 240), color=BLACK)
    r = read(net)
    assert r.figure_type is not FigureType.logo and len(r.diagram.edges) == 5


def test_large_wordless_shapes_that_hardly_connect_are_artwork():
    art = Fig(400, 300)  # a drawn wordmark: ten outlined shapes, one stroke joining two of them
    for k in range(10):
        x, y = 30 + (k % 5) * 75, 60 + (k // 5) * 120
        art.circle(x + 20, y + 20, 18)
    art.page.draw_line((68, 80), (87, 80), color=BLACK)
    assert read(art).figure_type is FigureType.logo  # 1 link among 10 shapes: <= 0.2 per shape

    wired = Fig(400, 300)  # the same shapes in a ring of links: a diagram with empty labels
    for k in range(10):
        x, y = 30 + (k % 5) * 75, 60 + (k // 5) * 120
        wired.circle(x + 20, y + 20, 18)
        if k % 5 < 4:
            wired.page.draw_line((x + 38, y + 20), (x + 77, y + 20), color=BLACK)
    assert read(wired).figure_type is not FigureType.logo


def test_a_uml_stereotype_over_a_class_name_is_not_part_of_the_name():
    f = Fig(500, 200)
    f.box(20, 60, 160, 130)
    f.text("«interface»", 90, 82)
    f.text("Shape", 90, 100)
    f.box(320, 60, 460, 130, "Circle")
    f.arrow((320, 95), (160, 95))
    d = read(f).diagram
    assert sorted(n.label for n in d.nodes) == ["Circle", "Shape"]
    assert "Shape: «interface»" in d.notes
    assert len(d.edges) == 1


def _icon_png():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (90, 90, 90)).save(buf, "PNG")
    return buf.getvalue()


def test_device_icons_are_nodes_named_by_the_text_under_them():
    f = Fig(500, 250)
    for cx, name in ((100, "Router A"), (400, "Router B")):
        f.page.insert_image(pymupdf.Rect(cx - 20, 80, cx + 20, 120), stream=_icon_png())
        f.text(name, cx, 132)
    f.page.draw_line((120, 100), (380, 100), color=BLACK)
    f.text("eth0 10.0.0.1/30", 250, 92, size=8)
    d = read(f).diagram
    assert sorted((n.label, n.shape) for n in d.nodes) == [("Router A", "device"),
                                                          ("Router B", "device")]
    [e] = d.edges
    assert e.label == "eth0 10.0.0.1/30" and not e.directed


def customer_entity(column_rule: bool = True) -> Fig:
    """An ER entity: a CUSTOMER title band over three rows of "type name" pairs, with or
    without the thin rule between the two columns (raster readings often lose it)."""
    f = Fig(300, 200)
    f.box(40, 20, 260, 170)
    f.text("CUSTOMER", 150, 35)
    for y, (typ, name) in zip((50, 90, 130), (("string", "name"), ("string", "email"), ("int", "age"))):
        f.box(40, y, 260, y + 40)
        if column_rule:
            f.page.draw_line((120, y), (120, y + 40), color=BLACK)
        f.text(typ, 80, y + 20, size=8)
        f.text(name, 190, y + 20, size=8)
    return f


def test_lone_entity_with_a_title_band_is_a_record_not_a_table():
    r = read(customer_entity())
    assert r.figure_type is not FigureType.table
    assert [n.label for n in r.diagram.nodes] == ["CUSTOMER"]
    assert any(n.startswith("CUSTOMER: string name") for n in r.diagram.notes)


def test_a_doubled_rule_does_not_make_a_three_row_table_out_of_one():
    # three horizontal strokes a point apart (one thick rule drawn as three) and two columns:
    # counted before merging they looked like three rows, and the record test then asked for
    # a second row that did not exist
    from dicmodel.describe._geometry.classify import read_figure
    from dicmodel.describe._geometry.table import find_tables
    from dicmodel.describe._geometry.primitives import Path, Primitives, Word

    p = Primitives(source="vector", width=200.0, height=100.0)
    p.paths = [Path([(0.0, y), (200.0, y)]) for y in (10.0, 11.0, 12.0)]
    p.paths += [Path([(x, 0.0), (x, 100.0)]) for x in (0.0, 200.0)]
    p.words = [Word(t, (20.0 + 40 * k, 40.0, 50.0 + 40 * k, 50.0)) for k, t in enumerate("abcd")]
    assert find_tables(p) == []
    assert read_figure(p).figure_type is not None  # no IndexError


def test_prose_capitalises_unnamed_elements_only_at_sentence_starts():
    from dicmodel.describe._geometry.describe_text import reading_prose
    from dicmodel.diagram import Diagram, Edge, Node

    d = Diagram(kind="flowchart",
                nodes=[Node(id="n1", label="", shape="circle"),
                       Node(id="n2", label="Reset: clear all; restart", shape="box"),
                       Node(id="n3", label="", shape="diamond")],
                edges=[Edge(source="n1", target="n2"),
                       Edge(source="n2", target="n3", label="done: an unlabelled thing")])
    text = reading_prose(FigureType.flowchart, d)
    assert "An unlabelled circle leads to" in text  # a sentence opens with it
    assert "starts at an unlabelled circle" in text  # mid-sentence it stays lower case
    # text of the figure's own after ':' or ';' is quoted as written
    assert "done: an unlabelled thing" in text and "clear all; restart" in text
    assert d.nodes[0].label == ""  # the Diagram (and its Mermaid) keep the ids


def test_fork_bar_rule_is_one_test_for_thin_and_thicker_bars():
    from dicmodel.describe._geometry.graph import _N, _bar

    def bar(w: float, h: float, filled: bool = True) -> bool:
        return _bar(_N(bbox=(0.0, 0.0, w, h), kind="rect", filled=filled))

    assert bar(60, 8)  # a vector bar: thin and three times as long
    assert bar(8, 60)  # standing
    assert bar(80, 14) and not bar(60, 14)  # a raster bar at 2x: thicker, so five times as long
    assert not bar(40, 20)  # a filled box
    assert not bar(60, 8, filled=False)  # an outline is no bar


def test_a_figure_read_as_other_gives_all_its_text_never_no_text():
    """Two arrows with no participants, one label boxed: the graph route types it `other`;
    its prose must give every label (it said 'no structure or text that could be read',
    TS 24.334 Figure 10.3.2.1.2.1)."""
    from dicmodel.describe._geometry.describe_text import reading_prose

    f = Fig()
    f.box(200, 10, 400, 30, "REPORT_LIST")
    f.arrow((80, 40), (540, 40))
    f.text("REPORT_LIST_RESPONSE (response-", 300, 80)
    f.text("reject)", 300, 95)
    f.arrow((540, 135), (80, 135))
    r = read(f)
    assert r.figure_type is FigureType.other
    text = reading_prose(r.figure_type, r.diagram, r.prose, "Figure 1: List sending")
    assert "REPORT_LIST_RESPONSE" in text and '"REPORT_LIST"' in text
    assert "no structure or text" not in text


def test_a_v_from_two_devices_up_to_the_name_under_a_server_is_two_links_to_the_server():
    # TS 38.300 Figure 4.7.1-1: each NG link pair is one dashed polyline from gNB up to the
    # point under AMF/UPF's name and down to IAB-donor; the point lay 9 points under the
    # server icon's box, so the V read as one link gNB - IAB-donor and AMF/UPF as unconnected
    f = Fig(500, 300)
    f.page.insert_image(pymupdf.Rect(230, 20, 270, 60), stream=_icon_png())
    f.text("AMF/UPF", 250, 68, size=9)
    for cx, name in ((100, "gNB"), (400, "IAB-donor")):
        f.page.insert_image(pymupdf.Rect(cx - 20, 200, cx + 20, 240), stream=_icon_png())
        f.text(name, cx, 252, size=9)
    f.page.draw_polyline([(110, 200), (250, 74.3), (390, 200)], color=BLACK, width=1,
                         dashes="[3 3] 0")
    f.page.draw_line((120, 220), (380, 220), color=BLACK)
    f.text("Xn", 250, 212, size=8)
    f.text("a)", 60, 280, size=14)  # the panel's letter, in a larger print: no title
    d = read(f).diagram
    pairs = sorted(tuple(sorted((d.label_of(e.source), d.label_of(e.target)))) for e in d.edges)
    assert pairs == [("AMF/UPF", "IAB-donor"), ("AMF/UPF", "gNB"), ("IAB-donor", "gNB")]
    assert d.title is None and "a)" in d.notes


def test_a_plain_line_drawn_behind_a_column_of_boxes_links_each_box_to_the_next():
    # TS 38.300 Figure 6.1-2: one line from ROHC down to Segm. ARQ, the Security box painted
    # over it; read as ROHC - Segm. ARQ with Security unconnected
    f = Fig(300, 300)
    f.page.draw_line((150, 60), (150, 240), color=BLACK, width=1)
    for y, name in ((30, "ROHC"), (120, "Security"), (240, "Segm. ARQ")):
        f.page.draw_rect(pymupdf.Rect(100, y, 200, y + 30), color=BLACK, fill=(1, 1, 1), width=1)
        f.text(name, 150, y + 15)
    # an arrow drawn through a box is a link labelled by it (a state transition's trigger)
    f.page.draw_rect(pymupdf.Rect(230, 30, 290, 60), color=BLACK, width=1)
    f.text("Idle", 260, 45)
    f.arrow((260, 60), (260, 240))
    f.page.draw_rect(pymupdf.Rect(230, 130, 290, 160), color=BLACK, fill=(1, 1, 1), width=1)
    f.text("- detach", 260, 145, size=8)
    f.page.draw_rect(pymupdf.Rect(230, 240, 290, 270), color=BLACK, width=1)
    f.text("Down", 260, 255)
    d = read(f).diagram
    pairs = sorted(tuple(sorted((d.label_of(e.source), d.label_of(e.target)))) for e in d.edges)
    assert ("ROHC", "Security") in pairs and ("Security", "Segm. ARQ") in pairs
    assert ("ROHC", "Segm. ARQ") not in pairs
    assert ("- detach", "Idle") not in pairs and ("- detach", "Down") not in pairs


def test_a_routed_link_that_passes_behind_a_box_is_one_link_past_it():
    # Mermaid draws its links under the nodes; a link routed across another node's box was
    # cut there into two links (devset 160-165 lost links); only one straight level or plumb
    # stroke, as a column of layers is drawn, is cut at the boxes it runs through
    f = Fig(400, 300)
    for (x, y), name in (((40, 30), "Alpha"), ((160, 130), "Beta"), ((300, 240), "Gamma")):
        f.page.draw_rect(pymupdf.Rect(x, y, x + 80, y + 30), color=BLACK, fill=(1, 1, 1), width=1)
        f.text(name, x + 40, y + 15)
    f.page.draw_polyline([(80, 60), (130, 145), (270, 145), (340, 240)], color=BLACK, width=1)
    f.page.draw_rect(pymupdf.Rect(160, 130, 240, 160), color=BLACK, fill=(1, 1, 1), width=1)
    f.text("Beta", 200, 145)
    d = read(f).diagram
    pairs = sorted(tuple(sorted((d.label_of(e.source), d.label_of(e.target)))) for e in d.edges)
    assert ("Alpha", "Gamma") in pairs and ("Alpha", "Beta") not in pairs


def test_a_dashed_boundary_line_names_the_links_that_cross_it():
    # TS 38.300's Layer 2 structures: a dashed line per service access point, its name at the
    # right end on a white label ("Radio Bearers"), across the links between two layers; the
    # names stood as unconnected elements
    f = Fig(400, 200)
    f.box(40, 20, 200, 50, "QoS flow handling")
    f.box(40, 130, 200, 160, "ROHC")
    f.page.draw_line((120, 50), (120, 130), color=BLACK, width=1)
    f.page.draw_line((20, 90), (290, 90), color=BLACK, width=0.5, dashes="[3 3] 0")
    f.page.draw_rect(pymupdf.Rect(260, 82, 360, 98), color=None, fill=(1, 1, 1))
    f.text("Radio Bearers", 310, 90, size=9)
    d = read(f).diagram
    [e] = d.edges
    assert {d.label_of(e.source), d.label_of(e.target)} == {"QoS flow handling", "ROHC"}
    assert e.label == "Radio Bearers"
    assert "Radio Bearers" not in [n.label for n in d.nodes]
