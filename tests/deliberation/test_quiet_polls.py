"""Sensible hours for polls: a date-only deadline closes at 23:59, but its reminders go in
daytime, its result is posted in the morning, and overdue follow-ups wait for the morning."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import VirtualClock
from tests.support.community import build, open_poll, poll_of, session_of
from tests.support.driver import Driver

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def town(app: App) -> Driver:
    """The test community: g1 with households r1..r4, admin `owner`, secretary `sec`."""
    return build(app)


def _until(app: App, until: str) -> list[tuple[str, str, str]]:
    """Run the scheduler to `until` (local); each message as (local time, chat, template)."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    end = (
        clock.now()
        .astimezone(ZONE)
        .replace(
            month=int(until[:2]), day=int(until[3:5]), hour=int(until[6:8]), minute=int(until[9:])
        )
    )
    return [
        (f"{at.astimezone(ZONE):%m-%d %H:%M}", e.target.chat_id, e.reply.template)
        for at, envelopes in app.scheduler.run_until(clock.now(), end, clock.set)
        for e in envelopes
    ]


def test_a_date_only_deadline_reminds_in_the_morning_and_posts_its_result_the_next_morning(
    town: Driver,
) -> None:
    opened = town.say("owner", "发起投票 装充电桩吗？ | 同意 | 不同意 | 截止 后天", "g1")
    assert "截止：11月25日 周三 23:59" in opened[0].text
    town.say("r1", "投票 1", "g1")
    sent = _until(town.app, "11-26 09:00")
    reminders = [(at, chat) for at, chat, key in sent if key.startswith("deliberation.remind")]
    assert reminders == [
        ("11-25 07:30", "r2"),
        ("11-25 07:30", "r3"),
        ("11-25 07:30", "r4"),
        ("11-25 07:30", "g1"),
    ]
    # At 23:59 the poll only shows it has ended; its result comes in the morning.
    assert [(at, chat, key) for at, chat, key in sent if key.startswith("deliberation.re")][4:] == [
        ("11-26 07:30", "g1", "deliberation.result")
    ]
    assert ("11-25 23:59", "g1", "deliberation.poll") in sent
    assert "最终结果" in town.one("r1", "结果 1", "g1").text


def test_a_poll_may_ask_for_its_result_at_night(town: Driver) -> None:
    town.say("owner", "发起投票 装充电桩吗？ | 同意 | 不同意 | 截止 后天 | 夜间也公布", "g1")
    sent = _until(town.app, "11-26 09:00")
    assert ("11-25 23:59", "g1", "deliberation.result") in sent
    assert [at for at, _, key in sent if key == "deliberation.result"] == ["11-25 23:59"]


def test_a_reminder_that_the_morning_would_make_too_late_goes_before_the_night(
    town: Driver,
) -> None:
    open_poll(town.app, "问题 | 甲 | 乙 | 截止 后天", reminder_hours=2)
    with session_of(town.app) as session:
        remind_at = poll_of(session, 1).remind_at
        assert remind_at is not None
        assert f"{remind_at.astimezone(ZONE):%m-%d %H:%M}" == "11-25 21:29"


def test_a_poll_opened_before_the_secretary_changed_the_quiet_hours_reminds_in_the_morning(
    town: Driver,
) -> None:
    town.say("owner", "发起投票 装充电桩吗？ | 同意 | 不同意 | 截止 3天", "g1")
    town.say("sec", "免打扰 09:00-11:00", "g1")
    sent = _until(town.app, "11-25 12:00")
    assert {at for at, _, key in sent if key.startswith("deliberation.remind")} == {"11-25 11:00"}


def test_an_overdue_follow_up_on_a_date_only_due_day_waits_for_the_morning(
    town: Driver,
) -> None:
    town.say("sec", "附议门槛 1", "g1")
    town.say("r1", "提议 修路灯", "g1")
    town.say("owner", "决议 1 换新路灯 | 负责 物业 | 期限 后天", "g1")
    sent = _until(town.app, "11-26 09:00")
    assert [(at, chat) for at, chat, key in sent if key.endswith("follow_up_overdue")] == [
        ("11-26 07:30", "owner")
    ]
