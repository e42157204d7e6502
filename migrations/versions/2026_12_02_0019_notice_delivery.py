"""notice delivery: a bulk lane in the outbox, a notice's progress and report

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("bulk", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("progress_due_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("progress_checked_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("progress_shown", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reported_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_notices_progress_due_at", ["progress_due_at"])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_progress_due_at")
        batch.drop_column("reported_at")
        batch.drop_column("progress_shown")
        batch.drop_column("progress_checked_at")
        batch.drop_column("progress_due_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("bulk")
