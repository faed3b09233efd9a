"""Trainer callbacks: JSONL metrics with throughput, and a fault injector for resume tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

__all__ = ["JsonlLogger", "SimulatedCrash", "StopAtStep"]


def _callback_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


class SimulatedCrash(RuntimeError):
    """Raised by :class:`StopAtStep` to imitate a crash mid-stage (tests, demos)."""


def JsonlLogger(path: str | Path, stage: str, samples_per_step: int) -> Any:
    """A TrainerCallback appending one JSON line per log event: step, loss, lr, grad_norm,
    samples/s and tokens/s over the interval since the previous log (non-padding tokens)."""

    class _JsonlLogger(_callback_base()):
        def __init__(self) -> None:
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._t = None
            self._step = 0
            self._tokens = 0

        def on_train_begin(self, args, state, control, **kw):
            # resumed runs start counting from the restored step, so rates stay honest
            self._t, self._step, self._tokens = (
                time.perf_counter(),
                state.global_step,
                state.num_input_tokens_seen,
            )

        def on_log(self, args, state, control, logs=None, **kw):
            now = time.perf_counter()
            dt = max(now - (self._t or now), 1e-9)
            steps, toks = state.global_step - self._step, state.num_input_tokens_seen - self._tokens
            row = {
                "stage": stage,
                "step": state.global_step,
                "epoch": state.epoch,
                "time": time.time(),
                **{k: v for k, v in (logs or {}).items() if isinstance(v, (int, float))},
            }
            if steps > 0:
                row.update(samples_per_s=steps * samples_per_step / dt, tokens_per_s=toks / dt)
                self._t, self._step, self._tokens = now, state.global_step, state.num_input_tokens_seen
            from .._io import open_append  # a crash mid-line must not glue the next row to it

            with open_append(self.path) as fh:
                fh.write(json.dumps(row) + "\n")

    return _JsonlLogger()


def StopAtStep(step: int) -> Any:
    """A TrainerCallback that raises :class:`SimulatedCrash` once ``global_step`` reaches ``step``
    (after the step's checkpoint, if one was due, has been written)."""

    class _Stop(_callback_base()):
        def on_save(self, args, state, control, **kw):
            if state.global_step >= step:
                raise SimulatedCrash(f"simulated crash at global step {state.global_step}")

        def on_step_end(self, args, state, control, **kw):
            # a step that is not a save step crashes right away
            due = args.save_strategy == "steps" and state.global_step % args.save_steps == 0
            if state.global_step >= step and not due:
                raise SimulatedCrash(f"simulated crash at global step {state.global_step}")

    return _Stop()
