"""Convert many documents to files: parallel, resumable, atomic, and never stopped by one bad input.

For each input ``a/b/spec.pdf`` the outputs are ``OUT/spec.md``, ``OUT/spec.json`` and
``OUT/spec.chunks.jsonl`` (and ``OUT/images/spec/<figure-id>.png`` with images on). Each file is
written to a temporary name in the same folder and renamed into place, so an interrupted run
never leaves a half-written output; a rerun skips every document whose outputs all exist
(unless ``overwrite``). Each document's failure is one line in the summary.

The run's own files live in ``OUT/_dicmodel/``, where no document's output can land (an
output is ``<stem>.<ext>`` directly in OUT or under ``images/``): ``runs/<UTC time>.json``
holds each run as it happened, ``summary.json`` the state of the folder (per input its last
result that was not a skip, so a rerun that skips everything keeps the real statistics).

With a describer given by name, documents are converted in worker processes
(:mod:`dicmodel._workers`) with a time and a memory budget each (``doc_timeout``,
``doc_memory``): a document over budget, or one whose worker is killed, is one failed line
and the others complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._io import atomic_write, display_name, open_append  # re-exported: part of this module's public names

__all__ = ["BatchOptions", "DocResult", "Summary", "convert_many", "convert_one", "expand_inputs",
           "output_paths", "output_stems", "write_outputs", "atomic_write", "split_formats",
           "skipped_result", "ok_result", "failed_result", "one_line", "check_source", "open_append",
           "write_run_files", "RUN_DIR"]

FORMATS = ("md", "json", "jsonl")
RUN_DIR = "_dicmodel"  # the run's own files: no output name can equal it or lie inside it


class BatchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formats: tuple[Literal["md", "json", "jsonl"], ...] = Field(("md",), description="outputs to write")
    describer: Any = Field("structural", description="describer name (or an instance, single process)")
    describer_options: dict[str, Any] = Field(default_factory=dict)
    workers: int = Field(1, ge=1, le=256, description="parallel worker processes")
    overwrite: bool = Field(False, description="convert again even when all outputs exist")
    images: bool = Field(False, description="write figure crops and link them from the Markdown")
    max_tokens: int = Field(512, ge=16, description="chunk size for the jsonl output")
    ingest: dict[str, Any] = Field(default_factory=dict, description="ingest options (dpi, ...)")
    recursive: bool = Field(False, description="also convert the files in subfolders of a folder input")
    doc_timeout: float = Field(
        600.0, ge=0.0, le=7 * 86400,
        description="wall-clock seconds one document may take before its worker is stopped and it "
                    "is recorded as failed (0: no limit)")
    doc_memory: int = Field(
        4096, ge=0, le=1 << 22,
        description="MB of memory one document may allocate in its worker beyond what the worker "
                    "holds when ready (models loaded); over it, the document fails (0: no limit)")

    @field_validator("formats", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        return split_formats(v)


def split_formats(v: Any) -> Any:
    """'md,json' -> ('md', 'json'); shared by every engine's options."""
    if isinstance(v, str):
        v = [x.strip() for x in v.split(",") if x.strip()]
    if not v:
        raise ValueError(f"formats must name at least one of {FORMATS}")
    return tuple(v)


class DocResult(BaseModel):
    source: str
    status: Literal["ok", "skipped", "failed"]
    error: str | None = None
    error_type: str | None = None
    outputs: list[str] = Field(default_factory=list)
    pages: int = 0
    figures: int = 0
    item_errors: int = 0
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list, description="repairs and other notes of the ingest")

    def line(self) -> str:
        """The document's summary line: ``FAILED src: Type: why`` or ``ok (repaired: ...) src``."""
        if self.status == "failed":
            return f"FAILED {self.source}: {self.error_type}: {self.error}"
        if not self.warnings:
            return f"{self.status} {self.source}"
        repaired = any(k in w.lower() for w in self.warnings for k in ("repair", "truncat", "damaged"))
        return f"{self.status} ({'repaired: ' if repaired else ''}{'; '.join(self.warnings)}) {self.source}"


class Summary(BaseModel):
    documents: int = 0
    converted: int = 0
    skipped: int = 0
    failed: int = 0
    pages: int = 0
    figures: int = 0
    item_errors: int = 0
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list, description="inputs left out, one line per reason")
    interrupted: bool = False
    runs: list[str] = Field(default_factory=list, description="the run files this summary merges")
    results: list[DocResult] = Field(default_factory=list)

    def add(self, r: DocResult) -> None:
        self.results.append(r)
        self.documents += 1
        self.converted += r.status == "ok"
        self.skipped += r.status == "skipped"
        self.failed += r.status == "failed"
        self.pages += r.pages
        self.figures += r.figures
        self.item_errors += r.item_errors

    def table(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [f"documents {self.documents}  converted {self.converted}  skipped {self.skipped}  "
                 f"failed {self.failed}",
                 f"pages {self.pages}  figures {self.figures}  item errors {self.item_errors}  "
                 f"seconds {self.seconds:.1f}  ({rate:.1f} pages/s)"]
        lines += [r.line() for r in self.results if r.status == "failed" or r.warnings]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def expand_inputs(inputs: Iterable[str | os.PathLike[str]], recursive: bool = False,
                  notes: list[str] | None = None) -> list[Path]:
    """Files as given; folders expanded to the files the installed extras can read.

    A folder contributes its own files, and with ``recursive`` those of its subfolders (each
    real folder once: a symlink loop is not followed). What a folder holds but is left out is
    appended to ``notes``, one line per reason: suffixes that need an extra that is missing,
    non-regular files (FIFOs, sockets, devices), broken links and loops, unsearched subfolders.
    Files named directly are kept as they are: a problem with one is its own failed line.
    """
    from .pipeline import readable_suffixes

    readable = readable_suffixes()
    left: dict[str, list[str]] = {}
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += _walk(p, recursive, readable, left)
        else:
            out.append(p)  # a missing or unsupported file is reported per document
    if notes is not None:
        notes += [f"left out {len(names)} {why}: {_names(names)}" for why, names in left.items()]
    return out


def _names(names: list[str], most: int = 5) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _walk(root: Path, recursive: bool, readable: dict[str, str | None], left: dict[str, list[str]]) -> list[Path]:
    """The readable regular files of ``root`` (and its subfolders), sorted; the rest in ``left``."""
    out: list[Path] = []
    seen: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            st = folder.stat()
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as err:
            left.setdefault(f"unreadable folder(s) ({err.strerror})", []).append(display_name(folder))
            continue
        if (st.st_dev, st.st_ino) in seen:
            left.setdefault("folder link(s) already searched (a symlink loop)", []).append(display_name(folder))
            continue
        seen.add((st.st_dev, st.st_ino))
        subfolders = []
        for e in entries:
            path = Path(e.path)
            try:
                mode = e.stat().st_mode  # follows links: a link to a file counts as that file
            except OSError as err:  # a dangling link, a link loop (ELOOP)
                left.setdefault(f"link(s) that lead nowhere ({err.strerror})", []).append(display_name(path))
                continue
            if stat.S_ISDIR(mode):
                subfolders.append(path)
                continue
            suffix = path.suffix.lower()
            if suffix not in readable:
                continue  # not a document type at all (.txt, .csv, ...): silently ignored
            if not stat.S_ISREG(mode):
                left.setdefault("non-regular file(s) (FIFO, socket or device)", []).append(display_name(path))
            elif readable[suffix]:
                left.setdefault(f"{suffix} file(s): {readable[suffix]}", []).append(display_name(path))
            else:
                out.append(path)
        if recursive:
            todo += reversed(subfolders)
        elif subfolders:
            left.setdefault("subfolder(s) not searched (add --recursive)", []).extend(
                display_name(f) for f in subfolders)
    return sorted(out, key=lambda p: os.fsencode(p))


def output_paths(src: Path, out_dir: Path, formats: Sequence[str], stem: str) -> dict[str, Path]:
    names = {"md": f"{stem}.md", "json": f"{stem}.json", "jsonl": f"{stem}.chunks.jsonl"}
    return {fmt: out_dir / names[fmt] for fmt in formats}


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """Output stem per input: the file stem (bytes that are not UTF-8 shown as ``\\xNN``), made
    unique with a path hash where stems clash."""
    stems = {p: display_name(p.stem) for p in paths}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    return {p: stem if counts[stem] == 1 else
            f"{stem}-{hashlib.sha256(os.fsencode(p.resolve())).hexdigest()[:8]}" for p, stem in stems.items()}


def convert_many(inputs: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                 progress: bool | Callable[[DocResult], None] = False, **options: Any) -> Summary:
    """Convert every input to files under ``out_dir``; see :class:`BatchOptions` for options.

    The run's record goes to ``out_dir/_dicmodel/`` (see the module docs), also when the run
    is interrupted (``Summary.interrupted``; the KeyboardInterrupt is raised again after)."""
    opts = BatchOptions(**options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    paths = expand_inputs(inputs, opts.recursive, summary.notes)
    _check_describer(opts)  # a bad describer name/option fails the run once, not every document
    stems = output_stems(paths)
    t0 = time.perf_counter()
    bar = _progress_bar(len(paths)) if progress is True else None
    if bar is not None:
        for note in summary.notes:
            bar.write(f"note: {note}")
    try:
        with contextlib.closing(_run(paths, stems, out, opts)) as results:
            for result in results:
                summary.add(result)
                if bar is not None:
                    bar.update(1)
                    if result.status == "failed" or result.warnings:
                        bar.write(result.line())
                elif callable(progress):
                    progress(result)
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        if bar is not None:
            bar.close()
        summary.seconds = time.perf_counter() - t0
        write_run_files(out, summary)
    return summary


def write_run_files(out: Path, summary: Summary) -> Path:
    """Write this run to ``_dicmodel/runs/<UTC time>-<pid>.json`` and merge it into
    ``_dicmodel/summary.json``; return the summary's path."""
    run_dir = out / RUN_DIR
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z-{os.getpid()}"
    name = f"{stamp}.json"
    for n in range(1, 1000):  # two runs of one process within a microsecond: keep both
        if not (run_dir / "runs" / name).exists():
            break
        name = f"{stamp}-{n}.json"
    atomic_write(run_dir / "runs" / name, summary.model_dump_json(indent=2))
    target = run_dir / "summary.json"
    try:
        previous = Summary.model_validate_json(target.read_bytes())
    except (OSError, ValueError):  # none yet, or unreadable: start afresh
        previous = Summary()
    atomic_write(target, merge_summaries(previous, summary, f"runs/{name}").model_dump_json(indent=2))
    return target


def merge_summaries(previous: Summary, run: Summary, run_file: str) -> Summary:
    """Per source the newest result, except that a skip keeps the earlier real result."""
    by_source = {r.source: r for r in previous.results}
    for r in run.results:
        if r.status != "skipped" or by_source.get(r.source, r).status == "skipped":
            by_source[r.source] = r
    merged = Summary(notes=run.notes, interrupted=run.interrupted, runs=[*previous.runs, run_file])
    for r in by_source.values():
        merged.add(r)
    merged.seconds = sum(r.seconds for r in merged.results)
    return merged


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="convert", dynamic_ncols=True)


def _run(paths: list[Path], stems: dict[Path, str], out: Path, opts: BatchOptions) -> Iterator[DocResult]:
    jobs = [(p, stems[p], out, opts) for p in paths]
    if not jobs:
        return
    if not _isolated(opts):
        for job in jobs:
            yield convert_one(*job)
        return
    from . import _workers

    warm = len(jobs) > opts.workers  # a worker that converts one document only skips the warm-up
    results = _workers.run_jobs(jobs, workers=opts.workers, setup=(_prepare_worker, (opts, warm)), job=_job,
                                timeout=opts.doc_timeout, memory_mb=opts.doc_memory)
    with contextlib.closing(results):
        for i, value in results:
            yield value if isinstance(value, DocResult) else failed_result(paths[i], value)


def _isolated(opts: BatchOptions) -> bool:
    """Worker processes (with budgets) unless the describer is an object (it cannot cross a
    process boundary) or a single worker has no budget to enforce."""
    from . import _workers

    if not isinstance(opts.describer, str) or not _workers.available():
        return False
    return opts.workers > 1 or bool(opts.doc_timeout or opts.doc_memory)


def _prepare_worker(opts: BatchOptions, warm: bool = True) -> None:
    """Before a worker's memory budget starts: load PyMuPDF and build the describer (and with
    ``warm``, describe a tiny diagram), so that the budget counts what a document allocates,
    not the libraries every document needs."""
    import importlib.util

    if importlib.util.find_spec("pymupdf") is not None:
        import pymupdf  # noqa: F401
    describer = _describer(opts)
    if warm and opts.doc_memory:  # describe a tiny diagram: OCR and OpenCV load lazily (~500 MB mapped)
        from ._pdfgen import topology_png
        from .pipeline import describe_document, image_document

        with contextlib.suppress(Exception):
            describe_document(image_document(topology_png(160, 100)), describer)


def _job(args: tuple[Path, str, Path, BatchOptions]) -> DocResult:
    return convert_one(*args)


_DESCRIBERS: dict[str, Any] = {}


def _check_describer(opts: BatchOptions) -> None:
    """Build the describer now when documents are converted here; with workers, only check
    that it exists (each worker builds it before its first document)."""
    if not _isolated(opts):
        _describer(opts)
        return
    from .describe.base import available_describers
    from .errors import ConfigError

    name = opts.describer
    if isinstance(name, str) and name not in available_describers():
        raise ConfigError(f"describer must be one of {available_describers()}, got {name!r}")


def _describer(opts: BatchOptions) -> Any:
    """One describer per worker process (models load once, not once per document)."""
    from .describe.base import get_describer

    if not isinstance(opts.describer, str):
        return opts.describer
    key = json.dumps([opts.describer, opts.describer_options], sort_keys=True, default=str)
    if key not in _DESCRIBERS:
        _DESCRIBERS[key] = get_describer(opts.describer, **opts.describer_options)
    return _DESCRIBERS[key]


def skipped_result(src: Path, targets: dict[str, Path], overwrite: bool) -> DocResult | None:
    """A ``skipped`` result when every output already exists (and no overwrite), else None."""
    if not overwrite and all(t.exists() for t in targets.values()):
        return DocResult(source=display_name(src), status="skipped",
                         outputs=[display_name(t) for t in targets.values()])
    return None


def ok_result(src: Path, doc: Any, targets: dict[str, Path], seconds: float = 0.0) -> DocResult:
    warnings = [str(w) for w in (doc.metadata or {}).get("warnings") or []]
    return DocResult(source=display_name(src), status="ok", outputs=[display_name(t) for t in targets.values()],
                     pages=len(doc.pages), figures=len(doc.figures), item_errors=len(doc.errors),
                     seconds=seconds, warnings=[_short_warning(w) for w in warnings])


def _short_warning(warning: str, most: int = 100) -> str:
    text = " ".join(warning.split())
    return text if len(text) <= most else text[:most - 3] + "..."


def failed_result(src: Path, err: BaseException, seconds: float = 0.0, stage: str = "") -> DocResult:
    """A ``failed`` result for an error (``stage``, e.g. "write", prefixes its message)."""
    return DocResult(source=display_name(src), status="failed", error_type=type(err).__name__,
                     error=f"{stage}: {one_line(err)}" if stage else one_line(err), seconds=seconds)


def one_line(err: BaseException) -> str:
    """An error as one summary line."""
    return " ".join(str(err).split()) or type(err).__name__


def check_source(src: Path) -> None:
    """Raise the error a missing, non-regular or unsupported input gets, before any work on it."""
    from ._io import check_regular_file
    from .pipeline import _unsupported, supported

    check_regular_file(src)
    if not supported(src):
        raise _unsupported(src)


def convert_one(src: Path, stem: str, out: Path, opts: BatchOptions) -> DocResult:
    """Convert one document and write its outputs; every failure becomes a failed DocResult."""
    from .errors import ResourceLimitError
    from .pipeline import convert

    targets = output_paths(src, out, opts.formats, stem)
    skipped = skipped_result(src, targets, opts.overwrite)
    if skipped is not None:
        return skipped
    t0 = time.perf_counter()
    try:
        check_source(src)
        doc = convert(src, describer=_describer(opts), **opts.ingest)
        write_outputs(doc, targets, out, stem, opts)
    except Exception as err:  # noqa: BLE001 - bad input or a bug: one document, never the batch
        if isinstance(err, (MemoryError, ResourceLimitError)) and opts.doc_memory and _isolated(opts):
            err = ResourceLimitError(f"over the memory budget of {opts.doc_memory} MB per document "
                                     f"(--doc-memory): {one_line(err)}")
        elif isinstance(err, MemoryError):
            err = ResourceLimitError(f"out of memory: {one_line(err)}")
        return failed_result(src, err, time.perf_counter() - t0)
    return ok_result(src, doc, targets, time.perf_counter() - t0)


def write_outputs(doc: Any, targets: dict[str, Path], out: Path, stem: str, opts: BatchOptions) -> None:
    if opts.images:
        for fig in doc.figures:
            if fig.image:
                rel = Path("images") / stem / f"{fig.id}.png"
                atomic_write(out / rel, fig.image)
                fig.image_path = rel.as_posix()
    if "json" in targets:
        atomic_write(targets["json"], doc.to_json())
    if "jsonl" in targets:
        from .export.chunks import chunks_to_jsonl

        atomic_write(targets["jsonl"], chunks_to_jsonl(doc.chunks(max_tokens=opts.max_tokens)))
    if "md" in targets:  # written last: its presence marks a finished document for humans
        atomic_write(targets["md"], doc.to_markdown(image_links=opts.images))
