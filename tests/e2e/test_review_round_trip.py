"""Clerical review through the command line: export the uncertain band, decide, and re-run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from vastgoed.cli import app


def _config(tmp: Path, reviewed: Path | None = None) -> Path:
    cfg = tmp / ("config_reviewed.toml" if reviewed else "config.toml")
    reviewed_line = f'reviewed_pairs = "{reviewed}"' if reviewed else ""
    cfg.write_text(
        f"""
[linkage]
{reviewed_line}

[linkage.persons]
review_lower = 0.05
review_upper = 0.99

[model]
num_boost_round = 30
num_threads = 1
explain_top = 50

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "review"
""",
        encoding="utf-8",
    )
    return cfg


def _run(data: Path, out: Path, cfg: Path) -> Path:
    result = CliRunner().invoke(app, ["run", "--data", str(data), "--out", str(out), "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def _cluster(run_dir: Path, record: str) -> str:
    links = pl.read_parquet(run_dir / "links" / "personen.parquet")
    return str(links.filter(pl.col("record") == record)["persoon_id"].item())


def test_reviewed_decisions_override_later_runs(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = small_municipality
    first = _run(data, tmp_path / "out", _config(tmp_path))
    assert json.loads((first / "run.json").read_text())["linkage"]["persons"]["model"] == "trained"

    review = tmp_path / "review" / "pairs.csv"
    result = CliRunner().invoke(
        app,
        [
            "linkage",
            "review-export",
            "--data",
            str(data),
            "--out",
            str(review),
            "--config",
            str(_config(tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    band = pl.read_csv(review, infer_schema=False)
    assert {"record_l", "record_r", "naam_l", "naam_r", "match_probability", "besluit"} <= set(band.columns)
    assert band.height > 2

    # The reviewer separates the most likely pair the model joined and joins the least likely one.
    joined = band.filter(
        pl.struct("record_l", "record_r").map_elements(
            lambda r: _cluster(first, r["record_l"]) == _cluster(first, r["record_r"]),
            return_dtype=pl.Boolean,
        )
    ).sort("match_probability", descending=True)
    assert joined.height > 0
    both_brp = pl.col("record_l").str.starts_with("brp") & pl.col("record_r").str.starts_with("brp")
    apart = band.filter(
        pl.struct("record_l", "record_r").map_elements(
            lambda r: _cluster(first, r["record_l"]) != _cluster(first, r["record_r"]),
            return_dtype=pl.Boolean,
        )
        & ~both_brp  # two BSNs are two people: no reviewer can join them
    ).sort("match_probability")
    split, join = joined.row(0, named=True), apart.row(0, named=True)
    decisions = tmp_path / "review" / "decisions.csv"
    pl.DataFrame(
        {
            "record_l": [split["record_l"], join["record_l"]],
            "record_r": [split["record_r"], join["record_r"]],
            "besluit": ["no match", "match"],
        }
    ).write_csv(decisions)

    second = _run(data, tmp_path / "out", _config(tmp_path, decisions))
    info = json.loads((second / "run.json").read_text())["linkage"]["persons"]
    assert info["model"].startswith("reused from MLflow run")
    assert info["reviewed_pairs"] == 2
    assert _cluster(second, split["record_l"]) != _cluster(second, split["record_r"])
    assert _cluster(second, join["record_l"]) == _cluster(second, join["record_r"])


def test_a_malformed_decision_names_file_row_and_column(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = small_municipality
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("record_l,record_r,besluit\nbrp_inschrijvingen:1,kadaster_eigendom:2,misschien\n")
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "out"),
            "--config",
            str(_config(tmp_path, decisions)),
        ],
    )
    assert result.exit_code == 2
    line = " ".join(result.output.split())
    assert "decisions.csv" in line and "besluit" in line and "row 0" in line
