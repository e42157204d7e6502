"""Flood limits kept on our side: requests spaced so that a platform never has to refuse one."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FloodLimits:
    """Telegram's limits: `per_second` messages overall, one a second in any chat, and
    `group_per_minute` in a group; a chat told to wait (RetryAfter) waits.

    Messages overall are spaced evenly rather than sent in bursts, and every gap is
    `slack` longer than the limit, so that network jitter never makes two requests
    arrive closer than the platform allows. A bulk message (a notice to many groups)
    gives way while a reply is waiting.
    """

    per_second: float = 30.0
    chat_seconds: float = 1.0
    group_per_minute: int = 20
    slack: float = 0.03
    now: Callable[[], float] = time.monotonic
    _next: float = 0.0
    _chats: dict[str, float] = field(default_factory=dict)
    _groups: dict[str, deque[float]] = field(default_factory=dict)
    _replies_waiting: int = 0

    def wait(self, chat_id: str, group: bool) -> float:
        """Seconds until a message to `chat_id` may go (0 when it may go now)."""
        return max(0.0, self._next - self.now(), self._chat_wait(chat_id, group))

    def _chat_wait(self, chat_id: str, group: bool) -> float:
        """Seconds until `chat_id` itself may be written to, whatever the overall pace."""
        now = self.now()
        ready = self._chats.get(chat_id, 0.0)
        recent = self._groups.get(chat_id)
        if group and recent:
            window = 60.0 * (1 + self.slack)
            while recent and recent[0] <= now - window:
                recent.popleft()
            if len(recent) >= self.group_per_minute:
                ready = max(ready, recent[-self.group_per_minute] + window)
        return max(0.0, ready - now)

    def take(self, chat_id: str, group: bool) -> None:
        """Count a message to `chat_id` going out now."""
        now = self.now()
        stretch = 1 + self.slack
        self._next = max(self._next, now) + stretch / self.per_second
        self._chats[chat_id] = now + self.chat_seconds * stretch
        if group:
            self._groups.setdefault(chat_id, deque()).append(now)
        if len(self._chats) > 10_000:
            self._chats = {chat: at for chat, at in self._chats.items() if at > now}
            self._groups = {chat: times for chat, times in self._groups.items() if times}

    def hold(self, chat_id: str, seconds: float) -> None:
        """The platform asked us to wait `seconds` before writing to `chat_id` again."""
        until = self.now() + seconds
        self._chats[chat_id] = max(self._chats.get(chat_id, 0.0), until)

    async def acquire(self, chat_id: str, group: bool, bulk: bool = False) -> None:
        """Wait until a message to `chat_id` may go, then count it.

        A reply whose chat is free counts as waiting, and bulk messages let it go first.
        """
        counted = False
        try:
            while True:
                delay = self.wait(chat_id, group)
                if not bulk and not counted and self._chat_wait(chat_id, group) == 0:
                    counted = True
                    self._replies_waiting += 1
                if bulk and self._replies_waiting and delay == 0:
                    delay = 1 / self.per_second
                if delay <= 0:
                    self.take(chat_id, group)
                    return
                await asyncio.sleep(delay)
        finally:
            if counted:
                self._replies_waiting -= 1
