"""What polls look like in chats: the poll message, results, reminders and their envelopes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import ChatKind, Choice, Envelope, Reply, Target
from bot.services.common.when import moment_data
from bot.services.deliberation import charts
from bot.services.deliberation.ballots import voter_of
from bot.services.deliberation.standings import (
    FEWEST_COUNTED,
    Standing,
    Turnout,
    quorum_met,
    shown_percent,
    shown_standing,
    standing,
    turnout,
    withheld,
)
from models import CircleChat, Poll, PollKind, PollPosting, PollStatus


def message_key(poll: Poll) -> str:
    """The name of a poll's message in each chat it is posted in, for later edits."""
    return f"poll:{poll.id}"


def _basics(poll: Poll, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    topic = poll.topic
    return {
        "number": poll.number,
        "question": poll.question,
        "kind": poll.kind.value,
        "choose": poll.max_choices,
        "per_household": poll.per_household,
        "verified": poll.verified_only,
        "anonymous": poll.anonymous,
        "hidden": poll.hidden,
        "changeable": poll.changeable,
        "quorum": poll.quorum_percent,
        "scope": poll.scope_place.name if poll.scope_place else "",
        "deadline": moment_data(poll.closes_at, zone, now),
        "topic": [topic.number, topic.title] if topic else None,
    }


def poll_reply(
    session: Session, poll: Poll, zone: ZoneInfo, now: datetime, counted: Standing | None = None
) -> Reply:
    """The poll message: question, options (with counts unless hidden), settings, buttons;
    `counted` is what chats see of its standing, where already worked out."""
    counted = shown_standing(session, poll) if counted is None else counted
    few = withheld(poll, counted)
    shown = (not poll.hidden or poll.status == PollStatus.CLOSED) and not few
    data = _basics(poll, zone, now) | {
        "options": [
            [o.position, o.label, o.votes if shown else None, o.percent if shown else None]
            for o in counted.options
        ],
        "ballots": counted.ballots,
        "withheld": few,
        "fewest": FEWEST_COUNTED,
        "opens": moment_data(poll.opens_at, zone, now) if poll.opens_at > now else None,
        "closed": poll.status == PollStatus.CLOSED,
    }
    return Reply("deliberation.poll", data, choices=_buttons(poll) if not data["closed"] else [])


def ballot_reply(poll: Poll, zone: ZoneInfo, now: datetime) -> Reply:
    """A poll's question and options to pick from, with no counts (in a private chat)."""
    data = _basics(poll, zone, now) | {"options": [[o.position, o.label] for o in poll.options]}
    # Elderly voters type an option's number rather than press its button.
    return Reply("deliberation.ballot", data, choices=_buttons(poll), by_number=True)


def _buttons(poll: Poll) -> list[list[Choice]]:
    command = f"/vote {poll.number} "
    if poll.kind == PollKind.YES_NO:
        return [
            [
                Choice(f"deliberation.option_{o.label}", command + str(o.position), translated=True)
                for o in poll.options
            ]
        ]
    if poll.kind == PollKind.RATING:
        return [[Choice(o.label, command + str(o.position)) for o in poll.options]]
    return [[Choice(o.label, command + str(o.position))] for o in poll.options]


def result_reply(
    session: Session,
    poll: Poll,
    zone: ZoneInfo,
    now: datetime,
    secret: bytes,
    image: Path | None = None,
    counted: Standing | None = None,
) -> Reply:
    """The standing so far, or the final result of a closed poll (with its chart); `counted`
    is what chats see of its standing, where already worked out."""
    counted = shown_standing(session, poll) if counted is None else counted
    few = withheld(poll, counted)
    closed = poll.status == PollStatus.CLOSED
    if closed:
        eligible, voted = poll.eligible_households or 0, poll.voted_households or 0
    else:
        live = turnout(session, secret, poll)
        # An open anonymous poll's turnout is its last batch too, as on its message: a live
        # one would show when each ballot came in.
        voted = counted.ballots if poll.anonymous else live.voted_households
        eligible = live.eligible_households
    data = _basics(poll, zone, now) | {
        "options": [
            [o.position, o.label, None if few else o.votes, None if few else o.percent]
            for o in counted.options
        ],
        "ballots": counted.ballots,
        "choices": 0 if few else sum(o.votes for o in counted.options),
        "average": None if few else counted.average,
        "withheld": few,
        "fewest": FEWEST_COUNTED,
        "eligible": eligible,
        "voted": voted,
        "turnout": shown_percent(voted, eligible),
        "quorum_met": quorum_met(poll) if closed else None,
        "final": closed,
    }
    return Reply("deliberation.result", data, image=image)


def draw_chart(poll: Poll, counted: Standing, folder: Path) -> Path:
    """The result chart of a poll's standing, drawn into `folder`; bars carry the options' own
    words (a yes/no poll's, named by the templates in each reader's language, carry numbers)."""
    if poll.kind == PollKind.RATING and counted.average is not None:
        title = f"#{poll.number}  n={counted.ballots}  avg {counted.average:.1f}"
    else:
        title = f"#{poll.number}  n={counted.ballots}"
    path = folder / "charts" / f"poll-{poll.id}.png"
    rating = poll.kind == PollKind.RATING
    named = poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE)
    return charts.draw(counted, title, path, rating=rating, named=named).path


def reminder_reply(poll: Poll, zone: ZoneInfo, now: datetime) -> Reply:
    """The private reminder to someone who has not voted, with the options to vote by."""
    data = _basics(poll, zone, now) | {"options": [[o.position, o.label] for o in poll.options]}
    return Reply("deliberation.remind_voter", data, choices=_buttons(poll))


def waiting_reply(poll: Poll, zone: ZoneInfo, now: datetime, counted: Turnout) -> Reply:
    """The count of who has not voted yet, for the circles (nobody is named)."""
    waiting = len({voter_of(poll, r, h) for r, h in counted.waiting})
    return Reply("deliberation.remind_circle", _basics(poll, zone, now) | {"waiting": waiting})


def to_postings(
    session: Session,
    poll: Poll,
    reply: Reply,
    default_language: str,
    *,
    key: str = "",
    edit: bool = False,
) -> list[Envelope]:
    """An envelope for every chat a poll was posted in that is still bound."""
    chats = session.scalars(
        select(CircleChat)
        .join(
            PollPosting,
            (PollPosting.platform == CircleChat.platform)
            & (PollPosting.chat_id == CircleChat.chat_id),
        )
        .where(PollPosting.poll_id == poll.id, CircleChat.active)
        .order_by(PollPosting.id)
    )
    return [
        Envelope(
            Target(chat.platform, chat.chat_id, ChatKind.GROUP),
            replace(reply),
            chat.circle.language or default_language,
            key=key,
            edit=edit,
        )
        for chat in chats
    ]


def closing_envelopes(
    session: Session,
    now: datetime,
    poll: Poll,
    secret: bytes,
    zone: ZoneInfo,
    folder: Path,
    language: str,
) -> list[Envelope]:
    """A closed poll's messages: its final state in place, and the result with its chart."""
    counted = standing(session, poll)
    final = poll_reply(session, poll, zone, now, counted)
    return to_postings(
        session, poll, final, language, key=message_key(poll), edit=True
    ) + result_envelopes(session, now, poll, secret, zone, folder, language, counted)


def result_envelopes(
    session: Session,
    now: datetime,
    poll: Poll,
    secret: bytes,
    zone: ZoneInfo,
    folder: Path,
    language: str,
    counted: Standing | None = None,
) -> list[Envelope]:
    """A closed poll's result with its chart (none where its counts are withheld), wherever
    the poll was posted; `counted` is its final standing, where already worked out."""
    counted = standing(session, poll) if counted is None else counted
    image = None if withheld(poll, counted) else draw_chart(poll, counted, folder)
    poll.chart = str(image) if image else None
    result = result_reply(session, poll, zone, now, secret, image, counted)
    return to_postings(session, poll, result, language)
