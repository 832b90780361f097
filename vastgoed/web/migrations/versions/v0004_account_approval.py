"""Accounts: a one-time password flag and the second beheerder's approval (issue 22).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns; existing accounts keep their password and count as approved."""
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("tijdelijk_wachtwoord", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("goedgekeurd", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("verzocht_door", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("accounts") as batch:
        for column in ("verzocht_door", "goedgekeurd", "tijdelijk_wachtwoord"):
            batch.drop_column(column)
