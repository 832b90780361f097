"""MLflow tracking: the only module that imports mlflow.

Logs each batch run's parameters, metrics, run.json and the trained model to a local store
(``sqlite:///mlflow.db`` and ``mlartifacts/`` by default). No input record, name or BSN is ever
logged: only configuration, counts, metrics and the model.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vastgoed.core.config import TrackingConfig

__all__ = ["LINKAGE_MODEL_ARTIFACT", "TrackedRun", "load_linkage_model", "log_batch_run"]

#: Where a run keeps its trained Splink model (settings with trained m and u).
LINKAGE_MODEL_ARTIFACT = "linkage/splink_model.json"
_LINKAGE_TAG = "vastgoed.linkage_model"


@dataclass(frozen=True)
class TrackedRun:
    """Where the run was logged."""

    experiment_id: str
    run_id: str
    model_uri: str


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
    booster: Any,
    artifacts: list[Path],
    texts: dict[str, str] | None = None,
    images: dict[str, bytes] | None = None,
    linkage_model: dict[str, Any] | None = None,
    linkage_model_trained: bool = False,
) -> TrackedRun:
    """Log one batch run with its LightGBM model.

    Args:
        cfg: Where to log.
        run_name: The engine's run id.
        params: Flat parameters (config values).
        metrics: Numeric metrics.
        tags: String tags (peildatum, gemeentecode, model version...).
        booster: The trained ``lightgbm.Booster``.
        artifacts: Files to attach (run.json, feature catalogue).
        texts: Text artifacts by artifact path (e.g. Splink's chart specifications).
        images: Binary artifacts (PNG) by artifact path.
        linkage_model: The Splink model used for person linkage.
        linkage_model_trained: Whether this run trained it (else it was reused).
    """
    import mlflow
    import mlflow.lightgbm

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
        with warnings.catch_warnings():
            # MLflow's pyfunc wrapper warns that it cannot infer a type hint; the model is a plain booster.
            warnings.filterwarnings("ignore", message=".*inferred as AnyType", category=UserWarning)
            info = mlflow.lightgbm.log_model(
                booster,
                name="model",
                pip_requirements=["lightgbm", "numpy", "scipy"],
            )
        return TrackedRun(experiment_id=experiment_id, run_id=run.info.run_id, model_uri=info.model_uri)


def load_linkage_model(cfg: TrackingConfig, gemeentecode: str) -> tuple[dict[str, Any], str] | None:
    """The most recent trained Splink model for this municipality, and the MLflow run it came from.

    Returns None when no earlier run trained one (or tracking has no such experiment yet).
    """
    import mlflow

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow.set_tracking_uri(cfg.tracking_uri)
    exp = mlflow.get_experiment_by_name(cfg.experiment)
    if exp is None:
        return None
    runs = mlflow.search_runs(
        experiment_ids=[exp.experiment_id],
        filter_string=f"tags.`{_LINKAGE_TAG}` = 'trained' and tags.gemeentecode = '{gemeentecode}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
        output_format="list",
    )
    if not runs:
        return None
    run_id = runs[0].info.run_id
    model = mlflow.artifacts.load_dict(f"runs:/{run_id}/{LINKAGE_MODEL_ARTIFACT}")
    return dict(model), str(run_id)
