"""The scheduler's heart: tick(now), the virtual clock in the console, APScheduler live."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.adapters.console import ConsoleChat
from bot.app import bootstrap
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope, Reply, Target
from bot.scheduler import Scheduler, start_live
from tests.conftest import START


class Alarms:
    """Fake due work: fires each alarm time once."""

    name = "alarms"

    def __init__(self, times: list[datetime]) -> None:
        self.pending = sorted(times)
        self.fired: list[datetime] = []

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The first pending alarm."""
        return self.pending[0] if self.pending else None

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Fire every alarm due at `now`."""
        due = [t for t in self.pending if t <= now]
        self.pending = [t for t in self.pending if t > now]
        self.fired.extend(due)
        target = Target("console", "g1", ChatKind.GROUP)
        return [Envelope(target, Reply("core.start_group"), "zh-Hans") for _ in due]


def test_a_tick_with_nothing_due_does_nothing(db: Database) -> None:
    assert Scheduler(db, PostOffice({}), []).tick(START) == []
    assert Scheduler(db, PostOffice({}), []).next_due(START) is None


def test_the_console_clock_runs_due_work_in_time_order_each_at_its_own_time(db: Database) -> None:
    alarms = Alarms([START + timedelta(hours=2), START + timedelta(hours=1)])
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=db, work=[alarms])
    out = ConsoleChat(app, clock).process({"clock": (START + timedelta(days=1)).isoformat()})
    assert [o["at"] for o in out] == ["2026-11-23T11:00:00+08:00", "2026-11-23T12:00:00+08:00"]
    assert alarms.fired == [START + timedelta(hours=1), START + timedelta(hours=2)]
    assert clock.now() == START + timedelta(days=1)
    assert ConsoleChat(app, clock).process({"clock": (START + timedelta(days=2)).isoformat()}) == []


def test_apscheduler_drives_tick_in_live_mode(db: Database) -> None:
    alarms = Alarms([START])
    delivered: list[Envelope] = []
    ticked = threading.Event()

    def deliver(envelopes: list[Envelope]) -> None:
        delivered.extend(envelopes)
        if envelopes:
            ticked.set()

    live = start_live(Scheduler(db, PostOffice({}), [alarms]), lambda: START, 0.05, deliver)
    try:
        assert ticked.wait(10)
    finally:
        live.shutdown()
    assert len(delivered) == 1 and alarms.fired == [START]
