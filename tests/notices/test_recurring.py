"""Recurring notices: each occurrence once, stopped on request, refused at night; receipts
per occurrence; and a running notice cancelled with what it reached named."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.app import App
from bot.clock import VirtualClock
from bot.errors import DomainError
from bot.services.notices import Repeat, SendRecurring, parse_repeat
from models import Notice, NoticeChat, NoticeStatus, OutboxMessage, OutboxState
from tests.notices.test_notices import _confirm, _send, _tick
from tests.support.community import bind_elsewhere, build, session_of

ZONE = ZoneInfo("Asia/Shanghai")


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


def _count(app: App, model: type[NoticeChat] | type[OutboxMessage]) -> int:
    """Rows of notice chats, or the outbox rows carrying notices."""
    query = select(func.count()).select_from(model)
    if model is OutboxMessage:
        query = query.where(OutboxMessage.key.like("notice:%"))
    with session_of(app) as session:
        return session.scalar(query) or 0


def test_the_forms_people_type_are_read_and_their_next_time_found() -> None:
    forms = {
        "每周一 8:00": Repeat("week", 1, time(8, 0)),
        "每週日 早上八点": Repeat("week", 7, time(8, 0)),
        "每星期三 下午3点半": Repeat("week", 3, time(15, 30)),
        "每天 8:00": Repeat("day", 0, time(8, 0)),
        "每日 7点": Repeat("day", 0, time(7, 0)),
        "每月1日 9:00": Repeat("month", 1, time(9, 0)),
        "每月十五号 9点": Repeat("month", 15, time(9, 0)),
        "every monday 8:00": Repeat("week", 1, time(8, 0)),
        "every month 1 9:00": Repeat("month", 1, time(9, 0)),
        "Every Monday at 8am": Repeat("week", 1, time(8, 0)),
        "every day at 7:30": Repeat("day", 0, time(7, 30)),
    }
    for typed, rule in forms.items():
        assert parse_repeat(typed) == rule, typed
        assert Repeat.of(rule.code) == rule
    assert parse_repeat("明天 8:00") is None
    for bad in ("每周八 8:00", "每天", "每月32日 9:00", "每周一 25:00"):
        with pytest.raises(DomainError) as refused:
            parse_repeat(bad)
        assert refused.value.key == "notices.bad_repeat"
    monday = _local("2026-11-23 10:00")
    assert Repeat("week", 1, time(8)).after(monday, ZONE) == _local("2026-11-30 08:00")
    assert Repeat("day", 0, time(11)).after(monday, ZONE) == _local("2026-11-23 11:00")
    # 每月31日 falls on the last day of a shorter month.
    assert Repeat("month", 31, time(9)).after(monday, ZONE) == _local("2026-11-30 09:00")
    assert Repeat("month", 31, time(9)).after(_local("2027-02-01 00:00"), ZONE) == _local(
        "2027-02-28 09:00"
    )


def test_a_weekly_notice_goes_once_each_monday_until_stopped(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 全部 | 垃圾分类宣传 | 每周一 8:00")
    assert "定期：每周一 08:00 发送，第一次在 11月30日 周一 08:00" in preview.text, preview.text
    answer = _confirm(driver, "sec", preview)[0].text
    assert "每周一 08:00 发送，下次在 11月30日 周一 08:00" in answer and "停止通知 1" in answer
    assert _tick(app, days=6) == []
    went = _tick(app, days=1)
    assert sorted(chat for chat, _ in went) == ["g1", "g2"]
    assert all("垃圾分类宣传" in text for _, text in went)
    listing = driver.one("sec", "通知列表").text
    assert "1. [定期 每周一 08:00] 垃圾分类宣传" in listing, listing
    assert "下次发送：12月7日 周一 08:00" in listing
    assert "2. [已发 11月30日 周一 08:00]" in listing
    assert sorted(chat for chat, _ in _tick(app, days=7)) == ["g1", "g2"]
    assert _count(app, NoticeChat) == 4
    assert "定期通知 1 已停止" in driver.one("sec", "停止通知 1").text
    assert _tick(app, days=21) == []
    assert "已经取消或停止" in driver.one("sec", "停止通知 1").text
    assert "[已停止" in driver.one("sec", "通知列表").text


def test_each_occurrence_is_sent_once_across_a_crash_and_a_restart(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 每日提醒 | 每天 11:00")
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(_local("2026-11-23 11:00"))
    work = SendRecurring(app.settings, "zh-Hans")

    class Crash(Exception):
        pass

    with pytest.raises(Crash), session_of(app) as session:
        assert len(work.run_due(session, clock.now())) == 2
        raise Crash
    assert _count(app, NoticeChat) == 0
    restarted = SendRecurring(app.settings, "zh-Hans")
    with session_of(app) as session:
        assert len(restarted.run_due(session, clock.now())) == 2
    with session_of(app) as session:
        assert restarted.run_due(session, clock.now()) == []
        assert restarted.next_due(session, clock.now()) == _local("2026-11-24 11:00")
    assert _count(app, NoticeChat) == 2


def test_after_the_bot_was_down_only_the_latest_missed_occurrence_goes(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 1号院 | 每日提醒 | 每天 11:00")
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(_local("2026-11-26 12:00"))
    went = app.scheduler.tick(clock.now())
    assert [e.target.chat_id for e in went] == ["g1"]
    with session_of(app) as session:
        series = session.scalar(select(Notice).where(Notice.number == 1))
        assert series is not None and series.send_at == _local("2026-11-27 11:00")


def test_receipts_are_asked_anew_at_each_occurrence(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 1号院 | 垃圾分类 | 每天 11:00 | 回执 截止 3小时")
    assert "每次发出后 3 小时内" in preview.text, preview.text
    _confirm(driver, "sec", preview)
    first = _tick(app, hours=1)
    assert [chat for chat, _ in first] == ["g1"] and "收到" in first[0][1]
    assert "通知 2" in driver.one("r1", "收到", "g1").text
    assert "已经回执过" in driver.one("r1", "收到", "g1").text
    report = dict(_tick(app, hours=3))
    assert "1/4 户已回执" in report["sec"]
    assert [chat for chat, _ in _tick(app, hours=21)] == ["g1"]
    assert "通知 3" in driver.one("r1", "收到", "g1").text


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("通知 全部 | 停水 | 每天 23:00", "免打扰时间（21:30-07:30）"),
        ("通知 全部 | 停水 | 每天 6:30", "免打扰时间"),
        ("通知 全部 | 停水 | 定时 今天 23:00", "定时通知请选一个白天的时间"),
        ("通知 全部 | 停水 | 定时 明天 6:00", "要马上发，就不写定时"),
        ("通知 全部 | 停水 | 每周八 8:00", "每周一 8:00"),
        ("通知 全部 | 停水 | 每天", "看不懂「每天」"),
        ("通知 全部 | 停水 | 每天 8:00 | 回执 截止 2026-11-22 08:00", "截止时间要在发送之后"),
    ],
)
def test_a_notice_set_for_the_night_or_unreadable_is_refused(
    app: App, text: str, answer: str
) -> None:
    driver = build(app)
    before = driver.snapshot()
    assert answer in driver.one("sec", text).text
    assert driver.snapshot() == before


def test_a_running_notice_is_cancelled_naming_the_circles_it_reached(app: App) -> None:
    driver = build(app)
    bind_elsewhere(app, "telegram", "-100777", "1号院/3号楼", "tg-owner")
    _send(driver, "通知 全部 | 明天停水")
    assert _count(app, OutboxMessage) == 1
    answer = driver.one("sec", "取消通知 1").text
    assert "还没发出的 1 个群不再发送" in answer, answer
    assert "已经发到：1号院、2号院" in answer
    assert _count(app, OutboxMessage) == 0
    assert "已经取消" in driver.one("sec", "取消通知 1").text
    with session_of(app) as session:
        notice = session.scalar(select(Notice).where(Notice.number == 1))
        assert notice is not None and notice.status == NoticeStatus.CANCELLED
    _send(driver, "通知 全部 | 今晚开会")
    with session_of(app) as session:
        session.execute(update(OutboxMessage).values(state=OutboxState.SENT))
    assert "已经发出，不能取消" in driver.one("sec", "取消通知 2").text


def test_a_recurring_notices_receipt_window_reads_as_other_durations_do(app: App) -> None:
    """The window after each sending is written as every duration is (1 小时 30 分), not
    as a count of minutes (90 分钟), in each language."""
    driver = build(app)
    expected = {
        "1小时30分": "每次发出后 1 小时 30 分内",
        "2天": "每次发出后 2 天内",
        "45分钟": "每次发出后 45 分钟内",
    }
    for typed, shown in expected.items():
        preview = driver.one("sec", f"通知 1号院 | 垃圾分类 | 每天 11:00 | 回执 截止 {typed}")
        assert shown in preview.text, preview.text
    driver.one("sec", "/lang en")
    preview = driver.one("sec", "/notice 1号院 | Sorting | every day 11:00 | receipts 1小时30分")
    assert "within 1 hour 30 minutes of each sending" in preview.text, preview.text
