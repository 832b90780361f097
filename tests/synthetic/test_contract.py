"""The written folder follows the data contract, with valid identifiers, and the truth stays apart."""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from vastgoed.core.config import Manifest
from vastgoed.core.identifiers import (
    is_valid_bag_id,
    is_valid_bsn,
    is_valid_ean,
    is_valid_kvk_nummer,
    is_valid_postcode,
    is_valid_vestigingsnummer,
)
from vastgoed.core.schema import CONTRACT, FENOMENEN, Kind
from vastgoed.synthetic import GenerationError, GenerationSummary, generate

_PERSON_STEMS = ("brp_inschrijvingen", "kvk_functionarissen", "kadaster_eigendom", "vergunningen")
_COMPANY_STEMS = ("kvk_vestigingen", "kadaster_eigendom", "vergunningen")


def _read(out: Path, stem: str) -> pl.DataFrame:
    return pl.read_csv(out / f"{stem}.csv", infer_schema=False)


def test_every_contract_file_with_columns_in_order(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = generated
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{s.stem}.csv" for s in CONTRACT] + ["kleinverbruik", "manifest.toml"]
    )
    for spec in CONTRACT:
        header = (out / f"{spec.stem}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == spec.names, spec.stem
        df = _read(out, spec.stem)
        assert df.height > 0, spec.stem
        for col in spec.columns:
            if not col.nullable:
                assert df[col.name].null_count() == 0, (spec.stem, col.name)
            if col.kind == Kind.ENUM:
                assert set(df[col.name].drop_nulls().to_list()) <= set(col.values), (spec.stem, col.name)
            if col.kind == Kind.MULTI_ENUM:
                values = {v for x in df[col.name].to_list() for v in x.split(";")}
                assert values <= set(col.values)
    assert not (out / "adressen.csv").exists()
    assert truth.resolve() not in out.resolve().parents


def test_kleinverbruik_as_published(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = generated
    files = sorted((out / "kleinverbruik").glob("*.csv"))
    assert len(files) == 3
    assert files[-1].read_bytes().startswith(b"\xef\xbb\xbf")
    df = pl.read_csv(files[-1], separator="\t", infer_schema=False)
    needed = {"NETBEHEERDER", "STRAATNAAM", "POSTCODE_VAN", "POSTCODE_TOT", "PRODUCTSOORT", "SJV_GEMIDDELD"}
    assert needed <= set(df.columns)
    assert (df["AANSLUITINGEN_AANTAL"].cast(pl.Int64) >= 10).all()
    assert set(df["PRODUCTSOORT"].unique().to_list()) == {"ELK", "GAS"}
    assert df["SLIMME_METER_PERC"].str.contains(",").all()
    assert (df["POSTCODE_VAN"] <= df["POSTCODE_TOT"]).all()


def test_manifest(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = generated
    raw = tomllib.loads((out / "manifest.toml").read_text(encoding="utf-8"))
    m = Manifest.model_validate(raw)
    assert m.gemeentecode == "0935" and m.synthetisch and str(m.peildatum) == "2025-01-01"
    for spec in CONTRACT:
        assert m.bronnen[spec.stem].extractdatum is not None
        assert raw["bronnen"][spec.stem]["grondslag"]


def test_identifiers_are_valid(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = generated
    checks = {
        Kind.BSN: is_valid_bsn,
        Kind.VBO_ID: lambda v: is_valid_bag_id(v, "verblijfsobject") and v.startswith("0935"),
        Kind.NUM_ID: lambda v: is_valid_bag_id(v, "nummeraanduiding") and v.startswith("0935"),
        Kind.PAND_ID: lambda v: is_valid_bag_id(v, "pand") and v.startswith("0935"),
        Kind.KVK: is_valid_kvk_nummer,
        Kind.VESTIGING: is_valid_vestigingsnummer,
        Kind.EAN: is_valid_ean,
        Kind.POSTCODE: is_valid_postcode,
    }
    for spec in CONTRACT:
        df = _read(out, spec.stem)
        for col in spec.columns:
            check = checks.get(col.kind)
            if check is None:
                continue
            bad = [v for v in df[col.name].drop_nulls().to_list() if not check(v)]
            assert not bad, (spec.stem, col.name, bad[:5])
    brp = _read(out, "brp_inschrijvingen")
    assert brp["bsn"].str.len_chars().is_in([8, 9]).all()
    bag = _read(out, "bag_verblijfsobjecten")
    assert bag["verblijfsobject_id"].n_unique() == bag.height
    assert bag["buurtcode"].str.contains(r"^BU0935\d{4}$").all()
    assert bag["postcode"].str.contains(r"^62(1[1-9]|2\d)[A-Z]{2}$").all()
    x = bag["x"].cast(pl.Float64).to_numpy()
    y = bag["y"].cast(pl.Float64).to_numpy()
    assert x.min() >= 175000 and x.max() <= 181000 and y.min() >= 313000 and y.max() <= 323000
    ean = _read(out, "energie_verbruik")
    assert ean["ean"].str.starts_with("871").all()
    assert ean["jaar"].cast(pl.Int64).to_numpy().max() <= 2024


def test_truth_records_point_to_rows(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = generated
    heights = {s.stem: _read(out, s.stem).height for s in CONTRACT}
    personen = pl.read_csv(truth / "personen.csv", infer_schema=False)
    bedrijven = pl.read_csv(truth / "bedrijven.csv", infer_schema=False)
    for df, stems in ((personen, _PERSON_STEMS), (bedrijven, _COMPANY_STEMS)):
        parts = df["record"].str.split_exact(":", 1).struct.rename_fields(["stem", "row"]).struct.unnest()
        assert set(parts["stem"].unique().to_list()) == set(stems)
        for stem in stems:
            rows = parts.filter(pl.col("stem") == stem)["row"].cast(pl.Int64)
            assert rows.to_numpy().min() >= 0 and rows.to_numpy().max() < heights[stem]
            assert rows.n_unique() == rows.len()
    # every BRP row is person-bearing, and one BSN is one person
    brp = (
        _read(out, "brp_inschrijvingen")
        .with_row_index("row")
        .with_columns(
            bsn9=pl.col("bsn").str.zfill(9),
            record=pl.concat_str([pl.lit("brp_inschrijvingen:"), pl.col("row").cast(pl.Utf8)]),
        )
    )
    assert personen.filter(pl.col("record").str.starts_with("brp_inschrijvingen:")).height == brp.height
    j = brp.join(personen, on="record")
    assert j.group_by("bsn9").agg(pl.col("persoon_id").n_unique())["persoon_id"].max() == 1
    assert j.group_by("persoon_id").agg(pl.col("bsn9").n_unique())["bsn9"].max() == 1
    # company records carry their kvk number wherever the source writes one
    vest = (
        _read(out, "kvk_vestigingen")
        .with_row_index("row")
        .with_columns(record=pl.concat_str([pl.lit("kvk_vestigingen:"), pl.col("row").cast(pl.Utf8)]))
    )
    j = vest.join(bedrijven, on="record", suffix="_truth")
    assert j.height == vest.height and (j["kvk_nummer"] == j["kvk_nummer_truth"]).all()
    kad = (
        _read(out, "kadaster_eigendom")
        .with_row_index("row")
        .with_columns(record=pl.concat_str([pl.lit("kadaster_eigendom:"), pl.col("row").cast(pl.Utf8)]))
    )
    j = kad.join(bedrijven, on="record", suffix="_truth").drop_nulls("eigenaar_kvk_nummer")
    assert (j["eigenaar_kvk_nummer"] == j["kvk_nummer"]).all()
    assert kad.join(personen, on="record").filter(pl.col("eigenaar_type") != "natuurlijk_persoon").height == 0
    # the same person shows up in several registries
    counts = (
        personen.with_columns(stem=pl.col("record").str.split(":").list.first())
        .group_by("persoon_id")
        .agg(pl.col("stem").n_unique())
    )
    assert counts.filter(pl.col("stem") >= 3).height > 10
    adressen = pl.read_csv(truth / "adressen.csv", infer_schema=False)
    bag = _read(out, "bag_verblijfsobjecten")
    assert adressen["verblijfsobject_id"].to_list() == bag["verblijfsobject_id"].to_list()
    assert set(adressen["fenomeen"].drop_nulls().unique().to_list()) == set(FENOMENEN)
    assert adressen.filter(pl.col("fenomeen").is_not_null() & pl.col("lookalike").is_not_null()).height == 0


def test_audit_covers_every_brp_person(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = generated
    brp = _read(out, "brp_inschrijvingen")["bsn"].str.zfill(9).unique()
    audit = _read(out, "audit_kenmerken")
    assert audit["bsn"].str.zfill(9).n_unique() == audit.height
    assert set(audit["bsn"].str.zfill(9).to_list()) == set(brp.to_list())
    assert set(audit["leeftijdsgroep"].unique().to_list()) == {"0-17", "18-29", "30-44", "45-64", "65+"}
    assert set(audit["geslacht"].unique().to_list()) == {"man", "vrouw"}
    assert set(audit["herkomst_groep"].unique().to_list()) == {
        "Nederland",
        "Europa (excl. Nederland)",
        "Buiten Europa",
    }


def test_refuses_truth_inside_out(tmp_path: Path) -> None:
    with pytest.raises(GenerationError):
        generate(tmp_path / "d", tmp_path / "d" / "truth", scale=0.01)
    with pytest.raises(GenerationError):
        generate(tmp_path / "d", tmp_path / "d", scale=0.01)
    with pytest.raises(GenerationError):
        generate(tmp_path / "t" / "d", tmp_path / "t", scale=0.01)
    assert not (tmp_path / "d").exists()


def test_refuses_to_overwrite_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "precious.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(GenerationError):
        generate(tmp_path / "d", tmp_path / "t", scale=0.01)
    assert (tmp_path / "d" / "precious.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
