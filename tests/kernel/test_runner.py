"""`linli run`: choosing platforms, and one clear line when one cannot start."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import runner
from bot.cli import main
from bot.config import DEVELOPMENT_SECRET
from bot.db import Database
from bot.runner import StartError, single_instance
from tests.conftest import _fresh_postgres
from tests.support.postgres_server import PostgresServer
from tests.support.wechat_service import free_port

UNSET = {
    name: None
    for name in (
        "LINLI_CONFIG",
        "LINLI_TELEGRAM_TOKEN",
        "LINLI_WECHAT_TOKEN",
        "LINLI_WECHAT_ENDPOINT",
        "WECHATY_PUPPET_SERVICE_TOKEN",
        "WECHATY_PUPPET_SERVICE_ENDPOINT",
        "LINLI_SECRET",
    )
}
SECRET = {"LINLI_SECRET": "a-test-secret-for-linli-run"}


def _run(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    url = f"sqlite:///{tmp_path / 'run.db'}"
    result = CliRunner().invoke(main, ["run", *args, "--db", url], env={**UNSET, **SECRET, **env})
    return result.exit_code, result.stderr


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET])
def test_linli_run_without_a_secret_stops_with_one_line(tmp_path: Path, secret: str) -> None:
    code, err = _run(tmp_path, LINLI_TELEGRAM_TOKEN="123456789:AAbbCCddEE", LINLI_SECRET=secret)
    assert code == 2 and err.startswith("linli: no LINLI_SECRET") and err.count("\n") == 1
    assert not (tmp_path / "run.db").exists()


def test_wechat_without_a_puppet_service_stops_with_one_line(tmp_path: Path) -> None:
    code, err = _run(tmp_path, "--platform", "wechat")
    assert code == 2
    assert err == (
        "linli: no WeChat puppet service: set [wechat] endpoint (host:port) in the config, "
        "or WECHATY_PUPPET_SERVICE_ENDPOINT\n"
    )
    code, err = _run(
        tmp_path, "--platform", "wechat", WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:8788"
    )
    assert code == 2 and err.startswith("linli: no WeChat puppet service token")


def test_all_platforms_stop_together_when_telegram_cannot_start(tmp_path: Path) -> None:
    code, err = _run(
        tmp_path,
        "--platform",
        "all",
        LINLI_WECHAT_ENDPOINT=f"127.0.0.1:{free_port()}",
        LINLI_WECHAT_TOKEN="secret-token",
    )
    assert code == 2 and err.startswith("linli: no Telegram token") and err.count("\n") == 1
    # WeChat stopped too: nothing holds the database's run lock any more.
    database = Database(f"sqlite:///{tmp_path / 'run.db'}")
    with single_instance(database):
        assert (tmp_path / "run.db.run-lock").exists()
    database.dispose()


def test_the_platform_is_one_of_telegram_wechat_and_all(tmp_path: Path) -> None:
    code, err = _run(tmp_path, "--platform", "qq")
    assert code == 2 and "'telegram', 'wechat', 'all'" in err


def test_a_second_linli_run_on_one_sqlite_database_refuses_with_one_line(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'run.db'}")
    with single_instance(database):
        code, err = _run(tmp_path, LINLI_TELEGRAM_TOKEN="1:x")
        assert code == 2
        assert err == (
            "linli: another linli run is already serving this SQLite database "
            "(SQLite serves one process; use PostgreSQL for several workers)\n"
        )
        with pytest.raises(StartError), single_instance(database):
            pass
    with single_instance(database):
        pass
    database.dispose()


@pytest.mark.postgres
def test_several_linli_runs_may_serve_one_postgresql(postgres_server: PostgresServer) -> None:
    database = Database(_fresh_postgres(postgres_server, "linli_template"))
    with single_instance(database), single_instance(database):
        assert database.engine.dialect.name == "postgresql"
    database.dispose()


def test_linli_run_settles_the_heap_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled: list[set[str]] = []
    monkeypatch.setattr(runner, "settle_heap", lambda: settled.append(set(sys.modules)))
    code, _ = _run(
        tmp_path,
        "--platform",
        "all",
        LINLI_WECHAT_ENDPOINT=f"127.0.0.1:{free_port()}",
        LINLI_WECHAT_TOKEN="secret-token",
    )
    assert code == 2
    # Once, with both platforms' libraries already loaded.
    [loaded] = settled
    assert {"telegram", "bot.adapters.telegram", "bot.adapters.wechat"} <= loaded


def test_linli_run_serves_on_one_cpu_and_gives_the_others_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = os.sched_getaffinity(0)
    serving: list[set[int]] = []

    async def serve(*_args: object) -> None:
        serving.append(os.sched_getaffinity(0))

    monkeypatch.setattr(runner, "_run", serve)
    code, _ = _run(tmp_path, "--platform", "telegram")
    assert code == 0
    [cpus] = serving
    assert len(cpus) == 1 and cpus <= allowed
    assert os.sched_getaffinity(0) == allowed


def test_a_settled_heap_leaves_what_start_up_built_out_of_later_collections() -> None:
    before = len(gc.get_objects())
    try:
        runner.settle_heap()
        # A full collection now walks what came after start-up, not the modules and mappers.
        assert gc.get_freeze_count() >= before // 2
        assert len(gc.get_objects()) < before // 100
    finally:
        gc.unfreeze()
