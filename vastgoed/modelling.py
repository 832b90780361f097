"""Training, validation, the champion decision, scoring and explanation: the model stages of a run.

The pipeline calls these in order; the experiment runner (:mod:`vastgoed.experiment`) calls
:func:`train_model` once per variant. Nothing here reads files: tables in, tables out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from features import FeatureInputs, build_features, catalogue, feature_set_hash
from features.facts import fact
from models import (
    LogisticSignalModel,
    RuleRanker,
    SignalModel,
    TrainingChoices,
    ValidationSet,
    baseline_scores,
    build_sets,
    calibration_per_buurt,
    calibration_table,
    explain,
    per_buurt,
    ranking_summary,
    split_cutoff,
)
from models.explain import REASON_SCHEMA, Reason, reasons_text
from vastgoed.core.binding import ModelBinding, mismatch_text
from vastgoed.core.config import Config, ModelConfig
from vastgoed.core.schema import FENOMENEN
from vastgoed.tracking import (
    MODEL_NAME,
    TrainedModel,
    champion_alias,
    champion_version,
    load_champion,
    log_training_run,
    note_version,
    promote,
)

__all__ = [
    "VALIDATION_KS",
    "ScoringModel",
    "TrainingReport",
    "explain_signals",
    "features_at",
    "label_shortfall",
    "model_hash",
    "register_and_decide",
    "score_objects",
    "train_model",
    "training_tables",
    "validation_metrics",
]

#: Cut-offs for precision@k among the validation investigations (a year holds about 150–200).
VALIDATION_KS = (25, 50, 100)

#: What ranks a run's list: a learned model, or the rules when there is too little to learn from.
ScoringModel = SignalModel | RuleRanker


def label_shortfall(outcomes: pl.DataFrame, peildatum: dt.date, min_confirmed: int) -> str | None:
    """Why the labels are too few to train a model on (in Dutch), or None when they are enough.

    Counted are the distinct confirmed (address, phenomenon) outcomes before the peildatum, the
    registry's and the analysts' verdicts together.
    """
    if outcomes.height == 0:
        return "er zijn geen uitkomsten van eerdere onderzoeken (onderzoeksuitkomsten ontbreekt of is leeg)"
    confirmed = (
        outcomes.filter((pl.col("uitkomst") == "bevestigd") & (pl.col("datum_onderzoek") < peildatum))
        .select("verblijfsobject_id", "fenomeen")
        .unique()
        .height
    )
    if confirmed >= min_confirmed:
        return None
    return (
        f"er zijn {confirmed} bevestigde onderzoeken, minder dan de {min_confirmed} die een geleerd "
        "model nodig heeft ([model] min_confirmed)"
    )


def features_at(inputs: FeatureInputs, at_peildatum: pl.DataFrame) -> Callable[[dt.date], pl.DataFrame]:
    """The feature table as of any date (cached); the peildatum's table is the one already built."""
    cache: dict[dt.date, pl.DataFrame] = {inputs.peildatum: at_peildatum}

    def at(day: dt.date) -> pl.DataFrame:
        if day not in cache:
            cache[day] = build_features(dataclasses.replace(inputs, peildatum=day))
        return cache[day]

    return at


def model_hash(model: ScoringModel) -> str:
    """A short hash of the fitted trees and calibration (or of the rules): equal hashes score identically."""
    if isinstance(model, RuleRanker):
        return model.version
    h = hashlib.sha256()
    for f, text in sorted(model.model_strings().items()):
        h.update(f.encode())
        h.update(text.encode())
    h.update(repr(sorted(model.platt_.items())).encode())
    h.update(repr(sorted(getattr(model, "cap_", {}).items())).encode())
    h.update(repr(sorted(getattr(model, "shrink_", {}).items())).encode())
    h.update(repr(sorted(getattr(model, "rule_evidence_", {}).items())).encode())
    h.update(repr(sorted(getattr(model, "rule_severity_range_", {}).items())).encode())
    h.update(repr(sorted(getattr(model, "rule_miss_rate_", {}).items())).encode())
    h.update(repr(getattr(model, "rule_spread", None)).encode())
    return "lgbm-" + h.hexdigest()[:12]


def choices_from(mc: ModelConfig) -> TrainingChoices:
    """The training-set choices of a model configuration."""
    return TrainingChoices(
        unlabelled_ratio=mc.unlabelled_negatives_ratio,
        unlabelled_weight=mc.unlabelled_weight,
        buurt_weighting=mc.buurt_weighting,
        weak_min=mc.weak_min,
        weak_weight=mc.weak_weight,
        weak_max=mc.weak_max,
        snapshot=mc.snapshot,
        validation_months=mc.validation_months,
        seed=mc.seed,
    )


def new_model(mc: ModelConfig) -> SignalModel:
    """An unfitted signal model with the configuration's parameters."""
    return SignalModel(
        num_boost_round=mc.num_boost_round,
        learning_rate=mc.learning_rate,
        num_leaves=mc.num_leaves,
        min_data_in_leaf=mc.min_data_in_leaf,
        num_threads=mc.num_threads,
        seed=mc.seed,
        monotone=mc.monotone,
        rule_inputs=mc.rule_inputs,
        calibrate=mc.calibrate,
        min_confirmed=mc.cap_min,
        shrinkage=mc.shrinkage,
        rule_prior=mc.rule_prior,
        rule_spread=mc.rule_spread,
        own_negatives=mc.own_negatives,
        other_weight=mc.unlabelled_weight,
    )


def validation_metrics(priority: np.ndarray, vs: ValidationSet) -> dict[str, float | None]:
    """Average precision, Brier and precision@k / recall@k of a priority on the validation set."""
    return ranking_summary(vs.y > 0, priority, ks=VALIDATION_KS)


@dataclass
class TrainingReport:
    """A trained model with what it was measured against, on the same validation data."""

    model: SignalModel
    model_hash: str
    cutoff: dt.date
    n_labelled: int
    n_unlabelled: int
    n_weak: dict[str, int]
    n_validation: int
    class_counts: dict[str, int]
    validation: dict[str, dict[str, float | None]]
    calibration: pl.DataFrame
    per_buurt: pl.DataFrame
    calibration_per_buurt: pl.DataFrame
    validation_set: ValidationSet
    data_hash: str
    champion: dict[str, Any] | None = None
    #: Labelled rows the scoring model was fitted on (all investigations before the peildatum when
    #: refit; else the time split's).
    n_labelled_scoring: int = 0

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary for ``run.json`` and the report."""
        return {
            "model_hash": self.model_hash,
            "cutoff": self.cutoff.isoformat(),
            "training_rows_labelled": self.n_labelled,
            "training_rows_unlabelled": self.n_unlabelled,
            "scoring_model_rows_labelled": self.n_labelled_scoring,
            "weak_labels": self.n_weak,
            "validation_rows": self.n_validation,
            "class_counts": self.class_counts,
            "validation": self.validation,
            "calibration": self.calibration.to_dicts(),
            "validation_per_buurt": self.per_buurt.to_dicts(),
            "validation_data_sha256": self.data_hash,
            "champion": self.champion,
        }

    def flat_metrics(self) -> dict[str, float]:
        """Metrics as MLflow wants them: ``<ranking>.<metric>``."""
        out: dict[str, float] = {}
        for ranking, m in self.validation.items():
            for k, v in m.items():
                if v is not None:
                    out[f"val.{ranking}.{k.replace('@', '_at_')}"] = float(v)
        return out


def _validation_hash(vs: ValidationSet) -> str:
    h = hashlib.sha256()
    h.update(vs.X.hash_rows().to_numpy().tobytes())
    h.update(vs.y.tobytes())
    h.update("\n".join(vs.ids).encode())
    return h.hexdigest()[:16]


def train_model(
    inputs: FeatureInputs,
    feats: pl.DataFrame,
    outcomes: pl.DataFrame,
    config: Config,
    *,
    at: Callable[[dt.date], pl.DataFrame] | None = None,
    drop_features: frozenset[str] = frozenset(),
) -> TrainingReport:
    """Train the signal model on the time split and measure it, the logistic regression and the rules.

    Args:
        inputs: The linked tables (for feature snapshots at investigation dates).
        feats: The features at the peildatum.
        outcomes: ``onderzoeksuitkomsten``.
        config: The run configuration.
        at: A shared feature-snapshot function (experiments reuse one across variants).
        drop_features: Features left out (family ablations).
    """
    mc = config.model
    snap = at or features_at(inputs, feats)

    def at_kept(day: dt.date) -> pl.DataFrame:
        return snap(day).drop(sorted(drop_features))

    buurten = inputs.objects.select("verblijfsobject_id", "buurtcode")
    choices = choices_from(mc)
    ts, vs, cutoff = build_sets(outcomes, at_kept, buurten, inputs.peildatum, choices)
    model = new_model(mc).fit(ts.X, ts.y, ts.weight, ts.labelled, ts.investigated_for)
    scoring, n_scoring = model, ts.n_labelled
    if mc.refit:
        # Measured on the time split; what scores is the same recipe fitted on every investigation
        # before the peildatum, the latest year included. Its time-split twin travels with it
        # (``holdout_``), so that a champion is always judged on rows its twin never saw.
        ts_all, _, _ = build_sets(
            outcomes, at_kept, buurten, inputs.peildatum, dataclasses.replace(choices, validation_months=0)
        )
        scoring = new_model(mc).fit(
            ts_all.X, ts_all.y, ts_all.weight, ts_all.labelled, ts_all.investigated_for
        )
        scoring.holdout_ = model
        n_scoring = ts_all.n_labelled
    lr = LogisticSignalModel(seed=mc.seed).fit(ts.X, ts.y, ts.weight)
    p_model = model.predict_proba(vs.X)[:, 1] if vs.X.height else np.zeros(0)
    p_lr = SignalModel.priority(lr.phenomenon_scores(vs.X)) if vs.X.height else np.zeros(0)
    p_rules = (
        baseline_scores(vs.X.with_columns(pl.Series("verblijfsobject_id", vs.ids)))["score"].to_numpy()
        if vs.X.height
        else np.zeros(0)
    )
    validation = {
        "model": validation_metrics(p_model, vs),
        "logistic": validation_metrics(p_lr, vs),
        "regels": validation_metrics(p_rules, vs),
    }
    classes = ("geen", *FENOMENEN)
    by_buurt = pl.DataFrame(
        {"verblijfsobject_id": vs.ids, "buurtcode": vs.buurtcode, "score": p_model, "y": vs.y > 0},
        schema={
            "verblijfsobject_id": pl.String,
            "buurtcode": pl.String,
            "score": pl.Float64,
            "y": pl.Boolean,
        },
    )
    return TrainingReport(
        model=scoring,
        model_hash=model_hash(scoring),
        n_labelled_scoring=n_scoring,
        cutoff=cutoff,
        n_labelled=ts.n_labelled,
        n_unlabelled=ts.n_unlabelled,
        n_weak=ts.n_weak,
        n_validation=vs.X.height,
        class_counts={c: int((ts.y[ts.labelled] == i).sum()) for i, c in enumerate(classes)},
        validation=validation,
        calibration=calibration_table(vs.y > 0, p_model, n_bins=5),
        # the validation year holds 150–300 investigations: a cut-off at the working group's capacity
        # would take them all, so per buurt the top is the middle validation cut-off
        per_buurt=per_buurt(by_buurt, k=VALIDATION_KS[1]),
        calibration_per_buurt=calibration_per_buurt(by_buurt, n_bins=3),
        validation_set=vs,
        data_hash=_validation_hash(vs),
    )


def training_tables(training: TrainingReport) -> dict[str, pl.DataFrame]:
    """The tables every training logs to MLflow, a batch's training and every experiment variant alike.

    Importance, the feature catalogue, calibration and the validation figures per buurt.
    """
    catalogue_table = pl.DataFrame(
        [
            {
                "kenmerk": s.name,
                "familie": s.family,
                "label": s.label_nl,
                "eenheid": s.unit,
                "richting": s.direction,
                "bronnen": ";".join(s.sources),
                "grondslag": s.legal_basis,
                "proxy_risico": s.proxy_risk,
            }
            for s in catalogue()
        ]
    )
    return {
        "feature_importance.csv": training.model.importance(),
        "feature_catalogue.csv": catalogue_table,
        "calibration_validation.csv": training.calibration,
        "validation_per_buurt.csv": training.per_buurt,
        "calibration_validation_per_buurt.csv": training.calibration_per_buurt,
    }


def register_and_decide(
    training: TrainingReport,
    config: Config,
    *,
    run_name: str,
    tags: dict[str, str],
    binding: ModelBinding,
) -> tuple[SignalModel, str, TrainedModel]:
    """Log and register the trained model; move the champion of its data to it only if it beats it.

    The champion is that of ``binding``'s gemeente and kind of data (``champion-0935-echt``); a
    champion that does not fit the binding (another feature set, or a version bound to nothing) is
    replaced without a comparison. Both are measured by average precision on this training's
    validation set (the champion's figure is computed now, on the same rows); both figures are
    logged to the training run and the decision with its reason is tagged on the new version.

    Returns:
        The model to score with (the champion after the decision), its version label, and the
        logged training.

    Raises:
        ValueError: The binding's feature hash is not that of the features the model was trained on.
    """
    vs = training.validation_set
    if binding.feature_hash != feature_set_hash(vs.X.columns):
        raise ValueError("the binding's feature hash is not that of the trained model's features")
    tc = config.tracking
    found = champion_version(tc, binding)
    comparable = found is not None and found.binding is not None and found.binding.fits(binding)
    current = load_champion(tc, found) if found is not None and comparable else None
    challenger_ap = training.validation["model"]["average_precision"]
    champion_ap: float | None = None
    if current is not None and vs.X.height:
        # the champion's time-split twin when it has one: the refit model has seen these rows
        judged = getattr(current.model, "holdout_", None) or current.model
        champion_ap = validation_metrics(judged.predict_proba(vs.X)[:, 1], vs)["average_precision"]
    metrics = training.flat_metrics()
    if champion_ap is not None:
        metrics["val.champion.average_precision"] = champion_ap
    logged = log_training_run(
        tc,
        run_name=f"train-{run_name}",
        params={f"model.{k}": v for k, v in config.model.model_dump().items()}
        | {"split.cutoff": training.cutoff.isoformat()},
        metrics=metrics
        | {
            "training_rows_labelled": float(training.n_labelled),
            "training_rows_unlabelled": float(training.n_unlabelled),
            "validation_rows": float(training.n_validation),
        },
        tags=tags
        | {
            "vastgoed.kind": "training",
            "model_hash": training.model_hash,
            "validation_data_sha256": training.data_hash,
        },
        model=training.model,
        input_example=vs.X.head(5).cast(pl.Float64),
        tables=training_tables(training),
        binding=binding,
    )
    if current is None:
        reason = (
            f"first model for {binding.describe()}"
            if found is None
            else mismatch_text(found.binding, binding, f"the champion v{found.version}")
        )
        promote(tc, logged.version, binding=binding, reason=reason)
        promoted = True
    elif challenger_ap is not None and (champion_ap is None or challenger_ap > champion_ap):
        reason = f"validation AP {challenger_ap} > champion v{current.version} {champion_ap}"
        promote(tc, logged.version, binding=binding, reason=reason)
        promoted = True
    else:
        reason = (
            f"validation AP {challenger_ap} does not beat champion v{current.version} {champion_ap}"
            if challenger_ap is not None
            else "no validation AP (no confirmed investigation in the validation period): champion kept"
        )
        note_version(tc, logged.version, "not_promoted", reason)
        promoted = False
    training.champion = {
        "version": logged.version,
        "promoted": promoted,
        "reason": reason,
        "challenger_average_precision": challenger_ap,
        "champion_average_precision": champion_ap,
        "previous_champion": None if found is None else found.version,
        "alias": champion_alias(binding),
    }
    if promoted or current is None:
        return training.model, f"{MODEL_NAME}/v{logged.version}", logged
    return current.model, f"{MODEL_NAME}/v{current.version}", logged


def recent_investigations(outcomes: pl.DataFrame, peildatum: dt.date, months: int) -> pl.Series:
    """Objects investigated since the first of the month ``months`` before the peildatum's month."""
    since = split_cutoff(peildatum, months)
    return (
        outcomes.filter((pl.col("datum_onderzoek") >= since) & (pl.col("datum_onderzoek") < peildatum))[
            "verblijfsobject_id"
        ]
        .unique()
        .sort()
    )


def score_objects(
    model: ScoringModel,
    feats: pl.DataFrame,
    bag: pl.DataFrame,
    outcomes: pl.DataFrame,
    peildatum: dt.date,
    recent_months: int,
    address: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    uncertain: pl.Series | None = None,
) -> pl.DataFrame:
    """Every object's priority and per-phenomenon scores, ranked; recent investigations apart.

    Objects investigated in the last ``recent_months`` keep their scores but get no rank and
    ``status = "recent_onderzocht"``: their outcome is known, they are not new signals. Objects in
    ``uncertain`` (a signal resting on a link below the configured certainty) get no rank either,
    ``status = "koppeling_onzeker"``: a person should check the link first.
    """
    feature_cols = [c for c in feats.columns if c != "verblijfsobject_id"]
    per = model.phenomenon_scores(feats.select(feature_cols))
    priority = model.priority(per)
    recent = recent_investigations(outcomes, peildatum, recent_months)
    scored = feats.select("verblijfsobject_id").with_columns(
        pl.Series("score", priority),
        pl.Series("fenomeen", np.array(FENOMENEN)[per.argmax(axis=1)]),
        *(pl.Series(f"score_{f}", per[:, i]) for i, f in enumerate(FENOMENEN)),
        pl.when(pl.col("verblijfsobject_id").is_in(recent.implode()))
        .then(pl.lit("recent_onderzocht"))
        .when(
            pl.col("verblijfsobject_id").is_in(
                (uncertain if uncertain is not None else pl.Series([], dtype=pl.String)).implode()
            )
        )
        .then(pl.lit("koppeling_onzeker"))
        .otherwise(pl.lit("signaal"))
        .alias("status"),
    )
    if address is not None:
        scored = scored.join(address(bag), on="verblijfsobject_id", how="left")
    scored = scored.join(bag.select("verblijfsobject_id", "buurtcode"), on="verblijfsobject_id", how="left")
    ranked = (
        scored.filter(pl.col("status") == "signaal")
        .sort(["score", "verblijfsobject_id"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    apart = (
        scored.filter(pl.col("status") != "signaal")
        .sort(["score", "verblijfsobject_id"], descending=[True, False])
        .with_columns(pl.lit(None, dtype=pl.Int64).alias("rank"))
        .select(ranked.columns)
    )
    return pl.concat([ranked, apart])


def _line(reasons: list[Reason], rules: bool) -> str:
    """The reasons as one line; a rule's hit has no size to show, so its facts stand alone."""
    if rules:
        return "; ".join(r.feit for r in reasons) or "geen regel slaat aan"
    return reasons_text(reasons) or "geen kenmerk wijkt af: alleen de basisscore"


def _reason_dicts(rs: list[Reason]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in rs]


def explain_signals(
    model: ScoringModel, scored: pl.DataFrame, feats: pl.DataFrame, mc: ModelConfig, n_top: int
) -> pl.DataFrame:
    """``redenen`` (text), ``redenen_detail`` and ``tegen`` for the ranked top and recent investigations.

    TreeSHAP costs a few ms per row, so only the first ``n_top`` ranked objects and the recently
    investigated ones (which the report lists) are explained; the rest get nulls. The rules explain
    themselves: their reasons are the rule's checks that hold.
    """
    labels = {s.name: s.label_nl for s in catalogue()}
    want = scored.with_row_index("_pos").filter(
        (pl.col("rank").is_not_null() & (pl.col("rank") <= n_top)) | (pl.col("status") == "recent_onderzocht")
    )
    X = want.select("verblijfsobject_id").join(
        feats, on="verblijfsobject_id", how="left", maintain_order="left"
    )
    rows, fenomeen = X.drop("verblijfsobject_id"), want["fenomeen"].to_list()
    why = (
        model.explain(rows, fenomeen, labels, mc.n_reasons, mc.n_against)
        if isinstance(model, RuleRanker)
        else explain(model, rows, fenomeen, labels, fact, mc.n_reasons, mc.n_against)
    )
    detail = pl.DataFrame(
        {
            "verblijfsobject_id": want["verblijfsobject_id"],
            "redenen": [_line(r, isinstance(model, RuleRanker)) for r, _ in why],
            "redenen_detail": [_reason_dicts(r) for r, _ in why],
            "tegen": [_reason_dicts(t) for _, t in why],
        },
        schema={
            "verblijfsobject_id": pl.String,
            "redenen": pl.String,
            "redenen_detail": REASON_SCHEMA,
            "tegen": REASON_SCHEMA,
        },
    )
    return scored.join(detail, on="verblijfsobject_id", how="left", maintain_order="left")
