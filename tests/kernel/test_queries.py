"""A constant Query reads what SQLAlchemy's own execution reads, on each backend."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, column, event, insert, or_, select, table, update
from sqlalchemy.exc import DBAPIError

from bot.db import Database, inserted, rows
from bot.queries import Query
from models import Place, PlaceKind
from tests.conftest import START as T0
from tests.support.queries import captured

# A literal (the kind), a parameter used twice (the name), a converted parameter (the time),
# and columns SQLAlchemy converts on the way out: an enum, a boolean and an aware datetime.
_ESTATES = (
    select(Place.id, Place.kind, Place.name, Place.number, Place.listed, Place.verified_at)
    .where(
        Place.kind == PlaceKind.ESTATE,
        or_(Place.verified_at >= bindparam("since"), Place.name == bindparam("name")),
        Place.path != bindparam("name"),
    )
    .order_by(Place.id)
)
_PARAMS = {"since": T0, "name": "东苑"}


def _seed(db: Database) -> None:
    with db.transaction() as session:
        session.add_all(
            [
                Place(kind=PlaceKind.ESTATE, name="东苑", path="1", listed=False),
                Place(kind=PlaceKind.ESTATE, name="西苑", path="2", number=7, verified_at=T0),
                Place(kind=PlaceKind.ESTATE, name="南苑", path="3", verified_at=T0 - timedelta(1)),
                Place(kind=PlaceKind.COMMUNITY, name="东苑", path="4"),
            ]
        )


def _ordinary(db: Database) -> list[Any]:
    with db.reading() as session:
        return list(session.connection().execute(_ESTATES, _PARAMS).all())


def test_a_query_reads_the_same_values_of_the_same_types(db: Database) -> None:
    _seed(db)
    query = Query(_ESTATES)
    with db.reading() as session:
        found = rows(session, query, _PARAMS)
        again = rows(session, query, _PARAMS)
    expected = _ordinary(db)
    assert [r.name for r in expected] == ["东苑", "西苑"]
    assert found == again == expected
    assert [[type(v) for v in r] for r in found] == [[type(v) for v in r] for r in expected]
    east, west = found
    assert east.kind is PlaceKind.ESTATE and east.listed is False and east.verified_at is None
    assert west.listed is True and west.number == 7 and west.verified_at == T0
    assert west.verified_at.tzinfo == UTC


def test_a_querys_statement_is_seen_by_the_engines_cursor_events(db: Database) -> None:
    """What tests and the query-plan check watch for, a Query runs in sight of."""
    _seed(db)
    with captured(db.engine) as seen, db.reading() as session:
        rows(session, Query(_ESTATES), _PARAMS)
    assert [s for s in seen if "FROM places" in s] == [str(_ESTATES.compile(db.engine))]


def test_a_query_sees_what_its_own_transaction_has_not_yet_flushed(db: Database) -> None:
    with db.transaction() as session:
        session.add(Place(kind=PlaceKind.ESTATE, name="东苑", path="1"))
        assert [r.name for r in rows(session, Query(_ESTATES), _PARAMS)] == ["东苑"]


def test_a_query_wants_every_parameter_it_names(db: Database) -> None:
    with pytest.raises(KeyError), db.reading() as session:
        rows(session, Query(_ESTATES), {"since": T0})


def test_a_query_refuses_a_list_of_values(db: Database) -> None:
    """An IN list is rendered anew for each length: no SQL to compile once."""
    listed = Query(select(Place.id).where(Place.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError), db.reading() as session:
        rows(session, listed, {"ids": [1]})


def test_a_failing_query_raises_as_sqlalchemy_does(db: Database) -> None:
    """A driver's error comes wrapped, as the dispatcher's reconnecting expects."""
    nowhere = Query(select(column("id")).select_from(table("nowhere")))
    with pytest.raises(DBAPIError), db.reading() as session:
        rows(session, nowhere)


def _cursors_of(db: Database, runs: int) -> list[Any]:
    """The driver cursors `runs` Queries ran on, each in a reading of its own."""
    used: list[Any] = []

    def note(_connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM places" in statement:
            used.append(cursor)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for _ in range(runs):
            with db.reading() as session:
                rows(session, Query(_ESTATES), _PARAMS)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return used


def test_queries_on_one_connection_run_on_one_kept_cursor(db: Database) -> None:
    """Making a cursor for each query cost psycopg a sixth of a one-row query."""
    _seed(db)
    db.engine.dispose()
    first, second, third = _cursors_of(db, 3)
    assert first is second is third


def test_a_new_connection_gets_a_cursor_of_its_own(db: Database) -> None:
    """A connection closed (or dropped by the server) is replaced, and its cursor with it."""
    _seed(db)
    (before,) = _cursors_of(db, 1)
    db.engine.dispose()
    (after,) = _cursors_of(db, 1)
    assert after is not before
    assert after.connection is not before.connection


_ADD = Query(
    insert(Place)
    .values(
        kind=bindparam("kind"),
        name=bindparam("name"),
        path=bindparam("path"),
        listed=bindparam("listed"),
        verified_at=bindparam("at"),
    )
    .returning(Place.id, Place.kind, Place.listed, Place.verified_at)
)
_RENAME = Query(update(Place).where(Place.id == bindparam("key")).values(name=bindparam("new")))


def test_an_insert_returns_and_an_update_changes_with_values_converted(db: Database) -> None:
    with db.transaction() as session:
        values = {"kind": PlaceKind.ESTATE, "name": "北苑", "path": "/", "listed": False, "at": T0}
        (added,) = _ADD.run(session.connection(), values)
        assert added.kind == PlaceKind.ESTATE and added.listed is False
        assert added.verified_at == T0 and added.verified_at.tzinfo is not None
        assert _RENAME.run(session.connection(), {"key": added.id, "new": "北苑二期"}) == []
    with db.transaction() as session:
        place = session.get_one(Place, added.id)
        assert (place.name, place.kind, place.verified_at) == ("北苑二期", PlaceKind.ESTATE, T0)


def test_an_insert_that_leaves_a_default_to_python_is_refused(db: Database) -> None:
    # Place.listed defaults to True in Python: the Query would have to make the value.
    short = Query(insert(Place).values(kind=bindparam("kind"), name=bindparam("name")))
    with db.transaction() as session, pytest.raises(ValueError):
        short.run(session.connection(), {"kind": PlaceKind.ESTATE, "name": "北苑"})


def test_inserted_gives_the_defaults_python_would_have_given(db: Database) -> None:
    with db.transaction() as session:
        made = inserted(session, Place, {"kind": PlaceKind.ESTATE, "name": "北苑"})
        assert made.path == "" and made.listed is True and made in session
    with db.transaction() as session:
        place = session.get_one(Place, made.id)
        assert (place.path, place.listed) == ("", True)
