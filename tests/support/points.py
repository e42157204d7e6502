"""A community with points: rules, a bin-duty volunteer, and checks of the running balances."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.services import points
from models import PointsAccount, PointsItem
from tests.support.community import session_of
from tests.support.driver import Driver


def set_rules(driver: Driver) -> None:
    """Points per duty hour and recycling kind, a daily cap, and r3 on bin duty."""
    for rule in ("值守 2/小时", "电池 2", "大件 5", "每日上限 6"):
        driver.say("sec", f"积分规则 {rule}", "g1")
    driver.say("sec", "积分授权 @r3 守桶", "g1")


def balances(app: App) -> list[tuple[int, int]]:
    """Every account's running balance beside the sum of its entries."""
    with session_of(app) as session:
        return [
            (a.balance, points.entries_sum(session, a.id))
            for a in session.scalars(select(PointsAccount).order_by(PointsAccount.id))
        ]


def consistent(app: App) -> None:
    """Every running balance equals the sum of its entries."""
    assert all(balance == total for balance, total in balances(app))


def held(app: App) -> tuple[list[tuple[int, int]], list[tuple[int | None, int]]]:
    """(balance, held) of every account and (stock, held) of every shop item (None: no limit)."""
    with session_of(app) as session:
        accounts = session.execute(
            select(PointsAccount.balance, PointsAccount.held).order_by(PointsAccount.id)
        ).all()
        items = session.execute(
            select(PointsItem.stock, PointsItem.held).order_by(PointsItem.id)
        ).all()
    return [(a.balance, a.held) for a in accounts], [(i.stock, i.held) for i in items]
