"""PostgreSQL restarted or dropped the bot's connections: the next event is answered anyway,
and a connection in steady use is not pinged before each event."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import db as db_module
from bot.app import App
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from tests.support.postgres_server import PostgresServer

pytestmark = pytest.mark.postgres
ME = Incoming(
    ChatRef("console", "u1", ChatKind.PRIVATE, ""),
    UserRef("console", "u1", "老王"),
    EventKind.MESSAGE,
    "/me",
)


def _drop_connections(app: App, server: PostgresServer) -> None:
    name = make_url(app.db.url).database
    server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize("direct", [False, True], ids=["stored", "read"])
def test_an_event_after_the_server_dropped_every_connection_is_answered(
    app: App, postgres_server: PostgresServer, direct: bool
) -> None:
    """The pooled connections are dead, and were used a moment ago (so not pinged); the
    event is handled once more on a new one."""
    before = [e.reply.template for e in app.dispatcher.handle(ME)]
    _drop_connections(app, postgres_server)
    after = [e.reply.template for e in app.dispatcher.handle(ME, direct=direct)]
    assert before == after == ["circles.me"]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_only_a_connection_left_idle_is_pinged_before_use(
    app: App, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[Any] = []
    dialect = app.db.engine.dialect
    monkeypatch.setattr(dialect, "do_ping", pings.append)
    for _ in range(3):
        app.dispatcher.handle(ME)
    assert pings == []
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
    app.dispatcher.handle(ME)
    assert len(pings) == 1


def _held_driver(app: App) -> Any:
    with app.db.reading(held=True) as session:
        return session.connection().connection.driver_connection


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_held_reading_connection_the_server_dropped_is_replaced_in_autocommit(
    app: App, postgres_server: PostgresServer
) -> None:
    """A reading command's thread keeps its connection; once the server drops it, the
    command is answered on a new one that reads outside a transaction, as the old did."""
    app.dispatcher.handle(ME, direct=True)
    before = _held_driver(app)
    assert before.autocommit
    _drop_connections(app, postgres_server)
    answered = app.dispatcher.handle(ME, direct=True)
    assert [e.reply.template for e in answered] == ["circles.me"]
    after = _held_driver(app)
    assert after is not before and after.autocommit and not after.closed


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_rows_are_marked_sent_after_the_server_dropped_the_autocommit_connection(
    app: App, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection kept for statements that commit as they run is pinged once idle, as
    pooled ones are, and replaced by one in autocommit again: a mark that failed would let
    a sent message go twice."""
    with app.db.at_once() as session:
        before = session.connection().connection.driver_connection
    _drop_connections(app, postgres_server)
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
    with app.db.at_once() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
        after = session.connection().connection.driver_connection
    assert after is not None and after is not before and after.autocommit
