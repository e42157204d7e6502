"""points items: a NULL stock has no limit (an item listed without a quantity)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("points_items", schema=None) as batch_op:
        batch_op.alter_column("stock", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Revert this revision."""
    # Items without a limit keep being on offer, with the most stock an admin may set.
    op.execute("UPDATE points_items SET stock = 10000 WHERE stock IS NULL")
    with op.batch_alter_table("points_items", schema=None) as batch_op:
        batch_op.alter_column("stock", existing_type=sa.Integer(), nullable=False)
