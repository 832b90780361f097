"""Address matching: every address-bearing record tied to a BAG verblijfsobject.

Normalise first (case, diacritics, street abbreviations, postcode spacing; a source's huisletter
and toevoeging are read as the BAG's by :func:`linkage.suffixes.read_suffix`), then match exactly,
in order of strength:

1. ``bag_id``: the source carries the BAG reference (BRP ``nummeraanduiding_id``, Kadaster
   ``verblijfsobject_id``) and it exists in the BAG extract.
2. ``postcode_huisnummer``: postcode + huisnummer + normalised suffix (letter and toevoeging).
3. ``straat_huisnummer``: normalised street + huisnummer + suffix, for a mistyped or missing postcode.
4. ``postcode_huisnummer_vertaald``, ``straat_huisnummer_vertaald``: where the suffix as written
   names no object at that address, the other forms the BAG may write it in (a floor word as the
   floor's number or roman numeral, a ground floor as ``H`` or no suffix, ...), taken only when
   exactly one object at that address has one of them.
5. ``postcode_huisnummer_uniek``: postcode + huisnummer when exactly one object has that number
   (the suffix was lost, garbled or not understood), a weaker match.
6. ``fuzzy``: what is left (with a suffix that could be read) is scored against the objects with
   the same huisnummer in its neighbourhood (same postcode, same PC4 area, or same street):
   postcode agreement, Jaro-Winkler similarity of the street and agreement of the suffix, combined
   into ``zekerheid``. The best candidate is taken when it scores at least the configured threshold
   and clearly beats the runner-up; otherwise the record is reported as ``ambiguous`` or unmatched.

Steps 1-5 are polars joins; step 6 is SQL on the linkage backend (DuckDB in-process, or Spark with
``linkage.backend = "spark"``, :mod:`linkage.backends`), with the same answers on both. A suffix
marking a collective connection (one meter for a whole building) is matched by none of the steps:
it belongs to no one object.

What matches nothing is reported with a reason: ``collective connection``, ``afgeschermd`` (no
address, e.g. a shielded KvK home address), ``incomplete address`` (no house number), ``suffix not
understood``, ``ambiguous`` (several objects fit), ``no such number`` (the street or postcode
exists, the number does not), ``unknown address``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from linkage.backends import SqlFunctions, backend_name, run_query, sql_functions
from linkage.suffixes import COLLECTIVE, read_suffix
from linkage.text import fold_text

if TYPE_CHECKING:
    from vastgoed.core.config import LinkageConfig

__all__ = [
    "ADDRESS_SOURCES",
    "AddressMatch",
    "match_addresses",
    "normalise_street",
    "normalise_suffix",
    "street_key_expr",
    "suffix_key_expr",
]

#: Source stem -> (street column, has a BAG reference column or None).
ADDRESS_SOURCES: dict[str, tuple[str, str | None]] = {
    "brp_inschrijvingen": ("openbare_ruimte", "nummeraanduiding_id"),
    "kvk_vestigingen": ("straat", None),
    "kadaster_eigendom": ("straat", "verblijfsobject_id"),
    "vergunningen": ("straat", None),
    "energie_verbruik": ("straat", None),
    "meldingen": ("straat", None),
}

#: Confidence of each method (``zekerheid``): exact keys are near-certain; the unique-number
#: fallback drops the suffix and so can pick the wrong unit when the suffix was wrong, not missing.
_ZEKERHEID = {
    "bag_id": 1.0,
    "postcode_huisnummer": 0.99,
    "straat_huisnummer": 0.95,
    "postcode_huisnummer_vertaald": 0.95,
    "straat_huisnummer_vertaald": 0.9,
    "postcode_huisnummer_uniek": 0.85,
}

# Titles abbreviated at the start of a word (``Burg. Cortenstraat``): the period or a space must follow.
_PREFIX_ABBREVIATIONS = (
    (r"burg", "burgemeester"),
    (r"mgr", "monseigneur"),
    (r"prof", "professor"),
    (r"dr", "doctor"),
    (r"gen", "generaal"),
)

# Abbreviations at the end of a word (``Brusselsestr.``) or standing alone.
_SUFFIX_ABBREVIATIONS = (
    (r"str\.?$", "straat"),
    (r"pl\.?$", "plein"),
    (r"ln\.?$", "laan"),
    (r"wg\.?$", "weg"),
    (r"sngl\.?$", "singel"),
    (r"kd\.?$", "kade"),
)


def street_key_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised street normalisation: a key without case, diacritics, abbreviations or spaces."""
    s = fold_text(col)
    s = s.str.replace_all(r"\s+", " ").str.strip_chars()
    s = s.str.replace_all(r"^st[\.\s]+", "sint ").str.replace_all(r"\bst\.\s*", "sint ")
    s = s.str.replace_all(r"\bsint(\S)", "sint $1")
    for short, full in _PREFIX_ABBREVIATIONS:
        s = s.str.replace_all(r"\b" + short + r"(\.\s*|\s+)", full + " ")
    for pattern, full in _SUFFIX_ABBREVIATIONS:
        s = s.str.replace_all(r"(\w)" + pattern, "${1}" + full)
        s = s.str.replace_all(r"\s" + pattern, " " + full)
    return s.str.replace_all(r"[^a-z0-9]", "")


def suffix_key_expr(letter: pl.Expr, toevoeging: pl.Expr) -> pl.Expr:
    """Huisletter and toevoeging as one key.

    ``A``/``a``/``-A``/`` a`` give ``a``; ``2``/``-2``/``002`` give ``2`` (leading zeros are dropped).
    """
    return (
        pl.concat_str([letter.fill_null(""), toevoeging.fill_null("")])
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]", "")
        .str.replace_all(r"(^|[a-z])0+([0-9])", "${1}${2}")
    )


def normalise_street(value: str) -> str:
    """Scalar form of :func:`street_key_expr` (for tests and single lookups)."""
    out = pl.select(street_key_expr(pl.lit(value, dtype=pl.String))).item()
    return str(out)


def normalise_suffix(letter: str | None, toevoeging: str | None) -> str:
    """Scalar form of :func:`suffix_key_expr`."""
    out = pl.select(
        suffix_key_expr(pl.lit(letter, dtype=pl.String), pl.lit(toevoeging, dtype=pl.String))
    ).item()
    return str(out)


@dataclass(frozen=True)
class AddressMatch:
    """The result of matching all sources.

    Attributes:
        links: ``record, bron, rij, verblijfsobject_id, methode, zekerheid`` for every matched record.
        unmatched: ``record, bron, rij, reden`` for every record that matched nothing.
    """

    links: pl.DataFrame
    unmatched: pl.DataFrame

    def coverage(self) -> pl.DataFrame:
        """Share of records matched, per source."""
        m = self.links.group_by("bron").len("gekoppeld")
        u = self.unmatched.group_by("bron").len("niet_gekoppeld")
        return (
            m.join(u, on="bron", how="full", coalesce=True)
            .fill_null(0)
            .with_columns(
                (pl.col("gekoppeld") / (pl.col("gekoppeld") + pl.col("niet_gekoppeld"))).alias("dekking")
            )
            .sort("bron")
        )


def _bag_keys(bag: pl.DataFrame) -> pl.DataFrame:
    # the BAG's own suffix has the BAG's form: its key is read literally
    sfx = suffix_key_expr(pl.col("huisletter"), pl.col("huisnummertoevoeging"))
    return bag.select(
        "verblijfsobject_id",
        "nummeraanduiding_id",
        pl.col("postcode").alias("_pc"),
        pl.col("huisnummer").alias("_nr"),
    ).with_columns(
        _by_distinct(bag, _SUFFIX_COLUMNS, sfx, "_sfx"),
        _by_distinct(bag, ["openbare_ruimte"], street_key_expr(pl.col("openbare_ruimte")), "_str"),
    )


_SUFFIX_COLUMNS = ["huisletter", "huisnummertoevoeging"]
_READING_SCHEMA = pl.Schema(
    {
        "huisletter": pl.String(),
        "huisnummertoevoeging": pl.String(),
        "_sfx": pl.String(),
        "_alts": pl.List(pl.String()),
        "_why": pl.String(),
    }
)


def _suffix_readings(df: pl.DataFrame) -> pl.DataFrame:
    """``_sfx``, ``_alts`` and ``_why`` of every row of a source (:func:`read_suffix`).

    Worked out once per distinct suffix: a municipality's millions of records write a few thousand.
    """
    keys = df.select(pl.col(_SUFFIX_COLUMNS).cast(pl.String))
    distinct = keys.unique()
    rows = []
    for letter, toevoeging in distinct.iter_rows():
        r = read_suffix(letter, toevoeging)
        rows.append((letter, toevoeging, r.key, list(r.alternatives), r.reason))
    read = pl.DataFrame(rows, schema=_READING_SCHEMA, orient="row")
    return keys.join(read, on=_SUFFIX_COLUMNS, how="left", nulls_equal=True, maintain_order="left").select(
        "_sfx", "_alts", "_why"
    )


def _by_distinct(df: pl.DataFrame, cols: list[str], expr: pl.Expr, name: str) -> pl.Series:
    """``expr`` of every row of ``df``, computed once per distinct value of ``cols`` (nulls included)."""
    keys = df.select(cols)
    distinct = keys.unique().with_columns(expr.alias(name))
    return keys.join(distinct, on=cols, how="left", nulls_equal=True, maintain_order="left").get_column(name)


def _unique_on(keys: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """Keys that identify exactly one object (ambiguous ones are left out and reported)."""
    return (
        keys.group_by(on)
        .agg(pl.col("verblijfsobject_id").first(), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .drop("_n")
    )


def _source_keys(stem: str, df: pl.DataFrame, street_col: str) -> pl.DataFrame:
    street = street_key_expr(pl.col(street_col)).fill_null("")
    return pl.concat(
        [
            df.select(
                (pl.lit(stem + ":") + pl.col("rij").cast(pl.String)).alias("record"),
                pl.lit(stem).alias("bron"),
                pl.col("rij"),
                pl.col("postcode").alias("_pc"),
                pl.col("huisnummer").cast(pl.Int64).alias("_nr"),
            ).with_columns(_by_distinct(df, [street_col], street, "_str")),
            _suffix_readings(df),
        ],
        how="horizontal",
    )


def _by_alternatives(todo: pl.DataFrame, keys: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """``rij, verblijfsobject_id`` where a suffix's other forms name exactly one object.

    Only for records whose suffix as written names no object at their address (``on``).
    """
    written = todo.join(keys, on=[*on, "_sfx"], how="semi")
    cand = (
        todo.join(written.select("rij"), on="rij", how="anti")
        .select("rij", *on, pl.col("_alts").alias("_sfx"))
        .explode("_sfx")
        .drop_nulls("_sfx")
    )
    return (
        cand.join(keys.select(*on, "_sfx", "verblijfsobject_id"), on=[*on, "_sfx"])
        .group_by("rij")
        .agg(pl.col("verblijfsobject_id").unique())
        .filter(pl.col("verblijfsobject_id").list.len() == 1)
        .select("rij", pl.col("verblijfsobject_id").list.first())
    )


def _fuzzy_sql(fn: SqlFunctions) -> str:
    """The fuzzy step's query over ``todo`` and ``bag``, in ``fn``'s dialect."""
    jw_str = fn.jaro_winkler("b._str", "t._str")
    return f"""
with cand as (
    select t.rij, b.verblijfsobject_id, t._pc is not null as has_pc,
        case when b._pc = t._pc then 1.0
             when left(b._pc, 4) = left(t._pc, 4)
                  and (right(b._pc, 1) = right(t._pc, 1)
                       or substr(b._pc, 5, 1) = substr(t._pc, 5, 1)) then 0.7
             when left(b._pc, 4) = left(t._pc, 4) then 0.5
             else 0.0 end as pc_score,
        {jw_str} as str_score,
        case when b._sfx = t._sfx then 1.0
             when b._sfx = '' or t._sfx = '' then 0.4
             -- two suffixes read and different name two units, however alike they look (35, 3)
             else 0.0 end as sfx_score
    from todo t join bag b
      on b._nr = t._nr
     and (b._pc = t._pc or b._str = t._str
          or (left(b._pc, 4) = left(t._pc, 4) and {jw_str} >= 0.8)
          or (t._pc is null and {jw_str} >= 0.9))
), scored as (
    -- without a postcode the score rests on street and suffix alone
    select rij, verblijfsobject_id,
        case when has_pc then 0.35 * pc_score + 0.45 * str_score + 0.20 * sfx_score
             else (0.45 * str_score + 0.20 * sfx_score) / 0.65 end as score
    from cand
), ranked as (
    select *,
        row_number() over (partition by rij order by score desc nulls last, verblijfsobject_id) as pos,
        lead(score) over (partition by rij order by score desc nulls last, verblijfsobject_id) as runner_up
    from scored
)
select rij, verblijfsobject_id, score, coalesce(runner_up, 0.0) as runner_up from ranked where pos = 1
"""


#: The best fuzzy candidate must beat the runner-up by this much; otherwise the record is ambiguous.
_FUZZY_MARGIN = 0.05


def _fuzzy(
    todo: pl.DataFrame, keys: pl.DataFrame, threshold: float, backend: LinkageConfig | None
) -> pl.DataFrame:
    """Score the leftovers against same-number objects in their neighbourhood (SQL, Jaro-Winkler)."""
    schema = {"rij": pl.Int64, "verblijfsobject_id": pl.String, "zekerheid": pl.Float64}
    todo = todo.filter(pl.col("_nr").is_not_null())
    if todo.height == 0:
        return pl.DataFrame(schema=schema)
    best = run_query(
        backend,
        _fuzzy_sql(sql_functions(backend_name(backend))),
        {
            "todo": todo.select("rij", "_pc", "_nr", "_sfx", "_str"),
            "bag": keys.select("verblijfsobject_id", "_pc", "_nr", "_sfx", "_str"),
        },
    )
    return (
        best.filter((pl.col("score") >= threshold) & (pl.col("score") - pl.col("runner_up") >= _FUZZY_MARGIN))
        .select("rij", "verblijfsobject_id", pl.col("score").round(4).alias("zekerheid"))
        .cast(schema)  # type: ignore[arg-type]
        .sort("rij")
    )


@dataclass(frozen=True)
class _BagIndex:
    """The BAG's keys, and the key tables the exact steps join on."""

    keys: pl.DataFrame
    full: pl.DataFrame  # postcode + number + suffix naming one object
    street: pl.DataFrame  # street + number + suffix naming one object
    number: pl.DataFrame  # postcode + number naming one object
    counts: pl.DataFrame  # objects per postcode + number
    postcodes: pl.DataFrame
    streets: pl.DataFrame

    @classmethod
    def of(cls, bag: pl.DataFrame) -> _BagIndex:
        keys = _bag_keys(bag)
        return cls(
            keys=keys,
            full=_unique_on(keys, ["_pc", "_nr", "_sfx"]),
            street=_unique_on(keys, ["_str", "_nr", "_sfx"]),
            number=_unique_on(keys, ["_pc", "_nr"]),
            counts=keys.group_by("_pc", "_nr").len("_n"),
            postcodes=keys.select("_pc").unique().with_columns(pl.lit(True).alias("_pc_ok")),
            streets=keys.select("_str").unique().with_columns(pl.lit(True).alias("_str_ok")),
        )


_LINK_SCHEMA = {
    "record": pl.String,
    "bron": pl.String,
    "rij": pl.Int64,
    "verblijfsobject_id": pl.String,
    "methode": pl.String,
    "zekerheid": pl.Float64,
}
_UNMATCHED_SCHEMA = {"record": pl.String, "bron": pl.String, "rij": pl.Int64, "reden": pl.String}
_OUT_COLUMNS = ["record", "bron", "rij", "verblijfsobject_id", "methode"]


def match_addresses(
    bag: pl.DataFrame,
    sources: dict[str, pl.DataFrame],
    *,
    fuzzy_threshold: float = 0.9,
    backend: LinkageConfig | None = None,
) -> AddressMatch:
    """Match every address-bearing record of ``sources`` to a verblijfsobject of ``bag``.

    Args:
        bag: The validated BAG table.
        sources: Validated source tables by stem (as the ingest returns them, with ``rij``);
            stems not in :data:`ADDRESS_SOURCES` are ignored.
        fuzzy_threshold: Minimum score of a fuzzy match.
        backend: The linkage configuration whose ``backend`` says where the fuzzy step's SQL runs
            (DuckDB in-process, or Spark); None: DuckDB. The exact steps are polars either way.

    Returns:
        The links and the unmatched records with reasons.
    """
    index = _BagIndex.of(bag)
    links: list[pl.DataFrame] = []
    unmatched: list[pl.DataFrame] = []
    for stem, (street_col, ref_col) in ADDRESS_SOURCES.items():
        df = sources.get(stem)
        if df is None or df.height == 0:
            continue
        found, left = _match_source(_source_keys(stem, df, street_col), df, ref_col, index)
        # a suffix that could not be read has no part in a score that weighs the suffix
        readable = left.filter(pl.col("_sfx").is_not_null())
        fuzzy = _fuzzy(readable, index.keys, fuzzy_threshold, backend).join(
            left.select("record", "bron", "rij"), on="rij"
        )
        found.append(
            fuzzy.select(
                *_OUT_COLUMNS[:3], "verblijfsobject_id", pl.lit("fuzzy").alias("methode"), "zekerheid"
            )
        )
        links.extend(found)
        unmatched.append(_unmatched(left.join(fuzzy.select("rij"), on="rij", how="anti"), index))
    return AddressMatch(
        links=pl.concat(links) if links else pl.DataFrame(schema=_LINK_SCHEMA),
        unmatched=pl.concat(unmatched) if unmatched else pl.DataFrame(schema=_UNMATCHED_SCHEMA),
    )


def _match_source(
    todo: pl.DataFrame, df: pl.DataFrame, ref_col: str | None, index: _BagIndex
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """The exact steps (1-5) for one source's records: their links, and the records left over."""
    links: list[pl.DataFrame] = []
    certainty = pl.col("methode").replace_strict(_ZEKERHEID, return_dtype=pl.Float64).alias("zekerheid")

    def take(todo: pl.DataFrame, hit: pl.DataFrame, methode: str) -> pl.DataFrame:
        """Keep ``hit``'s links as ``methode``; return the records of ``todo`` not in it."""
        links.append(
            hit.with_columns(pl.lit(methode).alias("methode")).select(_OUT_COLUMNS).with_columns(certainty)
        )
        return todo.join(hit.select("rij"), on="rij", how="anti")

    if ref_col is not None:
        ref = df.select(pl.col("rij"), pl.col(ref_col).alias("_ref")).filter(pl.col("_ref").is_not_null())
        on_bag = "nummeraanduiding_id" if ref_col == "nummeraanduiding_id" else "verblijfsobject_id"
        bag_ref = index.keys.select(pl.col(on_bag).alias("_ref"), "verblijfsobject_id")
        todo = take(todo, todo.join(ref, on="rij").join(bag_ref, on="_ref"), "bag_id")
    todo = take(todo, todo.join(index.full, on=["_pc", "_nr", "_sfx"]), "postcode_huisnummer")
    todo = take(todo, todo.join(index.street, on=["_str", "_nr", "_sfx"]), "straat_huisnummer")
    for methode, on in (
        ("postcode_huisnummer_vertaald", ["_pc", "_nr"]),
        ("straat_huisnummer_vertaald", ["_str", "_nr"]),
    ):
        todo = take(todo, todo.join(_by_alternatives(todo, index.keys, on), on="rij"), methode)
    # a collective connection serves a whole building: no one object is its address, not even the
    # number's only one; it is reported (_unmatched) with the records that match nothing
    collective = todo.filter(pl.col("_why") == COLLECTIVE)
    todo = todo.filter(pl.col("_why").ne_missing(COLLECTIVE))
    todo = take(todo, todo.join(index.number, on=["_pc", "_nr"]), "postcode_huisnummer_uniek")
    return links, pl.concat([collective, todo])


def _unmatched(todo: pl.DataFrame, index: _BagIndex) -> pl.DataFrame:
    """``record, bron, rij, reden`` of the records no step matched."""
    return (
        todo.join(index.counts, on=["_pc", "_nr"], how="left")
        .join(index.postcodes, on="_pc", how="left")
        .join(index.streets, on="_str", how="left")
        .select(
            "record",
            "bron",
            "rij",
            pl.when(pl.col("_why") == COLLECTIVE)
            .then(pl.col("_why"))
            .when(pl.col("_pc").is_null() & (pl.col("_str") == ""))
            .then(pl.lit("afgeschermd"))
            .when(pl.col("_nr").is_null())
            .then(pl.lit("incomplete address"))
            .when(pl.col("_why").is_not_null())
            .then(pl.col("_why"))
            .when(pl.col("_n") > 1)
            .then(pl.lit("ambiguous"))
            .when(pl.col("_pc_ok").fill_null(False) | pl.col("_str_ok").fill_null(False))
            .then(pl.lit("no such number"))
            .otherwise(pl.lit("unknown address"))
            .alias("reden"),
        )
        .sort("rij")
    )
