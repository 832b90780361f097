from __future__ import annotations

import polars as pl
import pytest

from linkage.person_records import (
    PERSON_RECORD_SCHEMA,
    is_person_name,
    normalise_voorvoegsel,
    parse_person_name,
    person_records,
)


@pytest.mark.parametrize(
    ("naam", "achternaam", "voorvoegsel", "voornaam", "voorletters"),
    [
        ("Berg, J. van der", "berg", "van der", None, "j"),
        ("J. van der Berg", "berg", "van der", None, "j"),
        ("Jan van der Berg", "berg", "van der", "jan", "j"),
        ("Bos, M.K.", "bos", "", None, "mk"),
        ("G.J.M. Wouters", "wouters", "", None, "gjm"),
        ("Wouters, G.J.M.", "wouters", "", None, "gjm"),
        ("Gerard Wouters", "wouters", "", "gerard", "g"),
        ("Ait Taleb, S.", "ait taleb", "", None, "s"),
        ("van der Berg, J.", "berg", "van der", None, "j"),
        ("Berg, Jan van der", "berg", "van der", "jan", "j"),
        ("W. in 't Veld", "veld", "in 't", None, "w"),
        ("Kamp, H.S. op de", "kamp", "op de", None, "hs"),
        ("Müller, J.", "muller", "", None, "j"),
        ("Jan Peter van Berg", "berg", "van", "jan", "jp"),
        ("O'Brien, K.", "o'brien", "", None, "k"),
        # letters that Unicode decomposition leaves alone
        ("Yılmaz, A.", "yilmaz", "", None, "a"),
        ("Michał Wróbel", "wrobel", "", "michal", "m"),
        ("Weiß, K.", "weiss", "", None, "k"),
        # the voorvoegsel after the name and a comma, or between surname and initials
        ("J. Kort, de", "kort", "de", None, "j"),
        ("Kevin Wijk, van", "wijk", "van", "kevin", "k"),
        ("Berg, van der", "berg", "van der", None, None),
        ("MEER, VAN DER, F.", "meer", "van der", None, "f"),
    ],
)
def test_kadaster_name_parsing(
    naam: str, achternaam: str, voorvoegsel: str, voornaam: str | None, voorletters: str
) -> None:
    assert parse_person_name(naam) == {
        "achternaam": achternaam,
        "voorvoegsel": voorvoegsel,
        "voornaam": voornaam,
        "voorletters": voorletters,
    }


_GIVEN = pl.Series(["anna", "maria", "karim", "mustapha", "johanna", "jan", "peter"])
_SURNAMES = pl.Series(["rutten", "el idrissi", "idrissi", "kort", "amrani", "el amrani"])


@pytest.mark.parametrize(
    ("naam", "achternaam", "voorvoegsel", "voornaam", "voorletters"),
    [
        # middle names are given names: known ones, or before a known surname
        ("Anna Maria Rutten", "rutten", "", "anna", "am"),
        ("Anna Marla Rutten", "rutten", "", "anna", "am"),
        ("Mustapha Karim El Idrissi", "el idrissi", "", "mustapha", "mk"),
        ("M. El Amrani", "el amrani", "", None, "m"),
        ("Mohamed El Amrani", "el amrani", "", "mohamed", "m"),
        # a prefix word is never a given name
        ("Johanna de Kort", "kort", "de", "johanna", "j"),
        # the last word always stays the surname
        ("Jan Peter", "peter", "", "jan", "j"),
        ("Rutten, Anna Maria", "rutten", "", "anna", "am"),
    ],
)
def test_names_parsed_with_the_registers_names(
    naam: str, achternaam: str, voorvoegsel: str, voornaam: str | None, voorletters: str
) -> None:
    assert parse_person_name(naam, _GIVEN, _SURNAMES) == {
        "achternaam": achternaam,
        "voorvoegsel": voorvoegsel,
        "voornaam": voornaam,
        "voorletters": voorletters,
    }


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("van der", "van der"),
        ("Van Der", "van der"),
        ("V.D.", "van de"),
        ("v/d", "van de"),
        ("v. der", "van der"),
        ("v.", "van"),
        ("in 'T", "in 't"),
        ("i.t.", "in 't"),
        (None, ""),
        ("  de ", "de"),
    ],
)
def test_voorvoegsel_normalisation(raw: str | None, norm: str) -> None:
    assert normalise_voorvoegsel(raw) == norm


def test_person_names_are_told_from_company_names() -> None:
    names = [
        "Berg, J. van der",
        "K.M. Hoffmann",
        "Jan van der Berg",
        "Holding Horizon B.V.",
        "Stichting Woonzorg",
        "Woonstichting Maasvallei",
        "Maasvallei Maastricht",
        "Kroon Beheer",
        "Jacobs Café",
        "Bar Vesting",
    ]
    known = pl.Series(["jan", "karel"])
    got = pl.DataFrame({"n": names}).select(is_person_name(pl.col("n"), known)).to_series().to_list()
    assert got == [True, True, True, False, False, False, False, False, False, False]


def test_person_records_standardises_all_sources() -> None:
    tables = {
        "brp_inschrijvingen": pl.DataFrame(
            {
                "rij": [0, 1],
                "bsn_pseudoniem": ["pa", "pa"],
                "geslachtsnaam": ["Berg", "Berg"],
                "voorvoegsel": ["van der", "van der"],
                "voornamen": ["Jan Peter", "Jan Peter"],
                "geboortedatum": ["1970-00-00", "1970-03-04"],
                "postcode": ["6211AB", "6211AB"],
                "huisnummer": [1, 1],
            }
        ),
        "kvk_functionarissen": pl.DataFrame(
            {
                "rij": [0],
                "kvk_nummer": ["12345678"],
                "geslachtsnaam": ["van der Berg"],
                "voorvoegsel": [None],
                "voornamen": ["Jan"],
                "geboortedatum": [None],
            },
            schema_overrides={"voorvoegsel": pl.String, "geboortedatum": pl.String},
        ),
        "kadaster_eigendom": pl.DataFrame(
            {
                "rij": [0, 1],
                "eigenaar_type": ["natuurlijk_persoon", "rechtspersoon"],
                "eigenaar_naam": ["Berg, J.P. van der", "Holding B.V."],
                "eigenaar_geboortedatum": ["1970-04-03", None],
                "postcode": ["6211AB", "6211AC"],
                "huisnummer": [1, 2],
            }
        ),
    }
    links = pl.DataFrame(
        {"record": ["brp_inschrijvingen:0", "kadaster_eigendom:0"], "verblijfsobject_id": ["v1", "v1"]}
    )
    out = person_records(tables, links)
    assert out.schema == pl.Schema(PERSON_RECORD_SCHEMA)
    assert out.get_column("record").to_list() == [
        "brp_inschrijvingen:0",
        "brp_inschrijvingen:1",
        "kvk_functionarissen:0",
        "kadaster_eigendom:0",
    ]
    assert set(out.get_column("achternaam")) == {"berg"}
    assert set(out.get_column("voorvoegsel")) == {"van der"}
    first = out.row(0, named=True)
    assert (first["geb_jaar"], first["geb_maand"], first["geboortedatum"]) == (1970, None, None)
    assert out.get_column("voorletters").to_list() == ["jp", "jp", "j", "jp"]
    assert out.filter(pl.col("bron") == "kadaster_eigendom").get_column("verblijfsobject_ids").to_list() == [
        ["v1"]
    ]
