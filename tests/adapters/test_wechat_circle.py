"""One circle, two platforms: a Telegram group and a WeChat room bound to the same place."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.adapters.wechat import RoomInfo, WeChatAdapter
from bot.app import App, bootstrap
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings, WeChatSettings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, Envelope, Incoming, UserRef
from bot.outbox import OutboxWorker
from bot.services.community.grid import add_path
from tests.support.driver import GRID, Driver
from tests.support.wechat_fakes import FakeWeChat, until

GROUP = "-100123"
ROOM = RoomInfo("room1@chatroom", "1号院微信群", "wx-owner")


@pytest.fixture
def live_app(db: Database) -> Iterator[App]:
    """The application on the wall clock, with the test grid; tg-zhang is the secretary."""
    # The wall clock: no quiet hours, whatever the hour the test runs at.
    quiet = DeliverySettings(quiet_hours="")
    application = bootstrap(Settings(delivery=quiet), SystemClock(), db=db)
    with application.db.transaction() as session:
        for path in GRID:
            add_path(session, path)
    Driver(application).grant("tg-zhang", "书记", "红旗里社区", platform="telegram")
    yield application
    application.close()


def test_a_poll_reaches_both_chats_of_a_circle_and_votes_from_both_count_together(
    live_app: App,
) -> None:
    app = live_app
    telegram_sent: list[str] = []

    async def send_to_telegram(envelope: Envelope) -> str:
        if envelope.target.chat_id == GROUP:
            rendered = app.renderer.render(
                envelope.reply, envelope.language, html_mode=False, buttons=True
            )
            telegram_sent.append(rendered.text)
        return str(len(telegram_sent))

    telegram_outbox = OutboxWorker(app.db, app.clock, "telegram", send_to_telegram)

    async def in_telegram(user: str, name: str, text: str, admin: bool = False) -> str:
        incoming = Incoming(
            ChatRef("telegram", GROUP, ChatKind.GROUP, "1号院电报群"),
            UserRef("telegram", user, name),
            text=text,
            is_platform_admin=admin,
        )
        before = len(telegram_sent)
        await asyncio.to_thread(app.dispatcher.handle, incoming)
        await telegram_outbox.drain()
        return "\n".join(telegram_sent[before:])

    wechat = FakeWeChat()
    wechat.add_room(ROOM, {"wx-owner": "王芳", "wx-li": "李四"})
    settings = WeChatSettings(min_seconds_per_room=0, jitter_seconds=0)
    adapter = WeChatAdapter(app, settings, lambda: wechat, retry_seconds=0.05)

    async def in_wechat(user: str, text: str) -> str:
        before = len(wechat.sent)
        wechat.say(user, text, ROOM.room_id)
        await until(lambda: len(wechat.sent) > before)
        return wechat.sent[-1][1]

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(adapter.run(stop))
        await until(lambda: adapter.online)
        assert "已绑定" in await in_telegram("tg-zhang", "张三", "/bind 1号院", admin=True)
        assert "已提交绑定申请" in await in_wechat("wx-owner", "绑定 1号院")
        assert "已批准" in await in_telegram("tg-zhang", "张三", "批准绑定 1")
        await until(lambda: "本群已绑定为" in wechat.sent[-1][1])
        # Registered, each hears it alone: 张三 has no private chat yet, 李四 is told privately.
        assert "刚才的事已办好" in await in_telegram("tg-zhang", "张三", "/join 3-2-301 同意")
        await in_wechat("wx-li", "登记 3-2-302 同意")
        await until(lambda: any(to == "wx-li" and "登记好了" in text for to, text in wechat.sent))

        posted = await in_telegram("tg-zhang", "张三", "/poll 装电梯吗 | 赞成 | 反对")
        assert "投票 #1：装电梯吗" in posted and "已发布到 2 个群" in posted
        await until(lambda: "装电梯吗" in wechat.sent[-1][1])
        listed = wechat.sent[-1][1]
        assert (
            "1. 赞成 —— 0 票（0%）—— 回复「投票 1 1」\n2. 反对 —— 0 票（0%）—— 回复「投票 1 2」"
            in listed
        )
        assert listed.count("赞成") == 1

        wechat.say("wx-li", "投票 1", ROOM.room_id)
        await until(lambda: wechat.sent[-1] == ("wx-li", "已投票（#1）：赞成。"))
        await in_telegram("tg-zhang", "张三", "/vote 1 1")
        result = await in_telegram("tg-zhang", "张三", "/result")
        assert "1. 赞成 —— 2 票" in result and "2 户中 2 户投票" in result

        assert "只有本圈管理员" in await in_wechat("wx-owner", "成员")
        assert "可以使用" in await in_wechat("wx-owner", "帮助")
        assert "已设 王芳" in await in_telegram("tg-zhang", "张三", "设角色 @王芳 管理员")
        before = len(wechat.sent)
        wechat.say("wx-owner", "成员", ROOM.room_id)
        await until(lambda: len(wechat.sent) == before + 2)
        (counts,) = [text for chat, text in wechat.sent[before:] if chat == ROOM.room_id]
        (roster,) = [text for chat, text in wechat.sent[before:] if chat == "wx-owner"]
        assert "已登记 2 户、2 人" in counts and "301" not in counts
        assert "张三（3号楼/2单元/301）" in roster and "李四（3号楼/2单元/302）" in roster
        stop.set()
        await running

    asyncio.run(scenario())
