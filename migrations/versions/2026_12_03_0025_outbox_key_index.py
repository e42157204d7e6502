"""outbox key index: a notice's rows in every chat are found by their key alone

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_outbox_key_alone", "outbox", ["key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_key_alone", table_name="outbox")
