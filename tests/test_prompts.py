"""Prompts by figure type with document context; repair prompt quoting the parser's error."""

from __future__ import annotations

import pytest

from dicmodel.describe.base import FigureRequest
from dicmodel.describe.prompts import (
    DIAGRAM_TYPES,
    PROMPT_VERSION,
    build_conversation,
    build_prompt,
    instructions_for,
    repair_prompt,
)
from dicmodel.diagram import parse_mermaid
from dicmodel.document import FigureType
from dicmodel.errors import ConfigError, MermaidSyntaxError


def test_every_figure_type_has_its_own_instructions():
    texts = {t: instructions_for(t) for t in FigureType if t != FigureType.other}
    assert len(set(texts.values())) == len(texts)  # no two types share a prompt
    for t, text in texts.items():
        assert ("```mermaid" in text) == (t in DIAGRAM_TYPES), t
    assert "sequenceDiagram" in texts[FigureType.sequence]
    assert "stateDiagram-v2" in texts[FigureType.state]
    assert "Markdown table" in texts[FigureType.table]


def test_unknown_type_asks_the_model_to_name_it():
    for hint in (None, FigureType.other):
        text = build_prompt(FigureRequest(figure_id="x", figure_type=hint))
        assert "Figure type:" in text and "protocol_stack" in text


def test_context_is_included_and_bounded():
    req = FigureRequest(figure_id="x", caption="Figure 7: Registration", section="4.2 Registration procedure",
                        context=[f"sentence {i} cites Figure 7." for i in range(20)])
    text = build_prompt(req, FigureType.sequence)
    assert "Figure 7: Registration" in text and "4.2 Registration procedure" in text
    assert "sentence 0 cites" in text and "sentence 7 cites" in text and "sentence 8 cites" not in text


def test_conversation_carries_the_image_bytes_first():
    conv = build_conversation(FigureRequest(figure_id="x", image=b"PNGDATA"))
    assert [t["role"] for t in conv] == ["system", "user"]
    assert conv[1]["content"][0] == {"type": "image", "image": b"PNGDATA"}


def test_repair_prompt_quotes_the_error_and_the_offending_line():
    broken = 'flowchart TD\n  A["x"] --> B["y"\n  B --> C'
    with pytest.raises(MermaidSyntaxError) as info:
        parse_mermaid(broken)
    text = repair_prompt(info.value, broken)
    assert str(info.value) in text and f"line {info.value.line}" in text
    assert "  2 | " in text and "offending line 2" in text


def test_unknown_prompt_version_is_refused():
    assert PROMPT_VERSION == "v1"
    with pytest.raises(ConfigError, match="prompt_version"):
        instructions_for(FigureType.flowchart, version="v99")


def test_figure_text_spans_are_listed_once_in_order_and_bounded():
    from dicmodel.document import BBox, TextSpan

    def span(text: str) -> TextSpan:
        return TextSpan(text=text, bbox=BBox(x0=0, y0=0, x1=1, y1=1))

    req = FigureRequest(figure_id="x",
                        spans=[span("UE"), span("UE"), span(" Attach   Request "), span("MME")])
    assert "Text found inside the figure (exact spelling, reading order): UE | Attach Request | MME" in \
        build_prompt(req)
    long = FigureRequest(figure_id="y", spans=[span(f"label{i:04d}") for i in range(1000)])
    listed = build_prompt(long).split("reading order): ")[1].split("\n")[0]
    assert len(listed) <= 1510 and listed.endswith("| ...") and "label0000" in listed
    assert "Text found inside" not in build_prompt(FigureRequest(figure_id="z"))
