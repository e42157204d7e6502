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
            "r3，好消息：#1 门岗值守 · 2号门（11月24日 周二 09:00–11:00）有空位了，"
            "您已从候补转为正式报名。\n"
            "取消截止时间（11月24日 周二 07:00）已过，确实来不了，请联系管理员。",
        ),
        (
            "r4",
            "r4, good news: a place opened on #2 门岗值守 · 2号门 (Wed 25 Nov 09:00–11:00) "
            'and it is yours now.\nTo withdraw, send "/cancel 2" before Wed 25 Nov 07:00.',
        ),
    ]


def _to_owner(app: App, until: str) -> list[tuple[str, str, str]]:
    """Run the scheduler to `until`: (local time, template, text) of what the admin is sent."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    return [
        (
            f"{at.astimezone(app.settings.zone):%m-%d %H:%M}",
            e.reply.template,
            app.renderer.render(e.reply, e.language, html_mode=False, buttons=False).text,
        )
        for at, envelopes in app.scheduler.run_until(clock.now(), _local(app, until), clock.set)
        for e in envelopes
        if e.target.chat_id == "owner"
    ]


def test_a_short_alert_due_at_night_goes_in_the_morning_digest_not_beside_it(
    town: Driver,
) -> None:
    town.one("owner", "排班 门岗值守 | 2026-11-24 10:00-12:00 | 1人 | 2号门", "g1")
    sent = _to_owner(town.app, "2026-11-24 12:00")
    # #1's alert falls due at 07:00, in quiet hours; the 07:30 digest lists #2 anyway.
    assert [(at, template) for at, template, _ in sent] == [
        ("11-24 07:30", "volunteering.short_digest")
    ]
    assert "#1 门岗值守" in sent[0][2] and "#2 门岗值守" in sent[0][2]


def test_an_alert_held_by_quiet_hours_waits_for_the_digest_minutes_later(town: Driver) -> None:
    assert "22:00-07:00" in town.one("sec", "免打扰 22:00-07:00", "g1").text
    town.one("owner", "排班 夜巡 | 2026-11-24 08:45-10:00 | 1人 | 北门", "g1")
    town.say("r2", "报名 1", "g1")
    sent = _to_owner(town.app, "2026-11-24 12:00")
    # #2's alert is due at 06:45: not at 07:00 on its own, then the digest at 07:30.
    assert [(at, template) for at, template, _ in sent] == [
        ("11-24 07:30", "volunteering.short_digest")
    ]
    assert "#2 夜巡" in sent[0][2]


def test_the_digest_never_repeats_a_shortage_already_alerted(town: Driver) -> None:
    assert "22:00-07:00" in town.one("sec", "免打扰 22:00-07:00", "g1").text
    town.one("owner", "排班 门岗值守 | 2026-11-24 10:00-12:00 | 1人 | 2号门", "g1")
    town.one("owner", "排班 早巡 | 2026-11-24 09:15-10:00 | 1人 | 北门", "g1")
    sent = _to_owner(town.app, "2026-11-24 12:00")
    assert [(at, template) for at, template, _ in sent] == [
        ("11-24 07:00", "volunteering.short_alert"),
        ("11-24 07:15", "volunteering.short_alert"),
        ("11-24 07:30", "volunteering.short_digest"),
    ]
    assert "#1 门岗值守" in sent[0][2] and "#3 早巡" in sent[1][2]
    assert "#2 门岗值守" in sent[2][2] and "#1" not in sent[2][2] and "#3" not in sent[2][2]


def test_an_alert_of_a_shift_before_the_morning_goes_before_the_night(town: Driver) -> None:
    town.one("owner", "排班 早班 | 2026-11-24 06:00-08:00 | 2人 | 北门", "g1")
    evening = _to_owner(town.app, "2026-11-23 23:00")
    assert [(at, template) for at, template, _ in evening] == [
        ("11-23 21:29", "volunteering.short_alert")
    ]
    assert "#2 早班" in evening[0][2]
    # Made at night for the early morning: no one is woken, and by 07:30 it has started.
    town.one("owner", "排班 拂晓岗 | 2026-11-24 06:30-07:30 | 1人 | 北门", "g1")
    morning = _to_owner(town.app, "2026-11-24 12:00")
    assert [(at, template) for at, template, _ in morning] == [
        ("11-24 07:30", "volunteering.short_digest")
    ]
    assert "#1 门岗值守" in morning[0][2] and "拂晓岗" not in morning[0][2]


def test_no_morning_roster_is_posted_for_a_day_whose_duty_is_over_by_then(town: Driver) -> None:
    town.one("owner", "排班 晨扫 | 2026-11-25 06:00-07:00 | 2人 | 小广场", "g1")
    town.one("owner", "排班 早班 | 2026-11-26 06:00-08:00 | 2人 | 北门", "g1")
    town.say("r2", "报名 2", "g1")
    town.say("r2", "报名 3", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    posted = [
        (f"{at.astimezone(town.app.settings.zone):%m-%d %H:%M}", e.reply.data["date"][2])
        for at, envelopes in town.app.scheduler.run_until(
            clock.now(), _local(town.app, "2026-11-26 12:00"), clock.set
        )
        for e in envelopes
        if e.reply.template == "volunteering.roster" and e.reply.data["date"][2] != 24
    ]
    assert posted == [("11-26 07:30", 26)]


def test_the_morning_roster_asks_for_no_one_on_a_shift_that_has_ended(town: Driver) -> None:
    town.one("owner", "排班 晨扫 | 2026-11-25 06:00-07:00 | 2人 | 小广场", "g1")
    town.one("owner", "排班 早班 | 2026-11-25 09:00-10:00 | 2人 | 北门", "g1")
    town.say("r2", "报名 3", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    morning = [
        e
        for _, envelopes in town.app.scheduler.run_until(
            clock.now(), _local(town.app, "2026-11-25 08:00"), clock.set
        )
        for e in envelopes
        if e.reply.template == "volunteering.roster" and e.reply.data["date"][2] == 25
    ]
    text = town.received(morning[-1:])[0].text
    assert "#2 晨扫 · 小广场 06:00–07:00（已结束）" in text, text
    assert "#3 早班 · 北门 09:00–10:00（2人，还缺 1 人）" in text, text
