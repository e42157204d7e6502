"""anonymity and erasure: batched anonymous tallies, sent messages kept without content

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("polls", sa.Column("unpublished", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("polls", sa.Column("published", sa.JSON(), nullable=True))
    # Messages already sent keep only what later edits need, as new ones do.
    op.execute("UPDATE outbox SET data = '{}', choices = '[]' WHERE state = 'sent'")


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("polls", "published")
    op.drop_column("polls", "unpublished")
