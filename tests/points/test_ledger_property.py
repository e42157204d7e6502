"""Any sequence of postings, redemptions and expiries: each balance is the sum of its entries,
>= 0 unless allowed, never below what pending redemptions hold, which is exactly what is held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.community import roles
from bot.services.community.grid import add_path
from bot.services.points import entries_sum, ledger, shop
from bot.services.points.schedule import expire
from models import (
    Base,
    Place,
    PointsAccount,
    PointsCategory,
    PointsItem,
    PointsRedemption,
    PointsSource,
    RedemptionStatus,
    Resident,
    Role,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
OPERATIONS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(-30, 30).filter(bool),
        st.sampled_from(list(PointsSource)),
        st.sampled_from(list(PointsCategory)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(operations=OPERATIONS, allow_negative=st.booleans())
def test_balances_equal_the_sum_of_entries_and_never_go_below_zero(
    operations: list[tuple[int, int, PointsSource, PointsCategory]], allow_negative: bool
) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        community = add_path(session, "街道/社区")
        programme = ledger.programme(session, NOW, community, ledger.RESIDENT)
        people = [Resident(display_name=f"p{i}", created_at=NOW) for i in range(3)]
        session.add_all(people)
        session.flush()
        accounts = [ledger.account_of(session, programme, resident=p) for p in people]
        for step, (who, amount, source, category) in enumerate(operations):
            posting = ledger.Posting(amount, category, source)
            when = NOW + timedelta(minutes=step)
            try:
                with session.begin_nested():
                    ledger.post(
                        session, when, accounts[who], posting, None, allow_negative=allow_negative
                    )
            except DomainError:
                assert amount < 0 and not allow_negative
        session.expire_all()
        for account in session.scalars(select(PointsAccount)):
            assert account.balance == entries_sum(session, account.id)
            assert allow_negative or account.balance >= 0
    engine.dispose()


SHOP_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("award"), st.integers(0, 1), st.integers(-20, 20).filter(bool)),
        st.tuples(st.just("deduct"), st.integers(0, 1), st.integers(-20, -1)),
        st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(1, 2)),
        st.tuples(st.just("handover"), st.integers(1, 6), st.just(0)),
        st.tuples(st.just("reject"), st.integers(1, 6), st.just(0)),
        st.tuples(st.just("expire"), st.just(0), st.just(0)),
    ),
    max_size=30,
)
# What a step may be refused with; anything else is a failure.
REFUSALS = {
    "points.below_zero",
    "points.out_of_stock",
    "points.no_such_redemption",
    "points.already_decided",
}


def _shop_community(session: Session) -> tuple[Place, list[Resident], Resident]:
    """A community with two residents at home, a secretary and two items (the second scarce)."""
    community = add_path(session, "街道/社区")
    home = add_path(session, "街道/社区/小区/1号楼/1单元/101")
    people = [
        Resident(display_name=f"p{i}", created_at=NOW, household_id=home.id) for i in range(3)
    ]
    session.add_all(people)
    session.flush()
    secretary = people.pop()
    roles.grant(
        session, NOW, secretary, Role.SECRETARY, roles.Scope(place=community), roles.OPERATOR
    )
    for item in ("米 7分 50件", "油 5分 2件"):
        shop.stock_item(session, NOW, secretary, community, item)
    return community, people, secretary


def _step(
    session: Session,
    when: datetime,
    world: tuple[Place, list[Resident], Resident],
    step: tuple[str, int, int],
    number: int,
) -> None:
    community, people, secretary = world
    kind, who, value = step
    if kind in ("award", "deduct"):
        programme = ledger.programme(session, when, community, ledger.RESIDENT)
        account = ledger.account_of(session, programme, resident=people[who])
        posting = ledger.Posting(value, PointsCategory.SERVICE, PointsSource.AWARD)
        # A deduction where negative balances are allowed.
        ledger.post(session, when, account, posting, secretary.id, allow_negative=kind == "deduct")
    elif kind == "redeem":
        shop.redeem(session, when, people[who], community, value)
    elif kind == "handover":
        shop.hand_over(session, when, secretary, community, who)
    elif kind == "reject":
        shop.reject(session, when, secretary, community, who, "")
    else:
        programme = ledger.programme(session, when, community, ledger.RESIDENT)
        expire(session, when, programme, number)


@settings(max_examples=40, deadline=None)
@given(steps=SHOP_STEPS)
@example(steps=[("award", 0, 20), ("redeem", 0, 1), ("deduct", 0, -20)])
def test_with_redemptions_and_expiries_balances_and_holds_stay_exact(
    steps: list[tuple[str, int, int]],
) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        world = _shop_community(session)
        for number, step in enumerate(steps, start=1):
            try:
                with session.begin_nested():
                    _step(session, NOW + timedelta(minutes=number), world, step, number)
            except DomainError as refused:
                assert refused.key in REFUSALS, (step, refused.key)
        session.expire_all()
        for account in session.scalars(select(PointsAccount)):
            pending = session.scalar(
                select(func.coalesce(func.sum(PointsRedemption.cost), 0)).where(
                    PointsRedemption.account_id == account.id,
                    PointsRedemption.status == RedemptionStatus.PENDING,
                )
            )
            assert account.balance == entries_sum(session, account.id)
            assert account.held == pending and account.held >= 0
            # Below zero only where allowed, and never into what redemptions hold.
            assert account.balance >= account.held or account.held == 0
        for item in session.scalars(select(PointsItem)):
            waiting = session.scalar(
                select(func.count()).where(
                    PointsRedemption.item_id == item.id,
                    PointsRedemption.status == RedemptionStatus.PENDING,
                )
            )
            assert item.held == waiting and (item.stock is None or item.stock >= item.held)
    engine.dispose()
