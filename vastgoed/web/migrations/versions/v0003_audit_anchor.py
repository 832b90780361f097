"""The audit log's anchor: ``audit_anker``, an append-only table of the log's checkpoints.

Revision ID: 0003
Revises: 0002

Rows are only inserted (:class:`vastgoed.ethics.anchor.SqlAnchor`). SQLite: triggers refuse UPDATE
and DELETE. PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE, and those privileges are
revoked from PUBLIC; the application's role needs INSERT and SELECT only, and the table's owner
should be another role (operations), so that the application cannot drop the triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE = [
    f"CREATE TRIGGER audit_anker_geen_{verb.lower()} BEFORE {verb} ON audit_anker "
    "BEGIN SELECT RAISE(ABORT, 'audit_anker is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRESQL = [
    "CREATE FUNCTION audit_anker_alleen_toevoegen() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_anker is append-only'; END $$",
    "CREATE TRIGGER audit_anker_geen_wijziging BEFORE UPDATE OR DELETE ON audit_anker "
    "FOR EACH ROW EXECUTE FUNCTION audit_anker_alleen_toevoegen()",
    "CREATE TRIGGER audit_anker_geen_truncate BEFORE TRUNCATE ON audit_anker "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_anker_alleen_toevoegen()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_anker FROM PUBLIC",
]


def upgrade() -> None:
    """Create the table and make it append-only."""
    op.create_table(
        "audit_anker",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("tijd", sa.Float, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE if dialect == "sqlite" else _POSTGRESQL if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    """Drop the table (its triggers go with it; the PostgreSQL function too)."""
    op.drop_table("audit_anker")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_anker_alleen_toevoegen()")
