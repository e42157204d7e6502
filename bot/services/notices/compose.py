"""Composing a notice: a draft with its preview, then the sender's confirmation, or a cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Envelope
from bot.services.common import access, audit
from bot.services.common.numbering import next_number
from bot.services.common.when import local_text, parse_when
from bot.services.notices.reach import chats_per_platform, resolve_scope, sending_seconds
from bot.services.notices.sending import broadcast
from bot.services.notices.spec import NoticeSpec
from models import Notice, NoticeCircle, NoticeStatus, Place, Resident


@dataclass(frozen=True)
class Preview:
    """What a draft will reach and how long sending takes, for the sender to confirm."""

    number: int
    text: str
    circles: int
    chats: dict[str, int]
    seconds: int
    send_at: str | None
    receipts: bool
    deadline: str | None


@dataclass(frozen=True)
class Confirmed:
    """A notice sent now (its messages) or scheduled (its time)."""

    number: int
    chats: int
    send_at: str | None
    envelopes: list[Envelope]


def compose(
    session: Session,
    now: datetime,
    settings: Settings,
    resident: Resident,
    community: Place,
    spec: NoticeSpec,
) -> Preview:
    """Check the scope and times, keep the notice as a draft and say what it will reach."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    reached = resolve_scope(session, resident, community, spec.scope)
    send_at = _future(spec.send_at, now, settings.zone)
    deadline = _future(spec.deadline, now, settings.zone)
    if deadline is not None and deadline <= (send_at or now):
        raise DomainError("notices.deadline_before_sending")
    notice = Notice(
        community_id=community.id,
        number=next_number(session, Notice, community),
        sender_id=resident.id,
        scope=" ".join(spec.scope)[:100],
        text=spec.text,
        status=NoticeStatus.DRAFT,
        receipts=spec.receipts,
        deadline_at=deadline,
        send_at=send_at,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    for r in reached:
        session.add(NoticeCircle(notice_id=notice.id, circle_id=r.circle.id, place_id=r.place.id))
    chats = chats_per_platform(session, [r.circle for r in reached])
    return Preview(
        number=notice.number,
        text=notice.text,
        circles=len(reached),
        chats=chats,
        seconds=sending_seconds(chats, settings),
        send_at=local_text(send_at, settings.zone) if send_at else None,
        receipts=notice.receipts,
        deadline=local_text(deadline, settings.zone) if deadline else None,
    )


def _future(typed: str | None, now: datetime, zone: ZoneInfo) -> datetime | None:
    if typed is None:
        return None
    moment = parse_when(typed, now, zone)
    if moment <= now:
        raise DomainError("notices.in_past", when=typed[:30])
    return moment


def find_notice(session: Session, community: Place, number: int) -> Notice:
    """Notice `number` of the community; a clear error when there is none."""
    notice = session.scalar(
        select(Notice).where(Notice.community_id == community.id, Notice.number == number)
    )
    if notice is None:
        raise DomainError("notices.not_found", number=number)
    return notice


def confirm(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    community: Place,
    number: int,
    language: str,
) -> Confirmed:
    """The sender confirms a draft: it goes out now, or waits for its time."""
    notice = find_notice(session, community, number)
    if notice.sender_id != resident.id:
        raise DomainError("notices.not_yours", number=number)
    if notice.status != NoticeStatus.DRAFT:
        raise DomainError("notices.not_draft", number=number)
    audit.record(session, now, "notice.confirm", actor_id=resident.id, place_id=community.id)
    if notice.send_at is not None and notice.send_at > now:
        notice.status = NoticeStatus.SCHEDULED
        return Confirmed(number, 0, local_text(notice.send_at, zone), [])
    envelopes = broadcast(session, now, zone, notice, language)
    return Confirmed(number, len(envelopes), None, envelopes)


def cancel(
    session: Session, now: datetime, resident: Resident, community: Place, number: int
) -> int:
    """Cancel a draft or scheduled notice (its sender or a secretary); a sent one stays."""
    notice = find_notice(session, community, number)
    mine = notice.sender_id == resident.id
    if not mine and not access.is_secretary_for(session, resident.id, community):
        raise DomainError("notices.not_yours", number=number)
    if notice.status == NoticeStatus.SENT:
        raise DomainError("notices.already_sent", number=number)
    if notice.status == NoticeStatus.CANCELLED:
        raise DomainError("notices.already_cancelled", number=number)
    notice.status = NoticeStatus.CANCELLED
    notice.cancelled_at = now
    audit.record(session, now, "notice.cancel", actor_id=resident.id, place_id=community.id)
    return number
