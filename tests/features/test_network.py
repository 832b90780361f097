from __future__ import annotations

import datetime as dt

import polars as pl

from features.base import NETWERK_SCHEMA, UITKOMST_SCHEMA, FeatureInputs
from features.network import NetworkFeatures

P = dt.date(2024, 1, 1)
D = dt.date


def _vbo(i: int) -> str:
    return f"09350100000{i:05d}"


def _inputs(
    ties: list[tuple[str, str, str, dt.date, dt.date | None]], outcomes: list[tuple[str, dt.date, str]]
) -> FeatureInputs:
    objects = pl.DataFrame({"verblijfsobject_id": [_vbo(i) for i in range(1, 80)]})
    empty = pl.DataFrame()
    return FeatureInputs(
        P,
        objects,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        netwerk=pl.DataFrame(ties, schema=NETWERK_SCHEMA, orient="row"),
        uitkomsten=pl.DataFrame(
            [(v, d, "hennepteelt", u) for v, d, u in outcomes], schema=UITKOMST_SCHEMA, orient="row"
        ),
    )


def _row(frame: pl.DataFrame, i: int) -> dict[str, object]:
    return frame.filter(pl.col("verblijfsobject_id") == _vbo(i)).row(0, named=True)


def test_a_party_tied_to_a_confirmed_address_elsewhere() -> None:
    ties = [
        (_vbo(1), "persoon:Pa", "eigenaar_van", D(2020, 1, 1), None),
        (_vbo(2), "persoon:Pa", "ingeschreven_op", D(2019, 1, 1), None),
        (_vbo(3), "persoon:Pa", "ingeschreven_op", D(2010, 1, 1), D(2015, 1, 1)),  # long gone from 3
        (_vbo(4), "persoon:Pb", "ingeschreven_op", D(2021, 1, 1), None),
        (_vbo(5), "persoon:Pb", "eigenaar_van", D(2024, 6, 1), None),  # after the peildatum: unseen
    ]
    outcomes = [
        (_vbo(2), D(2022, 5, 1), "bevestigd"),
        (_vbo(5), D(2023, 5, 1), "bevestigd"),  # Pb's tie to 5 begins after the peildatum
        (_vbo(1), D(2024, 3, 1), "bevestigd"),  # after the peildatum: does not count
    ]
    out = NetworkFeatures().build(_inputs(ties, outcomes))
    one = _row(out, 1)
    assert one["netwerk_bevestigde_adressen"] == 1
    assert one["netwerk_max_bevestigde_objecten"] == 1
    assert one["netwerk_eigenaar_bevestigd"] == 1
    # object 2's own outcome is not evidence about object 2
    assert _row(out, 2)["netwerk_bevestigde_adressen"] == 0
    # a tie that ended years ago does not tie object 3 to Pa now
    assert _row(out, 3)["netwerk_bevestigde_adressen"] == 0
    assert _row(out, 4)["netwerk_bevestigde_adressen"] == 0
    assert out.height == 79


def test_a_corporation_with_many_objects_implicates_none_of_them() -> None:
    ties = [(_vbo(i), "bedrijf:11111111", "eigenaar_van", D(2000, 1, 1), None) for i in range(1, 70)]
    outcomes = [(_vbo(1), D(2022, 1, 1), "bevestigd"), (_vbo(2), D(2022, 1, 1), "bevestigd")]
    out = NetworkFeatures().build(_inputs(ties, outcomes))
    assert out.get_column("netwerk_bevestigde_adressen").sum() == 0
    small = ties[:10]
    out = NetworkFeatures().build(_inputs(small, outcomes))
    assert _row(out, 5)["netwerk_max_bevestigde_objecten"] == 2
    # object 1 was investigated with object 2, on one day: 2's outcome is not evidence for 1
    assert _row(out, 1)["netwerk_max_bevestigde_objecten"] == 0


def test_officers_of_a_company_established_here_and_their_other_addresses() -> None:
    ties = [
        (_vbo(1), "bedrijf:22222222", "gevestigd_op", D(2022, 1, 1), None),
        (_vbo(1), "persoon:Pc", "functionaris_van", D(2022, 1, 1), None),
        *[(_vbo(i), "persoon:Pc", "eigenaar_van", D(2021, 1, 1), None) for i in range(10, 14)],
    ]
    out = NetworkFeatures().build(_inputs(ties, []))
    assert _row(out, 1)["functionarissen_max_objecten"] == 4
    assert _row(out, 10)["functionarissen_max_objecten"] == 0


def test_a_company_and_its_officers_count_one_address_once() -> None:
    ties = [
        (_vbo(1), "bedrijf:33333333", "gevestigd_op", D(2020, 1, 1), None),
        (_vbo(2), "bedrijf:33333333", "gevestigd_op", D(2020, 1, 1), None),
        *[
            (_vbo(v), f"persoon:O{k}", "functionaris_van", D(2020, 1, 1), None)
            for k in range(5)
            for v in (1, 2)
        ],
    ]
    out = NetworkFeatures().build(_inputs(ties, [(_vbo(2), D(2022, 1, 1), "bevestigd")]))
    assert _row(out, 1)["netwerk_bevestigde_adressen"] == 1


def test_labels_of_objects_investigated_together_do_not_vouch_for_each_other() -> None:
    """Owner X's three flats confirmed in one operation: none of them counts the others."""
    ties = [(_vbo(i), "persoon:X", "eigenaar_van", D(2019, 1, 1), None) for i in (1, 2, 3)]
    ties.append((_vbo(4), "persoon:X", "eigenaar_van", D(2019, 1, 1), None))
    outcomes = [(_vbo(i), D(2023, 3, 1), "bevestigd") for i in (1, 2, 3)]
    out = NetworkFeatures().build(_inputs(ties, outcomes))
    for i in (1, 2, 3):
        assert _row(out, i)["netwerk_bevestigde_adressen"] == 0
    # an object never investigated sees all three
    assert _row(out, 4)["netwerk_bevestigde_adressen"] == 3
    # an earlier confirmation does count for a later investigation
    earlier = [*outcomes[:2], (_vbo(3), D(2021, 1, 1), "bevestigd")]
    out = NetworkFeatures().build(_inputs(ties, earlier))
    assert _row(out, 1)["netwerk_bevestigde_adressen"] == 1


def test_a_former_owner_is_not_an_owner() -> None:
    ties = [
        (_vbo(1), "persoon:Y", "eigenaar_van", D(2015, 1, 1), D(2023, 6, 1)),  # sold half a year ago
        (_vbo(2), "persoon:Y", "eigenaar_van", D(2015, 1, 1), None),
    ]
    out = NetworkFeatures().build(_inputs(ties, [(_vbo(2), D(2020, 1, 1), "bevestigd")]))
    row = _row(out, 1)
    assert row["netwerk_bevestigde_adressen"] == 1 and row["netwerk_eigenaar_bevestigd"] == 0
