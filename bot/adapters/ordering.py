"""Work for one chat in the order it came, while different chats proceed at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class ChatQueues:
    """Starts each chat's work once the work submitted before it for that chat is done."""

    def __init__(self) -> None:
        self._last: dict[str, asyncio.Task[None]] = {}

    def submit(self, chat: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run `work` after the chat's earlier work (its failure included); its task."""
        before = self._last.get(chat)
        task = asyncio.create_task(_after(before, work))
        self._last[chat] = task
        task.add_done_callback(lambda done: self._forget(chat, done))
        return task

    def _forget(self, chat: str, task: asyncio.Task[None]) -> None:
        if self._last.get(chat) is task:
            del self._last[chat]


async def _after(before: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]) -> None:
    if before is not None:
        await asyncio.wait({before})
    await work()
