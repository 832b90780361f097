"""The audit log's recovery rule: an append interrupted by a crash is rolled forward or back, by rule.

A complete, chained, verifying last entry the head file does not record yet is rolled forward; a
line after the head that is anything less is rolled back; either is logged as ``herstel``. Nothing
the head or the anchor covers is ever rolled back, and what is no single interrupted append is left
for verification to report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from vastgoed.core.faults import FAULT_ENV, KILLED
from vastgoed.ethics.anchor import anchor_for, use_database
from vastgoed.ethics.auditlog import AuditLog, verify
from vastgoed.web.store import migrate

T0 = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def _log(path: Path, anchored: Path | None = None) -> AuditLog:
    return AuditLog(path, clock=lambda: T0, anchor=None if anchored is None else anchor_for(anchored))


def _filled(path: Path, n: int = 3, anchored: Path | None = None) -> AuditLog:
    log = _log(path, anchored)
    for i in range(n):
        log.append("view", actor="analist:bo", run_id="r1", details={"rank": i})
    return log


def _head(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _crash_after_line(log: AuditLog) -> bytes:
    """An append whose line reached the disk but whose head did not (window 1); returns the line."""
    head = _head(log.path).read_bytes()
    log.append("view", actor="analist:cas", run_id="r1", details={"rank": 99})
    _head(log.path).write_bytes(head)
    return log.path.read_bytes().splitlines(keepends=True)[-1]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "governance" / "audit.jsonl"


def test_a_complete_entry_without_its_head_is_rolled_forward_and_logged(path: Path) -> None:
    log = _filled(path)
    _crash_after_line(log)
    assert "head file records only 3 entries" in verify(path).problems[0]
    result = log.verify()
    assert result.ok, result.problems
    assert result.recovered and "rolled forward" in result.recovered[0]
    entries = log.entries()
    assert [e.actie for e in entries] == ["view"] * 4 + ["herstel"]
    assert entries[3].details == {"rank": 99}  # the interrupted entry is kept
    assert entries[4].details == {"richting": "vooruit", "seq": 4}
    assert verify(path).ok


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda line: line[: len(line) // 2], id="half a line"),
        pytest.param(lambda line: line[:-1], id="no newline"),
        pytest.param(lambda line: line.replace(b'"rank":99', b'"rank":98'), id="complete, not verifying"),
        pytest.param(lambda line: b"\0" * 40, id="zeros"),
    ],
)
def test_anything_less_after_the_head_is_rolled_back_and_logged(path: Path, damage: object) -> None:
    log = _filled(path)
    before = path.read_bytes()
    line = _crash_after_line(log)
    left = damage(line)  # type: ignore[operator]
    path.write_bytes(before + left)
    assert not verify(path).ok
    result = log.verify()
    assert result.ok and result.recovered and "rolled back" in result.recovered[0]
    entries = log.entries()
    assert [e.actie for e in entries] == ["view"] * 3 + ["herstel"]
    assert entries[3].details == {
        "richting": "terug",
        "seq": 3,
        "verwijderd_bytes": len(left),
        "verwijderd_sha256": hashlib.sha256(left).hexdigest(),
    }
    assert path.read_bytes().startswith(before)


def test_the_first_append_interrupted_before_its_head_existed(path: Path) -> None:
    log = _log(path)
    log.append("run_gestart", actor="batch:ops", run_id="r1")
    _head(path).unlink()  # the first append writes the head after the line
    assert log.verify().ok
    assert [e.actie for e in log.entries()] == ["run_gestart", "herstel"]
    path.write_bytes(b'{"seq":1,"ti')  # and a first line cut short: rolled back to an empty log
    _head(path).unlink()
    assert log.verify().ok
    assert [e.actie for e in log.entries()] == ["herstel"]


def test_an_append_after_a_crash_recovers_first(path: Path) -> None:
    log = _filled(path)
    _crash_after_line(log)
    log.append("review", actor="moreel_beraad:eva", run_id="r1", details={"decision": "reject"})
    assert [e.actie for e in log.entries()][-3:] == ["view", "herstel", "review"]
    assert verify(path).ok


def test_what_is_no_single_interrupted_append_is_not_touched(path: Path) -> None:
    log = _filled(path, n=5)
    lines = path.read_bytes().splitlines(keepends=True)
    head = _head(path).read_bytes()

    path.write_bytes(b"".join(lines[:4]))  # shorter than its head: truncation, not a crash
    assert not log.verify().ok and path.read_bytes() == b"".join(lines[:4])

    other = _log(path.parent.parent / "other" / "audit.jsonl")
    for i in range(6):
        other.append("view", actor="analist:bo", run_id="r2", details={"rank": i})
    extra = other.path.read_bytes().splitlines(keepends=True)[5:]
    path.write_bytes(b"".join(lines) + b"garbage\n" + b"more\n")  # two lines after the head
    assert not log.verify().ok and path.read_bytes().endswith(b"more\n")

    path.write_bytes(b"".join(lines) + extra[0])  # a complete line of another log: not chained
    _head(path).write_bytes(head)
    result = log.verify()
    assert result.ok and "rolled back" in result.recovered[0]  # it is not this log's: removed, logged

    edited = b"".join(lines).replace(b'"rank":1', b'"rank":7')  # an edited entry under the head
    path.write_bytes(edited + b'{"seq":6')
    _head(path).write_bytes(head)
    assert not log.verify().ok and path.read_bytes().endswith(b'{"seq":6')


def test_what_the_anchor_covers_is_never_rolled_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "governance").mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    migrate(create_engine(url))
    use_database(out, url)
    path = out / "governance" / "audit.jsonl"
    log = _filled(path, anchored=out)
    older_head = _head(path).read_bytes()
    log.append("view", actor="analist:cas", run_id="r1", details={"rank": 99})  # anchored as entry 4
    data = path.read_bytes()
    path.write_bytes(data[:-10])  # entry 4 cut short and the genuine older head put back
    _head(path).write_bytes(older_head)
    result = log.verify()
    assert not result.ok and not result.recovered
    assert any("anchored in the database (entry 4)" in p for p in result.problems)
    assert path.read_bytes() == data[:-10]


def test_a_roll_forward_anchors_the_head(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "governance").mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    migrate(create_engine(url))
    use_database(out, url)
    path = out / "governance" / "audit.jsonl"
    log = _filled(path, anchored=out)
    _crash_after_line(log)
    anchor = anchor_for(out)
    assert anchor is not None and anchor.latest().seq == 4  # type: ignore[union-attr]
    assert log.verify().ok
    assert anchor.latest().seq == 5  # type: ignore[union-attr]  # the herstel entry
    assert json.loads(_head(path).read_text())["seq"] == 5


_APPEND = """
import sys
from pathlib import Path
from vastgoed.ethics.auditlog import AuditLog
AuditLog(Path(sys.argv[1])).append("view", actor="analist:bo", run_id="r1", details={"rank": 5})
"""


@pytest.mark.parametrize("point", ["audit.na_regel.view", "audit.na_kop.view"])
def test_a_process_killed_in_either_window_leaves_a_log_that_verifies(path: Path, point: str) -> None:
    log = _filled(path)
    env = {**__import__("os").environ, FAULT_ENV: point}
    killed = subprocess.run([sys.executable, "-c", _APPEND, str(path)], env=env, check=False)
    assert killed.returncode == KILLED
    assert verify(path).ok == (point == "audit.na_kop.view")
    result = log.verify()
    assert result.ok, result.problems
    acties = [e.actie for e in log.entries()]
    assert acties == ["view"] * 4 + (["herstel"] if point == "audit.na_regel.view" else [])
    log.append("view", actor="analist:bo", run_id="r1")
    assert verify(path).ok
