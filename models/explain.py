"""Reasons: each signal's largest TreeSHAP contributions, written so a reviewer can check them."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from models.signal_model import CLASSES, SignalModel

__all__ = ["format_value", "reasons"]

#: When no feature moves the score away from the model's base rate, say so rather than stay silent.
_NO_REASON = "geen kenmerk wijkt af: alleen de basisscore van het model"


def format_value(value: float | None) -> str:
    """A feature value as a reviewer reads it: integers plain, small ratios with two decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "onbekend"
    if float(value).is_integer():
        return f"{int(value):d}"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def reasons(
    model: SignalModel,
    X: pl.DataFrame,
    fenomeen: list[str],
    labels: dict[str, str],
    n_reasons: int,
) -> list[str]:
    """The top ``n_reasons`` contributions towards each row's phenomenon, as one string per row.

    Each reason reads ``label = value (+0.84)``: the feature's catalogue label, the object's value,
    and the signed contribution in log-odds towards that phenomenon, largest magnitude first.

    Args:
        model: A fitted model.
        X: Feature rows to explain (the model's columns).
        fenomeen: The phenomenon each row is ranked for (a name in :data:`CLASSES`).
        labels: Feature name -> catalogue label.
        n_reasons: How many reasons per row.
    """
    if X.height == 0:
        return []
    contrib = model.contributions(X)
    class_idx = np.array([CLASSES.index(f) for f in fenomeen])
    per_row = contrib[np.arange(X.height), class_idx, :-1]
    values = X.to_numpy()
    names = model.feature_names_
    out: list[str] = []
    for i in range(X.height):
        order = np.argsort(-np.abs(per_row[i]))[:n_reasons]
        parts = [
            f"{labels.get(names[j], names[j])} = {format_value(float(values[i, j]))} ({per_row[i, j]:+.2f})"
            for j in order
            if per_row[i, j] != 0.0
        ]
        out.append("; ".join(parts) if parts else _NO_REASON)
    return out
