"""The scheduler's heart: tick(now), the virtual clock in the console, APScheduler live."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot import migrate
from bot.adapters.console import ConsoleChat
from bot.app import bootstrap
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope, Reply, Target
from bot.scheduler import STATISTICS_HOURS, STATISTICS_JOB, Scheduler, start_live
from bot.services.community.grid import add_path
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


def _statistics_of(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        listed = connection.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).all()
        if not listed:
            return []
        return sorted({row[0] for row in connection.execute(text("SELECT tbl FROM sqlite_stat1"))})


def test_live_mode_gives_sqlite_statistics_at_start_up_and_keeps_them(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'linli.db'}")
    migrate.upgrade(db.engine)
    with db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/3号楼/2单元")
    assert _statistics_of(db) == []
    live = start_live(Scheduler(db, PostOffice({}), []), lambda: START, 3600, lambda _: None)
    try:
        waited = 0.0
        while "places" not in _statistics_of(db) and waited < 10:
            time.sleep(0.05)
            waited += 0.05
        job = live.get_job(STATISTICS_JOB)
    finally:
        live.shutdown()
        db.dispose()
    assert "places" in _statistics_of(db)
    assert job is not None and job.trigger.interval == timedelta(hours=STATISTICS_HOURS)
