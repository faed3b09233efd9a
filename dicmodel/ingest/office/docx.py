"""DOCX -> Document: the body walked in order through python-docx's lxml tree.

Paragraphs become headings (``Heading 1..9``; 3GPP writes "4.2.3<tab>Title"), list items
(numbered paragraphs, ``List*`` and 3GPP ``B1..B5`` styles), code (3GPP ``PL``), captions
(3GPP ``TF`` figure titles and ``TH`` table titles, or text starting "Figure x.y-z:") and text;
tables become Markdown tables. Every figure kind in the package is found:

- DrawingML pictures (``a:blip r:embed``) and VML pictures (``v:imagedata r:id``);
- embedded objects (``w:object``: the ``v:imagedata`` preview is the crop, the embedded part
  (``word/embeddings/*.vsd|*.vsdx|oleObject*.bin``) goes to ``Figure.source_data`` when it is
  a Visio drawing, for :mod:`dicmodel.sources` to read exactly);
- drawing canvases and grouped shapes (``wpc:wpc``, ``wpg:wgp``: one vector figure each);
- charts (``c:chart``: the series as a data table) and SmartArt (``dgm``: a hierarchy).

EMF/WMF pictures and previews are converted to vector PDF pages by LibreOffice, one process
for the whole document (see :mod:`.metafile`). Content in ``mc:Fallback`` duplicates its
``mc:Choice`` and is skipped.
"""

from __future__ import annotations

import re
from typing import Any

from ...document import BlockType, FigureKind, Page
from ...errors import CorruptDocumentError
from .common import Builder, markdown_table, office_module
from .shapes import EMU_PER_PT, group_frame, read_shapes

__all__ = ["ingest_docx"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
O = "urn:schemas-microsoft-com:office:office"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_GRAPHIC = {"picture": "picture", "chart": "chart", "diagram": "smartart", "wordprocessingGroup": "group",
            "wordprocessingCanvas": "canvas"}
_FIGURE_TAGS = {f"{{{W}}}drawing", f"{{{W}}}pict", f"{{{W}}}object"}
_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST = re.compile(r"^(B\d|List.*|.*Bullet.*|.*Number.*)$", re.IGNORECASE)
_CODE = re.compile(r"^(PL|Code.*|HTML Preformatted|Plain Text|Source.*)$", re.IGNORECASE)
_NOTES = ("NF", "NO", "EditorsNote")
_TOC = re.compile(r"^(toc|table of figures|index)", re.IGNORECASE)
_STYLE_PT = re.compile(r"(width|height)\s*:\s*([\d.]+)\s*(pt|in|cm|mm|px)?", re.IGNORECASE)
_UNIT = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "px": 0.75, None: 1.0}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def ingest_docx(data: bytes, name: str, sha: str, opts: Any) -> Any:
    docx = office_module("docx")
    import io

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:
        raise CorruptDocumentError(f"{name}: not a readable DOCX package: {err}") from err
    reader = _Reader(document, Builder(name, sha, opts, "docx"))
    reader.walk(document.element.body)
    width, height = _page_size(document)
    return reader.b.finish([Page(number=1, width=width, height=height)],
                           {"styles": "3gpp" if "TF" in reader.styles.values() else "word",
                            "paragraphs": reader.b.para})


def _page_size(document: Any) -> tuple[float, float]:
    try:
        sec = document.sections[0]
        return sec.page_width.pt, sec.page_height.pt
    except Exception:  # noqa: BLE001 - a body without sectPr: Letter
        return 612.0, 792.0


class _Reader:
    def __init__(self, document: Any, builder: Builder):
        self.doc = document
        self.b = builder
        self.part = document.part
        self.styles = {s.get(_q(W, "styleId")): (s.find(_q(W, "name")).get(_q(W, "val"))
                                                 if s.find(_q(W, "name")) is not None else s.get(_q(W, "styleId")))
                       for s in document.styles.element.iter(_q(W, "style"))}

    # ---------------------------------------------------------------- body
    def walk(self, container: Any, in_table: bool = False) -> None:
        for el in container:
            tag = el.tag
            if tag == _q(W, "p"):
                self.paragraph(el, in_table)
            elif tag == _q(W, "tbl"):
                self.table(el, in_table)
            elif tag in (_q(W, "sdt"), _q(W, "customXml")):
                content = el.find(_q(W, "sdtContent")) if tag == _q(W, "sdt") else el
                if content is not None:
                    self.walk(content, in_table)
            elif tag == _q(MC, "AlternateContent"):
                choice = el.find(_q(MC, "Choice"))
                if choice is not None:
                    self.walk(choice, in_table)

    def style(self, p: Any) -> str:
        ps = p.find(f"{_q(W, 'pPr')}/{_q(W, 'pStyle')}")
        sid = ps.get(_q(W, "val")) if ps is not None else None
        return self.styles.get(sid, sid or "") if sid else ""

    def paragraph(self, p: Any, in_table: bool) -> None:
        style = self.style(p)
        figures = _figure_elements(p)
        text = _text(p)
        # empty paragraphs and notes (3GPP NF/NO) do not part a figure from its caption
        if figures or (text.strip() and style not in _NOTES):
            self.b.para += 1
        for el in figures:
            self.figure(el)
        if not text.strip():
            return
        stripped = " ".join(text.split())
        if style == "TF" or (not _TOC.match(style) and _is_figure_caption(stripped)):
            self.b.caption(stripped, 1, tf=style == "TF")
            return
        if in_table:
            return  # the cell's text is in the table's Markdown
        m = _HEADING.match(style)
        if m or style == "Title":
            level = int(m.group(1)) if m else 1
            self.b.text(BlockType.heading, re.sub(r"\s+", " ", text.replace("\t", " ")), 1, level=level)
        elif style == "TH":
            self.b.text(BlockType.caption, stripped, 1)
        elif _CODE.match(style):
            self.b.text(BlockType.code, text.replace("\t", "    "), 1)
        elif _LIST.match(style) or p.find(f"{_q(W, 'pPr')}/{_q(W, 'numPr')}") is not None:
            self.b.text(BlockType.list_item, stripped, 1)
        else:
            self.b.text(BlockType.text, stripped, 1)

    def table(self, tbl: Any, in_table: bool) -> None:
        rows = []
        for tr in tbl.iter(_q(W, "tr")):
            if _enclosing(tr, _q(W, "tbl")) is not tbl:
                continue  # a nested table's rows are read as its cell's text
            rows.append([" ".join(_text(p) for p in tc.iter(_q(W, "p")))
                         for tc in tr.findall(_q(W, "tc"))])
        if not in_table:
            md = markdown_table(rows)
            if md:
                self.b.text(BlockType.table, md, 1, markdown=md)
        for tr in tbl.findall(_q(W, "tr")):  # figures and captions inside cells
            for tc in tr.findall(_q(W, "tc")):
                self.walk(tc, in_table=True)
        self.b.para += 1
        self.b.touch(BlockType.table)

    # ---------------------------------------------------------------- figures
    def blob(self, rid: str | None) -> Any:
        return self.part.related_parts.get(rid) if rid else None

    def figure(self, el: Any) -> None:
        try:
            if el.tag == _q(W, "drawing"):
                self.drawing(el)
            elif el.tag == _q(W, "object"):
                self.ole(el)
            else:
                self.vml(el)
        except Exception as err:  # noqa: BLE001 - one broken drawing costs only itself
            fig = self.b.figure(1, FigureKind.raster, (1.0, 1.0))
            self.b.error(fig, type(err).__name__, f"figure could not be read: {err}")

    def drawing(self, el: Any) -> None:
        data = el.find(f".//{_q(A, 'graphicData')}")
        if data is None:
            return
        kind = _GRAPHIC.get(data.get("uri", "").rstrip("/").rsplit("/", 1)[-1])
        ext = el.find(f".//{_q(WP, 'extent')}")
        size = ((int(ext.get("cx", 0)) / EMU_PER_PT, int(ext.get("cy", 0)) / EMU_PER_PT)
                if ext is not None else (200.0, 100.0))
        if kind == "picture":
            blip = data.find(f".//{_q(A, 'blip')}")
            rid = blip.get(_q(R, "embed")) if blip is not None else None
            part = self.blob(rid)
            self.b.picture(1, part.blob if part is not None else None, size,
                           name=str(part.partname) if part is not None else (blip.get(_q(R, "link")) or "")
                           if blip is not None else "")
        elif kind == "chart":
            from .parts import chart_description

            chart = next((c for c in data if c.tag.endswith("}chart")), None)
            part = self.blob(chart.get(_q(R, "id")) if chart is not None else None)
            if part is None:
                raise CorruptDocumentError("chart part missing")
            self.b.described(1, size, chart_description(part.blob), route="chart")
        elif kind == "smartart":
            from .parts import smartart_description

            rel = next((c for c in data if c.tag.endswith("}relIds")), None)
            part = self.blob(rel.get(_q(R, "dm")) if rel is not None else None)
            if part is None:
                raise CorruptDocumentError("SmartArt data part missing")
            self.b.described(1, size, smartart_description(part.blob), route="smartart")
        elif kind in ("group", "canvas"):
            self.group(data, size)

    def group(self, data: Any, size: tuple[float, float]) -> None:
        root = next(iter(data), None)
        if root is None:
            return
        # a group's own frame maps its children's coordinates onto the drawing; a canvas has none
        own = root.find(f"./{{*}}grpSpPr/{_q(A, 'xfrm')}")
        tree = read_shapes(root, group_frame(own) if own is not None else None)
        pics = {rid: p.blob for rid, _ in tree.pictures if (p := self.blob(rid)) is not None}
        self.b.shapes_figure(1, tree, size, pics, route="shapes")

    def vml(self, el: Any) -> None:
        for shape in el.iter(_q(V, "shape"), _q(V, "rect"), _q(V, "image")):
            img = shape.find(_q(V, "imagedata"))
            if img is None:
                continue
            rid = img.get(_q(R, "id")) or img.get(_q(O, "relid"))
            part = self.blob(rid)
            self.b.picture(1, part.blob if part is not None else None, _vml_size(shape),
                           name=str(part.partname) if part is not None else "")

    def ole(self, el: Any) -> None:
        shape = el.find(f".//{_q(V, 'shape')}")
        img = shape.find(_q(V, "imagedata")) if shape is not None else None
        ole = el.find(f".//{_q(O, 'OLEObject')}")
        prog = ole.get("ProgID", "") if ole is not None else ""
        size = _vml_size(shape) if shape is not None else (200.0, 100.0)
        part = self.blob(img.get(_q(R, "id"))) if img is not None else None
        fig = self.b.picture(1, part.blob if part is not None else None, size,
                             name=f"{prog} preview" if part is None else str(part.partname))
        if fig is None:
            return
        emb = self.blob(ole.get(_q(R, "id"))) if ole is not None else None
        fmt = _source_format(str(emb.partname) if emb is not None else "", prog)
        if emb is not None and fmt:
            fig.source_format, fig.source_data, fig.source_part = fmt, emb.blob, None
            self.b.routes["source"] = self.b.routes.get("source", 0) + 1


def _source_format(partname: str, prog: str) -> str | None:
    """vsdx / vsd for Visio files in word/embeddings, 'ole' for an OLE .bin holding a Visio drawing."""
    low = partname.lower()
    if low.endswith(".vsdx"):
        return "vsdx"
    if low.endswith(".vsd"):
        return "vsd"
    if low.endswith(".bin") and "visio" in prog.lower():
        return "ole"
    return None


def _vml_size(shape: Any) -> tuple[float, float]:
    found = {k.lower(): float(v) * _UNIT.get((u or "pt").lower(), 1.0)
             for k, v, u in _STYLE_PT.findall(shape.get("style", ""))}
    return found.get("width", 200.0), found.get("height", 100.0)


def _enclosing(el: Any, tag: str) -> Any:
    up = el.getparent()
    while up is not None and up.tag != tag:
        up = up.getparent()
    return up


def _figure_elements(p: Any) -> list[Any]:
    """w:drawing / w:pict / w:object in document order, outside mc:Fallback and not nested in
    another figure (a picture inside a grouped drawing belongs to the group)."""
    out: list[Any] = []
    taken: set[Any] = set()
    for el in p.iter(*_FIGURE_TAGS):
        skip = False
        up = el.getparent()
        while up is not None and up is not p:
            if up.tag == _q(MC, "Fallback") or up in taken:
                skip = True
                break
            up = up.getparent()
        if not skip:
            out.append(el)
            taken.add(el)
    return out


_SKIP_TEXT = {_q(W, "pPr"), _q(W, "rPr"), _q(W, "txbxContent"), _q(MC, "Fallback"), _q(W, "drawing"), _q(W, "pict"), _q(W, "object")}


def _text(p: Any) -> str:
    """The paragraph's own text (tabs and breaks kept), without text boxes or fallbacks."""
    parts: list[str] = []
    _collect(p, parts)
    return "".join(parts)


def _collect(el: Any, parts: list[str]) -> None:
    for c in el:
        tag = c.tag
        if tag in _SKIP_TEXT:
            continue
        if tag == _q(W, "t"):
            parts.append(c.text or "")
        elif tag == _q(W, "tab"):
            parts.append("\t")
        elif tag in (_q(W, "br"), _q(W, "cr")):
            parts.append("\n")
        elif tag == _q(W, "p"):  # a cell's paragraphs
            _collect(c, parts)
            parts.append(" ")
        else:
            _collect(c, parts)


# a caption written as plain text: the label, then a separator or a capitalised title
# ("Figure 4.2.3-1: ...", "Figure 5 Overview"), not a sentence ("Figure 4.2.1-1 shows ...")
_FIGURE_CAPTION = re.compile(r"^(?:Figure|Fig\.)\s*(?:[A-Z][.-]?)?[0-9]+(?:[-.\u2013][0-9]+)*[a-z]?"
                             r"(?:\s*[:\uff1a.\u2013\u2014-]\s|\s+[A-Z(\"\u201c]|\s*$)")


def _is_figure_caption(text: str) -> bool:
    return bool(_FIGURE_CAPTION.match(text)) and len(text) < 300
