"""Worker processes for batch conversion: a time and memory budget per job, survival of a
worker's death, and no worker outliving its run.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one worker dies (the kernel's
out-of-memory killer sends SIGKILL) the executor marks itself broken and fails every pending
job without saying which one killed it; it cannot stop a job that runs too long; and its
workers keep converting after Ctrl-C or after the parent is killed. Here each worker holds one
job at a time, so a death is charged to that job alone and a fresh worker takes the rest.

- **Time**: the worker arms a real-time timer (``setitimer``) of ``doc_timeout`` per job. SIGALRM's default action ends
  the process in the kernel, even inside a long C call that holds the GIL (MuPDF), so no
  Python watchdog is needed; the parent kills a worker 30 s past the budget as a backstop.
- **Memory**: once set up (modules imported, describer built), the worker caps its address
  space at what it maps then plus ``doc_memory`` MB (``RLIMIT_AS``): an allocation beyond the
  budget fails as MemoryError in that worker, never in the parent or another process. A worker
  whose describer started CUDA watches its resident memory instead (a thread; SIGUSR1 ends it).
- **Lifetime**: workers ignore SIGINT (the parent decides when a run stops and terminates
  them), ask the kernel for SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``, Linux),
  and also exit when their parent pid changes (other POSIX systems).

Workers are started as ``python -m dicmodel._workers`` with a socket to the parent (not with
``multiprocessing``'s spawn, which re-imports the caller's ``__main__`` script and so breaks
unguarded scripts). POSIX only; :func:`available` says whether this platform has it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .errors import ResourceLimitError, WorkerCrashError

__all__ = ["available", "run_jobs"]

_BACKSTOP_S = 30.0  # the parent kills a worker this long after its alarm should have fired
_ALLOC_SIGNALS = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)  # how C code dies on a NULL malloc
_START_FAILURES = 3  # workers dying before they are ready this many times end the run


def available() -> bool:
    """Whether worker processes with budgets can run here (POSIX: fork/exec, alarm, rlimit)."""
    return os.name == "posix" and hasattr(signal, "SIGALRM")


class _Worker:
    """One worker process: its socket, the job it holds (an index), when it started it."""

    def __init__(self, spec: tuple[Any, ...]):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])  # the folder holding this dicmodel
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH", "")) if p))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dicmodel._workers", str(theirs.fileno()), str(os.getpid())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        with contextlib.suppress(OSError):  # died at once: its closed socket reports it
            self.conn.send(spec)
        self.ready = False
        self.job: int | None = None
        self.started = 0.0
        self.overdue = False

    def give(self, index: int, payload: Any) -> bool:
        """Hand over a job; False when the worker is already gone (the job stays unassigned)."""
        try:
            self.conn.send(payload)
        except OSError:
            return False
        self.job, self.started = index, time.monotonic()
        return True

    def reap(self) -> int:
        """The exit status after the socket closed (negative: the signal that ended it)."""
        self.conn.close()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def run_jobs(payloads: Sequence[Any], *, workers: int, setup: tuple[Callable[..., Any], tuple[Any, ...]],
             job: Callable[[Any], Any], timeout: float, memory_mb: int) -> Iterator[tuple[int, Any]]:
    """Run ``job(payload)`` in worker processes; yield ``(index, result)`` as jobs finish.

    ``setup`` (a function and its arguments, both picklable) runs once in each worker before
    its first job; an exception it raises is raised here, once. A job whose worker died yields
    a :class:`ResourceLimitError` (over ``timeout``) or :class:`WorkerCrashError` (a signal)
    as its result; the other jobs go on in a fresh worker. Closing the generator (or an
    exception such as KeyboardInterrupt inside it) terminates every worker before it returns.
    """
    spec = (setup, job, timeout, memory_mb)
    todo = deque(range(len(payloads)))
    pool: list[_Worker] = []
    failures = 0
    interrupted = True
    try:
        pool += [_Worker(spec) for _ in range(min(workers, len(payloads)))]
        while todo or any(w.job is not None for w in pool):
            for w in pool:
                if w.ready and w.job is None and todo:
                    i = todo.popleft()
                    if not w.give(i, payloads[i]):
                        todo.appendleft(i)  # its death shows in wait() below; another takes it
            ready = wait([w.conn for w in pool], timeout=1.0)
            for w in list(pool):
                if w.conn in ready:
                    try:
                        kind, value = w.conn.recv()
                    except (EOFError, OSError):  # the worker is gone
                        pool.remove(w)
                        code = w.reap()
                        if w.job is not None:
                            yield w.job, _death(code, w.overdue, timeout, memory_mb)
                        elif not w.ready:
                            failures += 1
                            if failures >= _START_FAILURES:
                                raise WorkerCrashError(f"worker processes die on start-up "
                                                       f"(last status {code})") from None
                        if len(todo) > sum(x.job is None for x in pool):
                            pool.append(_Worker(spec))
                        continue
                    if kind == "ready":
                        w.ready = True
                    elif kind == "setup-error":
                        raise value
                    else:  # "done"
                        index, w.job = w.job, None
                        yield index, value
                elif w.job is not None and timeout and not w.overdue \
                        and time.monotonic() - w.started > timeout + _BACKSTOP_S:
                    w.overdue = True
                    w.proc.kill()
        interrupted = False
    finally:
        _shutdown(pool, graceful=not interrupted)


def _death(code: int, overdue: bool, timeout: float, memory_mb: int) -> Exception:
    if code == -signal.SIGUSR1:
        return ResourceLimitError(f"over the memory budget of {memory_mb} MB per document "
                                  "(--doc-memory, resident memory); its worker was stopped")
    if overdue or code == -signal.SIGALRM:
        return ResourceLimitError(f"over the time budget of {timeout:g} s per document "
                                  "(--doc-timeout); its worker was stopped")
    if code == -signal.SIGKILL:
        return WorkerCrashError("its worker process was killed (SIGKILL), most likely by the "
                                "kernel's out-of-memory killer; the other documents went on")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = (f" (a library that does not survive a refused allocation: over the memory budget "
                f"of {memory_mb} MB? --doc-memory)" if memory_mb and -code in _ALLOC_SIGNALS else "")
        return WorkerCrashError(f"its worker process died of {name}{hint}")
    return WorkerCrashError(f"its worker process exited with status {code}")


def _shutdown(pool: list[_Worker], graceful: bool) -> None:
    """Idle workers are asked to exit; on an interrupt or error every worker is terminated at
    once (SIGTERM ends a worker even inside a C call), then killed if still there after 3 s."""
    for w in pool:
        try:
            if graceful:
                w.conn.send(None)
            else:
                w.proc.terminate()
        except OSError:
            pass
    deadline = time.monotonic() + (10.0 if graceful else 3.0)
    for w in pool:
        try:
            w.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.proc.kill()
            w.proc.wait()
        w.conn.close()


# ---------------------------------------------------------------- the worker side
def _die_with_parent(parent: int) -> None:
    """SIGKILL from the kernel when the parent dies (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # no prctl: the ppid polling in _serve still notices
    if os.getppid() != parent:
        os._exit(0)


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the worker maps now plus ``memory_mb`` MB, or, once a GPU
    runtime is up (CUDA maps and grows host address space of its own, which a cap would break),
    watch the resident memory instead."""
    if not memory_mb:
        return
    if _gpu_in_use():
        _watch_rss(memory_mb)
        return
    import resource

    mapped = _statm(0)
    if not mapped:
        return  # no /proc (not Linux): the budget cannot be measured from a baseline
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _statm(field: int) -> int:
    """Bytes of /proc/self/statm's ``field`` (0: mapped, 1: resident); 0 where there is none."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _gpu_in_use() -> bool:
    torch = sys.modules.get("torch")
    try:
        return bool(torch is not None and torch.cuda.is_initialized())
    except Exception:  # noqa: BLE001 - a torch without CUDA support
        return False


def _watch_rss(memory_mb: int, every: float = 0.25) -> None:
    """A thread that ends the worker with SIGUSR1 (default action: terminate) when its resident
    memory grows ``memory_mb`` MB past what it holds now. Slower to react than the address-space
    cap (a poll, and only while the GIL is free), so it is the fallback."""
    import threading

    ceiling = _statm(1) + memory_mb * 2**20

    def watch() -> None:
        while True:
            if _statm(1) > ceiling:
                os.kill(os.getpid(), signal.SIGUSR1)
            time.sleep(every)

    threading.Thread(target=watch, name="dicmodel-rss-watch", daemon=True).start()


def _portable(err: BaseException) -> BaseException:
    """``err`` if it survives pickling (the parent re-raises it), else a WorkerCrashError."""
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001 - exceptions with custom __init__ may not round-trip
        return WorkerCrashError(f"{type(err).__name__} in a worker: {err}")


def _serve(conn: Connection, parent: int) -> int:
    (setup_fn, setup_args), job, timeout, memory_mb = conn.recv()
    try:
        setup_fn(*setup_args)
    except BaseException as err:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("setup-error", _portable(err)))
        return 3
    _limit_memory(memory_mb)
    conn.send(("ready", os.getpid()))
    while True:
        if not conn.poll(2.0):
            if os.getppid() != parent:
                return 0  # orphaned: the run is over
            continue
        try:
            payload = conn.recv()
        except EOFError:
            return 0
        if payload is None:
            return 0
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            result = job(payload)
        except Exception as err:  # noqa: BLE001 - the job's own failure, not the worker's
            result = _portable(err)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send(("done", result))


def main(argv: list[str]) -> int:
    fd, parent = int(argv[1]), int(argv[2])
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the time budget: the kernel ends us
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)  # the resident-memory watch (GPU workers)
    return _serve(Connection(fd), parent)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
