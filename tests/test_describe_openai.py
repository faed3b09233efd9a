"""The openai describer against a real OpenAI-compatible server on loopback (FakeOpenAIServer)."""

from __future__ import annotations

import base64
import io
import threading

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.document import FigureType
from dicmodel.errors import ConfigError
from dicmodel.testing import FakeOpenAIServer, request_images, request_text

pytestmark = pytest.mark.network

GOOD = ("The UE sends an Attach Request to the MME, which answers with Attach Accept.\n\n"
        "```mermaid\nsequenceDiagram\n  participant UE\n  participant MME\n"
        "  UE->>MME: Attach Request\n  MME-->>UE: Attach Accept\n```")
BROKEN = ("A router links two hosts.\n\n```mermaid\nflowchart LR\n  H1[\"Host 1\"] --> R[\"Router\"\n"
          "  R --> H2[\"Host 2\"]\n```")
FIXED = "```mermaid\nflowchart LR\n  H1[\"Host 1\"] --> R[\"Router\"]\n  R --> H2[\"Host 2\"]\n```"


def png(color: str = "white", size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def req(i: int, **kw) -> FigureRequest:
    return FigureRequest(figure_id=f"f{i}", image=png(size=(20 + i, 20)), **kw)


def describer(server: FakeOpenAIServer, **kw):
    opts = dict(base_url=server.base_url, model="fake", backoff_base=0.01, backoff_max=0.05,
                timeout=5.0)
    opts.update(kw)
    return get_describer("openai", **opts)


def test_sends_image_and_context_and_parses_the_answer():
    with FakeOpenAIServer(replies=[GOOD]) as server:
        r = req(0, caption="Figure 4: Attach procedure", section="5.3 Attach",
                context=["The attach procedure is shown in Figure 4."], figure_type=FigureType.sequence)
        [d] = describer(server, api_key="sk-test-123").describe([r])
    sent = server.requests[0]
    assert sent["model"] == "fake" and sent["max_tokens"] == 1024
    [url] = request_images(sent)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == r.image
    text = request_text(sent)
    assert "Figure 4: Attach procedure" in text and "5.3 Attach" in text and "shown in Figure 4" in text
    assert "sequenceDiagram" in text  # the sequence prompt was chosen from the hint
    assert server.headers[0]["Authorization"] == "Bearer sk-test-123"
    assert d.figure_type == FigureType.sequence and d.confidence > 0.5
    assert [m.text for m in d.diagram.messages] == ["Attach Request", "Attach Accept"]
    assert d.text.startswith("The UE sends") and "```" not in d.text
    assert d.describer == "openai:fake:v1" and d.warnings == []


def test_api_key_from_environment_and_never_in_repr(monkeypatch):
    monkeypatch.setenv("MY_KEY", "secret-xyz")
    with FakeOpenAIServer() as server:
        d = describer(server, api_key_env="MY_KEY")
        d.describe([req(0)])
    assert server.headers[0]["Authorization"] == "Bearer secret-xyz"
    assert "secret-xyz" not in repr(d) and "secret-xyz" not in repr(d.options)


def test_missing_key_env_is_a_config_error():
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE"):
        get_describer("openai", base_url="http://127.0.0.1:9/v1", model="m", api_key_env="NOT_SET_ANYWHERE")


def test_bad_options_name_the_field():
    with pytest.raises(ConfigError, match="concurrency"):
        get_describer("openai", base_url="http://127.0.0.1:9/v1", model="m", concurrency=0)
    with pytest.raises(ConfigError, match="base_url"):
        get_describer("openai", base_url="localhost:8000", model="m")


def test_concurrency_bound_is_respected():
    # answers are released three at a time, only once three requests are in flight together:
    # a client below the bound would stall (and fail), one above it would push max_in_flight past 3
    barrier = threading.Barrier(3, timeout=20)

    def reply(body):
        barrier.wait()
        return "A figure."

    with FakeOpenAIServer(reply=reply, delay=0.05) as server:
        out = describer(server, concurrency=3).describe([req(i) for i in range(9)])
    assert len(out) == 9 and all(d.confidence > 0 for d in out)
    assert server.max_in_flight == 3  # it reached the bound (parallel) and never passed it


def test_retries_on_429_and_500_then_succeeds():
    script = [(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"}),
              (500, {"error": {"message": "boom"}}), GOOD]
    with FakeOpenAIServer(replies=script) as server:
        d = describer(server, concurrency=1)
        [out] = d.describe([req(0)])
    assert len(server.requests) == 3
    assert out.confidence > 0.5 and out.diagram is not None
    assert d.stats["retries"] == 2 and d.stats["failures"] == 0


def test_client_errors_are_not_retried_and_are_recorded():
    with FakeOpenAIServer(replies=[(400, {"error": {"message": "bad image"}})]) as server:
        [out] = describer(server).describe([req(0)])
    assert len(server.requests) == 1
    assert out.confidence == 0 and "HTTP 400" in out.warnings[0]


def test_timeout_is_recorded_per_figure_and_the_batch_completes():
    slow = {"f1"}

    def delay(body, index):
        return 8.0 if "SLOW" in request_text(body) else 0.0  # cut short when the server stops

    requests = [req(i, caption="SLOW figure" if f"f{i}" in slow else "fast figure") for i in range(3)]
    with FakeOpenAIServer(reply=lambda body: "A figure.", delay=delay) as server:
        # generous next to a loopback round trip, so a loaded CI machine does not time out the fast ones
        out = describer(server, timeout=1.5, max_retries=1).describe(requests)
    assert [d.confidence > 0 for d in out] == [True, False, True]
    assert "timed out" in out[1].warnings[0]
    slow_calls = [b for b in server.requests if "SLOW" in request_text(b)]
    assert len(slow_calls) == 2  # first try + one retry


def test_unreachable_server_records_connection_errors():
    with FakeOpenAIServer() as server:
        url = server.base_url
    # the server is stopped: the port refuses connections
    out = get_describer("openai", base_url=url, model="m", max_retries=1, backoff_base=0.01).describe(
        [req(0), req(1)])
    assert all(d.confidence == 0 and "connection failed" in d.warnings[0] for d in out)


def test_malformed_mermaid_is_repaired_by_a_second_call():
    with FakeOpenAIServer(replies=[BROKEN, FIXED]) as server:
        [out] = describer(server).describe([req(0, figure_type=FigureType.topology)])
    assert len(server.requests) == 2
    repair = server.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-2]["content"] == BROKEN
    asked = repair[-1]["content"][0]["text"]
    assert "line 2" in asked and "does not parse" in asked  # the parser's message, with its line
    assert out.diagram is not None and {n.label for n in out.diagram.nodes} == {"Host 1", "Router", "Host 2"}
    assert out.figure_type == FigureType.topology and out.diagram.kind == "topology"
    assert out.text == "A router links two hosts."  # the prose of the first answer is kept
    assert any("repaired" in w for w in out.warnings)


def test_unrepairable_mermaid_is_reported_and_prose_kept():
    with FakeOpenAIServer(replies=[BROKEN, BROKEN]) as server:
        [out] = describer(server).describe([req(0)])
    assert len(server.requests) == 2
    assert out.diagram is None and out.text == "A router links two hosts."
    assert any("does not parse after one repair" in w and "line 2" in w for w in out.warnings)
    assert 0 < out.confidence < 0.5


def test_truncated_answer_is_flagged():
    def reply(body):
        from dicmodel.testing import chat_completion

        payload = chat_completion("The flow starts at", "fake")
        payload["choices"][0]["finish_reason"] = "length"
        return 200, payload

    with FakeOpenAIServer(reply=reply) as server:
        [out] = describer(server, max_new_tokens=5).describe([req(0)])
    assert server.requests[0]["max_tokens"] == 5
    assert any("max_new_tokens" in w for w in out.warnings)


def test_cache_skips_the_server_on_the_second_run(tmp_path):
    with FakeOpenAIServer(reply=lambda body: GOOD) as server:
        first = describer(server, cache_dir=str(tmp_path)).describe([req(0), req(1)])
        assert len(server.requests) == 2
        again = describer(server, cache_dir=str(tmp_path)).describe([req(0), req(1), req(2)])
    assert len(server.requests) == 3  # only the new figure went to the server
    assert [d.model_dump() for d in again[:2]] == [d.model_dump() for d in first]


def test_public_generate_returns_free_text_per_conversation():
    with FakeOpenAIServer(reply=lambda body: "echo: " + request_text(body)[-5:]) as server:
        conv = [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]
        gens = describer(server).generate([conv])
    assert gens[0].text == "echo: hello" and gens[0].error is None
    assert server.requests[0]["messages"] == conv


def test_option_errors_never_echo_the_key():
    with pytest.raises(ConfigError) as info:
        get_describer("openai", base_url="http://127.0.0.1:9/v1", model="m", api_key="sk-SECRET",
                      concurrency=0)
    assert "concurrency" in str(info.value) and "sk-SECRET" not in str(info.value)
    assert info.value.__cause__ is None  # the pydantic error (which holds the inputs) is not chained
