"""The reporter's verbs: confirm it solved (确认解决), reopen (重新办理), rate (评价 1–5),
withdraw it (撤回) and urge its handler (催办)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply
from bot.services.common import access
from bot.services.common.keywords import normalise, numeral_value
from bot.services.common.outreach import to_person
from bot.services.common.quiet import default_quiet, recipients_quiet
from bot.services.common.when import moment_data
from bot.services.requests import chain
from bot.services.requests.desk import (
    FINISHED,
    Acted,
    asked_keys,
    asking_edited,
    assign,
    details,
    find_request,
    owner_name,
    step,
    to_owner,
    urge_key,
    urges,
    waiting_one,
)
from bot.services.requests.mediation import end_withdrawn, in_progress
from models import (
    OutboxMessage,
    OutboxState,
    Place,
    Request,
    RequestStatus,
    Resident,
    StepKind,
)

MAX_REASON = 500
# A reporter urges the handler of a request at most this often (催办), and first this long
# after reporting it: a handler gets a day before being urged.
URGE_EVERY = timedelta(hours=24)


@dataclass(frozen=True)
class Urged:
    """An urge sent on request `number`: its handler and layer, their deadline, when it
    reaches them where it waits for the end of quiet hours, its status (whose deadline that
    is: to take it, or to solve it), and the message itself."""

    number: int
    owner: str
    layer: str
    due_at: datetime | None
    held_until: datetime | None
    state: str
    envelopes: list[Envelope] = field(default_factory=list)


def _mine(session: Session, community: Place, number: int, reporter: Resident) -> Request:
    request = find_request(session, community, number, reporter)
    if not access.reported_request(reporter.id, request):
        raise DomainError("requests.reporter_only", number=number)
    return request


def _resolved(request: Request) -> None:
    if request.status in FINISHED:
        raise DomainError("requests.finished", number=request.number, state=request.status.value)
    if request.status != RequestStatus.RESOLVED:
        raise DomainError("requests.not_resolved", number=request.number)


def _still_open(request: Request, finished: str) -> None:
    """Refuse a request that is finished (the refusal `finished`) or solved and waiting for
    its reporter's word."""
    if request.status in FINISHED:
        raise DomainError(finished, number=request.number, state=request.status.value)
    if request.status == RequestStatus.RESOLVED:
        raise DomainError("requests.awaiting_you", number=request.number)


def _awaiting(session: Session, community: Place, reporter: Resident, which: str) -> int:
    """The number of the reporter's one request solved and waiting for their word; where
    several wait, the refusal `which` names them."""
    waits = and_(Request.reporter_id == reporter.id, Request.status == RequestStatus.RESOLVED)
    return waiting_one(session, community, waits, "requests.none_to_confirm", which)


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
    session: Session,
    now: datetime,
    reporter: Resident,
    community: Place,
    number: int | None,
    stars: str,
) -> Rated:
    """The reporter rates a solved request 1–5 (满意度), once. Without a number, the one of
    theirs solved and not yet rated; where several are, they are asked which."""
    if number is None:
        number = _to_rate(session, community, reporter)
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
    return Rated(number, value)


@dataclass(frozen=True)
class Rated:
    """The request rated and the stars given."""

    number: int
    stars: int


def _to_rate(session: Session, community: Place, reporter: Resident) -> int:
    waits = and_(
        Request.reporter_id == reporter.id,
        Request.resolved_at.is_not(None),
        Request.rating.is_(None),
    )
    return waiting_one(session, community, waits, "requests.none_to_rate", "requests.which_to_rate")


def _in_hand(reporter: Resident) -> ColumnElement[bool]:
    """The reporter's requests still being taken or handled: those to withdraw or urge."""
    return and_(
        Request.reporter_id == reporter.id,
        Request.status.in_((RequestStatus.OPEN, RequestStatus.TAKEN)),
    )


@dataclass(frozen=True)
class Withdrawable:
    """A request its reporter may withdraw (`撤回` alone offers it): number and what it says."""

    number: int
    text: str


def to_withdraw(session: Session, community: Place, reporter: Resident) -> list[Withdrawable]:
    """The reporter's requests here still being taken or handled, by number."""
    rows = session.execute(
        select(Request.number, Request.text)
        .where(Request.community_id == community.id, _in_hand(reporter))
        .order_by(Request.number)
    )
    return [Withdrawable(number, text) for number, text in rows]


def withdraw(
    session: Session,
    now: datetime,
    reporter: Resident,
    community: Place,
    number: int,
    why: str,
    language: str,
) -> Acted:
    """The reporter withdraws a request not yet finished (filed by mistake, solved by
    themselves): it closes, neither solved nor overdue, and whoever handles it is told. A
    solution waiting for their word is confirmed or reopened instead."""
    request = _mine(session, community, number, reporter)
    _still_open(request, "requests.withdraw_finished")
    words = why.strip()[:MAX_REASON]
    envelopes = close_withdrawn(session, now, request, reporter, words, language)
    return Acted(number, envelopes=envelopes)


def close_withdrawn(
    session: Session,
    now: datetime,
    request: Request,
    reporter: Resident,
    words: str,
    language: str,
) -> list[Envelope]:
    """Close a request its reporter withdrew, neither solved nor overdue: its owner is told
    what it said and why, anyone else in its mediation that it ended, and the messages asking
    to take it say it is withdrawn (one held for the morning goes no more)."""
    mediation = in_progress(session, request)
    # An owner whose request still waits for the morning never heard of it, and one whose
    # solution waits for the reporter's word has nothing left to do.
    idle = request.status == RequestStatus.RESOLVED or _held(session, now, request)
    owner = request.owner
    told = owner if owner is not None and owner.id != reporter.id and not idle else None
    request.status, request.closed_at = RequestStatus.WITHDRAWN, now
    request.due_at, request.overdue = None, False
    session.flush()
    step(session, now, request, StepKind.WITHDRAWN, reporter, words)
    data = {"number": request.number, "text": request.text, "why": words}
    notice = Reply("requests.withdrawn_notice", data)
    envelopes = to_person(told, notice, language) if told is not None else []
    if mediation is not None:
        envelopes += end_withdrawn(mediation, now, told, language)
    gone = Reply("requests.assigned_withdrawn", {"number": request.number})
    return envelopes + asking_edited(session, request, gone)


def _held(session: Session, now: datetime, request: Request) -> bool:
    """Whether a message asking the owner to handle the request waits for the morning."""
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.key.in_(asked_keys(session, request)),
        OutboxMessage.state == OutboxState.PENDING,
        OutboxMessage.not_before > now,
    )
    return session.scalar(waiting.limit(1)) is not None


def urge(
    session: Session,
    now: datetime,
    settings: Settings,
    reporter: Resident,
    community: Place,
    number: int | None,
    language: str,
) -> Urged:
    """The reporter urges the handler of a request still being handled (催办), a day after
    reporting it and once a day after that: the handler gets the request again privately;
    at night it waits for the morning. No number: the reporter's one such request."""
    if number is None:
        waits = _in_hand(reporter)
        number = waiting_one(
            session, community, waits, "requests.none_to_urge", "requests.which_to_urge"
        )
    request = _mine(session, community, number, reporter)
    _still_open(request, "requests.urge_finished")
    if in_progress(session, request) is not None:
        raise DomainError("requests.urge_mediating", number=number)
    owner = request.owner
    if owner is None:
        raise DomainError("requests.nobody_to_urge", number=number)
    due = moment_data(request.due_at, settings.zone, now) if request.due_at else None
    # The deadline told is the one the handler has now: to take it (open), or to solve it.
    state = request.status.value
    if now < request.created_at + URGE_EVERY:
        at = moment_data(request.created_at + URGE_EVERY, settings.zone, now)
        raise DomainError("requests.urge_too_soon", number=number, at=at, due=due, state=state)
    if request.urged_at is not None and now < request.urged_at + URGE_EVERY:
        at = moment_data(request.urged_at, settings.zone, now)
        following = moment_data(request.urged_at + URGE_EVERY, settings.zone, now)
        raise DomainError(
            "requests.already_urged", number=number, at=at, next=following, due=due, state=state
        )
    request.urged_at = now
    step(session, now, request, StepKind.URGED, reporter)
    data = details(session, now, request, settings) | {"state": state}
    untaken = request.status == RequestStatus.OPEN
    choices = [[Choice("requests.take_button", f"/take {number}", True, True)]] if untaken else []
    envelopes = to_person(owner, Reply("requests.urged_notice", data, choices), language)
    key = urge_key(request, urges(session, request))
    for envelope in envelopes:
        # One waiting for the morning goes no more once the request moves on.
        envelope.key = key
    held = _held_until(session, now, settings, envelopes)
    return Urged(
        number, owner.display_name, request.layer.value, request.due_at, held, state, envelopes
    )


def _held_until(
    session: Session, now: datetime, settings: Settings, envelopes: list[Envelope]
) -> datetime | None:
    """When a private message to the handler goes where it waits for the end of their quiet
    hours (those of the community they are found in, as the post office holds it)."""
    if not envelopes:
        return None
    target = envelopes[0].target
    found = recipients_quiet(session, target.platform, [target.chat_id], default_quiet(settings))
    quiet = found[target.chat_id]
    return quiet.over(now) if quiet.holds(now) else None
