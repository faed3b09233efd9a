"""scripts/setup.sh installs the CPU torch build on a machine without an NVIDIA GPU and the
CUDA one with it (issue 19 point 10). The script's install_torch runs with a stand-in pip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[1] / "scripts" / "setup.sh"


def _install_torch(tmp_path: Path, gpu: bool, local_cpu_wheel: bool, env: dict[str, str] | None = None) -> list[str]:
    """The pip commands install_torch runs (the stand-in records them; '+cpu' fails when no local wheel)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "pip.log"
    fail_cpu = "" if local_cpu_wheel else 'case "$*" in *+cpu*) case "$*" in *download.pytorch.org*) ;; *) exit 1;; esac;; esac'
    (bin_dir / "py").write_text(f'#!/bin/bash\n[ "$1" = -c ] && {{ echo 2.13.0; exit 0; }}\n'
                                f'echo "$*" >> {log}\n{fail_cpu}\nexit 0\n')
    if gpu:
        (bin_dir / "nvidia-smi").write_text("#!/bin/bash\necho 'GPU 0: NVIDIA H100'\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    fn = SETUP.read_text().split("install_torch() {", 1)[1].split("\n}\n", 1)[0]
    script = f"py={bin_dir}/py\ninstall_torch() {{{fn}\n}}\ninstall_torch\n"
    path = f"{bin_dir}:/usr/bin:/bin"
    run_env = {"PATH": path, **(env or {})}
    subprocess.run(["bash", "-c", script], check=True, env=run_env, capture_output=True, text=True)
    return log.read_text().splitlines()


@pytest.mark.skipif(shutil.which("bash") is None or os.uname().sysname != "Linux", reason="Linux bash rule")
@pytest.mark.parametrize("gpu,local,want", [
    (False, True, ["install -q torch==2.13.0+cpu"]),
    (False, False, ["install -q torch==2.13.0+cpu",
                    "install -q torch==2.13.0+cpu --index-url https://download.pytorch.org/whl/cpu"]),
    (True, True, ["install -q torch==2.13.0"]),
])
def test_cpu_torch_without_a_gpu(tmp_path: Path, gpu: bool, local: bool, want: list[str]) -> None:
    assert _install_torch(tmp_path, gpu, local) == ["-m pip " + w for w in want]


def test_the_choice_can_be_forced(tmp_path: Path) -> None:
    assert _install_torch(tmp_path, gpu=True, local_cpu_wheel=True, env={"DICMODEL_TORCH": "cpu"}) == [
        "-m pip install -q torch==2.13.0+cpu"]
