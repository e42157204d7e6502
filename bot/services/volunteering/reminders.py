"""Duty reminder rows: made when shifts and sign-ups are, re-timed on edits, skipped on cancels.

Each row is named by a key (`hour_before:signup:12`), so a reminder is made once
however often its shift or sign-up changes; a change moves its due time instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.volunteering.rules import DutyRules
from models import DutyReminder, ReminderKind, Shift, SignUp

PENDING = (DutyReminder.sent_at.is_(None), DutyReminder.skipped_at.is_(None))
PERSONAL = (ReminderKind.DAY_BEFORE, ReminderKind.HOUR_BEFORE)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The community's calendar day a moment falls on."""
    return moment.astimezone(zone).date()


def personal_due(
    kind: ReminderKind, shift: Shift, rules: DutyRules, zone: ZoneInfo
) -> datetime | None:
    """When a volunteer's reminder of `kind` falls due for `shift`; None when it is off."""
    if kind == ReminderKind.HOUR_BEFORE:
        return shift.starts_at - rules.hour_before if rules.hour_before else None
    if rules.day_before_at is None:
        return None
    eve = local_day(shift.starts_at, zone) - timedelta(days=1)
    return datetime.combine(eve, rules.day_before_at, zone)


def _upsert(
    session: Session, now: datetime, key: str, due: datetime | None, **fields: object
) -> None:
    """Make or re-time the reminder named `key`; a due time in the past or None skips it."""
    row = session.scalar(select(DutyReminder).where(DutyReminder.key == key))
    if row is not None and row.sent_at is not None:
        return
    if due is None or due <= now:
        if row is not None and row.skipped_at is None:
            row.skipped_at, row.skip_reason = now, "moved"
        return
    if row is None:
        session.add(DutyReminder(key=key, due_at=due, **fields))
        return
    row.due_at, row.skipped_at, row.skip_reason = due, None, None


def schedule_signup(
    session: Session, now: datetime, zone: ZoneInfo, signup: SignUp, rules: DutyRules
) -> None:
    """The private reminders of a volunteer who holds a place."""
    for kind in PERSONAL:
        _upsert(
            session,
            now,
            f"{kind.value}:signup:{signup.id}",
            personal_due(kind, signup.shift, rules, zone),
            kind=kind,
            shift_id=signup.shift_id,
            signup_id=signup.id,
        )


def schedule_shift(
    session: Session, now: datetime, zone: ZoneInfo, shift: Shift, rules: DutyRules
) -> None:
    """A shift's short-of-people alert, and the morning roster of its day in its circle."""
    alert = shift.starts_at - rules.short_alert if rules.short_alert else None
    _upsert(
        session,
        now,
        f"short_alert:shift:{shift.id}",
        alert,
        kind=ReminderKind.SHORT_ALERT,
        shift_id=shift.id,
    )
    if shift.circle_id is None or rules.morning_roster_at is None:
        return
    day = local_day(shift.starts_at, zone)
    key = f"morning_roster:{shift.circle_id}:{day.isoformat()}"
    made = session.scalar(select(DutyReminder).where(DutyReminder.key == key))
    if made is None or made.skipped_at is not None:
        _upsert(
            session,
            now,
            key,
            datetime.combine(day, rules.morning_roster_at, zone),
            kind=ReminderKind.MORNING_ROSTER,
            circle_id=shift.circle_id,
            day=day,
        )


def skip_signup(session: Session, now: datetime, signup: SignUp, reason: str) -> None:
    """A volunteer no longer holds the place: their pending reminders will not go."""
    session.execute(
        update(DutyReminder)
        .where(DutyReminder.signup_id == signup.id, *PENDING)
        .values(skipped_at=now, skip_reason=reason)
    )


def skip_shifts(session: Session, now: datetime, shift_ids: Iterable[int], reason: str) -> None:
    """Cancelled shifts: none of their reminders, nor their volunteers', will go."""
    ids = list(shift_ids)
    session.execute(
        update(DutyReminder)
        .where(DutyReminder.shift_id.in_(ids), *PENDING)
        .values(skipped_at=now, skip_reason=reason)
        .execution_options(synchronize_session=False)
    )


def reschedule_signups(
    session: Session, now: datetime, zone: ZoneInfo, signups: Iterable[SignUp], rules: DutyRules
) -> None:
    """Re-time the private reminders of these volunteers (their shift or the rules changed)."""
    for signup in signups:
        schedule_signup(session, now, zone, signup, rules)
