"""A notice on its way: the sender's progress message, edited in place, and the final report.

The scheduler looks at a notice being delivered every few seconds while its messages
move (less often while they do not), from the outbox rows its chats were staged as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Envelope, PlatformTraits, Reply
from bot.services.common.outreach import to_identities, to_person
from bot.services.notices.sending import notice_key
from models import CircleChat, Notice, NoticeChat, OutboxMessage, OutboxState

STEP = timedelta(seconds=3)
# While nothing moves (a platform out of reach), look less and less often, up to this.
LONGEST_WAIT = timedelta(minutes=10)
# A notice still not delivered after this is reported with what is still waiting.
GIVE_UP = timedelta(days=1)
# The report names at most this many failed chats.
MAX_NAMED = 20


@dataclass(frozen=True)
class Failed:
    """A chat the notice did not reach, and whether the bot had been removed from it."""

    title: str
    removed: bool


@dataclass
class Outcome:
    """Where a notice's chats stand: delivered, failed, still waiting."""

    delivered: int = 0
    pending: int = 0
    failed: list[Failed] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every chat the notice was staged for."""
        return self.delivered + self.pending + len(self.failed)


def outcome(session: Session, notice: Notice) -> Outcome:
    """How far the notice got; a chat with no outbox row (the console) got it at once."""
    message = and_(
        OutboxMessage.platform == NoticeChat.platform,
        OutboxMessage.chat_id == NoticeChat.chat_id,
        OutboxMessage.key == notice_key(notice),
        OutboxMessage.edit.is_(False),
    )
    binding = and_(
        CircleChat.platform == NoticeChat.platform, CircleChat.chat_id == NoticeChat.chat_id
    )
    rows = session.execute(
        select(NoticeChat.title, OutboxMessage.state, CircleChat.active)
        .outerjoin(OutboxMessage, message)
        .outerjoin(CircleChat, binding)
        .where(NoticeChat.notice_id == notice.id)
        .order_by(NoticeChat.id)
    )
    found = Outcome()
    for title, state, active in rows:
        if state == OutboxState.PENDING:
            found.pending += 1
        elif state == OutboxState.FAILED:
            found.failed.append(Failed(title, removed=active is False))
        else:
            found.delivered += 1
    return found


class NoticeProgress:
    """Shows a running notice's progress to its sender and reports when it is done.

    The progress message goes only where the platform edits it in place and sends
    through the outbox (Telegram); elsewhere the sender gets only the report.
    """

    name = "notices-progress"

    def __init__(
        self, settings: Settings, language: str, traits: Mapping[str, PlatformTraits]
    ) -> None:
        self.language = language
        self.live = {name for name, t in traits.items() if t.durable and t.edits}

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """When the next notice being delivered is to be looked at."""
        return session.scalar(select(func.min(Notice.progress_due_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Look at every notice due: a progress edit where it moved, a report when done."""
        due = session.scalars(
            select(Notice)
            .where(Notice.progress_due_at <= now)
            .order_by(Notice.progress_due_at, Notice.id)
            .with_for_update()
        ).all()
        return [e for notice in due for e in self._look(session, now, notice)]

    def _look(self, session: Session, now: datetime, notice: Notice) -> list[Envelope]:
        found = outcome(session, notice)
        done = found.delivered + len(found.failed)
        started = notice.sent_at or now
        if found.pending == 0 or now - started >= GIVE_UP:
            notice.progress_due_at, notice.reported_at = None, now
            if notice.series_id is not None and found.delivered == found.total:
                # A recurring notice's occurrence is reported only when a chat missed it.
                return []
            shown = [] if notice.progress_shown is None else self._progress(notice, done, found)
            return shown + self._report(notice, found)
        moved = done != notice.progress_shown
        waited = now - (notice.progress_checked_at or started)
        wait = STEP if moved else min(max(2 * waited, STEP), LONGEST_WAIT)
        notice.progress_checked_at, notice.progress_due_at = now, now + wait
        return self._progress(notice, done, found) if moved else []

    def _progress(self, notice: Notice, done: int, found: Outcome) -> list[Envelope]:
        """The sender's progress message: sent the first time, edited in place after."""
        sender = notice.sender
        # The sender follows what they just sent, not each occurrence of a recurring notice.
        if sender is None or notice.series_id is not None:
            return []
        first = notice.progress_shown is None
        notice.progress_shown = done
        data = {"number": notice.number, "done": done, "total": found.total}
        identities = [i for i in sender.identities if i.platform in self.live]
        reply = Reply("notices.progress", data)
        key = f"notice-progress:{notice.id}"
        # The sender is following the notice they just sent: no quiet hours for this.
        return [
            replace(envelope, key=key, edit=not first, urgent=True)
            for envelope in to_identities(sender, identities, reply, self.language)
        ]

    def _report(self, notice: Notice, found: Outcome) -> list[Envelope]:
        """The report to the sender: delivered of all, and each chat that failed and why."""
        if notice.sender is None:
            return []
        data = {
            "number": notice.number,
            "delivered": found.delivered,
            "total": found.total,
            "pending": found.pending,
            "failed": [{"title": f.title, "removed": f.removed} for f in found.failed[:MAX_NAMED]],
            "failed_count": len(found.failed),
        }
        return to_person(notice.sender, Reply("notices.report", data), self.language)
