"""Where users plug dicmodel in: LangChain, unstructured and Ray Data.

Each integration is its own module and imports its third-party library lazily, so importing
this package costs nothing and a missing library raises an error naming the extra to install:

- :mod:`dicmodel.integrations.langchain` (``pip install 'dicmodel[langchain]'``):
  ``DICModelLoader`` and ``DICModelParser``.
- :mod:`dicmodel.integrations.unstructured` (``pip install 'dicmodel[unstructured]'``):
  DOCX / PPTX / HTML ingest through unstructured's partitioners (``ingest_office``) and
  export of a Document as unstructured Elements (``to_elements``).
- :mod:`dicmodel.integrations.ray` (``pip install 'dicmodel[ray]'``): ``convert_corpus``, the
  Ray Data engine behind ``dicmodel convert --engine ray``.
"""

from __future__ import annotations

__all__: list[str] = []
