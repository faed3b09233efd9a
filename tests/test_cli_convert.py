"""`dicmodel convert` as a user runs it: exit codes, summary, resume."""

import io
import subprocess
import sys

import pytest
from PIL import Image

from dicmodel.cli import main


def _png(path):
    im = Image.new("RGB", (120, 60), "white")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    path.write_bytes(buf.getvalue())


def test_convert_reports_bad_inputs_and_exits_1(tmp_path, capsys):
    _png(tmp_path / "ok.png")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
    code = main(["convert", str(tmp_path / "ok.png"), str(tmp_path / "bad.pdf"), "-o",
                 str(tmp_path / "out"), "--describer", "text", "-q", "--format", "md,json"])
    out = capsys.readouterr().out
    assert code == 1
    assert "converted 1" in out and "failed 1" in out and "FAILED" in out and "bad.pdf" in out
    assert (tmp_path / "out" / "ok.md").exists() and not (tmp_path / "out" / "bad.md").exists()


def test_convert_rerun_skips_and_bad_option_exits_2(tmp_path, capsys):
    _png(tmp_path / "a.png")
    args = ["convert", str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "--describer", "text", "-q"]
    assert main(args) == 0
    assert main(args) == 0
    assert "skipped 1" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad_format:  # argparse refuses it, naming --format
        main(args + ["--format", "docx"])
    assert bad_format.value.code == 2
    assert main(["convert", str(tmp_path / "a.png"), "--describer", "nope", "-q",
                 "-o", str(tmp_path / "o2")]) == 2


def test_ingest_flags_are_generated_from_options():
    out = subprocess.run([sys.executable, "-m", "dicmodel", "convert", "--help"],
                         capture_output=True, text=True, check=True).stdout
    from dicmodel.ingest import IngestOptions

    for name in ("dpi", "min_figure_size", "detect_figures"):
        assert "--" + name.replace("_", "-") in out
    assert set(IngestOptions.model_fields) >= {"dpi", "password"}


def test_generated_ingest_flags_reach_ingest(tmp_path, capsys):
    from dicmodel._pdfgen import sample_report

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(sample_report().data)
    base = ["convert", str(pdf), "--describer", "text", "-q", "--format", "json"]
    assert main(base + ["-o", str(tmp_path / "a")]) == 0
    assert "figures 4" in capsys.readouterr().out
    assert main(base + ["-o", str(tmp_path / "b"), "--no-detect-figures", "--pages", "1-2"]) == 0
    out = capsys.readouterr().out
    assert "figures 0" in out and "pages 2" in out
