"""Soft shadows that LibreOffice paints as pictures under PowerPoint shapes and connectors.

Each shadow is a flat black picture whose soft mask fades out on every side. Read as a
picture it was an "icon" node, and the one under a connector swallowed the arrowhead of the
link drawn over it (private5g slide 9 lost all four links out of its orchestrator). Every
picture here is generated."""

from __future__ import annotations

import pytest

pymupdf = pytest.importorskip("pymupdf")
np = pytest.importorskip("numpy")


def _picture(w: int, h: int, *, blur: int, colours: int = 1, margin: int = 10) -> object:
    """An RGBA pixmap: a box of alpha 255 inset by ``margin``, its edge faded over ``blur``
    pixels (0: a crisp edge); ``colours`` > 1 paints stripes of different colours."""
    yy, xx = np.mgrid[0:h, 0:w]
    inside = np.minimum.reduce([xx - margin, w - 1 - margin - xx, yy - margin, h - 1 - margin - yy])
    if blur:
        alpha = np.clip((inside + blur) * 255.0 / (2 * blur), 0, 255)
    else:
        alpha = np.where(inside >= 0, 255.0, 0.0)
    rgb = np.zeros((h, w, 3), dtype=np.uint8)
    for k in range(1, colours):
        rgb[:, k * w // colours:, k % 3] = 40 * k
    samples = np.dstack([rgb, alpha.astype(np.uint8)]).tobytes()
    return pymupdf.Pixmap(pymupdf.csRGB, w, h, samples, True)


def _xrefs(doc: object) -> tuple[int, int]:
    xref, smask = doc[0].get_images(full=True)[0][:2]
    return xref, smask


@pytest.mark.parametrize("blur, colours, shadow", [(8, 1, True), (0, 1, False), (8, 3, False)])
def test_a_flat_picture_fading_out_is_a_shadow(blur: int, colours: int, shadow: bool) -> None:
    from dicmodel.ingest.painted import painted_shadow

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image((100, 100, 220, 160), pixmap=_picture(240, 120, blur=blur, colours=colours))
    xref, smask = _xrefs(doc)
    assert smask, "the picture needs its soft mask for this test"
    assert painted_shadow(doc, xref, smask) is shadow


def test_a_link_over_its_shadow_is_read() -> None:
    from dicmodel import convert
    from dicmodel._pdfgen import _box

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "The orchestrator programs both switches.", fontsize=10)
    boxes = {"Orchestrator": (200, 100, 400, 140), "Switch A": (120, 260, 240, 300),
             "Switch B": (360, 260, 480, 300)}
    for r in boxes.values():  # each box's shadow, offset down and right
        page.insert_image((r[0] - 2, r[1] - 2, r[2] + 6, r[3] + 6), pixmap=_picture(
            int(r[2] - r[0] + 8) * 2, int(r[3] - r[1] + 8) * 2, blur=8, margin=8))
    for tip in ((180, 258), (420, 258)):  # each connector's shadow covers the link's whole box
        x0, x1 = sorted((300, tip[0]))
        page.insert_image((x0 - 6, 136, x1 + 8, 266), pixmap=_picture(
            int(x1 - x0 + 14) * 2, 260, blur=8, margin=6))
    for name, r in boxes.items():
        _box(page, r, name)
    for tip in ((180, 258), (420, 258)):
        page.draw_line((300, 140), tip, color=(0, 0.3, 0.8), width=1.5, dashes="[3 3] 0")
        d = np.subtract(tip, (300, 140)) / np.hypot(*np.subtract(tip, (300, 140)))
        n = np.array([-d[1], d[0]])
        base = np.asarray(tip) - 7 * d
        page.draw_polyline([tip, tuple(base + 3.5 * n), tuple(base - 3.5 * n), tip],
                           color=(0, 0.3, 0.8), fill=(0, 0.3, 0.8), closePath=True)
    page.insert_text((72, 340), "Figure 1: Orchestration", fontsize=9)
    out = convert(doc.tobytes())
    fig = next(f for f in out.figures if f.description and f.description.diagram)
    d = fig.description.diagram
    label = {n.id: n.label for n in d.nodes}
    links = {(label.get(e.source), label.get(e.target)) for e in d.edges}
    assert links == {("Orchestrator", "Switch A"), ("Orchestrator", "Switch B")}
    assert sorted(label.values()) == ["Orchestrator", "Switch A", "Switch B"]


def test_a_container_named_in_its_middle_keeps_its_name() -> None:
    """A cloud with its API's box on its rim and its name in the middle (ops-figures slide
    22): the one free text inside a container is its name, wherever it sits; two are notes."""
    from tests.test_structural_engine import Fig, read

    def cloud(names: list[str]) -> object:
        f = Fig(420, 300)
        f.box(20, 20, 220, 280)                       # the cloud
        f.box(20, 20, 220, 50, "Provisioning API")    # its API on the rim
        f.box(300, 120, 400, 160, "Cluster")
        f.arrow((220, 35), (300, 140))
        for k, name in enumerate(names):
            f.text(name, 120, 140 + 40 * k, size=14)
        return read(f)

    named = cloud(["Commercial Cloud"])
    assert [g.label for g in named.diagram.groups] == ["Commercial Cloud"]
    assert "Commercial Cloud" not in " ".join(named.diagram.notes)
    two = cloud(["Region 1", "Region 2"])
    assert [g.label for g in two.diagram.groups] == [""]
