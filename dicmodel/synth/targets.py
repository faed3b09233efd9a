"""Target texts for synthetic images: the caption (logical text) and the user prompt.

The caption is built from :meth:`Diagram.to_prose` (the ground truth: every fact in it comes
from the structure) wrapped in template sentences chosen by a seeded RNG, so the stage-1 data
does not always open with the same words. ``target_text`` optionally appends the Mermaid code,
which is the second half of the "logical text" a DICModel writes.
"""

from __future__ import annotations

import random
from typing import Literal

from ..diagram import Diagram

__all__ = ["KIND_NAMES", "PROMPTS", "TargetFormat", "caption", "caption_prompt", "target_text"]

TargetFormat = Literal["prose", "mermaid", "prose+mermaid"]

KIND_NAMES = {
    "sequence": ["sequence diagram", "signalling flow", "message sequence chart", "call flow"],
    "state": ["state diagram", "state machine", "state transition diagram"],
    "topology": ["network topology", "network diagram", "topology diagram"],
    "architecture": ["architecture diagram", "system architecture", "block diagram"],
    "protocol_stack": ["protocol stack", "layered protocol model"],
    "flowchart": ["flowchart", "procedure flowchart", "process flow"],
}

_OPENERS = [
    "This figure is a {name}.",
    "The image shows a {name}.",
    "The figure depicts a {name}.",
    "Shown here is a {name}.",
    "This ICT figure is a {name}.",
    "",
    "",
]
_CLOSERS = {
    "sequence": ["", "", "The flow reads top to bottom in time order.",
                 "Dashed arrows in the figure are responses."],
    "state": ["", "", "Each arrow is labelled with the event that triggers the transition."],
    "topology": ["", "", "Lines are links; their labels give the interface or link type."],
    "architecture": ["", "", "Labels on the connections name the interfaces between components."],
    "protocol_stack": ["", "", "Higher layers are carried over the layers below them."],
    "flowchart": ["", "", "Diamonds are decisions; their outgoing arrows are labelled with the outcome."],
}

PROMPTS = {
    "prose": ["Describe this figure.", "Describe the diagram in detail.",
              "Explain what this ICT diagram shows.", "Convert this figure into logical text.",
              "What does this diagram describe? Give all elements and connections."],
    "mermaid": ["Convert this diagram to Mermaid code.", "Write the Mermaid source for this figure."],
    "prose+mermaid": ["Describe this figure, then give its Mermaid code.",
                      "Convert this figure into logical text: a description followed by Mermaid code.",
                      "Explain the diagram and reconstruct it as Mermaid."],
}


def caption(d: Diagram, kind: str, rng: random.Random | None = None) -> str:
    """Template caption for a diagram: an opener naming the kind (and title), the prose, a closer."""
    rng = rng or random.Random(0)
    names = KIND_NAMES.get(kind, ["diagram"])
    # the prose already names the title, so the opener only names the kind
    opener = rng.choice(_OPENERS).format(name=rng.choice(names))
    closer = rng.choice(_CLOSERS.get(kind, [""]))
    return " ".join(p for p in (opener, d.to_prose(), closer) if p)


def target_text(d: Diagram, kind: str, fmt: TargetFormat = "prose+mermaid", rng: random.Random | None = None,
                mermaid: str | None = None) -> str:
    """The assistant text for a caption record in ``fmt``."""
    code = mermaid if mermaid is not None else d.to_mermaid()
    block = f"```mermaid\n{code.rstrip()}\n```"
    if fmt == "mermaid":
        return block
    text = caption(d, kind, rng)
    return text if fmt == "prose" else f"{text}\n\n{block}"


def caption_prompt(fmt: TargetFormat = "prose+mermaid", rng: random.Random | None = None) -> str:
    return (rng or random.Random(0)).choice(PROMPTS[fmt])
