"""Owners' verbs: take (接单), reply (回复), escalate (上报), resolve (办结诉求), send back."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply
from bot.services.common import audit
from bot.services.common.quiet import default_quiet, quiet_hours
from bot.services.common.when import moment_data
from bot.services.requests import chain
from bot.services.requests.desk import (
    Acted,
    assign,
    owned,
    owner_name,
    step,
    take_buttons_gone,
    to_owner,
    to_reporter,
    waiting_one,
)
from bot.services.requests.rules import CONFIRM_WITHIN, rules_of
from models import Place, Request, RequestStatus, Resident, StepKind

MAX_TEXT = 500


def said(text: str, usage: str) -> str:
    """The words typed, trimmed: the usage reply when there are none, a limit when too many."""
    words = text.strip()
    if not words:
        raise DomainError(usage)
    if len(words) > MAX_TEXT:
        raise DomainError("core.argument_too_long", limit=MAX_TEXT)
    return words


def take(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident,
    community: Place,
    number: int | None,
    language: str,
) -> Acted:
    """The owner (or a secretary stepping in) takes an open request; the solving clock starts,
    its deadline out of the community's quiet hours. Without a number, the one waiting for
    the actor to take it; where several wait, they are asked which."""
    if number is None:
        number = _to_take(session, community, actor)
    request = owned(session, community, number, actor)
    if request.status != RequestStatus.OPEN:
        raise DomainError("requests.not_open", number=number, state=request.status.value)
    days = rules_of(session, community).solve_days[request.category]
    request.status, request.taken_at, request.owner = RequestStatus.TAKEN, now, actor
    quiet = quiet_hours(session, community.id, default_quiet(settings))
    # No deadline runs out while everyone sleeps: one in quiet hours moves to their end.
    request.due_at, request.overdue = quiet.over(now + timedelta(days=days)), False
    session.flush()
    step(session, now, request, StepKind.TAKEN, actor)
    due = moment_data(request.due_at, settings.zone, now)
    notice = Reply(
        "requests.taken_notice", {"number": number, "name": actor.display_name, "due": due}
    )
    envelopes = to_reporter(request, notice, language) + take_buttons_gone(
        session, now, request, settings, actor
    )
    return Acted(number, actor.display_name, request.layer.value, request.due_at, envelopes)


def _to_take(session: Session, community: Place, actor: Resident) -> int:
    waits = and_(Request.owner_id == actor.id, Request.status == RequestStatus.OPEN)
    return waiting_one(session, community, waits, "requests.none_to_take", "requests.which_to_take")


def reply(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    number: int,
    text: str,
    language: str,
) -> Acted:
    """The owner's words go privately to the reporter."""
    words = said(text, "requests.reply_usage")
    request = owned(session, community, number, actor)
    step(session, now, request, StepKind.REPLIED, actor, words)
    notice = Reply(
        "requests.reply_notice", {"number": number, "name": actor.display_name, "text": words}
    )
    return Acted(number, envelopes=to_reporter(request, notice, language))


def escalate(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident,
    community: Place,
    number: int,
    why: str,
    language: str,
) -> Acted:
    """The owner hands it one layer up, saying why; the new owner and the reporter are told.
    A solved one waits for its reporter to confirm or reopen it."""
    words = said(why, "requests.escalate_usage")
    request = owned(session, community, number, actor)
    if request.status == RequestStatus.RESOLVED:
        raise DomainError("requests.already_resolved", number=number)
    current = chain.Owner(request.layer, request.node, actor)
    # Passing it to oneself would change nothing: the layers one holds are skipped.
    higher = chain.above_others(session, community, current, actor)
    if higher is None:
        raise DomainError("requests.top_layer", number=number)
    assign(session, now, settings, request, higher)
    step(session, now, request, StepKind.ESCALATED, actor, words)
    envelopes = to_owner(
        session, now, request, settings, language, StepKind.ESCALATED, words, actor.display_name
    )
    notice = escalated_notice(request.number, request.layer.value, owner_name(request), False)
    envelopes += to_reporter(request, notice, language)
    return Acted(number, owner_name(request), request.layer.value, request.due_at, envelopes)


def escalated_notice(
    number: int, layer: str, owner: str, overdue: bool, untaken: bool = False
) -> Reply:
    """What the reporter hears when their request goes up a layer (`overdue`: late, and
    `untaken`: not even taken)."""
    data = {
        "number": number,
        "layer": layer,
        "owner": owner,
        "overdue": overdue,
        "untaken": untaken,
    }
    return Reply("requests.escalated_notice", data)


def resolve(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    number: int | None,
    how: str,
    language: str,
) -> Acted:
    """The owner says how it was solved; the reporter confirms or reopens within 3 days. No
    number: the one request the owner has taken."""
    words = said(how, "requests.resolve_usage")
    if number is None:
        waits = and_(Request.owner_id == actor.id, Request.status == RequestStatus.TAKEN)
        number = waiting_one(
            session, community, waits, "requests.none_to_resolve", "requests.which_to_resolve"
        )
    request = owned(session, community, number, actor)
    return Acted(number, envelopes=mark_resolved(session, now, request, actor, words, language))


def mark_resolved(
    session: Session, now: datetime, request: Request, actor: Resident, how: str, language: str
) -> list[Envelope]:
    """Record how it was solved; the reporter is asked to confirm or reopen, and to rate."""
    number, words = request.number, how
    if request.status == RequestStatus.RESOLVED:
        raise DomainError("requests.already_resolved", number=number)
    request.status, request.resolved_at, request.resolution = RequestStatus.RESOLVED, now, words
    request.due_at, request.overdue = now + CONFIRM_WITHIN, False
    session.flush()
    step(session, now, request, StepKind.RESOLVED, actor, words)
    choices = [
        [
            Choice("requests.confirm_button", f"/solved {number}", True, True),
            Choice("requests.reopen_button", f"/reopen {number}", True, True),
        ]
    ]
    data = {"number": number, "name": actor.display_name, "how": words, "days": CONFIRM_WITHIN.days}
    notice = Reply("requests.resolved_notice", data, choices)
    return to_reporter(request, notice, language)


def send_back(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    number: int,
    why: str,
    language: str,
) -> Acted:
    """The owner sends it back (not ours, a duplicate), saying why; the reporter is told."""
    words = said(why, "requests.sendback_usage")
    request = owned(session, community, number, actor)
    request.status, request.closed_at = RequestStatus.SENT_BACK, now
    request.due_at, request.overdue = None, False
    session.flush()
    step(session, now, request, StepKind.SENT_BACK, actor, words)
    audit.record(session, now, "request.send_back", actor_id=actor.id, place_id=community.id)
    notice = Reply("requests.sent_back_notice", {"number": number, "why": words})
    return Acted(number, envelopes=to_reporter(request, notice, language))
