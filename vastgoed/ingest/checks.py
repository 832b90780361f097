"""The contract-driven checks: one small class per column kind.

Every check is a set of polars expressions over a string column, so a file of a million rows is
checked without a Python loop. A check runs in stages, each materialised by the caller, so that no
expression tree repeats an expensive sub-expression:

1. ``prepare``: the cleaned string, normalised (e.g. ``20240101`` -> ``2024-01-01``);
2. ``parse``: the typed value, null where the prepared string is not a valid value;
3. ``problem``: a short English reason where the value is invalid, else null.

Each stage sees only plain column references to the previous stages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import polars as pl

from vastgoed.core.identifiers import (
    bag_id_expr,
    bag_id_padded_expr,
    bsn_expr,
    ean_expr,
    kvk_expr,
    postcode_expr,
)
from vastgoed.core.numbers import (
    AMBIGUOUS_PATTERN,
    DECIMAL_COMMA_PATTERN,
    GROUPED_PATTERN,
    NOTATION_RULES,
    Getalnotatie,
)
from vastgoed.core.schema import Column, Kind
from vastgoed.ingest.encoding import INVALID_BYTES

__all__ = ["EMPTY_REASON", "KindCheck", "clean_string", "kind_check", "text_problem", "visible"]

#: The reason given for an empty value in a column that must have one.
EMPTY_REASON = "empty value in a required column"
_NO_REASON = pl.lit(None, pl.String)
_BOOLS = {
    **dict.fromkeys(("true", "1", "ja", "j", "waar", "yes", "y", "t"), True),
    **dict.fromkeys(("false", "0", "nee", "n", "onwaar", "no", "f"), False),
}


def clean_string(raw: pl.Expr) -> pl.Expr:
    """Strip surrounding whitespace; an empty string becomes null."""
    s = raw.str.strip_chars()
    return pl.when(s.str.len_bytes() > 0).then(s)


#: Control characters no value may hold: C0 but tab, line feed and carriage return (which a quoted
#: field may hold), and DEL. A NUL or an escape in a name or an id is damage, not data.
_CONTROLS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
_CONTROL_CLASS = "[" + "".join(f"\\x{ord(c):02x}" for c in _CONTROLS) + "]"


def text_problem(raw: pl.Expr) -> pl.Expr:
    """Why a value as read is not text at all, null where it is: it costs the row in any column.

    Bytes that are not valid in the file's encoding (:data:`INVALID_BYTES`, see
    :func:`vastgoed.ingest.encoding.decode_bytes`) and control characters (:data:`_CONTROLS`).
    """
    return (
        pl.when(raw.str.contains(INVALID_BYTES, literal=True))
        .then(pl.lit("ongeldige UTF-8-bytes (invalid UTF-8 bytes)"))
        .when(raw.str.contains("\x00", literal=True))
        .then(pl.lit("NUL-teken in de waarde (NUL character in the value)"))
        .when(raw.str.contains(_CONTROL_CLASS))
        .then(pl.lit("stuurteken in de waarde (control character in the value)"))
    )


def visible(raw: pl.Expr) -> pl.Expr:
    """The value as it may be shown in a report: invalid bytes as U+FFFD, a control character escaped."""
    return raw.str.replace_many(
        [INVALID_BYTES, *_CONTROLS], ["\ufffd", *(f"\\x{ord(c):02x}" for c in _CONTROLS)]
    )


def _reason(ok: pl.Expr, text: str) -> pl.Expr:
    return pl.when(ok).then(_NO_REASON).otherwise(pl.lit(text))


class KindCheck(ABC):
    """The check of one column kind; a subclass overrides what differs."""

    dtype: type[pl.DataType] = pl.String
    message: str = "not a valid value"

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        """Normalise the cleaned (stripped, non-empty) string."""
        return s

    @abstractmethod
    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        """Return the typed value of the prepared string, null where it is not a valid value."""

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        """Return why a non-empty value is rejected, null where it is accepted."""
        return _reason(v.is_not_null(), self.message)

    def reason(self, s: pl.Expr, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        """Return why a cell is rejected (including emptiness), null where it is accepted.

        Args:
            s: The cleaned string column.
            p: The prepared string column.
            v: The parsed value column.
            col: The contract column.

        Returns:
            A string expression.

        """
        empty = _NO_REASON if col.nullable else pl.lit(EMPTY_REASON)
        return pl.when(s.is_null()).then(empty).otherwise(self.problem(p, v, col))


class _Str(KindCheck):
    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        if col.pattern is None:
            return p
        return pl.when(p.str.contains(col.pattern)).then(p)

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        if col.pattern is None:
            return _NO_REASON
        return (
            pl.when(v.is_null())
            .then(pl.lit(f"not of the form {col.pattern_hint or col.pattern}"))
            .otherwise(_NO_REASON)
        )


class _Number(KindCheck):
    """A number written in the extract's notation (see :class:`Getalnotatie`), within the column's bounds.

    ``prepare`` gives the number in a program's notation (``-1234.5``), or null where the notation's
    rules refuse the value as written; ``reason`` then says why.
    """

    def __init__(self, notation: Getalnotatie | None) -> None:
        self.notation = notation

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        if self.notation == Getalnotatie.ISO:
            return s
        rule = NOTATION_RULES.get(self.notation) if self.notation is not None else None
        if rule is not None:
            plain = s.str.replace_all(rule.thousands, "", literal=True).str.replace(
                rule.decimal, ".", literal=True
            )
            return pl.when(s.str.contains(rule.pattern)).then(plain)
        refused = s.str.contains(GROUPED_PATTERN) | s.str.contains(AMBIGUOUS_PATTERN)
        comma = pl.when(s.str.contains(DECIMAL_COMMA_PATTERN)).then(s.str.replace(",", ".")).otherwise(s)
        return pl.when(~refused).then(comma)

    def reason(self, s: pl.Expr, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        refused = pl.when(s.is_not_null() & p.is_null()).then(pl.lit(self._refusal()))
        return pl.coalesce(refused, super().reason(s, p, v, col))

    def _refusal(self) -> str:
        """Why a value the notation's rules refuse is not read (Dutch first: users read it)."""
        if self.notation is None:
            return (
                "getal met mogelijk een scheidingsteken voor duizendtallen (1.000: duizend of één?); "
                "het manifest noemt geen getalnotatie, dus niet geraden"
            )
        return f"getal niet in de getalnotatie '{self.notation}' van het manifest"

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        in_range = pl.lit(True)
        if col.min_value is not None:
            in_range = in_range & (v >= col.min_value)
        if col.max_value is not None:
            in_range = in_range & (v <= col.max_value)
        bounds = f"[{_num(col.min_value, '-inf')}, {_num(col.max_value, 'inf')}]"
        return (
            pl.when(v.is_null())
            .then(pl.lit(self.message))
            .when(~in_range)
            .then(pl.lit(f"out of range {bounds}"))
            .otherwise(_NO_REASON)
        )


def _num(x: float | None, unbounded: str) -> str:
    if x is None:
        return unbounded
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else str(x)


class _Int(_Number):
    dtype = pl.Int64
    message = "not an integer"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        # Spreadsheet and Parquet float exports write whole numbers as "12.0"; accept those.
        whole = pl.when(p.str.contains(r"^[+-]?[0-9]+\.0+$")).then(p.str.replace(r"\.0+$", ""))
        return pl.coalesce(p.cast(pl.Int64, strict=False), whole.cast(pl.Int64, strict=False))


class _Float(_Number):
    dtype = pl.Float64
    message = "not a finite number"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        v = p.cast(pl.Float64, strict=False)
        return pl.when(v.is_finite()).then(v)


class _Bool(KindCheck):
    dtype = pl.Boolean
    message = "not a boolean (expected true/false, 1/0, ja/nee)"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return p.str.to_lowercase().replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)


def _iso(s: pl.Expr) -> pl.Expr:
    """``YYYY-MM-DD`` from ``YYYY-MM-DD``, ``YYYYMMDD`` or a midnight timestamp; else unchanged."""
    compact = s.str.contains(r"^[0-9]{8}$")
    iso = pl.concat_str(s.str.slice(0, 4), pl.lit("-"), s.str.slice(4, 2), pl.lit("-"), s.str.slice(6, 2))
    dashed = s.str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(?::00(?:\.0+)?)?$", "${1}")
    return pl.when(compact).then(iso).otherwise(dashed)


class _Date(KindCheck):
    dtype: type[pl.DataType] = pl.Date
    message = "not a date (expected YYYY-MM-DD)"

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        return _iso(s)

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        shaped = p.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        return pl.when(shaped).then(p.str.to_date("%Y-%m-%d", strict=False))


class _PartialDate(_Date):
    """A date whose unknown month and day, or unknown day, are written ``00``; kept as a string."""

    dtype = pl.String
    message = "not a date (expected YYYY-MM-DD, unknown parts as 00)"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        full = super().parse(p, col).is_not_null()
        month = p.str.slice(5, 2)
        month_ok = (month == "00") | month.cast(pl.Int32, strict=False).is_between(1, 12)
        partial = (
            p.str.contains(r"^[0-9]{4}-[0-9]{2}-00$")
            & (p.str.slice(0, 4) != "0000")
            & month_ok.fill_null(False)
        )
        return pl.when(full | partial).then(p)


class _Bsn(KindCheck):
    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return bsn_expr(p)

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        return (
            pl.when(v.is_not_null())
            .then(_NO_REASON)
            .when(p.str.contains(r"^[0-9]{8,9}$"))
            .then(pl.lit("fails the 11-proef"))
            .otherwise(pl.lit("not a BSN (expected 9 digits)"))
        )


class _BagId(KindCheck):
    def __init__(self, object_type: str, code: str) -> None:
        self.object_type = object_type
        self.message = f"not a BAG {object_type} id (16 digits, type code {code})"

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        # an id read as a number lost the zeros of its gemeentecode (normalise_bag_id)
        return bag_id_padded_expr(s)

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return pl.when(bag_id_expr(p, self.object_type)).then(p)


class _Digits(KindCheck):
    def __init__(self, n: int, label: str) -> None:
        self.pattern = f"^[0-9]{{{n}}}$"
        self.message = f"not a {label} ({n} digits)"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return pl.when(p.str.contains(self.pattern)).then(p)


class _Kvk(KindCheck):
    """8 digits; a shorter number lost its leading zeros and is padded (``normalise_kvk_nummer``)."""

    message = "not a KvK number (8 digits, or fewer that lost their leading zeros)"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return kvk_expr(p)


class _Ean(KindCheck):
    message = "not an EAN code (18 digits with a valid check digit)"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return pl.when(ean_expr(p)).then(p)


class _Postcode(KindCheck):
    message = "not a valid postcode"

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        return postcode_expr(p)


def _enum_key(e: pl.Expr) -> pl.Expr:
    """Case- and whitespace-insensitive form of an enumeration value."""
    return e.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


class _Enum(KindCheck):
    """One of the column's values, matched regardless of case and spacing."""

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        return _enum_key(s)

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        lookup = {" ".join(v.split()).lower(): v for v in col.values}
        return p.replace_strict(lookup, default=None, return_dtype=pl.String)

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        return pl.when(v.is_not_null()).then(_NO_REASON).otherwise(_not_in(p, col))


def _not_in(bad: pl.Expr, col: Column) -> pl.Expr:
    allowed = "[" + ", ".join(col.values) + "]"
    if col.identifier:
        return pl.lit(f"value not in {allowed}")
    return pl.concat_str(pl.lit("value '"), bad, pl.lit(f"' not in {allowed}"))


class _MultiEnum(_Enum):
    """``;``-separated values of the column's enumeration; empty parts are ignored."""

    def prepare(self, s: pl.Expr, col: Column) -> pl.Expr:
        parts = s.str.split(";").list.eval(_enum_key(pl.element()))
        return parts.list.eval(pl.element().filter(pl.element() != "")).list.join(";")

    def parse(self, p: pl.Expr, col: Column) -> pl.Expr:
        lookup = {" ".join(v.split()).lower(): v for v in col.values}
        mapped = p.str.split(";").list.eval(
            pl.element().replace_strict(lookup, default=None, return_dtype=pl.String)
        )
        ok = (p != "") & ~mapped.list.eval(pl.element().is_null()).list.any()
        return pl.when(ok).then(mapped.list.join(";"))

    def problem(self, p: pl.Expr, v: pl.Expr, col: Column) -> pl.Expr:
        known = [" ".join(x.split()).lower() for x in col.values]
        first_bad = p.str.split(";").list.eval(pl.element().filter(~pl.element().is_in(known))).list.first()
        return (
            pl.when(v.is_not_null())
            .then(_NO_REASON)
            .when(p == "")
            .then(pl.lit("no value"))
            .otherwise(_not_in(first_bad, col))
        )


_CHECKS: dict[Kind, KindCheck] = {
    Kind.STR: _Str(),
    Kind.BOOL: _Bool(),
    Kind.DATE: _Date(),
    Kind.PARTIAL_DATE: _PartialDate(),
    Kind.BSN: _Bsn(),
    Kind.VBO_ID: _BagId("verblijfsobject", "01"),
    Kind.NUM_ID: _BagId("nummeraanduiding", "20"),
    Kind.PAND_ID: _BagId("pand", "10"),
    Kind.KVK: _Kvk(),
    Kind.VESTIGING: _Digits(12, "vestigingsnummer"),
    Kind.EAN: _Ean(),
    Kind.POSTCODE: _Postcode(),
    Kind.ENUM: _Enum(),
    Kind.MULTI_ENUM: _MultiEnum(),
}


#: The number checks, by kind and the notation they read.
_NUMBERS: dict[tuple[Kind, Getalnotatie | None], KindCheck] = {
    (kind, notation): check(notation)
    for kind, check in ((Kind.INT, _Int), (Kind.FLOAT, _Float))
    for notation in (None, *Getalnotatie)
}


def kind_check(kind: Kind, notation: Getalnotatie | None = None) -> KindCheck:
    """Return the check of a column kind; a number column's reads ``notation`` (None: unstated)."""
    return _NUMBERS.get((kind, notation)) or _CHECKS[kind]
