"""notices: notices, the circles and chats they reach, receipts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 00:08:25.775166
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "sent",
                "cancelled",
                name="notice_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("receipts", sa.Boolean(), nullable=False),
        sa.Column("deadline_at", UtcDateTime(), nullable=True),
        sa.Column("deadline_done_at", UtcDateTime(), nullable=True),
        sa.Column("send_at", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_notices_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["residents.id"],
            name=op.f("fk_notices_sender_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_notices_community_id_number")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_deadline_at", ["deadline_at", "deadline_done_at"], unique=False
        )
        batch_op.create_index("ix_notices_status_send_at", ["status", "send_at"], unique=False)

    op.create_table(
        "notice_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("staged_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_notice_chats_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_chats_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_chats")),
        sa.UniqueConstraint(
            "notice_id",
            "platform",
            "chat_id",
            name=op.f("uq_notice_chats_notice_id_platform_chat_id"),
        ),
    )
    with op.batch_alter_table("notice_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_chats_circle_id"), ["circle_id"], unique=False)

    op.create_table(
        "notice_circles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_notice_circles_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_circles_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_notice_circles_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_circles")),
        sa.UniqueConstraint(
            "notice_id", "circle_id", name=op.f("uq_notice_circles_notice_id_circle_id")
        ),
    )
    with op.batch_alter_table("notice_circles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_circles_circle_id"), ["circle_id"], unique=False
        )

    op.create_table(
        "notice_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_notice_receipts_household_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_receipts_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_notice_receipts_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_receipts")),
        sa.UniqueConstraint(
            "notice_id", "resident_id", name=op.f("uq_notice_receipts_notice_id_resident_id")
        ),
    )
    with op.batch_alter_table("notice_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_receipts_resident_id"), ["resident_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("notice_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_receipts_resident_id"))

    op.drop_table("notice_receipts")
    with op.batch_alter_table("notice_circles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_circles_circle_id"))

    op.drop_table("notice_circles")
    with op.batch_alter_table("notice_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_chats_circle_id"))

    op.drop_table("notice_chats")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_status_send_at")
        batch_op.drop_index("ix_notices_deadline_at")

    op.drop_table("notices")
