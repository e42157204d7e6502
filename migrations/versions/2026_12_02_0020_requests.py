"""requests: the party-member chain, request rules, requests and their steps

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 01:58:50.091308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "request_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "layer",
            sa.Enum(
                "member",
                "central",
                "branch",
                "grid",
                "community",
                name="chain_layer",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_request_chain_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["request_chain.id"],
            name=op.f("fk_request_chain_parent_id_request_chain"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_request_chain_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_chain")),
        sa.UniqueConstraint(
            "community_id",
            "resident_id",
            "layer",
            name=op.f("uq_request_chain_community_id_resident_id_layer"),
        ),
    )
    with op.batch_alter_table("request_chain", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_chain_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_request_chain_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "request_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("accept_hours", sa.Integer(), nullable=True),
        sa.Column("solve_days", sa.JSON(), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_request_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["residents.id"],
            name=op.f("fk_request_rules_updated_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_request_rules")),
    )
    op.create_table(
        "request_covers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["request_chain.id"],
            name=op.f("fk_request_covers_node_id_request_chain"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_request_covers_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_covers")),
        sa.UniqueConstraint("node_id", "place_id", name=op.f("uq_request_covers_node_id_place_id")),
    )
    with op.batch_alter_table("request_covers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_covers_place_id"), ["place_id"], unique=False)

    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "facilities",
                "sanitation",
                "security",
                "dispute",
                "property",
                "other",
                name="request_category",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "taken",
                "resolved",
                "closed",
                "sent_back",
                "withdrawn",
                name="request_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "layer",
            sa.Enum(
                "member",
                "central",
                "branch",
                "grid",
                "community",
                name="chain_layer",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("first_node_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("resolution", sa.String(length=500), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_requests_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["first_node_id"],
            ["request_chain.id"],
            name=op.f("fk_requests_first_node_id_request_chain"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["request_chain.id"],
            name=op.f("fk_requests_node_id_request_chain"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["residents.id"],
            name=op.f("fk_requests_owner_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_requests_place_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["residents.id"],
            name=op.f("fk_requests_reporter_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_requests_community_id_number")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_requests_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_requests_reporter_id"), ["reporter_id"], unique=False)

    op.create_table(
        "request_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "routed",
                "taken",
                "replied",
                "escalated",
                "overdue",
                "resolved",
                "sent_back",
                "confirmed",
                "reopened",
                "rated",
                "closed",
                name="request_step_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "layer",
            sa.Enum(
                "member",
                "central",
                "branch",
                "grid",
                "community",
                name="chain_layer",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["residents.id"],
            name=op.f("fk_request_steps_actor_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["residents.id"],
            name=op.f("fk_request_steps_owner_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_steps_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_steps")),
    )
    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_steps_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_request_steps_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_steps_request_id"))
        batch_op.drop_index(batch_op.f("ix_request_steps_owner_id"))

    op.drop_table("request_steps")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_reporter_id"))
        batch_op.drop_index("ix_requests_owner_status")
        batch_op.drop_index("ix_requests_due_at")

    op.drop_table("requests")
    with op.batch_alter_table("request_covers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_covers_place_id"))

    op.drop_table("request_covers")
    op.drop_table("request_rules")
    with op.batch_alter_table("request_chain", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_chain_resident_id"))
        batch_op.drop_index(batch_op.f("ix_request_chain_parent_id"))

    op.drop_table("request_chain")
