"""The deployment examples in deploy/: their command lines run as they say, several workers."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from configparser import ConfigParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import Database
from models import OutboxMessage, OutboxState
from tests.conftest import _fresh_postgres
from tests.support.postgres_server import PostgresServer
from tests.support.telegram_emulator import DEFAULT_TOKEN, TelegramEmulator
from tests.support.wechat_service import free_port

Workers = tuple[TelegramEmulator, list[tuple[subprocess.Popen[bytes], int]], Database]
DEPLOY = Path(__file__).parents[2] / "deploy"
SECRET = "hook-s3cret"
FIRST, SECOND = 3101, 3102


def procfile() -> list[tuple[dict[str, str], list[str]]]:
    """Each Procfile line's environment assignments and its command's words."""
    lines = []
    for line in (DEPLOY / "Procfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = shlex.split(line.split(":", 1)[1])
        env = dict(word.split("=", 1) for word in words if "=" in word and word[0].isupper())
        lines.append((env, [word for word in words if word.split("=", 1)[0] not in env]))
    return lines


def _check_parses(words: list[str]) -> None:
    """The words are a `linli` command the real command line accepts."""
    assert Path(words[0]).name == "linli"
    command = main.commands[words[1]]
    with command.make_context(words[1], words[2:]) as context:
        assert context.params["platform"] in ("telegram", "wechat", "all")


def test_every_example_command_line_parses_with_the_real_command_line() -> None:
    lines = procfile()
    assert len(lines) >= 2
    ports = {env["LINLI_TELEGRAM_WEBHOOK_PORT"] for env, _ in lines}
    assert len(ports) == len(lines)
    for _, words in lines:
        _check_parses(words)
    unit = ConfigParser(interpolation=None, strict=False)
    unit.read_string((DEPLOY / "linli@.service").read_text(encoding="utf-8"))
    _check_parses(shlex.split(unit["Service"]["ExecStart"]))
    assert unit["Service"]["Environment"] == "LINLI_TELEGRAM_WEBHOOK_PORT=%i"
    upstreams = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert all(f"127.0.0.1:{port}" in upstreams for port in ports)


def _says(emulator: TelegramEmulator, user: int, text: str) -> bytes:
    """The update Telegram would post to the webhook when `user` writes `text` privately."""
    emulator.send_text(user, text)
    with emulator._cond:
        update = emulator._updates.pop()
    return json.dumps(update).encode()


def _until_sent(database: Database, count: int) -> None:
    """Wait until `count` outbox rows are recorded as sent (a step, not an assertion)."""
    for _ in range(600):
        with database.transaction() as session:
            sent = session.scalar(
                select(func.count()).where(OutboxMessage.state == OutboxState.SENT)
            )
        if sent == count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} messages were not recorded as sent")


def _wait_listening(port: int) -> None:
    """Wait for a worker's webhook server to accept connections (a step, not an assertion)."""
    for _ in range(600):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"no worker listens on port {port}")


def _post(port: int, body: bytes) -> int:
    """What the reverse proxy does: forward Telegram's request to one worker."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


@pytest.fixture
def workers(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Workers]:
    """The Procfile's workers started as it says, on one PostgreSQL, with the emulator."""
    emulator = TelegramEmulator(DEFAULT_TOKEN, rate_limits=False).start()
    for user in (FIRST, SECOND):
        emulator.declare_user(user, "李四")
    shared = {
        **os.environ,
        "PYTHONPATH": str(DEPLOY.parent),
        "LINLI_DATABASE_URL": _fresh_postgres(postgres_server, "linli_template"),
        "LINLI_SECRET": "a-test-secret-for-linli-run",
        "LINLI_TELEGRAM_TOKEN": DEFAULT_TOKEN,
        "LINLI_TELEGRAM_BASE_URL": emulator.url,
        "LINLI_TELEGRAM_WEBHOOK_URL": "https://linli.example/telegram",
        "LINLI_TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    started = []
    for env, words in procfile():
        port = free_port()  # the example's own ports may be taken on a test machine
        command = [sys.executable, "-m", "bot.cli", *words[1:]]
        process = subprocess.Popen(
            command,
            env={**shared, **env, "LINLI_TELEGRAM_WEBHOOK_PORT": str(port)},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append((process, port))
    try:
        database = Database(shared["LINLI_DATABASE_URL"])
        yield emulator, started, database
        database.dispose()
    finally:
        for process, _ in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        emulator.stop()


def test_two_workers_of_the_procfile_answer_each_update_once_and_survive_a_kill(
    workers: Workers,
) -> None:
    emulator, started, database = workers
    emulator.wait_for(lambda e: len(e.calls("setWebhook")) == len(started), timeout=60)
    (first, first_port), (_, second_port) = started[:2]
    for _, port in started:
        _wait_listening(port)
    second_start = _says(emulator, SECOND, "/start")
    assert _post(first_port, _says(emulator, FIRST, "/start")) == 200
    assert _post(second_port, second_start) == 200
    emulator.wait_for(lambda e: bool(e.sent(FIRST)) and bool(e.sent(SECOND)), timeout=60)
    # Recorded as sent: a kill before that may send a message again (one request's window).
    _until_sent(database, 2)
    first.kill()
    first.wait()
    # Telegram resends an update it thinks was lost: its second delivery has no effect.
    assert _post(second_port, second_start) == 200
    assert _post(second_port, _says(emulator, FIRST, "/start")) == 200
    emulator.wait_for(lambda e: len(e.sent(FIRST)) == 2, timeout=60)
    assert len(emulator.sent(SECOND)) == 1
    assert [process.poll() for process, _ in started[1:]] == [None] * (len(started) - 1)
