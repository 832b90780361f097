"""Numbers as Dutch readers read them: the one formatter of every page, document and export."""

from __future__ import annotations

import math

__all__ = ["finite", "format_number"]


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
