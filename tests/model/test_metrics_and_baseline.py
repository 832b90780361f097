from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from models import precision_recall_at_k


def test_precision_recall_at_k_by_hand() -> None:
    ranked = ["a", "b", "c", "d", "e"]
    t = precision_recall_at_k(ranked, {"a", "c", "z"}, ks=(1, 2, 5, 10))
    assert t["hits"].to_list() == [1, 1, 2, 2]
    assert t["precision"].to_list() == [1.0, 0.5, 0.4, 0.4]  # k beyond the list: divide by its length
    assert t["recall"].to_list() == [1 / 3, 1 / 3, 2 / 3, 2 / 3]


@given(st.lists(st.integers(0, 50), unique=True, max_size=40), st.sets(st.integers(0, 50), max_size=20))
def test_recall_is_monotone_in_k(ranked: list[int], pos: set[int]) -> None:
    t = precision_recall_at_k([str(i) for i in ranked], {str(i) for i in pos}, ks=(1, 5, 10, 20, 40))
    hits = t["hits"].to_list()
    assert hits == sorted(hits)
    assert all(h <= len(pos) for h in hits)


def test_baseline_rules_fire_on_their_signatures() -> None:
    from models import baseline_scores

    base = {
        "is_woning": 1,
        "n_ingeschreven": 1,
        "n_vestigingen": 0,
        "elektriciteit_kwh": 1800.0,
        "water_m3": 45.0,
        "omgevingsvergunning_2j": 0,
        "status_niet_in_gebruik": 0,
        "maanden_sinds_verkrijging": 100.0,
        "leeftijd_gebouw": 50,
        "maanden_zonder_inschrijving": 0.0,
        "n_volwassen": 1,
        "elektriciteit_t_o_v_norm": 1.0,
        "water_t_o_v_norm": 1.0,
        "m2_per_persoon": 60.0,
        "snelle_doorverkoop": 0,
        "verkopen_20j": 1,
        "laatste_bewoner_zorgadres": 0,
        "vakantieverhuur_vergunning": 0,
    }
    rows = {
        "normaal": {},
        "leeg": {
            "n_ingeschreven": 0,
            "elektriciteit_kwh": 50.0,
            "water_m3": 0.0,
            "maanden_zonder_inschrijving": 30.0,
        },
        "leeg_verbouwing": {
            "n_ingeschreven": 0,
            "elektriciteit_kwh": 50.0,
            "water_m3": 2.0,
            "omgevingsvergunning_2j": 1,
        },
        # no meter reading known: no evidence of vacancy, nor of registered adults using nothing
        "leeg_onbekend": {
            "n_ingeschreven": 0,
            "elektriciteit_kwh": None,
            "water_m3": None,
            "elektriciteit_t_o_v_norm": None,
            "maanden_zonder_inschrijving": 30.0,
        },
        "drie_onbekend": {"n_volwassen": 3, "elektriciteit_kwh": None, "elektriciteit_t_o_v_norm": None},
        # the last resident moved to a care address: explained vacancy
        "leeg_zorg": {
            "n_ingeschreven": 0,
            "elektriciteit_kwh": 50.0,
            "water_m3": 0.0,
            "maanden_zonder_inschrijving": 30.0,
            "laatste_bewoner_zorgadres": 1,
        },
        "spook": {"n_ingeschreven": 0, "elektriciteit_kwh": 2500.0},
        # a holiday let with its permit: guests use it, nobody is registered
        "vakantieverhuur": {
            "n_ingeschreven": 0,
            "elektriciteit_kwh": 2500.0,
            "vakantieverhuur_vergunning": 1,
        },
        "hennep": {"elektriciteit_kwh": 40000.0, "elektriciteit_t_o_v_norm": 22.0},
        "brievenbus": {"n_vestigingen": 40, "is_woning": 0, "elektriciteit_kwh": 600.0},
        # many establishments where business visibly goes on (a business centre): no letterbox
        "bedrijfsverzamelgebouw": {"n_vestigingen": 40, "is_woning": 0, "elektriciteit_kwh": 150000.0},
        "brievenbus_geen_meter": {"n_vestigingen": 40, "is_woning": 0, "elektriciteit_kwh": None},
        # a company at a dwelling where nobody lives and less than one household's use is metered
        "brievenbus_woning": {
            "n_ingeschreven": 0,
            "n_volwassen": 0,
            "n_vestigingen": 2,
            "elektriciteit_kwh": 400.0,
        },
        "thuiszaak": {"n_vestigingen": 2, "elektriciteit_kwh": 400.0},
        "bedrijf_in_woning": {
            "n_ingeschreven": 0,
            "n_volwassen": 0,
            "n_vestigingen": 2,
            "elektriciteit_kwh": 9000.0,
        },
        "bedrijf_woning_onbekend": {
            "n_ingeschreven": 0,
            "n_volwassen": 0,
            "n_vestigingen": 2,
            "elektriciteit_kwh": None,
            "elektriciteit_t_o_v_norm": None,
        },
        "abc": {"snelle_doorverkoop": 1},
    }
    frame = pl.DataFrame([{"verblijfsobject_id": k, **base, **v} for k, v in rows.items()])
    out = dict(
        zip(*baseline_scores(frame).select("verblijfsobject_id", "fenomeen").to_dict().values(), strict=True)
    )
    assert out == {
        "normaal": None,
        "leeg": "onverklaarbare_leegstand",
        "leeg_verbouwing": None,
        "leeg_onbekend": None,
        "drie_onbekend": None,
        "leeg_zorg": None,
        "spook": "spookbewoning",
        "vakantieverhuur": None,
        "hennep": "hennepteelt",
        "brievenbus": "brievenbusfirma",
        "bedrijfsverzamelgebouw": None,
        "brievenbus_geen_meter": "brievenbusfirma",
        "brievenbus_woning": "brievenbusfirma",
        "thuiszaak": None,
        "bedrijf_in_woning": None,
        "bedrijf_woning_onbekend": None,
        "abc": "criminele_vastgoedtransactie",
    }


def _two_buurten() -> pl.DataFrame:
    # buurt A: perfectly calibrated halves (0.1 → 1 in 10, 0.9 → 9 in 10); buurt B: every score 0.8,
    # nobody positive, so a 0.8 gap.
    a_scores = [0.1] * 10 + [0.9] * 10
    a_y = [i == 0 for i in range(10)] + [i < 9 for i in range(10)]
    return pl.DataFrame(
        {
            "verblijfsobject_id": [f"a{i:02d}" for i in range(20)] + [f"b{i:02d}" for i in range(5)],
            "buurtcode": ["BU_A"] * 20 + ["BU_B"] * 5,
            "score": a_scores + [0.8] * 5,
            "y": a_y + [False] * 5,
        }
    )


def test_calibration_per_buurt_by_hand() -> None:
    from models import calibration_per_buurt

    t = calibration_per_buurt(_two_buurten(), n_bins=2)
    a = t.filter(pl.col("buurtcode") == "BU_A")
    assert a["n"].to_list() == [10, 10]
    assert a["mean_predicted"].to_list() == [0.1, 0.9]
    assert [round(v, 9) for v in a["observed"].to_list()] == [0.1, 0.9]
    b = t.filter(pl.col("buurtcode") == "BU_B")
    assert b["n"].to_list() == [5] and b["observed"].to_list() == [0.0]


def test_per_buurt_reports_calibration_error() -> None:
    from models import per_buurt

    t = per_buurt(_two_buurten(), k=10)
    rows = {r["buurtcode"]: r for r in t.to_dicts()}
    assert abs(rows["BU_A"]["ece"]) < 1e-9
    assert abs(rows["BU_B"]["ece"] - 0.8) < 1e-9
    assert rows["BU_B"]["observed"] == 0.0 and abs(rows["BU_B"]["mean_predicted"] - 0.8) < 1e-9
    # the top 10 overall are buurt A's 0.9 scores: 9 of them positive
    assert rows["BU_A"]["in_top_k"] == 10 and abs(rows["BU_A"]["precision_at_k"] - 0.9) < 1e-9
    assert rows["BU_B"]["in_top_k"] == 0 and rows["BU_B"]["precision_at_k"] is None
