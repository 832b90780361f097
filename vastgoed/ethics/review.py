"""Moral-deliberation review, the release gate, and analysts' verdicts.

A run's ranked list is not for the working group until a person has decided it may be. The flow:

1. ``vastgoed review RUN --decision approve|reject|conditions --role ROLE --rationale TEXT``
   records a decision in ``RUN/ethics/besluiten.json`` and in the audit log. A decision may accept
   fairness flags by id (``--accept-flag``; ``--accept-flag all`` accepts every flag the run has);
   the latest decision is the one that counts.
2. ``vastgoed release RUN`` writes ``RUN/vrijgegeven/`` (the released list and ``release.json``)
   only when the latest decision approves (``approve``, or ``conditions``, whose conditions travel
   with the release), it was taken by the review board's role, the ethics bundle is complete
   (register entry with every required field, model card, datasheet, fairness page), and every
   fairness flag was accepted by that decision. Otherwise it raises :class:`ReleaseRefused`, saying
   every reason, and writes nothing.
3. ``vastgoed verdict RUN VERBLIJFSOBJECT_ID --outcome ... --note ...`` stores what an analyst found
   at a released signal, with its provenance (run, model version, rank, score, fenomeen, who, when)
   in ``OUT/governance/verdicten.jsonl``; ``bevestigd`` and ``niet_bevestigd`` become labels for
   later training (:func:`verdict_labels`).

Every step appends to the hash-chained audit log (``OUT/governance/audit.jsonl``).
"""

from __future__ import annotations

import datetime as dt
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
from vastgoed.ethics.auditlog import AuditLog

__all__ = [
    "DECISIONS",
    "OUTCOMES",
    "REVIEW_ROLE",
    "Decision",
    "ReleaseRefused",
    "ReviewError",
    "audit_log",
    "audit_log_path",
    "governance_dir",
    "latest_decision",
    "read_decisions",
    "record_decision",
    "record_verdict",
    "release",
    "verdict_labels",
]

DecisionKind = Literal["approve", "reject", "conditions"]
DECISIONS: tuple[str, ...] = ("approve", "reject", "conditions")
#: The role whose decision can release a list: the moral-deliberation board.
REVIEW_ROLE = "moreel_beraad"
#: What an analyst can find; the first two become training labels.
OUTCOMES: tuple[str, ...] = ("bevestigd", "niet_bevestigd", "geen_toegang", "lopend", "verklaard")
_BUNDLE = ("algoritmeregister.json", "model_card.md", "datasheet.md", "fairness.json", "fairness.html")
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
    """The audit log of the runs in ``OUT``."""
    return AuditLog(audit_log_path(out_dir))


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _run_info(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "run.json"
    if not path.is_file():
        raise ReviewError(f"{run_dir}: not a run folder (no run.json)")
    info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return info


def _flags(run_dir: Path) -> list[str]:
    path = run_dir / "ethics" / "fairness.json"
    if not path.is_file():
        return []
    return [f["id"] for f in json.loads(path.read_text(encoding="utf-8")).get("vlaggen", [])]


def read_decisions(run_dir: Path) -> list[Decision]:
    """Every decision on the run, oldest first."""
    path = run_dir / "ethics" / _DECISIONS_FILE
    if not path.is_file():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [
        Decision(
            decision=r["decision"],
            role=r["role"],
            actor=r["actor"],
            rationale=r["rationale"],
            accepted_flags=tuple(r.get("accepted_flags", [])),
            conditions=r.get("conditions", ""),
            tijd=r["tijd"],
        )
        for r in rows
    ]


def latest_decision(run_dir: Path) -> Decision | None:
    """The decision that counts: the latest."""
    decisions = read_decisions(run_dir)
    return decisions[-1] if decisions else None


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
    clock: Callable[[], str] = _now,
) -> Decision:
    """Record a moral-deliberation decision on a run (and in the audit log).

    Raises:
        ReviewError: an unknown decision or role, an empty rationale, conditions missing for a
            ``conditions`` decision, or an accepted flag the run does not have.
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
    flags = _flags(run_dir)
    accepted = list(flags) if list(accept_flags) == ["all"] else list(accept_flags)
    unknown = [f for f in accepted if f not in flags]
    if unknown:
        raise ReviewError(f"--accept-flag names flags this run does not have: {', '.join(unknown)}")
    d = Decision(decision, role, actor, rationale.strip(), tuple(accepted), conditions.strip(), clock())
    path = run_dir / "ethics" / _DECISIONS_FILE
    path.parent.mkdir(exist_ok=True)
    write_json_atomic(path, [x.to_dict() for x in read_decisions(run_dir)] + [d.to_dict()])
    audit_log(run_dir.parent).append(
        "review",
        actor=f"{role}:{actor}",
        run_id=info["run_id"],
        details={
            "decision": decision,
            "rationale": d.rationale,
            "accepted_flags": accepted,
            "conditions": d.conditions,
        },
    )
    return d


def _release_reasons(run_dir: Path, decision: Decision | None) -> list[str]:
    from vastgoed.ethics.documents import missing_register_fields

    reasons = []
    if decision is None:
        reasons.append(
            "the run has no moral-deliberation decision: run `vastgoed review RUN --decision approve "
            f"--role {REVIEW_ROLE} --rationale ...` first"
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
        empty = missing_register_fields(json.loads(register.read_text(encoding="utf-8")))
        if empty:
            reasons.append(f"the algorithm-register entry has empty required fields: {', '.join(empty)}")
    flags = _flags(run_dir)
    accepted = set(decision.accepted_flags) if decision else set()
    open_flags = [f for f in flags if f not in accepted]
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
        ReviewError: the run was released before.
    """
    run_dir = run_dir.resolve()
    info = _run_info(run_dir)
    target = run_dir / _RELEASE_DIR
    if target.exists():
        raise ReviewError(f"{run_dir}: already released ({target})")
    decision = latest_decision(run_dir)
    reasons = _release_reasons(run_dir, decision)
    if reasons:
        raise ReleaseRefused(run_dir, reasons)
    assert decision is not None
    tmp = run_dir / f".{_RELEASE_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        signals = pl.read_parquet(run_dir / "signals.parquet")
        listed = signals.filter(pl.col("status") == "signaal").sort("rank")
        listed = listed.head(int(info.get("config", {}).get("output", {}).get("top_n", 500)))
        cols = ["rank", "verblijfsobject_id", "adres", "buurtcode", "score", "fenomeen", "redenen"]
        listed.select([c for c in cols if c in listed.columns]).write_csv(tmp / "lijst.csv")
        stamp = clock()
        write_json_atomic(
            tmp / "release.json",
            {
                "run_id": info["run_id"],
                "model_version": info.get("model", {}).get("model_version"),
                "released_at": stamp,
                "released_by": actor,
                "decision": decision.to_dict(),
                "rows": listed.height,
            },
        )
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    audit_log(run_dir.parent).append(
        "release",
        actor=actor,
        run_id=info["run_id"],
        details={"rows": listed.height, "decision_at": decision.tijd, "conditions": decision.conditions},
    )
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
    clock: Callable[[], str] = _now,
) -> dict[str, Any]:
    """Store an analyst's verdict on a signal of a released run, with its provenance.

    Raises:
        ReviewError: the run is not released, the object is not on its released list, or the
            outcome is unknown.
    """
    run_dir = run_dir.resolve()
    info = _run_info(run_dir)
    if outcome not in OUTCOMES:
        raise ReviewError(f"--outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    listed_path = run_dir / _RELEASE_DIR / "lijst.csv"
    if not listed_path.is_file():
        raise ReviewError(f"{run_dir}: not released; verdicts are recorded on released lists only")
    listed = pl.read_csv(listed_path, schema_overrides={"verblijfsobject_id": pl.String})
    row = listed.filter(pl.col("verblijfsobject_id") == verblijfsobject_id)
    if row.height == 0:
        raise ReviewError(f"{verblijfsobject_id} is not on the released list of run {info['run_id']}")
    r = row.row(0, named=True)
    stamp = clock()
    verdict = {
        "run_id": info["run_id"],
        "model_version": info.get("model", {}).get("model_version"),
        "verblijfsobject_id": verblijfsobject_id,
        "rank": r.get("rank"),
        "score": r.get("score"),
        "fenomeen": fenomeen or r.get("fenomeen"),
        "outcome": outcome,
        "note": note,
        "actor": actor,
        "role": role,
        "tijd": stamp,
    }
    path = governance_dir(run_dir.parent) / "verdicten.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(verdict, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    audit_log(run_dir.parent).append(
        "verdict",
        actor=f"{role}:{actor}",
        run_id=info["run_id"],
        details={k: verdict[k] for k in ("verblijfsobject_id", "fenomeen", "outcome", "note")},
    )
    return verdict


def verdict_labels(out_dir: Path, peildatum: dt.date) -> pl.DataFrame:
    """Verdicts as ``onderzoeksuitkomsten`` rows (bevestigd / niet_bevestigd, dated before the peildatum).

    The latest verdict per object and fenomeen counts; ``datum_onderzoek`` is the verdict's date.
    """
    schema = {
        "verblijfsobject_id": pl.String,
        "datum_onderzoek": pl.Date,
        "fenomeen": pl.String,
        "uitkomst": pl.String,
    }
    path = governance_dir(out_dir) / "verdicten.jsonl"
    if not path.is_file():
        return pl.DataFrame(schema=schema)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = [
        {
            "verblijfsobject_id": r["verblijfsobject_id"],
            "datum_onderzoek": dt.datetime.fromisoformat(r["tijd"]).date(),
            "fenomeen": r["fenomeen"],
            "uitkomst": r["outcome"],
        }
        for r in rows
        if r["outcome"] in ("bevestigd", "niet_bevestigd")
    ]
    frame = pl.DataFrame(labels, schema=schema)
    return (
        frame.filter(pl.col("datum_onderzoek") < peildatum)
        .unique(["verblijfsobject_id", "fenomeen"], keep="last", maintain_order=True)
        .sort("datum_onderzoek", "verblijfsobject_id")
    )
