"""Requests to bind a chat to a place, waiting for a secretary's say."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import CircleKind
from models.grid import Place
from models.people import Resident


class BindingStatus(enum.StrEnum):
    """Where a binding request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class BindingRequest(Base):
    """A platform admin's request to bind their chat; one pending request per chat."""

    __tablename__ = "binding_requests"
    __table_args__ = (
        Index(
            "ix_binding_requests_pending_chat",
            "platform",
            "chat_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    chat_title: Mapped[str] = mapped_column(String(128), default="")
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CircleKind] = mapped_column(
        str_enum(CircleKind, "binding_request_kind", native_enum=False, length=16)
    )
    name: Mapped[str] = mapped_column(String(64), default="")
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    status: Mapped[BindingStatus] = mapped_column(
        str_enum(BindingStatus, "binding_request_status", native_enum=False, length=16),
        default=BindingStatus.PENDING,
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    place: Mapped[Place] = relationship()
    requester: Mapped[Resident | None] = relationship(foreign_keys=[requester_id])
