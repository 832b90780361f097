"""A run in shards (issue 8): a region split into groups of gemeenten, each built in a worker process."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import polars as pl
import pytest

from vastgoed.core.config import load_config
from vastgoed.core.errors import DataError
from vastgoed.ethics.privacy import Finding, PrivacyError
from vastgoed.ingest import ingest
from vastgoed.pipeline import run_batch
from vastgoed.shards import plan_shards, tree_rss_mib
from vastgoed.synthetic import generate

SEED = 5
SCALE = 0.06
N = 3
#: Features that rest on people and officers, who are linked within a shard only (see docs/benchmarks.md).
CROSS_SHARD = {
    "functionarissen_max_objecten",
    "netwerk_bevestigde_adressen",
    "netwerk_max_bevestigde_objecten",
    "netwerk_eigenaar_bevestigd",
}


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    generate(root / "data", root / "truth", seed=SEED, scale=SCALE, gemeenten=N, fixed=True)
    return root / "data"


def _objects(data: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in sorted((data / "bag_verblijfsobjecten").glob("gemeente=*/*.parquet")):
        out[part.parent.name] = pl.read_parquet(part).height
    return out


def _config(tmp: Path, shard_objects: int, extra: str = "") -> Path:
    cfg = tmp / f"config-{shard_objects}.toml"
    cfg.write_text(
        f"""
[model]
num_boost_round = 40
num_threads = 1
explain_top = 200

[output]
top_n = 100

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "test"

[scale]
shard_objects = {shard_objects}
workers = 2
{extra}
""",
        encoding="utf-8",
    )
    return cfg


def _smallest_split(data: Path) -> int:
    """A shard size that puts every gemeente in a shard of its own."""
    return max(_objects(data).values())


@pytest.fixture(scope="module")
def runs(region: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One run in one process (it trains and registers both models), then one in shards reusing them."""
    tmp = tmp_path_factory.mktemp("shard-runs")
    one = run_batch(region, tmp / "one", load_config(_config(tmp, 0)))
    # the proxy screen on a sample, as in a country: it must still run, and say so
    sample = "[ethics]\nproxy_max_objects = 500"
    shards = run_batch(region, tmp / "shards", load_config(_config(tmp, _smallest_split(region), sample)))
    return one.run_dir, shards.run_dir


def test_plan_keeps_gemeenten_whole_and_within_the_bound(
    region: Path, small_municipality: tuple[Path, Path]
) -> None:
    sizes = _objects(region)
    total = sum(sizes.values())
    assert plan_shards(region, total) is None  # fits one process
    assert plan_shards(region, 0) is None  # never split
    assert plan_shards(small_municipality[0], 10) is None  # CSV files: one process
    bound = max(sizes.values()) + min(sizes.values())
    plan = plan_shards(region, bound)
    assert plan is not None and len(plan) >= 2
    seen = [p for shard in plan for p in shard.partitions]
    assert sorted(seen) == sorted(sizes)  # every gemeente exactly once
    for shard in plan:
        assert shard.objects == sum(sizes[p] for p in shard.partitions)
        assert shard.objects <= bound or len(shard.partitions) == 1


def test_a_shard_numbers_rows_as_the_whole_folder_does(region: Path) -> None:
    whole = ingest(region)
    partition = sorted(_objects(region))[1]
    part = ingest(region, partitions=frozenset({partition}))
    for stem in ("bag_verblijfsobjecten", "brp_inschrijvingen", "kadaster_eigendom"):
        mine = part.tables[stem].drop("rij")
        got = part.tables[stem].select("rij")
        expected = whole.tables[stem].join(mine, on=mine.columns, how="semi", nulls_equal=True).select("rij")
        assert got.height > 0
        assert got.sort("rij").equals(expected.sort("rij")), stem
    name = f"bag_verblijfsobjecten/{partition}/part-0.parquet"
    assert part.hashes[name] == whole.hashes[name]
    assert "bag_verblijfsobjecten/" not in part.hashes  # the folder's hash needs every part


def test_shards_give_what_one_process_gives(runs: tuple[Path, Path]) -> None:
    one, shards = runs
    a, b = (json.loads((d / "run.json").read_text(encoding="utf-8")) for d in runs)
    assert "shards" not in a and len(b["shards"]) == N
    assert b["linkage"]["persons"]["model"].startswith("reused")  # the stored Splink model, in every shard
    # Splink's exact pair counts per blocking rule, a diagnostic, are counted in the first shard only
    persons = b["linkage"]["persons"]
    assert persons["blocking_counted_in"].startswith("shard 0: ") and persons["blocking"]
    assert "candidate_pairs" not in persons["counts"] and persons["counts"]["candidate_pairs_shard_0"] > 0
    assert persons["counts"]["records"] == a["linkage"]["persons"]["counts"]["records"]
    assert a["linkage"]["persons"]["blocking_counted_in"] == "the whole run"
    assert a["data"]["hashes_sha256"] == b["data"]["hashes_sha256"]
    assert a["data"]["rows"] == b["data"]["rows"]
    assert a["n_scored"] == b["n_scored"]
    assert a["model"]["model_version"] == b["model"]["model_version"]
    fa = pl.read_parquet(one / "features.parquet").sort("verblijfsobject_id")
    fb = pl.read_parquet(shards / "features.parquet").sort("verblijfsobject_id")
    assert fa.schema == fb.schema
    differ = {c for c in fa.columns if not fa.select(c).equals(fb.select(c))}
    assert differ <= CROSS_SHARD, differ
    # every person-bearing record is linked in both, and nearly always to the same person
    pa = pl.read_parquet(one / "links" / "personen.parquet")
    pb = pl.read_parquet(shards / "links" / "personen.parquet")
    assert pa.height == pb.height
    same = pa.join(pb, on=["record", "persoon_id"]).height
    assert same / pa.height > 0.99
    # one list, ranked over every shard, explained for the overall top (explain_top = 200) only
    sa = pl.read_parquet(one / "signals.parquet")
    sb = pl.read_parquet(shards / "signals.parquet")
    assert sa.columns == sb.columns and sa.height == sb.height
    ranks = sb["rank"].drop_nulls()
    assert ranks.to_list() == list(range(1, ranks.len() + 1))
    explained = sb.filter(pl.col("redenen").is_not_null())
    expected = sb.filter((pl.col("rank") <= 200) | (pl.col("status") == "recent_onderzocht"))
    assert explained["verblijfsobject_id"].sort().equals(expected["verblijfsobject_id"].sort())
    top_a = set(sa.filter(pl.col("rank") <= 100)["verblijfsobject_id"])
    top_b = set(sb.filter(pl.col("rank") <= 100)["verblijfsobject_id"])
    assert len(top_a & top_b) >= 90
    # a company that owns in several shards is one node
    nodes = pl.read_parquet(shards / "graph" / "knopen.parquet")
    assert nodes["knoop"].n_unique() == nodes.height
    for name in (
        "signals.csv",
        "signals.parquet",
        "report.html",
        "ethics/fairness.json",
        "quarantine.csv",
        "genulde_waarden.csv",
    ):
        assert (shards / name).is_file(), name
    assert b["memory"]["process_tree_peak_mib"] >= b["memory"]["overall_peak_rss_mib"]
    assert any("uniform sample of 500 of the" in w for w in b["data"]["warnings"])
    # on 500 objects some small groups fall below proxy_min_objects: fewer pairs, said so
    assert 0 < b["proxy_screen"]["pairs"] <= a["proxy_screen"]["pairs"]


def test_a_bad_part_in_a_shard_fails_the_run_naming_it(region: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(region, data)
    partition = sorted(_objects(region))[-1]
    part = data / "bag_verblijfsobjecten" / partition / "part-0.parquet"
    pl.read_parquet(part).drop("postcode").write_parquet(part)
    cfg = load_config(_config(tmp_path, _smallest_split(region)))
    with pytest.raises(DataError) as err:
        run_batch(data, tmp_path / "out", cfg)
    assert f"bag_verblijfsobjecten/{partition}/part-0.parquet" in str(err.value)
    assert err.value.kolom == "postcode"
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")] in (
        [],
        ["governance"],
    )
    assert not list((tmp_path / "out").glob(".tmp-*"))


def test_errors_cross_the_process_boundary_whole() -> None:
    e = pickle.loads(
        pickle.dumps(DataError("kadaster_eigendom/gemeente=0935/part-0.parquet", "why", kolom="rij"))
    )
    assert (e.bestand, e.reden, e.kolom) == ("kadaster_eigendom/gemeente=0935/part-0.parquet", "why", "rij")
    finding = Finding(Path("x.csv"), "row 1, column a", "bsn", "***")
    p = pickle.loads(pickle.dumps(PrivacyError([finding])))
    assert p.findings == (finding,) and "x.csv" in str(p)


def test_tree_memory_counts_this_process() -> None:
    assert tree_rss_mib() > 10


def test_an_object_in_two_gemeenten_stops_a_run_in_shards(region: Path, tmp_path: Path) -> None:
    """Across shards no process sees both rows, so the run refuses before it starts."""
    data = tmp_path / "data"
    shutil.copytree(region, data)
    first, last = sorted(_objects(region))[0], sorted(_objects(region))[-1]
    source = pl.read_parquet(data / "bag_verblijfsobjecten" / first / "part-0.parquet")
    target = data / "bag_verblijfsobjecten" / last / "part-0.parquet"
    pl.concat([pl.read_parquet(target), source.head(1)], how="diagonal_relaxed").write_parquet(target)
    vbo = source["verblijfsobject_id"][0]
    with pytest.raises(DataError) as err:
        run_batch(data, tmp_path / "out", load_config(_config(tmp_path, _smallest_split(region))))
    assert str(vbo) in str(err.value) and first in str(err.value) and last in str(err.value)


@pytest.mark.parametrize("chunk_rows", [1, 2, 4, 100])
def test_one_list_is_ranked_over_the_shards_slices(tmp_path: Path, chunk_rows: int) -> None:
    """Shards rank their own objects; the list is ranked again over all, reasons kept for the top.

    Written a block at a time (of one row up to all), it is the same list.
    """
    from vastgoed.pipeline import _ranked_again

    def piece(name: str, ids: list[str], scores: list[float], status: list[str]) -> Path:
        # in the order of score_objects: the ranked ones first, each part by score
        path = tmp_path / f"{name}.parquet"
        pl.DataFrame(
            {
                "rank": [i + 1 if s == "signaal" else None for i, s in enumerate(status)],
                "verblijfsobject_id": ids,
                "score": scores,
                "status": status,
                "redenen": [f"r{i}" for i in ids],
                "redenen_detail": [[{"kenmerk": i}] for i in ids],
                "tegen": [[{"kenmerk": i}] for i in ids],
            },
            schema_overrides={"rank": pl.Int64},
        ).write_parquet(path, row_group_size=2)
        return path

    a = piece("a", ["a1", "a2", "a3"], [0.9, 0.5, 0.4], ["signaal", "signaal", "recent_onderzocht"])
    b = piece("b", ["b1", "b3", "b2"], [0.8, 0.5, 0.7], ["signaal", "signaal", "koppeling_onzeker"])
    out = tmp_path / "signals.parquet"
    signals = _ranked_again([a, b], out, n_top=3, chunk_rows=chunk_rows)
    written = pl.read_parquet(out)
    assert written.columns == pl.read_parquet(a).columns
    assert written["verblijfsobject_id"].to_list() == ["a1", "b1", "a2", "b3", "b2", "a3"]  # ties: by id
    assert written["rank"].to_list() == [1, 2, 3, 4, None, None]
    explained = written.filter(pl.col("redenen").is_not_null())["verblijfsobject_id"].to_list()
    assert explained == ["a1", "b1", "a2", "a3"]  # the top 3 and the recent investigation
    assert written.filter(pl.col("verblijfsobject_id") == "b3")["tegen"][0] is None
    assert signals.keys.equals(written.select("rank", "verblijfsobject_id", "score", "status"))
    assert signals.explained.equals(written.filter(pl.col("redenen").is_not_null()))
    assert not list(tmp_path.glob("*.part"))


def test_a_slice_out_of_order_stops_the_ranking(tmp_path: Path) -> None:
    """Blocks are read as ranges of each slice: a slice not in the list's order is an error, not a mix-up."""
    from vastgoed.pipeline import _ranked_again

    path = tmp_path / "a.parquet"
    pl.DataFrame(
        {
            "rank": [2, 1],
            "verblijfsobject_id": ["x", "y"],
            "score": [0.1, 0.9],
            "status": ["signaal", "signaal"],
            "redenen": ["r", "r"],
        }
    ).write_parquet(path)
    other = tmp_path / "b.parquet"
    pl.DataFrame(
        {"rank": [1], "verblijfsobject_id": ["z"], "score": [0.5], "status": ["signaal"], "redenen": ["r"]}
    ).write_parquet(other)
    with pytest.raises(RuntimeError, match="not in the order"):
        _ranked_again([path, other], tmp_path / "signals.parquet", n_top=3, chunk_rows=2)
    assert not (tmp_path / "signals.parquet").exists()


def test_a_group_one_shard_lacks_is_absent_there_not_unknown() -> None:
    """A shard's audit groups are those of its residents; put together, absent means 'none of them'."""
    from vastgoed.ethics.proxy import indicator_column, known_column, share_column
    from vastgoed.pipeline import _concat_groups

    a, k = "herkomst_groep", known_column("herkomst_groep")
    nl, other = indicator_column(a, "Nederland"), indicator_column(a, "Overig")
    first = pl.DataFrame(
        {
            "verblijfsobject_id": ["1", "2"],
            k: [2, 0],
            nl: [True, None],
            share_column(a, "Nederland"): [1.0, None],
        }
    )
    second = pl.DataFrame(
        {
            "verblijfsobject_id": ["3"],
            k: [1],
            nl: [False],
            share_column(a, "Nederland"): [0.0],
            other: [True],
            share_column(a, "Overig"): [1.0],
        }
    )
    out = _concat_groups([first, second]).sort("verblijfsobject_id")
    assert out[other].to_list() == [False, None, True]  # object 2: nobody's origin known
    assert out[share_column(a, "Overig")].to_list() == [0.0, None, 1.0]
    assert out[nl].to_list() == [True, None, False]


def test_the_scratch_of_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    """A killed run leaves its shards' tables (names included) behind; the next run removes them."""
    import subprocess
    import sys

    from vastgoed.pipeline import _clean_stale_scratch

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale, alive, foreign = (tmp_path / f"vastgoed-shards-{n}" for n in ("a", "b", "c"))
    for folder in (stale, alive, foreign):
        (folder / "shard-0000").mkdir(parents=True)
    (stale / ".pid").write_text(dead.stdout.strip(), encoding="utf-8")
    (alive / ".pid").write_text(str(os.getpid()), encoding="utf-8")
    _clean_stale_scratch(tmp_path)
    assert not stale.exists()
    assert alive.exists() and foreign.exists()


def test_a_small_shard_explains_its_objects_in_the_whole_lists_top(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard's ``rank`` is the rank in the whole list: the reasons' cut is not the shard's height."""
    import datetime as dt

    from features.base import UITKOMST_SCHEMA
    from vastgoed import pipeline
    from vastgoed.core.config import ModelConfig

    seen: list[int] = []

    def explain(
        model: object, scored: pl.DataFrame, feats: pl.DataFrame, mc: object, n_top: int
    ) -> pl.DataFrame:
        seen.append(n_top)
        return scored.with_columns(
            pl.when(pl.col("rank") <= n_top).then(pl.lit("reden")).otherwise(None).alias("redenen")
        )

    monkeypatch.setattr(pipeline, "explain_signals", explain)
    scoring = pipeline._Scoring(
        model=None,  # type: ignore[arg-type]
        outcomes=pl.DataFrame(schema=UITKOMST_SCHEMA),
        peildatum=dt.date(2025, 1, 1),
        threshold=0.5,
        model_config=ModelConfig(),
        n_top=2_000,
        constants={"model_version": "m", "run_id": "r"},
    )
    # three objects, ranked 1,500th, 1,999th and 2,500th in the whole list
    scored = pl.DataFrame(
        {
            "rank": [1_500, 1_999, 2_500],
            "verblijfsobject_id": ["a", "b", "c"],
            "adres": ["x", "y", "z"],
            "buurtcode": ["BU1", "BU1", "BU1"],
            "score": [0.5, 0.4, 0.3],
            "fenomeen": ["hennepteelt"] * 3,
            "status": ["signaal"] * 3,
        }
    )
    certainty = pl.DataFrame({"verblijfsobject_id": ["a"], "koppeling_zekerheid_signaal": [0.99]})
    out = pipeline._explained(scoring, scored, pl.DataFrame(), certainty)
    assert seen == [2_000]
    assert out["redenen"].to_list() == ["reden", "reden", None]


def test_an_object_with_the_same_features_gets_the_same_score(runs: tuple[Path, Path]) -> None:
    # Both runs score with the same registered model, so an object whose features (as written to
    # features.parquet) are the same in both runs must get the same score: the shards score the
    # features with the owner-scoped ones computed over every shard, not their own.
    one, shards = runs
    fa = pl.read_parquet(one / "features.parquet")
    fb = pl.read_parquet(shards / "features.parquet")
    same = fa.join(fb, on=fa.columns, how="semi", nulls_equal=True)["verblijfsobject_id"]
    assert same.len() > 0.9 * fa.height
    sa, sb = (pl.read_parquet(d / "signals.parquet", columns=["verblijfsobject_id", "score"]) for d in runs)
    both = sa.join(sb, on="verblijfsobject_id", suffix="_shards").filter(
        pl.col("verblijfsobject_id").is_in(same.implode())
    )
    assert both.height == same.len()
    differ = both.filter(pl.col("score") != pl.col("score_shards"))
    assert differ.height == 0, differ.head()


def test_a_stage_that_runs_twice_counts_both_times() -> None:
    import time

    from rich.console import Console

    from vastgoed.pipeline import _Stages

    st = _Stages(Console(quiet=True))
    for pause in (0.05, 0.1):
        with st.stage("privacy_scan_mlflow"):
            time.sleep(pause)
    assert st.timings["privacy_scan_mlflow"] >= 0.15
