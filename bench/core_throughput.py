"""Replay console messages through the dispatcher and renderer; report throughput and latency."""

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
from bot.config import Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services.community import circles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import CircleKind

PLATFORM = "console"
SEED = 20261123
START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
USERS = 2000
WARMUP = 40
# The warm-up user's room: no user of the workload lives there.
WARMUP_ROOM = "1-1-9901"
STREET = "文化路街道"
ESTATES: dict[str, tuple[str, ...]] = {
    "红旗里社区": ("1号院", "2号院", "3号院", "幸福家园", "和平小区"),
    "建设里社区": ("建设里小区", "锦绣花园", "阳光苑", "东方家园", "铁路新村"),
}
BUILDINGS = 6
UNITS = 3
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = (
    "建国",
    "秀英",
    "桂芳",
    "志强",
    "淑珍",
    "海涛",
    "丽华",
    "文博",
    "春梅",
    "晓燕",
    "国庆",
    "玉兰",
    "宝山",
    "雪梅",
    "卫东",
    "婷婷",
    "家豪",
    "慧敏",
    "立新",
    "静",
)
CHATTER = (
    "大家早上好",
    "明天几点停水？",
    "谁家的快递放错门口了",
    "楼下的路灯又坏了",
    "谢谢物业师傅",
    "今天垃圾分类谁值班？",
    "有人一起去菜市场吗",
    "小区门口在修路，绕行一下",
)
# (share of messages, kind); the shares add up to one.
MIX: tuple[tuple[float, str], ...] = (
    (0.25, "/me"),
    (0.25, "/join"),
    (0.20, "/help"),
    (0.30, "chat"),
)
# A registration typed in a group is answered privately, with a short note in the group.
EXPECTED_REPLIES = frozenset(
    {
        "circles.me",
        "circles.registered",
        "circles.already_registered",
        "core.help",
        "core.sent_privately",
    }
)


@dataclass(frozen=True)
class Group:
    """A benchmark group chat, bound to one estate."""

    chat_id: str
    title: str
    estate: str


@dataclass(frozen=True)
class Result:
    """One backend's figures."""

    backend: str
    version: str
    messages: int
    seconds: float
    latencies_ns: list[int]

    def percentile_ms(self, share: float) -> float:
        """The nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies_ns)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] / 1e6


def groups() -> list[Group]:
    """One group per estate: g1..g10."""
    paths = [
        f"{STREET}/{community}/{estate}" for community, names in ESTATES.items() for estate in names
    ]
    return [
        Group(f"g{n}", f"{path.rsplit('/', 1)[1]}邻里圈", path)
        for n, path in enumerate(paths, start=1)
    ]


def seed(
    database: Database, platform_name: str = PLATFORM, chat_ids: dict[str, str] | None = None
) -> None:
    """Create the grid and bind every group (or its id in `chat_ids`) to its estate."""
    with database.transaction() as session:
        for group in groups():
            for building in range(1, BUILDINGS + 1):
                for unit in range(1, UNITS + 1):
                    add_path(session, f"{group.estate}/{building}号楼/{unit}单元")
            admin = ensure_identity(session, PLATFORM, f"admin-{group.chat_id}", "管理员", START)
            circles.attach_chat(
                session,
                START,
                circles.ChatSpec(
                    platform_name, (chat_ids or {}).get(group.chat_id, group.chat_id), group.title
                ),
                resolve_place(session, group.estate),
                CircleKind.NEIGHBOUR,
                "",
                actor_id=None,
                admin=admin.resident,
            )


def user_ref(number: int) -> UserRef:
    """User `number` with a deterministic Chinese display name."""
    surname = SURNAMES[number % len(SURNAMES)]
    given = GIVEN[(number // len(SURNAMES)) % len(GIVEN)]
    return UserRef(PLATFORM, f"u{number}", f"{surname}{given}")


def household(number: int) -> str:
    """User `number`'s building-unit-room inside the estate of their group, theirs alone:
    joining a household others live in waits for their yes, which is another workload."""
    building = number // 10 % BUILDINGS + 1
    unit = number // (10 * BUILDINGS) % UNITS + 1
    floor = number // (10 * BUILDINGS * UNITS) + 1
    return f"{building}-{unit}-{floor}{number % 10 + 1:02d}"


def workload(count: int, rng: random.Random) -> tuple[list[Incoming], Counter[str]]:
    """`count` group messages in the MIX, from USERS users, each in their estate's group."""
    chats = [ChatRef(PLATFORM, g.chat_id, ChatKind.GROUP, g.title) for g in groups()]
    users = [user_ref(n) for n in range(USERS)]
    shares, kinds = zip(*MIX, strict=True)
    messages: list[Incoming] = []
    tally: Counter[str] = Counter()
    for _ in range(count):
        number = rng.randrange(USERS)
        kind = rng.choices(kinds, weights=shares)[0]
        tally[kind] += 1
        text = {
            "/me": "/me",
            "/join": f"/join {household(number)} 同意",
            "/help": "/help",
            "chat": rng.choice(CHATTER),
        }[kind]
        messages.append(
            Incoming(chats[number % len(chats)], users[number], EventKind.MESSAGE, text)
        )
    return messages, tally


def replay(app: App, clock: VirtualClock, messages: list[Incoming]) -> tuple[float, list[int]]:
    """Handle and render each message a second apart; the loop's seconds, each one's ns."""
    latencies: list[int] = []
    replies: Counter[str] = Counter()
    began = time.perf_counter()
    for incoming in messages:
        clock.set(clock.now() + timedelta(seconds=1))
        start = time.perf_counter_ns()
        for envelope in app.dispatcher.handle(incoming):
            app.renderer.render(envelope.reply, envelope.language, html_mode=False, buttons=True)
            replies[envelope.reply.template] += 1
        latencies.append(time.perf_counter_ns() - start)
    seconds = time.perf_counter() - began
    unexpected = set(replies) - EXPECTED_REPLIES
    if unexpected:
        raise SystemExit(f"unexpected replies (the workload is broken): {sorted(unexpected)}")
    return seconds, latencies


def run(backend: str, url: str, messages: list[Incoming]) -> Result:
    """Migrate and seed the database at `url`, warm up, then replay `messages`."""
    database = Database(url)
    migrate.upgrade(database.engine)
    seed(database)
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=database)
    try:
        warm_chat = messages[0].chat
        warm_user = UserRef(PLATFORM, "warmup", "预热")
        replay(
            app,
            clock,
            [
                Incoming(warm_chat, warm_user, EventKind.MESSAGE, text)
                for text in ("/me", "/help", f"/join {WARMUP_ROOM} 同意", "你好")
                for _ in range(WARMUP // 4)
            ],
        )
        seconds, latencies = replay(app, clock, messages)
        version_info = database.engine.dialect.server_version_info or ()
        version = ".".join(str(part) for part in version_info)
        return Result(backend, version, len(messages), seconds, latencies)
    finally:
        app.close()


def run_sqlite(messages: list[Incoming]) -> Result:
    """The benchmark on a SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        return run("sqlite", f"sqlite:///{Path(directory) / 'bench.db'}", messages)


def run_postgresql(messages: list[Incoming]) -> Result | str:
    """The benchmark on a temporary PostgreSQL server, or why it was skipped."""
    try:
        with report.postgres() as server:
            server.execute("CREATE DATABASE linli_bench")
            return run("postgresql", server.url("linli_bench"), messages)
    except report.Unavailable as why:
        return str(why)


def main() -> None:
    """Parse the options, run the chosen backends and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.core_throughput", description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000, help="messages to replay")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    if options.messages < 1:
        parser.error("--messages must be at least 1")
    messages, tally = workload(options.messages, random.Random(SEED))
    mix = ", ".join(f"{tally[kind]:,} {kind}" for _share, kind in MIX)
    print(f"Linli core throughput: {options.messages:,} console messages ({mix})")
    print(
        f"{USERS:,} users in {len(groups())} groups bound to estates; dispatcher.handle + "
        f"render per message, after {WARMUP} warm-up messages"
    )
    print(report.environment())
    results: list[Result] = []
    skipped: list[str] = []
    if options.backend in ("sqlite", "both"):
        results.append(run_sqlite(messages))
    if options.backend in ("postgresql", "both"):
        outcome = run_postgresql(messages)
        if isinstance(outcome, Result):
            results.append(outcome)
        else:
            skipped.append(f"postgresql: skipped, {outcome}")
    header = ("backend", "version", "msg/s", "p50 ms", "p99 ms", "max ms")
    rows = [header] + [
        (
            r.backend,
            r.version,
            f"{r.messages / r.seconds:,.0f}",
            f"{r.percentile_ms(0.50):.2f}",
            f"{r.percentile_ms(0.99):.2f}",
            f"{max(r.latencies_ns) / 1e6:.2f}",
        )
        for r in results
    ]
    report.print_table(rows, left=2)
    for line in skipped:
        print(line)
    print(
        f"\nreproduce: .venv/bin/python -m bench.core_throughput --messages {options.messages}"
        f" --backend {options.backend}"
    )


if __name__ == "__main__":
    main()
