"""points: the shop (items, redemptions), scheduled statements and expiry, boards, documents

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _shop() -> None:
    op.create_table(
        "points_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("removed_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "held >= 0 AND held <= stock", name=op.f("ck_points_items_held_within_stock")
        ),
        _fk("points_items", "community_id", "places", "RESTRICT"),
        _fk("points_items", "programme_id", "points_programmes", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_items")),
        sa.UniqueConstraint(
            "community_id", "number", name=op.f("uq_points_items_community_id_number")
        ),
    )
    op.create_table(
        "points_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "handed_over",
                "rejected",
                name="points_redemption_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        _fk("points_redemptions", "account_id", "points_accounts", "RESTRICT"),
        _fk("points_redemptions", "community_id", "places", "RESTRICT"),
        _fk("points_redemptions", "decided_by_id", "residents", "SET NULL"),
        _fk("points_redemptions", "item_id", "points_items", "RESTRICT"),
        _fk("points_redemptions", "resident_id", "residents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_redemptions")),
        sa.UniqueConstraint(
            "community_id", "number", name=op.f("uq_points_redemptions_community_id_number")
        ),
    )
    with op.batch_alter_table("points_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_redemptions_community_id_status", ["community_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_points_redemptions_resident_id"), ["resident_id"], unique=False
        )


def upgrade() -> None:
    """Apply this revision."""
    _shop()
    op.create_table(
        "points_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("statements", "expiry", name="points_job_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        _fk("points_jobs", "programme_id", "points_programmes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_jobs")),
    )
    with op.batch_alter_table("points_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_jobs_kind_done_at_due_at", ["kind", "done_at", "due_at"], unique=False
        )
    op.create_table(
        "points_rank_optouts",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        _fk("points_rank_optouts", "resident_id", "residents", "CASCADE"),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_points_rank_optouts")),
    )
    with op.batch_alter_table("points_programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ranked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("document")
    with op.batch_alter_table("points_programmes", schema=None) as batch_op:
        batch_op.drop_column("ranked")
    op.drop_table("points_rank_optouts")
    with op.batch_alter_table("points_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_points_jobs_kind_done_at_due_at")
    op.drop_table("points_jobs")
    with op.batch_alter_table("points_redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_redemptions_resident_id"))
        batch_op.drop_index("ix_points_redemptions_community_id_status")
    op.drop_table("points_redemptions")
    op.drop_table("points_items")
