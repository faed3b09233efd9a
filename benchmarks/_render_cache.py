"""The devset's Mermaid / Graphviz sources, rendered once to vector PDF and raster PNG.

A thin layer over :func:`dicmodel.eval.bench.render_sources`, the one render cache every
benchmark shares (``~/.cache/dicmodel-bench/eval``, or ``DICMODEL_BENCH_CACHE``/eval): a
source's renders are keyed by its name and a hash of its text, so an edited source renders
again. Mermaid goes through one kept-open browser, Graphviz through ``dot``. Failures are
returned, never raised.

Usage as a script (warms the cache)::

    python benchmarks/_render_cache.py [--only mermaid|dot]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dicmodel.eval.bench import default_cache, default_devset, render_sources, source_render_path

DEVSET = default_devset()  # the one resolution the eval bench uses (DICMODEL_DEVSET overrides it)
CACHE = default_cache()
FORMATS = ("pdf", "png")


def _text(src: Path) -> str:
    return src.read_text(encoding="utf-8", errors="replace")


def cached_paths(src: Path) -> dict[str, Path]:
    """Where the renders of ``src`` live (they may not exist yet)."""
    text = _text(src)
    return {fmt: source_render_path(src.name, text, fmt, CACHE) for fmt in FORMATS}


def devset_sources(kind: str) -> list[Path]:
    folder = DEVSET / kind
    if kind == "mermaid":
        return sorted(folder.glob("*.mmd"))
    return sorted(p for p in folder.iterdir() if p.suffix in (".dot", ".gv"))


def warm(only: str | None = None) -> dict[str, dict[str, str]]:
    """Render every devset source that is not cached yet; ``{name: {fmt: error}}`` of failures."""
    kinds = [only] if only else ["mermaid", "dot"]
    srcs = [s for k in kinds for s in devset_sources(k)]
    return render_sources([(s.name, _text(s)) for s in srcs], CACHE, timeout=120.0, log=print)


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
