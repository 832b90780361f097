"""Reasons: each signal's largest TreeSHAP contributions, as facts a reviewer can check.

For each ranked object the model of its phenomenon is explained with LightGBM's TreeSHAP
(``pred_contrib``): one contribution per input in log-odds, adding up (with the bias) to the raw
score. The largest positive contributions are the reasons (``redenen``); the largest negative ones
are the strongest evidence against the signal (``tegen``). Each carries the catalogue label, the
object's value and a plain-language fact built from the object's own feature row. Where the
phenomenon's rule fired and raised the score (``SignalModel.rule_prior``), the rule's hit is a reason
too, with the lift it gave in log-odds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from models.baseline import RULE_TEXT
from models.signal_model import SignalModel
from vastgoed.core.schema import FENOMENEN

__all__ = ["REASON_SCHEMA", "Reason", "explain", "reasons_text"]

FactFn = Callable[[str, Mapping[str, float | None]], str]

#: The polars type of a list of reasons in ``signals.parquet``.
REASON_SCHEMA = pl.List(
    pl.Struct(
        {
            "kenmerk": pl.String,
            "label": pl.String,
            "waarde": pl.Float64,
            "feit": pl.String,
            "bijdrage": pl.Float64,
        }
    )
)


@dataclass(frozen=True)
class Reason:
    """One contribution: the feature, its label, the object's value, the fact, and its size."""

    kenmerk: str
    label: str
    waarde: float | None
    feit: str
    bijdrage: float


def _rule_fact(kenmerk: str, value: float | None) -> str:
    fenomeen = kenmerk.removeprefix("regel_")
    text = RULE_TEXT.get(fenomeen, fenomeen)
    return (
        f"de eenvoudige regel slaat aan: {text}" if value else f"de eenvoudige regel slaat niet aan ({text})"
    )


def _clean(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


#: Candidates beyond the reasons asked for, to fill in for facts stated twice.
_SPARE = 4


def _reason(
    name: str,
    value: float | None,
    contribution: float,
    row: Mapping[str, float | None],
    labels: Mapping[str, str],
    fact: FactFn,
) -> Reason:
    if name.startswith("regel_"):
        return Reason(name, "eenvoudige regel", value, _rule_fact(name, value), round(contribution, 4))
    return Reason(name, labels.get(name, name), value, fact(name, row), round(contribution, 4))


def explain(
    model: SignalModel,
    X: pl.DataFrame,
    fenomeen: list[str],
    labels: Mapping[str, str],
    fact: FactFn,
    n_reasons: int,
    n_against: int = 3,
) -> list[tuple[list[Reason], list[Reason]]]:
    """Reasons for and against each row's signal.

    Args:
        model: A fitted model.
        X: Feature rows to explain (the catalogue's columns, raw values).
        fenomeen: The phenomenon each row is ranked for.
        labels: Feature name -> catalogue label.
        fact: ``fact(feature, row)``: the plain-language fact for a feature of a row.
        n_reasons: How many reasons per row.
        n_against: How many pieces of counter-evidence per row.

    Returns:
        Per row: (reasons, largest first; counter-evidence, strongest first).
    """
    out: list[tuple[list[Reason], list[Reason]]] = [([], []) for _ in range(X.height)]
    if X.height == 0:
        return out
    rows = X.to_dicts()
    frame = model.model_frame(X)
    order = np.array(fenomeen)
    for f in sorted(set(fenomeen)):
        idx = np.flatnonzero(order == f)
        contrib, cols = model.contributions(X[idx.tolist()], f)
        values = frame[idx.tolist()].select(cols).to_numpy()
        lift = _rule_lift(model, X[idx.tolist()], f)
        for r, i in enumerate(idx):
            row = {k: _clean(v) for k, v in rows[i].items() if k != "verblijfsobject_id"}

            c = contrib[r, :-1]
            # a few more candidates than asked, for facts that two features state alike
            pos = [j for j in np.argsort(-c, kind="stable") if c[j] > 0][: n_reasons + _SPARE]
            neg = [j for j in np.argsort(c, kind="stable") if c[j] < 0][: n_against + _SPARE]
            made = {
                j: _reason(cols[j], row.get(cols[j], _clean(values[r, j])), float(c[j]), row, labels, fact)
                for j in (*pos, *neg)
            }
            reasons = [made[j] for j in pos]
            if lift[r] > 0.005:
                # the rule's hit lifted the score (SignalModel.rule_prior): it is a reason, with that lift
                rule = f"regel_{f}"
                hit = Reason(rule, "eenvoudige regel", 1.0, _rule_fact(rule, 1.0), round(float(lift[r]), 4))
                reasons.append(hit)
                reasons = _merged(reasons)
            out[i] = (
                _distinct(reasons, n_reasons),
                _distinct([made[j] for j in neg], n_against),
            )
    return out


def _rule_lift(model: SignalModel, X: pl.DataFrame, fenomeen: str) -> npt.NDArray[np.float64]:
    """Per row: how much the phenomenon's rule raised its score, in log-odds (0 where it did not)."""
    if not getattr(model, "rule_evidence_", {}) or X.height == 0:
        return np.zeros(X.height)
    j = FENOMENEN.index(fenomeen)
    eps = 1e-9
    p = np.clip(model.model_scores(X)[:, j], eps, 1 - eps)
    s = np.clip(model.phenomenon_scores(X)[:, j], eps, 1 - eps)
    lift = np.log(s / (1 - s)) - np.log(p / (1 - p))
    fired = ~np.isnan(model.rule_estimates(X)[:, j])  # a silent rule lifts nothing
    return np.asarray(np.where(fired & (s > p), lift, 0.0), dtype=np.float64)


def _merged(reasons: list[Reason]) -> list[Reason]:
    """Reasons stating the same fact added together, largest first."""
    by_fact: dict[str, Reason] = {}
    for rs in reasons:
        old = by_fact.get(rs.feit)
        by_fact[rs.feit] = (
            rs if old is None else dataclasses.replace(old, bijdrage=round(old.bijdrage + rs.bijdrage, 4))
        )
    return sorted(by_fact.values(), key=lambda r: -r.bijdrage)


def _distinct(reasons: list[Reason], n: int) -> list[Reason]:
    """The first ``n`` distinct facts.

    Two features that state the same fact (water in m³ and against its norm) are one reason, with
    their contributions added.
    """
    by_fact: dict[str, Reason] = {}
    for rs in reasons:
        if rs.feit in by_fact:
            old = by_fact[rs.feit]
            by_fact[rs.feit] = dataclasses.replace(old, bijdrage=round(old.bijdrage + rs.bijdrage, 4))
        elif len(by_fact) < n:
            by_fact[rs.feit] = rs
    return list(by_fact.values())


def reasons_text(reasons: list[Reason]) -> str:
    """The reasons as one line for ``signals.csv``: ``fact (+0.84); fact (+0.31)``."""
    return "; ".join(f"{r.feit} ({r.bijdrage:+.2f})" for r in reasons)
