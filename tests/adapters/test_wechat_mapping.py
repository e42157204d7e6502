"""The WeChat adapter with fakes: mapping events to Incoming, splitting, pacing, sending."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.wechat import (
    MAX_FILE_BYTES,
    Account,
    MessageInfo,
    Pacer,
    Part,
    RoomChanged,
    RoomInfo,
    WeChatAdapter,
    WeChatStartError,
    delivery_key,
    membership_incoming,
    message_incoming,
    outgoing_parts,
    wechat_adapter,
)
from bot.app import App, bootstrap
from bot.clock import SystemClock
from bot.config import (
    ConfigError,
    DeliverySettings,
    GeneralSettings,
    Settings,
    WeChatSettings,
    load_settings,
)
from bot.db import Database
from bot.delivery import stage
from bot.messages import ChatKind, ChatRef, Envelope, EventKind, Reply, Target, UserRef
from bot.services.community.grid import add_path
from models import OutboxMessage, OutboxPiece, OutboxState
from tests.support.driver import GRID, Driver
from tests.support.wechat_fakes import BOT_ID, BOT_NAME, FakeWeChat, until

ME = Account(BOT_ID, BOT_NAME)
ROOM = RoomInfo("room1@chatroom", "1号院邻里圈", "owner", frozenset({"admin"}))
NAMES = {"owner": "王芳", "li": "李四", "zhao": "赵六", "admin": "周管"}
FAST = WeChatSettings(min_seconds_per_room=0, max_per_minute=600, jitter_seconds=0)


def test_a_room_message_is_a_group_event_and_the_owner_and_admins_are_platform_admins() -> None:
    incoming = message_incoming(
        MessageInfo("m1", "owner", ROOM.room_id, "绑定 1号院"), ROOM, NAMES, ME
    )
    assert incoming is not None
    assert incoming.chat == ChatRef("wechat", ROOM.room_id, ChatKind.GROUP, "1号院邻里圈")
    assert incoming.user == UserRef("wechat", "owner", "王芳")
    assert (incoming.text, incoming.event, incoming.is_platform_admin) == (
        "绑定 1号院",
        EventKind.MESSAGE,
        True,
    )
    assert incoming.delivery_key == "wechat:m1"
    for talker, admin in (("admin", True), ("li", False)):
        message = MessageInfo("m2", talker, ROOM.room_id, "绑定 1号院")
        found = message_incoming(message, ROOM, NAMES, ME)
        assert found is not None and found.is_platform_admin is admin


def test_a_private_message_is_a_private_event_of_the_contact() -> None:
    incoming = message_incoming(MessageInfo("m1", "li", "", "我的"), None, NAMES, ME)
    assert incoming is not None
    assert incoming.chat == ChatRef("wechat", "li", ChatKind.PRIVATE)
    assert not incoming.is_platform_admin


def test_the_bots_own_messages_are_ignored() -> None:
    assert (
        message_incoming(MessageInfo("m1", BOT_ID, ROOM.room_id, "帮助"), ROOM, NAMES, ME) is None
    )
    assert message_incoming(MessageInfo("m2", "", "", "帮助"), None, NAMES, ME) is None


def test_mentions_name_people_and_a_leading_mention_of_the_bot_is_dropped() -> None:
    role = MessageInfo("m1", "owner", ROOM.room_id, "设角色 @李四\u2005楼长", ("li", "li", BOT_ID))
    incoming = message_incoming(role, ROOM, NAMES, ME)
    assert incoming is not None
    assert incoming.mentions == (UserRef("wechat", "li", "李四"),)
    assert incoming.text == "设角色 @李四\u2005楼长"
    assert incoming.mentioned_as == ("@李四",)
    text = "加分 @a@Mary Lee\u20053 @邻里小助手\u2005"
    award = MessageInfo("m3", "owner", ROOM.room_id, text, ("mary", BOT_ID))
    found = message_incoming(award, ROOM, NAMES, ME)
    assert found is not None and found.mentioned_as == ("@Mary Lee",)
    for text, expected in (
        ("@邻里小助手\u2005登记 3-2-301", "登记 3-2-301"),
        ("@邻里小助手", ""),
        ("@邻里小助手们好", "@邻里小助手们好"),
        ("@李四\u2005", "@李四\u2005"),
    ):
        message = MessageInfo("m2", "li", ROOM.room_id, text, (BOT_ID,))
        found = message_incoming(message, ROOM, NAMES, ME)
        assert found is not None and found.text == expected and found.mentions == ()


def test_pictures_voice_and_files_carry_no_text() -> None:
    picture = MessageInfo("m1", "li", ROOM.room_id, "<img src=…>", is_text=False)
    incoming = message_incoming(picture, ROOM, NAMES, ME)
    assert incoming is not None and incoming.text == ""


def test_joins_and_leaves_are_membership_events_and_the_bots_own_are_bot_events() -> None:
    joined = membership_incoming(
        RoomChanged(ROOM.room_id, ("zhao", BOT_ID, "zhao"), "owner", joined=True), ROOM, NAMES, ME
    )
    assert [(i.event, i.user, i.subject) for i in joined] == [
        (EventKind.JOINED, UserRef("wechat", "zhao", "赵六"), UserRef("wechat", "zhao", "赵六")),
        (EventKind.BOT_ADDED, UserRef("wechat", "owner", "王芳"), None),
    ]
    assert joined[1].is_platform_admin
    left = membership_incoming(
        RoomChanged(ROOM.room_id, ("li", BOT_ID), "owner", joined=False), ROOM, NAMES, ME
    )
    assert [i.event for i in left] == [EventKind.LEFT, EventKind.BOT_REMOVED]
    assert left[0].chat.chat_id == ROOM.room_id


def test_delivery_keys_fit_their_column_whatever_the_message_id() -> None:
    assert delivery_key("") == ""
    assert delivery_key("3254817218468937650") == "wechat:3254817218468937650"
    long = delivery_key("x" * 500)
    assert long.startswith("wechat:sha256:") and len(long) <= 96
    assert long != delivery_key("x" * 499 + "y")


class FakeTime:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_spaces_messages_per_room_and_caps_them_per_minute() -> None:
    now = FakeTime()
    pacer = Pacer(3.0, 20, 0.0, now=now)
    assert pacer.delay("room1") == 0
    pacer.sent("room1")
    assert pacer.delay("room1") == 3.0 and pacer.delay("room2") == 0
    now.now += 1
    assert pacer.delay("room1") == 2.0
    for n in range(19):
        pacer.sent(f"person{n}")
    assert pacer.delay("room3") == 59.0
    now.now += 59
    assert pacer.delay("room3") == 0


def test_the_pacer_adds_jitter_within_its_bound() -> None:
    pacer = Pacer(0.0, 20, 1.5, now=FakeTime(), rng=random.Random(7))
    delays = [pacer.delay("room1") for _ in range(200)]
    assert all(0 <= d <= 1.5 for d in delays) and len(set(delays)) > 100


def test_a_picture_goes_first_and_one_too_big_for_the_service_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG" + bytes(1000))
    assert outgoing_parts("结果", chart) == [Part(file=chart), Part(text="结果")]
    huge = tmp_path / "huge.png"
    huge.write_bytes(bytes(MAX_FILE_BYTES + 1))
    assert outgoing_parts("结果", huge) == [Part(text="结果")]
    assert outgoing_parts("结果", tmp_path / "gone.png") == [Part(text="结果")]
    assert "over the 3,000,000 limit" in caplog.text and "missing" in caplog.text


def test_a_document_goes_after_its_text(tmp_path: Path) -> None:
    ledger = tmp_path / "points.xlsx"
    ledger.write_bytes(b"PK" + bytes(100))
    assert outgoing_parts("导出", None, document=ledger) == [Part(text="导出"), Part(file=ledger)]
    gone = tmp_path / "gone.xlsx"
    assert outgoing_parts("导出", None, document=gone) == [Part(text="导出")]


def test_wechat_needs_an_endpoint_and_a_token(app: App) -> None:
    with pytest.raises(WeChatStartError, match="set \\[wechat\\] endpoint"):
        wechat_adapter(app, WeChatSettings())
    with pytest.raises(WeChatStartError, match="LINLI_WECHAT_TOKEN"):
        wechat_adapter(app, WeChatSettings(endpoint="127.0.0.1:8788"))
    assert wechat_adapter(app, WeChatSettings(endpoint="127.0.0.1:8788", token="t")).online is False


def test_the_wechat_settings_come_from_the_file_and_the_standard_variables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[wechat]\nendpoint = "10.0.0.2:9001"\nmax_per_minute = 10\n')
    settings = load_settings(path, environ={"WECHATY_PUPPET_SERVICE_TOKEN": "std"})
    assert (settings.wechat.endpoint, settings.wechat.token) == ("10.0.0.2:9001", "std")
    assert settings.wechat.max_per_minute == 10 and settings.wechat.min_seconds_per_room == 3.0
    both = {"WECHATY_PUPPET_SERVICE_TOKEN": "std", "LINLI_WECHAT_TOKEN": "ours"}
    assert load_settings(environ=both).wechat.token == "ours"
    path.write_text('[wechat]\nendpoint = "localhost"\n')
    with pytest.raises(ConfigError, match=r"\[wechat\] endpoint: expected host:port"):
        load_settings(path, environ={})


def run_with(
    app: App,
    fake: FakeWeChat,
    scenario: Callable[[WeChatAdapter], Awaitable[None]],
    settings: WeChatSettings = FAST,
) -> WeChatAdapter:
    """Run the adapter against `fake` while `scenario` plays, then stop it."""
    adapter = WeChatAdapter(app, settings, lambda: fake, backoff=(0.01, 0.04), retry_seconds=0.05)

    async def main() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(adapter.run(stop))
        await until(lambda: adapter.online)
        try:
            await scenario(adapter)
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)

    asyncio.run(main())
    return adapter


@pytest.fixture
def live_app(db: Database) -> Iterator[App]:
    """The wired application on the wall clock, so that the outbox's retries fall due."""
    # The wall clock: no quiet hours, whatever the hour the test runs at.
    quiet = DeliverySettings(quiet_hours="")
    application = bootstrap(Settings(delivery=quiet), SystemClock(), db=db)
    yield application
    application.close()


@pytest.fixture
def fake(live_app: App) -> FakeWeChat:
    """A fake service with one room whose owner is 王芳; the test grid is seeded."""
    with live_app.db.transaction() as session:
        for path in GRID:
            add_path(session, path)
    service = FakeWeChat()
    service.add_room(ROOM, NAMES)
    return service


def test_the_adapter_answers_in_the_room_and_privately_through_the_outbox(
    live_app: App, fake: FakeWeChat
) -> None:
    Driver(live_app).grant("owner", "书记", "红旗里社区", platform="wechat")

    async def scenario(adapter: WeChatAdapter) -> None:
        fake.say("owner", "绑定 1号院", ROOM.room_id)
        fake.say("li", "我的", ROOM.room_id)
        fake.say("li", "今天天气不错")
        fake.say("li", "@邻里小助手\u2005", ROOM.room_id, mentions=(BOT_ID,))
        fake.say("li", "", ROOM.room_id, is_text=False)
        fake.join(ROOM.room_id, "zhao", by="owner")
        await until(lambda: len(fake.sent) == 5)

    run_with(live_app, fake, scenario)
    # Each chat's messages come in order; different chats' are sent side by side.
    in_room = [text for chat, text in fake.sent if chat == ROOM.room_id]
    to_li = [text for chat, text in fake.sent if chat == "li"]
    assert len(in_room) == 3 and len(to_li) == 2
    assert in_room[0].startswith("本群已绑定为")
    assert in_room[1] == "李四，详情已私聊发给您。"
    assert in_room[2].startswith("欢迎 赵六 加入1号院")
    assert to_li[0].startswith("李四\n住址：还没有登记")
    assert to_li[1] == "没看懂您的意思。发送「帮助」查看能用的命令。"


def test_a_mention_of_a_name_with_a_space_is_taken_whole_before_the_amount(
    live_app: App, fake: FakeWeChat
) -> None:
    Driver(live_app).grant("owner", "书记", "红旗里社区", platform="wechat")
    fake.add_room(ROOM, {"mary": "Mary Lee"})

    def in_room() -> list[str]:
        return [text for chat, text in fake.sent if chat == ROOM.room_id]

    async def answered(talker: str, text: str, mentions: tuple[str, ...] = ()) -> None:
        before = len(in_room())
        fake.say(talker, text, ROOM.room_id, mentions=mentions)
        await until(lambda: len(in_room()) > before)

    async def scenario(adapter: WeChatAdapter) -> None:
        await answered("owner", "绑定 1号院")
        await answered("mary", "登记 3-2-301 同意")
        await answered("owner", "加分 @Mary Lee\u20053 扫雪", ("mary",))

    run_with(live_app, fake, scenario)
    assert "Mary Lee 加 3 分" in in_room()[-1]


def _stage(app: App, chat: str, *names: str, image: Path | None = None) -> list[int]:
    with app.db.transaction() as session:
        return [
            stage(
                session,
                Envelope(
                    Target("wechat", chat, ChatKind.GROUP),
                    Reply(
                        "circles.welcome",
                        {"name": name, "circle": "圈", "registered": True},
                        image=image,
                    ),
                    "zh-Hans",
                ),
                app.clock.now(),
            )
            for name in names
        ]


def _rows(app: App, ids: list[int]) -> list[tuple[OutboxState, int]]:
    with app.db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
        return [(row.state, row.attempts) for row in sorted(rows, key=lambda r: r.id)]


def test_a_long_message_cut_short_by_a_failure_resumes_without_repeating_pieces(
    live_app: App, fake: FakeWeChat, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(bytes(100))
    fake.failing_attempts = {2}

    async def scenario(adapter: WeChatAdapter) -> None:
        rows = _stage(live_app, ROOM.room_id, "名" * 2000, image=chart)
        adapter.worker.wake()
        await until(lambda: _rows(live_app, rows)[0][0] == OutboxState.SENT)
        assert _rows(live_app, rows) == [(OutboxState.SENT, 2)]
        with live_app.db.transaction() as session:
            pieces = select(OutboxPiece.message_id).where(OutboxPiece.outbox_id == rows[0])
            assert list(session.scalars(pieces.order_by(OutboxPiece.number))) == [
                "sent-1",
                "sent-2",
                "sent-3",
            ]

    run_with(live_app, fake, scenario)
    assert [what[:6] for _, what in fake.sent] == ["[file ", "欢迎 名名名", "名名名名名名"]
    assert fake.attempts == 4


def test_a_direct_answer_cut_short_by_a_failure_is_stored_and_resumes_without_repeats(
    live_app: App, fake: FakeWeChat, tmp_path: Path
) -> None:
    """An answer sent without a row is stored as one when it fails; the parts that went
    out before go with it."""
    chart = tmp_path / "chart.png"
    chart.write_bytes(bytes(100))
    fake.failing_attempts = {2}
    welcome = Reply("circles.welcome", {"name": "名" * 2000, "circle": "圈", "registered": True})
    welcome.image = chart
    answer = Envelope(Target("wechat", ROOM.room_id, ChatKind.GROUP), welcome, "zh-Hans")

    async def scenario(adapter: WeChatAdapter) -> None:
        adapter.worker.hand([replace(answer, direct=True)])
        await until(lambda: _sent_rows(live_app) == 1)

    run_with(live_app, fake, scenario)
    assert [what[:6] for _, what in fake.sent] == ["[file ", "欢迎 名名名", "名名名名名名"]


def _sent_rows(app: App) -> int:
    with app.db.transaction() as session:
        sent = select(OutboxMessage).where(OutboxMessage.state == OutboxState.SENT)
        return len(session.scalars(sent).all())


def test_nothing_goes_out_while_disconnected_and_nothing_is_lost_or_repeated(
    live_app: App, fake: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(adapter: WeChatAdapter) -> None:
        rows = _stage(live_app, ROOM.room_id, "甲")
        adapter.worker.wake()
        await until(lambda: len(fake.sent) == 1)
        fake.refusals = 3
        fake.lose_connection()
        await until(lambda: not adapter.online)
        rows += _stage(live_app, ROOM.room_id, "乙", "丙")
        adapter.worker.wake()
        await until(lambda: all(row[0] == OutboxState.SENT for row in _rows(live_app, rows)))
        assert _rows(live_app, rows) == [(OutboxState.SENT, 1)] * 3

    run_with(live_app, fake, scenario)
    assert [what for _, what in fake.sent] == [f"欢迎 {n} 加入圈！" for n in "甲乙丙"]
    assert fake.attempts == 3 and fake.connections == 5
    assert "WeChat: lost the connection to the puppet service at " in caplog.text


def test_stopping_while_a_message_waits_its_turn_leaves_it_pending_and_untouched(
    live_app: App, fake: FakeWeChat
) -> None:
    slow = WeChatSettings(min_seconds_per_room=600, max_per_minute=20, jitter_seconds=0)
    rows: list[int] = []

    async def scenario(adapter: WeChatAdapter) -> None:
        rows.extend(_stage(live_app, ROOM.room_id, "甲", "乙"))
        adapter.worker.wake()
        await until(lambda: _rows(live_app, rows)[0][0] == OutboxState.SENT)
        await asyncio.sleep(0.1)

    started = time.monotonic()
    run_with(live_app, fake, scenario, slow)
    assert time.monotonic() - started < 5
    assert _rows(live_app, rows) == [(OutboxState.SENT, 1), (OutboxState.PENDING, 0)]


def test_an_unreachable_service_is_retried_with_growing_waits_and_a_clear_log_line(
    live_app: App, fake: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake.refusals = 3
    adapter = run_with(live_app, fake, lambda adapter: asyncio.sleep(0))
    lines = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert len(lines) == 3 and fake.connections == 4
    assert lines[0].startswith("WeChat: cannot reach the puppet service at ")
    assert [line.rsplit("again in ", 1)[1] for line in lines] == ["0.01 s", "0.02 s", "0.04 s"]
    assert adapter.me == ME


def test_a_picture_sent_after_a_report_goes_privately_to_its_owner(
    db: Database, tmp_path: Path
) -> None:
    settings = Settings(
        general=GeneralSettings(data_dir=str(tmp_path)), delivery=DeliverySettings(quiet_hours="")
    )
    app = bootstrap(settings, SystemClock(), db=db)
    with app.db.transaction() as session:
        for path in GRID:
            add_path(session, path)
    fake = FakeWeChat()
    fake.add_room(ROOM, NAMES)
    Driver(app).grant("owner", "书记", "红旗里社区", platform="wechat")

    async def scenario(adapter: WeChatAdapter) -> None:
        fake.say("owner", "绑定 1号院", ROOM.room_id)
        fake.say("owner", "开始")
        await until(lambda: len(fake.sent) == 2)
        fake.send_picture("li", "路灯.jpg", b"\xff\xd8 jpeg", ROOM.room_id)
        fake.say("li", "报修 3号楼门口路灯坏了", ROOM.room_id)
        await until(lambda: any("路灯坏了" in what for chat, what in fake.sent if chat == "owner"))
        fake.send_picture("li", "路灯.jpg", b"\xff\xd8 jpeg", ROOM.room_id)
        await until(lambda: any("[file" in what for _, what in fake.sent))
        await until(lambda: any("已经加到" in what for _, what in fake.sent))

    try:
        run_with(app, fake, scenario)
    finally:
        app.close()
    to_owner = [what for chat, what in fake.sent if chat == "owner"]
    assert any(w.startswith("[file ") and w.endswith("-路灯.jpg]") for w in to_owner), to_owner
    assert not any("[file" in what for chat, what in fake.sent if chat == ROOM.room_id)
    saved = list((tmp_path / "wechat-files").iterdir())
    assert len(saved) == 2 and saved[0].read_bytes() == b"\xff\xd8 jpeg"
