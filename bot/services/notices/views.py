"""The notices a sender sees in `/notices`: recent and scheduled, with their figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import rows
from bot.errors import DomainError
from bot.services.common import access
from bot.services.notices.receipts import household_figures
from bot.services.notices.recurring import Repeat
from bot.services.notices.sending import notice_key
from models import Notice, NoticeChat, NoticeStatus, OutboxMessage, OutboxState, Place, Resident

RECENT = 10


@dataclass(frozen=True)
class NoticeLine:
    """One notice: its state, when, chats reached and failed, households acknowledged."""

    number: int
    status: str
    text: str
    at: datetime | None
    chats: int
    failed: int
    pending: int
    receipts: bool
    acked: int
    households: int
    repeat: dict[str, Any] | None


def notices_of(session: Session, resident: Resident, community: Place) -> list[NoticeLine]:
    """The latest notices of the community (a secretary's view) or of the sender."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    query = select(Notice).where(
        Notice.community_id == community.id, Notice.status != NoticeStatus.DRAFT
    )
    if not access.is_secretary_for(session, resident.id, community):
        query = query.where(Notice.sender_id == resident.id)
    notices = session.scalars(query.order_by(Notice.number.desc()).limit(RECENT)).all()
    chats = _chats(session, [n.id for n in notices])
    states = _states(session, [notice_key(n) for n in notices])
    return [_line(session, n, chats.get(n.id, 0), states.get(notice_key(n), {})) for n in notices]


def _chats(session: Session, ids: list[int]) -> dict[int, int]:
    """How many chats each notice went to, by notice id."""
    counted = rows(
        session,
        select(NoticeChat.notice_id, func.count().label("chats"))
        .where(NoticeChat.notice_id.in_(ids))
        .group_by(NoticeChat.notice_id),
    )
    return {row.notice_id: row.chats for row in counted}


def _states(session: Session, keys: list[str]) -> dict[str, dict[OutboxState, int]]:
    """How many of each notice's messages are in each state, by the messages' key."""
    counted = rows(
        session,
        select(OutboxMessage.key, OutboxMessage.state, func.count().label("messages"))
        .where(OutboxMessage.key.in_(keys), OutboxMessage.edit.is_(False))
        .group_by(OutboxMessage.key, OutboxMessage.state),
    )
    states: dict[str, dict[OutboxState, int]] = {}
    for row in counted:
        states.setdefault(row.key, {})[row.state] = row.messages
    return states


def _line(
    session: Session, notice: Notice, chats: int, states: dict[OutboxState, int]
) -> NoticeLine:
    acked, households = household_figures(session, notice) if notice.receipts else (0, 0)
    return NoticeLine(
        number=notice.number,
        status=notice.status.value,
        text=notice.text,
        at=_when(notice),
        chats=chats,
        failed=states.get(OutboxState.FAILED, 0),
        pending=states.get(OutboxState.PENDING, 0),
        receipts=notice.receipts,
        acked=acked,
        households=households,
        repeat=Repeat.of(notice.repeat).shown if notice.repeat else None,
    )


def _when(notice: Notice) -> datetime | None:
    """When it was sent, cancelled or stopped; else when it (next) goes."""
    if notice.status in (NoticeStatus.CANCELLED, NoticeStatus.STOPPED):
        return notice.cancelled_at
    return notice.sent_at or notice.send_at
