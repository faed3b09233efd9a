"""Does a describer's confidence separate right readings from wrong ones?

``--describer hybrid`` routes the figures under a confidence threshold to a model, so the
confidence is only useful if right readings score higher than wrong ones. A reading is
*right* (:func:`is_right`) when it found at least 90 % of the reference labels and its links
(messages for a call flow, edges otherwise) have F1 >= 0.8; :func:`auroc` is the probability
that a random right reading carries a higher confidence than a random wrong one (ties count
half); :func:`split_at` counts right and wrong readings on each side of a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RIGHT_NODE_RECALL = 0.9
RIGHT_LINK_F1 = 0.8


def is_right(score: Any) -> bool:
    """A :class:`~dicmodel.eval.structure.StructureScore` (or anything with its ``nodes``,
    ``edges`` and ``messages`` PRFs) that a reader would accept."""
    if score is None:
        return False
    link = score.messages if score.messages.n_ref else score.edges
    return score.nodes.recall >= RIGHT_NODE_RECALL and link.f1 >= RIGHT_LINK_F1


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve of ``scores`` against ``labels``; ``None`` with one class."""
    pos = sorted(s for s, y in zip(scores, labels) if y)
    neg = sorted(s for s, y in zip(scores, labels) if not y)
    if not pos or not neg:
        return None
    # for each right score, how many wrong scores lie below it and how many tie (two pointers)
    wins, lo, hi = 0.0, 0, 0
    for p in pos:
        while lo < len(neg) and neg[lo] < p:
            lo += 1
        hi = max(hi, lo)
        while hi < len(neg) and neg[hi] <= p:
            hi += 1
        wins += lo + 0.5 * (hi - lo)
    return wins / (len(pos) * len(neg))


def split_at(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> dict[str, int]:
    """Right and wrong readings at or above ``threshold`` (kept) and below it (routed on)."""
    out = {"kept_right": 0, "kept_wrong": 0, "routed_right": 0, "routed_wrong": 0}
    for s, y in zip(scores, labels):
        side = "kept" if s >= threshold else "routed"
        out[f"{side}_{'right' if y else 'wrong'}"] += 1
    return out
