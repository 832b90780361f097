from __future__ import annotations

from pathlib import Path

import pytest

from vastgoed.synthetic import GenerationSummary, generate

SCALE = 0.03
SEED = 7


@pytest.fixture(scope="session")
def params() -> tuple[int, float]:
    """Seed and scale of the shared generated folder."""
    return SEED, SCALE


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, GenerationSummary]:
    base = tmp_path_factory.mktemp("synthetic")
    out, truth = base / "data", base / "truth"
    # the demo municipality's parameters: the realism bands are those of the demo world (a seed's own
    # drawn parameters are tested in test_variation.py)
    summary = generate(out, truth, seed=SEED, scale=SCALE, fixed=True)
    return out, truth, summary
