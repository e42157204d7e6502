"""mediations: a neighbours' dispute request mediated between two parties

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "request_mediations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=True),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open", "agreed", "ended", name="mediation_status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mediator_id"],
            ["residents.id"],
            name=op.f("fk_request_mediations_mediator_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["residents.id"],
            name=op.f("fk_request_mediations_other_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_mediations_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_mediations")),
        sa.UniqueConstraint("request_id", name=op.f("uq_request_mediations_request_id")),
    )
    with op.batch_alter_table("request_mediations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_mediations_mediator_id"), ["mediator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_request_mediations_other_id"), ["other_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("request_mediations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_mediations_other_id"))
        batch_op.drop_index(batch_op.f("ix_request_mediations_mediator_id"))

    op.drop_table("request_mediations")
