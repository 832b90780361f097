"""Parameter recovery: records drawn from a model with known m and u; Splink must find them."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from linkage._splink_model import (
    TrainingPlan,
    duckdb_api,
    exact_comparison,
    make_linker,
    quiet_splink,
    train,
)

_N = 3000
# field -> (cardinality, probability that a true match disagrees)
_FIELDS = {"a": (40, 0.10), "b": (25, 0.20), "c": (60, 0.05), "d": (30, 0.30)}


def _records(seed: int) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    left: dict[str, object] = {"unique_id": [f"l{i}" for i in range(_N)]}
    right: dict[str, object] = {"unique_id": [f"r{i}" for i in range(_N)]}
    for name, (card, err) in _FIELDS.items():
        base = rng.integers(0, card, _N)
        other = base.copy()
        flip = rng.random(_N) < err
        # a disagreeing value: shift by 1..card-1 so it is never equal
        other[flip] = (base[flip] + rng.integers(1, card, int(flip.sum()))) % card
        left[name] = [f"{name}{v}" for v in base.tolist()]
        right[name] = [f"{name}{v}" for v in other.tolist()]
    return {"links": pl.DataFrame(left), "rechts": pl.DataFrame(right)}


def test_m_and_u_are_recovered() -> None:
    from splink import SettingsCreator

    quiet_splink()
    frames = _records(7)
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[exact_comparison(f) for f in _FIELDS],
        blocking_rules_to_generate_predictions=["l.a = r.a"],
    )
    linker = make_linker(duckdb_api(2), frames, settings)
    plan = TrainingPlan(
        deterministic_rules=("l.a = r.a AND l.b = r.b AND l.c = r.c",),
        recall=0.7,
        em_rules=("l.a = r.a AND l.b = r.b", "l.c = r.c AND l.d = r.d"),
        max_pairs_u=1_000_000,
        seed=1,
    )
    train(linker, plan)
    model = linker.misc.save_model_to_json()
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        card, err = _FIELDS[name]
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        exact, other = levels[0], levels[1]
        assert abs(exact["m_probability"] - (1 - err)) < 0.03, (name, exact)
        assert abs(other["m_probability"] - err) < 0.03, (name, other)
        assert abs(exact["u_probability"] - 1 / card) < 0.35 / card, (name, exact)


def test_no_level_is_stronger_evidence_against_than_disagreement() -> None:
    """A near-agreement learned below complete disagreement (-20 against -3) is raised to it."""
    from linkage._splink_model import no_level_below_disagreement

    model = {
        "comparisons": [
            {
                "output_column_name": "geboortedatum",
                "comparison_levels": [
                    {"label_for_charts": "null", "is_null_level": True},
                    {"label_for_charts": "exact", "m_probability": 0.9, "u_probability": 3e-5},
                    {"label_for_charts": "one character apart", "m_probability": 1e-9, "u_probability": 1e-3},
                    {
                        "label_for_charts": "All other comparisons",
                        "m_probability": 0.07,
                        "u_probability": 0.98,
                    },
                ],
            }
        ]
    }
    raised = no_level_below_disagreement(model)
    levels = model["comparisons"][0]["comparison_levels"]
    assert raised == ["geboortedatum: one character apart"]
    assert levels[2]["m_probability"] / levels[2]["u_probability"] == pytest.approx(0.07 / 0.98)
    assert levels[1]["m_probability"] == 0.9
