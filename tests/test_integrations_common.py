"""Shared builders for the integration tests: a hand-made Document, a fake describer, test files.

Imported by the other tests/test_integrations_*.py modules; the one test here checks the builders.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

from dicmodel.describe.base import FigureRequest
from dicmodel.document import (
    BBox,
    Block,
    BlockType,
    Description,
    Document,
    Figure,
    FigureKind,
    FigureType,
    Page,
    TextSpan,
    figure_id,
)

SECRET = "Gateway Zorbex-7 replies with a Tokamak-42 grant"


def make_document() -> Document:
    """Two pages: heading + text on page 0, a described figure with caption on page 1."""
    sha = hashlib.sha256(b"hand-made").hexdigest()
    box = BBox(x0=50, y0=100, x1=400, y1=300)
    fid = figure_id(sha, 1, box)
    desc = Description(text=f"The sequence diagram shows that the UE sends Attach Request and "
                            f"{SECRET}.", figure_type=FigureType.sequence, confidence=0.8,
                       describer="fake:1", mermaid="sequenceDiagram\n  UE->>MME: Attach Request")
    fig = Figure(id=fid, page=2, bbox=box, kind=FigureKind.vector, caption="Figure 1: Attach flow",
                 section="Attach", spans=[TextSpan(text="UE", bbox=box)], description=desc)
    blocks = [
        Block(type=BlockType.heading, page=1, bbox=BBox(x0=50, y0=50, x1=300, y1=70), order=0,
              text="Attach", level=1),
        Block(type=BlockType.text, page=1, bbox=BBox(x0=50, y0=80, x1=500, y1=120), order=1,
              text="The attach procedure registers the UE with the network.", section="Attach"),
        Block(type=BlockType.figure, page=2, bbox=box, order=2, figure_id=fid, section="Attach"),
        Block(type=BlockType.caption, page=2, bbox=BBox(x0=50, y0=305, x1=300, y1=320), order=3,
              text="Figure 1: Attach flow", section="Attach"),
    ]
    pages = [Page(number=1, width=595, height=842), Page(number=2, width=595, height=842)]
    return Document(source="hand.pdf", sha256=sha, pages=pages, blocks=blocks, figures=[fig])


class FakeDescriber:
    """Deterministic describer: echoes the figure's labels; records how many figures it saw."""

    name = "fake"

    def __init__(self) -> None:
        self.seen: list[FigureRequest] = []

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        self.seen.extend(requests)
        out = []
        for r in requests:
            labels = " ".join(s.text for s in r.spans)
            has_image = "with image" if r.image else "without image"
            out.append(Description(text=f"Fake description ({has_image}): {labels}".strip(),
                                   figure_type=FigureType.architecture, confidence=0.5,
                                   describer="fake:1"))
        return out


def diagram_png(labels: Sequence[str] = ("UE", "eNB", "MME"), size: tuple[int, int] = (420, 160)) -> bytes:
    """A small box-and-arrow diagram drawn with PIL (a raster figure for Office/HTML tests)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    step = size[0] // max(1, len(labels))
    for i, label in enumerate(labels):
        x = 10 + i * step
        draw.rectangle((x, 50, x + step - 40, 110), outline="black", width=2)
        draw.text((x + 10, 72), label, fill="black")
        if i:
            draw.line((x - 40, 80, x, 80), fill="black", width=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def write_callflow_pdf(path: Path, secret_in_figure: str = SECRET) -> Path:
    """A one-page PDF: text about a procedure, and a vector call flow whose last message holds
    a fact found nowhere in the text (nor in the caption)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((50, 60), "4 Session establishment", fontsize=16)
    body = ("This section describes how a terminal establishes a data session with the core "
            "network. The procedure is shown in the figure below. Timers and retransmissions "
            "follow the usual rules of the protocol and are not repeated here.")
    page.insert_textbox(pymupdf.Rect(50, 80, 545, 160), body, fontsize=10)
    names = ["Terminal", "Gateway", "Controller"]
    xs = [120, 300, 480]
    for x, name in zip(xs, names):
        page.draw_rect(pymupdf.Rect(x - 50, 190, x + 50, 215), color=(0, 0, 0), width=1)
        page.insert_text((x - 40, 207), name, fontsize=10)
        page.draw_line((x, 215), (x, 420), color=(0, 0, 0), width=0.8, dashes="[3] 0")
    messages = [(0, 1, "Session Request"), (1, 2, "Policy Query"), (2, 1, "Policy Answer"),
                (1, 0, secret_in_figure)]
    for i, (a, b, label) in enumerate(messages):
        y = 245 + i * 40
        page.draw_line((xs[a], y), (xs[b], y), color=(0, 0, 0), width=1)
        tip = -6 if xs[b] > xs[a] else 6
        page.draw_polyline([(xs[b] + tip, y - 4), (xs[b], y), (xs[b] + tip, y + 4)],
                           color=(0, 0, 0), fill=(0, 0, 0))
        page.insert_text((min(xs[a], xs[b]) + 8, y - 5), label, fontsize=8)
    page.insert_text((150, 445), "Figure 4-1: Session establishment", fontsize=10)
    page.insert_textbox(pymupdf.Rect(50, 470, 545, 560),
                        "After the session is established the terminal may send user data. "
                        "Release of the session is described in clause 5.", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    doc.close()
    return path


def test_builders_make_valid_inputs(tmp_path: Path) -> None:
    doc = make_document()
    assert Document.from_json(doc.to_json()).figures[0].description.text.endswith(".")
    assert diagram_png().startswith(b"\x89PNG")
    pdf = write_callflow_pdf(tmp_path / "flow.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    out = FakeDescriber().describe([FigureRequest(figure_id="x", spans=doc.figures[0].spans)])
    assert out[0].text.endswith("UE")
