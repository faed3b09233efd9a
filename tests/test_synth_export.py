"""Dataset build end to end on a few diagrams: rendering, resumability, failures, splits, exports, CLI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dicmodel.synth import export as E
from dicmodel.synth.render import graphviz_available, mermaid_available

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (mermaid_available() and graphviz_available()), reason="renderers missing")]


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_build_resume_failures_splits_and_exports(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    opts = {"out": out, "seed": 5, "lang": "mixed", "progress": False, "val_fraction": 0.3, "test_fraction": 0.3}
    first = E.build_diagrams(E.BuildOptions(n=4, **opts))
    assert first.rendered == 4 and first.failed == 0

    # one diagram with invalid Mermaid: skipped and counted, never in the dataset
    current = [""]  # the id of the item being generated (the worker renders right after)
    real_text, real_gen = E.mermaid_text, E.generate_one

    def gen(seed, i, o):
        sd = real_gen(seed, i, o)
        current[0] = sd.id
        if sd.id == "s5-000005":
            sd.style.renderer = "mermaid"
        return sd

    def text(d):
        return "flowchart LR\n a[x --> " if current[0] == "s5-000005" else real_text(d)

    monkeypatch.setattr(E, "generate_one", gen)
    monkeypatch.setattr(E, "mermaid_text", text)
    second = E.build_diagrams(E.BuildOptions(n=7, formats=["png", "pdf"], **opts))
    assert second.skipped_existing == 4 and second.rendered + second.failed == 3 and second.failed == 1

    items = _lines(out / "items.jsonl")
    ids = [r["id"] for r in items]
    assert len(ids) == len(set(ids)) == 6 and "s5-000005" not in ids
    assert _lines(out / "failures.jsonl")[0]["id"] == "s5-000005"
    assert not (out / "images" / "s5-000005.png").exists()
    assert not list(out.rglob("*.part")) and not list(out.rglob(".*.tmp"))
    for r in items:
        for rel in r["images"].values():
            assert (out / rel).stat().st_size > 0

    # questions: every item sits in the split of its diagram
    counts = E.build_questions(E.QuestionOptions(data=out, per_diagram=2, mcq_fraction=0.5))
    split_of = {r["id"]: r["split"] for r in items}
    for q in _lines(out / "questions.jsonl"):
        assert q["split"] == split_of[q["diagram_id"]]
    assert counts["questions"] == sum(counts[s] for s in E.SPLITS)

    # conversation files: the documented shape, images resolvable from the file's folder
    for name in [f"captions.{s}.jsonl" for s in E.SPLITS] + [f"vqa.{s}.jsonl" for s in E.SPLITS]:
        for rec in _lines(out / name):
            user, assistant = rec["messages"][0], rec["messages"][1]
            assert user["role"] == "user" and user["content"][0] == {"type": "image"}
            assert user["content"][1]["type"] == "text" and assistant["role"] == "assistant"
            assert assistant["content"][0]["type"] == "text" and assistant["content"][0]["text"]
            assert all((out / p).is_file() for p in rec["images"])
    split_ids = {s: {r["id"] for r in _lines(out / f"captions.{s}.jsonl")} for s in E.SPLITS}
    assert sum(len(v) for v in split_ids.values()) == 6
    assert not (split_ids["train"] & split_ids["test"]) and not (split_ids["train"] & split_ids["validation"])

    card = (out / "README.md").read_text()
    kinds = Counter(r["kind"] for r in items)
    for kind, n in kinds.items():
        assert f"| {kind} | {n} |" in card

    # the failed item is retried on request once the cause is gone
    monkeypatch.undo()
    third = E.build_diagrams(E.BuildOptions(n=7, formats=["png", "pdf"], retry_failed=True, **opts))
    assert third.rendered == 1 and third.skipped_existing == 6
    assert "s5-000005" in {r["id"] for r in _lines(out / "items.jsonl")}
    assert _lines(out / "failures.jsonl") == []


def test_training_loader_reads_the_export(tmp_path):
    from dicmodel.train import data  # part of the package: a break must fail, not skip
    out = tmp_path / "ds"
    E.build_diagrams(E.BuildOptions(n=3, out=out, progress=False, val_fraction=0, test_fraction=0))
    ds = data.ConversationDataset(out / "captions.train.jsonl")
    assert len(ds) == 3 and all(Path(p).is_file() for r in ds.records for p in r["images"])


def test_cli_runs_the_whole_chain(tmp_path, capsys):
    from dicmodel.cli import main

    out = tmp_path / "cli"
    assert main(["synth", "diagrams", "--n", "3", "--out", str(out), "--seed", "2", "--lang", "zh",
                 "--formats", "png", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rendered"] == 3
    assert main(["synth", "questions", "--data", str(out)]) == 0
    assert main(["synth", "instructions", "--data", str(out), "--synthesizer", "rule", "--tuning-records",
                 "--no-progress"]) == 0
    assert main(["synth", "filter", "--data", str(out), "--judge", "rule"]) == 0
    capsys.readouterr()
    assert len(_lines(out / "triplets.filtered.jsonl")) == len(_lines(out / "triplets.jsonl")) > 0
    assert (out / "synthesizer_tune.jsonl").is_file() and (out / "blank.png").is_file()
    # a second run of the same command does nothing new (resumable)
    assert main(["synth", "diagrams", "--n", "3", "--out", str(out), "--seed", "2", "--lang", "zh",
                 "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped_existing"] == 3
    assert main(["synth", "instructions", "--data", str(out), "--synthesizer", "openai"]) == 1
