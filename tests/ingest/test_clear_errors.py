"""Issue 22, must-show 6: input that is almost right gets a clear error naming the file and what to do.

A header-only BAG, a 0-byte extract, a peildatum in 2031, a gemeentecode its BAG contradicts, a
doubled column name and a repeated header line each passed, or failed later with a raw exception
or an unrelated message.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from conftest import KEY, MANIFEST, FolderBuilder

from vastgoed.core.errors import DataError
from vastgoed.ingest import ingest

TODAY = dt.date(2024, 6, 1)  # the conftest manifest's peildatum is 2024-01-01
BAG = "bag_verblijfsobjecten"


def _ingest(folder: Path, today: dt.date = TODAY):  # type: ignore[no-untyped-def]
    return ingest(folder, key=KEY, today=today)


def _refused(folder: Path, today: dt.date = TODAY) -> DataError:
    with pytest.raises(DataError) as err:
        _ingest(folder, today)
    return err.value


# --- empty files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"])
def test_an_empty_optional_file_is_absent_with_a_warning(folder: Path, content: bytes) -> None:
    (folder / "meldingen.csv").write_bytes(content)
    result = _ingest(folder)
    assert "meldingen" not in result.tables
    assert any(w.startswith("meldingen.csv: leeg bestand") and "als afwezig" in w for w in result.warnings)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf \n"])
def test_an_empty_required_file_is_refused_naming_it(folder: Path, content: bytes) -> None:
    (folder / "kadaster_eigendom.csv").write_bytes(content)
    err = _refused(folder)
    assert err.bestand == "kadaster_eigendom.csv"
    assert "leeg bestand (0 bytes" in err.reden
    assert "lever het extract opnieuw aan" in err.reden


# --- a required file without a valid row ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_header_only_required_file_is_refused(tmp_path: Path, builder: FolderBuilder, fmt: str) -> None:
    rows = builder.rows()
    rows[BAG] = []
    header = list(builder.rows()[BAG][0])
    err = _refused(builder.write(tmp_path, rows, fmt=fmt, columns={BAG: header}))
    assert err.bestand == f"{BAG}.{fmt}"
    assert "alleen een kopregel" in err.reden
    assert "lever het opnieuw aan" in err.reden


def test_a_required_file_with_every_row_quarantined_is_refused(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    rows = builder.rows()
    for row in rows["energie_verbruik"]:
        row["ean"] = "123"
    err = _refused(builder.write(tmp_path, rows))
    assert err.bestand == "energie_verbruik.csv"
    assert "alle 3 rijen staan in de quarantaine" in err.reden


def test_a_required_file_with_one_valid_row_passes(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    for row in rows["energie_verbruik"][1:]:
        row["ean"] = "123"
    result = _ingest(builder.write(tmp_path, rows))
    assert result.tables["energie_verbruik"].height == 1


# --- dates ------------------------------------------------------------------------------------------


def _manifest(peildatum: str, **extract: str) -> str:
    bronnen = "".join(f'{stem} = {{ extractdatum = "{d}" }}\n' for stem, d in extract.items())
    return f'gemeentecode = "0935"\npeildatum = "{peildatum}"\nsynthetisch = true\n[bronnen]\n{bronnen}'


def test_a_peildatum_after_today_is_refused_right_after_the_manifest(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    folder = builder.write(tmp_path, manifest=_manifest("2031-01-01"), omit=[BAG])  # not read that far
    err = _refused(folder)
    assert (err.bestand, err.kolom) == ("manifest.toml", "peildatum")
    assert "2031-01-01 ligt na vandaag (2024-06-01)" in err.reden
    assert "Zet de peildatum" in err.reden


def test_today_is_the_system_date_by_default(tmp_path: Path, builder: FolderBuilder) -> None:
    future = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(DataError, match="ligt na vandaag"):
        ingest(builder.write(tmp_path, manifest=_manifest(future.isoformat())), key=KEY)


def test_an_extractdatum_after_today_is_refused(tmp_path: Path, builder: FolderBuilder) -> None:
    err = _refused(builder.write(tmp_path, manifest=_manifest("2024-01-01", vergunningen="2024-06-02")))
    assert (err.bestand, err.kolom) == ("manifest.toml", "bronnen.vergunningen.extractdatum")
    assert "ligt na vandaag" in err.reden


def test_an_extract_more_than_a_year_before_the_peildatum_is_refused(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    err = _refused(builder.write(tmp_path, manifest=_manifest("2024-01-01", kvk_vestigingen="2022-12-31")))
    assert err.kolom == "bronnen.kvk_vestigingen.extractdatum"
    assert "meer dan een jaar vóór de peildatum" in err.reden
    assert "kan de stand op de peildatum niet tonen" in err.reden


@pytest.mark.parametrize("days", [1, 14, 365])
def test_an_extract_shortly_before_the_peildatum_is_a_warning(
    tmp_path: Path, builder: FolderBuilder, days: int
) -> None:
    extract = (dt.date(2024, 1, 1) - dt.timedelta(days=days)).isoformat()
    result = _ingest(builder.write(tmp_path, manifest=_manifest("2024-01-01", kvk_vestigingen=extract)))
    [warning] = [w for w in result.warnings if "kvk_vestigingen.extractdatum" in w]
    assert f"{days} dagen ouder dan de peildatum" in warning


def test_extracts_after_the_peildatum_up_to_today_pass(tmp_path: Path, builder: FolderBuilder) -> None:
    manifest = _manifest("2024-01-01", **{BAG: "2024-01-02", "meldingen": "2024-06-01"})
    result = _ingest(builder.write(tmp_path, manifest=manifest))
    assert not [w for w in result.warnings if "ouder dan de peildatum" in w]


# --- the gemeentecode against the BAG ---------------------------------------------------------------


def _with_codes(
    builder: FolderBuilder, tmp_path: Path, manifest: str, buurt: list[str], ids: list[str]
) -> Path:
    rows = builder.rows()
    for row, b, i in zip(rows[BAG], buurt, ids, strict=True):
        row["buurtcode"] = f"BU{b}0101"
        row["verblijfsobject_id"] = f"{i}{row['verblijfsobject_id'][4:]}"
    for row, i in zip(rows["kadaster_eigendom"], ids, strict=True):
        row["verblijfsobject_id"] = f"{i}{row['verblijfsobject_id'][4:]}"
    return builder.write(tmp_path, rows, manifest=manifest)


def test_a_gemeentecode_the_bag_contradicts_is_refused(tmp_path: Path, builder: FolderBuilder) -> None:
    manifest = MANIFEST.replace('"0935"', '"0363"')
    err = _refused(builder.write(tmp_path, manifest=manifest))
    assert (err.bestand, err.kolom) == ("manifest.toml", "gemeentecode")
    assert "noemt gemeente 0363" in err.reden
    assert "3 van de 3 buurtcodes (0935: 3×)" in err.reden
    assert "Zet de juiste gemeentecode in het manifest" in err.reden


def test_most_buurtcodes_of_another_gemeente_are_refused(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = _with_codes(builder, tmp_path, MANIFEST, ["0935", "0888", "0888"], ["0935"] * 3)
    err = _refused(folder)
    assert "2 van de 3 buurtcodes (0888: 2×)" in err.reden


def test_a_few_buurtcodes_of_another_gemeente_are_a_warning(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = _with_codes(builder, tmp_path, MANIFEST, ["0935", "0935", "0888"], ["0935"] * 3)
    [warning] = [w for w in _ingest(folder).warnings if "buurtcodes" in w]
    assert warning.startswith(f"{BAG}: 1 van de 3 buurtcodes")
    assert "0888: 1×" in warning


def test_ids_of_a_merged_gemeente_are_a_warning_not_an_error(tmp_path: Path, builder: FolderBuilder) -> None:
    # after a herindeling the BAG ids keep the old gemeente's code; the buurtcodes carry the new one
    folder = _with_codes(builder, tmp_path, MANIFEST, ["0935"] * 3, ["0888", "0888", "0935"])
    [warning] = [w for w in _ingest(folder).warnings if "verblijfsobject_ids" in w]
    assert "2 van de 3 verblijfsobject_ids" in warning
    assert "herindeling" in warning


def test_a_region_lists_its_gemeenten(tmp_path: Path, builder: FolderBuilder) -> None:
    region = (
        'gemeentecode = "0935"\ngemeenten = ["0888", "0935"]\npeildatum = "2024-01-01"\nsynthetisch = true\n'
    )
    buurt = ["0888", "0888", "0935"]
    assert not [
        w
        for w in _ingest(_with_codes(builder, tmp_path / "a", region, buurt, buurt)).warnings
        if "gemeentecode" in w
    ]
    err = _refused(_with_codes(builder, tmp_path / "b", MANIFEST, buurt, buurt))
    assert "noemt gemeente 0935" in err.reden


def test_gemeenten_must_be_a_list_of_codes(tmp_path: Path, builder: FolderBuilder) -> None:
    err = _refused(builder.write(tmp_path, manifest=MANIFEST + 'gemeenten = "0935"\n'))
    assert (err.bestand, err.kolom) == ("manifest.toml", "gemeenten")


# --- headers ----------------------------------------------------------------------------------------


def test_a_doubled_column_name_is_named_with_its_positions(tmp_path: Path, builder: FolderBuilder) -> None:
    header = list(builder.rows()["vergunningen"][0])
    header[header.index("straat")] = "soort"
    err = _refused(builder.write(tmp_path, columns={"vergunningen": header}))
    assert (err.bestand, err.kolom) == ("vergunningen", "soort")
    assert "2 keer in de kopregel (kolom 2 en 3)" in err.reden
    assert "mist straat" in err.reden


def test_a_doubled_name_differing_in_case_is_named_too(tmp_path: Path, builder: FolderBuilder) -> None:
    header = [*builder.rows()["meldingen"][0], "Categorie"]
    err = _refused(builder.write(tmp_path, columns={"meldingen": header}))
    assert err.kolom == "categorie"
    assert re.search(r"kolom 3 en 9\)", err.reden)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_repeated_header_line_is_quarantined_with_one_reason(
    tmp_path: Path, builder: FolderBuilder, fmt: str
) -> None:
    rows = builder.rows()
    header = list(rows["vergunningen"][0])
    rows["vergunningen"].insert(1, {c: c for c in header})
    result = _ingest(builder.write(tmp_path, rows, fmt=fmt))
    assert result.tables["vergunningen"].get_column("rij").to_list() == [0, 2, 3]
    q = result.quarantine.filter(pl.col("bestand") == "vergunningen")
    assert q.select("rij", "kolom", "reden").rows() == [
        (1, None, "herhaalde kopregel: de rij herhaalt de kolomnamen en is geen gegevensrij")
    ]
    counts = result.counts["vergunningen"]
    assert (counts.rows_read, counts.rows_kept, counts.rows_quarantined) == (4, 3, 1)
