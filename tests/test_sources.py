"""Unit tests of the source-exact readers on small files built here (no devset needed)."""

from __future__ import annotations

import base64
import io
import urllib.parse
import zipfile
import zlib

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.errors import CorruptDocumentError, MissingExtraError, UnsupportedFormatError
from dicmodel.sources import detect_format, read_source, read_sources
from dicmodel.sources.vsdx import read_vsdx

# ---- Visio ----------------------------------------------------------------------------------

V_NS = "http://schemas.microsoft.com/office/visio/2012/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _shape(sid: int, text: str | None = None, one_d: bool = False, cells: str = "", sub: str = "",
           master: str | None = None) -> str:
    attrs = f" Master='{master}'" if master else ""
    body = "<Cell N='BeginX' V='0'/><Cell N='EndX' V='1'/>" if one_d else "<Cell N='PinX' V='1'/>"
    body += cells
    if sub:
        body += f"<Shapes>{sub}</Shapes>"
    if text is not None:
        body += f"<Text><cp IX='0'/>{text}\n</Text>"
    kind = "Group" if sub else "Shape"
    return f"<Shape ID='{sid}' Type='{kind}'{attrs}>{body}</Shape>"


def _connect(conn: int, cell: str, to: int) -> str:
    return f"<Connect FromSheet='{conn}' FromCell='{cell}' ToSheet='{to}' ToCell='PinX'/>"


def _vsdx(pages: dict[str, tuple[str, str]], masters: str = "") -> bytes:
    """pages: name -> (shapes XML, connects XML)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        plist, rels = [], []
        for k, (name, (shapes, connects)) in enumerate(pages.items(), 1):
            plist.append(f"<Page ID='{k}' NameU='{name}' Name='{name}'><Rel r:id='rId{k}'/></Page>")
            rels.append(f"<Relationship Id='rId{k}' Target='page{k}.xml' Type='page'/>")
            z.writestr(f"visio/pages/page{k}.xml", f"<PageContents xmlns='{V_NS}'><Shapes>{shapes}"
                       f"</Shapes><Connects>{connects}</Connects></PageContents>")
        z.writestr("visio/pages/pages.xml", f"<Pages xmlns='{V_NS}' xmlns:r='{R_NS}'>{''.join(plist)}</Pages>")
        z.writestr("visio/pages/_rels/pages.xml.rels",
                   "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
                   f"{''.join(rels)}</Relationships>")
        if masters:
            z.writestr("visio/masters/masters.xml", f"<Masters xmlns='{V_NS}' xmlns:r='{R_NS}'>"
                       "<Master ID='7' NameU='Dynamic connector'><Rel r:id='rId1'/></Master></Masters>")
            z.writestr("visio/masters/_rels/masters.xml.rels",
                       "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
                       "<Relationship Id='rId1' Target='master1.xml' Type='master'/></Relationships>")
            z.writestr("visio/masters/master1.xml", f"<MasterContents xmlns='{V_NS}'><Shapes>{masters}"
                       "</Shapes></MasterContents>")
    return buf.getvalue()


def _visio_sample() -> bytes:
    shapes = (_shape(1, "Client") + _shape(2, "Server") + _shape(3)  # 3 has no text
              + _shape(4, "Cluster", sub=_shape(5, "Node A") + _shape(6, "Node B"))
              + _shape(10, "request", one_d=True, cells="<Cell N='EndArrow' V='4'/>")
              + _shape(11, None, one_d=True)  # glued at the begin only
              + _shape(12, None, one_d=True)  # glued to the unlabelled shape 3
              + _shape(13, None, master="7"))  # 1-D through its master
    connects = (_connect(10, "BeginX", 1) + _connect(10, "EndX", 2) + _connect(11, "BeginX", 2)
                + _connect(12, "BeginX", 1) + _connect(12, "EndX", 3)
                + _connect(13, "BeginX", 5) + _connect(13, "EndX", 6))
    master = "<Shape ID='5'><Cell N='BeginX' V='0'/><Cell N='BeginArrow' V='1'/><Cell N='EndArrow' V='1'/></Shape>"
    second = (_shape(1, "Alone"), "")
    return _vsdx({"Overview": (shapes, connects), "Detail": second}, masters=master)


def test_vsdx_glue_loose_groups_labels_and_pages() -> None:
    parts = read_source(_visio_sample(), name="x.vsdx")
    assert [p.part for p in parts] == ["Overview", "Detail"]
    p = parts[0]
    d = p.diagram
    assert p.format == "vsdx"
    assert [n.label for n in d.nodes] == ["Client", "Server", "Cluster", "Node A", "Node B"]
    assert p.connectors_drawn == 4 and p.loose_connectors == 2
    assert 0.5 < p.confidence < 1.0
    by_pair = {(e.source, e.target): e for e in d.edges}
    assert set(by_pair) == {("1", "2"), ("5", "6")}
    req = by_pair[("1", "2")]
    assert req.label == "request" and req.directed and not req.bidirectional
    assert by_pair[("5", "6")].bidirectional  # arrows at both ends, inherited from the master
    [g] = d.groups
    assert g.label == "Cluster" and g.members == ["5", "6"]
    assert any("not glued" in w for w in p.warnings)
    assert any("unlabelled shape" in w for w in p.warnings)
    assert parts[1].diagram.nodes[0].label == "Alone" and parts[1].confidence == 1.0


def test_vsdx_begin_arrow_reverses_the_edge() -> None:
    shapes = _shape(1, "A") + _shape(2, "B") + _shape(3, None, one_d=True,
                                                      cells="<Cell N='BeginArrow' V='2'/>")
    data = _vsdx({"P": (shapes, _connect(3, "BeginX", 1) + _connect(3, "EndX", 2))})
    [e] = read_source(data, format="vsdx")[0].diagram.edges
    assert (e.source, e.target, e.directed) == ("2", "1", True)


def _placed(sid: int, text: str | None, x: float, y: float, w: float = 1.0, h: float = 0.5,
            angle: float = 0.0, sub: str = "") -> str:
    """A 2-D shape at (x, y) (its pin, the middle of the box), ``w`` x ``h`` inches."""
    cells = (f"<Cell N='PinX' V='{x}'/><Cell N='PinY' V='{y}'/><Cell N='Width' V='{w}'/>"
             f"<Cell N='Height' V='{h}'/><Cell N='LocPinX' V='{w / 2}'/><Cell N='LocPinY' V='{h / 2}'/>"
             f"<Cell N='Angle' V='{angle}'/>")
    body = cells + (f"<Shapes>{sub}</Shapes>" if sub else "")
    body += f"<Text><cp IX='0'/>{text}\n</Text>" if text is not None else ""
    return f"<Shape ID='{sid}' Type='{'Group' if sub else 'Shape'}'>{body}</Shape>"


def _line(sid: int, a: tuple[float, float], b: tuple[float, float], text: str | None = None) -> str:
    """A connector from a to b with its head at b."""
    cells = (f"<Cell N='BeginX' V='{a[0]}'/><Cell N='BeginY' V='{a[1]}'/><Cell N='EndX' V='{b[0]}'/>"
             f"<Cell N='EndY' V='{b[1]}'/><Cell N='EndArrow' V='4'/>")
    body = cells + (f"<Text><cp IX='0'/>{text}\n</Text>" if text is not None else "")
    return f"<Shape ID='{sid}' Type='Shape'>{body}</Shape>"


def test_vsdx_as_drawn_glues_ends_on_outlines_and_passes_through_junctions() -> None:
    # the SAI pipeline pages: a table's arrow glued into an unlabelled demultiplexer turned a
    # quarter (its outline inset in its box), whose branches start on its far side unglued
    # and end unglued just short of the branch tables; a loose leader ends nowhere near a shape
    shapes = (_placed(1, "Table", 1.0, 3.0) + _placed(2, None, 3.0, 3.0, w=2.0, h=0.4, angle=-1.5707963267949)
              + _placed(3, "Bridge", 6.0, 4.0) + _placed(4, "Router", 6.0, 2.0)
              + _placed(5, "Note", 1.0, 6.0)
              + _line(10, (1.5, 3.0), (2.8, 3.0))
              # (the demultiplexer's box spans x 2.8-3.2; its branches start 0.08 inside it)
              + _line(11, (3.12, 3.6), (5.47, 4.0), ".1D") + _line(12, (3.12, 2.4), (5.5, 2.03), "rif")
              + _line(13, (1.0, 5.75), (1.0, 4.5)))
    connects = _connect(10, "BeginX", 1) + _connect(10, "EndX", 2)
    data = _vsdx({"P": (shapes, connects)})
    exact = read_source(data, format="vsdx")[0]
    assert exact.diagram.edges == [] and exact.loose_connectors == 4
    p = read_vsdx(data, as_drawn=True)[0]
    label = {n.id: n.label for n in p.diagram.nodes}
    assert {(label[e.source], label[e.target], e.label) for e in p.diagram.edges} == {
        ("Table", "Bridge", ".1D"), ("Table", "Router", "rif")}
    assert all(e.directed for e in p.diagram.edges)


def test_vsdx_as_drawn_keeps_a_stroke_along_one_shape_loose_and_reads_groups_in_page_space() -> None:
    # a line drawn on a box's own side touches it at both ends: no self-link; a sub-shape's
    # pin is in its group's frame, so the group's position moves it on the page
    inner = _placed(21, "Inner", 0.5, 0.5)
    shapes = (_placed(1, "Box", 1.0, 1.0) + _placed(20, None, 5.5, 5.5, w=1.0, h=1.0, sub=inner)
              + _line(10, (0.5, 0.8), (0.5, 1.2)) + _line(11, (1.5, 1.0), (4.97, 5.5)))
    p = read_vsdx(_vsdx({"P": (shapes, "")}), as_drawn=True)[0]
    label = {n.id: n.label for n in p.diagram.nodes}
    assert [(label[e.source], label[e.target]) for e in p.diagram.edges] == [("Box", "Inner")]


# ---- PowerPoint -----------------------------------------------------------------------------

P_NS = ("xmlns:p='http://schemas.openxmlformats.org/presentationml/2006/main' "
        "xmlns:a='http://schemas.openxmlformats.org/drawingml/2006/main' "
        f"xmlns:r='{R_NS}'")


def _sp(sid: int, text: str, ph: str = "") -> str:
    nvpr = f"<p:nvPr><p:ph type='{ph}'/></p:nvPr>" if ph else "<p:nvPr/>"
    body = f"<p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody>" if text else ""
    return (f"<p:sp><p:nvSpPr><p:cNvPr id='{sid}' name='s{sid}'/><p:cNvSpPr/>{nvpr}</p:nvSpPr>"
            f"<p:spPr><a:prstGeom prst='rect'/></p:spPr>{body}</p:sp>")


def _cxn(cid: int, start: int | None, end: int | None, ln: str = "") -> str:
    st = f"<a:stCxn id='{start}' idx='0'/>" if start else ""
    en = f"<a:endCxn id='{end}' idx='0'/>" if end else ""
    return (f"<p:cxnSp><p:nvCxnSpPr><p:cNvPr id='{cid}' name='c{cid}'/><p:cNvCxnSpPr>{st}{en}"
            f"</p:cNvCxnSpPr><p:nvPr/></p:nvCxnSpPr><p:spPr>{ln}</p:spPr></p:cxnSp>")


def _pptx(slides: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        ids = "".join(f"<p:sldId id='{256 + k}' r:id='rId{k}'/>" for k in range(1, len(slides) + 1))
        z.writestr("ppt/presentation.xml", f"<p:presentation {P_NS}><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>")
        # slide files in reverse order: the part name follows the deck order, not the file name
        rels = "".join(f"<Relationship Id='rId{k}' Target='slides/slide{len(slides) + 1 - k}.xml' Type='slide'/>"
                       for k in range(1, len(slides) + 1))
        z.writestr("ppt/_rels/presentation.xml.rels",
                   f"<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>{rels}</Relationships>")
        for k, tree in enumerate(slides, 1):
            z.writestr(f"ppt/slides/slide{len(slides) + 1 - k}.xml",
                       f"<p:sld {P_NS}><p:cSld><p:spTree>{tree}</p:spTree></p:cSld></p:sld>")
    return buf.getvalue()


def test_pptx_connectors_groups_placeholders_and_arrows() -> None:
    arrow = "<a:ln><a:tailEnd type='triangle'/><a:prstDash val='dash'/></a:ln>"
    head = "<a:ln><a:headEnd type='arrow'/></a:ln>"
    group = ("<p:grpSp><p:nvGrpSpPr><p:cNvPr id='20' name='Group 20'/><p:cNvGrpSpPr/><p:nvPr/>"
             f"</p:nvGrpSpPr><p:grpSpPr/>{_sp(4, 'UPF')}{_sp(5, 'SMF')}</p:grpSp>")
    slide1 = (_sp(1, "Slide title", ph="title") + _sp(2, "gNB") + _sp(3, "AMF") + _sp(6, "")
              + group + _cxn(10, 2, 3, arrow) + _cxn(11, 4, 5, head) + _cxn(12, 2, None)
              + _cxn(13, 2, 6))
    slide2 = _sp(2, "only")
    parts = read_source(_pptx([slide1, slide2]), format="pptx")
    assert [p.part for p in parts] == ["slide-1", "slide-2"]
    p = parts[0]
    d = p.diagram
    assert d.title == "Slide title"
    assert [n.label for n in d.nodes] == ["gNB", "AMF", "UPF", "SMF"]  # title placeholder is no node
    assert p.connectors_drawn == 4 and p.loose_connectors == 2
    e1, e2 = d.edges
    assert (e1.source, e1.target, e1.directed, e1.style) == ("2", "3", True, "dotted")
    assert (e2.source, e2.target, e2.directed) == ("5", "4", True)  # headEnd: arrow at the start
    [g] = d.groups
    assert g.members == ["4", "5"] and g.label == ""
    assert parts[1].diagram.nodes[0].label == "only"


def test_pptx_slide_subset() -> None:
    from dicmodel.sources.pptx import read_pptx

    data = _pptx([_sp(2, "one"), _sp(2, "two"), _sp(2, "three")])
    parts = read_pptx(data, slides=[3])
    assert [(p.part, p.diagram.nodes[0].label) for p in parts] == [("slide-3", "three")]



def test_pptx_hidden_shapes_are_not_read() -> None:
    """Shapes hidden in the selection pane are not on the slide: not nodes, not edges."""
    from dicmodel.sources.pptx import read_pptx

    hidden = _sp(4, "Hidden").replace("name='s4'", "name='s4' hidden='1'")
    cxn = _cxn(5, 2, 3).replace("name='c5'", "name='c5' hidden='1'")
    [part] = read_pptx(_pptx([_sp(2, "A") + _sp(3, "B") + hidden + cxn + _cxn(6, 2, 4)]))
    assert [n.label for n in part.diagram.nodes] == ["A", "B"]
    assert not part.diagram.edges and part.connectors_drawn == 1

# ---- draw.io --------------------------------------------------------------------------------

MODEL = """<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>
<mxCell id="c" value="Core network" style="swimlane;" vertex="1" parent="1"/>
<mxCell id="a" value="&lt;b&gt;AMF&lt;/b&gt;&lt;br&gt;access" style="rounded=1;html=1;" vertex="1" parent="c"/>
<UserObject id="s" label="SMF &amp;amp; co"><mxCell style="ellipse;html=1;" vertex="1" parent="c"/></UserObject>
<mxCell id="u" value="UE" style="shape=umlActor;" vertex="1" parent="1"/>
<mxCell id="t" value="free text" style="text;html=1;" vertex="1" parent="1"/>
<mxCell id="blank" value="" style="rounded=0;" vertex="1" parent="1"/>
<mxCell id="e1" value="" style="endArrow=none;startArrow=classic;dashed=1;" edge="1" parent="1" source="u" target="a"/>
<mxCell id="l1" value="N1" style="edgeLabel;html=1;" vertex="1" parent="e1"/>
<mxCell id="e2" value="N11" style="endArrow=none;" edge="1" parent="1" source="a" target="s"/>
<mxCell id="e3" edge="1" parent="1" source="u"/>
<mxCell id="e4" edge="1" parent="1" source="u" target="blank"/>
</root></mxGraphModel>"""


def _mxfile(compressed: bool) -> str:
    if not compressed:
        return f'<mxfile><diagram name="Arch">{MODEL}</diagram><diagram name="Empty">' \
               '<mxGraphModel><root><mxCell id="0"/></root></mxGraphModel></diagram></mxfile>'
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = co.compress(urllib.parse.quote(MODEL).encode()) + co.flush()
    return f'<mxfile><diagram name="Arch">{base64.b64encode(raw).decode()}</diagram></mxfile>'


def _check_drawio_page(p) -> None:
    d = p.diagram
    assert p.part == "Arch" and p.format == "drawio"
    assert {n.id: n.label for n in d.nodes} == {"c": "Core network", "a": "AMF access",
                                                 "s": "SMF & co", "u": "UE"}
    assert d.node("s").shape == "ellipse" and d.node("u").shape == "actor"
    assert d.notes == ["free text"]
    e1, e2 = d.edges
    # only a start arrow: the edge points from the target back to the source
    assert (e1.source, e1.target, e1.label, e1.style, e1.directed) == ("a", "u", "N1", "dotted", True)
    assert (e2.source, e2.target, e2.label, e2.directed) == ("a", "s", "N11", False)
    assert p.connectors_drawn == 4 and p.loose_connectors == 2
    [g] = d.groups
    assert g.label == "Core network" and g.members == ["a", "s"]


@pytest.mark.parametrize("compressed", [False, True])
def test_drawio_xml_plain_and_compressed(compressed: bool) -> None:
    parts = read_source(_mxfile(compressed).encode(), name="net.drawio")
    _check_drawio_page(parts[0])
    if not compressed:
        assert [p.part for p in parts] == ["Arch", "Empty"] and not parts[1].diagram.nodes


def test_drawio_html_label_leaves_out_text_the_render_hides() -> None:
    """draw.io keeps a pasted clipboard payload in zero-size, transparent spans: not shown, not read."""
    from dicmodel.sources._model import html_text

    value = ('<span>query(a,&nbsp;</span><span>b);</span>'
             '<span style="color: rgba(0 , 0 , 0 , 0) ; font-size: 0px">%3CmxGraphModel%3E</span>'
             '<div style="display:none">old text</div><span style="font-size: 11px">shown </span>'
             '<span style="background-color: rgba(0, 0, 0, 0)">on clear</span><br>next')
    assert html_text(value) == "query(a, b); shown on clear next"
    model = MODEL.replace('value="&lt;b&gt;AMF&lt;/b&gt;&lt;br&gt;access"',
                          'value="AMF&lt;span style=&quot;font-size:0px&quot;&gt;junk&lt;/span&gt;"')
    parts = read_source(f'<mxfile><diagram name="A">{model}</diagram></mxfile>'.encode(), name="n.drawio")
    assert parts[0].diagram.node("a").label == "AMF"


@pytest.mark.parametrize("zipped", [False, True])
def test_drawio_png_chunk(zipped: bool) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    text = _mxfile(True)
    info.add_text("mxfile", urllib.parse.quote(text) if not zipped else text, zip=zipped)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG", pnginfo=info)
    data = buf.getvalue()
    assert detect_format(data) == "drawio"
    _check_drawio_page(read_source(data)[0])
    plain = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(plain, "PNG")
    assert detect_format(plain.getvalue()) is None
    with pytest.raises(UnsupportedFormatError):
        read_source(plain.getvalue(), format="drawio")


def test_drawio_svg_content() -> None:
    from xml.sax.saxutils import quoteattr

    svg = f'<svg xmlns="http://www.w3.org/2000/svg" content={quoteattr(_mxfile(False))}><g/></svg>'
    assert detect_format(svg.encode()) == "drawio"
    _check_drawio_page(read_source(svg.encode(), name="x.drawio.svg")[0])


# ---- PlantUML -------------------------------------------------------------------------------

SEQ = """@startuml Attach
!include common.iuml
title Registration
autonumber
actor UE
participant "gNB\\nbase station" as gNB #yellow
participant AMF as "Access and Mobility"
database UDM
== Setup ==
UE -> gNB : RRC Setup Request
activate gNB
gNB --> UE: RRC Setup
UE ->> gNB: Registration Request
gNB -[#red]> AMF ++ : Initial UE Message
alt success
  AMF -> UDM: Get subscription
  UDM --> AMF: subscription
else failure
  AMF ->x UDM: abort
end
note over AMF, UDM
  lookup by SUPI
end note
...
AMF <- UDM : late
[-> UE : paging
AMF -> SMF: create session
@enduml
"""

COMP = """@startuml
' a comment
skinparam component {
  BackgroundColor white
}
package "Control plane" {
  [AMF] as amf
  component "SMF" as smf #white
}
node UPF
cloud Internet
[gNB] --> amf : N2
amf ..> smf : N11
smf - UPF
UPF -[#blue]-> Internet : N6
UPF <--> [gNB] : N3
amf -[hidden]> UPF
@enduml
@startuml second
[A] -> [B]
@enduml
"""


def test_plantuml_sequence() -> None:
    [p] = read_source(SEQ.encode(), name="flow.puml")
    d = p.diagram
    assert p.part == "Attach" and d.kind == "sequence" and d.title == "Registration"
    assert [(n.id, n.label) for n in d.nodes] == [
        ("UE", "UE"), ("gNB", "gNB base station"), ("AMF", "Access and Mobility"), ("UDM", "UDM"),
        ("SMF", "SMF")]
    assert d.node("UE").shape == "actor" and d.node("UDM").shape == "cylinder"
    msgs = [(m.source, m.target, m.text, m.reply, m.arrow) for m in d.messages]
    assert msgs == [
        ("UE", "gNB", "RRC Setup Request", False, "filled"),
        ("gNB", "UE", "RRC Setup", True, "filled"),
        ("UE", "gNB", "Registration Request", False, "open"),
        ("gNB", "AMF", "Initial UE Message", False, "filled"),
        ("AMF", "UDM", "Get subscription", False, "filled"),
        ("UDM", "AMF", "subscription", True, "filled"),
        ("AMF", "UDM", "abort", False, "cross"),
        ("UDM", "AMF", "late", False, "filled"),
        ("AMF", "SMF", "create session", False, "filled"),
    ]
    assert p.connectors_drawn == 9 and p.confidence == 1.0
    assert "lookup by SUPI" in d.notes
    assert any("paging" in n for n in d.notes)  # the message from the border is kept as a note
    assert any("!include" in w for w in p.warnings)


def test_plantuml_component_and_blocks() -> None:
    first, second = read_source(COMP.encode(), name="arch.puml")
    assert (first.part, second.part) == ("block-1", "second")
    d = first.diagram
    assert d.kind == "flowchart"
    assert {n.id: n.label for n in d.nodes} == {"Control plane": "Control plane", "amf": "AMF",
                                                 "smf": "SMF", "UPF": "UPF", "Internet": "Internet",
                                                 "gNB": "gNB"}
    [g] = d.groups
    assert g.label == "Control plane" and g.members == ["amf", "smf"]
    edges = [(e.source, e.target, e.label, e.directed, e.bidirectional, e.style) for e in d.edges]
    assert edges == [("gNB", "amf", "N2", True, False, "solid"),
                     ("amf", "smf", "N11", True, False, "dotted"),
                     ("smf", "UPF", "", False, False, "solid"),
                     ("UPF", "Internet", "N6", True, False, "solid"),
                     ("UPF", "gNB", "N3", True, True, "solid")]
    assert first.connectors_drawn == 5  # the hidden link is not drawn
    assert any("[hidden]" in w for w in first.warnings)
    assert [(e.source, e.target) for e in second.diagram.edges] == [("A", "B")]


def test_plantuml_without_block_is_refused() -> None:
    with pytest.raises(UnsupportedFormatError):
        read_source(b"A -> B", format="plantuml")


# ---- detection, errors, batch ---------------------------------------------------------------

def test_detect_and_errors(tmp_path) -> None:
    assert detect_format("a/b.drawio.png") == "drawio"
    assert detect_format("x.VSDX") == "vsdx" and detect_format("x.vsd") == "vsd"
    assert detect_format("flow.puml") == "plantuml" and detect_format("deck.pptx") == "pptx"
    assert detect_format(_visio_sample()) == "vsdx"
    assert detect_format(b"@startuml\nA -> B\n@enduml") == "plantuml"
    assert detect_format(b"hello") is None
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert detect_format(ole) is None  # an OLE file with no Visio stream (a .doc, ...)
    assert detect_format(ole + "VisioDocument".encode("utf-16-le")) == "vsd"
    with pytest.raises(UnsupportedFormatError):
        read_source(b"hello")
    with pytest.raises(CorruptDocumentError):
        read_source(b"PK\x03\x04 not a zip", format="vsdx")
    with pytest.raises(CorruptDocumentError):
        read_source(b"<mxfile><diagram>%%%</diagram></mxfile>", format="drawio")
    txt = tmp_path / "flow.txt"
    txt.write_text(SEQ)
    assert detect_format(txt) == "plantuml"
    res = read_sources([_visio_sample(), b"hello", SEQ.encode()])
    assert len(res[0]) == 2 and isinstance(res[1], UnsupportedFormatError) and res[2][0].part == "Attach"


def test_vsd_needs_libreoffice(monkeypatch) -> None:
    from dicmodel.sources import vsd

    monkeypatch.setattr(vsd.shutil, "which", lambda name: None)
    with pytest.raises(MissingExtraError, match="apt-get install libreoffice-draw"):
        vsd.soffice_path()
    with pytest.raises(UnsupportedFormatError):
        vsd.unwrap_ole(b"not ole")


def test_odg_reader_keeps_labels_and_counts_lines() -> None:
    """What LibreOffice makes of a .vsd: text in shapes and frames, lines with arrow markers."""
    from dicmodel.sources.vsd import read_odg

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"')
    content = (f'<office:document-content {ns}><office:automatic-styles>'
               '<style:style style:name="gr9"><style:graphic-properties draw:marker-end="Arrow"/>'
               '</style:style></office:automatic-styles><office:body><office:drawing>'
               '<draw:page draw:name="Page-1"><draw:g><draw:polygon><text:p/></draw:polygon>'
               '<draw:frame><draw:text-box><text:p>UE</text:p></draw:text-box></draw:frame></draw:g>'
               '<draw:custom-shape><text:p>AMF</text:p><text:p>(serving)</text:p></draw:custom-shape>'
               '<draw:line draw:style-name="gr9"/><draw:path draw:style-name="gr1"/>'
               '</draw:page></office:drawing></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("content.xml", content)
    [p] = read_odg(buf.getvalue())
    assert p.part == "Page-1" and [n.label for n in p.diagram.nodes] == ["UE", "AMF (serving)"]
    assert p.connectors_drawn == 1 and p.loose_connectors == 1 and p.confidence <= 0.5
    assert not p.diagram.edges


# ---- describer and pipeline -----------------------------------------------------------------

def test_structural_describer_reads_the_source_first() -> None:
    engine = get_describer("structural", ocr="none")
    good = FigureRequest(figure_id="f1", source_format="drawio", source_data=_mxfile(False).encode(),
                         source_part="Arch", caption="Figure 1: core")
    bad = FigureRequest(figure_id="f2", source_format="vsdx", source_data=b"PK broken")
    seq = FigureRequest(figure_id="f3", source_format="plantuml", source_data=SEQ.encode())
    d1, d2, d3 = engine.describe([good, bad, seq])
    assert d1.describer.endswith(":source-drawio")
    assert d1.diagram is not None and len(d1.diagram.edges) == 2 and "AMF access" in d1.text
    assert d1.mermaid and "AMF access" in d1.mermaid
    assert d1.confidence == 0.75  # two of four connectors glued
    assert any("not glued" in w for w in d1.warnings)
    assert d2.describer == engine.describer_id  # fell back to the geometry path
    assert any("could not be read" in w for w in d2.warnings)
    assert d3.figure_type.value == "sequence" and len(d3.diagram.messages) == 9


def test_a_mostly_unglued_source_leaves_the_links_to_the_figure_geometry() -> None:
    """3GPP message charts embed Visio sources whose lines are not glued: with the figure's own
    geometry at hand, the describer reads that instead of a linkless source diagram; alone (a
    direct .vsdx input) the source is still read, with its loose connectors reported."""
    shapes = (_shape(1, "UE") + _shape(2, "AMF")
              + "".join(_shape(10 + k, None, one_d=True) for k in range(3)))  # three loose lines
    d1, d2 = _with_and_without_geometry(_vsdx({"Flow": (shapes, "")}))
    assert not d1.describer.endswith(":source-vsdx")
    assert any("3 of 3 connectors are not glued" in w for w in d1.warnings)
    assert d2.describer.endswith(":source-vsdx") and d2.confidence == 0.45  # labels only: capped


def test_a_source_with_labels_and_no_structure_leaves_the_figure_to_its_geometry() -> None:
    """TS 29.244 Figure 4.1-1 embeds a Visio page of two protocol stacks whose peer lines are
    plain lines, not connectors: the source knows the labels only. It was described from the
    source as a label list at confidence 1.0; with the figure's geometry at hand that is read
    instead, and alone the source's label list is not confident."""
    d1, d2 = _with_and_without_geometry(_vsdx({"Stacks": (_shape(1, "PFCP") + _shape(2, "UDP"), "")}))
    assert not d1.describer.endswith(":source-vsdx")
    assert any("no glued connector or group" in w for w in d1.warnings)
    assert d2.describer.endswith(":source-vsdx") and d2.figure_type.value == "other"
    assert d2.confidence <= 0.45 and '"PFCP"' in d2.text


def _with_and_without_geometry(data: bytes) -> list:
    """The describer's readings of one embedded .vsdx with the figure's picture at hand and
    alone (a direct .vsdx input)."""
    engine = get_describer("structural", ocr="none")
    with_geometry = FigureRequest(figure_id="g", source_format="vsdx", source_data=data,
                                  image=_tiny_png())
    alone = FigureRequest(figure_id="a", source_format="vsdx", source_data=data)
    return engine.describe([with_geometry, alone])


def _tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    return buf.getvalue()


def test_convert_direct_sources(tmp_path) -> None:
    from dicmodel.pipeline import convert, source_kind, supported

    path = tmp_path / "net.drawio"
    path.write_text(_mxfile(False))
    png = tmp_path / "plain.png"
    from PIL import Image

    Image.new("RGB", (4, 4)).save(png)
    vsdx = tmp_path / "d.vsdx"
    vsdx.write_bytes(_visio_sample())
    assert source_kind(path) == "source" and source_kind(png) == "image"
    assert source_kind(tmp_path / "deck.pptx") == "office"
    assert supported(path) and supported(vsdx)
    doc = convert(vsdx)
    assert [f.page for f in doc.figures] == [1, 2] and [p.number for p in doc.pages] == [1, 2]
    f = doc.figures[0]
    assert f.kind.value == "vector" and f.source_format == "vsdx" and f.source_part == "Overview"
    assert f.caption == "Overview" and f.description.describer.endswith(":source-vsdx")
    assert len({f.id for f in doc.figures}) == 2
    doc2 = convert(path)
    assert len(doc2.figures) == 2 and doc2.figures[0].description.diagram is not None


THREEGPP = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "3gpp"


@pytest.mark.slow
def test_vsd_from_a_3gpp_spec_through_libreoffice() -> None:
    """Real .vsd objects embedded in a 3GPP spec, converted in one LibreOffice run."""
    import shutil

    docx = THREEGPP / "38300-gl0.docx"
    if not docx.is_file() or not shutil.which("soffice"):
        pytest.skip("needs ../shared/3gpp/38300-gl0.docx and LibreOffice")
    with zipfile.ZipFile(docx) as z:
        names = sorted(n for n in z.namelist() if n.startswith("word/embeddings/") and n.endswith(".vsd"))[:3]
        blobs = [z.read(n) for n in names]
    assert blobs
    res = read_sources(blobs, format="vsd")
    for parts in res:
        assert not isinstance(parts, Exception), parts
        assert parts and all(p.format == "vsd" and p.confidence <= 0.5 for p in parts)
        assert any(p.diagram.nodes for p in parts)


def test_describer_reads_a_batch_of_vsd_in_one_run(monkeypatch) -> None:
    """Embedded .vsd sources of one describe batch share one LibreOffice run; a .vsd whose
    lines lost their glue leaves the links to the geometry, one without lines is read as is."""
    from dicmodel.describe import _source
    from dicmodel.diagram import Diagram
    from dicmodel.sources import _model, vsd

    calls = []

    def fake_many(sources, names=None, timeout=600, as_drawn=False):
        calls.append(len(sources))
        out = []
        for data in sources:
            d = Diagram(kind="flowchart")
            for label in data.decode().split(","):
                d.add_node(label, label)
            lines = 2 if data.startswith(b"lines") else 0
            out.append([_model.finish("vsd", "page-1", d, lines)])
        return out

    monkeypatch.setattr(vsd, "read_vsd_many", fake_many)
    monkeypatch.setattr(_source, "_CACHE", type(_source._CACHE)())
    engine = get_describer("structural", ocr="none")
    reqs = [FigureRequest(figure_id="a", source_format="vsd", source_data=b"lines,UE,AMF"),
            FigureRequest(figure_id="b", source_format="vsd", source_data=b"PDCP,RLC,MAC,PHY")]
    d_lines, d_stack = engine.describe(reqs)
    assert calls == [2]
    assert d_lines.describer == engine.describer_id  # links left to the geometry
    assert any("glue is lost" in w for w in d_lines.warnings)
    assert d_stack.describer.endswith(":source-vsd") and "PDCP" in d_stack.text
    engine.describe(reqs)
    assert calls == [2]  # cached


def test_source_figure_type_rules() -> None:
    from dicmodel.describe._source import source_figure_type
    from dicmodel.diagram import Diagram, Edge, Group
    from dicmodel.document import FigureType

    d = Diagram(kind="flowchart")
    for n in "abcd":
        d.add_node(n, n.upper())
    assert source_figure_type(d) is FigureType.other
    d.groups = [Group(id="g", members=["a", "b", "c"])]
    assert source_figure_type(d) is FigureType.architecture
    d.edges = [Edge(source="a", target="b", directed=False), Edge(source="b", target="c", directed=False)]
    assert source_figure_type(d) is FigureType.topology
    d.edges = [Edge(source="a", target="b"), Edge(source="b", target="c")]
    assert source_figure_type(d) is FigureType.flowchart
    assert source_figure_type(d, FigureType.state) is FigureType.state
    assert source_figure_type(Diagram(kind="sequence")) is FigureType.sequence


def test_pptx_shapes_inside_alternate_content() -> None:
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    wrapped = (f"<mc:AlternateContent xmlns:mc='{mc}'><mc:Choice Requires='p14'>{_sp(3, 'wrapped')}"
               f"</mc:Choice><mc:Fallback>{_sp(3, 'fallback')}</mc:Fallback></mc:AlternateContent>")
    [p] = read_source(_pptx([_sp(2, "plain") + wrapped + _cxn(9, 2, 3)]), format="pptx")
    assert [n.label for n in p.diagram.nodes] == ["plain", "wrapped"] and len(p.diagram.edges) == 1


def test_plantuml_return_replies_to_the_caller() -> None:
    text = """@startuml
participant Client as C
participant Server as S
participant DB
C -> S ++ : get
S -> DB : query
activate DB
return rows
return 200 OK
return nothing left
@enduml"""
    [p] = read_source(text.encode(), format="plantuml")
    msgs = [(m.source, m.target, m.text, m.reply) for m in p.diagram.messages]
    assert msgs == [("C", "S", "get", False), ("S", "DB", "query", False),
                    ("DB", "S", "rows", True), ("S", "C", "200 OK", True)]
    assert any("'return'" in w for w in p.warnings)


def test_import_sources_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, dicmodel.sources; "
            "print(' '.join(m for m in ('olefile', 'lxml', 'pptx', 'docx', 'fitz', 'pymupdf', "
            "'dicmodel.sources.vsdx', 'dicmodel.sources.vsd', 'dicmodel.sources.plantuml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_structural_describer_reads_an_embedded_visio_page_as_drawn() -> None:
    # TS 38.300 Figure 16.1.3-1 (an embedded Visio object): PDCP's arrows to its two RLC
    # entities end on the RLC boxes unglued; read by the glue, PDCP stood unconnected
    shapes = (_placed(1, "PDCP", 3.0, 5.0, w=3.0) + _placed(2, "RLC primary", 2.0, 3.5)
              + _placed(3, "RLC secondary", 4.0, 3.5)
              + _line(10, (2.0, 4.75), (2.0, 3.75)) + _line(11, (4.0, 4.75), (4.0, 3.77)))
    data = _vsdx({"Page-1": (shapes, "")})
    req = FigureRequest(figure_id="f", source_format="vsdx", source_data=data, source_part="Page-1")
    [d] = get_describer("structural").describe([req])
    label = {n.id: n.label for n in d.diagram.nodes}
    assert {(label[e.source], label[e.target]) for e in d.diagram.edges} == {
        ("PDCP", "RLC primary"), ("PDCP", "RLC secondary")}
    assert d.describer.endswith("source-vsdx") and d.confidence == 1.0
