"""Migrations: up from empty, down to base and up again, and no drift from the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import models
from bot import migrate
from bot.app import prepare_database
from bot.db import Database


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_reaches_head_with_every_table(database_url: str) -> None:
    db = Database(database_url)
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert _tables(db) == set(models.Base.metadata.tables)
    db.dispose()


def test_every_revision_downgrades_and_upgrades_again(database_url: str) -> None:
    db = Database(database_url)
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(db.engine, revision)
        migrate.downgrade(db.engine, "-1")
        migrate.upgrade(db.engine, revision)
    migrate.downgrade(db.engine, "base")
    assert _tables(db) == set()
    migrate.upgrade(db.engine)
    assert _tables(db) == set(models.Base.metadata.tables)
    db.dispose()


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    migrate.upgrade(db.engine)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == []
    db.dispose()


def test_sqlite_migrates_itself_at_start(tmp_path: object) -> None:
    db = prepare_database(f"sqlite:///{tmp_path}/fresh.db")
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.dispose()


def test_the_heads_read_as_text_are_alembics() -> None:
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    assert migrate.heads_on_disk() == set(script.get_heads())


def test_only_a_database_at_the_head_is_current(database_url: str) -> None:
    db = Database(database_url)
    assert not migrate.is_current(db.engine)
    migrate.upgrade(db.engine)
    assert migrate.is_current(db.engine)
    migrate.downgrade(db.engine, "-1")
    assert not migrate.is_current(db.engine)
    db.dispose()


def test_sqlite_a_revision_behind_migrates_itself_at_start(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/behind.db"
    behind = Database(url)
    migrate.upgrade(behind.engine)
    migrate.downgrade(behind.engine, "-1")
    behind.dispose()
    db = prepare_database(url)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.dispose()


@pytest.mark.postgres
def test_another_database_refuses_an_unmigrated_schema(postgres_server: object) -> None:
    from tests.support.postgres_server import PostgresServer

    assert isinstance(postgres_server, PostgresServer)
    postgres_server.execute("CREATE DATABASE linli_unmigrated")
    with pytest.raises(migrate.SchemaNotMigrated):
        prepare_database(postgres_server.url("linli_unmigrated"))


def test_0030_adds_the_pieces_of_sent_messages_and_takes_them_away_again(
    database_url: str,
) -> None:
    db = Database(database_url)
    migrate.upgrade(db.engine, "0029")
    row = (
        "INSERT INTO outbox (id, platform, chat_id, chat_kind, template, data, choices,"
        " language, state, created_at, not_before, attempts, sent_message_id, edit, bulk)"
        " VALUES (1, 'telegram', '-4001', 'group', 'notices.notice', '{}', '[]', 'zh-Hans',"
        " 'sent', '2026-12-07 10:00:00', '2026-12-07 10:00:00', 1, '9007199254740993',"
        " false, false)"
    )
    with db.engine.begin() as connection:
        connection.execute(text(row))
    migrate.upgrade(db.engine, "0030")
    assert {c["name"] for c in inspect(db.engine).get_columns("outbox_pieces")} == {
        "outbox_id",
        "number",
        "message_id",
    }
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO outbox_pieces VALUES (1, 1, '9007199254740992'), (1, 2, :id)"),
            {"id": "9007199254740993"},
        )
        found = connection.scalar(
            text("SELECT outbox_id FROM outbox_pieces WHERE message_id = '9007199254740992'")
        )
    assert found == 1
    migrate.downgrade(db.engine, "0029")
    assert "outbox_pieces" not in _tables(db)
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT sent_message_id FROM outbox")) == "9007199254740993"
    db.dispose()
