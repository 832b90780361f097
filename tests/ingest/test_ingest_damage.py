from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import BSNS, KEY, FolderBuilder, make_bsn
from polars.testing import assert_frame_equal

from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.core.pseudonym import Pseudonymiser
from vastgoed.ingest import ingest

# (file, row, column, damaged value, a fragment of the expected reason)
DAMAGE = [
    ("brp_inschrijvingen", 1, "bsn", BSNS[1][:8] + str((int(BSNS[1][8]) + 1) % 10), "11-proef"),
    ("brp_inschrijvingen", 2, "bsn", "12ab56789", "not a BSN"),
    ("bag_verblijfsobjecten", 1, "postcode", "0211AB", "not a valid postcode"),
    ("brp_inschrijvingen", 0, "postcode", "6211SS", "not a valid postcode"),
    # a KvK address is all there or all shielded: a broken part is damage, not a partial address
    ("kvk_vestigingen", 2, "postcode", "62111AB", "not a valid postcode"),
    ("kvk_vestigingen", 0, "datum_inschrijving", "15-06-2010", "not a date"),
    ("kvk_vestigingen", 1, "datum_inschrijving", "2010-02-30", "not a date"),
    ("brp_inschrijvingen", 0, "geboortedatum", "1970-13-00", "not a date"),
    ("vergunningen", 2, "besluit", "misschien", "value 'misschien' not in"),
    ("bag_verblijfsobjecten", 0, "status", "Sloop", "not in"),
    ("bag_verblijfsobjecten", 2, "gebruiksdoel", "woonfunctie;zwembad", "value 'zwembad' not in"),
    ("bag_verblijfsobjecten", 1, "verblijfsobject_id", "0935100000000002", "not a BAG verblijfsobject id"),
    ("bag_verblijfsobjecten", 2, "pand_id", "093510000000003", "not a BAG pand id"),
    # an unreadable end date would make an ended period a running one: it costs the row
    ("brp_inschrijvingen", 1, "datum_einde_adreshouding", "2020-13-01", "not a date"),
    ("kadaster_eigendom", 0, "datum_einde", "onbekend", "not a date"),
    ("kvk_vestigingen", 1, "datum_uitschrijving", "31-12-2020", "not a date"),
    ("bag_verblijfsobjecten", 0, "oppervlakte", "-40", "out of range"),
    ("bag_verblijfsobjecten", 1, "oppervlakte", "80,5", "not an integer"),
    ("bag_verblijfsobjecten", 2, "huisnummer", "", "empty value"),
    ("energie_verbruik", 0, "ean", "871687120000000019", "not an EAN"),
    ("energie_verbruik", 1, "verbruik", "veel", "not a finite number"),
    ("energie_verbruik", 2, "jaar", "1850", "out of range"),
    ("kadaster_eigendom", 1, "hypotheek", "misschien", "not a boolean"),
    ("kvk_functionarissen", 0, "kvk_nummer", "1234567a", "not a KvK number"),
    ("kvk_functionarissen", 2, "kvk_nummer", "0123456", "not a KvK number"),  # a lost digit, not a zero
    ("kvk_vestigingen", 1, "kvk_nummer", "123456789", "not a KvK number"),
    ("kvk_vestigingen", 2, "vestigingsnummer", "12345678", "not a vestigingsnummer"),
    ("audit_kenmerken", 1, "bsn", "", "empty value"),
]


@pytest.mark.parametrize(("stem", "row", "column", "value", "reason"), DAMAGE)
def test_damaged_cell_quarantines_exactly_its_row(
    tmp_path: Path, builder: FolderBuilder, stem: str, row: int, column: str, value: str, reason: str
) -> None:
    rows = builder.rows()
    rows[stem][row][column] = value
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    q = result.quarantine
    assert q.select("bestand", "rij", "kolom").rows() == [(stem, row, column)]
    assert reason in q.get_column("reden")[0]
    kept = result.tables[stem].get_column("rij").to_list()
    assert kept == [r for r in range(3) if r != row]
    counts = result.counts[stem]
    assert (counts.rows_read, counts.rows_kept, counts.rows_quarantined) == (3, 2, 1)
    for other, table in result.tables.items():
        if other != stem:
            assert table.height == 3, other


# A bad value that costs only itself: (file, row, column, damaged value, a fragment of the reason)
NULLED = [
    ("brp_inschrijvingen", 2, "nummeraanduiding_id", "0935010000000003", "not a BAG nummeraanduiding id"),
    ("bag_verblijfsobjecten", 1, "x", "abc", "not a finite number"),
    ("kvk_functionarissen", 0, "geboortedatum", "30-11-1985", "not a date"),
    ("kadaster_eigendom", 2, "verblijfsobject_id", "0935200000000003", "not a BAG verblijfsobject id"),
    ("kadaster_eigendom", 1, "eigenaar_kvk_nummer", "12AB5678", "not a KvK number"),
    ("kadaster_eigendom", 0, "koopsom", "-5", "out of range"),
    ("vergunningen", 1, "aanvrager_kvk_nummer", "123456789", "not a KvK number"),
    ("energie_verbruik", 1, "slimme_meter", "misschien", "not a boolean"),
    # a partial address's part: the rest of the address is still usable
    ("energie_verbruik", 2, "postcode", "6211SS", "not a valid postcode"),
    ("vergunningen", 0, "huisnummer", "twaalf", "not an integer"),
    ("kadaster_eigendom", 1, "postcode", "62111AB", "not a valid postcode"),
    ("meldingen", 0, "huisnummer", "0", "out of range"),
]


@pytest.mark.parametrize(("stem", "row", "column", "value", "reason"), NULLED)
def test_a_bad_optional_value_is_nulled_and_reported_not_its_row(
    tmp_path: Path, builder: FolderBuilder, stem: str, row: int, column: str, value: str, reason: str
) -> None:
    rows = builder.rows()
    rows[stem][row][column] = value
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.height == 0, result.quarantine
    nulled = result.nulled
    assert nulled.select("bestand", "rij", "kolom").rows() == [(stem, row, column)]
    assert reason in nulled.get_column("reden")[0]
    table = result.tables[stem]
    assert table.get_column("rij").to_list() == [0, 1, 2]
    assert table.filter(pl.col("rij") == row).get_column(column).to_list() == [None]
    untouched = ingest(builder.write(tmp_path / "untouched"), key=KEY).tables[stem]
    assert_frame_equal(table.filter(pl.col("rij") != row), untouched.filter(pl.col("rij") != row))
    counts = result.counts[stem]
    assert (counts.rows_read, counts.rows_kept, counts.rows_quarantined, counts.values_nulled) == (3, 3, 0, 1)


def test_a_nulled_value_in_a_quarantined_row_is_quarantined_with_it(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    rows = builder.rows()
    rows["kadaster_eigendom"][1].update(koopsom="veel", datum_verkrijging="2019-02-30")
    rows["kadaster_eigendom"][2].update(koopsom="ook veel")
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.select("rij", "kolom").rows() == [(1, "datum_verkrijging"), (1, "koopsom")]
    assert result.nulled.select("rij", "kolom").rows() == [(2, "koopsom")]
    assert result.tables["kadaster_eigendom"].get_column("rij").to_list() == [0, 2]
    assert result.counts["kadaster_eigendom"].values_nulled == 1


def test_a_repeated_key_takes_its_nulled_values_with_it(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["energie_verbruik"].append(dict(rows["energie_verbruik"][0], slimme_meter="?"))
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.select("rij").to_series().to_list() == [3]
    assert result.nulled.height == 0


def test_several_bad_cells_in_one_row_give_one_quarantine_row_each(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    rows = builder.rows()
    rows["bag_verblijfsobjecten"][1].update(postcode="12", oppervlakte="0", status="?")
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    q = result.quarantine
    assert q.select("rij", "kolom").rows() == [(1, "postcode"), (1, "oppervlakte"), (1, "status")]
    assert result.counts["bag_verblijfsobjecten"].rows_quarantined == 1


def test_duplicate_key_keeps_the_first(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    bag = rows["bag_verblijfsobjecten"]
    bag.append(dict(bag[0], openbare_ruimte="Vrijthof"))
    bag.append(dict(bag[1]))
    # the same key once normalised (spaces are stripped) is still a duplicate
    bag.append(dict(bag[1], verblijfsobject_id=f" {bag[1]['verblijfsobject_id']} "))
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    q = result.quarantine
    assert q.select("rij", "kolom").rows() == [(3, "verblijfsobject_id")] * 1 + [
        (4, "verblijfsobject_id"),
        (5, "verblijfsobject_id"),
    ]
    assert q.get_column("reden").to_list() == [
        "duplicate key (verblijfsobject_id) of row 0",
        "duplicate key (verblijfsobject_id) of row 1",
        "duplicate key (verblijfsobject_id) of row 1",
    ]
    assert result.tables["bag_verblijfsobjecten"].get_column("rij").to_list() == [0, 1, 2]


def test_a_key_repeating_an_invalid_row_is_kept(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    energie = rows["energie_verbruik"]
    energie.append(dict(energie[0], verbruik="12"))
    energie[0]["product"] = "stroom"
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.select("rij", "kolom").rows() == [(0, "product")]
    assert result.tables["energie_verbruik"].get_column("rij").to_list() == [1, 2, 3]


def test_composite_key_and_masked_bsn(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    brp = rows["brp_inschrijvingen"]
    brp.append(dict(brp[2]))
    brp.append(dict(brp[2], datum_aanvang_adreshouding="2020-01-01"))
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    q = result.quarantine
    assert q.select("rij", "kolom").rows() == [(3, "bsn,datum_aanvang_adreshouding")]
    assert q.get_column("reden")[0] == "duplicate key (bsn, datum_aanvang_adreshouding) of row 2"
    assert q.get_column("waarde")[0] == "*******" + BSNS[2][-2:] + ",2015-03-01"


def test_identifiers_are_masked_in_the_quarantine(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    bad_bsn = BSNS[0][:8] + str((int(BSNS[0][8]) + 1) % 10)
    rows["brp_inschrijvingen"].append(dict(rows["brp_inschrijvingen"][0]))  # one good row: not refused
    rows["brp_inschrijvingen"][0]["bsn"] = bad_bsn
    rows["brp_inschrijvingen"][1]["geboortedatum"] = "1985-02-31"
    rows["brp_inschrijvingen"][2]["voornamen"] = ""
    rows["kvk_functionarissen"][0]["geboortedatum"] = "30-11-1985"  # optional: nulled, reported masked
    rows["bag_verblijfsobjecten"][0]["postcode"] = "9Z9Z"
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.nulled.select("bestand", "kolom", "waarde").rows() == [
        ("kvk_functionarissen", "geboortedatum", "<datum>")
    ]
    waarden = dict(
        zip(result.quarantine.get_column("kolom"), result.quarantine.get_column("waarde"), strict=True)
    )
    assert waarden["bsn"] == "*******" + bad_bsn[-2:]
    assert waarden["geboortedatum"] == "<datum>"
    assert waarden["voornamen"] is None
    assert waarden["postcode"] == "9Z9Z"
    flat = " ".join(str(v) for v in [*result.quarantine.rows(), *result.nulled.rows()])
    for secret in (bad_bsn, "1985-02-31", "30-11-1985"):
        assert secret not in flat


def test_valid_variation_is_not_an_error(tmp_path: Path, builder: FolderBuilder) -> None:
    nine = make_bsn("01234567")
    assert nine.startswith("0")
    assert is_valid_bsn(nine[1:])
    rows = builder.rows()
    brp = rows["brp_inschrijvingen"]
    brp[0]["bsn"] = nine[1:]  # leading zero lost
    brp[0]["postcode"] = "6211 ck"
    brp[0]["geboortedatum"] = "1970-00-00"
    brp[1]["geboortedatum"] = "19850000"
    brp[2]["geboortedatum"] = "1999-07-00"
    brp[2]["datum_aanvang_adreshouding"] = "20150301"
    brp[1]["functie_adres"] = " b "
    rows["bag_verblijfsobjecten"][0]["status"] = "verblijfsobject  IN gebruik"
    rows["bag_verblijfsobjecten"][1]["gebruiksdoel"] = "Woonfunctie ; KANTOORFUNCTIE;"
    rows["kadaster_eigendom"][0]["hypotheek"] = "WAAR"
    rows["energie_verbruik"][0]["verbruik"] = "2750,5"
    rows["energie_verbruik"][1]["huisnummer"] = "11.0"
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.height == 0, result.quarantine
    table = result.tables["brp_inschrijvingen"]
    assert table.get_column("postcode")[0] == "6211CK"
    assert table.get_column("geboortedatum").to_list() == ["1970-00-00", "1985-00-00", "1999-07-00"]
    assert table.get_column("functie_adres")[1] == "B"
    assert table.get_column("bsn_pseudoniem")[0] == Pseudonymiser(KEY).one(nine)
    bag = result.tables["bag_verblijfsobjecten"]
    assert bag.get_column("status")[0] == "Verblijfsobject in gebruik"
    assert bag.get_column("gebruiksdoel")[1] == "woonfunctie;kantoorfunctie"
    assert result.tables["energie_verbruik"].get_column("verbruik")[0] == 2750.5


def test_lost_leading_zeros_are_restored(tmp_path: Path, builder: FolderBuilder) -> None:
    """A KvK number and a BAG id read as a number are padded, as an 8-digit BSN is."""
    rows = builder.rows()
    rows["kvk_functionarissen"][0]["kvk_nummer"] = "1234567"
    rows["kvk_functionarissen"][1]["kvk_nummer"] = "80501"  # 00080501
    rows["kadaster_eigendom"][1]["eigenaar_kvk_nummer"] = " 2345678 "
    rows["vergunningen"][1]["aanvrager_kvk_nummer"] = "2345678.0"  # not this: a float's text
    vbo = rows["bag_verblijfsobjecten"][0]["verblijfsobject_id"]
    rows["kadaster_eigendom"][0]["verblijfsobject_id"] = vbo.lstrip("0")
    rows["brp_inschrijvingen"][0]["nummeraanduiding_id"] = "3200000000001"  # gemeente 0003: three zeros
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.height == 0, result.quarantine
    assert result.nulled.select("bestand", "kolom").rows() == [("vergunningen", "aanvrager_kvk_nummer")]
    assert result.tables["kvk_functionarissen"].get_column("kvk_nummer").to_list()[:2] == [
        "01234567",
        "00080501",
    ]
    assert result.tables["kadaster_eigendom"].get_column("eigenaar_kvk_nummer")[1] == "02345678"
    assert result.tables["kadaster_eigendom"].get_column("verblijfsobject_id")[0] == vbo
    assert result.tables["brp_inschrijvingen"].get_column("nummeraanduiding_id")[0] == "0003200000000001"


def test_other_sources_write_suffixes_and_partial_addresses_their_own_way(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    """Only the BAG's suffix has BAG's form; other sources' suffixes are kept as written, and an
    address missing its postcode or street is kept."""
    written = ["2e verd", "hs", "A-2", "1-hoog", "bis", "/03", "CV ketel", "Ⅱ"]
    rows = builder.rows()
    for stem in ("brp_inschrijvingen", "kvk_vestigingen", "kadaster_eigendom", "energie_verbruik"):
        for r, toev in zip(rows[stem], written, strict=False):
            r["huisnummertoevoeging"] = toev
        written = written[3:] + written[:3]
    rows["vergunningen"][0].update(postcode="")  # street and number without postcode
    rows["vergunningen"][1].update(straat="")  # postcode and number without street
    rows["kadaster_eigendom"][2].update(straat="", huisnummer="", postcode="")  # a parcel
    rows["energie_verbruik"][0].update(postcode="")
    rows["meldingen"][0].update(huisnummer="")
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.height == 0 and result.nulled.height == 0, (result.quarantine, result.nulled)
    for stem in ("brp_inschrijvingen", "kvk_vestigingen", "kadaster_eigendom", "energie_verbruik"):
        raw = [r["huisnummertoevoeging"].strip() or None for r in rows[stem]]
        assert result.tables[stem].get_column("huisnummertoevoeging").to_list() == raw, stem
    assert result.tables["vergunningen"].get_column("postcode").to_list() == [None, "6211HN", "6221EA"]
    assert result.tables["kadaster_eigendom"].height == 3


def test_the_bag_keeps_its_strict_suffix(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["bag_verblijfsobjecten"][2]["huisnummertoevoeging"] = "2e verd"
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.select("bestand", "rij", "kolom").rows() == [
        ("bag_verblijfsobjecten", 2, "huisnummertoevoeging")
    ]
