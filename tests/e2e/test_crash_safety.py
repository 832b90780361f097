"""Crash-safe by rule: runs killed at stage boundaries and in the audit log's windows leave an out
folder whose log verifies, and the next run resolves what they left and is published.

Each run is a ``vastgoed run`` process ended with ``os._exit(137)`` at a named point
(``VASTGOED_FAULT``, :mod:`vastgoed.core.faults`), one after the other in one out folder: each next
run resolves the previous one's remains before it begins (or is killed itself). The runs rank by the
rules (no training), so that one run takes about twenty seconds; tracking is on, so a kill after the
tracking stage leaves an MLflow run to delete.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vastgoed.cli import app
from vastgoed.core.faults import FAULT_ENV, KILLED
from vastgoed.ethics.review import audit_log

#: Where runs are killed, in order, and what the log must say of each afterwards.
KILLS = [
    ("audit.na_regel.run_gestart", "mislukt"),  # window 1 of the pending entry: rolled forward
    ("fase.ingest", "mislukt"),
    ("fase.score", "mislukt"),
    ("fase.privacy_scan_mlflow", "mislukt"),  # after the tracking stage: an MLflow run to delete
    ("run.na_verplaatsing", "mislukt"),  # the folder visible, its publishing entry not written
    ("audit.na_regel.run", "gepubliceerd"),  # window 1 of the publishing entry: rolled forward
]


@pytest.fixture(scope="module")
def setup(
    small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("crash")
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""
[model]
num_threads = 1
min_confirmed = 1000000

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "crash"
""",
        encoding="utf-8",
    )
    return small_municipality[0], cfg


def _run(data: Path, out: Path, cfg: Path, fault: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV} | ({FAULT_ENV: fault} if fault else {})
    command = [
        sys.executable,
        "-m",
        "vastgoed",
        "run",
        "--data",
        str(data),
        "--out",
        str(out),
        "--config",
        str(cfg),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def _verify(out: Path) -> str:
    result = CliRunner().invoke(app, ["audit", "verify", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def _mlflow_runs_of(cfg: Path, run_id: str) -> list[str]:
    import mlflow

    tracking_uri = cfg.read_text(encoding="utf-8").split('tracking_uri = "')[1].split('"')[0]
    mlflow.set_tracking_uri(tracking_uri)
    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string=f"tags.`vastgoed.run_id` = '{run_id}'",
        output_format="list",
    )
    return [r.info.run_id for r in runs]


def test_runs_killed_anywhere_leave_a_log_that_verifies_and_the_next_run_works(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    data, cfg = setup
    out = tmp_path / "out"
    for point, _ in KILLS:
        killed = _run(data, out, cfg, point)
        assert killed.returncode == KILLED, (point, killed.stdout[-2000:], killed.stderr[-2000:])
        _verify(out)  # recovers the log if the kill was in one of its windows; never fails on it

    done = _run(data, out, cfg, None)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = _verify(out)
    assert "begun but not published" not in said

    entries = audit_log(out).entries()
    begun = [e.run_id for e in entries if e.actie == "run_gestart"]
    assert len(begun) == len(KILLS) + 1
    final = begun[-1]
    outcome = {e.run_id: e for e in entries if e.actie in ("run", "run_mislukt")}
    for (point, status), run_id in zip(KILLS, begun, strict=False):
        entry = outcome.get(run_id)
        assert entry is not None and entry.details["status"] == status, point
        if entry.actie == "run_mislukt":
            assert entry.details["fout"] == "afgebroken", point
            assert not (out / run_id).exists() and not (out / f".tmp-{run_id}").exists(), point
            assert _mlflow_runs_of(cfg, run_id) == [], point
        else:
            assert (out / run_id / "run.json").is_file(), point

    # the folder that was visible before it was published is removed, and so is its MLflow run
    visible = outcome[begun[KILLS.index(("run.na_verplaatsing", "mislukt"))]]
    assert visible.details["opgeruimd"] == [visible.run_id] and visible.details["mlflow_verwijderd"]
    tracked = outcome[begun[KILLS.index(("fase.privacy_scan_mlflow", "mislukt"))]]
    assert tracked.details["mlflow_verwijderd"]
    # both windows of the log were recovered by rule, each logged
    assert [e.details["richting"] for e in entries if e.actie == "herstel"] == ["vooruit", "vooruit"]
    assert outcome[final].actie == "run" and (out / "latest").readlink() == Path(final)
    assert not list(out.glob(".tmp-*"))


@pytest.mark.slow
def test_a_run_killed_at_every_stage_boundary_leaves_a_log_that_verifies(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    """Every stage a run passes (read from a finished run's ``run.json``), killed at its start, and both
    windows of the publishing entry; after each kill the log verifies, and the next run is published.

    Slow (a run per stage, about 20 stages): in ``make bench``; the fast test above kills six points."""
    import json

    data, cfg = setup
    out = tmp_path / "out"
    first = _run(data, out, cfg, None)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    stages = list(json.loads((out / "latest" / "run.json").read_text(encoding="utf-8"))["timings_s"])
    assert len(stages) >= 10
    points = [f"fase.{s}" for s in stages] + ["audit.na_regel.run", "audit.na_kop.run"]
    for point in points:
        killed = _run(data, out, cfg, point)
        assert killed.returncode == KILLED, (point, killed.stdout[-2000:], killed.stderr[-2000:])
        _verify(out)
    done = _run(data, out, cfg, None)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "begun but not published" not in _verify(out)
    entries = audit_log(out).entries()
    begun = [e.run_id for e in entries if e.actie == "run_gestart"]
    assert len(begun) == len(points) + 2
    outcome = {e.run_id: e.actie for e in entries if e.actie in ("run", "run_mislukt")}
    assert all(r in outcome for r in begun), "every begun run is resolved: published or failed"
    assert not list(out.glob(".tmp-*"))
