"""The ``hybrid`` describer: structural first, a model only where the structural reader was unsure.

The structural describer is fast and exact where it works (vector drawings, clean labels) and
honest about where it does not (its confidence). ``hybrid`` runs it on every figure, then sends
only the figures whose structural confidence is below ``threshold`` to a model describer
(``hf`` or ``openai``), with the structural figure type as a hint to the prompt. A CPU-only run
therefore spends model time where it pays. The model describer is built up front, so a bad
option (a missing checkpoint folder) fails at once, but the ``hf`` describer loads its weights
only when the first figure reaches it.

    d = get_describer("hybrid", threshold=0.6, model_describer="hf", model="runs/dicmodel-7b")

Options: ``threshold``, ``model_describer`` ("hf" | "openai" | a Describer instance),
``structural`` (a registry name or instance, default "structural"), ``structural_options``;
every other option goes to the model describer (``model``, ``adapter``, ``base_url``, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..document import Description, FigureType
from ..errors import ConfigError
from ._options import validate_options
from .base import Describer, FigureRequest, get_describer, register_describer
from .prompts import DIAGRAM_TYPES

__all__ = ["HybridOptions", "HybridDescriber"]

log = logging.getLogger(__name__)

MODEL_DESCRIBERS = ("hf", "openai")


class HybridOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    threshold: float = Field(0.8, ge=0.0, le=1.0,
                             description="figures with structural confidence below this go to the model")
    # from Python, a configured describer object is accepted too
    model_describer: Any = Field(None, description="the model for low-confidence figures: hf or "
                                 "openai (default: openai when a base URL is given, else hf)")
    structural: Any = Field("structural", description="structural describer name or instance")
    structural_options: dict[str, Any] = Field(default_factory=dict)
    model_options: dict[str, Any] = Field(default_factory=dict,
                                          description="options of the model describer")


class HybridDescriber:
    name = "hybrid"

    def __init__(self, **options: Any):
        own = {k: options.pop(k) for k in list(options) if k in HybridOptions.model_fields}
        if own.get("model_describer") is None:
            own["model_describer"] = "openai" if "base_url" in options else "hf"
        self.options = validate_options(HybridOptions, own, "hybrid")
        md = self.options.model_describer
        if isinstance(md, str) and md not in MODEL_DESCRIBERS:
            raise ConfigError(f"model_describer must be one of {MODEL_DESCRIBERS} or a Describer, got {md!r}")
        if not isinstance(md, str) and (options or self.options.model_options):
            # an instance is already configured: its options would otherwise vanish unread
            raise ConfigError(f"options {sorted({*options, *self.options.model_options})} configure a "
                              f"model describer by name, but model_describer is a "
                              f"{type(md).__name__} instance; configure it before passing it")
        # the rest belongs to the model describer
        if isinstance(md, str):
            self.options.model_options.update(_for_backend(md, options))
            if "model" not in self.options.model_options:
                raise ConfigError(
                    "the 'hybrid' describer sends low-confidence figures to a model and none was "
                    "given: pass model= (command line: --model) a local checkpoint folder for 'hf', "
                    "or the served model name together with base_url= (--base-url) for 'openai'")
        self.structural: Describer = get_describer(self.options.structural, **self.options.structural_options)
        self.model: Describer = get_describer(md, **self.options.model_options)
        self.stats = {"figures": 0, "to_model": 0}

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        first = self.structural.describe(requests)
        low = [i for i, d in enumerate(first) if d.confidence < self.options.threshold]
        self.stats["figures"] += len(requests)
        self.stats["to_model"] += len(low)
        if not low:
            return list(first)
        hinted = [replace(requests[i], figure_type=_hint(first[i], requests[i])) for i in low]
        try:
            second = self.model.describe(hinted)
        except Exception as err:  # a model that cannot even load must not lose the structural result
            note = f"model describer failed, structural result kept: {type(err).__name__}: {err}"
            second = [Description(text="", confidence=0.0, describer="hybrid", warnings=[note])
                      for _ in low]
        out = list(first)
        for i, model_desc in zip(low, second):
            out[i] = _choose(first[i], model_desc, self.options.threshold)
        return out


def _for_backend(backend: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options the chosen backend takes. Callers such as ``dicmodel convert`` pass one flat
    set for both backends (``--base-url`` and ``--batch-size`` side by side), so the other
    backend's names are dropped with a log line; a name neither backend knows is an error."""
    from .hf import HFOptions
    from .openai import OpenAIOptions

    fields = {"hf": set(HFOptions.model_fields), "openai": set(OpenAIOptions.model_fields)}
    known = fields["hf"] | fields["openai"]
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"unknown option(s) {unknown} for the 'hybrid' describer; it takes "
                          f"{sorted(HybridOptions.model_fields)} and the options of 'hf' or 'openai'")
    dropped = sorted(set(options) - fields[backend])
    if dropped:
        log.info("hybrid: options %s do not apply to the %r model describer and are ignored",
                 dropped, backend)
    return {k: v for k, v in options.items() if k in fields[backend]}


# Structural verdicts worth passing on. 'other', 'photo' and 'logo' are what a structural
# reader says when it found no structure; for a figure it was unsure about, such a verdict would
# only steer the model away from looking for one, so the model gets the open prompt instead.
_HINTABLE = frozenset(DIAGRAM_TYPES | {FigureType.chart, FigureType.table})


def _hint(structural: Description, req: FigureRequest) -> FigureType | None:
    """The structural figure type as a prompt hint, when it names a structure."""
    if structural.figure_type in _HINTABLE:
        return structural.figure_type
    return req.figure_type


def _choose(structural: Description, model: Description, threshold: float) -> Description:
    """The model's description, unless it failed outright; either way say what happened."""
    why = f"structural confidence {structural.confidence:.2f} < threshold {threshold:.2f}"
    if model.confidence == 0.0 and structural.text:
        keep = structural.model_copy(deep=True)
        keep.warnings += [f"{why}; the model describer failed, structural result kept"] + model.warnings
        return keep
    chosen = model.model_copy(deep=True)
    chosen.warnings = [f"{why}: described by the model"] + chosen.warnings
    return chosen


register_describer("hybrid", lambda **kw: HybridDescriber(**kw))
