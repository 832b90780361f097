"""Ingest: read a data folder that follows the data contract into validated, typed tables.

Every value is checked against the contract (``vastgoed.core.schema``); rows with bad values go to a
quarantine with the reason, and the run goes on with the good rows. BSNs are pseudonymised here and
never leave this package in the clear.
"""

from __future__ import annotations

from vastgoed.ingest.api import PSEUDONYM_COLUMN, FileCounts, IngestResult, ingest
from vastgoed.ingest.kleinverbruik import read_kleinverbruik
from vastgoed.ingest.quarantine import QUARANTINE_SCHEMA, write_quarantine

__all__ = [
    "PSEUDONYM_COLUMN",
    "QUARANTINE_SCHEMA",
    "FileCounts",
    "IngestResult",
    "ingest",
    "read_kleinverbruik",
    "write_quarantine",
]
