"""The hot path: updates handled at once but each chat's in order; replies handed to the
outbox stay durable; nothing a command reads is remembered past the change of it."""

from __future__ import annotations

import asyncio
import re
from functools import partial

from sqlalchemy import select
from telegram import Update

from bot.adapters.ordering import ChatQueues
from bot.outbox import OutboxWorker
from bot.services.community import circles, roles
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import OutboxMessage, OutboxState
from tests.adapters.test_telegram_adapter import GROUP, OWNER, Harness, tg
from tests.support.telegram_fakes import group, message_update, service_update, user

__all__ = ["tg"]


def test_one_chats_work_waits_its_turn_while_another_chat_goes_ahead() -> None:
    async def scenario() -> list[str]:
        queues, done = ChatQueues(), []
        gate = asyncio.Event()

        async def work(name: str, wait: bool) -> None:
            if wait:
                await gate.wait()
            for _ in range(len(name)):
                await asyncio.sleep(0)
            done.append(name)

        first = [queues.submit("a", lambda: work("a1", True))]
        rest = [
            queues.submit("a", partial(work, f"a{n}" + "x" * (5 - n), False)) for n in (2, 3, 4)
        ]
        other = queues.submit("b", lambda: work("b1", False))
        await asyncio.wait({other})
        assert done == ["b1"]  # chat b went ahead while chat a's first update waited
        gate.set()
        await asyncio.wait(first + rest)
        return done

    done = asyncio.run(scenario())
    assert [name[:2] for name in done] == ["b1", "a1", "a2", "a3", "a4"]


def test_many_updates_to_one_group_are_answered_in_their_order(tg: Harness) -> None:
    rooms = [301 + n for n in range(8)]
    updates = [
        Update.de_json(
            message_update(user(2000 + n, f"邻居{n}"), f"/join 3-2-{room} 同意", group(GROUP)),
            tg.bot,
        )
        for n, room in enumerate(rooms)
    ]

    async def everything() -> None:
        await asyncio.wait([tg.adapter.submit(update) for update in updates])
        await tg.adapter.worker.drain()

    tg.run(everything)
    # Each answer goes to its sender alone; the group's pointers name them in turn.
    answered = [
        int(found.group(1))
        for params in tg.request.sent()
        if params["chat_id"] == GROUP
        and (found := re.search(r"邻居(\d+)，这条回复", str(params["text"])))
    ]
    assert answered == list(range(len(rooms)))


def test_a_handed_reply_left_unsent_goes_once_after_a_restart(tg: Harness) -> None:
    update = Update.de_json(message_update(OWNER, "/members", group(GROUP)), tg.bot)
    before = len(tg.request.sent())
    tg.run(lambda: tg.adapter.handle(update))  # staged and handed; the process dies here
    with tg.app.db.transaction() as session:
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == OutboxState.PENDING)
        ).all()
        # Only the platform's sender (alone on SQLite; elected on PostgreSQL) claims them.
        claimed = tg.adapter.worker.sending
        assert pending and all((row.claimed_until is not None) == claimed for row in pending)
    again = OutboxWorker(tg.app.db, tg.app.clock, "telegram", tg.adapter.send, idle_seconds=0.01)

    async def restart() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(again.run(stop))
        while len(tg.request.sent()) < before + len(pending):
            await asyncio.sleep(0.01)
        stop.set()
        await running

    tg.run(restart)
    tg.run(again.drain)  # the dead process's worker is gone; a second look sends nothing
    assert len(tg.request.sent()) == before + len(pending)
    with tg.app.db.transaction() as session:
        states = session.scalars(select(OutboxMessage.state)).all()
        assert OutboxState.PENDING not in states


def test_a_revoked_role_is_seen_by_the_next_command(tg: Harness) -> None:
    other = -4002
    tg.request.admins[other] = [OWNER["id"]]
    with tg.app.db.transaction() as session:
        owner = ensure_identity(session, "telegram", str(OWNER["id"]), "群主", tg.app.clock.now())
        scope = roles.Scope(place=resolve_place(session, "红旗里社区"))
        role = roles.parse_role("书记")
        roles.revoke(session, tg.app.clock.now(), owner.resident, role, scope, roles.OPERATOR)
    answer = tg.text(message_update(OWNER, "/bind 2号院", group(other)))
    assert "已绑定" not in answer
    with tg.app.db.transaction() as session:
        owner = ensure_identity(session, "telegram", str(OWNER["id"]), "群主", tg.app.clock.now())
        roles.grant(session, tg.app.clock.now(), owner.resident, role, scope, roles.OPERATOR)
    assert "已绑定" in tg.text(message_update(OWNER, "/bind 2号院", group(other)))


def test_a_removed_binding_is_seen_by_the_next_command(tg: Harness) -> None:
    assert "刚才的事已办好" in tg.text(
        message_update(user(2100, "甲"), "/join 3-2-301 同意", group(GROUP))
    )
    with tg.app.db.transaction() as session:
        circles.unbind_chat(session, tg.app.clock.now(), "telegram", str(GROUP))
    sent = tg.feed(message_update(user(2101, "乙"), "/join 3-2-302 同意", group(GROUP)))
    assert not any("刚才的事已办好" in str(params["text"]) for params in sent)


def test_a_groups_move_is_handled_before_what_follows_in_the_new_supergroup(
    tg: Harness,
) -> None:
    supergroup = -1_001_234_567_890
    moved = service_update(group(GROUP), OWNER, migrate_to_chat_id=supergroup)
    joined = message_update(
        user(2200, "丙"), "/join 3-2-303 同意", group(supergroup, kind="supergroup")
    )
    updates = [Update.de_json(raw, tg.bot) for raw in (moved, joined)]

    async def together() -> None:
        # The old group's chat is busy a while, so the move is still waiting its turn.
        busy = asyncio.Event()

        async def hold_the_old_group() -> None:
            await busy.wait()

        hold = tg.adapter.queues.submit(str(GROUP), hold_the_old_group)
        tasks = [tg.adapter.submit(update) for update in updates]
        await asyncio.sleep(0.05)
        busy.set()
        await asyncio.wait([hold, *tasks])
        await tg.adapter.worker.drain()

    tg.run(together)
    answers = [str(p["text"]) for p in tg.request.sent() if p["chat_id"] == supergroup]
    assert any("丙，这条回复" in answer for answer in answers), answers
