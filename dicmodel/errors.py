"""Errors raised by dicmodel.

Every error derives from one root, so callers can catch the whole family::

    DicmodelError
    ├── SourceNotFoundError (FileNotFoundError)  the input path does not exist
    ├── InputError (ValueError)            bad input file or bytes
    │   ├── UnsupportedFormatError         not a format we read (e.g. a PNG given to convert)
    │   ├── CorruptDocumentError           the PDF cannot be parsed (truncated, garbage)
    │   ├── EncryptedDocumentError         password protected, no password given
    │   ├── EmptyDocumentError             zero pages / zero bytes
    │   └── ImageError                     an image that cannot be decoded
    ├── MermaidSyntaxError (ValueError)    malformed Mermaid text; carries the line number
    │   └── UnsupportedDiagramError        valid Mermaid of a kind we do not model (gantt, pie, ...)
    ├── ConfigError (ValueError)           a bad option / config value; names the field
    ├── MissingExtraError (ImportError)    an optional dependency is not installed; names the extra
    ├── DescriberError (RuntimeError)      a describer backend failed (model, server)
    │   └── BackendUnavailableError        the backend cannot be reached / loaded at all
    ├── RenderError (RuntimeError)         mermaid-cli / Graphviz failed to render a diagram
    ├── ResourceLimitError (RuntimeError)  a document went over its time or memory budget
    ├── WorkerCrashError (RuntimeError)    a batch worker process died on a document (signal)
    └── InternalError (RuntimeError)       an unexpected error inside dicmodel (a bug: report it)

Batch work never raises these per item: they are recorded in ``Document.errors`` or the run
summary instead (see ``dicmodel.document.ItemError``).
"""

from __future__ import annotations

__all__ = [
    "DicmodelError",
    "InputError",
    "UnsupportedFormatError",
    "CorruptDocumentError",
    "EncryptedDocumentError",
    "EmptyDocumentError",
    "ImageError",
    "MermaidSyntaxError",
    "UnsupportedDiagramError",
    "ConfigError",
    "MissingExtraError",
    "DescriberError",
    "BackendUnavailableError",
    "RenderError",
    "SourceNotFoundError",
    "ResourceLimitError",
    "WorkerCrashError",
    "InternalError",
]


class DicmodelError(Exception):
    """Root of every error dicmodel raises on purpose."""


class InputError(DicmodelError, ValueError):
    """The input document or image cannot be used."""


class UnsupportedFormatError(InputError):
    pass


class CorruptDocumentError(InputError):
    pass


class EncryptedDocumentError(InputError):
    pass


class EmptyDocumentError(InputError):
    pass


class ImageError(InputError):
    pass


class MermaidSyntaxError(DicmodelError, ValueError):
    """Malformed Mermaid text. ``line`` is 1-based; ``text`` is the offending line."""

    def __init__(self, message: str, *, line: int | None = None, text: str | None = None):
        self.line = line
        self.text = text
        where = f"line {line}: " if line is not None else ""
        shown = f" (got {text!r})" if text is not None else ""
        super().__init__(f"{where}{message}{shown}")


class UnsupportedDiagramError(MermaidSyntaxError):
    """Mermaid of a diagram kind dicmodel does not model as a graph (gantt, pie, journey, ...)."""


class ConfigError(DicmodelError, ValueError):
    """A configuration value is invalid: the message names the field, what arrived, what is allowed."""


class MissingExtraError(DicmodelError, ImportError):
    """An optional dependency is missing; the message names the extra that installs it."""

    def __init__(self, module: str, extra: str, purpose: str = ""):
        self.module = module
        self.extra = extra
        why = f" for {purpose}" if purpose else ""
        super().__init__(
            f"the optional dependency {module!r} is needed{why} but is not installed; "
            f"install it with: pip install 'dicmodel[{extra}]'"
        )


class DescriberError(DicmodelError, RuntimeError):
    pass


class BackendUnavailableError(DescriberError):
    pass


class RenderError(DicmodelError, RuntimeError):
    pass


class SourceNotFoundError(DicmodelError, FileNotFoundError):
    """The input path does not exist (still a ``FileNotFoundError`` for callers that catch that)."""


class ResourceLimitError(DicmodelError, RuntimeError):
    """A document needed more time or memory than its budget (batch ``doc_timeout``/``doc_memory``)."""


class WorkerCrashError(DicmodelError, RuntimeError):
    """A batch worker process died while converting a document (a signal: segfault, OOM killer)."""


class InternalError(DicmodelError, RuntimeError):
    """An exception dicmodel did not expect; the message names the file and the original type."""
