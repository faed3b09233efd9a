"""dicmodel._io: the torn-line cut of open_append when the tear is longer than one read."""

from __future__ import annotations

from dicmodel._io import open_append


def test_a_torn_line_longer_than_the_tail_read_is_cut_back_to_the_last_record(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"step": 1}\n' + b'{"step": 2, "x": "' + b"y" * 200_000)  # 3+ tail reads
    with open_append(path) as f:
        f.write('{"step": 3}\n')
    assert path.read_text(encoding="utf-8").splitlines() == ['{"step": 1}', '{"step": 3}']


def test_a_file_that_is_one_torn_line_is_emptied_first(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"step": 1, "x": "' + b"y" * 70_000)
    with open_append(path) as f:
        f.write('{"step": 2}\n')
    assert path.read_text(encoding="utf-8") == '{"step": 2}\n'


def test_a_stream_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path):
    import pytest

    from dicmodel.synth.export import write_jsonl

    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")

    def records():
        yield {"id": 1}
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError):
        write_jsonl(path, records())
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
