"""Permit decisions (vergunningen): renovations, room letting, splitting, horeca, with Bibob checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.companies import Companies
from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.ownership import Ownership
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.world import Arr, HType, State, Tenure, day

__all__ = ["Permits", "build_permits"]

_P = day(2025, 1, 1)


@dataclass
class Permits:
    """One entry per permit decision.

    Attributes: vbo, soort, applicant person or enterprise (-1 for the other), date, besluit, bibob.
    """

    vbo: Arr
    soort: Arr
    person: Arr
    ent: Arr
    datum: Arr
    besluit: Arr
    bibob: Arr


def build_permits(rng: np.random.Generator, geo: Geo, plan: Plan, own: Ownership, comp: Companies) -> Permits:
    """Draw permit decisions; renovation look-alikes get the permit that explains their vacancy.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address.
        own: Current owners (the usual applicants).
        comp: Businesses (horeca applicants).

    Returns:
        The permit decisions.
    """
    n = geo.n
    st = plan.state
    dw = geo.is_dwelling
    parts: list[tuple[Arr, str | Arr, Arr, Arr]] = []  # vbo, soort, date, besluit

    reno = np.flatnonzero(st == State.RENOVATION)
    parts.append(
        (
            reno,
            "omgevingsvergunning",
            plan.vac_start[reno] - rng.integers(30, 200, len(reno)),
            np.full(len(reno), "verleend", dtype=object),
        )
    )
    n_dw = int(dw.sum())
    for y in range(2019, 2025):
        k = round(0.012 * n_dw)
        cand = np.flatnonzero(
            dw & np.isin(st, [State.REGULAR, State.STUDENT_HOUSE, State.DEATH, State.RECENT_SALE])
        )
        v = cand[rng.integers(0, len(cand), k)]
        d = day(y, 1, 1) + rng.integers(0, 365, k)
        b = rng.choice(
            np.array(["verleend", "geweigerd", "ingetrokken", "lopend"], dtype=object),
            size=k,
            p=[0.88, 0.04, 0.03, 0.05],
        )
        b = np.where((b == "lopend") & (d < day(2024, 7, 1)), "verleend", b)
        parts.append((v, "omgevingsvergunning", d, b))
        knr = round(0.02 * (~dw).sum())
        v = np.flatnonzero(~dw)[rng.integers(0, int((~dw).sum()), knr)]
        parts.append(
            (
                v,
                "omgevingsvergunning",
                day(y, 1, 1) + rng.integers(0, 365, knr),
                np.full(knr, "verleend", dtype=object),
            )
        )
        ks = round(0.0015 * n_dw)
        ll = np.flatnonzero(dw & np.isin(plan.tenure, [Tenure.LL_PERSON, Tenure.LL_BV]))
        v = ll[rng.integers(0, len(ll), ks)]
        parts.append(
            (
                v,
                "splitsing",
                day(y, 1, 1) + rng.integers(0, 365, ks),
                rng.choice(np.array(["verleend", "geweigerd"], dtype=object), size=ks, p=[0.8, 0.2]),
            )
        )
    sh = np.flatnonzero((st == State.STUDENT_HOUSE) & (rng.random(n) < 0.85))
    parts.append(
        (
            sh,
            "kamerverhuur",
            day(2010, 1, 1) + rng.integers(0, 4000, len(sh)),
            np.full(len(sh), "verleend", dtype=object),
        )
    )
    lab = np.flatnonzero((st == State.LABOUR) & (rng.random(n) < 0.5))
    parts.append(
        (
            lab,
            "kamerverhuur",
            day(2018, 1, 1) + rng.integers(0, 2000, len(lab)),
            np.full(len(lab), "verleend", dtype=object),
        )
    )
    ov = np.flatnonzero((st == State.OVERBEWONING) & (rng.random(n) < 0.25))
    parts.append(
        (
            ov,
            "kamerverhuur",
            day(2021, 1, 1) + rng.integers(0, 1400, len(ov)),
            rng.choice(np.array(["geweigerd", "lopend"], dtype=object), size=len(ov), p=[0.6, 0.4]),
        )
    )
    crime = np.flatnonzero((plan.fenomeen == "criminele_vastgoedtransactie") & (rng.random(n) < 0.3))
    parts.append(
        (
            crime,
            "splitsing",
            day(2020, 1, 1) + rng.integers(0, 1800, len(crime)),
            rng.choice(np.array(["verleend", "geweigerd"], dtype=object), size=len(crime), p=[0.5, 0.5]),
        )
    )
    horeca = np.flatnonzero(
        (geo.htype == HType.NONRES) & (geo.doel == "bijeenkomstfunctie") & (comp.business_at >= 0)
    )
    for hsoort in ("exploitatievergunning", "drank_en_horeca"):
        d = day(2015, 1, 1) + rng.integers(0, 3600, len(horeca))
        b = rng.choice(
            np.array(["verleend", "geweigerd", "ingetrokken"], dtype=object),
            size=len(horeca),
            p=[0.9, 0.06, 0.04],
        )
        parts.append((horeca, hsoort, d, b))

    vbo = np.concatenate([p[0] for p in parts]).astype(np.int64)
    soort = np.concatenate(
        [np.full(len(p[0]), p[1], dtype=object) if isinstance(p[1], str) else p[1] for p in parts]
    )
    datum = np.minimum(np.concatenate([p[2] for p in parts]).astype(np.int64), _P - 3)
    besluit = np.concatenate([p[3] for p in parts]).astype(object)
    # the applicant is the owner; horeca permits are applied for by the business
    person = own.owner_person[vbo].copy()
    ent = own.owner_ent[vbo].copy()
    hor = np.isin(soort, ["exploitatievergunning", "drank_en_horeca"])
    ent[hor] = comp.business_at[vbo[hor]]
    person[hor] = -1
    no_owner = (person < 0) & (ent < 0)
    ent[no_owner] = comp.corp_ent[0]
    network = plan.network[vbo] >= 0
    bibob = hor & (rng.random(len(vbo)) < 0.5) | (rng.random(len(vbo)) < 0.02) | network
    besluit = np.where(network & (rng.random(len(vbo)) < 0.4), "geweigerd", besluit)
    order = np.lexsort((vbo, datum))
    return Permits(
        vbo=vbo[order],
        soort=soort[order],
        person=person[order],
        ent=ent[order],
        datum=datum[order],
        besluit=besluit[order],
        bibob=bibob[order],
    )
