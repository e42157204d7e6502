"""8,000 members and 100,000 ledger entries (`--full`: 80,000 and 1,000,000): `/points` latency,
awards a second, export time."""

from __future__ import annotations

import argparse
import itertools
import math
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench import report
from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services import points
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from bot.services.points import export, ledger
from models import (
    Identity,
    Place,
    PlaceKind,
    PointsAccount,
    PointsCategory,
    PointsEntry,
    Resident,
    Role,
)

PLATFORM = "console"
SEED = 20261202
ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 2, 9, 0, tzinfo=ZONE)
UNIT = "文化路街道/红旗里社区/幸福家园/1号楼/1单元"
PER_HOUSEHOLD = 4
CHUNK = 50_000
CATEGORIES = [c.value for c in PointsCategory if c != PointsCategory.REDEMPTION]
SOURCES = {
    "duty": "hours",
    "patrol": "hours",
    "service": "award",
    "donation": "award",
    "recycling": "recycling",
    "adjustment": "award",
}
QUERIES = 1_000
AWARDS = 500


@dataclass(frozen=True)
class Result:
    """One backend's figures."""

    backend: str
    version: str
    seed_seconds: float
    latencies_ns: list[int]
    awards_per_second: float
    csv_seconds: float
    xlsx_seconds: float | None
    entries: int

    def percentile_ms(self, share: float) -> float:
        """The nearest-rank percentile of the `/points` latencies, in milliseconds."""
        ordered = sorted(self.latencies_ns)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] / 1e6


def _members(
    database: Database,
    members: int,
    unit_path: str = UNIT,
    secretary: str | None = "sec",
    homes: int | None = None,
) -> tuple[int, int]:
    """Households (`homes`, else four members each) under one unit and registered residents
    with console identities, the `secretary` (if any) granted the community; (first
    resident id, community id)."""
    with database.transaction() as session:
        unit = add_path(session, unit_path)
        community = resolve_place(session, unit_path.split("/")[1])
        if secretary is not None:
            roles.grant(
                session,
                START,
                ensure_identity(session, PLATFORM, secretary, "书记", START).resident,
                Role.SECRETARY,
                roles.Scope(place=community),
                roles.OPERATOR,
            )
        base = (session.scalar(select(Place.id).order_by(Place.id.desc()).limit(1)) or 0) + 1
        homes = homes or math.ceil(members / PER_HOUSEHOLD)
        session.execute(
            insert(Place),
            [
                {
                    "id": base + n,
                    "parent_id": unit.id,
                    "kind": PlaceKind.HOUSEHOLD,
                    "name": f"{n + 1:05d}",
                    "path": f"{unit.path}{base + n}/",
                    "listed": False,
                }
                for n in range(homes)
            ],
        )
        first = (session.scalar(select(Resident.id).order_by(Resident.id.desc()).limit(1)) or 0) + 1
        for low in range(0, members, CHUNK):
            ids = range(first + low, first + min(low + CHUNK, members))
            people = [
                {
                    "id": i,
                    "display_name": f"m{i}",
                    "household_id": base + (i - first) * homes // members,
                    "registered_at": START,
                    "consent_at": START,
                    "created_at": START,
                }
                for i in ids
            ]
            session.execute(insert(Resident), people)
            session.execute(
                insert(Identity),
                [
                    {
                        "resident_id": i,
                        "platform": PLATFORM,
                        "external_id": f"m{i}",
                        "display_name": f"m{i}",
                        "private_chat_open": True,
                    }
                    for i in ids
                ],
            )
        report.advance_ids(session, "places", "residents")
        return first, community.id


def _entries(
    accounts: list[int], community: int, count: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """`count` entries over the accounts, oldest first over the past year."""
    step = timedelta(days=365) / count
    for n in range(count):
        category = rng.choice(CATEGORIES)
        amount = rng.randint(1, 10)
        yield (
            accounts[n % len(accounts)],
            community,
            amount,
            category,
            SOURCES[category],
            None,
            "",
            None,
            START - timedelta(days=365) + n * step,
        )


COLUMNS = (
    "account_id",
    "community_id",
    "amount",
    "category",
    "source",
    "source_id",
    "reason",
    "recorded_by_id",
    "recorded_at",
)


def _ledger(database: Database, first: int, members: int, community_id: int, count: int) -> None:
    """One resident-points account per member and `count` entries, bulk-inserted; balances
    set to the sums afterwards."""
    rng = random.Random(SEED)
    with database.transaction() as session:
        community = session.get_one(Place, community_id)
        programme = ledger.programme(session, START, community, ledger.RESIDENT)
        session.execute(
            insert(PointsAccount),
            [
                {
                    "programme_id": programme.id,
                    "community_id": community_id,
                    "resident_id": first + n,
                    "balance": 0,
                    "held": 0,
                }
                for n in range(members)
            ],
        )
        accounts = list(
            session.scalars(
                select(PointsAccount.id)
                .where(PointsAccount.programme_id == programme.id)
                .order_by(PointsAccount.id)
            )
        )
    rows = _entries(accounts, community_id, count, rng)
    if database.engine.dialect.name == "postgresql":
        _copy(database, rows)
    else:
        _executemany(database, rows)
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE points_accounts SET balance = sums.total FROM (SELECT account_id, "
            "SUM(amount) AS total FROM points_entries GROUP BY account_id) AS sums "
            "WHERE sums.account_id = points_accounts.id"
        )


def _executemany(database: Database, rows: Iterator[tuple[Any, ...]]) -> None:
    """SQLite's executemany in one transaction, times stored as SQLAlchemy stores them."""
    stored = PointsEntry.__table__.c.recorded_at.type.bind_processor(database.engine.dialect)
    assert stored is not None
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(COLUMNS))
        statement = f"INSERT INTO points_entries ({', '.join(COLUMNS)}) VALUES ({marks})"
        while batch := [(*row[:-1], stored(row[-1])) for row in itertools.islice(rows, CHUNK)]:
            cursor.executemany(statement, batch)
        cursor.execute("COMMIT")
    finally:
        connection.close()


def _copy(database: Database, rows: Iterator[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, through psycopg's own connection."""
    connection = database.engine.raw_connection()
    try:
        cursor = connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY points_entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
    finally:
        connection.close()


def _query(app: App, first: int, members: int, rng: random.Random) -> list[int]:
    """`积分` from random members in their private chats, through the dispatcher and renderer."""
    latencies = []
    for _ in range(QUERIES):
        user = f"m{first + rng.randrange(members)}"
        incoming = Incoming(
            ChatRef(PLATFORM, user, ChatKind.PRIVATE),
            UserRef(PLATFORM, user, user),
            EventKind.MESSAGE,
            "积分",
        )
        began = time.perf_counter_ns()
        for envelope in app.dispatcher.handle(incoming):
            if envelope.reply.template != "points.view":
                raise SystemExit(
                    f"unexpected reply {envelope.reply.template}: {envelope.reply.data}"
                )
            app.renderer.render(envelope.reply, envelope.language, html_mode=False, buttons=True)
        latencies.append(time.perf_counter_ns() - began)
    return latencies


def _award(app: App, first: int, members: int, community_id: int, rng: random.Random) -> float:
    """Awards to random members through the service, each in its own transaction: per second."""
    began = time.perf_counter()
    for _ in range(AWARDS):
        with app.db.transaction() as session:
            community = session.get_one(Place, community_id)
            secretary = ensure_identity(session, PLATFORM, "sec", "书记", START).resident
            member = session.get_one(Resident, first + rng.randrange(members))
            points.award(session, START, secretary, community, [member], points.Award("5", "服务"))
    return AWARDS / (time.perf_counter() - began)


def run(backend: str, url: str, members: int, entries: int, folder: Path, xlsx: bool) -> Result:
    """Seed the database at `url`, then query, award and export."""
    database = Database(url)
    migrate.upgrade(database.engine)
    began = time.perf_counter()
    first, community_id = _members(database, members)
    _ledger(database, first, members, community_id, entries)
    seeded = time.perf_counter() - began
    app = bootstrap(
        Settings(general=GeneralSettings(data_dir=str(folder))), VirtualClock(START), db=database
    )
    rng = random.Random(SEED)
    try:
        latencies = _query(app, first, members, rng)
        awards = _award(app, first, members, community_id, rng)
        timed: list[float | None] = [None, None]
        for n, suffix in enumerate((".csv", ".xlsx") if xlsx else (".csv",)):
            began = time.perf_counter()
            with database.transaction() as session:
                done = export.write(
                    session, session.get_one(Place, community_id), ZONE, folder / f"ledger{suffix}"
                )
            timed[n] = time.perf_counter() - began
        version = ".".join(str(p) for p in database.engine.dialect.server_version_info or ())
        assert timed[0] is not None
        return Result(backend, version, seeded, latencies, awards, timed[0], timed[1], done.entries)
    finally:
        app.close()


def run_sqlite(members: int, entries: int, xlsx: bool) -> Result:
    """The benchmark on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        return run("sqlite", url, members, entries, Path(directory), xlsx)


def run_postgresql(members: int, entries: int, xlsx: bool) -> Result | str:
    """The benchmark on a temporary PostgreSQL server, or why it was skipped."""
    try:
        with (
            report.postgres() as server,
            tempfile.TemporaryDirectory(prefix="linli-bench-") as directory,
        ):
            server.execute("CREATE DATABASE linli_bench")
            url = server.url("linli_bench")
            return run("postgresql", url, members, entries, Path(directory), xlsx)
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Parse the options, run the chosen backends and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.points", description=__doc__)
    parser.add_argument("--full", action="store_true", help="80,000 members, 1,000,000 entries")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--xlsx", action="store_true", help="time the XLSX export too (slow)")
    options = parser.parse_args()
    members, entries = (80_000, 1_000_000) if options.full else (8_000, 100_000)
    print(f"Linli points: {members:,} members, {entries:,} ledger entries in one community")
    print(
        f"/points: {QUERIES:,} `积分` in private chats (dispatcher.handle + render); "
        f"awards: {AWARDS:,} through the service, one transaction each; "
        "export: the whole ledger and balances"
    )
    print(report.environment())
    results: list[Result] = []
    skipped: list[str] = []
    if options.backend in ("sqlite", "both"):
        results.append(run_sqlite(members, entries, options.xlsx))
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(members, entries, options.xlsx)
        if isinstance(outcome, Result):
            results.append(outcome)
        else:
            skipped.append(f"postgresql: skipped, {outcome}")
    header = (
        "backend",
        "version",
        "seed s",
        "/points p50 ms",
        "p99 ms",
        "awards/s",
        "CSV s",
        "XLSX s",
    )
    rows = [header] + [
        (
            r.backend,
            r.version,
            f"{r.seed_seconds:.1f}",
            f"{r.percentile_ms(0.50):.2f}",
            f"{r.percentile_ms(0.99):.2f}",
            f"{r.awards_per_second:,.0f}",
            f"{r.csv_seconds:.1f}",
            "-" if r.xlsx_seconds is None else f"{r.xlsx_seconds:.1f}",
        )
        for r in results
    ]
    report.print_table(rows, left=2)
    for line in skipped:
        print(line)
    flags = (" --full" if options.full else "") + (" --xlsx" if options.xlsx else "")
    print(f"\nreproduce: .venv/bin/python -m bench.points{flags} --backend {options.backend}")


if __name__ == "__main__":
    main()
