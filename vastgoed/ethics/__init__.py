"""The ethics audit: the only package that reads the audit attributes (``audit_kenmerken``).

It reads them in aggregate only, per verblijfsobject, to check what the engine does to groups:
the proxy screen of the feature guard (:mod:`vastgoed.ethics.proxy`) tests whether a catalogued
feature predicts a group attribute of an object's residents. Feature, model and linkage code never
import this package, so no feature can reach the audit attributes through it.
"""

from __future__ import annotations

from vastgoed.ethics.proxy import (
    AUDIT_ATTRIBUTES,
    DEFAULT_THRESHOLD,
    MIN_OBJECTS,
    ProxyReport,
    ProxyScreenError,
    ProxyViolation,
    indicator_column,
    known_column,
    object_groups,
    proxy_screen,
    share_column,
)

__all__ = [
    "AUDIT_ATTRIBUTES",
    "DEFAULT_THRESHOLD",
    "MIN_OBJECTS",
    "ProxyReport",
    "ProxyScreenError",
    "ProxyViolation",
    "indicator_column",
    "known_column",
    "object_groups",
    "proxy_screen",
    "share_column",
]
