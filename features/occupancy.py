"""Occupancy: who is registered at the object (BRP), now and over the last years."""

from __future__ import annotations

import datetime as dt

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["OccupancyFeatures"]

_BRP = ("brp_inschrijvingen",)
_BRP_BAG = ("brp_inschrijvingen", "bag_verblijfsobjecten")


def _active(peildatum: dt.date) -> pl.Expr:
    return (pl.col("datum_aanvang_adreshouding") <= peildatum) & (
        pl.col("datum_einde_adreshouding").is_null() | (pl.col("datum_einde_adreshouding") > peildatum)
    )


def _adult(peildatum: dt.date) -> pl.Expr:
    """18 or over on the peildatum.

    A BRP birth date known to the year or month only (``1990-00-00``) is taken at the middle of
    what is known (1 July, or the 15th), so such a person counts from the peildatum on which they
    are most likely 18.
    """
    born = pl.col("geboortedatum")
    year = born.str.slice(0, 4).cast(pl.Int32, strict=False)
    month = born.str.slice(5, 2).cast(pl.Int32, strict=False)
    day = born.str.slice(8, 2).cast(pl.Int32, strict=False)
    month_day = (
        pl.when(month.fill_null(0) == 0)
        .then(pl.lit(701))
        .when(day.fill_null(0) == 0)
        .then(month * 100 + 15)
        .otherwise(month * 100 + day)
    )
    reference = peildatum.month * 100 + peildatum.day
    # 18 on the peildatum: born at least 18 years before, counting the day of the year
    return (year < peildatum.year - 18) | ((year == peildatum.year - 18) & (month_day <= reference))


_YOUNG_ADULTS_RISK = "middel: jongvolwassenen (studenten) verhuizen vaker en delen huizen met niet-verwanten"
#: Why the registration-pattern features are kept although they predict young adults (issue 21).
_YOUNG_ADULTS = (
    "Predicts the age of residents where students live: adults of 18-29 move more often and share "
    "houses with people who are not their family, so on worlds with many student houses these "
    "features separate addresses with young adults (AUC 0.71-0.72 on a drawn world of the project's "
    "generator, just under 0.7 on the demo municipality). Several adults outside one huisgezin and "
    "frequent registrations are the LAA's own signal of schijninschrijving and overbewoning (odd "
    "household composition); they count registrations, never who the residents are. Known student "
    "houses (a granted kamerverhuur permit) are a look-alike the model sees, and the fairness audit "
    "reports selection rates per leeftijdsgroep so that an age skew in the list is seen."
)


class OccupancyFeatures(FeatureBuilder):
    """Registered persons, their household structure, turnover and how long the object stood empty."""

    family = "bewoning"
    specs = (
        FeatureSpec(
            "n_ingeschreven",
            "bewoning",
            "ingeschreven personen (woonadres)",
            "Persons registered with a residential address (W) at the peildatum.",
            "Personen met woonadres (W) op de peildatum.",
            _BRP,
            "personen",
            "beide",
            proxy_risk="middel: huishoudgrootte hangt samen met levensfase (kinderen, 65+)",
            proxy_justification="Predicts the age of residents as households differ in size by life stage: "
            "families with children are larger, people over 65 mostly live alone or as a couple. "
            "The count is the definition of overbewoning and the "
            "first thing an inspector checks; it never says who the residents are. The fairness "
            "audit reports selection rates per leeftijdsgroep so that an age skew in the list is seen.",
        ),
        FeatureSpec(
            "n_volwassen",
            "bewoning",
            "ingeschreven volwassenen",
            "Registered persons aged 18 or over at the peildatum.",
            "Ingeschreven personen van 18 jaar of ouder op de peildatum.",
            _BRP,
            "personen",
            "beide",
            proxy_risk="middel: leeftijd van bewoners; alleen als aantal, nooit per groep",
        ),
        FeatureSpec(
            "n_briefadres",
            "bewoning",
            "briefadressen",
            "Persons with a postal address (B) here at the peildatum; nobody lives at a briefadres.",
            "Personen met briefadres (B) op de peildatum.",
            _BRP,
            "personen",
        ),
        FeatureSpec(
            "m2_per_persoon",
            "bewoning",
            "m² per ingeschreven persoon",
            "Floor area per registered resident; empty when nobody is registered.",
            "Oppervlakte per ingeschreven bewoner; leeg als niemand is ingeschreven.",
            _BRP_BAG,
            "m²",
            "lager_risico",
            proxy_risk="middel: ruimte per persoon hangt samen met levensfase (65+ ruimer)",
            proxy_justification="Predicts the age of residents as households differ in size by life stage: "
            "families with children are larger, people over 65 mostly live alone or as a couple. "
            "Space per person is the legal yardstick "
            "of overbewoning (Bouwbesluit/Huisvestingsverordening); it is risk-bearing only when "
            "low, where older residents are under-represented. Monitored by the fairness audit.",
        ),
        FeatureSpec(
            "n_achternamen_volwassen",
            "bewoning",
            "verschillende achternamen onder volwassenen",
            "Distinct surnames among registered adults: several suggests adults who are not one "
            "household in the BRP sense.",
            "Aantal verschillende geslachtsnamen onder ingeschreven volwassenen.",
            _BRP,
            "namen",
        ),
        FeatureSpec(
            "n_inschrijfdata_volwassen",
            "bewoning",
            "verschillende inschrijfdata onder volwassenen",
            "Distinct registration dates among registered adults (people who moved in together share one).",
            "Aantal verschillende data van aanvang adreshouding onder volwassenen.",
            _BRP,
            "data",
            proxy_risk=_YOUNG_ADULTS_RISK,
            proxy_justification=_YOUNG_ADULTS,
        ),
        FeatureSpec(
            "mutaties_2j",
            "bewoning",
            "in- en uitschrijvingen laatste 2 jaar",
            "Registrations that started or ended in the two years before the peildatum.",
            "Inschrijvingen die in de twee jaar voor de peildatum begonnen of eindigden.",
            _BRP,
            "mutaties",
            proxy_risk=_YOUNG_ADULTS_RISK,
            proxy_justification=_YOUNG_ADULTS,
        ),
        FeatureSpec(
            "kort_ingeschreven_2j",
            "bewoning",
            "korte inschrijvingen (< 6 mnd) laatste 2 jaar",
            "Registrations of under six months that ended in the last two years.",
            "Inschrijvingen korter dan zes maanden die in de laatste twee jaar eindigden.",
            _BRP,
            "inschrijvingen",
        ),
        FeatureSpec(
            "maanden_zonder_inschrijving",
            "bewoning",
            "maanden zonder inschrijving",
            "Months since the last residential registration ended, when nobody is registered now; "
            "0 when someone is; 240 when nobody was ever registered.",
            "Maanden sinds de laatste woonadres-inschrijving eindigde, als nu niemand is ingeschreven.",
            _BRP,
            "maanden",
        ),
        FeatureSpec(
            "volwassenen_buiten_huisgezin",
            "bewoning",
            "volwassenen buiten het huisgezin",
            "Registered adults who share neither a surname nor a registration date with another adult "
            "registered here: not one huisgezin in the BRP sense (Regeling BRP art. 1; the extract "
            "carries no partner or parent-child relations, so those cannot join a huisgezin here).",
            "Ingeschreven volwassenen die met geen andere volwassene hier een achternaam of een "
            "inschrijfdatum delen: geen huisgezin in de zin van de Regeling BRP.",
            _BRP,
            "personen",
            proxy_risk=_YOUNG_ADULTS_RISK,
            proxy_justification=_YOUNG_ADULTS,
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Aggregate BRP registrations per object."""
        return (
            self._counts(inputs)
            .join(_outside_household(inputs), on="verblijfsobject_id", how="left")
            .with_columns(pl.col("volwassenen_buiten_huisgezin").fill_null(0))
        )

    def _counts(self, inputs: FeatureInputs) -> pl.DataFrame:
        p = inputs.peildatum
        two_years = self.days_before(p, 730)
        brp = inputs.inschrijvingen.filter(pl.col("datum_aanvang_adreshouding") <= p).with_columns(
            _active(p).alias("_actief"),
            (pl.col("functie_adres") == "W").alias("_w"),
            _adult(p).alias("_volw"),
        )
        w_now = pl.col("_actief") & pl.col("_w")
        adult_now = w_now & pl.col("_volw")
        einde = pl.col("datum_einde_adreshouding")
        aanvang = pl.col("datum_aanvang_adreshouding")
        agg = brp.group_by("verblijfsobject_id").agg(
            w_now.sum().cast(pl.Int64).alias("n_ingeschreven"),
            adult_now.sum().cast(pl.Int64).alias("n_volwassen"),
            (pl.col("_actief") & ~pl.col("_w")).sum().cast(pl.Int64).alias("n_briefadres"),
            pl.col("geslachtsnaam")
            .filter(adult_now)
            .n_unique()
            .cast(pl.Int64)
            .alias("n_achternamen_volwassen"),
            aanvang.filter(adult_now).n_unique().cast(pl.Int64).alias("n_inschrijfdata_volwassen"),
            ((aanvang > two_years) | ((einde > two_years) & (einde <= p)))
            .sum()
            .cast(pl.Int64)
            .alias("mutaties_2j"),
            ((einde > two_years) & (einde <= p) & ((einde - aanvang).dt.total_days() < 183))
            .sum()
            .cast(pl.Int64)
            .alias("kort_ingeschreven_2j"),
            einde.filter(pl.col("_w") & (einde <= p)).max().alias("_laatste_einde"),
        )
        out = (
            inputs.objects.select("verblijfsobject_id", "oppervlakte")
            .join(agg, on="verblijfsobject_id", how="left")
            .with_columns(
                pl.col(c).fill_null(0)
                for c in (
                    "n_ingeschreven",
                    "n_volwassen",
                    "n_briefadres",
                    "n_achternamen_volwassen",
                    "n_inschrijfdata_volwassen",
                    "mutaties_2j",
                    "kort_ingeschreven_2j",
                )
            )
        )
        months_empty = ((pl.lit(p) - pl.col("_laatste_einde")).dt.total_days() / 30.44).round(1)
        return out.with_columns(
            pl.when(pl.col("n_ingeschreven") > 0)
            .then(pl.col("oppervlakte") / pl.col("n_ingeschreven"))
            .otherwise(None)
            .alias("m2_per_persoon"),
            pl.when(pl.col("n_ingeschreven") > 0)
            .then(0.0)
            .when(pl.col("_laatste_einde").is_null())
            .then(240.0)
            .otherwise(months_empty.clip(0, 240))
            .alias("maanden_zonder_inschrijving"),
        ).drop("oppervlakte", "_laatste_einde")


def _outside_household(inputs: FeatureInputs) -> pl.DataFrame:
    """Per object: adults (woonadres, now) sharing no surname and no registration date with another."""
    p = inputs.peildatum
    adults = inputs.inschrijvingen.filter(
        (pl.col("functie_adres") == "W")
        & (pl.col("datum_aanvang_adreshouding") <= p)
        & _active(p)
        & _adult(p)
    ).select(
        "verblijfsobject_id",
        pl.col("geslachtsnaam").str.to_lowercase().str.strip_chars().alias("_naam"),
        pl.col("datum_aanvang_adreshouding").alias("_datum"),
    )
    alone = (pl.len().over("verblijfsobject_id", "_naam") == 1) & (
        pl.len().over("verblijfsobject_id", "_datum") == 1
    )
    return (
        adults.with_columns(alone.alias("_los"))
        .group_by("verblijfsobject_id")
        .agg(
            # a single adult is a huisgezin of one
            pl.when(pl.len() > 1)
            .then(pl.col("_los").sum())
            .otherwise(0)
            .cast(pl.Int64)
            .alias("volwassenen_buiten_huisgezin")
        )
    )
