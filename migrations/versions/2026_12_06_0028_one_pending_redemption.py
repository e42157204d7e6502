"""points redemptions: one waiting per member and item, kept by a partial unique index

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
# A pending redemption asked after another of the same item by the same member.
_LATER = (
    "r.status = 'pending' AND EXISTS (SELECT 1 FROM points_redemptions e"
    " WHERE e.resident_id = r.resident_id AND e.item_id = r.item_id"
    " AND e.status = 'pending' AND e.id < r.id)"
)


def upgrade() -> None:
    """Apply this revision."""
    # Twin asks that slipped in before the index are cancelled, freeing what they held.
    op.execute(
        "UPDATE points_accounts SET held = held - (SELECT SUM(r.cost) FROM points_redemptions r"
        f" WHERE r.account_id = points_accounts.id AND {_LATER})"
        f" WHERE id IN (SELECT r.account_id FROM points_redemptions r WHERE {_LATER})"
    )
    op.execute(
        "UPDATE points_items SET held = held - (SELECT COUNT(*) FROM points_redemptions r"
        f" WHERE r.item_id = points_items.id AND {_LATER})"
        f" WHERE id IN (SELECT r.item_id FROM points_redemptions r WHERE {_LATER})"
    )
    op.execute(
        "UPDATE points_redemptions SET status = 'cancelled', decided_at = requested_at"
        f" WHERE id IN (SELECT r.id FROM points_redemptions r WHERE {_LATER})"
    )
    op.create_index(
        "ix_points_redemptions_pending_resident_item",
        "points_redemptions",
        ["resident_id", "item_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_points_redemptions_pending_resident_item", table_name="points_redemptions")
