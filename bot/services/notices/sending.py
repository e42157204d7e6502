"""Sending a notice: one staged message per chat, now or when its time comes.

A notice is marked sent in the transaction that stages its messages (the dispatcher's
or the scheduler's), with one `NoticeChat` row per chat under a unique key: a crash
before the commit leaves it to send again, after it nothing is sent twice.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Choice, Envelope, Reply
from bot.services.common import access
from bot.services.common.outreach import active_chats_of, to_chat
from bot.services.common.when import moment_data
from models import Notice, NoticeChat, NoticeStatus

SCHEDULED = (Notice.status == NoticeStatus.SCHEDULED, Notice.send_at.is_not(None))


NOTICE_KEY = "notice:"


def notice_key(notice: Notice) -> str:
    """The key of a notice's message in each chat (its outbox rows carry it)."""
    return f"{NOTICE_KEY}{notice.id}"


def notice_reply(session: Session, notice: Notice, zone: ZoneInfo, now: datetime) -> Reply:
    """The notice as residents see it, headed by who sends it, with a 收到 button when it
    asks for receipts."""
    deadline = moment_data(notice.deadline_at, zone, now) if notice.deadline_at else None
    choices = (
        [[Choice("notices.ack_button", f"/ack {notice.number}", translated=True)]]
        if notice.receipts
        else []
    )
    data = {
        "number": notice.number,
        "community": notice.community.name,
        "building": _headed_by(session, notice),
        "text": notice.text,
        "receipts": notice.receipts,
        "deadline": deadline,
    }
    image = Path(notice.image) if notice.image else None
    document = Path(notice.document) if notice.document else None
    return Reply("notices.notice", data, choices, image=image, document=document)


def _headed_by(session: Session, notice: Notice) -> str | None:
    """The buildings a building head sends for (secretaries send for the community)."""
    sender, community = notice.sender_id, notice.community
    if sender is None or access.is_secretary_for(session, sender, community):
        return None
    buildings = {place.name for place in access.headed_buildings(session, sender, community)}
    return "、".join(sorted(buildings)) or None


def broadcast(
    session: Session, now: datetime, zone: ZoneInfo, notice: Notice, language: str
) -> list[Envelope]:
    """Mark the notice sent and address it to every active chat of its circles, once each,
    as bulk messages (replies to residents go first); its progress is followed from now."""
    notice.status = NoticeStatus.SENT
    notice.sent_at = now
    notice.progress_due_at = now
    reply = notice_reply(session, notice, zone, now)
    envelopes: list[Envelope] = []
    seen: set[tuple[str, str]] = set()
    chats = active_chats_of(session, [reached.circle_id for reached in notice.circles])
    for reached in notice.circles:
        for chat in chats.get(reached.circle_id, []):
            if (chat.platform, chat.chat_id) in seen:
                continue
            seen.add((chat.platform, chat.chat_id))
            session.add(
                NoticeChat(
                    notice_id=notice.id,
                    circle_id=reached.circle_id,
                    platform=chat.platform,
                    chat_id=chat.chat_id,
                    title=chat.title,
                    staged_at=now,
                )
            )
            envelope = to_chat(chat, reply, language, key=notice_key(notice))
            envelope.bulk = True
            envelopes.append(envelope)
    session.flush()
    return envelopes


class SendNotices:
    """Sends every scheduled notice whose time has come."""

    name = "notices-send"

    def __init__(self, settings: Settings, language: str) -> None:
        self.zone = settings.zone
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest scheduled notice."""
        return session.scalar(select(func.min(Notice.send_at)).where(*SCHEDULED))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Send the notices due now; a notice late because the bot was down still goes."""
        due = session.scalars(
            select(Notice)
            .where(*SCHEDULED, Notice.send_at <= now)
            .order_by(Notice.send_at, Notice.id)
            .with_for_update()
        ).all()
        return [
            e for notice in due for e in broadcast(session, now, self.zone, notice, self.language)
        ]
