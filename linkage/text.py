"""Text folding shared by the address, company and person normalisers."""

from __future__ import annotations

import polars as pl

__all__ = ["fold_text"]

# Letters that Unicode decomposition (NFKD) does not reduce to a base letter plus a mark: without
# this, ``Yılmaz`` folds to ``y lmaz`` and ``Michał`` to ``micha``.
_UNDECOMPOSABLE: tuple[tuple[str, str], ...] = (
    ("ı", "i"),
    ("ł", "l"),
    ("Ł", "L"),
    ("ø", "o"),
    ("Ø", "O"),
    ("đ", "d"),
    ("Đ", "D"),
    ("ð", "d"),
    ("þ", "th"),
    ("ß", "ss"),
    ("æ", "ae"),
    ("Æ", "Ae"),
    ("œ", "oe"),
    ("Œ", "Oe"),
)


def fold_text(col: pl.Expr) -> pl.Expr:
    """Lower case without diacritics: ``Çelik`` -> ``celik``, ``Yılmaz`` -> ``yilmaz``, ``ß`` -> ``ss``."""
    for letter, plain in _UNDECOMPOSABLE:
        col = col.str.replace_all(letter, plain, literal=True)
    return col.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
