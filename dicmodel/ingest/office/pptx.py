"""PPTX -> Document: each slide a page (1-based slide number), shapes in reading order.

The title placeholder is a heading; other text frames are text or list items (top to bottom,
then left to right); tables are Markdown tables; pictures are raster or (EMF/WMF, through
LibreOffice) vector figures; charts give their data table and SmartArt its hierarchy. A slide
drawn as a diagram (connectors, or several drawn shapes) becomes one figure: its shapes as
vector drawings and text, ``source_format="pptx"`` with ``source_part="slide-N"`` and the deck's
bytes for :mod:`dicmodel.sources`, and as crop the slide rendered by LibreOffice (one call per
deck, together with the deck's metafiles), or drawn from the shapes when LibreOffice is absent.
"""

from __future__ import annotations

import io
from typing import Any

from ...document import BBox, BlockType, Page
from ...errors import CorruptDocumentError
from .common import Builder, markdown_table, office_module
from .shapes import EMU_PER_PT, ShapeTree, read_shapes

__all__ = ["ingest_pptx"]

_DIAGRAM_SHAPES = 3  # drawn (non-placeholder) shapes that make a slide a diagram without connectors


def ingest_pptx(data: bytes, name: str, sha: str, opts: Any) -> Any:
    pptx = office_module("pptx")
    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except Exception as err:
        raise CorruptDocumentError(f"{name}: not a readable PPTX package: {err}") from err
    b = Builder(name, sha, opts, "pptx")
    width, height = deck.slide_width / EMU_PER_PT, deck.slide_height / EMU_PER_PT
    slides: list[tuple[Any, int, ShapeTree]] = []
    wanted = set(opts.page_indices(len(deck.slides))) if len(deck.slides) else set()
    for n, slide in enumerate(deck.slides, start=1):
        if n - 1 not in wanted:
            continue
        try:
            tree = _slide(b, slide, n, data)
            if tree is not None:
                slides.append(tree)
        except Exception as err:  # noqa: BLE001 - one broken slide costs only itself
            b.error(None, type(err).__name__, f"slide {n} could not be read: {err}", page=n)
    if slides and opts.render_crops:
        b.deck = (data, "pptx", [(fig, n, t) for fig, n, t in slides])
    pages = [Page(number=n + 1, width=width, height=height) for n in sorted(wanted)]
    return b.finish(pages or [Page(number=1, width=width, height=height)],
                    {"slides": len(deck.slides), "slide_size": [round(width, 1), round(height, 1)]})


def _box(shape: Any) -> BBox:
    x, y = (shape.left or 0) / EMU_PER_PT, (shape.top or 0) / EMU_PER_PT
    w, h = (shape.width or 0) / EMU_PER_PT, (shape.height or 0) / EMU_PER_PT
    return BBox(x0=x, y0=y, x1=x + max(0.0, w), y1=y + max(0.0, h))


def _local(el: Any) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _is_drawn(shape: Any) -> bool:
    """A shape of a drawing, not a slide's text frame: connectors, groups, non-placeholder shapes
    with a geometry other than a plain text box."""
    if shape.is_placeholder:
        return False
    tag = _local(shape.element)
    if tag in ("cxnSp", "grpSp"):
        return True
    return tag == "sp" and shape.element.find(".//{*}cNvSpPr[@txBox='1']") is None


def _slide(b: Builder, slide: Any, n: int, data: bytes) -> tuple[Any, int, ShapeTree] | None:
    shapes = sorted(slide.shapes, key=lambda s: (round(((s.top or 0) / EMU_PER_PT) / 18), s.left or 0))
    drawn = [s for s in shapes if _is_drawn(s)]
    connectors = sum(1 for s in drawn if _local(s.element) == "cxnSp")
    diagram = connectors > 0 or len(drawn) >= _DIAGRAM_SHAPES
    title = slide.shapes.title
    if title is not None and title.has_text_frame and title.text_frame.text.strip():
        b.text(BlockType.heading, title.text_frame.text, n, level=1, bbox=_box(title))
    placed = False
    out = None
    b.new_page()
    frame = read_shapes(slide.shapes._spTree, skip_placeholders=True).bbox() if diagram else None
    for shape in shapes:
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if frame is not None and _local(shape.element) == "pic" and _inside(_box(shape), frame):
            continue  # a device icon of the drawing: part of the slide's diagram figure
        if not shape.is_placeholder and shape.has_text_frame and \
                shape.text_frame.text.strip().startswith(("Figure", "Fig.")):
            b.para += 1
            _text_frame(b, shape, n)  # a caption text box, not a label of the drawing
            continue
        if diagram and (_is_drawn(shape) or (not shape.is_placeholder and shape.has_text_frame)):
            if not placed:  # the drawn shapes are one figure, where the first of them sits
                b.para += 1
                out = _diagram(b, slide, n, data)
                placed = True
            continue
        b.para += 1
        _shape(b, shape, n)
    return out


def _inside(box: BBox, frame: tuple[float, float, float, float]) -> bool:
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return frame[0] <= cx <= frame[2] and frame[1] <= cy <= frame[3]


def _shape(b: Builder, shape: Any, n: int) -> None:
    tag = _local(shape.element)
    if tag == "pic":
        try:
            blob, name = shape.image.blob, shape.image.filename or ""
        except Exception:  # noqa: BLE001 - a linked picture
            blob, name = None, shape.name
        b.picture(n, blob, (_box(shape).width, _box(shape).height), name=name, bbox=_box(shape))
    elif tag == "graphicFrame":
        _frame(b, shape, n)
    elif tag == "grpSp":
        tree = read_shapes(shape.element)
        _vector(b, n, tree, shape.part, route="shapes")
    elif shape.has_text_frame:
        _text_frame(b, shape, n)


def _text_frame(b: Builder, shape: Any, n: int) -> None:
    kind = str(shape.placeholder_format.type or "") if shape.is_placeholder else ""
    bulleted = "BODY" in kind or "OBJECT" in kind
    for para in shape.text_frame.paragraphs:
        text = "".join(r.text for r in para.runs) or para.text
        if not text.strip():
            continue
        if text.strip().startswith(("Figure", "Fig.")):
            b.caption(text, n, bbox=_box(shape))
        else:
            b.text(BlockType.list_item if bulleted or para.level > 0 else BlockType.text, text, n, bbox=_box(shape))


def _frame(b: Builder, shape: Any, n: int) -> None:
    if shape.has_table:
        rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
        md = markdown_table(rows)
        if md:
            b.text(BlockType.table, md, n, markdown=md, bbox=_box(shape))
        return
    data = shape.element.find(".//{*}graphicData")
    uri = data.get("uri", "") if data is not None else ""
    box = _box(shape)
    if uri.endswith("/chart"):
        from .parts import chart_description

        b.described(n, (box.width, box.height), chart_description(shape.chart_part.blob), route="chart", bbox=box)
    elif uri.endswith("/diagram"):
        from .parts import smartart_description

        rel = next((c for c in data if _local(c) == "relIds"), None)
        rid = next((v for k, v in rel.attrib.items() if k.endswith("}dm")), None) if rel is not None else None
        if rid is None:
            raise CorruptDocumentError(f"slide {n}: SmartArt without a data model")
        b.described(n, (box.width, box.height), smartart_description(shape.part.related_part(rid).blob),
                    route="smartart", bbox=box)
    elif shape.shape_type is not None and "OBJECT" in str(shape.shape_type):
        preview = next((e for e in shape.element.iter() if _local(e) == "blip"), None)
        rid = next((v for k, v in preview.attrib.items() if k.endswith("}embed")), None) if preview is not None else None
        blob = shape.part.related_part(rid).blob if rid else None
        fig = b.picture(n, blob, (box.width, box.height), name=f"{shape.name} preview", bbox=box)
        prog = getattr(shape.ole_format, "prog_id", "") or ""
        if fig is not None and "visio" in prog.lower():
            blob = _ole_blob(shape)
            if blob is not None:
                fig.source_data, fig.source_format = blob, "vsdx" if blob[:2] == b"PK" else "ole"


def _ole_blob(shape: Any) -> bytes | None:
    try:
        return shape.ole_format.blob
    except Exception:  # noqa: BLE001 - a linked object: no source inside the deck
        return None


def _diagram(b: Builder, slide: Any, n: int, data: bytes) -> tuple[Any, int, ShapeTree] | None:
    tree = read_shapes(slide.shapes._spTree, skip_placeholders=True)
    fig = _vector(b, n, tree, slide.part, route="slide diagram")
    if fig is None:
        return None
    fig.source_format, fig.source_part, fig.source_data = "pptx", f"slide-{n}", data
    b.routes["source"] = b.routes.get("source", 0) + 1
    return (fig, n, tree)


def _vector(b: Builder, n: int, tree: ShapeTree, part: Any, route: str) -> Any:
    pics = {}
    for rid, _ in tree.pictures:
        try:
            pics[rid] = part.related_part(rid).blob
        except (KeyError, AttributeError):
            continue
    return b.shapes_figure(n, tree, None, pics, route=route)
