"""Convert a corpus with Ray Data: parallel ingest tasks, describers in an actor pool, same files.

::

    from dicmodel.integrations.ray import convert_corpus
    summary = convert_corpus(["corpus/"], "out/", describer="structural", formats=("md", "jsonl"))

    dicmodel convert corpus/ -o out --engine ray --format md,json,jsonl

The pipeline is three Ray Data stages over one row per document:

1. ``ingest`` (a task per document, ``num_cpus=1``): the file becomes a Document with figure crops
   and vector geometry (no description yet);
2. ``describe`` (an actor pool of ``describer_actors`` actors, each with ``describer_gpus`` GPUs):
   the describer loads once per actor, so a VLM stays on its GPU across documents;
3. ``write`` (a task per document): the same files, names and writers as
   :func:`dicmodel.batch.convert_many` (``OUT/<stem>.md``, ``.json``, ``.chunks.jsonl``), each
   written atomically, plus ``OUT/_dicmodel/summary.json``. With ``parquet=True`` the chunks of the
   documents converted in this run are also written as a Parquet dataset (``OUT/parquet/``).

Resumable: a document whose outputs all exist is skipped before Ray sees it. A document that
fails in any stage is one failed result in the summary; the others complete.

On a cluster pass ``address="ray://head:10001"`` (or set ``RAY_ADDRESS``); inputs and ``out_dir``
must be on storage every node can read and write (NFS, a shared volume).
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._extras import require
from ..errors import ConfigError

__all__ = ["RayOptions", "add_cli_flags", "convert_corpus", "options_from_args"]


class RayOptions(BaseModel):
    """Options of :func:`convert_corpus` (the output options mirror ``dicmodel.batch.BatchOptions``)."""

    model_config = ConfigDict(extra="forbid")

    formats: tuple[Literal["md", "json", "jsonl"], ...] = Field(("md",), description="outputs to write")
    describer: Any = Field("structural", description="describer registry name")
    describer_options: dict[str, Any] = Field(default_factory=dict)
    overwrite: bool = Field(False, description="convert again even when all outputs exist")
    images: bool = Field(False, description="write figure crops and link them from the Markdown")
    max_tokens: int = Field(512, ge=16, description="chunk size for the jsonl output")
    ingest: dict[str, Any] = Field(default_factory=dict, description="ingest options (dpi, ...)")
    workers: int | None = Field(None, ge=1, le=4096,
                                description="max concurrent ingest tasks (None: as many as CPUs allow)")
    num_cpus: int | None = Field(None, ge=1, description="CPUs of a local Ray instance started here")
    ingest_memory_mb: int = Field(512, ge=1, description="memory reserved per ingest task (MiB); "
                                  "bounds how many large PDFs a node ingests at once")
    describer_actors: int = Field(1, ge=1, le=1024, description="describer actors (model copies)")
    describer_gpus: float = Field(0.0, ge=0.0, le=16.0, description="GPUs per describer actor")
    describer_cpus: float = Field(1.0, ge=0.0, le=256.0, description="CPUs per describer actor")
    address: str | None = Field(None, description="Ray cluster address (default: $RAY_ADDRESS, else a local Ray)")
    parquet: bool = Field(False, description="also write this run's chunks as Parquet (OUT/parquet/)")
    ray_init: dict[str, Any] = Field(default_factory=dict,
                                     description="extra ray.init arguments (object_store_memory, ...)")

    @field_validator("formats", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        from ..batch import split_formats

        return split_formats(v)

    @field_validator("describer")
    @classmethod
    def _named(cls, v: Any) -> Any:
        # actors build their own describer from the name: an instance would be pickled to
        # every actor, which breaks for models holding GPU memory or locks
        if not isinstance(v, str):
            raise ValueError(f"describer must be a registry name with the Ray engine, got "  # noqa: TRY004
                             f"{type(v).__name__}")
        return v

    def batch_options(self) -> Any:
        from ..batch import BatchOptions

        return BatchOptions(formats=self.formats, describer=self.describer,
                            describer_options=self.describer_options, overwrite=self.overwrite,
                            images=self.images, max_tokens=self.max_tokens, ingest=self.ingest)


# the Ray-only fields; the shared ones (formats, describer, ...) already have `convert` flags
CLI_FIELDS = ("num_cpus", "ingest_memory_mb", "describer_actors", "describer_gpus", "describer_cpus",
              "address", "parquet")


def add_cli_flags(parser: Any) -> None:
    """Add ``--ray-<field>`` flags for the Ray-only options (generated from :class:`RayOptions`)."""
    from .._cli_util import add_model_flags

    group = parser.add_argument_group("Ray engine (--engine ray)")
    add_model_flags(group, RayOptions, prefix="ray__", flag_prefix="ray-", only=CLI_FIELDS)


def options_from_args(args: Any) -> dict[str, Any]:
    """The Ray-only options given on the command line (unset flags are left out)."""
    from .._cli_util import model_values

    return model_values(args, RayOptions, "ray__")


def _options(options: dict[str, Any]) -> RayOptions:
    try:
        return RayOptions(**options)
    except ValidationError as err:
        first = err.errors()[0]
        name = first["loc"][0] if first["loc"] else "options"
        raise ConfigError(f"convert_corpus option {name!r}: {first['msg']} (got {first.get('input')!r}); "
                          f"allowed: {sorted(RayOptions.model_fields)}") from err


def convert_corpus(inputs: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                   **options: Any) -> Any:
    """Convert every input (files or folders) under ``out_dir`` with Ray Data; returns a
    :class:`dicmodel.batch.Summary` (the same type ``convert_many`` returns)."""
    from ..batch import (DocResult, Summary, expand_inputs, output_paths, output_stems, skipped_result,
                         write_run_files)

    opts = _options(options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary, todo = Summary(), []
    paths = expand_inputs(inputs, notes=summary.notes)
    stems = output_stems(paths)
    t0 = time.perf_counter()
    for p in paths:
        skipped = skipped_result(p, output_paths(p, out, opts.formats, stems[p]), opts.overwrite)
        if skipped is not None:
            summary.add(skipped)
        else:
            todo.append({"source": str(p), "stem": stems[p]})
    if todo:
        for row in _run(todo, out, opts):
            summary.add(DocResult.model_validate_json(row["result"]))
    summary.seconds = time.perf_counter() - t0
    write_run_files(out, summary)  # _dicmodel/summary.json + runs/, as the local engine
    return summary


def _run(rows: list[dict[str, Any]], out: Path, opts: RayOptions) -> list[dict[str, Any]]:
    ray = require("ray", "the Ray engine")
    started = _init(ray, opts)
    try:
        _check_cpus(ray, opts)
        data = require("ray.data", "the Ray engine")
        ds = data.from_items(rows, override_num_blocks=len(rows))
        # the memory reservation also keeps Ray from fusing ingest into the describer actors
        # (fusion needs equal resources): ingest must scale with CPUs, not with model copies
        ds = ds.map(_ingest_row, fn_kwargs={"opts": opts}, num_cpus=1,
                    memory=opts.ingest_memory_mb * 1024 * 1024,
                    compute=data.TaskPoolStrategy(size=opts.workers) if opts.workers else None)
        ds = ds.map(_DescribeActor, fn_constructor_kwargs={"opts": opts},
                    compute=data.ActorPoolStrategy(size=opts.describer_actors),
                    num_gpus=opts.describer_gpus or None, num_cpus=opts.describer_cpus)
        ds = ds.map(_write_row, fn_kwargs={"opts": opts, "out": str(out)}, num_cpus=1)
        if opts.parquet:
            ds = ds.materialize()
            _write_parquet(ds, out)
        return [{"result": r["result"]} for r in ds.select_columns(["result"]).take_all()]
    finally:
        if started:
            ray.shutdown()


def _check_cpus(ray: Any, opts: RayOptions) -> None:
    """Describer actors hold their CPUs for the whole run; if they hold all of them, no ingest
    task can ever be scheduled and the dataset would wait forever."""
    total = float(ray.cluster_resources().get("CPU", 0.0))
    held = opts.describer_actors * opts.describer_cpus
    if total and held > total - 1:
        raise ConfigError(f"describer_actors x describer_cpus = {held:g} CPUs leaves less than one "
                          f"CPU for ingest on this Ray cluster ({total:g} CPUs); lower "
                          f"describer_actors or describer_cpus (e.g. describer_cpus=0.5)")


def _init(ray: Any, opts: RayOptions) -> bool:
    """Connect to (or start) Ray; True when this call started it and must shut it down."""
    if ray.is_initialized():
        return False
    # quiet by default: Ray's INFO lines would drown the summary; ray_init can override
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "logging_level": "WARNING", **opts.ray_init}
    if opts.address:
        kwargs["address"] = opts.address
    elif not os.environ.get("RAY_ADDRESS") and opts.num_cpus:
        kwargs["num_cpus"] = opts.num_cpus
    ray.init(**kwargs)
    return True


# --------------------------------------------------------------------------------------------
# the three stages; each catches its own failures so one document never stops the dataset
# --------------------------------------------------------------------------------------------

def _pipe_and_ingest_keys(opts: RayOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """``ingest`` may carry pipeline options (batch_size) beside the ingest ones: split them."""
    from ..pipeline import ConvertOptions

    pipe = {k: v for k, v in opts.ingest.items() if k in ConvertOptions.model_fields}
    return pipe, {k: v for k, v in opts.ingest.items() if k not in pipe}


def _failed(row: dict[str, Any], err: BaseException, stage: str) -> dict[str, Any]:
    from ..batch import one_line

    return {**row, "doc": None, "error": f"{stage}: {one_line(err)}", "error_type": type(err).__name__}


def _ingest_row(row: dict[str, Any], opts: RayOptions) -> dict[str, Any]:
    from ..batch import check_source
    from ..pipeline import convert

    src = Path(row["source"])
    t0 = time.perf_counter()
    try:
        check_source(src)
        _, ingest = _pipe_and_ingest_keys(opts)
        doc = convert(src, describer="text", describe=False, **ingest)
    except Exception as err:  # noqa: BLE001 - one failed document, not a failed dataset
        return {**_failed(row, err, "ingest"), "seconds": time.perf_counter() - t0}
    # pickle, not JSON: crops and vector drawings are excluded from JSON but describers need them
    return {**row, "doc": pickle.dumps(doc, protocol=5), "error": None, "error_type": None,
            "seconds": time.perf_counter() - t0}


class _DescribeActor:
    """Holds one describer for its lifetime (a VLM loads once per actor, not per document)."""

    def __init__(self, opts: RayOptions) -> None:
        from ..describe.base import get_describer

        self.opts = opts
        self.batch_size = int(_pipe_and_ingest_keys(opts)[0].get("batch_size", 8))
        self.engine = get_describer(opts.describer, **opts.describer_options)

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        from ..pipeline import describe_document

        if row.get("doc") is None:
            return row
        t0 = time.perf_counter()
        try:
            doc = describe_document(pickle.loads(row["doc"]), self.engine, batch_size=self.batch_size)
        except Exception as err:  # noqa: BLE001
            return {**_failed(row, err, "describe"), "seconds": row["seconds"] + time.perf_counter() - t0}
        return {**row, "doc": pickle.dumps(doc, protocol=5), "seconds": row["seconds"] + time.perf_counter() - t0}


def _write_row(row: dict[str, Any], opts: RayOptions, out: str) -> dict[str, Any]:
    from ..batch import DocResult, failed_result, ok_result, output_paths, write_outputs

    src, stem, out_dir = Path(row["source"]), row["stem"], Path(out)
    t0 = time.perf_counter()
    result = DocResult(source=str(src), status="failed", error=row.get("error"),
                       error_type=row.get("error_type"))
    chunks: list[str] = []
    if row.get("doc") is not None:
        try:
            doc = pickle.loads(row["doc"])
            targets = output_paths(src, out_dir, opts.formats, stem)
            write_outputs(doc, targets, out_dir, stem, opts.batch_options())
            result = ok_result(src, doc, targets)  # its time is set below
            if opts.parquet:
                chunks = [c.model_dump_json() for c in doc.chunks(max_tokens=opts.max_tokens)]
        except Exception as err:  # noqa: BLE001
            result = failed_result(src, err, stage="write")
    result.seconds = float(row.get("seconds") or 0.0) + time.perf_counter() - t0
    return {"source": str(src), "result": result.model_dump_json(), "chunks": chunks}


def _write_parquet(ds: Any, out: Path) -> None:
    """One Parquet row per chunk: text, source, page, chunk_type, and the metadata as JSON."""
    import json

    def explode(batch: dict[str, Any]) -> dict[str, list[Any]]:
        cols: dict[str, list[Any]] = {"text": [], "source": [], "page": [], "chunk_type": [], "metadata": []}
        for chunks in batch["chunks"]:
            for raw in chunks:
                c = json.loads(raw)
                meta = c["metadata"]
                cols["text"].append(c["text"])
                cols["source"].append(str(meta.get("source", "")))
                cols["page"].append(int(meta.get("page", 0)))
                cols["chunk_type"].append(str(meta.get("chunk_type", "")))
                cols["metadata"].append(json.dumps(meta, sort_keys=True))
        return cols

    ds.select_columns(["chunks"]).map_batches(explode, batch_format="numpy").write_parquet(
        str(out / "parquet"))
