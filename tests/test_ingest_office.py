"""DOCX/PPTX ingest: every figure kind built in code is found with its caption and the right kind.

The DOCX holds a DrawingML PNG picture, a DrawingML WMF picture, a VML PNG picture, an embedded
Visio object with a WMF preview, a chart, SmartArt, a grouped drawing, a figure drawn as a Word
table, and 3GPP styles (Heading 1 with clause numbers, TF captions). The WMF is built here by
hand (a placeable Windows metafile: two boxes with text joined by a line). Tests that convert
it need LibreOffice and skip, saying so, without ``soffice``.
"""

from __future__ import annotations

import copy
import io
import itertools
import struct

import pytest

docx = pytest.importorskip("docx")
pptx = pytest.importorskip("pptx")

from dicmodel.document import BlockType, FigureKind
from dicmodel.ingest.office import ingest_office
from dicmodel.ingest.office.metafile import find_soffice

needs_lo = pytest.mark.skipif(find_soffice() is None,
                              reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-draw")

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
          'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
          'xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
          'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"')


# ------------------------------------------------------------------ test files, built in code
def png_bytes(w: int = 120, h: int = 60) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(im).rectangle((10, 10, w - 10, h - 10), outline="black", width=2)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _rec(func: int, *words: int, raw: bytes = b"") -> bytes:
    body = struct.pack(f"<{len(words)}h", *words) + raw
    return struct.pack("<IH", 3 + len(body) // 2, func) + body


def wmf_bytes(labels: tuple[str, str] = ("AMF", "SMF")) -> bytes:
    """A placeable WMF (1440 units per inch): two boxes with a label each, joined by a line."""
    font = struct.pack("<5h8B", -200, 0, 0, 0, 400, 0, 0, 0, 0, 0, 0, 0, 0) + b"Arial".ljust(32, b"\0")
    recs = [_rec(0x020B, 0, 0), _rec(0x020C, 1440, 2880),  # window origin, extent (y, x)
            _rec(0x02FB, raw=font), _rec(0x012D, 0)]  # create + select the font
    for x0, text in ((100, labels[0]), (1900, labels[1])):
        recs.append(_rec(0x041B, 900, x0 + 880, 300, x0))  # rectangle: bottom, right, top, left
        s = text.encode().ljust(len(text) + len(text) % 2, b"\0")
        recs.append(_rec(0x0521, len(text), raw=s + struct.pack("<hh", 500, x0 + 150)))  # textout y, x
    recs += [_rec(0x0214, 600, 980), _rec(0x0213, 600, 1900), _rec(0x0000)]  # moveto, lineto, EOF
    body = b"".join(recs)
    header = struct.pack("<HHHIHIH", 1, 9, 0x0300, (18 + len(body)) // 2, 1, max(len(r) for r in recs) // 2, 0)
    words = struct.pack("<IH4hHI", 0x9AC6CDD7, 0, 0, 0, 2880, 1440, 1440, 0)
    check = 0
    for (v,) in struct.iter_unpack("<H", words[:20]):
        check ^= v
    return words + struct.pack("<H", check) + header + body


def _part(doc, name: str, ctype: str, blob: bytes, reltype: str) -> str:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(PackURI(name), ctype, blob, doc.part.package)
    return doc.part.relate_to(part, reltype)


def _xml(fragment: str):
    from docx.oxml import parse_xml

    return parse_xml(f"<w:p {NSDECL}>{fragment}</w:p>")


def _inline(graphic: str, cx: int = 2000000, cy: int = 1000000) -> str:
    return (f'<w:r><w:drawing><wp:inline><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="9" name="g"/>'
            f'<a:graphic>{graphic}</a:graphic></wp:inline></w:drawing></w:r>')


def _append(doc, p) -> None:
    doc.element.body.insert(len(doc.element.body) - 1, p)  # before the final sectPr


def _shape_xml(x: int, text: str) -> str:
    return (f'<wps:wsp><wps:spPr><a:xfrm><a:off x="{x}" y="0"/><a:ext cx="900000" cy="400000"/></a:xfrm>'
            '<a:prstGeom prst="rect"/></wps:spPr><wps:txbx><w:txbxContent><w:p><w:r><w:t>'
            f'{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>')


SMARTART = (f'<dgm:dataModel {NSDECL}><dgm:ptLst>'
            '<dgm:pt modelId="0" type="doc"/>'
            '<dgm:pt modelId="1"><dgm:t><a:p><a:r><a:t>5GC</a:t></a:r></a:p></dgm:t></dgm:pt>'
            '<dgm:pt modelId="2"><dgm:t><a:p><a:r><a:t>AMF</a:t></a:r></a:p></dgm:t></dgm:pt>'
            '<dgm:pt modelId="3"><dgm:t><a:p><a:r><a:t>SMF</a:t></a:r></a:p></dgm:t></dgm:pt>'
            '</dgm:ptLst><dgm:cxnLst>'
            '<dgm:cxn modelId="10" srcId="0" destId="1" srcOrd="0" destOrd="0"/>'
            '<dgm:cxn modelId="11" srcId="1" destId="2" srcOrd="0" destOrd="0"/>'
            '<dgm:cxn modelId="12" srcId="1" destId="3" srcOrd="1" destOrd="0"/>'
            '</dgm:cxnLst></dgm:dataModel>')


def build_docx() -> bytes:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.shared import Pt
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xmlwriter import ChartXmlWriter
    from pptx.enum.chart import XL_CHART_TYPE

    doc = docx.Document()
    doc.styles.add_style("TF", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("4.1\tGeneral", style="Heading 1")
    doc.add_paragraph("The AMF serves the UE. As Figure 4.1-2 shows, the AMF talks to the SMF.")
    doc.add_paragraph("first point", style="List Bullet")
    # 1: DrawingML PNG picture, TF caption after it
    doc.add_picture(io.BytesIO(png_bytes()), width=Pt(120))
    doc.add_paragraph("Figure 4.1-1: A PNG picture", style="TF")
    # 2: DrawingML WMF picture (a PNG's drawing re-pointed at a WMF part)
    doc.add_picture(io.BytesIO(png_bytes(60, 40)), width=Pt(100))
    wmf_rid = _part(doc, "/word/media/image90.wmf", "image/x-wmf", wmf_bytes(), RT.IMAGE)
    blip = doc.paragraphs[-1]._p.xpath(".//a:blip")[0]
    blip.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed", wmf_rid)
    doc.add_paragraph("Figure 4.1-2: A WMF picture", style="TF")
    # 3: VML picture
    vml_rid, _ = doc.part.get_or_add_image(io.BytesIO(png_bytes(100, 50)))
    _append(doc, _xml(f'<w:r><w:pict><v:shape style="width:100pt;height:50pt"><v:imagedata r:id="{vml_rid}"/>'
                      '</v:shape></w:pict></w:r>'))
    doc.add_paragraph("Figure 4.1-3: A VML picture", style="TF")
    # 4: embedded Visio object with a WMF preview
    prev = _part(doc, "/word/media/image91.wmf", "image/x-wmf", wmf_bytes(("UPF", "DN")), RT.IMAGE)
    emb = _part(doc, "/word/embeddings/Microsoft_Visio_Drawing1.vsdx", "application/vnd.ms-visio.drawing",
                b"PK\x03\x04 not a real vsdx", RT.PACKAGE)
    _append(doc, _xml(f'<w:r><w:object><v:shape style="width:200pt;height:100pt"><v:imagedata r:id="{prev}"/>'
                      f'</v:shape><o:OLEObject Type="Embed" ProgID="Visio.Drawing.15" r:id="{emb}"/>'
                      '</w:object></w:r>'))
    doc.add_paragraph("Figure 4.1-4: An embedded Visio object", style="TF")
    # 5: chart
    data = CategoryChartData()
    data.categories = ["Q1", "Q2"]
    data.add_series("Latency ms", (1.5, 2.5))
    chart_rid = _part(doc, "/word/charts/chart1.xml",
                      "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
                      ChartXmlWriter(XL_CHART_TYPE.COLUMN_CLUSTERED, data).xml.encode(), RT.CHART)
    _append(doc, _xml(_inline('<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
                              f'<c:chart r:id="{chart_rid}"/></a:graphicData>')))
    doc.add_paragraph("Figure 4.1-5: A chart", style="TF")
    # 6: SmartArt (the data model part only: that is what the ingest reads)
    dm = _part(doc, "/word/diagrams/data1.xml",
               "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
               SMARTART.encode(), RT.DIAGRAM_DATA)
    _append(doc, _xml(_inline('<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">'
                              f'<dgm:relIds r:dm="{dm}" r:lo="" r:qs="" r:cs=""/></a:graphicData>')))
    doc.add_paragraph("Figure 4.1-6: SmartArt", style="TF")
    # 7: a grouped drawing: two boxes and an arrow
    group = ('<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"><wpg:wgp>'
             '<wpg:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2900000" cy="400000"/>'
             '<a:chOff x="0" y="0"/><a:chExt cx="2900000" cy="400000"/></a:xfrm></wpg:grpSpPr>'
             + _shape_xml(0, "NRF") + _shape_xml(2000000, "NEF") +
             '<wps:wsp><wps:cNvCnPr/><wps:spPr><a:xfrm><a:off x="900000" y="200000"/><a:ext cx="1100000" cy="0"/>'
             '</a:xfrm><a:prstGeom prst="straightConnector1"/><a:ln><a:tailEnd type="triangle"/></a:ln>'
             '</wps:spPr><wps:bodyPr/></wps:wsp></wpg:wgp></a:graphicData>')
    _append(doc, _xml(_inline(group, 2900000, 400000)))
    doc.add_paragraph("Figure 4.1-7: A grouped drawing", style="TF")
    # 8: a figure drawn as a Word table
    table = doc.add_table(rows=2, cols=2)
    for i, t in enumerate(["Octet 1", "Spare", "Octet 2", "Length"]):
        table.cell(i // 2, i % 2).text = t
    doc.add_paragraph("Figure 4.1-8: Message format", style="TF")
    # 9: a caption written above its figure, as plain text (not 3GPP)
    doc.add_paragraph("Figure 9: Caption above")
    doc.add_picture(io.BytesIO(png_bytes(80, 80)), width=Pt(80))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return build_docx()


def _by_label(doc):
    return {f.label: f for f in doc.figures if f.label}


# ------------------------------------------------------------------ DOCX
def test_docx_text_blocks(docx_bytes):
    from dicmodel.ingest import IngestOptions

    doc = ingest_office(docx_bytes, IngestOptions(render_crops=False), suffix="docx")
    heading = next(b for b in doc.blocks if b.type is BlockType.heading)
    assert (heading.text, heading.level, heading.page) == ("4.1 General", 1, 1)
    assert any(b.type is BlockType.list_item and b.text == "first point" for b in doc.blocks)
    table = next(b for b in doc.blocks if b.type is BlockType.table)
    assert table.markdown.splitlines()[0] == "| Octet 1 | Spare |"
    # captions moved onto their figures are not body text
    assert not any(b.text.startswith("Figure 4.1-1") for b in doc.blocks)
    assert doc.metadata["styles"] == "3gpp"


def test_docx_every_figure_kind_without_libreoffice(docx_bytes, monkeypatch):
    """No LibreOffice: metafile figures keep caption and block, and an ItemError names the package."""
    from dicmodel.ingest import IngestOptions

    monkeypatch.setenv("DICMODEL_SOFFICE", "/nonexistent/soffice")
    doc = ingest_office(docx_bytes, IngestOptions(render_crops=False), suffix="docx")
    figs = _by_label(doc)
    assert set(figs) == {"4.1-1", "4.1-2", "4.1-3", "4.1-4", "4.1-5", "4.1-6", "4.1-7", "9"}
    assert figs["4.1-1"].kind is FigureKind.raster and figs["4.1-1"].image is not None
    assert figs["4.1-3"].kind is FigureKind.raster and figs["4.1-3"].image is not None
    assert figs["9"].caption == "Figure 9: Caption above"
    # embedded Visio object: the source travels with the figure
    assert figs["4.1-4"].source_format == "vsdx"
    assert figs["4.1-4"].source_data.startswith(b"PK") and figs["4.1-4"].source_part is None
    # metafiles: crop-less, never dropped, with the reason
    for label in ("4.1-2", "4.1-4"):
        fig = figs[label]
        assert fig.image is None
        err = next(e for e in doc.errors if e.figure_id == fig.id)
        assert "apt-get install libreoffice-draw" in err.message
    block_ids = {b.figure_id for b in doc.blocks if b.type is BlockType.figure}
    assert {f.id for f in doc.figures} <= block_ids
    # the caption of a figure drawn as a Word table: an ItemError that says so
    table_err = [e for e in doc.errors if "4.1-8" in e.message]
    assert table_err and "Word table" in table_err[0].message
    # the citing sentence is the WMF figure's context; the section is the heading
    assert figs["4.1-2"].context == ["As Figure 4.1-2 shows, the AMF talks to the SMF."]
    assert figs["4.1-2"].section == "4.1 General"


def test_docx_chart_smartart_group(docx_bytes):
    doc = ingest_office(docx_bytes, suffix="docx")
    figs = _by_label(doc)
    chart = figs["4.1-5"].description
    assert chart.figure_type.value == "chart"
    assert "| Category | Latency ms |" in chart.text and "| Q2 | 2.5 |" in chart.text
    smart = figs["4.1-6"].description.diagram
    labels = {n.id: n.label for n in smart.nodes}
    assert sorted(labels.values()) == ["5GC", "AMF", "SMF"]
    assert sorted((labels[e.source], labels[e.target]) for e in smart.edges) == [("5GC", "AMF"), ("5GC", "SMF")]
    group = figs["4.1-7"]
    assert group.kind is FigureKind.vector and group.image is not None
    assert [s.text for s in group.spans] == ["NRF", "NEF"]
    assert any(d["items"][0][0] == "l" for d in group.drawings)  # the connector
    assert sum(1 for d in group.drawings if d["items"][0][0] == "re") == 2


def test_describe_keeps_file_data_and_reads_group(docx_bytes, monkeypatch):
    """The describe stage keeps chart/SmartArt data read from the file and reads the group's
    shapes as a diagram (NRF -> NEF)."""
    from dicmodel.pipeline import describe_document

    monkeypatch.setenv("DICMODEL_SOFFICE", "/nonexistent/soffice")
    doc = describe_document(ingest_office(docx_bytes, suffix="docx"), "structural", ocr="none")
    figs = _by_label(doc)
    assert figs["4.1-5"].description.describer.startswith("ingest:")
    d = figs["4.1-7"].description.diagram
    assert d is not None
    names = {n.id: n.label for n in d.nodes}
    assert [(names[e.source], names[e.target]) for e in d.edges] == [("NRF", "NEF")]


@needs_lo
@pytest.mark.slow
def test_docx_metafiles_become_vector_figures(docx_bytes, monkeypatch):
    from dicmodel.ingest.office import metafile

    calls = []
    run = metafile._run_soffice
    monkeypatch.setattr(metafile, "_run_soffice", lambda *a: calls.append(a[1]) or run(*a))
    monkeypatch.setattr(metafile, "_CACHE", type(metafile._CACHE)())
    doc = ingest_office(docx_bytes, suffix="docx")
    assert [len(files) for files in calls] == [2]  # one LibreOffice run for both metafiles
    again = ingest_office(docx_bytes, suffix="docx")
    assert len(calls) == 1 and len(again.figures) == len(doc.figures)  # the second read is cached
    figs = _by_label(doc)
    for label, words in (("4.1-2", {"AMF", "SMF"}), ("4.1-4", {"UPF", "DN"})):
        fig = figs[label]
        assert fig.kind is FigureKind.vector, label
        assert words <= {s.text for s in fig.spans}, label  # text stays text
        assert fig.drawings and fig.image and fig.image.startswith(b"\x89PNG")
        for s in fig.spans:  # spans lie in the figure's own frame
            assert fig.bbox.contains(s.bbox, tol=2)
    assert figs["4.1-4"].source_format == "vsdx"  # preview read, source kept
    assert not [e for e in doc.errors if e.figure_id in (figs["4.1-2"].id, figs["4.1-4"].id)]
    assert doc.metadata["figure_routes"]["metafile"] == 2


@needs_lo
@pytest.mark.slow
def test_corrupt_metafile_costs_only_its_figure():
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.shared import Pt

    d = docx.Document()
    d.add_picture(io.BytesIO(png_bytes()), width=Pt(100))
    good = d.paragraphs[-1]._p
    bad = copy.deepcopy(good)
    rid = _part(d, "/word/media/image95.wmf", "image/x-wmf", b"\xd7\xcd\xc6\x9a" + b"\x00" * 40, RT.IMAGE)
    bad.xpath(".//a:blip")[0].set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed", rid)
    _append(d, bad)
    d.add_paragraph("Figure 2: broken metafile")
    buf = io.BytesIO()
    d.save(buf)
    doc = ingest_office(buf.getvalue(), suffix="docx")
    assert len(doc.figures) == 2
    broken = _by_label(doc)["2"]
    assert [e.figure_id for e in doc.errors] == [broken.id]
    assert doc.figures[0].image is not None


def test_missing_extra_and_bad_input(tmp_path, monkeypatch):
    import sys

    from dicmodel.errors import CorruptDocumentError, MissingExtraError, UnsupportedFormatError

    with pytest.raises(CorruptDocumentError):
        ingest_office(b"PK\x03\x04garbage", suffix="docx")
    with pytest.raises(UnsupportedFormatError):
        ingest_office(tmp_path / "none.docx")
    monkeypatch.setitem(sys.modules, "docx", None)
    with pytest.raises(MissingExtraError, match=r"dicmodel\[office\]"):
        ingest_office(build_docx_min(), suffix="docx")


def test_options_that_do_not_apply(docx_bytes, pptx_bytes, monkeypatch):
    from dicmodel.errors import ConfigError, EncryptedDocumentError
    from dicmodel.ingest import IngestOptions

    monkeypatch.setenv("DICMODEL_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ConfigError, match="pages"):
        ingest_office(docx_bytes, IngestOptions(pages="1"), suffix="docx")
    with pytest.raises(EncryptedDocumentError):
        ingest_office(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, suffix="docx")
    doc = ingest_office(pptx_bytes, IngestOptions(pages="2"), suffix="pptx")
    assert [p.number for p in doc.pages] == [2] and {f.page for f in doc.figures} == {2}


def build_docx_min() -> bytes:
    buf = io.BytesIO()
    docx.Document().save(buf)
    return buf.getvalue()


def test_pipeline_routes_docx(docx_bytes, tmp_path, monkeypatch):
    import dicmodel

    monkeypatch.setenv("DICMODEL_SOFFICE", "/nonexistent/soffice")
    path = tmp_path / "spec.docx"
    path.write_bytes(docx_bytes)
    doc = dicmodel.convert(path, describer="text")
    assert doc.metadata["ingest"] == "dicmodel.office"
    assert all(f.description is not None for f in doc.figures)


# ------------------------------------------------------------------ PPTX
def build_pptx() -> bytes:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
    from pptx.util import Emu, Inches, Pt

    deck = pptx.Presentation()
    s1 = deck.slides.add_slide(deck.slide_layouts[1])
    s1.shapes.title.text = "Overview"
    s1.placeholders[1].text_frame.text = "The core has an AMF"
    rows = s1.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    for i, t in enumerate(["NF", "Role", "AMF", "Access"]):
        rows.cell(i // 2, i % 2).text = t
    s2 = deck.slides.add_slide(deck.slide_layouts[5])
    s2.shapes.title.text = "Flow"
    boxes = []
    for i, label in enumerate(["UE", "AMF", "SMF"]):
        box = s2.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(1 + 3 * i), Inches(3), Inches(1.5), Inches(1))
        box.text_frame.text = label
        boxes.append(box)
    for a, b in itertools.pairwise(boxes):
        c = s2.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, 0, 0, 0, 0)
        c.begin_connect(a, 3)
        c.end_connect(b, 1)
    s2.shapes.add_picture(io.BytesIO(png_bytes(40, 40)), Inches(4.2), Inches(3.1), width=Inches(0.5))  # an icon
    cap = s2.shapes.add_textbox(Inches(1), Inches(5), Inches(6), Inches(0.5))
    cap.text_frame.text = "Figure 2: Registration flow"
    s3 = deck.slides.add_slide(deck.slide_layouts[6])
    s3.shapes.add_picture(io.BytesIO(png_bytes()), Inches(1), Inches(1), width=Inches(2))
    data = CategoryChartData()
    data.categories = ["2023", "2024"]
    data.add_series("Cells", (10, 20))
    s3.shapes.add_chart(XL_CHART_TYPE.LINE, Inches(4), Inches(1), Inches(4), Inches(3), data)
    grp = s3.shapes.add_group_shape()
    grp.shapes.add_shape(MSO_SHAPE.OVAL, Inches(1), Inches(5), Inches(1), Inches(1)).text_frame.text = "gNB"
    assert Emu and Pt  # units imported for readers of this builder
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pptx_bytes() -> bytes:
    return build_pptx()


def test_pptx_slides_text_tables_figures(pptx_bytes, monkeypatch):
    monkeypatch.setenv("DICMODEL_SOFFICE", "/nonexistent/soffice")
    doc = ingest_office(pptx_bytes, suffix="pptx")
    assert [p.number for p in doc.pages] == [1, 2, 3]
    heads = [(b.page, b.text) for b in doc.blocks if b.type is BlockType.heading]
    assert heads == [(1, "Overview"), (2, "Flow")]
    assert any(b.type is BlockType.list_item and b.text == "The core has an AMF" for b in doc.blocks)
    assert any(b.type is BlockType.table and "| AMF | Access |" in b.markdown for b in doc.blocks)
    flow = _by_label(doc)["2"]
    assert flow.page == 2 and flow.caption == "Figure 2: Registration flow"
    assert (flow.source_format, flow.source_part, flow.source_data) == ("pptx", "slide-2", pptx_bytes)
    assert {s.text for s in flow.spans} == {"UE", "AMF", "SMF"}
    assert sum(1 for d in flow.drawings if d["items"] and d["items"][0][0] == "l") >= 2
    assert [d["type"] for d in flow.drawings].count("image") == 1  # the icon is a node of the drawing
    assert [f.page for f in doc.figures].count(2) == 1  # ... not a figure of its own
    assert flow.image is not None  # drawn from the shapes when LibreOffice is absent
    on3 = [f for f in doc.figures if f.page == 3]
    kinds = sorted(f.description.figure_type.value if f.description else f.kind.value for f in on3)
    assert kinds == ["chart", "raster", "vector"]
    chart = next(f for f in on3 if f.description)
    assert "| 2024 | 20 |" in chart.description.text
    assert next(f for f in on3 if f.kind is FigureKind.vector and not f.description).spans[0].text == "gNB"


@needs_lo
@pytest.mark.slow
def test_pptx_slide_crop_from_libreoffice(pptx_bytes):
    from PIL import Image

    doc = ingest_office(pptx_bytes, suffix="pptx")
    flow = _by_label(doc)["2"]
    w, h = Image.open(io.BytesIO(flow.image)).size
    assert abs(w / h - flow.bbox.width / flow.bbox.height) < 0.1
    assert not [e for e in doc.errors if e.figure_id == flow.id]
