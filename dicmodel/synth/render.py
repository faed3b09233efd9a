"""Render Mermaid (mermaid-cli + Chromium) and Graphviz text to PNG, PDF or SVG.

Mermaid rendering is the slow part of the data factory: ``mmdc`` starts a browser for every
call (seconds). :class:`MermaidRenderer` starts ONE headless Chromium through a small node
script (``_mermaid_render.mjs``) that imports mermaid-cli's exported ``renderMermaid`` and
renders jobs read line by line, several pages at a time::

    with MermaidRenderer() as r:
        r.render("flowchart LR\\n A --> B", "a.png")
        for res in r.render_many(jobs):        # pipelined; failures come back as results
            ...

``render_mermaid`` / ``render_dot`` are the one-call forms. Failures raise
:class:`~dicmodel.errors.RenderError` carrying the tool's message; a renderer that is not
installed raises :class:`RendererNotInstalledError` (a ``RenderError``) saying how to install it.
No network: Chromium starts with background networking, sync and component updates off.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..errors import ConfigError, RenderError

__all__ = [
    "Format",
    "MermaidJob",
    "MermaidRenderer",
    "MermaidStyle",
    "RenderResult",
    "RendererNotInstalledError",
    "graphviz_available",
    "mermaid_available",
    "mermaid_config",
    "render_dot",
    "render_mermaid",
    "render_mmdc",
]

Format = Literal["png", "pdf", "svg"]
_FORMATS = ("png", "pdf", "svg")
_SCRIPT = Path(__file__).with_name("_mermaid_render.mjs")
_CHROMIUM_ARGS = ["--no-sandbox", "--disable-setuid-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--no-default-browser-check"]
MERMAID_INSTALL = ("install Chromium and mermaid-cli without a browser download: "
                   "`apt-get install chromium nodejs npm` then "
                   "`PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @mermaid-js/mermaid-cli`")
GRAPHVIZ_INSTALL = "install Graphviz: `apt-get install graphviz` (or `brew install graphviz`)"


class RendererNotInstalledError(RenderError):
    """The renderer (node + mermaid-cli + Chromium, or Graphviz) is not installed."""


class MermaidStyle(BaseModel):
    """How a Mermaid diagram looks; everything a model should not learn to rely on."""

    theme: Literal["default", "neutral", "dark", "forest", "base"] = "default"
    background: str = Field("white", description="CSS colour or 'transparent'")
    scale: float = Field(1.0, gt=0, le=8, description="device scale factor (PNG pixel density)")
    width: int = Field(1200, ge=100, le=10000, description="viewport width in CSS pixels")
    font_family: str | None = Field(None, description="CSS font-family for labels; None keeps mermaid's")
    font_size: int | None = Field(None, ge=6, le=48, description="label font size in px")
    curve: Literal["basis", "linear", "step", "stepBefore", "stepAfter", "cardinal", "monotoneX",
                   "natural", "bumpX"] | None = Field(None, description="flowchart edge curve")
    html_labels: bool | None = Field(
        None, description="mermaid htmlLabels; None = False for pdf/svg (labels as real SVG text, "
        "no foreignObject), mermaid's default for png")


def mermaid_config(style: MermaidStyle, fmt: str) -> dict[str, Any]:
    """The mermaid ``initialize`` config for a style and output format."""
    cfg: dict[str, Any] = {"theme": style.theme}
    theme_vars: dict[str, Any] = {}
    if style.font_family:
        cfg["fontFamily"] = style.font_family
        theme_vars["fontFamily"] = style.font_family
    if style.font_size:
        theme_vars["fontSize"] = f"{style.font_size}px"
    if theme_vars:
        cfg["themeVariables"] = theme_vars
    if style.curve:
        cfg["flowchart"] = {"curve": style.curve}
    html = style.html_labels
    if html is None and fmt in ("pdf", "svg"):
        html = False  # SVG <text> survives any SVG/PDF consumer; foreignObject HTML does not
    if html is not None:
        cfg["htmlLabels"] = html
    return cfg


@dataclass
class MermaidJob:
    text: str
    out: Path
    fmt: Format = "png"
    style: MermaidStyle = field(default_factory=MermaidStyle)
    id: str = ""


@dataclass
class RenderResult:
    id: str
    out: Path
    ok: bool
    error: str = ""
    seconds: float = 0.0


def _check_fmt(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ConfigError(f"fmt must be one of {', '.join(_FORMATS)}, got {fmt!r}")


# =========================================================================================
# Locating the tools
# =========================================================================================

@lru_cache(maxsize=1)
def _mmdc_dir() -> Path:
    """Folder of the global @mermaid-js/mermaid-cli package."""
    env = os.environ.get("DICMODEL_MMDC_DIR")
    candidates = [Path(env)] if env else []
    npm = shutil.which("npm")
    if npm:
        try:
            root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30, check=False).stdout.strip()
            if root:
                candidates.append(Path(root) / "@mermaid-js" / "mermaid-cli")
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += [Path("/usr/lib/node_modules/@mermaid-js/mermaid-cli"),
                   Path("/usr/local/lib/node_modules/@mermaid-js/mermaid-cli")]
    for c in candidates:
        if (c / "src" / "index.js").is_file():
            return c
    raise RendererNotInstalledError(f"mermaid-cli was not found (looked in {', '.join(map(str, candidates))}); "
                                    f"{MERMAID_INSTALL}; or set DICMODEL_MMDC_DIR")


def _chromium() -> str:
    env = os.environ.get("DICMODEL_CHROMIUM") or os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    for c in [env, shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")]:
        if c and Path(c).exists():
            return c
    raise RendererNotInstalledError(f"no Chromium executable found; {MERMAID_INSTALL}; "
                                    "or set DICMODEL_CHROMIUM to a Chrome/Chromium binary")


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise RendererNotInstalledError(f"node (Node.js) was not found on PATH; {MERMAID_INSTALL}")
    return node


def mermaid_available() -> bool:
    try:
        _node(), _chromium(), _mmdc_dir()
    except RenderError:
        return False
    return True


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


# =========================================================================================
# Mermaid: one browser, many diagrams
# =========================================================================================

class MermaidRenderer:
    """A headless Chromium kept open for many Mermaid renders (a context manager).

    ``concurrency`` pages render at once inside the one browser in ``mode="cli"`` (values above 1
    can stall: headless Chromium delays screenshots of background pages; fast mode always uses
    one warm page; start several renderers for parallelism); ``timeout`` is the longest
    wait for one result, after which the browser is restarted and the jobs in flight fail.
    ``mode="fast"`` keeps warm pages that load mermaid once and render many diagrams each;
    ``mode="cli"`` calls mermaid-cli's ``renderMermaid`` (a fresh page and mermaid load per
    diagram), slower but exactly what ``mmdc`` draws.
    """

    def __init__(self, concurrency: int = 1, timeout: float = 60.0, mode: Literal["fast", "cli"] = "fast"):
        if concurrency < 1:
            raise ConfigError(f"concurrency must be >= 1, got {concurrency}")
        if timeout <= 0:
            raise ConfigError(f"timeout must be > 0 seconds, got {timeout}")
        if mode not in ("fast", "cli"):
            raise ConfigError(f"mode must be 'fast' or 'cli', got {mode!r}")
        self.concurrency = concurrency
        self.timeout = timeout
        self.mode = mode
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._stderr: Any = None
        self._seq = 0

    # ---- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> MermaidRenderer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        env = dict(os.environ, DICMODEL_MMDC_DIR=str(_mmdc_dir()), DICMODEL_CHROMIUM=_chromium(),
                   DICMODEL_MERMAID_CONCURRENCY=str(self.concurrency), PUPPETEER_SKIP_DOWNLOAD="1",
                   DICMODEL_MERMAID_MODE=self.mode)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the process
        self._proc = subprocess.Popen([_node(), str(_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr, env=env)
        self._buf = b""
        ready = self._read_result(self.timeout)
        if ready is None or ready.get("id") != "__ready__":
            msg = self._stderr_tail()
            self.close()
            raise RenderError(f"the Mermaid renderer did not start: {msg or 'no message'}")

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _restart(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        self.start()

    # ---- protocol ---------------------------------------------------------------------
    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()[-2000:]

    def _send(self, job: MermaidJob) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        payload = {"id": job.id, "definition": job.text, "format": job.fmt, "out": str(Path(job.out).resolve()),
                   "config": mermaid_config(job.style, job.fmt), "background": job.style.background,
                   "width": job.style.width, "scale": job.style.scale}
        try:
            self._proc.stdin.write((json.dumps(payload) + "\n").encode())
            self._proc.stdin.flush()
        except BrokenPipeError as err:
            raise RenderError(f"the Mermaid renderer exited: {self._stderr_tail()}") from err

    def _read_result(self, timeout: float) -> dict[str, Any] | None:
        """Next JSON line from the node script, or None on timeout or exit."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    # ---- rendering --------------------------------------------------------------------
    def render_many(self, jobs: Iterable[MermaidJob]) -> Iterator[RenderResult]:
        """Render jobs, keeping the browser's pages busy; yields results in completion order.

        Failures (bad syntax, timeouts) come back as ``RenderResult(ok=False)``; the batch
        continues.
        """
        self.start()
        pending: dict[str, tuple[MermaidJob, float]] = {}
        it = iter(jobs)
        window = 2 * self.concurrency
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                job = next(it, None)
                if job is None:
                    exhausted = True
                    break
                _check_fmt(job.fmt)
                self._seq += 1
                job.id = job.id or f"job{self._seq}"
                Path(job.out).parent.mkdir(parents=True, exist_ok=True)
                self._send(job)
                pending[job.id] = (job, time.monotonic())
            if not pending:
                return
            yield from self._collect(pending)

    def _collect(self, pending: dict[str, tuple[MermaidJob, float]]) -> Iterator[RenderResult]:
        msg = self._read_result(self.timeout)
        if msg is None:  # hung or crashed: fail what is in flight, start a fresh browser
            why = "timed out" if self._proc and self._proc.poll() is None else "exited"
            tail = self._stderr_tail()
            for jid, (job, t0) in list(pending.items()):
                yield RenderResult(jid, Path(job.out), False, f"the Mermaid renderer {why}: {tail}",
                                   time.monotonic() - t0)
            pending.clear()
            self._restart()
            return
        job, t0 = pending.pop(msg["id"])
        yield RenderResult(job.id, Path(job.out), bool(msg["ok"]), msg.get("error", ""), time.monotonic() - t0)

    def render(self, text: str, out_path: str | os.PathLike[str], fmt: Format = "png",
               style: MermaidStyle | None = None, **style_fields: Any) -> Path:
        """Render one diagram; raise :class:`RenderError` with mermaid's message on failure."""
        _check_fmt(fmt)
        st = style or MermaidStyle(**style_fields)
        res = next(self.render_many([MermaidJob(text=text, out=Path(out_path), fmt=fmt, style=st)]))
        if not res.ok:
            raise RenderError(f"mermaid-cli could not render the diagram: {res.error}")
        return res.out


def render_mermaid(text: str, out_path: str | os.PathLike[str], fmt: Format = "png", *,
                   theme: str = "default", scale: float = 1.0, background: str = "white", width: int = 1200,
                   font_family: str | None = None, curve: str | None = None, html_labels: bool | None = None,
                   renderer: MermaidRenderer | None = None) -> Path:
    """Render Mermaid text to ``out_path``. Pass ``renderer`` to reuse an open browser."""
    _check_fmt(fmt)
    try:
        style = MermaidStyle(theme=theme, scale=scale, background=background, width=width,
                             font_family=font_family, curve=curve, html_labels=html_labels)
    except ValueError as err:
        raise ConfigError(f"invalid Mermaid style option: {err}") from err
    if renderer is not None:
        return renderer.render(text, out_path, fmt, style)
    with MermaidRenderer(concurrency=1) as r:
        return r.render(text, out_path, fmt, style)


def render_mmdc(text: str, out_path: str | os.PathLike[str], fmt: Format = "png", *,
                style: MermaidStyle | None = None, timeout: float = 120.0) -> Path:
    """Render through the plain ``mmdc`` command (a new browser per call): the baseline."""
    _check_fmt(fmt)
    mmdc = shutil.which("mmdc")
    if not mmdc:
        raise RendererNotInstalledError(f"mmdc was not found on PATH; {MERMAID_INSTALL}")
    st = style or MermaidStyle()
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "in.mmd").write_text(text, encoding="utf-8")
        (t / "p.json").write_text(json.dumps({"executablePath": _chromium(), "args": _CHROMIUM_ARGS}))
        (t / "c.json").write_text(json.dumps(mermaid_config(st, fmt)))
        cmd = [mmdc, "-q", "-i", str(t / "in.mmd"), "-o", str(out), "-e", fmt, "-p", str(t / "p.json"),
               "-c", str(t / "c.json"), "-b", st.background, "-w", str(st.width), "-s", str(st.scale)]
        if fmt == "pdf":
            cmd.append("-f")
        _run_tool(cmd, "mmdc", timeout)
    return out


# =========================================================================================
# Graphviz
# =========================================================================================

_ENGINES = ("dot", "neato", "fdp", "sfdp", "circo", "twopi", "osage", "patchwork")


def render_dot(text: str, out_path: str | os.PathLike[str], fmt: Format = "png", *, engine: str = "dot",
               dpi: int | None = None, timeout: float = 60.0) -> Path:
    """Render Graphviz DOT text with ``engine`` (dot, neato, circo, ...); ``dpi`` sets PNG density."""
    _check_fmt(fmt)
    if engine not in _ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(_ENGINES)}, got {engine!r}")
    if dpi is not None and not 10 <= dpi <= 1200:
        raise ConfigError(f"dpi must be between 10 and 1200, got {dpi}")
    exe = shutil.which(engine) or shutil.which("dot")
    if not exe:
        raise RendererNotInstalledError(f"Graphviz ({engine}) was not found on PATH; {GRAPHVIZ_INSTALL}")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    cmd = [exe, f"-K{engine}", f"-T{fmt}", "-o", str(tmp)]
    if dpi is not None:
        cmd.append(f"-Gdpi={dpi}")
    _run_tool(cmd, "Graphviz", timeout, stdin=text)
    os.replace(tmp, out)
    return out


def _run_tool(cmd: list[str], name: str, timeout: float, stdin: str | None = None) -> None:
    try:
        proc = subprocess.run(cmd, input=stdin.encode() if stdin is not None else None,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as err:
        raise RenderError(f"{name} timed out after {timeout:.0f} s") from err
    except OSError as err:
        raise RendererNotInstalledError(f"{name} could not be started ({err})") from err
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{name} failed (exit {proc.returncode}): {msg[-2000:] or 'no message'}")
