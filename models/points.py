"""Points (积分): programmes, accounts with running balances, the append-only ledger, rules."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.grid import Place
from models.people import Resident


class Expiry(enum.StrEnum):
    """When a programme's points lapse: never, each year on a date, or at each quarter's end."""

    NEVER = "never"
    YEARLY = "yearly"
    QUARTERLY = "quarterly"


class PointsCategory(enum.StrEnum):
    """What an entry is for (值守, 巡逻, 捐款, 服务, 分类回收, 兑换, 调整)."""

    DUTY = "duty"
    PATROL = "patrol"
    DONATION = "donation"
    SERVICE = "service"
    RECYCLING = "recycling"
    REDEMPTION = "redemption"
    ADJUSTMENT = "adjustment"


class PointsSource(enum.StrEnum):
    """What an entry comes from; `source_id` names the row (hours, recycling record ...)."""

    HOURS = "hours"
    RECYCLING = "recycling"
    REDEMPTION = "redemption"
    AWARD = "award"
    EXPIRY = "expiry"


class GrantKind(enum.StrEnum):
    """Points duties the secretary grants: a points admin, or a volunteer on bin duty (守桶)."""

    ADMIN = "admin"
    BIN_DUTY = "bin"


class PointsProgramme(Base):
    """A community's points programme: party-member (党员积分), resident (居民积分) or its own."""

    __tablename__ = "points_programmes"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(30))
    expiry: Mapped[Expiry] = mapped_column(
        str_enum(Expiry, "points_expiry", native_enum=False, length=16), default=Expiry.NEVER
    )
    expiry_day: Mapped[str | None] = mapped_column(String(5))
    ranked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PointsAccount(Base):
    """One member's (or, for recycling by household, one household's) points in a programme.

    `balance` is the sum of the account's entries, kept in the same transaction as each
    entry; `held` is what pending redemptions hold back from spending.
    """

    __tablename__ = "points_accounts"
    __table_args__ = (
        UniqueConstraint("programme_id", "resident_id"),
        UniqueConstraint("programme_id", "household_id"),
        Index("ix_points_accounts_programme_id_balance", "programme_id", "balance"),
        CheckConstraint("held >= 0", name="held_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("points_programmes.id", ondelete="RESTRICT")
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="SET NULL"), index=True
    )
    balance: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)

    programme: Mapped[PointsProgramme] = relationship()
    resident: Mapped[Resident | None] = relationship()
    household: Mapped[Place | None] = relationship(foreign_keys=[household_id])


class PointsEntry(Base):
    """One append-only ledger entry; a correction is a new entry, never an edit."""

    __tablename__ = "points_entries"
    __table_args__ = (
        Index("ix_points_entries_account_id_id", "account_id", "id"),
        Index("ix_points_entries_account_id_recorded_at", "account_id", "recorded_at"),
        Index("ix_points_entries_source_source_id", "source", "source_id"),
        Index("ix_points_entries_community_id_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(Integer)
    category: Mapped[PointsCategory] = mapped_column(
        str_enum(PointsCategory, "points_category", native_enum=False, length=16)
    )
    source: Mapped[PointsSource] = mapped_column(
        str_enum(PointsSource, "points_source", native_enum=False, length=16)
    )
    source_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(60), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    account: Mapped[PointsAccount] = relationship()


class RecyclingRecord(Base):
    """A resident's (or household's) sorted waste, handed in at a fixed time and place."""

    __tablename__ = "points_recycling"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PointsGrant(Base):
    """A points duty granted by a secretary: admin of one programme (or all), or bin duty."""

    __tablename__ = "points_grants"
    __table_args__ = (Index("ix_points_grants_resident_id_kind", "resident_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("points_programmes.id", ondelete="CASCADE")
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    kind: Mapped[GrantKind] = mapped_column(
        str_enum(GrantKind, "points_grant_kind", native_enum=False, length=8)
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PointsRules(Base):
    """A community's points settings; every value is the community's own choice.

    `per_hour` maps a duty category to points per confirmed hour, `per_recycling` a
    recycling kind to points per record; an empty cap means no cap.
    """

    __tablename__ = "points_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    per_hour: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    per_recycling: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    award_cap: Mapped[int | None] = mapped_column(Integer)
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    by_household: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )


class RedemptionStatus(enum.StrEnum):
    """A redemption waits for its handover, was handed over, was rejected, or was cancelled
    by the member who asked."""

    PENDING = "pending"
    HANDED_OVER = "handed_over"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PointsItem(Base):
    """An item of a community's points shop (兑换目录): what it costs and how many are left.

    `held` is how many pending redemptions have set aside; `stock - held` are free. A NULL
    stock has no limit (the check passes on NULL).
    """

    __tablename__ = "points_items"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        CheckConstraint("held >= 0 AND held <= stock", name="held_within_stock"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("points_programmes.id", ondelete="RESTRICT")
    )
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(30))
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    programme: Mapped[PointsProgramme] = relationship()


class PointsRedemption(Base):
    """A member's request to redeem an item, holding its points until a points admin decides."""

    __tablename__ = "points_redemptions"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_points_redemptions_community_id_status", "community_id", "status"),
        # One redemption of an item per member waits for its handover at a time.
        Index(
            "ix_points_redemptions_pending_resident_item",
            "resident_id",
            "item_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("points_items.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id", ondelete="RESTRICT"))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    cost: Mapped[int] = mapped_column(Integer)
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "points_redemption_status", native_enum=False, length=16),
        default=RedemptionStatus.PENDING,
    )
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(60), default="")

    item: Mapped[PointsItem] = relationship()
    account: Mapped[PointsAccount] = relationship()
    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])


class PointsJobKind(enum.StrEnum):
    """Scheduled points work: the monthly statements, and a programme's expiry."""

    STATEMENTS = "statements"
    EXPIRY = "expiry"


class PointsJob(Base):
    """One piece of scheduled points work, due at a time and marked done in its transaction."""

    __tablename__ = "points_jobs"
    __table_args__ = (Index("ix_points_jobs_kind_done_at_due_at", "kind", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PointsJobKind] = mapped_column(
        str_enum(PointsJobKind, "points_job_kind", native_enum=False, length=16)
    )
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("points_programmes.id", ondelete="CASCADE")
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RankOptOut(Base):
    """A member who asked not to be named on points boards (积分榜 不显示我)."""

    __tablename__ = "points_rank_optouts"

    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UtcDateTime)
