import subprocess
import sys

HEAVY = ("torch", "transformers", "pymupdf", "fitz", "cv2", "rapidocr", "peft", "trl",
         "unstructured", "langchain_core", "ray", "sacrebleu", "rapidfuzz", "httpx")


def test_import_dicmodel_is_light():
    code = ("import sys, dicmodel, dicmodel.cli, dicmodel.describe.base; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported: {out.stdout}"


def test_missing_extra_names_the_extra(monkeypatch):
    from dicmodel._extras import require
    from dicmodel.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "rapidocr", None)  # makes the import fail
    try:
        require("rapidocr", "OCR")
    except MissingExtraError as err:
        assert "dicmodel[ocr]" in str(err)
    else:
        raise AssertionError("expected MissingExtraError")
