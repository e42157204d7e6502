"""The README's console example is a session that works as printed, on a fresh demo."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import demo
from bot.adapters.console import ConsoleChat, Interactive, console_platform
from bot.app import bootstrap, prepare_database
from bot.clock import VirtualClock
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMAND = "$ .venv/bin/linli demo"


def _readme_session() -> str:
    """The block under "Trying it in the console", without the shell command."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Trying it in the console", 1)[1]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    first, _, rest = block.partition("\n")
    assert first == COMMAND
    return rest


def _play(path: Path, session: str) -> str:
    """Type the session's lines into the demo's console, writing what a terminal would show."""
    settings = load_settings(
        None, environ={}, overrides={("database", "url"): demo.sqlite_url(path)}
    )
    clock = VirtualClock(NOW)
    app = bootstrap(
        settings,
        clock,
        db=prepare_database(settings.database.url),
        platforms=console_platform("buttons"),
    )
    try:
        chat = ConsoleChat(app, clock, "buttons")
        demo.prepare_chat(chat)
        out = io.StringIO()
        console = Interactive(chat, out)
        for line in session.splitlines():
            if "> " not in line or not line.startswith("["):
                continue
            typed = line.split("> ", 1)[1]
            out.write(console.prompt() + typed + "\n")
            console.handle(typed)
        return out.getvalue()
    finally:
        app.close()


def test_the_readme_console_example_gives_the_replies_it_shows(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    demo.open_demo(path, NOW)
    session = _readme_session()
    assert "成员" in session and "登记 3-2-301" in session
    assert _play(path, session) == session
