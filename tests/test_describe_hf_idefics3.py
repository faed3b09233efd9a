"""The hf describer on SmolVLM's architecture: a tiny, randomly initialised Idefics3 (SigLIP-style
vision tower + pixel-shuffle connector + Llama text model) built fully offline.

The tokenizer is trained on the fly and holds the special tokens Idefics3Processor looks up
(<fake_token_around_image>, <image>, <global-img>, <end_of_utterance>, <row_i_col_j>); the
image processor is the PIL one (no torchvision here) with splitting off and one 64 px tile,
so every image costs (64 / 16)^2 / 2^2 = 4 image tokens.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.document import Description

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

TILE, PATCH, SCALE = 64, 16, 2
IMAGE_SEQ_LEN = (TILE // PATCH) ** 2 // SCALE**2

# SmolVLM-style template: "User:<image>text<end_of_utterance>\nAssistant:"
TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}:{% else %}: {% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}<image>{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}")

SPECIAL = (["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>",
            "<image>", "<global-img>"]
           + [f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)])


def _tokenizer():
    import tokenizers as tk
    import transformers as tf

    words = ("the figure shows a router switch server client link node edge state request "
             "response sends receives user assistant describe diagram mermaid flowchart").split()
    corpus = [" ".join(words[(i * 5 + j) % len(words)] for j in range(10)) for i in range(200)]
    tok = tk.Tokenizer(tk.models.BPE())
    tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(vocab_size=512, special_tokens=SPECIAL, show_progress=False,
                                     initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    return tf.PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<end_of_utterance>", pad_token="<|endoftext|>",
        bos_token="<|im_start|>", additional_special_tokens=SPECIAL[1:], chat_template=TEMPLATE)


@pytest.fixture(scope="module")
def tiny_idefics3(tmp_path_factory) -> Path:
    import torch
    import transformers as tf

    torch.manual_seed(0)
    tok = _tokenizer()
    ip = tf.Idefics3ImageProcessorPil(size={"longest_edge": TILE}, max_image_size={"longest_edge": TILE},
                                      do_image_splitting=False)
    proc = tf.Idefics3Processor(image_processor=ip, tokenizer=tok, image_seq_len=IMAGE_SEQ_LEN,
                                chat_template=TEMPLATE)
    vision = tf.Idefics3VisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                     num_attention_heads=2, image_size=TILE, patch_size=PATCH)
    text = tf.LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                          bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                          pad_token_id=tok.pad_token_id)
    cfg = tf.Idefics3Config(vision_config=vision, text_config=text, scale_factor=SCALE,
                            image_token_id=tok.convert_tokens_to_ids("<image>"), pad_token_id=tok.pad_token_id)
    out = tmp_path_factory.mktemp("smolvlm-tiny")
    tf.Idefics3ForConditionalGeneration(cfg).save_pretrained(out)
    proc.save_pretrained(out)
    return out


def png(size: tuple[int, int], color: str) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).rectangle([4, 4, size[0] // 2, size[1] // 2], outline="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.slow
def test_idefics3_checkpoint_describes_two_figures(tiny_idefics3):
    d = get_describer("hf", model=str(tiny_idefics3), max_new_tokens=8, device="cpu")
    reqs = [FigureRequest(figure_id="a", image=png((80, 50), "white"), caption="Figure 1: links"),
            FigureRequest(figure_id="b", image=png((50, 90), "yellow"))]
    out = d.describe(reqs)
    assert type(d.model).__name__ == "Idefics3ForConditionalGeneration"
    assert type(d.processor).__name__ == "Idefics3Processor"
    assert len(out) == 2 and all(isinstance(o, Description) for o in out)
    assert all(o.describer == f"hf:{tiny_idefics3.name}:v1" for o in out)
    # a generation error would come back as confidence 0; random weights still give some tokens
    assert all(o.confidence > 0 for o in out), [o.warnings for o in out]
    assert all(o.text for o in out)
    # both figures went through one left-padded generate() call (default batch_size 4)
    assert d.stats["generate_calls"] == 1 and d.stats["figures"] == 2
    assert 0 < d.stats["generated_tokens"] <= 2 * 8


@pytest.mark.slow
def test_idefics3_prompt_expands_one_tile_per_image(tiny_idefics3):
    """The saved processor reloads with splitting off: one global tile of IMAGE_SEQ_LEN tokens."""
    d = get_describer("hf", model=str(tiny_idefics3), max_new_tokens=2, device="cpu").load()
    conv = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]}]
    prompt = d._prompt_text(conv)
    assert prompt.count("<image>") == 1 and prompt.endswith("Assistant:")
    from PIL import Image

    batch = d.processor(text=[prompt], images=[[Image.new("RGB", (300, 120), "white")]], return_tensors="pt")
    ids = batch["input_ids"][0].tolist()
    assert ids.count(d.processor.image_token_id) == IMAGE_SEQ_LEN
    assert tuple(batch["pixel_values"].shape[-2:]) == (TILE, TILE)
