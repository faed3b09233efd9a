"""Flowchart prose says which links run one way and which both ways."""

from dicmodel._prose import diagram_prose
from dicmodel.diagram import Diagram, Edge, Message


def _d() -> Diagram:
    d = Diagram(kind="flowchart")
    for nid, label in (("pe", "Policy Engine"), ("pa", "Policy Administrator"), ("ag", "Agent"),
                       ("gw", "Gateway"), ("lg", "Log")):
        d.add_node(nid, label)
    d.edges = [Edge(source="pe", target="pa", directed=True, bidirectional=True),
               Edge(source="pa", target="ag", directed=True, label="allow"),
               Edge(source="pa", target="lg", directed=True),
               Edge(source="pa", target="gw", directed=True, bidirectional=True)]
    return d


def test_two_headed_arrows_are_said_both_ways():
    text = diagram_prose(_d())
    # (it said "Policy Engine leads to Policy Administrator" and "leads to Agent ... and Gateway")
    assert "Policy Engine is linked both ways with Policy Administrator." in text
    assert ('Policy Administrator leads to Agent when "allow" and Log, and is linked both ways '
            'with Gateway.') in text
    assert "It starts at" not in text  # every node with links out has a two-way link in
    assert "It ends at Agent and Log." in text  # Gateway's only link runs both ways


def test_one_way_flow_prose_is_unchanged():
    d = _d()
    for e in d.edges:
        e.bidirectional = False
    text = diagram_prose(d)
    assert "It starts at Policy Engine." in text
    assert 'Policy Administrator leads to Agent when "allow", Log and Gateway.' in text


def test_counts_of_one_are_singular():
    d = Diagram(kind="topology")
    d.add_node("a", "Router")
    d.add_node("b", "Switch")
    d.edges = [Edge(source="a", target="b")]
    # (it said "2 elements and 1 connections")
    assert diagram_prose(d).startswith("The network topology has 2 elements and 1 connection.")
    s = Diagram(kind="sequence")
    s.add_node("ue", "UE")
    s.messages = [Message(source="ue", target="ue", text="Timer expiry")]
    assert diagram_prose(s).startswith("The sequence diagram shows 1 message between 1 participant: UE.")


def test_boxes_that_print_a_name_over_their_content_are_called_by_the_name():
    # a Visio SAI pipeline: each table box prints its name over "{ match : ... action : ...
    # default : ... }"; the prose repeated both tables' whole text in every link sentence
    from dicmodel.describe._geometry.describe_text import reading_prose
    from dicmodel.diagram import Node
    from dicmodel.document import FigureType

    fdb = "FDB Table { match : packet.dst_MAC,BR_ID action : forward(out_if) default: GO unknown unicast }"
    stp = "Egress STP Table { match : bridge_port action : set STP state default: Discarding }"
    d = Diagram(kind="flowchart", nodes=[Node(id="a", label=fdb), Node(id="b", label=stp)],
                edges=[Edge(source="a", target="b", directed=True)])
    text = reading_prose(FigureType.flowchart, d)
    assert "FDB Table leads to Egress STP Table" in text
    assert text.count("match : packet.dst_MAC,BR_ID") == 1 and fdb in text and stp in text
    assert d.nodes[0].label == fdb  # the Diagram (and its Mermaid) keep the whole label


def test_repeated_loose_elements_are_counted_not_listed():
    # a spine-leaf slide: 8 server boxes under each leaf, no text on them, no links
    d = Diagram(kind="topology")
    d.add_node("s", "Spine")
    d.add_node("l", "Leaf")
    d.edges = [Edge(source="s", target="l", directed=False)]
    for k in range(8):
        d.add_node(f"b{k}", "")
    for k in range(3):
        d.add_node(f"x{k}", "Security")
    from dicmodel.describe._geometry.describe_text import reading_prose
    from dicmodel.document import FigureType

    text = reading_prose(FigureType.topology, d)
    assert "Unconnected elements: 8 unlabelled boxes and Security (3 of them)." in text
    assert "an unlabelled box, an unlabelled box" not in text


def test_a_call_flow_drawn_all_dashed_sends_its_messages():
    # 3GPP draws a whole Sx exchange dashed: the dashes are its style, not replies
    d = Diagram(kind="sequence")
    for nid in ("cp", "up"):
        d.add_node(nid, nid.upper(), shape="participant")
    d.messages = [Message(source="cp", target="up", text="Sx Request", reply=True),
                  Message(source="up", target="cp", text="Sx Response", reply=True)]
    text = diagram_prose(d)
    assert '1. CP sends "Sx Request" to UP.' in text and '2. UP sends "Sx Response" to CP.' in text
    d.messages[0].reply = False  # a solid request and a dashed answer: the answer is a reply
    assert '2. UP replies with "Sx Response" to CP.' in diagram_prose(d)


def test_one_link_drawn_by_many_lines_is_said_once_with_its_count():
    d = Diagram(kind="topology")
    d.add_node("a", "Switch A")
    d.add_node("b", "Switch B")
    d.edges = [Edge(source="a", target="b", directed=False) for _ in range(4)]
    text = diagram_prose(d)
    assert text.count("Switch A connects to Switch B") == 1
    assert "Switch A connects to Switch B (4 lines)." in text


def test_many_connections_between_one_pair_cap_the_confidence():
    from dicmodel.describe._geometry.nongraph import Features, judge

    v = judge(Features(nodes=6, edges=10, repeats=8, n_words=12))
    assert v.figure_type is None and v.cap <= 0.45 and "same two elements" in v.doubts[0]
    assert judge(Features(nodes=6, edges=10, repeats=2, n_words=12)).cap == 1.0
