"""Questions: every answer is derivable from the diagram (recomputed here independently),
multiple choice has 4 distinct options with the right one where it should be, positions balance."""

from __future__ import annotations

from collections import Counter

import pytest

from dicmodel.diagram import Diagram, Edge, Message, Node
from dicmodel.synth.generator import GenOptions, generate
from dicmodel.synth.questions import OptionBalancer, QAItem, make_mcq, vqa_items


def _recompute(d: Diagram, q: QAItem) -> str:
    """The answer from the structure, written without the questions module's helpers."""
    a = q.args
    lab = d.label_of
    real = [n for n in d.nodes if n.shape not in ("start", "end")]
    if q.qtype == "seq_next":
        idx = [i for i, m in enumerate(d.messages) if m.text == a["text"]]
        assert len(idx) == 1, "asked about a message text that is not unique"
        return d.messages[idx[0] + 1].text
    if q.qtype == "seq_sender":
        ms = [m for m in d.messages if m.text == a["text"]]
        assert len(ms) == 1
        return f"{lab(ms[0].source)} → {lab(ms[0].target)}"
    if q.qtype == "seq_first":
        return d.messages[0].text
    if q.qtype == "seq_count_messages":
        return str(len(d.messages))
    if q.qtype == "seq_count_participants":
        return str(len({x for m in d.messages for x in (m.source, m.target)} | {n.id for n in d.nodes}))
    if q.qtype == "st_after_event":
        es = [e for e in d.edges if e.source == a["state"] and e.label == a["event"]]
        assert len(es) == 1
        return lab(es[0].target)
    if q.qtype == "st_initial":
        starts = [e.target for e in d.edges if d.node(e.source).shape == "start"]
        return lab(starts[0])
    if q.qtype in ("st_count", "count_nodes"):
        return str(len(real))
    if q.qtype == "link_label":
        es = [e for e in d.edges if {e.source, e.target} == {a["a"], a["b"]}]
        assert len(es) == 1
        return es[0].label
    if q.qtype == "degree":
        return str(sum(1 for e in d.edges if a["node"] in (e.source, e.target)))
    if q.qtype == "group_of":
        gs = [g for g in d.groups if a["node"] in g.members]
        assert len(gs) == 1
        return gs[0].label
    if q.qtype in ("fc_next", "fc_branch"):
        es = [e for e in d.edges if e.source == a["node"] and e.label == a.get("branch", "")]
        assert len(es) == 1
        return lab(es[0].target)
    if q.qtype == "fc_count_decisions":
        return str(sum(n.shape == "diamond" for n in d.nodes))
    if q.qtype in ("stk_below", "stk_above"):
        ids = [n.id for n in d.nodes]
        return lab(ids[ids.index(a["layer"]) + (1 if q.qtype == "stk_below" else -1)])
    if q.qtype == "stk_count":
        return str(len(d.nodes))
    raise AssertionError(f"untested qtype {q.qtype}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_answer_is_derivable_from_the_diagram(lang):
    seen = Counter()
    for sd in generate(250, seed=21, opts=GenOptions(lang=lang)):
        for q in vqa_items(sd.diagram, sd.kind, sd.id, k=None, lang=lang):
            assert q.precise == _recompute(sd.diagram, q), (sd.family, q.question)
            assert q.lang == lang and (lang == "en") != any("\u4e00" <= ch <= "\u9fff" for ch in q.question)
            assert q.precise in q.informative
            seen[q.qtype] += 1
    assert len(seen) >= 16  # nearly every question type was exercised


def test_questions_skip_ambiguous_message_texts():
    d = Diagram(kind="sequence", nodes=[Node(id="c", label="Client"), Node(id="s", label="Server")],
                messages=[Message(source="c", target="s", text="SYN"), Message(source="s", target="c", text="ACK"),
                          Message(source="c", target="s", text="ACK"), Message(source="c", target="s", text="FIN")])
    qs = vqa_items(d, "sequence", "t", k=None)
    assert not any(q.args.get("text") == "ACK" for q in qs)
    nxt = {q.args["text"]: q.precise for q in qs if q.qtype == "seq_next"}
    assert nxt == {"SYN": "ACK"}


def test_link_question_on_a_hand_built_topology():
    d = Diagram(kind="topology", nodes=[Node(id="a", label="Leaf-1"), Node(id="b", label="Spine-1"),
                                        Node(id="c", label="Spine-2")],
                edges=[Edge(source="a", target="b", label="Eth1/49", directed=False),
                       Edge(source="a", target="c", label="Eth1/50", directed=False)])
    qs = {(q.qtype, tuple(sorted(q.args.values()))): q for q in vqa_items(d, "topology", "t", k=None)}
    assert qs[("link_label", ("a", "c"))].precise == "Eth1/50"
    assert qs[("degree", ("a",))].precise == "2"


def test_mcq_has_four_distinct_options_with_the_answer_at_the_position():
    sd = next(iter(generate(1, seed=5, opts=GenOptions(families=["callflow.lte_attach"], drop_p=0))))
    for q in vqa_items(sd.diagram, sd.kind, sd.id, k=None):
        for pos in range(4):
            m = make_mcq(q, pos)
            assert m is not None
            assert len(m.options) == 4 and len({o.casefold() for o in m.options}) == 4
            assert m.options[pos] == q.precise and m.answer_index == pos
            assert m.prompt().count("\n") >= 4


def test_mcq_distractors_come_from_the_same_diagram_first():
    sd = next(iter(generate(1, seed=5, opts=GenOptions(families=["fsm.tcp_fsm"], drop_p=0))))
    states = {n.text for n in sd.diagram.nodes}
    q = next(q for q in vqa_items(sd.diagram, sd.kind, sd.id, k=None) if q.qtype == "st_after_event")
    m = make_mcq(q, 2)
    assert set(m.options) <= states


def test_option_positions_balance_over_a_dataset():
    bal = OptionBalancer(seed=3)
    made = Counter()
    for sd in generate(120, seed=9):
        for q in vqa_items(sd.diagram, sd.kind, sd.id):
            pos = bal.next()
            m = make_mcq(q, pos)
            if m is None:
                bal.give_back(pos)
                continue
            made[m.answer_index] += 1
    assert sum(made.values()) > 100
    assert max(made.values()) - min(made.values()) <= 1
