"""Caption metrics against sacrebleu's documented values and on Chinese text."""

from __future__ import annotations

import pytest

from dicmodel.errors import ConfigError
from dicmodel.eval.captions import (
    CaptionOptions,
    choose_tokenizer,
    rouge_l,
    rouge_tokens,
    score_captions,
    sentence_bleu,
)

# the example of sacrebleu's README ("Using SacreBLEU from Python"), references per item
SYS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REFS = [["The dog bit the man.", "The dog had bit the man."],
        ["It was not unexpected.", "No one was surprised."],
        ["The man bit him first.", "The man had bitten the dog."]]
NO_BOOT = CaptionOptions(bootstrap=0)


def test_reproduces_sacrebleu_readme_values():
    r = score_captions(SYS, REFS, NO_BOOT)
    assert round(r.bleu, 2) == 48.53  # "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ...)"
    assert "82.4/50.0/45.5/37.5" in r.bleu_detail
    assert round(r.chrf, 2) == 59.73  # "chrF2 = 59.73"
    assert r.tokenize == "13a"
    assert r.bleu_signature.startswith("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp")


def test_variable_number_of_references_matches_readme():
    refs = [["The dog had bit the man."], REFS[1], REFS[2]]  # first item lost one reference
    r = score_captions(SYS, refs, NO_BOOT)
    assert round(r.bleu, 2) == 29.44


def test_sentence_scores_per_item():
    r = score_captions(SYS, REFS, NO_BOOT, ids=["a", "b", "c"])
    assert [x.id for x in r.items] == ["a", "b", "c"]
    assert r.items[0].bleu == pytest.approx(100.0) and r.items[0].rouge_l == pytest.approx(100.0)
    assert 0 < r.items[1].bleu < r.items[2].bleu < 100
    assert sentence_bleu(SYS[1], REFS[1]) == pytest.approx(r.items[1].bleu)


def test_chinese_uses_the_zh_tokenizer():
    pred, ref = "基站向核心网发送请求", "基站向核心网发送附着请求"
    assert choose_tokenizer([pred]) == "zh"
    assert choose_tokenizer(["UE 发送 Attach Request"]) == "zh"
    assert choose_tokenizer(["The UE sends"]) == "13a"
    r = score_captions([pred], [ref], NO_BOOT)
    assert r.tokenize == "zh" and "tok:zh" in r.bleu_signature
    # 10 of 12 characters, all 1..4-grams of the prediction but one trigram/4-gram boundary match
    assert "100.0/88.9/75.0/71.4" in r.bleu_detail
    assert round(r.bleu, 2) == 68.01
    # 13a would see one unsegmented 'word' on each side and score zero
    assert score_captions([pred], [ref], CaptionOptions(tokenize="13a", bootstrap=0)).bleu == 0.0


def test_rouge_l_is_character_level_for_cjk():
    assert rouge_tokens("5G基站 sends Attach-Request") == ["5g", "基", "站", "sends", "attach", "request"]
    # LCS 10, P = 10/10, R = 10/12 -> F1 = 20/22
    assert rouge_l("基站向核心网发送请求", "基站向核心网发送附着请求") == pytest.approx(100 * 20 / 22)
    assert rouge_l("the cat sat", ["a dog ran", "the cat sat down"]) == pytest.approx(100 * 6 / 7)
    assert rouge_l("", "anything") == 0.0


def test_bootstrap_is_seeded_and_brackets_the_score():
    preds = SYS * 4
    refs = REFS * 4
    a = score_captions(preds, refs, CaptionOptions(bootstrap=200, seed=7))
    b = score_captions(preds, refs, CaptionOptions(bootstrap=200, seed=7))
    c = score_captions(preds, refs, CaptionOptions(bootstrap=200, seed=8))
    assert a.bleu_ci == b.bleu_ci and a.rouge_l_ci == b.rouge_l_ci
    assert a.bleu_ci != c.bleu_ci
    for point, ci in ((a.bleu, a.bleu_ci), (a.chrf, a.chrf_ci), (a.rouge_l, a.rouge_l_ci)):
        assert ci.low <= point <= ci.high and ci.low < ci.high


def test_bad_input_is_named():
    with pytest.raises(ConfigError, match="same length"):
        score_captions(["a"], ["a", "b"])
    with pytest.raises(ConfigError, match=r"references\[0\]"):
        score_captions(["a"], [3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        CaptionOptions(bootstrap=-1)
