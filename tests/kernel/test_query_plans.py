"""Every query a typical command or a scheduler tick runs can use an index on a big table:
its cost follows the work, not the size of the street (PostgreSQL plans)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bench.points import _ledger, _members
from bench.requests import _requests
from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from bot.services.community.grid import inside
from models import Place
from tests.conftest import START, _fresh_postgres
from tests.support.community import build
from tests.support.driver import PLATFORM
from tests.support.postgres_server import PostgresServer
from tests.support.queries import captured
from tests.support.scenarios import (
    community,
    deliberation,
    notices,
    points,
    requests,
    staged,
    volunteering,
)

# Tables that grow with the households, residents and the years of use.
BIG = frozenset(
    {
        "audit_log",
        "ballot_marks",
        "ballot_voters",
        "ballots",
        "identities",
        "memberships",
        "notice_receipts",
        "outbox",
        "places",
        "points_accounts",
        "points_entries",
        "processed_updates",
        "request_steps",
        "requests",
        "residents",
        "volunteer_hours",
        "volunteer_reminders",
        "volunteer_shifts",
        "volunteer_signups",
    }
)
TYPICAL = (community, staged, deliberation, volunteering, points, notices, requests)
# Statements that read a whole table on purpose, never on a resident's command or a tick.
WHOLE = ("SELECT 1", "pg_catalog", "alembic_version")
_collated = itertools.count()


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[App]:
    """The wired application on a migrated SQLite file only (it reads SQLite plans)."""
    database = Database(f"sqlite:///{tmp_path / 'linli.db'}")
    migrate.upgrade(database.engine)
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    application = bootstrap(settings, VirtualClock(START), db=database)
    yield application
    application.close()
    database.dispose()


@pytest.fixture
def pg_app(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[App]:
    """The wired application on a migrated PostgreSQL database only (it reads PG plans)."""
    database = Database(_fresh_postgres(postgres_server, "linli_template"))
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    application = bootstrap(settings, VirtualClock(START), db=database)
    yield application
    application.close()
    database.dispose()


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(node type, table) of every scan in a plan tree."""
    if "Relation Name" in plan:
        yield plan["Node Type"], plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _fill(database: Database) -> None:
    """A few thousand residents, ledger entries and requests beside the scenarios' own."""
    first, community_id = _members(
        database, 2_000, "文化路街道/红旗里社区/填充小区/1号楼/1单元", secretary=None
    )
    _ledger(database, first, 2_000, community_id, 5_000)
    with database.transaction() as session:
        offset = session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM requests")) or 0
    assert offset < 1_000
    _requests(database, first, 2_000, community_id, 3_000, offset=1_000)


@pytest.mark.postgres
def test_hot_queries_use_indexes_on_big_tables(pg_app: App) -> None:
    driver = build(pg_app, buttons=False)
    with captured(pg_app.db.engine) as statements:
        for scenario in TYPICAL:
            scenario(driver)
    _fill(pg_app.db)
    explained = 0
    scans: set[tuple[str, str, str]] = set()
    with pg_app.db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        # Without this a small table is read whole even where an index serves; with it a
        # Seq Scan is left only where no index can serve the query.
        connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements.items():
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb not in ("SELECT", "UPDATE", "DELETE") or any(w in statement for w in WHOLE):
                continue
            # An executemany's statement is explained with its first parameters.
            first = parameters[0] if isinstance(parameters, list) else parameters
            raw = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", first
            ).scalar_one()
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            explained += 1
            scans |= {
                (kind, table, statement)
                for kind, table in _scans(plan)
                if kind == "Seq Scan" and table in BIG
            }
    assert explained > 100
    found = sorted((table, " ".join(statement.split())[:300]) for _, table, statement in scans)
    assert found == []


def test_the_requests_list_on_sqlite_searches_by_the_viewer_not_the_whole_community(
    sqlite_app: App,
) -> None:
    first, community_id = _members(sqlite_app.db, 300)
    _requests(sqlite_app.db, first, 300, community_id, 500)
    # The chain's branch, a party member, a resident and the secretary.
    users = (f"m{first}", f"m{first + 20}", f"m{first + 250}", "sec")
    plans = []
    for user in users:
        with captured(sqlite_app.db.engine) as statements:
            replies = sqlite_app.dispatcher.handle(_private(user, "诉求"))
        assert [envelope.reply.template for envelope in replies] == ["requests.listing"]
        with sqlite_app.db.engine.connect() as connection:
            plans += [
                " ".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    )
                )
                for statement, parameters in statements.items()
                if statement.startswith("SELECT") and "FROM requests" in statement
            ]
    assert len(plans) >= 2 * len(users)
    assert [plan for plan in plans if "(community_id=?)" in plan] == []


def _private(user: str, text: str) -> Incoming:
    """A message from `user` in their private chat."""
    return Incoming(
        ChatRef(PLATFORM, user, ChatKind.PRIVATE),
        UserRef(PLATFORM, user, user),
        EventKind.MESSAGE,
        text,
    )


def _sqlite_plans(
    app: App, statements: dict[str, Any], keep: Callable[[str], bool], *, analyze: bool
) -> list[str]:
    """SQLite's plan, on one line, of each statement `keep` keeps; with the statistics
    `linli run` keeps (Database.keep_statistics) first when `analyze`."""
    if analyze:
        app.db.keep_statistics()
    with app.db.engine.connect() as connection:
        return [
            " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            )
            for statement, params in statements.items()
            if keep(statement)
        ]


def test_the_notices_list_finds_each_notices_replies_by_their_key(sqlite_app: App) -> None:
    """Its figures count a notice's rows in the outbox: by the key, not the whole outbox."""
    driver = build(sqlite_app, buttons=False)
    notices(driver)
    with captured(sqlite_app.db.engine) as statements:
        assert "通知" in driver.one("sec", "通知列表").text
    plans = _sqlite_plans(
        sqlite_app, statements, lambda s: "FROM outbox" in s and "key" in s, analyze=False
    )
    assert plans and all("(key=?)" in plan for plan in plans)


def test_households_under_a_place_are_found_by_the_index_on_paths_on_sqlite(
    sqlite_app: App,
) -> None:
    """The notices list and 回执 count a notice's registered households: SQLite's LIKE (which
    ignores case) cannot search the index on paths, so each count read every resident, or
    every place, of the street."""
    driver = build(sqlite_app, buttons=False)
    notices(driver)
    with captured(sqlite_app.db.engine) as statements:
        assert "通知" in driver.one("sec", "通知列表").text
        assert "回执" in driver.say("sec", "回执 1")[0].text
    plans = _sqlite_plans(
        sqlite_app, statements, lambda s: "places.path" in s and "residents" in s, analyze=True
    )
    assert len(plans) >= 3
    assert [plan for plan in plans if "SCAN residents" in plan or "SCAN places" in plan] == []


@pytest.mark.postgres
def test_places_under_a_path_are_searched_by_index_in_any_collation(
    postgres_server: PostgresServer,
) -> None:
    """A cluster made with a locale (as most are) collates text by it, and then PostgreSQL
    searches an ordinary index for LIKE 'prefix%' no more: every count of a place's
    households read all the street's places."""
    name = f"linli_collated_{next(_collated)}"
    postgres_server.execute(
        f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8'"
    )
    database = Database(postgres_server.url(name))
    try:
        migrate.upgrade(database.engine)
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO places (id, parent_id, kind, name, number, listed, path) "
                "SELECT g, NULL, 'household', 'h' || g, g, false, '/1/' || g / 100 || '/' || g "
                "|| '/' FROM generate_series(1, 5000) AS g"
            )
            connection.exec_driver_sql("ANALYZE places")
            query = select(func.count()).select_from(Place).where(inside("/1/7/"))
            with captured(database.engine) as statements:
                assert connection.execute(query).scalar_one() == 100
            ((statement, parameters),) = statements.items()
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
    finally:
        database.dispose()
    assert "Index Cond: (((path)::text ~>=~" in plan, plan
