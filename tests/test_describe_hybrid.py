"""hybrid: structural first, the model only below the threshold, with the structural type as hint."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.describe.openai import OpenAIDescriber
from dicmodel.document import Description, FigureType
from dicmodel.errors import ConfigError
from dicmodel.testing import FakeOpenAIServer, request_text


class FakeStructural:
    """Deterministic structural stand-in: confidence and type per figure id."""

    name = "fake-structural"

    def __init__(self, table: dict[str, tuple[float, FigureType]]):
        self.table = table
        self.calls = 0

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        self.calls += 1
        return [Description(text=f"structural {r.figure_id}", confidence=self.table[r.figure_id][0],
                            figure_type=self.table[r.figure_id][1], describer="fake-structural")
                for r in requests]


class RecordingModel:
    name = "recording-model"

    def __init__(self, fail: bool = False):
        self.seen: list[FigureRequest] = []
        self.fail = fail

    def describe(self, requests: Sequence[FigureRequest]) -> list[Description]:
        self.seen += list(requests)
        if self.fail:
            return [Description(text="", confidence=0.0, warnings=["server down"]) for _ in requests]
        return [Description(text=f"model {r.figure_id}", confidence=0.8,
                            figure_type=r.figure_type or FigureType.other, describer="model")
                for r in requests]


TABLE = {"a": (0.9, FigureType.flowchart), "b": (0.2, FigureType.sequence), "c": (0.49, FigureType.other),
         "d": (0.3, FigureType.logo)}


def reqs() -> list[FigureRequest]:
    return [FigureRequest(figure_id=k, image=b"png", figure_type=FigureType.table if k == "c" else None)
            for k in TABLE]


def test_only_low_confidence_figures_reach_the_model_with_the_type_hint():
    model = RecordingModel()
    d = get_describer("hybrid", structural=FakeStructural(TABLE), model_describer=model, threshold=0.5)
    out = d.describe(reqs())
    assert [r.figure_id for r in model.seen] == ["b", "c", "d"]
    assert model.seen[0].figure_type == FigureType.sequence  # structural type passed as hint
    assert model.seen[1].figure_type == FigureType.table  # 'other' keeps the request's own hint
    assert model.seen[2].figure_type is None  # an unsure 'logo' verdict does not steer the model
    assert [o.text for o in out] == ["structural a", "model b", "model c", "model d"]
    assert "threshold" in out[1].warnings[0]
    assert d.stats == {"figures": 4, "to_model": 3}


def test_threshold_zero_never_calls_the_model_and_one_always_does():
    model = RecordingModel()
    for threshold in (0.0, 1.0):
        d = get_describer("hybrid", structural=FakeStructural(TABLE), model_describer=model,
                          threshold=threshold)
        d.describe(reqs())
        if threshold == 0.0:
            assert model.seen == []
    assert len(model.seen) == 4


def test_a_failed_model_answer_keeps_the_structural_result():
    d = get_describer("hybrid", structural=FakeStructural(TABLE), model_describer=RecordingModel(fail=True))
    out = d.describe(reqs())
    assert out[1].text == "structural b" and any("server down" in w for w in out[1].warnings)


def test_remaining_options_go_to_the_model_describer():
    with FakeOpenAIServer(reply=lambda body: "A call flow.") as server:
        # base_url picks openai; batch_size (an hf option, as `dicmodel convert` may pass) is dropped
        d = get_describer("hybrid", structural=FakeStructural(TABLE), base_url=server.base_url,
                          model="fake", threshold=0.5, batch_size=8)
        assert isinstance(d.model, OpenAIDescriber)
        out = d.describe(reqs())
    assert len(server.requests) == 3  # b, c, d (requests arrive in any order: concurrency 4)
    assert sum("signalling call flow" in request_text(r) for r in server.requests) == 1  # b hint
    assert out[1].describer == "openai:fake:v1" and out[0].describer == "fake-structural"


def test_bad_options():
    with pytest.raises(ConfigError, match="model_describer"):
        get_describer("hybrid", structural=FakeStructural(TABLE), model_describer="structural")
    with pytest.raises(ConfigError, match="threshold"):
        get_describer("hybrid", structural=FakeStructural(TABLE), model_describer=RecordingModel(),
                      threshold=2)
    with pytest.raises(ConfigError, match="no_such_option"):
        get_describer("hybrid", structural=FakeStructural(TABLE), no_such_option=1)
    with pytest.raises(ConfigError, match="max_new_tokens.*RecordingModel instance"):  # not dropped unread
        get_describer("hybrid", structural=FakeStructural(TABLE), model_describer=RecordingModel(),
                      max_new_tokens=5)
    with pytest.raises(ConfigError, match="does not exist"):  # checked at once, not at first figure
        get_describer("hybrid", structural=FakeStructural(TABLE), model_describer="hf", model="/no/such/dir")


def test_with_the_real_structural_describer_only_its_unsure_figures_reach_the_model():
    import io

    from PIL import Image, ImageDraw

    from dicmodel.describe.base import TextDescriber

    def png(draw_boxes: bool) -> bytes:
        img = Image.new("RGB", (240, 120), "white")
        if draw_boxes:
            d = ImageDraw.Draw(img)
            d.rectangle([10, 40, 80, 80], outline="black", width=2)
            d.rectangle([160, 40, 230, 80], outline="black", width=2)
            d.line([80, 60, 160, 60], fill="black", width=2)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return buf.getvalue()

    requests = [FigureRequest(figure_id=f"r{i}", image=png(i == 1)) for i in range(3)]
    model = RecordingModel()
    d = get_describer("hybrid", model_describer=model, threshold=0.5)
    assert not isinstance(d.structural, (FakeStructural, TextDescriber))
    real = d.structural
    first: list[Description] = []

    class Recorder:  # the real structural describer, its answers kept for the check below
        name = "recorder"

        def describe(self, reqs):
            first.extend(real.describe(reqs))
            return first

    d.structural = Recorder()
    out = d.describe(requests)
    unsure = [r.figure_id for r, s in zip(requests, first) if s.confidence < 0.5]
    assert [r.figure_id for r in model.seen] == unsure
    assert [o.text.startswith("model ") for o in out] == [r.figure_id in unsure for r in requests]


def test_by_default_a_middling_structural_reading_goes_to_the_model():
    """Measured: almost every structural reading scores >= 0.5, and those between 0.5 and 0.8
    are mostly wrong (docs/describers.md), so the default threshold routes them; 0.95, the
    confidence of a clean reading, stays structural."""
    table = {"clean": (0.95, FigureType.sequence), "middling": (0.7, FigureType.topology)}
    model = RecordingModel()
    d = get_describer("hybrid", structural=FakeStructural(table), model_describer=model)
    d.describe([FigureRequest(figure_id=k, image=b"png") for k in table])
    assert [r.figure_id for r in model.seen] == ["middling"]
