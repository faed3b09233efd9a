"""The ``hf`` describer: a local transformers VLM checkpoint (optionally a peft adapter on top).

Loads any ``AutoModelForImageTextToText`` + ``AutoProcessor`` checkpoint from a local folder
(Qwen2-VL, Qwen2.5-VL, Qwen3-VL, SmolVLM/Idefics3, LLaVA): this is where a trained DICModel
runs. Nothing is downloaded: the path must be a local folder, every load uses
``local_files_only=True`` and ``HF_HUB_OFFLINE`` defaults to on.

    d = get_describer("hf", model="runs/dicmodel-7b", adapter="runs/stage3-lora")
    descriptions = d.describe(requests)

Generation is batched: requests are sorted by image size (similar sizes pad less), run
``batch_size`` at a time with left padding, and the answers are returned in request order.
Images are scaled into the ``min_pixels``..``max_pixels`` budget first, whatever the model
family. Decoding is greedy unless ``do_sample`` is set, and ``max_new_tokens`` is generous
(1024): a description cut off mid-diagram is worse than a slow one. A batch that fails (e.g.
out of GPU memory) is split in halves and retried; a single figure that still fails gets a
Description with confidence 0.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._extras import require
from ..document import Description
from ..errors import BackendUnavailableError, ConfigError, MissingExtraError
from ._options import validate_options
from ._output import Conversation, Generation, describe_with_model
from .base import FigureRequest, register_describer
from .cache import DescriptionCache, cache_key, path_fingerprint
from .prompts import PROMPT_VERSION, PROMPT_VERSIONS, check_prompt_version

__all__ = ["HFOptions", "HFDescriber", "resolve_device"]

log = logging.getLogger(__name__)

Dtype = Literal["auto", "float32", "bfloat16", "float16"]
MIN_SIDE = 32  # VLM patch grids (14 px x merge 2 for Qwen) need a few patches per side


class HFOptions(BaseModel):
    """Options of the ``hf`` describer (validated; unknown names are refused)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = Field(description="local checkpoint folder (config.json + weights + processor)")
    adapter: str | None = Field(None, description="local peft adapter folder to apply on top")
    device: str = Field("auto", description="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps")
    dtype: Dtype = Field("auto", description="auto: bfloat16 on CUDA, float16 on MPS, float32 on CPU")
    batch_size: int = Field(4, ge=1, le=512, description="figures per generate() call")
    min_pixels: int = Field(56 * 56, ge=MIN_SIDE * MIN_SIDE, description="smaller images are scaled up")
    max_pixels: int = Field(1280 * 28 * 28, ge=MIN_SIDE * MIN_SIDE,
                            description="larger images are scaled down")
    max_new_tokens: int = Field(1024, ge=1, le=32768, description="answer length limit (tokens)")
    min_new_tokens: int = Field(0, ge=0, description="force at least this many tokens (benchmarks)")
    do_sample: bool = Field(False, description="sample instead of greedy decoding")
    temperature: float = Field(0.7, gt=0, le=2, description="sampling temperature (do_sample only)")
    trust_remote_code: bool = Field(False, description="run code shipped inside the checkpoint "
                                    "folder (only for checkpoints you trust)")
    prompt_version: str = Field(PROMPT_VERSION, description=f"prompt set: {', '.join(PROMPT_VERSIONS)}")
    cache_dir: str | None = Field(None, description="disk cache of descriptions (off when unset)")
    repair: bool = Field(True, description="one repair round trip when the Mermaid does not parse")
    merge_adapter: bool = Field(True, description="merge the adapter into the weights (faster)")

    @field_validator("device")
    @classmethod
    def _known_device(cls, v: str) -> str:
        if v not in ("auto", "cpu", "cuda", "mps") and not (v.startswith("cuda:") and v[5:].isdigit()):
            raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps, got {v!r}")
        return v

    @field_validator("prompt_version")
    @classmethod
    def _known_version(cls, v: str) -> str:
        return check_prompt_version(v)

    @model_validator(mode="after")
    def _pixel_budget(self) -> HFOptions:
        if self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels ({self.min_pixels}) must not exceed max_pixels ({self.max_pixels})")
        return self


def _options(kw: dict[str, Any]) -> HFOptions:
    return validate_options(HFOptions, kw, "hf")


def _check_local(path: str, field: str, marker: str) -> Path:
    """A local folder holding ``marker``, or a ConfigError that says why it is refused."""
    p = Path(path).expanduser()
    if not p.is_dir():
        hub_like = "/" in path and not path.startswith((".", "/", "~")) and path.count("/") == 1
        hint = (f" It looks like a hub id: dicmodel never downloads; fetch it once with "
                f"`hf download {path} --local-dir DIR` (huggingface_hub's CLI) and pass DIR."
                if hub_like else "")
        raise ConfigError(f"{field} must be a local folder, got {path!r}, which does not exist.{hint}")
    if not (p / marker).is_file():
        raise ConfigError(f"{field} folder {path!r} has no {marker}; expected a saved "
                          f"{'peft adapter' if field == 'adapter' else 'transformers checkpoint'}")
    return p


def resolve_device(device: str, dtype: str) -> tuple[str, Any]:
    """(device, torch dtype): auto picks CUDA bf16 (fp16 without bf16 support), MPS fp16, CPU fp32."""
    torch = require("torch", "the hf describer")
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} was asked for, but torch sees no CUDA device")
    if dtype == "auto":
        if device.startswith("cuda"):
            dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        else:
            dtype = "float16" if device == "mps" else "float32"
    return device, getattr(torch, dtype)


def _fit_budget(img: Any, min_pixels: int, max_pixels: int) -> Any:
    """Scale (keeping the aspect ratio) into the pixel budget; pad very thin images."""
    from PIL import Image

    w, h = img.size
    area = w * h
    scale = 1.0
    if area > max_pixels:
        scale = (max_pixels / area) ** 0.5
    elif area < min_pixels:
        scale = (min_pixels / area) ** 0.5
    if scale != 1.0:
        w, h = max(1, int(w * scale)), max(1, int(h * scale))
        img = img.resize((w, h), Image.Resampling.BICUBIC)
    if w < MIN_SIDE or h < MIN_SIDE:  # a thin strip: pad on white instead of stretching text
        canvas = Image.new("RGB", (max(w, MIN_SIDE), max(h, MIN_SIDE)), "white")
        canvas.paste(img, (0, 0))
        img = canvas
    return img


class HFDescriber:
    """Describe figures with a local transformers vision-language model."""

    name = "hf"

    def __init__(self, **options: Any):
        self._init_state(_options(options))
        o = self.options
        self._model_path = _check_local(o.model, "model", "config.json")
        self._adapter_path = _check_local(o.adapter, "adapter", "adapter_config.json") if o.adapter else None

    @classmethod
    def from_objects(cls, model: Any, processor: Any, **options: Any) -> HFDescriber:
        """Wrap an already-loaded model and processor (benchmarks, notebooks, training loops)."""
        self = cls.__new__(cls)
        options.setdefault("model", getattr(model, "name_or_path", "") or "in-memory")
        self._init_state(_options(options))
        self.model, self.processor = model.eval(), processor
        self.device, self.dtype = str(next(model.parameters()).device), next(model.parameters()).dtype
        self._prepare_processor()
        return self

    def _init_state(self, o: HFOptions) -> None:
        """State both constructors share (one place, so a new counter or field reaches both)."""
        self.options = o
        self._model_path: Path | None = None
        self._adapter_path: Path | None = None
        tag = Path(o.model).name + (f"+{Path(o.adapter).name}" if o.adapter else "")
        self.describer_id = f"hf:{tag}:{o.prompt_version}"
        self.cache = DescriptionCache(o.cache_dir) if o.cache_dir else None
        self.stats = {"generate_calls": 0, "figures": 0, "generated_tokens": 0, "generate_seconds": 0.0}
        self.model: Any = None
        self.processor: Any = None
        self.device: str | None = None
        self.dtype: Any = None
        self._load_lock = threading.Lock()

    # -- loading --------------------------------------------------------------------------
    def load(self) -> HFDescriber:
        """Load model, adapter and processor (done on first describe(); idempotent)."""
        with self._load_lock:
            if self.model is None:
                try:
                    self._load()
                except (MissingExtraError, ConfigError):
                    raise
                except Exception as err:  # corrupt weights, unknown architecture, no GPU memory
                    raise BackendUnavailableError(
                        f"cannot load the hf model from {self.options.model!r}"
                        f"{f' with adapter {self.options.adapter!r}' if self.options.adapter else ''}: "
                        f"{type(err).__name__}: {err}") from err
        return self

    def _load(self) -> None:
        # no hub traffic, even for the remote-code or chat-template look-ups transformers may try
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ..models.compat import patch_processors_without_torchvision

        require("torch", "the hf describer")
        tf = require("transformers", "the hf describer")
        patch_processors_without_torchvision()  # before any processor is built (see its docstring)
        o = self.options
        self.device, self.dtype = resolve_device(o.device, o.dtype)
        common = {"local_files_only": True, "trust_remote_code": o.trust_remote_code}
        self.processor = tf.AutoProcessor.from_pretrained(self._model_path, **common)
        model = tf.AutoModelForImageTextToText.from_pretrained(
            self._model_path, dtype=self.dtype,
            device_map=self.device if self.device.startswith("cuda") else None, **common)
        if self._adapter_path is not None:
            model = self._apply_adapter(model)
        if not self.device.startswith("cuda"):
            model = model.to(self.device)
        self.model = model.eval()
        self._prepare_processor()

    def _apply_adapter(self, model: Any) -> Any:
        peft = require("peft", "loading an adapter with the hf describer")
        model = peft.PeftModel.from_pretrained(model, str(self._adapter_path), is_trainable=False)
        return model.merge_and_unload() if self.options.merge_adapter else model

    def _prepare_processor(self) -> None:
        tok = getattr(self.processor, "tokenizer", self.processor)
        tok.padding_side = "left"  # decoder-only generation: pad on the left so answers line up
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token

    # -- Describer protocol ---------------------------------------------------------------
    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        o = self.options
        settings = {"max_new_tokens": o.max_new_tokens, "min_new_tokens": o.min_new_tokens,
                    "do_sample": o.do_sample, "temperature": o.temperature if o.do_sample else None,
                    "min_pixels": o.min_pixels, "max_pixels": o.max_pixels, "dtype": o.dtype,
                    "repair": o.repair}
        model_id = path_fingerprint(self._model_path) if self._model_path else o.model
        return describe_with_model(
            requests, self._generate, describer=self.describer_id, prompt_version=o.prompt_version,
            cache=self.cache, repair=o.repair,
            key_of=lambda r: cache_key(r, model_id=model_id, adapter_id=path_fingerprint(self._adapter_path),
                                       prompt_version=o.prompt_version, settings=settings))

    # -- generation -----------------------------------------------------------------------
    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """Raw batched generation over neutral chat turns (``prompts.build_conversation``'s form,
        images as ``{"type": "image", "image": bytes}``), one :class:`Generation` per
        conversation, errors per item. Used by ``describe()`` and by eval/synth code that needs
        free text from the same model."""
        return self._generate(conversations)

    def _generate(self, convs: list[Conversation]) -> list[Generation]:
        self.load()
        out: list[Generation | None] = [None] * len(convs)
        images: dict[int, list[Any]] = {}
        for i, conv in enumerate(convs):
            try:
                images[i] = self._images(conv)
            except Exception as err:  # undecodable bytes: this figure only
                out[i] = Generation(error=f"image cannot be decoded: {type(err).__name__}: {err}")
        # similar sizes together: less padding of pixel patches and of prompt lengths
        order = sorted(images, key=lambda i: -sum(im.size[0] * im.size[1] for im in images[i]))
        bs = self.options.batch_size
        for start in range(0, len(order), bs):
            chunk = order[start:start + bs]
            for i, gen in zip(chunk, self._run_split([convs[i] for i in chunk], [images[i] for i in chunk])):
                out[i] = gen
        return [g if g is not None else Generation(error="not generated") for g in out]

    def _images(self, conv: Conversation) -> list[Any]:
        from PIL import Image

        o = self.options
        found = []
        for turn in conv:
            for part in turn["content"]:
                if part["type"] == "image":
                    img = Image.open(io.BytesIO(part["image"])).convert("RGB")
                    found.append(_fit_budget(img, o.min_pixels, o.max_pixels))
        return found

    def _run_split(self, convs: list[Conversation], images: list[list[Any]]) -> list[Generation]:
        """Generate a batch; on failure (e.g. out of memory) halve it, down to single figures."""
        try:
            return self._run_batch(convs, images)
        except Exception as err:
            if len(convs) == 1:
                log.warning("hf describer: generation failed for one figure: %s", err)
                return [Generation(error=f"generation failed: {type(err).__name__}: {err}")]
            self._free_memory()
            half = len(convs) // 2
            return (self._run_split(convs[:half], images[:half])
                    + self._run_split(convs[half:], images[half:]))

    def _free_memory(self) -> None:
        torch = require("torch", "the hf describer")
        if self.device and self.device.startswith("cuda"):
            torch.cuda.empty_cache()

    def _prompt_text(self, conv: Conversation) -> str:
        msgs = [{"role": t["role"], "content": [{"type": "image"} if p["type"] == "image" else
                                                 {"type": "text", "text": p["text"]} for p in t["content"]]}
                for t in conv]
        try:
            return self.processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        except Exception:
            if msgs[0]["role"] != "system" or len(msgs) < 2:
                raise
            # some templates (LLaVA-style) refuse a system turn: fold it into the first user turn
            system, rest = msgs[0], msgs[1:]
            rest[0]["content"].insert(-1, {"type": "text", "text": system["content"][0]["text"] + "\n\n"})
            return self.processor.apply_chat_template(rest, add_generation_prompt=True, tokenize=False)

    def _run_batch(self, convs: list[Conversation], images: list[list[Any]]) -> list[Generation]:
        torch = require("torch", "the hf describer")
        texts = [self._prompt_text(c) for c in convs]
        # text-only conversations (eval questions without a figure) must not send empty image lists
        inputs = self.processor(text=texts, images=images if any(images) else None, padding=True,
                                return_tensors="pt")
        inputs = inputs.to(self.device)
        if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
            inputs["pixel_values"] = inputs["pixel_values"].to(self.dtype)
        prompt_len = inputs["input_ids"].shape[1]  # left padded: every answer starts here
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(**inputs, **self._generate_kwargs())  # [B, prompt_len + new]
        self._count(len(convs), time.perf_counter() - t0)
        return self._decode(out[:, prompt_len:])

    def _generate_kwargs(self) -> dict[str, Any]:
        o = self.options
        tok = getattr(self.processor, "tokenizer", self.processor)
        kw: dict[str, Any] = {"max_new_tokens": o.max_new_tokens, "do_sample": o.do_sample,
                              "pad_token_id": tok.pad_token_id}
        if o.do_sample:
            kw["temperature"] = o.temperature
        else:  # explicit, so a checkpoint's sampling defaults cannot make runs non-deterministic
            kw.update(temperature=None, top_p=None, top_k=None)
        if o.min_new_tokens:
            kw["min_new_tokens"] = min(o.min_new_tokens, o.max_new_tokens)
        return kw

    def _eos_ids(self) -> set[int]:
        eos = self.model.generation_config.eos_token_id
        tok = getattr(self.processor, "tokenizer", self.processor)
        ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tok.eos_token_id is not None:
            ids.add(tok.eos_token_id)
        return ids

    def _decode(self, new_tokens: Any) -> list[Generation]:
        tok = getattr(self.processor, "tokenizer", self.processor)
        eos = self._eos_ids()
        gens = []
        for row in new_tokens.tolist():  # [B, new]
            stop = next((k for k, t in enumerate(row) if t in eos), None)
            used = row if stop is None else row[:stop + 1]
            text = tok.decode(used, skip_special_tokens=True).strip()
            truncated = stop is None and len(row) >= self.options.max_new_tokens
            gens.append(Generation(text=text, tokens=len(used), truncated=truncated))
            self.stats["generated_tokens"] += len(used)
        return gens

    def _count(self, figures: int, seconds: float) -> None:
        self.stats["generate_calls"] += 1
        self.stats["figures"] += figures
        self.stats["generate_seconds"] += seconds


register_describer("hf", lambda **kw: HFDescriber(**kw))
