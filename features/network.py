"""Network: parties tied to this object who are also tied to objects with confirmed past outcomes.

A party is a linked person or a company, tied to an object as resident, owner, permit applicant,
established company, or officer of a company established there (``FeatureInputs.netwerk``, from the
graph). A tie counts here when it was active in the two years before the peildatum; a tie elsewhere
counts when it began before the peildatum. Only outcomes investigated before the peildatum count,
and never the object's own outcome, so the feature says "this address shares a party with another
address where the working group confirmed a phenomenon", which a reviewer can check in the graph
(`vastgoed graph`).

Parties tied to more than 50 objects (housing corporations) are left out of the confirmed-outcome
features. Computed per party (how many confirmed objects, how many objects at all), then per object as the
maximum over its parties, so the cost is linear in the ties even for a corporation with thousands of
objects (no object × object pairs).
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
            "netwerk_partijen_bevestigd",
            "netwerk",
            "partijen met een bevestigd ander adres",
            "Parties (persons, companies) tied to this object in the last two years who are also tied "
            "to another object where a past investigation confirmed a phenomenon.",
            "Personen en bedrijven die hier de afgelopen twee jaar betrokken waren en ook bij een ander "
            "adres met een bevestigde eerdere onderzoeksuitkomst.",
            (*_SOURCES, *_OUTCOMES),
            "partijen",
            proxy_risk=_PROXY,
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
        ),
        FeatureSpec(
            "netwerk_eigenaar_bevestigd",
            "netwerk",
            "eigenaar bij bevestigd ander adres",
            "A current owner of this object is tied to another object with a confirmed outcome.",
            "Een huidige eigenaar is betrokken bij een ander adres met een bevestigde uitkomst.",
            ("kadaster_eigendom", *_SOURCES[:1], *_OUTCOMES),
            "ja/nee",
            proxy_risk=_PROXY,
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
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Per-party counts, then the maximum over each object's parties."""
        p = inputs.peildatum
        lo = self.days_before(p, _WINDOW_DAYS)
        ties = inputs.netwerk.filter(pl.col("begin").is_null() | (pl.col("begin") <= p))
        current = ties.filter(
            (pl.col("einde").is_null() | (pl.col("einde") > lo))
            & ((pl.col("rol") != "aanvrager_van") | (pl.col("begin") > lo))
        )
        confirmed = (
            inputs.uitkomsten.filter((pl.col("uitkomst") == "bevestigd") & (pl.col("datum_onderzoek") < p))
            .select("verblijfsobject_id")
            .unique()
            .with_columns(pl.lit(1, dtype=pl.Int64).alias("_bevestigd"))
        )
        pairs = ties.select("partij", "verblijfsobject_id").unique()
        per_party = (
            pairs.join(confirmed, on="verblijfsobject_id", how="left")
            .group_by("partij")
            .agg(pl.col("_bevestigd").fill_null(0).sum().alias("_n_conf"), pl.len().alias("_n_obj"))
        )
        here = (
            current.group_by("verblijfsobject_id", "partij")
            .agg(
                (pl.col("rol") == "eigenaar_van").any().alias("_eigenaar"),
                (pl.col("rol") == "functionaris_van").any().alias("_functionaris"),
            )
            .join(per_party, on="partij", how="left")
            .join(confirmed, on="verblijfsobject_id", how="left")
            .with_columns(
                # the party's confirmed objects other than this one (every current tie is also in
                # ``pairs``), and its other objects
                pl.when(pl.col("_n_obj") <= _MAX_PARTY_OBJECTS)
                .then(pl.col("_n_conf") - pl.col("_bevestigd").fill_null(0))
                .otherwise(0)
                .alias("_elders_conf"),
                (pl.col("_n_obj") - 1).alias("_elders_obj"),
            )
        )
        out = here.group_by("verblijfsobject_id").agg(
            (pl.col("_elders_conf") > 0).sum().cast(pl.Int64).alias("netwerk_partijen_bevestigd"),
            pl.col("_elders_conf").max().cast(pl.Int64).alias("netwerk_max_bevestigde_objecten"),
            ((pl.col("_elders_conf") > 0) & pl.col("_eigenaar"))
            .any()
            .cast(pl.Int8)
            .alias("netwerk_eigenaar_bevestigd"),
            pl.col("_elders_obj")
            .filter(pl.col("_functionaris"))
            .max()
            .fill_null(0)
            .cast(pl.Int64)
            .alias("functionarissen_max_objecten"),
        )
        return (
            inputs.objects.select("verblijfsobject_id")
            .join(out, on="verblijfsobject_id", how="left")
            .with_columns(pl.col(s.name).fill_null(0) for s in self.specs)
        )
