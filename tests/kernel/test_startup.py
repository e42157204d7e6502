"""A worker's start: it loads no library it does not use yet, and each works when first used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot import migrate
from bot.db import Database

ROOT = Path(__file__).resolve().parents[2]
# Each takes a tenth of a second or more to import; none is needed to start serving.
HEAVY = ("alembic", "cn2an", "openpyxl", "psycopg", "telegram", "wechaty")
# What `linli run` does before it serves a platform, then the first uses of the lazy ones.
START = """
import json, sys
from datetime import UTC, datetime
import bot.cli, bot.runner
from bot.app import bootstrap, prepare_database
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
clock = VirtualClock(datetime(2026, 12, 5, 9, tzinfo=UTC))
app = bootstrap(Settings(general=GeneralSettings(data_dir=sys.argv[2])), clock,
                db=prepare_database(sys.argv[1]))
app.scheduler.tick(clock.now())
loaded = sorted(name for name in json.loads(sys.argv[3]) if name in sys.modules)
from bot.services.common.keywords import with_digits
print(json.dumps({"loaded": loaded, "digits": with_digits("三号楼二单元")}))
app.close()
"""


def test_a_worker_on_a_migrated_database_starts_without_the_heavy_libraries(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'linli.db'}"
    database = Database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    done = subprocess.run(
        [sys.executable, "-c", START, url, str(tmp_path), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout) == {"loaded": [], "digits": "3号楼2单元"}
