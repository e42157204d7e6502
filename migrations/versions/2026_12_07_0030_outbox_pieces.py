"""outbox pieces: every platform message a row went out as, so a reply to any of them counts

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "outbox_pieces",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_pieces_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", "number", name=op.f("pk_outbox_pieces")),
    )
    op.create_index("ix_outbox_pieces_message", "outbox_pieces", ["message_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_pieces_message", table_name="outbox_pieces")
    op.drop_table("outbox_pieces")
