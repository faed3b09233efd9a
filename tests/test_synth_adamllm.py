"""AdaMLLM tools and the consistency filter: composition, parsing, records, judges."""

from __future__ import annotations

from collections import Counter

import pytest

from dicmodel.synth import adamllm as A
from dicmodel.synth.filter import OpenAIJudge, RuleJudge, consistency_filter, parse_verdict
from dicmodel.synth.generator import generate
from dicmodel.synth.questions import vqa_items

# ---- (d) composition ---------------------------------------------------------------------

def test_compose_appends_the_precise_answer():
    assert A.compose_answer("The gNB reaches the AMF over NGAP", "N2") == \
        "The gNB reaches the AMF over NGAP. So the answer is N2."


def test_compose_in_chinese():
    assert A.compose_answer("图中共有4条连接", "4", "zh") == "图中共有4条连接。所以答案是4。"
    assert A.compose_answer("UPF共有5条连接。", "5", "zh") == "UPF共有5条连接。所以答案是5。"
    done = "在该协议栈中，传输层位于应用层的正下方。所以答案是传输层。"
    assert A.compose_answer(done, "传输层", "zh") == done


@pytest.mark.parametrize("info", ["Two spines feed each leaf, so the answer is 2.",
                                  "Each leaf has uplinks to spine switches: 2"])
def test_compose_keeps_an_informative_answer_that_already_concludes(info):
    assert A.compose_answer(info, "2") == info


# ---- (b) parsing ---------------------------------------------------------------------------

def test_parse_triplets_reads_fields_with_markdown_and_continuations():
    text = ("**Instruction:** Which interface links gNB and AMF?\n**Precise response:** N2\n"
            "Informative response: The gNB and AMF exchange NGAP\nover the N2 interface.\n\n"
            "Question： How many UPFs are shown?\nPrecise answer: 1\nInformative answer: One UPF is drawn.\n"
            "Instruction: dangling question without answers")
    got = A.parse_triplets(text)
    assert got == [("Which interface links gNB and AMF?", "N2",
                    "The gNB and AMF exchange NGAP over the N2 interface."),
                   ("How many UPFs are shown?", "1", "One UPF is drawn.")]


def test_synthesize_records_failures_and_keeps_going(tmp_path):
    seen = []

    def gen(image, prompt):
        seen.append(prompt)
        if "broken" in prompt:
            raise RuntimeError("server down")
        if "empty" in prompt:
            return "I cannot help with that."
        return "Instruction: What is shown?\nPrecise response: a router\nInformative response: It is a router."

    pairs = [{"id": "a", "image": "a.png", "caption": "A router."}, {"id": "b", "image": "b.png", "caption": "broken"},
             {"id": "c", "image": "c.png", "caption": "empty"}]
    errors: list = []
    out = list(A.synthesize(pairs, gen, errors=errors))
    assert [t.id for t in out] == ["a-t0"] and out[0].precise == "a router"
    assert {e["id"] for e in errors} == {"b", "c"}
    assert "Description of the image:\nA router." in seen[0] and A.TASK_PROMPT in seen[0]


# ---- (a) synthesizer tuning and (e) mixing ----------------------------------------------------

def _items(n=200):
    out = []
    for sd in generate(n, seed=3):
        tasks = [{"instruction": q.question, "precise": q.precise, "informative": q.informative}
                 for q in vqa_items(sd.diagram, sd.kind, sd.id)]
        out.append({"id": sd.id, "image": f"images/{sd.id}.png", "caption": sd.diagram.to_prose(), "tasks": tasks})
    return out


def test_synthesizer_records_turns_and_blank_share():
    recs = list(A.synthesizer_records(_items(), blank_ratio=0.1, seed=0))
    blank = sum(r["blank"] for r in recs)
    assert 0.04 * len(recs) <= blank <= 0.18 * len(recs)
    assert all(r["images"] == ["blank.png"] for r in recs if r["blank"])
    r = recs[0]
    users = [m["content"][-1]["text"] for m in r["messages"] if m["role"] == "user"]
    assert users[0] == A.CAPTION_PROMPT
    assert any(u.endswith(A.PRECISE) for u in users) and any(u.endswith(A.INFORMATIVE) for u in users)
    assert r["messages"][0]["content"][0] == {"type": "image"}
    # the last answer is a block the synthesis parser reads back
    assert len(A.parse_triplets(r["messages"][-1]["content"][0]["text"])) == 1


def test_mixed_records_put_the_caption_first_or_last_reproducibly():
    items = _items(60)
    a = list(A.mixed_records(items, seed=1))
    b = list(A.mixed_records(items, seed=1))
    assert a == b
    firsts = Counter(r["caption_first"] for r in a)
    assert firsts[True] > 10 and firsts[False] > 10
    for r, it in zip(a, items):
        texts = [m["content"][-1]["text"] for m in r["messages"] if m["role"] == "assistant"]
        assert (texts[0] if r["caption_first"] else texts[-1]) == it["caption"]
        assert len(texts) == 1 + len(it["tasks"])


# ---- (c) filter: rule judge ------------------------------------------------------------------

def test_rule_judge_keeps_true_items_and_drops_corrupted_ones():
    items = []
    for sd in generate(40, seed=8):
        for q in vqa_items(sd.diagram, sd.kind, sd.id):
            items.append({"id": q.id, "qtype": q.qtype, "args": q.args, "precise": q.precise,
                          "informative": q.informative, "diagram": sd.diagram})
    wrong = [{**it, "id": it["id"] + "-bad", "precise": it["precise"] + "X",
              "informative": it["informative"] + " " + it["precise"] + "X"} for it in items[:15]]
    mismatch = [{**it, "id": it["id"] + "-mm", "informative": "Something unrelated."} for it in items[15:25]]
    res = consistency_filter(items + wrong + mismatch, RuleJudge(), concurrency=2)
    assert {k["id"] for k in res.kept} == {it["id"] for it in items}
    assert len(res.dropped) == 25 and res.verdicts == {"Yes": len(items), "No": 25}


# ---- (c) filter: LLM judge on a loopback server --------------------------------------------------

def test_parse_verdict():
    assert parse_verdict("Yes.") == "Yes" and parse_verdict(" open-ended? Open") == "Open"
    assert parse_verdict("no") == "No" and parse_verdict("maybe") == "No"


@pytest.mark.network
def test_openai_judge_keeps_yes_and_drops_no_and_open():
    from dicmodel.testing import openai_server as server_mod  # stdlib only: a break must fail, not skip
    pytest.importorskip("httpx")

    def reply(req):
        prompt = server_mod.request_text(req)
        last = prompt.rsplit("Instruction:", 1)[1]
        if "agree-item" in last:
            return "Yes"
        if "contradict-item" in last:
            return "No, they differ."
        return "Open"

    items = [{"id": "1", "instruction": "agree-item 1", "precise": "N2", "informative": "It is N2."},
             {"id": "2", "instruction": "contradict-item", "precise": "3", "informative": "There are 4."},
             {"id": "3", "instruction": "open-item", "precise": "x", "informative": "Many options."},
             {"id": "4", "instruction": "agree-item 2", "precise": "SYN", "informative": "SYN comes first."}]
    with server_mod.FakeOpenAIServer(reply) as server:
        res = consistency_filter(items, OpenAIJudge(server.base_url, "judge"), concurrency=2)
        assert len(server.requests) == 4
        sent = server_mod.request_text(server.requests[0])
    assert [k["id"] for k in res.kept] == ["1", "4"]
    assert {d["id"]: d["verdict"] for d in res.dropped} == {"2": "No", "3": "Open"}
    assert "Answer: Yes" in sent and "Precise response:" in sent  # few-shot prompt


@pytest.mark.network
def test_openai_judge_server_errors_drop_the_item_and_are_recorded():
    from dicmodel.testing import openai_server as server_mod  # stdlib only: a break must fail, not skip
    pytest.importorskip("httpx")
    with server_mod.FakeOpenAIServer(lambda req: (500, {"error": "boom"})) as server:
        res = consistency_filter([{"id": "1", "instruction": "q", "precise": "a", "informative": "a"}],
                                 OpenAIJudge(server.base_url, "judge", retries=1))
    assert not res.kept and res.dropped[0]["verdict"] == "Error" and "500" in res.errors[0]


def _png(folder):
    """A file the synthesizer reads and sends as the figure (only its bytes travel)."""
    img = folder / "x.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\n")
    return img


@pytest.mark.network
def test_openai_synthesizer_through_loopback(tmp_path):
    from dicmodel.testing import openai_server as server_mod  # stdlib only: a break must fail, not skip
    pytest.importorskip("httpx")
    img = _png(tmp_path)
    answer = "Instruction: Which layer is below IP?\nPrecise response: L2\nInformative response: L2 is below IP."
    with server_mod.FakeOpenAIServer(replies=[answer]) as server:
        gen = A.openai_generate(server.base_url, "synth")
        out = list(A.synthesize([{"id": "p", "image": str(img), "caption": "An N3 stack."}], gen))
        images = server_mod.request_images(server.requests[0])
    assert out[0].instruction == "Which layer is below IP?" and out[0].precise == "L2"
    assert len(images) == 1


@pytest.mark.network
def test_synthesis_through_the_openai_describer_backend(tmp_path):
    from dicmodel.testing import openai_server as server_mod  # stdlib only: a break must fail, not skip
    pytest.importorskip("httpx")
    from dicmodel.describe.base import get_describer

    img = _png(tmp_path)
    answer = "Instruction: What follows SYN?\nPrecise response: SYN-ACK\nInformative response: The server replies SYN-ACK."
    with server_mod.FakeOpenAIServer(replies=[answer]) as server:
        describer = get_describer("openai", base_url=server.base_url, model="synth")
        gen = A.describer_generate(describer)
        out = list(A.synthesize([{"id": "p", "image": str(img), "caption": "A TCP handshake."}], gen))
        sent = server_mod.request_text(server.requests[0])
    assert [(t.instruction, t.precise) for t in out] == [("What follows SYN?", "SYN-ACK")]
    assert "A TCP handshake." in sent
