"""dicmodel.train: config validation, component split, data, collator labels (fast tests)."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dicmodel.errors import ConfigError
from dicmodel.train import load_recipe, recipe_from_dict, recipe_path

REPO = Path(__file__).resolve().parents[1]
COLORS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 70, 220)}


def write_tiny_data(root: Path, n: int = 12, seed: int = 0, size: int = 56) -> Path:
    """Tiny conversation JSONL: a coloured box or circle and a caption naming both."""
    from PIL import Image, ImageDraw

    root.mkdir(parents=True, exist_ok=True)
    (root / "img").mkdir(exist_ok=True)
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        color, shape = rng.choice(sorted(COLORS)), rng.choice(["box", "circle"])
        im = Image.new("RGB", (size, size), "white")
        draw = ImageDraw.Draw(im)
        (draw.rectangle if shape == "box" else draw.ellipse)([8, 8, size - 8, size - 8], fill=COLORS[color])
        im.save(root / "img" / f"{i}.png")
        rows.append(
            {
                "images": [f"img/{i}.png"],
                "messages": [
                    {"role": "user", "content": "<image>Describe the figure."},
                    {"role": "assistant", "content": f"a {color} {shape}"},
                ],
            }
        )
    path = root / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def stage(**kw):
    base = {"name": "s1", "datasets": [{"path": "d.jsonl"}], "max_steps": 2, "lr": {"language": 1e-3}}
    return {**base, **kw}


# ---- config ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, field",
    [
        ({"lr": {"vision": -1}}, "stages[0].lr.vision"),
        ({"lr": {"language": 0}}, "nothing would train"),
        ({"learning_rate": 1e-4}, "stages[0].learning_rate"),
        ({"max_steps": None}, "epochs or max_steps"),
        ({"lora": {"r": 0}}, "stages[0].lora.r"),
        ({"scheduler": "cosine_with_magic"}, "stages[0].scheduler"),
        ({"datasets": [{"path": "d.jsonl", "weight": 0}]}, "stages[0].datasets[0].weight"),
    ],
)
def test_invalid_stage_names_the_field(bad, field):
    with pytest.raises(ConfigError, match=__import__("re").escape(field)):
        recipe_from_dict({"name": "r", "base_model": "tiny:qwen2_vl", "stages": [stage(**bad)]})


def test_continue_adapter_needs_matching_lora_next_stage():
    s1 = stage(lora={"r": 4, "after_stage": "continue"})
    s2 = stage(name="s2", lora={"r": 8})
    with pytest.raises(ConfigError, match=r"stages\[0\]\.lora\.after_stage"):
        recipe_from_dict({"name": "r", "base_model": "tiny:qwen2_vl", "stages": [s1, s2]})


def test_bad_tiny_type_and_duplicate_stage_names():
    with pytest.raises(ConfigError, match="base_model"):
        recipe_from_dict({"name": "r", "base_model": "tiny:gpt9", "stages": [stage()]})
    with pytest.raises(ConfigError, match="unique"):
        recipe_from_dict({"name": "r", "base_model": "tiny:qwen2_vl", "stages": [stage(), stage()]})


def test_invalid_config_fails_before_anything_heavy_loads(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: r\nbase_model: tiny:qwen2_vl\nstages:\n  - {name: a, datasets: [{path: x}], "
        "epochs: 1, lr: {projector: 2.0}}\n"
    )
    code = (
        "import sys\nfrom dicmodel.train import load_recipe\ntry:\n    load_recipe(sys.argv[1])\n"
        "except Exception as e:\n    print(type(e).__name__, str(e).replace(chr(10), ' '))\n"
        "print('heavy:', sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(bad)], capture_output=True, text=True, check=True
    ).stdout
    assert "ConfigError" in out and "stages[0].lr.projector" in out
    assert "heavy: []" in out


def test_shipped_recipes_validate():
    for name in ("tiny-cpu", "dicmodel-qwen2.5-vl-7b", "adamllm-single-stage"):
        r = load_recipe(recipe_path(name))
        assert r.stages and Path(r.base_dir).name == "recipes"
    seven = load_recipe(recipe_path("dicmodel-qwen2.5-vl-7b"))
    assert [s.name for s in seven.stages] == ["synthetic", "expert", "vqa"]
    assert all(s.is_lora and s.lr.vision == 0 for s in seven.stages)
    ada = load_recipe(recipe_path("adamllm-single-stage")).stages
    assert len(ada) == 1 and not ada[0].is_lora and ada[0].lr.language == 1e-5 and ada[0].epochs == 1


def test_training_arguments_map_one_to_one():
    tf = pytest.importorskip("transformers")
    r = recipe_from_dict(
        {
            "name": "r",
            "base_model": "tiny:qwen2_vl",
            "stages": [
                stage(
                    batch_size=3,
                    grad_accum=2,
                    warmup_ratio=0.2,
                    weight_decay=0.01,
                    lr={"language": 2e-4, "projector": 1e-4},
                )
            ],
        }
    )
    args = tf.TrainingArguments(
        **r.stages[0].training_arguments("/tmp/x", bf16=False, report_to=[], eval_steps=None)
    )
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (3, 2)
    assert args.learning_rate == 2e-4 and args.lr_scheduler_type == "cosine" and args.warmup_steps == 0.2
    assert args.remove_unused_columns is False and args.max_steps == 2


# ---- components -----------------------------------------------------------------------------
@pytest.mark.parametrize("model_type", ["qwen2_vl", "qwen2_5_vl", "qwen3_vl"])
def test_components_split_real_module_names(model_type):
    pytest.importorskip("torch")
    from dicmodel.models.tiny import build_tiny_vlm
    from dicmodel.train.components import component_of, lora_target_names, split_parameters

    model, _ = build_tiny_vlm(model_type)
    parts = split_parameters(model)
    assert all(parts[c] for c in ("vision", "projector", "language"))
    assert sum(len(v) for v in parts.values()) == len(list(model.parameters()))
    assert all(".visual.merger." in n or "deepstack_merger" in n for n, _ in parts["projector"])
    assert all(".visual." in n for n, _ in parts["vision"])
    assert component_of("lm_head.weight") == "language"
    assert component_of("base_model.model.model.visual.merger.mlp.0.lora_A.default.weight") == "projector"
    names = lora_target_names(model, {"language": 1e-4}, ["q_proj", "gate_proj"])
    assert names and all(component_of(n) == "language" for n in names)  # not the vision MLP's gate_proj


# ---- data -----------------------------------------------------------------------------------
def test_dataset_reads_both_content_shapes_and_records_bad_lines(tmp_path, caplog):
    from dicmodel.train.data import ConversationDataset, MixtureDataset

    write_tiny_data(tmp_path, n=2)
    rows = [
        {
            "images": ["img/0.png"],
            "messages": [
                {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What?"}]},
                {"role": "assistant", "content": "x"},
            ],
        },
        {
            "images": ["img/1.png"],
            "messages": [{"role": "user", "content": "no tag"}, {"role": "assistant", "content": "y"}],
        },
        {
            "images": ["img/missing.png"],
            "messages": [{"role": "user", "content": "<image>"}, {"role": "assistant", "content": "z"}],
        },
        {"images": [], "messages": [{"role": "user", "content": "only a question"}]},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
    with caplog.at_level(logging.WARNING):
        ds = ConversationDataset(path)
    assert len(ds) == 2 and len(ds.errors) == 3
    assert ds[1]["messages"][0]["content"][0] == {"type": "image"}  # image attached to the untagged user turn
    assert Path(ds[0]["images"][0]).is_absolute()
    mix = MixtureDataset([ds, ds], [0.5, 2.0], seed=3)
    assert len(mix) == 1 + 4
    assert mix.index == MixtureDataset([ds, ds], [0.5, 2.0], seed=3).index  # same seed, same draw


# ---- collator ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_processor():
    pytest.importorskip("torch")
    from dicmodel.models.tiny import build_tiny_vlm
    from dicmodel.train.collator import set_pixel_budget

    model, proc = build_tiny_vlm("qwen2_vl")
    set_pixel_budget(proc, 3136, 3136)
    return model, proc


def _record(img, turns):
    msgs = []
    for i, (u, a) in enumerate(turns):
        msgs.append(
            {
                "role": "user",
                "content": ([{"type": "image"}] if i == 0 else []) + [{"type": "text", "text": u}],
            }
        )
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": a}]})
    return {"images": [img], "messages": msgs}


def test_prompt_tokens_carry_no_loss(tiny_processor):
    from PIL import Image

    from dicmodel.train.collator import IGNORE_INDEX, VLMCollator

    model, proc = tiny_processor
    img = Image.new("RGB", (56, 56), "red")
    long = _record(img, [("Describe the figure in detail.", "a red box"), ("And the edges?", "none at all")])
    short = _record(img, [("Describe.", "a red box")])
    batch = VLMCollator(proc, 512)([long, short])
    ids, labels = batch["input_ids"], batch["labels"]  # [2, T]
    tok = proc.tokenizer
    learned = tok.decode(ids[0][labels[0] != IGNORE_INDEX])
    assert learned == "a red box<|im_end|>\nnone at all<|im_end|>\n"
    assert tok.decode(ids[1][labels[1] != IGNORE_INDEX]) == "a red box<|im_end|>\n"
    masked = tok.decode(ids[0][labels[0] == IGNORE_INDEX])
    assert "Describe the figure in detail." in masked and "And the edges?" in masked and "system" in masked
    assert (labels[ids == proc.image_token_id] == IGNORE_INDEX).all()
    assert (labels[batch["attention_mask"] == 0] == IGNORE_INDEX).all()  # padding
    assert batch["attention_mask"][1].sum() < batch["attention_mask"][0].sum()
    # the model's loss then depends only on assistant tokens: changing the prompt's *target* ids changes nothing
    out = model(**batch)
    assert out.loss.isfinite()


def test_truncation_never_cuts_image_tokens(tiny_processor, caplog):
    from PIL import Image

    from dicmodel.train.collator import IGNORE_INDEX, ConversationEncoder

    _, proc = tiny_processor
    rec = _record(Image.new("RGB", (56, 56), "blue"), [("Describe.", "a blue box " * 20)])
    full = ConversationEncoder(proc, 4096).encode(rec)
    ids = full["input_ids"].tolist()
    last_vision = max(
        i
        for i, t in enumerate(ids)
        if t in (proc.image_token_id, proc.tokenizer.convert_tokens_to_ids("<|vision_end|>"))
    )
    cut = ConversationEncoder(proc, last_vision + 30).encode(rec)
    assert cut is not None and len(cut["input_ids"]) == last_vision + 30
    assert cut["input_ids"].tolist().count(proc.image_token_id) == ids.count(proc.image_token_id)
    assert (cut["labels"] != IGNORE_INDEX).any()
    assert cut["pixel_values"].shape == full["pixel_values"].shape
    with caplog.at_level(logging.WARNING):
        assert ConversationEncoder(proc, last_vision - 1).encode(rec) is None
    assert "image tokens" in caplog.text


def test_cli_reports_invalid_recipe_without_training(tmp_path, capsys):
    from dicmodel.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: r\nbase_model: tiny:qwen2_vl\nstages: []\n")
    assert main(["train", str(bad)]) == 2
    assert "stages" in capsys.readouterr().err
    assert main(["train", "tiny-cpu", "--check"]) == 1  # shipped recipe, its data is not there


def test_public_names_resolve_without_importing_torch():
    # __all__ is built from config.__all__: a name added there but not imported here must fail
    code = (
        "import sys, dicmodel.train as t\n"
        "from dicmodel.train import config\n"
        "assert set(config.__all__) <= set(t.__all__)\n"
        "missing = [n for n in t.__all__ if n not in vars(t) and n not in t._LAZY]\n"
        "assert not missing, missing\n"
        "assert 'torch' not in sys.modules\n"
        "for n in t.__all__: getattr(t, n)  # every public name resolves, the lazy ones too\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class _Saves:
    """Stands in for a model/processor: save_pretrained writes one file, or crashes."""

    def __init__(self, crash: bool = False):
        self.crash = crash

    def save_pretrained(self, path):
        if self.crash:
            raise OSError("disk full")
        Path(path).mkdir(parents=True, exist_ok=True)  # as save_pretrained does
        (Path(path) / "weights.bin").write_bytes(b"w")


def test_stage_output_left_by_an_earlier_run_is_not_trusted_after_a_crashed_save(tmp_path):
    from dicmodel.train.stages import StartPoint, read_start_of, save_stage_output

    r = recipe_from_dict({"name": "r", "base_model": "tiny:qwen2_vl", "stages": [stage()]})
    out = tmp_path / "s1"
    save_stage_output(_Saves(), _Saves(), r.stages[0], r, StartPoint("base"), out, {"x": 1})
    assert read_start_of(out) == StartPoint(str(out))
    with pytest.raises(OSError):
        save_stage_output(_Saves(crash=True), _Saves(), r.stages[0], r, StartPoint("base"), out, {"x": 2})
    # the first run's completion marker must not vouch for the second run's torn weights
    assert read_start_of(out) is None


def test_a_crashed_base_save_leaves_no_directory_that_looks_complete(tmp_path):
    from dicmodel.train.stages import save_pretrained_whole

    base = tmp_path / "base"
    with pytest.raises(OSError):
        save_pretrained_whole(base, _Saves(), _Saves(crash=True))
    assert not base.exists()
    save_pretrained_whole(base, _Saves(), _Saves())
    assert [p.name for p in tmp_path.iterdir()] == ["base"] and (base / "weights.bin").is_file()
