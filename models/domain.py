"""What is known before any label: per phenomenon, which features it may use and in which direction.

Labels are scarce (about a thousand investigations, spread over seven phenomena) and biased, so
the model is told what the field already knows rather than left to rediscover it:

- **Monotone constraints.** Where the direction is known, the phenomenon's model may only move one
  way with the feature: more electricity never makes cannabis cultivation less likely; more
  people registered never makes a dwelling look more vacant. LightGBM enforces this per tree.
- **Excluded features.** A feature whose meaning breaks for a phenomenon is left out of its model.
  Onverklaarbare leegstand does not use the household-normed ratios (the "household" is who is
  *not* there: removing residents lowers the norm and so raises the ratio) nor the network reached
  through residents, nor ``leegstand_verklaard`` (``leegstand_onverklaard_maanden`` carries the
  explanation without rewarding the registration itself).
- **Fill values.** A value that is undefined for a reason is filled with what the reason means, so
  that a constraint holds across it: ``m2_per_persoon`` with nobody registered is unbounded space
  per person, not "unknown".

The constraints are tested as behaviour (``tests/model/test_signal_model.py``), not just declared.
"""

from __future__ import annotations

import polars as pl

from vastgoed.core.schema import FENOMENEN

__all__ = ["EXCLUDED", "FILL_VALUES", "MONOTONE", "OUTSIDE_DEFINITION", "RULE_FEATURE", "monotone_vector"]

#: The rule flag each phenomenon's model gets as an input: ``regel_<fenomeen>``.
RULE_FEATURE = {f: f"regel_{f}" for f in FENOMENEN}

_ELEC_UP = {
    "elektriciteit_kwh": 1,
    "elektriciteit_per_m2": 1,
    "elektriciteit_t_o_v_norm": 1,
    "elektriciteit_t_o_v_straat": 1,
    "elektriciteit_sprong": 1,
    "gas_elektriciteit_ratio": -1,
}
_ELEC_DOWN = {k: -v for k, v in _ELEC_UP.items() if k not in ("elektriciteit_t_o_v_norm",)}
_REGISTERED_DOWN = {
    "n_ingeschreven": -1,
    "n_volwassen": -1,
    "n_briefadres": -1,
    "n_achternamen_volwassen": -1,
    "n_inschrijfdata_volwassen": -1,
    "mutaties_2j": -1,
    "kort_ingeschreven_2j": -1,
    "volwassenen_buiten_huisgezin": -1,
    "m2_per_persoon": 1,
    "maanden_zonder_inschrijving": 1,
    "leegstand_maanden": 1,
    "leegstand_onverklaard_maanden": 1,
}

#: Per phenomenon: feature -> +1 (never lowers the score) or -1 (never raises it).
MONOTONE: dict[str, dict[str, int]] = {
    "onverklaarbare_leegstand": {
        **_REGISTERED_DOWN,
        **{k: v for k, v in _ELEC_DOWN.items() if k != "gas_elektriciteit_ratio"},
        "water_m3": -1,
        "jaren_nulverbruik": 1,
        "omgevingsvergunning_2j": -1,
        "status_niet_in_gebruik": -1,
        "laatste_bewoner_zorgadres": -1,
        "meldingen_woonoverlast_3j": 0,
        # the phenomenon's definition (data contract): no company is established there either
        "n_vestigingen": -1,
        "n_kvk_nummers": -1,
        "vestigingen_op_woonadres": -1,
        RULE_FEATURE["onverklaarbare_leegstand"]: 1,
    },
    "spookbewoning": {
        **_ELEC_UP,
        "water_m3": 1,
        "water_t_o_v_norm": 1,
        "gas_m3": 1,
        "n_ingeschreven": -1,
        "jaren_nulverbruik": -1,
        "vakantieverhuur_vergunning": -1,
        RULE_FEATURE["spookbewoning"]: 1,
    },
    "schijninschrijving": {
        "n_volwassen": 1,
        "n_achternamen_volwassen": 1,
        "n_inschrijfdata_volwassen": 1,
        "volwassenen_buiten_huisgezin": 1,
        "elektriciteit_t_o_v_norm": -1,
        "water_t_o_v_norm": -1,
        RULE_FEATURE["schijninschrijving"]: 1,
    },
    "overbewoning": {
        "water_m3": 1,
        "water_t_o_v_norm": 1,
        "m2_per_persoon": -1,
        "meldingen_woonoverlast_3j": 1,
        RULE_FEATURE["overbewoning"]: 1,
    },
    "hennepteelt": {
        **_ELEC_UP,
        # a supply tapped before the meter: metered use falls (data contract, hennepteelt)
        "elektriciteit_t_o_v_eerder": -1,
        "meldingen_drugs_stank_3j": 1,
        RULE_FEATURE["hennepteelt"]: 1,
    },
    "brievenbusfirma": {
        "n_vestigingen": 1,
        "n_vestigingen_nieuw_2j": 1,
        "n_vestigingen_kortlevend": 1,
        "n_kvk_nummers": 1,
        RULE_FEATURE["brievenbusfirma"]: 1,
    },
    "criminele_vastgoedtransactie": {
        "verkopen_20j": 1,
        "snelle_doorverkoop": 1,
        "geen_hypotheek": 1,
        "portefeuille_groei_2j": 1,
        "netwerk_eigenaar_bevestigd": 1,
        RULE_FEATURE["criminele_vastgoedtransactie"]: 1,
    },
}

#: Per phenomenon: features its model does not use (see the module docstring).
EXCLUDED: dict[str, frozenset[str]] = {f: frozenset() for f in FENOMENEN} | {
    "onverklaarbare_leegstand": frozenset(
        {
            "elektriciteit_t_o_v_norm",
            "water_t_o_v_norm",
            "leegstand_verklaard",
            "netwerk_bevestigde_adressen",
            "netwerk_max_bevestigde_objecten",
            "gas_elektriciteit_ratio",
        }
    ),
}

_NO_METER = pl.col("elektriciteit_kwh").is_null()

#: Where a phenomenon cannot hold, or cannot be shown, by its own definition (data contract,
#: *Phenomena*): its score is 0 there.
#:
#: - Onverklaarbare leegstand is "a dwelling with nobody registered, no company, and (near) no utility
#:   use": an address with a registered resident or an active establishment is something else
#:   (measured: without this, a dwelling with 51–68 establishments and nobody registered was ranked as
#:   vacancy, not as brievenbusfirma), and without a meter reading "(near) no use" cannot be shown.
#: - Spookbewoning is "utility use well above what an empty dwelling draws": not shown where neither
#:   electricity nor water use is known.
#: - Hennepteelt is "electricity far above the household's norm, or normal metered use with the supply
#:   tapped before the meter": both forms are read from the meter. A gap in the utility extract is no
#:   evidence (as for the low-use rules, ``models.baseline``); measured on the independent world's seed 3,
#:   the learned model put 0.13–0.30 on addresses without any reading (3 of its 194 cases have none).
#: - Brievenbusfirma is "companies registered at an address where no business happens": an address
#:   without an active establishment has no company registered.
OUTSIDE_DEFINITION: dict[str, pl.Expr] = {
    "onverklaarbare_leegstand": (pl.col("n_vestigingen").fill_null(0) > 0)
    | (pl.col("n_ingeschreven").fill_null(0) > 0)
    | _NO_METER,
    "spookbewoning": _NO_METER & pl.col("water_m3").is_null(),
    "hennepteelt": _NO_METER,
    "brievenbusfirma": pl.col("n_vestigingen").fill_null(0) == 0,
}

#: Nulls that mean something: filled before the model sees them (explanations show the raw value).
FILL_VALUES: dict[str, float] = {"m2_per_persoon": 1.0e6}


def monotone_vector(fenomeen: str, columns: list[str]) -> list[int]:
    """LightGBM's ``monotone_constraints`` for this phenomenon's model, in column order."""
    table = MONOTONE.get(fenomeen, {})
    return [int(table.get(c, 0)) for c in columns]
