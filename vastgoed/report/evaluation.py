"""Evaluation of a run against the synthetic truth: precision@k and recall@k, model vs. rule baseline.

Overall, an object counts as a hit when the truth gives it any phenomenon; the ranking is by
``score``. Per fenomeen, the ranking is by that phenomenon's own score and a hit is an object whose
true phenomenon is that one. The rule baseline is computed from the run's own features.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from models import K_VALUES, baseline_scores, precision_recall_at_k
from vastgoed.core.errors import DataError
from vastgoed.core.schema import FENOMENEN

__all__ = ["Evaluation", "evaluate_run"]


@dataclass(frozen=True)
class Evaluation:
    """``ranking, fenomeen, k, hits, precision, recall`` for the model and the baseline."""

    table: pl.DataFrame
    n_positives: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"n_positives": self.n_positives, "rows": self.table.to_dicts()}


def _read_truth(truth_dir: Path) -> pl.DataFrame:
    path = truth_dir / "adressen.csv"
    if not path.exists():
        raise DataError(str(path), "truth file not found")
    return pl.read_csv(path, schema_overrides={"verblijfsobject_id": pl.String, "fenomeen": pl.String})


def _rank(frame: pl.DataFrame, score_col: str) -> list[str]:
    return (
        frame.filter(pl.col(score_col) > 0)
        .sort([score_col, "verblijfsobject_id"], descending=[True, False])["verblijfsobject_id"]
        .to_list()
    )


def evaluate_run(run_dir: Path, truth_dir: Path, ks: tuple[int, ...] = K_VALUES) -> Evaluation:
    """Evaluate ``run_dir`` against ``truth_dir`` and write ``evaluatie.json`` into the run.

    Raises:
        DataError: when the run or truth files are missing.
    """
    for name in ("signals.parquet", "features.parquet"):
        if not (run_dir / name).exists():
            raise DataError(str(run_dir / name), "not found: is this a run folder?")
    signals = pl.read_parquet(run_dir / "signals.parquet")
    base = baseline_scores(pl.read_parquet(run_dir / "features.parquet"))
    truth = _read_truth(truth_dir).filter(pl.col("fenomeen").is_not_null() & (pl.col("fenomeen") != ""))
    positives = {"alle": set(truth["verblijfsobject_id"].to_list())}
    for f in FENOMENEN:
        positives[f] = set(truth.filter(pl.col("fenomeen") == f)["verblijfsobject_id"].to_list())

    parts = []
    for ranking, frame in (("model", signals), ("baseline", base)):
        for f in ("alle", *FENOMENEN):
            col = "score" if f == "alle" else f"score_{f}"
            table = precision_recall_at_k(_rank(frame, col), positives[f], ks)
            parts.append(table.with_columns(pl.lit(ranking).alias("ranking"), pl.lit(f).alias("fenomeen")))
    result = Evaluation(
        table=pl.concat(parts).select("ranking", "fenomeen", "k", "hits", "precision", "recall"),
        n_positives={k: len(v) for k, v in positives.items()},
    )
    tmp = run_dir / ".evaluatie.json.tmp"
    tmp.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    os.replace(tmp, run_dir / "evaluatie.json")
    return result
