"""A run on registry data crafted to inject formulas: no CSV it writes opens as a formula.

Every street is wrapped in ``=HYPERLINK(...)``, trade names carry commands, and a few bad cells carry
formulas, so that signals.csv, recent_onderzocht.csv, quarantine.csv, genulde_waarden.csv, the
released lijst.csv, its web export, the review band and MLflow's tables all meet one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.web.conftest import Runs, make_web
from vastgoed.cli import app
from vastgoed.ethics.review import REVIEW_ROLE, record_decision, release

TRADE_NAMES = ["+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
STREET_COLUMNS = ("openbare_ruimte", "straat")
# a permit applicant's name, as the review band shows it to the clerical reviewer
NAME_COLUMNS = ("aanvrager_naam",)

# (file, row, column, crafted bad value): rejected rows go to quarantine.csv, bad optional values to
# genulde_waarden.csv, both with the value as read
BAD_CELLS = [
    ("kvk_vestigingen", 0, "datum_inschrijving", "@SUM(1+1)"),
    ("vergunningen", 1, "besluit", "=1+1"),
    ("kadaster_eigendom", 3, "koopsom", "-2+3"),
    ("energie_verbruik", 2, "verbruik", "\t=cmd"),
]


def _config(tmp: Path) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""
[model]
num_boost_round = 20
num_threads = 1
explain_top = 100
min_confirmed = 1

[output]
top_n = 100

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "injection"
""",
        encoding="utf-8",
    )
    return cfg


def _street(street: pl.Expr) -> pl.Expr:
    return pl.format('=HYPERLINK("http://x","{}")', street)


def _craft(data: Path) -> None:
    """Streets and trade names as formulas in every registry file, and the bad cells of BAD_CELLS."""
    for path in sorted(data.glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False)
        frame = frame.with_columns(
            [_street(pl.col(c)).alias(c) for c in STREET_COLUMNS if c in frame.columns]
            + [(pl.lit("=") + pl.col(c)).alias(c) for c in NAME_COLUMNS if c in frame.columns]
        )
        if "handelsnaam" in frame.columns:
            crafted = pl.Series(TRADE_NAMES * (frame.height // len(TRADE_NAMES) + 1)).head(frame.height)
            frame = frame.with_columns(crafted.alias("handelsnaam"))
        for stem, row, column, value in BAD_CELLS:
            if path.stem == stem:
                frame = frame.with_columns(
                    pl.when(pl.int_range(pl.len()) == row)
                    .then(pl.lit(value))
                    .otherwise(pl.col(column))
                    .alias(column)
                )
        frame.write_csv(path)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _formulas(csv: Path | bytes) -> list[str]:
    """The cells a spreadsheet could read as formulas (OWASP's rule, written out here on its own)."""
    frame = pl.read_csv(csv, infer_schema=False)
    cells = [c for col in frame.iter_columns() for c in col.to_list() if c]
    return [
        c for c in cells if not _is_number(c) and (c[0] in "\t\r" or c.lstrip()[:1] in ("=", "+", "-", "@"))
    ]


@pytest.fixture(scope="module")
def crafted(
    small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The tracking and output folder of a run on crafted data, released, and its run folder."""
    tmp = tmp_path_factory.mktemp("injection")
    data = tmp / "data"
    shutil.copytree(small_municipality[0], data)
    _craft(data)
    cfg = _config(tmp)
    result = CliRunner().invoke(
        app, ["run", "--data", str(data), "--out", str(tmp / "out"), "--config", str(cfg)]
    )
    assert result.exit_code == 0, result.output
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    record_decision(
        run_dir,
        decision="approve",
        role=REVIEW_ROLE,
        actor="test",
        rationale="crafted data",
        accept_flags=["all"],
    )
    release(run_dir, actor="test")
    band = tmp / "review" / "pairs.csv"
    args = ["linkage", "review-export", "--data", str(data), "--out", str(band), "--config", str(cfg)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return tmp, run_dir


def test_the_crafted_values_reach_the_outputs_neutralised(crafted: tuple[Path, Path]) -> None:
    tmp, run_dir = crafted
    for name in ("signals.csv", "recent_onderzocht.csv", "vrijgegeven/lijst.csv"):
        adres = pl.read_csv(run_dir / name, infer_schema=False)["adres"]
        assert adres.len() > 0 and adres.str.starts_with("'=HYPERLINK(").all(), name
    reported = pl.concat(
        pl.read_csv(run_dir / name, infer_schema=False) for name in ("quarantine.csv", "genulde_waarden.csv")
    )
    values = set(reported["waarde"].to_list())
    assert {f"'{value}" for *_, value in BAD_CELLS} <= values
    band = pl.read_csv(tmp / "review" / "pairs.csv", infer_schema=False)
    assert pl.concat([band["naam_l"], band["naam_r"]]).str.starts_with("'=").any()
    quarantined = pl.read_csv(run_dir / "quarantine.csv", infer_schema=False)
    assert quarantined.filter(pl.col("kolom") == "datum_inschrijving")["waarde"].to_list() == ["'@SUM(1+1)"]


def test_no_csv_written_holds_a_formula(crafted: tuple[Path, Path]) -> None:
    tmp, _ = crafted
    written = [p for p in sorted(tmp.rglob("*.csv")) if "data" not in p.relative_to(tmp).parts]
    names = {p.name for p in written}
    expected = {"signals.csv", "recent_onderzocht.csv", "quarantine.csv", "genulde_waarden.csv", "lijst.csv"}
    assert expected | {"pairs.csv", "feature_importance.csv"} <= names
    assert {str(p.relative_to(tmp)): f for p in written if (f := _formulas(p))} == {}
    # the crafted input itself does hold them: the check above can fail
    assert _formulas(tmp / "data" / "kvk_vestigingen.csv")


def test_the_web_export_holds_no_formula(crafted: tuple[Path, Path], tmp_path: Path) -> None:
    _, run_dir = crafted
    web = make_web(
        Runs(run_dir.parent, run_dir.name, run_dir.name), tmp_path, f"sqlite:///{tmp_path / 'w.db'}"
    )
    try:
        client = web.client("analist")
        export = client.get(f"/runs/{run_dir.name}/export.csv")
        assert export.status_code == 200
        assert _formulas(export.content) == []
        assert pl.read_csv(export.content, infer_schema=False)["adres"].str.starts_with("'=").all()
    finally:
        web.app.state.engine.dispose()
