"""Reading the runs of an output folder for the web application: status, ranked lists, filters.

Everything here reads. The status of a run comes from the verified audit log (the record of
decisions and releases, written only by :mod:`vastgoed.ethics.review`); files in the run folder are
read for content, never for what was decided.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from vastgoed.ethics.auditlog import AuditEntry, AuditLogError
from vastgoed.ethics.review import ReviewError, audit_log, audit_log_path, entry_text

__all__ = [
    "BANDS",
    "STATUSES",
    "ListQuery",
    "ListResult",
    "RunInfo",
    "audit_entries",
    "can_open",
    "find_run",
    "list_runs",
    "load_signals",
    "query_list",
    "released_ranks",
    "run_status",
]

#: Run statuses, in the order of the review flow.
STATUSES: tuple[str, ...] = ("awaiting_review", "approved", "rejected", "released")
#: Score bands of the list filter: (key, lower bound inclusive, upper bound exclusive).
BANDS: tuple[tuple[str, float, float], ...] = (
    ("hoog", 0.5, 2.0),
    ("midden", 0.2, 0.5),
    ("laag", 0.1, 0.2),
    ("zeer_laag", -1.0, 0.1),
)
_SORTS = {"rank": "rank", "score": "score", "buurt": "buurtcode", "fenomeen": "fenomeen", "adres": "adres"}
_LOCK = threading.Lock()
_SIGNAL_CACHE: dict[Path, tuple[int, pl.DataFrame]] = {}
_LIST_COLUMNS = ("rank", "verblijfsobject_id", "adres", "buurtcode", "score", "fenomeen", "status", "redenen")


def audit_entries(out_dir: Path) -> list[AuditEntry]:
    """The audit log's entries once it verifies.

    :meth:`AuditLog.verified_entries` re-hashes the whole log on every call (every byte is checked)
    and parses only the entries appended since this process last read it.

    Raises:
        ReviewError: The log does not verify: nothing may be shown as decided on it.
    """
    path = audit_log_path(out_dir)
    if not path.is_file():
        return []
    try:
        result, entries = audit_log(out_dir).verified_entries()
    except AuditLogError as exc:
        raise ReviewError(str(exc)) from exc
    if not result.ok:
        raise ReviewError(
            f"audit log {path} does not verify ({len(result.problems)} problem(s), the first: "
            f"{result.problems[0]}); run `vastgoed audit verify` for the list"
        )
    return entries


@dataclass(frozen=True)
class RunInfo:
    """A run as the overview shows it."""

    run_id: str
    path: Path
    started: str
    peildatum: str
    model_version: str
    n_signalen: int
    n_vlaggen: int
    status: str
    decisions: tuple[dict[str, Any], ...] = ()
    release: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class _RunEntries:
    """A run's ``run``, ``review`` and ``release`` entries, in log order."""

    runs: list[AuditEntry] = field(default_factory=list)
    reviews: list[AuditEntry] = field(default_factory=list)
    releases: list[AuditEntry] = field(default_factory=list)


@dataclass
class _RunIndex:
    """The log's entries per run, as far as ``n`` entries (the last of which had ``last_hash``)."""

    n: int = 0
    last_hash: str = ""
    by_run: dict[str, _RunEntries] = field(default_factory=dict)


#: One index per log (keyed by the identity of its first entry), extended by the appended entries
#: only: with 50,000 entries a page would otherwise scan the whole log once per run.
_RUN_INDEX: dict[str, _RunIndex] = {}
_KINDS = {"run": "runs", "review": "reviews", "release": "releases"}


def _runs_of(entries: Sequence[AuditEntry]) -> dict[str, _RunEntries]:
    """The run, review and release entries per run of a verified log (seq 1, 2, ... in order)."""
    if not entries:
        return {}
    key = entries[0].hash
    with _LOCK:
        index = _RUN_INDEX.get(key)
        if (
            index is None
            or index.n > len(entries)
            or (index.n and entries[index.n - 1].hash != index.last_hash)
        ):
            index = _RunIndex()
        if index.n == len(entries):
            return index.by_run
        # a new dict of new lists: a page still reading the previous index sees it unchanged
        by_run = {k: _RunEntries([*v.runs], [*v.reviews], [*v.releases]) for k, v in index.by_run.items()}
        for e in entries[index.n :]:
            kind = _KINDS.get(e.actie)
            if kind is not None and e.run_id:
                getattr(by_run.setdefault(e.run_id, _RunEntries()), kind).append(e)
        index = _RunIndex(len(entries), entries[-1].hash, by_run)
        _RUN_INDEX[key] = index
        return index.by_run


def run_status(entries: Sequence[AuditEntry], run_id: str) -> tuple[str, list[AuditEntry], AuditEntry | None]:
    """The status of a run by the log: its review entries, and its release entry if any.

    ``released`` while a release entry exists and no later decision rejects; otherwise the latest
    decision's ``approved`` (approve or conditions) or ``rejected``; ``awaiting_review`` without one.
    """
    found = _runs_of(entries).get(run_id, _RunEntries())
    reviews, releases = found.reviews, found.releases
    latest = reviews[-1] if reviews else None
    if latest is None:
        return "awaiting_review", reviews, releases[-1] if releases else None
    if latest.details.get("decision") == "reject":
        return "rejected", reviews, releases[-1] if releases else None
    if releases:
        return "released", reviews, releases[-1]
    return "approved", reviews, None


def can_open(rol: str, status: str) -> bool:
    """Whether a role may open a run's list and signals: analysts released runs only, reviewers all."""
    if rol == "analist":
        return status == "released"
    return rol == "reviewer"


def _read_info(path: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and "run_id" in info else None


def list_runs(out_dir: Path, entries: Sequence[AuditEntry]) -> list[RunInfo]:
    """The runs in ``OUT`` that the audit log knows (a ``run`` entry), newest first."""
    logged = {run_id: r.runs[-1] for run_id, r in _runs_of(entries).items() if r.runs}
    runs = []
    for child in sorted(out_dir.iterdir() if out_dir.is_dir() else [], reverse=True):
        if child.is_symlink() or child.name.startswith(".") or child.name not in logged:
            continue
        info = _read_info(child)
        if info is None:
            continue
        run = _run_info(child, info, entries, logged[child.name])
        runs.append(run)
    return runs


def _run_info(path: Path, info: dict[str, Any], entries: Sequence[AuditEntry], entry: AuditEntry) -> RunInfo:
    run_id = str(info["run_id"])
    status, reviews, release = run_status(entries, run_id)
    return RunInfo(
        run_id=run_id,
        path=path,
        started=str(info.get("started", ""))[:16].replace("T", " "),
        peildatum=str(info.get("data", {}).get("peildatum", "")),
        model_version=str(info.get("model", {}).get("model_version", "")),
        n_signalen=int(info.get("n_scored") or 0),
        n_vlaggen=len(entry.details.get("fairness_flags", []) or []),
        status=status,
        decisions=tuple(
            {"seq": e.seq, "tijd": e.tijd, **{k: e.details.get(k) for k in ("decision", "role", "actor")}}
            | {
                "rationale": entry_text(path.parent, e, "rationale"),
                "conditions": entry_text(path.parent, e, "conditions"),
                "accepted_flags": list(e.details.get("accepted_flags", [])),
            }
            for e in reviews
        ),
        release=dict(release.details) | {"tijd": release.tijd, "actor": release.actor} if release else None,
        info=info,
    )


def find_run(out_dir: Path, run_id: str, entries: Sequence[AuditEntry]) -> RunInfo | None:
    """One run by id, if it is a logged run folder of ``OUT`` (the id is checked, never a path)."""
    if not run_id or len(run_id) > 64 or not all(c.isalnum() or c in "-_T" for c in run_id):
        return None
    path = out_dir / run_id
    found = _runs_of(entries).get(run_id)
    entry = found.runs[-1] if found is not None and found.runs else None
    info = _read_info(path) if entry is not None and path.is_dir() and not path.is_symlink() else None
    if entry is None or info is None or str(info["run_id"]) != run_id:
        return None
    return _run_info(path, info, entries, entry)


def load_signals(run_dir: Path) -> pl.DataFrame:
    """The run's ``signals.parquet`` (cached while unchanged)."""
    path = run_dir / "signals.parquet"
    mtime = path.stat().st_mtime_ns
    with _LOCK:
        cached = _SIGNAL_CACHE.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    frame = pl.read_parquet(path)
    with _LOCK:
        _SIGNAL_CACHE[path] = (mtime, frame)
    return frame


def released_ranks(run: RunInfo) -> list[int]:
    """The ranks on the released list, read from ``vrijgegeven/lijst.csv`` once its hash matches the log.

    Raises:
        ReviewError: The run is not released, or the list differs from what the release recorded.
    """
    path = run.path / "vrijgegeven" / "lijst.csv"
    if run.release is None or not path.is_file():
        raise ReviewError(f"run {run.run_id} is not released")
    if hashlib.sha256(path.read_bytes()).hexdigest() != run.release.get("lijst_sha256"):
        raise ReviewError(f"{path} differs from the list that was released")
    return [int(r) for r in pl.read_csv(path, columns=["rank"])["rank"].to_list()]


@dataclass(frozen=True)
class ListQuery:
    """Filters, sort and page of the ranked list (all from the query string; no identifiers)."""

    fenomeen: str = ""
    buurt: str = ""
    band: str = ""
    verdict: str = ""
    sort: str = "rank"
    desc: bool = False
    page: int = 1


@dataclass(frozen=True)
class ListResult:
    """One page of the filtered list."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    fenomenen: list[str]
    buurten: list[str]


def query_list(
    frame: pl.DataFrame,
    q: ListQuery,
    *,
    page_size: int,
    ranks: Sequence[int] | None,
    verdicts: dict[str, str],
) -> ListResult:
    """Filter, sort and page the ranked signals.

    Args:
        frame: The run's signals.
        q: The query.
        page_size: Rows per page.
        ranks: Only these ranks (an analyst's released list); None for every ranked signal.
        verdicts: The latest verdict per verblijfsobject_id (from the index).
    """
    base = frame.filter(pl.col("status") == "signaal").select(
        [c for c in _LIST_COLUMNS if c in frame.columns]
    )
    if ranks is not None:
        base = base.filter(pl.col("rank").is_in(list(ranks)))
    base = base.with_columns(
        pl.col("verblijfsobject_id")
        .replace_strict(verdicts, default="", return_dtype=pl.String)
        .alias("verdict")
    )
    fenomenen = sorted(base["fenomeen"].drop_nulls().unique().to_list())
    buurten = sorted(base["buurtcode"].drop_nulls().unique().to_list())
    view = base
    if q.fenomeen:
        view = view.filter(pl.col("fenomeen") == q.fenomeen)
    if q.buurt:
        view = view.filter(pl.col("buurtcode") == q.buurt)
    band = next((b for b in BANDS if b[0] == q.band), None)
    if band is not None:
        view = view.filter((pl.col("score") >= band[1]) & (pl.col("score") < band[2]))
    if q.verdict == "geen":
        view = view.filter(pl.col("verdict") == "")
    elif q.verdict:
        view = view.filter(pl.col("verdict") == q.verdict)
    sort = _SORTS.get(q.sort, "rank")
    view = view.sort([sort, "rank"], descending=[q.desc, False], nulls_last=True)
    total = view.height
    pages = max(1, -(-total // page_size))
    page = min(max(1, q.page), pages)
    rows = view.slice((page - 1) * page_size, page_size).drop("verblijfsobject_id").to_dicts()
    return ListResult(rows, total, page, pages, fenomenen, buurten)
