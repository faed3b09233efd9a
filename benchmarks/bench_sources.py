"""The source-exact readers on the real devset: exactness against the manifest, and speed.

For every row of ``../shared/devset/real/manifest.tsv`` (one diagram: a draw.io page, a Visio
page, a PowerPoint slide, a PlantUML block) the file is read with
:func:`dicmodel.sources.read_source` and the part compared with what the manifest records:
labelled shapes (``nodes``), connectors glued at both ends (``edges``; sequence diagrams:
participants and messages) and ``connectors_drawn``. Speed is wall time per file (all its
parts), median of ``--repeat`` reads, in this process.

With ``--convert``, every devset source file (PowerPoint decks excepted: they are documents) also
goes through ``dicmodel.convert`` and each part's figure description is checked the same way.

With ``--vsd``, the binary Visio objects embedded in the given DOCX files (3GPP specs) are read
through LibreOffice: once in one batched ``soffice`` run, and (``--vsd-single N``) the first N
one run each, to show what batching saves.

Usage::

    python benchmarks/bench_sources.py [--repeat 5] [--out table.md] [--convert]
        [--vsd ../shared/3gpp/*.docx] [--vsd-single 3]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path

from dicmodel.sources import read_source, read_sources

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "devset" / "real"


def _manifest() -> list[dict[str, str]]:
    with open(REAL / "manifest.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _hidden(path: Path) -> int:
    if path.suffix != ".puml":
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if "[hidden]" in line)


def devset_table(repeat: int) -> tuple[str, list[str]]:
    rows = _manifest()
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    notes: list[str] = []
    times: dict[str, float] = {}
    parts_of: dict[str, dict] = {}
    for r in rows:
        path = REAL / r["file"]
        if r["file"] not in times:
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                parts = read_source(path)
                samples.append(time.perf_counter() - t0)
            times[r["file"]] = statistics.median(samples)
            parts_of[r["file"]] = {p.part: p for p in parts}
            s = stats[r["format"]]
            s["files"] += 1
            s["parts_read"] += len(parts)
            s["seconds"] += times[r["file"]]
        s = stats[r["format"]]
        s["rows"] += 1
        want = r["part"].strip('"') if r["format"] == "plantuml" else r["part"]
        p = parts_of[r["file"]].get(want)
        if p is None:
            notes.append(f"{r['file']} {want!r}: part not found")
            continue
        d = p.diagram
        seq = d.kind == "sequence"
        n = len(d.nodes) if seq else p.labelled_nodes
        e = len(d.messages) if seq else len(d.edges)
        ok_n, ok_e = n == int(r["nodes"]), e == int(r["edges"])
        ok_c = p.connectors_drawn == int(r["connectors_drawn"])
        s["nodes_exact"] += ok_n
        s["edges_exact"] += ok_e
        s["drawn_exact"] += ok_c
        s["loose"] += p.loose_connectors
        if not (ok_n and ok_e and ok_c):
            hidden = _hidden(path)
            why = f" ({hidden} [hidden] layout link(s) counted by the manifest, not drawn)" if hidden else ""
            notes.append(f"{r['file']} {want!r}: nodes {n}/{r['nodes']}, edges {e}/{r['edges']}, "
                         f"drawn {p.connectors_drawn}/{r['connectors_drawn']}{why}")
    lines = [("| format | files | parts read | manifest parts | nodes exact | edges exact | "
              "connectors drawn exact | loose connectors reported | ms per file (median) |"),
             "|---|---|---|---|---|---|---|---|---|"]
    total: dict[str, float] = defaultdict(float)
    for fmt in sorted(stats):
        s = stats[fmt]
        for k, v in s.items():
            total[k] += v
        lines.append(_row(fmt, s))
    lines.append(_row("**all**", total))
    return "\n".join(lines), notes


def _row(name: str, s: dict[str, float]) -> str:
    rows = int(s["rows"])
    return (f"| {name} | {int(s['files'])} | {int(s['parts_read'])} | {rows} | "
            f"{int(s['nodes_exact'])}/{rows} | {int(s['edges_exact'])}/{rows} | "
            f"{int(s['drawn_exact'])}/{rows} | {int(s['loose'])} | "
            f"{1000 * s['seconds'] / max(1, s['files']):.1f} |")


def convert_table() -> str:
    """``dicmodel.convert`` on every devset source file (the direct-input route, describer
    included): the figure of each manifest part must carry the exact counts. PowerPoint decks
    are documents for ``convert`` (the Office ingest), so they are not part of this check."""
    from dicmodel import convert

    rows = _manifest()
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # parts, exact, seconds*1000
    docs: dict[str, dict] = {}
    for r in rows:
        if r["format"] == "pptx":
            continue
        if r["file"] not in docs:
            t0 = time.perf_counter()
            doc = convert(REAL / r["file"])
            stats[r["format"]][2] += int(1000 * (time.perf_counter() - t0))
            docs[r["file"]] = {f.source_part: f for f in doc.figures}
        want = r["part"].strip('"') if r["format"] == "plantuml" else r["part"]
        fig = docs[r["file"]].get(want)
        d = fig.description.diagram if fig and fig.description else None
        s = stats[r["format"]]
        s[0] += 1
        if d is None:
            continue
        seq = d.kind == "sequence"
        n = len(d.nodes) if seq else sum(1 for x in d.nodes if x.label.strip())
        e = len(d.messages) if seq else len(d.edges)
        s[1] += n == int(r["nodes"]) and e == int(r["edges"]) - _hidden(REAL / r["file"])
    lines = ["| format | manifest parts | figure with exact nodes and edges | convert ms per file |",
             "|---|---|---|---|"]
    for fmt, (parts, exact, ms) in sorted(stats.items()):
        files = len({r["file"] for r in rows if r["format"] == fmt})
        lines.append(f"| {fmt} | {parts} | {exact}/{parts} | {ms / max(1, files):.1f} |")
    return "\n".join(lines)


def vsd_table(docx: list[Path], single: int) -> str:
    blobs = []
    for path in docx:
        with zipfile.ZipFile(path) as z:
            blobs += [z.read(n) for n in sorted(z.namelist())
                      if n.startswith("word/embeddings/") and n.lower().endswith(".vsd")]
    if not blobs:
        return "no .vsd embedded in the given files"
    read_sources(blobs[:1], format="vsd")  # warm the private LibreOffice profile once
    t0 = time.perf_counter()
    res = read_sources(blobs, format="vsd")
    batch = time.perf_counter() - t0
    ok = [r for r in res if not isinstance(r, Exception)]
    parts = [p for r in ok for p in r]
    nodes = sum(len(p.diagram.nodes) for p in parts)
    lines = [(f"{len(blobs)} .vsd objects from {len(docx)} DOCX file(s): {len(ok)} read, "
              f"{len(parts)} pages, {nodes} labelled shapes, "
              f"{sum(p.connectors_drawn for p in parts)} lines/arrows (no glue: none read as edges); "
              f"one batched LibreOffice run: {batch:.1f} s ({batch / len(blobs):.2f} s per object)")]
    if single:
        t0 = time.perf_counter()
        for b in blobs[:single]:
            read_sources([b], format="vsd")
        one = (time.perf_counter() - t0) / min(single, len(blobs))
        lines.append(f"one LibreOffice run per object (first {min(single, len(blobs))}): "
                     f"{one:.2f} s per object")
    return "\n\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--vsd", type=Path, nargs="*", default=[])
    ap.add_argument("--vsd-single", type=int, default=0)
    ap.add_argument("--convert", action="store_true",
                    help="also run dicmodel.convert on every devset source file")
    args = ap.parse_args(argv)
    if not (REAL / "manifest.tsv").is_file():
        print(f"no devset at {REAL}", file=sys.stderr)
        return 2
    table, notes = devset_table(args.repeat)
    text = table + "\n\n" + ("\n".join(f"- {n}" for n in notes) if notes else "- no mismatch")
    if args.convert:
        text += "\n\n`dicmodel.convert` (hidden PlantUML links excluded from the truth):\n\n" + convert_table()
    if args.vsd:
        text += "\n\n" + vsd_table(args.vsd, args.vsd_single)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
