"""The feature-builder contract: inputs as of the peildatum, one row per verblijfsobject out."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import polars as pl

__all__ = [
    "KLEINVERBRUIK_SCHEMA",
    "LEGAL_BASIS",
    "NETWERK_SCHEMA",
    "UITKOMST_SCHEMA",
    "FeatureBuilder",
    "FeatureInputs",
    "FeatureSpec",
]

Direction = Literal["hoger_risico", "lager_risico", "beide"]


NETWERK_SCHEMA: dict[str, pl.DataType] = {
    "verblijfsobject_id": pl.String(),
    "partij": pl.String(),
    "rol": pl.String(),
    "begin": pl.Date(),
    "einde": pl.Date(),
}
UITKOMST_SCHEMA: dict[str, pl.DataType] = {
    "verblijfsobject_id": pl.String(),
    "datum_onderzoek": pl.Date(),
    "fenomeen": pl.String(),
    "uitkomst": pl.String(),
}
KLEINVERBRUIK_SCHEMA: dict[str, pl.DataType] = {
    "bestand": pl.String(),
    "postcode_van": pl.String(),
    "postcode_tot": pl.String(),
    "productsoort": pl.String(),
    "aansluitingen_aantal": pl.Int64(),
    "sjv_gemiddeld": pl.Float64(),
}

#: The legal basis on which the municipality may use each source for this purpose, as referenced
#: in the catalogue and the ethics bundle. References, not legal advice: the municipality's jurist
#: confirms them per deployment (the manifest's ``grondslag`` per source records what was agreed).
LEGAL_BASIS: dict[str, str] = {
    "bag_verblijfsobjecten": "Wet basisregistratie adressen en gebouwen (openbare registratie)",
    "brp_inschrijvingen": "Wet BRP art. 3.3 en 3.8: verstrekking aan de eigen gemeente voor haar taak "
    "(adreskwaliteit, Landelijke Aanpak Adreskwaliteit)",
    "kvk_vestigingen": "Handelsregisterwet 2007 art. 21-22 (openbaar handelsregister)",
    "kvk_functionarissen": "Handelsregisterwet 2007 art. 21-22 (openbaar handelsregister)",
    "kadaster_eigendom": "Kadasterwet art. 107 (openbare registers)",
    "vergunningen": "Omgevingswet en APV: eigen vergunningadministratie; Wet Bibob art. 7a",
    "energie_verbruik": "gegevensverstrekking door de netbeheerder onder convenant (RIEC-verband), "
    "te bevestigen per gemeente",
    "meldingen": "Gemeentewet art. 172 en 174 (openbare orde, toezicht): eigen meldingenregistratie",
    "onderzoeksuitkomsten": "Gemeentewet art. 125 en Woningwet: eigen handhavingsdossiers",
    "kleinverbruik": "open data van de netbeheerders (geaggregeerd, geen persoonsgegevens)",
}


@dataclass(frozen=True)
class FeatureSpec:
    """One feature's catalogue entry: what it means, where it comes from, and its risks.

    Attributes:
        name: Column name.
        family: The builder family it belongs to.
        label_nl: Short Dutch label used in the reasons (``redenen``).
        description_en: What it measures, in English.
        description_nl: The same in Dutch.
        sources: Contract files it reads.
        unit: Unit of the value.
        direction: Whether a higher value usually means more risk.
        proxy_risk: Known risk that it stands in for a protected attribute, and why it is kept.
        proxy_justification: Why the feature is kept although the proxy screen finds it predicts
            a group attribute above the threshold (empty: it must not).
        person_links: It follows persons across records through the graph (Splink's person
            clusters): where it carries evidence (a value above 0), a signal rests on the person
            links of the object as well as on its address links (``koppeling_onzeker``).
    """

    name: str
    family: str
    label_nl: str
    description_en: str
    description_nl: str
    sources: tuple[str, ...]
    unit: str
    direction: Direction = "hoger_risico"
    proxy_risk: str = "laag"
    proxy_justification: str = ""
    person_links: bool = False

    @property
    def legal_basis(self) -> str:
        """The legal bases of its sources (see :data:`LEGAL_BASIS`), one per source."""
        return "; ".join(f"{src}: {LEGAL_BASIS[src]}" for src in self.sources)


@dataclass(frozen=True)
class FeatureInputs:
    """The linked tables every builder reads, all carrying ``verblijfsobject_id`` where linked.

    Each table is what the ingest validated, restricted to records linked to an object; events
    after the peildatum are removed by the builders themselves (:meth:`FeatureBuilder.as_of`).
    """

    peildatum: dt.date
    objects: pl.DataFrame
    inschrijvingen: pl.DataFrame
    vestigingen: pl.DataFrame
    eigendom: pl.DataFrame
    vergunningen: pl.DataFrame
    verbruik: pl.DataFrame
    meldingen: pl.DataFrame
    #: Object–party incidences from the graph: ``verblijfsobject_id, partij, rol, begin, einde``
    #: (``partij`` a ``persoon:``/``bedrijf:`` node id; ``rol`` the edge kind that ties it here).
    netwerk: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NETWERK_SCHEMA))
    #: Past investigation outcomes ``verblijfsobject_id, datum_onderzoek, fenomeen, uitkomst``.
    uitkomsten: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UITKOMST_SCHEMA))
    #: The grid operators' open data (``kleinverbruik/``), or an empty frame when absent.
    kleinverbruik: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=KLEINVERBRUIK_SCHEMA))

    @property
    def utility_year(self) -> int:
        """The last complete calendar year before the peildatum."""
        return self.peildatum.year - 1


class FeatureBuilder(ABC):
    """A feature family: declares its features and computes them for every object."""

    family: ClassVar[str]
    specs: ClassVar[tuple[FeatureSpec, ...]]

    @abstractmethod
    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Return ``verblijfsobject_id`` plus this family's features (objects may be missing)."""

    def build(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Compute and check: one row per object, exactly the declared columns, in order."""
        names = [s.name for s in self.specs]
        out = self.compute(inputs)
        missing = set(names) - set(out.columns)
        extra = set(out.columns) - {*names, "verblijfsobject_id"}
        if missing or extra:
            raise ValueError(
                f"{self.family}: undeclared {sorted(extra)} or missing {sorted(missing)} features"
            )
        if out.select(pl.col("verblijfsobject_id").is_duplicated().any()).item():
            raise ValueError(f"{self.family}: more than one row per verblijfsobject")
        return inputs.objects.select("verblijfsobject_id").join(
            out.select("verblijfsobject_id", *names), on="verblijfsobject_id", how="left"
        )

    @staticmethod
    def days_before(peildatum: dt.date, days: int) -> dt.date:
        """The date ``days`` days before the peildatum."""
        return peildatum - dt.timedelta(days=days)
