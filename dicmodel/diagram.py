"""Diagram: the typed structure of a figure, and its two text forms (Mermaid and prose).

A :class:`Diagram` holds nodes, edges, groups (subgraphs, clusters, composite states),
ordered messages (sequence diagrams) and notes. States and transitions of a state diagram are
nodes and edges of a ``kind="state"`` diagram, with the pseudo-states ``[*]`` as nodes of shape
``start`` / ``end``.

``Diagram.to_mermaid()`` renders flowchart / sequence / state syntax (other kinds render as a
flowchart); :func:`parse_mermaid` reads flowchart, sequence, state, class and ER diagrams back and
raises :class:`~dicmodel.errors.MermaidSyntaxError` with a line number on malformed input.
``Diagram.to_prose()`` writes the structure as sentences a reader can follow.

The parser reads model output, user files and training data, so it is built for hostile text:
its time is linear in the input size (no regular expression with nested or adjacent ambiguous
quantifiers; the link text, sequence message and participant forms are read by small scanners),
every walk over the group tree is iterative and cycle-safe, and these limits raise
:class:`~dicmodel.errors.MermaidSyntaxError` naming the limit (the text of a line is quoted up to
200 characters):

- :data:`MAX_MERMAID_CHARS` (10,000,000): characters of the whole text;
- :data:`MAX_LINE_CHARS` (100,000): characters of one line (of a statement, for a quoted label
  that spans lines);
- :data:`MAX_DEPTH` (64): nesting of subgraphs, composite states and namespaces;
- :data:`MAX_NODES` (50,000): nodes and groups together;
- :data:`MAX_EDGES` (200,000): edges and messages together (``a & b --> c & d`` counts four).

A leading byte-order mark is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from .errors import MermaidSyntaxError, UnsupportedDiagramError

__all__ = [
    "MAX_DEPTH",
    "MAX_EDGES",
    "MAX_LINE_CHARS",
    "MAX_MERMAID_CHARS",
    "MAX_NODES",
    "Node",
    "Edge",
    "Group",
    "Message",
    "Diagram",
    "DiagramKind",
    "parse_mermaid",
    "validate_mermaid",
    "extract_mermaid",
    "split_stereotype",
]

DiagramKind = Literal[
    "flowchart", "sequence", "state", "class", "er",
    "topology", "architecture", "protocol_stack", "other",
]

START, END = "[*]start", "[*]end"

MAX_MERMAID_CHARS = 10_000_000
"""Most characters :func:`parse_mermaid` reads (the whole text)."""
MAX_LINE_CHARS = 100_000
"""Most characters in one line or statement."""
MAX_DEPTH = 64
"""Deepest nesting of subgraphs, composite states and namespaces."""
MAX_NODES = 50_000
"""Most nodes plus groups in one diagram."""
MAX_EDGES = 200_000
"""Most edges plus messages in one diagram."""
_QUOTE_CHARS = 200  # an error message quotes at most this much of the offending text

_STEREOTYPE = re.compile(r"^\s*(«[^»]+»|<<[^<>]+>>)\s+(\S.*)$", re.S)


def split_stereotype(label: str) -> tuple[str, str]:
    """(name, stereotype) of a UML name with a leading stereotype: "«interface» Shape" is the
    class Shape marked «interface» (draw.io writes "<<TOSCA>> Policy"); a label without one
    comes back whole, with an empty stereotype."""
    m = _STEREOTYPE.match(label or "")
    return (m.group(2).strip(), m.group(1)) if m else (label, "")


def _clip(text: str | None, limit: int = _QUOTE_CHARS) -> str | None:
    """At most ``limit`` characters of user text for an error message, with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + "\u2026"


def _syntax(message: str, *, line: int | None = None, text: str | None = None) -> MermaidSyntaxError:
    return MermaidSyntaxError(message, line=line, text=_clip(text))


class Node(BaseModel):
    id: str
    label: str = ""
    shape: str = Field("box", description="box, round, stadium, subroutine, cylinder, circle, "
                       "diamond, hexagon, parallelogram, trapezoid, ellipse, participant, actor, "
                       "state, start, end, choice, fork, device, external (the far end of a "
                       "reference point towards an element the figure does not draw), note (a "
                       "callout that describes a link or an element, not a part of the graph)")

    @property
    def text(self) -> str:
        return self.label or self.id


class Edge(BaseModel):
    source: str
    target: str
    label: str = ""
    directed: bool = True
    bidirectional: bool = False
    style: Literal["solid", "dotted", "thick"] = "solid"


class Group(BaseModel):
    id: str
    label: str = ""
    members: list[str] = Field(default_factory=list)
    parent: str | None = None


class Message(BaseModel):
    """One arrow of a sequence diagram; the list order is the time order (top to bottom)."""

    source: str
    target: str
    text: str = ""
    reply: bool = Field(False, description="dashed arrow (a response)")
    arrow: Literal["filled", "open", "cross", "async"] = "filled"


class Diagram(BaseModel):
    kind: DiagramKind = "flowchart"
    direction: str = "TD"
    title: str | None = None
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    # ---- lookup -------------------------------------------------------------------------
    # Lookups go through an id index so that parsing or describing N nodes is O(N), not O(N^2).
    # The index lives in the instance __dict__ outside the model fields (pydantic ignores such
    # entries in ==, dumps and validation, as it does for functools.cached_property). It is
    # rebuilt when the list is replaced or changes length, and a hit is checked against the list,
    # so code that appends, removes, sorts or replaces items directly still gets correct answers.
    # The one edit it cannot see is an id that appears in place, without the list changing
    # length (``n.id = "new"`` or ``nodes[i] = Node(id="new")``): a lookup of that new id
    # misses until the list changes length or is reassigned. No code in dicmodel does that.
    def _index(self, attr: str) -> dict[str, int]:
        items = getattr(self, attr)
        key = "_idx_" + attr
        cached = self.__dict__.get(key)
        if cached is None or cached[0] is not items or cached[1] != len(items):
            index: dict[str, int] = {}
            for i, item in enumerate(items):
                index.setdefault(item.id, i)  # the first of duplicates, like a linear scan
            cached = (items, len(items), index)
            object.__setattr__(self, key, cached)  # not a field: bypass pydantic's check
        return cached[2]

    def _lookup(self, attr: str, item_id: str) -> Any:  # a Node or a Group, or None
        items = getattr(self, attr)
        i = self._index(attr).get(item_id)
        if i is not None and i < len(items) and items[i].id == item_id:
            return items[i]
        if i is not None:  # an element was replaced or renamed in place: rebuild once
            self.__dict__.pop("_idx_" + attr, None)
            i = self._index(attr).get(item_id)
            return items[i] if i is not None else None
        return None

    def node(self, node_id: str) -> Node | None:
        return self._lookup("nodes", node_id)

    def group(self, group_id: str) -> Group | None:
        """The first group with this id, or None."""
        return self._lookup("groups", group_id)

    def label_of(self, node_id: str) -> str:
        n = self.node(node_id)
        if n is not None:
            return n.text
        g = self.group(node_id)
        if g is not None:
            return g.label or g.id
        return node_id

    @property
    def states(self) -> list[Node]:
        return [n for n in self.nodes if n.shape not in ("start", "end")]

    @property
    def transitions(self) -> list[Edge]:
        return self.edges

    def add_node(self, node_id: str, label: str = "", shape: str = "box") -> Node:
        """Add a node once; a later definition with a label or shape fills in what was missing."""
        n = self.node(node_id)
        if n is None:
            n = Node(id=node_id, label=label, shape=shape)
            self.nodes.append(n)
            cached = self.__dict__.get("_idx_nodes")
            if cached is not None and cached[0] is self.nodes and cached[1] == len(self.nodes) - 1:
                cached[2][node_id] = len(self.nodes) - 1  # keep the index current: O(1) per node
                object.__setattr__(self, "_idx_nodes", (self.nodes, len(self.nodes), cached[2]))
        else:
            if label and not n.label:
                n.label = label
            if shape != "box" and n.shape == "box":
                n.shape = shape
        return n

    # ---- text forms ---------------------------------------------------------------------
    def to_mermaid(self) -> str:
        if self.kind == "sequence":
            text = _sequence_to_mermaid(self)
        elif self.kind == "state":
            text = _state_to_mermaid(self)
        else:
            text = _flowchart_to_mermaid(self)
        if self.title:  # YAML front matter is the one title syntax every diagram kind reads
            title = json.dumps(" ".join(self.title.split()), ensure_ascii=False)
            text = f"---\ntitle: {title}\n---\n" + text
        return text

    def to_prose(self) -> str:
        from ._prose import diagram_prose

        return diagram_prose(self)


# =========================================================================================
# Rendering to Mermaid
# =========================================================================================

_SAFE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef", "click",
             "linkStyle", "direction", "state", "note", "participant", "actor", "default"}

_SHAPES = {
    "box": ("[", "]"), "round": ("(", ")"), "stadium": ("([", "])"), "subroutine": ("[[", "]]"),
    "cylinder": ("[(", ")]"), "circle": ("((", "))"), "diamond": ("{", "}"),
    "hexagon": ("{{", "}}"), "parallelogram": ("[/", "/]"), "trapezoid": ("[/", "\\]"),
    "asymmetric": (">", "]"), "double_circle": ("(((", ")))"), "external": ("((", "))"),
}


_ESCAPES = {'"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;", "#": "#35;", "|": "#124;",
            "`": "#96;", "%": "#37;"}  # '%%' would start a comment


_SHAPES_NEW_SYNTAX = {"start": "sm-circ", "end": "framed-circle", "fork": "fork", "note": "comment"}


def _escape(text: str) -> str:
    """Entity codes for the characters Mermaid would read as syntax; the parser decodes them.

    One pass: a '#' is escaped only where it would otherwise start an entity ('#name;').
    """
    return re.sub(r'[";<>|`]|#(?=\w+;)|%(?=%)', lambda m: _ESCAPES[m.group(0)], text)


def _quote(text: str) -> str:
    return '"' + _escape(text.replace("\n", " ")) + '"'


class _IdMap:
    """Mermaid-safe ids: keep ids that are safe, give the others n1, n2, ..."""

    def __init__(self, ids: Iterable[str]):
        self.map: dict[str, str] = {}
        used = {i for i in ids if _SAFE_ID.match(i) and i not in _RESERVED}
        k = 0
        for i in ids:
            if i in self.map:
                continue
            if i in used:
                self.map[i] = i
                continue
            k += 1
            while f"n{k}" in used:
                k += 1
            self.map[i] = f"n{k}"
            used.add(f"n{k}")

    def __getitem__(self, key: str) -> str:
        return self.map[key]


def _group_tree(d: Diagram) -> tuple[list[Group], dict[int, list[Group]]]:
    """Top-level groups and each group's child groups (by object id), in list order.

    A child is a group whose ``parent`` names the group. Each group is visited once, so
    duplicate ids or a parent cycle in a hand-built Diagram cannot loop; as before, groups not
    reachable from a top-level group are not written.
    """
    by_parent: dict[str, list[Group]] = {}
    for g in d.groups:
        if g.parent is not None:
            by_parent.setdefault(g.parent, []).append(g)
    roots = [g for g in d.groups if g.parent is None]
    children: dict[int, list[Group]] = {}
    seen = {id(g) for g in roots}
    stack = list(roots)
    while stack:
        g = stack.pop()
        kids = [c for c in by_parent.get(g.id, []) if id(c) not in seen]
        seen.update(id(c) for c in kids)
        children[id(g)] = kids
        stack.extend(kids)
    return roots, children


def _emit_tree(roots: list[Group], children: dict[int, list[Group]], depth: int,
               open_group: Callable[[Group, int], None], close_group: Callable[[Group, int], None]) -> None:
    """Depth-first, in order, without recursion: ``open_group(g, depth)`` before a group's
    children, ``close_group(g, depth)`` after them."""
    stack: list[tuple[Group, int, bool]] = [(g, depth, False) for g in reversed(roots)]
    while stack:
        g, level, done = stack.pop()
        if done:
            close_group(g, level)
            continue
        open_group(g, level)
        stack.append((g, level, True))
        stack.extend((c, level + 1, False) for c in reversed(children.get(id(g), [])))


def _flowchart_to_mermaid(d: Diagram) -> str:
    ids = _IdMap([n.id for n in d.nodes] + [g.id for g in d.groups]
                 + [x for e in d.edges for x in (e.source, e.target)])
    lines = [f"flowchart {d.direction}"]
    grouped = {m for g in d.groups for m in g.members}

    def node_decl(n: Node) -> str:
        if n.shape in _SHAPES_NEW_SYNTAX:  # no bracket form: Mermaid 11's A@{ shape: ... }
            return f"{ids[n.id]}@{{ shape: {_SHAPES_NEW_SYNTAX[n.shape]}, label: {_quote(n.text)} }}"
        o, c = _SHAPES.get(n.shape, ("[", "]"))
        # an element not drawn has no name: a blank circle, not its id
        text = " " if n.shape == "external" and not n.label else n.text
        return f"{ids[n.id]}{o}{_quote(text)}{c}"

    def open_group(g: Group, depth: int) -> None:
        pad = "    " * depth
        lines.append(f"{pad}subgraph {ids[g.id]}[{_quote(g.label or g.id)}]")
        for m in g.members:
            n = d.node(m)
            if n is not None:
                lines.append(f"{pad}    {node_decl(n)}")

    def close_group(g: Group, depth: int) -> None:
        lines.append(f"{'    ' * depth}end")

    for n in d.nodes:
        if n.id not in grouped:
            lines.append(f"    {node_decl(n)}")
    _emit_tree(*_group_tree(d), 1, open_group, close_group)
    for e in d.edges:
        lines.append(f"    {ids[e.source]} {_link(e)} {ids[e.target]}")
    return "\n".join(lines) + "\n"


def _link(e: Edge) -> str:
    head = ">" if e.directed else ""
    tail = "<" if e.bidirectional else ""
    if e.style == "dotted":
        body = f"{tail}-.-{head}"
    elif e.style == "thick":
        body = f"{tail}=={head or '='}"
    else:
        body = f"{tail}--{head or '-'}"
    if e.label:
        return f"{body}|{_quote(e.label)}|"
    return body


def _msg_text(text: str) -> str:
    # ';' ends a statement and '#' starts an entity in sequence/state text; newlines end lines
    return _escape(text.replace("\n", " "))


def _sequence_to_mermaid(d: Diagram) -> str:
    ids = _IdMap([n.id for n in d.nodes] + [x for m in d.messages for x in (m.source, m.target)])
    lines = ["sequenceDiagram"]
    declared = set()
    for n in d.nodes:
        kw = "actor" if n.shape == "actor" else "participant"
        lines.append(f"    {kw} {ids[n.id]} as {_msg_text(n.text)}")
        declared.add(n.id)
    arrows = {("filled", False): "->>", ("filled", True): "-->>", ("open", False): "->",
              ("open", True): "-->", ("cross", False): "-x", ("cross", True): "--x",
              ("async", False): "-)", ("async", True): "--)"}
    for m in d.messages:
        for p in (m.source, m.target):
            if p not in declared:
                lines.append(f"    participant {ids[p]}")
                declared.add(p)
        lines.append(f"    {ids[m.source]}{arrows[(m.arrow, m.reply)]}{ids[m.target]}: {_msg_text(m.text)}")
    return "\n".join(lines) + "\n"


def _state_to_mermaid(d: Diagram) -> str:
    real = [n for n in d.nodes if n.shape not in ("start", "end")]
    ids = _IdMap([n.id for n in real] + [g.id for g in d.groups])
    lines = ["stateDiagram-v2"]
    if d.direction and d.direction not in ("TD", "TB"):
        lines.append(f"    direction {d.direction}")
    grouped = {m for g in d.groups for m in g.members}

    def ref(node_id: str) -> str:
        n = d.node(node_id)
        if n is not None and n.shape in ("start", "end"):
            return "[*]"
        return ids[node_id]

    def decl(n: Node, pad: str) -> None:
        if n.shape in ("choice", "fork", "join"):
            lines.append(f"{pad}state {ids[n.id]} <<{n.shape}>>")
        elif n.label and n.label != n.id or ids[n.id] != n.id:
            lines.append(f'{pad}state "{_msg_text(n.text)}" as {ids[n.id]}')
        else:
            lines.append(f"{pad}{ids[n.id]}")

    # a transition from/to a composite state's own [*] must be written inside that state
    owner_of: dict[str, str] = {}  # member -> the first group that lists it
    for g in d.groups:
        for m in g.members:
            owner_of.setdefault(m, g.id)
    edges_in: dict[str | None, list[Edge]] = {}  # group id (None: top level) -> its transitions
    for e in d.edges:
        home = None
        for x in (e.source, e.target):
            n = d.node(x)
            if n is not None and n.shape in ("start", "end") and x in owner_of:
                home = owner_of[x]
        edges_in.setdefault(home, []).append(e)

    def emit_edges(pad: str, group_id: str | None) -> None:
        for e in edges_in.pop(group_id, []):  # popped: a duplicate group id writes them once
            label = f" : {_msg_text(e.label)}" if e.label else ""
            lines.append(f"{pad}{ref(e.source)} --> {ref(e.target)}{label}")

    def open_group(g: Group, depth: int) -> None:
        pad = "    " * depth
        lines.append(f'{pad}state "{_msg_text(g.label or g.id)}" as {ids[g.id]} {{')
        for m in g.members:
            n = d.node(m)
            if n is not None and n.shape not in ("start", "end"):
                decl(n, pad + "    ")

    def close_group(g: Group, depth: int) -> None:
        pad = "    " * depth
        emit_edges(pad + "    ", g.id)
        lines.append(f"{pad}}}")

    for n in real:
        if n.id not in grouped:
            decl(n, "    ")
    _emit_tree(*_group_tree(d), 1, open_group, close_group)
    emit_edges("    ", None)
    return "\n".join(lines) + "\n"


# =========================================================================================
# Parsing Mermaid
# =========================================================================================

_UNSUPPORTED = ("gantt", "pie", "journey", "gitGraph", "mindmap", "timeline", "quadrantChart",
                "xychart", "xychart-beta", "C4Context", "C4Container", "C4Component", "C4Dynamic",
                "C4Deployment", "sankey", "sankey-beta", "requirementDiagram", "block-beta",
                "block", "packet-beta", "packet", "architecture-beta", "kanban", "radar-beta",
                "treemap", "zenuml", "info")


def _strip_comments(line: str) -> str:
    """Drop a '%%' comment: a whole line, or the tail of one ('%%' outside double quotes)."""
    if line.lstrip().startswith("%%"):
        return ""
    if "%%" in line:
        quote = False
        for i, ch in enumerate(line):
            if ch == '"':
                quote = not quote
            elif not quote and line.startswith("%%", i) and not line.startswith("%%{", i):
                return line[:i].rstrip()
    return line.rstrip()


def _preprocess(text: str) -> tuple[list[tuple[int, str]], str | None]:
    """Numbered non-empty lines, YAML front matter and init directives removed; the title kept."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for k, line in enumerate(raw):
        if len(line) > MAX_LINE_CHARS:
            raise _syntax(f"line longer than MAX_LINE_CHARS ({MAX_LINE_CHARS:,} characters)",
                          line=k + 1, text=line)
    out: list[tuple[int, str]] = []
    title = None
    i = 0
    if raw and raw[0].strip() == "---":
        for j in range(1, len(raw)):
            if raw[j].strip() == "---":
                for fm in raw[1:j]:
                    m = re.match(r"\s*title:\s*(.+)", fm)
                    if m:
                        title = _yaml_scalar(m.group(1).strip())
                i = j + 1
                break
        else:
            raise _syntax("front matter opened with '---' is never closed", line=1, text=raw[0])
    in_descr = False
    for k in range(i, len(raw)):
        line = _strip_comments(raw[k])
        # accDescr { ... } spans lines and says nothing about the graph
        if in_descr:
            in_descr = "}" not in line
            continue
        if re.match(r"\s*accDescr\s*\{", line):
            in_descr = "}" not in line
            continue
        if line.strip():
            out.append((k + 1, line))
    return out, title


def _yaml_scalar(v: str) -> str:
    """A one-line YAML scalar: double-quoted (JSON escapes), single-quoted ('' is ') or plain."""
    if len(v) >= 2 and v[0] == v[-1] == '"':
        try:
            return str(json.loads(v))
        except ValueError:
            return v[1:-1]
    if len(v) >= 2 and v[0] == v[-1] == "'":
        return v[1:-1].replace("''", "'")
    return v


def _join_quoted(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join physical lines while a double-quoted label is open (multi-line labels).

    The joined line keeps the number of the line where it started; the line break becomes a
    newline inside the label. A quote still open at the end is a syntax error there.
    """
    out: list[tuple[int, str]] = []
    start, buf, size, quotes = 0, [], 0, 0  # parts joined once: no quadratic concatenation
    for lineno, line in lines:
        if not buf:
            start = lineno
        buf.append(line)
        size += len(line) + 1
        quotes += line.count('"')
        if size > MAX_LINE_CHARS + 1:
            raise _syntax(f"a quoted label spans more than MAX_LINE_CHARS ({MAX_LINE_CHARS:,} "
                          "characters)", line=start, text=buf[0].strip())
        if quotes % 2 == 0:
            out.append((start, "\n".join(buf)))
            buf, size, quotes = [], 0, 0
    if buf:
        raise _syntax("a double-quoted label is never closed", line=start, text=buf[0].strip())
    return out


def parse_mermaid(text: str) -> Diagram:
    """Parse Mermaid text into a :class:`Diagram`.

    Reads ``flowchart``/``graph``, ``sequenceDiagram``, ``stateDiagram(-v2)``, ``classDiagram``
    and ``erDiagram``. Raises :class:`UnsupportedDiagramError` for other valid kinds and
    :class:`MermaidSyntaxError` (with ``.line``) for malformed text.
    """
    if not isinstance(text, str):
        raise _syntax(f"Mermaid text must be a str, got {type(text).__name__}")
    if len(text) > MAX_MERMAID_CHARS:
        raise _syntax(f"Mermaid text longer than MAX_MERMAID_CHARS ({MAX_MERMAID_CHARS:,} characters)")
    text = text.removeprefix("\ufeff")  # a byte-order mark read as text
    lines, title = _preprocess(text)
    if not lines:
        raise _syntax("empty Mermaid text: expected a diagram header such as "
                                 "'flowchart TD' or 'sequenceDiagram'", line=1)
    lineno, header = lines[0]
    head = header.strip().split()
    word = head[0].rstrip(":;")
    body = lines[1:]
    if word in ("flowchart", "graph", "flowchart-elk"):
        direction = head[1].rstrip(";") if len(head) > 1 else "TD"
        if direction not in ("TD", "TB", "BT", "LR", "RL"):
            raise _syntax("flowchart direction must be TD, TB, BT, LR or RL",
                                     line=lineno, text=header.strip())
        d = _FlowchartParser(direction).parse(_join_quoted(body))
    elif word == "sequenceDiagram":
        d = _parse_sequence(body)
    elif word in ("stateDiagram", "stateDiagram-v2"):
        d = _StateParser().parse(body)
    elif word == "classDiagram" or word == "classDiagram-v2":
        d = _parse_class(body)
    elif word == "erDiagram":
        d = _parse_er(body)
    elif word in _UNSUPPORTED:
        raise UnsupportedDiagramError(f"Mermaid '{word}' diagrams are not modelled as graphs",
                                      line=lineno, text=word)
    else:
        raise _syntax("unknown diagram header; expected flowchart, graph, "
                                 "sequenceDiagram, stateDiagram-v2, classDiagram or erDiagram",
                                 line=lineno, text=header.strip())
    if title and not d.title:
        d.title = title
    return d


def validate_mermaid(text: str) -> list[str]:
    """Problems found in Mermaid text (empty list when it parses and has content)."""
    try:
        d = parse_mermaid(text)
    except MermaidSyntaxError as err:
        return [str(err)]
    if not d.nodes and not d.messages:
        return ["the diagram has no nodes"]
    return []


_FENCE = re.compile(r"```\s*mermaid\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_mermaid(text: str) -> str | None:
    """The first fenced ```mermaid block in a model's answer, or None."""
    m = _FENCE.search(text or "")
    return m.group(1).strip() + "\n" if m else None


_ENTITIES = {"quot": '"', "amp": "&", "lt": "<", "gt": ">", "nbsp": " ", "apos": "'"}


def _decode_entity(m: re.Match) -> str:
    name = m.group(1)
    if name.isdigit():
        return chr(int(name)) if int(name) < 0x110000 else m.group(0)
    return _ENTITIES.get(name, m.group(0))


_TAG_START = re.compile(r"</?(b|i|em|strong|u|small|sub|sup|code|span|p|div|font)\b", re.IGNORECASE)


def _strip_tags(t: str) -> str:
    """``re.sub(r"</?(b|i|...)\\b[^>]*>", "", t, flags=re.I)`` in linear time: a tag runs to the
    next '>', and when there is none no later tag can close either (the regex tried each one to
    the end of the text)."""
    out, pos = [], 0
    for m in _TAG_START.finditer(t):
        if m.start() < pos:
            continue  # inside a tag already removed
        close = t.find(">", m.end())
        if close < 0:
            break
        out.append(t[pos:m.start()])
        pos = close + 1
    out.append(t[pos:])
    return "".join(out)


_EMPH_END = re.compile(r"\S[*_](?!\w)")
_EMPH_START = re.compile(r"(?<!\w)[*_]\S")


def _strip_emphasis(t: str) -> str:
    """``re.sub(r"(?<!\\w)[*_](\\S(?:.*?\\S)?)[*_](?!\\w)", r"\\1", t)`` in linear time.

    The regex looked, from each opening '*' or '_', for the first closing one on the same line;
    a start with none rescanned the rest of the line (quadratic on '_a _a _a ...'). The ends
    (a non-blank, then '*' or '_' not followed by a word character) are listed once instead.
    """
    import bisect

    ends = [m.start() for m in re.finditer(r"(?=\S[*_](?!\w))", t)]
    newlines = [i for i, ch in enumerate(t) if ch == "\n"]
    out, pos, i = [], 0, 0
    while True:
        m = _EMPH_START.search(t, i)
        if m is None:
            break
        i = m.start()
        k_i = bisect.bisect_left(ends, i + 2)  # the body is at least two characters ...
        nl = bisect.bisect_left(newlines, i + 2)
        limit = newlines[nl] if nl < len(newlines) else len(t)
        if k_i < len(ends) and ends[k_i] < limit:  # ... and stays on the line
            k = ends[k_i]
        elif i + 2 < len(t) and t[i + 2] in "*_" and not (i + 3 < len(t) and _is_word(t[i + 3])):
            k = i + 1  # one character between the marks
        else:
            i += 1
            continue
        out.append(t[pos:i])
        out.append(t[i + 1:k + 1])
        pos = i = k + 2
    out.append(t[pos:])
    return "".join(out)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _clean_label(text: str) -> str:
    """The text a reader sees: quotes, markdown, HTML tags and entity codes removed/decoded."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        t = t[1:-1].strip()
    if len(t) >= 2 and t[0] == t[-1] == "`":  # markdown string: bold/italic markers are style
        t = t[1:-1]
        t = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), t)
        t = _strip_emphasis(t)
    # each pass only where its first character occurs: most labels are plain words
    if "<" in t:
        t = _BR.sub(" ", t)
        t = _strip_tags(t)
    if "fa:" in t:
        t = _FA_ICON.sub("", t)
    if "#" in t:  # one pass, so a decoded '#' never starts another entity
        t = _ENTITY.sub(_decode_entity, t)
    return _BLANKS.sub(" ", t).strip()


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_FA_ICON = re.compile(r"fa:fa-[\w-]+\s*")
_ENTITY = re.compile(r"#(\d+|[A-Za-z]+);")
_BLANKS = re.compile(r"\s+")


# ---- flowchart --------------------------------------------------------------------------

_ID = r"[A-Za-z0-9_\u00C0-\U0010FFFF$/][A-Za-z0-9_\u00C0-\U0010FFFF$/]*(?:[.\-:][A-Za-z0-9_\u00C0-\U0010FFFF$/]+)*"
_RE_ID = re.compile(_ID)
# opening bracket sequences, longest first, with their closers and shape names
_OPENERS = [
    ("(((", ")))", "double_circle"), ("((", "))", "circle"), ("([", "])", "stadium"),
    ("[(", ")]", "cylinder"), ("[[", "]]", "subroutine"), ("{{", "}}", "hexagon"),
    ("[/", "/]", "parallelogram"), ("[/", "\\]", "trapezoid"), ("[\\", "\\]", "parallelogram"),
    ("[\\", "/]", "trapezoid"), ("[", "]", "box"), ("(", ")", "round"), ("{", "}", "diamond"),
    (">", "]", "asymmetric"),
]
# A link with its text between the two halves: 'A -- text --> B', 'A -. text .-> B'. It was one
# regex, start \s*(text)+? \s*end, whose nested, adjacent quantifiers backtrack catastrophically
# on a long run of spaces; _link_text finds the same match with a scan (see there).
_LINK_START = re.compile(r"[<ox]?(?:--|==|-\.)(?![-=.>]|[ox]\s)")
_LINK_END = re.compile(r"-{2,}[>ox]|-{3,}|={2,}[>ox]|={3,}|\.-+[>ox]?|-\.-*>")
_LINK_END_FIRST = re.compile(r'["\-=.]')  # where a link end (or a quoted part) can start
_CLASS_USE = re.compile(r":::[\w-]+")
_LINK = re.compile(r"(?P<id>[A-Za-z0-9_]+@)?(?P<body>[<ox]?(?:-{2,}[>ox]?|={2,}[>ox]?|-\.+-[>ox]?|~{3,}))")
_PIPE = re.compile(r"\|(?P<text>[^|]*)\|")
_SKIP_FLOW = re.compile(r"^(classDef|class|style|linkStyle|click|accTitle|accDescr|direction)\b")
_SUBGRAPH = re.compile(r"subgraph\s+")


def _subgraph_rest(s: str) -> str | None:
    """What ``^subgraph\\s+(?P<rest>.+)$`` captured, or None. The regex backtracked its \\s+
    against .+ over a whole run of blanks when the title spans lines (quadratic); the title is
    what follows the blanks, and it matches only when it holds no line break."""
    m = _SUBGRAPH.match(s)
    if not m or m.end() >= len(s) or "\n" in s[m.end():]:
        return None
    return s[m.end():]
_SUBGRAPH_ID_LABEL = re.compile(rf"^({_ID})\s*\[(.*)\]$")


def _check_size(d: Diagram, lineno: int, line: str) -> None:
    if len(d.nodes) + len(d.groups) > MAX_NODES:
        raise _syntax(f"more than MAX_NODES ({MAX_NODES:,}) nodes and groups", line=lineno,
                      text=line.strip())
    if len(d.edges) + len(d.messages) > MAX_EDGES:
        raise _syntax(f"more than MAX_EDGES ({MAX_EDGES:,}) edges and messages", line=lineno,
                      text=line.strip())


class _Scan:
    """Memo of the forward searches in one statement, so that reading it stays linear.

    ``find`` remembers, per searched string, the last answer: a search from a later position
    that does not pass that answer has the same answer. ``fail_at`` remembers where a link-text
    scan found no end, by quote parity: a later scan in the same parity (an even number of
    quotes in between) would walk the same positions and fail as well.
    """

    def __init__(self, s: str):
        self.s = s
        self.found: dict[str, tuple[int, int]] = {}
        self.fail_at: list[int | None] = [None, None]
        self.quotes_to = (0, 0)  # (position, quotes before it)

    def find(self, sub: str, pos: int) -> int:
        memo = self.found.get(sub)
        if memo is not None and memo[0] <= pos and (memo[1] < 0 or pos <= memo[1]):
            return memo[1]
        at = self.s.find(sub, pos)
        self.found[sub] = (pos, at)
        return at

    def parity(self, pos: int) -> int:
        at, count = self.quotes_to
        if pos >= at:
            count += self.s.count('"', at, pos)
        else:
            count = self.s.count('"', 0, pos)
        self.quotes_to = (pos, count)
        return count % 2


def _link_text(s: str, pos: int, scan: _Scan) -> tuple[str, str, str, int] | None:
    """A link with text, 'A -- text --> B': (start, text, end, position after the end) or None.

    The same match as the regex ``start \\s*(?P<text>(?:"[^"]*"|[^"])+?)\\s*(?P<end>...)``
    it replaces, found in linear time. The text is a run of items (one character, or a whole
    "quoted part"), so the end is at the first position after the first item, outside a quoted
    part and before a quote that never closes, where an end token matches. When there is none
    and a blank follows the start, the regex gave that blank back as the text and tried the end
    right after the blanks; that case is kept.
    """
    m = _LINK_START.match(s, pos)
    if not m:
        return None
    start, p0, n = m.group(0), m.end(), len(s)
    a0 = p0
    while a0 < n and s[a0].isspace():
        a0 += 1
    par = scan.parity(a0)
    failed = scan.fail_at[par]
    if a0 < n and (failed is None or failed > a0):
        i = a0
        if s[i] == '"':  # the first item is a quoted part
            close = scan.find('"', i + 1)
            i = close + 1 if close >= 0 else n + 1
        else:
            i += 1
        while i <= n:
            f = _LINK_END_FIRST.search(s, i)
            if f is None:
                break
            j = f.start()
            if s[j] == '"':
                close = scan.find('"', j + 1)
                if close < 0:
                    break  # the text cannot pass a quote that never closes
                i = close + 1
                continue
            e = _LINK_END.match(s, j)
            if e:
                return start, s[a0:j], e.group(0), e.end()
            i = j + 1
        scan.fail_at[par] = a0
    elif a0 < n:
        scan.fail_at[par] = a0  # same parity, later start: keeps the next count short
    if a0 > p0:
        e = _LINK_END.match(s, a0)
        if e:
            return start, s[a0 - 1:a0], e.group(0), e.end()
    return None


class _FlowchartParser:
    def __init__(self, direction: str):
        self.d = Diagram(kind="flowchart", direction="TD" if direction == "TB" else direction)
        self.stack: list[Group] = []
        self.opened_at: dict[str, int] = {}  # group id -> line of its 'subgraph'
        self.members: set[str] = set()  # ids listed in some group (a node joins one group only)
        self.lineno = 0
        self.line = ""
        self.scan: _Scan | None = None  # search memo of the statement being read

    def err(self, msg: str) -> MermaidSyntaxError:
        return _syntax(msg, line=self.lineno, text=self.line.strip())

    def parse(self, body: list[tuple[int, str]]) -> Diagram:
        for lineno, line in body:
            self.lineno, self.line = lineno, line
            for stmt in _split_statements(line):
                self.statement(stmt.strip())
        if self.stack:
            gid = self.stack[-1].id
            raise _syntax(f"subgraph {_clip(gid, 80)!r} is never closed with 'end'",
                          line=self.opened_at.get(gid, self.lineno), text=f"subgraph {gid}")
        group_ids = {g.id for g in self.d.groups}
        self.d.nodes = [n for n in self.d.nodes if n.id not in group_ids]
        _adopt_listed_groups(self.d, self.opened_at)
        return self.d

    def statement(self, s: str) -> None:
        if not s or _SKIP_FLOW.match(s):
            return
        if s == "end":
            if not self.stack:
                raise self.err("'end' without an open subgraph")
            self.stack.pop()
            return
        rest = _subgraph_rest(s)
        if rest is not None:
            self.open_group(rest.strip())
            return
        self.chain(s)

    def open_group(self, rest: str) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise self.err(f"subgraphs nested deeper than MAX_DEPTH ({MAX_DEPTH})")
        m = _SUBGRAPH_ID_LABEL.match(rest)
        if m:
            gid, label = m.group(1), _clean_label(m.group(2))
        elif rest.startswith('"'):
            label = _clean_label(rest)
            gid = label
        elif _RE_ID.fullmatch(rest):
            gid = label = rest
        else:
            gid = label = _clean_label(rest)
        parent = self.stack[-1].id if self.stack else None
        g = Group(id=gid, label=label, parent=parent)
        self.d.groups.append(g)
        _check_size(self.d, self.lineno, self.line)
        self.opened_at[gid] = self.lineno
        if parent:
            self.stack[-1].members.append(gid)
            self.members.add(gid)
        self.stack.append(g)

    def chain(self, s: str) -> None:
        self.scan = _Scan(s)
        pos = 0
        left, pos = self.node_group(s, pos)
        while True:
            pos = _skip_ws(s, pos)
            if pos >= len(s):
                return
            edge_kw, pos = self.link(s, pos)
            right, pos = self.node_group(s, _skip_ws(s, pos))
            if edge_kw is not None:
                # 'a & b --> c & d' is every pair: check the product before building it
                if len(self.d.edges) + len(self.d.messages) + len(left) * len(right) > MAX_EDGES:
                    raise self.err(f"more than MAX_EDGES ({MAX_EDGES:,}) edges")
                for a in left:
                    for b in right:
                        self.d.edges.append(Edge(source=a, target=b, **edge_kw))
            left = right

    def node_group(self, s: str, pos: int) -> tuple[list[str], int]:
        ids = []
        while True:
            nid, pos = self.node(s, _skip_ws(s, pos))
            ids.append(nid)
            p2 = _skip_ws(s, pos)
            if p2 < len(s) and s[p2] == "&":
                pos = p2 + 1
                continue
            return ids, pos

    def node(self, s: str, pos: int) -> tuple[str, int]:
        m = _RE_ID.match(s, pos)
        if not m:
            raise self.err(f"expected a node id at column {pos + 1}")
        nid = m.group(0)
        pos = m.end()
        label, shape = "", "box"
        new_label = new_shape = True  # what this mention defines (Mermaid keeps the last)
        if pos < len(s) and s.startswith("@{", pos):  # new shape syntax: A@{ shape: x, label: "y" }
            close = _unquoted_index(s, pos + 2, "}")
            if close < 0:
                raise self.err(f"node {_clip(nid, 80)!r}: '@{{' is never closed")
            fields = _shape_fields(s[pos + 2:close])
            label = _clean_label(fields.get("label", ""))
            shape = _NEW_SHAPES.get(fields.get("shape", ""), "box")
            new_label, new_shape = "label" in fields, "shape" in fields
            if fields.get("shape", "") in _TEXTLESS_SHAPES:
                label, new_label = "", True  # Mermaid draws these symbols without their label
            pos = close + 1
        else:
            found = _match_shape(s, pos, self.scan)
            if found is not None:
                opener, end, closer, shape = found
                if end < 0:
                    raise self.err(f"node {_clip(nid, 80)!r}: {opener!r} is never closed with {closer!r}")
                label = _clean_label(s[pos + len(opener):end])
                pos = end + len(closer)
            else:
                new_label = new_shape = False  # a bare reference keeps an earlier definition
        if s.startswith(":::", pos):
            cm = _CLASS_USE.match(s, pos)  # at pos: a slice per node would be quadratic
            pos = cm.end() if cm else pos + 3
        n = self.d.add_node(nid, label, shape)
        _check_size(self.d, self.lineno, self.line)
        # Mermaid draws a node defined twice with its last text and shape
        if new_label:
            n.label = label
        if new_shape:
            n.shape = shape
        if self.stack and nid != self.stack[-1].id and nid not in self.members:
            self.stack[-1].members.append(nid)
            self.members.add(nid)
        return nid, pos

    def link(self, s: str, pos: int) -> tuple[dict | None, int]:
        found = _link_text(s, pos, self.scan or _Scan(s))
        label = ""
        if found:
            start, text, end, pos = found
            label = _clean_label(text)
            body = start + end
        else:
            m = _LINK.match(s, pos)
            if not m:
                raise self.err(f"expected an arrow (-->, ---, -.->, ==>) at column {pos + 1}")
            body = m.group("body")
            pos = m.end()
        p = _skip_ws(s, pos)
        pm = _PIPE.match(s, p)
        if pm:
            label = _clean_label(pm.group("text"))
            pos = pm.end()
        if body.startswith("~"):
            return None, pos  # invisible link: layout only
        directed = body[-1] in ">xo"
        kw = {
            "label": label,
            "directed": directed,
            "bidirectional": directed and body[0] in "<xo",
            "style": "dotted" if "." in body else "thick" if "=" in body else "solid",
        }
        return kw, pos


# Mermaid 11 shapes drawn as a bare symbol: a label given to them is not shown (mermaid-cli
# 11.17 renders of devset 002.mmd and 033.mmd)
_TEXTLESS_SHAPES = frozenset({
    "hourglass", "collate", "bolt", "com-link", "lightning-bolt", "f-circ", "junction",
    "filled-circle", "sm-circ", "start", "small-circle", "fr-circ", "stop", "framed-circle",
    "cross-circ", "summary", "crossed-circle", "fork", "join",
})

# Mermaid 11 shape names (and their aliases) -> our shape names; others stay boxes
_NEW_SHAPES = {
    "rect": "box", "proc": "box", "process": "box", "rectangle": "box",
    "rounded": "round", "event": "round", "stadium": "stadium", "pill": "stadium",
    "terminal": "stadium", "fr-rect": "subroutine", "subprocess": "subroutine",
    "subproc": "subroutine", "framed-rectangle": "subroutine", "subroutine": "subroutine",
    "cyl": "cylinder", "db": "cylinder", "database": "cylinder", "cylinder": "cylinder",
    "circle": "circle", "circ": "circle", "sm-circ": "start", "start": "start",
    "small-circle": "start", "framed-circle": "end", "stop": "end", "f-circ": "fork",
    "dbl-circ": "double_circle", "double-circle": "double_circle", "diam": "diamond",
    "diamond": "diamond", "decision": "diamond", "question": "diamond", "hex": "hexagon",
    "hexagon": "hexagon", "prepare": "hexagon", "lean-r": "parallelogram",
    "lean-right": "parallelogram", "in-out": "parallelogram", "lean-l": "parallelogram",
    "lean-left": "parallelogram", "out-in": "parallelogram", "trap-b": "trapezoid",
    "trapezoid": "trapezoid", "priority": "trapezoid", "trap-t": "trapezoid",
    "manual": "trapezoid", "inv-trapezoid": "trapezoid", "odd": "asymmetric",
    "fork": "fork", "join": "fork", "comment": "note", "brace": "note", "brace-l": "note",
}


def _unquoted_index(s: str, pos: int, ch: str) -> int:
    """Index of ``ch`` at or after ``pos`` outside double quotes, or -1."""
    quote = False
    for i in range(pos, len(s)):
        if s[i] == '"':
            quote = not quote
        elif s[i] == ch and not quote:
            return i
    return -1


# a key starts after a non-word character: without (?<!\w) a long word with no ':' was tried
# from each of its characters (quadratic); a match never starts inside a word anyway, since a
# value runs to the next ',' or '}' (or is a closed quote)
_SHAPE_FIELD = re.compile(r'(?<!\w)(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|[^,}]*)')


def _shape_fields(body: str) -> dict[str, str]:
    """``shape: x, label: "y, z"`` -> {"shape": "x", "label": "y, z"} (values quoted or bare)."""
    out = {}
    for m in _SHAPE_FIELD.finditer(body):
        out[m.group(1)] = m.group(2).strip()
    return out


def _match_shape(s: str, pos: int, scan: _Scan | None = None) -> tuple[str, int, str, str] | None:
    """The shape bracket opening at ``pos``: (opener, closer index, closer, shape name).

    Openers share prefixes ('[/' closes with '/]' or '\\]'), so among the longest opener
    that matches, the closer found first wins. None when no bracket opens here; a closer index
    of -1 when one opens but never closes.
    """
    if pos >= len(s) or s[pos] not in "[({>":  # every opener starts with one of these
        return None
    best: tuple[str, int, str, str] | None = None
    for opener, closer, name in _OPENERS:
        if not s.startswith(opener, pos):
            continue
        if best is not None and len(opener) < len(best[0]) and best[1] >= 0:
            break
        end = _find_closer(s, pos + len(opener), closer, scan or _Scan(s))
        if best is None or (end >= 0 and (best[1] < 0 or end < best[1])):
            best = (opener, end, closer, name)
    return best


def _adopt_listed_groups(d: Diagram, opened_at: dict[str, int] | None = None) -> None:
    """A subgraph id listed inside another subgraph nests it there (Mermaid does the same).

    The walk up from the outer group is cycle-safe (duplicate ids can make a parent chain loop:
    that counts as a cycle, and the group is not moved) and bounded by :data:`MAX_DEPTH`.
    """
    by_id = {g.id: g for g in d.groups}
    for outer in d.groups:
        for m in outer.members:
            inner = by_id.get(m)
            if inner is None or inner.parent is not None or inner is outer:
                continue
            ancestor: Group | None = outer
            seen: set[int] = set()
            cycle = False
            while ancestor is not None:
                if ancestor.id == inner.id or id(ancestor) in seen:
                    cycle = True
                    break
                seen.add(id(ancestor))
                if len(seen) > MAX_DEPTH:
                    raise _syntax(f"subgraphs nested deeper than MAX_DEPTH ({MAX_DEPTH}) by listing "
                                  "one inside another", line=(opened_at or {}).get(outer.id),
                                  text=f"subgraph {outer.id}")
                ancestor = by_id.get(ancestor.parent) if ancestor.parent else None
            if not cycle:
                inner.parent = outer.id


def _skip_ws(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] in " \t":
        pos += 1
    return pos


def _find_closer(s: str, pos: int, closer: str, scan: _Scan) -> int:
    """Index of ``closer`` after pos, skipping over a quoted label (searches memoized by
    ``scan``: a line of many nodes whose closer is far away or missing stays linear)."""
    i = pos
    while i < len(s) and s[i] in " \t":
        i += 1
    if i < len(s) and s[i] == '"':
        q = scan.find('"', i + 1)
        if q < 0:
            return -1
        return scan.find(closer, q + 1)
    return scan.find(closer, pos)


def _split_statements(line: str) -> list[str]:
    """Split on ';' outside quotes and brackets."""
    if ";" not in line:
        return [line] if line.strip() else []
    out, buf, depth, quote = [], [], 0, False
    for ch in line:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "[({":
            depth += 1
        elif not quote and ch in "])}":
            depth = max(0, depth - 1)
        if ch == ";" and not quote and depth == 0:
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return [x for x in out if x.strip()]


# ---- sequence ---------------------------------------------------------------------------

_SEQ_ARROWS = ["<<-->>", "<<->>", "-->>", "->>", "--x", "-x", "--)", "-)", "-->", "->"]
_SEQ_ARROW_FIRST = re.compile(r"[<-]")
_SEQ_PART_HEAD = re.compile(r"(?:create\s+)?(?P<kw>participant|actor)\s+")


# Messages and participants were single regexes with a lazy group followed by \s* (quadratic
# on a run of blanks); these scanners return what those regexes matched, in linear time:
#   message:      ^(?P<src>.+?)\s*(?P<arrow>->>|...)\s*[+-]?\s*(?P<dst>[^:]+?)\s*(?::(?P<text>.*))?$
#   participant:  ^(?:create\s+)?(participant|actor)\s+(?P<id>.+?)(?:@\{(?P<cfg>.*)\})?
#                 (?:\s+as\s+(?P<alias>.+))?$

def _seq_message(s: str) -> tuple[str, str, str, str | None] | None:
    """(sender, arrow, receiver, text or None) of a message line, both names stripped."""
    n = len(s)
    colon = (-1, -1)  # memo: (from, first ':' at or after it)
    for f in _SEQ_ARROW_FIRST.finditer(s, 1):  # the sender has at least one character
        j = f.start()
        for arrow in _SEQ_ARROWS:
            if not s.startswith(arrow, j):
                continue
            k = j + len(arrow)
            if not colon[0] <= k <= colon[1]:
                c = s.find(":", k)
                colon = (k, n if c < 0 else c)
            c = colon[1]
            if k >= c:  # the receiver needs a character before the ':' or the end
                continue
            return s[:j].strip(), arrow, _seq_receiver(s, k, c), s[c + 1:] if c < n else None
    return None


def _seq_receiver(s: str, k: int, c: int) -> str:
    """The receiver between an arrow ending at k and the ':' (or end) at c: an activation mark
    '+'/'-' right after the arrow is not part of it, unless it is all there is."""
    k1 = k
    while k1 < c and s[k1].isspace():
        k1 += 1
    if k1 == c:
        return ""
    if s[k1] in "+-":
        d0 = k1 + 1
        while d0 < c and s[d0].isspace():
            d0 += 1
        if d0 < c:
            return s[d0:c].strip()
        if d0 > k1 + 1:
            return ""  # blanks after the mark: the regex gave one back as the receiver
    return s[k1:c].strip()


def _seq_participant(s: str) -> tuple[str, str, str | None, str | None] | None:
    """(keyword, id as written, cfg or None, alias or None) of a participant/actor line."""
    m = _SEQ_PART_HEAD.match(s)
    if not m:
        return None
    n, e = len(s), m.end()
    if e >= n:
        return None
    last_cfg_end = _last_cfg_close(s)
    i = e + 1  # the id has at least one character
    while i <= n:
        if s.startswith("@{", i) and last_cfg_end >= i + 2:
            alias = _as_alias(s, last_cfg_end + 1)
            return m.group("kw"), s[e:i], s[i + 2:last_cfg_end], alias
        if i == n:
            return m.group("kw"), s[e:], None, None
        if s[i].isspace():
            alias = _as_alias(s, i)
            if alias is not None:
                return m.group("kw"), s[e:i], None, alias
            while i < n and s[i].isspace():  # every start in this run of blanks fails alike
                i += 1
            continue
        i += 1
    return None


def _as_alias(s: str, i: int) -> str | None:
    """The alias when ``s[i:]`` is ``\\s+as\\s+(.+)``, else None."""
    n = len(s)
    if i >= n or not s[i].isspace():
        return None
    k = i
    while k < n and s[k].isspace():
        k += 1
    if not s.startswith("as", k):
        return None
    r = k + 2
    if r >= n or not s[r].isspace() or n - r < 2:
        return None
    t = r
    while t < n and s[t].isspace():
        t += 1
    return s[t:] if t < n else s[n - 1:]


def _last_cfg_close(s: str) -> int:
    """The last '}' that can end a participant's ``@{...}``: at the end, or before an alias."""
    p = s.rfind("}")
    while p >= 0:
        if p == len(s) - 1 or _as_alias(s, p + 1) is not None:
            return p
        p = s.rfind("}", 0, p)
    return -1
_SEQ_NOTE = re.compile(r"note\s+(?:over|left of|right of)(?=\s)", re.IGNORECASE)


def _seq_note(s: str) -> str | None:
    """The text of ``^note\\s+(?:over|left of|right of)\\s+[^:]+:\\s*(?P<text>.*)$`` (ignoring
    case), or None; that regex split a run of blanks between \\s+ and [^:]+ in every way
    when the line had no ':' (quadratic). The first ':' must leave a blank and one more
    character after the keyword."""
    m = _SEQ_NOTE.match(s)
    if not m:
        return None
    c = s.find(":", m.end())
    if c < m.end() + 2:
        return None
    return s[c + 1:].lstrip()
_SEQ_BLOCK_OPEN = re.compile(r"^(loop|alt|opt|par_over|par|critical|break|rect|box)\b(.*)$")
_SEQ_BLOCK_MID = re.compile(r"^(else|and|option)\b")
_SEQ_SKIP = re.compile(r"^(autonumber|activate|deactivate|title|links?|destroy|accTitle|accDescr)\b")


def _drop_semicolon(s: str) -> str:
    """A trailing ';' ends a statement like a newline; the ';' of an entity ('#quot;') stays."""
    if s.endswith(";") and not re.search(r"#\w+;$", s):
        return s[:-1].rstrip()
    return s


def _parse_sequence(body: list[tuple[int, str]]) -> Diagram:
    d = Diagram(kind="sequence", direction="LR")
    opened: list[tuple[int, str]] = []  # (line, keyword) of each open block
    for lineno, line in body:
        s = _drop_semicolon(line.strip())
        if _SEQ_SKIP.match(s):
            if s.startswith("title"):
                d.title = s[5:].lstrip(": ").strip() or d.title
            continue
        part = _seq_participant(s)
        if part:
            kw, pid, cfg_text, alias = part
            pid = pid.strip().strip('"')
            cfg = re.search(r'"alias"\s*:\s*"([^"]*)"', cfg_text or "")
            if cfg and not alias:
                alias = cfg.group(1)
            d.add_node(pid, _clean_label(alias) if alias else "",
                       "actor" if kw == "actor" else "participant")
            _check_size(d, lineno, s)
            continue
        m = _SEQ_BLOCK_OPEN.match(s)
        if m:
            opened.append((lineno, m.group(1)))
            continue
        if _SEQ_BLOCK_MID.match(s):
            if not opened:
                raise _syntax(f"'{_clip(s.split()[0], 80)}' outside a block", line=lineno, text=s)
            continue
        if s == "end":
            if not opened:
                raise _syntax("'end' without an open block", line=lineno, text=s)
            opened.pop()
            continue
        note = _seq_note(s)
        if note is not None:
            d.notes.append(_clean_label(note))
            continue
        msg = _seq_message(s)
        if msg:
            src, arrow, dst, text = msg
            if not src or not dst:
                raise _syntax("message needs a sender and a receiver", line=lineno, text=s)
            for p in (src, dst):
                d.add_node(p, "", "participant")
            kind = ("cross" if arrow.endswith("x") else "async" if arrow.endswith(")")
                    else "filled" if arrow.endswith(">>") else "open")
            d.messages.append(Message(source=src, target=dst, text=_clean_label(text or ""),
                                      reply=arrow.startswith(("--", "<<--")),
                                      arrow=kind))
            _check_size(d, lineno, s)
            continue
        raise _syntax("not a sequence statement (participant, message 'A->>B: text', "
                                 "note, loop/alt/opt/par ... end)", line=lineno, text=s)
    if opened:
        lineno, kw = opened[-1]
        raise _syntax(f"'{kw}' block is never closed with 'end'", line=lineno, text=kw)
    return d


# ---- state ------------------------------------------------------------------------------

_ST_FIRST = re.compile(r"[^\s:-]")


def _st_transition(s: str) -> tuple[str, str, str | None] | None:
    """(source, target, label or None) of 'A --> B : label', sides stripped, or None.

    What ``^(?P<a>\\[\\*\\]|[^\\s:-][^:]*?)\\s*-->\\s*(?P<b>\\[\\*\\]|[^\\s:][^:]*?)\\s*(?::\\s*(?P<label>.*))?$``
    matched, in linear time (the lazy sides followed by \\s* were quadratic on runs of blanks):
    the source ends at the first '-->' (not after a ':') whose target part reads.
    """
    if s.startswith("[*]"):
        j = _skip_blank(s, 3)
        if s.startswith("-->", j):
            found = _st_target(s, j + 3)
            if found is not None:
                return "[*]", found[0], found[1]
    if not _ST_FIRST.match(s):
        return None
    c0 = s.find(":")
    end = len(s) if c0 < 0 else c0
    j = s.find("-->", 1)
    while 0 <= j <= end:
        found = _st_target(s, j + 3)
        if found is not None:
            return s[:j].strip(), found[0], found[1]
        j = s.find("-->", j + 1)
    return None


def _st_target(s: str, k: int) -> tuple[str, str | None] | None:
    """The target and label after a '-->' that ends at k, or None when none reads."""
    n = len(s)
    k = _skip_blank(s, k)
    if s.startswith("[*]", k):
        c = _skip_blank(s, k + 3)
        if c == n:
            return "[*]", None
        if s[c] == ":":
            return "[*]", s[c + 1:].lstrip()
    if k >= n or s[k] == ":":
        return None
    c = s.find(":", k)
    if c < 0:
        return s[k:].strip(), None
    return s[k:c].strip(), s[c + 1:].lstrip()


def _skip_blank(s: str, i: int) -> int:
    """The first position at or after i that is not whitespace (as \\s)."""
    n = len(s)
    while i < n and s[i].isspace():
        i += 1
    return i
_ST_AS = re.compile(r'^state\s+"(?P<desc>[^"]*)"\s+as\s+(?P<id>[\w\u00C0-\U0010FFFF.-]+)\s*(?P<brace>\{)?$')
_ST_COMPOSITE = re.compile(r"^state\s+(?P<id>[\w\u00C0-\U0010FFFF.-]+)\s*\{$")
_ST_SPECIAL = re.compile(r"^state\s+(?P<id>[\w\u00C0-\U0010FFFF.-]+)\s*<<(?P<kind>choice|fork|join)>>$")
_ST_PLAIN = re.compile(r"^state\s+(?P<id>[\w\u00C0-\U0010FFFF.-]+)$")
_ST_DESC = re.compile(r"^(?P<id>[\w\u00C0-\U0010FFFF.-]+)\s*:\s*(?P<desc>.+)$")
_ST_ID = re.compile(r"^[\w\u00C0-\U0010FFFF.-]+$")
_ST_CLASS_USE = re.compile(r":::[\w-]+")
_ST_LABEL_SEP = re.compile(r"(?<!:):(?!:)")  # a lone colon (":::" applies a class)
_ST_SKIP = re.compile(r"^(direction|classDef|class|style|accTitle|accDescr|scale|hide)\b")


class _StateParser:
    def __init__(self) -> None:
        self.d = Diagram(kind="state")
        self.stack: list[Group] = []
        self.opened_at: dict[str, int] = {}  # composite id -> line of its 'state X {'
        self.group_ids: set[str] = set()
        self.members: set[str] = set()  # ids listed in any composite state
        self.members_of: dict[int, set[str]] = {}  # id(group) -> its members, for O(1) checks
        self.lineno = 0
        self.line_text = ""
        self.in_note = False

    def add_member(self, g: Group, mid: str) -> None:
        g.members.append(mid)
        self.members.add(mid)
        self.members_of.setdefault(id(g), set()).add(mid)

    def scope_id(self, which: str) -> str:
        base = START if which == "start" else END
        return base if not self.stack else f"{base}:{self.stack[-1].id}"

    def state(self, sid: str, label: str = "", shape: str = "state") -> str:
        sid = sid.strip()
        if sid == "[*]":
            raise AssertionError("handled by caller")
        if sid in self.group_ids:
            return sid
        self.d.add_node(sid, label, shape)
        _check_size(self.d, self.lineno, self.line_text)
        if self.stack and sid not in self.members:
            self.add_member(self.stack[-1], sid)
        return sid

    def pseudo(self, which: str) -> str:
        nid = self.scope_id(which)
        self.d.add_node(nid, which, which)
        _check_size(self.d, self.lineno, self.line_text)
        if self.stack and nid not in self.members_of.get(id(self.stack[-1]), ()):
            self.add_member(self.stack[-1], nid)
        return nid

    def parse(self, body: list[tuple[int, str]]) -> Diagram:
        for lineno, line in body:
            self.lineno, self.line_text = lineno, line
            self.line(lineno, line.strip())
        if self.in_note:
            raise _syntax("note is never closed with 'end note'", line=body[-1][0])
        if self.stack:
            gid = self.stack[-1].id
            raise _syntax(f"composite state {_clip(gid, 80)!r} is never closed with '}}'",
                          line=self.opened_at.get(gid, body[-1][0]), text=f"state {gid}")
        # a composite state is a group, not a node: its node (from a mention before 'state X {')
        # is dropped once here; a later mention returns the group, so none comes back
        self.d.nodes = [n for n in self.d.nodes if n.id not in self.group_ids]
        return self.d

    def open_group(self, gid: str, label: str) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _syntax(f"composite states nested deeper than MAX_DEPTH ({MAX_DEPTH})",
                          line=self.lineno, text=self.line_text.strip())
        parent = self.stack[-1].id if self.stack else None
        g = Group(id=gid, label=label or gid, parent=parent)
        self.d.groups.append(g)
        self.group_ids.add(gid)
        _check_size(self.d, self.lineno, self.line_text)
        if parent and gid not in self.members_of.get(id(self.stack[-1]), ()):
            self.add_member(self.stack[-1], gid)
        self.opened_at[gid] = self.lineno
        self.stack.append(g)

    def line(self, lineno: int, s: str) -> None:
        if self.in_note:
            if s.lower() == "end note":
                self.in_note = False
            else:
                self.d.notes.append(s)
            return
        if not s or _ST_SKIP.match(s) or s == "--":
            return
        if s.lower().startswith("note "):
            if ":" in s:
                self.d.notes.append(_clean_label(s.split(":", 1)[1]))
            else:
                self.in_note = True
            return
        if s == "}":
            if not self.stack:
                raise _syntax("'}' without an open composite state", line=lineno, text=s)
            self.stack.pop()
            return
        # "Still:::cls" applies a class to a state; it is not a ": label"
        s = _without_class_uses(s)
        t = _st_transition(s)
        if t:
            a = self.pseudo("start") if t[0] == "[*]" else self.state(t[0])
            b = self.pseudo("end") if t[1] == "[*]" else self.state(t[1])
            self.d.edges.append(Edge(source=a, target=b, label=_clean_label(t[2] or "")))
            _check_size(self.d, lineno, s)
            return
        m = _ST_AS.match(s)
        if m:
            if m.group("brace"):
                self.open_group(m.group("id"), _clean_label(m.group("desc")))
            else:
                self.state(m.group("id"), _clean_label(m.group("desc")))
            return
        m = _ST_COMPOSITE.match(s)
        if m:
            self.open_group(m.group("id"), m.group("id"))
            return
        m = _ST_SPECIAL.match(s)
        if m:
            self.state(m.group("id"), "", m.group("kind"))
            return
        m = _ST_PLAIN.match(s) or (_ST_ID.match(s) and re.match(r"^(?P<id>.+)$", s))
        if m:
            self.state(m.group("id"))
            return
        m = _ST_DESC.match(s)
        if m:
            self.state(m.group("id"), _clean_label(m.group("desc")))
            return
        raise _syntax("not a state statement ('A --> B : event', 'state \"x\" as A', "
                                 "'state A {', '}')", line=lineno, text=s)


def _without_class_uses(s: str) -> str:
    """The line with every ``:::cls`` before its label removed; the label is kept as written
    ("A --> B : a:::b" keeps its text)."""
    m = _ST_LABEL_SEP.search(s)
    head, label = (s[:m.start()], s[m.start():]) if m else (s, "")
    return _ST_CLASS_USE.sub("", head) + label


# ---- class and ER (read as graphs) ------------------------------------------------------

_CLASS_CHARS = r"[\w.$\u00C0-\U0010FFFF]"
_CLASS_RUN = re.compile(_CLASS_CHARS + "+")
_GENERIC = re.compile(r"~[^~\s]*~")
# A name followed only by blanks, '[', '<<', ':', '{', '}' or the end never gives characters
# back, so it is an atomic group; blanks around optional parts are written once ('\s*(?:x\s*)?',
# not '\s*(?:x)?\s*'): adjacent \s* split a run of blanks in quadratically many ways.
_CLASS_NAME = rf"(?>{_CLASS_CHARS}+(?:~[^~\s]*~)?)|`[^`]+`"
# what follows the first name of a relation 'A "1" <|-- "n" B : label'
_CLASS_REST = re.compile(
    r'\s*(?:"(?P<ca>[^"]*)"\s*)?'
    r"(?P<left><\||<|\*|o)?(?P<line>--|\.\.)(?P<right>\|>|>|\*|o)?"
    rf'\s*(?:"(?P<cb>[^"]*)"\s*)?(?P<b>{_CLASS_NAME})\s*(?::\s*(?P<label>.*))?$')
_CLASS_TAIL = re.compile(r"\s*(?::\s*.*)?$")
_CLASS_DECL = re.compile(
    rf'^class\s+(?P<id>{_CLASS_NAME})\s*(?:\["?(?P<label>[^\]"]*)"?\]\s*)?(?:<<[^>]*>>\s*)?'
    r"(?::::[\w-]+\s*)?(?:(?P<open>\{)\s*)?(?P<close>\})?$")


def _class_relation(s: str) -> tuple[str, re.Match] | None:
    """(first name, match of the rest) of a class relation line, or None.

    The same match as ``^(?P<a>NAME)`` + the rest, in linear time. The regex gave back the first
    name character by character (a relation may be glued on: 'A..B', 'Ao--B'); only ends before
    '..', 'o--' or 'o..' can work, and for those whose second name starts inside the same run of
    name characters the answer is the same (that name runs to the end of the run), so it is
    computed once.
    """
    if s.startswith("`"):
        m = re.match(r"`[^`]+`", s)
        r = _CLASS_REST.match(s, m.end()) if m else None
        return (m.group(0), r) if r else None
    run = _CLASS_RUN.match(s)
    if not run:
        return None
    end = run.end()
    g = _GENERIC.match(s, end)
    for p in ([g.end()] if g else []) + [end]:
        r = _CLASS_REST.match(s, p)
        if r:
            return s[:p], r
    b_end = g.end() if g else end  # a second name that starts inside the run ends here
    inner_ok: bool | None = None
    for p in range(end - 1, 0, -1):
        if s.startswith("..", p):
            line_end = p + 2
        elif s.startswith(("o--", "o.."), p):
            line_end = p + 3
        else:
            continue  # a name character that starts no relation: the rest cannot match here
        if line_end + 1 < end:  # the second name starts inside the run (even after a right 'o')
            if inner_ok is None:
                inner_ok = bool(_CLASS_TAIL.match(s, b_end))
            if not inner_ok:
                continue
        r = _CLASS_REST.match(s, p)
        if r:
            return s[:p], r
    return None
_CLASS_SKIP = re.compile(r"^(direction|note|classDef|cssClass|style|click|link|callback|<<|"
                         r"accTitle|accDescr|title)\b|^<<|^[^:]+:")


def _class_id(name: str) -> str:
    """Generic markers (``List~T~``) and backticks are not part of the class's identity."""
    return re.sub(r"~[^~]*~$", "", name.strip("`"))


def _parse_class(body: list[tuple[int, str]]) -> Diagram:
    d = Diagram(kind="class")
    members_depth = 0  # inside a class body { ... }
    spaces: list[Group] = []  # open namespaces
    opened_at: dict[str, int] = {}  # namespace id -> line of its '{'
    listed: set[str] = set()  # ids listed in some namespace
    body_line = 0

    for lineno, line in body:
        s = line.strip()
        if members_depth:
            if s.endswith("}"):
                members_depth -= 1
            continue
        if s == "}":
            if not spaces:
                raise _syntax("'}' without an open class or namespace", line=lineno, text=s)
            spaces.pop()
            continue
        m = re.match(r"^namespace\s+([\w.\u00C0-\U0010FFFF-]+)\s*\{$", s)
        if m:
            if len(spaces) >= MAX_DEPTH:
                raise _syntax(f"namespaces nested deeper than MAX_DEPTH ({MAX_DEPTH})", line=lineno, text=s)
            g = Group(id=m.group(1), label=m.group(1), parent=spaces[-1].id if spaces else None)
            if spaces:
                spaces[-1].members.append(g.id)
                listed.add(g.id)
            d.groups.append(g)
            _check_size(d, lineno, s)
            spaces.append(g)
            opened_at[g.id] = lineno
            continue
        m = _CLASS_DECL.match(s)
        if m:
            cid = _class_id(m.group("id"))
            d.add_node(cid, _clean_label(m.group("label") or ""), "box")
            _check_size(d, lineno, s)
            if spaces and cid not in listed:
                spaces[-1].members.append(cid)
                listed.add(cid)
            if m.group("open") and not m.group("close"):
                members_depth, body_line = 1, lineno
            continue
        rel = _class_relation(s)
        if rel:
            d.edges.append(_class_edge(d, *rel))
            _check_size(d, lineno, s)
            continue
        if _CLASS_SKIP.match(s):
            continue
        raise _syntax("not a class diagram statement ('class A', 'A <|-- B : label', "
                                 "'A : member', 'namespace N {')", line=lineno, text=s)
    if members_depth:
        raise _syntax("a class body '{' is never closed with '}'", line=body_line)
    if spaces:
        raise _syntax(f"namespace {_clip(spaces[-1].id, 80)!r} is never closed with '}}'",
                                 line=opened_at[spaces[-1].id])
    return d


def _class_edge(d: Diagram, first: str, m: re.Match) -> Edge:
    a, b = _class_id(first), _class_id(m.group("b"))
    d.add_node(a)
    d.add_node(b)
    left, right = m.group("left"), m.group("right")
    # the end with the marker is the target: 'A <|-- B' reads B -> A (B inherits from A)
    src, dst = (b, a) if left and not right else (a, b)
    return Edge(source=src, target=dst, label=_clean_label(m.group("label") or ""),
                directed=bool(left or right), bidirectional=bool(left and right),
                style="dotted" if m.group("line") == ".." else "solid")


_ER_CARD = (r"(?:\|o|\|\||\}o|\}\||o\||o\{|\|\{)")
_ER_WORD = (r"(?:only one|zero or one|one or zero|one or more|one or many|zero or more|"
            r"zero or many|many\(0\)|many\(1\)|1\+|0\+|1|many)")
_ER_ENT = (r'(?:"(?P<{0}q>[^"]*)"|(?P<{0}n>[^\s"{{}}\[\]|:]+))'
           r'(?:\[(?P<{0}alias>"[^"]*"|[^\]]*)\])?(?:\s*:::\s*[\w-]+)?')
_ER_REL = re.compile(
    "^" + _ER_ENT.format("a") + r"\s*(?P<rel>" + _ER_CARD + r"(?:--|\.\.)" + _ER_CARD + "|"
    + r"(?<=\s)" + _ER_WORD + r"\s+(?:optionally\s+)?to\s+" + _ER_WORD + r"(?=\s))\s*"
    + _ER_ENT.format("b") + r"\s*(?::\s*(?P<label>.*))?$")
_ER_DECL = re.compile("^" + _ER_ENT.format("e") + r"\s*(?:(?P<open>\{)\s*)?(?P<close>\})?$")
_ER_SKIP = re.compile(r"^(direction|title|accTitle|accDescr|style|classDef|class)\b")


def _er_entity(d: Diagram, m: re.Match, which: str) -> str:
    name = m.group(which + "q") if m.group(which + "q") is not None else m.group(which + "n")
    alias = m.group(which + "alias")
    d.add_node(name, _clean_label(alias) if alias else "")
    return name


def _parse_er(body: list[tuple[int, str]]) -> Diagram:
    d = Diagram(kind="er")
    in_block, block_line = False, 0
    for lineno, line in body:
        s = line.strip()
        if in_block:
            in_block = not _closes_block(s)
            continue
        m = _ER_REL.match(s)
        if m:
            a, b = _er_entity(d, m, "a"), _er_entity(d, m, "b")
            d.edges.append(Edge(source=a, target=b, label=_clean_label(m.group("label") or ""),
                                directed=False,
                                style="dotted" if ".." in m.group("rel") else "solid"))
            _check_size(d, lineno, s)
            continue
        if _ER_SKIP.match(s):
            continue
        m = _ER_DECL.match(s)
        if m:
            _er_entity(d, m, "e")
            _check_size(d, lineno, s)
            in_block = bool(m.group("open")) and not m.group("close")
            block_line = lineno
            continue
        raise _syntax("not an ER statement ('A ||--o{ B : label', 'A {', 'A[alias]')",
                                 line=lineno, text=s)
    if in_block:
        raise _syntax("an entity's attribute block '{' is never closed with '}'",
                                 line=block_line)
    return d


def _closes_block(s: str) -> bool:
    """An attribute line ends the block when a '}' stands outside its quoted comment."""
    return re.sub(r'"[^"]*"', "", s).rstrip().endswith("}")
