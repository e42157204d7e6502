"""one ballot: per-person ballot keys, join requests, household verification

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JOIN_STATUS = sa.Enum("pending", "approved", "refused", name="join_status")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ballot_voters",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_ballot_voters_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "person_key", name=op.f("pk_ballot_voters")),
    )
    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("status", JOIN_STATUS, nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_join_requests_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["residents.id"],
            name=op.f("fk_join_requests_decided_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_join_requests_household_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_join_requests_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
    )
    op.create_index(
        "ix_join_requests_household_id_status",
        "join_requests",
        ["household_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_join_requests_resident_id"), "join_requests", ["resident_id"], unique=False
    )
    op.create_table(
        "household_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("verify", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_household_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_household_rules")),
    )
    with op.batch_alter_table("places") as batch:
        batch.add_column(sa.Column("verified_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("polls") as batch:
        batch.add_column(
            sa.Column("verified_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # One second per person: a support given again after moving is the defect being fixed.
    op.execute(
        "DELETE FROM topic_seconds WHERE resident_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM topic_seconds WHERE resident_id IS NOT NULL "
        "GROUP BY topic_id, resident_id)"
    )
    with op.batch_alter_table("topic_seconds") as batch:
        batch.create_unique_constraint(
            op.f("uq_topic_seconds_topic_id_resident_id"), ["topic_id", "resident_id"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("topic_seconds") as batch:
        batch.drop_constraint(op.f("uq_topic_seconds_topic_id_resident_id"), type_="unique")
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("verified_only")
    with op.batch_alter_table("places") as batch:
        batch.drop_column("verified_at")
    op.drop_table("household_rules")
    op.drop_index(op.f("ix_join_requests_resident_id"), table_name="join_requests")
    op.drop_index("ix_join_requests_household_id_status", table_name="join_requests")
    op.drop_table("join_requests")
    JOIN_STATUS.drop(op.get_bind(), checkfirst=True)
    op.drop_table("ballot_voters")
