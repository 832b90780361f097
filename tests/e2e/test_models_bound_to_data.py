"""Models bound to their data: a run scores and links only with models of its gemeente and kind of data.

Both the project's synthetic municipality and the independent world are gemeente 0935; only the
manifest's ``synthetisch`` tells them apart. After a run on the synthetic data, a run on the
independent world (real extracts, to the engine) must train its own signal and Splink models and
say so, or stop with ``--no-train``; each world then keeps its own champion.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.e2e.test_batch import _config
from tests.worlds import TEST_PSEUDONYM_KEY, generate_independent_world, own_ethics
from vastgoed.cli import app
from vastgoed.ethics.review import audit_log

RUNNER = CliRunner()


def _store(tmp: Path) -> Path:
    """A run config with its own MLflow store and the municipality's own ethics metadata."""
    cfg = _config(tmp)
    with cfg.open("a", encoding="utf-8") as f:
        f.write(f'\n[ethics]\nmetadata = "{own_ethics(tmp)}"\n')
    return cfg


def _run(data: Path, out: Path, cfg: Path, *extra: str) -> tuple[int, str, Path | None]:
    result = RUNNER.invoke(app, ["run", "--data", str(data), "--out", str(out), "--config", str(cfg), *extra])
    run_dir = Path(result.stdout.strip().splitlines()[-1]) if result.exit_code == 0 else None
    return result.exit_code, result.output, run_dir


def _bound(run_dir: Path) -> dict[str, dict[str, object]]:
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    binding: dict[str, dict[str, object]] = info["model_binding"]
    return binding


def _linkage_run(run_dir: Path) -> str:
    """The MLflow run whose Splink model the run used (its own batch run when it trained one)."""
    import mlflow

    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    used = str(info["model_binding"]["linkage_model"]["used"])
    if used.startswith("MLflow run "):
        return used.removeprefix("MLflow run ")
    run = mlflow.MlflowClient().get_run(info["mlflow"]["run_id"])
    assert run.data.tags["vastgoed.linkage_model"] == "trained"
    return str(info["mlflow"]["run_id"])


def test_after_a_synthetic_run_the_independent_world_never_uses_the_synthetic_models(
    small_municipality: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    from vastgoed.tracking import MODEL_NAME

    world = tmp_path / "onafhankelijk"
    generate_independent_world(world, tmp_path / "onafhankelijk-truth", seed=1, scale=0.05)
    monkeypatch.setenv("VASTGOED_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    synthetic, _ = small_municipality
    cfg, out = _store(tmp_path), tmp_path / "out"

    code, output, first = _run(synthetic, out, cfg)  # `make score` on the synthetic municipality
    assert code == 0 and first is not None, output
    synthetic_splink = _linkage_run(first)

    # --no-train: stops before the first stage, naming the mismatch of both models and the command
    code, output, _ = _run(world, out, cfg, "--no-train")
    said = " ".join(output.split())
    assert code == 2, output
    assert (
        "the champion vastgoed-signal v1 (alias champion-0935-synthetisch) was trained on synthetic data "
        "of gemeente 0935; this data is real extracts of gemeente 0935" in said
    )
    assert f"the most recent Splink model (MLflow run {synthetic_splink}) was trained on synthetic" in said
    assert f"vastgoed run --train --data {world} --out {out} --config {cfg}" in said
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["governance", "latest", first.name]
    )

    # without it: trains its own models, and says so on the console, in run.json and in the report
    code, output, own = _run(world, out, cfg)
    assert code == 0 and own is not None, output
    said = " ".join(output.split())
    assert "warning: signal model: the champion vastgoed-signal v1 (alias champion-0935-synthetisch)" in said
    assert "warning: person linkage (Splink): the most recent Splink model" in said
    bound = _bound(own)
    signal, linkage = bound["signal_model"], bound["linkage_model"]
    assert signal["trained_here"] and not signal["fits"] and signal["used"] == f"{MODEL_NAME}/v2"
    assert signal["found"] == f"{MODEL_NAME} v1 (alias champion-0935-synthetisch)"
    assert signal["looked_for"] == signal["looked_for"] | {"gemeentecode": "0935", "synthetisch": False}
    assert linkage["trained_here"] and linkage["used"] == "trained in this run"
    assert _linkage_run(own) != synthetic_splink
    assert set(pl.read_parquet(own / "signals.parquet")["model_version"]) == {f"{MODEL_NAME}/v2"}
    report = (own / "report.html").read_text(encoding="utf-8")
    assert "getraind op synthetische gegevens van gemeente 0935" in report
    card = (own / "ethics" / "model_card.md").read_text(encoding="utf-8")
    card = " ".join(card.split())
    assert "because the stored model did not fit this data: the champion vastgoed-signal v1" in card

    client = mlflow.MlflowClient()
    v2 = client.get_model_version(MODEL_NAME, "2")
    assert v2.tags["vastgoed.binding.synthetisch"] == "false"
    assert v2.tags["vastgoed.binding.gemeentecode"] == "0935"
    assert v2.tags["vastgoed.binding.peildatum"] == "2024-01-01"
    assert v2.tags["vastgoed.binding.feature_hash"] == signal["looked_for"]["feature_hash"]  # type: ignore[index]
    aliases = {k: str(v) for k, v in client.get_registered_model(MODEL_NAME).aliases.items()}
    assert aliases == {"champion-0935-synthetisch": "1", "champion-0935-echt": "2"}

    # each world now scores with its own models, also with --no-train
    code, output, again = _run(world, out, cfg, "--no-train")
    assert code == 0 and again is not None, output
    bound = _bound(again)
    assert bound["signal_model"]["used"] == f"{MODEL_NAME}/v2" and bound["signal_model"]["fits"]
    assert _linkage_run(again) == _linkage_run(own)
    code, output, back = _run(synthetic, out, cfg, "--no-train")
    assert code == 0 and back is not None, output
    assert _bound(back)["signal_model"]["used"] == f"{MODEL_NAME}/v1"
    assert _linkage_run(back) == synthetic_splink


def _register_dummy(cfg: Path, *, bound: bool) -> None:
    """A registered version without training a real model: bound to synthetic 0935 data, or to nothing
    under an older engine's plain ``champion`` alias."""
    import datetime as dt

    import mlflow
    from sklearn.dummy import DummyClassifier

    from features import catalogue, feature_set_hash
    from vastgoed.core.binding import ModelBinding
    from vastgoed.core.config import load_config
    from vastgoed.tracking import MODEL_NAME, log_training_run, promote

    names = [s.name for s in catalogue()]
    X = pl.DataFrame({n: [0.0, 1.0] for n in names})
    binding = ModelBinding(
        gemeentecode="0935",
        synthetisch=True,
        peildatum=dt.date(2025, 1, 1),
        feature_hash=feature_set_hash(names),
    )
    tc = load_config(cfg).tracking
    logged = log_training_run(
        tc,
        run_name="dummy",
        params={},
        metrics={},
        tags={},
        model=DummyClassifier().fit(X, [0, 1]),
        input_example=X,
        binding=binding if bound else None,
    )
    if bound:
        promote(tc, logged.version, binding=binding, reason="test")
    else:
        mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", logged.version)


@pytest.mark.parametrize(
    ("bound", "mismatch"),
    [
        (
            True,
            "the champion vastgoed-signal v1 (alias champion-0935-synthetisch) was trained on synthetic "
            "data of gemeente 0935; this data is real extracts of gemeente 0935",
        ),
        (
            False,
            "the champion vastgoed-signal v1 (alias champion) records no data it was trained on (stored "
            "before models were bound to their data); this data is real extracts of gemeente 0935",
        ),
    ],
    ids=["synthetic-champion", "unbound-champion"],
)
def test_no_train_stops_before_any_stage_when_the_champion_was_trained_on_other_data(
    small_municipality: tuple[Path, Path], tmp_path: Path, bound: bool, mismatch: str
) -> None:
    synthetic, _ = small_municipality
    # the synthetic municipality's extracts as a municipality's real ones: the manifest alone differs
    real = tmp_path / "echt"
    shutil.copytree(synthetic, real)
    manifest = real / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    assert "synthetisch = true" in text
    manifest.write_text(text.replace("synthetisch = true", "synthetisch = false"), encoding="utf-8")
    cfg, out = _store(tmp_path), tmp_path / "out"
    _register_dummy(cfg, bound=bound)

    code, output, _ = _run(real, out, cfg, "--no-train")
    said = " ".join(output.split())
    assert code == 2, output
    assert mismatch in said
    assert "no Splink model has been trained on real extracts of gemeente 0935 yet" in said
    assert f"`vastgoed run --train --data {real} --out {out} --config {cfg}`" in said
    assert [p.name for p in out.iterdir()] == ["governance"]  # no run folder; logged as failed
    assert [e.details.get("fout") for e in audit_log(out).entries()] == [None, "ModelMismatchError"]


def test_train_and_no_train_together_are_refused(tmp_path: Path) -> None:
    code, output, _ = _run(tmp_path, tmp_path / "out", _config(tmp_path), "--train", "--no-train")
    assert code == 2 and "--train and --no-train contradict each other" in output
