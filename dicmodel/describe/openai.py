"""The ``openai`` describer: any OpenAI-compatible chat-completions endpoint.

vLLM, SGLang, TGI, llama.cpp's server and hosted APIs all speak ``POST {base_url}/chat/completions``.
Figures go as base64 PNG data URLs. Requests run on a bounded thread pool (``concurrency``),
each with a per-request ``timeout`` and retries with exponential backoff and full jitter on
429, 5xx, timeouts and connection errors (a ``Retry-After`` header is honoured, capped at
``backoff_max``). A figure whose calls all fail gets a Description with confidence 0 and the
reason as a warning; the rest of the batch completes.

    d = get_describer("openai", base_url="http://localhost:8000/v1", model="dicmodel-7b")
    descriptions = d.describe(requests)

The API key comes from ``api_key``, else the environment variable named by ``api_key_env``,
else ``OPENAI_API_KEY`` or ``DICMODEL_API_KEY``. It is held as a secret and never logged or
put into error messages.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from .._extras import require
from ..document import Description
from ..errors import ConfigError, DescriberError
from ._options import validate_options
from ._output import Conversation, Generation, describe_with_model
from .base import FigureRequest, register_describer
from .cache import DescriptionCache, cache_key
from .prompts import PROMPT_VERSION, PROMPT_VERSIONS, check_prompt_version

__all__ = ["OpenAIOptions", "OpenAIDescriber"]

log = logging.getLogger(__name__)

DEFAULT_KEY_ENVS = ("OPENAI_API_KEY", "DICMODEL_API_KEY")
RETRY_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))


class OpenAIOptions(BaseModel):
    """Options of the ``openai`` describer (validated; unknown names are refused)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    base_url: str = Field(description="server root including /v1, e.g. http://localhost:8000/v1")
    model: str = Field(description="model name the server serves (its /v1/models id)")
    api_key: SecretStr | None = Field(None, description="API key; default from api_key_env")
    api_key_env: str | None = Field(None, description="environment variable holding the API key "
                                    "(default: OPENAI_API_KEY, then DICMODEL_API_KEY)")
    concurrency: int = Field(4, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(120.0, gt=0, description="seconds per request")
    max_retries: int = Field(4, ge=0, le=20, description="retries per request on 429/5xx/timeouts")
    backoff_base: float = Field(0.5, ge=0, description="first backoff in seconds (doubles per retry)")
    backoff_max: float = Field(30.0, ge=0, description="cap on one backoff, Retry-After included")
    max_new_tokens: int = Field(1024, ge=1, description="max_tokens of each answer")
    temperature: float = Field(0.0, ge=0, le=2, description="0 = greedy")
    prompt_version: str = Field(PROMPT_VERSION, description=f"prompt set: {', '.join(PROMPT_VERSIONS)}")
    cache_dir: str | None = Field(None, description="disk cache of descriptions (off when unset)")
    repair: bool = Field(True, description="one repair round trip when the Mermaid does not parse")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="extra JSON fields per request")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {v!r}")
        return v.rstrip("/")

    @field_validator("prompt_version")
    @classmethod
    def _known_version(cls, v: str) -> str:
        return check_prompt_version(v)


def _options(kw: dict[str, Any]) -> OpenAIOptions:
    return validate_options(OpenAIOptions, kw, "openai", secrets=frozenset({"api_key"}))


def _resolve_key(opts: OpenAIOptions) -> str | None:
    if opts.api_key is not None:
        return opts.api_key.get_secret_value()
    if opts.api_key_env:
        value = os.environ.get(opts.api_key_env)
        if value is None:
            raise ConfigError(f"api_key_env names {opts.api_key_env!r}, but that environment "
                              "variable is not set")
        return value
    for name in DEFAULT_KEY_ENVS:
        if os.environ.get(name):
            return os.environ[name]
    return None  # local servers (vLLM without --api-key) need none


def _data_url(image: bytes) -> str:
    mime = "image/jpeg" if image[:3] == b"\xff\xd8\xff" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def to_openai_messages(conv: Conversation) -> list[dict[str, Any]]:
    """Neutral chat turns -> OpenAI messages (images as data URLs, lone texts as strings)."""
    messages = []
    for turn in conv:
        parts = []
        for part in turn["content"]:
            if part["type"] == "image":
                parts.append({"type": "image_url", "image_url": {"url": _data_url(part["image"])}})
            else:
                parts.append({"type": "text", "text": part["text"]})
        if len(parts) == 1 and parts[0]["type"] == "text" and turn["role"] != "user":
            parts = parts[0]["text"]  # system/assistant turns as plain strings: widest support
        messages.append({"role": turn["role"], "content": parts})
    return messages


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)  # an HTTP date
        return max(0.0, when.timestamp() - time.time()) if when else None


class OpenAIDescriber:
    """Describe figures with a model behind an OpenAI-compatible chat-completions endpoint."""

    name = "openai"

    def __init__(self, **options: Any):
        self.options = _options(options)
        self._api_key = _resolve_key(self.options)
        self.describer_id = f"openai:{self.options.model}:{self.options.prompt_version}"
        self.cache = DescriptionCache(self.options.cache_dir) if self.options.cache_dir else None
        self.stats = {"requests": 0, "retries": 0, "failures": 0, "completion_tokens": 0}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the key is deliberately absent
        return f"OpenAIDescriber(base_url={self.options.base_url!r}, model={self.options.model!r})"

    # -- Describer protocol ---------------------------------------------------------------
    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        o = self.options
        settings = {"max_new_tokens": o.max_new_tokens, "temperature": o.temperature,
                    "extra_body": o.extra_body, "repair": o.repair}
        return describe_with_model(
            requests, self._generate, describer=self.describer_id, prompt_version=o.prompt_version,
            cache=self.cache, repair=o.repair,
            key_of=lambda r: cache_key(r, model_id=f"openai:{o.base_url}:{o.model}",
                                       prompt_version=o.prompt_version, settings=settings))

    # -- transport ------------------------------------------------------------------------
    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """Raw generation over neutral chat turns, concurrently, one :class:`Generation` per
        conversation with errors per item (retries and timeouts apply). Used by ``describe()``
        and by eval/synth code that needs free text from the same server."""
        return self._generate(conversations)

    def chat(self, prompt: str, image: bytes | None = None) -> str:
        """One free-text answer to ``prompt`` (with an optional image), retries included;
        raises :class:`DescriberError` when the server never answers. For synth and eval code
        (synthesizers, judges, rewriters) that needs text, not a Description."""
        content: list[dict[str, Any]] = [{"type": "image", "image": image}] if image else []
        content.append({"type": "text", "text": prompt})
        out = self._generate([[{"role": "user", "content": content}]])[0]
        if out.error or out.text is None:
            raise DescriberError(f"request to {self.options.base_url} failed: {out.error or 'no text'}")
        return out.text

    def _generate(self, convs: list[Conversation]) -> list[Generation]:
        httpx = require("httpx", "the openai describer")
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        limits = httpx.Limits(max_connections=self.options.concurrency,
                              max_keepalive_connections=self.options.concurrency)
        with httpx.Client(base_url=self.options.base_url, headers=headers, limits=limits,
                          timeout=self.options.timeout) as client:
            with ThreadPoolExecutor(max_workers=self.options.concurrency,
                                    thread_name_prefix="dicmodel-openai") as pool:
                return list(pool.map(lambda c: self._one(client, c), convs))

    def _payload(self, conv: Conversation) -> dict[str, Any]:
        o = self.options
        body = {"model": o.model, "messages": to_openai_messages(conv), "max_tokens": o.max_new_tokens,
                "temperature": o.temperature}
        body.update(o.extra_body)
        return body

    def _one(self, client: Any, conv: Conversation) -> Generation:
        try:
            return self._with_retries(client, self._payload(conv))
        except Exception as err:  # anything unforeseen stays with this figure, not the batch
            self._count("failures")
            return Generation(error=f"{type(err).__name__}: {err}")

    def _with_retries(self, client: Any, payload: dict[str, Any]) -> Generation:
        last = "no attempt made"
        for attempt in range(self.options.max_retries + 1):
            if attempt:
                self._count("retries")
            outcome, wait = self._attempt(client, payload)
            if isinstance(outcome, Generation):
                return outcome
            last = outcome
            if wait is None or attempt == self.options.max_retries:
                break
            time.sleep(self._backoff(attempt, wait))
        self._count("failures")
        return Generation(error=last)

    def _attempt(self, client: Any, payload: dict[str, Any]) -> tuple[Generation | str, float | None]:
        """One HTTP call: (Generation, None) on success, else (reason, retry-after or -1 if retryable
        without a hint, None if not retryable)."""
        httpx = require("httpx", "the openai describer")
        self._count("requests")
        try:
            resp = client.post("/chat/completions", json=payload)
        except httpx.TimeoutException as err:
            return f"timed out after {self.options.timeout:g} s ({type(err).__name__})", -1.0
        except httpx.TransportError as err:
            return f"connection failed: {type(err).__name__}: {err}", -1.0
        if resp.status_code != 200:
            reason = f"HTTP {resp.status_code}: {resp.text[:300]}"
            if resp.status_code in RETRY_STATUS:
                hint = _retry_after(resp.headers)
                return reason, -1.0 if hint is None else hint
            return reason, None
        return self._parse(resp), None

    def _parse(self, resp: Any) -> Generation | str:
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as err:
            return Generation(error=f"unexpected response shape ({type(err).__name__}): {resp.text[:300]}")
        tokens = int((data.get("usage") or {}).get("completion_tokens") or 0)
        self._count("completion_tokens", tokens)
        return Generation(text=text, tokens=tokens, truncated=choice.get("finish_reason") == "length")

    def _backoff(self, attempt: int, retry_after: float) -> float:
        o = self.options
        if retry_after >= 0:  # the server said when: obey it (capped), no jitter needed
            return min(retry_after, o.backoff_max)
        # exponential backoff with full jitter: spreads retries of many clients apart
        return random.uniform(0, min(o.backoff_max, o.backoff_base * (2 ** attempt)))

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.stats[key] += n


register_describer("openai", lambda **kw: OpenAIDescriber(**kw))
