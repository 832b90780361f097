"""The logistic-regression comparison: the same inputs and split as the signal model, linear.

One regularised logistic regression per phenomenon on the catalogue's features plus the rule flags
(medians for missing values, standardised), weighted like the signal model. It answers the
question whether the trees earn their complexity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from models.baseline import rule_flags
from vastgoed.core.schema import FENOMENEN

__all__ = ["LogisticSignalModel"]

FloatArray = npt.NDArray[np.float64]


class LogisticSignalModel:
    """Per phenomenon a weighted logistic regression; ``phenomenon_scores`` like :class:`SignalModel`."""

    def __init__(self, C: float = 0.5, seed: int = 42) -> None:
        self.C = C
        self.seed = seed
        self.models_: dict[str, Pipeline | None] = {}

    @staticmethod
    def _matrix(X: pl.DataFrame) -> FloatArray:
        full = pl.concat([X, rule_flags(X)], how="horizontal")
        m = np.asarray(full.to_numpy(), dtype=np.float64)
        return np.where(np.isfinite(m), m, np.nan)

    def fit(self, X: pl.DataFrame, y: npt.NDArray[np.int64], sample_weight: FloatArray | None = None) -> Any:
        """Fit one regression per phenomenon (none where it has no positive)."""
        M = self._matrix(X)
        w = np.ones(len(y)) if sample_weight is None else sample_weight
        for i, f in enumerate(FENOMENEN, start=1):
            target = (y == i).astype(int)
            if target.sum() == 0:
                self.models_[f] = None
                continue
            pipe = make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True),
                StandardScaler(),
                LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed),
            )
            pipe.fit(M, target, logisticregression__sample_weight=w)
            self.models_[f] = pipe
        return self

    def phenomenon_scores(self, X: pl.DataFrame) -> FloatArray:
        """Probability per phenomenon, shape ``(n, 7)``."""
        M = self._matrix(X)
        out = np.zeros((len(M), len(FENOMENEN)))
        for j, f in enumerate(FENOMENEN):
            model = self.models_.get(f)
            if model is not None and len(M):
                out[:, j] = model.predict_proba(M)[:, 1]
        return out
