"""The pipeline's describe stage and batch conversion, on image inputs and fake describers."""

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

import dicmodel
from dicmodel.batch import atomic_write, convert_many
from dicmodel.describe.base import get_describer, register_describer
from dicmodel.document import Description, FigureType
from dicmodel.errors import ConfigError, ImageError
from dicmodel.pipeline import describe_document


def _png(text="Router A"):
    im = Image.new("RGB", (200, 80), "white")
    d = ImageDraw.Draw(im)
    d.rectangle((10, 10, 190, 70), outline="black")
    d.text((30, 35), text, fill="black")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


class Flaky:
    """Fails on any batch that holds a figure whose image is marked bad."""

    name = "flaky"

    def __init__(self):
        self.calls = 0

    def describe(self, requests):
        self.calls += 1
        if any(r.image and b"BAD" in r.image for r in requests):
            raise RuntimeError("model exploded")
        return [Description(text=f"ok {r.figure_id}", figure_type=FigureType.other, confidence=0.5)
                for r in requests]


def test_convert_image_with_text_describer():
    doc = dicmodel.convert(_png(), describer="text")
    assert len(doc.figures) == 1 and doc.figures[0].kind.value == "raster"
    assert doc.figures[0].description is not None
    assert "**Figure (page 1)**" in doc.to_markdown()


def test_unreadable_image_is_a_clear_error():
    with pytest.raises(ImageError, match="cannot decode"):
        dicmodel.convert(b"\x89PNG\r\n\x1a\nnot really", describer="text")


def test_unknown_describer_names_the_choices():
    with pytest.raises(ConfigError, match="describer must be one of"):
        get_describer("nope")


def test_one_bad_figure_does_not_stop_the_others():
    doc = dicmodel.convert(_png(), describer="text", describe=False)
    good = doc.figures[0]
    bad = good.model_copy(update={"id": "fig-bad", "image": good.image + b"BAD"})
    doc = doc.model_copy(update={"figures": [good, bad, good.model_copy(update={"id": "fig-3"})]})
    flaky = Flaky()
    out = describe_document(doc, flaky, batch_size=8)
    texts = [f.description.text for f in out.figures]
    assert texts[0] == f"ok {good.id}" and texts[2] == "ok fig-3"
    assert "fell back to the text describer" in out.figures[1].description.warnings[-1]
    assert [e.figure_id for e in out.errors] == ["fig-bad"] and "model exploded" in out.errors[0].message
    assert doc.figures[0].description is None  # the input Document is not mutated


def test_duplicates_reuse_description():
    doc = dicmodel.convert(_png(), describer="text", describe=False)
    f = doc.figures[0]
    dup = f.model_copy(update={"id": "fig-dup", "duplicate_of": f.id})
    flaky = Flaky()
    out = describe_document(doc.model_copy(update={"figures": [f, dup]}), flaky)
    assert out.figures[1].description.text == out.figures[0].description.text
    assert flaky.calls == 1



def test_duplicate_under_another_caption_is_described_on_its_own():
    """One picture shown as Figure 3 and again as Figure 4: the prose names each its caption."""
    doc = dicmodel.convert(_png(), describer="text", describe=False)
    f = doc.figures[0].model_copy(update={"caption": "Figure 3"})
    dup = f.model_copy(update={"id": "fig-dup", "duplicate_of": f.id, "caption": "Figure 4"})
    same = f.model_copy(update={"id": "fig-same", "duplicate_of": f.id})
    flaky = Flaky()
    out = describe_document(doc.model_copy(update={"figures": [f, dup, same]}), flaky)
    assert [g.description.text for g in out.figures] == [f"ok {f.id}", "ok fig-dup", f"ok {f.id}"]
    assert flaky.calls == 1  # one batch of the two distinct captions

def test_batch_bad_inputs_recorded_and_rerun_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.png").write_bytes(_png("A"))
    (src / "b.png").write_bytes(_png("B"))
    (src / "broken.png").write_bytes(b"garbage")
    (src / "notes.txt").write_text("not a document")  # not picked up from a folder
    out = tmp_path / "out"
    s = convert_many([src, tmp_path / "missing.pdf"], out, describer="text", formats="md,json,jsonl")
    assert (s.documents, s.converted, s.failed) == (4, 2, 2)
    failed = {Path(r.source).name: r.error_type for r in s.results if r.status == "failed"}
    assert failed == {"broken.png": "ImageError", "missing.pdf": "SourceNotFoundError"}
    assert sorted(p.name for p in out.iterdir()) == [
        "_dicmodel", "a.chunks.jsonl", "a.json", "a.md", "b.chunks.jsonl", "b.json", "b.md"]
    assert json.loads((out / "_dicmodel" / "summary.json").read_text())["failed"] == 2
    before = (out / "a.md").stat().st_mtime_ns
    s2 = convert_many([src], out, describer="text", formats="md,json,jsonl")
    assert (s2.skipped, s2.converted) == (2, 0) and (out / "a.md").stat().st_mtime_ns == before
    s3 = convert_many([src], out, describer="text", formats="md,json,jsonl", overwrite=True)
    assert s3.converted == 2


def test_batch_parallel_workers_match_serial(tmp_path):
    for i in range(3):
        (tmp_path / f"d{i}.png").write_bytes(_png(f"Node {i}"))
    files = sorted(tmp_path.glob("*.png"))
    a = convert_many(files, tmp_path / "serial", describer="text", formats="json")
    b = convert_many(files, tmp_path / "par", describer="text", formats="json", workers=2)
    assert a.converted == b.converted == 3
    for f in files:
        assert (tmp_path / "serial" / f"{f.stem}.json").read_text() == \
            (tmp_path / "par" / f"{f.stem}.json").read_text()


def test_batch_option_errors_name_the_field(tmp_path):
    with pytest.raises(Exception, match="workers"):
        convert_many([], tmp_path, workers=0)
    with pytest.raises(Exception, match="formats"):
        convert_many([], tmp_path, formats="md,docx")


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "x.md"
    atomic_write(target, "old")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_registry_accepts_custom_describer():
    register_describer("flaky-test", lambda **kw: Flaky())
    assert get_describer("flaky-test").name == "flaky"


def test_text_describer_joins_word_spans_into_lines():
    from dicmodel.describe.base import text_lines
    from dicmodel.document import BBox, TextSpan

    def span(t, x0, y0):
        return TextSpan(text=t, bbox=BBox(x0=x0, y0=y0, x1=x0 + 6 * len(t), y1=y0 + 10))

    spans = [span("Request", 46, 10), span("Attach", 5, 10), span("UE", 5, 40), span("MME", 300, 10)]
    assert text_lines(spans) == ["Attach Request", "MME", "UE"]


def test_bad_describer_fails_the_run_once(tmp_path):
    (tmp_path / "a.png").write_bytes(_png())
    with pytest.raises(ConfigError, match="describer must be one of"):
        convert_many([tmp_path], tmp_path / "out", describer="nope")
    with pytest.raises(ConfigError, match="describer must be one of"):
        convert_many([tmp_path], tmp_path / "out", describer="nope", workers=2)


def test_batch_of_bad_pdfs_one_line_each_others_complete(tmp_path):
    from dicmodel import _pdfgen

    src = tmp_path / "in"
    src.mkdir()
    (src / "good.pdf").write_bytes(_pdfgen.sample_report().data)
    bad = {"corrupt.pdf": _pdfgen.corrupt_pdf(), "truncated.pdf": _pdfgen.truncated_pdf(),
           "encrypted.pdf": _pdfgen.encrypted_pdf(), "empty.pdf": _pdfgen.empty_pdf(),
           "image.pdf": _pdfgen.not_a_pdf(), "zero.pdf": b""}
    for name, data in bad.items():
        (src / name).write_bytes(data)
    s = convert_many([src], tmp_path / "out", describer="text", formats="md,json")
    by_name = {Path(r.source).name: r for r in s.results}
    assert by_name["good.pdf"].status == "ok" and by_name["good.pdf"].figures >= 3
    failed = {n: r.error_type for n, r in by_name.items() if r.status == "failed"}
    # a truncated file that MuPDF can repair converts (with a recorded warning); the rest fail
    assert set(failed) >= {"corrupt.pdf", "encrypted.pdf", "empty.pdf", "image.pdf", "zero.pdf"}
    assert failed["encrypted.pdf"] == "EncryptedDocumentError"
    assert failed["empty.pdf"] == failed["zero.pdf"] == "EmptyDocumentError"
    for r in by_name.values():
        if r.status == "failed":
            assert r.error and "\n" not in r.error
    out_files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert not [f for f in out_files if f.endswith(".tmp")]
    assert "good.md" in out_files and "corrupt.md" not in out_files


def test_same_input_gives_byte_identical_json(tmp_path):
    from dicmodel import _pdfgen

    pdf = _pdfgen.sample_report().data
    a = dicmodel.convert(pdf, describer="structural").to_json()
    b = dicmodel.convert(pdf, describer="structural").to_json()
    assert a == b


def test_atomic_write_concurrent_writers_do_not_collide(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    target = tmp_path / "same.json"
    payloads = [str(i) * 10000 for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: atomic_write(target, p, fsync=False), payloads * 4))
    assert target.read_text() in payloads  # one whole payload, never a mix or a fragment
    assert [p.name for p in tmp_path.iterdir()] == ["same.json"]
