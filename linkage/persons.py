"""Person linkage across BRP, KvK officers, Kadaster owners and permit applicants (Splink 5).

The steps:

1. **Deterministic collapse.** BRP rows with the same ``bsn_pseudoniem`` are one person (a keyed
   hash of the BSN). Other records that agree exactly on every compared name field and on a
   complete birth date, within one source, are one node too (a landlord's hundreds of Kadaster
   rows), which keeps the candidate pairs near-linear. The node carries the union of its
   records' verblijfsobjecten.
2. **Splink** ``link_and_dedupe`` over the nodes of all sources, with blocking rules that never pair
   two BRP nodes (different BSNs are different persons), comparisons on surname (Jaro-Winkler,
   term-frequency adjusted), voorvoegsel, given names or initials, birth date (partial dates,
   day-month swaps) and shared verblijfsobject; u by random sampling, the prior from
   deterministic rules, m by expectation maximisation.
3. **Review overrides**, then connected components at the match threshold; every record gets
   its cluster's ``persoon_id`` and a ``zekerheid``.

Step 2 runs on DuckDB in-process, or on Spark with ``linkage.backend = "spark"``
(:mod:`linkage.backends`, ``docs/spark.md``); steps 1 and 3 are polars either way. The model is
kept in the DuckDB dialect whichever backend trained it, so a stored model serves both.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from linkage._splink_model import (
    TrainingPlan,
    array_overlap_comparison,
    birth_date_comparison,
    charts,
    count_pairs,
    exact_comparison,
    given_name_comparison,
    make_linker,
    name_comparison,
    no_level_below_disagreement,
    predict_pairs,
    quiet_splink,
    register_term_frequencies,
    train,
    with_sql_of,
)
from linkage.backends import Dialect, backend_name, release, splink_db_api, sql_functions
from linkage.clustering import constrained_clusters

if TYPE_CHECKING:
    from vastgoed.core.config import LinkageConfig, PersonLinkageConfig

__all__ = [
    "PERSON_BLOCKING_RULES",
    "PersonLinkResult",
    "link_persons",
    "model_is_current",
    "person_settings",
    "settings_hash",
    "uncertain_pairs",
]

_BRP = "brp_inschrijvingen"

#: Jaro-Winkler levels of the person model's surname comparison; a surname at the first of them
#: from a registered one is read as its typo by the namesake step (:func:`_typo_candidates`).
_SURNAME_SIMILARITY_LEVELS = (0.92, 0.8)
_NOT_BOTH_BRP = f"NOT (l.bron = '{_BRP}' AND r.bron = '{_BRP}')"

#: Candidate-pair rules (SQL on the node table). None pairs two BRP nodes.
PERSON_BLOCKING_RULES: tuple[str, ...] = (
    f"l.achternaam = r.achternaam AND l.geboortedatum = r.geboortedatum AND {_NOT_BOTH_BRP}",
    f"l.geboortedatum = r.geboortedatum AND l.voorletter1 = r.voorletter1 AND {_NOT_BOTH_BRP}",
    "l.achternaam = r.achternaam AND l.geb_jaar = r.geb_jaar AND l.voorletter1 = r.voorletter1 "
    f"AND {_NOT_BOTH_BRP}",
    # Records without a complete birth date: surname and all initials (two asymmetric equi-joins,
    # so the join itself stays small).
    f"l.naam_zonder_datum = r.naam_sleutel AND {_NOT_BOTH_BRP}",
    f"l.naam_sleutel = r.naam_zonder_datum AND {_NOT_BOTH_BRP}",
    f"l.vbo1 = r.vbo1 AND l.voorletter1 = r.voorletter1 AND {_NOT_BOTH_BRP}",
)

_DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.achternaam = r.achternaam AND l.voorletters = r.voorletters AND l.geboortedatum = r.geboortedatum "
    f"AND {_NOT_BOTH_BRP}",
)
# EM rules must not mention ``bron``: the address levels use it, and Splink does not estimate a
# comparison whose columns appear in the training rule.
_EM_RULES: tuple[str, ...] = (
    "l.geboortedatum = r.geboortedatum",
    "l.achternaam = r.achternaam AND l.voornaam = r.voornaam",
)
_NODE_FIELDS = [
    "achternaam",
    "voorvoegsel",
    "voornaam",
    "voorletters",
    "geboortedatum",
    "geb_jaar",
    "geb_maand",
    "geb_dag",
]
_REVIEW_FIELDS = [
    "bron",
    "naam",
    "achternaam",
    "voorvoegsel",
    "voornaam",
    "voorletters",
    "geboortedatum",
    "postcode",
    "huisnummer",
]


@dataclass(frozen=True)
class PersonLinkResult:
    """The outcome of :func:`link_persons`.

    Attributes:
        links: ``record, persoon_id, zekerheid`` for every person-bearing record.
        pairs: ``record_l, record_r, match_weight, match_probability, besluit`` for every scored pair
            at or above the lower review threshold (a pair names each node by its representative
            record), after review overrides (``besluit`` set where a reviewer decided).
        model: The trained Splink settings (JSON-serialisable), for reuse and logging.
        charts: Vega-Lite JSON specifications by name: ``match_weights`` and ``m_u_parameters``.
        counts: ``records``, ``nodes``, ``candidate_pairs``, ``pairs``, ``clusters``, ...
        timings: Seconds per step.
        blocking: Exact candidate-pair counts per blocking rule (``rule, marginal, cumulative``).
        raised_levels: Levels whose learned Bayes factor was below complete disagreement's and
            was raised to it (:func:`linkage._splink_model.no_level_below_disagreement`).
    """

    links: pl.DataFrame
    pairs: pl.DataFrame
    model: dict[str, Any]
    charts: dict[str, str]
    counts: dict[str, int]
    timings: dict[str, float]
    blocking: list[dict[str, Any]] = field(default_factory=list)
    raised_levels: list[str] = field(default_factory=list)


def person_settings(dialect: Dialect = "duckdb") -> dict[str, Any]:
    """The untrained Splink settings of the person model (link_and_dedupe over the sources).

    Args:
        dialect: The SQL dialect of the comparison levels: ``duckdb`` (how models are stored)
            or ``spark``.
    """
    from splink import SettingsCreator

    n = sql_functions(dialect).list_len
    creator = SettingsCreator(
        link_type="link_and_dedupe",
        unique_id_column_name="unique_id",
        comparisons=[
            name_comparison(
                "achternaam",
                thresholds=_SURNAME_SIMILARITY_LEVELS,
                term_frequency=True,
                also_equal="achternaam_vol",
                dialect=dialect,
            ),
            exact_comparison("voorvoegsel"),
            given_name_comparison("voornaam", "voorletters", output="voornamen", dialect=dialect),
            birth_date_comparison("geboortedatum", "geb_jaar", "geb_maand", "geb_dag", dialect=dialect),
            array_overlap_comparison(
                "verblijfsobject_ids",
                (
                    (
                        "bron_l = 'kvk_functionarissen' OR bron_r = 'kvk_functionarissen'",
                        "no overlap, business address",
                    ),
                    (
                        f"(bron_l <> 'brp_inschrijvingen' AND {n('verblijfsobject_ids_l')} >= 2) OR "
                        f"(bron_r <> 'brp_inschrijvingen' AND {n('verblijfsobject_ids_r')} >= 2)",
                        "no overlap, portfolio",
                    ),
                ),
                # Two rights of one owner, or an owner's and an applicant's record, name two objects
                # by nature; their disagreement says nothing. EM cannot learn this level: the pairs
                # that carry it agree on everything else (see docs/architecture.md).
                uninformative=(
                    (
                        "bron_l IN ('kadaster_eigendom', 'vergunningen') "
                        "AND bron_r IN ('kadaster_eigendom', 'vergunningen')",
                        "no overlap, two objects of an owner or applicant",
                    ),
                ),
                dialect=dialect,
            ),
        ],
        blocking_rules_to_generate_predictions=[cast(Any, r) for r in PERSON_BLOCKING_RULES],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    settings: dict[str, Any] = creator.get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    return settings


def _structure(settings: dict[str, Any]) -> tuple[object, ...]:
    comparisons = tuple(
        (
            c.get("output_column_name"),
            tuple(
                (
                    lvl.get("sql_condition"),
                    bool(lvl.get("is_null_level", False)),
                    lvl.get("tf_adjustment_column"),
                )
                for lvl in c["comparison_levels"]
            ),
        )
        for c in settings.get("comparisons", [])
    )
    rules = tuple(
        r["blocking_rule"] if isinstance(r, dict) else str(r)
        for r in settings.get("blocking_rules_to_generate_predictions", [])
    )
    return comparisons, rules


def settings_hash(model: dict[str, Any]) -> str:
    """A short hash of a Splink model's comparisons and blocking rules (not of its trained m and u).

    The feature-set hash of a stored person model: two models with the same hash compare records
    the same way. A dict that is no Splink model hashes as ``none``.
    """
    try:
        structure = _structure(model)
    except (AttributeError, KeyError, TypeError):
        return "none"
    return hashlib.sha256(repr(structure).encode()).hexdigest()[:16]


def model_is_current(model: dict[str, Any]) -> bool:
    """Whether a stored trained model has this code's comparisons and blocking rules.

    A model trained by an earlier version of the engine with other levels would be applied to
    comparison vectors it does not describe; such a model is retrained rather than reused.
    """
    try:
        return _structure(model) == _structure(person_settings())
    except (AttributeError, KeyError, TypeError):
        return False


def _node_keys(records: pl.DataFrame, reviewed_records: pl.Series) -> pl.DataFrame:
    """``record -> node key``: the BSN pseudonym, an exact profile (complete birth date), or itself."""
    parts = [pl.col("bron"), *(pl.col(c).cast(pl.String).fill_null("") for c in _NODE_FIELDS[:5])]
    profile = pl.concat_str(parts, separator="|")
    # Only a complete profile with a birth date collapses: without one, two "Yvonne Janssen" rows are
    # as likely two people as one, and the scored pairs with the constrained clustering decide.
    free = pl.col("geboortedatum").is_not_null() & ~pl.col("record").is_in(reviewed_records.implode())
    return records.with_columns(
        pl.when(pl.col("bsn_pseudoniem").is_not_null())
        .then(pl.lit("b|") + pl.col("bsn_pseudoniem"))
        .when(free)
        .then(pl.lit("p|") + profile)
        .otherwise(pl.lit("r|") + pl.col("record"))
        .alias("_key")
    )


def _nodes(keyed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The node table (one row per key, fields of its most common variant) and ``record -> node``."""
    variants = (
        keyed.group_by(["_key", "bron", *_NODE_FIELDS], maintain_order=False)
        .agg(
            pl.len().alias("_n"), pl.col("record").min().alias("unique_id"), pl.col("rij").min().alias("_rij")
        )
        .sort(["_key", "_n", "_rij"], descending=[False, True, False])
        .unique("_key", keep="first", maintain_order=True)
    )
    # empty_as_null: a record tied to no object (an officer of a company registered elsewhere)
    # keeps its row; polars 2 drops empty lists on explode, and the node with it.
    vbos = (
        keyed.select("_key", pl.col("verblijfsobject_ids"))
        .explode("verblijfsobject_ids", empty_as_null=True)
        .group_by("_key")
        .agg(
            pl.col("verblijfsobject_ids").drop_nulls().unique().sort(),
            pl.len().alias("n_records"),
        )
    )
    nodes = (
        variants.drop("_n", "_rij")
        .join(vbos, on="_key")
        .with_columns(
            pl.col("voorletters").str.slice(0, 1).alias("voorletter1"),
            pl.col("verblijfsobject_ids").list.first().alias("vbo1"),
            pl.concat_str(["achternaam", "voorletters"], separator="|").alias("naam_sleutel"),
            # the surname with its voorvoegsel joined: "vandekruijs" for "van de Kruijs" and "VanDekruijs"
            pl.concat_str([pl.col("voorvoegsel").fill_null(""), pl.col("achternaam")])
            .str.replace_all(r"[\s'\-]", "")
            .alias("achternaam_vol"),
        )
        .with_columns(
            pl.when(pl.col("geboortedatum").is_null()).then(pl.col("naam_sleutel")).alias("naam_zonder_datum")
        )
        .sort("unique_id")
        .with_row_index("_node")
    )
    rec2node = keyed.select("record", "_key").join(nodes.select("_key", "_node", "unique_id"), on="_key")
    return nodes, rec2node


def _surname_frequencies(nodes: pl.DataFrame) -> pl.DataFrame:
    """Surname frequencies over distinct persons, not over records.

    Splink's default counts a surname once per input row, so an owner with forty Kadaster rights
    (forty nodes without a birth date) makes his own rare surname look common, and the evidence of
    two rows agreeing on it is discounted forty-fold. Counted instead over distinct profiles (a BSN,
    or surname + initials + birth date where there is no BSN), a name counts once per person who
    bears it (Splink issue #2035 discusses the same bias).
    """
    profile = (
        pl.when(pl.col("_key").str.starts_with("b|"))
        .then(pl.col("_key"))
        .otherwise(
            pl.concat_str(
                [pl.col("achternaam"), pl.col("voorletters"), pl.col("geboortedatum")],
                separator="|",
                ignore_nulls=True,
            )
        )
    )
    distinct = nodes.filter(pl.col("achternaam").is_not_null()).select("achternaam", profile.alias("_p"))
    counts = distinct.unique().group_by("achternaam").len()
    return counts.select("achternaam", (pl.col("len") / pl.col("len").sum()).alias("tf_achternaam"))


def _plan(cfg: PersonLinkageConfig) -> TrainingPlan:
    return TrainingPlan(
        deterministic_rules=_DETERMINISTIC_RULES,
        recall=0.75,
        em_rules=_EM_RULES,
        max_pairs_u=cfg.max_pairs_u,
        seed=cfg.seed,
    )


def _overrides(reviewed: pl.DataFrame | None, rec2node: pl.DataFrame) -> pl.DataFrame:
    """Reviewed decisions as node pairs ``_a < _b`` with the forced probability."""
    schema = {"_a": pl.UInt32, "_b": pl.UInt32, "_forced": pl.Float64, "besluit": pl.String}
    if reviewed is None or reviewed.height == 0:
        return pl.DataFrame(schema=schema)
    m = rec2node.select("record", "_node")
    pairs = (
        reviewed.select("record_l", "record_r", pl.col("besluit").str.strip_chars().str.to_lowercase())
        .join(m.rename({"record": "record_l", "_node": "_l"}), on="record_l")
        .join(m.rename({"record": "record_r", "_node": "_r"}), on="record_r")
        .filter(pl.col("_l") != pl.col("_r"))
        .select(
            pl.min_horizontal("_l", "_r").alias("_a"),
            pl.max_horizontal("_l", "_r").alias("_b"),
            pl.when(pl.col("besluit") == "match").then(1.0).otherwise(0.0).alias("_forced"),
            "besluit",
        )
        .unique(["_a", "_b"], keep="last")
    )
    return pairs.cast(schema)  # type: ignore[arg-type]


#: Probability given to a deterministic link (same surname, full birth date and first initial).
_DETERMINISTIC = 0.999


def _previous_in_group() -> pl.Expr:
    """``_prev``: the ``_node`` of the row before in the same ``_k`` (rows sorted by ``_k, _node``).

    A comparison with the row before, not a window over ``_k``: the same, and a twentieth of the time.
    """
    return pl.when(pl.col("_k") == pl.col("_k").shift(1)).then(pl.col("_node").shift(1)).alias("_prev")


def _deterministic_edges(nodes: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """Certain links the model may underrate.

    Same surname, same full birth date (or with day and month swapped) and same first initial:
    ``Leonardus Paulussen`` and ``Paulussen, L.``, both born 1973-03-12, are one person whatever
    the given-name levels learned. And the applicant, owner or resident of one verblijfsobject with
    the same surname and first initial. Chained per group; the clustering's constraints still keep
    two BSNs (twins, or a father and son at one address) apart.
    """
    full = nodes.filter(_full_birth_date())
    edges = []
    for dm in (
        pl.concat_str(
            [pl.col("geb_maand").cast(pl.String), pl.col("geb_dag").cast(pl.String)], separator="-"
        ),
        pl.concat_str(
            [
                pl.min_horizontal("geb_maand", "geb_dag").cast(pl.String),
                pl.max_horizontal("geb_maand", "geb_dag").cast(pl.String),
            ],
            separator="-",
        ),
    ):
        keyed = (
            full.select(
                "_node",
                pl.concat_str(
                    [pl.col("achternaam"), pl.col("geb_jaar").cast(pl.String), dm, pl.col("voorletter1")],
                    separator="|",
                ).alias("_k"),
            )
            .drop_nulls("_k")
            .sort("_k", "_node")
        )
        chain = keyed.with_columns(_previous_in_group()).drop_nulls("_prev")
        edges.append(
            chain.select(
                pl.min_horizontal("_node", "_prev").alias("_a"),
                pl.max_horizontal("_node", "_prev").alias("_b"),
            )
        )
    # Same object, same surname and first initial: the permit applicant for an object, its owner and
    # its resident are one person (father and son at one address stay apart through the constraints).
    on_object = (
        nodes.filter(pl.col("bron").is_in(["vergunningen", "kadaster_eigendom", "brp_inschrijvingen"]))
        .select(
            "_node",
            "verblijfsobject_ids",
            pl.concat_str(["achternaam", "voorletter1"], separator="|").alias("_n"),
        )
        .explode("verblijfsobject_ids")
        .drop_nulls()
        .select("_node", pl.concat_str(["verblijfsobject_ids", "_n"], separator="|").alias("_k"))
        .unique()
        .sort("_k", "_node")
    )
    chain = on_object.with_columns(_previous_in_group()).drop_nulls("_prev")
    edges.append(
        chain.select(
            pl.min_horizontal("_node", "_prev").alias("_a"), pl.max_horizontal("_node", "_prev").alias("_b")
        )
    )
    edges.append(_household_edges(nodes))
    det = pl.concat(edges).unique().join(scored.select("_a", "_b"), on=["_a", "_b"], how="anti")
    rep = nodes.select("_node", "unique_id")
    return (
        det.join(rep.rename({"_node": "_a", "unique_id": "record_l"}), on="_a")
        .join(rep.rename({"_node": "_b", "unique_id": "record_r"}), on="_b")
        .with_columns(pl.lit(_DETERMINISTIC).alias("match_probability"))
    )


def _full_birth_date() -> pl.Expr:
    return (
        (pl.col("geb_jaar").fill_null(0) > 0)
        & (pl.col("geb_maand").fill_null(0) > 0)
        & (pl.col("geb_dag").fill_null(0) > 0)
    )


#: A surname and first initial that more anchored nodes carry than this is not followed: among
#: so many, one person alone is rare, and the pairs would grow with the square of a common name.
_NAMESAKE_MAX_ANCHORS = 200


def _namesakes(nodes: pl.DataFrame) -> pl.DataFrame:
    """``_a, _b, _all_given``: an unanchored node and an anchored namesake with compatible given names.

    Unanchored: no BSN pseudonym and no full birth date (permit applicants always, some owners
    and officers). Compatible, and at least as specific: the anchored node's initials begin with
    the unanchored one's, and where the unanchored one has a first name, the anchored one has it
    too (its first three letters: ``huseyn``, ``huseyin``). The clustering joins such a node to its
    namesakes' person only when they are one person, or one clearly dominates, or the unanchored
    node names all of the anchored one's two or more given names (``_all_given``) and no other
    namesake person is in the registers. Names that many anchored nodes share are not followed.
    """
    anchored = pl.col("_key").str.starts_with("b|") | _full_birth_date()
    base = nodes.filter(pl.col("achternaam").is_not_null() & pl.col("voorletters").is_not_null()).select(
        "_node",
        "_key",
        "achternaam_vol",
        "voorletters",
        "voornaam",
        "geb_jaar",
        anchored.alias("_anchored"),
    )
    # Candidates share the surname and the first initial, or the first two where the unanchored
    # node has two: "J.A. de Groot" is followed among the J.A. de Grooten, not among every J.
    pairs = pl.concat([_namesake_candidates(base, n) for n in (1, 2)]).with_columns(
        pl.lit(value=False).alias("_typo")
    )
    pairs = pl.concat([pairs, _typo_candidates(base)], how="diagonal_relaxed")
    # The anchored record says at least what the unanchored one says: "Rutten, Anouk Lieke Maria"
    # is not the "A. Rutten" of a portfolio, "A.M. Rutten" may be "Anna Maria Rutten".
    initials = pl.col("voorletters_s").str.starts_with(pl.col("voorletters"))
    first = pl.col("voornaam").is_null() | (
        pl.col("voornaam").str.slice(0, 3) == pl.col("voornaam_s").str.slice(0, 3)
    ).fill_null(value=False)
    # Every given name of the anchored person, two or more: initials equal, not just a prefix.
    all_given = (
        (pl.col("voorletters") == pl.col("voorletters_s"))
        & (pl.col("voorletters").str.len_chars() >= 2)
        & ~pl.col("_typo")
    )
    return pairs.filter(initials & first).select(
        pl.col("_node").alias("_a"), pl.col("_node_s").alias("_b"), all_given.alias("_all_given")
    )


def _namesake_candidates(base: pl.DataFrame, n: int) -> pl.DataFrame:
    """Unanchored nodes beside the anchored nodes of the same surname and first ``n`` initials.

    The unanchored nodes with ``n`` or more initials (exactly one for ``n`` = 1); the anchored
    ones only where they are few enough to follow.
    """
    lead = pl.col("voorletters").str.slice(0, n).alias("_lead")
    count = pl.col("voorletters").str.len_chars()
    strong = base.filter(pl.col("_anchored") & (count >= n)).with_columns(lead)
    key = ["achternaam_vol", "_lead"]
    few = strong.group_by(key).len().filter(pl.col("len") <= _NAMESAKE_MAX_ANCHORS)
    strong = strong.join(few.select(key), on=key, how="semi")
    weak = base.filter(~pl.col("_anchored") & ((count == 1) if n == 1 else (count >= n))).with_columns(lead)
    return weak.join(strong, on=key, suffix="_s")


def _typo_candidates(base: pl.DataFrame) -> pl.DataFrame:
    """Unanchored nodes whose surname no anchored node bears, beside those it is a typo of.

    ``H. Yıldrıım``, a permit of Hüseyin Yıldırım's. Marked ``_typo``: only a dominant person
    takes them, never a sole one on the strength of the given names.
    """
    import duckdb

    known = base.filter(pl.col("_anchored")).select(pl.col("achternaam_vol").alias("s")).unique()
    lone = base.filter(~pl.col("_anchored")).join(known, left_on="achternaam_vol", right_on="s", how="anti")
    typed = lone.select(pl.col("achternaam_vol").alias("w")).unique()
    if typed.is_empty() or known.is_empty():
        return pl.DataFrame()
    con = duckdb.connect()
    try:
        con.register("typed", typed.to_arrow())
        con.register("known", known.to_arrow())
        close = pl.from_arrow(
            con.sql(
                # blocked on the first letter and the length (a typo changes them rarely), so a
                # region's hundred thousand surnames are not all compared with each other
                "SELECT w, s FROM typed JOIN known ON left(w, 1) = left(s, 1) "
                "AND abs(length(w) - length(s)) <= 2 "
                "WHERE w <> s AND length(w) >= 4 AND jaro_winkler_similarity(w, s) >= ?",
                params=[_SURNAME_SIMILARITY_LEVELS[0]],
            ).to_arrow_table()
        )
    finally:
        con.close()
    assert isinstance(close, pl.DataFrame)
    retyped = (
        lone.join(close, left_on="achternaam_vol", right_on="w")
        .with_columns(pl.col("s").alias("achternaam_vol"))
        .drop("s")
    )
    strong = base.filter(pl.col("_anchored"))
    candidates = [_namesake_candidates(pl.concat([retyped, strong]), n) for n in (1, 2)]
    return pl.concat(candidates).with_columns(pl.lit(value=True).alias("_typo"))


def _household_edges(nodes: pl.DataFrame) -> pl.DataFrame:
    """``_a, _b``: a permit asked for by a household (``Fam. Rutten``) and the owner it must be.

    A record with a surname and no given names or initials, on an object that exactly one
    owner's record of that surname holds: the household applying for its own home.
    """

    def on_objects(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.select("_node", "achternaam_vol", "verblijfsobject_ids")
            .explode("verblijfsobject_ids")
            .drop_nulls()
            .rename({"verblijfsobject_ids": "_vbo"})
        )

    household = on_objects(
        nodes.filter(
            (pl.col("bron") == "vergunningen")
            & pl.col("voorletters").is_null()
            & pl.col("voornaam").is_null()
        )
    )
    owners = on_objects(nodes.filter(pl.col("bron") == "kadaster_eigendom"))
    pairs = (
        household.join(owners, on=["_vbo", "achternaam_vol"], suffix="_o").select("_node", "_node_o").unique()
    )
    sole = pairs.filter(pl.col("_node_o").n_unique().over("_node") == 1)
    return sole.select(
        pl.min_horizontal("_node", "_node_o").alias("_a"), pl.max_horizontal("_node", "_node_o").alias("_b")
    )


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _persoon_ids(min_records: list[str]) -> list[str]:
    # Letters only: a hex digest can hold nine digits in a row that pass the 11-proef and look like a BSN.
    return ["P" + hashlib.sha256(r.encode()).hexdigest()[:16].translate(_LETTERS) for r in min_records]


def link_persons(
    records: pl.DataFrame,
    cfg: PersonLinkageConfig,
    *,
    trained_model: dict[str, Any] | None = None,
    reviewed: pl.DataFrame | None = None,
    backend: LinkageConfig | None = None,
    count_blocking: bool = True,
) -> PersonLinkResult:
    """Link the person-bearing records into persons.

    Args:
        records: The output of :func:`linkage.person_records.person_records`.
        cfg: Thresholds, training and thread settings.
        trained_model: A trained Splink settings dict; reused unless ``cfg.retrain``.
        reviewed: Clerical decisions ``record_l, record_r, besluit`` (``match``/``no match``);
            they force the pair's probability to 1.0 / 0.0 before clustering.
        backend: The linkage configuration whose ``backend`` (and ``spark``) says where Splink
            runs; None: DuckDB with ``cfg.num_threads`` threads.
        count_blocking: Count the candidate pairs per blocking rule exactly (``blocking``,
            ``counts["candidate_pairs"]``): a diagnostic of the blocking design that costs about
            a sixth of the linkage; without it ``blocking`` is empty and the count absent.

    Returns:
        The links, scored pairs, model (in the DuckDB dialect), charts, counts and timings.

    Raises:
        linkage.backends.BackendUnavailableError: Spark is configured and cannot start.
    """
    quiet_splink()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    reviewed_records = (
        pl.concat([reviewed.get_column("record_l"), reviewed.get_column("record_r")])
        if reviewed is not None and reviewed.height > 0
        else pl.Series("record", [], dtype=pl.String)
    )
    nodes, rec2node = _nodes(_node_keys(records, reviewed_records))
    frames = {
        str(b): nodes.filter(pl.col("bron") == b).drop("_key", "_node", "n_records")
        for b in nodes.get_column("bron").unique().sort().to_list()
    }
    timings["nodes"] = time.perf_counter() - t0

    t = time.perf_counter()
    dialect = backend_name(backend)
    db_api = splink_db_api(backend, cfg.num_threads)
    blocking = (
        count_pairs(db_api, frames, PERSON_BLOCKING_RULES, "link_and_dedupe", "unique_id")
        if count_blocking
        else []
    )
    timings["blocking_counts"] = time.perf_counter() - t

    t = time.perf_counter()
    reuse = trained_model is not None and not cfg.retrain
    raised: list[str] = []
    settings = trained_model if reuse and trained_model is not None else person_settings()
    if dialect != "duckdb":
        settings = with_sql_of(settings, person_settings(dialect))
    surnames = _surname_frequencies(nodes)
    if not reuse:
        # Trained on at most cfg.train_nodes records, sampled uniformly (the estimates are per
        # pair, so a uniform sample keeps them unbiased); the EM rounds' blocked pairs grow with
        # the square of the records and would dominate a region's or the country's run.
        train_frames = frames
        if nodes.height > cfg.train_nodes:
            share = cfg.train_nodes / nodes.height
            train_frames = {b: f.sample(fraction=share, seed=cfg.seed) for b, f in frames.items()}
        # The model is checked (no_level_below_disagreement) before the linker that predicts is
        # made from it: trained on tables of their own names, in the same database unless sampled
        # (a second DuckDB would hold a second memory limit's worth of buffers).
        sampled = train_frames is not frames
        train_api = splink_db_api(backend, cfg.num_threads) if sampled else db_api
        trainer = make_linker(train_api, {f"train_{b}": f for b, f in train_frames.items()}, settings)
        register_term_frequencies(train_api, trainer, "achternaam", surnames, prefix="train_")
        train(trainer, _plan(cfg))
        settings = trainer.misc.save_model_to_json()
        raised = no_level_below_disagreement(settings)
        del trainer, train_frames
        if sampled:
            release(train_api)
    linker = make_linker(db_api, frames, settings)
    register_term_frequencies(db_api, linker, "achternaam", surnames)
    timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    lower = min(cfg.review_lower, cfg.match_threshold)
    raw = predict_pairs(linker, lower)
    timings["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    ids = nodes.select("unique_id", "_node")
    pairs = (
        raw.select("unique_id_l", "unique_id_r", "match_weight", "match_probability")
        .join(ids.rename({"unique_id": "unique_id_l", "_node": "_l"}), on="unique_id_l")
        .join(ids.rename({"unique_id": "unique_id_r", "_node": "_r"}), on="unique_id_r")
        .with_columns(pl.min_horizontal("_l", "_r").alias("_a"), pl.max_horizontal("_l", "_r").alias("_b"))
    )
    over = _overrides(reviewed, rec2node)
    rep = ids.select(pl.col("_node"), pl.col("unique_id"))
    pairs = (
        pairs.join(over, on=["_a", "_b"], how="full", coalesce=True)
        .join(rep.rename({"_node": "_a", "unique_id": "_ua"}), on="_a", how="left")
        .join(rep.rename({"_node": "_b", "unique_id": "_ub"}), on="_b", how="left")
        .select(
            pl.coalesce("unique_id_l", "_ua").alias("record_l"),
            pl.coalesce("unique_id_r", "_ub").alias("record_r"),
            "match_weight",
            pl.coalesce("_forced", "match_probability").alias("match_probability"),
            "besluit",
            "_a",
            "_b",
        )
    )
    n_nodes = nodes.height
    pairs = pl.concat([pairs, _deterministic_edges(nodes, pairs)], how="diagonal_relaxed")
    strong = pairs.filter(pl.col("match_probability") >= cfg.match_threshold)
    labels = constrained_clusters(
        nodes.select(
            "_node",
            # BRP nodes are keyed by their pseudonym: two of them are two people.
            pl.when(pl.col("_key").str.starts_with("b|")).then(pl.col("_key")).alias("bsn_pseudoniem"),
            "geb_jaar",
            "geb_maand",
            "geb_dag",
            "n_records",
        ),
        pairs.select("_a", "_b", "match_probability", "besluit"),
        threshold=cfg.match_threshold,
        margin=cfg.unanchored_margin,
        unanchored_threshold=cfg.unanchored_threshold,
        namesakes=_namesakes(nodes) if cfg.dominant_namesake else None,
    )
    node_cluster = nodes.select("_node", "unique_id", "n_records").with_columns(
        pl.Series("_cluster", labels, dtype=pl.Int64)
    )
    cl = node_cluster.select("_node", "_cluster")
    edges = (
        pairs.join(cl.rename({"_node": "_a", "_cluster": "_ca"}), on="_a")
        .join(cl.rename({"_node": "_b", "_cluster": "_cb"}), on="_b")
        .with_columns((pl.col("_ca") == pl.col("_cb")).alias("_within"))
    )
    ends = pl.concat(
        [
            edges.select(pl.col("_a").alias("_node"), "match_probability", "_within"),
            edges.select(pl.col("_b").alias("_node"), "match_probability", "_within"),
        ]
    )
    best = ends.group_by("_node").agg(
        pl.col("match_probability").filter(pl.col("_within")).max().alias("_p_in"),
        pl.col("match_probability").max().alias("_p_any"),
    )
    cluster_size = node_cluster.group_by("_cluster").agg(pl.col("n_records").sum().alias("_size"))
    node_z = (
        node_cluster.join(best, on="_node", how="left")
        .join(cluster_size, on="_cluster")
        .with_columns(
            pl.when(pl.col("n_records") > 1)
            .then(pl.lit(1.0))
            .when(pl.col("_size") > 1)
            .then(pl.col("_p_in").fill_null(0.0))
            .otherwise(pl.col("_p_any").fill_null(0.0))
            .alias("zekerheid")
        )
    )
    links = rec2node.select("record", "_node").join(
        node_z.select("_node", "_cluster", "zekerheid"), on="_node"
    )
    first = links.group_by("_cluster").agg(pl.col("record").min().alias("_min"))
    first = first.with_columns(pl.Series("persoon_id", _persoon_ids(first.get_column("_min").to_list())))
    links = (
        links.join(first.select("_cluster", "persoon_id"), on="_cluster")
        .select("record", "persoon_id", "zekerheid")
        .sort("record")
    )
    timings["cluster"] = time.perf_counter() - t

    t = time.perf_counter()
    model: dict[str, Any] = linker.misc.save_model_to_json()
    if dialect != "duckdb":
        model = with_sql_of(model, person_settings())
    chart_html = charts(linker)
    del linker
    release(db_api)
    timings["model_charts"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    counts = {
        "records": records.height,
        "nodes": n_nodes,
        **({"candidate_pairs": int(blocking[-1]["cumulative"]) if blocking else 0} if count_blocking else {}),
        "pairs": pairs.height,
        "clusters": int(first.height),
        "linked_pairs": strong.height,
    }
    return PersonLinkResult(
        links=links,
        pairs=pairs.drop("_a", "_b").sort("match_probability", descending=True),
        model=model,
        charts=chart_html,
        counts=counts,
        timings=timings,
        blocking=blocking,
        raised_levels=raised,
    )


def uncertain_pairs(
    result: PersonLinkResult, records: pl.DataFrame, lower: float, upper: float
) -> pl.DataFrame:
    """The pairs with ``lower <= match_probability < upper`` and both records side by side.

    Args:
        result: A person linkage result.
        records: The person records it was run on (for names, birth dates, addresses).
        lower: Lower bound of the review band (inclusive).
        upper: Upper bound (exclusive).

    Returns:
        ``record_l, record_r, match_weight, match_probability``, the compared fields with suffixes
        ``_l`` / ``_r`` and an empty ``besluit`` column for the reviewer.
    """
    fields = records.select("record", *_REVIEW_FIELDS)
    band = result.pairs.filter(
        (pl.col("match_probability") >= lower)
        & (pl.col("match_probability") < upper)
        & pl.col("besluit").is_null()
    ).select("record_l", "record_r", "match_weight", "match_probability")
    out = band.join(fields.rename({c: f"{c}_l" for c in fields.columns}), on="record_l", how="left").join(
        fields.rename({c: f"{c}_r" for c in fields.columns}), on="record_r", how="left"
    )
    ordered = ["record_l", "record_r", "match_weight", "match_probability"]
    for c in _REVIEW_FIELDS:
        ordered += [f"{c}_l", f"{c}_r"]
    return (
        out.select(ordered)
        .with_columns(pl.lit("", dtype=pl.String).alias("besluit"))
        .sort("match_probability", descending=True)
    )
