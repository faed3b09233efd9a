"""Check that two checkouts parse the devset Mermaid identically (a parser change that must not
change valid input): Diagram JSON, ``to_mermaid()``, ``to_prose()`` and the re-parse of
``to_mermaid()``, or the same error, for every ``*.mmd``.

    git archive <base> dicmodel | tar -x -C /tmp/base
    python benchmarks/mermaid_devset_diff.py --before /tmp/base --after .

Exit status 1 and a list of the files that differ when any does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys
from pathlib import Path
from dicmodel.diagram import parse_mermaid
from dicmodel.errors import MermaidSyntaxError
out = {}
for p in sorted(Path(sys.argv[1]).glob("*.mmd")):
    try:
        d = parse_mermaid(p.read_text(encoding="utf-8"))
        out[p.name] = {"json": d.model_dump_json(), "mermaid": d.to_mermaid(), "prose": d.to_prose(),
                       "reparsed": parse_mermaid(d.to_mermaid()).model_dump_json()}
    except MermaidSyntaxError as err:
        out[p.name] = {"error": f"{type(err).__name__}: {err}"}
print(json.dumps(out))
"""


def dump(tree: Path, devset: Path) -> dict[str, dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(devset)], capture_output=True, text=True,
                         env=env, cwd=tree, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="folder holding the old dicmodel package")
    ap.add_argument("--after", type=Path, default=REPO, help="folder holding the new dicmodel package")
    ap.add_argument("--devset", type=Path, default=REPO.parent / "shared" / "devset" / "mermaid",
                    help="folder of .mmd files")
    args = ap.parse_args(argv)
    before, after = dump(args.before.resolve(), args.devset), dump(args.after.resolve(), args.devset)
    differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    errors = sum("error" in v for v in after.values())
    print(f"{len(after)} files ({len(after) - errors} diagrams, {errors} errors): "
          f"{len(after) - len(differ)} identical, {len(differ)} differ")
    for name in differ:
        print("  differs:", name)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
