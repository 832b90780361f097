"""Tamper evidence against write access to the log's folder: the audit key and the anchored head.

Each attack of issue 22 is made here as someone who can write ``OUT/governance`` but does not hold
the audit key: they know the format and recompute every SHA-256 and the head file; each must fail
verification, and a release on a log with a forged approval must be refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from vastgoed.ethics.anchor import SqlAnchor, anchor_for, use_database
from vastgoed.ethics.auditlog import KEY_ENV, KEY_FILE_ENV, AuditLog, AuditLogError, load_key, verify
from vastgoed.ethics.review import ReviewError, release
from vastgoed.web.store import migrate

T0 = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
ATTACKER_KEY = b"the attacker guesses a key of 32 characters"


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _rechain(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an attacker without the key does: renumber, re-link and re-hash with SHA-256."""
    import hmac

    out, previous = [], "0" * 64
    for seq, entry in enumerate(entries, start=1):
        body = {k: v for k, v in entry.items() if k not in ("hash", "mac")} | {"seq": seq, "vorige": previous}
        body["hash"] = hashlib.sha256(_canonical(body).encode()).hexdigest()
        body["mac"] = hmac.new(ATTACKER_KEY, f"entry\x00{body['hash']}".encode(), hashlib.sha256).hexdigest()
        out.append(body)
        previous = body["hash"]
    return out


def _write_log(path: Path, entries: list[dict[str, Any]]) -> None:
    import hmac

    path.write_text("".join(_canonical(e) + "\n" for e in entries), encoding="utf-8")
    last = entries[-1]
    mac = hmac.new(ATTACKER_KEY, f"head\x00{last['seq']}\x00{last['hash']}".encode(), hashlib.sha256)
    head = {"seq": last["seq"], "hash": last["hash"], "mac": mac.hexdigest(), "anker": False}
    path.with_name(path.name + ".head").write_text(_canonical(head) + "\n", encoding="utf-8")


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder whose log is anchored in a migrated SQLite database outside the folder."""
    out = tmp_path / "out"
    (out / "governance").mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'elders' / 'web.sqlite'}"
    (tmp_path / "elders").mkdir()
    migrate(create_engine(url))
    use_database(out, url)
    return out


def _log(out: Path) -> AuditLog:
    return AuditLog(out / "governance" / "audit.jsonl", clock=lambda: T0, anchor=anchor_for(out))


def _history(out: Path) -> Path:
    """A run, an approval, a release, and 40 views and exports by one analyst, interleaved with others."""
    log = _log(out)
    log.append("run", actor="batch:ops", run_id="r1", details={"fairness_flags": []})
    log.append("review", actor="moreel_beraad:eva", run_id="r1", details={"decision": "reject"})
    for i in range(40):
        log.append("view" if i % 2 else "export", actor="analist:bo", run_id="r1", details={"rank": i})
        log.append("view", actor="analist:cas", run_id="r1", details={"rank": i})
    return log.path


def test_the_untouched_log_verifies_with_its_anchor(out: Path) -> None:
    path = _history(out)
    assert _log(out).verify().ok
    assert anchor_for(out) is not None and anchor_for(out).latest().seq == 82  # type: ignore[union-attr]
    assert json.loads(path.with_name("audit.jsonl.head").read_text())["anker"] is True


def test_truncated_tail_with_a_rewritten_head_fails(out: Path) -> None:
    path = _history(out)
    _write_log(path, _read(path)[:50])  # the head file rewritten to the new last entry, without the key
    problems = _log(out).verify().problems
    assert "the head file audit.jsonl.head: its MAC does not verify with the audit key" in problems
    assert any("anchored in the database (entry 82): the log holds only 50 entries" in p for p in problems)


def test_truncated_tail_with_a_genuine_older_head_fails_on_the_anchor(out: Path) -> None:
    path = _history(out)
    head = path.with_name("audit.jsonl.head")
    lines = path.read_bytes().splitlines(keepends=True)
    log = _log(out)
    log.append("view", actor="analist:bo", run_id="r1", details={"rank": 99})
    saved_head = head.read_bytes()  # the head after entry 83, saved by the attacker
    log.append("review", actor="moreel_beraad:eva", run_id="r1", details={"decision": "reject"})
    path.write_bytes(b"".join(lines) + path.read_bytes().splitlines(keepends=True)[82])
    head.write_bytes(saved_head)  # a log of 83 entries and its genuine head: only the anchor knows 84
    # the chain, the MACs and the head agree: without the anchor only its absence would be seen
    assert [p for p in verify(path).problems if "anchored in the web application's" not in p] == []
    assert _log(out).verify().problems == [
        "the head anchored in the database (entry 84): the log holds only 83 entries, so entries were "
        "removed (truncated)"
    ]


def test_removed_entries_rechained_without_the_key_fail(out: Path) -> None:
    path = _history(out)
    entries = _read(path)
    kept = [e for i, e in enumerate(entries) if not (e["actor"] == "analist:bo" and i < 74)]
    assert len(entries) - len(kept) == 36  # 36 of the analyst's views and exports
    _write_log(path, _rechain(kept))
    problems = _log(out).verify().problems
    assert any(p.startswith("entry 1 (line 1): its MAC does not verify") for p in problems)
    assert any("the log's entry 82 has another hash" in p or "holds only 46" in p for p in problems)
    # the same rewrite with the genuine MACs kept: the hashes changed, so they no longer fit
    rechained = _rechain(kept)
    for forged, original in zip(rechained, kept, strict=True):
        forged["mac"] = original["mac"]
    _write_log(path, rechained)
    assert any("its MAC does not verify" in p for p in verify(path).problems)


def test_rewritten_head_of_the_log_fails(out: Path) -> None:
    path = _history(out)
    entries = _read(path)
    entries[1]["details"] = {"decision": "approve"}  # the first review, turned into an approval
    _write_log(path, _rechain(entries))
    problems = _log(out).verify().problems
    assert any(p.startswith("entry 2 (line 2): its MAC does not verify") for p in problems)
    assert any("entry 82 has another hash, so the log was rewritten" in p for p in problems)


def _run_folder(out: Path) -> Path:
    run = out / "r1"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"run_id": "r1"}), encoding="utf-8")
    return run


def test_forged_approval_fails_and_release_refuses(out: Path) -> None:
    path = _history(out)
    run = _run_folder(out)
    entries = _read(path)
    forged = {
        "tijd": "2025-03-01T10:00:00+00:00",
        "actie": "review",
        "actor": "moreel_beraad:eva",
        "run_id": "r1",
        "details": {"decision": "approve", "role": "moreel_beraad", "accepted_flags": []},
    }
    _write_log(path, _rechain([*entries, forged]))
    problems = _log(out).verify().problems
    assert any(p.startswith("entry 83 (line 83): its MAC does not verify") for p in problems)
    with pytest.raises(ReviewError, match="does not verify"):
        release(run, actor="moreel_beraad:eva")
    assert not (run / "vrijgegeven").exists()


def test_forged_approval_with_only_the_last_entry_replaced_fails(out: Path) -> None:
    """Appending one forged line and its head, chained to the genuine last entry."""
    path = _history(out)
    entries = _read(path)
    forged = _rechain([*entries, {**entries[1], "details": {"decision": "approve"}}])[-1]
    _write_log(path, [*entries, forged])
    problems = verify(path).problems
    assert problems[0].startswith("entry 83 (line 83): its MAC does not verify")


def test_the_anchor_table_is_append_only(out: Path, tmp_path: Path) -> None:
    _history(out)
    engine = create_engine(f"sqlite:///{tmp_path / 'elders' / 'web.sqlite'}")
    for statement in ("UPDATE audit_anker SET seq = 1000", "DELETE FROM audit_anker"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:  # a forged, higher checkpoint can be inserted, but not with a MAC
        conn.execute(text("INSERT INTO audit_anker VALUES (90, :h, :m, 0)"), {"h": "a" * 64, "m": "b" * 64})
    assert _log(out).verify().problems == [
        "the head anchored in the database (entry 90): its MAC does not verify with the audit key, so "
        "it was not written by the log"
    ]


def test_a_removed_database_is_noticed(out: Path, tmp_path: Path) -> None:
    path = _history(out)
    problems = verify(path).problems  # no anchor given: as if the database were gone
    assert len(problems) == 1 and "was anchored in the web application's database" in problems[0]


def test_verifying_with_another_key_fails(out: Path) -> None:
    path = _history(out)
    result = verify(path, key=ATTACKER_KEY, anchor=SqlAnchor(create_engine("sqlite://")))
    assert not result.ok and "its MAC does not verify" in result.problems[0]


def test_key_handling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "governance" / "audit.jsonl"
    log.parent.mkdir()
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    with pytest.raises(AuditLogError, match="no audit key"):
        load_key(log)
    with pytest.raises(AuditLogError, match="no audit key"):
        AuditLog(log).append("run", actor="batch")
    assert not log.exists()
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(AuditLogError, match="fewer than 32"):
        load_key(log)
    inside = log.parent / "sleutel"
    inside.write_text("k" * 40)
    monkeypatch.setenv(KEY_FILE_ENV, str(inside))
    with pytest.raises(AuditLogError, match="points into the audit log's folder"):
        load_key(log)
    outside = tmp_path / "ops" / "audit.key"
    outside.parent.mkdir()
    outside.write_text("s" * 40 + "\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(outside))
    assert load_key(log) == b"s" * 40  # the file wins over the variable, its newline stripped
