"""The model on municipalities it was not developed on: precision@200 and average precision against
the rule baseline, per seed and scale, with a fresh MLflow store each (slow: about two minutes per
municipality; `make bench`).

Prints one row per municipality and the median. The issue's bar is precision@200 ≥ 0.85 and an AP
ratio ≥ 1.5; the assertion is on every municipality, so a miss is seen, not averaged away. Set
``VASTGOED_UNSEEN="seed:scale,seed:scale"`` to measure others.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest

from vastgoed.core.config import load_config
from vastgoed.pipeline import run_batch
from vastgoed.report.evaluation import evaluate_run
from vastgoed.synthetic import generate

#: Seeds and scales that no development run had used when the settings were fixed (development:
#: seed 0 at 1.0; seeds 5, 99, 2026, 31 and 404 were looked at while choosing the cap, the weak
#: labels and the refit). They were measured once, at commit 3e2b89e (docs/model-card.md); a new
#: claim of "unseen" needs new ones, through VASTGOED_UNSEEN.
DEFAULT = "1234:0.75,2718:1.0,8080:0.6"


def _municipalities() -> list[tuple[int, float]]:
    spec = os.environ.get("VASTGOED_UNSEEN", DEFAULT)
    return [(int(s), float(c)) for s, c in (part.split(":") for part in spec.split(","))]


@pytest.mark.slow
def test_the_model_beats_the_rules_on_unseen_municipalities(tmp_path: Path) -> None:
    rows = []
    for seed, scale in _municipalities():
        root = tmp_path / f"s{seed}"
        data, truth = root / "data", root / "truth"
        generate(data, truth, seed=seed, scale=scale)
        cfg = root / "config.toml"
        cfg.write_text(
            f'[tracking]\ntracking_uri = "sqlite:///{root / "mlflow.db"}"\n'
            f'artifact_location = "{root / "mlartifacts"}"\n',
            encoding="utf-8",
        )
        result = run_batch(data, root / "out", load_config(cfg))
        h = evaluate_run(result.run_dir, truth).headline()
        rows.append((seed, scale, h))
    print("\nseed  scale  p@200 model  p@200 rules  AP model  AP rules  ratio")
    for seed, scale, h in rows:
        print(
            f"{seed:>4}  {scale:>5}  {h['precision_at_capacity_model']:>11.3f}  "
            f"{h['precision_at_capacity_baseline']:>11.3f}  {h['average_precision_model']:>8.3f}  "
            f"{h['average_precision_baseline']:>8.3f}  {h['average_precision_ratio']:>5.2f}"
        )
    ratios = [float(h["average_precision_ratio"] or 0.0) for _, _, h in rows]
    p200 = [float(h["precision_at_capacity_model"] or 0.0) for _, _, h in rows]
    print(f"median: p@200 {statistics.median(p200):.3f}, AP ratio {statistics.median(ratios):.2f}")
    assert all(p >= 0.85 for p in p200), p200
    assert all(r >= 1.5 for r in ratios), ratios
