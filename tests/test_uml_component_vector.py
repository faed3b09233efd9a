"""UML component drawings as a browser prints PlantUML's SVG, read from vector geometry.

Three conventions of that output, each drawn here with PyMuPDF:

- a box with a drop shadow (an SVG filter) is printed as a picture with a soft mask: the box
  fully opaque, its shadow a faint margin beside it; the vector text sits on top;
- arrowheads are notched four-point polygons, filled and then stroked as a separate quad;
- a component box carries two small tabs across its left side (UML 1 notation).
"""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")
np = pytest.importorskip("numpy")

from dicmodel.describe._geometry.classify import build_diagram  # noqa: E402
from _vector_draw import vector_prims  # noqa: E402

RED = (0.66, 0.0, 0.21)
PX = 3  # pixels per point of the shadowed pictures (browsers print filters at 2-4)


def _shadowed_box(page, box, fill, offset=4.0, margin=8.0):
    """Paint ``box`` as a browser prints a shadowed SVG rect: an RGBA picture over the box and
    a margin, the box opaque (fill and a red outline), an offset shadow at alpha ~0.4."""
    x0, y0 = box.x0 - 2, box.y0 - 2
    area = pymupdf.Rect(x0, y0, box.x1 + margin, box.y1 + margin)
    w, h = int(area.width * PX), int(area.height * PX)
    rgba = np.zeros((h, w, 4), np.uint8)
    bx0, by0 = int((box.x0 - x0) * PX), int((box.y0 - y0) * PX)
    bx1, by1 = int((box.x1 - x0) * PX), int((box.y1 - y0) * PX)
    o = int(offset * PX)
    rgba[by0 + o:by1 + o, bx0 + o:bx1 + o] = (0, 0, 0, 100)  # the shadow
    rgba[by0 - 2:by1 + o + 3, bx0 - 2:bx1 + o + 3, 3] = np.maximum(
        rgba[by0 - 2:by1 + o + 3, bx0 - 2:bx1 + o + 3, 3], 30)  # its blurred rim
    rgba[by0:by1, bx0:bx1] = (*[int(255 * c) for c in RED], 255)  # the outline
    rgba[by0 + 3:by1 - 3, bx0 + 3:bx1 - 3, :3] = [int(255 * c) for c in fill]
    pix = pymupdf.Pixmap(pymupdf.csRGB, w, h, rgba.tobytes(), True)
    page.insert_image(area, pixmap=pix)


def _notched_head(page, tip, frm, k=1.0):
    """PlantUML's head: a filled notched polygon, then its outline stroked as a quad."""
    (x, y), (fx, fy) = tip, frm
    d = ((x - fx) ** 2 + (y - fy) ** 2) ** 0.5
    ux, uy = (x - fx) / d, (y - fy) / d
    back = (x - 10 * k * ux, y - 10 * k * uy)
    pts = [(x, y), (back[0] - 4 * k * uy, back[1] + 4 * k * ux),
           (x - 6 * k * ux, y - 6 * k * uy), (back[0] + 4 * k * uy, back[1] - 4 * k * ux)]
    page.draw_polyline(pts, color=None, fill=RED, closePath=True)
    page.draw_quad(pymupdf.Quad(*[pymupdf.Point(p) for p in (pts[0], pts[1], pts[3], pts[2])]),
                   color=RED, width=0.75)


def _component(page, box, name, fill, tabs=True):
    _shadowed_box(page, box, fill)
    if tabs:  # two small boxes across the left side
        for ty in (box.y0 + 5, box.y1 - 10):
            page.draw_rect(pymupdf.Rect(box.x0 - 5, ty, box.x0 + 5, ty + 5), color=RED, fill=fill,
                           width=1.1)
    page.insert_text((box.x0 + 12, (box.y0 + box.y1) / 2 + 4), name, fontsize=11)


def _arrow(page, a, b, k=1.0):
    page.draw_line(a, b, color=RED, width=0.75 * k)
    _notched_head(page, b, a, k)


def _components_pdf() -> bytes:
    """Three components: Client -> Gateway (level), Gateway -> Store (slanted down)."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((56, 80), "The deployment below has three components.", fontsize=10)
    client = pymupdf.Rect(70, 120, 190, 160)
    gateway = pymupdf.Rect(300, 120, 430, 160)
    store = pymupdf.Rect(180, 260, 300, 300)
    for box, name, fill in ((client, "Client", (0.68, 0.85, 0.9)), (gateway, "Gateway", (0.83, 0.83, 0.83)),
                            (store, "Store", (0.88, 1.0, 1.0))):
        _component(page, box, name, fill)
    _arrow(page, (client.x1, 140), (gateway.x0 - 5, 140))  # ends on the gateway's tab
    _arrow(page, (350, gateway.y1), (260, store.y0))
    page.insert_text((56, 340), "Figure 1: Components", fontsize=9)
    return doc.tobytes()


def test_a_shadowed_box_printed_as_a_picture_is_read_as_its_box():
    from dicmodel import convert

    doc = convert(_components_pdf())
    [fig] = doc.figures
    painted = [d for d in fig.drawings if d.get("type") == "image"]
    assert len(painted) == 3 and all(d["role"] == "shape" for d in painted)
    boxes = sorted(tuple(round(v) for v in d["shape"]["rect"]) for d in painted)
    assert boxes == [(70, 120, 190, 160), (180, 260, 300, 300), (300, 120, 430, 160)]
    assert all(d["shape"]["kind"] == "rect" for d in painted)
    fills = {tuple(round(c, 1) for c in d["shape"]["fill"]) for d in painted}
    assert (0.8, 0.8, 0.8) in fills  # the inside's colour, not the outline's
    assert not any("mixed figure" in w for w in fig.description.warnings)  # no crop read


def test_components_with_tabs_and_notched_heads_read_as_a_graph():
    from dicmodel import convert

    [fig] = convert(_components_pdf()).figures
    d = fig.description.diagram
    assert sorted(n.label for n in d.nodes) == ["Client", "Gateway", "Store"]  # no tab nodes
    lab = {n.id: n.label for n in d.nodes}
    assert sorted((lab[e.source], lab[e.target]) for e in d.edges) == [
        ("Client", "Gateway"), ("Gateway", "Store")]


def test_a_picture_without_a_soft_margin_stays_a_picture():
    """An icon (opaque, its edge antialiased over a pixel, no shadow) is not taken for a box."""
    from dicmodel.ingest.painted import painted_shape

    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[9:51, 9:51] = (20, 90, 200, 110)  # the antialiased rim
    rgba[10:50, 10:50] = (20, 90, 200, 255)  # a square icon
    page.insert_image(pymupdf.Rect(20, 20, 40, 40),
                      pixmap=pymupdf.Pixmap(pymupdf.csRGB, 60, 60, rgba.tobytes(), True))
    doc = pymupdf.open("pdf", doc.tobytes())
    [(xref, smask, *_)] = doc[0].get_images(full=True)
    assert smask and painted_shape(doc, xref, smask, (20, 20, 40, 40)) is None


def test_a_blurred_shadow_painted_alone_is_no_box():
    """LibreOffice paints a soft shadow as its own picture under the vector shape: opaque in
    the middle, fading out over several pixels on every side. Its middle is not a box."""
    from dicmodel.ingest.painted import painted_shape

    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)
    n, ramp = 90, 12
    yy, xx = np.mgrid[0:n, 0:n]
    edge = np.minimum(np.minimum(xx, n - 1 - xx), np.minimum(yy, n - 1 - yy))  # to the border
    rgba = np.zeros((n, n, 4), np.uint8)
    rgba[..., :3] = 128
    rgba[..., 3] = np.clip(edge * 255 // ramp, 0, 255)
    page.insert_image(pymupdf.Rect(20, 20, 50, 50),
                      pixmap=pymupdf.Pixmap(pymupdf.csRGB, n, n, rgba.tobytes(), True))
    doc = pymupdf.open("pdf", doc.tobytes())
    [(xref, smask, *_)] = doc[0].get_images(full=True)
    assert painted_shape(doc, xref, smask, (20, 20, 50, 50)) is None


def _page_prims(draw, width=400, height=300):
    return vector_prims(draw, width, height)


def test_a_notched_head_on_a_slanted_line_is_one_arrowhead():
    """Scaled up 1.5x (a figure placed larger), the head spans over 14 pt: it is still a head,
    not a stroke painted as a fill, and its stroked quad is not a shape."""
    p = _page_prims(lambda page: _arrow(page, (40, 40), (200, 160), k=1.5))
    assert len(p.arrowheads) >= 1 and not p.shapes
    [path] = p.paths
    tip = p.arrowheads[0].tip
    assert abs(tip[0] - 200) < 1.0 and abs(tip[1] - 160) < 1.0


def test_tabs_across_a_labelled_box_are_part_of_it():
    def draw(page):
        for box, name in ((pymupdf.Rect(40, 40, 160, 80), "Client"), (pymupdf.Rect(240, 40, 360, 80), "Gateway")):
            page.draw_rect(box, color=RED, fill=(1, 1, 0.8), width=1.1)
            for ty in (box.y0 + 5, box.y1 - 10):
                page.draw_rect(pymupdf.Rect(box.x0 - 5, ty, box.x0 + 5, ty + 5), color=RED,
                               fill=(1, 1, 0.8), width=1.1)
            page.insert_text((box.x0 + 12, box.y0 + 24), name, fontsize=11)
        _arrow(page, (160, 47.5), (235, 47.5))  # ends on the gateway's upper tab

    d = build_diagram(_page_prims(draw)).diagram
    assert sorted(n.label for n in d.nodes) == ["Client", "Gateway"]
    lab = {n.id: n.label for n in d.nodes}
    assert [(lab[e.source], lab[e.target]) for e in d.edges] == [("Client", "Gateway")]


def test_same_sized_pictures_are_paired_with_their_xrefs_without_decoding_them():
    """A browser's print holds dozens of same-sized shadowed boxes: the size cannot tell them
    apart, the name the page paints each by can (hashing every decoded picture cost ~1 s)."""
    from dicmodel.ingest.figures import images_of

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for k, (x, colour) in enumerate(((20, (255, 0, 0)), (120, (0, 0, 255)), (220, (0, 160, 0)))):
        rgba = np.zeros((30, 40, 4), np.uint8)
        rgba[...] = (*colour, 255)
        page.insert_image(pymupdf.Rect(x, 40 + 30 * k, x + 40, 70 + 30 * k),
                          pixmap=pymupdf.Pixmap(pymupdf.csRGB, 40, 30, rgba.tobytes(), True))
    doc = pymupdf.open("pdf", doc.tobytes())
    real = doc[0]

    class NoHashing:  # the page, except that asking PyMuPDF to hash fails the test
        def __getattr__(self, name):
            return getattr(real, name)

        def get_image_info(self, hashes=False, xrefs=False):
            assert not (hashes or xrefs), "decoded and hashed every picture"
            return real.get_image_info()

    imgs = images_of(NoHashing(), doc, (0, 0, 300, 200), {})
    truth = {tuple(round(v) for v in i["bbox"]): i["xref"] for i in real.get_image_info(xrefs=True)}
    assert len(imgs) == 3
    assert {tuple(round(v) for v in im.rect): im.xref for im in imgs} == truth


def test_a_label_wrapped_over_several_lines_stays_whole():
    """PlantUML wraps a long link label into a stack of lines beside the link; the lines far
    from it are still that label, not notes."""
    def draw(page):
        for box, name in ((pymupdf.Rect(20, 120, 110, 160), "Tenant"),
                          (pymupdf.Rect(300, 120, 390, 160), "Manager")):
            page.draw_rect(box, color=RED, fill=(1, 1, 0.8), width=1.1)
            page.insert_text((box.x0 + 10, box.y0 + 24), name, fontsize=11)
        _arrow(page, (110, 140), (300, 140))
        for k, line in enumerate(("tenant of &", "consents to", "the rental", "agreement")):
            page.insert_text((170, 88 + 12 * k), line, fontsize=10)

    d = build_diagram(_page_prims(draw)).diagram
    [e] = d.edges
    assert e.label == "tenant of & consents to the rental agreement"
    assert not d.notes
