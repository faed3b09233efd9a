"""Progress inside a document: pages read and figures described, on a terminal only (issue 19
point 8); `dicmodel describe` on one PNG shows a bar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dicmodel._progress import show_progress

pytest.importorskip("pymupdf")
pytest.importorskip("tqdm")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_conversion_reports_pages_and_figures_on_a_terminal_only() -> None:
    from dicmodel import _pdfgen, convert

    data = _pdfgen.sample_report().data  # 3 pages, 4 figures (one a logo)
    term = _Terminal()
    with show_progress(stream=term):
        doc = convert(data, describer="text")
    shown = term.getvalue()
    assert "pages:" in shown and "/3 [" in shown, shown  # the inner bars clear when done
    n = len([f for f in doc.figures if not f.duplicate_of])
    assert "figures:" in shown and f"/{n} [" in shown, shown
    pipe = io.StringIO()  # not a terminal: no bar
    with show_progress(stream=pipe):
        convert(data, describer="text")
    assert pipe.getvalue() == ""
    convert(data, describer="text")  # a library call without show_progress draws nothing either


def test_describe_one_png_shows_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from dicmodel.cli import main

    png = tmp_path / "flow.png"
    Image.new("RGB", (60, 40), "white").save(png)
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    assert main(["describe", str(png), "--describer", "text"]) == 0
    assert "describe: 100%" in term.getvalue() and "1/1" in term.getvalue()
    assert "## flow.png" in capsys.readouterr().out  # the result still goes to stdout
