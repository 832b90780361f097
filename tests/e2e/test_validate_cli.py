"""`vastgoed validate` on a damaged copy of generated data: exactly the damaged rows are quarantined."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from vastgoed.cli import app


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _set(df: pl.DataFrame, row: int, column: str, value: str) -> pl.DataFrame:
    return df.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )


def _quarantined(out: Path) -> set[tuple[str, int]]:
    q = pl.read_csv(out / "quarantine.csv", infer_schema=False)
    return {(b, int(r)) for b, r in zip(q["bestand"], q["rij"], strict=True)}


def _validate(data: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(data), "--out", str(out)])
    return result.exit_code, result.output


@pytest.fixture
def copy(small_municipality: tuple[Path, Path], tmp_path: Path) -> Path:
    data, _ = small_municipality
    dst = tmp_path / "data"
    shutil.copytree(data, dst)
    return dst


def test_generated_data_is_clean(copy: Path, tmp_path: Path) -> None:
    code, output = _validate(copy, tmp_path / "q")
    assert code == 0, output
    assert _quarantined(tmp_path / "q") == set()


def test_damaged_copy_quarantines_exactly_the_damaged_rows(copy: Path, tmp_path: Path) -> None:
    damaged: set[tuple[str, int]] = set()

    brp = _read(copy / "brp_inschrijvingen.csv")
    for row in (3, 10):
        bsn = brp["bsn"][row]
        brp = _set(
            brp, row, "bsn", bsn[:-1] + str((int(bsn[-1]) + 1) % 10)
        )  # one digit off: fails the 11-proef
        damaged.add(("brp_inschrijvingen", row))
    brp.write_csv(copy / "brp_inschrijvingen.csv")

    bag = _set(_read(copy / "bag_verblijfsobjecten.csv"), 5, "postcode", "62111AB")
    bag.write_csv(copy / "bag_verblijfsobjecten.csv")
    damaged.add(("bag_verblijfsobjecten", 5))

    kvk = _set(_read(copy / "kvk_vestigingen.csv"), 7, "datum_inschrijving", "2021-13-45")
    kvk.write_csv(copy / "kvk_vestigingen.csv")
    damaged.add(("kvk_vestigingen", 7))

    verg = _read(copy / "vergunningen.csv")
    verg = _set(verg, 4, "vergunning_id", verg["vergunning_id"][1])
    verg.write_csv(copy / "vergunningen.csv")
    damaged.add(("vergunningen", 4))

    # a utility address may be partial: its broken postcode is nulled and reported, the row kept
    energie = _set(_read(copy / "energie_verbruik.csv"), 12, "postcode", "ABCD12")
    energie = _set(energie, 13, "ean", "12345")
    energie.write_csv(copy / "energie_verbruik.csv")
    damaged.add(("energie_verbruik", 13))

    # One file in Latin-1, with names that only decode right if the encoding is recognised.
    func = _set(_read(copy / "kvk_functionarissen.csv"), 0, "voornamen", "Élodie Françoise")
    (copy / "kvk_functionarissen.csv").write_bytes(func.write_csv().encode("latin-1", errors="replace"))

    code, output = _validate(copy, tmp_path / "q")
    assert code == 0, output
    assert _quarantined(tmp_path / "q") == damaged
    assert "kvk_functionarissen" in output  # the encoding warning names the file
    q = pl.read_csv(tmp_path / "q" / "quarantine.csv", infer_schema=False)
    assert q.columns == ["bestand", "rij", "kolom", "waarde", "reden"]
    dup = q.filter(pl.col("bestand") == "vergunningen")
    assert "row 1" in dup["reden"][0]
    masked = q.filter(pl.col("bestand") == "brp_inschrijvingen")["waarde"].to_list()
    assert all(v not in brp["bsn"].to_list() for v in masked)
    nulled = pl.read_csv(tmp_path / "q" / "genulde_waarden.csv", infer_schema=False)
    assert nulled.columns == q.columns
    assert nulled.select("bestand", "rij", "kolom", "waarde").rows() == [
        ("energie_verbruik", "12", "postcode", "ABCD12")
    ]


def test_missing_required_column_exits_2_naming_file_and_column(copy: Path, tmp_path: Path) -> None:
    _read(copy / "bag_verblijfsobjecten.csv").drop("postcode").write_csv(copy / "bag_verblijfsobjecten.csv")
    code, output = _validate(copy, tmp_path / "q")
    assert code == 2
    line = " ".join(output.split())
    assert "bag_verblijfsobjecten" in line and "postcode" in line
