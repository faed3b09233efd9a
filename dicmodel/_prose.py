"""Diagram -> prose: sentences a reader (and a retriever) can follow.

Kept apart from ``diagram.py`` so that the wording can evolve without touching the model.
The wording is deterministic: same Diagram, same text.

This module does not import :mod:`dicmodel.diagram` (which calls it for ``Diagram.to_prose``):
it reads a diagram through the small protocols below, so data flows one way. Every pass is
linear in the number of nodes, edges and group members (lookups go through the diagram's id
index), and no walk recurses, so a 10,000-node or 1,000-deep diagram is described in
proportion to its size.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Protocol

__all__ = ["diagram_prose"]


class _Node(Protocol):
    id: str
    shape: str

    @property
    def text(self) -> str: ...


class _Edge(Protocol):
    source: str
    target: str
    label: str
    directed: bool


class _Message(Protocol):
    source: str
    target: str
    text: str
    reply: bool


class _Group(Protocol):
    id: str
    label: str
    members: list[str]


class _Diagram(Protocol):
    """What the prose reads of a :class:`dicmodel.diagram.Diagram`."""

    kind: str
    title: str | None
    notes: list[str]

    @property
    def nodes(self) -> Sequence[_Node]: ...

    @property
    def edges(self) -> Sequence[_Edge]: ...

    @property
    def groups(self) -> Sequence[_Group]: ...

    @property
    def messages(self) -> Sequence[_Message]: ...

    @property
    def states(self) -> Sequence[_Node]: ...

    def node(self, node_id: str) -> _Node | None: ...

    def label_of(self, node_id: str) -> str: ...

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


def diagram_prose(d: _Diagram) -> str:
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
    if not (d.kind == "protocol_stack" and _stack_groups(d)):
        parts += _groups(d)
    if d.notes and d.kind == "sequence" and not d.messages:  # steps drawn across lifelines
        parts.append("Its steps, top to bottom: " + "; ".join(d.notes) + ".")
    elif d.notes:
        parts.append("Notes: " + "; ".join(d.notes) + ".")
    return " ".join(p for p in parts if p)


def _intro(d: _Diagram) -> str:
    name = _KIND_NAME.get(d.kind, "diagram")
    title = f" {_q(d.title)}" if d.title else ""
    if d.kind == "sequence":
        who = [d.label_of(n.id) for n in d.nodes]
        if not d.messages:
            return f"The {name}{title} draws no messages between its {_count(len(who), 'participant')}: {_join(who)}."
        return (f"The {name}{title} shows {_count(len(d.messages), 'message')} between "
                f"{_count(len(who), 'participant')}: {_join(who)}.")
    count = len(d.states) if d.kind == "state" else len([n for n in d.nodes if n.shape != "external"])
    unit = "state" if d.kind == "state" else "element"
    stubs = len([e for e in d.edges if _stub(d, e)])
    if stubs:
        return (f"The {name}{title} has {_count(count, unit)}, "
                f"{_count(len(d.edges) - stubs, 'connection')} and "
                f"{_count(stubs, 'reference point')} to elements not shown.")
    return f"The {name}{title} has {_count(count, unit)} and {_count(len(d.edges), 'connection')}."


_A_UNNAMED = re.compile(r"^an? (unlabelled \w+)$")


def _tally(names: list[str]) -> list[str]:
    """A list of names with its repeats counted, in first-seen order: 32 unlabelled server
    boxes are "32 unlabelled boxes", four boxes named Security "Security (4 of them)"."""
    counts = Counter(names)
    out = []
    for name in dict.fromkeys(names):
        k = counts[name]
        m = _A_UNNAMED.match(name)
        out.append(name if k == 1 else f"{k} {m.group(1)}{'es' if m.group(1).endswith('x') else 's'}"
                   if m else f"{name} ({k} of them)")
    return out


def _count(n: int, noun: str) -> str:
    """'1 connection', '2 connections', '0 connections'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _sequence(d: _Diagram) -> list[str]:
    out = []
    # a dashed arrow is a reply where the figure also draws solid ones; where every message is
    # dashed the dashes are the figure's style (3GPP draws a whole Sx exchange dashed)
    styled = len(d.messages) > 1 and all(m.reply for m in d.messages)
    for i, m in enumerate(d.messages, 1):
        a, b = d.label_of(m.source), d.label_of(m.target)
        what = _q(m.text) if m.text else "a message"
        verb = "replies with" if m.reply and not styled else "sends"
        if m.source == m.target:
            out.append(f"{i}. {a} performs {what} on itself.")
        else:
            out.append(f"{i}. {a} {verb} {what} to {b}.")
    return out


def _edge_phrase(d: _Diagram, e: _Edge, verb: str) -> str:
    tgt = d.label_of(e.target)
    cond = f" when {_q(e.label)}" if e.label else ""
    return f"{verb} {tgt}{cond}"


def _flow(d: _Diagram) -> list[str]:
    out_edges: dict[str, list[_Edge]] = defaultdict(list)
    for e in d.edges:
        out_edges[e.source].append(e)
    incoming = {e.target for e in d.edges if e.directed}
    incoming |= {e.source for e in d.edges if e.bidirectional}  # a two-way link starts nothing
    # (a start sends the flow on: a node with only plain links, whose heads went unseen, is none)
    starts = [n for n in d.nodes if n.id not in incoming
              and any(e.directed and not e.bidirectional for e in out_edges.get(n.id, ()))]
    out = []
    if starts and d.edges:
        out.append(f"It starts at {_join([n.text for n in starts])}.")
    order = [n.id for n in d.nodes] + sorted({e.source for e in d.edges} - {n.id for n in d.nodes})
    for nid in order:
        edges = out_edges.get(nid)
        if not edges:
            continue
        one_way = [e for e in edges if e.directed and not e.bidirectional]
        two_way = [e for e in edges if e.bidirectional]
        plain = [e for e in edges if not e.directed and not e.bidirectional]
        clauses = []
        if one_way:
            clauses.append("leads to " + _join([_edge_phrase(d, e, "").strip() for e in one_way]))
        for verb, group in (("is linked both ways with", two_way), ("is linked with", plain)):
            if group:
                clauses.append(verb + " " + _join([d.label_of(e.target) + (f" ({e.label})" if e.label else "")
                                                   for e in group]))
        out.append(f"{d.label_of(nid)} {', and '.join(clauses)}.")
    two_way_ends = {x for e in d.edges if e.bidirectional for x in (e.source, e.target)}
    sinks = [n.text for n in d.nodes if n.id not in out_edges and n.id in incoming
             and n.id not in two_way_ends]
    if sinks and d.edges:
        out.append(f"It ends at {_join(sinks)}.")
    targets = {e.target for e in d.edges}  # a set: one pass, not one per node
    keyed = _keyed(d)
    lonely = [n.text for n in d.nodes if n.id not in out_edges and n.id not in incoming
              and n.id not in targets and n.id not in keyed]
    if lonely:
        out.append(f"Unconnected elements: {_join(_tally(lonely))}.")
    return out


def _state(d: _Diagram) -> list[str]:
    out = []
    initial = [d.label_of(e.target) for e in d.edges if _is(d, e.source, "start")]
    final = [d.label_of(e.source) for e in d.edges if _is(d, e.target, "end")]
    states = [n.text for n in d.states]
    if states:
        out.append(f"States: {_join(states)}.")
    if initial:
        out.append(f"The initial state is {_join(list(dict.fromkeys(initial)))}.")  # first-seen order
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
        out.append(f"{_join(list(dict.fromkeys(final)))} can end the machine.")
    return out


def _stub(d: _Diagram, e: _Edge) -> bool:
    """A reference point drawn as a stub: one of its ends is an element the figure does not
    draw (``external``)."""
    return _is(d, e.source, "external") != _is(d, e.target, "external")


def _is(d: _Diagram, node_id: str, shape: str) -> bool:
    n = d.node(node_id)
    return n is not None and n.shape == shape


def _links(d: _Diagram) -> list[str]:
    """Links of a topology or an architecture are connections, and their labels are the
    interface, protocol or reference point they run over, not conditions."""
    out = []
    stubs: dict[str, list[str]] = defaultdict(list)  # element -> its reference points' names
    for e in d.edges:
        if _stub(d, e):
            inner = e.target if _is(d, e.source, "external") else e.source
            stubs[inner].append(e.label)
            continue
        a, b = d.label_of(e.source), d.label_of(e.target)
        via = f" via {_q(e.label)}" if e.label else ""
        rel = "relates to" if d.kind == "er" else "connects to"
        out.append(f"{a} {rel} {b}{via}")
    # the same link said once, with how many lines draw it (a bundle, or lines read twice)
    times = Counter(out)
    out = [s + (f" ({times[s]} lines)." if times[s] > 1 else ".") for s in dict.fromkeys(out)]
    for inner, names in stubs.items():
        named = [_q(x) for x in names if x]
        blank = len(names) - len(named)
        what = []
        if named:
            what.append(f"reference point{'s' if len(named) > 1 else ''} {_join(named)}")
        if blank:
            what.append(_count(blank, "unnamed link"))
        out.append(f"{d.label_of(inner)} has {_join(what)} towards elements not shown.")
    keyed = _keyed(d)
    lonely = [n.text for n in d.nodes if not any(n.id in (e.source, e.target) for e in d.edges)
              and d.kind != "er" and n.id not in keyed]
    if lonely:
        out.append(f"{'Unconnected elements' if d.edges else 'Elements'}: {_join(_tally(lonely))}.")
    return out


def _peer_links(d: _Diagram) -> list[_Edge]:
    """Links between two layers of the same name (a layer and its peer in another stack)."""
    return [e for e in d.edges if d.label_of(e.source) == d.label_of(e.target)]


def _stack_groups(d: _Diagram) -> bool:
    """Whether the stack prose tells the groups itself (stacks with peer links)."""
    return any(g.members for g in d.groups) and bool(_peer_links(d))


def _stack(d: _Diagram) -> list[str]:
    peers = _peer_links(d)
    stacks = [g for g in d.groups if g.members]
    if not peers or not stacks:
        layers = [n.text for n in d.nodes]
        return [f"The layers from top to bottom are: {_join(layers)}."] if layers else []
    # stacks side by side whose layers talk to their peers (3GPP protocol stack figures)
    home = {m: g.label or "an unnamed stack" for g in stacks for m in g.members}
    # in the order of the taller stack of the two a link joins
    depth = {m: (-len(g.members), i) for g in stacks for i, m in enumerate(g.members)}
    peers.sort(key=lambda e: min(depth.get(e.source, (0, 0)), depth.get(e.target, (0, 0)))[1])
    out = [f"{g.label or 'An unnamed stack'} has, from top to bottom: "
           f"{_join([d.label_of(m) for m in g.members])}." for g in stacks]
    pairs = [f"{d.label_of(e.source)} between {home.get(e.source, 'a box')} and "
             f"{home.get(e.target, 'a box')}" for e in peers]
    out.append(f"Each of these layers talks to its peer: {_join(pairs)}.")
    for e in d.edges:
        if e not in peers:
            out.append(f"{d.label_of(e.source)} connects to {d.label_of(e.target)}"
                       + (f" via {_q(e.label)}." if e.label else "."))
    return out


def _keyed(d: _Diagram) -> set[str]:
    """Elements that are no part of the graph (callouts, shape ``note``; the members of the
    ``legend`` group) and whose text a note already says: they are not "unconnected elements"."""
    apart = {n.id for n in d.nodes if n.shape == "note"} | \
        {m for g in d.groups if g.id == "legend" for m in g.members}
    said = [note.lower() for note in d.notes]
    return {k for k in apart if any(d.label_of(k).lower() in note for note in said)}


def _groups(d: _Diagram) -> list[str]:
    out = []
    keyed = _keyed(d)
    for g in d.groups:
        if g.id == "legend" and set(g.members) <= keyed:
            continue  # the note says it
        names = [d.label_of(m) for m in g.members]
        if names:
            out.append(f"{g.label or g.id} contains {_join(names)}.")
    return out
