"""The scoring model: one calibrated LightGBM per phenomenon, and an overall priority.

Each phenomenon gets its own binary LightGBM (this phenomenon confirmed, against everything else),
because what is known differs per phenomenon: more electricity raises the cannabis score and lowers
the vacancy score, and a single multiclass model cannot be held to both directions. Each model sees
the catalogue's features plus its own rule flag (:mod:`models.baseline`), under the monotone
constraints and exclusions of :mod:`models.domain`. Its raw score (log-odds) is turned into a
probability by Platt scaling fitted on out-of-fold predictions, so a 0.3 means about three in ten
such addresses were confirmed. The overall priority is the probability that at least one
phenomenon holds, ``1 − Π(1 − p_f)``; the signal's ``fenomeen`` is the most likely one; its reasons
are that model's TreeSHAP contributions, which add up to its raw score.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from models.baseline import rule_flags, rule_severity
from models.domain import EXCLUDED, FILL_VALUES, OUTSIDE_DEFINITION, RULE_FEATURE, monotone_vector
from vastgoed.core.schema import FENOMENEN

__all__ = ["CLASSES", "SignalModel", "model_columns"]

#: Class 0 is "no (confirmed) phenomenon"; class i is ``FENOMENEN[i - 1]``.
CLASSES: tuple[str, ...] = ("geen", *FENOMENEN)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def model_columns(fenomeen: str, feature_names: list[str]) -> list[str]:
    """The columns of one phenomenon's model: its allowed features, then its rule flag."""
    return [c for c in feature_names if c not in EXCLUDED[fenomeen]] + [RULE_FEATURE[fenomeen]]


def _as_polars(X: Any) -> pl.DataFrame:
    if isinstance(X, pl.DataFrame):
        return X
    return pl.from_pandas(X)  # MLflow's pyfunc hands pandas frames


class SignalModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A scikit-learn estimator: ``__init__`` stores parameters, ``fit`` returns self.

    ``fit(X, y, sample_weight)`` takes the catalogue's feature columns and class indices into
    :data:`CLASSES`; ``predict_proba`` gives ``[1 − priority, priority]`` (a signal or not), so
    scikit-learn's and MLflow's tooling can use it; :meth:`phenomenon_scores` gives the calibrated
    probability per phenomenon.

    Args:
        num_boost_round: Boosting rounds per phenomenon.
        learning_rate: Shrinkage.
        num_leaves: Leaves per tree; small, because labels are few.
        min_data_in_leaf: Minimum rows per leaf.
        num_threads: LightGBM threads (always explicit: see docs/architecture.md).
        seed: Random seed.
        monotone: Apply the monotone constraints of :mod:`models.domain`.
        rule_inputs: Give each phenomenon's model its rule flag as an input.
        calibrate: Platt-scale raw scores on out-of-fold predictions (else a plain sigmoid).
        cv_folds: Folds for the out-of-fold calibration.
        min_confirmed: A phenomenon with fewer confirmed investigations is capped at the base rate.
        own_negatives: A visit that confirmed nothing is a full negative only for the phenomenon it
            looked for; for the others it counts as an unlabelled address (``other_weight``) and
            takes no part in their calibration.
        other_weight: The weight of such a row for the other phenomena.
        shrinkage: Prior strength, in confirmations, pulling a phenomenon's calibrated probability
            towards its base rate: ``w·p + (1 − w)·π`` with ``w = n / (n + shrinkage)`` for ``n``
            confirmed investigations (0: no shrinkage).
        rule_prior: Prior strength, in confirmations, of each phenomenon's rule where it fires: there
            the score is ``w·p + (1 − w)·max(p, r)`` with ``w = n / (n + rule_prior)`` for ``n``
            confirmed investigations of the phenomenon, and ``r`` the rule's own hit rate among the
            investigated addresses it flags (Laplace-smoothed), spread by ``rule_spread`` log-odds
            from its least to its most extreme hit. Where the rule is silent the score is the
            model's. A phenomenon capped for want of confirmations (``min_confirmed``) rests on its
            rule both ways: ``w·p + (1 − w)·r``, with the rule's miss rate for ``r`` where it is
            silent. 0: the model alone.
        rule_spread: Log-odds between the rule's least and most extreme hit (see ``rule_prior``).
    """

    #: The same recipe fitted before the validation cutoff, when this model was refit on every label
    #: (``model.refit``): champion decisions judge it, on validation rows this model has seen.
    holdout_: SignalModel | None = None

    def __init__(
        self,
        num_boost_round: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_data_in_leaf: int = 20,
        num_threads: int = 2,
        seed: int = 42,
        monotone: bool = True,
        rule_inputs: bool = True,
        calibrate: bool = True,
        cv_folds: int = 3,
        min_confirmed: int = 10,
        own_negatives: bool = False,
        other_weight: float = 0.3,
        shrinkage: float = 0.0,
        rule_prior: float = 0.0,
        rule_spread: float = 3.0,
    ) -> None:
        self.shrinkage = shrinkage
        self.rule_prior = rule_prior
        self.rule_spread = rule_spread
        self.min_confirmed = min_confirmed
        self.own_negatives = own_negatives
        self.other_weight = other_weight
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.num_threads = num_threads
        self.seed = seed
        self.monotone = monotone
        self.rule_inputs = rule_inputs
        self.calibrate = calibrate
        self.cv_folds = cv_folds

    # -- the matrix each phenomenon model sees ------------------------------------------------

    def lgb_params(self, fenomeen: str, columns: list[str]) -> dict[str, Any]:
        """The LightGBM parameters of one phenomenon's model."""
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "num_threads": self.num_threads,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }
        if self.monotone:
            params["monotone_constraints"] = monotone_vector(fenomeen, columns)
            params["monotone_constraints_method"] = "basic"
        return params

    def _columns(self, fenomeen: str) -> list[str]:
        cols = model_columns(fenomeen, self.feature_names_)
        return cols if self.rule_inputs else cols[:-1]

    def _frame(self, X: Any) -> pl.DataFrame:
        """The features with nulls-that-mean-something filled and every rule flag added."""
        frame = _as_polars(X)
        if list(frame.columns) != self.feature_names_:
            raise ValueError("feature columns differ from those the model was trained on")
        fills = [pl.col(c).fill_null(v) for c, v in FILL_VALUES.items() if c in frame.columns]
        return pl.concat([frame.with_columns(fills), rule_flags(frame)], how="horizontal")

    @staticmethod
    def _matrix(frame: pl.DataFrame, columns: list[str]) -> FloatArray:
        return np.asarray(frame.select(columns).to_numpy(), dtype=np.float64)

    # -- fitting --------------------------------------------------------------------------------

    def _train_one(self, fenomeen: str, M: FloatArray, y: IntArray, w: FloatArray | None) -> lgb.Booster:
        data = lgb.Dataset(M, label=y, weight=w, feature_name=self._columns(fenomeen), free_raw_data=True)
        return lgb.train(
            self.lgb_params(fenomeen, self._columns(fenomeen)), data, num_boost_round=self.num_boost_round
        )

    def _platt(
        self, fenomeen: str, M: FloatArray, y: IntArray, w: FloatArray, labelled: npt.NDArray[np.bool_]
    ) -> tuple[float, float]:
        """Slope and intercept mapping raw scores to probabilities, from out-of-fold predictions.

        Fitted on the investigated rows only: the probability means "of investigated addresses
        like this one, this share was confirmed", which is what a visit decision needs. The
        uninvestigated rows take part in training, not in what a probability means.
        """
        n_pos = int(y[labelled].sum())
        folds = min(self.cv_folds, n_pos, len(y) - n_pos)
        if not self.calibrate or folds < 2:
            return 1.0, 0.0
        oof = np.zeros(len(y))
        split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed)
        for train, test in split.split(M, y):
            booster = self._train_one(fenomeen, M[train], y[train], w[train])
            oof[test] = booster.predict(M[test], raw_score=True, num_threads=self.num_threads)
        if n_pos == 0 or n_pos == int(labelled.sum()):
            return 1.0, 0.0
        lr = LogisticRegression(C=1e4, max_iter=1000)
        lr.fit(oof[labelled].reshape(-1, 1), y[labelled])
        slope = float(lr.coef_[0, 0])
        if slope <= 0.0:
            # Out of fold the raw score does not order the investigated rows: no calibration to
            # trust, and a negative slope would turn the model's (monotone) order around.
            return 1.0, 0.0
        return slope, float(lr.intercept_[0])

    def fit(
        self,
        X: Any,
        y: IntArray,
        sample_weight: FloatArray | None = None,
        labelled: npt.NDArray[np.bool_] | None = None,
        investigated_for: IntArray | None = None,
    ) -> SignalModel:
        """Train one model per phenomenon on feature rows ``X`` and class indices ``y``.

        Args:
            X: The catalogue's feature columns.
            y: Class indices into :data:`CLASSES`.
            sample_weight: Row weights.
            labelled: Which rows are investigated addresses (calibration uses only these);
                all rows when None.
            investigated_for: Per row, the class index of the phenomenon its investigation looked
                for (0: not investigated, or not known); used with ``own_negatives``.
        """
        X = _as_polars(X)
        self.feature_names_ = list(X.columns)
        frame = self._frame(X)
        y = np.asarray(y, dtype=np.int64)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        lab = np.ones(len(y), dtype=bool) if labelled is None else np.asarray(labelled, dtype=bool)
        inv = np.zeros(len(y), dtype=np.int64) if investigated_for is None else np.asarray(investigated_for)
        self.boosters_: dict[str, lgb.Booster | None] = {}
        self.platt_: dict[str, tuple[float, float]] = {}
        self.cap_: dict[str, float] = {}
        self.n_positive_: dict[str, int] = {}
        self.shrink_: dict[str, tuple[float, float]] = {}
        self.rule_evidence_: dict[str, tuple[float, float]] = {}
        self.rule_miss_rate_: dict[str, float] = {}
        self.rule_severity_range_: dict[str, tuple[float, float]] = {}
        if self.rule_prior > 0:
            fired, severity = self._rule_evidence(X)
            for i, f in enumerate(FENOMENEN, start=1):
                hit = fired[:, i - 1]
                n_conf = int(((y == i) & lab).sum())
                m, c = int((hit & lab).sum()), int((hit & lab & (y == i)).sum())
                # how far the model is trusted where the rule fires, and the rule's own hit rate
                self.rule_evidence_[f] = (n_conf / (n_conf + self.rule_prior), (c + 1) / (m + 2))
                # and where it is silent: its miss rate (used where the model is capped, see below)
                ms, cs = int((~hit & lab).sum()), int((~hit & lab & (y == i)).sum())
                self.rule_miss_rate_[f] = (cs + 1) / (ms + 2)
                sev = severity[hit, i - 1]
                self.rule_severity_range_[f] = (
                    (float(sev.min()), float(sev.max())) if len(sev) else (float("nan"), float("nan"))
                )
        # Laplace-smoothed share of investigated addresses confirmed for anything: the most a
        # phenomenon without (enough) confirmed investigations may claim (see ``cap_``).
        base_rate = float(((y[lab] > 0).sum() + 1) / (lab.sum() + 2))
        for i, f in enumerate(FENOMENEN, start=1):
            target = (y == i).astype(np.int64)
            self.n_positive_[f] = int(target.sum())
            # A phenomenon with fewer than ``min_confirmed`` confirmed investigations is learned mostly
            # from weak (rule) positives, and Platt on a handful of positives is overconfident: its
            # booster scores near 1 and the calibration cannot tell. Its probability is capped at the
            # base rate, so it cannot crowd the priority (measured: uncapped, such a phenomenon took
            # 64 and 74 of the top 200 on two unseen municipalities, with 0 and 4 confirmed labels).
            n_lab_pos = int(target[lab].sum())
            self.cap_[f] = 1.0 if (n_lab_pos >= self.min_confirmed or not self.calibrate) else base_rate
            if self.shrinkage > 0 and self.calibrate:
                # Few confirmations, little trust: the probability leans on the phenomenon's base rate.
                prior = float((n_lab_pos + 1) / (lab.sum() + 2))
                self.shrink_[f] = (n_lab_pos / (n_lab_pos + self.shrinkage), prior)
            if target.sum() == 0:
                # Nothing to learn from: the phenomenon scores zero and the model card says so.
                self.boosters_[f] = None
                self.platt_[f] = (1.0, 0.0)
                continue
            w_f, lab_f = w, lab
            if self.own_negatives:
                # Visits for another phenomenon that found nothing: nobody looked for this one.
                other = lab & (y == 0) & (inv > 0) & (inv != i)
                w_f = np.where(other, self.other_weight, w)
                lab_f = lab & ~other
            M = self._matrix(frame, self._columns(f))
            self.boosters_[f] = self._train_one(f, M, target, w_f)
            self.platt_[f] = self._platt(f, M, target, w_f, lab_f)
        self.classes_ = np.array([0, 1])
        return self

    # -- prediction -----------------------------------------------------------------------------

    def raw_scores(self, X: Any) -> FloatArray:
        """Raw scores (log-odds) per phenomenon, shape ``(n, 7)``; −inf where a model is absent."""
        frame = self._frame(X)
        out = np.full((frame.height, len(FENOMENEN)), -np.inf)
        for j, f in enumerate(FENOMENEN):
            booster = self.boosters_[f]
            if booster is not None and frame.height:
                M = self._matrix(frame, self._columns(f))
                out[:, j] = booster.predict(M, raw_score=True, num_threads=self.num_threads)
        return out

    @staticmethod
    def _rule_evidence(X: Any) -> tuple[npt.NDArray[np.bool_], FloatArray]:
        """Per row and phenomenon: does its rule fire, and how extreme is the hit (NaN where silent)."""
        frame = _as_polars(X)
        fired = rule_flags(frame).to_numpy() > 0.5
        severity = rule_severity(frame).to_numpy().astype(np.float64)
        return np.asarray(fired, dtype=bool), np.asarray(severity, dtype=np.float64)

    def rule_estimates(self, X: Any) -> FloatArray:
        """Per phenomenon the rule's own estimate where it fires (NaN where it is silent or unused).

        The rule's hit rate among the investigated addresses it flags, moved up or down by up to
        ``rule_spread / 2`` log-odds by where the hit's severity falls between the least and the most
        extreme hit among the training rows (linearly, as the rule baseline orders its hits; outside
        that range, at its end).
        """
        evidence = getattr(self, "rule_evidence_", {})
        fired, severity = self._rule_evidence(X)
        out = np.full(fired.shape, np.nan)
        for j, f in enumerate(FENOMENEN):
            if f not in evidence or not fired[:, j].any():
                continue
            hit_rate = evidence[f][1]
            lo, hi = self.rule_severity_range_[f]
            sev = severity[fired[:, j], j]
            pct = np.clip((sev - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.full(len(sev), 0.5)
            logit = np.log(hit_rate / (1.0 - hit_rate)) + self.rule_spread * (pct - 0.5)
            out[fired[:, j], j] = 1.0 / (1.0 + np.exp(-logit))
        return out

    def model_scores(self, X: Any) -> FloatArray:
        """The learned model's calibrated probability per phenomenon, before any rule evidence."""
        raw = self.raw_scores(X)
        a = np.array([self.platt_[f][0] for f in FENOMENEN])
        b = np.array([self.platt_[f][1] for f in FENOMENEN])
        cap = np.array([getattr(self, "cap_", {}).get(f, 1.0) for f in FENOMENEN])
        with np.errstate(over="ignore", invalid="ignore"):
            p = cap / (1.0 + np.exp(-(raw * a + b)))
        p = np.where(np.isfinite(raw), p, 0.0)
        shrink = getattr(self, "shrink_", {})
        if shrink:
            w = np.array([shrink.get(f, (1.0, 0.0))[0] for f in FENOMENEN])
            prior = np.array([shrink.get(f, (1.0, 0.0))[1] for f in FENOMENEN])
            p = w * p + (1.0 - w) * prior
        return np.asarray(p, dtype=np.float64)

    def phenomenon_scores(self, X: Any) -> FloatArray:
        """Probability per phenomenon, shape ``(n, 7)`` in :data:`FENOMENEN` order.

        The model's (:meth:`model_scores`). With ``rule_prior`` set, the norm-based evidence is added:
        where a phenomenon's rule fires, leaning on the rule's own estimate (:meth:`rule_estimates`) as
        far as the phenomenon's confirmations leave the model untested: ``w·p + (1 − w)·max(p, r)``;
        for a phenomenon whose model is capped (fewer than ``min_confirmed`` confirmations), the
        rule's estimate (its miss rate where it is silent) shrunk towards the model,
        ``w·p + (1 − w)·r``; and 0 where the phenomenon cannot hold or cannot be shown by its definition
        (:data:`models.domain.OUTSIDE_DEFINITION`), whatever the model or the rule says. Without
        ``rule_prior``, the model alone.
        """
        p = self.model_scores(X)
        evidence = getattr(self, "rule_evidence_", {})
        if not evidence:
            return p
        r = self.rule_estimates(X)
        w = np.array([evidence.get(f, (1.0, 0.0))[0] for f in FENOMENEN])
        combined = w * p + (1.0 - w) * np.fmax(p, r)
        out = np.asarray(np.where(np.isnan(r), p, combined), dtype=np.float64)
        # A capped phenomenon (fewer than ``min_confirmed`` confirmations) has no calibrated model to
        # stand on: its probability is the rule's estimate, shrunk towards the model by the same w,
        # both ways (the hit rate spread by severity where the rule fires, its miss rate where silent).
        cap, miss = getattr(self, "cap_", {}), getattr(self, "rule_miss_rate_", {})
        capped = np.array([cap.get(f, 1.0) < 1.0 and f in miss for f in FENOMENEN])
        if capped.any():
            estimate = np.where(np.isnan(r), np.array([miss.get(f, 0.0) for f in FENOMENEN]), r)
            out = np.where(capped, w * p + (1.0 - w) * estimate, out)
        frame = _as_polars(X)
        for j, f in enumerate(FENOMENEN):
            if f in OUTSIDE_DEFINITION and frame.height:
                outside = frame.select(OUTSIDE_DEFINITION[f].fill_null(False)).to_series().to_numpy()
                out[outside, j] = 0.0
        return out

    @staticmethod
    def priority(scores: FloatArray) -> FloatArray:
        """The probability that at least one phenomenon holds, from :meth:`phenomenon_scores`."""
        return np.asarray(1.0 - np.prod(1.0 - scores, axis=1), dtype=np.float64)

    def predict_proba(self, X: Any) -> FloatArray:
        """``[1 − priority, priority]`` per row."""
        pr = self.priority(self.phenomenon_scores(X))
        return np.column_stack([1.0 - pr, pr])

    def predict(self, X: Any) -> IntArray:
        """1 where the priority is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def contributions(self, X: Any, fenomeen: str) -> tuple[FloatArray, list[str]]:
        """TreeSHAP contributions of one phenomenon's model and its column names.

        Returns:
            ``(n, n_columns + 1)`` contributions (the last is the bias; each row sums to the raw
            score) and the column names. All zeros when the phenomenon has no model.
        """
        cols = self._columns(fenomeen)
        frame = self._frame(X)
        booster = self.boosters_[fenomeen]
        if booster is None or frame.height == 0:
            return np.zeros((frame.height, len(cols) + 1)), cols
        raw = booster.predict(self._matrix(frame, cols), pred_contrib=True, num_threads=self.num_threads)
        return np.asarray(raw, dtype=np.float64), cols

    def model_frame(self, X: Any) -> pl.DataFrame:
        """The frame the models see: features (nulls that mean something filled) plus rule flags."""
        return self._frame(X)

    def importance(self) -> pl.DataFrame:
        """Gain importance per phenomenon and feature: ``fenomeen, kenmerk, gain``."""
        rows = []
        for f in FENOMENEN:
            booster = self.boosters_[f]
            if booster is None:
                continue
            gains = booster.feature_importance(importance_type="gain")
            rows += [
                {"fenomeen": f, "kenmerk": c, "gain": float(g)}
                for c, g in zip(booster.feature_name(), gains, strict=True)
            ]
        return pl.DataFrame(rows, schema={"fenomeen": pl.String, "kenmerk": pl.String, "gain": pl.Float64})

    def model_strings(self) -> dict[str, str]:
        """Each phenomenon's booster as LightGBM model text (for hashing and inspection)."""
        return {f: b.model_to_string() for f, b in self.boosters_.items() if b is not None}
