"""Objective questions: loading real formats, reading the chosen option, scoring."""

from __future__ import annotations

import json

import pytest

from dicmodel.errors import InputError
from dicmodel.eval.questions import (
    QuestionItem,
    QuestionOptions,
    choice_prompt,
    evaluate_questions,
    extract_choice,
    load_items,
)

OPTS = ["Request response from the NF", "Event subscription from the NF",
        "Subscribing to the event", "Notify request to the NF"]

TRICKY = [
    ("B", "B", "bare"),
    ("(B)", "B", "bare"),
    ("**C**.", "C", "bare"),
    ("b", "B", "bare"),
    ("Answer: B", "B", "marker"),
    ("the answer is b.", "B", "marker"),
    ("The correct answer is (D) Notify request to the NF.", "D", "marker"),
    ("答案：B", "B", "marker"),
    ("正确答案是C。", "C", "marker"),
    ("选D", "D", "marker"),
    ("Option 2", "B", "marker"),
    ("Looking at the figure, A and C are wrong. So the answer is B.", "B", "marker"),
    ("C) Subscribing to the event", "C", "leading"),
    ("A. Request response from the NF", "A", "leading"),
    ("It is the event subscription from the NF.", "B", "text"),
    ("notify request to the nf", "D", "text"),
    ("Event subscriptions from NF", "B", "fuzzy"),
    ("I would pick C here", "C", "standalone"),
    ("A is a bit of a stretch, the figure shows D", "D", "standalone"),
    ("The answer is a bit unclear", None, "none"),
    ("I don't know", None, "none"),
    ("", None, "none"),
    ("E", None, "none"),  # outside the four options
]


@pytest.mark.parametrize("answer,letter,method", TRICKY, ids=[t[0] or "empty" for t in TRICKY])
def test_extract_choice_on_tricky_answers(answer, letter, method):
    got = extract_choice(answer, OPTS)
    assert got.letter == letter
    assert got.method == method


def test_mm_telcobench_csv_loads_with_letter_and_text_answers(tmp_path):
    p = tmp_path / "mcq.csv"
    p.write_text(
        "Image Path,Question,Option 1,Option 2,Option 3,Option 4,Answer,,\n"
        "/all_images/image_992.jpeg,What is the first step?,Request,Event,Subscribe,Notify,A,,\n"
        "/all_images/image_159.jpeg,Which order?,x then y,y then x,x,y,y then x,,\n"
        "/all_images/image_1.jpeg,Broken?,p,q,r,s,Z,,\n", encoding="utf-8")
    errors: list[str] = []
    items = load_items(p, image_root=tmp_path / "imgs", errors=errors)
    assert [(i.answer, len(i.options)) for i in items] == [("A", 4), ("B", 4)]
    assert items[0].image == str(tmp_path / "imgs" / "all_images" / "image_992.jpeg")
    assert len(errors) == 1 and "item 2" in errors[0]
    with pytest.raises(InputError):
        load_items(p)


def test_jsonl_with_open_and_choice_items(tmp_path):
    p = tmp_path / "items.jsonl"
    rows = [{"id": "q1", "question": "Which node authenticates?", "options": ["MME", "SGW"],
             "answer": "a", "category": "architecture"},
            {"id": "q2", "question": "What does the UE send first?", "answer": "Attach Request",
             "category": "call flow"}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    items = load_items(p)
    assert [i.kind for i in items] == ["choice", "open"]
    assert items[0].answer == "A"


ITEMS = [
    QuestionItem(id="1", question="Who authenticates?", options=["MME", "SGW", "PGW"], answer="A",
                 category="arch"),
    QuestionItem(id="2", question="Which gateway anchors?", options=["MME", "SGW", "PGW"], answer="C",
                 category="arch"),
    QuestionItem(id="3", question="First message?", options=["Attach Request", "Paging"], answer="A",
                 category="flow"),
    QuestionItem(id="4", question="What does the UE send first?", answer="Attach Request to the MME",
                 category="flow"),
]


def test_evaluate_keeps_raw_answers_and_scores_per_category():
    answers = {"1": "The answer is A.", "2": "B", "3": "hmm", "4": "an attach request to the MME"}
    seen = []

    def ask(image, prompt):
        seen.append(prompt)
        qid = next(i.id for i in ITEMS if i.question in prompt)
        return answers[qid]

    rep = evaluate_questions(ITEMS, ask)
    assert rep.n == 4 and rep.n_choice == 3 and rep.n_open == 1
    assert rep.accuracy == pytest.approx(1 / 3)
    assert rep.per_category["arch"]["accuracy"] == pytest.approx(0.5)
    assert rep.per_category["flow"]["unanswered"] == 1
    assert [r.raw for r in rep.results] == [answers[i.id] for i in ITEMS]
    assert rep.results[3].correct and rep.results[3].fuzzy >= 80
    assert rep.open_match == 1.0 and rep.open_rouge_l > 50
    assert "A. MME" in seen[0] and "letter" in seen[0]


def test_a_failing_backend_is_recorded_not_raised():
    class Flaky:
        def __init__(self):
            self.calls = 0

        def __call__(self, image, prompt):
            self.calls += 1
            if "anchors" in prompt:
                raise TimeoutError("server took too long")
            return "A"

        def batch(self, pairs):
            raise RuntimeError("batch endpoint down")

    rep = evaluate_questions(ITEMS[:3], Flaky(), QuestionOptions(batch_size=2))
    assert rep.errors == 1
    assert rep.results[1].error.startswith("TimeoutError")
    assert [r.correct for r in rep.results] == [True, False, True]


def test_choice_prompt_lists_letters():
    text = choice_prompt(ITEMS[0])
    assert "A. MME\nB. SGW\nC. PGW" in text


@pytest.mark.network
def test_openai_describer_adapter_answers_questions_over_loopback(tmp_path):
    from dicmodel.eval.questions import describer_ask
    from dicmodel.testing import FakeOpenAIServer, request_images, request_text

    img = tmp_path / "fig.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)

    def reply(body):
        text = request_text(body)
        return "答案：C" if "anchors" in text else "The answer is (A)."

    with FakeOpenAIServer(reply, model="dicmodel-7b") as server:
        ask = describer_ask("openai", base_url=server.base_url, model="dicmodel-7b",
                            max_retries=0)
        items = [it.model_copy(update={"image": str(img)}) for it in ITEMS[:3]]
        items[2] = items[2].model_copy(update={"image": str(tmp_path / "missing.png")})
        rep = evaluate_questions(items, ask, QuestionOptions(batch_size=3))
        assert len(request_images(server.requests[0])) == 1  # the figure went with the question
    assert [r.predicted for r in rep.results[:2]] == ["A", "C"]
    assert rep.accuracy == pytest.approx(2 / 3)
    assert rep.results[2].error and "missing.png" in rep.results[2].error
