"""Markdown and chunk exports of hand-built Documents (no PDF needed)."""

import json

import pytest

from dicmodel.diagram import Diagram, Edge, Message, Node
from dicmodel.document import (BBox, Block, BlockType, Description, Document, Figure, FigureKind,
                               FigureType, TextSpan)
from dicmodel.export.chunks import chunk_document, chunks_to_jsonl
from dicmodel.errors import ConfigError


def _doc(with_logo=False):
    seq = Diagram(kind="sequence", nodes=[Node(id="UE"), Node(id="MME")],
                  messages=[Message(source="UE", target="MME", text="Attach Request"),
                            Message(source="MME", target="UE", text="Attach Accept", reply=True)])
    fig = Figure(id="fig-1", page=1, bbox=BBox(x0=50, y0=200, x1=400, y1=400), kind=FigureKind.vector,
                 caption="Figure 1: LTE attach", spans=[TextSpan(text="UE", bbox=BBox(x0=60, y0=210, x1=80, y1=220))],
                 description=Description(text=seq.to_prose(), diagram=seq, mermaid=seq.to_mermaid(),
                                         figure_type=FigureType.sequence, confidence=0.9,
                                         describer="fake:1"))
    blocks = [
        Block(type=BlockType.heading, page=1, bbox=BBox(x0=50, y0=50, x1=300, y1=70), order=0, text="1 Attach", level=1),
        Block(type=BlockType.text, page=1, bbox=BBox(x0=50, y0=80, x1=500, y1=120), order=1,
              text="The UE attaches as Figure 1 shows.", section="1 Attach"),
        Block(type=BlockType.figure, page=1, bbox=fig.bbox, order=2, figure_id="fig-1", section="1 Attach"),
        Block(type=BlockType.caption, page=1, bbox=BBox(x0=50, y0=405, x1=300, y1=415), order=3,
              text="Figure 1: LTE attach", section="1 Attach"),
        Block(type=BlockType.list_item, page=1, bbox=BBox(x0=50, y0=420, x1=300, y1=430), order=4,
              text="\u2022 first point", section="1 Attach"),
        Block(type=BlockType.table, page=2, bbox=BBox(x0=50, y0=50, x1=300, y1=100), order=5,
              markdown="|a|b|\n|---|---|\n|1|2|", section="1 Attach"),
    ]
    figs = [fig]
    if with_logo:
        logo = Figure(id="fig-logo", page=2, bbox=BBox(x0=0, y0=0, x1=20, y1=20), kind=FigureKind.raster,
                      description=Description(text="A logo.", figure_type=FigureType.logo))
        figs.append(logo)
        blocks.append(Block(type=BlockType.figure, page=2, bbox=logo.bbox, order=6, figure_id="fig-logo"))
    return Document(source="x.pdf", sha256="0" * 64, figures=figs, blocks=blocks)


def test_markdown_replaces_figure_in_place():
    md = _doc().to_markdown()
    lines = md.splitlines()
    assert lines[0] == "# 1 Attach"
    fig_at = md.index("**Figure 1: LTE attach**")
    assert md.index("The UE attaches") < fig_at < md.index("- first point") < md.index("|a|b|")
    assert "```mermaid\nsequenceDiagram" in md
    assert "UE sends \"Attach Request\" to MME" in md
    assert md.count("Figure 1: LTE attach") == 1  # the caption block is not printed twice
    assert "<!-- dicmodel:figure id=fig-1 page=1" in md


def test_consecutive_list_items_form_one_list():
    doc = _doc()
    item = doc.blocks[4]
    blocks = doc.blocks[:5] + [item.model_copy(update={"order": 5, "text": "second point"})] + [
        b.model_copy(update={"order": b.order + 1}) for b in doc.blocks[5:]]
    md = doc.model_copy(update={"blocks": blocks}).to_markdown()
    assert "- first point\n- second point\n\n|a|b|" in md


def test_markdown_options():
    md = _doc().to_markdown(mermaid=False, provenance=False)
    assert "```mermaid" not in md and "<!--" not in md
    with pytest.raises(Exception, match="no_such_option"):
        _doc().to_markdown(no_such_option=True)


def test_logos_dropped_unless_asked():
    assert "A logo." not in _doc(with_logo=True).to_markdown()
    assert "A logo." in _doc(with_logo=True).to_markdown(drop_logos=False)


def test_chunks_figure_is_its_own_chunk_with_metadata():
    chunks = _doc().chunks(max_tokens=128)
    kinds = [c.metadata["chunk_type"] for c in chunks]
    assert kinds == ["text", "figure", "text", "table"]
    fig = chunks[1]
    assert fig.metadata["figure_id"] == "fig-1" and fig.metadata["figure_type"] == "sequence"
    assert fig.metadata["caption"] == "Figure 1: LTE attach" and fig.metadata["bbox"] == [50, 200, 400, 400]
    assert fig.text.startswith("Figure 1: LTE attach") and "Attach Accept" in fig.text
    assert chunks[0].text.startswith("1 Attach") and chunks[0].metadata["section"] == "1 Attach"
    lines = chunks_to_jsonl(chunks).splitlines()
    assert len(lines) == 4 and json.loads(lines[1])["metadata"]["page"] == 1


def test_long_text_split_under_budget():
    words = " ".join(f"word{i}." if i % 10 == 9 else f"word{i}" for i in range(600))
    doc = Document(source="x", sha256="1" * 64, blocks=[
        Block(type=BlockType.text, page=1, bbox=BBox(x0=0, y0=0, x1=1, y1=1), order=0, text=words)])
    chunks = list(chunk_document(doc, max_tokens=100))
    assert len(chunks) > 5
    assert all(len(c.text.split()) * 4 / 3 <= 100 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == words.split()  # nothing lost, order kept
    with pytest.raises(ConfigError, match="max_tokens"):
        list(chunk_document(doc, max_tokens=2))


def test_json_round_trip_is_schema_versioned():
    doc = _doc()
    data = json.loads(doc.to_json())
    assert data["schema_version"] == "2.0"
    back = Document.from_json(doc.to_json())
    assert back.figures[0].description.diagram.messages[0].text == "Attach Request"
    data["schema_version"] = "9.0"
    with pytest.raises(Exception, match="schema_version"):
        Document.model_validate(data)
