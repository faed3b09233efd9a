"""Caption metrics: corpus and sentence BLEU (sacrebleu), chrF, ROUGE-L, bootstrap intervals.

- **BLEU** is sacrebleu's, with its signature recorded so that a number can be reproduced.
  ``tokenize="auto"`` picks ``zh`` when any prediction or reference holds CJK ideographs
  (sacrebleu's ``zh`` splits ideographs and tokenises the Latin parts like ``13a``), ``char``
  when it holds kana or Hangul but no ideographs, and ``13a`` otherwise.
- **Sentence BLEU** per item uses ``effective_order=True`` (sacrebleu's advice for single
  sentences), so short captions are not zeroed by a missing 4-gram.
- **chrF** is sacrebleu's chrF2 (character n-grams, so it needs no word tokeniser).
- **ROUGE-L** is the LCS F1 (beta = 1) on tokens where each CJK character is one token and
  other text is split into lower-cased words; with several references the best one counts; the
  corpus value is the mean over items. Reported on the 0-100 scale like BLEU and chrF.
- **Bootstrap intervals**: items are resampled with replacement (``bootstrap`` times, seeded);
  BLEU and chrF are recomputed from sacrebleu's per-sentence statistics for each resample and
  ROUGE-L as the mean of the resampled item scores; the interval is the percentile range.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from .._extras import require
from ..errors import ConfigError

__all__ = [
    "CaptionOptions",
    "CaptionReport",
    "CaptionScore",
    "Interval",
    "choose_tokenizer",
    "rouge_l",
    "rouge_tokens",
    "score_captions",
    "sentence_bleu",
]

Tokenizer = Literal["auto", "13a", "zh", "intl", "char", "none"]


class CaptionOptions(BaseModel):
    tokenize: Tokenizer = Field("auto", description="sacrebleu BLEU tokenizer; 'auto' picks "
                                "'zh' for Chinese or mixed text, '13a' for Latin text")
    lowercase: bool = Field(False, description="case-insensitive BLEU")
    bootstrap: int = Field(1000, ge=0, le=100_000,
                           description="bootstrap resamples for confidence intervals (0: none)")
    confidence: float = Field(0.95, gt=0.0, lt=1.0, description="confidence level of intervals")
    seed: int = Field(12345, description="seed of the bootstrap resampling")


class Interval(BaseModel):
    low: float
    high: float


class CaptionScore(BaseModel):
    """Scores of one item."""

    index: int
    id: str | None = None
    bleu: float = Field(description="sentence BLEU (effective order), 0-100")
    chrf: float = Field(description="sentence chrF2, 0-100")
    rouge_l: float = Field(description="ROUGE-L F1, 0-100")


class CaptionReport(BaseModel):
    n: int
    tokenize: str
    bleu: float
    bleu_signature: str
    bleu_detail: str = Field("", description="sacrebleu's full BLEU line (precisions, BP, lengths)")
    chrf: float
    chrf_signature: str
    rouge_l: float
    bleu_ci: Interval | None = None
    chrf_ci: Interval | None = None
    rouge_l_ci: Interval | None = None
    items: list[CaptionScore] = Field(default_factory=list)


# ---- tokenizer choice ----------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")


def choose_tokenizer(texts: Sequence[str]) -> str:
    """'zh' for text with CJK ideographs, 'char' for kana/Hangul only, else '13a'."""
    joined = "\n".join(t for t in texts if t)
    if _HAN.search(joined):
        return "zh"
    if _KANA_HANGUL.search(joined):
        return "char"
    return "13a"


# ---- ROUGE-L -------------------------------------------------------------------------------

_CJK = (r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
        r"\U00020000-\U0002ffff")
# one CJK character, or a run of word characters that are not CJK ("5G基站" -> 5g, 基, 站)
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[^\W_])+")


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased words; every CJK character is a token of its own."""
    return _TOKEN.findall((text or "").lower())


def _lcs(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, references: str | Sequence[str]) -> float:
    """ROUGE-L F1 (0-100) of one prediction against its best reference."""
    refs = [references] if isinstance(references, str) else list(references)
    hyp = rouge_tokens(prediction)
    best = 0.0
    for ref in refs:
        toks = rouge_tokens(ref)
        lcs = _lcs(hyp, toks)
        if lcs:
            p, r = lcs / len(hyp), lcs / len(toks)
            best = max(best, 2 * p * r / (p + r))
    return 100.0 * best


# ---- BLEU / chrF ----------------------------------------------------------------------------

def _as_ref_lists(references: Sequence[str | Sequence[str]]) -> list[list[str]]:
    out = []
    for i, r in enumerate(references):
        if isinstance(r, str):
            out.append([r])
        elif isinstance(r, Sequence) and r and all(isinstance(x, str) for x in r):
            out.append(list(r))
        else:
            raise ConfigError(f"references[{i}] must be a string or a non-empty list of strings, "
                              f"got {type(r).__name__}")
    return out


def _streams(refs: list[list[str]]) -> list[list[str]]:
    """Per-item reference lists -> sacrebleu's reference streams ('' pads missing ones)."""
    width = max(len(r) for r in refs)
    return [[r[k] if k < len(r) else "" for r in refs] for k in range(width)]


def _metrics(tokenize: str, lowercase: bool) -> tuple[Any, Any, Any]:
    metrics = require("sacrebleu.metrics", "caption BLEU/chrF")
    corpus = metrics.BLEU(tokenize=tokenize, lowercase=lowercase)
    sentence = metrics.BLEU(tokenize=tokenize, lowercase=lowercase, effective_order=True)
    return corpus, sentence, metrics.CHRF()


def sentence_bleu(prediction: str, references: str | Sequence[str], tokenize: Tokenizer = "auto",
                  lowercase: bool = False) -> float:
    """Sentence BLEU (0-100, effective order) of one prediction."""
    refs = [references] if isinstance(references, str) else list(references)
    tok = choose_tokenizer([prediction, *refs]) if tokenize == "auto" else tokenize
    _, sentence, _ = _metrics(tok, lowercase)
    return float(sentence.sentence_score(prediction, refs).score)


def score_captions(predictions: Sequence[str], references: Sequence[str | Sequence[str]],
                   options: CaptionOptions | None = None, ids: Sequence[str] | None = None) -> CaptionReport:
    """Corpus BLEU, chrF and ROUGE-L of predictions against references, with per-item scores.

    ``references[i]`` is one string or a list of strings for ``predictions[i]``. A missing
    prediction (None) counts as an empty string.
    """
    opts = options or CaptionOptions()
    preds = ["" if p is None else str(p) for p in predictions]
    if len(preds) != len(references):
        raise ConfigError(f"predictions and references must have the same length, got "
                          f"{len(preds)} and {len(references)}")
    if not preds:
        raise ConfigError("predictions must not be empty")
    refs = _as_ref_lists(references)
    tok = (choose_tokenizer(preds + [x for r in refs for x in r])
           if opts.tokenize == "auto" else opts.tokenize)
    corpus, sentence, chrf = _metrics(tok, opts.lowercase)
    streams = _streams(refs)
    bleu_score = corpus.corpus_score(preds, streams)
    chrf_score = chrf.corpus_score(preds, streams)
    items = [CaptionScore(index=i, id=ids[i] if ids is not None else None,
                          bleu=float(sentence.sentence_score(p, r).score),
                          chrf=float(chrf.sentence_score(p, r).score),
                          rouge_l=rouge_l(p, r))
             for i, (p, r) in enumerate(zip(preds, refs))]
    report = CaptionReport(
        n=len(preds), tokenize=tok, bleu=float(bleu_score.score), bleu_detail=str(bleu_score),
        bleu_signature=str(corpus.get_signature()), chrf=float(chrf_score.score),
        chrf_signature=str(chrf.get_signature()),
        rouge_l=sum(x.rouge_l for x in items) / len(items), items=items)
    if opts.bootstrap:
        _add_intervals(report, corpus, chrf, preds, streams, opts)
    return report


def _add_intervals(report: CaptionReport, bleu: Any, chrf: Any, preds: list[str],
                   streams: list[list[str]], opts: CaptionOptions) -> None:
    import numpy as np

    # sentence statistics once; each resample only sums them (sacrebleu's own bootstrap does this)
    bleu_stats = np.asarray(bleu._extract_corpus_statistics(preds, streams))  # [N, S]
    chrf_stats = np.asarray(chrf._extract_corpus_statistics(preds, streams))  # [N, S']
    rouge = np.asarray([x.rouge_l for x in report.items])  # [N]
    rng = random.Random(opts.seed)
    n = len(preds)
    b_vals, c_vals, r_vals = [], [], []
    for _ in range(opts.bootstrap):
        idx = np.asarray([rng.randrange(n) for _ in range(n)])  # [N]
        b_vals.append(bleu._compute_score_from_stats(bleu_stats[idx].sum(0)).score)
        c_vals.append(chrf._compute_score_from_stats(chrf_stats[idx].sum(0)).score)
        r_vals.append(float(rouge[idx].mean()))
    report.bleu_ci = _percentile(b_vals, opts.confidence)
    report.chrf_ci = _percentile(c_vals, opts.confidence)
    report.rouge_l_ci = _percentile(r_vals, opts.confidence)


def _percentile(values: list[float], confidence: float) -> Interval:
    import numpy as np

    tail = (1.0 - confidence) / 2 * 100
    lo, hi = np.percentile(np.asarray(values, dtype=float), [tail, 100 - tail])
    return Interval(low=float(lo), high=float(hi))
