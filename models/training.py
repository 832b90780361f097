"""Turning partial, biased investigation outcomes into a training set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from models.signal_model import CLASSES

__all__ = ["TrainingSet", "labels_from_outcomes", "latest_investigations", "training_set"]


@dataclass(frozen=True)
class TrainingSet:
    """Rows to train on: features, class index, weight, and where each row came from."""

    X: pl.DataFrame
    y: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    ids: list[str]
    n_labelled: int
    n_unlabelled: int


def latest_investigations(outcomes: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """Per investigated object its latest investigation before the peildatum.

    Returns:
        ``verblijfsobject_id, datum_onderzoek, fenomeen, uitkomst``.
    """
    return (
        outcomes.filter(pl.col("datum_onderzoek") < peildatum)
        .sort("datum_onderzoek", "fenomeen")
        .group_by("verblijfsobject_id")
        .agg(pl.col("datum_onderzoek", "fenomeen", "uitkomst").last())
    )


def labels_from_outcomes(outcomes: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """One label per investigated object: what its latest investigation found.

    The phenomenon when the latest investigation (before the peildatum) confirmed it; ``geen`` when
    it found nothing, also if an earlier one had confirmed something (that was dealt with).
    """
    return (
        latest_investigations(outcomes, peildatum)
        .select(
            "verblijfsobject_id",
            pl.when(pl.col("uitkomst") == "bevestigd")
            .then(pl.col("fenomeen"))
            .otherwise(pl.lit("geen"))
            .alias("label"),
        )
        .sort("verblijfsobject_id")
    )


def training_set(
    features: pl.DataFrame,
    labels: pl.DataFrame,
    *,
    unlabelled_ratio: float,
    unlabelled_weight: float,
    seed: int,
) -> TrainingSet:
    """Investigated objects with their labels, plus a weighted sample of uninvestigated ones as ``geen``.

    Only investigated addresses have outcomes, and they were chosen because they looked suspicious;
    a model trained on them alone has never seen an ordinary address. A down-weighted random
    sample of uninvestigated objects, labelled ``geen``, anchors the low end of the ranking.
    """
    feature_cols = [c for c in features.columns if c != "verblijfsobject_id"]
    lab = features.join(labels, on="verblijfsobject_id", how="inner").sort("verblijfsobject_id")
    rest = features.join(labels, on="verblijfsobject_id", how="anti").sort("verblijfsobject_id")
    n_unl = min(rest.height, round(unlabelled_ratio * lab.height))
    unl = rest.sample(n=n_unl, seed=seed) if n_unl else rest.head(0)
    class_index = {c: i for i, c in enumerate(CLASSES)}
    y = np.concatenate(
        [
            lab["label"].replace_strict(class_index, return_dtype=pl.Int64).to_numpy(),
            np.zeros(unl.height, dtype=np.int64),
        ]
    ).astype(np.int64)
    w = np.concatenate([np.ones(lab.height), np.full(unl.height, unlabelled_weight)]).astype(np.float64)
    X = pl.concat([lab.select(feature_cols), unl.select(feature_cols)])
    ids = lab["verblijfsobject_id"].to_list() + unl["verblijfsobject_id"].to_list()
    return TrainingSet(X=X, y=y, weight=w, ids=ids, n_labelled=lab.height, n_unlabelled=unl.height)
