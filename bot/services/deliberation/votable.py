"""The polls someone may vote in now, for a bare 投票 or 议题 in a private chat."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Choice, Reply
from bot.services.common.access import unregistered
from bot.services.deliberation import poll_views
from bot.services.deliberation.ballots import require_ballot_open
from bot.services.deliberation.where import Where
from models import Membership, Poll, PollPosting, PollStatus

# How much of a question a button to pick its poll shows.
SHOWN_QUESTION = 20


def votable_polls(session: Session, where: Where, secret: bytes) -> list[Poll]:
    """Open polls posted in the sender's circles that they may vote in now, oldest first."""
    resident = where.resident
    if resident.household_id is None:
        raise unregistered(session, resident, "deliberation.register_first")
    posted = (
        select(Poll)
        .join(PollPosting, PollPosting.poll_id == Poll.id)
        .join(Membership, Membership.circle_id == PollPosting.circle_id)
        .where(
            Membership.resident_id == resident.id,
            Membership.left_at.is_(None),
            Poll.status == PollStatus.OPEN,
        )
        .order_by(Poll.id)
    )
    found = []
    for poll in session.scalars(posted).unique():
        try:
            require_ballot_open(session, where.now, secret, poll, resident)
        except DomainError:
            continue
        found.append(poll)
    return found


def voting_now(session: Session, where: Where, secret: bytes) -> list[Poll]:
    """The polls the sender may vote in now; none before they register."""
    if where.resident.household_id is None:
        return []
    return votable_polls(session, where, secret)


def my_ballot(session: Session, where: Where, secret: bytes) -> Reply:
    """The one poll the sender may vote in now, to pick from; several, to choose among."""
    found = votable_polls(session, where, secret)
    if not found:
        raise DomainError("deliberation.nothing_to_vote")
    if len(found) == 1:
        return poll_views.ballot_reply(found[0], where.zone, where.now)
    polls = [[poll.number, poll.question] for poll in found]
    choices = [
        [Choice(f"#{poll.number} {poll.question[:SHOWN_QUESTION]}", f"/vote {poll.number}")]
        for poll in found
    ]
    return Reply("deliberation.my_polls", {"polls": polls}, choices=choices)
