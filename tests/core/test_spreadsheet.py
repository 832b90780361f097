"""OWASP's CSV-injection rule: text a spreadsheet could read as a formula gets a leading quote."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from vastgoed.core.spreadsheet import spreadsheet_safe

ROOT = Path(__file__).resolve().parents[2]

# (cell as read, cell as written)
CELLS = [
    ('=HYPERLINK("http://x","klik")', '\'=HYPERLINK("http://x","klik")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\tgewoon", "'\tgewoon"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),
    ("\n@SUM(1)", "'\n@SUM(1)"),
    ("Kerkstraat 1", "Kerkstraat 1"),
    ("a=b", "a=b"),
    ("'=al veilig", "'=al veilig"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("read", "written"), CELLS)
def test_a_text_cell_is_neutralised_only_when_it_could_be_a_formula(
    read: str | None, written: str | None
) -> None:
    frame = pl.DataFrame({"tekst": [read]}, schema={"tekst": pl.String})
    assert spreadsheet_safe(frame)["tekst"].to_list() == [written]


def test_numbers_dates_and_booleans_are_left_alone() -> None:
    frame = pl.DataFrame(
        {
            "getal": [-2, 3],
            "kommagetal": [-0.25, 1.5],
            "datum": [datetime.date(2024, 1, 1), None],
            "waar": [True, False],
        }
    )
    assert_frame_equal(spreadsheet_safe(frame), frame)
    assert spreadsheet_safe(frame).write_csv() == frame.write_csv()


def test_categories_are_text_and_safe_frames_stay_as_they_are() -> None:
    frame = pl.DataFrame(
        {
            "categorie": pl.Series(["=1", "ok"], dtype=pl.Categorical),
            "enum": pl.Series(["-", "ok"], dtype=pl.Enum(["-", "ok"])),
        }
    )
    assert spreadsheet_safe(frame).rows() == [("'=1", "'-"), ("ok", "ok")]
    safe = pl.DataFrame({"id": ["0935010119024442"], "adres": ["Ruiterij 1"], "score": [0.93]})
    assert spreadsheet_safe(safe).write_csv() == safe.write_csv()


def _unsafe_write_csv_calls(path: Path) -> list[int]:
    """Lines of ``x.write_csv(...)`` calls whose ``x`` is not ``spreadsheet_safe(...)``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "write_csv"
        ):
            receiver = node.func.value
            safe = (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Name)
                and receiver.func.id == "spreadsheet_safe"
            )
            if not safe:
                lines.append(node.lineno)
    return lines


def test_every_csv_the_engine_writes_goes_through_spreadsheet_safe() -> None:
    # the synthetic generator writes stand-ins for a municipality's registry extracts: they stay raw
    sources = [
        p
        for package in ("vastgoed", "models", "linkage", "features")
        for p in sorted((ROOT / package).rglob("*.py"))
        if "synthetic" not in p.relative_to(ROOT).parts
    ]
    assert len(sources) > 20
    unsafe = {str(p.relative_to(ROOT)): lines for p in sources if (lines := _unsafe_write_csv_calls(p))}
    assert unsafe == {}
