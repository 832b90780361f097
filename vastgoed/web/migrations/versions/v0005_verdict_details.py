"""The verdict index keeps the day found and the phenomenon found (issue 23: the verdict history).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns; the index is rebuilt from the audit log on the next page (it may always be)."""
    op.add_column("index_verdicten", sa.Column("datum", sa.String(10), nullable=True))
    op.add_column("index_verdicten", sa.Column("fenomeen", sa.String(64), nullable=True))
    op.execute("DELETE FROM index_besluiten")
    op.execute("DELETE FROM index_verdicten")
    op.execute("DELETE FROM index_stand")


def downgrade() -> None:
    """Drop the columns."""
    op.drop_column("index_verdicten", "fenomeen")
    op.drop_column("index_verdicten", "datum")
