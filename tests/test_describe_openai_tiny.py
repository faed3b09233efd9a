"""The whole path on loopback: openai describer -> HTTP -> FakeOpenAIServer -> tiny Qwen2-VL."""

from __future__ import annotations

import io

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.testing import FakeOpenAIServer, model_reply

pytest.importorskip("torch")
pytestmark = [pytest.mark.network, pytest.mark.slow]


def png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, format="PNG")
    return buf.getvalue()


def test_openai_describer_against_a_server_running_the_tiny_model(tmp_path):
    from dicmodel.models.tiny import save_tiny_vlm

    hf = get_describer("hf", model=str(save_tiny_vlm(tmp_path / "m", "qwen2_vl")), device="cpu",
                       max_new_tokens=8)
    reqs = [FigureRequest(figure_id=str(i), image=png((40 + 10 * i, 40)), caption="Figure 1: flow")
            for i in range(2)]
    with FakeOpenAIServer(model_reply(hf.generate)) as server:
        over_http = get_describer("openai", base_url=server.base_url, model="tiny", concurrency=1,
                                  timeout=60).describe(reqs)
    direct = hf.describe(reqs)
    # same image bytes and prompt reach the model through JSON/base64: same greedy answers
    assert [d.text for d in over_http] == [d.text for d in direct]
    assert all(d.text for d in over_http) and hf.stats["figures"] == 4
