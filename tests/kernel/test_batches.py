"""Events that arrive together are handled in one transaction, each as if alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.app import App
from bot.batching import MAX_BATCH, Batches
from bot.errors import DomainError
from bot.messages import Envelope, Incoming
from bot.services.community import circles
from models import AuditEntry, Identity, ProcessedUpdate, Resident
from tests.support.community import build, session_of
from tests.support.driver import PLATFORM, Driver, Sent
from tests.support.queries import captured

ROOMS = ("311", "312", "313")


@pytest.fixture
def town(app: App) -> Driver:
    return build(app)


@pytest.fixture
def commits(app: App) -> Iterator[list[object]]:
    seen: list[object] = []

    def committed(connection: object) -> None:
        seen.append(connection)

    event.listen(app.db.engine, "commit", committed)
    yield seen
    event.remove(app.db.engine, "commit", committed)


def _joins(town: Driver, *rooms: str) -> list[Incoming]:
    return [
        town.incoming(f"n{room}", f"登记 3-2-{room} 同意", "g1", name=f"n{room}") for room in rooms
    ]


def _household(app: App, user: str) -> int | None:
    with session_of(app) as session:
        identity = session.scalar(
            select(Identity).where(Identity.platform == PLATFORM, Identity.external_id == user)
        )
        return None if identity is None else identity.resident.household_id


def test_events_handled_together_share_one_commit_and_each_gets_its_answer(
    town: Driver, commits: list[object]
) -> None:
    me = town.incoming("r1", "/me")
    answers = town.together(*_joins(town, *ROOMS), me)
    assert len(commits) == 1
    for room, answered in zip(ROOMS, answers, strict=False):
        # Each registration is told privately, with its note in the group.
        assert len(answered) == 2 and "登记好了" in answered[0].text and room in answered[0].text
        assert _household(town.app, f"n{room}") is not None
    assert [s.chat for s in answers[-1]] == ["r1"] and "r1" in answers[-1][0].text


def test_a_refusal_among_events_handled_together_keeps_the_others(
    town: Driver, commits: list[object]
) -> None:
    wrong = town.incoming("n999", "登记 9-9-999 同意", "g1", name="n999")
    first, refused, last = town.together(*_joins(town, "311"), wrong, *_joins(town, "312"))
    assert len(commits) == 1
    assert "登记好了" in first[0].text and "登记好了" in last[0].text
    assert len(refused) == 1 and "登记好了" not in refused[0].text
    assert _household(town.app, "n311") and _household(town.app, "n312")
    assert _household(town.app, "n999") is None


def _only_the_middle_one_left_out(app: App, first: list[Sent], last: list[Sent]) -> None:
    """Of the three joins in ROOMS, the first and last registered, the middle one not."""
    assert "登记好了" in first[0].text and "登记好了" in last[0].text
    assert _household(app, "n311") and _household(app, "n313")
    assert _household(app, "n312") is None


def test_events_handled_together_open_no_savepoint_when_none_is_refused(town: Driver) -> None:
    """A savepoint around each handler cost a registration a third of its time: one is made
    only when a refusal must undo what its handler changed."""
    with captured(town.app.db.engine) as statements:
        answers = town.together(*_joins(town, *ROOMS))
    assert all("登记好了" in answered[0].text for answered in answers)
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]


def _refusing_after_registering(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """/join of `name` registers, then refuses: its handler has changed rows by then."""
    register = circles.register

    def refusing(session: Any, now: Any, resident: Resident, *args: Any, **kw: Any) -> Any:
        done = register(session, now, resident, *args, **kw)
        if resident.display_name == name:
            raise DomainError("grid.bad_address", text="3-2-312")
        return done

    monkeypatch.setattr(circles, "register", refusing)


def _registrations(app: App) -> int:
    with session_of(app) as session:
        entries = select(func.count()).where(AuditEntry.action == "resident.register")
        return session.scalar(entries) or 0


def test_a_refusal_after_its_handler_changed_rows_undoes_only_its_changes(
    town: Driver, commits: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _refusing_after_registering(monkeypatch, "n312")
    registered, before = _registrations(town.app), len(commits)
    first, refused, last = town.together(*_joins(town, *ROOMS))
    assert len(commits) == before + 1
    assert len(refused) == 1 and "看不懂地址「3-2-312」" in refused[0].text
    _only_the_middle_one_left_out(town.app, first, last)
    assert _registrations(town.app) == registered + 2


def test_a_refusal_of_an_event_alone_after_a_change_undoes_that_change(
    town: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refusing_after_registering(monkeypatch, "n312")
    registered = _registrations(town.app)
    (refused,) = town.say("n312", "登记 3-2-312 同意", "g1", name="n312")
    assert "看不懂地址「3-2-312」" in refused.text
    assert _household(town.app, "n312") is None
    assert _registrations(town.app) == registered


def test_a_failure_among_events_handled_together_costs_only_its_own(
    town: Driver, commits: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    register = circles.register

    def failing_for_one(session: Any, now: Any, resident: Resident, *args: Any, **kw: Any) -> Any:
        if resident.display_name == "n312":
            raise RuntimeError("a bug")
        return register(session, now, resident, *args, **kw)

    monkeypatch.setattr(circles, "register", failing_for_one)
    with session_of(town.app) as session:
        residents = session.scalar(select(func.count()).select_from(Resident)) or 0
    before = len(commits)
    first, failed, last = town.together(*_joins(town, *ROOMS))
    # The batch was rolled back, then each event had a transaction of its own.
    assert len(commits) == before + 2
    assert len(failed) == 1 and "出了点问题，刚才的操作没有生效" in failed[0].text
    _only_the_middle_one_left_out(town.app, first, last)
    with session_of(town.app) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == residents + 2


def test_a_delivery_handled_twice_in_one_batch_counts_once(
    town: Driver, commits: list[object]
) -> None:
    (join,) = _joins(town, "311")
    delivered = Incoming(**{**join.__dict__, "delivery_key": "console:1"})
    first, second = town.together(delivered, delivered)
    assert "登记好了" in first[0].text and second == [] and len(commits) == 1
    with session_of(town.app) as session:
        keys = session.scalars(select(ProcessedUpdate.key)).all()
    assert list(keys).count("console:1") == 1


def _batched(app: App, monkeypatch: pytest.MonkeyPatch, gate: threading.Event) -> list[int]:
    """The size of each batch handed to the dispatcher; the first waits for `gate`."""
    sizes: list[int] = []
    handle_batch = app.dispatcher.handle_batch

    def recorded(batch: list[Any]) -> list[list[Envelope]]:
        sizes.append(len(batch))
        if len(sizes) == 1:
            assert gate.wait(30)
        return handle_batch(batch)

    monkeypatch.setattr(app.dispatcher, "handle_batch", recorded)
    return sizes


def test_events_that_come_while_the_thread_is_busy_wait_and_go_together(
    town: Driver, monkeypatch: pytest.MonkeyPatch, commits: list[object]
) -> None:
    gate = threading.Event()
    sizes = _batched(town.app, monkeypatch, gate)
    rooms = [str(501 + n) for n in range(MAX_BATCH + 3)]
    batches = Batches(town.app.dispatcher, 1)

    async def scenario() -> list[list[Envelope]]:
        waiting = [
            asyncio.ensure_future(batches.handle(e, None, False)) for e in _joins(town, *rooms)
        ]
        await asyncio.sleep(0.1)
        assert not any(task.done() for task in waiting)
        gate.set()
        return await asyncio.wait_for(asyncio.gather(*waiting), 30)

    answers = asyncio.run(scenario())
    # The first found the thread free; the rest came while it was busy.
    assert sizes == [1, MAX_BATCH, 2] and len(commits) == 3
    for room, envelopes in zip(rooms, answers, strict=True):
        sent, _note = town.received(envelopes)
        assert "登记好了" in sent.text and room in sent.text


def test_with_no_threads_the_events_of_one_loop_turn_go_together_on_the_loop(
    town: Driver, monkeypatch: pytest.MonkeyPatch, commits: list[object]
) -> None:
    threads: list[threading.Thread] = []
    handle_batch = town.app.dispatcher.handle_batch

    def noted(batch: list[Any]) -> list[list[Envelope]]:
        threads.append(threading.current_thread())
        return handle_batch(batch)

    monkeypatch.setattr(town.app.dispatcher, "handle_batch", noted)
    rooms = [str(601 + n) for n in range(MAX_BATCH + 2)]
    batches = Batches(town.app.dispatcher, 0)

    async def scenario() -> list[list[Envelope]]:
        first = [asyncio.ensure_future(batches.handle(e, None, False)) for e in _joins(town, "329")]
        await asyncio.wait_for(asyncio.gather(*first), 30)
        rest = [asyncio.ensure_future(batches.handle(e, None, False)) for e in _joins(town, *rooms)]
        return await asyncio.wait_for(asyncio.gather(*first, *rest), 30)

    answers = asyncio.run(scenario())
    assert threads == [threading.main_thread()] * 3 and len(commits) == 3
    for room, envelopes in zip(["329", *rooms], answers, strict=True):
        sent, _note = town.received(envelopes)
        assert "登记好了" in sent.text and room in sent.text


def test_with_no_threads_a_failed_batch_fails_only_its_own_events(
    town: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle_batch = town.app.dispatcher.handle_batch
    calls: list[int] = []

    def failing_once(batch: list[Any]) -> list[list[Envelope]]:
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return handle_batch(batch)

    monkeypatch.setattr(town.app.dispatcher, "handle_batch", failing_once)
    batches = Batches(town.app.dispatcher, 0)

    async def scenario() -> tuple[object, list[Envelope]]:
        first, later = _joins(town, "321", "322")
        (failed,) = await asyncio.gather(batches.handle(first, None, False), return_exceptions=True)
        return failed, await asyncio.wait_for(batches.handle(later, None, False), 30)

    failed, envelopes = asyncio.run(scenario())
    assert isinstance(failed, RuntimeError) and calls == [1, 1]
    sent, _note = town.received(envelopes)
    assert "登记好了" in sent.text and _household(town.app, "n321") is None


def _audit_inserts(app: App) -> tuple[list[str], Any]:
    """A list that collects each INSERT into the audit log run meanwhile, and its listener."""
    found: list[str] = []

    def note(*args: object) -> None:
        if "INSERT INTO audit_log" in str(args[2]):
            found.append(str(args[2]))

    event.listen(app.db.engine, "before_cursor_execute", note)
    return found, note


def test_the_audit_entries_of_events_handled_together_are_one_insert(town: Driver) -> None:
    """Each registration appends an entry to the audit log; written as it is recorded, each
    cost a round trip. They wait for the commit, and go in one statement."""
    registered = _registrations(town.app)
    inserts, note = _audit_inserts(town.app)
    try:
        answers = town.together(*_joins(town, *ROOMS))
    finally:
        event.remove(town.app.db.engine, "before_cursor_execute", note)
    assert all("登记好了" in answered[0].text for answered in answers)
    assert len(inserts) == 1
    assert _registrations(town.app) == registered + len(ROOMS)


def test_an_entry_waiting_for_the_commit_is_unlinked_by_a_forget_handled_with_it(
    town: Driver, commits: list[object]
) -> None:
    """/forget clears the household from the person's entries: an entry recorded earlier in
    the same transaction is written first, so it is cleared too, and the events still share
    their commit."""
    joined = town.one("n311", "登记 3-2-311 同意", "g1", name="n311")
    assert "登记好了" in joined.text
    town.say("n311", "/start")
    moving = town.incoming("n311", "/move 3-2-312", "g1", name="n311")
    before = len(commits)
    moved, forgotten = town.together(moving, town.incoming("n311", "/forget 确认"))
    assert "已改为" in moved[0].text and len(commits) == before + 1
    assert "已删除" in forgotten[0].text
    with session_of(town.app) as session:
        kept = session.scalars(
            select(AuditEntry.place_id).where(AuditEntry.action == "resident.move")
        ).all()
    assert kept == [None]
