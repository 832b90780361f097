"""The web application's store: accounts, sessions, login attempts and an index of the audit log.

SQLAlchemy over an embedded SQLite file by default, PostgreSQL when a URL is configured; the schema
is created and upgraded by Alembic (:func:`migrate`, run at start-up). **The audit log stays the
record**: decisions, releases and verdicts are made by :mod:`vastgoed.ethics.review` and appended
there; the tables ``index_besluiten`` and ``index_verdicten`` only copy them (keyed by the audit
entry's ``seq``) so that the ranked list can be filtered by verdict without reading the whole log.
They are brought up to date from the log (:func:`sync_index`), so verdicts given on the command
line appear too, and can be dropped and rebuilt at any time. ``index_stand`` remembers the ``seq``
and hash of the last entry copied, so each page copies only what was appended since.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    create_engine,
    delete,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from vastgoed.ethics.auditlog import AuditEntry

__all__ = [
    "PRIVILEGED",
    "ROLES",
    "Account",
    "Base",
    "DecisionRow",
    "IndexState",
    "LoginAttempt",
    "VerdictRow",
    "WebSession",
    "make_engine",
    "migrate",
    "sync_index",
]

#: The web application's roles: analysts, the moral-deliberation board, administrators.
ROLES: tuple[str, ...] = ("analist", "reviewer", "beheerder")
#: Roles that a beheerder cannot give, nor reset the password of, alone: a second beheerder approves.
PRIVILEGED: frozenset[str] = frozenset({"reviewer", "beheerder"})
_MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class Account(Base):
    """A local account (a person of the municipality's staff), with one role.

    A ``reviewer`` or ``beheerder`` account made in the web application, and such an account whose
    password a beheerder resets, waits (``goedgekeurd`` False) until a second beheerder, not the
    one who asked (``verzocht_door``), approves it and sets its one-time password.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    naam: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    rol: Mapped[str] = mapped_column(String(16), nullable=False)
    wachtwoord_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    actief: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    aangemaakt: Mapped[float] = mapped_column(Float, nullable=False)
    #: A one-time password (set by a beheerder): the next login leads only to the change page.
    tijdelijk_wachtwoord: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: False while a second beheerder has to approve the account (a privileged role, or a reset).
    goedgekeurd: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: The beheerder who asked for the pending approval; they cannot give it themselves.
    verzocht_door: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WebSession(Base):
    """A login session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "sessies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    aangemaakt: Mapped[float] = mapped_column(Float, nullable=False)
    laatst_gezien: Mapped[float] = mapped_column(Float, nullable=False)


class LoginAttempt(Base):
    """One login attempt, for the rate limit (account name as typed, client address)."""

    __tablename__ = "inlogpogingen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    naam: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    adres: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    tijd: Mapped[float] = mapped_column(Float, nullable=False)
    gelukt: Mapped[bool] = mapped_column(Boolean, nullable=False)


class DecisionRow(Base):
    """A copy of a ``review`` or ``release`` entry of the audit log."""

    __tablename__ = "index_besluiten"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    actie: Mapped[str] = mapped_column(String(16), nullable=False)
    besluit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    tijd: Mapped[str] = mapped_column(String(32), nullable=False)


class VerdictRow(Base):
    """A copy of a ``verdict`` entry of the audit log."""

    __tablename__ = "index_verdicten"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    verblijfsobject_id: Mapped[str] = mapped_column(String(16), nullable=False)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uitkomst: Mapped[str] = mapped_column(String(32), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    tijd: Mapped[str] = mapped_column(String(32), nullable=False)
    #: The day the outcome was found (ISO) and the phenomenon found, as the verdict gave them.
    datum: Mapped[str | None] = mapped_column(String(10), nullable=True)
    fenomeen: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IndexState(Base):
    """How far the index has copied the audit log: the ``seq`` and hash of the last entry read."""

    __tablename__ = "index_stand"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder and a busy timeout (several threads).

    A new SQLite file is created owner-only (0600, its folder 0700) before SQLite opens it: it
    holds the password hashes, and SQLite gives its journal and WAL files the same mode.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _private_file(Path(path))
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    return create_engine(url, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    path.chmod(0o600)


def migrate(engine: Engine) -> None:
    """Bring the store's schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def sync_index(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Copy the review, release and verdict entries appended to the audit log since the last call.

    ``entries`` is a verified log (``seq`` 1, 2, 3, ... in order), so the entries after the one
    remembered in ``index_stand`` are a slice: a page costs the entries appended since, not the log.
    A log whose remembered entry is gone or has another hash (a log replaced by a new one) rebuilds
    the index. Two requests syncing at once: the state row is moved by a compare-and-set, and the
    one that loses rolls back (the other copied the same entries).
    """
    state = session.get(IndexState, 1)
    done, done_hash = (state.seq, state.hash) if state is not None else (0, "")
    if state is not None and (done > len(entries) or (done and entries[done - 1].hash != done_hash)):
        session.execute(delete(DecisionRow))
        session.execute(delete(VerdictRow))
        session.execute(delete(IndexState))
        session.commit()
        state, done = None, 0
    if done == len(entries):
        return
    newest = entries[-1]
    try:
        if state is None:
            session.add(IndexState(id=1, seq=newest.seq, hash=newest.hash))
            session.flush()
        else:
            moved = session.execute(
                update(IndexState)
                .where(IndexState.id == 1, IndexState.seq == state.seq, IndexState.hash == state.hash)
                .values(seq=newest.seq, hash=newest.hash)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                return
        for e in entries[done:]:
            _index_entry(session, e)
        session.commit()
    except IntegrityError:  # another request copied the same entries first
        session.rollback()
    session.expire_all()


def _index_entry(session: Session, e: AuditEntry) -> None:
    if e.run_id is None:
        return
    if e.actie in ("review", "release"):
        session.add(
            DecisionRow(
                seq=e.seq,
                run_id=e.run_id,
                actie=e.actie,
                besluit=str(e.details.get("decision")) if e.actie == "review" else None,
                actor=e.actor[:128],
                tijd=e.tijd,
            )
        )
    elif e.actie == "verdict":
        rank = e.details.get("rank")
        session.add(
            VerdictRow(
                seq=e.seq,
                run_id=e.run_id,
                verblijfsobject_id=str(e.details.get("verblijfsobject_id")),
                rank=int(rank) if isinstance(rank, int | float) else None,
                uitkomst=str(e.details.get("outcome")),
                actor=e.actor[:128],
                tijd=e.tijd,
                datum=str(e.details["datum"])[:10] if e.details.get("datum") else None,
                fenomeen=str(e.details["fenomeen"])[:64] if e.details.get("fenomeen") else None,
            )
        )
