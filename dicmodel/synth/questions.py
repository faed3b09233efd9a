"""Questions from the known structure of a diagram: VQA items and objective multiple choice.

Every item carries ``qtype`` and ``args``: enough to recompute its answer from the
:class:`Diagram` alone (:func:`answer`), which is what the rule-based judge in ``filter.py``
and the tests do. Questions are asked only where the answer is unique (a message text that
occurs once, a node pair joined by one link, a state/event pair with one transition).

Each VQA item has a ``precise`` answer (a label or a number) and an ``informative`` one (a
sentence that contains the precise answer). :func:`make_mcq` turns an item into a 4-option
question with distractors from the same diagram first, then from the domain vocabulary;
:class:`OptionBalancer` puts the correct option at A, B, C, D equally often over a dataset.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from ..diagram import Diagram, Edge
from ..errors import ConfigError
from .vocab import LAYER, LINK, MSG, STATE

__all__ = ["LETTERS", "QTYPES", "OptionBalancer", "QAItem", "answer", "make_mcq", "vqa_items"]

LETTERS = "ABCD"


class QAItem(BaseModel):
    id: str
    diagram_id: str
    qtype: str
    question: str
    precise: str
    informative: str
    args: dict[str, Any] = Field(default_factory=dict)
    options: list[str] | None = None
    answer_index: int | None = Field(None, ge=0, le=3)
    pool: list[str] = Field(default_factory=list, exclude=True, description="same-diagram distractor candidates")
    lang: str = Field("en", description="language of question and informative answer (en | zh)")

    @property
    def is_mcq(self) -> bool:
        return self.options is not None

    def prompt(self) -> str:
        """The user text: the question, with lettered options for multiple choice."""
        if not self.options:
            return self.question
        opts = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(self.options))
        ask = "请回答正确选项的字母。" if self.lang == "zh" else "Answer with the letter of the correct option."
        return f"{self.question}\n{opts}\n{ask}"

    def answer_text(self) -> str:
        if self.options is not None and self.answer_index is not None:
            return f"{LETTERS[self.answer_index]}. {self.options[self.answer_index]}"
        return self.precise


# =========================================================================================
# structure helpers (shared by generation and by answer())
# =========================================================================================

def _real(d: Diagram) -> list:
    return [n for n in d.nodes if n.shape not in ("start", "end")]


def _pseudo(d: Diagram, nid: str) -> bool:
    n = d.node(nid)
    return n is not None and n.shape in ("start", "end")


def _pair_edges(d: Diagram, a: str, b: str) -> list[Edge]:
    return [e for e in d.edges if {e.source, e.target} == {a, b}]


def _degree(d: Diagram, nid: str) -> int:
    return sum(1 for e in d.edges if nid in (e.source, e.target) and e.source != e.target)


# =========================================================================================
# answers recomputed from the diagram
# =========================================================================================

def _a_seq_next(d: Diagram, text: str) -> str:
    texts = [m.text for m in d.messages]
    return texts[texts.index(text) + 1]


def _a_seq_sender(d: Diagram, text: str) -> str:
    m = next(m for m in d.messages if m.text == text)
    return f"{d.label_of(m.source)} → {d.label_of(m.target)}"


def _a_st_after(d: Diagram, state: str, event: str) -> str:
    e = next(e for e in d.edges if e.source == state and e.label == event)
    return d.label_of(e.target)


def _a_st_initial(d: Diagram) -> str:
    e = next(e for e in d.edges if _pseudo(d, e.source))
    return d.label_of(e.target)


def _a_link(d: Diagram, a: str, b: str) -> str:
    return _pair_edges(d, a, b)[0].label


def _a_fc_next(d: Diagram, node: str, branch: str = "") -> str:
    e = next(e for e in d.edges if e.source == node and e.label == branch)
    return d.label_of(e.target)


def _a_stack(d: Diagram, layer: str, offset: int) -> str:
    ids = [n.id for n in d.nodes]
    return d.label_of(ids[ids.index(layer) + offset])


def _a_group(d: Diagram, node: str) -> str:
    return next(g.label or g.id for g in d.groups if node in g.members)


ANSWERS: dict[str, Callable[..., str]] = {
    "seq_next": lambda d, text: _a_seq_next(d, text),
    "seq_sender": lambda d, text: _a_seq_sender(d, text),
    "seq_first": lambda d: d.messages[0].text,
    "seq_count_messages": lambda d: str(len(d.messages)),
    "seq_count_participants": lambda d: str(len(d.nodes)),
    "st_after_event": lambda d, state, event: _a_st_after(d, state, event),
    "st_initial": lambda d: _a_st_initial(d),
    "st_count": lambda d: str(len(_real(d))),
    "link_label": lambda d, a, b: _a_link(d, a, b),
    "degree": lambda d, node: str(_degree(d, node)),
    "count_nodes": lambda d: str(len(_real(d))),
    "group_of": lambda d, node: _a_group(d, node),
    "fc_next": lambda d, node: _a_fc_next(d, node),
    "fc_branch": lambda d, node, branch: _a_fc_next(d, node, branch),
    "fc_count_decisions": lambda d: str(sum(1 for n in d.nodes if n.shape == "diamond")),
    "stk_below": lambda d, layer: _a_stack(d, layer, 1),
    "stk_above": lambda d, layer: _a_stack(d, layer, -1),
    "stk_count": lambda d: str(len(d.nodes)),
}
QTYPES = sorted(ANSWERS)


def answer(d: Diagram, qtype: str, args: dict[str, Any]) -> str:
    """The precise answer of a question type with its arguments, recomputed from ``d``."""
    fn = ANSWERS.get(qtype)
    if fn is None:
        raise ConfigError(f"qtype must be one of {QTYPES}, got {qtype!r}")
    return fn(d, **args)


# =========================================================================================
# question generation by kind
# =========================================================================================

def _q(qtype: str, question: str, informative: str, args: dict[str, Any], pool: list[str], d: Diagram) -> dict:
    return {"qtype": qtype, "question": question, "informative": informative, "args": args,
            "precise": answer(d, qtype, args), "pool": pool}


def _sequence_qs(d: Diagram) -> list[dict]:
    out = []
    texts = [m.text for m in d.messages]
    counts = Counter(texts)
    lab = d.label_of
    for i, m in enumerate(d.messages):
        if counts[m.text] != 1 or not m.text:
            continue
        if i + 1 < len(d.messages):
            nxt = d.messages[i + 1]
            out.append(_q("seq_next", f'In this call flow, which message immediately follows "{m.text}"?',
                          f'After {lab(m.source)} sends "{m.text}" to {lab(m.target)}, the next message is '
                          f'"{nxt.text}", sent by {lab(nxt.source)} to {lab(nxt.target)}.',
                          {"text": m.text}, [t for t in texts if t != nxt.text], d))
        if m.source != m.target:
            pairs = [f"{lab(a.id)} → {lab(b.id)}" for a in d.nodes for b in d.nodes if a.id != b.id]
            kind = "a response" if m.reply else "a request"
            out.append(_q("seq_sender", f'Who sends "{m.text}", and to whom?',
                          f'"{m.text}" is {kind} sent by {lab(m.source)} to {lab(m.target)}, so the answer is '
                          f'{lab(m.source)} → {lab(m.target)}.', {"text": m.text}, pairs, d))
    if d.messages:
        first = d.messages[0]
        out.append(_q("seq_first", "Which message starts the flow?",
                      f'The flow starts when {lab(first.source)} sends "{first.text}" to {lab(first.target)}.',
                      {}, texts[1:], d))
        n, k = len(d.messages), len(d.nodes)
        out.append(_q("seq_count_messages", "How many messages are exchanged in the diagram?",
                      f"The diagram shows {n} messages exchanged between {k} participants.", {}, [], d))
        out.append(_q("seq_count_participants", "How many participants (lifelines) does the diagram show?",
                      f"There are {k} participants: {', '.join(lab(x.id) for x in d.nodes)}.", {}, [], d))
    return out


def _state_qs(d: Diagram) -> list[dict]:
    out = []
    lab = d.label_of
    states = [n.text for n in _real(d)]
    keyed = Counter((e.source, e.label) for e in d.edges)
    for e in d.edges:
        if _pseudo(d, e.source) or _pseudo(d, e.target) or not e.label or keyed[(e.source, e.label)] != 1:
            continue
        out.append(_q("st_after_event", f'The machine is in {lab(e.source)}. Which state does it enter on '
                      f'"{e.label}"?', f'From {lab(e.source)}, the event "{e.label}" moves the machine to '
                      f'{lab(e.target)}.', {"state": e.source, "event": e.label},
                      [s for s in states if s != lab(e.target)], d))
    if any(_pseudo(d, e.source) for e in d.edges):
        init = _a_st_initial(d)
        out.append(_q("st_initial", "What is the initial state of the state machine?",
                      f"The initial transition points to {init}, so the machine starts in {init}.", {},
                      [s for s in states if s != init], d))
    out.append(_q("st_count", "How many states does the state machine have (not counting start and end markers)?",
                  f"The machine has {len(states)} states: {', '.join(states)}.", {}, [], d))
    return out


def _graph_qs(d: Diagram, kind: str) -> list[dict]:
    out = []
    lab = d.label_of
    what = "interface" if kind == "architecture" else "link"
    labels = sorted({e.label for e in d.edges if e.label})
    for e in d.edges:
        if not e.label or e.source == e.target or len(_pair_edges(d, e.source, e.target)) != 1:
            continue
        out.append(_q("link_label", f"Which {what} connects {lab(e.source)} and {lab(e.target)}?",
                      f'{lab(e.source)} and {lab(e.target)} are connected by the {what} labelled "{e.label}".',
                      {"a": e.source, "b": e.target}, [x for x in labels if x != e.label], d))
    for n in _real(d):
        deg = _degree(d, n.id)
        if deg:
            out.append(_q("degree", f"How many connections does {n.text} have in the figure?",
                          f"{n.text} has {deg} connection{'s' if deg != 1 else ''}.", {"node": n.id}, [], d))
    names = [n.text for n in _real(d)]
    out.append(_q("count_nodes", "How many elements (nodes) does the figure show?",
                  f"The figure shows {len(names)} elements: {', '.join(names)}.", {}, [], d))
    member_of = Counter(m for g in d.groups for m in g.members)
    glabels = [g.label or g.id for g in d.groups]
    for g in d.groups:
        for m in g.members:
            if member_of[m] == 1 and d.node(m) is not None and len(set(glabels)) > 1:
                out.append(_q("group_of", f"Which group or area contains {lab(m)}?",
                              f"{lab(m)} is drawn inside {g.label or g.id}.", {"node": m},
                              [x for x in glabels if x != (g.label or g.id)], d))
    return out


def _flow_qs(d: Diagram) -> list[dict]:
    out = []
    lab = d.label_of
    steps = [n.text for n in d.nodes]
    for n in d.nodes:
        outs = [e for e in d.edges if e.source == n.id]
        if len(outs) == 1 and not outs[0].label:
            t = lab(outs[0].target)
            out.append(_q("fc_next", f'In the flowchart, what comes right after "{n.text}"?',
                          f'After "{n.text}", the flow continues to "{t}".', {"node": n.id},
                          [s for s in steps if s not in (t, n.text)], d))
        branches = Counter(e.label for e in outs)
        for e in outs:
            if e.label and branches[e.label] == 1:
                t = lab(e.target)
                out.append(_q("fc_branch", f'At "{n.text}", where does the "{e.label}" branch lead?',
                              f'If the answer to "{n.text}" is "{e.label}", the flow goes to "{t}".',
                              {"node": n.id, "branch": e.label}, [s for s in steps if s not in (t, n.text)], d))
    k = sum(1 for n in d.nodes if n.shape == "diamond")
    out.append(_q("fc_count_decisions", "How many decision points does the flowchart contain?",
                  f"The flowchart contains {k} decision point{'s' if k != 1 else ''}.", {}, [], d))
    return out


def _stack_qs(d: Diagram) -> list[dict]:
    out = []
    names = [n.text for n in d.nodes]
    for i, n in enumerate(d.nodes):
        if i + 1 < len(d.nodes):
            out.append(_q("stk_below", f"Which layer is directly below {n.text}?",
                          f"In the stack, {names[i + 1]} sits directly below {n.text}.", {"layer": n.id},
                          [x for x in names if x not in (names[i + 1], n.text)], d))
        if i > 0:
            out.append(_q("stk_above", f"Which layer is directly above {n.text}?",
                          f"In the stack, {names[i - 1]} sits directly above {n.text}.", {"layer": n.id},
                          [x for x in names if x not in (names[i - 1], n.text)], d))
    out.append(_q("stk_count", "How many layers does the protocol stack have?",
                  f"The stack has {len(names)} layers, from {names[0]} at the top to {names[-1]} at the bottom.",
                  {}, [], d))
    return out


def vqa_items(d: Diagram, kind: str, diagram_id: str, rng: random.Random | None = None,
              k: int | None = 3, lang: str = "en") -> list[QAItem]:
    """Up to ``k`` VQA items for a diagram (all of them with ``k=None``), of distinct types first.

    ``lang="zh"`` writes the question and the informative answer in Chinese (the precise answer
    is the same label or number in every language)."""
    rng = rng or random.Random(diagram_id)
    if kind == "sequence" or d.kind == "sequence":
        cands = _sequence_qs(d)
    elif kind == "state":
        cands = _state_qs(d)
    elif kind == "protocol_stack":
        cands = _stack_qs(d)
    elif kind == "flowchart":
        cands = _flow_qs(d)
    else:
        cands = _graph_qs(d, kind)
    rng.shuffle(cands)
    if k is not None:  # prefer variety of question types
        seen: set[str] = set()
        first = [c for c in cands if not (c["qtype"] in seen or seen.add(c["qtype"]))]
        rest = [c for c in cands if c not in first]
        cands = (first + rest)[:k]
    if lang == "zh":
        for c in cands:
            c["question"], c["informative"] = _zh(c["qtype"], d, c["args"], c["precise"], kind)
    return [QAItem(id=f"{diagram_id}-q{i}", diagram_id=diagram_id, lang="zh" if lang == "zh" else "en", **c)
            for i, c in enumerate(cands)]


def _zh(qtype: str, d: Diagram, a: dict[str, Any], ans: str, kind: str) -> tuple[str, str]:
    """Chinese question and informative answer for an item (same facts as the English ones)."""
    lab = d.label_of
    names = "、".join(n.text for n in _real(d))
    if qtype in ("seq_next", "seq_sender"):
        i = [m.text for m in d.messages].index(a["text"])
        m = d.messages[i]
        if qtype == "seq_next":
            n = d.messages[i + 1]
            return (f'在该信令流程中，紧接在"{m.text}"之后的消息是什么？',
                    (f'{lab(m.source)}向{lab(m.target)}发送"{m.text}"之后，下一条消息是"{ans}"，'
                     f"由{lab(n.source)}发送给{lab(n.target)}。"))
        return f'"{m.text}"由谁发送给谁？', f'"{m.text}"由{lab(m.source)}发送给{lab(m.target)}（{ans}）。'
    if qtype == "seq_first":
        m = d.messages[0]
        return "哪条消息开启了该流程？", f'流程从{lab(m.source)}向{lab(m.target)}发送"{ans}"开始。'
    if qtype == "st_after_event":
        return (f'状态机处于{lab(a["state"])}时，收到"{a["event"]}"后进入哪个状态？',
                f'在{lab(a["state"])}状态下，事件"{a["event"]}"使状态机转移到{ans}。')
    if qtype == "link_label":
        what = "接口" if kind == "architecture" else "链路"
        return (f"连接{lab(a['a'])}和{lab(a['b'])}的{what}是什么？",
                f'{lab(a["a"])}与{lab(a["b"])}之间通过标注为"{ans}"的{what}相连。')
    if qtype in ("fc_next", "fc_branch"):
        node = lab(a["node"])
        if qtype == "fc_next":
            return f'在流程图中，"{node}"之后的下一步是什么？', f'"{node}"之后，流程进入"{ans}"。'
        return (f'在"{node}"处，"{a["branch"]}"分支通向哪里？',
                f'如果"{node}"的结果为"{a["branch"]}"，流程转到"{ans}"。')
    if qtype in ("stk_below", "stk_above"):
        where = "正下方" if qtype == "stk_below" else "正上方"
        layer = lab(a["layer"])
        return f"{layer}{where}是哪一层？", f"在该协议栈中，{ans}位于{layer}的{where}。"
    fixed = {
        "seq_count_messages": ("图中共交换了多少条消息？", f"图中{len(d.nodes)}个参与方之间共交换了{ans}条消息。"),
        "seq_count_participants": ("图中有多少个参与方（生命线）？",
                                   f"图中有{ans}个参与方：{'、'.join(n.text for n in d.nodes)}。"),
        "st_initial": ("该状态机的初始状态是什么？", f"初始转移指向{ans}，因此状态机从{ans}开始。"),
        "st_count": ("该状态机有多少个状态（不含起止标记）？", f"该状态机共有{ans}个状态：{names}。"),
        "count_nodes": ("图中共有多少个元素（节点）？", f"图中共有{ans}个元素：{names}。"),
        "fc_count_decisions": ("该流程图包含多少个判断节点？", f"该流程图包含{ans}个判断节点。"),
        "stk_count": ("该协议栈有多少层？", (f"该协议栈共有{ans}层，自上而下从{d.nodes[0].text if d.nodes else ''}"
                                          f"到{d.nodes[-1].text if d.nodes else ''}。")),
    }
    if qtype == "degree":
        return f"图中{lab(a['node'])}有多少条连接？", f"{lab(a['node'])}共有{ans}条连接。"
    if qtype == "group_of":
        return f"{lab(a['node'])}位于哪个分组或区域中？", f"{lab(a['node'])}画在{ans}之内。"
    return fixed[qtype]


# =========================================================================================
# multiple choice
# =========================================================================================

_DOMAIN = {
    "seq": [t.en for t in MSG.values()],
    "st": [t.en for t in STATE.values()],
    "link": [t.en for t in LINK.values()] + ["N1", "N2", "N3", "N4", "N6", "N11", "Xn", "Uu", "S1-MME", "S1-U",
                                             "S5", "S6a", "X2", "E2", "A1", "O1", "F1-C", "F1-U", "10G", "100G"],
    "stk": [t.en for t in LAYER.values()],
}


# which domain list fills in distractors for a question type (answers of the same sort only)
_DOMAIN_OF = {"seq_next": "seq", "seq_first": "seq", "st_after_event": "st", "st_initial": "st",
              "link_label": "link", "stk_below": "stk", "stk_above": "stk"}


def _numeric_distractors(value: int, rng: random.Random) -> list[str]:
    cands = [value + d for d in (-2, -1, 1, 2, 3, 4) if value + d >= 0 and d != 0]
    rng.shuffle(cands)
    return [str(c) for c in cands]


def make_mcq(item: QAItem, position: int, rng: random.Random | None = None) -> QAItem | None:
    """A 4-option version of ``item`` with the correct option at ``position`` (0-3); None if
    three distinct plausible distractors cannot be found."""
    if not 0 <= position <= 3:
        raise ConfigError(f"position must be 0..3, got {position}")
    rng = rng or random.Random(item.id)
    correct = item.precise
    if correct.isdigit():
        pool = _numeric_distractors(int(correct), rng)
    else:
        same = list(dict.fromkeys(p for p in item.pool if p and p != correct))
        rng.shuffle(same)
        domain = _DOMAIN.get(_DOMAIN_OF.get(item.qtype, ""), [])
        extra = [x for x in domain if x != correct and x not in same]
        rng.shuffle(extra)
        pool = same + extra
    picked: list[str] = []
    for p in pool:
        if p.casefold() != correct.casefold() and p.casefold() not in {x.casefold() for x in picked}:
            picked.append(p)
        if len(picked) == 3:
            break
    if len(picked) < 3:
        return None
    options = picked[:position] + [correct] + picked[position:]
    return item.model_copy(update={"id": item.id + "-mcq", "options": options, "answer_index": position})


class OptionBalancer:
    """Hands out correct-option positions so that A, B, C and D are used equally often.

    Positions come from shuffled blocks of (0, 1, 2, 3): after any 4*k calls each letter was
    used exactly k times, while neighbours in the dataset do not share a fixed pattern.
    """

    def __init__(self, seed: int = 0):
        self.rng = random.Random(f"options:{seed}")
        self.block: list[int] = []
        self.counts = Counter()

    def next(self) -> int:
        if not self.block:
            self.block = [0, 1, 2, 3]
            self.rng.shuffle(self.block)
        pos = self.block.pop()
        self.counts[pos] += 1
        return pos

    def give_back(self, pos: int) -> None:
        """Return an unused position (the item could not become multiple choice)."""
        self.counts[pos] -= 1
        self.block.append(pos)
