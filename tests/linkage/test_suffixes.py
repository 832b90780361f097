"""Reading other registries' huisletter and toevoeging as the BAG's, and matching on that reading."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage import match_addresses, read_suffix
from linkage.addresses import suffix_key_expr

COLLECTIVE = "collective connection"
NOT_UNDERSTOOD = "suffix not understood"


@pytest.mark.parametrize(
    ("letter", "toevoeging", "key", "also"),
    [
        ("A", None, "a", ()),
        (None, "-A", "a", ()),
        (None, " a", "a", ()),
        (None, "A-2", "a2", ()),
        ("A", "-2", "a2", ()),
        (None, "A 02", "a2", ()),
        (None, "002", "2", ("ii",)),
        (None, "/3", "3", ("iii",)),
        (None, "bis", "bis", ()),
        (None, "BIS", "bis", ()),
        (None, "II", "ii", ("2",)),
        (None, "I", "i", ("1",)),  # a letter first, the first floor only where no 12I exists
        (None, "1", "1", ("i",)),
        (None, "Ⅲ", "iii", ("3",)),
        (None, "1hoog", "1hoog", ("1", "i")),
        (None, "1-hoog", "1hoog", ("1", "i")),
        (None, "3 hg", "3hg", ("3", "iii")),
        (None, "2e verd", "2everd", ("2", "ii")),
        (None, "2e verdieping", "2everdieping", ("2", "ii")),
        (None, "2de etage", "2deetage", ("2", "ii")),
        (None, "eerste verdieping", "eersteverdieping", ("1", "i")),
        (None, "1e", "1e", ("1", "i")),
        (None, "hs", "hs", ("", "h", "0", "bg")),
        (None, "huis", "huis", ("", "h", "hs")),
        (None, "bg", "bg", ("", "h", "hs")),
        (None, "beg", "beg", ("", "h", "bg")),
        (None, "parterre", "parterre", ("", "h", "hs")),
        ("B", "1hoog", "b1hoog", ("b1", "bi", "b")),
        (None, "", "", ()),
        (None, "-", "", ()),
        (None, "n.v.t.", "", ()),
    ],
)
def test_how_sources_write_a_suffix_is_read_as_the_bag_writes_it(
    letter: str | None, toevoeging: str | None, key: str, also: tuple[str, ...]
) -> None:
    r = read_suffix(letter, toevoeging)
    assert r.key == key and r.reason is None
    assert set(also) <= set(r.alternatives)


@pytest.mark.parametrize(
    ("toevoeging", "reason"),
    [
        ("coll", COLLECTIVE),
        ("COLLECTIEF", COLLECTIVE),
        ("CV", COLLECTIVE),
        ("gem. ruimte", COLLECTIVE),
        ("blok A", COLLECTIVE),
        ("VvE", COLLECTIVE),
        ("ketelhuis", COLLECTIVE),
        ("kamer 3", NOT_UNDERSTOOD),
        ("achter", NOT_UNDERSTOOD),
        ("1 hoog achter", NOT_UNDERSTOOD),
        ("?", NOT_UNDERSTOOD),
        ("abcdefg", NOT_UNDERSTOOD),
    ],
)
def test_a_suffix_that_cannot_be_matched_says_why(toevoeging: str, reason: str) -> None:
    r = read_suffix(None, toevoeging)
    assert (r.key, r.alternatives, r.reason) == (None, (), reason)


_LETTER = st.sampled_from(["", *"ABCDEFGHKLMNPRSTZ"])
_TOEVOEGING = st.one_of(
    st.just(""),
    st.integers(0, 9999).map(str),
    st.sampled_from(["bis", "ter", "G1", "G11", "H", "A", "RD", "1A", "2B"]),
)


@st.composite
def _written(draw: st.DrawFn) -> tuple[tuple[str, str], tuple[str | None, str | None]]:
    """A BAG suffix, and how another source may write it (case, separators, zeros, columns)."""
    letter, toev = draw(_LETTER), draw(_TOEVOEGING)
    text_l, text_t = letter, toev
    if draw(st.booleans()):
        text_l, text_t = text_l.lower(), text_t.lower()
    if toev.isdigit() and draw(st.booleans()):
        text_t = "0" * draw(st.integers(1, 2)) + text_t  # a zero the BAG does not write, or lost
    sep = draw(st.sampled_from(["", "-", " ", "/"]))
    if text_t:
        text_t = sep + text_t if (letter or draw(st.booleans())) else text_t
    if letter and draw(st.booleans()):
        text_l, text_t = "", text_l + text_t  # the letter written in the toevoeging's column
    pad = draw(st.sampled_from(["", " "]))
    return (letter, toev), (text_l + pad or None, text_t + pad or None)


@given(_written())
def test_every_writing_of_a_bag_suffix_reads_as_its_bag_key(
    case: tuple[tuple[str, str], tuple[str | None, str | None]],
) -> None:
    (letter, toev), (wl, wt) = case
    bag_key = pl.select(
        suffix_key_expr(pl.lit(letter or None, pl.String), pl.lit(toev or None, pl.String))
    ).item()
    assert read_suffix(wl, wt).key == bag_key


@given(st.text(max_size=20), st.text(max_size=20))
def test_any_text_is_read_or_refused_never_an_error(letter: str, toevoeging: str) -> None:
    r = read_suffix(letter, toevoeging)
    assert (r.key is None) == (r.reason is not None)
    if r.key is not None:
        assert r.key == "" or (r.key.isascii() and r.key.isalnum())
    else:
        assert r.alternatives == ()


def _bag() -> pl.DataFrame:
    # 12: Amsterdam's way (H for huis, then floors); 14: a number and its first floor; 16: one object;
    # 18: letters; 20: both no suffix and H.
    rows = [
        (12, None, "H"),
        (12, None, "1"),
        (12, None, "2"),
        (14, None, None),
        (14, None, "1"),
        (16, None, None),
        (18, None, None),
        (18, "A", None),
        (20, None, None),
        (20, None, "H"),
        (22, None, "II"),
        (22, None, "III"),
    ]
    return pl.DataFrame(
        {
            "verblijfsobject_id": [f"09350100000000{i:02d}" for i in range(len(rows))],
            "nummeraanduiding_id": [f"09352000000000{i:02d}" for i in range(len(rows))],
            "openbare_ruimte": ["Keizersgracht"] * len(rows),
            "huisnummer": [r[0] for r in rows],
            "huisletter": [r[1] for r in rows],
            "huisnummertoevoeging": [r[2] for r in rows],
            "postcode": ["1015CJ"] * len(rows),
            "woonplaats": ["Amsterdam"] * len(rows),
        }
    )


_CASES = [
    # (huisnummer, toevoeging as written, postcode, the object or None, methode or unmatched reason)
    (12, "hs", "1015CJ", 0, "postcode_huisnummer_vertaald"),
    (12, "1hoog", "1015CJ", 1, "postcode_huisnummer_vertaald"),
    (12, "2e verd", None, 2, "straat_huisnummer_vertaald"),
    (12, "II", "1015CJ", 2, "postcode_huisnummer_vertaald"),
    (12, "-1", "1015CJ", 1, "postcode_huisnummer"),
    (14, "bg", "1015CJ", 3, "postcode_huisnummer_vertaald"),
    (14, "1e etage", "1015CJ", 4, "postcode_huisnummer_vertaald"),
    (16, "kamer 3", "1015CJ", 5, "postcode_huisnummer_uniek"),  # the number's only object
    (16, "coll", "1015CJ", None, COLLECTIVE),  # the only object, and still not its address
    (12, "CV", "1015CJ", None, COLLECTIVE),
    (12, "kamer 3", "1015CJ", None, NOT_UNDERSTOOD),
    (12, "boven", "1015CJ", None, "ambiguous"),  # which floor is a convention: not guessed
    (18, "1hoog", "1015CJ", None, "ambiguous"),  # 18A may or may not be the first floor
    (20, "hs", "1015CJ", None, "ambiguous"),  # both 20 and 20-H are a ground floor
    (22, "2e verd", "1015CJ", 10, "postcode_huisnummer_vertaald"),
    (22, "3", "1015CJ", 11, "postcode_huisnummer_vertaald"),
]


def test_matching_on_the_reading_takes_only_what_one_object_fits() -> None:
    src = pl.DataFrame(
        {
            "rij": list(range(len(_CASES))),
            "straat": ["Keizersgracht"] * len(_CASES),
            "huisnummer": [c[0] for c in _CASES],
            "huisletter": [None] * len(_CASES),
            "huisnummertoevoeging": [c[1] for c in _CASES],
            "postcode": [c[2] for c in _CASES],
        },
        schema_overrides={"huisletter": pl.String},
    )
    am = match_addresses(_bag(), {"energie_verbruik": src})
    vbo = _bag()["verblijfsobject_id"].to_list()
    links = {r["rij"]: (r["verblijfsobject_id"], r["methode"]) for r in am.links.iter_rows(named=True)}
    reasons = dict(zip(am.unmatched["rij"].to_list(), am.unmatched["reden"].to_list(), strict=True))
    for rij, (_, toev, _, obj, outcome) in enumerate(_CASES):
        if obj is None:
            assert rij not in links and reasons.get(rij) == outcome, (toev, links.get(rij), reasons.get(rij))
        else:
            assert links.get(rij) == (vbo[obj], outcome), (toev, links.get(rij), reasons.get(rij))
    assert am.links["zekerheid"].min() >= 0.85
