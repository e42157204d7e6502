"""notices: recurring notices and their occurrences, attachments

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("deadline_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("image", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("document", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notices_series_id_notices"),
            "notices",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_notices_series_id_send_at"), ["series_id", "send_at"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notices_series_id_send_at"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_notices_series_id_notices"), type_="foreignkey")
        batch_op.drop_column("document")
        batch_op.drop_column("image")
        batch_op.drop_column("series_id")
        batch_op.drop_column("deadline_minutes")
        batch_op.drop_column("repeat")
