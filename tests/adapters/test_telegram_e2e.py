"""End to end over real HTTP: Linli long-polls a strict Bot API emulator on loopback."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.telegram import TelegramStartError, run_telegram
from bot.app import App, bootstrap, prepare_database
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings, TelegramSettings
from bot.db import Database
from bot.services.community.grid import add_path
from handlers.registry import COMMANDS
from models import CircleChat, OutboxMessage, ProcessedUpdate
from tests.support.driver import GRID, Driver
from tests.support.telegram_emulator import DEFAULT_TOKEN, RateLimit, TelegramEmulator

OWNER, RESIDENT, OTHER = 2001, 2002, 2003
# The wall clock drives these tests: no quiet hours, whatever the hour they run at.
AROUND_THE_CLOCK = DeliverySettings(quiet_hours="")
GROUP = -4100
NEW_SUPERGROUP = -1_004_100_000_001


class RunningBot:
    """Linli's Telegram adapter running in its own thread and event loop."""

    def __init__(
        self, app: App, settings: TelegramSettings, backoff: tuple[float, float] = (1.0, 60.0)
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._main, args=(app, settings, backoff), daemon=True
        )
        self.thread.start()

    def _main(self, app: App, settings: TelegramSettings, backoff: tuple[float, float]) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(
                run_telegram(app, settings, self.stop, COMMANDS, backoff=backoff)
            )
        except BaseException as error:
            self.error = error

    def shutdown(self) -> None:
        """Ask the bot to stop, as SIGTERM does, and wait for it."""
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the bot did not stop"
        assert self.error is None, self.error


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TelegramEmulator, App]]:
    """The emulator with a group and three people, and Linli polling it; the owner is secretary."""
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(OWNER, "群主")
    emulator.declare_user(RESIDENT, "李四", username="lisi")
    emulator.declare_user(OTHER, "<b>&王五")
    emulator.declare_group(GROUP, "1号院邻里圈", admins=[OWNER])
    database = prepare_database(f"sqlite:///{tmp_path / 'e2e.db'}")
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
    app = bootstrap(Settings(delivery=AROUND_THE_CLOCK), SystemClock(), db=database)
    Driver(app).grant(str(OWNER), "书记", "红旗里社区", platform="telegram")
    settings = TelegramSettings(
        token=DEFAULT_TOKEN, base_url=emulator.url, poll_interval=0.05, admin_cache_seconds=0
    )
    running = RunningBot(app, settings)
    try:
        yield emulator, app
    finally:
        running.shutdown()
        app.close()
        emulator.stop()


def said(emulator: TelegramEmulator, chat: int, fragment: str) -> str:
    """Wait until the bot has sent `fragment` to `chat`; return that message's plain text."""
    emulator.wait_for(lambda e: any(fragment in m["plain"] for m in e.sent(chat)))
    return next(m["plain"] for m in reversed(emulator.sent(chat)) if fragment in m["plain"])


def test_residents_bind_register_change_language_and_are_refused(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, app = world
    emulator.send_text(OTHER, "/bind 1号院", GROUP)
    said(emulator, GROUP, "只有社区书记或网格员")
    emulator.send_text(OWNER, "/bind@LinliBot 1号院", GROUP)
    said(emulator, GROUP, "已绑定")
    emulator.send_text(RESIDENT, "登记 3-2-301", GROUP)
    said(emulator, GROUP, "请您确认")
    ask = next(m for m in emulator.sent(GROUP) if "请您确认" in m["plain"])
    emulator.press(OTHER, ask["message_id"], "同意并登记")
    emulator.wait_for(lambda e: any("给别人的" in (a["text"] or "") for a in e.answers()))
    emulator.press(RESIDENT, ask["message_id"], "同意并登记")
    # Registered, with its answer for the resident alone: the group gets the pointer.
    said(emulator, GROUP, "刚才的事已办好")
    emulator.send_text(RESIDENT, "/me", GROUP)
    pointer = said(emulator, GROUP, "t.me/LinliBot?start=me")
    assert "李四" in pointer
    emulator.send_text(RESIDENT, "/start me")
    assert "3号楼/2单元/301" in said(emulator, RESIDENT, "3号楼/2单元/301")
    emulator.send_text(RESIDENT, "/lang en")
    said(emulator, RESIDENT, "I will speak English")
    emulator.send_text(RESIDENT, "/me", GROUP)
    said(emulator, RESIDENT, "Address:")
    emulator.send_text(OTHER, "登记 3-2-302 同意", GROUP)
    pointed = said(emulator, GROUP, "王五，这条回复只发给您本人")
    assert "<b>&王五" in pointed
    raw = next(m for m in emulator.sent(GROUP) if "王五，这条回复" in m["plain"])["text"]
    assert "&lt;b&gt;&amp;王五" in raw
    assert {key[0] for key in emulator.commands()} >= {"all_private_chats", "all_group_chats"}
    del app


def test_the_bot_survives_dropped_connections_and_flood_control(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, _app = world
    emulator.send_text(OWNER, "/bind 1号院", GROUP)
    said(emulator, GROUP, "已绑定")
    emulator.drop_connections(3)
    emulator.send_text(OWNER, "/members", GROUP)
    said(emulator, GROUP, "已登记 0 户、0 人")
    emulator.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    emulator.send_text(OWNER, "/help", GROUP)
    said(emulator, GROUP, "您在本群可以使用")
    assert any(name == "sendMessage" for name, _ in emulator.calls())
    emulator.rate_limits = True
    emulator.group_limit = RateLimit(1, 2.0)
    emulator.send_text(OWNER, "/me", GROUP)
    emulator.send_text(OWNER, "成员", GROUP)
    said(emulator, GROUP, "已登记 0 户、0 人")


def test_removal_migration_and_injected_updates_reach_the_core(
    world: tuple[TelegramEmulator, App],
) -> None:
    emulator, app = world
    emulator.declare_group(-4200, "新群", admins=[OWNER])
    emulator.bot_added(-4200, OWNER)
    said(emulator, -4200, "绑定")
    mine = emulator.send_text(OWNER, "/bind 1号院", GROUP)
    said(emulator, GROUP, "已绑定")
    emulator.member_joins(GROUP, OTHER)
    said(emulator, GROUP, "欢迎")
    before = len(emulator.sent(GROUP))
    emulator.edit_text(OWNER, GROUP, mine, "/members")
    emulator.send_text(OWNER, "/help", GROUP)
    said(emulator, GROUP, "您在本群可以使用")
    assert len(emulator.sent(GROUP)) == before + 1
    emulator.migrate_to_supergroup(GROUP, NEW_SUPERGROUP)
    emulator.send_text(RESIDENT, "/join 3-2-301 同意", NEW_SUPERGROUP)
    said(emulator, NEW_SUPERGROUP, "刚才的事已办好")
    emulator.kick_bot(NEW_SUPERGROUP)

    def unbound(_e: TelegramEmulator) -> bool:
        with app.db.transaction() as session:
            binding = session.scalar(
                select(CircleChat).where(CircleChat.chat_id == str(NEW_SUPERGROUP))
            )
            return binding is not None and not binding.active

    emulator.wait_for(unbound)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SECRET = "s3cret-value"
START_UPDATE = {
    "update_id": 77,
    "message": {
        "message_id": 5,
        "date": 1_795_000_000,
        "text": "/start",
        "chat": {"id": RESIDENT, "type": "private", "first_name": "李四"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "李四"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    },
}


class Hooked:
    """Linli in webhook mode against the emulator, and Telegram's requests to it."""

    def __init__(self, emulator: TelegramEmulator, app: App, port: int) -> None:
        self.emulator, self.app, self.port = emulator, app, port

    def post(self, secret: str) -> int:
        """Post the /start update as Telegram would; the status it is answered with."""
        import json
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/telegram",
            data=json.dumps(START_UPDATE).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)

    def accepting(self, _e: TelegramEmulator) -> bool:
        """The webhook answers (a wrong secret is refused)."""
        try:
            return self.post("wrong") == 403
        except OSError:
            return False


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[Hooked]:
    """Linli serving a webhook (as behind a reverse proxy) once it has told Telegram where."""
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(RESIDENT, "李四")
    app = bootstrap(
        Settings(), SystemClock(), db=prepare_database(f"sqlite:///{tmp_path / 'hook.db'}")
    )
    port = _free_port()
    settings = TelegramSettings(
        token=DEFAULT_TOKEN,
        base_url=emulator.url,
        webhook_url="https://linli.example/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )
    hooked = Hooked(emulator, app, port)
    running = RunningBot(app, settings)
    try:
        emulator.wait_for(lambda e: bool(e.calls("setWebhook")))
        emulator.wait_for(hooked.accepting)
        yield hooked
    finally:
        running.shutdown()
        app.close()
        emulator.stop()


def test_webhook_mode_checks_the_secret_on_every_request(hooked: Hooked) -> None:
    emulator = hooked.emulator
    assert emulator.calls("setWebhook")[0][1]["secret_token"] == SECRET
    assert emulator.calls("sendMessage") == []
    assert hooked.post(SECRET) == 200
    emulator.wait_for(
        lambda e: any("邻里小助手" in str(p.get("text")) for _, p in e.calls("sendMessage"))
    )


def test_the_webhook_answers_telegram_only_once_the_update_is_handled(hooked: Hooked) -> None:
    """Answered before, an update a killed worker had in hand would never come again."""
    held, release = threading.Event(), threading.Event()
    handle = hooked.app.dispatcher.handle

    def held_up(*args: Any, **kwargs: Any) -> Any:
        held.set()
        release.wait(30)
        return handle(*args, **kwargs)

    hooked.app.dispatcher.handle = held_up  # type: ignore[method-assign]
    answers: list[int] = []
    posting = threading.Thread(target=lambda: answers.append(hooked.post(SECRET)))
    posting.start()
    try:
        assert held.wait(10)
        posting.join(1.0)
        assert answers == []
    finally:
        release.set()
        posting.join(30)
    assert answers == [200]
    with hooked.app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


def test_a_token_telegram_rejects_stops_with_one_clear_line(tmp_path: Path) -> None:
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    app = bootstrap(
        Settings(), SystemClock(), db=prepare_database(f"sqlite:///{tmp_path / 'bad.db'}")
    )
    settings = TelegramSettings(token="999999:NOT-the-right-token", base_url=emulator.url)
    try:
        with pytest.raises(TelegramStartError, match="Telegram rejected the token"):
            asyncio.run(run_telegram(app, settings, asyncio.Event()))
    finally:
        app.close()
        emulator.stop()


def test_linli_run_serves_telegram_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(RESIDENT, "李四")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{emulator.url}"\npoll_interval = 0.05\n\n'
        "[scheduler]\ntick_seconds = 0.5\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LINLI_TELEGRAM_TOKEN": DEFAULT_TOKEN, "LINLI_SECRET": "e2e-secret"}
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "-v",
        "run",
        "--platform",
        "telegram",
        "--db",
        f"sqlite:///{tmp_path / 'run.db'}",
        "--config",
        str(config),
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        emulator.wait_for(lambda e: bool(e.calls("getUpdates")), timeout=60)
        emulator.send_text(RESIDENT, "/start")
        said(emulator, RESIDENT, "邻里小助手")
        process.send_signal(signal.SIGTERM)
        _out, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        emulator.stop()
    assert process.returncode == 0, stderr
    assert "is running" in stderr and DEFAULT_TOKEN not in stderr


@pytest.mark.parametrize(
    ("token", "expected"), [("", "no Telegram token"), ("12345", "token is malformed")]
)
def test_linli_run_without_a_usable_token_stops_with_one_line(
    tmp_path: Path, token: str, expected: str
) -> None:
    env = {**os.environ, "LINLI_TELEGRAM_TOKEN": token, "LINLI_SECRET": "e2e-secret"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert expected in done.stderr and done.stderr.count("\n") == 1


def test_log_lines_never_carry_a_bot_token() -> None:
    import logging

    from bot.logs import RedactTokens

    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST %s",
        ("http://x/bot123456:AAbbCC_dd-eeff/getMe",),
        None,
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == "POST http://x/bot<token>/getMe"


def _one_line_warnings(caplog: pytest.LogCaptureFixture, fragment: str) -> list[str]:
    """The adapter's warnings containing `fragment`; each must be one line, without traceback."""
    found = [r for r in caplog.records if fragment in r.getMessage()]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in found)
    return [r.getMessage() for r in found]


def test_telegram_out_of_reach_at_start_is_retried_with_one_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(RESIDENT, "李四")
    emulator.drop_connections(3)
    app = bootstrap(
        Settings(), SystemClock(), db=prepare_database(f"sqlite:///{tmp_path / 'x.db'}")
    )
    where = emulator.url
    settings = TelegramSettings(token=DEFAULT_TOKEN, base_url=where, poll_interval=0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.adapters.telegram"):
            running = RunningBot(app, settings, backoff=(0.05, 0.2))
            emulator.send_text(RESIDENT, "/start")
            said(emulator, RESIDENT, "邻里小助手")
            running.shutdown()
    finally:
        app.close()
        emulator.stop()
    lines = _one_line_warnings(caplog, "getMe")
    assert len(lines) == 3 and all(where in line for line in lines)


def test_a_bot_that_never_reaches_telegram_still_stops_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = bootstrap(
        Settings(), SystemClock(), db=prepare_database(f"sqlite:///{tmp_path / 'x.db'}")
    )
    settings = TelegramSettings(token=DEFAULT_TOKEN, base_url=f"http://127.0.0.1:{_free_port()}")
    try:
        with caplog.at_level(logging.WARNING, logger="bot.adapters.telegram"):
            running = RunningBot(app, settings, backoff=(0.05, 0.1))
            for _ in range(600):
                if len(_one_line_warnings(caplog, "getMe")) >= 3 or not running.thread.is_alive():
                    break
                time.sleep(0.05)
            running.shutdown()
    finally:
        app.close()
    assert len(_one_line_warnings(caplog, "getMe")) >= 3


def _linli_run(tmp_path: Path, emulator: TelegramEmulator, log: str) -> subprocess.Popen[str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{emulator.url}"\npoll_interval = 0.05\n'
        "\n[scheduler]\ntick_seconds = 0.5\n",
        encoding="utf-8",
    )
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "-v",
        "run",
        "--db",
        f"sqlite:///{tmp_path / 'run.db'}",
    ]
    return subprocess.Popen(
        [*command, "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / log).open("w"),
        text=True,
        env={**os.environ, "LINLI_TELEGRAM_TOKEN": DEFAULT_TOKEN, "LINLI_SECRET": "e2e-secret"},
    )


def _stopped_by_sigterm(process: subprocess.Popen[str]) -> int:
    """SIGTERM, then the exit code; a process still running after 15 s fails the test."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


def test_sigterm_with_updates_queued_stops_promptly_and_a_restart_handles_the_rest(
    tmp_path: Path,
) -> None:
    people = range(3000, 3200)
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    emulator.declare_user(OWNER, "群主")
    emulator.declare_group(GROUP, "1号院邻里圈", admins=[OWNER])
    for person in people:
        emulator.declare_user(person, f"居民{person}")
        emulator.send_text(person, "/help", GROUP)
    database = Database(f"sqlite:///{tmp_path / 'run.db'}")

    def handled(_e: TelegramEmulator | None = None) -> int:
        with database.transaction() as session:
            return session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0

    runs: list[subprocess.Popen[str]] = []
    try:
        runs.append(_linli_run(tmp_path, emulator, "first.log"))
        # A generous bound for start-up on a loaded machine: the point is what follows.
        emulator.wait_for(
            lambda e: any("您在本群可以使用" in m["plain"] for m in e.sent(GROUP)), 60
        )
        assert _stopped_by_sigterm(runs[0]) == 0
        assert handled() < len(people)
        runs.append(_linli_run(tmp_path, emulator, "second.log"))
        emulator.wait_for(lambda e: handled(e) == len(people), timeout=120)
        assert _stopped_by_sigterm(runs[1]) == 0
        with database.transaction() as session:
            replies = session.scalar(select(func.count()).select_from(OutboxMessage))
        assert replies == len(people)
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
        database.dispose()
        emulator.stop()
