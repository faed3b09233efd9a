"""Flowchart prose says which links run one way and which both ways."""

from dicmodel._prose import diagram_prose
from dicmodel.diagram import Diagram, Edge


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
