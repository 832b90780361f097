"""The rule-based ranker: the rule baseline as a first-class model, for a start without labels.

A municipality without past investigation outcomes (or with fewer confirmed ones than a learned
model needs, ``[model] min_confirmed``) still gets a list. It is ranked by the public-norm rules of
:mod:`models.baseline`, the same order as the baseline every learned model is measured against, and
it answers the pipeline as the learned model does: per-phenomenon scores, a priority, and per
signal its reasons and counter-evidence. The reasons are the rule's hits, each with its norm and its
public source ("elektriciteit 14.200 kWh, 5,1× de norm voor 2 personen (CBS)"); the
counter-evidence is what speaks against the phenomenon in the same registers.

Nothing is learned: ``fit`` only records the feature columns. The scores are not probabilities: a
phenomenon whose rule fires scores between 0,5 and 1 (higher for the more extreme cases), else 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from models.baseline import RULE_TEXT, RULES, baseline_scores, rule_flags
from models.explain import Reason
from vastgoed.core.numbers import format_number
from vastgoed.core.schema import FENOMENEN

__all__ = ["CHECKS", "Check", "RuleRanker", "rules_version"]

FloatArray = npt.NDArray[np.float64]
Row = Mapping[str, Any]

_c = pl.col


def _v(row: Row, name: str) -> float | None:
    v = row.get(name)
    if v is None:
        return None
    f = float(v)
    return None if np.isnan(f) else f


def _n(row: Row, name: str, decimals: int = 0) -> str:
    return format_number(_v(row, name), decimals)


def _persons(row: Row) -> str:
    n = int(_v(row, "n_ingeschreven") or 0)
    return "1 persoon" if n == 1 else f"{n} personen"


@dataclass(frozen=True)
class Check:
    """One part of a rule (a reason when it holds) or one piece of counter-evidence.

    Attributes:
        kenmerk: The catalogued feature the check reads (the reason's ``kenmerk``).
        holds: Where the check holds, over the feature table.
        text: The fact with its norm and public source, from the object's feature row.
    """

    kenmerk: str
    holds: pl.Expr
    text: Callable[[Row], str]


_LEEG_BRP = Check(
    "n_ingeschreven",
    _c("n_ingeschreven") == 0,
    lambda r: f"niemand ingeschreven, {_n(r, 'maanden_zonder_inschrijving')} maanden lang (BRP)",
)
_LEEG_KVK = Check(
    "n_vestigingen",
    _c("n_vestigingen") == 0,
    lambda _: "geen actieve vestiging op het adres (Handelsregister)",
)
_VERGUNNING = Check(
    "omgevingsvergunning_2j",
    _c("omgevingsvergunning_2j") == 1,
    lambda _: "omgevingsvergunning in de laatste 2 jaar: een verbouwing kan het verklaren (vergunningen)",
)
_VERKREGEN = Check(
    "maanden_sinds_verkrijging",
    _c("maanden_sinds_verkrijging").fill_null(999) <= 12,
    lambda r: (
        f"{_n(r, 'maanden_sinds_verkrijging')} maanden geleden verkregen: een verhuizing kan het "
        "verklaren (Kadaster)"
    ),
)


def _elek_norm(r: Row) -> str:
    return (
        f"elektriciteit {_n(r, 'elektriciteit_kwh')} kWh, {_n(r, 'elektriciteit_t_o_v_norm', 1)}× de norm "
        f"voor {_persons(r)} (CBS)"
    )


def _water_norm(r: Row) -> str:
    return (
        f"water {_n(r, 'water_m3')} m³, {_n(r, 'water_t_o_v_norm', 1)}× de norm voor {_persons(r)} "
        "(128 liter per persoon per dag, Vewin)"
    )


#: Per phenomenon: the checks of its rule (reasons where they hold) and its counter-evidence.
CHECKS: dict[str, tuple[tuple[Check, ...], tuple[Check, ...]]] = {
    "onverklaarbare_leegstand": (
        (
            _LEEG_BRP,
            _LEEG_KVK,
            Check(
                "elektriciteit_kwh",
                _c("elektriciteit_kwh") < 300,
                lambda r: (
                    f"elektriciteit {_n(r, 'elektriciteit_kwh')} kWh, onder 300 kWh; een huishouden "
                    "van 1 persoon gebruikt 1.800 kWh (CBS)"
                ),
            ),
            Check(
                "leegstand_onverklaard_maanden",
                (_c("omgevingsvergunning_2j") == 0) & (_c("maanden_sinds_verkrijging").fill_null(999) > 12),
                lambda _: (
                    "geen verklaring: geen omgevingsvergunning in 2 jaar, niet in het laatste jaar "
                    "verkocht, geen nieuwbouw (vergunningen, Kadaster, BAG)"
                ),
            ),
        ),
        (
            Check(
                "water_m3",
                _c("water_m3").fill_null(0) > 20,
                lambda r: f"toch {_n(r, 'water_m3')} m³ water in het laatste jaar (waterbedrijf)",
            ),
        ),
    ),
    "spookbewoning": (
        (
            _LEEG_BRP,
            _LEEG_KVK,
            Check(
                "elektriciteit_kwh",
                _c("elektriciteit_kwh").fill_null(0) > 1000,
                lambda r: (
                    f"elektriciteit {_n(r, 'elektriciteit_kwh')} kWh zonder inschrijving, boven "
                    "1.000 kWh (netbeheerder)"
                ),
            ),
            Check(
                "water_m3",
                _c("water_m3").fill_null(0) > 20,
                lambda r: f"water {_n(r, 'water_m3')} m³ zonder inschrijving, boven 20 m³ (waterbedrijf)",
            ),
        ),
        (_VERGUNNING, _VERKREGEN),
    ),
    "schijninschrijving": (
        (
            Check(
                "n_volwassen",
                _c("n_volwassen") >= 3,
                lambda r: f"{_n(r, 'n_volwassen')} volwassenen ingeschreven, 3 of meer (BRP)",
            ),
            Check(
                "elektriciteit_t_o_v_norm",
                _c("elektriciteit_t_o_v_norm") < 0.3,
                lambda r: _elek_norm(r) + ": onder 0,3× de norm",
            ),
        ),
        (
            Check(
                "water_t_o_v_norm",
                _c("water_t_o_v_norm").fill_null(0) >= 0.7,
                lambda r: _water_norm(r) + ": er wordt wel water gebruikt",
            ),
        ),
    ),
    "overbewoning": (
        (
            Check(
                "water_t_o_v_norm",
                _c("water_t_o_v_norm").fill_null(0) > 2.5,
                lambda r: _water_norm(r) + ": boven 2,5× de norm",
            ),
            Check(
                "m2_per_persoon",
                _c("m2_per_persoon").fill_null(999) < 12,
                lambda r: f"{_n(r, 'm2_per_persoon')} m² per persoon, onder 12 m² (BAG, BRP)",
            ),
        ),
        (
            Check(
                "m2_per_persoon",
                _c("m2_per_persoon").fill_null(0) >= 24,
                lambda r: f"{_n(r, 'm2_per_persoon')} m² per persoon: ruimte genoeg (BAG, BRP)",
            ),
        ),
    ),
    "hennepteelt": (
        (
            Check(
                "elektriciteit_t_o_v_norm",
                _c("elektriciteit_t_o_v_norm").fill_null(0) > 5,
                lambda r: _elek_norm(r) + ": boven 5× de norm",
            ),
        ),
        (
            Check(
                "n_vestigingen",
                _c("n_vestigingen") > 0,
                lambda r: (
                    f"{_n(r, 'n_vestigingen')} actieve vestiging(en) op het adres: bedrijfsmatig "
                    "verbruik kan het verklaren (Handelsregister)"
                ),
            ),
        ),
    ),
    "brievenbusfirma": (
        (
            Check(
                "n_vestigingen",
                _c("n_vestigingen") >= 10,
                lambda r: (
                    f"{_n(r, 'n_vestigingen')} actieve vestigingen op het adres, 10 of meer (Handelsregister)"
                ),
            ),
            Check(
                "n_vestigingen",
                (_c("is_woning") == 1) & (_c("n_ingeschreven") == 0) & _c("n_vestigingen").is_between(1, 9),
                lambda r: (
                    f"{_n(r, 'n_vestigingen')} actieve vestiging(en) op een woning waar niemand is "
                    "ingeschreven (Handelsregister, BRP)"
                ),
            ),
            Check(
                "elektriciteit_kwh",
                (_c("n_ingeschreven") == 0) & (_c("elektriciteit_kwh") < 1800),
                lambda r: (
                    f"elektriciteit {_n(r, 'elektriciteit_kwh')} kWh, onder de 1.800 kWh van een "
                    "huishouden van 1 persoon (CBS): er wordt niet gewoond of gewerkt"
                ),
            ),
        ),
        (),
    ),
    "criminele_vastgoedtransactie": (
        (
            Check(
                "snelle_doorverkoop",
                _c("snelle_doorverkoop") == 1,
                lambda _: "doorverkocht binnen 6 maanden na verkrijging (Kadaster)",
            ),
            Check(
                "verkopen_20j",
                _c("verkopen_20j") >= 5,
                lambda r: f"{_n(r, 'verkopen_20j')} verkopen in 20 jaar, 5 of meer (Kadaster)",
            ),
        ),
        (),
    ),
}


def rules_version() -> str:
    """``regels-<hash>``: a short hash of the rules and their checks (equal hashes rank alike)."""
    h = hashlib.sha256()
    for f in FENOMENEN:
        rule, severity = RULES[f]
        h.update(
            f"{f}|{rule.meta.serialize(format='json')}|{severity.meta.serialize(format='json')}".encode()
        )
        h.update(RULE_TEXT[f].encode())
        for checks in CHECKS[f]:
            for c in checks:
                h.update(f"{c.kenmerk}|{c.holds.meta.serialize(format='json')}".encode())
    return "regels-" + h.hexdigest()[:12]


class RuleRanker:
    """The rules as a model: scores, priority and reasons for the pipeline, nothing learned.

    Args:
        reason: Why no learned model is used (said in every output of the run).
    """

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def fit(self, X: pl.DataFrame) -> RuleRanker:
        """Record the feature columns (the rules need no labels)."""
        self.feature_names_ = [c for c in X.columns if c != "verblijfsobject_id"]
        return self

    @property
    def version(self) -> str:
        """The ranking's version label, ``regels-<hash>``."""
        return rules_version()

    def phenomenon_scores(self, X: pl.DataFrame) -> FloatArray:
        """Per phenomenon 0,5–1 where its rule fires (the more extreme, the higher), else 0."""
        scored = baseline_scores(X.with_row_index("verblijfsobject_id"))
        out = scored.select(f"score_{f}" for f in FENOMENEN).to_numpy() / 2.0
        return np.asarray(out, dtype=np.float64)

    @staticmethod
    def priority(scores: FloatArray) -> FloatArray:
        """The highest phenomenon score: the rule baseline's own order."""
        if scores.shape[0] == 0:
            return np.zeros(0)
        return np.asarray(scores.max(axis=1), dtype=np.float64)

    def predict_proba(self, X: pl.DataFrame) -> FloatArray:
        """``[1 − priority, priority]`` per row (a rule score, not a probability)."""
        pr = self.priority(self.phenomenon_scores(X))
        return np.column_stack([1.0 - pr, pr])

    def model_frame(self, X: pl.DataFrame) -> pl.DataFrame:
        """The features plus every rule flag."""
        return pl.concat([X, rule_flags(X)], how="horizontal")

    def importance(self) -> pl.DataFrame:
        """No learned importance: an empty ``fenomeen, kenmerk, gain`` table."""
        return pl.DataFrame(schema={"fenomeen": pl.String, "kenmerk": pl.String, "gain": pl.Float64})

    def model_strings(self) -> dict[str, str]:
        """Each phenomenon's rule in words (what ``model.txt`` holds)."""
        return {f: f"regel: {RULE_TEXT[f]}" for f in FENOMENEN}

    def explain(
        self, X: pl.DataFrame, fenomeen: list[str], labels: Mapping[str, str], n_reasons: int, n_against: int
    ) -> list[tuple[list[Reason], list[Reason]]]:
        """Per row: the checks of its phenomenon's rule that hold, and the counter-evidence that holds."""
        out: list[tuple[list[Reason], list[Reason]]] = [([], []) for _ in range(X.height)]
        if X.height == 0:
            return out
        rows = X.to_dicts()
        order = np.array(fenomeen)
        for f in sorted(set(fenomeen)):
            if f not in CHECKS:
                continue
            idx = np.flatnonzero(order == f).tolist()
            pro, con = CHECKS[f]
            sub = X[idx]
            pro_hold = sub.select(c.holds.fill_null(False).alias(str(i)) for i, c in enumerate(pro))
            con_hold = sub.select(c.holds.fill_null(False).alias(str(i)) for i, c in enumerate(con))
            for r, i in enumerate(idx):
                row = rows[i]
                reasons = [self._reason(c, row, labels, 1.0) for k, c in enumerate(pro) if pro_hold[r, k]][
                    :n_reasons
                ]
                against = [self._reason(c, row, labels, -1.0) for k, c in enumerate(con) if con_hold[r, k]][
                    :n_against
                ]
                out[i] = (reasons, against)
        return out

    @staticmethod
    def _reason(check: Check, row: Row, labels: Mapping[str, str], weight: float) -> Reason:
        return Reason(
            check.kenmerk,
            labels.get(check.kenmerk, check.kenmerk),
            _v(row, check.kenmerk),
            check.text(row),
            weight,
        )
