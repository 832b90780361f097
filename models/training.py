"""Turning partial, biased investigation outcomes into a training and a validation set.

- **Time-based split.** Investigations before ``cutoff`` train; later ones validate. The
  validation set is what the model would have ranked next, as it happened.
- **Features as of each investigation.** Each investigation is described by the features of the
  snapshot at the start of its quarter (every builder takes any date as its peildatum and ignores
  later events), so no row carries what happened after the visit. The alternative, every row at the
  peildatum, is kept as an option to measure (``snapshot = "peildatum"``).
- **Uninvestigated addresses.** Only investigated addresses have outcomes, and they were chosen
  because they looked suspicious; a model trained on them alone has never seen an ordinary
  address. A weighted random sample of addresses never investigated is added as ``geen``, each at
  a random training snapshot (positive-unlabelled learning with the unlabelled as weak negatives).
- **Selection correction.** Past investigations over-represent some buurten. Each investigated
  row is weighted by its buurt's share of addresses over its share of investigations (clipped to
  [0.25, 4], normalised to mean 1), which weights the labels towards the population.
- **Weak supervision.** A phenomenon with fewer than ``weak_min`` confirmed training labels gets
  weak positives: uninvestigated addresses where its rule fires at the cutoff, at a low weight.
- **What a visit that found nothing says.** An investigation looks for one phenomenon. When it
  confirms nothing, that is evidence against *that* phenomenon; about the others it says little
  (nobody looked for them). Each row keeps the phenomenon it was investigated for
  (``investigated_for``), so that :class:`models.SignalModel` can count such a row as a full negative
  for its own phenomenon only (``own_negatives``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from models.baseline import rule_flags
from models.signal_model import CLASSES
from vastgoed.core.schema import FENOMENEN

__all__ = [
    "TrainingChoices",
    "TrainingSet",
    "ValidationSet",
    "build_sets",
    "examples_from_outcomes",
    "latest_investigations",
    "quarter_start",
    "split_cutoff",
]

Snapshot = Literal["onderzoeksdatum", "peildatum"]
FeaturesAt = Callable[[dt.date], pl.DataFrame]


@dataclass(frozen=True)
class TrainingChoices:
    """How the training set is made; every choice is measured in the model card."""

    unlabelled_ratio: float = 5.0
    unlabelled_weight: float = 1.0
    buurt_weighting: bool = True
    weak_min: int = 30
    weak_weight: float = 0.5
    weak_max: int = 200
    snapshot: Snapshot = "onderzoeksdatum"
    validation_months: int = 12
    seed: int = 42


@dataclass(frozen=True)
class TrainingSet:
    """Rows to train on: features, class index, weight, and where each row came from."""

    X: pl.DataFrame
    y: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    labelled: npt.NDArray[np.bool_]
    #: Class index of the phenomenon each investigated row was investigated for; 0 for the others.
    investigated_for: npt.NDArray[np.int64]
    ids: list[str]
    n_labelled: int
    n_unlabelled: int
    n_weak: dict[str, int]


@dataclass(frozen=True)
class ValidationSet:
    """Investigations after the cutoff, with their features as of their own snapshot."""

    X: pl.DataFrame
    y: npt.NDArray[np.int64]
    ids: list[str]
    buurtcode: list[str]
    datum: list[dt.date]


def latest_investigations(outcomes: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """Per investigated object its latest investigation before the peildatum.

    Returns:
        ``verblijfsobject_id, datum_onderzoek, fenomeen, uitkomst``.
    """
    return (
        outcomes.filter(pl.col("datum_onderzoek") < peildatum)
        .sort("datum_onderzoek", "fenomeen", "uitkomst")
        .group_by("verblijfsobject_id")
        .agg(pl.col("datum_onderzoek", "fenomeen", "uitkomst").last())
        .sort("verblijfsobject_id")
    )


def quarter_start(d: dt.date) -> dt.date:
    """The first day of the quarter that contains ``d``."""
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def split_cutoff(peildatum: dt.date, validation_months: int) -> dt.date:
    """The date that separates training from validation investigations."""
    months = peildatum.year * 12 + peildatum.month - 1 - validation_months
    return dt.date(months // 12, months % 12 + 1, 1)


def examples_from_outcomes(outcomes: pl.DataFrame, peildatum: dt.date, snapshot: Snapshot) -> pl.DataFrame:
    """One example per investigation: ``verblijfsobject_id, datum_onderzoek, snapshot, label, onderzocht_op``.

    A visit that confirmed nothing is ``geen``: the inspector saw the dwelling. ``onderzocht_op`` is
    the phenomenon the investigation looked for. Two investigations of one object on one day are one
    example (a confirmation wins).
    """
    ex = (
        outcomes.filter(pl.col("datum_onderzoek") < peildatum)
        .with_columns(
            pl.when(pl.col("uitkomst") == "bevestigd")
            .then(pl.col("fenomeen"))
            .otherwise(pl.lit("geen"))
            .alias("label")
        )
        .sort("verblijfsobject_id", "datum_onderzoek", pl.col("label") == "geen", "label")
        .unique(["verblijfsobject_id", "datum_onderzoek"], keep="first", maintain_order=True)
    )
    snap = (
        pl.col("datum_onderzoek").map_elements(quarter_start, return_dtype=pl.Date)
        if snapshot == "onderzoeksdatum"
        else pl.lit(peildatum)
    )
    return ex.select(
        "verblijfsobject_id",
        "datum_onderzoek",
        snap.alias("snapshot"),
        "label",
        pl.col("fenomeen").alias("onderzocht_op"),
    )


def _features_for(examples: pl.DataFrame, features_at: FeaturesAt) -> pl.DataFrame:
    """The examples joined to the features of their own snapshot, in the examples' order."""
    ex = examples.with_row_index("_i")
    if ex.height == 0:
        return ex.drop("_i").join(
            features_at(dt.date(2000, 1, 1)).head(0), on="verblijfsobject_id", how="left"
        )
    parts = []
    for (d,), group in ex.group_by(["snapshot"], maintain_order=True):
        assert isinstance(d, dt.date)
        parts.append(group.join(features_at(d), on="verblijfsobject_id", how="left"))
    return pl.concat(parts).sort("_i").drop("_i")


def _buurt_weights(labelled: pl.DataFrame, buurten: pl.DataFrame) -> npt.NDArray[np.float64]:
    """Population share over investigation share of each labelled row's buurt, clipped, mean 1."""
    pop = buurten.group_by("buurtcode").len("n_pop").with_columns(pl.col("n_pop") / pl.col("n_pop").sum())
    inv = labelled.group_by("buurtcode").len("n_inv").with_columns(pl.col("n_inv") / pl.col("n_inv").sum())
    w = (
        labelled.select("buurtcode")
        .join(pop.join(inv, on="buurtcode"), on="buurtcode", how="left", maintain_order="left")
        .select((pl.col("n_pop") / pl.col("n_inv")).fill_null(1.0).clip(0.25, 4.0))
        .to_series()
        .to_numpy()
    )
    return np.asarray(w / w.mean(), dtype=np.float64) if len(w) else np.ones(0)


def build_sets(
    outcomes: pl.DataFrame,
    features_at: FeaturesAt,
    buurten: pl.DataFrame,
    peildatum: dt.date,
    choices: TrainingChoices,
) -> tuple[TrainingSet, ValidationSet, dt.date]:
    """The training set, the validation set and the cutoff between them.

    Args:
        outcomes: ``onderzoeksuitkomsten``.
        features_at: The feature table as of a date (``verblijfsobject_id`` + the catalogue).
        buurten: ``verblijfsobject_id, buurtcode`` of every object.
        peildatum: The run's peildatum.
        choices: How the set is made.
    """
    rng = np.random.default_rng(choices.seed)
    cutoff = split_cutoff(peildatum, choices.validation_months)
    examples = examples_from_outcomes(outcomes, peildatum, choices.snapshot).join(
        buurten, on="verblijfsobject_id", how="left", maintain_order="left"
    )
    feature_cols = [c for c in features_at(peildatum).columns if c != "verblijfsobject_id"]
    class_index = {c: i for i, c in enumerate(CLASSES)}

    train_ex = examples.filter(pl.col("datum_onderzoek") < cutoff)
    val_ex = examples.filter(pl.col("datum_onderzoek") >= cutoff)
    lab = _features_for(train_ex, features_at)
    w_lab = _buurt_weights(lab, buurten) if choices.buurt_weighting else np.ones(lab.height)

    # Addresses not investigated before the cutoff, at random training snapshots. Those investigated
    # in the validation period stay in the pool: at training time nobody knew they would be.
    investigated = train_ex["verblijfsobject_id"].unique()
    pool = buurten.filter(~pl.col("verblijfsobject_id").is_in(investigated.implode())).sort(
        "verblijfsobject_id"
    )
    snaps = sorted(set(train_ex["snapshot"].to_list())) or [cutoff]
    at_cutoff = features_at(snaps[-1])
    weak_parts: list[pl.DataFrame] = []
    n_weak: dict[str, int] = {}
    flags = rule_flags(at_cutoff.drop("verblijfsobject_id")).with_columns(at_cutoff["verblijfsobject_id"])
    flags = flags.join(pool.select("verblijfsobject_id"), on="verblijfsobject_id", how="semi")
    taken: set[str] = set()
    for f in FENOMENEN:
        n_conf = int((lab["label"] == f).sum())
        if n_conf >= choices.weak_min:
            continue
        fired = flags.filter(pl.col(f"regel_{f}") == 1.0)["verblijfsobject_id"].sort().to_list()
        fired = [i for i in fired if i not in taken]
        k = min(len(fired), choices.weak_max)
        chosen = sorted(rng.choice(fired, size=k, replace=False).tolist()) if k else []
        taken.update(chosen)
        n_weak[f] = k
        if chosen:
            weak_parts.append(
                at_cutoff.filter(pl.col("verblijfsobject_id").is_in(chosen)).with_columns(
                    pl.lit(f).alias("label")
                )
            )
    rest = pool.filter(~pl.col("verblijfsobject_id").is_in(list(taken)))
    n_unl = min(rest.height, round(choices.unlabelled_ratio * lab.height))
    idx = (
        np.sort(rng.choice(rest.height, size=n_unl, replace=False)) if n_unl else np.zeros(0, dtype=np.int64)
    )
    unl_ex = rest[idx.tolist()].select(
        "verblijfsobject_id",
        pl.Series("snapshot", [snaps[i] for i in rng.integers(0, len(snaps), size=n_unl)], dtype=pl.Date),
        pl.lit("geen").alias("label"),
    )
    unl = _features_for(unl_ex, features_at) if n_unl else unl_ex.head(0)
    weak = pl.concat(weak_parts) if weak_parts else None

    inv_for = (
        lab["onderzocht_op"]
        .replace_strict(class_index, default=0, return_dtype=pl.Int64)
        .to_numpy()
        .astype(np.int64)
    )
    frames = [lab.select("verblijfsobject_id", "label", *feature_cols)]
    weights = [w_lab]
    if weak is not None:
        frames.append(weak.select("verblijfsobject_id", "label", *feature_cols))
        weights.append(np.full(weak.height, choices.weak_weight))
    if n_unl:
        frames.append(unl.select("verblijfsobject_id", "label", *feature_cols))
        weights.append(np.full(n_unl, choices.unlabelled_weight))
    allrows = pl.concat(frames)
    y = allrows["label"].replace_strict(class_index, return_dtype=pl.Int64).to_numpy().astype(np.int64)
    labelled = np.zeros(allrows.height, dtype=bool)
    labelled[: lab.height] = True
    ts = TrainingSet(
        X=allrows.select(feature_cols),
        y=y,
        weight=np.concatenate(weights).astype(np.float64),
        labelled=labelled,
        investigated_for=np.concatenate([inv_for, np.zeros(allrows.height - lab.height, dtype=np.int64)]),
        ids=allrows["verblijfsobject_id"].to_list(),
        n_labelled=lab.height,
        n_unlabelled=n_unl,
        n_weak=n_weak,
    )
    val = _features_for(val_ex, features_at)
    vs = ValidationSet(
        X=val.select(feature_cols),
        y=val["label"].replace_strict(class_index, return_dtype=pl.Int64).to_numpy().astype(np.int64),
        ids=val["verblijfsobject_id"].to_list(),
        buurtcode=val["buurtcode"].fill_null("").to_list(),
        datum=val["datum_onderzoek"].to_list(),
    )
    return ts, vs, cutoff
