"""A real Wechaty puppet service for the tests: Node's PuppetServer around PuppetMock.

The npm packages are pinned by tests/support/wechat/package-lock.json and installed with `npm ci`
(by .ci/setup-services, or here on first use). Mock residents speak through the service's
control channel (JSON lines on its standard input); what the bot sends comes back on its
standard output.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

SERVICE_DIR = Path(__file__).resolve().parent / "wechat"
SCRIPT = SERVICE_DIR / "puppet_server.mjs"
TOKEN = "insecure_linli_test_token"
BOT = {"id": "linli-bot", "name": "邻里小助手"}
Sent = dict[str, Any]


class WeChatServiceUnavailable(Exception):
    """Node.js or the service's npm packages are missing and cannot be installed."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _install_lock() -> Iterator[None]:
    with (Path(tempfile.gettempdir()) / "linli-wechat-npm.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_packages() -> None:
    """Install the pinned npm packages with `npm ci` unless they are installed already."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise WeChatServiceUnavailable("node and npm are not installed")
    marker = SERVICE_DIR / "node_modules" / ".package-lock.json"
    lock = SERVICE_DIR / "package-lock.json"
    with _install_lock():
        if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
            return
        done = subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=SERVICE_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise WeChatServiceUnavailable(f"npm ci failed: {done.stderr.strip()[-500:]}")


class WeChatService:
    """One puppet service process on loopback; it can be killed and started again."""

    def __init__(self, fixture: dict[str, Any], workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self.fixture_path = workdir / "wechat-fixture.json"
        self.fixture_path.write_text(json.dumps({"bot": BOT, **fixture}), encoding="utf-8")
        self.log_path = workdir / "wechat-service.log"
        self.sent: list[Sent] = []
        self._changed = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._numbers = iter(range(1, 1_000_000))
        self._process: subprocess.Popen[str] | None = None
        self._listening = threading.Event()

    def start(self) -> WeChatService:
        """Start the service and wait until it listens."""
        self._listening.clear()
        with self.log_path.open("a", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                ["node", str(SCRIPT), str(self.port), TOKEN, str(self.fixture_path)],
                cwd=SERVICE_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                env={**os.environ, "WECHATY_LOG": "error"},
            )
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        if not self._listening.wait(60):
            self.stop()
            raise RuntimeError(f"the puppet service did not start: {self._log_tail()}")
        return self

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            message = json.loads(line)
            with self._changed:
                if "sent" in message:
                    self.sent.append(message["sent"])
                elif "reply" in message:
                    self._replies[message["reply"]] = message
                elif "listening" in message:
                    self._listening.set()
                self._changed.notify_all()

    def _log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8")[-2000:]

    def command(self, **command: Any) -> None:
        """Run one control command and wait for the service to confirm it."""
        process = self._process
        assert process is not None and process.stdin is not None, "the service is not running"
        number = next(self._numbers)
        process.stdin.write(json.dumps({**command, "n": number}, ensure_ascii=False) + "\n")
        process.stdin.flush()
        with self._changed:
            if not self._changed.wait_for(lambda: number in self._replies, 20):
                raise TimeoutError(f"no answer to {command['cmd']}: {self._log_tail()}")
            reply = self._replies.pop(number)
        assert reply["ok"], reply

    def say(
        self, user: str, text: str, room: str | None = None, mentions: tuple[str, ...] = ()
    ) -> int:
        """A mock resident says something in a room, or privately to the bot; the sent count."""
        before = len(self.sent)
        self.command(cmd="say", **{"from": user}, text=text, room=room, mentions=list(mentions))
        return before

    def send_file(self, user: str, size: int, name: str, room: str | None = None) -> None:
        """A mock resident sends a file (a .jpg is a picture) of `size` bytes."""
        self.command(cmd="file", **{"from": user}, bytes=size, name=name, room=room)

    def join(self, room: str, members: list[str], by: str) -> None:
        """Contacts join a room, invited by `by`."""
        self.command(cmd="join", room=room, members=members, by=by)

    def leave(self, room: str, members: list[str], by: str) -> None:
        """Contacts leave a room (removed by `by`)."""
        self.command(cmd="leave", room=room, members=members, by=by)

    def wait_sent(
        self, match: Callable[[Sent], bool], *, since: int = 0, count: int = 1, timeout: float = 20
    ) -> list[Sent]:
        """The bot's messages after index `since` that match, once there are `count` of them."""

        def found() -> list[Sent]:
            return [s for s in self.sent[since:] if match(s)]

        with self._changed:
            if not self._changed.wait_for(lambda: len(found()) >= count, timeout):
                raise TimeoutError(f"the bot sent {self.sent[since:]!r}")
            return found()

    def kill(self) -> None:
        """Kill the service at once, as a crash would."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None

    def stop(self) -> None:
        """Stop the service."""
        process = self._process
        if process is None:
            return
        self._process = None
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
