"""From a model's answer to a Description, and the describe loop the model backends share.

A model answer is prose plus (for diagrams) one ```mermaid block. :func:`parse_answer`
extracts the block, validates it with :func:`dicmodel.diagram.parse_mermaid` (whose errors
carry a line number), keeps the prose either way, decides the figure type and records
warnings. :func:`describe_with_model` runs the whole loop for a backend that only knows how to
generate: cache lookup, prompts, one generation pass, one repair round trip for answers whose
Mermaid does not parse, and cache store.

Confidence for model answers is a validity score from what could be checked (a parsed
diagram where one was expected, a non-empty answer, no truncation), not a calibrated
probability of correctness.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..diagram import Diagram, extract_mermaid, parse_mermaid
from ..document import Description, FigureType
from ..errors import BackendUnavailableError, MermaidSyntaxError, UnsupportedDiagramError
from .base import FigureRequest
from .cache import DescriptionCache
from .prompts import DIAGRAM_TYPES, PROMPT_VERSION, build_conversation, repair_turn

__all__ = [
    "Generation",
    "ParsedAnswer",
    "parse_answer",
    "to_description",
    "error_description",
    "describe_with_model",
]

log = logging.getLogger(__name__)

Conversation = list[dict[str, Any]]


@dataclass
class Generation:
    """One backend answer: the text, or an error message; tokens generated; cut off or not."""

    text: str | None = None
    error: str | None = None
    tokens: int = 0
    truncated: bool = False


GenerateFn = Callable[[list[Conversation]], list[Generation]]


@dataclass
class ParsedAnswer:
    prose: str
    mermaid: str | None
    diagram: Diagram | None
    error: MermaidSyntaxError | None
    figure_type: FigureType
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_repair(self) -> bool:
        # unsupported-but-valid kinds (pie, gantt) are not syntax errors a repair could fix
        return self.error is not None and not isinstance(self.error, UnsupportedDiagramError)


_FENCED_ANY = re.compile(r"```\s*mermaid\s*\n.*?(```|\Z)", re.S | re.I)
_OPEN_FENCE = re.compile(r"```\s*mermaid\s*\n(.*)\Z", re.S | re.I)
_TYPE_LINE = re.compile(r"^\s*\**figure\s+type\**\s*:\s*\**\s*([A-Za-z_ \-]+?)\**\s*\.?\s*$", re.I | re.M)
# Mermaid header -> figure type, when neither the answer nor the hint says better
_KIND_TYPE = {"flowchart": FigureType.flowchart, "sequence": FigureType.sequence,
              "state": FigureType.state, "class": FigureType.architecture, "er": FigureType.architecture}
# figure types a flowchart-syntax diagram may stand for
_FLOW_LIKE = {FigureType.flowchart, FigureType.topology, FigureType.architecture, FigureType.protocol_stack}


def _declared_type(answer: str) -> FigureType | None:
    m = _TYPE_LINE.search(answer)
    if not m:
        return None
    word = m.group(1).strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"call_flow": "sequence", "sequence_diagram": "sequence", "state_machine": "state",
               "state_diagram": "state", "network_topology": "topology", "protocol": "protocol_stack"}
    word = aliases.get(word, word)
    return FigureType(word) if word in FigureType.__members__ else None


def _mermaid_text(answer: str, warnings: list[str]) -> str | None:
    block = extract_mermaid(answer)
    if block is None:
        m = _OPEN_FENCE.search(answer)
        if m and m.group(1).strip():
            # a block opened but never closed: usually the answer hit the token limit
            warnings.append("the ```mermaid block is not closed (answer cut off?)")
            block = m.group(1).strip() + "\n"
    return block


def _prose(answer: str) -> str:
    text = _FENCED_ANY.sub("", answer)
    text = _TYPE_LINE.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _header_type(mermaid: str | None) -> FigureType | None:
    """The figure type a (possibly broken) Mermaid block announces in its header."""
    words = (mermaid or "").split()
    head = words[0] if words else ""
    if head in ("flowchart", "graph"):
        return FigureType.flowchart
    if head == "sequenceDiagram":
        return FigureType.sequence
    if head.startswith("stateDiagram"):
        return FigureType.state
    return None


def _figure_type(diagram: Diagram | None, declared: FigureType | None,
                 hint: FigureType | None, mermaid: str | None = None) -> FigureType:
    if diagram is None:
        return declared or hint or _header_type(mermaid) or FigureType.other
    for candidate in (declared, hint):
        if candidate is None:
            continue
        if diagram.kind == "flowchart" and candidate in _FLOW_LIKE:
            return candidate
        if _KIND_TYPE.get(diagram.kind) == candidate:
            return candidate
    return _KIND_TYPE.get(diagram.kind, FigureType.other)


def parse_answer(answer: str, hint: FigureType | None = None) -> ParsedAnswer:
    """Split a model answer into prose and a validated diagram; never raises on bad Mermaid."""
    warnings: list[str] = []
    hint = None if hint == FigureType.other else hint
    mermaid = _mermaid_text(answer, warnings)
    diagram, error = None, None
    if mermaid is not None:
        try:
            diagram = parse_mermaid(mermaid)
        except MermaidSyntaxError as err:
            error = err
    ftype = _figure_type(diagram, _declared_type(answer), hint, mermaid)
    if diagram is not None and diagram.kind == "flowchart" and ftype in _FLOW_LIKE - {FigureType.flowchart}:
        diagram.kind = ftype.value  # a topology drawn in flowchart syntax reads as a topology
    return ParsedAnswer(prose=_prose(answer), mermaid=mermaid, diagram=diagram, error=error,
                        figure_type=ftype, warnings=warnings)


def _confidence(p: ParsedAnswer, expects_diagram: bool, repaired: bool) -> float:
    if not p.prose and p.diagram is None:
        return 0.0
    if p.diagram is not None:
        return 0.7 if repaired else 0.8
    if expects_diagram or p.needs_repair:
        return 0.4
    return 0.6 if p.figure_type in (FigureType.other,) else 0.7


def to_description(p: ParsedAnswer, describer: str, *, repaired: bool = False,
                   truncated: bool = False, seconds: float = 0.0) -> Description:
    """The Description for a parsed answer, with a warning for every check that failed."""
    warnings = list(p.warnings)
    expects = p.figure_type in DIAGRAM_TYPES
    if p.error is not None:
        what = "is of a kind not modelled" if isinstance(p.error, UnsupportedDiagramError) else \
            "does not parse" + (" after one repair round trip" if repaired else "")
        warnings.append(f"Mermaid {what}: {p.error}")
    elif p.mermaid is None and expects:
        warnings.append(f"no ```mermaid block in the answer for a {p.figure_type.value} figure")
    elif repaired:
        warnings.append("Mermaid repaired by a second model call")
    if truncated:
        warnings.append("the answer hit the max_new_tokens limit and may be cut off")
    if not p.prose and p.diagram is None:
        warnings.append("the model returned an empty answer")
    text = p.prose or (p.diagram.to_prose() if p.diagram is not None else "")
    mermaid = p.diagram.to_mermaid() if p.diagram is not None else p.mermaid
    return Description(text=text, diagram=p.diagram, mermaid=mermaid, figure_type=p.figure_type,
                       confidence=round(_confidence(p, expects, repaired) * (0.75 if truncated else 1.0), 3),
                       describer=describer, warnings=warnings, seconds=max(0.0, seconds))


def error_description(message: str, describer: str, hint: FigureType | None = None) -> Description:
    """A figure the backend could not describe: confidence 0, the reason as a warning."""
    return Description(text="", figure_type=hint or FigureType.other, confidence=0.0,
                       describer=describer, warnings=[message])


def _merge_repair(first: ParsedAnswer, second: ParsedAnswer) -> ParsedAnswer:
    """Keep the first answer's prose; take the repaired Mermaid when it now parses."""
    if second.diagram is None:
        err = second.error or first.error
        return ParsedAnswer(first.prose, second.mermaid or first.mermaid, None, err,
                            first.figure_type, first.warnings + second.warnings)
    return ParsedAnswer(first.prose or second.prose, second.mermaid, second.diagram, None,
                        second.figure_type, first.warnings)


@dataclass
class _Item:
    index: int
    request: FigureRequest
    conversation: Conversation
    key: str | None = None
    first: Generation | None = None
    parsed: ParsedAnswer | None = None
    repaired: bool = False
    transient: bool = False  # a call failed that a rerun might get through: do not cache


def describe_with_model(requests: Sequence[FigureRequest], generate: GenerateFn, *, describer: str,
                        prompt_version: str = PROMPT_VERSION, cache: DescriptionCache | None = None,
                        key_of: Callable[[FigureRequest], str] | None = None,
                        repair: bool = True) -> list[Description]:
    """Describe ``requests`` with a backend that only generates; one Description per request.

    ``generate`` takes chat conversations and returns one :class:`Generation` per
    conversation (an error in one never affects the others). Answers whose Mermaid does not
    parse get one repair round trip (the conversation continued with the parser's message).
    """
    out: list[Description | None] = [None] * len(requests)
    items: list[_Item] = []
    for i, req in enumerate(requests):
        if not req.image:
            out[i] = error_description("no image bytes in the request: a model describer needs the "
                                       "rendered crop", describer, req.figure_type)
            continue
        key = key_of(req) if (cache is not None and key_of is not None) else None
        hit = cache.get(key) if key is not None and cache is not None else None
        if hit is not None:
            out[i] = hit
            continue
        items.append(_Item(i, req, build_conversation(req, version=prompt_version), key))
    if items:
        share = _first_pass(items, generate)
        if repair:
            share += _repair_pass(items, generate, prompt_version)
        for it in items:
            out[it.index] = _finish(it, describer, share, cache)
    return [d for d in out if d is not None]


def _timed(generate: GenerateFn, convs: list[Conversation]) -> tuple[list[Generation], float]:
    t0 = time.perf_counter()
    try:
        gens = generate(convs)
    except BackendUnavailableError:
        raise  # no figure can be described (weights cannot load): the caller decides, loudly
    except Exception as err:  # a backend bug must not abort the batch: every item records it
        gens = [Generation(error=f"{type(err).__name__}: {err}") for _ in convs]
    if len(gens) != len(convs):  # a backend bug: no answer can be matched to its figure
        gens = [Generation(error=f"backend returned {len(gens)} answers for {len(convs)} conversations")
                for _ in convs]
    return gens, (time.perf_counter() - t0) / max(1, len(convs))


def _first_pass(items: list[_Item], generate: GenerateFn) -> float:
    gens, share = _timed(generate, [it.conversation for it in items])
    for it, gen in zip(items, gens):
        it.first = gen
        if gen.error is None:
            it.parsed = parse_answer(gen.text or "", it.request.figure_type)
    return share


def _repair_pass(items: list[_Item], generate: GenerateFn, version: str) -> float:
    todo = [it for it in items if it.parsed is not None and it.parsed.needs_repair]
    if not todo:
        return 0.0
    convs = [it.conversation + [{"role": "assistant", "content": [{"type": "text", "text": it.first.text}]},
                                repair_turn(it.parsed.error, it.parsed.mermaid or "", version)]
             for it in todo]
    gens, share = _timed(generate, convs)
    for it, gen in zip(todo, gens):
        it.repaired = True
        if gen.error is not None:
            it.parsed.warnings.append(f"the repair call failed: {gen.error}")
            it.transient = True
            continue
        it.parsed = _merge_repair(it.parsed, parse_answer(gen.text or "", it.parsed.figure_type))
    return share * len(todo) / len(items)


def _finish(it: _Item, describer: str, seconds: float, cache: DescriptionCache | None) -> Description:
    if it.parsed is None:
        return error_description(f"the model call failed: {it.first.error}", describer,
                                 it.request.figure_type)
    desc = to_description(it.parsed, describer, repaired=it.repaired,
                          truncated=bool(it.first and it.first.truncated), seconds=seconds)
    if cache is not None and it.key is not None and not it.transient:
        try:
            cache.put(it.key, desc)  # failures are not cached: a rerun tries them again
        except OSError as err:  # a full or read-only disk costs the cache, not the description
            log.warning("description cache: cannot write %s: %s", cache.directory, err)
    return desc
