"""What a stored event reads first: its delivery recorded (with its sender and binding in
one statement on PostgreSQL), a redelivery skipped with nothing changed; a member's
membership read with them; a plain message's dialog looked for once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
from sqlalchemy import event, func, select

from bot.app import App
from bot.clock import VirtualClock
from bot.messages import Incoming
from models import Identity, Membership, ProcessedUpdate, Resident
from tests.support.community import build, resident


def _statements(app: App, incoming: Incoming) -> tuple[list[str], int]:
    """The statements handling `incoming` ran, and how many envelopes it gave."""
    statements: list[str] = []

    def note(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.db.engine, "before_cursor_execute", note)
    try:
        answered = app.dispatcher.handle(incoming)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", note)
    return statements, len(answered)


def _counts(app: App) -> tuple[int, int, int]:
    with app.db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Resident)) or 0,
            session.scalar(select(func.count()).select_from(Identity)) or 0,
            session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0,
        )


def test_a_group_events_delivery_sender_and_binding_are_one_statement_on_postgresql(
    app: App,
) -> None:
    """PostgreSQL records the delivery in the statement that reads who wrote and what the
    group is bound to (a round trip fewer for each event); SQLite records it first."""
    driver = build(app)
    incoming = replace(driver.incoming("newcomer", "/join 3-2-305 同意", "g1"), delivery_key="u1")
    statements, answered = _statements(app, incoming)
    # The registration, told privately, and the group's note.
    assert answered == 2
    recording = [s for s in statements if "processed_updates" in s]
    assert len(recording) == 1
    together = "FROM identities" in recording[0] and "FROM circle_chats" in recording[0]
    assert together == (app.db.engine.dialect.name == "postgresql")


def test_a_redelivered_event_from_a_newcomer_is_skipped_and_changes_nothing(app: App) -> None:
    """The first delivery makes the newcomer; the second is found recorded, and neither
    makes another resident nor answers again."""
    driver = build(app)
    incoming = replace(driver.incoming("newcomer", "大家好", "g1"), delivery_key="u2")
    before = _counts(app)
    _, first = _statements(app, incoming)
    after_first = _counts(app)
    statements, again = _statements(app, incoming)
    assert first == again == 0
    assert after_first == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert _counts(app) == after_first
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "DELETE"))]


def _last_seen(app: App, user: str) -> object:
    with app.db.transaction() as session:
        member = resident(session, user)
        found = session.scalar(select(Membership).where(Membership.resident_id == member.id))
        assert found is not None
        return found.last_seen_at


def test_a_members_message_reads_their_membership_with_them(app: App, clock: VirtualClock) -> None:
    """Nearly every group event touches its sender's membership: it comes in the first row,
    and is still kept up to date (a quarter of an hour on, the message is noted)."""
    driver = build(app)
    driver.say("r1", "早上好", "g1")
    seen = _last_seen(app, "r1")
    clock.set(clock.now() + timedelta(minutes=20))
    statements, _ = _statements(app, driver.incoming("r1", "大家好", "g1"))
    assert not [s for s in statements if s.startswith("SELECT memberships.")]
    assert [s for s in statements if "JOIN memberships" in s]
    assert _last_seen(app, "r1") != seen


def test_a_plain_message_looks_for_the_senders_dialog_once(app: App) -> None:
    """Two guided dialogs (a poll's, a notice's) each ask whether the message continues
    theirs; the second is told by the first's finding none."""
    driver = build(app)
    statements, _ = _statements(app, driver.incoming("r1", "大家好", "g1"))
    assert len([s for s in statements if "FROM dialogs" in s]) == 1


def test_a_command_in_a_group_learns_there_is_no_dialog_from_its_first_read(app: App) -> None:
    """A command with words asks whether a guided dialog waits for them; the statement that
    reads the sender and the group already says none does, so no query of its own."""
    driver = build(app)
    for text in ("/join 3-2-305 同意", "登记 3-2-306 同意", "大家好"):
        statements, _ = _statements(app, driver.incoming("newcomer", text, "g1"))
        alone = [s for s in statements if "FROM dialogs" in s and "FROM identities" not in s]
        assert alone == [], text
    driver.one("owner", "发起投票", "g1")
    answers = driver.say("owner", "报名：周六上午打扫楼道", "g1")
    assert any("周六上午打扫楼道" in a.text for a in answers), [a.text for a in answers]


def test_a_reading_command_in_a_group_reads_its_sender_and_binding_in_one_statement(
    app: App,
) -> None:
    """`/me` in a group is answered from rows, without a transaction that writes: who asked
    and what the group is bound to come together."""
    driver = build(app)
    statements: list[str] = []

    def note(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.db.engine, "before_cursor_execute", note)
    try:
        answered = app.dispatcher.answer(driver.incoming("r1", "/me", "g1"))
    finally:
        event.remove(app.db.engine, "before_cursor_execute", note)
    assert answered
    binding_reads = [s for s in statements if "circle_chats" in s]
    assert len(binding_reads) == 1 and "FROM identities" in binding_reads[0]


def test_every_statement_of_a_registration_is_short_enough_for_the_drivers_cache(
    app: App,
) -> None:
    """psycopg keeps its conversion of a statement of up to 4,096 characters and converts a
    longer one anew at every run: the first read of a group event once was 4,866."""
    driver = build(app)
    incoming = replace(driver.incoming("newcomer", "/join 3-2-305 同意", "g1"), delivery_key="u1")
    statements, answered = _statements(app, incoming)
    # The registration, told privately, and the group's note.
    assert answered == 2
    assert max(len(s) for s in statements) <= MAX_CACHED_STATEMENT_LENGTH
