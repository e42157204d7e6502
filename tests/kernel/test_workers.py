"""Several workers on one PostgreSQL: one elected sender, claims finished, due work done once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice
from bot.election import Serve, SessionLock, nudge, serve_elected
from bot.messages import ChatKind, Envelope, PlatformTraits, Reply, Target
from bot.outbox import OutboxWorker
from bot.scheduler import Scheduler
from models import OutboxMessage, OutboxState
from tests.conftest import START, _fresh_postgres
from tests.support.outbox import as_sender, stage_for, taking_back_late
from tests.support.postgres_server import PostgresServer

ROWS = 12
SENDER = "outbox:telegram"
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_server: PostgresServer) -> Iterator[Database]:
    """A migrated PostgreSQL database: SQLite serves one process and has no election."""
    database = Database(_fresh_postgres(postgres_server, "linli_template"))
    yield database
    database.dispose()


def _stage(db: Database, count: int, platform: str = "telegram") -> None:
    office = PostOffice({platform: PlatformTraits(durable=True)})
    envelopes = [
        Envelope(
            Target(platform, f"-{100 + n}", ChatKind.GROUP),
            Reply("deliberation.closed", {"number": n}),
            "zh-Hans",
        )
        for n in range(count)
    ]
    with db.transaction() as session:
        office.prepare(session, envelopes, START, None)


def _all_sent(db: Database) -> bool:
    with db.transaction() as session:
        states = set(session.scalars(select(OutboxMessage.state)))
    return states == {OutboxState.SENT}


def _until(condition: Callable[[], bool]) -> None:
    """Wait for another thread's progress (a step, not a timed assertion)."""
    for _ in range(3000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the other worker made no progress")


class Worker:
    """One `linli run` worker's outbox in a thread of its own, on its own engine."""

    def __init__(self, url: str, send: Callable[[Envelope], object]) -> None:
        self.db = Database(url)
        self.send = send
        self.outbox = OutboxWorker(self.db, VirtualClock(START), "telegram", self._send)
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    async def _send(self, envelope: Envelope) -> str | None:
        await asyncio.to_thread(self.send, envelope)
        return "1"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.outbox.run(self.stop))
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.task)

    def finish(self, *, abruptly: bool = False) -> None:
        """Stop the worker (cancelling a send in flight when `abruptly`) and wait for it."""
        self.loop.call_soon_threadsafe(self.task.cancel if abruptly else self.stop.set)
        self.thread.join()
        self.loop.close()
        self.db.dispose()


def _number(envelope: Envelope) -> int:
    return int(envelope.reply.data["number"])


def _terminate_sender(db: Database) -> None:
    """What kill -9 does to a worker's session: the server ends it, and its locks go."""
    with db.engine.connect() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        connection.commit()
    assert ended == 1


def test_a_second_worker_never_sends_what_the_elected_one_has_in_flight(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stage(pg, ROWS)
    sent: Counter[int] = Counter()
    lock = threading.Lock()
    in_flight, go, second_tried = threading.Event(), threading.Event(), threading.Event()

    def first(envelope: Envelope) -> None:
        in_flight.set()
        go.wait()
        with lock:
            sent[_number(envelope)] += 1

    def second(envelope: Envelope) -> None:
        with lock:
            sent[_number(envelope)] += 1
            if sum(sent.values()) >= ROWS:
                second_tried.set()

    taking = SessionLock.try_take

    def noted(self: SessionLock) -> bool:
        taken = taking(self)
        if not taken:
            second_tried.set()
        return taken

    monkeypatch.setattr(SessionLock, "try_take", noted)
    one = Worker(pg.url, first)
    in_flight.wait()
    two = Worker(pg.url, second)
    second_tried.wait()
    go.set()
    _until(lambda: _all_sent(pg))
    one.finish()
    two.finish()
    assert sent == Counter(range(ROWS))


def test_a_killed_senders_claims_are_finished_by_the_other_worker(pg: Database) -> None:
    _stage(pg, ROWS)
    sent: list[int] = []
    in_flight, release = threading.Event(), threading.Event()

    def hangs(envelope: Envelope) -> None:
        in_flight.set()
        release.wait()

    one = Worker(pg.url, hangs)
    in_flight.wait()
    with pg.transaction() as session:
        claimed = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.claimed_until.is_not(None))
        ).all()
    assert len(claimed) == 1
    two = Worker(pg.url, lambda envelope: sent.append(_number(envelope)))
    _terminate_sender(pg)
    _until(lambda: _all_sent(pg))
    two.finish()
    one.finish(abruptly=True)
    release.set()
    assert sorted(sent) == list(range(ROWS))


def test_the_sender_election_hands_over_when_the_holder_goes(pg: Database) -> None:
    first, second = SessionLock(pg, SENDER), SessionLock(pg, SENDER)
    assert first.try_take() and first.held
    assert not second.try_take() and not second.held
    nudge(pg, SENDER)
    _until(lambda: first.listen(0.01) and first.nudged)
    _terminate_sender(pg)
    _until(lambda: not first.listen(0.01))
    assert not first.held
    assert second.try_take()
    assert not SessionLock(pg, SENDER).try_take()
    second.release()
    third = SessionLock(pg, SENDER)
    assert third.try_take()
    third.release()


def test_serve_elected_runs_one_holder_at_a_time_and_the_next_when_it_stops(
    pg: Database,
) -> None:
    order: list[str] = []

    async def both() -> None:
        stops = {name: asyncio.Event() for name in ("a", "b")}
        serving = {name: asyncio.Event() for name in ("a", "b")}

        def serve(name: str) -> Serve:
            async def run(until: asyncio.Event) -> None:
                order.append(name)
                serving[name].set()
                await until.wait()

            return run

        a = asyncio.create_task(serve_elected(pg, "test", stops["a"], serve("a")))
        await serving["a"].wait()
        b = asyncio.create_task(
            serve_elected(pg, "test", stops["b"], serve("b"), retry_seconds=0.01)
        )
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert order == ["a"]
        stops["a"].set()
        await a
        await serving["b"].wait()
        stops["b"].set()
        await b

    asyncio.run(both())
    assert order == ["a", "b"]


class Jobs:
    """Due work kept as rows (outbox rows of a made-up platform), widening the race on purpose."""

    name = "test-jobs"

    def __init__(self, both_in: threading.Barrier) -> None:
        self.both_in = both_in

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """Never asked here."""
        return None

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Do each pending job: one message each, and mark it done."""
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.platform == "jobs", OutboxMessage.state == OutboxState.PENDING
            )
        ).all()
        # Both ticks meet here when nothing keeps them apart; with the lock, one waits.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.both_in.wait(timeout=2)
        for row in rows:
            row.state = OutboxState.SENT
        target = Target("console", "g1", ChatKind.GROUP)
        return [Envelope(target, Reply("core.start_group"), "zh-Hans") for _ in rows]


def test_two_schedulers_ticking_at_once_do_each_due_job_once(pg: Database) -> None:
    _stage(pg, 5, platform="jobs")
    both_in = threading.Barrier(2)
    done: list[int] = []
    now = START + timedelta(minutes=1)

    def tick() -> None:
        other = Database(pg.url)
        office = PostOffice({"jobs": PlatformTraits(durable=True)})
        done.append(len(Scheduler(other, office, [Jobs(both_in)]).tick(now)))
        other.dispose()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == [0, 5]


def test_a_worker_that_is_not_the_sender_nudges_it_once_for_a_burst_of_replies(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    nudged: list[str] = []
    monkeypatch.setattr("bot.outbox.nudge", lambda db, role: nudged.append(role))
    monkeypatch.setattr("bot.outbox.SENDER_NUDGE_SECONDS", 60.0)

    async def burst() -> None:
        worker = OutboxWorker(pg, VirtualClock(START), "telegram", _never_sent)
        for _ in range(50):
            worker.wake()
            await asyncio.sleep(0)
        await asyncio.sleep(0.1)

    asyncio.run(burst())
    assert nudged == ["outbox:telegram"]


async def _never_sent(envelope: Envelope) -> str:
    raise AssertionError("a worker that is not the sender sends nothing")


def test_a_reply_claimed_for_a_newly_elected_sender_is_sent_once(pg: Database) -> None:
    """A worker just elected takes back the claims an earlier sender left. A reply claimed
    for the new sender is never among them: else a look could claim and send it before
    the worker is handed it, and then it would be sent again."""
    sent: list[int] = []
    taking_back = threading.Event()

    async def send(envelope: Envelope) -> str | None:
        sent.append(_number(envelope))
        return "1"

    envelope = Envelope(
        Target("telegram", "-1", ChatKind.GROUP),
        Reply("deliberation.closed", {"number": 7}),
        "zh-Hans",
    )
    office = PostOffice({"telegram": PlatformTraits(durable=True)})
    clock = VirtualClock(START)

    async def elected() -> None:
        worker = taking_back_late(taking_back)(pg, clock, "telegram", send)
        async with as_sender(worker):
            staged = stage_for(pg, worker, office, [envelope], clock.now())
            taking_back.set()
            # The adapter hands a reply over as soon as it is staged; here a look has
            # every chance to find it first.
            await asyncio.sleep(0.5)
            worker.take(staged, claimed=True)

    asyncio.run(asyncio.wait_for(elected(), 30))
    assert sent == [7]
    assert _all_sent(pg)


def test_replies_handed_to_a_worker_that_lost_the_election_go_out_through_the_sender(
    pg: Database,
) -> None:
    """A worker hands over what it dispatched while it was the sender, and what it
    answered directly, when it has lost the election since: nothing waits for a claim
    to lapse (the clock never moves here)."""
    sent: list[int] = []
    one = Worker(pg.url, lambda envelope: sent.append(_number(envelope)))
    envelopes = [
        Envelope(
            Target("telegram", f"-{n}", ChatKind.GROUP),
            Reply("deliberation.closed", {"number": n}),
            "zh-Hans",
        )
        for n in range(3)
    ]
    office = PostOffice({"telegram": PlatformTraits(durable=True)})
    with pg.transaction() as session:
        claim = timedelta(minutes=5)
        staged = office.prepare(session, envelopes[:2], START, None, claim, platform="telegram")
        answered = office.prepare(
            session, envelopes[2:], START, None, direct=True, platform="telegram"
        )
    assert all(e.outbox_id is not None for e in staged) and answered[0].direct

    async def lost() -> None:
        worker = OutboxWorker(pg, VirtualClock(START), "telegram", _never_sent)
        worker.take(staged + answered, claimed=True)
        while sorted(sent) != [0, 1, 2]:
            await asyncio.sleep(0.01)

    try:
        asyncio.run(asyncio.wait_for(lost(), 30))
        _until(lambda: _all_sent(pg))
    finally:
        one.finish()
    assert sorted(sent) == [0, 1, 2]
