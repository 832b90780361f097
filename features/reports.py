"""Reports by residents (meldingen) by category and recency."""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["ReportFeatures"]

_M = ("meldingen",)
_DRUGS = ("drugs", "stankoverlast", "hennep")
_WONEN = ("woonoverlast", "overlast", "afval", "geluidsoverlast")


class ReportFeatures(FeatureBuilder):
    """How often neighbours reported something here, and what."""

    family = "meldingen"
    specs = (
        FeatureSpec(
            "meldingen_12m",
            "meldingen",
            "meldingen laatste 12 maanden",
            "Reports at the address in the 12 months before the peildatum.",
            "Meldingen op het adres in de 12 maanden voor de peildatum.",
            _M,
            "meldingen",
        ),
        FeatureSpec(
            "meldingen_drugs_stank_3j",
            "meldingen",
            "meldingen drugs/stank laatste 3 jaar",
            "Reports of drugs or smell (stankoverlast) in the last three years.",
            "Meldingen van drugs of stankoverlast in de laatste drie jaar.",
            _M,
            "meldingen",
        ),
        FeatureSpec(
            "meldingen_woonoverlast_3j",
            "meldingen",
            "meldingen woonoverlast/afval laatste 3 jaar",
            "Reports of nuisance from a dwelling, noise or rubbish in the last three years.",
            "Meldingen van woonoverlast, geluid of afval in de laatste drie jaar.",
            _M,
            "meldingen",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Count reports per object before the peildatum."""
        p = inputs.peildatum
        three = self.days_before(p, 1096)
        m = inputs.meldingen.filter(pl.col("datum") < p)
        cat = pl.col("categorie").str.to_lowercase()
        agg = m.group_by("verblijfsobject_id").agg(
            (pl.col("datum") >= self.days_before(p, 365)).sum().cast(pl.Int64).alias("meldingen_12m"),
            ((pl.col("datum") >= three) & cat.is_in(_DRUGS))
            .sum()
            .cast(pl.Int64)
            .alias("meldingen_drugs_stank_3j"),
            ((pl.col("datum") >= three) & cat.is_in(_WONEN))
            .sum()
            .cast(pl.Int64)
            .alias("meldingen_woonoverlast_3j"),
        )
        counts = [s.name for s in self.specs]
        return (
            inputs.objects.select("verblijfsobject_id")
            .join(agg, on="verblijfsobject_id", how="left")
            .with_columns(pl.col(counts).fill_null(0))
        )
