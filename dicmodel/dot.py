"""Graphviz DOT -> :class:`~dicmodel.diagram.Diagram`, for ground truth and for DOT inputs.

Graphviz itself reads the DOT text (``dot -Tjson``), so everything the language allows (ports,
attribute defaults, ``strict``, edge chains ``a -> b -> c``, subgraph edges) is resolved the way
the renderer resolves it, and the result matches what a rendered figure shows:

- nodes keep their Graphviz shape (mapped onto :class:`~dicmodel.diagram.Node` shapes) and their
  label as plain text: escapes (``\\N``, ``\\n``, ``\\l``) expanded, record labels reduced to their
  field texts, HTML labels reduced to their text;
- clusters (``subgraph cluster_*``) become :class:`~dicmodel.diagram.Group` (nested via
  ``parent``); other subgraphs only scope attributes and are not drawn, so they are dropped;
- ``graph`` (undirected) gives ``directed=False`` edges; ``dir=back`` swaps the ends,
  ``dir=both`` marks the edge bidirectional, ``dir=none`` makes it undirected;
- invisible nodes and edges (``style=invis``) are left out: a reader cannot see them.

Errors: a missing ``dot`` binary or a DOT syntax error raise :class:`~dicmodel.errors.RenderError`
with Graphviz's message; a non-string or empty input raises :class:`~dicmodel.errors.ConfigError`.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from typing import Any

from .diagram import Diagram, Edge, Group
from .errors import ConfigError, RenderError

__all__ = ["dot_label_text", "parse_dot"]

_SHAPES = {
    "box": "box", "rect": "box", "rectangle": "box", "square": "box", "record": "box",
    "Mrecord": "round", "ellipse": "ellipse", "oval": "ellipse", "circle": "circle",
    "doublecircle": "double_circle", "point": "circle", "diamond": "diamond",
    "Mdiamond": "diamond", "hexagon": "hexagon", "parallelogram": "parallelogram",
    "trapezium": "trapezoid", "invtrapezium": "trapezoid", "cylinder": "cylinder",
    "octagon": "hexagon", "doubleoctagon": "hexagon", "egg": "ellipse", "plaintext": "box",
    "plain": "box", "none": "box", "note": "box", "tab": "box", "folder": "box",
    "box3d": "box", "component": "subroutine", "Msquare": "box", "house": "box",
}
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_TIMEOUT_S = 120


def parse_dot(text: str, *, timeout_s: float = _TIMEOUT_S) -> Diagram:
    """Parse Graphviz DOT text into a Diagram (nodes, edges with labels, clusters as groups)."""
    if not isinstance(text, str):
        raise ConfigError(f"DOT text must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ConfigError("DOT text is empty: expected 'digraph { ... }' or 'graph { ... }'")
    graph = _graphviz_json(text, timeout_s)
    return _diagram_of(graph)


def _graphviz_json(text: str, timeout_s: float) -> dict[str, Any]:
    exe = shutil.which("dot")
    if exe is None:
        raise RenderError("the Graphviz 'dot' binary is not on PATH; install Graphviz "
                          "(Debian/Ubuntu: apt-get install graphviz) to read DOT files")
    try:
        proc = subprocess.run([exe, "-Tjson"], input=text, capture_output=True, text=True,
                              check=False, timeout=timeout_s)
    except subprocess.TimeoutExpired as err:
        raise RenderError(f"Graphviz did not finish laying out the graph within {timeout_s} s") from err
    if proc.returncode != 0 or not proc.stdout.strip():
        msg = (proc.stderr or "no output").strip()
        raise RenderError(f"Graphviz could not read the DOT text: {msg}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as err:
        raise RenderError(f"Graphviz produced unreadable JSON: {err}") from err


# ---- labels -------------------------------------------------------------------------------

def _expand_escapes(label: str, node: str = "", graph: str = "") -> str:
    label = label.replace("\\N", node).replace("\\G", graph)
    label = re.sub(r"\\[nlr]", "\n", label)
    label = re.sub(r"\\(.)", r"\1", label)  # \  \{ \| \" and friends stand for the character
    return label


def _record_fields(label: str) -> list[str]:
    """Field texts of a record label like ``{<f0> a|{b|<p> c}}`` (ports and braces dropped)."""
    fields, buf, i = [], [], 0
    while i < len(label):
        ch = label[i]
        if ch == "\\" and i + 1 < len(label):
            buf.append(label[i:i + 2])
            i += 2
            continue
        if ch in "{}|":
            fields.append("".join(buf))
            buf = []
        elif ch == "<":
            end = label.find(">", i)
            i = end if end >= 0 else len(label)
        else:
            buf.append(ch)
        i += 1
    fields.append("".join(buf))
    return [f for f in fields if f.strip()]


def _squash(text: str) -> str:
    return " ".join(text.split())


def dot_label_text(label: str | None, *, name: str = "", shape: str = "", graph: str = "") -> str:
    """The text a reader sees for a Graphviz label (one line; fields and lines joined by spaces)."""
    if label is None or label == "\\N":
        return name
    if shape in ("record", "Mrecord"):
        parts = [_expand_escapes(f, name, graph) for f in _record_fields(label)]
        return _squash(" ".join(parts))
    if _HTML_TAG.search(label):
        text = re.sub(r"<br\s*/?>", " ", label, flags=re.IGNORECASE)
        return _squash(html.unescape(_HTML_TAG.sub(" ", text)))
    return _squash(_expand_escapes(label, name, graph))


# ---- graph --------------------------------------------------------------------------------

def _invisible(obj: dict[str, Any]) -> bool:
    return "invis" in str(obj.get("style") or "")


def _diagram_of(g: dict[str, Any]) -> Diagram:
    gname = str(g.get("name") or "")
    d = Diagram(kind="flowchart", direction=_direction(g.get("rankdir")))
    title = dot_label_text(g.get("label") or "", graph=gname)
    if title:
        d.title = title
    objects = g.get("objects") or []
    names: dict[int, str] = {}
    for obj in objects:
        if "nodes" in obj or "subgraphs" in obj:
            continue  # a subgraph
        names[obj["_gvid"]] = obj["name"]
        if _invisible(obj):
            continue
        shape = str(obj.get("shape") or "ellipse")
        label = dot_label_text(obj.get("label"), name=obj["name"], shape=shape, graph=gname)
        d.add_node(obj["name"], label, _SHAPES.get(shape, "box"))
    visible = {n.id for n in d.nodes}
    d.groups = _clusters(objects, names, visible, gname)
    directed = bool(g.get("directed", True))
    for e in g.get("edges") or []:
        edge = _edge(e, names, directed)
        if edge is not None and not _invisible(e) and {edge.source, edge.target} <= visible:
            d.edges.append(edge)
    return d


def _direction(rankdir: Any) -> str:
    r = str(rankdir or "TB").upper()
    return {"TB": "TD", "LR": "LR", "BT": "BT", "RL": "RL"}.get(r, "TD")


def _edge(e: dict[str, Any], names: dict[int, str], directed: bool) -> Edge | None:
    src, dst = names.get(e.get("tail")), names.get(e.get("head"))
    if src is None or dst is None:
        return None
    direction = str(e.get("dir") or ("forward" if directed else "none"))
    if direction == "back":
        src, dst = dst, src
    label = dot_label_text(e.get("label") or e.get("xlabel") or "", name="")
    style = str(e.get("style") or "")
    return Edge(source=src, target=dst, label=label,
                directed=direction in ("forward", "back", "both"),
                bidirectional=direction == "both",
                style="dotted" if ("dashed" in style or "dotted" in style) else
                ("thick" if "bold" in style else "solid"))


def _clusters(objects: list[dict[str, Any]], names: dict[int, str], visible: set[str],
              gname: str) -> list[Group]:
    """Clusters as groups; members are the nodes directly inside (not in a nested cluster)."""
    subs = {o["_gvid"]: o for o in objects if "nodes" in o or "subgraphs" in o}
    children = {sid for o in subs.values() for sid in (o.get("subgraphs") or [])}
    groups: list[Group] = []

    # depth first in the file's order, with an explicit stack: deep nesting cannot overflow
    # Python's recursion limit, and each subgraph is read once even if the JSON repeats it
    seen: set[int] = set()
    stack: list[tuple[int, str | None]] = [(sid, None) for sid in sorted(set(subs) - children, reverse=True)]
    while stack:
        sid, parent = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        o = subs[sid]
        here = parent
        if str(o.get("name", "")).startswith("cluster"):
            label = dot_label_text(o.get("label") or "", graph=gname)
            groups.append(Group(id=o["name"], label=label, parent=parent))
            here = o["name"]
        stack.extend((c, here) for c in reversed(o.get("subgraphs") or []) if c in subs)
    _fill_members(groups, subs, names, visible)
    return groups


def _fill_members(groups: list[Group], subs: dict[int, dict[str, Any]], names: dict[int, str],
                  visible: set[str]) -> None:
    nodes_of = {o["name"]: {names[n] for n in (o.get("nodes") or []) if n in names}
                for o in subs.values()}
    for g in groups:
        inner = set().union(*(nodes_of.get(c.id, set()) for c in groups if c.parent == g.id))
        g.members = sorted((nodes_of.get(g.id, set()) - inner) & visible)
        g.members += [c.id for c in groups if c.parent == g.id]
