"""Feed updates through the Telegram adapter in-process: a bare echo bot against Linli."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes, TypeHandler

from bench import report
from bench.core_throughput import BUILDINGS, START, UNITS, groups, seed
from bot import migrate
from bot.adapters.telegram import TelegramAdapter
from bot.app import bootstrap
from bot.clock import VirtualClock
from bot.config import Settings, TelegramSettings
from bot.db import Database
from tests.support.telegram_fakes import TOKEN, RecordingRequest, group, message_update, user

Raw = dict[str, Any]


def offline_application(handler: Any) -> Application[Any, Any, Any, Any, Any, Any]:
    """An Application whose requests never leave the process."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(RecordingRequest())
        .get_updates_request(RecordingRequest())
        .updater(None)
        .build()
    )
    application.add_handler(handler)
    return application


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bare bot: answer /echo with its own text."""
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


def me_updates(count: int) -> list[Raw]:
    """`count` private /me messages from 1,000 users."""
    return [message_update(user(10_000 + n % 1000, f"居民{n % 1000}"), "/me") for n in range(count)]


def join_updates(count: int) -> list[Raw]:
    """`count` registrations, each a new user registering an empty room in their estate's group.

    Rooms are never shared: joining an occupied household would wait for its residents.
    """
    chats = [group(-5000 - n, g.title) for n, g in enumerate(groups())]
    return [
        message_update(
            user(20_000 + n, f"新邻居{n}"),
            f"/join {n // 10 % BUILDINGS + 1}-{n // 60 % UNITS + 1}-{10_000 + n} 同意",
            chats[n % len(chats)],
        )
        for n in range(count)
    ]


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


async def linli_rate(workdir: Path, updates: list[Raw], groups_by_chat: dict[str, str]) -> float:
    """Linli's adapter on SQLite: dispatch, stage in the outbox, and send, per update."""
    database = Database(f"sqlite:///{workdir / f'tg-{len(os.listdir(workdir))}.db'}")
    migrate.upgrade(database.engine)
    seed(database, platform_name="telegram", chat_ids=groups_by_chat)
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=database)
    holder: dict[str, TelegramAdapter] = {}

    async def handle(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        clock.set(clock.now() + timedelta(seconds=1))
        await holder["adapter"].handle(update)

    application = offline_application(TypeHandler(Update, handle))
    bot: Bot = application.bot
    holder["adapter"] = TelegramAdapter(app, bot, TelegramSettings(admin_cache_seconds=3600))
    rate = await measure(application, updates, holder["adapter"].worker.drain)
    app.close()
    return rate


def main() -> None:
    """Run the three workloads and print updates per second and the ratios."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.telegram_throughput", description=__doc__
    )
    parser.add_argument("--updates", type=int, default=10_000, help="updates per workload")
    options = parser.parse_args()
    count = options.updates
    chat_ids = {g.chat_id: str(-5000 - n) for n, g in enumerate(groups())}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        workdir = Path(folder)
        echo_updates = [message_update(user(1, "echo"), f"/echo {n}") for n in range(count)]
        bare = asyncio.run(measure(offline_application(CommandHandler("echo", echo)), echo_updates))
        me = asyncio.run(linli_rate(workdir, me_updates(count), chat_ids))
        joins = asyncio.run(linli_rate(workdir, join_updates(count), chat_ids))
    print(
        f"Telegram adapter throughput: {count:,} updates per workload, in-process, offline "
        "request object, SQLite"
    )
    print(report.environment())
    rows = [
        ("workload", "updates/s", "vs bare"),
        ("bare python-telegram-bot echo", f"{bare:,.0f}", "1.00"),
        ("Linli /me (private)", f"{me:,.0f}", f"{me / bare:.3f}"),
        ("Linli registration (/join, group)", f"{joins:,.0f}", f"{joins / bare:.3f}"),
    ]
    report.print_table(rows, left=1)
    print(f"\nreproduce: .venv/bin/python -m bench.telegram_throughput --updates {count}")


if __name__ == "__main__":
    main()
