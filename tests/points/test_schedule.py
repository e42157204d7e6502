"""Scheduled points work on the virtual clock: monthly statements and each expiry policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.messages import ChatKind, Envelope
from models import PointsEntry, PointsJob, PointsJobKind, PointsSource
from tests.support.community import build
from tests.support.driver import Driver
from tests.support.points import consistent, held


def _run(app: App, until: str) -> list[tuple[str, str, Envelope]]:
    """Tick once (scheduling what points need), then run to `until` (local): what was sent."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    zone = app.settings.zone
    sent = [(clock.now(), e) for e in app.scheduler.tick(clock.now())]
    end = datetime.fromisoformat(until).replace(tzinfo=zone)
    sent += [
        (at, e) for at, batch in app.scheduler.run_until(clock.now(), end, clock.set) for e in batch
    ]
    return [(f"{at.astimezone(zone):%m-%d %H:%M}", e.target.chat_id, e) for at, e in sent]


def _statements(sent: list[tuple[str, str, Envelope]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (at, chat, envelope.reply.data)
        for at, chat, envelope in sent
        if envelope.reply.template == "points.statement"
        and envelope.target.kind == ChatKind.PRIVATE
    ]


def test_each_member_with_activity_gets_one_statement_on_the_first_at_nine(app: App) -> None:
    driver = build(app)
    driver.say("sec", "加分 @r2 10 巡逻", "g1")
    driver.say("sec", "上架 大米 4分 3件", "g1")
    driver.say("r2", "兑换 1", "g1")
    driver.say("sec", "发放 1", "g1")
    sent = _statements(_run(app, "2026-12-01 12:00"))
    assert [(at, chat) for at, chat, _ in sent] == [("12-01 09:00", "r2")]
    assert [(x["earned"], x["spent"], x["balance"]) for x in sent[0][2]["lines"]] == [(10, 4, 6)]
    # A restart runs the same work again: nothing is sent twice.
    again = bootstrap(app.settings, app.clock, db=app.db)
    assert again.scheduler.tick(app.clock.now()) == []
    # No activity in December: no statement on 1 January.
    assert _statements(_run(app, "2027-01-01 12:00")) == []


def _award_and_expire(driver: Driver, policy: str, until: str) -> None:
    driver.say("sec", f"积分规则 居民积分 {policy}", "g1")
    driver.say("sec", "加分 @r2 10", "g1")
    driver.say("sec", "上架 大米 4分 3件", "g1")
    driver.say("r2", "兑换 1", "g1")
    _run(driver.app, until)


def _expired(app: App) -> list[tuple[int, str]]:
    with app.db.transaction() as session:
        rows = session.execute(
            select(PointsEntry.amount, PointsEntry.recorded_at).where(
                PointsEntry.source == PointsSource.EXPIRY
            )
        ).all()
    zone = app.settings.zone
    return [(amount, f"{at.astimezone(zone):%Y-%m-%d %H:%M}") for amount, at in rows]


def test_yearly_expiry_clears_free_points_after_the_day_and_keeps_what_is_held(app: App) -> None:
    driver = build(app)
    _award_and_expire(driver, "每年清零 12-31", "2026-12-31 23:59")
    assert _expired(app) == []
    _run(app, "2027-01-01 00:01")
    assert _expired(app) == [(-6, "2027-01-01 00:00")]
    assert held(app)[0] == [(4, 4)]
    assert "到期清零" in driver.one("r2", "积分").text
    consistent(app)
    with app.db.transaction() as session:
        due = session.scalars(
            select(PointsJob.due_at).where(
                PointsJob.kind == PointsJobKind.EXPIRY, PointsJob.done_at.is_(None)
            )
        ).one()
    assert f"{due.astimezone(app.settings.zone):%Y-%m-%d %H:%M}" == "2028-01-01 00:00"


def test_quarterly_expiry_clears_at_each_quarters_end(app: App) -> None:
    driver = build(app)
    _award_and_expire(driver, "每季清零", "2027-01-01 00:01")
    assert _expired(app) == [(-6, "2027-01-01 00:00")]
    driver.say("sec", "加分 @r2 3", "g1")
    _run(app, "2027-04-01 00:01")
    assert _expired(app) == [(-6, "2027-01-01 00:00"), (-3, "2027-04-01 00:00")]
    consistent(app)


def test_points_that_never_expire_are_never_cleared(app: App) -> None:
    driver = build(app)
    driver.say("sec", "积分规则 居民积分 每季清零", "g1")
    _award_and_expire(driver, "永不过期", "2027-07-01 00:01")
    assert _expired(app) == []
    assert held(app)[0] == [(10, 4)]
