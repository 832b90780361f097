from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import BSNS, KEY, FolderBuilder

from vastgoed.core.pseudonym import BUILTIN_TEST_KEY, Pseudonymiser
from vastgoed.core.schema import CONTRACT
from vastgoed.ingest import PSEUDONYM_COLUMN, ingest


def test_clean_folder_has_no_quarantine(folder: Path) -> None:
    result = ingest(folder, key=KEY)
    assert result.quarantine.height == 0
    assert set(result.tables) == {f.stem for f in CONTRACT}
    for stem, counts in result.counts.items():
        assert (counts.rows_read, counts.rows_kept, counts.rows_quarantined) == (3, 3, 0), stem
        assert counts.encoding == "utf-8"
        assert result.tables[stem].get_column("rij").to_list() == [0, 1, 2]


def test_tables_are_typed(folder: Path) -> None:
    tables = ingest(folder, key=KEY).tables
    bag = tables["bag_verblijfsobjecten"]
    assert bag.schema["rij"] == pl.Int64
    assert bag.schema["oppervlakte"] == pl.Int64
    assert bag.schema["x"] == pl.Float64
    assert bag.get_column("gebruiksdoel").to_list()[2] == "woonfunctie;winkelfunctie"
    brp = tables["brp_inschrijvingen"]
    assert brp.schema["datum_aanvang_adreshouding"] == pl.Date
    assert brp.get_column("datum_aanvang_adreshouding")[0] == dt.date(2015, 3, 1)
    assert brp.schema["geboortedatum"] == pl.String
    assert brp.get_column("datum_einde_adreshouding").null_count() == 3
    kad = tables["kadaster_eigendom"]
    assert kad.get_column("hypotheek").to_list() == [True, False, True]
    assert tables["vergunningen"].get_column("bibob_toets").to_list() == [False, True, False]
    energie = tables["energie_verbruik"]
    assert energie.get_column("verbruik").to_list() == [2750.5, 1200.0, -3.5]
    assert energie.get_column("slimme_meter").to_list() == [True, None, False]
    assert tables["meldingen"].get_column("postcode").to_list() == ["6211CK", "6211HN", None]


def test_bsn_is_replaced_by_its_pseudonym(folder: Path) -> None:
    tables = ingest(folder, key=KEY).tables
    p = Pseudonymiser(KEY)
    for stem in ("brp_inschrijvingen", "audit_kenmerken"):
        table = tables[stem]
        assert "bsn" not in table.columns
        assert table.columns[1] == PSEUDONYM_COLUMN
        assert table.get_column(PSEUDONYM_COLUMN).to_list() == [p.one(b) for b in BSNS]


def test_default_key_for_synthetic_data(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VASTGOED_PSEUDONYM_KEY", raising=False)
    with pytest.warns(UserWarning, match="built-in key"):
        result = ingest(folder)
    expected = Pseudonymiser(BUILTIN_TEST_KEY).one(BSNS[0])
    assert result.tables["brp_inschrijvingen"].get_column(PSEUDONYM_COLUMN)[0] == expected


def test_hashes_are_sha256_of_the_input_files(folder: Path) -> None:
    result = ingest(folder, key=KEY)
    assert set(result.hashes) == {"manifest.toml"} | {f"{f.stem}.csv" for f in CONTRACT}
    data = (folder / "energie_verbruik.csv").read_bytes()
    assert result.hashes["energie_verbruik.csv"] == hashlib.sha256(data).hexdigest()
    assert str(result.manifest.peildatum) == "2024-01-01"


def test_missing_optional_files_are_reported(tmp_path: Path, builder: FolderBuilder) -> None:
    optional = ("meldingen", "onderzoeksuitkomsten", "audit_kenmerken")
    folder = builder.write(tmp_path, omit=optional)
    result = ingest(folder, key=KEY)
    for stem in optional:
        assert stem not in result.tables
        assert stem not in result.counts
        assert any(stem in w and "optional" in w for w in result.warnings)


def test_missing_extractdatum_is_reported(tmp_path: Path, builder: FolderBuilder) -> None:
    manifest = (
        'gemeentecode = "0935"\npeildatum = "2024-01-01"\nsynthetisch = true\n[bronnen]\n'
        + "\n".join(
            f'{f.stem} = {{ extractdatum = "2024-01-02" }}' for f in CONTRACT if f.stem != "vergunningen"
        )
        + "\n"
    )
    result = ingest(builder.write(tmp_path, manifest=manifest), key=KEY)
    undated = [w for w in result.warnings if "extractdatum" in w]
    assert len(undated) == 1
    assert "vergunningen" in undated[0]
    assert "energie_verbruik" not in undated[0]


def test_extra_columns_are_dropped_with_a_warning(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    for r in rows["energie_verbruik"]:
        r["leverancier"] = "Enexis"
    header = [*rows["energie_verbruik"][0]]
    folder = builder.write(tmp_path, rows, columns={"energie_verbruik": header})
    result = ingest(folder, key=KEY)
    assert "leverancier" not in result.tables["energie_verbruik"].columns
    assert any("energie_verbruik" in w and "leverancier" in w for w in result.warnings)


def test_missing_optional_column_is_added_as_null(tmp_path: Path, builder: FolderBuilder) -> None:
    header = [c for c in builder.rows()["bag_verblijfsobjecten"][0] if c not in ("x", "huisletter")]
    folder = builder.write(tmp_path, columns={"bag_verblijfsobjecten": header})
    bag = ingest(folder, key=KEY).tables["bag_verblijfsobjecten"]
    assert bag.get_column("x").dtype == pl.Float64
    assert bag.get_column("x").null_count() == 3
    assert bag.get_column("huisletter").null_count() == 3
    assert bag.columns == ["rij", *[c.name for c in CONTRACT[0].columns]]


def test_header_case_and_spacing_are_tolerated(tmp_path: Path, builder: FolderBuilder) -> None:
    header = [f" {c.upper()} " for c in builder.rows()["vergunningen"][0]]
    rows = builder.rows()
    rows["vergunningen"] = [{f" {k.upper()} ": v for k, v in r.items()} for r in rows["vergunningen"]]
    folder = builder.write(tmp_path, rows, columns={"vergunningen": header})
    result = ingest(folder, key=KEY)
    assert result.tables["vergunningen"].height == 3
