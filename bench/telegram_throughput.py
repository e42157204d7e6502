"""Feed updates through the Telegram adapter in-process: a bare echo bot against Linli."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes, TypeHandler

from bench import report
from bench.core_throughput import BUILDINGS, START, UNITS, groups, seed
from bot import migrate
from bot.adapters.telegram import TelegramAdapter
from bot.affinity import one_cpu
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import Settings, TelegramSettings
from bot.db import Database
from bot.pacing import FloodLimits
from bot.runner import settle_heap
from bot.services.community.people import ensure_identity
from tests.support.telegram_fakes import TOKEN, RecordingRequest, group, message_update, user

Raw = dict[str, Any]
# Updates in hand at once in the throughput runs, about a getUpdates batch.
WINDOW = 100
# Updates a second offered in the latency runs.
RATE = 200
# Updates answered before a run's clock starts: a fresh process's first updates compile
# its SQL and templates (a few hundred ms in all), which is start-up, not load.
WARM_UP = 50
# The residents who ask /me, and the first of their Telegram ids.
ASKERS, FIRST_ASKER = 1000, 10_000


def offline_application(
    handler: Any, request: RecordingRequest | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application whose requests never leave the process."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(request or RecordingRequest())
        .get_updates_request(RecordingRequest())
        .updater(None)
        .build()
    )
    application.add_handler(handler)
    return application


@dataclass
class TimedRequest(RecordingRequest):
    """Notes when each message is sent, per chat, in order."""

    sends: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Note a sendMessage's time, then answer as Telegram would."""
        data = kwargs.get("request_data", args[0] if args else None)
        if url.endswith("/sendMessage") and data is not None:
            self.sends[int(data.parameters["chat_id"])].append(time.perf_counter())
        return await super().do_request(url, method, *args, **kwargs)


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bare bot: answer /echo with its own text."""
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


def me_updates(count: int) -> list[Raw]:
    """`count` private /me messages from the ASKERS (see `seed_askers`)."""
    return [
        message_update(user(FIRST_ASKER + n % ASKERS, f"居民{n % ASKERS}"), "/me")
        for n in range(count)
    ]


def seed_askers(database: Database) -> None:
    """The residents who ask /me, known to the bot: each wrote to it privately before."""
    with database.transaction() as session:
        for n in range(ASKERS):
            asker = user(FIRST_ASKER + n, f"居民{n}")
            identity = ensure_identity(
                session, "telegram", str(asker["id"]), asker["first_name"], START
            )
            identity.private_chat_open = True


def join_updates(count: int) -> list[Raw]:
    """`count` registrations, each a new user registering an empty room in their estate's group.

    Rooms are never shared: joining an occupied household would wait for its residents.
    """
    chats = [group(-5000 - n, g.title) for n, g in enumerate(groups())]
    return [
        message_update(
            user(20_000 + n, f"新邻居{n}"), f"/join {_empty_room(n)} 同意", chats[n % len(chats)]
        )
        for n in range(count)
    ]


def _empty_room(n: int) -> str:
    """Registration `n`'s building-unit-room: doors 11 to 30, which the seeded residents
    (doors 1 to 10) never take."""
    rest, door = divmod(n, 20)
    rest, building = divmod(rest, BUILDINGS)
    floor, unit = divmod(rest, UNITS)
    return f"{building + 1}-{unit + 1}-{floor + 1}{door + 11}"


async def measure(
    application: Application[Any, Any, Any, Any, Any, Any],
    updates: list[Raw],
    after: Callable[[], Any] | None = None,
) -> float:
    """Updates per second through Application.process_update (plus `after` per update)."""
    await application.initialize()
    parsed = [Update.de_json(raw, application.bot) for raw in updates]
    began = time.perf_counter()
    for update in parsed:
        await application.process_update(update)
        if after is not None:
            await after()
    seconds = time.perf_counter() - began
    await application.shutdown()
    return len(parsed) / seconds


@dataclass(frozen=True)
class Paired:
    """A Linli rate and the bare bot's, measured around it."""

    rate: float
    bare: float

    @property
    def ratio(self) -> float:
        """Linli's rate as a share of the bare bot's."""
        return self.rate / self.bare


@dataclass(frozen=True)
class Figures:
    """One backend's figures: /me and registration beside the bare bot, /me's p99 in ms."""

    me: Paired
    join: Paired
    p99: float


@dataclass
class Linli:
    """Linli's Telegram adapter on a seeded database, its outbox worker running."""

    app: App
    adapter: TelegramAdapter
    clock: VirtualClock
    request: RecordingRequest

    async def feed(self, update: Update) -> asyncio.Task[None]:
        """Hand an update to the adapter as polling does (each chat in order); its task."""
        self.clock.set(self.clock.now() + timedelta(seconds=1))
        return self.adapter.submit(update)

    async def settled(self, tasks: list[asyncio.Task[None]]) -> None:
        """Wait until the updates are handled and every reply they staged is sent."""
        await asyncio.wait(tasks)
        while not self.adapter.worker.settled():
            await asyncio.sleep(0.001)


@asynccontextmanager
async def linli(
    url: str, groups_by_chat: dict[str, str], timed: bool = False
) -> AsyncIterator[Linli]:
    """A fresh Linli on `url` with its outbox worker running, stopped afterwards; `timed`
    notes when each message is sent (the latency runs), which the bare bot never pays for.
    As `linli run` does, it runs on one CPU (see bot/affinity.py)."""
    with one_cpu():
        async with _linli(url, groups_by_chat, timed) as bot:
            yield bot


@asynccontextmanager
async def _linli(url: str, groups_by_chat: dict[str, str], timed: bool) -> AsyncIterator[Linli]:
    """`linli` on the CPUs it is given."""
    database = Database(url)
    migrate.upgrade(database.engine)
    seed(database, platform_name="telegram", chat_ids=groups_by_chat)
    seed_askers(database)
    report.as_kept(database.engine)
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=database)
    request = TimedRequest() if timed else RecordingRequest()
    bot = offline_application(TypeHandler(Update, echo), request).bot
    await bot.initialize()
    adapter = TelegramAdapter(app, bot, TelegramSettings(admin_cache_seconds=3600))
    # Telegram's flood limits (30 messages a second) would measure Telegram, not Linli.
    adapter.limits = FloodLimits(per_second=10**9, chat_seconds=0.0, group_per_minute=10**9)
    stop = asyncio.Event()
    worker = asyncio.create_task(adapter.worker.run(stop))
    # On PostgreSQL the worker sends once elected: until then replies wait in the outbox.
    while not adapter.worker.sending:
        await asyncio.sleep(0.01)
    settle_heap()
    try:
        yield Linli(app, adapter, clock, request)
    finally:
        stop.set()
        await worker
        await bot.shutdown()
        app.close()


async def linli_rate(
    url: str, updates: list[Raw], groups_by_chat: dict[str, str], warm: list[Raw]
) -> float:
    """Updates per second, each dispatched, staged in the outbox and sent; at most WINDOW
    in hand at once (as a getUpdates batch would give), after the `warm` ones are answered."""
    async with linli(url, groups_by_chat) as bot:
        parsed = [Update.de_json(raw, bot.adapter.bot) for raw in updates]
        warmed = [Update.de_json(raw, bot.adapter.bot) for raw in warm]
        await bot.settled([await bot.feed(update) for update in warmed])
        window = asyncio.Semaphore(WINDOW)
        tasks = []
        began = time.perf_counter()
        for update in parsed:
            await window.acquire()
            task = await bot.feed(update)
            task.add_done_callback(lambda _: window.release())
            tasks.append(task)
        await bot.settled(tasks)
        return len(parsed) / (time.perf_counter() - began)


async def linli_latency(url: str, updates: list[Raw], groups_by_chat: dict[str, str]) -> float:
    """The 99th percentile of reply latency in ms, updates offered at RATE a second
    (open loop: on a schedule, whether or not earlier ones are done), after WARM_UP."""
    async with linli(url, groups_by_chat, timed=True) as bot:
        assert isinstance(bot.request, TimedRequest)
        sends = bot.request.sends
        parsed = [Update.de_json(raw, bot.adapter.bot) for raw in updates]
        warm = [Update.de_json(raw, bot.adapter.bot) for raw in me_updates(WARM_UP)]
        await bot.settled([await bot.feed(update) for update in warm])
        sends.clear()
        arrivals: dict[int, list[float]] = defaultdict(list)
        tasks = []
        began = time.perf_counter()
        for number, update in enumerate(parsed):
            due = began + number / RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            assert update.effective_chat is not None
            arrivals[update.effective_chat.id].append(due)
            tasks.append(await bot.feed(update))
        await bot.settled(tasks)
        latencies = sorted(
            sent - arrived
            for chat, times in arrivals.items()
            for arrived, sent in zip(times, sends[chat], strict=True)
        )
        return 1000 * latencies[int(0.99 * (len(latencies) - 1))]


def bare_rate(count: int) -> float:
    """The bare echo bot's updates per second on `count` /echo messages."""
    updates = [message_update(user(1, "echo"), f"/echo {n}") for n in range(count)]
    return asyncio.run(measure(offline_application(CommandHandler("echo", echo)), updates))


def beside_bare(run: Callable[[], float], count: int) -> Paired:
    """`run`'s rate, and the bare bot's just before and just after it: the machine's speed
    drifts from one minute to the next, and a ratio should not take in the drift."""
    before = bare_rate(count)
    mine = run()
    return Paired(mine, (before + bare_rate(count)) / 2)


def run_backend(
    url: Callable[[str], str], count: int, latency_count: int, chat_ids: dict[str, str]
) -> Figures:
    """/me and registration rates beside the bare bot's, and /me's p99 latency, each on a
    fresh database."""
    me = beside_bare(
        lambda: asyncio.run(
            linli_rate(url("me"), me_updates(count), chat_ids, me_updates(WARM_UP))
        ),
        count,
    )
    # The warm-up registrations are of rooms of their own, after the measured ones.
    registrations = join_updates(count + WARM_UP)
    joins = beside_bare(
        lambda: asyncio.run(
            linli_rate(url("join"), registrations[:count], chat_ids, registrations[count:])
        ),
        count,
    )
    p99 = asyncio.run(linli_latency(url("latency"), me_updates(latency_count), chat_ids))
    return Figures(me, joins, p99)


def on_postgresql(count: int, latency_count: int, chat_ids: dict[str, str]) -> Figures | str:
    """The Linli figures on a temporary PostgreSQL server, or why they were skipped."""
    try:
        with report.postgres() as server:

            def url(name: str) -> str:
                server.execute(f"CREATE DATABASE linli_{name}")
                return server.url(f"linli_{name}")

            return run_backend(url, count, latency_count, chat_ids)
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Run the workloads on SQLite and PostgreSQL and print rates, ratios and latency."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.telegram_throughput", description=__doc__
    )
    parser.add_argument("--updates", type=int, default=1_000, help="updates per workload")
    parser.add_argument(
        "--latency-updates", type=int, default=1_000, help=f"/me offered at {RATE}/s"
    )
    options = parser.parse_args()
    count, latency_count = options.updates, options.latency_updates
    chat_ids = {g.chat_id: str(-5000 - n) for n, g in enumerate(groups())}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        sqlite = run_backend(
            lambda name: f"sqlite:///{Path(folder) / name}.db", count, latency_count, chat_ids
        )
    postgresql = on_postgresql(count, latency_count, chat_ids)
    print(
        f"Telegram adapter: {count:,} updates per workload, in-process, offline request "
        "object, Telegram's flood limits lifted;\n"
        "each Linli rate beside a bare python-telegram-bot echo's, measured just before and "
        "just after it (their mean);\n"
        f"p99 latency of {latency_count:,} /me offered at {RATE}/s (open loop), "
        f"after {WARM_UP} answered to warm up"
    )
    print(report.environment())
    rows: list[tuple[str, ...]] = [
        ("workload", "SQLite", "bare", "vs bare", "PostgreSQL", "bare", "vs bare")
    ]
    names = ("Linli /me (private), updates/s", "Linli registration (/join, group), updates/s")
    pg = postgresql if isinstance(postgresql, Figures) else None
    for name, mine, theirs in (
        (names[0], sqlite.me, pg.me if pg else None),
        (names[1], sqlite.join, pg.join if pg else None),
    ):
        shown = (
            [f"{theirs.rate:,.0f}", f"{theirs.bare:,.0f}", f"{theirs.ratio:.3f}"]
            if theirs
            else ["", "", ""]
        )
        rows.append((name, f"{mine.rate:,.0f}", f"{mine.bare:,.0f}", f"{mine.ratio:.3f}", *shown))
    p99 = f"{pg.p99:.1f}" if pg else ""
    rows.append(("Linli /me p99 reply latency, ms", f"{sqlite.p99:.1f}", "", "", p99, "", ""))
    report.print_table(rows, left=1)
    if isinstance(postgresql, str):
        print(f"PostgreSQL: skipped, {postgresql}")
    print(
        "\nreproduce: .venv/bin/python -m bench.telegram_throughput "
        f"--updates {count} --latency-updates {latency_count}"
    )


if __name__ == "__main__":
    main()
