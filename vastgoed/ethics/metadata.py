"""The ethics metadata of a deployment (``configs/ethics.toml``), typed and checked before a run starts.

One file holds what the documents of every run draw on: the purpose and its limits, the legal basis
per source of the data contract, proportionality and subsidiarity, the DPIA and IAMA, retention,
the responsible roles, the algorithm-register entry (publication standard 1.0, keys as the standard
names them) and the bounds of the fairness audit.

:func:`load_ethics` refuses a file with gaps: every missing entry, every empty one (an empty or
whitespace-only string, an empty list, or a placeholder such as ``TODO`` or ``invullen``) and
every register text over its length limit is listed by its dotted TOML key in one
:class:`EthicsIncomplete`, so that whoever fills the file in sees all that is left at once.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from vastgoed.core.errors import ConfigError

__all__ = [
    "REGISTER_CATEGORIES",
    "REGISTER_LIMITS",
    "SOURCE_STEMS",
    "Afweging",
    "AiVerordening",
    "Bewaren",
    "BronMeta",
    "Bronnen",
    "Controle",
    "Doel",
    "EthicsIncomplete",
    "EthicsMetadata",
    "Fairness",
    "Register",
    "Rol",
    "Rollen",
    "Toets",
    "Verwijzing",
    "is_placeholder",
    "load_ethics",
]

#: Every source of the data contract that needs a legal basis (``kleinverbruik`` is optional).
SOURCE_STEMS: tuple[str, ...] = (
    "bag_verblijfsobjecten",
    "brp_inschrijvingen",
    "kvk_vestigingen",
    "kvk_functionarissen",
    "kadaster_eigendom",
    "vergunningen",
    "energie_verbruik",
    "meldingen",
    "onderzoeksuitkomsten",
    "audit_kenmerken",
    "kleinverbruik",
)

#: Length limits of the publication standard 1.0: a text must be shorter than its limit.
REGISTER_LIMITS: dict[str, int] = {
    "name": 100,
    "description_short": 350,
    "goal": 2500,
    "proportionality": 2500,
    "human_intervention": 2500,
    "risks": 2500,
    "methods_and_models": 5000,
}

Categorie = Literal[
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
]
Status = Literal["In ontwikkeling", "In gebruik", "Buiten gebruik"]
Publicatiecategorie = Literal["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]

#: The themes (``category``) of the publication standard 1.0.
REGISTER_CATEGORIES: tuple[str, ...] = get_args(Categorie)
_STATUSES: tuple[str, ...] = get_args(Status)
_PUBLICATION_CATEGORIES: tuple[str, ...] = get_args(Publicatiecategorie)

# A whole value that only says "fill me in": TODO, FIXME, TBD or XXX followed by anything, or the
# Dutch invullen / nog invullen / in te vullen / n.t.b. alone, before "door" or a colon or bracket, optionally
# in brackets itself ("<invullen: DPIA-kenmerk>"). Prose that merely starts with "Invullen van ..."
# is not a placeholder.
_PLACEHOLDER = re.compile(
    r"^[\s<\[{(]*(?:(?:todo|fixme|tbd|tbc|xxx+)\b"
    r"|(?:invullen|nog\s+invullen|in\s+te\s+vullen|n\.?t\.?b\.?)\s*(?:$|door\b|[:>\])}\-–.,!]))",
    re.IGNORECASE,
)
_ONLY_PUNCTUATION = re.compile(r"^[\s.…\-_?*/]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LINK = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def is_placeholder(value: str) -> bool:
    """Whether a text is empty for the purpose of a required entry: blank, punctuation or a placeholder."""
    return bool(_ONLY_PUNCTUATION.match(value) or _PLACEHOLDER.match(value))


def _filled(value: str) -> str:
    if is_placeholder(value):
        raise PydanticCustomError("leeg", "empty or a placeholder")
    return value


def _shorter_than(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) >= limit:
            raise PydanticCustomError(
                "te_lang",
                "{lengte} characters, must be shorter than {limiet}",
                {"lengte": len(value), "limiet": limit},
            )
        return value

    return check


def _matches(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value.strip()):
            raise PydanticCustomError("ongeldig", "not {what}", {"what": what})
        return value.strip()

    return check


def _non_empty_list(value: list[Any]) -> list[Any]:
    if not value:
        raise PydanticCustomError("leeg", "empty list")
    return value


def _month(value: object) -> object:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    return value


def _canonical(options: Sequence[str]) -> Callable[[object], object]:
    lookup = {o.lower(): o for o in options}

    def canon(value: object) -> object:
        if isinstance(value, str):
            return lookup.get(value.strip().lower(), value)
        return value

    return canon


Tekst = Annotated[str, AfterValidator(_filled)]
Link = Annotated[str, AfterValidator(_filled), AfterValidator(_matches(_LINK, "an http(s) link"))]
Email = Annotated[str, AfterValidator(_filled), AfterValidator(_matches(_EMAIL, "an e-mail address"))]
Maand = Annotated[
    str, BeforeValidator(_month), AfterValidator(_filled), AfterValidator(_matches(_MONTH, "YYYY-MM"))
]


Naam = Annotated[str, AfterValidator(_filled), AfterValidator(_shorter_than(REGISTER_LIMITS["name"]))]
KorteTekst = Annotated[
    str, AfterValidator(_filled), AfterValidator(_shorter_than(REGISTER_LIMITS["description_short"]))
]
LangeTekst = Annotated[str, AfterValidator(_filled), AfterValidator(_shorter_than(REGISTER_LIMITS["goal"]))]
TechnischeTekst = Annotated[
    str, AfterValidator(_filled), AfterValidator(_shorter_than(REGISTER_LIMITS["methods_and_models"]))
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Doel(_Strict):
    """The purpose (``doel``), the problem it answers, and the uses it excludes (``grenzen``)."""

    omschrijving: Tekst
    probleem: Tekst
    grenzen: Annotated[list[Tekst], AfterValidator(_non_empty_list)]


class Afweging(_Strict):
    """Necessity, proportionality and subsidiarity."""

    noodzaak: Tekst
    proportionaliteit: Tekst
    subsidiariteit: Tekst


class BronMeta(_Strict):
    """One source of the data contract: what it is, who holds it, and the legal basis to use it."""

    naam: Tekst
    houder: Tekst
    link: Link
    persoonsgegevens: bool
    grondslag: Tekst
    grondslag_link: Link
    noodzaak: Tekst


class Bronnen(_Strict):
    """The legal basis per source, one table per file stem of the data contract."""

    bag_verblijfsobjecten: BronMeta
    brp_inschrijvingen: BronMeta
    kvk_vestigingen: BronMeta
    kvk_functionarissen: BronMeta
    kadaster_eigendom: BronMeta
    vergunningen: BronMeta
    energie_verbruik: BronMeta
    meldingen: BronMeta
    onderzoeksuitkomsten: BronMeta
    audit_kenmerken: BronMeta
    kleinverbruik: BronMeta | None = None

    def per_stem(self) -> dict[str, BronMeta]:
        """Every configured source by its file stem, in the data contract's order."""
        out: dict[str, BronMeta] = {}
        for stem in SOURCE_STEMS:
            bron = getattr(self, stem)
            if bron is not None:
                out[stem] = bron
        return out


class Toets(_Strict):
    """An impact assessment (DPIA or IAMA): its reference, date, link and conclusion."""

    kenmerk: Tekst
    datum: dt.date
    link: Link
    conclusie: Tekst


class Bewaren(_Strict):
    """Retention: run folders are purged after ``bewaartermijn_dagen``; the review log is kept longer."""

    bewaartermijn_dagen: int = Field(ge=1, le=3650)
    bewaartermijn_logboek_dagen: int = Field(ge=1, le=36500)
    toelichting: Tekst


class Rol(_Strict):
    """A responsible role: who, and how to reach them."""

    naam: Tekst
    contact: Tekst


class Rollen(_Strict):
    """The controller, the data protection officer, the review board and the system's administrator."""

    verantwoordelijke: Rol
    functionaris_gegevensbescherming: Rol
    moreel_beraad: Rol
    beheerder: Rol


class AiVerordening(_Strict):
    """The system's profile under the EU AI Act, and why."""

    risicoprofiel: Tekst
    toelichting: Tekst


class Verwijzing(_Strict):
    """A titled link, as the register's ``*_grouping`` lists hold them."""

    title: Tekst
    link: Link


class Register(_Strict):
    """The algorithm-register entry (publication standard 1.0), keys as the standard names them.

    ``impacttoetsen_grouping`` and ``source_data_grouping`` are not here: the generator builds them
    from ``[dpia]``, ``[iama]`` and ``[bronnen]``, and adds each source's legal basis to
    ``lawful_basis_grouping``.
    """

    name: Naam
    description_short: KorteTekst
    organization: Tekst
    category: Annotated[
        list[Annotated[Categorie, BeforeValidator(_canonical(REGISTER_CATEGORIES))]],
        AfterValidator(_non_empty_list),
    ]
    status: Annotated[Status, BeforeValidator(_canonical(_STATUSES))]
    begin_date: Maand
    end_date: Maand | None = None
    contact_email: Email
    website: Link
    url: Link | None = None
    publication_category: Annotated[Publicatiecategorie, BeforeValidator(_canonical(_PUBLICATION_CATEGORIES))]
    goal: LangeTekst
    proportionality: LangeTekst
    human_intervention: LangeTekst
    risks: LangeTekst
    lawful_basis: Tekst
    lawful_basis_grouping: Annotated[list[Verwijzing], AfterValidator(_non_empty_list)]
    process_index_url: Link
    impacttoetsen: Tekst
    source_data: Tekst
    methods_and_models: TechnischeTekst
    provider: Tekst
    publiccode: Link
    lang: Literal["NLD", "ENG", "FRY"]
    source_id: Tekst
    tags: Annotated[list[Tekst], AfterValidator(_non_empty_list)]


class Fairness(_Strict):
    """Bounds of the fairness audit; the keys are those of ``vastgoed.ethics.fairness.FairnessSettings``."""

    #: A group's selection rate over the overall one is flagged outside ``[low, high]``.
    selectie_ratio_grenzen: tuple[float, float]
    #: A buurt or group's share of investigations over its expected share is flagged above this.
    oververtegenwoordiging_grens: float = Field(gt=1.0, le=10.0)
    #: Mean predicted minus observed share confirmed, per group, is flagged beyond this.
    kalibratie_verschil_grens: float = Field(gt=0.0, lt=1.0)
    #: Smaller groups are reported, never flagged.
    min_groepsgrootte: int = Field(ge=5, le=100_000)
    #: Bootstrap resamples for the confidence intervals (0: none).
    bootstrap: int = Field(ge=0, le=100_000)
    #: Estimated population rate of the phenomena, against which label prevalence is read.
    populatie_aandeel_schatting: float = Field(gt=0.0, lt=0.5)
    seed: int = Field(default=42, ge=0)

    @field_validator("selectie_ratio_grenzen")
    @classmethod
    def _around_one(cls, v: tuple[float, float]) -> tuple[float, float]:
        low, high = v
        if not 0.0 < low < 1.0 < high <= 10.0:
            raise ValueError("must be [low, high] with 0 < low < 1 < high <= 10")
        return v


class Controle(_Strict):
    """Checks on a run's inputs."""

    #: A signal that rests on a link less certain than this is marked ``koppeling_onzeker``.
    koppeling_zekerheid_min: float = Field(gt=0.0, le=1.0)


class EthicsMetadata(_Strict):
    """The whole of ``configs/ethics.toml``."""

    #: True while the references are the shipped examples; every document then says so.
    voorbeeld: bool
    doel: Doel
    afweging: Afweging
    bronnen: Bronnen
    dpia: Toets
    iama: Toets
    bewaren: Bewaren
    rollen: Rollen
    ai_verordening: AiVerordening
    algoritmeregister: Register
    fairness: Fairness
    controle: Controle


class EthicsIncomplete(ConfigError):
    """The ethics metadata has missing, empty or too long entries; every one is listed.

    Attributes:
        path: The file.
        ontbrekend: Dotted keys of missing or empty entries.
        te_lang: ``(key, length, limit)`` of texts over their register limit.
        ongeldig: ``key: reason`` of other invalid entries found in the same pass.
    """

    def __init__(
        self,
        path: Path,
        ontbrekend: list[str],
        te_lang: list[tuple[str, int, int]],
        ongeldig: list[str],
    ) -> None:
        self.path = path
        self.ontbrekend = ontbrekend
        self.te_lang = te_lang
        self.ongeldig = ongeldig
        parts: list[str] = []
        if ontbrekend:
            parts.append(f"{len(ontbrekend)} missing or empty: " + ", ".join(ontbrekend))
        if te_lang:
            parts.append(
                "too long: "
                + ", ".join(f"{k} ({n} characters, must be shorter than {lim})" for k, n, lim in te_lang)
            )
        if ongeldig:
            parts.append("invalid: " + "; ".join(ongeldig))
        super().__init__(f"{path}: ethics metadata incomplete: " + "; ".join(parts))

    @property
    def keys(self) -> list[str]:
        """Every key the error names."""
        too_long = [k for k, _, _ in self.te_lang]
        return [*self.ontbrekend, *too_long, *(o.split(":", 1)[0] for o in self.ongeldig)]


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "literal[", "tuple[", "list[")) or "[" in part:
            continue  # pydantic's names for validator steps and union members, not TOML keys
        else:
            out += f".{part}" if out else part
    return out


def _is_empty_input(value: object) -> bool:
    if isinstance(value, str):
        return is_placeholder(value)
    return isinstance(value, list | dict) and not value


def load_ethics(path: Path) -> EthicsMetadata:
    """Read and check ``configs/ethics.toml``.

    Raises:
        ConfigError: The file is missing, not TOML, or has only invalid (not empty) entries.
        EthicsIncomplete: Any required entry is missing or empty, or a register text is too long;
            the error lists every such entry by its dotted key.
    """
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: ethics metadata file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return EthicsMetadata.model_validate(raw)
    except ValidationError as exc:
        ontbrekend: list[str] = []
        te_lang: list[tuple[str, int, int]] = []
        ongeldig: list[str] = []
        for err in exc.errors():
            key = _dotted(err["loc"])
            kind = err["type"]
            if kind in ("missing", "leeg") or (kind != "extra_forbidden" and _is_empty_input(err["input"])):
                if key not in ontbrekend:
                    ontbrekend.append(key)
            elif kind == "te_lang":
                ctx = err.get("ctx") or {}
                te_lang.append((key, int(ctx["lengte"]), int(ctx["limiet"])))
            elif kind == "extra_forbidden":
                ongeldig.append(f"{key}: unknown key")
            else:
                ongeldig.append(f"{key}: {err['msg']}")
        if ontbrekend or te_lang:
            raise EthicsIncomplete(path, ontbrekend, te_lang, ongeldig) from exc
        raise ConfigError(f"{path}: invalid ethics metadata: " + "; ".join(ongeldig)) from exc
