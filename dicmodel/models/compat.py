"""Narrow compatibility fixes for running transformers' Qwen-VL processors in this environment."""

from __future__ import annotations

import importlib.util

_PATCHED = False


def patch_processors_without_torchvision() -> None:
    """Let Qwen2/2.5/3-VL processors construct and load when torchvision cannot be imported.

    Why: transformers 5.x type-checks each processor's ``video_processor`` slot against
    ``VideoProcessorMixin``, which it only exports when torchvision imports. On CPU-only hosts
    the registry's torchvision is a CUDA build that fails against torch+cpu, so even
    ``AutoProcessor.from_pretrained`` breaks though we never process video. The fix declares
    the image processor and tokenizer as the only sub-processors of those three classes, and
    only when torchvision is absent; everything else keeps transformers' behaviour.
    """
    global _PATCHED
    if _PATCHED or importlib.util.find_spec("torchvision") is not None:
        return
    import transformers

    for name in ("Qwen2VLProcessor", "Qwen2_5_VLProcessor", "Qwen3VLProcessor"):
        cls = getattr(transformers, name, None)
        if cls is not None:
            cls.get_attributes = classmethod(lambda c: ["image_processor", "tokenizer"])
    _PATCHED = True
