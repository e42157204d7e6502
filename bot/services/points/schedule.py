"""Scheduled points work: monthly statements and each programme's expiry, kept as rows.

Each piece of work is a `points_jobs` row with its due time. A tick takes the rows due,
does their work, marks them done and adds the next one in the scheduler's transaction,
which also stages the messages in the outbox: a crash before the commit repeats nothing
twice and loses nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, delete, func, insert, literal, null, select, update
from sqlalchemy.orm import Session, selectinload

from bot.config import Settings
from bot.messages import Envelope, Reply
from bot.services.common.outreach import to_person
from bot.services.points.ledger import EXPIRY_NOTICE, next_expiry
from models import (
    Expiry,
    PointsAccount,
    PointsCategory,
    PointsEntry,
    PointsJob,
    PointsJobKind,
    PointsProgramme,
    PointsSource,
    Resident,
)
from models.base import UtcDateTime

# Statements go out on the first of the month at this local time.
STATEMENT_TIME = time(9, 0)


def _pending(kind: PointsJobKind) -> list[ColumnElement[bool]]:
    return [PointsJob.kind == kind, PointsJob.done_at.is_(None)]


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def schedule_expiry(
    session: Session, now: datetime, zone: ZoneInfo, programme: PointsProgramme
) -> None:
    """(Re)time a programme's next expiry after its policy changed: at the start of the day
    after its points are last usable."""
    session.execute(
        delete(PointsJob).where(
            *_pending(PointsJobKind.EXPIRY), PointsJob.programme_id == programme.id
        )
    )
    last_day = next_expiry(programme.expiry, programme.expiry_day, now.astimezone(zone).date())
    if last_day is not None:
        due = datetime.combine(last_day + timedelta(days=1), time(0, 0), zone)
        session.add(PointsJob(kind=PointsJobKind.EXPIRY, programme_id=programme.id, due_at=due))


class _Jobs:
    """Shared by both kinds: the settings' zone and language, and the next due row."""

    kind: PointsJobKind

    def __init__(self, settings: Settings, language: str) -> None:
        self.zone: ZoneInfo = settings.zone
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest pending row of this kind."""
        return session.scalar(select(func.min(PointsJob.due_at)).where(*_pending(self.kind)))

    def _due(self, session: Session, now: datetime) -> list[PointsJob]:
        return list(
            session.scalars(
                select(PointsJob)
                .where(*_pending(self.kind), PointsJob.due_at <= now)
                .order_by(PointsJob.due_at, PointsJob.id)
                .with_for_update()
            )
        )


class ExpirePoints(_Jobs):
    """Clears a programme's points on its policy's day, one expiry entry per account."""

    name = "points-expiry"
    kind = PointsJobKind.EXPIRY

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Post the expiry entries of every programme due, then time its next expiry."""
        for job in self._due(session, now):
            job.done_at = now
            programme = session.get(PointsProgramme, job.programme_id)
            if programme is None or programme.expiry == Expiry.NEVER:
                continue
            expire(session, now, programme, job.id)
            schedule_expiry(session, now, self.zone, programme)
        return []


def expire(session: Session, now: datetime, programme: PointsProgramme, job_id: int) -> None:
    """Post one entry per account taking away its free points (what redemptions hold stays),
    and move each balance by exactly its entry."""
    free = PointsAccount.balance - PointsAccount.held
    owners = PointsAccount.programme_id == programme.id
    # Lock the accounts first, so no deduction slips between the entries and the balances.
    session.execute(select(PointsAccount.id).where(owners, free > 0).with_for_update()).all()
    session.execute(
        insert(PointsEntry).from_select(
            [
                "account_id",
                "community_id",
                "amount",
                "category",
                "source",
                "source_id",
                "reason",
                "recorded_by_id",
                "recorded_at",
            ],
            select(
                PointsAccount.id,
                PointsAccount.community_id,
                -free,
                literal(PointsCategory.ADJUSTMENT.value),
                literal(PointsSource.EXPIRY.value),
                literal(job_id),
                literal(""),
                null(),
                literal(now, UtcDateTime()),
            ).where(owners, free > 0),
        )
    )
    posted = (PointsEntry.source == PointsSource.EXPIRY, PointsEntry.source_id == job_id)
    amount = (
        select(PointsEntry.amount)
        .where(PointsEntry.account_id == PointsAccount.id, *posted)
        .scalar_subquery()
    )
    session.execute(
        update(PointsAccount)
        .where(PointsAccount.id.in_(select(PointsEntry.account_id).where(*posted)))
        .values(balance=PointsAccount.balance + amount)
        .execution_options(synchronize_session=False)
    )


class MonthlyStatements(_Jobs):
    """On the first of each month, each member with points activity gets a private statement."""

    name = "points-statements"
    kind = PointsJobKind.STATEMENTS

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Send the statements due, and keep one future row once points are in use."""
        envelopes: list[Envelope] = []
        for job in self._due(session, now):
            job.done_at = now
            month_end = job.due_at.astimezone(self.zone).date().replace(day=1)
            envelopes += self._statements(session, now, month_end)
        waiting = session.scalar(select(PointsJob.id).where(*_pending(self.kind)).limit(1))
        in_use = session.scalar(select(PointsProgramme.id).limit(1))
        if waiting is None and in_use is not None:
            first = _first_of_next_month(now.astimezone(self.zone).date())
            due = datetime.combine(first, STATEMENT_TIME, self.zone)
            session.add(PointsJob(kind=self.kind, due_at=due))
        return envelopes

    def _statements(self, session: Session, now: datetime, month_end: date) -> list[Envelope]:
        month_start = (month_end - timedelta(days=1)).replace(day=1)
        start = datetime.combine(month_start, time(0, 0), self.zone)
        end = datetime.combine(month_end, time(0, 0), self.zone)
        moved = (
            select(
                PointsEntry.account_id,
                func.sum(case((PointsEntry.amount > 0, PointsEntry.amount), else_=0)).label(
                    "earned"
                ),
                func.sum(case((PointsEntry.amount < 0, -PointsEntry.amount), else_=0)).label(
                    "spent"
                ),
            )
            .where(PointsEntry.recorded_at >= start, PointsEntry.recorded_at < end)
            .group_by(PointsEntry.account_id)
            .subquery()
        )
        rows = session.execute(
            select(PointsAccount, moved.c.earned, moved.c.spent)
            .join(moved, moved.c.account_id == PointsAccount.id)
            .where(PointsAccount.resident_id.is_not(None))
            .options(
                selectinload(PointsAccount.programme),
                selectinload(PointsAccount.resident).selectinload(Resident.identities),
            )
            .order_by(PointsAccount.resident_id, PointsAccount.id)
        ).all()
        today = now.astimezone(self.zone).date()
        by_member: dict[int, tuple[Resident, list[dict[str, Any]]]] = {}
        for account, earned, spent in rows:
            assert account.resident is not None
            member, lines = by_member.setdefault(account.resident.id, (account.resident, []))
            lines.append(_line(account, (int(earned), int(spent)), today))
        envelopes: list[Envelope] = []
        for member, lines in by_member.values():
            data = {"month": month_start.month, "lines": lines}
            envelopes += to_person(member, Reply("points.statement", data), self.language)
        return envelopes


def _line(account: PointsAccount, moved: tuple[int, int], today: date) -> dict[str, Any]:
    programme = account.programme
    expires = next_expiry(programme.expiry, programme.expiry_day, today)
    soon = expires is not None and expires - today <= EXPIRY_NOTICE
    free = account.balance - account.held
    return {
        "code": programme.code,
        "title": programme.title,
        "earned": moved[0],
        "spent": moved[1],
        "balance": account.balance,
        "expiring": free if soon and free > 0 else 0,
        "expires": [expires.month, expires.day] if soon and expires else None,
    }
