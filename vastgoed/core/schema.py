"""The data contract (``shared/data-contract.md``) as data: every file, column, type and key.

The ingest validates against this, the generator writes it, and the tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AUDIT_ONLY_FILES",
    "BAG_GEBRUIKSDOELEN",
    "BAG_STATUSSEN",
    "CONTRACT",
    "FENOMENEN",
    "PROTECTED_COLUMNS",
    "Column",
    "FileSpec",
    "Invalid",
    "Kind",
    "file_spec",
]


class Kind(StrEnum):
    """What a column holds, and so how it is checked and typed after ingest."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"  # YYYY-MM-DD or YYYYMMDD
    PARTIAL_DATE = "partial_date"  # as DATE, or with unknown parts written 00 (kept as a string)
    BSN = "bsn"
    VBO_ID = "vbo_id"  # BAG verblijfsobject id (type 01)
    NUM_ID = "num_id"  # BAG nummeraanduiding id (type 20)
    PAND_ID = "pand_id"  # BAG pand id (type 10)
    KVK = "kvk"  # 8 digits
    VESTIGING = "vestiging"  # 12 digits
    EAN = "ean"  # 18 digits, GS1 check digit
    POSTCODE = "postcode"
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"  # ';'-separated values of an enumeration


class Invalid(StrEnum):
    """What an invalid value costs (``Column.costs``)."""

    ROW = "row"  # the row goes to the quarantine
    VALUE = "value"  # the value is nulled and reported (genulde_waarden.csv); the row is kept


FENOMENEN = (
    "onverklaarbare_leegstand",
    "spookbewoning",
    "schijninschrijving",
    "overbewoning",
    "hennepteelt",
    "brievenbusfirma",
    "criminele_vastgoedtransactie",
)

BAG_GEBRUIKSDOELEN = (
    "woonfunctie",
    "bijeenkomstfunctie",
    "celfunctie",
    "gezondheidszorgfunctie",
    "industriefunctie",
    "kantoorfunctie",
    "logiesfunctie",
    "onderwijsfunctie",
    "sportfunctie",
    "winkelfunctie",
    "overige gebruiksfunctie",
)

BAG_STATUSSEN = (
    "Verblijfsobject gevormd",
    "Verblijfsobject in gebruik",
    "Verblijfsobject in gebruik (niet ingemeten)",
    "Verblijfsobject buiten gebruik",
    "Verbouwing verblijfsobject",
    "Verblijfsobject ingetrokken",
    "Niet gerealiseerd verblijfsobject",
    "Verblijfsobject ten onrechte opgevoerd",
)


@dataclass(frozen=True)
class Column:
    """One contract column.

    Attributes:
        name: Column name as in the contract.
        kind: How it is checked and typed.
        required: The column must be present in the file (the contract's non-optional columns).
        nullable: A value may be empty.
        values: Allowed values for ENUM and MULTI_ENUM columns.
        identifier: A direct identifier (BSN, a person's name or birth date): masked wherever a
            value has to be reported, never written out.
        min_value: Lower bound for INT/FLOAT columns.
        max_value: Upper bound for INT/FLOAT columns.
        pattern: A regular expression a STR value must match.
        pattern_hint: How to say the pattern in an error message.
        before_peildatum: A DATE that must lie before the manifest's peildatum.
        if_invalid: What an invalid value costs, where it differs from the rule of :attr:`costs`.
    """

    name: str
    kind: Kind = Kind.STR
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    identifier: bool = False
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None
    pattern_hint: str | None = None
    before_peildatum: bool = False
    if_invalid: Invalid | None = None

    def __post_init__(self) -> None:
        if self.costs == Invalid.VALUE and not self.nullable:
            raise ValueError(f"{self.name}: a value that can be nulled must be allowed to be empty")

    @property
    def costs(self) -> Invalid:
        """What an invalid value costs.

        The rule: an invalid value in one of the contract's *optional* columns (``required=False``)
        is nulled and reported, the row kept; in any other column it quarantines the row. Columns
        whose emptiness means something set ``if_invalid`` (see :func:`_end`).
        """
        if self.if_invalid is not None:
            return self.if_invalid
        return Invalid.ROW if self.required else Invalid.VALUE


@dataclass(frozen=True)
class FileSpec:
    """One contract file: its stem, columns, key, whether it may be absent, and its periods.

    ``periods`` are ``(start, end)`` date columns: an end before its start keeps the row and both
    dates (an ended period) and is reported with the nulled values.
    """

    stem: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional_file: bool = False
    periods: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.stem} has no column {name}")

    @property
    def names(self) -> list[str]:
        """The column names in contract order."""
        return [c.name for c in self.columns]


def _opt(name: str, kind: Kind = Kind.STR) -> Column:
    return Column(name, kind, required=False, nullable=True)


def _end(name: str) -> Column:
    """The end date of a period: optional, but an invalid value quarantines its row.

    Empty means the period still runs (still registered here, still the owner, still in business).
    Nulling an unreadable end date would turn an ended period into a running one, a fact the data
    never stated (a resident who left still counted at the address), so such a value costs the row.
    """
    return Column(name, Kind.DATE, required=False, nullable=True, if_invalid=Invalid.ROW)


# BAG: a huisletter is one letter; a huisnummertoevoeging at most four letters or digits. The BAG
# writes them so; a BAG row whose suffix is not of that form is quarantined (the suffix is part of
# the address that names the object, and nulling it would name another object).
_BAG_HUISLETTER = Column(
    "huisletter",
    required=False,
    nullable=True,
    pattern=r"^[-\s]?[A-Za-z]$",
    pattern_hint="one letter",
    if_invalid=Invalid.ROW,
)
_BAG_TOEVOEGING = Column(
    "huisnummertoevoeging",
    required=False,
    nullable=True,
    pattern=r"^[-\s]?[A-Za-z0-9]{1,4}$",
    pattern_hint="up to 4 letters or digits",
    if_invalid=Invalid.ROW,
)
# Every other source writes the suffix its own way (``12-A``, ``A-2``, ``02``, ``2e verd``, ``hs``,
# ``bis``, a collective connection's marker): read as written, with no BAG pattern; the address
# matching (linkage.addresses) reads it as BAG's letter and toevoeging where it can, and a suffix
# it cannot read costs the match, never the row.
_HUISLETTER = _opt("huisletter")
_TOEVOEGING = _opt("huisnummertoevoeging")


class _Parts(StrEnum):
    """How a source's address may be incomplete (the BAG's and the BRP's must be complete)."""

    SHIELDED = "shielded"  # all or nothing: empty when shielded (KvK), an invalid part is damage
    PARTIAL = "partial"  # any part may be missing; an invalid part is nulled and reported


def _address(straat: str, parts: _Parts) -> tuple[Column, ...]:
    costs = Invalid.VALUE if parts == _Parts.PARTIAL else None
    return (
        Column(straat, nullable=True),
        Column("huisnummer", Kind.INT, nullable=True, min_value=1, max_value=99999, if_invalid=costs),
        _HUISLETTER,
        _TOEVOEGING,
        Column("postcode", Kind.POSTCODE, nullable=True, if_invalid=costs),
    )


CONTRACT: tuple[FileSpec, ...] = (
    FileSpec(
        "bag_verblijfsobjecten",
        (
            Column("verblijfsobject_id", Kind.VBO_ID),
            Column("nummeraanduiding_id", Kind.NUM_ID),
            Column("openbare_ruimte"),
            Column("huisnummer", Kind.INT, min_value=1, max_value=99999),
            _BAG_HUISLETTER,
            _BAG_TOEVOEGING,
            Column("postcode", Kind.POSTCODE),
            Column("woonplaats"),
            Column("gebruiksdoel", Kind.MULTI_ENUM, values=BAG_GEBRUIKSDOELEN),
            Column("oppervlakte", Kind.INT, min_value=1, max_value=999999),
            Column("status", Kind.ENUM, values=BAG_STATUSSEN),
            Column("pand_id", Kind.PAND_ID),
            Column("bouwjaar", Kind.INT, min_value=1000, max_value=2100),
            Column("buurtcode", pattern=r"^BU[0-9]{8}$", pattern_hint="BU and 8 digits (CBS buurtcode)"),
            _opt("x", Kind.FLOAT),
            _opt("y", Kind.FLOAT),
        ),
        key=("verblijfsobject_id",),
    ),
    FileSpec(
        "brp_inschrijvingen",
        (
            Column("bsn", Kind.BSN, identifier=True),
            Column("geslachtsnaam", identifier=True),
            Column("voorvoegsel", required=False, nullable=True, identifier=True),
            Column("voornamen", identifier=True),
            Column("geboortedatum", Kind.PARTIAL_DATE, identifier=True),
            Column("functie_adres", Kind.ENUM, values=("W", "B")),
            Column("nummeraanduiding_id", Kind.NUM_ID, required=False, nullable=True),
            Column("openbare_ruimte"),
            Column("huisnummer", Kind.INT, min_value=1, max_value=99999),
            _HUISLETTER,
            _TOEVOEGING,
            Column("postcode", Kind.POSTCODE),
            Column("woonplaats"),
            Column("datum_aanvang_adreshouding", Kind.DATE),
            _end("datum_einde_adreshouding"),
        ),
        key=("bsn", "datum_aanvang_adreshouding"),
        periods=(("datum_aanvang_adreshouding", "datum_einde_adreshouding"),),
    ),
    FileSpec(
        "kvk_vestigingen",
        (
            Column("vestigingsnummer", Kind.VESTIGING),
            Column("kvk_nummer", Kind.KVK),
            Column("handelsnaam"),
            Column("rechtsvorm"),
            Column("sbi_code"),
            *_address("straat", _Parts.SHIELDED),
            Column("plaats", nullable=True),
            Column("datum_inschrijving", Kind.DATE),
            _end("datum_uitschrijving"),
        ),
        key=("vestigingsnummer",),
        periods=(("datum_inschrijving", "datum_uitschrijving"),),
    ),
    FileSpec(
        "kvk_functionarissen",
        (
            Column("kvk_nummer", Kind.KVK),
            Column("geslachtsnaam", identifier=True),
            Column("voorvoegsel", required=False, nullable=True, identifier=True),
            Column("voornamen", identifier=True),
            Column("geboortedatum", Kind.PARTIAL_DATE, required=False, nullable=True, identifier=True),
            Column("functie", Kind.ENUM, values=("eigenaar", "bestuurder", "vennoot", "gevolmachtigde")),
            Column("datum_aanvang", Kind.DATE),
            _end("datum_einde"),
        ),
        periods=(("datum_aanvang", "datum_einde"),),
    ),
    FileSpec(
        "kadaster_eigendom",
        (
            Column("kadastraal_object_id"),
            Column("verblijfsobject_id", Kind.VBO_ID, required=False, nullable=True),
            # a parcel has no address, and the BAG id may stand in for one
            *_address("straat", _Parts.PARTIAL),
            Column("eigenaar_type", Kind.ENUM, values=("natuurlijk_persoon", "rechtspersoon")),
            Column("eigenaar_naam", identifier=True),
            Column(
                "eigenaar_geboortedatum", Kind.PARTIAL_DATE, required=False, nullable=True, identifier=True
            ),
            Column("eigenaar_kvk_nummer", Kind.KVK, required=False, nullable=True),
            Column("datum_verkrijging", Kind.DATE),
            _end("datum_einde"),
            Column("koopsom", Kind.INT, required=False, nullable=True, min_value=0, max_value=1e10),
            Column("hypotheek", Kind.BOOL),
        ),
        periods=(("datum_verkrijging", "datum_einde"),),
    ),
    FileSpec(
        "vergunningen",
        (
            Column("vergunning_id"),
            Column("soort"),
            *_address("straat", _Parts.PARTIAL),  # the contract: street and number alone are usable
            Column("aanvrager_naam", identifier=True),
            Column("aanvrager_kvk_nummer", Kind.KVK, required=False, nullable=True),
            Column("datum_aanvraag", Kind.DATE),
            Column("besluit", Kind.ENUM, values=("verleend", "geweigerd", "ingetrokken", "lopend")),
            Column("bibob_toets", Kind.BOOL),
        ),
        key=("vergunning_id",),
    ),
    FileSpec(
        "energie_verbruik",
        (
            Column("ean", Kind.EAN),
            Column("product", Kind.ENUM, values=("elektriciteit", "gas", "water")),
            # a year's use is kept whatever its address lacks: a lost row would read as no use at all
            *_address("straat", _Parts.PARTIAL),
            Column("jaar", Kind.INT, min_value=1990, max_value=2100),
            Column("verbruik", Kind.FLOAT, min_value=-1e6, max_value=1e8),
            Column("slimme_meter", Kind.BOOL, required=False, nullable=True),
        ),
        key=("ean", "jaar"),
    ),
    FileSpec(
        "meldingen",
        (
            Column("melding_id"),
            Column("datum", Kind.DATE),
            Column("categorie"),
            *_address("straat", _Parts.PARTIAL),
        ),
        key=("melding_id",),
        optional_file=True,
    ),
    FileSpec(
        "onderzoeksuitkomsten",
        (
            Column("verblijfsobject_id", Kind.VBO_ID),
            Column("datum_onderzoek", Kind.DATE, before_peildatum=True),
            Column("fenomeen", Kind.ENUM, values=FENOMENEN),
            Column("uitkomst", Kind.ENUM, values=("bevestigd", "niet_bevestigd")),
        ),
        key=("verblijfsobject_id", "datum_onderzoek", "fenomeen"),
        optional_file=True,
    ),
    FileSpec(
        "audit_kenmerken",
        (
            Column("bsn", Kind.BSN, identifier=True),
            Column("leeftijdsgroep"),
            Column("geslacht"),
            Column("herkomst_groep"),
        ),
        key=("bsn",),
        optional_file=True,
    ),
)


def file_spec(stem: str) -> FileSpec:
    """Return the contract's spec of the file called ``stem``."""
    for f in CONTRACT:
        if f.stem == stem:
            return f
    raise KeyError(f"the data contract has no file {stem}")


#: Special-category and group attributes (GDPR art. 9 and groups protected against discrimination),
#: and the audit-only columns. No feature input table may carry any of them: the feature stage
#: refuses such a table, and the audit file's stem is refused as a feature source.
PROTECTED_COLUMNS = frozenset(
    {
        "herkomst_groep",
        "herkomst",
        "nationaliteit",
        "geboorteland",
        "geboorteland_ouders",
        "religie",
        "levensovertuiging",
        "etniciteit",
        "gezondheid",
        "handicap",
        "seksuele_geaardheid",
        "politieke_voorkeur",
        "vakbondslidmaatschap",
        "strafrechtelijk_verleden",
        "geslacht",
        "leeftijdsgroep",
    }
)
AUDIT_ONLY_FILES = frozenset({"audit_kenmerken"})
