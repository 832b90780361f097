"""Separation benchmark (``make bench``): does one feature alone tell each phenomenon apart?

A synthetic municipality at scale 1.0 (seed 11, not the tests' 7) goes through the batch up to its
features; for each of the seven phenomena the ROC AUC of every catalogued feature is measured
against "this object has this phenomenon" versus all other objects, in the feature's catalogued
direction (``hoger_risico``: higher is riskier, ``lager_risico``: lower is riskier, ``beide``: the
better of the two). A missing value is taken as the lowest risk (missing is never evidence).

Phenomena defined on dwellings by the data contract (``onverklaarbare_leegstand``: "a dwelling
with nobody registered", ``spookbewoning``: "nobody registered, yet the dwelling is used") are
measured over dwellings (``is_woning``); the others, defined on addresses, over all objects.

Also prints the time to build all features at scale 1.0 (median of three runs of
``features.build_features`` on the batch's own inputs; target 30 s on 2 cores).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

import vastgoed.pipeline
from features import FeatureInputs, build_features, catalogue
from vastgoed.core.config import Config, TrackingConfig
from vastgoed.core.schema import FENOMENEN
from vastgoed.pipeline import run_batch

SEED = 11
SCALE = 1.0
MIN_AUC = 0.8
REPEATS = 3
#: Phenomena the data contract defines on a dwelling; the rest are measured over every object.
ON_DWELLINGS = frozenset({"onverklaarbare_leegstand", "spookbewoning"})


def _auc(y: np.ndarray, x: pl.Series, sign: int) -> float:
    """ROC AUC of ``sign * x`` for ``y``, a missing (or non-finite) value scored as the lowest risk."""
    v = (x.cast(pl.Float64) * sign).to_numpy().copy()
    missing = ~np.isfinite(v)
    if missing.all():
        return 0.5
    v[missing] = v[~missing].min() - 1.0
    return float(roc_auc_score(y, v))


def _directional_auc(y: np.ndarray, x: pl.Series, direction: str) -> float:
    if direction == "hoger_risico":
        return _auc(y, x, 1)
    if direction == "lager_risico":
        return _auc(y, x, -1)
    return max(_auc(y, x, 1), _auc(y, x, -1))


@pytest.mark.slow
def test_every_phenomenon_has_a_feature_that_separates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vastgoed.synthetic import generate

    data, truth = tmp_path / "data", tmp_path / "truth"
    generate(data, truth, seed=SEED, scale=SCALE)

    captured: list[FeatureInputs] = []

    def capturing(inputs: FeatureInputs) -> pl.DataFrame:
        captured.append(inputs)
        return build_features(inputs)

    monkeypatch.setattr(vastgoed.pipeline, "build_features", capturing)
    result = run_batch(data, tmp_path / "out", Config(tracking=TrackingConfig(enabled=False)))
    assert result.run_dir is not None
    feats = pl.read_parquet(result.run_dir / "features.parquet")
    (inputs,) = captured

    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        again = build_features(inputs)
        times.append(time.perf_counter() - start)
    assert again.height == feats.height

    adressen = pl.read_csv(
        truth / "adressen.csv",
        schema_overrides={"verblijfsobject_id": pl.String, "fenomeen": pl.String, "lookalike": pl.String},
    )
    table = feats.join(adressen.select("verblijfsobject_id", "fenomeen"), on="verblijfsobject_id", how="left")
    assert table.height == feats.height
    specs = [s for s in catalogue() if s.name in feats.columns]
    assert len(specs) == feats.width - 1

    rows = []
    for fenomeen in FENOMENEN:
        pop = table.filter(pl.col("is_woning") == 1) if fenomeen in ON_DWELLINGS else table
        y = (pop["fenomeen"] == fenomeen).fill_null(False).to_numpy()
        ranked = sorted(
            ((_directional_auc(y, pop[s.name], s.direction), s.name, s.direction) for s in specs),
            reverse=True,
        )
        rows.append(
            (fenomeen, "woningen" if fenomeen in ON_DWELLINGS else "alle", int(y.sum()), pop.height, ranked)
        )

    print(f"\nseparation at scale {SCALE}, seed {SEED}: {feats.height} objects, {len(specs)} features")
    print(f"  {'fenomeen':<30} {'over':<9} {'pos':>5} {'of':>6}  {'best feature':<34} {'AUC':>6}   runner-up")
    for fenomeen, over, n_pos, n, ranked in rows:
        (auc, name, _), (auc2, name2, _) = ranked[0], ranked[1]
        print(f"  {fenomeen:<30} {over:<9} {n_pos:>5} {n:>6}  {name:<34} {auc:6.3f}   {name2} {auc2:.3f}")
    print(
        f"  build_features at scale {SCALE}: median {statistics.median(times):.2f} s of {REPEATS} runs "
        f"(runs: {[round(t, 2) for t in times]}; target 30 s on 2 cores)"
    )

    for fenomeen, _, n_pos, _, _ in rows:
        assert n_pos > 0, f"no {fenomeen} planted"
    weak = {f: round(r[0][0], 3) for f, _, _, _, r in rows if r[0][0] < MIN_AUC}
    assert not weak, f"no single feature reaches AUC {MIN_AUC} for {weak}"
