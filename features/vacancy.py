"""Vacancy and its explanations: the object itself, permits and sales that explain an empty dwelling."""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["VacancyFeatures"]

_BAG = ("bag_verblijfsobjecten",)
_VERG = ("vergunningen",)


class VacancyFeatures(FeatureBuilder):
    """Facts about the object that explain vacancy or use: new build, renovation, recent permits."""

    family = "object"
    specs = (
        FeatureSpec(
            "is_woning",
            "object",
            "woonfunctie",
            "The object has woonfunctie (alone or with other uses).",
            "Het object heeft een woonfunctie.",
            _BAG,
            "ja/nee",
            "beide",
        ),
        FeatureSpec(
            "oppervlakte",
            "object",
            "oppervlakte (m²)",
            "Floor area in BAG.",
            "Gebruiksoppervlakte volgens de BAG.",
            _BAG,
            "m²",
            "beide",
        ),
        FeatureSpec(
            "leeftijd_gebouw",
            "object",
            "bouwjaar (leeftijd in jaren)",
            "Years since the bouwjaar at the peildatum; new builds are often empty for a while.",
            "Jaren sinds het bouwjaar.",
            _BAG,
            "jaren",
            "beide",
        ),
        FeatureSpec(
            "status_niet_in_gebruik",
            "object",
            "BAG-status niet (meer) in gebruik",
            "BAG status gevormd, buiten gebruik or under renovation (Verbouwing).",
            "BAG-status gevormd, buiten gebruik of verbouwing.",
            _BAG,
            "ja/nee",
            "lager_risico",
        ),
        FeatureSpec(
            "objecten_in_pand",
            "object",
            "verblijfsobjecten in hetzelfde pand",
            "Verblijfsobjecten in the same pand (1 for a house, many for a flat).",
            "Aantal verblijfsobjecten in hetzelfde pand.",
            _BAG,
            "objecten",
            "beide",
        ),
        FeatureSpec(
            "omgevingsvergunning_2j",
            "object",
            "omgevingsvergunning laatste 2 jaar",
            "A building permit was applied for or granted in the last two years (explains vacancy).",
            "Omgevingsvergunning aangevraagd of verleend in de laatste twee jaar.",
            _VERG,
            "ja/nee",
            "lager_risico",
        ),
        FeatureSpec(
            "kamerverhuur_vergunning",
            "object",
            "kamerverhuurvergunning",
            "A granted room-letting (kamerverhuur) permit: several unrelated adults are expected.",
            "Verleende kamerverhuurvergunning.",
            _VERG,
            "ja/nee",
            "lager_risico",
        ),
        FeatureSpec(
            "horeca_of_exploitatie_vergunning",
            "object",
            "horeca- of exploitatievergunning",
            "A granted drank-en-horeca or exploitation permit at the address.",
            "Verleende drank-en-horeca- of exploitatievergunning.",
            _VERG,
            "ja/nee",
            "beide",
        ),
        FeatureSpec(
            "vergunning_geweigerd_5j",
            "object",
            "geweigerde of ingetrokken vergunning (5 jaar)",
            "A permit refused or withdrawn in the last five years (including after a Bibob check).",
            "Vergunning geweigerd of ingetrokken in de laatste vijf jaar.",
            _VERG,
            "ja/nee",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Object facts from BAG and permits from the vergunningen register."""
        p = inputs.peildatum
        pand = inputs.objects.group_by("pand_id").len("objecten_in_pand")
        v = inputs.vergunningen.filter(pl.col("datum_aanvraag") <= p)
        verleend = pl.col("besluit").is_in(["verleend", "lopend"])
        permits = v.group_by("verblijfsobject_id").agg(
            (
                (pl.col("soort") == "omgevingsvergunning")
                & verleend
                & (pl.col("datum_aanvraag") > self.days_before(p, 730))
            )
            .any()
            .cast(pl.Int8)
            .alias("omgevingsvergunning_2j"),
            ((pl.col("soort") == "kamerverhuur") & (pl.col("besluit") == "verleend"))
            .any()
            .cast(pl.Int8)
            .alias("kamerverhuur_vergunning"),
            (
                pl.col("soort").is_in(["drank_en_horeca", "exploitatievergunning"])
                & (pl.col("besluit") == "verleend")
            )
            .any()
            .cast(pl.Int8)
            .alias("horeca_of_exploitatie_vergunning"),
            (
                pl.col("besluit").is_in(["geweigerd", "ingetrokken"])
                & (pl.col("datum_aanvraag") > self.days_before(p, 1826))
            )
            .any()
            .cast(pl.Int8)
            .alias("vergunning_geweigerd_5j"),
        )
        return (
            inputs.objects.join(pand, on="pand_id", how="left")
            .join(permits, on="verblijfsobject_id", how="left")
            .select(
                "verblijfsobject_id",
                pl.col("gebruiksdoel").str.contains("woonfunctie").cast(pl.Int8).alias("is_woning"),
                pl.col("oppervlakte").cast(pl.Float64),
                (pl.lit(p.year) - pl.col("bouwjaar")).cast(pl.Int64).alias("leeftijd_gebouw"),
                pl.col("status")
                .is_in(
                    [
                        "Verblijfsobject gevormd",
                        "Verblijfsobject buiten gebruik",
                        "Verbouwing verblijfsobject",
                    ]
                )
                .cast(pl.Int8)
                .alias("status_niet_in_gebruik"),
                pl.col("objecten_in_pand").cast(pl.Int64),
                *(
                    pl.col(c).fill_null(0)
                    for c in (
                        "omgevingsvergunning_2j",
                        "kamerverhuur_vergunning",
                        "horeca_of_exploitatie_vergunning",
                        "vergunning_geweigerd_5j",
                    )
                ),
            )
        )
