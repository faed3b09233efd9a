"""Renderers: one browser for many Mermaid diagrams, Graphviz, real text in PDFs, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dicmodel.errors import ConfigError, RenderError
from dicmodel.synth import render as R

needs_mermaid = pytest.mark.skipif(not R.mermaid_available(), reason="mermaid-cli/chromium not installed")
needs_dot = pytest.mark.skipif(not R.graphviz_available(), reason="graphviz not installed")

FLOW = 'flowchart LR\n    ue["UE"] -->|"Attach Request"| mme["MME"]\n    mme --- hss["HSS"]\n'


def _pdf_text(path: Path) -> str:
    pymupdf = pytest.importorskip("pymupdf")
    with pymupdf.open(path) as doc:
        return " ".join(page.get_text() for page in doc)


def test_mermaid_config_pdf_defaults_to_svg_text_labels():
    st = R.MermaidStyle(theme="forest", font_family="Arial", curve="linear")
    assert R.mermaid_config(st, "pdf")["htmlLabels"] is False
    assert "htmlLabels" not in R.mermaid_config(st, "png")
    cfg = R.mermaid_config(st, "png")
    assert cfg["theme"] == "forest" and cfg["flowchart"]["curve"] == "linear"
    assert cfg["themeVariables"]["fontFamily"] == "Arial"


def test_bad_format_and_engine_name_the_parameter(tmp_path):
    with pytest.raises(ConfigError, match="fmt"):
        R.render_dot("graph { a -- b }", tmp_path / "x.gif", "gif")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="engine"):
        R.render_dot("graph { a -- b }", tmp_path / "x.png", engine="nope")


def test_missing_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(R.shutil, "which", lambda name: None)
    with pytest.raises(R.RendererNotInstalledError, match="apt-get install graphviz"):
        R.render_dot("graph { a -- b }", tmp_path / "x.png")


def test_missing_mermaid_cli_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(R.shutil, "which", lambda name: None)
    monkeypatch.setenv("DICMODEL_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(R.RendererNotInstalledError, match="npm install -g @mermaid-js/mermaid-cli"):
        R.MermaidRenderer().start()


@needs_dot
def test_graphviz_png_and_pdf_with_text(tmp_path):
    png = R.render_dot('graph G { a [label="Leaf1"]; b [label="Spine1"]; a -- b [label="eth1"]; }',
                       tmp_path / "g.png", engine="neato", dpi=96)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = R.render_dot('digraph G { a [label="Leaf1"]; a -> b [label="eth1"]; }', tmp_path / "g.pdf", "pdf")
    assert "Leaf1" in _pdf_text(pdf) and "eth1" in _pdf_text(pdf)
    assert not list(tmp_path.glob("*.part"))


@needs_dot
def test_graphviz_syntax_error_carries_the_tool_message(tmp_path):
    with pytest.raises(RenderError, match="syntax error"):
        R.render_dot("graph G { a -- ", tmp_path / "bad.png")


@pytest.mark.slow
@needs_mermaid
def test_one_browser_renders_many_and_survives_a_bad_diagram(tmp_path):
    jobs = [R.MermaidJob(FLOW, tmp_path / "a.png"),
            R.MermaidJob("flowchart LR\n  a[UE --> ", tmp_path / "bad.png"),
            R.MermaidJob("sequenceDiagram\n  UE->>AMF: Registration Request\n", tmp_path / "s.pdf", "pdf"),
            R.MermaidJob("stateDiagram-v2\n  [*] --> IDLE\n  IDLE --> CONNECTED : RRC Setup\n",
                         tmp_path / "st.svg", "svg", R.MermaidStyle(theme="dark"))]
    with R.MermaidRenderer(concurrency=2) as r:
        pid = r._proc.pid
        results = {res.out.name: res for res in r.render_many(jobs)}
        assert r._proc.pid == pid  # the same browser process served every job
        with pytest.raises(RenderError, match="Parse error"):
            r.render("flowchart LR\n  a[UE --> ", tmp_path / "bad2.png")
        r.render(FLOW, tmp_path / "again.png", scale=2)
    assert results["a.png"].ok and (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert not results["bad.png"].ok and "Parse error" in results["bad.png"].error
    assert not (tmp_path / "bad.png").exists()
    assert results["s.pdf"].ok and "Registration Request" in _pdf_text(tmp_path / "s.pdf")
    svg = (tmp_path / "st.svg").read_text()
    assert "RRC Setup" in re.sub(r"<[^>]+>", "", svg) and "foreignObject" not in svg


@pytest.mark.slow
@needs_mermaid
def test_render_mermaid_pdf_keeps_labels_as_text(tmp_path):
    out = R.render_mermaid(FLOW, tmp_path / "f.pdf", "pdf", theme="neutral")
    text = _pdf_text(out)
    for label in ("UE", "MME", "HSS", "Attach Request"):
        assert label in text


@pytest.mark.slow
@needs_mermaid
@needs_dot
def test_one_diagram_of_every_family_renders(tmp_path):
    from dicmodel.synth.generator import FAMILIES, GenOptions, generate_one, mermaid_text, to_dot

    jobs = []
    for k, fam in enumerate(FAMILIES):
        sd = generate_one(k, 0, GenOptions(lang="mixed", families=[fam], graphviz_p=0.5))
        if sd.style.renderer == "graphviz":
            R.render_dot(to_dot(sd.diagram, sd.style), tmp_path / f"{fam}.png", engine=sd.style.engine)
        else:
            jobs.append(R.MermaidJob(mermaid_text(sd.diagram), tmp_path / f"{fam}.png",
                                     style=R.MermaidStyle(theme=sd.style.theme, font_family=sd.style.font_family)))
    with R.MermaidRenderer() as r:
        failed = [(res.id, res.error) for res in r.render_many(jobs) if not res.ok]
    assert not failed
    assert len(list(tmp_path.glob("*.png"))) == len(FAMILIES)
