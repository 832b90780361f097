"""Privacy gate of a run: no direct identifier in what the engine writes, and old runs purged.

**The scan** (:func:`scan_paths`, :func:`check_paths`) reads a run's outputs and MLflow artefacts
and reports every *direct identifier* it finds: a citizen service number (BSN), the full name of a
natural person, a birth date, or a column that exists to hold one of these. The data contract
promises that no such value leaves the engine; this scan is the check that the promise holds, run
on the files themselves rather than on the code that wrote them.

What is flagged, and why the rules are no wider:

* ``bsn``: a 9-digit number that passes the 11-proef, standing alone: not inside a longer run of
  digits or letters (a 16-digit BAG id, a sha256 digest, a run id) and not part of a decimal
  (``0.123456782``). Dashes, underscores and other punctuation around it do not protect it.
  Written in groups it counts too, when its digits pass the 11-proef: the printed form
  ``0100.05.833`` and three groups of three (``010 005 833``, ``010-005-833``, ``010.005.833``),
  each with one separator throughout; three groups of three joined by *dots* not starting with a
  zero are how Dutch writes an amount (``€ 123.456.782``), so that form counts only with BSN
  context (below) or when it is a known BSN. An 8-digit number counts when it is a known BSN of
  the input whose leading zero was lost (``10020081`` for ``010020081``; known by its pseudonym,
  see :class:`KnownIdentifiers`), or with BSN context: in a column or JSON key named like a BSN,
  or after the word BSN/burgerservicenummer/sofinummer in the same text (within 30 characters).
  Other 8-digit numbers are mostly KvK numbers, dates (``19700101``) and the first group of a
  UUID, and one in eleven of them passes the 11-proef once padded.
  Table cells are checked when they are strings or integers; floats never (a decimal is not an
  identifier). In JSON every string value is checked, but a *number* only under a key whose name
  suggests an identifier (``bsn``, ``burgerservicenummer``, ``sofi``): counts, byte sizes and
  timings in ``run.json`` are numbers, and one in eleven 9-digit ones would pass the 11-proef.
* ``naam``: with :class:`KnownIdentifiers`, a run of 2 or more adjacent words of a text that are,
  *in any order*, the words of a known name (matched case-, accent- and punctuation-insensitively,
  with dots kept in initials: ``J.P. de Vries``; commas and other punctuation between the words do
  not count). The names of a person of the BRP or the KvK are the surname with its particles
  together with all given names, with each given name alone, or with the initials of all given
  names: ``Hofens, Fleur Josephina``, ``Josephina Hofens``, ``Fleur Hofens``, ``F.J. Hofens``,
  ``Hofens, F.J.`` and ``Vries, Jan de`` are names; ``Hofens 12`` (a street that equals a surname),
  ``F. Hofens`` (a first initial alone), ``Fleur 3 Hofens`` (a word between) are not. A lone
  surname never counts: surnames are common words and parts of street names (``Bakkerstraat``).
  A raw name (Kadaster, permits) is a name in any order of its own words. Without known names no
  name is flagged: there is no reliable way to tell a person's name from a street or a company by
  its shape alone.
* ``geboortedatum``: (a) a date in a column or under a JSON key named like a birth date
  (``geboorte``, ``birth``, ``dob``); (b) a date right after ``geboren``, ``geboortedatum``,
  ``geb.``, ``born``, ``date of birth`` or ``dob``; (c) with known identifiers, a known birth date in the
  same table row, JSON object or text line as a known name. A date is not flagged merely because
  it equals someone's birth date: among 100,000 residents every calendar date is one.
* ``identificerende_kolom``: a table column whose name says it holds a person key or identifier
  (``bsn``, ``bsn_pseudoniem``, ``burgerservicenummer``, ``geslachtsnaam``, ``voornamen``,
  ``geboortedatum``, ``naam``, ``eigenaar_naam``, ...), even when all its cells are empty. Outputs
  describe addresses, not persons; even a pseudonymous person key has no place in them.

Files scanned: ``.csv``, ``.parquet``, ``.json``, ``.jsonl``/``.ndjson``, ``.html``/``.htm``,
``.md``, ``.txt``, ``.toml``, ``.log``, ``.yaml``/``.yml`` and ``MLmodel``; directories are
walked (without following symlinked directories, so ``latest`` is not scanned twice). Other files
(images, pickles, binary models) are not read and are listed in :attr:`ScanResult.skipped`.
A nested Parquet column (lists, structs) is scanned field by field, each field like a column of its
own (``row N, column C.field``); a cell with a BSN keyword or birth word in a string field, and a
list's strings read together, are also scanned whole as the cell's JSON text (``row N, column C``).
Locations are ``row N, column C`` (N the 0-based data row, as in the contract's record ids),
``line N`` (1-based) or ``key a.b[2].c`` for JSON. A finding's excerpt has every identifier in it
masked: the scan never repeats what it found.

**Retention** (:func:`purge_runs`) deletes run folders whose ``run.json`` says they started
before a bound; :func:`parse_age` reads the bound from the command line (``90d``, ``12w``, ...).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
import re
import shutil
import unicodedata
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import polars as pl

from vastgoed.core.errors import ConfigError, VastgoedError
from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.core.pseudonym import Pseudonymiser, resolve_key
from vastgoed.core.schema import CONTRACT

__all__ = [
    "Finding",
    "KnownIdentifiers",
    "PrivacyError",
    "PurgedRun",
    "ScanResult",
    "SkippedFile",
    "Soort",
    "check_paths",
    "find_identifiers",
    "identifiers_in_text",
    "parse_age",
    "purge_runs",
    "scan_paths",
]

Soort = Literal["bsn", "naam", "geboortedatum", "identificerende_kolom"]

#: The file of the findings of :func:`find_identifiers` (a text, not a file).
_TEXT_FILE = Path("<tekst>")
#: How many findings :class:`PrivacyError` spells out.
_MAX_LISTED = 10
#: Characters of (masked) context either side of a finding in its excerpt.
_EXCERPT_WIDTH = 30
#: How far before an 8-digit number the word BSN may stand to make it one.
_BSN_CONTEXT_CHARS = 30

_TEXT_SUFFIXES = frozenset({".html", ".htm", ".md", ".txt", ".toml", ".log", ".yaml", ".yml"})
_TEXT_NAMES = frozenset({"MLmodel"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})

# --- patterns ---------------------------------------------------------------------------------
# ``[^\W_]`` is a letter or digit in any script: a BSN glued to one is part of a longer token.
_NOT_AFTER_TOKEN = r"(?<![^\W_])(?<!\.)"
_NOT_BEFORE_TOKEN = r"(?![^\W_])(?!\.[0-9])"
_BSN9_RE = re.compile(_NOT_AFTER_TOKEN + r"[0-9]{9}" + _NOT_BEFORE_TOKEN)
# The engine's own record ids: ``<contract file>:<row>`` (links, graph, dossiers). A region's or the
# country's utility extract has over 100 million rows, and one in eleven 9-digit row numbers passes
# the 11-proef: the row number of a record id is never read as a BSN.
_STEMS = "|".join(sorted(re.escape(f.stem) for f in CONTRACT))
_RECORD_ROW_RE = re.compile(rf"(?<![\w])(?:{_STEMS}):(?P<rij>[0-9]+)(?![0-9])")
_RECORD_ID_ONLY = rf"^(?:{_STEMS}):[0-9]+$"
# The same record ids for polars (no look-around): the character before is kept.
_RECORD_ROW_STRIP = rf"(^|[^\w])(?:{_STEMS}):[0-9]+"
# Superset of _BSN_KEYWORD_RE for the pre-filter (no word boundaries).
_BSN_KEYWORD_PREFILTER = r"(?i)bsn|burgerservicenummer|sofi"
_BSN_SHORT_RE = re.compile(
    _NOT_AFTER_TOKEN + r"(?:[0-9]{8}|[0-9]{4}\.[0-9]{2}\.[0-9]{3})" + _NOT_BEFORE_TOKEN
)
# A BSN written in groups: the printed form ``1234.56.789`` and three groups of three, each with
# one separator (a dot, a space or a dash) used throughout, standing alone: three groups inside a
# list of numbers (a model file's ``tree_sizes=352 363 362 ...``, ``internal_count=283 364 364 64``:
# a number group before them, or two after) are not a BSN (one in eleven triples passes the
# 11-proef); one number after them (a house number) does not make a list.
_BSN_GROUPED_RE = re.compile(
    _NOT_AFTER_TOKEN
    + r"(?<![0-9][-. ])"
    + r"(?:[0-9]{4}(?P<s4>[-. ])[0-9]{2}(?P=s4)[0-9]{3}|[0-9]{3}(?P<s3>[-. ])[0-9]{3}(?P=s3)[0-9]{3})"
    + r"(?![-. ][0-9]+[-. ][0-9])"
    + _NOT_BEFORE_TOKEN
)
_BSN_GROUPED_PREFILTER = r"[0-9]{3}[-. ][0-9]{2,3}[-. ][0-9]{3}"
_BSN8_RE = re.compile(_NOT_AFTER_TOKEN + r"[0-9]{8}" + _NOT_BEFORE_TOKEN)
# A text line that is a key and a list of numbers only (polars regex: no look-around).
_NUMBERS_LINE = r"^\s*[A-Za-z_][A-Za-z0-9_.\[\]-]*\s*=\s*[-+0-9.eE,; \t]*$"
# A KvK number is 8 digits too: one after this word, or in a column named so, is never looked up
# as a BSN that lost its leading zero (in a country one in a few would be one).
# The graph names a company ``bedrijf:<kvk>`` and labels it ``<rechtsvorm> <kvk>`` (linkage.graph):
# the Handelsregister's legal forms, and those node ids, are KvK contexts too (measured: two of the
# independent world's 15,000 KvK numbers equal a resident's BSN without its leading zero).
_KVK_KEYWORD_RE = re.compile(
    r"(?i)(?<![^\W_])(?:bedrijf:|vestiging:|(?:kvk|kamer\s+van\s+koophandel|vestigingsnummer|onderneming"
    r"|eenmanszaak|b\.?v\.?|n\.?v\.?|v\.?o\.?f\.?|c\.?v\.?|maatschap|vereniging|stichting"
    r"|co[oö]peratie|publiekrechtelijke\s+rechtspersoon)(?![^\W_]))"
)
_BSN_KEYWORD_RE = re.compile(r"(?i)(?<![^\W_])(?:bsn|burgerservicenummer|sofi(?:-?nummer)?)(?![^\W_])")
# Vectorised pre-filter (no look-around in polars): 8 or 9 digits standing alone, or the dotted form.
_BSN_PREFILTER = (
    r"(?:^|[^0-9A-Za-z])"
    r"(?:[0-9]{8,9}|[0-9]{4}[-. ][0-9]{2}[-. ][0-9]{3}|[0-9]{3}[-. ][0-9]{3}[-. ][0-9]{3})"
    r"(?:[^0-9A-Za-z]|$)"
)

_DATE_CORE = r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}(?P<sep>[-/.])[0-9]{1,2}(?P=sep)[0-9]{4})"
_DATE_RE = re.compile(r"(?<![0-9])" + _DATE_CORE + r"(?![0-9])")
_BIRTH_WORDS = (
    r"(?:(?<![^\W\d_])(?:geboren|geboorte\s?datum|born|birth\s?date|date\s+of\s+birth|dob)(?![^\W\d_])"
    r"|(?<![^\W\d_])geb\.)"
)
_BIRTH_CONTEXT_RE = re.compile(
    r"(?i)" + _BIRTH_WORDS + r"[^\n]{0,20}?(?<![0-9])(?P<date>" + _DATE_CORE + r")(?![0-9])"
)
_BIRTH_PREFILTER = r"(?i)geboren|geboorte|geb\.|born|birth|dob"
# A cell of a birth-date column that holds a (possibly partial) date, or its compact form.
_DATE_CELL_PREFILTER = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}|^\s*[0-9]{8}\s*$"

_BIRTH_NAME_RE = re.compile(r"geboorte|birth|(?:^|[^a-z])dob(?:$|[^a-z])")

# A word: a run of initials (``j.p.``, also ``j. p.``) or a run of letters and digits. Initials are
# not glued to a following word: ``a.push`` in a script is a word ``a``, not the initial ``A.``.
_TOKEN_RE = re.compile(r"[^\W\d_]\.(?:[ ]?[^\W\d_]\.)*(?![^\W_])|[^\W_]+")

# --- column and key names ---------------------------------------------------------------------
_BSN_NAME_TOKENS = frozenset({"bsn", "burgerservicenummer", "sofi", "sofinummer"})
# fmt: off
_IDENT_NAME_TOKENS = _BSN_NAME_TOKENS | frozenset(
    [
        "geslachtsnaam", "achternaam", "voornamen", "voornaam", "voorletters", "geboortedatum",
        "geboortedag", "surname", "firstname", "lastname", "birthdate", "birthday", "dob",
    ]
)
# ``naam`` alone, or the name of a person in a role; not ``handelsnaam`` or ``straat_naam``.
_PERSON_NAME_PREFIXES = frozenset(
    [
        "eigenaar", "aanvrager", "persoon", "bewoner", "functionaris", "bestuurder", "melder", "koper",
        "verkoper", "huurder", "volledige", "full", "first", "last", "given", "family", "person",
        "owner", "applicant", "resident",
    ]
)
# Dutch surname particles (voorvoegsels): a name needs two words besides these. Foreign particles
# (``le``, ``da``, ``di``) are left out on purpose: they are surnames too (``Mustafa Le``).
_PARTICLES = frozenset(
    [
        "van", "de", "der", "den", "het", "ter", "ten", "te", "t", "in", "op", "onder", "over", "aan",
        "bij", "uit", "voor", "vd", "v.d.", "von", "vom", "zu", "zum",
    ]
)
# Raw names (Kadaster owner, permit applicant) with one of these are companies, not persons.
_LEGAL_FORMS = frozenset(
    [
        "bv", "b.v.", "nv", "n.v.", "vof", "v.o.f.", "cv", "c.v.", "stichting", "vereniging", "holding",
        "beheer", "vastgoed", "cooperatie", "u.a.", "ltd", "gmbh", "bvba", "gemeente", "maatschap",
        "woningcorporatie", "woonstichting", "invest", "investments", "participaties",
    ]
)
# fmt: on


def _name_tokens(column: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", column.casefold()) if t]


@functools.lru_cache(maxsize=4096)  # asked of every JSON value's key: a few distinct keys, repeated
def _is_bsn_name(column: str) -> bool:
    return any(t in _BSN_NAME_TOKENS for t in _name_tokens(column))


@functools.lru_cache(maxsize=4096)
def _is_kvk_name(column: str) -> bool:
    return any(t.startswith("kvk") or t == "vestigingsnummer" for t in _name_tokens(column))


@functools.lru_cache(maxsize=4096)
def _is_birth_name(column: str) -> bool:
    return _BIRTH_NAME_RE.search(column.casefold()) is not None


def _is_identifying_name(column: str) -> bool:
    tokens = _name_tokens(column)
    if not tokens:
        return False
    if any(t in _IDENT_NAME_TOKENS for t in tokens):
        return True
    joined = "_".join(tokens)
    if "birth_date" in joined or "date_of_birth" in joined:
        return True
    if tokens[-1] in {"naam", "name"}:
        return len(tokens) == 1 or tokens[-2] in _PERSON_NAME_PREFIXES
    return False


# --- names ------------------------------------------------------------------------------------


def _fold(word: str) -> str:
    """Case- and accent-fold one token; initials lose the spaces between them."""
    if word.isascii():
        w = word.lower()
    else:
        # As polars does it in :meth:`KnownIdentifiers._candidates`: decompose, drop the marks.
        w = "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))
    return w.replace(" ", "") if " " in w else w


def _words(text: str) -> list[str]:
    # a token of marks alone (U+037A, U+FE70, ...) folds to nothing: no word
    return [w for w in (_fold(t) for t in _TOKEN_RE.findall(text)) if w]


#: :data:`_TOKEN_RE` for ASCII text, without its look-ahead: polars' regex finds the same words
#: where the look-ahead cannot fail, that is where no run of initials is followed straight by a
#: letter or digit (a dot followed by a digit, or by a letter that no dot follows, as in ``a.push``).
_ASCII_TOKEN = r"[A-Za-z]\.(?:[ ]?[A-Za-z]\.)*|[A-Za-z0-9]+"
_NOT_ASCII_TOKENS = r"[^\x00-\x7F]|\.(?:[A-Za-z](?:[^.]|$)|[0-9])"


def _word_lists(texts: pl.Series) -> pl.Series:
    """:func:`_words` of every string (no nulls), vectorised where that is exact, else in Python."""
    texts = texts.cast(pl.String)
    out = texts.str.extract_all(_ASCII_TOKEN).list.eval(
        pl.element().str.to_lowercase().str.replace_all(" ", "", literal=True)
    )
    odd = texts.str.contains(_NOT_ASCII_TOKENS)
    if not odd.any():
        return out
    rest = texts.filter(odd).to_list()
    slow = pl.Series([_words(t) for t in rest], dtype=pl.List(pl.String))
    at = pl.int_range(0, len(texts), dtype=pl.Int64, eager=True)
    # a list column cannot be scattered into: the two parts put back in order
    return (
        pl.concat(
            [
                pl.DataFrame({"i": at.filter(~odd), "w": out.filter(~odd)}),
                pl.DataFrame({"i": at.filter(odd), "w": slow}),
            ]
        )
        .sort("i")
        .get_column("w")
    )


def _word_counts(words: pl.Series) -> pl.DataFrame:
    """``text``, ``core`` and ``written`` of every list of words, as :func:`_name_key` counts them.

    ``text``: the words joined by spaces; ``core``: the words that are not particles; ``written``:
    of those, the words that are not initials.
    """
    core = words.list.eval(pl.element().filter(~pl.element().is_in(sorted(_PARTICLES))))
    return pl.DataFrame(
        {
            "text": words.list.join(" "),
            "core": core.list.len().cast(pl.Int64),
            "written": core.list.eval(pl.element().filter(~pl.element().str.ends_with(".")))
            .list.len()
            .cast(pl.Int64),
        }
    )


def _is_initials(word: str) -> bool:
    return word.endswith(".")


def _name_key(words: Sequence[str]) -> str | None:
    """The lookup key of a name: its words in sorted order, or None when it is not specific enough.

    A name needs two words that are not particles (``van``, ``de``), one of them a written-out word
    rather than initials: a lone surname, ``de Vries`` or ``J.P.`` do not single anyone out. The
    words are sorted so that the key is the same whatever order a text writes them in.
    """
    core = [w for w in words if w not in _PARTICLES]
    if len(core) < 2 or all(_is_initials(w) for w in core):
        return None
    return " ".join(sorted(words))


def _letters(key: str) -> list[str]:
    """A key's words with initials split into letters, as :meth:`KnownIdentifiers._candidates` reads text."""
    return key.replace(".", " ").split()  # a key holds only words, dots and single spaces


def _anchor(key: str) -> tuple[str, str]:
    """The two longest words of a name key (initials split into letters), the longer first.

    Every text that holds the name holds both, in whatever order and wherever: a pair is far
    rarer in other text than a single word (``Maastricht`` is a surname as well as the city).
    """
    a, b = sorted(_letters(key), key=len, reverse=True)[:2]
    return a, b


def _anchors(keys: pl.Series) -> pl.DataFrame:
    """``a``, ``b``: the :func:`_anchor` of every key, each pair once (vectorised: a country has millions)."""
    words = (
        pl.DataFrame({"w": keys.str.replace_all(".", " ", literal=True).str.split(" ")})
        .with_row_index("i")
        .with_columns(pl.int_ranges(pl.col("w").list.len()).alias("at"))
        .explode("w", "at")
        .filter(pl.col("w") != "")
        .with_columns(pl.col("w").str.len_chars().alias("n"))
        # sorted() is stable: of equally long words the first in the key
        .sort("i", "n", "at", descending=[False, True, False])
    )
    two = words.group_by("i", maintain_order=True).agg(pl.col("w").head(2))
    return (
        two.filter(pl.col("w").list.len() == 2)
        .select(pl.col("w").list.get(0).alias("a"), pl.col("w").list.get(1).alias("b"))
        .unique()
        .sort("a", "b")
    )


#: The files :meth:`KnownIdentifiers.write` writes in a folder.
_NAMES_FILE = "known_names.parquet"
_BIRTHS_FILE = "known_births.parquet"
_BSNS_FILE = "known_bsns.parquet"


class _Keys(frozenset[str]):
    """Name keys that are normalised already (by :meth:`KnownIdentifiers.from_tables`)."""

    __slots__ = ()


@dataclass(frozen=True)
class KnownIdentifiers:
    """Names, birth dates and BSNs of the natural persons in a run's input, to look for in its outputs.

    Names are stored as keys: case- and accent-folded words (punctuation dropped except the dots
    of initials) in sorted order, so that a text matches a name whatever order it writes the words
    in. Names given in another form are normalised on construction. Names that do not single a
    person out are dropped: those with fewer than two words besides particles like ``van`` and
    ``de``, or with initials only.

    BSNs are known only by their pseudonyms (the ingest drops the numbers themselves): with
    ``synthetisch`` set, the scan computes the pseudonym of a number that may be a known BSN with its
    leading zero lost, under the key the ingest used (:func:`~vastgoed.core.pseudonym.resolve_key`,
    resolved in the process that scans; the key is never stored).

    Attributes:
        names: Name keys, e.g. ``"de j.p. vries"``.
        birth_dates: Known (complete) birth dates.
        bsn_pseudonyms: Pseudonyms of the input's BSNs (``bsn_pseudoniem``).
        synthetisch: What the manifest says, to resolve the key; None: no BSN is looked up.
    """

    names: frozenset[str] = frozenset()
    birth_dates: frozenset[dt.date] = frozenset()
    bsn_pseudonyms: frozenset[str] = frozenset()
    synthetisch: bool | None = None
    _name_words: frozenset[str] = field(init=False, repr=False, compare=False)
    _anchors: pl.DataFrame = field(init=False, repr=False, compare=False)
    _max_words: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.names, _Keys):
            keys = frozenset(self.names)
        else:
            keys = frozenset(k for k in (_name_key(_words(n)) for n in self.names) if k is not None)
        object.__setattr__(self, "names", keys)
        series = pl.Series("key", list(keys), dtype=pl.String)
        words = series.str.split(" ")
        object.__setattr__(self, "_name_words", frozenset(words.explode().drop_nulls().unique().to_list()))
        object.__setattr__(self, "_anchors", _anchors(series))
        longest = words.list.len().max()
        object.__setattr__(self, "_max_words", longest if isinstance(longest, int) else 0)

    def __repr__(self) -> str:
        # Never the names themselves: a repr ends up in logs and tracebacks.
        return (
            f"KnownIdentifiers({len(self.names)} names, {len(self.birth_dates)} birth dates, "
            f"{len(self.bsn_pseudonyms)} BSNs)"
        )

    @classmethod
    def from_tables(
        cls, tables: Mapping[str, pl.DataFrame], *, synthetisch: bool | None = None
    ) -> KnownIdentifiers:
        """Collect the persons' names, birth dates and BSN pseudonyms from ingested tables.

        Reads whatever exists of: ``geslachtsnaam``/``voorvoegsel``/``voornamen`` (BRP, KvK
        functionarissen; see :func:`_person_names` for the forms), ``eigenaar_naam`` of natural
        persons (Kadaster), ``aanvrager_naam`` of applicants without a KvK number (permits), every
        column named like a birth date and, with ``synthetisch`` given, every ``*_pseudoniem`` column.
        Missing tables and columns are passed over.

        Args:
            tables: Ingested tables by file stem.
            synthetisch: The manifest's ``synthetisch``, to resolve the pseudonymisation key.

        Returns:
            The known identifiers.
        """
        names: set[str] = set()
        births: set[dt.date] = set()
        pseudonyms: set[str] = set()
        for df in tables.values():
            cols = set(df.columns)
            if {"geslachtsnaam", "voornamen"} <= cols:
                names |= _person_names(df)
            if "eigenaar_naam" in cols:
                names |= _raw_names(df, "eigenaar_naam", "eigenaar_type", "eigenaar_kvk_nummer")
            if "aanvrager_naam" in cols:
                names |= _raw_names(df, "aanvrager_naam", None, "aanvrager_kvk_nummer")
            for c in df.columns:
                if _is_birth_name(c):
                    births |= _column_dates(df.get_column(c))
                if synthetisch is not None and c.endswith("_pseudoniem"):
                    pseudonyms.update(df.get_column(c).cast(pl.String).drop_nulls().unique().to_list())
        return cls(
            names=_Keys(names),
            birth_dates=frozenset(births),
            bsn_pseudonyms=frozenset(pseudonyms),
            synthetisch=synthetisch,
        )

    def write(self, folder: Path) -> None:
        """Store the identifiers in ``folder`` (for :meth:`stored` and :meth:`stored_for`)."""
        keys = pl.Series("key", list(self.names), dtype=pl.String)
        pl.DataFrame(
            {
                "key": keys,
                "first": keys.str.extract(r"^([^ ]+)", 1),
                "last": keys.str.extract(r"([^ ]+)$", 1),
            }
        ).write_parquet(folder / _NAMES_FILE)
        pl.DataFrame({"datum": sorted(self.birth_dates)}, schema={"datum": pl.Date}).write_parquet(
            folder / _BIRTHS_FILE
        )
        pl.DataFrame(
            {"pseudoniem": sorted(self.bsn_pseudonyms), "synthetisch": self.synthetisch},
            schema={"pseudoniem": pl.String, "synthetisch": pl.Boolean},
        ).write_parquet(folder / _BSNS_FILE)

    @classmethod
    def stored(
        cls,
        folders: Sequence[Path],
        words: Collection[str] | None = None,
        bsns: Collection[str] | None = None,
    ) -> KnownIdentifiers:
        """The identifiers :meth:`write` stored in ``folders``, together.

        The same as :meth:`from_tables` over all the inputs' tables, without normalising the names
        again. A birth date is reported only next to a known name, so that one input's date found
        next to another's name adds a finding only where the name already is one.

        Args:
            folders: Where they were written.
            words: If given, only the names whose every word is one of these are read: a country's
                names are tens of millions, of which the few that the scanned files could hold are
                found on their first and last word in Parquet.
            bsns: If given, only the pseudonyms of these 9-digit numbers are read.
        """
        if not folders:
            return cls()
        lf = pl.scan_parquet([f / _NAMES_FILE for f in folders])
        if words is not None:
            allowed = words if isinstance(words, (set, frozenset)) else set(words)
            w = pl.Series(list(allowed), dtype=pl.String).implode()
            lf = lf.filter(pl.col("first").is_in(w) & pl.col("last").is_in(w))
        keys = lf.select("key").unique().collect().get_column("key").to_list()
        if words is not None:
            keys = [k for k in keys if all(x in allowed for x in k.split(" "))]
        births = pl.scan_parquet([f / _BIRTHS_FILE for f in folders]).unique().collect().get_column("datum")
        stored = pl.scan_parquet([f / _BSNS_FILE for f in folders])
        flags = stored.select("synthetisch").unique().collect().get_column("synthetisch").drop_nulls()
        synthetisch = bool(flags.all()) if len(flags) else None
        if bsns is not None:
            wanted = [_pseudonym(b, synthetisch) for b in bsns] if synthetisch is not None else []
            stored = stored.filter(pl.col("pseudoniem").is_in(pl.Series(wanted, dtype=pl.String).implode()))
        pseudonyms = stored.select("pseudoniem").unique().collect().get_column("pseudoniem").to_list()
        return cls(
            names=_Keys(keys),
            birth_dates=frozenset(births.to_list()),
            bsn_pseudonyms=frozenset(pseudonyms),
            synthetisch=synthetisch,
        )

    @classmethod
    def stored_for(cls, paths: Iterable[Path], folders: Sequence[Path]) -> KnownIdentifiers:
        """The identifiers stored in ``folders`` that the files at ``paths`` could hold.

        What :func:`check_paths` finds with these is what it finds with all of them together: a
        name is found only as a run of a text's words, and a BSN that lost its leading zero only as
        an 8-digit number, so a first pass collects the words and such numbers of every text in
        which they are looked for, and only the names made of those words and the pseudonyms of
        those numbers are loaded (a country's names fill gigabytes). The texts include the whole
        JSON text of every nested cell, which rule (c) reads when the cell's row holds a known name
        and birth date.
        """
        collector = _WordCollector.new()
        scan_paths(paths, collector)
        return cls.stored(folders, collector.words, collector.bsns)

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of known names in ``text``, longest match first, not overlapping."""
        if not self.names:
            return []
        matches = list(_TOKEN_RE.finditer(text))
        words = [_fold(m.group()) for m in matches]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            n = _match_at(words, i, self.names, self._name_words, self._max_words)
            if n:
                spans.append((matches[i].start(), matches[i + n - 1].end()))
                i += n
            else:
                i += 1
        return spans

    def _is_bsn(self, digits: str) -> bool:
        """Whether 9 digits are the BSN of a person in the input (by its pseudonym)."""
        if not self.bsn_pseudonyms or self.synthetisch is None:
            return False
        return _pseudonym(digits, self.synthetisch) in self.bsn_pseudonyms

    def _lost_zero(self, digits: str) -> bool:
        """Whether 8 digits are a known BSN whose leading zero was lost."""
        full = "0" + digits
        return bool(self.bsn_pseudonyms) and is_valid_bsn(full) and self._is_bsn(full)

    def _candidates(self, values: pl.Series) -> pl.Series:
        """Which strings may hold a known name (vectorised): those with both anchor words of one."""
        n = len(values)
        none = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
        if not self.names or n == 0:
            return none
        # The folding of :func:`_fold` and the words of :data:`_TOKEN_RE` with initials split into
        # letters: a string holding a name then always holds both anchor words of the name.
        low = values.str.to_lowercase()
        odd = low.str.contains(r"[^\x00-\x7F]").fill_null(False).arg_true()
        if len(odd):
            folded = (
                low.gather(odd).str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.replace_all("ß", "ss")
            )
            low = low.scatter(odd, folded)
        words = (
            pl.DataFrame({"w": low.str.extract_all(r"[\p{L}\p{N}]+")})
            .with_row_index("i")
            .explode("w")
            .drop_nulls("w")
            .unique()
        )
        pairs = words.join(self._anchors, left_on="w", right_on="a").select("i", pl.col("b").alias("w"))
        hit = pairs.join(words, on=["i", "w"], how="semi").get_column("i").unique()
        return none.scatter(hit, True) if len(hit) else none


@functools.lru_cache(maxsize=2)
def _pseudonymiser(synthetisch: bool) -> Pseudonymiser:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ingest warned about the built-in key already
        return Pseudonymiser(resolve_key(synthetisch=synthetisch))


def _pseudonym(bsn: str, synthetisch: bool) -> str:
    return _pseudonymiser(synthetisch).one(bsn)


class _Every(frozenset[str]):
    """A set that holds every string (the name words and names of :class:`_WordCollector`)."""

    __slots__ = ()

    def __contains__(self, item: object) -> bool:
        return True


class _WordCollector(KnownIdentifiers):
    """Stands in for known identifiers in a scan that only collects words and 8-digit numbers.

    Every pre-filter lets every string through to the name lookup (any string may hold a name),
    and the lookup records the string's words instead of matching them: after a scan of some
    files, :attr:`words` holds every word of every text in which a scan with any known names
    could have looked for one, and :attr:`bsns` every 9-digit form of an 8-digit number that a
    scan with known BSNs would look up. Nothing is ever found.
    """

    words: set[str]
    bsns: set[str]

    @classmethod
    def new(cls) -> _WordCollector:
        out = object.__new__(cls)
        object.__setattr__(out, "names", _Every([""]))  # not empty: names are looked for
        object.__setattr__(out, "birth_dates", frozenset())
        object.__setattr__(out, "bsn_pseudonyms", _Every([""]))
        object.__setattr__(out, "synthetisch", None)
        object.__setattr__(out, "_name_words", _Every())
        object.__setattr__(out, "_anchors", _anchors(pl.Series([], dtype=pl.String)))
        object.__setattr__(out, "_max_words", 0)
        object.__setattr__(out, "words", set())
        object.__setattr__(out, "bsns", set())
        return out

    def __repr__(self) -> str:
        return f"_WordCollector({len(self.words)} words)"

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        self.words.update(_words(text))
        return []

    def _is_bsn(self, digits: str) -> bool:
        self.bsns.add(digits)
        return False

    def _candidates(self, values: pl.Series) -> pl.Series:
        return pl.repeat(True, len(values), dtype=pl.Boolean, eager=True)

    def add_texts(self, texts: pl.Series) -> None:
        """Record the words of texts that a scan with names could read whole (vectorised)."""
        self.words.update(_word_lists(texts.drop_nulls()).explode().drop_nulls().unique().to_list())


def _match_at(words: Sequence[str], i: int, names: frozenset[str], vocab: frozenset[str], max_n: int) -> int:
    """The length of the longest run of words from ``i`` that is a known name in any order, or 0."""
    run = 0
    for w in words[i : i + max_n]:
        if w not in vocab:
            break
        run += 1
    for n in range(run, 1, -1):
        if " ".join(sorted(words[i : i + n])) in names:
            return n
    return 0


def _person_names(df: pl.DataFrame) -> set[str]:
    """The name keys of persons in a table with ``voornamen``, ``voorvoegsel``, ``geslachtsnaam``.

    Per person the surname (with its particles) together with each of: all given names, each given
    name alone, and the initials of all given names (``Fleur Josephina`` gives ``F.J.``). Keys are
    order-free (:func:`_name_key`), so ``Hofens, Fleur Josephina``, ``Josephina Hofens``,
    ``Hofens, F.J.`` and ``F.J. Hofens`` are all found; a first initial alone (``F. Hofens``) is not.
    Each form is kept when :func:`_name_key` would keep its words. Done in polars: a shard has
    hundreds of thousands of people.
    """
    vv = pl.col("voorvoegsel") if "voorvoegsel" in df.columns else pl.lit(None, dtype=pl.String)
    people = df.select(
        pl.col("voornamen").cast(pl.String).fill_null("").alias("g"),
        vv.cast(pl.String).fill_null("").alias("p"),
        pl.col("geslachtsnaam").cast(pl.String).fill_null("").alias("s"),
    ).unique()
    people = people.with_columns(
        _word_lists(people["g"]).alias("G"),
        _word_lists(people["p"]).alias("P"),
        _word_lists(people["s"]).alias("S"),
    ).filter(pl.col("S").list.len() > 0)
    # a given name already written as initials (``J.P.``) gives its letters, not just the first
    initials = (
        pl.col("G")
        .list.eval(
            pl.when(pl.element().str.ends_with("."))
            .then(pl.element())
            .otherwise(pl.element().str.slice(0, 1) + ".")
        )
        .list.join("")
    )
    forms = pl.concat(
        [
            people.select(pl.concat_list("G", "P", "S").alias("w")),
            people.explode("G").drop_nulls("G").select(pl.concat_list("G", "P", "S").alias("w")),
            people.select(pl.concat_list(pl.concat_list(initials), "P", "S").alias("w")),
        ]
    )
    words = forms.get_column("w").list.eval(pl.element().filter(pl.element() != ""))
    counted = _word_counts(words)
    keep = (counted["core"] >= 2) & (counted["written"] >= 1)
    return set(words.filter(keep).list.sort().list.join(" ").unique().to_list())


def _raw_names(df: pl.DataFrame, name_col: str, type_col: str | None, kvk_col: str) -> set[str]:
    frame = df
    if type_col is not None and type_col in df.columns:
        frame = frame.filter(pl.col(type_col).cast(pl.String) == "natuurlijk_persoon")
    elif kvk_col in df.columns:
        frame = frame.filter(
            pl.col(kvk_col).is_null() | (pl.col(kvk_col).cast(pl.String).str.strip_chars() == "")
        )
    words = _word_lists(frame.get_column(name_col).cast(pl.String).drop_nulls().unique())
    counted = _word_counts(words)
    company = words.list.eval(pl.element().is_in(sorted(_LEGAL_FORMS))).list.any()
    # as _name_key: two words besides particles, one of them written out
    keep = ~company & (counted["core"] >= 2) & (counted["written"] >= 1)
    return set(words.filter(keep).list.sort().list.join(" ").to_list())


def _column_dates(s: pl.Series) -> set[dt.date]:
    if s.dtype == pl.Date:
        return set(s.drop_nulls().unique().to_list())
    if s.dtype == pl.Datetime:
        return set(s.dt.date().drop_nulls().unique().to_list())
    text = s.cast(pl.String, strict=False).str.strip_chars()
    # Partial BRP dates (``1970-00-00``) fail to parse and drop out: they are not a calendar date.
    parsed = pl.select(
        pl.coalesce(
            text.str.to_date("%Y-%m-%d", strict=False),
            text.str.to_date("%Y%m%d", strict=False),
            text.str.to_date("%d-%m-%Y", strict=False),
        )
    ).to_series()
    return set(parsed.drop_nulls().unique().to_list())


# --- spans and masking ------------------------------------------------------------------------


class _Span(NamedTuple):
    start: int
    end: int
    soort: Soort


def _parse_date(text: str) -> dt.date | None:
    parts = re.split(r"[-/.]", text)
    if len(parts) != 3:
        return None
    try:
        if len(parts[0]) == 4:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


def _known_date_spans(text: str, known: KnownIdentifiers) -> list[_Span]:
    return [
        _Span(m.start(), m.end(), "geboortedatum")
        for m in _DATE_RE.finditer(text)
        if _parse_date(m.group()) in known.birth_dates
    ]


def _grouped_bsn_spans(text: str, known: KnownIdentifiers | None, *, bsn_context: bool) -> list[_Span]:
    """BSNs written in groups (``0100.05.833``, ``010 005 833``, ``010-005-833``) that pass the 11-proef.

    Three groups of three joined by dots are how Dutch text writes an amount (``123.456.789``), and
    joined by spaces how SI writes one and how a model file lists counts (LightGBM's
    ``internal_count=282 272 264``): those forms count only when they start with a zero (an amount
    or a count never does), in a BSN's column or after a BSN keyword, or when they are a known BSN.
    """
    if not any(c in text for c in ".- "):
        return []
    out: list[_Span] = []
    for m in _BSN_GROUPED_RE.finditer(text):
        digits = re.sub(r"[-. ]", "", m.group())
        if not is_valid_bsn(digits):
            continue
        if m.group("s3") in (".", " ") and not digits.startswith("0") and not bsn_context:
            before = text[max(0, m.start() - _BSN_CONTEXT_CHARS) : m.start()]
            if not _BSN_KEYWORD_RE.search(before) and not (known is not None and known._is_bsn(digits)):
                continue
        out.append(_Span(m.start(), m.end(), "bsn"))
    return out


def _scan_text(
    text: str,
    known: KnownIdentifiers | None,
    *,
    bsn_context: bool = False,
    kvk_context: bool = False,
    names: bool = True,
    grouped: bool = True,
) -> list[_Span]:
    """All identifier spans in one string (a cell, a JSON value or a line of text).

    Args:
        text: The string.
        known: Names and birth dates to look for, if any.
        bsn_context: The string stands where a BSN is expected (its column or key is named so).
        kvk_context: The string stands where a KvK number is expected: no 8-digit number in it is
            looked up as a known BSN.
        names: Look for known names (False when a vectorised pre-filter ruled them out).
        grouped: Look for BSNs written in groups (False when a vectorised pre-filter ruled them out).
    """
    rows = {m.span("rij") for m in _RECORD_ROW_RE.finditer(text)} if ":" in text else set()
    spans = [
        _Span(m.start(), m.end(), "bsn")
        for m in _BSN9_RE.finditer(text)
        if is_valid_bsn(m.group()) and m.span() not in rows
    ]
    if grouped:
        spans += _grouped_bsn_spans(text, known, bsn_context=bsn_context)
    if known is not None and known.bsn_pseudonyms and not kvk_context:
        spans += [
            _Span(m.start(), m.end(), "bsn")
            for m in _BSN8_RE.finditer(text)
            if m.span() not in rows
            and not _KVK_KEYWORD_RE.search(text[max(0, m.start() - _BSN_CONTEXT_CHARS) : m.start()])
            and known._lost_zero(m.group())
        ]
    if bsn_context or _BSN_KEYWORD_RE.search(text):
        for m in _BSN_SHORT_RE.finditer(text):
            if not is_valid_bsn(m.group().replace(".", "")):
                continue
            start = max(0, m.start() - _BSN_CONTEXT_CHARS)
            if bsn_context or _BSN_KEYWORD_RE.search(text[start : m.start()]):
                spans.append(_Span(m.start(), m.end(), "bsn"))
    spans += [
        _Span(m.start("date"), m.end("date"), "geboortedatum") for m in _BIRTH_CONTEXT_RE.finditer(text)
    ]
    if known is not None and names:
        found = [_Span(a, b, "naam") for a, b in known._name_spans(text)]
        spans += found
        if found and known.birth_dates:
            spans += _known_date_spans(text, known)
    return _resolve(spans)


def _scan_many(
    values: pl.Series, known: KnownIdentifiers | None, *, bsn_context: bool = False, kvk_context: bool = False
) -> Iterator[tuple[int, list[_Span]]]:
    """Spans in each of many strings (by index), with polars ruling out the strings that cannot hold any.

    Only a string with 8 digits in a row, a birth word or a known name's anchor word can hold an
    identifier; that pre-filter runs vectorised, and only what passes is scanned in Python.
    """
    # A value that is nothing but a record id holds no identifier (see _RECORD_ROW_RE), and a null
    # holds nothing: the rest is looked at (a shard's links are millions of record ids).
    rest = (~values.str.contains(_RECORD_ID_ONLY)).fill_null(False).arg_true()
    if not len(rest):
        return
    vals = values.gather(rest)
    digits = vals.str.contains(_BSN_PREFILTER).fill_null(False)
    if not bsn_context:
        # The row number of a record id inside a text is no BSN either (_scan_text passes it over
        # unless a BSN keyword allows 8-digit BSNs): a country's row numbers have 8 and 9 digits,
        # and every object's list of link certainties, a JSON text of record ids, would go to Python.
        # ASCII text only: there Python's and polars' ``\w`` and case folding agree (``½``, ``ı``, ``ſ``
        # do not), so the strip never passes over what _scan_text would find.
        other = vals.str.contains(_BSN_KEYWORD_PREFILTER) | vals.str.contains(r"[^\x00-\x7F]")
        again = (digits & ~other.fill_null(False)).arg_true()
        if len(again):
            outside = vals.gather(again).str.replace_all(_RECORD_ROW_STRIP, "${1} ")
            digits = digits.scatter(again, outside.str.contains(_BSN_PREFILTER).fill_null(False))
    regex = digits | vals.str.contains(_BIRTH_PREFILTER).fill_null(False)
    named = pl.repeat(False, len(vals), dtype=pl.Boolean, eager=True)
    if known is not None and known.names:
        check = _may_hold_name(vals, known).arg_true()
        named = named.scatter(check, known._candidates(vals.gather(check))) if len(check) else named
    look = (regex | named).arg_true().to_list()
    if not look:
        return
    at = rest.gather(look).to_list()
    grouped = vals.gather(look).str.contains(_BSN_GROUPED_PREFILTER).fill_null(False).to_list()
    for i, v, with_names, in_groups in zip(
        at, vals.gather(look).to_list(), named.gather(look).to_list(), grouped, strict=True
    ):
        spans = _scan_text(
            v,
            known,
            bsn_context=bsn_context,
            kvk_context=kvk_context,
            names=bool(with_names),
            grouped=in_groups,
        )
        if spans:
            yield i, spans


#: One ASCII word, or an ASCII word, a colon and a word: the ids of the graph's nodes and of persons
#: (``persoon:Pabc``, ``pand:0704...``), millions of them in a shard's tables.
_ONE_WORD = r"^[A-Za-z0-9]+$"
_PREFIXED_ID = r"^([A-Za-z]+):[A-Za-z0-9]+$"


def _may_hold_name(values: pl.Series, known: KnownIdentifiers) -> pl.Series:
    """False for strings that cannot hold a known name by their form alone (vectorised, exact).

    A known name has at least two words. A string of one word has fewer; in ``prefix:id`` the
    words are the prefix and the id, so a name there would start at the prefix, which must then
    be the first word of a known name (ASCII: case folding is lower-casing).
    """
    prefix = values.str.extract(_PREFIXED_ID, 1)
    prefixes = prefix.drop_nulls().unique().to_list()
    starts = [p for p in prefixes if p.lower() in known._name_words]
    one = values.str.contains(_ONE_WORD).fill_null(False)
    by_prefix = prefix.is_null() | prefix.is_in(pl.Series(starts, dtype=pl.String).implode())
    return by_prefix.fill_null(True) & ~one


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Sort spans and drop any that overlaps an earlier (or longer, same-start) one."""
    out: list[_Span] = []
    for sp in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and sp.start < out[-1].end:
            continue
        out.append(sp)
    return out


def _mask(soort: Soort, value: str) -> str:
    if soort == "bsn":
        digits = re.sub(r"[-. ]", "", value)
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    if soort == "naam":
        # First letter of each word stays, so a reviewer can still find the place in the file.
        return re.sub(r"(?<=[^\W\d_])[^\W\d_]", "*", value)
    return re.sub(r"[0-9]", "*", value)


def _masked(text: str, spans: Sequence[_Span]) -> tuple[str, list[tuple[int, int]]]:
    pieces: list[str] = []
    where: list[tuple[int, int]] = []
    pos = out_len = 0
    for sp in spans:
        pieces.append(text[pos : sp.start])
        out_len += sp.start - pos
        m = _mask(sp.soort, text[sp.start : sp.end])
        where.append((out_len, out_len + len(m)))
        pieces.append(m)
        out_len += len(m)
        pos = sp.end
    pieces.append(text[pos:])
    return "".join(pieces), where


def _excerpts(text: str, spans: Sequence[_Span]) -> list[str]:
    """One excerpt per span, with every span in ``text`` masked (not only its own)."""
    masked, where = _masked(text, spans)
    out = []
    for a, b in where:
        lo, hi = max(0, a - _EXCERPT_WIDTH), min(len(masked), b + _EXCERPT_WIDTH)
        body = " ".join(masked[lo:hi].split())
        out.append(("…" if lo > 0 else "") + body + ("…" if hi < len(masked) else ""))
    return out


def _mask_all(text: str, spans: Sequence[_Span]) -> str:
    return _masked(text, spans)[0] if spans else text


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One direct identifier in one place of one file.

    Attributes:
        file: The file.
        location: Where in it: ``row 12, column adres``, ``line 40`` or ``key data.rows[3]``.
        soort: ``bsn``, ``naam``, ``geboortedatum`` or ``identificerende_kolom``.
        excerpt: The surrounding text with the identifier (and any other in it) masked.
    """

    file: Path
    location: str
    soort: Soort
    excerpt: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.soort}: {self.excerpt}"


@dataclass(frozen=True)
class SkippedFile:
    """A file the scan did not read, and why (not a scannable type, binary, unreadable)."""

    file: Path
    reason: str


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan_paths` found and what it could not look at.

    Attributes:
        findings: Every identifier found, in file order.
        skipped: Files not read, with the reason.
        scanned: Files read.
    """

    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...]
    scanned: tuple[Path, ...]

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings


class PrivacyError(VastgoedError):
    """A run's outputs hold direct identifiers; the message lists the first findings, masked.

    Args:
        findings: All findings (at least one).
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        files = sorted({str(f.file) for f in self.findings})
        lines = [f"  - {f}" for f in self.findings[:_MAX_LISTED]]
        more = len(self.findings) - _MAX_LISTED
        if more > 0:
            lines.append(f"  ... and {more} more")
        super().__init__(
            f"{len(self.findings)} direct identifier(s) in {len(files)} output file(s) "
            f"({', '.join(files[:5])}{', ...' if len(files) > 5 else ''}):\n" + "\n".join(lines)
        )

    def __reduce__(self) -> tuple[type[PrivacyError], tuple[tuple[Finding, ...]]]:
        # raised in a shard's worker process, it must arrive whole in the process that waits for it
        return (type(self), (self.findings,))


# --- scanners ---------------------------------------------------------------------------------


class _Scanner:
    """Scans one file at a time and collects findings."""

    def __init__(self, known: KnownIdentifiers | None) -> None:
        self.known = known
        self.findings: list[Finding] = []
        #: The spans of a JSON document's strings (keys and values), worked out at once; only
        #: those that may hold an identifier are listed.
        self._prescanned: dict[str, list[_Span]] | None = None

    def add(self, file: Path, location: str, text: str, spans: Sequence[_Span]) -> None:
        if spans:
            for sp, ex in zip(spans, _excerpts(text, spans), strict=True):
                self.findings.append(Finding(file, location, sp.soort, ex))

    # text --------------------------------------------------------------------------------------

    def text(self, path: Path, content: str, *, is_html: bool = False) -> None:
        lines = content.splitlines()
        if is_html:
            lines = [_html_line(line) for line in lines]
        # A line that is a key and nothing but numbers (a model file's ``leaf_count=448 284 90``,
        # ``threshold=1.5``) holds no data value: its numbers are the model's, not a resident's.
        series = pl.Series(lines, dtype=pl.String)
        numbers = series.str.contains(_NUMBERS_LINE) & ~series.str.contains(_BSN_KEYWORD_PREFILTER)
        series = pl.select(pl.when(numbers).then(pl.lit("")).otherwise(series)).to_series()
        for i, spans in _scan_many(series, self.known):
            self.add(path, f"line {i + 1}", lines[i], spans)

    # json --------------------------------------------------------------------------------------

    def json_doc(self, path: Path, doc: Any, prefix: str) -> None:
        strings = _json_strings(doc)
        if len(strings) >= _PRESCAN_MIN_STRINGS:
            # a large document (the fairness audit's figures per buurt): its strings pre-filtered
            # vectorised, as a table's cells are, instead of each scanned in Python
            uniq = list(strings)
            try:
                series = pl.Series(uniq, dtype=pl.String)
            except UnicodeEncodeError:
                series = None  # a lone surrogate (valid JSON, not UTF-8): scanned string by string
            if series is not None:
                self._prescanned = {uniq[i]: spans for i, spans in _scan_many(series, self.known)}
        try:
            self._emit(path, doc, "", None, prefix)
        finally:
            self._prescanned = None

    def _spans(self, text: str, *, bsn_context: bool = False) -> list[_Span]:
        """:func:`_scan_text` of a JSON key or string value, from the pre-scan where there is one."""
        if self._prescanned is None or bsn_context:
            return _scan_text(text, self.known, bsn_context=bsn_context)
        return list(self._prescanned.get(text, ()))

    def _json(self, path: Path, value: Any, where: str, key: str | None, prefix: str) -> list[_Span]:
        """Scan a JSON value at path ``where`` under ``key``; return the spans of a string value."""
        bsn_key = key is not None and _is_bsn_name(key)
        if isinstance(value, str):
            spans = self._spans(value, bsn_context=bsn_key)
            if key is not None and _is_birth_name(key):
                spans = _resolve(
                    spans + [_Span(m.start(), m.end(), "geboortedatum") for m in _date_cells(value)]
                )
            return spans
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return []
        if isinstance(value, int):
            if bsn_key and _int_is_bsn(value, allow_short=True):
                text = str(value)
                self.add(path, _json_location(prefix, where), text, [_Span(0, len(text), "bsn")])
            elif key is not None and _is_birth_name(key) and 10_000_000 <= value < 100_000_000:
                text = str(value)
                self.add(path, _json_location(prefix, where), text, [_Span(0, len(text), "geboortedatum")])
            return []
        if isinstance(value, list):
            for i, item in enumerate(value):
                self._emit(path, item, f"{where}[{i}]", key, prefix)
            return []
        if isinstance(value, dict):
            self._json_object(path, value, where, prefix)
        return []

    def _emit(self, path: Path, value: Any, where: str, key: str | None, prefix: str) -> None:
        spans = self._json(path, value, where, key, prefix)
        if spans:
            self.add(path, _json_location(prefix, where), value, spans)

    def _json_object(self, path: Path, obj: dict[str, Any], where: str, prefix: str) -> None:
        strings: list[tuple[str, str, list[_Span]]] = []
        for k, v in obj.items():
            key_spans = self._spans(k)
            shown = _mask_all(k, key_spans)  # a key may itself be an identifier: never echo it
            child = f"{where}.{shown}" if where else shown
            if key_spans:
                self.add(path, _json_location(prefix, child) + " (name)", k, key_spans)
            spans = self._json(path, v, child, k, prefix)
            if isinstance(v, str):
                strings.append((child, v, spans))
        # Rule (c): a known birth date next to a known name in the same object.
        known = self.known
        if (
            known is not None
            and known.birth_dates
            and any(sp.soort == "naam" for _, _, s in strings for sp in s)
        ):
            strings = [(c, v, _resolve(s + _known_date_spans(v, known))) for c, v, s in strings]
        for child, v, spans in strings:
            self.add(path, _json_location(prefix, child), v, spans)

    # tables ------------------------------------------------------------------------------------

    def table(self, path: Path, columns: Sequence[tuple[str, pl.DataType]], read: _ColumnReader) -> None:
        name_rows: set[int] = set()
        birth_cells: set[tuple[int, str]] = set()
        for idx, (name, dtype) in enumerate(columns):
            name_spans = _scan_text(name, self.known)
            shown = _mask_all(name, name_spans)
            if name_spans:
                self.add(path, f"header, column {idx}", name, name_spans)
            for field_name in _nested_names(shown, dtype):
                if _is_identifying_name(field_name.rsplit(".", 1)[-1]):
                    self.findings.append(
                        Finding(path, f"column {shown}", "identificerende_kolom", f"kolom {field_name}")
                    )
            s = read(name)
            if _is_birth_name(name):
                for r in self._birth_column(path, shown, s):
                    birth_cells.add((r, name))
            name_rows |= self._column(path, shown, name, s)
        # Rule (c): a known birth date anywhere in a row that holds a known name.
        known = self.known
        if known is None or not known.birth_dates or not name_rows:
            return
        rows = sorted(name_rows)
        for name, dtype in columns:
            nested = isinstance(dtype, (pl.List, pl.Array, pl.Struct))
            if not (dtype.is_temporal() or dtype == pl.String or nested):
                continue
            shown = _mask_all(name, _scan_text(name, known))
            cells = read(name).gather(rows)
            if nested:  # a nested cell's dates are read from its JSON text
                cells = _json_text(cells)
            for r, v in zip(rows, cells.to_list(), strict=True):
                if v is None or (r, name) in birth_cells:
                    continue
                if isinstance(v, str):
                    spans = _known_date_spans(v, known)
                    if spans and nested:
                        # the dates alone: the cell's fields reported what else it holds (masked here)
                        if any(f.soort == "geboortedatum" and _in_cell(f, r, shown) for f in self.findings):
                            continue  # a birth-date field of the cell said so already
                        every = _resolve(spans + _scan_text(v, known))
                        for sp, ex in zip(every, _excerpts(v, every), strict=True):
                            if sp.soort == "geboortedatum":
                                self.findings.append(Finding(path, f"row {r}, column {shown}", sp.soort, ex))
                    elif spans:
                        # Mask the name in the same cell too, if there is one.
                        self.add(path, f"row {r}, column {shown}", v, _resolve(spans + _scan_text(v, known)))
                else:
                    d = v.date() if isinstance(v, dt.datetime) else v
                    if d in known.birth_dates:
                        text = str(v)
                        self.add(
                            path, f"row {r}, column {shown}", text, [_Span(0, len(text), "geboortedatum")]
                        )

    def _birth_column(self, path: Path, shown: str, s: pl.Series, rows: pl.Series | None = None) -> list[int]:
        """Rule (a): every date-like cell of a birth-date column; returns its rows.

        ``rows``: the table's row of each value, for a nested column's field (see :meth:`_nested`).
        """
        if s.dtype.is_temporal():
            hit = s.is_not_null()
        elif s.dtype.is_integer():
            wide = s.cast(pl.Int64, strict=False)
            hit = ((wide >= 10_000_000) & (wide < 100_000_000)).fill_null(False)
        elif s.dtype == pl.String:
            hit = s.str.contains(_DATE_CELL_PREFILTER).fill_null(False)
        else:
            return []
        found = hit.arg_true().to_list()
        at = _rows_of(rows, found)
        for r, v in zip(at, s.gather(found).cast(pl.String).to_list(), strict=True):
            self.findings.append(
                Finding(path, f"row {r}, column {shown}", "geboortedatum", _mask("geboortedatum", v))
            )
        return at

    def _nested(self, path: Path, shown: str, name: str, s: pl.Series) -> set[int]:
        """A nested column field by field: each leaf scanned as a column of its own.

        Lists are taken apart element by element and structs field by field, each value keeping
        its row in the table; a field is then a column like any other (record ids set aside,
        repeated values scanned once, a field named like a BSN or a birth date treated as such).
        Field names are scanned like column names (and masked in locations).
        """
        if isinstance(self.known, _WordCollector):
            # Rule (c) (in table()) reads a cell with a known name and birth date as its whole JSON
            # text, where words of different leaves stand side by side: those words too.
            self.known.add_texts(_json_text(s))
        name_rows: set[int] = set()
        rows = pl.int_range(0, len(s), dtype=pl.Int64, eager=True)
        context: list[pl.Series] = []  # rows with a BSN keyword or birth word in a string field
        for parts, at, values in _leaves(rows, s):
            if values.dtype == pl.String:
                word = values.str.contains(_BSN_KEYWORD_PREFILTER) | values.str.contains(_BIRTH_PREFILTER)
                context.append(at.filter(word.fill_null(False)))
            label = shown
            for part in parts:
                spans = _scan_text(part, self.known)
                if spans:
                    self.add(path, f"header, column {label} (field)", part, spans)
                label = f"{label}.{_mask_all(part, spans)}"
            key = parts[-1] if parts else name
            if _is_birth_name(key):
                self._birth_column(path, label, values, at)
            name_rows |= self._column(path, label, key, values, at)
        # What a field alone cannot show, the cell's JSON text does (it is how nested cells were
        # scanned before): a BSN keyword or birth word in one field and the number or date in
        # another. Cells with such a word in a string are scanned whole as JSON text too; what
        # that adds in a row is reported where its fields did not already report its kind.
        where = pl.concat(context).unique().sort() if context else rows.clear()
        if len(where):
            whole = _Scanner(self.known)
            name_rows |= whole._column(path, shown, name, _json_text(s.gather(where)), where)
            mine = [f for f in self.findings if f.location.startswith("row ")]
            for f in whole.findings:
                r = int(f.location.split(",", 1)[0].removeprefix("row "))
                if not any(g.soort == f.soort and _in_cell(g, r, shown) for g in mine):
                    self.findings.append(f)
        return name_rows

    def _column(
        self, path: Path, shown: str, name: str, s: pl.Series, rows: pl.Series | None = None
    ) -> set[int]:
        """BSNs, names and birth dates in one column's cells; returns the rows with a known name.

        ``rows``: the table's row of each value, for a nested column's field (see :meth:`_nested`).
        """
        bsn_context = _is_bsn_name(name)
        kvk_context = _is_kvk_name(name)
        known = None if kvk_context else self.known  # for the integers: KvK numbers are 8 digits
        if s.dtype.is_integer():
            lost = known is not None and bool(known.bsn_pseudonyms)
            low = 10_000_000 if bsn_context or lost else 100_000_000
            wide = s.cast(pl.Int64, strict=False)  # an Int8 cannot even be compared with 10**8
            cand = wide.filter((wide >= low) & (wide < 1_000_000_000))
            bad = [v for v in cand.unique().to_list() if _int_is_bsn(v, allow_short=bsn_context, known=known)]
            if bad:
                idx = wide.is_in(bad).fill_null(False).arg_true().to_list()
                for r, v in zip(_rows_of(rows, idx), wide.gather(idx).to_list(), strict=True):
                    text = str(v)
                    self.add(path, f"row {r}, column {shown}", text, [_Span(0, len(text), "bsn")])
            return set()
        if isinstance(s.dtype, (pl.List, pl.Array, pl.Struct)):
            return self._nested(path, shown, name, s)
        if isinstance(s.dtype, (pl.Categorical, pl.Enum, pl.Decimal)):
            s = s.cast(pl.String)
        if s.dtype != pl.String:
            return set()
        values = s.drop_nulls()
        # record ids hold nothing (see _scan_many): set aside before the distinct values are found
        # (a shard's links hold millions, all distinct)
        values = values.filter(~values.str.contains(_RECORD_ID_ONLY)).unique()
        hits = {
            values[i]: spans
            for i, spans in _scan_many(values, self.known, bsn_context=bsn_context, kvk_context=kvk_context)
        }
        if not hits:
            return set()
        excerpts = {v: _excerpts(v, spans) for v, spans in hits.items()}
        name_rows: set[int] = set()
        idx = s.is_in(list(hits)).fill_null(False).arg_true().to_list()
        for r, v in zip(_rows_of(rows, idx), s.gather(idx).to_list(), strict=True):
            for sp, ex in zip(hits[v], excerpts[v], strict=True):
                self.findings.append(Finding(path, f"row {r}, column {shown}", sp.soort, ex))
                if sp.soort == "naam":
                    name_rows.add(r)
        return name_rows


def _json_text(s: pl.Series) -> pl.Series:
    """Each nested cell as JSON text, under a neutral key (the column name may itself be masked)."""
    return s.to_frame("v").select(pl.struct(pl.col("v")).struct.json_encode()).to_series()


def _in_cell(f: Finding, row: int, shown: str) -> bool:
    """Whether a finding is in a row's cell of a column (``row 12, column x`` or a field ``x.y``)."""
    head = f"row {row}, column {shown}"
    return f.location == head or f.location.startswith(head + ".")


def _rows_of(rows: pl.Series | None, idx: list[int]) -> list[int]:
    """The table's rows of the values at ``idx`` (themselves when ``rows`` is None)."""
    return idx if rows is None else rows.gather(idx).to_list()


def _leaves(
    rows: pl.Series, values: pl.Series, parts: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], pl.Series, pl.Series]]:
    """The leaves of nested values: ``(field names, table rows, values)`` per leaf field."""
    dtype = values.dtype
    if isinstance(dtype, (pl.List, pl.Array)):
        items = values.arr.to_list() if isinstance(dtype, pl.Array) else values
        if dtype.inner == pl.String:
            # a list's strings read together as well: a name may run over two of them
            several = pl.DataFrame({"r": rows, "v": items}).filter(pl.col("v").list.len() > 1)
            if several.height:
                yield parts, several.get_column("r"), several.get_column("v").list.join(" ")
        frame = pl.DataFrame({"r": rows, "v": items}).explode("v").drop_nulls("v")
        yield from _leaves(frame.get_column("r"), frame.get_column("v"), parts)
    elif isinstance(dtype, pl.Struct):
        for f in dtype.fields:
            yield from _leaves(rows, values.struct.field(f.name), (*parts, f.name))
    else:
        yield parts, rows, values


class _ColumnReader:
    """Reads one column of a table at a time (parquet lazily, CSV from the frame read once)."""

    def __init__(self, path: Path, frame: pl.DataFrame | None = None) -> None:
        self.path = path
        self.frame = frame

    def __call__(self, name: str) -> pl.Series:
        if self.frame is not None:
            return self.frame.get_column(name)
        return pl.read_parquet(self.path, columns=[name]).get_column(name)


def _nested_names(name: str, dtype: object) -> list[str]:
    """The column's name and, for structs (also in lists), the dotted names of its fields."""
    out = [name]
    if isinstance(dtype, (pl.List, pl.Array)):
        out += _nested_names(name, dtype.inner)[1:]
    elif isinstance(dtype, pl.Struct):
        for f in dtype.fields:
            out += _nested_names(f"{name}.{f.name}", f.dtype)
    return out


#: A JSON document with this many distinct strings is pre-scanned vectorised (:meth:`_Scanner.json_doc`).
_PRESCAN_MIN_STRINGS = 256


def _json_strings(doc: Any) -> set[str]:
    """Every distinct string of a JSON document: object keys and string values, at any depth."""
    out: set[str] = set()
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            out.update(v)
            stack.extend(v.values())
    return out


def _json_location(prefix: str, where: str) -> str:
    return f"{prefix}key {where or '$'}"


def _date_cells(value: str) -> Iterator[re.Match[str]]:
    yield from _DATE_RE.finditer(value)
    yield from re.finditer(r"(?<![0-9])[0-9]{8}(?![0-9])", value)


def _int_is_bsn(value: int, *, allow_short: bool, known: KnownIdentifiers | None = None) -> bool:
    """A BSN as a number: 9 digits, or 8 (a lost leading zero) in a BSN's column or when known."""
    if 100_000_000 <= value < 1_000_000_000:
        return is_valid_bsn(str(value))
    if not 10_000_000 <= value < 100_000_000:
        return False
    return (allow_short and is_valid_bsn(str(value))) or (known is not None and known._lost_zero(str(value)))


_HTML_TAG_RE = re.compile(r"</?[A-Za-z][\w:-]*|/?>|<!--|-->|data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")


def _html_line(line: str) -> str:
    """An HTML line without tag names, markup and inline images; attribute values stay."""
    line = _HTML_TAG_RE.sub(" ", line)
    return html.unescape(line) if "&" in line else line


def _scan_file(scanner: _Scanner, path: Path) -> str | None:
    """Scan one file; return the reason it was skipped, or None when it was read."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            schema = pl.read_parquet_schema(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            return f"unreadable parquet: {exc}"
        scanner.table(path, list(schema.items()), _ColumnReader(path))
        return None
    if suffix not in {".csv", ".json"} | _JSONL_SUFFIXES | _TEXT_SUFFIXES and path.name not in _TEXT_NAMES:
        return "not a text, table or JSON file"
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return "binary content"
    content = data.decode("utf-8", errors="replace")
    if suffix == ".csv":
        try:
            frame = pl.read_csv(data, infer_schema=False)
        except pl.exceptions.PolarsError:
            frame = None  # ragged or otherwise odd: still scanned, as lines of text
        if frame is not None:
            scanner.table(path, list(frame.schema.items()), _ColumnReader(path, frame))
            return None
        scanner.text(path, content)
        return None
    if suffix == ".json":
        try:
            doc = json.loads(content)
        except ValueError:
            scanner.text(path, content)
            return None
        scanner.json_doc(path, doc, "")
        return None
    if suffix in _JSONL_SUFFIXES:
        for n, line in enumerate(content.splitlines(), start=1):
            try:
                doc = json.loads(line)
            except ValueError:
                scanner.add(path, f"line {n}", line, _scan_text(line, scanner.known))
                continue
            scanner.json_doc(path, doc, f"line {n}, ")
        return None
    scanner.text(path, content, is_html=suffix in {".html", ".htm"})
    return None


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # Symlinked directories (``latest``) are not followed: they point at what is scanned anyway.
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    yield Path(root) / f
        else:
            yield p


def scan_paths(paths: Iterable[Path], known: KnownIdentifiers | None = None) -> ScanResult:
    """Look for direct identifiers in files and, recursively, in directories.

    See the module docstring for what counts as an identifier. JSON numbers are checked for a BSN
    only under a key named like one (``bsn``, ``burgerservicenummer``, ``sofi``), so that counts
    and byte sizes in ``run.json`` do not raise false alarms; JSON strings are always checked.

    Args:
        paths: Files and directories.
        known: The persons' names and birth dates from the run's input; without them names are
            not looked for and birth dates only by their column, key or wording.

    Returns:
        The findings (with masked excerpts), the files read and the files skipped.
    """
    scanner = _Scanner(known)
    skipped: list[SkippedFile] = []
    scanned: list[Path] = []
    seen: set[Path] = set()
    for path in _expand(paths):
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        if not path.is_file():
            skipped.append(SkippedFile(path, "not found" if not path.exists() else "not a regular file"))
            continue
        try:
            reason = _scan_file(scanner, path)
        except OSError as exc:
            reason = f"unreadable: {exc}"
        if reason is None:
            scanned.append(path)
        else:
            skipped.append(SkippedFile(path, reason))
    # The same identifier can be reached by two rules (say a birth date by its column and its row).
    findings = tuple(dict.fromkeys(scanner.findings))
    return ScanResult(findings=findings, skipped=tuple(skipped), scanned=tuple(scanned))


def check_paths(paths: Iterable[Path], known: KnownIdentifiers | None = None) -> ScanResult:
    """Scan like :func:`scan_paths` and fail when anything is found.

    Args:
        paths: Files and directories.
        known: The persons' names and birth dates from the run's input.

    Returns:
        The (clean) scan result, for its list of skipped files.

    Raises:
        PrivacyError: When any direct identifier is found; the message names up to 10 findings
            (file, location, kind, masked excerpt) and the total.
    """
    result = scan_paths(paths, known)
    if result.findings:
        raise PrivacyError(result.findings)
    return result


def identifiers_in_text(text: str, known: KnownIdentifiers | None = None) -> list[str]:
    """The identifiers in one free text (a rationale, a note), each as a masked excerpt.

    Without ``known`` only what can be recognised by its form is found: a BSN (nine digits that
    pass the 11-proef, or eight after the word BSN) and a date next to a birth word. Names cannot
    be recognised by their form; the commands that take free text say so in their help.
    """
    spans = _scan_text(text, known)
    return [f"{sp.soort}: {ex}" for sp, ex in zip(spans, _excerpts(text, spans), strict=True)]


def find_identifiers(text: str, known: KnownIdentifiers | None = None) -> list[Finding]:
    """The identifiers in one free text (a note, a rationale), found as in a run's outputs.

    The same rules as :func:`check_paths` applies to a text file: with ``known`` (a run's
    :class:`KnownIdentifiers`, or :meth:`KnownIdentifiers.stored` of a run in shards) its persons'
    names in any word order and BSNs with a lost leading zero as well. Each finding's file is
    ``<tekst>``, its location ``line N`` and its excerpt masked.
    """
    lines = text.splitlines() or [text]
    scanner = _Scanner(known)
    for i, spans in _scan_many(pl.Series(lines, dtype=pl.String), known):
        scanner.add(_TEXT_FILE, f"line {i + 1}", lines[i], spans)
    return scanner.findings


# --- retention --------------------------------------------------------------------------------

_AGE_RE = re.compile(r"^\s*([0-9]+)\s*([dwmy])\s*$", re.IGNORECASE)
_AGE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_age(text: str) -> dt.timedelta:
    """Read a retention age: ``90d``, ``12w``, ``6m`` (30-day months) or ``2y`` (365-day years).

    Args:
        text: A positive whole number and a unit.

    Returns:
        The age as a timedelta.

    Raises:
        ConfigError: When the text is not such an age, or is zero.
    """
    m = _AGE_RE.match(text)
    if m is None:
        raise ConfigError(
            f"invalid age {text!r}: expected a whole number and a unit d, w, m (30 days) or y (365 days),"
            " e.g. '90d'"
        )
    n = int(m.group(1))
    if n <= 0:
        raise ConfigError(f"invalid age {text!r}: must be more than zero")
    try:
        return dt.timedelta(days=n * _AGE_DAYS[m.group(2).lower()])
    except OverflowError as exc:
        raise ConfigError(f"invalid age {text!r}: too large") from exc


@dataclass(frozen=True)
class PurgedRun:
    """A run folder that :func:`purge_runs` removed (or, in a dry run, would remove).

    Attributes:
        run_id: The folder's name.
        started: When the run started, from its ``run.json``.
        path: Where the folder was.
    """

    run_id: str
    started: dt.datetime
    path: Path


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _run_started(run_json: Path) -> dt.datetime | None:
    try:
        info = json.loads(run_json.read_text(encoding="utf-8"))
        return _aware(dt.datetime.fromisoformat(info["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def purge_runs(
    out_dir: Path, older_than: dt.timedelta, *, now: dt.datetime | None = None, dry_run: bool = False
) -> list[PurgedRun]:
    """Remove run folders that started more than ``older_than`` before ``now``.

    A run folder is a directory of ``out_dir`` with a ``run.json``; its age is the ``started``
    timestamp in it (a folder whose ``run.json`` cannot be read or has no ``started`` is kept:
    what cannot be dated is not deleted). Other directories (``governance/``), hidden ones and
    symlinks are never touched, except that ``latest`` is removed when it points to a purged run.
    A folder is first renamed to ``.purge-<run_id>`` and then deleted, so that a crash halfway
    never leaves part of a run looking like a run; such leftovers are deleted on the next purge.

    Args:
        out_dir: The folder holding the run folders.
        older_than: Retention period; must be positive.
        now: The reference time (default: the current time, UTC); naive times are taken as UTC.
        dry_run: Only report what would be removed.

    Returns:
        The purged (or, with ``dry_run``, purgeable) runs, oldest first.

    Raises:
        ConfigError: When ``older_than`` is not positive.
    """
    if older_than <= dt.timedelta(0):
        raise ConfigError(f"retention period must be positive, got {older_than}")
    if not out_dir.is_dir():
        return []
    bound = _aware(now or dt.datetime.now(dt.UTC)) - older_than
    runs: list[PurgedRun] = []
    for child in out_dir.iterdir():
        if child.name.startswith(".") or child.is_symlink() or not child.is_dir():
            continue
        if not (child / "run.json").is_file():
            continue
        started = _run_started(child / "run.json")
        if started is not None and started < bound:
            runs.append(PurgedRun(run_id=child.name, started=started, path=child))
    runs.sort(key=lambda r: (r.started, r.run_id))
    if dry_run:
        return runs
    for leftover in out_dir.glob(".purge-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    latest = out_dir / "latest"
    purged_names = {r.run_id for r in runs}
    if latest.is_symlink() and latest.readlink().name in purged_names:
        latest.unlink()
    for run in runs:
        tomb = out_dir / f".purge-{run.run_id}"
        os.replace(run.path, tomb)
        shutil.rmtree(tomb)
    return runs
