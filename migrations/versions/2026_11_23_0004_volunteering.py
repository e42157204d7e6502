"""volunteering: projects, shifts, sign-ups, hours, reminders, rosters, rules

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:36:03.362319
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "volunteer_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_volunteer_projects_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_projects")),
        sa.UniqueConstraint(
            "community_id", "title", name=op.f("uq_volunteer_projects_community_id_title")
        ),
    )
    op.create_table(
        "volunteer_roster_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.Column("repost_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_volunteer_roster_posts_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_roster_posts")),
        sa.UniqueConstraint(
            "circle_id",
            "platform",
            "chat_id",
            "day",
            name=op.f("uq_volunteer_roster_posts_circle_id_platform_chat_id_day"),
        ),
    )
    op.create_index(
        op.f("ix_volunteer_roster_posts_repost_at"),
        "volunteer_roster_posts",
        ["repost_at"],
        unique=False,
    )
    op.create_table(
        "volunteer_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day_before_at", sa.String(length=5), nullable=True),
        sa.Column("hour_before_minutes", sa.Integer(), nullable=True),
        sa.Column("cancel_minutes", sa.Integer(), nullable=True),
        sa.Column("noshow_limit", sa.Integer(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_volunteer_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_rules_updated_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_volunteer_rules")),
    )
    op.create_table(
        "volunteer_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=60), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("waitlist_limit", sa.Integer(), nullable=True),
        sa.Column(
            "required_role",
            sa.Enum(
                "secretary",
                "grid-worker",
                "circle-admin",
                "building-head",
                "unit-head",
                "party-member",
                "volunteer",
                name="volunteer_required_role",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("signup_until", UtcDateTime(), nullable=False),
        sa.Column("cancel_until", UtcDateTime(), nullable=False),
        sa.Column(
            "status", sa.Enum("open", "cancelled", name="volunteer_shift_status"), nullable=False
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_volunteer_shifts_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_volunteer_shifts_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_shifts_created_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["volunteer_projects.id"],
            name=op.f("fk_volunteer_shifts_project_id_volunteer_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_shifts")),
        sa.UniqueConstraint(
            "community_id", "number", name=op.f("uq_volunteer_shifts_community_id_number")
        ),
    )
    op.create_index(
        "ix_volunteer_shifts_circle_id_starts_at",
        "volunteer_shifts",
        ["circle_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_volunteer_shifts_community_id_starts_at",
        "volunteer_shifts",
        ["community_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_volunteer_shifts_project_id"), "volunteer_shifts", ["project_id"], unique=False
    )
    op.create_table(
        "volunteer_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("served_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "source", sa.Enum("checkout", "admin", name="volunteer_hours_source"), nullable=False
        ),
        sa.Column("confirmed_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_volunteer_hours_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_volunteer_hours_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_hours_confirmed_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["volunteer_projects.id"],
            name=op.f("fk_volunteer_hours_project_id_volunteer_projects"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_hours_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_hours_shift_id_volunteer_shifts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_hours")),
        sa.UniqueConstraint(
            "shift_id", "resident_id", name=op.f("uq_volunteer_hours_shift_id_resident_id")
        ),
    )
    op.create_index(
        op.f("ix_volunteer_hours_circle_id"), "volunteer_hours", ["circle_id"], unique=False
    )
    op.create_index(
        "ix_volunteer_hours_community_id_served_at",
        "volunteer_hours",
        ["community_id", "served_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_volunteer_hours_resident_id"), "volunteer_hours", ["resident_id"], unique=False
    )
    op.create_table(
        "volunteer_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "signed_up",
                "waitlisted",
                "pending",
                "cancelled",
                "attended",
                "no_show",
                name="volunteer_signup_status",
            ),
            nullable=False,
        ),
        sa.Column("queued_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("checked_in_at", UtcDateTime(), nullable=True),
        sa.Column("checked_out_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_signups_decided_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_volunteer_signups_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_signups_shift_id_volunteer_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_signups")),
        sa.UniqueConstraint(
            "shift_id", "resident_id", name=op.f("uq_volunteer_signups_shift_id_resident_id")
        ),
    )
    op.create_index(
        op.f("ix_volunteer_signups_resident_id"), "volunteer_signups", ["resident_id"], unique=False
    )
    op.create_table(
        "volunteer_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "day_before",
                "hour_before",
                "morning_roster",
                "short_alert",
                name="volunteer_reminder_kind",
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("signup_id", sa.Integer(), nullable=True),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("skipped_at", UtcDateTime(), nullable=True),
        sa.Column("skip_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_volunteer_reminders_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_reminders_shift_id_volunteer_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signup_id"],
            ["volunteer_signups.id"],
            name=op.f("fk_volunteer_reminders_signup_id_volunteer_signups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_volunteer_reminders_key")),
    )
    op.create_index(
        "ix_volunteer_reminders_pending_due_at",
        "volunteer_reminders",
        ["due_at"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL AND skipped_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL AND skipped_at IS NULL"),
    )
    op.create_index(
        op.f("ix_volunteer_reminders_shift_id"), "volunteer_reminders", ["shift_id"], unique=False
    )
    op.create_index(
        op.f("ix_volunteer_reminders_signup_id"), "volunteer_reminders", ["signup_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_volunteer_reminders_signup_id"), table_name="volunteer_reminders")
    op.drop_index(op.f("ix_volunteer_reminders_shift_id"), table_name="volunteer_reminders")
    op.drop_index("ix_volunteer_reminders_pending_due_at", table_name="volunteer_reminders")
    op.drop_table("volunteer_reminders")
    op.drop_index(op.f("ix_volunteer_signups_resident_id"), table_name="volunteer_signups")
    op.drop_table("volunteer_signups")
    op.drop_index(op.f("ix_volunteer_hours_resident_id"), table_name="volunteer_hours")
    op.drop_index("ix_volunteer_hours_community_id_served_at", table_name="volunteer_hours")
    op.drop_index(op.f("ix_volunteer_hours_circle_id"), table_name="volunteer_hours")
    op.drop_table("volunteer_hours")
    op.drop_index(op.f("ix_volunteer_shifts_project_id"), table_name="volunteer_shifts")
    op.drop_index("ix_volunteer_shifts_community_id_starts_at", table_name="volunteer_shifts")
    op.drop_index("ix_volunteer_shifts_circle_id_starts_at", table_name="volunteer_shifts")
    op.drop_table("volunteer_shifts")
    op.drop_table("volunteer_rules")
    op.drop_index(op.f("ix_volunteer_roster_posts_repost_at"), table_name="volunteer_roster_posts")
    op.drop_table("volunteer_roster_posts")
    op.drop_table("volunteer_projects")
    sa.Enum(name="volunteer_reminder_kind").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="volunteer_hours_source").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="volunteer_signup_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="volunteer_shift_status").drop(op.get_bind(), checkfirst=True)
