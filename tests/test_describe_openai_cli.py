"""``dicmodel describe`` end to end against the loopback OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from dicmodel.cli import main
from dicmodel.testing import FakeOpenAIServer, request_text

pytestmark = pytest.mark.network

ANSWER = "A sends to B.\n\n```mermaid\nflowchart LR\n  A[\"Client\"] --> B[\"Server\"]\n```"


@pytest.fixture()
def images(tmp_path):
    from PIL import Image

    paths = []
    for i, color in enumerate(("white", "gray")):
        p = tmp_path / f"fig{i}.png"
        Image.new("RGB", (40 + i, 30), color).save(p)
        paths.append(p)
    return paths


def test_describe_images_to_json(images, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TEST_KEY", "k-123")
    with FakeOpenAIServer(reply=lambda body: ANSWER) as server:
        rc = main(["describe", *map(str, images), "--describer", "openai", "--base-url", server.base_url,
                   "--model", "fake", "--api-key-env", "TEST_KEY", "--concurrency", "2",
                   "--max-new-tokens", "300", "--caption", "Figure 1: client and server",
                   "--format", "json", "--cache-dir", str(tmp_path / "cache")])
    assert rc == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["figure_id"] for r in rows] == ["fig0.png", "fig1.png"]  # input order
    assert rows[0]["description"]["diagram"]["nodes"][0]["label"] == "Client"
    assert all(b["max_tokens"] == 300 for b in server.requests)
    assert "Figure 1: client and server" in request_text(server.requests[0])
    assert server.headers[0]["Authorization"] == "Bearer k-123"
    assert any((tmp_path / "cache").rglob("*.json"))


def test_describe_markdown_to_file(images, tmp_path):
    out = tmp_path / "out.md"
    with FakeOpenAIServer(reply=lambda body: ANSWER) as server:
        rc = main(["describe", str(images[0]), "--describer", "openai", "--base-url", server.base_url,
                   "--model", "fake", "-o", str(out)])
    text = out.read_text()
    assert rc == 0 and text.startswith("## fig0.png") and "```mermaid\nflowchart LR" in text


def test_flag_for_another_backend_is_refused(images):
    with pytest.raises(SystemExit, match="--batch-size does not apply"):
        main(["describe", str(images[0]), "--describer", "openai", "--base-url", "http://127.0.0.1:9/v1",
              "--model", "m", "--batch-size", "4"])


def test_model_describer_flag_offers_its_choices(images, capsys):
    with pytest.raises(SystemExit):
        main(["describe", str(images[0]), "--describer", "hybrid", "--model-describer", "hff"])
    assert "choose from 'hf', 'openai'" in capsys.readouterr().err


def test_missing_input_and_bad_config_exit_2(images, capsys):
    assert main(["describe", "nope.png", "--describer", "openai"]) == 2
    assert main(["describe", str(images[0]), "--describer", "hf", "--model", "/no/such/model"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_describe_pdf_goes_through_convert_with_caption_and_section(tmp_path, capsys):
    pymupdf = pytest.importorskip("pymupdf")
    pytest.importorskip("dicmodel.pipeline")
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 200), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([20, 20, 120, 80], outline="black", width=3)
    draw.rectangle([180, 120, 280, 180], outline="black", width=3)
    draw.line([120, 50, 180, 150], fill="black", width=3)
    png = tmp_path / "f.png"
    img.save(png)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "1 Introduction", fontsize=14)
    page.insert_text((72, 100), "The setup is shown in Figure 1.", fontsize=11)
    page.insert_image(pymupdf.Rect(72, 120, 372, 320), filename=str(png))
    page.insert_text((72, 340), "Figure 1: Two nodes linked", fontsize=10)
    pdf = tmp_path / "doc.pdf"
    doc.save(pdf)
    with FakeOpenAIServer(reply=lambda body: ANSWER) as server:
        rc = main(["describe", str(pdf), "--describer", "openai", "--base-url", server.base_url,
                   "--model", "fake"])
    out = capsys.readouterr().out
    assert rc == 0 and len(server.requests) == 1
    assert "Figure 1: Two nodes linked" in request_text(server.requests[0])
    assert "A sends to B." in out and "flowchart LR" in out
