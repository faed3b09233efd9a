"""Diagram -> prose: sentences a reader (and a retriever) can follow.

Kept apart from ``diagram.py`` so that the wording can evolve without touching the model.
The wording is deterministic: same Diagram, same text.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagram import Diagram, Edge

_KIND_NAME = {
    "flowchart": "flowchart", "sequence": "sequence diagram", "state": "state diagram",
    "class": "class diagram", "er": "entity-relationship diagram", "topology": "network topology",
    "architecture": "architecture diagram", "protocol_stack": "protocol stack", "other": "diagram",
}


def _q(text: str) -> str:
    return f'"{text}"'


def _join(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def diagram_prose(d: Diagram) -> str:
    parts = [_intro(d)]
    if d.kind == "sequence":
        parts += _sequence(d)
    elif d.kind == "state":
        parts += _state(d)
    elif d.kind in ("topology", "architecture", "er"):
        parts += _links(d)
    elif d.kind == "protocol_stack":
        parts += _stack(d)
    else:
        parts += _flow(d)
    parts += _groups(d)
    if d.notes:
        parts.append("Notes: " + "; ".join(d.notes) + ".")
    return " ".join(p for p in parts if p)


def _intro(d: Diagram) -> str:
    name = _KIND_NAME.get(d.kind, "diagram")
    title = f" {_q(d.title)}" if d.title else ""
    if d.kind == "sequence":
        who = [d.label_of(n.id) for n in d.nodes]
        return (f"The {name}{title} shows {len(d.messages)} messages between "
                f"{len(who)} participants: {_join(who)}.")
    count = len(d.states) if d.kind == "state" else len(d.nodes)
    unit = "states" if d.kind == "state" else "elements"
    return f"The {name}{title} has {count} {unit} and {len(d.edges)} connections."


def _sequence(d: Diagram) -> list[str]:
    out = []
    for i, m in enumerate(d.messages, 1):
        a, b = d.label_of(m.source), d.label_of(m.target)
        what = _q(m.text) if m.text else "a message"
        verb = "replies with" if m.reply else "sends"
        if m.source == m.target:
            out.append(f"{i}. {a} performs {what} on itself.")
        else:
            out.append(f"{i}. {a} {verb} {what} to {b}.")
    return out


def _edge_phrase(d: Diagram, e: Edge, verb: str) -> str:
    tgt = d.label_of(e.target)
    cond = f" when {_q(e.label)}" if e.label else ""
    return f"{verb} {tgt}{cond}"


def _flow(d: Diagram) -> list[str]:
    out_edges: dict[str, list[Edge]] = defaultdict(list)
    for e in d.edges:
        out_edges[e.source].append(e)
    incoming = {e.target for e in d.edges if e.directed}
    starts = [n for n in d.nodes if n.id in out_edges and n.id not in incoming]
    out = []
    if starts and d.edges:
        out.append(f"It starts at {_join([n.text for n in starts])}.")
    order = [n.id for n in d.nodes] + sorted({e.source for e in d.edges} - {n.id for n in d.nodes})
    for nid in order:
        edges = out_edges.get(nid)
        if not edges:
            continue
        verb = "leads to"
        phrases = [_edge_phrase(d, e, "" if i else verb).strip() if e.directed else
                   f"{'' if i else 'is linked with '}{d.label_of(e.target)}"
                   + (f" ({e.label})" if e.label else "") for i, e in enumerate(edges)]
        out.append(f"{d.label_of(nid)} {_join(phrases)}.")
    sinks = [n.text for n in d.nodes if n.id not in out_edges and n.id in incoming]
    if sinks and d.edges:
        out.append(f"It ends at {_join(sinks)}.")
    lonely = [n.text for n in d.nodes if n.id not in out_edges and n.id not in incoming
              and not any(e.target == n.id for e in d.edges)]
    if lonely:
        out.append(f"Unconnected elements: {_join(lonely)}.")
    return out


def _state(d: Diagram) -> list[str]:
    out = []
    initial = [d.label_of(e.target) for e in d.edges if _is(d, e.source, "start")]
    final = [d.label_of(e.source) for e in d.edges if _is(d, e.target, "end")]
    states = [n.text for n in d.states]
    if states:
        out.append(f"States: {_join(states)}.")
    if initial:
        out.append(f"The initial state is {_join(sorted(set(initial), key=initial.index))}.")
    for e in d.edges:
        if _is(d, e.source, "start") or _is(d, e.target, "end"):
            continue
        a, b = d.label_of(e.source), d.label_of(e.target)
        if a == b:
            out.append(f"{a} stays in {a}" + (f" on {_q(e.label)}." if e.label else "."))
        else:  # a transition is an event: "on <event> goes to"
            out.append(f"From {a}, on {_q(e.label)} the machine goes to {b}." if e.label
                       else f"From {a}, the machine goes to {b}.")
    if final:
        out.append(f"{_join(sorted(set(final), key=final.index))} can end the machine.")
    return out


def _is(d: Diagram, node_id: str, shape: str) -> bool:
    n = d.node(node_id)
    return n is not None and n.shape == shape


def _links(d: Diagram) -> list[str]:
    """Links of a topology or an architecture are connections, and their labels are the
    interface, protocol or reference point they run over, not conditions."""
    out = []
    for e in d.edges:
        a, b = d.label_of(e.source), d.label_of(e.target)
        via = f" via {_q(e.label)}" if e.label else ""
        rel = "relates to" if d.kind == "er" else "connects to"
        out.append(f"{a} {rel} {b}{via}.")
    lonely = [n.text for n in d.nodes if not any(n.id in (e.source, e.target) for e in d.edges)
              and d.kind != "er"]
    if lonely:
        out.append(f"{'Unconnected elements' if d.edges else 'Elements'}: {_join(lonely)}.")
    return out


def _stack(d: Diagram) -> list[str]:
    layers = [n.text for n in d.nodes]
    return [f"The layers from top to bottom are: {_join(layers)}."] if layers else []


def _groups(d: Diagram) -> list[str]:
    out = []
    for g in d.groups:
        names = [d.label_of(m) for m in g.members]
        if names:
            out.append(f"{g.label or g.id} contains {_join(names)}.")
    return out
