"""Work for one chat in the order it came, while different chats proceed at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class ChatQueues:
    """Starts each chat's work once the work submitted before it for that chat is done."""

    def __init__(self) -> None:
        self._last: dict[str, asyncio.Task[None]] = {}

    def submit(
        self, chat: str, work: Callable[[], Awaitable[None]], *also: str
    ) -> asyncio.Task[None]:
        """Run `work` after the earlier work of the chat and of the chats `also` names
        (failures included), and before their later work; its task."""
        chats = {chat, *also}
        before = {task for name in chats if (task := self._last.get(name)) is not None}
        task = asyncio.create_task(_after(before, work))
        for name in chats:
            self._last[name] = task
        task.add_done_callback(lambda done: self._forget(chats, done))
        return task

    def _forget(self, chats: set[str], task: asyncio.Task[None]) -> None:
        for chat in chats:
            if self._last.get(chat) is task:
                del self._last[chat]


async def _after(before: set[asyncio.Task[None]], work: Callable[[], Awaitable[None]]) -> None:
    if before:
        await asyncio.wait(before)
    await work()
