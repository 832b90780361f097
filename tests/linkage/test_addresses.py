from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage import read_suffix
from linkage.addresses import match_addresses, normalise_street, normalise_suffix


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Brusselsestr.", "Brusselsestraat"),
        ("BRUSSELSESTRAAT", "Brusselsestraat"),
        ("St. Pieterstraat", "Sint Pieterstraat"),
        ("St.Pieterstr", "Sint Pieterstraat"),
        ("Markt pl.", "Marktplein"),
        ("Hoöge Weg", "Hooge Weg"),
        ("Wilhelminasngl", "Wilhelminasingel"),
    ],
)
def test_street_variants_normalise_to_the_same_key(variant: str, canonical: str) -> None:
    assert normalise_street(variant) == normalise_street(canonical)


def test_different_streets_stay_different() -> None:
    assert normalise_street("Stationsstraat") != normalise_street("Stationsplein")
    assert normalise_street("Sint Pieterstraat") != normalise_street("Pieterstraat")


@pytest.mark.parametrize(
    ("letter", "toevoeging", "key"),
    [
        ("A", None, "a"),
        (None, "a", "a"),
        (None, "-A", "a"),
        ("a", None, "a"),
        (None, " 2", "2"),
        ("B", "2", "b2"),
        (None, None, ""),
        (None, "bis", "bis"),
    ],
)
def test_suffix_formats(letter: str | None, toevoeging: str | None, key: str) -> None:
    assert normalise_suffix(letter, toevoeging) == key


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé .-", min_size=1, max_size=30))
def test_street_key_is_case_and_spacing_blind(street: str) -> None:
    key = normalise_street(street)
    assert normalise_street(street.upper()) == key
    assert normalise_street("  " + street.replace(" ", "  ") + " ") == key
    assert key == "" or key.isalnum()


def _bag() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "verblijfsobject_id": [
                "0935010000000001",
                "0935010000000002",
                "0935010000000003",
                "0935010000000004",
            ],
            "nummeraanduiding_id": [
                "0935200000000001",
                "0935200000000002",
                "0935200000000003",
                "0935200000000004",
            ],
            "openbare_ruimte": ["Brusselsestraat", "Brusselsestraat", "Brusselsestraat", "Vrijthof"],
            "huisnummer": [12, 12, 14, 1],
            "huisletter": [None, "A", None, None],
            "huisnummertoevoeging": [None, None, None, None],
            "postcode": ["6211PB", "6211PB", "6211PB", "6211LD"],
            "woonplaats": ["Maastricht"] * 4,
        }
    )


def test_matching_methods_and_reasons() -> None:
    src = pl.DataFrame(
        {
            "rij": [0, 1, 2, 3, 4, 5, 6],
            "straat": [
                "Brusselsestr.",
                "brusselsestraat",
                "Brusselsestraat",
                "Vrijthof",
                None,
                "Onbekendeweg",
                "Brusselsestraat",
            ],
            "huisnummer": [12, 12, 14, 1, None, 3, 99],
            "huisletter": [None, None, None, None, None, None, None],
            "huisnummertoevoeging": [None, "-a", None, None, None, None, None],
            "postcode": ["6211PB", "6211PB", "6299ZZ", "6211LD", None, "6200AA", "6211PB"],
        }
    )
    am = match_addresses(_bag(), {"vergunningen": src})
    got = dict(
        zip(
            am.links["rij"].to_list(),
            zip(am.links["verblijfsobject_id"], am.links["methode"], strict=True),
            strict=True,
        )
    )
    assert got[0] == ("0935010000000001", "postcode_huisnummer")
    assert got[1] == ("0935010000000002", "postcode_huisnummer")
    assert got[2] == ("0935010000000003", "straat_huisnummer")  # postcode mistyped
    assert got[3] == ("0935010000000004", "postcode_huisnummer")
    reasons = dict(zip(am.unmatched["rij"].to_list(), am.unmatched["reden"].to_list(), strict=True))
    assert reasons == {4: "afgeschermd", 5: "unknown address", 6: "no such number"}
    cov = am.coverage().row(0, named=True)
    assert cov["gekoppeld"] == 4 and cov["niet_gekoppeld"] == 3


def test_bag_reference_wins_over_a_noisy_address() -> None:
    src = pl.DataFrame(
        {
            "rij": [0, 1],
            "openbare_ruimte": ["Vrijthof", "Vrijthof"],
            "huisnummer": [1, 12],
            "huisletter": [None, "A"],
            "huisnummertoevoeging": [None, None],
            "postcode": ["6211LD", "6211PB"],
            "nummeraanduiding_id": ["0935200000000002", None],
        }
    )
    am = match_addresses(_bag(), {"brp_inschrijvingen": src})
    by_row = {r["rij"]: r for r in am.links.iter_rows(named=True)}
    assert by_row[0]["verblijfsobject_id"] == "0935010000000002" and by_row[0]["methode"] == "bag_id"
    # Row 1: the number exists only under another street, the postcode decides; the unique-number fallback
    # must not fire because 6211PB 12 has two objects (12 and 12A) and the suffix is exact here.
    assert by_row[1]["verblijfsobject_id"] == "0935010000000002"


def test_ambiguous_number_without_suffix_is_reported() -> None:
    src = pl.DataFrame(
        {
            "rij": [0],
            "straat": ["Elders"],
            "huisnummer": [12],
            "huisletter": ["Z"],
            "huisnummertoevoeging": [None],
            "postcode": ["6211PB"],
        }
    )
    am = match_addresses(_bag(), {"meldingen": src})
    assert am.links.height == 0
    assert am.unmatched["reden"].to_list() == ["ambiguous"]


def test_golden_table_of_real_world_spelling_variants() -> None:
    """Each variant, as clerks and registries write it, normalises to its agreed form."""
    from pathlib import Path

    from linkage.addresses import street_key_expr, suffix_key_expr
    from vastgoed.core.identifiers import postcode_expr

    golden = pl.read_csv(Path(__file__).parent / "data" / "golden_addresses.csv", infer_schema=False)
    assert golden.height >= 50
    got = golden.select(
        street_key_expr(pl.col("straat")).alias("straat_key"),
        suffix_key_expr(pl.col("huisletter"), pl.col("huisnummertoevoeging")).alias("suffix_key"),
        postcode_expr(pl.col("postcode")).alias("postcode_norm"),
    )
    expected = golden.select("straat_key", pl.col("suffix_key").fill_null(""), "postcode_norm")
    mismatches = [
        (row, exp) for row, exp in zip(got.iter_rows(), expected.iter_rows(), strict=True) if row != exp
    ]
    assert not mismatches, mismatches[:5]


_STREETS = st.sampled_from(["Brusselsestr.", "St. Pieterstraat", "Markt pl.", "Hoöge Weg", "", " ", None])
_SUFFIXES = st.sampled_from(["A", "-a", "002", None, ""])


@given(st.lists(st.tuples(_STREETS, _SUFFIXES, _SUFFIXES), min_size=1, max_size=30))
def test_record_keys_computed_per_distinct_value_are_those_of_every_row(
    rows: list[tuple[str | None, str | None, str | None]],
) -> None:
    # the keys are worked out once per distinct street and suffix and joined back to the records
    from linkage.addresses import _bag_keys, _source_keys, street_key_expr, suffix_key_expr

    df = pl.DataFrame(
        {
            "rij": list(range(len(rows))),
            "straat": [r[0] for r in rows],
            "huisletter": [r[1] for r in rows],
            "huisnummertoevoeging": [r[2] for r in rows],
            "postcode": ["6211AB"] * len(rows),
            "huisnummer": [1] * len(rows),
        },
        schema_overrides={"straat": pl.String, "huisletter": pl.String, "huisnummertoevoeging": pl.String},
    )
    sfx = suffix_key_expr(pl.col("huisletter"), pl.col("huisnummertoevoeging"))
    keys = _source_keys("meldingen", df, "straat")
    assert keys["record"].to_list() == [f"meldingen:{i}" for i in range(len(rows))]
    street = street_key_expr(pl.col("straat")).fill_null("")
    assert keys.select("_str").equals(df.select(street.alias("_str")))
    # a source's suffix is read as written (read_suffix); the BAG's has the BAG's form
    assert keys["_sfx"].to_list() == [read_suffix(r[1], r[2]).key for r in rows]
    bag = df.rename({"straat": "openbare_ruimte"}).with_columns(
        pl.col("rij").cast(pl.String).alias("verblijfsobject_id"), pl.lit("x").alias("nummeraanduiding_id")
    )
    assert (
        _bag_keys(bag)
        .select("_sfx", "_str")
        .equals(bag.select(sfx.alias("_sfx"), street_key_expr(pl.col("openbare_ruimte")).alias("_str")))
    )


def test_a_unit_missing_from_the_bag_is_not_given_a_sibling_with_a_similar_suffix() -> None:
    """45-35 is not 45-3: when the BAG lacks the unit (not yet registered, or its row quarantined),
    the fuzzy step does not take the unit whose suffix merely looks alike."""
    bag = pl.DataFrame(
        {
            "verblijfsobject_id": ["0935010000000001", "0935010000000002"],
            "nummeraanduiding_id": ["0935200000000001", "0935200000000002"],
            "openbare_ruimte": ["Vuursteenlaan"] * 2,
            "huisnummer": [45, 45],
            "huisletter": [None, None],
            "huisnummertoevoeging": ["3", "5"],
            "postcode": ["6214AW"] * 2,
            "woonplaats": ["Maastricht"] * 2,
        }
    )
    src = pl.DataFrame(
        {
            "rij": [0, 1],
            "straat": ["Vuursteenlaan", "Vuursteenln."],
            "huisnummer": [45, 45],
            "huisletter": [None, None],
            "huisnummertoevoeging": ["35", "-5"],
            "postcode": ["6214AW", "6214AX"],
        }
    )
    am = match_addresses(bag, {"energie_verbruik": src})
    assert am.links.select("rij", "verblijfsobject_id").rows() == [(1, "0935010000000002")]
    assert am.unmatched.select("rij", "reden").rows() == [(0, "ambiguous")]
