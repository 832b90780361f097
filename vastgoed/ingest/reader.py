"""Readers that turn one extract file into an all-string frame with the contract's columns.

A reader only parses; the checks live in :mod:`vastgoed.ingest.checks`. Every value is read as a
string (no type inference), so that every value can be checked and, if bad, reported as it was.

An extract is a file ``<stem>.csv`` or ``<stem>.parquet``, or a folder ``<stem>/`` of Parquet parts
(for instance hive-partitioned per gemeente, ``<stem>/gemeente=0935/part-0.parquet``), read as one
table: the parts in sorted path order, rows numbered on across them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from vastgoed.core.errors import DataError
from vastgoed.core.schema import FileSpec
from vastgoed.ingest.encoding import decode_bytes

__all__ = [
    "READERS",
    "CsvReader",
    "ExtractReader",
    "ParquetFolderReader",
    "ParquetReader",
    "Parsed",
    "RawTable",
    "extract_parts",
    "find_extract",
]

_DUPLICATE = re.compile(r"^(?P<base>.+)_duplicated_[0-9]+$")


@dataclass(frozen=True)
class RawTable:
    """One extract as read: contract columns as strings, plus ``rij`` (the 0-based data row).

    Attributes:
        frame: Column ``rij`` (Int64) and every contract column (String), in contract order.
        encoding: The text encoding used, or None for a binary format.
        warnings: Messages about the file (guessed encoding, ignored columns).
        ragged: ``(row, fields)`` of rows left out because their number of fields is wrong.
        parts: For a folder of parts: each part's path (relative to the data folder) and its first
            ``rij``, so that a row number can be traced to its part.
        typed: Columns whose strings a program wrote from numbers (a Parquet number column, in
            every part), or that the file lacks: their numbers are read as a program writes them
            (``Getalnotatie.ISO``), not in the manifest's notation for text.
        headers: Rows left out because they repeat the header (a second export appended, say): to
            be quarantined as ``herhaalde kopregel``.

    """

    frame: pl.DataFrame
    encoding: str | None
    warnings: list[str] = field(default_factory=list)
    ragged: list[tuple[int, int]] = field(default_factory=list)
    parts: list[tuple[str, int]] = field(default_factory=list)
    typed: frozenset[str] = frozenset()
    headers: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    """A parsed file before its columns are conformed to the contract (what ``_parse`` returns).

    Attributes:
        frame: The parsed rows.
        encoding: The text encoding used, or None for a binary format.
        warnings: Messages about the file.
        rows: The 0-based data row of each frame row, when rows were left out (else None).
        ragged: ``(row, fields)`` of rows left out because their number of fields is wrong.
    """

    frame: pl.DataFrame
    encoding: str | None
    warnings: list[str]
    rows: list[int] | None = None
    ragged: list[tuple[int, int]] = field(default_factory=list)
    #: Columns in the file that were not loaded (not in the contract): named, never read into memory.
    skipped: list[str] = field(default_factory=list)
    #: Columns (as in the file) that held numbers, not text, before they were cast to strings.
    typed: frozenset[str] = frozenset()


def _keep(header: list[str], wanted: frozenset[str] | None) -> list[str] | None:
    """The header names to load: those the contract names (case-insensitive); None loads all."""
    if wanted is None:
        return None
    keep = [h for h in header if h.strip().lower() in wanted]
    return keep if keep else None


class ExtractReader(ABC):
    """Base of the readers: parse a file's bytes, then conform the columns to the contract.

    A subclass names its file ``suffix`` and implements :meth:`_parse`.
    """

    suffix: str = ""

    def read(
        self, data: bytes, spec: FileSpec, *, declared_encoding: str | None, fallback_encoding: str
    ) -> RawTable:
        """Parse an extract and keep exactly the contract's columns.

        Args:
            data: The file's bytes.
            spec: The contract of the file.
            declared_encoding: The encoding the manifest declares for the file, if any.
            fallback_encoding: The encoding to try when a text file is not UTF-8.

        Returns:
            The raw table.

        Raises:
            DataError: The file cannot be decoded or parsed, has a duplicate column, or lacks a
                required column.

        """
        # Only the contract's columns are loaded: a column an exporter added (a name, a nationality)
        # is named in a warning but never read into memory.
        parsed = self._parse(
            data, spec.stem, declared_encoding, fallback_encoding, wanted=frozenset(spec.names)
        )
        names = [c.strip().lower() for c in parsed.frame.columns]
        _reject_duplicates(names, spec.stem, [c.name for c in spec.columns if c.required])
        frame = parsed.frame.rename(dict(zip(parsed.frame.columns, names, strict=True)))
        warnings = list(parsed.warnings)
        if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
            raise DataError(
                spec.stem,
                "the header is not comma-separated (found ';' or a tab); the contract asks for commas",
            )
        extra = [c for c in frame.columns if c not in spec.names] + parsed.skipped
        if extra:
            warnings.append(f"{spec.stem}: ignored columns not in the contract: {', '.join(extra)}")
        columns: list[pl.Expr] = []
        typed = {c.strip().lower() for c in parsed.typed}
        for col in spec.columns:
            if col.name in frame.columns:
                columns.append(pl.col(col.name).cast(pl.String))
            elif col.required:
                raise DataError(spec.stem, "required column missing", kolom=col.name)
            else:
                columns.append(pl.lit(None, pl.String).alias(col.name))
                typed.add(col.name)
        out = frame.select(columns).with_row_index("rij").with_columns(pl.col("rij").cast(pl.Int64))
        if parsed.rows is not None:
            out = out.with_columns(pl.Series("rij", parsed.rows, dtype=pl.Int64))
        headers = _repeated_headers(out.select("rij", *(c for c in spec.names if c in frame.columns)))
        if headers:
            out = out.filter(~pl.col("rij").is_in(headers))
        return RawTable(
            out, parsed.encoding, warnings, parsed.ragged, typed=frozenset(typed), headers=headers
        )

    def read_path(
        self, path: Path, spec: FileSpec, *, declared_encoding: str | None, fallback_encoding: str
    ) -> tuple[RawTable, dict[str, str]]:
        """Read the extract at ``path`` (as :meth:`read`) and hash what was read.

        Returns:
            The raw table, and the SHA-256 of each file read by its name relative to the data folder.

        Raises:
            DataError: As :meth:`read`.
        """
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        raw = self.read(data, spec, declared_encoding=declared_encoding, fallback_encoding=fallback_encoding)
        return raw, {path.name: digest}

    @abstractmethod
    def _parse(
        self,
        data: bytes,
        stem: str,
        declared_encoding: str | None,
        fallback: str,
        wanted: frozenset[str] | None = None,
    ) -> Parsed:
        """Parse bytes into a frame whose columns are strings or can be cast to strings.

        ``wanted`` (lower-case names): load only these columns, when the format allows it.
        """


class CsvReader(ExtractReader):
    """Comma-separated text with a header row, UTF-8 or a declared/fallback encoding."""

    suffix = ".csv"

    def _parse(
        self,
        data: bytes,
        stem: str,
        declared_encoding: str | None,
        fallback: str,
        wanted: frozenset[str] | None = None,
    ) -> Parsed:
        return self._read_text(data, stem, declared_encoding, fallback, ",", wanted)

    def _read_text(
        self,
        data: bytes,
        stem: str,
        declared_encoding: str | None,
        fallback: str,
        separator: str,
        wanted: frozenset[str] | None = None,
    ) -> Parsed:
        """Decode the bytes and parse them as delimited text with a header row, all columns strings."""
        decoded = decode_bytes(data, stem, declared=declared_encoding, fallback=fallback)
        # Plain UTF-8 without a BOM can go to the parser as it is; anything else is re-encoded.
        plain = decoded.encoding == "utf-8" and not decoded.damaged and not data.startswith(b"\xef\xbb\xbf")
        source = data if plain else None
        payload = source if source is not None else decoded.text.encode("utf-8")
        skipped: list[str] = []
        try:
            header = pl.read_csv(io.BytesIO(payload), separator=separator, n_rows=0).columns
            keep = None if _doubled(header) else _keep(header, wanted)
            skipped = [h for h in header if keep is not None and h not in keep]
            frame = pl.read_csv(
                io.BytesIO(payload),
                separator=separator,
                infer_schema=False,
                raise_if_empty=True,
                columns=keep,
            )
        except pl.exceptions.PolarsError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            salvaged = _salvage(decoded.text, separator)
            if salvaged is None:
                raise DataError(stem, f"cannot be parsed as CSV: {first}") from exc
            frame, rows, ragged = salvaged
            warnings = [decoded.warning] if decoded.warning else []
            return Parsed(frame, decoded.encoding, warnings, rows=rows, ragged=ragged)
        warnings = [decoded.warning] if decoded.warning else []
        return Parsed(frame, decoded.encoding, warnings, skipped=skipped)


class ParquetReader(ExtractReader):
    """Parquet with the contract's columns; every column is cast to its string form."""

    suffix = ".parquet"

    def _parse(
        self,
        data: bytes,
        stem: str,
        declared_encoding: str | None,
        fallback: str,
        wanted: frozenset[str] | None = None,
    ) -> Parsed:
        skipped: list[str] = []
        try:
            header = list(pl.read_parquet_schema(io.BytesIO(data)))
            keep = _keep(header, wanted)
            skipped = [h for h in header if keep is not None and h not in keep]
            frame = pl.read_parquet(io.BytesIO(data), columns=keep)
            typed = frozenset(c for c, t in frame.schema.items() if t.is_numeric())
            frame = frame.with_columns(pl.all().cast(pl.String))
        except (pl.exceptions.PolarsError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(stem, f"cannot be read as Parquet: {first}") from exc
        return Parsed(frame, None, [], skipped=skipped, typed=typed)


class ParquetFolderReader(ParquetReader):
    """A folder ``<stem>/`` of Parquet parts, read as one table.

    The parts are every ``*.parquet`` file under the folder (hive partition folders such as
    ``gemeente=0935/`` included; names starting with ``.`` or ``_`` skipped), in sorted path order.
    Each part is read and conformed to the contract on its own, so a part may lack an optional column;
    ``rij`` numbers the rows on across the parts. Partition values in folder names are not read as
    columns. An unreadable part, or one lacking a required column, is a :class:`DataError` naming it.
    """

    suffix = "/"

    def read_path(
        self,
        path: Path,
        spec: FileSpec,
        *,
        declared_encoding: str | None,
        fallback_encoding: str,
        partitions: frozenset[str] | None = None,
    ) -> tuple[RawTable, dict[str, str]]:
        """Read every part of the folder ``path`` as one table, hashing each part.

        Args:
            path: The folder.
            spec: The contract file.
            declared_encoding: Unused (Parquet has no text encoding).
            fallback_encoding: Unused.
            partitions: Read only the parts under these partition folders (``gemeente=0935``), for a
                run in shards. The other parts are not read, only counted (from their Parquet
                footers), so that ``rij`` numbers every row as a read of the whole folder does. No
                hash of the folder as a whole is given then (it needs every part's).

        Returns:
            The raw table (with ``parts``: each part and its first ``rij``), and the SHA-256 of each part
            by its path relative to the data folder (``<stem>/gemeente=0935/part-0.parquet``), plus one
            for the folder as a whole (``<stem>/``: over the lines ``<part>TAB<sha256>`` in part order).

        Raises:
            DataError: The folder holds no parts; a part cannot be read or lacks a required column
                (naming the part).
        """
        parts = extract_parts(path)
        if not parts:
            raise DataError(f"{path.name}/", "the folder holds no Parquet parts")
        frames: list[pl.DataFrame] = []
        warnings: list[str] = []
        hashes: dict[str, str] = {}
        starts: list[tuple[str, int]] = []
        typed: frozenset[str] | None = None
        headers: list[int] = []
        first = 0
        for part in parts:
            name = f"{path.name}/{part.relative_to(path).as_posix()}"
            if partitions is not None and part_partition(path, part) not in partitions:
                first += parquet_rows(part, name)
                continue
            data = part.read_bytes()
            hashes[name] = hashlib.sha256(data).hexdigest()
            try:
                raw = self.read(data, spec, declared_encoding=None, fallback_encoding=fallback_encoding)
            except DataError as exc:
                raise DataError(name, exc.reden, kolom=exc.kolom) from exc
            del data
            frames.append(raw.frame.with_columns(pl.col("rij") + first) if first else raw.frame)
            starts.append((name, first))
            typed = raw.typed if typed is None else typed & raw.typed
            headers += [first + r for r in raw.headers]
            first += raw.frame.height + len(raw.headers)
            warnings.extend(w for w in raw.warnings if w not in warnings)
        if not frames:
            raise DataError(f"{path.name}/", f"no part under the partitions {sorted(partitions or ())}")
        frame = pl.concat(frames, how="vertical", rechunk=False)
        if partitions is None:
            hashes[f"{path.name}/"] = folder_hash(hashes)
        raw_table = RawTable(frame, None, warnings, parts=starts, typed=typed or frozenset(), headers=headers)
        return raw_table, hashes


def folder_hash(part_hashes: dict[str, str]) -> str:
    """The hash of a folder extract as a whole, as a file's hash stands for the file.

    SHA-256 over the lines ``<part>TAB<sha256>`` of its parts, in the order given (the parts' order,
    :func:`extract_parts`).
    """
    listing = "".join(f"{name}\t{digest}\n" for name, digest in part_hashes.items())
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def part_partition(folder: Path, part: Path) -> str:
    """The partition folder a part lies in (``gemeente=0935``), or ``""`` for a part at the top."""
    rel = part.relative_to(folder).parts
    return rel[0] if len(rel) > 1 else ""


def parquet_rows(part: Path, name: str) -> int:
    """The number of rows of a Parquet part, from its footer (the data are not read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # a tenth of the time of a polars scan: every shard counts the rows of every other part
        return int(pq.read_metadata(part).num_rows)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(name, f"cannot be read as Parquet: {exc}") from exc


def extract_parts(folder: Path) -> list[Path]:
    """The Parquet parts of a folder extract, in sorted path order (hidden and ``_`` files skipped)."""
    return sorted(
        p
        for p in folder.rglob("*.parquet")
        if p.is_file() and not any(s.startswith((".", "_")) for s in p.relative_to(folder).parts)
    )


#: The readers, by file suffix. A new format is a new subclass added here.
READERS: tuple[ExtractReader, ...] = (CsvReader(), ParquetReader())
#: The reader of an extract given as a folder of parts.
FOLDER_READER = ParquetFolderReader()


def find_extract(data_dir: Path, stem: str) -> tuple[Path, ExtractReader] | None:
    """Find the extract of ``stem`` in ``data_dir`` and the reader for it.

    The extract is ``<stem>.csv``, ``<stem>.parquet`` or a folder ``<stem>/`` of Parquet parts. Read it
    with the reader's :meth:`ExtractReader.read_path` (which also reads a folder).

    Args:
        data_dir: The data folder.
        stem: The contract file's stem.

    Returns:
        The path and its reader, or None when there is no such extract.

    Raises:
        DataError: The extract exists in more than one format (a file and a folder count as two), so
            which one counts is ambiguous.

    """
    found: list[tuple[Path, ExtractReader]] = [
        (data_dir / f"{stem}{r.suffix}", r) for r in READERS if (data_dir / f"{stem}{r.suffix}").is_file()
    ]
    if (data_dir / stem).is_dir():
        found.append((data_dir / stem, FOLDER_READER))
    if len(found) > 1:
        names = ", ".join(p.name + ("/" if p.is_dir() else "") for p, _ in found)
        raise DataError(stem, f"present in more than one format ({names}); keep one")
    return found[0] if found else None


def _salvage(text: str, separator: str) -> tuple[pl.DataFrame, list[int], list[tuple[int, int]]] | None:
    """Re-read text the fast parser refused, row by row.

    Rows with the wrong number of fields are set apart (to be quarantined), the rest kept with their
    row numbers. None when no row is ragged, i.e. the file is broken in some other way.
    """
    records = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=separator)
    header = next(records, None)
    if not header:
        return None
    good: list[list[str | None]] = []
    rows: list[int] = []
    ragged: list[tuple[int, int]] = []
    try:
        for i, rec in enumerate(records):
            if len(rec) == len(header):
                good.append([v if v != "" else None for v in rec])
                rows.append(i)
            elif any("\n" in v or "\r" in v for v in rec):
                return None  # a quote left open swallows the rows after it: the file itself is broken
            else:
                ragged.append((i, len(rec) - len(header)))
    except csv.Error:
        return None
    if not ragged:
        return None
    frame = pl.DataFrame(good, schema=dict.fromkeys(header, pl.String), orient="row")
    return frame, rows, ragged


def _bases(names: list[str]) -> list[str]:
    """Each name as the header wrote it: polars' ``soort_duplicated_0`` is a second ``soort``."""
    return [m.group("base") if (m := _DUPLICATE.match(n)) and m.group("base") in names else n for n in names]


def _doubled(header: list[str]) -> bool:
    """Whether a header names a column twice (then every column is loaded, to name the copies)."""
    bases = [b.strip().lower() for b in _bases(header)]
    return len(set(bases)) < len(bases)


def _reject_duplicates(names: list[str], stem: str, required: list[str]) -> None:
    """Refuse a header naming a column more than once, with the positions (1-based) of each copy.

    Polars renames a second ``soort`` to ``soort_duplicated_0``; both count as ``soort`` here. The
    required columns the header lacks are named too: a doubled name often overwrote one of them.
    """
    bases = _bases(names)
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(bases, start=1):
        positions.setdefault(name, []).append(i)
    doubled = {n: p for n, p in positions.items() if len(p) > 1}
    if not doubled:
        return
    name, where = next(iter(doubled.items()))
    missing = [c for c in required if c not in positions]
    lacking = f"; de kopregel mist {', '.join(missing)} (overschreven door de dubbele naam?)" * bool(missing)
    others = [f"{n} (kolom {', '.join(map(str, p))})" for n, p in list(doubled.items())[1:]]
    also = f"; ook dubbel: {', '.join(others)}" if others else ""
    raise DataError(
        stem,
        f"kolomnaam staat {len(where)} keer in de kopregel (kolom {' en '.join(map(str, where))}){also}"
        f"{lacking}. Geef elke kolom een eigen naam en lever het bestand opnieuw aan",
        kolom=name,
    )


def _repeated_headers(frame: pl.DataFrame) -> list[int]:
    """The ``rij`` of rows that repeat the header: every contract column holds its own name."""
    present = [c for c in frame.columns if c != "rij"]
    if frame.height == 0 or not present:
        return []
    same = pl.all_horizontal(
        [pl.col(c).str.strip_chars().str.to_lowercase().eq(c).fill_null(False) for c in present]
    )
    return frame.filter(same).get_column("rij").to_list()
