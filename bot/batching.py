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
    With no threads, the events that came in one turn of the event loop are handled on the
    loop itself at the end of that turn, together.

    Under a steady load this spends one commit on many events; an event alone waits for
    nothing. Order between events is the caller's to keep (see ChatQueues).
    """

    def __init__(self, dispatcher: Dispatcher, threads: int) -> None:
        self.dispatcher = dispatcher
        self.threads = threads
        self.executor = (
            ThreadPoolExecutor(threads, thread_name_prefix="linli-dispatch") if threads else None
        )
        self._waiting: list[_Waiting] = []
        self._running = 0
        self._soon = False

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
        if self.executor is None:
            if self._waiting and not self._soon:
                self._soon = True
                loop.call_soon(self._handle_here)
            return
        while self._waiting and self._running < self.threads:
            batch = self._next()
            self._running += 1
            running = loop.run_in_executor(
                self.executor, self.dispatcher.handle_batch, _work(batch)
            )
            running.add_done_callback(partial(self._done, batch))

    def _next(self) -> list[_Waiting]:
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        return batch

    def _handle_here(self) -> None:
        """Handle every waiting event on the loop, a batch at a time."""
        self._soon = False
        while self._waiting:
            batch = self._next()
            handled: asyncio.Future[list[list[Envelope]]] = asyncio.Future()
            try:
                handled.set_result(self.dispatcher.handle_batch(_work(batch)))
            except Exception as error:
                handled.set_exception(error)
            self._answer(batch, handled)

    def _done(self, batch: list[_Waiting], running: asyncio.Future[list[list[Envelope]]]) -> None:
        self._running -= 1
        self._answer(batch, running)
        self._start()

    @staticmethod
    def _answer(batch: list[_Waiting], handled: asyncio.Future[list[list[Envelope]]]) -> None:
        """Give each waiting event its envelopes, or the batch's failure."""
        error = None if handled.cancelled() else handled.exception()
        for position, waiting in enumerate(batch):
            if waiting.answered.done():
                continue
            if handled.cancelled():
                waiting.answered.cancel()
            elif error is not None:
                waiting.answered.set_exception(error)
            else:
                waiting.answered.set_result(handled.result()[position])


def _work(batch: list[_Waiting]) -> list[tuple[Incoming, timedelta | None, bool]]:
    return [(w.incoming, w.claim, w.direct) for w in batch]
