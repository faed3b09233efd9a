"""DrawingML shape trees (Word groups and canvases, PowerPoint slides) -> vector drawings.

A grouped drawing in Word (``wpg:wgp``, ``wpc:wpc``) or the shapes of a slide are stored as
geometry, not as a picture: each shape has a box (``a:xfrm``, in EMU, nested groups map child
coordinates through ``chOff``/``chExt``), a preset geometry (``rect``, ``ellipse``,
``straightConnector1``...) and text. They become the same plain drawings and text spans the
PDF path gives the structural describer (points, top-left origin), and a PNG crop drawn with
PyMuPDF, so a drawing made of shapes is read as a vector figure without LibreOffice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ...document import BBox, TextSpan

__all__ = ["ShapeTree", "group_frame", "read_shapes", "render_png"]

EMU_PER_PT = 12700
_LINES = ("line", "straightConnector1", "bentConnector2", "bentConnector3", "bentConnector4",
          "bentConnector5", "curvedConnector2", "curvedConnector3", "curvedConnector4", "curvedConnector5")
_ROUND = ("ellipse", "flowChartConnector", "circle", "donut")


@dataclass
class ShapeTree:
    drawings: list[dict[str, Any]] = field(default_factory=list)
    spans: list[TextSpan] = field(default_factory=list)
    pictures: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)  # r:embed, box
    shapes: int = 0
    connectors: int = 0

    def bbox(self, pad: float = 2.0) -> tuple[float, float, float, float] | None:
        boxes = [d["rect"] for d in self.drawings] + [s.bbox.as_tuple() for s in self.spans] + \
            [b for _, b in self.pictures]
        if not boxes:
            return None
        return (min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad,
                max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad)


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: Any, name: str) -> Any:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _find(el: Any, name: str) -> Any:
    for c in el.iter():
        if _local(c) == name:
            return c
    return None


class _Map:
    """Child coordinates of a group -> points on the page (or slide)."""

    def __init__(self, ox: float = 0, oy: float = 0, sx: float = 1 / EMU_PER_PT, sy: float = 1 / EMU_PER_PT,
                 cx: float = 0, cy: float = 0):
        self.ox, self.oy, self.sx, self.sy, self.cx, self.cy = ox, oy, sx, sy, cx, cy

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + (x - self.cx) * self.sx, self.oy + (y - self.cy) * self.sy)

    def group(self, xfrm: Any) -> _Map:
        off, ext, choff, chext = (_child(xfrm, n) for n in ("off", "ext", "chOff", "chExt"))
        if off is None or ext is None:
            return self
        x0, y0 = self.pt(float(off.get("x", 0)), float(off.get("y", 0)))
        w, h = float(ext.get("cx", 0)) * self.sx, float(ext.get("cy", 0)) * self.sy
        cw = float(chext.get("cx", 0)) if chext is not None else 0
        ch = float(chext.get("cy", 0)) if chext is not None else 0
        return _Map(x0, y0, w / cw if cw else self.sx, h / ch if ch else self.sy,
                    float(choff.get("x", 0)) if choff is not None else 0,
                    float(choff.get("y", 0)) if choff is not None else 0)


def group_frame(xfrm: Any) -> _Map:
    """The coordinate map of a top-level group from its ``a:xfrm`` (off/ext/chOff/chExt)."""
    return _Map().group(xfrm)


def read_shapes(root: Any, mapping: _Map | None = None, *, skip_placeholders: bool = False) -> ShapeTree:
    """Every shape, connector and picture under a group/canvas/slide tree element."""
    tree = ShapeTree()
    _walk(root, mapping or _Map(), tree, skip_placeholders)
    return tree


def _walk(el: Any, m: _Map, tree: ShapeTree, skip_ph: bool) -> None:
    for c in el:
        name = _local(c)
        if name in ("grpSp", "wgp"):
            props = _child(c, "grpSpPr")
            xfrm = _child(props, "xfrm") if props is not None else None
            _walk(c, m.group(xfrm) if xfrm is not None else m, tree, skip_ph)
        elif name in ("sp", "wsp", "cxnSp"):
            if skip_ph and (_find(c, "ph") is not None or _caption_box(c)):
                continue
            _shape(c, m, tree)
        elif name == "pic":
            box = _box(c, m)
            blip = _find(c, "blip")
            rid = next((v for k, v in blip.attrib.items() if k.endswith("}embed")), None) if blip is not None else None
            if box and rid:
                tree.pictures.append((rid, box))
                # a picture among shapes is a node (a router or server icon), as in the PDF path
                tree.drawings.append({"type": "image", "rect": box, "items": []})
        elif name in ("AlternateContent", "Choice"):
            _walk(c, m, tree, skip_ph)


def _caption_box(shape: Any) -> bool:
    """A text box holding a figure caption belongs to the slide's text, not to the drawing."""
    text = "".join(t.text or "" for t in shape.iter() if _local(t) == "t").strip()
    return text.startswith(("Figure", "Fig."))


def _box(shape: Any, m: _Map) -> tuple[float, float, float, float] | None:
    props = _child(shape, "spPr")
    xfrm = _child(props, "xfrm") if props is not None else None
    if xfrm is None:
        return None
    off, ext = _child(xfrm, "off"), _child(xfrm, "ext")
    if off is None or ext is None:
        return None
    x, y = float(off.get("x", 0)), float(off.get("y", 0))
    p0 = m.pt(x, y)
    p1 = m.pt(x + float(ext.get("cx", 0)), y + float(ext.get("cy", 0)))
    return (p0[0], p0[1], p1[0], p1[1])


def _shape(shape: Any, m: _Map, tree: ShapeTree) -> None:
    box = _box(shape, m)
    if box is None:
        return
    props = _child(shape, "spPr")
    geom = _child(props, "prstGeom")
    prst = geom.get("prst", "rect") if geom is not None else ("line" if _local(shape) == "cxnSp" else "rect")
    line = _child(props, "ln")
    no_line = line is not None and _child(line, "noFill") is not None
    no_fill = _child(props, "noFill") is not None
    x0, y0, x1, y1 = box
    if prst in _LINES or _local(shape) == "cxnSp" or _find(shape, "cNvCnPr") is not None:
        xfrm = _child(props, "xfrm")
        if xfrm.get("flipH") in ("1", "true"):
            x0, x1 = x1, x0
        if xfrm.get("flipV") in ("1", "true"):
            y0, y1 = y1, y0
        items: list[tuple] = [("l", (x0, y0), (x1, y1))]
        tree.drawings.append(_drawing(items, stroke=True, fill=False))
        for end, (tx, ty), (fx, fy) in (("tailEnd", (x1, y1), (x0, y0)), ("headEnd", (x0, y0), (x1, y1))):
            mark = _child(line, end) if line is not None else None
            if mark is not None and mark.get("type", "none") != "none":
                tree.drawings.append(_arrow((fx, fy), (tx, ty)))
        tree.connectors += 1
    else:
        lo, hi = (min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))
        if prst in _ROUND:
            items = _ellipse(lo, hi)
        else:
            items = [("re", (lo[0], lo[1], hi[0], hi[1]), 0)]
        if not (no_line and no_fill):
            tree.drawings.append(_drawing(items, stroke=not no_line, fill=not no_fill))
        tree.shapes += 1
    _text(shape, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), tree)


def _drawing(items: list[tuple], *, stroke: bool, fill: bool) -> dict[str, Any]:
    xs = [p[0] for it in items for p in _points(it)]
    ys = [p[1] for it in items for p in _points(it)]
    return {"type": "fs" if stroke and fill else ("s" if stroke else "f"), "items": items,
            "rect": (min(xs), min(ys), max(xs), max(ys)), "color": (0.0, 0.0, 0.0) if stroke else None,
            "fill": (1.0, 1.0, 1.0) if fill else None, "width": 1.0, "closePath": False}


def _points(it: tuple) -> list[tuple[float, float]]:
    if it[0] == "re":
        r = it[1]
        return [(r[0], r[1]), (r[2], r[3])]
    return list(it[1:])


def _arrow(frm: tuple[float, float], tip: tuple[float, float], size: float = 6.0) -> dict[str, Any]:
    ang = math.atan2(tip[1] - frm[1], tip[0] - frm[0])
    left = (tip[0] - size * math.cos(ang - 0.4), tip[1] - size * math.sin(ang - 0.4))
    right = (tip[0] - size * math.cos(ang + 0.4), tip[1] - size * math.sin(ang + 0.4))
    d = _drawing([("l", tip, left), ("l", left, right), ("l", right, tip)], stroke=True, fill=True)
    d["fill"] = (0.0, 0.0, 0.0)
    d["closePath"] = True
    return d


def _ellipse(lo: tuple[float, float], hi: tuple[float, float]) -> list[tuple]:
    cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
    rx, ry, k = (hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, 0.5523
    pts = [(cx + rx, cy), (cx, cy + ry), (cx - rx, cy), (cx, cy - ry), (cx + rx, cy)]
    ctl = [((cx + rx, cy + k * ry), (cx + k * rx, cy + ry)), ((cx - k * rx, cy + ry), (cx - rx, cy + k * ry)),
           ((cx - rx, cy - k * ry), (cx - k * rx, cy - ry)), ((cx + k * rx, cy - ry), (cx + rx, cy - k * ry))]
    return [("c", pts[i], ctl[i][0], ctl[i][1], pts[i + 1]) for i in range(4)]


def _text(shape: Any, box: tuple[float, float, float, float], tree: ShapeTree) -> None:
    """The shape's paragraphs as spans stacked in the middle of its box (Office centres by default)."""
    body = _child(shape, "txBody")
    if body is None:
        body = _find(shape, "txbxContent")
    if body is None:
        return
    paras = []
    for p in body.iter():
        if _local(p) != "p":
            continue
        text = "".join(t.text or "" for t in p.iter() if _local(t) == "t").strip()
        if text:
            size = next((float(r.get("sz")) / 100 for r in p.iter() if _local(r) in ("rPr", "defRPr")
                         and r.get("sz")), None)
            if size is None:
                sz = next((r for r in p.iter() if _local(r) == "sz"), None)
                size = float(next(iter(sz.attrib.values()))) / 2 if sz is not None and sz.attrib else 10.0
            paras.append((text, size))
    if not paras:
        return
    total = sum(s * 1.2 for _, s in paras)
    y = (box[1] + box[3]) / 2 - total / 2
    for text, size in paras:
        w = min(len(text) * size * 0.5, max(box[2] - box[0], size))
        x = (box[0] + box[2]) / 2 - w / 2
        tree.spans.append(TextSpan(text=text, bbox=BBox(x0=x, y0=y, x1=x + w, y1=y + size * 1.2), size=size,
                                   font="Helvetica"))
        y += size * 1.2


def render_png(tree: ShapeTree, bbox: tuple[float, float, float, float], dpi: int = 150,
               pictures: dict[str, bytes] | None = None) -> bytes | None:
    """Draw the shapes, text and pictures with PyMuPDF: a crop for users and model describers."""
    import pymupdf

    x0, y0, x1, y1 = bbox
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    doc = pymupdf.open()
    try:
        page = doc.new_page(width=x1 - x0, height=y1 - y0)
        mv = pymupdf.Matrix(1, 0, 0, 1, -x0, -y0)
        for d in tree.drawings:
            if d.get("type") == "image":
                continue  # drawn from the picture itself below
            sh = page.new_shape()
            for it in d["items"]:
                if it[0] == "l":
                    sh.draw_line(pymupdf.Point(it[1]) * mv, pymupdf.Point(it[2]) * mv)
                elif it[0] == "re":
                    sh.draw_rect(pymupdf.Rect(it[1]) * mv)
                elif it[0] == "c":
                    sh.draw_bezier(*(pymupdf.Point(p) * mv for p in it[1:]))
            sh.finish(color=d.get("color"), fill=d.get("fill"), width=d.get("width", 1.0),
                      closePath=d.get("closePath", False))
            sh.commit()
        for rid, box in tree.pictures:
            data = (pictures or {}).get(rid)
            if data:
                try:
                    page.insert_image(pymupdf.Rect(box) * mv, stream=data)
                except Exception:  # noqa: BLE001 - a metafile PyMuPDF cannot place: leave the box empty
                    page.draw_rect(pymupdf.Rect(box) * mv, color=(0.6, 0.6, 0.6))
        for s in tree.spans:
            r = pymupdf.Rect(s.bbox.as_tuple()) * mv
            page.insert_text((r.x0, r.y1 - 0.25 * s.size), s.text, fontsize=s.size, fontname="helv")
        return page.get_pixmap(dpi=dpi).tobytes("png")
    finally:
        doc.close()
