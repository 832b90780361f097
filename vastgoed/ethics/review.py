"""Moral-deliberation review, the release gate, and analysts' verdicts.

A run's ranked list is not for the working group until a person has decided it may be. The flow:

1. ``vastgoed review RUN --user NAME --decision approve|reject|conditions --rationale TEXT`` (a
   reviewer's account of the web application; the role is the account's) records a decision in
   the audit log (and a readable copy in ``RUN/ethics/besluiten.json``). A decision may accept
   fairness flags by id (``--accept-flag``; ``--accept-flag all`` accepts every flag the run
   has); the latest decision is the one that counts.
2. ``vastgoed release RUN`` writes ``RUN/vrijgegeven/`` (the released list and ``release.json``)
   only when the latest decision approves (``approve``, or ``conditions``, whose conditions travel
   with the release), it was taken by the review board's role, the ethics bundle is complete
   (register entry with every required field, model card, datasheet, fairness page), and every
   fairness flag was accepted by that decision. Otherwise it raises :class:`ReleaseRefused`, saying
   every reason, and writes nothing.
3. ``vastgoed verdict RUN VERBLIJFSOBJECT_ID --outcome ... --note ...`` stores what an analyst found
   at a released signal, with its provenance (run, model version, rank, score, fenomeen, who, when)
   in the audit log (a readable copy in ``OUT/governance/verdicten.jsonl``); ``bevestigd`` and
   ``niet_bevestigd`` become labels for later training (:func:`verdict_labels`).

**The audit log is the record; files are copies.** Every step appends to the hash-chained audit log
(``OUT/governance/audit.jsonl``), and every check reads the log, never a file anyone could edit:
the decisions, the run's fairness flags and the SHA-256 of the files a run wrote (its ``run``
entry) come from the log, which must verify first. So a hand-written ``besluiten.json``, an emptied
flag list or a ``signals.parquet`` changed after the run or after the review cannot pass the gate.
Nothing is changed before its audit entry can be written: a decision and a verdict are appended
first (the append refuses a log that does not verify) and then copied to their files; a release is
moved into place and removed again if its entry cannot be appended.

**Free text stays out of the chain** (:mod:`vastgoed.ethics.freetext`). A rationale, conditions, a
note or a reason is checked against the run's own known identifiers and by form (a BSN, a birth
date) and refused, naming the kind and never the text; accepted text is kept in the erasable text
store beside the log, and the entry holds its reference and salted hash (``details["teksten"]``).
:func:`erase_text` removes an entry's text (logged as an ``erase`` entry) and the log still
verifies; readers then see :data:`~vastgoed.ethics.freetext.ERASED`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from vastgoed.core.errors import VastgoedError
from vastgoed.core.files import write_json_atomic
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.spreadsheet import spreadsheet_safe
from vastgoed.ethics.auditlog import AuditEntry, AuditLog
from vastgoed.ethics.freetext import FreeTextRefused, TextStore, check_texts, run_identifiers
from vastgoed.ethics.privacy import KnownIdentifiers

__all__ = [
    "DECISIONS",
    "HASHED_FILES",
    "OUTCOMES",
    "REVIEW_ROLE",
    "RUN_FAILED",
    "RUN_PUBLISHED",
    "RUN_STARTED",
    "Decision",
    "ReleaseRefused",
    "ReviewError",
    "audit_log",
    "audit_log_path",
    "entry_text",
    "erase_text",
    "governance_dir",
    "latest_decision",
    "pending_runs",
    "read_decisions",
    "record_decision",
    "record_verdict",
    "release",
    "run_file_hashes",
    "unlogged_runs",
    "verdict_labels",
]

DecisionKind = Literal["approve", "reject", "conditions"]
DECISIONS: tuple[str, ...] = ("approve", "reject", "conditions")
#: The role whose decision can release a list: the moral-deliberation board.
REVIEW_ROLE = "moreel_beraad"
#: What an analyst can find; the first two become training labels.
OUTCOMES: tuple[str, ...] = ("bevestigd", "niet_bevestigd", "geen_toegang", "lopend", "verklaard")
_BUNDLE = ("algoritmeregister.json", "model_card.md", "datasheet.md", "fairness.json", "fairness.html")
#: The files of a run whose SHA-256 its audit entry records: what a review reviews and a release releases.
HASHED_FILES: tuple[str, ...] = ("signals.parquet", *(f"ethics/{name}" for name in _BUNDLE))
_DECISIONS_FILE = "besluiten.json"
_RELEASE_DIR = "vrijgegeven"


class ReviewError(VastgoedError):
    """A review, verdict or release request that cannot be carried out as asked."""


class ReleaseRefused(ReviewError):
    """The release gate refused: every reason is listed."""

    def __init__(self, run_dir: Path, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(f"{run_dir}: not released, nothing was written:\n{lines}")


@dataclass(frozen=True)
class Decision:
    """One moral-deliberation decision on a run."""

    decision: str
    role: str
    actor: str
    rationale: str
    accepted_flags: tuple[str, ...]
    conditions: str
    tijd: str
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "decision": self.decision,
            "role": self.role,
            "actor": self.actor,
            "rationale": self.rationale,
            "accepted_flags": list(self.accepted_flags),
            "conditions": self.conditions,
            "tijd": self.tijd,
        }


def governance_dir(out_dir: Path) -> Path:
    """``OUT/governance``: the audit log and the verdicts of every run in ``OUT``."""
    return out_dir / "governance"


def audit_log_path(out_dir: Path) -> Path:
    """The audit log of the runs in ``OUT``."""
    return governance_dir(out_dir) / "audit.jsonl"


def audit_log(out_dir: Path) -> AuditLog:
    """The audit log of the runs in ``OUT``, with its key and anchor (see :mod:`vastgoed.ethics.anchor`)."""
    from vastgoed.ethics.anchor import anchor_for

    return AuditLog(audit_log_path(out_dir), anchor=anchor_for(out_dir))


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_file_hashes(run_dir: Path) -> dict[str, str]:
    """SHA-256 of each of :data:`HASHED_FILES` the run folder holds (recorded in its ``run`` entry)."""
    return {name: _sha256(run_dir / name) for name in HASHED_FILES if (run_dir / name).is_file()}


def _run_info(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "run.json"
    if not path.is_file():
        raise ReviewError(f"{run_dir}: not a run folder (no run.json)")
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        info["run_id"] = str(info["run_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ReviewError(f"{path}: not a readable run.json ({exc})") from exc
    return info


def _entries(out_dir: Path) -> list[AuditEntry]:
    """The audit log's entries, once it verifies; nothing may rest on a log that does not."""
    path = audit_log_path(out_dir)
    if not path.parent.is_dir():
        return []
    result, entries = audit_log(out_dir).verified_entries()
    if not result.ok:
        raise ReviewError(
            f"audit log {path} does not verify ({len(result.problems)} problem(s), the first: "
            f"{result.problems[0]}); no decision, release or verdict can rest on it. "
            f"Run `vastgoed audit verify --out {out_dir}` for the full list."
        )
    return entries


def _run_entry(entries: Sequence[AuditEntry], run_id: str) -> AuditEntry | None:
    found = [e for e in entries if e.actie == "run" and e.run_id == run_id]
    return found[-1] if found else None


def _require_run_entry(entries: Sequence[AuditEntry], run_dir: Path, run_id: str) -> AuditEntry:
    entry = _run_entry(entries, run_id)
    if entry is None:
        raise ReviewError(
            f"{run_dir}: run {run_id} has no entry in the audit log {audit_log_path(run_dir.parent)}; "
            "only a run the batch finished and logged can be reviewed, released or given verdicts"
        )
    return entry


def _altered(run_dir: Path, entry: AuditEntry) -> list[str]:
    """The run's files whose SHA-256 differs from what its ``run`` entry recorded."""
    recorded = dict(entry.details.get("bestanden_sha256") or {})
    if not recorded:
        return ["its audit entry records no file hashes (a run of an older version): run it again"]
    current = run_file_hashes(run_dir)
    return [
        f"{name} {'is missing' if name not in current else 'differs from what the run wrote'}"
        for name in sorted(set(recorded) | set(current))
        if recorded.get(name) != current.get(name)
    ]


def _texts(out_dir: Path) -> TextStore:
    return TextStore(governance_dir(out_dir))


def _sealed_texts(
    out_dir: Path, texts: dict[str, str], *, known: KnownIdentifiers | None, forms_only: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Check the free text (``forms_only``: by form, as an actor) and store it; what the entry holds.

    Raises:
        ReviewError: a text holds an identifier; the message names the field and kind, not the text.
    """
    try:
        check_texts(texts, known)
        check_texts(forms_only)
    except FreeTextRefused as exc:
        raise ReviewError(str(exc)) from exc
    return _texts(out_dir).put(texts)


def entry_text(out_dir: Path, entry: AuditEntry, name: str) -> str:
    """A free text of an entry: from the text store (or the details, for an entry of an older version)."""
    sealed = (entry.details.get("teksten") or {}).get(name)
    if sealed is None:
        return str(entry.details.get(name, "") or "")
    return _texts(out_dir).get(sealed)


def _append_with_texts(
    out_dir: Path, actie: str, *, actor: str, run_id: str | None, details: dict[str, Any]
) -> AuditEntry:
    """Append; when the append fails, the texts it would have referred to are removed again."""
    try:
        return audit_log(out_dir).append(actie, actor=actor, run_id=run_id, details=details)
    except BaseException:
        _texts(out_dir).erase(s["ref"] for s in details.get("teksten", {}).values())
        raise


def _decision_from(entry: AuditEntry, store: TextStore) -> Decision:
    d = entry.details
    sealed = d.get("teksten") or {}
    return Decision(
        decision=str(d["decision"]),
        role=str(d["role"]),
        actor=str(d["actor"]),
        rationale=store.get(sealed["rationale"]) if "rationale" in sealed else str(d.get("rationale", "")),
        accepted_flags=tuple(d.get("accepted_flags", [])),
        conditions=store.get(sealed.get("conditions")) if sealed else str(d.get("conditions", "")),
        tijd=entry.tijd,
        seq=entry.seq,
    )


def _decisions(entries: Sequence[AuditEntry], run_id: str, out_dir: Path) -> list[Decision]:
    store = _texts(out_dir)
    return [_decision_from(e, store) for e in entries if e.actie == "review" and e.run_id == run_id]


def read_decisions(run_dir: Path) -> list[Decision]:
    """Every decision on the run, oldest first, from the (verified) audit log."""
    run_dir = run_dir.resolve()
    return _decisions(_entries(run_dir.parent), _run_info(run_dir)["run_id"], run_dir.parent)


def latest_decision(run_dir: Path) -> Decision | None:
    """The decision that counts: the latest."""
    decisions = read_decisions(run_dir)
    return decisions[-1] if decisions else None


def _run_flags(entry: AuditEntry) -> list[str]:
    return [str(f) for f in entry.details.get("fairness_flags", [])]


def record_decision(
    run_dir: Path,
    *,
    decision: str,
    role: str,
    actor: str,
    rationale: str,
    accept_flags: Sequence[str] = (),
    conditions: str = "",
    roles: Sequence[str] = (REVIEW_ROLE,),
) -> Decision:
    """Record a moral-deliberation decision on a run: in the audit log, then copied to ``besluiten.json``.

    Raises:
        ReviewError: an unknown decision or role, an empty rationale, conditions missing for a
            ``conditions`` decision, an accepted flag the run does not have, free text holding an
            identifier, a run without an audit entry or whose files changed since, or an audit log
            that does not verify.
    """
    run_dir = run_dir.resolve()
    info = _run_info(run_dir)
    if decision not in DECISIONS:
        raise ReviewError(f"--decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if role not in roles:
        raise ReviewError(f"--role {role!r} is not a role of configs/ethics.toml: {', '.join(roles)}")
    if not rationale.strip():
        raise ReviewError("--rationale is required: a decision without its reasons cannot be checked")
    if decision == "conditions" and not conditions.strip():
        raise ReviewError("a 'conditions' decision needs --conditions: which conditions")
    entries = _entries(run_dir.parent)
    run_entry = _require_run_entry(entries, run_dir, info["run_id"])
    altered = _altered(run_dir, run_entry)
    if altered:
        raise ReviewError(f"{run_dir}: the run changed after it was written: {'; '.join(altered)}")
    flags = _run_flags(run_entry)
    accepted = list(flags) if list(accept_flags) == ["all"] else list(accept_flags)
    unknown = [f for f in accepted if f not in flags]
    if unknown:
        raise ReviewError(f"--accept-flag names flags this run does not have: {', '.join(unknown)}")
    texts = {"rationale": rationale.strip(), "conditions": conditions.strip()}
    sealed = _sealed_texts(run_dir.parent, texts, known=run_identifiers(run_dir), forms_only={"actor": actor})
    entry = _append_with_texts(
        run_dir.parent,
        "review",
        actor=f"{role}:{actor}",
        run_id=info["run_id"],
        details={
            "decision": decision,
            "role": role,
            "actor": actor,
            "teksten": sealed,
            "accepted_flags": accepted,
            "bestanden_sha256": run_file_hashes(run_dir),
        },
    )
    _write_decision_copies(run_dir, info["run_id"])
    return _decision_from(entry, _texts(run_dir.parent))


def _write_decision_copies(run_dir: Path, run_id: str) -> None:
    """``RUN/ethics/besluiten.json``: a readable copy of the run's decisions (texts as they are now)."""
    path = run_dir / "ethics" / _DECISIONS_FILE
    path.parent.mkdir(exist_ok=True)
    copies = [x.to_dict() for x in _decisions(audit_log(run_dir.parent).entries(), run_id, run_dir.parent)]
    write_json_atomic(path, copies)


def _release_reasons(run_dir: Path, entries: Sequence[AuditEntry], run_id: str) -> list[str]:
    from vastgoed.ethics.documents import missing_register_fields

    reasons = []
    run_entry = _run_entry(entries, run_id)
    if run_entry is None:
        return [f"run {run_id} has no entry in the audit log: only a run the batch logged can be released"]
    altered = _altered(run_dir, run_entry)
    if altered:
        reasons.append("the run changed after it was written: " + "; ".join(altered))
    decisions = _decisions(entries, run_id, run_dir.parent)
    decision = decisions[-1] if decisions else None
    if decision is None:
        reasons.append(
            "the run has no moral-deliberation decision: a reviewer decides first (in the web "
            "application, or `vastgoed review RUN --user NAAM --decision approve --rationale ...`)"
        )
    elif decision.decision == "reject":
        reasons.append(f"the latest decision ({decision.tijd}, {decision.role}) rejected the run")
    elif decision.role != REVIEW_ROLE:
        reasons.append(f"the latest decision was taken by {decision.role!r}, not by {REVIEW_ROLE!r}")
    ethics = run_dir / "ethics"
    missing = [name for name in _BUNDLE if not (ethics / name).is_file()]
    if missing:
        reasons.append(f"the ethics bundle is incomplete: {', '.join(missing)} missing in {ethics}")
    register = ethics / "algoritmeregister.json"
    if register.is_file():
        try:
            empty = missing_register_fields(json.loads(register.read_text(encoding="utf-8")))
        except ValueError as exc:
            empty = [f"(not readable JSON: {exc})"]
        if empty:
            reasons.append(f"the algorithm-register entry has empty required fields: {', '.join(empty)}")
    accepted = set(decision.accepted_flags) if decision else set()
    open_flags = [f for f in _run_flags(run_entry) if f not in accepted]
    if open_flags:
        reasons.append(
            f"{len(open_flags)} fairness flag(s) not explicitly accepted by the review: "
            + ", ".join(open_flags[:10])
            + (" ..." if len(open_flags) > 10 else "")
        )
    return reasons


def release(run_dir: Path, *, actor: str, clock: Callable[[], str] = _now) -> Path:
    """Write the released list of an approved run: ``RUN/vrijgegeven/``.

    The released list holds the ranked signals only (``status = signaal``; recent investigations
    and signals on uncertain links stay out) with their reasons, the decision and its conditions.

    Raises:
        ReleaseRefused: any condition of the gate fails (all reasons listed; nothing is written).
        ReviewError: the run was released before, or the audit log does not verify.
    """
    run_dir = run_dir.resolve()
    info = _run_info(run_dir)
    run_id = info["run_id"]
    target = run_dir / _RELEASE_DIR
    entries = _entries(run_dir.parent)
    if target.exists() or any(e.actie == "release" and e.run_id == run_id for e in entries):
        raise ReviewError(f"{run_dir}: already released ({target})")
    reasons = _release_reasons(run_dir, entries, run_id)
    if reasons:
        raise ReleaseRefused(run_dir, reasons)
    decision = _decisions(entries, run_id, run_dir.parent)[-1]
    tmp = run_dir / f".{_RELEASE_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        signals = pl.read_parquet(run_dir / "signals.parquet")
        listed = signals.filter(pl.col("status") == "signaal").sort("rank")
        listed = listed.head(int(info.get("config", {}).get("output", {}).get("top_n", 500)))
        cols = ["rank", "verblijfsobject_id", "adres", "buurtcode", "score", "fenomeen", "redenen"]
        spreadsheet_safe(listed.select([c for c in cols if c in listed.columns])).write_csv(tmp / "lijst.csv")
        write_json_atomic(
            tmp / "release.json",
            {
                "run_id": run_id,
                "model_version": info.get("model", {}).get("model_version"),
                "released_at": clock(),
                "released_by": actor,
                "decision": decision.to_dict(),
                "rows": listed.height,
            },
        )
        lijst_hash = _sha256(tmp / "lijst.csv")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        audit_log(run_dir.parent).append(
            "release",
            actor=actor,
            run_id=run_id,
            details={
                "rows": listed.height,
                "decision_seq": decision.seq,
                "decision_at": decision.tijd,
                "lijst_sha256": lijst_hash,
            },
        )
    except BaseException:
        # A release the log does not record did not happen.
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def record_verdict(
    run_dir: Path,
    verblijfsobject_id: str,
    *,
    outcome: str,
    note: str,
    actor: str,
    role: str = "analist",
    fenomeen: str | None = None,
    datum: dt.date | None = None,
) -> dict[str, Any]:
    """Store an analyst's verdict on a signal of a released run, with its provenance.

    ``datum`` is the day of the visit or check that found the outcome (default: today); as a label
    the verdict counts from that day (``datum_onderzoek``).

    Raises:
        ReviewError: the run is not released (by the log), was rejected after its release, the
            object is not on its released list, the outcome or fenomeen is unknown, the note holds
            an identifier, or the audit log does not verify.
    """
    run_dir = run_dir.resolve()
    info = _run_info(run_dir)
    run_id = info["run_id"]
    if outcome not in OUTCOMES:
        raise ReviewError(f"--outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if fenomeen is not None and fenomeen not in FENOMENEN:
        raise ReviewError(f"--fenomeen must be one of {', '.join(FENOMENEN)}, not {fenomeen!r}")
    today = dt.datetime.now(dt.UTC).date()
    datum = datum or today
    if datum > today:
        raise ReviewError(f"--datum {datum.isoformat()} lies in the future: the day the outcome was found")
    entries = _entries(run_dir.parent)
    releases = [e for e in entries if e.actie == "release" and e.run_id == run_id]
    listed_path = run_dir / _RELEASE_DIR / "lijst.csv"
    if not releases or not listed_path.is_file():
        raise ReviewError(f"{run_dir}: not released; verdicts are recorded on released lists only")
    if _sha256(listed_path) != releases[-1].details.get("lijst_sha256"):
        raise ReviewError(f"{listed_path}: differs from the list that was released")
    last = _decisions(entries, run_id, run_dir.parent)[-1]
    if last.decision == "reject":
        raise ReviewError(f"run {run_id} was rejected after its release ({last.tijd}): no new verdicts")
    listed = pl.read_csv(listed_path, schema_overrides={"verblijfsobject_id": pl.String})
    row = listed.filter(pl.col("verblijfsobject_id") == verblijfsobject_id)
    if row.height == 0:
        raise ReviewError(f"{verblijfsobject_id} is not on the released list of run {run_id}")
    r = row.row(0, named=True)
    sealed = _sealed_texts(
        run_dir.parent, {"note": note.strip()}, known=run_identifiers(run_dir), forms_only={"actor": actor}
    )
    verdict: dict[str, Any] = {
        "run_id": run_id,
        "model_version": info.get("model", {}).get("model_version"),
        "verblijfsobject_id": verblijfsobject_id,
        "rank": r.get("rank"),
        "score": r.get("score"),
        "fenomeen": fenomeen or r.get("fenomeen"),
        "outcome": outcome,
        "datum": datum.isoformat(),
        "teksten": sealed,
        "actor": actor,
        "role": role,
    }
    entry = _append_with_texts(
        run_dir.parent, "verdict", actor=f"{role}:{actor}", run_id=run_id, details=verdict
    )
    verdict["tijd"] = entry.tijd
    verdict["seq"] = entry.seq
    path = governance_dir(run_dir.parent) / "verdicten.jsonl"
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as fh:
        # the copy holds the note's reference, not the note: the text lives in the erasable store
        fh.write(json.dumps(verdict, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return verdict | {"note": note.strip()}


def erase_text(out_dir: Path, seq: int, *, reason: str, actor: str) -> AuditEntry:
    """Erase the free text of entry ``seq`` (its rationale, conditions, note or reason), logged as ``erase``.

    The text and its salt leave the text store (overwritten on disk); the entry keeps its reference
    and hash, so the chain still verifies, and readers see :data:`~vastgoed.ethics.freetext.ERASED`.
    The run's ``besluiten.json`` copy is rewritten. The reason is free text too, checked by form.

    Raises:
        ReviewError: the log does not verify, no entry ``seq`` exists or it holds no stored text.
        ReviewError: also when the reason holds an identifier.
    """
    entries = _entries(out_dir)
    target = next((e for e in entries if e.seq == seq), None)
    sealed = dict(target.details.get("teksten") or {}) if target is not None else {}
    if target is None or not sealed:
        raise ReviewError(f"audit entry {seq} does not exist or holds no free text in the text store")
    if not reason.strip():
        raise ReviewError("--reason is required: why the text is erased")
    run_dir = out_dir / target.run_id if target.run_id else None
    known = run_identifiers(run_dir) if run_dir is not None else None
    reden = _sealed_texts(out_dir, {"reden": reason.strip()}, known=known, forms_only={"actor": actor})
    entry = _append_with_texts(
        out_dir,
        "erase",
        actor=actor,
        run_id=target.run_id,
        details={"entry": seq, "velden": sorted(sealed), "teksten": reden},
    )
    _texts(out_dir).erase(str(s["ref"]) for s in sealed.values())
    if target.actie == "review" and run_dir is not None and (run_dir / "run.json").is_file():
        _write_decision_copies(run_dir.resolve(), str(target.run_id))
    return entry


def verdict_labels(out_dir: Path, peildatum: dt.date) -> pl.DataFrame:
    """Verdicts as ``onderzoeksuitkomsten`` rows (bevestigd / niet_bevestigd, dated before the peildatum).

    Read from the verified audit log (``verdicten.jsonl`` is only a copy, and could be edited). The
    latest verdict per object and fenomeen counts; ``datum_onderzoek`` is the day the outcome was
    found (the verdict's ``datum``).

    Raises:
        ReviewError: the audit log does not verify (no label may come from an altered log).
    """
    schema = {
        "verblijfsobject_id": pl.String,
        "datum_onderzoek": pl.Date,
        "fenomeen": pl.String,
        "uitkomst": pl.String,
    }
    labels = [
        {
            "verblijfsobject_id": str(e.details["verblijfsobject_id"]),
            "datum_onderzoek": dt.date.fromisoformat(str(e.details.get("datum") or e.tijd[:10])),
            "fenomeen": str(e.details["fenomeen"]),
            "uitkomst": str(e.details["outcome"]),
        }
        for e in _entries(out_dir)
        if e.actie == "verdict" and e.details.get("outcome") in ("bevestigd", "niet_bevestigd")
    ]
    frame = pl.DataFrame(labels, schema=schema)
    return (
        frame.filter(pl.col("datum_onderzoek") < peildatum)
        .unique(["verblijfsobject_id", "fenomeen"], keep="last", maintain_order=True)
        .sort("datum_onderzoek", "verblijfsobject_id")
    )


#: The entries of a run's life in the log: begun (before anything of it exists in ``OUT``),
#: published (its folder complete and visible, with its files' hashes), failed (what it left removed).
RUN_STARTED, RUN_PUBLISHED, RUN_FAILED = "run_gestart", "run", "run_mislukt"


def pending_runs(out_dir: Path) -> dict[str, AuditEntry]:
    """The runs the log records as begun but neither published nor failed, with their ``run_gestart`` entry.

    Such a run is still going, or was killed: the next batch run resolves it (``vastgoed.pipeline``).
    """
    pending: dict[str, AuditEntry] = {}
    for e in _entries(out_dir):
        if e.actie == RUN_STARTED and e.run_id:
            pending[e.run_id] = e
        elif e.actie in (RUN_PUBLISHED, RUN_FAILED) and e.run_id:
            pending.pop(e.run_id, None)
    return pending


def unlogged_runs(out_dir: Path) -> list[str]:
    """Run folders in ``OUT`` that have no ``run`` entry in its audit log and are not pending.

    Such a folder means entries were removed, or the log was deleted and started afresh (or a run
    of an engine before ``run_gestart`` was killed between its rename and its entry). A folder of a
    pending run (:func:`pending_runs`) is not one of them: that run is going, or the next run
    resolves it. Hidden folders and symlinks (``latest``) are not runs.
    """
    logged = {e.run_id for e in _entries(out_dir) if e.actie == RUN_PUBLISHED} | set(pending_runs(out_dir))
    return sorted(
        child.name
        for child in (out_dir.iterdir() if out_dir.is_dir() else [])
        if not child.name.startswith(".")
        and not child.is_symlink()
        and child.is_dir()
        and (child / "run.json").is_file()
        and child.name not in logged
    )
