"""The rule-based ranker: the baseline's order, reasons with norm and source, and when it is used."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

_BASE = {
    "is_woning": 1,
    "n_ingeschreven": 2,
    "n_vestigingen": 0,
    "elektriciteit_kwh": 2600.0,
    "water_m3": 90.0,
    "omgevingsvergunning_2j": 0,
    "status_niet_in_gebruik": 0,
    "maanden_sinds_verkrijging": 100.0,
    "leeftijd_gebouw": 50,
    "maanden_zonder_inschrijving": 0.0,
    "n_volwassen": 2,
    "elektriciteit_t_o_v_norm": 1.0,
    "water_t_o_v_norm": 1.0,
    "m2_per_persoon": 40.0,
    "snelle_doorverkoop": 0,
    "verkopen_20j": 1,
    "laatste_bewoner_zorgadres": 0,
    "vakantieverhuur_vergunning": 0,
}
_ROWS = {
    "normaal": {},
    "hennep": {"elektriciteit_kwh": 14200.0, "elektriciteit_t_o_v_norm": 5.46, "n_vestigingen": 1},
    "hennep_meer": {"elektriciteit_kwh": 40000.0, "elektriciteit_t_o_v_norm": 15.4},
    "abc": {"snelle_doorverkoop": 1, "verkopen_20j": 6},
}


def _frame() -> pl.DataFrame:
    return pl.DataFrame([{**_BASE, **v} for v in _ROWS.values()])


def test_the_rules_rank_in_the_baselines_order() -> None:
    from models import RuleRanker, baseline_scores

    X = _frame()
    ranker = RuleRanker(reason="geen uitkomsten").fit(X)
    per = ranker.phenomenon_scores(X)
    priority = ranker.priority(per)
    base = baseline_scores(X.with_row_index("verblijfsobject_id"))["score"].to_numpy()
    assert np.array_equal(np.argsort(-priority, kind="stable"), np.argsort(-base, kind="stable"))
    assert priority[0] == 0.0 and ((priority[1:] >= 0.5) & (priority[1:] < 1.0)).all()
    assert ranker.version.startswith("regels-") and ranker.version == RuleRanker().version


def test_reasons_are_the_rules_hits_with_norm_and_source_and_counter_evidence() -> None:
    from models import RuleRanker

    X = _frame()
    ranker = RuleRanker().fit(X)
    why = ranker.explain(
        X, ["hennepteelt", "hennepteelt", "hennepteelt", "criminele_vastgoedtransactie"], {}, 5, 3
    )
    assert why[0] == ([], [])  # the rule does not fire: no reason is made up
    reasons, against = why[1]
    assert [r.feit for r in reasons] == [
        "elektriciteit 14.200 kWh, 5,5× de norm voor 2 personen (CBS): boven 5× de norm"
    ]
    assert [r.kenmerk for r in against] == ["n_vestigingen"] and "(Handelsregister)" in against[0].feit
    assert why[2][1] == []
    abc = [r.feit for r in why[3][0]]
    assert abc == [
        "doorverkocht binnen 6 maanden na verkrijging (Kadaster)",
        "6 verkopen in 20 jaar, 5 of meer (Kadaster)",
    ]


def test_labels_are_enough_only_from_min_confirmed_confirmed_investigations() -> None:
    from vastgoed.modelling import label_shortfall

    peil = dt.date(2025, 1, 1)

    def outcomes(n_bevestigd: int, n_niet: int) -> pl.DataFrame:
        rows = [("b", i, "bevestigd") for i in range(n_bevestigd)] + [
            ("n", i, "niet_bevestigd") for i in range(n_niet)
        ]
        return pl.DataFrame(
            {
                "verblijfsobject_id": [f"{k}{i}" for k, i, _ in rows],
                "datum_onderzoek": [dt.date(2024, 6, 1)] * len(rows),
                "fenomeen": ["hennepteelt"] * len(rows),
                "uitkomst": [u for _, _, u in rows],
            },
            schema={
                "verblijfsobject_id": pl.String,
                "datum_onderzoek": pl.Date,
                "fenomeen": pl.String,
                "uitkomst": pl.String,
            },
        )

    assert "geen uitkomsten" in str(label_shortfall(outcomes(0, 0), peil, 50))
    short = label_shortfall(outcomes(49, 300), peil, 50)
    assert short is not None and "49 bevestigde onderzoeken" in short
    assert label_shortfall(outcomes(50, 0), peil, 50) is None
    # outcomes on or after the peildatum do not count
    late = outcomes(50, 0).with_columns(pl.lit(peil).alias("datum_onderzoek"))
    assert label_shortfall(late, peil, 50) is not None


def test_a_letterbox_companys_reasons_name_the_establishments_and_the_household_norm() -> None:
    from models import RuleRanker, baseline_scores

    X = pl.DataFrame(
        [
            {**_BASE, "n_ingeschreven": 0, "n_volwassen": 0, "n_vestigingen": 2, "elektriciteit_kwh": 400.0},
            {**_BASE, "is_woning": 0, "n_ingeschreven": 0, "n_vestigingen": 60, "elektriciteit_kwh": 300.0},
        ]
    )
    assert baseline_scores(X.with_row_index("verblijfsobject_id"))["fenomeen"].to_list() == [
        "brievenbusfirma",
        "brievenbusfirma",
    ]
    why = RuleRanker().fit(X).explain(X, ["brievenbusfirma", "brievenbusfirma"], {}, 5, 3)
    assert [r.feit for r in why[0][0]] == [
        "2 actieve vestiging(en) op een woning waar niemand is ingeschreven (Handelsregister, BRP)",
        "elektriciteit 400 kWh, onder de 1.800 kWh van een huishouden van 1 persoon (CBS): er wordt niet "
        "gewoond of gewerkt",
    ]
    assert [r.kenmerk for r in why[1][0]] == ["n_vestigingen", "elektriciteit_kwh"]
    assert why[1][0][0].feit == "60 actieve vestigingen op het adres, 10 of meer (Handelsregister)"
