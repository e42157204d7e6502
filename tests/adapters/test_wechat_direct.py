"""On WeChat too, answers to commands that only read go out without being stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.adapters.wechat import WeChatAdapter
from bot.app import App, bootstrap
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings, WeChatSettings
from bot.db import Database
from models import OutboxMessage
from tests.support.wechat_fakes import FakeWeChat, until

ASKER = "wx-wang"


@pytest.fixture
def live_app(db: Database) -> Iterator[App]:
    """The application on the wall clock (no quiet hours, whatever the hour)."""
    application = bootstrap(
        Settings(delivery=DeliverySettings(quiet_hours="")), SystemClock(), db=db
    )
    yield application
    application.close()


def _rows(app: App) -> int:
    with app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_known_residents_private_me_is_answered_and_not_stored(live_app: App) -> None:
    wechat = FakeWeChat()
    wechat.names[ASKER] = "王阿姨"
    settings = WeChatSettings(min_seconds_per_room=0, jitter_seconds=0)
    adapter = WeChatAdapter(live_app, settings, lambda: wechat, retry_seconds=0.05)
    stored: list[int] = []

    async def ask() -> str:
        before = len(wechat.sent)
        wechat.say(ASKER, "我的")
        await until(lambda: len(wechat.sent) > before)
        await until(adapter.worker.settled)
        stored.append(_rows(live_app))
        return wechat.sent[-1][1]

    async def scenario() -> list[str]:
        stop = asyncio.Event()
        running = asyncio.create_task(adapter.run(stop))
        await until(lambda: adapter.online and adapter.worker.sending)
        # The first /me makes the resident known (a write): its answer is stored.
        answers = [await ask(), await ask(), await ask()]
        stop.set()
        await running
        return answers

    answers = asyncio.run(scenario())
    assert all("王阿姨" in text for text in answers)
    assert stored[0] >= 1
    assert stored[1:] == [stored[0], stored[0]]
