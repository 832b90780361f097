"""Utility use: electricity, gas and water against the norm for the registered household."""

from __future__ import annotations

import datetime as dt

import polars as pl

from features.base import FeatureBuilder, FeatureInputs, FeatureSpec

__all__ = ["ELEKTRICITEIT_NORM_KWH", "GAS_NORM_M3", "UtilityFeatures"]

#: CBS 2020 electricity per dwelling by household size (1 and 3 persons published; 2, 4, 5+
#: interpolated from about 1,410 kWh per resident). Index 0 is used for nobody registered.
ELEKTRICITEIT_NORM_KWH = (1800.0, 1800.0, 2600.0, 3370.0, 4000.0, 4500.0)
_WATER_M3_PER_PERSON = 128 * 365 / 1000  # 128 litres a day
#: Gas per year by dwelling type in a Limburg municipality (2021): an apartment (a pand with several
#: verblijfsobjecten) and a terraced house (a pand of its own; BAG does not tell terraced from
#: detached, so the middle value).
GAS_NORM_M3 = {"appartement": 930.0, "woning": 1350.0}
_E = ("energie_verbruik",)
_EB = ("energie_verbruik", "brp_inschrijvingen")


class UtilityFeatures(FeatureBuilder):
    """Use in the last complete year before the peildatum, its history, and its fit to the household."""

    family = "verbruik"
    specs = (
        FeatureSpec(
            "elektriciteit_kwh",
            "verbruik",
            "elektriciteitsverbruik (kWh)",
            "Metered net electricity in the last complete year (all connections of the object).",
            "Gemeten netto elektriciteitsverbruik in het laatste volledige jaar.",
            _E,
            "kWh/jaar",
            "beide",
        ),
        FeatureSpec(
            "gas_m3",
            "verbruik",
            "gasverbruik (m³)",
            "Gas use in the last complete year; empty without a gas connection.",
            "Gasverbruik in het laatste volledige jaar; leeg zonder gasaansluiting.",
            _E,
            "m³/jaar",
            "beide",
        ),
        FeatureSpec(
            "water_m3",
            "verbruik",
            "waterverbruik (m³)",
            "Water use in the last complete year.",
            "Waterverbruik in het laatste volledige jaar.",
            _E,
            "m³/jaar",
            "beide",
            proxy_risk="middel: waterverbruik volgt het aantal bewoners en dus de levensfase",
            proxy_justification="Predicts the age of residents as households differ in size by life stage: "
            "families with children are larger, people over 65 mostly live alone or as a couple. "
            "Water use follows the number of people who "
            "actually live somewhere, which is how ghost occupancy and overcrowding show against the "
            "registration; it carries no more about age than the household size itself.",
        ),
        FeatureSpec(
            "elektriciteit_t_o_v_norm",
            "verbruik",
            "elektriciteit t.o.v. norm huishouden",
            "Electricity divided by the CBS norm for the registered household size (one person when "
            "nobody is registered).",
            "Elektriciteit gedeeld door de CBS-norm voor het ingeschreven huishouden.",
            _EB,
            "ratio",
        ),
        FeatureSpec(
            "water_t_o_v_norm",
            "verbruik",
            "water t.o.v. norm huishouden",
            "Water divided by 128 litres a day per registered person (one when nobody is registered).",
            "Water gedeeld door 128 liter per dag per ingeschreven persoon.",
            _EB,
            "ratio",
        ),
        FeatureSpec(
            "gas_t_o_v_norm",
            "verbruik",
            "gas t.o.v. norm woningtype",
            "Gas in the last complete year divided by the norm for the dwelling type: 930 m³ in a pand "
            "with several dwellings (apartment), 1,350 m³ otherwise.",
            "Gasverbruik gedeeld door de norm voor het woningtype (appartement 930 m³, woning 1.350 m³).",
            ("energie_verbruik", "bag_verblijfsobjecten"),
            "ratio",
            "beide",
        ),
        FeatureSpec(
            "elektriciteit_per_m2",
            "verbruik",
            "elektriciteit per m²",
            "Electricity per m² of floor area.",
            "Elektriciteit per m² oppervlakte.",
            ("energie_verbruik", "bag_verblijfsobjecten"),
            "kWh/m²",
        ),
        FeatureSpec(
            "elektriciteit_sprong",
            "verbruik",
            "sprong elektriciteit t.o.v. vorig jaar",
            "Electricity this year divided by the year before (1 = unchanged).",
            "Elektriciteit dit jaar gedeeld door vorig jaar.",
            _E,
            "ratio",
            "beide",
        ),
        FeatureSpec(
            "elektriciteit_t_o_v_eerder",
            "verbruik",
            "elektriciteit t.o.v. eerdere jaren",
            "Electricity in the last complete year divided by the highest of the three years before "
            "(1 = as much as before; null without an earlier year). A sharp fall in metered use is how "
            "a supply tapped before the meter shows (data contract, hennepteelt: normal metered use "
            "with the supply tapped before the meter).",
            "Elektriciteit in het laatste jaar gedeeld door het hoogste van de drie jaren ervoor: een "
            "scherpe daling van het gemeten verbruik past bij stroom die voor de meter wordt afgetapt.",
            _E,
            "ratio",
            "lager_risico",
        ),
        FeatureSpec(
            "jaren_nulverbruik",
            "verbruik",
            "jaren met (bijna) geen elektriciteit",
            "Years (of the last four) with under 300 kWh: the standby level of an empty dwelling.",
            "Jaren (van de laatste vier) met minder dan 300 kWh.",
            _E,
            "jaren",
        ),
        FeatureSpec(
            "gas_elektriciteit_ratio",
            "verbruik",
            "verhouding gas/elektriciteit",
            "Gas m³ per kWh; low when electricity is used for something other than living.",
            "Gas in m³ per kWh elektriciteit.",
            _E,
            "m³/kWh",
            "beide",
        ),
        FeatureSpec(
            "elektriciteit_t_o_v_straat",
            "verbruik",
            "elektriciteit t.o.v. de straat (open data)",
            "Electricity in the last complete year divided by the mean use (SJV) of the object's "
            "postcode range in the grid operators' open small-consumption data; null without that data.",
            "Elektriciteitsverbruik gedeeld door het gemiddelde (SJV) van het postcodegebied in de open "
            "kleinverbruiksgegevens van de netbeheerder.",
            ("energie_verbruik", "kleinverbruik"),
            "verhouding",
        ),
    )

    def compute(self, inputs: FeatureInputs) -> pl.DataFrame:
        """Sum use per object, product and year, and compare with the norms."""
        y = inputs.utility_year
        use = (
            inputs.verbruik.filter(pl.col("jaar").is_between(y - 3, y))
            .group_by("verblijfsobject_id", "product", "jaar")
            .agg(pl.col("verbruik").sum())
        )

        def product(name: str, jaar: int) -> pl.Expr:
            return pl.col("verbruik").filter((pl.col("product") == name) & (pl.col("jaar") == jaar)).sum()

        def has(name: str, jaar: int) -> pl.Expr:
            return ((pl.col("product") == name) & (pl.col("jaar") == jaar)).any()

        agg = use.group_by("verblijfsobject_id").agg(
            pl.when(has("elektriciteit", y)).then(product("elektriciteit", y)).alias("elektriciteit_kwh"),
            pl.when(has("gas", y)).then(product("gas", y)).alias("gas_m3"),
            pl.when(has("water", y)).then(product("water", y)).alias("water_m3"),
            pl.when(has("elektriciteit", y - 1)).then(product("elektriciteit", y - 1)).alias("_e_prev"),
            pl.max_horizontal(
                *(pl.when(has("elektriciteit", j)).then(product("elektriciteit", j)) for j in range(y - 3, y))
            ).alias("_e_max_earlier"),
            pl.col("jaar")
            .filter((pl.col("product") == "elektriciteit") & (pl.col("verbruik") < 300))
            .n_unique()
            .cast(pl.Int64)
            .alias("jaren_nulverbruik"),
        )
        persons = (
            inputs.inschrijvingen.filter(
                (pl.col("functie_adres") == "W")
                & (pl.col("datum_aanvang_adreshouding") <= inputs.peildatum)
                & (
                    pl.col("datum_einde_adreshouding").is_null()
                    | (pl.col("datum_einde_adreshouding") > inputs.peildatum)
                )
            )
            .group_by("verblijfsobject_id")
            .len("_n")
        )
        norm = dict(enumerate(ELEKTRICITEIT_NORM_KWH))
        return (
            inputs.objects.select(
                "verblijfsobject_id",
                "oppervlakte",
                pl.when(
                    pl.col("gebruiksdoel").fill_null("").str.contains("woonfunctie").sum().over("pand_id") > 1
                )
                .then(GAS_NORM_M3["appartement"])
                .otherwise(GAS_NORM_M3["woning"])
                .alias("_gas_norm"),
            )
            .join(agg, on="verblijfsobject_id", how="left")
            .join(persons, on="verblijfsobject_id", how="left")
            .with_columns(pl.col("_n").fill_null(0).clip(0, len(ELEKTRICITEIT_NORM_KWH) - 1).alias("_k"))
            .with_columns(
                (
                    pl.col("elektriciteit_kwh") / pl.col("_k").replace_strict(norm, return_dtype=pl.Float64)
                ).alias("elektriciteit_t_o_v_norm"),
                (pl.col("water_m3") / (pl.col("_n").fill_null(0).clip(1, None) * _WATER_M3_PER_PERSON)).alias(
                    "water_t_o_v_norm"
                ),
                (pl.col("elektriciteit_kwh") / pl.col("oppervlakte")).alias("elektriciteit_per_m2"),
                (pl.col("elektriciteit_kwh").clip(1, None) / pl.col("_e_prev").clip(1, None)).alias(
                    "elektriciteit_sprong"
                ),
                (pl.col("elektriciteit_kwh").clip(1, None) / pl.col("_e_max_earlier").clip(1, None)).alias(
                    "elektriciteit_t_o_v_eerder"
                ),
                (pl.col("gas_m3") / pl.col("elektriciteit_kwh").clip(100, None)).alias(
                    "gas_elektriciteit_ratio"
                ),
                pl.col("jaren_nulverbruik").fill_null(0),
            )
            .join(_street_baseline(inputs), on="verblijfsobject_id", how="left")
            .with_columns((pl.col("elektriciteit_kwh") / pl.col("_sjv")).alias("elektriciteit_t_o_v_straat"))
            .with_columns((pl.col("gas_m3") / pl.col("_gas_norm")).alias("gas_t_o_v_norm"))
            .drop("oppervlakte", "_e_prev", "_e_max_earlier", "_n", "_k", "_sjv", "_gas_norm")
        )


def kleinverbruik_in_use(kleinverbruik: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """The rows of the grid operators' open data the features read, with the table's own columns.

    Electricity (``ELK``) in the files of the newest reference date (1 January, in the file name)
    on or before the peildatum.
    """
    ref = pl.col("bestand").str.extract(r"(\d{8})").str.to_date("%d%m%Y", strict=False)
    k = kleinverbruik.filter((pl.col("productsoort") == "ELK") & (ref <= peildatum))
    return k.filter(ref == ref.max())


def _street_baseline(inputs: FeatureInputs) -> pl.DataFrame:
    """Per object: the mean electricity use (SJV) of its postcode range in the grid operators' open data.

    From the newest file whose reference date (1 January, in the file name) is on or before the
    peildatum; null where no file or no range covers the object's postcode.
    """
    k = kleinverbruik_in_use(inputs.kleinverbruik, inputs.peildatum)
    if k.height == 0:
        return pl.DataFrame(schema={"verblijfsobject_id": pl.String, "_sjv": pl.Float64})
    ranges = (
        k.select(
            _postcode_key("postcode_van").alias("_van"),
            _postcode_key("postcode_tot").alias("_tot"),
            pl.col("sjv_gemiddeld").alias("_sjv"),
        )
        .drop_nulls()
        .sort("_van")
    )
    objects = (
        inputs.objects.select("verblijfsobject_id", _postcode_key("postcode").alias("_key"))
        .drop_nulls("_key")
        .sort("_key")
    )
    # The range that starts at or before the postcode (ranges of one file do not overlap within a
    # street; where they do, the nearest start wins), kept only when the postcode is inside it.
    return (
        objects.join_asof(ranges, left_on="_key", right_on="_van", strategy="backward")
        .filter(pl.col("_key") <= pl.col("_tot"))
        .select("verblijfsobject_id", "_sjv")
    )


_LETTER = {chr(ord("A") + i): i for i in range(26)}


def _postcode_key(col: str) -> pl.Expr:
    """``6211AB`` as an orderable integer (digits, then the two letters)."""
    pc = pl.col(col).str.to_uppercase().str.replace_all(" ", "")

    def letter(k: int) -> pl.Expr:
        return pc.str.slice(4 + k, 1).replace_strict(_LETTER, default=None, return_dtype=pl.Int64)

    return pc.str.slice(0, 4).cast(pl.Int64, strict=False) * 676 + letter(0) * 26 + letter(1)
