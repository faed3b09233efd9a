"""Short text lines read side by side: several labels in one recognition input.

RapidOCR's recogniser scales every line to 48 px high and pads it to at least
``min_width`` px (224 here) before the network runs; its cost grows with that width. Diagram
labels are mostly a word or two ("Leaf", "Metadata", "opt"), narrower than that, so on the
real-figure benchmark about a third of the recogniser's input width was padding. Here the
lines narrower than ``min_width`` are placed one after another in strips (with the same
zero padding between them that the recogniser puts after a line), each strip goes through
the network once, and the output steps under each line are decoded on their own: the CTC
output has one step per ``stride`` px of input, so a line's text, score and character
positions come from its own steps only. Lines at least ``min_width`` wide go through the
recogniser as before.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["PackedRecognizer", "pack"]

_GAP = 24  # px of padding between two lines in a strip (three output steps)
_STRIP = 448  # the longest strip, px; short lines are packed first-fit into strips this wide


def pack(widths: list[int], capacity: int, gap: int, stride: int) -> list[list[tuple[int, int]]]:
    """Lines of the given widths -> strips of ``(line index, x offset)``; offsets are multiples
    of ``stride`` and lines in a strip are ``gap`` px apart, widest lines placed first."""
    strips: list[list[tuple[int, int]]] = []
    ends: list[int] = []
    for i in sorted(range(len(widths)), key=lambda k: -widths[k]):
        for s, end in enumerate(ends):
            x = _align(end + gap, stride)
            if x + widths[i] <= capacity:
                strips[s].append((i, x))
                ends[s] = x + widths[i]
                break
        else:
            strips.append([(i, 0)])
            ends.append(widths[i])
    return strips


def _align(x: int, stride: int) -> int:
    return -(-x // stride) * stride


class PackedRecognizer:
    """Wraps a RapidOCR ``TextRecognizer``: same call, same output, short lines packed."""

    def __init__(self, rec: Any, output_type: Any, min_width: int):
        self._rec = rec
        self._output_type = output_type
        self._min_width = min_width

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rec, name)

    def __call__(self, args: Any) -> Any:
        import numpy as np

        imgs = [args.img] if isinstance(args.img, np.ndarray) else list(args.img)
        height = int(self._rec.rec_image_shape[1])
        widths = [max(1, math.ceil(height * im.shape[1] / im.shape[0])) for im in imgs]
        short = [i for i, w in enumerate(widths) if w < self._min_width]
        if len(short) < 2:
            return self._rec(args)
        results: list[Any] = [None] * len(imgs)
        packed = set(short)
        long_ = [i for i in range(len(imgs)) if i not in packed]
        out = None
        if long_:
            out = self._rec(type(args)(img=[imgs[i] for i in long_], return_word_box=args.return_word_box))
            for k, i in enumerate(long_):
                results[i] = (out.txts[k], out.scores[k], out.word_results[k])
        self._read_strips(imgs, widths, short, args.return_word_box, results, np)
        txts, scores, words = (tuple(r[k] for r in results) for k in range(3))
        if out is None:
            return self._output_type(imgs=imgs, txts=txts, scores=scores, word_results=words)
        return dataclasses.replace(out, imgs=imgs, txts=txts, scores=scores, word_results=words)

    def _read_strips(self, imgs: list[Any], widths: list[int], short: list[int], word_box: bool,
                     results: list[Any], np: Any) -> None:
        channels, height = (int(v) for v in self._rec.rec_image_shape[:2])
        stride = self._stride(np, channels, height)
        strips = pack([widths[i] for i in short], max(_STRIP, self._min_width), _GAP, stride)
        for strip in strips:
            end = max(x + widths[short[k]] for k, x in strip)
            batch = np.zeros((1, channels, height, max(self._min_width, _align(end, stride))),
                             dtype=np.float32)
            for k, x in strip:
                i = short[k]
                norm = self._rec.resize_norm_img(imgs[i], widths[i] / height)
                batch[0, :, :, x:x + norm.shape[2]] = norm
            preds = self._rec.session(batch)
            for k, x in strip:
                i = short[k]
                t0, t1 = x // stride, _align(x + widths[i], stride) // stride
                lines, words = self._rec.postprocess_op(
                    preds[:, t0:t1], word_box, wh_ratio_list=[imgs[i].shape[1] / imgs[i].shape[0]],
                    max_wh_ratio=(t1 - t0) * stride / height)
                results[i] = (lines[0][0], lines[0][1], words[0] if word_box else None)

    def _stride(self, np: Any, channels: int, height: int) -> int:
        """Input px per output step of the recogniser (8 for PP-OCR), asked of the model once."""
        stride = getattr(self, "_stride_px", None)
        if stride is None:
            width = self._min_width
            steps = self._rec.session(np.zeros((1, channels, height, width), dtype=np.float32)).shape[1]
            stride = self._stride_px = max(1, round(width / steps))
        return stride
