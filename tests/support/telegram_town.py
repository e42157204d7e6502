"""A community on a durable platform: replies go through the outbox and a fake sender."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, text

from bot.app import App
from bot.clock import VirtualClock
from bot.messages import ChatKind, ChatRef, Envelope, EventKind, Incoming, Media, UserRef
from bot.outbox import OutboxWorker
from bot.services.community.circles import ChatSpec, attach_chat
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import CircleKind
from tests.support.driver import Driver

PLATFORM = "telegram"
GROUP = "-1001"
OWNER = "7000"


class Recorder:
    """Sends nothing; keeps every envelope with the time it went out (what chats saw)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, Envelope]] = []

    async def __call__(self, envelope: Envelope) -> str | None:
        self.sent.append((self.clock.now(), envelope))
        return str(1000 + len(self.sent))


class Town:
    """Residents of 1号院 on Telegram, a bound group, and a worker draining the outbox."""

    def __init__(self, app: App, names: dict[str, str]) -> None:
        assert isinstance(app.clock, VirtualClock)
        self.app = app
        self.clock: VirtualClock = app.clock
        self.names = {OWNER: "群主", **names}
        self.recorder = Recorder(self.clock)
        self.hold = False
        Driver(app).seed_grid()
        with app.db.transaction() as session:
            now = self.clock.now()
            owner = ensure_identity(session, PLATFORM, OWNER, "群主", now).resident
            place = resolve_place(session, "1号院")
            chat = ChatSpec(PLATFORM, GROUP, "1号院邻里圈")
            attach_chat(
                session, now, chat, place, CircleKind.NEIGHBOUR, "", actor_id=None, admin=owner
            )

    def say(
        self,
        user: str,
        message: str,
        chat: str | None = None,
        *,
        admin: bool = False,
        mentions: tuple[str, ...] = (),
        media: Media | None = None,
    ) -> list[Envelope]:
        """`user` writes `message` (a caption, with `media`) in the group `chat`, or privately;
        the outbox is drained unless `hold` keeps it waiting."""
        ref = (
            ChatRef(PLATFORM, chat, ChatKind.GROUP, "1号院邻里圈")
            if chat
            else ChatRef(PLATFORM, user, ChatKind.PRIVATE)
        )
        incoming = Incoming(
            ref,
            self.user(user),
            EventKind.MESSAGE,
            message,
            is_platform_admin=admin,
            mentions=tuple(self.user(m) for m in mentions),
            private_link="https://t.me/LinliBot?start=me",
            media=media,
        )
        answers = self.app.dispatcher.handle(incoming)
        if not self.hold:
            self.deliver()
        return answers

    def user(self, user: str) -> UserRef:
        """A Telegram account of the town, with its name and username."""
        return UserRef(PLATFORM, user, self.names.get(user, user), f"user{user}")

    def deliver(self) -> None:
        """The platform worker sends everything due."""
        worker = OutboxWorker(self.app.db, self.clock, PLATFORM, self.recorder)
        asyncio.run(worker.drain())

    def advance(self, **delta: float) -> None:
        """Move the clock on, run the scheduler and send what it staged."""
        self.clock.set(self.clock.now() + timedelta(**delta))
        self.app.scheduler.tick(self.clock.now())
        self.deliver()

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, read raw (SELECT *), JSON decoded, as a reader would."""
        found: dict[str, list[dict[str, Any]]] = {}
        with self.app.db.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f"SELECT * FROM {table}")).mappings()
                found[table] = [{k: _decoded(v) for k, v in row.items()} for row in rows]
        return found


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def moment(value: Any) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back text)."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)
