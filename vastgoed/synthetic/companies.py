"""The trade register: enterprises, their establishments and officers (KvK Handelsregister)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.names import COMPANY_SUFFIX_WORDS, COMPANY_WORDS
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.population import Population, make_persons
from vastgoed.synthetic.surnames import SURNAME_TABLE, surname_pool
from vastgoed.synthetic.world import Arr, CompanyTable, HType, PersonTable, State, day, years_to_days

__all__ = ["Companies", "build_companies", "company_names", "person_display_surname"]

_P = day(2025, 1, 1)
_NONE = -(10**7)

_DOEL_KIND: dict[str, str] = {
    "winkelfunctie": "winkel",
    "kantoorfunctie": "kantoor",
    "bijeenkomstfunctie": "horeca",
    "industriefunctie": "industrie",
    "gezondheidszorgfunctie": "zorg",
    "logiesfunctie": "logies",
    "onderwijsfunctie": "onderwijs",
    "sportfunctie": "sport",
    "overige gebruiksfunctie": "kantoor",
    "kantoorfunctie;winkelfunctie": "winkel",
}
_FORM_SUFFIX = {
    "bv": " B.V.",
    "nv": " N.V.",
    "vof": " V.O.F.",
    "stichting": "",
    "vereniging": "",
    "eenmanszaak": "",
    "cooperatie": " U.A.",
}

CORPORATIONS: tuple[str, ...] = ("Woningstichting Servatius", "Maasvallei Maastricht", "Woonpunt Maastricht")
STUDENT_CORPORATION = "Stichting Studentenhuisvesting Maastricht"


def person_display_surname(surname_idx: Arr) -> Arr:
    """Voorvoegsel and geslachtsnaam joined, as in a trade name (``van der Berg``)."""
    full = np.array([(f"{v} {g}" if v else g) for v, g, _ in SURNAME_TABLE], dtype=object)
    return full[np.asarray(surname_idx, dtype=np.int64)]


def company_names(
    rng: np.random.Generator, kind: str, rechtsvorm: Arr, owner_surname: Arr | None = None
) -> tuple[Arr, Arr]:
    """Trade names and SBI codes for ``len(rechtsvorm)`` companies of one kind."""
    n = len(rechtsvorm)
    acts = COMPANY_SUFFIX_WORDS[kind]
    a = rng.integers(0, len(acts), n)
    words = np.array(COMPANY_WORDS, dtype=object)[rng.integers(0, len(COMPANY_WORDS), n)]
    act = np.array([x for x, _ in acts], dtype=object)[a]
    sbi = np.array([s for _, s in acts], dtype=object)[a]
    base = np.where(rng.random(n) < 0.5, words + " " + act, act + " " + words)
    if owner_surname is not None:
        base = np.where(rng.random(n) < 0.6, owner_surname + " " + act, base)
    suffix = np.array([_FORM_SUFFIX.get(str(r), "") for r in rechtsvorm], dtype=object)
    base = np.array([b[:1].upper() + b[1:] for b in base.tolist()], dtype=object)
    prefix = np.where(
        rechtsvorm == "stichting", "Stichting ", np.where(rechtsvorm == "vereniging", "Vereniging ", "")
    )
    return prefix + base + suffix, sbi


@dataclass
class Companies:
    """What later stages need to know about the register.

    Attributes:
        corp_ent: Enterprise of each housing corporation.
        student_corp_ent: Enterprise of the student housing foundation.
        business_at: Enterprise of the main current establishment per vbo (-1 none).
        net_persons: Persons behind each criminal network.
        home_ent_person: Owner person of each home-based enterprise (aligned with ``home_ent``).
        home_ent: Home-based enterprises.
    """

    corp_ent: Arr
    student_corp_ent: int
    business_at: Arr
    net_persons: list[Arr]
    home_ent: Arr
    home_ent_person: Arr


def _officers(
    rng: np.random.Generator,
    ct: CompanyTable,
    pt: PersonTable,
    ent: Arr,
    rechtsvorm: Arr,
    founded: Arr,
    closed: Arr,
    pool: Arr,
    outside_share: float,
) -> None:
    """Officers for enterprises: from ``pool`` (residents) or new outside persons."""
    n = len(ent)
    k = np.select(
        [
            rechtsvorm == "eenmanszaak",
            rechtsvorm == "vof",
            rechtsvorm == "bv",
            np.isin(rechtsvorm, ["stichting", "vereniging"]),
        ],
        [1, 2, rng.integers(1, 3, n), 3],
        rng.integers(2, 4, n),
    )
    e = np.repeat(ent, k)
    m = len(e)
    outside = rng.random(m) < outside_share
    persons = np.empty(m, dtype=np.int64)
    persons[~outside] = pool[rng.integers(0, len(pool), int((~outside).sum()))]
    persons[outside] = make_persons(rng, pt, int(outside.sum()), 28, 70, _P)
    form = np.repeat(rechtsvorm, k)
    functie = np.select([form == "eenmanszaak", form == "vof"], ["eigenaar", "vennoot"], "bestuurder").astype(
        object
    )
    gev = (form == "bv") & (rng.random(m) < 0.05)
    functie[gev] = "gevolmachtigde"
    start = np.repeat(founded, k) + np.where(rng.random(m) < 0.1, rng.integers(100, 3000, m), 0)
    start = np.minimum(start, _P - 5)
    end = np.repeat(closed, k)
    ct.add_officers(e, persons, functie, start, end)


def build_companies(
    rng: np.random.Generator,
    geo: Geo,
    plan: Plan,
    pop: Population,
    pt: PersonTable,
    ct: CompanyTable,
    scale: float,
) -> Companies:
    """Register the municipality's enterprises, establishments and officers.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address.
        pop: Residents and households.
        pt: Person table (officers who live elsewhere are added).
        ct: Company table to fill.
        scale: 1.0 is Maastricht.

    Returns:
        The enterprises later stages refer to.
    """
    n = geo.n
    business_at = np.full(n, -1, dtype=np.int64)
    # residents who can be officers: heads of ordinary households aged 23..67
    heads = pop.hh_head[pop.hh_kind == 0]
    age = (_P - pt.birth_of(heads)) / 365.25
    pool = heads[(age >= 23) & (age <= 67)]
    hh_vbo_of = pop.hh_vbo[pop.hh_kind == 0][(age >= 23) & (age <= 67)]

    # housing corporations and the student housing foundation, at offices
    offices = np.flatnonzero(
        (geo.htype == HType.NONRES)
        & (plan.state == State.NONRES)
        & np.char.startswith(geo.doel.astype(str), "kantoorfunctie")
    )
    off_sel = offices[rng.permutation(len(offices))[:4]]
    names = np.array([*CORPORATIONS, STUDENT_CORPORATION], dtype=object)
    if geo.gemeente is not None:
        plaats = geo.gemeente.naam
        names = np.array(
            [f"Woningstichting {plaats}", f"Wonen {plaats}", f"Woonbedrijf {plaats}", f"SSH {plaats}"],
            dtype=object,
        )
    founded = np.array([day(1912, 3, 1), day(1955, 6, 1), day(1998, 1, 1), day(1968, 9, 1)])
    corp = ct.add_enterprises(
        names,
        np.full(4, "stichting", dtype=object),
        np.full(4, "6820", dtype=object),
        founded,
        np.full(4, _NONE),
        "corporatie",
    )
    ct.add_establishments(
        corp, off_sel, np.zeros(4, dtype=bool), np.maximum(founded, day(1990, 1, 1)), np.full(4, _NONE)
    )
    business_at[off_sel] = corp
    _officers(
        rng,
        ct,
        pt,
        corp,
        np.full(4, "stichting", dtype=object),
        np.full(4, day(2015, 1, 1)),
        np.full(4, _NONE),
        pool,
        0.8,
    )

    # establishments at non-residential addresses
    nonres = np.flatnonzero(
        (plan.state == State.NONRES) & (business_at < 0) & (geo.status == "Verblijfsobject in gebruik")
    )
    occupied = nonres[rng.random(len(nonres)) < 0.9]
    k = np.where(rng.random(len(occupied)) < 0.86, 1, rng.integers(2, 4, len(occupied)))
    k[np.isin(occupied, plan.bvg)] = rng.integers(15, 41, int(np.isin(occupied, plan.bvg).sum()))
    e_vbo = np.repeat(occupied, k)
    ne = len(e_vbo)
    kinds = np.array([_DOEL_KIND[str(d)] for d in geo.doel[e_vbo]], dtype=object)
    rv = rng.choice(
        np.array(["bv", "eenmanszaak", "vof", "stichting", "vereniging", "nv"], dtype=object),
        size=ne,
        p=[0.55, 0.22, 0.1, 0.07, 0.05, 0.01],
    )
    # chains: about a tenth of shops and offices belong to an enterprise with several establishments
    est_founded = _P - years_to_days(np.clip(rng.exponential(11.0, ne), 0.1, 70)) - rng.integers(0, 300, ne)
    chain = (rng.random(ne) < 0.1) & np.isin(kinds, ["winkel", "kantoor", "horeca"])
    n_chains = max(2, int(chain.sum()) // 6)
    chain_id = rng.integers(0, n_chains, ne)
    ent_of = np.full(ne, -1, dtype=np.int64)
    solo = np.flatnonzero(~chain)
    for kind in sorted(set(kinds.tolist())):
        m = solo[kinds[solo] == kind]
        if len(m) == 0:
            continue
        idx, p = surname_pool(0)
        nm, sbi = company_names(rng, kind, rv[m], person_display_surname(rng.choice(idx, size=len(m), p=p)))
        ent_of[m] = ct.add_enterprises(nm, rv[m], sbi, est_founded[m], np.full(len(m), _NONE), "bedrijf")
        _officers(rng, ct, pt, ent_of[m], rv[m], est_founded[m], np.full(len(m), _NONE), pool, 0.35)
    ch_rv = np.full(n_chains, "bv", dtype=object)
    ch_names, ch_sbi = company_names(rng, "winkel", ch_rv)
    ch_founded = _P - years_to_days(rng.uniform(10, 60, n_chains))
    ch_ent = ct.add_enterprises(ch_names, ch_rv, ch_sbi, ch_founded, np.full(n_chains, _NONE), "keten")
    _officers(rng, ct, pt, ch_ent, ch_rv, ch_founded, np.full(n_chains, _NONE), pool, 0.9)
    ent_of[chain] = ch_ent[chain_id[chain]]
    ct.add_establishments(ent_of, e_vbo, np.zeros(ne, dtype=bool), est_founded, np.full(ne, _NONE))
    first = np.r_[True, e_vbo[1:] != e_vbo[:-1]]
    business_at[e_vbo[first]] = ent_of[first]
    # closed earlier establishments at the same addresses
    cl = np.flatnonzero(rng.random(ne) < 0.1)
    c_end = est_founded[cl] - rng.integers(1, 400, len(cl))
    c_start = c_end - years_to_days(np.clip(rng.exponential(6.0, len(cl)), 0.3, 40))
    c_rv = rv[cl]
    for kind in sorted(set(kinds[cl].tolist())):
        m = np.flatnonzero(kinds[cl] == kind)
        nm, sbi = company_names(rng, kind, c_rv[m])
        ents = ct.add_enterprises(nm, c_rv[m], sbi, c_start[m], c_end[m], "bedrijf")
        ct.add_establishments(ents, e_vbo[cl[m]], np.zeros(len(m), dtype=bool), c_start[m], c_end[m])
        _officers(rng, ct, pt, ents, c_rv[m], c_start[m], c_end[m], pool, 0.4)

    # home-based enterprises of residents: sole traders, partnerships and personal holdings
    n_home = round(3600 * scale)
    pick = rng.choice(len(pool), size=min(n_home, len(pool)), replace=False)
    h_person = pool[pick]
    h_vbo = hh_vbo_of[pick]
    nh = len(pick)
    h_rv = rng.choice(np.array(["eenmanszaak", "bv", "vof"], dtype=object), size=nh, p=[0.8, 0.14, 0.06])
    h_founded = _P - years_to_days(np.clip(rng.exponential(7.0, nh), 0.05, 40))
    h_closed = np.where(rng.random(nh) < 0.12, _P - rng.integers(10, 1500, nh), _NONE)
    h_closed = np.where(h_closed > h_founded, h_closed, _NONE)
    sur = person_display_surname(pt.field_of("surname", h_person))
    nm, sbi = company_names(rng, "thuis", h_rv, sur)
    holding = h_rv == "bv"
    nm = np.where(holding, sur + " Holding B.V.", nm)
    sbi = np.where(holding, "6420", sbi)
    home_ent = ct.add_enterprises(nm, h_rv, sbi, h_founded, h_closed, "thuis")
    shielded = (h_rv == "eenmanszaak") & (rng.random(nh) < 0.35)
    ct.add_establishments(home_ent, h_vbo, shielded, h_founded, h_closed)
    ct.add_officers(
        home_ent,
        h_person,
        np.where(h_rv == "eenmanszaak", "eigenaar", np.where(h_rv == "vof", "vennoot", "bestuurder")).astype(
            object
        ),
        h_founded,
        h_closed,
    )
    vof = np.flatnonzero(h_rv == "vof")
    if len(vof):
        partner = make_persons(rng, pt, len(vof), 25, 65, _P)
        ct.add_officers(
            home_ent[vof], partner, np.full(len(vof), "vennoot", dtype=object), h_founded[vof], h_closed[vof]
        )

    # criminal networks: a few persons each, some of them residents
    net_persons: list[Arr] = []
    for _ in range(plan.n_networks):
        kp = int(rng.integers(2, 5))
        outside = make_persons(rng, pt, kp, 24, 60, _P)
        local = pool[rng.integers(0, len(pool), int(rng.integers(0, 2)))]
        net_persons.append(np.concatenate([outside, local]))

    # brievenbusfirma's: dozens to hundreds of young, short-lived companies with shared officers
    sites = np.flatnonzero(plan.state == State.BRIEVENBUS)
    f = max(scale, 0.15)
    for s in sites.tolist():
        kc = int(np.clip(np.exp(rng.normal(np.log(80), 0.6)) * f, 15, 400))
        b_rv = rng.choice(
            np.array(["bv", "eenmanszaak", "vof", "stichting"], dtype=object),
            size=kc,
            p=[0.7, 0.15, 0.1, 0.05],
        )
        b_found = _P - years_to_days(np.clip(rng.exponential(2.2, kc), 0.05, 9))
        b_closed = np.where(rng.random(kc) < 0.4, b_found + rng.integers(150, 800, kc), _NONE)
        b_closed = np.where(b_closed < _P - 1, b_closed, _NONE)
        bnm, bsbi = company_names(rng, "handel", b_rv)
        ents = ct.add_enterprises(bnm, b_rv, bsbi, b_found, b_closed, "brievenbus")
        ct.add_establishments(ents, np.full(kc, s), np.zeros(kc, dtype=bool), b_found, b_closed)
        site_pool = make_persons(rng, pt, int(rng.integers(3, 9)), 22, 65, _P)
        if plan.network[s] >= 0:
            site_pool = np.concatenate([site_pool, net_persons[int(plan.network[s])]])
        if len(pop.schijn_persons):
            site_pool = np.concatenate(
                [site_pool, pop.schijn_persons[rng.integers(0, len(pop.schijn_persons), 2)]]
            )
        ko = rng.integers(1, 3, kc)
        oe = np.repeat(ents, ko)
        op = site_pool[rng.integers(0, len(site_pool), len(oe))]
        ofun = np.where(
            np.repeat(b_rv, ko) == "eenmanszaak",
            "eigenaar",
            np.where(np.repeat(b_rv, ko) == "vof", "vennoot", "bestuurder"),
        ).astype(object)
        ct.add_officers(oe, op, ofun, np.repeat(b_found, ko), np.repeat(b_closed, ko))
        business_at[s] = ents[0]
    return Companies(
        corp_ent=corp[:3],
        student_corp_ent=int(corp[3]),
        business_at=business_at,
        net_persons=net_persons,
        home_ent=home_ent,
        home_ent_person=h_person,
    )
