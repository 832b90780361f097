from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SMALL_SCALE = 0.03


@pytest.fixture(scope="session")
def small_municipality(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small synthetic municipality (data folder, truth folder), generated once per test worker."""
    from vastgoed.synthetic import generate

    root = tmp_path_factory.mktemp("municipality")
    data, truth = root / "data", root / "truth"
    generate(data, truth, seed=7, scale=SMALL_SCALE)
    return data, truth
