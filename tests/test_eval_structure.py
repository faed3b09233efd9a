"""Structure scores on hand-checked diagram pairs."""

from __future__ import annotations

import pytest

from dicmodel.diagram import Diagram, Edge, Message, Node, parse_mermaid
from dicmodel.eval.structure import (
    PRF,
    MatchOptions,
    aggregate,
    label_similarity,
    match_labels,
    normalize_label,
    order_agreement,
    score_structure,
)

REF = parse_mermaid("""flowchart LR
    UE[User Equipment] --> ENB[eNodeB]
    ENB --> MME[MME]
    MME --> SGW[Serving Gateway]
    SGW --- PGW[PDN Gateway]
""")


def test_identical_diagram_scores_one():
    s = score_structure(REF, REF)
    assert (s.nodes.tp, s.nodes.n_pred, s.nodes.n_ref) == (5, 5, 5)
    assert s.edges.f1 == 1.0 and s.edges.tp == 4
    assert s.messages.f1 == 1.0 and s.messages.n_ref == 0  # both empty
    assert s.message_order is None


def test_ids_do_not_matter_labels_do():
    pred = parse_mermaid("""flowchart TD
    a["user equipment"] --> b[eNodeB]
    b --> c[mme]
    c --> d["Serving-Gateway"]
    d --- e[PDN gateway]
""")
    s = score_structure(pred, REF)
    assert s.nodes.f1 == 1.0 and s.edges.f1 == 1.0
    assert s.mapping == {"a": "UE", "b": "ENB", "c": "MME", "d": "SGW", "e": "PGW"}


def test_one_edge_reversed():
    pred = parse_mermaid("""flowchart LR
    UE[User Equipment] --> ENB[eNodeB]
    MME[MME] --> ENB
    MME --> SGW[Serving Gateway]
    SGW --- PGW[PDN Gateway]
""")
    s = score_structure(pred, REF)
    assert s.nodes.f1 == 1.0
    assert (s.edges.tp, s.edges.n_pred, s.edges.n_ref) == (3, 4, 4)
    assert s.edges.precision == pytest.approx(0.75) and s.edges.f1 == pytest.approx(0.75)
    loose = score_structure(pred, REF, MatchOptions(ignore_direction=True))
    assert loose.edges.f1 == 1.0


def test_one_node_renamed():
    pred = parse_mermaid("""flowchart LR
    UE[User Equipment] --> ENB[eNodeB]
    ENB --> X[Home Subscriber Server]
    X --> SGW[Serving Gateway]
    SGW --- PGW[PDN Gateway]
""")
    s = score_structure(pred, REF)
    assert (s.nodes.tp, s.nodes.n_pred, s.nodes.n_ref) == (4, 5, 5)
    assert s.nodes.recall == pytest.approx(0.8)
    # the two edges touching the renamed node cannot match
    assert (s.edges.tp, s.edges.n_pred) == (2, 4)
    assert s.edges.f1 == pytest.approx(0.5)


def test_empty_prediction_and_empty_reference():
    empty = Diagram()
    s = score_structure(empty, REF)
    assert s.nodes.precision == 0.0 and s.nodes.recall == 0.0 and s.nodes.f1 == 0.0
    assert s.edges.f1 == 0.0
    s = score_structure(REF, empty)
    assert s.nodes.precision == 0.0 and s.nodes.recall == 0.0
    s = score_structure(empty, empty)
    assert s.nodes.f1 == 1.0 and s.edges.f1 == 1.0


def test_undirected_matches_either_way_and_bidirectional_counts_both():
    ref = Diagram(nodes=[Node(id="a", label="A"), Node(id="b", label="B")],
                  edges=[Edge(source="a", target="b", directed=True, bidirectional=True)])
    one_way = Diagram(nodes=ref.nodes, edges=[Edge(source="b", target="a")])
    s = score_structure(one_way, ref)
    assert (s.edges.tp, s.edges.n_pred, s.edges.n_ref) == (1, 1, 2)
    undirected = Diagram(nodes=ref.nodes, edges=[Edge(source="b", target="a", directed=False)])
    s = score_structure(undirected, ref)
    assert (s.edges.tp, s.edges.n_pred, s.edges.n_ref) == (1, 1, 2)
    s = score_structure(ref, ref, MatchOptions(ignore_direction=True))
    assert (s.edges.tp, s.edges.n_pred, s.edges.n_ref) == (1, 1, 1)


def test_edge_labels_only_count_when_asked():
    ref = parse_mermaid("flowchart TD\n A[Start] -->|yes| B[Stop]\n")
    pred = parse_mermaid("flowchart TD\n A[Start] -->|no| B[Stop]\n")
    assert score_structure(pred, ref).edges.f1 == 1.0
    assert score_structure(pred, ref, MatchOptions(match_edge_labels=True)).edges.f1 == 0.0


SEQ = parse_mermaid("""sequenceDiagram
    participant UE
    participant MME
    participant HSS
    UE->>MME: Attach Request
    MME->>HSS: Authentication Information Request
    HSS-->>MME: Authentication Information Answer
    MME->>UE: Authentication Request
""")


def test_messages_identical_and_swapped():
    s = score_structure(SEQ, SEQ)
    assert s.messages.f1 == 1.0 and s.message_order == 1.0
    swapped = SEQ.model_copy(deep=True)
    swapped.messages[0], swapped.messages[3] = swapped.messages[3], swapped.messages[0]
    s = score_structure(swapped, SEQ)
    assert s.messages.f1 == 1.0
    # ref order of pred sequence: 3,1,2,0 -> concordant pairs: (1,2) only out of 6
    assert s.message_order == pytest.approx(1 / 6)


def test_message_with_wrong_receiver_or_text_does_not_match():
    pred = SEQ.model_copy(deep=True)
    pred.messages[0] = Message(source="UE", target="HSS", text="Attach Request")
    pred.messages[3] = Message(source="MME", target="UE", text="Detach Accept")
    s = score_structure(pred, SEQ)
    assert (s.messages.tp, s.messages.n_pred, s.messages.n_ref) == (2, 4, 4)
    assert s.message_order == 1.0


def test_repeated_messages_pair_in_order():
    ref = Diagram(kind="sequence", nodes=[Node(id="A"), Node(id="B")],
                  messages=[Message(source="A", target="B", text="ping"),
                            Message(source="B", target="A", text="pong"),
                            Message(source="A", target="B", text="ping")])
    s = score_structure(ref, ref)
    assert s.messages.tp == 3 and s.message_order == 1.0


def test_label_normalisation_and_similarity():
    assert normalize_label("  Serving_GW (S-GW)! ") == "serving gw s gw"
    assert normalize_label("ＡＭＦ") == "amf"  # full-width folded by NFKC
    assert label_similarity("接入网", "接入网") == 100.0
    assert label_similarity("MME", "HSS") < 50
    pairs = match_labels(["gNB", "AMF", "UPF"], ["UPF", "AMF", "SMF"])
    assert sorted((i, j) for i, j, _ in pairs) == [(1, 1), (2, 0)]


def test_order_agreement_edges():
    assert order_agreement([]) is None
    assert order_agreement([(0, 5)]) == 1.0
    assert order_agreement([(0, 2), (1, 1), (2, 0)]) == 0.0


def test_aggregate_micro_and_macro():
    a = score_structure(REF, REF)  # edges 4/4
    pred = parse_mermaid("flowchart LR\n UE[User Equipment] --> ENB[eNodeB]\n")
    b = score_structure(pred, REF)  # edges tp 1, pred 1, ref 4
    agg = aggregate([a, b])
    assert agg.n == 2
    assert agg.micro["edges"] == PRF(tp=5, n_pred=5, n_ref=8)
    assert agg.macro["edges"].recall == pytest.approx((1.0 + 0.25) / 2)
    assert agg.macro["messages"].n == 0 and agg.macro["messages"].f1 is None
    assert agg.message_order is None
    dumped = agg.model_dump()
    assert dumped["micro"]["edges"]["recall"] == pytest.approx(5 / 8)


def test_label_recall_in_text_for_text_only_peers():
    from dicmodel.eval.structure import label_recall_in_text

    ref = parse_mermaid('flowchart LR\n A["提交申请\n熊大"] --> B[Serving Gateway]\n B --> C[MME]\n')
    # a text extractor broke the two-line label and interleaved it with a neighbour
    got = label_recall_in_text("提交申请 serving-gateway\n熊大", ref)
    assert (got.tp, got.n_ref) == (2, 3) and got.recall == pytest.approx(2 / 3)
    assert label_recall_in_text("", ref).recall == 0.0


def test_pseudo_states_match_by_kind_not_by_their_hidden_names():
    # a fork/join bar shows no text: the source's names for it cannot be read off the figure
    ref = parse_mermaid("""stateDiagram-v2
    state fork_state <<fork>>
    state join_state <<join>>
    [*] --> fork_state
    fork_state --> A
    fork_state --> B
    A --> join_state
    B --> join_state
    join_state --> C
    C --> [*]
""")
    pred = parse_mermaid("""stateDiagram-v2
    state n5 <<fork>>
    state n2 <<fork>>
    [*] --> n2
    n2 --> A
    n2 --> B
    A --> n5
    B --> n5
    n5 --> C
    C --> [*]
""")
    s = score_structure(pred, ref)
    assert s.nodes.tp == s.nodes.n_ref == 7
    # the two bars are told apart by what they connect, so every transition maps right
    assert s.edges.tp == s.edges.n_ref == 7
    assert s.mapping["n2"] == "fork_state" and s.mapping["n5"] == "join_state"


def test_a_pseudo_state_never_matches_a_box_that_reads_like_its_kind():
    # a flowchart's "Start"/"End" boxes are text; a state diagram's discs are not
    ref = parse_mermaid("stateDiagram-v2\n    [*] --> Idle\n    Idle --> [*]\n")
    pred = parse_mermaid("flowchart LR\n    s[Start] --> i[Idle]\n    i --> e[End]\n")
    s = score_structure(pred, ref)
    assert s.nodes.tp == 1 and s.mapping == {"i": "Idle"}
    assert s.edges.tp == 0


def test_text_recall_does_not_ask_for_pseudo_states():
    from dicmodel.eval.structure import label_recall_in_text

    ref = parse_mermaid("stateDiagram-v2\n    [*] --> Idle\n    Idle --> Busy\n    Busy --> [*]\n")
    got = label_recall_in_text("Idle Busy start end", ref)
    assert (got.tp, got.n_ref) == (2, 2)


def test_equal_labels_are_paired_by_their_neighbours():
    ref = parse_mermaid("""flowchart LR
    A[Core] --> R1[Router]
    R1 --> H1[Host 1]
    A --> R2[Router]
    R2 --> H2[Host 2]
""")
    pred = parse_mermaid("""flowchart LR
    x[Router] --> y[Host 2]
    c[Core] --> z[Router]
    c --> x
    z --> w[Host 1]
""")
    s = score_structure(pred, ref)
    assert s.mapping["x"] == "R2" and s.mapping["z"] == "R1"
    assert s.edges.tp == 4


def test_pairs_whose_neighbours_repeat_too_line_up_by_wiring():
    # three red boxes each linked to a blue box: labels and neighbour labels all tie, only
    # the wiring tells which red goes with which blue
    ref = parse_mermaid("""flowchart LR
    A1[red] --> A2[blue]
    B1[red] --> B2[blue]
    C1[red] --> C2[blue]
""")
    pred = parse_mermaid("""flowchart LR
    x3[blue]
    x2[blue]
    y1[red] --> x1[blue]
    y2[red] --> x2
    y3[red] --> x3
""")
    s = score_structure(pred, ref)
    assert s.nodes.tp == 6
    assert s.edges.tp == s.edges.n_ref == 3


def test_a_leading_uml_stereotype_may_be_left_out_on_either_side():
    # draw.io class diagrams name a class "<<TOSCA>> Policy"; a reader keeps the stereotype
    # beside the name (a note), Mermaid's truth has none: both are the class Policy
    ref = Diagram(kind="class", nodes=[Node(id="a", label="<<TOSCA>> Policy"),
                                       Node(id="b", label="<<TOSCA>> PolicyType")],
                  edges=[Edge(source="a", target="b")])
    pred = Diagram(kind="class", nodes=[Node(id="x", label="Policy"),
                                        Node(id="y", label="«TOSCA» PolicyType")],
                   edges=[Edge(source="x", target="y")])
    s = score_structure(pred, ref)
    assert s.mapping == {"x": "a", "y": "b"} and s.edges.tp == 1
    assert label_similarity("<<TOSCA>> Policy", "Policy") == 100.0
    # a stereotype is no name of its own, and a different name is still different
    assert label_similarity("<<TOSCA>> Policy", "TOSCA") < 80
    assert label_similarity("<<TOSCA>> Policy", "PolicyType") < 80
