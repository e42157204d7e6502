"""Polls: opening, settings, finding and closing, and the verbs the poll commands call.

How ballots are kept (and kept anonymous) is in `ballots`; counts and turnout in
`standings`; what polls look like in chats in `poll_views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import DeliberationSettings
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Incoming, Reply
from bot.services.common import audit, dialogs
from bot.services.common.access import (
    Actor,
    active_grants,
    community_of,
    manages,
    poll_shown_in,
    require_organiser,
    require_poll_seen,
    require_topic_seen,
    sees_poll,
    topic_shown_in,
    unregistered,
)
from bot.services.common.keywords import best_named, squeezed
from bot.services.common.numbering import next_number
from bot.services.common.outreach import active_chats, circles_within
from bot.services.common.quiet import QuietHours, quiet_hours
from bot.services.community.grid import resolve_place, verifying
from bot.services.deliberation import poll_views
from bot.services.deliberation.ballots import (
    Vote,
    ballot_count,
    cast,
    eligible_voters,
    lock,
    require_ballot_open,
)
from bot.services.deliberation.poll_spec import PollSettings, PollSpec
from bot.services.deliberation.standings import (
    FEWEST_COUNTED,
    publish,
    require_visible,
    turnout,
)
from bot.services.deliberation.topics import UNDECIDED, find
from bot.services.deliberation.votable import SHOWN_QUESTION
from bot.services.deliberation.where import Where
from models import (
    Ballot,
    Circle,
    Dialog,
    Place,
    PlaceKind,
    Poll,
    PollKind,
    PollOption,
    PollPosting,
    PollStatus,
    Resident,
    Topic,
    TopicStatus,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION = 300
MAX_LABEL = 60
# A bare 结果 sent privately offers the newest polls someone sees; older ones go by number.
RESULTS_OFFERED = 5
YES_NO_LABELS = ("yes", "no", "abstain")
RATING_LABELS = ("1", "2", "3", "4", "5")
# The words people type for the options of a yes/no poll, in every language.
YES_NO_WORDS = {
    "yes": ("同意", "赞成", "贊成", "yes"),
    "no": ("反对", "反對", "不同意", "no"),
    "abstain": ("弃权", "棄權", "abstain"),
}
# How those who may not open a poll are refused: everyone, and building or unit heads.
ORGANISERS_ONLY = ("deliberation.poll_admins_only", "deliberation.lead_own_area")
# How those who may not close or change someone else's poll are refused.
CLOSERS_ONLY = ("deliberation.close_not_allowed", "deliberation.lead_own_area")


# Opening ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """A poll's spec once every rule about it holds."""

    kind: PollKind
    labels: list[str]
    opens_at: datetime
    closes_at: datetime
    scope: Place | None
    topic: Topic | None


def open_poll(
    session: Session,
    now: datetime,
    actor: Actor,
    circle: Circle,
    spec: PollSpec,
    *,
    default_days: int,
    reminder_hours: float,
    quiet: QuietHours,
) -> Poll:
    """Open a poll from `circle`, posted there and, with a scope, in every circle inside it;
    its admins and the heads of its building or unit may."""
    community = community_of(session, circle.place)
    require_organiser(session, actor, circle, community, ORGANISERS_ONLY)
    checked = _check(session, now, actor, circle, community, spec, default_days)
    settings = spec.settings
    per_household = settings.per_household is not False
    poll = Poll(
        community_id=community.id,
        number=next_number(session, Poll, community),
        circle=circle,
        topic=checked.topic,
        owner=actor.resident,
        question=spec.question,
        kind=checked.kind,
        max_choices=settings.max_choices or 1,
        anonymous=bool(settings.anonymous),
        hidden=bool(settings.hidden),
        per_household=per_household,
        verified_only=per_household and verifying(session, community),
        changeable=bool(settings.changeable),
        scope_place=checked.scope,
        quorum_percent=settings.quorum_percent,
        status=PollStatus.OPEN,
        created_at=now,
        opens_at=checked.opens_at,
        closes_at=checked.closes_at,
        remind_at=_remind_at(
            checked.opens_at,
            checked.closes_at,
            reminder_hours,
            quiet_hours(session, community.id, quiet),
        ),
        night_results=bool(settings.night_results),
    )
    _add(session, poll, checked, circle)
    _require_enough_voters(session, poll)
    audit.record(
        session,
        now,
        "poll.open",
        actor_id=actor.resident.id,
        place_id=community.id,
        circle_id=circle.id,
        poll=poll.number,
        anonymous=poll.anonymous,
    )
    return poll


def _check(
    session: Session,
    now: datetime,
    actor: Actor,
    circle: Circle,
    community: Place,
    spec: PollSpec,
    default_days: int,
) -> _Checked:
    settings = spec.settings
    kind = settings.kind or PollKind.SINGLE
    labels = check_options(kind, spec.options, settings)
    if not spec.question:
        raise DomainError("deliberation.poll_usage")
    if len(spec.question) > MAX_QUESTION:
        raise DomainError("deliberation.question_too_long", limit=MAX_QUESTION)
    closes_at = settings.closes_at or now + timedelta(days=default_days)
    opens_at = max(settings.opens_at or now, now)
    if closes_at <= now:
        raise DomainError("deliberation.deadline_past")
    if opens_at >= closes_at:
        raise DomainError("deliberation.opens_after_deadline")
    quorum = settings.quorum_percent
    if quorum is not None and not 1 <= quorum <= 100:
        raise DomainError("deliberation.bad_quorum")
    scope = _scope(session, actor, circle, community, settings.scope)
    number = settings.topic_number
    topic = None if number is None else topic_to_decide(session, actor, community, number, circle)
    return _Checked(kind, labels, opens_at, closes_at, scope, topic)


def topic_to_decide(
    session: Session, actor: Actor, community: Place, number: int, circle: Circle | None
) -> Topic:
    """Topic `number` for a poll in `circle` to decide: one the actor sees, not yet decided,
    and shown in the circle, for a poll posted there names the topic to all its members."""
    topic = find(session, community, number)
    require_topic_seen(session, actor, topic)
    if circle is not None and not topic_shown_in(topic, circle):
        raise DomainError("deliberation.topic_elsewhere", number=topic.number)
    if topic.status not in UNDECIDED:
        raise DomainError("deliberation.topic_not_votable", number=topic.number)
    return topic


def check_options(kind: PollKind, options: list[str], settings: PollSettings) -> list[str]:
    """The labels of a poll of `kind` with these options, refused if they don't fit it."""
    if kind in (PollKind.YES_NO, PollKind.RATING):
        if options:
            raise DomainError("deliberation.no_options_needed", kind=kind)
        return list(YES_NO_LABELS if kind == PollKind.YES_NO else RATING_LABELS)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise DomainError("deliberation.option_count", count=len(options))
    if any(len(label) > MAX_LABEL for label in options):
        raise DomainError("deliberation.option_too_long", limit=MAX_LABEL)
    if len(set(options)) != len(options):
        raise DomainError("deliberation.duplicate_option")
    if kind == PollKind.MULTIPLE:
        k = settings.max_choices or 0
        if not 2 <= k <= len(options):
            raise DomainError("deliberation.bad_choose", count=len(options), choose=k)
    return options


def _scope(
    session: Session, actor: Actor, circle: Circle, community: Place, query: str | None
) -> Place | None:
    if query is None:
        return None
    place = resolve_place(session, query)
    if place.kind == PlaceKind.HOUSEHOLD or not community.contains(place):
        raise DomainError("deliberation.bad_scope", place=place.name)
    secretary = manages(session, Actor(actor.resident), None, community)
    if not secretary and not circle.place.contains(place):
        raise DomainError("deliberation.scope_too_wide", place=place.name)
    return place


def _add(session: Session, poll: Poll, checked: _Checked, circle: Circle) -> None:
    """Store a new poll with its options and postings; a topic it decides goes to a vote."""
    session.add(poll)
    session.flush()
    session.add_all(
        PollOption(poll_id=poll.id, position=n, label=label, votes=0)
        for n, label in enumerate(checked.labels, start=1)
    )
    scope = checked.scope
    posted = [circle] + [
        c for c in (circles_within(session, scope) if scope else []) if c != circle
    ]
    session.add_all(
        PollPosting(
            poll_id=poll.id, circle_id=where.id, platform=chat.platform, chat_id=chat.chat_id
        )
        for where in posted
        for chat in active_chats(session, where)
    )
    if checked.topic is not None:
        checked.topic.status = TopicStatus.VOTING
    session.flush()
    session.refresh(poll)


def _require_enough_voters(session: Session, poll: Poll) -> None:
    """An anonymous poll shows no result with fewer than FEWEST_COUNTED ballots, so one fewer
    may vote in could never have one (who may vote depends on where it was just posted)."""
    if not poll.anonymous:
        return
    voters = eligible_voters(session, poll)
    if voters < FEWEST_COUNTED:
        raise DomainError(
            "deliberation.anonymous_too_few",
            voters=voters,
            fewest=FEWEST_COUNTED,
            per_household=poll.per_household,
        )


def _remind_at(
    opens_at: datetime, closes_at: datetime, hours: float, quiet: QuietHours
) -> datetime | None:
    """`hours` before the deadline, moved out of the community's quiet hours (a date-only
    deadline closes at 23:59, and its reminder goes in the morning)."""
    if hours <= 0:
        return None
    at = quiet.daytime_before(closes_at - timedelta(hours=hours), closes_at)
    return at if at > opens_at else None


# Settings ---------------------------------------------------------------------------


def change_settings(
    session: Session,
    now: datetime,
    actor: Actor,
    poll: Poll,
    settings: PollSettings,
    *,
    reminder_hours: float,
    quiet: QuietHours,
) -> None:
    """Change an open poll's settings; once votes exist only the deadline and stronger
    promises (anonymous, hidden results) may change, and those promises never weaken."""
    _require_owner_or_admin(session, actor, poll)
    if poll.status == PollStatus.CLOSED:
        raise DomainError("deliberation.poll_closed", number=poll.number)
    given = set(settings.given)
    if given & {"kind", "max_choices", "scope", "topic_number", "opens_at"}:
        raise DomainError("deliberation.set_at_opening")
    if ballot_count(session, poll) > 0:
        _keep_promises(poll, settings, given)
    if settings.closes_at is not None:
        if settings.closes_at <= now:
            raise DomainError("deliberation.deadline_past")
        poll.closes_at = settings.closes_at
        poll.remind_at = _remind_at(
            max(poll.opens_at, now),
            poll.closes_at,
            reminder_hours,
            quiet_hours(session, poll.community_id, quiet),
        )
    if settings.anonymous is not None:
        _set_anonymous(session, poll, settings.anonymous)
    if settings.hidden is not None:
        poll.hidden = settings.hidden
    if settings.per_household is not None:
        poll.per_household = settings.per_household
        community = session.get_one(Place, poll.community_id)
        poll.verified_only = poll.per_household and verifying(session, community)
    if settings.changeable is not None:
        poll.changeable = settings.changeable
    if settings.night_results is not None:
        poll.night_results = settings.night_results
    if "quorum_percent" in given:
        quorum = settings.quorum_percent
        if quorum is not None and not 0 <= quorum <= 100:
            raise DomainError("deliberation.bad_quorum")
        poll.quorum_percent = quorum or None
    audit.record(
        session,
        now,
        "poll.settings",
        actor_id=actor.resident.id,
        place_id=poll.community_id,
        poll=poll.number,
        changed=sorted(given),
    )


def _keep_promises(poll: Poll, settings: PollSettings, given: set[str]) -> None:
    if settings.anonymous is False and poll.anonymous:
        raise DomainError("deliberation.promise_kept", number=poll.number, setting="anonymous")
    if settings.hidden is False and poll.hidden:
        raise DomainError("deliberation.promise_kept", number=poll.number, setting="hidden")
    if given - {"closes_at", "anonymous", "hidden", "night_results"}:
        raise DomainError("deliberation.votes_exist", number=poll.number)


def _set_anonymous(session: Session, poll: Poll, anonymous: bool) -> None:
    poll.anonymous = anonymous
    if anonymous:
        publish(session, poll)
        session.execute(
            update(Ballot)
            .where(Ballot.poll_id == poll.id)
            .values(resident_id=None, household_id=None, cast_at=None)
        )


# Finding ----------------------------------------------------------------------------


def find_poll(session: Session, community: Place, number: int) -> Poll:
    """Poll `number` of a community."""
    poll = session.scalar(
        select(Poll).where(Poll.community_id == community.id, Poll.number == number)
    )
    if poll is None:
        raise DomainError("deliberation.no_such_poll", number=number)
    return poll


def polls_here(session: Session, circle: Circle, *, open_only: bool) -> list[Poll]:
    """Polls posted in a circle, newest first."""
    query = (
        select(Poll)
        .join(PollPosting, PollPosting.poll_id == Poll.id)
        .where(PollPosting.circle_id == circle.id)
    )
    if open_only:
        query = query.where(Poll.status == PollStatus.OPEN)
    return list(session.scalars(query.order_by(Poll.id.desc())).unique())


def only_open_poll(session: Session, circle: Circle) -> Poll:
    """The one open poll of a circle; asks which when there are several."""
    found = polls_here(session, circle, open_only=True)
    if not found:
        raise DomainError("deliberation.no_open_poll")
    if len(found) > 1:
        raise DomainError(
            "deliberation.which_poll", polls=[[p.number, p.question] for p in reversed(found)]
        )
    return found[0]


def _numbered(session: Session, where: Where, number: int) -> Poll:
    """Poll `number` of the community the sender acts in, if they may see it."""
    resident = where.resident
    # Privately, a secretary needs no home to read their community's polls; others register.
    if (
        where.circle is None
        and resident.household is None
        and not active_grants(session, resident.id)
    ):
        raise unregistered(session, resident, "deliberation.register_first")
    poll = find_poll(session, where.community(session), number)
    require_poll_seen(session, where.actor, poll)
    return poll


def shown_here(session: Session, where: Where, number: int | None) -> bool:
    """Whether the chat a command on poll `number` comes from sees that poll (a private chat
    is the sender's own; naming no poll, a command acts on this circle's)."""
    if where.circle is None or number is None:
        return True
    return poll_shown_in(session, _numbered(session, where, number), where.circle)


def _named(session: Session, where: Where, number: int | None) -> Poll:
    if number is not None:
        return _numbered(session, where, number)
    if where.circle is None:
        raise DomainError("deliberation.poll_number_needed")
    return only_open_poll(session, where.circle)


def _option_names(poll: Poll, option: PollOption) -> list[str]:
    if poll.kind == PollKind.YES_NO:
        names = list(YES_NO_WORDS[option.label])
    elif poll.kind == PollKind.RATING:
        names = [f"{option.label}分"]
    else:
        # A choice labelled 同意 or 不同意 is also named by the words of a yes/no poll (反对).
        names = [option.label, *_ALIKE.get(squeezed(option.label), ())]
    return [squeezed(name) for name in names]


_ALIKE = {squeezed(word): words for words in YES_NO_WORDS.values() for word in words}


def option_named(poll: Poll, words: str) -> int:
    """The position of the one option `words` name: exactly, else by its start, else by a part."""
    options = sorted(poll.options, key=lambda o: o.position)
    found = best_named(words, [(o, _option_names(poll, o)) for o in options])
    if len(found) == 1:
        return found[0].position
    key = "deliberation.option_ambiguous" if found else "deliberation.no_option_named"
    raise DomainError(
        key,
        number=poll.number,
        text=words[:30],
        kind=poll.kind.value,
        options=[[o.position, o.label] for o in (found or options)],
    )


# Closing ----------------------------------------------------------------------------


def _require_owner_or_admin(session: Session, actor: Actor, poll: Poll) -> None:
    community = session.get_one(Place, poll.community_id)
    if poll.owner_id == actor.resident.id:
        return
    require_organiser(session, actor, poll.circle, community, CLOSERS_ONLY, number=poll.number)


def close_early(session: Session, now: datetime, actor: Actor, poll: Poll, secret: bytes) -> Poll:
    """The owner or an admin closes a poll before its deadline."""
    _require_owner_or_admin(session, actor, poll)
    poll = lock(session, poll)
    if poll.status == PollStatus.CLOSED:
        raise DomainError("deliberation.poll_closed", number=poll.number)
    return finish(session, now, poll, secret, actor.resident)


def finish(
    session: Session, now: datetime, poll: Poll, secret: bytes, by: Resident | None = None
) -> Poll:
    """Close a poll: final turnout is kept, and a topic it decided awaits its decision."""
    counted = turnout(session, secret, poll)
    poll.status = PollStatus.CLOSED
    poll.closed_at = now
    poll.closed_by_id = by.id if by else None
    poll.eligible_households = counted.eligible_households
    poll.voted_households = counted.voted_households
    poll.remind_at = None
    poll.refresh_at = None
    poll.unpublished = []
    if poll.topic is not None and poll.topic.status == TopicStatus.VOTING:
        poll.topic.status = TopicStatus.DELIBERATION
    audit.record(
        session,
        now,
        "poll.close",
        actor_id=by.id if by else None,
        place_id=poll.community_id,
        poll=poll.number,
    )
    return poll


# What the poll commands do ----------------------------------------------------------


def start_guided(session: Session, where: Where, incoming: Incoming, kind: str) -> Dialog:
    """Start the guided poll dialog for someone who may open a poll in this circle."""
    circle = where.circle
    if circle is None:
        raise DomainError("core.group_only")
    community = community_of(session, circle.place)
    require_organiser(session, where.actor, circle, community, ORGANISERS_ONLY)
    return dialogs.start(session, where.now, incoming, kind, "question")


@dataclass(frozen=True)
class Posted:
    """A poll just opened, and its message for every chat it is posted in."""

    number: int
    envelopes: list[Envelope]


def post(
    session: Session, where: Where, spec: PollSpec, rules: DeliberationSettings, quiet: QuietHours
) -> Posted:
    """Open a poll from this circle and post it wherever it belongs."""
    if where.circle is None:
        raise DomainError("core.group_only")
    opened = open_poll(
        session,
        where.now,
        where.actor,
        where.circle,
        spec,
        default_days=rules.default_poll_days,
        reminder_hours=rules.reminder_hours,
        quiet=quiet,
    )
    reply = poll_views.poll_reply(session, opened, where.zone, where.now)
    key = poll_views.message_key(opened)
    return Posted(
        opened.number, poll_views.to_postings(session, opened, reply, where.language, key=key)
    )


@dataclass(frozen=True)
class VoteRequest:
    """A vote as typed: the poll (None for this circle's one open poll) and the options,
    by number or in words."""

    number: int | None
    picks: list[int]
    words: str = ""


def vote(
    session: Session,
    where: Where,
    secret: bytes,
    request: VoteRequest,
    rules: DeliberationSettings,
) -> Vote:
    """Find the poll and the options a vote names, and cast it."""
    poll = _named(session, where, request.number)
    picks = request.picks or [option_named(poll, request.words)]
    return cast(
        session,
        where.now,
        secret,
        where.resident,
        poll,
        picks,
        refresh_every=timedelta(seconds=rules.live_edit_seconds),
        batch_every=timedelta(minutes=rules.anonymous_tally_minutes),
    )


def ballot(session: Session, where: Where, secret: bytes, number: int | None) -> Reply:
    """Poll `number`'s (or this circle's one open poll's) options to pick from, for someone
    who may vote in it now."""
    shown = _named(session, where, number)
    require_ballot_open(session, where.now, secret, shown, where.resident)
    return poll_views.ballot_reply(shown, where.zone, where.now)


def result(session: Session, where: Where, secret: bytes, number: int | None) -> Reply:
    """The result of poll `number`, or of this circle's latest poll, with its chart."""
    if number is not None:
        shown = _numbered(session, where, number)
    elif where.circle is not None:
        found = polls_here(session, where.circle, open_only=False)
        if not found:
            raise DomainError("deliberation.no_poll_here")
        shown = found[0]
    else:
        seen = _newest_seen(session, where)
        if not seen:
            raise DomainError("deliberation.no_poll_seen")
        if len(seen) > 1:
            return _results_to_pick(seen)
        shown = seen[0]
    require_visible(shown)
    chart = Path(shown.chart) if shown.chart else None
    image = chart if chart is not None and chart.exists() else None
    reply = poll_views.result_reply(session, shown, where.zone, where.now, secret, image)
    if where.circle is not None and not poll_shown_in(session, shown, where.circle):
        # A poll put to other circles is none of this chat's business: the sender alone reads it.
        reply.audience = Audience.PRIVATE
    return reply


def _newest_seen(session: Session, where: Where) -> list[Poll]:
    """The newest polls of the sender's community they may see, for a bare 结果 sent privately."""
    resident = where.resident
    if resident.household is None and not active_grants(session, resident.id):
        raise unregistered(session, resident, "deliberation.register_first")
    newest = (
        select(Poll)
        .where(Poll.community_id == where.community(session).id)
        .order_by(Poll.id.desc())
    )
    seen: list[Poll] = []
    for poll in session.scalars(newest):
        if sees_poll(session, where.actor, poll):
            seen.append(poll)
            if len(seen) == RESULTS_OFFERED:
                break
    return seen


def _results_to_pick(seen: list[Poll]) -> Reply:
    """The polls whose results a bare 结果 may mean, one to pick."""
    choices = [
        [Choice(f"#{poll.number} {poll.question[:SHOWN_QUESTION]}", f"/result {poll.number}")]
        for poll in seen
    ]
    polls = [[poll.number, poll.question] for poll in seen]
    return Reply("deliberation.results_to_pick", {"polls": polls}, choices=choices)


@dataclass(frozen=True)
class Closed:
    """A poll closed early, and its final messages wherever it was posted."""

    number: int
    envelopes: list[Envelope]


def close(
    session: Session, where: Where, secret: bytes, number: int | None, folder: Path
) -> Closed:
    """Close poll `number` (or this circle's one open poll) before its deadline."""
    target = _named(session, where, number)
    closed = close_early(session, where.now, where.actor, target, secret)
    envelopes = poll_views.closing_envelopes(
        session, where.now, closed, secret, where.zone, folder, where.language
    )
    return Closed(closed.number, envelopes)


@dataclass(frozen=True)
class PollState:
    """A poll's settings after a change."""

    number: int
    closes_at: datetime
    anonymous: bool
    hidden: bool
    per_household: bool
    changeable: bool
    quorum: int | None
    here: bool
    """Whether the chat it was changed from sees the poll (else the sender alone is answered)."""


def change(
    session: Session,
    where: Where,
    number: int,
    settings: PollSettings,
    rules: DeliberationSettings,
    quiet: QuietHours,
) -> PollState:
    """Change poll `number`'s settings; its messages show them at the next refresh."""
    target = _numbered(session, where, number)
    change_settings(
        session,
        where.now,
        where.actor,
        target,
        settings,
        reminder_hours=rules.reminder_hours,
        quiet=quiet,
    )
    target.refresh_at = where.now
    return PollState(
        target.number,
        target.closes_at,
        target.anonymous,
        target.hidden,
        target.per_household,
        target.changeable,
        target.quorum_percent,
        where.circle is None or poll_shown_in(session, target, where.circle),
    )
