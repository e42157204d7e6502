"""Fixtures: databases (SQLite and a real PostgreSQL), a virtual clock, the wired app."""

from __future__ import annotations

import itertools
import os
from collections.abc import Generator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from tests.support.community import text_style
from tests.support.postgres_server import PostgresServer, PostgresUnavailable

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, with a migrated template database."""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not installed here: {exc}")
    try:
        server.execute("CREATE DATABASE linli_template")
        template = Database(server.url("linli_template"))
        migrate.upgrade(template.engine)
        template.dispose()
        yield server
    finally:
        server.stop()


def _fresh_postgres(server: PostgresServer, template: str | None) -> str:
    name = f"linli_test_{next(_numbers)}"
    server.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return server.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, unmigrated database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'linli.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return _fresh_postgres(server, None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database on each backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'linli.db'}")
        migrate.upgrade(database.engine)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database = Database(_fresh_postgres(server, "linli_template"))
    yield database
    database.dispose()


@pytest.fixture
def clock() -> VirtualClock:
    """A virtual clock at 2026-11-23 10:00 Beijing time."""
    return VirtualClock(START)


@pytest.fixture
def app(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[App]:
    """The wired application on a migrated database and the virtual clock."""
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    application = bootstrap(settings, clock, db=db)
    yield application
    application.close()


@pytest.fixture
def text_app(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[App]:
    """The wired application for a chat without buttons, like WeChat."""
    application = text_style(db, clock, tmp_path)
    yield application
    application.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Turn a skipped PostgreSQL test into a failure when CI=true."""
    report = yield
    if IN_CI and report.skipped and item.get_closest_marker("postgres") is not None:
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped in CI: {report.longrepr}"
    return report
