"""Render devset Mermaid / Graphviz sources to vector PDF and raster PNG, cached outside the repo.

The cache lives in ``~/.cache/dicmodel-bench`` (override with ``DICMODEL_BENCH_CACHE``); a file's
renders are keyed by its content hash, so an edited source is rendered again. Mermaid files are
rendered in batches through one mermaid-cli call on a Markdown file (one browser start per batch
instead of one per diagram); a batch that fails falls back to one call per file, so one bad
diagram costs only itself. Failures are returned, never raised.

Usage as a script (warms the cache)::

    python benchmarks/_render_cache.py [--only mermaid|dot]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from dicmodel.eval.bench import default_devset

DEVSET = default_devset()  # the one resolution the eval bench uses (DICMODEL_DEVSET overrides it)
CACHE = Path(os.environ.get("DICMODEL_BENCH_CACHE", Path.home() / ".cache" / "dicmodel-bench"))
PUPPETEER = {"executablePath": "/usr/bin/chromium", "args": ["--no-sandbox"]}
FORMATS = ("pdf", "png")
BATCH = 16


def _key(src: Path) -> str:
    return src.stem + "-" + hashlib.sha256(src.read_bytes()).hexdigest()[:10]


def cached_paths(src: Path) -> dict[str, Path]:
    """Where the renders of ``src`` live (they may not exist yet)."""
    base = CACHE / src.parent.name
    return {fmt: base / f"{_key(src)}.{fmt}" for fmt in FORMATS}


def _puppeteer_cfg(tmp: Path) -> Path:
    cfg = tmp / "puppeteer.json"
    cfg.write_text(json.dumps(PUPPETEER))
    return cfg


def render_dot(src: Path) -> dict[str, str]:
    """Graphviz renders; returns {fmt: error} for the formats that failed.

    Through :func:`dicmodel.synth.render.render_dot`, which writes to a ``.part`` file and
    renames it: a render cut short never lands in the cache as a truncated file that a later
    run would take as done."""
    from dicmodel.errors import DicmodelError
    from dicmodel.synth.render import render_dot as render

    errors: dict[str, str] = {}
    for fmt, out in cached_paths(src).items():
        if out.exists():
            continue
        try:
            render(src.read_text(errors="replace"), out, fmt, timeout=120)
        except DicmodelError as err:
            errors[fmt] = str(err)[-300:]
    return errors


def _mmdc(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(["mmdc", "-q", *args], capture_output=True, text=True, check=False, timeout=timeout)


def _mmdc_flags(fmt: str) -> list[str]:
    return ["--pdfFit"] if fmt == "pdf" else ["-s", "2"]


def _render_mermaid_batch(srcs: list[Path], fmt: str, tmp: Path, cfg: Path) -> list[Path]:
    """One mmdc call for many diagrams; returns the sources that did not get a render."""
    md = tmp / "batch.md"
    md.write_text("".join(f"```mermaid\n{s.read_text()}\n```\n\n" for s in srcs))
    art = tmp / f"art-{fmt}"
    shutil.rmtree(art, ignore_errors=True)
    art.mkdir()
    try:
        proc = _mmdc(["-i", str(md), "-o", str(tmp / "out.md"), "-e", fmt, "-a", str(art),
                      "-p", str(cfg), *_mmdc_flags(fmt)], timeout=60 + 20 * len(srcs))
        ok = proc.returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    missing = []
    for i, src in enumerate(srcs, 1):
        produced = art / f"out-{i}.{fmt}"
        if ok and produced.exists():
            dest = cached_paths(src)[fmt]
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(produced), dest)
        else:
            missing.append(src)
    return missing


def _render_mermaid_one(src: Path, fmt: str, cfg: Path) -> str | None:
    dest = cached_paths(src)[fmt]
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        proc = _mmdc(["-i", str(src), "-o", str(dest), "-p", str(cfg), *_mmdc_flags(fmt)],
                     timeout=120)
    except subprocess.TimeoutExpired:
        return "mmdc timed out after 120 s"
    if proc.returncode != 0 or not dest.exists():
        dest.unlink(missing_ok=True)
        return (proc.stderr or "no output").strip()[-300:]
    return None


def render_mermaid(srcs: Iterable[Path]) -> dict[str, dict[str, str]]:
    """Render every Mermaid source not yet cached; returns {name: {fmt: error}} for failures."""
    failures: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        cfg = _puppeteer_cfg(tmp)
        for fmt in FORMATS:
            todo = [s for s in srcs if not cached_paths(s)[fmt].exists()]
            for i in range(0, len(todo), BATCH):
                for src in _render_mermaid_batch(todo[i:i + BATCH], fmt, tmp, cfg):
                    err = _render_mermaid_one(src, fmt, cfg)
                    if err:
                        failures.setdefault(src.name, {})[fmt] = err
                print(f"mermaid {fmt}: {min(i + BATCH, len(todo))}/{len(todo)}", file=sys.stderr)
    return failures


def devset_sources(kind: str) -> list[Path]:
    folder = DEVSET / kind
    if kind == "mermaid":
        return sorted(folder.glob("*.mmd"))
    return sorted(p for p in folder.iterdir() if p.suffix in (".dot", ".gv"))


def warm(only: str | None = None) -> dict[str, dict[str, str]]:
    failures: dict[str, dict[str, str]] = {}
    if only in (None, "dot"):
        for src in devset_sources("dot"):
            errs = render_dot(src)
            if errs:
                failures[src.name] = errs
    if only in (None, "mermaid"):
        failures.update(render_mermaid(devset_sources("mermaid")))
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["mermaid", "dot"], default=None)
    args = ap.parse_args()
    failures = warm(args.only)
    for name, errs in sorted(failures.items()):
        print(f"FAILED {name}: {errs}")
    print(f"cache: {CACHE}; failures: {len(failures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
