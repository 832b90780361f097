"""Hand-made cases with known answers, at least two per feature family.

Every expected value is worked out by hand from the feature's definition (its catalogue entry and
builder); the working is in the comments. The peildatum is 1 January 2025, so that:

- two years before it (730 days) is 2023-01-02, three years (1096 days) 2022-01-01, five years
  (1826 days) 2020-01-02, twelve months (365 days) 2024-01-02, ten years (3652 days) 2015-01-02,
  twenty years (7305 days) 2005-01-01;
- the last complete utility year is 2024;
- months are days / 30.44, rounded to one decimal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from features import FeatureInputs, build_features, catalogue
from features.base import KLEINVERBRUIK_SCHEMA, NETWERK_SCHEMA, UITKOMST_SCHEMA
from vastgoed.core.schema import Kind, file_spec

P = dt.date(2025, 1, 1)
D = dt.date
A, B, C, E = (f"093501000000000{i}" for i in range(1, 5))
Row = dict[str, Any]

# ---------------------------------------------------------------- building tiny inputs

_DTYPE: dict[Kind, pl.DataType] = {
    Kind.INT: pl.Int64(),
    Kind.FLOAT: pl.Float64(),
    Kind.BOOL: pl.Boolean(),
    Kind.DATE: pl.Date(),
}


def _schema(stem: str) -> dict[str, pl.DataType]:
    """The contract's columns typed as the ingest types them, plus the linked object."""
    out = {c.name: _DTYPE.get(c.kind, pl.String()) for c in file_spec(stem).columns}
    return {**out, "verblijfsobject_id": pl.String()}


_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "objects": _schema("bag_verblijfsobjecten"),
    "inschrijvingen": _schema("brp_inschrijvingen"),
    "vestigingen": _schema("kvk_vestigingen"),
    "eigendom": _schema("kadaster_eigendom"),
    "vergunningen": _schema("vergunningen"),
    "verbruik": _schema("energie_verbruik"),
    "meldingen": _schema("meldingen"),
    "netwerk": dict(NETWERK_SCHEMA),
    "uitkomsten": dict(UITKOMST_SCHEMA),
    "kleinverbruik": dict(KLEINVERBRUIK_SCHEMA),
}


def _frame(table: str, rows: list[Row]) -> pl.DataFrame:
    schema = _SCHEMAS[table]
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema, orient="row")


def obj(vbo: str, **kw: Any) -> Row:
    """A dwelling of 80 m² in use, built 1960, alone in its pand, in one buurt and postcode."""
    n = int(vbo[-1])
    return {
        "verblijfsobject_id": vbo,
        "nummeraanduiding_id": f"093520000000000{n}",
        "openbare_ruimte": "Markt",
        "huisnummer": n,
        "postcode": "6211AA",
        "woonplaats": "Maastricht",
        "gebruiksdoel": "woonfunctie",
        "oppervlakte": 80,
        "status": "Verblijfsobject in gebruik",
        "pand_id": f"093510000000000{n}",
        "bouwjaar": 1960,
        "buurtcode": "BU09350101",
        **kw,
    }


def brp(
    vbo: str, naam: str, geboren: str, van: dt.date, tot: dt.date | None = None, functie: str = "W"
) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "bsn": f"pseudo-{naam}-{geboren}",
        "geslachtsnaam": naam,
        "voornamen": "Kim",
        "geboortedatum": geboren,
        "functie_adres": functie,
        "datum_aanvang_adreshouding": van,
        "datum_einde_adreshouding": tot,
    }


def vestiging(vbo: str | None, kvk: str, van: dt.date, tot: dt.date | None = None) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "vestigingsnummer": f"{kvk}{van:%m%d}",
        "kvk_nummer": kvk,
        "handelsnaam": f"Onderneming {kvk}",
        "rechtsvorm": "bv",
        "sbi_code": "6820",
        "datum_inschrijving": van,
        "datum_uitschrijving": tot,
    }


def recht(
    vbo: str,
    naam: str,
    van: dt.date,
    tot: dt.date | None = None,
    *,
    kvk: str | None = None,
    geboren: str | None = None,
    koopsom: int | None = None,
    hypotheek: bool = True,
) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "kadastraal_object_id": f"MTT00K{vbo[-1]}",
        "eigenaar_type": "rechtspersoon" if kvk else "natuurlijk_persoon",
        "eigenaar_naam": naam,
        "eigenaar_geboortedatum": geboren,
        "eigenaar_kvk_nummer": kvk,
        "datum_verkrijging": van,
        "datum_einde": tot,
        "koopsom": koopsom,
        "hypotheek": hypotheek,
    }


def vergunning(vbo: str, soort: str, besluit: str, aanvraag: dt.date) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "vergunning_id": f"{vbo}-{soort}-{aanvraag}",
        "soort": soort,
        "aanvrager_naam": "Jansen",
        "datum_aanvraag": aanvraag,
        "besluit": besluit,
        "bibob_toets": False,
    }


def verbruik(vbo: str, product: str, jaar: int, waarde: float, aansluiting: int = 0) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "ean": f"8716{vbo[-4:]}{product[:1]}{aansluiting}",
        "product": product,
        "jaar": jaar,
        "verbruik": waarde,
    }


def melding(vbo: str, datum: dt.date, categorie: str) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "melding_id": f"{vbo}-{datum}-{categorie}",
        "datum": datum,
        "categorie": categorie,
    }


def band(*, ref: str, van: str, tot: str, sjv: float, soort: str = "ELK") -> Row:
    return {
        "bestand": f"enexis_kleinverbruiksgegevens_{ref}.csv",
        "postcode_van": van,
        "postcode_tot": tot,
        "productsoort": soort,
        "aansluitingen_aantal": 25,
        "sjv_gemiddeld": sjv,
    }


def features(objects: list[Row], **tables: list[Row]) -> dict[str, dict[str, Any]]:
    """Build every feature for the objects and the given tables (the rest empty), per object."""
    inputs = FeatureInputs(
        peildatum=P,
        objects=_frame("objects", objects),
        **{name: _frame(name, tables.get(name, [])) for name in _SCHEMAS if name != "objects"},
    )
    out = build_features(inputs)
    assert out.height == len(objects)
    return {r["verblijfsobject_id"]: r for r in out.iter_rows(named=True)}


def _family(name: str) -> list[str]:
    return [s.name for s in catalogue() if s.family == name]


def test_the_families_tested_here_are_catalogued() -> None:
    families = {s.family for s in catalogue()}
    assert {
        "object",
        "leegstand",
        "bewoning",
        "verbruik",
        "bedrijven",
        "eigendom",
        "meldingen",
        "netwerk",
    } <= families


# ---------------------------------------------------------------- object


def test_object_facts_from_the_bag() -> None:
    objects = [
        obj(A, gebruiksdoel="woonfunctie;winkelfunctie", oppervlakte=95, bouwjaar=1930),
        obj(
            B, gebruiksdoel="kantoorfunctie", oppervlakte=400, bouwjaar=2024, status="Verblijfsobject gevormd"
        ),
        obj(C, oppervlakte=60, bouwjaar=1990, status="Verbouwing verblijfsobject", pand_id=obj(B)["pand_id"]),
        obj(E, oppervlakte=70, status="Verblijfsobject buiten gebruik", pand_id=obj(B)["pand_id"]),
    ]
    f = features(objects)
    got = {v: tuple(f[v][c] for c in ("is_woning", "oppervlakte", "leeftijd_gebouw")) for v in f}
    assert got == {A: (1, 95.0, 95), B: (0, 400.0, 1), C: (1, 60.0, 35), E: (1, 70.0, 65)}
    assert [f[v]["status_niet_in_gebruik"] for v in (A, B, C, E)] == [0, 1, 1, 1]
    assert [f[v]["objecten_in_pand"] for v in (A, B, C, E)] == [1, 3, 3, 3]  # B, C and E share a pand


def test_permits_by_kind_decision_and_window() -> None:
    permits = [
        vergunning(A, "omgevingsvergunning", "verleend", D(2023, 1, 3)),  # 729 days: within two years
        vergunning(B, "omgevingsvergunning", "lopend", D(2024, 12, 31)),  # pending counts
        vergunning(B, "kamerverhuur", "verleend", D(2001, 5, 1)),  # granted, however long ago
        vergunning(C, "omgevingsvergunning", "verleend", D(2023, 1, 2)),  # exactly 730 days: not within
        vergunning(C, "kamerverhuur", "lopend", D(2024, 5, 1)),  # not granted (yet)
        vergunning(C, "drank_en_horeca", "verleend", D(2010, 1, 1)),
        vergunning(C, "exploitatievergunning", "geweigerd", D(2020, 1, 3)),  # 1825 days: within five years
        vergunning(E, "omgevingsvergunning", "geweigerd", D(2020, 1, 2)),  # exactly 1826 days: not within
        vergunning(E, "omgevingsvergunning", "verleend", D(2025, 1, 2)),  # after the peildatum
        vergunning(E, "splitsing", "verleend", D(2024, 3, 1)),  # no feature of its own
        vergunning(A, "vakantieverhuur", "verleend", D(2019, 4, 1)),  # a registered holiday let
        vergunning(B, "vakantieverhuur", "geweigerd", D(2018, 4, 1)),  # refused: no holiday let
    ]
    f = features([obj(v) for v in (A, B, C, E)], vergunningen=permits)
    cols = (
        "omgevingsvergunning_2j",
        "kamerverhuur_vergunning",
        "horeca_of_exploitatie_vergunning",
        "vergunning_geweigerd_5j",
    )
    got = {v: tuple(f[v][c] for c in cols) for v in f}
    assert got == {A: (1, 0, 0, 0), B: (1, 1, 0, 0), C: (0, 0, 1, 1), E: (0, 0, 0, 0)}
    assert [f[v]["vakantieverhuur_vergunning"] for v in (A, B, C, E)] == [1, 0, 0, 0]


# ---------------------------------------------------------------- leegstand


def test_an_object_empty_for_fourteen_months_with_a_permit_is_explained() -> None:
    left = D(2023, 11, 2)  # 426 days before the peildatum: 426 / 30.44 = 13.99 -> 14.0 months
    objects = [obj(A), obj(B), obj(C, bouwjaar=2023), obj(E)]
    f = features(
        objects,
        inschrijvingen=[
            brp(A, "Jansen", "1970-01-01", D(2015, 1, 1), left),
            brp(B, "Bakker", "1970-01-01", D(2015, 1, 1), left),
        ],
        vergunningen=[vergunning(A, "omgevingsvergunning", "verleend", D(2024, 3, 1))],
    )
    cols = ("leegstand_maanden", "leegstand_verklaard", "leegstand_onverklaard_maanden")
    got = {v: tuple(f[v][c] for c in cols) for v in f}
    assert got == {
        A: (14.0, 1, 0.0),  # the renovation permit explains it
        B: (14.0, 0, 14.0),  # nothing does
        C: (240.0, 1, 0.0),  # never registered, but built two years ago (2023 >= 2025 - 2)
        E: (240.0, 0, 240.0),  # never registered, old, in use
    }
    assert f[A]["maanden_zonder_inschrijving"] == 14.0 and f[A]["omgevingsvergunning_2j"] == 1


def test_a_briefadres_fills_an_object_and_a_sale_explains_only_within_twelve_months() -> None:
    left = D(2024, 3, 1)  # 306 days before the peildatum: 10.05 -> 10.1 months
    regs = [brp(v, f"N{v[-1]}", "1980-01-01", D(2010, 1, 1), left) for v in (A, B, C, E)]
    regs += [
        brp(A, "Kok", "1970-01-01", D(2024, 3, 1), functie="B"),  # a briefadres, now
        brp(E, "Later", "1990-01-01", D(2025, 2, 1)),  # after the peildatum: unseen
    ]
    rights = [
        recht(B, "Smit, J.", D(2024, 6, 1), geboren="1975-01-01"),  # sold 214 days ago
        recht(C, "Smit, K.", D(2024, 1, 2), geboren="1976-01-01"),  # exactly 365 days ago: not within
    ]
    f = features(
        [obj(v) for v in (A, B, C, E)],
        inschrijvingen=regs,
        eigendom=rights,
        vergunningen=[vergunning(E, "omgevingsvergunning", "verleend", D(2025, 1, 15))],  # after it
    )
    cols = ("leegstand_maanden", "leegstand_verklaard", "leegstand_onverklaard_maanden")
    got = {v: tuple(f[v][c] for c in cols) for v in f}
    assert got == {A: (0.0, 0, 0.0), B: (10.1, 1, 0.0), C: (10.1, 0, 10.1), E: (10.1, 0, 10.1)}
    # nobody *lives* at A: the bewoning family counts woonadressen only
    assert f[A]["maanden_zonder_inschrijving"] == 10.1 and f[A]["n_briefadres"] == 1


def test_an_empty_dwelling_whose_last_resident_moved_to_a_care_home_is_explained() -> None:
    care = "0935010000000005"  # a care home in the same gemeente (0935)
    elsewhere = "0917010000000006"  # a care home in another gemeente: not followed
    objects = [obj(v) for v in (A, B, C, E)]
    objects += [
        obj(care, gebruiksdoel="gezondheidszorgfunctie"),
        obj(elsewhere, gebruiksdoel="gezondheidszorgfunctie"),
    ]
    ties = [
        # A: the last to leave (2023-06) now lives in the care home; the earlier one does not count
        _tie(A, "persoon:1", "ingeschreven_op", D(2001, 1, 1), D(2023, 6, 1)),
        _tie(care, "persoon:1", "ingeschreven_op", D(2023, 6, 1)),
        _tie(A, "persoon:2", "ingeschreven_op", D(2001, 1, 1), D(2020, 1, 1)),
        # B: the last to leave went elsewhere; an earlier resident is in the care home
        _tie(B, "persoon:3", "ingeschreven_op", D(2001, 1, 1), D(2023, 6, 1)),
        _tie(B, "persoon:4", "ingeschreven_op", D(2001, 1, 1), D(2020, 1, 1)),
        _tie(care, "persoon:4", "ingeschreven_op", D(2020, 1, 1)),
        # C: to a care home in another gemeente
        _tie(C, "persoon:5", "ingeschreven_op", D(2001, 1, 1), D(2023, 6, 1)),
        _tie(elsewhere, "persoon:5", "ingeschreven_op", D(2023, 6, 1)),
        # E: moved to the care home, but somebody lives at E now: not empty
        _tie(E, "persoon:6", "ingeschreven_op", D(2001, 1, 1), D(2023, 6, 1)),
        _tie(care, "persoon:6", "ingeschreven_op", D(2023, 6, 1)),
    ]
    regs = [brp(v, f"N{v[-1]}", "1940-01-01", D(2001, 1, 1), D(2023, 6, 1)) for v in (A, B, C)]
    regs.append(brp(E, "Nieuw", "1990-01-01", D(2023, 9, 1)))
    f = features(objects, inschrijvingen=regs, netwerk=ties)
    cols = ("laatste_bewoner_zorgadres", "leegstand_verklaard", "leegstand_onverklaard_maanden")
    got = {v: tuple(f[v][c] for c in cols) for v in (A, B, C, E)}
    assert got == {A: (1, 1, 0.0), B: (0, 0, 19.1), C: (0, 0, 19.1), E: (0, 0, 0.0)}
    assert f[care]["laatste_bewoner_zorgadres"] is None  # not a dwelling


# ---------------------------------------------------------------- bewoning


def test_five_adults_with_five_surnames_registered_on_five_dates() -> None:
    five = [
        brp(A, "Jansen", "1980-02-03", D(2019, 5, 1)),
        brp(A, "de Vries", "1982-04-05", D(2020, 2, 1)),
        brp(A, "Bakker", "1985-06-07", D(2022, 8, 1)),
        brp(A, "Yılmaz", "1988-08-09", D(2023, 6, 1)),  # within two years
        brp(A, "Nowak", "1990-10-11", D(2024, 9, 1)),  # within two years
    ]
    family = [
        brp(B, "Jansen", "1975-01-01", D(2010, 1, 1)),
        brp(B, "Jansen", "1976-01-01", D(2010, 1, 1)),
        brp(B, "Jansen", "2012-05-05", D(2012, 5, 5)),  # a child
    ]
    mixed = [  # two Jansens (one surname), Bakker moved in with the first: one huisgezin; Mulder alone
        brp(C, "Jansen", "1980-01-01", D(2015, 1, 1)),
        brp(C, "Jansen", "1981-01-01", D(2018, 1, 1)),
        brp(C, "Bakker", "1982-01-01", D(2015, 1, 1)),
        brp(C, "Mulder", "1983-01-01", D(2016, 1, 1)),
    ]
    f = features([obj(v) for v in (A, B, C)], inschrijvingen=five + family + mixed)
    cols = (
        "n_ingeschreven",
        "n_volwassen",
        "n_achternamen_volwassen",
        "n_inschrijfdata_volwassen",
        "volwassenen_buiten_huisgezin",
        "mutaties_2j",
    )
    got = {v: tuple(f[v][c] for c in cols) for v in f}
    assert got == {A: (5, 5, 5, 5, 5, 2), B: (3, 2, 1, 1, 0, 0), C: (4, 4, 3, 3, 1, 0)}
    assert f[A]["m2_per_persoon"] == pytest.approx(16.0)  # 80 m² / 5
    assert f[B]["m2_per_persoon"] == pytest.approx(80 / 3)
    assert f[A]["maanden_zonder_inschrijving"] == 0.0 and f[A]["kort_ingeschreven_2j"] == 0


def test_turnover_short_stays_a_briefadres_and_a_partial_birth_date() -> None:
    regs = [
        brp(C, "Peters", "1990-00-00", D(2024, 2, 1), D(2024, 6, 1)),  # 121 days: short, ended lately
        brp(C, "Smit", "1985-04-04", D(2022, 1, 1), D(2024, 12, 1)),  # 1065 days: ended lately
        brp(C, "Visser", "1975-01-01", D(2010, 1, 1), D(2022, 6, 1)),  # ended before the window
        brp(C, "Kok", "1970-01-01", D(2024, 10, 1), functie="B"),  # briefadres, began lately
        # year known only: taken as 1 July 2007, so 17 on 1 January 2025 (not yet an adult)
        brp(C, "de Boer", "2007-00-00", D(2024, 12, 1)),
        brp(C, "Later", "1990-01-01", D(2025, 3, 1)),  # after the peildatum: unseen
    ]
    f = features([obj(C, oppervlakte=60), obj(E)], inschrijvingen=regs)
    c, e = f[C], f[E]
    assert (c["n_ingeschreven"], c["n_volwassen"], c["n_briefadres"]) == (1, 0, 1)
    assert c["m2_per_persoon"] == pytest.approx(60.0)
    # Peters, Smit, Kok and de Boer began or ended in the last two years; Visser did neither
    assert c["mutaties_2j"] == 4 and c["kort_ingeschreven_2j"] == 1
    assert c["maanden_zonder_inschrijving"] == 0.0 and c["volwassenen_buiten_huisgezin"] == 0  # no adult
    assert (e["n_ingeschreven"], e["mutaties_2j"], e["m2_per_persoon"]) == (0, 0, None)
    assert e["maanden_zonder_inschrijving"] == 240.0  # nobody, ever


def test_an_adult_is_eighteen_on_the_peildatum_not_in_that_year() -> None:
    regs = [
        brp(A, "Jansen", "2007-01-01", D(2010, 1, 1)),  # 18 on the peildatum
        brp(A, "Jansen", "2007-12-31", D(2010, 1, 1)),  # 17 on the peildatum
    ]
    assert features([obj(A)], inschrijvingen=regs)[A]["n_volwassen"] == 1


# ---------------------------------------------------------------- verbruik


def test_an_electricity_jump_against_the_household_norm_and_the_street() -> None:
    residents = [brp(A, "Jansen", "1980-01-01", D(2015, 1, 1)), brp(A, "Jansen", "1981-01-01", D(2015, 1, 1))]
    residents += [brp(B, f"N{i}", "1980-01-01", D(2015, 1, 1)) for i in range(7)]
    use = [
        verbruik(A, "elektriciteit", 2023, 3000.0),
        verbruik(A, "elektriciteit", 2024, 10_000.0),  # two connections: 15,000 kWh in 2024
        verbruik(A, "elektriciteit", 2024, 5000.0, aansluiting=1),
        verbruik(A, "elektriciteit", 2025, 99_999.0),  # the current year: not complete
        verbruik(A, "gas", 2024, 1200.0),
        verbruik(A, "water", 2024, 100.0),
        verbruik(B, "elektriciteit", 2024, 9000.0),
        verbruik(B, "gas", 2024, 465.0),
        verbruik(B, "water", 2024, 327.04),  # 7 persons x 46.72 m³
    ]
    street = [
        band(ref="01012024", van="6211AA", tot="6211AB", sjv=2500.0),  # newest file before the peildatum
        band(ref="01012023", van="6211AA", tot="6211AB", sjv=5000.0),  # older
        band(ref="01012026", van="6211AA", tot="6211AB", sjv=100.0),  # after the peildatum
    ]
    flat = obj(C)["pand_id"]
    objects = [obj(A), obj(B, oppervlakte=50, postcode="6211CK", pand_id=flat), obj(C, pand_id=flat)]
    f = features(objects, inschrijvingen=residents, verbruik=use, kleinverbruik=street)
    a, b = f[A], f[B]
    assert (a["elektriciteit_kwh"], a["gas_m3"], a["water_m3"]) == (15_000.0, 1200.0, 100.0)
    assert a["elektriciteit_sprong"] == pytest.approx(5.0)  # 15,000 / 3,000
    assert a["elektriciteit_t_o_v_eerder"] == pytest.approx(5.0)  # 15,000 / the highest of 2021-2023
    assert a["elektriciteit_t_o_v_norm"] == pytest.approx(15_000 / 2600)  # two persons
    assert a["water_t_o_v_norm"] == pytest.approx(100 / (2 * 46.72))
    assert a["gas_t_o_v_norm"] == pytest.approx(1200 / 1350)  # a pand of its own
    assert a["elektriciteit_per_m2"] == pytest.approx(187.5)
    assert a["gas_elektriciteit_ratio"] == pytest.approx(0.08)
    assert a["elektriciteit_t_o_v_straat"] == pytest.approx(6.0)  # 15,000 / 2,500
    assert a["jaren_nulverbruik"] == 0
    assert b["elektriciteit_t_o_v_norm"] == pytest.approx(2.0)  # seven persons: the 5+ norm 4,500
    assert b["water_t_o_v_norm"] == pytest.approx(1.0)
    assert b["gas_t_o_v_norm"] == pytest.approx(0.5)  # an apartment: 930 m³
    assert b["elektriciteit_sprong"] is None  # no 2023 reading
    assert b["elektriciteit_t_o_v_eerder"] is None  # no earlier reading at all
    assert b["elektriciteit_t_o_v_straat"] is None  # 6211CK lies in no range


def test_years_of_zero_use_and_missing_products() -> None:
    use = [
        verbruik(C, "elektriciteit", 2020, 0.0),  # outside the last four years
        verbruik(C, "elektriciteit", 2021, 100.0),
        verbruik(C, "elektriciteit", 2022, 0.0),
        verbruik(C, "elektriciteit", 2023, 299.0),
        verbruik(C, "elektriciteit", 2024, 250.0),
        verbruik(E, "elektriciteit", 2023, 0.0),
        verbruik(E, "elektriciteit", 2024, 200.0),  # two connections: 350 kWh, not a zero year
        verbruik(E, "elektriciteit", 2024, 150.0, aansluiting=1),
    ]
    f = features([obj(A), obj(C), obj(E)], verbruik=use)
    a, c, e = f[A], f[C], f[E]
    assert c["jaren_nulverbruik"] == 4 and e["jaren_nulverbruik"] == 1 and a["jaren_nulverbruik"] == 0
    assert c["elektriciteit_kwh"] == 250.0
    assert c["elektriciteit_sprong"] == pytest.approx(250 / 299)
    assert c["elektriciteit_t_o_v_norm"] == pytest.approx(250 / 1800)  # nobody registered: one person
    assert e["elektriciteit_sprong"] == pytest.approx(350.0)  # 0 kWh the year before counts as 1
    for col in ("gas_m3", "water_m3", "water_t_o_v_norm", "gas_t_o_v_norm", "gas_elektriciteit_ratio"):
        assert c[col] is None, col
    assert all(a[col] is None for col in _family("verbruik") if col != "jaren_nulverbruik")


# ---------------------------------------------------------------- bedrijven


def test_an_establishment_that_lived_eight_months() -> None:
    est = [
        vestiging(A, "11111111", D(2022, 3, 1), D(2022, 11, 1)),  # 245 days, ended within five years
        vestiging(A, "22222222", D(2024, 5, 1)),  # new
        vestiging(A, "22222222", D(2016, 1, 1)),  # the same enterprise, long here
        vestiging(A, "33333333", D(2023, 6, 1), D(2025, 3, 1)),  # new; leaves after the peildatum
        vestiging(B, "44444444", D(2020, 1, 1)),
    ]
    objects = [obj(A), obj(B, gebruiksdoel="woonfunctie;winkelfunctie")]
    f = features(objects, vestigingen=est)
    cols = (
        "n_vestigingen",
        "n_vestigingen_nieuw_2j",
        "n_vestigingen_kortlevend",
        "n_kvk_nummers",
        "vestigingen_op_woonadres",
    )
    assert tuple(f[A][c] for c in cols) == (3, 2, 1, 2, 3)
    assert tuple(f[B][c] for c in cols) == (1, 0, 0, 1, 0)  # a shop-house is not a home address only


def test_short_lives_at_the_edges_and_unlinked_or_later_establishments() -> None:
    est = [
        vestiging(C, "55555555", D(2023, 1, 1), D(2024, 1, 1)),  # 365 days: not short; began 2023-01-01
        vestiging(C, "66666666", D(2019, 1, 1), D(2019, 6, 1)),  # short, but ended over five years ago
        vestiging(C, "77777777", D(2024, 2, 1), D(2024, 9, 1)),  # 213 days: short and new
        vestiging(C, "88888888", D(2025, 2, 1)),  # after the peildatum
        vestiging(None, "99999999", D(2024, 1, 1)),  # shielded address: linked to no object
    ]
    f = features([obj(C, gebruiksdoel="kantoorfunctie"), obj(E)], vestigingen=est)
    cols = (
        "n_vestigingen",
        "n_vestigingen_nieuw_2j",
        "n_vestigingen_kortlevend",
        "n_kvk_nummers",
        "vestigingen_op_woonadres",
    )
    assert tuple(f[C][c] for c in cols) == (0, 1, 1, 0, 0)
    assert tuple(f[E][c] for c in cols) == (0, 0, 0, 0, 0)


# ---------------------------------------------------------------- eigendom


def test_a_resale_within_six_months_to_a_young_company_without_mortgage() -> None:
    rights = [
        recht(A, "Jansen, J.", D(2015, 3, 1), D(2023, 5, 1), geboren="1970-01-01", koopsom=200_000),
        recht(A, "Alfa Vastgoed B.V.", D(2023, 5, 1), D(2023, 9, 15), kvk="11111111", koopsom=250_000),
        # 137 days later, to a company founded 76 days before, without a mortgage
        recht(A, "Beta Beheer B.V.", D(2023, 9, 15), kvk="22222222", koopsom=400_000, hypotheek=False),
        recht(B, "Beta Beheer B.V.", D(2024, 6, 1), kvk="22222222", koopsom=150_000, hypotheek=False),
        recht(C, "Visser, P.", D(2021, 1, 1), geboren="1965-05-05", koopsom=600_000),
    ]
    est = [vestiging(None, "22222222", D(2023, 7, 1)), vestiging(B, "22222222", D(2024, 1, 1))]
    objects = [obj(A), obj(B, oppervlakte=50), obj(C, oppervlakte=200), obj(E, buurtcode="BU09350102")]
    f = features(objects, eigendom=rights, vestigingen=est)
    a, b, c, e = f[A], f[B], f[C], f[E]
    assert (a["eigenaar_rechtspersoon"], a["geen_hypotheek"], a["verkopen_20j"], a["snelle_doorverkoop"]) == (
        1,
        1,
        3,
        1,
    )
    assert a["maanden_sinds_verkrijging"] == 15.6  # 474 days
    assert a["koper_bedrijf_leeftijd_maanden"] == 2.5  # 76 days
    assert b["koper_bedrijf_leeftijd_maanden"] == 11.0  # 336 days after its first registration
    # price per m²: A 5,000, B 3,000, C 3,000; the buurt's median 3,000
    assert a["koopsom_t_o_v_buurt"] == pytest.approx(5000 / 3000)
    assert b["koopsom_t_o_v_buurt"] == pytest.approx(1.0) and c["koopsom_t_o_v_buurt"] == pytest.approx(1.0)
    assert (a["portefeuille_eigenaar"], a["portefeuille_groei_2j"]) == (2, 2)
    assert (c["eigenaar_rechtspersoon"], c["geen_hypotheek"], c["verkopen_20j"], c["snelle_doorverkoop"]) == (
        0,
        0,
        1,
        0,
    )
    assert c["maanden_sinds_verkrijging"] == 48.0  # 1461 days
    assert c["koper_bedrijf_leeftijd_maanden"] is None  # not a company
    assert (c["portefeuille_eigenaar"], c["portefeuille_groei_2j"]) == (1, 0)
    # no Kadaster right linked to E: its ownership is unknown, not zero
    assert all(e[col] is None for col in _family("eigendom"))


def test_old_history_a_sale_after_the_peildatum_and_one_owner_spelled_twice() -> None:
    rights = [
        recht(A, "de Vries, H.", D(2003, 6, 1), D(2003, 10, 1), geboren="1960-01-01"),  # quick, but long ago
        recht(A, "Smit, J.", D(2003, 10, 1), D(2018, 2, 1), geboren="1962-01-01"),
        recht(A, "Mulder, K.", D(2018, 2, 1), D(2025, 3, 1), geboren="1980-03-03"),  # sells after it
        recht(A, "Later B.V.", D(2025, 3, 1), kvk="12121212", hypotheek=False),  # after the peildatum
        recht(B, "MULDER K", D(2024, 12, 1), geboren="1980-03-03", hypotheek=False),  # the same owner
    ]
    f = features([obj(A), obj(B), obj(C)], eigendom=rights)
    a, b, c = f[A], f[B], f[C]
    assert (a["eigenaar_rechtspersoon"], a["geen_hypotheek"], a["verkopen_20j"], a["snelle_doorverkoop"]) == (
        0,
        0,
        1,
        0,
    )
    assert a["maanden_sinds_verkrijging"] == 83.0  # 2526 days
    assert (a["portefeuille_eigenaar"], a["portefeuille_groei_2j"]) == (2, 1)
    assert (b["geen_hypotheek"], b["maanden_sinds_verkrijging"], b["portefeuille_eigenaar"]) == (1, 1.0, 2)
    assert a["koopsom_t_o_v_buurt"] is None  # no prices
    assert (c["verkopen_20j"], c["portefeuille_eigenaar"]) == (None, None)


def test_the_sales_history_does_not_need_a_current_owner() -> None:
    rights = [
        recht(A, "Jansen, J.", D(2015, 3, 1), D(2023, 5, 1), geboren="1970-01-01"),
        recht(A, "Alfa Vastgoed B.V.", D(2023, 5, 1), D(2023, 9, 15), kvk="11111111"),
        recht(A, "Beta Beheer B.V.", D(2023, 9, 15), D(2024, 6, 1), kvk="22222222"),  # sold on; the
        # buyer's right carries no verblijfsobject_id and so never reached the features
    ]
    a = features([obj(A)], eigendom=rights)[A]
    assert (a["verkopen_20j"], a["snelle_doorverkoop"]) == (3, 1)


# ---------------------------------------------------------------- meldingen


def test_reports_of_drugs_two_and_four_years_ago() -> None:
    reports = [
        melding(A, D(2023, 1, 1), "drugs"),  # two years ago: within three
        melding(A, D(2021, 1, 1), "drugs"),  # four years ago
        melding(B, D(2024, 6, 1), "Stankoverlast"),  # any case
        melding(B, D(2022, 1, 1), "hennep"),  # exactly 1096 days: within
        melding(B, D(2021, 12, 31), "hennep"),  # one day more
    ]
    f = features([obj(A), obj(B)], meldingen=reports)
    cols = ("meldingen_12m", "meldingen_drugs_stank_3j", "meldingen_woonoverlast_3j")
    assert tuple(f[A][c] for c in cols) == (0, 1, 0)
    assert tuple(f[B][c] for c in cols) == (1, 2, 0)


def test_the_twelve_month_window_and_the_nuisance_categories() -> None:
    reports = [
        melding(C, D(2024, 1, 2), "parkeren"),  # exactly 365 days: within twelve months
        melding(C, D(2024, 1, 1), "woonoverlast"),  # 366 days: not within twelve months
        melding(C, D(2024, 12, 31), "afval"),
        melding(C, D(2023, 5, 5), "geluidsoverlast"),
        melding(C, D(2025, 1, 1), "overlast"),  # on the peildatum: not before it
        melding(C, D(2025, 2, 1), "drugs"),  # after it
    ]
    f = features([obj(C), obj(E)], meldingen=reports)
    cols = ("meldingen_12m", "meldingen_drugs_stank_3j", "meldingen_woonoverlast_3j")
    assert tuple(f[C][c] for c in cols) == (2, 0, 3)
    assert tuple(f[E][c] for c in cols) == (0, 0, 0)


# ---------------------------------------------------------------- netwerk


def _tie(vbo: str, partij: str, rol: str, begin: dt.date | None, einde: dt.date | None = None) -> Row:
    return {"verblijfsobject_id": vbo, "partij": partij, "rol": rol, "begin": begin, "einde": einde}


def _outcome(vbo: str, datum: dt.date, uitkomst: str) -> Row:
    return {
        "verblijfsobject_id": vbo,
        "datum_onderzoek": datum,
        "fenomeen": "hennepteelt",
        "uitkomst": uitkomst,
    }


def test_an_owner_who_lives_at_a_confirmed_address_elsewhere() -> None:
    ties = [
        _tie(A, "persoon:1", "eigenaar_van", D(2020, 1, 1)),
        _tie(B, "persoon:1", "ingeschreven_op", D(2018, 1, 1)),
        _tie(C, "persoon:2", "ingeschreven_op", D(2022, 1, 1)),
        _tie(E, "persoon:2", "ingeschreven_op", D(2019, 1, 1)),
    ]
    outcomes = [_outcome(B, D(2023, 5, 1), "bevestigd"), _outcome(E, D(2023, 1, 1), "niet_bevestigd")]
    f = features([obj(v) for v in (A, B, C, E)], netwerk=ties, uitkomsten=outcomes)
    cols = ("netwerk_bevestigde_adressen", "netwerk_max_bevestigde_objecten", "netwerk_eigenaar_bevestigd")
    got = {v: tuple(f[v][c] for c in cols) for v in f}
    # B's own outcome says nothing about B; a not-confirmed outcome counts for nobody
    assert got == {A: (1, 1, 1), B: (0, 0, 0), C: (0, 0, 0), E: (0, 0, 0)}


def test_an_officer_of_a_company_established_here_and_an_outcome_after_the_peildatum() -> None:
    ties = [
        _tie(A, "bedrijf:12345678", "gevestigd_op", D(2022, 1, 1)),
        _tie(A, "persoon:3", "functionaris_van", D(2022, 1, 1)),
        _tie(B, "persoon:3", "eigenaar_van", D(2021, 1, 1)),
        _tie(C, "persoon:3", "eigenaar_van", D(2021, 1, 1)),
        _tie(E, "persoon:3", "ingeschreven_op", D(2015, 1, 1)),
    ]
    outcomes = [_outcome(B, D(2025, 2, 1), "bevestigd")]  # after the peildatum
    f = features([obj(v) for v in (A, B, C, E)], netwerk=ties, uitkomsten=outcomes)
    assert f[A]["functionarissen_max_objecten"] == 3  # B, C and E besides A
    assert f[B]["functionarissen_max_objecten"] == 0  # nobody is an officer of a company at B
    assert all(f[v]["netwerk_bevestigde_adressen"] == 0 for v in (A, B, C, E))


def test_metered_electricity_that_falls_against_earlier_years() -> None:
    """A supply tapped before the meter shows as a fall against the highest of the three years before."""
    use = [
        verbruik(A, "elektriciteit", 2021, 4000.0),
        verbruik(A, "elektriciteit", 2022, 9000.0),
        verbruik(A, "elektriciteit", 2023, 8000.0),
        verbruik(A, "elektriciteit", 2024, 1800.0),
        verbruik(B, "elektriciteit", 2020, 9000.0),  # four years back: outside the window
        verbruik(B, "elektriciteit", 2024, 3000.0),
    ]
    f = features([obj(A), obj(B)], verbruik=use)
    assert f[A]["elektriciteit_t_o_v_eerder"] == pytest.approx(0.2)  # 1,800 / 9,000
    assert f[A]["elektriciteit_sprong"] == pytest.approx(1800 / 8000)
    assert f[B]["elektriciteit_t_o_v_eerder"] is None
