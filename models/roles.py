"""Roles granted to residents, each scoped to a place or a circle."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import Circle
from models.grid import Place
from models.people import Resident


class Role(enum.StrEnum):
    """The roles of docs/commands.md."""

    SECRETARY = "secretary"
    GRID_WORKER = "grid-worker"
    CIRCLE_ADMIN = "circle-admin"
    BUILDING_HEAD = "building-head"
    UNIT_HEAD = "unit-head"
    PARTY_MEMBER = "party-member"
    VOLUNTEER = "volunteer"


class RoleGrant(Base):
    """A grant of a role; active while `revoked_at` is empty."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_resident_active", "resident_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    place: Mapped[Place | None] = relationship()
    circle: Mapped[Circle | None] = relationship()
