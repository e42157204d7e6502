"""Pruning: handled updates, sent messages and buttons go once old enough, on the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import VirtualClock
from bot.delivery import resolve_button
from bot.errors import DomainError
from models import Button, OutboxMessage, OutboxState, ProcessedUpdate
from tests.conftest import START

DAY = timedelta(days=1)


def _outbox(
    name: str, at: datetime, state: OutboxState, key: str | None = None, edit: bool = False
) -> OutboxMessage:
    return OutboxMessage(
        platform="telegram",
        chat_id="-1",
        chat_kind="group",
        template="core.help",
        data={"name": name},
        choices=[],
        language="zh-Hans",
        state=state,
        created_at=at,
        not_before=at,
        sent_at=at if state == OutboxState.SENT else None,
        key=key,
        edit=edit,
    )


def _seed(app: App) -> None:
    with app.db.transaction() as session:
        session.add_all(
            [
                ProcessedUpdate(key="telegram:1:old", processed_at=START),
                ProcessedUpdate(key="telegram:1:new", processed_at=START + 25 * DAY),
                _outbox("plain", START, OutboxState.SENT),
                _outbox("first poll message", START, OutboxState.SENT, key="poll:1"),
                _outbox("its edit", START, OutboxState.SENT, key="poll:1", edit=True),
                _outbox("reposted poll message", START + DAY, OutboxState.SENT, key="poll:1"),
                _outbox("waiting", START, OutboxState.PENDING),
                _outbox("refused", START, OutboxState.FAILED),
                Button(
                    token="old",
                    platform="telegram",
                    chat_id="-1",
                    command="/help",
                    created_at=START,
                ),
                Button(
                    token="new",
                    platform="telegram",
                    chat_id="-1",
                    command="/help",
                    created_at=START + 70 * DAY,
                ),
            ]
        )


def _left(app: App) -> tuple[list[str], list[str], list[str]]:
    with app.db.transaction() as session:
        return (
            sorted(session.scalars(select(ProcessedUpdate.key))),
            [
                row.data["name"]
                for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ],
            sorted(session.scalars(select(Button.token))),
        )


def test_old_updates_sent_messages_and_buttons_are_pruned_on_the_virtual_clock(
    app: App, clock: VirtualClock
) -> None:
    _seed(app)
    app.scheduler.run_until(START, START + 6 * DAY, clock.set)
    assert _left(app) == (
        ["telegram:1:new", "telegram:1:old"],
        ["plain", "first poll message", "its edit", "reposted poll message", "waiting", "refused"],
        ["new", "old"],
    )
    app.scheduler.run_until(clock.now(), START + 31 * DAY, clock.set)
    assert _left(app) == (
        ["telegram:1:new"],
        ["reposted poll message", "waiting", "refused"],
        ["new", "old"],
    )
    app.scheduler.run_until(clock.now(), START + 91 * DAY, clock.set)
    assert _left(app) == ([], ["reposted poll message", "waiting", "refused"], ["new"])
    with app.db.transaction() as session, pytest.raises(DomainError, match="stale_button"):
        resolve_button(session, "telegram", "-1", "u1", "old")
