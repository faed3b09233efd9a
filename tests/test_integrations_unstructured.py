"""DOCX / PPTX / HTML through unstructured, offline, with embedded images as described figures.

Every ingest here runs with the network cut (socket connections raise and are recorded), so a
download attempt by unstructured (spaCy model, telemetry) fails the test instead of passing
silently. Importing unstructured and spaCy the first time takes ~15 s here, hence `slow`.
"""

from __future__ import annotations

import base64
import io
import socket
from pathlib import Path

import pytest

pytest.importorskip("unstructured")
docx = pytest.importorskip("docx")
pptx = pytest.importorskip("pptx")

from test_integrations_common import FakeDescriber, diagram_png, make_document

from dicmodel.document import BlockType, Document
from dicmodel.integrations.unstructured import (
    OfficeOptions,
    ingest_office,
    offline_nlp,
    rule_based_nlp,
    to_elements,
)

pytestmark = pytest.mark.slow


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> list:
    """Cut every outgoing connection; the list records what was attempted."""
    attempts: list = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"network disabled in this test (tried {address!r})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def _docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Attach procedure", 1)
    d.add_paragraph("The UE sends an attach request to the MME when it powers on.")
    d.add_picture(io.BytesIO(diagram_png(("UE", "eNB", "MME"))))
    d.add_paragraph("Figure 1: Attach call flow", style="Caption")
    d.add_heading("Bearers", 1)
    d.add_paragraph("After attach, the default bearer is established.")
    d.add_picture(io.BytesIO(diagram_png(("SGW", "PGW"))))
    d.save(str(path))
    return path


def test_docx_caption_rules_are_the_pdf_ones(tmp_path: Path, no_network: list) -> None:
    d = docx.Document()
    d.add_picture(io.BytesIO(diagram_png(("UE", "MME"))))
    d.add_paragraph("Figure 2 shows how the bearer is set up between the gateways.")
    d.add_picture(io.BytesIO(diagram_png(("R1", "R2"))))
    d.add_paragraph("Figure 3-1 Topology of the two routers and their shared switch in the core")
    d.save(str(tmp_path / "c.docx"))
    doc = ingest_office(tmp_path / "c.docx")
    # a sentence that only cites a figure is body text, not the caption of the image before it
    assert doc.figures[0].caption is None
    assert doc.figures[1].caption and doc.figures[1].caption.startswith("Figure 3-1 Topology")
    assert doc.figures[1].label == "3-1"


def _pptx(path: Path) -> Path:
    from pptx.util import Inches

    pres = pptx.Presentation()
    for title, labels in (("Topology", ("R1", "R2", "R3")), ("Control plane", ("AMF", "SMF"))):
        slide = pres.slides.add_slide(pres.slide_layouts[5])
        slide.shapes.title.text = title
        slide.shapes.add_picture(io.BytesIO(diagram_png(labels)), Inches(1), Inches(2))
        box = slide.shapes.add_textbox(Inches(1), Inches(5.5), Inches(7), Inches(1))
        box.text_frame.text = f"The {labels[0]} node forwards traffic to {labels[1]}."
    pres.save(str(path))
    return path


def _html(path: Path) -> Path:
    inline = base64.b64encode(diagram_png(("AMF", "SMF", "UPF"))).decode()
    (path.parent / "local.png").write_bytes(diagram_png(("gNB", "AMF")))
    path.write_text(
        "<html><body><h1>5G core</h1><p>The AMF selects an SMF for each session.</p>"
        f"<figure><img src=\"data:image/png;base64,{inline}\" alt=\"service based architecture\">"
        "<figcaption>Figure 2: Service based core</figcaption></figure>"
        "<p>The radio side is shown next.</p><img src=\"local.png\">"
        "<img src=\"https://example.invalid/remote.png\"></body></html>", encoding="utf-8")
    return path


def _is_png(data: bytes | None) -> bool:
    return bool(data) and data.startswith(b"\x89PNG")


def test_docx_blocks_in_order_with_images_and_caption_offline(tmp_path: Path, no_network: list) -> None:
    doc = ingest_office(_docx(tmp_path / "a.docx"))
    assert no_network == [], f"ingest tried to reach the network: {no_network}"
    types = [b.type for b in sorted(doc.blocks, key=lambda b: b.order)]
    assert types == [BlockType.heading, BlockType.text, BlockType.figure, BlockType.caption,
                     BlockType.heading, BlockType.text, BlockType.figure]
    assert len(doc.figures) == 2 and all(_is_png(f.image) for f in doc.figures)
    assert doc.figures[0].caption == "Figure 1: Attach call flow" and doc.figures[1].caption is None
    assert doc.figures[0].label == "1"  # the PDF ingest's caption rules, label included
    assert [f.section for f in doc.figures] == ["Attach procedure", "Bearers"]
    assert len({f.id for f in doc.figures}) == 2
    assert doc.metadata["unstructured_nlp"] in ("rule-based", "en_core_web_sm")
    Document.from_json(doc.to_json())  # serialisable like any PDF Document


def test_pptx_slides_are_pages_and_pictures_keep_their_position(tmp_path: Path, no_network: list) -> None:
    doc = ingest_office(_pptx(tmp_path / "a.pptx"))
    assert no_network == []
    assert [f.page for f in doc.figures] == [1, 2]
    assert all(_is_png(f.image) for f in doc.figures)
    assert doc.figures[0].bbox.x0 == pytest.approx(72.0) and doc.figures[0].bbox.y0 == pytest.approx(144.0)
    assert doc.pages[0].width == pytest.approx(720.0)  # 10-inch default slide
    headings = [b.text for b in doc.blocks if b.type == BlockType.heading]
    assert headings == ["Topology", "Control plane"]
    assert doc.figures[1].section == "Control plane"


def test_html_inline_local_and_remote_images(tmp_path: Path, no_network: list) -> None:
    doc = ingest_office(_html(tmp_path / "page.html"))
    assert no_network == [], "a remote <img> must never be fetched"
    assert len(doc.figures) == 3
    inline, local, remote = doc.figures
    assert _is_png(inline.image) and inline.caption == "Figure 2: Service based core"
    assert inline.context == ["alt text: service based architecture"]
    assert _is_png(local.image)
    assert remote.image is None
    assert any("remote image not fetched" in e.message and e.figure_id == remote.id for e in doc.errors)


def _has_pipeline() -> bool:
    try:
        from dicmodel.ingest import IngestOptions  # noqa: F401  (convert builds these for every source)
        from dicmodel.pipeline import convert  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _has_pipeline(), reason="dicmodel.pipeline / dicmodel.ingest have not landed")
def test_convert_routes_office_files_and_describes_their_figures(tmp_path: Path, no_network: list) -> None:
    import dicmodel

    fake = FakeDescriber()
    doc = dicmodel.convert(_docx(tmp_path / "a.docx"), describer=fake)
    assert len(fake.seen) == 2 and all(r.image for r in fake.seen)
    assert all(f.description and "with image" in f.description.text for f in doc.figures)
    md = doc.to_markdown()
    assert md.index("Attach procedure") < md.index("Fake description") < md.index("Bearers")


def test_to_elements_figures_are_image_elements_with_logical_text() -> None:
    elements = to_elements(make_document(), include_images=False)
    kinds = [type(e).__name__ for e in elements]
    assert kinds == ["Title", "NarrativeText", "Image"]  # the figure's own caption is not repeated
    image = elements[2]
    assert "Zorbex-7" in image.text and image.text.startswith("Figure 1: Attach flow")
    meta = image.metadata.to_dict()
    assert meta["figure_type"] == "sequence" and meta["page_number"] == 2
    assert meta["figure_id"].startswith("fig-") and meta["describer"] == "fake:1"


def test_offline_nlp_is_scoped_and_rule_based_pipeline_finds_verbs() -> None:
    from unstructured.nlp import tokenize
    from unstructured.partition.text_type import contains_verb

    original = tokenize._get_nlp
    with offline_nlp() as name:
        if name == "rule-based":
            assert contains_verb("The UE sends an attach request")
            assert not contains_verb("Mobility Management Entity")
    assert tokenize._get_nlp is original
    nlp = rule_based_nlp()
    assert len(list(nlp("The MME answers. The UE retries.").sents)) == 2


def test_bad_spacy_model_path_is_a_config_error(tmp_path: Path) -> None:
    from dicmodel.errors import ConfigError

    with pytest.raises(ConfigError, match="spacy_model"):
        ingest_office(_docx(tmp_path / "a.docx"), OfficeOptions(spacy_model=str(tmp_path / "nope")))


def test_corrupt_office_file_is_a_corrupt_document_error(tmp_path: Path, no_network: list) -> None:
    from dicmodel.errors import CorruptDocumentError

    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptDocumentError, match=r"broken\.docx"):
        ingest_office(bad)
