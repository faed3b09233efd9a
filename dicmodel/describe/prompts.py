"""Versioned prompts for the model describers (``hf``, ``openai``), by figure type.

Every prompt asks for the *logical text* of the figure (what it says, not what it looks like)
and, for diagrams, one fenced ```mermaid block that the project's parser can read. The
figure's caption, its section heading and the sentences that cite it are given as context:
they name the entities the image only abbreviates. When the figure's own text is known (text
spans of a vector PDF figure, or OCR), it is listed too, so labels are copied exactly.

``PROMPT_VERSION`` is part of every cache key and of ``Description.describer``; change it
whenever a prompt's wording changes so cached answers from older prompts are not reused.

    conv = build_conversation(request)           # chat turns with the image first
    repair = repair_turn(err, mermaid_text)      # the follow-up turn after a syntax error
"""

from __future__ import annotations

from typing import Any

from ..document import FigureType
from ..errors import ConfigError, MermaidSyntaxError
from .base import FigureRequest

__all__ = [
    "PROMPT_VERSION",
    "PROMPT_VERSIONS",
    "SYSTEM_PROMPT",
    "DIAGRAM_TYPES",
    "instructions_for",
    "build_prompt",
    "build_conversation",
    "repair_prompt",
    "repair_turn",
]

PROMPT_VERSION = "v1"
PROMPT_VERSIONS = ("v1",)

SYSTEM_PROMPT = (
    "You are DICModel, an expert in information and communication technology (telecom networks, "
    "protocols, software and system architecture). You turn figures from technical documents into "
    "precise logical text that a reader who cannot see the figure can rely on."
)

# figure types whose answer must carry a Mermaid block
DIAGRAM_TYPES = frozenset({FigureType.flowchart, FigureType.sequence, FigureType.state,
                           FigureType.topology, FigureType.architecture, FigureType.protocol_stack})

_TYPE_NAMES = ", ".join(t.value for t in FigureType)

_MERMAID_RULES = (
    "Then give the structure as exactly one fenced code block that starts with ```mermaid and "
    "ends with ```. Use plain node ids (letters, digits, underscores) and put every label in "
    'double quotes, e.g. A["UE"] --> B["gNB"]. Copy the labels exactly as written in the figure.'
)

# type -> (what to read, which Mermaid form)
_BY_TYPE: dict[FigureType, tuple[str, str]] = {
    FigureType.flowchart: (
        "This figure is a flowchart. Describe the process step by step in order: the start, each "
        "action, each decision with the condition on every branch, loops, and the end states.",
        "Use `flowchart TD`; decisions are {\"...\"} nodes and branch conditions are edge labels "
        '(A -->|"yes"| B).'),
    FigureType.sequence: (
        "This figure is a sequence diagram / signalling call flow. Name the participants "
        "(network elements, protocol entities) from left to right, then list every message in "
        "time order with its sender, receiver and exact name (including procedure names, "
        "parameters and timers), and say which messages are responses.",
        "Use `sequenceDiagram` with `participant` lines in left-to-right order, `->>` for requests "
        "and `-->>` for responses."),
    FigureType.state: (
        "This figure is a state machine. Name the initial state, every state, and every "
        "transition with the event or condition that triggers it; say which states are final.",
        "Use `stateDiagram-v2` with `[*] --> State` for the initial state and "
        "`A --> B : event` for transitions."),
    FigureType.topology: (
        "This figure is a network topology. List every device or network element (routers, "
        "switches, base stations, core functions, hosts, clouds) and every link between them, with "
        "interface names, reference points, addresses or link types where they are written.",
        "Use `flowchart LR`; one node per device, one edge per link, the interface or reference "
        "point as the edge label, subgraphs for sites, domains or areas."),
    FigureType.architecture: (
        "This figure is a system architecture. Name each component and the group or layer it "
        "belongs to, then every interface or data flow between components with its label and "
        "direction.",
        "Use `flowchart TD`; subgraphs for domains, layers or planes, labelled edges for interfaces."),
    FigureType.protocol_stack: (
        "This figure is a protocol stack. List the layers of each stack from top to bottom, "
        "which entity each stack belongs to, and which layers talk to their peers across which "
        "interface.",
        "Use `flowchart TD` with one subgraph per entity, layers stacked top to bottom, and "
        "labelled edges between peer layers."),
    FigureType.chart: (
        "This figure is a chart. Say what is plotted (axes, units, series) and state the values, "
        "trends, maxima and comparisons a reader needs; quote numbers as written.", ""),
    FigureType.table: (
        "This figure is a table. Reproduce it as a Markdown table with its header row, then "
        "summarise what it specifies in one or two sentences.", ""),
    FigureType.photo: (
        "This figure is a photograph or screenshot. Describe the technical content it shows "
        "(equipment, labels, screen text) and why it matters in this document.", ""),
    FigureType.logo: ("This figure is a logo. Name the organisation or product it identifies.", ""),
}

_UNKNOWN = (
    "First identify what kind of figure this is. Start your answer with one line "
    f"`Figure type: <type>` where <type> is one of: {_TYPE_NAMES}. Then describe what the figure "
    "says: its entities and how they relate, in a logical order.",
    "If it is a diagram (flowchart, sequence, state, topology, architecture or protocol stack), "
    "use `flowchart`, `sequenceDiagram` or `stateDiagram-v2` as fits best.")


def _check_version(version: str) -> None:
    if version not in PROMPT_VERSIONS:
        raise ConfigError(f"prompt_version must be one of {PROMPT_VERSIONS}, got {version!r}")


def instructions_for(figure_type: FigureType | None, version: str = PROMPT_VERSION) -> str:
    """The task part of the prompt for one figure type (``None``/``other``: the model decides)."""
    _check_version(version)
    what, mermaid = _BY_TYPE.get(figure_type, _UNKNOWN) if figure_type else _UNKNOWN
    parts = [what, "Write the description first, as clear prose (complete sentences, no bullet "
             "lists unless the figure is a list)."]
    if mermaid:
        parts += [_MERMAID_RULES, mermaid]
    parts.append("Do not invent elements that are not in the figure; if a label is unreadable, "
                 "say so.")
    return " ".join(parts)


MAX_LABEL_CHARS = 1500  # enough for a dense call flow; more would crowd out the instructions


def _figure_labels(req: FigureRequest) -> str:
    """The figure's own text spans (vector PDFs, OCR) so the model copies labels exactly."""
    labels: list[str] = []
    for span in req.spans:
        text = " ".join(span.text.split())
        if text and (not labels or labels[-1] != text):
            labels.append(text)
    joined = " | ".join(labels)
    if len(joined) <= MAX_LABEL_CHARS:
        return joined
    return joined[:MAX_LABEL_CHARS].rsplit(" | ", 1)[0] + " | ..."  # cut between labels, never inside


def _context_block(req: FigureRequest) -> str:
    lines = []
    if req.caption:
        lines.append(f"Caption: {req.caption.strip()}")
    if req.section:
        lines.append(f"Section: {req.section.strip()}")
    cites = [c.strip() for c in req.context if c and c.strip()]
    if cites:
        lines.append("Sentences in the document that refer to this figure:")
        lines += [f"- {c}" for c in cites[:8]]  # a few are enough; long context dilutes the image
    labels = _figure_labels(req)
    if labels:
        lines.append(f"Text found inside the figure (exact spelling, reading order): {labels}")
    if not lines:
        return ""
    return "Context from the document (use it to name things, but describe what the figure shows):\n" \
        + "\n".join(lines)


def build_prompt(req: FigureRequest, figure_type: FigureType | None = None,
                 version: str = PROMPT_VERSION) -> str:
    """The user text for one figure: context (caption, section, citing sentences) + task."""
    ftype = figure_type if figure_type is not None else req.figure_type
    if ftype == FigureType.other:
        ftype = None  # "other" from a structural pass means "not sure": let the model decide
    context = _context_block(req)
    task = instructions_for(ftype, version)
    return f"{context}\n\n{task}" if context else task


def build_conversation(req: FigureRequest, figure_type: FigureType | None = None,
                       version: str = PROMPT_VERSION) -> list[dict[str, Any]]:
    """Chat turns in a neutral form: the image travels as raw bytes in the first user turn.

    Backends translate ``{"type": "image", "image": bytes}`` into what they send (a PIL image
    for transformers processors, a base64 data URL for OpenAI-compatible servers).
    """
    return [
        {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
        {"role": "user", "content": [{"type": "image", "image": req.image},
                                     {"type": "text", "text": build_prompt(req, figure_type, version)}]},
    ]


def repair_prompt(error: MermaidSyntaxError | str, mermaid: str, version: str = PROMPT_VERSION) -> str:
    """Ask for a corrected Mermaid block, quoting the parser's message and the offending line."""
    _check_version(version)
    line = getattr(error, "line", None)
    numbered = "\n".join(f"{i:>3} | {text}" for i, text in enumerate(mermaid.splitlines(), 1))
    where = ""
    if line is not None:
        lines = mermaid.splitlines()
        if 1 <= line <= len(lines):
            where = f"\nThe offending line {line} is: {lines[line - 1].strip()!r}"
    return (
        "The Mermaid block in your answer does not parse. The parser reported:\n"
        f"{error}{where}\n\nYour Mermaid, with line numbers:\n{numbered}\n\n"
        "Reply with only the corrected diagram as one ```mermaid block. Keep every node, edge, "
        "message and label that was correct; fix only the syntax.")


def repair_turn(error: MermaidSyntaxError | str, mermaid: str,
                version: str = PROMPT_VERSION) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": repair_prompt(error, mermaid, version)}]}


def check_prompt_version(v: str) -> str:
    """Validator shared by the hf and openai option models."""
    if v not in PROMPT_VERSIONS:
        raise ValueError(f"prompt_version must be one of {PROMPT_VERSIONS}, got {v!r}")
    return v
