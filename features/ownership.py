"""Ownership and financing (Kadaster): sales history, mortgage, the buyer and its portfolio."""

from __future__ import annotations

import datetime as dt

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["OWNER_SCOPED", "OwnershipFeatures", "company_founded", "current_rights", "owner_scoped"]

#: The features that depend on what an owner holds, or on a company, anywhere in the data: in a run
#: in shards they are computed again over every shard's rights (:func:`owner_scoped`).
OWNER_SCOPED = ("koper_bedrijf_leeftijd_maanden", "portefeuille_eigenaar", "portefeuille_groei_2j")


def current_rights(eigendom: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """The rights current at the peildatum, each with its owner's key ``_eigenaar``.

    The key is the owner's KvK number, or for a natural person the folded name and birth date,
    hashed (the key never needs to be read back).
    """
    return (
        eigendom.filter(pl.col("datum_verkrijging") <= peildatum)
        .filter(pl.col("datum_einde").is_null() | (pl.col("datum_einde") > peildatum))
        .select(
            "verblijfsobject_id",
            pl.coalesce(
                pl.col("eigenaar_kvk_nummer"),
                pl.concat_str(
                    [
                        pl.col("eigenaar_naam").str.to_lowercase().str.replace_all(r"[^a-z]", ""),
                        pl.col("eigenaar_geboortedatum").cast(pl.String).fill_null(""),
                    ],
                    separator="|",
                ),
            )
            .hash(seed=8)
            .alias("_eigenaar"),
            "datum_verkrijging",
            "eigenaar_kvk_nummer",
        )
    )


def company_founded(vestigingen: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """Per KvK number, its first registration up to the peildatum: ``eigenaar_kvk_nummer, _opgericht``."""
    return (
        vestigingen.filter(pl.col("datum_inschrijving") <= peildatum)
        .group_by("kvk_nummer")
        .agg(pl.col("datum_inschrijving").min().alias("_opgericht"))
        .rename({"kvk_nummer": "eigenaar_kvk_nummer"})
    )


def owner_scoped(current: pl.DataFrame, founded: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """The :data:`OWNER_SCOPED` features of every object with a current right.

    Args:
        current: :func:`current_rights` of all the data (of every shard in a run in shards).
        founded: :func:`company_founded` of all the data (a KvK number in several shards may
            appear more than once; the earliest date counts).
        peildatum: The reference date.
    """
    portfolio = current.group_by("_eigenaar").agg(
        pl.col("verblijfsobject_id").n_unique().cast(pl.Int64).alias("portefeuille_eigenaar"),
        pl.col("verblijfsobject_id")
        .filter(pl.col("datum_verkrijging") > FeatureBuilder.days_before(peildatum, 730))
        .n_unique()
        .cast(pl.Int64)
        .alias("portefeuille_groei_2j"),
    )
    founded = founded.group_by("eigenaar_kvk_nummer").agg(pl.col("_opgericht").min())
    # The current owners: every current right acquired on the latest date (co-owners who bought
    # together are all owners; nothing depends on the order of the rows).
    return (
        current.filter(
            pl.col("datum_verkrijging") == pl.col("datum_verkrijging").max().over("verblijfsobject_id")
        )
        .join(portfolio, on="_eigenaar", how="left")
        .group_by("verblijfsobject_id")
        .agg(
            pl.col("datum_verkrijging").first(),
            pl.col("eigenaar_kvk_nummer").drop_nulls().min().alias("eigenaar_kvk_nummer"),
            pl.col("portefeuille_eigenaar").max(),
            pl.col("portefeuille_groei_2j").max(),
        )
        .join(founded, on="eigenaar_kvk_nummer", how="left")
        .select(
            "verblijfsobject_id",
            ((pl.col("datum_verkrijging") - pl.col("_opgericht")).dt.total_days() / 30.44)
            .round(1)
            .alias("koper_bedrijf_leeftijd_maanden"),
            "portefeuille_eigenaar",
            "portefeuille_groei_2j",
        )
    )


_KAD = ("kadaster_eigendom",)


class OwnershipFeatures(FeatureBuilder):
    """The Unger/Nelen transaction indicators, each a checkable Kadaster fact."""

    family = "eigendom"
    specs = (
        FeatureSpec(
            "eigenaar_rechtspersoon",
            "eigendom",
            "eigenaar is een rechtspersoon",
            "The current owner is a legal person (company, foundation, corporation).",
            "De huidige eigenaar is een rechtspersoon.",
            _KAD,
            "ja/nee",
            "beide",
        ),
        FeatureSpec(
            "geen_hypotheek",
            "eigendom",
            "geen hypotheek bij huidige eigenaar",
            "No mortgage is registered for the current ownership.",
            "Er is geen hypotheek ingeschreven bij het huidige eigendom.",
            _KAD,
            "ja/nee",
        ),
        FeatureSpec(
            "verkopen_20j",
            "eigendom",
            "verkopen in 20 jaar",
            "Acquisitions of the object in the 20 years before the peildatum (5 or more is a red flag).",
            "Aantal verkrijgingen in de 20 jaar voor de peildatum.",
            _KAD,
            "verkopen",
        ),
        FeatureSpec(
            "snelle_doorverkoop",
            "eigendom",
            "doorverkocht binnen 6 maanden",
            "Two acquisitions within 6 months of each other in the last 10 years (ABC transaction).",
            "Twee verkrijgingen binnen 6 maanden in de laatste 10 jaar (ABC-transactie).",
            _KAD,
            "ja/nee",
        ),
        FeatureSpec(
            "maanden_sinds_verkrijging",
            "eigendom",
            "maanden sinds laatste verkrijging",
            "Months since the current owner acquired the object.",
            "Maanden sinds de huidige eigenaar het object verkreeg.",
            _KAD,
            "maanden",
            "beide",
        ),
        FeatureSpec(
            "koopsom_t_o_v_buurt",
            "eigendom",
            "koopsom per m² t.o.v. buurtmediaan",
            "Last price per m² divided by the median of sales in the same buurt in the last 5 years.",
            "Laatste koopsom per m² gedeeld door de buurtmediaan (laatste 5 jaar).",
            ("kadaster_eigendom", "bag_verblijfsobjecten"),
            "ratio",
            "beide",
            proxy_risk="middel: buurt alleen als vergelijkingsbasis, nooit zelf een kenmerk",
        ),
        FeatureSpec(
            "koper_bedrijf_leeftijd_maanden",
            "eigendom",
            "leeftijd kopende onderneming (maanden)",
            "For a company owner: months between its first KvK registration and the acquisition.",
            "Bij een rechtspersoon als eigenaar: maanden tussen eerste KvK-inschrijving en verkrijging.",
            ("kadaster_eigendom", "kvk_vestigingen"),
            "maanden",
            "lager_risico",
        ),
        FeatureSpec(
            "portefeuille_eigenaar",
            "eigendom",
            "objecten in bezit van dezelfde eigenaar",
            "Objects in the data's area (municipality or region) held by the current owner at the peildatum.",
            "Objecten in het gebied (gemeente of regio) in bezit van de huidige eigenaar op de peildatum.",
            _KAD,
            "objecten",
            "beide",
        ),
        FeatureSpec(
            "portefeuille_groei_2j",
            "eigendom",
            "objecten door de eigenaar verworven (2 jaar)",
            "Objects in the data's area the current owner acquired in the two years before the peildatum.",
            "Objecten in het gebied die de huidige eigenaar in de twee jaar voor de peildatum verwierf.",
            ("kadaster_eigendom",),
            "objecten",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Sales history per object, and the current owner's situation."""
        p = inputs.peildatum
        e = inputs.eigendom.filter(pl.col("datum_verkrijging") <= p)
        current = e.filter(pl.col("datum_einde").is_null() | (pl.col("datum_einde") > p))
        # The current owners: every current right acquired on the latest date (co-owners who bought
        # together are all owners; nothing depends on the order of the rows).
        latest = (
            current.filter(
                pl.col("datum_verkrijging") == pl.col("datum_verkrijging").max().over("verblijfsobject_id")
            )
            .group_by("verblijfsobject_id")
            .agg(
                pl.col("datum_verkrijging").first(),
                (pl.col("eigenaar_type") == "rechtspersoon").any().alias("_rechtspersoon"),
                pl.col("hypotheek").any().alias("hypotheek"),
                pl.col("koopsom").max(),
            )
        )
        scoped = owner_scoped(current_rights(inputs.eigendom, p), company_founded(inputs.vestigingen, p), p)
        dates = (
            e.select("verblijfsobject_id", "datum_verkrijging")
            .unique()
            .sort("verblijfsobject_id", "datum_verkrijging")
        )
        gaps = dates.with_columns(
            (pl.col("datum_verkrijging") - pl.col("datum_verkrijging").shift(1).over("verblijfsobject_id"))
            .dt.total_days()
            .alias("_gap")
        )
        history = gaps.group_by("verblijfsobject_id").agg(
            (pl.col("datum_verkrijging") > self.days_before(p, 7305))
            .sum()
            .cast(pl.Int64)
            .alias("verkopen_20j"),
            ((pl.col("_gap") <= 183) & (pl.col("datum_verkrijging") > self.days_before(p, 3652)))
            .any()
            .alias("snelle_doorverkoop"),
        )
        sized = latest.join(
            inputs.objects.select("verblijfsobject_id", "oppervlakte", "buurtcode"), on="verblijfsobject_id"
        ).with_columns((pl.col("koopsom") / pl.col("oppervlakte")).alias("_prijs_m2"))
        recent = sized.filter(pl.col("datum_verkrijging") > self.days_before(p, 1826))
        median = recent.group_by("buurtcode").agg(pl.col("_prijs_m2").median().alias("_mediaan"))
        # The sales history belongs to the object, owned now or not: joined to every object with rights.
        return (
            inputs.objects.select("verblijfsobject_id")
            .join(history, on="verblijfsobject_id", how="inner")
            .join(sized, on="verblijfsobject_id", how="left")
            .join(median, on="buurtcode", how="left")
            .join(scoped, on="verblijfsobject_id", how="left")
            .select(
                "verblijfsobject_id",
                pl.col("_rechtspersoon").cast(pl.Int8).alias("eigenaar_rechtspersoon"),
                (~pl.col("hypotheek")).cast(pl.Int8).alias("geen_hypotheek"),
                pl.col("verkopen_20j").fill_null(0),
                pl.col("snelle_doorverkoop").fill_null(False).cast(pl.Int8),
                ((pl.lit(p) - pl.col("datum_verkrijging")).dt.total_days() / 30.44)
                .round(1)
                .alias("maanden_sinds_verkrijging"),
                (pl.col("_prijs_m2") / pl.col("_mediaan")).alias("koopsom_t_o_v_buurt"),
                pl.col("koper_bedrijf_leeftijd_maanden"),
                pl.col("portefeuille_eigenaar"),
                pl.col("portefeuille_groei_2j"),
            )
        )
