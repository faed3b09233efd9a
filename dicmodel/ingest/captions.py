"""Figure captions ("Figure 3:", "Fig. 3", "Figure 4-2", "图 3"), above or below, and citations.

A caption is a paragraph that starts with a figure label and sits next to a figure (display
frame): directly below or above it, overlapping it horizontally, within ``caption_distance``.
Below wins over above at equal distance (the more common convention). A caption further below
than that still serves the figure when only white space lies between them (a Visio page exported
with its margin, a slide with room under its drawing), up to ``WHITE_GAP_FACTOR`` times the
distance; narrow notes hanging just under the drawing within its span (a slide's bullet lists
under its boxes) may stand between. Each caption serves one figure. The context of a figure is
the body sentences that cite its label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .pdf import Rect

__all__ = ["CaptionMatch", "caption_label", "citing_sentences", "is_caption_start", "match_captions"]

_PREFIX = r"(?:Figure|FIGURE|Fig\.?|FIG\.?|Abbildung|Abb\.|图|圖)"
_LABEL = r"([0-9]+(?:[-.–][0-9]+)*[a-z]?|[A-Z][-.][0-9]+(?:[-.][0-9]+)*)"
# separator after the label, or a capitalised word / CJK text (a caption, not "Figure 3 shows")
# (the separator is never followed by a digit: "Figure 6.2.2.2.1 illustrates" must not match as
# label 6.2.2.2 and separator ".")
_CAPTION = re.compile(rf"^\s*{_PREFIX}\s*{_LABEL}(?:\s*[:：.\-–—|](?![0-9])\s*|\s+(?=[A-Z(\"'“\u4e00-\u9fff])|\s*$|(?=[\u4e00-\u9fff]))")
# a sentence ends at . ! ? before a capital (so "Fig. 2" and "e.g. the" do not end one), or at 。
_SENTENCE_END = re.compile(r"(?<![Ff]ig\.)(?<!Figs\.)(?<!e\.g\.)(?<!i\.e\.)(?<!al\.)(?<![Ss]ec\.)(?<!Eq\.)"
                           r"(?<=[.!?])\s+(?=[A-Z\"“(\[])|(?<=[。！？])")


@dataclass
class CaptionMatch:
    figure: int  # index into the page's figure list
    para: int  # index into the page's paragraph list
    lines: int  # how many of the paragraph's lines form the caption
    label: str


def caption_label(text: str) -> str | None:
    """The figure number as written, when ``text`` starts like a figure caption."""
    m = _CAPTION.match(text)
    return m.group(1) if m else None


def is_caption_start(text: str) -> bool:
    return caption_label(text) is not None


def match_captions(figures: Sequence[Rect], paras: Sequence[tuple[Rect, str, list[str]]],
                   max_gap: float) -> list[CaptionMatch]:
    """Pair figures (display boxes) with caption paragraphs (box, text, line texts) nearby."""
    options: list[tuple[float, int, int, str]] = []
    for pi, (pbox, text, _) in enumerate(paras):
        label = caption_label(text)
        if label is None:
            continue
        for fi, fbox in enumerate(figures):
            dist = _distance(fbox, pbox, max_gap)
            if dist is not None:
                options.append((dist, fi, pi, label))
    near = {pi for _, _, pi, _ in options}  # captions with a figure within max_gap
    for pi, (pbox, text, _) in enumerate(paras):
        label = caption_label(text)
        if label is None or pi in near:
            continue
        for fi, fbox in enumerate(figures):
            gap = _white_gap(fi, fbox, pi, pbox, figures, paras, max_gap)
            if gap is not None:
                options.append((gap, fi, pi, label))
    options.sort()  # (white-gap options are all farther than max_gap: they come last)
    used_f: set[int] = set()
    used_p: set[int] = set()
    out: list[CaptionMatch] = []
    for _, fi, pi, label in options:
        if fi in used_f or pi in used_p:
            continue
        used_f.add(fi)
        used_p.add(pi)
        out.append(CaptionMatch(figure=fi, para=pi, lines=_caption_lines(paras[pi][2]), label=label))
    return out


def _distance(fig: Rect, cap: Rect, max_gap: float) -> float | None:
    overlap = min(fig[2], cap[2]) - max(fig[0], cap[0])
    # a short caption can sit at the column's left edge under a narrow centred figure
    if overlap < 0.3 * min(fig[2] - fig[0], cap[2] - cap[0]) and -overlap > 150:
        return None
    side = max(0.0, -overlap) * 0.1  # a caption beside the figure's span ranks below one under it
    below = cap[1] - fig[3]
    above = fig[1] - cap[3]
    if -6 <= below <= max_gap:
        return max(below, 0.0) + side
    if -6 <= above <= max_gap:
        return max(above, 0.0) + 2.0 + side  # prefer a caption below at equal distance
    if cap[1] >= fig[1] - 1 and cap[3] <= fig[3] + 1:
        return max_gap  # a caption drawn inside the figure's frame: last resort
    return None


WHITE_GAP_FACTOR = 4.0


def _white_gap(fi: int, fig: Rect, pi: int, cap: Rect, figures: Sequence[Rect],
               paras: Sequence[tuple[Rect, str, list[str]]], max_gap: float) -> float | None:
    """The gap from a figure down to a caption beyond ``max_gap`` with nothing between them
    (no paragraph but notes hanging from the figure, no other figure across their common
    span), or None."""
    below = cap[1] - fig[3]
    if not max_gap < below <= WHITE_GAP_FACTOR * max_gap:
        return None
    lo, hi = max(fig[0], cap[0]), min(fig[2], cap[2])
    if hi - lo < 0.3 * min(fig[2] - fig[0], cap[2] - cap[0]):
        return None
    def between(b: Rect) -> bool:
        return b[0] < hi and b[2] > lo and b[3] > fig[3] and b[1] < cap[1]

    if any(k != pi and between(p[0]) and not _hanging_note(p[0], fig, max_gap)
           for k, p in enumerate(paras)):
        return None
    if any(k != fi and between(f) for k, f in enumerate(figures)):
        return None
    return below


def _hanging_note(b: Rect, fig: Rect, max_gap: float) -> bool:
    """A narrow paragraph that starts just under the figure, within its span: a note hanging
    from one of its boxes (a slide's bullet lists under its three columns of boxes), not body
    text between the figure and its caption."""
    width = fig[2] - fig[0]
    return (b[1] - fig[3] <= max_gap and b[2] - b[0] <= 0.45 * width
            and b[0] >= fig[0] - 6 and b[2] <= fig[2] + 6)


def _caption_lines(lines: list[str]) -> int:
    """A caption paragraph can run into body text with no gap: stop after a long caption's sentence."""
    total = 0
    for i, t in enumerate(lines):
        total += len(t)
        if total > 300 and t.rstrip().endswith((".", "。")):
            return i + 1
    return len(lines)


def citing_sentences(label: str, texts: Sequence[str], limit: int) -> list[str]:
    """Body sentences that mention the figure ("see Figure 3", "Fig. 3", "图 3")."""
    if limit <= 0:
        return []
    cite = re.compile(rf"{_PREFIX}\s*{re.escape(label)}(?![0-9]|[-.–][0-9])")
    out: list[str] = []
    for text in texts:
        if not cite.search(text):
            continue
        for sentence in _SENTENCE_END.split(text):
            if cite.search(sentence) and sentence.strip() not in out:
                out.append(sentence.strip())
                if len(out) >= limit:
                    return out
    return out
