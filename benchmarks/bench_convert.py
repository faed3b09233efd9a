"""Ingest speed on the devset PDFs: dicmodel vs pymupdf4llm (default and legacy) vs raw PyMuPDF.

All tools run in the same process and the same run, one after the other, on the same files, so
the ratios are comparable even on a busy machine. dicmodel runs with figure detection on (no
OCR, no describer), with crops rendered and without. pymupdf4llm 'default' is its current mode
(PyMuPDF Layout + OCR where it decides a page needs it); 'legacy' is ``use_layout(False)``.

    python benchmarks/bench_convert.py [--only dicmodel,raw] [--repeat 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"
TOOLS = ("dicmodel", "dicmodel_nocrops", "pymupdf4llm_default", "pymupdf4llm_legacy", "pymupdf_raw")


def run_dicmodel(path: Path, crops: bool) -> dict:
    from dicmodel.ingest import IngestOptions, ingest

    doc = ingest(path, IngestOptions(render_crops=crops))
    kinds = Counter(f.kind.value for f in doc.figures)
    return {"pages": len(doc.pages), "figures": len(doc.figures), "kinds": dict(kinds),
            "captioned": sum(1 for f in doc.figures if f.caption), "errors": len(doc.errors)}


def run_p4l(path: Path, legacy: bool) -> dict:
    import pymupdf
    import pymupdf4llm

    pymupdf4llm.use_layout(not legacy)
    with pymupdf.open(path) as doc:
        md = pymupdf4llm.to_markdown(doc, show_progress=False)
        return {"pages": doc.page_count, "chars": len(md)}


def run_raw(path: Path) -> dict:
    import pymupdf

    with pymupdf.open(path) as doc:
        n = sum(len(page.get_text()) for page in doc)
        return {"pages": doc.page_count, "chars": n}


def _call(tool: str, path: Path) -> dict:
    if tool == "dicmodel":
        return run_dicmodel(path, crops=True)
    if tool == "dicmodel_nocrops":
        return run_dicmodel(path, crops=False)
    if tool == "pymupdf4llm_default":
        return run_p4l(path, legacy=False)
    if tool == "pymupdf4llm_legacy":
        return run_p4l(path, legacy=True)
    return run_raw(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(TOOLS), help="comma-separated tools to run")
    ap.add_argument("--json", type=Path, help="write the raw results here")
    ap.add_argument("--pdfs", type=Path, default=DEVSET / "pdfs")
    args = ap.parse_args(argv)
    tools = [t for t in args.only.split(",") if t]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:  # else a typo would silently run as raw PyMuPDF (the last branch of _call)
        ap.error(f"--only must name tools from {', '.join(TOOLS)}, got {', '.join(unknown)}")
    pdfs = sorted(args.pdfs.glob("*.pdf"))
    if not pdfs:
        print(f"no PDFs under {args.pdfs}", file=sys.stderr)
        return 1
    # warm imports (PyMuPDF Layout's model, RapidOCR) so the first file does not pay them
    import pymupdf  # noqa: F401

    import dicmodel.ingest  # noqa: F401
    results: dict[str, dict[str, dict]] = {t: {} for t in tools}
    for tool in tools:
        for path in pdfs:
            t0 = time.perf_counter()
            try:
                info = _call(tool, path)
                info["ok"] = True
            except Exception as err:  # noqa: BLE001 - report, keep going
                info = {"ok": False, "error": f"{type(err).__name__}: {err}", "pages": 0}
            info["seconds"] = time.perf_counter() - t0
            results[tool][path.name] = info
            print(f"{tool:22s} {path.name:60s} {info.get('pages', 0):4d} p  {info['seconds']:8.2f} s"
                  + ("" if info["ok"] else "  FAILED " + info["error"]), flush=True)
    _report(results, tools, pdfs)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0 if all(i["ok"] for i in results.get("dicmodel", {}).values()) else 2


def _report(results: dict, tools: list[str], pdfs: list[Path]) -> None:
    if "dicmodel" in results:
        print("\nper document (dicmodel, figure detection on, crops rendered)")
        print(f"{'document':60s} {'pages':>5s} {'figures':>7s} {'captioned':>9s} {'kinds':24s} {'s':>7s} ok")
        for p in pdfs:
            r = results["dicmodel"][p.name]
            print(f"{p.name:60s} {r.get('pages', 0):5d} {r.get('figures', 0):7d} {r.get('captioned', 0):9d} "
                  f"{json.dumps(r.get('kinds', {})):24s} {r['seconds']:7.2f} {'yes' if r['ok'] else 'NO'}")
    print("\npages/second over the devset (same run)")
    rate = {}
    for t in tools:
        pages = sum(r.get("pages", 0) for r in results[t].values() if r["ok"])
        secs = sum(r["seconds"] for r in results[t].values())
        rate[t] = pages / secs if secs else 0.0
    base = rate.get("dicmodel")
    print(f"{'tool':22s} {'pages/s':>9s} {'dicmodel / tool':>16s}")
    for t in tools:
        ratio = f"{base / rate[t]:.2f}x" if base and rate[t] else "-"
        print(f"{t:22s} {rate[t]:9.2f} {ratio:>16s}")


if __name__ == "__main__":
    raise SystemExit(main())
