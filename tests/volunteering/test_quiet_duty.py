"""Duty at sensible hours: night-time reminders and promotions wait for the morning, except
reminders of duty that itself starts before the morning."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.app import App
from bot.clock import VirtualClock
from bot.messages import ChatKind
from tests.support.community import build
from tests.support.driver import Driver

SHIFT = "排班 门岗值守 | 2026-11-24 09:00-11:00 | 1人 | 2号门"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with shift #1 tomorrow 09:00-11:00 (1 place) in g1."""
    driver = build(app)
    assert "已排班" in driver.one("owner", SHIFT, "g1").text
    return driver


def _local(app: App, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=app.settings.zone)


def _private(app: App, until: str) -> list[tuple[str, str, str]]:
    """Run the scheduler to `until`: (local time, person, template) of each private message."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    return [
        (f"{at.astimezone(app.settings.zone):%m-%d %H:%M}", e.target.chat_id, e.reply.template)
        for at, envelopes in app.scheduler.run_until(clock.now(), _local(app, until), clock.set)
        for e in envelopes
        if e.target.kind == ChatKind.PRIVATE
    ]


def test_a_late_evening_reminder_waits_for_the_morning(town: Driver) -> None:
    assert "22:00" in town.one("sec", "值班设置 前一天 22:00 | 提前 关", "g1").text
    town.say("r2", "报名 1", "g1")
    assert _private(town.app, "2026-11-24 12:00") == [
        ("11-24 07:30", "r2", "volunteering.remind_day_before")
    ]


def test_a_reminder_of_duty_that_starts_before_the_morning_goes_at_night(town: Driver) -> None:
    town.one("owner", "排班 夜间巡逻 | 2026-11-24 06:00-08:00 | 1人 | 北门", "g1")
    town.say("r2", "报名 2", "g1")
    sent = [s for s in _private(town.app, "2026-11-24 12:00") if s[1] == "r2"]
    assert sent == [
        ("11-23 19:00", "r2", "volunteering.remind_day_before"),
        ("11-24 05:00", "r2", "volunteering.remind_hour_before"),
    ]


def test_a_promotion_at_night_tells_the_promoted_in_the_morning(town: Driver) -> None:
    town.say("r1", "报名 1", "g1")
    town.say("r3", "报名 1", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(_local(town.app, "2026-11-23 23:00"))
    gone = town.say("r1", "取消报名 1", "g1")
    assert "已由候补的 r3 补上" in gone[0].text
    assert not any(s.private and s.chat == "r3" for s in gone)
    assert ("11-24 07:30", "r3", "volunteering.promoted") in _private(town.app, "2026-11-24 08:00")


def test_a_promotion_held_past_the_time_to_withdraw_says_whom_to_tell(town: Driver) -> None:
    town.one("owner", "排班 门岗值守 | 2026-11-25 09:00-11:00 | 1人 | 2号门", "g1")
    town.one("r4", "/lang en")
    for user, number in (("r1", 1), ("r3", 1), ("r2", 2), ("r4", 2)):
        town.say(user, f"报名 {number}", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(_local(town.app, "2026-11-23 23:00"))
    town.say("r1", "取消报名 1", "g1")
    town.say("r2", "取消报名 2", "g1")
    told = [
        (s.chat, s.text)
        for _, envelopes in town.app.scheduler.run_until(
            clock.now(), _local(town.app, "2026-11-24 07:30"), clock.set
        )
        for s in town.received(envelopes)
        if s.chat in ("r3", "r4")
    ]
    assert told == [
        (
            "r3",
            "r3，好消息：#1 门岗值守 · 2号门（11月24日 周二 09:00–11:00）有人取消了，"
            "您已从候补转为正式报名。\n"
            "取消截止时间（11月24日 周二 07:00）已过，确实来不了，请联系管理员。",
        ),
        (
            "r4",
            "r4, good news: a place opened on #2 门岗值守 · 2号门 (Wed 25 Nov 09:00–11:00) "
            'and it is yours now.\nTo withdraw, send "/cancel 2" before Wed 25 Nov 07:00.',
        ),
    ]
