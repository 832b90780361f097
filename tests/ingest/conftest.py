"""A builder of small contract-conforming data folders, written by hand for the ingest tests."""

from __future__ import annotations

import copy
import csv
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pytest

from vastgoed.core.identifiers import bsn_check, ean_check_digit
from vastgoed.core.schema import CONTRACT

KEY = b"a-test-key-of-at-least-16-bytes"

Row = dict[str, str]


def make_bsn(prefix8: str) -> str:
    """The 9-digit BSN with the given first 8 digits, or raise if no check digit fits."""
    for last in "0123456789":
        s = bsn_check(prefix8 + last)
        if s > 0 and s % 11 == 0:
            return prefix8 + last
    raise ValueError(prefix8)


def make_ean(first17: str) -> str:
    return first17 + str(ean_check_digit(first17))


BSNS = [make_bsn(p) for p in ("10000001", "23456789", "34567891")]
EANS = [make_ean(f"8716871200000000{i}") for i in (1, 2, 3)]
VBO = [f"09350100000000{i:02d}" for i in (1, 2, 3)]
NUM = [f"09352000000000{i:02d}" for i in (1, 2, 3)]
PAND = [f"09351000000000{i:02d}" for i in (1, 2, 3)]
KVK = ["12345678", "23456789", "34567890"]
VEST = ["000012345678", "000023456789", "000034567890"]
STRAAT = ["Markt", "Boschstraat", "Wycker Brugstraat"]
POSTCODE = ["6211CK", "6211HN", "6221EA"]

_BASE: dict[str, list[Row]] = {
    "bag_verblijfsobjecten": [
        {
            "verblijfsobject_id": VBO[i],
            "nummeraanduiding_id": NUM[i],
            "openbare_ruimte": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "A" if i == 1 else "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "woonplaats": "Maastricht",
            "gebruiksdoel": "woonfunctie" if i != 2 else "woonfunctie;winkelfunctie",
            "oppervlakte": str(60 + 20 * i),
            "status": "Verblijfsobject in gebruik",
            "pand_id": PAND[i],
            "bouwjaar": str(1900 + 30 * i),
            "buurtcode": "BU09350101",
            "x": f"{176000.5 + i}",
            "y": f"{317000.25 + i}",
        }
        for i in range(3)
    ],
    "brp_inschrijvingen": [
        {
            "bsn": BSNS[i],
            "geslachtsnaam": ["Jansen", "Bakker", "Visser"][i],
            "voorvoegsel": "",
            "voornamen": ["Anna", "Bram", "Cor"][i],
            "geboortedatum": ["1970-05-12", "1985-11-30", "1999-01-01"][i],
            "functie_adres": "W",
            "nummeraanduiding_id": NUM[i],
            "openbare_ruimte": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "A" if i == 1 else "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "woonplaats": "Maastricht",
            "datum_aanvang_adreshouding": "2015-03-01",
            "datum_einde_adreshouding": "",
        }
        for i in range(3)
    ],
    "kvk_vestigingen": [
        {
            "vestigingsnummer": VEST[i],
            "kvk_nummer": KVK[i],
            "handelsnaam": ["Bakkerij Bram", "Visser Holding", "Jansen Advies"][i],
            "rechtsvorm": ["eenmanszaak", "bv", "vof"][i],
            "sbi_code": "1071",
            "straat": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "plaats": "Maastricht",
            "datum_inschrijving": "2010-06-15",
            "datum_uitschrijving": "",
        }
        for i in range(3)
    ],
    "kvk_functionarissen": [
        {
            "kvk_nummer": KVK[i],
            "geslachtsnaam": ["Bakker", "Visser", "Jansen"][i],
            "voorvoegsel": "",
            "voornamen": ["Bram", "Cor", "Anna"][i],
            "geboortedatum": ["1985-11-30", "", "1970-05-12"][i],
            "functie": ["eigenaar", "bestuurder", "vennoot"][i],
            "datum_aanvang": "2010-06-15",
            "datum_einde": "",
        }
        for i in range(3)
    ],
    "kadaster_eigendom": [
        {
            "kadastraal_object_id": f"MTT00A{i:04d}G0000",
            "verblijfsobject_id": VBO[i],
            "straat": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "eigenaar_type": "natuurlijk_persoon" if i != 1 else "rechtspersoon",
            "eigenaar_naam": ["A. Jansen", "Visser Holding B.V.", "C. Visser"][i],
            "eigenaar_geboortedatum": ["1970-05-12", "", "1999-01-01"][i],
            "eigenaar_kvk_nummer": "" if i != 1 else KVK[1],
            "datum_verkrijging": "2016-02-01",
            "datum_einde": "",
            "koopsom": str(250000 + i),
            "hypotheek": ["true", "false", "ja"][i],
        }
        for i in range(3)
    ],
    "vergunningen": [
        {
            "vergunning_id": f"V-2020-{i:03d}",
            "soort": ["omgevingsvergunning", "kamerverhuur", "drank_en_horeca"][i],
            "straat": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "aanvrager_naam": ["A. Jansen", "Visser Holding B.V.", "C. Visser"][i],
            "aanvrager_kvk_nummer": "" if i != 1 else KVK[1],
            "datum_aanvraag": "2020-04-01",
            "besluit": ["verleend", "geweigerd", "lopend"][i],
            "bibob_toets": ["0", "1", "nee"][i],
        }
        for i in range(3)
    ],
    "energie_verbruik": [
        {
            "ean": EANS[i],
            "product": ["elektriciteit", "gas", "water"][i],
            "straat": STRAAT[i],
            "huisnummer": str(10 + i),
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i],
            "jaar": "2023",
            "verbruik": ["2750.5", "1200", "-3.5"][i],
            "slimme_meter": ["true", "", "false"][i],
        }
        for i in range(3)
    ],
    "meldingen": [
        {
            "melding_id": f"M{i}",
            "datum": "2023-05-0" + str(i + 1),
            "categorie": "overlast",
            "straat": STRAAT[i] if i != 2 else "",
            "huisnummer": str(10 + i) if i != 2 else "",
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": POSTCODE[i] if i != 2 else "",
        }
        for i in range(3)
    ],
    "onderzoeksuitkomsten": [
        {
            "verblijfsobject_id": VBO[i],
            "datum_onderzoek": "2022-09-01",
            "fenomeen": ["hennepteelt", "spookbewoning", "overbewoning"][i],
            "uitkomst": ["bevestigd", "niet_bevestigd", "bevestigd"][i],
        }
        for i in range(3)
    ],
    "audit_kenmerken": [
        {
            "bsn": BSNS[i],
            "leeftijdsgroep": ["45-65", "25-45", "18-25"][i],
            "geslacht": ["v", "m", "m"][i],
            "herkomst_groep": ["nederland", "europa", "overig"][i],
        }
        for i in range(3)
    ],
}

MANIFEST = """gemeentecode = "0935"
peildatum = "2024-01-01"
synthetisch = true
"""


class FolderBuilder:
    """Writes data folders; tests change rows of :meth:`rows` and pass them to :meth:`write`."""

    stems: tuple[str, ...] = tuple(f.stem for f in CONTRACT)

    def rows(self) -> dict[str, list[Row]]:
        return copy.deepcopy(_BASE)

    def write(
        self,
        root: Path,
        rows: dict[str, list[Row]] | None = None,
        *,
        fmt: str = "csv",
        encodings: dict[str, str] | None = None,
        manifest: str = MANIFEST,
        omit: Iterable[str] = (),
        columns: dict[str, list[str]] | None = None,
    ) -> Path:
        """Write a folder; ``columns`` overrides a file's header (to drop or add columns)."""
        rows = rows if rows is not None else self.rows()
        root.mkdir(parents=True, exist_ok=True)
        (root / "manifest.toml").write_text(manifest, encoding="utf-8")
        for stem, stem_rows in rows.items():
            if stem in omit:
                continue
            header = (columns or {}).get(stem) or list(_BASE[stem][0])
            if fmt == "parquet":
                data = {c: [r.get(c, "") for r in stem_rows] for c in header}
                pl.DataFrame(data, schema=dict.fromkeys(header, pl.String)).write_parquet(
                    root / f"{stem}.parquet"
                )
                continue
            enc = (encodings or {}).get(stem, "utf-8")
            with (root / f"{stem}.csv").open("w", encoding=enc, newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows([[r.get(c, "") for c in header] for r in stem_rows])
        return root


@pytest.fixture(scope="session")
def builder() -> FolderBuilder:
    return FolderBuilder()


@pytest.fixture
def folder(tmp_path: Path, builder: FolderBuilder) -> Path:
    """A clean, complete data folder."""
    return builder.write(tmp_path / "data")
