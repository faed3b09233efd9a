"""Retrieval code written for LangChain's PyPDFLoader runs unchanged on DICModelLoader (issue 19
point 3): the same keys with the same meaning (``page`` 0-based, ``page_label``, ``total_pages``,
``source``, ``title``...), and metadata values of plain types only (no enum objects)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

pytest.importorskip("langchain_core")
pymupdf = pytest.importorskip("pymupdf")

from test_integrations_common import FakeDescriber, make_document  # noqa: E402

from dicmodel.integrations.langchain import DICModelLoader, to_langchain_documents  # noqa: E402

PLAIN = (str, int, float, bool)


def _two_page_pdf(path: Path) -> Path:
    """Two pages, PDF info set, pages labelled 'A-1', 'A-2' (as appendices often are)."""
    doc = pymupdf.open()
    for i, (title, body) in enumerate([
            ("1 Scope", "This clause lists the interfaces of the packet core."),
            ("2 Session management", "The session management function selects a Zorbex gateway "
                                     "for every data session and keeps the Tokamak timer.")]):
        page = doc.new_page(width=595, height=842)
        page.insert_text((50, 60), title, fontsize=16)
        page.insert_textbox(pymupdf.Rect(50, 80, 545, 200), body, fontsize=10)
    doc.set_metadata({"title": "Packet core overview", "author": "WG2", "creator": "spec-writer",
                      "producer": "pymupdf", "creationDate": "D:20240102030405+01'00'"})
    doc.set_page_labels([{"startpage": 0, "prefix": "A-", "style": "D", "firstpagenum": 1}])
    doc.save(str(path))
    doc.close()
    return path


def cite(docs: list, query: str) -> list[str]:
    """Retrieval code as written for PyPDFLoader: keyword hits, cited as 'file p.<label> (<page>/<total>)'."""
    words = query.lower().split()
    hits = sorted(docs, key=lambda d: -sum(w in d.page_content.lower() for w in words))[:1]
    return [f"{Path(d.metadata['source']).name} p.{d.metadata['page_label']} "
            f"({d.metadata['page'] + 1}/{d.metadata['total_pages']}) {d.metadata.get('title', '')}"
            for d in hits]


def test_same_retrieval_code_on_pypdfloader_and_dicmodelloader(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community announces its sunset
        loaders = pytest.importorskip("langchain_community.document_loaders")
        pytest.importorskip("pypdf")
    pdf = _two_page_pdf(tmp_path / "core.pdf")
    theirs = loaders.PyPDFLoader(str(pdf)).load()
    ours = DICModelLoader(str(pdf), describer=FakeDescriber()).load()
    query = "which gateway does session management select"
    assert cite(ours, query) == cite(theirs, query) == ["core.pdf p.A-2 (2/2) Packet core overview"]
    for a, b in zip(theirs, ours):  # every PyPDFLoader key, same value
        for key in ("source", "page", "page_label", "total_pages", "title", "author", "creator",
                    "producer", "creationdate"):
            assert b.metadata[key] == a.metadata[key], key
    assert [d.metadata["page_number"] for d in ours] == [1, 2]  # dicmodel's 1-based number beside


def test_every_mode_gives_plain_types_only() -> None:
    for mode in ("page", "single", "chunks", "elements"):
        for d in to_langchain_documents(make_document(), mode=mode):
            for key, value in d.metadata.items():
                items = value if isinstance(value, list) else [value]
                assert all(type(x) in PLAIN for x in items), (mode, key, type(value))
    elements = list(to_langchain_documents(make_document(), mode="elements"))
    assert [d.metadata["category"] for d in elements] == ["heading", "text", "figure", "caption"]
    assert str(elements[2].metadata["figure_kind"]) == "vector"
    assert str(elements[2].metadata["figure_type"]) == "sequence"
