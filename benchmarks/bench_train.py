"""Tokens/s and peak memory of one training step (forward + backward + AdamW step).

    python benchmarks/bench_train.py                                  # tiny Qwen2-VL, CPU
    python benchmarks/bench_train.py --shape qwen2.5-vl-7b --mode lora # random 7B-shaped, bf16, CUDA
    python benchmarks/bench_train.py --shape qwen2.5-vl-7b --mode full --grad-ckpt
    python benchmarks/bench_train.py --shape qwen2.5-vl-7b --scale 0.05 --device cpu   # path check

The model is built from a config with random weights (no download). The batch is synthetic but
shaped like a real one: per sample one image of --image-side pixels squared (its patches and
<|image_pad|> tokens) and --text-tokens text tokens, labels on the text only. LoRA and freezing
go through ``dicmodel.train`` (``prepare_model``, per-component parameter groups), so the numbers
are those of the library's own training path. One JSON line per run goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Qwen2.5-VL-7B-Instruct's published config.json sizes
QWEN25_VL_7B = dict(
    text=dict(
        hidden_size=3584,
        intermediate_size=18944,
        num_hidden_layers=28,
        num_attention_heads=28,
        num_key_value_heads=4,
        vocab_size=152064,
        max_position_embeddings=128000,
    ),
    vision=dict(
        depth=32,
        hidden_size=1280,
        intermediate_size=3420,
        num_heads=16,
        out_hidden_size=3584,
        patch_size=14,
        spatial_merge_size=2,
        temporal_patch_size=2,
        window_size=112,
        fullatt_block_indexes=[7, 15, 23, 31],
    ),
)
# token ids of the Qwen2.5-VL tokenizer
IDS = dict(
    image_token_id=151655, video_token_id=151656, vision_start_token_id=151652, vision_end_token_id=151653
)


def _scaled(n: int, scale: float, multiple: int = 1, floor: int = 1) -> int:
    return max(floor, int(round(n * scale / multiple)) * multiple)


def qwen25_7b_config(scale: float = 1.0) -> Any:
    """The 7B config, or a proportionally shrunk one (same code path) for a CPU check."""
    from transformers import Qwen2_5_VLConfig

    t, v = dict(QWEN25_VL_7B["text"]), dict(QWEN25_VL_7B["vision"])
    heads = 28 if scale == 1 else 4
    head_dim = 128 if scale == 1 else 16
    if scale != 1:
        t.update(
            hidden_size=heads * head_dim,
            intermediate_size=_scaled(18944, scale, 8, 64),
            num_hidden_layers=_scaled(28, scale, 1, 2),
            num_attention_heads=heads,
            num_key_value_heads=2,
        )
        depth = _scaled(32, scale, 1, 2)
        v.update(
            depth=depth,
            hidden_size=_scaled(1280, scale, 16, 32),
            intermediate_size=_scaled(3420, scale, 8, 64),
            num_heads=2,
            out_hidden_size=t["hidden_size"],
            fullatt_block_indexes=[depth - 1],
        )
    half = head_dim // 2  # mrope_section sums to head_dim / 2: [16, 24, 24] at full size
    sec = (
        [16, 24, 24]
        if scale == 1
        else [half // 4, (half - half // 4) // 2, half - half // 4 - (half - half // 4) // 2]
    )
    t["rope_parameters"] = {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": sec}
    return Qwen2_5_VLConfig(text_config=t, vision_config=v, **IDS)


def tiny_config() -> Any:
    from dicmodel.models.tiny import build_config, build_tokenizer

    tok = build_tokenizer()
    cfg = build_config(tok, "qwen2_vl", hidden=128, layers=3, inter=256, v_dim=64)
    return cfg


def synthetic_batch(cfg: Any, batch: int, image_side: int, text_tokens: int, device: str) -> dict[str, Any]:
    """Input ids with one image block per sample, pixel patches, grid sizes, text-only labels."""
    import torch

    vc = cfg.vision_config
    patch, merge, tps = vc.patch_size, vc.spatial_merge_size, vc.temporal_patch_size
    grid = image_side // patch // merge * merge  # patches per side, a multiple of merge
    n_img = grid * grid // (merge * merge)  # <|image_pad|> tokens per image
    vocab = cfg.text_config.vocab_size
    rows = []
    for _ in range(batch):
        text = torch.randint(0, min(vocab, 150000), (text_tokens,))
        rows.append(
            torch.cat(
                [
                    torch.tensor([cfg.vision_start_token_id]),
                    torch.full((n_img,), cfg.image_token_id),
                    torch.tensor([cfg.vision_end_token_id]),
                    text,
                ]
            )
        )
    ids = torch.stack(rows)  # [B, T]
    labels = ids.clone()
    labels[:, : n_img + 2] = -100
    channels = getattr(vc, "in_channels", getattr(vc, "in_chans", 3))
    pixel = torch.randn(batch * grid * grid, channels * tps * patch * patch)  # [B*patches, C*T*P*P]
    thw = torch.tensor([[1, grid, grid]] * batch)
    mm = (ids == cfg.image_token_id).long()  # 1 on image tokens, as the processor returns (M-RoPE needs it)
    out = dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        labels=labels,
        pixel_values=pixel,
        image_grid_thw=thw,
        mm_token_type_ids=mm,
    )
    return {k: v.to(device) for k, v in out.items()}


def _stage(mode: str, lora_r: int, grad_ckpt: bool) -> Any:
    from dicmodel.train.config import Stage

    lr = (
        {"vision": 0.0, "projector": 0.0, "language": 1e-4}
        if mode == "lora"
        else {"vision": 1e-5, "projector": 1e-5, "language": 1e-5}
    )
    lora = {"r": lora_r, "alpha": 2 * lora_r, "target_modules": "all-linear"} if mode == "lora" else None
    return Stage(
        name="bench",
        datasets=[{"path": "-"}],
        max_steps=1,
        lr=lr,
        lora=lora,
        gradient_checkpointing=grad_ckpt,
    )


def _peak_rss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 2**20


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForImageTextToText

    from dicmodel.train.components import count_parameters, param_groups
    from dicmodel.train.stages import prepare_model

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if (args.bf16 if args.bf16 is not None else device == "cuda") else torch.float32
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = tiny_config() if args.shape == "tiny" else qwen25_7b_config(args.scale)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    with torch.device(device):
        model = AutoModelForImageTextToText.from_config(cfg, dtype=dtype)
    build_s = time.perf_counter() - t0
    stage = _stage(args.mode, args.lora_r, args.grad_ckpt)
    model = prepare_model(model, stage, continuing_adapter=False)
    if args.grad_ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    opt = torch.optim.AdamW(param_groups(model, stage.lr.active(), 0.0))
    batch = synthetic_batch(cfg, args.batch, args.image_side, args.text_tokens, device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(args.warmup + args.steps):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        if i >= args.warmup:
            times.append(time.perf_counter() - t)
    step = sum(times) / len(times)
    tokens = batch["input_ids"].numel()
    params = count_parameters(model)
    return {
        "shape": args.shape,
        "scale": args.scale,
        "mode": args.mode,
        "device": device,
        "dtype": str(dtype),
        "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
        "batch": args.batch,
        "seq_len": batch["input_ids"].shape[1],
        "image_side": args.image_side,
        "grad_ckpt": args.grad_ckpt,
        "lora_r": args.lora_r if args.mode == "lora" else None,
        "params_total": sum(v["total"] for v in params.values()),
        "params_trainable": sum(v["trainable"] for v in params.values()),
        "step_s": round(step, 4),
        "tokens_per_s": round(tokens / step, 1),
        "samples_per_s": round(args.batch / step, 3),
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == "cuda" else None,
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "build_s": round(build_s, 1),
        "loss": round(loss.item(), 4),
        "steps_timed": len(times),
        "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", choices=["tiny", "qwen2.5-vl-7b"], default="tiny")
    ap.add_argument(
        "--scale", type=float, default=1.0, help="shrink the 7B shape (e.g. 0.05) to check the path on CPU"
    )
    ap.add_argument("--mode", choices=["lora", "full"], default="lora")
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--device", default=None, help="cpu | cuda (default: cuda when available)")
    ap.add_argument(
        "--bf16", action=argparse.BooleanOptionalAction, default=None, help="default: on for cuda"
    )
    ap.add_argument("--grad-ckpt", action="store_true", help="gradient (activation) checkpointing")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--image-side", type=int, default=448, help="pixels; 448 -> 256 image tokens")
    ap.add_argument("--text-tokens", type=int, default=768)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    try:
        print(json.dumps(run(args)))
    except RuntimeError as err:  # CUDA OOM is a result worth recording, not a crash
        if "out of memory" not in str(err).lower():
            raise
        print(
            json.dumps(
                {
                    "shape": args.shape,
                    "mode": args.mode,
                    "grad_ckpt": args.grad_ckpt,
                    "error": "out of memory",
                    "detail": str(err)[:300],
                }
            )
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
