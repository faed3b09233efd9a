"""The fault corpus through the CLI, one case per run: peak memory, time, hangs, kills.

    nice python benchmarks/fault_corpus.py --out /tmp/fault-corpus [--describer structural]

Each case of :mod:`dicmodel.testing.faults` (bad and good) is placed alone in a folder and
converted with ``python -m dicmodel convert FOLDER`` (default budgets: one worker process,
``--doc-timeout 600``, ``--doc-memory 4096``). Measured per case: the peak RSS of the whole
process tree (``wait4`` reports the largest of the CLI and the workers it reaped), wall
seconds, the exit status, the document's status and error type from the run summary, and
whether a traceback was printed. A run still going after ``--hang`` seconds is killed and
counted as a hang. Prints a Markdown table and the totals; exits 1 when a target is missed
(a hang, a process killed by a signal, a traceback, peak RSS over ``--rss-target`` MB, a good
case not converted, a bad case without a typed error).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_case(case: object, root: Path, args: argparse.Namespace) -> dict[str, object]:
    from dicmodel.testing import faults

    assert isinstance(case, faults.Case)
    folder = root / "in"
    folder.mkdir(parents=True)
    faults.materialize(case, folder)
    cmd = [sys.executable, "-m", "dicmodel", "convert", str(folder), "-o", str(root / "out"), "-q",
           "--format", "md,json", "--describer", args.describer]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    t0 = time.perf_counter()
    with open(root / "log.txt", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        hang = False
        deadline = t0 + args.hang
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                hang = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4: keep Popen from waiting again
    text = (root / "log.txt").read_text(errors="replace")
    row: dict[str, object] = {"case": case.name, "expect": case.expect, "rss_mb": round(usage.ru_maxrss / 1024),
                              "seconds": round(seconds, 2), "exit": code, "hang": hang,
                              "traceback": "Traceback" in text, "status": "", "error_type": ""}
    try:
        summary = json.loads((root / "out" / "_dicmodel" / "summary.json").read_text())
        if summary["results"]:
            r = summary["results"][0]
            row["status"], row["error_type"] = r["status"], r.get("error_type") or ""
        elif summary["notes"]:
            row["status"] = "left out"
        worker_killed = any(r.get("error_type") == "WorkerCrashError" for r in summary["results"])
    except (OSError, ValueError, KeyError):
        row["status"] = "no summary"
        worker_killed = False
    row["killed"] = code < 0 or worker_killed
    return row


def verdict(row: dict[str, object], rss_target: int) -> str:
    from dicmodel import errors

    typed = set(errors.__all__) - {"DicmodelError", "InternalError"}
    if row["hang"] or row["killed"] or row["traceback"] or int(row["rss_mb"]) > rss_target:  # type: ignore[call-overload]
        return "MISS"
    if row["expect"] == "ok" and row["status"] != "ok":
        return "MISS"
    if row["expect"] == "skipped" and row["status"] != "left out":
        return "MISS"
    if row["status"] == "failed" and row["error_type"] not in typed:
        return "MISS"
    if row["expect"] == "failed" and row["status"] != "failed":
        return "MISS"
    return "ok"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/fault-corpus"), help="work folder (emptied per case)")
    ap.add_argument("--describer", default="structural", help="describer for the figures found")
    ap.add_argument("--hang", type=float, default=900.0, help="seconds after which a run counts as a hang")
    ap.add_argument("--rss-target", type=int, default=2048, help="MB of peak RSS a case may reach")
    ap.add_argument("--only", default="", help="comma list of case names to run (default: all)")
    args = ap.parse_args(argv)

    import shutil

    from dicmodel.testing import faults

    chosen = [c for c in faults.cases() + faults.good_cases() if not args.only or c.name in args.only.split(",")]
    rows = []
    for i, case in enumerate(chosen):
        root = args.out / f"case{i:03d}"
        shutil.rmtree(root, ignore_errors=True)
        row = run_case(case, root, args)
        row["verdict"] = verdict(row, args.rss_target)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=True), file=sys.stderr, flush=True)
    print("| case | expect | status | error type | peak RSS MB | seconds | exit | verdict |")
    print("|---|---|---|---|---:|---:|---:|---|")
    for r in rows:
        name = str(r["case"]).encode("ascii", "backslashreplace").decode()
        print(f"| {name} | {r['expect']} | {r['status']} | {r['error_type']} | {r['rss_mb']} | {r['seconds']} | "
              f"{r['exit']} | {r['verdict']} |")
    totals = {"cases": len(rows), "hangs": sum(bool(r["hang"]) for r in rows),
              "killed": sum(bool(r["killed"]) for r in rows), "tracebacks": sum(bool(r["traceback"]) for r in rows),
              "max_rss_mb": max(int(r["rss_mb"]) for r in rows),  # type: ignore[call-overload]
              "max_seconds": max(float(r["seconds"]) for r in rows),  # type: ignore[arg-type]
              "misses": [r["case"] for r in rows if r["verdict"] != "ok"]}
    print()
    print(json.dumps(totals, ensure_ascii=True))
    return 1 if totals["misses"] else 0


if __name__ == "__main__":
    sys.exit(main())
