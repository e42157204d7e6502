"""request figures: when each community's overdue list next goes out; requests by month

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "request_digests",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_request_digests_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_request_digests")),
    )
    with op.batch_alter_table("request_digests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_digests_due_at"), ["due_at"], unique=False)

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_community_created", ["community_id", "created_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_community_created")

    with op.batch_alter_table("request_digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_digests_due_at"))

    op.drop_table("request_digests")
