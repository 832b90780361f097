"""The contract-driven checks: for each column kind, a normalised value and a reason when it is invalid.

Every check is a polars expression over a string column, so a file of a million rows is checked
without a Python loop. A check gives two expressions: the typed, normalised value, and a reason
(a short English string) that is null where the value is acceptable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from vastgoed.core.identifiers import bag_id_expr, bsn_expr, ean_expr, postcode_expr
from vastgoed.core.schema import Column, Kind

__all__ = ["Checked", "check_column", "clean_string", "output_dtype"]

_TRUE = ("true", "1", "ja", "j", "waar", "yes", "y", "t")
_FALSE = ("false", "0", "nee", "n", "onwaar", "no", "f")
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_EMPTY = "empty value in a required column"

_DTYPES: dict[Kind, type[pl.DataType]] = {
    Kind.INT: pl.Int64,
    Kind.FLOAT: pl.Float64,
    Kind.BOOL: pl.Boolean,
    Kind.DATE: pl.Date,
}

_BAG_LABELS = {
    Kind.VBO_ID: ("verblijfsobject", "01"),
    Kind.NUM_ID: ("nummeraanduiding", "20"),
    Kind.PAND_ID: ("pand", "10"),
}


@dataclass(frozen=True)
class Checked:
    """A column's check.

    Attributes:
        value: The normalised, typed value; null where the input is empty or invalid.
        reason: Why the value is rejected; null where it is accepted.

    """

    value: pl.Expr
    reason: pl.Expr


def output_dtype(kind: Kind) -> type[pl.DataType]:
    """Return the polars type a column of ``kind`` has in the ingested tables."""
    return _DTYPES.get(kind, pl.String)


def clean_string(raw: pl.Expr) -> pl.Expr:
    """Strip surrounding whitespace; an empty string becomes null."""
    s = raw.str.strip_chars()
    return pl.when(s.str.len_bytes() > 0).then(s)


def check_column(col: Column, raw: pl.Expr) -> Checked:
    """Build the check of one contract column.

    Args:
        col: The contract column.
        raw: The column as read, a string expression.

    Returns:
        The normalised value and the rejection reason, as expressions.

    """
    s = clean_string(raw)
    value, bad = _KIND_CHECKS[col.kind](s, col)
    empty = pl.lit(None, pl.String) if col.nullable else pl.lit(_EMPTY)
    reason = pl.when(s.is_null()).then(empty).otherwise(bad)
    return Checked(value.cast(output_dtype(col.kind)), reason)


# --- one function per kind: (cleaned string) -> (value, reason where the value is not null) -------

_KindCheck = Callable[[pl.Expr, Column], tuple[pl.Expr, pl.Expr]]


def _reason(ok: pl.Expr, text: str) -> pl.Expr:
    return pl.when(ok).then(pl.lit(None, pl.String)).otherwise(pl.lit(text))


def _range_reason(value: pl.Expr, parsed_ok: pl.Expr, col: Column, what: str) -> pl.Expr:
    lo, hi = col.min_value, col.max_value
    in_range = pl.lit(True)
    if lo is not None:
        in_range = in_range & (value >= lo)
    if hi is not None:
        in_range = in_range & (value <= hi)
    bounds = f"[{_num(lo, '-inf')}, {_num(hi, 'inf')}]"
    return (
        pl.when(~parsed_ok)
        .then(pl.lit(f"not {what}"))
        .when(~in_range)
        .then(pl.lit(f"out of range {bounds}"))
        .otherwise(pl.lit(None, pl.String))
    )


def _num(x: float | None, unbounded: str) -> str:
    if x is None:
        return unbounded
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else str(x)


def _check_str(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    return s, pl.lit(None, pl.String)


def _check_int(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    # Spreadsheet and Parquet float exports write whole numbers as "12.0"; accept those.
    digits = s.str.replace(r"^([+-]?[0-9]+)\.0*$", "${1}")
    value = pl.when(digits.str.contains(r"^[+-]?[0-9]+$")).then(digits.cast(pl.Int64, strict=False))
    parsed = value.is_not_null()
    ok_value = pl.when(parsed).then(value)
    reason = _range_reason(ok_value, parsed, col, "an integer")
    return pl.when(reason.is_null()).then(value), reason


def _check_float(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    # A decimal comma (Dutch exports) is accepted when it is the only separator.
    dotted = pl.when(s.str.contains(r"^[+-]?[0-9]*,[0-9]+$")).then(s.str.replace(",", ".")).otherwise(s)
    value = dotted.cast(pl.Float64, strict=False)
    parsed = value.is_not_null() & value.is_finite()
    reason = _range_reason(pl.when(parsed).then(value), parsed, col, "a finite number")
    return pl.when(reason.is_null()).then(value), reason


def _check_bool(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    value = s.str.to_lowercase().replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)
    return value, _reason(value.is_not_null(), "not a boolean (expected true/false, 1/0, ja/nee)")


def _iso(s: pl.Expr) -> pl.Expr:
    """``YYYY-MM-DD`` from ``YYYY-MM-DD``, ``YYYYMMDD`` or a midnight timestamp; null otherwise."""
    compact = s.str.contains(r"^[0-9]{8}$")
    iso = pl.concat_str(s.str.slice(0, 4), pl.lit("-"), s.str.slice(4, 2), pl.lit("-"), s.str.slice(6, 2))
    dashed = s.str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$", "${1}")
    return (
        pl.when(compact)
        .then(iso)
        .when(dashed.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
        .then(dashed)
        .otherwise(pl.lit(None, pl.String))
    )


def _check_date(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    value = _iso(s).str.to_date("%Y-%m-%d", strict=False)
    return value, _reason(value.is_not_null(), "not a date (expected YYYY-MM-DD)")


def _check_partial_date(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    iso = _iso(s)
    year, month, day = iso.str.slice(0, 4), iso.str.slice(5, 2), iso.str.slice(8, 2)
    full = iso.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    month_ok = month.cast(pl.Int32, strict=False).is_between(1, 12)
    partial = (year != "0000") & (day == "00") & ((month == "00") | month_ok)
    ok = iso.is_not_null() & (full | partial)
    reason = _reason(ok.fill_null(False), "not a date (expected YYYY-MM-DD, unknown parts as 00)")
    return pl.when(ok).then(iso), reason


def _check_bsn(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    value = bsn_expr(s)
    shaped = s.str.contains(r"^[0-9]{8,9}$")
    reason = (
        pl.when(value.is_not_null())
        .then(pl.lit(None, pl.String))
        .when(shaped)
        .then(pl.lit("fails the 11-proef"))
        .otherwise(pl.lit("not a BSN (expected 9 digits)"))
    )
    return value, reason


def _check_bag(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    object_type, code = _BAG_LABELS[col.kind]
    ok = bag_id_expr(s, object_type)
    return pl.when(ok).then(s), _reason(ok, f"not a BAG {object_type} id (16 digits, type code {code})")


def _digits(n: int, label: str) -> _KindCheck:
    def check(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
        ok = s.str.contains(f"^[0-9]{{{n}}}$")
        return pl.when(ok).then(s), _reason(ok, f"not a {label} ({n} digits)")

    return check


def _check_ean(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    ok = ean_expr(s)
    return pl.when(ok).then(s), _reason(ok, "not an EAN code (18 digits with a valid check digit)")


def _check_postcode(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    value = postcode_expr(s)
    return value, _reason(value.is_not_null(), "not a valid postcode")


def _enum_key(e: pl.Expr) -> pl.Expr:
    """Case- and whitespace-insensitive form of an enumeration value."""
    return e.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def _enum_lookup(values: tuple[str, ...]) -> dict[str, str]:
    return {" ".join(v.split()).lower(): v for v in values}


def _allowed(col: Column) -> str:
    return "[" + ", ".join(col.values) + "]"


def _not_in(bad: pl.Expr, col: Column) -> pl.Expr:
    if col.identifier:
        return pl.lit(f"value not in {_allowed(col)}")
    return pl.concat_str(pl.lit("value '"), bad, pl.lit(f"' not in {_allowed(col)}"))


def _check_enum(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    value = _enum_key(s).replace_strict(_enum_lookup(col.values), default=None, return_dtype=pl.String)
    reason = pl.when(value.is_not_null()).then(pl.lit(None, pl.String)).otherwise(_not_in(s, col))
    return value, reason


def _check_multi_enum(s: pl.Expr, col: Column) -> tuple[pl.Expr, pl.Expr]:
    lookup = _enum_lookup(col.values)
    parts = s.str.split(";").list.eval(_enum_key(pl.element()).filter(pl.element().str.strip_chars() != ""))
    mapped = parts.list.eval(pl.element().replace_strict(lookup, default=None, return_dtype=pl.String))
    first_bad = parts.list.eval(pl.element().filter(~pl.element().is_in(list(lookup)))).list.first()
    ok = (mapped.list.len() > 0) & ~mapped.list.eval(pl.element().is_null()).list.any()
    reason = (
        pl.when(ok)
        .then(pl.lit(None, pl.String))
        .when(first_bad.is_null())
        .then(pl.lit("no value"))
        .otherwise(_not_in(first_bad, col))
    )
    return pl.when(ok).then(mapped.list.join(";")), reason


_KIND_CHECKS: dict[Kind, _KindCheck] = {
    Kind.STR: _check_str,
    Kind.INT: _check_int,
    Kind.FLOAT: _check_float,
    Kind.BOOL: _check_bool,
    Kind.DATE: _check_date,
    Kind.PARTIAL_DATE: _check_partial_date,
    Kind.BSN: _check_bsn,
    Kind.VBO_ID: _check_bag,
    Kind.NUM_ID: _check_bag,
    Kind.PAND_ID: _check_bag,
    Kind.KVK: _digits(8, "KvK number"),
    Kind.VESTIGING: _digits(12, "vestigingsnummer"),
    Kind.EAN: _check_ean,
    Kind.POSTCODE: _check_postcode,
    Kind.ENUM: _check_enum,
    Kind.MULTI_ENUM: _check_multi_enum,
}
