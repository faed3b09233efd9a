"""Tiny, randomly initialised Qwen2-VL / Qwen2.5-VL / Qwen3-VL models built fully offline.

For tests, demos and the ``tiny-cpu`` training recipe: a byte-level BPE tokenizer trained on
the fly (every byte is in the alphabet, so nothing is out of vocabulary), the PIL image
processor, and a config a few layers deep. Nothing is downloaded.

    model, processor = build_tiny_vlm("qwen2_vl")
    save_tiny_vlm("/tmp/tiny", "qwen2_5_vl")   # then load with the hf describer
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._extras import require
from ..errors import ConfigError

__all__ = ["MODEL_TYPES", "CHAT_TEMPLATE", "build_tokenizer", "build_processor", "build_config",
           "build_tiny_vlm", "save_tiny_vlm"]

MODEL_TYPES = ("qwen2_vl", "qwen2_5_vl", "qwen3_vl")

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
           "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]

# Qwen2-VL's chat template (the processor expands the image placeholder).
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_DEFAULT_WORDS = (
    "the a an of to in is on at with for from this that figure diagram shows sends receives "
    "request response node edge state transition message flowchart sequence topology router "
    "switch server client UE eNB gNB MME AMF SMF UPF attach registration session setup accept "
    "complete connected idle start end yes no leads connects via layer stack interface link"
).split()


def _check_type(model_type: str) -> None:
    if model_type not in MODEL_TYPES:
        raise ConfigError(f"model_type must be one of {MODEL_TYPES}, got {model_type!r}")


def build_tokenizer(corpus: Iterable[str] | None = None, vocab_size: int = 1024) -> Any:
    """A byte-level BPE tokenizer with the Qwen special tokens and chat template (~0.1 s)."""
    tk = require("tokenizers", "tiny tokenizers", extra="hf")
    tf = require("transformers", "tiny models", extra="hf")
    if corpus is None:
        w = _DEFAULT_WORDS
        corpus = [" ".join(w[(i * 7 + j * 3) % len(w)] for j in range(12)) for i in range(500)]
    corpus = list(corpus) + ["0123456789 .,;:!?-()[]{}'\"/\\@#$%^&*+=<>|~`_"] * 10
    tok = tk.Tokenizer(tk.models.BPE())
    tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False,
                                     initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    hf_tok = tf.PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL[1:], chat_template=CHAT_TEMPLATE)
    hf_tok.padding_side = "left"  # left padding for batched generation
    return hf_tok


def build_processor(tokenizer: Any, model_type: str = "qwen2_vl", max_pixels: int = 224 * 224,
                    min_pixels: int = 56 * 56) -> Any:
    _check_type(model_type)
    from .compat import patch_processors_without_torchvision

    patch_processors_without_torchvision()
    tf = require("transformers", "tiny models", extra="hf")
    patch = 16 if model_type == "qwen3_vl" else 14
    ip = tf.Qwen2VLImageProcessorPil(min_pixels=min_pixels, max_pixels=max_pixels, patch_size=patch,
                                     merge_size=2, temporal_patch_size=2)
    cls = {"qwen2_vl": tf.Qwen2VLProcessor, "qwen2_5_vl": tf.Qwen2_5_VLProcessor,
           "qwen3_vl": tf.Qwen3VLProcessor}[model_type]
    return cls(image_processor=ip, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)


def build_config(tokenizer: Any, model_type: str = "qwen2_vl", hidden: int = 64, layers: int = 2,
                 heads: int = 4, kv_heads: int = 2, inter: int | None = None, v_depth: int = 2,
                 v_dim: int = 32, v_heads: int = 2) -> Any:
    _check_type(model_type)
    tf = require("transformers", "tiny models", extra="hf")
    head_dim = hidden // heads
    half = head_dim // 2  # mrope_section must sum to head_dim / 2
    t, h = half // 4, (half - half // 4) // 2
    rope = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [t, h, half - t - h]}
    ids = {k: tokenizer.convert_tokens_to_ids(v) for k, v in dict(
        image_token_id="<|image_pad|>", video_token_id="<|video_pad|>",
        vision_start_token_id="<|vision_start|>", vision_end_token_id="<|vision_end|>").items()}
    text = dict(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=inter or 2 * hidden,
                num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                max_position_embeddings=4096, rope_parameters=rope,
                bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    if model_type == "qwen2_vl":
        vis = dict(depth=v_depth, embed_dim=v_dim, hidden_size=hidden, num_heads=v_heads, mlp_ratio=2,
                   patch_size=14, spatial_merge_size=2, temporal_patch_size=2)
        return tf.Qwen2VLConfig(text_config=text, vision_config=vis, **ids)
    if model_type == "qwen2_5_vl":
        vis = dict(depth=v_depth, hidden_size=v_dim, out_hidden_size=hidden, intermediate_size=2 * v_dim,
                   num_heads=v_heads, patch_size=14, spatial_merge_size=2, temporal_patch_size=2,
                   window_size=112, fullatt_block_indexes=[v_depth - 1])
        return tf.Qwen2_5_VLConfig(text_config=text, vision_config=vis, **ids)
    text["head_dim"] = head_dim  # qwen3_vl: interleaved mrope, explicit head_dim, deepstack taps
    rope["mrope_interleaved"] = True
    vis = dict(depth=v_depth, hidden_size=v_dim, out_hidden_size=hidden, intermediate_size=2 * v_dim,
               num_heads=v_heads, patch_size=16, spatial_merge_size=2, temporal_patch_size=2,
               num_position_embeddings=256, deepstack_visual_indexes=[0])
    return tf.Qwen3VLConfig(text_config=text, vision_config=vis, **ids)


def build_tiny_vlm(model_type: str = "qwen2_vl", *, corpus: Iterable[str] | None = None,
                   vocab_size: int = 1024, seed: int = 0, max_pixels: int = 224 * 224,
                   **config: Any) -> tuple[Any, Any]:
    """(model, processor) with random weights; ``config`` goes to :func:`build_config`."""
    _check_type(model_type)
    torch = require("torch", "tiny models", extra="hf")
    tf = require("transformers", "tiny models", extra="hf")
    torch.manual_seed(seed)
    tok = build_tokenizer(corpus, vocab_size)
    proc = build_processor(tok, model_type, max_pixels=max_pixels)
    model = tf.AutoModelForImageTextToText.from_config(build_config(tok, model_type, **config))
    return model, proc


def save_tiny_vlm(path: str | Path, model_type: str = "qwen2_vl", **kw: Any) -> Path:
    """Build a tiny model and save model + processor to ``path`` (a loadable checkpoint)."""
    model, proc = build_tiny_vlm(model_type, **kw)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    proc.save_pretrained(out)
    return out
