"""request urging: when the reporter last urged the handler (催办), at most once a day

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urged_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("urged_at")
