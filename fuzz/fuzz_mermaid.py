"""Fuzz the Mermaid parser: mutated devset sources and grammar-generated diagrams.

Every input goes through ``parse_mermaid``, then ``to_mermaid``, ``to_prose`` and a re-parse of
the written Mermaid. The only exception allowed out is :class:`~dicmodel.errors.MermaidSyntaxError`
(and its subclass for unsupported kinds). Anything else, and any input that takes longer than
``--slow`` seconds, is reported and saved as a reproducer (the input as ``.mmd``, a ``.txt`` with
the traceback or the time) in the folder given by ``--out``.

Each input runs in a worker process with a hard time limit, so a hang is caught and the run goes
on. The run is deterministic for a seed (the inputs, not the timings)::

    nice python fuzz/fuzz_mermaid.py --minutes 10 --seed 1 --out /tmp/fuzz-mermaid
    python fuzz/fuzz_mermaid.py --minutes 1 --devset ../shared/devset/mermaid --out /tmp/f

It prints one summary line at the end: inputs tried, parsed, rejected (MermaidSyntaxError),
unexpected exception types, inputs over the slow limit, and the largest time per input.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = REPO.parent / "shared" / "devset" / "mermaid"

sys.path.insert(0, str(REPO))
from dicmodel.testing.mermaid_faults import mutate  # noqa: E402


def _ident(rng: random.Random) -> str:
    return rng.choice(["A", "B", "n1", "node_2", "x.y", "a-b", "S", "é", "$v", "[*]"]) + str(rng.randrange(30))


def generate(rng: random.Random) -> str:
    """A diagram from a small grammar of each kind, deep or wide at random."""
    kind = rng.randrange(5)
    n = rng.choice([3, 30, 300, 3000])
    out: list[str] = []
    if kind == 0:
        out.append(f"flowchart {rng.choice(['TD', 'LR', 'BT', 'RL'])}")
        depth = 0
        for _ in range(n):
            r = rng.random()
            if r < 0.1 and depth < 80:
                out.append(f"subgraph {_ident(rng)}[\"{_ident(rng)}\"]")
                depth += 1
            elif r < 0.18 and depth:
                out.append("end")
                depth -= 1
            else:
                link = rng.choice(["-->", "---", "-.->", "==>", "--o", "<-->", "-- text -->",
                                   "-->|lbl|", "~~~", "-. t .->"])
                shape = rng.choice(["", "[box]", "(round)", "{dia}", "((c))", "[(db)]", "@{ shape: cyl }"])
                out.append(f"{_ident(rng)}{shape} {link} {_ident(rng)} & {_ident(rng)}")
        out += ["end"] * depth
    elif kind == 1:
        out.append("sequenceDiagram")
        opened = 0
        for _ in range(n):
            r = rng.random()
            if r < 0.05:
                out.append(f"loop {_ident(rng)}")
                opened += 1
            elif r < 0.08 and opened:
                out.append("end")
                opened -= 1
            elif r < 0.15:
                out.append(f"participant {_ident(rng)} as {_ident(rng)}")
            else:
                out.append(f"{_ident(rng)}{rng.choice(['->>', '-->>', '-x', '-)', '->'])}"
                           f"{rng.choice(['', '+', '-'])}{_ident(rng)}: m{rng.randrange(99)}")
        out += ["end"] * opened
    elif kind == 2:
        out.append("stateDiagram-v2")
        depth = 0
        for _ in range(n):
            r = rng.random()
            if r < 0.08 and depth < 80:
                out.append(f"state {_ident(rng).strip('[*]') or 'S'} {{")
                depth += 1
            elif r < 0.14 and depth:
                out.append("}")
                depth -= 1
            else:
                out.append(f"{_ident(rng)} --> {_ident(rng)} : e{rng.randrange(9)}")
        out += ["}"] * depth
    elif kind == 3:
        out.append("classDiagram")
        for _ in range(n):
            out.append(f"{_ident(rng).strip('[*]') or 'C'} {rng.choice(['<|--', '*--', 'o--', '..>', '--'])} "
                       f"{_ident(rng).strip('[*]') or 'D'} : r")
    else:
        out.append("erDiagram")
        for _ in range(n):
            out.append(f"{_ident(rng).strip('[*]') or 'E'} {rng.choice(['||--o{', '}|..|{', '|o--||'])} "
                       f"{_ident(rng).strip('[*]') or 'F'} : has")
    text = "\n".join(out) + "\n"
    return mutate(text, rng) if rng.random() < 0.5 else text


def inputs(seed: int, sources: list[str]):
    rng = random.Random(seed)
    while True:
        if sources and rng.random() < 0.6:
            yield mutate(rng.choice(sources), rng)
        else:
            yield generate(rng)


# ---- the worker ---------------------------------------------------------------------------

def _work(conn) -> None:  # conn: the worker's end of a multiprocessing Pipe
    sys.setrecursionlimit(3000)  # a recursion that survives the parser's limits is a bug
    from dicmodel.diagram import parse_mermaid
    from dicmodel.errors import MermaidSyntaxError

    while True:
        text = conn.recv()
        if text is None:
            return
        t0 = time.perf_counter()
        outcome = "parsed"
        detail = ""
        try:
            d = parse_mermaid(text)
            again = d.to_mermaid()
            d.to_prose()
            try:
                parse_mermaid(again)
            except MermaidSyntaxError as err:  # what we write must read back (within limits)
                if "MAX_" not in str(err):
                    outcome, detail = "roundtrip", f"{type(err).__name__}: {err}"
        except MermaidSyntaxError:
            outcome = "rejected"
        except BaseException as err:  # noqa: BLE001 (anything else is the finding)
            outcome = "unexpected:" + type(err).__name__
            detail = traceback.format_exc()
        conn.send((outcome, time.perf_counter() - t0, detail))


class Runner:
    """One worker process fed through a pipe; replaced when an input overruns its limit."""

    def __init__(self, hard_limit: float):
        self.hard_limit = hard_limit
        self.start()

    def start(self) -> None:
        self.conn, child = mp.Pipe()
        self.proc = mp.Process(target=_work, args=(child,), daemon=True)
        self.proc.start()

    def run(self, text: str) -> tuple[str, float, str]:
        t0 = time.perf_counter()
        self.conn.send(text)
        if self.conn.poll(self.hard_limit):
            try:
                return self.conn.recv()
            except EOFError:  # the worker died (killed for memory, a crash in C)
                self.restart()
                return "unexpected:WorkerDied", time.perf_counter() - t0, "the worker process died"
        self.restart()
        return "hang", time.perf_counter() - t0, f"no answer within {self.hard_limit} s"

    def restart(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.start()

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()


def _save(out: Path, text: str, why: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    (out / f"{name}.mmd").write_text(text, encoding="utf-8", errors="surrogatepass")
    (out / f"{name}.txt").write_text(why, encoding="utf-8")
    return out / f"{name}.mmd"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to run")
    ap.add_argument("--seed", type=int, default=0, help="seed of the input stream")
    ap.add_argument("--out", type=Path, required=True, help="folder for reproducers")
    ap.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="folder of .mmd files to mutate")
    ap.add_argument("--slow", type=float, default=5.0, help="seconds per input that count as slow")
    ap.add_argument("--hard-limit", type=float, default=60.0, help="seconds before a worker is killed")
    args = ap.parse_args(argv)

    sources = [p.read_text(encoding="utf-8") for p in sorted(args.devset.glob("*.mmd"))] \
        if args.devset.is_dir() else []
    runner = Runner(args.hard_limit)
    counts: Counter[str] = Counter()
    slow = 0
    max_s, max_len = 0.0, 0
    deadline = time.monotonic() + args.minutes * 60
    try:
        for text in inputs(args.seed, sources):
            if time.monotonic() >= deadline:
                break
            outcome, seconds, detail = runner.run(text)
            counts[outcome] += 1
            max_s = max(max_s, seconds)
            max_len = max(max_len, len(text))
            if outcome.startswith(("unexpected", "hang", "roundtrip")):
                path = _save(args.out, text, f"{outcome}\n{detail}")
                print(f"{outcome}: {path}", flush=True)
            if seconds > args.slow:
                slow += 1
                path = _save(args.out, text, f"slow: {seconds:.2f} s")
                print(f"slow ({seconds:.1f} s): {path}", flush=True)
    finally:
        runner.close()
    tried = sum(counts.values())
    unexpected = {k: v for k, v in counts.items() if k.startswith(("unexpected", "hang"))}
    print(f"inputs {tried} | parsed {counts['parsed']} | rejected (MermaidSyntaxError) {counts['rejected']}"
          f" | round-trip failures {counts['roundtrip']} | unexpected {sum(unexpected.values())} "
          f"{sorted(unexpected)} | over {args.slow:g} s {slow} | max {max_s:.3f} s per input"
          f" | longest input {max_len} chars | sources {len(sources)} | seed {args.seed}")
    return 1 if unexpected or slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
