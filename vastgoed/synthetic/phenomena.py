"""Plant the seven phenomena and their benign look-alikes: what truly goes on at each address."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import Arr, HType, State, Tenure, day

__all__ = ["FENOMEEN_OF_STATE", "LOOKALIKE_OF_STATE", "RATES", "Plan", "plan_states"]

#: Share of dwellings per planted state (phenomena and look-alikes); student houses are ordinary life.
RATES: dict[State, float] = {
    State.STUDENT_HOUSE: 0.052,
    State.LABOUR: 0.004,
    State.LEEGSTAND: 0.0125,
    State.SPOOK: 0.005,
    State.SCHIJN: 0.004,
    State.OVERBEWONING: 0.005,
    State.HENNEP: 0.0025,
    State.RENOVATION: 0.006,
    State.RECENT_SALE: 0.006,
    State.DEATH: 0.004,
    State.SECOND_HOME: 0.004,
    State.FRICTION: 0.004,
}
CRIME_RATE = 0.002
#: The parameter of :class:`variation.WorldVariation` that scales each state's rate.
_RATE_PARAMETER: dict[State, str] = {
    State.STUDENT_HOUSE: "studentenhuis",
    State.LABOUR: "arbeidsmigranten",
    State.LEEGSTAND: "leegstand",
    State.SPOOK: "spookbewoning",
    State.SCHIJN: "schijninschrijving",
    State.OVERBEWONING: "overbewoning",
    State.HENNEP: "hennepteelt",
    State.RENOVATION: "renovatie",
    State.RECENT_SALE: "verkoop",
    State.DEATH: "overlijden",
    State.SECOND_HOME: "tweede_woning",
    State.FRICTION: "huurderswisseling",
}

FENOMEEN_OF_STATE: dict[State, str] = {
    State.LEEGSTAND: "onverklaarbare_leegstand",
    State.SPOOK: "spookbewoning",
    State.SCHIJN: "schijninschrijving",
    State.OVERBEWONING: "overbewoning",
    State.HENNEP: "hennepteelt",
    State.BRIEVENBUS: "brievenbusfirma",
}
LOOKALIKE_OF_STATE: dict[State, str] = {
    State.RENOVATION: "renovatie",
    State.RECENT_SALE: "recente_verkoop",
    State.NEW_BUILD: "nieuwbouw",
    State.DEATH: "overlijden",
    State.SECOND_HOME: "tweede_woning",
    State.FRICTION: "huurderswisseling",
    State.LABOUR: "arbeidsmigranten",
}

_NONE = -(10**7)

#: (state, low date, high date) of the day the last registration ended (vacancy start).
_VAC_WINDOWS: dict[State, tuple[int, int]] = {
    State.LEEGSTAND: (day(2019, 6, 1), day(2023, 9, 30)),
    State.SPOOK: (day(2019, 1, 1), day(2022, 10, 1)),
    State.RENOVATION: (day(2023, 6, 1), day(2024, 9, 30)),
    State.RECENT_SALE: (day(2024, 3, 1), day(2024, 11, 15)),
    State.DEATH: (day(2023, 3, 1), day(2024, 10, 31)),
    State.SECOND_HOME: (day(2008, 1, 1), day(2022, 12, 31)),
    State.FRICTION: (day(2024, 8, 1), day(2024, 12, 15)),
    State.BRIEVENBUS: (day(2016, 1, 1), day(2022, 1, 1)),
    State.HENNEP: (day(2019, 6, 1), day(2023, 12, 1)),
}

#: Tenure mix per state: (tenures, probabilities).
_TENURE_OF_STATE: dict[State, tuple[tuple[Tenure, ...], tuple[float, ...]]] = {
    State.STUDENT_HOUSE: ((Tenure.LL_PERSON, Tenure.LL_BV), (0.55, 0.45)),
    State.STUDIO: ((Tenure.STUDENT_CORP, Tenure.INVESTOR), (0.7, 0.3)),
    State.LABOUR: ((Tenure.LL_BV, Tenure.LL_PERSON), (0.7, 0.3)),
    State.LEEGSTAND: ((Tenure.LL_PERSON, Tenure.LL_BV, Tenure.CORP), (0.55, 0.3, 0.15)),
    State.SPOOK: ((Tenure.LL_PERSON, Tenure.LL_BV, Tenure.CORP), (0.55, 0.35, 0.1)),
    State.SCHIJN: ((Tenure.LL_PERSON, Tenure.LL_BV, Tenure.CORP, Tenure.OO), (0.45, 0.25, 0.15, 0.15)),
    State.OVERBEWONING: ((Tenure.LL_PERSON, Tenure.LL_BV), (0.5, 0.5)),
    State.HENNEP: ((Tenure.LL_PERSON, Tenure.NETWORK, Tenure.OO, Tenure.CORP), (0.5, 0.25, 0.15, 0.1)),
    State.BRIEVENBUS: ((Tenure.LL_BV, Tenure.NETWORK), (0.5, 0.5)),
    State.RENOVATION: ((Tenure.OO, Tenure.CORP, Tenure.LL_PERSON), (0.5, 0.3, 0.2)),
    State.RECENT_SALE: ((Tenure.OO,), (1.0,)),
    State.DEATH: ((Tenure.OO, Tenure.CORP), (0.8, 0.2)),
    State.SECOND_HOME: ((Tenure.SECOND_OWNER,), (1.0,)),
    State.FRICTION: ((Tenure.CORP, Tenure.LL_PERSON, Tenure.LL_BV), (0.75, 0.15, 0.1)),
    State.NONRES: ((Tenure.BUSINESS, Tenure.INVESTOR, Tenure.LL_PERSON), (0.3, 0.55, 0.15)),
}
#: Tenure of ordinary households per dwelling type: CORP, OO, LL_PERSON, LL_BV.
_REGULAR_TENURE: dict[int, tuple[float, float, float, float]] = {
    HType.APT: (0.50, 0.30, 0.11, 0.09),
    HType.UPPER: (0.15, 0.35, 0.32, 0.18),
    HType.TERR: (0.38, 0.58, 0.03, 0.01),
    HType.CORNER: (0.35, 0.61, 0.03, 0.01),
    HType.SEMI: (0.06, 0.88, 0.04, 0.02),
    HType.DET: (0.02, 0.93, 0.04, 0.01),
}


@dataclass
class Plan:
    """The true state of every verblijfsobject (arrays aligned on the vbo index).

    Attributes:
        state: A :class:`State` code.
        fenomeen: The planted phenomenon, '' for none.
        lookalike: The benign look-alike type, '' for none (completed after utility use is known).
        tenure: A :class:`Tenure` code.
        vac_start: Day the last registration ended for states without residents; a sentinel otherwise.
        hennep_start: Day cultivation started; a large sentinel elsewhere.
        tapped: Hennep sites whose supply is tapped before the meter.
        network: Criminal network id (-1 none) for crime, hennep and brievenbus sites tied to a network.
        slumlord: Landlord group (-1 none) that lets several overcrowded dwellings.
        n_networks: Number of criminal networks.
        bvg: Non-residential objects that are legitimate business centres (many companies, real use).
    """

    state: Arr
    fenomeen: Arr
    lookalike: Arr
    tenure: Arr
    vac_start: Arr
    hennep_start: Arr
    tapped: Arr
    network: Arr
    slumlord: Arr
    n_networks: int
    bvg: Arr


def _pick(rng: np.random.Generator, free: Arr, weight: Arr, k: int) -> Arr:
    w = np.where(free, weight, 0.0)
    cand = np.flatnonzero(w > 0)
    k = min(k, len(cand))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    chosen = rng.choice(cand, size=k, replace=False, p=w[cand] / w[cand].sum())
    free[chosen] = False
    return np.sort(chosen)


def _count(rate: float, n_dw: int) -> int:
    return max(3, round(rate * n_dw))


def plan_states(rng: np.random.Generator, geo: Geo, scale: float, v: WorldVariation) -> Plan:
    """Choose which addresses carry which phenomenon or look-alike, and who owns them.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        scale: 1.0 is Maastricht.
        v: The world's parameters (rates of phenomena and look-alikes, share of tapped supply).

    Returns:
        The plan every later stage follows.
    """
    n = geo.n
    ht = geo.htype
    prof = geo.buurt_profile[geo.buurt]
    area = geo.area.astype(float)
    n_dw = int(geo.is_dwelling.sum())
    state = np.full(n, State.REGULAR, dtype=np.int64)
    state[ht == HType.NONRES] = State.NONRES
    state[(ht == HType.STUDIO)] = State.STUDIO
    new_build = geo.status == "Verblijfsobject gevormd"
    state[new_build] = State.NEW_BUILD
    free = (state == State.REGULAR).copy()

    house = np.isin(ht, [HType.TERR, HType.CORNER, HType.SEMI, HType.DET]).astype(float)
    flat = np.isin(ht, [HType.APT, HType.UPPER]).astype(float)
    pw = {
        p: np.isin(prof, list(ps)).astype(float)
        for p, ps in {
            "student": ("centrum", "oud", "student"),
            "post": ("naoorlogs",),
            "centre": ("centrum",),
            "old": ("centrum", "oud"),
            "outer": ("suburb", "villa", "dorp"),
        }.items()
    }

    weights: dict[State, Arr] = {
        State.STUDENT_HOUSE: (0.2 + 3 * pw["student"] + 1.2 * pw["post"])
        * (area >= 70)
        * (1.0 + 1.5 * np.isin(ht, [HType.TERR, HType.CORNER, HType.UPPER])),
        State.LABOUR: (0.3 + 2.0 * pw["post"]) * (area >= 65) * (0.5 + house),
        State.OVERBEWONING: (0.5 + 2.0 * pw["post"] + pw["old"]) * np.where(area <= 85, 2.0, 0.5),
        State.HENNEP: (0.5 + pw["post"] + pw["outer"]) * (0.4 + 2.5 * house),
        State.SCHIJN: (0.5 + pw["post"] + pw["centre"]) * (0.5 + flat),
        State.SPOOK: np.ones(n),
        State.LEEGSTAND: 1.0 + pw["centre"] + 0.5 * pw["post"],
        State.RENOVATION: (0.5 + house) * (geo.bouwjaar < 1990),
        State.RECENT_SALE: 0.3 + house,
        State.DEATH: 0.5 + house + pw["outer"],
        State.SECOND_HOME: 0.3 + 2 * pw["centre"] + pw["outer"],
        State.FRICTION: 0.3 + flat + pw["post"],
    }
    for st, base in RATES.items():
        rate = base * getattr(v, _RATE_PARAMETER[st])
        k = round(rate * n_dw) if st == State.STUDENT_HOUSE else _count(rate, n_dw)
        idx = _pick(rng, free, weights[st] + 1e-9 * (weights[st] > 0), k)
        state[idx] = st

    # brievenbus sites: half flats in the centre, half small offices
    n_bb = max(3, round(7 * scale * v.brievenbusfirma))
    n_bb_flat = n_bb // 2
    idx = _pick(rng, free, flat * (0.3 + pw["centre"]), n_bb_flat)
    state[idx] = State.BRIEVENBUS
    office = (
        (ht == HType.NONRES)
        & np.char.startswith(geo.doel.astype(str), "kantoorfunctie")
        & (geo.status == "Verblijfsobject in gebruik")
    )
    free_nonres = office.copy()
    bb_off = _pick(rng, free_nonres, np.where(area < 250, 1.0, 0.1), n_bb - len(idx))
    state[bb_off] = State.BRIEVENBUS
    bvg = _pick(rng, free_nonres, np.where(area >= 600, 1.0, 0.0), max(2, round(4 * scale)))

    # criminal property transactions on rented ordinary dwellings
    crime = _pick(
        rng, free, (0.5 + pw["centre"] + pw["post"]) * (0.5 + flat), _count(CRIME_RATE * v.transactie, n_dw)
    )

    # most renovations are visible in BAG
    reno = np.flatnonzero(state == State.RENOVATION)
    geo.status[reno[rng.random(len(reno)) < 0.8]] = "Verbouwing verblijfsobject"

    fenomeen = np.full(n, "", dtype=object)
    lookalike = np.full(n, "", dtype=object)
    for st, name in FENOMEEN_OF_STATE.items():
        fenomeen[state == st] = name
    fenomeen[crime] = "criminele_vastgoedtransactie"
    for st, name in LOOKALIKE_OF_STATE.items():
        lookalike[state == st] = name
    lookalike[bvg] = "bedrijfsverzamelgebouw"

    # tenure
    tenure = np.full(n, Tenure.CORP, dtype=np.int64)
    reg = state == State.REGULAR
    for t, p in _REGULAR_TENURE.items():
        m = reg & (ht == t)
        tenure[m] = rng.choice(
            [Tenure.CORP, Tenure.OO, Tenure.LL_PERSON, Tenure.LL_BV], size=int(m.sum()), p=p
        )
    for st, (ts, ps) in _TENURE_OF_STATE.items():
        m = state == st
        tenure[m] = rng.choice(np.array(ts, dtype=np.int64), size=int(m.sum()), p=np.array(ps))
    pand_dev = rng.random(int(geo.pand.max()) + 1) < 0.5
    tenure[new_build] = np.where(pand_dev[geo.pand[new_build]], Tenure.DEVELOPER, Tenure.CORP)
    tenure[crime] = Tenure.NETWORK

    vac_start = np.full(n, _NONE, dtype=np.int64)
    for st, (lo, hi) in _VAC_WINDOWS.items():
        m = state == st
        vac_start[m] = rng.integers(lo, hi + 1, size=int(m.sum()))
    hennep_start = np.full(n, 10**7, dtype=np.int64)
    hm = state == State.HENNEP
    hennep_start[hm] = rng.integers(day(2021, 1, 1), day(2024, 7, 1), size=int(hm.sum()))
    tapped = hm & (rng.random(n) < v.hennep_afgetapt)

    # criminal networks: each ties some crime, hennep and brievenbus sites together
    n_networks = max(2, round(len(crime) / 15))
    network = np.full(n, -1, dtype=np.int64)
    network[crime] = rng.integers(0, n_networks, size=len(crime))
    tied = (hm & (tenure == Tenure.NETWORK)) | ((state == State.BRIEVENBUS) & (rng.random(n) < 0.5))
    network[tied] = rng.integers(0, n_networks, size=int(tied.sum()))
    tenure[hm & (network >= 0)] = Tenure.NETWORK

    # landlords who let several overcrowded dwellings
    ov = np.flatnonzero(state == State.OVERBEWONING)
    slumlord = np.full(n, -1, dtype=np.int64)
    n_slum = max(2, len(ov) // 5)
    grouped = rng.random(len(ov)) < 0.7
    slumlord[ov[grouped]] = rng.integers(0, n_slum, size=int(grouped.sum()))
    return Plan(
        state=state,
        fenomeen=fenomeen,
        lookalike=lookalike,
        tenure=tenure,
        vac_start=vac_start,
        hennep_start=hennep_start,
        tapped=tapped,
        network=network,
        slumlord=slumlord,
        n_networks=n_networks,
        bvg=bvg,
    )
