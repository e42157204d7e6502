"""Editing sent messages through the outbox: merged edits, flood waits, unreachable chats."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope, PlatformTraits, Reply, Target
from bot.outbox import OutboxWorker, RetryLater
from bot.services.community.people import ensure_identity
from models import OutboxMessage, OutboxState
from tests.conftest import START

GROUP = Target("telegram", "-1001", ChatKind.GROUP)
OFFICE = PostOffice(
    {
        "telegram": PlatformTraits(durable=True),
        "wechat": PlatformTraits(
            buttons=False, durable=True, private_always_open=True, edits=False
        ),
        "console": PlatformTraits(private_always_open=True),
    }
)


class FakeSender:
    """Records what it sends; answers each send with the next message id, or a flood wait."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []
        self.flood = 0

    async def __call__(self, envelope: Envelope) -> str | None:
        if self.flood:
            self.flood -= 1
            raise RetryLater(30, "flood control")
        self.sent.append(envelope)
        return str(100 + len(self.sent))


def _stage(db: Database, clock: VirtualClock, envelope: Envelope) -> list[Envelope]:
    with db.transaction() as session:
        return OFFICE.prepare(session, [envelope], clock.now(), None)


def _message(count: int, edit: bool = False) -> Envelope:
    reply = Reply("deliberation.closed", {"number": count})
    return Envelope(GROUP, reply, "zh-Hans", key="poll:1", edit=edit)


def _drain(db: Database, clock: VirtualClock, sender: FakeSender) -> int:
    worker = OutboxWorker(db, clock, "telegram", sender)
    return asyncio.run(worker.drain())


def _states(db: Database) -> list[tuple[bool, OutboxState, str | None]]:
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.edit, row.state, row.sent_message_id) for row in rows]


def test_an_edit_goes_to_the_message_its_key_names(db: Database) -> None:
    clock = VirtualClock(START)
    sender = FakeSender()
    _stage(db, clock, _message(0))
    assert _drain(db, clock, sender) == 1
    _stage(db, clock, _message(1, edit=True))
    assert _drain(db, clock, sender) == 1
    original, edit = sender.sent
    assert not original.edit and original.key == "poll:1" and original.message_id is None
    assert edit.edit and edit.message_id == "101" and edit.reply.data == {"number": 1}


def test_only_the_newest_pending_edit_of_a_message_is_sent(db: Database) -> None:
    clock = VirtualClock(START)
    sender = FakeSender()
    _stage(db, clock, _message(0))
    _drain(db, clock, sender)
    for count in (1, 2, 3):
        _stage(db, clock, _message(count, edit=True))
    _drain(db, clock, sender)
    assert [e.reply.data["number"] for e in sender.sent] == [0, 3]
    assert _states(db) == [(False, OutboxState.SENT, "101"), (True, OutboxState.SENT, "102")]


def test_a_flood_wait_delays_the_final_state_but_never_loses_it(db: Database) -> None:
    clock = VirtualClock(START)
    sender = FakeSender()
    _stage(db, clock, _message(0))
    _drain(db, clock, sender)
    _stage(db, clock, _message(1, edit=True))
    sender.flood = 1
    _drain(db, clock, sender)
    _stage(db, clock, _message(2, edit=True))
    assert _drain(db, clock, sender) == 0
    clock.set(clock.now() + timedelta(seconds=31))
    assert _drain(db, clock, sender) == 1
    assert [e.reply.data["number"] for e in sender.sent] == [0, 2]


def test_an_edit_waits_for_its_original_and_fails_without_one(db: Database) -> None:
    clock = VirtualClock(START)
    sender = FakeSender()
    _stage(db, clock, _message(0))
    sender.flood = 1
    _drain(db, clock, sender)
    _stage(db, clock, _message(1, edit=True))
    assert _drain(db, clock, sender) == 0
    clock.set(clock.now() + timedelta(seconds=31))
    _drain(db, clock, sender)
    _drain(db, clock, sender)
    assert [(e.edit, e.reply.data["number"]) for e in sender.sent] == [(False, 0), (True, 1)]
    orphan = Envelope(Target("telegram", "-1002", ChatKind.GROUP), Reply("core.help"), "en")
    orphan.key, orphan.edit = "poll:9", True
    _stage(db, clock, orphan)
    _drain(db, clock, sender)
    assert _states(db)[-1] == (True, OutboxState.FAILED, None)


def test_the_post_office_drops_what_a_platform_cannot_deliver(db: Database) -> None:
    clock = VirtualClock(START)
    with db.transaction() as session:
        ensure_identity(session, "telegram", "42", "新人", START)
        opened = ensure_identity(session, "telegram", "43", "老人", START)
        opened.private_chat_open = True
    reply = Reply("core.help", {"keys": [], "group": False})
    envelopes = [
        Envelope(Target("wechat", "room@chatroom", ChatKind.GROUP), reply, "en", edit=True),
        Envelope(Target("telegram", "42", ChatKind.PRIVATE), reply, "en"),
        Envelope(Target("telegram", "43", ChatKind.PRIVATE), reply, "en"),
        Envelope(Target("telegram", "44", ChatKind.PRIVATE), reply, "en"),
        Envelope(Target("console", "u1", ChatKind.PRIVATE), reply, "en"),
        Envelope(Target("wechat", "room@chatroom", ChatKind.GROUP), reply, "en"),
    ]
    with db.transaction() as session:
        kept = OFFICE.prepare(session, envelopes, clock.now(), None)
    assert [(e.target.platform, e.target.chat_id) for e in kept] == [
        ("telegram", "43"),
        ("console", "u1"),
        ("wechat", "room@chatroom"),
    ]
