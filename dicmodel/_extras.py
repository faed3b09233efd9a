"""Import optional dependencies on demand, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

# module to import -> extra that provides it
EXTRA_OF = {
    "pymupdf4llm": "bench",
    "rapidocr": "ocr",
    "cv2": "ocr",
    "pytesseract": "ocr",
    "torch": "hf",
    "transformers": "hf",
    "peft": "hf",
    "trl": "train",
    "datasets": "train",
    "sacrebleu": "eval",
    "rapidfuzz": "eval",
    "langchain_core": "langchain",
    "unstructured": "unstructured",
    "docx": "office",
    "pptx": "office",
    "lxml": "office",
    "olefile": "sources",
    "ray": "ray",
    "httpx": "openai",
    "matplotlib": "eval",
}


def require(module: str, purpose: str = "", extra: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it."""
    try:
        if module == "pymupdf":  # without its layout module: see dicmodel._offline
            from ._offline import import_pymupdf

            return import_pymupdf()
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        raise MissingExtraError(top, extra or EXTRA_OF.get(top, "all"), purpose) from err
