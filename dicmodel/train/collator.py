"""Turn conversation records into model inputs with loss on assistant turns only.

:class:`ConversationEncoder` renders a record through the processor's chat template, lets the
processor expand the image placeholders and compute ``pixel_values``, and labels only the token
spans of assistant turns (their text and closing ``<|im_end|>``). System and user turns, image
tokens and padding are ``-100``. Span boundaries come from rendering the conversation prefix
before and after each assistant turn, which works for any template that renders a prefix of
the conversation as a prefix of the text (Qwen-VL, LLaVA and ChatML templates do).

Truncation never cuts image tokens: an over-long sample loses its text tail; when the image
tokens alone reach ``max_seq_len`` the sample is skipped with a warning (``None``).

:class:`VLMCollator` pads encoded samples on the right into a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .data import load_image

__all__ = ["IGNORE_INDEX", "ConversationEncoder", "VLMCollator", "set_pixel_budget"]

log = logging.getLogger(__name__)

IGNORE_INDEX = -100
_PER_TOKEN = ("input_ids", "attention_mask", "labels", "mm_token_type_ids", "token_type_ids")


def set_pixel_budget(processor: Any, min_pixels: int | None, max_pixels: int | None) -> None:
    """Set the Qwen-VL image processor's pixel budget (transformers 5 keeps it in ``size``)."""
    ip = getattr(processor, "image_processor", None)
    if ip is None or (min_pixels is None and max_pixels is None):
        return
    size = dict(getattr(ip, "size", None) or {})
    size = {k: v for k, v in size.items() if v is not None}
    if min_pixels is not None:
        size["shortest_edge"] = min_pixels
        if hasattr(ip, "min_pixels"):
            ip.min_pixels = min_pixels
    if max_pixels is not None:
        size["longest_edge"] = max_pixels
        if hasattr(ip, "max_pixels"):
            ip.max_pixels = max_pixels
    ip.size = size


def _runs(ids: list[int], token: int) -> list[int]:
    """Lengths of the consecutive runs of ``token`` (one run per image for Qwen-VL / LLaVA)."""
    runs, n = [], 0
    for t in ids:
        if t == token:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    if n:
        runs.append(n)
    return runs


class ConversationEncoder:
    """record -> dict of per-sample tensors (``input_ids`` [T], ``labels`` [T], ``pixel_values`` ...)."""

    def __init__(self, processor: Any, max_seq_len: int = 2048):
        self.processor = processor
        self.tokenizer = getattr(processor, "tokenizer", processor)
        self.max_seq_len = max_seq_len
        tok = self.tokenizer
        self.image_token_id = getattr(processor, "image_token_id", None)
        if self.image_token_id is None and getattr(processor, "image_token", None):
            self.image_token_id = tok.convert_tokens_to_ids(processor.image_token)
        # everything up to the last of these belongs to an image and must survive truncation
        vision = [self.image_token_id] + [
            tok.convert_tokens_to_ids(t)
            for t in ("<|vision_end|>", "<|vision_start|>")
            if t in tok.get_vocab()
        ]
        self.vision_ids = {v for v in vision if v is not None}

    def _template(self, messages: list[dict[str, Any]], prompt: bool = False) -> str:
        return self.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=prompt)

    def _spans(self, messages: list[dict[str, Any]], full: str) -> list[tuple[str, str, int]]:
        """(prefix text, text through the turn, images before the turn) per assistant turn."""
        out = []
        for i, m in enumerate(messages):
            if m["role"] != "assistant":
                continue
            before = self._template(messages[:i], prompt=True)
            upto = self._template(messages[: i + 1])
            if not (full.startswith(upto) and upto.startswith(before)):
                raise ValueError(
                    "the chat template does not render a conversation prefix as a text "
                    "prefix, so assistant spans cannot be located"
                )
            n_img = sum(p["type"] == "image" for mm in messages[:i] for p in mm["content"])
            out.append((before, upto, n_img))
        return out

    def _n_tokens(self, text: str, n_img: int, runs: list[int]) -> int:
        # the placeholder is one token before expansion and runs[k] tokens after
        n = len(self.tokenizer(text)["input_ids"])
        return n + sum(runs[:n_img]) - n_img

    def encode(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """Encode one record; ``None`` (with a warning) when it cannot fit ``max_seq_len``."""
        messages = record["messages"]
        images = [im if not isinstance(im, str) else load_image(im) for im in record.get("images", [])]
        full = self._template(messages)
        batch = self.processor(text=[full], images=images or None, return_tensors="pt")
        ids = batch["input_ids"][0]  # [T]
        id_list = ids.tolist()
        runs = _runs(id_list, self.image_token_id) if images else []
        if len(runs) != len(images):
            raise ValueError(f"found {len(runs)} image-token runs for {len(images)} images")
        if self._n_tokens(full, len(images), runs) != len(id_list):
            raise ValueError("tokenizing the rendered text does not reproduce the processor's input_ids")
        labels = ids.new_full(ids.shape, IGNORE_INDEX)
        for before, upto, n_img in self._spans(messages, full):
            start, end = self._n_tokens(before, n_img, runs), self._n_tokens(upto, n_img, runs)
            labels[start:end] = ids[start:end]
        if self.image_token_id is not None:
            labels[ids == self.image_token_id] = IGNORE_INDEX
        feats = {k: v[0] if k in _PER_TOKEN else v for k, v in batch.items()}
        feats["labels"] = labels
        return self._truncate(feats, record.get("source", "?"))

    def _truncate(self, feats: dict[str, Any], source: str) -> dict[str, Any] | None:
        ids = feats["input_ids"]
        limit = self.max_seq_len
        if len(ids) > limit:
            vis = [i for i, t in enumerate(ids.tolist()) if t in self.vision_ids]
            if vis and vis[-1] >= limit:
                log.warning(
                    "skipping %s: its image tokens end at %d, past max_seq_len=%d "
                    "(lower max_pixels or raise max_seq_len)",
                    source,
                    vis[-1] + 1,
                    limit,
                )
                return None
            feats = {k: v[:limit] if k in _PER_TOKEN else v for k, v in feats.items()}
        if not bool((feats["labels"] != IGNORE_INDEX).any()):
            log.warning("skipping %s: no assistant token left within max_seq_len=%d", source, limit)
            return None
        return feats


class VLMCollator:
    """Pads encoded samples (or encodes raw records first) into a right-padded batch.

    ``pixel_values`` and ``image_grid_thw`` concatenate along dim 0, as Qwen-VL expects
    (patches of all images flattened: [sum of patches, C*T*P*P])."""

    def __init__(self, processor: Any, max_seq_len: int = 2048):
        self.encoder = ConversationEncoder(processor, max_seq_len)
        self.pad_id = self.encoder.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = self.encoder.tokenizer.eos_token_id

    def __call__(self, samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
        feats = [s if "input_ids" in s else self.encoder.encode(s) for s in samples]
        feats = [f for f in feats if f is not None]
        if not feats:
            raise ValueError(
                "no sample of this batch fits max_seq_len; raise max_seq_len or lower max_pixels"
            )
        return self.pad(feats)

    def pad(self, feats: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(f["input_ids"]) for f in feats)
        fill = {"input_ids": self.pad_id, "labels": IGNORE_INDEX}
        out: dict[str, Any] = {}
        for key in feats[0]:
            vals = [f[key] for f in feats if key in f]
            if key in _PER_TOKEN:
                out[key] = torch.stack(
                    [torch.nn.functional.pad(v, (0, width - len(v)), value=fill.get(key, 0)) for v in vals]
                )  # [B, T]
            else:
                out[key] = torch.cat(vals, dim=0)  # pixel_values [sum patches, D], grid_thw [n_img, 3]
        return out
