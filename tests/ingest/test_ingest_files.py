from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import BSNS, KEY, MANIFEST, FolderBuilder
from polars.testing import assert_frame_equal

from vastgoed.core.errors import DataError
from vastgoed.ingest import ingest, write_quarantine

NAMES = ("Müller", "Çelik", "Jañez", "Dœrr")


def _with_names(builder: FolderBuilder) -> dict[str, list[dict[str, str]]]:
    rows = builder.rows()
    for r, name in zip(rows["kvk_functionarissen"], NAMES, strict=False):
        r["geslachtsnaam"] = name
        r["voornamen"] = "Zoë"
    return rows


def test_cp1252_file_is_read_with_a_warning(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path, _with_names(builder), encodings={"kvk_functionarissen": "cp1252"})
    result = ingest(folder, key=KEY)
    table = result.tables["kvk_functionarissen"]
    assert table.get_column("geslachtsnaam").to_list() == list(NAMES[:3])
    assert table.get_column("voornamen").to_list() == ["Zoë"] * 3
    assert result.counts["kvk_functionarissen"].encoding == "cp1252"
    assert [w for w in result.warnings if "UTF-8" in w] == [
        w for w in result.warnings if "kvk_functionarissen" in w and "cp1252" in w
    ]
    assert any("kvk_functionarissen" in w and "cp1252" in w for w in result.warnings)


def test_fallback_encoding_can_be_chosen(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["kvk_functionarissen"][0]["geslachtsnaam"] = "Œuvré"
    folder = builder.write(tmp_path, rows, encodings={"kvk_functionarissen": "cp1252"})
    result = ingest(folder, key=KEY, fallback_encoding="latin-1")
    assert result.tables["kvk_functionarissen"].get_column("geslachtsnaam")[0] == "\x8cuvré"


def test_manifest_encoding_is_honoured(tmp_path: Path, builder: FolderBuilder) -> None:
    manifest = MANIFEST + '[encoding]\nkvk_functionarissen = "latin-1"\n'
    rows = builder.rows()
    # 0x80 is the euro sign in cp1252 but a control character in Latin-1: the declaration decides
    rows["kvk_functionarissen"][0]["geslachtsnaam"] = "Müller\x80"
    folder = builder.write(tmp_path, rows, encodings={"kvk_functionarissen": "latin-1"}, manifest=manifest)
    result = ingest(folder, key=KEY)
    assert result.tables["kvk_functionarissen"].get_column("geslachtsnaam")[0] == "Müller\x80"
    assert result.counts["kvk_functionarissen"].encoding == "iso8859-1"
    assert not any("UTF-8" in w for w in result.warnings)


def test_utf8_bom_is_stripped(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path, _with_names(builder), encodings={"kvk_functionarissen": "utf-8-sig"})
    result = ingest(folder, key=KEY)
    assert result.tables["kvk_functionarissen"].get_column("kvk_nummer").len() == 3
    assert result.counts["kvk_functionarissen"].encoding == "utf-8"
    assert result.quarantine.height == 0


def test_undecodable_file_is_fatal(tmp_path: Path, builder: FolderBuilder) -> None:
    manifest = MANIFEST + '[encoding]\nkvk_functionarissen = "utf-8"\n'
    folder = builder.write(
        tmp_path, _with_names(builder), encodings={"kvk_functionarissen": "cp1252"}, manifest=manifest
    )
    with pytest.raises(DataError, match="kvk_functionarissen") as err:
        ingest(folder, key=KEY)
    assert err.value.bestand == "kvk_functionarissen"


def test_unparseable_csv_is_fatal(folder: Path) -> None:
    with (folder / "vergunningen.csv").open("a", encoding="utf-8") as fh:
        fh.write('"V-9,omgevingsvergunning,Markt,1\n')
    with pytest.raises(DataError, match="vergunningen"):
        ingest(folder, key=KEY)


def test_missing_required_column_is_fatal(tmp_path: Path, builder: FolderBuilder) -> None:
    header = [c for c in builder.rows()["energie_verbruik"][0] if c != "jaar"]
    folder = builder.write(tmp_path, columns={"energie_verbruik": header})
    with pytest.raises(DataError, match="required column missing") as err:
        ingest(folder, key=KEY)
    assert (err.value.bestand, err.value.kolom) == ("energie_verbruik", "jaar")


def test_missing_required_file_is_fatal(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path, omit=["kadaster_eigendom"])
    with pytest.raises(DataError, match="file not found") as err:
        ingest(folder, key=KEY)
    assert err.value.bestand == "kadaster_eigendom"


def test_missing_or_invalid_manifest_is_fatal(folder: Path) -> None:
    (folder / "manifest.toml").write_text(
        'gemeentecode = "935"\npeildatum = "2024-01-01"\n', encoding="utf-8"
    )
    with pytest.raises(DataError, match="manifest"):
        ingest(folder, key=KEY)
    (folder / "manifest.toml").unlink()
    with pytest.raises(DataError, match="manifest"):
        ingest(folder, key=KEY)


def test_two_formats_of_one_file_is_fatal(folder: Path) -> None:
    pl.read_csv(folder / "vergunningen.csv").write_parquet(folder / "vergunningen.parquet")
    with pytest.raises(DataError, match="more than one format"):
        ingest(folder, key=KEY)


def test_an_empty_required_file_is_fatal(folder: Path) -> None:
    (folder / "vergunningen.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"vergunningen\.csv: leeg bestand"):
        ingest(folder, key=KEY)


def test_a_header_only_optional_file_gives_an_empty_typed_table(
    tmp_path: Path, builder: FolderBuilder
) -> None:
    # a required file with only a header is refused (test_clear_errors.py); an optional one may be empty
    rows = builder.rows()
    rows["meldingen"] = []
    header = list(builder.rows()["meldingen"][0])
    result = ingest(builder.write(tmp_path, rows, columns={"meldingen": header}), key=KEY)
    table = result.tables["meldingen"]
    assert table.height == 0
    assert table.schema["datum"] == pl.Date


def test_raw_bsn_appears_nowhere(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    brp = rows["brp_inschrijvingen"]
    brp.append(dict(brp[0]))  # duplicate key: quarantined with the key reported
    brp.append(dict(brp[1], postcode="nope"))  # quarantined for another column
    brp.append(dict(brp[2], bsn=BSNS[2][1:] if BSNS[2][0] == "0" else BSNS[2] + "0"))  # bad BSN
    rows["audit_kenmerken"][0]["geslacht"] = ""  # nothing to do with the BSN, still masked row
    result = ingest(builder.write(tmp_path, rows), key=KEY)
    assert result.quarantine.height == 4
    secrets = {*BSNS, *(b[1:] for b in BSNS if b.startswith("0")), BSNS[2] + "0"}
    frames = [*result.tables.values(), result.quarantine]
    for frame in frames:
        for name, dtype in frame.schema.items():
            if dtype == pl.String:
                for cell in frame.get_column(name).drop_nulls().to_list():
                    assert not any(s in cell for s in secrets), (name, cell)


def test_parquet_gives_the_same_result_as_csv(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["bag_verblijfsobjecten"][1]["postcode"] = "0000AA"
    rows["energie_verbruik"].append(dict(rows["energie_verbruik"][0]))
    from_csv = ingest(builder.write(tmp_path / "csv", rows), key=KEY)
    from_parquet = ingest(builder.write(tmp_path / "parquet", rows, fmt="parquet"), key=KEY)
    assert set(from_csv.tables) == set(from_parquet.tables)
    for stem, table in from_csv.tables.items():
        assert_frame_equal(table, from_parquet.tables[stem])
    assert_frame_equal(from_csv.quarantine, from_parquet.quarantine)
    assert from_parquet.quarantine.height == 2
    assert from_parquet.counts["energie_verbruik"].encoding is None
    assert "energie_verbruik.parquet" in from_parquet.hashes


def test_typed_parquet_is_read(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path)
    path = folder / "energie_verbruik.csv"
    typed = pl.read_csv(path, schema_overrides={"ean": pl.String, "postcode": pl.String}).with_columns(
        pl.col("jaar").cast(pl.Int32), pl.col("slimme_meter").cast(pl.Boolean)
    )
    path.unlink()
    typed.write_parquet(folder / "energie_verbruik.parquet")
    kad = folder / "kadaster_eigendom.csv"
    frame = pl.read_csv(kad, infer_schema=False).with_columns(
        pl.col("datum_verkrijging").str.to_datetime("%Y-%m-%d"), pl.col("koopsom").cast(pl.Int64)
    )
    kad.unlink()
    frame.write_parquet(folder / "kadaster_eigendom.parquet")
    result = ingest(folder, key=KEY)
    assert result.quarantine.height == 0
    assert result.tables["energie_verbruik"].get_column("jaar").to_list() == [2023] * 3
    assert result.tables["kadaster_eigendom"].get_column("datum_verkrijging")[0] == dt.date(2016, 2, 1)


def test_write_quarantine_is_sorted_and_complete(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["vergunningen"][2]["besluit"] = "?"
    rows["bag_verblijfsobjecten"][2]["postcode"] = "?"
    rows["bag_verblijfsobjecten"][0]["postcode"] = "?"
    result = ingest(builder.write(tmp_path / "data", rows), key=KEY)
    out = tmp_path / "out" / "run" / "quarantine.csv"
    write_quarantine(result.quarantine.reverse(), out)
    written = pl.read_csv(out, infer_schema=False)
    assert written.columns == ["bestand", "rij", "kolom", "waarde", "reden"]
    assert written.select("bestand", "rij").rows() == [
        ("bag_verblijfsobjecten", "0"),
        ("bag_verblijfsobjecten", "2"),
        ("vergunningen", "2"),
    ]
    assert [p.name for p in out.parent.iterdir()] == ["quarantine.csv"]
    write_quarantine(result.quarantine.clear(), out)
    assert pl.read_csv(out).height == 0


def test_a_row_with_too_many_fields_is_quarantined_not_fatal(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path / "data")
    path = folder / "meldingen.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra,fields"  # data row 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest(folder, key=KEY)
    q = res.quarantine.filter(pl.col("bestand") == "meldingen")
    assert q["rij"].to_list() == [1]
    assert "2 more fields" in q["reden"][0]
    assert sorted(res.tables["meldingen"]["rij"].to_list()) == [0, 2]


def test_a_semicolon_separated_file_is_named_as_such(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = builder.write(tmp_path / "data")
    path = folder / "meldingen.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    with pytest.raises(DataError, match="not comma-separated"):
        ingest(folder, key=KEY)


@pytest.mark.parametrize(
    ("stem", "column", "value", "reason"),
    [
        ("bag_verblijfsobjecten", "huisletter", "AB", "one letter"),
        ("bag_verblijfsobjecten", "huisnummertoevoeging", "1234567", "up to 4"),
        ("bag_verblijfsobjecten", "buurtcode", "XYZ", "buurtcode"),
        ("onderzoeksuitkomsten", "datum_onderzoek", "2030-01-01", "peildatum"),
    ],
)
def test_form_period_and_peildatum_checks(
    tmp_path: Path, builder: FolderBuilder, stem: str, column: str, value: str, reason: str
) -> None:
    rows = builder.rows()
    rows[stem][1][column] = value
    res = ingest(builder.write(tmp_path / "data", rows), key=KEY)
    q = res.quarantine.filter(pl.col("bestand") == stem)
    assert q.select("rij", "kolom").rows() == [(1, column)]
    assert reason in q["reden"][0]


@pytest.mark.parametrize(
    ("stem", "column"),
    [("brp_inschrijvingen", "datum_einde_adreshouding"), ("kadaster_eigendom", "datum_einde")],
)
def test_a_period_that_ends_before_it_starts_is_kept_ended_and_reported(
    tmp_path: Path, builder: FolderBuilder, stem: str, column: str
) -> None:
    # one of the two dates was mistyped; the end says the period ended: the row stays, with both
    # dates as written (nulling the end would make it run on), and the report names it
    rows = builder.rows()
    rows[stem][1][column] = "1900-01-01"
    res = ingest(builder.write(tmp_path / "data", rows), key=KEY)
    assert res.quarantine.filter(pl.col("bestand") == stem).is_empty()
    kept = res.tables[stem].filter(pl.col("rij") == 1)
    assert kept.height == 1 and str(kept[column][0]) == "1900-01-01"
    note = res.nulled.filter(pl.col("bestand") == stem)
    assert note.select("rij", "kolom").rows() == [(1, column)]
    assert "ends before" in note["reden"][0] and "kept" in note["reden"][0]


def test_columns_outside_the_contract_are_never_loaded() -> None:
    """Data minimisation: an extra column an exporter added (here a nationality) is named in a
    warning but not read into memory, in CSV and in Parquet."""
    import io

    import polars as pl

    from vastgoed.core.schema import CONTRACT
    from vastgoed.ingest.reader import CsvReader, ParquetReader

    spec = next(s for s in CONTRACT if s.stem == "meldingen")
    row = {c.name: "" for c in spec.columns} | {
        "melding_id": "M1",
        "datum": "2024-01-02",
        "categorie": "drugs",
    }
    frame = pl.DataFrame(
        {**row, "Nationaliteit": "X"}, schema={k: pl.String for k in [*row, "Nationaliteit"]}
    )
    csv = frame.write_csv().encode()
    buf = io.BytesIO()
    frame.write_parquet(buf)
    for reader, data in ((CsvReader(), csv), (ParquetReader(), buf.getvalue())):
        parsed = reader._parse(data, spec.stem, None, "cp1252", wanted=frozenset(spec.names))
        assert "Nationaliteit" not in parsed.frame.columns and parsed.skipped == ["Nationaliteit"]
        raw = reader.read(data, spec, declared_encoding=None, fallback_encoding="cp1252")
        assert "nationaliteit" not in [c.lower() for c in raw.frame.columns]
        assert any("Nationaliteit" in w for w in raw.warnings)
