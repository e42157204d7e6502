"""The outbox worker: sends staged messages in order, at the platform's pace, durably."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database, is_sqlite
from bot.delivery import (
    DUE_EDITS,
    DUE_IN_BUSY,
    DUE_KINDS,
    DUE_REPLIES,
    EDIT_STATE,
    Sent,
    claim_due,
    due,
    envelope_of,
    handed,
    mark_sent,
    scrub,
    stage,
)
from bot.election import nudge, serve_elected
from bot.handing import Handed
from bot.messages import ChatKind, Envelope
from bot.services.community.circles import move_chat, unbind_chat
from bot.services.community.people import close_private_chat
from models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
# How long a claim on a row being sent holds; a claim left by a process that died
# mid-send lapses after this, and the row goes out again.
CLAIM_SECONDS = 300.0
# While bulk messages settle, those following them are nudged at most this often.
NUDGE_SECONDS = 2.0
# A worker that is not the sender nudges it at most this often: a reply staged meanwhile
# waits this long at most, and the sender is not asked to look once per reply.
SENDER_NUDGE_SECONDS = 0.05


class RetryLater(Exception):
    """The platform asked us to wait (flood control) or the network failed; try again.

    A `delay` of 0 asks for exponential backoff by the number of attempts so far.
    """

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


class Undeliverable(Exception):
    """The platform refused the message for good; `chat_gone` when the bot lost the chat."""

    def __init__(self, reason: str, chat_gone: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.chat_gone = chat_gone


class ChatMoved(Exception):
    """The chat has a new id (a group became a supergroup); resend there."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(new_chat_id)
        self.new_chat_id = new_chat_id


Sender = Callable[[Envelope], Awaitable[str | None]]


@dataclass
class PartsSent:
    """The platform's ids of the parts each outbox row's message went out as so far, so that
    a retry resumes after them and the row, once sent, records them all."""

    rows: dict[int, list[str]] = field(default_factory=dict)

    def resume(self, row: int | None) -> list[str]:
        """The ids of the row's parts that went out, in order (none at first)."""
        return list(self.rows.get(row, ())) if row is not None else []

    def record(self, row: int | None, message_id: str) -> None:
        """Note that the row's next part went out as `message_id`."""
        if row is not None:
            self.rows.setdefault(row, []).append(message_id)

    def take(self, row: int | None) -> list[str]:
        """The ids of all the row's parts, once it went out; nothing is left to resume."""
        return self.rows.pop(row, []) if row is not None else []

    def forget(self, row: int | None) -> None:
        """The row failed for good: nothing to resume."""
        self.take(row)

    def move(self, old: int, new: int) -> None:
        """A direct message that failed was stored as row `new`: its parts are that row's."""
        if old in self.rows:
            self.rows[new] = self.rows.pop(old)


@dataclass
class OutboxWorker:
    """Drains one platform's outbox; every send is marked in the database as it happens.

    Up to `concurrency` messages are in flight at once, never two to one chat (so each
    chat gets its messages in order), replies before bulk messages (a notice to many
    groups). `nudge` is called every few seconds while bulk messages settle, so that
    whoever follows them (a notice's progress) can look.
    """

    db: Database
    clock: Clock
    platform: str
    send: Sender
    batch: int = 20
    max_attempts: int = 8
    idle_seconds: float = 5.0
    claim_seconds: float = CLAIM_SECONDS
    concurrency: int = 1
    nudge: Callable[[], None] | None = None
    # Shared with the platform's adapter, which sends a message in parts.
    parts: PartsSent = field(default_factory=PartsSent)

    def __post_init__(self) -> None:
        self._ring = asyncio.Event()
        self._look = True
        self._looked_at = 0.0
        self._recheck: set[str] = set()
        self._handed = Handed()
        self._handed_ids: set[int] = set()
        # Chats with replies due that were not handed when this worker became the sender,
        # each with the newest of them: what is handed for one waits until a look finds them.
        self._held: dict[str, int] = {}
        self._holding = False
        self._stop: asyncio.Event | None = None
        self._nudged = 0.0
        self._settled = False
        self._marks: list[tuple[Sent, asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None
        self._role = f"outbox:{self.platform}"
        self._elected = False
        # SQLite serves one process, so this worker is always its platform's sender.
        self._alone = is_sqlite(self.db.url)
        self._nudging: asyncio.Future[None] | None = None
        self._nudge_again = False
        self._direct_ids = itertools.count(-1, -1)
        self._passing: set[asyncio.Future[None]] = set()

    def wake(self) -> None:
        """Ask the platform's sender to look for new messages now (call from its event loop).

        When another worker is the elected sender, it is nudged through the database.
        """
        self._look = True
        self._ring.set()
        if self.sending:
            return
        if self._nudging is not None and not self._nudging.done():
            self._nudge_again = True
            return
        self._nudging = asyncio.ensure_future(self._nudge_sender())

    @property
    def sending(self) -> bool:
        """True when this worker sends its platform's outbox (alone, or elected)."""
        return self._elected or self._alone

    def hand(self, envelopes: list[Envelope]) -> None:
        """Send rows just staged and claimed for this worker, without looking them up, and
        direct envelopes (which have no row until a failure stores them for a retry).

        Each chat's rows go in the order handed, after its rows already in flight.
        """
        for envelope in envelopes:
            if envelope.direct:
                envelope.outbox_id = next(self._direct_ids)
            assert envelope.outbox_id is not None
            # A row a look claimed first is already on its way.
            if envelope.outbox_id in self._handed_ids:
                continue
            self._handed.add(envelope.outbox_id, envelope)
            self._handed_ids.add(envelope.outbox_id)
        if envelopes:
            self._ring.set()

    @property
    def hand_claim(self) -> timedelta | None:
        """How long the replies staged for this worker to be handed are claimed (see `take`);
        None when it does not send its platform's outbox."""
        return timedelta(seconds=self.claim_seconds) if self.sending else None

    def take(self, envelopes: list[Envelope], claimed: bool) -> None:
        """Take the dispatcher's envelopes for one event: those staged claimed for this worker
        (when `claimed`) or answered directly are handed to it; for the rest it, or the
        elected sender, is woken to look."""
        ready = handed(envelopes, self.platform) if claimed else []
        if not claimed and self._holding:
            # Dispatched before this worker became the sender: staged for a look to find.
            for envelope in handed(envelopes, self.platform):
                self._hold(envelope.target.chat_id, envelope.outbox_id)
        if ready and not self.sending:
            # Dispatched while this worker was the sender; it has lost the election since.
            passing = asyncio.ensure_future(self._pass_on(ready, wake=True))
            self._passing.add(passing)
            passing.add_done_callback(self._passing.discard)
            return
        self.hand(ready)
        if len(ready) < sum(e.outbox_id is not None for e in envelopes):
            self.wake()

    async def _pass_on(self, envelopes: list[Envelope], *, wake: bool) -> None:
        """Leave envelopes handed to this worker, which no longer sends, to the elected
        sender: their rows' claims are released and direct answers stored as rows, then
        (when `wake`) the sender is nudged; a failure leaves the claims to lapse."""
        try:
            await asyncio.to_thread(self._let_go, envelopes)
        except Exception:
            log.exception("%s outbox: could not release handed messages", self.platform)
            return
        if wake:
            self.wake()

    def _let_go(self, envelopes: list[Envelope]) -> None:
        now = self.clock.now()
        rows = [e.outbox_id for e in envelopes if not e.direct]
        with self.db.transaction() as session:
            if rows:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(rows), OutboxMessage.state == OutboxState.PENDING)
                    .values(claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
            for envelope in envelopes:
                if envelope.direct:
                    stage(session, replace(envelope, direct=False, outbox_id=None), now)

    def settled(self) -> bool:
        """True when every row handed to the worker has been sent or given up for now."""
        return not self._handed_ids

    async def _nudge_sender(self) -> None:
        """Nudge the elected sender, once more if woken again meanwhile, at most once every
        SENDER_NUDGE_SECONDS (one nudge carries every reply staged before it); a failure
        only logs."""
        self._nudge_again = True
        while self._nudge_again:
            self._nudge_again = False
            try:
                await asyncio.to_thread(nudge, self.db, self._role)
            except Exception:
                log.warning("%s outbox: could not nudge the elected sender", self.platform)
                return
            await asyncio.sleep(SENDER_NUDGE_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; on PostgreSQL only while elected the platform's sender.

        Several workers may serve one PostgreSQL: one of them, elected, sends each
        platform's outbox (so the platform's rate limits hold across all of them); when it
        dies, another is elected within seconds and finishes what it left.
        """
        await serve_elected(self.db, self._role, stop, self._send_until, wake=self.wake)

    async def _send_until(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleeps until woken, handed rows or the next retry falls due.

        Claims left by an earlier sender are taken back before this worker counts as the
        sender, so none of the replies claimed for it to be handed is taken back, found by
        a look and sent twice. The chats with replies due then, or staged by a dispatch
        begun before, are held: what is handed for one waits until a look has found those
        older replies, so that each chat's go in order.
        """
        self._stop = stop
        self._held, self._holding = {}, True
        try:
            await asyncio.to_thread(self._release_all)
            for chat, newest in (await asyncio.to_thread(self._due_replies)).items():
                self._hold(chat, newest)
            self._look = True
            self._elected = True
            while not stop.is_set():
                await self._drain_then_idle(stop)
        finally:
            self._elected = self._holding = False
            self._held = {}
            left = self._handed.take_all()
            self._handed_ids.clear()
            # Whoever sends next finds them at its next look (every idle_seconds at most).
            if left:
                await self._pass_on(left, wake=False)

    async def _drain_then_idle(self, stop: asyncio.Event) -> None:
        try:
            await self.drain(look=False)
        except Exception:
            log.exception("%s outbox: draining failed; retrying shortly", self.platform)
            self._ring.clear()
        waiter = asyncio.ensure_future(self._ring.wait())
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait(
            {waiter, stopper}, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        stopper.cancel()
        self._look = self._look or not done

    async def drain(self, look: bool = True) -> int:
        """Send what was handed, and (when `look`, woken, or a while since) every message
        due now, until told to stop; how many went out.

        Free places are filled from the database a few at a time (a quarter of
        `concurrency`), so that a steady stream costs few queries.
        """
        sent = 0
        flight: dict[asyncio.Task[bool], str] = {}
        refill = max(1, self.concurrency // 4)
        self._look = self._look or look
        try:
            while True:
                self._ring.clear()
                self._start_handed(flight)
                free = self.concurrency - len(flight)
                if self._looking() and free >= refill and not self._stopping():
                    await self._claim_due(flight, free)
                    continue
                if not flight:
                    break
                sent += await self._settle_some(flight)
        finally:
            for task in flight:
                task.cancel()
            if flight:
                await asyncio.wait(flight)
            if self._marking is not None:
                await asyncio.wait({self._marking})
            self._nudge(force=True)
        return sent

    def _looking(self) -> bool:
        return self._look or time.monotonic() - self._looked_at >= self.idle_seconds

    def _hold(self, chat: str, newest: int | None) -> None:
        """Let nothing handed for `chat` go before a look has found its reply `newest`."""
        if newest is not None:
            self._held[chat] = max(newest, self._held.get(chat, newest))

    def _start_handed(self, flight: dict[asyncio.Task[bool], str]) -> None:
        """Put handed rows in flight, at most one per chat, in the order they were handed;
        none of a chat whose older replies a look has still to find."""
        if self._stopping() or not self._handed:
            return
        room = self.concurrency - len(flight)
        busy = itertools.chain(flight.values(), self._held)
        for row_id, envelope in self._handed.next_up(busy, room):
            flight[asyncio.create_task(self._deliver(row_id, envelope))] = envelope.target.chat_id

    async def _claim_due(self, flight: dict[asyncio.Task[bool], str], free: int) -> None:
        """Claim due rows from the database, queued behind the handed ones in chats of their
        own, or, in a chat whose older replies were still to be found, before the rows
        handed after them; a row handed meanwhile is skipped."""
        held = dict(self._held)
        busy = set(flight.values()) | (self._handed.chats() - held.keys())
        handed = set(self._handed_ids)
        self._look, self._looked_at = False, time.monotonic()
        rows, self._recheck, covered = await asyncio.to_thread(self._due, busy, free)
        self._look = self._look or len(rows) >= free
        # A chat given an edit was left out of the look's messages.
        passed = busy | {envelope.target.chat_id for _, envelope in rows if envelope.edit}
        for chat, newest in held.items():
            # A chat held again during the look stays held.
            if chat not in passed and newest <= covered and self._held.get(chat) == newest:
                del self._held[chat]
        self._look = self._look or bool(self._held)
        for row_id, envelope in rows:
            if row_id not in handed and row_id not in self._handed_ids:
                self._handed.add_found(row_id, envelope)
                self._handed_ids.add(row_id)

    async def _settle_some(self, flight: dict[asyncio.Task[bool], str]) -> int:
        """Wait for a message in flight to settle, or for rows handed or a wake."""
        waker = asyncio.ensure_future(self._ring.wait())
        done, _ = await asyncio.wait({*flight, waker}, return_when=asyncio.FIRST_COMPLETED)
        waker.cancel()
        sent = 0
        for task in done - {waker}:
            chat = flight.pop(task)
            sent += task.result()
            if chat in self._recheck:
                self._look = True
        return sent

    async def _record_sent(self, sent: Sent) -> None:
        """Mark a row sent, in one transaction with the others settling at the same time."""
        done = asyncio.get_running_loop().create_future()
        self._marks.append((sent, done))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_batches())
        await asyncio.shield(done)

    async def _mark_batches(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                marked = [sent for sent, _ in batch]
                # SQLite's statements take microseconds: a thread hop costs more.
                if self._alone:
                    self._mark_sent(marked)
                else:
                    await asyncio.to_thread(self._mark_sent, marked)
            except Exception as error:
                for _, done in batch:
                    done.set_exception(error)
            else:
                for _, done in batch:
                    done.set_result(None)

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _nudge(self, force: bool = False) -> None:
        """Tell whoever follows bulk messages that some settled (at most every few seconds)."""
        if self.nudge is None or not self._settled:
            return
        now = time.monotonic()
        if force or now - self._nudged >= NUDGE_SECONDS:
            self._nudged, self._settled = now, False
            self.nudge()

    def _due(self, busy: set[str], free: int) -> tuple[list[tuple[int, Envelope]], set[str], float]:
        """Claim up to `free` due rows of chats not in `busy`, replies before bulk, each
        chat's in order; also the chats left with due rows, to look again when their
        message settles, and the id up to which every due reply of the chats whose messages
        were claimed is now claimed (infinite when all are).

        A look that finds nothing claimable only reads, so it never waits for a writer.
        Edits go first, each alone in its chat, as each waits for the message it edits (see
        `_edited`); then messages, claimed by one statement (see `claim_due`).
        """
        now = self.clock.now()
        values = due(self.platform, now, busy)
        waiting: set[str] = set()
        with self.db.reading() as session:
            if busy:
                waiting.update(session.scalars(DUE_IN_BUSY, values))
            messages, edits = session.execute(DUE_KINDS, values).one()
        if not (messages or edits):
            return [], waiting, math.inf
        until = now + timedelta(seconds=self.claim_seconds)
        ready: list[tuple[int, Envelope]] = []
        covered = -math.inf if messages else math.inf
        with self.db.transaction() as session:
            if edits:
                ready = self._claim_edits(session, now, until, busy, free, waiting)
            if messages and len(ready) < free:
                # A chat with an edit in hand is looked at again once it settles.
                taken = {envelope.target.chat_id for _, envelope in ready}
                waiting |= taken
                limit = free - len(ready)
                claimed = claim_due(session, self.platform, now, until, busy | taken, limit)
                covered = _covered(claimed, limit)
                ready += self._envelopes(session, claimed)
        return ready, waiting, covered

    def _envelopes(self, session: Session, rows: list[Row[Any]]) -> list[tuple[int, Envelope]]:
        """The claimed rows' envelopes; a row that cannot make one fails for good."""
        ready = []
        for row in rows:
            try:
                ready.append((row.id, envelope_of(row)))
            except Exception as error:
                self._log_failure(row.id, error, None)
                _fail(session, session.get_one(OutboxMessage, row.id), _describe(error))
        return ready

    def _claim_edits(
        self,
        session: Session,
        now: datetime,
        until: datetime,
        busy: set[str],
        free: int,
        waiting: set[str],
    ) -> list[tuple[int, Envelope]]:
        """Claim up to `free` due edits, one per chat not `busy`; chats with due edits left
        (or an edit that waits for its message) join `waiting`."""
        values = {**due(self.platform, now, busy), "at_most": max(self.batch, 4 * free)}
        ready: list[tuple[int, Envelope]] = []
        chats: set[str] = set()
        for row in session.scalars(DUE_EDITS, values).all():
            if len(ready) >= free or row.chat_id in chats:
                waiting.add(row.chat_id)
                continue
            try:
                message_id = self._edited(session, row)
            except Exception as error:
                self._log_failure(row.id, error, None)
                _fail(session, row, _describe(error))
                continue
            if message_id is None:
                waiting.add(row.chat_id)
                continue
            row.claimed_until = until
            chats.add(row.chat_id)
            ready.append((row.id, envelope_of(row, message_id)))
        return ready

    def _due_replies(self) -> dict[str, int]:
        """Each chat with replies due now (none claimed), and the newest of them."""
        values = due(self.platform, self.clock.now())
        with self.db.reading() as session:
            return {chat: newest for chat, newest in session.execute(DUE_REPLIES, values)}

    def _release_all(self) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.platform == self.platform,
                    OutboxMessage.state == OutboxState.PENDING,
                    OutboxMessage.claimed_until.is_not(None),
                )
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    def _edited(self, session: Session, row: OutboxMessage) -> str | None:
        """The platform's id of the message an edit row edits; None when it cannot go now.

        Only the newest edit of a message is sent: older ones are dropped, and a newer
        one waits out the flood wait of an older one, so a flood wait delays the
        message's final state but never loses it.
        """
        values = {
            "of_platform": row.platform,
            "in_chat": row.chat_id,
            "with_key": row.key,
            "edit_id": row.id,
        }
        newer, waiting, state, due_at, message_id = session.execute(EDIT_STATE, values).one()
        if newer:
            session.delete(row)
            return None
        if waiting is not None and waiting > row.not_before:
            row.not_before = waiting
            return None
        if state == OutboxState.PENDING:
            row.not_before = max(row.not_before, due_at)
            return None
        if state is None or message_id is None:
            _fail(session, row, "no sent message to edit")
            return None
        return str(message_id)

    async def _deliver(self, row_id: int, envelope: Envelope) -> bool:
        """Send a claimed row and record the outcome; any failure is this row's alone.

        A direct envelope (a negative id) records nothing when it goes; when it fails it
        is stored as a row first, and that row is retried or given up like any other.
        """
        handed_id = row_id
        try:
            message_id = await self.send(envelope)
        except Exception as error:
            if row_id < 0:
                row_id = await asyncio.to_thread(self._store, envelope)
            await self._failed(row_id, envelope, error)
        except BaseException:
            # Stopping mid-send: the row goes out again after the restart.
            if row_id >= 0:
                self._release(row_id)
            raise
        else:
            pieces = self.parts.take(envelope.outbox_id)
            if row_id >= 0:
                private = envelope.target.kind == ChatKind.PRIVATE
                await self._record_sent(Sent(row_id, message_id, private, pieces))
            return True
        finally:
            self._handed_ids.discard(handed_id)
            if envelope.bulk:
                self._settled = True
                self._nudge()
        return False

    async def _failed(self, row_id: int, envelope: Envelope, error: Exception) -> None:
        """What a failed send of a claimed row leads to: a move, a retry or giving up."""
        if isinstance(error, ChatMoved):
            await asyncio.to_thread(self._follow, row_id, envelope, error.new_chat_id)
            self._follow_handed(envelope.target.chat_id, error.new_chat_id)
        elif isinstance(error, Undeliverable):
            self.parts.forget(row_id)
            self._log_failure(row_id, error, None)
            await asyncio.to_thread(self._give_up, row_id, envelope, error)
        elif isinstance(error, RetryLater):
            await self._retry(row_id, error, error)
        else:
            # A missing picture, a template whose data lacks a key, a renderer's bug...
            await self._retry(row_id, RetryLater(0, _describe(error)), error)

    def _store(self, envelope: Envelope) -> int:
        """Store a direct envelope that failed as a claimed row (its parts sent so far with it)."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.claim_seconds)
        with self.db.transaction() as session:
            stored = stage(session, replace(envelope, direct=False), now, claimed_until=until)
        if envelope.outbox_id is not None:
            self.parts.move(envelope.outbox_id, stored)
        return stored

    def _release(self, row_id: int) -> None:
        with self.db.transaction() as session:
            session.get_one(OutboxMessage, row_id).claimed_until = None

    def _settle(self, session: Session, row_id: int) -> OutboxMessage:
        """The claimed row, its claim released and this attempt counted."""
        return _attempted(session.get_one(OutboxMessage, row_id))

    def _mark_sent(self, sent: list[Sent]) -> None:
        """Mark rows sent, without reading them (see `mark_sent`)."""
        # Each UPDATE marking rows sent stands alone; a row to a private chat adds a DELETE,
        # and a row sent in pieces an INSERT, that must hold together with its UPDATE.
        alone = not any(row.private or len(row.pieces) > 1 for row in sent)
        with self.db.at_once() if alone else self.db.transaction() as session:
            mark_sent(session, self.clock.now(), sent)

    async def _retry(self, row_id: int, retry: RetryLater, cause: Exception) -> None:
        delay = await asyncio.to_thread(self._postpone, row_id, retry)
        if delay is None:
            self.parts.forget(row_id)
        self._log_failure(row_id, cause, delay)

    def _postpone(self, row_id: int, retry: RetryLater) -> float | None:
        """Try the row again later (the delay in seconds), or None when it failed for good."""
        with self.db.transaction() as session:
            row = self._settle(session, row_id)
            row.error = retry.reason[:300]
            if row.attempts >= self.max_attempts:
                _fail(session, row, retry.reason)
                return None
            delay = retry.delay or min(MAX_BACKOFF, 2.0**row.attempts)
            row.not_before = self.clock.now() + timedelta(seconds=delay)
            return delay

    def _log_failure(self, row_id: int, error: Exception, delay: float | None) -> None:
        """One line per failure, naming the row and the error, never the message's content."""
        outcome = "failed for good" if delay is None else f"will be tried again in {delay:.0f}s"
        log.warning(
            "%s outbox: message %d %s (%s)", self.platform, row_id, outcome, _describe(error)
        )

    def _follow_handed(self, old: str, new: str) -> None:
        """Rows handed for a chat that moved go to its new id; the moved row is looked up."""
        self._handed.follow(old, new)
        self._look = True

    def _follow(self, row_id: int, envelope: Envelope, new_chat_id: str) -> None:
        with self.db.transaction() as session:
            session.get_one(OutboxMessage, row_id).claimed_until = None
            old = envelope.target.chat_id
            move_chat(session, self.clock.now(), self.platform, old, new_chat_id)
            for row in session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.platform == self.platform,
                    OutboxMessage.chat_id == old,
                    OutboxMessage.state == OutboxState.PENDING,
                )
            ):
                row.chat_id = new_chat_id
        log.info("%s outbox: message %d follows its chat to a new id", self.platform, row_id)

    def _give_up(self, row_id: int, envelope: Envelope, refused: Undeliverable) -> None:
        with self.db.transaction() as session:
            row = self._settle(session, row_id)
            _fail(session, row, refused.reason)
            if refused.chat_gone:
                _fail_chat(session, self.platform, envelope.target.chat_id, refused.reason)
            if refused.chat_gone and envelope.target.kind == ChatKind.PRIVATE:
                close_private_chat(session, self.platform, envelope.target.chat_id)
            elif refused.chat_gone:
                unbind_chat(session, self.clock.now(), self.platform, envelope.target.chat_id)


def _covered(claimed: list[Row[Any]], limit: int) -> float:
    """The id up to which a claim of up to `limit` due messages, replies first (each by id),
    took every due reply: all of them when it took fewer than `limit`, or a bulk one."""
    if len(claimed) < limit or any(row.bulk for row in claimed):
        return math.inf
    return float(max(row.id for row in claimed))


def _attempted(row: OutboxMessage) -> OutboxMessage:
    """The row with its claim released and this attempt counted."""
    row.claimed_until = None
    row.attempts += 1
    return row


def _fail(session: Session, row: OutboxMessage, reason: str) -> None:
    """Give a row up for good with its reason; what it said is of no further use."""
    row.state = OutboxState.FAILED
    row.error = reason[:300]
    scrub(session, row)


def _fail_chat(session: Session, platform: str, chat_id: str, reason: str) -> None:
    """A chat the bot lost: what still waits for it fails now, rather than being tried."""
    for row in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.platform == platform,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.state == OutboxState.PENDING,
        )
    ):
        _fail(session, row, reason)


def _describe(error: Exception) -> str:
    """An error as one short line: the outbox's own reason, else its type and message."""
    if isinstance(error, RetryLater | Undeliverable):
        return error.reason[:200]
    first = str(error).strip().split("\n", 1)[0]
    return f"{type(error).__name__}: {first}"[:200]
