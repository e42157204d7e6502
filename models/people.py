"""Residents and the platform identities they speak from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime
from models.grid import Place


class Resident(Base):
    """A person known to the bot; registered once linked to a household."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="SET NULL"), index=True
    )
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    household: Mapped[Place | None] = relationship()
    identities: Mapped[list[Identity]] = relationship(back_populates="resident")


class Identity(Base):
    """One platform account (platform + external id, both strings) of a resident."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_identities_platform_username", "platform", "username"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64))
    private_chat_open: Mapped[bool] = mapped_column(Boolean, default=False)

    resident: Mapped[Resident] = relationship(back_populates="identities")
