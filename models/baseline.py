"""The rule baseline: simple, documented rules that a municipality could run without a model.

Every rule reads only catalogued features. A rule that fires gives its phenomenon a score of 1 plus
a small severity term, so objects flagged by a rule rank above those that are not, and among
flagged objects the more extreme ones rank first. The model must beat this to be worth its cost.

Rules (dwellings only, except brievenbusfirma):

- onverklaarbare_leegstand: nobody registered, no company, under 300 kWh metered in the last year,
  and no explanation (no building permit in 2 years, not gevormd/renovated, not sold in the last
  year, not built in the last 2 years, the last resident not moved to a care address).
- spookbewoning: nobody registered, no company, no holiday-letting permit, yet over 1,000 kWh or
  over 20 m³ water.
- schijninschrijving: 3 or more registered adults, yet metered electricity under 30% of their norm.

A low-use rule needs a known use: where no meter reading is known, it does not fire (a gap in the
utility extract is no evidence of an empty dwelling).
- overbewoning: water over 2.5 times the registered household's norm, or under 12 m² per person.
- hennepteelt: electricity over 5 times the registered household's norm.
- brievenbusfirma: the data contract's "companies registered at an address where no business
  happens": 10 or more active establishments at the address, unless over 1,800 kWh is metered there
  (what a one-person household uses, CBS: business goes on, as in a business centre), or a company
  at a dwelling where nobody is registered and under 1,800 kWh is metered (nobody lives there and no
  business uses it; like the low-use rules this arm needs a known meter reading).
- criminele_vastgoedtransactie: resold within 6 months, or 5 or more sales in 20 years.
"""

from __future__ import annotations

import polars as pl

from vastgoed.core.schema import FENOMENEN

__all__ = ["RULES", "RULE_TEXT", "baseline_scores", "rule_flags", "rule_severity"]

_c = pl.col
_woning = _c("is_woning") == 1
_leeg = (_c("n_ingeschreven") == 0) & (_c("n_vestigingen") == 0)

RULES: dict[str, tuple[pl.Expr, pl.Expr]] = {
    "onverklaarbare_leegstand": (
        _woning
        & _leeg
        # unknown use is no evidence of vacancy: the meter must say under 300 kWh
        & (_c("elektriciteit_kwh") < 300).fill_null(value=False)
        & (_c("omgevingsvergunning_2j") == 0)
        & (_c("status_niet_in_gebruik") == 0)
        & (_c("maanden_sinds_verkrijging").fill_null(999) > 12)
        & (_c("leeftijd_gebouw") > 2)
        & (_c("laatste_bewoner_zorgadres").fill_null(0) == 0),
        _c("maanden_zonder_inschrijving") / 240,
    ),
    "spookbewoning": (
        _woning
        & _leeg
        & (_c("vakantieverhuur_vergunning").fill_null(0) == 0)
        & ((_c("elektriciteit_kwh").fill_null(0) > 1000) | (_c("water_m3").fill_null(0) > 20)),
        _c("elektriciteit_kwh").fill_null(0) / 1e5,
    ),
    "schijninschrijving": (
        _woning & (_c("n_volwassen") >= 3) & (_c("elektriciteit_t_o_v_norm") < 0.3).fill_null(value=False),
        _c("n_volwassen") / 100,
    ),
    "overbewoning": (
        _woning & ((_c("water_t_o_v_norm").fill_null(0) > 2.5) | (_c("m2_per_persoon").fill_null(999) < 12)),
        _c("water_t_o_v_norm").fill_null(0) / 100,
    ),
    "hennepteelt": (
        _woning & (_c("elektriciteit_t_o_v_norm").fill_null(0) > 5),
        _c("elektriciteit_t_o_v_norm").fill_null(0) / 1000,
    ),
    "brievenbusfirma": (
        # metered use above a household's is business going on (a business centre): no letterbox
        ((_c("n_vestigingen") >= 10) & (_c("elektriciteit_kwh") < 1800).fill_null(value=True))
        | (
            _woning
            & (_c("n_ingeschreven") == 0)
            & (_c("n_vestigingen") >= 1)
            & (_c("elektriciteit_kwh") < 1800).fill_null(value=False)
        ),
        _c("n_vestigingen") / 1e4,
    ),
    "criminele_vastgoedtransactie": (
        (_c("snelle_doorverkoop") == 1) | (_c("verkopen_20j") >= 5),
        _c("verkopen_20j") / 100,
    ),
}


#: What each rule says, in the words of the reasons (``redenen``).
RULE_TEXT: dict[str, str] = {
    "onverklaarbare_leegstand": "niemand ingeschreven, geen bedrijf, minder dan 300 kWh en geen verklaring",
    "spookbewoning": (
        "niemand ingeschreven, geen bedrijf en geen vakantieverhuurvergunning, toch meer dan "
        "1.000 kWh of 20 m³ water"
    ),
    "schijninschrijving": "3 of meer volwassenen ingeschreven, elektriciteit onder 30% van hun norm",
    "overbewoning": "water boven 2,5 keer de norm van het huishouden of minder dan 12 m² per persoon",
    "hennepteelt": "elektriciteit boven 5 keer de norm van het huishouden",
    "brievenbusfirma": (
        "10 of meer actieve vestigingen op het adres, of een bedrijf op een woning waar niemand is "
        "ingeschreven; en niet meer dan 1.800 kWh elektriciteit (een huishouden van 1 persoon)"
    ),
    "criminele_vastgoedtransactie": "doorverkocht binnen 6 maanden of 5 of meer verkopen in 20 jaar",
}


def rule_flags(features: pl.DataFrame) -> pl.DataFrame:
    """``regel_<fenomeen>``: 1.0 where the phenomenon's rule fires, else 0.0 (one column per rule)."""
    return features.select(
        pl.when(rule).then(1.0).otherwise(0.0).fill_null(0.0).alias(f"regel_{f}")
        for f, (rule, _) in RULES.items()
    )


def rule_severity(features: pl.DataFrame) -> pl.DataFrame:
    """``ernst_<fenomeen>``: how extreme a rule's hit is (its severity, 0–0.99); null where it is silent."""
    return features.select(
        pl.when(rule.fill_null(False)).then(severity.clip(0.0, 0.99).fill_null(0.0)).alias(f"ernst_{f}")
        for f, (rule, severity) in RULES.items()
    )


def baseline_scores(features: pl.DataFrame) -> pl.DataFrame:
    """``verblijfsobject_id``, ``score_<fenomeen>`` per rule, ``score`` (the highest) and ``fenomeen``."""
    per = [
        pl.when(rule).then(1.0 + severity.clip(0.0, 0.99)).otherwise(0.0).fill_null(0.0).alias(f"score_{f}")
        for f, (rule, severity) in RULES.items()
    ]
    cols = [f"score_{f}" for f in FENOMENEN]
    out = features.select("verblijfsobject_id", *per)
    return out.with_columns(
        pl.max_horizontal(cols).alias("score"),
        pl.when(pl.max_horizontal(cols) > 0)
        .then(
            pl.concat_list(cols)
            .list.arg_max()
            .replace_strict(dict(enumerate(FENOMENEN)), return_dtype=pl.String)
        )
        .otherwise(None)
        .alias("fenomeen"),
    )
