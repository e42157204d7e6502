"""Broadcasting a notice to many Telegram groups over real HTTP, against an emulator that
enforces Telegram's flood limits (429 when broken): each group once, replies first, a crash
and a restart, a group that removed the bot, the sender's progress and report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from bot.app import App, bootstrap
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings
from bot.db import Database
from models import CircleChat, OutboxMessage, OutboxState
from tests.support.broadcast import (
    RESIDENT,
    SECRETARY,
    RunningBot,
    group_id,
    per_group,
    populate,
    say,
)
from tests.support.telegram_emulator import DEFAULT_TOKEN, TelegramEmulator

NOTICE = "明天上午停水"
# The wall clock drives these tests: no quiet hours, whatever the hour they run at.
AROUND_THE_CLOCK = Settings(delivery=DeliverySettings(quiet_hours=""))


@pytest.fixture
def world(db: Database) -> Iterator[tuple[TelegramEmulator, App]]:
    """The emulator, enforcing Telegram's limits, and Linli on the wall clock."""
    emulator = TelegramEmulator(DEFAULT_TOKEN).start()
    app = bootstrap(AROUND_THE_CLOCK, SystemClock(), db=db)
    try:
        yield emulator, app
    finally:
        app.close()
        emulator.stop()


def _notice_rows(app: App, state: OutboxState) -> int:
    with app.db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.key == "notice:1", OutboxMessage.state == state)
            )
            or 0
        )


def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait for a condition of the database (the emulator has its own wait_for)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _private(emulator: TelegramEmulator, fragment: str) -> list[str]:
    return [m["plain"] for m in emulator.sent(SECRETARY) if fragment in m["plain"]]


def _reported(app: App, emulator: TelegramEmulator) -> str:
    """Tick the scheduler (the live one would) until the report reaches the sender."""

    def report_sent(e: TelegramEmulator) -> bool:
        app.scheduler.tick(app.clock.now())
        return bool(_private(e, "已送达"))

    emulator.wait_for(report_sent, timeout=30)
    (report,) = _private(emulator, "已送达")
    return report


def test_300_groups_get_the_notice_once_within_the_limits_and_a_reply_goes_first(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, app = world
    populate(app, emulator, 300)
    say(app, SECRETARY, f"通知 全部 | {NOTICE}")
    bot = RunningBot(app, emulator)
    try:
        emulator.send_text(SECRETARY, "确认发送 1")
        emulator.wait_for(lambda e: sum(per_group(e, NOTICE).values()) >= 40, timeout=30)
        app.scheduler.tick(app.clock.now())
        before = sum(per_group(emulator, NOTICE).values())
        emulator.send_text(RESIDENT, "/help")
        emulator.wait_for(lambda e: bool(e.sent(RESIDENT)), timeout=30)
        overtaken = sum(per_group(emulator, NOTICE).values()) - before
        emulator.wait_for(lambda e: len(per_group(e, NOTICE)) == 300, timeout=60)
        report = _reported(app, emulator)
    finally:
        bot.shutdown()
    assert set(per_group(emulator, NOTICE).values()) == {1}
    assert emulator.throttled == 0
    # The reply waited for at most two seconds' worth of the broadcast (30 a second).
    assert overtaken <= 60, overtaken
    assert report == "通知 1：已送达 300/300 个群。"
    progress = _private(emulator, "正在发送")
    assert len(progress) == 1, "one progress message, edited in place"
    (shown,) = [m for m in emulator.sent(SECRETARY) if "正在发送" in m["plain"]]
    assert shown["edits"] and progress[0] == "通知 1 正在发送：已发送 300/300 个群。"


def test_a_crash_mid_broadcast_then_a_restart_sends_every_group_the_notice_once(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, app = world
    populate(app, emulator, 90)
    say(app, SECRETARY, f"通知 全部 | {NOTICE}")
    say(app, SECRETARY, "确认发送 1")
    crashed = RunningBot(app, emulator)
    emulator.wait_for(lambda e: sum(per_group(e, NOTICE).values()) >= 30, timeout=30)
    # The link dies: requests on their way are lost unseen; what Telegram answered is recorded.
    emulator.offline = True
    _until(lambda: _notice_rows(app, OutboxState.SENT) == sum(per_group(emulator, NOTICE).values()))
    crashed.kill()
    assert 0 < _notice_rows(app, OutboxState.PENDING) < 90
    emulator.offline = False
    restarted = RunningBot(app, emulator)
    try:
        _until(lambda: _notice_rows(app, OutboxState.SENT) == 90)
    finally:
        restarted.shutdown()
    counts = per_group(emulator, NOTICE)
    assert len(counts) == 90 and set(counts.values()) == {1}


def test_a_group_that_removed_the_bot_is_marked_reported_and_not_tried_again(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, app = world
    populate(app, emulator, 5)
    say(app, SECRETARY, f"通知 全部 | {NOTICE}")
    say(app, SECRETARY, "确认发送 1")
    emulator.kick_bot(group_id(5))
    bot = RunningBot(app, emulator)
    try:
        report = _reported(app, emulator)
        say(app, SECRETARY, "通知 全部 | 今晚开会")
        say(app, SECRETARY, "确认发送 2")
        emulator.wait_for(lambda e: len(per_group(e, "今晚开会")) == 4, timeout=30)
    finally:
        bot.shutdown()
    assert report == "通知 1：已送达 4/5 个群，1 个失败：5号楼群（机器人已被移出）。"
    tried = [p for name, p in emulator.calls("sendMessage") if p["chat_id"] == group_id(5)]
    assert len(tried) == 1
    with app.db.transaction() as session:
        binding = session.scalars(
            select(CircleChat).where(CircleChat.chat_id == str(group_id(5)))
        ).one()
        assert binding.active is False
    assert _notice_rows(app, OutboxState.FAILED) == 1
