"""The signal model: scikit-learn contract, behaviour the field knows, contributions, training sets."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone

from features import build_features
from models import SignalModel, examples_from_outcomes, split_cutoff
from tests.model.conftest import Trained
from vastgoed.core.schema import FENOMENEN

HENNEP = FENOMENEN.index("hennepteelt")
SPOOK = FENOMENEN.index("spookbewoning")
LEEG = FENOMENEN.index("onverklaarbare_leegstand")


def _model(trained: Trained) -> SignalModel:
    return trained.report.model  # type: ignore[attr-defined, no-any-return]


def _features(trained: Trained) -> pl.DataFrame:
    return trained.prepared.features  # type: ignore[attr-defined, no-any-return]


def _no_labels_but_300_investigated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class 0 everywhere, 300 random rows marked investigated: ``y``, ``labelled`` and their indices."""
    labelled = np.zeros(n, dtype=bool)
    labelled[np.random.default_rng(seed).choice(n, 300, replace=False)] = True
    return np.zeros(n, dtype=np.int64), labelled, np.flatnonzero(labelled)


def test_estimator_contract(trained: Trained) -> None:
    model = _model(trained)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "boosters_")
    X = _features(trained).drop("verblijfsobject_id")
    proba = model.predict_proba(X)
    assert proba.shape == (X.height, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    per = model.phenomenon_scores(X)
    assert per.shape == (X.height, len(FENOMENEN)) and ((per >= 0) & (per <= 1)).all()
    with pytest.raises(ValueError, match="feature columns differ"):
        model.predict_proba(X.drop("n_ingeschreven"))


def test_the_model_beats_chance_on_its_validation_investigations(trained: Trained) -> None:
    v = trained.report.validation  # type: ignore[attr-defined]
    assert trained.report.n_validation > 10  # type: ignore[attr-defined]
    base_rate = v["model"]["positives"] / v["model"]["n"]
    assert v["model"]["average_precision"] > base_rate + 0.1
    # the validation figures per buurt add up to the whole, with a calibration curve per buurt
    report = trained.report
    assert report.per_buurt["objecten"].sum() == report.n_validation  # type: ignore[attr-defined]
    curves = report.calibration_per_buurt  # type: ignore[attr-defined]
    assert curves["n"].sum() == report.n_validation  # type: ignore[attr-defined]
    assert set(curves["buurtcode"].to_list()) == set(report.per_buurt["buurtcode"].to_list())  # type: ignore[attr-defined]


def _more_electricity(X: pl.DataFrame, factor: float) -> pl.DataFrame:
    """The same objects using ``factor`` times the electricity, every derived feature consistent."""
    e = pl.col("elektriciteit_kwh") * factor
    return X.with_columns(
        e.alias("elektriciteit_kwh"),
        pl.col("elektriciteit_per_m2") * factor,
        pl.col("elektriciteit_t_o_v_norm") * factor,
        pl.col("elektriciteit_t_o_v_straat") * factor,
        pl.col("elektriciteit_sprong") * factor,
        (pl.col("gas_m3") / e.clip(100, None)).alias("gas_elektriciteit_ratio"),
    )


@pytest.mark.parametrize("factor", [1.2, 2.0, 5.0, 20.0])
def test_more_electricity_never_lowers_hennepteelt_or_spookbewoning(trained: Trained, factor: float) -> None:
    model = _model(trained)
    X = _features(trained).filter(pl.col("elektriciteit_kwh") > 0).drop("verblijfsobject_id")
    before = model.phenomenon_scores(X)
    after = model.phenomenon_scores(_more_electricity(X, factor))
    for j in (HENNEP, SPOOK):
        assert (after[:, j] >= before[:, j] - 1e-12).all(), FENOMENEN[j]
    # The test has teeth: the hennepteelt score does go up for some objects.
    assert (after[:, HENNEP] > before[:, HENNEP] + 1e-9).any()


def test_removing_all_registrations_never_lowers_the_leegstand_score(trained: Trained) -> None:
    model = _model(trained)
    inputs = trained.prepared.inputs  # type: ignore[attr-defined]
    feats = _features(trained)
    occupied = feats.filter(pl.col("n_ingeschreven") > 0)["verblijfsobject_id"].head(400).to_list()
    emptied = dataclasses.replace(
        inputs,
        inschrijvingen=inputs.inschrijvingen.filter(~pl.col("verblijfsobject_id").is_in(occupied)),
        netwerk=inputs.netwerk.filter(
            ~(pl.col("verblijfsobject_id").is_in(occupied) & (pl.col("rol") == "ingeschreven_op"))
        ),
    )
    after_feats = (
        build_features(emptied)
        .filter(pl.col("verblijfsobject_id").is_in(occupied))
        .sort("verblijfsobject_id")
    )
    before_feats = feats.filter(pl.col("verblijfsobject_id").is_in(occupied)).sort("verblijfsobject_id")
    assert (after_feats["n_ingeschreven"] == 0).all()
    before = model.phenomenon_scores(before_feats.drop("verblijfsobject_id"))[:, LEEG]
    after = model.phenomenon_scores(after_feats.drop("verblijfsobject_id"))[:, LEEG]
    assert (after >= before - 1e-12).all()
    assert (after > before + 1e-9).any()


def test_contributions_add_up_to_each_signals_raw_score(trained: Trained) -> None:
    model = _model(trained)
    X = _features(trained).drop("verblijfsobject_id").head(300)
    raw = model.raw_scores(X)
    for j, f in enumerate(FENOMENEN):
        if model.boosters_[f] is None:
            continue
        contrib, cols = model.contributions(X, f)
        assert contrib.shape == (X.height, len(cols) + 1)
        np.testing.assert_allclose(contrib.sum(axis=1), raw[:, j], atol=1e-6)


def test_monotone_constraints_are_what_holds_the_behaviour(trained: Trained) -> None:
    """The constraints are declared where LightGBM enforces them, and only with ``monotone``; the
    behaviour tests above check what they hold on the trained model."""
    ts_report = trained.report  # type: ignore[attr-defined]
    assert ts_report.model.monotone is True
    params = ts_report.model.lgb_params("hennepteelt", ts_report.model._columns("hennepteelt"))
    cols = ts_report.model._columns("hennepteelt")
    assert params["monotone_constraints"][cols.index("elektriciteit_kwh")] == 1
    leeg = ts_report.model._columns("onverklaarbare_leegstand")
    assert "elektriciteit_t_o_v_norm" not in leeg and "netwerk_bevestigde_adressen" not in leeg
    free = clone(ts_report.model).set_params(monotone=False).lgb_params("hennepteelt", cols)
    assert "monotone_constraints" not in free


def test_examples_and_time_split() -> None:
    out = pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "a", "b", "c", "d"],
            "datum_onderzoek": [
                dt.date(2020, 2, 10),
                dt.date(2020, 2, 10),
                dt.date(2024, 5, 1),
                dt.date(2023, 12, 31),
                dt.date(2025, 3, 1),
            ],
            "fenomeen": ["hennepteelt", "spookbewoning", "overbewoning", "hennepteelt", "hennepteelt"],
            "uitkomst": ["niet_bevestigd", "bevestigd", "niet_bevestigd", "bevestigd", "bevestigd"],
        }
    )
    peil = dt.date(2025, 1, 1)
    ex = examples_from_outcomes(out, peil, "onderzoeksdatum")
    # one example per object and day (a confirmation wins); nothing on or after the peildatum
    assert ex.select("verblijfsobject_id", "label", "snapshot").to_dicts() == [
        {"verblijfsobject_id": "a", "label": "spookbewoning", "snapshot": dt.date(2020, 1, 1)},
        {"verblijfsobject_id": "b", "label": "geen", "snapshot": dt.date(2024, 4, 1)},
        {"verblijfsobject_id": "c", "label": "hennepteelt", "snapshot": dt.date(2023, 10, 1)},
    ]
    assert split_cutoff(peil, 12) == dt.date(2024, 1, 1)
    assert set(examples_from_outcomes(out, peil, "peildatum")["snapshot"]) == {peil}


def test_training_set_rows(trained: Trained) -> None:
    from models import build_sets
    from vastgoed.core.config import ModelConfig
    from vastgoed.modelling import choices_from, features_at

    prepared = trained.prepared
    inputs = prepared.inputs  # type: ignore[attr-defined]
    feats = _features(trained)
    outcomes = prepared.outcomes  # type: ignore[attr-defined]
    buurten = inputs.objects.select("verblijfsobject_id", "buurtcode")
    ts, vs, cutoff = build_sets(
        outcomes, features_at(inputs, feats), buurten, inputs.peildatum, choices_from(ModelConfig())
    )
    assert all(d >= cutoff for d in vs.datum)
    # the unlabelled pool leaves out what was investigated before the cutoff, and only that: an
    # address first investigated in the validation period was unknown at training time
    before = set(outcomes.filter(pl.col("datum_onderzoek") < cutoff)["verblijfsobject_id"].to_list())
    unl = ts.ids[ts.n_labelled + sum(ts.n_weak.values()) :]
    assert len(unl) == ts.n_unlabelled and not before.intersection(unl)
    w = ts.weight[: ts.n_labelled]
    assert abs(w.mean() - 1.0) < 1e-9 and w.min() >= 0.25 / w.max() * 0.99
    assert ts.labelled.sum() == ts.n_labelled


def test_outcomes_after_the_peildatum_are_ignored() -> None:
    out = pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "a", "b"],
            "datum_onderzoek": [dt.date(2020, 1, 1), dt.date(2024, 6, 1), dt.date(2026, 1, 1)],
            "fenomeen": ["hennepteelt", "spookbewoning", "hennepteelt"],
            "uitkomst": ["bevestigd", "niet_bevestigd", "bevestigd"],
        }
    )

    def labels(peildatum: dt.date) -> list[tuple[str, str, str]]:
        ex = examples_from_outcomes(out, peildatum, "peildatum")
        return list(zip(ex["verblijfsobject_id"], ex["label"], ex["onderzocht_op"], strict=True))

    found, empty = ("a", "hennepteelt", "hennepteelt"), ("a", "geen", "spookbewoning")
    assert labels(dt.date(2025, 1, 1)) == [found, empty]  # b's investigation lies after the peildatum
    assert labels(dt.date(2024, 1, 1)) == [found]


def test_a_phenomenon_without_confirmed_investigations_cannot_crowd_the_priority(trained: Trained) -> None:
    """Weak (rule) positives but fewer than 2 confirmed investigations: no calibration is possible,
    so the phenomenon's probability is capped at the base rate of confirmation (it once scored ~0.98
    on an unseen municipality and took a third of the list)."""
    from vastgoed.core.schema import FENOMENEN

    X = _features(trained).drop("verblijfsobject_id")
    y, labelled, lab_idx = _no_labels_but_300_investigated(X.height, seed=3)
    y[lab_idx[:60]] = 1 + FENOMENEN.index("hennepteelt")  # confirmed investigations
    crim = 1 + FENOMENEN.index("criminele_vastgoedtransactie")
    weak = np.flatnonzero(~labelled)[:80]
    y[weak] = crim  # weak positives only, none investigated
    y[lab_idx[60]] = crim  # ... but one confirmed
    model = SignalModel(num_boost_round=30, num_threads=1).fit(X, y, None, labelled)
    scores = model.phenomenon_scores(X)
    j = FENOMENEN.index("criminele_vastgoedtransactie")
    base_rate = (61 + 1) / (300 + 2)
    assert model.cap_["criminele_vastgoedtransactie"] == pytest.approx(base_rate)
    assert scores[:, j].max() <= base_rate + 1e-12
    assert model.cap_["hennepteelt"] == 1.0


def test_a_fact_two_features_state_alike_is_one_reason() -> None:
    from models.explain import Reason, _distinct

    water = "65 m³ water in het laatste verbruiksjaar, waar ongeveer 47 m³ verwacht wordt"
    rs = [
        Reason("water_m3", "water", 65.0, water, 0.4),
        Reason("water_t_o_v_norm", "water t.o.v. norm", 1.4, water, 0.3),
        Reason("n_volwassen", "volwassenen", 4.0, "4 volwassenen ingeschreven", 0.2),
        Reason("oppervlakte", "oppervlakte", 38.0, "38 m²", 0.1),
    ]
    out = _distinct(rs, 2)
    assert [r.kenmerk for r in out] == ["water_m3", "n_volwassen"]
    assert out[0].bijdrage == 0.7  # the contributions still add up


def test_a_rule_that_fires_lifts_its_phenomenon_as_far_as_the_confirmations_leave_the_model_untested(
    trained: Trained,
) -> None:
    """Where a phenomenon's rule fires, the score leans on the rule's own hit rate with weight
    ``rule_prior / (n + rule_prior)``; it never falls below the model there, and where the rule is
    silent it is the model's (issue 21: never worse than the rules, per phenomenon)."""
    from models import rule_flags
    from models.domain import OUTSIDE_DEFINITION

    model = _model(trained)
    assert model.rule_prior > 0 and set(model.rule_evidence_) == set(FENOMENEN)
    X = _features(trained).drop("verblijfsobject_id")
    s, p, r = model.phenomenon_scores(X), model.model_scores(X), model.rule_estimates(X)
    fired = rule_flags(X).to_numpy() > 0.5
    assert (np.isnan(r) == ~fired).all()
    for j, f in enumerate(FENOMENEN):
        if f in OUTSIDE_DEFINITION:
            outside = X.select(OUTSIDE_DEFINITION[f].fill_null(False)).to_series().to_numpy()
            p[outside, j] = 0.0
            fired[outside, j] = False  # the definition has the last word
    capped = np.array([model.cap_[f] < 1.0 for f in FENOMENEN])
    trusted = np.broadcast_to(~capped, fired.shape)
    np.testing.assert_allclose(s[~fired & trusted], p[~fired & trusted])
    assert (s[fired & trusted] >= p[fired & trusted] - 1e-12).all()
    for j, f in enumerate(FENOMENEN):
        w, hit = model.rule_evidence_[f]
        assert 0.0 <= w < 1.0 and 0.0 < hit < 1.0
        rows = fired[:, j]
        if capped[j]:
            # no calibrated model of its own: the rule's estimate, shrunk towards the model both ways
            miss = model.rule_miss_rate_[f]
            silent = ~rows & (p[:, j] > 0)
            np.testing.assert_allclose(s[silent, j], w * p[silent, j] + (1 - w) * miss)
            np.testing.assert_allclose(s[rows, j], w * p[rows, j] + (1 - w) * r[rows, j])
        elif rows.any():
            want = w * p[rows, j] + (1 - w) * np.maximum(p[rows, j], r[rows, j])
            np.testing.assert_allclose(s[rows, j], want)
    assert capped.any() and (~capped).any(), "the test has teeth: both forms are used"
    assert (s[fired & trusted] > p[fired & trusted] + 1e-9).any(), "some rule lifts its phenomenon"


def test_the_weight_on_the_model_grows_with_the_phenomenons_confirmations(trained: Trained) -> None:
    X = _features(trained).drop("verblijfsobject_id")
    y, labelled, lab_idx = _no_labels_but_300_investigated(X.height, seed=5)
    hennep, crim = 1 + HENNEP, 1 + FENOMENEN.index("criminele_vastgoedtransactie")
    y[lab_idx[:40]] = hennep
    y[lab_idx[40:42]] = crim
    model = SignalModel(num_boost_round=20, num_threads=1, rule_prior=10.0).fit(X, y, None, labelled)
    assert model.rule_evidence_["hennepteelt"][0] == pytest.approx(40 / 50)
    assert model.rule_evidence_["criminele_vastgoedtransactie"][0] == pytest.approx(2 / 12)
    assert model.rule_evidence_["brievenbusfirma"][0] == 0.0  # nothing confirmed: the rule alone
    # the rule's hit rate: Laplace-smoothed share of the investigated rows it flags that were confirmed
    from models import rule_flags

    flags = rule_flags(X)["regel_hennepteelt"].to_numpy() > 0.5
    m, c = int((flags & labelled).sum()), int((flags & labelled & (y == hennep)).sum())
    assert model.rule_evidence_["hennepteelt"][1] == pytest.approx((c + 1) / (m + 2))
    # without a prior the model stands alone
    alone = SignalModel(num_boost_round=20, num_threads=1).fit(X, y, None, labelled)
    assert alone.rule_evidence_ == {}


def test_vacancy_scores_nothing_where_its_definition_fails(trained: Trained) -> None:
    """Onverklaarbare leegstand is a dwelling with nobody registered and no company (data contract)."""
    model = _model(trained)
    X = _features(trained).drop("verblijfsobject_id")
    s = model.phenomenon_scores(X)[:, LEEG]
    outside = ((X["n_vestigingen"].fill_null(0) > 0) | (X["n_ingeschreven"].fill_null(0) > 0)).to_numpy()
    assert outside.any() and (s[outside] == 0.0).all()
    assert (s[~outside] > 0).any()


def test_no_meter_reading_is_no_evidence_and_no_company_no_letterbox_company(trained: Trained) -> None:
    """Without any meter reading the use-based phenomena score nothing; without an establishment,
    brievenbusfirma scores nothing (data contract, *Phenomena*; issue 21)."""
    model = _model(trained)
    X = _features(trained).drop("verblijfsobject_id")
    meters = [c for c in X.columns if c.startswith(("elektriciteit", "water", "gas"))]
    bare = X.with_columns(pl.lit(None, dtype=X[c].dtype).alias(c) for c in meters)
    s = model.phenomenon_scores(bare)
    for f in ("onverklaarbare_leegstand", "spookbewoning", "hennepteelt"):
        assert (s[:, FENOMENEN.index(f)] == 0.0).all()
    assert (s[:, FENOMENEN.index("schijninschrijving")] > 0).any()  # registrations can still show it
    none = (X["n_vestigingen"].fill_null(0) == 0).to_numpy()
    bb = model.phenomenon_scores(X)[:, FENOMENEN.index("brievenbusfirma")]
    assert none.any() and (bb[none] == 0.0).all()


def test_a_rule_that_lifted_the_score_is_among_the_reasons(trained: Trained) -> None:
    from features import catalogue
    from features.facts import fact
    from models import explain, rule_flags

    model = _model(trained)
    X = _features(trained).drop("verblijfsobject_id")
    s, p = model.phenomenon_scores(X), model.model_scores(X)
    fired = rule_flags(X).to_numpy() > 0.5
    up = fired & (s > p + 0.01)
    lifted = [(int(i), FENOMENEN[int(j)]) for i, j in zip(*np.nonzero(up), strict=True)][:20]
    assert lifted, "some rule lifts a score"
    rows = X[[i for i, _ in lifted]]
    labels = {c.name: c.label_nl for c in catalogue()}
    why = explain(model, rows, [f for _, f in lifted], labels, fact, n_reasons=5)
    for (_, f), (reasons, _) in zip(lifted, why, strict=True):
        rule = [r for r in reasons if r.kenmerk == f"regel_{f}"]
        assert len(rule) == 1 and rule[0].bijdrage > 0 and "regel slaat aan" in rule[0].feit
