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
from models import Membership, Poll, PollPosting, PollStatus, Resident

# How much of a question a button to pick its poll shows.
SHOWN_QUESTION = 20


def votable_polls(session: Session, where: Where, secret: bytes) -> list[Poll]:
    """Open polls posted in the sender's circles that they may vote in now, oldest first."""
    resident = where.resident
    if resident.household_id is None:
        raise unregistered(session, resident, "deliberation.register_first")
    return [p for p in _open_in_circles(session, resident) if _votable(session, where, secret, p)]


def voting_now(session: Session, where: Where, secret: bytes) -> tuple[list[Poll], list[Poll]]:
    """The open polls of the sender's circles: those they may vote in now, and the others
    (voted in already, or put to other households); none before they register."""
    if where.resident.household_id is None:
        return [], []
    votable: list[Poll] = []
    others: list[Poll] = []
    for poll in _open_in_circles(session, where.resident):
        (votable if _votable(session, where, secret, poll) else others).append(poll)
    return votable, others


def _open_in_circles(session: Session, resident: Resident) -> list[Poll]:
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
    return list(session.scalars(posted).unique())


def _votable(session: Session, where: Where, secret: bytes, poll: Poll) -> bool:
    try:
        require_ballot_open(session, where.now, secret, poll, where.resident)
    except DomainError:
        return False
    return True


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
