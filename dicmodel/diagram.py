"""Diagram: the typed structure of a figure, and its two text forms (Mermaid and prose).

A :class:`Diagram` holds nodes, edges, groups (subgraphs, clusters, composite states),
ordered messages (sequence diagrams) and notes. States and transitions of a state diagram are
nodes and edges of a ``kind="state"`` diagram, with the pseudo-states ``[*]`` as nodes of shape
``start`` / ``end``.

``Diagram.to_mermaid()`` renders flowchart / sequence / state syntax (other kinds render as a
flowchart); :func:`parse_mermaid` reads flowchart, sequence, state, class and ER diagrams back and
raises :class:`~dicmodel.errors.MermaidSyntaxError` with a line number on malformed input.
``Diagram.to_prose()`` writes the structure as sentences a reader can follow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from .errors import MermaidSyntaxError, UnsupportedDiagramError

__all__ = [
    "Node",
    "Edge",
    "Group",
    "Message",
    "Diagram",
    "DiagramKind",
    "parse_mermaid",
    "validate_mermaid",
    "extract_mermaid",
]

DiagramKind = Literal[
    "flowchart", "sequence", "state", "class", "er",
    "topology", "architecture", "protocol_stack", "other",
]

START, END = "[*]start", "[*]end"


class Node(BaseModel):
    id: str
    label: str = ""
    shape: str = Field("box", description="box, round, stadium, subroutine, cylinder, circle, "
                       "diamond, hexagon, parallelogram, trapezoid, ellipse, participant, actor, "
                       "state, start, end, choice, fork, device")

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
    def node(self, node_id: str) -> Node | None:
        for n in self.nodes:
            if n.id == node_id:
                return n
        return None

    def label_of(self, node_id: str) -> str:
        n = self.node(node_id)
        if n is not None:
            return n.text
        for g in self.groups:
            if g.id == node_id:
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
    "asymmetric": (">", "]"), "double_circle": ("(((", ")))"),
}


_ESCAPES = {'"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;", "#": "#35;", "|": "#124;",
            "`": "#96;", "%": "#37;"}  # '%%' would start a comment


_SHAPES_NEW_SYNTAX = {"start": "sm-circ", "end": "framed-circle", "fork": "fork"}


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


def _flowchart_to_mermaid(d: Diagram) -> str:
    ids = _IdMap([n.id for n in d.nodes] + [g.id for g in d.groups]
                 + [x for e in d.edges for x in (e.source, e.target)])
    lines = [f"flowchart {d.direction}"]
    grouped = {m for g in d.groups for m in g.members}

    def node_decl(n: Node) -> str:
        if n.shape in _SHAPES_NEW_SYNTAX:  # no bracket form: Mermaid 11's A@{ shape: ... }
            return f"{ids[n.id]}@{{ shape: {_SHAPES_NEW_SYNTAX[n.shape]}, label: {_quote(n.text)} }}"
        o, c = _SHAPES.get(n.shape, ("[", "]"))
        return f"{ids[n.id]}{o}{_quote(n.text)}{c}"

    def emit_group(g: Group, depth: int) -> None:
        pad = "    " * depth
        lines.append(f"{pad}subgraph {ids[g.id]}[{_quote(g.label or g.id)}]")
        for m in g.members:
            n = d.node(m)
            if n is not None:
                lines.append(f"{pad}    {node_decl(n)}")
        for child in d.groups:
            if child.parent == g.id:
                emit_group(child, depth + 1)
        lines.append(f"{pad}end")

    for n in d.nodes:
        if n.id not in grouped:
            lines.append(f"    {node_decl(n)}")
    for g in d.groups:
        if g.parent is None:
            emit_group(g, 1)
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
    home: dict[int, str] = {}
    for k, e in enumerate(d.edges):
        for x in (e.source, e.target):
            n = d.node(x)
            if n is not None and n.shape in ("start", "end"):
                owner = next((g.id for g in d.groups if x in g.members), None)
                if owner is not None:
                    home[k] = owner

    def emit_edges(pad: str, group_id: str | None) -> None:
        for k, e in enumerate(d.edges):
            if home.get(k) == group_id:
                label = f" : {_msg_text(e.label)}" if e.label else ""
                lines.append(f"{pad}{ref(e.source)} --> {ref(e.target)}{label}")

    def emit_group(g: Group, depth: int) -> None:
        pad = "    " * depth
        lines.append(f'{pad}state "{_msg_text(g.label or g.id)}" as {ids[g.id]} {{')
        for m in g.members:
            n = d.node(m)
            if n is not None and n.shape not in ("start", "end"):
                decl(n, pad + "    ")
        for child in d.groups:
            if child.parent == g.id:
                emit_group(child, depth + 1)
        emit_edges(pad + "    ", g.id)
        lines.append(f"{pad}}}")

    for n in real:
        if n.id not in grouped:
            decl(n, "    ")
    for g in d.groups:
        if g.parent is None:
            emit_group(g, 1)
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
            raise MermaidSyntaxError("front matter opened with '---' is never closed", line=1,
                                     text=raw[0])
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
    start, buf = 0, ""
    for lineno, line in lines:
        if buf:
            buf += "\n" + line
        else:
            start, buf = lineno, line
        if buf.count('"') % 2 == 0:
            out.append((start, buf))
            buf = ""
    if buf:
        raise MermaidSyntaxError("a double-quoted label is never closed", line=start,
                                 text=buf.split("\n", 1)[0].strip())
    return out


def parse_mermaid(text: str) -> Diagram:
    """Parse Mermaid text into a :class:`Diagram`.

    Reads ``flowchart``/``graph``, ``sequenceDiagram``, ``stateDiagram(-v2)``, ``classDiagram``
    and ``erDiagram``. Raises :class:`UnsupportedDiagramError` for other valid kinds and
    :class:`MermaidSyntaxError` (with ``.line``) for malformed text.
    """
    if not isinstance(text, str):
        raise MermaidSyntaxError(f"Mermaid text must be a str, got {type(text).__name__}")
    lines, title = _preprocess(text)
    if not lines:
        raise MermaidSyntaxError("empty Mermaid text: expected a diagram header such as "
                                 "'flowchart TD' or 'sequenceDiagram'", line=1)
    lineno, header = lines[0]
    head = header.strip().split()
    word = head[0].rstrip(":;")
    body = lines[1:]
    if word in ("flowchart", "graph", "flowchart-elk"):
        direction = head[1].rstrip(";") if len(head) > 1 else "TD"
        if direction not in ("TD", "TB", "BT", "LR", "RL"):
            raise MermaidSyntaxError("flowchart direction must be TD, TB, BT, LR or RL",
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
        raise MermaidSyntaxError("unknown diagram header; expected flowchart, graph, "
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


def _clean_label(text: str) -> str:
    """The text a reader sees: quotes, markdown, HTML tags and entity codes removed/decoded."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        t = t[1:-1].strip()
    if len(t) >= 2 and t[0] == t[-1] == "`":  # markdown string: bold/italic markers are style
        t = t[1:-1]
        t = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), t)
        t = re.sub(r"(?<!\w)[*_](\S(?:.*?\S)?)[*_](?!\w)", r"\1", t)
    t = re.sub(r"<br\s*/?>", " ", t, flags=re.IGNORECASE)
    t = re.sub(r"</?(b|i|em|strong|u|small|sub|sup|code|span|p|div|font)\b[^>]*>", "", t, flags=re.IGNORECASE)
    t = re.sub(r"fa:fa-[\w-]+\s*", "", t)
    # one pass, so a decoded '#' never starts another entity
    t = re.sub(r"#(\d+|[A-Za-z]+);", _decode_entity, t)
    return re.sub(r"\s+", " ", t).strip()


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
_LINK_TEXT = re.compile(
    r"(?P<start>[<ox]?(?:--|==|-\.))(?![-=.>]|[ox]\s)\s*(?P<text>(?:\"[^\"]*\"|[^\"])+?)\s*"
    r"(?P<end>-{2,}[>ox]|-{3,}|={2,}[>ox]|={3,}|\.-+[>ox]?|-\.-*>)")
_LINK = re.compile(r"(?P<id>[A-Za-z0-9_]+@)?(?P<body>[<ox]?(?:-{2,}[>ox]?|={2,}[>ox]?|-\.+-[>ox]?|~{3,}))")
_PIPE = re.compile(r"\|(?P<text>[^|]*)\|")
_SKIP_FLOW = re.compile(r"^(classDef|class|style|linkStyle|click|accTitle|accDescr|direction)\b")
_SUBGRAPH = re.compile(r"^subgraph\s+(?P<rest>.+)$")


class _FlowchartParser:
    def __init__(self, direction: str):
        self.d = Diagram(kind="flowchart", direction="TD" if direction == "TB" else direction)
        self.stack: list[Group] = []
        self.opened_at: dict[str, int] = {}  # group id -> line of its 'subgraph'
        self.lineno = 0
        self.line = ""

    def err(self, msg: str) -> MermaidSyntaxError:
        return MermaidSyntaxError(msg, line=self.lineno, text=self.line.strip())

    def parse(self, body: list[tuple[int, str]]) -> Diagram:
        for lineno, line in body:
            self.lineno, self.line = lineno, line
            for stmt in _split_statements(line):
                self.statement(stmt.strip())
        if self.stack:
            gid = self.stack[-1].id
            raise MermaidSyntaxError(f"subgraph {gid!r} is never closed with 'end'",
                                     line=self.opened_at.get(gid, self.lineno), text=f"subgraph {gid}")
        group_ids = {g.id for g in self.d.groups}
        self.d.nodes = [n for n in self.d.nodes if n.id not in group_ids]
        _adopt_listed_groups(self.d)
        return self.d

    def statement(self, s: str) -> None:
        if not s or _SKIP_FLOW.match(s):
            return
        if s == "end":
            if not self.stack:
                raise self.err("'end' without an open subgraph")
            self.stack.pop()
            return
        m = _SUBGRAPH.match(s)
        if m:
            self.open_group(m.group("rest").strip())
            return
        self.chain(s)

    def open_group(self, rest: str) -> None:
        m = re.match(rf"^({_ID})\s*\[(.*)\]$", rest)
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
        self.opened_at[gid] = self.lineno
        if parent:
            self.stack[-1].members.append(gid)
        self.stack.append(g)

    def chain(self, s: str) -> None:
        pos = 0
        left, pos = self.node_group(s, pos)
        while True:
            pos = _skip_ws(s, pos)
            if pos >= len(s):
                return
            edge_kw, pos = self.link(s, pos)
            right, pos = self.node_group(s, _skip_ws(s, pos))
            for a in left:
                for b in right:
                    if edge_kw is not None:
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
                raise self.err(f"node {nid!r}: '@{{' is never closed")
            fields = _shape_fields(s[pos + 2:close])
            label = _clean_label(fields.get("label", ""))
            shape = _NEW_SHAPES.get(fields.get("shape", ""), "box")
            new_label, new_shape = "label" in fields, "shape" in fields
            if fields.get("shape", "") in _TEXTLESS_SHAPES:
                label, new_label = "", True  # Mermaid draws these symbols without their label
            pos = close + 1
        else:
            found = _match_shape(s, pos)
            if found is not None:
                opener, end, closer, shape = found
                if end < 0:
                    raise self.err(f"node {nid!r}: {opener!r} is never closed with {closer!r}")
                label = _clean_label(s[pos + len(opener):end])
                pos = end + len(closer)
            else:
                new_label = new_shape = False  # a bare reference keeps an earlier definition
        if s.startswith(":::", pos):
            cm = re.match(r":::[\w-]+", s[pos:])
            pos += cm.end() if cm else 3
        n = self.d.add_node(nid, label, shape)
        # Mermaid draws a node defined twice with its last text and shape
        if new_label:
            n.label = label
        if new_shape:
            n.shape = shape
        if self.stack and nid != self.stack[-1].id:
            g = self.stack[-1]
            already = any(nid in gr.members for gr in self.d.groups)
            if not already:
                g.members.append(nid)
        return nid, pos

    def link(self, s: str, pos: int) -> tuple[dict | None, int]:
        m = _LINK_TEXT.match(s, pos)
        label = ""
        if m:
            start, end = m.group("start"), m.group("end")
            label = _clean_label(m.group("text"))
            body = start + end
            pos = m.end()
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
    "fork": "fork", "join": "fork",
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


def _shape_fields(body: str) -> dict[str, str]:
    """``shape: x, label: "y, z"`` -> {"shape": "x", "label": "y, z"} (values quoted or bare)."""
    out = {}
    for m in re.finditer(r'(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|[^,}]*)', body):
        out[m.group(1)] = m.group(2).strip()
    return out


def _match_shape(s: str, pos: int) -> tuple[str, int, str, str] | None:
    """The shape bracket opening at ``pos``: (opener, closer index, closer, shape name).

    Openers share prefixes ('[/' closes with '/]' or '\\]'), so among the longest opener
    that matches, the closer found first wins. None when no bracket opens here; a closer index
    of -1 when one opens but never closes.
    """
    best: tuple[str, int, str, str] | None = None
    for opener, closer, name in _OPENERS:
        if not s.startswith(opener, pos):
            continue
        if best is not None and len(opener) < len(best[0]) and best[1] >= 0:
            break
        end = _find_closer(s, pos + len(opener), closer)
        if best is None or (end >= 0 and (best[1] < 0 or end < best[1])):
            best = (opener, end, closer, name)
    return best


def _adopt_listed_groups(d: Diagram) -> None:
    """A subgraph id listed inside another subgraph nests it there (Mermaid does the same)."""
    by_id = {g.id: g for g in d.groups}
    for outer in d.groups:
        for m in outer.members:
            inner = by_id.get(m)
            if inner is None or inner.parent is not None or inner is outer:
                continue
            ancestor, cycle = outer, False
            while ancestor is not None:
                if ancestor.id == inner.id:
                    cycle = True
                    break
                ancestor = by_id.get(ancestor.parent) if ancestor.parent else None
            if not cycle:
                inner.parent = outer.id


def _skip_ws(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] in " \t":
        pos += 1
    return pos


def _find_closer(s: str, pos: int, closer: str) -> int:
    """Index of ``closer`` after pos, skipping over a quoted label."""
    i = pos
    while i < len(s) and s[i] in " \t":
        i += 1
    if i < len(s) and s[i] == '"':
        q = s.find('"', i + 1)
        if q < 0:
            return -1
        return s.find(closer, q + 1)
    return s.find(closer, pos)


def _split_statements(line: str) -> list[str]:
    """Split on ';' outside quotes and brackets."""
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
_SEQ_MSG = re.compile(
    r"^(?P<src>.+?)\s*(?P<arrow>" + "|".join(re.escape(a) for a in _SEQ_ARROWS) +
    r")\s*(?P<act>[+-]?)\s*(?P<dst>[^:]+?)\s*(?::(?P<text>.*))?$")
_SEQ_PART = re.compile(r"^(?:create\s+)?(?P<kw>participant|actor)\s+(?P<id>.+?)(?:@\{(?P<cfg>.*)\})?"
                       r"(?:\s+as\s+(?P<alias>.+))?$")
_SEQ_NOTE = re.compile(r"^note\s+(?:over|left of|right of)\s+[^:]+:\s*(?P<text>.*)$", re.IGNORECASE)
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
        m = _SEQ_PART.match(s)
        if m:
            pid = m.group("id").strip().strip('"')
            alias = m.group("alias")
            cfg = re.search(r'"alias"\s*:\s*"([^"]*)"', m.group("cfg") or "")
            if cfg and not alias:
                alias = cfg.group(1)
            d.add_node(pid, _clean_label(alias) if alias else "",
                       "actor" if m.group("kw") == "actor" else "participant")
            continue
        m = _SEQ_BLOCK_OPEN.match(s)
        if m:
            opened.append((lineno, m.group(1)))
            continue
        if _SEQ_BLOCK_MID.match(s):
            if not opened:
                raise MermaidSyntaxError(f"'{s.split()[0]}' outside a block", line=lineno, text=s)
            continue
        if s == "end":
            if not opened:
                raise MermaidSyntaxError("'end' without an open block", line=lineno, text=s)
            opened.pop()
            continue
        m = _SEQ_NOTE.match(s)
        if m:
            d.notes.append(_clean_label(m.group("text")))
            continue
        m = _SEQ_MSG.match(s)
        if m:
            src, dst = m.group("src").strip(), m.group("dst").strip()
            if not src or not dst:
                raise MermaidSyntaxError("message needs a sender and a receiver", line=lineno, text=s)
            for p in (src, dst):
                d.add_node(p, "", "participant")
            arrow = m.group("arrow")
            kind = ("cross" if arrow.endswith("x") else "async" if arrow.endswith(")")
                    else "filled" if arrow.endswith(">>") else "open")
            d.messages.append(Message(source=src, target=dst, text=_clean_label(m.group("text") or ""),
                                      reply=arrow.startswith(("--", "<<--")),
                                      arrow=kind))
            continue
        raise MermaidSyntaxError("not a sequence statement (participant, message 'A->>B: text', "
                                 "note, loop/alt/opt/par ... end)", line=lineno, text=s)
    if opened:
        lineno, kw = opened[-1]
        raise MermaidSyntaxError(f"'{kw}' block is never closed with 'end'", line=lineno, text=kw)
    return d


# ---- state ------------------------------------------------------------------------------

_ST_TRANS = re.compile(r"^(?P<a>\[\*\]|[^\s:-][^:]*?)\s*-->\s*(?P<b>\[\*\]|[^\s:][^:]*?)\s*(?::\s*(?P<label>.*))?$")
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
        self.lineno = 0
        self.in_note = False

    def scope_id(self, which: str) -> str:
        base = START if which == "start" else END
        return base if not self.stack else f"{base}:{self.stack[-1].id}"

    def state(self, sid: str, label: str = "", shape: str = "state") -> str:
        sid = sid.strip()
        if sid == "[*]":
            raise AssertionError("handled by caller")
        if any(g.id == sid for g in self.d.groups):
            return sid
        self.d.add_node(sid, label, shape)
        if self.stack and not any(sid in g.members for g in self.d.groups):
            self.stack[-1].members.append(sid)
        return sid

    def pseudo(self, which: str) -> str:
        nid = self.scope_id(which)
        self.d.add_node(nid, which, which)
        if self.stack and nid not in self.stack[-1].members:
            self.stack[-1].members.append(nid)
        return nid

    def parse(self, body: list[tuple[int, str]]) -> Diagram:
        for lineno, line in body:
            self.lineno = lineno
            self.line(lineno, line.strip())
        if self.in_note:
            raise MermaidSyntaxError("note is never closed with 'end note'", line=body[-1][0])
        if self.stack:
            gid = self.stack[-1].id
            raise MermaidSyntaxError(f"composite state {gid!r} is never closed with '}}'",
                                     line=self.opened_at.get(gid, body[-1][0]), text=f"state {gid}")
        return self.d

    def open_group(self, gid: str, label: str) -> None:
        parent = self.stack[-1].id if self.stack else None
        g = Group(id=gid, label=label or gid, parent=parent)
        self.d.nodes = [n for n in self.d.nodes if n.id != gid]
        self.d.groups.append(g)
        if parent and gid not in self.stack[-1].members:
            self.stack[-1].members.append(gid)
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
                raise MermaidSyntaxError("'}' without an open composite state", line=lineno, text=s)
            self.stack.pop()
            return
        # "Still:::cls" applies a class to a state; it is not a ": label"
        s = _without_class_uses(s)
        m = _ST_TRANS.match(s)
        if m:
            a = self.pseudo("start") if m.group("a") == "[*]" else self.state(m.group("a").strip())
            b = self.pseudo("end") if m.group("b") == "[*]" else self.state(m.group("b").strip())
            self.d.edges.append(Edge(source=a, target=b, label=_clean_label(m.group("label") or "")))
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
        raise MermaidSyntaxError("not a state statement ('A --> B : event', 'state \"x\" as A', "
                                 "'state A {', '}')", line=lineno, text=s)


def _without_class_uses(s: str) -> str:
    """The line with every ``:::cls`` before its label removed; the label is kept as written
    ("A --> B : a:::b" keeps its text)."""
    m = _ST_LABEL_SEP.search(s)
    head, label = (s[:m.start()], s[m.start():]) if m else (s, "")
    return _ST_CLASS_USE.sub("", head) + label


# ---- class and ER (read as graphs) ------------------------------------------------------

_CLASS_NAME = r"[\w.$\u00C0-\U0010FFFF]+(?:~[^~\s]*~)?|`[^`]+`"
_CLASS_REL = re.compile(
    rf'^(?P<a>{_CLASS_NAME})\s*(?:"(?P<ca>[^"]*)")?\s*'
    r"(?P<left><\||<|\*|o)?(?P<line>--|\.\.)(?P<right>\|>|>|\*|o)?"
    rf'\s*(?:"(?P<cb>[^"]*)")?\s*(?P<b>{_CLASS_NAME})\s*(?::\s*(?P<label>.*))?$')
_CLASS_DECL = re.compile(
    rf'^class\s+(?P<id>{_CLASS_NAME})\s*(?:\["?(?P<label>[^\]"]*)"?\])?\s*(?:<<[^>]*>>)?\s*'
    r"(?::::[\w-]+)?\s*(?P<open>\{)?\s*(?P<close>\})?$")
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
    body_line = 0

    for lineno, line in body:
        s = line.strip()
        if members_depth:
            if s.endswith("}"):
                members_depth -= 1
            continue
        if s == "}":
            if not spaces:
                raise MermaidSyntaxError("'}' without an open class or namespace", line=lineno, text=s)
            spaces.pop()
            continue
        m = re.match(r"^namespace\s+([\w.\u00C0-\U0010FFFF-]+)\s*\{$", s)
        if m:
            g = Group(id=m.group(1), label=m.group(1), parent=spaces[-1].id if spaces else None)
            if spaces:
                spaces[-1].members.append(g.id)
            d.groups.append(g)
            spaces.append(g)
            opened_at[g.id] = lineno
            continue
        m = _CLASS_DECL.match(s)
        if m:
            cid = _class_id(m.group("id"))
            d.add_node(cid, _clean_label(m.group("label") or ""), "box")
            if spaces and not any(cid in g.members for g in d.groups):
                spaces[-1].members.append(cid)
            if m.group("open") and not m.group("close"):
                members_depth, body_line = 1, lineno
            continue
        m = _CLASS_REL.match(s)
        if m:
            d.edges.append(_class_edge(d, m))
            continue
        if _CLASS_SKIP.match(s):
            continue
        raise MermaidSyntaxError("not a class diagram statement ('class A', 'A <|-- B : label', "
                                 "'A : member', 'namespace N {')", line=lineno, text=s)
    if members_depth:
        raise MermaidSyntaxError("a class body '{' is never closed with '}'", line=body_line)
    if spaces:
        raise MermaidSyntaxError(f"namespace {spaces[-1].id!r} is never closed with '}}'",
                                 line=opened_at[spaces[-1].id])
    return d


def _class_edge(d: Diagram, m: re.Match) -> Edge:
    a, b = _class_id(m.group("a")), _class_id(m.group("b"))
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
_ER_DECL = re.compile("^" + _ER_ENT.format("e") + r"\s*(?P<open>\{)?\s*(?P<close>\})?$")
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
            continue
        if _ER_SKIP.match(s):
            continue
        m = _ER_DECL.match(s)
        if m:
            _er_entity(d, m, "e")
            in_block = bool(m.group("open")) and not m.group("close")
            block_line = lineno
            continue
        raise MermaidSyntaxError("not an ER statement ('A ||--o{ B : label', 'A {', 'A[alias]')",
                                 line=lineno, text=s)
    if in_block:
        raise MermaidSyntaxError("an entity's attribute block '{' is never closed with '}'",
                                 line=block_line)
    return d


def _closes_block(s: str) -> bool:
    """An attribute line ends the block when a '}' stands outside its quoted comment."""
    return re.sub(r'"[^"]*"', "", s).rstrip().endswith("}")
