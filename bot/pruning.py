"""Pruning what delivery leaves behind: handled updates, sent messages and old buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from bot.config import Settings
from bot.messages import Envelope
from models import Button, OutboxMessage, OutboxState, ProcessedUpdate

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
