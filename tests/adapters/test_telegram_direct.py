"""Answers to commands that only read go out without being stored; anything that writes,
or a send that fails, is stored as before."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from telegram import Update

from bot.adapters.telegram import to_incoming
from bot.messages import Envelope
from bot.outbox import OutboxWorker, PartsSent
from bot.services.community.people import ensure_identity, find_identity
from models import Identity, OutboxMessage, OutboxState, ProcessedUpdate, Resident
from tests.adapters.test_telegram_adapter import Harness, tg
from tests.support.telegram_fakes import Failure, message_update, user

__all__ = ["tg"]
ASKER = user(7001, "王阿姨")
FLOOD = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 7",
    "parameters": {"retry_after": 7},
}


def _known(tg: Harness, who: dict[str, Any]) -> None:
    """A resident the bot knows, who has written to it privately before."""
    with tg.app.db.transaction() as session:
        identity = ensure_identity(
            session, "telegram", str(who["id"]), who["first_name"], tg.app.clock.now()
        )
        identity.private_chat_open = True


def _as_sender(tg: Harness, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Handle one update while the adapter's worker is the platform's sender; what it sent."""
    before = len(tg.request.calls)

    async def serve() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(tg.adapter.worker.run(stop))
        while not tg.adapter.worker.sending:
            await asyncio.sleep(0.01)
        await tg.adapter.handle(Update.de_json(raw, tg.bot))
        while not tg.adapter.worker.settled():
            await asyncio.sleep(0.01)
        stop.set()
        await running

    tg.run(serve)
    return [params for name, params in tg.request.calls[before:] if name == "sendMessage"]


def _count(tg: Harness, model: type[OutboxMessage] | type[ProcessedUpdate]) -> int:
    with tg.app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_known_residents_me_is_answered_and_nothing_is_stored(tg: Harness) -> None:
    _known(tg, ASKER)
    stored = _count(tg, OutboxMessage), _count(tg, ProcessedUpdate)
    sent = _as_sender(tg, message_update(ASKER, "/me"))
    assert [params["chat_id"] for params in sent] == [ASKER["id"]]
    assert "王阿姨" in str(sent[0]["text"])
    assert (_count(tg, OutboxMessage), _count(tg, ProcessedUpdate)) == stored


def _my_direct_me(tg: Harness, watched: list[tuple[Any, str]]) -> tuple[list[Envelope], list[Any]]:
    """A known resident's /me answered the reading way, and what fired of the `watched`
    events (target, name) meanwhile."""
    _known(tg, ASKER)
    update = Update.de_json(message_update(ASKER, "/me"), tg.bot)
    [incoming] = to_incoming(update, tg.bot.id, "")
    fired: list[Any] = []

    def note(target: Any, *_: object) -> None:
        fired.append(target)

    for target, name in watched:
        event.listen(target, name, note)
    try:
        envelopes = tg.app.dispatcher.handle(incoming, None, direct=True)
    finally:
        for target, name in watched:
            event.remove(target, name, note)
    assert [envelope.direct for envelope in envelopes] == [True]
    return envelopes, fired


def test_a_known_residents_me_is_answered_without_a_flush(tg: Harness) -> None:
    """Nothing changed, so nothing is flushed: a flush before each query cost a third of /me."""
    _, flushed = _my_direct_me(tg, [(Session, "before_flush")])
    assert flushed == []


def test_a_known_residents_me_reads_its_sender_as_a_row_not_as_objects(tg: Harness) -> None:
    """Loading the sender's identity and resident as objects cost a third of /me; /me only
    needs their ids, name and household."""
    envelopes, loaded = _my_direct_me(tg, [(Identity, "load"), (Resident, "load")])
    assert envelopes[0].reply.data["name"] == "王阿姨"
    assert loaded == []


@pytest.mark.parametrize("renamed", [False, True])
def test_a_me_that_changes_its_sender_is_handled_the_durable_way(
    tg: Harness, renamed: bool
) -> None:
    """A new name, or a first private message (the chat is now open), is a change: /me is
    then handled like any change, and the change is kept."""
    _known(tg, ASKER)
    if not renamed:
        with tg.app.db.transaction() as session:
            found = find_identity(session, "telegram", str(ASKER["id"]))
            assert found is not None
            found.private_chat_open = False
    updates = _count(tg, ProcessedUpdate)
    sent = _as_sender(
        tg, message_update({**ASKER, "first_name": "王阿姨2"} if renamed else ASKER, "/me")
    )
    assert [params["chat_id"] for params in sent] == [ASKER["id"]]
    assert _count(tg, ProcessedUpdate) == updates + 1
    with tg.app.db.transaction() as session:
        found = find_identity(session, "telegram", str(ASKER["id"]))
        assert found is not None and found.private_chat_open
        assert found.resident.display_name == ("王阿姨2" if renamed else "王阿姨")


def test_a_reading_command_is_answered_while_a_change_is_under_way(tg: Harness) -> None:
    """A change being made does not hold up a /me behind it: on SQLite a read is answered on
    the event loop itself while another connection holds the write lock, on PostgreSQL by
    another dispatch thread while one is held."""
    _known(tg, ASKER)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        held.set()
        release.wait(30)

    def write_and_hold() -> None:
        with tg.app.db.transaction() as session:
            session.connection()
            hold()

    executor = tg.adapter.batches.executor
    if executor is None:
        threading.Thread(target=write_and_hold, daemon=True).start()
    else:
        executor.submit(hold)
    assert held.wait(5)
    try:
        update = Update.de_json(message_update(ASKER, "/me"), tg.bot)
        tg.run(lambda: asyncio.wait_for(tg.adapter.handle(update), timeout=10))
    finally:
        release.set()
    tg.run(tg.adapter.worker.drain)
    sent = [p for p in tg.request.sent() if p["chat_id"] == ASKER["id"]]
    assert len(sent) == 1 and "王阿姨" in str(sent[0]["text"])


def test_a_newcomers_me_writes_so_its_answer_is_stored_like_any_change(tg: Harness) -> None:
    newcomer = user(7002, "李大爷")
    updates = _count(tg, ProcessedUpdate)
    sent = _as_sender(tg, message_update(newcomer, "/me"))
    assert [params["chat_id"] for params in sent] == [newcomer["id"]]
    with tg.app.db.transaction() as session:
        assert find_identity(session, "telegram", "7002") is not None
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == str(newcomer["id"]))
        ).all()
    assert [row.state for row in rows] == [OutboxState.SENT]
    assert _count(tg, ProcessedUpdate) == updates + 1


def test_a_direct_answer_refused_for_now_is_stored_and_sent_once_later(tg: Harness) -> None:
    _known(tg, ASKER)
    tg.request.fail_next("sendMessage", Failure(429, FLOOD))
    assert _as_sender(tg, message_update(ASKER, "/me")) == []
    with tg.app.db.transaction() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == str(ASKER["id"]))
        ).one()
        assert row.state == OutboxState.PENDING
        assert row.not_before == tg.app.clock.now() + timedelta(seconds=7)
    tg.app.clock.set(tg.app.clock.now() + timedelta(seconds=7))  # type: ignore[attr-defined]
    later = OutboxWorker(tg.app.db, tg.app.clock, "telegram", tg.adapter.send)
    assert tg.run(later.drain) == 1
    assert tg.run(later.drain) == 0
    answers = [p for p in tg.request.sent() if p["chat_id"] == ASKER["id"]]
    assert len(answers) == 1 and "王阿姨" in str(answers[0]["text"])


def test_the_parts_a_direct_answer_sent_go_with_the_row_it_is_stored_as() -> None:
    parts = PartsSent()
    parts.record(-3, "55")
    parts.move(-3, 12)
    assert parts.resume(12) == ["55"]
    assert parts.resume(-3) == []
