"""DICModelLoader / DICModelParser: every mode, metadata types, options, blob composition."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("langchain_core")

from langchain_core.document_loaders import BaseBlobParser, BaseLoader, Blob
from langchain_core.document_loaders.blob_loaders import BlobLoader
from test_integrations_common import SECRET, FakeDescriber, make_document, write_callflow_pdf

from dicmodel.errors import ConfigError, DicmodelError
from dicmodel.integrations.langchain import DICModelLoader, DICModelParser, to_langchain_documents

_SCALAR = (str, int, float, bool)


def _assert_store_safe(meta: dict) -> None:
    for key, value in meta.items():
        ok = isinstance(value, _SCALAR) or (
            isinstance(value, list) and all(isinstance(x, _SCALAR) for x in value))
        assert ok, f"metadata {key!r} has a type vector stores reject: {type(value).__name__}"


def test_elements_mode_gives_each_figure_its_own_document_with_metadata() -> None:
    docs = list(to_langchain_documents(make_document(), mode="elements"))
    figs = [d for d in docs if d.metadata["category"] == "figure"]
    assert len(figs) == 1
    fig = figs[0]
    assert SECRET in fig.page_content and fig.page_content.startswith("Figure 1: Attach flow")
    assert "```mermaid" in fig.page_content
    meta = fig.metadata
    assert meta["source"] == "hand.pdf" and meta["page"] == 1
    assert meta["bbox"] == [50.0, 100.0, 400.0, 300.0]
    assert meta["figure_type"] == "sequence" and meta["describer"] == "fake:1"
    assert meta["caption"] == "Figure 1: Attach flow" and meta["figure_id"].startswith("fig-")
    categories = [d.metadata["category"] for d in docs]
    assert categories == ["heading", "text", "figure", "caption"]
    for d in docs:
        _assert_store_safe(d.metadata)


def test_page_mode_one_document_per_page_with_figure_inline() -> None:
    docs = list(to_langchain_documents(make_document(), mode="page"))
    assert [d.metadata["page"] for d in docs] == [0, 1]
    assert SECRET not in docs[0].page_content and "attach procedure" in docs[0].page_content
    assert SECRET in docs[1].page_content
    assert docs[1].metadata["figure_ids"] and "<!--" not in docs[1].page_content
    for d in docs:
        _assert_store_safe(d.metadata)


def test_single_mode_and_dropping_figures() -> None:
    (whole,) = to_langchain_documents(make_document(), mode="single")
    assert SECRET in whole.page_content and whole.metadata["total_pages"] == 2
    (bare,) = to_langchain_documents(make_document(), mode="single", include_figures=False)
    assert SECRET not in bare.page_content
    assert "attach procedure" in bare.page_content


def test_chunks_mode_uses_project_chunker() -> None:
    docs = list(to_langchain_documents(make_document(), mode="chunks", include_mermaid=False))
    kinds = [d.metadata["chunk_type"] for d in docs]
    assert "figure" in kinds and "text" in kinds
    fig = docs[kinds.index("figure")]
    assert SECRET in fig.page_content and "```mermaid" not in fig.page_content
    for d in docs:
        _assert_store_safe(d.metadata)


def test_bad_mode_and_bad_option_name_the_parameter() -> None:
    with pytest.raises(ConfigError, match="mode"):
        list(to_langchain_documents(make_document(), mode="pages"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_tokens"):
        DICModelLoader("x.pdf", max_tokens=2)
    with pytest.raises(TypeError):
        DICModelLoader("x.pdf", "elements")  # type: ignore[misc]  # options are keyword-only


def test_loader_and_parser_are_langchain_classes() -> None:
    assert isinstance(DICModelLoader("x.pdf"), BaseLoader)
    assert isinstance(DICModelParser(), BaseBlobParser)


def _has_ingest() -> bool:
    try:
        from dicmodel.ingest import ingest  # noqa: F401
        from dicmodel.pipeline import convert  # noqa: F401
    except ImportError:
        return False
    return True


_HAS_INGEST = _has_ingest()
needs_ingest = pytest.mark.skipif(not _HAS_INGEST, reason="dicmodel.ingest has not landed")


@needs_ingest
@pytest.mark.parametrize("mode", ["page", "single", "chunks", "elements"])
def test_loader_converts_a_pdf_in_every_mode(tmp_path: Path, mode: str) -> None:
    pdf = write_callflow_pdf(tmp_path / "flow.pdf")
    fake = FakeDescriber()
    docs = DICModelLoader(pdf, mode=mode, describer=fake).load()
    assert docs and fake.seen, "the describer must be called for the drawn call flow"
    text = "\n".join(d.page_content for d in docs)
    assert "Fake description" in text and "Session establishment" in text
    for d in docs:
        assert d.metadata["source"].endswith("flow.pdf")
        _assert_store_safe(d.metadata)


@needs_ingest
def test_loader_passes_describer_and_its_options_through(tmp_path: Path) -> None:
    from dicmodel.describe.base import register_describer

    received: list[dict] = []

    def factory(**options: object) -> FakeDescriber:
        received.append(options)
        return FakeDescriber()

    register_describer("recording-fake", factory)
    pdf = write_callflow_pdf(tmp_path / "flow.pdf")
    docs = DICModelLoader([pdf, pdf], mode="elements", describer="recording-fake",
                          describer_options={"temperature": 0.0}).load()
    figs = [d for d in docs if d.metadata["category"] == "figure"]
    assert len(figs) >= 2 and all(f.metadata["describer"] == "fake:1" for f in figs)
    assert received and all(r == {"temperature": 0.0} for r in received)
    with pytest.raises(ConfigError, match="describer"):
        DICModelLoader(pdf, describer="no-such-describer").load()


class _ListBlobLoader(BlobLoader):
    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def yield_blobs(self) -> Iterator[Blob]:
        for p in self.paths:
            yield Blob.from_path(p, metadata={"origin": "test"})


@needs_ingest
def test_parser_composes_with_a_blob_loader_from_path_and_bytes(tmp_path: Path) -> None:
    pdf = write_callflow_pdf(tmp_path / "flow.pdf")
    parser = DICModelParser(mode="elements", describer=FakeDescriber())
    from_path = [d for b in _ListBlobLoader([pdf]).yield_blobs() for d in parser.lazy_parse(b)]
    from_bytes = parser.parse(Blob.from_data(pdf.read_bytes(), path=str(pdf)))
    assert [d.page_content for d in from_path] == [d.page_content for d in from_bytes]
    assert all(d.metadata["origin"] == "test" for d in from_path)
    assert any(d.metadata["category"] == "figure" for d in from_bytes)


@needs_ingest
def test_loader_skips_a_broken_file_when_asked_and_records_why(tmp_path: Path) -> None:
    good = write_callflow_pdf(tmp_path / "flow.pdf")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7 truncated garbage")
    with pytest.raises(DicmodelError):  # default: raise, like any LangChain loader
        DICModelLoader([bad, good], describer=FakeDescriber()).load()
    loader = DICModelLoader([bad, good], describer=FakeDescriber(), on_error="skip")
    docs = loader.load()
    assert docs and all(d.metadata["source"].endswith("flow.pdf") for d in docs)
    assert len(loader.errors) == 1 and "broken.pdf" in loader.errors[0].message
