from __future__ import annotations

import itertools

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.quality import address_quality, pairwise_quality

SOURCES = ("brp_inschrijvingen", "kadaster_eigendom", "kvk_functionarissen")


def _brute(pred: dict[str, str], truth: dict[str, str]) -> tuple[int, int, int]:
    recs = sorted(set(pred) & set(truth))
    tp = p = t = 0
    for a, b in itertools.combinations(recs, 2):
        same_p, same_t = pred[a] == pred[b], truth[a] == truth[b]
        p += same_p
        t += same_t
        tp += same_p and same_t
    return tp, p, t


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SOURCES), st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=40
    )
)
def test_pairwise_counts_equal_brute_force(rows: list[tuple[str, int, int]]) -> None:
    records = [f"{s}:{i}" for i, (s, _, _) in enumerate(rows)]
    pred = {r: f"c{c}" for r, (_, c, _) in zip(records, rows, strict=True)}
    truth = {r: f"e{e}" for r, (_, _, e) in zip(records, rows, strict=True)}
    q = pairwise_quality(
        pl.DataFrame({"record": list(pred), "persoon_id": list(pred.values())}),
        pl.DataFrame({"record": list(truth), "persoon_id": list(truth.values())}),
    )
    total = q.filter((pl.col("bron_a") == "alle") & (pl.col("bron_b") == "alle")).row(0, named=True)
    assert (total["tp"], total["predicted"], total["true"]) == _brute(pred, truth)
    per = q.filter(pl.col("bron_a") != "alle")
    assert per["tp"].sum() == total["tp"] and per["predicted"].sum() == total["predicted"]


def test_address_quality_precision_and_coverage() -> None:
    truth = pl.DataFrame(
        {
            "record": ["meldingen:0", "meldingen:1", "meldingen:2", "meldingen:3"],
            "verblijfsobject_id": ["A", "B", "C", "D"],
            "afgeschermd": [False, False, False, True],
        }
    )
    links = pl.DataFrame({"record": ["meldingen:0", "meldingen:1"], "verblijfsobject_id": ["A", "X"]})
    row = address_quality(links, truth).filter(pl.col("bron") == "meldingen").row(0, named=True)
    assert (row["matchable"], row["matched"], row["correct"]) == (3, 2, 1)
    assert row["precision"] == 0.5 and row["coverage"] == 2 / 3
