"""Optional fluency rewrite of template captions through a text LLM (off by default).

The template caption (``items.jsonl`` field ``caption``) stays the ground truth. A rewrite is
accepted only when it keeps every quoted label and every number of the template, so a model
that drops or invents a fact cannot change what the dataset claims; rejected rewrites keep
the template. Results go to ``rewrites.jsonl`` (``{"id", "caption_fluent", "accepted"}``) and
``export_captions(..., use_rewrites=True)`` uses the accepted ones.

Backends are a callable ``generate(prompt) -> str``: :func:`openai_text_generate` (an
OpenAI-compatible chat endpoint via httpx) or :func:`hf_text_generate` (a local transformers
causal LM, loaded from a path: nothing is downloaded).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import ConfigError

__all__ = [
    "RewriteOptions",
    "TextGenerateFn",
    "facts_kept",
    "hf_text_generate",
    "openai_text_generate",
    "rewrite_caption",
    "rewrite_prompt",
    "run_rewrite",
]

TextGenerateFn = Callable[[str], str]


class RewriteOptions(BaseModel):
    """Options of ``dicmodel synth rewrite``."""

    data: Path = Field(description="dataset folder (items.jsonl)")
    backend: str = Field("openai", pattern="^(openai|hf)$", description="openai (OpenAI-compatible server) or "
                         "hf (local transformers causal LM)")
    model: str | None = Field(None, description="model name (openai) or local checkpoint path (hf)")
    base_url: str | None = Field(None, description="OpenAI-compatible base URL")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the API key")
    limit: int | None = Field(None, ge=1, description="rewrite at most this many captions")
    max_tokens: int = Field(512, ge=16, le=8192, description="longest rewrite in tokens")


def rewrite_prompt(caption: str) -> str:
    return ("Rewrite the following description of a technical figure so that it reads fluently, as an "
            "engineer would write it. Keep every name, quoted label, number and relation exactly as given; "
            "do not add, drop or guess anything. Reply with the rewritten text only.\n\n" + caption.strip())


_QUOTED = re.compile(r'"([^"]+)"')
_NUMBER = re.compile(r"(?<![\w/.-])\d+(?![\w/.-])")


def facts_kept(template: str, rewrite: str) -> bool:
    """True when the rewrite keeps every quoted label and standalone number of the template."""
    text = rewrite.casefold()
    labels = {m.casefold() for m in _QUOTED.findall(template)}
    numbers = set(_NUMBER.findall(template))
    return all(lab in text for lab in labels) and numbers <= set(_NUMBER.findall(rewrite))


def rewrite_caption(caption: str, generate: TextGenerateFn) -> tuple[str, bool]:
    """(text, accepted): the rewrite when it keeps the facts, else the template caption."""
    try:
        out = (generate(rewrite_prompt(caption)) or "").strip()
    except Exception:  # noqa: BLE001 -- a failed rewrite keeps the template
        return caption, False
    if out and facts_kept(caption, out):
        return out, True
    return caption, False


def openai_text_generate(base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120.0,
                         max_tokens: int = 512, temperature: float = 0.3) -> TextGenerateFn:
    """Text-only generation through the ``openai`` describer's transport (retries, backoff)."""
    from ..describe.openai import OpenAIDescriber

    client = OpenAIDescriber(base_url=base_url, model=model, api_key=api_key, timeout=timeout,
                             max_new_tokens=max_tokens, temperature=temperature)
    return client.chat


def hf_text_generate(model_path: str, *, max_new_tokens: int = 512, device: str = "cpu") -> TextGenerateFn:
    """Greedy generation with a local causal LM (chat template when the tokenizer has one)."""
    from .._extras import require

    require("torch", "caption rewriting with a local model")
    transformers = require("transformers", "caption rewriting with a local model")
    if not Path(model_path).exists():
        raise ConfigError(f"model must be a local checkpoint path, got {model_path!r} (nothing is downloaded)")
    tok = transformers.AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(model_path, local_files_only=True).to(device).eval()

    def generate(prompt: str) -> str:
        import torch

        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                           add_generation_prompt=True)
        else:
            text = prompt + "\n\n"
        ids = tok(text, return_tensors="pt").to(device)  # [1, T]
        with torch.no_grad():
            out = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id or tok.eos_token_id)
        return tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)

    return generate


def run_rewrite(opts: RewriteOptions, generate: TextGenerateFn | None = None) -> dict[str, int]:
    """Append rewrites of captions not yet rewritten to rewrites.jsonl (resumable)."""
    import os

    from .._io import open_append
    from .export import read_jsonl

    if generate is None:
        if opts.backend == "openai":
            if not opts.base_url or not opts.model:
                raise ConfigError("backend 'openai' needs base_url and model (--base-url, --model)")
            generate = openai_text_generate(opts.base_url, opts.model, api_key=os.environ.get(opts.api_key_env),
                                            max_tokens=opts.max_tokens)
        else:
            if not opts.model:
                raise ConfigError("backend 'hf' needs model: a local checkpoint path (--model)")
            generate = hf_text_generate(opts.model, max_new_tokens=opts.max_tokens)
    path = opts.data / "rewrites.jsonl"
    done = {r["id"] for r in read_jsonl(path)}
    todo = [r for r in read_jsonl(opts.data / "items.jsonl") if r["id"] not in done][: opts.limit]
    counts = {"rewritten": 0, "accepted": 0}
    with open_append(path) as f:
        for r in todo:
            text, ok = rewrite_caption(r["caption"], generate)
            rec: dict[str, Any] = {"id": r["id"], "caption_fluent": text, "accepted": ok}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()
            counts["rewritten"] += 1
            counts["accepted"] += int(ok)
    from .export import export_captions

    export_captions(opts.data, use_rewrites=True)
    return counts
