"""dicmodel.train behaviour with real Trainer runs on a tiny Qwen2-VL (slow: seconds to a minute each)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_train import write_tiny_data

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from dicmodel.train import recipe_from_dict, train

pytestmark = pytest.mark.slow
PIX = {"min_pixels": 3136, "max_pixels": 3136}  # 56 x 56: 4 visual tokens per image


@pytest.fixture(autouse=True)
def one_thread():
    # on a shared 2-core machine one torch thread is far faster than two fighting for cores
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_tiny_data(tmp_path_factory.mktemp("data"), n=8)


def recipe(data: Path, out: Path, *stages: dict) -> object:
    full = [
        {
            "name": f"s{i}",
            "datasets": [{"path": str(data)}],
            "max_steps": 2,
            "batch_size": 4,
            "max_seq_len": 128,
            "warmup_ratio": 0.0,
            **PIX,
            **s,
        }
        for i, s in enumerate(stages)
    ]
    return recipe_from_dict(
        {"name": "t", "base_model": "tiny:qwen2_vl", "output_dir": str(out), "stages": full}
    )


def weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def changed_by_component(before: dict, after: dict) -> dict[str, tuple[int, int]]:
    """{component: (changed tensors, total tensors)} between two state dicts."""
    from dicmodel.train.components import component_of

    out: dict[str, list[int]] = {}
    for name, t in before.items():
        c = out.setdefault(component_of(name), [0, 0])
        c[0] += int(not torch.equal(t, after[name]))
        c[1] += 1
    return {k: tuple(v) for k, v in out.items()}


def test_loss_falls_on_a_repeated_batch(data):
    from dicmodel.models.tiny import build_tiny_vlm
    from dicmodel.train.collator import VLMCollator, set_pixel_budget
    from dicmodel.train.components import param_groups
    from dicmodel.train.data import ConversationDataset

    model, proc = build_tiny_vlm("qwen2_vl")
    set_pixel_budget(proc, 3136, 3136)
    batch = VLMCollator(proc, 128)(ConversationDataset(data).records[:4])
    opt = torch.optim.AdamW(param_groups(model, {"vision": 5e-3, "projector": 5e-3, "language": 5e-3}, 0.0))
    losses = []
    for _ in range(20):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_full_finetune_moves_trainable_components_only(data, tmp_path):
    r = recipe(data, tmp_path, {"lr": {"vision": 0.0, "projector": 1e-3, "language": 1e-3}})
    res = train(r)[0]
    diff = changed_by_component(weights(tmp_path / "base"), weights(res.output_dir))
    assert diff["vision"][0] == 0
    assert diff["projector"][0] == diff["projector"][1]  # every projector tensor moved
    assert diff["language"][0] >= diff["language"][1] - 1  # all but possibly a never-hit embedding row set
    params = res.metrics["parameters"]
    assert (
        params["vision"]["trainable"] == 0
        and params["projector"]["trainable"] == params["projector"]["total"]
    )


def test_lora_moves_adapted_language_layers_only(data, tmp_path):
    r = recipe(
        data,
        tmp_path,
        {
            "lr": {"vision": 0.0, "projector": 0.0, "language": 2e-3},
            "lora": {"r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]},
        },
    )
    res = train(r)[0]
    diff = changed_by_component(weights(tmp_path / "base"), weights(res.output_dir))  # merged output
    assert diff["vision"][0] == 0 and diff["projector"][0] == 0
    after, before = weights(res.output_dir), weights(tmp_path / "base")
    moved = {n for n in before if not torch.equal(before[n], after[n])}
    assert moved and all(n.endswith(("q_proj.weight", "v_proj.weight")) for n in moved), moved
    from dicmodel.train.components import component_of

    assert all(component_of(n) == "language" for n in moved), moved  # saved names: model.layers.*
    params = res.metrics["parameters"]
    assert params["language"]["trainable"] > 0 and params["vision"]["trainable"] == 0


def _logits(model, proc, data: Path) -> torch.Tensor:
    from dicmodel.train.collator import VLMCollator, set_pixel_budget
    from dicmodel.train.data import ConversationDataset

    set_pixel_budget(proc, 3136, 3136)
    batch = VLMCollator(proc, 128)(ConversationDataset(data).records[:2])
    model.eval()
    with torch.no_grad():
        return model(**batch).logits


@pytest.mark.parametrize("after", ["merge", "continue"])
def test_saved_stage_reloads_with_identical_logits(data, tmp_path, after):
    import peft
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from dicmodel.models.compat import patch_processors_without_torchvision
    from dicmodel.train.stages import (
        load_start,
        materialize_base,
        prepare_model,
        save_stage_output,
    )

    r = recipe(
        data,
        tmp_path,
        {"lr": {"projector": 1e-3, "language": 1e-3}, "lora": {"r": 4, "alpha": 8, "after_stage": after}},
        {"lr": {"language": 1e-3}, "lora": {"r": 4, "alpha": 8}},
    )
    start = materialize_base(r, tmp_path)
    model, proc = load_start(start, bf16=False, trainable_adapter=False)
    model = prepare_model(model, r.stages[0], continuing_adapter=False)
    with torch.no_grad():  # make the adapter non-trivial (lora_B starts at zero)
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    expected = _logits(model, proc, data)
    nxt = save_stage_output(model, proc, r.stages[0], r, start, tmp_path / "s0", {"x": 1})
    # load the way the hf describer does: AutoModel + AutoProcessor (+ peft adapter)
    patch_processors_without_torchvision()
    loaded = AutoModelForImageTextToText.from_pretrained(nxt.model)
    if after == "continue":
        assert nxt.adapter and (Path(nxt.adapter) / "adapter_config.json").is_file()
        loaded = peft.PeftModel.from_pretrained(loaded, nxt.adapter)
    else:
        assert nxt.adapter is None and nxt.model == str(tmp_path / "s0")
    got = _logits(loaded, AutoProcessor.from_pretrained(nxt.adapter or nxt.model), data)
    assert torch.allclose(expected, got, atol=1e-5)
    assert json.loads((tmp_path / "s0" / "metrics.json").read_text())["completed"] is True
    assert (tmp_path / "s0" / "stage.json").is_file() and (tmp_path / "s0" / "recipe.json").is_file()


def test_three_stage_chain_each_starts_from_the_last(data, tmp_path):
    r = recipe(
        data,
        tmp_path,
        {
            "lr": {"projector": 1e-3, "language": 1e-3},  # full, with a per-stage eval
            "eval": {"path": str(data), "every": 1, "max_samples": 2, "max_new_tokens": 4},
        },
        {"lr": {"language": 1e-3}, "lora": {"r": 4, "alpha": 8, "after_stage": "merge"}},
        {"lr": {"language": 1e-3}, "lora": {"r": 4, "alpha": 8, "after_stage": "continue"}},
    )
    res = train(r)
    assert [x.stage for x in res] == ["s0", "s1", "s2"]
    assert res[0].metrics["start"]["model"] == str(tmp_path / "base")
    assert res[1].metrics["start"]["model"] == str(tmp_path / "s0")
    assert res[2].metrics["start"]["model"] == str(tmp_path / "s1")
    assert res[2].next_start.adapter == str(tmp_path / "s2")
    assert all(x.metrics["global_step"] == 2 for x in res)
    ev = res[0].metrics["eval"]
    assert ev["n"] == 2 and 0 <= ev["bleu"] <= 100 and res[0].metrics["eval_loss"] > 0
    rows = [json.loads(line) for line in (tmp_path / "s1" / "log.jsonl").read_text().splitlines()]
    steps = [row for row in rows if "loss" in row]
    assert steps and all(
        row["tokens_per_s"] > 0 and row["samples_per_s"] > 0 and "learning_rate" in row for row in steps
    )
    # stage 1's change survives into stage 2's start: s1 output differs from base in the projector too
    diff = changed_by_component(weights(tmp_path / "base"), weights(tmp_path / "s1"))
    assert diff["projector"][0] > 0  # trained in s0 only, so it came through the chain


def test_resume_continues_from_the_last_checkpoint_step(data, tmp_path):
    from dicmodel.train.callbacks import SimulatedCrash, StopAtStep

    r = recipe(data, tmp_path, {"max_steps": 6, "save_steps": 2, "batch_size": 2, "lr": {"language": 1e-3}})
    with pytest.raises(SimulatedCrash):
        train(r, callbacks=[StopAtStep(3)])
    assert (tmp_path / "s0" / "checkpoints" / "checkpoint-2").is_dir()
    assert not (tmp_path / "s0" / "metrics.json").exists()
    res = train(r, resume=True)[0]
    assert res.metrics["resumed_from"].endswith("checkpoint-2")
    assert res.metrics["global_step"] == 6
    rows = [json.loads(line) for line in (tmp_path / "s0" / "log.jsonl").read_text().splitlines()]
    logged = [row["step"] for row in rows if "loss" in row]
    assert logged == [1, 2, 3, 4, 5, 6]  # steps 1-2 ran once (before the crash), 3-6 after resuming
    again = train(r, resume=True)[0]  # a completed stage is skipped, not retrained
    assert again.skipped and again.metrics["global_step"] == 6
    # a fresh run over that output which crashes must not leave it looking complete
    with pytest.raises(SimulatedCrash):
        train(r, callbacks=[StopAtStep(1)])
    assert not (tmp_path / "s0" / "metrics.json").exists()
    assert not train(r, resume=True)[0].skipped


def test_hf_describer_loads_stage_outputs(data, tmp_path):
    from dicmodel.describe import hf  # part of the package: a break must fail, not skip
    r = recipe(
        data,
        tmp_path,
        {"lr": {"language": 1e-3}, "lora": {"r": 4, "alpha": 8, "after_stage": "merge"}},
        {"lr": {"language": 1e-3}, "lora": {"r": 4, "alpha": 8, "after_stage": "continue"}},
    )
    merged, adapter = (x.next_start for x in train(r))
    for start in (merged, adapter):
        d = hf.HFDescriber(model=start.model, adapter=start.adapter, device="cpu", max_new_tokens=4).load()
        assert d.model is not None and d.processor is not None


@pytest.mark.parametrize("model_type", ["qwen2_5_vl", "qwen3_vl"])
def test_other_qwen_families_train_on_assistant_tokens(data, model_type):
    from dicmodel.models.tiny import build_tiny_vlm
    from dicmodel.train.collator import IGNORE_INDEX, VLMCollator, set_pixel_budget
    from dicmodel.train.components import param_groups
    from dicmodel.train.data import ConversationDataset

    model, proc = build_tiny_vlm(model_type)
    set_pixel_budget(proc, 4096, 4096)  # Qwen3-VL patches are 16 px
    records = ConversationDataset(data).records[:2]
    batch = VLMCollator(proc, 128)(records)
    learned = proc.tokenizer.decode(batch["input_ids"][0][batch["labels"][0] != IGNORE_INDEX])
    assert learned == records[0]["messages"][1]["content"][0]["text"] + "<|im_end|>\n"
    opt = torch.optim.AdamW(param_groups(model, {"vision": 5e-3, "projector": 5e-3, "language": 5e-3}, 0.0))
    losses = []
    for _ in range(6):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5, losses


def test_cli_trains_a_recipe(data, tmp_path, capsys):
    import yaml

    from dicmodel.cli import main

    stage = {
        "name": "only",
        "datasets": [{"path": str(data)}],
        "max_steps": 1,
        "batch_size": 2,
        "lr": {"language": 1e-3},
        **PIX,
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"name": "cli", "base_model": "tiny:qwen2_vl", "stages": [stage]}))
    assert main(["train", str(path), "--output-dir", str(tmp_path / "out"), "--threads", "1"]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["stage"] == "only" and row["global_step"] == 1
    assert (tmp_path / "out" / "only" / "model.safetensors").is_file()


def test_single_stage_runs_start_from_the_previous_output(data, tmp_path):
    from dicmodel.errors import ConfigError

    r = recipe(
        data, tmp_path, {"max_steps": 1, "lr": {"language": 1e-3}}, {"max_steps": 1, "lr": {"language": 1e-3}}
    )
    with pytest.raises(ConfigError, match="run that stage first"):
        train(r, stage="s1")
    assert train(r, stage="s0")[0].stage == "s0"
    second = train(r, stage="s1")
    assert [x.stage for x in second] == ["s1"]
    assert second[0].metrics["start"]["model"] == str(tmp_path / "s0")
