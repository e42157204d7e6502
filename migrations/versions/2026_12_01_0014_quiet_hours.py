"""quiet hours: each community's own, and poll results kept for the morning

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "delivery_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("quiet_hours", sa.String(length=11), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_delivery_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["residents.id"],
            name=op.f("fk_delivery_rules_updated_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_delivery_rules")),
    )
    op.add_column(
        "polls",
        sa.Column("night_results", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("polls", sa.Column("results_at", UtcDateTime(), nullable=True))
    op.create_index(op.f("ix_polls_results_at"), "polls", ["results_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_polls_results_at"), table_name="polls")
    op.drop_column("polls", "results_at")
    op.drop_column("polls", "night_results")
    op.drop_table("delivery_rules")
