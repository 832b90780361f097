"""Ranking metrics for a list that a working group can only work through from the top."""

from __future__ import annotations

import polars as pl

__all__ = ["K_VALUES", "precision_recall_at_k"]

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
