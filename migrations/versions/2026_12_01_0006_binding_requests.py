"""binding requests: a chat is bound only with the community's say

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "circle_chats",
        sa.Column("founder", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Existing circles were created for their first chat.
    op.execute(
        "UPDATE circle_chats SET founder = TRUE"
        " WHERE id IN (SELECT MIN(id) FROM circle_chats GROUP BY circle_id)"
    )
    op.create_table(
        "binding_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("chat_title", sa.String(length=128), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "neighbour",
                "party",
                "association",
                "service",
                name="binding_request_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "withdrawn",
                name="binding_request_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["residents.id"],
            name=op.f("fk_binding_requests_decided_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_binding_requests_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["residents.id"],
            name=op.f("fk_binding_requests_requester_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding_requests")),
    )
    op.create_index(
        op.f("ix_binding_requests_place_id"), "binding_requests", ["place_id"], unique=False
    )
    op.create_index(
        "ix_binding_requests_pending_chat",
        "binding_requests",
        ["platform", "chat_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_binding_requests_pending_chat", table_name="binding_requests")
    op.drop_index(op.f("ix_binding_requests_place_id"), table_name="binding_requests")
    op.drop_table("binding_requests")
    with op.batch_alter_table("circle_chats") as batch:
        batch.drop_column("founder")
