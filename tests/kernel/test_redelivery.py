"""A platform delivery is recorded once: its second delivery is known as such."""

from __future__ import annotations

from bot.db import Database
from bot.delivery import first_delivery
from tests.conftest import START


def test_a_delivery_is_first_once_and_another_key_is_first_too(db: Database) -> None:
    with db.transaction() as session:
        assert first_delivery(session, "telegram:1", START)
    with db.transaction() as session:
        assert not first_delivery(session, "telegram:1", START)
        assert first_delivery(session, "telegram:2", START)
