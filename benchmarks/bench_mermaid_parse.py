"""Mermaid parser growth: parse and to_mermaid time on generated diagrams of 1k, 10k, 100k lines.

Prints a Markdown table (kind, lines, parse s, parse s per 1k lines, to_mermaid s, to_mermaid s per
1k lines). Each measurement runs in a child process with a time limit, so a quadratic parser
shows as ``> LIMIT`` instead of stalling the table. Run against another checkout (e.g. the code
before a change) with ``--tree``::

    python benchmarks/bench_mermaid_parse.py --sizes 1000 10000 100000 --limit 300
    python benchmarks/bench_mermaid_parse.py --tree /tmp/base   # a checkout of an older commit

The generated inputs are plain valid Mermaid: a flowchart with one edge per line among
lines / 4 nodes (labels, shapes, edge labels, a subgraph every 100 lines) and a sequence diagram
with one message per line among 20 participants declared up front.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def flowchart(lines: int) -> str:
    """One edge per line among lines // 4 nodes (first mention gives the label and shape), with a
    subgraph every 100 lines, so that 100k lines stay under MAX_NODES."""
    m = max(lines // 4, 10)
    out = ["flowchart TD"]
    k = 0
    while len(out) < lines:
        a, b = k % m, (k * 7 + 1) % m
        edge = f'n{a}["node {a}"] -->|step {k}| n{b}(round {b})' if k < m else f"n{a} -.-> n{b}"
        if k % 100 == 99:
            out += [f'    subgraph g{k}["group {k}"]', f"        {edge}", "    end"]
        else:
            out.append(f"    {edge}")
        k += 1
    return "\n".join(out[:lines]) + "\n"


def sequence(lines: int) -> str:
    parts = [f"P{i}" for i in range(20)]
    out = ["sequenceDiagram"] + [f"    participant {p} as Entity {p}" for p in parts]
    k = 0
    while len(out) < lines:
        a, b = parts[k % 20], parts[(k * 7 + 3) % 20]
        out.append(f"    {a}->>{b}: message {k} (request #{k})" if k % 2 else f"    {a}-->>{b}: reply {k}")
        k += 1
    return "\n".join(out[:lines]) + "\n"


_CHILD = r"""
import json, sys, time
sys.setrecursionlimit(10000)
from dicmodel.diagram import parse_mermaid
text = sys.stdin.read()
t0 = time.perf_counter(); d = parse_mermaid(text); t1 = time.perf_counter()
d.to_mermaid(); t2 = time.perf_counter()
print(json.dumps({"parse": t1 - t0, "mermaid": t2 - t1, "nodes": len(d.nodes)}))
"""


def measure(text: str, tree: Path, limit: float) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    try:
        # cwd=tree too: 'python -c' puts the working folder first on sys.path
        out = subprocess.run([sys.executable, "-c", _CHILD], input=text, capture_output=True, text=True,
                             env=env, timeout=limit, check=True, cwd=tree)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], help="line counts")
    ap.add_argument("--limit", type=float, default=300, help="seconds allowed per measurement")
    ap.add_argument("--tree", type=Path, default=REPO, help="folder that holds the dicmodel package to time")
    args = ap.parse_args(argv)
    print(f"tree: {args.tree}\n")
    print("| kind | lines | parse s | parse s / 1k lines | to_mermaid s | to_mermaid s / 1k lines |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, gen in (("flowchart", flowchart), ("sequence", sequence)):
        skip = False
        for n in args.sizes:
            if skip:  # a smaller input already ran out of time
                print(f"| {kind} | {n} | not run | | | |", flush=True)
                continue
            r = measure(gen(n), args.tree, args.limit)
            if r is None:
                print(f"| {kind} | {n} | > {args.limit:.0f} | | | |", flush=True)
                skip = True
                continue
            print(f"| {kind} | {n} | {r['parse']:.3f} | {r['parse'] / n * 1000:.4f} | "
                  f"{r['mermaid']:.3f} | {r['mermaid'] / n * 1000:.4f} |", flush=True)


if __name__ == "__main__":
    main()
