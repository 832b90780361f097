"""The batch: ingest → address linkage → features → model → signals, run.json and MLflow.

The only module that knows the order of the stages. Outputs are written into a hidden temporary
folder and moved into place in one rename at the end, so a run that fails or is killed never
leaves a partial signal list; ``OUT/latest`` points at the newest complete run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from features import FeatureInputs, build_features, catalogue
from features.base import KLEINVERBRUIK_SCHEMA, UITKOMST_SCHEMA
from linkage import AddressMatch, CompanyMatch, link_companies, match_addresses, object_link_certainty
from linkage.graph import Graph, build_graph, object_parties
from linkage.person_records import person_records
from linkage.persons import PersonLinkResult, link_persons, model_is_current, uncertain_pairs
from models import SignalModel, latest_investigations
from vastgoed.core.config import Config
from vastgoed.core.errors import DataError
from vastgoed.core.files import write_json_atomic
from vastgoed.core.memory import peak_is_per_stage, peak_rss_mib, reset_peak
from vastgoed.core.schema import AUDIT_ONLY_FILES, FENOMENEN
from vastgoed.ethics import ProxyReport, object_groups, proxy_screen
from vastgoed.ethics.documents import RunFacts, write_documents
from vastgoed.ethics.fairness import FairnessReport, FairnessSettings, fairness_audit, fairness_html
from vastgoed.ethics.metadata import EthicsIncomplete, EthicsMetadata, load_ethics
from vastgoed.ethics.privacy import KnownIdentifiers, check_paths
from vastgoed.ethics.review import ReviewError, audit_log, audit_log_path, run_file_hashes, verdict_labels
from vastgoed.ingest import IngestResult, ingest, read_kleinverbruik, write_quarantine
from vastgoed.modelling import (
    TrainingReport,
    explain_signals,
    model_hash,
    register_and_decide,
    score_objects,
    train_model,
)
from vastgoed.report.charts import chart_png
from vastgoed.report.html import RECENT_COLUMNS, ReportInput, write_report
from vastgoed.tracking import (
    MODEL_NAME,
    Champion,
    delete_run,
    download_artifacts,
    load_champion,
    load_linkage_model,
    log_batch_run,
)

__all__ = [
    "Prepared",
    "RunResult",
    "address_text",
    "data_hash",
    "export_review",
    "prepare_features",
    "read_reviewed",
    "run_batch",
]

SIGNAL_COLUMNS = (
    "rank",
    "verblijfsobject_id",
    "adres",
    "buurtcode",
    "score",
    "fenomeen",
    "redenen",
    "model_version",
    "run_id",
)
_VERSIONED = (
    "vastgoed",
    "polars",
    "numpy",
    "lightgbm",
    "scikit-learn",
    "splink",
    "duckdb",
    "mlflow",
    "networkx",
)


@dataclass
class RunResult:
    """What a batch run produced."""

    run_id: str
    run_dir: Path
    n_scored: int
    timings: dict[str, float] = field(default_factory=dict)
    #: What the audit log records about the run (no identifiers).
    audit: dict[str, Any] = field(default_factory=dict)


class _Stages:
    """Times each stage and shows progress on the console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.timings: dict[str, float] = {}
        #: Peak resident memory per stage (MiB): the process's high-water mark during the stage.
        self.peaks: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        reset_peak()
        start = time.perf_counter()
        with self.console.status(f"[bold]{name}[/bold] …"):
            yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self.peaks[name] = max(self.peaks.get(name, 0.0), peak_rss_mib())
        self.console.log(
            f"[green]✓[/green] {name} ({self.timings[name]:.1f} s, peak {self.peaks[name] / 1024:.2f} GiB)"
        )

    def memory(self) -> dict[str, Any]:
        """What run.json records about memory: per-stage peaks and how they were measured."""
        return {
            "peak_rss_mib": dict(self.peaks),
            "overall_peak_rss_mib": max(self.peaks.values(), default=0.0),
            "per_stage": peak_is_per_stage(),
        }


def address_text(bag: pl.DataFrame) -> pl.DataFrame:
    """``verblijfsobject_id`` and a readable address: ``Straat 12A-2, 6211AB Maastricht``."""
    suffix = pl.concat_str(
        [
            pl.col("huisletter").fill_null(""),
            pl.when(pl.col("huisnummertoevoeging").is_not_null())
            .then(pl.lit("-") + pl.col("huisnummertoevoeging"))
            .otherwise(pl.lit("")),
        ]
    )
    return bag.select(
        "verblijfsobject_id",
        pl.concat_str(
            [
                pl.col("openbare_ruimte"),
                pl.lit(" "),
                pl.col("huisnummer").cast(pl.String),
                suffix,
                pl.lit(", "),
                pl.col("postcode"),
                pl.lit(" "),
                pl.col("woonplaats"),
            ]
        ).alias("adres"),
    )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _code_version() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _linked(table: pl.DataFrame, stem: str, links: pl.DataFrame) -> pl.DataFrame:
    """The table with ``verblijfsobject_id`` of its address link (null where unmatched)."""
    ids = links.filter(pl.col("bron") == stem).select("rij", "verblijfsobject_id")
    if "verblijfsobject_id" in table.columns:
        table = table.drop("verblijfsobject_id")
    return table.join(ids, on="rij", how="left")


def _feature_inputs(
    res: IngestResult, am: AddressMatch, graph: Graph, kleinverbruik: pl.DataFrame | None
) -> FeatureInputs:
    t = res.tables
    links = am.links

    def linked(stem: str) -> pl.DataFrame:
        return _linked(t[stem], stem, links)

    meld = t.get("meldingen")
    meldingen = (
        _linked(meld, "meldingen", links)
        if meld is not None
        else pl.DataFrame(schema={"verblijfsobject_id": pl.String, "datum": pl.Date, "categorie": pl.String})
    )
    return FeatureInputs(
        peildatum=res.manifest.peildatum,
        objects=t["bag_verblijfsobjecten"],
        inschrijvingen=linked("brp_inschrijvingen").filter(pl.col("verblijfsobject_id").is_not_null()),
        vestigingen=linked("kvk_vestigingen"),
        eigendom=linked("kadaster_eigendom").filter(pl.col("verblijfsobject_id").is_not_null()),
        vergunningen=linked("vergunningen").filter(pl.col("verblijfsobject_id").is_not_null()),
        verbruik=linked("energie_verbruik").filter(pl.col("verblijfsobject_id").is_not_null()),
        meldingen=meldingen.filter(pl.col("verblijfsobject_id").is_not_null()),
        netwerk=object_parties(graph),
        uitkomsten=t["onderzoeksuitkomsten"].select(list(UITKOMST_SCHEMA))
        if "onderzoeksuitkomsten" in t
        else pl.DataFrame(schema=UITKOMST_SCHEMA),
        kleinverbruik=kleinverbruik.select(list(KLEINVERBRUIK_SCHEMA))
        if kleinverbruik is not None
        else pl.DataFrame(schema=KLEINVERBRUIK_SCHEMA),
    )


def _proxy_screen(
    res: IngestResult, inputs: FeatureInputs, feats: pl.DataFrame, config: Config
) -> ProxyReport | None:
    """The feature guard's proxy screen against ``audit_kenmerken``; None when the file is absent."""
    audit = res.tables.get("audit_kenmerken")
    if audit is None or audit.height == 0:
        res.warnings.append("audit_kenmerken absent: the proxy screen of the features did not run")
        return None
    groups = object_groups(inputs.inschrijvingen, audit, inputs.peildatum)
    ec = config.ethics
    return proxy_screen(
        feats,
        groups,
        catalogue(),
        ec.proxy_threshold,
        min_objects=ec.proxy_min_objects,
        maatstaf=ec.proxy_maatstaf,
    )


def _previous_investigations(outcomes: pl.DataFrame, peildatum: dt.date) -> pl.DataFrame:
    """Per investigated object: the date and outcome of its latest investigation before the peildatum."""
    return latest_investigations(outcomes, peildatum).select(
        "verblijfsobject_id",
        pl.col("datum_onderzoek").alias("laatste_onderzoek"),
        pl.concat_str([pl.col("fenomeen"), pl.lit(": "), pl.col("uitkomst")]).alias("laatste_uitkomst"),
    )


def _linkage_model(config: Config, res: IngestResult) -> tuple[dict[str, Any] | None, str | None]:
    """The Splink model of an earlier run, unless retraining is asked, tracking is off or it is stale."""
    if config.linkage.persons.retrain or not config.tracking.enabled:
        return None, None
    found = load_linkage_model(config.tracking, res.manifest.gemeentecode)
    if found is None:
        return None, None
    if not model_is_current(found[0]):
        res.warnings.append(
            f"person linkage: the model of MLflow run {found[1]} has other comparisons than this "
            "version of the engine; retrained"
        )
        return None, None
    return found


def _link(res: IngestResult, config: Config) -> tuple[AddressMatch, CompanyMatch]:
    """Addresses, then companies (which need the address links)."""
    am = match_addresses(
        res.tables["bag_verblijfsobjecten"],
        res.tables,
        fuzzy_threshold=config.linkage.address_fuzzy_threshold,
        backend=config.linkage,
    )
    return am, link_companies(res.tables, am.links, name_threshold=config.linkage.company_name_threshold)


@dataclass(frozen=True)
class _Persons:
    records: pl.DataFrame
    result: PersonLinkResult
    reviewed: pl.DataFrame | None
    reused_from: str | None


def _link_persons(res: IngestResult, am: AddressMatch, cm: CompanyMatch, config: Config) -> _Persons:
    """Person linkage with the earlier run's model (unless retraining) and the reviewers' decisions."""
    trained, reused_from = _linkage_model(config, res)
    reviewed = read_reviewed(Path(config.linkage.reviewed_pairs)) if config.linkage.reviewed_pairs else None
    # A permit applicant whose name is a company's trade name is that company, not a person.
    companies = cm.links.filter(pl.col("bron") == "vergunningen").select("record")
    records = person_records(res.tables, am.links).join(companies, on="record", how="anti")
    result = link_persons(
        records, config.linkage.persons, trained_model=trained, reviewed=reviewed, backend=config.linkage
    )
    return _Persons(records, result, reviewed, reused_from)


_REVIEW_DECISIONS = ("match", "no match")


def read_reviewed(path: Path) -> pl.DataFrame:
    """Read clerical decisions: ``record_l, record_r, besluit`` (``match`` or ``no match``).

    Rows with an empty ``besluit`` (not yet reviewed) are skipped.

    Raises:
        DataError: naming the file, row and column of a malformed decision.
    """
    if not path.exists():
        raise DataError(str(path), "reviewed pairs file not found")
    try:
        df = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise DataError(str(path), f"cannot be parsed as CSV: {exc}") from exc
    for col in ("record_l", "record_r", "besluit"):
        if col not in df.columns:
            raise DataError(str(path), "required column missing", kolom=col)
    df = df.with_row_index("rij").with_columns(pl.col("besluit").str.strip_chars().str.to_lowercase())
    df = df.filter(pl.col("besluit").is_not_null() & (pl.col("besluit") != ""))
    record = r"^[a-z_]+:\d+$"
    for col in ("record_l", "record_r"):
        bad = df.filter(~pl.col(col).fill_null("").str.contains(record))
        if bad.height:
            raise DataError(str(path), f"row {bad['rij'][0]}: not a record id (stem:row)", kolom=col)
    bad = df.filter(~pl.col("besluit").is_in(_REVIEW_DECISIONS))
    if bad.height:
        raise DataError(
            str(path), f"row {bad['rij'][0]}: besluit must be 'match' or 'no match'", kolom="besluit"
        )
    return df.select("record_l", "record_r", "besluit")


@dataclass(frozen=True)
class Prepared:
    """The linked tables and features of a data folder, ready for training (experiments)."""

    res: IngestResult
    inputs: FeatureInputs
    features: pl.DataFrame
    outcomes: pl.DataFrame


@dataclass(frozen=True)
class _Built:
    """Everything the stages up to the features produce."""

    res: IngestResult
    am: AddressMatch
    cm: CompanyMatch
    persons: _Persons
    graph: Graph
    inputs: FeatureInputs
    features: pl.DataFrame


def _link_and_build(data_dir: Path, config: Config, st: _Stages) -> _Built:
    """Ingest, link addresses, companies and persons, build the graph and the features."""
    with st.stage("ingest"):
        res = ingest(data_dir, fallback_encoding=config.ingest.fallback_encoding)
    with st.stage("linkage"):
        am, cm = _link(res, config)
    with st.stage("persons"):
        persons = _link_persons(res, am, cm, config)
    with st.stage("graph"):
        graph = build_graph(
            res.tables,
            am.links,
            cm.links,
            persons.result.links,
            {stem: res.manifest.extractdatum(stem) for stem in res.tables},
        )
    with st.stage("features"):
        kleinverbruik = read_kleinverbruik(data_dir, fallback_encoding=config.ingest.fallback_encoding)
        inputs = _feature_inputs(res, am, graph, kleinverbruik)
        feats = build_features(inputs)
    return _Built(res, am, cm, persons, graph, inputs, feats)


def prepare_features(data_dir: Path, config: Config, console: Console | None = None) -> Prepared:
    """Ingest, link and build features without writing a run (for ``vastgoed experiment run``)."""
    b = _link_and_build(data_dir, config, _Stages(console or Console(quiet=True)))
    outcomes = b.res.tables.get("onderzoeksuitkomsten")
    if outcomes is None or outcomes.height == 0:
        raise DataError("onderzoeksuitkomsten", "no investigation outcomes: nothing to train on")
    return Prepared(res=b.res, inputs=b.inputs, features=b.features, outcomes=outcomes)


def export_review(data_dir: Path, out_file: Path, config: Config, console: Console | None = None) -> int:
    """Write the person pairs in the review band, with both records' fields, for clerical review.

    The file holds names and birth dates: it is for the reviewers, never part of a run's outputs.
    Pairs already decided in ``config.linkage.reviewed_pairs`` are left out.

    Returns:
        The number of pairs written.
    """
    st = _Stages(console or Console(quiet=True))
    with st.stage("ingest"):
        res = ingest(data_dir, fallback_encoding=config.ingest.fallback_encoding)
    with st.stage("linkage"):
        am, cm = _link(res, config)
    with st.stage("persons"):
        persons = _link_persons(res, am, cm, config)
        reviewed = persons.reviewed
        p = config.linkage.persons
        band = uncertain_pairs(persons.result, persons.records, p.review_lower, p.review_upper)
        if reviewed is not None:
            decided = pl.concat(
                [
                    reviewed.select("record_l", "record_r"),
                    reviewed.select(
                        pl.col("record_r").alias("record_l"), pl.col("record_l").alias("record_r")
                    ),
                ]
            )
            band = band.join(decided, on=["record_l", "record_r"], how="anti")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    band.write_csv(tmp)
    os.replace(tmp, out_file)
    return band.height


_OWNER_FILE = ".pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(out_dir: Path) -> None:
    """Remove the temporary folders of runs that were killed; leave those of runs still going."""
    for stale in out_dir.glob(".tmp-*"):
        try:
            pid = int((stale / _OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pid = -1
        if pid > 0 and _alive(pid):
            continue
        shutil.rmtree(stale, ignore_errors=True)


def _point_latest(out_dir: Path, run_id: str) -> None:
    tmp_link = out_dir / f".latest-{run_id}"
    tmp_link.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp_link, out_dir / "latest")


def run_batch(
    data_dir: Path, out_dir: Path, config: Config, console: Console | None = None, *, train: bool = False
) -> RunResult:
    """Run the whole batch on a data folder and write ``OUT/<run_id>/``.

    Args:
        data_dir: A folder in the data contract's format.
        out_dir: Where run folders go.
        config: The typed run configuration.
        console: Where progress goes (a quiet console when None).
        train: Train a new model (registered; champion only if it beats the champion) even when a
            champion exists. Without a champion (or with tracking off) a run always trains.

    Returns:
        The run's id, folder, size and timings.
    """
    console = console or Console(quiet=True)
    # Refuses to start while a required ethics entry is empty (EthicsIncomplete lists them all).
    meta = load_ethics(config.ethics.metadata_path())
    # A run's entry can only be chained onto a log that verifies: say so now, not after the batch.
    check = audit_log(out_dir).verify() if audit_log_path(out_dir).parent.is_dir() else None
    if check is not None and not check.ok:
        raise ReviewError(
            f"audit log of {out_dir} does not verify ({check.problems[0]}): no run is logged onto it; "
            f"run `vastgoed audit verify --out {out_dir}`"
        )
    started = dt.datetime.now(dt.UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(out_dir)
    tmp = out_dir / f".tmp-{run_id}"
    (tmp / "links").mkdir(parents=True)
    (tmp / _OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    st = _Stages(console)
    try:
        result = _run(data_dir, tmp, run_id, started, config, st, train, meta, out_dir)
        (tmp / _OWNER_FILE).unlink()
        os.replace(tmp, out_dir / run_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.run_dir = out_dir / run_id
    try:
        audit_log(out_dir).append(
            "run",
            actor=f"batch:{os.environ.get('USER', 'onbekend')}",
            run_id=run_id,
            details=result.audit | {"bestanden_sha256": run_file_hashes(result.run_dir)},
        )
    except BaseException:
        # A run the audit log does not record is not published.
        shutil.rmtree(result.run_dir, ignore_errors=True)
        raise
    _point_latest(out_dir, run_id)
    return result


def data_hash(res: IngestResult) -> str:
    """One SHA-256 over the input files' hashes: the data a run (or a training) saw."""
    return hashlib.sha256(json.dumps(res.hashes, sort_keys=True).encode()).hexdigest()


def _freshness(res: IngestResult) -> str:
    """The extract date of every source a signal can rest on, for its dossier: ``bron=datum; ...``."""
    return "; ".join(
        f"{stem}={res.manifest.extractdatum(stem).isoformat()}"
        for stem in sorted(res.tables)
        if stem not in AUDIT_ONLY_FILES
    )


def _fairness(
    res: IngestResult,
    inputs: FeatureInputs,
    feats: pl.DataFrame,
    signals: pl.DataFrame,
    outcomes: pl.DataFrame,
    proxy_summary: dict[str, Any] | None,
    meta: EthicsMetadata,
    config: Config,
) -> FairnessReport:
    """The run's fairness audit with the proxy screen's summary (``audit_kenmerken`` in aggregate only)."""
    audit = res.tables.get("audit_kenmerken")
    groups = (
        object_groups(inputs.inschrijvingen, audit, inputs.peildatum)
        if audit is not None and audit.height
        else None
    )
    return fairness_audit(
        objects=inputs.objects.select("verblijfsobject_id", "buurtcode"),
        features=feats,
        signals=signals.select("verblijfsobject_id", "score", "rank"),
        outcomes=outcomes,
        groups=groups,
        capacity=config.model.capacity,
        settings=FairnessSettings(**meta.fairness.model_dump()),
        proxy=proxy_summary,
    )


def _run_facts(
    run_info: dict[str, Any],
    res: IngestResult,
    signals: pl.DataFrame,
    ranked: pl.DataFrame,
    training: TrainingReport | None,
    fairness: FairnessReport,
    config: Config,
    started: dt.datetime,
) -> RunFacts:
    """What the register entry, model card and datasheet say about this run."""
    sources = []
    for stem in sorted(res.tables):
        bron = res.manifest.bronnen.get(stem)
        counts = res.counts.get(stem)
        sources.append(
            {
                "stem": stem,
                "extractdatum": res.manifest.extractdatum(stem).isoformat(),
                "rijen": counts.rows_read if counts else res.tables[stem].height,
                "gequarantaineerd": counts.rows_quarantined if counts else 0,
                "sha256": res.hashes.get(counts.path, "") if counts else "",
                "grondslag": (bron.grondslag if bron else None) or "",
            }
        )
    features = [
        {
            "naam": spec.name,
            "familie": spec.family,
            "label": spec.label_nl,
            "bronnen": list(spec.sources),
            "grondslag": spec.legal_basis,
            "proxy_risico": spec.proxy_risk,
        }
        for spec in catalogue()
    ]
    return RunFacts(
        run_id=run_info["run_id"],
        started=started,
        gemeentecode=res.manifest.gemeentecode,
        peildatum=res.manifest.peildatum,
        synthetisch=res.manifest.synthetisch,
        model_version=run_info["model"]["model_version"],
        code_version=str(run_info["code_version"]),
        config=run_info["config"],
        sources=sources,
        features=features,
        n_objects=signals.height,
        n_ranked=ranked.height,
        n_recent=int((signals["status"] == "recent_onderzocht").sum()),
        capacity=config.model.capacity,
        training=None if training is None else training.summary(),
        fairness_summary=fairness.summary(),
        proxy_summary=fairness.proxy,
        generated_at=started,
    )


def _scan_mlflow(config: Config, run_ids: list[str], known: KnownIdentifiers) -> None:
    """Scan what MLflow stored for the runs: their artefacts and logged models, from any store.

    On a find, those MLflow runs and their models are deleted and the run fails.
    """
    from vastgoed.ethics.privacy import PrivacyError

    with tempfile.TemporaryDirectory(prefix="vastgoed-mlflow-scan-") as tmp:
        dirs = [d for r in run_ids for d in download_artifacts(config.tracking, r, Path(tmp))]
        try:
            check_paths(dirs, known)
        except PrivacyError:
            for r in run_ids:
                delete_run(config.tracking, r)
            raise


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _report_input(
    signals: pl.DataFrame,
    bag: pl.DataFrame,
    model: SignalModel,
    res: IngestResult,
    am: AddressMatch,
    pr: PersonLinkResult,
    proxy: ProxyReport | None,
    training: TrainingReport | None,
    run_id: str,
    model_version: str,
    config: Config,
) -> ReportInput:
    """What the analysts' report shows, from the run's own tables."""
    labels = {s.name: s.label_nl for s in catalogue()}
    reason_fields = ["kenmerk", "label", "feit", "bijdrage"]

    def slim(col: str) -> pl.Expr:
        return (
            pl.col(col)
            .list.eval(pl.struct(*(pl.element().struct.field(f) for f in reason_fields)))
            .alias(col)
        )

    ranked = signals.filter(pl.col("rank").is_not_null()).head(config.output.top_n)
    top = ranked.select(
        "rank",
        "verblijfsobject_id",
        "adres",
        "buurtcode",
        "score",
        "fenomeen",
        *(f"score_{f}" for f in FENOMENEN),
        slim("redenen_detail").alias("redenen"),
        slim("tegen"),
        "laatste_onderzoek",
        "laatste_uitkomst",
    )
    recent = signals.filter(pl.col("status") == "recent_onderzocht").select(RECENT_COLUMNS)
    xy = [c for c in ("x", "y") if c in bag.columns]
    buurten = (
        bag.group_by("buurtcode")
        .agg(
            *(pl.col(c).cast(pl.Float64).mean() for c in xy),
            pl.len().cast(pl.Int64).alias("n_objecten"),
        )
        .join(
            top.group_by("buurtcode").agg(pl.len().cast(pl.Int64).alias("n_signalen")),
            on="buurtcode",
            how="left",
        )
        .with_columns(pl.col("n_signalen").fill_null(0))
        .sort("buurtcode")
    )
    for c in ("x", "y"):
        if c not in buurten.columns:
            buurten = buurten.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    gain = model.importance()
    importance = (
        gain.with_columns(pl.col("gain") / pl.col("gain").sum().over("fenomeen"))
        .group_by("kenmerk")
        .agg(pl.col("gain").sum().alias("belang"))
        .with_columns(
            pl.col("kenmerk")
            .replace_strict(labels, default=pl.col("kenmerk"), return_dtype=pl.String)
            .alias("label")
        )
        .sort("belang", "kenmerk", descending=[True, False])
        .select("kenmerk", "label", "belang")
    )
    n_rows = sum(c.rows_kept for c in res.counts.values())
    quality: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Invoer",
            [
                (stem, f"{c.rows_kept:,} geldig, {c.rows_quarantined:,} in quarantaine")
                for stem, c in sorted(res.counts.items())
            ]
            + [("waarschuwingen", str(len(res.warnings)))],
        ),
        (
            "Adreskoppeling",
            [
                (
                    str(r["bron"]),
                    f"{r['gekoppeld']:,} van {r['gekoppeld'] + r['niet_gekoppeld']:,} ({r['dekking']:.1%})",
                )
                for r in am.coverage().to_dicts()
            ],
        ),
        ("Personen", [(k, f"{v:,}" if isinstance(v, int) else str(v)) for k, v in pr.counts.items()]),
        (
            "Proxy-screen",
            [("uitgevoerd", "nee: audit_kenmerken ontbreekt")]
            if proxy is None
            else [
                ("drempel (AUC)", f"{proxy.threshold}"),
                (
                    "kenmerken boven drempel (met verantwoording)",
                    str(proxy.tabel.filter(pl.col("boven_drempel")).height),
                ),
            ],
        ),
    ]
    metrics: list[tuple[str, list[tuple[str, str]]]] = [
        ("Model", [("versie", model_version), ("geldige rijen in de invoer", f"{n_rows:,}")])
    ]
    if training is not None:
        for ranking, m in training.validation.items():
            metrics.append(
                (
                    f"Validatie (onderzoeken vanaf {training.cutoff.isoformat()}): {ranking}",
                    [(k, _fmt(v)) for k, v in m.items()],
                )
            )
        if training.champion is not None:
            metrics.append(("Champion-besluit", [(k, _fmt(v)) for k, v in training.champion.items()]))
    return ReportInput(
        run_id=run_id,
        gemeentecode=res.manifest.gemeentecode,
        peildatum=res.manifest.peildatum,
        model_version=model_version,
        signals=top,
        recent=recent,
        scores=signals["score"].to_numpy(),
        buurten=buurten.select("buurtcode", "x", "y", "n_objecten", "n_signalen"),
        importance=importance,
        quality=quality,
        metrics=metrics,
    )


def _run(
    data_dir: Path,
    tmp: Path,
    run_id: str,
    started: dt.datetime,
    config: Config,
    st: _Stages,
    train: bool,
    meta: EthicsMetadata,
    out_dir: Path,
) -> RunResult:
    b = _link_and_build(data_dir, config, st)
    res, am, cm, graph, inputs, feats = b.res, b.am, b.cm, b.graph, b.inputs, b.features
    pr, reviewed, reused_from = b.persons.result, b.persons.reviewed, b.persons.reused_from
    bag = res.tables["bag_verblijfsobjecten"]
    if meta.voorbeeld and not res.manifest.synthetisch:
        raise EthicsIncomplete(
            config.ethics.metadata_path(),
            [],
            [],
            [
                "voorbeeld: true (the example metadata shipped with the engine, with example DPIA and "
                "IAMA references) may describe synthetic data only; this data's manifest says "
                "synthetisch = false: write the municipality's own metadata and set voorbeeld = false"
            ],
        )
    known = KnownIdentifiers.from_tables(res.tables)
    with st.stage("write_intermediate"):
        write_quarantine(res.quarantine, tmp / "quarantine.csv")
        am.links.select("record", "verblijfsobject_id", "methode", "zekerheid").write_parquet(
            tmp / "links" / "adressen.parquet"
        )
        am.unmatched.select("record", "bron", "reden").write_parquet(
            tmp / "links" / "adressen_niet_gekoppeld.parquet"
        )
        cm.links.select("record", "kvk_nummer", "zekerheid", "methode").write_parquet(
            tmp / "links" / "bedrijven.parquet"
        )
        pr.links.select("record", "persoon_id", "zekerheid").write_parquet(tmp / "links" / "personen.parquet")
        (tmp / "graph").mkdir()
        graph.nodes.write_parquet(tmp / "graph" / "knopen.parquet")
        graph.edges.write_parquet(tmp / "graph" / "kanten.parquet")
        feats.write_parquet(tmp / "features.parquet")
    with st.stage("proxy_screen"):
        proxy = _proxy_screen(res, inputs, feats, config)
        if proxy is not None:
            proxy.tabel.write_csv(tmp / "proxy_screen.csv")
            # Fails the run (nothing is written to out/) when a feature predicts a group of residents
            # above the threshold without a written justification in the catalogue.
            proxy.check()
    feature_cols = [c for c in feats.columns if c != "verblijfsobject_id"]
    outcomes = res.tables.get("onderzoeksuitkomsten")
    if outcomes is None:
        outcomes = pl.DataFrame(schema=UITKOMST_SCHEMA)
    peildatum = res.manifest.peildatum
    verdicts = verdict_labels(out_dir, peildatum)
    if verdicts.height:
        # analysts' verdicts on released lists are labels too (after the registry's own outcomes)
        outcomes = pl.concat([outcomes, verdicts], how="diagonal_relaxed")  # verdicts have no ``rij``
        res.warnings.append(f"onderzoeksuitkomsten: {verdicts.height} analysts' verdicts added as labels")

    champion: Champion | None = None
    if config.tracking.enabled and not train:
        with st.stage("champion"):
            champion = load_champion(config.tracking)
            if champion is not None and list(getattr(champion.model, "feature_names_", [])) != feature_cols:
                res.warnings.append(
                    f"model: champion version {champion.version} was trained on other features than this "
                    "version of the engine builds; a new model was trained"
                )
                champion = None
    training: TrainingReport | None = None
    mlflow_runs: list[str] = []
    if champion is None:
        if outcomes.height == 0:
            raise DataError(
                "onderzoeksuitkomsten", "no investigation outcomes: the model has nothing to learn from"
            )
        with st.stage("train"):
            training = train_model(inputs, feats, outcomes, config)
        model: SignalModel = training.model
        model_version = training.model_hash
        if config.tracking.enabled:
            with st.stage("register"):
                model, model_version, logged = register_and_decide(
                    training,
                    config,
                    run_name=run_id,
                    tags={
                        "vastgoed.run_id": run_id,
                        "peildatum": peildatum.isoformat(),
                        "gemeentecode": res.manifest.gemeentecode,
                        "synthetisch": str(res.manifest.synthetisch).lower(),
                        "data_sha256": data_hash(res)[:16],
                    },
                )
                mlflow_runs.append(logged.run_id)
            with st.stage("privacy_scan_mlflow"):
                # Scanned now: a later failure must not leave an unscanned training run behind.
                _scan_mlflow(config, [logged.run_id], known)
    else:
        model = champion.model
        model_version = f"{MODEL_NAME}/v{champion.version}"

    with st.stage("score"):
        certainty = object_link_certainty(am.links, pr.links)
        threshold = meta.controle.koppeling_zekerheid_min
        uncertain = certainty.filter(pl.col("koppeling_min_zekerheid") < threshold)["verblijfsobject_id"]
        scored = score_objects(
            model,
            feats,
            bag,
            outcomes,
            peildatum,
            config.model.recent_months,
            address=address_text,
            uncertain=uncertain,
        )

    with st.stage("explain"):
        n_top = min(max(config.model.explain_top, config.output.top_n), scored.height)
        signals = (
            explain_signals(model, scored, feats, config.model, n_top)
            .with_columns(pl.lit(model_version).alias("model_version"), pl.lit(run_id).alias("run_id"))
            .join(_previous_investigations(outcomes, peildatum), on="verblijfsobject_id", how="left")
            .join(certainty, on="verblijfsobject_id", how="left")
            .with_columns(pl.lit(_freshness(res)).alias("actualiteit"))
        )
        signals = signals.select(*SIGNAL_COLUMNS, *(c for c in signals.columns if c not in SIGNAL_COLUMNS))

    with st.stage("report"):
        write_report(
            tmp / "report.html",
            _report_input(signals, bag, model, res, am, pr, proxy, training, run_id, model_version, config),
        )

    with st.stage("write"):
        signals.write_parquet(tmp / "signals.parquet")
        ranked = signals.filter(pl.col("rank").is_not_null())
        ranked.head(config.output.top_n).select(SIGNAL_COLUMNS).write_csv(tmp / "signals.csv")
        signals.filter(pl.col("status") == "recent_onderzocht").select(RECENT_COLUMNS).write_csv(
            tmp / "recent_onderzocht.csv"
        )
        (tmp / "model.txt").write_text(
            "\n".join(f"# {f}\n{text}" for f, text in model.model_strings().items()), encoding="utf-8"
        )
        run_info: dict[str, Any] = {
            "run_id": run_id,
            "started": started.isoformat(),
            "data": {
                "folder": str(data_dir),
                "peildatum": peildatum.isoformat(),
                "gemeentecode": res.manifest.gemeentecode,
                "synthetisch": res.manifest.synthetisch,
                "hashes_sha256": res.hashes,
                "rows": {k: dataclasses.asdict(v) for k, v in res.counts.items()},
                "warnings": res.warnings,
                "quarantined_rows": int(res.quarantine.select(pl.struct("bestand", "rij").n_unique()).item())
                if res.quarantine.height
                else 0,
            },
            "proxy_screen": None
            if proxy is None
            else {
                "maatstaf": proxy.maatstaf,
                "threshold": proxy.threshold,
                "pairs": proxy.tabel.height,
                "above_threshold_justified": proxy.tabel.filter(pl.col("boven_drempel"))
                .select("kenmerk", "attribuut", "groep", "auc", "auc_personen")
                .to_dicts(),
                "groups_not_screened": proxy.overgeslagen.to_dicts(),
            },
            "linkage": {
                "address_coverage": am.coverage().to_dicts(),
                "unmatched_reasons": am.unmatched.group_by("bron", "reden")
                .len()
                .sort("bron", "reden")
                .to_dicts(),
                "company_links": cm.links.group_by("bron", "methode")
                .len()
                .sort("bron", "methode")
                .to_dicts(),
                "persons": {
                    "counts": pr.counts,
                    "timings_s": pr.timings,
                    "blocking": pr.blocking,
                    "model": "trained" if reused_from is None else f"reused from MLflow run {reused_from}",
                    "reviewed_pairs": 0 if reviewed is None else reviewed.height,
                },
            },
            "model": {
                "model_version": model_version,
                "model_sha256": model_hash(model),
                "features": feature_cols,
                "source": "trained in this run" if champion is None else f"champion v{champion.version}",
                "training": None if training is None else training.summary(),
                "ranked": ranked.height,
                "recent_onderzocht": signals.height - ranked.height,
                "explained_rows": int(signals["redenen"].is_not_null().sum()),
            },
            "config": config.model_dump(mode="json"),
            "code_version": _code_version(),
            "versions": _versions(),
            "n_scored": signals.height,
        }
        write_json_atomic(tmp / "run.json", run_info)

    with st.stage("ethics"):
        fairness = _fairness(res, inputs, feats, signals, outcomes, run_info["proxy_screen"], meta, config)
        ethics_dir = tmp / "ethics"
        ethics_dir.mkdir()
        (ethics_dir / "fairness.json").write_text(fairness.to_json(), encoding="utf-8")
        (ethics_dir / "fairness.html").write_text(fairness_html(fairness, run_id=run_id), encoding="utf-8")
        facts = _run_facts(run_info, res, signals, ranked, training, fairness, config, started)
        write_documents(ethics_dir, meta, facts)
        run_info["ethics"] = {
            "metadata": str(config.ethics.metadata_path()),
            "voorbeeld_metadata": meta.voorbeeld,
            "fairness": fairness.summary(),
            "koppeling_zekerheid_min": threshold,
            "koppeling_onzeker": int((signals["status"] == "koppeling_onzeker").sum()),
        }
        write_json_atomic(tmp / "run.json", run_info)
    with st.stage("privacy_scan"):
        # Fails the run (nothing reaches out/) when an output carries a direct identifier.
        check_paths([tmp], known)

    if config.tracking.enabled:
        with st.stage("tracking"):
            tracked = log_batch_run(
                config.tracking,
                run_name=run_id,
                params={f"model.{k}": v for k, v in config.model.model_dump().items()}
                | {"output.top_n": config.output.top_n},
                metrics={
                    "n_scored": float(signals.height),
                    "n_ranked": float(ranked.height),
                    "address_match_share": float(
                        am.links.height / max(1, am.links.height + am.unmatched.height)
                    ),
                },
                tags={
                    "vastgoed.run_id": run_id,
                    "model_version": model_version,
                    "peildatum": peildatum.isoformat(),
                    "gemeentecode": res.manifest.gemeentecode,
                    "synthetisch": str(res.manifest.synthetisch).lower(),
                },
                artifacts=[tmp / "run.json", tmp / "report.html"],
                texts={f"linkage/{name}.vl.json": spec for name, spec in pr.charts.items()}
                | {f"ethics/{p.name}": p.read_text(encoding="utf-8") for p in sorted(ethics_dir.iterdir())},
                images={f"linkage/{name}.png": chart_png(spec) for name, spec in pr.charts.items()},
                linkage_model=pr.model,
                linkage_model_trained=reused_from is None,
            )
        run_info["mlflow"] = {"experiment_id": tracked.experiment_id, "run_id": tracked.run_id}
        with st.stage("privacy_scan_mlflow"):
            _scan_mlflow(config, [tracked.run_id], known)
    run_info["timings_s"] = st.timings
    run_info["memory"] = st.memory()
    run_info["finished"] = dt.datetime.now(dt.UTC).isoformat()
    write_json_atomic(tmp / "run.json", run_info)
    return RunResult(
        run_id=run_id,
        run_dir=tmp,
        n_scored=signals.height,
        timings=dict(st.timings),
        audit={
            "model_version": model_version,
            "peildatum": peildatum.isoformat(),
            "data_sha256": data_hash(res),
            "n_scored": signals.height,
            "n_ranked": ranked.height,
            "fairness_flags": fairness.flag_ids(),
        },
    )
