"""Standings: turnout through voter keys, counts and shares, and what chats may see of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.deliberation.ballots import (
    ballot_count,
    eligible,
    key_of,
    person_of,
    voter_of,
)
from models import Ballot, BallotVoter, Poll, PollKind, PollOption, PollStatus

# An anonymous poll's counts are shown only once this many have voted: with fewer, anyone who
# knows who voted (or is one of them) reads the others' choices from the counts.
FEWEST_COUNTED = 3


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
        (resident, household): key_of(
            secret, poll.id, poll.per_household, voter_of(poll, resident, household)
        )
        for resident, household in people
    }
    within = set(voter_keys.values())
    waiting = [
        pair
        for pair, key in voter_keys.items()
        if key not in keys and person_of(secret, poll.id, pair[0]) not in persons
    ]
    return Turnout(len(within | keys), len(keys), waiting)


@dataclass(frozen=True)
class OptionCount:
    """One option's votes and share of the ballots, in percent as shown (`shown_percent`)."""

    position: int
    label: str
    votes: int
    percent: str


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


def withheld(poll: Poll, counted: Standing) -> bool:
    """Whether chats see only turnout: an anonymous poll counted over too few ballots."""
    return poll.anonymous and counted.ballots < FEWEST_COUNTED


def publish(session: Session, poll: Poll) -> None:
    """Make the exact count the one chats see (an anonymous poll's batch is complete)."""
    counted = standing(session, poll)
    poll.published = {"votes": [o.votes for o in counted.options], "ballots": counted.ballots}
    poll.unpublished = []


def _standing(poll: Poll, votes: dict[int, int], ballots: int) -> Standing:
    options = []
    for option in sorted(poll.options, key=lambda o: o.position):
        count = votes.get(option.position, 0)
        options.append(
            OptionCount(option.position, option.label, count, shown_percent(count, ballots))
        )
    average = None
    if poll.kind == PollKind.RATING:
        total = sum(o.votes for o in options)
        average = sum(int(o.label) * o.votes for o in options) / total if total else None
    return Standing(options, ballots, average)


def shown_percent(part: int, whole: int) -> str:
    """`part` of `whole` in percent as poll messages, results and charts all show it: to one
    decimal, rounded half up, without a trailing ".0" ("33.3", "50"); "0" of nothing."""
    if not whole:
        return "0"
    tenths = (2000 * part + whole) // (2 * whole)
    units, tenth = divmod(tenths, 10)
    return f"{units}.{tenth}" if tenth else str(units)


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
