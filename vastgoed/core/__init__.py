"""The core every other part of vastgoed stands on: config, contract schema, identifiers, errors.

Imports nothing else from the project.
"""

from __future__ import annotations

from vastgoed.core.config import Config, Manifest, load_config, load_manifest
from vastgoed.core.errors import ConfigError, DataError, VastgoedError
from vastgoed.core.schema import CONTRACT, FENOMENEN, Column, FileSpec, Kind, file_spec

__all__ = [
    "CONTRACT",
    "FENOMENEN",
    "Column",
    "Config",
    "ConfigError",
    "DataError",
    "FileSpec",
    "Kind",
    "Manifest",
    "VastgoedError",
    "file_spec",
    "load_config",
    "load_manifest",
]
