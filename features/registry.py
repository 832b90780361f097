"""The registry of feature families, the catalogue, and the one entry point that builds them all."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec
from features.companies import CompanyFeatures
from features.network import NetworkFeatures
from features.occupancy import OccupancyFeatures
from features.ownership import OwnershipFeatures
from features.reports import ReportFeatures
from features.utility import UtilityFeatures
from features.vacancy import UnexplainedVacancyFeatures, VacancyFeatures
from vastgoed.core.errors import VastgoedError
from vastgoed.core.schema import AUDIT_ONLY_FILES, PROTECTED_COLUMNS

__all__ = [
    "BUILDERS",
    "ProtectedAttributeError",
    "build_features",
    "catalogue",
    "check_inputs",
    "feature_set_hash",
]

BUILDERS: tuple[FeatureBuilder, ...] = (
    VacancyFeatures(),
    UnexplainedVacancyFeatures(),
    OccupancyFeatures(),
    UtilityFeatures(),
    CompanyFeatures(),
    OwnershipFeatures(),
    ReportFeatures(),
    NetworkFeatures(),
)


class ProtectedAttributeError(VastgoedError):
    """A protected or audit-only attribute reached the feature stage."""


def catalogue() -> list[FeatureSpec]:
    """Every feature's catalogue entry, in model column order."""
    return [s for b in BUILDERS for s in b.specs]


def feature_set_hash(columns: Sequence[str]) -> str:
    """A short hash of a feature set: the columns in model order, each with its catalogue meaning.

    Two models with the same hash read the same columns, in the same order, with the same sources,
    unit and direction; labels and descriptions may differ. A column the catalogue does not know
    counts by its name alone.
    """
    specs = {s.name: s for s in catalogue()}
    described = [
        [c, *(() if (s := specs.get(c)) is None else (list(s.sources), s.unit, s.direction))] for c in columns
    ]
    return hashlib.sha256(json.dumps(described, ensure_ascii=False).encode()).hexdigest()[:16]


def check_inputs(inputs: FeatureInputs) -> None:
    """Refuse inputs that carry a protected attribute, and a catalogue that names an audit source.

    Raises:
        ProtectedAttributeError: naming the table and column.
    """
    for field in dataclasses.fields(inputs):
        value = getattr(inputs, field.name)
        if isinstance(value, pl.DataFrame):
            bad = PROTECTED_COLUMNS.intersection(c.lower() for c in value.columns)
            if bad:
                raise ProtectedAttributeError(
                    f"feature input {field.name} carries protected attribute(s) {sorted(bad)}"
                )
    for spec in catalogue():
        if PROTECTED_COLUMNS.intersection([spec.name]) or AUDIT_ONLY_FILES.intersection(spec.sources):
            raise ProtectedAttributeError(
                f"feature {spec.name} names a protected attribute or an audit-only source"
            )


def build_features(inputs: FeatureInputs) -> pl.DataFrame:
    """One row per verblijfsobject: ``verblijfsobject_id`` and every catalogued feature.

    Raises:
        ProtectedAttributeError: when an input carries a protected attribute.
    """
    check_inputs(inputs)
    out = inputs.objects.select("verblijfsobject_id")
    for builder in BUILDERS:
        out = out.join(builder.build(inputs), on="verblijfsobject_id", how="left")
    return out
