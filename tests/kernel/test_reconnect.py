"""PostgreSQL restarted or dropped the bot's connections: the next event is answered anyway."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from bot.app import App
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from tests.support.postgres_server import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_an_event_after_the_server_dropped_every_connection_is_answered(
    app: App, postgres_server: PostgresServer
) -> None:
    """The pooled connections are dead; the event is handled once more on a new one."""
    me = Incoming(
        ChatRef("console", "u1", ChatKind.PRIVATE, ""),
        UserRef("console", "u1", "老王"),
        EventKind.MESSAGE,
        "/me",
    )
    before = [e.reply.template for e in app.dispatcher.handle(me)]
    name = make_url(app.db.url).database
    postgres_server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    after = [e.reply.template for e in app.dispatcher.handle(me)]
    assert before == after == ["circles.me"]
