"""Utility use per connection and year (electricity, gas, water), following who truly lives where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.ids import eans
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.population import Population
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import YEARS, Arr, HType, State, Tenure, day

__all__ = ["ELEC_NORM", "Utility", "build_utility", "elec_norm"]

#: Electricity norm (kWh/year) by household size 1..6 (CBS 2020: 1,800 one person, 3,370 three).
ELEC_NORM = np.array([250.0, 1800.0, 2900.0, 3370.0, 3900.0, 4300.0, 4650.0])
_ELEC_TYPE = np.array([0.9, 1.0, 1.03, 1.08, 1.2, 0.75, 0.9, 1.0])
#: Gas (m³/year) by dwelling type (a Limburg municipality, 2021): apartment 930 .. detached 2,380.
_GAS_TYPE = np.array([930.0, 1350.0, 1550.0, 1760.0, 2380.0, 420.0, 950.0, 0.0])
_TYPE_MEDIAN_AREA = np.array([68.0, 112.0, 122.0, 142.0, 185.0, 22.0, 72.0, 100.0])
_GAS_YEAR = {2021: 1.0, 2022: 0.86, 2023: 0.8, 2024: 0.8}
#: Water per person per year: 128 litres a day.
WATER_PER_PERSON = 0.128 * 365
_NONRES_ELEC = {
    "winkel": 140.0,
    "kantoor": 90.0,
    "bijeenkomst": 220.0,
    "industrie": 110.0,
    "gezondheidszorg": 130.0,
    "logies": 120.0,
    "onderwijs": 45.0,
    "sport": 70.0,
    "overige": 20.0,
}


def elec_norm(size: Arr) -> Arr:
    """The electricity norm for household sizes (0 is the standby level of an empty dwelling)."""
    s = np.asarray(size, dtype=np.int64)
    out: Arr = np.where(s <= 6, ELEC_NORM[np.clip(s, 0, 6)], ELEC_NORM[6] + 350.0 * (s - 6))
    return out


@dataclass
class Utility:
    """Connection-year rows and the per-address electricity matrix.

    Row attributes: vbo, ean, product, jaar, verbruik, slimme_meter (-1 unknown, 0 no, 1 yes).
    ``elec`` is net metered electricity per vbo and year (NaN without a connection); ``solar`` marks
    dwellings with solar panels.
    """

    vbo: Arr
    ean: Arr
    product: Arr
    jaar: Arr
    verbruik: Arr
    slimme_meter: Arr
    elec: Arr
    solar: Arr


def _overlap(a: Arr, b: Arr, y0: int, y1: int) -> Arr:
    out: Arr = np.clip(np.minimum(b, y1) - np.maximum(a, y0), 0, None) / (y1 - y0)
    return out


def build_utility(
    rng: np.random.Generator, geo: Geo, plan: Plan, pop: Population, v: WorldVariation
) -> Utility:
    """Draw metered use per connection and year from Dutch norms and the true occupancy.

    Args:
        rng: The stage's random generator.
        geo: The built environment.
        plan: The true state per address.
        pop: Residents and true occupancy periods.
        v: The world's parameters (cultivation and ghost-occupancy use, solar panels).

    Returns:
        Utility rows for every connection and year.
    """
    n = geo.n
    ht = geo.htype
    st = plan.state
    dw = geo.is_dwelling
    ny = len(YEARS)
    persist = np.exp(rng.normal(-0.01, 0.15, n))
    area_f = np.sqrt(np.clip(geo.area / _TYPE_MEDIAN_AREA[ht], 0.4, 2.5))
    tfac = _ELEC_TYPE[ht]
    student = np.isin(st, [State.STUDENT_HOUSE, State.STUDIO])
    use_f = np.where(student, rng.uniform(0.35, 0.75, n), 1.0)
    use_f = np.where(st == State.SPOOK, v.spook_verbruik, use_f)
    all_electric = dw & ((geo.bouwjaar >= 2018) | (rng.random(n) < 0.06))
    has_gas = np.where(dw, ~all_electric, rng.random(n) < 0.8)
    gevormd = st == State.NEW_BUILD
    first_year = np.where(gevormd, np.where(geo.bouwjaar <= 2024, 2024, 9999), np.maximum(geo.bouwjaar, 2000))

    # solar panels, more on owned houses
    house = np.isin(ht, [HType.TERR, HType.CORNER, HType.SEMI, HType.DET])
    may_solar = np.isin(
        st,
        [
            State.REGULAR,
            State.STUDENT_HOUSE,
            State.LABOUR,
            State.DEATH,
            State.RECENT_SALE,
            State.SECOND_HOME,
            State.FRICTION,
        ],
    ) & (plan.fenomeen == "")
    p_solar = (
        np.where(house, np.where(plan.tenure == Tenure.OO, 0.32, 0.22), 0.075) * may_solar * v.zonnepanelen
    )
    solar = rng.random(n) < p_solar
    solar_year = rng.choice(np.arange(2012, 2025), size=n)
    production = np.where(house, rng.uniform(2500, 5000, n), rng.uniform(1000, 2000, n))

    # non-residential activity
    doel_key = np.array(
        [str(d).split("functie")[0].split(";")[0].replace("overige gebruiks", "overige") for d in geo.doel],
        dtype=object,
    )
    intensity = np.array([_NONRES_ELEC.get(str(k), 60.0) for k in doel_key])
    nonres_active = (
        (ht == HType.NONRES) & (geo.status == "Verblijfsobject in gebruik") & (rng.random(n) < 0.93)
    )
    bb = st == State.BRIEVENBUS

    elec = np.full((n, ny), np.nan)
    gas = np.full((n, ny), np.nan)
    water = np.full((n, ny), np.nan)
    standby_e = rng.uniform(120, 350, n)
    standby_g = rng.uniform(40, 200, n)
    standby_w = rng.uniform(0.5, 4.0, n)
    for j, y in enumerate(YEARS):
        y0, y1 = day(y, 1, 1), day(y + 1, 1, 1)
        f_prev = _overlap(pop.prev_start, pop.prev_end, y0, y1)
        f_cur = _overlap(pop.cur_start, np.full(n, 10**7), y0, y1)
        f_cur = np.minimum(f_cur, 1.0 - f_prev)
        f_empty = 1.0 - f_prev - f_cur
        noise = np.exp(rng.normal(-0.03, 0.25, n)) * persist
        e = (
            (
                f_prev * elec_norm(pop.prev_n) * (pop.prev_n > 0)
                + f_cur * elec_norm(pop.cur_n) * (pop.cur_n > 0)
            )
            * tfac
            * use_f
        )
        e = e + (f_empty + f_prev * (pop.prev_n == 0) + f_cur * (pop.cur_n == 0)) * standby_e
        persons = f_prev * pop.prev_n + f_cur * pop.cur_n
        g = (
            (f_prev * (pop.prev_n > 0) + f_cur * (pop.cur_n > 0))
            * _GAS_TYPE[ht]
            * area_f
            * (0.8 + 0.1 * np.minimum(persons, 6))
            * np.where(student, 0.7, 1.0)
        )
        g = g + (f_empty + f_prev * (pop.prev_n == 0) + f_cur * (pop.cur_n == 0)) * standby_g
        w = persons * WATER_PER_PERSON + (1.0 - np.minimum(persons, 1.0)) * standby_w
        # look-alikes and phenomena that change use
        sh = st == State.SECOND_HOME
        seasonal = rng.uniform(0.25, 0.45, n)
        e = np.where(sh, elec_norm(np.full(n, 2)) * seasonal * tfac, e)
        g = np.where(sh, _GAS_TYPE[ht] * area_f * seasonal, g)
        w = np.where(sh, 2 * WATER_PER_PERSON * seasonal, w)
        reno = st == State.RENOVATION
        f_work = _overlap(plan.vac_start, np.full(n, 10**7), y0, y1)
        e = e + reno * f_work * rng.uniform(600, 2500, n)
        w = w + reno * f_work * rng.uniform(5, 20, n)
        f_hennep = _overlap(plan.hennep_start, np.full(n, 10**7), y0, y1)
        lamps = rng.uniform(v.hennep_kwh_laag, v.hennep_kwh_laag + v.hennep_kwh_bereik, n)
        e = e + np.where((st == State.HENNEP) & ~plan.tapped, f_hennep * lamps, 0.0)
        w = w + np.where(st == State.HENNEP, f_hennep * rng.uniform(5, 25, n), 0.0)
        e = np.where(bb & dw, standby_e * 1.5, e)
        # non-residential: use per m², standby when empty; brievenbus offices barely used
        nr = ht == HType.NONRES
        e_nr = np.where(nonres_active, geo.area * intensity, geo.area * 2.0 + 150)
        e_nr = np.where(bb & nr, rng.uniform(250, 900, n), e_nr)
        e = np.where(nr, e_nr, e)
        g = np.where(nr, np.where(nonres_active & ~bb, geo.area * 7.0, geo.area * 0.5), g)
        w = np.where(nr, np.where(nonres_active & ~bb, geo.area * 0.25, 2.0), w)
        # mixed dwellings with a shop or practice use more
        mixed = dw & (np.char.find(geo.doel.astype(str), ";") >= 0)
        e = e + mixed * 1500.0
        # new builds: construction power in the completion year only
        e = np.where(gevormd, rng.uniform(200, 1500, n), e)
        g = np.where(gevormd, np.nan, g)
        w = np.where(gevormd, rng.uniform(2, 15, n), w)
        e = e * noise
        installed = np.clip((y + 1 - solar_year) - 0.5, 0.0, 1.0)
        e = e - solar * installed * production * np.exp(rng.normal(0, 0.08, n))
        alive = first_year <= y
        elec[:, j] = np.where(alive, np.round(e, 0), np.nan)
        gas[:, j] = np.where(
            alive & has_gas & ~gevormd,
            np.round(g * np.exp(rng.normal(-0.02, 0.2, n)) * _GAS_YEAR[y], 0),
            np.nan,
        )
        water[:, j] = np.where(alive, np.round(w * np.exp(rng.normal(-0.02, 0.2, n)), 1), np.nan)

    # rows: one per connection and year
    parts_v, parts_p, parts_y, parts_val, parts_sm, parts_ean = [], [], [], [], [], []
    for prod, mat, prefix, smart_p in (
        ("elektriciteit", elec, "871687", 0.85),
        ("gas", gas, "871688", 0.85),
        ("water", water, "871694", -1.0),
    ):
        conn = np.flatnonzero(~np.all(np.isnan(mat), axis=1))
        codes = eans(rng, len(conn), prefix, None if geo.gemeente is None else geo.gemeente.ean)
        smart_year = np.where(rng.random(len(conn)) < abs(smart_p), rng.integers(2010, 2024, len(conn)), 9999)
        vv, yy = np.meshgrid(np.arange(len(conn)), np.arange(ny), indexing="ij")
        vals = mat[conn][vv, yy]
        ok = ~np.isnan(vals)
        ci, yi = vv[ok], yy[ok]
        parts_v.append(conn[ci])
        parts_ean.append(codes[ci])
        parts_p.append(np.full(len(ci), prod, dtype=object))
        parts_y.append(np.array(YEARS)[yi])
        parts_val.append(vals[ok])
        years = np.array(YEARS)[yi]
        parts_sm.append(np.where(smart_p < 0, -1, (years >= smart_year[ci]).astype(np.int64)))
    return Utility(
        vbo=np.concatenate(parts_v),
        ean=np.concatenate(parts_ean),
        product=np.concatenate(parts_p),
        jaar=np.concatenate(parts_y),
        verbruik=np.concatenate(parts_val),
        slimme_meter=np.concatenate(parts_sm),
        elec=elec,
        solar=solar,
    )
