"""request attachments: the picture or file a resident sent with a request

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("document", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("document")
        batch_op.drop_column("image")
