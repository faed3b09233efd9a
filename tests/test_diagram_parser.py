"""Mermaid parser: malformed input, the syntax real files use, and exact round trips."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dicmodel.diagram import Diagram, Edge, Group, Message, Node, parse_mermaid, validate_mermaid
from dicmodel.errors import MermaidSyntaxError, UnsupportedDiagramError


def signature(d: Diagram) -> tuple:
    """What a round trip must keep: labels, edges by label, messages in order, groups, title."""
    lab = d.label_of
    return (
        Counter(n.text for n in d.nodes),
        Counter((lab(e.source), lab(e.target), e.label, e.directed, e.bidirectional) for e in d.edges),
        [(lab(m.source), lab(m.target), m.text, m.reply) for m in d.messages],
        Counter((g.label or g.id, tuple(sorted(lab(m) for m in g.members))) for g in d.groups),
        d.title,
    )


def round_trip(d: Diagram) -> Diagram:
    return parse_mermaid(d.to_mermaid())


# ---- malformed input: the error names the line ------------------------------------------

MALFORMED = [
    ("unclosed bracket", "flowchart TD\n  A[Start --> B\n", 2),
    ("unclosed subgraph", "flowchart TD\n  A --> B\n  subgraph S\n  B --> C\n", 3),
    ("stray end", "flowchart TD\n  A --> B\n  end\n", 3),
    ("bad arrow", "flowchart TD\n  A --> B\n  B -> C\n", 3),
    ("unknown header", "%% comment\nflowchat TD\n A --> B\n", 2),
    ("bad direction", "flowchart XY\n A --> B\n", 1),
    ("empty", "  \n\n", 1),
    ("only comments", "%% nothing\n", 1),
    ("unclosed quote", "flowchart TD\n A --> B\n B[\"oops] --> C\n", 3),
    ("unclosed front matter", "---\ntitle: x\nflowchart TD\n", 1),
    ("sequence stray end", "sequenceDiagram\n A->>B: hi\n end\n", 3),
    ("sequence else outside", "sequenceDiagram\n A->>B: hi\n else no\n", 3),
    ("sequence unclosed loop", "sequenceDiagram\n A->>B: hi\n loop every 5s\n A->>B: again\n", 3),
    ("sequence junk", "sequenceDiagram\n A->>B: hi\n ???\n", 3),
    ("state unclosed composite", "stateDiagram-v2\n [*] --> X\n state X {\n A --> B\n", 3),
    ("state stray brace", "stateDiagram-v2\n A --> B\n }\n", 3),
    ("class bad relation", "classDiagram\n A <|-- B\n A ==> B\n", 3),
    ("er bad relation", "erDiagram\n A ||--o{ B : x\n A <> B\n", 3),
    ("er unclosed block", "erDiagram\n A ||--o{ B : x\n B {\n string id\n", 3),
    ("class unclosed body", "classDiagram\n class A {\n +int x\n", 2),
    ("class unclosed namespace", "classDiagram\n namespace N {\n class A\n", 2),
]


@pytest.mark.parametrize("name,text,line", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_mermaid_raises_with_line(name, text, line):
    with pytest.raises(MermaidSyntaxError) as info:
        parse_mermaid(text)
    assert info.value.line == line
    assert validate_mermaid(text)  # the same problem, as a message


def test_unsupported_kind_is_its_own_error():
    with pytest.raises(UnsupportedDiagramError) as info:
        parse_mermaid("pie title Pets\n \"Dogs\" : 386\n")
    assert info.value.line == 1


def test_non_string_input():
    with pytest.raises(MermaidSyntaxError):
        parse_mermaid(b"flowchart TD")  # type: ignore[arg-type]


# ---- syntax found in real files ----------------------------------------------------------

def test_multi_line_quoted_labels_keep_the_line_of_their_start():
    d = parse_mermaid('flowchart LR\nsid-1["\n\n提交申请\n熊大\n"];\nsid-2["结束"]\nsid-1 --> sid-2\n')
    assert [n.label for n in d.nodes] == ["提交申请 熊大", "结束"]
    assert [(e.source, e.target) for e in d.edges] == [("sid-1", "sid-2")]


def test_markdown_strings_lose_their_markers():
    d = parse_mermaid('flowchart LR\n a("`The **cat**\n  in the _hat_`") -- "`Bold **edge**`" --> b\n'
                      'subgraph "`**Two**`"\n  b\nend\n')
    assert d.node("a").label == "The cat in the hat"
    assert d.edges[0].label == "Bold edge"
    assert d.groups[0].label == "Two"


@pytest.mark.parametrize("src,shape", [
    ("A[/in/]", "parallelogram"), ("A[\\in\\]", "parallelogram"), ("A[/in\\]", "trapezoid"),
    ("A[\\in/]", "trapezoid"), ("A{{in}}", "hexagon"), ("A[(in)]", "cylinder"),
    ("A(((in)))", "double_circle"), ("A>in]", "asymmetric"), ("A([in])", "stadium"),
])
def test_shapes(src, shape):
    d = parse_mermaid(f"flowchart TB\n{src} <-->|both| B[/x\\]\n")
    assert d.node("A").shape == shape and d.node("A").label == "in"
    assert d.node("B").shape == "trapezoid"
    assert d.edges[0].bidirectional and d.edges[0].label == "both"


def test_link_text_without_spaces_and_odd_ids():
    d = parse_mermaid("flowchart LR\n running --waiting for Resource--> blocked\n"
                      " systemd --mounts --> /\n / --- Userspace\n A-->B-->C\n")
    edges = [(e.source, e.target, e.label) for e in d.edges]
    assert edges == [("running", "blocked", "waiting for Resource"), ("systemd", "/", "mounts"),
                     ("/", "Userspace", ""), ("A", "B", ""), ("B", "C", "")]
    assert d.edges[2].directed is False


def test_acc_descr_block_and_title():
    d = parse_mermaid("---\ntitle: Big decisions\n---\ngraph LR\n accTitle: t\n accDescr {\n"
                      "  The official process\n  for decisions.\n }\n A[Identify] --> B{Decide}\n")
    assert d.title == "Big decisions" and len(d.nodes) == 2
    assert round_trip(d).title == "Big decisions"


def test_subgraph_listed_inside_another_is_nested():
    d = parse_mermaid("graph TD\n subgraph MH1[Hypervisor]\n  N1[NIC]\n end\n"
                      " subgraph V99[VLAN 99]\n  MH1\n  MS\n end\n")
    assert {g.id: g.parent for g in d.groups} == {"MH1": "V99", "V99": None}
    assert signature(round_trip(d)) == signature(d)


def test_sequence_par_over_alias_config_and_semicolons():
    d = parse_mermaid('sequenceDiagram\n participant API@{ "type": "boundary", "alias": "Public API" }\n'
                      " participant DB as User DB\n par_over Section\n  API->>DB: Query;\n end\n"
                      " DB-->>API: rows #quot;1#quot;\n")
    assert [(n.id, n.label) for n in d.nodes] == [("API", "Public API"), ("DB", "User DB")]
    assert [(m.text, m.reply) for m in d.messages] == [("Query", False), ('rows "1"', True)]


def test_class_relations():
    d = parse_mermaid('classDiagram\n Animal <|-- Duck\n Class08 <--> C2: Cool label\n'
                      ' Student "1" --o "1" Bike : rides\n Class07 .. Class08\n'
                      " namespace Shapes {\n  class Square~T~ {\n   +int side\n  }\n }\n"
                      ' class Circle["Round thing"]\n')
    e = {(x.source, x.target): x for x in d.edges}
    assert e[("Duck", "Animal")].directed and not e[("Duck", "Animal")].bidirectional
    assert e[("Class08", "C2")].bidirectional and e[("Class08", "C2")].label == "Cool label"
    assert e[("Student", "Bike")].label == "rides"
    assert not e[("Class07", "Class08")].directed and e[("Class07", "Class08")].style == "dotted"
    assert d.groups[0].members == ["Square"]
    assert d.node("Circle").label == "Round thing"


def test_er_names_aliases_classes_and_word_relationships():
    d = parse_mermaid('erDiagram\n "Person . CUSTOMER"||--o{ ORDER : places\n'
                      " CAR ::: Pine {\n  string make \"Car make }\"\n }\n"
                      " PERSON:::foo ||--|| CAR : owns\n PERSON o{--|| HOUSE:::bar : has\n"
                      " MANUFACTURER only one to zero or more CAR : makes\n"
                      ' p[Person] {\n  int id\n }\n p ||--o| a : "has<br />one"\n'
                      " _**testẽζ😀**_ {\n  int x\n }\n")
    edges = [(e.source, e.target, e.label) for e in d.edges]
    assert edges == [("Person . CUSTOMER", "ORDER", "places"), ("PERSON", "CAR", "owns"),
                     ("PERSON", "HOUSE", "has"), ("MANUFACTURER", "CAR", "makes"),
                     ("p", "a", "has one")]
    assert d.node("p").label == "Person"
    assert d.node("_**testẽζ😀**_") is not None
    assert all(not e.directed for e in d.edges)


def test_state_composites_scope_their_pseudo_states():
    d = parse_mermaid("stateDiagram-v2\n [*] --> First\n state First {\n  [*] --> Second\n"
                      "  state Second {\n   [*] --> second\n  }\n }\n")
    first = next(g for g in d.groups if g.id == "First")
    assert first.members.count("Second") == 1
    assert signature(round_trip(d)) == signature(d)


# ---- round trips -------------------------------------------------------------------------

_ALPHABET = ("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 "
             "  \"'#;:<>&|[](){}/\\-_.,!?*%`~+= é ü ß Ω 网络 接入 核心网 基站 用户设备 😀 ")


def _label(rng: random.Random) -> str:
    raw = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 18)))
    text = " ".join(raw.split())
    return text or "x"


def _random_flowchart(rng: random.Random) -> Diagram:
    n = rng.randint(1, 9)
    ids = [rng.choice(["n", "node_", "基站", "end", "a-b", "1", "😀"]) + str(i) for i in range(n)]
    shapes = ["box", "round", "stadium", "circle", "diamond", "hexagon", "cylinder", "trapezoid"]
    d = Diagram(kind="flowchart", direction=rng.choice(["TD", "LR"]),
                nodes=[Node(id=i, label=_label(rng), shape=rng.choice(shapes)) for i in ids])
    for _ in range(rng.randint(0, 2 * n)):
        directed = rng.random() < 0.7
        d.edges.append(Edge(source=rng.choice(ids), target=rng.choice(ids),
                            label=_label(rng) if rng.random() < 0.5 else "", directed=directed,
                            bidirectional=directed and rng.random() < 0.2))
    if n > 2 and rng.random() < 0.5:
        d.groups.append(Group(id="g1", label=_label(rng), members=ids[:2]))
    if rng.random() < 0.3:
        d.title = _label(rng)
    return d


def _random_sequence(rng: random.Random) -> Diagram:
    ids = [f"p{i}" for i in range(rng.randint(1, 5))]
    d = Diagram(kind="sequence", nodes=[Node(id=i, label=_label(rng), shape="participant") for i in ids])
    for _ in range(rng.randint(0, 8)):
        d.messages.append(Message(source=rng.choice(ids), target=rng.choice(ids),
                                  text=_label(rng), reply=rng.random() < 0.3,
                                  arrow=rng.choice(["filled", "open", "cross", "async"])))
    return d


def _random_state(rng: random.Random) -> Diagram:
    ids = [f"s{i}" for i in range(rng.randint(1, 6))]
    d = Diagram(kind="state", nodes=[Node(id="[*]start", label="start", shape="start")]
                + [Node(id=i, label=_label(rng), shape="state") for i in ids])
    d.edges.append(Edge(source="[*]start", target=ids[0]))
    for _ in range(rng.randint(0, 8)):
        d.edges.append(Edge(source=rng.choice(ids), target=rng.choice(ids),
                            label=_label(rng) if rng.random() < 0.6 else ""))
    return d


@pytest.mark.parametrize("seed", range(60))
def test_generated_diagrams_round_trip_exactly(seed):
    rng = random.Random(seed)
    for make in (_random_flowchart, _random_sequence, _random_state):
        d = make(rng)
        text = d.to_mermaid()
        again = parse_mermaid(text)
        assert signature(again) == signature(d), text
        assert [m.arrow for m in again.messages] == [m.arrow for m in d.messages]


def _devset_files(devset):
    files = sorted((devset / "mermaid").glob("*.mmd"))
    if not files:
        pytest.skip("no Mermaid files in the devset")
    return files


def test_devset_mermaid_parses_and_round_trips(devset):
    kinds: Counter = Counter()
    for path in _devset_files(devset):
        text = path.read_text(encoding="utf-8")
        try:
            d = parse_mermaid(text)
        except UnsupportedDiagramError:
            kinds["unsupported"] += 1
            continue
        kinds[d.kind] += 1
        assert d.nodes or d.messages, path.name
        assert signature(round_trip(d)) == signature(d), path.name
    # every graph-like kind of the devset is read (others are declared unsupported)
    assert {"flowchart", "sequence", "state", "class", "er"} <= set(kinds)


def test_inline_comments_are_dropped_outside_quotes():
    d = parse_mermaid('stateDiagram-v2\n Moving --> Still %% another comment\n'
                      'state "50%% done" as Half\n')
    assert [n.id for n in d.nodes] == ["Moving", "Still", "Half"]
    assert d.node("Half").label == "50%% done"


def test_mermaid11_shape_syntax_with_bare_and_quoted_labels():
    d = parse_mermaid('flowchart LR\nA1@{ shape: bang, label: bang }\n'
                      'A2@{ shape: lean-r, label: "in, out }" } --> A3@{shape: diam}\n'
                      "S@{ shape: sm-circ } --> A1\n")
    assert [(n.id, n.label, n.shape) for n in d.nodes] == [
        ("A1", "bang", "box"), ("A2", "in, out }", "parallelogram"), ("A3", "", "diamond"),
        ("S", "", "start")]
    assert [(e.source, e.target) for e in d.edges] == [("A2", "A3"), ("S", "A1")]
    again = round_trip(d)
    assert [(n.text, n.shape) for n in again.nodes] == [(n.text, n.shape) for n in d.nodes]


def test_unicode_and_emoji_ids():
    d = parse_mermaid("flowchart LR\n 😀节点 --> 基站😀[基站 😀]\n")
    assert [(n.id, n.text) for n in d.nodes] == [("😀节点", "😀节点"), ("基站😀", "基站 😀")]
    d = parse_mermaid("stateDiagram-v2\n 😀 --> 状态 : 触发\n")
    assert [(e.source, e.target, e.label) for e in d.edges] == [("😀", "状态", "触发")]


def test_state_class_shorthand_is_not_a_transition_label():
    d = parse_mermaid("""stateDiagram
  classDef bad fill:#f00
  [*] --> Still:::calm
  Still --> Moving:::fast : go
  Crash:::bad --> [*]
""")
    assert sorted(n.text for n in d.nodes if n.shape == "state") == ["Crash", "Moving", "Still"]
    labels = {(d.label_of(e.source), d.label_of(e.target)): e.label for e in d.edges}
    assert labels[("Still", "Moving")] == "go"
    assert labels[("start", "Still")] == ""
    assert ("Crash", "end") in labels


def test_state_class_uses_are_dropped_from_ids_but_not_from_labels():
    d = parse_mermaid("stateDiagram-v2\n  A:::hot --> B-x:::cold : go:::now\n  C.d:::x --> [*]\n")
    assert [(e.source, e.target, e.label) for e in d.edges][0] == ("A", "B-x", "go:::now")
    assert {n.id for n in d.nodes} >= {"A", "B-x", "C.d"}


def test_a_redefined_node_takes_its_last_definition_like_mermaid_draws_it():
    # devset 162.mmd defines ISPRWAN[ISP Router WAN] and later ISPRWAN[WAN NIC]: the picture
    # says "WAN NIC"; a bare reference in between changes nothing
    d = parse_mermaid("graph TD\n A[one] --> B\n B --> A\n A{two}\n B[bee]\n A --> B\n")
    assert [(n.id, n.label, n.shape) for n in d.nodes] == [("A", "two", "diamond"), ("B", "bee", "box")]


def test_mermaid_symbol_shapes_drop_the_label_they_do_not_draw():
    d = parse_mermaid("flowchart LR\n A@{ shape: bolt, label: bolt }\n B@{ shape: cross-circ, label: x }\n"
                      " C@{ shape: bang, label: bang }\n A --> B --> C\n")
    assert [(n.id, n.label) for n in d.nodes] == [("A", ""), ("B", ""), ("C", "bang")]


def test_a_shape_only_redefinition_keeps_the_earlier_label():
    d = parse_mermaid("flowchart LR\n A[Hello] --> B\n A@{ shape: rounded }\n")
    assert (d.node("A").label, d.node("A").shape) == ("Hello", "round")
