"""Checkable facts behind a reason: one short Dutch fragment per feature, from the object's feature row.

The model explains a ranked address by its largest feature contributions. A reviewer has to be able
to check each of them as a plain fact in the registers, so :func:`fact` turns a feature and the
object's whole feature row into a fragment such as ``"12 personen ingeschreven op 38 m²"``: the value
in words, in the direction of the value, with the related features that make it checkable (floor
area with persons, the norm with use, the street's mean, the buurt's median). A missing value is
said to be missing; no fragment ever prints ``None``, ``nan`` or ``inf``.

Fragments start in lower case and end without a period, so that the report can join them. They only
state what the row supports: where a null can mean two things (no gas connection, or no data) both
are named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from features.utility import ELEKTRICITEIT_NORM_KWH, GAS_NORM_M3
from vastgoed.core.numbers import finite, format_number

__all__ = ["FACTS", "FeatureRow", "fact", "format_number"]

FeatureRow = Mapping[str, float | int | None]

#: The water norm of :mod:`features.utility`: 128 litres a day per registered person, in m³ a year.
WATER_M3_PER_PERSON = 128 * 365 / 1000
#: The cap on months without registration: nobody registered in 20 years, or nobody ever.
_MAX_MONTHS = 240.0

_GEEN_VERBRUIK_E = "geen elektriciteitsverbruik bekend over het laatste verbruiksjaar"
_GEEN_GAS = "geen gasverbruik bekend over het laatste verbruiksjaar (geen gasaansluiting of geen gegevens)"
_GEEN_WATER = "geen waterverbruik bekend over het laatste verbruiksjaar"
_GEEN_EIGENAAR = "geen huidige eigenaar bekend in het Kadaster"
_GEEN_KADASTER = "geen eigendomsgegevens bekend in het Kadaster"
_LAATSTE_JAAR = "in het laatste verbruiksjaar"


# ---------------------------------------------------------------- numbers


def _get(row: FeatureRow, name: str) -> float | None:
    """A feature's finite value from the row, or ``None`` when absent or not a finite number."""
    return finite(row.get(name))


def _int(v: float) -> int:
    """The value rounded to a whole number (as it is printed); non-finite values count as huge."""
    if not math.isfinite(v):
        return 10**18 if v > 0 else -(10**18)
    return round(v)


def _count(v: float, singular: str, plural: str) -> str:
    """``"1 persoon"`` or ``"12 personen"``: the whole number with the noun that fits it."""
    return f"{format_number(v)} {singular if _int(v) == 1 else plural}"


def _ratio(v: float) -> str:
    """A ratio with one decimal from 1 on, two below it, trailing zeros dropped: ``"3,4"``, ``"0,35"``."""
    if 0 < abs(v) < 0.01:
        return "minder dan 0,01"
    text = format_number(v, 1 if abs(v) >= 1 else 2)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def _months(v: float) -> str:
    """``"minder dan een maand"``, ``"1 maand"`` or ``"23 maanden"``."""
    if abs(v) < 1:
        return "minder dan een maand"
    return _count(abs(v), "maand", "maanden")


def _yes(v: float) -> bool:
    """A ja/nee feature's value as a truth value (1 is ja)."""
    return v >= 0.5


def _divide(a: float | None, b: float | None) -> float | None:
    """``a / b`` when both are known, ``b`` is positive and the result finite, else ``None``."""
    if a is None or b is None or b <= 0:
        return None
    return finite(a / b)


# ---------------------------------------------------------------- building blocks


def _boolean(name: str, yes: str, no: str, missing: str) -> Callable[[FeatureRow], str]:
    """A ja/nee feature stated as a fact in the direction of its value."""

    def render(row: FeatureRow) -> str:
        v = _get(row, name)
        if v is None:
            return missing
        return yes if _yes(v) else no

    return render


def _counted(
    name: str, singular: str, plural: str, tail: str, zero: str, missing: str
) -> Callable[[FeatureRow], str]:
    """A count stated as ``"<n> <noun> <tail>"``, with its own wording for zero and for missing."""

    def render(row: FeatureRow) -> str:
        v = _get(row, name)
        if v is None:
            return missing
        if _int(v) == 0:
            return zero
        return f"{_count(v, singular, plural)} {tail}"

    return render


def _household(n: float | None) -> str:
    """Whom a utility norm is for: the registered household, or one person when nobody is."""
    if n is None:
        return "dit huishouden"
    if _int(n) <= 0:
        return "één persoon (niemand ingeschreven)"
    if _int(n) == 1:
        return "1 persoon"
    return f"een huishouden van {_count(n, 'persoon', 'personen')}"


def _kwh(kwh: float) -> str:
    """``"310 kWh elektriciteit"``; metered use is net, so below zero more was delivered back."""
    if _int(kwh) < 0:
        return f"{format_number(-kwh)} kWh meer teruggeleverd dan afgenomen"
    return f"{format_number(kwh)} kWh elektriciteit"


def _expected(use: float, ratio: float | None, fallback: float | None) -> float | None:
    """The norm behind ``ratio = use / norm``: from the ratio where it allows, else the fallback."""
    norm = _divide(use, ratio) if use > 0 else None
    return norm if norm is not None else fallback


def _electricity_norm(n: float | None) -> float | None:
    """The CBS norm for a household of ``n`` registered persons (the utility builder's table)."""
    if n is None:
        return None
    return ELEKTRICITEIT_NORM_KWH[min(max(_int(n), 0), len(ELEKTRICITEIT_NORM_KWH) - 1)]


def _water_norm(n: float | None) -> float | None:
    """128 litres a day per registered person, for at least one person."""
    return None if n is None else max(_int(n), 1) * WATER_M3_PER_PERSON


def _not_a_dwelling(row: FeatureRow, what: str) -> str:
    """Why a dwelling-only feature is empty: the object has no woonfunctie, or it is not known."""
    woning = _get(row, "is_woning")
    if woning is not None and not _yes(woning):
        return f"geen woonfunctie, dus {what} niet van toepassing"
    return f"{what} onbekend"


def _empty_for(months: float, who: str) -> str:
    """``"23 maanden niemand ingeschreven"``; the cap of 240 months also means never."""
    if months >= _MAX_MONTHS:
        return f"minstens 240 maanden (of nooit) niemand {who}ingeschreven"
    return f"{_months(months)} niemand {who}ingeschreven"


# ---------------------------------------------------------------- object


def _oppervlakte(row: FeatureRow) -> str:
    v = _get(row, "oppervlakte")
    if v is None:
        return "gebruiksoppervlakte onbekend in de BAG"
    return f"{format_number(v)} m² gebruiksoppervlakte volgens de BAG"


def _leeftijd_gebouw(row: FeatureRow) -> str:
    v = _get(row, "leeftijd_gebouw")
    if v is None:
        return "bouwjaar onbekend in de BAG"
    if _int(v) == 0:
        return "het bouwjaar volgens de BAG is het jaar van de peildatum"
    if v < 0:
        return f"het bouwjaar volgens de BAG ligt {_count(-v, 'jaar', 'jaar')} na de peildatum"
    return f"het gebouw is {_count(v, 'jaar', 'jaar')} oud (bouwjaar volgens de BAG)"


def _objecten_in_pand(row: FeatureRow) -> str:
    v = _get(row, "objecten_in_pand")
    if v is None:
        return "aantal verblijfsobjecten in het pand onbekend"
    if _int(v) == 1:
        return "het enige verblijfsobject in het pand"
    return f"{_count(v, 'verblijfsobject', 'verblijfsobjecten')} in hetzelfde pand"


# ---------------------------------------------------------------- leegstand


def _leegstand_maanden(row: FeatureRow) -> str:
    v = _get(row, "leegstand_maanden")
    if v is None:
        return _not_a_dwelling(row, "leegstand")
    if v <= 0:
        return "er staat iemand ingeschreven (woon- of briefadres), dus geen leegstand"
    return _empty_for(v, "") + " (woon- of briefadres)"


def _explanations(row: FeatureRow) -> list[str]:
    """Those explanations of vacancy that the row itself shows (the builder's own tests)."""
    out = []
    if (v := _get(row, "omgevingsvergunning_2j")) is not None and _yes(v):
        out.append("omgevingsvergunning")
    if (v := _get(row, "maanden_sinds_verkrijging")) is not None and 0 <= v < 12:
        out.append(f"verkoop {_months(v)} geleden")
    if (v := _get(row, "leeftijd_gebouw")) is not None and v <= 2:
        out.append("nieuwbouw")
    if (v := _get(row, "laatste_bewoner_zorgadres")) is not None and _yes(v):
        out.append("verhuizing van de laatste bewoner naar een zorgadres")
    return out


def _leegstand_verklaard(row: FeatureRow) -> str:
    v = _get(row, "leegstand_verklaard")
    if v is None:
        return _not_a_dwelling(row, "leegstand")
    months = _get(row, "leegstand_maanden")
    if _yes(v):
        found = _explanations(row)
        why = ", ".join(found) if found else "vergunning, verkoop, nieuwbouw, BAG-status of zorg"
        lead = _empty_for(months, "") if months is not None and months > 0 else "leegstand"
        return f"{lead}, verklaard door {why}"
    if months is not None and months <= 0:
        return "er staat iemand ingeschreven (woon- of briefadres), dus geen leegstand"
    if months is not None:
        return _empty_for(months, "") + ", zonder vergunning, verkoop of nieuwbouw die dat verklaart"
    return "geen verklaarde leegstand"


def _leegstand_onverklaard(row: FeatureRow) -> str:
    v = _get(row, "leegstand_onverklaard_maanden")
    if v is None:
        return _not_a_dwelling(row, "leegstand")
    if v > 0:
        return _empty_for(v, "") + ", zonder vergunning, verkoop of nieuwbouw die dat verklaart"
    months = _get(row, "leegstand_maanden")
    if months is not None and months > 0:
        return _empty_for(months, "") + ", verklaard door vergunning, verkoop, nieuwbouw of BAG-status"
    if months is not None:
        return "er staat iemand ingeschreven (woon- of briefadres), dus geen onverklaarde leegstand"
    return "geen onverklaarde leegstand"


# ---------------------------------------------------------------- bewoning


def _n_ingeschreven(row: FeatureRow) -> str:
    v = _get(row, "n_ingeschreven")
    m2 = _get(row, "oppervlakte")
    if v is None:
        return "aantal ingeschreven personen onbekend"
    who = "niemand met een woonadres ingeschreven" if _int(v) == 0 else _count(v, "persoon", "personen")
    if _int(v) != 0:
        who += " ingeschreven"
    if m2 is None:
        return f"{who} (oppervlakte onbekend)"
    return f"{who} op {format_number(m2)} m²"


def _n_volwassen(row: FeatureRow) -> str:
    v = _get(row, "n_volwassen")
    n = _get(row, "n_ingeschreven")
    if v is None:
        return "aantal ingeschreven volwassenen onbekend"
    if n is not None and _int(n) == 0:
        return "niemand met een woonadres ingeschreven, dus geen volwassenen"
    if _int(v) == 0:
        if n is None:
            return "geen volwassenen ingeschreven"
        return f"geen van de {_count(n, 'ingeschreven persoon', 'ingeschreven personen')} is volwassen"
    if n is None:
        return f"{_count(v, 'volwassene', 'volwassenen')} ingeschreven"
    verb = "is" if _int(v) == 1 else "zijn"
    of = _count(n, "ingeschreven persoon", "ingeschreven personen")
    return f"{format_number(v)} van de {of} {verb} volwassen"


def _adults(row: FeatureRow) -> str:
    """``" onder 5 ingeschreven volwassenen"``, or nothing when the number is unknown."""
    a = _get(row, "n_volwassen")
    if a is None:
        return ""
    return f" onder {_count(a, 'ingeschreven volwassene', 'ingeschreven volwassenen')}"


def _per_adult(name: str, singular: str, plural: str) -> Callable[[FeatureRow], str]:
    """Distinct values (surnames, dates) among the registered adults."""

    def render(row: FeatureRow) -> str:
        v = _get(row, name)
        if v is None:
            return f"aantal verschillende {plural} onder volwassenen onbekend"
        if _int(v) == 0:
            return f"geen volwassenen ingeschreven, dus geen {plural}"
        noun = singular if _int(v) == 1 else f"verschillende {plural}"
        return f"{format_number(v)} {noun}{_adults(row)}"

    return render


def _m2_per_persoon(row: FeatureRow) -> str:
    v = _get(row, "m2_per_persoon")
    n = _get(row, "n_ingeschreven")
    m2 = _get(row, "oppervlakte")
    if v is None:
        if n is not None and _int(n) == 0:
            return "niemand met een woonadres ingeschreven, dus geen m² per persoon"
        return "m² per persoon onbekend (oppervlakte of inschrijvingen ontbreken)"
    text = f"{format_number(v, 1)} m² per ingeschreven persoon"
    if n is not None and m2 is not None and _int(n) > 0:
        text += f" ({format_number(m2)} m² voor {_count(n, 'persoon', 'personen')})"
    return text


def _maanden_zonder_inschrijving(row: FeatureRow) -> str:
    v = _get(row, "maanden_zonder_inschrijving")
    if v is None:
        return "onbekend hoe lang niemand met een woonadres ingeschreven staat"
    if v <= 0:
        n = _get(row, "n_ingeschreven")
        if n is not None and _int(n) > 0:
            return (
                f"er {'staat' if _int(n) == 1 else 'staan'} {_count(n, 'persoon', 'personen')} ingeschreven"
            )
        return "er staat iemand met een woonadres ingeschreven"
    return _empty_for(v, "met een woonadres ")


def _volwassenen_buiten_huisgezin(row: FeatureRow) -> str:
    v = _get(row, "volwassenen_buiten_huisgezin")
    a = _get(row, "n_volwassen")
    if v is None:
        return "onbekend hoeveel volwassenen buiten het huisgezin staan"
    if _int(v) == 0:
        if a is None:
            return "geen volwassenen buiten het huisgezin"
        return (
            f"geen volwassenen buiten het huisgezin ({_count(a, 'volwassene', 'volwassenen')} ingeschreven)"
        )
    verb = "deelt" if _int(v) == 1 else "delen"
    who = f"{format_number(v)} van de {format_number(a)}" if a is not None else format_number(v)
    noun = "volwassene" if a is None and _int(v) == 1 else "volwassenen"
    return f"{who} {noun} {verb} geen achternaam of inschrijfdatum met een andere volwassene hier"


# ---------------------------------------------------------------- verbruik


def _electricity(row: FeatureRow) -> str:
    kwh = _get(row, "elektriciteit_kwh")
    if kwh is None:
        return _GEEN_VERBRUIK_E
    n = _get(row, "n_ingeschreven")
    norm = _expected(kwh, _get(row, "elektriciteit_t_o_v_norm"), _electricity_norm(n))
    text = f"{_kwh(kwh)} {_LAATSTE_JAAR}"
    if norm is None:
        return f"{text}; de verwachting voor het huishouden is onbekend"
    if _int(kwh) < 0:
        return f"{text}; verwacht ongeveer {format_number(norm)} kWh voor {_household(n)}"
    return f"{text}, waar ongeveer {format_number(norm)} kWh verwacht wordt voor {_household(n)}"


def _water(row: FeatureRow) -> str:
    m3 = _get(row, "water_m3")
    if m3 is None:
        return _GEEN_WATER
    n = _get(row, "n_ingeschreven")
    norm = _expected(m3, _get(row, "water_t_o_v_norm"), _water_norm(n))
    text = f"{format_number(m3)} m³ water {_LAATSTE_JAAR}"
    if norm is None:
        return f"{text}; de verwachting voor het huishouden is onbekend"
    return f"{text}, waar ongeveer {format_number(norm)} m³ verwacht wordt voor {_household(n)}"


def _gas_norm(row: FeatureRow) -> tuple[float | None, str]:
    """The gas norm behind ``gas_t_o_v_norm`` and the dwelling type it belongs to."""
    gas = _get(row, "gas_m3")
    norm = _divide(gas, _get(row, "gas_t_o_v_norm")) if gas is not None and gas > 0 else None
    kind = ""
    if norm is not None:
        for k, value in GAS_NORM_M3.items():
            if abs(norm - value) < 1:
                kind = f" voor een {k}"
                norm = value
    return norm, kind


def _gas_m3(row: FeatureRow) -> str:
    gas = _get(row, "gas_m3")
    if gas is None:
        return _GEEN_GAS
    text = f"{format_number(gas)} m³ gas {_LAATSTE_JAAR}"
    norm, kind = _gas_norm(row)
    if norm is None:
        return text
    return f"{text}, waar de norm {format_number(norm)} m³ is{kind}"


def _gas_t_o_v_norm(row: FeatureRow) -> str:
    r = _get(row, "gas_t_o_v_norm")
    gas = _get(row, "gas_m3")
    if r is None:
        return (
            _GEEN_GAS
            if gas is None
            else f"{format_number(gas)} m³ gas; de norm voor het woningtype ontbreekt"
        )
    norm, kind = _gas_norm(row)
    if gas is None:
        return f"gasverbruik {_ratio(r)} keer de norm voor het woningtype"
    if norm is None:
        return f"{format_number(gas)} m³ gas {_LAATSTE_JAAR}, {_ratio(r)} keer de norm voor het woningtype"
    return (
        f"{format_number(gas)} m³ gas {_LAATSTE_JAAR}, {_ratio(r)} keer de norm van "
        f"{format_number(norm)} m³{kind}"
    )


def _elektriciteit_per_m2(row: FeatureRow) -> str:
    v = _get(row, "elektriciteit_per_m2")
    kwh = _get(row, "elektriciteit_kwh")
    m2 = _get(row, "oppervlakte")
    if v is None:
        if kwh is None:
            return _GEEN_VERBRUIK_E
        return f"{_kwh(kwh)}, maar de oppervlakte is onbekend"
    text = f"{format_number(v, 1)} kWh elektriciteit per m²"
    if kwh is not None and m2 is not None:
        text += f" ({format_number(kwh)} kWh op {format_number(m2)} m²)"
    return text


def _against_earlier(
    row: FeatureRow, feature: str, unknown: str, times: str, against: str, *, negative: str | None = None
) -> str:
    """Last year's electricity against an earlier reference (``feature`` is their ratio).

    The builders divide max(kWh, 1) by max(earlier kWh, 1), so the earlier figure is read back.
    ``negative``: what to say instead of the ratio when last year's figure is negative (the ratio
    of the clipped values says nothing more).
    """
    r = _get(row, feature)
    kwh = _get(row, "elektriciteit_kwh")
    if r is None:
        if kwh is None:
            return _GEEN_VERBRUIK_E
        return f"{_kwh(kwh)} {_LAATSTE_JAAR}; {unknown}"
    if kwh is None:
        return f"elektriciteit {_ratio(r)} keer {times}"
    earlier = _divide(max(kwh, 1.0), r)
    if earlier is None:
        return f"{_kwh(kwh)}, {_ratio(r)} keer {times}"
    before = "1 kWh of minder" if earlier <= 1 else f"ongeveer {format_number(earlier)} kWh"
    if negative is not None and _int(kwh) < 0:
        return f"{_kwh(kwh)} {_LAATSTE_JAAR} tegen {before} {negative}"
    return f"{_kwh(kwh)} {_LAATSTE_JAAR} tegen {before} {against} ({_ratio(r)} keer zoveel)"


def _elektriciteit_sprong(row: FeatureRow) -> str:
    return _against_earlier(
        row,
        "elektriciteit_sprong",
        "het jaar ervoor is onbekend",
        "het verbruik van het jaar ervoor",
        "het jaar ervoor",
        negative="verbruik het jaar ervoor",
    )


def _elektriciteit_t_o_v_eerder(row: FeatureRow) -> str:
    return _against_earlier(
        row,
        "elektriciteit_t_o_v_eerder",
        "de drie jaren ervoor zijn onbekend",
        "het hoogste verbruik van de drie jaren ervoor",
        "in het hoogste van de drie jaren ervoor",
    )


def _jaren_nulverbruik(row: FeatureRow) -> str:
    v = _get(row, "jaren_nulverbruik")
    if v is None:
        return "onbekend in hoeveel jaren (bijna) geen elektriciteit werd verbruikt"
    if _int(v) == 0:
        if _get(row, "elektriciteit_kwh") is None:
            return "geen jaar met minder dan 300 kWh bekend (verbruik in het laatste jaar onbekend)"
        return "in geen van de laatste 4 jaar minder dan 300 kWh elektriciteit"
    return f"in {format_number(v)} van de laatste 4 jaar minder dan 300 kWh elektriciteit"


def _gas_elektriciteit_ratio(row: FeatureRow) -> str:
    v = _get(row, "gas_elektriciteit_ratio")
    gas = _get(row, "gas_m3")
    kwh = _get(row, "elektriciteit_kwh")
    if v is None:
        if gas is None:
            return _GEEN_GAS
        return _GEEN_VERBRUIK_E
    text = f"{_ratio(v)} m³ gas per kWh elektriciteit"
    if gas is not None and kwh is not None:
        text += f" ({format_number(gas)} m³ gas, {format_number(kwh)} kWh)"
    return text


def _elektriciteit_t_o_v_straat(row: FeatureRow) -> str:
    r = _get(row, "elektriciteit_t_o_v_straat")
    kwh = _get(row, "elektriciteit_kwh")
    if r is None:
        if kwh is None:
            return _GEEN_VERBRUIK_E
        return "geen gemiddeld verbruik van het postcodegebied bekend (open kleinverbruiksdata)"
    if kwh is None:
        return f"elektriciteit {_ratio(r)} keer het gemiddelde van het postcodegebied"
    mean = _divide(kwh, r) if kwh > 0 else None
    of = f" van ongeveer {format_number(mean)} kWh" if mean is not None else ""
    return f"{_kwh(kwh)}, {_ratio(r)} keer het gemiddelde{of} in het postcodegebied"


# ---------------------------------------------------------------- bedrijven


def _n_vestigingen(row: FeatureRow) -> str:
    v = _get(row, "n_vestigingen")
    if v is None:
        return "aantal KvK-vestigingen op dit adres onbekend"
    if _int(v) == 0:
        return "geen actieve KvK-vestigingen op dit adres"
    text = f"{_count(v, 'actieve KvK-vestiging', 'actieve KvK-vestigingen')} op dit adres"
    k = _get(row, "n_kvk_nummers")
    if k is not None and _int(k) > 0:
        text += f", van {_count(k, 'onderneming', 'ondernemingen')}"
    return text


def _vestigingen_op_woonadres(row: FeatureRow) -> str:
    v = _get(row, "vestigingen_op_woonadres")
    if v is None:
        return "onbekend of hier vestigingen op een woonadres zijn"
    if _int(v) > 0:
        return (
            f"{_count(v, 'actieve vestiging', 'actieve vestigingen')} op een adres met alleen een woonfunctie"
        )
    n = _get(row, "n_vestigingen")
    if n is not None and _int(n) > 0:
        active = _count(n, "actieve vestiging", "actieve vestigingen")
        return f"{active}, maar het object heeft niet alleen een woonfunctie"
    return "geen actieve vestigingen op dit adres"


# ---------------------------------------------------------------- eigendom


def _maanden_sinds_verkrijging(row: FeatureRow) -> str:
    v = _get(row, "maanden_sinds_verkrijging")
    if v is None:
        return _GEEN_EIGENAAR
    return f"{_months(v)} geleden verkregen door de huidige eigenaar"


def _koopsom_t_o_v_buurt(row: FeatureRow) -> str:
    r = _get(row, "koopsom_t_o_v_buurt")
    if r is None:
        if _get(row, "maanden_sinds_verkrijging") is None:
            return _GEEN_EIGENAAR
        return (
            "koopsom per m² niet met de buurt te vergelijken "
            "(koopsom, oppervlakte of buurtverkopen ontbreken)"
        )
    pct = (r - 1) * 100
    what = "koopsom per m² bij de laatste verkrijging"
    if _int(pct) == 0:
        return f"{what} gelijk aan de buurtmediaan (verkopen laatste 5 jaar)"
    side = "boven" if pct > 0 else "onder"
    return f"{what} {format_number(abs(pct))}% {side} de buurtmediaan (verkopen laatste 5 jaar)"


def _koper_bedrijf_leeftijd(row: FeatureRow) -> str:
    v = _get(row, "koper_bedrijf_leeftijd_maanden")
    if v is None:
        rp = _get(row, "eigenaar_rechtspersoon")
        if rp is None:
            return _GEEN_EIGENAAR
        if not _yes(rp):
            return "de huidige eigenaar is geen rechtspersoon, dus geen kopende onderneming"
        return "geen KvK-inschrijving van de kopende onderneming bekend"
    when = "vóór" if v >= 0 else "na"
    return f"de eerste KvK-inschrijving van de kopende onderneming was {_months(v)} {when} de verkrijging"


def _portefeuille_eigenaar(row: FeatureRow) -> str:
    v = _get(row, "portefeuille_eigenaar")
    if v is None:
        return _GEEN_EIGENAAR
    if _int(v) == 1:
        return "de huidige eigenaar bezit alleen dit object in de gemeente"
    return f"de huidige eigenaar bezit {_count(v, 'object', 'objecten')} in de gemeente"


def _portefeuille_groei(row: FeatureRow) -> str:
    v = _get(row, "portefeuille_groei_2j")
    if v is None:
        return _GEEN_EIGENAAR
    total = _get(row, "portefeuille_eigenaar")
    if _int(v) == 0:
        return "geen van de objecten van de huidige eigenaar in de gemeente is in de laatste 2 jaar verworven"
    if total is None:
        objects = _count(v, "object", "objecten")
        return f"de huidige eigenaar verwierf {objects} in de gemeente in de laatste 2 jaar"
    return (
        f"{format_number(v)} van de {_count(total, 'object', 'objecten')} van de huidige eigenaar "
        "in de gemeente verworven in de laatste 2 jaar"
    )


# ---------------------------------------------------------------- netwerk


def _netwerk_bevestigde_adressen(row: FeatureRow) -> str:
    v = _get(row, "netwerk_bevestigde_adressen")
    if v is None:
        return "onbekend of betrokkenen hier ook bij bevestigde adressen horen"
    if _int(v) == 0:
        return "geen ander adres met een bevestigde uitkomst deelt een betrokkene met dit adres"
    verb = "deelt" if _int(v) == 1 else "delen"
    return (
        f"{_count(v, 'ander adres', 'andere adressen')} met een bevestigde eerdere uitkomst "
        f"{verb} een betrokkene met dit adres"
    )


def _netwerk_max(row: FeatureRow) -> str:
    v = _get(row, "netwerk_max_bevestigde_objecten")
    if v is None:
        return "onbekend of een betrokkene hier ook bij bevestigde adressen hoort"
    if _int(v) == 0:
        return "geen betrokkene van dit adres is verbonden met een ander bevestigd adres"
    confirmed = _count(v, "ander bevestigd adres", "andere bevestigde adressen")
    return f"één betrokkene van dit adres is verbonden met {confirmed}"


def _functionarissen(row: FeatureRow) -> str:
    v = _get(row, "functionarissen_max_objecten")
    if v is None:
        return "onbekend bij hoeveel adressen de functionarissen van hier gevestigde bedrijven betrokken zijn"
    if _int(v) == 0:
        return "geen functionaris van een hier gevestigd bedrijf is bij andere adressen betrokken"
    addresses = _count(v, "ander adres", "andere adressen")
    return f"een functionaris van een hier gevestigd bedrijf is betrokken bij {addresses}"


# ---------------------------------------------------------------- the table

_MELDINGEN_ONBEKEND = "aantal meldingen onbekend"

#: One fact renderer per catalogued feature.
FACTS: dict[str, Callable[[FeatureRow], str]] = {
    # object
    "is_woning": _boolean(
        "is_woning",
        "het object heeft een woonfunctie volgens de BAG",
        "het object heeft geen woonfunctie volgens de BAG",
        "gebruiksdoel onbekend in de BAG",
    ),
    "oppervlakte": _oppervlakte,
    "leeftijd_gebouw": _leeftijd_gebouw,
    "status_niet_in_gebruik": _boolean(
        "status_niet_in_gebruik",
        "de BAG-status is gevormd, buiten gebruik of verbouwing",
        "de BAG-status is niet gevormd, buiten gebruik of verbouwing",
        "de BAG-status is onbekend",
    ),
    "objecten_in_pand": _objecten_in_pand,
    "omgevingsvergunning_2j": _boolean(
        "omgevingsvergunning_2j",
        "een omgevingsvergunning verleend of in behandeling, aangevraagd in de laatste 2 jaar",
        "geen verleende of lopende omgevingsvergunning aangevraagd in de laatste 2 jaar",
        "onbekend of er een omgevingsvergunning is",
    ),
    "kamerverhuur_vergunning": _boolean(
        "kamerverhuur_vergunning",
        "er is een kamerverhuurvergunning verleend",
        "er is geen kamerverhuurvergunning verleend",
        "onbekend of er een kamerverhuurvergunning is",
    ),
    "vakantieverhuur_vergunning": _boolean(
        "vakantieverhuur_vergunning",
        "er is een vakantieverhuurvergunning verleend: gasten zonder inschrijving zijn te verwachten",
        "er is geen vakantieverhuurvergunning verleend",
        "onbekend of er een vakantieverhuurvergunning is",
    ),
    "horeca_of_exploitatie_vergunning": _boolean(
        "horeca_of_exploitatie_vergunning",
        "er is een drank-en-horeca- of exploitatievergunning verleend",
        "er is geen drank-en-horeca- of exploitatievergunning verleend",
        "onbekend of er een horeca- of exploitatievergunning is",
    ),
    "vergunning_geweigerd_5j": _boolean(
        "vergunning_geweigerd_5j",
        "een vergunning is geweigerd of ingetrokken in de laatste 5 jaar",
        "geen vergunning geweigerd of ingetrokken in de laatste 5 jaar",
        "onbekend of er een vergunning is geweigerd",
    ),
    # leegstand
    "leegstand_maanden": _leegstand_maanden,
    "laatste_bewoner_zorgadres": _boolean(
        "laatste_bewoner_zorgadres",
        "wie hier het laatst woonde staat nu ingeschreven op een zorgadres (gezondheidszorgfunctie)",
        "de laatste bewoner is niet naar een zorgadres in de gemeente verhuisd",
        "geen woning, dus geen verhuizing naar een zorgadres",
    ),
    "leegstand_verklaard": _leegstand_verklaard,
    "leegstand_onverklaard_maanden": _leegstand_onverklaard,
    # bewoning
    "n_ingeschreven": _n_ingeschreven,
    "n_volwassen": _n_volwassen,
    "n_briefadres": _counted(
        "n_briefadres",
        "persoon",
        "personen",
        "met een briefadres op dit adres",
        "niemand met een briefadres op dit adres",
        "aantal briefadressen onbekend",
    ),
    "m2_per_persoon": _m2_per_persoon,
    "n_achternamen_volwassen": _per_adult("n_achternamen_volwassen", "achternaam", "achternamen"),
    "n_inschrijfdata_volwassen": _per_adult("n_inschrijfdata_volwassen", "inschrijfdatum", "inschrijfdata"),
    "mutaties_2j": _counted(
        "mutaties_2j",
        "inschrijving die begon of eindigde",
        "inschrijvingen die begonnen of eindigden",
        "in de laatste 2 jaar",
        "geen inschrijvingen die in de laatste 2 jaar begonnen of eindigden",
        "aantal in- en uitschrijvingen onbekend",
    ),
    "kort_ingeschreven_2j": _counted(
        "kort_ingeschreven_2j",
        "inschrijving van minder dan 6 maanden",
        "inschrijvingen van minder dan 6 maanden",
        "beëindigd in de laatste 2 jaar",
        "geen inschrijvingen van minder dan 6 maanden beëindigd in de laatste 2 jaar",
        "aantal korte inschrijvingen onbekend",
    ),
    "maanden_zonder_inschrijving": _maanden_zonder_inschrijving,
    "volwassenen_buiten_huisgezin": _volwassenen_buiten_huisgezin,
    # verbruik
    "elektriciteit_kwh": _electricity,
    "gas_m3": _gas_m3,
    "water_m3": _water,
    "elektriciteit_t_o_v_norm": _electricity,
    "water_t_o_v_norm": _water,
    "gas_t_o_v_norm": _gas_t_o_v_norm,
    "elektriciteit_per_m2": _elektriciteit_per_m2,
    "elektriciteit_sprong": _elektriciteit_sprong,
    "elektriciteit_t_o_v_eerder": _elektriciteit_t_o_v_eerder,
    "jaren_nulverbruik": _jaren_nulverbruik,
    "gas_elektriciteit_ratio": _gas_elektriciteit_ratio,
    "elektriciteit_t_o_v_straat": _elektriciteit_t_o_v_straat,
    # bedrijven
    "n_vestigingen": _n_vestigingen,
    "n_vestigingen_nieuw_2j": _counted(
        "n_vestigingen_nieuw_2j",
        "KvK-vestiging",
        "KvK-vestigingen",
        "hier ingeschreven in de laatste 2 jaar",
        "geen KvK-vestigingen hier ingeschreven in de laatste 2 jaar",
        "aantal nieuwe KvK-vestigingen onbekend",
    ),
    "n_vestigingen_kortlevend": _counted(
        "n_vestigingen_kortlevend",
        "vestiging",
        "vestigingen",
        "binnen een jaar na inschrijving weer uitgeschreven (laatste 5 jaar)",
        "geen vestigingen binnen een jaar na inschrijving uitgeschreven (laatste 5 jaar)",
        "aantal kortlevende vestigingen onbekend",
    ),
    "n_kvk_nummers": _counted(
        "n_kvk_nummers",
        "onderneming (KvK-nummer)",
        "verschillende ondernemingen (KvK-nummers)",
        "met een actieve vestiging op dit adres",
        "geen onderneming met een actieve vestiging op dit adres",
        "aantal ondernemingen op dit adres onbekend",
    ),
    "vestigingen_op_woonadres": _vestigingen_op_woonadres,
    # eigendom
    "eigenaar_rechtspersoon": _boolean(
        "eigenaar_rechtspersoon",
        "de huidige eigenaar is een rechtspersoon",
        "de huidige eigenaar is geen rechtspersoon",
        _GEEN_EIGENAAR,
    ),
    "geen_hypotheek": _boolean(
        "geen_hypotheek",
        "de huidige eigenaar heeft geen hypotheek",
        "de huidige eigenaar heeft een hypotheek",
        _GEEN_EIGENAAR,
    ),
    "verkopen_20j": _counted(
        "verkopen_20j",
        "verkrijging",
        "verkrijgingen",
        "van het object in de laatste 20 jaar",
        "geen verkrijgingen van het object in de laatste 20 jaar",
        _GEEN_KADASTER,
    ),
    "snelle_doorverkoop": _boolean(
        "snelle_doorverkoop",
        "twee verkrijgingen binnen 6 maanden van elkaar in de laatste 10 jaar",
        "geen twee verkrijgingen binnen 6 maanden van elkaar in de laatste 10 jaar",
        _GEEN_KADASTER,
    ),
    "maanden_sinds_verkrijging": _maanden_sinds_verkrijging,
    "koopsom_t_o_v_buurt": _koopsom_t_o_v_buurt,
    "koper_bedrijf_leeftijd_maanden": _koper_bedrijf_leeftijd,
    "portefeuille_eigenaar": _portefeuille_eigenaar,
    "portefeuille_groei_2j": _portefeuille_groei,
    # meldingen
    "meldingen_12m": _counted(
        "meldingen_12m",
        "melding",
        "meldingen",
        "op dit adres in de laatste 12 maanden",
        "geen meldingen op dit adres in de laatste 12 maanden",
        _MELDINGEN_ONBEKEND,
    ),
    "meldingen_drugs_stank_3j": _counted(
        "meldingen_drugs_stank_3j",
        "melding",
        "meldingen",
        "van drugs of stankoverlast in de laatste 3 jaar",
        "geen meldingen van drugs of stankoverlast in de laatste 3 jaar",
        _MELDINGEN_ONBEKEND,
    ),
    "meldingen_woonoverlast_3j": _counted(
        "meldingen_woonoverlast_3j",
        "melding",
        "meldingen",
        "van woonoverlast, geluid of afval in de laatste 3 jaar",
        "geen meldingen van woonoverlast, geluid of afval in de laatste 3 jaar",
        _MELDINGEN_ONBEKEND,
    ),
    # netwerk
    "netwerk_bevestigde_adressen": _netwerk_bevestigde_adressen,
    "netwerk_max_bevestigde_objecten": _netwerk_max,
    "netwerk_eigenaar_bevestigd": _boolean(
        "netwerk_eigenaar_bevestigd",
        "een huidige eigenaar is betrokken bij een ander adres met een bevestigde uitkomst",
        "geen huidige eigenaar is betrokken bij een ander adres met een bevestigde uitkomst",
        "onbekend of een eigenaar bij een bevestigd adres betrokken is",
    ),
    "functionarissen_max_objecten": _functionarissen,
}


def fact(name: str, row: FeatureRow) -> str:
    """The checkable fact behind feature ``name`` for the object whose feature row is ``row``.

    Args:
        name: A feature name from the catalogue.
        row: The object's whole feature row (feature name to value; ``None`` or NaN when missing).

    Returns:
        A short Dutch fragment, lower case, without a final period; for a name outside the catalogue
        ``"<name> = <value>"``.
    """
    render = FACTS.get(name)
    if render is not None:
        return render(row)
    v = _get(row, name)
    if v is None:
        return f"{name} = onbekend"
    return f"{name} = {format_number(v) if v == _int(v) else _ratio(v)}"
