"""The ingest stage: read every contract file of a data folder, validate, pseudonymise, quarantine."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from vastgoed.core.config import Manifest, load_manifest
from vastgoed.core.errors import DataError
from vastgoed.core.pseudonym import Pseudonymiser, resolve_key
from vastgoed.core.schema import CONTRACT, FileSpec, Kind
from vastgoed.ingest.plausible import check_dates, check_gemeenten, is_blank_file
from vastgoed.ingest.quarantine import empty_quarantine
from vastgoed.ingest.reader import ParquetFolderReader, find_extract
from vastgoed.ingest.table import validate_table

__all__ = ["PSEUDONYM_COLUMN", "FileCounts", "IngestResult", "ingest"]

#: The column that replaces a BSN column in the ingested tables.
PSEUDONYM_COLUMN = "bsn_pseudoniem"


@dataclass(frozen=True)
class FileCounts:
    """What happened to one file.

    Attributes:
        rows_read: Data rows in the file.
        rows_kept: Rows in the ingested table.
        rows_quarantined: Rows removed because of at least one bad value or a repeated key.
        encoding: The text encoding used to read it; None for Parquet.
        path: The file's name inside the data folder (``<stem>/`` for a folder of Parquet parts).
        values_nulled: Invalid values nulled in kept rows (``genulde_waarden.csv``).

    """

    rows_read: int
    rows_kept: int
    rows_quarantined: int
    encoding: str | None
    path: str
    values_nulled: int


@dataclass(frozen=True)
class IngestResult:
    """Everything the ingest hands to the rest of the pipeline.

    Attributes:
        tables: Per file stem, the validated, typed table (``rij`` plus the contract columns; BSN
            columns replaced by ``bsn_pseudoniem``). Absent optional files are absent here.
        quarantine: Every rejected cell: ``bestand, rij, kolom, waarde, reden``, identifiers masked.
        nulled: Every invalid value that was nulled in a kept row (an optional column's, a partial
            address's part), in the quarantine's columns; identifiers masked. Not in ``quarantine``.
        counts: Per file stem that was read, its row counts and encoding.
        warnings: Non-fatal findings (guessed encodings, ignored columns, absent optional files).
        manifest: The data folder's manifest.
        hashes: SHA-256 of every input file read, by file name relative to the data folder (each part
            of a folder extract by its path, ``<stem>/gemeente=0935/part-0.parquet``, and the folder as a
            whole by ``<stem>/``, its name in ``counts``).

    """

    tables: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    nulled: pl.DataFrame
    counts: dict[str, FileCounts]
    warnings: list[str]
    manifest: Manifest
    hashes: dict[str, str]


def ingest(
    data_dir: Path,
    *,
    key: bytes | None = None,
    fallback_encoding: str = "cp1252",
    partitions: frozenset[str] | None = None,
    today: dt.date | None = None,
) -> IngestResult:
    """Read and validate a data folder that follows the data contract.

    Bad values do not stop the run: a row with a bad value in a column it needs goes to the
    quarantine, a bad value in an optional column or a partial address's part is nulled and reported
    (``nulled``), and the rest is kept. What does stop it is a problem with a file as a whole.

    Args:
        data_dir: The data folder (``manifest.toml`` and the registry extracts).
        key: The pseudonymisation key; by default taken from the environment (or the built-in test
            key when the manifest says ``synthetisch = true``).
        fallback_encoding: The encoding assumed for a CSV file that is not UTF-8 and has no
            encoding declared in the manifest.
        partitions: Read only these partition folders (``gemeente=0935``) of every extract, for one
            shard of a run in shards; every extract must then be a folder of parts. Rows keep the
            ``rij`` of a read of the whole folder; the hashes are the parts' own (no folder hash).
        today: The date the manifest's dates are checked against (by default the system's date).

    Returns:
        The validated tables, the quarantine, counts, warnings, the manifest and input hashes.

    Raises:
        DataError: The manifest is missing or invalid, its dates are implausible (see
            :func:`~vastgoed.ingest.plausible.check_dates`) or its gemeentecode disagrees with the
            BAG (:func:`~vastgoed.ingest.plausible.check_gemeenten`); a required file is missing, empty,
            cannot be decoded or parsed, lacks a required column, or has no valid row.
        ConfigError: No key is given and none can be resolved.

    """
    manifest = load_manifest(data_dir)
    hashes = {"manifest.toml": _sha256((data_dir / "manifest.toml").read_bytes())}
    pseudonymiser = Pseudonymiser(key if key is not None else resolve_key(synthetisch=manifest.synthetisch))
    tables: dict[str, pl.DataFrame] = {}
    counts: dict[str, FileCounts] = {}
    warnings = check_dates(manifest, today or dt.date.today())
    quarantines = [empty_quarantine()]
    nulled = [empty_quarantine()]
    undated: list[str] = []
    for spec in CONTRACT:
        found = find_extract(data_dir, spec.stem)
        if found is not None and is_blank_file(found[0]):
            if not spec.optional_file:
                raise DataError(
                    found[0].name,
                    "leeg bestand (0 bytes, of alleen witruimte): een verplicht extract heeft minstens een "
                    "kopregel en een gegevensrij nodig; lever het extract opnieuw aan",
                )
            warnings.append(
                f"{found[0].name}: leeg bestand (0 bytes, of alleen witruimte), behandeld als afwezig "
                "(optioneel bestand)"
            )
            continue
        if found is None:
            if not spec.optional_file:
                raise DataError(
                    spec.stem,
                    f"file not found (expected {spec.stem}.csv, .parquet or a folder {spec.stem}/ "
                    f"of Parquet parts in {data_dir})",
                )
            warnings.append(f"{spec.stem}: optional file not present")
            continue
        path, reader = found
        if partitions is None:
            raw, read_hashes = reader.read_path(
                path,
                spec,
                declared_encoding=manifest.encoding.get(spec.stem),
                fallback_encoding=fallback_encoding,
            )
        elif isinstance(reader, ParquetFolderReader):
            raw, read_hashes = reader.read_path(
                path, spec, declared_encoding=None, fallback_encoding=fallback_encoding, partitions=partitions
            )
        else:
            raise DataError(path.name, "a run in shards needs every extract as a folder of Parquet parts")
        hashes.update(read_hashes)
        warnings.extend(raw.warnings)
        bron = manifest.bronnen.get(spec.stem)
        if bron is None or bron.extractdatum is None:
            undated.append(spec.stem)
        validated = validate_table(
            raw.frame, spec, manifest.peildatum, notation=manifest.notation(spec.stem), typed=raw.typed
        )
        if validated.table.height == 0 and _must_have_rows(spec, partitions):
            raise _no_valid_row(path, raw.frame.height + len(raw.ragged) + len(raw.headers))
        tables[spec.stem] = _pseudonymise(validated.table, spec, pseudonymiser)
        quarantines.append(validated.quarantine)
        nulled.append(validated.nulled)
        ragged = pl.concat(
            [_ragged_quarantine(spec.stem, raw.ragged), _header_quarantine(spec.stem, raw.headers)]
        )
        quarantines.append(ragged)
        counts[spec.stem] = FileCounts(
            rows_read=raw.frame.height + ragged.height,
            rows_kept=validated.table.height,
            rows_quarantined=validated.quarantine.get_column("rij").n_unique() + ragged.height,
            encoding=raw.encoding,
            path=path.name + ("/" if path.is_dir() else ""),
            values_nulled=validated.nulled.height,
        )
    if undated:
        warnings.append(
            f"no extractdatum in the manifest for {', '.join(undated)}: "
            f"taken as the peildatum {manifest.peildatum}"
        )
    warnings.extend(check_gemeenten(manifest, tables["bag_verblijfsobjecten"]))
    kleinverbruik = data_dir / "kleinverbruik"
    for path in sorted(kleinverbruik.glob("*.csv")) if kleinverbruik.is_dir() else []:
        hashes[path.relative_to(data_dir).as_posix()] = _sha256(path.read_bytes())
    return IngestResult(
        tables=tables,
        quarantine=pl.concat(quarantines),
        nulled=pl.concat(nulled),
        counts=counts,
        warnings=warnings,
        manifest=manifest,
        hashes=hashes,
    )


def _must_have_rows(spec: FileSpec, partitions: frozenset[str] | None) -> bool:
    """Whether a file with no valid row is refused: a required one; in a shard only the BAG.

    (A shard's few gemeenten may lack, say, vergunningen; a shard without objects is no shard.)
    """
    if spec.optional_file:
        return False
    return partitions is None or spec.stem == "bag_verblijfsobjecten"


def _no_valid_row(path: Path, rows: int) -> DataError:
    name = path.name + ("/" if path.is_dir() else "")
    if rows == 0:
        why = "bevat alleen een kopregel, geen gegevensrijen"
    else:
        why = f"geen enkele geldige rij: alle {rows} rijen staan in de quarantaine (quarantine.csv)"
    return DataError(
        name,
        f"{why}. Een verplicht extract zonder geldige rij kan niet worden gebruikt; controleer de export "
        "(zie de redenen met `vastgoed validate --out`) en lever het opnieuw aan",
    )


def _pseudonymise(table: pl.DataFrame, spec: FileSpec, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Replace each BSN column by its pseudonym (hashing each distinct BSN once) and drop the BSN."""
    for col in spec.columns:
        if col.kind != Kind.BSN:
            continue
        distinct = table.get_column(col.name).drop_nulls().unique().to_list()
        pseudonyms = [pseudonymiser.one(b) for b in distinct]
        name = PSEUDONYM_COLUMN if col.name == "bsn" else f"{col.name}_pseudoniem"
        table = table.with_columns(
            pl.col(col.name)
            .replace_strict(distinct, pseudonyms, default=None, return_dtype=pl.String)
            .alias(col.name)
        ).rename({col.name: name})
    return table


def _ragged_quarantine(stem: str, ragged: list[tuple[int, int]]) -> pl.DataFrame:
    """Quarantine entries for rows whose number of fields did not match the header."""
    if not ragged:
        return empty_quarantine()
    return pl.DataFrame(
        {
            "bestand": [stem] * len(ragged),
            "rij": [r for r, _ in ragged],
            "kolom": [None] * len(ragged),
            "waarde": [None] * len(ragged),
            "reden": [
                f"row has {abs(n)} {'more' if n > 0 else 'fewer'} fields than the header" for _, n in ragged
            ],
        }
    ).cast(empty_quarantine().schema)


def _header_quarantine(stem: str, rows: list[int]) -> pl.DataFrame:
    """Quarantine entries for rows that repeat the header line."""
    return pl.DataFrame(
        {
            "bestand": [stem] * len(rows),
            "rij": rows,
            "kolom": [None] * len(rows),
            "waarde": [None] * len(rows),
            "reden": ["herhaalde kopregel: de rij herhaalt de kolomnamen en is geen gegevensrij"] * len(rows),
        },
        schema=empty_quarantine().schema,
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
