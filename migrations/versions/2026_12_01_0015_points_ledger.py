"""points: programmes, accounts with running balances, the ledger, recycling, rules, grants

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:09:42.706708
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "points_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=30), nullable=False),
        sa.Column(
            "expiry",
            sa.Enum(
                "never", "yearly", "quarterly", name="points_expiry", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("expiry_day", sa.String(length=5), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_programmes_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_programmes")),
        sa.UniqueConstraint(
            "community_id", "code", name=op.f("uq_points_programmes_community_id_code")
        ),
    )
    op.create_table(
        "points_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.CheckConstraint("held >= 0", name=op.f("ck_points_accounts_held_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_accounts_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_points_accounts_household_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["points_programmes.id"],
            name=op.f("fk_points_accounts_programme_id_points_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_points_accounts_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_accounts")),
        sa.UniqueConstraint(
            "programme_id",
            "household_id",
            name=op.f("uq_points_accounts_programme_id_household_id"),
        ),
        sa.UniqueConstraint(
            "programme_id", "resident_id", name=op.f("uq_points_accounts_programme_id_resident_id")
        ),
    )
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_accounts_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            "ix_points_accounts_programme_id_balance", ["programme_id", "balance"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_points_accounts_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "points_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("admin", "bin", name="points_grant_kind", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_grants_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["residents.id"],
            name=op.f("fk_points_grants_granted_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["points_programmes.id"],
            name=op.f("fk_points_grants_programme_id_points_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_points_grants_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_grants")),
    )
    with op.batch_alter_table("points_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_grants_resident_id_kind", ["resident_id", "kind"], unique=False
        )

    op.create_table(
        "points_recycling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_recycling_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_points_recycling_household_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["residents.id"],
            name=op.f("fk_points_recycling_recorded_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_points_recycling_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_recycling")),
    )
    with op.batch_alter_table("points_recycling", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_recycling_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "points_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("per_hour", sa.JSON(), nullable=False),
        sa.Column("per_recycling", sa.JSON(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("award_cap", sa.Integer(), nullable=True),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        sa.Column("by_household", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["residents.id"],
            name=op.f("fk_points_rules_updated_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_points_rules")),
    )
    op.create_table(
        "points_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "duty",
                "patrol",
                "donation",
                "service",
                "recycling",
                "redemption",
                "adjustment",
                name="points_category",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "hours",
                "recycling",
                "redemption",
                "award",
                name="points_source",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_accounts.id"],
            name=op.f("fk_points_entries_account_id_points_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_points_entries_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["residents.id"],
            name=op.f("fk_points_entries_recorded_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
    )
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.create_index("ix_points_entries_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(
            "ix_points_entries_account_id_recorded_at", ["account_id", "recorded_at"], unique=False
        )
        batch_op.create_index(
            "ix_points_entries_community_id_id", ["community_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_points_entries_source_source_id", ["source", "source_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_points_entries_source_source_id")
        batch_op.drop_index("ix_points_entries_community_id_id")
        batch_op.drop_index("ix_points_entries_account_id_recorded_at")
        batch_op.drop_index("ix_points_entries_account_id_id")

    op.drop_table("points_entries")
    op.drop_table("points_rules")
    with op.batch_alter_table("points_recycling", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_recycling_resident_id"))

    op.drop_table("points_recycling")
    with op.batch_alter_table("points_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_points_grants_resident_id_kind")

    op.drop_table("points_grants")
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_accounts_resident_id"))
        batch_op.drop_index("ix_points_accounts_programme_id_balance")
        batch_op.drop_index(batch_op.f("ix_points_accounts_household_id"))

    op.drop_table("points_accounts")
    op.drop_table("points_programmes")
