"""A start with no labels: the rules rank the first list; recorded verdicts train the next run's champion."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tests.e2e.accounts import ANALIST, REVIEWER, add_accounts, as_user
from vastgoed.cli import app

RUNNER = CliRunner()
#: Few, so that the verdicts on one small released list are enough.
MIN_CONFIRMED = 12


def _config(tmp: Path) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""
[model]
num_boost_round = 30
num_threads = 1
explain_top = 200
min_confirmed = {MIN_CONFIRMED}

[output]
top_n = 200

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "no-labels"
""",
        encoding="utf-8",
    )
    return cfg


def _invoke(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _run(data: Path, out: Path, cfg: Path) -> Path:
    stdout = _invoke("run", "--data", str(data), "--out", str(out), "--config", str(cfg))
    return Path(stdout.strip().splitlines()[-1])


def _as(naam: str, *args: str) -> None:
    result = as_user(RUNNER, naam, *args)
    assert result.exit_code == 0, result.output


def _release(run_dir: Path) -> pl.DataFrame:
    _as(
        REVIEWER, "review", str(run_dir), "--decision", "approve",
        "--rationale", "Regelgebaseerde startlijst besproken.", "--accept-flag", "all",
    )  # fmt: skip
    _as(REVIEWER, "release", str(run_dir))
    lijst = run_dir / "vrijgegeven" / "lijst.csv"
    return pl.read_csv(lijst, schema_overrides={"verblijfsobject_id": pl.String})


def _champion(cfg: Path, data: Path) -> object:
    from features import catalogue, feature_set_hash
    from vastgoed.core.binding import ModelBinding
    from vastgoed.core.config import load_config, load_manifest
    from vastgoed.tracking import champion_version

    manifest = load_manifest(data)
    binding = ModelBinding(
        gemeentecode=manifest.gemeentecode,
        synthetisch=manifest.synthetisch,
        peildatum=manifest.peildatum,
        feature_hash=feature_set_hash([s.name for s in catalogue()]),
    )
    return champion_version(load_config(cfg).tracking, binding)


def test_a_start_without_labels_ranks_by_the_rules_and_verdicts_train_the_next_champion(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    source, truth = small_municipality
    data = tmp_path / "data"
    shutil.copytree(source, data)
    (data / "onderzoeksuitkomsten.csv").unlink()
    cfg, out = _config(tmp_path), tmp_path / "out"

    first = _run(data, out, cfg)
    add_accounts(out)
    signals = pl.read_csv(first / "signals.csv", schema_overrides={"verblijfsobject_id": pl.String})
    assert signals.height > 0
    assert signals["model_version"].unique().to_list()[0].startswith("regels-")
    ranking = json.loads((first / "run.json").read_text(encoding="utf-8"))["model"]["ranking"]
    assert ranking["methode"] == "regelgebaseerd" and not ranking["geleerd_model"]
    assert "geen uitkomsten" in ranking["reden"]
    # the reasons are the rules' hits with their norms and sources, with counter-evidence beside them
    top = signals.head(20)
    assert all(r and "(" in r and "slaat" not in r for r in top["redenen"].to_list())
    assert any("(CBS)" in r or "(Kadaster)" in r or "(BRP)" in r for r in top["redenen"].to_list())
    assert "Geen geleerd model gebruikt" in (first / "report.html").read_text(encoding="utf-8")
    card = (first / "ethics" / "model_card.md").read_text(encoding="utf-8")
    assert "regelgebaseerd, geen geleerd model, omdat" in card
    register = json.loads((first / "ethics" / "algoritmeregister.json").read_text(encoding="utf-8"))
    assert register["run"]["modeltype"].startswith("regelgebaseerd, geen geleerd model, omdat")
    assert "geen geleerd model" in register["methods_and_models"]
    assert (first / "ethics" / "fairness.json").is_file()
    assert _champion(cfg, data) is None  # a rule-based run registers no champion

    # the working group visits the released list; analysts record what they found
    listed = _release(first)
    phenomena = pl.read_csv(truth / "adressen.csv", schema_overrides={"verblijfsobject_id": pl.String})
    visited = listed.join(phenomena, on="verblijfsobject_id", how="left").head(120)
    confirmed = visited.filter(pl.col("fenomeen_right").is_not_null())
    assert confirmed.height >= MIN_CONFIRMED, "the rules' list should hold enough true signals"
    peildatum = dt.date(2025, 1, 1)
    for i, row in enumerate(visited.iter_rows(named=True)):
        # a year and more before the peildatum, or in its last year: training and validation both
        datum = peildatum - dt.timedelta(days=500 if i % 2 else 60)
        found = row["fenomeen_right"]
        args = ["verdict", str(first), row["verblijfsobject_id"], "--datum", datum.isoformat()]
        if found:
            args += ["--outcome", "bevestigd", "--fenomeen", found]
        else:
            args += ["--outcome", "niet_bevestigd"]
        _as(ANALIST, *args)

    second = _run(data, out, cfg)
    info = json.loads((second / "run.json").read_text(encoding="utf-8"))["model"]
    assert info["ranking"]["methode"] == "geleerd_model" and info["ranking"]["reden"] is None
    assert info["training"]["champion"]["promoted"]
    assert info["model_version"] == "vastgoed-signal/v1"
    champion = _champion(cfg, data)
    assert champion is not None
    relisted = pl.read_csv(second / "signals.csv", schema_overrides={"verblijfsobject_id": pl.String})
    assert set(relisted["model_version"]) == {"vastgoed-signal/v1"}
    assert "Geen geleerd model" not in (second / "report.html").read_text(encoding="utf-8")
    assert (
        "geleerd model (LightGBM"
        in json.loads((second / "ethics" / "algoritmeregister.json").read_text(encoding="utf-8"))["run"][
            "modeltype"
        ]
    )
