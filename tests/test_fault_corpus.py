"""The fault corpus (dicmodel.testing.faults) through the Python API and the CLI batch.

Every good document converts; every bad one is one failed line whose type is a DicmodelError
(never InternalError, never a traceback); the run summary is written and cannot collide with
an input's outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dicmodel import errors
from dicmodel._io import display_name
from dicmodel.testing import faults

REPO = Path(__file__).resolve().parents[1]
TYPED = set(errors.__all__) - {"DicmodelError", "InternalError"}
HEAVY = {"many-paths.pdf", "flate-image-20k.pdf"}  # seconds each: only in the slow full run


def _cli(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "dicmodel", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout, errors="replace")


def _api_cases() -> list[faults.Case]:
    return [c for c in faults.cases() + faults.good_cases() if c.data is not None and c.name not in HEAVY]


@pytest.mark.parametrize("case", _api_cases(), ids=lambda c: c.name.encode("ascii", "replace").decode())
def test_python_api_gives_a_document_or_a_typed_error(case: faults.Case, tmp_path: Path) -> None:
    import dicmodel

    path = faults.materialize(case, tmp_path)
    t0 = time.perf_counter()
    try:
        doc = dicmodel.convert(path, describer="text")
    except errors.DicmodelError as err:
        assert case.expect in ("failed", "either"), f"{case.name} ({case.why}) failed: {err!r}"
        assert type(err).__name__ in TYPED, repr(err)
        assert display_name(path) in str(err), f"the message does not name the file: {err}"
    else:
        assert case.expect in ("ok", "either"), f"{case.name} ({case.why}) converted"
        assert doc.pages
    assert time.perf_counter() - t0 < 20, f"{case.name} took {time.perf_counter() - t0:.1f} s"


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    import dicmodel

    for case in faults.cases():
        if case.kind == "file":
            continue
        path = faults.materialize(case, tmp_path)
        t0 = time.perf_counter()
        with pytest.raises(errors.UnsupportedFormatError, match="not a regular file"):
            dicmodel.convert(path, describer="text")
        assert time.perf_counter() - t0 < 5


def _check_run(root: Path, picked: dict[str, faults.Case], printed: str, prefix: str) -> None:
    """Every good document converted, every bad one a single typed FAILED line, the summary
    written beside (never over) the outputs."""
    assert "Traceback" not in printed, printed[-3000:]
    summary = json.loads((root / "out" / "_dicmodel" / "summary.json").read_text(encoding="utf-8"))
    results = {r["source"].rsplit("/", 1)[-1]: r for r in summary["results"]}
    notes = " ".join(summary["notes"])
    for name, case in picked.items():
        shown = display_name(name)
        if case.expect == "skipped":
            assert shown in notes, (name, summary["notes"])
            assert shown not in results
            continue
        r = results[shown]
        if case.expect == "ok":
            assert r["status"] == "ok", (name, r)
        elif case.expect == "failed":
            assert r["status"] == "failed", (name, r)
        if r["status"] == "failed":
            assert r["error_type"] in TYPED, (name, r)
            lines = [ln for ln in printed.splitlines() if ln.startswith(f"FAILED {prefix}{shown}:")]
            assert len(lines) == 1, (name, printed)
    if "summary.pdf" in picked:  # the document called summary.pdf keeps its own outputs
        own = json.loads((root / "out" / "summary.json").read_text(encoding="utf-8"))
        assert own["source"].endswith("summary.pdf")
    if any(c.name.startswith("latin1-") for c in picked.values()):
        assert (root / "out" / "latin1-caf\\xe9.md").is_file()


_SMALL = {"corrupt.pdf", "encrypted.pdf", "zero-pages.pdf", "bad-count.pdf", "summary.pdf", "fifo.pdf",
          "bomb.png", "huge-mediabox.pdf", "report.pdf", "topology.png", "broken-xref.pdf"}


def test_batch_small_corpus_in_process(tmp_path: Path) -> None:
    from dicmodel.batch import convert_many

    picked = faults.build(tmp_path / "in", keep=lambda c: c.name in _SMALL or c.name.startswith("latin1-"))
    s = convert_many([tmp_path / "in"], tmp_path / "out", describer="text", formats="md,json",
                     doc_timeout=0, doc_memory=0)
    _check_run(tmp_path, picked, s.table(), f"{tmp_path / 'in'}/")


@pytest.mark.slow
def test_cli_batch_small_corpus(tmp_path: Path) -> None:
    picked = faults.build(tmp_path / "in", keep=lambda c: c.name in _SMALL or c.name.startswith("latin1-"))
    proc = _cli(tmp_path, "convert", "in", "-o", "out", "--format", "md,json", "-q", "--describer", "text",
                timeout=120)
    _check_run(tmp_path, picked, proc.stdout + proc.stderr, "in/")
    assert proc.returncode == 1  # documents failed


@pytest.mark.slow
def test_cli_batch_full_corpus_with_workers(tmp_path: Path) -> None:
    picked = faults.build(tmp_path / "in")
    proc = _cli(tmp_path, "convert", "in", "-o", "out", "--format", "md,json", "-q", "--workers", "2",
                "--recursive", timeout=600)
    _check_run(tmp_path, picked, proc.stdout + proc.stderr, "in/")
    assert proc.returncode == 1
    assert "symlink loop" in proc.stdout
