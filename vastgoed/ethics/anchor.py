"""The second place of the audit log's head: an append-only table in the web application's database.

After every append the audit log writes its checkpoint (``seq``, ``hash``, MAC) to the table
``audit_anker``; verification requires the log to hold the latest anchored checkpoint (see
:mod:`vastgoed.ethics.auditlog`). The table is created by the web store's migration ``0003``, which
makes it append-only: in SQLite triggers refuse UPDATE and DELETE; in PostgreSQL a trigger refuses
UPDATE, DELETE and TRUNCATE and those privileges are revoked from PUBLIC (grant the application's
role INSERT and SELECT only).

Which database: the one :func:`use_database` registered for an output folder (the web application
registers its own), else ``$VASTGOED_DATABASE_URL``, else the web application's default SQLite file
``OUT/governance/web.sqlite`` when it exists. That default lies in the log's own folder, so it
guards against accidents and careless tampering only; configure PostgreSQL (or a file elsewhere)
for an anchor that whoever can write the folder cannot rewrite.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, insert, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from vastgoed.ethics.auditlog import AuditLogError, Checkpoint

__all__ = ["ANCHOR_TABLE", "SqlAnchor", "anchor_for", "use_database"]

_METADATA = MetaData()
#: The anchored checkpoints; rows are only ever inserted.
ANCHOR_TABLE = Table(
    "audit_anker",
    _METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Column("tijd", Float, nullable=False),
)
_DEFAULT_SQLITE = "web.sqlite"
_REGISTERED: dict[Path, str] = {}
_ENGINES: dict[str, Engine] = {}


class SqlAnchor:
    """Checkpoints in the table ``audit_anker`` of a SQLAlchemy database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __repr__(self) -> str:
        return f"SqlAnchor({self._engine.url.render_as_string(hide_password=True)})"

    def _require_table(self) -> None:
        if not inspect(self._engine).has_table(ANCHOR_TABLE.name):
            raise AuditLogError(
                f"the database {self._engine.url.render_as_string(hide_password=True)} has no table "
                f"{ANCHOR_TABLE.name}: start the web application once (`vastgoed serve`) to migrate it"
            )

    def latest(self) -> Checkpoint | None:
        """The anchored checkpoint with the highest ``seq``."""
        self._require_table()
        with self._engine.connect() as conn:
            row = conn.execute(
                select(ANCHOR_TABLE.c.seq, ANCHOR_TABLE.c.hash, ANCHOR_TABLE.c.mac)
                .order_by(ANCHOR_TABLE.c.seq.desc())
                .limit(1)
            ).first()
        return None if row is None else Checkpoint(seq=int(row[0]), hash=str(row[1]), mac=str(row[2]))

    def record(self, checkpoint: Checkpoint) -> None:
        """Insert the checkpoint; one for a ``seq`` anchored before (another process) is left alone."""
        self._require_table()
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(ANCHOR_TABLE).values(
                        seq=checkpoint.seq, hash=checkpoint.hash, mac=checkpoint.mac, tijd=time.time()
                    )
                )
        except IntegrityError:
            pass  # anchored already: verification compares the log with what the table holds


def use_database(out_dir: Path, url: str) -> None:
    """Anchor the audit log of ``out_dir`` in the database at ``url`` (the web application's own)."""
    _REGISTERED[Path(out_dir).resolve()] = url


def anchor_for(out_dir: Path) -> SqlAnchor | None:
    """The anchor of the audit log of ``out_dir``: see the module's text for which database; None without."""
    url = _REGISTERED.get(Path(out_dir).resolve()) or os.environ.get("VASTGOED_DATABASE_URL", "").strip()
    if not url:
        default = Path(out_dir).resolve() / "governance" / _DEFAULT_SQLITE
        if not default.is_file():
            return None
        url = f"sqlite:///{default}"
    engine = _ENGINES.get(url)
    if engine is None:
        connect_args = {"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {}
        engine = _ENGINES[url] = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    return SqlAnchor(engine)
