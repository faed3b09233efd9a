"""The hf describer beyond Qwen2/2.5-VL: tiny random Qwen3-VL, and a tiny random LLaVA (CLIP
vision + Llama text) whose chat template refuses a system turn, both built offline."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dicmodel.describe.base import FigureRequest, get_describer

pytest.importorskip("torch")
pytest.importorskip("transformers")

# LLaVA-1.5-style template; like several real ones it raises on a system turn
LLAVA_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ raise_exception('system role not supported') }}{% endif %}"
    "{% if message['role'] == 'user' %}USER: {% else %}ASSISTANT: {% endif %}"
    "{% for content in message['content'] %}{% if content['type'] == 'image' %}<image>\n"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}"
    "{% if message['role'] == 'assistant' %}<|im_end|>{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}")


@pytest.fixture(scope="module")
def tiny_llava(tmp_path_factory) -> Path:
    import torch
    import transformers as tf

    from dicmodel.models.tiny import build_tokenizer

    torch.manual_seed(0)
    tok = build_tokenizer()
    tok.add_tokens(["<image>"], special_tokens=True)
    tok.chat_template = LLAVA_TEMPLATE
    ip = tf.CLIPImageProcessorPil(size={"shortest_edge": 56}, crop_size={"height": 56, "width": 56})
    proc = tf.LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=14, chat_template=LLAVA_TEMPLATE,
                             vision_feature_select_strategy="default", num_additional_image_tokens=1)
    vision = tf.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=2, image_size=56, patch_size=14, projection_dim=32)
    text = tf.LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, eos_token_id=tok.eos_token_id,
                          pad_token_id=tok.pad_token_id, bos_token_id=tok.pad_token_id)
    cfg = tf.LlavaConfig(vision_config=vision, text_config=text,
                         image_token_id=tok.convert_tokens_to_ids("<image>"),
                         vision_feature_select_strategy="default", vision_feature_layer=-1)
    out = tmp_path_factory.mktemp("llava")
    tf.LlavaForConditionalGeneration(cfg).save_pretrained(out)
    proc.save_pretrained(out)
    return out


def png(size: tuple[int, int], color: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.slow
def test_llava_checkpoint_describes_a_batch(tiny_llava):
    d = get_describer("hf", model=str(tiny_llava), device="cpu", max_new_tokens=6, batch_size=2)
    reqs = [FigureRequest(figure_id=str(i), image=png(s, c), caption="Figure 2: links")
            for i, (s, c) in enumerate([((60, 40), "white"), ((90, 90), "black"), ((40, 70), "red")])]
    out = d.describe(reqs)
    assert type(d.model).__name__ == "LlavaForConditionalGeneration"
    assert len(out) == 3 and all(o.text and o.confidence > 0 for o in out)
    assert d.stats["generate_calls"] == 2 and d.stats["generated_tokens"] > 0
    prompt = d._prompt_text([{"role": "system", "content": [{"type": "text", "text": "SYS"}]},
                             {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Q"}]}])
    assert prompt.startswith("USER: ") and "SYS" in prompt  # the system text folded into the user turn


@pytest.mark.slow
def test_qwen3_vl_checkpoint_describes_a_batch(tmp_path):
    from dicmodel.models.tiny import save_tiny_vlm

    d = get_describer("hf", model=str(save_tiny_vlm(tmp_path / "q3", "qwen3_vl")), device="cpu",
                      max_new_tokens=6, batch_size=2)
    out = d.describe([FigureRequest(figure_id=str(i), image=png(s, "white"))
                      for i, s in enumerate([(60, 40), (90, 90), (40, 70)])])
    assert type(d.model).__name__ == "Qwen3VLForConditionalGeneration"
    assert len(out) == 3 and all(o.text and o.describer == "hf:q3:v1" for o in out)
    assert d.stats["generate_calls"] == 2 and d.stats["figures"] == 3
    assert 0 < d.stats["generated_tokens"] <= 3 * 6
