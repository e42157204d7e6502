"""The elected sender's look for other workers' replies: CPU to claim one due row, and a batch."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from bench import report
from bench.core_throughput import START
from bot import migrate
from bot.clock import VirtualClock
from bot.db import Database
from bot.delivery import PostOffice
from bot.messages import ChatKind, Envelope, PlatformTraits, Reply, Target
from bot.outbox import OutboxWorker
from models import OutboxMessage

# Looks timed after a few that compile the statements.
WARM_UP = 20
# What a /me reply holds, as another worker stages it.
PROFILE = {"name": "王阿姨", "address": "3号楼2单元501", "roles": [], "points": []}


def look_cost(url: str, rows: int, looks: int) -> float:
    """Milliseconds of CPU per look that claims `rows` due replies, one per group."""
    database = Database(url)
    migrate.upgrade(database.engine)
    clock = VirtualClock(START)
    office = PostOffice({"telegram": PlatformTraits(durable=True)})
    envelopes = [
        Envelope(
            Target("telegram", str(-1000 - n), ChatKind.GROUP),
            Reply("circles.me", {**PROFILE, "circles": [[f"{n}号楼", "building"]]}),
            "zh-Hans",
        )
        for n in range(rows)
    ]
    with database.transaction() as session:
        office.prepare(session, envelopes, clock.now(), None)

    async def never(_envelope: Envelope) -> str | None:
        return None

    worker = OutboxWorker(database, clock, "telegram", never, concurrency=rows)
    spent = 0.0
    for look in range(WARM_UP + looks):
        with database.transaction() as session:
            session.execute(update(OutboxMessage).values(claimed_until=None))
        began = time.thread_time()
        ready, _, _ = worker._due(set(), rows)
        if look >= WARM_UP:
            spent += time.thread_time() - began
        assert len(ready) == rows, "every due row is claimed"
    database.dispose()
    return 1000 * spent / looks


def main() -> None:
    """Time the look on SQLite and on a temporary PostgreSQL server; print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.claims", description=__doc__)
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1, 30], help="due replies a look claims"
    )
    parser.add_argument("--looks", type=int, default=300, help="looks timed")
    options = parser.parse_args()
    looks = options.looks
    sqlite: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        for rows in options.rows:
            sqlite[rows] = look_cost(f"sqlite:///{Path(folder) / f'claims{rows}.db'}", rows, looks)
    postgresql: dict[int, float | str] = {}
    try:
        with report.postgres() as server:
            for rows in options.rows:
                server.execute(f"CREATE DATABASE linli_claims{rows}")
                postgresql[rows] = look_cost(server.url(f"linli_claims{rows}"), rows, looks)
    except report.Unavailable as why:
        postgresql = {rows: f"skipped ({why})" for rows in options.rows}
    print(f"One look of the elected sender claiming due replies, {looks} looks timed")
    print(report.environment())
    table = [("replies", "backend", "ms of CPU a look", "per row")]
    for rows in options.rows:
        for name, cost in (("SQLite", sqlite[rows]), ("PostgreSQL", postgresql[rows])):
            if isinstance(cost, str):
                table.append((str(rows), name, cost, ""))
            else:
                table.append((str(rows), name, f"{cost:.2f}", f"{cost / rows:.3f}"))
    report.print_table(table, left=2)
    rows_given = " ".join(str(rows) for rows in options.rows)
    print(f"\nreproduce: .venv/bin/python -m bench.claims --rows {rows_given} --looks {looks}")


if __name__ == "__main__":
    main()
