"""Fast checks of the integrations' option handling (no Ray, no unstructured import)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from dicmodel.errors import ConfigError
from dicmodel.integrations.ray import RayOptions, add_cli_flags, convert_corpus, options_from_args


def test_ray_options_are_validated_before_ray_starts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="describer_gpus"):
        convert_corpus([], tmp_path, describer_gpus=-1)
    with pytest.raises(ConfigError, match="describer"):
        convert_corpus([], tmp_path, describer=object())
    with pytest.raises(ConfigError, match="formats"):
        convert_corpus([], tmp_path, formats="md,pdf")


def test_ray_cli_flags_map_one_to_one_onto_fields() -> None:
    parser = argparse.ArgumentParser()
    add_cli_flags(parser)
    args = parser.parse_args(["--ray-describer-gpus", "1", "--ray-describer-actors", "4",
                              "--ray-address", "ray://head:10001", "--ray-parquet"])
    opts = RayOptions(**options_from_args(args))
    assert (opts.describer_gpus, opts.describer_actors, opts.address, opts.parquet) == \
        (1.0, 4, "ray://head:10001", True)
    assert options_from_args(parser.parse_args([])) == {}


def test_empty_corpus_needs_no_ray(tmp_path: Path) -> None:
    summary = convert_corpus([], tmp_path / "out")
    assert summary.documents == 0 and (tmp_path / "out" / "_dicmodel" / "summary.json").is_file()
