from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

#: Large enough for about 150 investigations (the model needs labels of several phenomena).
MODEL_SCALE = 0.15


@dataclass(frozen=True)
class Trained:
    data: Path
    prepared: object  # vastgoed.pipeline.Prepared
    report: object  # vastgoed.modelling.TrainingReport


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """A municipality at scale 0.15, its features, and a model trained on them (once per worker)."""
    from vastgoed.core.config import Config
    from vastgoed.modelling import train_model
    from vastgoed.pipeline import prepare_features
    from vastgoed.synthetic import generate

    root = tmp_path_factory.mktemp("model-municipality")
    generate(root / "data", root / "truth", seed=7, scale=MODEL_SCALE, fixed=True)
    config = Config.model_validate({"tracking": {"enabled": False}, "model": {"num_boost_round": 80}})
    prepared = prepare_features(root / "data", config)
    report = train_model(prepared.inputs, prepared.features, prepared.outcomes, config)
    return Trained(root / "data", prepared, report)
