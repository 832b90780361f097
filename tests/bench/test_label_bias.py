"""The issue's Must-show on the generator's own data: past investigations that over-represent some
buurten and one audit group are flagged, exactly those, in a whole run (slow: about two minutes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vastgoed.core.config import load_config
from vastgoed.pipeline import run_batch
from vastgoed.synthetic import generate


@pytest.mark.slow
def test_the_label_audit_flags_exactly_the_planted_biases(tmp_path: Path) -> None:
    data, truth = tmp_path / "data", tmp_path / "truth"
    generate(data, truth, seed=5, scale=0.7, fixed=True)  # the planted biases at demo strength
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[tracking]\ntracking_uri = "sqlite:///{tmp_path / "mlflow.db"}"\n'
        f'artifact_location = "{tmp_path / "mlartifacts"}"\n',
        encoding="utf-8",
    )
    result = run_batch(data, tmp_path / "out", load_config(cfg))
    fairness = json.loads((result.run_dir / "ethics" / "fairness.json").read_text(encoding="utf-8"))
    planted = json.loads((truth / "summary.json").read_text(encoding="utf-8"))["onderzoeksbias"]
    flagged = sorted(f["id"] for f in fairness["vlaggen"] if f["soort"] == "labels")
    expected = sorted(
        [f"labels:buurt:{b}" for b in planted["buurten"]]
        + [f"labels:{g.replace('=', ':')}" for g in planted["groepen"]]
    )
    print(f"\nlabel flags: {flagged}\nplanted:     {expected}")
    assert flagged == expected
