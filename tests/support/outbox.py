"""An outbox worker driven as an adapter drives it, for tests of its claims."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import Envelope
from bot.outbox import OutboxWorker


@asynccontextmanager
async def as_sender(worker: OutboxWorker) -> AsyncIterator[None]:
    """Run `worker`, entering once it is its platform's sender; on leaving, wait until
    what it was handed has settled, then stop it."""
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        while not worker.sending:
            await asyncio.sleep(0.005)
        yield
        while not worker.settled():
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await running


def stage_for(
    db: Database, worker: OutboxWorker, office: PostOffice, envelopes: list[Envelope], now: datetime
) -> list[Envelope]:
    """Stage replies as the dispatcher does for an adapter: claimed for `worker` to be
    handed when it is the sender."""
    with db.transaction() as session:
        return office.prepare(
            session, envelopes, now, None, worker.hand_claim, platform=worker.platform
        )


def taking_back_late(gate: threading.Event) -> type[OutboxWorker]:
    """A worker that, once elected, takes back earlier claims only when `gate` is set (or
    half a second has passed), so a test can stage a reply while that is under way."""

    class TakingBackLate(OutboxWorker):
        def _release_all(self) -> None:
            gate.wait(0.5)
            super()._release_all()

    return TakingBackLate
