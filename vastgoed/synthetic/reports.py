"""Reports by residents (MeldDesk): ordinary nuisance everywhere, more of some kinds at some phenomena."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.world import Arr, HType, State, day

__all__ = ["CATEGORIES", "Reports", "build_reports"]

CATEGORIES = (
    "afval",
    "parkeren",
    "overlast",
    "geluidsoverlast",
    "woonoverlast",
    "stankoverlast",
    "drugs",
    "verwaarlozing",
)
_BASE_P = np.array([0.28, 0.2, 0.18, 0.14, 0.1, 0.04, 0.03, 0.03])
_T0, _T1 = day(2021, 1, 1), day(2024, 12, 31)

#: Extra reports per address over the period: (state, mean count, categories, probabilities).
_EXTRA: tuple[tuple[State, float, tuple[str, ...], tuple[float, ...]], ...] = (
    (State.HENNEP, 1.6, ("stankoverlast", "drugs", "overlast"), (0.5, 0.4, 0.1)),
    (State.OVERBEWONING, 1.6, ("woonoverlast", "afval", "overlast", "parkeren"), (0.4, 0.3, 0.2, 0.1)),
    (State.SCHIJN, 0.3, ("overlast", "woonoverlast"), (0.5, 0.5)),
    (State.SPOOK, 0.3, ("overlast", "afval"), (0.5, 0.5)),
    (State.LEEGSTAND, 0.6, ("verwaarlozing", "afval"), (0.7, 0.3)),
    (State.STUDENT_HOUSE, 0.35, ("geluidsoverlast", "afval"), (0.6, 0.4)),
    (State.LABOUR, 0.5, ("woonoverlast", "parkeren", "afval"), (0.4, 0.4, 0.2)),
    (State.BRIEVENBUS, 0.2, ("overlast",), (1.0,)),
)


@dataclass
class Reports:
    """One entry per report: vbo, day, category."""

    vbo: Arr
    datum: Arr
    categorie: Arr


def build_reports(rng: np.random.Generator, geo: Geo, plan: Plan) -> Reports:
    """Draw the reports of 2021-2024.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address.

    Returns:
        The reports, ordered by date.
    """
    n = geo.n
    horeca = geo.doel == "bijeenkomstfunctie"
    lam = np.where(geo.htype == HType.NONRES, np.where(horeca, 0.9, 0.25), 0.16)
    k = rng.poisson(lam)
    vbo = np.repeat(np.arange(n), k)
    cat = np.array(CATEGORIES, dtype=object)[rng.choice(len(CATEGORIES), size=len(vbo), p=_BASE_P)]
    lo = np.full(len(vbo), _T0)
    parts_v, parts_c, parts_lo = [vbo], [cat], [lo]
    for st, mean, cats, ps in _EXTRA:
        sites = np.flatnonzero(plan.state == st)
        ke = rng.poisson(mean, size=len(sites))
        v = np.repeat(sites, ke)
        parts_v.append(v)
        parts_c.append(np.array(cats, dtype=object)[rng.choice(len(cats), size=len(v), p=np.array(ps))])
        start = np.where(st == State.HENNEP, plan.hennep_start[v] + 30, _T0)
        parts_lo.append(np.clip(start, _T0, _T1 - 1))
    v = np.concatenate(parts_v)
    c = np.concatenate(parts_c)
    lo = np.concatenate(parts_lo)
    d = lo + (rng.random(len(v)) * (_T1 - lo)).astype(np.int64)
    order = np.lexsort((v, d))
    return Reports(vbo=v[order], datum=d[order], categorie=c[order])
