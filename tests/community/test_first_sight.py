"""A resident first seen in an event has no rows of their own to look for yet."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from models import Membership
from tests.support.community import build, resident, session_of
from tests.support.driver import Driver
from tests.support.queries import captured


@pytest.fixture
def town(app: App) -> Driver:
    return build(app)


def _memberships_read(statements: dict[str, Any]) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT") and "FROM memberships" in s]


def test_a_newcomers_first_message_reads_no_membership_they_cannot_have(town: Driver) -> None:
    with captured(town.app.db.engine) as statements:
        joined = town.one("n311", "登记 3-2-311 同意", "g1", name="n311")
    assert "登记好了" in joined.text and _memberships_read(statements) == []
    with captured(town.app.db.engine) as statements:
        town.say("n311", "大家好", "g1")
    # Known now: their membership is read with them in the event's first row, not made again.
    assert [s for s in statements if "JOIN memberships" in s]
    assert not [s for s in statements if s.startswith("INSERT INTO memberships")]
    with session_of(town.app) as session:
        mine = select(func.count()).select_from(Membership)
        owner = resident(session, "n311")
        assert session.scalar(mine.where(Membership.resident_id == owner.id)) == 1
