"""The Mermaid parser under hostile input (issue 20): no hang, no RecursionError, no untyped error.

Tests never time anything. The inputs are sized so that the code before the fix took minutes
(catastrophic regex backtracking, quadratic scans, an endless parent walk) or crashed, so a
regression shows as a hanging suite; with the fix each test takes well under a second.
Measured before the fix (same inputs, 60 s limit): many-space link text, 20k-node flowchart,
self-adopting subgraph and blanks in a class line were killed at 60 s, a 20,000-item markdown
label took 28 s, 1,000-deep subgraphs raised RecursionError, and a BOM was an unknown header.
"""

from __future__ import annotations

import random

import pytest

from dicmodel import diagram as D
from dicmodel.diagram import Diagram, Group, Node, parse_mermaid
from dicmodel.errors import MermaidSyntaxError
from dicmodel.testing.mermaid_faults import mutate


def test_link_text_of_many_blanks():
    d = parse_mermaid("flowchart TD\nA -- " + " " * 90_000 + "x")  # no end token: a plain link
    assert [(e.source, e.target, e.directed) for e in d.edges] == [("A", "x", False)]
    d = parse_mermaid("flowchart TD\nA -- " + " " * 45_000 + "yes" + " " * 45_000 + "--> B")
    assert [(e.source, e.target, e.label) for e in d.edges] == [("A", "B", "yes")]


def test_many_links_without_text_end_on_one_line():
    # each '--' scanned the rest of the line for an end token: quadratic in the line
    chain = " -- ".join(f"n{i}" for i in range(9_000))
    d = parse_mermaid("flowchart LR\n" + chain)
    assert len(d.edges) == 8_999 and not d.edges[0].directed


def test_line_over_the_limit_names_it_and_quotes_200_characters():
    with pytest.raises(MermaidSyntaxError) as err:
        parse_mermaid("flowchart TD\nA[" + "x" * (D.MAX_LINE_CHARS + 1) + "]")
    assert "MAX_LINE_CHARS" in str(err.value) and err.value.line == 2
    assert len(err.value.text) <= 201 and err.value.text.endswith("\u2026")
    assert len(str(err.value)) < 400


def test_long_line_under_the_limit():
    d = parse_mermaid("flowchart TD\nA[" + "x" * (D.MAX_LINE_CHARS - 10) + "]")
    assert len(d.nodes[0].label) == D.MAX_LINE_CHARS - 10


def test_total_size_limit(monkeypatch):
    monkeypatch.setattr(D, "MAX_MERMAID_CHARS", 1_000)
    with pytest.raises(MermaidSyntaxError, match="MAX_MERMAID_CHARS"):
        parse_mermaid("flowchart TD\n" + "A-->B\n" * 200)


def test_ten_thousand_node_flowchart_through_every_form():
    # the issue's reproducer; the old code took ~15 s here (linear scans per node and per label)
    text = "flowchart TD\n" + "\n".join(f"n{i}[node {i}] --> n{i + 1}" for i in range(10_000))
    d = parse_mermaid(text)
    assert len(d.nodes) == 10_001 and len(d.edges) == 10_000
    assert d.node("n9999").label == "node 9999"
    prose = d.to_prose()
    assert prose.startswith("The flowchart has 10001 elements and 10000 connections.")
    assert "node 9999 leads to n10000." in prose
    out = d.to_mermaid()
    assert out.count("\n") == 1 + 10_001 + 10_000


def test_id_index_makes_node_lookups_constant():
    # 50,000 nodes added and looked up: the old linear scan per call took about a minute
    d = Diagram()
    for i in range(50_000):
        d.add_node(f"n{i}", f"label {i}")
    assert all(d.label_of(f"n{i}") == f"label {i}" for i in range(0, 50_000, 3))
    assert d.node("missing") is None and d.label_of("missing") == "missing"
    # edits made directly on the lists are seen: sort, replace an item, remove, reassign
    d.nodes.sort(key=lambda n: n.id, reverse=True)
    first = d.nodes[0].id
    d.nodes[0] = Node(id=first, label="new")
    assert d.node(first).label == "new" and d.node("n0").label == "label 0"
    d.nodes.remove(d.node("n1"))
    assert d.node("n1") is None and d.node("n2").label == "label 2"
    d.nodes = [Node(id="only")]
    assert d.node("n5") is None and d.node("only") is not None
    assert Diagram(nodes=[Node(id="only")]) == d  # the index is not part of equality or dumps
    assert "_idx" not in d.model_dump_json()


def test_self_adopting_subgraph_does_not_hang():
    # the inner 'A' names itself as parent; C (inside it) lists the later subgraph Y, and the
    # walk up from C to check for a cycle went round A forever
    d = parse_mermaid("flowchart TD\nsubgraph A\nsubgraph A\nsubgraph C\nX\nY\nend\nend\nend\n"
                      "subgraph Y\nZ\nend")
    assert [g.id for g in d.groups] == ["A", "A", "C", "Y"]
    assert d.groups[1].parent == "A" and d.group("Y").parent is None  # not moved into a loop
    assert d.to_mermaid().count("subgraph") == 4
    assert "C contains X and Y" in d.to_prose()


def test_cycle_of_listed_subgraphs():
    d = parse_mermaid("flowchart TD\nsubgraph A\nB\nend\nsubgraph B\nA\nend")
    assert d.group("B").parent == "A" and d.group("A").parent is None  # the cycle is not closed
    assert parse_mermaid(d.to_mermaid()).group("B").parent == "A"


def test_hand_built_parent_cycle_and_self_parent_render():
    d = Diagram(nodes=[Node(id="x")], groups=[Group(id="A", members=["x"]), Group(id="A", parent="A"),
                                               Group(id="P", parent="Q"), Group(id="Q", parent="P")])
    text = d.to_mermaid()
    assert text.count("subgraph") == 2  # each reachable group once; the P/Q loop is unreachable
    assert "contains" in d.to_prose()


def test_thousand_deep_subgraphs():
    text = ("flowchart TD\n" + "".join(f"subgraph g{i}\n" for i in range(1000)) + "x\n"
            + "end\n" * 1000)
    with pytest.raises(MermaidSyntaxError, match=r"MAX_DEPTH \(64\)") as err:
        parse_mermaid(text)
    assert err.value.line == 2 + D.MAX_DEPTH
    # built in code, a 1,000-deep Diagram renders and describes without recursion
    groups = [Group(id=f"g{i}", parent=f"g{i - 1}" if i else None,
                    members=[f"g{i + 1}"] if i < 999 else ["x"]) for i in range(1000)]
    d = Diagram(nodes=[Node(id="x")], groups=groups)
    out = d.to_mermaid()
    assert out.count("subgraph") == 1000 and out.count("end") == 1000
    assert "g999 contains x" in d.to_prose()
    state = Diagram(kind="state", nodes=[Node(id="x", shape="state")], groups=groups)
    assert state.to_mermaid().count("{") == 1000


def test_sixty_four_deep_subgraphs_parse_and_round_trip():
    text = ("flowchart TD\n" + "".join(f"subgraph g{i}\n" for i in range(D.MAX_DEPTH)) + "x\n"
            + "end\n" * D.MAX_DEPTH)
    d = parse_mermaid(text)
    assert d.group(f"g{D.MAX_DEPTH - 1}").members == ["x"]
    again = parse_mermaid(d.to_mermaid())
    assert again.groups == d.groups and [n.id for n in again.nodes] == ["x"]


def test_listing_subgraphs_deeper_than_the_limit():
    text = "flowchart TD\n" + "\n".join(f"subgraph g{i}\ng{i + 1}\nend" for i in range(200))
    with pytest.raises(MermaidSyntaxError, match="MAX_DEPTH"):
        parse_mermaid(text)


def test_deep_composite_states():
    text = ("stateDiagram-v2\n" + "".join(f"state S{i} {{\n" for i in range(1000)) + "[*] --> X\n"
            + "}\n" * 1000)
    with pytest.raises(MermaidSyntaxError, match="MAX_DEPTH"):
        parse_mermaid(text)


def test_deep_namespaces():
    text = "classDiagram\n" + "".join(f"namespace N{i} {{\n" for i in range(1000)) + "}\n" * 1000
    with pytest.raises(MermaidSyntaxError, match="MAX_DEPTH"):
        parse_mermaid(text)


def test_byte_order_mark():
    d = parse_mermaid("\ufeffflowchart TD\nA-->B")
    assert [(e.source, e.target) for e in d.edges] == [("A", "B")]
    assert parse_mermaid("\ufeffsequenceDiagram\nA->>B: hi").messages[0].text == "hi"


def test_huge_labels():
    d = parse_mermaid('flowchart TD\nA["' + "word " * 18_000 + '"] --> B')
    assert d.nodes[0].label == ("word " * 18_000).strip()
    # markdown emphasis and HTML-like tags: each start once rescanned the rest of the label
    d = parse_mermaid('flowchart TD\nA["`' + "_a " * 20_000 + '`"]')
    assert d.nodes[0].label.startswith("_a _a")
    d = parse_mermaid('flowchart TD\nA["' + "<b " * 20_000 + '"]')
    assert d.nodes[0].label.startswith("#lt;b") or d.nodes[0].label.startswith("<b")


def test_blanks_in_sequence_state_class_er_lines():
    n = 45_000
    d = parse_mermaid("sequenceDiagram\nparticipant a" + " " * n + "b")
    assert d.nodes[0].id.startswith("a") and d.nodes[0].id.endswith("b")
    d = parse_mermaid("sequenceDiagram\nA->>B" + " " * n + ": hi")
    assert (d.messages[0].target, d.messages[0].text) == ("B", "hi")
    d = parse_mermaid("stateDiagram-v2\nA" + " " * n + "--> B" + " " * n + ": go")
    assert (d.edges[0].source, d.edges[0].target, d.edges[0].label) == ("A", "B", "go")
    for text in ("classDiagram\nclass A" + " " * n + "x", "classDiagram\nA" + "." * n + "x y",
                 "erDiagram\nA" + " " * n + "x", "flowchart TD\nA@{ " + "a" * n + " }\nA-->B"):
        try:
            parse_mermaid(text)
        except MermaidSyntaxError as err:
            assert len(str(err)) < 500


def test_blanks_before_a_split_title_or_a_colonless_note():
    # both regexes split a run of blanks in every way before failing: quadratic
    with pytest.raises(MermaidSyntaxError):
        parse_mermaid('flowchart TD\nsubgraph' + " " * 45_000 + '"a\nb"\nx\nend')
    d = parse_mermaid("sequenceDiagram\nnote over" + " " * 45_000 + "A: hi\nA->>B: x")
    assert d.notes == ["hi"]
    with pytest.raises(MermaidSyntaxError):
        parse_mermaid("sequenceDiagram\nnote over" + " " * 90_000 + "x")


def test_node_and_edge_limits(monkeypatch):
    monkeypatch.setattr(D, "MAX_NODES", 100)
    with pytest.raises(MermaidSyntaxError, match="MAX_NODES"):
        parse_mermaid("flowchart TD\n" + "\n".join(f"n{i}" for i in range(101)))
    with pytest.raises(MermaidSyntaxError, match="MAX_NODES"):
        parse_mermaid("sequenceDiagram\n" + "\n".join(f"P{i}->>P{i + 1}: x" for i in range(100)))
    monkeypatch.setattr(D, "MAX_NODES", 50_000)
    monkeypatch.setattr(D, "MAX_EDGES", 1_000)
    # 'a & b --> c & d' makes every pair: 300 x 300 is refused before it is built
    amp = " & ".join(f"a{i}" for i in range(300)) + " --> " + " & ".join(f"b{i}" for i in range(300))
    with pytest.raises(MermaidSyntaxError, match="MAX_EDGES"):
        parse_mermaid("flowchart TD\n" + amp)
    with pytest.raises(MermaidSyntaxError, match="MAX_EDGES"):
        parse_mermaid("stateDiagram-v2\n" + "\n".join(f"S{i % 10} --> S{i % 7}" for i in range(1001)))


def test_unclosed_quote_over_many_lines():
    text = 'flowchart TD\nA["' + "x\n" * 200_000
    with pytest.raises(MermaidSyntaxError) as err:
        parse_mermaid(text)
    assert err.value.line == 2 and len(str(err.value)) < 500


# ---- garbage: every error is a MermaidSyntaxError ------------------------------------------

def test_mutated_devset_mermaid_raises_only_mermaid_syntax_errors(devset):
    sources = [p.read_text(encoding="utf-8") for p in sorted((devset / "mermaid").glob("*.mmd"))]
    assert sources
    rng = random.Random(20)
    parsed = failed = 0
    for _ in range(300):
        text = mutate(rng.choice(sources), rng)
        try:
            d = parse_mermaid(text)
        except MermaidSyntaxError as err:
            assert len(str(err)) < 1_000
            failed += 1
            continue
        d.to_mermaid()
        d.to_prose()
        parsed += 1
    assert parsed and failed  # the mutations exercise both outcomes
