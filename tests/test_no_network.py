"""A full conversion with OCR makes no network attempt at all (issue 19 point 4).

The conversion runs in a fresh interpreter whose sockets and name lookups are blocked and
recorded (any attempt fails the test), with a private HOME (onnxruntime's telemetry writes its
device id and event store there when it is on), and under ``strace -f -e trace=network`` when
strace is installed, which also sees what native code (onnxruntime's libcurl) does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymupdf")
pytest.importorskip("rapidocr")

ROOT = Path(__file__).resolve().parents[1]

# runs in the child: block and record every socket connect/send and every name lookup
_CHILD = r"""
import json, socket, sys
attempts = []

def _blocked(name):
    def f(*args, **kwargs):
        attempts.append([name, repr(args[1:] if name.startswith("socket.") else args)[:200]])
        raise OSError(f"network blocked by the test: {name}")
    return f

for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, _blocked("socket." + name))
for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
    setattr(socket, name, _blocked(name))

from dicmodel.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    print("ATTEMPTS=" + json.dumps(attempts))
sys.exit(rc or 0)
"""

# the switches dicmodel must set by itself (a user's shell does not have them)
_OURS = ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "TRANSFORMERS_OFFLINE",
         "HF_DATASETS_OFFLINE", "DO_NOT_TRACK", "SCARF_NO_ANALYTICS", "RAY_USAGE_STATS_ENABLED",
         "PYMUPDF_SUGGEST_LAYOUT_ANALYZER")


@pytest.mark.slow
def test_conversion_with_ocr_makes_no_network_attempt(tmp_path: Path) -> None:
    from dicmodel import _pdfgen

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(_pdfgen.sample_report().data)  # vector figures and a raster one (OCR)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in _OURS}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(home / ".cache"))
    cmd = [sys.executable, "-c", _CHILD, "convert", str(pdf), "-o", str(tmp_path / "out"),
           "--format", "md,json", "--overwrite"]
    trace = tmp_path / "strace.txt"
    if shutil.which("strace"):
        cmd = ["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace), *cmd]
    proc = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    attempts = json.loads(proc.stdout.split("ATTEMPTS=")[-1].strip().splitlines()[0])
    assert attempts == [], attempts
    md = (tmp_path / "out" / "report.md").read_text()
    assert "Policy Admin" in md  # a label of the raster figure only: OCR ran
    # onnxruntime's telemetry, when on, keeps a device id and an event store under HOME
    assert not (home / ".cache" / "Microsoft").exists(), sorted(p.name for p in home.rglob("*"))
    if trace.exists():  # native code too: no connect/send anywhere but a local socket
        calls = [ln for ln in trace.read_text().splitlines()
                 if re.search(r"\b(connect|sendto|sendmsg)\(", ln) and "AF_UNIX" not in ln]
        assert calls == [], calls[:5]
