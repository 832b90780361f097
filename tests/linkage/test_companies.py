from __future__ import annotations

import polars as pl
import pytest

from linkage.companies import company_name_key_expr, link_companies


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Goud Beheer B.V.", "goud beheer bv"),
        ("Goud Beheer B.V.", "GOUD BEHEER BV."),
        ("Café De Zwaan V.O.F.", "Cafe de Zwaan vof"),
        ("Bakkerij Ploem N.V.", "Bakkerij Ploem"),
    ],
)
def test_trade_name_keys_ignore_case_accents_punctuation_and_legal_form(a: str, b: str) -> None:
    keys = pl.select(company_name_key_expr(pl.lit(a)), company_name_key_expr(pl.lit(b)).alias("b")).row(0)
    assert keys[0] == keys[1]


def _tables() -> dict[str, pl.DataFrame]:
    vest = pl.DataFrame(
        {
            "rij": [0, 1, 2, 3, 4],
            "kvk_nummer": ["11111111", "22222222", "33333333", "44444444", "55555555"],
            "handelsnaam": [
                "Goud Beheer B.V.",
                "Limburg Vastgoed B.V.",
                "Limburg Vastgoed B.V.",
                "Mertens Holding B.V.",
                "Maastrichtse Bouwmaatschappij B.V.",
            ],
        }
    )
    kad = pl.DataFrame(
        {
            "rij": [0, 1, 2, 3],
            "eigenaar_type": ["rechtspersoon", "rechtspersoon", "rechtspersoon", "natuurlijk_persoon"],
            "eigenaar_naam": ["Woningstichting X", "goud beheer bv", "Limburg Vastgoed BV", "Mertens, K."],
            "eigenaar_kvk_nummer": ["99999999", None, None, None],
        }
    )
    verg = pl.DataFrame(
        {
            "rij": [0, 1, 2, 3],
            "aanvrager_naam": [
                "Mertens, K.",
                "Maastrichtse Bouwmaatschapij BV",
                "Limburg Vastgoed B.V.",
                "Jan Jansen",
            ],
            "aanvrager_kvk_nummer": [None, None, None, None],
        }
    )
    return {"kvk_vestigingen": vest, "kadaster_eigendom": kad, "vergunningen": verg}


def test_company_links_by_number_name_address_and_typo() -> None:
    address = pl.DataFrame(
        {
            "bron": ["kvk_vestigingen", "kvk_vestigingen", "kadaster_eigendom", "vergunningen"],
            "rij": [1, 2, 2, 2],
            "verblijfsobject_id": ["A", "B", "B", "Z"],
        }
    )
    cm = link_companies(_tables(), address)
    got = {r["record"]: (r["kvk_nummer"], r["methode"]) for r in cm.links.iter_rows(named=True)}
    assert got["kadaster_eigendom:0"] == ("99999999", "kvk_nummer")
    assert got["kadaster_eigendom:1"] == ("11111111", "handelsnaam")
    assert got["kadaster_eigendom:2"] == (
        "33333333",
        "handelsnaam_adres",
    )  # two share the name; the address decides
    assert got["vergunningen:1"][0] == "55555555" and got["vergunningen:1"][1] == "handelsnaam_fuzzy"
    # Ambiguous name without a matching address, a natural person and person-form names stay unlinked.
    for record in ("vergunningen:2", "kadaster_eigendom:3", "vergunningen:0", "vergunningen:3"):
        assert record not in got
    assert cm.unmatched.filter(pl.col("record") == "kadaster_eigendom:2").height == 0
