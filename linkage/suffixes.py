"""Reading a source's huisletter and huisnummertoevoeging as the BAG writes them.

The BAG writes the suffix of a house number one way: a huisletter (one letter) and a
huisnummertoevoeging (at most four letters or digits). Every other registry writes it its own way:
``12-A``, ``12 a``, ``12A-2``, ``12-002``, and utility and Kadaster extracts also floor words
(``12 hs``, ``12 bg``, ``12-1hoog``, ``12 2e verd``, ``12-II``), ``bis``, or a marker that the
connection serves the whole building (``12 coll``, ``12 CV``). :func:`read_suffix` reads such a
text as a :class:`SuffixReading`:

- ``key``: the suffix as one key of letters and digits, lower case, leading zeros of a number
  dropped (``A-2`` -> ``a2``, ``002`` -> ``2``): the key the BAG's own letter and toevoeging give
  for the same suffix (:func:`linkage.addresses.suffix_key_expr`). None when the text cannot be read.
- ``alternatives``: other keys the BAG may write the same suffix as, tried when ``key`` names no
  object at that number: a floor word is the floor's number or roman numeral (``2e verd`` -> ``2``,
  ``ii``), a ground floor also ``h``/``hs``/``bg``/``0`` or no suffix at all (``12 hs`` is ``12``
  when ``12``, ``12-1`` and ``12-2`` exist), a roman numeral its number and the other way round
  (``I``, ``V`` and ``X`` alone are letters first, numbers only as an alternative).
  Which of them the BAG uses differs per municipality; the matching takes an alternative only when
  exactly one object at that address has any of them.
- ``reason``: why the suffix cannot be matched: :data:`COLLECTIVE` (a collective connection
  belongs to no one object, and is matched to none) or :data:`NOT_UNDERSTOOD` (the text is none of
  the above: the record is left out of every step that needs the suffix, never guessed).

Letter positions (``boven``, ``achter``) are not translated into letters or numbers: whether
``12 boven`` is ``12A``, ``12-1`` or ``12B`` is a municipality's own convention.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["COLLECTIVE", "NOT_UNDERSTOOD", "SuffixReading", "read_suffix"]

#: The reason of a suffix that marks a connection serving a whole building or complex.
COLLECTIVE = "collective connection"
#: The reason of a suffix that cannot be read as a BAG suffix.
NOT_UNDERSTOOD = "suffix not understood"


@dataclass(frozen=True)
class SuffixReading:
    """A suffix as the BAG would write it (see the module docstring).

    Attributes:
        key: The literal key (``""`` for no suffix); None when the suffix cannot be matched.
        alternatives: Other keys the BAG may write it as, in no order.
        reason: Why it cannot be matched (:data:`COLLECTIVE`, :data:`NOT_UNDERSTOOD`); else None.
    """

    key: str | None
    alternatives: tuple[str, ...] = ()
    reason: str | None = None


# The BAG's suffix: one letter and up to four letters or digits, so at most five characters as a key.
_MAX_KEY = 5

# Words and abbreviations for "the whole building": a shared (collective) connection, block heating,
# the owners' association, a construction supply, a common area. Whole tokens, or tokens starting so.
_COLLECTIVE_WORDS = frozenset(
    {"gem", "alg", "cv", "vve", "wko", "lift", "portiek", "complex", "gez", "inst", "hal", "blok"}
)
_COLLECTIVE_STARTS = (
    "coll",
    "gemeensch",
    "gezamen",
    "gedeeld",
    "algeme",
    "blokverw",
    "blokaansl",
    "ketel",
    "stook",
    "verzamel",
    "hoofdmeter",
    "bouwstroom",
    "bouwaansl",
    "bouwwerk",
    "trappenh",
    "centrale",
    "stadsverw",
    "wijkverw",
    "warmte",
    "install",
    "gebouw",
)

# Ground floor: huis (``H``, ``hs``, Amsterdam's ``12-H``), begane grond (``bg``, ``beg``), parterre.
_GROUND = frozenset(
    {"h", "hs", "huis", "bg", "beg", "begane", "grond", "parterre", "part", "pt", "beneden", "ben"}
)
# What the BAG may write a ground floor as (keys): no suffix, or one of these.
_GROUND_KEYS = ("", "0", "h", "hs", "huis", "bg", "beg")
_BASEMENT = frozenset({"sous", "sout", "souterrain", "kelder", "kld"})
_BASEMENT_KEYS = ("sous", "sout", "souterrain", "kelder", "kld")
# ``1hoog``, ``2 hg``, ``3e verd``, ``2e verdieping``, ``1e etage``, ``2 woonlaag``.
_FLOOR_WORDS = frozenset(
    {"hoog", "hg", "verd", "verdieping", "vd", "etage", "et", "eta", "woonlaag", "wl", "op"}
)
_ORDINAL_MARKS = frozenset({"e", "de", "ste", "st"})
_ORDINAL_WORDS = {
    "eerste": 1,
    "tweede": 2,
    "derde": 3,
    "vierde": 4,
    "vijfde": 5,
    "zesde": 6,
    "zevende": 7,
    "achtste": 8,
    "negende": 9,
    "tiende": 10,
}
_NONE = frozenset({"nvt", "geen"})
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
    "xiii": 13,
    "xiv": 14,
    "xv": 15,
    "xvi": 16,
    "xvii": 17,
    "xviii": 18,
    "xix": 19,
    "xx": 20,
}
_ROMAN_OF = {n: r for r, n in _ROMAN.items()}
_TOKENS = re.compile(r"[a-z]+|[0-9]+")


def _fold(text: str) -> str:
    """Lower case, compatibility forms (``Ⅱ`` -> ``ii``, ``²`` -> ``2``) and no diacritics."""
    nfkd = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower()


def _literal(tokens: list[str]) -> str:
    """The tokens as one key, leading zeros of each number dropped (``a``, ``02`` -> ``a2``)."""
    return "".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens)


def _is_collective(tokens: list[str]) -> bool:
    return any(t in _COLLECTIVE_WORDS or t.startswith(_COLLECTIVE_STARTS) for t in tokens)


def _floor_number(tokens: list[str]) -> int | None:
    """The floor a floor phrase names (0 for the ground floor, -1 a basement); None if it is none."""
    if not tokens:
        return None
    if set(tokens) <= _GROUND:
        return 0
    if set(tokens) <= _BASEMENT:
        return -1
    head, rest = tokens[0], tokens[1:]
    if head.isdigit():
        n = int(head)
    elif head in _ORDINAL_WORDS:
        n = _ORDINAL_WORDS[head]
    elif head in _ROMAN and len(head) > 1 and rest:
        n = _ROMAN[head]
    else:
        return None
    if rest and rest[0] in _ORDINAL_MARKS:
        rest = rest[1:]
        marked = True
    else:
        marked = head in _ORDINAL_WORDS
    if not rest:
        # ``2e`` alone is a floor; a bare number is a toevoeging, read literally
        return n if marked else None
    return n if len(rest) == 1 and rest[0] in _FLOOR_WORDS else None


def _floor_keys(n: int) -> tuple[str, ...]:
    if n == 0:
        return _GROUND_KEYS
    if n < 0:
        return _BASEMENT_KEYS
    return (str(n), _ROMAN_OF[n]) if n in _ROMAN_OF else (str(n),)


def _number_keys(tokens: list[str]) -> tuple[str, ...]:
    """A bare number's roman numeral, a roman numeral's number (1 to 20).

    ``I``, ``V`` and ``X`` alone are letters first: their number is only an alternative.
    """
    if len(tokens) != 1:
        return ()
    t = tokens[0]
    if t.isdigit() and 1 <= int(t) <= 20:
        return (_ROMAN_OF[int(t)],)
    if t in _ROMAN:
        return (str(_ROMAN[t]),)
    return ()


def read_suffix(letter: str | None, toevoeging: str | None) -> SuffixReading:
    """Read a huisletter and huisnummertoevoeging, as a source wrote them, as the BAG's suffix.

    Args:
        letter: The huisletter as written (may be empty, or hold the whole suffix).
        toevoeging: The huisnummertoevoeging as written.

    Returns:
        The reading: the key, the alternative keys, and a reason where it cannot be matched.
    """
    text = _fold(" ".join(p for p in (letter, toevoeging) if p))
    tokens = _TOKENS.findall(text)
    if not tokens:
        # nothing, or only separators (``-``, ``.``): no suffix; any other sign (``?``) is not one
        if re.sub(r"[\s\-._/]", "", text):
            return SuffixReading(None, (), NOT_UNDERSTOOD)
        return SuffixReading("")
    if _is_collective(tokens):
        return SuffixReading(None, (), COLLECTIVE)
    key = _literal(tokens)
    if key in _NONE:
        return SuffixReading("")
    floor = _floor_number(tokens)
    prefix = ""
    if floor is None and len(tokens) > 1 and len(tokens[0]) == 1 and tokens[0].isalpha():
        # a huisletter and a floor: ``A 1hoog``
        floor = _floor_number(tokens[1:])
        prefix = tokens[0]
    if floor is not None:
        alternatives = tuple(prefix + k for k in _floor_keys(floor)) + ((prefix,) if prefix else ())
        return SuffixReading(key, tuple(a for a in alternatives if a != key))
    if len(key) > _MAX_KEY:
        return SuffixReading(None, (), NOT_UNDERSTOOD)
    return SuffixReading(key, _number_keys(tokens))
