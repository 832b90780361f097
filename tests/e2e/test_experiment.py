"""`vastgoed experiment run`: variants as nested MLflow runs, each a full training record."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tests.e2e.test_batch import _config
from vastgoed.cli import app


def test_an_experiment_logs_each_variant_as_a_nested_training_run(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    import mlflow

    data, _ = small_municipality
    spec = tmp_path / "proef.toml"
    spec.write_text(
        'name = "proef"\ndescription = "twee varianten"\n'
        '[[variant]]\nname = "standaard"\n'
        '[[variant]]\nname = "zonder netwerk"\ndrop_families = ["netwerk"]\n',
        encoding="utf-8",
    )
    cfg = _config(tmp_path)
    lists = tmp_path / "lijsten"
    result = CliRunner().invoke(
        app,
        ["experiment", "run", str(spec), "--data", str(data), "--config", str(cfg), "--lijsten", str(lists)],
    )
    assert result.exit_code == 0, result.output
    # each variant's whole ranking, ordered as a run's list: ranked signals, then those ranked apart
    bag = pl.read_csv(data / "bag_verblijfsobjecten.csv", infer_schema=False)
    for name in ("standaard.csv", "zonder-netwerk.csv"):
        lst = pl.read_csv(lists / name, schema_overrides={"verblijfsobject_id": pl.String})
        assert lst.columns == ["rank", "verblijfsobject_id", "fenomeen", "score", "status"]
        assert lst["rank"].to_list() == list(range(1, bag.height + 1))
        assert set(lst["verblijfsobject_id"]) == set(bag["verblijfsobject_id"])
        apart = (lst["status"] != "signaal").to_numpy()
        first_apart = int(apart.argmax()) if apart.any() else lst.height
        assert not apart[:first_apart].any() and apart[first_apart:].all()
        signals = lst.head(first_apart)["score"].to_numpy()
        assert (signals[:-1] >= signals[1:]).all()
    # the variants' validation figures name their world, and warn on the project's generator
    printed = " ".join(result.output.split())
    assert "validatie: Tijdsplitsing op de eigen onderzoeken" in printed and "seed 7" in printed
    assert "let op: dit is de eigen wereld van de generator van het project" in printed
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    parents = [r for r in runs if r.data.tags.get("mlflow.runName") == "experiment-proef"]
    assert len(parents) == 1
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert sorted(r.data.tags["variant"] for r in children) == ["standaard", "zonder netwerk"]
    client = mlflow.MlflowClient()
    for child in children:
        tags = child.data.tags
        assert tags["data_sha256"] and tags["validation_data_sha256"] and tags["model_hash"]
        # lineage a data scientist can follow: the whole data hash and the code's commit
        assert len(tags["data_sha256"]) == 64
        assert len(tags.get("mlflow.source.git.commit", "")) == 40
        assert "eigen generator van het project" in tags["vastgoed.gemeten_op"]
        files = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"feature_importance.csv", "feature_catalogue.csv", "calibration_validation.csv"} <= files
        assert "val.model.average_precision" in child.data.metrics or any(
            k.endswith("average_precision") for k in child.data.metrics
        )
    dropped = next(r for r in children if r.data.tags["variant"] == "zonder netwerk")
    assert "netwerk_bevestigde_adressen" in dropped.data.params["drop_features"]
