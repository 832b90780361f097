"""Property tests of the identifier checks: scalar and vectorised forms, and what each must catch."""

from __future__ import annotations

import polars as pl
from hypothesis import assume, given
from hypothesis import strategies as st

from vastgoed.core.identifiers import (
    BAG_TYPES,
    bag_id_expr,
    bag_id_padded_expr,
    bsn_check,
    bsn_expr,
    ean_check_digit,
    ean_expr,
    is_valid_bag_id,
    is_valid_bsn,
    is_valid_ean,
    is_valid_kvk_nummer,
    is_valid_postcode,
    kvk_expr,
    normalise_bag_id,
    normalise_bsn,
    normalise_kvk_nummer,
    normalise_postcode,
    postcode_expr,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def valid_bsns(draw: st.DrawFn, *, leading_zero: bool = False) -> str:
    lead = "0" if leading_zero else draw(digits)
    prefix = lead + draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    fits = [d for d in "0123456789" if bsn_check(prefix + d) % 11 == 0 and bsn_check(prefix + d) > 0]
    assume(fits)
    return prefix + fits[0]


@st.composite
def valid_eans(draw: st.DrawFn) -> str:
    first = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    return first + str(ean_check_digit(first))


def _vector_bsn(values: list[str]) -> list[str | None]:
    return (
        pl.Series("v", values, dtype=pl.String).to_frame().select(bsn_expr(pl.col("v"))).to_series().to_list()
    )


def _change_one_digit(value: str, position: int, delta: int) -> str:
    i = position % len(value)
    return value[:i] + str((int(value[i]) + delta) % 10) + value[i + 1 :]


@given(valid_bsns())
def test_valid_bsn_passes_scalar_and_vectorised(bsn: str) -> None:
    assert is_valid_bsn(bsn)
    assert _vector_bsn([bsn, f" {bsn} "]) == [bsn, bsn]


@given(valid_bsns(), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_11_proef(bsn: str, position: int, delta: int) -> None:
    changed = _change_one_digit(bsn, position, delta)
    assert not is_valid_bsn(changed)
    assert _vector_bsn([changed]) == [None]


@given(valid_bsns(leading_zero=True))
def test_eight_digit_bsn_has_its_leading_zero_restored(bsn: str) -> None:
    short = bsn[1:]
    assert normalise_bsn(short) == bsn
    assert is_valid_bsn(short)
    assert _vector_bsn([short]) == [bsn]


@given(
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
)
def test_bag_ids_need_their_own_type_code(gemeente: str, volgnummer: str) -> None:
    for object_type, code in BAG_TYPES.items():
        value = gemeente + code + volgnummer
        frame = pl.DataFrame({"v": [value]})
        for other in BAG_TYPES:
            expected = other == object_type
            assert is_valid_bag_id(value, other) is expected
            assert frame.select(bag_id_expr(pl.col("v"), other)).item() is expected
        for bad in (value[:-1], value + "0", value[:-1] + "x"):
            assert not is_valid_bag_id(bad, object_type)
            assert pl.DataFrame({"v": [bad]}).select(bag_id_expr(pl.col("v"), object_type)).item() is False


@given(valid_eans(), st.integers(0, 17), st.integers(1, 9))
def test_ean_check_digit_catches_any_single_digit_change(ean: str, position: int, delta: int) -> None:
    assert is_valid_ean(ean)
    changed = _change_one_digit(ean, position, delta)
    assert not is_valid_ean(changed)
    got = pl.DataFrame({"v": [ean, changed]}).select(ean_expr(pl.col("v"))).to_series().to_list()
    assert got == [True, False]


postcodes = st.builds(
    lambda n, a, b: f"{n}{a}{b}",
    st.integers(1000, 9999),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)


@given(postcodes, st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_postcode_normalisation_is_idempotent_and_ignores_spacing_and_case(
    postcode: str, space: str, lower: bool
) -> None:
    messy = postcode[:4] + space + (postcode[4:].lower() if lower else postcode[4:])
    assert normalise_postcode(messy) == postcode
    assert normalise_postcode(normalise_postcode(messy)) == normalise_postcode(messy)
    valid = postcode[4:] not in ("SA", "SD", "SS")
    assert is_valid_postcode(messy) is valid
    got = pl.DataFrame({"v": [messy]}).select(postcode_expr(pl.col("v"))).item()
    assert got == (postcode if valid else None)


text = st.text(alphabet=st.sampled_from("0123456789 abAB-SDx\t"), max_size=20)


@given(st.lists(text | st.text(alphabet="0123456789", min_size=8, max_size=18), max_size=30))
def test_vectorised_checks_agree_with_scalar_ones(values: list[str]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = frame.select(
        bsn_expr(pl.col("v")).alias("bsn"),
        ean_expr(pl.col("v")).alias("ean"),
        postcode_expr(pl.col("v")).alias("postcode"),
        bag_id_expr(pl.col("v"), "pand").alias("pand"),
        kvk_expr(pl.col("v")).alias("kvk"),
        bag_id_expr(bag_id_padded_expr(pl.col("v").str.strip_chars()), "pand").alias("pand_padded"),
    )
    for value, (bsn, ean, postcode, pand, kvk, pand_padded) in zip(values, out.iter_rows(), strict=True):
        assert kvk == normalise_kvk_nummer(value)
        assert pand_padded is (normalise_bag_id(value, "pand") is not None)
        assert (bsn is not None) is is_valid_bsn(value)
        if bsn is not None:
            assert bsn == normalise_bsn(value)
        assert ean is is_valid_ean(value)
        assert (postcode is not None) is is_valid_postcode(value)
        if postcode is not None:
            assert postcode == normalise_postcode(value)
        assert pand is is_valid_bag_id(value, "pand")


def test_a_pseudonym_is_the_keyed_hmac_of_the_bsn_every_time() -> None:
    import hashlib
    import hmac

    from vastgoed.core.pseudonym import Pseudonymiser

    key = b"a-key-of-sixteen-or-more"
    p = Pseudonymiser(key)
    expected = [
        "p" + hmac.new(key, b.encode(), hashlib.sha256).hexdigest()[:20] for b in ("123456782", "010005833")
    ]
    assert [p.one("123456782"), p.one("010005833"), p.one("123456782")] == [*expected, expected[0]]


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_a_kvk_number_that_lost_its_leading_zeros_is_padded_back(kvk: str) -> None:
    """A number column drops every leading zero; only one 8-digit number can have been meant."""
    assume(kvk.strip("0"))
    assert is_valid_kvk_nummer(kvk)
    assert normalise_kvk_nummer(kvk.lstrip("0")) == kvk
    assert normalise_kvk_nummer(kvk) == kvk
    # a value that starts with a zero lost a digit, not its zeros: not repaired
    assert normalise_kvk_nummer("0" + kvk[2:]) is None


@given(
    st.integers(1, 999).map(lambda g: f"{g:04d}"),
    st.sampled_from(sorted(BAG_TYPES)),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
)
def test_a_bag_id_read_as_a_number_is_padded_back_when_its_type_fits(
    gemeente: str, object_type: str, volgnummer: str
) -> None:
    bag_id = gemeente + BAG_TYPES[object_type] + volgnummer
    assert normalise_bag_id(bag_id.lstrip("0"), object_type) == bag_id
    others = [t for t in BAG_TYPES if t != object_type]
    assert all(normalise_bag_id(bag_id.lstrip("0"), t) is None for t in others)
