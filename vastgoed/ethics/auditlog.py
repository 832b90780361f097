r"""The audit log: an append-only, hash-chained record of runs, reviews, releases, verdicts and purges.

**Storage.** One JSON Lines file (for example ``out/governance/audit.jsonl``), UTF-8, one entry per
line in canonical JSON (sorted keys, no whitespace, non-ASCII characters as themselves). An entry has
the fields ``seq`` (1, 2, 3, ...), ``tijd`` (UTC, ISO-8601 to the second), ``actie`` (``"run"``,
``"review"``, ``"release"``, ``"verdict"``, ``"purge"``, ``"view"``, ...), ``actor`` (a role and/or
user name, as given), ``run_id``, ``details`` (a JSON object), ``vorige`` (the hash of the entry
before it; 64 zeros for the first), ``hash``, the SHA-256 of the canonical JSON of the entry
without ``hash`` and ``mac``, and ``mac``, the HMAC-SHA256 of that hash under the audit key.

**Why a chain and a head.** Editing an entry breaks its own hash; removing or reordering entries
breaks the ``seq`` numbering and the ``vorige`` links. Removing the *last* entries leaves a shorter
chain that is still intact, so beside the log a head file (``<log>.head``) records the ``seq`` and
``hash`` of the last entry; it is replaced atomically after every append, once the log itself is on
disk. A log is also required to be *exactly* the canonical serialisation of its entries, so that an
edit which keeps the parsed content (``1E+16`` for ``1e+16``, ``\u001F`` for ``\u001f``) is caught
too: every altered byte is detected.

**The key: tamper evidence against write access to the folder.** A hash chain alone has no secret:
whoever can write the folder can remove entries, recompute every hash and the head, and the chain
verifies. So every entry and the head file carry an HMAC-SHA256 under a key the folder does not
hold (:func:`load_key`): ``VASTGOED_AUDIT_KEY_FILE`` names a file outside the log's folder (refused
inside it), or ``VASTGOED_AUDIT_KEY`` holds the key itself; at least 32 characters. The key is
held by the municipality's operations (like the database password), never in ``governance/`` or in
the repository; whoever holds it can write entries, so the batch, the web application and the
reviewers' command line run with it, and a person with only access to the folder does not have it.
Appending and verifying both need it: an entry or head whose MAC does not verify (an entry written,
edited or re-chained without the key) is a problem that names the entry.

**The anchor: a second place for the head.** The MAC does not stop someone from putting back an
older log together with its (genuine) older head file: a truncation. So after every append the
checkpoint (``seq``, ``hash``, its MAC) is also written to an :class:`Anchor`: the web
application's database (table ``audit_anker``, append-only: triggers refuse UPDATE and DELETE, in
PostgreSQL also TRUNCATE, and UPDATE/DELETE/TRUNCATE are revoked from PUBLIC), see
:mod:`vastgoed.ethics.anchor`. Verification reads the latest anchored checkpoint, checks its MAC,
and requires the log to hold that entry with that hash: a log truncated or rewritten below the
anchored head no longer verifies. The head file records whether it was anchored (``anker``), so a
log whose database was removed does not verify as unanchored. The anchor is a second place only
when the database lies outside the folder (PostgreSQL, or a SQLite file elsewhere): the default
SQLite file in ``OUT/governance`` can be replaced with the folder.

**Appending** (:meth:`AuditLog.append`) takes an exclusive ``flock`` on ``<log>.lock``, so processes
cannot interleave, and verifies the whole log first: an entry is never chained onto a log that does
not verify, since that would paper over the tampering. :func:`verify` never raises on a corrupt log;
it lists the problems, each naming the entry and its line.

**Crash recovery: a rule, like a write-ahead log's.** An append is three writes in this order: the
entry line (one ``write``, then ``fsync``), the head file (written aside, ``fsync``, renamed), the
anchor. A crash between them leaves one of two windows, and the next append, or
:meth:`AuditLog.verify` on a log that does not verify (``vastgoed audit verify``, a run's check,
every web page), applies the rule under the exclusive lock before anything else:

* the bytes after the entry the head file records are at most one line (an append writes one
  line before it moves the head, and appends are serialised by the lock); if that line is
  **complete** (it ends in a newline), parses, chains onto the head's entry and its hash and MAC
  verify, the append is **rolled forward**: the line is synced, the head moved onto it, the anchor
  given the new checkpoint;
* **anything less** (a line without its newline, one that does not parse, chain or verify) is
  **rolled back**: the log is truncated to the end of the head's entry and synced;
* either way the recovery is recorded as its own entry, ``herstel`` (direction, entry, and for a
  roll-back the number and SHA-256 of the bytes removed);
* nothing the head file or the anchor already covers is ever rolled back: the state recovery
  would leave is verified (chain, MACs, head, anchor) before it is written, and when it would not
  verify, or more than one line follows the head, or the head file is unusable, nothing is changed
  and verification reports the problems. A log shorter than its head or its anchored head is
  truncation, not a crash.

A crash after the head but before the anchor needs no recovery: the anchor may lag the head (the
next append anchors a later checkpoint). ``tests/e2e/test_crash_safety.py`` kills appends in both
windows (:mod:`vastgoed.core.faults`).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NoReturn, Protocol

from vastgoed.core.errors import VastgoedError
from vastgoed.core.faults import fault_point

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "Anchor",
    "AuditEntry",
    "AuditLog",
    "AuditLogError",
    "Checkpoint",
    "Recovery",
    "VerifyResult",
    "checkpoint_mac",
    "load_key",
    "verify",
]

_LOG = logging.getLogger(__name__)
_ZERO_HASH = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset({"seq", "tijd", "actie", "actor", "run_id", "details", "vorige", "hash", "mac"})
_HEAD_FIELDS = frozenset({"seq", "hash", "mac", "anker"})
#: The environment variable naming the key file (outside the log's folder), and the one holding the key.
KEY_FILE_ENV = "VASTGOED_AUDIT_KEY_FILE"
KEY_ENV = "VASTGOED_AUDIT_KEY"
_MIN_KEY = 32


class AuditLogError(VastgoedError):
    """The audit log cannot be read, or may not be appended to because it does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the log at one moment: its last entry's ``seq`` and ``hash``, and their MAC."""

    seq: int
    hash: str
    mac: str


class Anchor(Protocol):
    """A second, append-only place for the log's checkpoints (the web application's database)."""

    def latest(self) -> Checkpoint | None:
        """The checkpoint anchored last (highest ``seq``); None when none was."""
        ...

    def record(self, checkpoint: Checkpoint) -> None:
        """Anchor a checkpoint (one with a ``seq`` not above the latest's may be ignored)."""
        ...


def load_key(log_path: Path) -> bytes:
    """The audit key: from the file ``$VASTGOED_AUDIT_KEY_FILE`` names, else ``$VASTGOED_AUDIT_KEY``.

    Raises:
        AuditLogError: No key is configured, the key file lies inside the log's folder or cannot be
            read, or the key has fewer than 32 characters.
    """
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    if named:
        key_file = Path(named).resolve()
        folder = Path(log_path).resolve().parent
        if key_file.is_relative_to(folder):
            raise AuditLogError(
                f"${KEY_FILE_ENV} points into the audit log's folder {folder}: whoever can write the "
                "log could then read the key; keep the key file where operations alone can read it"
            )
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise AuditLogError(f"${KEY_FILE_ENV}: the audit key file cannot be read: {exc}") from exc
        source = f"the key file ${KEY_FILE_ENV}"
    else:
        key = os.environ.get(KEY_ENV, "").strip().encode("utf-8")
        source = f"${KEY_ENV}"
        if not key:
            raise AuditLogError(
                f"no audit key: set ${KEY_FILE_ENV} to a file outside the log's folder, or ${KEY_ENV} "
                "(at least 32 characters, held by operations); the log is neither written nor "
                "verified without it"
            )
    if len(key) < _MIN_KEY:
        raise AuditLogError(f"{source} holds fewer than {_MIN_KEY} characters: not a usable audit key")
    return key


def checkpoint_mac(key: bytes, seq: int, entry_hash: str) -> str:
    """The MAC of a checkpoint (head file, anchored row): HMAC-SHA256 over ``head``, seq and hash."""
    return _mac(key, f"head\x00{seq}\x00{entry_hash}")


def _entry_mac(key: bytes, entry_hash: str) -> str:
    return _mac(key, f"entry\x00{entry_hash}")


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log, as stored.

    Attributes:
        seq: Position in the log, 1-based and consecutive.
        tijd: When it was appended: UTC, ISO-8601 to the second (``2025-01-01T12:00:00+00:00``).
        actie: What happened (``"run"``, ``"review"``, ``"release"``, ``"verdict"``, ``"purge"``, ...).
        actor: Who did it: a role and/or user name, as given.
        run_id: The run concerned, if any.
        details: Free-form facts of the action (a JSON object).
        vorige: Hash of the entry before it; 64 zeros for the first entry.
        hash: SHA-256 (hex) of the canonical JSON of this entry without ``hash`` and ``mac``.
        mac: HMAC-SHA256 (hex) of ``hash`` under the audit key.
    """

    seq: int
    tijd: str
    actie: str
    actor: str
    run_id: str | None
    details: Mapping[str, Any]
    vorige: str
    hash: str
    mac: str

    def to_dict(self) -> dict[str, Any]:
        """The entry as a plain dict, the JSON object stored on its line."""
        return {
            "seq": self.seq,
            "tijd": self.tijd,
            "actie": self.actie,
            "actor": self.actor,
            "run_id": self.run_id,
            "details": copy.deepcopy(dict(self.details)),
            "vorige": self.vorige,
            "hash": self.hash,
            "mac": self.mac,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify`.

    Attributes:
        ok: True when the log, its chain and its head file are intact.
        n_entries: Number of entry lines in the log, readable or not.
        problems: One human-readable sentence per problem, each naming the entry and line.
        recovered: What :meth:`AuditLog.verify` rolled forward or back before verifying, if anything.
    """

    ok: bool
    n_entries: int
    problems: list[str]
    recovered: tuple[str, ...] = ()


class AuditLog:
    """An append-only, hash-chained audit log in one JSON Lines file.

    Args:
        path: The log file; its head file is ``<path>.head`` and its lock file ``<path>.lock``.
        clock: Returns the current time, timezone-aware; defaults to the system clock in UTC.
        key: The audit key; default :func:`load_key` (read when first needed).
        anchor: Where checkpoints are anchored besides the head file, if anywhere.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        key: bytes | None = None,
        anchor: Anchor | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock if clock is not None else _utc_now
        self._key = key
        self.anchor = anchor

    @property
    def key(self) -> bytes:
        """The audit key (see :func:`load_key`)."""
        if self._key is None:
            self._key = load_key(self.path)
        return self._key

    def append(
        self,
        actie: str,
        *,
        actor: str,
        run_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry, chained to the current last entry, and update the head file.

        Args:
            actie: What happened, e.g. ``"run"``, ``"review"``, ``"release"``, ``"verdict"``, ``"purge"``.
            actor: Who did it (role and/or user name).
            run_id: The run concerned, if any.
            details: Facts of the action; must be JSON-serialisable (stored as a JSON object).

        Returns:
            The entry as written.

        Raises:
            AuditLogError: If an argument is invalid, the log does not verify, or writing fails.
        """
        _require_text("actie", actie)
        _require_text("actor", actor)
        if run_id is not None:
            _require_text("run_id", run_id)
        stored_details = _normalise_details(details)
        key = self.key
        with self._locked():
            # The last entry is read under the lock: another process may have appended meanwhile.
            result, last = _inspect(self.path, key, self.anchor)
            if not result.ok and self._recover_locked(key) is not None:
                result, last = _inspect(self.path, key, self.anchor)
            if not result.ok:
                raise AuditLogError(
                    f"audit log {self.path} does not verify ({len(result.problems)} problem(s), the "
                    f"first: {result.problems[0]}); nothing was appended. Run `vastgoed audit verify "
                    f"{self.path}` for the full list."
                )
            return self._write_entry(last, actie, actor, run_id, stored_details)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the exclusive ``flock`` on ``<log>.lock`` (created with its folder when absent)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(_lock_path(self.path), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path}: cannot open its lock file: {exc}") from exc
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock_fd)  # closing the descriptor releases the flock

    def _write_entry(
        self, last: AuditEntry | None, actie: str, actor: str, run_id: str | None, details: dict[str, Any]
    ) -> AuditEntry:
        """Write one entry after ``last`` (under the lock, on a log that verifies): line, head, anchor."""
        key = self.key
        body: dict[str, Any] = {
            "seq": last.seq + 1 if last is not None else 1,
            # Read under the lock, so that the times follow the order of the entries.
            "tijd": self._timestamp(),
            "actie": actie,
            "actor": actor,
            "run_id": run_id,
            "details": details,
            "vorige": last.hash if last is not None else _ZERO_HASH,
        }
        body["hash"] = _entry_hash(body)
        body["mac"] = _entry_mac(key, body["hash"])
        line = _encode_line(body)
        checkpoint = Checkpoint(body["seq"], body["hash"], checkpoint_mac(key, body["seq"], body["hash"]))
        try:
            _append_durably(self.path, line, created=last is None)
            fault_point(f"audit.na_regel.{actie}")  # window 1: the line is on disk, the head is not
            _write_head(self.path, checkpoint, anchored=self.anchor is not None)
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path}: cannot append entry {body['seq']}: {exc}") from exc
        fault_point(f"audit.na_kop.{actie}")  # window 2: the head is written, the anchor is not
        self._anchor(checkpoint)
        return _entry_from_dict(body)

    def recover(self) -> Recovery | None:
        """Apply the recovery rule (see the module's text) to the log's tail, under the lock.

        Returns:
            What was rolled forward or back (also appended as a ``herstel`` entry); None when the
            tail needed nothing, or when what is wrong is no interrupted append (verify reports it).

        Raises:
            AuditLogError: The log or its lock file cannot be written.
        """
        if not self.path.is_file():
            return None
        with self._locked():
            return self._recover_locked(self.key)

    def _recover_locked(self, key: bytes) -> Recovery | None:
        try:
            recovery = _recover_tail(self.path, key, self.anchor)
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path}: recovery cannot write: {exc}") from exc
        if recovery is None:
            return None
        if recovery.checkpoint is not None:
            self._anchor(recovery.checkpoint)
        _LOG.warning("audit log %s: %s", self.path, recovery.describe())
        result, last = _inspect(self.path, key, self.anchor)
        if result.ok:
            self._write_entry(last, "herstel", "auditlog:herstel", None, recovery.details())
        return recovery

    def _anchor(self, checkpoint: Checkpoint) -> None:
        """Anchor the new head; the entry is written already, so a failure is reported, not raised.

        The next append anchors a later checkpoint; until then the anchor lags, which verification
        allows (the log must extend the anchored head, not equal it).
        """
        if self.anchor is None:
            return
        try:
            self.anchor.record(checkpoint)
        except Exception as exc:  # the anchor's own errors (a database); the entry is in the log
            _LOG.warning("audit log %s: entry %s not anchored: %s", self.path, checkpoint.seq, exc)

    def entries(self) -> list[AuditEntry]:
        """All entries, in file order, without checking the chain (use :func:`verify` for that).

        Raises:
            AuditLogError: If the log cannot be read, or a line is not a well-formed entry (naming it).
        """
        data = _read_log(self.path)
        out: list[AuditEntry] = []
        for number, raw in enumerate(_split_lines(data)[0], start=1):
            parsed = _parse_line(raw)
            if isinstance(parsed, str):
                raise AuditLogError(f"audit log {self.path}, line {number}: {parsed}")
            out.append(parsed[0])
        return out

    def verify(self) -> VerifyResult:
        """Verify this log with its key and anchor (see :func:`verify`), after recovery if it needs it.

        A log that does not verify is first given to :meth:`recover`: an append interrupted by a
        crash is completed or undone (and logged), and the log verified again. A log that cannot be
        written (a read-only copy) is verified as it is.
        """
        result = verify(self.path, key=self.key, anchor=self.anchor)
        if result.ok:
            return result
        try:
            recovery = self.recover()
        except AuditLogError as exc:
            _LOG.warning("%s", exc)
            return result
        if recovery is None:
            return result
        again = verify(self.path, key=self.key, anchor=self.anchor)
        return dataclasses.replace(again, recovered=(recovery.describe(),))

    def verified_entries(self) -> tuple[VerifyResult, list[AuditEntry]]:
        """Verify this log and, when it verifies, return its entries (parsed once, see ``_VERIFIED``).

        Returns:
            The verdict, and the entries in file order (empty when the log does not verify).
        """
        result = self.verify()
        cached = _VERIFIED.get(_cache_key(self.path, self.key)) if result.ok else None
        if not result.ok:
            return result, []
        return result, list(cached.entries) if cached is not None else []

    def _timestamp(self) -> str:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise AuditLogError("the audit log's clock returned a naive datetime; it must be timezone-aware")
        return now.astimezone(UTC).isoformat(timespec="seconds")


def verify(path: Path, *, key: bytes | None = None, anchor: Anchor | None = None) -> VerifyResult:
    """Check an audit log: every entry's hash and MAC, the chain, the numbering, the head file and anchor.

    Never raises on a corrupt log: each problem is reported in :attr:`VerifyResult.problems`, naming
    the entry (``seq``; for an unreadable line, the ``seq`` expected there) and its line number. An
    absent log without a head file is a valid empty log.

    Args:
        path: The log file.
        key: The audit key; default :func:`load_key`.
        anchor: The second place of the head, if any: the log must hold its latest checkpoint.

    Returns:
        The verdict, the number of entry lines and the problems found.

    Raises:
        AuditLogError: If the input is unusable: its folder does not exist, or the log is not a
            readable file; or no audit key is configured.
    """
    path = Path(path)
    key = key if key is not None else load_key(path)
    lock = _lock_path(path)
    try:
        # A shared lock so that an append in progress is not mistaken for a truncation; a log that
        # has never been appended to has no lock file, and verifying must not create one.
        lock_fd = os.open(lock, os.O_RDONLY) if lock.is_file() else None
    except OSError:
        lock_fd = None
    try:
        if lock_fd is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_SH)
        return _inspect(path, key, anchor)[0]
    finally:
        if lock_fd is not None:
            os.close(lock_fd)


@dataclass(frozen=True)
class _Verified:
    """A prefix of a log that verified: its length, SHA-256 and entries (this process's memory)."""

    size: int
    digest: bytes
    entries: tuple[AuditEntry, ...]


#: Per log file, the longest prefix this process has verified. A later verification re-hashes that
#: prefix (SHA-256 of the bytes: milliseconds for 50,000 entries) and, when it is unchanged, parses
#: and checks only the entries appended since; any other change is verified from the start. So every
#: byte is still checked each time, but each entry is parsed once (a full parse costs about 23 µs an
#: entry, which made every append and every page slower as the log grew).
_VERIFIED: dict[str, _Verified] = {}


def _cache_key(path: Path, key: bytes) -> str:
    """Per log file and key: a prefix verified under one key says nothing about another."""
    return f"{Path(path).resolve()}\x00{hashlib.sha256(key).hexdigest()}"


def _inspect(
    path: Path,
    key: bytes,
    anchor: Anchor | None,
    *,
    data: bytes | None = None,
    head: _Head | None = None,
) -> tuple[VerifyResult, AuditEntry | None]:
    """Verify without locking; also return the last entry when the log verifies.

    ``data`` and ``head`` stand in for the log's bytes and head file when given: recovery checks the
    state it would leave before it writes it.
    """
    data = _read_log(path) if data is None else data
    cache_key = _cache_key(path, key)
    known_prefix = _VERIFIED.get(cache_key)
    start = 0
    before: tuple[AuditEntry, ...] = ()
    running = hashlib.sha256()  # the whole file's hash, built on the prefix's (one pass over the bytes)
    if known_prefix is not None and len(data) >= known_prefix.size:
        prefix = hashlib.sha256(data[: known_prefix.size])
        if prefix.digest() == known_prefix.digest:
            start, before, running = known_prefix.size, known_prefix.entries, prefix
    running.update(data[start:])
    lines, terminated = _split_lines(data[start:])
    parsed = [_parse_line(raw) for raw in lines]
    offset = len(before)  # lines before the first one parsed here
    lines_of_seq: dict[int, list[int]] = {}
    for number, item in enumerate(parsed, start=offset + 1):
        if not isinstance(item, str):
            lines_of_seq.setdefault(item[0].seq, []).append(number)

    problems: list[str] = []
    # the entry on the line before, if that line was readable
    previous: AuditEntry | None = before[-1] if before else None
    known: tuple[int, int] | None = (offset, before[-1].seq) if before else None  # last readable
    for number, item in enumerate(parsed, start=offset + 1):
        if isinstance(item, str):
            expected = known[1] + number - known[0] if known is not None else number
            problems.append(f"entry {expected} (line {number}): {item}")
            previous = None
            continue
        entry, canonical = item
        label = f"entry {entry.seq} (line {number})"
        if _entry_hash(entry.to_dict()) != entry.hash:
            problems.append(f"{label}: hash does not match its contents")
        elif not _same(_entry_mac(key, entry.hash), entry.mac):
            problems.append(
                f"{label}: its MAC does not verify with the audit key (written, edited or re-chained "
                "without the key)"
            )
        if not canonical:
            problems.append(f"{label}: the line is not in canonical JSON form, so it was edited")
        if number == 1:
            problems.extend(_first_link_problems(label, entry))
        elif previous is not None:
            problems.extend(_link_problems(label, entry, previous, number - 1, lines_of_seq))
        previous, known = entry, (number, entry.seq)
    n_lines = offset + len(lines)
    if lines and not terminated:
        last = parsed[-1]
        seq = last[0].seq if not isinstance(last, str) else (known[1] + 1 if known else n_lines)
        label = f"entry {seq} (line {n_lines})"
        problems.append(f"{label}: the line has no newline at its end (an interrupted write?)")
    last_item: tuple[AuditEntry, bool] | str | None = (
        parsed[-1] if parsed else ((before[-1], True) if before else None)
    )
    head_read = _read_head(_head_path(path)) if head is None else head
    problems.extend(_head_problems(path, head_read, last_item, n_lines, key, anchor))
    entries = before + tuple(item[0] for item in parsed if not isinstance(item, str))
    problems.extend(_anchor_problems(anchor, entries, key))

    last_entry = last_item[0] if last_item is not None and not isinstance(last_item, str) else None
    result = VerifyResult(ok=not problems, n_entries=n_lines, problems=problems)
    if result.ok:
        _VERIFIED[cache_key] = _Verified(len(data), running.digest(), entries)
    else:
        _VERIFIED.pop(cache_key, None)
    return result, last_entry


@dataclass(frozen=True)
class Recovery:
    """What the recovery rule did to the log's tail (see the module's text).

    Attributes:
        richting: ``"vooruit"``: the head was moved onto a complete last entry; ``"terug"``: an
            incomplete or unverifiable last line was removed.
        seq: The entry rolled forward onto; or the entry the log ends with after the roll-back (0: none).
        removed_bytes: How many bytes were removed (0 when rolled forward).
        removed_sha256: The SHA-256 of the removed bytes, so that what was removed is on record.
        checkpoint: The new head when rolled forward (anchored too).
    """

    richting: Literal["vooruit", "terug"]
    seq: int
    removed_bytes: int = 0
    removed_sha256: str | None = None
    checkpoint: Checkpoint | None = None

    def describe(self) -> str:
        """One sentence saying what was done and why."""
        if self.richting == "vooruit":
            return (
                f"entry {self.seq} was complete but the head file did not record it yet (an interrupted "
                "append): the head was rolled forward onto it"
            )
        return (
            f"the line after entry {self.seq} was incomplete or did not verify ({self.removed_bytes} bytes, "
            "an interrupted append): it was rolled back"
        )

    def details(self) -> dict[str, Any]:
        """The ``herstel`` entry's details."""
        done: dict[str, Any] = {"richting": self.richting, "seq": self.seq}
        if self.richting == "terug":
            done |= {"verwijderd_bytes": self.removed_bytes, "verwijderd_sha256": self.removed_sha256}
        return done


def _recover_tail(path: Path, key: bytes, anchor: Anchor | None) -> Recovery | None:
    """Roll the log's tail forward or back when it is one interrupted append; None otherwise.

    Called under the exclusive lock. Only the bytes after the entry the head file records are
    considered, and only when they are at most one line: an append writes one line before it moves
    the head, under the lock, so a crash leaves at most one. The state recovery would leave is
    verified (chain, MACs, head, anchor) before it is written: nothing the head or the anchor covers
    is ever removed, and a log with other problems is left for :func:`verify` to report.
    """
    data = _read_log(path)
    head = _read_head(_head_path(path))
    if isinstance(head, str):
        return None  # the head file is replaced atomically: an unusable one is no crash
    covered = _covered_end(data, head)
    if covered is None:
        return None
    tail = data[covered:]
    if not tail or b"\n" in tail[:-1]:
        return None
    forward = _forward_head(path, key, anchor, data, tail)
    if forward is not None:
        with open(path, "rb") as handle:  # the entry is made durable before the head points at it
            os.fsync(handle.fileno())
        checkpoint = Checkpoint(forward.seq, forward.hash, forward.mac)
        _write_head(path, checkpoint, anchored=forward.anker)
        return Recovery("vooruit", forward.seq, checkpoint=checkpoint)
    if not _inspect(path, key, anchor, data=data[:covered])[0].ok:
        return None
    os.truncate(path, covered)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
    seq = head.seq if head is not None else 0
    return Recovery("terug", seq, len(tail), hashlib.sha256(tail).hexdigest())


def _covered_end(data: bytes, head: _Head | None) -> int | None:
    """The offset just after the line of the entry the head records; None when the log is shorter."""
    end = 0
    for _ in range(head.seq if head is not None else 0):
        newline = data.find(b"\n", end)
        if newline < 0:
            return None
        end = newline + 1
    return end


def _forward_head(path: Path, key: bytes, anchor: Anchor | None, data: bytes, tail: bytes) -> _Head | None:
    """The head onto the complete last line, when the log verifies with it; else None."""
    if not tail.endswith(b"\n"):
        return None
    parsed = _parse_line(tail[:-1])
    if isinstance(parsed, str):
        return None
    entry = parsed[0]
    head = _Head(entry.seq, entry.hash, checkpoint_mac(key, entry.seq, entry.hash), anker=anchor is not None)
    return head if _inspect(path, key, anchor, data=data, head=head)[0].ok else None


def _anchor_problems(anchor: Anchor | None, entries: tuple[AuditEntry, ...], key: bytes) -> list[str]:
    """The log must hold the anchored checkpoint: the entry of its ``seq``, with its hash."""
    if anchor is None:
        return []
    try:
        anchored = anchor.latest()
    except Exception as exc:  # the anchor's own errors (a database that cannot be read)
        return [f"the anchored head cannot be read ({exc}), so truncation cannot be ruled out"]
    if anchored is None:
        return []
    where = f"the head anchored in the database (entry {anchored.seq})"
    if not _same(checkpoint_mac(key, anchored.seq, anchored.hash), anchored.mac):
        return [f"{where}: its MAC does not verify with the audit key, so it was not written by the log"]
    held = {e.seq: e for e in entries}
    if anchored.seq not in held:
        n = max(held, default=0)
        return [f"{where}: the log holds only {n} entries, so entries were removed (truncated)"]
    if held[anchored.seq].hash != anchored.hash:
        return [f"{where}: the log's entry {anchored.seq} has another hash, so the log was rewritten"]
    return []


def _first_link_problems(label: str, entry: AuditEntry) -> list[str]:
    problems: list[str] = []
    if entry.seq != 1:
        problems.append(f"{label}: the log starts at entry {entry.seq}, so entries before it are missing")
    if entry.vorige != _ZERO_HASH:
        problems.append(f"{label}: 'vorige' of the first line is not 64 zeros, so entries before it are gone")
    return problems


def _link_problems(
    label: str,
    entry: AuditEntry,
    previous: AuditEntry,
    previous_line: int,
    lines_of_seq: dict[int, list[int]],
) -> list[str]:
    problems: list[str] = []
    before = f"entry {previous.seq} (line {previous_line})"
    if entry.seq != previous.seq + 1:
        missing = [s for s in range(previous.seq + 1, entry.seq) if s not in lines_of_seq]
        if missing:
            problems.append(f"{label}: {_entries_are(missing)} missing before it (it follows {before})")
        else:
            problems.append(f"{label}: out of order: it follows {before}")
    if entry.vorige != previous.hash:
        problems.append(f"{label}: 'vorige' does not match the hash of the line before it, {before}")
    return problems


def _head_problems(
    path: Path,
    head: _Head | str | None,
    last: tuple[AuditEntry, bool] | str | None,
    n_lines: int,
    key: bytes,
    anchor: Anchor | None,
) -> list[str]:
    head_path = _head_path(path)
    if isinstance(head, _Head):
        if not _same(checkpoint_mac(key, head.seq, head.hash), head.mac):
            return [f"the head file {head_path.name}: its MAC does not verify with the audit key"]
        if head.anker and anchor is None:
            return [
                f"the head file {head_path.name} was anchored in the web application's database, "
                "but no database is configured or found: set VASTGOED_DATABASE_URL as the web "
                "application has it (a removed database cannot rule out truncation)"
            ]
    if last is None:
        if head is None:
            return []
        if isinstance(head, str):
            return [f"the log has no entries and its head file {head_path.name} {head}"]
        return [
            f"the log has no entries but its head file records {head.seq}, so "
            f"{_entries_are(list(range(1, head.seq + 1)))} missing (the log was truncated or removed)"
        ]
    if isinstance(last, str):
        return []  # the unreadable last line is reported already; it cannot be compared with the head
    entry, number = last[0], n_lines
    label = f"entry {entry.seq} (line {number})"
    if head is None:
        return [
            f"{label}: the head file {head_path.name} is missing, so removal of the last entries "
            "cannot be ruled out"
        ]
    if isinstance(head, str):
        return [f"{label}: the head file {head_path.name} {head}"]
    head_seq, head_hash = head.seq, head.hash
    if head_seq > entry.seq:
        missing = _entries_are(list(range(entry.seq + 1, head_seq + 1)))
        return [
            f"{label}: the head file records {head_seq} entries, so {missing} missing after it (truncated)"
        ]
    if head_seq < entry.seq:
        return [
            f"{label}: the head file records only {head_seq} entries, so entries were added without "
            "updating it, or the head file was altered"
        ]
    if head_hash != entry.hash:
        return [f"{label}: the head file records a different hash, so the entry or the head file was altered"]
    return []


def _entries_are(seqs: list[int]) -> str:
    """'entry 4 is', 'entries 3 to 5 are' or 'entries 2, 6 are', for a sorted list of entry numbers."""
    if len(seqs) == 1:
        return f"entry {seqs[0]} is"
    if seqs[-1] - seqs[0] == len(seqs) - 1:
        return f"entries {seqs[0]} to {seqs[-1]} are"
    return "entries " + ", ".join(str(s) for s in seqs) + " are"


@dataclass(frozen=True)
class _Head:
    """The head file: the last entry's seq and hash, their MAC, and whether it was anchored."""

    seq: int
    hash: str
    mac: str
    anker: bool


def _read_head(head_path: Path) -> _Head | str | None:
    """The head; None when absent; a reason (completing a sentence) when unusable."""
    try:
        text = head_path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({exc})"
    try:
        head = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        return f"is not valid JSON ({exc})"
    if (
        not isinstance(head, dict)
        or set(head) != _HEAD_FIELDS
        or not _is_int(head["seq"])
        or head["seq"] < 1
        or not isinstance(head["anker"], bool)
        or not all(isinstance(head[k], str) and _HEX64.fullmatch(head[k]) for k in ("hash", "mac"))
    ):
        return (
            'is not of the form {"anker": <true/false>, "hash": <64 hex digits>, "mac": <64 hex '
            'digits>, "seq": <entry number>}'
        )
    return _Head(seq=head["seq"], hash=head["hash"], mac=head["mac"], anker=head["anker"])


def _parse_line(raw: bytes) -> tuple[AuditEntry, bool] | str:
    """The entry on a line and whether the line is its canonical form; or why it is unreadable."""
    if not raw:
        return "the line is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the line is not valid UTF-8 ({exc.reason} at byte {exc.start + 1})"
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
        canonical = _canonical(obj)  # fails on a number too large for a float, such as 1e999
    except (ValueError, RecursionError) as exc:
        return f"the line is not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return "the line is not a JSON object"
    if set(obj) != _FIELDS:
        absent, extra = sorted(_FIELDS - set(obj)), sorted(set(obj) - _FIELDS)
        return f"the entry has missing fields {absent} or unknown fields {extra}"
    why = _field_problem(obj)
    if why is not None:
        return f"the entry's field {why}"
    return _entry_from_dict(obj), canonical == text


def _field_problem(obj: dict[str, Any]) -> str | None:
    if not _is_int(obj["seq"]) or obj["seq"] < 1:
        return "'seq' is not a positive integer"
    if not isinstance(obj["tijd"], str) or not _is_utc_timestamp(obj["tijd"]):
        return "'tijd' is not a UTC ISO-8601 timestamp"
    for name in ("actie", "actor"):
        if not isinstance(obj[name], str):
            return f"'{name}' is not a string"
    if obj["run_id"] is not None and not isinstance(obj["run_id"], str):
        return "'run_id' is neither a string nor null"
    if not isinstance(obj["details"], dict):
        return "'details' is not a JSON object"
    for name in ("vorige", "hash", "mac"):
        if not isinstance(obj[name], str) or not _HEX64.fullmatch(obj[name]):
            return f"'{name}' is not 64 lowercase hex digits"
    return None


def _entry_from_dict(obj: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=obj["seq"],
        tijd=obj["tijd"],
        actie=obj["actie"],
        actor=obj["actor"],
        run_id=obj["run_id"],
        details=obj["details"],
        vorige=obj["vorige"],
        hash=obj["hash"],
        mac=obj["mac"],
    )


def _is_utc_timestamp(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    offset = moment.utcoffset()
    return offset is not None and not offset


def _is_int(value: object) -> bool:
    # bool is a subclass of int, and true is no entry number
    return isinstance(value, int) and not isinstance(value, bool)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _entry_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the entry without ``hash`` and ``mac``."""
    unsealed = {key: value for key, value in body.items() if key not in ("hash", "mac")}
    return hashlib.sha256(_canonical(unsealed).encode("utf-8")).hexdigest()


def _encode_line(body: Mapping[str, Any]) -> bytes:
    try:
        return (_canonical(body) + "\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AuditLogError(f"audit entry cannot be stored as UTF-8: {exc}") from exc


def _normalise_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """The details as they will read back from the file, so the hash is computed over that."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise AuditLogError(f"audit details must be a mapping, not {type(details).__name__}")
    try:
        # Round-tripping turns tuples into lists and int keys into strings, as reading back will.
        normalised: dict[str, Any] = json.loads(
            json.dumps(dict(details), ensure_ascii=False, allow_nan=False), parse_constant=_reject_constant
        )
        _canonical(normalised).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise AuditLogError(f"audit details are not JSON-serialisable: {exc}") from exc
    return normalised


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise AuditLogError(f"audit entry needs a non-empty string for {name!r}, got {value!r}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _read_log(path: Path) -> bytes:
    if not path.parent.is_dir():
        raise AuditLogError(f"audit log {path}: its folder {path.parent} does not exist")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise AuditLogError(f"audit log {path} cannot be read: {exc}") from exc


def _split_lines(data: bytes) -> tuple[list[bytes], bool]:
    """The lines of the log, and whether the last one ends in a newline."""
    if not data:
        return [], True
    lines = data.split(b"\n")
    terminated = lines[-1] == b""
    if terminated:
        lines.pop()
    return lines, terminated


def _append_durably(path: Path, line: bytes, *, created: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        written = 0
        while written < len(line):
            written += os.write(fd, line[written:])
        # The log must be on disk before the head points at the new entry, or a crash in between
        # would leave a head that claims an entry the log does not have.
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def _write_head(path: Path, checkpoint: Checkpoint, *, anchored: bool) -> None:
    head_path = _head_path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{head_path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            head = {"seq": checkpoint.seq, "hash": checkpoint.hash, "mac": checkpoint.mac, "anker": anchored}
            handle.write((_canonical(head) + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, head_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes a created or replaced file's directory entry durable, not just its contents.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
