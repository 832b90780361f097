"""CSV files that are safe to open in a spreadsheet (OWASP's rule against CSV injection).

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a tab or
carriage return at the start of a cell can hide one; a street name or a trade name from a registry
could thus run a command or open a link on an analyst's machine. :func:`spreadsheet_safe` puts a
single quote before every such text cell, as OWASP's CSV-injection page prescribes, so the cell is
shown as text. Every CSV the engine writes goes through it: ``frame = spreadsheet_safe(frame)`` just
before ``frame.write_csv(...)``.

Only text is touched: numeric, date and boolean columns are written as they are (a column of
negative numbers is not text). Parquet outputs stay raw: they are data read back by programs, not
sheets opened by people. The registry extracts the synthetic generator writes stay raw as well: they
stand in for a municipality's own exports, which the engine must read as they come.
"""

from __future__ import annotations

import polars as pl

__all__ = ["FORMULA_TRIGGER", "spreadsheet_safe"]

#: A text cell a spreadsheet may read as a formula: it starts with a tab or a carriage return, or,
#: after any leading whitespace, with ``=``, ``+``, ``-`` or ``@``.
FORMULA_TRIGGER = r"^(?:[\t\r]|\s*[=+\-@])"

#: What goes before such a cell so a spreadsheet shows it as text.
_ESCAPE = "'"

_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell a spreadsheet could read as a formula prefixed with ``'``.

    Text columns (string, categorical, enum) come back as strings, with the same values except the
    prefixed ones; nulls stay null; other columns are returned untouched.
    """
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, _TEXT_TYPES)]
    return frame.with_columns(_neutralised(pl.col(name).cast(pl.String)).alias(name) for name in text)


def _neutralised(cell: pl.Expr) -> pl.Expr:
    return pl.when(cell.str.contains(FORMULA_TRIGGER)).then(pl.lit(_ESCAPE) + cell).otherwise(cell)
