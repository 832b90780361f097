"""Shared Splink 5 building blocks: comparisons, training, prediction and clustering.

The person linkage (:mod:`linkage.persons`) and the Febrl benchmark (:mod:`linkage.benchmark`) use
these same pieces, so the benchmark measures the approach the engine runs. The comparisons are
written for a SQL dialect (``duckdb`` or ``spark``, :mod:`linkage.backends`); a model is stored in
the DuckDB dialect and :func:`with_sql_of` moves its parameters onto another dialect's SQL.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from linkage.backends import Dialect, duckdb_api, sql_functions, to_polars

if TYPE_CHECKING:
    from splink import Linker
    from splink.internals.comparison_creator import ComparisonCreator
    from splink.internals.database_api import DatabaseAPISubClass

__all__ = [
    "TrainingPlan",
    "array_overlap_comparison",
    "birth_date_comparison",
    "charts",
    "count_pairs",
    "duckdb_api",
    "exact_comparison",
    "given_name_comparison",
    "make_linker",
    "name_comparison",
    "no_level_below_disagreement",
    "predict_pairs",
    "probability_from_weight",
    "quiet_splink",
    "register_term_frequencies",
    "train",
    "with_sql_of",
]


def quiet_splink() -> None:
    """Keep Splink's progress logging out of the engine's output (it logs at INFO)."""
    logging.getLogger("splink").setLevel(logging.WARNING)


def name_comparison(
    col: str,
    *,
    thresholds: Sequence[float] = (0.92, 0.8),
    term_frequency: bool = True,
    also_equal: str | None = None,
    dialect: Dialect = "duckdb",
) -> ComparisonCreator:
    """Exact (term-frequency adjusted) match, then Jaro-Winkler levels, then anything else.

    Args:
        col: The compared column.
        thresholds: Jaro-Winkler similarity levels, highest first.
        term_frequency: Adjust the exact level for the value's frequency.
        also_equal: A second column whose equality is the next level after the exact one (the
            surname with its voorvoegsel joined: ``Vandekruijs`` and ``van de Kruijs``).
        dialect: The SQL dialect.

    On Spark the Jaro-Winkler levels use :func:`linkage.backends.spark_jaro_winkler` (DuckDB's
    similarity) rather than Splink's Scala function, which gives other values.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels: list[Any] = [
        cll.NullLevel(col),
        cll.ExactMatchLevel(col, term_frequency_adjustments=term_frequency),
    ]
    if also_equal is not None:
        levels.append(
            cll.CustomLevel(f"{also_equal}_l = {also_equal}_r", label_for_charts=f"{also_equal} equal")
        )
    if dialect == "duckdb":
        levels += [cll.JaroWinklerLevel(col, t) for t in thresholds]
    else:
        jw = sql_functions(dialect).jaro_winkler(f"`{col}_l`", f"`{col}_r`")
        levels += [
            cll.CustomLevel(f"{jw} >= {t}", label_for_charts=f"Jaro-Winkler distance of {col} >= {t}")
            for t in thresholds
        ]
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(comparison_levels=levels, output_column_name=col)


def exact_comparison(col: str, *, term_frequency: bool = False) -> ComparisonCreator:
    """Exact match or not (null when either side is missing)."""
    import splink.comparison_library as cl

    return cl.ExactMatch(col).configure(term_frequency_adjustments=term_frequency)


def given_name_comparison(
    first: str, initials: str, *, output: str = "voornamen", dialect: Dialect = "duckdb"
) -> ComparisonCreator:
    """Given names where some sources know only initials, or only the first name.

    Levels: same first name; first name Jaro-Winkler >= 0.9; the same two or more initials;
    compatible initials (one a prefix of the other, e.g. ``g`` from ``Gerard`` vs ``gjm``); same first
    initial only; else.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    fn = sql_functions(dialect)
    fl, fr, il, ir = f"{first}_l", f"{first}_r", f"{initials}_l", f"{initials}_r"
    both_first = f"{fl} IS NOT NULL AND {fr} IS NOT NULL"
    levels: list[Any] = [
        cll.CustomLevel(f"{il} IS NULL OR {ir} IS NULL", label_for_charts="null").configure(
            is_null_level=True
        ),
        cll.CustomLevel(f"{both_first} AND {fl} = {fr}", label_for_charts="first name equal"),
        cll.CustomLevel(
            f"{both_first} AND {fn.jaro_winkler(fl, fr)} >= 0.9",
            label_for_charts="first name JW >= 0.9",
        ),
        cll.CustomLevel(f"{il} = {ir} AND length({il}) >= 2", label_for_charts="two or more initials equal"),
        cll.CustomLevel(
            f"{fn.starts_with(il, ir)} OR {fn.starts_with(ir, il)}", label_for_charts="initials compatible"
        ),
        cll.CustomLevel(f"substr({il}, 1, 1) = substr({ir}, 1, 1)", label_for_charts="first initial equal"),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(comparison_levels=levels, output_column_name=output)


def birth_date_comparison(
    full: str, year: str, month: str, day: str, *, output: str = "geboortedatum", dialect: Dialect = "duckdb"
) -> ComparisonCreator:
    """Birth dates with partial dates (year only) and day-month swaps.

    Levels: exact; day and month swapped; one side known to the year only and the years agree;
    one character apart (a typo); same year; else. Null when either year is unknown.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    dl = sql_functions(dialect).damerau_levenshtein(f"{full}_l", f"{full}_r")
    same_year = f"{year}_l = {year}_r"
    levels: list[Any] = [
        cll.CustomLevel(f"{year}_l IS NULL OR {year}_r IS NULL", label_for_charts="null").configure(
            is_null_level=True
        ),
        cll.CustomLevel(f"{full}_l = {full}_r", label_for_charts="exact"),
        cll.CustomLevel(
            f"{same_year} AND {month}_l = {day}_r AND {day}_l = {month}_r",
            label_for_charts="day-month swapped",
        ),
        cll.CustomLevel(
            f"{same_year} AND ({month}_l IS NULL OR {month}_r IS NULL)", label_for_charts="partial, same year"
        ),
        cll.CustomLevel(f"{dl} <= 1", label_for_charts="one character apart"),
        cll.CustomLevel(same_year, label_for_charts="same year"),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(comparison_levels=levels, output_column_name=output)


def array_overlap_comparison(
    col: str,
    no_overlap_cases: Sequence[tuple[str, str]] = (),
    *,
    uninformative: Sequence[tuple[str, str]] = (),
    dialect: Dialect = "duckdb",
) -> ComparisonCreator:
    """Any shared element (e.g. a shared verblijfsobject) or not; null when either list is empty.

    Args:
        col: The list column.
        no_overlap_cases: ``(sql condition, label)`` levels that split the pairs without overlap
            by how informative the disagreement is (an officer's business address, an owner's
            portfolio), each with its own m and u; the rest fall to the last level.
        uninformative: ``(sql condition, label)`` of pairs without overlap whose disagreement is
            no evidence either way (Bayes factor 1, like a missing value): two ownership rights
            of one owner are two objects by definition.
        dialect: The SQL dialect of the conditions (``len`` is ``size`` in Spark).
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    n = sql_functions(dialect).list_len
    levels: list[Any] = [
        cll.CustomLevel(
            f"{col}_l IS NULL OR {col}_r IS NULL OR {n(col + '_l')} = 0 OR {n(col + '_r')} = 0",
            label_for_charts="null",
        ).configure(is_null_level=True),
        cll.ArrayIntersectLevel(col, 1),
    ]
    levels += [
        cll.CustomLevel(sql, label_for_charts=label).configure(is_null_level=True)
        for sql, label in uninformative
    ]
    levels += [cll.CustomLevel(sql, label_for_charts=label) for sql, label in no_overlap_cases]
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(comparison_levels=levels, output_column_name=col)


def make_linker(
    db_api: DatabaseAPISubClass, frames: dict[str, pl.DataFrame], settings: dict[str, Any] | Any
) -> Linker:
    """Register the frames (one per source) with the database API and build the linker."""
    from splink import Linker

    sdfs = [db_api.register(df.to_arrow(), table_name=name) for name, df in frames.items()]
    # log_level=None: Splink's default (INFO) would undo quiet_splink and print its timings
    return Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=None)


def register_term_frequencies(
    db_api: DatabaseAPISubClass, linker: Linker, col: str, table: pl.DataFrame, *, prefix: str = ""
) -> None:
    """Use ``table`` (``col, tf_<col>``) as the term frequencies of ``col`` instead of counting rows.

    ``prefix`` names the registered table apart when a second linker shares the database.
    """
    sdf = db_api.register(table.to_arrow(), table_name=f"__{prefix}tf_{col}")
    linker.table_management.register_term_frequency_lookup(sdf, col)


@dataclass(frozen=True)
class TrainingPlan:
    """How to train a model: the steps the person linkage and the benchmark share.

    Attributes:
        deterministic_rules: High-precision rules to estimate the probability that two random
            records match (``estimate_probability_two_random_records_match``).
        recall: The assumed recall of those rules.
        em_rules: Blocking rules for the expectation-maximisation rounds (each estimates the m of
            the comparisons its rule does not use).
        max_pairs_u: Pairs sampled for the u estimates.
        seed: Seed of the u sampling.
    """

    deterministic_rules: Sequence[str]
    recall: float
    em_rules: Sequence[str]
    max_pairs_u: int
    seed: int


def train(linker: Linker, plan: TrainingPlan) -> None:
    """λ from deterministic rules, u by random sampling, m by EM on each blocking rule."""
    linker.training.estimate_probability_two_random_records_match(
        list(plan.deterministic_rules), recall=plan.recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=plan.max_pairs_u, seed=plan.seed)
    for rule in plan.em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def count_pairs(
    db_api: DatabaseAPISubClass,
    frames: dict[str, pl.DataFrame],
    rules: Sequence[str],
    link_type: str,
    unique_id: str,
) -> list[dict[str, Any]]:
    """Exact candidate-pair counts per blocking rule (marginal and cumulative)."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    sdfs = [db_api.register(df.to_arrow(), table_name=f"__count_{name}") for name, df in frames.items()]
    records = count_comparisons_from_blocking_rules(
        sdfs if len(sdfs) > 1 else sdfs[0],
        blocking_rules=list(rules),
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name=unique_id,
        record_sample_proportion=1.0,
    )
    return [
        {
            "rule": str(r["blocking_rule"]),
            "marginal": int(r["marginal_comparison_count"]),
            "cumulative": int(r["cumulative_comparison_count"]),
        }
        for r in records
    ]


def predict_pairs(linker: Linker, threshold_probability: float) -> pl.DataFrame:
    """Scored pairs at or above ``threshold_probability``, as a polars frame."""
    df = linker.inference.predict(threshold_match_probability=threshold_probability)
    try:
        return to_polars(df)
    finally:
        df.drop_table_from_database_and_remove_from_cache()


#: Keys of a Splink settings dict that hold SQL, and so depend on the dialect.
_SQL_KEYS = ("sql_condition",)


def with_sql_of(model: dict[str, Any], skeleton: dict[str, Any]) -> dict[str, Any]:
    """``model``'s parameters with ``skeleton``'s SQL: a trained model moved to another dialect.

    The two must describe the same comparisons level for level (as :func:`linkage.persons.person_settings`
    does for each dialect); the λ, every m and u, the term-frequency settings and the training
    record come from ``model``, the level conditions, blocking rules and dialect from ``skeleton``.

    Raises:
        ValueError: The two have different comparisons or levels.
    """
    out = copy.deepcopy(model)
    comps, target = out.get("comparisons", []), skeleton.get("comparisons", [])
    if len(comps) != len(target):
        raise ValueError(f"the model has {len(comps)} comparisons, the settings {len(target)}")
    for comp, tgt in zip(comps, target, strict=True):
        levels, tlevels = comp["comparison_levels"], tgt["comparison_levels"]
        if comp.get("output_column_name") != tgt.get("output_column_name") or len(levels) != len(tlevels):
            raise ValueError(f"comparison {comp.get('output_column_name')!r} differs from the settings")
        for level, tlevel in zip(levels, tlevels, strict=True):
            for key in _SQL_KEYS:
                if key in tlevel:
                    level[key] = tlevel[key]
    out["blocking_rules_to_generate_predictions"] = copy.deepcopy(
        skeleton.get("blocking_rules_to_generate_predictions", [])
    )
    if "sql_dialect" in skeleton:
        out["sql_dialect"] = skeleton["sql_dialect"]
    return out


def no_level_below_disagreement(model: dict[str, Any]) -> list[str]:
    """Raise every level's Bayes factor to at least its comparison's "all other" level's.

    A near-agreement (a birth date one character apart, a surname with Jaro-Winkler 0.8) is never
    stronger evidence against a match than complete disagreement; EM can learn that it is when a
    level's pairs are few and mostly non-matches in the blocked sample (one world learned about
    -20 for "one character apart" against -3 for "all other"). Null levels are left alone.

    Args:
        model: A trained Splink settings dict; changed in place.

    Returns:
        ``comparison: level`` for every level that was raised.
    """
    raised: list[str] = []
    for comp in model.get("comparisons", []):
        levels = [lvl for lvl in comp["comparison_levels"] if not lvl.get("is_null_level", False)]
        if len(levels) < 2:
            continue
        floor = _bayes_factor(levels[-1])
        if floor is None:
            continue
        for lvl in levels[:-1]:
            bf = _bayes_factor(lvl)
            if bf is not None and bf < floor:
                lvl["m_probability"] = floor * float(lvl["u_probability"])
                raised.append(f"{comp.get('output_column_name')}: {lvl.get('label_for_charts')}")
    return raised


def _bayes_factor(level: dict[str, Any]) -> float | None:
    m, u = level.get("m_probability"), level.get("u_probability")
    if m is None or u is None or u <= 0:
        return None
    return float(m) / float(u)


def probability_from_weight(weight: float) -> float:
    """``2^w / (1 + 2^w)``."""
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def charts(linker: Linker) -> dict[str, str]:
    """Vega-Lite specifications (JSON) of the match-weights chart and the m/u parameters chart.

    Specifications, not HTML: they carry only the chart's data, and render offline to PNG
    (``vl-convert``) for MLflow, without embedding a JavaScript library in every artifact.
    """
    out: dict[str, str] = {}
    for name, make in (
        ("match_weights", linker.visualisations.match_weights_chart),
        ("m_u_parameters", linker.visualisations.m_u_parameters_chart),
    ):
        chart = make()
        out[name] = json.dumps(chart.chart_dict)
    return out
