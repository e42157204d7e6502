"""The notices a sender sees in `/notices`, recent and scheduled, with their figures; and
those that reached a resident's home, with their own receipts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.db import rows
from bot.errors import DomainError
from bot.services.common import access
from bot.services.notices.compose import find_notice
from bot.services.notices.receipts import household_figures
from bot.services.notices.recurring import Repeat
from bot.services.notices.sending import notice_key
from models import (
    Notice,
    NoticeChat,
    NoticeCircle,
    NoticeReceipt,
    NoticeStatus,
    OutboxMessage,
    OutboxState,
    Place,
    Resident,
)

RECENT = 10
# How many of the notices that reached them a resident's list shows, newest first.
REACHED = 5


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
    """The notices a viewer sees, whether they are the whole community's, and whether the
    viewer sends notices (a grid worker only follows those reaching their area)."""

    lines: list[NoticeLine]
    community: bool
    sends: bool


@dataclass(frozen=True)
class ReachedLine:
    """A notice that reached a resident's home: when it went, and for one asking receipts
    whether they acknowledged it and whether it still takes a 收到 (until its deadline)."""

    number: int
    text: str
    at: datetime | None
    receipts: bool
    acked: bool
    open: bool
    deadline: datetime | None


def reached_home(session: Session, now: datetime, resident: Resident) -> list[ReachedLine]:
    """The latest notices sent to a place holding the resident's home, newest first; someone
    not registered is told how to register, for notices reach homes."""
    home = resident.household
    if home is None:
        raise access.unregistered(session, resident, "notices.register_to_list")
    reaching = access.notices_reaching([home])
    notices = session.scalars(
        select(Notice)
        .where(Notice.id.in_(reaching), Notice.status == NoticeStatus.SENT)
        .order_by(Notice.sent_at.desc(), Notice.id.desc())
        .limit(REACHED)
    ).all()
    acked = set(
        session.scalars(
            select(NoticeReceipt.notice_id).where(
                NoticeReceipt.resident_id == resident.id,
                NoticeReceipt.notice_id.in_([n.id for n in notices]),
            )
        )
    )
    return [_reached_line(n, now, n.id in acked) for n in notices]


def shown(
    session: Session, now: datetime, resident: Resident, community: Place, number: int
) -> ReachedLine:
    """`通知 N`: a sent notice whole, for one whose home it reached or who sees it in
    `/notices`; to anyone else it answers as a number no notice has."""
    notice = find_notice(session, community, number)
    home = resident.household
    reached = False
    if home is not None and notice.sent_at is not None:
        reaching = access.notices_reaching([home]).where(NoticeCircle.notice_id == notice.id)
        reached = bool(session.scalar(select(reaching.exists())))
    if not reached and not access.sees_notice(session, resident.id, community, notice):
        raise DomainError("notices.not_found", number=number)
    if notice.sent_at is None:
        raise DomainError("notices.shown_not_sent", number=number)
    acked = select(NoticeReceipt).where(
        NoticeReceipt.resident_id == resident.id, NoticeReceipt.notice_id == notice.id
    )
    return _reached_line(notice, now, bool(session.scalar(select(acked.exists()))))


def _reached_line(notice: Notice, now: datetime, acked: bool) -> ReachedLine:
    """A sent notice as a resident sees it, with whether they acknowledged it."""
    return ReachedLine(
        number=notice.number,
        text=notice.text,
        at=notice.sent_at,
        receipts=notice.receipts,
        acked=acked,
        open=notice.deadline_at is None or notice.deadline_at > now,
        deadline=notice.deadline_at,
    )


def listing(
    session: Session, now: datetime, resident: Resident, community: Place
) -> NoticeList | list[ReachedLine]:
    """`/notices`: a sender's or grid worker's list (see `_notices_of`); anyone else's, the
    notices that reached their home (see `reached_home`)."""
    if access.lists_notices(session, resident.id, community):
        return _notices_of(session, resident, community)
    return reached_home(session, now, resident)


def _notices_of(session: Session, resident: Resident, community: Place) -> NoticeList:
    """The latest notices of the community (a secretary's view), or those a building head sent
    or that reached their buildings (a grid worker's area), with the figures of the places
    the viewer may see."""
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
    return NoticeList(lines, whole, access.sends_notices(session, resident.id, community))


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
