"""Constrained clustering: what a registry forbids never ends up in one person."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from linkage.clustering import constrained_clusters

NO_DOB = (0, 0, 0)


def _nodes(pseudonyms: list[str | None], dobs: list[tuple[int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_node": list(range(len(pseudonyms))),
            "bsn_pseudoniem": pseudonyms,
            "geb_jaar": [d[0] for d in dobs],
            "geb_maand": [d[1] for d in dobs],
            "geb_dag": [d[2] for d in dobs],
        },
        schema_overrides={"bsn_pseudoniem": pl.String},
    )


def _edges(rows: list[tuple[int, int, float, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_a": [r[0] for r in rows],
            "_b": [r[1] for r in rows],
            "match_probability": [r[2] for r in rows],
            "besluit": [r[3] for r in rows],
        },
        schema_overrides={"besluit": pl.String},
    )


def _compatible(x: tuple[int, int, int], y: tuple[int, int, int]) -> bool:
    """Equal, day and month swapped, or one digit of YYYYMMDD wrong or two adjacent ones swapped."""
    a, b = (f"{d[0]:04d}{d[1]:02d}{d[2]:02d}" for d in (x, y))
    swapped = x[0] == y[0] and x[1] == y[2] and x[2] == y[1]
    diff = [i for i in range(8) if a[i] != b[i]]
    i, j = diff if len(diff) == 2 else (0, 0)
    adjacent = j == i + 1 and a[i] == b[j] and a[j] == b[i]
    return swapped or len(diff) <= 1 or adjacent


def test_a_birth_date_typo_does_not_split_a_person() -> None:
    # Kadaster and KvK copy birth dates by hand: 1980 for 1981, 1918 for 1981; not 1975 for 1981,
    # and not two typos apart from one of the person's dates (1980 and 1918)
    nodes = _nodes(
        ["p1", None, None, "p2", None],
        [(1981, 8, 23), (1980, 8, 23), (1975, 8, 23), (1981, 8, 23), (1918, 8, 23)],
    )
    edges = _edges([(0, 1, 0.99, None), (0, 2, 0.99, None), (3, 4, 0.99, None), (1, 4, 0.98, None)])
    labels = constrained_clusters(nodes, edges, threshold=0.7).tolist()
    assert labels[0] == labels[1] and labels[3] == labels[4]
    assert len({labels[0], labels[2], labels[3]}) == 3


def test_the_rules_on_small_cases() -> None:
    d1, d1_swapped, d2 = (1970, 1, 2), (1970, 2, 1), (1980, 5, 5)
    nodes = _nodes(["p1", None, "p2", None, None, None], [d1, d1_swapped, d1, d2, NO_DOB, d2])
    edges = _edges(
        [
            (0, 1, 0.95, None),  # swapped day and month: the same person
            (1, 2, 0.9, None),  # would join two pseudonyms: refused
            (1, 3, 0.99, None),  # two birth dates that cannot be one: refused
            (3, 5, 0.2, "match"),  # a reviewer's match joins, whatever the model said
            (4, 0, 0.95, None),  # unanchored, one clear anchored candidate: joins
        ]
    )
    labels = constrained_clusters(nodes, edges, threshold=0.7).tolist()
    assert labels[0] == labels[1] == labels[4]
    assert labels[2] != labels[0] and labels[3] != labels[0]
    assert labels[3] == labels[5]


def test_an_unanchored_record_between_two_close_candidates_stays_apart() -> None:
    nodes = _nodes(["p1", "p2", None], [NO_DOB, NO_DOB, NO_DOB])
    labels = constrained_clusters(nodes, _edges([(0, 2, 0.95, None), (1, 2, 0.93, None)]), threshold=0.7)
    assert len(set(labels.tolist())) == 3


@pytest.mark.parametrize("seed", range(60))
def test_no_person_holds_what_the_constraints_forbid(seed: int) -> None:
    r = random.Random(seed)
    n = r.randint(2, 40)
    pseudonyms = [r.choice([None, None, "p1", "p2", "p3"]) for _ in range(n)]
    dobs = [
        r.choice([NO_DOB, (1970, 1, 2), (1970, 2, 1), (1970, 1, 3), (1970, 3, 1), (1980, 5, 5), (1907, 1, 2)])
        for _ in range(n)
    ]
    pairs = sorted(
        {
            (min(a, b), max(a, b))
            for a, b in ((r.randrange(n), r.randrange(n)) for _ in range(3 * n))
            if a != b
        }
    )
    probs = [r.choice([0.0, 0.5, 0.75, 0.95, 0.99, 1.0]) for _ in pairs]
    rows = [(a, b, p, "no match" if p == 0.0 else None) for (a, b), p in zip(pairs, probs, strict=True)]
    labels = constrained_clusters(_nodes(pseudonyms, dobs), _edges(rows), threshold=0.7)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label).tolist()
        assert len({pseudonyms[m] for m in members} - {None}) <= 1
        full = {dobs[m] for m in members} - {NO_DOB}
        assert all(_compatible(x, y) for x in full for y in full)
    for a, b, p, _ in rows:
        if p == 0.0:
            assert labels[a] != labels[b]
        # an edge above the threshold between two anchored nodes is refused only by a constraint
    strong = [(a, b) for a, b, p, _ in rows if p >= 0.99]
    joined = sum(labels[a] == labels[b] for a, b in strong)
    assert joined <= len(strong)


def test_without_pairs_every_node_is_its_own_person() -> None:
    # a small shard can have no candidate pairs at all
    labels = constrained_clusters(_nodes(["p1", None], [NO_DOB, NO_DOB]), _edges([]), threshold=0.7)
    assert labels.tolist() == [0, 1]


def _named_nodes(records: list[int]) -> pl.DataFrame:
    # node 0: a BRP person; 1: another anchored node of the same person; 2: a namesake with another
    # BSN; 3, 4: unanchored records (no BSN, no birth date)
    return _nodes(
        ["p1", None, "p2", None, None], [(1946, 12, 18), (1946, 12, 18), (1930, 5, 18), NO_DOB, NO_DOB]
    ).with_columns(pl.Series("n_records", records))


def test_an_unanchored_record_joins_its_only_namesake_if_it_dominates() -> None:
    namesakes = pl.DataFrame({"_a": [3], "_b": [1]}, schema={"_a": pl.UInt32, "_b": pl.UInt32})
    edges = _edges([(0, 1, 0.99, None)])
    labels = constrained_clusters(_named_nodes([2, 200, 1, 1, 1]), edges, threshold=0.7, namesakes=namesakes)
    assert labels[3] == labels[0] == labels[1]
    # a namesake with a few records may as well be somebody the registers do not know
    few = constrained_clusters(_named_nodes([2, 5, 1, 1, 1]), edges, threshold=0.7, namesakes=namesakes)
    assert few[3] != few[0]


def test_an_unanchored_record_joins_a_dominant_namesake_and_not_a_close_one() -> None:
    namesakes = pl.DataFrame({"_a": [3, 3], "_b": [1, 2]}, schema={"_a": pl.UInt32, "_b": pl.UInt32})
    edges = _edges([(0, 1, 0.99, None)])
    dominant = constrained_clusters(
        _named_nodes([2, 200, 1, 1, 1]), edges, threshold=0.7, namesakes=namesakes
    )
    assert dominant[3] == dominant[0]
    close = constrained_clusters(_named_nodes([2, 10, 3, 1, 1]), edges, threshold=0.7, namesakes=namesakes)
    assert close[3] not in {close[0], close[2]}


def test_a_record_naming_all_given_names_joins_its_sole_namesake() -> None:
    # "L.F.N. Vliegen" on a Kadaster right, and Lies Fleur Noor Vliegen the only one so named: one
    # person, however few records she has; with only a prefix of her initials ("L. Vliegen") the
    # unknown namesake outside the registers is as likely, and with a second namesake too.
    schema = {"_a": pl.UInt32, "_b": pl.UInt32, "_all_given": pl.Boolean}
    edges = _edges([(0, 1, 0.99, None)])
    nodes = _named_nodes([2, 5, 1, 1, 1])
    full = pl.DataFrame({"_a": [3], "_b": [1], "_all_given": [True]}, schema=schema)
    labels = constrained_clusters(nodes, edges, threshold=0.7, namesakes=full)
    assert labels[3] == labels[0] == labels[1]
    prefix = pl.DataFrame({"_a": [3], "_b": [1], "_all_given": [False]}, schema=schema)
    assert constrained_clusters(nodes, edges, threshold=0.7, namesakes=prefix)[3] != labels[0]
    two = pl.DataFrame({"_a": [3, 3], "_b": [1, 2], "_all_given": [True, True]}, schema=schema)
    apart = constrained_clusters(nodes, edges, threshold=0.7, namesakes=two)
    assert apart[3] not in {apart[0], apart[2]}
