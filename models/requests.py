"""Requests (接诉即办): residents' reports, the party-member chain that owns them, each step."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.grid import Place
from models.people import Resident


class RequestCategory(enum.StrEnum):
    """What a request is about."""

    FACILITIES = "facilities"
    SANITATION = "sanitation"
    SECURITY = "security"
    DISPUTE = "dispute"
    PROPERTY = "property"
    OTHER = "other"


class Layer(enum.StrEnum):
    """A layer of the chain, lowest first; the grid worker is a route of its own."""

    MEMBER = "member"
    CENTRAL = "central"
    BRANCH = "branch"
    GRID = "grid"
    COMMUNITY = "community"


class RequestStatus(enum.StrEnum):
    """Open waits to be taken; resolved waits for the reporter; the rest are finished."""

    OPEN = "open"
    TAKEN = "taken"
    RESOLVED = "resolved"
    CLOSED = "closed"
    SENT_BACK = "sent_back"
    WITHDRAWN = "withdrawn"


class StepKind(enum.StrEnum):
    """What happened to a request."""

    ROUTED = "routed"
    TAKEN = "taken"
    REPLIED = "replied"
    ESCALATED = "escalated"
    OVERDUE = "overdue"
    RESOLVED = "resolved"
    SENT_BACK = "sent_back"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"
    RATED = "rated"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    URGED = "urged"


class ChainNode(Base):
    """One person at one layer of a community's chain, under the node `parent_id`."""

    __tablename__ = "request_chain"
    __table_args__ = (UniqueConstraint("community_id", "resident_id", "layer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    layer: Mapped[Layer] = mapped_column(
        str_enum(Layer, "chain_layer", native_enum=False, length=16)
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_chain.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    resident: Mapped[Resident] = relationship()
    parent: Mapped[ChainNode | None] = relationship(remote_side=[id])


class ChainCover(Base):
    """A building, unit or household a party member covers."""

    __tablename__ = "request_covers"
    __table_args__ = (UniqueConstraint("node_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("request_chain.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)

    node: Mapped[ChainNode] = relationship()
    place: Mapped[Place] = relationship()


class RequestRules(Base):
    """A community's own request rules: hours to accept, days to solve, categories routed."""

    __tablename__ = "request_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    accept_hours: Mapped[int | None] = mapped_column(Integer)
    solve_days: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    routes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )


class Request(Base):
    """A resident's request, numbered in its community, with its owner and next deadline."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_requests_due_at", "due_at"),
        Index("ix_requests_owner_community_status", "owner_id", "community_id", "status"),
        Index("ix_requests_community_created", "community_id", "created_at"),
        Index("ix_requests_community_status", "community_id", "status"),
        Index("ix_requests_first_node_id", "first_node_id"),
        Index("ix_requests_node_community_status", "node_id", "community_id", "status"),
        Index("ix_requests_reporter_community_number", "reporter_id", "community_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    category: Mapped[RequestCategory] = mapped_column(
        str_enum(RequestCategory, "request_category", native_enum=False, length=16)
    )
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status", native_enum=False, length=16)
    )
    layer: Mapped[Layer] = mapped_column(
        str_enum(Layer, "chain_layer", native_enum=False, length=16)
    )
    node_id: Mapped[int | None] = mapped_column(ForeignKey("request_chain.id", ondelete="SET NULL"))
    first_node_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_chain.id", ondelete="SET NULL")
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str] = mapped_column(String(500), default="")
    # The picture (or file) sent with the report, as a Reply carries it; only owners see it.
    image: Mapped[str | None] = mapped_column(String(500))
    document: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When its reporter last urged its handler (催办): at most once a day.
    urged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    community: Mapped[Place] = relationship(foreign_keys=[community_id])
    place: Mapped[Place | None] = relationship(foreign_keys=[place_id])
    reporter: Mapped[Resident | None] = relationship(foreign_keys=[reporter_id])
    owner: Mapped[Resident | None] = relationship(foreign_keys=[owner_id])
    node: Mapped[ChainNode | None] = relationship(foreign_keys=[node_id])
    first_node: Mapped[ChainNode | None] = relationship(foreign_keys=[first_node_id])


class RequestStep(Base):
    """One step of a request: who did what, at which layer, and who owned it after."""

    __tablename__ = "request_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[StepKind] = mapped_column(
        str_enum(StepKind, "request_step_kind", native_enum=False, length=16)
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    layer: Mapped[Layer] = mapped_column(
        str_enum(Layer, "chain_layer", native_enum=False, length=16)
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(500), default="")


class RequestDigest(Base):
    """When a community's secretaries next get the list of overdue requests."""

    __tablename__ = "request_digests"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class MediationStatus(enum.StrEnum):
    """Open while the parties talk; agreed with an outcome, or ended without one."""

    OPEN = "open"
    AGREED = "agreed"
    ENDED = "ended"


class Mediation(Base):
    """A neighbours' dispute (邻里纠纷) mediated: the other party and the mediator; the
    reporter is the request's. Relayed messages are never stored."""

    __tablename__ = "request_mediations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), unique=True
    )
    other_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    mediator_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MediationStatus] = mapped_column(
        str_enum(MediationStatus, "mediation_status", native_enum=False, length=16)
    )
    outcome: Mapped[str] = mapped_column(String(500), default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    request: Mapped[Request] = relationship()
    other: Mapped[Resident | None] = relationship(foreign_keys=[other_id])
    mediator: Mapped[Resident | None] = relationship(foreign_keys=[mediator_id])
