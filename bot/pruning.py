"""Pruning what delivery leaves behind: handled updates, sent messages, old buttons and
received files nothing kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from bot.config import Settings
from bot.db import in_slices
from bot.messages import Envelope
from models import Button, Notice, OutboxMessage, OutboxState, ProcessedUpdate, Request

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class _Aged:
    """Rows of one table that may go once `stamp` is `keep` old and `only` holds."""

    model: type[Any]
    stamp: InstrumentedAttribute[Any]
    keep: timedelta
    only: ColumnElement[bool]


def _sent_and_unneeded() -> ColumnElement[bool]:
    """Sent outbox rows that no edit will look for.

    An edit finds the message it edits through the newest original row with its key,
    so that row stays (a poll's count is edited until it closes); older ones may go.
    """
    newer = aliased(OutboxMessage)
    superseded = exists().where(
        newer.platform == OutboxMessage.platform,
        newer.chat_id == OutboxMessage.chat_id,
        newer.key == OutboxMessage.key,
        newer.edit.is_(False),
        newer.id > OutboxMessage.id,
    )
    return and_(
        OutboxMessage.state == OutboxState.SENT,
        or_(OutboxMessage.key.is_(None), OutboxMessage.edit, superseded),
    )


def _next_hour(moment: datetime) -> datetime:
    """The whole hour at or after `moment`, so that pruning runs at most once an hour."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + HOUR


class PruneDelivery:
    """Deletes handled updates, sent messages and buttons once they are old enough.

    Handled updates are kept long enough for the redelivery guard (Telegram resends
    unconfirmed updates within a day); a press on a pruned button gets the short
    "this button has expired" answer.
    """

    name = "prune-delivery"

    def __init__(self, settings: Settings, _language: str) -> None:
        keep = settings.delivery
        self.aged: Sequence[_Aged] = (
            _Aged(
                ProcessedUpdate,
                ProcessedUpdate.processed_at,
                timedelta(days=keep.keep_updates_days),
                true(),
            ),
            _Aged(
                OutboxMessage,
                OutboxMessage.sent_at,
                timedelta(days=keep.keep_sent_days),
                _sent_and_unneeded(),
            ),
            _Aged(Button, Button.created_at, timedelta(days=keep.keep_buttons_days), true()),
        )

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The hour when the oldest prunable row of any table becomes old enough."""
        times = [
            _next_hour(oldest + aged.keep)
            for aged in self.aged
            if (oldest := session.scalar(select(func.min(aged.stamp)).where(aged.only))) is not None
        ]
        return min(times) if times else None

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Delete every row old enough at `now`; nobody is told."""
        for aged in self.aged:
            session.execute(
                delete(aged.model)
                .where(aged.stamp <= now - aged.keep, aged.only)
                .execution_options(synchronize_session=False)
            )
        return []


class PruneReceivedFiles:
    """Deletes pictures and files received from chats once a day old, unless a request or a
    notice keeps them; a kept one goes too once its request is erased (/forget)."""

    name = "prune-received-files"
    keep = timedelta(days=1)

    def __init__(self, settings: Settings, _language: str) -> None:
        self.folder = settings.received_path
        self._next_look: datetime | None = None

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The hour when the oldest received file nothing keeps becomes a day old (or the
        next look at the folder, if that is later: see `run_due`)."""
        unkept = self._unkept(session)
        if not unkept:
            return None
        due = _next_hour(min(unkept.values()) + self.keep)
        return max(due, self._next_look) if self._next_look is not None else due

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Delete every received file a day old that nothing keeps; nobody is told.

        Files fall due on whole hours (see `next_due`), so the folder is read once an hour
        of the clock, not at every tick.
        """
        if self._next_look is not None and now < self._next_look:
            return []
        self._next_look = now.replace(minute=0, second=0, microsecond=0) + HOUR
        for path, received in self._unkept(session).items():
            if received + self.keep <= now:
                path.unlink(missing_ok=True)
        return []

    def _unkept(self, session: Session) -> dict[Path, datetime]:
        """The received files no request or notice keeps, with when each came."""
        if not self.folder.is_dir():
            return {}
        files = {
            path: datetime.fromtimestamp(path.stat().st_mtime, UTC)
            for path in self.folder.iterdir()
            if path.is_file()
        }
        names = [str(path) for path in files]
        kept: set[str] = set()
        for column in (Request.image, Request.document, Notice.image, Notice.document):
            for chunk in in_slices(names):
                kept.update(session.scalars(select(column).where(column.in_(chunk))))
        return {path: came for path, came in files.items() if str(path) not in kept}
