"""The link certainties a signal rests on: per verblijfsobject, the weakest links that feed it.

A signal is only as good as the links behind it: the records matched to the object (registrations,
utility use, companies, ownership, permits, reports) and, for the person-bearing ones among them,
the link that put the record's person in their cluster. A person record that joined nobody (a
singleton, certainty 0 in ``links/personen.parquet``) rests on no link and does not count.
"""

from __future__ import annotations

import polars as pl

__all__ = ["LINK_SCHEMA", "object_link_certainty"]

#: One link in a signal's dossier.
LINK_SCHEMA = pl.Struct(
    {"record": pl.String, "soort": pl.String, "methode": pl.String, "zekerheid": pl.Float64}
)


def object_link_certainty(
    address_links: pl.DataFrame, person_links: pl.DataFrame, *, n_weakest: int = 5
) -> pl.DataFrame:
    """Per object with links: the weakest certainty, the number of links, and the weakest links.

    Args:
        address_links: ``record, verblijfsobject_id, methode, zekerheid`` (``links/adressen``).
        person_links: ``record, persoon_id, zekerheid`` (``links/personen``).
        n_weakest: How many of the weakest links to list.

    Returns:
        ``verblijfsobject_id, koppeling_min_zekerheid, n_koppelingen, zwakste_koppelingen`` (a list
        of :data:`LINK_SCHEMA`, weakest first), and the weakest of each kind:
        ``koppeling_min_zekerheid_adres`` (a record's address link) and
        ``koppeling_min_zekerheid_persoon`` (a person record's link to its cluster; null without one).
    """
    addr = address_links.select(
        "verblijfsobject_id",
        "record",
        pl.lit("adres").alias("soort"),
        pl.col("methode").cast(pl.String),
        pl.col("zekerheid").cast(pl.Float64),
    )
    persons = (
        person_links.filter(pl.col("zekerheid") > 0)
        .join(address_links.select("record", "verblijfsobject_id"), on="record", how="inner")
        .select(
            "verblijfsobject_id",
            "record",
            pl.lit("persoon").alias("soort"),
            pl.lit("splink").alias("methode"),
            pl.col("zekerheid").cast(pl.Float64),
        )
    )
    links = pl.concat([addr, persons]).sort(["verblijfsobject_id", "zekerheid", "record", "soort"])
    return links.group_by("verblijfsobject_id", maintain_order=True).agg(
        pl.col("zekerheid").min().alias("koppeling_min_zekerheid"),
        pl.len().cast(pl.Int64).alias("n_koppelingen"),
        pl.struct("record", "soort", "methode", "zekerheid").head(n_weakest).alias("zwakste_koppelingen"),
        *(
            pl.col("zekerheid")
            .filter(pl.col("soort") == soort)
            .min()
            .alias(f"koppeling_min_zekerheid_{soort}")
            for soort in ("adres", "persoon")
        ),
    )
