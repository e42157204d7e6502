"""Volunteer duty: projects and shifts, sign-ups, hours, reminders and roster messages."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import Circle
from models.people import Resident
from models.roles import Role


class ShiftStatus(enum.StrEnum):
    """A shift is open for sign-ups and duty, or cancelled by an admin."""

    OPEN = "open"
    CANCELLED = "cancelled"


class SignUpStatus(enum.StrEnum):
    """Where one volunteer stands on one shift."""

    SIGNED_UP = "signed_up"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class HoursSource(enum.StrEnum):
    """How volunteer time was confirmed: the volunteer's own check-in and check-out, or an admin."""

    CHECKOUT = "checkout"
    ADMIN = "admin"


class ReminderKind(enum.StrEnum):
    """The duty messages the scheduler sends."""

    DAY_BEFORE = "day_before"
    HOUR_BEFORE = "hour_before"
    MORNING_ROSTER = "morning_roster"
    SHORT_ALERT = "short_alert"
    SHORT_DIGEST = "short_digest"


class VolunteerProject(Base):
    """A volunteer project (志愿项目) of a community, such as gate duty; shifts belong to one."""

    __tablename__ = "volunteer_projects"
    __table_args__ = (UniqueConstraint("community_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Shift(Base):
    """One shift of a project; `number` counts shifts within its community.

    Sign-ups close at `signup_until` and withdrawals at `cancel_until`. Without a
    `waitlist_limit` the waitlist is unlimited; a limit of 0 means no waitlist.
    """

    __tablename__ = "volunteer_shifts"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_volunteer_shifts_community_id_starts_at", "community_id", "starts_at"),
        Index("ix_volunteer_shifts_circle_id_starts_at", "circle_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_projects.id", ondelete="RESTRICT"), index=True
    )
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(String(60), default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    waitlist_limit: Mapped[int | None] = mapped_column(Integer)
    required_role: Mapped[Role | None] = mapped_column(
        str_enum(Role, "volunteer_required_role", native_enum=False, length=16)
    )
    signup_until: Mapped[datetime] = mapped_column(UtcDateTime)
    cancel_until: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[ShiftStatus] = mapped_column(
        str_enum(ShiftStatus, "volunteer_shift_status"),
        default=ShiftStatus.OPEN,
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    project: Mapped[VolunteerProject] = relationship()
    circle: Mapped[Circle | None] = relationship()


class SignUp(Base):
    """One volunteer on one shift: signed up, waitlisted, waiting for approval, or after.

    `queued_at` orders the 接龙 list and the waitlist: it is when the current place or
    queue position was taken. Check-in and check-out times are the volunteer's own.
    """

    __tablename__ = "volunteer_signups"
    __table_args__ = (UniqueConstraint("shift_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("volunteer_shifts.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SignUpStatus] = mapped_column(str_enum(SignUpStatus, "volunteer_signup_status"))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )

    shift: Mapped[Shift] = relationship()
    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])


class VolunteerHours(Base):
    """Confirmed volunteer time for one volunteer on one shift; a points ledger references its id.

    Rows are never deleted, and only an admin's audited correction changes `minutes`; erasing
    a resident keeps the community's totals by leaving the row without a resident.
    """

    __tablename__ = "volunteer_hours"
    __table_args__ = (
        UniqueConstraint("shift_id", "resident_id"),
        Index("ix_volunteer_hours_community_id_served_at", "community_id", "served_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    shift_id: Mapped[int] = mapped_column(ForeignKey("volunteer_shifts.id", ondelete="RESTRICT"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_projects.id", ondelete="RESTRICT")
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), index=True
    )
    served_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[HoursSource] = mapped_column(str_enum(HoursSource, "volunteer_hours_source"))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )

    shift: Mapped[Shift] = relationship()
    project: Mapped[VolunteerProject] = relationship()
    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])


class DutyReminder(Base):
    """A message the scheduler owes at `due_at`: sent once, or skipped with a reason.

    `key` names what it is about (e.g. `hour_before:signup:12`), so it is made once.
    Pending rows are indexed by due time, so finding what is due costs the same however
    many shifts and sent reminders exist.
    """

    __tablename__ = "volunteer_reminders"
    __table_args__ = (
        UniqueConstraint("key"),
        Index(
            "ix_volunteer_reminders_pending_due_at",
            "due_at",
            sqlite_where=text("sent_at IS NULL AND skipped_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND skipped_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "volunteer_reminder_kind"))
    key: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_shifts.id", ondelete="CASCADE"), index=True
    )
    signup_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_signups.id", ondelete="CASCADE"), index=True
    )
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    day: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    skipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    skip_reason: Mapped[str | None] = mapped_column(String(16))

    shift: Mapped[Shift | None] = relationship()
    signup: Mapped[SignUp | None] = relationship()
    circle: Mapped[Circle | None] = relationship()


class RosterPost(Base):
    """A day's 接龙 roster message in one chat, named `roster:<circle>:<day>` there for edits.

    Where the platform cannot edit, `repost_at` is when a fresh copy is due: changes
    in between are merged into one re-post.
    """

    __tablename__ = "volunteer_roster_posts"
    __table_args__ = (UniqueConstraint("circle_id", "platform", "chat_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    day: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    repost_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class VolunteerRules(Base):
    """A community's own duty rules; an empty column means the settings' default."""

    __tablename__ = "volunteer_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    day_before_at: Mapped[str | None] = mapped_column(String(5))
    hour_before_minutes: Mapped[int | None] = mapped_column(Integer)
    cancel_minutes: Mapped[int | None] = mapped_column(Integer)
    noshow_limit: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
