"""MLflow tracking: the only module that imports mlflow.

Logs each batch run's parameters, metrics and run.json, and each training's model, to a local store
(``sqlite:///mlflow.db`` and ``mlartifacts/`` by default). No input record, name or BSN is ever
logged: only configuration, counts, metrics and the model.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vastgoed.core.binding import ModelBinding
from vastgoed.core.config import TrackingConfig
from vastgoed.core.spreadsheet import spreadsheet_safe

__all__ = [
    "CHAMPION",
    "LINKAGE_BINDING_TAG_PREFIX",
    "LINKAGE_MODEL_ARTIFACT",
    "MODEL_NAME",
    "RUN_ID_TAG",
    "Champion",
    "RegisteredVersion",
    "StoredLinkageModel",
    "TrackedRun",
    "TrainedModel",
    "artifact_dir",
    "champion_alias",
    "champion_version",
    "champions",
    "delete_run",
    "delete_runs_of",
    "download_artifacts",
    "latest_linkage_model",
    "load_champion",
    "load_linkage_model",
    "log_batch_run",
    "log_parent_metrics",
    "log_training_run",
    "note_version",
    "parent_run",
    "promote",
    "source_tags",
]

#: The registered model every training adds a version to.
MODEL_NAME = "vastgoed-signal"
#: The prefix of the champion aliases: one per gemeente and kind of data (:func:`champion_alias`).
#: A store of an older engine has a plain ``champion`` alias, on a version bound to nothing.
CHAMPION = "champion"

#: Where a run keeps its trained Splink model (settings with trained m and u).
LINKAGE_MODEL_ARTIFACT = "linkage/splink_model.json"
_LINKAGE_TAG = "vastgoed.linkage_model"
#: The tags of a batch run that trained a Splink model: the data it was trained on.
LINKAGE_BINDING_TAG_PREFIX = "vastgoed.linkage_binding."


def champion_alias(binding: ModelBinding) -> str:
    """The alias of the champion for a gemeente and kind of data: ``champion-0935-echt``.

    One store can hold the models of several gemeenten, and synthetic ones beside real ones; each
    pair has its own champion, promoted and replaced only by models trained on that data.
    """
    return f"{CHAMPION}-{binding.gemeentecode}-{binding.kind}"


@dataclass(frozen=True)
class TrackedRun:
    """Where the run was logged."""

    experiment_id: str
    run_id: str


def _setup(cfg: TrackingConfig) -> str:
    import mlflow  # imported here: importing mlflow costs seconds, and only runs need it

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow.set_tracking_uri(cfg.tracking_uri)
    exp = mlflow.get_experiment_by_name(cfg.experiment)
    if exp is None:
        location = Path(cfg.artifact_location).resolve().as_uri()
        return str(mlflow.create_experiment(cfg.experiment, artifact_location=location))
    return str(exp.experiment_id)


def log_batch_run(
    cfg: TrackingConfig,
    *,
    run_name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    artifacts: list[Path],
    texts: dict[str, str] | None = None,
    images: dict[str, bytes] | None = None,
    linkage_model: dict[str, Any] | None = None,
    linkage_model_trained: bool = False,
    linkage_binding: ModelBinding | None = None,
) -> TrackedRun:
    """Log one batch (scoring) run; the model it scored with is the registered champion.

    Args:
        cfg: Where to log.
        run_name: The engine's run id.
        params: Flat parameters (config values).
        metrics: Numeric metrics.
        tags: String tags (peildatum, gemeentecode, model version...).
        artifacts: Files to attach (run.json, feature catalogue).
        texts: Text artifacts by artifact path (e.g. Splink's chart specifications).
        images: Binary artifacts (PNG) by artifact path.
        linkage_model: The Splink model used for person linkage.
        linkage_model_trained: Whether this run trained it (else it was reused).
        linkage_binding: The data a trained Splink model was trained on; tagged so that a later
            run finds it only for the same data (:func:`load_linkage_model`).
    """
    import mlflow

    experiment_id = _setup(cfg)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics(metrics)
        mlflow.set_tags(tags)
        for path in artifacts:
            mlflow.log_artifact(str(path))
        for artifact_file, text in (texts or {}).items():
            mlflow.log_text(text, artifact_file)
        if images:
            with tempfile.TemporaryDirectory() as tmp:
                for artifact_file, data in images.items():
                    local = Path(tmp) / artifact_file
                    local.parent.mkdir(parents=True, exist_ok=True)
                    local.write_bytes(data)
                    mlflow.log_artifact(str(local), artifact_path=str(Path(artifact_file).parent))
        if linkage_model is not None:
            mlflow.log_dict(linkage_model, LINKAGE_MODEL_ARTIFACT)
            mlflow.set_tag(_LINKAGE_TAG, "trained" if linkage_model_trained else "reused")
            if linkage_model_trained and linkage_binding is not None:
                mlflow.set_tags(linkage_binding.to_tags(LINKAGE_BINDING_TAG_PREFIX))
        return TrackedRun(experiment_id=experiment_id, run_id=run.info.run_id)


@dataclass(frozen=True)
class StoredLinkageModel:
    """A Splink model an earlier batch run trained, and the data it was trained on.

    Attributes:
        run_id: The MLflow batch run that trained it.
        binding: What it was trained on; None when that run recorded nothing (an older engine).
        model: The trained settings (None when only the binding was looked up).
    """

    run_id: str
    binding: ModelBinding | None
    model: dict[str, Any] | None = None


def _linkage_runs(cfg: TrackingConfig, filter_string: str) -> list[Any]:
    import mlflow

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow.set_tracking_uri(cfg.tracking_uri)
    exp = mlflow.get_experiment_by_name(cfg.experiment)
    if exp is None:
        return []
    return list(
        mlflow.search_runs(
            experiment_ids=[exp.experiment_id],
            filter_string=f"tags.`{_LINKAGE_TAG}` = 'trained'" + filter_string,
            order_by=["attributes.start_time DESC"],
            max_results=1,
            output_format="list",
        )
    )


def load_linkage_model(cfg: TrackingConfig, binding: ModelBinding) -> StoredLinkageModel | None:
    """The most recent Splink model trained on data like ``binding``, with the MLflow run it came from.

    Like means the same gemeente, the same kind of data (synthetic or real) and the same comparisons
    (``feature_hash``). Returns None when no earlier run trained one (or tracking has no such
    experiment yet).
    """
    import mlflow

    p = LINKAGE_BINDING_TAG_PREFIX
    runs = _linkage_runs(
        cfg,
        f" and tags.`{p}gemeentecode` = '{binding.gemeentecode}'"
        f" and tags.`{p}synthetisch` = '{str(binding.synthetisch).lower()}'"
        f" and tags.`{p}feature_hash` = '{binding.feature_hash}'",
    )
    if not runs:
        return None
    run_id = str(runs[0].info.run_id)
    model = mlflow.artifacts.load_dict(f"runs:/{run_id}/{LINKAGE_MODEL_ARTIFACT}")
    return StoredLinkageModel(
        run_id=run_id, binding=ModelBinding.from_tags(runs[0].data.tags, p), model=dict(model)
    )


def latest_linkage_model(cfg: TrackingConfig) -> StoredLinkageModel | None:
    """The most recent Splink model of any data (its run and binding, not the model itself).

    What a run names when no stored model fits its data.
    """
    runs = _linkage_runs(cfg, "")
    if not runs:
        return None
    return StoredLinkageModel(
        run_id=str(runs[0].info.run_id),
        binding=ModelBinding.from_tags(runs[0].data.tags, LINKAGE_BINDING_TAG_PREFIX),
    )


@dataclass(frozen=True)
class TrainedModel:
    """A logged training run and the registry version it created."""

    run_id: str
    model_uri: str
    version: str


@dataclass(frozen=True)
class RegisteredVersion:
    """A registered version that a champion alias points at, and the data it was trained on.

    Attributes:
        version: The version number.
        run_id: The training run that logged it.
        alias: The champion alias pointing at it.
        binding: What it was trained on; None when the version records nothing (an older engine).
    """

    version: str
    run_id: str
    alias: str
    binding: ModelBinding | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Champion(RegisteredVersion):
    """A champion version, loaded."""

    model: Any = None


def _artifact_dir(local: Path, root: Path) -> str | None:
    rel = local.parent.relative_to(root)
    return None if rel == Path() else str(rel)


def _write_tables(tables: dict[str, Any], tmp: Path) -> list[Path]:
    paths = []
    for artifact_file, frame in tables.items():
        local = tmp / artifact_file
        local.parent.mkdir(parents=True, exist_ok=True)
        spreadsheet_safe(frame).write_csv(local)
        paths.append(local)
    return paths


def log_training_run(
    cfg: TrackingConfig,
    *,
    run_name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    model: Any,
    input_example: Any,
    tables: dict[str, Any] | None = None,
    texts: dict[str, str] | None = None,
    artifacts: list[Path] | None = None,
    register: bool = True,
    nested: bool = False,
    binding: ModelBinding | None = None,
) -> TrainedModel:
    """Log one training: parameters, metrics, tables, the model with signature, and register it.

    Args:
        cfg: Where to log.
        run_name: A readable name (the engine's run id, or an experiment variant).
        params: Flat parameters.
        metrics: Numeric metrics (None values are skipped).
        tags: String tags (data hashes, peildatum, split cutoff...).
        model: The fitted scikit-learn estimator (:class:`models.SignalModel`).
        input_example: A few feature rows (a polars frame); the signature is inferred from them.
        tables: Polars frames logged as CSV by artifact path (feature importance, catalogue...).
        texts: Text artifacts by artifact path.
        artifacts: Files to attach.
        register: Add the model as a new version of :data:`MODEL_NAME`.
        nested: Log as a child of the active run (experiments).
        binding: The data the model was trained on, tagged on the run and the registered version
            (a version without it fits no data).
    """
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature

    experiment_id = _setup(cfg)
    example = input_example.to_pandas()
    if binding is not None:
        tags = tags | binding.to_tags()
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, nested=nested) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None})
        mlflow.set_tags(tags)
        with tempfile.TemporaryDirectory() as tmp:
            for local in _write_tables(tables or {}, Path(tmp)):
                mlflow.log_artifact(str(local), artifact_path=_artifact_dir(local, Path(tmp)))
        for artifact_file, text in (texts or {}).items():
            mlflow.log_text(text, artifact_file)
        for path in artifacts or []:
            mlflow.log_artifact(str(path))
        signature = infer_signature(example, model.predict_proba(input_example))
        with warnings.catch_warnings():
            # MLflow warns about pickled models; the store is the municipality's own (see the card).
            warnings.filterwarnings("ignore", category=UserWarning)
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=signature,
                input_example=example,
                pip_requirements=["lightgbm", "numpy", "polars", "scikit-learn", "scipy"],
                serialization_format="cloudpickle",
                pyfunc_predict_fn="predict_proba",
            )
        version = ""
        if register:
            mv = mlflow.register_model(info.model_uri, MODEL_NAME, tags=tags)
            version = str(mv.version)
            mlflow.set_tag("vastgoed.model_version", version)
        return TrainedModel(run_id=run.info.run_id, model_uri=info.model_uri, version=version)


def _version(alias: str, mv: Any) -> RegisteredVersion:
    tags = dict(mv.tags)
    return RegisteredVersion(
        version=str(mv.version),
        run_id=str(mv.run_id or ""),
        alias=alias,
        binding=ModelBinding.from_tags(tags),
        tags=tags,
    )


def champions(cfg: TrackingConfig) -> list[RegisteredVersion]:
    """Every champion in the store, newest version first; empty when nothing is registered.

    One per gemeente and kind of data, and an older engine's plain ``champion``.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    _setup(cfg)
    client = mlflow.MlflowClient()
    try:
        aliases = dict(client.get_registered_model(MODEL_NAME).aliases)
    except MlflowException:
        return []
    found = [
        _version(alias, client.get_model_version(MODEL_NAME, str(version)))
        for alias, version in aliases.items()
        if alias == CHAMPION or alias.startswith(f"{CHAMPION}-")
    ]
    return sorted(found, key=lambda v: (-int(v.version), v.alias))


def champion_version(cfg: TrackingConfig, binding: ModelBinding) -> RegisteredVersion | None:
    """The version the champion alias of this data points at (not loaded); None when there is none.

    The alias is that of the binding's gemeente and kind of data (:func:`champion_alias`). Whether
    the version fits (its feature set, or an alias moved by hand) is the caller's check, on its own
    :attr:`RegisteredVersion.binding`.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    _setup(cfg)
    alias = champion_alias(binding)
    try:
        mv = mlflow.MlflowClient().get_model_version_by_alias(MODEL_NAME, alias)
    except MlflowException:
        return None
    return _version(alias, mv)


def load_champion(cfg: TrackingConfig, version: RegisteredVersion) -> Champion:
    """A champion version with its model loaded."""
    import mlflow.sklearn

    _setup(cfg)
    return Champion(
        version=version.version,
        run_id=version.run_id,
        alias=version.alias,
        binding=version.binding,
        tags=version.tags,
        model=mlflow.sklearn.load_model(f"models:/{MODEL_NAME}/{version.version}"),
    )


def promote(cfg: TrackingConfig, version: str, *, binding: ModelBinding, reason: str) -> None:
    """Point the champion alias of ``binding``'s gemeente and kind of data at ``version``; record why."""
    import mlflow

    _setup(cfg)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(MODEL_NAME, champion_alias(binding), version)
    client.set_model_version_tag(MODEL_NAME, version, "champion_reason", reason[:5000])


def note_version(cfg: TrackingConfig, version: str, key: str, value: str) -> None:
    """Set a tag on a registered version (e.g. why it did not become champion)."""
    import mlflow

    _setup(cfg)
    mlflow.MlflowClient().set_model_version_tag(MODEL_NAME, version, key, value[:5000])


@contextlib.contextmanager
def parent_run(
    cfg: TrackingConfig, run_name: str, params: dict[str, Any], tags: dict[str, str]
) -> Iterator[str]:
    """A parent run for an experiment; trainings inside it are logged with ``nested=True``."""
    import mlflow

    experiment_id = _setup(cfg)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.set_tags(tags)
        yield str(run.info.run_id)


def log_parent_metrics(metrics: dict[str, float], tables: dict[str, Any] | None = None) -> None:
    """Metrics and tables on the active (parent) run."""
    import mlflow

    mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v is not None})
    with tempfile.TemporaryDirectory() as tmp:
        for local in _write_tables(tables or {}, Path(tmp)):
            mlflow.log_artifact(str(local), artifact_path=_artifact_dir(local, Path(tmp)))


def artifact_dir(cfg: TrackingConfig, run_id: str) -> Path | None:
    """The local folder of an MLflow run's artefacts; None when the store is not on this machine."""
    from urllib.parse import unquote, urlparse

    import mlflow

    _setup(cfg)
    uri = str(mlflow.get_run(run_id).info.artifact_uri)
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path)) if parsed.scheme else Path(uri)
        return path if path.exists() else None
    return None


def _logged_models(run_id: str) -> list[Any]:
    """The logged models (MLflow 3) a run produced; their artefacts live outside the run's folder."""
    import mlflow

    run = mlflow.get_run(run_id)
    return list(
        mlflow.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string=f"source_run_id = '{run_id}'",
            output_format="list",
        )
    )


def download_artifacts(cfg: TrackingConfig, run_id: str, dst: Path) -> list[Path]:
    """Copy everything an MLflow run stored (its artefacts and its logged models') into ``dst``.

    Works for any artefact store, local or remote, so that a scan of what MLflow holds never
    depends on where the store is. Returns the folders written, one per source.
    """
    import mlflow

    _setup(cfg)
    out = []
    run_dst = dst / run_id / "run"
    run_dst.mkdir(parents=True, exist_ok=True)
    out.append(Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(run_dst))))
    for lm in _logged_models(run_id):
        model_dst = dst / run_id / f"model-{lm.model_id}"
        model_dst.mkdir(parents=True, exist_ok=True)
        uri = str(lm.artifact_location)
        out.append(Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(model_dst))))
    return out


def delete_run(cfg: TrackingConfig, run_id: str) -> None:
    """Delete an MLflow run and its logged models (marked deleted) and remove their local artefacts."""
    import shutil
    from urllib.parse import unquote, urlparse

    import mlflow

    _setup(cfg)
    client = mlflow.MlflowClient()
    folders = [artifact_dir(cfg, run_id)]
    for lm in _logged_models(run_id):
        parsed = urlparse(str(lm.artifact_location))
        if parsed.scheme in ("", "file"):
            folders.append(Path(unquote(parsed.path)))
        client.delete_logged_model(lm.model_id)
    client.delete_run(run_id)
    for folder in folders:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


#: The tag naming the engine's run on every MLflow run a batch logs (its batch run and its training).
RUN_ID_TAG = "vastgoed.run_id"


def delete_runs_of(cfg: TrackingConfig, run_id: str) -> list[str]:
    """Delete every MLflow run of an engine run that was never published; return their ids.

    Found by their tag :data:`RUN_ID_TAG`: the batch run and a training run, with their logged
    models and the registered versions trained in them (a champion alias on such a version goes
    with it, so the next run trains or says that no champion fits). Returns an empty list when the
    store has no such run or no experiment yet.
    """
    import mlflow

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow.set_tracking_uri(cfg.tracking_uri)
    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string=f"tags.`{RUN_ID_TAG}` = '{run_id}'",
        output_format="list",
    )
    client = mlflow.MlflowClient()
    deleted = []
    for run in runs:
        mlflow_id = str(run.info.run_id)
        for version in client.search_model_versions(f"run_id = '{mlflow_id}'"):
            client.delete_model_version(version.name, version.version)
        delete_run(cfg, mlflow_id)
        deleted.append(mlflow_id)
    return deleted


def git_revision(*, short: bool = False) -> str:
    """The git revision of the code that runs (full, or git's short form); empty outside a checkout."""
    command = ["git", "rev-parse", *(["--short"] if short else []), "HEAD"]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=Path(__file__).parent, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def source_tags() -> dict[str, str]:
    """MLflow's own lineage tag for the code that ran (``mlflow.source.git.commit``, the full revision).

    MLflow sets it only for a script inside a git checkout; the batch runs from the installed
    command, so it is set here. Empty outside a checkout (an installed package): no tag then.
    """
    commit = git_revision()
    return {"mlflow.source.git.commit": commit} if commit else {}
