"""Disk cache of descriptions and model-answer parsing (_output)."""

from __future__ import annotations

from dicmodel.describe._output import Generation, describe_with_model, parse_answer
from dicmodel.describe.base import FigureRequest
from dicmodel.describe.cache import DescriptionCache, cache_key, path_fingerprint
from dicmodel.document import Description, FigureType


def key(req: FigureRequest, **kw) -> str:
    args = dict(model_id="m", adapter_id="", prompt_version="v1", settings={"max_new_tokens": 8})
    args.update(kw)
    return cache_key(req, **args)


def test_key_changes_with_every_part():
    r = FigureRequest(figure_id="a", image=b"img")
    base = key(r)
    assert key(FigureRequest(figure_id="other-id", image=b"img")) == base  # the id is not content
    variants = [key(FigureRequest(figure_id="a", image=b"img2")), key(r, model_id="m2"),
                key(r, adapter_id="lora"), key(r, prompt_version="v2"),
                key(r, settings={"max_new_tokens": 9}),
                key(FigureRequest(figure_id="a", image=b"img", caption="Figure 1")),
                key(FigureRequest(figure_id="a", image=b"img", figure_type=FigureType.state))]
    assert base not in variants and len(set(variants)) == len(variants)


def test_round_trip_atomic_files_and_corrupt_entries(tmp_path):
    cache = DescriptionCache(tmp_path)
    d = Description(text="x", confidence=0.5, warnings=["w"])
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, d)
    assert cache.get("ab" * 32) == d and len(cache) == 1
    assert not [p for p in tmp_path.rglob(".tmp-*")]  # no temporary file left behind
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / ("cd" * 32 + ".json")).write_text("{not json")
    assert cache.get("cd" * 32) is None and cache.misses == 2 and cache.hits == 1


def test_fingerprint_follows_folder_contents(tmp_path):
    (tmp_path / "adapter_model.safetensors").write_bytes(b"1")
    first = path_fingerprint(tmp_path)
    (tmp_path / "adapter_model.safetensors").write_bytes(b"22")  # retrained in place
    assert path_fingerprint(tmp_path) != first
    assert path_fingerprint("org/name") == "org/name" and path_fingerprint(None) == ""


def test_failures_are_not_cached(tmp_path):
    cache = DescriptionCache(tmp_path)
    calls = []

    def generate(convs):
        calls.append(len(convs))
        return [Generation(error="boom") for _ in convs]

    req = FigureRequest(figure_id="a", image=b"img")
    for _ in range(2):
        [d] = describe_with_model([req], generate, describer="t", cache=cache, key_of=lambda r: key(r))
        assert d.confidence == 0 and "boom" in d.warnings[0]
    assert calls == [1, 1] and len(cache) == 0


def test_a_raising_backend_degrades_to_per_figure_errors():
    def generate(convs):
        raise RuntimeError("CUDA out of memory")

    out = describe_with_model([FigureRequest(figure_id=str(i), image=b"i") for i in range(3)], generate,
                              describer="t")
    assert len(out) == 3 and all("out of memory" in d.warnings[0] for d in out)


def test_parse_answer_types_prose_and_unclosed_blocks():
    p = parse_answer("Figure type: state machine\nIdle goes to Busy.\n```mermaid\nstateDiagram-v2\n"
                     "  [*] --> Idle\n  Idle --> Busy : start\n```")
    assert p.figure_type == FigureType.state and p.diagram is not None and p.prose == "Idle goes to Busy."
    topo = parse_answer("R1 links R2.\n```mermaid\nflowchart LR\n  R1 --- R2\n```", FigureType.topology)
    assert topo.figure_type == FigureType.topology and topo.diagram.kind == "topology"
    cut = parse_answer("A to B.\n```mermaid\nflowchart TD\n  A --> B", FigureType.flowchart)
    assert cut.diagram is not None and any("not closed" in w for w in cut.warnings)
    assert cut.prose == "A to B."
    hint_conflict = parse_answer("```mermaid\nsequenceDiagram\n  A->>B: hi\n```", FigureType.flowchart)
    assert hint_conflict.figure_type == FigureType.sequence  # the parsed structure wins over a wrong hint
    pie = parse_answer("Shares.\n```mermaid\npie\n  \"a\" : 1\n```", FigureType.chart)
    assert pie.error is not None and not pie.needs_repair  # valid Mermaid we do not model: no repair


def test_unwritable_cache_and_miscounting_backend_do_not_abort(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = DescriptionCache(blocker / "cache")  # mkdir under a file fails with OSError
    req = FigureRequest(figure_id="a", image=b"img")
    [d] = describe_with_model([req], lambda convs: [Generation(text="A figure.") for _ in convs],
                              describer="t", cache=cache, key_of=lambda r: key(r))
    assert d.text == "A figure."
    out = describe_with_model([req, req], lambda convs: [Generation(text="one")], describer="t")
    assert all(o.confidence == 0 and "1 answers for 2" in o.warnings[0] for o in out)


def test_failed_repair_call_is_not_cached(tmp_path):
    cache = DescriptionCache(tmp_path)
    broken = "x\n```mermaid\nflowchart TD\n  A[\"a\" --> B\n```"

    def generate(convs):
        if len(convs[0]) == 2:
            return [Generation(text=broken) for _ in convs]
        return [Generation(error="HTTP 503") for _ in convs]

    [d] = describe_with_model([FigureRequest(figure_id="a", image=b"i")], generate, describer="t",
                              cache=cache, key_of=lambda r: key(r))
    assert any("repair call failed: HTTP 503" in w for w in d.warnings) and len(cache) == 0


def test_key_follows_the_figure_text_spans():
    from dicmodel.document import BBox, TextSpan

    box = BBox(x0=0, y0=0, x1=1, y1=1)
    a = FigureRequest(figure_id="a", image=b"img", spans=[TextSpan(text="UE", bbox=box)])
    b = FigureRequest(figure_id="a", image=b"img", spans=[TextSpan(text="gNB", bbox=box)])
    assert key(a) != key(b)
