"""User errors on the command line: one message naming the flag and the fix; no traceback, no
pydantic URL (issue 19 point 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicmodel.cli import main


@pytest.fixture()
def png(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "fig.png"
    Image.new("RGB", (40, 30), "white").save(path)
    return path


CASES = {
    # name: (argv, words the message must hold)
    "hybrid without a model": (["describe", "{png}", "--describer", "hybrid"],
                               ["'hybrid'", "--model", "--base-url"]),
    "hybrid without a model (convert)": (["convert", "{png}", "-o", "{tmp}", "--describer", "hybrid"],
                                         ["'hybrid'", "--model"]),
    "hf without a model": (["describe", "{png}", "--describer", "hf"], ["'model'", "--model"]),
    "bad --format": (["convert", "{png}", "-o", "{tmp}", "--format", "markdown"],
                     ["--format", "'markdown'", "md, json, jsonl"]),
    "bench without the devset": (["bench", "describe", "--devset", "{tmp}/nowhere"],
                                 ["bench describe", "--devset", "DICMODEL_DEVSET"]),
    "hub id instead of a folder": (["describe", "{png}", "--describer", "hf", "--model", "Qwen/Qwen2-VL-2B"],
                                   ["hf download Qwen/Qwen2-VL-2B", "--local-dir"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_user_errors_name_the_flag_and_the_fix(name: str, png: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    argv, words = CASES[name]
    argv = [a.format(png=png, tmp=tmp_path) for a in argv]
    try:
        rc = main(argv)
    except SystemExit as exit_:  # argparse refuses a bad flag value with exit status 2
        rc = exit_.code
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and "errors.pydantic.dev" not in err and "Field required" not in err, err
    for word in words:
        assert word in err, (word, err)
    assert len(err.strip().splitlines()) <= 3, err  # a message, not a dump
