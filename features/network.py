"""Network: parties tied to this object who are also tied to objects with confirmed past outcomes.

A party is a linked person or a company, tied to an object as resident, owner, permit applicant,
established company, or officer of a company established there (``FeatureInputs.netwerk``, from the
graph). A tie counts here when it was active in the two years before the peildatum; a tie elsewhere
counts when it began before the peildatum. Only outcomes investigated before the peildatum count,
never the object's own, and for an object investigated before only outcomes found before its own
investigation (so that no label enters another labelled object's features). The feature says
"this address shares a party with another address where the working group confirmed a
phenomenon", which a reviewer can check in the graph (`vastgoed graph`).

Only parties tied to at most 50 objects are followed: one confirmed case among a housing
corporation's thousands of objects says nothing about the others, and the object × confirmed-object
pairs stay bounded by 50 per tie (linear in the ties, also for a country).
"""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["NetworkFeatures"]

_SOURCES = (
    "brp_inschrijvingen",
    "kadaster_eigendom",
    "kvk_vestigingen",
    "kvk_functionarissen",
    "vergunningen",
)
_OUTCOMES = ("onderzoeksuitkomsten",)
_PROXY = (
    "middel: verbanden via personen kunnen familie of buren van eerder onderzochte adressen treffen; "
    "telt alleen bevestigde uitkomsten van andere adressen, en de reviewer ziet het verband in de graaf"
)
_WINDOW_DAYS = 730
#: Parties tied to more objects than this (housing corporations, large landlords, a university) are
#: left out of the confirmed-outcome features: one confirmed case among thousands of their objects
#: says nothing about the others.
_MAX_PARTY_OBJECTS = 50


class NetworkFeatures(FeatureBuilder):
    """Ties to other objects with confirmed outcomes, and officers active at many addresses."""

    family = "netwerk"
    specs = (
        FeatureSpec(
            "netwerk_bevestigde_adressen",
            "netwerk",
            "bevestigde andere adressen via betrokkenen",
            "Other objects with a confirmed past outcome that share a party (person or company) with "
            "this object: a party tied here in the last two years and there before the peildatum. For "
            "an object investigated before, only outcomes found before its own investigation count.",
            "Andere adressen met een bevestigde eerdere onderzoeksuitkomst die een betrokkene (persoon "
            "of bedrijf) met dit adres delen.",
            (*_SOURCES, *_OUTCOMES),
            "adressen",
            proxy_risk=_PROXY,
            person_links=True,
        ),
        FeatureSpec(
            "netwerk_max_bevestigde_objecten",
            "netwerk",
            "bevestigde adressen van één partij",
            "The largest number of other confirmed objects that any one party of this object is tied to.",
            "Het grootste aantal andere bevestigde adressen waarbij één betrokkene van dit adres hoort.",
            (*_SOURCES, *_OUTCOMES),
            "adressen",
            proxy_risk=_PROXY,
            person_links=True,
        ),
        FeatureSpec(
            "netwerk_eigenaar_bevestigd",
            "netwerk",
            "eigenaar bij bevestigd ander adres",
            "An owner of this object at the peildatum is tied to another object with a confirmed outcome.",
            "Een huidige eigenaar is betrokken bij een ander adres met een bevestigde uitkomst.",
            ("kadaster_eigendom", *_SOURCES[:1], *_OUTCOMES),
            "ja/nee",
            proxy_risk=_PROXY,
            person_links=True,
        ),
        FeatureSpec(
            "functionarissen_max_objecten",
            "netwerk",
            "adressen van functionarissen",
            "The largest number of other objects that any officer of a company established here is "
            "tied to (residence, ownership, other establishments).",
            "Het grootste aantal andere adressen waarbij een functionaris van een hier gevestigd bedrijf "
            "betrokken is.",
            ("kvk_vestigingen", "kvk_functionarissen", "brp_inschrijvingen", "kadaster_eigendom"),
            "adressen",
            person_links=True,
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Confirmed objects reached through each small party, then counted per object."""
        p = inputs.peildatum
        lo = self.days_before(p, _WINDOW_DAYS)
        ties = inputs.netwerk.filter(pl.col("begin").is_null() | (pl.col("begin") <= p))
        current = ties.filter(
            (pl.col("einde").is_null() | (pl.col("einde") > lo))
            & ((pl.col("rol") != "aanvrager_van") | (pl.col("begin") > lo))
        )
        # confirmed objects with the date of their first confirmation before the peildatum
        confirmed = (
            inputs.uitkomsten.filter((pl.col("uitkomst") == "bevestigd") & (pl.col("datum_onderzoek") < p))
            .group_by("verblijfsobject_id")
            .agg(pl.col("datum_onderzoek").min().alias("_conf_datum"))
        )
        # An object investigated before counts only outcomes found before its own investigation, so
        # that no label enters another labelled object's features (owner X's three flats confirmed in
        # one operation do not vouch for each other).
        cutoff = (
            inputs.uitkomsten.filter(pl.col("datum_onderzoek") < p)
            .group_by("verblijfsobject_id")
            .agg(pl.col("datum_onderzoek").max().alias("_cutoff"))
        )
        pairs = ties.select("partij", "verblijfsobject_id").unique()
        per_party = pairs.group_by("partij").agg(pl.len().alias("_n_obj"))
        small = per_party.filter(pl.col("_n_obj") <= _MAX_PARTY_OBJECTS).select("partij")
        party_conf = (
            pairs.join(small, on="partij")
            .join(confirmed, on="verblijfsobject_id")
            .select("partij", pl.col("verblijfsobject_id").alias("_conf"), "_conf_datum")
        )
        here = current.group_by("verblijfsobject_id", "partij").agg(
            ((pl.col("rol") == "eigenaar_van") & (pl.col("einde").is_null() | (pl.col("einde") > p)))
            .any()
            .alias("_eigenaar"),
            (pl.col("rol") == "functionaris_van").any().alias("_functionaris"),
        )
        links = (
            here.join(party_conf, on="partij")
            .filter(pl.col("_conf") != pl.col("verblijfsobject_id"))
            .join(cutoff, on="verblijfsobject_id", how="left")
            .filter(pl.col("_conf_datum") < pl.col("_cutoff").fill_null(p))
        )
        per_tie = links.group_by("verblijfsobject_id", "partij").agg(
            pl.col("_conf").n_unique().alias("_n"), pl.col("_eigenaar").first()
        )
        conf = links.group_by("verblijfsobject_id").agg(
            pl.col("_conf").n_unique().cast(pl.Int64).alias("netwerk_bevestigde_adressen")
        )
        per_object = per_tie.group_by("verblijfsobject_id").agg(
            pl.col("_n").max().cast(pl.Int64).alias("netwerk_max_bevestigde_objecten"),
            pl.col("_eigenaar").any().cast(pl.Int8).alias("netwerk_eigenaar_bevestigd"),
        )
        officers = (
            here.filter(pl.col("_functionaris"))
            .join(per_party, on="partij")
            .group_by("verblijfsobject_id")
            .agg((pl.col("_n_obj") - 1).max().cast(pl.Int64).alias("functionarissen_max_objecten"))
        )
        out = conf.join(per_object, on="verblijfsobject_id", how="full", coalesce=True).join(
            officers, on="verblijfsobject_id", how="full", coalesce=True
        )
        return (
            inputs.objects.select("verblijfsobject_id")
            .join(out, on="verblijfsobject_id", how="left")
            .with_columns(pl.col(s.name).fill_null(0) for s in self.specs)
        )
