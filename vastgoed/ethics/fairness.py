"""The fairness audit of a run: the ranking per buurt and audit group, and where the labels came from.

Two questions, answered per run in ``RUN/ethics/fairness.json`` and ``fairness.html``:

**Does the ranking treat buurten and groups alike?** (:func:`fairness_audit`, ``model``). The
figures of fairlearn's :class:`~fairlearn.metrics.MetricFrame` (computed per group directly, see
:func:`_metric_frame_rows`), per buurt and per audit group:

- *selection rate*: the share of the group's ranked addresses in the working group's list (the top
  ``capacity``), over every ranked address;
- *false-positive rate* and *false-discovery rate* on the addresses whose outcome is known (their
  latest investigation): "selected" means a score at or above the score of the list's last place;
- *calibration*: the mean predicted probability against the observed share confirmed, on the same
  investigated addresses (the probability means exactly that: see the model card).

Every figure has a bootstrap confidence interval and a disparity ratio to
the overall figure (calibration: a difference). A group is *flagged* only when its whole interval
lies beyond the configured bound, in the direction that burdens the group (selected more, wrongly
selected more, over-predicted), so that noise in a small buurt does not raise a flag while a clear
disparity always does; a rate over fewer than ``min_groepsgrootte`` cases (addresses, negatives or
selected addresses, whichever it is a share of) is reported, never flagged.
The overall figure is taken as fixed: it rests on many more rows than any group.

**Where did the labels come from?** (``labels``). Past investigations chose addresses, and a model
trained on them learns those choices. Per buurt and per group: its share of the investigations
against its share of the addresses (the raw ratio), and against the share *expected from the
signals* (the adjusted ratio): a boosted model of "was investigated" on the engine's own features
(never on buurt or group) gives every address its expected investigations, so a buurt full of
hennep signals is not over-represented merely for being investigated often. The adjusted ratio is
flagged only when both hold with confidence over the whole family of buurten and groups (bootstrap
over investigations, Bonferroni): the raw ratio above ``oververtegenwoordiging_grens`` and the
adjusted ratio above 1. Under-representation is reported, not flagged. The record also
gives label prevalence against the estimated population rate, and how many visits found nothing.

**Groups.** The audit attributes belong to persons, the unit is the verblijfsobject. For the
selection and label figures a group counts with its share of the residents (an address with two
residents, one of each group, counts half for each); for the error and calibration figures, which
need one group per address, an address belongs to the group of the majority of its residents
(more than half), else to ``gemengd``. Addresses with nobody registered have no group and are left
out of the group figures (not of the buurt figures). ``audit_kenmerken`` is read only here and in
the proxy screen, and only in these aggregates; no per-address group is written anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from vastgoed.ethics.proxy import AUDIT_ATTRIBUTES, share_column

__all__ = [
    "FairnessReport",
    "FairnessSettings",
    "Flag",
    "fairness_audit",
    "fairness_html",
]

_VBO = "verblijfsobject_id"
_MIXED = "gemengd"
_SHARE = share_column("", "")[1:]  # the suffix of a share column: "herkomst_groep=X" + _SHARE


@dataclass(frozen=True)
class FairnessSettings:
    """Bounds and sizes of the audit (``[fairness]`` in ``configs/ethics.toml``)."""

    selectie_ratio_grenzen: tuple[float, float] = (0.8, 1.25)
    oververtegenwoordiging_grens: float = 1.25
    kalibratie_verschil_grens: float = 0.1
    min_groepsgrootte: int = 30
    bootstrap: int = 500
    populatie_aandeel_schatting: float = 0.005
    seed: int = 42


@dataclass(frozen=True)
class Flag:
    """A figure beyond its bound. ``id`` is what a reviewer names to accept it."""

    id: str
    soort: str  # "labels" | "model"
    dimensie: str  # "buurt" or an audit attribute
    groep: str
    maat: str
    waarde: float
    ci_laag: float
    ci_hoog: float
    grens: str
    uitleg: str


@dataclass
class FairnessReport:
    """The audit's tables and flags; :meth:`to_dict` is ``fairness.json``."""

    model: pl.DataFrame
    labels: pl.DataFrame
    label_record: dict[str, Any]
    flags: list[Flag]
    settings: FairnessSettings
    capacity: int
    groups_available: bool
    proxy: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def flag_ids(self) -> list[str]:
        """The ids of every flag, in order."""
        return [f.id for f in self.flags]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (NaN becomes null)."""
        out: dict[str, Any] = _clean(
            {
                "capaciteit": self.capacity,
                "instellingen": dataclasses.asdict(self.settings),
                "groepen_beschikbaar": self.groups_available,
                "vlaggen": [dataclasses.asdict(f) for f in self.flags],
                "model": self.model.to_dicts(),
                "labels": self.labels.to_dicts(),
                "herkomst_labels": self.label_record,
                "proxy_screen": self.proxy,
                "opmerkingen": self.notes,
            }
        )
        return out

    def summary(self) -> dict[str, Any]:
        """Flags and headline figures, for run.json, the model card and the register entry."""
        out: dict[str, Any] = _clean(
            {
                "vlaggen": [
                    {"id": f.id, "maat": f.maat, "waarde": f.waarde, "grens": f.grens} for f in self.flags
                ],
                "n_vlaggen": len(self.flags),
                "herkomst_labels": {
                    k: v
                    for k, v in self.label_record.items()
                    if k
                    in (
                        "onderzoeken",
                        "bevestigd",
                        "niets_gevonden",
                        "aandeel_niets_gevonden",
                        "label_prevalentie",
                        "populatie_aandeel_schatting",
                    )
                },
                "groepen_beschikbaar": self.groups_available,
            }
        )
        return out

    def to_json(self) -> str:
        """``fairness.json``: indented, key-sorted."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


# --- model figures (fairlearn) ------------------------------------------------------------------


# Each metric works on 2-D arrays (bootstrap replicates × rows) and gives one value per replicate,
# so the same function serves fairlearn (one replicate) and the vectorised bootstrap.
def _rate(num: npt.NDArray[Any], den: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        out: npt.NDArray[np.float64] = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    return out


def _selection_2d(t: npt.NDArray[Any], p: npt.NDArray[Any], s: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = p.mean(axis=-1)
    return out


def _fpr_2d(t: npt.NDArray[Any], p: npt.NDArray[Any], s: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    return _rate((p & ~t).sum(axis=-1), (~t).sum(axis=-1))


def _fdr_2d(t: npt.NDArray[Any], p: npt.NDArray[Any], s: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    return _rate((p & ~t).sum(axis=-1), p.sum(axis=-1))


def _calibration_2d(t: npt.NDArray[Any], p: npt.NDArray[Any], s: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = s.mean(axis=-1) - t.mean(axis=-1)
    return out


#: What each rate is a share of: a flag needs ``min_groepsgrootte`` of these, not merely of rows
#: (a false-discovery rate over two selected addresses is 0, 0.5 or 1, never evidence).
_DENOMINATORS: dict[str, Any] = {
    "selectie": lambda t, p: len(t),
    "fout_positief": lambda t, p: int((~t).sum()),
    "fout_ontdekking": lambda t, p: int(p.sum()),
    "kalibratie_verschil": lambda t, p: len(t),
}

_METRICS = {
    "selectie": _selection_2d,
    "fout_positief": _fpr_2d,
    "fout_ontdekking": _fdr_2d,
    "kalibratie_verschil": _calibration_2d,
}


#: Rows × replicates drawn at once by the row bootstrap (bounds its memory at any scale).
_BOOTSTRAP_BLOCK = 4_000_000


def _bootstrap(
    name: str, t: npt.NDArray[Any], p: npt.NDArray[Any], s: npt.NDArray[Any], rng: np.random.Generator, b: int
) -> npt.NDArray[np.float64]:
    """``b`` bootstrap replicates of a metric over one group's rows (resampled with replacement).

    The rates are functions of the four counts of (label, selected): resampling ``n`` rows with
    replacement draws those counts from a multinomial with the observed shares, so they are drawn so,
    exactly and in O(b), whatever the group's size (a national group has millions of rows). The
    calibration difference needs the scores: rows are resampled, in blocks of replicates so that
    memory stays bounded.
    """
    n = len(t)
    if n == 0:
        return np.full(b, np.nan)
    if name == "selectie":
        out: npt.NDArray[np.float64] = rng.binomial(n, p.mean(), size=b) / n
        return out
    if name in ("fout_positief", "fout_ontdekking"):
        fp, tn, tp = int((p & ~t).sum()), int((~p & ~t).sum()), int((p & t).sum())
        shares = np.array([fp, tn, tp, n - fp - tn - tp], dtype=np.float64) / n
        c = rng.multinomial(n, shares, size=b)
        return (
            _rate(c[:, 0], c[:, 0] + c[:, 1])
            if name == "fout_positief"
            else _rate(c[:, 0], c[:, 0] + c[:, 2])
        )
    fn = _METRICS[name]
    per_block = max(1, _BOOTSTRAP_BLOCK // n)
    parts = []
    for start in range(0, b, per_block):
        draws = rng.integers(0, n, size=(min(per_block, b - start), n))
        parts.append(fn(t[draws], p[draws], s[draws]))
    return np.concatenate(parts)


def _members(groups: npt.NDArray[Any]) -> dict[Any, npt.NDArray[np.int64]]:
    """Each group's row positions, ascending (``np.flatnonzero(groups == g)`` for every ``g`` at once).

    One grouping instead of one pass over all rows per group: a country has ten thousand buurten
    and ten million rows.
    """
    by = pl.DataFrame({"g": pl.Series(groups, dtype=pl.String)}).with_row_index("i").group_by("g").agg("i")
    return {
        g: np.asarray(i, dtype=np.int64) for g, i in zip(by["g"].to_list(), by["i"].to_list(), strict=True)
    }


def _metric_frame_rows(
    dimensie: str,
    names: list[str],
    y_true: npt.NDArray[Any],
    y_pred: npt.NDArray[Any],
    score: npt.NDArray[Any],
    groups: npt.NDArray[Any],
    settings: FairnessSettings,
) -> list[dict[str, Any]]:
    """One row per group and metric: value, bootstrap interval, ratio (or difference) to overall.

    Point values are those of fairlearn's MetricFrame (overall and by group, groups in sorted
    order; tested equal), computed with the same metric functions on each group's rows directly:
    MetricFrame's pandas group-by took minutes for the country's thousands of buurten. The
    intervals come from a bootstrap within each group (``settings.bootstrap`` replicates, see
    :func:`_bootstrap`), because fairlearn's own bootstrap recomputes the whole frame per
    replicate and took minutes on 70k addresses.
    """
    if len(y_true) == 0:
        return []
    t, p, s = y_true.astype(bool), y_pred.astype(bool), score.astype(np.float64)

    def value(name: str, idx: npt.NDArray[np.int64] | slice) -> float:
        return float(_METRICS[name](t[idx][None, :], p[idx][None, :], s[idx][None, :])[0])

    overalls = {name: value(name, slice(None)) for name in names}
    rng = np.random.default_rng(settings.seed)
    members = _members(groups)
    rows = []
    if None in members:
        raise ValueError(f"{dimensie}: groups contain missing values")  # as MetricFrame refused them
    for g in sorted(members):
        idx = members[g]
        for name in names:
            overall = overalls[name]
            v = value(name, idx)
            reps = _bootstrap(name, t[idx], p[idx], s[idx], rng, settings.bootstrap)
            reps = reps[~np.isnan(reps)]
            a, b = (
                (float(q) for q in np.quantile(reps, [0.025, 0.975])) if len(reps) else (math.nan, math.nan)
            )
            diff = name == "kalibratie_verschil"

            def rel(x: float, overall: float = overall, diff: bool = diff) -> float:
                if diff:
                    return x - overall
                return x / overall if overall else math.nan

            rows.append(
                {
                    "dimensie": dimensie,
                    "groep": str(g),
                    "n": len(idx),
                    "noemer": _DENOMINATORS[name](t[idx], p[idx]),
                    "maat": name,
                    "waarde": v,
                    "ci_laag": a,
                    "ci_hoog": b,
                    "totaal": overall,
                    "verhouding": rel(v),
                    "verhouding_ci_laag": rel(a),
                    "verhouding_ci_hoog": rel(b),
                }
            )
    return rows


def _model_flags(rows: pl.DataFrame, settings: FairnessSettings) -> list[Flag]:
    """Flags in the direction that burdens a group: selected, wrongly selected or over-predicted more.

    Lower figures are reported, not flagged: a buurt with fewer signals is less scrutinised, and a
    bootstrap of a zero count has a degenerate interval that would flag noise.
    """
    hi_b = settings.selectie_ratio_grenzen[1]
    cal = settings.kalibratie_verschil_grens
    flags = []
    for r in rows.iter_rows(named=True):
        a, b = r["verhouding_ci_laag"], r["verhouding_ci_hoog"]
        if (
            r["noemer"] < settings.min_groepsgrootte
            or a is None
            or b is None
            or math.isnan(a)
            or math.isnan(b)
        ):
            continue
        if r["maat"] == "kalibratie_verschil":
            beyond, grens = a > cal, f"verschil ≤ {cal}"
            why = "the model over-predicts for this group by more than the bound, with confidence"
        else:
            beyond, grens = a > hi_b, f"verhouding ≤ {hi_b}"
            why = f"the group's {r['maat']} rate exceeds the overall rate beyond the bound, with confidence"
        if beyond:
            flags.append(
                Flag(
                    id=f"model:{r['dimensie']}:{r['groep']}:{r['maat']}",
                    soort="model",
                    dimensie=r["dimensie"],
                    groep=r["groep"],
                    maat=r["maat"],
                    waarde=float(r["verhouding"]),
                    ci_laag=float(a),
                    ci_hoog=float(b),
                    grens=grens,
                    uitleg=why,
                )
            )
    return flags


# --- where the labels came from -----------------------------------------------------------------


#: Uninvestigated objects the model of "was investigated" is fitted on, at most (and rows per
#: prediction block): a Maastricht-sized municipality stays below it and is fitted on every object.
_FIT_NEGATIVES = 250_000
_PREDICT_BLOCK = 500_000


def _expected_investigations(
    features: pl.DataFrame, investigated: npt.NDArray[np.float64], seed: int
) -> npt.NDArray[np.float64]:
    """Per object, the investigations expected from its signals alone (sums to the observed total).

    A gradient-boosted model of "was investigated" on the features: flexible enough that a buurt
    whose addresses simply show more (or stronger) signals is not over-represented by a linear
    model's misfit, and blind to buurt and group, which it never sees.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    y = investigated > 0
    # Fitted on every investigated object and at most _FIT_NEGATIVES others, weighted back to
    # their number (case-control sampling: the probabilities keep their scale); a region or the
    # country has millions of objects and the fit would otherwise dominate the audit.
    fit = np.arange(len(y))
    weight = None
    neg = np.flatnonzero(~y)
    if len(neg) > _FIT_NEGATIVES:
        keep = np.sort(np.random.default_rng(seed).choice(neg, _FIT_NEGATIVES, replace=False))
        fit = np.sort(np.concatenate([np.flatnonzero(y), keep]))
        weight = np.where(y[fit], 1.0, len(neg) / _FIT_NEGATIVES)
    informative = _informative_columns(features[fit])
    if y.all() or not y.any() or not informative:
        p = np.full(len(y), 1.0)
    else:
        model = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
        X = features.select(informative)  # no copy: converted a block of rows at a time

        def matrix(rows: pl.DataFrame) -> npt.NDArray[np.float64]:
            return rows.fill_nan(None).to_numpy().astype(np.float64)

        model.fit(matrix(X[fit]), y[fit], sample_weight=weight)
        p = np.concatenate(
            [
                model.predict_proba(matrix(X[a : a + _PREDICT_BLOCK]))[:, 1]
                for a in range(0, X.height, _PREDICT_BLOCK)
            ]
        )
    out: npt.NDArray[np.float64] = p * investigated.sum() / p.sum() if len(p) else p
    return out


def _informative_columns(features: pl.DataFrame) -> list[str]:
    """The numeric feature columns with at least one value among ``features``' rows.

    A column of nulls (a cut-down extract's) has no bins: the boosted model's binning refused it
    with ``window shape cannot be larger than input array shape``.
    """
    numeric = [c for c, t in features.schema.items() if c != _VBO and (t.is_numeric() or t == pl.Boolean)]
    if not numeric or features.height == 0:
        return []
    counts = features.select(pl.col(c).cast(pl.Float64).fill_nan(None).count() for c in numeric).row(0)
    return [c for c, n in zip(numeric, counts, strict=True) if n > 0]


def _representation(
    dimensie: str,
    weights: dict[str, npt.NDArray[np.float64]],
    counts: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
    inv_object: npt.NDArray[np.int64],
    settings: FairnessSettings,
) -> list[dict[str, Any]]:
    """Per group: share of investigations vs. share of addresses, and observed vs. expected, with CIs.

    ``weights[g]`` is each object's membership of group ``g`` (the residents' share for an audit
    group); ``inv_object`` lists the object of every investigation. The bootstrap resamples
    investigations; the addresses and the expectation stay fixed. (A partition into many groups,
    such as buurten, goes through :func:`_representation_of_codes`.)
    """
    boot = _investigation_bootstrap(len(inv_object), settings)
    total_w: npt.NDArray[np.float64] = np.zeros(len(counts))
    for w in weights.values():
        total_w = total_w + w
    n_inv = len(inv_object)
    total_b = total_w[inv_object][boot].sum(axis=1) if n_inv else np.zeros(0)
    stats = (
        (
            g,
            float(w.sum()),
            float((w * counts).sum()),
            float((w * expected).sum()),
            w[inv_object][boot].sum(axis=1) if n_inv else np.zeros(0),
        )
        for g, w in weights.items()
    )
    return _representation_rows(
        dimensie, stats, float(np.sum(total_w)), float((total_w * counts).sum()), total_b, n_inv, settings
    )


def _representation_of_codes(
    dimensie: str,
    codes: npt.NDArray[np.int64],
    names: list[str],
    counts: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
    inv_object: npt.NDArray[np.int64],
    settings: FairnessSettings,
) -> list[dict[str, Any]]:
    """:func:`_representation` for a partition: every object in exactly one group, ``names[codes[i]]``.

    The same figures as 0/1 weights would give, from counts per group (``bincount``), so that a
    country's ten thousand buurten never become ten thousand arrays as long as the country.
    """
    n_groups = len(names)
    n_inv = len(inv_object)
    boot = _investigation_bootstrap(n_inv, settings)
    members = np.bincount(codes, minlength=n_groups).astype(np.float64)
    observed = np.bincount(codes, weights=counts, minlength=n_groups)
    exp = np.bincount(codes, weights=expected, minlength=n_groups)
    inv_codes = codes[inv_object]
    # resampled investigations per group and replicate (replicates × groups)
    obs_b = (
        np.stack([np.bincount(inv_codes[row], minlength=n_groups) for row in boot]).astype(np.float64)
        if n_inv
        else np.zeros((0, n_groups))
    )
    total_b = np.full(len(boot), float(n_inv)) if n_inv else np.zeros(0)
    stats = (
        (
            names[g],
            float(members[g]),
            float(observed[g]),
            float(exp[g]),
            obs_b[:, g] if n_inv else np.zeros(0),
        )
        for g in range(n_groups)
    )
    return _representation_rows(
        dimensie, stats, float(members.sum()), float(observed.sum()), total_b, n_inv, settings
    )


def _investigation_bootstrap(n_inv: int, settings: FairnessSettings) -> npt.NDArray[np.int64]:
    """Replicates × investigations: which investigation each resampled one is."""
    rng = np.random.default_rng(settings.seed)
    return rng.integers(0, n_inv, size=(settings.bootstrap, n_inv)) if n_inv else np.zeros((0, 0), np.int64)


def _representation_rows(
    dimensie: str,
    stats: Iterable[tuple[str, float, float, float, npt.NDArray[np.float64]]],
    all_members: float,
    inv_total: float,
    total_b: npt.NDArray[np.float64],
    n_inv: int,
    settings: FairnessSettings,
) -> list[dict[str, Any]]:
    """The rows of :func:`_representation`.

    From each group's members, observed and expected investigations and resampled observed
    investigations.
    """
    rows = []
    for g, members, obs, exp, obs_b in stats:
        if members == 0:
            continue
        addr_share = members / all_members
        inv_share = obs / inv_total if inv_total else math.nan
        raw_lo = raw_hi = r_lo = r_hi = z_raw = z_adj = math.nan
        if n_inv:
            with np.errstate(invalid="ignore", divide="ignore"):
                raw_b = obs_b / total_b / addr_share
            raw_lo, raw_hi = (float(q) for q in np.nanquantile(raw_b, [0.025, 0.975]))
            # z-scores on the log scale from the bootstrap's spread (+0.5: a zero count has a log)
            sd = float(np.std(np.log(obs_b + 0.5)))
            if sd > 0 and obs > 0:
                bound = settings.oververtegenwoordiging_grens
                z_raw = (math.log(inv_share / addr_share) - math.log(bound)) / sd
                if exp > 0:
                    z_adj = math.log(obs / exp) / sd
            if exp > 0:
                r_lo, r_hi = (float(q) / exp for q in np.quantile(obs_b, [0.025, 0.975]))
        rows.append(
            {
                "dimensie": dimensie,
                "groep": g,
                "adressen": members,
                "onderzocht": obs,
                "aandeel_adressen": addr_share,
                "aandeel_onderzoeken": inv_share,
                "ruwe_verhouding": inv_share / addr_share if addr_share else math.nan,
                "ruwe_verhouding_ci_laag": raw_lo,
                "ruwe_verhouding_ci_hoog": raw_hi,
                "verwacht_uit_signalen": exp,
                "verhouding": obs / exp if exp else math.nan,
                "verhouding_ci_laag": r_lo,
                "verhouding_ci_hoog": r_hi,
                "z_ruw": z_raw,
                "z_signalen": z_adj,
            }
        )
    return rows


def _label_flags(rows: pl.DataFrame, settings: FairnessSettings) -> list[Flag]:
    """Over-represented beyond the bound against the addresses, *and* more than the signals explain.

    The first alone would flag a buurt that is investigated often because its addresses show more
    signals; the second alone depends on how well the features explain the past choices (features
    that stand in for a place explain part of a buurt's over-selection away). Both must hold, and
    with confidence across the whole family of buurten and groups tested: each z-score (log scale,
    spread from the bootstrap) must exceed the one-sided Bonferroni critical value for 5% over all
    rows, so that among 40 buurten one does not come up by chance.
    """
    from statistics import NormalDist

    bound = settings.oververtegenwoordiging_grens
    z_crit = NormalDist().inv_cdf(1 - 0.05 / max(rows.height, 1))
    flags = []
    for r in rows.iter_rows(named=True):
        z_raw, z_adj = r["z_ruw"], r["z_signalen"]
        if any(v is None or math.isnan(v) for v in (z_raw, z_adj)) or z_raw <= z_crit or z_adj <= z_crit:
            continue
        flags.append(
            Flag(
                id=f"labels:{r['dimensie']}:{r['groep']}",
                soort="labels",
                dimensie=r["dimensie"],
                groep=r["groep"],
                maat="oververtegenwoordiging",
                waarde=float(r["ruwe_verhouding"]),
                ci_laag=float(r["ruwe_verhouding_ci_laag"]),
                ci_hoog=float(r["ruwe_verhouding_ci_hoog"]),
                grens=f"ruwe verhouding ≤ {bound} of verhouding t.o.v. signalen ≤ 1 (z ≤ {z_crit:.2f})",
                uitleg=(
                    f"{r['aandeel_onderzoeken']:.1%} of the investigated addresses for "
                    f"{r['aandeel_adressen']:.1%} of the addresses, and {r['onderzocht']:.0f} investigated "
                    f"where its signals lead one to expect {r['verwacht_uit_signalen']:.0f}: the labels "
                    "over-represent this "
                    f"{'buurt' if r['dimensie'] == 'buurt' else 'group'}"
                ),
            )
        )
    return flags


# --- the audit ----------------------------------------------------------------------------------


def _majority(groups: pl.DataFrame, attr: str) -> pl.DataFrame:
    cols = [c for c in groups.columns if c.startswith(f"{attr}=") and c.endswith(_SHARE)]
    names = [c[len(attr) + 1 : -len(_SHARE)] for c in cols]
    shares = groups.select(_VBO, *cols).drop_nulls()
    arr = shares.select(cols).to_numpy()
    if arr.size == 0:
        return pl.DataFrame(schema={_VBO: pl.String, "groep": pl.String})
    maj = np.where(arr.max(axis=1) > 0.5, np.asarray(names, dtype=object)[arr.argmax(axis=1)], _MIXED)
    return pl.DataFrame({_VBO: shares[_VBO], "groep": maj.astype(str)})


def _shares(groups: pl.DataFrame, attr: str, ids: pl.DataFrame) -> dict[str, npt.NDArray[np.float64]]:
    """Per group of ``attr``, each object's share of residents in it (0 for uninhabited objects)."""
    cols = [c for c in groups.columns if c.startswith(f"{attr}=") and c.endswith(_SHARE)]
    aligned = ids.join(groups.select(_VBO, *cols), on=_VBO, how="left").fill_null(0.0)
    return {c[len(attr) + 1 : -len(_SHARE)]: aligned[c].to_numpy().astype(np.float64) for c in cols}


def fairness_audit(
    *,
    objects: pl.DataFrame,
    features: pl.DataFrame,
    signals: pl.DataFrame,
    outcomes: pl.DataFrame,
    groups: pl.DataFrame | None,
    capacity: int,
    settings: FairnessSettings,
    proxy: dict[str, Any] | None = None,
) -> FairnessReport:
    """Audit one run's ranking and labels per buurt and per audit group.

    Args:
        objects: ``verblijfsobject_id, buurtcode`` of every object.
        features: The run's features (for the labels' expected investigations).
        signals: ``verblijfsobject_id, score, rank`` of every scored object (rank null: ranked apart).
        outcomes: ``onderzoeksuitkomsten`` (``verblijfsobject_id, datum_onderzoek, uitkomst``).
        groups: :func:`vastgoed.ethics.object_groups` of the run, or None without ``audit_kenmerken``.
        capacity: The list's length.
        settings: Bounds and bootstrap size.
        proxy: The proxy screen's summary, carried into the report.
    """
    notes: list[str] = []
    base = objects.select(_VBO, "buurtcode").join(signals.select(_VBO, "score", "rank"), on=_VBO, how="left")
    ranked = base.filter(pl.col("rank").is_not_null())
    ranked = ranked.with_columns((pl.col("rank") <= capacity).alias("_sel"))
    cut = ranked.filter(pl.col("_sel"))["score"].min() if ranked.height else None
    threshold = float(cut) if isinstance(cut, int | float) else math.inf
    latest = (
        outcomes.sort("datum_onderzoek")
        .unique(_VBO, keep="last", maintain_order=True)
        .select(_VBO, (pl.col("uitkomst") == "bevestigd").alias("_y"))
    )
    known = base.join(latest, on=_VBO, how="inner").with_columns(
        (pl.col("score").fill_null(0.0) >= threshold).alias("_sel")
    )

    dims: list[tuple[str, pl.DataFrame]] = [("buurt", base.select(_VBO, pl.col("buurtcode").alias("groep")))]
    shares: dict[str, dict[str, npt.NDArray[np.float64]]] = {}  # attribute → group → share per feature row
    ids = features.select(_VBO)
    if groups is None:
        notes.append("audit_kenmerken absent: only the buurt figures were computed")
    else:
        for a in AUDIT_ATTRIBUTES:
            if any(c.startswith(f"{a}=") for c in groups.columns):
                dims.append((a, _majority(groups, a)))
                shares[a] = _shares(groups, a, ids)

    rows: list[dict[str, Any]] = []
    for dim, membership in dims:
        r = ranked.join(membership, on=_VBO, how="inner")
        sel = r["_sel"].to_numpy()
        rows += _metric_frame_rows(
            dim, ["selectie"], sel, sel, r["score"].to_numpy(), r["groep"].to_numpy(), settings
        )
        k = known.join(membership, on=_VBO, how="inner")
        rows += _metric_frame_rows(
            dim,
            ["fout_positief", "fout_ontdekking", "kalibratie_verschil"],
            k["_y"].to_numpy(),
            k["_sel"].to_numpy(),
            k["score"].fill_null(0.0).to_numpy(),
            k["groep"].to_numpy(),
            settings,
        )
    model = (
        pl.DataFrame(rows, schema=_MODEL_SCHEMA, orient="row") if rows else pl.DataFrame(schema=_MODEL_SCHEMA)
    )

    # where the labels came from
    # Counted per investigated address (an address visited twice is one address chosen), which is
    # also what the model of "was investigated" predicts.
    counts_df = ids.join(
        outcomes.select(_VBO).unique().with_columns(pl.lit(1).alias("n")), on=_VBO, how="left"
    )
    counts = counts_df["n"].fill_null(0).to_numpy().astype(np.float64)
    expected = _expected_investigations(features, counts, settings.seed)
    inv_object = np.flatnonzero(counts > 0).astype(np.int64)
    buurt = ids.join(objects.select(_VBO, "buurtcode"), on=_VBO, how="left")["buurtcode"].fill_null(
        "onbekend"
    )
    names = sorted(set(buurt.to_list()))
    codes = np.asarray(
        buurt.replace_strict(names, list(range(len(names))), return_dtype=pl.Int64).to_numpy(), dtype=np.int64
    )
    label_rows = _representation_of_codes("buurt", codes, names, counts, expected, inv_object, settings)
    for a, weights in shares.items():
        label_rows += _representation(a, weights, counts, expected, inv_object, settings)
    labels = (
        pl.DataFrame(label_rows, schema=_LABEL_SCHEMA, orient="row")
        if label_rows
        else pl.DataFrame(schema=_LABEL_SCHEMA)
    )
    n_inv = outcomes.height
    notes += _few_observations(ranked.height, known.height, int(inv_object.size), settings)
    n_conf = int((outcomes["uitkomst"] == "bevestigd").sum()) if n_inv else 0
    record = {
        "onderzoeken": n_inv,
        "onderzochte_adressen": int(outcomes[_VBO].n_unique()) if n_inv else 0,
        "bevestigd": n_conf,
        "niets_gevonden": n_inv - n_conf,
        "aandeel_niets_gevonden": (n_inv - n_conf) / n_inv if n_inv else None,
        "label_prevalentie": n_conf / n_inv if n_inv else None,
        "populatie_aandeel_schatting": settings.populatie_aandeel_schatting,
        "prevalentie_t_o_v_populatie": (n_conf / n_inv) / settings.populatie_aandeel_schatting
        if n_inv and settings.populatie_aandeel_schatting
        else None,
        "per_fenomeen": outcomes.group_by("fenomeen")
        .agg(pl.len().alias("onderzoeken"), (pl.col("uitkomst") == "bevestigd").sum().alias("bevestigd"))
        .sort("fenomeen")
        .to_dicts()
        if n_inv and "fenomeen" in outcomes.columns
        else [],
        "verwachting": "gradient-boosted model of 'investigated' on the run's features (no buurt, no group)",
    }
    flags = _label_flags(labels, settings) + _model_flags(model, settings)
    return FairnessReport(
        model=model,
        labels=labels,
        label_record=record,
        flags=flags,
        settings=settings,
        capacity=capacity,
        groups_available=groups is not None,
        proxy=proxy,
        notes=notes,
    )


def _few_observations(ranked: int, known: int, investigated: int, settings: FairnessSettings) -> list[str]:
    """Notes for figures that rest on too few cases to judge (Dutch first: users read them)."""
    m = settings.min_groepsgrootte
    checks = (
        (ranked, "gerangschikte adressen", "de selectiecijfers"),
        (known, "adressen met een bekende uitkomst", "de fout- en kalibratiecijfers"),
        (investigated, "onderzochte adressen", "de herkomst van de labels"),
    )
    return [
        f"te weinig waarnemingen: {n} {what} (minder dan min_groepsgrootte {m}); {figures} zijn niet te "
        "beoordelen en er wordt niets gevlagd. Lever een volledig extract voor een bruikbare audit."
        for n, what, figures in checks
        if n < m
    ]


_MODEL_SCHEMA = {
    "dimensie": pl.String,
    "groep": pl.String,
    "n": pl.Int64,
    "noemer": pl.Int64,
    "maat": pl.String,
    "waarde": pl.Float64,
    "ci_laag": pl.Float64,
    "ci_hoog": pl.Float64,
    "totaal": pl.Float64,
    "verhouding": pl.Float64,
    "verhouding_ci_laag": pl.Float64,
    "verhouding_ci_hoog": pl.Float64,
}
_LABEL_SCHEMA = {
    "dimensie": pl.String,
    "groep": pl.String,
    "adressen": pl.Float64,
    "onderzocht": pl.Float64,
    "aandeel_adressen": pl.Float64,
    "aandeel_onderzoeken": pl.Float64,
    "ruwe_verhouding": pl.Float64,
    "ruwe_verhouding_ci_laag": pl.Float64,
    "ruwe_verhouding_ci_hoog": pl.Float64,
    "verwacht_uit_signalen": pl.Float64,
    "verhouding": pl.Float64,
    "verhouding_ci_laag": pl.Float64,
    "verhouding_ci_hoog": pl.Float64,
    "z_ruw": pl.Float64,
    "z_signalen": pl.Float64,
}


# --- the page -----------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1b1b1b}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child,td.t{text-align:left}
tr.flag td{background:#fde2e1}
.note{color:#555}
"""


def _num(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return html.escape(str(v))


def _table(frame: pl.DataFrame, flagged: set[tuple[str, str, str]], key: tuple[str, str, str | None]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for r in frame.iter_rows(named=True):
        k = (r[key[0]], r[key[1]], r[key[2]] if key[2] else "")
        cls = ' class="flag"' if k in flagged else ""
        cells = "".join(
            f'<td class="t">{html.escape(str(v))}</td>' if isinstance(v, str) else f"<td>{_num(v)}</td>"
            for v in r.values()
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def fairness_html(report: FairnessReport, *, run_id: str, measured_on: str = "") -> str:
    """``fairness.html``: one self-contained page (no network), flags first, then every table.

    ``measured_on`` names the data the figures were measured on (:meth:`MeasuredOn.describe`).
    """
    e = html.escape
    rec = report.label_record
    flag_rows = "".join(
        f"<tr class='flag'><td class='t'>{e(f.id)}</td><td>{_num(f.waarde)}</td>"
        f"<td>{_num(f.ci_laag)} – {_num(f.ci_hoog)}</td><td class='t'>{e(f.grens)}</td>"
        f"<td class='t'>{e(f.uitleg)}</td></tr>"
        for f in report.flags
    )
    flags = (
        "<table><thead><tr><th>vlag</th><th>waarde</th><th>95%-interval</th><th>grens</th><th>uitleg</th>"
        f"</tr></thead><tbody>{flag_rows}</tbody></table>"
        if report.flags
        else "<p>Geen vlaggen.</p>"
    )
    label_flags = {(f.dimensie, f.groep, "") for f in report.flags if f.soort == "labels"}
    model_flags = {(f.dimensie, f.groep, f.maat) for f in report.flags if f.soort == "model"}

    def cell(v: Any) -> str:
        return e(json.dumps(v, ensure_ascii=False)) if isinstance(v, list) else _num(v)

    record = "".join(f"<tr><td class='t'>{e(k)}</td><td>{cell(v)}</td></tr>" for k, v in rec.items())
    proxy = (
        f"<pre>{e(json.dumps(report.proxy, indent=2, ensure_ascii=False, default=str))}</pre>"
        if report.proxy
        else "<p class='note'>De proxy-screening is niet uitgevoerd (geen audit_kenmerken).</p>"
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in report.notes)
    s = report.settings
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Fairness-audit {e(run_id)}</title><style>{_CSS}</style></head>
<body>
<h1>Fairness- en proxy-audit</h1>
<p>Run <code>{e(run_id)}</code>; lijst van {report.capacity} adressen. Bootstrap {s.bootstrap} keer;
een vlag alleen als het hele 95%-interval buiten de grens ligt en de groep minstens
{s.min_groepsgrootte} adressen telt.</p>
{f"<p><strong>Gemeten op:</strong> {e(measured_on)}.</p>" if measured_on else ""}
<h2>Vlaggen</h2>{flags}
<h2>Herkomst van de labels</h2>
<table><tbody>{record}</tbody></table>
<p class="note">Verhouding = onderzoeken / verwacht uit de signalen; ruwe verhouding = aandeel onderzoeken /
aandeel adressen. Een groep telt mee met het aandeel van de bewoners.</p>
{_table(report.labels, label_flags, ("dimensie", "groep", None))}
<h2>De rangschikking per buurt en groep</h2>
<p class="note">selectie: aandeel in de lijst; fout_positief en fout_ontdekking op onderzochte adressen;
kalibratie_verschil: gemiddelde kans min aandeel bevestigd (verhouding is hier een verschil).</p>
{_table(report.model, model_flags, ("dimensie", "groep", "maat"))}
<h2>Proxy-screening</h2>{proxy}
<h2>Opmerkingen</h2><ul>{notes or "<li>geen</li>"}</ul>
</body></html>
"""
