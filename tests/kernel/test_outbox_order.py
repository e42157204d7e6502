"""Each chat's replies go out in the order they were staged, also when a worker has just
become its platform's sender and replies are handed to it while it looks for older ones."""

from __future__ import annotations

import asyncio
import threading

from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope, PlatformTraits, Reply, Target
from bot.outbox import OutboxWorker
from tests.conftest import START
from tests.support.outbox import stage_for

OFFICE = PostOffice({"telegram": PlatformTraits(durable=True)})


def _envelope(chat: str, number: int) -> Envelope:
    return Envelope(
        Target("telegram", chat, ChatKind.GROUP),
        Reply("deliberation.closed", {"number": number}),
        "zh-Hans",
    )


def _first_look_waits(looking: threading.Event, go: threading.Event) -> type[OutboxWorker]:
    """A worker whose first look for due rows, once it is the sender, starts only when `go`
    is set; `looking` is set when it is about to start."""

    class FirstLookWaits(OutboxWorker):
        def _due(
            self, busy: set[str], free: int
        ) -> tuple[list[tuple[int, Envelope]], set[str], float]:
            if not looking.is_set():
                looking.set()
                go.wait(10)
            return super()._due(busy, free)

    return FirstLookWaits


def _sent_when_elected(
    db: Database, backlog: list[Envelope], handed: list[Envelope], concurrency: int = 1
) -> list[tuple[str, int]]:
    """Stage `backlog` before the worker is the sender, hand it `handed` (staged claimed for
    it) while its first look as the sender is under way; what went out, in order."""
    clock = VirtualClock(START)
    with db.transaction() as session:
        OFFICE.prepare(session, backlog, clock.now(), None)
    sent: list[tuple[str, int]] = []
    looking, go = threading.Event(), threading.Event()

    async def send(envelope: Envelope) -> str | None:
        sent.append((envelope.target.chat_id, int(envelope.reply.data["number"])))
        return "1"

    async def elected() -> None:
        worker = _first_look_waits(looking, go)(
            db, clock, "telegram", send, concurrency=concurrency
        )
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        await asyncio.to_thread(looking.wait, 10)
        assert worker.sending
        worker.take(stage_for(db, worker, OFFICE, handed, clock.now()), claimed=True)
        go.set()
        while len(sent) < len(backlog) + len(handed):
            await asyncio.sleep(0.01)
        stop.set()
        await running

    asyncio.run(asyncio.wait_for(elected(), 30))
    return sent


def test_a_reply_handed_during_the_first_look_goes_after_the_older_one_it_finds(
    db: Database,
) -> None:
    """The flaky WeChat test: a reply staged before the worker became the sender, and one
    handed to it while its first look was finding that one, to the same chat."""
    sent = _sent_when_elected(db, [_envelope("-1", 0)], [_envelope("-1", 1)])
    assert sent == [("-1", 0), ("-1", 1)]


def test_a_reply_handed_waits_for_older_ones_a_first_look_has_not_reached(db: Database) -> None:
    """One message in flight at a time: the first look claims one older reply (another
    chat's), and the handed reply waits until its own chat's older one is found and sent."""
    sent = _sent_when_elected(
        db, [_envelope("-2", 0), _envelope("-1", 1)], [_envelope("-1", 2)], concurrency=1
    )
    assert [number for chat, number in sent if chat == "-1"] == [1, 2]
    assert sorted(sent) == [("-1", 1), ("-1", 2), ("-2", 0)]


def test_a_reply_dispatched_before_the_election_goes_before_one_handed_after_it(
    db: Database,
) -> None:
    """A dispatch begun before the worker became the sender stages its reply for a look to
    find, and may end only after the worker's first look: a reply handed next to the same
    chat waits until a look has found the earlier one."""
    clock = VirtualClock(START)
    sent: list[int] = []
    looked = threading.Event()

    class FirstLookNoted(OutboxWorker):
        def _due(
            self, busy: set[str], free: int
        ) -> tuple[list[tuple[int, Envelope]], set[str], float]:
            try:
                return super()._due(busy, free)
            finally:
                looked.set()

    async def send(envelope: Envelope) -> str | None:
        sent.append(int(envelope.reply.data["number"]))
        return "1"

    async def elected() -> None:
        worker = FirstLookNoted(db, clock, "telegram", send)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        await asyncio.to_thread(looked.wait, 10)
        with db.transaction() as session:
            early = OFFICE.prepare(session, [_envelope("-1", 0)], clock.now(), None)
        worker.take(early, claimed=False)
        worker.take(stage_for(db, worker, OFFICE, [_envelope("-1", 1)], clock.now()), claimed=True)
        while len(sent) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await running

    asyncio.run(asyncio.wait_for(elected(), 30))
    assert sent == [0, 1]
