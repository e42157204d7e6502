"""Events that arrive while the dispatch threads are busy are handled together, one commit."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bot.dispatcher import Dispatcher
from bot.messages import Envelope, Incoming

# Events in one transaction at most: should one fail, all are handled again one by one.
MAX_BATCH = 16


@dataclass(frozen=True)
class _Waiting:
    incoming: Incoming
    claim: timedelta | None
    direct: bool
    answered: asyncio.Future[list[Envelope]]


class Batches:
    """Hands events to the dispatcher on `threads` threads. An event that finds a thread
    free starts at once; those that come while all are busy wait, and the next thread free
    takes them all (up to MAX_BATCH) into one transaction (see Dispatcher.handle_batch).

    Under a steady load this spends one commit on many events; an event alone waits for
    nothing. Order between events is the caller's to keep (see ChatQueues).
    """

    def __init__(self, dispatcher: Dispatcher, threads: int) -> None:
        self.dispatcher = dispatcher
        self.threads = threads
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="linli-dispatch")
        self._waiting: list[_Waiting] = []
        self._running = 0

    async def handle(
        self, incoming: Incoming, claim: timedelta | None, direct: bool
    ) -> list[Envelope]:
        """The event's envelopes, once it is handled (see Dispatcher.handle)."""
        answered: asyncio.Future[list[Envelope]] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(incoming, claim, direct, answered))
        self._start()
        return await answered

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting and self._running < self.threads:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self._running += 1
            work = [(w.incoming, w.claim, w.direct) for w in batch]
            running = loop.run_in_executor(self.executor, self.dispatcher.handle_batch, work)
            running.add_done_callback(partial(self._done, batch))

    def _done(self, batch: list[_Waiting], running: asyncio.Future[list[list[Envelope]]]) -> None:
        self._running -= 1
        error = None if running.cancelled() else running.exception()
        for position, waiting in enumerate(batch):
            if waiting.answered.done():
                continue
            if running.cancelled():
                waiting.answered.cancel()
            elif error is not None:
                waiting.answered.set_exception(error)
            else:
                waiting.answered.set_result(running.result()[position])
        self._start()
