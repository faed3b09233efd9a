"""Shared fixtures. The devset lives beside the repository (../shared/devset), never inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEVSET = REPO.parent / "shared" / "devset"


@pytest.fixture(scope="session")
def devset() -> Path:
    if not DEVSET.is_dir():
        pytest.skip("../shared/devset is not present")
    return DEVSET
