"""The registry: the champion moves only when a new model beats it on the same validation data;
a second run with the same data and champion gives the same signals."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.e2e.test_batch import _config
from vastgoed.cli import app


def _run(data: Path, out: Path, cfg: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(cfg), *extra]
    )
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def test_champion_moves_only_when_beaten_and_scores_are_reproducible(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    import mlflow

    from features import feature_set_hash
    from vastgoed.core.binding import ModelBinding
    from vastgoed.core.config import load_config, load_manifest
    from vastgoed.modelling import register_and_decide, train_model
    from vastgoed.pipeline import prepare_features
    from vastgoed.tracking import MODEL_NAME, champion_alias, champion_version

    data, _ = small_municipality
    cfg_path = _config(tmp_path)
    out = tmp_path / "out"
    first = _run(data, out, cfg_path)  # no champion yet: trains, registers v1, promotes it
    second = _run(data, out, cfg_path)  # scores with the champion
    a = pl.read_parquet(first / "signals.parquet").drop("run_id")
    b = pl.read_parquet(second / "signals.parquet").drop("run_id")
    assert a.equals(b)
    assert set(a["model_version"]) == {f"{MODEL_NAME}/v1"}
    # the second run used both stored models because they were trained on this data
    bound = json.loads((second / "run.json").read_text(encoding="utf-8"))["model_binding"]
    assert bound["signal_model"]["fits"] and not bound["signal_model"]["trained_here"]
    assert bound["signal_model"]["used"] == f"{MODEL_NAME}/v1"
    assert bound["linkage_model"]["fits"] and not bound["linkage_model"]["trained_here"]

    config = load_config(cfg_path)
    prepared = prepare_features(data, config)
    manifest = load_manifest(data)
    binding = ModelBinding(
        gemeentecode=manifest.gemeentecode,
        synthetisch=manifest.synthetisch,
        peildatum=manifest.peildatum,
        feature_hash=feature_set_hash([c for c in prepared.features.columns if c != "verblijfsobject_id"]),
    )
    assert binding.to_json() == bound["signal_model"]["looked_for"]
    weak_cfg = config.model_copy(
        update={
            "model": config.model.model_copy(
                # no tree can split (every leaf needs more rows than there are): one score for all;
                # and no rule evidence (``rule_prior``), which alone ranks as well as the rules
                update={
                    "num_boost_round": 1,
                    "num_leaves": 2,
                    "rule_inputs": False,
                    "rule_prior": 0.0,
                    "min_data_in_leaf": 10**6,
                }
            )
        }
    )
    weak = train_model(prepared.inputs, prepared.features, prepared.outcomes, weak_cfg)
    _, label, _ = register_and_decide(weak, config, run_name="weak", tags={}, binding=binding)
    assert weak.champion is not None
    client = mlflow.MlflowClient()
    champion = client.get_model_version_by_alias(MODEL_NAME, champion_alias(binding))
    challenger_ap = weak.champion["challenger_average_precision"]
    champion_ap = weak.champion["champion_average_precision"]
    assert champion_ap is not None and challenger_ap is not None
    # the champion is judged by its time-split twin, on rows the twin never saw: on the same data that
    # is exactly the figure v1 logged for itself (the refit v1 has seen these rows and would score higher)
    v1_run = client.get_run(client.get_model_version(MODEL_NAME, "1").run_id)
    assert champion_ap == pytest.approx(v1_run.data.metrics["val.model.average_precision"])
    assert weak.champion["promoted"] is (challenger_ap > champion_ap)
    assert challenger_ap < champion_ap, "the deliberately weak model should lose"
    assert str(champion.version) == "1" and label == f"{MODEL_NAME}/v1"
    v2 = client.get_model_version(MODEL_NAME, "2")
    assert "not_promoted" in v2.tags
    run = client.get_run(v2.run_id)
    # both figures, on the same validation rows, are logged with the challenger
    assert run.data.metrics["val.champion.average_precision"] == pytest.approx(champion_ap)
    assert run.data.metrics["val.model.average_precision"] == pytest.approx(challenger_ap)
    logged = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"validation_per_buurt.csv", "calibration_validation_per_buurt.csv"} <= logged, logged

    # A better model (same settings as the champion, so equal AP) does not move it either: only better wins.
    same = train_model(prepared.inputs, prepared.features, prepared.outcomes, config)
    register_and_decide(same, config, run_name="same", tags={}, binding=binding)
    assert same.champion is not None and same.champion["promoted"] is False
    loaded = champion_version(config.tracking, binding)
    assert loaded is not None and loaded.version == "1" and loaded.binding == binding
