"""The benchmarks' loads get the replies they count on: a change to those replies shows here,
rather than first as a broken benchmark run."""

from __future__ import annotations

import random
from pathlib import Path

from bench import core_throughput, workers
from bot import migrate
from bot.app import bootstrap
from bot.clock import SystemClock
from bot.db import Database


def test_the_core_throughput_load_gets_only_the_replies_it_counts(tmp_path: Path) -> None:
    messages, mix = core_throughput.workload(120, random.Random(7))
    assert mix["/join"] and mix["/me"]
    result = core_throughput.run("sqlite", f"sqlite:///{tmp_path / 'core.db'}", messages)
    assert result.messages == 120 and len(result.latencies_ns) == 120


def test_the_workers_load_gets_only_the_replies_it_counts(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'workers.db'}")
    migrate.upgrade(database.engine)
    core_throughput.seed(database, workers.PLATFORM)
    load, tally = workers.mixed_load(150, workers.open_activity(database))
    assert tally["register"] and tally["vote"] and tally["signup"] and tally["/me"]
    app = bootstrap(workers.settings(), SystemClock(), db=database)
    try:
        replies = {
            envelope.reply.template
            for _, incoming in load
            for envelope in app.dispatcher.handle(incoming)
        }
    finally:
        app.close()
    assert replies <= workers.EXPECTED
    assert {"circles.me", "deliberation.voted", "volunteering.signed_up"} <= replies
