"""`linli console --jsonl` run as a subprocess: JSON lines in, parsed JSON lines out."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

NOW = "2026-11-23T10:00:00+08:00"


def run_console(url: str, events: list[Any], *extra: str) -> list[dict[str, Any]]:
    """Feed events (dicts, or raw strings for bad lines) and parse every output line."""
    lines = (
        "\n".join(e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in events)
        + "\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--jsonl", "--db", url, "--now", NOW, *extra],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]
