"""Evaluation: caption metrics, diagram structure scores, objective questions, reports.

Light at import: sacrebleu, rapidfuzz and matplotlib load inside the functions that use them.

- :mod:`dicmodel.eval.captions`: corpus/sentence BLEU (sacrebleu), chrF, ROUGE-L, bootstrap CIs.
- :mod:`dicmodel.eval.structure`: node / edge / message precision-recall-F1 between Diagrams.
- :mod:`dicmodel.eval.questions`: objective (multiple-choice) and open questions.
- :mod:`dicmodel.eval.report`: Markdown, JSON and PNG reports.
- :mod:`dicmodel.eval.bench`: ``dicmodel bench describe``.
"""

from __future__ import annotations

from .structure import (
    PRF,
    AggregateScore,
    MatchOptions,
    StructureScore,
    aggregate,
    score_structure,
)

__all__ = [
    "PRF",
    "AggregateScore",
    "MatchOptions",
    "StructureScore",
    "aggregate",
    "score_structure",
]
