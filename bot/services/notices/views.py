"""The notices a sender sees in `/notices`: recent and scheduled, with their figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    return [_line(session, notice) for notice in notices]


def _line(session: Session, notice: Notice) -> NoticeLine:
    chats = session.scalar(
        select(func.count()).select_from(NoticeChat).where(NoticeChat.notice_id == notice.id)
    )
    rows = session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.key == notice_key(notice), OutboxMessage.edit.is_(False))
        .group_by(OutboxMessage.state)
    )
    states: dict[OutboxState, int] = {state: count for state, count in rows}
    acked, households = household_figures(session, notice) if notice.receipts else (0, 0)
    return NoticeLine(
        number=notice.number,
        status=notice.status.value,
        text=notice.text,
        at=_when(notice),
        chats=chats or 0,
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
