"""The hf describer with tiny, randomly initialised Qwen2-VL / Qwen2.5-VL checkpoints on CPU.

Random weights answer gibberish, so these tests check the machinery: loading (with and without
a LoRA adapter), batching and order, valid Descriptions with honest warnings, the cache.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.document import Description, FigureType
from dicmodel.errors import ConfigError

pytest.importorskip("torch")
pytest.importorskip("transformers")


def png(size: tuple[int, int], color: str = "white") -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).rectangle([4, 4, size[0] // 2, size[1] // 2], outline="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


SIZES = [(40, 40), (120, 60), (64, 90), (200, 100), (48, 48)]


def requests() -> list[FigureRequest]:
    return [FigureRequest(figure_id=f"f{i}", image=png(s), caption=f"Figure {i}: a flow",
                          figure_type=FigureType.flowchart if i % 2 == 0 else None)
            for i, s in enumerate(SIZES)]


@pytest.fixture(scope="module", params=["qwen2_vl", "qwen2_5_vl"])
def tiny(request, tmp_path_factory) -> Path:
    from dicmodel.models.tiny import save_tiny_vlm

    return save_tiny_vlm(tmp_path_factory.mktemp(request.param), request.param)


@pytest.fixture(scope="module")
def lora(tiny, tmp_path_factory) -> Path:
    """A LoRA adapter on the tiny model, with non-zero B matrices so it changes the outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    base = AutoModelForImageTextToText.from_pretrained(tiny, local_files_only=True)
    peft_model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)  # peft initialises B to zero: the adapter would be a no-op
    out = tmp_path_factory.mktemp("lora")
    peft_model.save_pretrained(out)
    return out


def hf(model: Path, **kw):
    opts = dict(model=str(model), device="cpu", batch_size=2, max_new_tokens=12)
    opts.update(kw)
    return get_describer("hf", **opts)


@pytest.mark.slow
def test_batch_gives_valid_descriptions_in_request_order(tiny):
    d = hf(tiny)
    out = d.describe(requests())
    assert len(out) == len(SIZES) and all(isinstance(x, Description) for x in out)
    assert d.stats["generate_calls"] == 3  # 5 figures at batch 2
    assert d.stats["figures"] == 5 and d.stats["generated_tokens"] > 0
    for i, desc in enumerate(out):
        assert desc.describer == f"hf:{tiny.name}:v1"
        if i % 2 == 0:  # the hint survives gibberish, and the missing Mermaid is reported
            assert desc.figure_type == FigureType.flowchart
            assert any("no ```mermaid block" in w for w in desc.warnings)
        assert desc.confidence <= 0.6  # nothing was verified in random-weight output
    # order: each answer must equal the answer for that figure described alone
    alone = hf(tiny, batch_size=1).describe([requests()[3]])[0]
    assert alone.text == out[3].text


@pytest.mark.slow
def test_lora_adapter_loads_and_changes_the_answers(tiny, lora):
    reqs = requests()[:2]
    base = hf(tiny).describe(reqs)
    for merge in (True, False):
        d = hf(tiny, adapter=str(lora), merge_adapter=merge)
        tuned = d.describe(reqs)
        assert d.describer_id == f"hf:{tiny.name}+{lora.name}:v1"
        assert [t.text for t in tuned] != [b.text for b in base]
        assert all(t.describer == d.describer_id for t in tuned)


@pytest.mark.slow
def test_cache_hit_on_the_second_run_skips_the_model(tiny, tmp_path):
    reqs = requests()
    first = hf(tiny, cache_dir=str(tmp_path)).describe(reqs)
    second_describer = hf(tiny, cache_dir=str(tmp_path))
    second = second_describer.describe(reqs)
    assert second_describer.stats["generate_calls"] == 0 and second_describer.model is None
    assert [d.model_dump() for d in second] == [d.model_dump() for d in first]
    # a different generation setting is a different key: the model runs again
    other = hf(tiny, cache_dir=str(tmp_path), max_new_tokens=5)
    other.describe(reqs[:1])
    assert other.stats["generate_calls"] == 1


@pytest.mark.slow
def test_bad_image_and_missing_image_do_not_abort_the_batch(tiny):
    reqs = [FigureRequest(figure_id="bad", image=b"not a png"), FigureRequest(figure_id="none"),
            requests()[0]]
    out = hf(tiny).describe(reqs)
    assert out[0].confidence == 0 and "cannot be decoded" in out[0].warnings[0]
    assert out[1].confidence == 0 and "no image" in out[1].warnings[0]
    assert out[2].text  # the good one was described


@pytest.mark.slow
def test_answer_at_token_limit_is_flagged(tiny):
    [desc] = hf(tiny, max_new_tokens=4, min_new_tokens=4).describe(requests()[:1])
    assert any("max_new_tokens" in w for w in desc.warnings)


def test_missing_model_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        get_describer("hf", model=str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="hub id"):
        get_describer("hf", model="Qwen/Qwen2.5-VL-7B-Instruct")
    with pytest.raises(ConfigError, match="config.json"):
        get_describer("hf", model=str(tmp_path))


def test_bad_options_name_the_field(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="batch_size"):
        get_describer("hf", model=str(tmp_path), batch_size=0)
    with pytest.raises(ConfigError, match="min_pixels"):
        get_describer("hf", model=str(tmp_path), min_pixels=10_000, max_pixels=5_000)
    with pytest.raises(ConfigError, match="device"):
        get_describer("hf", model=str(tmp_path), device="tpu")
    with pytest.raises(ConfigError, match="adapter"):
        get_describer("hf", model=str(tmp_path), adapter=str(tmp_path))  # no adapter_config.json
    with pytest.raises(ConfigError, match="unknown_option|extra"):
        get_describer("hf", model=str(tmp_path), unknown_option=1)


def test_pixel_budget_scales_and_pads():
    from PIL import Image

    from dicmodel.describe.hf import _fit_budget

    big = _fit_budget(Image.new("RGB", (2000, 1000)), 1024, 100_000)
    assert big.size[0] * big.size[1] <= 100_000 and abs(big.size[0] / big.size[1] - 2) < 0.05
    small = _fit_budget(Image.new("RGB", (20, 20)), 64 * 64, 100_000)
    assert small.size[0] * small.size[1] >= 60 * 60
    strip = _fit_budget(Image.new("RGB", (600, 8)), 1024, 100_000)
    assert min(strip.size) >= 32


@pytest.mark.slow
def test_repair_round_trip_runs_through_the_chat_template(tiny):
    """A first answer with broken Mermaid makes the describer continue the chat with the parser's
    error; the tiny model cannot fix it, so the failure is reported and the prose kept."""
    from dicmodel.describe._output import Generation, describe_with_model

    d = hf(tiny)
    broken = 'Two hosts.\n```mermaid\nflowchart LR\n  A["Host" --> B\n```'
    seen = []

    def generate(convs):
        seen.append([len(c) for c in convs])
        if len(convs[0]) == 2:  # first pass: stand in for a model that wrote broken Mermaid
            return [Generation(text=broken) for _ in convs]
        return d._generate(convs)  # the repair pass runs on the real (tiny) model

    out = describe_with_model(requests()[:2], generate, describer=d.describer_id)
    assert seen == [[2, 2], [4, 4]] and d.stats["generate_calls"] == 1
    for desc in out:
        assert desc.text.startswith("Two hosts.")
        assert any("after one repair round trip" in w for w in desc.warnings)


@pytest.mark.slow
def test_public_generate_handles_text_only_and_mixed_batches(tiny):
    d = hf(tiny)
    text_only = [{"role": "user", "content": [{"type": "text", "text": "Which layer carries RRC?"}]}]
    with_image = [{"role": "user", "content": [{"type": "image", "image": png((50, 50))},
                                               {"type": "text", "text": "Describe."}]}]
    gens = d.generate([text_only, with_image, text_only])
    assert [g.error for g in gens] == [None, None, None] and all(g.tokens > 0 for g in gens)
    assert gens[0].text == gens[2].text  # same prompt, greedy: same answer wherever it sits


@pytest.mark.slow
def test_unloadable_weights_raise_backend_unavailable(tmp_path):
    from dicmodel.errors import BackendUnavailableError

    (tmp_path / "config.json").write_text('{"model_type": "no_such_architecture"}')
    d = get_describer("hf", model=str(tmp_path), device="cpu")
    with pytest.raises(BackendUnavailableError, match="cannot load the hf model"):
        d.describe(requests()[:1])
