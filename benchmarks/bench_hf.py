"""Throughput of the ``hf`` describer: figures/s and generated tokens/s at several batch sizes.

Random weights are fine for throughput, but random models stop at random points, so every
answer is forced to the same length (``min_new_tokens = max_new_tokens``): the numbers then
compare batch sizes on equal work. Timing covers the whole ``describe()`` call (image decode
and resize, chat template, processor, generate, decode, answer parsing); the disk cache and
the Mermaid repair pass are off.

    # CPU, tiny random Qwen2-VL built on the fly (seconds)
    python benchmarks/bench_hf.py --model-config tiny-qwen2-vl --batch-sizes 1,8,32
    # GPU, random weights shaped like Qwen2.5-VL-7B-Instruct, bf16 (needs ~20 GB + activations)
    python benchmarks/bench_hf.py --model-config qwen2.5-vl-7b-shaped --device cuda --max-new-tokens 128
    # a real local checkpoint
    python benchmarks/bench_hf.py --model runs/dicmodel-7b --device cuda

Figures are synthetic box-and-arrow diagrams drawn with PIL (``--images DIR`` uses your PNGs
instead). Output: a table, and one JSON line per batch size with ``--json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from dicmodel.describe.base import FigureRequest  # noqa: E402
from dicmodel.describe.hf import HFDescriber  # noqa: E402

CONFIGS = ("tiny-qwen2-vl", "tiny-qwen2.5-vl", "qwen2.5-vl-7b-shaped")


def synthetic_figure(i: int, rng: random.Random) -> bytes:
    """A box-and-arrow diagram of 3-6 labelled boxes, 320-640 px wide (a typical figure crop)."""
    from PIL import Image, ImageDraw

    w, h = rng.randint(320, 640), rng.randint(200, 420)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    n = rng.randint(3, 6)
    boxes = []
    for k in range(n):
        x = 10 + k * (w - 20) // n
        y = rng.randint(10, max(11, h - 60))
        boxes.append((x, y, x + (w - 20) // n - 15, y + 40))
        draw.rectangle(boxes[-1], outline="black", width=2)
        draw.text((x + 5, y + 12), f"NF{i}-{k}", fill="black")
    for a, b in zip(boxes, boxes[1:]):
        draw.line([(a[2], (a[1] + a[3]) // 2), (b[0], (b[1] + b[3]) // 2)], fill="black", width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def figure_requests(n: int, images_dir: str | None, seed: int = 0) -> list[FigureRequest]:
    rng = random.Random(seed)
    if images_dir:
        files = sorted(Path(images_dir).glob("*.png"))[:n]
        if not files:
            sys.exit(f"--images {images_dir!r} holds no .png files")
        data = [f.read_bytes() for f in files]
        data = (data * (n // len(data) + 1))[:n]
    else:
        data = [synthetic_figure(i, rng) for i in range(n)]
    return [FigureRequest(figure_id=f"bench-{i}", image=d, caption=f"Figure {i}: message flow")
            for i, d in enumerate(data)]


def qwen25_vl_7b_config(tokenizer: Any) -> Any:
    """Qwen2.5-VL-7B-Instruct's sizes (28 x 3584 text layers, 32-block 1280-wide ViT, 152k vocab).

    The tokenizer is the tiny offline one: only its special-token ids matter here, the
    embedding table keeps the real vocabulary size so the LM head costs what it really costs.
    """
    import transformers as tf

    ids = {k: tokenizer.convert_tokens_to_ids(v) for k, v in dict(
        image_token_id="<|image_pad|>", video_token_id="<|video_pad|>",
        vision_start_token_id="<|vision_start|>", vision_end_token_id="<|vision_end|>").items()}
    text = dict(vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                num_attention_heads=28, num_key_value_heads=4, max_position_embeddings=128000,
                rms_norm_eps=1e-6, tie_word_embeddings=False, hidden_act="silu",
                rope_parameters={"rope_type": "default", "rope_theta": 1000000.0,
                                 "mrope_section": [16, 24, 24]},
                bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    vision = dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, in_chans=3,
                  out_hidden_size=3584, patch_size=14, spatial_merge_size=2, temporal_patch_size=2,
                  window_size=112, fullatt_block_indexes=[7, 15, 23, 31], hidden_act="silu")
    return tf.Qwen2_5_VLConfig(text_config=text, vision_config=vision, **ids)


def build_describer(args: argparse.Namespace, tmp: Path) -> HFDescriber:
    common = dict(device=args.device, batch_size=1, max_new_tokens=args.max_new_tokens,
                  min_new_tokens=args.max_new_tokens, max_pixels=args.max_pixels, repair=False)
    if args.model:
        return HFDescriber(model=args.model, **common)
    if args.model_config.startswith("tiny-"):
        from dicmodel.models.tiny import save_tiny_vlm

        kind = "qwen2_5_vl" if "2.5" in args.model_config else "qwen2_vl"
        return HFDescriber(model=str(save_tiny_vlm(tmp / kind, kind)), **common)
    return shaped_7b_describer(common)


def shaped_7b_describer(common: dict[str, Any]) -> HFDescriber:
    import torch
    import transformers as tf

    from dicmodel.models.tiny import build_processor, build_tokenizer

    device = "cuda" if common["device"] == "auto" else common["device"]
    if not device.startswith("cuda"):
        sys.exit("qwen2.5-vl-7b-shaped needs --device cuda (about 17 GB of bf16 weights)")
    tok = build_tokenizer()
    proc = build_processor(tok, "qwen2_5_vl", max_pixels=common["max_pixels"])
    with torch.device(device):  # initialise straight on the GPU: no 33 GB fp32 copy on the host
        model = tf.AutoModelForImageTextToText.from_config(qwen25_vl_7b_config(tok), dtype=torch.bfloat16)
    return HFDescriber.from_objects(model, proc, model="qwen2.5-vl-7b-shaped", **common)


def measure(d: HFDescriber, reqs: list[FigureRequest], batch_size: int) -> dict[str, Any]:
    import torch

    d.options.batch_size = batch_size
    cuda = d.device is not None and d.device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    tokens0, gen_s0 = d.stats["generated_tokens"], d.stats["generate_seconds"]
    t0 = time.perf_counter()
    out = d.describe(reqs)
    if cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    tokens = d.stats["generated_tokens"] - tokens0
    failed = sum(1 for x in out if x.confidence == 0 and not x.text)
    row = {"batch_size": batch_size, "figures": len(reqs), "failed": failed, "seconds": round(elapsed, 3),
           "figures_per_s": round(len(reqs) / elapsed, 3), "tokens_per_s": round(tokens / elapsed, 1),
           "generate_share": round((d.stats["generate_seconds"] - gen_s0) / elapsed, 3),
           "load_avg_1m_after": round(os.getloadavg()[0], 2)}
    if cuda:
        row["max_memory_allocated_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return row


def environment(d: HFDescriber) -> dict[str, Any]:
    import torch
    import transformers

    env = {"model": d.options.model, "device": d.device, "dtype": str(d.dtype).replace("torch.", ""),
           "torch": torch.__version__, "transformers": transformers.__version__,
           "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
           # shared machines: the 1-minute load average says how contended the numbers are
           "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}
    if d.device and d.device.startswith("cuda"):
        env["gpu"] = torch.cuda.get_device_name()
    env["parameters_m"] = round(sum(p.numel() for p in d.model.parameters()) / 1e6, 1)
    return env


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-config", choices=CONFIGS, default="tiny-qwen2-vl")
    p.add_argument("--model", help="a local checkpoint instead of a random model")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-sizes", default="1,8,32")
    p.add_argument("--figures", type=int, default=32, help="figures per batch-size run")
    p.add_argument("--max-new-tokens", type=int, default=64, help="answer length (forced)")
    p.add_argument("--max-pixels", type=int, default=448 * 448, help="image pixel budget")
    p.add_argument("--images", help="folder of PNGs to use instead of synthetic figures")
    p.add_argument("--json", action="store_true", help="also print one JSON line per run")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    reqs = figure_requests(args.figures, args.images)
    with tempfile.TemporaryDirectory() as tmp:
        d = build_describer(args, Path(tmp)).load()
        d.describe(reqs[:1])  # warm-up: first-call allocations and kernel selection
        env = environment(d)
        print(json.dumps(env))
        print(f"{'batch':>5} {'figures/s':>10} {'tokens/s':>9} {'gen share':>9} {'peak GiB':>8} {'load':>5}")
        for bs in sizes:
            row = measure(d, reqs, bs)
            print(f"{bs:>5} {row['figures_per_s']:>10.3f} {row['tokens_per_s']:>9.1f} "
                  f"{row['generate_share']:>9.2f} {row.get('max_memory_allocated_gib', '-'):>8} "
                  f"{row['load_avg_1m_after']:>5}")
            if args.json:
                print(json.dumps({**env, **row, "max_new_tokens": args.max_new_tokens,
                                  "max_pixels": args.max_pixels}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
