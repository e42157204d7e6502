"""deliberation: topics, polls, ballots, decisions; outbox edits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:08:09.792427
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "deliberation_rules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("seconds_needed", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_deliberation_rules_community_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_deliberation_rules")),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "raised",
                "agenda",
                "deliberation",
                "voting",
                "decided",
                "in_progress",
                "solved",
                "rejected",
                name="topic_status",
            ),
            nullable=False,
        ),
        sa.Column("hot", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("agenda_at", UtcDateTime(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("solved_at", UtcDateTime(), nullable=True),
        sa.Column("rejected_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_topics_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_topics_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_topics_place_id_places"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["residents.id"],
            name=op.f("fk_topics_proposer_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_topics_community_id_number")),
    )
    op.create_index(op.f("ix_topics_circle_id"), "topics", ["circle_id"], unique=False)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("remind_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["residents.id"],
            name=op.f("fk_decisions_decided_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["residents.id"],
            name=op.f("fk_decisions_owner_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_decisions_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("topic_id", name=op.f("uq_decisions_topic_id")),
    )
    op.create_index(op.f("ix_decisions_remind_at"), "decisions", ["remind_at"], unique=False)
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("single", "multiple", "yes_no", "rating", name="poll_kind"),
            nullable=False,
        ),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("per_household", sa.Boolean(), nullable=False),
        sa.Column("changeable", sa.Boolean(), nullable=False),
        sa.Column("scope_place_id", sa.Integer(), nullable=True),
        sa.Column("quorum_percent", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("open", "closed", name="poll_status"), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("opens_at", UtcDateTime(), nullable=False),
        sa.Column("closes_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("remind_at", UtcDateTime(), nullable=True),
        sa.Column("refresh_at", UtcDateTime(), nullable=True),
        sa.Column("refreshed_at", UtcDateTime(), nullable=True),
        sa.Column("eligible_households", sa.Integer(), nullable=True),
        sa.Column("voted_households", sa.Integer(), nullable=True),
        sa.Column("chart", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_polls_circle_id_circles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["residents.id"],
            name=op.f("fk_polls_closed_by_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["places.id"],
            name=op.f("fk_polls_community_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["residents.id"],
            name=op.f("fk_polls_owner_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scope_place_id"],
            ["places.id"],
            name=op.f("fk_polls_scope_place_id_places"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_polls_topic_id_topics"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_polls_community_id_number")),
    )
    op.create_index(op.f("ix_polls_refresh_at"), "polls", ["refresh_at"], unique=False)
    op.create_index(op.f("ix_polls_remind_at"), "polls", ["remind_at"], unique=False)
    op.create_index("ix_polls_status_closes_at", "polls", ["status", "closes_at"], unique=False)
    op.create_index(op.f("ix_polls_topic_id"), "polls", ["topic_id"], unique=False)
    op.create_table(
        "progress_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["residents.id"],
            name=op.f("fk_progress_notes_author_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_progress_notes_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_notes")),
    )
    op.create_index(
        op.f("ix_progress_notes_topic_id"), "progress_notes", ["topic_id"], unique=False
    )
    op.create_table(
        "topic_seconds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_topic_seconds_household_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_topic_seconds_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_seconds_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_seconds")),
        sa.UniqueConstraint(
            "topic_id", "household_id", name=op.f("uq_topic_seconds_topic_id_household_id")
        ),
    )
    op.create_index(
        op.f("ix_topic_seconds_resident_id"), "topic_seconds", ["resident_id"], unique=False
    )
    op.create_table(
        "ballot_marks",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_ballot_marks_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "mark", name=op.f("pk_ballot_marks")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["places.id"],
            name=op.f("fk_ballots_household_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_ballots_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_ballots_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("poll_id", "voter_key", name=op.f("uq_ballots_poll_id_voter_key")),
    )
    op.create_index(op.f("ix_ballots_resident_id"), "ballots", ["resident_id"], unique=False)
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_options_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_options_poll_id_position")),
    )
    op.create_table(
        "poll_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_poll_postings_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_postings_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_postings")),
        sa.UniqueConstraint(
            "poll_id", "platform", "chat_id", name=op.f("uq_poll_postings_poll_id_platform_chat_id")
        ),
    )
    op.create_index(
        op.f("ix_poll_postings_circle_id"), "poll_postings", ["circle_id"], unique=False
    )
    op.add_column("outbox", sa.Column("key", sa.String(length=64), nullable=True))
    op.add_column(
        "outbox", sa.Column("edit", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_index("ix_outbox_key", "outbox", ["platform", "chat_id", "key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_key", table_name="outbox")
    op.drop_column("outbox", "edit")
    op.drop_column("outbox", "key")
    op.drop_index(op.f("ix_poll_postings_circle_id"), table_name="poll_postings")
    op.drop_table("poll_postings")
    op.drop_table("poll_options")
    op.drop_index(op.f("ix_ballots_resident_id"), table_name="ballots")
    op.drop_table("ballots")
    op.drop_table("ballot_marks")
    op.drop_index(op.f("ix_topic_seconds_resident_id"), table_name="topic_seconds")
    op.drop_table("topic_seconds")
    op.drop_index(op.f("ix_progress_notes_topic_id"), table_name="progress_notes")
    op.drop_table("progress_notes")
    op.drop_index(op.f("ix_polls_topic_id"), table_name="polls")
    op.drop_index("ix_polls_status_closes_at", table_name="polls")
    op.drop_index(op.f("ix_polls_remind_at"), table_name="polls")
    op.drop_index(op.f("ix_polls_refresh_at"), table_name="polls")
    op.drop_table("polls")
    op.drop_index(op.f("ix_decisions_remind_at"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_topics_circle_id"), table_name="topics")
    op.drop_table("topics")
    op.drop_table("deliberation_rules")
    sa.Enum(name="poll_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="poll_kind").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="topic_status").drop(op.get_bind(), checkfirst=True)
