"""Residents, households and their BRP registration history, following the plan of each address."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.names import FIRST_NAMES
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.surnames import surname_pool
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import Arr, HType, PersonTable, State, day, years_to_days

__all__ = ["OPEN", "Population", "build_population", "make_persons"]

#: End day of a registration that is still open.
OPEN = 10**7
_P = day(2025, 1, 1)

#: Herkomst mixes (Nederland, Europa, buiten Europa).
HERKOMST_BASE = (0.74, 0.11, 0.15)
HERKOMST_STUDENT = (0.45, 0.40, 0.15)
HERKOMST_LABOUR = (0.08, 0.87, 0.05)

# household kinds
_GENERAL, _STUDENT, _UNRELATED, _ELDERLY, _ADULT = 0, 1, 2, 3, 4

#: Household size distribution of ordinary households per dwelling type (sizes 1..6).
_SIZE_P: dict[int, tuple[float, ...]] = {
    HType.APT: (0.56, 0.3, 0.075, 0.05, 0.01, 0.005),
    HType.UPPER: (0.56, 0.3, 0.075, 0.05, 0.01, 0.005),
    HType.TERR: (0.26, 0.34, 0.16, 0.17, 0.055, 0.015),
    HType.CORNER: (0.26, 0.34, 0.16, 0.17, 0.055, 0.015),
    HType.SEMI: (0.16, 0.42, 0.15, 0.19, 0.065, 0.015),
    HType.DET: (0.14, 0.44, 0.14, 0.2, 0.065, 0.015),
}


def _surname_pools() -> dict[int, tuple[Arr, Arr]]:
    return {o: surname_pool(o) for o in (0, 1, 2)}


def _voornamen(rng: np.random.Generator, sex: Arr, herkomst: Arr, age: Arr) -> Arr:
    n = len(sex)
    k = np.where(
        herkomst == 0,
        rng.choice([1, 2, 3], size=n, p=[0.45, 0.38, 0.17]),
        rng.choice([1, 2], size=n, p=[0.7, 0.3]),
    )
    k = np.where((herkomst == 0) & (age > 60), np.maximum(k, 2), k)
    picks = rng.random((n, 3))
    out = np.empty(n, dtype=object)
    pools = {key: np.array(v, dtype=object) for key, v in FIRST_NAMES.items()}
    for (o, s), pool in pools.items():
        m = np.flatnonzero((herkomst == o) & (sex == s))
        if len(m) == 0:
            continue
        names = pool[(picks[m] * len(pool)).astype(np.int64)]
        one, two, three = (
            names[:, 0],
            names[:, 0] + " " + names[:, 1],
            names[:, 0] + " " + names[:, 1] + " " + names[:, 2],
        )
        km = k[m]
        out[m] = np.where(km == 1, one, np.where(km == 2, two, three))
    return out


def make_persons(
    rng: np.random.Generator,
    pt: PersonTable,
    n: int,
    age_lo: float,
    age_hi: float,
    ref: Arr | int,
    herkomst_p: tuple[float, float, float] = HERKOMST_BASE,
) -> Arr:
    """Create ``n`` unrelated adults aged ``age_lo``..``age_hi`` at day ``ref``; return their indices."""
    herk = rng.choice(3, size=n, p=np.array(herkomst_p))
    sex = rng.integers(0, 2, size=n)
    age = rng.uniform(age_lo, age_hi, size=n)
    pools = _surname_pools()
    sur = np.empty(n, dtype=np.int64)
    for o in (0, 1, 2):
        m = herk == o
        sur[m] = rng.choice(pools[o][0], size=int(m.sum()), p=pools[o][1])
    birth = np.asarray(ref) - years_to_days(age)
    return pt.add(sur, _voornamen(rng, sex, herk, age), birth, sex, herk)


@dataclass
class _Households:
    """Households created in one batch: members (flat) and per-household head/partner/size."""

    member: Arr
    member_hh: Arr
    role: Arr  # 0 head, 1 partner, 2 child, 3 unrelated adult
    head: Arr
    partner: Arr
    size: Arr


def _make_households(
    rng: np.random.Generator,
    pt: PersonTable,
    sizes: Arr,
    kind: Arr,
    ref: Arr,
    herkomst_p: tuple[float, float, float],
) -> _Households:
    """Create households of the given sizes and kinds, observed (aged) at day ``ref``."""
    nh = len(sizes)
    pools = _surname_pools()
    herk_h = rng.choice(3, size=nh, p=np.array(herkomst_p))
    # composition: 0 single, 1 couple(+kids), 2 single parent(+kids), 3 unrelated adults
    comp = np.where(sizes == 1, 0, np.where(rng.random(nh) < 0.84, 1, 2))
    share = (sizes == 2) & (rng.random(nh) < 0.15)
    comp[share] = 3
    comp[np.isin(kind, [_STUDENT, _UNRELATED, _ADULT])] = 3
    comp[(sizes == 1)] = 0
    u = rng.random(nh)
    head_age = np.where(
        u < 0.3, rng.uniform(20, 36, nh), np.where(u < 0.65, rng.uniform(36, 65, nh), rng.uniform(65, 95, nh))
    )
    head_age = np.where((comp == 1) & (sizes >= 3) | (comp == 2), rng.uniform(27, 56, nh), head_age)
    head_age = np.where((comp == 1) & (sizes == 2), rng.uniform(23, 92, nh), head_age)
    head_age = np.where(kind == _STUDENT, rng.uniform(18, 27, nh), head_age)
    head_age = np.where(np.isin(kind, [_UNRELATED]), rng.uniform(20, 52, nh), head_age)
    head_age = np.where(kind == _ADULT, rng.uniform(19, 60, nh), head_age)
    head_age = np.where(kind == _ELDERLY, rng.uniform(78, 97, nh), head_age)

    member_hh = np.repeat(np.arange(nh), sizes)
    n = len(member_hh)
    rank = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    c = comp[member_hh]
    role = np.where(rank == 0, 0, np.where(c == 3, 3, np.where((c == 1) & (rank == 1), 1, 2)))
    herk = herk_h[member_hh].copy()
    other = (role == 1) & (rng.random(n) < 0.15) | (role == 3) & (rng.random(n) < 0.5)
    herk[other] = rng.choice(3, size=int(other.sum()), p=np.array(herkomst_p))
    ha = head_age[member_hh]
    age = np.where(role == 0, ha, 0.0)
    age = np.where(role == 1, np.clip(ha + rng.normal(-2, 4, n), 18, 99), age)
    age = np.where(role == 2, rng.uniform(0, 1, n) * np.clip(ha - 20, 0.5, 24), age)
    age = np.where(role == 3, np.clip(ha + rng.normal(0, 3, n), 18, 99), age)
    age = np.where((role == 3) & (kind[member_hh] == _STUDENT), rng.uniform(18, 27, n), age)
    sex = rng.integers(0, 2, size=n)
    head_sex = sex[np.cumsum(sizes) - sizes]
    sex = np.where(
        role == 1, np.where(rng.random(n) < 0.95, 1 - head_sex[member_hh], head_sex[member_hh]), sex
    )
    sex = np.where((role == 0) & (kind[member_hh] == _ELDERLY), (rng.random(n) < 0.65).astype(np.int64), sex)
    sur = np.empty(n, dtype=np.int64)
    for o in (0, 1, 2):
        m = herk == o
        sur[m] = rng.choice(pools[o][0], size=int(m.sum()), p=pools[o][1])
    head_pos = np.cumsum(sizes) - sizes
    child = role == 2
    sur[child] = sur[head_pos[member_hh[child]]]
    birth = ref[member_hh] - years_to_days(age) - rng.integers(0, 365, n)
    idx = pt.add(sur, _voornamen(rng, sex, herk, age), birth, sex, herk)
    head = idx[head_pos]
    partner = np.full(nh, -1, dtype=np.int64)
    pm = role == 1
    partner[member_hh[pm]] = idx[pm]
    return _Households(member=idx, member_hh=member_hh, role=role, head=head, partner=partner, size=sizes)


@dataclass
class Population:
    """Registrations and true occupancy.

    Attributes:
        brp_person, brp_vbo, brp_functie, brp_start, brp_end: One entry per BRP row.
        hh_vbo, hh_head, hh_partner, hh_size, hh_move_in, hh_kind: Current households (incl. students).
        prev_head, prev_partner: Head and partner of the previous household per vbo (-1 none).
        prev_start, prev_end, prev_n, cur_start, cur_n: True occupancy periods per vbo for utility use.
        actual_extra: Unregistered extra occupants per vbo (overbewoning), included in cur_n.
        reg_count: Persons with an open W registration per vbo.
        students: Number of current student residents per vbo.
        schijn_persons: Persons registered at schijninschrijving addresses.
    """

    brp_person: Arr
    brp_vbo: Arr
    brp_functie: Arr
    brp_start: Arr
    brp_end: Arr
    hh_vbo: Arr
    hh_head: Arr
    hh_partner: Arr
    hh_size: Arr
    hh_move_in: Arr
    hh_kind: Arr
    prev_head: Arr
    prev_partner: Arr
    prev_start: Arr
    prev_end: Arr
    prev_n: Arr
    cur_start: Arr
    cur_n: Arr
    reg_count: Arr
    students: Arr
    schijn_persons: Arr


class _Rows:
    """Accumulates BRP rows."""

    def __init__(self) -> None:
        self.parts: list[tuple[Arr, Arr, Arr, Arr, Arr]] = []

    def add(self, person: Arr, vbo: Arr, start: Arr, end: Arr, functie: str = "W") -> None:
        person = np.asarray(person, dtype=np.int64)
        f = np.full(len(person), functie, dtype=object)
        self.parts.append(
            (
                person,
                np.asarray(vbo, dtype=np.int64),
                f,
                np.asarray(start, dtype=np.int64),
                np.asarray(end, dtype=np.int64),
            )
        )

    def arrays(self) -> tuple[Arr, Arr, Arr, Arr, Arr]:
        cols = list(zip(*self.parts, strict=True))
        p, v, f, s, e = (np.concatenate(c) for c in cols)
        return p, v, f, s, e


def build_population(
    rng: np.random.Generator, geo: Geo, plan: Plan, pt: PersonTable, v: WorldVariation
) -> Population:
    """Create the residents of every address and their registration history.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address.
        pt: The person table to add persons to.
        v: The world's parameters (how schijninschrijving, overbewoning and hennep sites register).

    Returns:
        BRP rows and the true occupancy that utility use follows.
    """
    n = geo.n
    st = plan.state
    rows = _Rows()
    prev_start = np.full(n, 0, dtype=np.int64)
    prev_end = np.full(n, 0, dtype=np.int64)
    prev_n = np.zeros(n, dtype=np.int64)
    cur_start = np.full(n, OPEN, dtype=np.int64)
    cur_n = np.zeros(n, dtype=np.int64)
    students = np.zeros(n, dtype=np.int64)
    prev_head = np.full(n, -1, dtype=np.int64)
    prev_partner = np.full(n, -1, dtype=np.int64)
    hh_parts: list[tuple[Arr, Arr, Arr, Arr, Arr, Arr]] = []

    # --- ordinary households (also at crime addresses, rented out) ---------------------------------
    reg = np.flatnonzero(st == State.REGULAR)
    sizes = np.ones(len(reg), dtype=np.int64)
    for t, p in _SIZE_P.items():
        m = geo.htype[reg] == t
        sizes[m] = 1 + rng.choice(6, size=int(m.sum()), p=np.array(p) / sum(p))
    kind = np.zeros(len(reg), dtype=np.int64)
    hh = _make_households(rng, pt, sizes, kind, np.full(len(reg), _P), HERKOMST_BASE)
    head_age_y = (_P - pt.birth_of(hh.head)) / 365.25
    years_ago = np.minimum(rng.exponential(9.0, len(reg)), np.maximum(head_age_y - 18, 0.2))
    move_in = _P - years_to_days(years_ago) - rng.integers(1, 60, len(reg))
    bj = geo.bouwjaar[reg]
    bj_day = (bj.astype(np.int64) - 1970) * 36525 // 100 + rng.integers(0, 200, len(reg))
    move_in = np.maximum(move_in, bj_day)
    move_in = np.minimum(move_in, _P - 20)
    mb = pt.birth_of(hh.member)
    start = np.maximum(move_in[hh.member_hh], mb)
    late_partner = (hh.role == 1) & (rng.random(len(hh.member)) < 0.1)
    start[late_partner] = np.minimum(
        start[late_partner] + rng.integers(30, 1500, int(late_partner.sum())), _P - 10
    )
    rows.add(hh.member, reg[hh.member_hh], start, np.full(len(hh.member), OPEN))
    cur_start[reg] = move_in
    cur_n[reg] = sizes
    hh_parts.append((reg, hh.head, hh.partner, sizes, move_in, np.zeros(len(reg), dtype=np.int64)))

    # --- students: shared houses (one household per room) and studios ------------------------------
    sh = np.flatnonzero(st == State.STUDENT_HOUSE)
    rooms = np.clip(geo.area[sh] // 26, 3, 7).astype(np.int64)
    room_vbo = np.concatenate([np.repeat(sh, rooms), np.flatnonzero(st == State.STUDIO)])
    nr = len(room_vbo)
    year = rng.choice([2021, 2022, 2023, 2024], size=nr, p=[0.12, 0.2, 0.28, 0.4])
    sept = np.array([day(int(y), 9, 1) for y in (2021, 2022, 2023, 2024)])
    feb = np.array([day(int(y), 2, 1) for y in (2021, 2022, 2023, 2024)])
    yi = year - 2021
    m_in = np.where(rng.random(nr) < 0.8, sept[yi], feb[yi]) + rng.integers(-15, 30, nr)
    sth = _make_households(
        rng, pt, np.ones(nr, dtype=np.int64), np.full(nr, _STUDENT), np.full(nr, _P), HERKOMST_STUDENT
    )
    rows.add(sth.member, room_vbo, m_in, np.full(nr, OPEN))
    hh_parts.append(
        (room_vbo, sth.head, sth.partner, np.ones(nr, dtype=np.int64), m_in, np.full(nr, _STUDENT))
    )
    # the previous one or two tenants of each room
    for depth in (1, 2):
        keep = rng.random(nr) < (0.9 if depth == 1 else 0.5)
        dur_y = rng.choice([1, 2, 3], size=nr, p=[0.45, 0.35, 0.2])
        p_end = m_in - rng.integers(1, 25, nr)
        p_start = p_end - dur_y * 365 + rng.integers(-20, 20, nr)
        ids = np.flatnonzero(keep)
        prev = make_persons(rng, pt, len(ids), 18, 26, p_end[ids], HERKOMST_STUDENT)
        rows.add(prev, room_vbo[ids], p_start[ids], p_end[ids])
        m_in = p_start
    np.add.at(students, room_vbo, 1)
    occ = np.isin(st, [State.STUDENT_HOUSE, State.STUDIO])
    cur_start[occ] = day(2015, 1, 1)
    cur_n[occ] = students[occ]

    # --- labour migrants: several unrelated adults, short stays, properly registered --------------
    lab = np.flatnonzero(st == State.LABOUR)
    slots = rng.integers(3, 7, size=len(lab))
    slot_vbo = np.repeat(lab, slots)
    ns = len(slot_vbo)
    cur_begin = _P - rng.integers(30, 420, ns)
    lh = make_persons(rng, pt, ns, 20, 52, _P, HERKOMST_LABOUR)
    rows.add(lh, slot_vbo, cur_begin, np.full(ns, OPEN))
    hh_parts.append(
        (slot_vbo, lh, np.full(ns, -1), np.ones(ns, dtype=np.int64), cur_begin, np.full(ns, _UNRELATED))
    )
    end = cur_begin - rng.integers(1, 30, ns)
    for _ in range(4):
        dur = rng.integers(90, 365, ns)
        startp = end - dur
        ok = end > day(2020, 6, 1)
        ids = np.flatnonzero(ok)
        lp = make_persons(rng, pt, len(ids), 20, 52, end[ids], HERKOMST_LABOUR)
        rows.add(lp, slot_vbo[ids], startp[ids], end[ids])
        end = startp - rng.integers(1, 45, ns)
    cur_start[lab] = day(2015, 1, 1)
    cur_n[lab] = slots

    # --- schijninschrijving: registered adults who live elsewhere --------------------------------
    sc = np.flatnonzero(st == State.SCHIJN)
    k = rng.integers(3, 7, size=len(sc))
    s_vbo = np.repeat(sc, k)
    nsc = len(s_vbo)
    same_day = np.repeat(rng.random(len(sc)) < 0.5, k)
    site_start = np.repeat(_P - rng.integers(60, 900, len(sc)), k)
    s_start = np.where(same_day, site_start, _P - rng.integers(60, 900, nsc))
    sp = make_persons(rng, pt, nsc, 19, 58, _P, HERKOMST_BASE)
    rows.add(sp, s_vbo, s_start, np.full(nsc, OPEN))
    # some of them came from another schijninschrijving address
    hop = np.flatnonzero(rng.random(nsc) < 0.3)
    if len(sc) > 1 and len(hop):
        other = sc[rng.integers(0, len(sc), len(hop))]
        rows.add(sp[hop], other, s_start[hop] - rng.integers(150, 540, len(hop)), s_start[hop])
    lives = rng.random(len(sc)) < v.schijn_bewoond
    first_start = np.minimum.reduceat(s_start, np.cumsum(k) - k) if nsc else np.zeros(0, dtype=np.int64)
    cur_start[sc] = first_start
    cur_n[sc] = lives.astype(np.int64)
    hh_parts.append(
        (sc, sp[np.cumsum(k) - k], np.full(len(sc), -1), k, first_start, np.full(len(sc), _ADULT))
    )

    # --- overbewoning: many more occupants than registered or than space allows ------------------
    ov = np.flatnonzero(st == State.OVERBEWONING)
    variant_b = rng.random(len(ov)) < 1.0 - v.overbewoning_verborgen
    a_ids = ov[~variant_b]
    a_size = rng.integers(1, 4, size=len(a_ids))
    a_move = _P - rng.integers(200, 1800, len(a_ids))
    ha = _make_households(
        rng, pt, a_size, np.zeros(len(a_ids), dtype=np.int64), np.full(len(a_ids), _P), HERKOMST_BASE
    )
    rows.add(
        ha.member,
        a_ids[ha.member_hh],
        np.maximum(a_move[ha.member_hh], pt.birth_of(ha.member)),
        np.full(len(ha.member), OPEN),
    )
    cur_start[a_ids] = a_move
    cur_n[a_ids] = a_size + rng.integers(3, 9, size=len(a_ids))
    hh_parts.append((a_ids, ha.head, ha.partner, a_size, a_move, np.zeros(len(a_ids), dtype=np.int64)))
    b_ids = ov[variant_b]
    b_k = rng.integers(5, 10, size=len(b_ids))
    b_vbo = np.repeat(b_ids, b_k)
    b_start = _P - rng.integers(30, 1400, len(b_vbo))
    bp = make_persons(rng, pt, len(b_vbo), 19, 55, _P, (0.3, 0.55, 0.15))
    rows.add(bp, b_vbo, b_start, np.full(len(b_vbo), OPEN))
    b_first = (
        np.minimum.reduceat(b_start, np.cumsum(b_k) - b_k) if len(b_vbo) else np.zeros(0, dtype=np.int64)
    )
    cur_start[b_ids] = b_first
    cur_n[b_ids] = b_k + rng.integers(0, 3, size=len(b_ids))
    hh_parts.append(
        (
            b_vbo,
            bp,
            np.full(len(b_vbo), -1),
            np.ones(len(b_vbo), dtype=np.int64),
            b_start,
            np.full(len(b_vbo), _UNRELATED),
        )
    )

    # --- hennep: a straw tenant or nobody registered ---------------------------------------------
    he = np.flatnonzero(st == State.HENNEP)
    hs = plan.hennep_start[he]
    with_reg = rng.random(len(he)) < v.hennep_stroman
    r_ids = he[with_reg]
    r_start = np.minimum(hs[with_reg] - rng.integers(0, 400, len(r_ids)), _P - 30)
    rp = make_persons(rng, pt, len(r_ids), 19, 50, _P, HERKOMST_BASE)
    rows.add(rp, r_ids, r_start, np.full(len(r_ids), OPEN))
    hh_parts.append(
        (
            r_ids,
            rp,
            np.full(len(r_ids), -1),
            np.ones(len(r_ids), dtype=np.int64),
            r_start,
            np.full(len(r_ids), _ADULT),
        )
    )
    plan.vac_start[r_ids] = r_start
    plan.vac_start[he[~with_reg]] = np.minimum(
        plan.vac_start[he[~with_reg]], hs[~with_reg] - rng.integers(30, 700, int((~with_reg).sum()))
    )
    cur_start[he] = np.minimum(hs, np.where(with_reg, plan.vac_start[he], hs))
    cur_n[he] = np.where(with_reg & (rng.random(len(he)) < 0.5), 1, 0)

    # --- spookbewoning: nobody registered, yet someone lives there -------------------------------
    sk = np.flatnonzero(st == State.SPOOK)
    cur_start[sk] = plan.vac_start[sk] + rng.integers(30, 180, len(sk))
    cur_n[sk] = rng.integers(1, 4, size=len(sk))

    # --- previous households -----------------------------------------------------------------------
    has_cur = np.isin(st, [State.REGULAR, State.SCHIJN, State.OVERBEWONING])
    vac_like = np.isin(
        st,
        [
            State.LEEGSTAND,
            State.SPOOK,
            State.RENOVATION,
            State.RECENT_SALE,
            State.DEATH,
            State.SECOND_HOME,
            State.FRICTION,
            State.BRIEVENBUS,
            State.HENNEP,
        ],
    )
    need = (has_cur & (cur_start > day(1990, 1, 1)) & (rng.random(n) < 0.9)) | vac_like
    pe = np.where(vac_like, plan.vac_start, cur_start - rng.integers(1, 90, n))
    slots_v = np.flatnonzero(need)
    # internal movers: ordinary households whose previous address was another address here
    movers = np.flatnonzero((move_in > day(1996, 1, 1)) & (rng.random(len(reg)) < 0.45))
    cand = slots_v[has_cur[slots_v]]
    cand = cand[rng.permutation(len(cand))][: len(movers)]
    movers = movers[rng.permutation(len(movers))][: len(cand)]
    cand = cand[np.argsort(pe[cand], kind="stable")]
    movers = movers[np.argsort(move_in[movers], kind="stable")]
    m_date = move_in[movers]
    ok = (m_date <= cur_start[cand] - 1) & (cur_start[cand] - m_date < 500) & (reg[movers] != cand)
    cand, movers = cand[ok], movers[ok]
    internal = np.zeros(n, dtype=bool)
    internal[cand] = True
    pe[cand] = move_in[movers]
    dur = years_to_days(np.clip(rng.exponential(8.0, n), 0.5, 30))
    ps = np.maximum(pe - dur, day(1975, 1, 1))
    # rows of the movers at their previous address
    mem_mask = np.isin(hh.member_hh, movers)
    pos_of_mover = np.full(len(reg), -1, dtype=np.int64)
    pos_of_mover[movers] = cand
    mem = np.flatnonzero(mem_mask)
    mv_vbo = pos_of_mover[hh.member_hh[mem]]
    mb_m = mb[mem]
    keep = mb_m < pe[mv_vbo] - 1
    mem, mv_vbo = mem[keep], mv_vbo[keep]
    rows.add(hh.member[mem], mv_vbo, np.maximum(ps[mv_vbo], mb[mem]), pe[mv_vbo])
    prev_head[cand] = hh.head[movers]
    prev_partner[cand] = hh.partner[movers]
    prev_n[cand] = sizes[movers]
    # external previous households: moved away or died since
    ext = slots_v[~internal[slots_v]]
    e_size = 1 + rng.choice(4, size=len(ext), p=[0.5, 0.3, 0.12, 0.08])
    e_kind = np.zeros(len(ext), dtype=np.int64)
    death = st[ext] == State.DEATH
    e_size[death] = 1
    e_kind[death] = _ELDERLY
    student_like = (st[ext] == State.REGULAR) & (rng.random(len(ext)) < 0.05)
    e_kind[student_like] = _ADULT
    e_size[student_like] = 1
    eh = _make_households(rng, pt, e_size, e_kind, pe[ext], HERKOMST_BASE)
    ev = ext[eh.member_hh]
    emb = pt.birth_of(eh.member)
    ok_b = emb < pe[ev]
    rows.add(eh.member[ok_b], ev[ok_b], np.maximum(ps[ev], emb)[ok_b], pe[ev][ok_b])
    pt.set_death(eh.head[death], pe[ext[death]])
    prev_head[ext] = eh.head
    prev_partner[ext] = eh.partner
    prev_n[ext] = e_size
    prev_start[slots_v] = ps[slots_v]
    prev_end[slots_v] = pe[slots_v]

    # --- briefadressen: postal registrations where nobody lives by definition ---------------------
    n_b = max(3, round(0.003 * len(hh.member)))
    offices = np.flatnonzero(
        (geo.htype == HType.NONRES)
        & np.char.startswith(geo.doel.astype(str), "kantoor")
        & (st == State.NONRES)
    )
    care = offices[rng.permutation(len(offices))[:2]] if len(offices) else reg[:2]
    b_vbo = np.where(
        rng.random(n_b) < 0.5, care[rng.integers(0, len(care), n_b)], reg[rng.integers(0, len(reg), n_b)]
    )
    bpers = make_persons(rng, pt, n_b, 19, 70, _P, HERKOMST_BASE)
    rows.add(bpers, b_vbo, _P - rng.integers(10, 1100, n_b), np.full(n_b, OPEN), functie="B")

    bp_, bv_, bf_, bs_, be_ = rows.arrays()
    reg_count = np.bincount(bv_[(be_ == OPEN) & (bf_ == "W")], minlength=n)
    hcols = list(zip(*hh_parts, strict=True))
    hv, hhd, hpt, hsz, hmi, hk = (np.concatenate(c) for c in hcols)
    return Population(
        brp_person=bp_,
        brp_vbo=bv_,
        brp_functie=bf_,
        brp_start=bs_,
        brp_end=be_,
        hh_vbo=hv,
        hh_head=hhd,
        hh_partner=hpt,
        hh_size=hsz,
        hh_move_in=hmi,
        hh_kind=hk,
        prev_head=prev_head,
        prev_partner=prev_partner,
        prev_start=prev_start,
        prev_end=prev_end,
        prev_n=prev_n,
        cur_start=cur_start,
        cur_n=cur_n,
        reg_count=reg_count,
        students=students,
        schijn_persons=sp,
    )
