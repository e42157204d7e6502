"""Rows read with a Query are held as if the ORM had loaded them, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, bindparam, event, select
from sqlalchemy.orm import Session

from bot.db import Database, connection_of, insert_row, loaded, loaded_together, loaded_with, rows
from bot.queries import Query
from models import Place, PlaceKind
from tests.support.queries import captured

_PLACE = Query(select(*Place.__table__.c).where(Place.id == bindparam("id")))
_PARENT = Place.__table__.alias("parent")


def _place(db: Database, name: str, parent: int | None = None) -> int:
    with db.transaction() as session:
        row = insert_row(
            session, Place, {"kind": PlaceKind.ESTATE, "name": name, "parent_id": parent}, "id"
        )
        return int(row.id)


def _read(session: Session, place: int) -> Place:
    (row,) = rows(session, _PLACE, {"id": place})
    return loaded(session, Place, row)


def test_a_row_read_is_held_like_a_loaded_object_with_nothing_pending(db: Database) -> None:
    made = _place(db, "东苑")
    loads: list[str] = []

    def note(place: Place, _context: object) -> None:
        loads.append(place.name)

    event.listen(Place, "load", note)
    try:
        with db.transaction() as session:
            place = _read(session, made)
            assert (place.id, place.kind, place.name, place.listed) == (
                made,
                PlaceKind.ESTATE,
                "东苑",
                True,
            )
            assert place in session and not session.new and not session.dirty
            with captured(db.engine) as statements:
                assert session.get(Place, made) is place
            assert statements == {}
            place.name = "西苑"
    finally:
        event.remove(Place, "load", note)
    # What listens to the ORM's loads heard of it, and a change to it is flushed as usual.
    assert loads == ["东苑"]
    with db.reading() as session:
        assert session.scalars(select(Place.name).where(Place.id == made)).one() == "西苑"


def test_a_row_the_session_holds_already_gives_the_held_object_unchanged(db: Database) -> None:
    made = _place(db, "东苑")
    with db.transaction() as session:
        held = session.get(Place, made)
        assert held is not None
        held.name = "西苑"
        session.flush()
        held.name = "南苑"
        assert _read(session, made) is held and held.name == "南苑"


def test_a_relationship_read_with_its_owner_is_held_unless_the_owner_holds_one(
    db: Database,
) -> None:
    estate = _place(db, "东苑")
    building = _place(db, "1号楼", parent=estate)
    other = _place(db, "西苑")
    with db.transaction() as session:
        child, parent = _read(session, building), _read(session, estate)
        loaded_with(child, "parent", parent)
        with captured(db.engine) as statements:
            assert child.parent is parent
        assert statements == {}
        loaded_with(child, "parent", _read(session, other))
        assert child.parent is parent


_PLACE_AND_PARENT = Query(
    select(*Place.__table__.c, *_PARENT.c)
    .join(_PARENT, _PARENT.c.id == Place.parent_id)
    .where(Place.id == bindparam("id"))
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)


def test_one_row_of_two_tables_gives_each_its_object(db: Database) -> None:
    estate = _place(db, "东苑")
    building = _place(db, "1号楼", parent=estate)
    with db.transaction() as session:
        (row,) = rows(session, _PLACE_AND_PARENT, {"id": building})
        child, parent = loaded_together(session, row, Place, Place)
        assert (child.id, child.name, parent.id, parent.name) == (building, "1号楼", estate, "东苑")
        assert session.get(Place, estate) is parent
        with pytest.raises(ValueError):
            loaded_together(session, row, Place)


def test_a_savepoint_begun_after_a_read_still_undoes_what_was_written_in_it(
    db: Database,
) -> None:
    """The connection is kept between statements, but each new savepoint is still sent."""
    made = _place(db, "东苑")
    with db.transaction() as session:
        _read(session, made)
        kept = connection_of(session)
        savepoint = session.begin_nested()
        assert connection_of(session) is kept
        insert_row(session, Place, {"kind": PlaceKind.ESTATE, "name": "西苑"}, "id")
        savepoint.rollback()
        names = session.scalars(select(Place.name).order_by(Place.id)).all()
    assert names == ["东苑"]


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_session_gives_a_new_transactions_connection_after_one_ends(
    db: Database, ending: str
) -> None:
    made = _place(db, "东苑")
    with Session(db.engine) as session:
        _read(session, made)
        first = connection_of(session)
        getattr(session, ending)()
        assert first.closed
        assert connection_of(session) is not first
        assert connection_of(session) is session.connection()
        assert _read(session, made).name == "东苑"
