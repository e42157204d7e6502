"""/forget on Telegram: nothing left that names or addresses the person, and they are told."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.services.community.grid import full_name, resolve_place
from bot.services.community.people import find_identity
from models import PlaceKind
from tests.support.telegram_town import GROUP, OWNER, Town

GONE, STAYS = "7001", "7002"


@pytest.fixture
def town(app: App) -> Town:
    """李四 (to be forgotten) and 王五, registered and with private chats open."""
    place = Town(app, {GONE: "李四", STAYS: "王五"})
    for user, room in ((GONE, "301"), (STAYS, "302")):
        place.say(user, f"登记 3-2-{room} 同意", GROUP)
        place.say(user, "/start")
    return place


def _traces(town: Town) -> set[str]:
    with town.app.db.transaction() as session:
        home = resolve_place(session, "1号院/3号楼/2单元/301")
        levels = (None, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.ESTATE)
        return {GONE, "李四", f"user{GONE}"} | {full_name(session, home, k) for k in levels}


def _found(town: Town, traces: set[str], resident_id: int) -> list[tuple[str, str, Any]]:
    """Every cell of every table holding a trace, or the resident's id in a column naming one."""
    found = []
    with town.app.db.engine.connect() as connection:
        schema = inspect(connection)
        for table, rows in town.tables().items():
            people = {
                column
                for key in schema.get_foreign_keys(table)
                if key["referred_table"] == "residents"
                for column in key["constrained_columns"]
            }
            for row in rows:
                for column, value in row.items():
                    text = str(value)
                    if any(trace in text for trace in traces):
                        found.append((table, column, value))
                    if column in people and value == resident_id:
                        found.append((table, column, value))
    return found


def test_forget_leaves_no_trace_tells_the_person_and_moves_the_waitlist_up(town: Town) -> None:
    town.say(OWNER, "/poll 修不修车棚？ | 修 | 不修 | 截止 3天", GROUP, admin=True)
    town.say(GONE, "投票 1 1")
    town.say(GONE, "提议 修路灯", GROUP)
    town.say(OWNER, "决议 1 修路灯 | 负责 @李四", GROUP, admin=True, mentions=(GONE,))
    town.say(OWNER, "排班 巡逻 | 2026-11-24 08:00-10:00 | 1人 | 候补 3", GROUP, admin=True)
    town.say(GONE, "报名 1", GROUP)
    town.say(STAYS, "报名 1", GROUP)
    town.say(OWNER, "/start")
    town.hold = True
    town.say(OWNER, "成员", GROUP, admin=True)  # the list waits in the outbox, naming 李四
    traces = _traces(town)
    with town.app.db.transaction() as session:
        identity = find_identity(session, "telegram", GONE)
        assert identity is not None
        resident_id = identity.resident_id
    assert _found(town, traces, resident_id), "the person is in the database before"

    town.say(GONE, "/forget 确认")
    town.hold = False
    town.deliver()
    town.advance(minutes=2)

    assert _found(town, traces, resident_id) == []
    told = [env for _, env in town.recorder.sent if env.target.chat_id == GONE]
    assert told[-1].reply.template == "privacy.forgotten"
    promoted = [env for _, env in town.recorder.sent if env.target.chat_id == STAYS]
    assert promoted[-1].reply.template == "volunteering.promoted"
    roster = [env for _, env in town.recorder.sent if env.key.startswith("roster:")][-1]
    assert roster.edit and "王五" in str(roster.reply.data) and "李四" not in str(roster.reply.data)
    members = next(env for _, env in town.recorder.sent if env.reply.template == "circles.members")
    assert "王五" in str(members.reply.data)


@pytest.fixture
def sqlite_town(tmp_path: Path, clock: VirtualClock) -> Iterator[Town]:
    """The same town on a SQLite file, for reading the file's bytes."""
    database = Database(f"sqlite:///{tmp_path / 'town.db'}")
    migrate.upgrade(database.engine)
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    application = bootstrap(settings, clock, db=database)
    place = Town(application, {GONE: "李四", STAYS: "王五"})
    for user, room in ((GONE, "301"), (STAYS, "302")):
        place.say(user, f"登记 3-2-{room} 同意", GROUP)
        place.say(user, "/start")
    yield place
    application.close()


def test_a_copy_of_the_sqlite_file_holds_no_trace_of_a_forgotten_person(
    sqlite_town: Town, tmp_path: Path
) -> None:
    town = sqlite_town
    town.say(GONE, "提议 修路灯", GROUP)
    town.say(OWNER, "成员", GROUP, admin=True)
    file = tmp_path / "town.db"

    def raw() -> bytes:
        connection = sqlite3.connect(file, isolation_level=None)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return file.read_bytes()

    traces = [t.encode() for t in _traces(town) if not t.isdigit()]
    assert any(trace in raw() for trace in traces), "the file names the person before"
    town.say(GONE, "/forget 确认")
    town.deliver()
    copy = raw()
    assert [trace.decode() for trace in traces if trace in copy] == []
