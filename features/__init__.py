"""Feature builders: one row per verblijfsobject, as of the peildatum, every feature catalogued.

Builders read only the registries' facts about properties, registrations, companies, ownership,
permits, reports and utility use; protected and audit-only attributes are refused.
"""

from __future__ import annotations

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec
from features.registry import (
    BUILDERS,
    ProtectedAttributeError,
    build_features,
    catalogue,
    check_inputs,
    feature_set_hash,
)

__all__ = [
    "BUILDERS",
    "FeatureBuilder",
    "FeatureInputs",
    "FeatureSpec",
    "ProtectedAttributeError",
    "build_features",
    "catalogue",
    "check_inputs",
    "feature_set_hash",
]
