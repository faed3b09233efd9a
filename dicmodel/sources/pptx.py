"""PowerPoint ``.pptx`` slides as diagrams: one part per slide (``slide-N``, N = the slide's
1-based position in the deck's ``sldIdLst``).

- ``p:sp`` with text (outside placeholders: a title is a title, not a shape) is a node;
  placeholder text becomes the diagram title (title placeholders) or a note;
- ``p:cxnSp`` is a connector; ``a:stCxn id`` / ``a:endCxn id`` glue its start and end to shape
  ids; it is an edge when both ends are glued to labelled shapes. Arrowheads: ``a:headEnd`` sits
  at the start of the line, ``a:tailEnd`` at its end (type other than ``none``);
- ``p:grpSp`` is a group: a ``Group`` of the labelled shapes inside it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from ..diagram import Diagram, Edge, Group
from ..errors import CorruptDocumentError
from ._model import SourceDiagram, clean_text, finish

__all__ = ["read_pptx", "slide_paths"]

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def read_pptx(data: bytes, name: str = "", slides: list[int] | None = None) -> list[SourceDiagram]:
    """Every slide (or the 1-based ``slides`` asked for) as a diagram part."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        paths = slide_paths(z)
        wanted = range(1, len(paths) + 1) if slides is None else slides
        return [_read_slide(z.read(paths[n - 1]), n) for n in wanted if 1 <= n <= len(paths)]
    except (zipfile.BadZipFile, KeyError) as err:
        raise CorruptDocumentError(f"{name or 'pptx'}: not a readable PowerPoint package: {err}") from err


def _xml(raw: bytes) -> Any:
    from xml.etree import ElementTree as ET

    try:
        return ET.fromstring(raw)
    except ET.ParseError as err:
        raise CorruptDocumentError(f"slide XML does not parse: {err}") from err


def slide_paths(z: zipfile.ZipFile) -> list[str]:
    """Slide part names in presentation order."""
    pres = _xml(z.read("ppt/presentation.xml"))
    rels = {r.get("Id"): r.get("Target") for r in _xml(z.read("ppt/_rels/presentation.xml.rels"))}
    out = []
    lst = pres.find(P + "sldIdLst")
    for sid in (lst.findall(P + "sldId") if lst is not None else []):
        target = rels.get(sid.get(R + "id"))
        if target:
            out.append(target.lstrip("/") if target.startswith("/")
                       else posixpath.normpath(posixpath.join("ppt", target)))
    return out


def _text(el: Any) -> str:
    body = el.find(P + "txBody")
    if body is None:
        return ""
    paras = [" ".join(t.text or "" for t in p.iter(A + "t")) for p in body.findall(A + "p")]
    return clean_text(" ".join(paras))


def _cnv(el: Any, nv_tag: str) -> Any:
    nv = el.find(P + nv_tag)
    return nv.find(P + "cNvPr") if nv is not None else None


def _placeholder(el: Any) -> Any:
    nv = el.find(P + "nvSpPr")
    pr = nv.find(P + "nvPr") if nv is not None else None
    return pr.find(P + "ph") if pr is not None else None


_SHAPES = {"ellipse": "ellipse", "flowChartDecision": "diamond", "diamond": "diamond",
           "roundRect": "round", "can": "cylinder", "flowChartMagneticDisk": "cylinder",
           "hexagon": "hexagon", "parallelogram": "parallelogram", "flowChartTerminator": "stadium",
           "cloud": "round"}


def _shape(el: Any) -> str:
    geom = el.find(f"{P}spPr/{A}prstGeom")
    return _SHAPES.get(geom.get("prst", ""), "box") if geom is not None else "box"


def _read_slide(raw: bytes, number: int) -> SourceDiagram:
    tree = _xml(raw).find(f"{P}cSld/{P}spTree")
    d = Diagram(kind="flowchart")
    connectors: list[Any] = []
    _collect(tree, d, connectors, None)
    nodes = {n.id for n in d.nodes}
    unglued = other = 0
    for c in connectors:
        nv = c.find(f"{P}nvCxnSpPr/{P}cNvCxnSpPr")
        st = nv.find(A + "stCxn") if nv is not None else None
        en = nv.find(A + "endCxn") if nv is not None else None
        if st is None or en is None:
            unglued += 1
        elif st.get("id") in nodes and en.get("id") in nodes:
            d.edges.append(_edge(c, st.get("id"), en.get("id")))
        else:
            other += 1
    d.groups = [g for g in d.groups if g.members or any(o.parent == g.id for o in d.groups)]
    detail = {"with an end not glued to a shape": unglued,
              "glued to an unlabelled shape, a picture or a placeholder": other}
    return finish("pptx", f"slide-{number}", d, len(connectors), loose_detail=detail)


_NV = {P + "sp": "nvSpPr", P + "cxnSp": "nvCxnSpPr", P + "grpSp": "nvGrpSpPr"}


def _hidden(el: Any) -> bool:
    """A shape, connector or group hidden in PowerPoint's selection pane is not drawn."""
    cnv = _cnv(el, _NV[el.tag]) if el.tag in _NV else None
    return cnv is not None and cnv.get("hidden") in ("1", "true")


def _collect(tree: Any, d: Diagram, connectors: list[Any], group: Group | None) -> None:
    for el in tree:
        if _hidden(el):
            continue
        if el.tag == P + "sp":
            _shape_el(el, d, group)
        elif el.tag == P + "cxnSp":
            connectors.append(el)
        elif el.tag == MC + "AlternateContent":
            # newer shapes come wrapped: read what PowerPoint shows (the first Choice)
            branch = el.find(MC + "Choice")
            if branch is None:
                branch = el.find(MC + "Fallback")
            if branch is not None:
                _collect(branch, d, connectors, group)
        elif el.tag == P + "grpSp":
            cnv = _cnv(el, "nvGrpSpPr")
            # no label: the object name ("Group 12") is not text on the slide
            g = Group(id=f"grp{cnv.get('id') if cnv is not None else len(d.groups)}",
                      parent=group.id if group else None)
            d.groups.append(g)
            _collect(el, d, connectors, g)


def _shape_el(el: Any, d: Diagram, group: Group | None) -> None:
    text = _text(el)
    if not text:
        return
    ph = _placeholder(el)
    if ph is not None:
        if ph.get("type") in ("title", "ctrTitle") and not d.title:
            d.title = text
        else:
            d.notes.append(text)
        return
    cnv = _cnv(el, "nvSpPr")
    sid = cnv.get("id") if cnv is not None else f"sp{len(d.nodes) + 1}"
    d.add_node(sid, text, _shape(el))
    if group is not None:
        group.members.append(sid)


def _edge(c: Any, start: str, end: str) -> Edge:
    ln = c.find(f"{P}spPr/{A}ln")
    head = tail = False
    dotted = False
    if ln is not None:
        he, te = ln.find(A + "headEnd"), ln.find(A + "tailEnd")
        head = he is not None and he.get("type", "none") != "none"
        tail = te is not None and te.get("type", "none") != "none"
        dash = ln.find(A + "prstDash")
        dotted = dash is not None and dash.get("val", "solid") != "solid"
    if head and not tail:
        start, end, head, tail = end, start, False, True
    return Edge(source=start, target=end, label=_text(c), directed=head or tail,
                bidirectional=head and tail, style="dotted" if dotted else "solid")
