"""Rows written at once, without the unit of work, are held as if loaded, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.db import Database, inserted, updated
from models import Identity, Place, PlaceKind, Resident
from tests.conftest import START as T0
from tests.support.queries import captured


def _flushes(session: Session) -> list[int]:
    """A list that grows by one on each flush of `session` (from now on)."""
    seen: list[int] = []
    event.listen(session, "before_flush", lambda *_: seen.append(1))
    return seen


def test_an_inserted_row_is_held_with_its_defaults_and_no_pending_change(db: Database) -> None:
    with db.transaction() as session:
        flushes = _flushes(session)
        place = inserted(session, Place, {"kind": PlaceKind.ESTATE, "name": "东苑"})
        assert place.id is not None and place.path == "" and place.listed is True
        assert place in session and not session.new and not session.dirty
        with captured(db.engine) as statements:
            assert session.get(Place, place.id) is place
        assert statements == {}
        session.flush()
        assert flushes == []
        made = place.id
    with db.reading() as session:
        found = session.scalars(select(Place).where(Place.id == made)).one()
        assert (found.kind, found.name, found.path, found.listed) == (
            PlaceKind.ESTATE,
            "东苑",
            "",
            True,
        )


def test_an_inserted_row_goes_with_a_rolled_back_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        inserted(session, Resident, {"display_name": "甲", "created_at": T0})
        raise RuntimeError
    with db.reading() as session:
        assert session.scalars(select(Resident)).all() == []


def test_what_was_inserted_in_a_rolled_back_savepoint_is_let_go_of(db: Database) -> None:
    with db.transaction() as session:
        kept = inserted(session, Place, {"kind": PlaceKind.ESTATE, "name": "东苑"})
        savepoint = session.begin_nested()
        inner = session.begin_nested()
        gone = inserted(session, Place, {"kind": PlaceKind.ESTATE, "name": "西苑"})
        inner.commit()
        savepoint.rollback()
        assert kept in session and gone not in session
        assert session.get(Place, gone.id) is None
        names = session.scalars(select(Place.name)).all()
    assert names == ["东苑"]


def test_an_update_is_written_at_once_and_held_with_its_relationship(db: Database) -> None:
    with db.transaction() as session:
        home = inserted(session, Place, {"kind": PlaceKind.HOUSEHOLD, "name": "301"})
        resident = inserted(session, Resident, {"display_name": "甲", "created_at": T0})
        identity = inserted(
            session,
            Identity,
            {"resident_id": resident.id, "platform": "t", "external_id": "1", "display_name": "甲"},
        )
        flushes = _flushes(session)
        with captured(db.engine) as statements:
            updated(
                session,
                resident,
                {"household_id": home.id, "household": home, "registered_at": T0},
            )
            assert resident.household is home and resident.registered_at == T0
            assert identity.private_chat_open is False
        assert [s.split()[0] for s in statements] == ["UPDATE"]
        assert not session.dirty
        session.flush()
        assert flushes == []
        ids = resident.id, home.id
    with db.reading() as session:
        found = session.get(Resident, ids[0])
        assert found is not None
        assert (found.household_id, found.registered_at) == (ids[1], T0)


def test_only_a_row_already_in_the_database_can_be_updated_at_once(db: Database) -> None:
    with db.transaction() as session:
        resident = Resident(display_name="乙", created_at=T0)
        session.add(resident)
        with pytest.raises(ValueError):
            updated(session, resident, {"registered_at": T0})
