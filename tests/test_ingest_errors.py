"""Every broken input gets one clear error of the right type; page failures are recorded."""

from __future__ import annotations

import pytest

pytest.importorskip("pymupdf")

from dicmodel import _pdfgen as gen
from dicmodel.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InputError,
    UnsupportedFormatError,
)
from dicmodel.ingest import IngestOptions, ingest


def test_zero_bytes_is_empty():
    with pytest.raises(EmptyDocumentError, match="0 bytes"):
        ingest(b"")


def test_zero_pages_is_empty():
    with pytest.raises(EmptyDocumentError, match="no pages"):
        ingest(gen.empty_pdf())


def test_png_is_unsupported():
    with pytest.raises(UnsupportedFormatError, match="PNG"):
        ingest(gen.not_a_pdf())


def test_text_garbage_is_unsupported(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"just some text that is not a PDF at all\n" * 10)
    with pytest.raises(UnsupportedFormatError, match="notes.pdf"):
        ingest(path)


def test_pdf_header_with_garbage_is_corrupt():
    with pytest.raises(CorruptDocumentError):
        ingest(gen.corrupt_pdf())


def test_truncated_is_corrupt_or_repaired_with_warning():
    data = gen.truncated_pdf(0.4)
    try:
        doc = ingest(data)
    except CorruptDocumentError as err:
        assert "truncated" in str(err) or "cannot be parsed" in str(err)
    else:  # MuPDF rebuilt what it could: the Document says so
        assert any("truncated" in w for w in doc.metadata["warnings"])


def test_truncated_tail_is_repaired_with_warning():
    data = gen.sample_report().data
    doc = ingest(data[: len(data) - 40])  # the trailer and %%EOF are gone, the objects are not
    assert doc.pages
    assert any("truncated" in w for w in doc.metadata["warnings"])


def test_encrypted_needs_password():
    data = gen.encrypted_pdf("secret")
    with pytest.raises(EncryptedDocumentError, match="password"):
        ingest(data)
    with pytest.raises(EncryptedDocumentError, match="rejected"):
        ingest(data, IngestOptions(password="wrong"))
    doc = ingest(data, IngestOptions(password="secret", render_crops=False))
    assert len(doc.figures) == 3


def test_errors_share_one_root_and_name_the_source(tmp_path):
    path = tmp_path / "picture.pdf"
    path.write_bytes(gen.not_a_pdf())
    with pytest.raises(InputError, match="picture.pdf"):
        ingest(path)
    with pytest.raises(FileNotFoundError, match="missing.pdf"):
        ingest(tmp_path / "missing.pdf")


def test_path_source_and_bytes_give_the_same_document(tmp_path):
    data = gen.sample_report().data
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    a = ingest(path, IngestOptions(render_crops=False))
    b = ingest(data, IngestOptions(render_crops=False))
    assert a.source == str(path) and b.source == "<bytes>"
    assert a.sha256 == b.sha256
    assert [f.id for f in a.figures] == [f.id for f in b.figures]


def test_a_failing_page_is_recorded_and_the_rest_continues(monkeypatch):
    from dicmodel.ingest import _run

    real = _run.page_lines

    def flaky(page):
        if page.number == 1:
            raise RuntimeError("synthetic failure")
        return real(page)

    monkeypatch.setattr(_run, "page_lines", flaky)
    doc = ingest(gen.sample_report().data, IngestOptions(render_crops=False))
    assert [e.page for e in doc.errors] == [2]
    assert "synthetic failure" in doc.errors[0].message
    assert {b.page for b in doc.blocks} == {1, 3}
