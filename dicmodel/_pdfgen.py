"""Test PDFs with known ground truth, built with PyMuPDF only (plus PIL for the raster figure).

Used by the ingest tests, the pipeline tests and the bundled example. Everything is
deterministic: the same call returns the same bytes (metadata dates are fixed).

    >>> pdf = sample_report()
    >>> pdf.data[:5], [f.caption for f in pdf.truth.figures]
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ._extras import require

__all__ = [
    "FigureTruth",
    "GeneratedPDF",
    "Truth",
    "corrupt_pdf",
    "empty_pdf",
    "encrypted_pdf",
    "mixed_figures_pdf",
    "not_a_pdf",
    "rotated_pdf",
    "sample_report",
    "topology_png",
    "truncated_pdf",
    "two_column_pdf",
]

Rect = tuple[float, float, float, float]
_W, _H = 595.0, 842.0  # A4 in points
_MARGIN = 60.0
_META = {"title": "dicmodel sample report", "author": "dicmodel", "creator": "dicmodel._pdfgen",
         "producer": "PyMuPDF", "creationDate": "D:20250101000000Z", "modDate": "D:20250101000000Z"}

PARAS = [
    ("The evolved packet core connects the radio network to external packet data networks. "
     "Figure 1 shows the attach procedure between the UE, the eNB and the MME."),
    ("During the attach the MME authenticates the subscriber and creates a default bearer. "
     "The sequence of messages is the basis of the later procedures."),
]


@dataclass
class FigureTruth:
    page: int  # 1-based, as Figure.page
    bbox: Rect  # unrotated page frame, points
    kind: str  # raster | vector
    caption: str | None = None
    label: str | None = None
    labels: list[str] = field(default_factory=list)  # text drawn inside the figure


@dataclass
class Truth:
    figures: list[FigureTruth] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)  # body text in reading order
    list_items: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    running: list[str] = field(default_factory=list)  # header/footer strings (minus page numbers)
    citations: dict[str, str] = field(default_factory=dict)  # label -> a sentence that cites it


@dataclass
class GeneratedPDF:
    data: bytes
    truth: Truth


def _pymupdf() -> Any:
    return require("pymupdf", "generating test PDFs")


def _save(doc: Any, **kw: Any) -> bytes:
    doc.set_metadata(_META)
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True, **kw)


# ---------------------------------------------------------------- drawing helpers
def _text_block(page: Any, y: float, text: str, size: float = 10.5, x0: float = _MARGIN,
                x1: float = _W - _MARGIN, font: str = "helv") -> float:
    """Write wrapped text from y; returns the y below it."""
    pymupdf = _pymupdf()
    height = 400.0
    rect = pymupdf.Rect(x0, y, x1, y + height)
    left = page.insert_textbox(rect, text, fontsize=size, fontname=font)
    used = height - left
    return y + used + size * 0.9


def _arrow(page: Any, p1: tuple[float, float], p2: tuple[float, float], label: str | None = None) -> None:
    pymupdf = _pymupdf()
    a, b = pymupdf.Point(p1), pymupdf.Point(p2)
    page.draw_line(a, b, color=(0, 0, 0), width=1)
    d = b - a
    length = abs(d) or 1.0
    u = pymupdf.Point(d.x / length, d.y / length)
    n = pymupdf.Point(-u.y, u.x)
    tip_base = b - u * 7
    page.draw_polyline([b, tip_base + n * 3.5, tip_base - n * 3.5, b], color=(0, 0, 0), fill=(0, 0, 0),
                       closePath=True)
    if label:
        mid = pymupdf.Point((a.x + b.x) / 2, (a.y + b.y) / 2)
        w = pymupdf.get_text_length(label, fontsize=8)
        page.insert_text((mid.x - w / 2, mid.y - 3), label, fontsize=8)


def _box(page: Any, r: Rect, label: str, rounded: bool = False) -> None:
    pymupdf = _pymupdf()
    rect = pymupdf.Rect(r)
    page.draw_rect(rect, color=(0, 0, 0), fill=(0.88, 0.93, 1.0), width=1, radius=0.2 if rounded else None)
    w = pymupdf.get_text_length(label, fontsize=9)
    page.insert_text((rect.x0 + (rect.width - w) / 2, rect.y0 + rect.height / 2 + 3), label, fontsize=9)


def call_flow(page: Any, top: float, left: float = 110.0, width: float = 375.0) -> tuple[Rect, list[str]]:
    """A vector message sequence chart (actors, lifelines, labelled arrows). Returns bbox, labels."""
    actors = ["UE", "eNB", "MME"]
    messages = [(0, 1, "RRC Connection Request"), (1, 2, "Initial UE Message"),
                (2, 0, "Authentication Request"), (0, 2, "Authentication Response"),
                (2, 1, "Initial Context Setup")]
    step = width / (len(actors) - 1)
    xs = [left + i * step for i in range(len(actors))]
    bottom = top + 32 + 26 * len(messages) + 10
    for x, name in zip(xs, actors):
        _box(page, (x - 28, top, x + 28, top + 22), name)
        page.draw_line((x, top + 22), (x, bottom), color=(0.3, 0.3, 0.3), width=0.8, dashes="[3 2] 0")
    for k, (a, b, text) in enumerate(messages):
        y = top + 42 + 26 * k
        _arrow(page, (xs[a], y), (xs[b], y), text)
    return (left - 28, top, left + width + 28, bottom), actors + [m[2] for m in messages]


def topology(page: Any, top: float, left: float = 120.0) -> tuple[Rect, list[str]]:
    """A vector network topology / flowchart: boxes, diagonal and straight arrows, labels."""
    nodes = {"Router A": (left, top + 10), "Router B": (left + 250, top + 10),
             "Switch": (left + 125, top + 90), "Server": (left + 125, top + 160)}
    boxes = {}
    for name, (x, y) in nodes.items():
        boxes[name] = (x, y, x + 90, y + 30)
        _box(page, boxes[name], name, rounded=True)

    def mid(name: str, side: str) -> tuple[float, float]:
        x0, y0, x1, y1 = boxes[name]
        return {"b": ((x0 + x1) / 2, y1), "t": ((x0 + x1) / 2, y0), "r": (x1, (y0 + y1) / 2),
                "l": (x0, (y0 + y1) / 2)}[side]

    _arrow(page, mid("Router A", "b"), mid("Switch", "l"), "eth0")
    _arrow(page, mid("Router B", "b"), mid("Switch", "r"), "eth1")
    _arrow(page, mid("Router A", "r"), mid("Router B", "l"), "BGP")
    _arrow(page, mid("Switch", "b"), mid("Server", "t"))
    xs = [b[0] for b in boxes.values()] + [b[2] for b in boxes.values()]
    ys = [b[1] for b in boxes.values()] + [b[3] for b in boxes.values()]
    return (min(xs), min(ys), max(xs), max(ys)), list(nodes) + ["eth0", "eth1", "BGP"]


def topology_png(width: int = 480, height: int = 300) -> bytes:
    """A raster architecture diagram drawn with PIL (boxes, lines, labels): PNG bytes."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    boxes = {"Policy Engine": (30, 30, 200, 90), "Policy Admin": (280, 30, 450, 90),
             "Subject": (30, 200, 200, 260), "Resource": (280, 200, 450, 260)}
    for name, b in boxes.items():
        d.rectangle(b, outline="black", fill=(220, 235, 250), width=3)
        d.text((b[0] + 12, b[1] + 22), name, fill="black")
    d.line((200, 60, 280, 60), fill="black", width=3)
    d.line((115, 90, 115, 200), fill="black", width=3)
    d.line((200, 230, 280, 230), fill="black", width=3)
    d.polygon([(280, 230), (268, 224), (268, 236)], fill="black")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def _logo_png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (64, 64), (200, 30, 30))
    ImageDraw.Draw(img).ellipse((12, 12, 52, 52), fill="white")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _running(page: Any, number: int, truth: Truth, logo: bytes | None) -> None:
    """Header (title + logo) and footer (confidentiality + page number) on every page."""
    page.insert_text((_MARGIN, 40), "dicmodel sample report", fontsize=8)
    page.insert_text((_MARGIN, _H - 30), "Company confidential", fontsize=8)
    page.insert_text((_W - _MARGIN - 10, _H - 30), str(number), fontsize=8)
    if logo is not None:
        page.insert_image((_W - _MARGIN - 44, 14, _W - _MARGIN, 58), stream=logo)
    for s in ("dicmodel sample report", "Company confidential"):
        if s not in truth.running:
            truth.running.append(s)


def _section_page(doc: Any, number: int, truth: Truth, logo: bytes | None, heading: str) -> tuple[Any, float]:
    """A new page with the running header/footer and a top-level heading; returns (page, y)."""
    page = doc.new_page(width=_W, height=_H)
    _running(page, number, truth, logo)
    truth.headings.append(heading)
    return page, _text_block(page, 80, heading, size=16, font="hebo")


def _paragraph(page: Any, y: float, truth: Truth, text: str, cites: str | None = None) -> float:
    """A body paragraph, recorded in the truth (and as the citing text of figure ``cites``)."""
    truth.paragraphs.append(text)
    if cites is not None:
        truth.citations[cites] = text
    return _text_block(page, y, text)


# ---------------------------------------------------------------- documents
def sample_report(logo: bool = True, duplicate_raster: bool = True) -> GeneratedPDF:
    """Three pages: headings, paragraphs, a list, a call flow (vector), a raster figure, a table,
    a topology (vector) captioned "图 3", running header/footer/page numbers and a logo."""
    pymupdf = _pymupdf()
    doc = pymupdf.open()
    truth = Truth()
    logo_png = _logo_png() if logo else None
    png = topology_png()

    # page 1: heading, paragraphs, call flow with caption below, a list
    page, y = _section_page(doc, 1, truth, logo_png, "1 Attach procedure")
    for p in PARAS:
        y = _paragraph(page, y, truth, p)
    truth.citations["1"] = "Figure 1 shows the attach procedure between the UE, the eNB and the MME."
    bbox, labels = call_flow(page, y + 12)
    cap1 = "Figure 1: Attach call flow between UE, eNB and MME"
    y = _text_block(page, bbox[3] + 8, cap1, size=9)
    truth.figures.append(FigureTruth(1, bbox, "vector", cap1, "1", labels))
    items = ["The UE sends an RRC connection request.", "The MME selects a serving gateway.",
             "The default bearer is established."]
    for it in items:
        y = _text_block(page, y, "- " + it)
        truth.list_items.append(it)

    # page 2: heading, caption ABOVE a raster figure, paragraph citing it, a table
    page, y = _section_page(doc, 2, truth, logo_png, "2 Zero trust components")
    y = _paragraph(page, y, truth, "The policy engine decides and the policy administrator "
                   "enforces, as Fig. 2 illustrates.", cites="2")
    cap2 = "Fig. 2 Core zero trust components"
    y = _text_block(page, y + 6, cap2, size=9)
    rect = (120.0, y + 2, 120.0 + 360, y + 2 + 225)
    page.insert_image(rect, stream=png)
    truth.figures.append(FigureTruth(2, rect, "raster", cap2, "2"))
    y = rect[3] + 16
    y = _text_block(page, y, "2.1 Interfaces", size=13, font="hebo")
    truth.headings.append("2.1 Interfaces")
    y = _table(page, y, truth)
    y = _paragraph(page, y + 6, truth, "The interfaces above carry the signalling of the core network.")

    # page 3: topology with a Chinese caption below, the raster figure again (dedupe)
    page, y = _section_page(doc, 3, truth, logo_png, "3 Network topology")
    y = _paragraph(page, y, truth, "Two routers peer over BGP and share a switch; see Figure 3 "
                   "for the wiring.", cites="3")
    bbox, labels = topology(page, y + 10)
    cap3 = "图 3 Network topology with two routers"
    y = _cjk_text(page, bbox[3] + 8, cap3)
    truth.figures.append(FigureTruth(3, bbox, "vector", cap3, "3", labels))
    if duplicate_raster:
        rect = (150.0, y + 20, 150.0 + 240, y + 20 + 150)
        page.insert_image(rect, stream=png)
        truth.figures.append(FigureTruth(3, rect, "raster"))
    return GeneratedPDF(_save(doc), truth)


def _cjk_text(page: Any, y: float, text: str) -> float:
    pymupdf = _pymupdf()
    rect = pymupdf.Rect(_MARGIN, y, _W - _MARGIN, y + 40)
    page.insert_textbox(rect, text, fontsize=9, fontname="china-s")
    return y + 9 * 2


def _table(page: Any, y: float, truth: Truth) -> float:
    rows = [["Interface", "Between", "Protocol"], ["S1-MME", "eNB and MME", "S1AP"],
            ["S11", "MME and SGW", "GTPv2-C"], ["SGi", "PGW and PDN", "IP"]]
    truth.table = rows
    widths = [120.0, 160.0, 120.0]
    x0 = _MARGIN + 10
    h = 20.0
    for r, row in enumerate(rows):
        x = x0
        for c, cell in enumerate(row):
            page.draw_rect((x, y + r * h, x + widths[c], y + (r + 1) * h), color=(0, 0, 0), width=0.8)
            page.insert_text((x + 4, y + r * h + 14), cell, fontsize=9, fontname="hebo" if r == 0 else "helv")
            x += widths[c]
    return y + len(rows) * h + 8


def two_column_pdf() -> GeneratedPDF:
    """A full-width title, then two columns of three paragraphs each; order L1 L2 L3 R1 R2 R3."""
    pymupdf = _pymupdf()
    doc = pymupdf.open()
    page = doc.new_page(width=_W, height=_H)
    truth = Truth()
    _text_block(page, 60, "Two column layout", size=18, font="hebo")
    truth.headings.append("Two column layout")
    gutter = 20.0
    colw = (_W - 2 * _MARGIN - gutter) / 2
    for col in range(2):
        x0 = _MARGIN + col * (colw + gutter)
        y = 110.0
        for k in range(3):
            side = "left" if col == 0 else "right"
            text = (f"Paragraph {k + 1} of the {side} column. " + "The radio access network carries "
                    "user traffic to the core, and each paragraph is long enough to wrap. ") * 2
            y = _text_block(page, y, text.strip(), x0=x0, x1=x0 + colw) + 6
            truth.paragraphs.append(text.strip())
    return GeneratedPDF(_save(doc), truth)


def rotated_pdf(rotation: int = 90) -> GeneratedPDF:
    """One page with a paragraph and a vector topology, then /Rotate set on the page."""
    pymupdf = _pymupdf()
    doc = pymupdf.open()
    page = doc.new_page(width=_W, height=_H)
    truth = Truth()
    y = _text_block(page, 80, "Rotated page", size=16, font="hebo")
    truth.headings.append("Rotated page")
    y = _paragraph(page, y, truth, "This page is stored with a rotation; see Figure 7 below.")
    bbox, labels = topology(page, y + 10)
    cap = "Figure 7: Topology on a rotated page"
    _text_block(page, bbox[3] + 8, cap, size=9)
    truth.figures.append(FigureTruth(1, bbox, "vector", cap, "7", labels))
    page.set_rotation(rotation)
    return GeneratedPDF(_save(doc), truth)


# ---------------------------------------------------------------- mixed and wordless figures
def _mask_bits(text: str, px: int) -> tuple[bytes, int, int]:
    """``text`` rendered black on white as a 1-bit image: (packed rows, width, height)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=px)
    x0, y0, x1, y1 = font.getbbox(text)
    img = Image.new("1", (x1 - x0 + 4, y1 - y0 + 4), 1)
    ImageDraw.Draw(img).text((2 - x0, 2 - y0), text, font=font, fill=0)
    return img.tobytes(), img.width, img.height


def _set_resource(doc: Any, page: Any, path: str, value: str) -> None:
    """Set ``Resources/<path>`` of a page whose dictionaries may be indirect objects."""
    target, key = page.xref, "Resources"
    for part in path.split("/"):
        kind, val = doc.xref_get_key(target, key)
        if kind == "xref":
            target, key = int(val.split()[0]), part
        else:
            key = f"{key}/{part}"
    doc.xref_set_key(target, key, value)


def _mask_label(doc: Any, page: Any, box: Rect, text: str) -> None:
    """A label painted as a 1-bit stencil image mask (/ImageMask), centred in ``box``: the
    way ETSI PDFs of 3GPP specs carry most figure labels (no text in the PDF)."""
    bits, w, h = _mask_bits(text, 48)  # ~600 dpi for 9 pt lettering, as the ETSI files hold
    height = 9.0 * h / 48
    width = height * w / h
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    paint_mask(doc, page, (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2), bits, w, h)


def paint_mask(doc: Any, page: Any, box: Rect, bits: bytes, w: int, h: int) -> None:
    """Paint a 1-bit stencil (``w`` x ``h`` packed rows, 0 = ink) as an /ImageMask filling
    ``box`` (points, y down)."""
    x, y, width, height = box[0], box[1], box[2] - box[0], box[3] - box[1]
    xref = doc.get_new_xref()
    doc.update_object(xref, f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} "
                            "/ImageMask true /BitsPerComponent 1 >>")
    doc.update_stream(xref, bits)
    name = f"Mk{xref}"
    page.clean_contents()  # one content stream to append to (before the new resource exists)
    _set_resource(doc, page, f"XObject/{name}", f"{xref} 0 R")
    # PDF y runs up: the mask's unit square is placed at (x, page height - y - height)
    ops = f"q 0 g {width:.3f} 0 0 {height:.3f} {x:.3f} {_H - y - height:.3f} cm /{name} Do Q\n"
    cx_ = page.get_contents()[0]
    doc.update_stream(cx_, doc.xref_stream(cx_) + ops.encode())


def _masked_chain(doc: Any, page: Any, top: float) -> tuple[Rect, list[str]]:
    """Four vector boxes in a row joined by arrows, every label a bitmap mask."""
    pymupdf = _pymupdf()
    names = ["Transform", "Mapping", "IFFT", "Insertion"]
    left, w, gap = 80.0, 80.0, 40.0
    for k, name in enumerate(names):
        x = left + k * (w + gap)
        page.draw_rect(pymupdf.Rect(x, top, x + w, top + 36), color=(0, 0, 0), width=0.8)
        _mask_label(doc, page, (x, top, x + w, top + 36), name)
        if k:
            _arrow(page, (x - gap, top + 18), (x, top + 18))
    return (left, top, left + 4 * w + 3 * gap, top + 36), names


def _framed_picture(page: Any, top: float) -> tuple[Rect, list[str]]:
    """A raster diagram placed under a thin vector frame with a small vector callout."""
    pymupdf = _pymupdf()
    pic = pymupdf.Rect(110, top, 110 + 360, top + 225)
    page.insert_image(pic, stream=topology_png())
    frame = pymupdf.Rect(pic.x0 - 4, pic.y0 - 4, pic.x1 + 4, pic.y1 + 4)
    page.draw_rect(frame, color=(0.2, 0.2, 0.2), width=0.6)
    page.draw_line((frame.x1, frame.y0 + 20), (frame.x1 + 18, frame.y0 + 8), color=(0.2, 0.2, 0.2), width=0.6)
    return (frame.x0, frame.y0, frame.x1 + 18, frame.y1), ["Policy Engine", "Policy Admin",
                                                            "Subject", "Resource"]


def _wordless_art(page: Any, top: float) -> Rect:
    """Small artwork with no text (two rings and a swoosh): what a reader types 'logo'."""
    pymupdf = _pymupdf()
    page.draw_circle((260, top + 35), 30, color=(0.1, 0.3, 0.7), width=3)
    page.draw_circle((300, top + 35), 30, color=(0.8, 0.2, 0.2), width=3)
    page.draw_bezier((225, top + 70), (260, top + 90), (300, top + 90), (340, top + 65),
                     color=(0.1, 0.3, 0.7), width=2)
    return (222, top + 2, 335, top + 80)


def mixed_figures_pdf() -> GeneratedPDF:
    """Figures a vector-only reader loses, each captioned: labels painted as 1-bit bitmap
    masks on vector boxes (ETSI style), a raster diagram under a thin vector frame, and a
    small wordless drawing."""
    pymupdf = _pymupdf()
    doc = pymupdf.open()
    page = doc.new_page(width=_W, height=_H)
    truth = Truth()
    y = _paragraph(page, 60, truth, "The transmitter chain is shown in Figure 1 and the policy "
                   "architecture in Figure 2.")
    bbox, labels = _masked_chain(doc, page, y + 20)
    cap = "Figure 1: Transmitter chain with bitmap labels"
    y = _text_block(page, bbox[3] + 10, cap, size=9)
    truth.figures.append(FigureTruth(0, bbox, "mixed", cap, "1", labels))
    bbox, labels = _framed_picture(page, y + 30)
    cap = "Figure 2: Policy architecture in a frame"
    y = _text_block(page, bbox[3] + 10, cap, size=9)
    truth.figures.append(FigureTruth(0, bbox, "mixed", cap, "2", labels))
    bbox = _wordless_art(page, y + 30)
    cap = "Figure 3: Dual connectivity"
    _text_block(page, bbox[3] + 12, cap, size=9)
    truth.figures.append(FigureTruth(0, bbox, "vector", cap, "3", []))
    return GeneratedPDF(_save(doc), truth)


def encrypted_pdf(password: str = "secret") -> bytes:
    pymupdf = _pymupdf()
    base = pymupdf.open("pdf", sample_report(logo=False, duplicate_raster=False).data)
    base.set_metadata(_META)
    return base.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "-owner",
                        no_new_id=True)


def truncated_pdf(keep: float = 0.4) -> bytes:
    """The sample report cut after ``keep`` of its bytes (no xref, no trailer, no %%EOF)."""
    data = sample_report().data
    return data[: int(len(data) * keep)]


def empty_pdf() -> bytes:
    """A syntactically valid PDF whose page tree holds no page (PyMuPDF refuses to write one)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def corrupt_pdf() -> bytes:
    """A PDF header followed by garbage: no object MuPDF can recover."""
    return b"%PDF-1.7\n" + bytes((i * 37 + 11) % 256 for i in range(2048)) + b"\n%%EOF\n"


def not_a_pdf() -> bytes:
    """PNG bytes: a common mistake (an image handed to the PDF reader)."""
    return topology_png(64, 40)
