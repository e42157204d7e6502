"""80,000 residents and 100,000 requests over a year: the escalation tick at 1,000 due steps,
`/requests` (诉求) latency, and the monthly figures."""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench import report
from bench.points import _members
from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services import requests
from models import (
    ChainNode,
    Layer,
    Place,
    Request,
    RequestCategory,
    RequestStatus,
    RequestStep,
    Resident,
    StepKind,
)

PLATFORM = "console"
SEED = 20261203
ZONE = ZoneInfo("Asia/Shanghai")
# The last afternoon of November: the month's figures cover a whole month.
START = datetime(2026, 11, 30, 16, 0, tzinfo=ZONE)
DUE = 1_000
OPEN_SHARE = 0.03
QUERIES = 1_000
FIGURES_RUNS = 5
CHUNK = 20_000
CATEGORIES = list(RequestCategory)
# One branch over 10 central households, each over 10 party members.
CENTRALS, MEMBERS_EACH = 10, 10


@dataclass(frozen=True)
class Result:
    """One backend's figures."""

    backend: str
    version: str
    seed_seconds: float
    tick_seconds: float
    escalated: int
    latencies_ns: list[int]
    figures_seconds: float
    month_received: int

    def percentile_ms(self, share: float) -> float:
        """The nearest-rank percentile of the `/requests` latencies, in milliseconds."""
        ordered = sorted(self.latencies_ns)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] / 1e6


def _chain(database: Database, first: int, community_id: int) -> list[tuple[int, int]]:
    """The branch, central households and members among the first residents; the members'
    (node id, resident id)."""
    with database.transaction() as session:
        branch = ChainNode(
            community_id=community_id, resident_id=first, layer=Layer.BRANCH, created_at=START
        )
        session.add(branch)
        members: list[ChainNode] = []
        for c in range(CENTRALS):
            central = ChainNode(
                community_id=community_id,
                resident_id=first + 1 + c,
                layer=Layer.CENTRAL,
                parent=branch,
                created_at=START,
            )
            members += [
                ChainNode(
                    community_id=community_id,
                    resident_id=first + 1 + CENTRALS + c * MEMBERS_EACH + m,
                    layer=Layer.MEMBER,
                    parent=central,
                    created_at=START,
                )
                for m in range(MEMBERS_EACH)
            ]
        session.add_all(members)
        session.flush()
        return [(node.id, node.resident_id) for node in members]


def _request(n: int, count: int, people: int, first: int, node: tuple[int, int], rng: Any) -> Any:
    """Request `n` of `count` over the past year, with its steps; the last DUE are overdue."""
    created = START - timedelta(days=365) + n * timedelta(days=365) / count
    row: dict[str, Any] = {
        "id": n + 1,
        "community_id": 0,
        "number": n + 1,
        "reporter_id": first + rng.randrange(people),
        "place_id": None,
        "category": rng.choice(CATEGORIES),
        "text": f"问题 {n + 1}",
        "layer": Layer.MEMBER,
        "node_id": node[0],
        "first_node_id": node[0],
        "owner_id": node[1],
        "overdue": False,
        "resolution": "",
        "rating": None,
        "created_at": created,
        "taken_at": None,
        "resolved_at": None,
        "closed_at": None,
        "due_at": None,
        "status": RequestStatus.OPEN,
    }
    steps = [(StepKind.ROUTED, created)]
    if n >= count - DUE:
        row["due_at"] = START - timedelta(minutes=1)
    elif n >= count * (1 - OPEN_SHARE):
        row["due_at"] = START + timedelta(hours=rng.randint(1, 72))
    else:
        taken = created + timedelta(hours=rng.randint(1, 4))
        solved = taken + timedelta(hours=rng.randint(2, 96))
        row |= {"status": RequestStatus.CLOSED, "taken_at": taken, "resolved_at": solved}
        row |= {"closed_at": solved, "resolution": "办好了", "rating": rng.choice((None, 3, 4, 5))}
        steps += [(StepKind.TAKEN, taken), (StepKind.RESOLVED, solved), (StepKind.CLOSED, solved)]
    return row, steps


def _requests(
    database: Database, first: int, people: int, community_id: int, count: int, offset: int = 0
) -> None:
    """`count` requests over the past year from random residents, owned by random members;
    their ids and numbers after `offset`."""
    rng = random.Random(SEED)
    nodes = _chain(database, first, community_id)
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for n in range(count):
        row, made = _request(n, count, people, first, rng.choice(nodes), rng)
        rows.append(
            row | {"community_id": community_id, "id": offset + n + 1, "number": offset + n + 1}
        )
        steps += [
            {"request_id": offset + n + 1, "at": at, "kind": kind, "actor_id": None}
            | {"layer": Layer.MEMBER, "owner_id": row["owner_id"], "text": ""}
            for kind, at in made
        ]
        if len(rows) >= CHUNK or n == count - 1:
            with database.transaction() as session:
                session.execute(insert(Request), rows)
                session.execute(insert(RequestStep), steps)
                report.advance_ids(session, "requests")
            rows, steps = [], []


def _listing(app: App, first: int, people: int, rng: random.Random) -> list[int]:
    """`诉求` in private chats, half from the chain's people, half from any resident."""
    latencies = []
    chain = 1 + CENTRALS + CENTRALS * MEMBERS_EACH
    for n in range(QUERIES):
        user = f"m{first + rng.randrange(chain if n % 2 else people)}"
        incoming = Incoming(
            ChatRef(PLATFORM, user, ChatKind.PRIVATE),
            UserRef(PLATFORM, user, user),
            EventKind.MESSAGE,
            "诉求",
        )
        began = time.perf_counter_ns()
        for envelope in app.dispatcher.handle(incoming):
            if envelope.reply.template != "requests.listing":
                raise SystemExit(f"unexpected reply {envelope.reply.template}")
            app.renderer.render(envelope.reply, envelope.language, html_mode=False, buttons=True)
        latencies.append(time.perf_counter_ns() - began)
    return latencies


def _figures(database: Database, community_id: int) -> tuple[float, int]:
    """The secretary's month, timed: the median of a few runs, and the month's count."""
    timings, received = [], 0
    for _ in range(FIGURES_RUNS):
        with database.transaction() as session:
            community = session.get_one(Place, community_id)
            secretary = session.scalars(select(Resident).where(Resident.display_name == "书记"))
            began = time.perf_counter()
            seen = requests.figures(session, START, ZONE, secretary.one(), community)
            timings.append(time.perf_counter() - began)
            received = seen.total.received
    return statistics.median(timings), received


def run(backend: str, url: str, people: int, count: int, folder: Path) -> Result:
    """Seed the database at `url`, then tick, list and count."""
    database = Database(url)
    migrate.upgrade(database.engine)
    began = time.perf_counter()
    first, community_id = _members(database, people)
    _requests(database, first, people, community_id, count)
    seeded = time.perf_counter() - began
    settings = Settings(general=GeneralSettings(data_dir=str(folder)))
    app = bootstrap(settings, VirtualClock(START), db=database)
    try:
        began = time.perf_counter()
        app.scheduler.tick(START)
        ticked = time.perf_counter() - began
        with database.transaction() as session:
            up = session.scalars(select(Request.id).where(Request.layer == Layer.CENTRAL)).all()
        latencies = _listing(app, first, people, random.Random(SEED))
        figures_seconds, received = _figures(database, community_id)
        version = ".".join(str(p) for p in database.engine.dialect.server_version_info or ())
        return Result(
            backend, version, seeded, ticked, len(up), latencies, figures_seconds, received
        )
    finally:
        app.close()


def run_sqlite(people: int, count: int) -> Result:
    """The benchmark on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        return run("sqlite", url, people, count, Path(directory))


def run_postgresql(people: int, count: int) -> Result | str:
    """The benchmark on a temporary PostgreSQL server, or why it was skipped."""
    try:
        with (
            report.postgres() as server,
            tempfile.TemporaryDirectory(prefix="linli-bench-") as directory,
        ):
            server.execute("CREATE DATABASE linli_bench")
            return run("postgresql", server.url("linli_bench"), people, count, Path(directory))
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Parse the options, run the chosen backends and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.requests", description=__doc__)
    parser.add_argument("--full", action="store_true", help="80,000 residents, 100,000 requests")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    people, count = (80_000, 100_000) if options.full else (8_000, 10_000)
    print(f"Linli requests: {people:,} residents, {count:,} requests over a year, one community")
    print(
        f"tick: one Scheduler.tick with {DUE:,} requests past their time to accept; "
        f"/requests: {QUERIES:,} `诉求` in private chats (dispatcher.handle + render); "
        f"figures: the secretary's month (median of {FIGURES_RUNS})"
    )
    print(report.environment())
    results: list[Result] = []
    skipped: list[str] = []
    if options.backend in ("sqlite", "both"):
        results.append(run_sqlite(people, count))
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(people, count)
        if isinstance(outcome, Result):
            results.append(outcome)
        else:
            skipped.append(f"postgresql: skipped, {outcome}")
    header = ("backend", "version", "seed s", "tick s", "escalated", "p50 ms", "p99 ms")
    rows = [(*header, "figures ms", "month")] + [
        (
            r.backend,
            r.version,
            f"{r.seed_seconds:.1f}",
            f"{r.tick_seconds:.2f}",
            f"{r.escalated:,}",
            f"{r.percentile_ms(0.50):.2f}",
            f"{r.percentile_ms(0.99):.2f}",
            f"{r.figures_seconds * 1000:.1f}",
            f"{r.month_received:,}",
        )
        for r in results
    ]
    report.print_table(rows, left=2)
    for line in skipped:
        print(line)
    flags = " --full" if options.full else ""
    print(f"\nreproduce: .venv/bin/python -m bench.requests{flags} --backend {options.backend}")


if __name__ == "__main__":
    main()
