"""Claims on outbox rows: two workers on one database never send a message twice."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice, Sent
from bot.messages import ChatKind, Envelope, PlatformTraits, Reply, Target
from bot.outbox import OutboxWorker
from bot.services.community.people import ensure_identity
from models import OutboxMessage, OutboxState
from tests.conftest import START
from tests.support.outbox import as_sender, stage_for, taking_back_late
from tests.support.queries import captured

OFFICE = PostOffice({"telegram": PlatformTraits(durable=True)})
ROWS = 100


class SlowSender:
    """Records every number it sends, taking a moment over each, as a network would."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.lock = threading.Lock()

    async def __call__(self, envelope: Envelope) -> str | None:
        await asyncio.sleep(0.002)
        with self.lock:
            self.sent.append(int(envelope.reply.data["number"]))
        return "1"


def _stage(db: Database, clock: VirtualClock, count: int) -> None:
    _stage_in(db, clock, [f"-{100 + n % 7}" for n in range(count)])


def _states(db: Database) -> Counter[OutboxState]:
    with db.transaction() as session:
        return Counter(session.scalars(select(OutboxMessage.state)))


def test_two_workers_racing_on_one_database_send_each_message_once(db: Database) -> None:
    clock = VirtualClock(START)
    _stage(db, clock, ROWS)
    sender = SlowSender()
    other = Database(db.url)
    workers = [
        OutboxWorker(db, clock, "telegram", sender, batch=10),
        OutboxWorker(other, clock, "telegram", sender, batch=10),
    ]
    start = threading.Barrier(len(workers))

    def work(worker: OutboxWorker) -> None:
        start.wait()
        asyncio.run(worker.drain())

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert sorted(sender.sent) == list(range(ROWS))
    assert _states(db) == Counter({OutboxState.SENT: ROWS})


def test_a_claim_left_by_a_dead_process_lapses_and_the_message_goes_out(db: Database) -> None:
    clock = VirtualClock(START)
    _stage(db, clock, 2)
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id
                == select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1).scalar_subquery()
            )
            .values(claimed_until=clock.now() + timedelta(seconds=300))
        )
    sender = SlowSender()
    worker = OutboxWorker(db, clock, "telegram", sender)
    assert asyncio.run(worker.drain()) == 1
    assert sender.sent == [1]
    clock.set(clock.now() + timedelta(seconds=300))
    assert asyncio.run(worker.drain()) == 1
    assert sender.sent == [1, 0]
    assert _states(db) == Counter({OutboxState.SENT: 2})


def test_a_send_cut_short_by_a_stop_releases_its_claim(db: Database) -> None:
    clock = VirtualClock(START)
    _stage(db, clock, 1)

    async def stop_mid_send() -> None:
        started = asyncio.Event()

        async def never_answers(envelope: Envelope) -> str | None:
            with db.transaction() as session:
                assert session.scalars(select(OutboxMessage.claimed_until)).one() is not None
            started.set()
            await asyncio.Event().wait()
            return None

        worker = OutboxWorker(db, clock, "telegram", never_answers)
        sending = asyncio.create_task(worker.drain())
        await started.wait()
        sending.cancel()
        await asyncio.wait({sending})

    asyncio.run(stop_mid_send())
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.state == OutboxState.PENDING and row.claimed_until is None
    sender = SlowSender()
    assert asyncio.run(OutboxWorker(db, clock, "telegram", sender).drain()) == 1
    assert sender.sent == [0]


def test_messages_still_in_hand_when_a_sender_stops_are_left_for_the_next(db: Database) -> None:
    """A stop (or a lost election) cuts one send short: the messages handed after it
    are released, and a direct answer is stored, for whoever sends next."""
    clock = VirtualClock(START)
    envelopes = [
        Envelope(
            Target("telegram", "-1", ChatKind.GROUP),
            Reply("deliberation.closed", {"number": n}),
            "zh-Hans",
        )
        for n in range(3)
    ]
    with db.transaction() as session:
        now, hour = clock.now(), timedelta(hours=1)
        staged = OFFICE.prepare(session, envelopes[:2], now, None, hour, platform="telegram")
        answered = OFFICE.prepare(
            session, envelopes[2:], now, None, direct=True, platform="telegram"
        )

    async def stop_with_two_in_hand() -> None:
        started = asyncio.Event()

        async def never_answers(envelope: Envelope) -> str | None:
            started.set()
            await asyncio.Event().wait()
            return None

        worker = OutboxWorker(db, clock, "telegram", never_answers)
        running = asyncio.create_task(worker.run(asyncio.Event()))
        worker.take(staged + answered, claimed=True)
        await started.wait()
        running.cancel()
        await asyncio.wait({running})

    asyncio.run(stop_with_two_in_hand())
    with db.transaction() as session:
        claims = session.scalars(select(OutboxMessage.claimed_until)).all()
    assert claims == [None, None, None]
    sender = SlowSender()
    assert asyncio.run(OutboxWorker(db, clock, "telegram", sender).drain()) == 3
    assert sender.sent == [0, 1, 2]


def _stage_in(db: Database, clock: VirtualClock, chats: list[str], later: bool = False) -> None:
    """One row for each chat named (a chat named twice gets two), due now or in an hour."""
    envelopes = [
        Envelope(
            Target("telegram", chat, ChatKind.GROUP),
            Reply("deliberation.closed", {"number": n}),
            "zh-Hans",
        )
        for n, chat in enumerate(chats)
    ]
    with db.transaction() as session:
        OFFICE.prepare(session, envelopes, clock.now() + timedelta(hours=int(later)), None)


def test_a_look_that_finds_nothing_due_takes_no_write_lock(db: Database) -> None:
    clock = VirtualClock(START)
    _stage_in(db, clock, ["-1", "-2"], later=True)
    worker = OutboxWorker(db, clock, "telegram", SlowSender())
    with captured(db.engine) as statements:
        assert worker._due(set(), 4) == ([], set(), math.inf)
    assert statements
    assert not [s for s in statements if "FOR UPDATE" in s or s.startswith("BEGIN IMMEDIATE")]


def test_a_look_names_only_the_chats_left_with_due_messages(db: Database) -> None:
    """A chat whose message is in flight (or queued) is looked at again when its message
    settles; no other chat is. A free chat's due messages are claimed together, in order."""
    clock = VirtualClock(START)
    _stage_in(db, clock, ["-1", "-2", "-1", "-3"])
    worker = OutboxWorker(db, clock, "telegram", SlowSender())
    ready, waiting, _ = worker._due({"-3", "-4"}, 10)
    assert [(e.target.chat_id, e.reply.data["number"]) for _, e in ready] == [
        ("-1", 0),
        ("-2", 1),
        ("-1", 2),
    ]
    assert waiting == {"-3"}


def test_a_look_claims_messages_in_one_statement_that_loads_no_row(db: Database) -> None:
    """The elected sender claims every other worker's replies: one UPDATE ... RETURNING, no
    row loaded into the session, each claimed row held by the sender from then on."""
    clock = VirtualClock(START)
    _stage_in(db, clock, ["-1", "-2", "-1", "-3", "-4"])
    worker = OutboxWorker(db, clock, "telegram", SlowSender())
    loaded: list[object] = []

    def note(target: object, *_: object) -> None:
        loaded.append(target)

    event.listen(OutboxMessage, "load", note)
    try:
        with captured(db.engine) as statements:
            ready, _, _ = worker._due(set(), 4)
    finally:
        event.remove(OutboxMessage, "load", note)
    assert [e.reply.data["number"] for _, e in ready] == [0, 1, 2, 3]
    assert not loaded
    writes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "BEGIN"))]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    with db.transaction() as session:
        claims = session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.claimed_until).order_by(OutboxMessage.id)
        ).all()
    assert [(chat, until is not None) for chat, until in claims] == [
        ("-1", True),
        ("-2", True),
        ("-1", True),
        ("-3", True),
        ("-4", False),
    ]


def test_a_reply_to_another_platform_is_left_to_that_platforms_worker(db: Database) -> None:
    """A Telegram event may answer into a WeChat room of the same circle: that row is not
    claimed for, nor handed to, the Telegram worker, which could not send it."""
    clock = VirtualClock(START)
    office = PostOffice(
        {"telegram": PlatformTraits(durable=True), "wechat": PlatformTraits(durable=True)}
    )
    envelopes = [
        Envelope(
            Target(platform, chat, ChatKind.GROUP),
            Reply("deliberation.closed", {"number": n}),
            "zh-Hans",
        )
        for n, (platform, chat) in enumerate([("telegram", "-1"), ("wechat", "room@chatroom")])
    ]
    telegram, wechat = SlowSender(), SlowSender()

    async def stage_take_and_send() -> None:
        worker = OutboxWorker(db, clock, "telegram", telegram)
        async with as_sender(worker):
            staged = stage_for(db, worker, office, envelopes, clock.now())
            with db.transaction() as session:
                query = select(OutboxMessage.platform, OutboxMessage.claimed_until)
                claims = {platform: until for platform, until in session.execute(query)}
            assert claims["telegram"] is not None and claims["wechat"] is None
            worker.take(staged, claimed=True)

    asyncio.run(stage_take_and_send())
    assert telegram.sent == [0]
    assert asyncio.run(OutboxWorker(db, clock, "wechat", wechat).drain()) == 1
    assert wechat.sent == [1]


def test_a_reply_handed_while_a_look_is_sending_it_goes_once(db: Database) -> None:
    """On SQLite the one worker sends from the start, and at start it takes back the
    claims a crashed run left: a reply claimed for it at that moment may be found by a
    look and be on its way when it is handed. It is not sent a second time."""
    clock = VirtualClock(START)
    taking_back, on_its_way = threading.Event(), asyncio.Event()
    sent: list[int] = []

    async def send(envelope: Envelope) -> str | None:
        on_its_way.set()
        await asyncio.sleep(0.2)
        sent.append(int(envelope.reply.data["number"]))
        return "1"

    envelope = Envelope(
        Target("telegram", "-1", ChatKind.GROUP),
        Reply("deliberation.closed", {"number": 3}),
        "zh-Hans",
    )

    async def start() -> None:
        worker = taking_back_late(taking_back)(db, clock, "telegram", send)
        async with as_sender(worker):
            staged = stage_for(db, worker, OFFICE, [envelope], clock.now())
            taking_back.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(on_its_way.wait(), 0.5)
            worker.take(staged, claimed=True)

    asyncio.run(asyncio.wait_for(start(), 30))
    assert sent == [3]


def test_staged_rows_go_in_outside_the_unit_of_work(db: Database) -> None:
    """A notice stages a row per chat: plain INSERTs, no flush of the unit of work (three
    times the cost of the INSERT), and each envelope knows its own row."""
    clock = VirtualClock(START)
    envelopes = [
        Envelope(Target("telegram", chat, ChatKind.GROUP), Reply("notices.notice", {}), "zh-Hans")
        for chat in ["-7", "-3", "-5"]
    ]
    flushed: list[Session] = []

    def note(session: Session, *_: object) -> None:
        flushed.append(session)

    event.listen(Session, "before_flush", note)
    try:
        with db.transaction() as session:
            kept = OFFICE.prepare(session, envelopes, clock.now(), None)
    finally:
        event.remove(Session, "before_flush", note)
    assert flushed == []
    with db.transaction() as session:
        chats = {row.id: row.chat_id for row in session.scalars(select(OutboxMessage))}
    assert [chats[envelope.outbox_id or 0] for envelope in kept] == ["-7", "-3", "-5"]


def test_marking_sent_reads_no_row_and_forgets_what_was_said(db: Database) -> None:
    """The sender marks every worker's replies: two statements for a batch, none reading a
    row. Each row keeps its ids and state; a private one to someone unknown goes entirely."""
    clock = VirtualClock(START)
    with db.transaction() as session:
        ensure_identity(session, "telegram", "555", "王阿姨", clock.now())
    office = PostOffice({"telegram": PlatformTraits(durable=True, private_always_open=True)})
    targets = [("-1", ChatKind.GROUP), ("555", ChatKind.PRIVATE), ("777", ChatKind.PRIVATE)]
    envelopes = [
        Envelope(Target("telegram", chat, kind), Reply("core.help", {"name": "王"}), "zh-Hans")
        for chat, kind in targets
    ]
    with db.transaction() as session:
        staged = office.prepare(session, envelopes, clock.now(), None)
        ids = [envelope.outbox_id or 0 for envelope in staged]
    assert len(ids) == 3
    worker = OutboxWorker(db, clock, "telegram", SlowSender())
    sent = [
        Sent(row, f"m{n}", kind == ChatKind.PRIVATE)
        for n, (row, (_, kind)) in enumerate(zip(ids, targets, strict=True))
    ]
    with captured(db.engine) as statements:
        worker._mark_sent(sent)
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    with db.transaction() as session:
        rows = {row.id: row for row in session.scalars(select(OutboxMessage))}
        kept = [
            (r.chat_id, r.state, r.sent_message_id, r.attempts, r.data, r.choices)
            for r in (rows[i] for i in ids if i in rows)
        ]
    assert kept == [
        ("-1", OutboxState.SENT, "m0", 1, {}, []),
        ("555", OutboxState.SENT, "m1", 1, {}, []),
    ]


def test_marking_replies_to_groups_alone_costs_one_statement(db: Database) -> None:
    """Only a batch with a private reply asks whether its person is still known."""
    clock = VirtualClock(START)
    office = PostOffice({"telegram": PlatformTraits(durable=True)})
    envelopes = [
        Envelope(Target("telegram", chat, ChatKind.GROUP), Reply("core.help", {}), "zh-Hans")
        for chat in ("-1", "-2")
    ]
    with db.transaction() as session:
        ids = [e.outbox_id or 0 for e in office.prepare(session, envelopes, clock.now(), None)]
    worker = OutboxWorker(db, clock, "telegram", SlowSender())
    with captured(db.engine) as statements:
        worker._mark_sent([Sent(row, "m", False) for row in ids])
    assert [s.split()[0].upper() for s in statements if "outbox" in s] == ["UPDATE"]
    with db.transaction() as session:
        states = session.scalars(select(OutboxMessage.state).order_by(OutboxMessage.id)).all()
    assert states == [OutboxState.SENT, OutboxState.SENT]


def test_marking_many_replies_sent_runs_sixteen_a_statement_each_committing_as_it_runs(
    db: Database,
) -> None:
    """Each row keeps its own message id. On PostgreSQL the UPDATEs run in autocommit: a
    transaction of its own would cost two more round trips (BEGIN and COMMIT) than each."""
    clock = VirtualClock(START)
    office = PostOffice({"telegram": PlatformTraits(durable=True)})
    envelopes = [
        Envelope(Target("telegram", f"-{n}", ChatKind.GROUP), Reply("core.help", {}), "zh-Hans")
        for n in range(20)
    ]
    with db.transaction() as session:
        ids = [e.outbox_id or 0 for e in office.prepare(session, envelopes, clock.now(), None)]
    runs: list[tuple[bool, bool]] = []

    def note(_c: object, cursor: Any, statement: str, _p: object, _x: object, many: bool) -> None:
        if statement.startswith("UPDATE outbox"):
            autocommit = bool(getattr(cursor.connection, "autocommit", False))
            runs.append((many, autocommit))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        OutboxWorker(db, clock, "telegram", SlowSender())._mark_sent(
            [Sent(row, f"m{row}", False) for row in ids]
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    postgres = db.engine.dialect.name == "postgresql"
    assert runs == [(False, postgres), (False, postgres)]
    with db.transaction() as session:
        marked = session.execute(select(OutboxMessage.id, OutboxMessage.sent_message_id)).all()
    assert sorted(marked) == [(row, f"m{row}") for row in sorted(ids)]
