"""Binding a chat needs the community's say: secretaries and grid workers bind, others request."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit, outreach
from bot.services.community import roles
from bot.services.community.circles import ChatSpec, attach_chat, bound_chat, clean_title
from bot.services.community.grid import full_name, resolve_place
from models import (
    BindingRequest,
    BindingStatus,
    Circle,
    CircleChat,
    CircleKind,
    Place,
    PlaceKind,
    Resident,
)


class BindOutcome(enum.StrEnum):
    """What /bind did."""

    BOUND = "bound"
    ALREADY = "already"
    REQUESTED = "requested"
    WAITING = "waiting"


@dataclass(frozen=True)
class CircleView:
    """A circle as messages name it: its place below the street, its kind and its own name."""

    place: str
    kind: str
    name: str


@dataclass(frozen=True)
class RequestView:
    """A binding request as messages show it, and the chat that asked."""

    number: int
    title: str
    place: str
    kind: str
    name: str
    requester: str
    platform: str
    chat_id: str


@dataclass(frozen=True)
class BindResult:
    """The outcome of /bind: the circle and the chat's binding, or the request and whom to ask."""

    outcome: BindOutcome
    circle: CircleView | None = None
    binding: CircleChat | None = None
    request: RequestView | None = None
    deciders: tuple[Resident, ...] = ()


def circle_view(session: Session, circle: Circle) -> CircleView:
    """How messages name a circle."""
    place = full_name(session, circle.place, below=PlaceKind.STREET)
    return CircleView(place, circle.kind.value, circle.name)


def request_view(session: Session, request: BindingRequest) -> RequestView:
    """How messages show a binding request."""
    return RequestView(
        number=request.id,
        title=request.chat_title,
        place=full_name(session, request.place, below=PlaceKind.STREET),
        kind=request.kind.value,
        name=request.name,
        requester=request.requester.display_name if request.requester else "",
        platform=request.platform,
        chat_id=request.chat_id,
    )


def bind(
    session: Session,
    now: datetime,
    *,
    actor: Resident,
    platform_admin: bool,
    chat: ChatSpec,
    place_query: str,
    kind: CircleKind,
    name: str = "",
) -> BindResult:
    """Bind a chat (secretaries, grid workers), or file a request (the chat's platform admins).

    Moving a bound chat needs the say of both communities, so only their secretaries and
    grid workers may do it.
    """
    place = resolve_place(session, place_query)
    if place.kind in (PlaceKind.STREET, PlaceKind.HOUSEHOLD):
        raise DomainError("circles.bind_level", place=place.name)
    current = bound_chat(session, chat.platform, chat.chat_id)
    if current is not None:
        same = current.circle
        if same.place_id == place.id and same.kind == kind and same.name == name:
            return BindResult(BindOutcome.ALREADY, circle_view(session, same), current)
    if access.may_bind(session, actor.id, place):
        if current is not None and not access.may_bind(session, actor.id, current.circle.place):
            raise _move_refused(session, current)
        _withdraw(session, now, chat, actor)
        admin = actor if platform_admin else None
        circle = attach_chat(session, now, chat, place, kind, name, actor_id=actor.id, admin=admin)
        bound = bound_chat(session, chat.platform, chat.chat_id)
        return BindResult(BindOutcome.BOUND, circle_view(session, circle), bound)
    if current is not None and (
        platform_admin or access.may_bind(session, actor.id, current.circle.place)
    ):
        raise _move_refused(session, current)
    if not platform_admin:
        raise DomainError("circles.bind_not_allowed")
    return _request(session, now, actor, chat, place, kind, name)


def _move_refused(session: Session, current: CircleChat) -> DomainError:
    return DomainError(
        "circles.rebind_not_allowed", circle=roles.circle_title(session, current.circle)
    )


def pending_request(session: Session, platform: str, chat_id: str) -> BindingRequest | None:
    """The request of a chat that waits for a decision, if any."""
    return session.scalar(
        select(BindingRequest).where(
            BindingRequest.platform == platform,
            BindingRequest.chat_id == chat_id,
            BindingRequest.status == BindingStatus.PENDING,
        )
    )


def _request(
    session: Session,
    now: datetime,
    actor: Resident,
    chat: ChatSpec,
    place: Place,
    kind: CircleKind,
    name: str,
) -> BindResult:
    """File a request for the chat; a new target replaces the chat's pending request."""
    pending = pending_request(session, chat.platform, chat.chat_id)
    if pending and (pending.place_id, pending.kind, pending.name) == (place.id, kind, name):
        return BindResult(BindOutcome.WAITING, request=request_view(session, pending))
    deciders = outreach.deciders(session, place)
    if not deciders:
        community = access.community_of(session, place)
        raise DomainError("circles.bind_nobody_to_approve", community=community.name)
    _withdraw(session, now, chat, actor)
    request = BindingRequest(
        platform=chat.platform,
        chat_id=chat.chat_id,
        chat_title=clean_title(chat.title),
        place=place,
        kind=kind,
        name=name,
        requester_id=actor.id,
        status=BindingStatus.PENDING,
        created_at=now,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        now,
        "circle.bind_request",
        actor_id=actor.id,
        place_id=place.id,
        request=request.id,
        platform=chat.platform,
        chat_id=chat.chat_id,
        kind=kind.value,
    )
    return BindResult(
        BindOutcome.REQUESTED, request=request_view(session, request), deciders=tuple(deciders)
    )


def _withdraw(session: Session, now: datetime, chat: ChatSpec, actor: Resident) -> None:
    """A chat's pending request gives way to a newer request or a direct binding."""
    pending = pending_request(session, chat.platform, chat.chat_id)
    if pending is not None:
        pending.status = BindingStatus.WITHDRAWN
        pending.decided_by_id = actor.id
        pending.decided_at = now
        session.flush()


@dataclass(frozen=True)
class Decision:
    """A decided request; when approved, the circle the chat joined and its binding there."""

    request: RequestView
    circle: CircleView | None = None
    binding: CircleChat | None = None


def decide(
    session: Session, now: datetime, actor: Resident, number: int, *, approve: bool
) -> Decision:
    """A secretary or grid worker approves or rejects request `number`."""
    request = session.get(BindingRequest, number)
    if request is None or not access.may_bind(session, actor.id, request.place):
        raise DomainError("circles.no_such_bind_request", number=number)
    if request.status != BindingStatus.PENDING:
        raise DomainError("circles.bind_request_closed", number=number, status=request.status.value)
    chat = ChatSpec(request.platform, request.chat_id, request.chat_title)
    circle: Circle | None = None
    if approve:
        current = bound_chat(session, chat.platform, chat.chat_id)
        if current is not None and not access.may_bind(session, actor.id, current.circle.place):
            raise _move_refused(session, current)
        circle = attach_chat(
            session,
            now,
            chat,
            request.place,
            request.kind,
            request.name,
            actor_id=actor.id,
            admin=request.requester,
        )
    request.status = BindingStatus.APPROVED if approve else BindingStatus.REJECTED
    request.decided_by_id = actor.id
    request.decided_at = now
    audit.record(
        session,
        now,
        "circle.bind_approve" if approve else "circle.bind_reject",
        actor_id=actor.id,
        target_id=request.requester_id,
        place_id=request.place_id,
        request=request.id,
    )
    if circle is None:
        return Decision(request_view(session, request))
    bound = bound_chat(session, chat.platform, chat.chat_id)
    return Decision(request_view(session, request), circle_view(session, circle), bound)


def waiting_for(session: Session, actor: Resident) -> list[RequestView]:
    """The pending requests this secretary or grid worker may decide, oldest first."""
    pending = session.scalars(
        select(BindingRequest)
        .where(BindingRequest.status == BindingStatus.PENDING)
        .order_by(BindingRequest.id)
    )
    return [
        request_view(session, r) for r in pending if access.may_bind(session, actor.id, r.place)
    ]
