"""Issue 22: the privacy scan catches identifiers in the forms people write them.

Names in any word order (``Surname, Given names``), with initials; BSNs with spaces, dots or dashes
and with a lost leading zero. One scan serves a run in one process and a run in shards: the same
:func:`check_paths`, with the identifiers in memory or loaded from the shards' folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from vastgoed.core.config import Config
from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.core.pseudonym import BUILTIN_TEST_KEY, Pseudonymiser
from vastgoed.ethics.privacy import (
    Finding,
    KnownIdentifiers,
    PrivacyError,
    check_paths,
    find_identifiers,
    scan_paths,
)
from vastgoed.pipeline import run_batch

#: A resident of the crafted input (the issue's example), and a second one with a particle.
PEOPLE = pl.DataFrame(
    {
        "bsn_pseudoniem": [Pseudonymiser(BUILTIN_TEST_KEY).one(b) for b in ("010005833", "010020081")],
        "geslachtsnaam": ["Hofens", "Vries"],
        "voorvoegsel": [None, "de"],
        "voornamen": ["Fleur Josephina", "Jan Pieter"],
    }
)
KNOWN = KnownIdentifiers.from_tables({"brp_inschrijvingen": PEOPLE}, synthetisch=True)

#: Every form of issue 22, with the kind of identifier it is.
FORMS = [
    ("Hofens, Fleur Josephina", "naam"),  # surname first, with a comma
    ("Josephina Fleur Hofens", "naam"),  # given names in another order
    ("Josephina Hofens", "naam"),  # one given name, not the first
    ("Hofens Fleur", "naam"),
    ("F.J. Hofens", "naam"),  # initials
    ("Hofens, F.J.", "naam"),
    ("Hofens, F. J.", "naam"),
    ("Vries, Jan Pieter de", "naam"),  # the particle after the given names
    ("de Vries, J.P.", "naam"),
    ("0100.05.833", "bsn"),  # the printed form
    ("010 005 833", "bsn"),
    ("010-005-833", "bsn"),
    ("010.005.833", "bsn"),
    ("10020081", "bsn"),  # a known BSN that lost its leading zero
    ("123456782", "bsn"),  # unknown, but it passes the 11-proef
    ("1234 56 782", "bsn"),
]

#: What must never be flagged: streets that equal a surname, a lone given name, numbers of other kinds.
ORDINARY = [
    "Hofens 12",
    "Hofensstraat 3, 6211 AB Maastricht",
    "Fleurstraat 1",
    "Jan Pieter Heijestraat 4",
    "de Vriesstraat 2",
    "Vries 14, Jan van Galenstraat 3",  # surname and given name, not side by side
    "F. Hofens",  # a first initial alone: not the full initials
    "Hofens, J.",  # someone else's initials
    "Fleur 3 Hofens",
    "KvK 12345678",  # 8 digits that are no known BSN (it pads to no BSN either)
    "KvK-nummer 10020081",  # a KvK number is 8 digits too: after its name it is never looked up
    "WOZ-waarde € 123.456.782",  # an amount, though its digits pass the 11-proef
    "2024-01-15 12:30",
    "06-12345678",
    "0935010000012345",
    "score 0.123456782",
]


def _raw(findings: list[Finding] | tuple[Finding, ...]) -> None:
    """No finding repeats what it found."""
    for f in findings:
        for raw in ("Hofens", "Fleur", "Josephina", "Pieter", "005833", "020081", "456782"):
            assert raw not in f.excerpt and raw not in f.location, f


@pytest.mark.parametrize(("text", "soort"), FORMS)
def test_each_form_is_found_in_a_table_and_a_page(tmp_path: Path, text: str, soort: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pl.DataFrame({"adres": ["Markt 1", f"{text} 7"]}).write_csv(out / "signals.csv")
    (out / "report.html").write_text(f"<tr><td>{text}</td><td>0,73</td></tr>\n", encoding="utf-8")
    with pytest.raises(PrivacyError) as err:
        check_paths([out], KNOWN)
    found = err.value.findings
    assert {(f.file.name, f.location, f.soort) for f in found} == {
        ("signals.csv", "row 1, column adres", soort),
        ("report.html", "line 1", soort),
    }
    _raw(found)


def test_a_run_in_shards_finds_each_form_with_the_same_scan(tmp_path: Path) -> None:
    # The shards' identifiers written as a run in shards writes them, loaded for the files scanned.
    folders = []
    for i in range(2):
        folders.append(tmp_path / f"shard-{i}")
        folders[-1].mkdir()
        part = PEOPLE.slice(i, 1)
        if i:  # someone the files do not name
            other = {
                "bsn_pseudoniem": "p0",
                "geslachtsnaam": "Peeters",
                "voorvoegsel": None,
                "voornamen": "Karel",
            }
            part = pl.concat([part, pl.DataFrame([other], schema=PEOPLE.schema)])
        KnownIdentifiers.from_tables({"brp_inschrijvingen": part}, synthetisch=True).write(folders[-1])
    out = tmp_path / "out"
    out.mkdir()
    pl.DataFrame({"adres": [f"{t} 7" for t, _ in FORMS] + ORDINARY}).write_csv(out / "signals.csv")
    stored = KnownIdentifiers.stored_for([out], folders)
    assert scan_paths([out], stored).findings == scan_paths([out], KNOWN).findings
    found = scan_paths([out], stored).findings
    assert [f.location for f in found] == [f"row {i}, column adres" for i in range(len(FORMS))]
    # only what the files could hold is loaded
    assert stored.names == KNOWN.names and len(stored.bsn_pseudonyms) == 1  # the one that lost its zero


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_streets_and_numbers_are_not_identifiers(text: str) -> None:
    assert find_identifiers(text, KNOWN) == []


def test_a_kvk_column_is_not_looked_up_for_bsns_that_lost_their_zero(tmp_path: Path) -> None:
    p = tmp_path / "bedrijven.parquet"
    pl.DataFrame({"kvk_nummer": ["10020081"], "kvk": [10020081], "nummer": ["10020081"]}).write_parquet(p)
    assert [f.location for f in scan_paths([p], KNOWN).findings] == ["row 0, column nummer"]


def test_a_bsn_among_amounts_counts_with_its_keyword_or_when_known() -> None:
    assert [f.soort for f in find_identifiers("bsn 123.456.782")] == ["bsn"]
    unknown = KnownIdentifiers(synthetisch=True)
    assert find_identifiers("10020081", unknown) == []  # no known BSN: 8 digits are not enough
    # a known BSN without a zero to lose, written as an amount
    bsn = "123456782"
    known = KnownIdentifiers(
        bsn_pseudonyms=frozenset({Pseudonymiser(BUILTIN_TEST_KEY).one(bsn)}), synthetisch=True
    )
    assert [f.soort for f in find_identifiers("123.456.782", known)] == ["bsn"]


def test_find_identifiers_names_line_and_kind_masked() -> None:
    found = find_identifiers("notitie\nbezocht: Hofens, Fleur Josephina (BSN 010-005-833)", KNOWN)
    assert [(f.location, f.soort) for f in found] == [("line 2", "naam"), ("line 2", "bsn")]
    assert found[0].excerpt == "bezocht: H*****, F**** J******** (BSN 01*****33)"
    _raw(found)


def test_an_integer_column_with_a_known_bsn_that_lost_its_zero(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    pl.DataFrame({"nummer": [10020081, 12345678]}).write_parquet(p)
    assert [(f.location, f.soort) for f in scan_paths([p], KNOWN).findings] == [
        ("row 0, column nummer", "bsn")
    ]
    assert scan_paths([p]).findings == ()


# --- end to end: a run with these forms in its input refuses to publish ---------------------------


def test_a_run_with_identifiers_in_street_names_refuses_to_publish(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    source, _ = small_municipality
    data = tmp_path / "data"
    shutil.copytree(source, data)
    brp = pl.read_csv(data / "brp_inschrijvingen.csv", infer_schema=False)
    zero = brp.filter(pl.col("bsn").str.starts_with("0") & (pl.col("voornamen").str.contains(" ")))
    a, b = zero.row(0, named=True), zero.row(1, named=True)
    assert is_valid_bsn(a["bsn"]) and is_valid_bsn(b["bsn"])
    bsn = a["bsn"]
    streets = [
        f"{a['geslachtsnaam']}, {a['voornamen']}",  # a resident's name, surname first
        f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",  # a BSN with dots
        b["bsn"][1:],  # a BSN that lost its leading zero
    ]
    bag_path = data / "bag_verblijfsobjecten.csv"
    bag = pl.read_csv(bag_path, infer_schema=False)
    at = pl.int_range(pl.len())
    street = pl.col("openbare_ruimte")
    for i, s in enumerate(streets):
        street = pl.when(at == i).then(pl.lit(s)).otherwise(street)
    bag.with_columns(street.alias("openbare_ruimte")).write_csv(bag_path)
    config = Config.model_validate(
        {
            "tracking": {"enabled": False},
            "linkage": {"persons": {"max_pairs_u": 200_000}},
            "model": {"num_boost_round": 20, "num_threads": 1, "explain_top": 50},
            "output": {"top_n": 50},
        }
    )
    out = tmp_path / "out"
    with pytest.raises(PrivacyError) as err:
        run_batch(data, out, config)
    found = err.value.findings
    assert {f.soort for f in found} >= {"naam", "bsn"}
    assert "signals.parquet" in {f.file.name for f in found}
    for f in found:
        for raw in (a["geslachtsnaam"], a["bsn"], a["bsn"][4:], b["bsn"][1:]):
            assert raw not in f.excerpt and raw not in f.location, f
    # nothing was published: no run folder, no list
    assert not [p for p in out.iterdir() if not p.name.startswith(".") and p.name != "governance"]


def test_three_groups_inside_a_list_of_numbers_are_not_a_bsn() -> None:
    """A model file lists numbers in groups of three digits (``tree_sizes=352 363 362 ...``): one in
    eleven triples passes the 11-proef, but a triple inside a longer run is no BSN written in groups."""
    import itertools

    from vastgoed.ethics.privacy import find_identifiers, is_valid_bsn

    triples = next(
        (a, b, c) for a, b, c in itertools.product(range(300, 400), repeat=3) if is_valid_bsn(f"{a}{b}{c}")
    )
    listed = "tree_sizes=352 " + " ".join(map(str, triples)) + " 361 362"
    assert find_identifiers(listed, None) == []
    alone = "BSN " + " ".join(map(str, triples)) + " bekend"
    assert [f.soort for f in find_identifiers(alone, None)] == ["bsn"]
    # counts of mixed widths after it (LightGBM's ``internal_count=...``), and a number group before it
    assert find_identifiers("internal_count=" + " ".join(map(str, triples)) + " 64 32", None) == []
    assert find_identifiers("leaf_count=12 " + " ".join(map(str, triples)), None) == []


def test_three_counts_of_a_model_file_are_not_a_bsn() -> None:
    """LightGBM writes a three-node tree's counts as ``internal_count=282 272 264`` (282272264 passes
    the 11-proef): numbers grouped by spaces count only with a leading zero, a BSN keyword or when known."""
    from vastgoed.ethics.privacy import find_identifiers, is_valid_bsn

    assert is_valid_bsn("282272264")
    assert find_identifiers("internal_count=282 272 264", None) == []
    assert [f.soort for f in find_identifiers("BSN: 282 272 264", None)] == ["bsn"]
    assert [f.soort for f in find_identifiers("notitie 010 005 833", None)] == ["bsn"]


def test_a_kvk_number_in_the_graph_and_a_model_files_numbers_are_no_lost_zero_bsn(tmp_path: Path) -> None:
    """The graph names a company ``bedrijf:<kvk>`` and labels it ``<rechtsvorm> <kvk>``: a KvK number
    that equals a resident's BSN without its leading zero is still a KvK number there. A model file's
    lines of numbers (``leaf_count=...``) hold no data values. The same number as a street is found."""
    out = tmp_path / "out"
    (out / "graph").mkdir(parents=True)
    pl.DataFrame(
        {
            "knoop": ["bedrijf:10020081", "vestiging:100200810001"],
            "label": ["bv 10020081", "eenmanszaak 10020081"],
        }
    ).write_parquet(out / "graph" / "knopen.parquet")
    (out / "model.txt").write_text(
        "tree\nleaf_count=10020081 90\ninternal_count=282 272 264\n", encoding="utf-8"
    )
    check_paths([out], KNOWN)  # nothing found
    pl.DataFrame({"adres": ["10020081 7"]}).write_csv(out / "signals.csv")
    with pytest.raises(PrivacyError) as err:
        check_paths([out], KNOWN)
    assert {(f.file.name, f.soort) for f in err.value.findings} == {("signals.csv", "bsn")}
