"""Batch work under hostile conditions: budgets, dead workers, signals, odd names, reruns,
umask, folder walks (issues 19 and 20)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dicmodel import _pdfgen, errors
from dicmodel._io import atomic_write
from dicmodel.batch import RUN_DIR, convert_many, expand_inputs
from dicmodel.testing import faults

REPO = Path(__file__).resolve().parents[1]
HERE = {"doc_timeout": 0, "doc_memory": 0}  # no budget, one worker: converted in this process


def _report(path: Path) -> Path:
    path.write_bytes(_pdfgen.sample_report(logo=False, duplicate_raster=False).data)
    return path


def _case(name: str) -> faults.Case:
    return next(c for c in faults.cases() if c.name == name)


# ---------------------------------------------------------------- files and names
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_outputs_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "a.txt", "x")
        _report(tmp_path / "doc.pdf")
        convert_many([tmp_path / "doc.pdf"], tmp_path / "out", describer="text", formats="md,json", **HERE)
    finally:
        os.umask(old)
    want = 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == want
    for f in ("doc.md", "doc.json", f"{RUN_DIR}/summary.json"):
        assert stat.S_IMODE((tmp_path / "out" / f).stat().st_mode) == want, f


def test_rerun_keeps_the_real_statistics(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        _report(src / f"d{i}.pdf")
    (src / "bad.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    first = convert_many([src], tmp_path / "out", describer="text", **HERE)
    again = convert_many([src], tmp_path / "out", describer="text", **HERE)
    assert (first.converted, first.failed) == (2, 1)
    assert (again.converted, again.skipped, again.failed) == (0, 2, 1)
    run_dir = tmp_path / "out" / RUN_DIR
    saved = json.loads((run_dir / "summary.json").read_text())
    assert (saved["converted"], saved["failed"], saved["skipped"]) == (2, 1, 0)
    assert saved["pages"] == first.pages and len(saved["runs"]) == 2
    runs = sorted((run_dir / "runs").glob("*.json"))
    assert [json.loads(r.read_text())["skipped"] for r in runs] == [0, 2]


def test_summary_pdf_and_non_utf8_names(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("summary.pdf", os.fsdecode(b"caf\xe9.pdf")):
        faults.materialize(faults.Case(name, "ok", _case("summary.pdf").data), src)
    s = convert_many([src], tmp_path / "out", describer="text", formats="md,json", **HERE)
    assert (s.converted, s.failed) == (2, 0)
    out = tmp_path / "out"
    assert json.loads((out / "summary.json").read_text())["source"].endswith("summary.pdf")
    assert (out / "caf\\xe9.md").is_file()
    saved = json.loads((out / RUN_DIR / "summary.json").read_text(encoding="utf-8"))
    assert {Path(r["source"]).name for r in saved["results"]} == {"summary.pdf", "caf\\xe9.pdf"}


def test_repaired_documents_say_so_on_their_line(tmp_path: Path) -> None:
    faults.materialize(_case("broken-xref.pdf"), tmp_path)
    s = convert_many([tmp_path / "broken-xref.pdf"], tmp_path / "out", describer="text", **HERE)
    assert s.converted == 1
    assert s.results[0].line().startswith("ok (repaired: ")
    assert "ok (repaired: " in s.table()


# ---------------------------------------------------------------- folder walks
def test_folder_walk_takes_readable_suffixes_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dicmodel import pipeline

    _report(tmp_path / "a.pdf")
    (tmp_path / "deck.pptx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "notes.txt").write_text("not a document")
    monkeypatch.setitem(pipeline.SUFFIX_NEEDS, ".pptx", ("dicmodel_no_such_module",))
    notes: list[str] = []
    assert expand_inputs([tmp_path], notes=notes) == [tmp_path / "a.pdf"]
    want = f"left out 1 .pptx file(s): need dicmodel_no_such_module (pip install 'dicmodel[all]'): {tmp_path}/deck.pptx"
    assert notes == [want]
    monkeypatch.setitem(pipeline.SUFFIX_NEEDS, ".pptx", ())  # installed: the deck is taken
    assert expand_inputs([tmp_path]) == [tmp_path / "a.pdf", tmp_path / "deck.pptx"]


def test_folder_walk_is_flat_by_default_and_loop_safe_when_recursive(tmp_path: Path) -> None:
    _report(tmp_path / "a.pdf")
    (tmp_path / "sub").mkdir()
    _report(tmp_path / "sub" / "b.pdf")
    os.symlink("..", tmp_path / "sub" / "up")  # sub/up -> the root again: a loop
    os.mkfifo(tmp_path / "pipe.pdf")
    os.symlink(tmp_path / "nowhere.pdf", tmp_path / "dangling.pdf")
    notes: list[str] = []
    assert expand_inputs([tmp_path], notes=notes) == [tmp_path / "a.pdf"]
    assert any("subfolder(s) not searched (add --recursive)" in n and "sub" in n for n in notes)
    assert any("non-regular" in n and "pipe.pdf" in n for n in notes)
    assert any("lead nowhere" in n and "dangling.pdf" in n for n in notes)
    notes.clear()
    t0 = time.perf_counter()
    assert expand_inputs([tmp_path], recursive=True, notes=notes) == [tmp_path / "a.pdf", tmp_path / "sub" / "b.pdf"]
    assert time.perf_counter() - t0 < 2
    assert any("symlink loop" in n and "up" in n for n in notes)


def test_a_fifo_named_directly_is_one_failed_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.pdf")
    _report(tmp_path / "ok.pdf")
    signal.alarm(30)  # a regression would block on the FIFO forever
    try:
        s = convert_many([tmp_path / "x.pdf", tmp_path / "ok.pdf"], tmp_path / "out", describer="text", **HERE)
    finally:
        signal.alarm(0)
    assert (s.converted, s.failed) == (1, 1)
    bad = next(r for r in s.results if r.status == "failed")
    assert bad.error_type == "UnsupportedFormatError" and "FIFO" in bad.error


# ---------------------------------------------------------------- errors
def test_untyped_library_errors_are_wrapped_with_the_file_name(tmp_path: Path) -> None:
    import dicmodel

    for name, etype in (("bad-count.pdf", errors.CorruptDocumentError), ("bomb.png", errors.ImageError),
                        ("big-declared.png", errors.ImageError)):
        path = faults.materialize(_case(name), tmp_path)
        with pytest.raises(etype, match=name):
            dicmodel.convert(path, describer="text")
    with pytest.raises(errors.SourceNotFoundError, match="missing.pdf"):
        dicmodel.convert(tmp_path / "missing.pdf")
    with pytest.raises(FileNotFoundError):  # still one, for callers that catch that
        dicmodel.convert(tmp_path / "missing.pdf")


def test_the_encrypted_message_names_a_flag_that_exists(tmp_path: Path) -> None:
    import dicmodel
    from dicmodel.cli import build_parser

    path = faults.materialize(_case("encrypted.pdf"), tmp_path)
    with pytest.raises(errors.EncryptedDocumentError, match="--password") as info:
        dicmodel.convert(path)
    flag = str(info.value).split("CLI: ")[1].split()[0]
    args = build_parser().parse_args(["convert", str(path), flag, "secret"])
    assert dicmodel.convert(path, describer="text", password=args.ingest__password).pages


def test_huge_page_boxes_cost_little(tmp_path: Path) -> None:
    """Before: the 1e6-pt page took 42 s and 5.3 GB (a MemoryError under a 6 GB cap), the
    200,000-pt one 16 s and 1.7 GB. Run under a 1.5 GB address-space cap."""
    code = ("import resource,sys,time,io\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, resource.RLIM_INFINITY))\n"
            "import dicmodel\nfrom PIL import Image\n"
            "for p in sys.argv[1:]:\n"
            "    t = time.perf_counter(); d = dicmodel.convert(p, describer='text')\n"
            "    px = [Image.open(io.BytesIO(f.image)).size for f in d.figures]\n"
            "    print(p, len(d.figures), len(d.errors), max([w * h for w, h in px] or [0]), time.perf_counter() - t)\n")
    paths = [str(faults.materialize(_case(n), tmp_path))
             for n in ("huge-mediabox.pdf", "mediabox-1e6.pdf", "mediabox-200k.pdf")]
    proc = subprocess.run([sys.executable, "-c", code, *paths], check=False, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    for line in proc.stdout.splitlines():
        name, figures, errs, pixels, seconds = line.split()
        if "huge-mediabox" not in name:  # MuPDF drops coordinates of 1e9: nothing to find there
            assert int(figures) == 1 and int(errs) == 0, line
        assert int(pixels) <= 16_000_000 and float(seconds) < 30, line


# ---------------------------------------------------------------- budgets and workers
def test_a_document_over_its_time_budget_fails_alone(tmp_path: Path) -> None:
    import pymupdf

    book, report = pymupdf.open(), pymupdf.open("pdf", _pdfgen.sample_report().data)
    for _ in range(20):  # 60 pages, 80 figures to crop: well over 50 ms on any machine
        book.insert_pdf(report)
    book.save(tmp_path / "a.pdf")
    s = convert_many([tmp_path / "a.pdf"], tmp_path / "out", describer="text", doc_timeout=0.05)
    assert s.failed == 1
    assert s.results[0].error_type == "ResourceLimitError" and "--doc-timeout" in s.results[0].error


def test_a_document_over_its_memory_budget_fails_and_the_others_complete(tmp_path: Path) -> None:
    big = faults.materialize(_case("mediabox-1e6.pdf"), tmp_path)  # a 48 MB crop pixmap
    good = _report(tmp_path / "good.pdf")
    s = convert_many([big, good], tmp_path / "out", describer="text", doc_memory=30)
    by = {Path(r.source).name: r for r in s.results}
    assert by["good.pdf"].status == "ok"
    assert by["mediabox-1e6.pdf"].error_type == "ResourceLimitError"
    assert "--doc-memory" in by["mediabox-1e6.pdf"].error


def test_cli_has_budget_and_recursion_flags() -> None:
    from dicmodel.cli import build_parser

    args = build_parser().parse_args(["convert", "x", "--doc-timeout", "5", "--doc-memory", "100", "--recursive"])
    assert (args.batch__doc_timeout, args.batch__doc_memory, args.batch__recursive) == (5.0, 100, True)


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(p.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_run(tmp_path: Path, n: int = 10) -> tuple[subprocess.Popen[str], list[int]]:
    src = tmp_path / "in"
    src.mkdir()
    data = _pdfgen.sample_report().data
    for i in range(n):
        (src / f"doc{i:02d}.pdf").write_bytes(data)

    def default_sigint() -> None:  # a shell's background job starts with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "dicmodel", "convert", "in", "-o", "out", "--workers", "2",
                             "-q"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), start_new_session=True,
                            preexec_fn=default_sigint)  # noqa: PLW1509 - the test starts no threads
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # both workers up and the first document written
        kids = _children(proc.pid)
        if len(kids) == 2 and list((tmp_path / "out").glob("*.md")):
            return proc, kids
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the run did not start")


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_ctrl_c_stops_the_workers(tmp_path: Path) -> None:
    proc, workers = _start_run(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends: the whole group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err
    assert _gone_within(workers, 5)
    written = sorted((tmp_path / "out").glob("*.md"))
    time.sleep(3)
    assert sorted((tmp_path / "out").glob("*.md")) == written  # nothing converts after the stop
    assert json.loads((tmp_path / "out" / RUN_DIR / "summary.json").read_text())["interrupted"]


@pytest.mark.slow
def test_killing_the_parent_stops_the_workers(tmp_path: Path) -> None:
    proc, workers = _start_run(tmp_path)
    proc.kill()
    proc.wait()
    assert _gone_within(workers, 5)


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_document(tmp_path: Path) -> None:
    proc, workers = _start_run(tmp_path)
    os.kill(workers[0], signal.SIGKILL)  # what the out-of-memory killer does
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1
    failed = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
    assert len(failed) == 1 and "WorkerCrashError" in failed[0] and "SIGKILL" in failed[0], out
    assert "converted 9" in out


def test_the_resident_memory_watch_ends_a_worker_over_budget() -> None:
    """The fallback of GPU workers (an address-space cap would break CUDA): SIGUSR1 ends it."""
    code = ("import signal, time\nfrom dicmodel import _workers\n"
            "signal.signal(signal.SIGUSR1, signal.SIG_DFL)\n_workers._watch_rss(50, every=0.05)\n"
            "block = bytearray(300 * 2**20)\ntime.sleep(10)\nprint('survived')\n")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == -signal.SIGUSR1 and "survived" not in proc.stdout
    from dicmodel._workers import _death

    err = _death(-signal.SIGUSR1, False, 600, 50)
    assert isinstance(err, errors.ResourceLimitError) and "--doc-memory" in str(err)
