"""A region of several gemeenten: partitioned Parquet, keys unique across gemeenten, deterministic."""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from vastgoed.core.config import load_manifest
from vastgoed.core.identifiers import is_valid_bsn, is_valid_ean, is_valid_kvk_nummer
from vastgoed.core.schema import CONTRACT
from vastgoed.ingest import ingest, read_kleinverbruik
from vastgoed.synthetic import GenerationError, GenerationSummary, generate, summarise
from vastgoed.synthetic.geography import _region_street_names, _relieve_pc4, _street_names
from vastgoed.synthetic.region import MAX_GEMEENTE_SCALE, plan_region

SEED = 11
SCALE = 0.03
N = 3
_TRUTH = ("adressen", "personen", "bedrijven", "adreslinks")


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, GenerationSummary]:
    base = tmp_path_factory.mktemp("region")
    out, truth = base / "data", base / "truth"
    summary = generate(out, truth, seed=SEED, scale=SCALE, gemeenten=N)
    return out, truth, summary


def _read(folder: Path, stem: str, hive: bool = False) -> pl.DataFrame:
    """The parts in path order; with ``hive``, a column ``gemeente`` from each part's folder name."""
    frames = [
        pl.read_parquet(p).with_columns(gemeente=pl.lit(p.parent.name.removeprefix("gemeente=")))
        if hive
        else pl.read_parquet(p)
        for p in sorted((folder / stem).rglob("*.parquet"))
    ]
    return pl.concat(frames)


def _codes(out: Path) -> list[str]:
    return sorted(p.name.removeprefix("gemeente=") for p in (out / "bag_verblijfsobjecten").iterdir())


def _hashes(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_partitions_and_manifest(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, summary = region
    codes = _codes(out)
    assert len(codes) == N
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [s.stem for s in CONTRACT] + ["kleinverbruik", "manifest.toml"]
    )
    for spec in CONTRACT:
        parts = sorted((out / spec.stem).glob("gemeente=*/part-0.parquet"))
        assert [p.parent.name for p in parts] == [f"gemeente={c}" for c in codes], spec.stem
        for part in parts:
            assert pl.read_parquet_schema(part).names() == spec.names, (spec.stem, part)
    for name in _TRUTH:
        assert sorted(p.parent.name for p in (truth / name).glob("gemeente=*/part-0.parquet")) == [
            f"gemeente={c}" for c in codes
        ]
    assert not (truth / ".staging").exists()
    raw = tomllib.loads((out / "manifest.toml").read_text(encoding="utf-8"))
    assert raw["gemeenten"] == codes
    assert sorted(raw["gemeentenamen"]) == codes
    assert raw["gemeentecode"] in codes
    manifest = load_manifest(out)
    assert manifest.synthetisch and manifest.gemeentecode in codes
    info = json.loads((truth / "summary.json").read_text(encoding="utf-8"))
    assert [g["gemeentecode"] for g in info["gemeenten"]] == codes
    assert sum(g["n_verblijfsobjecten"] for g in info["gemeenten"]) == summary.n_verblijfsobjecten
    assert summary.rijen["bag_verblijfsobjecten"] == _read(out, "bag_verblijfsobjecten").height
    assert len({g["naam"] for g in info["gemeenten"]}) == N


def test_keys_unique_across_gemeenten(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = region
    keys = {
        "bag_verblijfsobjecten": [["verblijfsobject_id"], ["nummeraanduiding_id"]],
        "brp_inschrijvingen": [["bsn", "datum_aanvang_adreshouding"]],
        "kvk_vestigingen": [["vestigingsnummer"]],
        "vergunningen": [["vergunning_id"]],
        "energie_verbruik": [["ean", "jaar"]],
        "meldingen": [["melding_id"]],
        "audit_kenmerken": [["bsn"]],
    }
    for stem, key_sets in keys.items():
        df = _read(out, stem)
        for key in key_sets:
            assert df.select(key).is_duplicated().sum() == 0, (stem, key)
    # identifiers that may repeat within a gemeente never appear in two gemeenten
    per_gemeente = {
        "bag_verblijfsobjecten": ["pand_id", "postcode", "buurtcode"],
        "brp_inschrijvingen": ["bsn"],
        "kvk_vestigingen": ["kvk_nummer"],
        "kvk_functionarissen": ["kvk_nummer"],
        "kadaster_eigendom": ["kadastraal_object_id"],
        "energie_verbruik": ["ean"],
    }
    for stem, cols in per_gemeente.items():
        df = _read(out, stem, hive=True)
        for col in cols:
            spread = df.drop_nulls(col).group_by(col).agg(pl.col("gemeente").n_unique())
            assert spread["gemeente"].max() == 1, (stem, col)
    bag = _read(out, "bag_verblijfsobjecten", hive=True)
    assert (bag["verblijfsobject_id"].str.slice(0, 4) == bag["gemeente"]).all()
    assert (bag["buurtcode"].str.slice(2, 4) == bag["gemeente"]).all()
    assert bag.group_by("gemeente").agg(pl.col("woonplaats").n_unique())["woonplaats"].max() == 1
    assert bag["woonplaats"].n_unique() == N
    # BSNs pass the 11-proef; a kvk number in the officers file belongs to one gemeente's enterprise
    assert all(is_valid_bsn(b) for b in _read(out, "audit_kenmerken")["bsn"].to_list())
    assert all(is_valid_kvk_nummer(k) for k in _read(out, "kvk_vestigingen")["kvk_nummer"].to_list())
    assert all(is_valid_ean(e) for e in _read(out, "energie_verbruik")["ean"].unique().to_list())


def test_each_gemeente_draws_from_its_own_ranges(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, _ = region
    plan = {g.code: g for g in plan_region(SEED, SCALE, N)}
    assert sorted(plan) == _codes(out)
    vest = _read(out, "kvk_vestigingen", hive=True)
    brp = _read(out, "brp_inschrijvingen", hive=True)
    ean = _read(out, "energie_verbruik", hive=True)
    bag = _read(out, "bag_verblijfsobjecten", hive=True)
    for code, gem in plan.items():
        national = [number for number, _ in gem.beleggers_thuis]
        own = vest.filter((pl.col("gemeente") == code) & ~pl.col("kvk_nummer").is_in(national))
        kvk = own["kvk_nummer"].cast(pl.Int64)
        assert gem.kvk[0] <= kvk.min() and kvk.max() < gem.kvk[1]
        nr = vest.filter(pl.col("gemeente") == code)["vestigingsnummer"].cast(pl.Int64)
        assert gem.vestiging[0] <= nr.min() and nr.max() < gem.vestiging[1]
        body = brp.filter(pl.col("gemeente") == code)["bsn"].cast(pl.Int64) // 10 % 10_000
        assert gem.bsn_classes[0] <= body.min() and body.max() < gem.bsn_classes[1]
        e = ean.filter(pl.col("gemeente") == code)["ean"].str.slice(6, 11).cast(pl.Int64)
        assert gem.ean[0] <= e.min() and e.max() < gem.ean[1]
        pc4 = bag.filter(pl.col("gemeente") == code)["postcode"].str.slice(0, 4).cast(pl.Int64)
        assert gem.pc4[0] <= pc4.min() and pc4.max() < gem.pc4[0] + gem.pc4[1]
        assert bag.filter(pl.col("gemeente") == code)["woonplaats"].unique().to_list() == [gem.naam]


def test_national_investors_own_in_several_gemeenten(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = region
    plan = plan_region(SEED, SCALE, N)
    investors = {number: naam for g in plan for number, naam in g.beleggers_thuis}
    assert investors
    vest = _read(out, "kvk_vestigingen", hive=True)
    kad = _read(out, "kadaster_eigendom", hive=True).with_row_index("rij")
    bedrijven = _read(truth, "bedrijven")
    for number, naam in investors.items():
        home = [g.code for g in plan if (number, naam) in g.beleggers_thuis]
        away = [g.code for g in plan if (number, naam) in g.beleggers_elders]
        assert away and home[0] not in away
        # registered only at home, under its own name
        registered = vest.filter(pl.col("kvk_nummer") == number)
        assert registered["gemeente"].unique().to_list() == home
        assert registered["handelsnaam"].unique().to_list() == [naam]
        # owning property in its home gemeente and elsewhere; the truth names it wherever its name is written
        owned = kad.filter(pl.col("eigenaar_naam") == naam)
        assert set(owned["gemeente"].unique().to_list()) == {*home, *away}
        records = owned.select(pl.concat_str([pl.lit("kadaster_eigendom:"), pl.col("rij").cast(pl.String)]))
        truth_kvk = bedrijven.filter(pl.col("record").is_in(records.to_series().implode()))["kvk_nummer"]
        assert truth_kvk.len() == owned.height and truth_kvk.unique().to_list() == [number]
        assert set(owned["eigenaar_kvk_nummer"].drop_nulls().unique().to_list()) == {number}


def test_truth_records_count_rows_over_the_parts(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = region
    personen = _read(truth, "personen")
    adreslinks = _read(truth, "adreslinks")
    bag = _read(out, "bag_verblijfsobjecten")
    assert _read(truth, "adressen")["verblijfsobject_id"].to_list() == bag["verblijfsobject_id"].to_list()
    for df in (personen, adreslinks, _read(truth, "bedrijven")):
        assert df["record"].n_unique() == df.height
    for stem in ("brp_inschrijvingen", "energie_verbruik", "meldingen"):
        rows = adreslinks.filter(pl.col("record").str.starts_with(f"{stem}:"))
        numbers = rows["record"].str.split(":").list.get(1).cast(pl.Int64).sort()
        assert numbers.to_list() == list(range(_read(out, stem).height)), stem
    # a BSN is one person and a person one BSN, over the whole region; person ids differ per gemeente
    brp = _read(out, "brp_inschrijvingen").with_row_index("rij")
    brp = brp.with_columns(
        bsn9=pl.col("bsn").str.zfill(9),
        record=pl.concat_str([pl.lit("brp_inschrijvingen:"), pl.col("rij").cast(pl.String)]),
    )
    j = brp.join(personen, on="record")
    assert j.height == brp.height
    assert j.group_by("bsn9").agg(pl.col("persoon_id").n_unique())["persoon_id"].max() == 1
    assert j.group_by("persoon_id").agg(pl.col("bsn9").n_unique())["bsn9"].max() == 1
    assert personen["persoon_id"].str.slice(1, 4).n_unique() == N
    # the address truth of a row is an object with the row's huisnummer (never altered by noise)
    en = _read(out, "energie_verbruik").with_row_index("rij")
    en = en.with_columns(record=pl.concat_str([pl.lit("energie_verbruik:"), pl.col("rij").cast(pl.String)]))
    k = en.join(adreslinks, on="record").join(bag, on="verblijfsobject_id", suffix="_bag")
    assert k.height == en.height and (k["huisnummer"] == k["huisnummer_bag"]).all()


def test_same_seed_same_bytes_whatever_the_workers(
    region: tuple[Path, Path, GenerationSummary], tmp_path: Path
) -> None:
    out, truth, summary = region
    again = generate(tmp_path / "d", tmp_path / "t", seed=SEED, scale=SCALE, gemeenten=N, workers=2)
    assert again == summary
    assert _hashes(tmp_path / "d") == _hashes(out)
    assert _hashes(tmp_path / "t") == _hashes(truth)


def test_ingest_reads_the_region(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, _, summary = region
    res = ingest(out, key=b"a-test-key-of-at-least-16-bytes")
    assert res.quarantine.height == 0
    assert res.warnings == []
    for spec in CONTRACT:
        counts = res.counts[spec.stem]
        assert counts.rows_read == counts.rows_kept == summary.rijen[spec.stem], spec.stem
        assert counts.path == f"{spec.stem}/"
        assert res.tables[spec.stem]["rij"].to_list() == list(range(counts.rows_read))
        assert sum(1 for k in res.hashes if k.startswith(f"{spec.stem}/gemeente=")) == N
        assert f"{spec.stem}/" in res.hashes
    assert res.tables["brp_inschrijvingen"]["bsn_pseudoniem"].null_count() == 0
    # one grid operator's file per year, holding the streets of every gemeente it serves
    kv = read_kleinverbruik(out)
    assert kv is not None and kv.height > 0
    assert {b.split("_")[0] for b in kv["bestand"].unique().to_list()} <= {"Enexis", "Liander", "Stedin"}
    plaatsen = set(kv["woonplaats"].unique().to_list())
    assert plaatsen == {g.naam.upper() for g in plan_region(SEED, SCALE, N)}


def test_summarise_reads_the_region(region: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, summary = region
    stats = summarise(out, truth)
    assert stats["n_verblijfsobjecten"] == summary.n_verblijfsobjecten
    assert stats["n_buurten"] == summary.n_buurten
    assert stats["fenomenen"] == summary.fenomenen
    assert stats["adreslinks"] == summary.adreslinks


def test_plan_of_the_country() -> None:
    plan = plan_region(0, 140.0)
    sizes = np.array([g.scale for g in plan])
    assert 250 <= len(plan) <= 400
    assert abs(sizes.sum() - 140.0) < 0.01 and sizes.max() <= MAX_GEMEENTE_SCALE + 1e-9
    assert (sizes > 3).sum() >= 2 and np.median(sizes) < 0.5
    assert (
        len({g.code for g in plan})
        == len({g.naam for g in plan})
        == len({g.kadaster for g in plan})
        == len(plan)
    )
    assert [g.code for g in plan] == sorted(g.code for g in plan)
    for attr in ("kvk", "vestiging", "ean", "bsn_classes"):
        ranges = sorted(getattr(g, attr) for g in plan)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges)), attr
    pc4 = sorted((g.pc4[0], g.pc4[0] + g.pc4[1], *g.pc4_spare) for g in plan)
    assert all(a[1] == a[2] < a[3] <= b[0] for a, b in itertools.pairwise(pc4))
    assert pc4[0][0] >= 1000 and pc4[-1][3] <= 10000
    assert plan_region(0, 140.0) == plan


def test_refuses_impossible_regions(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="exceed"):
        generate(tmp_path / "d", tmp_path / "t", scale=20, gemeenten=2)
    with pytest.raises(GenerationError, match="preset"):
        generate(tmp_path / "d", tmp_path / "t", preset="provincie")
    with pytest.raises(GenerationError, match="scale"):
        generate(tmp_path / "d", tmp_path / "t", scale=151)
    assert not (tmp_path / "d").exists()


def test_street_names_never_run_out() -> None:
    rng = np.random.default_rng(5)
    names = _street_names(rng, 4000).tolist()  # more than the base and suffix combinations
    assert len(set(names)) == 4000
    many = _region_street_names(np.random.default_rng(5), 25_000).tolist()
    keys = {"".join(c for c in n.lower() if c.isalnum()) for n in many}
    assert len(keys) == 25_000


def test_crowded_postcode_areas_spill_into_spare_ones() -> None:
    # 40 streets of 30 groups in PC4 1000 (1200 groups, 673 letter pairs), 5 of 10 groups in 1001
    street = np.repeat(np.arange(45), 30)
    chunk = np.tile(np.arange(30), 45)
    chunk[street >= 40] %= 10
    pc4 = np.where(street < 40, 1000, 1001)
    out = _relieve_pc4(pc4, street, chunk, 673, [1002, 1003, 1004])
    groups = {
        p: len({(s, c) for s, c, q in zip(street, chunk, out, strict=True) if q == p}) for p in set(out)
    }
    assert max(groups.values()) <= 673 and sum(groups.values()) == 40 * 30 + 5 * 10
    assert (out[street >= 40] == 1001).all()
    assert len({int(q) for s, q in zip(street, out, strict=True) if s == 39}) == 1  # streets move whole
    assert _relieve_pc4(pc4, street, chunk, 2000, []) is pc4


def test_command_line_region(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vastgoed.cli import app

    args = ["generate", "--out", str(tmp_path / "d"), "--truth", str(tmp_path / "t"), "--scale", "0.02"]
    result = CliRunner().invoke(app, [*args, "--gemeenten", "2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "d" / "meldingen").glob("gemeente=*/part-0.parquet"))) == 2
    assert "2/2" in result.output
    bad = CliRunner().invoke(app, [*args, "--preset", "wereld"])
    assert bad.exit_code != 0 and "preset" in bad.output
