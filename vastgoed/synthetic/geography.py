"""The built environment: wijken, buurten, streets, panden and verblijfsobjecten with BAG ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.ids import bag_ids
from vastgoed.synthetic.names import BUURTEN, STREET_BASES, STREET_NAMES_MAASTRICHT, STREET_SUFFIXES
from vastgoed.synthetic.region import Gemeente, Layout, buurt_layout
from vastgoed.synthetic.world import Arr, HType

__all__ = ["Geo", "build_geography"]

_PROFILES = ("centrum", "oud", "naoorlogs", "suburb", "villa", "dorp", "nieuw", "student", "bedrijf")
#: Affinity of each dwelling type (APT, TERR, CORNER, SEMI, DET, STUDIO, UPPER, NONRES) per profile.
_AFFINITY: dict[str, tuple[float, ...]] = {
    "centrum": (3.0, 0.6, 0.3, 0.05, 0.05, 0.8, 6.0, 5.0),
    "oud": (1.2, 2.2, 1.5, 0.3, 0.2, 0.4, 0.6, 1.0),
    "naoorlogs": (2.4, 1.6, 1.2, 0.2, 0.1, 0.2, 0.1, 0.5),
    "suburb": (0.7, 2.0, 1.8, 2.2, 1.5, 0.1, 0.05, 0.4),
    "villa": (0.3, 0.4, 0.5, 2.0, 4.5, 0.0, 0.0, 0.2),
    "dorp": (0.3, 1.4, 1.5, 2.0, 2.5, 0.0, 0.1, 0.4),
    "nieuw": (2.5, 1.2, 0.8, 0.6, 0.3, 0.6, 0.2, 1.2),
    "student": (1.0, 0.3, 0.2, 0.1, 0.0, 8.0, 0.0, 3.0),
    "bedrijf": (0.1, 0.1, 0.1, 0.0, 0.0, 0.0, 0.0, 9.0),
}
#: Bouwjaar ranges (low, high) per profile; the first range holds most panden.
_ERAS: dict[str, tuple[tuple[int, int], tuple[int, int], float]] = {
    "centrum": ((1600, 1935), (1955, 2015), 0.8),
    "oud": ((1895, 1940), (1950, 2010), 0.85),
    "naoorlogs": ((1950, 1975), (1976, 2015), 0.85),
    "suburb": ((1965, 1998), (1999, 2020), 0.85),
    "villa": ((1910, 1990), (1991, 2020), 0.85),
    "dorp": ((1880, 1985), (1986, 2020), 0.8),
    "nieuw": ((1995, 2023), (1990, 1995), 0.95),
    "student": ((1968, 2020), (2000, 2022), 0.6),
    "bedrijf": ((1960, 2015), (2000, 2023), 0.8),
}
_NONRES_DOEL: tuple[tuple[str, float], ...] = (
    ("winkelfunctie", 0.30),
    ("kantoorfunctie", 0.27),
    ("bijeenkomstfunctie", 0.12),
    ("industriefunctie", 0.10),
    ("gezondheidszorgfunctie", 0.06),
    ("logiesfunctie", 0.04),
    ("onderwijsfunctie", 0.03),
    ("sportfunctie", 0.02),
    ("overige gebruiksfunctie", 0.04),
    ("kantoorfunctie;winkelfunctie", 0.02),
)
_NONRES_AREA: dict[str, tuple[float, float]] = {
    "winkelfunctie": (110.0, 0.8),
    "kantoorfunctie": (220.0, 1.0),
    "bijeenkomstfunctie": (170.0, 0.7),
    "industriefunctie": (800.0, 1.0),
    "gezondheidszorgfunctie": (280.0, 0.9),
    "logiesfunctie": (900.0, 1.0),
    "onderwijsfunctie": (2200.0, 0.8),
    "sportfunctie": (1400.0, 0.8),
    "overige gebruiksfunctie": (40.0, 0.8),
    "kantoorfunctie;winkelfunctie": (200.0, 0.8),
}
_AREA: dict[int, tuple[float, float, int, int]] = {
    HType.APT: (68.0, 0.28, 25, 220),
    HType.TERR: (112.0, 0.18, 60, 220),
    HType.CORNER: (122.0, 0.18, 65, 240),
    HType.SEMI: (142.0, 0.2, 80, 300),
    HType.DET: (185.0, 0.28, 90, 600),
    HType.STUDIO: (22.0, 0.2, 12, 45),
    HType.UPPER: (72.0, 0.3, 30, 200),
}
_X_RANGE = (176000.0, 180000.0)
_Y_RANGE = (314000.0, 322000.0)
_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@dataclass
class Geo:
    """Buurten, streets and one entry per verblijfsobject (arrays aligned on the vbo index)."""

    buurt_code: Arr
    buurt_profile: Arr
    buurt_factor: Arr
    street_name: Arr
    street_buurt: Arr
    vbo_id: Arr
    num_id: Arr
    pand_id: Arr
    pand: Arr
    street: Arr
    huisnummer: Arr
    huisletter: Arr
    toevoeging: Arr
    postcode: Arr
    buurt: Arr
    doel: Arr
    htype: Arr
    area: Arr
    bouwjaar: Arr
    status: Arr
    x: Arr
    y: Arr
    #: The gemeente of a region, or None for the default Maastricht-like municipality.
    gemeente: Gemeente | None = None

    @property
    def n(self) -> int:
        """Number of verblijfsobjecten."""
        return len(self.vbo_id)

    @property
    def is_dwelling(self) -> Arr:
        """True where the gebruiksdoel includes woonfunctie."""
        return np.asarray(self.htype != HType.NONRES)


def _street_names(rng: np.random.Generator, n: int) -> Arr:
    """``n`` distinct street names for the default municipality, Maastricht's own first.

    Random base and suffix combinations are drawn until ``n`` are found or every combination has been
    drawn; the rest (only for municipalities larger than about 1.15 times Maastricht) come from
    :func:`_more_street_names`, so this never loops forever.
    """
    names: list[str] = list(STREET_NAMES_MAASTRICHT)
    suffixes = [s for s, _, _ in STREET_SUFFIXES]
    w = np.array([p for _, p, _ in STREET_SUFFIXES])
    seen = set(names)
    possible = len(seen | set(_combinations()))
    while len(names) < min(n, possible):
        base = STREET_BASES[int(rng.integers(len(STREET_BASES)))]
        suf = suffixes[int(rng.choice(len(suffixes), p=w / w.sum()))]
        name = f"{base}{suf}"
        if base.endswith(("er", "s")) and suf == "straat" and rng.random() < 0.3:
            name = f"{base} {suf.capitalize()}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    if n > len(names):
        names.extend(_more_street_names(rng, names, n - len(names)))
    order = rng.permutation(len(names))[:n]
    return np.array(names, dtype=object)[order]


def _combinations() -> list[str]:
    """Every name the random draw of :func:`_street_names` can produce."""
    out: list[str] = []
    for base in STREET_BASES:
        for suf, _, _ in STREET_SUFFIXES:
            out.append(f"{base}{suf}")
            if base.endswith(("er", "s")) and suf == "straat":
                out.append(f"{base} {suf.capitalize()}")
    return out


def _street_key(name: str) -> str:
    """The street name as an address matcher compares it: lower case, letters and digits only."""
    return "".join(c for c in name.lower() if c.isalnum())


_PREFIXES = ("Korte", "Lange", "Oude", "Nieuwe", "Kleine", "Grote", "Hoge", "Lage", "Achter", "Boven")
_ROMAN = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _more_street_names(rng: np.random.Generator, taken: list[str], k: int) -> list[str]:
    """``k`` further names, none equal to a taken one once case, spaces and punctuation are ignored.

    Prefixed variants first (``Korte Berkenlaan``), then numbered ones (``Berkenlaan II``), then
    numbered prefixed ones: a finite, ordered supply, so the result is always found.
    """
    keys = {_street_key(t) for t in taken}
    base = sorted({c for c in (*taken, *_combinations())}, key=lambda x: (_street_key(x), x))
    base = [b for i, b in enumerate(base) if i == 0 or _street_key(b) != _street_key(base[i - 1])]
    out: list[str] = []
    tiers = [[f"{p} {b}" for p in _PREFIXES for b in base], [f"{b} {r}" for r in _ROMAN for b in base]]
    tiers.append([f"{p} {b} {r}" for r in _ROMAN for p in _PREFIXES for b in base])
    for tier in tiers:
        for i in rng.permutation(len(tier)).tolist():
            key = _street_key(tier[i])
            if key not in keys:
                keys.add(key)
                out.append(tier[i])
                if len(out) == k:
                    return out
    counter = 0
    while len(out) < k:  # beyond about 200 times Maastricht's streets: plain numbered names
        counter += 1
        name = f"Straat {counter}"
        if _street_key(name) not in keys:
            keys.add(_street_key(name))
            out.append(name)
    return out


def _region_street_names(rng: np.random.Generator, n: int) -> Arr:
    """``n`` street names for a gemeente of a region: distinct even when case and spaces are ignored.

    Common names (``Markt``, ``Kerkstraat``) recur across gemeenten, as they do in the country.
    """
    pool = sorted({_street_key(c): c for c in ["Markt", *_combinations()]}.values())
    names = [pool[i] for i in rng.permutation(len(pool))[: min(n, len(pool))].tolist()]
    if n > len(names):
        names.extend(_more_street_names(rng, names, n - len(names)))
    return np.array(names, dtype=object)


def _relieve_pc4(pc4: Arr, street: Arr, chunk: Arr, pairs: int, spare: list[int]) -> Arr:
    """Move whole streets out of PC4 areas with more postcode groups than letter pairs exist.

    A group (street and chunk of about 18 addresses) gets one letter pair of its PC4; with more than
    ``pairs`` groups, two groups would share a postcode. The streets that do not fit move, in street
    order, to the ``spare`` PC4 codes (each filled to 90% of ``pairs``). Nothing changes where every
    area fits (as in the default municipality at scale 1, whose fullest area holds about 580 groups).
    """
    streets, first = np.unique(street, return_index=True)
    groups = np.zeros(int(streets.max()) + 1 if len(streets) else 0, dtype=np.int64)
    np.maximum.at(groups, street, chunk + 1)
    street_pc4 = np.asarray(pc4)[first]
    load = {int(p): int(groups[streets][street_pc4 == p].sum()) for p in np.unique(street_pc4)}
    if all(v <= pairs for v in load.values()):
        return pc4
    move: dict[int, int] = {}
    codes = iter(spare)
    target, filled = None, 0
    for p in sorted(k for k, v in load.items() if v > pairs):
        kept = 0
        for s in streets[street_pc4 == p].tolist():
            g = int(groups[s])
            if kept + g <= pairs:
                kept += g
                continue
            if target is None or filled + g > 0.9 * pairs:
                target, filled = next(codes, None), 0
                if target is None:
                    break  # no spare code left: the remaining streets share letter pairs
            move[s] = target
            filled += g
    dest = np.full(len(groups), -1, dtype=np.int64)
    dest[list(move)] = list(move.values())
    to = dest[street]
    return np.where(to >= 0, to, pc4)


def _pand_sizes(rng: np.random.Generator, target: int, mean: float, low: int, high: int) -> Arr:
    """Draw building sizes (units per pand) until they sum to ``target``."""
    if target <= 0:
        return np.zeros(0, dtype=np.int64)
    draws = np.clip(low + rng.geometric(1.0 / max(mean - low + 1, 1.0), size=target), low, high)
    cs = np.cumsum(draws)
    k = int(np.searchsorted(cs, target)) + 1
    sizes = draws[:k].copy()
    sizes[-1] -= int(cs[k - 1] - target)
    return sizes[sizes > 0].astype(np.int64)


def _maastricht_layout() -> Layout:
    """The default municipality's buurten: Maastricht's own, PC4 6211..6229."""
    nb = len(BUURTEN)
    profile = np.array([b[4] for b in BUURTEN], dtype=object)
    wijk = np.array([b[1] for b in BUURTEN], dtype=np.int64)
    bx = np.array([b[2] for b in BUURTEN])
    by = np.array([b[3] for b in BUURTEN])
    per_wijk = np.zeros(8, dtype=np.int64)
    bnum = np.zeros(nb, dtype=np.int64)
    for i in range(nb):
        per_wijk[wijk[i]] += 1
        bnum[i] = per_wijk[wijk[i]]
    buurt_code = np.array([f"BU0935{wijk[i]:02d}{bnum[i]:02d}" for i in range(nb)], dtype=object)
    # postcode areas 6211..6229 in order of the buurten's position (south-west to north-east)
    pc_rank = np.argsort(np.argsort(bx * 0.3 + by))
    return Layout(
        buurt_code=buurt_code,
        profile=profile,
        bx=bx,
        by=by,
        pc4=6211 + (pc_rank * 19) // nb,
        x_range=_X_RANGE,
        y_range=_Y_RANGE,
    )


def build_geography(rng: np.random.Generator, scale: float, gemeente: Gemeente | None = None) -> Geo:
    """Lay out the municipality: buurten, streets, panden and their verblijfsobjecten.

    Args:
        rng: The stage's random generator.
        scale: 1.0 is Maastricht (about 70k verblijfsobjecten).
        gemeente: A gemeente of a region (its own code, buurten, PC4 range and place), or None for
            the default Maastricht-like municipality.

    Returns:
        The geography, with every verblijfsobject addressed, typed, sized and placed.
    """
    if gemeente is None:
        lay = _maastricht_layout()
    else:
        lay = buurt_layout(gemeente, np.random.default_rng([gemeente.seed, 11]))
    nb = len(lay.buurt_code)
    profile, bx, by, buurt_code, buurt_pc4 = lay.profile, lay.bx, lay.by, lay.buurt_code, lay.pc4
    buurt_weight = rng.uniform(0.6, 1.5, nb)
    buurt_factor = np.exp(rng.normal(0.0, 0.15, nb)) * np.array(
        [{"villa": 1.35, "centrum": 1.2, "naoorlogs": 0.8, "bedrijf": 0.9}.get(p, 1.0) for p in profile]
    )

    n_dw = max(round(62000 * scale), 400)
    n_nonres_target = max(round(7600 * scale), 40)
    shares = {
        HType.APT: 0.41,
        HType.TERR: 0.255,
        HType.CORNER: 0.075,
        HType.SEMI: 0.075,
        HType.DET: 0.055,
        HType.STUDIO: 0.07,
        HType.UPPER: 0.06,
    }
    sizes_by_type: dict[int, Arr] = {
        HType.APT: _pand_sizes(rng, int(n_dw * shares[HType.APT]), 14, 3, 120),
        HType.STUDIO: _pand_sizes(rng, int(n_dw * shares[HType.STUDIO]), 110, 30, 320),
        HType.UPPER: _pand_sizes(rng, int(n_dw * shares[HType.UPPER]), 1.6, 1, 3),
    }
    for t in (HType.TERR, HType.CORNER, HType.SEMI, HType.DET):
        sizes_by_type[t] = np.ones(int(n_dw * shares[t]), dtype=np.int64)
    n_upper_panden = len(sizes_by_type[HType.UPPER])
    sizes_by_type[HType.NONRES] = _pand_sizes(rng, max(n_nonres_target - n_upper_panden, 10), 1.3, 1, 8)

    ptype = np.concatenate([np.full(len(sizes_by_type[t]), t) for t in sorted(sizes_by_type)])
    psize = np.concatenate([sizes_by_type[t] for t in sorted(sizes_by_type)])
    npand = len(ptype)
    aff = np.array([_AFFINITY[p] for p in profile])  # nb x 8
    pbuurt = np.empty(npand, dtype=np.int64)
    for ti in range(8):
        m = ptype == ti
        w = aff[:, ti] * buurt_weight
        pbuurt[m] = rng.choice(nb, size=int(m.sum()), p=w / w.sum())

    # streets: each buurt gets streets in proportion to its panden (about 25 panden per street)
    pand_per_buurt = np.bincount(pbuurt, minlength=nb)
    streets_per_buurt = np.maximum(1, np.round(pand_per_buurt / 22.0).astype(np.int64))
    n_streets = int(streets_per_buurt.sum())
    street_buurt = np.repeat(np.arange(nb), streets_per_buurt)
    street_first = np.concatenate([[0], np.cumsum(streets_per_buurt)[:-1]])
    street_name = _street_names(rng, n_streets) if gemeente is None else _region_street_names(rng, n_streets)
    # zipf-like street lengths inside a buurt
    pos = rng.random(npand) ** 1.6
    pstreet = street_first[pbuurt] + np.minimum(
        (pos * streets_per_buurt[pbuurt]).astype(np.int64), streets_per_buurt[pbuurt] - 1
    )

    # numbering modes per pand: 0 consecutive numbers, 1 toevoeging, 2 huisletter
    mode = np.zeros(npand, dtype=np.int64)
    multi = psize > 1
    r = rng.random(npand)
    mode[multi & (r < 0.35)] = 1
    mode[multi & (r >= 0.35) & (r < 0.5) & (psize <= 8)] = 2
    mode[ptype == HType.STUDIO] = 1
    mode[ptype == HType.UPPER] = 2
    slots = np.where(mode == 0, psize, 1) + (rng.random(npand) < 0.08)
    order = np.lexsort((rng.random(npand), ptype, pstreet))
    ptype, psize, pbuurt, pstreet, mode, slots = (
        a[order] for a in (ptype, psize, pbuurt, pstreet, mode, slots)
    )
    cs = np.cumsum(slots) - slots
    _, first_idx, counts = np.unique(pstreet, return_index=True, return_counts=True)
    street_offset = np.repeat(cs[first_idx], counts)
    pnum = cs - street_offset + 1

    # verblijfsobjecten
    upper_extra = (ptype == HType.UPPER).astype(np.int64)  # the shop on the ground floor
    units = psize + upper_extra
    n = int(units.sum())
    vpand = np.repeat(np.arange(npand), units)
    rank = np.arange(n) - np.repeat(np.cumsum(units) - units, units)
    vmode = mode[vpand]
    vt = ptype[vpand].copy()
    is_shop = (vt == HType.UPPER) & (rank == 0)
    vt[is_shop] = HType.NONRES
    huisnummer = pnum[vpand] + np.where(vmode == 0, rank, 0)
    huisletter = np.full(n, "", dtype=object)
    toevoeging = np.full(n, "", dtype=object)
    m2 = (vmode == 2) & ~is_shop
    huisletter[m2] = _LETTERS[np.minimum(rank[m2] - (ptype[vpand][m2] == HType.UPPER) + 0, 25)]
    m1 = vmode == 1
    style = rng.integers(0, 3, size=npand)[vpand]
    floor = rank // 12
    num = rank % 12 + 1
    t_style0 = (rank + 1).astype(str).astype(object)
    t_style1 = np.char.zfill((rank + 1).astype(str), 2).astype(object)
    t_style2 = (np.char.add(floor.astype(str), np.char.zfill(num.astype(str), 2))).astype(object)
    toevoeging[m1] = np.where(
        style[m1] == 0, t_style0[m1], np.where(style[m1] == 1, t_style1[m1], t_style2[m1])
    )
    # a few "bis" and upstairs toevoegingen on ordinary houses
    bis = (vmode == 0) & (rng.random(n) < 0.01)
    toevoeging[bis] = rng.choice(np.array(["bis", "a", "b", "1", "2"], dtype=object), size=int(bis.sum()))

    # postcodes: consecutive groups of about 18 addresses along a street share the letter pair
    vstreet = pstreet[vpand]
    vbuurt = pbuurt[vpand]
    pc4 = buurt_pc4[vbuurt]
    within = np.arange(n) - np.repeat(
        np.cumsum(np.bincount(vstreet, minlength=n_streets)) - np.bincount(vstreet, minlength=n_streets),
        np.bincount(vstreet, minlength=n_streets),
    )
    chunk = within // rng.integers(12, 26)
    valid_pairs = [a + b for a in _LETTERS for b in _LETTERS if (a + b) not in ("SA", "SD", "SS")]
    spare = range(6230, 6300) if gemeente is None else range(*gemeente.pc4_spare)
    pc4 = _relieve_pc4(pc4, vstreet, chunk, len(valid_pairs), list(spare))
    # (pc4, street, chunk) packed in one integer; room for 10**7 streets of up to 1000 chunks
    key = pc4.astype(np.int64) * 10**10 + vstreet * 1000 + chunk
    uniq_keys, inv = np.unique(key, return_inverse=True)
    key_pc4 = uniq_keys // 10**10
    _, pc_first, pc_counts = np.unique(key_pc4, return_index=True, return_counts=True)
    letter_rank = np.arange(len(uniq_keys)) - np.repeat(pc_first, pc_counts)
    pair_order = np.array(valid_pairs, dtype=object)
    step = np.maximum(1, len(valid_pairs) // np.maximum(np.repeat(pc_counts, pc_counts), 1))
    letter_idx = np.minimum(letter_rank * np.minimum(step, 3), len(valid_pairs) - 1)
    postcode = np.char.add(key_pc4.astype(str), pair_order[letter_idx].astype(str))[inv].astype(object)

    # gebruiksdoel, area, bouwjaar, status
    doel = np.full(n, "woonfunctie", dtype=object)
    nonres = vt == HType.NONRES
    nd_names = np.array([d for d, _ in _NONRES_DOEL], dtype=object)
    nd_p = np.array([p for _, p in _NONRES_DOEL])
    prof_v = profile[vbuurt]
    nd = rng.choice(len(nd_names), size=n, p=nd_p / nd_p.sum())
    # shops below upper dwellings and in the centre are mostly shops and horeca
    centre_shop = is_shop | ((prof_v == "centrum") & (rng.random(n) < 0.5))
    nd = np.where(centre_shop, rng.choice([0, 0, 0, 2, 2, 1], size=n), nd)
    doel[nonres] = nd_names[nd[nonres]]
    mixed = ~nonres & np.isin(vt, [HType.TERR, HType.CORNER, HType.UPPER]) & (rng.random(n) < 0.02)
    doel[mixed] = rng.choice(
        np.array(
            ["woonfunctie;winkelfunctie", "kantoorfunctie;woonfunctie", "gezondheidszorgfunctie;woonfunctie"],
            dtype=object,
        ),
        size=int(mixed.sum()),
    )
    area = np.zeros(n)
    for kind, (med, sd, lo, hi) in _AREA.items():
        m = vt == kind
        area[m] = np.clip(med * np.exp(rng.normal(0, sd, int(m.sum()))), lo, hi)
    for d, (med, sd) in _NONRES_AREA.items():
        m = nonres & (doel == d)
        area[m] = np.clip(med * np.exp(rng.normal(0, sd, int(m.sum()))), 8, 40000)
    area = np.maximum(np.round(area), 1).astype(np.int64)

    pbj = np.zeros(npand, dtype=np.int64)
    for p in _PROFILES:
        m = profile[pbuurt] == p
        (lo1, hi1), (lo2, hi2), share = _ERAS[p]
        first = rng.random(int(m.sum())) < share
        pbj[m] = np.where(
            first, rng.integers(lo1, hi1 + 1, int(m.sum())), rng.integers(lo2, hi2 + 1, int(m.sum()))
        )
    pbj[ptype == HType.STUDIO] = np.maximum(pbj[ptype == HType.STUDIO], 1965)
    # new builds: whole apartment blocks or houses, finished 2024 or under completion
    newb = np.zeros(npand, dtype=bool)
    target_new = max(round(0.006 * n_dw), 3)
    cand = np.flatnonzero(
        np.isin(ptype, [HType.APT, HType.TERR]) & np.isin(profile[pbuurt], ["nieuw", "naoorlogs", "suburb"])
    )
    cand = cand[rng.permutation(len(cand))]
    cum = np.cumsum(psize[cand])
    k = int(np.searchsorted(cum, target_new)) + 1
    newb[cand[:k]] = True
    pbj[newb] = rng.choice([2024, 2025], size=int(newb.sum()), p=[0.4, 0.6])
    bouwjaar = pbj[vpand]
    status = np.full(n, "Verblijfsobject in gebruik", dtype=object)
    status[rng.random(n) < 0.012] = "Verblijfsobject in gebruik (niet ingemeten)"
    status[nonres & (rng.random(n) < 0.012)] = "Verblijfsobject buiten gebruik"
    status[newb[vpand]] = "Verblijfsobject gevormd"

    # coordinates: street centre near the buurt centre, panden along a line, units on one point
    s_ang = rng.uniform(0, np.pi, n_streets)
    s_cx = bx[street_buurt] + rng.normal(0, 230, n_streets)
    s_cy = by[street_buurt] + rng.normal(0, 230, n_streets)
    along = (pnum - pnum.mean()) * 0.0 + (pnum - 1) * 5.5 - 60.0
    px = s_cx[pstreet] + np.cos(s_ang[pstreet]) * along + rng.normal(0, 4, npand)
    py = s_cy[pstreet] + np.sin(s_ang[pstreet]) * along + rng.normal(0, 4, npand)
    x = np.round(np.clip(px[vpand] + rng.normal(0, 1.5, n), *lay.x_range), 3)
    y = np.round(np.clip(py[vpand] + rng.normal(0, 1.5, n), *lay.y_range), 3)

    code = "0935" if gemeente is None else gemeente.code
    pand_ids = bag_ids(rng, npand, "pand", code)
    return Geo(
        buurt_code=buurt_code,
        buurt_profile=profile,
        buurt_factor=buurt_factor,
        street_name=street_name,
        street_buurt=street_buurt,
        vbo_id=bag_ids(rng, n, "verblijfsobject", code),
        num_id=bag_ids(rng, n, "nummeraanduiding", code),
        pand_id=pand_ids[vpand],
        pand=vpand,
        street=vstreet,
        huisnummer=huisnummer.astype(np.int64),
        huisletter=huisletter,
        toevoeging=toevoeging,
        postcode=postcode,
        buurt=vbuurt,
        doel=doel,
        htype=vt.astype(np.int64),
        area=area,
        bouwjaar=bouwjaar,
        status=status,
        x=x,
        y=y,
        gemeente=gemeente,
    )
