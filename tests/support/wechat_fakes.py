"""A puppet service connection in memory, for testing the WeChat adapter without Node."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.adapters.wechat import (
    Event,
    LoggedIn,
    MessageInfo,
    Received,
    RoomChanged,
    RoomInfo,
    ServiceError,
)

BOT_ID = "linli-bot"
BOT_NAME = "邻里小助手"


class FakeWeChat:
    """Plays residents and rooms, and records what the bot sends (a WeChatClient)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {BOT_ID: BOT_NAME}
        self.rooms: dict[str, RoomInfo] = {}
        self.messages: dict[str, MessageInfo] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.sent: list[tuple[str, str]] = []
        self.attempts = 0
        self.failing_attempts: set[int] = set()
        self.refusals = 0
        self.connections = 0
        self._emit: Callable[[Event], None] | None = None
        self._lost = asyncio.Event()
        self._numbers = itertools.count(1)

    def add_room(self, room: RoomInfo, people: Mapping[str, str]) -> None:
        """Declare a room and the people (id: name) who may speak."""
        self.rooms[room.room_id] = room
        self.names.update(people)

    def say(
        self,
        talker: str,
        text: str,
        room: str | None = None,
        mentions: tuple[str, ...] = (),
        is_text: bool = True,
    ) -> None:
        """A resident says something in a room, or privately to the bot."""
        number = f"m{next(self._numbers)}"
        self.messages[number] = MessageInfo(number, talker, room or "", text, mentions, is_text)
        self._send_event(Received(number))

    def send_picture(
        self, talker: str, name: str, content: bytes, room: str | None = None, kind: str = "photo"
    ) -> None:
        """A resident sends a picture (or, with kind "file", a file): no text, no caption."""
        number = f"m{next(self._numbers)}"
        self.messages[number] = MessageInfo(
            number, talker, room or "", "", is_text=False, media_kind=kind
        )
        self.files[number] = (name, content)
        self._send_event(Received(number))

    def join(self, room: str, contact: str, by: str) -> None:
        """Someone joins a room."""
        self._send_event(RoomChanged(room, (contact,), by, joined=True))

    def lose_connection(self) -> None:
        """The connection drops, as when the service dies."""
        self._lost.set()

    def _send_event(self, event: Event) -> None:
        assert self._emit is not None, "not connected"
        self._emit(event)

    async def serve(self, emit: Callable[[Event], None]) -> None:
        """Log in at once and stay connected until the connection is lost."""
        self.connections += 1
        if self.refusals:
            self.refusals -= 1
            raise ServiceError("127.0.0.1:9 does not answer (refused)", connection=True)
        self._lost = asyncio.Event()
        self._emit = emit
        emit(LoggedIn(BOT_ID))
        await self._lost.wait()
        self._emit = None
        raise ServiceError("Connection lost", connection=True)

    async def message(self, message_id: str) -> MessageInfo:
        """A message said before."""
        return self.messages[message_id]

    async def room(self, room_id: str) -> RoomInfo:
        """A declared room."""
        return self.rooms[room_id]

    async def name(self, contact_id: str) -> str:
        """A contact's name; unknown contacts fail like the service does."""
        if contact_id not in self.names:
            raise ServiceError("the service answered NOT_FOUND", connection=False)
        return self.names[contact_id]

    async def save_file(self, message_id: str, folder: Path) -> Path:
        """Write a sent picture or file into `folder`, as its FileBox would be saved."""
        name, content = self.files[message_id]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{message_id}-{name}"
        path.write_bytes(content)
        return path

    async def send_text(self, conversation_id: str, text: str) -> str:
        """Record a text, unless this attempt is planned to fail."""
        return self._record(conversation_id, text)

    async def send_file(self, conversation_id: str, path: Path) -> str:
        """Record a file by name."""
        return self._record(conversation_id, f"[file {path.name}]")

    def _record(self, conversation_id: str, what: str) -> str:
        self.attempts += 1
        if self.attempts in self.failing_attempts:
            raise ServiceError("Connection lost", connection=True)
        self.sent.append((conversation_id, what))
        return f"sent-{len(self.sent)}"

    def close(self) -> None:
        """Nothing to release."""


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait (in the event loop) until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
