"""Contact sheet of a synthetic dataset sample: a grid of rendered diagrams with their family.

    python examples/synth_sample.py DATA_DIR [--n 24] [--out sheet.png] [--seed 0]

DATA_DIR is a folder written by ``dicmodel synth diagrams`` (it reads ``items.jsonl``), or any
folder of PNG files.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def _items(data: Path) -> list[tuple[Path, str]]:
    index = data / "items.jsonl"
    if index.is_file():
        rows = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [(data / r["images"]["png"], f"{r['family']} [{r['lang']}, {r['style']['renderer']}]")
                for r in rows if r.get("images", {}).get("png")]
    return [(p, p.stem) for p in sorted(data.rglob("*.png"))]


def contact_sheet(items: list[tuple[Path, str]], out: Path, cols: int = 4, cell: int = 420) -> Path:
    rows = (len(items) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell, rows * (cell + 24)), "#808080")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k, (path, caption) in enumerate(items):
        x, y = (k % cols) * cell, (k // cols) * (cell + 24)
        with Image.open(path) as im:
            im = im.convert("RGB")
            im.thumbnail((cell - 8, cell - 8))
            sheet.paste(im, (x + 4 + (cell - 8 - im.width) // 2, y + 4 + (cell - 8 - im.height) // 2))
        draw.text((x + 6, y + cell + 4), caption[:60], fill="white", font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--out", type=Path, default=Path("synth_contact_sheet.png"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    items = _items(args.data)
    random.Random(args.seed).shuffle(items)
    print(contact_sheet(items[: args.n], args.out))


if __name__ == "__main__":
    main()
