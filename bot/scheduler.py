"""The scheduler's heart: tick(now) does what is due; APScheduler or the console drives it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.delivery import PostOffice
from bot.election import work_once
from bot.messages import Envelope

log = logging.getLogger(__name__)
TICK_JOB = "linli-tick"
STATISTICS_JOB = "linli-statistics"
# How often SQLite's statistics are refreshed, from start-up on, as the database grows.
STATISTICS_HOURS = 6
HELD_MESSAGES = "due:held-messages"


class DueWork(Protocol):
    """One kind of scheduled work (reminders, deadlines, notices), kept as rows."""

    name: str

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """When this work next falls due at or after `after`, from an indexed query."""
        ...

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Do what is due at `now` and mark it done, in the caller's transaction."""
        ...


# Makes one kind of due work from the settings and the default language.
WorkFactory = Callable[[Settings, str], DueWork]


@dataclass
class Scheduler:
    """Runs each kind of due work in its own transaction, so a crash repeats nothing."""

    db: Database
    post_office: PostOffice
    work: Sequence[DueWork]

    def tick(self, now: datetime) -> list[Envelope]:
        """Everything due at `now`; each kind commits together with its staged messages.

        First go the messages held through quiet hours, where no outbox worker sends them.
        Several workers may tick at once on one PostgreSQL: each kind of work is done by
        one at a time, and the next reads what the one before it did, so nothing twice.
        """
        with self.db.transaction() as session:
            work_once(session, HELD_MESSAGES)
            sent = self.post_office.release(session, now)
        for item in self.work:
            with self.db.transaction() as session:
                work_once(session, f"due:{item.name}")
                envelopes = item.run_due(session, now)
                sent.extend(self.post_office.prepare(session, envelopes, now, None))
        return sent

    def next_due(self, after: datetime) -> datetime | None:
        """The earliest time anything falls due at or after `after`."""
        with self.db.transaction() as session:
            times = [t for w in self.work if (t := w.next_due(session, after)) is not None]
            held = self.post_office.next_release(session)
        times += [held] if held is not None else []
        return min(times) if times else None

    def run_until(
        self, start: datetime, end: datetime, advance: Callable[[datetime], None]
    ) -> list[tuple[datetime, list[Envelope]]]:
        """Tick at every due time from `start` to `end` in order, moving the clock each time."""
        batches = []
        cursor = start
        while (due := self.next_due(cursor)) is not None and due <= end:
            due = max(due, cursor)
            advance(due)
            batches.append((due, self.tick(due)))
            if self.next_due(due) == due:
                raise RuntimeError("scheduled work stayed due after its tick")
            cursor = due
        advance(end)
        batches.append((end, self.tick(end)))
        return [(at, envelopes) for at, envelopes in batches if envelopes]


def start_live(
    scheduler: Scheduler,
    now: Callable[[], datetime],
    every_seconds: float,
    deliver: Callable[[list[Envelope]], None],
) -> BackgroundScheduler:
    """Start APScheduler's background thread ticking every `every_seconds`."""

    def _tick() -> None:
        try:
            deliver(scheduler.tick(now()))
        except Exception:
            log.exception("scheduler tick failed; it will run again at the next interval")

    background = BackgroundScheduler()
    background.add_job(
        _tick, "interval", seconds=every_seconds, max_instances=1, coalesce=True, id=TICK_JOB
    )
    background.add_job(
        _statistics(scheduler.db),
        "interval",
        hours=STATISTICS_HOURS,
        next_run_time=datetime.now(UTC),
        coalesce=True,
        id=STATISTICS_JOB,
    )
    background.start()
    return background


def _statistics(db: Database) -> Callable[[], None]:
    """A job refreshing the database's statistics (see Database.keep_statistics)."""

    def refresh() -> None:
        try:
            db.keep_statistics()
        except Exception:
            log.exception("refreshing the database's statistics failed; it will be tried again")

    return refresh


def tick_soon(ticker: BackgroundScheduler) -> None:
    """Make the live scheduler tick now rather than at its next interval (thread-safe)."""
    ticker.modify_job(TICK_JOB, next_run_time=datetime.now(UTC))
