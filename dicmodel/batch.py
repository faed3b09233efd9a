"""Convert many documents to files: parallel, resumable, atomic, and never stopped by one bad input.

For each input ``a/b/spec.pdf`` the outputs are ``OUT/spec.md``, ``OUT/spec.json`` and
``OUT/spec.chunks.jsonl`` (and ``OUT/images/spec/<figure-id>.png`` with images on). Each file is
written to a temporary name in the same folder and renamed into place, so an interrupted run
never leaves a half-written output; a rerun skips every document whose outputs all exist
(unless ``overwrite``). Each document's failure is one line in the summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._io import atomic_write, open_append  # re-exported: part of this module's public names

__all__ = ["BatchOptions", "DocResult", "Summary", "convert_many", "convert_one", "expand_inputs",
           "output_paths", "output_stems", "write_outputs", "atomic_write", "split_formats",
           "skipped_result", "ok_result", "failed_result", "one_line", "check_source", "open_append"]

FORMATS = ("md", "json", "jsonl")


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


class Summary(BaseModel):
    documents: int = 0
    converted: int = 0
    skipped: int = 0
    failed: int = 0
    pages: int = 0
    figures: int = 0
    item_errors: int = 0
    seconds: float = 0.0
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
        lines += [f"FAILED {r.source}: {r.error_type}: {r.error}" for r in self.results
                  if r.status == "failed"]
        return "\n".join(lines)


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; folders expanded (recursively) to the files dicmodel can read."""
    from .pipeline import supported

    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and supported(f))
        else:
            out.append(p)  # a missing or unsupported file is reported per document
    return out


def output_paths(src: Path, out_dir: Path, formats: Sequence[str], stem: str) -> dict[str, Path]:
    names = {"md": f"{stem}.md", "json": f"{stem}.json", "jsonl": f"{stem}.chunks.jsonl"}
    return {fmt: out_dir / names[fmt] for fmt in formats}


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """Output stem per input: the file stem, made unique with a path hash where stems clash."""
    counts: dict[str, int] = {}
    for p in paths:
        counts[p.stem] = counts.get(p.stem, 0) + 1
    return {p: p.stem if counts[p.stem] == 1 else
            f"{p.stem}-{hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:8]}" for p in paths}


def convert_many(inputs: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                 progress: bool | Callable[[DocResult], None] = False, **options: Any) -> Summary:
    """Convert every input to files under ``out_dir``; see :class:`BatchOptions` for options."""
    opts = BatchOptions(**options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = expand_inputs(inputs)
    _check_describer(opts)  # a bad describer name/option fails the run once, not every document
    stems = output_stems(paths)
    summary = Summary()
    t0 = time.perf_counter()
    bar = _progress_bar(len(paths)) if progress is True else None
    try:
        for result in _run(paths, stems, out, opts):
            summary.add(result)
            if bar is not None:
                bar.update(1)
                if result.status == "failed":
                    bar.write(f"FAILED {result.source}: {result.error_type}: {result.error}")
            elif callable(progress):
                progress(result)
    finally:
        if bar is not None:
            bar.close()
        summary.seconds = time.perf_counter() - t0
    atomic_write(out / "summary.json", summary.model_dump_json(indent=2))
    return summary


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="convert", dynamic_ncols=True)


def _run(paths: list[Path], stems: dict[Path, str], out: Path, opts: BatchOptions) -> Iterator[DocResult]:
    jobs = [(p, stems[p]) for p in paths]
    if opts.workers == 1 or len(jobs) <= 1:
        for p, stem in jobs:
            yield convert_one(p, stem, out, opts)
        return
    # spawn: workers must not inherit a forked torch/OpenMP state or PyMuPDF handles
    with ProcessPoolExecutor(max_workers=opts.workers, mp_context=get_context("spawn")) as pool:
        futures: dict[Future[DocResult], Path] = {
            pool.submit(convert_one, p, stem, out, opts): p for p, stem in jobs}
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as err:  # noqa: BLE001 - a crashed worker is one failed document
                    yield failed_result(futures[fut], err)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


_DESCRIBERS: dict[str, Any] = {}


def _check_describer(opts: BatchOptions) -> None:
    """Build the describer now in a single process; with workers, only check that it exists."""
    if opts.workers == 1:
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
        return DocResult(source=str(src), status="skipped", outputs=[str(t) for t in targets.values()])
    return None


def ok_result(src: Path, doc: Any, targets: dict[str, Path], seconds: float = 0.0) -> DocResult:
    return DocResult(source=str(src), status="ok", outputs=[str(t) for t in targets.values()],
                     pages=len(doc.pages), figures=len(doc.figures), item_errors=len(doc.errors),
                     seconds=seconds)


def failed_result(src: Path, err: BaseException, seconds: float = 0.0, stage: str = "") -> DocResult:
    """A ``failed`` result for an error (``stage``, e.g. "write", prefixes its message)."""
    return DocResult(source=str(src), status="failed", error_type=type(err).__name__,
                     error=f"{stage}: {one_line(err)}" if stage else one_line(err), seconds=seconds)


def one_line(err: BaseException) -> str:
    """An error as one summary line."""
    return " ".join(str(err).split()) or type(err).__name__


def check_source(src: Path) -> None:
    """Raise the error a missing or unsupported input gets, before any work on it."""
    from .pipeline import _unsupported, supported

    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file")
    if not supported(src):
        raise _unsupported(src)


def convert_one(src: Path, stem: str, out: Path, opts: BatchOptions) -> DocResult:
    """Convert one document and write its outputs; every failure becomes a failed DocResult."""
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
