"""short-of-people digest: one morning message per admin instead of one alert per shift

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    # SQLite stores the kind as text; PostgreSQL's enum type learns the new value.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE volunteer_reminder_kind ADD VALUE IF NOT EXISTS 'short_digest'")


def downgrade() -> None:
    """Revert this revision."""
    # PostgreSQL cannot drop an enum value; without rows of that kind it is unused.
    op.execute("DELETE FROM volunteer_reminders WHERE kind = 'short_digest'")
