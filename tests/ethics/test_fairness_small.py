"""Issue 22: the fairness audit and the proxy screen on a small or cut-down extract.

A cut-down extract left a feature column without a single value, and the audit crashed in the
boosted model's binning (``ValueError: window shape cannot be larger than input array shape``);
a handful of objects gave figures that looked like findings.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from vastgoed.ethics.fairness import FairnessSettings, fairness_audit
from vastgoed.ethics.proxy import FEW_OBJECTS, ProxyScreenError, ProxyViolation

SETTINGS = FairnessSettings(bootstrap=50)
TEXT = ("verblijfsobject_id", "buurtcode", "fenomeen", "uitkomst")


def _world(n: int, n_inv: int, *, empty_feature: bool) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(0)
    ids = pl.Series([f"0935010000{i:06d}" for i in range(n)], dtype=pl.String)
    features = {"verblijfsobject_id": ids, "signaal": rng.exponential(1.0, n)}
    if empty_feature:
        features["verbruik"] = pl.Series([None] * n, dtype=pl.Float64)  # energie cut away
        features["leeg"] = pl.Series([None] * n, dtype=pl.Null)
    score = rng.random(n)
    return {
        "objects": pl.DataFrame(
            {
                "verblijfsobject_id": ids,
                "buurtcode": pl.Series([f"BU09350{i % 3:03d}" for i in range(n)], dtype=pl.String),
            }
        ),
        "features": pl.DataFrame(features),
        "signals": pl.DataFrame({"verblijfsobject_id": ids, "score": score}).with_columns(
            pl.col("score").rank("ordinal", descending=True).cast(pl.Int64).alias("rank")
        ),
        "outcomes": pl.DataFrame(
            {
                "verblijfsobject_id": ids[:n_inv],
                "datum_onderzoek": [dt.date(2023, 1, 1)] * n_inv,
                "fenomeen": ["hennepteelt"] * n_inv,
                "uitkomst": ["bevestigd" if i % 2 else "niet_bevestigd" for i in range(n_inv)],
            },
            schema_overrides={"datum_onderzoek": pl.Date, **dict.fromkeys(TEXT, pl.String)},
        ),
    }


def _audit(world: dict[str, pl.DataFrame]):  # type: ignore[no-untyped-def]
    return fairness_audit(**world, groups=None, capacity=5, settings=SETTINGS)


def test_a_feature_column_without_values_does_not_crash_the_audit() -> None:
    report = _audit(_world(400, 120, empty_feature=True))
    assert report.labels.height == 3  # the buurten, with their expected investigations
    assert report.labels.get_column("verwacht_uit_signalen").sum() == pytest.approx(120)


@pytest.mark.parametrize(("n", "n_inv"), [(0, 0), (1, 0), (1, 1), (8, 3)])
def test_a_tiny_extract_gives_an_honest_note_not_a_crash(n: int, n_inv: int) -> None:
    report = _audit(_world(n, n_inv, empty_feature=True))
    notes = [x for x in report.notes if x.startswith("te weinig waarnemingen")]
    assert any(f"{n_inv} onderzochte adressen" in x for x in notes)
    assert report.flags == []


def test_enough_observations_give_no_note() -> None:
    report = _audit(_world(400, 120, empty_feature=False))
    assert not [x for x in report.notes if x.startswith("te weinig waarnemingen")]


def _violation(n: int) -> ProxyViolation:
    return ProxyViolation("kenmerk", "object", "leeftijdsgroep", "18-29", 0.8, "personen", "hoger", n, n // 4)


def test_the_proxy_screen_says_when_it_rests_on_few_objects() -> None:
    message = str(ProxyScreenError([_violation(223)], 0.7))
    assert "weinig objecten (223 objecten gescreend" in message
    assert "Draai op het volledige extract" in message
    assert "weinig objecten" not in str(ProxyScreenError([_violation(FEW_OBJECTS)], 0.7))
