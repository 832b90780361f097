"""The proxy screen: group aggregation per object, the AUC figures, flags, and the real catalogue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from features import FeatureSpec, catalogue
from vastgoed.core.config import Config
from vastgoed.core.errors import VastgoedError
from vastgoed.ethics import (
    DEFAULT_THRESHOLD,
    ProxyReport,
    ProxyScreenError,
    indicator_column,
    known_column,
    object_groups,
    proxy_screen,
    share_column,
)
from vastgoed.ingest import ingest
from vastgoed.pipeline import run_batch

P = dt.date(2025, 1, 1)
D = dt.date

BRP_SCHEMA = {
    "verblijfsobject_id": pl.String,
    "bsn_pseudoniem": pl.String,
    "functie_adres": pl.String,
    "datum_aanvang_adreshouding": pl.Date,
    "datum_einde_adreshouding": pl.Date,
}
AUDIT_SCHEMA = {
    "bsn_pseudoniem": pl.String,
    "leeftijdsgroep": pl.String,
    "geslacht": pl.String,
    "herkomst_groep": pl.String,
}


def _spec(name: str, justification: str = "") -> FeatureSpec:
    return FeatureSpec(
        name=name,
        family="test",
        label_nl=name,
        description_en=name,
        description_nl=name,
        sources=("bag_verblijfsobjecten",),
        unit="-",
        proxy_justification=justification,
    )


# --- object_groups on a hand-made BRP and audit table ------------------------------------------------


def _hand_made() -> pl.DataFrame:
    brp = pl.DataFrame(
        [
            # V1: A lives there; B's registration ended before the peildatum; C has a briefadres.
            ("V1", "A", "W", D(2020, 1, 1), None),
            ("V1", "B", "W", D(2015, 1, 1), D(2024, 6, 1)),
            ("V1", "C", "B", D(2021, 1, 1), None),
            # V2: D leaves after the peildatum (counts); E arrives after it (does not); F has no
            # audit record (a resident, but of no known group); D's earlier period at V2 is the same person.
            ("V2", "D", "W", D(2010, 1, 1), D(2025, 6, 1)),
            ("V2", "D", "W", D(2001, 1, 1), D(2005, 1, 1)),
            ("V2", "E", "W", D(2025, 3, 1), None),
            ("V2", "F", "W", D(2019, 1, 1), None),
            # V3: B moved here; G's registration ends on the peildatum itself (gone that day).
            ("V3", "B", "W", D(2024, 6, 1), None),
            ("V3", "G", "W", D(2018, 1, 1), P),
            # V4: only a briefadres: nobody lives there. V5: only F's unknown person.
            ("V4", "H", "B", D(2020, 1, 1), None),
            ("V5", "I", "W", D(2020, 1, 1), None),
            # An unlinked registration is ignored.
            (None, "J", "W", D(2020, 1, 1), None),
        ],
        schema=BRP_SCHEMA,
        orient="row",
    )
    audit = pl.DataFrame(
        [
            ("A", "30-44", "vrouw", "Buiten Europa"),
            ("B", "65+", "man", "Nederland"),
            ("C", "18-29", "man", "Europa (excl. Nederland)"),
            ("D", "45-64", "vrouw", "Nederland"),
            ("E", "0-17", "man", "Buiten Europa"),
            ("G", "18-29", "vrouw", "Buiten Europa"),
            ("H", "18-29", "vrouw", "Buiten Europa"),
            ("J", "18-29", "vrouw", "Buiten Europa"),
        ],
        schema=AUDIT_SCHEMA,
        orient="row",
    )
    return object_groups(brp, audit, P)


def test_object_groups_counts_only_woonadres_open_at_the_peildatum() -> None:
    g = _hand_made()
    # V4 (briefadres only) has nobody: not a row.
    assert g["verblijfsobject_id"].to_list() == ["V1", "V2", "V3", "V5"]
    rows = {r["verblijfsobject_id"]: r for r in g.iter_rows(named=True)}
    be, nl, eu = (
        indicator_column("herkomst_groep", x)
        for x in ("Buiten Europa", "Nederland", "Europa (excl. Nederland)")
    )
    # V1: only A; B (ended) and C (briefadres) do not count.
    assert rows["V1"]["n_bewoners"] == 1
    assert (rows["V1"][be], rows["V1"][nl], rows["V1"][eu]) == (True, False, False)
    assert rows["V1"][indicator_column("geslacht", "man")] is False
    assert rows["V1"][indicator_column("leeftijdsgroep", "65+")] is False
    # V2: D (leaves after the peildatum, two periods, one person) and F (no audit record).
    assert rows["V2"]["n_bewoners"] == 2
    assert rows["V2"][known_column("herkomst_groep")] == 1
    assert (rows["V2"][be], rows["V2"][nl]) == (False, True)
    assert rows["V2"][share_column("herkomst_groep", "Nederland")] == 1.0
    assert rows["V2"][indicator_column("leeftijdsgroep", "0-17")] is False  # E arrives later
    # V3: B only; G left on the peildatum.
    assert rows["V3"]["n_bewoners"] == 1
    assert (rows["V3"][be], rows["V3"][nl]) == (False, True)
    assert rows["V3"][indicator_column("geslacht", "vrouw")] is False
    # V5: a resident without an audit record: no group known.
    assert rows["V5"]["n_bewoners"] == 1
    assert rows["V5"][known_column("herkomst_groep")] == 0
    assert rows["V5"][be] is None
    assert rows["V5"][share_column("herkomst_groep", "Buiten Europa")] is None
    # A group that lives nowhere still has its (all false) column.
    assert g[eu].to_list() == [False, False, False, None]


def test_object_groups_shares() -> None:
    brp = pl.DataFrame([("V1", p, "W", D(2020, 1, 1), None) for p in "ABCD"], schema=BRP_SCHEMA, orient="row")
    audit = pl.DataFrame(
        [("A", "0-17", "man", "X"), ("B", "0-17", "vrouw", "X"), ("C", "45-64", "vrouw", None)],
        schema=AUDIT_SCHEMA,
        orient="row",
    )
    r = object_groups(brp, audit, P).row(0, named=True)
    assert r["n_bewoners"] == 4
    assert r[share_column("geslacht", "vrouw")] == pytest.approx(2 / 3)
    assert r[share_column("leeftijdsgroep", "0-17")] == pytest.approx(2 / 3)
    assert r[known_column("herkomst_groep")] == 2
    assert r[share_column("herkomst_groep", "X")] == 1.0


def test_object_groups_needs_the_pseudonym() -> None:
    brp = pl.DataFrame(schema=BRP_SCHEMA)
    with pytest.raises(VastgoedError, match="bsn_pseudoniem"):
        object_groups(brp, pl.DataFrame({"bsn": ["1"], "geslacht": ["man"]}), P)


# --- the screen on constructed features -----------------------------------------------------------


N_OBJ = 3000


@pytest.fixture(scope="module")
def population() -> tuple[pl.DataFrame, pl.DataFrame]:
    """3,000 objects with 1-4 residents each; herkomst 'A'/'B', geslacht, and a rare group 'Z'."""
    rng = np.random.default_rng(11)
    size = rng.integers(1, 5, N_OBJ)
    vbo = np.repeat([f"V{i:05d}" for i in range(N_OBJ)], size)
    n = vbo.size
    persons = np.array([f"P{i:06d}" for i in range(n)])
    # Origin clusters by address (as it does in a city): one draw per object, shared by its residents.
    obj_a = rng.random(N_OBJ) < 0.35
    herkomst = np.where(np.repeat(obj_a, size), "A", "B").astype(object)
    herkomst[rng.choice(n, 20, replace=False)] = "Z"
    brp = pl.DataFrame(
        {
            "verblijfsobject_id": vbo,
            "bsn_pseudoniem": persons,
            "functie_adres": ["W"] * n,
            "datum_aanvang_adreshouding": [D(2020, 1, 1)] * n,
            "datum_einde_adreshouding": [None] * n,
        },
        schema=BRP_SCHEMA,
    )
    audit = pl.DataFrame(
        {
            "bsn_pseudoniem": persons,
            "leeftijdsgroep": rng.choice(["0-17", "18-64", "65+"], n),
            "geslacht": rng.choice(["man", "vrouw"], n),
            "herkomst_groep": herkomst,
        },
        schema=AUDIT_SCHEMA,
    )
    groups = object_groups(brp, audit, P)
    a = groups[indicator_column("herkomst_groep", "A")].cast(pl.Float64).to_numpy()
    features = pl.DataFrame(
        {
            "verblijfsobject_id": groups["verblijfsobject_id"],
            # A noisy copy of "at least one resident of herkomst A".
            "proxy": a + rng.normal(0, 0.6, groups.height),
            "ruis": rng.normal(0, 1, groups.height),
            "leeg": pl.Series([None] * groups.height, dtype=pl.Float64),
            "huishouden": groups["n_bewoners"],
        }
    )
    return features, groups


def _ruis_only(report: ProxyReport, name: str) -> pl.DataFrame:
    return report.tabel.filter(pl.col("kenmerk") == name)


def test_a_noisy_copy_of_a_group_is_flagged_and_check_names_it(
    population: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    features, groups = population
    report = proxy_screen(features, groups, [_spec("proxy"), _spec("ruis")])
    flagged = report.tabel.filter(pl.col("boven_drempel"))
    assert set(flagged["kenmerk"]) == {"proxy"}
    row = flagged.filter(pl.col("groep") == "A").row(0, named=True)
    assert row["auc"] > 0.85
    assert row["richting"] == "hoger"
    # Its complement 'B' is flagged too, in the other direction: a proxy works both ways.
    row_b = flagged.filter(pl.col("groep") == "B").row(0, named=True)
    assert row_b["auc"] > 0.85 and row_b["richting"] == "lager"
    assert {(v.kenmerk, v.attribuut, v.groep) for v in report.violations} >= {
        ("proxy", "herkomst_groep", "A"),
        ("proxy", "herkomst_groep", "B"),
    }
    assert not report.passed
    with pytest.raises(ProxyScreenError) as err:
        report.check()
    msg = str(err.value)
    assert "proxy" in msg and "herkomst_groep=A" in msg and "proxy_justification" in msg
    # the message gives the decisive figure: by default over persons
    assert re.search(rf"herkomst_groep=A AUC {row['auc_personen']:.3f} over personen", msg)
    assert "ruis" not in msg
    assert isinstance(err.value, VastgoedError)


def test_the_same_feature_with_a_justification_passes(population: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    features, groups = population
    why = "measures the phenomenon itself; reviewed by the ethics board"
    report = proxy_screen(features, groups, [_spec("proxy", why), _spec("ruis")])
    report.check()
    assert report.passed
    flagged = report.tabel.filter(pl.col("boven_drempel"))
    assert set(flagged["kenmerk"]) == {"proxy"}
    assert set(flagged["verantwoording"]) == {why}


def test_an_independent_feature_is_not_flagged(population: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    features, groups = population
    report = proxy_screen(features, groups, [_spec("ruis"), _spec("leeg")])
    report.check()
    assert not report.tabel["boven_drempel"].any()
    ruis = _ruis_only(report, "ruis")
    # "leeg" is also screened as "leeg ontbreekt" (missing everywhere: no information either)
    assert ruis.height == report.tabel.height // 3
    assert ruis["auc"].max() < 0.56  # symmetrised: ~0.5 + |N(0, 0.01)|
    # A feature that is missing everywhere carries nothing: AUC exactly 0.5.
    assert _ruis_only(report, "leeg")["auc"].to_list() == pytest.approx([0.5] * ruis.height)


def test_small_groups_are_skipped_and_listed(population: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    features, groups = population
    report = proxy_screen(features, groups, [_spec("proxy")])
    assert indicator_column("herkomst_groep", "Z") in groups.columns
    assert report.tabel.filter(pl.col("groep") == "Z").height == 0
    skipped = report.overgeslagen.filter(pl.col("groep") == "Z").row(0, named=True)
    assert skipped["attribuut"] == "herkomst_groep"
    assert 0 < skipped["n_groep"] < 50
    assert "fewer than 50" in skipped["reden"]
    # Screened: A, B, both sexes and three age groups.
    screened = set(zip(report.tabel["attribuut"], report.tabel["groep"], strict=True))
    assert screened == {
        ("herkomst_groep", "A"),
        ("herkomst_groep", "B"),
        ("geslacht", "man"),
        ("geslacht", "vrouw"),
        ("leeftijdsgroep", "0-17"),
        ("leeftijdsgroep", "18-64"),
        ("leeftijdsgroep", "65+"),
    }
    # With a lower minimum the rare group is screened.
    low = proxy_screen(features, groups, [_spec("proxy")], min_objects=5)
    assert low.tabel.filter(pl.col("groep") == "Z").height == 1


def test_auc_agrees_with_sklearn_with_ties_and_missing_values(
    population: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    features, groups = population
    rng = np.random.default_rng(5)
    x = np.round(features["proxy"].to_numpy(), 1)  # many ties
    x[rng.random(x.size) < 0.2] = np.nan
    f = features.with_columns(pl.Series("proxy", x).fill_nan(None))
    report = proxy_screen(f, groups, [_spec("proxy")], maatstaf="objecten")
    filled = np.where(np.isnan(x), np.nanmedian(x), x)
    col = indicator_column("herkomst_groep", "A")
    y = groups[col].to_numpy()
    expected = roc_auc_score(y, filled)
    got = report.tabel.filter(pl.col("groep") == "A", pl.col("kenmerk") == "proxy")["auc"].item()
    assert got == pytest.approx(max(expected, 1 - expected), abs=1e-12)
    # The person figure: each object weighted by its residents in and out of the group.
    share = groups[share_column("geslacht", "vrouw")].to_numpy()
    known = groups[known_column("geslacht")].to_numpy()
    w1, w0 = np.rint(share * known), known - np.rint(share * known)
    expected_p = roc_auc_score(
        np.r_[np.ones(x.size), np.zeros(x.size)], np.r_[filled, filled], sample_weight=np.r_[w1, w0]
    )
    got_p = report.tabel.filter(pl.col("groep") == "vrouw", pl.col("kenmerk") == "proxy")[
        "auc_personen"
    ].item()
    assert got_p == pytest.approx(max(expected_p, 1 - expected_p), abs=1e-12)


def test_household_size_predicts_at_least_one_man_but_not_being_a_man(
    population: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Why there are two figures: 'at least one resident' grows with the household."""
    features, groups = population
    report = proxy_screen(features, groups, [_spec("huishouden")], maatstaf="objecten")
    man = report.tabel.filter(pl.col("groep") == "man").row(0, named=True)
    assert man["auc"] > DEFAULT_THRESHOLD  # over objects: larger households more often hold a man
    assert man["auc_personen"] < 0.56  # over persons: men live in households like women do
    assert report.violations
    by_person = proxy_screen(features, groups, [_spec("huishouden")], maatstaf="personen")
    by_person.check()
    assert by_person.maatstaf == "personen"


def test_screen_refuses_a_feature_missing_from_the_table(
    population: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    features, groups = population
    with pytest.raises(VastgoedError, match="nergens"):
        proxy_screen(features, groups, [_spec("nergens")])
    with pytest.raises(ValueError, match="threshold"):
        proxy_screen(features, groups, [_spec("ruis")], threshold=0.3)


# --- the real catalogue on the small synthetic municipality ---------------------------------------


@pytest.fixture(scope="module")
def real_screen(
    small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> ProxyReport:
    """The whole batch (tracking off, a small model), then the screen on its features.parquet."""
    data, _ = small_municipality
    config = Config.model_validate(
        {
            "tracking": {"enabled": False},
            "linkage": {"persons": {"max_pairs_u": 200_000}},  # u from fewer pairs: seconds faster
            "model": {"num_boost_round": 20, "num_threads": 1, "explain_top": 50},
            "output": {"top_n": 50},
        }
    )
    run = run_batch(data, tmp_path_factory.mktemp("proxy_run"), config)
    feats = pl.read_parquet(run.run_dir / "features.parquet")
    res = ingest(data)
    links = pl.read_parquet(run.run_dir / "links" / "adressen.parquet").select("record", "verblijfsobject_id")
    brp = (
        res.tables["brp_inschrijvingen"]
        .with_columns(pl.format("brp_inschrijvingen:{}", pl.col("rij")).alias("record"))
        .join(links, on="record", how="inner")
    )
    groups = object_groups(brp, res.tables["audit_kenmerken"], res.manifest.peildatum)
    report = proxy_screen(feats, groups, catalogue())
    print()
    print(report.summary(top=15))
    return report


def test_real_catalogue_is_screened_against_every_group(real_screen: ProxyReport) -> None:
    tabel = real_screen.tabel
    names = [s.name for s in catalogue()]
    n_groups = tabel.select(pl.struct("attribuut", "groep").n_unique()).item()
    assert set(tabel["attribuut"]) == {"leeftijdsgroep", "geslacht", "herkomst_groep"}
    assert n_groups >= 8
    counts = tabel.group_by("kenmerk").len()
    # every feature, and for features with missing values also "<feature> ontbreekt"
    assert set(counts["kenmerk"].str.strip_suffix(" ontbreekt")) == set(names)
    assert (counts["len"] == n_groups).all()
    assert tabel["auc"].is_between(0.5, 1.0).all()
    assert tabel["auc_personen"].is_between(0.5, 1.0).all()


def test_real_catalogue_has_no_unjustified_proxy(real_screen: ProxyReport) -> None:
    real_screen.check()


_VBO = "verblijfsobject_id"


def test_a_feature_missing_for_one_group_is_a_proxy_through_its_missingness(
    population: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Null exactly where group A lives, noise elsewhere: the median fill hides it, the model would not."""
    features, groups = population
    a = groups.select(_VBO, pl.col(indicator_column("herkomst_groep", "A")).alias("_a"))
    f = features.join(a, on=_VBO, how="left").with_columns(
        pl.when(pl.col("_a").fill_null(False)).then(None).otherwise(pl.col("ruis")).alias("gat")
    )
    report = proxy_screen(f, groups, [_spec("gat")], maatstaf="objecten")
    flagged = report.tabel.filter(pl.col("boven_drempel"))
    assert "gat ontbreekt" in set(flagged["kenmerk"])
    with pytest.raises(ProxyScreenError, match="gat ontbreekt"):
        report.check()
