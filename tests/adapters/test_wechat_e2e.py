"""WeChat end to end: Linli's adapter against a real Wechaty puppet service on loopback.

The service is Node's PuppetServer around PuppetMock (tests/support/wechat); mock residents speak
in a mock room and privately, and every assertion is on what the service received.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import runner
from bot.adapters.wechat import MAX_FILE_BYTES, PuppetServiceClient, WeChatAdapter
from bot.app import App, bootstrap, prepare_database
from bot.clock import SystemClock
from bot.config import (
    DeliverySettings,
    GeneralSettings,
    Settings,
    TelegramSettings,
    WeChatSettings,
)
from bot.delivery import stage
from bot.messages import ChatKind, Envelope, Reply, Target
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Identity, OutboxMessage, OutboxState, Role
from tests.conftest import IN_CI, START
from tests.support.driver import GRID
from tests.support.wechat_service import (
    BOT,
    TOKEN,
    Sent,
    WeChatService,
    WeChatServiceUnavailable,
    ensure_packages,
    free_port,
)

ROOM = "room1@chatroom"
OWNER, LI, ZHAO, NEW = "wx-owner", "wx-li", "wx-zhao", "wx-new"
FIXTURE: dict[str, Any] = {
    "contacts": [
        {"id": OWNER, "name": "王芳"},
        {"id": LI, "name": "李四"},
        {"id": ZHAO, "name": "赵六😀\u202e\u0007"},
        {"id": NEW, "name": "新邻居"},
    ],
    "rooms": [
        {"id": ROOM, "topic": "1号院邻里圈", "owner": OWNER, "members": [OWNER, LI, ZHAO]},
    ],
}


@pytest.fixture(scope="session")
def wechat_ready() -> None:
    """Node.js, the pinned npm packages and the Python extra; required in CI."""
    try:
        import wechaty_puppet_service  # noqa: F401

        ensure_packages()
    except (ImportError, WeChatServiceUnavailable) as exc:
        if IN_CI:
            pytest.fail(f"the WeChat puppet service is required in CI: {exc}")
        pytest.skip(f"the WeChat puppet service cannot run here: {exc}")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A SQLite file with the test grid in it; the room's owner is the community's secretary."""
    url = f"sqlite:///{tmp_path / 'wechat.db'}"
    database = prepare_database(url)
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
        secretary = ensure_identity(session, "wechat", OWNER, "王芳", START).resident
        scope = roles.Scope(place=resolve_place(session, "红旗里社区"))
        roles.grant(session, START, secretary, Role.SECRETARY, scope, roles.OPERATOR)
    database.dispose()
    return url


@pytest.fixture
def service(wechat_ready: None, tmp_path: Path) -> Iterator[WeChatService]:
    """The puppet service with the mock room, running."""
    running = WeChatService(FIXTURE, tmp_path).start()
    yield running
    running.stop()


# The wall clock drives these tests: no quiet hours, whatever the hour they run at.
AROUND_THE_CLOCK = DeliverySettings(quiet_hours="")


class RunningBot:
    """Linli's WeChat adapter in its own thread and event loop, as `linli run` runs it."""

    def __init__(self, url: str, endpoint: str, per_room: float = 0.3, data_dir: str = "") -> None:
        settings = Settings(
            general=GeneralSettings(data_dir=data_dir),
            delivery=AROUND_THE_CLOCK,
            wechat=WeChatSettings(
                endpoint=endpoint,
                token=TOKEN,
                min_seconds_per_room=per_room,
                max_per_minute=600,
                jitter_seconds=0,
            ),
        )
        self.app: App = bootstrap(settings, SystemClock(), db=prepare_database(url))
        self.adapter = WeChatAdapter(
            self.app,
            settings.wechat,
            lambda: PuppetServiceClient(endpoint, TOKEN),
            backoff=(0.2, 1.0),
            retry_seconds=0.5,
        )
        self.error: BaseException | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self._started.set()
        try:
            await self.adapter.run(self.stopping)
        except BaseException as error:
            self.error = error
            raise

    def start(self) -> RunningBot:
        """Start the adapter; it connects (and reconnects) by itself."""
        self._thread.start()
        assert self._started.wait(10)
        return self

    def wait_online(self, timeout: float = 30) -> None:
        """Wait until the account is logged in and messages can go out."""
        deadline = time.monotonic() + timeout
        while not self.adapter.online:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, "the adapter did not come online"
            time.sleep(0.05)

    def call(self, function: Callable[[], None]) -> None:
        """Run `function` in the adapter's event loop."""
        self.loop.call_soon_threadsafe(function)

    def stop(self) -> None:
        """Stop the adapter and wait for it."""
        self.loop.call_soon_threadsafe(self.stopping.set)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the adapter did not stop"
        self.app.close()
        assert self.error is None, self.error


@pytest.fixture
def bot(service: WeChatService, db_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    """Linli's adapter connected to the service, keeping received files under tmp_path."""
    running = RunningBot(db_url, service.endpoint, data_dir=str(tmp_path / "data")).start()
    running.wait_online()
    yield running
    running.stop()


def to(chat: str) -> Callable[[Sent], bool]:
    """Matches the bot's messages to a room or a contact."""
    return lambda sent: sent["to"] == chat


def answer(service: WeChatService, user: str, text: str, room: str | None = None, **kw: Any) -> str:
    """What the bot answers where the resident spoke (exactly one message)."""
    since = service.say(user, text, room, **kw)
    [sent] = service.wait_sent(to(room or user), since=since)
    return str(sent["text"])


def ignored(
    service: WeChatService, user: str, text: str, room: str | None = None, **kw: Any
) -> None:
    """The bot sends nothing for `text`: the next command's answer is its first message after."""
    since = service.say(user, text, room, **kw)
    service.say(user, "帮助", room)
    first = service.wait_sent(lambda sent: True, since=since)[0]
    assert first["to"] == (room or user) and "可以使用" in first["text"], first


def test_residents_in_a_wechat_room_bind_register_and_get_private_answers(
    service: WeChatService, bot: RunningBot
) -> None:
    refusal = answer(service, LI, "绑定 1号院", ROOM)
    assert "只有社区书记或网格员可以绑定本群" in refusal

    bound = answer(service, OWNER, "绑定 1号院", ROOM)
    assert bound.startswith("本群已绑定为 红旗里社区/1号院 的邻里圈") and "<b>" not in bound

    consent = answer(service, LI, "登记 3-2-301", ROOM)
    assert consent.startswith("李四，登记 1号院/3号楼/2单元/301 之前请您确认")
    assert consent.endswith("同意请回复「登记 3-2-301 同意」。") and "\n1. " not in consent
    # Registered: the room hears only that the answer went privately.
    assert answer(service, LI, "登记 3-2-301 同意", ROOM) == "李四，详情已私聊发给您。"

    since = service.say(LI, "我的", ROOM)
    [mine] = service.wait_sent(lambda sent: sent["to"] == LI, since=since)
    assert mine["to"] == LI and "3号楼/2单元/301" in mine["text"]

    assert answer(service, LI, "语言 繁体") == "好的，以後用繁體中文和您說話。"
    granted = answer(service, OWNER, "设角色 @李四\u2005楼长", ROOM, mentions=(LI,))
    assert granted.startswith("已设 李四 为楼长")

    room_messages = [s for s in service.sent if s["to"] == ROOM]
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(room_messages)]
    assert min(gaps) >= 250, gaps


def test_keywords_mentions_and_membership_in_a_room(
    service: WeChatService, bot: RunningBot
) -> None:
    answer(service, OWNER, "绑定 1号院", ROOM)
    ignored(service, LI, "今天天气不错，大家好", ROOM)
    assert answer(service, ZHAO, "今天天气不错") == "没看懂您的意思。发送「帮助」查看能用的命令。"
    ignored(service, LI, "@王芳\u2005", ROOM, mentions=(OWNER,))
    ignored(service, LI, f"@{BOT['name']}", ROOM, mentions=(BOT["id"],))
    helped = answer(service, LI, f"@{BOT['name']}\u2005帮助", ROOM, mentions=(BOT["id"],))
    assert helped.startswith("您在本群可以使用")

    since = len(service.sent)
    service.join(ROOM, [NEW], by=OWNER)
    [welcome] = service.wait_sent(to(ROOM), since=since)
    assert welcome["text"].startswith("欢迎 新邻居 加入1号院！")
    answer(service, ZHAO, "登记 3-2-302", ROOM)
    service.leave(ROOM, [ZHAO], by=OWNER)
    since = service.say(OWNER, "成员", ROOM)
    [counts] = service.wait_sent(to(ROOM), since=since)
    [roster] = service.wait_sent(to(OWNER), since=since)
    assert "已登记 0 户" in counts["text"] and "新邻居" not in counts["text"]
    assert "新邻居" in roster["text"] and "王芳" in roster["text"]
    assert "赵六" not in roster["text"]

    with bot.app.db.transaction() as session:
        accounts = session.scalars(
            select(Identity.external_id).where(Identity.platform == "wechat")
        )
        assert BOT["id"] not in set(accounts)


def test_bad_input_from_residents_changes_nothing_and_crashes_nothing(
    service: WeChatService, bot: RunningBot
) -> None:
    answer(service, OWNER, "绑定 1号院", ROOM)
    ignored(service, LI, "长" * 20_000, ROOM)
    too_long = answer(service, LI, "登记 " + "3" * 19_997, ROOM)
    assert too_long == "消息太长了（最多 4096 个字），请精简后再发。"

    since = len(service.sent)
    service.send_file(LI, 30_000, "photo.jpg", ROOM)
    service.send_file(LI, 30_000, "photo.jpg")
    [hint] = service.wait_sent(lambda sent: True, since=since)
    assert hint["to"] == LI and hint["text"].startswith("收到了您的照片。请用文字说一下")

    consent = answer(service, ZHAO, "登记 3-2-302", ROOM)
    assert consent.startswith("赵六😀，登记 1号院/3号楼/2单元/302")
    assert not any(ch in s["text"] for s in service.sent for ch in "\u202e\u0007")


def test_the_adapter_waits_for_a_service_that_is_down_at_start(
    wechat_ready: None, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    bot = RunningBot(db_url, f"127.0.0.1:{port}").start()
    service = WeChatService(FIXTURE, tmp_path, port=port)
    try:
        expected = f"cannot reach the puppet service at 127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while not any(expected in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
        time.sleep(1)
        assert bot.error is None and not bot.adapter.online
        service.start()
        bot.wait_online()
        assert "本群已绑定为" in answer(service, OWNER, "绑定 1号院", ROOM)
    finally:
        service.stop()
        bot.stop()


def test_queued_messages_go_out_once_after_the_service_comes_back(
    wechat_ready: None, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = WeChatService(FIXTURE, tmp_path).start()
    bot = RunningBot(db_url, service.endpoint, per_room=0.5).start()
    try:
        bot.wait_online()
        rows = _stage_notices(bot.app, 5)
        bot.call(bot.adapter.worker.wake)
        service.wait_sent(to(ROOM), count=2)
        _wait_rows_sent(bot.app, rows[:2])
        service.kill()
        deadline = time.monotonic() + 10
        while "lost the connection to the puppet service" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
        time.sleep(1)
        assert not bot.adapter.online
        service.start()
        service.wait_sent(to(ROOM), count=5, timeout=30)
        _wait_rows_sent(bot.app, rows)
        time.sleep(1)
        texts = [s["text"] for s in service.sent if s["to"] == ROOM]
        assert texts == [f"欢迎 住户{n} 加入1号院邻里圈！" for n in range(1, 6)]
        # The room is bound to no circle: its help says so first.
        helped = answer(service, OWNER, "帮助", ROOM)
        assert helped.startswith("本群还没有绑定到社区") and "您在本群可以使用" in helped
    finally:
        service.stop()
        bot.stop()


def test_a_chart_goes_as_a_file_and_one_too_big_for_the_service_goes_as_text_alone(
    service: WeChatService, bot: RunningBot, tmp_path: Path
) -> None:
    chart, huge = tmp_path / "chart.png", tmp_path / "huge.png"
    chart.write_bytes(bytes(MAX_FILE_BYTES - 100_000))
    huge.write_bytes(bytes(MAX_FILE_BYTES + 1))
    _stage_notices(bot.app, 1, image=chart)
    _stage_notices(bot.app, 1, image=huge)
    bot.call(bot.adapter.worker.wake)
    sent = service.wait_sent(to(ROOM), count=3)
    assert [(s.get("file"), s.get("size"), s.get("text")) for s in sent] == [
        ("chart.png", MAX_FILE_BYTES - 100_000, None),
        (None, None, "欢迎 住户1 加入1号院邻里圈！"),
        (None, None, "欢迎 住户1 加入1号院邻里圈！"),
    ]


def _stage_notices(app: App, count: int, image: Path | None = None) -> list[int]:
    target = Target("wechat", ROOM, ChatKind.GROUP)
    with app.db.transaction() as session:
        return [
            stage(
                session,
                Envelope(
                    target,
                    Reply(
                        "circles.welcome",
                        {"name": f"住户{n}", "circle": "1号院邻里圈", "registered": True},
                        image=image,
                    ),
                    "zh-Hans",
                ),
                app.clock.now(),
            )
            for n in range(1, count + 1)
        ]


def _wait_rows_sent(app: App, rows: list[int]) -> None:
    deadline = time.monotonic() + 30
    while True:
        with app.db.transaction() as session:
            states = session.scalars(
                select(OutboxMessage.state).where(OutboxMessage.id.in_(rows))
            ).all()
        if len(states) == len(rows) and all(s == OutboxState.SENT for s in states):
            return
        assert time.monotonic() < deadline, states
        time.sleep(0.02)


def test_linli_run_serves_wechat_and_stops_cleanly_on_sigterm(
    service: WeChatService, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[wechat]\nendpoint = "{service.endpoint}"\nmin_seconds_per_room = 0.1\n'
        "jitter_seconds = 0\n\n[scheduler]\ntick_seconds = 0.5\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LINLI_WECHAT_TOKEN": TOKEN, "LINLI_SECRET": "e2e-secret"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "-v",
            "run",
            "--platform",
            "wechat",
            "--db",
            db_url,
            "--config",
            str(config),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        for line in process.stderr:
            lines.append(line)
            if "WeChat: logged in through" in line:
                break
        assert "本群已绑定为" in answer(service, OWNER, "绑定 1号院", ROOM)
        process.send_signal(signal.SIGTERM)
        lines.append(process.communicate(timeout=30)[1])
    finally:
        if process.poll() is None:
            process.kill()
    stderr = "".join(lines)
    assert process.returncode == 0, stderr
    assert "WeChat: logged in through" in stderr and TOKEN not in stderr


def test_the_sdk_logs_never_carry_the_token(
    service: WeChatService, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = RunningBot(db_url, service.endpoint).start()
    try:
        bot.wait_online()
        answer(service, OWNER, "帮助", ROOM)
    finally:
        bot.stop()
    assert TOKEN not in caplog.text


def test_one_process_serves_a_telegram_group_and_a_wechat_room_of_one_circle(
    service: WeChatService, db_url: str
) -> None:
    from tests.support.telegram_emulator import DEFAULT_TOKEN, TelegramEmulator

    tg_owner, tg_resident, tg_group = 3001, 3002, -5100
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(tg_owner, "群主")
    emulator.declare_user(tg_resident, "张三")
    emulator.declare_group(tg_group, "1号院电报群", admins=[tg_owner])
    settings = Settings(
        delivery=AROUND_THE_CLOCK,
        telegram=TelegramSettings(
            token=DEFAULT_TOKEN, base_url=emulator.url, poll_interval=0.05, admin_cache_seconds=0
        ),
        wechat=WeChatSettings(
            endpoint=service.endpoint, token=TOKEN, min_seconds_per_room=0.1, jitter_seconds=0
        ),
    )
    app = bootstrap(settings, SystemClock(), db=prepare_database(db_url))
    loop = asyncio.new_event_loop()
    stopping = asyncio.Event()
    failures: list[BaseException] = []

    def serve_both() -> None:
        try:
            loop.run_until_complete(runner.serve(app, settings, "all", stopping))
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=serve_both, daemon=True)
    thread.start()

    def telegram(user: int, text: str, fragment: str) -> str:
        before = len(emulator.sent(tg_group))
        emulator.send_text(user, text, tg_group)
        emulator.wait_for(
            lambda e: any(fragment in m["plain"] for m in e.sent(tg_group)[before:]), 20
        )
        return next(m["plain"] for m in emulator.sent(tg_group)[before:] if fragment in m["plain"])

    try:
        since = len(service.sent)
        telegram(tg_owner, "/bind 1号院", "已提交绑定申请")
        service.wait_sent(lambda sent: "绑定申请第 1 号" in sent["text"], since=since)
        assert answer(service, OWNER, "批准绑定 1").startswith("已批准第 1 号申请")
        emulator.wait_for(lambda e: any("已绑定" in m["plain"] for m in e.sent(tg_group)), 20)
        assert "已绑定" in answer(service, OWNER, "绑定 1号院", ROOM)
        telegram(tg_resident, "登记 3-2-301 同意", "刚才的事已办好")
        assert "详情已私聊发给您" in answer(service, LI, "登记 3-2-302 同意", ROOM)

        since = len(service.sent)
        telegram(tg_owner, "/poll 装电梯吗 | 赞成 | 反对", "投票 #1：装电梯吗")
        [poll] = service.wait_sent(to(ROOM), since=since)
        assert poll["text"].startswith("投票 #1：装电梯吗")
        options = (
            "1. 赞成 —— 0 票（0%）—— 回复「投票 1 1」\n2. 反对 —— 0 票（0%）—— 回复「投票 1 2」"
        )
        assert options in poll["text"] and poll["text"].count("赞成") == 1
        since = service.say(LI, "投票 1 1", ROOM)
        [ack] = service.wait_sent(to(LI), since=since)
        assert ack["text"] == "已投票（#1）：赞成。"
        emulator.send_text(tg_resident, "/vote 1 1", tg_group)
        result = telegram(tg_owner, "/result", "目前结果")
        assert "1. 赞成 —— 2 票" in result and "2 户中 2 户投票" in result
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(30)
        app.close()
        emulator.stop()
    assert not thread.is_alive() and not failures, failures


def test_a_picture_sent_after_a_report_goes_privately_to_its_owner(
    service: WeChatService, bot: RunningBot
) -> None:
    answer(service, OWNER, "绑定 1号院", ROOM)
    since = service.say(LI, "报修 3号楼门口路灯坏了", ROOM)
    service.wait_sent(to(OWNER), since=since)
    since = len(service.sent)
    service.send_file(LI, 30_000, "路灯.jpg", ROOM)
    sent = service.wait_sent(lambda s: True, since=since, count=3)
    pictures = [(s["to"], s.get("size")) for s in sent if "file" in s]
    assert pictures == [(OWNER, 30_000)]
    assert [s["text"][:9] for s in sent if s["to"] == LI] == ["照片已经加到您反映"]
    assert not any(s["to"] == ROOM for s in sent)
