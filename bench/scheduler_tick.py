"""Time one scheduler tick with nothing due and with 1,000 duty reminders due, at 1,000 and at
10,000 future shifts (`--sizes` for others): the tick's cost must follow what is due, not
what exists."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from bench import report
from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.services.community import circles
from bot.services.community.grid import add_path
from bot.services.community.people import ensure_identity
from models import (
    CircleKind,
    DutyReminder,
    Identity,
    ReminderKind,
    Resident,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerProject,
)

ZONE = ZoneInfo("Asia/Shanghai")
# The moment the 1,000 reminders fall due: each is an hour-before reminder of a shift at 09:00.
DUE = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
VOLUNTEERS = 1_000
DUE_COUNT = 1_000
SIZES = (1_000, 10_000)
BATCH = 20_000
EMPTY_RUNS = 50
DUE_RUNS = 5


@dataclass(frozen=True)
class Figures:
    """One database's measurements."""

    backend: str
    shifts: int
    reminders: int
    pending: int
    empty_ms: float
    due_ms: float
    sent: int


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(db: Database, shifts: int) -> int:
    """Seed volunteers, `shifts` future shifts, their sign-ups and reminders; how many rows."""
    # The first 1,000 shifts start at 09:00 on the day of DUE: their hour-before reminders
    # are the ones due.
    start = DUE.astimezone(UTC) - timedelta(days=3)
    with db.transaction() as session:
        estate = add_path(session, "文化路街道/红旗里社区/1号院")
        community = estate.parent
        assert community is not None
        admin = ensure_identity(session, "console", "admin", "管理员", start).resident
        circle = circles.attach_chat(
            session,
            start,
            circles.ChatSpec("console", "g1", "1号院邻里圈"),
            estate,
            CircleKind.NEIGHBOUR,
            "",
            actor_id=None,
            admin=admin,
        )
        session.execute(
            insert(Resident),
            [{"display_name": f"志愿者{n}", "created_at": start} for n in range(VOLUNTEERS)],
        )
        residents = session.scalars(select(Resident.id).where(Resident.id != admin.id)).all()
        session.execute(
            insert(Identity),
            [
                {
                    "resident_id": rid,
                    "platform": "console",
                    "external_id": f"v{rid}",
                    "display_name": f"志愿者{rid}",
                    "private_chat_open": True,
                }
                for rid in residents
            ],
        )
        project = VolunteerProject(community_id=community.id, title="门岗值守", created_at=start)
        session.add(project)
        session.flush()
        ids = (community.id, circle.id, project.id)
    for batch in _batches(_shift_rows(shifts, ids)):
        with db.transaction() as session:
            session.execute(insert(Shift), batch)
    with db.transaction() as session:
        shift_rows = session.execute(select(Shift.id, Shift.number, Shift.starts_at)).all()
    with db.transaction() as session:
        for batch in _batches(_signup_rows(shift_rows, residents)):
            session.execute(insert(SignUp), batch)
    with db.transaction() as session:
        signup_rows = session.execute(
            select(SignUp.id, SignUp.shift_id, Shift.number, Shift.starts_at)
            .join(Shift, Shift.id == SignUp.shift_id)
            .order_by(SignUp.id)
        ).all()
    for batch in _batches(_reminder_rows(shift_rows, signup_rows, circle_id=ids[1])):
        with db.transaction() as session:
            session.execute(insert(DutyReminder), batch)
    # Statistics as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would keep them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DutyReminder)) or 0


def _shift_rows(count: int, ids: tuple[int, int, int]) -> Iterator[dict[str, Any]]:
    community_id, circle_id, project_id = ids
    created = DUE.astimezone(UTC) - timedelta(days=3)
    for n in range(count):
        if n < DUE_COUNT:
            begins = DUE + timedelta(hours=1)
        else:
            begins = DUE + timedelta(days=1, minutes=10 * n)
        yield {
            "community_id": community_id,
            "number": n + 1,
            "project_id": project_id,
            "circle_id": circle_id,
            "place": f"{n % 20 + 1}号门",
            "starts_at": begins,
            "ends_at": begins + timedelta(hours=2),
            "capacity": 2,
            "signup_until": begins,
            "cancel_until": begins - timedelta(hours=2),
            "status": ShiftStatus.OPEN,
            "created_at": created,
        }


def _signup_rows(shifts: Sequence[Any], residents: Sequence[int]) -> Iterator[dict[str, Any]]:
    queued = DUE.astimezone(UTC) - timedelta(days=2)
    for shift_id, number, _ in shifts:
        for seat in range(2):
            yield {
                "shift_id": shift_id,
                "resident_id": residents[(number + len(residents) // 2 * seat) % len(residents)],
                "status": SignUpStatus.SIGNED_UP,
                "queued_at": queued,
            }


def _reminder_rows(
    shifts: Sequence[Any], signups: Sequence[Any], circle_id: int
) -> Iterator[dict[str, Any]]:
    """Every reminder of every shift; of the shifts due now, one hour-before each is pending."""
    # The rest of theirs are sent history, which must cost nothing.
    sent = DUE.astimezone(UTC) - timedelta(days=1)
    days: set[date] = set()
    for shift_id, number, begins in shifts:
        yield _reminder(
            ReminderKind.SHORT_ALERT,
            f"short_alert:shift:{shift_id}",
            begins - timedelta(hours=2),
            sent if number <= DUE_COUNT else None,
            shift_id=shift_id,
        )
        day = begins.astimezone(ZONE).date()
        if day not in days:
            days.add(day)
            yield _reminder(
                ReminderKind.MORNING_ROSTER,
                f"morning_roster:{circle_id}:{day.isoformat()}",
                datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=7),
                sent if number <= DUE_COUNT else None,
                circle_id=circle_id,
                day=day,
            )
    first_seat: set[int] = set()
    for signup_id, shift_id, number, begins in signups:
        eve = datetime.combine(begins.astimezone(ZONE).date(), datetime.min.time(), ZONE)
        yield _reminder(
            ReminderKind.DAY_BEFORE,
            f"day_before:signup:{signup_id}",
            eve - timedelta(hours=5),
            sent if number <= DUE_COUNT else None,
            shift_id=shift_id,
            signup_id=signup_id,
        )
        due_now = number <= DUE_COUNT and shift_id not in first_seat
        first_seat.add(shift_id)
        yield _reminder(
            ReminderKind.HOUR_BEFORE,
            f"hour_before:signup:{signup_id}",
            begins - timedelta(hours=1),
            None if due_now or number > DUE_COUNT else sent,
            shift_id=shift_id,
            signup_id=signup_id,
        )


def _reminder(
    kind: ReminderKind, key: str, due: datetime, sent: datetime | None, **about: Any
) -> dict[str, Any]:
    """One reminder row; every row names the same columns, so inserts batch well."""
    return {
        "kind": kind,
        "key": key,
        "due_at": due,
        "sent_at": sent,
        "shift_id": None,
        "signup_id": None,
        "circle_id": None,
        "day": None,
    } | about


def _median_ms(runs: int, action: Callable[[], object], reset: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        reset()
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _pending(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(DutyReminder)
            .where(DutyReminder.sent_at.is_(None), DutyReminder.skipped_at.is_(None))
        )
        or 0
    )


def measure(backend: str, url: str, shifts: int) -> Figures:
    """Seed a database at `url` and time its ticks."""
    db = Database(url)
    migrate.upgrade(db.engine)
    total = seed(db, shifts)
    clock = VirtualClock(DUE)
    app: App = bootstrap(Settings(), clock, db=db)
    with db.transaction() as session:
        pending = _pending(session)
        due_ids = session.scalars(
            select(DutyReminder.id).where(
                DutyReminder.sent_at.is_(None), DutyReminder.due_at <= DUE
            )
        ).all()
    assert len(due_ids) == DUE_COUNT, len(due_ids)

    def reset() -> None:
        with db.transaction() as session:
            session.execute(
                update(DutyReminder)
                .where(DutyReminder.id.in_(due_ids))
                .values(sent_at=None, skipped_at=None, skip_reason=None)
            )

    quiet = DUE - timedelta(minutes=30)
    sent: list[int] = []
    try:
        empty = _median_ms(EMPTY_RUNS, lambda: app.scheduler.tick(quiet), lambda: None)
        due = _median_ms(DUE_RUNS, lambda: sent.append(len(app.scheduler.tick(DUE))), reset)
    finally:
        app.close()
    return Figures(backend, shifts, total, pending, empty, due, sent[-1])


def run_sqlite(shifts: int) -> Figures:
    """The measurement on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        return measure("sqlite", f"sqlite:///{Path(directory) / 'tick.db'}", shifts)


def run_postgresql(shifts: list[int]) -> list[Figures] | str:
    """The measurements on a temporary PostgreSQL server, or why they were skipped."""
    try:
        with report.postgres() as server:
            found = []
            for size in shifts:
                server.execute(f"CREATE DATABASE tick_{size}")
                found.append(measure("postgresql", server.url(f"tick_{size}"), size))
            return found
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Parse the options, measure each size on the chosen backends and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler_tick", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of future shifts"
    )
    options = parser.parse_args()
    if any(size < DUE_COUNT for size in options.sizes):
        parser.error(f"each size must be at least {DUE_COUNT:,} shifts")
    print(
        "Linli scheduler tick: median of one Scheduler.tick (every kind of due work), with nothing"
        f" due ({EMPTY_RUNS} runs) and with {DUE_COUNT:,} hour-before reminders due ({DUE_RUNS}"
        " runs); every shift has two volunteers and all five of its reminders."
    )
    print(report.environment())
    results: list[Figures] = []
    skipped = ""
    if options.backend in ("sqlite", "both"):
        results += [run_sqlite(size) for size in options.sizes]
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(options.sizes)
        if isinstance(outcome, str):
            skipped = f"postgresql: skipped, {outcome}"
        else:
            results += outcome
    header = ("backend", "shifts", "reminder rows", "pending", "nothing due ms", "1,000 due ms")
    rows = [header] + [
        (
            r.backend,
            f"{r.shifts:,}",
            f"{r.reminders:,}",
            f"{r.pending:,}",
            f"{r.empty_ms:.2f}",
            f"{r.due_ms:.1f} ({r.sent:,} sent)",
        )
        for r in results
    ]
    report.print_table(rows, left=1)
    if skipped:
        print(skipped)
    sizes = " ".join(str(size) for size in options.sizes)
    print(
        f"\nreproduce: .venv/bin/python -m bench.scheduler_tick --backend {options.backend}"
        f" --sizes {sizes}"
    )


if __name__ == "__main__":
    main()
