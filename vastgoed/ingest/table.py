"""Validating one raw table against its contract: typed good rows, and a quarantine of bad cells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from vastgoed.core.numbers import Getalnotatie
from vastgoed.core.schema import Column, FileSpec, Invalid
from vastgoed.ingest.checks import KindCheck, clean_string, kind_check, text_problem, visible
from vastgoed.ingest.quarantine import QUARANTINE_SCHEMA, empty_quarantine, mask_expr

__all__ = ["Validated", "validate_table"]

_REASON = "__reden__"
_CLEAN = "__schoon__"
_PREPARED = "__voorbereid__"
_VALUE = "__waarde__"
_BAD = "__afgekeurd__"
_FIRST = "__eerste_rij__"
_DOUBT = "__twijfel__"
_TEXT = "__geen_tekst__"


@dataclass(frozen=True)
class Validated:
    """The outcome of validating one table.

    Attributes:
        table: The good rows: ``rij`` and the contract columns, typed and normalised.
        quarantine: One row per rejected cell (columns of the quarantine schema).
        nulled: One row per invalid value that was nulled in a kept row (the same columns): a bad
            value in a column where it costs only the value (``Column.costs``).

    """

    table: pl.DataFrame
    quarantine: pl.DataFrame
    nulled: pl.DataFrame


def validate_table(
    raw: pl.DataFrame,
    spec: FileSpec,
    peildatum: dt.date | None = None,
    *,
    notation: Getalnotatie | None = None,
    typed: frozenset[str] = frozenset(),
) -> Validated:
    """Check every value of every contract column, then the key; split good rows from bad.

    A row with an invalid value in a column where it costs the row is quarantined (one quarantine
    row per bad cell, its nulled ones included). An invalid value in a column where it costs only
    the value (an optional column's, a partial address's part) is nulled and reported, and its row
    kept. Among the rows that pass, a row repeating the key of an earlier row is quarantined too;
    the first is kept. A value that is not text (invalid bytes, a control character) costs its row
    in any column.

    Args:
        raw: Column ``rij`` and the contract columns as strings (see ``ExtractReader.read``).
        spec: The file's contract.
        peildatum: The manifest's reference date, for columns that must lie before it.
        notation: How the file writes its numbers, as the manifest states; None: not stated.
        typed: Columns whose numbers a program wrote (``RawTable.typed``): read as ``iso``.

    Returns:
        The typed good rows, the quarantine and the nulled values.

    """
    # Checked in slices of rows: the checks keep three working copies of every column, which for
    # a region's or the country's utility extract (tens of millions of rows) would not fit in memory.
    # Only the duplicate-key check needs the whole table, and it runs on the typed good rows.
    checks = {
        c.name: kind_check(c.kind, Getalnotatie.ISO if c.name in typed else notation) for c in spec.columns
    }
    goods, parts, nulls = [], [], []
    for start in range(0, max(raw.height, 1), _SLICE_ROWS):
        piece = raw.slice(start, _SLICE_ROWS)
        good_piece, bad_piece, nulled_piece = _check_cells(piece, spec, peildatum, checks)
        goods.append(good_piece)
        parts.append(bad_piece)
        nulls.append(nulled_piece)
    good = pl.concat(goods) if len(goods) > 1 else goods[0]
    del goods
    nulled = pl.concat(nulls)
    if spec.key and good.height:
        good, duplicates = _split_duplicates(raw, good, spec)
        parts.append(duplicates)
        if nulled.height and duplicates.height:
            # a repeated key's row is quarantined after all: its nulled values are not reported twice
            nulled = nulled.join(good.select("rij"), on="rij", how="semi", maintain_order="left")
    quarantine = pl.concat(parts).sort("rij", maintain_order=True)
    return Validated(good, quarantine, nulled.sort("rij", maintain_order=True))


#: Rows checked at once by :func:`validate_table`.
_SLICE_ROWS = 1_000_000


def _check_cells(
    raw: pl.DataFrame, spec: FileSpec, peildatum: dt.date | None, checks: dict[str, KindCheck]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The typed rows to keep, one quarantine row per bad cell of the others, the nulled values."""
    # Each stage is materialised, so later stages refer to plain columns, never to repeated
    # sub-expressions (a reason refers to the value several times).
    staged = (
        raw.lazy()
        .select(
            pl.col("rij"),
            *[text_problem(pl.col(c.name)).alias(_TEXT + c.name) for c in spec.columns],
            *[clean_string(pl.col(c.name)).alias(_CLEAN + c.name) for c in spec.columns],
        )
        .collect()
        .lazy()
        .with_columns(
            [
                checks[c.name].prepare(pl.col(_CLEAN + c.name), c).alias(_PREPARED + c.name)
                for c in spec.columns
            ]
        )
        .collect()
        .lazy()
        .with_columns(
            [
                checks[c.name]
                .parse(pl.col(_PREPARED + c.name), c)
                .cast(checks[c.name].dtype)
                .alias(_VALUE + c.name)
                for c in spec.columns
            ]
        )
        .collect()
    )
    checked = staged.select(
        pl.col("rij"),
        *[pl.col(_VALUE + c.name).alias(c.name) for c in spec.columns],
        *[pl.col(_TEXT + c.name) for c in spec.columns],
        *[
            pl.coalesce(
                pl.col(_TEXT + c.name),
                checks[c.name].reason(
                    pl.col(_CLEAN + c.name), pl.col(_PREPARED + c.name), pl.col(_VALUE + c.name), c
                ),
            ).alias(_REASON + c.name)
            for c in spec.columns
        ],
    )
    del staged
    checked = checked.with_columns(_cross_field_reasons(spec, peildatum)).with_columns(_period_doubts(spec))
    # a value that is not text costs the row in any column (_TEXT); another bad value, per column
    row_cols = [_REASON + c.name for c in spec.columns if c.costs == Invalid.ROW]
    value_cols = [c for c in spec.columns if c.costs == Invalid.VALUE]
    checked = checked.with_columns(
        pl.any_horizontal(
            *[pl.col(r).is_not_null() for r in row_cols],
            *[pl.col(_TEXT + c.name).is_not_null() for c in spec.columns],
        ).alias(_BAD)
    )
    bad = checked.get_column(_BAD)
    failures = _cell_failures(raw, checked, spec, bad, list(spec.columns))
    nulled = _cell_failures(raw, checked, spec, ~bad & _any_reason(checked, value_cols), value_cols)
    doubted = _period_doubt_findings(raw, checked, spec, ~bad)
    if doubted.height:
        nulled = pl.concat([nulled, doubted]).sort("rij", maintain_order=True)
    # the parsed value of an invalid cell is null already, except where a cross-field check rejected it
    good = (
        checked.filter(~bad)
        .with_columns(
            pl.when(pl.col(_REASON + c.name).is_null()).then(pl.col(c.name)).alias(c.name) for c in value_cols
        )
        .select("rij", *spec.names)
    )
    return good, failures, nulled


def _any_reason(checked: pl.DataFrame, columns: list[Column]) -> pl.Series:
    """Where any of ``columns`` has a reason to reject its value."""
    if not columns:
        return pl.repeat(False, checked.height, eager=True)
    return checked.select(
        pl.any_horizontal(pl.col(_REASON + c.name).is_not_null() for c in columns)
    ).to_series()


def _cross_field_reasons(spec: FileSpec, peildatum: dt.date | None) -> list[pl.Expr]:
    """Reasons that need more than one value.

    Periods that end before they start, dates on or after the peildatum; only where the cell itself
    was valid.
    """
    out: list[pl.Expr] = []
    for col in spec.columns:
        if col.before_peildatum and peildatum is not None:
            out.append(
                pl.when(pl.col(_REASON + col.name).is_null() & (pl.col(col.name) >= peildatum))
                .then(pl.lit(f"not before the peildatum {peildatum}"))
                .otherwise(pl.col(_REASON + col.name))
                .alias(_REASON + col.name)
            )
    return out


def _period_doubts(spec: FileSpec) -> list[pl.Expr]:
    """``_DOUBT + end``: a period whose end lies before its start, both dates readable.

    The row is kept with both dates, and reported. The end says the period ended (a Kadaster right
    whose successor begins on its ``datum_einde``, a resident who left); which of the two dates
    was mistyped cannot be told. Nulling the end would turn an ended period into a running one (a
    second current owner, a resident still counted), and quarantining would lose a valid row.
    """
    return [
        pl.when(pl.col(_REASON + end).is_null() & (pl.col(end) < pl.col(start)))
        .then(pl.lit(f"ends before {start}; kept as an ended period, both dates as written"))
        .alias(_DOUBT + end)
        for start, end in spec.periods
    ]


def _period_doubt_findings(
    raw: pl.DataFrame, checked: pl.DataFrame, spec: FileSpec, kept: pl.Series
) -> pl.DataFrame:
    """The kept rows' doubtful periods, in the quarantine's columns (reported with the nulled values)."""
    frames = []
    for _start, end in spec.periods:
        doubt = checked.get_column(_DOUBT + end)
        rows = kept & doubt.is_not_null()
        if not rows.any():
            continue
        col = spec.column(end)
        frames.append(
            pl.DataFrame(
                {
                    "rij": checked.get_column("rij").filter(rows),
                    "waarde": raw.get_column(end).filter(rows),
                    "reden": doubt.filter(rows),
                }
            ).select(
                pl.lit(spec.stem).alias("bestand"),
                pl.col("rij"),
                pl.lit(end).alias("kolom"),
                mask_expr(col, visible(pl.col("waarde"))).alias("waarde"),
                pl.col("reden"),
            )
        )
    if not frames:
        return empty_quarantine()
    return pl.concat(frames).select(list(QUARANTINE_SCHEMA))


def _cell_failures(
    raw: pl.DataFrame, checked: pl.DataFrame, spec: FileSpec, rows: pl.Series, columns: list[Column]
) -> pl.DataFrame:
    """One quarantine row per invalid cell of ``columns`` in ``rows``, by row, then contract order.

    ``rows`` is a mask of ``checked``, whose rows are ``raw``'s.
    """
    if not rows.any():
        return empty_quarantine()
    bad_raw = raw.filter(rows)
    bad = checked.filter(rows).select("rij", *[_REASON + c.name for c in columns])
    names = {c.name for c in columns}
    frames = []
    for i, col in enumerate(spec.columns):
        if col.name not in names:
            continue
        reason = bad.get_column(_REASON + col.name)
        if reason.null_count() == reason.len():
            continue
        cells = pl.DataFrame(
            {"rij": bad.get_column("rij"), "reden": reason, "waarde": bad_raw.get_column(col.name)}
        )
        frames.append(
            cells.filter(pl.col("reden").is_not_null()).select(
                pl.lit(spec.stem).alias("bestand"),
                pl.col("rij"),
                pl.lit(col.name).alias("kolom"),
                mask_expr(col, visible(pl.col("waarde"))).alias("waarde"),
                pl.col("reden"),
                pl.lit(i).alias("__volgorde__"),
            )
        )
    return pl.concat(frames).sort(["rij", "__volgorde__"]).select(list(QUARANTINE_SCHEMA))


def _split_duplicates(
    raw: pl.DataFrame, good: pl.DataFrame, spec: FileSpec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each key; quarantine each later repeat, naming the row it repeats."""
    key = list(spec.key)
    first = good.select(pl.col("rij").min().over(key).alias(_FIRST)).get_column(_FIRST)
    repeat = good.get_column("rij") != first
    if not repeat.any():
        return good, empty_quarantine()
    dups = pl.DataFrame({"rij": good.get_column("rij").filter(repeat), _FIRST: first.filter(repeat)})
    raw_keys = dups.join(raw.select("rij", *key), on="rij", how="left", maintain_order="left")
    key_cols = [spec.column(k) for k in key]
    waarde = (
        mask_expr(key_cols[0], pl.col(key[0]))
        if len(key) == 1
        else pl.concat_str([mask_expr(c, pl.col(c.name)).fill_null("") for c in key_cols], separator=",")
    )
    label = ", ".join(key)
    quarantine = raw_keys.select(
        pl.lit(spec.stem).alias("bestand"),
        pl.col("rij"),
        pl.lit(",".join(key)).alias("kolom"),
        waarde.alias("waarde"),
        # concat_str, not pl.format: polars 2.1's format panics on some filtered/joined frames
        pl.concat_str(pl.lit(f"duplicate key ({label}) of row "), pl.col(_FIRST).cast(pl.String)).alias(
            "reden"
        ),
    )
    return good.filter(~repeat), quarantine
