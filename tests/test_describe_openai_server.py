"""FakeOpenAIServer itself: routes, scripted replies, recording, stop while a handler sleeps."""

from __future__ import annotations

import threading

import httpx
import pytest

from dicmodel.testing import FakeOpenAIServer

pytestmark = pytest.mark.network


def chat(server: FakeOpenAIServer, text: str = "hi", **kw) -> httpx.Response:
    return httpx.post(server.base_url + "/chat/completions",
                      json={"model": "m", "messages": [{"role": "user", "content": text}]}, **kw)


def test_models_route_and_unknown_routes():
    with FakeOpenAIServer(model="tiny") as server:
        assert httpx.get(server.base_url + "/models").json()["data"][0]["id"] == "tiny"
        assert httpx.get(server.base_url + "/nope").status_code == 404
        assert httpx.post(server.base_url + "/completions", json={}).status_code == 404


def test_queue_then_reply_function_then_headers():
    with FakeOpenAIServer(lambda body: "from function",
                          replies=["first", (503, "busy", {"Retry-After": "7"})]) as server:
        r1, r2, r3 = chat(server), chat(server), chat(server, "third")
    assert r1.json()["choices"][0]["message"]["content"] == "first"
    assert r2.status_code == 503 and r2.headers["retry-after"] == "7" and r2.text == "busy"
    assert r3.json()["choices"][0]["message"]["content"] == "from function"
    assert [b["messages"][0]["content"] for b in server.requests] == ["hi", "hi", "third"]


def test_a_failing_script_answers_500():
    def boom(body):
        raise KeyError("x")

    with FakeOpenAIServer(boom) as server:
        r = chat(server)
    assert r.status_code == 500 and "KeyError" in r.text


def test_counts_in_flight_requests_and_stops_while_sleeping():
    # the barrier only opens when four requests are inside the server at the same time
    barrier = threading.Barrier(4, timeout=20)
    with FakeOpenAIServer(lambda body: str(barrier.wait())) as server:
        threads = [threading.Thread(target=chat, args=(server,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.max_in_flight == 4 and server.in_flight == 0
        # a request still sleeping when the server stops must not keep the test waiting
        server.delay = 30.0
        with pytest.raises(httpx.HTTPError):
            chat(server, timeout=0.2)
