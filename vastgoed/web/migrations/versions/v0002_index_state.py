"""How far the audit-log index has read: ``index_stand`` (one row: the last entry's seq and hash).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table; the index is rebuilt from the log on the next page (it may always be)."""
    op.create_table(
        "index_stand",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute("DELETE FROM index_besluiten")
    op.execute("DELETE FROM index_verdicten")


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("index_stand")
