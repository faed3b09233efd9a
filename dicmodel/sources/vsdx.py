"""Microsoft Visio ``.vsdx`` (an OPC zip): one part per page.

- ``visio/pages/pages.xml`` names the pages and links (through its ``_rels``) each page file;
- a page's ``<Shape>`` elements (sub-shapes of groups nested in ``<Shapes>``) carry ``<Text>``;
  a shape with no ``<Text>`` of its own shows its master shape's text;
- a connector is a 1-D shape: it (or its master shape) has a ``BeginX`` cell;
- glue is in ``<Connects>``: ``<Connect FromSheet=connector FromCell="BeginX|EndX" ToSheet=shape>``;
  a connector is an edge when both ends are glued to labelled 2-D shapes;
- with ``as_drawn=True`` the page is read as a person sees it, not only as its glue says:
  an end the drawer left unglued but placed on a shape's outline (within ``GLUE_TOL`` inches
  outside its box or ``INSET_TOL`` inside, in page coordinates: ``PinX/PinY``,
  ``LocPinX/LocPinY``, ``Angle`` of the shape and of the groups above it) is glued to that
  shape, and an unlabelled 2-D shape that arrowed connectors enter and leave (a decision
  whose text is a separate label, a junction) passes the flow on: each labelled shape that
  reaches it leads to each labelled shape it reaches, with the leaving connector's text as
  the label. The default is the file's exact structure (glue only), the devset's truth;
  ``benchmarks/bench_real.py`` reports the Visio rows against both.
- arrowheads are the ``BeginArrow``/``EndArrow`` cells, looked up on the shape, then its master
  shape, then the line style sheets of ``visio/document.xml``.
"""

from __future__ import annotations

import io
import math
import posixpath
import zipfile
from typing import Any

from ..diagram import Diagram, Edge, Group
from ..errors import CorruptDocumentError
from ._model import SourceDiagram, clean_text, finish

__all__ = ["read_vsdx"]

NS = "{http://schemas.microsoft.com/office/visio/2012/main}"
RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def read_vsdx(data: bytes, name: str = "", *, as_drawn: bool = False) -> list[SourceDiagram]:
    """Every foreground page of a .vsdx file (``as_drawn``: see the module docstring)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        pkg = _Package(z)
        return [_read_page(pkg, pname, path, as_drawn) for pname, path in pkg.pages()]
    except (zipfile.BadZipFile, KeyError) as err:
        raise CorruptDocumentError(f"{name or 'vsdx'}: not a readable Visio package: {err}") from err


def _xml(z: zipfile.ZipFile, path: str) -> Any:
    from xml.etree import ElementTree as ET

    try:
        return ET.fromstring(z.read(path))
    except ET.ParseError as err:
        raise CorruptDocumentError(f"{path}: does not parse: {err}") from err


def _rels(z: zipfile.ZipFile, path: str) -> dict[str, str]:
    folder, base = posixpath.split(path)
    rp = f"{folder}/_rels/{base}.rels"
    if rp not in z.namelist():
        return {}
    return {r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target", "")))
            for r in _xml(z, rp)}


def _walk(shapes: Any, parent: Any = None):
    """(shape, parent shape) for every shape, sub-shapes of groups included, document order."""
    if shapes is None:
        return
    for sh in shapes.findall(NS + "Shape"):
        yield sh, parent
        yield from _walk(sh.find(NS + "Shapes"), sh)


def _cells(el: Any) -> dict[str, str]:
    return {c.get("N"): c.get("V") for c in el.findall(NS + "Cell")} if el is not None else {}


def _text(sh: Any) -> str | None:
    t = sh.find(NS + "Text") if sh is not None else None
    return None if t is None else clean_text("".join(t.itertext()))


class _Package:
    def __init__(self, z: zipfile.ZipFile):
        self.z = z
        self.masters = self._masters()
        self.styles = self._styles()

    def pages(self) -> list[tuple[str, str]]:
        rels = _rels(self.z, "visio/pages/pages.xml")
        out = []
        for p in _xml(self.z, "visio/pages/pages.xml").findall(NS + "Page"):
            if p.get("Background") == "1":
                continue  # a background page is drawn behind others, not a diagram of its own
            rel = p.find(NS + "Rel")
            if rel is not None and rel.get(RID) in rels:
                # NameU: the universal name (Name is the localized one shown in the UI); kept verbatim
                out.append((p.get("NameU") or p.get("Name") or f"page-{len(out) + 1}", rels[rel.get(RID)]))
        return out

    def _masters(self) -> dict[str, tuple[str, dict[str, Any], Any]]:
        """master ID -> (NameU, {shape ID: shape}, top-level shape)."""
        path = "visio/masters/masters.xml"
        if path not in self.z.namelist():
            return {}
        rels, out = _rels(self.z, path), {}
        for m in _xml(self.z, path).findall(NS + "Master"):
            rel = m.find(NS + "Rel")
            if rel is None or rel.get(RID) not in rels:
                continue
            root = _xml(self.z, rels[rel.get(RID)])
            shapes = {sh.get("ID"): sh for sh, _ in _walk(root.find(NS + "Shapes"))}
            top = root.find(NS + "Shapes")
            first = top.find(NS + "Shape") if top is not None else None
            out[m.get("ID")] = (m.get("NameU") or m.get("Name") or "", shapes, first)
        return out

    def _styles(self) -> dict[str, tuple[dict[str, str], str | None]]:
        """style sheet ID -> (its cells, the line style it inherits from)."""
        if "visio/document.xml" not in self.z.namelist():
            return {}
        out = {}
        for ss in _xml(self.z, "visio/document.xml").iter(NS + "StyleSheet"):
            out[ss.get("ID")] = (_cells(ss), ss.get("LineStyle"))
        return out

    def master_shape(self, sh: Any, parent_master: str | None) -> tuple[Any, str]:
        """The master shape a page shape inherits from, and the master's name."""
        mid = sh.get("Master") or parent_master
        if mid not in self.masters:
            return None, ""
        mname, shapes, first = self.masters[mid]
        if sh.get("MasterShape"):
            return shapes.get(sh.get("MasterShape")), mname
        return (first, mname) if sh.get("Master") else (None, mname)

    def style_cell(self, style_id: str | None, name: str) -> str | None:
        seen = set()
        while style_id is not None and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            cells, parent = self.styles[style_id]
            if name in cells:
                return cells[name]
            style_id = parent
        return None


class _Shape:
    """A page shape with what it inherits from its master resolved."""

    def __init__(self, pkg: _Package, sh: Any, parent: Any, parent_master: str | None):
        self.el, self.parent = sh, parent
        self.id = sh.get("ID")
        self.master_id = sh.get("Master") or parent_master
        self.master, self.master_name = pkg.master_shape(sh, parent_master)
        self.cells, self.mcells = _cells(sh), _cells(self.master)
        own = _text(sh)
        self.text = own if own is not None else (_text(self.master) or "")
        self.one_d = "BeginX" in self.cells or "BeginX" in self.mcells
        self.pkg = pkg

    def cell(self, name: str) -> str | None:
        for cells in (self.cells, self.mcells):
            if name in cells and cells[name] not in (None, "Themed"):
                return cells[name]
        style = self.el.get("LineStyle") or (self.master.get("LineStyle") if self.master is not None else None)
        return self.pkg.style_cell(style, name)


def _shapes(pkg: _Package, page: Any) -> list[_Shape]:
    out, master_of = [], {}
    for sh, parent in _walk(page.find(NS + "Shapes")):
        pm = master_of.get(id(parent)) if parent is not None else None
        s = _Shape(pkg, sh, parent, pm)
        master_of[id(sh)] = s.master_id
        out.append(s)
    return out


_SHAPES = [("decision", "diamond"), ("terminator", "stadium"), ("start/end", "stadium"),
           ("database", "cylinder"), ("data", "parallelogram"), ("ellipse", "ellipse"),
           ("circle", "circle"), ("router", "device"), ("switch", "device"), ("server", "device"),
           ("firewall", "device")]


def _node_shape(s: _Shape) -> str:
    name = s.master_name.lower()
    return next((shape for key, shape in _SHAPES if key in name), "box")


def _read_page(pkg: _Package, part: str, path: str, as_drawn: bool = False) -> SourceDiagram:
    page = _xml(pkg.z, path)
    shapes = _shapes(pkg, page)
    d = Diagram(kind="flowchart")
    for s in shapes:
        if not s.one_d and s.text:
            d.add_node(s.id, s.text, _node_shape(s))
    ends = _glue(page)
    if as_drawn:
        _touching(shapes, ends)
    nodes = {n.id for n in d.nodes}
    unglued = other = 0
    connectors = [s for s in shapes if s.one_d]
    outlines = {s.id for s in shapes if not s.one_d}
    through: list[Edge] = []  # connectors with an end on an unlabelled 2-D shape
    for c in connectors:
        b, e = ends.get((c.id, "BeginX")), ends.get((c.id, "EndX"))
        if b is None or e is None:
            unglued += 1
        elif b in nodes and e in nodes:
            d.edges.append(_edge(c, b, e))
        else:
            other += 1
            if as_drawn and b in outlines and e in outlines:
                through.append(_edge(c, b, e))
    passed, used = _pass_through(through, nodes)
    d.edges += passed
    other -= used
    d.groups = _groups(shapes, nodes)
    detail = {"with an end not glued to a shape": unglued,
              "glued to an unlabelled shape or another connector": other}
    return finish("vsdx", part, d, len(connectors), loose_detail=detail)


def _glue(page: Any) -> dict[tuple[str, str], str]:
    out = {}
    connects = page.find(NS + "Connects")
    for c in (connects.findall(NS + "Connect") if connects is not None else []):
        if c.get("FromCell") in ("BeginX", "EndX"):
            out[(c.get("FromSheet"), c.get("FromCell"))] = c.get("ToSheet")
    return out


GLUE_TOL = 0.06  # inches (4.3 pt): an unglued end this close to a shape's outline touches it
INSET_TOL = 0.15  # inches: how far inside its box a shape's drawn outline may run

Affine = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f
_IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _num(s: _Shape, name: str) -> float:
    try:
        v = float(s.cell(name) or 0.0)
    except ValueError:
        return 0.0
    return v if math.isfinite(v) else 0.0


def _compose(m: Affine, n: Affine) -> Affine:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)


def _apply(m: Affine, p: tuple[float, float]) -> tuple[float, float]:
    return (m[0] * p[0] + m[2] * p[1] + m[4], m[1] * p[0] + m[3] * p[1] + m[5])


def _inverse(m: Affine) -> Affine | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(ia * e + ic * f), -(ib * e + id_ * f))


def _frames(shapes: list[_Shape]) -> dict[str, Affine]:
    """Shape ID -> the map from its local frame (origin at its unrotated lower-left corner) to
    the page: the group above it, then its pin, angle and local pin."""
    out: dict[str, Affine] = {}
    for s in shapes:  # document order: a group comes before its sub-shapes
        up = out.get(s.parent.get("ID"), _IDENTITY) if s.parent is not None else _IDENTITY
        t = _num(s, "Angle")
        co, si = math.cos(t), math.sin(t)
        local = _compose((co, si, -si, co, _num(s, "PinX"), _num(s, "PinY")),
                         (1.0, 0.0, 0.0, 1.0, -_num(s, "LocPinX"), -_num(s, "LocPinY")))
        out[s.id] = _compose(up, local)
    return out


def _touching(shapes: list[_Shape], ends: dict[tuple[str, str], str]) -> None:
    """Glue (in place) each free connector end that lies on a 2-D shape's outline, to within
    ``GLUE_TOL`` outside its box or ``INSET_TOL`` inside it, to the nearest such shape (the smaller one on a tie). A line whose two ends
    would land on one shape runs along its side (a stroke drawn on the outline): left free."""
    frames = _frames(shapes)
    boxes = []
    for s in shapes:
        w, h = _num(s, "Width"), _num(s, "Height")
        back = _inverse(frames[s.id])
        if not s.one_d and w > 0 and h > 0 and back is not None:
            boxes.append((s.id, w, h, back))
    for c in shapes:
        if not c.one_d:
            continue
        up = frames.get(c.parent.get("ID"), _IDENTITY) if c.parent is not None else _IDENTITY
        found: dict[str, str] = {}
        for cell, yc in (("BeginX", "BeginY"), ("EndX", "EndY")):
            if (c.id, cell) in ends or c.cell(cell) is None:
                continue
            p = _apply(up, (_num(c, cell), _num(c, yc)))
            best: tuple[float, float, str] | None = None
            for sid, w, h, back in boxes:
                x, y = _apply(back, p)
                outside = math.hypot(max(-x, 0.0, x - w), max(-y, 0.0, y - h))
                gap = outside if outside > 0 else min(x, w - x, y, h - y)
                # (inside, the outline may lie within the box: a trapezoid's or a diamond's
                # slanted side, up to a quarter of the shape in)
                reach = GLUE_TOL if outside > 0 else max(GLUE_TOL, min(INSET_TOL, 0.25 * min(w, h)))
                if gap <= reach and (best is None or (gap, w * h) < best[:2]):
                    best = (gap, w * h, sid)
            if best is not None:
                found[cell] = best[2]
        if found and len({found.get("BeginX", ends.get((c.id, "BeginX"))),
                          found.get("EndX", ends.get((c.id, "EndX")))}) > 1:
            ends.update({(c.id, cell): sid for cell, sid in found.items()})


def _pass_through(through: list[Edge], nodes: set[str], most: int = 6) -> tuple[list[Edge], int]:
    """Edges between labelled shapes that meet at unlabelled ones: a labelled shape whose arrowed
    connector enters an unlabelled one leads to every labelled shape an arrowed connector leaves
    it for (chains of unlabelled shapes followed, each visited once). An unlabelled shape with
    more than ``most`` such pairs is a hub or a frame, not a junction: nothing passes it.
    Returns the edges and how many of the connectors they were read from."""
    into: dict[str, list[Edge]] = {}
    out_of: dict[str, list[Edge]] = {}
    for e in through:
        if not e.directed or e.bidirectional:
            continue
        out_of.setdefault(e.source, []).append(e)
        into.setdefault(e.target, []).append(e)
    found: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    used: set[int] = set()
    for u, entering in into.items():
        if u in nodes:
            continue
        for first in entering:
            if first.source not in nodes:
                continue
            reach, stack, visited = [], [u], {u}
            while stack:
                x = stack.pop()
                for e in out_of.get(x, []):
                    if e.target in nodes:
                        reach.append(e)
                    elif e.target not in visited:
                        visited.add(e.target)
                        stack.append(e.target)
            if len(reach) * len(entering) > most:
                continue
            for e in reach:
                key = (first.source, e.target)
                if e.target != first.source and key not in seen:
                    seen.add(key)
                    used.update((id(first), id(e)))
                    found.append(Edge(source=first.source, target=e.target, label=e.label or first.label,
                                      directed=True, style=e.style))
    return found, len(used)


def _arrow(value: str | None) -> bool:
    try:
        return float(value or 0) > 0
    except ValueError:
        return False


def _edge(c: _Shape, begin: str, end: str) -> Edge:
    head_b, head_e = _arrow(c.cell("BeginArrow")), _arrow(c.cell("EndArrow"))
    if head_b and not head_e:
        begin, end, head_b, head_e = end, begin, False, True
    pattern = c.cell("LinePattern")
    dotted = pattern not in (None, "", "0", "1") and _arrow(pattern)
    return Edge(source=begin, target=end, label=c.text, directed=head_b or head_e,
                bidirectional=head_b and head_e, style="dotted" if dotted else "solid")


def _groups(shapes: list[_Shape], nodes: set[str]) -> list[Group]:
    """A Visio group shape with labelled sub-shapes -> a Group (its own id: the group may be a node)."""
    kids: dict[str, list[str]] = {}
    parent_of: dict[str, str] = {}
    for s in shapes:
        if s.parent is not None:
            pid = s.parent.get("ID")
            parent_of[s.id] = pid
            if s.id in nodes:
                kids.setdefault(pid, []).append(s.id)
    by_id = {s.id: s for s in shapes}
    out = []
    for s in shapes:
        if s.el.find(NS + "Shapes") is None:
            continue
        sub_groups = any(parent_of.get(o.id) == s.id and o.el.find(NS + "Shapes") is not None for o in shapes)
        if not kids.get(s.id) and not sub_groups:
            continue
        pid = parent_of.get(s.id)
        out.append(Group(id=f"{s.id}__group", label=by_id[s.id].text, members=kids.get(s.id, []),
                         parent=f"{pid}__group" if pid else None))
    used = {g.id for g in out}
    for g in out:
        if g.parent not in used:
            g.parent = None
    return out
