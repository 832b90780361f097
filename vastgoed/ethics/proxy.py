"""The proxy screen of the feature guard: does a feature stand in for a group of residents?

The feature stage never sees a protected attribute (:data:`vastgoed.core.schema.PROTECTED_COLUMNS`),
but a feature can still carry one: a feature whose value sorts addresses by the age, sex or origin of
the people who live there lets the model select on that group without ever naming it. This screen
measures that directly, on the audit attributes that only this package reads.

**Groups per object** (:func:`object_groups`). The audit attributes are attributes of persons; the
engine scores verblijfsobjecten. An object's groups are those of the persons registered there with a
woonadres (``functie_adres == "W"``) at the peildatum: an address period that began on or before
the peildatum and has not ended (no end date, or one after the peildatum). A briefadres does not
count (nobody lives at a postal address by definition), nor a period that ended before the
peildatum. Persons are joined to ``audit_kenmerken`` on ``bsn_pseudoniem``. For each attribute and
each of its values (a *group*) the object gets an indicator "at least one resident of this group"
and the share of its residents in it (among residents whose value is known).

Objects with nobody registered have no group and are left out of the screen altogether (they are
not rows of :func:`object_groups`); so are, per attribute, objects none of whose residents has a
known value. The screen therefore asks: *among inhabited addresses*, does the feature separate those
where the group lives from those where it does not? It does not test whether a feature separates
inhabited from empty addresses, which is what the vacancy features are for.

**The figure** (:func:`proxy_screen`). For every feature × group indicator, the ROC AUC of the
feature as a score for the indicator: the probability that a random object with a resident of the
group has a higher feature value than a random object without one (ties count half). AUC 0.5 means
the feature carries no information on the group. The figure is symmetrised, ``max(AUC, 1 − AUC)``,
because a proxy works in either direction (a model can use a low value as well as a high one); the
table keeps the direction (``richting``). Missing feature values are filled with the feature's
median over all objects, so that they fall in the middle of the ranking and cannot act as a group
marker of their own. The AUC is computed from ranks (Mann–Whitney), for all pairs at once: one
ranking per feature and attribute, and one matrix product (the person figure below: one sort per
feature and attribute); 59,000 inhabited objects × 46 features × 10 groups take about a second.

**The threshold, 0.7.** A feature that ranks objects with a group above objects without it with
AUC ≥ 0.7 would, on its own, be what is usually called an acceptable classifier of that group
(Hosmer & Lemeshow: 0.7–0.8 acceptable, 0.8–0.9 excellent discrimination). Under a binormal model
AUC 0.7 is a standardised mean difference of √2·Φ⁻¹(0.7) ≈ 0.74 between the groups, between
Cohen's medium (0.5) and large (0.8) effect: a substantial proxy, not a faint association. A lower
threshold (0.6, a difference of ≈ 0.36) would flag nearly every property characteristic, because
residential segregation makes housing type, size and age mildly informative about who lives there;
the catalogue would fill with justifications and the flags would stop meaning anything. A higher
one (0.8) would let through a feature that sorts addresses by group about as well as the model sorts
them by risk. A flagged feature is not forbidden: the catalogue entry must say why it is kept
(:attr:`features.base.FeatureSpec.proxy_justification`), and the ethics bundle shows the figure.

**Small groups are not screened.** A group indicator is screened only when at least
:data:`MIN_OBJECTS` (50) objects have it *and* at least 50 do not. With fewer, the AUC is too
unstable to mean anything: under no association its standard error is about
√((n₁ + n₀ + 1) / (12·n₁·n₀)), 0.058 at 50 against 50 and 0.041 at 50 against thousands, so at the
minimum 0.7 lies 3.4 to 4.9 standard errors above 0.5: a flag by chance alone comes at worst about
once in 2,000 pairs (exactly 50 against 50), and practically never at a municipality's group
sizes. Skipped groups are listed in the report (:attr:`ProxyReport.overgeslagen`), so that the
audit says what it could not test.

**Two figures, and reading a flag.** "At least one resident of the group" grows with the number
of residents: a count of registered persons separates multi-person households, which nearly always
hold a man, a woman or a child, from single ones. So the screen also gives ``auc_personen``, the
same AUC over residents instead of objects: each object counts once for every resident in the group
(as a positive) and once for every other resident with a known value (as a negative), which is the
chance that a random member of the group lives at an address with a higher feature value than a
random non-member, i.e. how the feature sorts the *people* it would affect. On the synthetic
municipality (scale 1.0) ``n_ingeschreven`` has AUC 0.80 over objects for both "at least one man"
and "at least one woman", and 0.50 over persons: a household-size effect, not a sex proxy; while it
predicts children (0.92 over objects, 0.77 over persons) and, inversely, residents of 65+ (0.67 and
0.80) on both. ``maatstaf`` says which figure is held against the threshold; the default (and the
batch's, ``[ethics] proxy_maatstaf``) is the person figure, because the object figure flags every
household-size feature as a sex proxy; the table always carries both, and the report shows both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from features.base import FeatureSpec
from vastgoed.core.errors import DataError, VastgoedError
from vastgoed.core.schema import file_spec

__all__ = [
    "AUDIT_ATTRIBUTES",
    "DEFAULT_THRESHOLD",
    "MIN_OBJECTS",
    "ProxyReport",
    "ProxyScreenError",
    "ProxyViolation",
    "indicator_column",
    "known_column",
    "object_groups",
    "proxy_screen",
    "share_column",
]

#: The group attributes of the contract's ``audit_kenmerken`` (every column but the BSN).
AUDIT_ATTRIBUTES: tuple[str, ...] = tuple(
    c.name for c in file_spec("audit_kenmerken").columns if c.name != "bsn"
)
#: AUC (symmetrised) from which a feature counts as a proxy of a group; see the module docstring.
DEFAULT_THRESHOLD = 0.7
#: Fewest objects with, and without, a group for its indicator to be screened.
MIN_OBJECTS = 50

#: Whether a feature is higher (``hoger``) or lower where the group lives.
Richting = Literal["hoger", "lager"]
#: Which figure is held against the threshold: over objects or over residents.
Maatstaf = Literal["objecten", "personen"]

_PSEUDONYM = "bsn_pseudoniem"
_VBO = "verblijfsobject_id"
_SHARE_SUFFIX = "|aandeel"
_KNOWN_SUFFIX = "|bekend"

_TABLE_SCHEMA: dict[str, pl.DataType] = {
    "kenmerk": pl.String(),
    "attribuut": pl.String(),
    "groep": pl.String(),
    "auc": pl.Float64(),
    "auc_personen": pl.Float64(),
    "richting": pl.String(),
    "n_objecten": pl.Int64(),
    "n_groep": pl.Int64(),
    "boven_drempel": pl.Boolean(),
    "verantwoording": pl.String(),
}
_SKIPPED_SCHEMA: dict[str, pl.DataType] = {
    "attribuut": pl.String(),
    "groep": pl.String(),
    "n_objecten": pl.Int64(),
    "n_groep": pl.Int64(),
    "reden": pl.String(),
}


def indicator_column(attribuut: str, groep: str) -> str:
    """The name of the column "at least one resident of ``groep``": ``herkomst_groep=Nederland``."""
    return f"{attribuut}={groep}"


def share_column(attribuut: str, groep: str) -> str:
    """The name of the column with the share of residents in ``groep``."""
    return f"{indicator_column(attribuut, groep)}{_SHARE_SUFFIX}"


def known_column(attribuut: str) -> str:
    """The name of the column with the number of residents whose ``attribuut`` is known."""
    return f"{attribuut}{_KNOWN_SUFFIX}"


def object_groups(
    inschrijvingen: pl.DataFrame,
    audit: pl.DataFrame,
    peildatum: dt.date,
    *,
    attributes: Sequence[str] = AUDIT_ATTRIBUTES,
) -> pl.DataFrame:
    """Per inhabited verblijfsobject, the audit groups of the persons living there at the peildatum.

    Args:
        inschrijvingen: BRP address periods linked to objects: ``verblijfsobject_id``,
            ``bsn_pseudoniem``, ``functie_adres``, ``datum_aanvang_adreshouding``,
            ``datum_einde_adreshouding`` (rows without an object are ignored).
        audit: The ingested ``audit_kenmerken``: ``bsn_pseudoniem`` and the attributes.
        peildatum: The reference date.
        attributes: The attributes to aggregate (those absent from ``audit`` are left out).

    Returns:
        One row per object with at least one woonadres registration open at the peildatum:
        ``verblijfsobject_id``, ``n_bewoners`` (distinct persons); per attribute
        :func:`known_column` (residents whose value is known, without an audit record or with an
        empty value they are not); and per attribute and value :func:`indicator_column` (Boolean:
        at least one resident of the group; null when no resident's value is known) and
        :func:`share_column` (Float64: share of the residents with a known value). Groups are the
        values found in ``audit``, so a group that lives nowhere still has its (false) column.

    Raises:
        DataError: when a table lacks a column the aggregation needs.
    """
    for name, table, needed in (
        (
            "brp_inschrijvingen",
            inschrijvingen,
            (_VBO, _PSEUDONYM, "functie_adres", "datum_aanvang_adreshouding", "datum_einde_adreshouding"),
        ),
        ("audit_kenmerken", audit, (_PSEUDONYM,)),
    ):
        for col in needed:
            if col not in table.columns:
                raise DataError(name, "column needed by the proxy screen is missing", kolom=col)
    attrs = [a for a in attributes if a in audit.columns]

    residents = (
        inschrijvingen.filter(
            (pl.col("functie_adres") == "W")
            & pl.col(_VBO).is_not_null()
            & pl.col(_PSEUDONYM).is_not_null()
            & (pl.col("datum_aanvang_adreshouding") <= peildatum)
            & (
                pl.col("datum_einde_adreshouding").is_null()
                | (pl.col("datum_einde_adreshouding") > peildatum)
            )
        )
        .select(_VBO, _PSEUDONYM)
        .unique()
    )
    people = (
        audit.filter(pl.col(_PSEUDONYM).is_not_null())
        .select(_PSEUDONYM, *(pl.col(a).cast(pl.String) for a in attrs))
        .unique(subset=_PSEUDONYM, keep="first", maintain_order=True)
    )
    residents = residents.join(people, on=_PSEUDONYM, how="left")

    groups = {a: sorted(people.get_column(a).drop_nulls().unique().to_list()) for a in attrs}
    aggs: list[pl.Expr] = [pl.len().cast(pl.Int64).alias("n_bewoners")]
    for a in attrs:
        aggs.append(pl.col(a).is_not_null().sum().alias(f"__known_{a}"))
        aggs.extend((pl.col(a) == g).sum().alias(f"__n_{a}={g}") for g in groups[a])
    counted = residents.group_by(_VBO).agg(aggs)

    cols: list[pl.Expr] = []
    for a in attrs:
        known = pl.col(f"__known_{a}")
        cols.append(known.cast(pl.Int64).alias(known_column(a)))
        for g in groups[a]:
            n = pl.col(f"__n_{a}={g}")
            cols.append(pl.when(known > 0).then(n > 0).otherwise(None).alias(indicator_column(a, g)))
            cols.append(
                pl.when(known > 0)
                .then(n.cast(pl.Float64) / known.cast(pl.Float64))
                .otherwise(None)
                .alias(share_column(a, g))
            )
    return counted.select(_VBO, "n_bewoners", *cols).sort(_VBO)


@dataclass(frozen=True)
class ProxyViolation:
    """A feature that predicts a group above the threshold and has no justification in the catalogue."""

    kenmerk: str
    family: str
    attribuut: str
    groep: str
    auc: float
    maatstaf: Maatstaf
    richting: Richting
    n_objecten: int
    n_groep: int

    def __str__(self) -> str:
        return (
            f"{self.kenmerk} ({self.family}): {indicator_column(self.attribuut, self.groep)} "
            f"AUC {self.auc:.3f} over {self.maatstaf}, feature {self.richting} where the group lives "
            f"({self.n_groep} of {self.n_objecten} objects)"
        )


class ProxyScreenError(VastgoedError):
    """Catalogued features predict a group attribute above the threshold without a justification.

    Args:
        violations: Every offending feature × group.
        threshold: The AUC threshold of the screen.
    """

    def __init__(self, violations: Sequence[ProxyViolation], threshold: float) -> None:
        self.violations = tuple(violations)
        self.threshold = threshold
        kenmerken = sorted({v.kenmerk for v in self.violations})
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(
            f"proxy screen: {len(kenmerken)} feature(s) predict a group of residents with "
            f"AUC >= {threshold:.2f} and have no proxy_justification: {', '.join(kenmerken)}\n"
            f"{lines}\n"
            "Drop the feature, or fill `proxy_justification` of its FeatureSpec in the catalogue "
            "(the `specs` of its family's builder in features/) with why it is kept despite this."
            + _few_objects_note(self.violations)
        )


#: Below this many objects screened, an AUC is mostly chance: the screen's error says so.
FEW_OBJECTS = 1000


def _few_objects_note(violations: Sequence[ProxyViolation]) -> str:
    """A note when the screened figures rest on few objects (a small or cut-down extract)."""
    n = max((v.n_objecten for v in violations), default=0)
    if n >= FEW_OBJECTS:
        return ""
    return (
        f"\nLet op: deze cijfers rusten op weinig objecten ({n} objecten gescreend, minder dan "
        f"{FEW_OBJECTS}): bij een klein of ingekort extract bepaalt toeval een AUC sterk. Draai op het "
        "volledige extract van de gemeente; blijft de melding dan staan, laat het kenmerk weg of vul "
        "proxy_justification. (Few objects: on a small or cut-down extract these AUCs are mostly chance.)"
    )


@dataclass(frozen=True)
class ProxyReport:
    """The result of the proxy screen.

    Attributes:
        tabel: One row per feature × screened group: ``kenmerk, attribuut, groep``; ``auc`` (over
            objects, of "at least one resident of the group") and ``auc_personen`` (over residents,
            of being in the group), both symmetrised; ``richting`` (``hoger``: by the deciding
            figure, the feature is higher where the group lives); ``n_objecten`` (objects screened
            for the attribute), ``n_groep`` (of which with at least one resident of the group),
            ``boven_drempel`` (the deciding figure is at or above the threshold) and
            ``verantwoording`` (the catalogue's ``proxy_justification``). Sorted by the deciding
            figure, highest first.
        violations: Rows above the threshold whose feature has an empty justification.
        overgeslagen: Groups not screened, with their counts and why.
        threshold: The AUC threshold.
        min_objects: The fewest objects with and without a group for it to be screened.
        maatstaf: Which figure decides: ``objecten`` (``auc``) or ``personen`` (``auc_personen``).
    """

    tabel: pl.DataFrame
    violations: tuple[ProxyViolation, ...]
    overgeslagen: pl.DataFrame
    threshold: float
    min_objects: int
    maatstaf: Maatstaf = "personen"

    @property
    def passed(self) -> bool:
        """True when no feature is above the threshold without a justification."""
        return not self.violations

    def check(self) -> None:
        """Raise when a feature is above the threshold without a justification.

        Raises:
            ProxyScreenError: naming every violating feature, attribute, group and AUC.
        """
        if self.violations:
            raise ProxyScreenError(self.violations, self.threshold)

    def summary(self, top: int = 10) -> str:
        """A few lines for a log or a console: the highest figures, the flags and the skipped groups."""
        n_feat = self.tabel.get_column("kenmerk").n_unique()
        n_groups = self.tabel.select(pl.struct("attribuut", "groep").n_unique()).item()
        lines = [
            f"proxy screen: {n_feat} features x {n_groups} groups, threshold AUC {self.threshold:.2f} "
            f"over {self.maatstaf}, {self.tabel.get_column('boven_drempel').sum()} pair(s) above, "
            f"{len(self.violations)} without justification",
            "   auc    auc_pers  kenmerk                            groep",
        ]
        for r in self.tabel.head(top).iter_rows(named=True):
            mark = "!" if r["boven_drempel"] else " "
            lines.append(
                f" {mark} {r['auc']:.3f}  {r['auc_personen']:.3f}    {r['kenmerk']:<34} "
                f"{indicator_column(r['attribuut'], r['groep'])}"
                f" ({r['richting']}, {r['n_groep']}/{r['n_objecten']})"
            )
        for r in self.overgeslagen.iter_rows(named=True):
            lines.append(f"   skipped {indicator_column(r['attribuut'], r['groep'])}: {r['reden']}")
        return "\n".join(lines)


def _indicators(groups: pl.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Per attribute, its (group, column) indicator columns in ``groups``."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, dtype in groups.schema.items():
        if dtype != pl.Boolean or "=" not in name:
            continue
        attribuut, groep = name.split("=", 1)
        out.setdefault(attribuut, []).append((groep, name))
    return out


def _rank_auc(ranks: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """AUC of every score column of ``ranks`` (n × F, average ranks) for every 0/1 column of ``y``.

    Mann–Whitney: AUC = (sum of the ranks of the positives − n₁(n₁+1)/2) / (n₁·n₀), ties half.
    """
    n1 = y.sum(axis=0)
    n0 = y.shape[0] - n1
    auc: npt.NDArray[np.float64] = (ranks.T @ y - n1 * (n1 + 1) / 2.0) / (n1 * n0)
    return auc


def _weighted_auc(
    x: npt.NDArray[np.float64], w1: npt.NDArray[np.float64], w0: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """AUC of the score ``x`` (n) with weights of positives ``w1`` and negatives ``w0`` (n × G each).

    Each object counts as ``w1`` positives and ``w0`` negatives with its value of ``x``; ties half.
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    a1 = np.add.reduceat(w1[order], starts, axis=0)
    a0 = np.add.reduceat(w0[order], starts, axis=0)
    below = np.cumsum(a0, axis=0) - a0
    auc: npt.NDArray[np.float64] = (a1 * (below + 0.5 * a0)).sum(axis=0) / (a1.sum(axis=0) * a0.sum(axis=0))
    return auc


_MISSING_SUFFIX = " ontbreekt"


def _is_missing(name: str) -> pl.Expr:
    x = pl.col(name).cast(pl.Float64)
    return x.is_null() | x.is_nan().fill_null(False)


def _numeric(features: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """The features as Float64, NaN as missing, missing filled with the median over all objects."""
    exprs = []
    for name in names:
        x = pl.col(name).cast(pl.Float64)
        x = pl.when(x.is_nan()).then(None).otherwise(x)
        exprs.append(x.fill_null(x.median()).fill_null(0.0).alias(name))
    return features.select(_VBO, *exprs)


def proxy_screen(
    features: pl.DataFrame,
    groups: pl.DataFrame,
    catalogue: Sequence[FeatureSpec],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    min_objects: int = MIN_OBJECTS,
    maatstaf: Maatstaf = "personen",
) -> ProxyReport:
    """Screen every catalogued feature against every group indicator of :func:`object_groups`.

    Two figures are computed for every pair (both symmetrised, see the module docstring):
    ``auc``, over objects, of the indicator "at least one resident of the group"; and
    ``auc_personen``, over residents, of being in the group (each object counts once per
    resident of the group as a positive and once per other resident as a negative): the chance
    that a random member of the group lives at an address with a higher value than a random
    non-member. ``maatstaf`` says which of the two is held against the threshold.

    Args:
        features: ``verblijfsobject_id`` and the features (numeric or Boolean), one row per object.
        groups: The output of :func:`object_groups` (its Boolean ``attribuut=groep`` columns are
            the indicators screened).
        catalogue: The feature catalogue; every entry must be a column of ``features``.
        threshold: Symmetrised AUC from which a feature is a proxy of a group.
        min_objects: Fewest objects with, and without, a group for its indicator to be screened.
        maatstaf: ``objecten`` (``auc``) or ``personen`` (``auc_personen``) decides
            ``boven_drempel`` and the violations, and orders the table.

    Returns:
        The report; call :meth:`ProxyReport.check` to fail on unjustified proxies.

    Raises:
        VastgoedError: when a catalogued feature is not a column of ``features``, or a column is
            not numeric or Boolean.
    """
    if not 0.5 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie between 0.5 and 1 (a symmetrised AUC), not {threshold}")
    if maatstaf not in ("objecten", "personen"):
        raise ValueError(f"maatstaf must be 'objecten' or 'personen', not {maatstaf!r}")
    specs = {s.name: s for s in catalogue}
    names = list(specs)
    missing = [n for n in names if n not in features.columns]
    if missing:
        raise VastgoedError(f"proxy screen: catalogued features missing from the feature table: {missing}")
    bad = [n for n in names if not (features.schema[n].is_numeric() or features.schema[n] == pl.Boolean)]
    if bad:
        raise VastgoedError(f"proxy screen: features that are neither numeric nor Boolean: {bad}")

    # A feature can carry a group through whether it is missing at all (the model sees missingness;
    # the median fill below does not): each feature with missing values is also screened as
    # "<feature> ontbreekt", 1 where it is missing, under the same catalogue entry.
    absent = {n: f"{n}{_MISSING_SUFFIX}" for n in names if features.select(_is_missing(n).any()).item()}
    features = features.with_columns(_is_missing(n).cast(pl.Float64).alias(m) for n, m in absent.items())
    specs = {**specs, **{m: specs[n] for n, m in absent.items()}}
    names = [*names, *absent.values()]
    x_all = _numeric(features, names)
    parts: list[pl.DataFrame] = []
    skipped: list[dict[str, object]] = []
    for attribuut, indicators in sorted(_indicators(groups).items()):
        cols = [c for _, c in indicators]
        shares = [f"{c}{_SHARE_SUFFIX}" for c in cols]
        known = known_column(attribuut)
        for c in (*shares, known):
            if c not in groups.columns:
                raise VastgoedError(f"proxy screen: the groups table lacks {c} (not from object_groups?)")
        sub = (
            groups.select(_VBO, known, *cols, *shares)
            .filter(pl.all_horizontal(pl.col(c).is_not_null() for c in cols))
            .join(x_all, on=_VBO, how="inner")
        )
        n = sub.height
        y = sub.select(pl.col(c).cast(pl.Float64) for c in cols).to_numpy().reshape(n, len(cols))
        n_pos = y.sum(axis=0).astype(np.int64)
        keep = [j for j in range(len(cols)) if n_pos[j] >= min_objects and n - n_pos[j] >= min_objects]
        for j, (groep, _) in enumerate(indicators):
            if j not in keep:
                skipped.append(
                    {
                        "attribuut": attribuut,
                        "groep": groep,
                        "n_objecten": n,
                        "n_groep": int(n_pos[j]),
                        "reden": f"fewer than {min_objects} objects with ({int(n_pos[j])}) "
                        f"or without ({n - int(n_pos[j])}) the group",
                    }
                )
        if not keep:
            continue
        x = sub.select(names).to_numpy().astype(np.float64).reshape(n, len(names))
        ranks = sub.select(pl.col(nm).rank("average").cast(pl.Float64) for nm in names).to_numpy()
        auc = _rank_auc(ranks.reshape(n, len(names)), y[:, keep])
        count = sub.get_column(known).cast(pl.Float64).to_numpy()[:, None]
        members = np.rint(
            sub.select(pl.col(shares[j]) for j in keep).to_numpy().reshape(n, len(keep)) * count
        )
        others = count - members
        auc_p = np.vstack([_weighted_auc(x[:, fi], members, others) for fi in range(len(names))])
        parts.append(
            pl.DataFrame(
                {
                    "kenmerk": np.repeat(names, len(keep)),
                    "attribuut": [attribuut] * (len(names) * len(keep)),
                    "groep": [indicators[j][0] for j in keep] * len(names),
                    "auc_ruw": auc.ravel(),
                    "auc_personen_ruw": auc_p.ravel(),
                    "n_objecten": [n] * (len(names) * len(keep)),
                    "n_groep": [int(n_pos[j]) for j in keep] * len(names),
                }
            )
        )
    decisive = "auc" if maatstaf == "objecten" else "auc_personen"
    raw = pl.col(f"{decisive}_ruw")
    tabel = (
        pl.concat(parts)
        .with_columns(
            pl.max_horizontal("auc_ruw", 1.0 - pl.col("auc_ruw")).alias("auc"),
            pl.max_horizontal("auc_personen_ruw", 1.0 - pl.col("auc_personen_ruw")).alias("auc_personen"),
            pl.when(raw >= 0.5).then(pl.lit("hoger")).otherwise(pl.lit("lager")).alias("richting"),
            pl.col("kenmerk")
            .replace_strict({k: v.proxy_justification for k, v in specs.items()})
            .alias("verantwoording"),
        )
        .with_columns((pl.col(decisive) >= threshold).alias("boven_drempel"))
        .select(list(_TABLE_SCHEMA))
        .cast(pl.Schema(_TABLE_SCHEMA))
        .sort([decisive, "kenmerk", "attribuut", "groep"], descending=[True, False, False, False])
        if parts
        else pl.DataFrame(schema=_TABLE_SCHEMA)
    )
    violations = tuple(
        ProxyViolation(
            kenmerk=r["kenmerk"],
            family=specs[r["kenmerk"]].family,
            attribuut=r["attribuut"],
            groep=r["groep"],
            auc=r[decisive],
            maatstaf=maatstaf,
            richting=r["richting"],
            n_objecten=r["n_objecten"],
            n_groep=r["n_groep"],
        )
        for r in tabel.filter(
            pl.col("boven_drempel") & (pl.col("verantwoording").str.strip_chars() == "")
        ).iter_rows(named=True)
    )
    return ProxyReport(
        tabel=tabel,
        violations=violations,
        overgeslagen=pl.DataFrame(skipped, schema=_SKIPPED_SCHEMA),
        threshold=threshold,
        min_objects=min_objects,
        maatstaf=maatstaf,
    )
