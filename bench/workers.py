"""One worker against two on one PostgreSQL, and kill -9 of one of two: replies lost or doubled.

Each worker is a separate `linli`-like process: the real dispatcher and outbox worker (elected
sender, claims, nudges) on one PostgreSQL, fed directly in-process (no HTTP) with its share of a
replayed load (each resident registers in their estate's group, then votes on its running poll,
signs up for its shifts and asks `/me`), split by user as a sticky proxy would; sending is a
stand-in that takes 10 ms and logs each outbox row it sends. As in the Telegram adapter, the
elected sender is handed the replies it staged, already claimed; the other worker nudges it.
Throughput counts from the first update until every reply is recorded sent. The kill experiment
kills a random worker at random moments, restarts it (as systemd would) and redelivers what it
had not confirmed (as Telegram does).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench import report
from bench.core_throughput import SEED, USERS, groups, household, seed, user_ref
from bot import migrate
from bot.affinity import one_cpu
from bot.app import bootstrap
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, Envelope, EventKind, Incoming, UserRef
from bot.outbox import OutboxWorker
from bot.runner import settle_heap
from models import OutboxMessage, OutboxState
from models.base import Base
from tests.support.postgres_server import PostgresServer

PLATFORM = "telegram"
SEND_SECONDS = 0.01
KILL_UPDATES = 1_000
# The outbox's rows but edits, in the table counts.
REPLIES = "outbox (replies, not edits)"


# After a resident's registration, their later updates: (share, kind).
MIX: tuple[tuple[float, str], ...] = ((0.3, "vote"), (0.3, "signup"), (0.4, "/me"))
# The replies a sound load gets; anything else means the load (or Linli) is broken. A
# registration is answered privately, or where the private chat is not open yet, by a
# pointer to it in the group.
EXPECTED = frozenset(
    {
        "circles.registered",
        "core.open_private",
        "circles.me",
        "deliberation.voted",
        "volunteering.signed_up",
        "volunteering.roster",
    }
)
SETUP_EXPECTED = frozenset({"deliberation.poll", "volunteering.rota_created"})
POLL = "/poll 是否同意加装电梯？ | 同意 | 不同意 | 弃权 | 每人一票 | 截止 7天"


@dataclass(frozen=True)
class Open:
    """What each group has running: its poll's number and its shifts' numbers."""

    poll: int
    shifts: list[int]


def settings() -> Settings:
    """A worker's settings: no quiet hours, so every reply goes at once."""
    return Settings(delivery=DeliverySettings(quiet_hours=""))


def open_activity(database: Database) -> dict[str, Open]:
    """Open a poll and a rota of 12 two-hour shifts in each group, as its admin would."""
    app = bootstrap(settings(), SystemClock(), db=database)
    day = (app.clock.now() + timedelta(days=3)).astimezone(app.settings.zone)
    running: dict[str, Open] = {}
    for group in groups():
        chat = ChatRef(PLATFORM, group.chat_id, ChatKind.GROUP, group.title)
        admin = UserRef(PLATFORM, f"admin-{group.chat_id}", "管理员")
        rota = (
            f"/shift {group.title}门岗 | {day:%Y-%m-%d} 至 {day + timedelta(days=1):%Y-%m-%d} "
            "08:00-20:00 每2小时 | 2人 | 大门"
        )
        data = {}
        for command in (POLL, rota):
            for envelope in app.dispatcher.handle(
                Incoming(chat, admin, EventKind.MESSAGE, command, is_platform_admin=True)
            ):
                _expect(envelope.reply.template, SETUP_EXPECTED)
                data[envelope.reply.template] = envelope.reply.data
        shifts = data["volunteering.rota_created"]
        first, last = shifts["first"]["number"], shifts["last"]["number"]
        running[group.chat_id] = Open(
            data["deliberation.poll"]["number"], [*range(first, last + 1)]
        )
    app.close()
    return running


def _expect(template: str, expected: frozenset[str]) -> None:
    if template not in expected:
        raise SystemExit(f"unexpected reply {template} (the load is broken)")


def mixed_load(
    count: int, running: dict[str, Open]
) -> tuple[list[tuple[int, Incoming]], Counter[str]]:
    """`count` Telegram updates, (user number, update): each resident registers in their
    estate's group first, then votes once on its poll, signs up for its shifts one after
    another (in the group) and asks `/me` (in private)."""
    rng = random.Random(SEED)
    chats = {g.chat_id: ChatRef(PLATFORM, g.chat_id, ChatKind.GROUP, g.title) for g in groups()}
    shares, kinds = zip(*MIX, strict=True)
    done: dict[int, Counter[str]] = {}
    load: list[tuple[int, Incoming]] = []
    tally: Counter[str] = Counter()
    for number in range(count):
        person = rng.randrange(USERS)
        user = replace(user_ref(person), platform=PLATFORM)
        group = chats[f"g{person % len(chats) + 1}"]
        private = ChatRef(PLATFORM, user.user_id, ChatKind.PRIVATE, "")
        opened = running[group.chat_id]
        mine = done.setdefault(person, Counter())
        kind = rng.choices(kinds, weights=shares)[0] if mine else "register"
        if (kind == "vote" and mine["vote"]) or (
            kind == "signup" and mine["signup"] >= len(opened.shifts)
        ):
            kind = "/me"
        mine[kind] += 1
        tally[kind] += 1
        chat, words = {
            "register": (group, f"/join {household(person)} 同意"),
            "vote": (private, f"/vote {opened.poll} {rng.randint(1, 3)}"),
            "signup": (group, f"/signup {opened.shifts[mine['signup'] - 1]}"),
            "/me": (private, "/me"),
        }[kind]
        incoming = Incoming(chat, user, EventKind.MESSAGE, words, delivery_key=f"bench:{number}")
        load.append((person, incoming))
    return load, tally


async def child(url: str, inbox: Path, first: int, sent_log: Path) -> None:
    """A worker: handle the inbox from `first` on, send as elected, until SIGTERM."""
    updates: list[Incoming] = pickle.loads(inbox.read_bytes())
    app = bootstrap(settings(), SystemClock(), db=Database(url))
    log = sent_log.open("a", buffering=1)

    async def send(envelope: Envelope) -> str:
        await asyncio.sleep(SEND_SECONDS)
        log.write(f"{envelope.outbox_id}\n")
        return "1"

    worker = OutboxWorker(app.db, app.clock, PLATFORM, send, concurrency=30, idle_seconds=0.5)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    sending = asyncio.create_task(worker.run(stop))
    settle_heap()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    cpu = time.process_time()
    for number in range(first, len(updates)):
        # As the Telegram adapter does: the sender is handed the replies it staged claimed.
        claim = worker.hand_claim
        envelopes = await asyncio.to_thread(app.dispatcher.handle, updates[number], claim)
        for envelope in envelopes:
            if envelope.reply.template not in EXPECTED:
                print(f"unexpected {envelope.reply.template} to {updates[number].text}", flush=True)
        worker.take(envelopes, claimed=claim is not None)
        print(f"ack {number}", flush=True)
    print("done", flush=True)
    await stop.wait()
    await sending
    print(f"cpu {time.process_time() - cpu:.3f}", flush=True)
    app.close()


@dataclass
class Worker:
    """A worker process seen from the parent: what it confirmed, and whether it finished."""

    inbox: Path
    total: int
    acked: int = -1
    done: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    cpu: float = 0.0
    unexpected: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    def start(self, url: str, sent_log: Path) -> None:
        """Start the process, delivering from the first update it has not confirmed."""
        self.done.clear()
        self.ready.clear()
        command = [sys.executable, "-m", "bench.workers", "--child", url, str(self.inbox)]
        self.process = subprocess.Popen(
            [*command, str(self.acked + 1), str(sent_log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            word, _, value = line.strip().partition(" ")
            if word == "ack":
                self.acked = int(value)
            elif word in ("ready", "done"):
                getattr(self, word).set()
            elif word == "cpu":
                self.cpu += float(value)
            elif word == "unexpected":
                self.unexpected.append(value)

    def go(self) -> None:
        """Let it start handling as soon as it is ready (the line waits in its stdin)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """SIGTERM, and wait for its CPU line."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait()


def _pending(database: Database) -> int:
    with database.transaction() as session:
        return (
            session.scalar(select(func.count()).where(OutboxMessage.state == OutboxState.PENDING))
            or 0
        )


def _settle(database: Database, workers: list[Worker]) -> None:
    """Wait until every worker handled its share and every reply is recorded sent."""
    for worker in workers:
        worker.done.wait()
    while _pending(database):
        time.sleep(0.02)


def _spawn(
    url: str, load: list[tuple[int, Incoming]], count: int, folder: Path, sent_log: Path
) -> list[Worker]:
    workers = []
    for index in range(count):
        share = [incoming for number, incoming in load if number % count == index]
        inbox = folder / f"inbox-{count}-{index}.pickle"
        inbox.write_bytes(pickle.dumps(share))
        workers.append(Worker(inbox, len(share)))
        workers[-1].start(url, sent_log)
    return workers


@dataclass(frozen=True)
class Run:
    """One replay: its rate, each worker's CPU seconds, what the sends log shows."""

    workers: int
    updates: int
    seconds: float
    cpu: list[float]
    server_cpu: float
    sends: Counter[int]
    tables: dict[str, int]
    unsent: int


def replay(
    server: PostgresServer,
    name: str,
    load: list[tuple[int, Incoming]],
    count: int,
    folder: Path,
    kills: int = 0,
) -> Run:
    """Replay `load` into `count` workers on a fresh copy of the seeded database."""
    server.execute(f"CREATE DATABASE {name} TEMPLATE linli_seed")
    url = server.url(name)
    sent_log = folder / f"{name}.sent"
    workers = _spawn(url, load, count, folder, sent_log)
    for worker in workers:
        worker.ready.wait()
    server_cpu = _server_cpu(server)
    began = time.perf_counter()
    for worker in workers:
        worker.go()
    killer = random.Random(SEED + kills)
    for _ in range(kills):
        time.sleep(killer.uniform(0.2, 1.2))
        victim = killer.choice(workers)
        assert victim.process is not None
        victim.process.kill()
        victim.process.wait()
        victim.start(url, sent_log)
        victim.go()
    database = Database(url)
    _settle(database, workers)
    seconds = time.perf_counter() - began
    for worker in workers:
        worker.stop()
    server_cpu = _server_cpu(server) - server_cpu
    unexpected = [line for worker in workers for line in worker.unexpected]
    if unexpected:
        raise SystemExit(f"unexpected replies (the load is broken): {unexpected[:5]}")
    sends = Counter(int(line) for line in sent_log.read_text().split())
    tables = _counts(database)
    with database.engine.connect() as connection:
        replies = set(connection.scalars(select(OutboxMessage.id).where(~OutboxMessage.edit)))
    tables[REPLIES] = len(replies)
    database.dispose()
    cpu = [w.cpu for w in workers]
    return Run(count, len(load), seconds, cpu, server_cpu, sends, tables, len(replies - set(sends)))


def _server_cpu(server: PostgresServer) -> float:
    """CPU seconds the PostgreSQL server used so far: the postmaster, the backends it
    reaped and the processes it runs now."""
    postmaster = str(server.postmaster_pid())
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the name: state, ppid, ..., utime (12), stime (13), cutime (14), cstime (15).
        if stat.parent.name == postmaster:
            total += sum(int(value) for value in fields[11:15])
        elif fields[1] == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _counts(database: Database) -> dict[str, int]:
    """Rows in every table but the outbox (the effects of the load). The outbox is counted
    without edits of a message sent earlier (see `replay`): how many edits of a roster are
    superseded, and dropped unsent, depends on timing."""
    with database.engine.connect() as connection:
        return {
            table.name: connection.scalar(text(f"SELECT count(*) FROM {table.name}")) or 0
            for table in Base.metadata.sorted_tables
            if table.name != OutboxMessage.__tablename__
        }


def _kill_figures(calm: Run, killed: Run) -> tuple[int, int, int]:
    """Lost replies, duplicated effects and duplicated sends of the kill run, against a calm one."""
    lost = killed.unsent + max(0, calm.tables[REPLIES] - killed.tables[REPLIES])
    doubled = sum(max(0, killed.tables[name] - calm.tables[name]) for name in calm.tables)
    resent = sum(times - 1 for times in killed.sends.values())
    return lost, doubled, resent


def _print_rates(one: Run, two: Run) -> None:
    rows = [["workers", "updates", "seconds", "updates/s", "CPU s per worker", "PostgreSQL CPU s"]]
    for run in (one, two):
        rows.append(
            [
                str(run.workers),
                f"{run.updates:,}",
                f"{run.seconds:.1f}",
                f"{run.updates / run.seconds:,.0f}",
                " + ".join(f"{cpu:.1f}" for cpu in run.cpu),
                f"{run.server_cpu:.1f}",
            ]
        )
    report.print_table(rows)
    print(f"two workers / one: {one.seconds / two.seconds:.2f}x; replies sent: ", end="")
    print(f"{sum(one.sends.values()):,} and {sum(two.sends.values()):,}\n")


def measure(server: PostgresServer, updates: int, kill_updates: int, kills: int) -> None:
    """The whole benchmark on `server`: the rates, then the kill experiment."""
    server.execute("CREATE DATABASE linli_seed")
    database = Database(server.url("linli_seed"))
    migrate.upgrade(database.engine)
    seed(database, PLATFORM)
    running = open_activity(database)
    database.dispose()
    with tempfile.TemporaryDirectory(prefix="linli-workers-") as directory:
        folder = Path(directory)
        load, tally = mixed_load(updates, running)
        print(", ".join(f"{tally[kind]:,} {kind}" for kind in ("register", *(k for _, k in MIX))))
        _print_rates(replay(server, "one", load, 1, folder), replay(server, "two", load, 2, folder))
        small, _ = mixed_load(kill_updates, running)
        calm = replay(server, "calm", small, 2, folder)
        killed = replay(server, "killed", small, 2, folder, kills)
    lost, doubled, resent = _kill_figures(calm, killed)
    print(
        f"kill -9 of one of two workers at {kills} random moments, {kill_updates:,} updates "
        f"({killed.seconds:.1f} s): {lost} lost replies, {doubled} duplicated effects, "
        f"{resent} duplicated sends (of {len(killed.sends):,} replies)"
    )


def main() -> None:
    """Parse the options; run the benchmark, or be one worker (--child)."""
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--updates", type=int, default=2_000, help="updates in the rate runs")
    parser.add_argument("--kill-updates", type=int, default=KILL_UPDATES, help="in the kill run")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 moments")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        url, inbox, first, sent_log = options.child
        # As `linli run` does: each worker on a CPU of its own.
        with one_cpu():
            asyncio.run(child(url, Path(inbox), int(first), Path(sent_log)))
        return
    print(
        f"Linli workers on one PostgreSQL: {options.updates:,} updates (registrations, votes, "
        f"sign-ups, /me) from {USERS:,} residents in {len(groups())} groups, split by user"
    )
    print(report.environment())
    try:
        with report.postgres() as server:
            measure(server, options.updates, options.kill_updates, options.kills)
    except report.Unavailable as why:
        print(f"PostgreSQL: skipped ({why})")


if __name__ == "__main__":
    main()
