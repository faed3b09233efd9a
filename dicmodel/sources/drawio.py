"""draw.io / diagrams.net: ``.drawio``/``.dio``/``.xml``, and the XML inside ``.drawio.png``
(a PNG text chunk keyed ``mxfile``) and ``.drawio.svg`` (the root's ``content`` attribute).

Each ``<diagram>`` (page) is one part. Its ``mxGraphModel`` is inline or stored
deflate+base64+URL-encoded as the diagram's text. In the model:

- ``mxCell vertex="1"`` is a shape; its label is ``value`` (or the ``label`` of a wrapping
  ``UserObject``/``object``), HTML when ``html=1``. A labelled shape is a node, except free text
  (style ``text;...``), which goes to the notes, and a label cell whose parent is an edge, which
  is that edge's label.
- ``mxCell edge="1"`` is a connector; it is an edge when ``source`` and ``target`` both name
  nodes. Arrowheads come from ``endArrow``/``startArrow`` in the style (draw.io's default is an
  arrow at the end only); ``dashed=1`` makes it dotted.
- a vertex that is the ``parent`` of other vertices is a container or group -> a ``Group``.
"""

from __future__ import annotations

import base64
import struct
import urllib.parse
import zlib
from typing import Any

from ..diagram import Diagram, Edge, Group
from ..errors import CorruptDocumentError, UnsupportedFormatError
from ._model import SourceDiagram, clean_text, finish, html_text

__all__ = ["has_mxfile", "mxfile_xml", "read_drawio"]

_PNG = b"\x89PNG\r\n\x1a\n"
_KEYS = (b"mxfile", b"mxGraphModel")


def read_drawio(data: bytes, name: str = "") -> list[SourceDiagram]:
    """Every page of a draw.io file (plain XML, PNG or SVG with the model embedded)."""
    from xml.etree import ElementTree as ET

    xml = mxfile_xml(data, name)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as err:
        raise CorruptDocumentError(f"{name or 'draw.io data'}: the mxfile XML does not parse: {err}") from err
    return [_read_page(part, model) for part, model in _pages(root, name)]


def has_mxfile(data: bytes) -> bool:
    """True for a PNG/SVG/XML that carries a draw.io model (cheap: no decompression)."""
    if data.startswith(_PNG):
        return _png_chunk(data, decode=False) is not None
    head = data[:4096].lstrip()
    if head.startswith((b"<mxfile", b"<mxGraphModel")):
        return True
    return b"<svg" in head and b"content=" in head and (b"mxfile" in head or b"mxGraphModel" in head
                                                         or b"&lt;mxfile" in head)


def mxfile_xml(data: bytes, name: str = "") -> str:
    """The mxfile/mxGraphModel XML a draw.io file, PNG or SVG carries."""
    if data.startswith(_PNG):
        text = _png_chunk(data)
        if text is None:
            raise UnsupportedFormatError(f"{name or 'PNG'}: no draw.io model (mxfile chunk) in the PNG")
        return text
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    if not text.startswith(("<mxfile", "<mxGraphModel")) and "<svg" in text[:4000]:
        return _svg_content(text, name)
    return text


def _svg_content(text: str, name: str) -> str:
    from xml.etree import ElementTree as ET

    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise CorruptDocumentError(f"{name or 'SVG'}: does not parse: {err}") from err
    content = root.get("content")
    if not content:
        raise UnsupportedFormatError(f"{name or 'SVG'}: no draw.io model (content attribute) in the SVG")
    content = content.strip()
    if not content.startswith("<"):  # older exports: the whole mxfile compressed
        content = _inflate(content)
    return content


def _png_chunk(data: bytes, decode: bool = True) -> str | None:
    """The text of the PNG tEXt/zTXt/iTXt chunk keyed mxfile (or mxGraphModel)."""
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            if kind == b"IEND":
                break
            continue
        key, _, rest = body.partition(b"\0")
        if key not in _KEYS:
            continue
        if not decode:
            return ""
        if kind == b"tEXt":
            raw = rest
        elif kind == b"zTXt":
            raw = _decompress(rest[1:])
        else:  # iTXt: flag, method, language\0, translated keyword\0, text
            flag, rest = rest[0], rest[2:]
            rest = rest.split(b"\0", 2)[2]
            raw = _decompress(rest) if flag else rest
        text = raw.decode("utf-8", errors="replace")
        return urllib.parse.unquote(text) if text.lstrip().startswith("%3C") else text
    return None


def _decompress(raw: bytes) -> bytes:
    """zlib stream as the PNG spec says; older draw.io wrote a raw deflate stream instead."""
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return zlib.decompress(raw, -15)


def _inflate(text: str) -> str:
    """draw.io's compressed form: base64 -> raw deflate -> URL-encoded XML."""
    raw = zlib.decompress(base64.b64decode(text), -15)
    return urllib.parse.unquote(raw.decode("utf-8", errors="replace"))


def _pages(root: Any, name: str) -> list[tuple[str, Any]]:
    from xml.etree import ElementTree as ET

    if root.tag == "mxGraphModel":
        return [("page-1", root)]
    out = []
    for i, d in enumerate(root.iter("diagram"), 1):
        model = d.find("mxGraphModel")
        if model is None:
            text = (d.text or "").strip()
            if not text:
                continue
            try:
                model = ET.fromstring(_inflate(text))
            except (ValueError, zlib.error, ET.ParseError) as err:
                raise CorruptDocumentError(f"{name or 'draw.io'}: page {i} cannot be decompressed: "
                                           f"{err}") from err
        out.append((d.get("name") or f"page-{i}", model))
    return out


class _Cell:
    """One mxCell, with the label and attributes of a wrapping UserObject/object."""

    def __init__(self, el: Any, wrapper: Any | None):
        self.el = el
        self.id = (wrapper if wrapper is not None else el).get("id") or ""
        raw = wrapper.get("label") if wrapper is not None else el.get("value")
        self.style = _style(el.get("style") or "")
        # html=1: the label is HTML (tags, entities, <br> line breaks); otherwise plain text
        self.label = html_text(raw) if self.style.get("html") == "1" else clean_text(raw)
        self.parent = el.get("parent")
        self.vertex = el.get("vertex") == "1"
        self.edge = el.get("edge") == "1"


def _style(text: str) -> dict[str, str]:
    """'rounded=1;text;html=1' -> {'rounded': '1', 'text': '', 'html': '1', '_first': 'rounded=1'}."""
    out: dict[str, str] = {}
    parts = [p for p in text.split(";") if p]
    for p in parts:
        k, _, v = p.partition("=")
        out[k.strip()] = v.strip()
    out["_first"] = parts[0] if parts else ""
    return out


def _cells(model: Any) -> list[_Cell]:
    root = model.find("root")
    out = []
    for el in (root if root is not None else []):
        if el.tag == "mxCell":
            out.append(_Cell(el, None))
        else:  # UserObject / object / any wrapper carrying its own mxCell
            inner = el.find("mxCell")
            if inner is not None:
                out.append(_Cell(inner, el))
    return out


_SHAPES = [("rhombus", "diamond"), ("ellipse", "ellipse"), ("cylinder", "cylinder"),
           ("hexagon", "hexagon"), ("parallelogram", "parallelogram"), ("umlActor", "actor"),
           ("mxgraph.cisco", "device"), ("mxgraph.network", "device"), ("cloud", "round"),
           ("rounded=1", "round"), ("swimlane", "box")]


def _shape(cell: _Cell) -> str:
    raw = cell.el.get("style") or ""
    for key, shape in _SHAPES:
        if key in raw:
            return shape
    return "box"


def _is_free_text(cell: _Cell) -> bool:
    return cell.style["_first"] == "text"


def _read_page(part: str, model: Any) -> SourceDiagram:
    cells = _cells(model)
    by_id = {c.id: c for c in cells}
    edge_ids = {c.id for c in cells if c.edge}
    d = Diagram(kind="flowchart")
    for c in cells:
        if not c.vertex or not c.label or c.parent in edge_ids:
            continue
        if _is_free_text(c):
            d.notes.append(c.label)
        else:
            d.add_node(c.id, c.label, _shape(c))
    nodes = {n.id for n in d.nodes}
    labels = _edge_labels(cells, edge_ids)
    unglued = unlabelled = 0
    for c in (c for c in cells if c.edge):
        s, t = c.el.get("source"), c.el.get("target")
        if not (s and t):
            unglued += 1
        elif s in nodes and t in nodes:
            d.edges.append(_edge(c, s, t, labels.get(c.id, [])))
        else:
            unlabelled += 1
    d.groups = _groups(cells, by_id, nodes)
    detail = {"with an end not glued to a shape": unglued,
              "glued to an unlabelled shape, free text or another connector": unlabelled}
    return finish("drawio", part, d, len(edge_ids), loose_detail=detail)


def _edge_labels(cells: list[_Cell], edge_ids: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in cells:
        if c.edge and c.label:
            out.setdefault(c.id, []).append(c.label)
    for c in cells:
        if c.vertex and c.label and c.parent in edge_ids:
            out.setdefault(c.parent, []).append(c.label)
    return out


def _edge(c: _Cell, s: str, t: str, labels: list[str]) -> Edge:
    end = c.style.get("endArrow", "classic") not in ("none", "")
    start = c.style.get("startArrow", "none") not in ("none", "")
    if start and not end:
        s, t, start, end = t, s, False, True
    return Edge(source=s, target=t, label=" / ".join(labels), directed=end or start,
                bidirectional=start and end,
                style="dotted" if c.style.get("dashed") == "1" else "solid")


def _groups(cells: list[_Cell], by_id: dict[str, _Cell], nodes: set[str]) -> list[Group]:
    """A vertex that parents other vertices is a container/group; members are its labelled shapes."""
    children: dict[str, list[str]] = {}
    for c in cells:
        if c.vertex and c.parent in by_id and by_id[c.parent].vertex:
            children.setdefault(c.parent, []).append(c.id)
    groups = []
    for gid, kids in children.items():
        g = by_id[gid]
        parent = g.parent if g.parent in children else None
        groups.append(Group(id=_gid(gid), label=g.label, members=[k for k in kids if k in nodes],
                            parent=_gid(parent) if parent else None))
    used = {g.parent for g in groups}
    return [g for g in groups if g.members or g.id in used]


def _gid(cell_id: str) -> str:
    # a labelled container is also a node (the manifest counts it): the group needs its own id
    return f"{cell_id}__group"
