from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from models import CLASSES, SignalModel, labels_from_outcomes, reasons, training_set


def _data(n: int = 3000, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    elek = rng.lognormal(7.5, 0.4, n)
    noise = rng.normal(size=n)
    hennep = rng.random(n) < 0.05
    elek[hennep] *= 15
    ids = [f"{i:016d}" for i in range(n)]
    feats = pl.DataFrame({"verblijfsobject_id": ids, "elektriciteit_kwh": elek, "ruis": noise})
    investigated = rng.random(n) < 0.3
    outcomes = pl.DataFrame(
        {
            "verblijfsobject_id": [i for i, m in zip(ids, investigated, strict=True) if m],
            "datum_onderzoek": [dt.date(2023, 5, 1)] * int(investigated.sum()),
            "fenomeen": ["hennepteelt"] * int(investigated.sum()),
            "uitkomst": [
                "bevestigd" if h else "niet_bevestigd" for h, m in zip(hennep, investigated, strict=True) if m
            ],
        }
    )
    return feats, outcomes


def test_model_recovers_a_planted_signal_and_explains_it() -> None:

    feats, outcomes = _data()
    labels = labels_from_outcomes(outcomes, dt.date(2025, 1, 1))
    ts = training_set(feats, labels, unlabelled_ratio=1.0, unlabelled_weight=0.3, seed=1)
    assert ts.n_labelled == labels.height and ts.n_unlabelled == min(
        labels.height, feats.height - labels.height
    )
    model = SignalModel(num_boost_round=50, num_threads=1).fit(ts.X, ts.y, ts.weight)
    X = feats.select("elektriciteit_kwh", "ruis")
    proba = model.predict_proba(X)
    assert proba.shape == (feats.height, len(CLASSES))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    score = 1 - proba[:, 0]
    top = np.argsort(-score)[:100]
    high = feats["elektriciteit_kwh"].to_numpy() > 15000
    assert high[top].mean() > 0.9
    why = reasons(model, X[top[:5].tolist()], ["hennepteelt"] * 5, {"elektriciteit_kwh": "elektriciteit"}, 2)
    assert all(w.startswith("elektriciteit = ") and "(+" in w.split(";")[0] for w in why)


def test_outcomes_after_the_peildatum_are_ignored() -> None:

    out = pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "a", "b"],
            "datum_onderzoek": [dt.date(2020, 1, 1), dt.date(2024, 6, 1), dt.date(2026, 1, 1)],
            "fenomeen": ["hennepteelt", "spookbewoning", "hennepteelt"],
            "uitkomst": ["bevestigd", "niet_bevestigd", "bevestigd"],
        }
    )
    lab = labels_from_outcomes(out, dt.date(2025, 1, 1))
    # b's investigation lies after the peildatum; a's latest investigation found nothing
    assert lab.to_dicts() == [{"verblijfsobject_id": "a", "label": "geen"}]
    assert labels_from_outcomes(out, dt.date(2024, 1, 1)).to_dicts() == [
        {"verblijfsobject_id": "a", "label": "hennepteelt"}
    ]
