"""Fuzz PDF ingest: mutate seed PDFs for N minutes and count what escapes as an untyped error.

    nice python fuzz/fuzz_pdf.py --minutes 10 --seed 1 --out /tmp/fuzz-pdf

Seeds are the generated documents and the PDF cases of :mod:`dicmodel.testing.faults`. Each
mutant (byte flips, inserted/deleted/duplicated ranges, numbers made huge or negative, PDF
keywords swapped, truncation) is converted with ``dicmodel.convert`` in a worker process with
a time and memory budget (:mod:`dicmodel._workers`), so a hang or a blow-up is counted, not
suffered. Counted: inputs converted, typed failures (a ``DicmodelError``), unexpected ones
(any other exception, ``InternalError``, a crashed or killed worker) by type, and inputs over
``--slow`` seconds of CPU time (the worker's own; wall time is reported too, but on a shared
machine it measures the neighbours). A worker serves 64 inputs after loading the libraries
once, so no input pays for the imports. Unexpected and slow inputs are saved under ``--out`` as reproducers.
Exit status 1 when anything unexpected or slow was found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_KEYWORDS = [b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b"/Count",
             b"/Kids", b"/MediaBox", b"/Length", b"/Filter", b"/FlateDecode", b"/Parent", b"/Type",
             b"/Page", b"/Pages", b"R", b"<<", b">>", b"[", b"]", b"/Width", b"/Height", b"Do", b"re", b"Tj"]
_HOSTILE_NUMBERS = [b"0", b"-1", b"2147483647", b"-2147483648", b"4294967296", b"1e308", b"99999999999999999999",
                    b"1e9", b"3.4e38", b"NaN", b"-0", b"65535"]


def seeds() -> list[bytes]:
    from dicmodel import _pdfgen
    from dicmodel.testing import faults

    out = [_pdfgen.sample_report().data, _pdfgen.two_column_pdf().data, _pdfgen.rotated_pdf(90).data]
    out += [c.data for c in faults.cases() if c.data and c.data[:5] == b"%PDF-" and len(c.data) < 2_000_000]
    return out


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random mutations of ``data``."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        n = len(buf)
        if not n:
            break
        i = rng.randrange(n)
        if op == 0:  # flip bytes
            for _ in range(rng.randint(1, 16)):
                buf[rng.randrange(n)] = rng.randrange(256)
        elif op == 1:  # delete a range
            del buf[i:i + rng.randint(1, 512)]
        elif op == 2:  # insert random bytes
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == 3:  # duplicate a range
            j = rng.randrange(n)
            buf[i:i] = buf[j:j + rng.randint(1, 2048)]
        elif op == 4:  # a number made hostile
            nums = list(_NUMBER.finditer(buf))
            if nums:
                m = rng.choice(nums)
                buf[m.start():m.end()] = rng.choice(_HOSTILE_NUMBERS)
        elif op == 5:  # a keyword swapped for another
            a, b = rng.choice(_KEYWORDS), rng.choice(_KEYWORDS)
            k = buf.find(a, i)
            if k >= 0:
                buf[k:k + len(a)] = b
        else:  # truncate
            del buf[rng.randrange(max(1, n // 2), n):]
    return bytes(buf)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz")
    ap.add_argument("--seed", type=int, default=1, help="random seed (the same seed, the same mutants)")
    ap.add_argument("--slow", type=float, default=5.0, help="seconds above which an input counts as slow")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds after which a worker is stopped")
    ap.add_argument("--memory", type=int, default=2048, help="MB a worker may allocate per input")
    ap.add_argument("--describer", default="structural", help="describer run on the figures found")
    ap.add_argument("--out", type=Path, default=Path("/tmp/fuzz-pdf"), help="where reproducers go")
    args = ap.parse_args(argv)

    from dicmodel import _workers
    from dicmodel.testing import faults

    rng = random.Random(args.seed)
    pool = seeds()
    args.out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    slow: list[float] = []
    worst = worst_wall = 0.0
    deadline = time.monotonic() + args.minutes * 60
    batch = 0
    while time.monotonic() < deadline:
        mutants = [mutate(rng.choice(pool), rng) for _ in range(64)]
        batch += 1
        jobs = [(m, args.describer, f"{batch}-{i}") for i, m in enumerate(mutants)]
        for i, result in _workers.run_jobs(jobs, workers=1, setup=(faults.warm_worker, (args.describer,)),
                                           job=faults.convert_job, timeout=args.timeout, memory_mb=args.memory):
            if isinstance(result, BaseException):  # the worker died or ran out of time
                outcome, etype, msg, wall, secs = "unexpected", type(result).__name__, str(result), 0.0, args.timeout
            else:
                outcome, etype, msg, wall, secs = result
            if time.monotonic() > deadline + args.timeout:
                break
            counts[outcome] += 1
            worst = max(worst, secs)
            worst_wall = max(worst_wall, wall)
            if outcome == "unexpected":
                unexpected[etype] += 1
            if secs > args.slow:
                slow.append(round(secs, 1))
            if outcome == "unexpected" or secs > args.slow:
                name = hashlib.sha256(mutants[i]).hexdigest()[:12]
                (args.out / f"{name}.pdf").write_bytes(mutants[i])
                (args.out / f"{name}.txt").write_text(f"{outcome} {etype} cpu {secs:.1f}s wall {wall:.1f}s: {msg}\n")
    report = {"inputs": sum(counts.values()), "outcomes": dict(counts), "unexpected_types": dict(unexpected),
              "over_slow_cpu_s": len(slow), "slow_cpu_seconds": slow, "worst_cpu_s": round(worst, 2),
              "worst_wall_s": round(worst_wall, 2),
              "minutes": args.minutes, "seed": args.seed, "describer": args.describer}
    print(json.dumps(report, indent=2))
    return 1 if unexpected or slow else 0


if __name__ == "__main__":
    sys.exit(main())
