"""The quarantine: one row per rejected cell, with identifiers masked, and its CSV file.

The values nulled in kept rows are reported in the same columns, in their own file
(:data:`NULLED_FILE`), written by the same function.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from vastgoed.core.schema import Column, Kind
from vastgoed.core.spreadsheet import spreadsheet_safe

__all__ = [
    "NULLED_FILE",
    "QUARANTINE_FILE",
    "QUARANTINE_SCHEMA",
    "empty_quarantine",
    "mask_expr",
    "write_quarantine",
]

#: The run's file of rejected rows.
QUARANTINE_FILE = "quarantine.csv"
#: The run's file of values nulled in kept rows (``bestand, rij, kolom, waarde, reden`` as the quarantine).
NULLED_FILE = "genulde_waarden.csv"

#: The quarantine's columns and types (``quarantine.csv``: ``bestand, rij, kolom, waarde, reden``).
QUARANTINE_SCHEMA: dict[str, type[pl.DataType]] = {
    "bestand": pl.String,
    "rij": pl.Int64,
    "kolom": pl.String,
    "waarde": pl.String,
    "reden": pl.String,
}

_DATE_KINDS = (Kind.DATE, Kind.PARTIAL_DATE)


def empty_quarantine() -> pl.DataFrame:
    """Return a quarantine with no rows."""
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


def mask_expr(col: Column, raw: pl.Expr) -> pl.Expr:
    """Return the value of a cell as it may be reported.

    Non-identifier values are reported as read. A BSN keeps only its length and last two characters
    (``*******89``); a person's name becomes ``<naam>`` and a birth date ``<datum>``. Empty stays null.

    Args:
        col: The contract column the value belongs to.
        raw: The value as read (string expression).

    Returns:
        A string expression safe to write out.

    """
    if not col.identifier:
        return raw
    present = raw.str.strip_chars().str.len_chars() > 0
    if col.kind == Kind.BSN:
        v = raw.str.strip_chars()
        tail = pl.when(v.str.len_chars() > 2).then(v.str.slice(-2)).otherwise(pl.lit(""))
        masked = tail.str.pad_start(v.str.len_chars(), "*")
    elif col.kind in _DATE_KINDS:
        masked = pl.lit("<datum>")
    else:
        masked = pl.lit("<naam>")
    return pl.when(present).then(masked).otherwise(pl.lit(None, pl.String))


def write_quarantine(quarantine: pl.DataFrame, path: Path) -> None:
    """Write the quarantine (or the nulled values, in the same columns) as CSV, atomically.

    The file is written to a temporary file in the same directory and moved into place, so a reader
    never sees half a file. Rows are sorted by ``bestand`` and ``rij``.

    Args:
        quarantine: The quarantine frame (columns of :data:`QUARANTINE_SCHEMA`).
        path: Where to write it (``quarantine.csv``, ``genulde_waarden.csv``).

    """
    frame = quarantine.select([pl.col(name).cast(dtype) for name, dtype in QUARANTINE_SCHEMA.items()]).sort(
        ["bestand", "rij"], maintain_order=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            spreadsheet_safe(frame).write_csv(fh)
        # mkstemp makes the file private (0600); give it the permissions any other output gets
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
