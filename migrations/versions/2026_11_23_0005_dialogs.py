"""dialogs: guided step-by-step conversations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:18:18.734442
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "dialogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogs")),
        sa.UniqueConstraint(
            "platform", "chat_id", "user_id", name=op.f("uq_dialogs_platform_chat_id_user_id")
        ),
    )
    op.create_index(op.f("ix_dialogs_expires_at"), "dialogs", ["expires_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_dialogs_expires_at"), table_name="dialogs")
    op.drop_table("dialogs")
