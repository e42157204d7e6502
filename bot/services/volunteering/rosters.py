"""How duty looks in chats: shift lines, the day's 接龙 roster, and the envelopes that carry them.

A circle's roster of a day is one message per chat, named `roster:<circle>:<day>`.
Where the platform edits messages, every change edits it in place; where it cannot
(WeChat), changes mark it, and a fresh copy is posted once they settle (RosterReposts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import ChatKind, Envelope, Reply, Target
from bot.services.common.outreach import active_chats, to_identities
from bot.services.common.when import moment_data
from bot.services.community.roles import circle_title
from bot.services.volunteering.reminders import local_day
from bot.services.volunteering.shifts import (
    LISTED,
    ShiftView,
    day_bounds,
    find_shift,
    shifts_on,
    upcoming,
    views,
)
from models import (
    Circle,
    CircleChat,
    Place,
    Resident,
    RosterPost,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
)


def when_data(shift: Shift, zone: ZoneInfo) -> dict[str, Any]:
    """A shift's day and hours as templates show them; an end at midnight reads 24:00."""
    start = shift.starts_at.astimezone(zone)
    end = shift.ends_at.astimezone(zone)
    midnight = end.time() == time(0) and end.date() == start.date() + timedelta(days=1)
    return {
        "date": [start.year, start.month, start.day, start.weekday()],
        "start": start.strftime("%H:%M"),
        "end": "24:00" if midnight else end.strftime("%H:%M"),
        "next_day": end.date() != start.date() and not midnight,
    }


def shift_data(view: ShiftView, zone: ZoneInfo) -> dict[str, Any]:
    """Everything a template shows about a shift."""
    shift = view.shift
    return when_data(shift, zone) | {
        "number": shift.number,
        "title": shift.project.title,
        "place": shift.place,
        "capacity": shift.capacity,
        "taken": view.taken,
        "left": view.left,
        "waiting": view.waiting,
        "waitlist": shift.waitlist_limit,
        "role": shift.required_role.value if shift.required_role else "",
        "cancelled": shift.status.value == "cancelled",
    }


def about(session: Session, shift: Shift, zone: ZoneInfo) -> dict[str, Any]:
    """Template data about one shift, counted now, under the name `shift`."""
    return {"shift": shift_data(views(session, [shift])[0], zone)}


@dataclass(frozen=True)
class ShiftList:
    """Upcoming shifts as templates show them: where, the first ones, and how many more."""

    where: str
    shifts: list[dict[str, Any]]
    more: int


def shift_list(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    community: Place,
    circle: Circle | None,
    day: date | None,
    limit: int,
) -> ShiftList:
    """Open shifts that have not started, of the circle (else the community), on `day` if
    given, soonest first, at most `limit` of them."""
    since, until = day_bounds(day, zone) if day else (None, None)
    found, total = upcoming(
        session, now, community, circle=circle, since=since, until=until, limit=limit
    )
    where = circle_title(session, circle) if circle else community.name
    return ShiftList(where, [shift_data(view, zone) for view in found], total - len(found))


@dataclass(frozen=True)
class ShiftDetail:
    """One shift as templates show it, with its 接龙 list, cutoffs and whether it is open."""

    number: int
    shown: dict[str, Any]
    signup_until: list[int | str]
    cancel_until: list[int | str]
    open: bool


def shift_detail(
    session: Session, now: datetime, zone: ZoneInfo, community: Place, number: int
) -> ShiftDetail:
    """Shift `number` of a community as its roster shows it (the bare shift off any roster)."""
    shift = find_shift(session, community, number)
    circle = shift.circle
    roster = (
        roster_reply(session, now, circle, local_day(shift.starts_at, zone), zone)
        if circle
        else None
    )
    entry = next(
        (s for s in (roster.data["shifts"] if roster else []) if s["number"] == shift.number),
        about(session, shift, zone)["shift"]
        | {"people": [], "waiting_names": [], "ended": shift.ends_at <= now},
    )
    return ShiftDetail(
        shift.number,
        entry,
        moment_data(shift.signup_until, zone, now),
        moment_data(shift.cancel_until, zone, now),
        shift.status != ShiftStatus.CANCELLED and shift.starts_at > now,
    )


def roster_key(circle_id: int, day: date) -> str:
    """The name of a circle's roster message of a day."""
    return f"roster:{circle_id}:{day.isoformat()}"


def roster_reply(
    session: Session, now: datetime, circle: Circle, day: date, zone: ZoneInfo
) -> Reply:
    """The day's 接龙 roster of a circle: each shift with its numbered list and waitlist;
    a shift that has ended asks for no one."""
    day_views = views(session, shifts_on(session, circle, day, zone))
    people = _people(session, [view.shift.id for view in day_views])
    shifts = []
    for view in day_views:
        on_list, waiting = people[view.shift.id]
        ended = view.shift.ends_at <= now
        shifts.append(
            shift_data(view, zone) | {"people": on_list, "waiting_names": waiting, "ended": ended}
        )
    # A day left without shifts had them cancelled, or else moved to other days.
    moved = not shifts and not _cancelled_on(session, circle, day, zone)
    return Reply(
        "volunteering.roster",
        {"date": [day.year, day.month, day.day, day.weekday()], "shifts": shifts, "moved": moved},
    )


def _cancelled_on(session: Session, circle: Circle, day: date, zone: ZoneInfo) -> bool:
    """Whether a shift of the circle starting on this local day was cancelled."""
    start, end = day_bounds(day, zone)
    found = session.scalar(
        select(Shift.id)
        .where(
            Shift.circle_id == circle.id,
            Shift.status == ShiftStatus.CANCELLED,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .limit(1)
    )
    return found is not None


def _people(session: Session, shift_ids: list[int]) -> dict[int, tuple[list[list[Any]], list[str]]]:
    """Each shift's 接龙 list ([number, name, standing]) and waitlist names, in one query,
    each in the order people took their places."""
    found: dict[int, tuple[list[list[Any]], list[str]]] = {i: ([], []) for i in shift_ids}
    if not shift_ids:
        return found
    rows = session.execute(
        select(SignUp.shift_id, SignUp.status, SignUp.checked_in_at, Resident.display_name)
        .join(Resident, Resident.id == SignUp.resident_id)
        .where(
            SignUp.shift_id.in_(shift_ids),
            SignUp.status.in_((*LISTED, SignUpStatus.WAITLISTED)),
        )
        .order_by(SignUp.queued_at, SignUp.id)
    )
    for shift_id, status, checked_in_at, name in rows:
        on_list, waiting = found[shift_id]
        if status == SignUpStatus.WAITLISTED:
            waiting.append(name)
        else:
            on_list.append([len(on_list) + 1, name, _shown(status, checked_in_at)])
    return found


def _shown(status: SignUpStatus, checked_in_at: datetime | None) -> str:
    """Where someone stands on a roster; a check-in shows until the time is confirmed."""
    if status == SignUpStatus.SIGNED_UP and checked_in_at is not None:
        return "checked_in"
    return status.value


def _envelope(chat: CircleChat, reply: Reply, language: str, key: str, edit: bool) -> Envelope:
    target = Target(chat.platform, chat.chat_id, ChatKind.GROUP)
    return Envelope(target, replace(reply), chat.circle.language or language, key=key, edit=edit)


def refresh_rosters(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    circle: Circle | None,
    days: Iterable[date],
    language: str,
    repost_after: timedelta,
    *,
    create: bool,
) -> list[Envelope]:
    """Edit a circle's roster messages of these days; with `create`, post missing ones."""
    # Every edited message is also marked for a re-post: RosterReposts posts a fresh copy
    # where the platform cannot edit, and lets the mark go elsewhere.
    if circle is None:
        return []
    envelopes: list[Envelope] = []
    chats = active_chats(session, circle)
    for day in sorted(set(days)):
        reply = roster_reply(session, now, circle, day, zone)
        key = roster_key(circle.id, day)
        for chat in chats:
            post = _post(session, circle, chat, day)
            if post is not None:
                post.repost_at = post.repost_at or now + repost_after
                envelopes.append(_envelope(chat, reply, language, key, edit=True))
            elif create and reply.data["shifts"]:
                session.add(
                    RosterPost(
                        circle_id=circle.id,
                        platform=chat.platform,
                        chat_id=chat.chat_id,
                        day=day,
                        posted_at=now,
                    )
                )
                envelopes.append(_envelope(chat, reply, language, key, edit=False))
    session.flush()
    return envelopes


def post_rosters(
    session: Session, now: datetime, zone: ZoneInfo, circle: Circle, day: date, language: str
) -> list[Envelope]:
    """Post a circle's roster of a day afresh in every chat (the morning roster), unless
    the day's duty is all over by then (a dawn shift before quiet hours end)."""
    if all(shift.ends_at <= now for shift in shifts_on(session, circle, day, zone)):
        return []
    reply = roster_reply(session, now, circle, day, zone)
    envelopes = []
    for chat in active_chats(session, circle):
        post = _post(session, circle, chat, day)
        if post is None:
            post = RosterPost(
                circle_id=circle.id,
                platform=chat.platform,
                chat_id=chat.chat_id,
                day=day,
                posted_at=now,
            )
            session.add(post)
        post.posted_at, post.repost_at = now, None
        envelopes.append(_envelope(chat, reply, language, roster_key(circle.id, day), False))
    session.flush()
    return envelopes


def repost(
    session: Session, now: datetime, post: RosterPost, zone: ZoneInfo, language: str
) -> list[Envelope]:
    """A fresh copy of a roster message where the platform cannot edit the old one."""
    chat = session.scalar(
        select(CircleChat).where(
            CircleChat.platform == post.platform,
            CircleChat.chat_id == post.chat_id,
            CircleChat.circle_id == post.circle_id,
            CircleChat.active,
        )
    )
    if chat is None:
        return []
    reply = roster_reply(session, now, chat.circle, post.day, zone)
    return [_envelope(chat, reply, language, roster_key(post.circle_id, post.day), edit=False)]


def _post(session: Session, circle: Circle, chat: CircleChat, day: date) -> RosterPost | None:
    return session.scalar(
        select(RosterPost).where(
            RosterPost.circle_id == circle.id,
            RosterPost.platform == chat.platform,
            RosterPost.chat_id == chat.chat_id,
            RosterPost.day == day,
        )
    )


def circle_platforms(session: Session, circle: Circle | None) -> frozenset[str]:
    """The platforms a circle is reachable on now."""
    if circle is None:
        return frozenset()
    return frozenset(chat.platform for chat in active_chats(session, circle))


def to_volunteer(
    session: Session, resident: Resident, circle: Circle | None, reply: Reply, language: str
) -> list[Envelope]:
    """A private message to a volunteer on the platforms of the shift's circle (else on all)."""
    return to_platforms(resident, circle_platforms(session, circle), reply, language)


def to_platforms(
    resident: Resident, platforms: frozenset[str], reply: Reply, language: str
) -> list[Envelope]:
    """A private message to someone on these platforms, or on all theirs where they have none."""
    identities = [i for i in resident.identities if i.platform in platforms]
    return to_identities(resident, identities or resident.identities, reply, language)
