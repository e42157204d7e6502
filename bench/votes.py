"""Cast two votes from each household (500 by default) on one poll; report throughput,
latency and closing."""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import report
from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services.community import circles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from bot.services.deliberation import polls, standings
from models import CircleKind, Identity, Membership, Place, PlaceKind, Resident

PLATFORM = "console"
SEED = 20261124
START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ESTATE = "文化路街道/红旗里社区/幸福家园"
BUILDINGS = 25
UNITS = 4
OPTIONS = ("同意", "不同意", "弃权", "再议")
WEIGHTS = (0.55, 0.25, 0.15, 0.05)
# Each vote advances the virtual clock this much; the scheduler ticks as often as live.
VOTE_GAP = timedelta(milliseconds=100)
TICK = timedelta(seconds=20)
CHAT = ChatRef(PLATFORM, "g1", ChatKind.GROUP, "幸福家园邻里圈")


@dataclass(frozen=True)
class Result:
    """One backend's figures."""

    backend: str
    version: str
    votes: int
    seconds: float
    latencies_ns: list[int]
    ticks: int
    close_seconds: float
    tally: list[int]
    expected: list[int]
    turnout: tuple[int, int]

    def percentile_ms(self, share: float) -> float:
        """The nearest-rank percentile of the vote latencies, in milliseconds."""
        ordered = sorted(self.latencies_ns)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] / 1e6


def seed(database: Database, households: int) -> list[str]:
    """An estate of `households` households, two registered residents each, in one circle."""
    rooms = math.ceil(households / (BUILDINGS * UNITS))
    users: list[str] = []
    with database.transaction() as session:
        units = [
            add_path(session, f"{ESTATE}/{b}号楼/{u}单元")
            for b in range(1, BUILDINGS + 1)
            for u in range(1, UNITS + 1)
        ]
        admin = ensure_identity(session, PLATFORM, "admin", "管理员", START)
        circles.attach_chat(
            session,
            START,
            circles.ChatSpec(PLATFORM, CHAT.chat_id, CHAT.title),
            resolve_place(session, "幸福家园"),
            CircleKind.NEIGHBOUR,
            "",
            actor_id=None,
            admin=admin.resident,
        )
        circle = circles.bound_chat(session, PLATFORM, CHAT.chat_id)
        assert circle is not None
        homes = []
        for n in range(households):
            unit = units[n % len(units)]
            room = Place(
                parent_id=unit.id,
                kind=PlaceKind.HOUSEHOLD,
                name=f"{n // len(units) % rooms + 1:02d}{n // (len(units) * rooms) + 1:02d}",
                listed=False,
            )
            homes.append((unit, room))
        session.add_all(room for _, room in homes)
        session.flush()
        for number, (unit, room) in enumerate(homes):
            room.path = f"{unit.path}{room.id}/"
            for member in ("a", "b"):
                user = f"v{number}{member}"
                person = Resident(
                    display_name=user,
                    household_id=room.id,
                    registered_at=START,
                    consent_at=START,
                    created_at=START,
                )
                identity = Identity(
                    resident=person, platform=PLATFORM, external_id=user, display_name=user
                )
                session.add_all([person, identity])
                session.add(
                    Membership(
                        circle_id=circle.circle_id,
                        resident=person,
                        first_seen_at=START,
                        last_seen_at=START,
                    )
                )
                users.append(user)
    return users


def cast_all(app: App, clock: VirtualClock, users: list[str], rng: random.Random) -> Result:
    """Vote once per user through the dispatcher, ticking the scheduler as a live server would."""
    admin = UserRef(PLATFORM, "admin", "管理员")
    opening = "/poll 是否同意加装电梯？ | " + " | ".join(OPTIONS) + " | 每人一票 | 截止 3天"
    opened = app.dispatcher.handle(Incoming(CHAT, admin, EventKind.MESSAGE, opening, True))
    assert opened[0].reply.template == "deliberation.poll", opened[0].reply.template
    picks = rng.choices(range(1, len(OPTIONS) + 1), weights=WEIGHTS, k=len(users))
    latencies: list[int] = []
    ticks = 0
    next_tick = clock.now() + TICK
    began = time.perf_counter()
    for user, pick in zip(users, picks, strict=True):
        clock.set(clock.now() + VOTE_GAP)
        incoming = Incoming(CHAT, UserRef(PLATFORM, user, user), EventKind.MESSAGE, f"/vote {pick}")
        start = time.perf_counter_ns()
        for envelope in app.dispatcher.handle(incoming):
            app.renderer.render(envelope.reply, envelope.language, html_mode=False, buttons=True)
            if envelope.reply.template != "deliberation.voted":
                raise SystemExit(
                    f"unexpected reply {envelope.reply.template}: {envelope.reply.data}"
                )
        latencies.append(time.perf_counter_ns() - start)
        if clock.now() >= next_tick:
            app.scheduler.tick(clock.now())
            ticks += 1
            next_tick += TICK
    seconds = time.perf_counter() - began
    expected = Counter(picks)
    with app.db.transaction() as session:
        closes_at = polls.find_poll(session, resolve_place(session, "红旗里社区"), 1).closes_at
    clock.set(closes_at)
    closing = time.perf_counter()
    sent = app.scheduler.tick(closes_at)
    close_seconds = time.perf_counter() - closing
    assert any(e.reply.image is not None for e in sent), "no chart was posted"
    with app.db.transaction() as session:
        poll = polls.find_poll(session, resolve_place(session, "红旗里社区"), 1)
        tally = [o.votes for o in standings.standing(session, poll).options]
        turnout = (poll.voted_households or 0, poll.eligible_households or 0)
    return Result(
        backend="",
        version="",
        votes=len(users),
        seconds=seconds,
        latencies_ns=latencies,
        ticks=ticks,
        close_seconds=close_seconds,
        tally=tally,
        expected=[expected[n] for n in range(1, len(OPTIONS) + 1)],
        turnout=turnout,
    )


def run(backend: str, url: str, households: int, folder: Path) -> Result:
    """Migrate and seed the database at `url`, then cast and close."""
    database = Database(url)
    migrate.upgrade(database.engine)
    users = seed(database, households)
    clock = VirtualClock(START)
    settings = Settings(general=GeneralSettings(data_dir=str(folder)))
    app = bootstrap(settings, clock, db=database)
    try:
        result = cast_all(app, clock, users, random.Random(SEED))
        version_info = database.engine.dialect.server_version_info or ()
        version = ".".join(str(part) for part in version_info)
        return Result(**{**result.__dict__, "backend": backend, "version": version})
    finally:
        app.close()


def run_sqlite(households: int) -> Result:
    """The benchmark on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        return run("sqlite", url, households, Path(directory))


def run_postgresql(households: int) -> Result | str:
    """The benchmark on a temporary PostgreSQL server, or why it was skipped."""
    try:
        with (
            report.postgres() as server,
            tempfile.TemporaryDirectory(prefix="linli-bench-") as directory,
        ):
            server.execute("CREATE DATABASE linli_bench")
            return run("postgresql", server.url("linli_bench"), households, Path(directory))
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Parse the options, run the chosen backends and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__)
    parser.add_argument("--households", type=int, default=500, help="households (2 voters each)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    if options.households < 1:
        parser.error("--households must be at least 1")
    print(
        f"Linli votes: {2 * options.households:,} votes from {options.households:,} households "
        "on one poll (one vote per resident, 4 options)"
    )
    print(
        "dispatcher.handle + render per vote, the scheduler ticking every 20 s of virtual time "
        "(a vote every 100 ms); then the deadline tick: close, turnout, chart, result messages"
    )
    print(report.environment())
    results: list[Result] = []
    skipped: list[str] = []
    if options.backend in ("sqlite", "both"):
        results.append(run_sqlite(options.households))
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(options.households)
        if isinstance(outcome, Result):
            results.append(outcome)
        else:
            skipped.append(f"postgresql: skipped, {outcome}")
    header = ("backend", "version", "votes/s", "p50 ms", "p99 ms", "ticks", "close s", "tally")
    rows = [header] + [
        (
            r.backend,
            r.version,
            f"{r.votes / r.seconds:,.0f}",
            f"{r.percentile_ms(0.50):.2f}",
            f"{r.percentile_ms(0.99):.2f}",
            str(r.ticks),
            f"{r.close_seconds:.2f}",
            "ok" if r.tally == r.expected and sum(r.tally) == r.votes else "MISMATCH",
        )
        for r in results
    ]
    report.print_table(rows, left=2)
    for r in results:
        print(
            f"{r.backend}: tally {r.tally} (cast {r.expected}); "
            f"turnout {r.turnout[0]:,} of {r.turnout[1]:,} residents (one vote each)"
        )
    for line in skipped:
        print(line)
    print(
        f"\nreproduce: .venv/bin/python -m bench.votes --households {options.households}"
        f" --backend {options.backend}"
    )
    if any(r.tally != r.expected for r in results):
        raise SystemExit("the tally does not equal the votes cast")


if __name__ == "__main__":
    main()
