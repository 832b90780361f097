"""Free text outside the chain: checked against the run's identifiers and by form, stored erasably."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from vastgoed.ethics import review
from vastgoed.ethics.auditlog import AuditLog, AuditLogError
from vastgoed.ethics.freetext import (
    ERASED,
    TEXTS_FILE,
    FreeTextRefused,
    TextStore,
    check_texts,
    identifier_kinds,
    run_identifiers,
)
from vastgoed.ethics.privacy import KnownIdentifiers
from vastgoed.ethics.review import (
    REVIEW_ROLE,
    ReviewError,
    audit_log,
    entry_text,
    erase_text,
    read_decisions,
    record_decision,
    run_file_hashes,
)

KNOWN = KnownIdentifiers(names=frozenset({"Fleur Josephina Hofens"}))
ISSUE_TEXTS = ["Fleur Josephina Hofens woont hier", "010 005 833", "geboren op 25 maart 1974"]


@pytest.mark.parametrize(
    ("text", "kind"), [(ISSUE_TEXTS[0], "naam"), (ISSUE_TEXTS[1], "bsn"), (ISSUE_TEXTS[2], "geboortedatum")]
)
def test_the_issues_notes_are_refused_by_kind_without_the_text(text: str, kind: str) -> None:
    with pytest.raises(FreeTextRefused) as info:
        check_texts({"note": text}, KNOWN)
    assert info.value.found == {"note": [kind]}
    message = str(info.value)
    assert all(word not in message for word in ("Fleur", "Hofens", "005", "833", "maart", "1974"))


@pytest.mark.parametrize(
    "text",
    [
        "Pand leeg aangetroffen, 12 matrassen op zolder.",
        "Zaak 2024-001234 besproken op 12 maart 2024.",
        "Gewogen: selectie in het verleden; lijst wordt gecontroleerd.",
        "Fleur woont hier niet meer",  # a first name alone singles out no one
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert identifier_kinds(text, KNOWN) == []


def test_bsn_forms_need_the_11_proef() -> None:
    assert identifier_kinds("010.005.833") == ["bsn"]
    assert identifier_kinds("010 005 834") == []  # fails the 11-proef: a phone or case number


def _run(out: Path) -> Path:
    """A logged run folder whose files are hashed in its audit entry."""
    run = out / "r1"
    (run / "ethics").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": "r1"}), encoding="utf-8")
    (run / "signals.parquet").write_bytes(b"signals")
    audit_log(out).append(
        "run", actor="batch:ops", run_id="r1", details={"bestanden_sha256": run_file_hashes(run)}
    )
    return run


def test_rationale_lives_outside_the_chain_and_erasure_keeps_it_verifying(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _run(out)
    rationale = "Gewogen: de lijst wordt steekproefsgewijs gecontroleerd."
    record_decision(
        run,
        decision="conditions",
        role=REVIEW_ROLE,
        actor="eva",
        rationale=rationale,
        conditions="Elke maand herzien.",
    )
    log = (out / "governance" / "audit.jsonl").read_text(encoding="utf-8")
    assert "steekproefsgewijs" not in log and "herzien" not in log  # the chain holds references and hashes
    entry = audit_log(out).entries()[-1]
    assert set(entry.details["teksten"]) == {"rationale", "conditions"}
    assert entry_text(out, entry, "rationale") == rationale
    assert read_decisions(run)[-1].conditions == "Elke maand herzien."
    assert "steekproefsgewijs" in (run / "ethics" / "besluiten.json").read_text(encoding="utf-8")

    erased = erase_text(
        out, entry.seq, reason="Verzoek van de functionaris gegevensbescherming.", actor="beheerder:ops"
    )
    assert erased.actie == "erase" and erased.details["velden"] == ["conditions", "rationale"]
    assert audit_log(out).verify().ok
    assert entry_text(out, entry, "rationale") == ERASED
    assert read_decisions(run)[-1].rationale == ERASED
    assert "steekproefsgewijs" not in (run / "ethics" / "besluiten.json").read_text(encoding="utf-8")
    assert b"steekproefsgewijs" not in (out / "governance" / TEXTS_FILE).read_bytes()  # overwritten on disk
    with pytest.raises(ReviewError, match="holds no free text"):
        erase_text(out, 1, reason="x", actor="beheerder:ops")


def test_a_refused_decision_writes_nothing_and_logs_no_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    run = _run(out)
    monkeypatch.setattr(review, "run_identifiers", lambda _run: KNOWN)  # the run's input knows the name
    caplog.set_level(logging.DEBUG)
    before = (out / "governance" / "audit.jsonl").read_bytes()
    for text in ISSUE_TEXTS:
        with pytest.raises(ReviewError, match="direct identifier") as info:
            record_decision(run, decision="approve", role=REVIEW_ROLE, actor="eva", rationale=text)
        assert text not in str(info.value) and "Hofens" not in str(info.value)
    assert (out / "governance" / "audit.jsonl").read_bytes() == before
    assert not (out / "governance" / TEXTS_FILE).exists()
    assert all(t not in caplog.text for t in ISSUE_TEXTS)


def test_a_failed_append_leaves_no_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run = _run(out)

    def failing(*_args: object, **_kwargs: object) -> None:
        raise AuditLogError("disk full")

    monkeypatch.setattr(AuditLog, "append", failing)
    with pytest.raises(AuditLogError, match="disk full"):
        record_decision(run, decision="approve", role=REVIEW_ROLE, actor="eva", rationale="Gewogen.")
    with sqlite3.connect(TextStore(out / "governance").path) as conn:  # stored first, removed again
        assert conn.execute("SELECT count(*) FROM teksten").fetchone() == (0,)


def test_run_identifiers_come_from_the_runs_input(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _truth = small_municipality
    run = tmp_path / "r1"
    run.mkdir()
    (run / "run.json").write_text(
        json.dumps({"run_id": "r1", "data": {"folder": str(data)}}), encoding="utf-8"
    )
    known = run_identifiers(run)
    assert known is not None and known.names
    name = sorted(known.names)[0]
    assert identifier_kinds(f"{name} woont hier", known) == ["naam"]
    (run / "run.json").write_text(json.dumps({"run_id": "r1", "data": {"folder": str(tmp_path / "weg")}}))
    assert run_identifiers(run) is None
