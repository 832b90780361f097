"""Ranking metrics for a list that a working group can only work through from the top."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.metrics import average_precision_score, brier_score_loss

__all__ = [
    "K_VALUES",
    "average_precision",
    "calibration_per_buurt",
    "calibration_table",
    "expected_calibration_error",
    "per_buurt",
    "precision_recall_at_k",
    "ranking_summary",
]

K_VALUES = (50, 100, 200, 500)


def precision_recall_at_k(
    ranked_ids: list[str], positives: set[str], ks: tuple[int, ...] = K_VALUES
) -> pl.DataFrame:
    """Precision@k and recall@k of a ranking against a set of true positives.

    Args:
        ranked_ids: Object ids, best first.
        positives: The ids that are truly positive.
        ks: Cut-offs.

    Returns:
        ``k, hits, precision, recall`` per cut-off; recall is null when there are no positives.
    """
    rows = []
    for k in ks:
        hits = sum(1 for i in ranked_ids[:k] if i in positives)
        denom = min(k, len(ranked_ids))
        rows.append(
            {
                "k": k,
                "hits": hits,
                "precision": hits / denom if denom else None,
                "recall": hits / len(positives) if positives else None,
            }
        )
    return pl.DataFrame(
        rows, schema={"k": pl.Int64, "hits": pl.Int64, "precision": pl.Float64, "recall": pl.Float64}
    )


def average_precision(y: npt.ArrayLike, score: npt.ArrayLike) -> float | None:
    """Average precision of the whole ranking by ``score``; None without positives.

    Ties are broken by order of appearance in scikit-learn's sense (its step-wise definition).
    """
    yy = np.asarray(y, dtype=bool)
    if not yy.any():
        return None
    return float(average_precision_score(yy, np.asarray(score, dtype=np.float64)))


def calibration_table(y: npt.ArrayLike, prob: npt.ArrayLike, n_bins: int = 10) -> pl.DataFrame:
    """Reliability per probability bin: ``bin_lo, bin_hi, n, mean_predicted, observed``.

    Quantile bins, so each holds about the same number of rows (fixed-width bins are mostly empty
    when nearly every address scores near zero). Empty bins are left out.
    """
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(prob, dtype=np.float64)
    if len(pp) == 0:
        return pl.DataFrame(
            schema={
                "bin_lo": pl.Float64,
                "bin_hi": pl.Float64,
                "n": pl.Int64,
                "mean_predicted": pl.Float64,
                "observed": pl.Float64,
            }
        )
    edges = np.unique(np.quantile(pp, np.linspace(0, 1, n_bins + 1)))
    idx = np.clip(np.searchsorted(edges, pp, side="right") - 1, 0, max(len(edges) - 2, 0))
    rows = []
    for b in range(max(len(edges) - 1, 1)):
        m = idx == b
        if not m.any():
            continue
        rows.append(
            {
                "bin_lo": float(edges[b]),
                "bin_hi": float(edges[min(b + 1, len(edges) - 1)]),
                "n": int(m.sum()),
                "mean_predicted": float(pp[m].mean()),
                "observed": float(yy[m].mean()),
            }
        )
    return pl.DataFrame(rows)


def expected_calibration_error(table: pl.DataFrame) -> float | None:
    """Row-weighted mean of ``|mean_predicted - observed|`` over a :func:`calibration_table`."""
    if table.is_empty():
        return None
    n = table["n"].to_numpy().astype(np.float64)
    gap = np.abs(table["mean_predicted"].to_numpy() - table["observed"].to_numpy())
    return float((n * gap).sum() / n.sum())


def calibration_per_buurt(
    frame: pl.DataFrame, *, score: str = "score", label: str = "y", n_bins: int = 5
) -> pl.DataFrame:
    """A calibration curve per buurt: :func:`calibration_table` within each buurt, stacked.

    Fewer bins than overall (default 5), because a buurt holds a few hundred addresses. Columns:
    ``buurtcode, bin, bin_lo, bin_hi, n, mean_predicted, observed``.
    """
    parts = []
    for (buurt,), g in frame.group_by(["buurtcode"], maintain_order=True):
        t = calibration_table(g[label].to_numpy(), g[score].to_numpy(), n_bins=n_bins)
        if t.height:
            parts.append(t.with_row_index("bin").with_columns(pl.lit(buurt, pl.String).alias("buurtcode")))
    cols = ["buurtcode", "bin", "bin_lo", "bin_hi", "n", "mean_predicted", "observed"]
    if not parts:
        return pl.DataFrame(
            schema={
                "buurtcode": pl.String,
                "bin": pl.UInt32,
                "bin_lo": pl.Float64,
                "bin_hi": pl.Float64,
                "n": pl.Int64,
                "mean_predicted": pl.Float64,
                "observed": pl.Float64,
            }
        )
    return pl.concat(parts).select(cols).sort("buurtcode", "bin")


def ranking_summary(
    y: npt.ArrayLike, score: npt.ArrayLike, ks: tuple[int, ...] = K_VALUES
) -> dict[str, float | None]:
    """``average_precision``, ``brier`` and ``precision@k`` / ``recall@k`` of one ranking.

    Ties in ``score`` are broken by position (callers pass rows in a stable order).
    """
    yy = np.asarray(y, dtype=bool)
    ss = np.asarray(score, dtype=np.float64)
    order = np.argsort(-ss, kind="stable")
    n_pos = int(yy.sum())
    out: dict[str, float | None] = {
        "n": float(len(yy)),
        "positives": float(n_pos),
        "average_precision": average_precision(yy, ss),
        "brier": float(brier_score_loss(yy, np.clip(ss, 0, 1))) if len(yy) and n_pos else None,
    }
    for k in ks:
        top = yy[order[:k]]
        out[f"precision@{k}"] = float(top.mean()) if len(top) else None
        out[f"recall@{k}"] = float(top.sum() / n_pos) if n_pos else None
    return out


def per_buurt(frame: pl.DataFrame, *, score: str = "score", label: str = "y", k: int = 200) -> pl.DataFrame:
    """Per buurt: top-``k`` precision and recall, AP, and calibration in brief.

    Columns: objects, positives, signals in the overall top ``k``, precision and recall there, AP,
    mean predicted against observed rate, and the expected calibration error of the buurt's own
    5-bin curve (the curve itself: :func:`calibration_per_buurt`).

    Args:
        frame: ``buurtcode``, the score column and a boolean label column, one row per object.
        score: The score column.
        label: The label column.
        k: The working group's capacity: the overall top ``k`` is the list.
    """
    ranked = frame.sort([score, "verblijfsobject_id"], descending=[True, False]).with_row_index("_r")
    rows = []
    for (buurt,), g in ranked.group_by(["buurtcode"], maintain_order=False):
        y = g[label].to_numpy().astype(bool)
        in_top = (g["_r"] < k).to_numpy()
        n_pos = int(y.sum())
        rows.append(
            {
                "buurtcode": buurt,
                "objecten": g.height,
                "positief": n_pos,
                "in_top_k": int(in_top.sum()),
                "precision_at_k": float(y[in_top].mean()) if in_top.any() else None,
                "recall_at_k": float((y & in_top).sum() / n_pos) if n_pos else None,
                "average_precision": average_precision(y, g[score].to_numpy()),
                "mean_predicted": float(g[score].mean()),  # type: ignore[arg-type]
                "observed": float(y.mean()),
                "ece": expected_calibration_error(calibration_table(y, g[score].to_numpy(), n_bins=5)),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "buurtcode": pl.String,
            "objecten": pl.Int64,
            "positief": pl.Int64,
            "in_top_k": pl.Int64,
            "precision_at_k": pl.Float64,
            "recall_at_k": pl.Float64,
            "average_precision": pl.Float64,
            "mean_predicted": pl.Float64,
            "observed": pl.Float64,
            "ece": pl.Float64,
        },
    ).sort("buurtcode")
