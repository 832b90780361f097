"""Ownership and financing (Kadaster): owners, sale history, prices and mortgages per object."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.companies import Companies, company_names
from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.population import Population, make_persons
from vastgoed.synthetic.world import Arr, CompanyTable, HType, PersonTable, State, Tenure, day, years_to_days

__all__ = ["Ownership", "build_ownership", "market_price"]

_P = day(2025, 1, 1)
_NONE = -(10**7)
_INDEX_YEARS = np.array([1975, 1985, 1995, 2000, 2008, 2013, 2016, 2019, 2022, 2023, 2025])
_INDEX = np.array([0.12, 0.2, 0.36, 0.55, 0.72, 0.6, 0.66, 0.82, 1.0, 0.97, 1.05])


#: Largest portfolio a private landlord holds in their own name; larger ones are held through BVs.
_MAX_PERSON_PORTFOLIO = 30


def _capped(rng: np.random.Generator, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Reassign the objects above :data:`_MAX_PERSON_PORTFOLIO` of any owner to random owners."""
    order = np.argsort(owner, kind="stable")
    ranked = owner[order]
    pos = np.arange(len(ranked)) - np.searchsorted(ranked, ranked)
    over = order[pos >= _MAX_PERSON_PORTFOLIO]
    out = owner.copy()
    out[over] = rng.integers(0, n_owners, len(over))
    return out


def market_price(geo: Geo, vbo: Arr, when: Arr, rng: np.random.Generator | None = None) -> Arr:
    """Market price in euro of objects ``vbo`` at days ``when`` (buurt level, size and year index)."""
    year = 1970 + np.asarray(when) / 365.25
    idx = np.interp(year, _INDEX_YEARS, _INDEX)
    per_m2 = np.where(geo.htype[vbo] == HType.NONRES, 2200.0, 3900.0)
    base = geo.area[vbo] * per_m2 * idx * geo.buurt_factor[geo.buurt[vbo]]
    if rng is not None:
        base = base * np.exp(rng.normal(0, 0.12, len(base)))
    return np.asarray(np.round(base / 500.0) * 500.0)


@dataclass
class Ownership:
    """Kadaster rows (one per ownership right) and the current owner per vbo.

    Row attributes: vbo, person (-1 for a legal person), ent (-1 for a natural person), start, end
    (a large negative sentinel when current), koopsom (-1 unknown), hypotheek.
    """

    vbo: Arr
    person: Arr
    ent: Arr
    start: Arr
    end: Arr
    koopsom: Arr
    hypotheek: Arr
    owner_person: Arr
    owner_ent: Arr


class _Rows:
    def __init__(self) -> None:
        self.parts: list[tuple[Arr, ...]] = []

    def add(self, vbo: Arr, person: Arr, ent: Arr, start: Arr, end: Arr, koopsom: Arr, hyp: Arr) -> None:
        k = len(vbo)
        self.parts.append(
            tuple(
                np.broadcast_to(np.asarray(a), (k,)).copy()
                for a in (vbo, person, ent, start, end, koopsom, hyp)
            )
        )


def _vastgoed_bvs(
    rng: np.random.Generator,
    ct: CompanyTable,
    n: int,
    founded: Arr,
    closed: Arr,
    kind: str,
    officers: Arr,
    vbo: Arr,
) -> Arr:
    rv = np.full(n, "bv", dtype=object)
    names, sbi = company_names(rng, "vastgoed", rv)
    ents = ct.add_enterprises(names, rv, sbi, founded, closed, kind)
    ct.add_establishments(ents, vbo, np.zeros(n, dtype=bool), founded, closed)
    ct.add_officers(ents, officers, np.full(n, "bestuurder", dtype=object), founded, closed)
    return ents


def build_ownership(
    rng: np.random.Generator,
    geo: Geo,
    plan: Plan,
    pop: Population,
    comp: Companies,
    pt: PersonTable,
    ct: CompanyTable,
    scale: float,
) -> Ownership:
    """Give every object its owners and sale history.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address (tenure, crime and network ties).
        pop: Residents and households (owner-occupiers own their home).
        comp: The register's corporations, businesses and networks.
        pt: Person table (owners who live elsewhere are added).
        ct: Company table (landlord, investor, developer and network companies are added).
        scale: 1.0 is Maastricht.

    Returns:
        Kadaster rows and the current owner per object.
    """
    n = geo.n
    ten = plan.tenure
    rows = _Rows()
    owner_person = np.full(n, -1, dtype=np.int64)
    owner_ent = np.full(n, -1, dtype=np.int64)
    acq = np.full(n, _NONE, dtype=np.int64)
    hyp_p = np.full(n, 0.6)
    bj_day = (geo.bouwjaar.astype(np.int64) - 1970) * 36525 // 100
    offices = np.flatnonzero(
        (geo.htype == HType.NONRES)
        & (plan.state == State.NONRES)
        & np.char.startswith(geo.doel.astype(str), "kantoorfunctie")
    )
    heads = pop.hh_head[pop.hh_kind == 0]
    first_hh = np.full(n, -1, dtype=np.int64)
    order = np.argsort(pop.hh_vbo, kind="stable")
    hv_sorted = pop.hh_vbo[order]
    starts = np.r_[True, hv_sorted[1:] != hv_sorted[:-1]]
    first_hh[hv_sorted[starts]] = order[starts]

    # corporations own long-term, clustered by buurt
    corp_by_buurt = rng.choice(3, size=len(geo.buurt_code), p=[0.5, 0.3, 0.2])
    m = np.flatnonzero(ten == Tenure.CORP)
    mix = rng.random(len(m)) < 0.2
    owner_ent[m] = comp.corp_ent[np.where(mix, rng.integers(0, 3, len(m)), corp_by_buurt[geo.buurt[m]])]
    acq[m] = np.maximum(bj_day[m], day(1975, 1, 1)) + rng.integers(0, 400, len(m))
    hyp_p[m] = 0.25
    m = np.flatnonzero(ten == Tenure.STUDENT_CORP)
    owner_ent[m] = comp.student_corp_ent
    acq[m] = np.maximum(bj_day[m], day(1985, 1, 1)) + rng.integers(0, 300, len(m))
    hyp_p[m] = 0.3

    # owner-occupiers own the home they live in (with a partner: two rights)
    oo = np.flatnonzero(ten == Tenure.OO)
    st = plan.state[oo]
    lives = np.isin(st, [State.REGULAR, State.SCHIJN, State.HENNEP]) & (first_hh[oo] >= 0)
    h = first_hh[oo[lives]]
    owner_person[oo[lives]] = pop.hh_head[h]
    acq[oo[lives]] = pop.hh_move_in[h] - rng.integers(0, 60, len(h))
    partner = pop.hh_partner[h]
    has_p = partner >= 0
    co_vbo = oo[lives][has_p]
    dead = oo[st == State.DEATH]
    owner_person[dead] = pop.prev_head[dead]
    acq[dead] = pop.prev_start[dead] - rng.integers(0, 60, len(dead))
    newo = oo[np.isin(st, [State.RECENT_SALE, State.RENOVATION]) | (~lives & ~np.isin(st, [State.DEATH]))]
    owner_person[newo] = make_persons(rng, pt, len(newo), 26, 60, _P)
    sale_new = np.where(
        plan.state[newo] == State.RECENT_SALE,
        np.minimum(plan.vac_start[newo] + rng.integers(0, 120, len(newo)), _P - 5),
        np.minimum(plan.vac_start[newo] - rng.integers(0, 200, len(newo)), _P - 5),
    )
    acq[newo] = sale_new
    hyp_p[oo] = 0.82

    # private landlords (persons) with portfolios, and their BVs
    llp = np.flatnonzero(ten == Tenure.LL_PERSON)
    n_llp = max(3, len(llp) * 10 // 22)
    ll_persons = np.concatenate(
        [
            heads[rng.integers(0, len(heads), n_llp * 55 // 100)],
            make_persons(rng, pt, n_llp - n_llp * 55 // 100, 35, 75, _P),
        ]
    )
    w = 1.0 / np.arange(1, n_llp + 1) ** 1.1
    owner_person[llp] = ll_persons[_capped(rng, rng.choice(n_llp, size=len(llp), p=w / w.sum()), n_llp)]
    llb = np.flatnonzero(ten == Tenure.LL_BV)
    n_llb = max(3, len(llb) // 3)
    bv_founded = _P - years_to_days(rng.uniform(2, 35, n_llb))
    bv_officer = np.where(
        rng.random(n_llb) < 0.35,
        ll_persons[rng.integers(0, n_llp, n_llb)],
        make_persons(rng, pt, n_llb, 35, 70, _P),
    )
    bv_vbo = np.where(rng.random(n_llb) < 0.6, offices[rng.integers(0, len(offices), n_llb)], -1)
    ll_bvs = _vastgoed_bvs(
        rng, ct, n_llb, bv_founded, np.full(n_llb, _NONE), "verhuurder", bv_officer, bv_vbo
    )
    w = 1.0 / np.arange(1, n_llb + 1) ** 1.0
    pick = rng.choice(n_llb, size=len(llb), p=w / w.sum())
    owner_ent[llb] = ll_bvs[pick]
    ll_acq_lo = np.maximum(bv_founded[pick], day(1995, 1, 1))
    acq[llb] = ll_acq_lo + (rng.random(len(llb)) * (_P - 30 - ll_acq_lo)).astype(np.int64)
    acq[llp] = day(1990, 1, 1) + rng.integers(0, _P - 30 - day(1990, 1, 1), len(llp))
    hyp_p[llp] = 0.55
    hyp_p[llb] = 0.6
    # overcrowded dwellings: one landlord lets several of them
    slum = np.flatnonzero(plan.slumlord >= 0)
    n_sl = int(plan.slumlord.max()) + 1 if len(slum) else 0
    sl_is_person = rng.random(n_sl) < 0.5
    sl_person = make_persons(rng, pt, n_sl, 35, 70, _P)
    sl_ent = _vastgoed_bvs(
        rng,
        ct,
        n_sl,
        _P - years_to_days(rng.uniform(1, 15, n_sl)),
        np.full(n_sl, _NONE),
        "verhuurder",
        sl_person,
        np.full(n_sl, -1),
    )
    g = plan.slumlord[slum]
    owner_person[slum] = np.where(sl_is_person[g], sl_person[g], -1)
    owner_ent[slum] = np.where(sl_is_person[g], -1, sl_ent[g])
    # the same landlords also own some ordinary rented dwellings
    extra = np.flatnonzero((ten == Tenure.LL_PERSON) & (plan.state == State.REGULAR))
    extra = extra[rng.permutation(len(extra))[: min(len(extra), n_sl * 2)]]
    if n_sl:
        ge = rng.integers(0, n_sl, len(extra))
        owner_person[extra] = sl_person[ge]

    # second homes, developers, businesses and investors
    m = np.flatnonzero(ten == Tenure.SECOND_OWNER)
    owner_person[m] = make_persons(rng, pt, len(m), 40, 80, _P)
    acq[m] = plan.vac_start[m] + rng.integers(0, 90, len(m))
    hyp_p[m] = 0.4
    m = np.flatnonzero(ten == Tenure.DEVELOPER)
    n_dev = max(1, round(3 * scale))
    dev = _vastgoed_bvs(
        rng,
        ct,
        n_dev,
        _P - years_to_days(rng.uniform(5, 30, n_dev)),
        np.full(n_dev, _NONE),
        "ontwikkelaar",
        make_persons(rng, pt, n_dev, 40, 65, _P),
        offices[rng.integers(0, len(offices), n_dev)],
    )
    owner_ent[m] = dev[geo.pand[m] % n_dev]
    acq[m] = day(2022, 1, 1) + rng.integers(0, 600, len(m))
    hyp_p[m] = 0.2
    n_inv = max(3, round(12 * scale))
    inv = _vastgoed_bvs(
        rng,
        ct,
        n_inv,
        _P - years_to_days(rng.uniform(10, 50, n_inv)),
        np.full(n_inv, _NONE),
        "belegger",
        make_persons(rng, pt, n_inv, 40, 65, _P),
        offices[rng.integers(0, len(offices), n_inv)],
    )
    m = np.flatnonzero(ten == Tenure.INVESTOR)
    owner_ent[m] = inv[rng.integers(0, n_inv, len(m))]
    acq[m] = np.maximum(bj_day[m], day(1985, 1, 1)) + rng.integers(0, 3000, len(m))
    m = np.flatnonzero(ten == Tenure.BUSINESS)
    has_b = comp.business_at[m] >= 0
    owner_ent[m] = np.where(has_b, comp.business_at[m], inv[rng.integers(0, n_inv, len(m))])
    acq[m] = np.maximum(bj_day[m], day(1985, 1, 1)) + rng.integers(0, 5000, len(m))

    # benign investors: long-established companies buying many dwellings with mortgages
    cand = np.flatnonzero((ten == Tenure.LL_BV) & (plan.state == State.REGULAR) & (plan.lookalike == ""))
    n_bel = min(len(cand), max(3, round(0.004 * geo.is_dwelling.sum())))
    bel = cand[rng.permutation(len(cand))[:n_bel]]
    n_belco = max(1, n_bel // 12)
    belco = _vastgoed_bvs(
        rng,
        ct,
        n_belco,
        _P - years_to_days(rng.uniform(12, 40, n_belco)),
        np.full(n_belco, _NONE),
        "belegger",
        make_persons(rng, pt, n_belco, 40, 65, _P),
        offices[rng.integers(0, len(offices), n_belco)],
    )
    owner_ent[bel] = belco[rng.integers(0, n_belco, n_bel)]
    acq[bel] = day(2019, 1, 1) + rng.integers(0, 2000, n_bel)
    hyp_p[bel] = 1.0
    plan.lookalike[bel] = "belegger"

    # criminal networks: companies founded just before buying, rapid resales, no mortgage
    net_vbo = np.flatnonzero(ten == Tenure.NETWORK)
    bb_sites = np.flatnonzero(plan.state == State.BRIEVENBUS)
    crime = plan.fenomeen == "criminele_vastgoedtransactie"

    def _net_bv(nets: Arr, when: Arr, closed: Arr) -> Arr:
        k = len(nets)
        officer = np.array(
            [comp.net_persons[int(i)][int(rng.integers(0, len(comp.net_persons[int(i)])))] for i in nets],
            dtype=np.int64,
        )
        site = np.array(
            [
                (int(bb_sites[plan.network[bb_sites] == i][0]) if np.any(plan.network[bb_sites] == i) else -1)
                for i in nets
            ],
            dtype=np.int64,
        )
        site = np.where(
            site >= 0, site, np.where(rng.random(k) < 0.5, offices[rng.integers(0, len(offices), k)], -1)
        )
        founded = when - rng.integers(10, 95, k)
        return _vastgoed_bvs(rng, ct, k, founded, closed, "netwerk", officer, site)

    non_crime_net = net_vbo[~crime[net_vbo]]
    when = np.where(
        plan.state[non_crime_net] == State.HENNEP,
        plan.hennep_start[non_crime_net] - rng.integers(100, 1000, len(non_crime_net)),
        _P - rng.integers(400, 3000, len(non_crime_net)),
    )
    owner_ent[non_crime_net] = _net_bv(
        np.maximum(plan.network[non_crime_net], 0), when, np.full(len(non_crime_net), _NONE)
    )
    acq[non_crime_net] = when
    hyp_p[non_crime_net] = 0.05

    # --- current rows ----------------------------------------------------------------------------
    cur = np.flatnonzero((owner_person >= 0) | (owner_ent >= 0))
    cur = cur[~crime[cur]]
    acq[cur] = np.where(acq[cur] == _NONE, day(1995, 1, 1) + rng.integers(0, 9000, len(cur)), acq[cur])
    acq[cur] = np.minimum(acq[cur], _P - 5)
    price = market_price(geo, cur, acq[cur], rng)
    price = np.where(
        np.isin(ten[cur], [Tenure.CORP, Tenure.STUDENT_CORP, Tenure.DEVELOPER])
        & (rng.random(len(cur)) < 0.6),
        -1,
        price,
    )
    price = np.where(rng.random(len(cur)) < 0.05, -1, price)
    hyp = rng.random(len(cur)) < hyp_p[cur]
    rows.add(cur, owner_person[cur], owner_ent[cur], acq[cur], np.full(len(cur), _NONE), price, hyp)
    rows.add(
        co_vbo,
        partner[has_p],
        np.full(len(co_vbo), -1),
        acq[co_vbo],
        np.full(len(co_vbo), _NONE),
        price[np.searchsorted(cur, co_vbo)],
        hyp[np.searchsorted(cur, co_vbo)],
    )

    # --- history: earlier owners back to before 2003 ---------------------------------------------
    hist = cur[~np.isin(ten[cur], [Tenure.CORP, Tenure.STUDENT_CORP, Tenure.DEVELOPER])]
    t_end = acq[hist].copy()
    floor = np.maximum(bj_day[hist], day(1980, 1, 1))
    seller_known = np.where(
        np.isin(plan.state[hist], [State.RECENT_SALE, State.RENOVATION])
        | ((ten[hist] == Tenure.OO) & (rng.random(len(hist)) < 0.5)),
        pop.prev_head[hist],
        -1,
    )
    active = t_end > floor + 200
    for step in range(5):
        ids = np.flatnonzero(active)
        if len(ids) == 0:
            break
        hold = years_to_days(np.clip(rng.exponential(10.0, len(ids)), 1.5, 40))
        t_start = np.maximum(t_end[ids] - hold, floor[ids])
        v = hist[ids]
        person = make_persons(rng, pt, len(ids), 30, 70, t_end[ids])
        if step == 0:
            known = seller_known[ids] >= 0
            person[known] = seller_known[ids][known]
        pr = market_price(geo, v, t_start, rng)
        pr = np.where(t_start <= floor[ids], -1, pr)
        rows.add(v, person, np.full(len(ids), -1), t_start, t_end[ids], pr, rng.random(len(ids)) < 0.75)
        t_end[ids] = t_start
        active[ids] = t_start > floor[ids] + 200

    # --- criminal transactions: 5+ sales in 20 years with ABC resales within six months ----------
    cv = np.flatnonzero(crime)
    # Not every case shows every red flag (an academic review warned that several are speculative):
    # some final buyers take a registered (private or network) mortgage, some are a network person
    # (a katvanger) rather than a BV, and networks reuse their BVs, so portfolios grow.
    bvs_of_net: dict[int, list[int]] = {}
    for v in cv.tolist():
        k = int(rng.integers(5, 9))
        gaps = rng.exponential(900, k - 1)
        gaps[-2:] = rng.integers(35, 175, 2)
        dates = np.cumsum(np.r_[rng.integers(day(2005, 1, 1), day(2010, 1, 1)), gaps]).astype(np.int64)
        dates = dates - max(0, int(dates[-1]) - int(_P - rng.integers(30, 600)))
        net = int(plan.network[v])
        mkt = market_price(geo, np.full(k, v), dates, rng)
        factor = np.ones(k)
        factor[-2] = rng.uniform(0.55, 0.75)
        factor[-1] = rng.uniform(1.3, 1.6)
        price = np.round(mkt * factor / 500) * 500
        ends = np.r_[dates[1:], _NONE]
        # earlier owners: ordinary persons; the last three: network companies and persons
        pers = make_persons(rng, pt, k, 30, 70, dates)
        ents = np.full(k, -1, dtype=np.int64)
        closed = np.full(3, _NONE, dtype=np.int64)
        closed[1] = ends[-2] + int(rng.integers(30, 300))
        closed = np.where(closed < _P - 1, closed, _NONE)
        ents[-3:] = _net_bv(np.full(3, net), dates[-3:], closed)
        np_ = comp.net_persons[net]
        if rng.random() < 0.4:
            ents[-3] = -1
            pers[-3] = np_[int(rng.integers(0, len(np_)))]
        earlier = bvs_of_net.get(net, [])
        if earlier and rng.random() < 0.4:
            ents[-1] = earlier[int(rng.integers(0, len(earlier)))]
        if rng.random() < 0.25:
            ents[-1] = -1
            pers[-1] = np_[int(rng.integers(0, len(np_)))]
        pers[ents >= 0] = -1
        last3 = np.arange(k) >= k - 3
        hyp = np.where(last3, rng.random(k) < 0.3, (rng.random(k) < 0.7) & (ents < 0))
        rows.add(np.full(k, v), pers, ents, dates, ends, price, hyp)
        owner_ent[v] = ents[-1]
        owner_person[v] = pers[-1] if ents[-1] < 0 else owner_person[v]
        if ents[-1] >= 0:
            bvs_of_net.setdefault(net, []).append(int(ents[-1]))

    cols = list(zip(*rows.parts, strict=True))
    vbo, person, ent, start, end, koopsom, hypotheek = (np.concatenate(c) for c in cols)
    return Ownership(
        vbo=vbo.astype(np.int64),
        person=person.astype(np.int64),
        ent=ent.astype(np.int64),
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        koopsom=koopsom.astype(np.int64),
        hypotheek=hypotheek.astype(bool),
        owner_person=owner_person,
        owner_ent=owner_ent,
    )
