"""Duty reminders from the scheduler: on time, exactly once, across restarts and crashes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope
from bot.scheduler import Scheduler
from bot.services.community.people import ensure_identity
from bot.services.volunteering.schedule import DutyReminders
from models import DutyReminder, OutboxMessage
from tests.support.community import (
    bind_elsewhere,
    build,
    due_besides_housekeeping,
    resident,
    session_of,
)
from tests.support.driver import Driver
from tests.support.volunteers import advance, create, join, pending_reminders

TOMORROW = "2026-11-24 08:00-10:00"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community: admin `owner` of g1 (1号院), secretary `sec`, residents r1..r4."""
    return build(app)


def _run(app: App, until: datetime) -> list[tuple[str, str, str]]:
    """Run the scheduler to `until`: (local time, where, template) of each message."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    zone = app.settings.zone
    return [
        (f"{at.astimezone(zone):%m-%d %H:%M}", _where(envelope), envelope.reply.template)
        for at, envelopes in app.scheduler.run_until(clock.now(), until, clock.set)
        for envelope in envelopes
    ]


def _where(envelope: Envelope) -> str:
    target = envelope.target
    prefix = "to " if target.kind == ChatKind.PRIVATE else ""
    return f"{prefix}{target.platform}:{target.chat_id}"


def _at(app: App, local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=app.settings.zone)


def test_each_reminder_arrives_at_its_minute_exactly_once(town: Driver) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-25 08:00-10:00 | 3人 | 2号门")
    join(app, "r2", 1)
    join(app, "r3", 1)
    sent = _run(app, _at(app, "2026-11-26 00:00"))
    assert sent == [
        ("11-24 07:30", "to console:owner", "volunteering.short_digest"),
        ("11-24 19:00", "to console:r2", "volunteering.remind_day_before"),
        ("11-24 19:00", "to console:r3", "volunteering.remind_day_before"),
        # Due at 07:00, in quiet hours: they wait until 07:30, the roster's own time.
        ("11-25 07:30", "to console:r2", "volunteering.remind_hour_before"),
        ("11-25 07:30", "to console:r3", "volunteering.remind_hour_before"),
        ("11-25 07:30", "console:g1", "volunteering.roster"),
    ]
    assert _run(app, _at(app, "2026-11-30 00:00")) == []
    assert pending_reminders(app) == []


def test_a_full_shift_raises_no_alert_and_a_withdrawal_cancels_its_reminders(
    town: Driver,
) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-25 08:00-10:00 | 1人")
    join(app, "r2", 1)
    join(app, "r3", 1)
    town.say("r2", "取消报名 1", "g1")
    sent = _run(app, _at(app, "2026-11-26 00:00"))
    assert [(at, where) for at, where, template in sent if template != "volunteering.roster"] == [
        ("11-24 19:00", "to console:r3"),
        ("11-25 07:30", "to console:r3"),
    ]


def test_shifts_short_on_the_same_days_make_one_message_per_admin(town: Driver) -> None:
    app = town.app
    town.grant("owner", "管理员", "1号院")
    create(app, "门岗 | 2026-11-25 08:00-10:00 | 2人 | 2号门")
    create(app, "门岗 | 2026-11-25 08:00-10:00 | 2人 | 3号门")
    alerts = [s for s in _run(app, _at(app, "2026-11-24 09:00")) if "short" in s[2]]
    assert alerts == [("11-24 07:30", "to console:owner", "volunteering.short_digest")]


def test_a_volunteer_with_two_shifts_tomorrow_gets_one_reminder_listing_both(
    town: Driver,
) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-24 08:00-12:00 每2小时 | 2人")
    join(app, "r2", 1)
    join(app, "r2", 2)
    evening = [s for s in _run(app, _at(app, "2026-11-23 20:00")) if s[1] == "to console:r2"]
    assert evening == [("11-23 19:00", "to console:r2", "volunteering.remind_day_before")]


def test_reminders_missed_while_down_go_inside_the_grace_window_and_older_ones_are_logged(
    town: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r2", 1)
    app.close()
    clock = VirtualClock(_at(app, "2026-11-24 07:30"))
    restarted = bootstrap(app.settings, clock, db=app.db)
    with caplog.at_level(logging.WARNING, logger="bot.services.volunteering.schedule"):
        first = restarted.scheduler.tick(clock.now())
    assert sorted(e.reply.template for e in first) == [
        "volunteering.remind_hour_before",
        "volunteering.roster",
        "volunteering.short_alert",
    ]
    assert "skipped 1 duty reminders" in caplog.text and "day_before 1" in caplog.text
    assert restarted.scheduler.tick(clock.now()) == []
    assert due_besides_housekeeping(restarted, clock.now()) is None


class _CrashOnce(PostOffice):
    """A post office that fails the first time, as a crash between sending and committing."""

    crashed = False

    def prepare(
        self,
        session: Session,
        envelopes: list[Envelope],
        now: datetime,
        owner: str | None,
        claim: timedelta | None = None,
        direct: bool = False,
        platform: str | None = None,
    ) -> list[Envelope]:
        """Stage the envelopes, then crash the first time."""
        staged = super().prepare(session, envelopes, now, owner, claim, direct, platform)
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("crash in the middle of a tick")
        return staged


def _outbox(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_crash_in_the_middle_of_a_tick_loses_nothing_and_repeats_nothing(
    town: Driver,
) -> None:
    app = town.app
    bind_elsewhere(app, "telegram", "-100777", "1号院", "tg-owner")
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r2", 1)
    staged = _outbox(app.db)
    post_office = _CrashOnce(app.post_office.traits)
    scheduler = Scheduler(app.db, post_office, [DutyReminders(app.settings, "zh-Hans")])
    # The first tick after quiet hours: the roster, the reminder and the digest, which
    # took in the owner's alert.
    morning = _at(app, "2026-11-24 07:30")
    with pytest.raises(RuntimeError):
        scheduler.tick(morning)
    assert _outbox(app.db) == staged
    assert len(pending_reminders(app)) == 4
    sent = scheduler.tick(morning)
    assert sorted(_where(e) for e in sent) == [
        "console:g1",
        "telegram:-100777",
        "to console:owner",
        "to console:r2",
    ]
    assert _outbox(app.db) == staged + 1
    assert scheduler.tick(morning) == []


def test_a_roster_is_edited_in_place_but_re_posted_once_where_edits_are_impossible(
    town: Driver,
) -> None:
    app = town.app
    bind_elsewhere(app, "wechat", "room1", "1号院", "wx-owner")
    create(app, f"门岗 | {TOMORROW} | 3人")
    first = town.say("r2", "报名 1", "g1")
    assert [(s.chat, "值班接龙" in s.text) for s in first] == [
        ("g1", False),
        ("g1", True),
        ("room1", True),
    ]
    for user in ("r3", "r4"):
        later = town.say(user, "报名 1", "g1")
        assert [s.chat for s in later if "值班接龙" in s.text] == ["g1"]
    advance(app, seconds=30)
    reposts = _run(app, app.clock.now() + timedelta(minutes=5))
    assert reposts == [("11-23 10:01", "wechat:room1", "volunteering.roster")]
    assert _run(app, app.clock.now() + timedelta(hours=1)) == []


def test_a_roster_changed_at_night_is_re_posted_when_quiet_hours_end(town: Driver) -> None:
    app = town.app
    bind_elsewhere(app, "wechat", "room1", "1号院", "wx-owner")
    create(app, "门岗 | 2026-11-25 08:00-10:00 | 3人")
    town.say("r2", "报名 1", "g1")
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(_at(app, "2026-11-23 23:00"))
    town.say("r3", "报名 1", "g1")
    reposts = [s for s in _run(app, _at(app, "2026-11-24 12:00")) if s[1] == "wechat:room1"]
    assert reposts == [("11-24 07:30", "wechat:room1", "volunteering.roster")]


def test_changing_the_communitys_rules_re_times_pending_reminders(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    signup = join(app, "r2", 1).signup.id
    town.one("sec", "值班设置 前一天 20:30 | 提前 关", "g1")
    assert pending_reminders(app)[0] == (f"day_before:signup:{signup}", "11-23 20:30")
    assert not any(key.startswith("hour_before") for key, _ in pending_reminders(app))
    town.one("sec", "值班设置 提前 30分钟", "g1")
    assert (f"hour_before:signup:{signup}", "11-24 07:30") in pending_reminders(app)


def test_finding_what_is_due_reads_the_partial_index_of_pending_reminders(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/plan.db")
    migrate.upgrade(db.engine)
    query = (
        select(func.min(DutyReminder.due_at))
        .where(DutyReminder.sent_at.is_(None), DutyReminder.skipped_at.is_(None))
        .compile(db.engine)
    )
    with db.engine.connect() as connection:
        plan = connection.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
    assert "ix_volunteer_reminders_pending_due_at" in str(plan)
    db.dispose()


def test_private_reminders_go_on_the_platforms_of_the_shifts_circle(town: Driver) -> None:
    app = town.app
    with session_of(app) as session:
        console_self = resident(session, "r2")
        telegram = ensure_identity(session, "telegram", "777", "李四", app.clock.now())
        telegram.resident_id = console_self.id
        telegram.private_chat_open = True
    create(app, "门岗 | 2026-11-24 09:00-11:00 | 2人")
    join(app, "r2", 1)
    evening = _run(app, _at(app, "2026-11-23 20:00"))
    assert [where for _, where, _ in evening] == ["to console:r2"]
    bind_elsewhere(app, "telegram", "-100777", "1号院", "tg-owner")
    morning = _run(app, _at(app, "2026-11-24 08:30"))
    personal = sorted(where for _, where, kind in morning if kind.endswith("hour_before"))
    assert personal == ["to console:r2", "to telegram:777"]


def test_an_evening_reminder_of_several_shifts_lists_them_in_time_with_each_cutoff(
    town: Driver,
) -> None:
    app = town.app
    create(app, "巡逻 | 2026-11-24 20:00-22:00 | 2人")
    create(app, "门岗 | 2026-11-24 08:00-10:00 | 2人 | 2号门")
    for number in (1, 2):
        join(app, "r2", number)
    join(app, "r3", 2)
    town.one("r3", "/lang en")
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    sent = [
        s
        for _, envelopes in app.scheduler.run_until(
            clock.now(), _at(app, "2026-11-23 19:00"), clock.set
        )
        for s in town.received(envelopes)
        if s.chat in ("r2", "r3")
    ]
    assert [(s.chat, s.text) for s in sent] == [
        (
            "r2",
            "r2，提醒您明天值班：\n"
            "#2 门岗 · 2号门 11月24日 周二 08:00–10:00（11月24日 周二 06:00 前可取消）\n"
            "#1 巡逻 11月24日 周二 20:00–22:00（11月24日 周二 18:00 前可取消）\n"
            "到岗后请发送「签到」，结束时发送「签退」。"
            "哪个班不能来，请在它可取消的时间前发送「取消报名 编号」，例如「取消报名 2」。",
        ),
        (
            "r3",
            "r3, a reminder of your duty tomorrow:\n#2 门岗 · 2号门 Tue 24 Nov 08:00–10:00\n"
            "On arrival send /checkin, and /checkout when you finish. "
            'If you cannot come, send "/cancel 2" before Tue 24 Nov 06:00.',
        ),
    ]
