"""Mediation (调解) of a neighbours' dispute: two parties and a mediator talk through the bot,
privately; an agreed outcome resolves the request, ending without one hands it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply
from bot.services.common import access
from bot.services.common.outreach import to_person
from bot.services.community.people import Named, people_named
from bot.services.requests import chain
from bot.services.requests.desk import ask_key, assign, owned
from bot.services.requests.handling import mark_resolved, said
from models import (
    Circle,
    Mediation,
    MediationStatus,
    Place,
    Request,
    RequestCategory,
    RequestStatus,
    Resident,
)


@dataclass(frozen=True)
class Mediated:
    """A mediation verb done on request `number`: the sender's role in it, the mediator's
    name and the private messages it sends."""

    number: int
    role: str = ""
    mediator: str = ""
    envelopes: list[Envelope] = field(default_factory=list)


def open_mediation(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    number: int,
    named: Named,
    language: str,
) -> Mediated:
    """`调解 3 @对方 [@调解员]`: the owner or a secretary opens a mediation of a dispute;
    the mediator is the opener unless named; the clock stops while they talk."""
    if not 1 <= named.count <= 2 or named.rest:
        raise DomainError("requests.mediate_usage")
    other, *named_mediator = people_named(session, now, community, circle, named)
    request = owned(session, community, number, actor)
    if request.category != RequestCategory.DISPUTE:
        raise DomainError("requests.not_dispute", number=number)
    if request.status == RequestStatus.RESOLVED:
        raise DomainError("requests.already_resolved", number=number)
    chosen = named_mediator[0] if named_mediator else actor
    if len({request.reporter_id, other.id, chosen.id}) < 3:
        raise DomainError("requests.mediate_self")
    if not access.may_mediate(session, chosen.id, community):
        raise DomainError("requests.not_mediator", name=chosen.display_name)
    found = session.scalar(select(Mediation).where(Mediation.request_id == request.id))
    if found is not None and found.status == MediationStatus.OPEN:
        raise DomainError("requests.mediation_open", number=number)
    mediation = found or Mediation(request=request)
    mediation.other, mediation.mediator, mediation.opened_at = other, chosen, now
    mediation.status, mediation.outcome, mediation.closed_at = MediationStatus.OPEN, "", None
    session.add(mediation)
    request.status, request.due_at, request.overdue = RequestStatus.TAKEN, None, False
    request.taken_at = request.taken_at or now
    session.flush()
    data = {"number": number, "mediator": chosen.display_name}
    envelopes = _to(request.reporter, Reply("requests.mediation_opened_notice", data), language)
    envelopes += _to(other, Reply("requests.mediation_invited", data), language)
    if chosen.id != actor.id:
        reporter = request.reporter.display_name if request.reporter else ""
        text = {"number": number, "text": request.text, "reporter": reporter}
        text["other"] = other.display_name
        envelopes += _to(chosen, Reply("requests.mediation_assigned", text), language)
    return Mediated(number, "mediator", chosen.display_name, envelopes)


def relay(
    session: Session,
    actor: Resident,
    community: Place,
    number: int,
    text: str,
    language: str,
) -> Mediated:
    """`调解 3 说 …`: a party's words go to the other party and the mediator, the mediator's
    to both parties; parties are named to each other only as 对方 and 调解员."""
    words = said(text, "requests.say_usage")
    mediation, role = _open_as(session, community, number, actor)
    envelopes: list[Envelope] = []
    for person, their_role in _people(mediation):
        if person is None or person.id == actor.id:
            continue
        sender = role if their_role == "mediator" or role == "mediator" else "party"
        name = actor.display_name if their_role == "mediator" else ""
        data = {"number": number, "sender": sender, "name": name, "text": words}
        envelopes += _to(person, Reply("requests.mediation_said", data), language)
    return Mediated(number, role, envelopes=envelopes)


def agree(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    number: int,
    outcome: str,
    language: str,
) -> Mediated:
    """`调解 3 结果 …`: the mediator records what both agreed; the request is resolved and
    the reporter confirms as usual; the other party hears the outcome."""
    words = said(outcome, "requests.outcome_usage")
    mediation, role = _open_as(session, community, number, actor)
    if role != "mediator":
        raise DomainError("requests.mediator_only", number=number)
    mediation.status, mediation.outcome, mediation.closed_at = MediationStatus.AGREED, words, now
    envelopes = mark_resolved(session, now, mediation.request, actor, words, language)
    notice = Reply("requests.mediation_agreed", {"number": number, "outcome": words})
    envelopes += _to(mediation.other, notice, language)
    return Mediated(number, role, actor.display_name, envelopes)


def end(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident,
    community: Place,
    number: int,
    language: str,
) -> Mediated:
    """`调解 3 结束`: the mediator (or a secretary) ends it without agreement; both parties are
    told and the request goes back to its owner, to be taken again."""
    mediation, role = _open_as(session, community, number, actor, secretaries=True)
    if role not in ("mediator", "secretary"):
        raise DomainError("requests.mediator_only", number=number)
    return Mediated(
        number, role, envelopes=_hand_back(session, now, settings, mediation, actor, language)
    )


def _hand_back(
    session: Session,
    now: datetime,
    settings: Settings,
    mediation: Mediation,
    actor: Resident,
    language: str,
    left: bool = False,
) -> list[Envelope]:
    """End a mediation without agreement (or as someone in it, `left`, is erased): the request
    goes back to its owner, asked to take it again; everyone else in it is told."""
    mediation.status, mediation.closed_at = MediationStatus.ENDED, now
    request = mediation.request
    number = request.number
    assign(session, now, settings, request, chain.Owner(request.layer, request.node, request.owner))
    owner_id = request.owner.id if request.owner is not None else None
    notice = Reply("requests.mediation_ended_notice", {"number": number, "left": left})
    envelopes: list[Envelope] = []
    for person, _ in _people(mediation):
        if person is not None and person.id not in (actor.id, owner_id):
            envelopes += _to(person, notice, language)
    if request.owner is not None and owner_id != actor.id:
        choices = [[Choice("requests.take_button", f"/take {number}", True, True)]]
        back = Reply("requests.mediation_back", {"number": number, "left": left}, choices)
        asking = _to(request.owner, back, language)
        key = ask_key(session, request)
        for envelope in asking:
            # Taking the request edits this message too, as every one asking to take it.
            envelope.key = key
        envelopes += asking
    return envelopes


def end_withdrawn(
    mediation: Mediation, now: datetime, told: Resident | None, language: str
) -> list[Envelope]:
    """End the mediation of a request its reporter withdrew; the other party and the
    mediator (unless `told` of the withdrawal already) hear it."""
    mediation.status, mediation.closed_at = MediationStatus.ENDED, now
    notice = Reply("requests.mediation_withdrawn", {"number": mediation.request.number})
    envelopes = _to(mediation.other, notice, language)
    mediator = mediation.mediator
    if mediator is not None and (told is None or mediator.id != told.id):
        envelopes += _to(mediator, notice, language)
    return envelopes


def in_progress(session: Session, request: Request) -> Mediation | None:
    """The request's mediation while it is open; None otherwise."""
    return session.scalar(
        select(Mediation).where(
            Mediation.request_id == request.id, Mediation.status == MediationStatus.OPEN
        )
    )


def moved_notice(mediation: Mediation, language: str) -> list[Envelope]:
    """Tell the request's new owner it came to them mid-mediation: nothing to take until the
    mediation ends, and back to them if it ends without agreement."""
    request = mediation.request
    mediator = mediation.mediator.display_name if mediation.mediator is not None else ""
    data = {"number": request.number, "text": request.text, "mediator": mediator}
    return _to(request.owner, Reply("requests.mediation_moved", data), language)


def mediations_of(session: Session, resident: Resident) -> list[tuple[int, str, str]]:
    """A resident's mediations for /mydata: number, their role and the state."""
    rows = session.scalars(
        select(Mediation)
        .join(Request, Request.id == Mediation.request_id)
        .where(_involving(resident))
        .order_by(Mediation.id)
    )
    return [(m.request.number, access.mediation_role(m, resident.id), m.status.value) for m in rows]


def forget_mediations(
    session: Session, now: datetime, settings: Settings, resident: Resident, language: str
) -> list[Envelope]:
    """Before a resident is erased: they leave all their mediations, and the outcome, which
    may name the parties, goes with them. An open one they are a party to or mediate ends
    and goes back to its owner, the others told; one they reported ends as it is withdrawn."""
    rows = session.scalars(
        select(Mediation)
        .join(Request, Request.id == Mediation.request_id)
        .where(_involving(resident))
    ).all()
    envelopes: list[Envelope] = []
    for mediation in rows:
        reported = mediation.request.reporter_id == resident.id
        if mediation.status == MediationStatus.OPEN and not reported:
            envelopes += _hand_back(session, now, settings, mediation, resident, language, True)
        mediation.outcome = ""
        if mediation.other_id == resident.id:
            mediation.other_id = None
        if mediation.mediator_id == resident.id:
            mediation.mediator_id = None
    session.flush()
    return envelopes


def _involving(resident: Resident) -> ColumnElement[bool]:
    return or_(
        Request.reporter_id == resident.id,
        Mediation.other_id == resident.id,
        Mediation.mediator_id == resident.id,
    )


def _open_as(
    session: Session, community: Place, number: int, actor: Resident, secretaries: bool = False
) -> tuple[Mediation, str]:
    """The open mediation of request `number` and the actor's role in it (a secretary's, where
    `secretaries` may act); to anyone else, as if there were none."""
    mediation = session.scalar(
        select(Mediation)
        .join(Request, Request.id == Mediation.request_id)
        .where(Request.community_id == community.id, Request.number == number)
    )
    if mediation is None or not access.sees_mediation(session, actor.id, mediation):
        raise DomainError("requests.no_mediation", number=number)
    role = access.mediation_role(mediation, actor.id)
    if not role and secretaries:
        role = "secretary"
    if not role:
        raise DomainError("requests.not_party", number=number)
    if mediation.status != MediationStatus.OPEN:
        raise DomainError("requests.mediation_closed", number=number)
    return mediation, role


def _people(mediation: Mediation) -> list[tuple[Resident | None, str]]:
    return [
        (mediation.request.reporter, "reporter"),
        (mediation.other, "other"),
        (mediation.mediator, "mediator"),
    ]


def _to(person: Resident | None, reply: Reply, language: str) -> list[Envelope]:
    return to_person(person, reply, language) if person is not None else []
