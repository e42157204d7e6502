"""The outbox worker: sends staged messages in order, at the platform's pace, durably."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.delivery import envelope_of, scrub
from bot.messages import ChatKind, Envelope
from bot.services.circles import move_chat, unbind_chat
from bot.services.people import close_private_chat
from models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0


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
class OutboxWorker:
    """Drains one platform's outbox; every send is marked in the database as it happens."""

    db: Database
    clock: Clock
    platform: str
    send: Sender
    batch: int = 20
    max_attempts: int = 8
    idle_seconds: float = 5.0

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the worker to look for new messages now (call from its event loop)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleeps until woken or the next retry falls due."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("%s outbox: draining failed; retrying shortly", self.platform)
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()

    async def drain(self) -> int:
        """Send every message due now, oldest first; returns how many went out."""
        sent = 0
        while True:
            fetched, rows = await asyncio.to_thread(self._due)
            for row_id, envelope in rows:
                if await self._deliver(row_id, envelope):
                    sent += 1
            if fetched < self.batch:
                break
        return sent

    def _due(self) -> tuple[int, list[tuple[int, Envelope]]]:
        with self.db.transaction() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.platform == self.platform,
                    OutboxMessage.state == OutboxState.PENDING,
                    OutboxMessage.not_before <= self.clock.now(),
                )
                .order_by(OutboxMessage.id)
                .limit(self.batch)
            ).all()
            ready: list[tuple[int, Envelope]] = []
            for row in rows:
                if not row.edit:
                    ready.append((row.id, envelope_of(row)))
                elif (message_id := self._edited(session, row)) is not None:
                    ready.append((row.id, envelope_of(row, message_id)))
            return len(rows), ready

    def _edited(self, session: Session, row: OutboxMessage) -> str | None:
        """The platform's id of the message an edit row edits; None when it cannot go now.

        Only the newest edit of a message is sent: older ones are dropped, and a newer
        one waits out the flood wait of an older one, so a flood wait delays the
        message's final state but never loses it.
        """
        same_message = (
            OutboxMessage.platform == row.platform,
            OutboxMessage.chat_id == row.chat_id,
            OutboxMessage.key == row.key,
        )
        newer = session.scalar(
            select(OutboxMessage.id)
            .where(*same_message, OutboxMessage.edit, OutboxMessage.id > row.id)
            .limit(1)
        )
        if newer is not None:
            session.delete(row)
            return None
        waiting = session.scalar(
            select(func.max(OutboxMessage.not_before)).where(
                *same_message,
                OutboxMessage.edit,
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.id < row.id,
            )
        )
        if waiting is not None and waiting > row.not_before:
            row.not_before = waiting
            return None
        original = session.scalar(
            select(OutboxMessage)
            .where(*same_message, OutboxMessage.edit.is_(False), OutboxMessage.id < row.id)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        if original is not None and original.state == OutboxState.PENDING:
            row.not_before = max(row.not_before, original.not_before)
            return None
        if original is None or original.sent_message_id is None:
            row.state = OutboxState.FAILED
            row.error = "no sent message to edit"
            return None
        return original.sent_message_id

    async def _deliver(self, row_id: int, envelope: Envelope) -> bool:
        try:
            message_id = await self.send(envelope)
        except RetryLater as retry:
            log.warning(
                "%s outbox: message %d delayed %.0fs (%s)",
                self.platform,
                row_id,
                retry.delay,
                retry.reason,
            )
            await asyncio.to_thread(self._postpone, row_id, retry)
            return False
        except ChatMoved as moved:
            await asyncio.to_thread(self._follow, row_id, envelope, moved.new_chat_id)
            return False
        except Undeliverable as refused:
            log.warning(
                "%s outbox: message %d undeliverable (%s)", self.platform, row_id, refused.reason
            )
            await asyncio.to_thread(self._give_up, row_id, envelope, refused)
            return False
        await asyncio.to_thread(self._mark_sent, row_id, message_id)
        return True

    def _mark_sent(self, row_id: int, message_id: str | None) -> None:
        with self.db.transaction() as session:
            row = session.get_one(OutboxMessage, row_id)
            row.state = OutboxState.SENT
            row.sent_at = self.clock.now()
            row.sent_message_id = message_id
            row.attempts += 1
            scrub(session, row)

    def _postpone(self, row_id: int, retry: RetryLater) -> None:
        with self.db.transaction() as session:
            row = session.get_one(OutboxMessage, row_id)
            row.attempts += 1
            row.error = retry.reason[:300]
            if row.attempts >= self.max_attempts:
                row.state = OutboxState.FAILED
                log.error(
                    "%s outbox: message %d failed after %d attempts",
                    self.platform,
                    row_id,
                    row.attempts,
                )
            else:
                delay = retry.delay or min(MAX_BACKOFF, 2.0**row.attempts)
                row.not_before = self.clock.now() + timedelta(seconds=delay)

    def _follow(self, row_id: int, envelope: Envelope, new_chat_id: str) -> None:
        with self.db.transaction() as session:
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
            row = session.get_one(OutboxMessage, row_id)
            row.state = OutboxState.FAILED
            row.attempts += 1
            row.error = refused.reason[:300]
            if refused.chat_gone and envelope.target.kind == ChatKind.PRIVATE:
                close_private_chat(session, self.platform, envelope.target.chat_id)
            elif refused.chat_gone:
                unbind_chat(session, self.clock.now(), self.platform, envelope.target.chat_id)
