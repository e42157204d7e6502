"""Scheduled duty work: reminders, morning rosters, short-of-people alerts and roster re-posts.

Reminders are rows. A tick takes the pending rows due now with one indexed query,
marks them sent and returns their messages in the scheduler's transaction, which
also stages the messages in the outbox: a crash before the commit leaves them pending
and they go at the next tick; after it, they never go again. Rows overdue by more
than the grace window (the bot was down) are skipped and logged instead. Private
reminders that fall in quiet hours wait for the morning in the outbox, except those
of duty that starts before the morning: the volunteer is up for it. Morning rosters
and re-posts wait for the end of the group's quiet hours. An admin's short-of-people
alert that falls in quiet hours goes into the morning's digest instead, and so does any
alert due with a digest: one message, not an alert and a digest at once. An alert of a
shift that starts before quiet hours end is timed before they begin; where it could not
be (the shift was made at night), it is dropped: by then the shift has started.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from bot.config import Settings
from bot.messages import Envelope, PlatformTraits, Reply
from bot.services.common.access import community_of
from bot.services.common.outreach import circle_admins, secretaries
from bot.services.common.quiet import QuietHours, default_quiet, quiet_hours
from bot.services.common.when import moment_data
from bot.services.volunteering.reminders import PENDING, PERSONAL, fold_into_digest, next_digest
from bot.services.volunteering.rosters import (
    circle_platforms,
    post_rosters,
    repost,
    shift_data,
    to_platforms,
    to_volunteer,
)
from bot.services.volunteering.rules import defaults
from bot.services.volunteering.shifts import ShiftView, day_bounds, views
from models import (
    Circle,
    DutyReminder,
    ReminderKind,
    Resident,
    RosterPost,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
)

log = logging.getLogger(__name__)


class DutyReminders:
    """Sends every duty reminder due: private reminders, morning rosters and alerts."""

    name = "duty-reminders"

    def __init__(self, settings: Settings, language: str) -> None:
        self.zone = settings.zone
        self.language = language
        self.grace = timedelta(minutes=settings.volunteering.grace_minutes)
        self.rules = defaults(settings.volunteering)
        self.lead = self.rules.short_alert or timedelta()
        self.quiet = default_quiet(settings)

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending reminder."""
        return session.scalar(select(func.min(DutyReminder.due_at)).where(*PENDING))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Skip what is too late, then send what is due and mark it sent."""
        self._skip_late(session, now)
        due = session.scalars(
            select(DutyReminder)
            .where(*PENDING, DutyReminder.due_at <= now)
            .order_by(DutyReminder.due_at, DutyReminder.id)
            .with_for_update()
            .options(
                selectinload(DutyReminder.shift).selectinload(Shift.project),
                selectinload(DutyReminder.signup)
                .selectinload(SignUp.resident)
                .selectinload(Resident.identities),
            )
        ).all()
        personal: dict[tuple[ReminderKind, int], list[SignUp]] = defaultdict(list)
        short: dict[int, list[Shift]] = defaultdict(list)
        envelopes: list[Envelope] = []
        # Each community's quiet hours, read once for all its reminders.
        nights: dict[int, QuietHours] = {}
        # Alerts due with a digest go in it: one message to the admin, not several at once.
        digest_due = any(row.kind == ReminderKind.SHORT_DIGEST for row in due)
        folded = [
            row.shift_id
            for row in due
            if digest_due and row.kind == ReminderKind.SHORT_ALERT and row.shift_id is not None
        ]
        for row in due:
            if row.kind in PERSONAL:
                signup = row.signup
                if signup is None or not _on_duty(signup):
                    row.skipped_at, row.skip_reason = now, "stale"
                    continue
                personal[(row.kind, signup.resident_id)].append(signup)
            elif row.kind == ReminderKind.SHORT_DIGEST:
                assert row.day is not None
                envelopes += self._digest(session, now, row.day, folded)
            elif row.kind == ReminderKind.MORNING_ROSTER:
                assert row.circle is not None and row.day is not None
                place = community_of(session, row.circle.place)
                quiet = _night(session, self.quiet, place.id, nights)
                if quiet.holds(now):
                    # Posted in the group when its quiet hours end, not before.
                    row.due_at = quiet.over(now)
                    continue
                envelopes += post_rosters(
                    session, now, self.zone, row.circle, row.day, self.language
                )
            elif row.shift_id in folded:
                row.skipped_at, row.skip_reason = now, "digest"
                continue
            elif self._too_late(session, now, row, nights):
                row.skipped_at, row.skip_reason = now, "night"
                continue
            elif self._put_off(session, now, row, nights):
                continue
            elif row.shift is not None and row.shift.circle_id is not None:
                short[row.shift.circle_id].append(row.shift)
            row.sent_at = now
        lines = {
            view.shift.id: _shift_line(view, self.zone, now)
            for view in views(session, list({s.shift for g in personal.values() for s in g}))
        }
        reach: dict[int | None, frozenset[str]] = {}
        for (kind, _), signups in personal.items():
            circle = signups[0].shift.circle
            key = circle.id if circle else None
            if key not in reach:
                reach[key] = circle_platforms(session, circle)
            reminders = self._remind(kind, signups, lines, reach[key])
            shifts = [s.shift for s in signups]
            envelopes += self._urgent(session, now, shifts, reminders, nights)
        for circle_id, shifts in short.items():
            envelopes += self._alert(session, now, session.get_one(Circle, circle_id), shifts)
        return envelopes

    def _too_late(
        self, session: Session, now: datetime, alert: DutyReminder, nights: dict[int, QuietHours]
    ) -> bool:
        """An alert due in quiet hours whose shift starts before they end: it came too late."""
        shift = alert.shift
        if shift is None:
            return False
        quiet = _night(session, self.quiet, shift.community_id, nights)
        return quiet.holds(now) and shift.starts_at <= quiet.over(now)

    def _put_off(
        self, session: Session, now: datetime, alert: DutyReminder, nights: dict[int, QuietHours]
    ) -> bool:
        """Put off an alert due in quiet hours to the morning's digest, when the digest comes
        before its shift starts."""
        shift = alert.shift
        if shift is None:
            return False
        if not _night(session, self.quiet, shift.community_id, nights).holds(now):
            return False
        digest = next_digest(now, self.rules, self.zone)
        if digest is None or digest >= shift.starts_at:
            return False
        fold_into_digest(session, now, alert, digest)
        return True

    def _urgent(
        self,
        session: Session,
        now: datetime,
        shifts: list[Shift],
        envelopes: list[Envelope],
        nights: dict[int, QuietHours],
    ) -> list[Envelope]:
        """A volunteer's reminders, marked to go even in quiet hours when their duty starts
        before they end (the volunteer is up for it)."""
        quiet = _night(session, self.quiet, shifts[0].community_id, nights)
        if min(shift.starts_at for shift in shifts) <= quiet.over(now):
            for envelope in envelopes:
                envelope.urgent = True
        return envelopes

    def _skip_late(self, session: Session, now: datetime) -> None:
        skipped = session.execute(
            update(DutyReminder)
            .where(*PENDING, DutyReminder.due_at < now - self.grace)
            .values(skipped_at=now, skip_reason="late")
            .returning(DutyReminder.kind)
            .execution_options(synchronize_session=False)
        ).scalars()
        late = Counter(kind.value for kind in skipped)
        if late:
            log.warning(
                "skipped %d duty reminders overdue by more than %s (%s)",
                sum(late.values()),
                self.grace,
                ", ".join(f"{kind} {count}" for kind, count in sorted(late.items())),
            )

    def _remind(
        self,
        kind: ReminderKind,
        signups: list[SignUp],
        lines: dict[int, dict[str, Any]],
        platforms: frozenset[str],
    ) -> list[Envelope]:
        volunteer = signups[0].resident
        signups = sorted(signups, key=lambda s: (s.shift.starts_at, s.shift.number))
        reply = Reply(
            "volunteering.remind_day_before"
            if kind == ReminderKind.DAY_BEFORE
            else "volunteering.remind_hour_before",
            {"name": volunteer.display_name, "shifts": [lines[s.shift_id] for s in signups]},
        )
        return to_platforms(volunteer, platforms, reply, self.language)

    def _alert(
        self, session: Session, now: datetime, circle: Circle, shifts: list[Shift]
    ) -> list[Envelope]:
        lacking = [
            _shift_line(view, self.zone, now)
            for view in views(session, shifts)
            if view.shift.status == ShiftStatus.OPEN and view.left > 0
        ]
        if not lacking:
            return []
        reply = Reply("volunteering.short_alert", {"shifts": lacking})
        return [
            e
            for admin in _deciders(session, circle)
            for e in to_volunteer(session, admin, circle, reply, self.language)
        ]

    def _digest(
        self, session: Session, now: datetime, day: date, folded: list[int]
    ) -> list[Envelope]:
        """One message to each admin listing their shifts of today and tomorrow still short,
        and those whose alerts were `folded` into it."""
        # Shifts starting within the alert's lead time are left to their own alerts; the
        # shifts a digest lists get no alert of their own.
        _, until = day_bounds(day + timedelta(days=1), self.zone)
        upcoming = (Shift.starts_at > now + self.lead) & (Shift.starts_at < until)
        shifts = session.scalars(
            select(Shift)
            .where(
                Shift.status == ShiftStatus.OPEN,
                Shift.circle_id.is_not(None),
                Shift.starts_at > now,
                upcoming | Shift.id.in_(folded),
            )
            .order_by(Shift.starts_at, Shift.number)
        ).all()
        short = [view for view in views(session, list(shifts)) if view.left > 0]
        per_admin: dict[int, tuple[Resident, Circle, list[dict[str, Any]]]] = {}
        for view in short:
            circle = view.shift.circle
            assert circle is not None
            for admin in _deciders(session, circle):
                entry = per_admin.setdefault(admin.id, (admin, circle, []))
                entry[2].append(_shift_line(view, self.zone, now))
        session.execute(
            update(DutyReminder)
            .where(
                DutyReminder.kind == ReminderKind.SHORT_ALERT,
                DutyReminder.shift_id.in_([view.shift.id for view in short]),
                *PENDING,
            )
            .values(skipped_at=now, skip_reason="digest")
            .execution_options(synchronize_session=False)
        )
        return [
            e
            for admin, circle, lines in per_admin.values()
            for e in to_volunteer(
                session,
                admin,
                circle,
                Reply("volunteering.short_digest", {"shifts": lines}),
                self.language,
            )
        ]


def _deciders(session: Session, circle: Circle) -> list[Resident]:
    """Who arranges a circle's duty: its admins, else its community's secretaries."""
    return circle_admins(session, circle) or secretaries(
        session, community_of(session, circle.place)
    )


def _on_duty(signup: SignUp) -> bool:
    return signup.status == SignUpStatus.SIGNED_UP and signup.shift.status == ShiftStatus.OPEN


def _shift_line(view: ShiftView, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    shift = view.shift
    return shift_data(view, zone) | {"cancel_until": moment_data(shift.cancel_until, zone, now)}


class RosterReposts:
    """Re-posts changed rosters where platforms cannot edit, one copy per debounce interval."""

    name = "roster-reposts"

    def __init__(
        self, settings: Settings, language: str, traits: Mapping[str, PlatformTraits]
    ) -> None:
        self.zone = settings.zone
        self.language = language
        self.reposting = frozenset(p for p, t in traits.items() if not t.edits)
        self.quiet = default_quiet(settings)

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending re-post."""
        return session.scalar(select(func.min(RosterPost.repost_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Re-post every roster due now where editing is impossible; elsewhere it was edited."""
        envelopes: list[Envelope] = []
        nights: dict[int, QuietHours] = {}
        for post in session.scalars(
            select(RosterPost).where(RosterPost.repost_at <= now).order_by(RosterPost.id)
        ).all():
            post.repost_at = None
            if post.platform not in self.reposting:
                continue
            community = community_of(session, session.get_one(Circle, post.circle_id).place).id
            quiet = _night(session, self.quiet, community, nights)
            if quiet.holds(now):
                # A fresh copy in the group waits for the end of its quiet hours.
                post.repost_at = quiet.over(now)
            else:
                post.posted_at = now
                envelopes += repost(session, now, post, self.zone, self.language)
        return envelopes


def _night(
    session: Session, default: QuietHours, community: int, nights: dict[int, QuietHours]
) -> QuietHours:
    """A community's quiet hours, read once a tick for all its reminders (kept in `nights`)."""
    if community not in nights:
        nights[community] = quiet_hours(session, community, default)
    return nights[community]
