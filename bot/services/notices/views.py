"""The notices a sender sees in `/notices`: recent and scheduled, with their figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.db import rows
from bot.errors import DomainError
from bot.services.common import access
from bot.services.notices.receipts import household_figures
from bot.services.notices.recurring import Repeat
from bot.services.notices.sending import notice_key
from models import (
    Notice,
    NoticeChat,
    NoticeStatus,
    OutboxMessage,
    OutboxState,
    Place,
    Resident,
)

RECENT = 10


@dataclass(frozen=True)
class NoticeLine:
    """One notice: its state, when, chats reached and failed, households acknowledged, and
    who sent it when the viewer did not ("" when the sender is gone)."""

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
    sender: str | None


@dataclass(frozen=True)
class NoticeList:
    """The notices a viewer sees, and whether they are the whole community's."""

    lines: list[NoticeLine]
    community: bool


def notices_of(session: Session, resident: Resident, community: Place) -> NoticeList:
    """The latest notices of the community (a secretary's view), or those a building head sent
    or that reached their buildings, with the figures of the places the viewer may see."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    query = select(Notice).where(
        Notice.community_id == community.id, Notice.status != NoticeStatus.DRAFT
    )
    whole = access.is_secretary_for(session, resident.id, community)
    areas = access.receipt_areas(session, resident.id, community, None)
    if not whole:
        reaching = access.notices_reaching(areas)
        query = query.where(or_(Notice.sender_id == resident.id, Notice.id.in_(reaching)))
    notices = session.scalars(query.order_by(Notice.number.desc()).limit(RECENT)).all()
    chats = _chats(session, [n.id for n in notices])
    states = _states(session, [notice_key(n) for n in notices])
    counted: dict[tuple[str, ...], int] = {}
    lines = [
        _line(
            session,
            n,
            None if n.sender_id == resident.id else areas,
            (chats.get(n.id, 0), states.get(notice_key(n), {})),
            counted,
        )
        for n in notices
    ]
    return NoticeList(lines, whole)


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
    session: Session,
    notice: Notice,
    areas: list[Place] | None,
    sent: tuple[int, dict[OutboxState, int]],
    counted: dict[tuple[str, ...], int],
) -> NoticeLine:
    """A notice's line from its chats and their messages' states; `areas` narrow the figures
    of a notice the viewer did not send; `counted` keeps household counts across lines."""
    chats, states = sent
    figures = household_figures(session, notice, areas, counted) if notice.receipts else (0, 0)
    acked, households = figures
    sender = None if areas is None else (notice.sender.display_name if notice.sender else "")
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
        sender=sender,
    )


def _when(notice: Notice) -> datetime | None:
    """When it was sent, cancelled or stopped; else when it (next) goes."""
    if notice.status in (NoticeStatus.CANCELLED, NoticeStatus.STOPPED):
        return notice.cancelled_at
    return notice.sent_at or notice.send_at
