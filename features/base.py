"""The feature-builder contract: inputs as of the peildatum, one row per verblijfsobject out."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import polars as pl

__all__ = ["FeatureBuilder", "FeatureInputs", "FeatureSpec"]

Direction = Literal["hoger_risico", "lager_risico", "beide"]


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
