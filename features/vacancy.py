"""Vacancy and its explanations: the object itself, permits and sales that explain an empty dwelling."""

from __future__ import annotations

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["UnexplainedVacancyFeatures", "VacancyFeatures"]

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
            "vakantieverhuur_vergunning",
            "object",
            "vakantieverhuurvergunning",
            "A granted holiday-letting (vakantieverhuur) permit or registration: a dwelling used by "
            "guests, with nobody registered, is expected (Wet toeristische verhuur van woonruimte).",
            "Verleende vakantieverhuurvergunning of -registratie: gasten zonder inschrijving zijn "
            "te verwachten.",
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
            ((pl.col("soort") == "vakantieverhuur") & (pl.col("besluit") == "verleend"))
            .any()
            .cast(pl.Int8)
            .alias("vakantieverhuur_vergunning"),
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
                        "vakantieverhuur_vergunning",
                        "horeca_of_exploitatie_vergunning",
                        "vergunning_geweigerd_5j",
                    )
                ),
            )
        )


_EXPLAINING_STATUS = ("Verblijfsobject gevormd", "Verbouwing verblijfsobject")


class UnexplainedVacancyFeatures(FeatureBuilder):
    """Months without anyone registered, and whether a permit, a sale or a new build explains it.

    The contract's definition of onverklaarbare leegstand: nobody registered, and no renovation,
    sale, new build or death that explains it. The BRP extract of the contract carries no reason
    for a registration's end, so a death cannot be told from a move; that explanation is left to
    the reviewer (the reasons show the months and the end date's context). A move to a care home
    is seen: the last resident to leave is now registered at an address with
    gezondheidszorgfunctie (BAG) in the same gemeente (a person is linked within a gemeente's
    shard, so a move across gemeenten is not seen; see docs/features.md).
    """

    family = "leegstand"
    specs = (
        FeatureSpec(
            "leegstand_maanden",
            "leegstand",
            "maanden zonder enige inschrijving",
            "Months since anybody (woonadres or briefadres) was last registered here, when nobody is "
            "now; 0 when somebody is; 240 when nobody ever was. Dwellings only (empty otherwise).",
            "Maanden sinds hier iemand (woon- of briefadres) ingeschreven stond, als nu niemand is "
            "ingeschreven.",
            ("brp_inschrijvingen",),
            "maanden",
        ),
        FeatureSpec(
            "laatste_bewoner_zorgadres",
            "leegstand",
            "laatste bewoner verhuisd naar een zorgadres",
            "The dwelling is empty and the last person to leave it is now registered at an address "
            "with gezondheidszorgfunctie in the same gemeente (moved to a care home: explained "
            "vacancy). 0 when it is not empty. Dwellings only.",
            "De woning staat leeg en wie er het laatst woonde staat nu ingeschreven op een adres "
            "met gezondheidszorgfunctie in dezelfde gemeente (verhuisd naar een zorginstelling).",
            ("brp_inschrijvingen", "bag_verblijfsobjecten"),
            "ja/nee",
            "lager_risico",
            person_links=True,
        ),
        FeatureSpec(
            "leegstand_verklaard",
            "leegstand",
            "leegstand verklaard (vergunning, verkoop, nieuwbouw, zorg)",
            "A building permit in the last two years, an acquisition in the last twelve months, a "
            "building at most two years old, BAG status gevormd/verbouwing, or the last resident's "
            "move to a care address explains an empty dwelling (0 when it is not empty).",
            "Een omgevingsvergunning (2 jaar), een verkoop (12 maanden), nieuwbouw (2 jaar), "
            "BAG-status gevormd/verbouwing of verhuizing van de laatste bewoner naar een zorgadres "
            "verklaart leegstand.",
            ("vergunningen", "kadaster_eigendom", "bag_verblijfsobjecten", "brp_inschrijvingen"),
            "ja/nee",
            "lager_risico",
        ),
        FeatureSpec(
            "leegstand_onverklaard_maanden",
            "leegstand",
            "maanden onverklaarde leegstand",
            "leegstand_maanden when nothing explains it, else 0.",
            "Maanden zonder inschrijving als niets de leegstand verklaart, anders 0.",
            ("brp_inschrijvingen", "vergunningen", "kadaster_eigendom", "bag_verblijfsobjecten"),
            "maanden",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Months empty from BRP; explanations from permits, Kadaster and BAG."""
        p = inputs.peildatum
        regs = inputs.inschrijvingen.filter(pl.col("datum_aanvang_adreshouding") <= p)
        end = pl.col("datum_einde_adreshouding")
        per_object = regs.group_by("verblijfsobject_id").agg(
            (end.is_null() | (end > p)).any().alias("_bewoond"),
            end.filter(end <= p).max().alias("_laatste_einde"),
        )
        months = ((pl.lit(p) - pl.col("_laatste_einde")).dt.total_days() / 30.44).round(1)
        permit = (
            inputs.vergunningen.filter(
                (pl.col("soort") == "omgevingsvergunning")
                & pl.col("besluit").is_in(["verleend", "lopend"])
                & (pl.col("datum_aanvraag") <= p)
                & (pl.col("datum_aanvraag") > self.days_before(p, 730))
            )
            .select("verblijfsobject_id")
            .unique()
            .with_columns(pl.lit(True).alias("_vergunning"))
        )
        sale = (
            inputs.eigendom.filter(
                (pl.col("datum_verkrijging") <= p) & (pl.col("datum_verkrijging") > self.days_before(p, 365))
            )
            .select("verblijfsobject_id")
            .unique()
            .with_columns(pl.lit(True).alias("_verkoop"))
        )
        out = (
            inputs.objects.select("verblijfsobject_id", "bouwjaar", "status", "gebruiksdoel")
            .join(per_object, on="verblijfsobject_id", how="left")
            .join(permit, on="verblijfsobject_id", how="left")
            .join(sale, on="verblijfsobject_id", how="left")
            .join(_moved_to_care(inputs), on="verblijfsobject_id", how="left")
            .with_columns(
                pl.when(pl.col("_bewoond").fill_null(False))
                .then(0.0)
                .when(pl.col("_laatste_einde").is_null())
                .then(240.0)
                .otherwise(months.clip(0, 240))
                .alias("leegstand_maanden"),
                (
                    pl.col("_vergunning").fill_null(False)
                    | pl.col("_verkoop").fill_null(False)
                    | (pl.col("bouwjaar") >= p.year - 2).fill_null(False)
                    | pl.col("status").is_in(_EXPLAINING_STATUS).fill_null(False)
                    | pl.col("_zorg").fill_null(False)
                ).alias("_verklaard"),
            )
        )
        # Vacancy is a property of dwellings: a shop or office has nobody registered by nature.
        woning = pl.col("gebruiksdoel").fill_null("").str.contains("woonfunctie")
        empty = pl.col("leegstand_maanden") > 0
        return out.select(
            "verblijfsobject_id",
            pl.when(woning).then(pl.col("leegstand_maanden")).alias("leegstand_maanden"),
            pl.when(woning)
            .then((pl.col("_zorg").fill_null(False) & empty).cast(pl.Int8))
            .alias("laatste_bewoner_zorgadres"),
            pl.when(woning).then((pl.col("_verklaard") & empty).cast(pl.Int8)).alias("leegstand_verklaard"),
            pl.when(woning)
            .then(pl.when(pl.col("_verklaard")).then(0.0).otherwise(pl.col("leegstand_maanden")))
            .alias("leegstand_onverklaard_maanden"),
        )


def _moved_to_care(inputs: FeatureInputs) -> pl.DataFrame:
    """``verblijfsobject_id, _zorg``: objects whose last resident to leave now lives at a care address.

    The residents are the graph's persons (``ingeschreven_op``), so a person is followed across
    addresses by their link, not by one spelling of their record. A care address is a
    verblijfsobject with gezondheidszorgfunctie in the same gemeente (the first four digits of a BAG
    identificatie are its gemeentecode).
    """
    p = inputs.peildatum
    regs = inputs.netwerk.filter((pl.col("rol") == "ingeschreven_op") & (pl.col("begin") <= p))
    care = inputs.objects.filter(
        pl.col("gebruiksdoel").fill_null("").str.contains("gezondheidszorgfunctie")
    ).select("verblijfsobject_id")
    in_care = (
        regs.filter(pl.col("einde").is_null() | (pl.col("einde") > p))
        .join(care, on="verblijfsobject_id", how="semi")
        .select("partij", pl.col("verblijfsobject_id").alias("_zorgadres"))
    )
    left = regs.filter(pl.col("einde") <= p)
    last = left.filter(pl.col("einde") == pl.col("einde").max().over("verblijfsobject_id"))
    gemeente = pl.col("verblijfsobject_id").str.slice(0, 4)
    return (
        last.join(in_care, on="partij")
        .filter(gemeente == pl.col("_zorgadres").str.slice(0, 4))
        .select("verblijfsobject_id", pl.lit(True).alias("_zorg"))
        .unique()
    )
