"""Composing a notice: a draft with its preview, then the sender's confirmation, or a cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Envelope, Media
from bot.services.common import access, audit
from bot.services.common.numbering import next_number, the_one
from bot.services.common.quiet import default_quiet, quiet_hours
from bot.services.common.when import moment_data, parse_duration, parse_when
from bot.services.notices.attachments import attachment, sent_along
from bot.services.notices.reach import (
    chats_per_platform,
    circle_title,
    resolve_scope,
    sending_seconds,
)
from bot.services.notices.recurring import Repeat
from bot.services.notices.sending import broadcast, notice_key
from bot.services.notices.spec import NoticeSpec, day_words
from models import (
    Circle,
    Notice,
    NoticeChat,
    NoticeCircle,
    NoticeStatus,
    OutboxMessage,
    OutboxState,
    Place,
    Resident,
)

# WeChat carries no caption: a picture sent this soon after a draft goes with it.
ATTACH_WINDOW = timedelta(minutes=5)
# A draft says what was true when written ("明天停水"): unconfirmed for a day, it may no
# longer be sent, and the sender writes it again.
DRAFT_LIFE = timedelta(days=1)


@dataclass(frozen=True)
class Preview:
    """What a draft will reach and how long sending takes, for the sender to confirm;
    `day_words` as for Confirmed."""

    number: int
    text: str
    circles: int
    chats: dict[str, int]
    seconds: int
    send_at: list[int | str] | None
    receipts: bool
    deadline: list[int | str] | None
    repeat: dict[str, Any] | None = None
    deadline_minutes: int | None = None
    attachment: str | None = None
    photo: bool = False
    held: list[int | str] | None = None
    day_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Confirmed:
    """A notice sent now (its messages), scheduled (its time; `held` when that is the end
    of the night), or recurring (its rule); `day_words`, its words that residents will read
    as of the later day it goes out on (今晚, 明天)."""

    number: int
    chats: int
    send_at: list[int | str] | None
    envelopes: list[Envelope]
    repeat: dict[str, Any] | None = None
    held: bool = False
    day_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cancelled:
    """A notice cancelled (or a recurring one stopped); the circles that already had it,
    and how many chats' messages were withdrawn before they went."""

    number: int
    stopped: bool
    delivered: list[str]
    withdrawn: int


@dataclass(frozen=True)
class Timing:
    """When a notice goes (the first time, when recurring) and its receipts' deadline."""

    send_at: datetime | None
    deadline: datetime | None
    repeat: Repeat | None = None
    deadline_minutes: int | None = None


def compose(
    session: Session,
    now: datetime,
    settings: Settings,
    resident: Resident,
    community: Place,
    spec: NoticeSpec,
    platform: str,
    here: Circle | None = None,
) -> Preview:
    """Check the scope, times and file, keep the notice as a draft and say what it will
    reach; `here` is the circle of the group it was typed in."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    reached = resolve_scope(session, resident, community, spec.scope, here)
    timing = _timing(session, now, settings, community, spec)
    chats = chats_per_platform(session, [r.circle for r in reached])
    image, document = attachment(spec.attachment, platform, chats, spec.media)
    notice = Notice(
        community_id=community.id,
        number=next_number(session, Notice, community),
        sender_id=resident.id,
        scope=" ".join(spec.scope)[:100],
        text=spec.text,
        status=NoticeStatus.DRAFT,
        receipts=spec.receipts,
        deadline_at=timing.deadline,
        send_at=timing.send_at,
        repeat=timing.repeat.code if timing.repeat else None,
        deadline_minutes=timing.deadline_minutes,
        image=image,
        document=document,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    for r in reached:
        session.add(NoticeCircle(notice_id=notice.id, circle_id=r.circle.id, place_id=r.place.id))
    name = spec.media.name if spec.media else _file_name(image or document)
    held = _night_end(session, now, settings, community) if notice.send_at is None else None
    return _preview(settings, now, notice, len(reached), chats, name, held)


def _night_end(
    session: Session, now: datetime, settings: Settings, community: Place
) -> datetime | None:
    """The end of the community's quiet hours when `now` falls in them, else None."""
    quiet = quiet_hours(session, community.id, default_quiet(settings))
    return quiet.over(now) if quiet.holds(now) else None


def _preview(
    settings: Settings,
    now: datetime,
    notice: Notice,
    circles: int,
    chats: dict[str, int],
    name: str | None,
    held: datetime | None,
) -> Preview:
    """What a draft will reach and when (`held`: the morning, when confirmed now in the
    night), for its sender to confirm."""
    zone = settings.zone
    return Preview(
        number=notice.number,
        text=notice.text,
        circles=circles,
        chats=chats,
        seconds=sending_seconds(chats, settings),
        send_at=moment_data(notice.send_at, zone, now) if notice.send_at else None,
        receipts=notice.receipts,
        deadline=moment_data(notice.deadline_at, zone, now) if notice.deadline_at else None,
        repeat=Repeat.of(notice.repeat).shown if notice.repeat else None,
        deadline_minutes=notice.deadline_minutes,
        attachment=name or None,
        photo=notice.image is not None,
        held=moment_data(held, zone, now) if held else None,
        day_words=_read_later(notice, held, zone),
    )


def _read_later(notice: Notice, held: datetime | None, zone: ZoneInfo) -> tuple[str, ...]:
    """The words of a notice such as 今晚 that residents will read on a later day than written."""
    # Words such as 今晚 are read on the day the notice goes out: after the night (`held`),
    # or on a later day than it was written. A recurring notice's words are meant for each day.
    written = notice.created_at.astimezone(zone).date()
    read = (held or notice.send_at or notice.created_at).astimezone(zone).date()
    if held is None and (notice.repeat is not None or read <= written):
        return ()
    return day_words(notice.text, written, read)


def attach_later(
    session: Session, now: datetime, settings: Settings, resident: Resident, media: Media
) -> Preview | None:
    """Add a picture or file sent just after a draft to it (WeChat has no captions) and
    show the preview again; None when the sender has no fresh draft without one."""
    notice = session.scalar(
        select(Notice)
        .where(
            Notice.sender_id == resident.id,
            Notice.status == NoticeStatus.DRAFT,
            Notice.created_at >= now - ATTACH_WINDOW,
            Notice.image.is_(None),
            Notice.document.is_(None),
        )
        .order_by(Notice.id.desc())
        .limit(1)
    )
    if notice is None:
        return None
    circles = [reached.circle for reached in notice.circles]
    chats = chats_per_platform(session, circles)
    notice.image, notice.document = sent_along(media, chats)
    held = None if notice.send_at else _night_end(session, now, settings, notice.community)
    return _preview(settings, now, notice, len(circles), chats, media.name, held)


def _file_name(path: str | None) -> str | None:
    return Path(path).name if path else None


def _timing(
    session: Session, now: datetime, settings: Settings, community: Place, spec: NoticeSpec
) -> Timing:
    """The sending time and deadline typed; for a recurring notice its first occurrence
    (outside the community's quiet hours) and the deadline as a span after each one."""
    zone = settings.zone
    send_at = _future(spec.send_at, now, zone)
    quiet = quiet_hours(session, community.id, default_quiet(settings))
    if spec.repeat is None:
        # A notice sent now is the sender's own act; one set for later must not wake people.
        if send_at is not None and quiet.holds(send_at):
            at = moment_data(send_at, zone, now)
            raise DomainError("notices.scheduled_at_night", at=at, quiet=quiet.text)
        deadline = _future(spec.deadline, now, zone)
        if deadline is not None and deadline <= (send_at or now):
            raise DomainError("notices.deadline_before_sending")
        return Timing(send_at, deadline)
    first = spec.repeat.after(send_at or now, zone)
    if quiet.holds(first):
        raise DomainError("notices.repeat_at_night", at=spec.repeat.shown["at"], quiet=quiet.text)
    return Timing(first, None, spec.repeat, _span(spec.deadline, first, now, zone))


def _span(typed: str | None, first: datetime, now: datetime, zone: ZoneInfo) -> int | None:
    """A recurring notice's deadline in minutes after each occurrence: a span as typed
    (截止 3小时), or the time from the first occurrence to the moment typed."""
    if typed is None:
        return None
    span = parse_duration(typed)
    if span is None:
        span = parse_when(typed, now, zone) - first
    if span <= timedelta():
        raise DomainError("notices.deadline_before_sending")
    return max(1, round(span.total_seconds() / 60))


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


def _fresh(now: datetime) -> ColumnElement[bool]:
    """A notice written less than DRAFT_LIFE before `now`: as a draft, still to be sent."""
    return Notice.created_at > now - DRAFT_LIFE


def _expired(session: Session, now: datetime, notice: Notice) -> bool:
    """Whether a draft was written too long ago to be sent."""
    fresh = session.scalar(select(Notice.id).where(Notice.id == notice.id, _fresh(now)))
    return fresh is None


def draft_waiting(session: Session, now: datetime, community: Place, sender: Resident) -> int:
    """The number of the sender's one draft waiting for their confirmation (expired ones
    wait no more)."""
    drafts = session.scalars(
        select(Notice.number)
        .where(
            Notice.community_id == community.id,
            Notice.sender_id == sender.id,
            Notice.status == NoticeStatus.DRAFT,
            _fresh(now),
        )
        .order_by(Notice.number)
    ).all()
    return the_one(drafts, "notices.none_to_confirm", "notices.which_to_confirm")


def confirm(
    session: Session,
    now: datetime,
    settings: Settings,
    resident: Resident,
    community: Place,
    number: int | None,
    language: str,
    at_once: bool = False,
) -> Confirmed:
    """The sender confirms a draft: it goes out now, waits for its time, or starts recurring.
    One to go now in the community's quiet hours waits for the morning. `at_once` sends a
    one-off notice now, a draft or one already waiting (for the morning or its time).
    Without a number, the sender's one draft; where several wait, they are asked which.
    A draft older than DRAFT_LIFE is not sent."""
    zone = settings.zone
    number = draft_waiting(session, now, community, resident) if number is None else number
    notice = find_notice(session, community, number)
    if not access.sees_notice(session, resident.id, community, notice):
        raise DomainError("notices.not_found", number=number)
    if notice.sender_id != resident.id:
        raise DomainError("notices.not_yours", number=number)
    waiting = notice.status == NoticeStatus.SCHEDULED
    if notice.status == NoticeStatus.SENT and notice.sent_at is not None:
        sent = moment_data(notice.sent_at, zone, now)
        raise DomainError("notices.sent_before", number=number, sent_at=sent)
    if notice.status in (NoticeStatus.CANCELLED, NoticeStatus.STOPPED):
        raise DomainError("notices.already_cancelled", number=number)
    if notice.status != NoticeStatus.DRAFT and not (waiting and at_once):
        raise DomainError("notices.not_draft", number=number, waiting=waiting)
    if notice.status == NoticeStatus.DRAFT and _expired(session, now, notice):
        raise DomainError("notices.draft_expired", number=number)
    if at_once and notice.repeat is None:
        notice.send_at = None
    due = notice.repeat is None and (notice.send_at is None or notice.send_at <= now)
    held = None if at_once or not due else _night_end(session, now, settings, community)
    if held is not None and notice.deadline_at is not None and notice.deadline_at <= held:
        # Residents would see it only after its receipts had closed.
        raise DomainError("notices.deadline_before_morning", number=number)
    audit.record(session, now, "notice.confirm", actor_id=resident.id, place_id=community.id)
    words = _read_later(notice, held, zone)
    if held is not None:
        notice.send_at, notice.status = held, NoticeStatus.SCHEDULED
        return Confirmed(number, 0, moment_data(held, zone, now), [], held=True, day_words=words)
    if notice.repeat is not None:
        repeat = Repeat.of(notice.repeat)
        if notice.send_at is None or notice.send_at <= now:
            notice.send_at = repeat.after(now, zone)
        notice.status = NoticeStatus.RECURRING
        return Confirmed(number, 0, moment_data(notice.send_at, zone, now), [], repeat.shown)
    if notice.send_at is not None and notice.send_at > now:
        notice.status = NoticeStatus.SCHEDULED
        return Confirmed(number, 0, moment_data(notice.send_at, zone, now), [], day_words=words)
    envelopes = broadcast(session, now, zone, notice, language)
    return Confirmed(number, len(envelopes), None, envelopes)


def cancel(
    session: Session, now: datetime, resident: Resident, community: Place, number: int
) -> Cancelled:
    """Cancel a draft or scheduled notice, stop a recurring one, or withdraw what a running
    notice has not yet sent (its sender or a secretary); a notice fully sent stays."""
    notice = find_notice(session, community, number)
    if not access.sees_notice(session, resident.id, community, notice):
        raise DomainError("notices.not_found", number=number)
    if not access.manages_notice(session, resident.id, community, notice.sender_id):
        raise DomainError("notices.stop_not_yours", number=number)
    if notice.status in (NoticeStatus.CANCELLED, NoticeStatus.STOPPED):
        raise DomainError("notices.already_cancelled", number=number)
    done = Cancelled(number, notice.status == NoticeStatus.RECURRING, [], 0)
    if notice.status == NoticeStatus.SENT:
        done = _withdraw(session, now, notice)
    notice.status = NoticeStatus.STOPPED if done.stopped else NoticeStatus.CANCELLED
    notice.cancelled_at = now
    audit.record(session, now, "notice.cancel", actor_id=resident.id, place_id=community.id)
    return done


def _withdraw(session: Session, now: datetime, notice: Notice) -> Cancelled:
    """Withdraw a running notice's messages not yet sent (nor being sent); the circles
    whose chats already had it are named."""
    outbox = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.key == notice_key(notice), OutboxMessage.edit.is_(False)
        )
    ).all()
    waiting = [
        row
        for row in outbox
        if row.state == OutboxState.PENDING
        and (row.claimed_until is None or row.claimed_until <= now)
    ]
    if not waiting:
        raise DomainError("notices.already_sent", number=notice.number)
    missed = {(r.platform, r.chat_id) for r in outbox if r.state == OutboxState.FAILED}
    missed |= {(r.platform, r.chat_id) for r in waiting}
    for row in waiting:
        session.delete(row)
    chats = session.scalars(select(NoticeChat).where(NoticeChat.notice_id == notice.id)).all()
    had = {c.circle_id for c in chats if (c.platform, c.chat_id) not in missed}
    circles = session.scalars(select(Circle).where(Circle.id.in_(had)).order_by(Circle.id))
    return Cancelled(notice.number, False, [circle_title(c) for c in circles], len(waiting))
