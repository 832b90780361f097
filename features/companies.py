"""Companies: KvK establishments at the object."""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["CompanyFeatures"]

_K = ("kvk_vestigingen",)


class CompanyFeatures(FeatureBuilder):
    """How many companies are established here, how new and how short-lived they are."""

    family = "bedrijven"
    specs = (
        FeatureSpec(
            "n_vestigingen",
            "bedrijven",
            "actieve vestigingen op het adres",
            "KvK establishments registered here and not deregistered at the peildatum.",
            "KvK-vestigingen op dit adres die op de peildatum ingeschreven zijn.",
            _K,
            "vestigingen",
        ),
        FeatureSpec(
            "n_vestigingen_nieuw_2j",
            "bedrijven",
            "vestigingen ingeschreven in laatste 2 jaar",
            "Establishments registered here in the two years before the peildatum.",
            "Vestigingen die in de twee jaar voor de peildatum hier werden ingeschreven.",
            _K,
            "vestigingen",
        ),
        FeatureSpec(
            "n_vestigingen_kortlevend",
            "bedrijven",
            "kortlevende vestigingen (< 1 jaar)",
            "Establishments here that were deregistered within a year of registration (last 5 years).",
            "Vestigingen die binnen een jaar na inschrijving werden uitgeschreven (laatste 5 jaar).",
            _K,
            "vestigingen",
        ),
        FeatureSpec(
            "n_kvk_nummers",
            "bedrijven",
            "verschillende ondernemingen op het adres",
            "Distinct enterprises (KvK numbers) with an active establishment here.",
            "Verschillende ondernemingen (KvK-nummers) met een actieve vestiging hier.",
            _K,
            "ondernemingen",
        ),
        FeatureSpec(
            "vestigingen_op_woonadres",
            "bedrijven",
            "vestigingen op een woonadres",
            "Active establishments here when the object has only woonfunctie (a company at a home address).",
            "Actieve vestigingen op een object dat alleen een woonfunctie heeft.",
            ("kvk_vestigingen", "bag_verblijfsobjecten"),
            "vestigingen",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Count establishments per object as of the peildatum."""
        p = inputs.peildatum
        ins, uit = pl.col("datum_inschrijving"), pl.col("datum_uitschrijving")
        active = uit.is_null() | (uit > p)
        v = inputs.vestigingen.filter((ins <= p) & pl.col("verblijfsobject_id").is_not_null())
        agg = v.group_by("verblijfsobject_id").agg(
            active.sum().cast(pl.Int64).alias("n_vestigingen"),
            (ins > self.days_before(p, 730)).sum().cast(pl.Int64).alias("n_vestigingen_nieuw_2j"),
            ((uit <= p) & (uit > self.days_before(p, 1826)) & ((uit - ins).dt.total_days() < 365))
            .sum()
            .cast(pl.Int64)
            .alias("n_vestigingen_kortlevend"),
            pl.col("kvk_nummer").filter(active).n_unique().cast(pl.Int64).alias("n_kvk_nummers"),
        )
        counts = [s.name for s in self.specs]
        only_home = pl.col("gebruiksdoel").fill_null("").str.strip_chars() == "woonfunctie"
        return (
            inputs.objects.select("verblijfsobject_id", "gebruiksdoel")
            .join(agg, on="verblijfsobject_id", how="left")
            .with_columns(
                pl.when(only_home)
                .then(pl.col("n_vestigingen"))
                .otherwise(0)
                .alias("vestigingen_op_woonadres")
            )
            .with_columns(pl.col(counts).fill_null(0))
            .drop("gebruiksdoel")
        )
