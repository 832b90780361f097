"""Properties of ``build_features`` on small generated municipalities.

A generated world holds a few objects and, linked to them, registrations, establishments,
ownership chains, permits, utility years, reports, graph ties, past outcomes and open-data
(kleinverbruik) files, with dates spread before and after the peildatum and bunched at the edges
of the builders' windows. The properties:

- one row per verblijfsobject and every catalogued column, whatever the data;
- what happens after the peildatum changes no feature: the features of the whole world equal the
  features of the world as it was known at the peildatum (rows that start after it removed, ends
  after it not yet known), all tables at once and one table at a time (so that a leak names its
  table);
- the features do not depend on the order of the input rows, nor on the run.

"After the peildatum" follows the builders: a row whose start date lies after the peildatum (a
report *on* the peildatum is also unseen by the report builder, so the future is taken as
strictly after it); a utility year from the peildatum's own year on
(:attr:`FeatureInputs.utility_year` is the last complete year before it); an open-data file whose
reference date (the 1 January in its name) lies after the peildatum.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from features import FeatureInputs, build_features, catalogue
from features.base import KLEINVERBRUIK_SCHEMA, NETWERK_SCHEMA, UITKOMST_SCHEMA
from vastgoed.core.schema import BAG_STATUSSEN, FENOMENEN, Kind, file_spec

Row = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]

_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- schemas (as the ingest types them)

_DTYPE: dict[Kind, pl.DataType] = {
    Kind.INT: pl.Int64(),
    Kind.FLOAT: pl.Float64(),
    Kind.BOOL: pl.Boolean(),
    Kind.DATE: pl.Date(),
}


def _contract_schema(stem: str) -> dict[str, pl.DataType]:
    """The contract's columns with the ingest's types, the row number and the linked object."""
    schema = {c.name: _DTYPE.get(c.kind, pl.String()) for c in file_spec(stem).columns}
    return {"rij": pl.Int64(), **schema, "verblijfsobject_id": pl.String()}


#: FeatureInputs field -> (schema, start-date column or None, end-date column or None).
TABLES: dict[str, tuple[dict[str, pl.DataType], str | None, str | None]] = {
    "inschrijvingen": (
        _contract_schema("brp_inschrijvingen"),
        "datum_aanvang_adreshouding",
        "datum_einde_adreshouding",
    ),
    "vestigingen": (_contract_schema("kvk_vestigingen"), "datum_inschrijving", "datum_uitschrijving"),
    "eigendom": (_contract_schema("kadaster_eigendom"), "datum_verkrijging", "datum_einde"),
    "vergunningen": (_contract_schema("vergunningen"), "datum_aanvraag", None),
    "verbruik": (_contract_schema("energie_verbruik"), None, None),  # by year, see _is_future
    "meldingen": (_contract_schema("meldingen"), "datum", None),
    "netwerk": (dict(NETWERK_SCHEMA), "begin", "einde"),
    "uitkomsten": (dict(UITKOMST_SCHEMA), "datum_onderzoek", None),
    # open data: a file's reference date is the 1 January in its name (``_ref``, not a column)
    "kleinverbruik": (dict(KLEINVERBRUIK_SCHEMA), "_ref", None),
}

# ---------------------------------------------------------------- generated worlds

#: Day offsets at which the builders' windows turn (1, 2, 3, 5, 10 and 20 years, 6 months).
_EDGES = (0, 183, 365, 730, 1096, 1826, 3652, 7305)
_OFFSET = st.one_of(
    st.integers(-8000, 2500),
    st.sampled_from(_EDGES).flatmap(lambda b: st.integers(-b - 1, -b + 1)),
    st.integers(-30, 60),  # just before or after the peildatum
    st.integers(-90, 20).map(lambda k: 90 * k),  # a coarse grid, so that dates coincide
)
_SURNAMES = ("Jansen", "de Vries", "Bakker", "Yılmaz", "Smit", "Janssen")
_KVK = ("12345678", "23456789", "34567890")
_SOORTEN = ("omgevingsvergunning", "kamerverhuur", "drank_en_horeca", "exploitatievergunning", "splitsing")
_BESLUITEN = ("verleend", "verleend", "geweigerd", "ingetrokken", "lopend")
_CATEGORIEN = ("drugs", "Stankoverlast", "hennep", "woonoverlast", "overlast", "afval", "geluidsoverlast")
_GEBRUIK = ("woonfunctie", "woonfunctie;winkelfunctie", "kantoorfunctie", "winkelfunctie")
_ROLLEN = ("ingeschreven_op", "eigenaar_van", "aanvrager_van", "gevestigd_op", "functionaris_van")
_PARTIJEN = ("persoon:1", "persoon:2", "persoon:3", "bedrijf:12345678", "bedrijf:23456789")


@dataclasses.dataclass(frozen=True)
class World:
    """A peildatum, its objects, and rows per FeatureInputs table (dates on both sides of it)."""

    peildatum: dt.date
    objects: pl.DataFrame
    rows: dict[str, list[Row]]


def _vbo(i: int) -> str:
    return f"0935010000{i:06d}"


def _dates(p: dt.date) -> st.SearchStrategy[dt.date]:
    return _OFFSET.map(lambda d: p + dt.timedelta(days=d))


def _date(draw: Draw, p: dt.date) -> dt.date:
    return draw(_dates(p))  # type: ignore[no-any-return]


#: Durations in days: short stays and quick resales as well as long ones, and the window edges.
_DURATION = st.one_of(st.integers(0, 400), st.integers(0, 6000), st.sampled_from(_EDGES))


def _end(draw: Draw, start: dt.date) -> dt.date | None:
    """Open, or an end on/after the start (on either side of the peildatum)."""
    if draw(st.booleans()):
        return None
    return start + dt.timedelta(days=draw(_DURATION))


def _partial_birth(draw: Draw, year: int) -> str:
    if draw(st.integers(0, 4)) == 0:
        return f"{year}-00-00"
    return f"{year}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"


@st.composite
def worlds(draw: Draw) -> World:
    p = draw(st.dates(dt.date(2022, 1, 1), dt.date(2026, 12, 31)))
    n = draw(st.integers(1, 4))
    ids = [_vbo(i) for i in range(n)]
    obj = st.sampled_from(ids)
    objects = (
        pl.DataFrame(
            {
                "verblijfsobject_id": ids,
                "nummeraanduiding_id": [f"0935200000{i:06d}" for i in range(n)],
                "openbare_ruimte": ["Markt"] * n,
                "huisnummer": list(range(1, n + 1)),
                "huisletter": [None] * n,
                "huisnummertoevoeging": [None] * n,
                "postcode": [draw(st.sampled_from(("6211AA", "6211CK"))) for _ in ids],
                "woonplaats": ["Maastricht"] * n,
                "gebruiksdoel": [draw(st.sampled_from(_GEBRUIK)) for _ in ids],
                "oppervlakte": [draw(st.integers(1, 400)) for _ in ids],
                "status": [draw(st.sampled_from(BAG_STATUSSEN)) for _ in ids],
                "pand_id": [draw(st.sampled_from(("0935100000000001", "0935100000000002"))) for _ in ids],
                "bouwjaar": [draw(st.integers(1850, p.year)) for _ in ids],
                "buurtcode": [draw(st.sampled_from(("BU09350101", "BU09350102"))) for _ in ids],
                "x": [None] * n,
                "y": [None] * n,
            },
            schema_overrides={
                "huisletter": pl.String,
                "huisnummertoevoeging": pl.String,
                "x": pl.Float64,
                "y": pl.Float64,
            },
        )
        .with_row_index("rij")
        .with_columns(pl.col("rij").cast(pl.Int64))
    )

    rows: dict[str, list[Row]] = {name: [] for name in TABLES}
    for _ in range(draw(st.integers(0, 10))):
        start = _date(draw, p)
        rows["inschrijvingen"].append(
            {
                "bsn": f"pseudo{draw(st.integers(0, 7))}",
                "geslachtsnaam": draw(st.sampled_from(_SURNAMES)),
                "voornamen": draw(st.sampled_from(("Jan", "Anna", "Mehmet", "Zofia"))),
                "geboortedatum": _partial_birth(draw, draw(st.integers(start.year - 80, start.year))),
                "functie_adres": draw(st.sampled_from("WWWB")),
                "datum_aanvang_adreshouding": start,
                "datum_einde_adreshouding": _end(draw, start),
                "verblijfsobject_id": draw(obj),
            }
        )
    for i in range(draw(st.integers(0, 6))):
        start = _date(draw, p)
        rows["vestigingen"].append(
            {
                "vestigingsnummer": f"{i:012d}",
                "kvk_nummer": draw(st.sampled_from(_KVK)),
                "handelsnaam": "Handel",
                "rechtsvorm": draw(st.sampled_from(("bv", "eenmanszaak", "stichting"))),
                "sbi_code": draw(st.sampled_from(("4711", "6820", "5610"))),
                "datum_inschrijving": start,
                "datum_uitschrijving": _end(draw, start),
                "verblijfsobject_id": draw(st.one_of(obj, st.none())),  # shielded: not linked
            }
        )
    # a chain of ownership per object, each right ending when the next begins (one owner at a time:
    # co-owners who acquired on one day have their own test at the end)
    for v in ids:
        sales: set[dt.date] = set()
        for _ in range(draw(st.integers(0, 4))):
            sales.add(_date(draw, p))
            if draw(st.integers(0, 3)) == 0:  # a quick resale
                sales.add(max(sales) + dt.timedelta(days=draw(st.integers(1, 200))))
        chain = sorted(sales)
        for i, start in enumerate(chain):
            nxt = chain[i + 1] if i + 1 < len(chain) else None
            legal = draw(st.booleans())
            rows["eigendom"].append(
                {
                    "kadastraal_object_id": f"MTT00K{v[-4:]}",
                    "eigenaar_type": "rechtspersoon" if legal else "natuurlijk_persoon",
                    "eigenaar_naam": f"{draw(st.sampled_from(_SURNAMES))} {'B.V.' if legal else 'J.'}",
                    "eigenaar_geboortedatum": None
                    if legal
                    else draw(st.sampled_from(("1970-01-01", "1985-00-00"))),
                    "eigenaar_kvk_nummer": draw(st.sampled_from(_KVK)) if legal else None,
                    "datum_verkrijging": start,
                    "datum_einde": nxt,
                    "koopsom": draw(st.one_of(st.none(), st.integers(50_000, 900_000))),
                    "hypotheek": draw(st.booleans()),
                    "verblijfsobject_id": v,
                }
            )
    for i in range(draw(st.integers(0, 5))):
        rows["vergunningen"].append(
            {
                "vergunning_id": f"V{i}",
                "soort": draw(st.sampled_from(_SOORTEN)),
                "aanvrager_naam": "Jansen",
                "datum_aanvraag": _date(draw, p),
                "besluit": draw(st.sampled_from(_BESLUITEN)),
                "bibob_toets": draw(st.booleans()),
                "verblijfsobject_id": draw(obj),
            }
        )
    amount = st.one_of(st.sampled_from((0.0, 120.0, 299.9, 300.0, 2500.0, 40_000.0)), st.floats(0, 50_000))
    series = st.tuples(obj, st.sampled_from(("elektriciteit", "gas", "water")), st.integers(0, 1))
    for v, product, conn in draw(st.lists(series, max_size=5, unique=True)):
        for jaar in range(p.year - 5, p.year + 2):  # the meter's years, some missing
            if draw(st.integers(0, 4)) > 0:
                rows["verbruik"].append(
                    {
                        "ean": f"{v[-4:]}{product[:1]}{conn}",
                        "product": product,
                        "jaar": jaar,
                        "verbruik": draw(amount),
                        "verblijfsobject_id": v,
                    }
                )
    for i in range(draw(st.integers(0, 6))):
        rows["meldingen"].append(
            {
                "melding_id": f"M{i}",
                "datum": _date(draw, p),
                "categorie": draw(st.sampled_from(_CATEGORIEN)),
                "verblijfsobject_id": draw(obj),
            }
        )
    for _ in range(draw(st.integers(0, 8))):
        begin = None if draw(st.integers(0, 3)) == 0 else _date(draw, p)
        rows["netwerk"].append(
            {
                "verblijfsobject_id": draw(obj),
                "partij": draw(st.sampled_from(_PARTIJEN)),
                "rol": draw(st.sampled_from(_ROLLEN)),
                "begin": begin,
                "einde": None if begin is None else _end(draw, begin),
            }
        )
    seen = set()
    for _ in range(draw(st.integers(0, 5))):
        key = (draw(obj), _date(draw, p), draw(st.sampled_from(FENOMENEN)))
        if key in seen:  # the contract's key
            continue
        seen.add(key)
        rows["uitkomsten"].append(
            {
                "verblijfsobject_id": key[0],
                "datum_onderzoek": key[1],
                "fenomeen": key[2],
                "uitkomst": draw(st.sampled_from(("bevestigd", "bevestigd", "niet_bevestigd"))),
            }
        )
    for year in draw(st.sets(st.integers(p.year - 2, p.year + 1), max_size=3)):
        ref = dt.date(year, 1, 1)
        for van, tot in (("6211AA", "6211AB"), ("6211CA", "6211CL")):
            for soort in ("ELK", "GAS"):
                if draw(st.integers(0, 3)) > 0:
                    rows["kleinverbruik"].append(
                        {
                            "_ref": ref,
                            "bestand": f"enexis_kleinverbruiksgegevens_{ref:%d%m%Y}.csv",
                            "postcode_van": van,
                            "postcode_tot": tot,
                            "productsoort": soort,
                            "aansluitingen_aantal": draw(st.integers(10, 60)),
                            "sjv_gemiddeld": draw(st.floats(500, 5000)),
                        }
                    )
    return World(p, objects, rows)


# ---------------------------------------------------------------- from worlds to inputs


def _frame(name: str, rows: list[Row]) -> pl.DataFrame:
    schema = TABLES[name][0]
    full = [{c: r.get(c) for c in schema} for r in rows]
    frame = pl.DataFrame(full, schema=schema, orient="row")
    if "rij" in schema:
        frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("rij"))
    return frame


def inputs_of(world: World) -> FeatureInputs:
    return FeatureInputs(
        peildatum=world.peildatum,
        objects=world.objects,
        **{name: _frame(name, rows) for name, rows in world.rows.items()},
    )


def _is_future(name: str, row: Row, p: dt.date) -> bool:
    if name == "verbruik":
        return bool(row["jaar"] > p.year - 1)
    start = TABLES[name][1]
    return start is not None and row[start] is not None and row[start] > p


def known_at_peildatum(world: World, keep: tuple[str, ...] = ()) -> World:
    """The world as known at the peildatum: later rows removed, later ends not yet known.

    ``keep`` names tables left as they are (with their future).
    """
    p = world.peildatum
    out: dict[str, list[Row]] = {}
    for name, rows in world.rows.items():
        if name in keep:
            out[name] = rows
            continue
        end = TABLES[name][2]
        out[name] = [
            {**r, end: None} if end is not None and r[end] is not None and r[end] > p else r
            for r in rows
            if not _is_future(name, r, p)
        ]
    return dataclasses.replace(world, rows=out)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("verblijfsobject_id")


# ---------------------------------------------------------------- properties


@_SETTINGS
@given(worlds())
def test_one_row_per_object_and_every_catalogued_column(world: World) -> None:
    out = build_features(inputs_of(world))
    assert out.columns == ["verblijfsobject_id", *(s.name for s in catalogue())]
    assert out.height == world.objects.height
    assert sorted(out["verblijfsobject_id"].to_list()) == sorted(
        world.objects["verblijfsobject_id"].to_list()
    )


def _assert_future_changes_nothing(world: World, tables: tuple[str, ...]) -> None:
    assert_frame_equal(
        _sorted(build_features(inputs_of(known_at_peildatum(world, keep=tables)))),
        _sorted(build_features(inputs_of(known_at_peildatum(world)))),
    )


@settings(_SETTINGS, max_examples=40)
@given(world=worlds())
def test_nothing_after_the_peildatum_changes_a_feature(world: World) -> None:
    _assert_future_changes_nothing(world, tuple(TABLES))


@pytest.mark.parametrize("table", list(TABLES))
@settings(_SETTINGS, max_examples=12)
@given(world=worlds())
def test_nothing_after_the_peildatum_in_one_table_changes_a_feature(table: str, world: World) -> None:
    """The same, one table at a time, so that a leak names its table."""
    _assert_future_changes_nothing(world, (table,))


@_SETTINGS
@given(world=worlds(), seed=st.integers(0, 2**32 - 1))
def test_features_do_not_depend_on_row_order_or_run(world: World, seed: int) -> None:
    inputs = inputs_of(world)
    frames = {f.name: getattr(inputs, f.name) for f in dataclasses.fields(inputs)}
    changes: dict[str, Any] = {
        name: frame.sample(fraction=1.0, shuffle=True, seed=seed)
        for name, frame in frames.items()
        if isinstance(frame, pl.DataFrame)
    }
    shuffled = dataclasses.replace(inputs, **changes)
    first = _sorted(build_features(inputs))
    assert_frame_equal(first, _sorted(build_features(inputs)), check_exact=True)
    # sums of floats may differ in the last bits when added in another order
    assert_frame_equal(first, _sorted(build_features(shuffled)), rel_tol=1e-9, abs_tol=1e-9)


def test_co_owners_who_acquired_on_one_day_do_not_depend_on_row_order() -> None:
    p = dt.date(2025, 1, 1)
    a, b = _vbo(0), _vbo(1)
    objects = pl.DataFrame(
        {
            "verblijfsobject_id": [a, b],
            "oppervlakte": [80, 60],
            "gebruiksdoel": ["woonfunctie", "woonfunctie"],
            "status": ["Verblijfsobject in gebruik"] * 2,
            "pand_id": ["0935100000000001", "0935100000000002"],
            "bouwjaar": [1960, 1970],
            "buurtcode": ["BU09350101"] * 2,
            "postcode": ["6211AA", "6211AA"],
        }
    )

    def right(v: str, naam: str, born: str, since: dt.date) -> Row:
        return {
            "verblijfsobject_id": v,
            "eigenaar_type": "natuurlijk_persoon",
            "eigenaar_naam": naam,
            "eigenaar_geboortedatum": born,
            "datum_verkrijging": since,
            "koopsom": 300_000,
            "hypotheek": True,
        }

    # a couple bought A together; Bakker also owns B
    rights = [
        right(a, "Jansen, J.", "1970-01-01", dt.date(2020, 5, 1)),
        right(a, "Bakker, M.", "1972-02-02", dt.date(2020, 5, 1)),
        right(b, "Bakker, M.", "1972-02-02", dt.date(2018, 1, 1)),
    ]
    rows: dict[str, list[Row]] = {name: [] for name in TABLES}
    one = inputs_of(World(p, objects, {**rows, "eigendom": rights}))
    other = inputs_of(World(p, objects, {**rows, "eigendom": [rights[1], rights[0], rights[2]]}))
    assert_frame_equal(_sorted(build_features(one)), _sorted(build_features(other)))
