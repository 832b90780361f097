"""The fairness audit flags exactly the planted biases of past investigations, and only those."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from vastgoed.ethics.fairness import FairnessSettings, fairness_audit, fairness_html
from vastgoed.ethics.proxy import share_column

N_BUURTEN, PER_BUURT = 30, 600
HOT = ("BU00000004", "BU00000017")
GROUPS = ("A", "B", "C")  # "C" is over-investigated


def _world(seed: int, *, bias: bool) -> dict[str, pl.DataFrame]:
    """Addresses with signals; investigations follow the signals, and (with ``bias``) also two buurten
    (×4) and addresses where group C lives (×3), beyond what their signals explain."""
    rng = np.random.default_rng(seed)
    n = N_BUURTEN * PER_BUURT
    ids = [f"{i:016d}" for i in range(n)]
    buurt = np.repeat([f"BU{b:08d}" for b in range(N_BUURTEN)], PER_BUURT)
    # signals differ per buurt a little (a real buurt with more signals is not a bias)
    level = np.repeat(rng.uniform(0.5, 1.5, N_BUURTEN), PER_BUURT)
    signal = rng.exponential(1.0, n) * level
    meldingen = rng.poisson(0.3 * signal)
    inhabited = rng.random(n) < 0.85
    # each address: residents' shares of A, B, C (C lives in some buurten more than others)
    c_share = np.where(rng.random(n) < 0.15 + 0.1 * (np.arange(n) // PER_BUURT % 3 == 0), 1.0, 0.0)
    a_share = (1 - c_share) * rng.uniform(0.3, 1.0, n)
    b_share = 1 - c_share - a_share
    w = 0.2 + signal
    if bias:
        w = w * np.where(np.isin(buurt, HOT), 4.0, 1.0) * np.where(c_share > 0.5, 3.0, 1.0)
    chosen = rng.choice(n, size=2000, replace=True, p=w / w.sum())
    days = rng.integers(0, 5 * 365, size=len(chosen))
    outcomes = pl.DataFrame(
        {
            "verblijfsobject_id": [ids[i] for i in chosen],
            "datum_onderzoek": np.datetime64("2019-01-01", "D") + days,
            "fenomeen": ["hennepteelt"] * len(chosen),
            "uitkomst": np.where(rng.random(len(chosen)) < 0.3, "bevestigd", "niet_bevestigd").tolist(),
        }
    ).with_columns(pl.col("datum_onderzoek").cast(pl.Date))
    groups = pl.DataFrame(
        {
            "verblijfsobject_id": ids,
            "n_bewoners": np.where(inhabited, 2, 0),
            **{
                share_column("herkomst_groep", g): s
                for g, s in zip(GROUPS, (a_share, b_share, c_share), strict=True)
            },
        }
    ).filter(pl.Series(inhabited))
    return {
        "objects": pl.DataFrame({"verblijfsobject_id": ids, "buurtcode": buurt}),
        "features": pl.DataFrame({"verblijfsobject_id": ids, "signaal": signal, "meldingen": meldingen}),
        "signals": pl.DataFrame(
            {"verblijfsobject_id": ids, "score": 1 / (1 + np.exp(-(signal - 3)))}
        ).with_columns(pl.col("score").rank("ordinal", descending=True).cast(pl.Int64).alias("rank")),
        "outcomes": outcomes,
        "groups": groups,
    }


def _audit(world: dict[str, pl.DataFrame], **settings: object):  # type: ignore[no-untyped-def]
    return fairness_audit(
        objects=world["objects"],
        features=world["features"],
        signals=world["signals"],
        outcomes=world["outcomes"],
        groups=world["groups"],
        capacity=200,
        settings=FairnessSettings(bootstrap=300, **settings),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_audit_flags_exactly_the_planted_buurten_and_group(seed: int) -> None:
    report = _audit(_world(seed, bias=True))
    labels = sorted(f.id for f in report.flags if f.soort == "labels")
    assert labels == sorted([*(f"labels:buurt:{b}" for b in HOT), "labels:herkomst_groep:C"])
    for f in report.flags:
        if f.soort == "labels":
            assert f.ci_laag > 1.25 and f.waarde > f.ci_laag  # with confidence, not on a point value


@pytest.mark.parametrize("seed", [1, 2])
def test_without_a_planted_bias_nothing_is_flagged_in_the_labels(seed: int) -> None:
    report = _audit(_world(seed, bias=False))
    assert [f.id for f in report.flags if f.soort == "labels"] == []
    # and the record of where the labels came from is there
    rec = report.label_record
    assert rec["onderzoeken"] == 2000 and rec["bevestigd"] + rec["niets_gevonden"] == 2000
    assert rec["label_prevalentie"] > 50 * rec["populatie_aandeel_schatting"] * 0.1


def test_model_figures_per_group_with_intervals_and_a_flag_for_over_selection() -> None:
    world = _world(1, bias=False)
    # the list (top 200) takes only buurt 0's addresses: its selection rate is far above the overall
    sig = (
        world["signals"]
        .with_columns(
            pl.when(pl.col("verblijfsobject_id").cast(pl.Int64) < 200)
            .then(1.0)
            .otherwise(0.01)
            .alias("score")
        )
        .with_columns(pl.col("score").rank("ordinal", descending=True).cast(pl.Int64).alias("rank"))
    )
    report = _audit(world | {"signals": sig})
    m = report.model
    assert set(m["maat"].unique()) == {"selectie", "fout_positief", "fout_ontdekking", "kalibratie_verschil"}
    assert set(m["dimensie"].unique()) == {"buurt", "herkomst_groep"}
    sel = m.filter((pl.col("maat") == "selectie") & (pl.col("dimensie") == "buurt"))
    row = sel.filter(pl.col("groep") == "BU00000000").row(0, named=True)
    assert row["waarde"] == pytest.approx(200 / 600) and row["ci_laag"] <= row["waarde"] <= row["ci_hoog"]
    assert "model:buurt:BU00000000:selectie" in report.flag_ids()
    # a buurt with nothing selected is reported, never flagged (under-selection burdens nobody)
    assert not any(f.id.startswith("model:buurt:BU00000001:") for f in report.flags)


def test_the_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    report = _audit(_world(1, bias=True))
    page = fairness_html(report, run_id='<script>alert("x")</script>')
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    for f in report.flags:
        assert f.id in page
    assert report.to_json().startswith("{")


def test_a_partition_by_codes_gives_what_zero_one_weights_give() -> None:
    """Buurten go through bincounts (a country has ten thousand): the figures must not change."""
    import numpy as np

    from vastgoed.core.config import Config
    from vastgoed.ethics import fairness as f
    from vastgoed.ethics.metadata import load_ethics

    settings = f.FairnessSettings(**load_ethics(Config().ethics.metadata_path()).fairness.model_dump())
    rng = np.random.default_rng(1)
    n = 20_000
    codes = rng.integers(0, 40, n)
    names = [f"b{i:02d}" for i in range(40)]
    counts = (rng.random(n) < 0.03).astype(float)
    expected = rng.random(n) * 0.05
    expected *= counts.sum() / expected.sum()
    inv = np.flatnonzero(counts > 0)
    dense = f._representation(
        "buurt",
        {name: (codes == i).astype(float) for i, name in enumerate(names)},
        counts,
        expected,
        inv,
        settings,
    )
    sparse = f._representation_of_codes(
        "buurt", codes.astype(np.int64), names, counts, expected, inv, settings
    )
    assert len(dense) == len(sparse) == 40
    for a, b in zip(dense, sparse, strict=True):
        assert a.keys() == b.keys()
        for k, v in a.items():
            if isinstance(v, float):
                assert np.isclose(v, b[k], rtol=1e-9, equal_nan=True), k
            else:
                assert v == b[k], k


def test_the_figures_per_group_are_fairlearns_metricframe() -> None:
    """Point values, overall and by group (in sorted order), equal fairlearn's MetricFrame's."""
    import math
    from typing import Any

    from fairlearn.metrics import MetricFrame

    from vastgoed.ethics.fairness import _METRICS, _metric_frame_rows

    def metric(name: str) -> Any:
        fn = _METRICS[name]

        def f(y_true: Any, y_pred: Any, score: Any) -> float:
            t = np.asarray(y_true, dtype=bool)[None, :]
            p = np.asarray(y_pred, dtype=bool)[None, :]
            return float(fn(t, p, np.asarray(score, dtype=np.float64)[None, :])[0]) if t.size else math.nan

        f.__name__ = name
        return f

    rng = np.random.default_rng(3)
    n = 5_000
    groups = rng.choice(["b", "a", "c", "zz", "d"], size=n, p=[0.4, 0.3, 0.2, 0.0998, 0.0002])
    t, p, s = rng.random(n) < 0.3, rng.random(n) < 0.2, rng.random(n)
    p[groups == "d"] = False  # a rate over nothing: NaN in both
    names = ["selectie", "fout_positief", "fout_ontdekking", "kalibratie_verschil"]
    rows = _metric_frame_rows("buurt", names, t, p, s, groups, FairnessSettings(bootstrap=20))
    mf = MetricFrame(
        metrics={m: metric(m) for m in names},
        y_true=t,
        y_pred=p,
        sensitive_features=groups,
        sample_params={m: {"score": s} for m in names},
    )
    assert [r["groep"] for r in rows] == [str(g) for g in mf.by_group.index for _ in names]
    for r in rows:
        want, total = float(mf.by_group.loc[r["groep"], r["maat"]]), float(mf.overall[r["maat"]])
        assert (math.isnan(want) and math.isnan(r["waarde"])) or r["waarde"] == pytest.approx(want, rel=1e-12)
        assert r["totaal"] == pytest.approx(total, rel=1e-12)


def test_a_missing_group_is_refused_as_metricframe_refused_it() -> None:
    from vastgoed.ethics.fairness import _metric_frame_rows

    groups = np.array(["a", None, "b"], dtype=object)
    t = np.array([True, False, True])
    with pytest.raises(ValueError, match="missing"):
        _metric_frame_rows("buurt", ["selectie"], t, t, np.ones(3), groups, FairnessSettings(bootstrap=5))
