"""Fluency rewrite: accepted only when every quoted label and number survives; template kept."""

from __future__ import annotations

import json

import pytest

from dicmodel.synth.rewrite import RewriteOptions, facts_kept, rewrite_caption, run_rewrite

CAP = 'The sequence diagram shows 3 messages between 2 participants: UE and AMF. 1. UE sends "Registration Request" to AMF.'


def test_facts_kept_checks_labels_and_numbers():
    good = 'Across 3 messages, the UE and AMF talk; first the UE sends "Registration Request" to the AMF (step 1), 2 peers.'
    assert facts_kept(CAP, good)
    assert not facts_kept(CAP, "The UE registers with the AMF in 3 messages, 2 participants, step 1.")  # label gone
    assert not facts_kept(CAP, 'The UE sends "Registration Request" to the AMF.')  # numbers gone


def test_rewrite_caption_falls_back_to_the_template():
    assert rewrite_caption(CAP, lambda p: "Totally different.") == (CAP, False)

    def boom(prompt):
        raise RuntimeError("down")

    assert rewrite_caption(CAP, boom) == (CAP, False)
    text, ok = rewrite_caption(CAP, lambda p: CAP.replace("shows", "depicts"))
    assert ok and "depicts" in text


@pytest.mark.network
def test_run_rewrite_through_loopback_server_keeps_template_as_reference(tmp_path):
    from dicmodel.testing import openai_server as server_mod  # stdlib only: a break must fail, not skip
    pytest.importorskip("httpx")
    data = tmp_path / "ds"
    (data / "images").mkdir(parents=True)
    (data / "images" / "a.png").write_bytes(b"png")
    rows = [{"id": i, "caption": CAP, "target": CAP, "prompt": "Describe.", "mermaid": "sequenceDiagram\n",
             "images": {"png": "images/a.png"}, "split": "train", "kind": "sequence", "family": "f", "lang": "en"}
            for i in ("a", "b")]
    (data / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with server_mod.FakeOpenAIServer(replies=[CAP.replace("shows", "depicts"), "Nothing useful."]) as server:
        counts = run_rewrite(RewriteOptions(data=data, base_url=server.base_url, model="m"))
        again = run_rewrite(RewriteOptions(data=data, base_url=server.base_url, model="m"))
    assert counts == {"rewritten": 2, "accepted": 1} and again["rewritten"] == 0
    recs = [json.loads(x) for x in (data / "captions.train.jsonl").read_text().splitlines()]
    texts = {r["id"]: r["messages"][1]["content"][0]["text"] for r in recs}
    assert "depicts" in texts["a"] and "shows" in texts["b"]
    assert all(r["reference"] == CAP for r in recs)
