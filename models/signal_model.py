"""The scoring model: multiclass LightGBM over 'no phenomenon' and the seven phenomena.

One model gives both the ranking score (1 − P(geen)) and the most likely phenomenon, so every
signal carries the fenomeen it is about, and its reasons are that class's contributions.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import BaseEstimator

from vastgoed.core.schema import FENOMENEN

__all__ = ["CLASSES", "SignalModel"]

#: Class 0 is "no (confirmed) phenomenon"; class i is ``FENOMENEN[i - 1]``.
CLASSES: tuple[str, ...] = ("geen", *FENOMENEN)

FloatArray = npt.NDArray[np.float64]


class SignalModel(BaseEstimator):  # type: ignore[misc]
    """A scikit-learn estimator: ``__init__`` stores parameters, ``fit`` returns self.

    Args:
        num_boost_round: Boosting rounds.
        learning_rate: Shrinkage.
        num_leaves: Leaves per tree; small, because labels are few.
        min_data_in_leaf: Minimum rows per leaf.
        num_threads: LightGBM threads (always explicit: see docs/architecture.md).
        seed: Random seed.
    """

    def __init__(
        self,
        num_boost_round: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_data_in_leaf: int = 20,
        num_threads: int = 2,
        seed: int = 42,
    ) -> None:
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.num_threads = num_threads
        self.seed = seed

    def lgb_params(self) -> dict[str, Any]:
        """The LightGBM parameters this estimator trains with."""
        return {
            "objective": "multiclass",
            "num_class": len(CLASSES),
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

    def fit(
        self, X: pl.DataFrame, y: npt.NDArray[np.int64], sample_weight: FloatArray | None = None
    ) -> SignalModel:
        """Train on feature rows ``X`` and class indices ``y`` (into :data:`CLASSES`)."""
        self.feature_names_ = list(X.columns)
        data = lgb.Dataset(
            X.to_numpy().astype(np.float64),
            label=y,
            weight=sample_weight,
            feature_name=self.feature_names_,
            free_raw_data=True,
        )
        self.booster_ = lgb.train(self.lgb_params(), data, num_boost_round=self.num_boost_round)
        self.classes_ = np.array(CLASSES)
        return self

    def _matrix(self, X: pl.DataFrame) -> FloatArray:
        if list(X.columns) != self.feature_names_:
            raise ValueError("feature columns differ from those the model was trained on")
        return np.asarray(X.to_numpy(), dtype=np.float64)

    def predict_proba(self, X: pl.DataFrame) -> FloatArray:
        """Class probabilities, shape ``(n, len(CLASSES))``."""
        return np.asarray(
            self.booster_.predict(self._matrix(X), num_threads=self.num_threads), dtype=np.float64
        )

    def contributions(self, X: pl.DataFrame) -> FloatArray:
        """TreeSHAP contributions, shape ``(n, len(CLASSES), n_features + 1)``; the last is the bias."""
        raw = np.asarray(
            self.booster_.predict(self._matrix(X), pred_contrib=True, num_threads=self.num_threads),
            dtype=np.float64,
        )
        return raw.reshape(X.height, len(CLASSES), len(self.feature_names_) + 1)
