"""PlantUML text: every ``@startuml ... @enduml`` block is one part (named by the text after
``@startuml``, quotes dropped, else ``block-N``).

- **sequence** diagrams (participants declared with ``participant``/``actor``/``boundary``/
  ``control``/``entity``/``database``/``collections``/``queue``, ``as`` aliases, quoted names;
  messages ``->``, ``-->``, ``->>``, ``<-``, ``<->``, ``->x``, colours ``-[#red]->``, text after
  ``:``) -> a ``kind="sequence"`` Diagram: participants in order of first appearance, messages
  in time order. Notes go to the notes; frames (alt/else/loop/group/...), separators,
  delays, activations are read past.
- **component / deployment / use-case** diagrams (``[Comp]``, ``component X``, ``node``,
  ``cloud``, ``database``, ``interface``, ``package {}`` containers, ``rectangle``, ...; links
  ``-->``, ``..>``, ``-``, ``--``, direction words ``-up->``, labels after ``:``) -> a
  flowchart: every element (containers included) is a node, a container is also a ``Group``.
  Links styled ``[hidden]`` only steer the layout, are not drawn, and are not edges.

``!include`` is not followed (a warning says so). Preprocessor variables and macros are not
expanded.
"""

from __future__ import annotations

import re

from ..diagram import Diagram, Edge, Group, Message
from ..errors import UnsupportedFormatError
from ._model import SourceDiagram, clean_text, finish

__all__ = ["plantuml_blocks", "read_plantuml"]

_START = re.compile(r"^\s*@startuml\b(.*)$", re.IGNORECASE)
_END = re.compile(r"^\s*@enduml\b", re.IGNORECASE)


def plantuml_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(part name, lines) for every @startuml block."""
    out: list[tuple[str, list[str]]] = []
    cur: list[str] | None = None
    for line in text.splitlines():
        m = _START.match(line)
        if m and cur is None:
            cur = []
            label = m.group(1).strip()
            label = re.sub(r"^\(id=([^)]*)\)$", r"\1", label).strip().strip('"').strip()
            out.append((label or f"block-{len(out) + 1}", cur))
        elif _END.match(line) and cur is not None:
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def read_plantuml(data: bytes | str, name: str = "") -> list[SourceDiagram]:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    blocks = plantuml_blocks(text)
    if not blocks:
        raise UnsupportedFormatError(f"{name or 'text'}: no @startuml block")
    return [_read_block(part, _logical_lines(lines)) for part, lines in blocks]


def _logical_lines(lines: list[str]) -> list[str]:
    """Comments removed (``'`` lines and ``/' ... '/`` blocks), lines stripped, blanks dropped."""
    out, in_comment = [], False
    for raw in lines:
        line = raw.strip()
        if in_comment:
            if "'/" in line:
                in_comment, line = False, line.split("'/", 1)[1].strip()
            else:
                continue
        if line.startswith("/'"):
            if "'/" not in line[2:]:
                in_comment = True
                continue
            line = line.split("'/", 1)[1].strip()
        if not line or line.startswith("'"):
            continue
        out.append(line)
    return out


def _label(text: str) -> str:
    """PlantUML display text: quotes dropped, ``\\n`` line breaks and creole ``**`` as spaces/plain."""
    text = text.strip().strip('"')
    text = text.replace("\\n", " ").replace("\\t", " ")
    return clean_text(text)


# ---- which kind ---------------------------------------------------------------------------------

_SEQ_ONLY = re.compile(r"^(participant|boundary|control|entity|collections|activate|deactivate|"
                       r"destroy|autonumber|alt|else|opt|loop|par|break|critical|group|ref over|"
                       r"return|box|end box|== |\.\.\.|\|\|\||create)\b", re.IGNORECASE)
_DESC_ONLY = re.compile(r"^(component|node|cloud|package|rectangle|interface|folder|frame|file|"
                        r"artifact|storage|usecase|card|agent|stack|hexagon|object|class|"
                        r"namespace|person)\b|^\[[^\]]+\]|^\([^)]+\)|\{\s*$", re.IGNORECASE)


def _is_sequence(lines: list[str]) -> bool:
    seq = sum(1 for l in lines if _SEQ_ONLY.match(l))
    desc = sum(1 for l in lines if _DESC_ONLY.search(l))
    if seq or desc:
        return seq >= desc
    return any(_SEQ_MSG.match(l) for l in lines)


def _read_block(part: str, lines: list[str]) -> SourceDiagram:
    warnings = [f"!include not followed: {l}" for l in lines if l.lower().startswith("!include")]
    lines = _skip_blocks(lines)
    if _is_sequence(lines):
        d, drawn = _sequence(lines, warnings)
    else:
        d, drawn, hidden = _description(lines)
        if hidden:
            warnings.append(f"{hidden} [hidden] link(s) steer the layout only: not drawn, not edges")
    return finish("plantuml", part, d, drawn, warnings=warnings)


_BLOCK_START = re.compile(r"^(skinparam\b.*|<style>)\s*\{?\s*$", re.IGNORECASE)


def _skip_blocks(lines: list[str]) -> list[str]:
    """Drop styling blocks (``skinparam x { ... }``, ``<style> ... </style>``) and directives."""
    out, depth, style = [], 0, False
    for line in lines:
        low = line.lower()
        if style:
            style = "</style>" not in low
            continue
        if low.startswith("<style>"):
            style = "</style>" not in low
            continue
        if depth:
            depth += line.count("{") - line.count("}")
            continue
        if low.startswith("skinparam"):
            if line.endswith("{"):
                depth = 1
            continue
        if low.startswith(("!", "hide ", "show ", "scale ", "left to right", "top to bottom",
                           "allowmixing", "allow_mixing", "header", "footer", "caption ",
                           "newpage", "mainframe", "set ", "center footer", "left header",
                           "right footer")):
            continue
        out.append(line)
    return out


# ---- sequence diagrams ------------------------------------------------------------------------

_PART_KW = ("participant", "actor", "boundary", "control", "entity", "database", "collections",
            "queue")
_DECL = re.compile(r"^(?:create\s+)?(" + "|".join(_PART_KW) + r")\s+(.+)$", re.IGNORECASE)
_NAME = r'"[^"]+"|[\w.@$]+|\[|\]|\?'
_SEQ_MSG = re.compile(
    rf"^(?P<a>{_NAME})?\s*"
    r"(?P<arrow>[<ox/\\]{0,2}-{1,2}(?:\[[^\]]*\])?-?[>ox/\\]{0,2})\s*"
    rf"(?P<b>{_NAME})\s*(?P<act>\+\+|--|\*\*|!!)?\s*(?::(?P<text>.*))?$")
_NOTE = re.compile(r"^[hr]?note\b(.*)$", re.IGNORECASE)
_SHAPE = {"actor": "actor", "database": "cylinder", "queue": "cylinder", "entity": "participant",
          "collections": "participant"}


def _declare(d: Diagram, aliases: dict[str, str], kw: str, rest: str) -> None:
    rest = re.sub(r"\s+order\s+-?\d+\s*$", "", rest)
    rest = re.sub(r"\s*(#\S+|<<[^>]*>>)\s*", " ", rest).strip()
    m = re.match(r'^("[^"]+"|\S+)(?:\s+as\s+("[^"]+"|\S+))?', rest, re.IGNORECASE)
    if not m:
        return
    first, second = m.group(1), m.group(2)
    if second is None:
        pid, label = first.strip('"'), _label(first)
    elif second.startswith('"'):  # X as "Long name"
        pid, label = first, _label(second)
    else:  # "Long name" as X, Long as X: the alias is the id
        pid, label = second, _label(first)
    aliases[pid] = pid
    d.add_node(pid, label, _SHAPE.get(kw.lower(), "participant"))


def _participant(d: Diagram, aliases: dict[str, str], token: str) -> str:
    pid = aliases.get(token.strip('"'), token.strip('"'))
    if d.node(pid) is None:
        d.add_node(pid, _label(token), "participant")
    return pid


def _sequence(lines: list[str], warnings: list[str]) -> tuple[Diagram, int]:
    d = Diagram(kind="sequence")
    border = 0
    acts = _Activations()
    aliases: dict[str, str] = {}
    note: list[str] | None = None
    for line in lines:
        if note is not None:  # inside a multi-line note
            if re.match(r"^end\s*[hr]?note\b", line, re.IGNORECASE):
                d.notes.append(clean_text(" ".join(note)))
                note = None
            else:
                note.append(line)
            continue
        if _title(d, line):
            continue
        m = _NOTE.match(line)
        if m:
            text = m.group(1).split(":", 1)
            if len(text) == 2:
                d.notes.append(_label(text[1]))
            else:
                note = []
            continue
        m = _DECL.match(line)
        if m:
            _declare(d, aliases, m.group(1), m.group(2))
            continue
        if acts.line(d, aliases, line):
            continue
        m = _SEQ_MSG.match(line)
        if m and m.group("a") and ("<" in m.group("arrow") or ">" in m.group("arrow")
                                   or m.group("arrow").rstrip().endswith("x")):
            ends = _message(d, aliases, m)
            if ends is None:
                border += 1
            else:
                acts.message(*ends, m.group("act"))
    if acts.unmatched:
        warnings.append(f"{acts.unmatched} 'return'(s) with no active call to return from: skipped")
    if border:
        warnings.append(f"{border} message(s) from/to the diagram border ([->, ->]) kept as notes")
    return d, len(d.messages)


class _Activations:
    """Who activated whom, so that ``return`` becomes a reply from the callee to its caller."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, str | None]] = []  # (activated, by whom)
        self.caller: dict[str, str] = {}  # participant -> source of the last message it received
        self.unmatched = 0

    def message(self, src: str, dst: str, act: str | None) -> None:
        self.caller[dst] = src
        if act == "++":
            self.stack.append((dst, src))
        elif act == "--":
            self._drop(src)

    def _drop(self, pid: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == pid:
                del self.stack[k]
                return

    def line(self, d: Diagram, aliases: dict[str, str], line: str) -> bool:
        """Handle activate/deactivate/return; False for any other line."""
        m = re.match(r"^(activate|deactivate|destroy)\s+(\S+)", line, re.IGNORECASE)
        if m:
            pid = aliases.get(m.group(2).strip('"'), m.group(2).strip('"'))
            if m.group(1).lower() == "activate":
                self.stack.append((pid, self.caller.get(pid)))
            else:
                self._drop(pid)
            return True
        m = re.match(r"^return\b\s*(.*)$", line, re.IGNORECASE)
        if not m:
            return False
        while self.stack and self.stack[-1][1] is None:
            self.stack.pop()  # activated with no known caller: nothing to return to
        if not self.stack:
            self.unmatched += 1
            return True
        callee, caller = self.stack.pop()
        d.messages.append(Message(source=callee, target=caller or callee, text=_label(m.group(1)),
                                  reply=True))
        return True


def _message(d: Diagram, aliases: dict[str, str], m: re.Match[str]) -> tuple[str, str] | None:
    """Add one message and return (source, target); None for a message from/to the diagram's
    border (``[->``, ``->]``): it has no participant at one end, so it is kept as a note."""
    arrow = re.sub(r"\[[^\]]*\]", "", m.group("arrow"))
    left = arrow.startswith("<") and not arrow.endswith(">")
    if {m.group("a"), m.group("b")} & {"[", "]", "?"}:
        inner = m.group("b") if m.group("a") in ("[", "]", "?") else m.group("a")
        pid = _participant(d, aliases, inner)
        outward = (m.group("b") in ("[", "]", "?")) != left
        d.notes.append(f"message {'from ' if outward else 'to '}{d.label_of(pid)} "
                       f"{'to' if outward else 'from'} outside the diagram: {_label(m.group('text') or '')}")
        return None
    a, b = _participant(d, aliases, m.group("a")), _participant(d, aliases, m.group("b"))
    src, dst = (b, a) if left else (a, b)
    kind = "cross" if "x" in arrow else ("open" if ">>" in arrow or "<<" in arrow else "filled")
    d.messages.append(Message(source=src, target=dst, text=_label(m.group("text") or ""),
                              reply="--" in arrow, arrow=kind))
    return src, dst


def _title(d: Diagram, line: str) -> bool:
    m = re.match(r"^title\s+(.+)$", line, re.IGNORECASE)
    if m:
        d.title = _label(m.group(1))
        return True
    return False


# ---- component / deployment / use-case diagrams ------------------------------------------------

_ELEM_KW = ("actor", "agent", "artifact", "boundary", "card", "circle", "cloud", "collections",
            "component", "control", "database", "entity", "file", "folder", "frame", "hexagon",
            "interface", "label", "node", "package", "person", "queue", "rectangle", "stack",
            "storage", "usecase", "object", "class", "namespace", "process", "port", "portin",
            "portout", "json", "map", "enum", "abstract")
_ELEM = re.compile(r"^(" + "|".join(_ELEM_KW) + r")\s+(.+?)\s*(\{)?\s*$", re.IGNORECASE)
_REF = r'\[[^\]]+\]|\([^)]+\)|:[^:]+:|"[^"]+"|\(\)\s*"[^"]+"|\(\)\s*[\w.]+|[\w.]+'
_LINK = re.compile(
    rf"^(?P<a>{_REF})\s*"
    r"(?P<arrow>[<*o#x+^}]*[-.=~]+(?:(?:left|right|up|down|le|ri|do|up|u|d|l|r)|\[[^\]]*\])?[-.=~]*"
    r"[>*o#x+^{]*)\s*"
    rf"(?P<b>{_REF})\s*(?::(?P<text>.*))?$", re.IGNORECASE)
_BRACKET = re.compile(r'^(\[[^\]]+\]|\([^)]+\)|:[^:]+:)(?:\s+as\s+("[^"]+"|\S+))?\s*(\{)?')
_DSHAPE = {"database": "cylinder", "actor": "actor", "person": "actor", "usecase": "stadium",
           "cloud": "round", "node": "box", "interface": "circle", "circle": "circle",
           "hexagon": "hexagon", "queue": "cylinder", "storage": "cylinder"}


class _Desc:
    def __init__(self) -> None:
        self.d = Diagram(kind="flowchart")
        self.alias: dict[str, str] = {}
        self.stack: list[Group] = []
        self.body_depth = 0  # inside an object/class body: fields, not elements

    def element(self, token: str, alias: str | None, kind: str = "component") -> str:
        label = _label(token[1:-1] if token[:1] in "[(:" else token)
        if token.startswith("()"):
            label = _label(token[2:])
        eid = alias.strip('"') if alias else label
        if alias and alias.startswith('"'):  # X as "Long"
            eid, label = _label(token), _label(alias)
        self.alias[eid] = eid
        self.alias.setdefault(label, eid)
        if token[:1] in "[(:":
            self.alias.setdefault(token, eid)
        self.d.add_node(eid, label, _DSHAPE.get(kind.lower(), "box"))
        if self.stack and eid not in self.stack[-1].members:
            self.stack[-1].members.append(eid)
        return eid

    def ref(self, token: str) -> str:
        token = token.strip()
        for key in (token, token.strip('"'), _label(token[1:-1]) if token[:1] in "[(:" else None):
            if key and key in self.alias:
                return self.alias[key]
        kind = "usecase" if token.startswith("(") and not token.startswith("()") else (
            "actor" if token.startswith(":") else ("interface" if token.startswith("()") else "component"))
        return self.element(token, None, kind)

    def open_group(self, eid: str) -> None:
        parent = self.stack[-1].id if self.stack else None
        g = Group(id=f"{eid}__group", label=self.d.label_of(eid), parent=parent)
        self.d.groups.append(g)
        self.stack.append(g)


def _description(lines: list[str]) -> tuple[Diagram, int, int]:
    st = _Desc()
    drawn = hidden = 0
    for line in lines:
        if st.body_depth:
            st.body_depth += line.count("{") - line.count("}")
            continue
        if line.startswith("}"):
            if st.stack:
                st.stack.pop()
            continue
        if _title(st.d, line) or re.match(r"^(note|legend|end\s*note|endlegend)\b", line, re.IGNORECASE):
            continue
        m = _LINK.match(line)
        if m and _is_link(m.group("arrow")):
            if "hidden" in m.group("arrow").lower():
                hidden += 1
                continue
            drawn += 1
            st.d.edges.append(_link(st, m))
            continue
        _declaration(st, line)
    return st.d, drawn, hidden


def _is_link(arrow: str) -> bool:
    core = re.sub(r"\[[^\]]*\]|left|right|up|down|le|ri|do", "", arrow, flags=re.IGNORECASE)
    return bool(re.search(r"[-.=~]", core)) and len(core) >= 1 and not re.fullmatch(r"[.]", core)


def _declaration(st: _Desc, line: str) -> None:
    m = _ELEM.match(line)
    if m:
        kw, rest, brace = m.group(1), m.group(2), m.group(3)
        rest = re.sub(r"\s*(#[\w#]+|<<[^>]*>>|\$\w+)\s*", " ", rest).strip()
        nm = re.match(r'^("[^"]+"|\[[^\]]+\]|\S+)(?:\s+as\s+("[^"]+"|\S+))?', rest, re.IGNORECASE)
        if not nm:
            return
        eid = st.element(nm.group(1), nm.group(2), kw)
        if brace:
            if kw.lower() in ("object", "class", "enum", "abstract", "json", "map"):
                st.body_depth = 1
            else:
                st.open_group(eid)
        return
    m = _BRACKET.match(line)
    if m:
        kind = "usecase" if line.startswith("(") else ("actor" if line.startswith(":") else "component")
        eid = st.element(m.group(1), m.group(2), kind)
        if m.group(3):
            st.open_group(eid)


def _link(st: _Desc, m: re.Match[str]) -> Edge:
    a, b = st.ref(m.group("a")), st.ref(m.group("b"))
    arrow = m.group("arrow")
    core = re.sub(r"\[[^\]]*\]", "", arrow)
    head_l, head_r = core.startswith("<"), core.endswith(">")
    if head_l and not head_r:
        a, b = b, a
    dotted = "." in core or bool(re.search(r"\[[^\]]*(dotted|dashed)", arrow, re.IGNORECASE))
    return Edge(source=a, target=b, label=_label(m.group("text") or ""), directed=head_l or head_r,
                bidirectional=head_l and head_r, style="dotted" if dotted else "solid")
