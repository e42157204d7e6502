"""Ballots: voter keys, who may vote, casting and changing a vote, and the counts it moves.

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
from sqlalchemy.orm import Session, aliased

from bot.errors import DomainError
from bot.services.common.access import require_voter, unregistered
from bot.services.community import households
from bot.services.community.grid import inside
from models import (
    Ballot,
    BallotMark,
    BallotVoter,
    Circle,
    Membership,
    Place,
    Poll,
    PollKind,
    PollOption,
    PollPosting,
    PollStatus,
    Resident,
)

# An anonymous poll's live count changes only once this many ballots changed, so that
# the difference between two counts never shows what fewer voters chose.
TALLY_BATCH = 3


def voter_key(secret: bytes, poll: Poll, resident: Resident) -> str:
    """The key one voter's ballot is stored under: per household or per resident."""
    assert resident.household_id is not None
    voter = voter_of(poll, resident.id, resident.household_id)
    return key_of(secret, poll.id, poll.per_household, voter)


def voter_of(poll: Poll, resident_id: int, household_id: int) -> int:
    """Whom a poll counts one vote for: the household, or the resident on a one-vote-per-person
    poll."""
    return household_id if poll.per_household else resident_id


def key_of(secret: bytes, poll_id: int, per_household: bool, voter: int) -> str:
    """The voter key of a household (or resident) id on a poll."""
    message = f"voter:{poll_id}:{'h' if per_household else 'r'}:{voter}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def person_key(secret: bytes, poll: Poll, resident: Resident) -> str:
    """The key of one person on a poll, whatever household they are registered in."""
    return person_of(secret, poll.id, resident.id)


def person_of(secret: bytes, poll_id: int, resident_id: int) -> str:
    """The person key of a resident id on a poll."""
    message = f"person:{poll_id}:{resident_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _mark(secret: bytes, poll_id: int, key: str, position: int) -> str:
    message = f"mark:{poll_id}:{key}:{position}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def keeps_marks(poll: Poll) -> bool:
    """Whether a voter may change or add to a ballot, so its choices must be recoverable."""
    return poll.changeable or poll.kind == PollKind.MULTIPLE


# Eligibility ------------------------------------------------------------------------


def eligible(session: Session, poll: Poll) -> list[tuple[int, int]]:
    """(resident id, household id) of everyone who may vote on a poll (see `require_voter`)."""
    query = select(Resident.id, Resident.household_id).join(
        Place, Place.id == Resident.household_id
    )
    if poll.verified_only:
        query = query.where(households.verified_clause())
    scope = poll.scope_place
    if scope is not None:
        query = query.where(inside(scope.path))
    else:
        posted = select(PollPosting.circle_id).where(PollPosting.poll_id == poll.id)
        home = aliased(Place)
        member = (
            select(Membership.id)
            .join(Circle, Circle.id == Membership.circle_id)
            .join(home, home.id == Circle.place_id)
            .where(
                Membership.resident_id == Resident.id,
                Membership.circle_id.in_(posted),
                Membership.left_at.is_(None),
                Place.path.startswith(home.path),
            )
        )
        query = query.where(member.exists())
    return [(resident, household) for resident, household in session.execute(query) if household]


def eligible_voters(session: Session, poll: Poll) -> int:
    """How many households (or residents, one vote per person) may vote on a poll now."""
    return len(
        {voter_of(poll, resident, household) for resident, household in eligible(session, poll)}
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
    poll = lock(session, poll)
    _require_voter(session, now, poll, resident)
    options = {option.position: option for option in poll.options}
    wanted = _wanted(poll, options, picks)
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
        chosen, changed = _revise(poll, held, wanted), True
        _replace_marks(session, secret, poll, key, held, chosen)
        if not chosen:
            session.delete(ballot)
    if mine is None:
        session.add(BallotVoter(poll_id=poll.id, person_key=person, voter_key=key))
    _mark_for_refresh(secret, poll, key, now, refresh_every, batch_every)
    session.flush()
    return Vote(poll, [options[n] for n in chosen], changed)


def _require_voter(session: Session, now: datetime, poll: Poll, resident: Resident) -> None:
    if poll.status == PollStatus.CLOSED or now >= poll.closes_at:
        raise DomainError("deliberation.poll_closed", number=poll.number)
    if now < poll.opens_at:
        raise DomainError("deliberation.poll_not_open", number=poll.number)
    if resident.household_id is None:
        raise unregistered(session, resident, "deliberation.register_first")
    require_voter(session, resident, poll)
    if poll.verified_only and resident.household is not None and not resident.household.verified:
        raise DomainError("deliberation.household_unverified", number=poll.number)


def require_ballot_open(
    session: Session, now: datetime, secret: bytes, poll: Poll, resident: Resident
) -> None:
    """Refuse, as casting would, someone who may not vote in a poll now, or whose ballot
    there is cast for good."""
    _require_voter(session, now, poll, resident)
    if poll.kind == PollKind.MULTIPLE or poll.changeable:
        return
    key = voter_key(secret, poll, resident)
    if session.scalar(
        select(Ballot.voter_key).where(Ballot.poll_id == poll.id, Ballot.voter_key == key)
    ):
        raise _already(poll)


def choice_limit(poll: Poll) -> int:
    """How many options one ballot may hold."""
    return poll.max_choices if poll.kind == PollKind.MULTIPLE else 1


def _wanted(poll: Poll, options: dict[int, PollOption], picks: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(picks))
    missing = [n for n in wanted if n not in options]
    if missing or not wanted:
        raise DomainError(
            "deliberation.no_such_option",
            number=poll.number,
            option=(missing or [0])[0],
            count=len(options),
        )
    limit = choice_limit(poll)
    if len(wanted) > limit:
        raise DomainError("deliberation.too_many_choices", number=poll.number, limit=limit)
    return wanted


def _mark_for_refresh(
    secret: bytes,
    poll: Poll,
    key: str,
    now: datetime,
    refresh_every: timedelta,
    batch_every: timedelta,
) -> None:
    if poll.anonymous:
        _unpublished(secret, poll, key)
        poll.refresh_at = poll.refresh_at or tally_at(poll, now, batch_every)
    elif poll.refresh_at is None:
        last = poll.refreshed_at
        poll.refresh_at = max(now, last + refresh_every) if last else now


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


def lock(session: Session, poll: Poll) -> Poll:
    """The poll, locked: votes on one poll queue behind each other (and its closing)."""
    # So counts and the changed-vote bookkeeping never race.
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


def _revise(poll: Poll, held: list[int], wanted: list[int]) -> list[int]:
    if poll.kind != PollKind.MULTIPLE or len(wanted) > 1:
        if not poll.changeable:
            raise _already(poll)
        return wanted
    pick = wanted[0]
    if pick in held:
        if not poll.changeable:
            raise DomainError("deliberation.already_chosen", number=poll.number)
        return [n for n in held if n != pick]
    if len(held) >= poll.max_choices:
        # A full ballot is what the voter meets, whatever the household rule.
        raise DomainError(
            "deliberation.ballot_full",
            number=poll.number,
            limit=poll.max_choices,
            changeable=poll.changeable,
        )
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
