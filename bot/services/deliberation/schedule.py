"""Scheduled deliberation work: closing polls, posting results, reminding voters, live
counts, follow-ups.

Each kind finds what is due with an indexed query and marks it done in the
scheduler's transaction, together with the messages it stages, so a restart that
spans a deadline closes the poll once and repeats nothing. In a community's quiet
hours, voters' reminders and the results of a poll that closed wait for the morning.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.config import Settings
from bot.messages import Envelope, Reply
from bot.services.common.outreach import to_person
from bot.services.common.quiet import QuietHours, default_quiet, quiet_hours
from bot.services.common.when import moment_data
from bot.services.deliberation.ballots import tally_at
from bot.services.deliberation.poll_views import (
    closing_envelopes,
    message_key,
    poll_reply,
    reminder_reply,
    result_envelopes,
    to_postings,
    waiting_reply,
)
from bot.services.deliberation.polls import finish
from bot.services.deliberation.standings import publish, turnout
from bot.services.deliberation.topics import FOLLOWED_UP
from models import Decision, Poll, PollStatus, Resident


class _Work:
    """What every kind of deliberation work needs from the settings."""

    def __init__(self, settings: Settings, language: str) -> None:
        self.secret = settings.secret
        self.zone: ZoneInfo = settings.zone
        self.data_path: Path = settings.data_path
        self.language = language
        self.repeat = timedelta(days=settings.deliberation.follow_up_repeat_days)
        self.batch = timedelta(minutes=settings.deliberation.anonymous_tally_minutes)
        self.quiet = default_quiet(settings)

    def quiet_of(self, session: Session, poll: Poll) -> QuietHours:
        """The quiet hours of a poll's community."""
        return quiet_hours(session, poll.community_id, self.quiet)


class ClosePolls(_Work):
    """Closes each poll at its deadline and posts the result wherever it was posted; a poll
    that closes in quiet hours shows it has ended at once, and its result in the morning
    (unless it asked for its result at night too)."""

    name = "close-polls"

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest deadline of an open poll."""
        return session.scalar(
            select(func.min(Poll.closes_at)).where(Poll.status == PollStatus.OPEN)
        )

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Close every open poll whose deadline has passed."""
        due = session.scalars(
            select(Poll)
            .where(Poll.status == PollStatus.OPEN, Poll.closes_at <= now)
            .order_by(Poll.closes_at, Poll.id)
            .with_for_update()
        ).all()
        envelopes: list[Envelope] = []
        for poll in due:
            finish(session, now, poll, self.secret)
            quiet = self.quiet_of(session, poll)
            if poll.night_results or not quiet.holds(now):
                envelopes += closing_envelopes(
                    session, now, poll, self.secret, self.zone, self.data_path, self.language
                )
                continue
            poll.results_at = quiet.over(now)
            final = poll_reply(session, poll, self.zone, now)
            envelopes += to_postings(
                session, poll, final, self.language, key=message_key(poll), edit=True
            )
        return envelopes


class PostResults(_Work):
    """Posts, once quiet hours are over, the result of a poll that closed in them."""

    name = "post-results"

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest result waiting for the morning."""
        return session.scalar(select(func.min(Poll.results_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Post every result whose morning has come."""
        envelopes: list[Envelope] = []
        due = select(Poll).where(Poll.results_at <= now).order_by(Poll.results_at, Poll.id)
        for poll in session.scalars(due.with_for_update()).all():
            poll.results_at = None
            envelopes += result_envelopes(
                session, now, poll, self.secret, self.zone, self.data_path, self.language
            )
        return envelopes


class RemindVoters(_Work):
    """Before a deadline, reminds each eligible voter who has not voted, and tells the
    circles how many have not, naming nobody."""

    name = "remind-voters"

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending reminder."""
        return session.scalar(select(func.min(Poll.remind_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Send every reminder due now."""
        envelopes: list[Envelope] = []
        for poll in session.scalars(select(Poll).where(Poll.remind_at <= now)).all():
            poll.remind_at = None
            if poll.status != PollStatus.OPEN:
                continue
            quiet = self.quiet_of(session, poll)
            if quiet.holds(now):
                # Reminded in the morning, counting who has voted by then.
                poll.remind_at = quiet.over(now)
                continue
            counted = turnout(session, self.secret, poll)
            reminder = reminder_reply(poll, self.zone, now)
            waiting = [resident for resident, _ in counted.waiting]
            for resident in session.scalars(
                select(Resident)
                .where(Resident.id.in_(waiting))
                .options(selectinload(Resident.identities))
                .order_by(Resident.id)
            ):
                envelopes += to_person(resident, reminder, self.language)
            envelopes += to_postings(
                session, poll, waiting_reply(poll, self.zone, now, counted), self.language
            )
        return envelopes


class RefreshTallies(_Work):
    """Edits a poll's messages with its live count, at most once per interval: votes only
    mark the poll, and this merges all the votes since the last edit into one. An
    anonymous poll's count waits for a batch of changed ballots (see `tally_at`)."""

    name = "refresh-tallies"

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending refresh."""
        return session.scalar(select(func.min(Poll.refresh_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Edit the messages of every poll whose refresh is due."""
        envelopes: list[Envelope] = []
        due = select(Poll).where(Poll.refresh_at <= now).order_by(Poll.id).with_for_update()
        for poll in session.scalars(due).all():
            if poll.anonymous and poll.status == PollStatus.OPEN:
                poll.refresh_at = tally_at(poll, now, self.batch)
                if poll.refresh_at is None or poll.refresh_at > now:
                    continue
            poll.refresh_at = None
            poll.refreshed_at = now
            publish(session, poll)
            if poll.status == PollStatus.OPEN:
                reply = poll_reply(session, poll, self.zone, now)
                envelopes += to_postings(
                    session, poll, reply, self.language, key=message_key(poll), edit=True
                )
        return envelopes


class RemindFollowUps(_Work):
    """Reminds whoever answers for an overdue decision, again every few days until solved."""

    name = "remind-follow-ups"

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending follow-up reminder."""
        return session.scalar(select(func.min(Decision.remind_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Remind the owners of every decision overdue now."""
        envelopes: list[Envelope] = []
        for decision in session.scalars(select(Decision).where(Decision.remind_at <= now)).all():
            topic = decision.topic
            if topic.status not in FOLLOWED_UP:
                decision.remind_at = None
                continue
            decision.remind_at = now + self.repeat
            owner = decision.owner or decision.decided_by
            if owner is None:
                continue
            reply = Reply(
                "deliberation.follow_up_overdue",
                {
                    "number": topic.number,
                    "title": topic.title,
                    "decision": decision.text,
                    "owner": decision.owner_name,
                    "due": moment_data(decision.due_at or now, self.zone, now),
                },
            )
            envelopes += to_person(owner, reply, self.language)
        return envelopes
