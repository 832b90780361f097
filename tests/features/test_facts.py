"""The checkable facts behind the reasons: one per catalogued feature, never ``None``/``nan``/``inf``.

The exact expectations are worked out by hand from the feature definitions: the electricity norm
for three registered persons is 3,370 kWh (``ELEKTRICITEIT_NORM_KWH[3]``), and nobody registered
is compared with one person (1,800 kWh); water is 128 litres a day per person (46.72 m³ a year).
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features import catalogue
from features.facts import FACTS, WATER_M3_PER_PERSON, FeatureRow, fact, format_number
from features.utility import ELEKTRICITEIT_NORM_KWH

NAMES = [s.name for s in catalogue()]

#: A plausible object: twelve people on 38 m², almost no electricity, bought 23 months ago by a
#: company without a mortgage.
TYPICAL: dict[str, float | None] = {
    "is_woning": 1.0,
    "oppervlakte": 38.0,
    "leeftijd_gebouw": 64.0,
    "status_niet_in_gebruik": 0.0,
    "objecten_in_pand": 12.0,
    "omgevingsvergunning_2j": 0.0,
    "kamerverhuur_vergunning": 0.0,
    "vakantieverhuur_vergunning": 0.0,
    "horeca_of_exploitatie_vergunning": 0.0,
    "vergunning_geweigerd_5j": 1.0,
    "leegstand_maanden": 0.0,
    "laatste_bewoner_zorgadres": 0.0,
    "leegstand_verklaard": 0.0,
    "leegstand_onverklaard_maanden": 0.0,
    "n_ingeschreven": 12.0,
    "n_volwassen": 9.0,
    "n_briefadres": 2.0,
    "m2_per_persoon": 38.0 / 12.0,
    "n_achternamen_volwassen": 7.0,
    "n_inschrijfdata_volwassen": 6.0,
    "mutaties_2j": 14.0,
    "kort_ingeschreven_2j": 5.0,
    "maanden_zonder_inschrijving": 0.0,
    "volwassenen_buiten_huisgezin": 5.0,
    "elektriciteit_kwh": 310.0,
    "gas_m3": 1800.0,
    "water_m3": 420.0,
    "elektriciteit_t_o_v_norm": 310.0 / 4500.0,
    "water_t_o_v_norm": 420.0 / (12 * WATER_M3_PER_PERSON),
    "gas_t_o_v_norm": 1800.0 / 930.0,
    "elektriciteit_per_m2": 310.0 / 38.0,
    "elektriciteit_sprong": 310.0 / 2400.0,
    "elektriciteit_t_o_v_eerder": 310.0 / 3100.0,
    "jaren_nulverbruik": 1.0,
    "gas_elektriciteit_ratio": 1800.0 / 310.0,
    "elektriciteit_t_o_v_straat": 310.0 / 2435.0,
    "n_vestigingen": 3.0,
    "n_vestigingen_nieuw_2j": 2.0,
    "n_vestigingen_kortlevend": 1.0,
    "n_kvk_nummers": 2.0,
    "vestigingen_op_woonadres": 3.0,
    "eigenaar_rechtspersoon": 1.0,
    "geen_hypotheek": 1.0,
    "verkopen_20j": 5.0,
    "snelle_doorverkoop": 1.0,
    "maanden_sinds_verkrijging": 23.4,
    "koopsom_t_o_v_buurt": 0.65,
    "koper_bedrijf_leeftijd_maanden": 2.3,
    "portefeuille_eigenaar": 14.0,
    "portefeuille_groei_2j": 6.0,
    "meldingen_12m": 3.0,
    "meldingen_drugs_stank_3j": 1.0,
    "meldingen_woonoverlast_3j": 0.0,
    "netwerk_bevestigde_adressen": 2.0,
    "netwerk_max_bevestigde_objecten": 1.0,
    "netwerk_eigenaar_bevestigd": 0.0,
    "functionarissen_max_objecten": 7.0,
}

#: An empty dwelling nobody explains, without any utility, owner or company data.
EMPTY: dict[str, float | None] = {
    **dict.fromkeys(NAMES),
    "is_woning": 1.0,
    "oppervlakte": 80.0,
    "leegstand_maanden": 23.4,
    "laatste_bewoner_zorgadres": 0.0,
    "leegstand_verklaard": 0.0,
    "leegstand_onverklaard_maanden": 23.4,
    "n_ingeschreven": 0.0,
    "maanden_zonder_inschrijving": 240.0,
}

_BAD = re.compile(r"\b(nan|inf|infinity|none|null)\b", re.IGNORECASE)


def _assert_clean(name: str, text: str) -> None:
    assert isinstance(text, str)
    assert text.strip(), name
    assert not _BAD.search(text), (name, text)
    assert "None" not in text and "nan" not in text.split() and "e+" not in text, (name, text)


def test_facts_cover_exactly_the_catalogue() -> None:
    assert set(FACTS) == set(NAMES)
    assert len(FACTS) == len(NAMES) == 57


def test_typical_row_covers_every_feature() -> None:
    # guards the test data itself: a feature added to the catalogue needs a typical value here
    assert set(TYPICAL) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "row",
    [
        pytest.param(dict.fromkeys(NAMES), id="all-none"),
        pytest.param({}, id="empty-mapping"),
        pytest.param(dict.fromkeys(NAMES, math.nan), id="all-nan"),
        pytest.param(dict.fromkeys(NAMES, 0.0), id="all-zero"),
        pytest.param(TYPICAL, id="typical"),
        pytest.param(EMPTY, id="empty-dwelling"),
    ],
)
def test_every_fact_renders_clean_and_short(name: str, row: FeatureRow) -> None:
    text = fact(name, row)
    _assert_clean(name, text)
    assert len(text) <= 140, (name, len(text), text)
    assert not text[0].isupper(), text
    assert not text.endswith("."), text


def test_all_none_and_nan_say_the_data_is_missing() -> None:
    nan_row = dict.fromkeys(NAMES, math.nan)
    for name in NAMES:
        assert fact(name, nan_row) == fact(name, dict.fromkeys(NAMES)), name
    assert (
        fact("elektriciteit_kwh", nan_row)
        == "geen elektriciteitsverbruik bekend over het laatste verbruiksjaar"
    )


def test_n_ingeschreven_uses_the_floor_area() -> None:
    assert fact("n_ingeschreven", {"n_ingeschreven": 12.0, "oppervlakte": 38.0}) == (
        "12 personen ingeschreven op 38 m²"
    )
    assert fact("n_ingeschreven", {"n_ingeschreven": 1.0, "oppervlakte": None}) == (
        "1 persoon ingeschreven (oppervlakte onbekend)"
    )
    assert fact("m2_per_persoon", TYPICAL) == "3,2 m² per ingeschreven persoon (38 m² voor 12 personen)"
    assert fact("m2_per_persoon", EMPTY) == "niemand met een woonadres ingeschreven, dus geen m² per persoon"


def test_electricity_against_the_norm() -> None:
    # the norm is kWh / ratio: 310 / (310 / 2900) = 2,900 kWh
    row = {"elektriciteit_kwh": 310.0, "elektriciteit_t_o_v_norm": 310.0 / 2900.0}
    expected = (
        "310 kWh elektriciteit in het laatste verbruiksjaar, waar ongeveer 2.900 kWh verwacht wordt "
        "voor dit huishouden"
    )
    assert fact("elektriciteit_kwh", row) == expected
    assert fact("elektriciteit_t_o_v_norm", row) == expected
    # three persons: 3,370 kWh
    three = {"elektriciteit_kwh": 310.0, "elektriciteit_t_o_v_norm": 310.0 / 3370.0, "n_ingeschreven": 3.0}
    assert fact("elektriciteit_t_o_v_norm", three) == (
        "310 kWh elektriciteit in het laatste verbruiksjaar, waar ongeveer 3.370 kWh verwacht wordt "
        "voor een huishouden van 3 personen"
    )
    # no use at all: the ratio is 0 and says nothing about the norm; the household size does
    zero = {"elektriciteit_kwh": 0.0, "elektriciteit_t_o_v_norm": 0.0, "n_ingeschreven": 0.0}
    assert ELEKTRICITEIT_NORM_KWH[0] == 1800.0
    assert fact("elektriciteit_kwh", zero) == (
        "0 kWh elektriciteit in het laatste verbruiksjaar, waar ongeveer 1.800 kWh verwacht wordt "
        "voor één persoon (niemand ingeschreven)"
    )
    # nothing to derive the norm from: said plainly
    unknown = {"elektriciteit_kwh": 0.0, "elektriciteit_t_o_v_norm": 0.0}
    assert fact("elektriciteit_kwh", unknown) == (
        "0 kWh elektriciteit in het laatste verbruiksjaar; de verwachting voor het huishouden is onbekend"
    )


def test_net_electricity_below_zero_is_delivered_back() -> None:
    # metered use is net: -42 kWh means more was delivered back; the ratio says nothing about the
    # norm, the household of one does (1,800 kWh)
    row = {"elektriciteit_kwh": -42.0, "elektriciteit_t_o_v_norm": -42.0 / 1800.0, "n_ingeschreven": 1.0}
    assert fact("elektriciteit_kwh", row) == (
        "42 kWh meer teruggeleverd dan afgenomen in het laatste verbruiksjaar; verwacht ongeveer "
        "1.800 kWh voor 1 persoon"
    )
    # the builder divides max(kWh, 1) by max(previous, 1): 1 / (1 / 2596) = 2,596 kWh before
    jump = {"elektriciteit_kwh": -42.0, "elektriciteit_sprong": 1.0 / 2596.0}
    assert fact("elektriciteit_sprong", jump) == (
        "42 kWh meer teruggeleverd dan afgenomen in het laatste verbruiksjaar tegen ongeveer 2.596 kWh "
        "verbruik het jaar ervoor"
    )


def test_water_norm_matches_the_builder() -> None:
    from features import utility

    assert utility._WATER_M3_PER_PERSON == WATER_M3_PER_PERSON
    assert fact("water_m3", {"water_m3": 10.0, "water_t_o_v_norm": 0.0, "n_ingeschreven": 2.0}) == (
        "10 m³ water in het laatste verbruiksjaar, waar ongeveer 93 m³ verwacht wordt "
        "voor een huishouden van 2 personen"
    )


def test_street_gas_and_jump_derive_their_baselines() -> None:
    assert fact("elektriciteit_t_o_v_straat", TYPICAL) == (
        "310 kWh elektriciteit, 0,13 keer het gemiddelde van ongeveer 2.435 kWh in het postcodegebied"
    )
    assert fact("gas_t_o_v_norm", TYPICAL) == (
        "1.800 m³ gas in het laatste verbruiksjaar, 1,9 keer de norm van 930 m³ voor een appartement"
    )
    assert fact("elektriciteit_sprong", TYPICAL) == (
        "310 kWh elektriciteit in het laatste verbruiksjaar tegen ongeveer 2.400 kWh het jaar ervoor "
        "(0,13 keer zoveel)"
    )
    assert fact("gas_m3", {"gas_m3": None}).startswith("geen gasverbruik bekend")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "de huidige eigenaar heeft geen hypotheek"),
        (0.0, "de huidige eigenaar heeft een hypotheek"),
        (None, "geen huidige eigenaar bekend in het Kadaster"),
        (math.nan, "geen huidige eigenaar bekend in het Kadaster"),
    ],
)
def test_boolean_states_the_fact_in_the_direction_of_the_value(value: float | None, expected: str) -> None:
    assert fact("geen_hypotheek", {"geen_hypotheek": value}) == expected


def test_vacancy_and_ownership_facts() -> None:
    assert fact("leegstand_onverklaard_maanden", EMPTY) == (
        "23 maanden niemand ingeschreven, zonder vergunning, verkoop of nieuwbouw die dat verklaart"
    )
    assert fact("leegstand_maanden", {"leegstand_maanden": None, "is_woning": 0.0}) == (
        "geen woonfunctie, dus leegstand niet van toepassing"
    )
    assert fact("maanden_zonder_inschrijving", EMPTY) == (
        "minstens 240 maanden (of nooit) niemand met een woonadres ingeschreven"
    )
    explained = {"leegstand_verklaard": 1.0, "leegstand_maanden": 7.0, "omgevingsvergunning_2j": 1.0}
    assert fact("leegstand_verklaard", explained) == (
        "7 maanden niemand ingeschreven, verklaard door omgevingsvergunning"
    )
    assert (
        fact("maanden_sinds_verkrijging", TYPICAL) == "23 maanden geleden verkregen door de huidige eigenaar"
    )
    assert fact("koopsom_t_o_v_buurt", TYPICAL) == (
        "koopsom per m² bij de laatste verkrijging 35% onder de buurtmediaan (verkopen laatste 5 jaar)"
    )
    assert fact("koopsom_t_o_v_buurt", {"koopsom_t_o_v_buurt": 1.5}).count("50% boven") == 1
    assert fact("koper_bedrijf_leeftijd_maanden", {"eigenaar_rechtspersoon": 0.0}) == (
        "de huidige eigenaar is geen rechtspersoon, dus geen kopende onderneming"
    )


def test_counts_use_singular_and_zero_wording() -> None:
    assert fact("meldingen_12m", {"meldingen_12m": 1.0}) == "1 melding op dit adres in de laatste 12 maanden"
    assert (
        fact("meldingen_12m", {"meldingen_12m": 0.0})
        == "geen meldingen op dit adres in de laatste 12 maanden"
    )
    assert fact("n_volwassen", TYPICAL) == "9 van de 12 ingeschreven personen zijn volwassen"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2900.0, 0, "2.900"),
        (0.35, 2, "0,35"),
        (12.0, 0, "12"),
        (1234567.891, 1, "1.234.567,9"),
        (-0.2, 0, "0"),
        (-1500.0, 0, "-1.500"),
        (None, 0, "onbekend"),
        (math.nan, 2, "onbekend"),
        (math.inf, 0, "onbekend"),
    ],
)
def test_format_number(value: float | None, decimals: int, expected: str) -> None:
    assert format_number(value, decimals) == expected


def test_unknown_feature_falls_back_to_name_and_value() -> None:
    assert fact("iets_nieuws", {"iets_nieuws": 2.0}) == "iets_nieuws = 2"
    assert fact("iets_nieuws", {"iets_nieuws": 0.35}) == "iets_nieuws = 0,35"
    assert fact("iets_nieuws", {}) == "iets_nieuws = onbekend"


_VALUES = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-5, max_value=300),
    st.sampled_from([0.0, 1.0, -0.0, 0.5, 240.0, 1e-300, 1e300, -1e300]),
    st.integers(min_value=-(10**6), max_value=10**6),
)


@settings(max_examples=200, deadline=None)
@given(row=st.fixed_dictionaries({}, optional=dict.fromkeys(NAMES, _VALUES)))
def test_any_row_renders_every_fact_cleanly(row: dict[str, float | int | None]) -> None:
    for name in [*NAMES, "iets_nieuws"]:
        _assert_clean(name, fact(name, row))
