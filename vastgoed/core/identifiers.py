"""Checks and constructors for the registries' identifiers.

Scalar functions serve tests, the generator and single values; the ``*_expr`` functions are
the same checks as polars expressions, used to validate millions of rows without a Python loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

__all__ = [
    "BAG_TYPES",
    "POSTCODE_RE",
    "bag_id_expr",
    "bag_id_padded_expr",
    "bsn_check",
    "bsn_expr",
    "ean_check_digit",
    "ean_expr",
    "is_valid_bag_id",
    "is_valid_bsn",
    "is_valid_ean",
    "is_valid_kvk_nummer",
    "is_valid_postcode",
    "is_valid_vestigingsnummer",
    "kvk_expr",
    "normalise_bag_id",
    "normalise_bsn",
    "normalise_kvk_nummer",
    "normalise_postcode",
    "postcode_expr",
]

#: BAG object-type codes (positions 5-6 of a 16-digit BAG id).
BAG_TYPES = {
    "verblijfsobject": "01",
    "ligplaats": "02",
    "standplaats": "03",
    "pand": "10",
    "nummeraanduiding": "20",
    "openbare_ruimte": "30",
}

#: Dutch postcode: four digits, the first not zero, then two letters; SA, SD and SS are never issued.
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}(?!SA|SD|SS)[A-Z]{2}$")

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn_check(digits: str) -> int:
    """Return the 11-proef weighted sum of a 9-digit string."""
    return sum(int(d) * w for d, w in zip(digits, _BSN_WEIGHTS, strict=True))


def normalise_bsn(value: str) -> str | None:
    """Return the 9-digit form of a BSN (restoring the leading zero of an 8-digit one), or None."""
    v = value.strip()
    if len(v) == 8 and v.isdigit():
        v = "0" + v
    if len(v) != 9 or not v.isdigit():
        return None
    return v


def is_valid_bsn(value: str) -> bool:
    """True when ``value`` is a BSN: 8 or 9 digits that pass the 11-proef with a positive sum."""
    v = normalise_bsn(value)
    if v is None:
        return False
    s = bsn_check(v)
    return s > 0 and s % 11 == 0


def is_valid_bag_id(value: str, object_type: str) -> bool:
    """True when ``value`` is a 16-digit BAG id of ``object_type`` (a key of :data:`BAG_TYPES`)."""
    return len(value) == 16 and value.isdigit() and value[4:6] == BAG_TYPES[object_type]


def normalise_bag_id(value: str, object_type: str) -> str | None:
    """Return the 16-digit BAG id of ``object_type``, restoring leading zeros a number format dropped.

    A BAG id starts with the 4-digit gemeentecode, which for most municipalities begins with a zero
    (Maastricht ``0935``). Read as a number, ``0935010000000001`` becomes ``935010000000001``; padded
    back to 16 digits it is the only id it can have been. Padding is done only for 13 to 15 digits
    not starting with a zero (a number drops every leading zero, and a gemeentecode is never ``0000``,
    so at most three are lost) and only when the padded id carries the object type's code; anything
    else is None.
    """
    v = value.strip()
    if v.isdigit() and 13 <= len(v) <= 15 and not v.startswith("0"):
        v = v.zfill(16)
    return v if is_valid_bag_id(v, object_type) else None


def normalise_kvk_nummer(value: str) -> str | None:
    """Return the 8-digit form of a KvK number, restoring the leading zeros it lost, or None.

    The rule beside the BSN's: a spreadsheet that read the number as a number dropped its leading
    zeros (``01234567`` -> ``1234567``), and the 8-digit number it was is the only one it can have
    been. So a value of fewer than 8 digits is padded with zeros, unless it starts with a zero itself
    (a number keeps no leading zero: such a value lost a digit, which is not repairable).
    """
    v = value.strip()
    if v.isdigit() and len(v) < 8 and not v.startswith("0"):
        v = v.zfill(8)
    return v if is_valid_kvk_nummer(v) else None


def is_valid_kvk_nummer(value: str) -> bool:
    """True for an 8-digit KvK number."""
    return len(value) == 8 and value.isdigit()


def is_valid_vestigingsnummer(value: str) -> bool:
    """True for a 12-digit vestigingsnummer."""
    return len(value) == 12 and value.isdigit()


def ean_check_digit(first17: str) -> int:
    """GS1 mod-10 check digit for the first 17 digits of an EAN-18 connection code."""
    total = 0
    for i, d in enumerate(reversed(first17)):
        total += int(d) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_ean(value: str) -> bool:
    """True for an 18-digit EAN connection code with a correct GS1 check digit."""
    return len(value) == 18 and value.isdigit() and ean_check_digit(value[:17]) == int(value[17])


def normalise_postcode(value: str) -> str:
    """Upper-case a postcode and drop spaces: ``6211 ab`` -> ``6211AB``."""
    return re.sub(r"\s+", "", value).upper()


def is_valid_postcode(value: str) -> bool:
    """True for a postcode that is valid after :func:`normalise_postcode`."""
    return POSTCODE_RE.match(normalise_postcode(value)) is not None


# --- vectorised forms -------------------------------------------------------------------------


def bsn_expr(col: pl.Expr) -> pl.Expr:
    """Normalise a string column of BSNs: the 9-digit form where valid, else null.

    Worked out on the whole column at once, step by step (:func:`_bsn_series`): as one nested
    expression the normalised value is repeated in every digit's term, and polars computes it
    again for each (fourteen times slower on a shard's 400k registrations).
    """
    return col.map_batches(_bsn_series, return_dtype=pl.String)


def _bsn_series(s: pl.Series) -> pl.Series:
    f = s.cast(pl.String).str.strip_chars().to_frame("v")
    f = f.with_columns(
        pl.when(pl.col("v").str.contains(r"^[0-9]{8}$"))
        .then(pl.lit("0") + pl.col("v"))
        .otherwise(pl.col("v"))
        .alias("v")
    )
    f = f.with_columns(
        pl.when(pl.col("v").str.contains(r"^[0-9]{9}$"))
        .then(pl.col("v"))
        .cast(pl.Int64, strict=False)
        .alias("n")
    )
    f = f.with_columns(_weighted_digits(pl.col("n"), _BSN_WEIGHTS).alias("t"))
    valid = pl.col("n").is_not_null() & (pl.col("t") > 0) & (pl.col("t") % 11 == 0)
    return f.select(pl.when(valid).then(pl.col("v"))).to_series().alias(s.name)


def _weighted_digits(n: pl.Expr, weights: Sequence[int]) -> pl.Expr:
    """The weighted sum of the ``len(weights)`` last digits of an integer column (the first digit first)."""
    k = len(weights)
    return pl.sum_horizontal([(n // 10 ** (k - 1 - i)) % 10 * w for i, w in enumerate(weights)])


def bag_id_expr(col: pl.Expr, object_type: str) -> pl.Expr:
    """True where the string column holds a 16-digit BAG id of ``object_type``."""
    code = BAG_TYPES[object_type]
    return col.str.contains(r"^[0-9]{16}$").fill_null(False) & (col.str.slice(4, 2) == code).fill_null(False)


def bag_id_padded_expr(col: pl.Expr) -> pl.Expr:
    """The string column with the leading zeros of BAG ids read as numbers restored.

    As :func:`normalise_bag_id`; whether the result is an id of the right type is :func:`bag_id_expr`'s.
    """
    return pl.when(col.str.contains(r"^[1-9][0-9]{12,14}$")).then(col.str.zfill(16)).otherwise(col)


def kvk_expr(col: pl.Expr) -> pl.Expr:
    """Normalise a string column of KvK numbers: the 8-digit form where valid, else null.

    A shorter number that lost its leading zeros is padded, as :func:`normalise_kvk_nummer` does.
    """
    col = col.str.strip_chars()
    v = pl.when(col.str.contains(r"^[1-9][0-9]{0,6}$")).then(col.str.zfill(8)).otherwise(col)
    return pl.when(v.str.contains(r"^[0-9]{8}$")).then(v)


def ean_expr(col: pl.Expr) -> pl.Expr:
    """True where the string column holds an EAN-18 with a valid GS1 check digit (see :func:`bsn_expr`)."""
    return col.map_batches(_ean_series, return_dtype=pl.Boolean)


def _ean_series(s: pl.Series) -> pl.Series:
    # the 17 digits before the check digit weighted 3, 1, 3, ... from the right
    weights = [3 if (16 - i) % 2 == 0 else 1 for i in range(17)]
    f = s.cast(pl.String).to_frame("v")
    f = f.with_columns(
        pl.when(pl.col("v").str.contains(r"^[0-9]{18}$"))
        .then(pl.col("v"))
        .cast(pl.Int64, strict=False)
        .alias("n")
    )
    check = (10 - _weighted_digits(pl.col("n") // 10, weights) % 10) % 10
    return f.select((check == pl.col("n") % 10).fill_null(False)).to_series().alias(s.name)


def postcode_expr(col: pl.Expr) -> pl.Expr:
    """Normalise a string column of postcodes; null where the result is not a valid postcode."""
    v = col.str.replace_all(r"\s+", "").str.to_uppercase()
    ok = v.str.contains(r"^[1-9][0-9]{3}[A-Z]{2}$") & ~v.str.slice(4, 2).is_in(["SA", "SD", "SS"])
    return pl.when(ok).then(v).otherwise(None)
