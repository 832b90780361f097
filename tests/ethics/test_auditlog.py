"""The audit log: chaining, tamper detection naming the entry, the head file, and concurrent appends."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import multiprocessing
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vastgoed.core.errors import VastgoedError
from vastgoed.ethics.auditlog import AuditEntry, AuditLog, AuditLogError, checkpoint_mac, load_key, verify

T0 = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _clock() -> dt.datetime:
    return T0


def _filled(folder: Path, n: int = 5) -> Path:
    """A log of n entries; the details hold non-ASCII text, a large float and an escaped control char."""
    path = folder / "governance" / "audit.jsonl"
    log = AuditLog(path, clock=_clock)
    acties = ["run", "review", "release", "verdict", "purge"]
    for i in range(n):
        details: dict[str, Any] = {"i": i, "gemeente": "Súdwest-Fryslân — €", "drempel": 1e16, "x": "a\x1fb"}
        log.append(acties[i % len(acties)], actor=f"ethicus:anna{i}", run_id=f"run-{i}", details=details)
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def test_appended_entries_verify_and_chain(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    assert verify(path).ok
    assert verify(path).n_entries == 5
    entries = AuditLog(path).entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].vorige == "0" * 64
    assert all(b.vorige == a.hash for a, b in itertools.pairwise(entries))
    assert entries[0].tijd == "2025-03-01T09:30:15+00:00"
    assert entries[2].details["gemeente"] == "Súdwest-Fryslân — €"
    head = json.loads((path.parent / "audit.jsonl.head").read_text())
    assert head == {
        "seq": 5,
        "hash": entries[-1].hash,
        "mac": checkpoint_mac(load_key(path), 5, entries[-1].hash),
        "anker": False,
    }
    first_line = _lines(path)[0].decode()
    stored = entries[0].to_dict()
    assert first_line == json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def test_append_returns_the_stored_entry_and_normalises_details(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", clock=_clock)
    entry = log.append("view", actor="analist", details={"ids": ("a", "b"), 3: None})
    assert isinstance(entry, AuditEntry)
    assert entry.details == {"ids": ["a", "b"], "3": None}
    assert log.entries() == [entry]
    assert verify(tmp_path / "audit.jsonl").ok


def test_empty_log_is_valid(tmp_path: Path) -> None:
    result = verify(tmp_path / "audit.jsonl")
    assert (result.ok, result.n_entries, result.problems) == (True, 0, [])
    assert AuditLog(tmp_path / "audit.jsonl").entries() == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"actie": ""}, "non-empty string"),
        ({"actor": "  "}, "non-empty string"),
        ({"details": {"x": object()}}, "JSON-serialisable"),
        ({"details": {"x": float("nan")}}, "JSON-serialisable"),
    ],
)
def test_invalid_arguments_are_refused(tmp_path: Path, bad: dict[str, Any], message: str) -> None:
    kwargs: dict[str, Any] = {"actie": "run", "actor": "beheerder", **bad}
    with pytest.raises(AuditLogError, match=message):
        AuditLog(tmp_path / "audit.jsonl").append(kwargs.pop("actie"), **kwargs)
    assert not (tmp_path / "audit.jsonl").exists()


def test_naive_clock_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", clock=lambda: dt.datetime(2025, 1, 1))
    with pytest.raises(AuditLogError, match="naive"):
        log.append("run", actor="beheerder")


def test_one_altered_character_names_the_entry(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    assert b'"i":1' in lines[1]
    lines[1] = lines[1].replace(b'"i":1', b'"i":7')
    _write(path, lines)
    result = verify(path)
    assert not result.ok
    assert result.problems == ["entry 2 (line 2): hash does not match its contents"]


@pytest.mark.parametrize(("old", "new"), [(b'"i":1', b'"i"=1'), (b"e+16", b"e816")])  # 1e816 overflows
def test_altered_byte_breaking_the_json_names_the_entry(tmp_path: Path, old: bytes, new: bytes) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    lines[1] = lines[1].replace(old, new)
    _write(path, lines)
    result = verify(path)
    assert not result.ok
    assert len(result.problems) == 1
    assert result.problems[0].startswith("entry 2 (line 2): the line is not valid JSON")
    with pytest.raises(AuditLogError, match="line 2"):
        AuditLog(path).entries()


@pytest.mark.parametrize(
    ("old", "new"), [(b"e+16", b"E+16"), (b"\\u001f", b"\\u001F"), (b'"i":1', b'"i": 1')]
)
def test_edits_that_keep_the_parsed_content_are_detected(tmp_path: Path, old: bytes, new: bytes) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    assert old in lines[1]
    lines[1] = lines[1].replace(old, new)
    _write(path, lines)
    expected = "entry 2 (line 2): the line is not in canonical JSON form, so it was edited"
    assert verify(path).problems == [expected]


def test_removed_middle_entry(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    del lines[2]
    _write(path, lines)
    result = verify(path)
    assert not result.ok
    assert "entry 4 (line 3): entry 3 is missing before it (it follows entry 2 (line 2))" in result.problems
    assert any(p.startswith("entry 4 (line 3): 'vorige' does not match") for p in result.problems)


def test_swapped_entries(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    _write(path, lines)
    problems = verify(path).problems
    assert "entry 3 (line 2): out of order: it follows entry 1 (line 1)" in problems
    assert "entry 2 (line 3): out of order: it follows entry 3 (line 2)" in problems
    assert all("missing" not in p for p in problems)


def test_removed_last_entry_is_caught_by_the_head(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    _write(path, _lines(path)[:-1])
    result = verify(path)
    assert result.problems == [
        "entry 4 (line 4): the head file records 5 entries, so entry 5 is missing after it (truncated)"
    ]
    _write(path, [])
    assert "entries 1 to 5 are missing" in verify(path).problems[0]


def test_modified_or_missing_head_file(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    head = path.parent / "audit.jsonl.head"
    key = load_key(path)

    def sealed(seq: int, entry_hash: str) -> str:
        mac = checkpoint_mac(key, seq, entry_hash)
        return json.dumps({"seq": seq, "hash": entry_hash, "mac": mac, "anker": False})

    head.write_text(sealed(5, "a" * 64))
    assert verify(path).problems == [
        "entry 5 (line 5): the head file records a different hash, so the entry or the head file was altered"
    ]
    head.write_text(sealed(4, "a" * 64))
    assert "head file records only 4 entries" in verify(path).problems[0]
    head.write_text(json.dumps({"seq": 5, "hash": "a" * 64, "mac": "b" * 64, "anker": False}))
    bad_mac = "the head file audit.jsonl.head: its MAC does not verify with the audit key"
    assert verify(path).problems == [bad_mac]
    head.write_text("{not json")
    assert "is not valid JSON" in verify(path).problems[0]
    head.unlink()
    assert "head file audit.jsonl.head is missing" in verify(path).problems[0]


def test_appending_after_tampering_is_refused(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    lines = _lines(path)
    lines[1] = lines[1].replace(b"anna1", b"anna9")
    _write(path, lines)
    before = path.read_bytes()
    with pytest.raises(AuditLogError, match="vastgoed audit verify") as info:
        AuditLog(path).append("run", actor="beheerder")
    assert "entry 2 (line 2)" in str(info.value)
    assert isinstance(info.value, VastgoedError)
    assert path.read_bytes() == before


def test_unusable_input_raises(tmp_path: Path) -> None:
    with pytest.raises(AuditLogError, match="does not exist"):
        verify(tmp_path / "nowhere" / "audit.jsonl")
    (tmp_path / "adir").mkdir()
    with pytest.raises(AuditLogError, match="cannot be read"):
        verify(tmp_path / "adir")


def _append_many(path: str, who: str, n: int, barrier: Any) -> None:
    barrier.wait()
    log = AuditLog(Path(path))
    for i in range(n):
        log.append("view", actor=who, details={"i": i})


@pytest.mark.skipif(sys.platform != "linux", reason="uses fork to start workers quickly")
def test_concurrent_appends_from_two_processes(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_append_many, args=(str(path), who, 50, barrier)) for who in ("p1", "p2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    result = verify(path)
    assert (result.ok, result.n_entries) == (True, 100)
    entries = AuditLog(path).entries()
    for who in ("p1", "p2"):
        assert [e.details["i"] for e in entries if e.actor == who] == list(range(50))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    path = _filled(tmp_path_factory.mktemp("pristine"))
    return path.read_bytes(), (path.parent / "audit.jsonl.head").read_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_single_byte_flip_is_detected(pristine: tuple[bytes, bytes], data: st.DataObject) -> None:
    log_bytes, head_bytes = pristine
    lines = log_bytes.splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    line = bytearray(lines[index])
    pos = data.draw(st.integers(0, len(line) - 2), label="position")  # not the newline itself
    line[pos] = data.draw(st.integers(0x20, 0x7E).filter(lambda b: b != line[pos]), label="byte")
    lines[index] = bytes(line)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.jsonl"
        _write(path, lines)
        (Path(folder) / "audit.jsonl.head").write_bytes(head_bytes)
        result = verify(path)
    assert not result.ok
    assert any(f"(line {index + 1})" in p for p in result.problems)


def test_what_this_process_verified_before_is_checked_again(tmp_path: Path) -> None:
    """Entries are parsed once per process, but every byte is checked on every verification."""
    from vastgoed.ethics import auditlog

    path = _filled(tmp_path, n=30)  # each append verified the log: the prefix is remembered
    assert any(k.startswith(f"{path.resolve()}\x00") for k in auditlog._VERIFIED)
    log = AuditLog(path, clock=_clock)
    log.append("view", actor="analist:bo", run_id="run-1", details={"rank": 3})
    result, entries = log.verified_entries()
    assert result.ok and len(entries) == 31 and entries[-1].actie == "view"
    lines = _lines(path)
    lines[0] = lines[0].replace(b'"i":0', b'"i":9')  # an early, long-verified entry
    _write(path, lines)
    assert verify(path).problems == ["entry 1 (line 1): hash does not match its contents"]
    assert log.verified_entries()[1] == []
    lines[0] = lines[0].replace(b'"i":9', b'"i":0')
    _write(path, lines[:-1])  # restored, then the last entry removed
    assert "missing after it" in verify(path).problems[0]
    _write(path, lines)
    auditlog._VERIFIED.clear()  # a fresh process verifies the whole log to the same verdict
    assert verify(path).ok and verify(path).n_entries == 31
