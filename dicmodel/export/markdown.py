"""Document -> Markdown, each figure replaced in place by its logical text.

A figure becomes::

    <!-- dicmodel:figure id=fig-1a2b page=3 type=sequence confidence=0.86 describer=structural:1 -->
    **Figure 3: LTE attach**

    ![Figure 3: LTE attach](images/doc/fig-1a2b.png)      (only with image links on)

    The sequence diagram shows ... (the logical text)

    ```mermaid
    sequenceDiagram
    ...
    ```

The HTML comment carries provenance without showing in rendered Markdown.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..document import BlockType, FigureType

if TYPE_CHECKING:
    from ..document import Block, Document, Figure

__all__ = ["MarkdownOptions", "to_markdown", "figure_markdown", "owned_captions"]

_BULLET = re.compile(r"^\s*([-*\u2022\u25aa\u25cf\u2013]|\d+[.)])\s+")


class MarkdownOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mermaid: bool = Field(True, description="add a ```mermaid block when a diagram was recovered")
    image_links: bool = Field(False, description="link each figure's crop (Figure.image_path)")
    provenance: bool = Field(True, description="an HTML comment with figure id, page, type, describer")
    drop_logos: bool = Field(True, description="leave out figures described as logos/icons "
                             "(never a figure with a caption: the document names it a figure)")
    figure_text_fallback: bool = Field(True, description="when a figure has no description, "
                                       "print the labels found inside it")
    low_confidence: float = Field(0.5, ge=0.0, le=1.0, description="mark a figure's text as low "
                                  "confidence, with the describer's reason, below this confidence")


def owned_captions(doc: Document) -> set[str]:
    """Caption texts that belong to a figure: printed with the figure, not as body blocks."""
    return {f.caption.strip() for f in doc.figures if f.caption}


def to_markdown(doc: Document, **options: Any) -> str:
    opts = MarkdownOptions(**options)
    figures = {f.id: f for f in doc.figures}
    owned = owned_captions(doc)
    parts: list[str] = []
    prev_list = False
    for block in sorted(doc.blocks, key=lambda b: b.order):
        if block.type == BlockType.caption and block.text.strip() in owned:
            continue
        text = _block_markdown(block, figures, opts)
        if not text:
            continue
        is_list = block.type == BlockType.list_item
        if is_list and prev_list:  # consecutive items form one tight list
            parts[-1] += "\n" + text
        else:
            parts.append(text)
        prev_list = is_list
    return "\n\n".join(parts).strip() + "\n"


def _block_markdown(block: Block, figures: dict[str, Figure], opts: MarkdownOptions) -> str:
    if block.type == BlockType.heading:
        return "#" * max(1, min(6, block.level or 1)) + " " + _one_line(block.text)
    if block.type == BlockType.list_item:
        return "- " + _BULLET.sub("", block.text.strip(), count=1)
    if block.type == BlockType.table:
        return (block.markdown or block.text).strip()
    if block.type == BlockType.figure:
        fig = figures.get(block.figure_id or "")
        return figure_markdown(fig, opts) if fig is not None else ""
    if block.type == BlockType.caption:  # a free caption; figures' own are skipped by the caller
        return f"*{_one_line(block.text)}*"
    if block.type == BlockType.code:
        return f"```\n{block.text.rstrip()}\n```"
    return block.text.strip()


def figure_markdown(fig: Figure, opts: MarkdownOptions | None = None) -> str:
    opts = opts or MarkdownOptions()
    desc = fig.description
    if desc is not None and desc.figure_type == FigureType.logo and opts.drop_logos \
            and not (fig.caption or "").strip():
        return ""
    out: list[str] = []
    if opts.provenance:
        meta = [f"id={fig.id}", f"page={fig.page}", f"kind={fig.kind.value}"]
        if desc is not None:
            meta += [f"type={desc.figure_type.value}", f"confidence={desc.confidence:.2f}",
                     f"describer={desc.describer or 'unknown'}"]
        out.append("<!-- dicmodel:figure " + " ".join(meta) + " -->")
    title = fig.caption.strip() if fig.caption else f"Figure (page {fig.page})"
    out.append(f"**{_one_line(title)}**")
    if opts.image_links and fig.image_path:
        out.append(f"![{_one_line(title)}]({fig.image_path})")
    if desc is not None and desc.text.strip():
        out.append(desc.text.strip() + _low_confidence(desc, opts))
    elif opts.figure_text_fallback and fig.spans:
        out.append("Labels in the figure: " + "; ".join(s.text.strip() for s in fig.spans) + ".")
    if opts.mermaid and desc is not None and desc.mermaid:
        out.append("```mermaid\n" + desc.mermaid.strip() + "\n```")
    return "\n\n".join(out)


def _low_confidence(desc: Any, opts: MarkdownOptions) -> str:
    """A mark telling the reader not to trust the text too far, with the first reason given."""
    if desc.confidence >= opts.low_confidence:
        return ""
    why = next((w for w in desc.warnings if w.startswith(("not read as", "low confidence"))),
               desc.warnings[0] if desc.warnings else "the structure may be incomplete")
    why = why.removeprefix("low confidence: ")
    return f" *(low confidence {desc.confidence:.2f}: {_one_line(why)[:160]})*"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
