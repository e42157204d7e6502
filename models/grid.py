"""The community grid: street, community, estate, building, unit and household."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum


class PlaceKind(enum.StrEnum):
    """The levels of the grid, widest first."""

    STREET = "street"
    COMMUNITY = "community"
    ESTATE = "estate"
    BUILDING = "building"
    UNIT = "unit"
    HOUSEHOLD = "household"

    @property
    def depth(self) -> int:
        """Zero for a street, five for a household."""
        return _DEPTHS[self]


_DEPTHS = {kind: depth for depth, kind in enumerate(PlaceKind)}


class Place(Base):
    """One node of the grid; `path` lists ancestor ids for prefix queries by scope.

    `listed` is false for households that a resident's registration created, true
    for places the operator put in the grid. A household is verified when listed, or
    once a building head, unit head or grid worker confirmed it (`verified_at`).
    """

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        # Paths are matched by prefix (LIKE 'prefix%'), which PostgreSQL searches an index
        # for only in the C collation, or with this operator class.
        Index("ix_places_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind, "place_kind"))
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(200), default="")
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    parent: Mapped[Place | None] = relationship(remote_side=[id])

    def contains(self, other: Place) -> bool:
        """True when `other` is this place or lies inside it."""
        return other.path.startswith(self.path)

    @property
    def verified(self) -> bool:
        """Grid households count as verified; registered ones once someone confirmed them."""
        return self.listed or self.verified_at is not None
