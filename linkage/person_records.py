"""Person-bearing records of every source, standardised for person linkage.

Four sources carry persons: BRP registrations (every row), KvK officers, Kadaster owners that are
natural persons, and permit applicants that are persons. Each becomes one row with the same
standardised fields, so that one Splink model compares them all:

* ``achternaam``: the surname without voorvoegsel, lower case, without diacritics;
* ``voorvoegsel``: the normalised prefix (``v.d.`` -> ``van de``, ``V. Der`` -> ``van der``), ``""``
  when there is none, so that ``Berg, J. van der`` meets geslachtsnaam ``Berg`` + voorvoegsel
  ``van der`` and KvK's merged ``van der Berg``;
* ``voornaam`` (the first given name, null when only initials are known) and ``voorletters``
  (the initials of all given names, ``gjm``);
* ``geboortedatum`` (complete ISO date or null) and its parts ``geb_jaar``, ``geb_maand``,
  ``geb_dag`` (null where unknown: BRP writes ``1970-00-00`` for a known year only);
* the address: ``postcode``, ``huisnummer`` as registered and ``verblijfsobject_ids`` (the BAG
  objects the address matching tied the record to; for a KvK officer the addresses of the
  enterprise's eenmanszaak/vof establishments, which are often the owner's home).

Everything is vectorised polars: the names are parsed with regular expressions, not per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from linkage.text import fold_text

__all__ = [
    "PERSON_RECORD_SCHEMA",
    "PERSON_SOURCES",
    "birth_date_parts",
    "is_person_name",
    "normalise_voorvoegsel",
    "parse_person_name",
    "person_records",
    "split_voorvoegsel",
]

#: The sources that carry persons, in a fixed order.
PERSON_SOURCES: tuple[str, ...] = (
    "brp_inschrijvingen",
    "kvk_functionarissen",
    "kadaster_eigendom",
    "vergunningen",
)

#: The columns :func:`person_records` returns.
PERSON_RECORD_SCHEMA: dict[str, pl.DataType] = {
    "record": pl.String(),
    "bron": pl.String(),
    "rij": pl.Int64(),
    "bsn_pseudoniem": pl.String(),
    "naam": pl.String(),
    "achternaam": pl.String(),
    "voorvoegsel": pl.String(),
    "voornaam": pl.String(),
    "voorletters": pl.String(),
    "geboortedatum": pl.String(),
    "geb_jaar": pl.Int32(),
    "geb_maand": pl.Int32(),
    "geb_dag": pl.Int32(),
    "postcode": pl.String(),
    "huisnummer": pl.Int64(),
    "verblijfsobject_ids": pl.List(pl.String()),
}

# Words of a voorvoegsel (lower case, after expanding abbreviations). Only Dutch/German/French
# particles: ``El`` and ``Ait`` in ``El Amrani``/``Ait Taleb`` are part of the surname.
_PREFIX_WORDS = (
    "van",
    "de",
    "der",
    "den",
    "het",
    "'t",
    "ter",
    "ten",
    "te",
    "in",
    "op",
    "onder",
    "uit",
    "aan",
    "bij",
    "voor",
    "over",
    "von",
    "vom",
    "zu",
    "du",
    "des",
    "le",
    "la",
    "l'",
    "d'",
)
_PREFIX_WORD_RE = "(?:" + "|".join(w.replace(".", r"\.") for w in _PREFIX_WORDS) + ")"
# One or more prefix words, then the surname (at least one more word).
_SPLIT_RE = rf"^((?:{_PREFIX_WORD_RE}\s+)+)(\S.*)$"
# Abbreviations written for prefixes: ``v.d.``, ``v/d``, ``vd``, ``v.``, ``v.der``, ``i.t.``.
_PREFIX_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bv\.\s*d\.?\s*(?:\b|$)", "van de "),
    (r"\bv/d\b", "van de "),
    (r"\bvd\b", "van de "),
    (r"\bv\.\s*der\b", "van der "),
    (r"\bv\.\s*den\b", "van den "),
    (r"\bv\.\s*de\b", "van de "),
    (r"\bv\.\s*", "van "),
    (r"\bi\.\s*t\.?\s*", "in 't "),
    (r"[’`´]", "'"),
    (r"\bhet\b", "'t"),
)
_INITIAL_TOKEN = r"(?:\p{L}\.)+"
_BUSINESS_WORDS = (
    r"b\.?\s?v\.?",
    r"n\.?\s?v\.?",
    r"v\.?\s?o\.?\s?f\.?",
    r"c\.?\s?v\.?",
    "stichting",
    "woonstichting",
    "vereniging",
    "coöperatie",
    "cooperatie",
    "holding",
    "beheer",
    "investments?",
    "vastgoed",
    "maatschappij",
    "groep",
    "gemeente",
    "services?",
    "solutions",
    "makelaardij",
    "ontwikkeling",
    "exploitatie",
    "caf[eé]",
    "cafetaria",
    "eetcaf[eé]",
    "bar",
    "restaurant",
    "brasserie",
    "lunchroom",
    "hotel",
    "pension",
    "bakkerij",
    "slagerij",
    "winkel",
    "kapsalon",
    "supermarkt",
    "snackbar",
    "shoarma",
    "pizzeria",
    "coffeeshop",
    "praktijk",
    "bureau",
    "bv",
    "nv",
    "vof",
)
_BUSINESS_RE = r"(?i)(?:^|\s)(?:" + "|".join(_BUSINESS_WORDS) + r")(?:\s|$|,)"


def _ascii_lower(col: pl.Expr) -> pl.Expr:
    """Lower case, diacritics removed, whitespace collapsed."""
    return fold_text(col).str.replace_all(r"[^a-z' \-]", " ").str.replace_all(r"\s+", " ").str.strip_chars()


def _voorvoegsel_expr(col: pl.Expr) -> pl.Expr:
    out = col.str.to_lowercase().str.strip_chars()
    for pattern, repl in _PREFIX_ABBREVIATIONS:
        out = out.str.replace_all(pattern, repl)
    return out.str.replace_all(r"\s+", " ").str.strip_chars().fill_null("")


def normalise_voorvoegsel(value: str | None) -> str:
    """The normal form of a voorvoegsel: ``V.D.`` -> ``van de``, ``In 'T`` -> ``in 't``, None -> ``""``."""
    out = pl.select(_voorvoegsel_expr(pl.lit(value, dtype=pl.String))).item()
    return str(out)


def _split_exprs(full: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(voorvoegsel, surname) of a surname that may start with its prefix (``van der Berg``)."""
    norm = _voorvoegsel_expr(full)
    vv = norm.str.extract(_SPLIT_RE, 1).str.strip_chars().fill_null("")
    rest = pl.when(vv != "").then(norm.str.extract(_SPLIT_RE, 2)).otherwise(norm)
    return vv, rest


def split_voorvoegsel(surname: str) -> tuple[str, str]:
    """Split a leading voorvoegsel off a surname: ``van der Berg`` -> (``van der``, ``berg``)."""
    vv, rest = _split_exprs(pl.lit(surname, dtype=pl.String))
    row = pl.select(vv.alias("vv"), _ascii_lower(rest).alias("rest")).row(0)
    return str(row[0]), str(row[1])


def _initials_of(given: pl.Expr) -> pl.Expr:
    """``Gerard Johannes Maria`` -> ``gjm``."""
    return (
        _ascii_lower(given.str.replace_all(r"[.\-]", " "))
        .str.extract_all(r"(?:^|\s)\w")
        .list.eval(pl.element().str.strip_chars())
        .list.join("")
    )


def birth_date_parts(col: pl.Expr) -> list[pl.Expr]:
    """Birth-date parts of a partial date string (``1970-00-00``, ``19700304``).

    Returns:
        ``geboortedatum`` (complete ISO date or null), ``geb_jaar``, ``geb_maand``, ``geb_dag``
        (each null where unknown).
    """
    digits = col.str.replace_all(r"\D", "")
    y = digits.str.slice(0, 4).cast(pl.Int32, strict=False)
    m = digits.str.slice(4, 2).cast(pl.Int32, strict=False)
    d = digits.str.slice(6, 2).cast(pl.Int32, strict=False)
    y = pl.when(y > 0).then(y)
    m = pl.when((m >= 1) & (m <= 12)).then(m)
    d = pl.when((d >= 1) & (d <= 31)).then(d)
    full = pl.when(y.is_not_null() & m.is_not_null() & d.is_not_null()).then(
        pl.format("{}-{}-{}", y, m.cast(pl.String).str.zfill(2), d.cast(pl.String).str.zfill(2))
    )
    return [
        full.alias("geboortedatum"),
        y.alias("geb_jaar"),
        m.alias("geb_maand"),
        d.alias("geb_dag"),
    ]


# ", van der" at the end: a prefix written after the name it belongs to (``Kort, de``).
_PREFIX_RUN = rf"(?i:{_PREFIX_WORD_RE})(?:\s+(?i:{_PREFIX_WORD_RE}))*"
_TRAILING_PREFIX_RE = rf"^(.*?\S)\s*,\s*({_PREFIX_RUN})$"


_MIDDLE_PREFIX_RE = rf"^([^,]+?)\s*,\s*({_PREFIX_RUN})\s*,\s*(\S.*)$"


def _prefix_after_comma(raw: pl.Expr) -> pl.Expr:
    """``J. Kort, de`` -> ``J. de Kort``; ``MEER, VAN DER, F.`` -> ``MEER, F. van der``.

    Registers write the voorvoegsel after the whole name and a comma. Where the part before the
    comma is one word (``Berg, van der``) it is the surname and the comma form already reads it.
    """
    # "MEER, VAN DER, F." -> "MEER, F. van der"
    middle = raw.str.extract_groups(_MIDDLE_PREFIX_RE)
    raw = (
        pl.when(middle.struct.field("3").is_not_null())
        .then(
            pl.concat_str(
                [
                    middle.struct.field("1"),
                    pl.lit(", "),
                    middle.struct.field("3"),
                    pl.lit(" "),
                    middle.struct.field("2").str.to_lowercase(),
                ]
            )
        )
        .otherwise(raw)
    )
    before = raw.str.extract(_TRAILING_PREFIX_RE, 1)
    prefix = raw.str.extract(_TRAILING_PREFIX_RE, 2)
    head = before.str.extract(r"^(.*\S)\s+\S+$", 1)
    last = before.str.extract(r"(\S+)$", 1)
    moved = pl.concat_str([head, prefix.str.to_lowercase(), last], separator=" ")
    return pl.when(head.is_not_null() & ~before.str.contains(",")).then(moved).otherwise(raw)


def _raw_name(name: pl.Expr) -> pl.Expr:
    """Spacing collapsed, a salutation read past, ``Fam. X`` as ``X,``, a trailing voorvoegsel moved."""
    spaced = name.str.replace_all(r"\s+", " ").str.strip_chars()
    # "Fam. Chaoui" names a household by its surname alone: written as "Chaoui," it has no given names
    family = pl.when(spaced.str.contains(_FAMILY_RE + r"\S")).then(spaced.str.replace(_FAMILY_RE, "") + ",")
    return _prefix_after_comma(pl.coalesce(family, _without_salutation(spaced)))


def _after_first(raw: pl.Expr) -> pl.Expr:
    return raw.str.extract(r"^\S+\s+(.*)$", 1)


_KNOWN_LEAD = "__lead__"


def _known_lead(names: pl.DataFrame, known: _KnownNames) -> pl.DataFrame:
    """``naam, __lead__``: the given names after the first in a ``Anna Maria Rutten`` form name.

    The words after the first word that end in the longest known surname (of up to three words:
    ``el idrissi`` over ``idrissi``) are given names before it (``Anna Marla Rutten``: ``marla`` is a
    typo, ``rutten`` a known surname); failing that, the leading words that are known given names
    (the last word always stays the surname). A voorvoegsel word is never a given name. Joined with
    a trailing space; empty when all the words are the surname (``M. El Amrani``); null where
    neither rule applies. Looked up per word in frames, not per name in lists: a region has
    millions of names and tens of thousands of known names.
    """
    words = (
        names.select("naam", _after_first(_raw_name(pl.col("naam"))).str.split(" ").alias("w"))
        .drop_nulls("w")
        .explode("w")
        .filter(pl.col("w") != "")
        .with_columns(
            pl.int_range(pl.len()).over("naam").alias("pos"),
            _ascii_lower(pl.col("w")).alias("low"),
        )
    )
    given = known.given if known.given is not None else pl.Series(dtype=pl.String)
    surnames = known.surnames if known.surnames is not None else pl.Series(dtype=pl.String)
    words = words.with_columns(
        pl.col("low").is_in(given.implode()).alias("_given"),
        pl.col("w").str.to_lowercase().is_in(list(_PREFIX_WORDS)).alias("_prefix"),
    )
    per = words.group_by("naam").agg(
        pl.col("w"),
        pl.len().alias("n"),
        pl.col("pos").filter(pl.col("_prefix")).min().alias("_first_prefix"),
        pl.col("pos").filter(~pl.col("_given")).min().alias("_first_other"),
        *[pl.col("low").tail(k).str.join(" ").alias(f"_end{k}") for k in (1, 2, 3)],
    )
    free = pl.coalesce("_first_prefix", "n")
    lead_s: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for k in (1, 2, 3):  # the longest known ending wins
        hit = (pl.col("n") >= k) & (pl.col("n") - k <= free) & pl.col(f"_end{k}").is_in(surnames.implode())
        lead_s = pl.when(hit).then(pl.col("n") - k).otherwise(lead_s)
    lead_g = pl.min_horizontal(pl.coalesce("_first_other", "n"), pl.col("n") - 1, free)
    joined = pl.col("w").list.head(pl.col("_l")).list.join(" ") + " "
    return (
        per.with_columns(lead_s.alias("_ls"), lead_g.alias("_lg"))
        .with_columns(pl.coalesce("_ls", "_lg").alias("_l"))
        .select(
            "naam",
            pl.when(pl.col("_ls").is_not_null() & (pl.col("_ls") == 0))
            .then(pl.lit(""))
            .when(pl.col("_l") > 0)
            .then(joined)
            .alias(_KNOWN_LEAD),
        )
    )


def _parse_names(frame: pl.DataFrame, known: _KnownNames) -> pl.DataFrame:
    """``frame`` (with ``naam``) with the parsed name parts, each distinct name parsed once."""
    uniq = frame.select("naam").unique()
    uniq = uniq.join(_known_lead(uniq, known), on="naam", how="left", nulls_equal=True)
    parsed = uniq.lazy().with_columns(**_name_parts_exprs(pl.col("naam"), pl.col(_KNOWN_LEAD))).collect()
    return frame.join(parsed.drop(_KNOWN_LEAD), on="naam", how="left", nulls_equal=True)


def _name_parts_exprs(name: pl.Expr, known_lead: pl.Expr | None = None) -> dict[str, pl.Expr]:
    """Parse a one-field name (``Berg, J. van der``, ``J. van der Berg``, ``Jan van der Berg``).

    ``known_lead``: the given names after the first that the registers' known names reveal in the
    ``Anna Maria Rutten`` form (:func:`_known_lead`); without them the middle names became part of
    the surname (``maria rutten``) and the owner never met her records written ``Rutten, Anna
    Maria``.
    """
    raw = _raw_name(name)
    has_comma = raw.str.contains(",")
    # "Surname[, prefix words], initials-or-first-names[ prefix words]"
    left = raw.str.extract(r"^([^,]*),", 1).str.strip_chars()
    right = raw.str.extract(r",(.*)$", 1).str.strip_chars()
    r_initials = right.str.extract(rf"^((?:{_INITIAL_TOKEN}\s*)+)", 1).str.replace_all(r"\s", "")
    r_after_initials = pl.when(r_initials.is_not_null()).then(
        right.str.replace(rf"^(?:{_INITIAL_TOKEN}\s*)+", "")
    )
    # Right part without initials: capitalised words are given names, the rest is the prefix.
    r_given = pl.when(r_initials.is_null()).then(right.str.extract(r"^((?:\p{Lu}[\p{L}\-']*\s*)+)", 1))
    r_rest = (
        pl.when(r_initials.is_null())
        .then(right.str.replace(r"^(?:\p{Lu}[\p{L}\-']*\s*)+", ""))
        .otherwise(r_after_initials)
    )
    l_vv, l_sur = _split_exprs(left)
    comma_vv = pl.concat_str([_voorvoegsel_expr(r_rest), l_vv], separator=" ").str.strip_chars()
    # "initials rest" or "given-name rest"
    first_tok = raw.str.extract(r"^(\S+)", 1)
    after_first = _after_first(raw)
    starts_initials = first_tok.str.contains(rf"^{_INITIAL_TOKEN}$")
    # Extra given names before a prefix ("Jan Peter van Berg"): capitalised words before the first
    # prefix word belong to the given names when a prefix follows.
    before_prefix = after_first.str.extract(rf"^((?:\p{{Lu}}\S*\s+)+)(?i:{_PREFIX_WORD_RE})\s", 1)
    extra = before_prefix if known_lead is None else pl.coalesce(before_prefix, known_lead)
    rest = (
        pl.when(extra.is_not_null()).then(after_first.str.slice(extra.str.len_chars())).otherwise(after_first)
    )
    n_vv, n_sur = _split_exprs(rest)
    given_plain = (
        pl.when(starts_initials)
        .then(None)
        .otherwise(pl.concat_str([first_tok, extra.fill_null("")], separator=" ").str.strip_chars())
    )
    initials_plain = pl.when(starts_initials).then(first_tok)
    given = pl.when(has_comma).then(r_given.str.strip_chars()).otherwise(given_plain)
    initials_src = pl.when(has_comma).then(r_initials).otherwise(initials_plain)
    return {
        "achternaam": _ascii_lower(pl.when(has_comma).then(l_sur).otherwise(n_sur)),
        "voorvoegsel": pl.when(has_comma).then(comma_vv).otherwise(n_vv).fill_null(""),
        "voornamen": given,
        "voorletters_raw": initials_src,
    }


def parse_person_name(
    name: str, given_names: pl.Series | None = None, surnames: pl.Series | None = None
) -> dict[str, str | None]:
    """Parse one full name as Kadaster and permits write it (see :func:`person_records`).

    Args:
        name: The name as written.
        given_names: Known given names, lower case (see :func:`_known_lead`).
        surnames: Known surnames, lower case (see :func:`_known_lead`).

    Returns:
        ``achternaam``, ``voorvoegsel``, ``voornaam`` and ``voorletters`` in their standard form.
    """
    frame = pl.DataFrame({"naam": [name]}, schema={"naam": pl.String})
    out = _with_given(_parse_names(frame, _KnownNames(given=given_names, surnames=surnames)))
    row = out.row(0, named=True)
    return {k: row[k] for k in ("achternaam", "voorvoegsel", "voornaam", "voorletters")}


def _given_exprs() -> dict[str, pl.Expr]:
    given = _ascii_lower(pl.col("voornamen"))
    from_given = _initials_of(pl.col("voornamen"))
    from_raw = _ascii_lower(pl.col("voorletters_raw").str.replace_all(r"[.\s]", "")).str.replace_all(" ", "")
    return {
        "voornaam": pl.when(given != "").then(given.str.extract(r"^(\S+)", 1)),
        "voorletters": pl.coalesce(
            pl.when(pl.col("voorletters_raw").is_not_null()).then(from_raw),
            pl.when(from_given != "").then(from_given),
        ),
    }


def _with_given(frame: pl.DataFrame) -> pl.DataFrame:
    """Derive ``voornaam`` and ``voorletters`` from ``voornamen`` / ``voorletters_raw``."""
    return _parsed_unique(frame, ["voornamen", "voorletters_raw"], _given_exprs())


# Forms of address written before a name in permit and case systems ("Dhr.", "Mevr.", "Fam.").
_SALUTATION_RE = (
    r"(?i)^(?:de\s+heer|mevrouw|familie|dhr\.?|hr\.?|mevr\.?|mw\.?|mvr\.?|mr\.?|fam\.?|"
    r"heer|fa\.?|wed\.?|weduwe)\s+"
)
# "Fam. Chaoui": a household named by its surname alone.
_FAMILY_RE = r"(?i)^(?:familie|fam\.?)\s+"


def _without_salutation(raw: pl.Expr) -> pl.Expr:
    """``Mevr. I.S.J. van der Linden`` -> ``I.S.J. van der Linden``."""
    return raw.str.replace(_SALUTATION_RE, "")


def is_person_name(
    names: pl.Expr, first_names: pl.Series | None = None, surnames: pl.Series | None = None
) -> pl.Expr:
    """Whether an applicant name is a natural person's rather than an organisation's.

    A person's name has one of the registers' shapes (``Berg, J. van der``, ``J. van der Berg``,
    ``Jan van der Berg``) and no legal form or organisation word (``B.V.``, ``Stichting``,
    ``Beheer``, ``Gemeente``, ...). The ``First Surname`` shape is accepted only when the first
    word is a known given name (from ``first_names``), or the last a known surname (from
    ``surnames``: ``Llnda Rompelberg``), so ``Jacobs Café`` is not a person. A form of address
    before the name is read past (``Mevr. I. Geurts``), and ``Fam. Chaoui`` is a household: a person
    record with a surname only.

    Args:
        names: The name column.
        first_names: Known given names, lower case (e.g. from BRP ``voornamen``).
        surnames: Known surnames, lower case (e.g. from BRP ``geslachtsnaam``).

    Returns:
        A boolean expression.
    """
    spaced = names.str.replace_all(r"\s+", " ").str.strip_chars()
    family = spaced.str.contains(_FAMILY_RE + r"\S")
    raw = _without_salutation(spaced)
    comma_form = raw.str.contains(rf"^[^,]+,\s*(?:{_INITIAL_TOKEN}\s*)+(?:\s+[\p{{Ll}}'][\p{{Ll}}' ]*)?$")
    comma_given = raw.str.contains(r"^[^,]+,\s*\p{Lu}\p{Ll}+(?:\s+[\p{Ll}'][\p{Ll}' ]*)?$")
    initials_form = raw.str.contains(rf"^{_INITIAL_TOKEN}\s+\S")
    plain = raw.str.contains(r"^\p{Lu}\p{Ll}+(?:\s+\S+){1,4}$")
    known: pl.Expr = pl.lit(value=False)
    if first_names is not None and first_names.len() > 0:
        known = known | _ascii_lower(raw.str.extract(r"^(\S+)", 1)).is_in(first_names.implode())
    if surnames is not None and surnames.len() > 0:
        known = known | _ascii_lower(raw.str.extract(r"(\S+)$", 1)).is_in(surnames.implode())
    plain = plain & known
    business = spaced.str.contains(_BUSINESS_RE)
    return (comma_form | comma_given | initials_form | plain | family) & ~business


def _addresses(address_links: pl.DataFrame) -> pl.DataFrame:
    return address_links.select("record", "verblijfsobject_id").filter(
        pl.col("verblijfsobject_id").is_not_null()
    )


def _vbo_lists(keys: pl.DataFrame, address_links: pl.DataFrame) -> pl.DataFrame:
    """``record -> verblijfsobject_ids`` for the records in ``keys`` (a frame with ``record``)."""
    return (
        keys.select("record")
        .join(_addresses(address_links), on="record", how="left")
        .group_by("record")
        .agg(pl.col("verblijfsobject_id").drop_nulls().unique().sort().alias("verblijfsobject_ids"))
    )


def _record_id(stem: str) -> pl.Expr:
    return (pl.lit(stem + ":") + pl.col("rij").cast(pl.String)).alias("record")


def _finish(frame: pl.DataFrame, stem: str, address_links: pl.DataFrame) -> pl.DataFrame:
    frame = _with_given(frame).with_columns(
        pl.col("achternaam").replace("", None),
        pl.col("voornaam").replace("", None),
        pl.col("voorletters").replace("", None),
    )
    if "verblijfsobject_ids" not in frame.columns:
        frame = frame.join(_vbo_lists(frame, address_links), on="record", how="left")
    frame = frame.with_columns(
        pl.lit(stem).alias("bron"),
        pl.col("verblijfsobject_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )
    for col, dtype in PERSON_RECORD_SCHEMA.items():
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(col))
    return frame.select([pl.col(c).cast(t) for c, t in PERSON_RECORD_SCHEMA.items()])


def _registered_name(gn: pl.Expr, vv: pl.Expr) -> dict[str, pl.Expr]:
    """Surname and prefix from separate fields, also when the prefix was merged into the surname."""
    # "Kort, de": the prefix written after the surname and a comma
    trailing = gn.str.extract(_TRAILING_PREFIX_RE, 2)
    gn = pl.when(trailing.is_not_null()).then(gn.str.extract(_TRAILING_PREFIX_RE, 1)).otherwise(gn)
    s_vv, s_sur = _split_exprs(gn)
    own_vv = _voorvoegsel_expr(vv)
    after = _voorvoegsel_expr(trailing.fill_null(""))
    return {
        "achternaam": _ascii_lower(s_sur),
        "voorvoegsel": pl.concat_str([own_vv, after, s_vv], separator=" ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(),
    }


def _opt(df: pl.DataFrame, col: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(col) if col in df.columns else pl.lit(None, dtype=dtype).alias(col)


def _parsed_unique(df: pl.DataFrame, keys: list[str], exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """``df`` with ``exprs`` added, evaluated once per distinct ``keys`` (names repeat a lot)."""
    uniq = df.select(keys).unique().lazy().with_columns(**exprs).collect()
    return df.join(uniq, on=keys, how="left", nulls_equal=True)


def _with_dates(df: pl.DataFrame) -> pl.DataFrame:
    parts = birth_date_parts(pl.col("_geb"))
    return _parsed_unique(df, ["_geb"], {e.meta.output_name(): e for e in parts})


def _registered(df: pl.DataFrame, stem: str, birth: str | None) -> pl.DataFrame:
    """BRP and KvK: surname, voorvoegsel and given names in separate fields."""
    return df.select(
        _record_id(stem),
        "rij",
        _opt(df, "bsn_pseudoniem", pl.String()),
        _opt(df, "kvk_nummer", pl.String()),
        pl.col("geslachtsnaam").alias("_gn"),
        _opt(df, "voorvoegsel", pl.String()).alias("_vv"),
        pl.col("voornamen"),
        pl.lit(None, dtype=pl.String).alias("voorletters_raw"),
        (pl.col(birth).cast(pl.String) if birth in df.columns else pl.lit(None, pl.String)).alias("_geb"),
        _opt(df, "postcode", pl.String()),
        _opt(df, "huisnummer", pl.Int64()).cast(pl.Int64),
    )


def _registered_names(frame: pl.DataFrame) -> pl.DataFrame:
    naam = pl.concat_str(
        [pl.col("voornamen"), pl.col("_vv"), pl.col("_gn")], separator=" ", ignore_nulls=True
    )
    exprs = {"naam": naam, **_registered_name(pl.col("_gn"), pl.col("_vv"))}
    return _with_dates(_parsed_unique(frame, ["_gn", "_vv", "voornamen"], exprs))


def _brp(df: pl.DataFrame, address_links: pl.DataFrame) -> pl.DataFrame:
    frame = _registered_names(_registered(df, "brp_inschrijvingen", "geboortedatum"))
    return _finish(frame, "brp_inschrijvingen", address_links)


def _kvk(df: pl.DataFrame, vestigingen: pl.DataFrame | None, address_links: pl.DataFrame) -> pl.DataFrame:
    frame = _registered_names(_registered(df, "kvk_functionarissen", "geboortedatum"))
    if vestigingen is not None and vestigingen.height > 0 and "rechtsvorm" in vestigingen.columns:
        # A sole trader's or partner's establishment is often at home; a BV's office is not.
        est = (
            vestigingen.filter(pl.col("rechtsvorm").str.to_lowercase().is_in(["eenmanszaak", "vof"]))
            .select(_record_id("kvk_vestigingen"), "kvk_nummer")
            .join(_addresses(address_links), on="record")
            .group_by("kvk_nummer")
            .agg(pl.col("verblijfsobject_id").unique().sort().alias("verblijfsobject_ids"))
        )
        frame = frame.join(est, on="kvk_nummer", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("verblijfsobject_ids"))
    return _finish(frame, "kvk_functionarissen", address_links)


def _named(
    df: pl.DataFrame,
    stem: str,
    name_col: str,
    birth: str | None,
    address_links: pl.DataFrame,
    known: _KnownNames,
) -> pl.DataFrame:
    """Kadaster owners and permit applicants: the whole name in one field."""
    frame = df.select(
        _record_id(stem),
        "rij",
        pl.col(name_col).alias("naam"),
        (pl.col(birth).cast(pl.String) if birth in df.columns else pl.lit(None, pl.String)).alias("_geb"),
        _opt(df, "postcode", pl.String()),
        _opt(df, "huisnummer", pl.Int64()).cast(pl.Int64),
    )
    frame = _with_dates(_parse_names(frame, known))
    return _finish(frame, stem, address_links)


def person_records(tables: Mapping[str, pl.DataFrame], address_links: pl.DataFrame) -> pl.DataFrame:
    """One standardised row per person-bearing record of every source.

    Args:
        tables: Validated tables by stem, as the ingest returns them (with ``rij``; BRP with
            ``bsn_pseudoniem`` instead of ``bsn``). Missing person sources are skipped.
        address_links: The address matching's links (``record, verblijfsobject_id, ...``).

    Returns:
        A frame with the columns of :data:`PERSON_RECORD_SCHEMA`, sorted by source and row.
    """
    parts: list[pl.DataFrame] = []
    brp = tables.get("brp_inschrijvingen")
    kvk = tables.get("kvk_functionarissen")
    known = _KnownNames.of([t for t in (brp, kvk) if t is not None and t.height > 0])
    if brp is not None and brp.height > 0:
        parts.append(_brp(brp, address_links))
    if kvk is not None and kvk.height > 0:
        parts.append(_kvk(kvk, tables.get("kvk_vestigingen"), address_links))
    kad = tables.get("kadaster_eigendom")
    if kad is not None and kad.height > 0:
        persons = kad.filter(pl.col("eigenaar_type") == "natuurlijk_persoon")
        parts.append(
            _named(
                persons, "kadaster_eigendom", "eigenaar_naam", "eigenaar_geboortedatum", address_links, known
            )
        )
    verg = tables.get("vergunningen")
    if verg is not None and verg.height > 0:
        no_kvk = _opt(verg, "aanvrager_kvk_nummer", pl.String()).is_null()
        persons = verg.filter(no_kvk & is_person_name(pl.col("aanvrager_naam"), known.given, known.surnames))
        parts.append(_named(persons, "vergunningen", "aanvrager_naam", None, address_links, known))
    if not parts:
        return pl.DataFrame(schema=PERSON_RECORD_SCHEMA)
    return pl.concat(parts)


@dataclass(frozen=True)
class _KnownNames:
    """Given names and surnames the registered sources (BRP, KvK) write in separate fields."""

    given: pl.Series | None
    surnames: pl.Series | None

    @classmethod
    def of(cls, tables: list[pl.DataFrame]) -> _KnownNames:
        given = [_first_names(t) for t in tables if "voornamen" in t.columns]
        surnames = [
            t.select(_ascii_lower(pl.col("geslachtsnaam")).alias("s")).get_column("s").drop_nulls().unique()
            for t in tables
            if "geslachtsnaam" in t.columns
        ]
        return cls(
            given=pl.concat(given).unique() if given else None,
            surnames=pl.concat(surnames).unique() if surnames else None,
        )


def _first_names(table: pl.DataFrame) -> pl.Series:
    return (
        table.select(_ascii_lower(pl.col("voornamen")).str.split(" ").alias("v"))
        .explode("v")
        .filter(pl.col("v").str.len_chars() > 1)
        .get_column("v")
        .unique()
    )
