"""Topics (议题): raising, seconding, the agenda, decisions, follow-up and the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Envelope, Reply, UserRef
from bot.services.common import audit
from bot.services.common.access import (
    Actor,
    community_of,
    is_secretary_for,
    manages,
    organises,
    require_topic_seen,
    seen_topics,
    topic_shown_in,
    topics_shown_in,
    unregistered,
)
from bot.services.common.numbering import next_number
from bot.services.common.outreach import circles_within, to_circle, to_person
from bot.services.common.rules import set_community_rules
from bot.services.common.when import moment_data
from bot.services.community.people import find_member_by_name, mentioned
from bot.services.deliberation import topic_views
from bot.services.deliberation.where import Where
from models import (
    Circle,
    Decision,
    DeliberationRules,
    Place,
    Poll,
    PollStatus,
    ProgressNote,
    Request,
    RequestStatus,
    Resident,
    Topic,
    TopicSecond,
    TopicStatus,
)

MAX_TITLE = 200
MAX_NOTE = 500
MAX_REASON = 300
MAX_OWNER = 64
LISTED = 20
# Statuses in which a topic still gathers support, can be voted on, or decided.
OPEN_FOR_SUPPORT = (TopicStatus.RAISED, TopicStatus.AGENDA)
UNDECIDED = (TopicStatus.RAISED, TopicStatus.AGENDA, TopicStatus.DELIBERATION)
FOLLOWED_UP = (TopicStatus.DECIDED, TopicStatus.IN_PROGRESS)


def seconds_needed(session: Session, community: Place, default: int) -> int:
    """How many households must support a topic in `community` to put it on the agenda."""
    rules = session.get(DeliberationRules, community.id)
    return rules.seconds_needed if rules is not None else default


def set_seconds_needed(
    session: Session, now: datetime, actor: Resident, community: Place, needed: int
) -> None:
    """A secretary sets their community's threshold."""
    if not is_secretary_for(session, actor.id, community):
        raise DomainError("deliberation.secretary_only")
    if not 1 <= needed <= 1000:
        raise DomainError("deliberation.bad_threshold")
    set_community_rules(
        session,
        now,
        DeliberationRules,
        community,
        "topic.threshold",
        actor_id=actor.id,
        values={"seconds_needed": needed},
        needed=needed,
    )


@dataclass(frozen=True)
class Support:
    """A topic's support after a change: households so far, needed, and whether it just
    reached the agenda."""

    topic: Topic
    count: int
    needed: int
    reached: bool


def propose(
    session: Session, now: datetime, resident: Resident, circle: Circle, title: str, default: int
) -> Support:
    """Raise a topic in a circle; the proposer's household is its first supporter."""
    title = " ".join(title.split())
    if not title:
        raise DomainError("deliberation.propose_usage")
    if len(title) > MAX_TITLE:
        raise DomainError("deliberation.title_too_long", limit=MAX_TITLE)
    community = community_of(session, circle.place)
    household = _household_in(session, resident, community)
    topic = Topic(
        community_id=community.id,
        number=next_number(session, Topic, community),
        circle=circle,
        place_id=circle.place_id,
        title=title,
        proposer=resident,
        status=TopicStatus.RAISED,
        hot=False,
        raised_at=now,
    )
    session.add(topic)
    session.flush()
    session.add(
        TopicSecond(topic_id=topic.id, household_id=household.id, resident_id=resident.id, at=now)
    )
    session.flush()
    return _after_support(session, now, topic, community, default)


def second(
    session: Session, now: datetime, resident: Resident, topic: Topic, default: int
) -> Support:
    """A household supports a topic (附议); one per household, and one per person."""
    community = session.get_one(Place, topic.community_id)
    household = _household_in(session, resident, community)
    if topic.status not in OPEN_FOR_SUPPORT:
        raise DomainError("deliberation.support_closed", number=topic.number, status=topic.status)
    before = session.scalar(
        select(TopicSecond.household_id).where(
            TopicSecond.topic_id == topic.id, TopicSecond.resident_id == resident.id
        )
    )
    if before is not None and before != household.id:
        raise DomainError("deliberation.seconded_before_move", number=topic.number)
    taken = session.scalar(
        select(TopicSecond.id).where(
            TopicSecond.topic_id == topic.id, TopicSecond.household_id == household.id
        )
    )
    if taken is not None:
        raise DomainError("deliberation.already_seconded", number=topic.number)
    try:
        with session.begin_nested():
            session.add(
                TopicSecond(
                    topic_id=topic.id, household_id=household.id, resident_id=resident.id, at=now
                )
            )
    except IntegrityError:
        raise DomainError("deliberation.already_seconded", number=topic.number) from None
    return _after_support(session, now, topic, community, default)


def _after_support(
    session: Session, now: datetime, topic: Topic, community: Place, default: int
) -> Support:
    count = support(session, topic)
    needed = seconds_needed(session, community, default)
    reached = topic.status == TopicStatus.RAISED and count >= needed
    if reached:
        topic.status = TopicStatus.AGENDA
        topic.agenda_at = now
    return Support(topic, count, needed, reached)


def _household_in(session: Session, resident: Resident, community: Place) -> Place:
    household = resident.household
    if household is None:
        raise unregistered(session, resident, "deliberation.register_first")
    if not community.contains(household):
        raise DomainError("deliberation.outside_community")
    return household


def support(session: Session, topic: Topic) -> int:
    """How many households support a topic."""
    return (
        session.scalar(
            select(func.count()).select_from(TopicSecond).where(TopicSecond.topic_id == topic.id)
        )
        or 0
    )


def find(session: Session, community: Place, number: int) -> Topic:
    """Topic `number` of a community."""
    topic = session.scalar(
        select(Topic).where(Topic.community_id == community.id, Topic.number == number)
    )
    if topic is None:
        raise DomainError("deliberation.no_such_topic", number=number)
    return topic


def _seen(session: Session, where: Where, number: int) -> Topic:
    """Topic `number` of the community the sender acts in, if they may see it."""
    topic = find(session, where.community(session), number)
    require_topic_seen(session, where.actor, topic)
    return topic


def _here(where: Where, topic: Topic) -> bool:
    """Whether this chat sees the topic (a private chat is the sender's own)."""
    return where.circle is None or topic_shown_in(topic, where.circle)


def listed(session: Session, community: Place, shown: ColumnElement[bool]) -> list[Topic]:
    """The newest topics of a community that `shown` lets a reader see."""
    query = select(Topic).where(Topic.community_id == community.id, shown)
    return list(session.scalars(query.order_by(Topic.number.desc()).limit(LISTED)))


def _require_manager(session: Session, actor: Actor, topic: Topic) -> Place:
    community = session.get_one(Place, topic.community_id)
    if not manages(session, actor, topic.circle, community):
        raise DomainError("deliberation.topic_admins_only", number=topic.number)
    return community


def push_hot(session: Session, now: datetime, actor: Resident, topic: Topic) -> Place:
    """A secretary makes a topic the community's hot topic, on the agenda of every circle."""
    community = session.get_one(Place, topic.community_id)
    if not is_secretary_for(session, actor.id, community):
        raise DomainError("deliberation.secretary_only")
    if topic.status in (TopicStatus.SOLVED, TopicStatus.REJECTED):
        raise DomainError("deliberation.topic_finished", number=topic.number, status=topic.status)
    topic.hot = True
    if topic.status == TopicStatus.RAISED:
        topic.status = TopicStatus.AGENDA
        topic.agenda_at = now
    audit.record(
        session, now, "topic.hot", actor_id=actor.id, place_id=community.id, topic=topic.number
    )
    return community


def decide(
    session: Session,
    now: datetime,
    actor: Actor,
    topic: Topic,
    text: str,
    *,
    owner_name: str = "",
    owner: Resident | None = None,
    due_at: datetime | None = None,
) -> Decision:
    """Record the outcome of a topic: what, who answers for it, and by when."""
    community = _require_manager(session, actor, topic)
    text = " ".join(text.split())
    if not text:
        raise DomainError("deliberation.decide_usage")
    if len(text) > MAX_NOTE:
        raise DomainError("deliberation.note_too_long", limit=MAX_NOTE)
    if len(owner_name) > MAX_OWNER:
        raise DomainError("deliberation.owner_too_long", limit=MAX_OWNER)
    if topic.status == TopicStatus.VOTING:
        raise DomainError("deliberation.still_voting", number=topic.number)
    if topic.status not in UNDECIDED:
        raise DomainError("deliberation.already_decided", number=topic.number, status=topic.status)
    if due_at is not None and due_at <= now:
        raise DomainError("deliberation.due_in_past")
    decision = Decision(
        topic=topic,
        text=text,
        owner_name=owner.display_name if owner is not None else owner_name,
        owner=owner,
        due_at=due_at,
        decided_by=actor.resident,
        decided_at=now,
        remind_at=due_at,
    )
    session.add(decision)
    topic.status = TopicStatus.DECIDED
    topic.decided_at = now
    session.flush()
    audit.record(
        session,
        now,
        "topic.decide",
        actor_id=actor.resident.id,
        target_id=owner.id if owner else None,
        place_id=community.id,
        topic=topic.number,
    )
    return decision


def reject(session: Session, now: datetime, actor: Actor, topic: Topic, reason: str) -> None:
    """Close a topic without action, saying why."""
    community = _require_manager(session, actor, topic)
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("deliberation.reject_usage")
    if len(reason) > MAX_REASON:
        raise DomainError("deliberation.note_too_long", limit=MAX_REASON)
    if topic.status == TopicStatus.VOTING:
        raise DomainError("deliberation.still_voting", number=topic.number)
    if topic.status not in UNDECIDED:
        raise DomainError("deliberation.already_decided", number=topic.number, status=topic.status)
    topic.status = TopicStatus.REJECTED
    topic.reason = reason
    topic.rejected_at = now
    audit.record(
        session,
        now,
        "topic.reject",
        actor_id=actor.resident.id,
        place_id=community.id,
        topic=topic.number,
    )


def decision_of(session: Session, topic: Topic) -> Decision | None:
    """The decision recorded for a topic, if any."""
    return session.scalar(select(Decision).where(Decision.topic_id == topic.id))


def add_progress(
    session: Session, now: datetime, actor: Actor, topic: Topic, text: str
) -> ProgressNote:
    """A follow-up note: deliberation before a decision, progress after it.

    Admins may always add one; the person answering for a decision may add them too.
    """
    community = session.get_one(Place, topic.community_id)
    decision = decision_of(session, topic)
    is_owner = decision is not None and decision.owner_id == actor.resident.id
    if not is_owner and not manages(session, actor, topic.circle, community):
        raise DomainError("deliberation.topic_admins_only", number=topic.number)
    text = " ".join(text.split())
    if not text:
        raise DomainError("deliberation.progress_usage")
    if len(text) > MAX_NOTE:
        raise DomainError("deliberation.note_too_long", limit=MAX_NOTE)
    if topic.status in (TopicStatus.SOLVED, TopicStatus.REJECTED):
        raise DomainError("deliberation.topic_finished", number=topic.number, status=topic.status)
    if topic.status in (TopicStatus.RAISED, TopicStatus.AGENDA):
        topic.status = TopicStatus.DELIBERATION
    elif topic.status == TopicStatus.DECIDED:
        topic.status = TopicStatus.IN_PROGRESS
    note = ProgressNote(topic_id=topic.id, author=actor.resident, text=text, at=now)
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, topic: Topic, limit: int = 5) -> list[ProgressNote]:
    """The newest notes on a topic, oldest first."""
    newest = session.scalars(
        select(ProgressNote)
        .where(ProgressNote.topic_id == topic.id)
        .order_by(ProgressNote.id.desc())
        .limit(limit)
    )
    return list(reversed(list(newest)))


def solve(session: Session, now: datetime, actor: Actor, topic: Topic) -> list[Resident]:
    """Mark a decided topic solved; returns the proposer and seconders to tell."""
    community = _require_manager(session, actor, topic)
    if topic.status not in FOLLOWED_UP:
        if topic.status in (TopicStatus.SOLVED, TopicStatus.REJECTED):
            raise DomainError(
                "deliberation.topic_finished", number=topic.number, status=topic.status
            )
        raise DomainError("deliberation.decide_first", number=topic.number)
    topic.status = TopicStatus.SOLVED
    topic.solved_at = now
    decision = decision_of(session, topic)
    if decision is not None:
        decision.remind_at = None
    audit.record(
        session,
        now,
        "topic.solve",
        actor_id=actor.resident.id,
        place_id=community.id,
        topic=topic.number,
    )
    supporters = session.scalars(
        select(Resident)
        .join(TopicSecond, TopicSecond.resident_id == Resident.id)
        .where(TopicSecond.topic_id == topic.id)
        .order_by(TopicSecond.id)
    ).all()
    told = [topic.proposer] if topic.proposer is not None else []
    return told + [r for r in supporters if r not in told]


@dataclass(frozen=True)
class Figures:
    """A community's deliberation figures."""

    raised: int
    decided: int
    solved: int
    rejected: int
    average_days: float | None


def figures(session: Session, community: Place) -> Figures:
    """Topics raised, decided, solved and rejected, and the average days from raised to solved."""
    topics = session.scalars(select(Topic).where(Topic.community_id == community.id)).all()
    solved = [t for t in topics if t.solved_at is not None]
    durations = [(t.solved_at - t.raised_at) for t in solved if t.solved_at is not None]
    average = (
        sum(durations, timedelta()) / len(durations) / timedelta(days=1) if durations else None
    )
    return Figures(
        raised=len(topics),
        decided=sum(1 for t in topics if t.decided_at is not None),
        solved=len(solved),
        rejected=sum(1 for t in topics if t.status == TopicStatus.REJECTED),
        average_days=average,
    )


# What the topic commands do ---------------------------------------------------------


@dataclass(frozen=True)
class Supported:
    """A topic's support after a proposal or a 附议, and the messages it causes: the
    topic's message (posted, or edited in place) and, on reaching the agenda, notices."""

    support: Support
    envelopes: list[Envelope]
    here: bool
    """Whether the chat it was typed in sees the topic (else the sender alone is answered)."""


def raise_topic(session: Session, where: Where, title: str, default: int) -> Supported:
    """Raise a topic in this circle and post its message in the circle's chats."""
    if where.circle is None:
        raise DomainError("core.group_only")
    done = propose(session, where.now, where.resident, where.circle, title, default)
    return _supported(session, where, done, edit=False)


def support_topic(session: Session, where: Where, number: int, default: int) -> Supported:
    """Second topic `number`; its message's count is edited in place."""
    topic = _seen(session, where, number)
    done = second(session, where.now, where.resident, topic, default)
    return _supported(session, where, done, edit=True)


OFFERED = 5


def to_support(session: Session, where: Where) -> list[Topic]:
    """The newest topics this chat sees that are still open for support and the sender's
    household has not seconded, for `附议` typed alone."""
    community = where.community(session)
    circle = where.circle
    shown = topics_shown_in(circle) if circle else seen_topics(session, where.actor, community)
    query = select(Topic).where(
        Topic.community_id == community.id, shown, Topic.status.in_(OPEN_FOR_SUPPORT)
    )
    household = where.resident.household_id
    if household is not None:
        seconded = select(TopicSecond.topic_id).where(TopicSecond.household_id == household)
        query = query.where(Topic.id.not_in(seconded))
    return list(session.scalars(query.order_by(Topic.number.desc()).limit(OFFERED)))


def _supported(session: Session, where: Where, done: Support, *, edit: bool) -> Supported:
    topic = done.topic
    message = topic_views.topic_message(topic, done.count, done.needed)
    envelopes = topic_views.in_circle(session, topic, message, where.language, edit=edit)
    if done.reached:
        envelopes += topic_views.agenda_notices(session, topic, done.count, where.language)
    return Supported(done, envelopes, _here(where, topic))


@dataclass(frozen=True)
class Listed:
    """The newest topics of a community, each with the households supporting it."""

    community: str
    needed: int
    topics: list[tuple[Topic, int]]


def topic_list(session: Session, where: Where, default: int) -> Listed:
    """The topics this chat sees (privately, those the sender sees), newest first."""
    community = where.community(session)
    circle = where.circle
    if circle is not None:
        shown = listed(session, community, topics_shown_in(circle))
    else:
        shown = listed(session, community, seen_topics(session, where.actor, community))
    return Listed(
        community.name,
        seconds_needed(session, community, default),
        [(topic, support(session, topic)) for topic in shown],
    )


@dataclass(frozen=True)
class Detail:
    """One topic in full: support, decision, polls held on it and the newest notes."""

    topic: Topic
    count: int
    needed: int
    decision: Decision | None
    polls: list[tuple[int, str]]
    notes: list[ProgressNote]
    here: bool
    """Whether the chat it was asked in sees the topic (else the sender alone is answered)."""
    pollable: bool
    """Whether the sender may put it to a vote here, with no poll on it open yet."""


def topic_detail(session: Session, where: Where, number: int, default: int) -> Detail:
    """Topic `number` of this community in full."""
    topic = _seen(session, where, number)
    community = session.get_one(Place, topic.community_id)
    held = list(
        session.scalars(select(Poll).where(Poll.topic_id == topic.id).order_by(Poll.number))
    )
    circle = where.circle
    pollable = (
        circle is not None
        and topic.status in UNDECIDED
        and topic_shown_in(topic, circle)
        and all(poll.status != PollStatus.OPEN for poll in held)
        and organises(session, where.actor, circle, community)
    )
    return Detail(
        topic,
        support(session, topic),
        seconds_needed(session, community, default),
        decision_of(session, topic),
        [(poll.number, poll.status.value) for poll in held],
        notes_of(session, topic),
        _here(where, topic),
        pollable,
    )


@dataclass(frozen=True)
class Told:
    """A topic after a change, and the messages telling people and chats about it."""

    topic: Topic
    told: int
    envelopes: list[Envelope]
    here: bool
    """Whether the chat it was typed in sees the topic (else the sender alone is answered)."""


def make_hot(session: Session, where: Where, number: int) -> Told:
    """Push topic `number` to every circle of the community as its hot topic."""
    topic = _seen(session, where, number)
    community = push_hot(session, where.now, where.resident, topic)
    notice = Reply(
        "deliberation.hot_topic",
        {"number": topic.number, "title": topic.title, "community": community.name},
    )
    envelopes = [
        e
        for circle in circles_within(session, community)
        for e in to_circle(session, circle, notice, where.language)
    ]
    return Told(topic, len(envelopes), envelopes, _here(where, topic))


def set_threshold(session: Session, where: Where, needed: int) -> Place:
    """Set this community's threshold; returns the community."""
    community = where.community(session)
    set_seconds_needed(session, where.now, where.resident, community, needed)
    return community


@dataclass(frozen=True)
class Owner:
    """Who answers for a decision, as typed: a name, and the person mentioned, if any."""

    name: str
    mention: UserRef | None = None


@dataclass(frozen=True)
class Decided:
    """A recorded decision, and the message telling the person who answers for it."""

    topic: Topic
    decision: Decision
    envelopes: list[Envelope]
    here: bool
    """Whether the chat it was typed in sees the topic (else the sender alone is answered)."""


def decide_topic(
    session: Session,
    where: Where,
    number: int,
    text: str,
    owner: Owner,
    due_at: datetime | None,
) -> Decided:
    """Record topic `number`'s decision; the person answering for it (if known) is told."""
    topic = _seen(session, where, number)
    person = _owner(session, where, owner)
    decision = decide(
        session,
        where.now,
        where.actor,
        topic,
        text,
        owner_name=owner.name,
        owner=person,
        due_at=due_at,
    )
    notice = Reply("deliberation.you_own", decision_data(topic, decision, where.zone, where.now))
    envelopes = to_person(person, notice, where.language) if person is not None else []
    return Decided(topic, decision, envelopes, _here(where, topic))


def _owner(session: Session, where: Where, owner: Owner) -> Resident | None:
    if owner.mention is not None:
        return mentioned(session, where.now, owner.mention)
    named = owner.name
    if named.startswith("@") and len(named) > 1 and where.circle is not None:
        return find_member_by_name(session, where.circle, named[1:])
    return None


def decision_data(
    topic: Topic, decision: Decision, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """What templates show about a decision."""
    return {
        "number": topic.number,
        "title": topic.title,
        "decision": decision.text,
        "owner": decision.owner_name,
        "due": moment_data(decision.due_at, zone, now) if decision.due_at else None,
    }


@dataclass(frozen=True)
class Noted:
    """A topic with a new follow-up note."""

    topic: Topic
    here: bool
    """Whether the chat it was typed in sees the topic (else the sender alone is answered)."""


def note_progress(session: Session, where: Where, number: int, text: str) -> Noted:
    """Add a follow-up note to topic `number`."""
    topic = _seen(session, where, number)
    add_progress(session, where.now, where.actor, topic, text)
    return Noted(topic, _here(where, topic))


def solve_topic(session: Session, where: Where, number: int) -> Told:
    """Mark topic `number` solved and tell its proposer and seconders."""
    try:
        topic = _seen(session, where, number)
    except DomainError as error:
        # 办结 is the topics' word: one handling request `number` is shown 办结诉求.
        if error.key == "deliberation.no_such_topic" and _handles(session, where, number):
            raise DomainError("deliberation.done_usage", number=number) from None
        raise
    told = solve(session, where.now, where.actor, topic)
    notice = Reply("deliberation.solved_notice", {"number": topic.number, "title": topic.title})
    envelopes = [e for person in told for e in to_person(person, notice, where.language)]
    return Told(topic, len(told), envelopes, _here(where, topic))


def _handles(session: Session, where: Where, number: int) -> bool:
    """Whether the sender handles request `number` of their community, still unfinished."""
    found = select(Request.id).where(
        Request.community_id == where.community(session).id,
        Request.number == number,
        Request.owner_id == where.resident.id,
        Request.status.in_((RequestStatus.OPEN, RequestStatus.TAKEN)),
    )
    return session.scalar(found) is not None


def reject_topic(session: Session, where: Where, number: int, reason: str) -> Told:
    """Close topic `number` without action; its proposer is told why."""
    topic = _seen(session, where, number)
    reject(session, where.now, where.actor, topic, reason)
    data = {"number": topic.number, "title": topic.title, "reason": topic.reason or ""}
    notice = Reply("deliberation.rejected_notice", data)
    proposer = topic.proposer
    envelopes = to_person(proposer, notice, where.language) if proposer is not None else []
    return Told(topic, 1 if proposer is not None else 0, envelopes, _here(where, topic))


def community_figures(session: Session, where: Where) -> tuple[Place, Figures]:
    """This community and its deliberation figures."""
    community = where.community(session)
    return community, figures(session, community)
