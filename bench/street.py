"""A street in one small process: seed 7 communities, 52 estates, 30,000 households and 80,000
residents with a year of polls, shifts, points, notices and requests, then start a worker as a
subprocess on that database and report its start-up time, peak RSS and hot commands' times."""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from bench import report, scheduler_tick
from bench.points import _ledger, _members
from bench.requests import _requests
from bot import migrate
from bot.db import Database, is_sqlite
from bot.services.community import circles
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import (
    Ballot,
    Circle,
    CircleKind,
    Membership,
    Notice,
    NoticeCircle,
    NoticeReceipt,
    NoticeStatus,
    Place,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    Request,
    Resident,
)

PLATFORM = "console"
STREET = "文化路街道"
COMMUNITIES = ["红旗里社区", "幸福社区", "光明社区", "和平社区", "团结社区", "友谊社区", "建设社区"]
ESTATES = 52
GROUPS = 110
# The duty reminders of bench.scheduler_tick fall due at its DUE; the worker starts an hour before.
TICK_AT = scheduler_tick.DUE
STARTS_AT = TICK_AT - timedelta(hours=1)
YEAR_AGO = TICK_AT - timedelta(days=365)
OPTIONS = ("同意", "不同意", "弃权")
CHUNK = 20_000
SEED = 20261205


@dataclass(frozen=True)
class Size:
    """How big a street to seed."""

    households: int
    residents: int
    polls_per_estate: int
    turnout: float
    shifts: int
    entries: int
    requests: int
    notices: int
    receipt_share: float


FULL = Size(30_000, 80_000, 12, 0.4, 5_000, 350_000, 21_000, 24, 0.25)
SMALL = Size(3_000, 8_000, 4, 0.4, 2_000, 35_000, 7_000, 6, 0.25)


@dataclass(frozen=True)
class Estate:
    """One seeded estate: its community, place, circle chat and residents."""

    community_id: int
    place_id: int
    chat: str
    first: int
    residents: int


def _estates(database: Database, size: Size) -> list[Estate]:
    """The grid and its people: estates spread over the communities, each with its circle."""
    out: list[Estate] = []
    for n in range(ESTATES):
        community = COMMUNITIES[n % len(COMMUNITIES)]
        # The first estate is bench.scheduler_tick's 1号院 with its circle g1 and shifts.
        name = "1号院" if n == 0 else f"{n + 1}号院"
        people = size.residents // ESTATES + (n < size.residents % ESTATES)
        homes = size.households // ESTATES + (n < size.households % ESTATES)
        secretary = f"sec{n}" if n < len(COMMUNITIES) else None
        path = f"{STREET}/{community}/{name}/1号楼/1单元"
        first, community_id = _members(database, people, path, secretary, homes)
        with database.transaction() as session:
            place = resolve_place(session, f"{community}/{name}")
            out.append(Estate(community_id, place.id, f"g{n + 1}", first, people))
            if not is_sqlite(database.url):
                # Fresh statistics, as autovacuum keeps them over the months a street fills
                # up: PostgreSQL plans the foreign-key checks of an insert from them, and on
                # a grid it still thinks is tiny it scans the whole places table for each
                # new resident.
                session.execute(text("ANALYZE places"))
    return out


def _circle(session: Session, chat: str) -> Circle:
    """The circle a console chat is bound to."""
    bound = circles.bound_chat(session, PLATFORM, chat)
    assert bound is not None
    return bound.circle


def _circles(database: Database, estates: list[Estate]) -> None:
    """One circle per estate with its residents as members, one per community, and one per
    building of the other estates: GROUPS in all."""
    with database.transaction() as session:
        admin = ensure_identity(session, PLATFORM, "admin", "管理员", YEAR_AGO).resident
        places: list[tuple[int, str]] = [(e.place_id, e.chat) for e in estates[1:]]
        places += [(cid, f"c{cid}") for cid in sorted({e.community_id for e in estates})]
        for estate in estates[1:]:
            building = session.scalars(
                select(Place).where(Place.parent_id == estate.place_id).limit(1)
            ).one()
            places.append((building.id, f"b{building.id}"))
        for place_id, chat in places[: GROUPS - 1]:
            circles.attach_chat(
                session,
                YEAR_AGO,
                circles.ChatSpec(PLATFORM, chat, chat),
                session.get_one(Place, place_id),
                CircleKind.NEIGHBOUR,
                "",
                actor_id=None,
                admin=admin,
            )
    for estate in estates:
        with database.transaction() as session:
            circle = _circle(session, estate.chat)
            session.execute(
                insert(Membership),
                [
                    {
                        "circle_id": circle.id,
                        "resident_id": estate.first + n,
                        "first_seen_at": YEAR_AGO,
                        "last_seen_at": YEAR_AGO,
                    }
                    for n in range(estate.residents)
                ],
            )


def _polls(database: Database, estates: list[Estate], size: Size, rng: random.Random) -> int:
    """A year of closed polls per estate with household ballots, and one open poll in g1;
    how many ballots."""
    cast = 0
    numbers: dict[int, int] = {}
    for estate in estates:
        with database.transaction() as session:
            circle = _circle(session, estate.chat)
            voters = session.execute(
                select(Resident.household_id, Resident.id)
                .where(Resident.id.between(estate.first, estate.first + estate.residents - 1))
                .order_by(Resident.id)
            ).all()
            households = dict(voters)
            rounds = size.polls_per_estate + (estate is estates[0])
            for k in range(rounds):
                number = numbers[estate.community_id] = numbers.get(estate.community_id, 0) + 1
                open_ = k == size.polls_per_estate
                opened = YEAR_AGO + timedelta(days=365 * k / rounds)
                closes = TICK_AT + timedelta(days=7) if open_ else opened + timedelta(days=7)
                poll = Poll(
                    community_id=estate.community_id,
                    number=number,
                    circle_id=circle.id,
                    question=f"议题 {number}",
                    kind=PollKind.SINGLE,
                    scope_place_id=estate.place_id,
                    status=PollStatus.OPEN if open_ else PollStatus.CLOSED,
                    created_at=opened,
                    opens_at=opened,
                    closes_at=closes,
                    closed_at=None if open_ else closes,
                )
                session.add(poll)
                session.flush()
                ids = []
                for position, label in enumerate(OPTIONS, 1):
                    option = PollOption(poll_id=poll.id, position=position, label=label, votes=0)
                    session.add(option)
                    ids.append(option)
                if open_:
                    continue
                ballots = [
                    (home, resident)
                    for home, resident in households.items()
                    if rng.random() < size.turnout
                ]
                session.execute(
                    insert(Ballot),
                    [
                        {
                            "poll_id": poll.id,
                            "voter_key": f"h{home}",
                            "resident_id": resident,
                            "household_id": home,
                            "cast_at": opened + timedelta(days=1),
                        }
                        for home, resident in ballots
                    ],
                )
                for n, option in enumerate(ids):
                    option.votes = len(ballots) // len(ids) + (n < len(ballots) % len(ids))
                cast += len(ballots)
    return cast


def _notices(database: Database, estates: list[Estate], size: Size, rng: random.Random) -> int:
    """A year of sent notices per community, half asking for receipts; how many receipts."""
    given = 0
    by_community: dict[int, list[Estate]] = {}
    for estate in estates:
        by_community.setdefault(estate.community_id, []).append(estate)
    for community_id, members in by_community.items():
        people = [e.first + n for e in members for n in range(e.residents)]
        with database.transaction() as session:
            sender = session.scalar(
                select(Resident.id).where(Resident.display_name == "书记").limit(1)
            )
            reached = [(_circle(session, e.chat).id, e.place_id) for e in members]
            for number in range(1, size.notices + 1):
                sent = YEAR_AGO + timedelta(days=365 * number / (size.notices + 1))
                wants = number % 2 == 0
                notice = Notice(
                    community_id=community_id,
                    number=number,
                    sender_id=sender,
                    scope="全部",
                    text=f"通知 {number}",
                    status=NoticeStatus.SENT,
                    receipts=wants,
                    send_at=sent,
                    sent_at=sent,
                    created_at=sent,
                )
                session.add(notice)
                session.flush()
                session.execute(
                    insert(NoticeCircle),
                    [
                        {"notice_id": notice.id, "circle_id": circle, "place_id": place}
                        for circle, place in reached
                    ],
                )
                if not wants:
                    continue
                readers = [p for p in people if rng.random() < size.receipt_share]
                for low in range(0, len(readers), CHUNK):
                    session.execute(
                        insert(NoticeReceipt),
                        [
                            {"notice_id": notice.id, "resident_id": r, "at": sent}
                            for r in readers[low : low + CHUNK]
                        ],
                    )
                given += len(readers)
        with database.transaction() as session:
            home = select(Resident.household_id).where(Resident.id == NoticeReceipt.resident_id)
            filled = update(NoticeReceipt).where(NoticeReceipt.household_id.is_(None))
            session.execute(filled.values(household_id=home.scalar_subquery()))
    return given


def seed(database: Database, size: Size) -> dict[str, int]:
    """The whole street; the counts of what was made."""
    rng = random.Random(SEED)
    # First, before anyone else: its volunteers are every resident it finds.
    scheduler_tick.seed(database, size.shifts)
    estates = _estates(database, size)
    _circles(database, estates)
    ballots = _polls(database, estates, size, rng)
    receipts = _notices(database, estates, size, rng)
    offset = 0
    per = size.requests // len(COMMUNITIES)
    for community_id in sorted({e.community_id for e in estates}):
        ours = [e for e in estates if e.community_id == community_id]
        people = sum(e.residents for e in ours)
        _ledger(database, ours[0].first, people, community_id, size.entries // len(COMMUNITIES))
        _requests(database, ours[0].first, people, community_id, per, offset)
        offset += per
    with database.transaction() as session:
        # bench.requests leaves its newest requests past their time: here none is due yet.
        later = TICK_AT + timedelta(days=2)
        session.execute(update(Request).where(Request.due_at.is_not(None)).values(due_at=later))
    report.as_kept(database.engine)
    return {"ballots": ballots, "receipts": receipts, "estates": len(estates)}


def probe_users(database: Database) -> dict[str, str]:
    """Who says the hot commands: a resident of 1号院 and its community's secretary."""
    with database.transaction() as session:
        estate = resolve_place(session, f"{COMMUNITIES[0]}/1号院")
        resident = session.scalars(
            select(Resident.id)
            .join(Place, Place.id == Resident.household_id)
            .where(Place.path.startswith(estate.path))
            .order_by(Resident.id)
            .limit(1)
        ).one()
        poll = session.scalars(
            select(Poll.number).where(Poll.status == PollStatus.OPEN).order_by(Poll.id.desc())
        ).first()
    return {"resident": f"m{resident}", "secretary": "sec0", "poll": str(poll)}


def commands(users: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """The typical hot commands: (name, user, chat or None for private) and the text."""
    me, sec = users["resident"], users["secretary"]
    return [
        ("/me", me, None),
        ("诉求", me, None),
        ("积分", me, None),
        ("/help", me, None),
        (f"投票 {users['poll']} 1", me, "g1"),
        (f"报名 {scheduler_tick.DUE_COUNT + 7}", me, "g1"),
        ("通知列表", sec, None),
        ("回执", sec, None),
    ]


def serve_probe(url: str, data_dir: str, users_json: str) -> None:
    """What `linli run` does at start (bootstrap, templates, one tick), then the hot commands
    and one tick at the reminders' time; prints JSON lines for the parent to read."""
    began = time.perf_counter()
    # Imported here: the start-up time counts the application's imports.
    from bot.app import bootstrap, prepare_database
    from bot.clock import VirtualClock
    from bot.config import GeneralSettings, Settings
    from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef

    clock = VirtualClock(STARTS_AT)
    app = bootstrap(
        Settings(general=GeneralSettings(data_dir=data_dir)), clock, db=prepare_database(url)
    )
    app.scheduler.tick(clock.now())
    print(json.dumps({"ready": time.perf_counter() - began}), flush=True)
    timings: dict[str, float] = {}
    replies: dict[str, str] = {}
    for message, user, chat in commands(json.loads(users_json)):
        where = ChatRef(PLATFORM, chat, ChatKind.GROUP, chat) if chat else None
        incoming = Incoming(
            where or ChatRef(PLATFORM, user, ChatKind.PRIVATE),
            UserRef(PLATFORM, user, user),
            EventKind.MESSAGE,
            message,
        )
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for envelope in app.dispatcher.handle(incoming):
                app.renderer.render(envelope.reply, envelope.language, html_mode=True, buttons=True)
                replies.setdefault(message.split()[0], envelope.reply.template)
            runs.append(time.perf_counter() - start)
        timings[message.split()[0]] = sorted(runs)[len(runs) // 2]
    clock.set(TICK_AT)
    start = time.perf_counter()
    sent = len(app.scheduler.tick(clock.now()))
    timings["tick"] = time.perf_counter() - start
    print(json.dumps({"timings": timings, "tick_sent": sent, "replies": replies}), flush=True)
    sys.stdin.read()
    app.close()


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def measure(url: str, folder: Path, users: dict[str, str]) -> dict[str, Any]:
    """Start the worker subprocess on `url`: its ready time, figures and peak RSS."""
    began = time.perf_counter()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.street",
            "--serve-probe",
            url,
            str(folder),
            json.dumps(users),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None and worker.stdin is not None
    lines: Iterator[str] = iter(worker.stdout.readline, "")
    json.loads(next(lines))
    ready = time.perf_counter() - began
    done: dict[str, Any] = json.loads(next(lines))
    peak = _peak_rss_mb(worker.pid)
    worker.stdin.close()
    worker.wait(timeout=60)
    return {"ready": ready, "peak_mb": peak} | done


def run(backend: str, url: str, size: Size, folder: Path) -> dict[str, Any]:
    """Seed the street at `url`, then measure a worker on it."""
    database = Database(url)
    migrate.upgrade(database.engine)
    began = time.perf_counter()
    counts = seed(database, size)
    seeded = time.perf_counter() - began
    users = probe_users(database)
    version = ".".join(str(p) for p in database.engine.dialect.server_version_info or ())
    database.dispose()
    figures = measure(url, folder, users)
    return {"backend": backend, "version": version, "seed": seeded} | counts | figures


def run_sqlite(size: Size) -> dict[str, Any]:
    """The street on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'street.db'}"
        return run("sqlite", url, size, Path(directory))


def run_postgresql(size: Size) -> dict[str, Any] | str:
    """The street on a temporary PostgreSQL server, or why it was skipped."""
    try:
        with (
            report.postgres() as server,
            tempfile.TemporaryDirectory(prefix="linli-bench-") as directory,
        ):
            server.execute("CREATE DATABASE linli_bench")
            return run("postgresql", server.url("linli_bench"), size, Path(directory))
    except report.Unavailable as why:
        return str(why)


def _print(results: list[dict[str, Any]]) -> None:
    """The figures as two tables: start-up and memory, then the hot commands in ms."""
    rows = [("backend", "version", "seed s", "ballots", "receipts", "ready s", "peak RSS MB")]
    rows += [
        (
            r["backend"],
            r["version"],
            f"{r['seed']:.0f}",
            f"{r['ballots']:,}",
            f"{r['receipts']:,}",
            f"{r['ready']:.2f}",
            f"{r['peak_mb']:.0f}",
        )
        for r in results
    ]
    report.print_table(rows, left=2)
    print()
    names = list(results[0]["timings"]) if results else []
    table = [("backend", *[f"{n} ms" for n in names], "sent")]
    table += [
        (
            r["backend"],
            *[f"{r['timings'][n] * 1000:.1f}" for n in names],
            f"{r['tick_sent']:,}",
        )
        for r in results
    ]
    report.print_table(table)
    for r in results:
        print(
            f"{r['backend']} first replies:", ", ".join(f"{k} {v}" for k, v in r["replies"].items())
        )


def main() -> None:
    """Parse the options; run the probe when asked, else seed, measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.street", description=__doc__)
    parser.add_argument("--small", action="store_true", help="a tenth of the street")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--serve-probe", nargs=3, metavar=("URL", "DIR", "USERS"))
    options = parser.parse_args()
    if options.serve_probe:
        serve_probe(*options.serve_probe)
        return
    size = SMALL if options.small else FULL
    print(
        f"Linli street: {len(COMMUNITIES)} communities, {ESTATES} estates, "
        f"{size.households:,} households, {size.residents:,} residents, {GROUPS} groups"
    )
    print(
        "worker: a subprocess that bootstraps, ticks once, then times each hot command "
        "(median of 5, dispatcher.handle + render) and one tick with the day's duty reminders"
    )
    print(report.environment())
    results: list[dict[str, Any]] = []
    if options.backend in ("sqlite", "both"):
        results.append(run_sqlite(size))
    skipped = None
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(size)
        if isinstance(outcome, str):
            skipped = f"postgresql: skipped, {outcome}"
        else:
            results.append(outcome)
    _print(results)
    if skipped:
        print(skipped)
    flags = " --small" if options.small else ""
    print(f"\nreproduce: .venv/bin/python -m bench.street{flags} --backend {options.backend}")


if __name__ == "__main__":
    main()
