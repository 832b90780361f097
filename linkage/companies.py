"""Company linkage: every company-bearing record tied to a KvK number.

Where a source carries the KvK number (KvK's own files, Kadaster ``eigenaar_kvk_nummer``, permit
``aanvrager_kvk_nummer``) that is the link (``methode = kvk_nummer``). Otherwise the name is matched
against the trade names (``handelsnaam``) of the KvK extract:

- ``handelsnaam``: the normalised name (case, diacritics, punctuation and legal form removed)
  equals exactly one enterprise's trade name;
- ``handelsnaam_adres``: several enterprises share the name, and exactly one has an establishment
  at the record's address;
- ``handelsnaam_fuzzy``: normalised Levenshtein similarity (1 − edits / length) of the normalised
  names at or above the threshold, raised when the record's address is one of the enterprise's
  establishments, and clearly better than the runner-up. Levenshtein, not Jaro-Winkler: the
  latter's prefix bonus makes ``Jeurissen, P.L.`` look like ``Jeurissen Holding B.V.``. Names in
  a person's form (``Jeurissen, P.L.``, ``P.L. Jeurissen``) never enter the fuzzy step.

Because sole traders trade under names that look like anything (``Kapper Trichter``), the trade-name
register decides whether a permit applicant without a KvK number is a company: one that matches is
a company; one that does not is left to the person linkage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from linkage.backends import duckdb_connect
from linkage.text import fold_text

__all__ = ["CompanyMatch", "company_name_key_expr", "link_companies"]

# Legal forms and their spellings; removed from names before comparing.
_LEGAL_FORMS = r"\b(b\s?v|n\s?v|v\s?o\s?f|c\s?v|u\s?a|holding b\s?v)\b"
_FUZZY_MARGIN = 0.03
# ``Surname, J.K.`` or ``J.K. Surname``: a person's name as registries abbreviate it.
_PERSON_FORM = r"^[^,]+,\s*([A-Za-z]\.\s*)+$|^([A-Za-z]\.\s*)+\S"


def company_name_key_expr(col: pl.Expr) -> pl.Expr:
    """A trade name as a comparison key: ``Goud Beheer B.V.`` and ``goud beheer bv`` give ``goudbeheer``."""
    s = fold_text(col)
    s = s.str.replace_all(r"[.,]", "").str.replace_all(r"[^a-z0-9 ]", " ").str.replace_all(r"\s+", " ")
    return s.str.replace_all(_LEGAL_FORMS, " ").str.replace_all(r"[^a-z0-9]", "")


@dataclass(frozen=True)
class CompanyMatch:
    """Company links and the company records that matched nothing.

    Attributes:
        links: ``record, bron, rij, kvk_nummer, methode, zekerheid``.
        unmatched: ``record, bron, rij, reden``.
    """

    links: pl.DataFrame
    unmatched: pl.DataFrame


_LINK_SCHEMA = {
    "record": pl.String,
    "bron": pl.String,
    "rij": pl.Int64,
    "kvk_nummer": pl.String,
    "methode": pl.String,
    "zekerheid": pl.Float64,
}


def _rec(stem: str) -> pl.Expr:
    return (pl.lit(stem + ":") + pl.col("rij").cast(pl.String)).alias("record")


def _direct(stem: str, df: pl.DataFrame, col: str) -> pl.DataFrame:
    return df.filter(pl.col(col).is_not_null()).select(
        _rec(stem),
        pl.lit(stem).alias("bron"),
        pl.col("rij").cast(pl.Int64),
        pl.col(col).alias("kvk_nummer"),
        pl.lit("kvk_nummer").alias("methode"),
        pl.lit(1.0).alias("zekerheid"),
    )


_FUZZY_SQL = """
with cand as (
    select t.rij, n.kvk_nummer,
           1.0 - levenshtein(t._key, n._key) / greatest(length(t._key), length(n._key)) as sim,
           exists (select 1 from est e where e.kvk_nummer = n.kvk_nummer
                   and e.verblijfsobject_id = t.verblijfsobject_id) as same_address
    from todo t join names n on left(t._key, 3) = left(n._key, 3)
    where abs(length(t._key) - length(n._key)) <= 3
      and 1.0 - levenshtein(t._key, n._key) / greatest(length(t._key), length(n._key)) >= ? - 0.05
), scored as (
    select rij, kvk_nummer, least(1.0, sim + case when same_address then 0.05 else 0.0 end) as score from cand
), ranked as (
    select *, row_number() over (partition by rij order by score desc, kvk_nummer) as pos,
              lead(score) over (partition by rij order by score desc, kvk_nummer) as runner_up
    from scored
)
select rij, kvk_nummer, score, coalesce(runner_up, 0.0) as runner_up from ranked where pos = 1
"""


def _by_name(
    stem: str,
    todo: pl.DataFrame,
    names: pl.DataFrame,
    establishments: pl.DataFrame,
    threshold: float,
) -> pl.DataFrame:
    """Match ``todo`` (``rij, _key, verblijfsobject_id``) on trade name."""
    counts = names.group_by("_key").agg(pl.col("kvk_nummer").unique())
    exact = todo.join(counts, on="_key", how="inner")
    one = exact.filter(pl.col("kvk_nummer").list.len() == 1).select(
        "rij",
        pl.col("kvk_nummer").list.first(),
        pl.lit("handelsnaam").alias("methode"),
        pl.lit(0.98).alias("zekerheid"),
    )
    several = (
        exact.filter(pl.col("kvk_nummer").list.len() > 1)
        .explode("kvk_nummer")
        .join(establishments, on=["kvk_nummer", "verblijfsobject_id"], how="semi")
        .group_by("rij")
        .agg(pl.col("kvk_nummer").unique())
        .filter(pl.col("kvk_nummer").list.len() == 1)
        .select(
            "rij",
            pl.col("kvk_nummer").list.first(),
            pl.lit("handelsnaam_adres").alias("methode"),
            pl.lit(0.97).alias("zekerheid"),
        )
    )
    done = pl.concat([one, several])
    rest = todo.join(exact.select("rij"), on="rij", how="anti").filter(~pl.col("_person_form"))
    fuzzy = pl.DataFrame(
        schema={"rij": pl.Int64, "kvk_nummer": pl.String, "methode": pl.String, "zekerheid": pl.Float64}
    )
    if rest.height:
        con = duckdb_connect()
        try:
            con.register("todo", rest.select("rij", "_key", "verblijfsobject_id"))
            con.register("names", names.unique(["kvk_nummer", "_key"]))
            con.register("est", establishments)
            best: pl.DataFrame = con.sql(_FUZZY_SQL, params=[threshold]).pl()
        finally:
            con.close()
        fuzzy = best.filter(
            (pl.col("score") >= threshold) & (pl.col("score") - pl.col("runner_up") >= _FUZZY_MARGIN)
        ).select(
            pl.col("rij").cast(pl.Int64),
            "kvk_nummer",
            pl.lit("handelsnaam_fuzzy").alias("methode"),
            pl.col("score").round(4).alias("zekerheid"),
        )
    out = pl.concat([done.with_columns(pl.col("rij").cast(pl.Int64)), fuzzy])
    return out.select(_rec(stem), pl.lit(stem).alias("bron"), "rij", "kvk_nummer", "methode", "zekerheid")


def link_companies(
    tables: Mapping[str, pl.DataFrame], address_links: pl.DataFrame, *, name_threshold: float = 0.92
) -> CompanyMatch:
    """Link the company-bearing records of every source to a KvK number.

    Args:
        tables: Validated tables by stem (with ``rij``).
        address_links: The address links (``bron, rij, verblijfsobject_id``) of :func:`match_addresses`.
        name_threshold: Minimum Jaro-Winkler similarity of a fuzzy trade-name match.

    Returns:
        Links and unmatched records. Permit applicants without a KvK number whose name matches no
        trade name are not company records and appear in neither.
    """
    links: list[pl.DataFrame] = [pl.DataFrame(schema=_LINK_SCHEMA)]
    unmatched: list[pl.DataFrame] = [
        pl.DataFrame(schema={"record": pl.String, "bron": pl.String, "rij": pl.Int64, "reden": pl.String})
    ]
    vest = tables.get("kvk_vestigingen")
    if vest is None:
        return CompanyMatch(pl.concat(links), pl.concat(unmatched))
    links.append(_direct("kvk_vestigingen", vest, "kvk_nummer"))

    names = vest.select("kvk_nummer", company_name_key_expr(pl.col("handelsnaam")).alias("_key")).unique()
    est_links = address_links.filter(pl.col("bron") == "kvk_vestigingen").select("rij", "verblijfsobject_id")
    establishments = (
        vest.select("rij", "kvk_nummer")
        .join(est_links, on="rij")
        .select("kvk_nummer", "verblijfsobject_id")
        .unique()
    )

    def addressed(stem: str, df: pl.DataFrame, name_col: str) -> pl.DataFrame:
        vbo = address_links.filter(pl.col("bron") == stem).select("rij", "verblijfsobject_id")
        return df.select(
            pl.col("rij").cast(pl.Int64),
            company_name_key_expr(pl.col(name_col)).alias("_key"),
            pl.col(name_col).str.strip_chars().str.contains(_PERSON_FORM).alias("_person_form"),
        ).join(vbo, on="rij", how="left")

    kad = tables.get("kadaster_eigendom")
    if kad is not None:
        legal = kad.filter(pl.col("eigenaar_type") == "rechtspersoon")
        links.append(_direct("kadaster_eigendom", legal, "eigenaar_kvk_nummer"))
        todo = addressed(
            "kadaster_eigendom", legal.filter(pl.col("eigenaar_kvk_nummer").is_null()), "eigenaar_naam"
        )
        hit = _by_name("kadaster_eigendom", todo, names, establishments, name_threshold)
        links.append(hit)
        unmatched.append(
            todo.join(hit.select("rij"), on="rij", how="anti").select(
                _rec("kadaster_eigendom"),
                pl.lit("kadaster_eigendom").alias("bron"),
                "rij",
                pl.lit("no matching trade name").alias("reden"),
            )
        )
    verg = tables.get("vergunningen")
    if verg is not None:
        links.append(_direct("vergunningen", verg, "aanvrager_kvk_nummer"))
        todo = addressed(
            "vergunningen", verg.filter(pl.col("aanvrager_kvk_nummer").is_null()), "aanvrager_naam"
        )
        links.append(_by_name("vergunningen", todo, names, establishments, name_threshold))
    return CompanyMatch(links=pl.concat(links), unmatched=pl.concat(unmatched))
