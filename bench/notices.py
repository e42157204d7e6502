"""Broadcast one notice to 300 Telegram groups (`--groups`) against the emulator enforcing
Telegram's flood limits, with network latency on every request: time against the floor,
duplicates, losses and 429 answers."""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from bench import report
from bot.app import bootstrap, prepare_database
from bot.clock import SystemClock
from bot.config import DeliverySettings, Settings
from tests.support.broadcast import SECRETARY, RunningBot, per_group, populate, say
from tests.support.telegram_emulator import DEFAULT_TOKEN, TelegramEmulator

NOTICE = "明天上午停水"
PER_SECOND = 30.0


def broadcast(groups: int, latency: float, folder: Path) -> list[str]:
    """One run: seed, confirm through Telegram, wait until every group has the notice."""
    emulator = TelegramEmulator(DEFAULT_TOKEN, latency=latency).start()
    database = prepare_database(f"sqlite:///{folder / 'notices.db'}")
    app = bootstrap(Settings(delivery=DeliverySettings(quiet_hours="")), SystemClock(), db=database)
    populate(app, emulator, groups)
    say(app, SECRETARY, f"通知 全部 | {NOTICE}")
    bot = RunningBot(app, emulator)
    try:
        emulator.wait_for(lambda e: bool(e.sent(SECRETARY)), timeout=60)
        emulator.send_text(SECRETARY, "确认发送 1")
        began = time.monotonic()
        emulator.wait_for(lambda e: len(per_group(e, NOTICE)) == groups, timeout=600)
        took = time.monotonic() - began
        time.sleep(2)  # anything sent twice would show by now
        counts = per_group(emulator, NOTICE)
    finally:
        bot.shutdown()
        app.close()
        emulator.stop()
    floor = groups / PER_SECOND
    return [
        f"{groups:,}",
        f"{latency * 1000:.0f}",
        f"{took:.1f}",
        f"{floor:.1f}",
        f"{took / floor:.3f}",
        str(sum(count - 1 for count in counts.values())),
        str(groups - len(counts)),
        str(emulator.throttled),
    ]


def main() -> None:
    """Parse the arguments, run the broadcast, print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(report.environment())
    with tempfile.TemporaryDirectory() as folder:
        row = broadcast(args.groups, args.latency, Path(folder))
    header = ["groups", "latency ms", "total s", "floor s", "× floor", "dups", "lost", "429s"]
    report.print_table([header, row])


if __name__ == "__main__":
    main()
