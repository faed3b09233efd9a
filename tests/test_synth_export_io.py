"""The small file helpers synth export uses (fast; no renderer needed)."""

from __future__ import annotations

import json

from dicmodel._io import open_append
from dicmodel.synth import export as E


def test_append_after_a_torn_line_keeps_the_new_record(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b", "ki', encoding="utf-8")  # crashed mid-line
    with open_append(path) as f:
        f.write(json.dumps({"id": "c"}) + "\n")
    assert [r["id"] for r in E.read_jsonl(path)] == ["a", "c"]


def test_append_keeps_complete_files_and_creates_missing_ones(tmp_path):
    whole = tmp_path / "whole.jsonl"
    whole.write_text('{"id": "a"}\n', encoding="utf-8")
    for path in (whole, tmp_path / "new.jsonl"):
        with open_append(path) as f:
            f.write('{"id": "z"}\n')
    assert [r["id"] for r in E.read_jsonl(whole)] == ["a", "z"]
    assert [r["id"] for r in E.read_jsonl(tmp_path / "new.jsonl")] == ["z"]


def test_write_jsonl_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")
    assert E.write_jsonl(path, ({"i": i} for i in range(3))) == 3
    assert [r["i"] for r in E.read_jsonl(path)] == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
