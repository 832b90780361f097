"""A region or the whole country as many synthetic gemeenten: sizes, codes, names and disjoint key ranges.

One gemeente is one in-memory world of the ordinary generator. A region is planned up front (cheaply,
from the seed alone) so that every gemeente can be built independently, in any process and any order,
and still give every registry key a value no other gemeente uses:

- BAG ids carry the gemeentecode; buurtcodes are ``BU{gemeentecode}{wijk:02d}{buurt:02d}``;
- postcodes: each gemeente has its own consecutive PC4 range;
- KvK numbers, vestigingsnummers and EAN codes: each gemeente draws from its own disjoint range;
- BSNs: each gemeente owns a disjoint set of residue classes of the 8-digit BSN body (no shared state);
- permit, melding and kadastraal object ids carry a gemeente-specific part.

A few national investors (``belegger`` companies) own property in several gemeenten: each is
registered in the KvK extract of its home gemeente only and appears as owner in the Kadaster extracts
of the others, so that linking a company across gemeenten matters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from vastgoed.synthetic.names import BUURTEN
from vastgoed.synthetic.world import Arr

__all__ = [
    "BSN_CLASSES",
    "MAX_GEMEENTE_SCALE",
    "PRESETS",
    "Gemeente",
    "Layout",
    "buurt_layout",
    "plan_region",
]

#: Named sizes (scale relative to Maastricht): a RIEC region and the national partnership.
PRESETS: dict[str, float] = {"regio": 10.0, "national": 140.0}
#: The largest gemeente built as one in-memory world (about 420k verblijfsobjecten).
MAX_GEMEENTE_SCALE = 6.0
#: The smallest gemeente of a region.
_MIN_GEMEENTE_SCALE = 0.001
#: The BSN body (8 digits) is split into this many residue classes, shared out over the gemeenten.
BSN_CLASSES = 10_000

_KVK_LOW, _KVK_HIGH = 11_000_000, 99_999_999
#: KvK numbers of the national investors (below every gemeente's range).
_KVK_NATIONAL = (10_000_000, 11_000_000)
#: National investors per unit of scale, and the chance to stop adding gemeenten to one's portfolio.
_INVESTORS_PER_SCALE, _PORTFOLIO_STOP = 0.5, 0.3
_INVESTOR_WORDS = (
    "Atlas", "Delta", "Horizon", "Kroon", "Rijnland", "Polder", "Lage Landen", "Oranje", "Noordzee",
    "Meridiaan", "Kompas", "Baken", "Eikenhof", "Linde", "Zuiderzee", "Vesting", "Havenstad", "Duin",
    "Heuvelrug", "Veluwe", "Waterland", "Kempen", "Twente", "Achterhoek",
)  # fmt: skip
_INVESTOR_SUFFIX = ("Vastgoed", "Beleggingen", "Woningfonds", "Real Estate", "Properties", "Wonen")

_VEST_LOW, _VEST_BLOCK = 10_000_000, 900_000_000
_EAN_BLOCK = 90_000_000
_MAX_GEMEENTEN = 1000
#: PC4 areas per unit of scale (Maastricht has 19 for 45 buurten).
_PC4_PER_BUURT = 19 / 45
#: Radius (m) of a gemeente of scale 1, as a disc of Maastricht's built-up area.
_RADIUS = 3200.0
_PROFILES, _PROFILE_COUNTS = np.unique(np.array([b[4] for b in BUURTEN], dtype=object), return_counts=True)

_NAME_HEAD = (
    "Aal", "Beek", "Berg", "Bosch", "Brug", "Dal", "Dijk", "Eik", "Elzen", "Gans", "Geer", "Haar",
    "Heide", "Hof", "Holt", "Hoog", "Kamp", "Kerk", "Klooster", "Laar", "Leeuw", "Lin", "Maas", "Meer",
    "Molen", "Mols", "Nes", "Oost", "Rijn", "Roos", "Sluis", "Steen", "Valk", "Veen", "Vliet", "Vorst",
    "Wal", "Water", "Weide", "West", "Wilg", "Zand", "Zee", "Noord", "Zuid", "Borg", "Dorre", "Esch",
)  # fmt: skip
_NAME_TAIL = (
    "broek", "burg", "dam", "dijk", "donk", "drecht", "en", "enhout", "erveen", "gein", "heim", "horst",
    "hout", "hoven", "huizen", "kerk", "loo", "meer", "ode", "rode", "sum", "um", "veen", "voort",
    "waard", "wijk", "woude", "zande",
)  # fmt: skip
_NETBEHEERDERS = (("Enexis Netbeheer B.V.", "ENEXIS", "Enexis"), ("Liander N.V.", "LIANDER", "Liander"),
                  ("Stedin Netbeheer B.V.", "STEDIN", "Stedin"))  # fmt: skip


@dataclass(frozen=True)
class Gemeente:
    """One gemeente of a region: where it lies, what it is called and which key ranges it owns.

    Attributes:
        index: Position in the region (0-based, in gemeentecode order).
        code: CBS gemeentecode (4 digits).
        naam: Name, used as woonplaats.
        scale: Size relative to Maastricht.
        seed: Seed of its world.
        pc4: First PC4 and number of PC4 areas of its buurten.
        pc4_spare: Further PC4 areas ``[low, high)``, for streets that do not fit in their buurt's area.
        centre: RD coordinates of its centre.
        radius: Radius (m) of its built-up area.
        kadaster: Three-letter kadastrale gemeente code.
        kvk: KvK number range ``[low, high)``.
        vestiging: Vestigingsnummer range ``[low, high)``.
        ean: EAN body range ``[low, high)`` (the 11 digits after the 6-digit prefix, without check digit).
        bsn_classes: Residue classes ``[low, high)`` of the BSN body modulo :data:`BSN_CLASSES`.
        netbeheerder: Grid operator (name, short name, file prefix).
        beleggers_thuis: National investors based here: ``(kvk_nummer, naam)``; one of the gemeente's
            own investor companies takes this identity.
        beleggers_elders: National investors based elsewhere that own property here: ``(kvk_nummer,
            naam)``; they take over the rights of one of the gemeente's own investor companies.
    """

    index: int
    code: str
    naam: str
    scale: float
    seed: int
    pc4: tuple[int, int]
    pc4_spare: tuple[int, int]
    centre: tuple[float, float]
    radius: float
    kadaster: str
    kvk: tuple[int, int]
    vestiging: tuple[int, int]
    ean: tuple[int, int]
    bsn_classes: tuple[int, int]
    netbeheerder: tuple[str, str, str]
    beleggers_thuis: tuple[tuple[str, str], ...] = ()
    beleggers_elders: tuple[tuple[str, str], ...] = ()

    @property
    def n_buurten(self) -> int:
        """Number of buurten (Maastricht has 45)."""
        return _n_buurten(self.scale)


@dataclass(frozen=True)
class Layout:
    """The buurten of one gemeente: codes, profiles, centres, PC4 areas and the coordinate box."""

    buurt_code: Arr
    profile: Arr
    bx: Arr
    by: Arr
    pc4: Arr
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def _n_buurten(scale: float) -> int:
    return max(4, round(45 * scale))


def _sizes(rng: np.random.Generator, total: float, n: int | None) -> list[float]:
    """Gemeente sizes summing to ``total``: mostly 0.1–1.5, a few large ones in a big region."""
    if n is not None:
        sizes = np.clip(np.exp(rng.normal(0.0, 0.5, n)), 0.5, 2.0)
    else:
        big = [s for s in (6.0, 5.0, 4.5, 2.6) if total >= 40]
        draws: list[float] = list(big)
        while sum(draws) < total:
            draws.append(float(np.exp(rng.normal(np.log(0.3), 0.75))))
        if len(draws) > 1 and sum(draws) - total > 0.5 * draws[-1]:
            draws.pop()
        sizes = np.array(draws)
        n = len(sizes)
    sizes = sizes * (total / sizes.sum())
    for _ in range(50):  # cap the largest, give the excess to the others
        over = sizes > MAX_GEMEENTE_SCALE
        if not over.any():
            break
        excess = float((sizes[over] - MAX_GEMEENTE_SCALE).sum())
        sizes[over] = MAX_GEMEENTE_SCALE
        free = ~over
        sizes[free] += excess * sizes[free] / sizes[free].sum()
    order = rng.permutation(n)
    return [float(s) for s in sizes[order]]


def _names(rng: np.random.Generator, n: int) -> list[str]:
    pool = sorted({f"{h}{t}" for h in _NAME_HEAD for t in _NAME_TAIL})
    pool = [p for p in pool if not re.search(r"(.)\1\1|eee|ee[eu]", p)]
    idx = rng.permutation(len(pool))[:n]
    return [pool[i] for i in idx.tolist()]


def _kadaster_codes(names: list[str]) -> list[str]:
    """Unique three-letter kadastrale gemeente codes, from the name where possible."""
    taken: set[str] = set()
    out: list[str] = []
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for name in names:
        up = "".join(c for c in name.upper() if c in letters)
        cands = [up[0] + up[i] + up[j] for i in range(1, len(up)) for j in range(i + 1, len(up))]
        cands += [up[0] + a + b for a in letters for b in letters]
        code = next(c for c in cands if c not in taken and c != "MTT")
        taken.add(code)
        out.append(code)
    return out


def _shares(weights: list[float], low: int, high: int) -> list[tuple[int, int]]:
    """Split ``[low, high)`` into consecutive ranges proportional to ``weights`` (each at least 1 wide)."""
    w = np.asarray(weights, dtype=np.float64)
    room = high - low - len(w)
    widths = 1 + np.floor(room * w / w.sum()).astype(np.int64)
    starts = low + np.concatenate([[0], np.cumsum(widths)[:-1]])
    return [(int(s), int(s + d)) for s, d in zip(starts.tolist(), widths.tolist(), strict=True)]


def _centres(radii: list[float]) -> list[tuple[float, float]]:
    """Place the gemeenten' discs without overlap, in rows across the RD New box of the Netherlands."""
    x0, x1, y = 14_000.0, 276_000.0, 306_000.0
    out: list[tuple[float, float]] = []
    x, row = x0, 0.0
    for r in radii:
        side = 2 * r + 3000.0
        if x + side > x1:
            x, y, row = x0, y + row, 0.0
        out.append((round(x + side / 2, 1), round(y + side / 2, 1)))
        x += side
        row = max(row, side)
    return out


def plan_region(seed: int, scale: float, n_gemeenten: int | None = None) -> list[Gemeente]:
    """Plan a region of about ``scale`` times Maastricht as gemeenten of varied size.

    Args:
        seed: The region's seed; the plan and every gemeente's world follow from it.
        scale: Total size relative to Maastricht (140 is the whole country).
        n_gemeenten: Split into exactly this many gemeenten (default: realistic sizes decide).

    Returns:
        The gemeenten in gemeentecode order.

    Raises:
        ValueError: When the split is impossible (a gemeente would exceed :data:`MAX_GEMEENTE_SCALE`,
            or fall below the smallest size, or there would be too many gemeenten).
    """
    rng = np.random.default_rng([seed, 7919])
    if n_gemeenten is not None and not 1 <= n_gemeenten <= _MAX_GEMEENTEN:
        raise ValueError(f"the number of gemeenten must be between 1 and {_MAX_GEMEENTEN}")
    if n_gemeenten is not None and scale / n_gemeenten > MAX_GEMEENTE_SCALE:
        raise ValueError(
            f"{n_gemeenten} gemeenten of scale {scale / n_gemeenten:.2f} exceed the largest gemeente "
            f"({MAX_GEMEENTE_SCALE})"
        )
    sizes = _sizes(rng, scale, n_gemeenten)
    n = len(sizes)
    if n > _MAX_GEMEENTEN or min(sizes) < _MIN_GEMEENTE_SCALE:
        raise ValueError(
            f"scale {scale} cannot be split into {n} gemeenten of at least {_MIN_GEMEENTE_SCALE}"
        )
    codes = sorted(rng.choice(np.arange(3, 2000), size=n, replace=False).tolist())
    names = _names(rng, n)
    seeds = np.random.SeedSequence([seed, 104729]).generate_state(n, dtype=np.uint64)
    n_pc4 = [max(1, round(_n_buurten(s) * _PC4_PER_BUURT)) for s in sizes]
    n_spare = [2 + n // 2 for n in n_pc4]
    widths = np.asarray(n_pc4) + np.asarray(n_spare)
    pc4_start = 1011 + np.concatenate([[0], np.cumsum(widths)[:-1]])
    if pc4_start[-1] + widths[-1] > 9999:
        raise ValueError(f"scale {scale} needs more PC4 areas than exist")
    radii = [_RADIUS * math.sqrt(s) for s in sizes]
    kvk = _shares(sizes, _KVK_LOW, _KVK_HIGH)
    bsn = _shares(sizes, 0, BSN_CLASSES)
    net = rng.integers(0, len(_NETBEHEERDERS), n)
    thuis, elders = _investors(np.random.default_rng([seed, 7927]), sizes, scale)
    return [
        Gemeente(
            index=i,
            code=f"{codes[i]:04d}",
            naam=names[i],
            scale=round(sizes[i], 6),
            seed=int(seeds[i]),
            pc4=(int(pc4_start[i]), n_pc4[i]),
            pc4_spare=(int(pc4_start[i]) + n_pc4[i], int(pc4_start[i]) + n_pc4[i] + n_spare[i]),
            centre=c,
            radius=round(radii[i], 1),
            kadaster=k,
            kvk=kvk[i],
            vestiging=(_VEST_LOW + i * _VEST_BLOCK, _VEST_LOW + (i + 1) * _VEST_BLOCK),
            ean=(i * _EAN_BLOCK, (i + 1) * _EAN_BLOCK),
            bsn_classes=bsn[i],
            netbeheerder=_NETBEHEERDERS[int(net[i])],
            beleggers_thuis=thuis[i],
            beleggers_elders=elders[i],
        )
        for i, (c, k) in enumerate(zip(_centres(radii), _kadaster_codes(names), strict=True))
    ]


def _investors(
    rng: np.random.Generator, sizes: list[float], scale: float
) -> tuple[list[tuple[tuple[str, str], ...]], list[tuple[tuple[str, str], ...]]]:
    """National investors: per gemeente, those based there and those owning there from elsewhere."""
    n = len(sizes)
    thuis: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    elders: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    if n < 2:
        return [()] * n, [()] * n
    k = max(1, round(_INVESTORS_PER_SCALE * scale))
    names = [f"{w} {s} B.V." for s in _INVESTOR_SUFFIX for w in _INVESTOR_WORDS]
    k = min(k, len(names))
    names = [names[i] for i in rng.permutation(len(names))[:k].tolist()]
    numbers = np.sort(rng.choice(np.arange(*_KVK_NATIONAL), size=k, replace=False))
    p = np.asarray(sizes) / sum(sizes)
    for naam, number in zip(names, numbers.tolist(), strict=True):
        ident = (f"{number:08d}", naam)
        home = int(rng.choice(n, p=p))
        thuis[home].append(ident)
        others = np.delete(np.arange(n), home)
        m = min(len(others), 1 + int(rng.geometric(_PORTFOLIO_STOP)))
        for g in rng.choice(others, size=m, replace=False, p=p[others] / p[others].sum()).tolist():
            elders[g].append(ident)
    return [tuple(t) for t in thuis], [tuple(e) for e in elders]


def buurt_layout(gem: Gemeente, rng: np.random.Generator) -> Layout:
    """Lay out a gemeente's buurten: a centre, wijken of about six buurten, PC4 areas from south-west.

    Profiles follow Maastricht's mix; the centre buurten lie near the middle, villa and village buurten
    at the edge.
    """
    nb = gem.n_buurten
    p = _PROFILE_COUNTS / _PROFILE_COUNTS.sum()
    profile = _PROFILES[rng.choice(len(_PROFILES), size=nb, p=p)].astype(object)
    profile[0] = "centrum"
    u = rng.random(nb)
    r = gem.radius * np.where(
        profile == "centrum",
        0.2 * np.sqrt(u),
        np.where(np.isin(profile, ["villa", "dorp"]), 0.55 + 0.45 * np.sqrt(u), 0.15 + 0.85 * np.sqrt(u)),
    )
    ang = rng.uniform(0, 2 * np.pi, nb)
    bx = np.round(gem.centre[0] + r * np.cos(ang), 1)
    by = np.round(gem.centre[1] + r * np.sin(ang), 1)
    # wijken: sectors around the centre, rings outward; about six buurten each
    ring = (r > 0.5 * gem.radius).astype(np.int64)
    order = np.lexsort((ang, ring))
    per = 6
    wijk = np.empty(nb, dtype=np.int64)
    wijk[order] = 1 + np.arange(nb) // per
    bnum = np.empty(nb, dtype=np.int64)
    bnum[order] = 1 + np.arange(nb) % per
    code = np.array(
        [f"BU{gem.code}{w:02d}{b:02d}" for w, b in zip(wijk.tolist(), bnum.tolist(), strict=True)]
    )
    start, count = gem.pc4
    rank = np.argsort(np.argsort(bx * 0.3 + by))
    pc4 = start + (rank * count) // nb
    margin = gem.radius + 1500.0
    return Layout(
        buurt_code=code.astype(object),
        profile=profile,
        bx=bx,
        by=by,
        pc4=pc4.astype(np.int64),
        x_range=(gem.centre[0] - margin, gem.centre[0] + margin),
        y_range=(gem.centre[1] - margin, gem.centre[1] + margin),
    )
