"""Circles, the chats bound to them, and who belongs to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.grid import Place
from models.people import Resident


class CircleKind(enum.StrEnum):
    """What a circle is for."""

    NEIGHBOUR = "neighbour"
    PARTY = "party"
    ASSOCIATION = "association"
    SERVICE = "service"


class Circle(Base):
    """A group of residents bound to one place, reachable through one or more chats."""

    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("place_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[CircleKind] = mapped_column(str_enum(CircleKind, "circle_kind"))
    name: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    place: Mapped[Place] = relationship()
    chats: Mapped[list[CircleChat]] = relationship(back_populates="circle")


class CircleChat(Base):
    """A platform chat (a Telegram group, a WeChat room, a console group) of a circle."""

    __tablename__ = "circle_chats"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The circle was created for this chat: its platform admins count as the circle's admins.
    founder: Mapped[bool] = mapped_column(Boolean, default=False)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime)

    circle: Mapped[Circle] = relationship(back_populates="chats")


class Membership(Base):
    """A resident seen in a circle; `left_at` is set when they leave its chats."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("circle_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    circle: Mapped[Circle] = relationship()
    resident: Mapped[Resident] = relationship()
