"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["write_json_atomic", "write_text_atomic"]


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, fsync it, and rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o600)  # owner-only: run outputs and governance files hold personal data
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, payload: Any) -> None:
    """Indented JSON (non-ASCII kept, dates as strings), written with :func:`write_text_atomic`."""
    write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def read_strings(folder: Path, name: str) -> pl.DataFrame | None:
    """``name.csv``, or the Parquet parts of a folder ``name/`` in path order; every column a string.

    The two forms the generator writes (a municipality's CSV files, a region's partitioned Parquet),
    read as one table; None when neither exists.
    """
    path = folder / f"{name}.csv"
    if path.exists():
        return pl.read_csv(path, infer_schema=False)
    parts = sorted((folder / name).rglob("*.parquet")) if (folder / name).is_dir() else []
    if not parts:
        return None
    return pl.read_parquet(parts, hive_partitioning=False).with_columns(pl.all().cast(pl.String))
