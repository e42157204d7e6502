"""A community with many Telegram groups on the emulator, for broadcasting notices to them."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from sqlalchemy import text

from bot.adapters.telegram import run_telegram
from bot.app import App
from bot.config import TelegramSettings
from bot.db import is_sqlite
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services.community.circles import ChatSpec, attach_chat
from bot.services.community.grid import add_path
from bot.services.community.people import ensure_identity
from bot.services.community.roles import OPERATOR, Scope, grant
from handlers.registry import COMMANDS
from models import CircleKind, Role
from tests.support.telegram_emulator import DEFAULT_TOKEN, TelegramEmulator

SECRETARY = 3001
# The connections holding advisory locks (the elected sender's) in this database, dropped.
HOLDERS_GONE = """
SELECT pg_terminate_backend(pid) FROM pg_locks
WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
RESIDENT = 3002
COMMUNITY = "文化路街道/红旗里社区"
FIRST_GROUP = -7000


def group_id(number: int) -> int:
    """The emulator's id of building `number`'s group (numbers from 1)."""
    return FIRST_GROUP - number


def populate(app: App, emulator: TelegramEmulator, groups: int) -> None:
    """`groups` buildings of 1号院, each with its own bound group; a secretary who opened a
    private chat with the bot, and a resident in building 1's group."""
    emulator.declare_user(SECRETARY, "王书记")
    emulator.declare_user(RESIDENT, "李四")
    now = app.clock.now()
    with app.db.transaction() as session:
        secretary = ensure_identity(session, "telegram", str(SECRETARY), "王书记", now)
        secretary.private_chat_open = True
        community = add_path(session, COMMUNITY)
        grant(session, now, secretary.resident, Role.SECRETARY, Scope(place=community), OPERATOR)
        for number in range(1, groups + 1):
            title = f"{number}号楼群"
            emulator.declare_group(group_id(number), title, admins=[SECRETARY])
            place = add_path(session, f"{COMMUNITY}/1号院/{number}号楼")
            chat = ChatSpec("telegram", str(group_id(number)), title)
            attach_chat(
                session, now, chat, place, CircleKind.NEIGHBOUR, "", actor_id=None, admin=None
            )
    emulator.send_text(SECRETARY, "/start")


def say(app: App, user: int, text: str, chat: int | None = None) -> None:
    """`user` writes `text` privately or in a group, handled at once (its replies staged)."""
    where = (
        ChatRef("telegram", str(user), ChatKind.PRIVATE)
        if chat is None
        else ChatRef("telegram", str(chat), ChatKind.GROUP, "")
    )
    name = "王书记" if user == SECRETARY else "李四"
    incoming = Incoming(where, UserRef("telegram", str(user), name), EventKind.MESSAGE, text)
    app.dispatcher.handle(incoming)


def per_group(emulator: TelegramEmulator, fragment: str) -> Counter[int]:
    """How many messages holding `fragment` each group got."""
    return emulator.tally(lambda m: m["chat_id"] < 0 and fragment in m["plain"])


class RunningBot:
    """Linli's Telegram adapter against the emulator, in its own thread and event loop."""

    def __init__(self, app: App, emulator: TelegramEmulator) -> None:
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.error: BaseException | None = None
        settings = TelegramSettings(
            token=DEFAULT_TOKEN, base_url=emulator.url, poll_interval=0.05, admin_cache_seconds=60
        )
        self.app = app
        self.thread = threading.Thread(target=self._main, args=(app, settings), daemon=True)
        self.thread.start()

    def _main(self, app: App, settings: TelegramSettings) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(run_telegram(app, settings, self.stop, COMMANDS))
        except BaseException as error:
            self.error = error

    def kill(self) -> None:
        """Stop dead, as a crash would: nothing is finished, released or confirmed.

        A dead process's connections close with it, and with them the sender's election
        lock on PostgreSQL: the server drops them here as it would then.
        """
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the bot did not stop"
        if not is_sqlite(self.app.db.url):
            with self.app.db.engine.connect() as connection:
                connection.execute(text(HOLDERS_GONE))

    def shutdown(self) -> None:
        """Stop as SIGTERM does and wait."""
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the bot did not stop"
        assert self.error is None, self.error
