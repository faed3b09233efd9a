"""DOT -> Diagram through Graphviz: nodes, labels, edge directions, clusters, errors."""

from __future__ import annotations

import shutil

import pytest

from dicmodel.dot import dot_label_text, parse_dot
from dicmodel.errors import ConfigError, RenderError

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")


def _edges(d):
    return {(e.source, e.target, e.label, e.directed, e.bidirectional) for e in d.edges}


@needs_dot
def test_digraph_nodes_labels_and_edge_chain():
    d = parse_dot('digraph G { rankdir=LR; a [label="Alpha\\nnode"]; a -> b -> c [label="go"]; }')
    assert [n.id for n in d.nodes] == ["a", "b", "c"]
    assert d.node("a").label == "Alpha node"
    assert d.node("b").label == "b"  # the default label is the node name
    assert _edges(d) == {("a", "b", "go", True, False), ("b", "c", "go", True, False)}
    assert d.direction == "LR"


@needs_dot
def test_undirected_graph_gives_undirected_edges():
    d = parse_dot("graph { r1 -- sw1; r2 -- sw1; }")
    assert all(not e.directed for e in d.edges)
    assert {(e.source, e.target) for e in d.edges} == {("r1", "sw1"), ("r2", "sw1")}


@needs_dot
def test_dir_attributes_swap_and_mark_both_ends():
    d = parse_dot("digraph { a -> b [dir=back]; a -> c [dir=both]; a -> d [dir=none]; }")
    got = {(e.source, e.target): (e.directed, e.bidirectional) for e in d.edges}
    assert got == {("b", "a"): (True, False), ("a", "c"): (True, True), ("a", "d"): (False, False)}


@needs_dot
def test_nested_clusters_become_groups_and_plain_subgraphs_do_not():
    d = parse_dot("""digraph {
        subgraph cluster_dc { label="Data centre"; fw;
            subgraph cluster_rack { label="Rack 1"; srv1; srv2; } }
        subgraph same_rank { rank=same; x; y; }
        fw -> srv1; x -> y;
    }""")
    groups = {g.id: g for g in d.groups}
    assert set(groups) == {"cluster_dc", "cluster_rack"}
    assert groups["cluster_dc"].label == "Data centre"
    assert groups["cluster_rack"].parent == "cluster_dc"
    assert sorted(groups["cluster_rack"].members) == ["srv1", "srv2"]
    assert "fw" in groups["cluster_dc"].members and "srv1" not in groups["cluster_dc"].members


@needs_dot
def test_record_and_html_labels_reduce_to_text():
    d = parse_dot("""digraph { node [shape=record];
        s [label="{<f0> eth0|<f1> eth1\\ up|<f2> lo}"];
        h [shape=box, label=<<b>MME</b><br/>S1-AP>];
        s:f1 -> h; }""")
    assert d.node("s").label == "eth0 eth1 up lo"
    assert d.node("h").label == "MME S1-AP"
    assert _edges(d) == {("s", "h", "", True, False)}


@needs_dot
def test_invisible_nodes_and_edges_are_left_out():
    d = parse_dot("digraph { a -> b; b -> hidden; hidden [style=invis]; a -> c [style=invis]; }")
    assert {n.id for n in d.nodes} == {"a", "b", "c"}
    assert {(e.source, e.target) for e in d.edges} == {("a", "b")}


@needs_dot
def test_syntax_error_raises_render_error_with_graphviz_message():
    with pytest.raises(RenderError, match="Graphviz could not read"):
        parse_dot("digraph { a -> ; }")


def test_empty_or_non_string_input_is_a_config_error():
    with pytest.raises(ConfigError, match="empty"):
        parse_dot("   ")
    with pytest.raises(ConfigError, match="must be a str"):
        parse_dot(b"digraph {}")  # type: ignore[arg-type]


def test_label_text_escapes_without_graphviz():
    assert dot_label_text("\\N", name="r1") == "r1"
    assert dot_label_text("R1\\lFRR\\r", name="x") == "R1 FRR"
    assert dot_label_text("<f0> a|{b|<p> c}", shape="record") == "a b c"
    assert dot_label_text("x &amp; <i>y</i>") == "x & y"
