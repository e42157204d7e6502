"""The reporter's verbs: confirm it solved (确认解决), reopen (重新办理), rate (评价 1–5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Reply
from bot.services.common.keywords import normalise, numeral_value
from bot.services.common.numbering import the_one
from bot.services.common.outreach import to_person
from bot.services.requests import chain
from bot.services.requests.desk import (
    FINISHED,
    Acted,
    assign,
    find_request,
    owner_name,
    step,
    to_owner,
)
from models import Place, Request, RequestStatus, Resident, StepKind

MAX_REASON = 500


def _mine(session: Session, community: Place, number: int, reporter: Resident) -> Request:
    request = find_request(session, community, number, reporter)
    if request.reporter_id != reporter.id:
        raise DomainError("requests.reporter_only", number=number)
    return request


def _resolved(request: Request) -> None:
    if request.status in FINISHED:
        raise DomainError("requests.finished", number=request.number, state=request.status.value)
    if request.status != RequestStatus.RESOLVED:
        raise DomainError("requests.not_resolved", number=request.number)


def _awaiting(session: Session, community: Place, reporter: Resident, which: str) -> int:
    """The number of the reporter's one request solved and waiting for their word; where
    several wait, the refusal `which` names them."""
    waiting = session.scalars(
        select(Request.number)
        .where(
            Request.community_id == community.id,
            Request.reporter_id == reporter.id,
            Request.status == RequestStatus.RESOLVED,
        )
        .order_by(Request.number)
    ).all()
    return the_one(waiting, "requests.none_to_confirm", which)


def confirm(
    session: Session,
    now: datetime,
    reporter: Resident,
    community: Place,
    number: int | None,
    language: str,
) -> Acted:
    """The reporter confirms the solution: the request closes and its owner is told. Without
    a number, the one of theirs waiting for it; where several wait, they are asked which."""
    if number is None:
        number = _awaiting(session, community, reporter, "requests.which_to_confirm")
    request = _mine(session, community, number, reporter)
    _resolved(request)
    request.status, request.closed_at, request.due_at = RequestStatus.CLOSED, now, None
    session.flush()
    step(session, now, request, StepKind.CONFIRMED, reporter)
    notice = Reply("requests.confirmed_notice", {"number": number})
    owner = request.owner
    return Acted(number, envelopes=to_person(owner, notice, language) if owner else [])


def reopen(
    session: Session,
    now: datetime,
    settings: Settings,
    reporter: Resident,
    community: Place,
    number: int | None,
    why: str,
    language: str,
) -> Acted:
    """Within 3 days of its solution the reporter reopens it: the same owner takes it again.
    Without a number, the one of theirs waiting for their word; where several wait, which."""
    if number is None:
        number = _awaiting(session, community, reporter, "requests.which_to_reopen")
    request = _mine(session, community, number, reporter)
    if request.status in FINISHED:
        # Too late to reopen: a problem still there is reported afresh.
        raise DomainError("requests.reopen_finished", number=number, state=request.status.value)
    _resolved(request)
    words = why.strip()[:MAX_REASON]
    same = chain.Owner(request.layer, request.node, request.owner)
    request.resolved_at = None
    assign(
        session, now, settings, request, same if same.resident else chain.top(session, community)
    )
    step(session, now, request, StepKind.REOPENED, reporter, words)
    envelopes = to_owner(session, now, request, settings, language, StepKind.REOPENED, words)
    return Acted(number, owner_name(request), request.layer.value, request.due_at, envelopes)


def rate(
    session: Session, now: datetime, reporter: Resident, community: Place, number: int, stars: str
) -> int:
    """The reporter rates a solved request 1–5 (满意度), once; the stars given."""
    request = _mine(session, community, number, reporter)
    if request.resolved_at is None:
        raise DomainError("requests.not_resolved", number=number)
    value = numeral_value(normalise(stars).removesuffix("分").removesuffix("星").strip())
    if value is None or not 1 <= value <= 5:
        raise DomainError("requests.bad_rating", number=number)
    if request.rating is not None:
        raise DomainError("requests.already_rated", number=number, stars=request.rating)
    request.rating = value
    step(session, now, request, StepKind.RATED, reporter, str(value))
    return value
