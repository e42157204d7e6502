"""places path index for prefixes: PostgreSQL searches it for LIKE 'prefix%' in any collation

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    # An index in a database's own collation serves LIKE 'prefix%' only where that collation
    # is C; varchar_pattern_ops serves it in every one (and equality too).
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_places_path", table_name="places")
    op.create_index(
        "ix_places_path",
        "places",
        ["path"],
        unique=False,
        postgresql_ops={"path": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_places_path", table_name="places")
    op.create_index("ix_places_path", "places", ["path"], unique=False)
