"""MLflow tracking: the only module that imports mlflow.

Logs each batch run's parameters, metrics, run.json and the trained model to a local store
(``sqlite:///mlflow.db`` and ``mlartifacts/`` by default). No input record, name or BSN is ever
logged: only configuration, counts, metrics and the model.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vastgoed.core.config import TrackingConfig

__all__ = ["TrackedRun", "log_batch_run"]


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
        with warnings.catch_warnings():
            # MLflow's pyfunc wrapper warns that it cannot infer a type hint; the model is a plain booster.
            warnings.filterwarnings("ignore", message=".*inferred as AnyType", category=UserWarning)
            info = mlflow.lightgbm.log_model(
                booster,
                name="model",
                pip_requirements=["lightgbm", "numpy", "scipy"],
            )
        return TrackedRun(experiment_id=experiment_id, run_id=run.info.run_id, model_uri=info.model_uri)
