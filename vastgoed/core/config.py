"""Typed configuration: the run config (TOML) and the data folder's ``manifest.toml``.

TOML is parsed once, here, into pydantic models; the rest of the engine takes these objects.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from vastgoed.core.errors import ConfigError, DataError
from vastgoed.core.numbers import Getalnotatie

__all__ = [
    "Bron",
    "Config",
    "Generator",
    "IngestConfig",
    "LinkageConfig",
    "Manifest",
    "ModelConfig",
    "OutputConfig",
    "PersonLinkageConfig",
    "SparkConfig",
    "TrackingConfig",
    "load_config",
    "load_manifest",
]


#: ``configs/`` of the source tree (the engine is installed in editable mode from it).
_REPO_CONFIGS = Path(__file__).resolve().parents[2] / "configs"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bron(_Strict):
    """One source file's provenance in the manifest."""

    extractdatum: dt.date | None = None
    leverancier: str | None = None
    grondslag: str | None = None
    #: How this file writes its numbers, where it differs from the manifest's ``getalnotatie``.
    getalnotatie: Getalnotatie | None = None


class Generator(BaseModel):
    """``[generator]`` of a synthetic data folder's manifest: which generator wrote it, from which seed."""

    model_config = ConfigDict(extra="allow", frozen=True)

    naam: str
    seed: int | None = None
    schaal: float | None = None
    #: ``demo`` or ``getrokken`` (the project's generator: see ``vastgoed.synthetic.variation``).
    variatie: str | None = None


class Manifest(BaseModel):
    """The data folder's ``manifest.toml``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    gemeentecode: str = Field(pattern=r"^[0-9]{4}$")
    gemeentenaam: str | None = None
    peildatum: dt.date
    synthetisch: bool = False
    #: Written by a generator (``vastgoed.synthetic``): what a figure on this data was measured on.
    generator: Generator | None = None
    bronnen: dict[str, Bron] = Field(default_factory=dict)
    encoding: dict[str, str] = Field(default_factory=dict)
    #: How the text extracts write their numbers (``nl``: ``1.234,5``; ``en``: ``1,234.5``; ``iso``:
    #: ``1234.5``); a source's own ``getalnotatie`` in ``[bronnen]`` overrides it. Unstated, a number
    #: whose thousands may be grouped is refused, never guessed (``vastgoed.core.numbers``).
    getalnotatie: Getalnotatie | None = None

    def notation(self, stem: str) -> Getalnotatie | None:
        """The number notation stated for a source: its own, else the manifest's, else None."""
        bron = self.bronnen.get(stem)
        if bron is not None and bron.getalnotatie is not None:
            return bron.getalnotatie
        return self.getalnotatie

    def extractdatum(self, stem: str) -> dt.date:
        """The extract date of a source; the peildatum when the manifest gives none."""
        bron = self.bronnen.get(stem)
        return bron.extractdatum if bron and bron.extractdatum else self.peildatum


class IngestConfig(_Strict):
    """How extracts are read."""

    fallback_encoding: str = "cp1252"


class PersonLinkageConfig(_Strict):
    """Splink person linkage: thresholds, training and the clerical-review band.

    Thresholds are match probabilities; the review band is ``[review_lower, review_upper)``.
    """

    match_threshold: float = Field(default=0.7, gt=0.0, lt=1.0)
    #: Two records with neither a BSN nor a full birth date join only on an edge this likely.
    unanchored_threshold: float = Field(default=0.9, gt=0.0, le=1.0)
    #: A record without a BSN or birth date joins the best person only if it beats the next by this.
    unanchored_margin: float = Field(default=0.05, ge=0.0, lt=1.0)
    #: A record without a BSN or birth date that no scored pair placed joins the namesake person
    #: (same surname, compatible given names) who dominates its namesakes (linkage.clustering).
    dominant_namesake: bool = True
    review_lower: float = Field(default=0.4, gt=0.0, lt=1.0)
    review_upper: float = Field(default=0.9, gt=0.0, le=1.0)
    max_pairs_u: int = Field(default=5_000_000, ge=10_000)
    #: The model is trained on a uniform sample of at most this many records (nodes); a
    #: Maastricht-sized municipality (about 420k) is trained on all of them.
    train_nodes: int = Field(default=600_000, ge=10_000)
    seed: int = 42
    retrain: bool = False
    num_threads: int = Field(default=2, ge=1)

    @field_validator("review_upper")
    @classmethod
    def _band(cls, v: float, info: ValidationInfo) -> float:
        lower = info.data.get("review_lower")
        if lower is not None and v <= lower:
            raise ValueError("review_upper must be above review_lower")
        return v


class SparkConfig(_Strict):
    """The Spark session of ``linkage.backend = "spark"`` (``docs/spark.md``).

    Read only when that backend is chosen, and only when this process starts the session: an
    active session (a Databricks notebook, ``spark-submit``) is used as it is, with its own settings.
    """

    #: ``local[N]`` runs in this process's JVM on N cores; ``yarn``, ``spark://host:7077`` or
    #: ``k8s://…`` a cluster; empty: whatever ``spark-submit`` or the environment gives.
    master: str = "local[2]"
    app_name: str = "vastgoed-linkage"
    #: The driver JVM's heap; only applies when this process launches the JVM (not under spark-submit).
    driver_memory: str = "2g"
    #: ``spark.sql.shuffle.partitions``; Splink repartitions its large tables to half of it. Around
    #: 2-3 per core of the cluster: the default 200 costs seconds of task overhead on a small run.
    shuffle_partitions: int = Field(default=8, ge=1)
    #: Where Splink breaks the lineage of its intermediate tables (``parquet``: written under
    #: ``checkpoint_dir``; ``persist``: cached in executor memory, no files; ``delta_lake_table``:
    #: tables in the current catalog, Databricks).
    break_lineage: Literal["parquet", "persist", "checkpoint", "delta_lake_table"] = "parquet"
    #: Checkpoint and parquet directory; on a cluster a path every executor reaches (``hdfs://…``,
    #: ``s3a://…``, ``dbfs:/…``). None: a fresh temporary directory on the driver (local mode only).
    checkpoint_dir: str | None = None
    #: Scratch space for shuffles and spills (``spark.local.dir``); None: Spark's default (``/tmp``).
    local_dir: str | None = None
    #: Further Spark settings as given (``"spark.executor.memory" = "8g"``); these win over the above.
    conf: dict[str, str] = Field(default_factory=dict)


class LinkageConfig(_Strict):
    """Record linkage settings."""

    persons: PersonLinkageConfig = Field(default_factory=PersonLinkageConfig)
    company_name_threshold: float = Field(default=0.92, gt=0.0, le=1.0)
    address_fuzzy_threshold: float = Field(default=0.9, gt=0.0, le=1.0)
    reviewed_pairs: str | None = None
    #: Where the Splink person model and the fuzzy address step run: in-process DuckDB, or Spark
    #: (needs the ``spark`` extra and Java; ``docs/spark.md``). Exact address keys stay in polars.
    backend: Literal["duckdb", "spark"] = "duckdb"
    spark: SparkConfig = Field(default_factory=SparkConfig)
    #: DuckDB's memory limit for the linkage (its default is 80% of the machine); past it DuckDB
    #: spills to the temporary folder. Raise it on a larger machine for speed.
    duckdb_memory_limit: str = Field(default="4GB", pattern=r"^[0-9]+(\.[0-9]+)?\s*[KMGT]i?B$")


class ModelConfig(_Strict):
    """The scoring model's settings (see ``models.training`` and the model card for each choice)."""

    num_threads: int = 2
    num_boost_round: int = 200
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 20
    monotone: bool = True
    rule_inputs: bool = True
    calibrate: bool = True
    #: Features of each labelled row as of the peildatum, or as of its investigation's quarter.
    snapshot: Literal["peildatum", "onderzoeksdatum"] = "peildatum"
    #: Investigations in the last this many months before the peildatum validate; earlier ones train.
    validation_months: int = Field(default=12, ge=1, le=60)
    #: After measuring on the time split, the scoring model is the same recipe fitted on every
    #: investigation before the peildatum (its time-split twin is kept for champion decisions).
    refit: bool = True
    buurt_weighting: bool = True
    unlabelled_negatives_ratio: float = Field(default=5.0, ge=0.0)
    unlabelled_weight: float = Field(default=1.0, gt=0.0, le=1.0)
    #: Phenomena with fewer confirmed training labels than this get weak labels from their rule.
    weak_min: int = Field(default=10, ge=0)
    weak_weight: float = Field(default=0.5, gt=0.0, le=1.0)
    weak_max: int = Field(default=200, ge=0)
    #: Fewer confirmed investigations than this (registry outcomes and analysts' verdicts together):
    #: no model is trained, the list is ranked by the rules (``models.rules``; see docs/model-card.md).
    min_confirmed: int = Field(default=50, ge=1)
    #: A phenomenon with fewer confirmed training labels is capped at the base rate of confirmation.
    cap_min: int = Field(default=10, ge=0)
    #: Prior strength (in confirmations) pulling each phenomenon's probability to its base rate.
    shrinkage: float = Field(default=0.0, ge=0.0)
    #: Prior strength (in confirmations) of each phenomenon's rule where it fires: the score there is
    #: ``w·p + (1 − w)·max(p, r)``, ``w = n / (n + rule_prior)`` for ``n`` confirmed investigations of
    #: the phenomenon, ``r`` the rule's hit rate among investigated addresses it flags (0: model alone).
    rule_prior: float = Field(default=10.0, ge=0.0)
    #: Log-odds between the rule's least and its most extreme hit (ordering within the rule's hits).
    rule_spread: float = Field(default=3.0, ge=0.0)
    #: A visit that confirmed nothing is a full negative only for the phenomenon it looked for
    #: (measured: mixed, 1.466–1.658 AP ratio against 1.488–1.728 without; off by default).
    own_negatives: bool = False
    #: Addresses investigated this recently are ranked apart, not as new signals.
    recent_months: int = Field(default=24, ge=0)
    #: The working group's capacity: precision@k and recall@k are reported at this k.
    capacity: int = Field(default=200, ge=1)
    explain_top: int = Field(default=2000, ge=0)
    n_reasons: int = Field(default=5, ge=1)
    n_against: int = Field(default=3, ge=0)
    seed: int = 42


class OutputConfig(_Strict):
    """What a run writes."""

    top_n: int = Field(default=500, ge=1)


class EthicsConfig(_Strict):
    """The proxy screen of the feature guard (``vastgoed.ethics.proxy``)."""

    proxy_threshold: float = Field(default=0.7, gt=0.5, le=1.0)
    #: ``personen``: how a feature sorts the residents it affects; ``objecten``: per address, where
    #: household size alone makes "at least one man" look predictable.
    proxy_maatstaf: Literal["personen", "objecten"] = "personen"
    proxy_min_objects: int = Field(default=50, ge=10)
    #: The proxy screen reads at most this many inhabited objects, a uniform sample (0: all); the
    #: AUCs of half a million objects are exact to about 0.002; a country has millions more, and the
    #: screen holds several copies of what it reads.
    proxy_max_objects: int = Field(default=500_000, ge=0)
    #: The ethics metadata (purpose, legal bases, register entry, fairness bounds); None: the
    #: shipped ``configs/ethics.toml``. A run refuses to start while a required entry is empty.
    metadata: Path | None = None

    def metadata_path(self) -> Path:
        """The ethics metadata file this configuration uses."""
        return self.metadata if self.metadata is not None else _REPO_CONFIGS / "ethics.toml"


class TrackingConfig(_Strict):
    """Where MLflow keeps runs; relative paths are taken from the working directory."""

    enabled: bool = True
    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_location: str = "mlartifacts"
    experiment: str = "vastgoed-score"


class ScaleConfig(_Strict):
    """How a large region runs: in shards of whole gemeenten, each in its own worker process.

    A data folder whose extracts are folders of ``gemeente=`` parts and that holds more than
    ``shard_objects`` verblijfsobjecten is split into shards of whole gemeenten, each at most that
    large (a gemeente larger than it is a shard of its own). Each shard is ingested, linked and
    turned into features in a worker process that ends with it, so that no process holds the whole
    region; scoring, the audits and the outputs run over the shards' results. Smaller folders,
    and every folder of CSV files, run in one process as before.
    """

    #: The most verblijfsobjecten in one shard; 0 never splits.
    shard_objects: int = Field(default=150_000, ge=0)
    #: Worker processes at once (each holds one shard).
    workers: int = Field(default=2, ge=1)
    #: Shards a worker process takes before it is replaced (memory returns to the machine).
    shards_per_worker: int = Field(default=1, ge=1)
    #: DuckDB's memory limit in each worker (replaces ``linkage.duckdb_memory_limit`` there).
    worker_duckdb_memory_limit: str = Field(default="1GB", pattern=r"^[0-9]+(\.[0-9]+)?\s*[KMGT]i?B$")
    #: Where the shards' intermediate tables go (a private temporary folder, removed after the run);
    #: None for the system's temporary folder.
    scratch_dir: str | None = None


class Config(_Strict):
    """The whole run configuration (``configs/default.toml``)."""

    ingest: IngestConfig = Field(default_factory=IngestConfig)
    linkage: LinkageConfig = Field(default_factory=LinkageConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    ethics: EthicsConfig = Field(default_factory=EthicsConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    scale: ScaleConfig = Field(default_factory=ScaleConfig)

    @field_validator("model")
    @classmethod
    def _threads(cls, v: ModelConfig) -> ModelConfig:
        if v.num_threads < 1:
            raise ValueError("model.num_threads must be at least 1")
        return v


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_config(path: Path | None) -> Config:
    """Read a run config; ``None`` gives the defaults."""
    if path is None:
        return Config()
    try:
        return Config.model_validate(_read_toml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_manifest(data_dir: Path) -> Manifest:
    """Read ``DATA/manifest.toml``; a missing or invalid manifest is a fatal :class:`DataError`."""
    path = data_dir / "manifest.toml"
    if not path.exists():
        raise DataError("manifest.toml", f"not found in {data_dir}")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError("manifest.toml", f"not valid TOML: {exc}") from exc
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        kolom = ".".join(str(p) for p in first["loc"])
        raise DataError("manifest.toml", first["msg"], kolom=kolom) from exc
