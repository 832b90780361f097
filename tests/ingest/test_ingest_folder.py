"""An extract given as a folder of (hive-partitioned) Parquet parts reads as one table."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import KEY, FolderBuilder, Row
from polars.testing import assert_frame_equal

from vastgoed.core.errors import DataError
from vastgoed.core.schema import CONTRACT, file_spec
from vastgoed.ingest import ingest
from vastgoed.ingest.reader import ParquetFolderReader, find_extract


def _parts(root: Path, stem: str, parts: dict[str, list[Row]], columns: list[str] | None = None) -> None:
    """Write ``root/<stem>/<name>`` for each part, every column a string."""
    for name, rows in parts.items():
        header = columns or list(rows[0])
        path = root / stem / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {c: [r.get(c, "") for r in rows] for c in header}
        pl.DataFrame(data, schema=dict.fromkeys(header, pl.String)).write_parquet(path)


def _split(root: Path, builder: FolderBuilder, rows: dict[str, list[Row]] | None = None) -> Path:
    """The builder's folder with every extract as a folder of two partitions (1 row, then 2 rows)."""
    rows = rows if rows is not None else builder.rows()
    builder.write(root, rows, omit=[s.stem for s in CONTRACT])
    for stem, stem_rows in rows.items():
        # the second partition sorts first by name: order is the sorted path, not the writing order
        _parts(
            root,
            stem,
            {"gemeente=0935/part-0.parquet": stem_rows[:1], "gemeente=0936/part-0.parquet": stem_rows[1:]},
        )
    return root


def test_folder_reads_as_the_single_file(tmp_path: Path, builder: FolderBuilder) -> None:
    single = ingest(builder.write(tmp_path / "single", fmt="parquet"), key=KEY)
    split = ingest(_split(tmp_path / "split", builder), key=KEY)
    assert split.quarantine.height == 0
    for stem, table in single.tables.items():
        assert_frame_equal(split.tables[stem], table)
        assert split.counts[stem].path == f"{stem}/"
        assert split.counts[stem].rows_read == 3
    part = tmp_path / "split" / "energie_verbruik" / "gemeente=0936" / "part-0.parquet"
    key = "energie_verbruik/gemeente=0936/part-0.parquet"
    assert split.hashes[key] == hashlib.sha256(part.read_bytes()).hexdigest()
    assert sorted(k for k in split.hashes if k.startswith("energie_verbruik")) == [
        "energie_verbruik/",
        "energie_verbruik/gemeente=0935/part-0.parquet",
        key,
    ]
    assert split.hashes[split.counts["energie_verbruik"].path]


def test_row_numbers_run_on_across_parts(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    rows["bag_verblijfsobjecten"][2]["postcode"] = "62111"
    result = ingest(_split(tmp_path, builder, rows), key=KEY)
    q = result.quarantine
    assert q.select("bestand", "rij", "kolom").rows() == [("bag_verblijfsobjecten", 2, "postcode")]
    assert result.tables["bag_verblijfsobjecten"]["rij"].to_list() == [0, 1]


def test_parts_in_sorted_path_order(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()["meldingen"]
    _parts(tmp_path, "meldingen", {"b/part-0.parquet": rows[:1], "a/part-1.parquet": rows[1:2]})
    _parts(
        tmp_path, "meldingen", {"a/part-0.parquet": rows[2:], ".hidden.parquet": rows, "_tmp/x.parquet": rows}
    )
    found = find_extract(tmp_path, "meldingen")
    assert found is not None and isinstance(found[1], ParquetFolderReader)
    raw, hashes = found[1].read_path(
        found[0], file_spec("meldingen"), declared_encoding=None, fallback_encoding="cp1252"
    )
    assert raw.frame["melding_id"].to_list() == ["M2", "M1", "M0"]
    assert raw.frame["rij"].to_list() == [0, 1, 2]
    assert raw.parts == [
        ("meldingen/a/part-0.parquet", 0),
        ("meldingen/a/part-1.parquet", 1),
        ("meldingen/b/part-0.parquet", 2),
    ]
    assert sorted(hashes) == ["meldingen/", *(p for p, _ in raw.parts)]
    listing = "".join(f"{p}\t{hashes[p]}\n" for p, _ in raw.parts)
    assert hashes["meldingen/"] == hashlib.sha256(listing.encode()).hexdigest()


def test_a_part_may_lack_an_optional_column(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    folder = _split(tmp_path, builder, rows)
    header = [c for c in rows["bag_verblijfsobjecten"][0] if c not in ("x", "y")]
    _parts(
        folder,
        "bag_verblijfsobjecten",
        {"gemeente=0935/part-0.parquet": rows["bag_verblijfsobjecten"][:1]},
        header,
    )
    bag = ingest(folder, key=KEY).tables["bag_verblijfsobjecten"]
    assert bag["x"].to_list()[0] is None and bag["x"].null_count() == 1


def test_a_part_lacking_a_required_column_is_named(tmp_path: Path, builder: FolderBuilder) -> None:
    rows = builder.rows()
    folder = _split(tmp_path, builder, rows)
    header = [c for c in rows["bag_verblijfsobjecten"][0] if c != "postcode"]
    _parts(
        folder,
        "bag_verblijfsobjecten",
        {"gemeente=0936/part-0.parquet": rows["bag_verblijfsobjecten"][1:]},
        header,
    )
    with pytest.raises(DataError, match="required column missing") as info:
        ingest(folder, key=KEY)
    assert info.value.bestand == "bag_verblijfsobjecten/gemeente=0936/part-0.parquet"
    assert info.value.kolom == "postcode"


def test_an_unreadable_part_is_named(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = _split(tmp_path, builder)
    (folder / "vergunningen" / "gemeente=0936" / "part-0.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="cannot be read as Parquet") as info:
        ingest(folder, key=KEY)
    assert info.value.bestand == "vergunningen/gemeente=0936/part-0.parquet"


def test_file_and_folder_together_are_ambiguous(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = _split(tmp_path, builder)
    builder.write(folder, omit=[s.stem for s in CONTRACT if s.stem != "meldingen"])
    with pytest.raises(DataError, match="more than one format"):
        ingest(folder, key=KEY)


def test_empty_folder_is_an_error(tmp_path: Path, builder: FolderBuilder) -> None:
    folder = _split(tmp_path, builder)
    for part in (folder / "kvk_vestigingen").rglob("*.parquet"):
        part.unlink()
    with pytest.raises(DataError, match="no Parquet parts"):
        ingest(folder, key=KEY)
