"""The web store's first schema: accounts, sessions, login attempts, the audit-log index.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("naam", sa.String(64), nullable=False, unique=True),
        sa.Column("rol", sa.String(16), nullable=False),
        sa.Column("wachtwoord_hash", sa.String(255), nullable=True),
        sa.Column("actief", sa.Boolean, nullable=False),
        sa.Column("aangemaakt", sa.Float, nullable=False),
    )
    op.create_table(
        "sessies",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("aangemaakt", sa.Float, nullable=False),
        sa.Column("laatst_gezien", sa.Float, nullable=False),
    )
    op.create_table(
        "inlogpogingen",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("naam", sa.String(64), nullable=False, index=True),
        sa.Column("adres", sa.String(64), nullable=False, index=True),
        sa.Column("tijd", sa.Float, nullable=False),
        sa.Column("gelukt", sa.Boolean, nullable=False),
    )
    op.create_table(
        "index_besluiten",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("run_id", sa.String(64), nullable=False, index=True),
        sa.Column("actie", sa.String(16), nullable=False),
        sa.Column("besluit", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("tijd", sa.String(32), nullable=False),
    )
    op.create_table(
        "index_verdicten",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("run_id", sa.String(64), nullable=False, index=True),
        sa.Column("verblijfsobject_id", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer, nullable=True),
        sa.Column("uitkomst", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("tijd", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop the tables."""
    for table in ("index_verdicten", "index_besluiten", "inlogpogingen", "sessies", "accounts"):
        op.drop_table(table)
