"""Notices (通知): what a sender broadcast, the circles and chats it reached, and receipts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import Circle
from models.grid import Place
from models.people import Resident


class NoticeStatus(enum.StrEnum):
    """A draft waits for the sender's confirmation; a scheduled notice for its time; a
    recurring one sends a notice of its own at each occurrence until it is stopped."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RECURRING = "recurring"
    SENT = "sent"
    CANCELLED = "cancelled"
    STOPPED = "stopped"


class Notice(Base):
    """A notice numbered in its community, sent now or at `send_at`, perhaps asking receipts.

    A recurring notice (`repeat`, e.g. `weekly 1 08:00`) keeps its next occurrence in
    `send_at`; each occurrence is a notice of its own (`series_id`), at most one per time.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        UniqueConstraint("series_id", "send_at"),
        Index("ix_notices_status_send_at", "status", "send_at"),
        Index("ix_notices_deadline_at", "deadline_at", "deadline_done_at"),
        Index("ix_notices_progress_due_at", "progress_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    scope: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(1000))
    status: Mapped[NoticeStatus] = mapped_column(
        str_enum(NoticeStatus, "notice_status", native_enum=False, length=16)
    )
    receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deadline_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    repeat: Mapped[str | None] = mapped_column(String(32))
    deadline_minutes: Mapped[int | None] = mapped_column(Integer)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"))
    image: Mapped[str | None] = mapped_column(String(500))
    document: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # While it is being delivered: when to look at its progress next, when it was last
    # looked at, and how many chats the sender's progress message shows (None: no message).
    progress_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_shown: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    community: Mapped[Place] = relationship()
    sender: Mapped[Resident | None] = relationship()
    circles: Mapped[list[NoticeCircle]] = relationship(
        back_populates="notice", order_by="NoticeCircle.id"
    )


class NoticeCircle(Base):
    """A circle a notice reaches; its households are counted within `place` (the narrower
    of the circle's place and the notice's scope)."""

    __tablename__ = "notice_circles"
    __table_args__ = (UniqueConstraint("notice_id", "circle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))

    notice: Mapped[Notice] = relationship(back_populates="circles")
    circle: Mapped[Circle] = relationship()
    place: Mapped[Place] = relationship()


class NoticeChat(Base):
    """A chat a notice was staged for: one row, and one outbox row, per chat, never two."""

    __tablename__ = "notice_chats"
    __table_args__ = (UniqueConstraint("notice_id", "platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(128), default="")
    staged_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NoticeReceipt(Base):
    """One resident's 收到 to a notice; households are counted through `household_id`."""

    __tablename__ = "notice_receipts"
    __table_args__ = (UniqueConstraint("notice_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
