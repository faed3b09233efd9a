"""AdaMLLM answer composition: "{informative} So the answer is {precise}.".

Its own small module because both :mod:`.export` (the VQA conversations of ``synth questions``)
and :mod:`.adamllm` (which reads the datasets that ``export`` writes) use it: with it here, data
flows one way, ``adamllm`` -> ``export`` -> ``answers``. ``adamllm.compose_answer`` is the same
function.
"""

from __future__ import annotations

import re

__all__ = ["compose_answer"]


def _norm(text: str) -> str:
    return re.sub(r"[\s.,;:!?\"'`。，；：！？、（）()]+", " ", text).strip().casefold()


def compose_answer(informative: str, precise: str, lang: str = "en") -> str:
    """AdaMLLM's answer: the informative response, then "So the answer is {precise}." unless
    the informative response already concludes (says "the answer is", or ends on the answer).
    ``lang="zh"`` concludes with "所以答案是{precise}。"."""
    info, prec = informative.strip(), precise.strip()
    if not prec:
        return info
    if not info:
        return prec
    if re.search(r"\bthe (final |correct )?answer is\b|答案是", info, re.IGNORECASE) or _norm(info).endswith(_norm(prec)):
        return info
    if lang == "zh":
        return f"{info}{'' if info.endswith(('。', '.', '！', '？')) else '。'}所以答案是{prec}。"
    if not info.endswith((".", "!", "?", "。")):
        info += "."
    end = "" if prec.endswith((".", "!", "?", "。")) else "."
    return f"{info} So the answer is {prec}{end}"
