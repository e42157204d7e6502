"""Duty reminder rows: made when shifts and sign-ups are, re-timed on edits, skipped on cancels.

Each row is named by a key (`hour_before:signup:12`), so a reminder is made once
however often its shift or sign-up changes; a change moves its due time instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import VolunteeringSettings
from bot.services.common import access
from bot.services.common.quiet import QuietHours
from bot.services.volunteering import rules as duty_rules
from bot.services.volunteering.rules import DutyRules, RuleChanges
from models import (
    DutyReminder,
    Place,
    ReminderKind,
    Resident,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
)

PENDING = (DutyReminder.sent_at.is_(None), DutyReminder.skipped_at.is_(None))
PERSONAL = (ReminderKind.DAY_BEFORE, ReminderKind.HOUR_BEFORE)
DAY = timedelta(days=1)


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
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    shift: Shift,
    rules: DutyRules,
    quiet: QuietHours,
) -> None:
    """A shift's short-of-people alert and digests, and the morning roster of its day."""
    alert = shift.starts_at - rules.short_alert if rules.short_alert else None
    if alert is not None and quiet.holds(alert) and quiet.over(alert) >= shift.starts_at:
        # The shift starts before quiet hours end: its alert goes before they begin, or
        # not at all when they have begun (nothing is pushed at night).
        alert = quiet.daytime_before(alert, shift.starts_at)
    _upsert(
        session,
        now,
        f"short_alert:shift:{shift.id}",
        alert,
        kind=ReminderKind.SHORT_ALERT,
        shift_id=shift.id,
    )
    day = local_day(shift.starts_at, zone)
    for digest_day in digest_days(shift, rules, zone):
        _once(
            session,
            now,
            f"short_digest:{digest_day.isoformat()}",
            datetime.combine(digest_day, rules.short_digest_at or time(), zone),
            kind=ReminderKind.SHORT_DIGEST,
            day=digest_day,
        )
    if shift.circle_id is None or rules.morning_roster_at is None:
        return
    _once(
        session,
        now,
        f"morning_roster:{shift.circle_id}:{day.isoformat()}",
        datetime.combine(day, rules.morning_roster_at, zone),
        kind=ReminderKind.MORNING_ROSTER,
        circle_id=shift.circle_id,
        day=day,
    )


def digest_days(shift: Shift, rules: DutyRules, zone: ZoneInfo) -> list[date]:
    """The mornings whose short-of-people digest lists a shift, while it is short."""
    # A digest lists today's and tomorrow's shifts, but not those starting within the
    # alert's lead time, which their own alert covers.
    if rules.short_digest_at is None:
        return []
    day = local_day(shift.starts_at, zone)
    lead = rules.short_alert or timedelta()
    return [
        morning
        for morning in (day - timedelta(days=1), day)
        if datetime.combine(morning, rules.short_digest_at, zone) + lead < shift.starts_at
    ]


def next_digest(now: datetime, rules: DutyRules, zone: ZoneInfo) -> datetime | None:
    """The first short-of-people digest after `now`; None when there are none."""
    if rules.short_digest_at is None:
        return None
    day = local_day(now, zone)
    at = datetime.combine(day, rules.short_digest_at, zone)
    return at if at > now else datetime.combine(day + DAY, rules.short_digest_at, zone)


def fold_into_digest(session: Session, now: datetime, alert: DutyReminder, at: datetime) -> None:
    """An alert put off to the digest at `at`, which then lists its shift (made if none was)."""
    alert.due_at = at
    day = at.date()
    _once(
        session, now, f"short_digest:{day.isoformat()}", at, kind=ReminderKind.SHORT_DIGEST, day=day
    )


def _once(session: Session, now: datetime, key: str, due: datetime, **fields: object) -> None:
    """Make the reminder named `key`, shared by many shifts, unless it is already made."""
    made = session.scalar(select(DutyReminder).where(DutyReminder.key == key))
    if made is None or made.skipped_at is not None:
        _upsert(session, now, key, due, **fields)


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


def reschedule_community(
    session: Session, now: datetime, zone: ZoneInfo, community: Place, rules: DutyRules
) -> None:
    """The community's reminder times changed: re-time every volunteer's pending reminders."""
    holders = session.scalars(
        select(SignUp)
        .join(Shift, Shift.id == SignUp.shift_id)
        .where(
            Shift.community_id == community.id,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
            SignUp.status == SignUpStatus.SIGNED_UP,
        )
    )
    reschedule_signups(session, now, zone, holders, rules)


@dataclass(frozen=True)
class RulesShown:
    """/dutyrules: the community's duty rules, whether they were just changed, and whether
    the viewer may change them."""

    community: str
    rules: DutyRules
    changed: bool
    editable: bool


def rules_shown(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Resident,
    community: Place,
    text: str,
    settings: VolunteeringSettings,
) -> RulesShown:
    """The community's duty rules, after a secretary changes those `text` names (if any)."""
    if text:
        changes = duty_rules.parse_rules(text)
        current = set_rules(session, now, zone, actor, community, changes, settings)
    else:
        current = duty_rules.rules_for(session, community.id, settings)
    editable = access.is_secretary_for(session, actor.id, community)
    return RulesShown(community.name, current, bool(text), editable)


def set_rules(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Resident,
    community: Place,
    changes: RuleChanges,
    settings: VolunteeringSettings,
) -> DutyRules:
    """A secretary changes the community's duty rules; pending reminders follow new times."""
    duty_rules.change_rules(session, now, actor, community, changes)
    current = duty_rules.rules_for(session, community.id, settings)
    if changes.reminders:
        reschedule_community(session, now, zone, community, current)
    return current
