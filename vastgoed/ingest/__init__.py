"""Ingest: read a data folder that follows the data contract into validated, typed tables.

Every value is checked against the contract (``vastgoed.core.schema``); rows with bad values go to a
quarantine with the reason, and the run goes on with the good rows. A bad value that costs only
itself (an optional column's, a partial address's part) is nulled and reported apart. BSNs are
pseudonymised here and never leave this package in the clear.
"""

from __future__ import annotations

from vastgoed.ingest.api import PSEUDONYM_COLUMN, FileCounts, IngestResult, ingest
from vastgoed.ingest.kleinverbruik import read_kleinverbruik
from vastgoed.ingest.quarantine import NULLED_FILE, QUARANTINE_FILE, QUARANTINE_SCHEMA, write_quarantine

__all__ = [
    "NULLED_FILE",
    "PSEUDONYM_COLUMN",
    "QUARANTINE_FILE",
    "QUARANTINE_SCHEMA",
    "FileCounts",
    "IngestResult",
    "ingest",
    "read_kleinverbruik",
    "write_quarantine",
]
