"""How one synthetic world differs from the next: the parameters each seed draws (issue 21).

Seed 0 is the demo municipality: every parameter at its demo value, the world the project was
built and tuned on. Any other seed draws every parameter from its range, from a stream of its own
(:func:`world.child_rng` stream 11), so the same seed gives the same world, and the layout of the
municipality (streets, buildings, households) stays that of the seed. ``fixed=True`` keeps the demo
values at any seed: the same municipality as seed 0's generator would have made it, for comparing
with figures measured before the worlds varied.

The ranges are declared once, in :data:`PARAMETERS` (value at seed 0, low, high, how it is drawn,
what it changes and the source of the range); ``docs/synthetic.md`` prints the same table.
Multipliers are drawn log-uniformly (×0.5 is as likely as ×2), shares and counts uniformly.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from vastgoed.synthetic.world import child_rng

__all__ = ["PARAMETERS", "SOURCES", "Parameter", "WorldVariation", "draw_variation", "parameters_markdown"]

Aspect = Literal["fenomenen", "signaturen", "lookalikes", "ruis", "onderzoeken"]

#: The random stream of the variation (streams 1-10 are the generator's stages).
_STREAM = 11

#: The sources of the ranges, by key (the table's last column).
SOURCES: dict[str, str] = {}
SOURCES["basis"] = (
    "domain-facts \u00a7Base rates (administrative vacancy 2.4 % nationally, 3.4 % very urban, about 1 % "
    "after energy correction; spookbewoning 0.5 %; criminally used buildings 0.5 % of panden); the "
    "spread between municipalities, \u00d70.5 to \u00d72, is the project's estimate"
)
SOURCES["hennep"] = (
    "domain-facts \u00a7Utility norms: tens of thousands of kWh a year per site (about 33\u201350k, "
    "estimates), lamps 12\u201318 hours a day, often tapped before the meter"
)
SOURCES["lookalikes"] = (
    "domain-facts \u00a7Base rates: what field checks find besides crime (sale, renovation, death, labour "
    "migrants, second homes, wrong registrations, business use); their mix per municipality, "
    "\u00d70.5 to \u00d72, is the project's estimate"
)
SOURCES["ruis"] = (
    "domain-facts \u00a7Base rates: address quality, 96.3 % of persons and 93.6 % of addresses correctly "
    "registered (CBS 2016); how registries spell names, addresses, numbers and dates differs by "
    "source and municipality: \u00d70.5 to \u00d72.5 of the demo rates, the project's estimate"
)
SOURCES["onderzoeken"] = (
    "domain-facts \u00a7Base rates: LAA 2018, 15,795 investigations, about 50 % hit rate; the working "
    "group investigates a few hundred addresses a year (project brief); lessons of stopped models "
    "(Rotterdam, Amsterdam): labels follow past selection, over-weighting neighbourhoods and groups"
)
SOURCES["stroman"] = (
    "project estimate; the LAA reads odd household compositions as a signal (domain-facts \u00a7Identifiers)"
)
SOURCES["spook"] = (
    "domain-facts \u00a7Base rates: spookbewoning is nobody registered yet energy use above 5 % of the "
    "average (Zicht op Ondermijning), so anything from a fraction to a full household's use"
)
SOURCES["overbewoning"] = (
    "project estimate; issue 21: a world written apart from the project shows crowding in water more "
    "than in registrations"
)
SOURCES["schijn"] = (
    "domain-facts \u00a7Base rates: 96.3 % of persons correctly registered (CBS 2016); project estimate"
)


@dataclass(frozen=True)
class Parameter:
    """One declared range of the generator.

    Attributes:
        name: The field of :class:`WorldVariation`.
        demo: Its value at seed 0.
        low: Lowest value drawn.
        high: Highest value drawn.
        draw: ``log`` (log-uniform, for multipliers), ``uniform`` or ``integer`` (uniform integer).
        aspect: What part of the world it shapes.
        meaning: What it changes, in a line.
        source: Where the range comes from (a key of :data:`SOURCES`).
    """

    name: str
    demo: float
    low: float
    high: float
    draw: Literal["log", "uniform", "integer"]
    aspect: Aspect
    meaning: str
    source: str


def _rate(name: str, what: str) -> Parameter:
    return Parameter(
        name, 1.0, 0.5, 2.0, "log", "fenomenen", f"how often {what} occurs (multiplier)", "basis"
    )


def _look(name: str, what: str, low: float = 0.5, high: float = 2.0) -> Parameter:
    return Parameter(
        name, 1.0, low, high, "log", "lookalikes", f"how often {what} occurs (multiplier)", "lookalikes"
    )


def _noise(name: str, what: str, high: float = 2.5) -> Parameter:
    return Parameter(name, 1.0, 0.5, high, "log", "ruis", f"rate of {what} (multiplier)", "ruis")


#: Every parameter a seed draws: the table of ranges and their sources.
PARAMETERS: tuple[Parameter, ...] = (
    _rate("leegstand", "onverklaarbare leegstand"),
    _rate("spookbewoning", "spookbewoning"),
    _rate("schijninschrijving", "schijninschrijving"),
    _rate("overbewoning", "overbewoning"),
    _rate("hennepteelt", "hennepteelt"),
    _rate("brievenbusfirma", "brievenbusfirma"),
    _rate("transactie", "criminele vastgoedtransactie"),
    Parameter(
        "hennep_kwh_laag",
        30_000,
        12_000,
        35_000,
        "uniform",
        "signaturen",
        "least extra kWh a year of a cultivation site's lamps",
        "hennep",
    ),
    Parameter(
        "hennep_kwh_bereik",
        30_000,
        10_000,
        30_000,
        "uniform",
        "signaturen",
        "spread of a site's extra kWh above the least",
        "hennep",
    ),
    Parameter(
        "hennep_afgetapt",
        0.5,
        0.2,
        0.8,
        "uniform",
        "signaturen",
        "share of cultivation sites whose supply is tapped before the meter (metered use looks "
        "normal or falls)",
        "hennep",
    ),
    Parameter(
        "hennep_stroman",
        0.55,
        0.25,
        0.85,
        "uniform",
        "signaturen",
        "share of cultivation sites with a straw tenant registered (otherwise nobody)",
        "stroman",
    ),
    Parameter(
        "spook_verbruik",
        0.85,
        0.3,
        1.1,
        "uniform",
        "signaturen",
        "ghost occupants' electricity against the norm for their number",
        "spook",
    ),
    Parameter(
        "overbewoning_verborgen",
        0.6,
        0.25,
        0.9,
        "uniform",
        "signaturen",
        "share of overcrowded dwellings whose extra occupants are not registered (crowding shows "
        "in water and energy, not in the BRP)",
        "overbewoning",
    ),
    Parameter(
        "schijn_bewoond",
        0.6,
        0.25,
        0.9,
        "uniform",
        "signaturen",
        "share of schijninschrijving addresses where someone does live",
        "schijn",
    ),
    _look("renovatie", "renovation"),
    _look("verkoop", "a recent sale (vacant between owners)"),
    _look("overlijden", "a death (vacant until the estate is settled)"),
    _look("tweede_woning", "a second home"),
    _look("huurderswisseling", "a change of tenant"),
    _look("arbeidsmigranten", "a house of registered labour migrants"),
    _look("studentenhuis", "a student house", 0.6, 1.5),
    _look("zonnepanelen", "solar panels (net metered use falls)", 0.6, 1.6),
    _noise("ruis_namen", "typos and spelling variants in names"),
    _noise("ruis_adressen", "street abbreviations, huisletter and postcode notations"),
    _noise("ruis_identificaties", "BSNs without their leading zero and missing KvK numbers", 2.0),
    _noise("ruis_datums", "swapped day and month, partial and compact dates"),
    Parameter(
        "onderzoeken",
        1000,
        400,
        1600,
        "integer",
        "onderzoeken",
        "past investigations in 2019\u20132024 at scale 1",
        "onderzoeken",
    ),
    Parameter(
        "toeval",
        0.006,
        0.002,
        0.03,
        "log",
        "onderzoeken",
        "weight of an address with no signal at all against one rule point: how far the past's "
        "selection followed the simple rules",
        "onderzoeken",
    ),
    Parameter(
        "bias_buurt",
        4.0,
        1.5,
        8.0,
        "log",
        "onderzoeken",
        "over-weighting of the past's favoured buurten",
        "onderzoeken",
    ),
    Parameter("bias_buurten", 3, 1, 6, "integer", "onderzoeken", "number of favoured buurten", "onderzoeken"),
    Parameter(
        "bias_groep",
        3.0,
        1.0,
        5.0,
        "log",
        "onderzoeken",
        "over-weighting of addresses whose residents are mostly of one herkomst group",
        "onderzoeken",
    ),
    Parameter(
        "treffer_juist",
        0.88,
        0.7,
        0.97,
        "uniform",
        "onderzoeken",
        "chance an investigation confirms the phenomenon it looked for where it is there",
        "onderzoeken",
    ),
    Parameter(
        "treffer_onjuist",
        0.06,
        0.01,
        0.15,
        "uniform",
        "onderzoeken",
        "chance it confirms a phenomenon that is not there (a wrong label)",
        "onderzoeken",
    ),
)


@dataclass(frozen=True)
class WorldVariation:
    """The drawn parameters of one world; the defaults are the demo municipality's (seed 0)."""

    leegstand: float = 1.0
    spookbewoning: float = 1.0
    schijninschrijving: float = 1.0
    overbewoning: float = 1.0
    hennepteelt: float = 1.0
    brievenbusfirma: float = 1.0
    transactie: float = 1.0
    hennep_kwh_laag: float = 30_000
    hennep_kwh_bereik: float = 30_000
    hennep_afgetapt: float = 0.5
    hennep_stroman: float = 0.55
    spook_verbruik: float = 0.85
    overbewoning_verborgen: float = 0.6
    schijn_bewoond: float = 0.6
    renovatie: float = 1.0
    verkoop: float = 1.0
    overlijden: float = 1.0
    tweede_woning: float = 1.0
    huurderswisseling: float = 1.0
    arbeidsmigranten: float = 1.0
    studentenhuis: float = 1.0
    zonnepanelen: float = 1.0
    ruis_namen: float = 1.0
    ruis_adressen: float = 1.0
    ruis_identificaties: float = 1.0
    ruis_datums: float = 1.0
    onderzoeken: int = 1000
    toeval: float = 0.006
    bias_buurt: float = 4.0
    bias_buurten: int = 3
    bias_groep: float = 3.0
    treffer_juist: float = 0.88
    treffer_onjuist: float = 0.06

    @property
    def is_demo(self) -> bool:
        """True for the demo municipality's parameters."""
        return self == WorldVariation()

    def as_dict(self) -> dict[str, float]:
        """Every parameter by name (for the truth's ``variatie.json`` and the summary)."""
        return asdict(self)


def _draw(rng: np.random.Generator, p: Parameter) -> float:
    u = float(rng.random())
    if p.draw == "log":
        return round(math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low))), 4)
    if p.draw == "integer":
        return float(int(p.low) + min(int(u * (p.high - p.low + 1)), int(p.high - p.low)))
    return round(p.low + u * (p.high - p.low), 4)


def draw_variation(seed: int, *, fixed: bool = False) -> WorldVariation:
    """The parameters of the world of ``seed``: the demo values at seed 0 or when ``fixed``."""
    if seed == 0 or fixed:
        return WorldVariation()
    rng = child_rng(seed, _STREAM)
    values: dict[str, float | int] = {}
    for p in PARAMETERS:
        v = _draw(rng, p)
        values[p.name] = int(v) if p.draw == "integer" else v
    return WorldVariation(**values)  # type: ignore[arg-type]


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1000 else f"{v:,.0f}"


def parameters_markdown() -> str:
    """The table of ranges for ``docs/synthetic.md`` (tested to match the document)."""
    lines = [
        "| parameter | aspect | seed 0 | range | drawn | what it changes | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        span = f"{_fmt(p.low)}\u2013{_fmt(p.high)}"
        lines.append(
            f"| `{p.name}` | {p.aspect} | {_fmt(p.demo)} | {span} | {p.draw} | {p.meaning} | [{p.source}] |"
        )
    lines.append("")
    lines.extend(f"- [{key}] {text}." for key, text in SOURCES.items())
    return "\n".join(lines)
