"""Alembic environment of the web store: runs on the connection :func:`vastgoed.web.store.migrate` gives."""

from __future__ import annotations

from alembic import context

from vastgoed.web.store import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through vastgoed.web.store.migrate
    raise RuntimeError("run the web store's migrations through vastgoed.web.store.migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
