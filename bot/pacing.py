"""Flood limits kept on our side: requests paced so that a platform never has to refuse one."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

# How often a request waiting for an earlier one's answer looks again.
POLL_SECONDS = 0.005
# How much the way back of two round trips may differ (see FloodLimits).
MARGIN_SECONDS = 0.010
# A request that went late lets the next few catch up, this far, rather than pushing
# every later one back (the windows still bound them).
CATCH_UP_SECONDS = 0.1


@dataclass
class _Request:
    """One request counted against the limits: when it was sent and when its answer came."""

    sent: float
    answered: float = math.inf


@dataclass
class FloodLimits:
    """Telegram's limits: `per_second` messages overall, one a second in any chat, and
    `group_per_minute` in a group; a chat told to wait (RetryAfter) waits.

    A request arrives between its sending and its answer. Windows are counted from
    each earlier request's answer less the fastest round trip seen (less `margin`):
    the later request, however fast, spends at least that long on its way there unless
    the ways back of two round trips differ by more than `margin`. So no window ever
    holds one request too many, while a window costs only the round trip's jitter
    rather than a whole round trip. Requests are also spaced evenly rather than sent
    in bursts, though one that went late lets the next few catch up. A bulk message
    (a notice to many groups) gives way while a reply is waiting.
    """

    per_second: int = 30
    chat_seconds: float = 1.0
    group_per_minute: int = 20
    now: Callable[[], float] = time.monotonic
    margin: float = MARGIN_SECONDS
    _fastest: float = math.inf
    _next: float = 0.0
    _recent: deque[_Request] = field(default_factory=deque)
    _chats: dict[str, _Request] = field(default_factory=dict)
    _held: dict[str, float] = field(default_factory=dict)
    _groups: dict[str, deque[_Request]] = field(default_factory=dict)
    _replies_waiting: int = 0

    def wait(self, chat_id: str, group: bool) -> float:
        """Seconds until a message to `chat_id` may go (0 when it may go now)."""
        overall = _window_wait(self._recent, self.per_second, 1.0, self._earlier())
        return max(0.0, self._next - self.now(), overall, self._chat_wait(chat_id, group))

    def _chat_wait(self, chat_id: str, group: bool) -> float:
        """Seconds until `chat_id` itself may be written to, whatever the overall pace."""
        now = self.now()
        last = self._chats.get(chat_id)
        ready = self._held.get(chat_id, 0.0)
        if last is not None:
            ready = max(ready, last.answered + self.chat_seconds - self._lead())
        wait = ready - now
        if group and chat_id in self._groups:
            recent = self._groups[chat_id]
            wait = max(wait, _window_wait(recent, self.group_per_minute, 60.0, self._earlier()))
        return max(0.0, wait)

    def _lead(self) -> float:
        """How long any request surely spends on its way: the fastest round trip less the
        margin (nothing before the first answer)."""
        return 0.0 if self._fastest == math.inf else max(0.0, self._fastest - self.margin)

    def _earlier(self) -> float:
        """Now, moved back by the lead: an earlier request's answer counts from there."""
        return self.now() + self._lead()

    def take(self, chat_id: str, group: bool) -> _Request:
        """Count a message to `chat_id` going out now; mark it answered when it is."""
        now = self.now()
        request = _Request(sent=now)
        self._next = max(self._next, now - CATCH_UP_SECONDS) + 1 / self.per_second
        self._recent.append(request)
        if len(self._recent) > self.per_second:
            self._recent.popleft()
        self._chats[chat_id] = request
        if group:
            recent = self._groups.setdefault(chat_id, deque())
            recent.append(request)
            if len(recent) > self.group_per_minute:
                recent.popleft()
        if len(self._chats) > 10_000:
            self._forget(now)
        return request

    def answered(self, request: _Request) -> None:
        """The request's answer came (whatever it said)."""
        request.answered = self.now()
        self._fastest = min(self._fastest, request.answered - request.sent)

    def hold(self, chat_id: str, seconds: float) -> None:
        """The platform asked us to wait `seconds` before writing to `chat_id` again."""
        self._held[chat_id] = max(self._held.get(chat_id, 0.0), self.now() + seconds)

    @asynccontextmanager
    async def turn(self, chat_id: str, group: bool, bulk: bool = False) -> AsyncIterator[None]:
        """Wait for a message's turn, send it inside, and count it until it is answered."""
        await self._acquire(chat_id, group, bulk)
        request = self.take(chat_id, group)
        try:
            yield
        finally:
            self.answered(request)

    async def _acquire(self, chat_id: str, group: bool, bulk: bool) -> None:
        """Wait until a message to `chat_id` may go; a reply whose chat is free counts as
        waiting, and bulk messages let it go first."""
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
                    return
                await asyncio.sleep(min(delay, 1.0))
        finally:
            if counted:
                self._replies_waiting -= 1

    def _forget(self, now: float) -> None:
        """Drop what no longer limits anything, so that the maps stay small."""
        self._chats = {c: r for c, r in self._chats.items() if r.answered + self.chat_seconds > now}
        self._held = {c: until for c, until in self._held.items() if until > now}
        self._groups = {c: q for c, q in self._groups.items() if q and q[-1].answered + 60.0 > now}


def _window_wait(recent: deque[_Request], count: int, seconds: float, now: float) -> float:
    """Seconds until one more request fits `count` in any `seconds`, counting each earlier
    request from its answer (`now` moved by the lead); while the one that decides is
    unanswered, a moment."""
    if len(recent) < count:
        return 0.0
    decisive = recent[-count]
    if decisive.answered == math.inf:
        return POLL_SECONDS
    return decisive.answered + seconds - now
