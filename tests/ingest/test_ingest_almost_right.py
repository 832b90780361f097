"""Input that is almost right: numbers read by declared rules, encodings per row, control characters.

Issue 22: ``250.000`` read as a koopsom of 250, ``1.000`` as 1 m², ``1.234`` as 1.234 kWh; one
stray byte turning a UTF-8 file's names into ``JosÃ©``; NUL bytes kept inside values.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import KEY, MANIFEST, FolderBuilder

from vastgoed.core.errors import DataError
from vastgoed.ingest import ingest

NOT_GUESSED = "geen getalnotatie"


def _write(
    tmp_path: Path, builder: FolderBuilder, stem: str, column: str, value: str, manifest: str = MANIFEST
) -> Path:
    rows = builder.rows()
    rows[stem][0][column] = value
    return builder.write(tmp_path, rows, manifest=manifest)


def _cells(frame: pl.DataFrame, stem: str) -> list[tuple[int, str, str]]:
    return [
        (r["rij"], r["kolom"], r["reden"])
        for r in frame.filter(pl.col("bestand") == stem).iter_rows(named=True)
    ]


# --- numbers: optional column (koopsom), without a stated notation ------------------------------


@pytest.mark.parametrize("value", ["250.000", "1.000", "1.234", "1.250.000", "1 234", "1,234,567", "250,000"])
def test_an_ambiguous_number_in_an_optional_column_is_nulled_not_guessed(
    tmp_path: Path, builder: FolderBuilder, value: str
) -> None:
    result = ingest(_write(tmp_path, builder, "kadaster_eigendom", "koopsom", value), key=KEY)
    table = result.tables["kadaster_eigendom"]
    assert table.height == 3  # the row is kept
    assert table.get_column("koopsom").to_list() == [None, 250001, 250002]
    assert result.quarantine.filter(pl.col("bestand") == "kadaster_eigendom").height == 0
    [(rij, kolom, reden)] = _cells(result.nulled, "kadaster_eigendom")
    assert (rij, kolom) == (0, "koopsom")
    assert NOT_GUESSED in reden
    assert result.nulled.get_column("waarde").to_list() == [value]


# --- numbers: required columns (oppervlakte: int, verbruik: float) ------------------------------


@pytest.mark.parametrize(
    ("stem", "column", "value"),
    [
        ("bag_verblijfsobjecten", "oppervlakte", "1.000"),
        ("bag_verblijfsobjecten", "oppervlakte", "1.250.000"),
        ("bag_verblijfsobjecten", "oppervlakte", "1 234"),
        ("energie_verbruik", "verbruik", "1.234"),
        ("energie_verbruik", "verbruik", "1,234"),
        ("energie_verbruik", "verbruik", "250.000"),
    ],
)
def test_an_ambiguous_number_in_a_required_column_quarantines_its_row(
    tmp_path: Path, builder: FolderBuilder, stem: str, column: str, value: str
) -> None:
    result = ingest(_write(tmp_path, builder, stem, column, value), key=KEY)
    assert result.tables[stem].get_column("rij").to_list() == [1, 2]
    [(rij, kolom, reden)] = _cells(result.quarantine, stem)
    assert (rij, kolom) == (0, column)
    assert NOT_GUESSED in reden


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1800", 1800.0),
        ("0,125", 0.125),
        ("1234.567", 1234.567),
        ("-3.5", -3.5),
    ],
)
def test_an_unambiguous_number_reads_as_before(
    tmp_path: Path, builder: FolderBuilder, value: str, expected: float
) -> None:
    result = ingest(_write(tmp_path, builder, "energie_verbruik", "verbruik", value), key=KEY)
    assert result.tables["energie_verbruik"].get_column("verbruik")[0] == pytest.approx(expected)
    assert result.quarantine.height == 0
    assert result.nulled.height == 0


def test_a_whole_number_written_with_decimals_reads_unless_ambiguous(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    rows = builder.rows()
    rows["bag_verblijfsobjecten"][0]["oppervlakte"] = "85.0"
    rows["bag_verblijfsobjecten"][1]["oppervlakte"] = "1800.000"
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.tables["bag_verblijfsobjecten"].get_column("oppervlakte").to_list() == [85, 1800, 100]


# --- numbers with a stated notation -------------------------------------------------------------

# stated for the two files under test only: the other files' numbers are written "176000.5"
NL = (
    MANIFEST
    + '[bronnen]\nkadaster_eigendom = { getalnotatie = "nl" }\nenergie_verbruik = { getalnotatie = "nl" }\n'
)
EN = (
    MANIFEST
    + '[bronnen]\nkadaster_eigendom = { getalnotatie = "en" }\nenergie_verbruik = { getalnotatie = "en" }\n'
)


@pytest.mark.parametrize(
    ("manifest", "value", "expected"),
    [
        (NL, "250.000", 250000),
        (NL, "1.000", 1000),
        (NL, "1.250.000", 1250000),
        (NL, "1.250.000,00", 1250000),
        (EN, "250,000", 250000),
        (EN, "1,250,000", 1250000),
        (EN, "1,250,000.0", 1250000),
    ],
)
def test_a_stated_notation_reads_grouped_numbers(
    tmp_path: Path, builder: FolderBuilder, manifest: str, value: str, expected: int
) -> None:
    result = ingest(_write(tmp_path, builder, "kadaster_eigendom", "koopsom", value, manifest), key=KEY)
    assert result.tables["kadaster_eigendom"].get_column("koopsom")[0] == expected
    assert _cells(result.nulled, "kadaster_eigendom") == []
    assert _cells(result.quarantine, "kadaster_eigendom") == []


@pytest.mark.parametrize(
    ("manifest", "value", "expected"),
    [
        (NL, "1.234", 1234.0),
        (NL, "1.234,5", 1234.5),
        (NL, "12,5", 12.5),
        (EN, "1.234", 1.234),
        (EN, "1,234.5", 1234.5),
    ],
)
def test_a_stated_notation_reads_decimals(
    tmp_path: Path, builder: FolderBuilder, manifest: str, value: str, expected: float
) -> None:
    result = ingest(_write(tmp_path, builder, "energie_verbruik", "verbruik", value, manifest), key=KEY)
    assert result.tables["energie_verbruik"].get_column("verbruik")[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("manifest", "value"), [(NL, "1 234"), (NL, "12.5"), (NL, "1,250,000"), (EN, "12,5")]
)
def test_a_number_outside_the_stated_notation_is_refused(
    tmp_path: Path, builder: FolderBuilder, manifest: str, value: str
) -> None:
    result = ingest(_write(tmp_path, builder, "kadaster_eigendom", "koopsom", value, manifest), key=KEY)
    assert result.tables["kadaster_eigendom"].get_column("koopsom")[0] is None
    [(rij, kolom, reden)] = _cells(result.nulled, "kadaster_eigendom")
    assert (rij, kolom) == (0, "koopsom")
    assert "getalnotatie" in reden


def test_a_source_states_its_own_notation(tmp_path: Path, builder: FolderBuilder) -> None:
    """The manifest's getalnotatie holds for every text file; a source's own overrides it."""
    manifest = MANIFEST + 'getalnotatie = "en"\n[bronnen]\nkadaster_eigendom = { getalnotatie = "nl" }\n'
    rows = builder.rows()
    rows["energie_verbruik"][0]["verbruik"] = "1.234"
    rows["kadaster_eigendom"][0]["koopsom"] = "1.234"
    rows["bag_verblijfsobjecten"][0]["oppervlakte"] = "1,234"
    result = ingest(builder.write(tmp_path, rows, manifest=manifest), key=KEY)
    assert result.tables["energie_verbruik"].get_column("verbruik")[0] == pytest.approx(1.234)
    assert result.tables["kadaster_eigendom"].get_column("koopsom")[0] == 1234
    assert result.tables["bag_verblijfsobjecten"].get_column("oppervlakte")[0] == 1234
    assert result.quarantine.height == 0


def test_an_unknown_notation_is_a_manifest_error(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path, manifest=MANIFEST + 'getalnotatie = "fr"\n')
    with pytest.raises(DataError, match="nl") as err:
        ingest(folder, key=KEY)
    assert err.value.bestand == "manifest.toml"
    assert err.value.kolom == "getalnotatie"


def test_typed_parquet_numbers_are_not_read_in_the_text_notation(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    """A Parquet Float64 of 1.234 is one point two three four, whatever the manifest says of text."""
    folder = builder.write(tmp_path, manifest=MANIFEST + 'getalnotatie = "nl"\n')
    for stem in ("bag_verblijfsobjecten", "kadaster_eigendom"):  # their text numbers: "176000.5"
        pl.read_csv(folder / f"{stem}.csv", infer_schema=False).write_parquet(folder / f"{stem}.parquet")
        (folder / f"{stem}.csv").unlink()
    energie = pl.read_csv(folder / "energie_verbruik.csv", infer_schema=False).with_columns(
        pl.Series("verbruik", [1.234, 2750.5, -3.5])
    )
    (folder / "energie_verbruik.csv").unlink()
    energie.write_parquet(folder / "energie_verbruik.parquet")
    result = ingest(folder, key=KEY)
    assert result.tables["energie_verbruik"].get_column("verbruik").to_list() == pytest.approx(
        [1.234, 2750.5, -3.5]
    )
    assert result.quarantine.height == 0


# --- encodings, per row -------------------------------------------------------------------------


def _names_file(tmp_path: Path, builder: FolderBuilder, manifest: str = MANIFEST) -> Path:
    """kvk_functionarissen in UTF-8 with José in rows 0 and 2, and one 0xE9 byte (cp1252 é) in row 1."""
    rows = builder.rows()
    for i, r in enumerate(rows["kvk_functionarissen"]):
        r["voornamen"] = "José" if i != 1 else "Jos@"
    folder = builder.write(tmp_path, rows, manifest=manifest)
    path = folder / "kvk_functionarissen.csv"
    path.write_bytes(path.read_bytes().replace(b"Jos@", b"Jos\xe9"))
    return folder


def test_a_stray_byte_in_a_utf8_file_quarantines_its_row_only(tmp_path: Path, builder: FolderBuilder) -> None:
    result = ingest(_names_file(tmp_path, builder), key=KEY)
    table = result.tables["kvk_functionarissen"]
    assert table.get_column("rij").to_list() == [0, 2]
    assert table.get_column("voornamen").to_list() == ["José", "José"]  # not JosÃ©
    assert result.counts["kvk_functionarissen"].encoding == "utf-8"
    [(rij, kolom, reden)] = _cells(result.quarantine, "kvk_functionarissen")
    assert (rij, kolom) == (1, "voornamen")
    assert "ongeldige UTF-8-bytes" in reden
    assert any("kvk_functionarissen" in w and "1 invalid byte" in w for w in result.warnings)


def test_a_stray_byte_in_a_file_declared_utf8_quarantines_its_row_only(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    manifest = MANIFEST + '[encoding]\nkvk_functionarissen = "utf-8"\n'
    result = ingest(_names_file(tmp_path, builder, manifest), key=KEY)
    assert result.tables["kvk_functionarissen"].get_column("voornamen").to_list() == ["José", "José"]
    assert [c[:2] for c in _cells(result.quarantine, "kvk_functionarissen")] == [(1, "voornamen")]


def test_a_stray_byte_is_shown_as_a_replacement_character(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["vergunningen"][0]["straat"] = "Caf@straat"
    rows["vergunningen"][1]["straat"] = "Cafèstraat"
    folder = builder.write(tmp_path, rows)
    path = folder / "vergunningen.csv"
    path.write_bytes(path.read_bytes().replace(b"Caf@", b"Caf\xe9"))
    result = ingest(folder, key=KEY)
    quarantined = result.quarantine.filter(pl.col("bestand") == "vergunningen")
    assert quarantined.select("rij", "kolom", "waarde").rows() == [(0, "straat", "Caf\ufffdstraat")]
    assert result.tables["vergunningen"].get_column("straat").to_list()[0] == "Cafèstraat"


def test_a_wholly_cp1252_file_is_read_in_the_fallback(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    for r in rows["kvk_functionarissen"]:
        r["voornamen"] = "José"
    folder = builder.write(tmp_path, rows, encodings={"kvk_functionarissen": "cp1252"})
    result = ingest(folder, key=KEY)
    assert result.tables["kvk_functionarissen"].get_column("voornamen").to_list() == ["José"] * 3
    assert result.counts["kvk_functionarissen"].encoding == "cp1252"
    assert result.quarantine.height == 0


def test_a_wholly_cp1252_file_declared_utf8_is_refused(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    for r in rows["kvk_functionarissen"]:
        r["voornamen"] = "José"
    manifest = MANIFEST + '[encoding]\nkvk_functionarissen = "utf-8"\n'
    folder = builder.write(tmp_path, rows, encodings={"kvk_functionarissen": "cp1252"}, manifest=manifest)
    with pytest.raises(DataError, match="declared UTF-8") as err:
        ingest(folder, key=KEY)
    assert err.value.bestand == "kvk_functionarissen"


# --- control characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason", "shown"),
    [
        ("geslachtsnaam", "Jan\x00sen", "NUL-teken", "<naam>"),  # a name is masked, whatever it holds
        ("kvk_nummer", "1234\x005678", "NUL-teken", "1234\\x005678"),
        ("functie", "eigenaar\x1b", "stuurteken", "eigenaar\\x1b"),
    ],
)
def test_a_control_character_quarantines_its_row_naming_the_column(
    tmp_path: Path, builder: FolderBuilder, column: str, value: str, reason: str, shown: str
) -> None:
    result = ingest(_write(tmp_path, builder, "kvk_functionarissen", column, value), key=KEY)
    assert result.tables["kvk_functionarissen"].get_column("rij").to_list() == [1, 2]
    cells = result.quarantine.filter(pl.col("bestand") == "kvk_functionarissen")
    first = cells.row(0, named=True)
    assert (first["rij"], first["kolom"], first["waarde"]) == (0, column, shown)
    assert reason in first["reden"]


def test_a_control_character_in_an_optional_column_costs_the_row(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    """Not nulled like a bad koopsom: a NUL is damage to the row as written, not a wrong value."""
    result = ingest(_write(tmp_path, builder, "kadaster_eigendom", "koopsom", "250\x00000"), key=KEY)
    assert result.tables["kadaster_eigendom"].get_column("rij").to_list() == [1, 2]
    assert _cells(result.quarantine, "kadaster_eigendom")[0][:2] == (0, "koopsom")
    assert result.nulled.height == 0


def test_a_tab_inside_a_value_is_text(tmp_path: Path, builder: FolderBuilder) -> None:
    result = ingest(_write(tmp_path, builder, "vergunningen", "aanvrager_naam", "A.\tJansen"), key=KEY)
    assert result.tables["vergunningen"].get_column("aanvrager_naam")[0] == "A.\tJansen"
    assert result.quarantine.height == 0
