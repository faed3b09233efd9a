"""A real OpenAI-compatible chat-completions server on loopback, scripted by the test.

This is the project's replaceable part for tests above the model layer (the role httpx's
``MockTransport`` plays for httpx users): instead of mocking the HTTP client, a test starts a
real HTTP server on ``127.0.0.1`` (ephemeral port, stdlib ``http.server`` in a thread), points
the ``openai`` describer (or any OpenAI client) at ``server.base_url`` and scripts what the
"model" answers. Nothing leaves the machine.

It speaks the part of the API the describers use:

- ``POST /v1/chat/completions``: answers ``{"choices": [{"message": {"content": ...}}], ...}``
- ``GET /v1/models``: lists the one model name given to the server

What the server answers, in order of precedence:

1. ``replies``: a queue; each request pops the next item while any are left.
2. ``reply``: a function ``reply(request_json) -> item`` called for every other request.
3. otherwise a fixed one-line answer.

``model_reply(describer.generate)`` makes a ``reply`` that answers with a real model (for
example the ``hf`` describer on a tiny checkpoint), so the whole path client -> HTTP -> model
can run on loopback.

An *item* is one of:

- ``str``: the assistant message content of a 200 answer;
- ``(status_code, body)`` or ``(status_code, body, headers)``: a raw answer; ``body`` is a
  ``dict`` (sent as JSON) or ``str``; use it for 429 / 500 and ``{"Retry-After": "0"}``;
- a callable: called with the request JSON, its result is used as the item.

Delays (to provoke client timeouts) come from ``delay``: seconds, or a function
``delay(request_json, index) -> seconds`` where ``index`` counts requests from 0. A delay is
cut short when the server stops, so a test never waits on a sleeping handler.

The server records every request (``.requests``: the parsed JSON bodies in arrival order,
``.headers``: their headers) and counts concurrent in-flight chat requests
(``.in_flight``, ``.max_in_flight``), so a test can check a client's concurrency bound.

    with FakeOpenAIServer(replies=[(429, {"error": "slow down"}, {"Retry-After": "0"}),
                                   "A router connects two hosts."]) as server:
        describer = get_describer("openai", base_url=server.base_url, model="fake")
        ...
        assert len(server.requests) == 2
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAIServer", "Reply", "chat_completion", "request_text", "request_images",
           "to_conversation", "model_reply"]

Reply = Any  # str | tuple[int, dict | str] | tuple[int, dict | str, dict] | Callable[[dict], Reply]

DEFAULT_ANSWER = "The figure shows a diagram."


def chat_completion(content: str, model: str = "fake-model", prompt_tokens: int = 0) -> dict[str, Any]:
    """The JSON body of a successful chat completion carrying ``content``."""
    return {
        "id": f"chatcmpl-fake-{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        # whitespace words stand in for tokens: enough for throughput bookkeeping in tests
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content.split()),
                  "total_tokens": prompt_tokens + len(content.split())},
    }


def request_text(request_json: dict[str, Any]) -> str:
    """All text parts of the request's messages joined: handy inside ``reply`` functions."""
    parts: list[str] = []
    for msg in request_json.get("messages", []):
        content = msg.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p.get("text", "") for p in content if p.get("type") == "text")
    return "\n".join(parts)


def request_images(request_json: dict[str, Any]) -> list[str]:
    """The ``image_url.url`` values (data URLs) of the request's messages."""
    urls: list[str] = []
    for msg in request_json.get("messages", []):
        content = msg.get("content")
        if isinstance(content, list):
            urls.extend(p["image_url"]["url"] for p in content if p.get("type") == "image_url")
    return urls


def to_conversation(request_json: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenAI messages -> dicmodel's neutral chat turns (data URLs decoded back to bytes)."""
    import base64

    turns = []
    for msg in request_json.get("messages", []):
        content = msg.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else []
        for p in content if isinstance(content, list) else []:
            if p.get("type") == "image_url":
                url = p["image_url"]["url"]
                parts.append({"type": "image", "image": base64.b64decode(url.split(",", 1)[1])})
            elif p.get("type") == "text":
                parts.append({"type": "text", "text": p["text"]})
        turns.append({"role": msg["role"], "content": parts})
    return turns


def model_reply(generate: Callable[[list[list[dict[str, Any]]]], list[Any]],
                ) -> Callable[[dict[str, Any]], Reply]:
    """A ``reply`` function that answers with a real model: ``generate`` is a describer's
    ``generate`` (e.g. the ``hf`` describer on a tiny checkpoint). A generation error becomes a
    500 answer, as a real server's would."""

    def reply(body: dict[str, Any]) -> Reply:
        [gen] = generate([to_conversation(body)])
        if getattr(gen, "error", None):
            return 500, {"error": {"message": gen.error}}
        return gen.text or ""

    return reply


class FakeOpenAIServer:
    """An OpenAI-compatible chat server on ``127.0.0.1`` for tests; use it as a context manager."""

    def __init__(self, reply: Callable[[dict[str, Any]], Reply] | None = None, *,
                 replies: Iterable[Reply] = (), delay: float | Callable[[dict[str, Any], int], float] = 0.0,
                 model: str = "fake-model", host: str = "127.0.0.1"):
        self.reply = reply
        self.replies: deque[Reply] = deque(replies)
        self.delay = delay
        self.model = model
        self.host = host
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer((self.host, 0), handler)
        self._httpd.daemon_threads = True  # a handler stuck in a delay never blocks exit
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-openai",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not running; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what OpenAI clients take as ``base_url``."""
        return f"http://{self.host}:{self.port}/v1"

    # -- request handling (called from handler threads) -------------------------------------
    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> int:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return len(self.requests) - 1

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _next_item(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
        if self.reply is not None:
            return self.reply(body)
        return DEFAULT_ANSWER

    def _wait(self, body: dict[str, Any], index: int) -> None:
        seconds = self.delay(body, index) if callable(self.delay) else self.delay
        if seconds and seconds > 0:
            self._stopping.wait(seconds)

    def answer(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """(status, body, headers) for one chat request: the scripted item, resolved."""
        item = self._next_item(body)
        while callable(item):
            item = item(body)
        if isinstance(item, str):
            return 200, chat_completion(item, body.get("model", self.model)), {}
        if isinstance(item, tuple) and len(item) in (2, 3):
            return int(item[0]), item[1], dict(item[2]) if len(item) == 3 else {}
        raise TypeError(f"a FakeOpenAIServer reply must be str, (status, body[, headers]) or a "
                        f"callable, got {type(item).__name__}")


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass  # keep test output clean

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to answer

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [
                    {"id": server.model, "object": "model", "owned_by": "dicmodel-tests"}]})
            else:
                self._send(404, {"error": {"message": f"no route GET {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, {"error": {"message": f"no route POST {self.path}"}})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as err:
                self._send(400, {"error": {"message": f"request body is not JSON: {err}"}})
                return
            index = server._record(body, dict(self.headers.items()))
            try:
                server._wait(body, index)
                status, payload, headers = server.answer(body)
            except Exception as err:  # a broken script must show up as a 500, not a hang
                status, payload, headers = 500, {"error": {"message": f"reply script failed: {err!r}"}}, {}
            finally:
                server._done()
            self._send(status, payload, headers)

    return Handler
