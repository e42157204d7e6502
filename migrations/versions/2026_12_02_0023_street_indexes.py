"""street indexes: every hot query of a command or a tick finds its rows through an index

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 05:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# (table, index name, columns)
ADDED = [
    ("audit_log", "ix_audit_log_action", ["action"]),
    ("audit_log", "ix_audit_log_actor_id", ["actor_id"]),
    ("audit_log", "ix_audit_log_target_id", ["target_id"]),
    ("outbox", "ix_outbox_state", ["state"]),
    ("request_steps", "ix_request_steps_actor_id", ["actor_id"]),
    ("requests", "ix_requests_community_status", ["community_id", "status"]),
    ("requests", "ix_requests_first_node_id", ["first_node_id"]),
    ("requests", "ix_requests_node_community_status", ["node_id", "community_id", "status"]),
    ("requests", "ix_requests_owner_community_status", ["owner_id", "community_id", "status"]),
    (
        "requests",
        "ix_requests_reporter_community_number",
        ["reporter_id", "community_id", "number"],
    ),
    ("residents", "ix_residents_display_name", ["display_name"]),
]


def upgrade() -> None:
    """Apply this revision."""
    for table, name, columns in ADDED:
        op.create_index(name, table, columns, unique=False)
    # The new reporter and owner indexes lead with the old ones' columns: those are covered.
    op.drop_index("ix_requests_reporter_id", table_name="requests")
    op.drop_index("ix_requests_owner_status", table_name="requests")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_requests_owner_status", "requests", ["owner_id", "status"], unique=False)
    op.create_index("ix_requests_reporter_id", "requests", ["reporter_id"], unique=False)
    for table, name, _ in reversed(ADDED):
        op.drop_index(name, table_name=table)
