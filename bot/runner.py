"""`linli run`: the live bot on Telegram, WeChat or both (several workers on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
from collections.abc import Callable, Coroutine, Iterator
from functools import partial
from typing import Any

from sqlalchemy.engine import make_url

from bot.affinity import one_cpu
from bot.app import App, bootstrap
from bot.clock import SystemClock
from bot.config import Settings
from bot.db import Database, is_sqlite
from bot.election import serve_elected
from bot.filelock import exclusive
from bot.messages import Envelope
from bot.scheduler import start_live, tick_soon
from handlers.registry import COMMANDS

PLATFORM_CHOICES = ("telegram", "wechat", "all")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
ALREADY_SERVING = (
    "another linli run is already serving this SQLite database "
    "(SQLite serves one process; use PostgreSQL for several workers)"
)


class StartError(Exception):
    """A platform cannot start; the message is one line for the operator."""


async def run(settings: Settings, database: Database, platform: str) -> None:
    """Serve `platform` (telegram, wechat or all) until SIGTERM or SIGINT."""
    with single_instance(database), one_cpu():
        await _run(settings, database, platform)


async def _run(settings: Settings, database: Database, platform: str) -> None:
    app = bootstrap(settings, SystemClock(), db=database)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(app, settings, platform, stop)
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        app.close()


@contextlib.contextmanager
def single_instance(database: Database) -> Iterator[None]:
    """On SQLite, hold the file's `linli run` lock while serving; StartError when another holds it.

    SQLite serves one process. Several workers may serve one PostgreSQL: they share the
    outbox and the due work through row claims and advisory locks (bot/election.py).
    """
    if not is_sqlite(database.url):
        yield
        return
    with _lock_file(make_url(database.url).database):
        yield


@contextlib.contextmanager
def _lock_file(path: str | None) -> Iterator[None]:
    """An exclusive lock on a file next to the SQLite database (none for one in memory)."""
    if path in (None, "", ":memory:"):
        yield
        return
    descriptor = exclusive(f"{path}.run-lock")
    if descriptor is None:
        raise StartError(ALREADY_SERVING)
    try:
        yield
    finally:
        os.close(descriptor)


async def serve(app: App, settings: Settings, platform: str, stop: asyncio.Event) -> None:
    """Run the platforms and the live scheduler until `stop`; when one platform ends, all do."""
    wakers: list[Callable[[], None]] = []
    jobs: list[Coroutine[Any, Any, None]] = []
    if platform in ("wechat", "all"):
        # The wechat extra is optional: only a run that serves WeChat may need it.
        from bot.adapters.wechat import WeChatStartError, wechat_adapter

        try:
            adapter = wechat_adapter(app, settings.wechat)
        except WeChatStartError as error:
            raise StartError(str(error)) from None
        wakers.append(adapter.worker.wake)
        # One puppet-service connection: only the worker elected for WeChat runs it.
        jobs.append(serve_elected(app.db, "wechat", stop, adapter.run))
    loop = asyncio.get_running_loop()

    def after_tick(envelopes: list[Envelope]) -> None:
        # Runs in APScheduler's thread: new outbox rows are waiting, so wake the senders.
        if envelopes:
            for wake in wakers:
                loop.call_soon_threadsafe(wake)

    ticker = start_live(app.scheduler, app.clock.now, settings.scheduler.tick_seconds, after_tick)
    if platform in ("telegram", "all"):
        jobs.append(_telegram(app, settings, stop, wakers, partial(tick_soon, ticker)))
    settle_heap()
    tasks = [asyncio.create_task(_then_stop(job, stop)) for job in jobs]
    try:
        await asyncio.wait(tasks)
    finally:
        ticker.shutdown(wait=False)
    for task in tasks:
        task.result()


def settle_heap() -> None:
    """Leave what start-up built (modules, mappers, compiled templates) out of later collections.

    A full garbage collection walks every object in the process: over the 150,000 or so that
    start-up builds it stalls the event loop for 100-200 ms, every reply waiting.
    """
    gc.collect()
    gc.freeze()


async def _then_stop(job: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    try:
        await job
    finally:
        stop.set()


def _telegram(
    app: App,
    settings: Settings,
    stop: asyncio.Event,
    wakers: list[Callable[[], None]],
    nudge: Callable[[], None],
) -> Coroutine[Any, Any, None]:
    """Telegram's job, its library imported now (before the heap is settled)."""
    # python-telegram-bot takes a second to import; only a run that serves Telegram needs it.
    from bot.adapters.telegram import TelegramStartError, run_telegram

    async def job() -> None:
        try:
            await run_telegram(app, settings.telegram, stop, COMMANDS, wakers, nudge=nudge)
        except TelegramStartError as error:
            raise StartError(str(error)) from None

    return job()
