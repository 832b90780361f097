"""Linkage quality against a known truth: pairwise person metrics, address and company precision.

Pairwise counts are computed from cluster sizes, never by listing pairs: within a group of records
that share a cluster, ``n_s · n_t`` pairs join sources ``s`` and ``t`` (``n_s (n_s − 1) / 2`` when
``s = t``). True positives are the pairs that share both the predicted and the true cluster.
"""

from __future__ import annotations

import polars as pl

__all__ = ["address_quality", "company_quality", "pairwise_quality"]


def _bron(record: pl.Expr) -> pl.Expr:
    return record.str.split(":").list.first()


def _pair_counts(df: pl.DataFrame, by: list[str], name: str) -> pl.DataFrame:
    g = df.group_by([*by, "bron"]).len("n").with_columns(pl.col("bron").cast(pl.String))
    a = g.rename({"bron": "bron_a", "n": "n_a"})
    b = g.rename({"bron": "bron_b", "n": "n_b"})
    joined = a.join(b, on=by).filter(pl.col("bron_a") <= pl.col("bron_b"))
    pairs = (
        pl.when(pl.col("bron_a") == pl.col("bron_b"))
        .then(pl.col("n_a") * (pl.col("n_a") - 1) // 2)
        .otherwise(pl.col("n_a") * pl.col("n_b"))
    )
    return joined.group_by("bron_a", "bron_b").agg(pairs.cast(pl.Int64).sum().alias(name))


def _prf(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("tp") / pl.col("predicted")).alias("precision"),
        (pl.col("tp") / pl.col("true")).alias("recall"),
    ).with_columns(
        (2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall"))).alias("f1")
    )


def pairwise_quality(predicted: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Pairwise precision, recall and F1 per source pair, plus overall rows.

    Args:
        predicted: ``record, persoon_id`` (the engine's clusters).
        truth: ``record, persoon_id`` (the true persons).

    Returns:
        ``bron_a, bron_b, tp, predicted, true, precision, recall, f1``; the rows ``alle`` / ``alle``
        (every pair) and ``alle`` / ``zonder_brp_brp`` (without the BRP–BRP pairs, which the
        pseudonymised BSN decides) come last. Only records in both frames count.
    """
    # persons as integer codes and the source as a category: a country has 64M records
    df = (
        truth.select("record", pl.col("persoon_id").alias("_e"))
        .join(predicted.select("record", pl.col("persoon_id").alias("_c")), on="record")
        .select(
            pl.col("_e").rank("dense").cast(pl.UInt32),
            pl.col("_c").rank("dense").cast(pl.UInt32),
            _bron(pl.col("record")).cast(pl.Categorical).alias("bron"),
        )
    )
    tp = _pair_counts(df, ["_c", "_e"], "tp")
    pred = _pair_counts(df, ["_c"], "predicted")
    true = _pair_counts(df, ["_e"], "true")
    per = (
        pred.join(true, on=["bron_a", "bron_b"], how="full", coalesce=True)
        .join(tp, on=["bron_a", "bron_b"], how="left")
        .fill_null(0)
        .sort("bron_a", "bron_b")
    )
    both_brp = (pl.col("bron_a") == "brp_inschrijvingen") & (pl.col("bron_b") == "brp_inschrijvingen")
    totals = pl.concat(
        [
            per.select(
                pl.lit("alle").alias("bron_a"),
                pl.lit("alle").alias("bron_b"),
                pl.col("tp", "predicted", "true").sum(),
            ),
            per.filter(~both_brp).select(
                pl.lit("alle").alias("bron_a"),
                pl.lit("zonder_brp_brp").alias("bron_b"),
                pl.col("tp", "predicted", "true").sum(),
            ),
        ]
    )
    return _prf(pl.concat([per.select("bron_a", "bron_b", "tp", "predicted", "true"), totals]))


def address_quality(links: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Address-match precision and coverage per source.

    Args:
        links: ``record, verblijfsobject_id`` of the engine.
        truth: ``record, verblijfsobject_id, afgeschermd`` (true object; whether the record is matchable).

    Returns:
        ``bron, records, matchable, matched, correct, precision, coverage`` per source and ``alle``;
        coverage is the share of matchable records that were matched.
    """
    df = truth.join(
        links.select("record", pl.col("verblijfsobject_id").alias("_p")), on="record", how="left"
    ).with_columns(
        _bron(pl.col("record")).alias("bron"),
        (~pl.col("afgeschermd").cast(pl.Boolean)).alias("_matchable"),
    )
    agg = [
        pl.len().alias("records"),
        pl.col("_matchable").sum().alias("matchable"),
        pl.col("_p").is_not_null().sum().alias("matched"),
        (pl.col("_p") == pl.col("verblijfsobject_id")).fill_null(False).sum().alias("correct"),
        (pl.col("_p").is_not_null() & pl.col("_matchable")).sum().alias("_matched_matchable"),
    ]
    per = pl.concat(
        [df.group_by("bron").agg(agg).sort("bron"), df.select(pl.lit("alle").alias("bron"), *agg)]
    )
    return per.with_columns(
        (pl.col("correct") / pl.col("matched")).alias("precision"),
        (pl.col("_matched_matchable") / pl.col("matchable")).alias("coverage"),
    ).drop("_matched_matchable")


def company_quality(links: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Company-link precision and recall per source: ``bron, true, linked, correct, precision, recall``."""
    df = truth.join(
        links.select("record", pl.col("kvk_nummer").alias("_p")), on="record", how="full", coalesce=True
    )
    df = df.with_columns(_bron(pl.col("record")).alias("bron"))
    agg = [
        pl.col("kvk_nummer").is_not_null().sum().alias("true"),
        pl.col("_p").is_not_null().sum().alias("linked"),
        (pl.col("_p") == pl.col("kvk_nummer")).fill_null(False).sum().alias("correct"),
    ]
    per = pl.concat(
        [df.group_by("bron").agg(agg).sort("bron"), df.select(pl.lit("alle").alias("bron"), *agg)]
    )
    return per.with_columns(
        (pl.col("correct") / pl.col("linked")).alias("precision"),
        (pl.col("correct") / pl.col("true")).alias("recall"),
    )
