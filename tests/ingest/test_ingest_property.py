"""Property test of the reader: the quarantine holds exactly the cells that were damaged.

A damaged cell costs its row (the row is quarantined, with every damaged cell in it) or only
itself (nulled and reported in ``nulled``, the row kept), as its column says (``Column.costs``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from conftest import KEY, FolderBuilder, make_bsn
from hypothesis import given, settings
from hypothesis import strategies as st

from vastgoed.core.errors import DataError
from vastgoed.core.schema import Invalid, file_spec
from vastgoed.ingest import ingest

# Per file and column: values the contract rejects, and valid variations of a value it accepts.
INVALID: dict[str, dict[str, list[str]]] = {
    "bag_verblijfsobjecten": {
        "verblijfsobject_id": ["0935020000000001", "12345", "", "093501000000000x"],
        "nummeraanduiding_id": ["0935100000000001", "09352000000000011"],
        "openbare_ruimte": ["", "   "],
        "huisnummer": ["", "0", "x", "100000"],
        "postcode": ["1234 S", "0123AB", "1234SD", "ABCDEF"],
        "gebruiksdoel": ["wonen", "woonfunctie;;x", ";"],
        "oppervlakte": ["0", "-1", "1000000", "twee", "1.5"],
        "status": ["gesloopt", ""],
        "pand_id": ["0935010000000001"],
        "bouwjaar": ["999", "2101", "19xx"],
        "x": ["abc", "nan", "inf"],
    },
    "brp_inschrijvingen": {
        "bsn": ["1234567", "abcdefghi", "000000000"],
        "geslachtsnaam": [""],
        "geboortedatum": ["1970-13-01", "1970-00-05", "19701332", "0000-00-00", "x", "1970-02-30"],
        "functie_adres": ["X", "woon"],
        "datum_aanvang_adreshouding": ["2015-02-29", "01-03-2015", "2015-3-1"],
        "datum_einde_adreshouding": ["2015-13-01", "2015-00-00"],
        "nummeraanduiding_id": ["0935010000000001", "abc"],
    },
    "energie_verbruik": {
        "ean": ["871687120000000019", "12"],
        "postcode": ["6211SS", "62111AB", "AB1234"],
        "huisnummer": ["0", "x", "1e"],
        "slimme_meter": ["misschien"],
        "verbruik": ["veel"],
    },
}
VARIANT: dict[str, dict[str, list[str]]] = {
    "bag_verblijfsobjecten": {
        "postcode": ["6211 ck", " 6211ck "],
        "status": ["VERBLIJFSOBJECT IN GEBRUIK", " verblijfsobject gevormd"],
        "gebruiksdoel": ["WOONFUNCTIE; winkelfunctie", "woonfunctie;"],
        "oppervlakte": [" 45 ", "45.0", "+45"],
        "x": ["", "1,5", "-3.25"],
        "huisletter": ["", "b"],
    },
    "brp_inschrijvingen": {
        "geboortedatum": ["1970-00-00", "19700000", "1970-04-00", "19700401"],
        "datum_aanvang_adreshouding": ["20150301", " 2015-03-01 "],
        "datum_einde_adreshouding": ["", "2020-12-31"],
        "functie_adres": ["b", " W "],
        "huisnummertoevoeging": ["2e verd", "-A", "hs", "A-2", "bis", "01"],
        "nummeraanduiding_id": ["935200000000001", " 0935200000000002 "],
    },
    "energie_verbruik": {
        "postcode": ["", "6211 ck"],
        "straat": [""],
        "huisnummertoevoeging": ["1hoog", "CV", "-3", "II"],
        "slimme_meter": ["", "ja"],
    },
}
N_MAX = 8
_BSNS: list[str] = []
for _p in range(10000000, 10001000, 13):
    try:
        _BSNS.append(make_bsn(str(_p)))
    except ValueError:
        continue


def _base(builder: FolderBuilder, n_bag: int, n_brp: int, n_energie: int) -> dict[str, list[dict[str, str]]]:
    rows = builder.rows()
    bag0, brp0 = rows["bag_verblijfsobjecten"][0], rows["brp_inschrijvingen"][0]
    rows["bag_verblijfsobjecten"] = [dict(bag0, verblijfsobject_id=f"093501{i:010d}") for i in range(n_bag)]
    rows["brp_inschrijvingen"] = [dict(brp0, bsn=_BSNS[i]) for i in range(n_brp)]
    e0 = rows["energie_verbruik"][0]
    rows["energie_verbruik"] = [dict(e0, jaar=str(2000 + i)) for i in range(n_energie)]
    return rows


_cell = st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100))


@st.composite
def _damage(draw: st.DrawFn) -> tuple[dict[str, int], dict[tuple[str, int, str], tuple[bool, int]], str]:
    sizes = {stem: draw(st.integers(1, N_MAX)) for stem in INVALID}
    cells: dict[tuple[str, int, str], tuple[bool, int]] = {}
    for stem, n in sizes.items():
        columns = sorted(set(INVALID[stem]) | set(VARIANT[stem]))
        chosen = draw(
            st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(columns)), max_size=2 * n, unique=True)
        )
        for row, column in chosen:
            can_break = column in INVALID[stem]
            can_vary = column in VARIANT[stem]
            broken = draw(st.booleans()) if can_break and can_vary else can_break
            cells[(stem, row, column)] = (broken, draw(st.integers(0, 100)))
    return sizes, cells, draw(st.sampled_from(["csv", "parquet"]))


@settings(max_examples=30, deadline=None)
@given(case=_damage())
def test_quarantine_is_exactly_the_damaged_cells(
    builder: FolderBuilder, case: tuple[dict[str, int], dict[tuple[str, int, str], tuple[bool, int]], str]
) -> None:
    sizes, cells, fmt = case
    rows = _base(
        builder, sizes["bag_verblijfsobjecten"], sizes["brp_inschrijvingen"], sizes["energie_verbruik"]
    )
    broken_cells: set[tuple[str, int, str]] = set()
    for (stem, row, column), (broken, pick) in cells.items():
        options = (INVALID if broken else VARIANT)[stem][column]
        rows[stem][row][column] = options[pick % len(options)]
        if broken:
            broken_cells.add((stem, row, column))
    bad_rows = {(s, r) for s, r, c in broken_cells if file_spec(s).column(c).costs == Invalid.ROW}
    expected = {cell for cell in broken_cells if cell[:2] in bad_rows}
    # a required file whose every row is quarantined is refused, naming it (test_clear_errors.py)
    refused = {s for s, n in sizes.items() if all((s, r) in bad_rows for r in range(n))}
    with tempfile.TemporaryDirectory() as tmp:
        if refused:
            with pytest.raises(DataError, match="geen enkele geldige rij") as err:
                ingest(builder.write(Path(tmp), rows, fmt=fmt), key=KEY)
            assert err.value.bestand.split(".")[0] in refused
            return
        result = ingest(builder.write(Path(tmp), rows, fmt=fmt), key=KEY)
    got = set(result.quarantine.select("bestand", "rij", "kolom").iter_rows())
    assert got == expected
    assert set(result.nulled.select("bestand", "rij", "kolom").iter_rows()) == broken_cells - expected
    for stem, n in sizes.items():
        kept = [r for r in range(n) if (stem, r) not in bad_rows]
        assert result.tables[stem].get_column("rij").to_list() == kept
        for s, row, column in broken_cells - expected:
            if s == stem:
                assert result.tables[stem].filter(pl.col("rij") == row).get_column(column).to_list() == [None]
