"""What the command line prints does not depend on the terminal's width.

A line an operator, a log or a test reads (a path, an error, a verdict) is never wrapped by rich,
whatever ``$COLUMNS`` says and whether or not there is a terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vastgoed.cli import app


@pytest.mark.parametrize("columns", ["40", "80", "300"])
def test_a_long_verdict_line_is_one_line_at_any_width(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    out = tmp_path / ("uitvoer-" + "x" * 70) / ("runs-" + "y" * 70)
    log = out / "governance" / "audit.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text("geen json\nook geen json\n", encoding="utf-8")  # no interrupted append: not recovered
    monkeypatch.setenv("COLUMNS", columns)
    result = CliRunner().invoke(app, ["audit", "verify", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"audit log {log} does NOT verify" in result.output.splitlines()


def test_an_error_naming_a_long_path_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / ("gegevens-" + "z" * 120)
    data.mkdir()
    monkeypatch.setenv("COLUMNS", "40")
    result = CliRunner().invoke(app, ["validate", str(data)])
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and str(data) in error[0], result.output
