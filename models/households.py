"""Households: requests to join an occupied one, and a community's verification rule."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import Circle
from models.grid import Place
from models.people import Resident


class JoinStatus(enum.StrEnum):
    """Where a request to join a household stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class JoinRequest(Base):
    """A resident asks to join a household that already has registered members.

    Until a member (or the building head, unit head or a grid worker) agrees, the
    resident stays where they were registered, or unregistered.
    """

    __tablename__ = "join_requests"
    __table_args__ = (Index("ix_join_requests_household_id_status", "household_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="SET NULL"))
    status: Mapped[JoinStatus] = mapped_column(
        str_enum(JoinStatus, "join_status"), default=JoinStatus.PENDING
    )
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    household: Mapped[Place] = relationship()
    circle: Mapped[Circle | None] = relationship()


class HouseholdRules(Base):
    """A community's household rule: with `verify` on, per-household polls count verified ones."""

    __tablename__ = "household_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    verify: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
