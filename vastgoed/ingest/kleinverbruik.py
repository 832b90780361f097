"""The grid operators' open small-consumption data (``kleinverbruik/*.csv``), read as published.

The files give, per postcode range and product, the number of connections and the average yearly
use: a neighbourhood baseline, not per-address use. They come tab- or semicolon-separated, with a
decimal comma and a UTF-8 BOM; newer files call the average ``SJA_GEMIDDELD`` instead of
``SJV_GEMIDDELD``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from vastgoed.core.schema import Column, FileSpec, Kind
from vastgoed.ingest.reader import CsvReader, Parsed
from vastgoed.ingest.table import validate_table

__all__ = ["KLEINVERBRUIK_SPEC", "KleinverbruikReader", "read_kleinverbruik"]

#: The columns kept from a kleinverbruik file, as a contract the generic checks can apply.
KLEINVERBRUIK_SPEC = FileSpec(
    "kleinverbruik",
    (
        Column("netbeheerder", required=False, nullable=True),
        Column("straatnaam", required=False, nullable=True),
        Column("postcode_van", Kind.POSTCODE),
        Column("postcode_tot", Kind.POSTCODE),
        Column("woonplaats", required=False, nullable=True),
        Column("productsoort", Kind.ENUM, values=("ELK", "GAS")),
        Column("aansluitingen_aantal", Kind.INT, min_value=0, max_value=1e7),
        Column("sjv_gemiddeld", Kind.FLOAT, min_value=-1e6, max_value=1e9),
        Column("slimme_meter_perc", Kind.FLOAT, required=False, nullable=True, min_value=0, max_value=100),
    ),
    optional_file=True,
)

_RENAMES = {"sja_gemiddeld": "sjv_gemiddeld"}
_PRODUCTS = {"elk": "ELK", "elektriciteit": "ELK", "gas": "GAS"}


class KleinverbruikReader(CsvReader):
    """A grid operator's file: the separator is sniffed and newer column names mapped to older ones."""

    def _parse(
        self,
        data: bytes,
        stem: str,
        declared_encoding: str | None,
        fallback: str,
        wanted: frozenset[str] | None = None,
    ) -> Parsed:
        # the whole file is loaded: its column names are mapped (old → new) after parsing
        first_line = data.split(b"\n", 1)[0]
        separator = max((b"\t", b";", b","), key=first_line.count).decode()
        parsed = self._read_text(data, stem, declared_encoding, fallback, separator)
        names = {c: _RENAMES.get(c.strip().lower(), c) for c in parsed.frame.columns}
        frame = parsed.frame.rename(names)
        if "productsoort" in frame.columns:
            key = pl.col("productsoort").str.strip_chars().str.to_lowercase()
            frame = frame.with_columns(key.replace(_PRODUCTS).alias("productsoort"))
        return Parsed(frame, parsed.encoding, parsed.warnings)


def read_kleinverbruik(data_dir: Path, *, fallback_encoding: str = "cp1252") -> pl.DataFrame | None:
    """Read every ``kleinverbruik/*.csv`` file of a data folder into one table.

    Rows that fail the checks (a postcode that is not one, a product other than ELK/GAS, a number
    that is not one) are left out.

    Args:
        data_dir: The data folder.
        fallback_encoding: The encoding assumed for a file that is not UTF-8.

    Returns:
        Column ``bestand`` (the file name), ``rij`` and the columns of :data:`KLEINVERBRUIK_SPEC`,
        typed; None when the folder has no such files.

    Raises:
        DataError: A file cannot be decoded or parsed, or lacks a required column.

    """
    folder = data_dir / "kleinverbruik"
    paths = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not paths:
        return None
    reader = KleinverbruikReader()
    frames = []
    for path in paths:
        spec = FileSpec(f"kleinverbruik/{path.name}", KLEINVERBRUIK_SPEC.columns)
        raw = reader.read(
            path.read_bytes(), spec, declared_encoding=None, fallback_encoding=fallback_encoding
        )
        table = validate_table(raw.frame, spec).table
        frames.append(table.select(pl.lit(path.name).alias("bestand"), pl.all()))
    return pl.concat(frames)
