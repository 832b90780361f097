"""Numbers: how Dutch readers read them, and how extracts may write them.

The one formatter of every page, document and export (:func:`format_number`), and the notations
an extract's numbers may be written in (:class:`Getalnotatie`: read by declared rules, never guessed).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AMBIGUOUS_PATTERN",
    "DECIMAL_COMMA_PATTERN",
    "GROUPED_PATTERN",
    "NOTATION_RULES",
    "Getalnotatie",
    "NotationRule",
    "finite",
    "format_number",
]


def format_number(value: float | None, decimals: int = 0) -> str:
    """A number in Dutch notation: ``.`` between thousands, ``,`` before the decimals.

    Args:
        value: The number; ``None``, NaN and infinity are unknown.
        decimals: Digits after the comma (rounded as Python formats floats).

    Returns:
        For example ``"2.900"``, ``"0,35"`` or ``"-1.234,5"``; ``"onbekend"`` when there is no
        finite number.
    """
    v = finite(value)
    if v is None:
        return "onbekend"
    decimals = max(decimals, 0)
    text = f"{v:,.{decimals}f}"
    if text.lstrip("-").strip("0,.") == "":  # "-0" or "-0,00" after rounding
        text = text.lstrip("-")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def finite(value: object) -> float | None:
    """The value as a finite float, or ``None`` (for ``None``, NaN, infinity and non-numbers)."""
    if value is None or isinstance(value, str):
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


class Getalnotatie(StrEnum):
    """How an extract writes its numbers: stated in the manifest (``getalnotatie``), never guessed.

    Without a stated notation, a number with a grouping of thousands (``1.250.000``, ``1 234``,
    ``1,234,567``) or one separator followed by exactly three digits after a leading group of one to
    three digits (``1.000``, ``250.000``, ``1,234``: a thousand, or one?) is refused as a value.
    """

    #: ``.`` between thousands, ``,`` before the decimals: ``1.234.567,5``.
    NL = "nl"
    #: ``,`` between thousands, ``.`` before the decimals: ``1,234,567.5``.
    EN = "en"
    #: As a program writes numbers: no grouping, ``.`` before the decimals (``1234567.5``, ``1.5e-07``).
    ISO = "iso"


@dataclass(frozen=True)
class NotationRule:
    """The separators of a notation that groups thousands."""

    thousands: str
    decimal: str

    @property
    def pattern(self) -> str:
        """A number in this notation, as a regular expression.

        Digits, or groups of three after a first group of one to three digits (not a lone zero);
        then, optionally, the decimals.
        """
        t, d = re.escape(self.thousands), re.escape(self.decimal)
        return rf"^[+-]?(?:[0-9]*|[1-9][0-9]{{0,2}}(?:{t}[0-9]{{3}})+)(?:{d}[0-9]+)?$"


#: The notations that group thousands, and their separators.
NOTATION_RULES: dict[Getalnotatie, NotationRule] = {
    Getalnotatie.NL: NotationRule(thousands=".", decimal=","),
    Getalnotatie.EN: NotationRule(thousands=",", decimal="."),
}

#: Without a stated notation: a number that groups its thousands (any of ``.``, ``,``, space).
GROUPED_PATTERN = r"^[+-]?[1-9][0-9]{0,2}(?:[., \u00a0\u202f][0-9]{3})+(?:[.,][0-9]+)?$"
#: Without a stated notation: one ``.`` or ``,`` after one to three digits (not a lone zero), then
#: exactly three digits. ``0.125`` and ``1234.567`` are not ambiguous: no grouping starts so.
AMBIGUOUS_PATTERN = r"^[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}$"
#: Without a stated notation: a decimal comma as the only separator (``12,5``), read as a point.
DECIMAL_COMMA_PATTERN = r"^[+-]?[0-9]*,[0-9]+$"
