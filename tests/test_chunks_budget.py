"""Every chunk fits max_tokens, figures included (issue 19 point 2); the token counter is pluggable;
Document types do not import their exporters; JSON schema 1.x (0-based pages) still reads."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from dicmodel.diagram import Diagram, Edge, Group, Message, Node
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
)
from dicmodel.errors import ConfigError
from dicmodel.export.chunks import chunk_document, estimate_tokens, get_token_counter

BOX = BBox(x0=50, y0=100, x1=500, y1=700)


def _figure_doc(diagram: Diagram, ftype: FigureType, caption: str = "Figure 4-2: Registration") -> Document:
    desc = Description(text=diagram.to_prose(), diagram=diagram, mermaid=diagram.to_mermaid(),
                       figure_type=ftype, confidence=0.8, describer="fake:1")
    fig = Figure(id="fig-big", page=3, bbox=BOX, kind=FigureKind.vector, caption=caption, description=desc)
    return Document(source="spec.pdf", sha256="a" * 64, pages=[Page(number=3, width=595, height=842)],
                    blocks=[Block(type=BlockType.figure, page=3, bbox=BOX, order=0, figure_id="fig-big")],
                    figures=[fig])


def _big_sequence(n: int = 150) -> Diagram:
    names = ["UE", "gNB", "AMF", "SMF", "UPF", "AUSF", "UDM"]
    msgs = [Message(source=names[i % 7], target=names[(i * 3 + 1) % 7] if (i * 3 + 1) % 7 != i % 7 else "UDM",
                    text=f"Nsmf_PDUSession_Update step {i} with the QoS flow parameters")
            for i in range(n)]
    return Diagram(kind="sequence", nodes=[Node(id=x) for x in names], messages=msgs)


def test_big_figure_splits_at_message_boundaries_and_every_part_fits() -> None:
    doc = _figure_doc(_big_sequence(), FigureType.sequence)
    whole = doc.figures[0].description.mermaid
    assert len(whole) > 8000  # the size that came out as one 10,747-character chunk before
    chunks = doc.chunks(max_tokens=256)
    assert len(chunks) > 5
    assert all(estimate_tokens(c.text) <= 256 for c in chunks)
    n = len(chunks)
    for i, c in enumerate(chunks, 1):
        assert c.text.startswith("Figure 4-2: Registration\n(figure fig-big, part ")  # caption + id every part
        assert c.metadata["figure_id"] == "fig-big" and c.metadata["part"] == i and c.metadata["parts"] == n
        assert c.metadata["page"] == 3
    # the Mermaid is cut between lines only: every message line appears whole, exactly once
    mermaid_parts = [c.text.split("```mermaid\n", 1)[1] for c in chunks if "```mermaid" in c.text]
    assert all(p.startswith("sequenceDiagram\n") and p.rstrip().endswith("```") for p in mermaid_parts)
    body_lines = [ln for p in mermaid_parts for ln in p.splitlines()[1:-1] if "participant" not in ln]
    want = [ln for ln in whole.splitlines()[1:] if "participant" not in ln]
    assert body_lines == want
    # the prose is cut between sentences: each message sentence sits whole in one part
    prose = " ".join(c.text.split("\n\n", 1)[1] for c in chunks if "```mermaid" not in c.text)
    for i in (0, 77, 149):
        assert f"step {i} with the QoS flow parameters\"" in prose


def test_mermaid_parts_close_and_reopen_subgraphs() -> None:
    nodes = [Node(id=f"n{i}", label=f"Network function number {i}") for i in range(60)]
    groups = [Group(id="core", label="5G core", members=[f"n{i}" for i in range(60)])]
    edges = [Edge(source=f"n{i}", target=f"n{i + 1}", label=f"interface N{i}") for i in range(59)]
    doc = _figure_doc(Diagram(kind="flowchart", nodes=nodes, edges=edges, groups=groups), FigureType.architecture)
    chunks = doc.chunks(max_tokens=200)
    parts = [c.text.split("```mermaid\n", 1)[1].rsplit("```", 1)[0] for c in chunks if "```mermaid" in c.text]
    assert len(parts) > 2
    for p in parts:  # each part is balanced: every subgraph it opens or reopens is closed
        lines = [ln.strip() for ln in p.splitlines()]
        assert sum(ln.startswith("subgraph") for ln in lines) == sum(ln == "end" for ln in lines)


def test_token_counter_is_pluggable_callable_and_tokenizer() -> None:
    doc = _figure_doc(_big_sequence(40), FigureType.sequence)
    chars = lambda text: len(text)  # noqa: E731 - a deliberately strict counter: one token per character
    chunks = list(chunk_document(doc, max_tokens=400, token_counter=chars))
    assert all(len(c.text) <= 400 for c in chunks) and len(chunks) > 10

    class Tok:  # the shape of a transformers tokenizer: encode(text, add_special_tokens=...)
        def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
            return [0] * (len(text.split()) + (2 if add_special_tokens else 0))

    assert get_token_counter(Tok())("a b c") == 3
    with pytest.raises(ConfigError, match="token_counter"):
        get_token_counter(42)


def test_transformers_tokenizer_counts_the_budget() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    from tokenizers import models, pre_tokenizers, trainers

    tok = tokenizers.Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()  # words and punctuation, as MiniLM's
    tok.train_from_iterator(["UE gNB AMF SMF step with the QoS flow parameters"],
                            trainers.WordPieceTrainer(vocab_size=200, special_tokens=["[UNK]"]))
    hf = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    doc = _figure_doc(_big_sequence(60), FigureType.sequence)
    chunks = list(chunk_document(doc, max_tokens=128, token_counter=hf))
    assert len(chunks) > 3
    assert max(len(hf.encode(c.text, add_special_tokens=False)) for c in chunks) <= 128


def test_text_chunks_count_their_section_title() -> None:
    words = " ".join(f"word{i}." for i in range(400))
    doc = Document(source="x", sha256="1" * 64, blocks=[
        Block(type=BlockType.heading, page=1, bbox=BBox(x0=0, y0=0, x1=1, y1=1), order=0, level=1,
              text="A rather long section title that takes tokens of its own " * 3),
        Block(type=BlockType.text, page=1, bbox=BBox(x0=0, y0=0, x1=1, y1=1), order=1, text=words)])
    chunks = doc.chunks(max_tokens=64)
    assert len(chunks) > 5 and all(estimate_tokens(c.text) <= 64 for c in chunks)


def test_schema_1_json_reads_with_pages_shifted_to_1_based() -> None:
    doc = _figure_doc(_big_sequence(3), FigureType.sequence)
    old = json.loads(doc.to_json())
    old["schema_version"] = "1.0"  # a file written by dicmodel 0.1 counted pages from 0
    old["pages"][0]["number"] = 2
    old["blocks"][0]["page"] = 2
    old["figures"][0]["page"] = 2
    old["errors"] = [{"stage": "ingest", "message": "x", "page": 0}]
    back = Document.from_json(json.dumps(old))
    assert back.schema_version == "2.0"
    assert (back.pages[0].number, back.blocks[0].page, back.figures[0].page, back.errors[0].page) == (3, 3, 3, 1)
    with pytest.raises(ValueError):
        Page(number=0, width=1, height=1)  # 2.x refuses page 0


def test_document_module_does_not_import_its_exporters() -> None:
    src = Path(__file__).resolve().parents[1] / "dicmodel" / "document.py"
    names = set()
    for node in ast.walk(ast.parse(src.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    assert not any("export" in n for n in names), names
    assert _figure_doc(_big_sequence(2), FigureType.sequence).to_markdown().startswith("<!-- dicmodel:figure")


def test_a_long_table_splits_between_rows_and_repeats_its_header() -> None:
    rows = "\n".join(f"|N{i}|interface between function {i} and function {i + 1}|" for i in range(80))
    table = "|Interface|Meaning|\n|---|---|\n" + rows
    doc = Document(source="x", sha256="1" * 64, blocks=[
        Block(type=BlockType.table, page=2, bbox=BOX, order=0, text=table, markdown=table)])
    chunks = doc.chunks(max_tokens=120)
    assert len(chunks) > 3 and all(estimate_tokens(c.text) <= 120 for c in chunks)
    assert all(c.text.startswith("|Interface|Meaning|\n|---|---|\n|N") for c in chunks)
    body = [ln for c in chunks for ln in c.text.splitlines()[2:]]
    assert body == rows.splitlines()  # every row once, whole, in order
    assert [c.metadata["part"] for c in chunks] == list(range(1, len(chunks) + 1))


def test_a_run_without_spaces_is_cut_too() -> None:
    toc = "Annex H (informative): Change history " + "." * 600 + " 304"
    doc = Document(source="x", sha256="1" * 64, blocks=[
        Block(type=BlockType.text, page=1, bbox=BOX, order=0, text=toc)])
    assert all(estimate_tokens(c.text) <= 64 for c in doc.chunks(max_tokens=64))


def test_a_caption_longer_than_the_budget_is_shortened_in_the_parts() -> None:
    caption = "Figure 9: " + " ".join(f"procedure step {i} of the registration" for i in range(40))
    doc = _figure_doc(_big_sequence(30), FigureType.sequence, caption=caption)
    chunks = doc.chunks(max_tokens=128)
    assert len(chunks) > 2 and all(estimate_tokens(c.text) <= 128 for c in chunks)
    assert all(c.text.startswith("Figure 9: procedure step 0") and "(figure fig-big, part " in c.text for c in chunks)
    assert chunks[0].metadata["caption"] == caption  # the metadata keeps it whole
