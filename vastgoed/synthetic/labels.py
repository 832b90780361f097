"""Past investigations (partial, biased labels) and the audit attributes of every registered person."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.core.schema import FENOMENEN
from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.ownership import Ownership
from vastgoed.synthetic.permits import Permits
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.population import OPEN, Population
from vastgoed.synthetic.reports import Reports
from vastgoed.synthetic.surnames import SURNAME_TABLE
from vastgoed.synthetic.utility import Utility
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import Arr, CompanyTable, PersonTable, day

__all__ = ["HERKOMST_GROEPEN", "Investigations", "audit_groups", "build_investigations"]

HERKOMST_GROEPEN = ("Nederland", "Europa (excl. Nederland)", "Buiten Europa")
_P = day(2025, 1, 1)


@dataclass
class Investigations:
    """One entry per investigation: vbo, day, suspected fenomeen, confirmed.

    ``bias_buurten`` (buurt indices) and ``bias_groep`` (``attribuut=groep``) are the selection biases
    planted in the past: what the fairness audit's label record must find, and nothing else.
    """

    vbo: Arr
    datum: Arr
    fenomeen: Arr
    bevestigd: Arr
    bias_buurten: Arr | None = None
    bias_groep: str = ""


def _count_by(vbo: Arr, mask: Arr, n: int) -> Arr:
    return np.bincount(vbo[mask], minlength=n)


def build_investigations(
    rng: np.random.Generator,
    geo: Geo,
    plan: Plan,
    pop: Population,
    pt: PersonTable,
    util: Utility,
    rep: Reports,
    own: Ownership,
    ct: CompanyTable,
    permits: Permits,
    scale: float,
    v: WorldVariation,
) -> Investigations:
    """Choose the addresses the working group investigated in 2019-2024, and their outcomes.

    Selection follows reports and earlier simple rules, over-weights a few buurten and addresses whose
    residents are mostly of one non-Dutch herkomst group, and misses many true cases. Outcomes match
    the truth about 88% of the time (at the demo parameters; :class:`variation.WorldVariation`).

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The truth.
        pop: Registrations.
        pt: Persons (herkomst, for the selection bias of the past).
        util: Utility use.
        rep: Reports.
        own: Sale history.
        ct: Establishments.
        permits: Permit decisions (known room-letting addresses are seldom investigated).
        scale: 1.0 is Maastricht.
        v: The world's parameters (how many investigations, how biased their selection, how often
            an outcome is wrong).

    Returns:
        The investigations, ordered by date.
    """
    n = geo.n
    dw = geo.is_dwelling.astype(float)
    fi = {f: i for i, f in enumerate(FENOMENEN)}
    score = np.zeros((n, len(FENOMENEN)))
    cat = rep.categorie
    drugs = _count_by(rep.vbo, np.isin(cat, ["drugs", "stankoverlast"]), n)
    woon = _count_by(rep.vbo, np.isin(cat, ["woonoverlast", "afval"]), n)
    verw = _count_by(rep.vbo, cat == "verwaarlozing", n)
    reg = pop.reg_count
    e24 = np.nan_to_num(util.elec[:, -1], nan=0.0)
    emax = np.nan_to_num(np.nanmax(np.where(np.isnan(util.elec), -1.0, util.elec), axis=1), nan=0.0)
    est = ct.arrays("est")
    open_est = np.bincount(est["vbo"][(est["vbo"] >= 0) & (est["end"] < -(10**6))], minlength=n)
    # quick resales: two sales of one object within a year since 2019
    sales = np.unique(own.vbo * 1_000_000 + own.start)
    sv, sd = sales // 1_000_000, sales % 1_000_000
    quick = np.zeros(n, dtype=bool)
    close = (sv[1:] == sv[:-1]) & (sd[1:] - sd[:-1] < 365) & (sd[1:] > day(2019, 1, 1))
    quick[sv[1:][close]] = True
    # unrelated adults: distinct surnames among the registered
    openw_all = (pop.brp_end == OPEN) & (pop.brp_functie == "W")
    space = len(SURNAME_TABLE)
    pairs = np.unique(pop.brp_vbo[openw_all] * space + pt.data["surname"][pop.brp_person[openw_all]])
    surnames = np.bincount(pairs // space, minlength=n)
    score[:, fi["hennepteelt"]] = 1.0 * drugs + 2.0 * (drugs >= 2) + 4.0 * (emax > 9000) * dw
    score[:, fi["overbewoning"]] = (
        0.5 * woon
        + 1.0 * (woon >= 2)
        + 2.0 * (reg >= 5) * (surnames >= 4)
        + 1.0 * (reg * 14 > geo.area) * (reg >= 3)
    )
    score[:, fi["schijninschrijving"]] = 3.0 * (reg >= 3) * (surnames >= 3) * (e24 < 1500)
    score[:, fi["onverklaarbare_leegstand"]] = (2.0 * (reg == 0) * (e24 < 600) + verw) * dw
    score[:, fi["spookbewoning"]] = 2.0 * (reg == 0) * (e24 > 1200) * dw
    score[:, fi["brievenbusfirma"]] = 4.0 * (open_est >= 10)
    score[:, fi["criminele_vastgoedtransactie"]] = 3.0 * quick * dw
    score = score * dw[:, None] + score * (1 - dw[:, None]) * (
        np.arange(len(FENOMENEN)) == fi["brievenbusfirma"]
    )

    # the biases of the past: a few buurten, and addresses whose residents are mostly of one group
    hot = rng.choice(len(geo.buurt_code), size=min(v.bias_buurten, len(geo.buurt_code)), replace=False)
    bias = np.where(np.isin(geo.buurt, hot), v.bias_buurt, 1.0)
    openw = (pop.brp_end == OPEN) & (pop.brp_functie == "W")
    herk = pt.data["herkomst"][pop.brp_person[openw]]
    vv = pop.brp_vbo[openw]
    non_nl = np.bincount(vv, weights=(herk == 2).astype(float), minlength=n)
    tot = np.bincount(vv, minlength=n)
    mostly = (tot > 0) & (non_nl / np.maximum(tot, 1) >= 0.6)
    bias = bias * np.where(mostly, v.bias_groep, 1.0)
    # addresses with a granted room-letting permit are known student houses: rarely investigated
    kamer = np.zeros(n, dtype=bool)
    kamer[permits.vbo[(permits.soort == "kamerverhuur") & (permits.besluit == "verleend")]] = True
    bias = bias * np.where(kamer, 0.15, 1.0)

    suspected = np.argmax(score + rng.random(score.shape) * 0.01, axis=1)
    w = (score.max(axis=1) + v.toeval * dw) * bias
    # the hot buurten also had area sweeps: ordinary dwellings visited for nothing in particular, so
    # that every hot buurt is over-represented against its addresses, also one with few signals
    w = w + np.isin(geo.buurt, hot) * dw * 0.75 * float(w[dw > 0].mean())
    n_inv = max(25, round(v.onderzoeken * scale))
    chosen = rng.choice(n, size=n_inv, replace=True, p=w / w.sum())
    # tips about ordinary addresses with nothing else to go on: a plausible phenomenon at random
    weak = score[chosen].max(axis=1) == 0
    suspected_c = suspected[chosen]
    suspected_c[weak] = rng.choice(
        [fi["overbewoning"], fi["schijninschrijving"], fi["onverklaarbare_leegstand"], fi["hennepteelt"]],
        size=int(weak.sum()),
        p=[0.35, 0.3, 0.2, 0.15],
    )
    fen = np.array(FENOMENEN, dtype=object)[suspected_c]
    truth = plan.fenomeen[chosen]
    correct = truth == fen
    conf = np.where(correct, rng.random(n_inv) < v.treffer_juist, rng.random(n_inv) < v.treffer_onjuist)
    lo = np.full(n_inv, day(2019, 1, 1))
    lo = np.where(fen == "hennepteelt", np.maximum(lo, plan.hennep_start[chosen] + 60), lo)
    lo = np.where(
        correct & (fen == "onverklaarbare_leegstand"), np.maximum(lo, plan.vac_start[chosen] + 200), lo
    )
    lo = np.minimum(lo, _P - 20)
    datum = lo + (rng.random(n_inv) * (_P - 2 - lo)).astype(np.int64)
    key = chosen * 100_000 + datum
    _, first = np.unique(key * 10 + suspected_c, return_index=True)
    first = np.sort(first)
    order = first[np.lexsort((chosen[first], datum[first]))]
    return Investigations(
        vbo=chosen[order],
        datum=datum[order],
        fenomeen=fen[order],
        bevestigd=conf[order],
        bias_buurten=np.sort(hot),
        bias_groep=f"herkomst_groep={HERKOMST_GROEPEN[2]}" if v.bias_groep > 1.0 else "",
    )


def audit_groups(pt: PersonTable, persons: Arr) -> tuple[Arr, Arr, Arr]:
    """Leeftijdsgroep at the peildatum, geslacht and herkomst_groep of ``persons``."""
    age = (_P - pt.data["birth"][persons]) / 365.25
    bins = np.array([18, 30, 45, 65])
    labels = np.array(["0-17", "18-29", "30-44", "45-64", "65+"], dtype=object)
    leeftijd = labels[np.searchsorted(bins, age, side="right")]
    geslacht = np.where(pt.data["sex"][persons] == 0, "man", "vrouw").astype(object)
    herkomst = np.array(HERKOMST_GROEPEN, dtype=object)[pt.data["herkomst"][persons]]
    return leeftijd, geslacht, herkomst
