"""Ownership and financing (Kadaster): sales history, mortgage, the buyer and its portfolio."""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["OwnershipFeatures"]

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
            "Objects in this municipality held by the current owner at the peildatum.",
            "Objecten in de gemeente in bezit van de huidige eigenaar op de peildatum.",
            _KAD,
            "objecten",
            "beide",
        ),
        FeatureSpec(
            "portefeuille_groei_2j",
            "eigendom",
            "objecten door de eigenaar verworven (2 jaar)",
            "Objects in this municipality the current owner acquired in the two years before the peildatum.",
            "Objecten in de gemeente die de huidige eigenaar in de twee jaar voor de peildatum verwierf.",
            ("kadaster_eigendom",),
            "objecten",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Sales history per object, and the current owner's situation."""
        p = inputs.peildatum
        e = inputs.eigendom.filter(pl.col("datum_verkrijging") <= p).with_columns(
            pl.coalesce(
                pl.col("eigenaar_kvk_nummer"),
                pl.concat_str(
                    [
                        pl.col("eigenaar_naam").str.to_lowercase().str.replace_all(r"[^a-z]", ""),
                        pl.col("eigenaar_geboortedatum").fill_null(""),
                    ],
                    separator="|",
                ),
            ).alias("_eigenaar")
        )
        current = e.filter(pl.col("datum_einde").is_null() | (pl.col("datum_einde") > p))
        portfolio = current.group_by("_eigenaar").agg(
            pl.col("verblijfsobject_id").n_unique().cast(pl.Int64).alias("portefeuille_eigenaar"),
            pl.col("verblijfsobject_id")
            .filter(pl.col("datum_verkrijging") > self.days_before(p, 730))
            .n_unique()
            .cast(pl.Int64)
            .alias("portefeuille_groei_2j"),
        )
        # The current owners: every current right acquired on the latest date (co-owners who bought
        # together are all owners; nothing depends on the order of the rows).
        latest = (
            current.filter(
                pl.col("datum_verkrijging") == pl.col("datum_verkrijging").max().over("verblijfsobject_id")
            )
            .join(portfolio, on="_eigenaar", how="left")
            .group_by("verblijfsobject_id")
            .agg(
                pl.col("datum_verkrijging").first(),
                (pl.col("eigenaar_type") == "rechtspersoon").any().alias("_rechtspersoon"),
                pl.col("hypotheek").any().alias("hypotheek"),
                pl.col("koopsom").max(),
                pl.col("eigenaar_kvk_nummer").drop_nulls().min().alias("eigenaar_kvk_nummer"),
                pl.col("portefeuille_eigenaar").max(),
                pl.col("portefeuille_groei_2j").max(),
            )
        )
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
        founded = (
            inputs.vestigingen.filter(pl.col("datum_inschrijving") <= p)
            .group_by("kvk_nummer")
            .agg(pl.col("datum_inschrijving").min().alias("_opgericht"))
            .rename({"kvk_nummer": "eigenaar_kvk_nummer"})
        )
        # The sales history belongs to the object, owned now or not: joined to every object with rights.
        return (
            inputs.objects.select("verblijfsobject_id")
            .join(history, on="verblijfsobject_id", how="inner")
            .join(sized, on="verblijfsobject_id", how="left")
            .join(median, on="buurtcode", how="left")
            .join(founded, on="eigenaar_kvk_nummer", how="left")
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
                ((pl.col("datum_verkrijging") - pl.col("_opgericht")).dt.total_days() / 30.44)
                .round(1)
                .alias("koper_bedrijf_leeftijd_maanden"),
                pl.col("portefeuille_eigenaar"),
                pl.col("portefeuille_groei_2j"),
            )
        )
