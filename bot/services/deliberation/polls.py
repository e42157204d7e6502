"""Polls: opening, voting, standings, reminders and closing, with anonymous ballots.

Every ballot is stored under a voter key, an HMAC of the poll and the household (or
resident) under the server's secret, so one vote per voter is a unique constraint.
Whoever casts or changes a ballot is kept as a person key, an HMAC of the poll and the
resident, tied to that ballot's voter key: one person touches one ballot per poll,
however often they move. Choices are counted on the options; where a voter may later
change or add to a ballot, each choice is also kept as a mark, an HMAC of the voter key
and the option. An anonymous ballot keeps no resident, household or time, so without
the secret nothing in the database ties a voter to a choice.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import audit
from bot.services.common.access import Actor, community_of, manages
from bot.services.common.numbering import next_number
from bot.services.common.outreach import active_chats, circles_within
from bot.services.common.quiet import QuietHours, quiet_hours
from bot.services.community import households
from bot.services.community.grid import resolve_place
from bot.services.deliberation.poll_spec import PollSettings, PollSpec
from bot.services.deliberation.topics import UNDECIDED, find
from models import (
    Ballot,
    BallotMark,
    BallotVoter,
    Circle,
    Membership,
    Place,
    PlaceKind,
    Poll,
    PollKind,
    PollOption,
    PollPosting,
    PollStatus,
    Resident,
    TopicStatus,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION = 300
MAX_LABEL = 60
# An anonymous poll's live count changes only once this many ballots changed, so that
# the difference between two counts never shows what fewer voters chose.
TALLY_BATCH = 3
YES_NO_LABELS = ("yes", "no", "abstain")
RATING_LABELS = ("1", "2", "3", "4", "5")


def voter_key(secret: bytes, poll: Poll, resident: Resident) -> str:
    """The key one voter's ballot is stored under: per household or per resident."""
    return _key(secret, poll.id, poll.per_household, _voter_id(poll, resident))


def _voter_id(poll: Poll, resident: Resident) -> int:
    assert resident.household_id is not None
    return resident.household_id if poll.per_household else resident.id


def _key(secret: bytes, poll_id: int, per_household: bool, voter: int) -> str:
    message = f"voter:{poll_id}:{'h' if per_household else 'r'}:{voter}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def person_key(secret: bytes, poll: Poll, resident: Resident) -> str:
    """The key of one person on a poll, whatever household they are registered in."""
    return _person(secret, poll.id, resident.id)


def _person(secret: bytes, poll_id: int, resident_id: int) -> str:
    message = f"person:{poll_id}:{resident_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _mark(secret: bytes, poll_id: int, key: str, position: int) -> str:
    message = f"mark:{poll_id}:{key}:{position}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def keeps_marks(poll: Poll) -> bool:
    """Whether a voter may change or add to a ballot, so its choices must be recoverable."""
    return poll.changeable or poll.kind == PollKind.MULTIPLE


# Opening ----------------------------------------------------------------------------


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
    """Open a poll from `circle`, posted there and, with a scope, in every circle inside it."""
    community = community_of(session, circle.place)
    if not manages(session, actor, circle, community):
        raise DomainError("deliberation.poll_admins_only")
    settings = spec.settings
    kind = settings.kind or PollKind.SINGLE
    labels = _labels(kind, spec.options, settings)
    question = spec.question
    if not question:
        raise DomainError("deliberation.poll_usage")
    if len(question) > MAX_QUESTION:
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
    topic = None
    if settings.topic_number is not None:
        topic = find(session, community, settings.topic_number)
        if topic.status not in UNDECIDED:
            raise DomainError("deliberation.topic_not_votable", number=topic.number)
    poll = Poll(
        community_id=community.id,
        number=next_number(session, Poll, community),
        circle=circle,
        topic=topic,
        owner=actor.resident,
        question=question,
        kind=kind,
        max_choices=settings.max_choices or 1,
        anonymous=bool(settings.anonymous),
        hidden=bool(settings.hidden),
        per_household=settings.per_household is not False,
        verified_only=settings.per_household is not False
        and households.verifying(session, community),
        changeable=bool(settings.changeable),
        scope_place=scope,
        quorum_percent=quorum,
        status=PollStatus.OPEN,
        created_at=now,
        opens_at=opens_at,
        closes_at=closes_at,
        remind_at=_remind_at(
            opens_at, closes_at, reminder_hours, quiet_hours(session, community.id, quiet)
        ),
        night_results=bool(settings.night_results),
    )
    session.add(poll)
    session.flush()
    session.add_all(
        PollOption(poll_id=poll.id, position=n, label=label, votes=0)
        for n, label in enumerate(labels, start=1)
    )
    posted = [circle] + [
        c for c in (circles_within(session, scope) if scope else []) if c != circle
    ]
    for where in posted:
        for chat in active_chats(session, where):
            session.add(
                PollPosting(
                    poll_id=poll.id,
                    circle_id=where.id,
                    platform=chat.platform,
                    chat_id=chat.chat_id,
                )
            )
    if topic is not None:
        topic.status = TopicStatus.VOTING
    session.flush()
    session.refresh(poll)
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


def _labels(kind: PollKind, options: list[str], settings: PollSettings) -> list[str]:
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
            raise DomainError("deliberation.bad_choose", count=len(options))
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


def _remind_at(
    opens_at: datetime, closes_at: datetime, hours: float, quiet: QuietHours
) -> datetime | None:
    """`hours` before the deadline, moved out of the community's quiet hours (a date-only
    deadline closes at 23:59, and its reminder goes in the morning)."""
    if hours <= 0:
        return None
    at = quiet.daytime_before(closes_at - timedelta(hours=hours), closes_at)
    return at if at > opens_at else None


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
        if settings.anonymous is False and poll.anonymous:
            raise DomainError("deliberation.promise_kept", number=poll.number, setting="anonymous")
        if settings.hidden is False and poll.hidden:
            raise DomainError("deliberation.promise_kept", number=poll.number, setting="hidden")
        if given - {"closes_at", "anonymous", "hidden", "night_results"}:
            raise DomainError("deliberation.votes_exist", number=poll.number)
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
        poll.anonymous = settings.anonymous
        if poll.anonymous:
            publish(session, poll)
            session.execute(
                update(Ballot)
                .where(Ballot.poll_id == poll.id)
                .values(resident_id=None, household_id=None, cast_at=None)
            )
    if settings.hidden is not None:
        poll.hidden = settings.hidden
    if settings.per_household is not None:
        poll.per_household = settings.per_household
        community = session.get_one(Place, poll.community_id)
        poll.verified_only = poll.per_household and households.verifying(session, community)
    if settings.changeable is not None:
        poll.changeable = settings.changeable
    if settings.night_results is not None:
        poll.night_results = settings.night_results
    if "quorum_percent" in settings.given:
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
        changed=sorted(set(settings.given)),
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


def posted_circles(session: Session, poll: Poll) -> list[Circle]:
    """The circles a poll was posted in."""
    return list(
        session.scalars(
            select(Circle)
            .join(PollPosting, PollPosting.circle_id == Circle.id)
            .where(PollPosting.poll_id == poll.id)
            .order_by(Circle.id)
        ).unique()
    )


# Eligibility ------------------------------------------------------------------------


def eligible(session: Session, poll: Poll) -> list[tuple[int, int]]:
    """(resident id, household id) of everyone who may vote on a poll."""
    query = select(Resident.id, Resident.household_id).join(
        Place, Place.id == Resident.household_id
    )
    if poll.verified_only:
        query = query.where(households.verified_clause())
    scope = poll.scope_place
    if scope is not None:
        query = query.where(Place.path.startswith(scope.path))
    else:
        circles = select(PollPosting.circle_id).where(PollPosting.poll_id == poll.id)
        members = select(Membership.resident_id).where(
            Membership.circle_id.in_(circles), Membership.left_at.is_(None)
        )
        query = query.where(Resident.id.in_(members))
    return [(resident, household) for resident, household in session.execute(query) if household]


def may_vote(session: Session, poll: Poll, resident: Resident) -> bool:
    """Whether a registered resident is inside the poll's scope."""
    household = resident.household
    if household is None:
        return False
    if poll.scope_place is not None:
        return poll.scope_place.contains(household)
    circles = select(PollPosting.circle_id).where(PollPosting.poll_id == poll.id)
    return (
        session.scalar(
            select(Membership.id)
            .where(
                Membership.resident_id == resident.id,
                Membership.circle_id.in_(circles),
                Membership.left_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


# Voting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    """What a vote did: the options now on the voter's ballot, and whether it changed one."""

    poll: Poll
    chosen: list[PollOption]
    changed: bool


def cast(
    session: Session,
    now: datetime,
    secret: bytes,
    resident: Resident,
    poll: Poll,
    picks: list[int],
    *,
    refresh_every: timedelta,
    batch_every: timedelta = timedelta(minutes=5),
) -> Vote:
    """Record a vote.

    Naming one option of a multiple-choice poll adds it to the voter's ballot (or,
    where votes may change, takes it off again); naming several casts the whole ballot.
    """
    poll = _lock(session, poll)
    if poll.status == PollStatus.CLOSED or now >= poll.closes_at:
        raise DomainError("deliberation.poll_closed", number=poll.number)
    if now < poll.opens_at:
        raise DomainError("deliberation.poll_not_open", number=poll.number)
    if resident.household_id is None:
        raise DomainError("deliberation.register_first")
    if not may_vote(session, poll, resident):
        raise DomainError("deliberation.not_eligible", number=poll.number)
    if poll.verified_only and resident.household is not None and not resident.household.verified:
        raise DomainError("deliberation.household_unverified", number=poll.number)
    options = {option.position: option for option in poll.options}
    wanted = list(dict.fromkeys(picks))
    missing = [n for n in wanted if n not in options]
    if missing or not wanted:
        raise DomainError(
            "deliberation.no_such_option",
            number=poll.number,
            option=(missing or [0])[0],
            count=len(options),
        )
    limit = poll.max_choices if poll.kind == PollKind.MULTIPLE else 1
    if len(wanted) > limit:
        raise DomainError("deliberation.too_many_choices", number=poll.number, limit=limit)
    key = voter_key(secret, poll, resident)
    person = person_key(secret, poll, resident)
    mine = session.get(BallotVoter, (poll.id, person))
    if mine is not None and mine.voter_key != key:
        # Their ballot was cast for the household they lived in then: moving frees none.
        raise DomainError("deliberation.voted_before_move", number=poll.number)
    ballot = session.scalar(
        select(Ballot).where(Ballot.poll_id == poll.id, Ballot.voter_key == key)
    )
    if ballot is None:
        _new_ballot(session, now, secret, poll, resident, key, wanted)
        chosen, changed = wanted, False
    else:
        held = _held(session, secret, poll, key, options) if keeps_marks(poll) else []
        chosen = _revise(poll, held, wanted, limit)
        _replace_marks(session, secret, poll, key, held, chosen)
        changed = True
        if not chosen:
            session.delete(ballot)
    if mine is None:
        session.add(BallotVoter(poll_id=poll.id, person_key=person, voter_key=key))
    if poll.anonymous:
        _unpublished(secret, poll, key)
        poll.refresh_at = poll.refresh_at or tally_at(poll, now, batch_every)
    elif poll.refresh_at is None:
        last = poll.refreshed_at
        poll.refresh_at = max(now, last + refresh_every) if last else now
    session.flush()
    return Vote(poll, [options[n] for n in chosen], changed)


def _unpublished(secret: bytes, poll: Poll, key: str) -> None:
    token = hmac.new(secret, f"change:{poll.id}:{key}".encode(), hashlib.sha256).hexdigest()
    changed = list(poll.unpublished)
    if len(changed) < TALLY_BATCH and token[:16] not in changed:
        poll.unpublished = [*changed, token[:16]]


def tally_at(poll: Poll, now: datetime, every: timedelta) -> datetime | None:
    """When an anonymous poll's live count may be shown again: at once when no ballot
    changed since, else once a batch changed, at most once per `every`; None till then."""
    if not poll.unpublished:
        return now
    if len(poll.unpublished) < TALLY_BATCH:
        return None
    last = poll.refreshed_at
    return max(now, last + every) if last else now


def _lock(session: Session, poll: Poll) -> Poll:
    # Votes on one poll queue behind each other (and behind its closing), so counts
    # and the changed-vote bookkeeping never race.
    locked = session.scalar(
        select(Poll)
        .where(Poll.id == poll.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def _already(poll: Poll) -> DomainError:
    key = "deliberation.household_voted" if poll.per_household else "deliberation.already_voted"
    return DomainError(key, number=poll.number)


def _revise(poll: Poll, held: list[int], wanted: list[int], limit: int) -> list[int]:
    if poll.kind != PollKind.MULTIPLE or len(wanted) > 1:
        if not poll.changeable:
            raise _already(poll)
        return wanted
    pick = wanted[0]
    if pick in held:
        if not poll.changeable:
            raise DomainError("deliberation.already_chosen", number=poll.number)
        return [n for n in held if n != pick]
    if len(held) >= limit:
        if not poll.changeable:
            raise _already(poll)
        raise DomainError("deliberation.ballot_full", number=poll.number, limit=limit)
    return [*held, pick]


def _new_ballot(
    session: Session,
    now: datetime,
    secret: bytes,
    poll: Poll,
    resident: Resident,
    key: str,
    picks: list[int],
) -> None:
    named = not poll.anonymous
    try:
        with session.begin_nested():
            session.add(
                Ballot(
                    poll_id=poll.id,
                    voter_key=key,
                    resident_id=resident.id if named else None,
                    household_id=resident.household_id if named else None,
                    cast_at=now if named else None,
                )
            )
    except IntegrityError:
        raise _already(poll) from None
    _replace_marks(session, secret, poll, key, [], picks)


def _held(
    session: Session, secret: bytes, poll: Poll, key: str, options: dict[int, PollOption]
) -> list[int]:
    marks = {_mark(secret, poll.id, key, n): n for n in options}
    found = session.scalars(
        select(BallotMark.mark).where(BallotMark.poll_id == poll.id, BallotMark.mark.in_(marks))
    )
    return sorted(marks[mark] for mark in found)


def _replace_marks(
    session: Session, secret: bytes, poll: Poll, key: str, held: list[int], chosen: list[int]
) -> None:
    dropped = [n for n in held if n not in chosen]
    added = [n for n in chosen if n not in held]
    _count(session, poll, dropped, -1)
    _count(session, poll, added, +1)
    if not keeps_marks(poll):
        return
    if dropped:
        session.execute(
            delete(BallotMark).where(
                BallotMark.poll_id == poll.id,
                BallotMark.mark.in_([_mark(secret, poll.id, key, n) for n in dropped]),
            )
        )
    session.add_all(BallotMark(poll_id=poll.id, mark=_mark(secret, poll.id, key, n)) for n in added)


def _count(session: Session, poll: Poll, positions: Iterable[int], step: int) -> None:
    wanted = list(positions)
    if wanted:
        session.execute(
            update(PollOption)
            .where(PollOption.poll_id == poll.id, PollOption.position.in_(wanted))
            .values(votes=PollOption.votes + step)
            .execution_options(synchronize_session=False)
        )
        for option in poll.options:
            if option.position in wanted:
                session.expire(option, ["votes"])


def ballot_count(session: Session, poll: Poll) -> int:
    """How many ballots a poll holds (households, or residents, that voted)."""
    return (
        session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id))
        or 0
    )


# Standings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    """Voters in the poll's unit (households, or residents on a one-vote-per-person poll):
    how many may vote, how many voted (always the number of ballots), and who has not yet.
    """

    eligible_households: int
    voted_households: int
    waiting: list[tuple[int, int]]
    """(resident id, household id) of eligible voters who have not voted."""


def turnout(session: Session, secret: bytes, poll: Poll) -> Turnout:
    """Voters eligible and voted, worked out through voter keys (so anonymous too).

    Every ballot counts as voted; one cast by a voter who since left the poll's reach
    (moved away, left the circle) counts among the eligible too, so turnout and tally agree.
    """
    keys = set(session.scalars(select(Ballot.voter_key).where(Ballot.poll_id == poll.id)))
    persons = set(
        session.scalars(select(BallotVoter.person_key).where(BallotVoter.poll_id == poll.id))
    )
    people = eligible(session, poll)
    voter_keys = {
        (resident, household): _key(
            secret, poll.id, poll.per_household, household if poll.per_household else resident
        )
        for resident, household in people
    }
    within = set(voter_keys.values())
    waiting = [
        pair
        for pair, key in voter_keys.items()
        if key not in keys and _person(secret, poll.id, pair[0]) not in persons
    ]
    return Turnout(len(within | keys), len(keys), waiting)


@dataclass(frozen=True)
class OptionCount:
    """One option's votes and share of the ballots."""

    position: int
    label: str
    votes: int
    percent: float


@dataclass(frozen=True)
class Standing:
    """A poll's counts so far, or final."""

    options: list[OptionCount]
    ballots: int
    average: float | None


def standing(session: Session, poll: Poll) -> Standing:
    """Counts and shares per option; the average score of a rating."""
    votes = dict(
        session.execute(
            select(PollOption.position, PollOption.votes).where(PollOption.poll_id == poll.id)
        ).all()
    )
    return _standing(poll, votes, ballot_count(session, poll))


def shown_standing(session: Session, poll: Poll) -> Standing:
    """What chats may see now: the exact count, or an open anonymous poll's last batch."""
    if not poll.anonymous or poll.status == PollStatus.CLOSED:
        return standing(session, poll)
    published = poll.published or {}
    positions = sorted(o.position for o in poll.options)
    # Before the first batch nothing was published: every option shows 0.
    votes = dict(zip(positions, published.get("votes", [0] * len(positions)), strict=True))
    return _standing(poll, votes, published.get("ballots", 0))


def publish(session: Session, poll: Poll) -> None:
    """Make the exact count the one chats see (an anonymous poll's batch is complete)."""
    counted = standing(session, poll)
    poll.published = {"votes": [o.votes for o in counted.options], "ballots": counted.ballots}
    poll.unpublished = []


def _standing(poll: Poll, votes: dict[int, int], ballots: int) -> Standing:
    options = []
    for option in sorted(poll.options, key=lambda o: o.position):
        count = votes.get(option.position, 0)
        share = 100.0 * count / ballots if ballots else 0.0
        options.append(OptionCount(option.position, option.label, count, share))
    average = None
    if poll.kind == PollKind.RATING:
        total = sum(o.votes for o in options)
        average = sum(int(o.label) * o.votes for o in options) / total if total else None
    return Standing(options, ballots, average)


def quorum_met(poll: Poll) -> bool | None:
    """Whether a closed poll's turnout reached its quorum; None without a quorum."""
    if poll.quorum_percent is None:
        return None
    eligible_households = poll.eligible_households or 0
    voted = poll.voted_households or 0
    return eligible_households > 0 and voted * 100 >= poll.quorum_percent * eligible_households


def require_visible(poll: Poll) -> None:
    """Hidden results stay hidden from everyone, the owner included, until the poll closes."""
    if poll.hidden and poll.status == PollStatus.OPEN:
        raise DomainError("deliberation.results_hidden", number=poll.number)


# Closing ----------------------------------------------------------------------------


def _require_owner_or_admin(session: Session, actor: Actor, poll: Poll) -> None:
    community = session.get_one(Place, poll.community_id)
    owner = poll.owner_id == actor.resident.id
    if not owner and not manages(session, actor, poll.circle, community):
        raise DomainError("deliberation.close_not_allowed", number=poll.number)


def close_early(session: Session, now: datetime, actor: Actor, poll: Poll, secret: bytes) -> Poll:
    """The owner or an admin closes a poll before its deadline."""
    _require_owner_or_admin(session, actor, poll)
    poll = _lock(session, poll)
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
