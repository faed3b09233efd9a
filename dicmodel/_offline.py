"""Keep dicmodel's dependencies off the network and quiet, before they are imported.

dicmodel is an offline tool (air-gapped telecom networks use it), but some of its dependencies
phone home or print advice on their own:

- onnxruntime (loaded by RapidOCR, and by PyMuPDF's optional layout module) starts Microsoft's
  1DS telemetry when it creates a session: it writes a device id and an event store under
  ``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` and now and then uploads them to
  ``mobile.events.data.microsoft.com`` (DNS lookups an audit flags). ``ORT_DISABLE_TELEMETRY=1``
  turns it off; :func:`quiet_onnxruntime` also calls ``onnxruntime.disable_telemetry_events()``.
- Hugging Face hub, transformers, datasets: telemetry and implicit downloads (models are read
  from local paths in dicmodel).
- unstructured (scarf analytics), Ray (usage stats), and the generic ``DO_NOT_TRACK``.
- PyMuPDF 2.x imports its layout module (an ONNX model, ~0.6 s of CPU) at ``import pymupdf``
  although dicmodel never uses it; :func:`import_pymupdf` imports PyMuPDF without it.

Every variable is set only when the user has not set it: an explicit choice wins. Setting
``DICMODEL_ALLOW_NETWORK=1`` leaves the hub's offline switches alone (the telemetry ones stay
off), and ``DICMODEL_PYMUPDF_LAYOUT=1`` lets ``import pymupdf`` load its layout module.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

__all__ = ["quiet_environment", "import_pymupdf", "quiet_onnxruntime", "TELEMETRY_OFF", "HUB_OFFLINE"]

# telemetry and analytics switches of the dependencies (and of common tooling)
TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",             # onnxruntime 1DS telemetry
    "HF_HUB_DISABLE_TELEMETRY": "1",          # huggingface_hub, transformers, datasets
    "DO_NOT_TRACK": "1",                      # the generic opt-out (huggingface_hub, scarf, ...)
    "SCARF_NO_ANALYTICS": "true",             # unstructured's scarf ping
    "RAY_USAGE_STATS_ENABLED": "0",           # Ray usage statistics
    "PYMUPDF_SUGGEST_LAYOUT_ANALYZER": "0",   # PyMuPDF's console advice to install pymupdf_layout
}
# no implicit downloads: models and tokenizers come from local paths
HUB_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
}


def quiet_environment() -> None:
    """Set the switches above where the user left them unset (called by ``import dicmodel``)."""
    switches = dict(TELEMETRY_OFF)
    if os.environ.get("DICMODEL_ALLOW_NETWORK") != "1":
        switches.update(HUB_OFFLINE)
    for key, value in switches.items():
        os.environ.setdefault(key, value)


def import_pymupdf() -> ModuleType:
    """``import pymupdf`` without its layout module (an ONNX session dicmodel never uses).

    PyMuPDF imports ``pymupdf.layout`` in a ``try/except ImportError``; a ``None`` entry in
    ``sys.modules`` makes that import fail, and it is removed right after, so a later explicit
    ``import pymupdf.layout`` (pymupdf4llm does one) still works.
    """
    if "pymupdf" in sys.modules:
        return sys.modules["pymupdf"]
    if os.environ.get("DICMODEL_PYMUPDF_LAYOUT") == "1" or "pymupdf.layout" in sys.modules:
        import pymupdf

        return pymupdf
    sys.modules["pymupdf.layout"] = None  # type: ignore[assignment]
    try:
        import pymupdf
    finally:
        if sys.modules.get("pymupdf.layout", 0) is None:
            del sys.modules["pymupdf.layout"]
    if hasattr(pymupdf, "no_recommend_layout"):
        pymupdf.no_recommend_layout()
    return pymupdf


def quiet_onnxruntime() -> None:
    """Turn onnxruntime's telemetry off in this process (the env switch covers new sessions too)."""
    ort = sys.modules.get("onnxruntime")
    disable = getattr(ort, "disable_telemetry_events", None)
    if callable(disable):
        disable()
