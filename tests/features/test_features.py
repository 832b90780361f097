from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features import FeatureInputs, ProtectedAttributeError, build_features, catalogue

P = dt.date(2025, 1, 1)
V1, V2 = "0935010000000001", "0935010000000002"


def _objects() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "verblijfsobject_id": [V1, V2],
            "oppervlakte": [60, 120],
            "gebruiksdoel": ["woonfunctie", "woonfunctie;winkelfunctie"],
            "status": ["Verblijfsobject in gebruik", "Verbouwing verblijfsobject"],
            "bouwjaar": [1930, 2024],
            "pand_id": ["0935100000000001", "0935100000000001"],
            "buurtcode": ["BU09350101", "BU09350101"],
        }
    )


def _brp(rows: list[tuple[str, str, str, str, dt.date, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "verblijfsobject_id": pl.String,
            "geslachtsnaam": pl.String,
            "geboortedatum": pl.String,
            "functie_adres": pl.String,
            "datum_aanvang_adreshouding": pl.Date,
            "datum_einde_adreshouding": pl.Date,
        },
        orient="row",
    )


def _inputs(brp: pl.DataFrame | None = None, verbruik: pl.DataFrame | None = None) -> FeatureInputs:
    empty_v = pl.DataFrame(
        schema={
            "verblijfsobject_id": pl.String,
            "kvk_nummer": pl.String,
            "datum_inschrijving": pl.Date,
            "datum_uitschrijving": pl.Date,
        }
    )
    empty_e = pl.DataFrame(
        schema={
            "verblijfsobject_id": pl.String,
            "eigenaar_type": pl.String,
            "eigenaar_naam": pl.String,
            "eigenaar_geboortedatum": pl.String,
            "eigenaar_kvk_nummer": pl.String,
            "datum_verkrijging": pl.Date,
            "datum_einde": pl.Date,
            "koopsom": pl.Int64,
            "hypotheek": pl.Boolean,
        }
    )
    return FeatureInputs(
        peildatum=P,
        objects=_objects(),
        inschrijvingen=brp if brp is not None else _brp([]),
        vestigingen=empty_v,
        eigendom=empty_e,
        vergunningen=pl.DataFrame(
            schema={
                "verblijfsobject_id": pl.String,
                "soort": pl.String,
                "besluit": pl.String,
                "datum_aanvraag": pl.Date,
            }
        ),
        verbruik=verbruik
        if verbruik is not None
        else pl.DataFrame(
            schema={
                "verblijfsobject_id": pl.String,
                "product": pl.String,
                "jaar": pl.Int64,
                "verbruik": pl.Float64,
            }
        ),
        meldingen=pl.DataFrame(
            schema={"verblijfsobject_id": pl.String, "datum": pl.Date, "categorie": pl.String}
        ),
    )


def test_one_row_per_object_and_every_catalogued_feature() -> None:
    out = build_features(_inputs())
    assert out.height == 2
    assert out.columns == ["verblijfsobject_id", *(s.name for s in catalogue())]
    names = [s.name for s in catalogue()]
    assert len(names) == len(set(names))


def test_occupancy_counts_and_household_structure() -> None:
    brp = _brp(
        [
            (V1, "Jansen", "1980-01-01", "W", dt.date(2020, 1, 1), None),
            (V1, "Jansen", "2015-00-00", "W", dt.date(2020, 1, 1), None),  # child, partial birth date
            (V1, "Bakker", "1990-05-05", "W", dt.date(2023, 3, 1), None),
            (V1, "Smit", "1970-01-01", "B", dt.date(2024, 1, 1), None),  # briefadres: nobody lives there
            (V1, "Peters", "1970-01-01", "W", dt.date(2024, 3, 1), dt.date(2024, 6, 1)),  # short, ended
            (V2, "Vos", "1950-01-01", "W", dt.date(2000, 1, 1), dt.date(2022, 1, 1)),  # left: empty since
            (V2, "Later", "1990-01-01", "W", dt.date(2025, 6, 1), None),  # after the peildatum: unseen
        ]
    )
    out = {r["verblijfsobject_id"]: r for r in build_features(_inputs(brp)).iter_rows(named=True)}
    a, b = out[V1], out[V2]
    assert (a["n_ingeschreven"], a["n_volwassen"], a["n_briefadres"]) == (3, 2, 1)
    assert a["n_achternamen_volwassen"] == 2 and a["n_inschrijfdata_volwassen"] == 2
    assert a["m2_per_persoon"] == pytest.approx(20.0)
    assert a["kort_ingeschreven_2j"] == 1 and a["maanden_zonder_inschrijving"] == 0
    # Jansen (with a child) and Bakker share neither a surname nor a date: Bakker alone is outside
    # the huisgezin, and so is Jansen (the only other adult), by the BRP rule without relations.
    assert a["volwassenen_buiten_huisgezin"] == 2
    assert b["volwassenen_buiten_huisgezin"] == 0
    assert a["leegstand_maanden"] == 0 and b["leegstand_maanden"] == pytest.approx(36.0, abs=0.5)
    # V2 is under renovation (BAG status Verbouwing): its vacancy is explained
    assert b["leegstand_verklaard"] == 1 and b["leegstand_onverklaard_maanden"] == 0
    assert b["n_ingeschreven"] == 0 and b["m2_per_persoon"] is None
    assert b["maanden_zonder_inschrijving"] == pytest.approx(36.0, abs=0.5)
    assert b["status_niet_in_gebruik"] == 1 and b["leeftijd_gebouw"] == 1 and a["objecten_in_pand"] == 2


@settings(max_examples=30, deadline=None)
@given(
    kwh=st.floats(0, 80_000),
    persons=st.integers(0, 8),
    later=st.floats(0, 1e6),
)
def test_utility_ratio_follows_the_norm_and_ignores_later_years(
    kwh: float, persons: int, later: float
) -> None:
    brp = _brp([(V1, f"N{i}", "1980-01-01", "W", dt.date(2010, 1, 1), None) for i in range(persons)])
    use = pl.DataFrame(
        {
            "verblijfsobject_id": [V1, V1, V1],
            "product": ["elektriciteit"] * 3,
            "jaar": [2023, 2024, 2025],  # 2025 lies after the peildatum
            "verbruik": [kwh / 2, kwh, later],
        }
    )
    row = build_features(_inputs(brp, use)).filter(pl.col("verblijfsobject_id") == V1).row(0, named=True)
    norm = (1800, 1800, 2600, 3370, 4000, 4500)[min(persons, 5)]
    assert row["elektriciteit_kwh"] == pytest.approx(kwh)
    assert row["elektriciteit_t_o_v_norm"] == pytest.approx(kwh / norm)
    assert row["elektriciteit_sprong"] == pytest.approx(max(kwh, 1) / max(kwh / 2, 1))


def test_gas_against_the_norm_of_the_dwelling_type() -> None:
    use = pl.DataFrame(
        {
            "verblijfsobject_id": [V1, V2],
            "product": ["gas", "gas"],
            "jaar": [2024, 2024],
            "verbruik": [1860.0, 0.0],
        }
    )
    objects = _objects().with_columns(pl.Series("pand_id", ["0935100000000001", "0935100000000002"]))
    inputs = dataclasses.replace(_inputs(verbruik=use), objects=objects)
    rows = {r["verblijfsobject_id"]: r for r in build_features(inputs).iter_rows(named=True)}
    assert rows[V1]["gas_t_o_v_norm"] == pytest.approx(1860 / 1350)  # a pand of its own
    assert rows[V2]["gas_t_o_v_norm"] == 0.0
    shared = build_features(_inputs(verbruik=use)).filter(pl.col("verblijfsobject_id") == V1)
    assert shared["gas_t_o_v_norm"][0] == pytest.approx(2.0)  # two objects in one pand: 930


@pytest.mark.parametrize("column", ["herkomst_groep", "nationaliteit", "geslacht", "Religie"])
def test_a_protected_attribute_cannot_reach_the_features(column: str) -> None:
    brp = _brp([(V1, "Jansen", "1980-01-01", "W", dt.date(2020, 1, 1), None)]).with_columns(
        pl.lit("x").alias(column)
    )
    with pytest.raises(ProtectedAttributeError, match=column.lower()):
        build_features(_inputs(brp))


def test_no_catalogued_feature_reads_an_audit_source() -> None:
    for spec in catalogue():
        assert "audit_kenmerken" not in spec.sources
        assert spec.description_en and spec.description_nl and spec.label_nl and spec.unit


def test_counts_are_zero_not_missing_where_nothing_is_registered() -> None:
    out = build_features(_inputs())
    for name in ("n_ingeschreven", "n_vestigingen", "n_kvk_nummers", "meldingen_12m", "mutaties_2j"):
        assert out[name].to_list() == [0, 0], name
