"""Splink's Spark backend gives the same clusters and address matches as DuckDB (``make test-spark``).

Runs Spark in local mode (``local[2]``) with the machine's Java. There is no skip: without the
``spark`` extra or Java the test fails and says what is missing.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import polars as pl
import pytest

from linkage import match_addresses
from linkage.addresses import AddressMatch, street_key_expr
from linkage.backends import run_query, sql_functions
from linkage.person_records import person_records
from linkage.persons import PersonLinkResult, link_persons, model_is_current
from vastgoed.core.config import LinkageConfig, PersonLinkageConfig, SparkConfig

_SCALE = 0.05
_DUCKDB = LinkageConfig()
_SPARK = LinkageConfig(backend="spark", spark=SparkConfig(master="local[2]", shuffle_partitions=8))


def _timed(label: str, timings: dict[str, float], fn: Any, *args: Any, **kwargs: Any) -> Any:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    timings[label] = round(time.perf_counter() - t, 2)
    print(f"  {label}: {timings[label]:.2f} s")
    return out


@pytest.fixture(scope="module")
def municipality(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    from vastgoed.ingest import ingest
    from vastgoed.synthetic import generate

    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail("pyspark is not installed: run `make test-spark` (it syncs the `spark` extra)")
    root = tmp_path_factory.mktemp("spark-municipality")
    generate(root / "data", root / "truth", seed=11, scale=_SCALE)
    return ingest(root / "data").tables


def _partition(result: PersonLinkResult) -> set[frozenset[str]]:
    """The clusters as sets of record ids: independent of labels and row order."""
    groups = result.links.group_by("persoon_id").agg("record").get_column("record").to_list()
    return {frozenset(g) for g in groups}


def _largest_difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The largest difference between two models' m and u probabilities."""
    out = 0.0
    for ca, cb in zip(a["comparisons"], b["comparisons"], strict=True):
        for la, lb in zip(ca["comparison_levels"], cb["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if key in la and key in lb:
                    out = max(out, abs(la[key] - lb[key]))
    return out


def _assert_same_addresses(a: AddressMatch, b: AddressMatch) -> None:
    assert a.links.sort("record").equals(b.links.sort("record")), "address links differ"
    assert a.unmatched.sort("record").equals(b.unmatched.sort("record")), "unmatched addresses differ"


def _garbled(bag: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """A source that only the fuzzy step can place, or nothing: typos, lost or wrong postcodes.

    Without a postcode a one-letter typo in the street is a fuzzy match; with a wrong postcode,
    or a garbled suffix, the score stays under the threshold and the record is left unmatched.
    """
    rng = np.random.default_rng(seed)
    out = []
    for i, r in enumerate(bag.sample(n, seed=seed).iter_rows(named=True)):
        street, pc, letter = str(r["openbare_ruimte"]), r["postcode"], r["huisletter"]
        k = int(rng.integers(1, len(street) - 1))
        kind = i % 4
        if kind in (0, 2):  # two letters swapped
            street = street[: k - 1] + street[k] + street[k - 1] + street[k + 1 :]
        elif kind == 1:  # a letter dropped
            street = street[:k] + street[k + 1 :]
        # kind 2 gets a wrong last letter in its postcode, the others lose it
        pc = pc[:5] + ("Z" if pc[5] != "Z" else "Y") if kind == 2 and pc is not None else None
        if kind == 3:
            letter = None if letter else "B"
        out.append(
            {
                "rij": i,
                "straat": street,
                "huisnummer": r["huisnummer"],
                "huisletter": letter,
                "huisnummertoevoeging": r["huisnummertoevoeging"],
                "postcode": pc,
            }
        )
    return pl.DataFrame(out, schema_overrides={"huisnummer": pl.Int64}, infer_schema_length=None)


@pytest.mark.spark
def test_spark_backend_matches_duckdb(municipality: dict[str, pl.DataFrame]) -> None:
    timings: dict[str, float] = {}
    tables = municipality
    bag = tables["bag_verblijfsobjecten"]
    print(f"\nSpark backend against DuckDB, synthetic municipality at scale {_SCALE}")

    # Session start-up (JVM, Splink's jar) is timed apart from the work.
    from linkage.backends import spark_session

    _timed("spark session start", timings, spark_session, _SPARK.spark)

    # The string functions of the two dialects agree to the last bit: street keys, surnames,
    # random strings over two letters (many transpositions), bytes beyond ASCII, empty and null.
    rng = np.random.default_rng(3)
    words = [
        *bag.select(street_key_expr(pl.col("openbare_ruimte"))).to_series().unique().sort().to_list()[:60],
        *tables["brp_inschrijvingen"].get_column("geslachtsnaam").str.to_lowercase().unique().sort()[:60],
        *("".join(rng.choice(list("ab"), int(rng.integers(1, 16)))) for _ in range(60)),
        *["céramique", "ceramique", "kwiatkowiński", "kwiatkowek", "ÿÿa", "ya", "", None, "a", "ab", "ba"],
    ]
    pairs = pl.DataFrame(
        {"a": [x for x in words for _ in words], "b": [y for _ in words for y in words]},
        schema={"a": pl.String, "b": pl.String},
    ).with_row_index("i")
    sims = {}
    for cfg in (_DUCKDB, _SPARK):
        fn = sql_functions(cfg.backend)
        sql = (
            f"select i, {fn.jaro_winkler('a', 'b')} as jw, {fn.damerau_levenshtein('a', 'b')} as dl, "
            f"{fn.starts_with('a', 'b')} as sw from pairs"
        )
        sims[cfg.backend] = _timed(
            f"{pairs.height} string pairs {cfg.backend}", timings, run_query, cfg, sql, {"pairs": pairs}
        )
    d, s = (sims[k].sort("i").cast({"dl": pl.Int64}) for k in ("duckdb", "spark"))
    assert d.equals(s), "Jaro-Winkler, Damerau-Levenshtein or starts_with differ between the backends"

    # Addresses: the whole municipality, then a garbled source that only the fuzzy step can place.
    am_d = _timed("addresses duckdb", timings, match_addresses, bag, tables, backend=_DUCKDB)
    am_s = _timed("addresses spark", timings, match_addresses, bag, tables, backend=_SPARK)
    _assert_same_addresses(am_d, am_s)
    noisy = {"meldingen": _garbled(bag, 1200, seed=5)}
    nd = _timed("garbled addresses duckdb", timings, match_addresses, bag, noisy, backend=_DUCKDB)
    ns = _timed("garbled addresses spark", timings, match_addresses, bag, noisy, backend=_SPARK)
    _assert_same_addresses(nd, ns)
    n_fuzzy = nd.links.filter(pl.col("methode") == "fuzzy").height
    print(f"  fuzzy matches of the garbled source: {n_fuzzy} of {noisy['meldingen'].height}, identical")
    assert n_fuzzy >= 300, "the garbled source should exercise the fuzzy step"

    # Persons: trained once (DuckDB), predicted on both backends.
    records = person_records(tables, am_d.links)
    cfg = PersonLinkageConfig()
    trained = _timed("persons duckdb, train + predict", timings, link_persons, records, cfg, backend=_DUCKDB)
    on_duck = _timed(
        "persons duckdb, stored model", timings, link_persons, records, cfg, trained_model=trained.model
    )
    on_spark = _timed(
        "persons spark, stored model",
        timings,
        link_persons,
        records,
        cfg,
        trained_model=trained.model,
        backend=_SPARK,
    )
    clusters = _partition(on_duck)
    assert _partition(trained) == clusters
    assert _partition(on_spark) == clusters, "Spark and DuckDB clusters differ for the same model"
    z = on_duck.links.join(on_spark.links, on="record", suffix="_s")
    assert z.height == on_duck.links.height == on_spark.links.height
    assert (z["zekerheid"] - z["zekerheid_s"]).abs().max() < 1e-9
    assert model_is_current(on_spark.model)
    print(
        f"  {records.height} person records, {len(clusters)} clusters, identical; "
        f"{on_spark.counts['pairs']} scored pairs"
    )

    # Trained on Spark: a model in the DuckDB dialect, which gives the same clusters on both.
    retrain = cfg.model_copy(update={"retrain": True})
    spark_trained = _timed(
        "persons spark, train + predict", timings, link_persons, records, retrain, backend=_SPARK
    )
    assert model_is_current(spark_trained.model)
    assert spark_trained.model["sql_dialect"] == "duckdb"
    back_on_duck = _timed(
        "persons duckdb, spark-trained model",
        timings,
        link_persons,
        records,
        cfg,
        trained_model=spark_trained.model,
    )
    assert _partition(back_on_duck) == _partition(spark_trained), "a Spark-trained model clusters differently"
    # u is sampled differently per backend: the two trainings may differ (reported, not required).
    ours, theirs = _partition(spark_trained), clusters
    print(
        f"  Spark-trained vs DuckDB-trained model: {len(ours & theirs)} of {len(theirs)} clusters "
        f"identical ({'all' if ours == theirs else 'not all'}); largest parameter difference "
        f"{_largest_difference(trained.model, spark_trained.model):.2g}"
    )
    for label, r in (("duckdb", on_duck), ("spark", on_spark), ("spark, training", spark_trained)):
        steps = ", ".join(f"{k} {v:.2f}" for k, v in r.timings.items() if k != "total")
        print(f"  person linkage steps on {label} (s): {steps}")


def test_spark_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pyspark, the Spark backend says which extra to install (in the default suite)."""
    from linkage.backends import BackendUnavailableError

    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now raises ImportError
    with pytest.raises(BackendUnavailableError, match="`spark` extra"):
        run_query(_SPARK, "select 1 as x", {})
    with pytest.raises(BackendUnavailableError, match="`spark` extra"):
        link_persons(_one_record(), PersonLinkageConfig(), backend=_SPARK)


def _one_record() -> pl.DataFrame:
    from linkage.person_records import PERSON_RECORD_SCHEMA

    row: dict[str, Any] = dict.fromkeys(PERSON_RECORD_SCHEMA)
    row |= {"record": "brp_inschrijvingen:0", "bron": "brp_inschrijvingen", "rij": 0, "achternaam": "bos"}
    row["verblijfsobject_ids"] = []
    return pl.DataFrame([row], schema=PERSON_RECORD_SCHEMA)
