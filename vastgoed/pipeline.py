"""The batch: ingest → address linkage → features → model → signals, run.json and MLflow.

The only module that knows the order of the stages. Outputs are written into a hidden temporary
folder and moved into place in one rename at the end, so a run that fails or is killed never
leaves a partial signal list; ``OUT/latest`` points at the newest complete run.

**A run's life in the audit log** (crash-safe by rule, :func:`run_batch`): ``run_gestart`` is
appended before anything of the run exists (its id, start, process id and host); the folder is
renamed into ``OUT/<run_id>`` after that and only then does ``run`` (status ``gepubliceerd``, the
files' SHA-256) publish it; ``latest`` follows. A run that fails removes what it left (its folder,
its MLflow runs) and appends ``run_mislukt`` (the error's class and the stage, never the error's
text, which could hold data). A run that is killed cannot, so the next run resolves it first
(:func:`_resolve_unfinished`): a ``run_gestart`` without ``run`` or ``run_mislukt`` whose process is
gone on this host is a run that was never published, and so is a run folder the log does not know
at all (left by an engine before ``run_gestart``): its folder (complete or ``.tmp-``) is removed,
its MLflow runs (tag ``vastgoed.run_id``) deleted with their models, and ``run_mislukt`` with
``fout = "afgebroken"`` (or ``"onbekend"``) appended. A folder is published only by its ``run`` entry.
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
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from features import FeatureInputs, build_features, catalogue, feature_set_hash
from features.base import KLEINVERBRUIK_SCHEMA, UITKOMST_SCHEMA
from features.ownership import OWNER_SCOPED, company_founded, current_rights, owner_scoped
from features.utility import kleinverbruik_in_use
from linkage import AddressMatch, CompanyMatch, link_companies, match_addresses, object_link_certainty
from linkage.graph import Graph, build_graph, object_parties
from linkage.person_records import person_records
from linkage.persons import PersonLinkResult, link_persons, person_settings, settings_hash, uncertain_pairs
from models import RuleRanker, latest_investigations
from vastgoed.core.binding import (
    ModelBinding,
    ModelChoice,
    ModelChoices,
    ModelMismatchError,
    mismatch_text,
)
from vastgoed.core.config import Config, Manifest, ModelConfig, load_manifest
from vastgoed.core.errors import DataError
from vastgoed.core.faults import fault_point
from vastgoed.core.files import write_json_atomic
from vastgoed.core.memory import peak_is_per_stage, peak_rss_mib, reset_peak
from vastgoed.core.numbers import format_number
from vastgoed.core.schema import AUDIT_ONLY_FILES, FENOMENEN
from vastgoed.core.spreadsheet import spreadsheet_safe
from vastgoed.core.worlds import MeasuredOn, Validated
from vastgoed.ethics import ProxyReport, object_groups, proxy_screen
from vastgoed.ethics.auditlog import AuditEntry, load_key
from vastgoed.ethics.documents import RunFacts, write_documents
from vastgoed.ethics.fairness import FairnessReport, FairnessSettings, fairness_audit, fairness_html
from vastgoed.ethics.metadata import EthicsIncomplete, EthicsMetadata, load_ethics
from vastgoed.ethics.privacy import KnownIdentifiers, check_paths
from vastgoed.ethics.proxy import AUDIT_ATTRIBUTES, known_column
from vastgoed.ethics.review import (
    RUN_FAILED,
    RUN_PUBLISHED,
    RUN_STARTED,
    ReviewError,
    audit_log,
    audit_log_path,
    pending_runs,
    run_file_hashes,
    unlogged_runs,
    verdict_labels,
)
from vastgoed.ingest import FileCounts, IngestResult, ingest, read_kleinverbruik, write_quarantine
from vastgoed.ingest.quarantine import NULLED_FILE
from vastgoed.ingest.reader import extract_parts, folder_hash
from vastgoed.modelling import (
    ScoringModel,
    TrainingReport,
    explain_signals,
    label_shortfall,
    model_hash,
    register_and_decide,
    score_objects,
    train_model,
)
from vastgoed.report.charts import chart_png
from vastgoed.report.html import RECENT_COLUMNS, ReportInput, write_report
from vastgoed.shards import Shard, TreeMemory, plan_shards, run_tasks, tree_rss_mib
from vastgoed.tracking import (
    MODEL_NAME,
    Champion,
    RegisteredVersion,
    StoredLinkageModel,
    champion_version,
    champions,
    delete_run,
    delete_runs_of,
    download_artifacts,
    git_revision,
    latest_linkage_model,
    load_champion,
    load_linkage_model,
    log_batch_run,
    source_tags,
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
    #: Lines the operator must see: a stored model that did not fit this data, and what was done.
    notices: list[str] = field(default_factory=list)
    #: Where the run's own validation figures were measured, and its headline figures.
    validated: Validated | None = None
    validation: dict[str, dict[str, float | None]] = field(default_factory=dict)


class _Stages:
    """Times each stage and shows progress on the console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.timings: dict[str, float] = {}
        #: Peak resident memory per stage (MiB): the process's high-water mark during the stage.
        self.peaks: dict[str, float] = {}
        #: The stage begun last (what a failed run records as the stage it failed in).
        self.current: str | None = None

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        fault_point(f"fase.{name}")  # a stage boundary: the crash-safety tests end the run here
        self.current = name
        reset_peak()
        start = time.perf_counter()
        with self.console.status(f"[bold]{name}[/bold] …"):
            yield
        took = time.perf_counter() - start
        # a stage that runs twice (the scan of MLflow's copies, after registering and after
        # tracking) counts both times: run.json's timings add up to the run
        self.timings[name] = round(self.timings.get(name, 0.0) + took, 3)
        self.peaks[name] = max(self.peaks.get(name, 0.0), peak_rss_mib())
        self.console.log(f"[green]✓[/green] {name} ({took:.1f} s, peak {self.peaks[name] / 1024:.2f} GiB)")

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
    return git_revision(short=True) or "unknown"


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


def _groups(res: IngestResult, inputs: FeatureInputs) -> pl.DataFrame | None:
    """The audit groups of each inhabited object (``object_groups``); None without ``audit_kenmerken``."""
    audit = res.tables.get("audit_kenmerken")
    if audit is None or audit.height == 0:
        return None
    return object_groups(inputs.inschrijvingen, audit, inputs.peildatum)


def _proxy_screen(linked: _Linked, config: Config) -> ProxyReport | None:
    """The feature guard's proxy screen against ``audit_kenmerken``; None when the file is absent."""
    if linked.groups is None:
        linked.warnings.append("audit_kenmerken absent: the proxy screen of the features did not run")
        return None
    ec = config.ethics
    groups, features = linked.groups, linked.features
    if ec.proxy_max_objects and groups.height > ec.proxy_max_objects:
        linked.warnings.append(
            f"proxy screen: read a uniform sample of {ec.proxy_max_objects:,} of the {groups.height:,} "
            "inhabited objects (ethics.proxy_max_objects)"
        )
        groups = groups.sample(n=ec.proxy_max_objects, seed=config.model.seed)
        features = features.join(groups.select("verblijfsobject_id"), on="verblijfsobject_id", how="semi")
    return proxy_screen(
        features,
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


def _binding(manifest: Manifest, feature_hash: str) -> ModelBinding:
    """This data's gemeente, kind and peildatum, with a feature set's hash."""
    return ModelBinding(
        gemeentecode=manifest.gemeentecode,
        synthetisch=manifest.synthetisch,
        peildatum=manifest.peildatum,
        feature_hash=feature_hash,
    )


def _linkage_choice(config: Config, manifest: Manifest) -> tuple[StoredLinkageModel | None, ModelChoice]:
    """The Splink model of an earlier run trained on data like this, or why one is trained here."""
    binding = _binding(manifest, settings_hash(person_settings()))

    def train(reason: str, latest: StoredLinkageModel | None = None) -> tuple[None, ModelChoice]:
        return None, ModelChoice(
            model="linkage",
            looked_for=binding,
            found=None if latest is None else f"MLflow run {latest.run_id}",
            found_binding=None if latest is None else latest.binding,
            fits=False,
            reason=reason,
            trained_here=True,
        )

    if config.linkage.persons.retrain:
        return train("linkage.persons.retrain = true")
    if not config.tracking.enabled:
        return train("tracking is off: no stored Splink model to use")
    stored = load_linkage_model(config.tracking, binding)
    if stored is not None:
        return stored, ModelChoice(
            model="linkage",
            looked_for=binding,
            found=f"MLflow run {stored.run_id}",
            found_binding=stored.binding,
            fits=True,
            reason=f"trained on {binding.describe()} with this engine's comparisons",
            trained_here=False,
        )
    latest = latest_linkage_model(config.tracking)
    if latest is None:
        return train(f"no Splink model has been trained on {binding.describe()} yet")
    what = f"the most recent Splink model (MLflow run {latest.run_id})"
    return train(mismatch_text(latest.binding, binding, what), latest)


def _linkage_model(
    config: Config, manifest: Manifest, warnings: list[str]
) -> tuple[dict[str, Any] | None, str | None]:
    """The stored Splink model to link with and its MLflow run; ``(None, None)``: train one."""
    stored, choice = _linkage_choice(config, manifest)
    if (line := choice.warning()) is not None:
        warnings.append(line)
    return (None, None) if stored is None else (stored.model, stored.run_id)


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


def _link_persons(
    res: IngestResult,
    am: AddressMatch,
    cm: CompanyMatch,
    config: Config,
    stored: tuple[dict[str, Any] | None, str | None] | None = None,
    *,
    count_blocking: bool = True,
) -> _Persons:
    """Person linkage with the earlier run's model (unless retraining) and the reviewers' decisions.

    ``stored`` is the model to use and the MLflow run it came from (a shard gets the run's); by
    default it is looked up in MLflow.
    """
    trained, reused_from = (
        stored if stored is not None else _linkage_model(config, res.manifest, res.warnings)
    )
    reviewed = read_reviewed(Path(config.linkage.reviewed_pairs)) if config.linkage.reviewed_pairs else None
    # A permit applicant whose name is a company's trade name is that company, not a person.
    companies = cm.links.filter(pl.col("bron") == "vergunningen").select("record")
    records = person_records(res.tables, am.links).join(companies, on="record", how="anti")
    result = link_persons(
        records,
        config.linkage.persons,
        trained_model=trained,
        reviewed=reviewed,
        backend=config.linkage,
        count_blocking=count_blocking,
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


def _link_and_build(
    data_dir: Path,
    config: Config,
    st: _Stages,
    *,
    partitions: frozenset[str] | None = None,
    stored: tuple[dict[str, Any] | None, str | None] | None = None,
    kleinverbruik: Path | None = None,
    count_blocking: bool = True,
) -> _Built:
    """Ingest, link addresses, companies and persons, build the graph and the features.

    For one shard of a run in shards: ``partitions`` are its gemeenten, ``stored`` the Splink model
    every shard uses, ``kleinverbruik`` the grid operators' table read once for all shards.
    """
    with st.stage("ingest"):
        res = ingest(data_dir, fallback_encoding=config.ingest.fallback_encoding, partitions=partitions)
    with st.stage("linkage"):
        am, cm = _link(res, config)
    with st.stage("persons"):
        persons = _link_persons(res, am, cm, config, stored, count_blocking=count_blocking)
    with st.stage("graph"):
        graph = build_graph(
            res.tables,
            am.links,
            cm.links,
            persons.result.links,
            {stem: res.manifest.extractdatum(stem) for stem in res.tables},
        )
    with st.stage("features"):
        kv = (
            pl.read_parquet(kleinverbruik)
            if kleinverbruik is not None
            else read_kleinverbruik(data_dir, fallback_encoding=config.ingest.fallback_encoding)
        )
        inputs = _feature_inputs(res, am, graph, kv)
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
    spreadsheet_safe(band).write_csv(tmp)
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


def _batch_actor() -> str:
    return f"batch:{os.environ.get('USER', 'onbekend')}"


def _owner_alive(started: AuditEntry) -> bool:
    """Whether the process that began a pending run still runs (known on its own host only)."""
    pid = started.details.get("pid")
    if started.details.get("host") != platform.node() or not isinstance(pid, int):
        return False
    return pid > 0 and _alive(pid)


def _resolve_unfinished(out_dir: Path, config: Config, console: Console) -> None:
    """Resolve what killed runs left, before a new run begins (the rule of the module's text)."""
    for run_id, started in pending_runs(out_dir).items():
        if not _owner_alive(started):
            _discard(out_dir, run_id, config, console, fout="afgebroken", fase=None)
    _clean_stale(out_dir)  # what remains: temporary folders of engines before ``run_gestart``
    for run_id in unlogged_runs(out_dir):
        _discard(out_dir, run_id, config, console, fout="onbekend", fase=None)


def _discard(
    out_dir: Path, run_id: str, config: Config, console: Console, *, fout: str, fase: str | None
) -> None:
    """Remove what an unpublished run left (folders, MLflow runs) and append its ``run_mislukt`` entry.

    Never raises: it runs while another error is on its way up, or before a new run.
    """
    folders = [p for p in (out_dir / f".tmp-{run_id}", out_dir / run_id) if p.is_dir() and not p.is_symlink()]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    mlflow_runs: list[str] = []
    if config.tracking.enabled:
        try:
            mlflow_runs = delete_runs_of(config.tracking, run_id)
        except Exception as exc:  # the store's own errors: the entry below still records the failure
            console.print(f"[yellow]MLflow runs of {run_id} not removed: {type(exc).__name__}[/yellow]")
    details = {
        "status": "mislukt",
        "fout": fout,
        "fase": fase,
        "opgeruimd": [p.name for p in folders],
        "mlflow_verwijderd": mlflow_runs,
    }
    try:
        audit_log(out_dir).append(RUN_FAILED, actor=_batch_actor(), run_id=run_id, details=details)
    except Exception as exc:  # a log that does not verify: verification says why
        console.print(f"[yellow]run {run_id} failed and could not be logged as failed: {exc}[/yellow]")


def _point_latest(out_dir: Path, run_id: str) -> None:
    tmp_link = out_dir / f".latest-{run_id}"
    tmp_link.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp_link, out_dir / "latest")


def run_batch(
    data_dir: Path,
    out_dir: Path,
    config: Config,
    console: Console | None = None,
    *,
    train: bool = False,
    no_train: bool = False,
) -> RunResult:
    """Run the whole batch on a data folder and write ``OUT/<run_id>/``.

    Args:
        data_dir: A folder in the data contract's format.
        out_dir: Where run folders go.
        config: The typed run configuration.
        console: Where progress goes (a quiet console when None).
        train: Train a new model (registered; champion only if it beats the champion of this
            data) even when a champion exists. Without a champion that fits this data (its
            gemeente, kind of data and feature set), or with tracking off, a run always trains.
        no_train: Never train: stop before the first stage when a stored model (the signal
            model's champion or the Splink model) does not fit this data.

    Returns:
        The run's id, folder, size and timings.

    Raises:
        ModelMismatchError: With ``no_train``, naming the mismatch and the command that trains.
    """
    console = console or Console(quiet=True)
    # Refuses to start while a required ethics entry is empty (EthicsIncomplete lists them all).
    meta = load_ethics(config.ethics.metadata_path())
    # Without the audit key nothing can be logged: say so now, not after the batch.
    load_key(audit_log_path(out_dir))
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
    _resolve_unfinished(out_dir, config, console)
    log = audit_log(out_dir)
    # Before anything of the run exists: from here a killed run leaves an entry the next run resolves.
    begun = {"status": "gestart", "gestart": started.isoformat(), "pid": os.getpid(), "host": platform.node()}
    log.append(RUN_STARTED, actor=_batch_actor(), run_id=run_id, details=begun)
    fault_point("run.na_gestart")
    tmp = out_dir / f".tmp-{run_id}"
    st = _Stages(console)
    try:
        (tmp / "links").mkdir(parents=True)
        (tmp / _OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        result = _run(
            data_dir, tmp, run_id, started, config, st, meta, out_dir, train=train, no_train=no_train
        )
        (tmp / _OWNER_FILE).unlink()
        os.replace(tmp, out_dir / run_id)
        fault_point("run.na_verplaatsing")  # visible, not yet published: the window the log resolves
        result.run_dir = out_dir / run_id
        published = {"status": "gepubliceerd", "bestanden_sha256": run_file_hashes(result.run_dir)}
        log.append(RUN_PUBLISHED, actor=_batch_actor(), run_id=run_id, details=result.audit | published)
    except BaseException as exc:
        # A run the audit log does not record as published is not published: its folder and MLflow
        # runs go, and the log says it failed (the error's class, not its text, which could hold data).
        _discard(out_dir, run_id, config, console, fout=type(exc).__name__, fase=st.current)
        raise
    _point_latest(out_dir, run_id)
    return result


def data_hash(res: IngestResult | _Linked) -> str:
    """One SHA-256 over the input files' hashes: the data a run (or a training) saw."""
    return hashlib.sha256(json.dumps(res.hashes, sort_keys=True).encode()).hexdigest()


def _freshness(linked: _Linked) -> str:
    """The extract date of every source a signal can rest on, for its dossier: ``bron=datum; ...``."""
    return "; ".join(
        f"{stem}={linked.manifest.extractdatum(stem).isoformat()}"
        for stem in sorted(linked.counts)
        if stem not in AUDIT_ONLY_FILES
    )


def _fairness(
    linked: _Linked,
    signals: _Signals,
    outcomes: pl.DataFrame,
    proxy_summary: dict[str, Any] | None,
    meta: EthicsMetadata,
    config: Config,
) -> FairnessReport:
    """The run's fairness audit with the proxy screen's summary (``audit_kenmerken`` in aggregate only)."""
    return fairness_audit(
        objects=linked.objects.select("verblijfsobject_id", "buurtcode"),
        features=linked.features,
        signals=signals.keys.select("verblijfsobject_id", "score", "rank"),
        outcomes=outcomes,
        groups=linked.groups,
        capacity=config.model.capacity,
        settings=FairnessSettings(**meta.fairness.model_dump()),
        proxy=proxy_summary,
    )


def _run_facts(
    run_info: dict[str, Any],
    res: _Linked,
    signals: _Signals,
    chosen: _Chosen,
    fairness: FairnessReport,
    config: Config,
    started: dt.datetime,
    validated: Validated,
) -> RunFacts:
    """What the register entry, model card and datasheet say about this run."""
    sources = []
    for stem in sorted(res.counts):
        bron = res.manifest.bronnen.get(stem)
        counts = res.counts[stem]
        sources.append(
            {
                "stem": stem,
                "extractdatum": res.manifest.extractdatum(stem).isoformat(),
                "rijen": counts.rows_read,
                "gequarantaineerd": counts.rows_quarantined,
                "genuld": counts.values_nulled,
                "sha256": res.hashes.get(counts.path, ""),
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
        n_objects=signals.keys.height,
        n_ranked=signals.n_ranked,
        n_recent=signals.n_status("recent_onderzocht"),
        capacity=config.model.capacity,
        training=None if chosen.training is None else chosen.training.summary(),
        rules_because=chosen.rules_because,
        fairness_summary=fairness.summary(),
        proxy_summary=fairness.proxy,
        generated_at=started,
        model_binding=run_info.get("model_binding"),
        validated=validated,
    )


def _scan_mlflow(config: Config, run_ids: list[str], scan: Callable[[list[Path]], None]) -> None:
    """Scan what MLflow stored for the runs: their artefacts and logged models, from any store.

    On a find, those MLflow runs and their models are deleted and the run fails.
    """
    from vastgoed.ethics.privacy import PrivacyError

    with tempfile.TemporaryDirectory(prefix="vastgoed-mlflow-scan-") as tmp:
        dirs = [d for r in run_ids for d in download_artifacts(config.tracking, r, Path(tmp))]
        try:
            scan(dirs)
        except PrivacyError:
            for r in run_ids:
                delete_run(config.tracking, r)
            raise


#: The rankings of the validation, as the report names them.
_RANKING_NL = {"model": "model", "logistic": "logistische regressie", "regels": "regelbasislijn"}


def _fmt(v: object) -> str:
    """A figure of the report's validation block, the Dutch way (``0,412``, ``1.234``)."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return format_number(v, 3)
    if isinstance(v, int) and not isinstance(v, bool):
        return format_number(v)
    return str(v)


def _report_input(
    signals: _Signals,
    chosen: _Chosen,
    res: _Linked,
    proxy: ProxyReport | None,
    run_id: str,
    config: Config,
    choices: ModelChoices,
    validated: Validated,
) -> ReportInput:
    """What the analysts' report shows, from the run's own tables."""
    model, training, model_version = chosen.model, chosen.training, chosen.version
    labels = {s.name: s.label_nl for s in catalogue()}
    reason_fields = ["kenmerk", "label", "feit", "bijdrage"]

    def slim(col: str) -> pl.Expr:
        return (
            pl.col(col)
            .list.eval(pl.struct(*(pl.element().struct.field(f) for f in reason_fields)))
            .alias(col)
        )

    ranked = signals.explained.filter(pl.col("rank").is_not_null()).head(config.output.top_n)
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
    recent = signals.explained.filter(pl.col("status") == "recent_onderzocht").select(RECENT_COLUMNS)
    bag = res.objects
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
                (
                    stem,
                    f"{c.rows_kept:,} geldig, {c.rows_quarantined:,} in quarantaine"
                    + (f", {c.values_nulled:,} waarden genuld" if c.values_nulled else ""),
                )
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
                for r in res.coverage.to_dicts()
            ],
        ),
        (
            "Personen",
            [(k, f"{v:,}" if isinstance(v, int) else str(v)) for k, v in res.persons.counts.items()],
        ),
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
        (
            "Model",
            [
                ("versie", model_version),
                ("geldige rijen in de invoer", format_number(n_rows)),
                *_binding_rows(choices),
            ],
        )
    ]
    if training is not None:
        for ranking, m in training.validation.items():
            metrics.append(
                (
                    f"Validatie vanaf {training.cutoff:%d-%m-%Y}: {_RANKING_NL.get(ranking, ranking)}",
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
        scores=signals.keys["score"].to_numpy(),
        buurten=buurten.select("buurtcode", "x", "y", "n_objecten", "n_signalen"),
        importance=importance,
        quality=quality,
        metrics=metrics,
        notices=(*_rules_notice(chosen), *choices.meldingen()),
        measured_on=validated.text("nl"),
        world_warning=validated.warning("nl"),
    )


def _rules_notice(chosen: _Chosen) -> tuple[str, ...]:
    """The report's first sentence when no learned model ranked the list."""
    if chosen.rules_because is None:
        return ()
    return (
        "Geen geleerd model gebruikt: deze lijst is gerangschikt met de regels van de werkgroep "
        f"(publieke normen, {chosen.version}), omdat {chosen.rules_because}. De score is een "
        "regelscore, geen kans. Zodra er genoeg bevestigde uitkomsten zijn (ook verdicten op "
        "vrijgegeven lijsten), traint de volgende run een model.",
    )


def _model_source(chosen: _Chosen, champion: Champion | None) -> str:
    if chosen.rules_because is not None:
        return "rules (no learned model)"
    if champion is None:
        return "trained in this run"
    return f"champion v{champion.version} (alias {champion.alias})"


def _ranking_json(chosen: _Chosen) -> dict[str, Any]:
    """run.json's ``model.ranking``: whether a learned model ranked the list, and why not."""
    rules = chosen.rules_because is not None
    return {
        "methode": "regelgebaseerd" if rules else "geleerd_model",
        "geleerd_model": not rules,
        "reden": chosen.rules_because,
    }


def _binding_rows(choices: ModelChoices) -> list[tuple[str, str]]:
    """The report's lines on which stored models the run used, and what they were trained on."""
    data = choices.signal.looked_for
    rows = [("deze gegevens", f"{data.beschrijving()}, peildatum {data.peildatum:%d-%m-%Y}")]
    for label, c in (("signaalmodel", choices.signal), ("persoonskoppeling (Splink)", choices.linkage)):
        if c.reason.startswith("geen geleerd model"):
            text = c.reason
        elif not c.trained_here and c.found_binding is not None:
            b = c.found_binding
            text = (
                f"opgeslagen model {c.found}, getraind op {b.beschrijving()}, "
                f"peildatum {b.peildatum:%d-%m-%Y}"
            )
        elif c.refused:
            text = "in deze run getraind: het opgeslagen model past niet bij deze gegevens"
        else:
            text = f"in deze run getraind ({c.reason})"
        rows.append((label, text))
    return rows


@dataclass(frozen=True)
class _PersonSummary:
    """What the run reports of the person linkage (summed over the shards of a run in shards)."""

    counts: dict[str, int]
    timings: dict[str, float]
    blocking: list[dict[str, Any]]
    charts: dict[str, str]
    model: dict[str, Any]
    reviewed_pairs: int
    #: Where the candidate pairs per blocking rule were counted; None: over the whole run.
    blocking_scope: str | None = None

    @classmethod
    def of(cls, persons: _Persons) -> _PersonSummary:
        pr = persons.result
        reviewed = 0 if persons.reviewed is None else persons.reviewed.height
        return cls(pr.counts, pr.timings, pr.blocking, pr.charts, pr.model, reviewed)


@dataclass(frozen=True)
class _Scoring:
    """What scoring needs besides the features: the model, the labels and the run's constants."""

    model: ScoringModel
    outcomes: pl.DataFrame
    peildatum: dt.date
    threshold: float
    model_config: ModelConfig
    #: Objects explained: the first ``n_top`` ranked ones (and every recent investigation).
    n_top: int
    #: Columns with one value for every row: ``model_version``, ``run_id``, ``actualiteit``.
    constants: dict[str, str]


def _signals(
    scoring: _Scoring,
    feats: pl.DataFrame,
    objects: pl.DataFrame,
    certainty: pl.DataFrame,
    st: _Stages | None = None,
) -> pl.DataFrame:
    """Every object scored and ranked; the top and the recent investigations explained."""
    with st.stage("score") if st is not None else contextlib.nullcontext():
        scored = _scored(scoring, feats, objects, certainty)
    with st.stage("explain") if st is not None else contextlib.nullcontext():
        return _explained(scoring, scored, feats, certainty)


def _scored(
    scoring: _Scoring, feats: pl.DataFrame, objects: pl.DataFrame, certainty: pl.DataFrame
) -> pl.DataFrame:
    # a signal resting on a link below the threshold (signal_link_certainty) is not ranked
    certainty = _with_signal_certainty(certainty, feats)
    uncertain = certainty.filter(pl.col("koppeling_zekerheid_signaal") < scoring.threshold)[
        "verblijfsobject_id"
    ]
    scored = score_objects(
        scoring.model,
        feats,
        objects,
        scoring.outcomes,
        scoring.peildatum,
        scoring.model_config.recent_months,
        address=address_text,
        uncertain=uncertain,
    )
    return scored


def _with_signal_certainty(certainty: pl.DataFrame, feats: pl.DataFrame) -> pl.DataFrame:
    """``certainty`` with ``koppeling_zekerheid_signaal`` (for one process and a shard alike)."""
    if "koppeling_zekerheid_signaal" in certainty.columns:
        return certainty
    return certainty.join(signal_link_certainty(certainty, feats), on="verblijfsobject_id", how="left")


def signal_link_certainty(certainty: pl.DataFrame, feats: pl.DataFrame) -> pl.DataFrame:
    """Per object, the weakest link its signal rests on: ``verblijfsobject_id, koppeling_zekerheid_signaal``.

    A signal rests on the address links of the records at its object, and on the person links there
    only where a feature that follows persons through the graph (``FeatureSpec.person_links``)
    carries evidence for it (a value above 0): a past owner whose cluster is uncertain does not make
    a signal of metered use uncertain, but an owner tied to a confirmed address elsewhere does.
    """
    person_cols = [s.name for s in catalogue() if s.person_links and s.name in feats.columns]
    uses_persons = (
        feats.select(
            "verblijfsobject_id",
            pl.any_horizontal([pl.col(c).fill_null(0) > 0 for c in person_cols]).alias("_persoon"),
        )
        if person_cols and "verblijfsobject_id" in feats.columns
        else pl.DataFrame(schema={"verblijfsobject_id": pl.String, "_persoon": pl.Boolean})
    )
    # without the split by kind (a certainty table of before it), every link counts
    split = {"koppeling_min_zekerheid_adres", "koppeling_min_zekerheid_persoon"} <= set(certainty.columns)
    address = pl.col("koppeling_min_zekerheid_adres" if split else "koppeling_min_zekerheid")
    person = pl.col("koppeling_min_zekerheid_persoon") if split else pl.lit(None, dtype=pl.Float64)
    return certainty.join(uses_persons, on="verblijfsobject_id", how="left").select(
        "verblijfsobject_id",
        pl.min_horizontal(address, pl.when(pl.col("_persoon").fill_null(False)).then(person)).alias(
            "koppeling_zekerheid_signaal"
        ),
    )


def _explained(
    scoring: _Scoring, scored: pl.DataFrame, feats: pl.DataFrame, certainty: pl.DataFrame
) -> pl.DataFrame:
    # not capped at this table's height: in a run in shards ``rank`` is the rank in the whole list
    signals = (
        explain_signals(scoring.model, scored, feats, scoring.model_config, scoring.n_top)
        .with_columns(pl.lit(v).alias(k) for k, v in scoring.constants.items())
        .join(
            _previous_investigations(scoring.outcomes, scoring.peildatum), on="verblijfsobject_id", how="left"
        )
        .join(_with_signal_certainty(certainty, feats), on="verblijfsobject_id", how="left")
    )
    return signals.select(*SIGNAL_COLUMNS, *(c for c in signals.columns if c not in SIGNAL_COLUMNS))


#: What the stages after scoring read of every object (``signals.parquet`` holds every column).
_KEY_COLUMNS = ("rank", "verblijfsobject_id", "score", "status")
#: The columns that hold an object's reasons: set for the explained objects only.
_REASON_COLUMNS = ("redenen", "redenen_detail", "tegen")


@dataclass(frozen=True)
class _Signals:
    """A run's scored objects as the stages after scoring read them; ``signals.parquet`` has them all.

    Attributes:
        keys: Every object, in ranked order: ``rank, verblijfsobject_id, score, status``.
        explained: Every column of the objects with reasons (the first ``n_top`` ranked and the
            recent investigations), in ranked order. The report's top and ``signals.csv`` are its
            first ranked rows.
    """

    keys: pl.DataFrame
    explained: pl.DataFrame

    @classmethod
    def of(cls, signals: pl.DataFrame) -> _Signals:
        return cls(signals.select(_KEY_COLUMNS), signals.filter(pl.col("redenen").is_not_null()))

    @property
    def n_ranked(self) -> int:
        return int(self.keys["rank"].is_not_null().sum())

    def n_status(self, status: str) -> int:
        return int((self.keys["status"] == status).sum())


def _list_keys(slices: list[Path]) -> pl.DataFrame:
    """The shards' slices ranked as one list, on their keys alone.

    Returns:
        Per object in list order: ``_slice`` (index into ``slices``), ``_row`` (its row there),
        ``_pos`` (its row in the list), ``rank`` (null: ranked apart) and the key columns.

    Raises:
        RuntimeError: A slice is not in the order of :func:`score_objects`.
    """
    keys = (
        pl.concat(
            [
                pl.scan_parquet(f)
                .select("verblijfsobject_id", "score", "status")
                .with_row_index("_row")
                .with_columns(pl.lit(i, dtype=pl.UInt32).alias("_slice"))
                for i, f in enumerate(slices)
            ]
        )
        .with_columns((pl.col("status") == "signaal").alias("_signaal"))
        .sort(["_signaal", "score", "verblijfsobject_id"], descending=[True, True, False])
        .with_row_index("_pos")
        .with_columns(pl.when(pl.col("_signaal")).then(pl.col("_pos").cast(pl.Int64) + 1).alias("rank"))
        .drop("_signaal")
        .collect()
    )
    if keys.select((pl.col("_row").diff().over("_slice") < 0).any()).item():
        raise RuntimeError("a shard's slice of the signals is not in the order of the list")
    return keys


def _ranked_again(slices: list[Path], out: Path, n_top: int, chunk_rows: int = 500_000) -> _Signals:
    """The shards' signals as one list in ``out``: ranked over all of them, reasons for the overall top.

    Each shard's slice holds its objects in the order of :func:`score_objects`, with reasons for
    those in the overall first ``n_top`` and the recent investigations (:func:`_explain_task`);
    reasons of any other row are dropped. Ranks and row order are those of :func:`score_objects`
    over all objects at once.

    The list is ranked on the keys alone and written a block of ``chunk_rows`` at a time: a shard's
    rows are in the order of the list (ranked ones first, each part by score), so each block
    holds a contiguous range of every slice. Only the keys and the explained rows stay in memory.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = _list_keys(slices)
    order = list(pl.read_parquet_schema(slices[0]))
    reasons = [c for c in _REASON_COLUMNS if c in order]
    is_explained = (pl.col("rank") <= n_top) | (pl.col("status") == "recent_onderzocht")
    explained: list[pl.DataFrame] = []
    part_file = out.with_name(out.name + ".part")
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    try:
        for start in range(0, keys.height, chunk_rows):
            block = keys.slice(start, chunk_rows)
            spans = block.group_by("_slice").agg(
                pl.col("_row").min().alias("first"), pl.len().alias("n"), pl.col("_row").max().alias("last")
            )
            pieces = []
            for s, first, n, last in spans.iter_rows():
                if last - first + 1 != n:
                    raise RuntimeError(f"{slices[s]}: a slice of the signals is not in the order of the list")
                pieces.append(
                    pl.scan_parquet(slices[s])
                    .slice(first, n)
                    .drop("rank")
                    .with_columns(
                        pl.lit(s, dtype=pl.UInt32).alias("_slice"),
                        pl.int_range(first, first + n, dtype=pl.UInt32).alias("_row"),
                    )
                    .collect()
                )
            rows = (
                pl.concat(pieces)
                .join(block.select("_slice", "_row", "_pos", "rank"), on=["_slice", "_row"])
                .sort("_pos")
                .select(order)
                .with_columns(pl.when(is_explained).then(pl.col(c)).otherwise(None).alias(c) for c in reasons)
            )
            explained.append(rows.filter(pl.col("redenen").is_not_null()))
            table = rows.to_arrow()
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(part_file, schema)
            writer.write_table(table.cast(schema))
        if writer is None:  # no objects: an empty list with the slices' columns
            pl.read_parquet(slices[0]).clear().write_parquet(part_file)
        else:
            writer.close()
            writer = None
        part_file.replace(out)
    finally:
        if writer is not None:
            writer.close()
        part_file.unlink(missing_ok=True)
    return _Signals(
        keys.select(_KEY_COLUMNS),
        pl.concat(explained) if explained else pl.read_parquet(slices[0]).clear(),
    )


@dataclass
class _Linked:
    """What the stages after the features need: from one process's tables, or merged from shards.

    Attributes:
        manifest: The data folder's manifest.
        counts: Per file stem that was read, its row counts.
        hashes: SHA-256 of every input file read (see :class:`IngestResult`).
        warnings: Non-fatal findings of the ingest and later stages.
        quarantined_rows: Rows quarantined in all files.
        objects: The BAG table: at least ``verblijfsobject_id`` and ``buurtcode``, and ``x``, ``y``
            where the extract has them (a run in shards keeps no other column).
        outcomes: ``onderzoeksuitkomsten`` (an empty table when absent).
        features: The features at the peildatum.
        groups: The audit groups per inhabited object; None without ``audit_kenmerken``.
        coverage: Address coverage per source (``AddressMatch.coverage``).
        unmatched_reasons: ``bron, reden, len`` of the unmatched records.
        company_links: ``bron, methode, len`` of the company links.
        address_share: Records matched to an address, of all.
        persons: The person linkage's counts, timings, blocking, charts, model and reviews.
        reused_from: The MLflow run whose Splink model was used; None when trained in this run.
        scan: The privacy scan of output paths (raises ``PrivacyError``) with the input's identifiers.
        train: Trains the signal model on given outcomes (the run's own tables).
        score: Scores, ranks and explains every object (:func:`_signals`), in shards or not, and
            writes them all to the given ``signals.parquet``.
        shards: Per shard of a run in shards, its gemeenten, size, timings and peaks (else empty).
    """

    manifest: Manifest
    counts: dict[str, FileCounts]
    hashes: dict[str, str]
    warnings: list[str]
    quarantined_rows: int
    objects: pl.DataFrame
    outcomes: pl.DataFrame
    features: pl.DataFrame
    groups: pl.DataFrame | None
    coverage: pl.DataFrame
    unmatched_reasons: pl.DataFrame
    company_links: pl.DataFrame
    address_share: float
    persons: _PersonSummary
    reused_from: str | None
    scan: Callable[[list[Path]], None]
    train: Callable[[pl.DataFrame], TrainingReport]
    score: Callable[[_Scoring, _Stages, Path], _Signals]
    shards: list[dict[str, Any]] = field(default_factory=list)
    scratch: Path | None = None


def _write_links(tmp: Path, am: AddressMatch, cm: CompanyMatch, pr: PersonLinkResult, graph: Graph) -> None:
    """The run's link and graph tables (``links/``, ``graph/``)."""
    (tmp / "links").mkdir(exist_ok=True)
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
    (tmp / "graph").mkdir(exist_ok=True)
    graph.nodes.write_parquet(tmp / "graph" / "knopen.parquet")
    graph.edges.write_parquet(tmp / "graph" / "kanten.parquet")


def _summaries(am: AddressMatch, cm: CompanyMatch) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Address coverage, unmatched reasons and company-link counts (what run.json and the report show)."""
    return (
        am.coverage(),
        am.unmatched.group_by("bron", "reden").len().sort("bron", "reden"),
        cm.links.group_by("bron", "methode").len().sort("bron", "methode"),
    )


def _quarantined_rows(res: IngestResult) -> int:
    """Rows with at least one quarantined cell (a row is counted once, however many cells it had)."""
    q = res.quarantine
    return int(q.select(pl.struct("bestand", "rij").n_unique()).item()) if q.height else 0


def _outcomes_of(res: IngestResult) -> pl.DataFrame:
    outcomes = res.tables.get("onderzoeksuitkomsten")
    return pl.DataFrame(schema=UITKOMST_SCHEMA) if outcomes is None else outcomes


def _linked_in_process(b: _Built, tmp: Path, config: Config, st: _Stages) -> _Linked:
    """The run's tables from one process's build, its intermediate outputs written to ``tmp``."""
    res, am, cm, pr = b.res, b.am, b.cm, b.persons.result
    known = KnownIdentifiers.from_tables(res.tables, synthetisch=res.manifest.synthetisch)
    with st.stage("write_intermediate"):
        write_quarantine(res.quarantine, tmp / "quarantine.csv")
        write_quarantine(res.nulled, tmp / NULLED_FILE)
        _write_links(tmp, am, cm, pr, b.graph)
        b.features.write_parquet(tmp / "features.parquet")
        groups = _groups(res, b.inputs)
        certainty = object_link_certainty(am.links, pr.links)
    coverage, unmatched, companies = _summaries(am, cm)

    def scan(paths: list[Path]) -> None:
        check_paths(paths, known)

    def train(outcomes: pl.DataFrame) -> TrainingReport:
        return train_model(b.inputs, b.features, outcomes, config)

    def score(scoring: _Scoring, st: _Stages, out: Path) -> _Signals:
        signals = _signals(scoring, b.features, res.tables["bag_verblijfsobjecten"], certainty, st)
        signals.write_parquet(out)
        return _Signals.of(signals)

    return _Linked(
        manifest=res.manifest,
        counts=res.counts,
        hashes=res.hashes,
        warnings=res.warnings,
        quarantined_rows=_quarantined_rows(res),
        objects=res.tables["bag_verblijfsobjecten"],
        outcomes=_outcomes_of(res),
        features=b.features,
        groups=groups,
        coverage=coverage,
        unmatched_reasons=unmatched,
        company_links=companies,
        address_share=float(am.links.height / max(1, am.links.height + am.unmatched.height)),
        persons=_PersonSummary.of(b.persons),
        reused_from=b.persons.reused_from,
        scan=scan,
        train=train,
        score=score,
    )


# --- a run in shards ---------------------------------------------------------------------------------

#: Rows per row group of a shard's signals (read back a range at a time by :func:`_ranked_again`).
_SLICE_ROW_GROUP = 20_000

#: The BAG columns the stages after the features use (addresses, neighbourhoods, map positions).
_OBJECT_COLUMNS = (
    "verblijfsobject_id",
    "buurtcode",
    "openbare_ruimte",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
    "x",
    "y",
)


@dataclass(frozen=True)
class _ShardTask:
    """One shard's work, sent to a worker process."""

    shard: Shard
    data_dir: Path
    config: Config
    scratch: Path
    stored: tuple[dict[str, Any] | None, str | None]
    kleinverbruik: Path | None
    #: Train the signal model on this shard (outcomes plus these analysts' verdicts).
    train_with: pl.DataFrame | None


@dataclass(frozen=True)
class _ShardResult:
    """What a shard hands back besides its files in ``scratch``."""

    index: int
    counts: dict[str, FileCounts]
    hashes: dict[str, str]
    warnings: list[str]
    quarantined_rows: int
    address_links: int
    address_unmatched: int
    persons: _PersonSummary
    has_groups: bool
    feature_columns: list[str]
    training: TrainingReport | None
    timings: dict[str, float]
    peaks: dict[str, float]


def _shard_task(task: _ShardTask) -> _ShardResult:
    """Build one shard in a worker process: its tables go to ``task.scratch``, scanned for identifiers."""
    st = _Stages(Console(quiet=True))
    scratch = task.scratch
    scratch.mkdir(parents=True)
    b = _link_and_build(
        task.data_dir,
        task.config,
        st,
        partitions=frozenset(task.shard.partitions),
        stored=task.stored,
        kleinverbruik=task.kleinverbruik,
        # a diagnostic: counted in the first shard only (a sixth of every shard's linkage)
        count_blocking=task.shard.index == 0,
    )
    res, am, cm, pr = b.res, b.am, b.cm, b.persons.result
    with st.stage("write_intermediate"):
        _write_links(scratch, am, cm, pr, b.graph)
        b.features.write_parquet(scratch / "features.parquet")
        # what an owner holds in other shards counts too: put together after the shards
        current_rights(b.inputs.eigendom, b.inputs.peildatum).write_parquet(scratch / "rights.parquet")
        company_founded(b.inputs.vestigingen, b.inputs.peildatum).write_parquet(scratch / "founded.parquet")
        res.quarantine.write_parquet(scratch / "quarantine.parquet")
        res.nulled.write_parquet(scratch / "genuld.parquet")
        bag = res.tables["bag_verblijfsobjecten"]
        bag.select([c for c in _OBJECT_COLUMNS if c in bag.columns]).write_parquet(
            scratch / "objects.parquet"
        )
        _outcomes_of(res).write_parquet(scratch / "outcomes.parquet")
        object_link_certainty(am.links, pr.links).write_parquet(scratch / "certainty.parquet")
        groups = _groups(res, b.inputs)
        if groups is not None:
            groups.write_parquet(scratch / "groups.parquet")
        coverage, unmatched, companies = _summaries(am, cm)
        coverage.write_parquet(scratch / "coverage.parquet")
        unmatched.write_parquet(scratch / "unmatched.parquet")
        companies.write_parquet(scratch / "companies.parquet")
        # for the privacy scans (KnownIdentifiers.stored_for): of the shards' slices, and run-wide
        KnownIdentifiers.from_tables(res.tables, synthetisch=res.manifest.synthetisch).write(scratch)
    training = None
    if task.train_with is not None:
        outcomes = _outcomes_of(res)
        if task.train_with.height:
            outcomes = pl.concat([outcomes, task.train_with], how="diagonal_relaxed")
        if label_shortfall(outcomes, res.manifest.peildatum, task.config.model.min_confirmed) is None:
            with st.stage("train"):
                training = train_model(b.inputs, b.features, outcomes, task.config)
    return _ShardResult(
        index=task.shard.index,
        counts=res.counts,
        hashes=res.hashes,
        warnings=res.warnings,
        quarantined_rows=_quarantined_rows(res),
        address_links=am.links.height,
        address_unmatched=am.unmatched.height,
        persons=_PersonSummary.of(b.persons),
        has_groups=groups is not None,
        feature_columns=[c for c in b.features.columns if c != "verblijfsobject_id"],
        training=training,
        timings=dict(st.timings),
        peaks=dict(st.peaks),
    )


@dataclass(frozen=True)
class _ScoreTask:
    """Score one shard's objects, or explain them once the list is ranked (tables in ``scratch``)."""

    scratch: Path
    scoring: _Scoring


def _score_task(task: _ScoreTask) -> int:
    """Score and rank the shard's objects among themselves (``scored.parquet``)."""
    d = task.scratch
    scored = _scored(
        task.scoring,
        _shard_features(d),
        pl.read_parquet(d / "objects.parquet"),
        pl.read_parquet(d / "certainty.parquet"),
    )
    scored.write_parquet(d / "scored.parquet")
    return scored.height


def _explain_task(task: _ScoreTask) -> int:
    """The shard's slice of the list (``signals.parquet``), privacy-scanned with what the shard added.

    Its objects with their rank in the whole list (``ranks.parquet``, row for row) and reasons for
    those in the list's top and the recent investigations.
    """
    d = task.scratch
    scored = pl.read_parquet(d / "scored.parquet").with_columns(pl.read_parquet(d / "ranks.parquet")["rank"])
    signals = _explained(
        task.scoring,
        scored,
        _shard_features(d),
        pl.read_parquet(d / "certainty.parquet"),
    )
    # small row groups: the list is put together from ranges of every shard's slice
    signals.write_parquet(d / "signals.parquet", row_group_size=_SLICE_ROW_GROUP)
    # What the shard adds to the outputs, scanned for every shard's identifiers (a resident of one
    # gemeente may be named in another's), as a run in one process scans them: one scan.
    added = ["signals.parquet", "links", "graph", "features.parquet", "quarantine.parquet", "genuld.parquet"]
    paths = [d / name for name in added]
    check_paths(paths, KnownIdentifiers.stored_for(paths, sorted(d.parent.glob("shard-*"))))
    return signals.height


def _concat_parquet(files: list[Path], out: Path, *, unique: str | None = None) -> None:
    """Write the shards' parts of one table as one Parquet file, streaming."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lf = pl.scan_parquet(files)
    if unique is not None:
        lf = lf.unique(subset=unique, keep="first", maintain_order=True)
    lf.sink_parquet(out)


def _owner_scoped_features(
    features: pl.DataFrame, rights: list[Path], founded: list[Path], peildatum: dt.date
) -> pl.DataFrame:
    """The shards' features with those of an owner's whole holding computed over every shard.

    An owner (an investor, a company) may hold objects in several shards, and a buying company may
    be registered in another shard than the object; :data:`OWNER_SCOPED` features are computed
    again from every shard's current rights, as one process would.
    """
    scoped = owner_scoped(pl.read_parquet(rights), pl.read_parquet(founded), peildatum)
    order = features.columns
    return (
        features.drop(OWNER_SCOPED)
        .join(scoped, on="verblijfsobject_id", how="left", maintain_order="left")
        .select(order)
    )


#: A shard's :data:`OWNER_SCOPED` features as computed over every shard (written by the merge).
_SCOPED_FILE = "owner_scoped.parquet"


def _shard_features(d: Path) -> pl.DataFrame:
    """A shard's features with the owner-scoped ones of the whole run, which the merge wrote.

    The shard's own ``features.parquet`` has them computed over its own rights only.
    """
    feats = pl.read_parquet(d / "features.parquet")
    scoped = pl.read_parquet(d / _SCOPED_FILE)
    if not scoped["verblijfsobject_id"].equals(feats["verblijfsobject_id"]):
        raise RuntimeError(f"{d / _SCOPED_FILE}: not row for row the shard's features")
    return feats.with_columns(scoped.select(OWNER_SCOPED))


def _concat_groups(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The shards' audit groups as one table (:func:`object_groups` of every shard).

    A shard has a column for every group found among *its* residents; where another shard has a
    group this one lacks, its objects have no resident of it: false and share 0 wherever some
    resident's value is known (null only where none is, as in one process).
    """
    groups = pl.concat(frames, how="diagonal_relaxed")
    fills: list[pl.Expr] = []
    for attribute in AUDIT_ATTRIBUTES:
        known = known_column(attribute)
        if known not in groups.columns:
            continue
        fills.append(pl.col(known).fill_null(0))
        for c in groups.columns:
            if c.startswith(f"{attribute}=") and groups.schema[c] in (pl.Boolean, pl.Float64):
                absent = pl.lit(0.0) if groups.schema[c] == pl.Float64 else pl.lit(False)
                fills.append(
                    pl.when(pl.col(c).is_null() & (pl.col(known).fill_null(0) > 0))
                    .then(absent)
                    .otherwise(pl.col(c))
                    .alias(c)
                )
    return groups.with_columns(fills) if fills else groups


def _summed(frames: list[pl.DataFrame], keys: list[str], value: str) -> pl.DataFrame:
    return pl.concat(frames).group_by(keys).agg(pl.col(value).sum()).sort(keys)


def _add_counts(parts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0) + int(v)
    return out


def _add_timings(parts: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = round(out.get(k, 0.0) + float(v), 3)
    return out


def _person_counts(results: list[_ShardResult]) -> dict[str, int]:
    """The shards' person-linkage counts summed; the candidate pairs are the first shard's own."""
    counts = _add_counts(
        [{k: v for k, v in r.persons.counts.items() if k != "candidate_pairs"} for r in results]
    )
    first = results[0].persons.counts.get("candidate_pairs")
    if first is not None:
        counts["candidate_pairs_shard_0"] = first
    return counts


def _merged_counts(results: list[_ShardResult]) -> dict[str, FileCounts]:
    out: dict[str, FileCounts] = {}
    for r in results:
        for stem, c in r.counts.items():
            prev = out.get(stem)
            out[stem] = (
                c
                if prev is None
                else FileCounts(
                    rows_read=prev.rows_read + c.rows_read,
                    rows_kept=prev.rows_kept + c.rows_kept,
                    rows_quarantined=prev.rows_quarantined + c.rows_quarantined,
                    encoding=prev.encoding,
                    path=prev.path,
                    values_nulled=prev.values_nulled + c.values_nulled,
                )
            )
    return out


def _merged_hashes(
    data_dir: Path, results: list[_ShardResult], counts: dict[str, FileCounts]
) -> dict[str, str]:
    """Every input file's hash, and each folder extract's as a whole (over all its parts, in order)."""
    hashes: dict[str, str] = {}
    for r in results:
        hashes.update(r.hashes)
    for c in counts.values():
        if not c.path.endswith("/"):
            continue
        folder = data_dir / c.path.rstrip("/")
        names = [f"{folder.name}/{p.relative_to(folder).as_posix()}" for p in extract_parts(folder)]
        missing = [n for n in names if n not in hashes]
        if missing:
            raise DataError(
                missing[0], "part of the extract was read by no shard (the folder changed during the run?)"
            )
        hashes[c.path] = folder_hash({n: hashes[n] for n in names})
    return hashes


def _run_shards(
    data_dir: Path,
    tmp: Path,
    plan: list[Shard],
    config: Config,
    st: _Stages,
    manifest: Manifest,
    train_with: pl.DataFrame | None,
    console: Console,
    stored: tuple[dict[str, Any] | None, str | None],
) -> _Linked:
    """Build every shard in worker processes and put their tables together for the later stages.

    ``stored`` is the Splink model every shard uses and its MLflow run; ``(None, None)``: the first
    shard trains one and the others use it.
    """
    warnings: list[str] = []
    sc = config.scale
    _clean_stale_scratch(Path(sc.scratch_dir or tempfile.gettempdir()))
    scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=sc.scratch_dir))
    (scratch / _OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    try:
        with st.stage("shards_prepare"):
            _check_objects_unique(data_dir)
            kv = read_kleinverbruik(data_dir, fallback_encoding=config.ingest.fallback_encoding)
            kv_path = None
            if kv is not None:
                # every shard reads it: only the rows the features use (the country's is 4M rows)
                kv_path = scratch / "kleinverbruik.parquet"
                kleinverbruik_in_use(kv, manifest.peildatum).write_parquet(kv_path)
                del kv
        # The signal model is trained in one shard. Not the first when the first trains the Splink
        # model alone: training then overlaps with the other shards.
        train_index = 1 if stored[0] is None and len(plan) > 1 else 0
        worker_config = config.model_copy(
            update={
                "linkage": config.linkage.model_copy(
                    update={"duckdb_memory_limit": sc.worker_duckdb_memory_limit}
                )
            }
        )
        tasks = [
            _ShardTask(
                shard=shard,
                data_dir=data_dir,
                config=worker_config,
                scratch=_shard_dir(scratch, shard.index),
                stored=stored,
                kleinverbruik=kv_path,
                train_with=train_with if shard.index == train_index else None,
            )
            for shard in plan
        ]

        def run(batch: list[_ShardTask]) -> list[_ShardResult]:
            return run_tasks(
                _shard_task,
                batch,
                workers=sc.workers,
                tasks_per_worker=sc.shards_per_worker,
                console=console,
                label="shards",
                describe=lambda t: (
                    f"{t.shard.objects:,} objects ({', '.join(t.shard.gemeenten[:3])}"
                    + (", ..." if len(t.shard.gemeenten) > 3 else "")
                    + ")"
                ),
            )

        def largest_first(batch: list[_ShardTask]) -> list[_ShardTask]:
            # so that no large shard is left running alone at the end
            return sorted(batch, key=lambda t: (-t.shard.objects, t.shard.index))

        with st.stage("shards"):
            if stored[0] is None:
                # The Splink model is trained on the first shard; every other shard uses it.
                first = run(tasks[:1])
                model = first[0].persons.model
                rest = run(largest_first([dataclasses.replace(t, stored=(model, None)) for t in tasks[1:]]))
                results = first + rest
            else:
                results = run(largest_first(tasks))
            results.sort(key=lambda r: r.index)
        with st.stage("shards_merge"):
            return _merge_shards(
                data_dir, tmp, plan, scratch, results, manifest, warnings, stored[1], config, train_index
            )
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


_SCRATCH_PREFIX = "vastgoed-shards-"


def _clean_stale_scratch(root: Path) -> None:
    """Remove the scratch folders of runs in shards that were killed; leave those still going.

    A killed run cannot clean up after itself, and its scratch holds the shards' tables, names
    included.
    """
    for stale in root.glob(f"{_SCRATCH_PREFIX}*"):
        try:
            pid = int((stale / _OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not ours to judge: no owner recorded
        if not _alive(pid):
            shutil.rmtree(stale, ignore_errors=True)


def _check_objects_unique(data_dir: Path) -> None:
    """Refuse a region whose BAG parts share a ``verblijfsobject_id``.

    Within a shard a repeated key is quarantined like in one process; across shards no process
    sees both rows, so the run stops before it starts, naming the object and both parts.
    """
    folder = data_dir / "bag_verblijfsobjecten"
    frames = [
        pl.scan_parquet(part)
        .select(pl.col("verblijfsobject_id").cast(pl.String))
        .with_columns(pl.lit(f"{folder.name}/{part.relative_to(folder).as_posix()}").alias("part"))
        for part in extract_parts(folder)
    ]
    twice = (
        pl.concat(frames)
        .drop_nulls("verblijfsobject_id")
        .unique()
        .filter(pl.len().over("verblijfsobject_id") > 1)
        .sort("verblijfsobject_id", "part")
        .collect()
    )
    if twice.height:
        vbo = twice["verblijfsobject_id"][0]
        parts = twice.filter(pl.col("verblijfsobject_id") == vbo)["part"].to_list()
        raise DataError(
            parts[-1],
            f"verblijfsobject_id {vbo} is also in {parts[0]} ({twice['verblijfsobject_id'].n_unique()} ids "
            "are in more than one part): a run in shards needs each object in one gemeente's part",
            kolom="verblijfsobject_id",
        )


def _merge_shards(
    data_dir: Path,
    tmp: Path,
    plan: list[Shard],
    scratch: Path,
    results: list[_ShardResult],
    manifest: Manifest,
    warnings: list[str],
    reused_from: str | None,
    config: Config,
    train_index: int,
) -> _Linked:
    dirs = [_shard_dir(scratch, r.index) for r in results]
    columns = {tuple(r.feature_columns) for r in results}
    if len(columns) != 1:
        raise RuntimeError("the shards built different feature columns")
    for name in ("adressen", "adressen_niet_gekoppeld", "bedrijven", "personen"):
        _concat_parquet([d / "links" / f"{name}.parquet" for d in dirs], tmp / "links" / f"{name}.parquet")
    # a company that owns in several shards is a node in each of them
    _concat_parquet(
        [d / "graph" / "knopen.parquet" for d in dirs], tmp / "graph" / "knopen.parquet", unique="knoop"
    )
    _concat_parquet([d / "graph" / "kanten.parquet" for d in dirs], tmp / "graph" / "kanten.parquet")
    parts = [pl.read_parquet(d / "features.parquet") for d in dirs]
    heights = [p.height for p in parts]
    features = _owner_scoped_features(
        pl.concat(parts),
        [d / "rights.parquet" for d in dirs],
        [d / "founded.parquet" for d in dirs],
        manifest.peildatum,
    )
    del parts
    features.write_parquet(tmp / "features.parquet")
    # what the shards score and explain: the owner-scoped features of the whole run, row for row
    start = 0
    for d, n in zip(dirs, heights, strict=True):
        features.slice(start, n).select("verblijfsobject_id", *OWNER_SCOPED).write_parquet(d / _SCOPED_FILE)
        start += n
    write_quarantine(
        pl.concat([pl.read_parquet(d / "quarantine.parquet") for d in dirs]), tmp / "quarantine.csv"
    )
    write_quarantine(pl.concat([pl.read_parquet(d / "genuld.parquet") for d in dirs]), tmp / NULLED_FILE)
    counts = _merged_counts(results)
    for r in results:
        warnings.extend(w for w in r.warnings if w not in warnings)
    groups = (
        _concat_groups([pl.read_parquet(d / "groups.parquet") for d in dirs])
        if all(r.has_groups for r in results)
        else None
    )
    links = sum(r.address_links for r in results)
    unmatched = sum(r.address_unmatched for r in results)
    coverage = (
        pl.concat([pl.read_parquet(d / "coverage.parquet") for d in dirs])
        .group_by("bron")
        .agg(pl.col("gekoppeld", "niet_gekoppeld").sum())
        .with_columns(
            (pl.col("gekoppeld") / (pl.col("gekoppeld") + pl.col("niet_gekoppeld"))).alias("dekking")
        )
        .sort("bron")
    )
    training = results[train_index].training

    def scan(paths: list[Path]) -> None:
        # every shard's identifiers, over the outputs the shards did not scan themselves (each
        # scanned its own rows of the signals when it wrote them); only the names made of the
        # files' words are loaded: all of a country's would fill gigabytes
        check_paths(paths, KnownIdentifiers.stored_for(paths, dirs))

    def score(scoring: _Scoring, st: _Stages, out: Path) -> _Signals:
        # each shard scores its objects, the list is ranked over all of them, each shard explains
        # its objects in the list's top, and the list is written from the shards' slices
        tasks = [_ScoreTask(d, scoring) for d in dirs]

        # light tasks: the same workers take them all
        def each(fn: Callable[[_ScoreTask], int], label: str) -> None:
            run_tasks(
                fn,
                tasks,
                workers=config.scale.workers,
                tasks_per_worker=len(dirs),
                console=st.console,
                label=label,
            )

        with st.stage("score"):
            each(_score_task, "scores")
            # Ranked over every shard first: each shard then explains its objects in the overall
            # top only (not its own top, most of which the list leaves out).
            keys = _list_keys([d / "scored.parquet" for d in dirs]).select("_slice", "_row", "rank")
            for i, d in enumerate(dirs):
                keys.filter(pl.col("_slice") == i).sort("_row").select("rank").write_parquet(
                    d / "ranks.parquet"
                )
            del keys
        with st.stage("explain"):
            each(_explain_task, "reasons")
            return _ranked_again([d / "signals.parquet" for d in dirs], out, scoring.n_top)

    def train(outcomes: pl.DataFrame) -> TrainingReport:
        if training is None:
            raise DataError(
                "onderzoeksuitkomsten",
                "too few confirmed investigations in the training shard "
                f"(gemeenten {', '.join(plan[train_index].gemeenten)}) for [model] min_confirmed, "
                "though the run as a whole has enough: the model has too little to learn from",
            )
        return training

    shards = [
        {
            "shard": r.index,
            "gemeenten": plan[r.index].gemeenten,
            "verblijfsobjecten": plan[r.index].objects,
            "timings_s": r.timings,
            "peak_rss_mib": r.peaks,
        }
        for r in results
    ]
    return _Linked(
        manifest=manifest,
        counts=counts,
        hashes=_merged_hashes(data_dir, results, counts),
        warnings=warnings,
        quarantined_rows=sum(r.quarantined_rows for r in results),
        # what the report's map and the fairness audit read; the shards wrote the addresses
        objects=pl.concat(
            [
                pl.scan_parquet(d / "objects.parquet").select(pl.col("^(verblijfsobject_id|buurtcode|x|y)$"))
                for d in dirs
            ],
            how="diagonal_relaxed",
        ).collect(),
        outcomes=pl.concat([pl.read_parquet(d / "outcomes.parquet") for d in dirs], how="diagonal_relaxed"),
        features=features,
        groups=groups,
        coverage=coverage,
        unmatched_reasons=_summed(
            [pl.read_parquet(d / "unmatched.parquet") for d in dirs], ["bron", "reden"], "len"
        ),
        company_links=_summed(
            [pl.read_parquet(d / "companies.parquet") for d in dirs], ["bron", "methode"], "len"
        ),
        address_share=float(links / max(1, links + unmatched)),
        persons=_PersonSummary(
            counts=_person_counts(results),
            timings=_add_timings([r.persons.timings for r in results]),
            # counted in the first shard alone (see _shard_task)
            blocking=results[0].persons.blocking,
            charts=results[0].persons.charts,
            model=results[0].persons.model,
            reviewed_pairs=results[0].persons.reviewed_pairs,
            blocking_scope=(
                f"shard 0: {plan[0].objects:,} verblijfsobjecten, gemeenten {', '.join(plan[0].gemeenten)}"
            ),
        ),
        reused_from=reused_from,
        scan=scan,
        train=train,
        score=score,
        shards=shards,
        scratch=scratch,
    )


def _run(
    data_dir: Path,
    tmp: Path,
    run_id: str,
    started: dt.datetime,
    config: Config,
    st: _Stages,
    meta: EthicsMetadata,
    out_dir: Path,
    *,
    train: bool,
    no_train: bool,
) -> RunResult:
    manifest = load_manifest(data_dir)
    if meta.voorbeeld and not manifest.synthetisch:
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
    models = _plan_models(data_dir, out_dir, config, manifest, st, train=train, no_train=no_train)
    verdicts = verdict_labels(out_dir, manifest.peildatum)
    plan = plan_shards(data_dir, config.scale.shard_objects)
    memory = TreeMemory()
    scratch: Path | None = None
    with memory.sampling():
        try:
            if plan is None:
                b = _link_and_build(data_dir, config, st, stored=models.stored_linkage)
                linked = _linked_in_process(b, tmp, config, st)
                del b
            else:
                linked = _run_shards(
                    data_dir,
                    tmp,
                    plan,
                    config,
                    st,
                    manifest,
                    verdicts if models.must_train else None,
                    st.console,
                    models.stored_linkage,
                )
                scratch = linked.scratch
            if [c for c in linked.features.columns if c != "verblijfsobject_id"] != _catalogue_columns():
                # the models were chosen for the catalogue's feature set
                raise RuntimeError("the features are not in the catalogue's order")
            linked.warnings[:0] = models.used(signal="", linkage="").warnings()
            return _finish(data_dir, linked, tmp, run_id, started, config, st, meta, verdicts, models, memory)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


def _catalogue_columns() -> list[str]:
    return [s.name for s in catalogue()]


@dataclass(frozen=True)
class _Models:
    """The models a run uses: stored ones that fit its data, or the reasons it trains its own.

    Attributes:
        signal: How the signal model was chosen.
        champion: The registered champion to score with; None when a model is trained.
        linkage: How the Splink person model was chosen.
        stored_linkage: The stored Splink model and its MLflow run; ``(None, None)``: train one.
    """

    signal: ModelChoice
    champion: Champion | None
    linkage: ModelChoice
    stored_linkage: tuple[dict[str, Any] | None, str | None]

    @property
    def must_train(self) -> bool:
        return self.champion is None

    def used(self, *, signal: str, linkage: str) -> ModelChoices:
        """The choices with the models the run used in the end."""
        return ModelChoices(
            signal=dataclasses.replace(self.signal, used=signal),
            linkage=dataclasses.replace(self.linkage, used=linkage),
        )


def _plan_models(
    data_dir: Path,
    out_dir: Path,
    config: Config,
    manifest: Manifest,
    st: _Stages,
    *,
    train: bool,
    no_train: bool,
) -> _Models:
    """Choose the signal model and the Splink model before any stage runs.

    Raises:
        ModelMismatchError: With ``no_train``, when a model would have to be trained.
    """
    stored, linkage = _linkage_choice(config, manifest)
    found, signal = _signal_choice(config, manifest, st, train=train)
    if no_train and (signal.trained_here or linkage.trained_here):
        command = ["vastgoed", "run", *(["--train"] if signal.trained_here else [])]
        raise ModelMismatchError(
            [c.reason for c in (signal, linkage) if c.trained_here],
            [*command, "--data", str(data_dir), "--out", str(out_dir)],
        )
    champion = None
    if found is not None and signal.fits:
        with st.stage("champion"):
            champion = load_champion(config.tracking, found)
    return _Models(
        signal=signal,
        champion=champion,
        linkage=linkage,
        stored_linkage=(None, None) if stored is None else (stored.model, stored.run_id),
    )


def _version_label(v: RegisteredVersion) -> str:
    return f"{MODEL_NAME} v{v.version} (alias {v.alias})"


def _nearest(versions: list[RegisteredVersion], binding: ModelBinding) -> RegisteredVersion | None:
    """The champion most like this data: the one named when none fits.

    Same gemeente first, then the same kind of data, then the newest.
    """

    def likeness(v: RegisteredVersion) -> tuple[bool, bool, int]:
        b = v.binding
        return (
            b is not None and b.gemeentecode == binding.gemeentecode,
            b is not None and b.synthetisch == binding.synthetisch,
            int(v.version),
        )

    return max(versions, key=likeness, default=None)


def _signal_choice(
    config: Config, manifest: Manifest, st: _Stages, *, train: bool
) -> tuple[RegisteredVersion | None, ModelChoice]:
    """The registered champion of this data (not loaded) if it fits, or why a model is trained here."""
    binding = _binding(manifest, feature_set_hash(_catalogue_columns()))

    def trained(reason: str, found: RegisteredVersion | None = None) -> tuple[None, ModelChoice]:
        return None, ModelChoice(
            model="signal",
            looked_for=binding,
            found=None if found is None else _version_label(found),
            found_binding=None if found is None else found.binding,
            fits=False,
            reason=reason,
            trained_here=True,
        )

    if train:
        return trained("--train: a challenger is trained and registered (champion only if it beats it)")
    if not config.tracking.enabled:
        return trained("tracking is off: no registered model to score with")
    with st.stage("champion"):
        found = champion_version(config.tracking, binding)
        if found is not None and found.binding is not None and found.binding.fits(binding):
            reason = f"trained on {found.binding.describe()} with this engine's feature set"
            return found, ModelChoice(
                model="signal",
                looked_for=binding,
                found=_version_label(found),
                found_binding=found.binding,
                fits=True,
                reason=reason,
                trained_here=False,
            )
        nearest = found or _nearest(champions(config.tracking), binding)
    if nearest is None:
        return trained(f"no signal model is registered for {binding.describe()} yet")
    what = f"the champion {_version_label(nearest)}"
    return trained(mismatch_text(nearest.binding, binding, what), nearest)


@dataclass(frozen=True)
class _Chosen:
    """The model a run ranks with, its version label, and its training when it trained one.

    Attributes:
        model: The learned model, or the rules (:class:`RuleRanker`) when there is too little to
            learn from.
        version: ``vastgoed-signal/v3``, ``lgbm-<hash>`` or ``regels-<hash>``.
        training: This run's training; None when it scored with the champion or with the rules.
        rules_because: Why no learned model was used (in Dutch); None when one was.
    """

    model: ScoringModel
    version: str
    training: TrainingReport | None = None
    rules_because: str | None = None


def _scoring_model(
    linked: _Linked, outcomes: pl.DataFrame, config: Config, st: _Stages, run_id: str, models: _Models
) -> _Chosen:
    """The champion; else a model trained on the labels when they are enough; else the rules."""
    if not models.must_train:
        champion = models.champion
        assert champion is not None
        return _Chosen(champion.model, f"{MODEL_NAME}/v{champion.version}")
    short = label_shortfall(outcomes, linked.manifest.peildatum, config.model.min_confirmed)
    if short is not None:
        rules = RuleRanker(reason=short).fit(linked.features)
        linked.warnings.append(f"signal model: none learned ({short}); the list is ranked by the rules")
        return _Chosen(rules, rules.version, rules_because=short)
    with st.stage("train"):
        training = linked.train(outcomes)
    if not config.tracking.enabled:
        return _Chosen(training.model, training.model_hash, training)
    manifest = linked.manifest
    with st.stage("register"):
        model, version, logged = register_and_decide(
            training,
            config,
            run_name=run_id,
            tags={
                "vastgoed.run_id": run_id,
                "peildatum": manifest.peildatum.isoformat(),
                "gemeentecode": manifest.gemeentecode,
                "synthetisch": str(manifest.synthetisch).lower(),
                "data_sha256": data_hash(linked),
                # the validation metrics of this training run were measured on this world
                "vastgoed.gemeten_op": MeasuredOn.of_manifest(manifest).describe("nl"),
                **source_tags(),
            },
            binding=models.signal.looked_for,
        )
    with st.stage("privacy_scan_mlflow"):
        # Scanned now: a later failure must not leave an unscanned training run behind.
        _scan_mlflow(config, [logged.run_id], linked.scan)
    return _Chosen(model, version, training)


def _finish(
    data_dir: Path,
    linked: _Linked,
    tmp: Path,
    run_id: str,
    started: dt.datetime,
    config: Config,
    st: _Stages,
    meta: EthicsMetadata,
    verdicts: pl.DataFrame,
    models: _Models,
    memory: TreeMemory,
) -> RunResult:
    """Everything after the features: proxy screen, model, scores, reasons, report, audits, tracking."""
    feats = linked.features
    champion = models.champion
    with st.stage("proxy_screen"):
        proxy = _proxy_screen(linked, config)
        if proxy is not None:
            spreadsheet_safe(proxy.tabel).write_csv(tmp / "proxy_screen.csv")
            # Fails the run (nothing is written to out/) when a feature predicts a group of residents
            # above the threshold without a written justification in the catalogue.
            proxy.check()
    feature_cols = [c for c in feats.columns if c != "verblijfsobject_id"]
    outcomes = linked.outcomes
    peildatum = linked.manifest.peildatum
    if verdicts.height:
        # analysts' verdicts on released lists are labels too (after the registry's own outcomes)
        outcomes = pl.concat([outcomes, verdicts], how="diagonal_relaxed")  # verdicts have no ``rij``
        linked.warnings.append(f"onderzoeksuitkomsten: {verdicts.height} analysts' verdicts added as labels")

    chosen = _scoring_model(linked, outcomes, config, st, run_id, models)
    model, model_version, training = chosen.model, chosen.version, chosen.training
    validated = _validated(chosen, linked.manifest)
    choices = models.used(
        signal=model_version,
        linkage="trained in this run" if linked.reused_from is None else f"MLflow run {linked.reused_from}",
    )
    if chosen.rules_because is not None:
        choices = dataclasses.replace(
            choices,
            signal=dataclasses.replace(
                choices.signal, trained_here=False, reason=f"geen geleerd model: {chosen.rules_because}"
            ),
        )

    threshold = meta.controle.koppeling_zekerheid_min
    scoring = _Scoring(
        model=model,
        outcomes=outcomes,
        peildatum=peildatum,
        threshold=threshold,
        model_config=config.model,
        n_top=max(config.model.explain_top, config.output.top_n),
        constants={"model_version": model_version, "run_id": run_id, "actualiteit": _freshness(linked)},
    )
    signals = linked.score(scoring, st, tmp / "signals.parquet")

    with st.stage("report"):
        write_report(
            tmp / "report.html",
            _report_input(signals, chosen, linked, proxy, run_id, config, choices, validated),
        )

    with st.stage("write"):
        n_scored, n_ranked = signals.keys.height, signals.n_ranked
        # the explained rows hold the first n_top >= top_n ranked ones
        ranked = signals.explained.filter(pl.col("rank").is_not_null()).head(config.output.top_n)
        spreadsheet_safe(ranked.select(SIGNAL_COLUMNS)).write_csv(tmp / "signals.csv")
        recent = signals.explained.filter(pl.col("status") == "recent_onderzocht")
        spreadsheet_safe(recent.select(RECENT_COLUMNS)).write_csv(tmp / "recent_onderzocht.csv")
        (tmp / "model.txt").write_text(
            "\n".join(f"# {f}\n{text}" for f, text in model.model_strings().items()), encoding="utf-8"
        )
        run_info: dict[str, Any] = {
            "run_id": run_id,
            "started": started.isoformat(),
            "data": {
                "folder": str(data_dir),
                "peildatum": peildatum.isoformat(),
                "gemeentecode": linked.manifest.gemeentecode,
                "synthetisch": linked.manifest.synthetisch,
                "gemeten_op": validated.world.to_json(),
                "hashes_sha256": linked.hashes,
                "rows": {k: dataclasses.asdict(v) for k, v in linked.counts.items()},
                "warnings": linked.warnings,
                "quarantined_rows": linked.quarantined_rows,
                "nulled_values": sum(c.values_nulled for c in linked.counts.values()),
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
                "address_coverage": linked.coverage.to_dicts(),
                "unmatched_reasons": linked.unmatched_reasons.to_dicts(),
                "company_links": linked.company_links.to_dicts(),
                "persons": {
                    "counts": linked.persons.counts,
                    "timings_s": linked.persons.timings,
                    "blocking": linked.persons.blocking,
                    "blocking_counted_in": linked.persons.blocking_scope or "the whole run",
                    "model": "trained"
                    if linked.reused_from is None
                    else f"reused from MLflow run {linked.reused_from}",
                    "reviewed_pairs": linked.persons.reviewed_pairs,
                },
            },
            "model": {
                "model_version": model_version,
                "model_sha256": model_hash(model),
                "features": feature_cols,
                "source": _model_source(chosen, champion),
                "ranking": _ranking_json(chosen),
                "training": None if training is None else training.summary(),
                "validatie": validated.to_json(),
                "ranked": n_ranked,
                "recent_onderzocht": n_scored - n_ranked,
                "explained_rows": signals.explained.height,
            },
            "model_binding": choices.to_json(),
            "config": config.model_dump(mode="json"),
            "code_version": _code_version(),
            "versions": _versions(),
            "n_scored": n_scored,
        }
        if linked.shards:
            run_info["shards"] = linked.shards
        write_json_atomic(tmp / "run.json", run_info)

    with st.stage("ethics"):
        fairness = _fairness(linked, signals, outcomes, run_info["proxy_screen"], meta, config)
        ethics_dir = tmp / "ethics"
        ethics_dir.mkdir()
        (ethics_dir / "fairness.json").write_text(fairness.to_json(), encoding="utf-8")
        page = fairness_html(fairness, run_id=run_id, measured_on=validated.world.describe("nl"))
        (ethics_dir / "fairness.html").write_text(page, encoding="utf-8")
        facts = _run_facts(run_info, linked, signals, chosen, fairness, config, started, validated)
        write_documents(ethics_dir, meta, facts)
        run_info["ethics"] = {
            "metadata": str(config.ethics.metadata_path()),
            "voorbeeld_metadata": meta.voorbeeld,
            "fairness": fairness.summary(),
            "koppeling_zekerheid_min": threshold,
            "koppeling_onzeker": signals.n_status("koppeling_onzeker"),
        }
        write_json_atomic(tmp / "run.json", run_info)
    with st.stage("privacy_scan"):
        # Fails the run (nothing reaches out/) when an output carries a direct identifier.
        linked.scan(_unscanned_outputs(tmp, linked))

    if config.tracking.enabled:
        with st.stage("tracking"):
            tracked = log_batch_run(
                config.tracking,
                run_name=run_id,
                params={f"model.{k}": v for k, v in config.model.model_dump().items()}
                | {"output.top_n": config.output.top_n},
                metrics={
                    "n_scored": float(n_scored),
                    "n_ranked": float(n_ranked),
                    "address_match_share": linked.address_share,
                },
                tags={
                    "vastgoed.run_id": run_id,
                    "model_version": model_version,
                    "peildatum": peildatum.isoformat(),
                    "gemeentecode": linked.manifest.gemeentecode,
                    "synthetisch": str(linked.manifest.synthetisch).lower(),
                },
                artifacts=[tmp / "run.json", tmp / "report.html"],
                texts={f"linkage/{name}.vl.json": spec for name, spec in linked.persons.charts.items()}
                | {f"ethics/{p.name}": p.read_text(encoding="utf-8") for p in sorted(ethics_dir.iterdir())},
                images={
                    f"linkage/{name}.png": chart_png(spec) for name, spec in linked.persons.charts.items()
                },
                linkage_model=linked.persons.model,
                linkage_model_trained=linked.reused_from is None,
                linkage_binding=_binding(linked.manifest, settings_hash(linked.persons.model)),
            )
        run_info["mlflow"] = {"experiment_id": tracked.experiment_id, "run_id": tracked.run_id}
        with st.stage("privacy_scan_mlflow"):
            _scan_mlflow(config, [tracked.run_id], linked.scan)
    run_info["timings_s"] = st.timings
    run_info["memory"] = st.memory() | {"process_tree_peak_mib": max(memory.peak_mib, tree_rss_mib())}
    run_info["finished"] = dt.datetime.now(dt.UTC).isoformat()
    write_json_atomic(tmp / "run.json", run_info)
    return RunResult(
        run_id=run_id,
        run_dir=tmp,
        n_scored=n_scored,
        timings=dict(st.timings),
        audit={
            "model_version": model_version,
            "peildatum": peildatum.isoformat(),
            "data_sha256": data_hash(linked),
            "n_scored": n_scored,
            "n_ranked": n_ranked,
            "fairness_flags": fairness.flag_ids(),
        },
        notices=choices.warnings(),
        validated=validated,
        validation={} if training is None else training.validation,
    )


def _validated(chosen: _Chosen, manifest: Manifest) -> Validated:
    """Where this run's validation figures were measured (or why it has none)."""
    world = MeasuredOn.of_manifest(manifest)
    if chosen.training is None:
        return Validated(world=world, learned=chosen.rules_because is None)
    return Validated(world=world, cutoff=chosen.training.cutoff, n_validation=chosen.training.n_validation)


def _unscanned_outputs(tmp: Path, linked: _Linked) -> list[Path]:
    """The outputs the final privacy scan reads.

    All of them; in a run in shards, those the shards did not scan themselves (their links, graph,
    features, quarantine and rows of the signals are scanned in the shard, each for every shard's
    identifiers, and put together unchanged).
    """
    if not linked.shards:
        return [tmp]
    skip = {"links", "graph", "features.parquet", "quarantine.csv", NULLED_FILE, "signals.parquet"}
    return sorted(p for p in tmp.iterdir() if p.name not in skip)


def _shard_dir(scratch: Path, index: int) -> Path:
    return scratch / f"shard-{index:04d}"
