"""Reports, the eval/bench command line, and the bench loop with a stand-in describer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicmodel.cli import main
from dicmodel.diagram import Diagram, Node
from dicmodel.document import Description, FigureType
from dicmodel.eval.report import bar_chart, markdown_table, write_json


def test_markdown_table_formats_numbers_and_missing_values():
    text = markdown_table([{"system": "a|b", "bleu": 12.3456, "f1": None},
                           {"system": "c", "bleu": 1.0, "f1": 0.5}], digits=2)
    lines = text.splitlines()
    assert lines[0] == "| system | bleu | f1 |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2] == "| a\\|b | 12.35 | - |"
    assert markdown_table([]) == ""


def test_json_and_png(tmp_path):
    p = write_json({"x": "基站", "n": 1}, tmp_path / "sub" / "r.json")
    assert json.loads(p.read_text(encoding="utf-8")) == {"x": "基站", "n": 1}
    png = bar_chart([{"s": "a", "m": 1.0}, {"s": "b", "m": 2.0}], ["m"], "s", tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_captions(tmp_path, capsys):
    (tmp_path / "p.jsonl").write_text('{"id": "2", "text": "It was not surprising."}\n'
                                      '{"id": "1", "text": "The dog bit the man."}\n')
    (tmp_path / "r.jsonl").write_text('{"id": "1", "text": "The dog bit the man."}\n'
                                      '{"id": "2", "text": "It was not unexpected."}\n')
    code = main(["eval", "captions", "--pred", str(tmp_path / "p.jsonl"), "--ref",
                 str(tmp_path / "r.jsonl"), "--bootstrap", "0", "--json", str(tmp_path / "o.json"),
                 "--per-item"])
    assert code == 0
    out = json.loads((tmp_path / "o.json").read_text())
    # aligned by id: item "1" is a perfect match even though the files list it in other orders
    assert {i["id"]: round(i["bleu"]) for i in out["items"]}["1"] == 100
    assert "tok:13a" in capsys.readouterr().out


def test_cli_structure_on_mermaid_folders(tmp_path, capsys):
    (tmp_path / "ref").mkdir()
    (tmp_path / "pred").mkdir()
    (tmp_path / "ref" / "a.mmd").write_text("flowchart LR\n A[UE] --> B[eNB]\n B --> C[MME]\n")
    (tmp_path / "pred" / "a.mmd").write_text("flowchart LR\n x[UE] --> y[eNB]\n z[MME] --> y\n")
    (tmp_path / "ref" / "b.mmd").write_text("flowchart LR\n A[HSS] --> B[MME]\n")
    code = main(["eval", "structure", "--pred", str(tmp_path / "pred"), "--ref", str(tmp_path / "ref"),
                 "--json", str(tmp_path / "s.json")])
    assert code == 0
    agg = json.loads((tmp_path / "s.json").read_text())
    # a: 3/3 nodes, 1 of 2 edges; b missing from pred: 0 of 2 nodes, 0 of 1 edge
    assert agg["micro"]["nodes"]["tp"] == 3 and agg["micro"]["nodes"]["n_ref"] == 5
    assert agg["micro"]["edges"]["tp"] == 1 and agg["micro"]["edges"]["n_ref"] == 3


def test_cli_registers_eval_and_bench(capsys):
    assert main(["bench"]) == 2
    assert "describe" in capsys.readouterr().out


class _SpanDescriber:
    """Stand-in: every text span becomes a node; no edges. Enough to check the bench plumbing."""

    name = "spans"

    def describe(self, requests):
        out = []
        for r in requests:
            d = Diagram(nodes=[Node(id=f"n{i}", label=s.text) for i, s in enumerate(r.spans)])
            out.append(Description(text=" ".join(s.text for s in r.spans), diagram=d,
                                   figure_type=FigureType.flowchart, confidence=0.5))
        return out


def _tiny_devset(tmp_path: Path):
    pymupdf = pytest.importorskip("pymupdf")
    from dicmodel.eval.bench import BenchOptions, cache_path, load_figures

    (tmp_path / "dev" / "mermaid").mkdir(parents=True)
    (tmp_path / "dev" / "mermaid" / "001.mmd").write_text(
        "flowchart LR\n A[Attach Request] --> B[Authentication]\n B --> C[Session Setup]\n")
    (tmp_path / "dev" / "mermaid" / "002.mmd").write_text("pie title x\n \"a\" : 1\n")
    opts = BenchOptions(devset=str(tmp_path / "dev"), cache_dir=str(tmp_path / "cache"),
                        systems=["spans/vector", "pymupdf4llm"])
    (tmp_path / "cache").mkdir()
    for f in load_figures(opts):  # pre-made "renders", so no browser is needed
        doc = pymupdf.open()
        page = doc.new_page(width=300, height=120)
        for k, label in enumerate(["Attach Request", "Authentication", "Session Setup"]):
            page.insert_text((10 + 95 * k, 60), label, fontsize=8)
        doc.save(cache_path(f, "pdf", Path(opts.cache_dir)))
        page.get_pixmap().save(cache_path(f, "png", Path(opts.cache_dir)))
    return opts


def test_bench_runs_a_describer_and_a_peer_on_the_same_figures(tmp_path):
    from dicmodel.describe.base import register_describer
    from dicmodel.eval.bench import bench_markdown, run_bench

    register_describer("spans", lambda **_: _SpanDescriber())
    opts = _tiny_devset(tmp_path)
    results = {r.system: r for r in run_bench(opts, log=lambda s: None)}
    spans = results["spans/vector"]
    assert spans.n == 1 and spans.failed == 0  # the pie chart is not a graph ground truth
    assert spans.node_recall == pytest.approx(1.0)
    assert spans.edge_f1 == 0.0  # it found no edges
    assert spans.seconds_per_figure is not None and spans.bleu is not None
    peer = results["pymupdf4llm"]
    assert peer.failed == 0 and peer.node_recall == pytest.approx(1.0) and peer.edge_f1 is None
    table = bench_markdown(list(results.values()))
    assert "| spans/vector | 1 | 0 |" in table


def test_bench_reports_an_unavailable_describer(tmp_path):
    from dicmodel.eval.bench import run_bench

    opts = _tiny_devset(tmp_path)
    opts.systems = ["no-such-describer/raster"]
    (res,) = run_bench(opts, log=lambda s: None)
    assert res.failed == 1 and res.bleu is None and "unavailable" in res.note


@pytest.mark.network
def test_cli_questions_against_a_loopback_server(tmp_path, capsys):
    from dicmodel.testing import FakeOpenAIServer

    (tmp_path / "q.csv").write_text(
        "Question,Option 1,Option 2,Answer,Category\n"
        "Which node authenticates the UE?,MME,SGW,A,architecture\n"
        "Which gateway anchors mobility?,MME,SGW,B,architecture\n"
        "What does the UE send first?,Attach Request,Paging,1,call flow\n", encoding="utf-8")
    with FakeOpenAIServer(replies=["A", "Answer: A", "(A) Attach Request"], model="m") as server:
        code = main(["eval", "questions", "--describer", "openai", "--base-url", server.base_url,
                     "--model", "m", "--items", str(tmp_path / "q.csv"), "--batch-size", "1",
                     "--json", str(tmp_path / "q.json"), "--chart", str(tmp_path / "q.png")])
    assert code == 0
    rep = json.loads((tmp_path / "q.json").read_text())
    assert rep["accuracy"] == pytest.approx(2 / 3)
    assert rep["per_category"]["call flow"]["accuracy"] == 1.0
    assert [r["raw"] for r in rep["results"]] == ["A", "Answer: A", "(A) Attach Request"]
    assert "| all | 3 | 2 |" in capsys.readouterr().out
    assert (tmp_path / "q.png").exists()


def test_eval_modules_import_light():
    import subprocess
    import sys

    heavy = ("sacrebleu", "rapidfuzz", "matplotlib", "scipy", "numpy", "pymupdf", "pymupdf4llm",
             "torch", "httpx", "cv2")
    code = ("import sys, dicmodel.eval, dicmodel.eval.captions, dicmodel.eval.questions, "
            "dicmodel.eval.report, dicmodel.eval.bench, dicmodel.eval._cli; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported: {out.stdout}"


def test_bench_passes_describer_options(tmp_path):
    from dicmodel.describe.base import register_describer
    from dicmodel.eval.bench import run_bench

    seen = {}

    def factory(**options):
        seen.update(options)
        return _SpanDescriber()

    register_describer("spans-opts", factory)
    opts = _tiny_devset(tmp_path)
    opts.systems = ["spans-opts/vector"]
    opts.describer_options = {"time_budget": 120}
    (res,) = run_bench(opts, log=lambda s: None)
    assert seen == {"time_budget": 120} and res.failed == 0


def test_render_sources_reports_a_file_that_is_no_diagram_source(tmp_path):
    from dicmodel.eval.bench import render_sources

    failures = render_sources([("notes.txt", "graph TD; A-->B")], tmp_path)
    assert set(failures) == {"notes.txt"} and set(failures["notes.txt"]) == {"pdf", "png"}
    assert "not a diagram source" in failures["notes.txt"]["pdf"]


def test_sources_label_matching_cannot_score_are_left_out(tmp_path):
    from dicmodel.diagram import parse_mermaid
    from dicmodel.dot import parse_dot
    from dicmodel.eval.bench import BenchOptions, load_figures, unscorable

    katex = "sequenceDiagram\n A->>B: $$\\alpha + \\beta$$\n"
    assert "KaTeX" in unscorable(parse_mermaid(katex), katex)
    bare = "flowchart LR\n A --> B\n"  # a Mermaid node without a label shows its id
    assert unscorable(parse_mermaid(bare), bare) is None
    blank = 'graph { node [label=""]; a -- b; }'
    assert "no node carries a visible label" in unscorable(parse_dot(blank), blank, "dot")
    (tmp_path / "mermaid").mkdir()
    (tmp_path / "mermaid" / "001.mmd").write_text(bare)
    (tmp_path / "mermaid" / "002.mmd").write_text(katex)
    names = [f.name for f in load_figures(BenchOptions(devset=str(tmp_path),
                                                       kinds=["flowchart", "sequence"]))]
    assert names == ["001.mmd"]
